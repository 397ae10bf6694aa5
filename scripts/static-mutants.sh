#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-mutants.sh: the extra static builds (scripts/static-trees.sh) must
# catch what they are for. Each mutant is a copy of the module's sources
# with one such fault put back, built against its tree; the build must fail
# with the diagnostic that fault deserves. A mutant whose edit no longer
# applies (the code it edits moved) fails too, so this cannot pass vacuously.
# Prints KTAP; exit 0 only if every mutant was caught.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
rc=0
comment() { sed 's/^/# /'; }
echo "TAP version 13"
echo "1..3"

# mutant NAME TREE EXPECT SED FILE...: apply the sed script SED to FILEs (in
# a copy of the sources) and build for TREE; the build must fail and its
# output match the extended regex EXPECT.
mutant() {
	local name=$1 tree=$2 expect=$3 sed=$4 src=$tmp/$1 out f changed=0
	shift 4
	n=$((n + 1))
	mkdir -p "$src"
	cp -a "$top"/Kbuild "$top"/module "$top"/include "$src/"
	for f in "$@"; do
		sed -E -i "$sed" "$src/$f"
		cmp -s "$top/$f" "$src/$f" || changed=1
	done
	if [ $changed = 0 ]; then
		echo "not ok $n $name # the edit no longer applies: update $0"
		rc=1
		return
	fi
	# Its own out/, so the real builds' logs stay.
	if out=$(TCPLAB_OUT=$tmp/out-$name "$top/scripts/static-trees.sh" build "$tree" "$src" 2>&1); then
		comment <<<"$out"
		echo "not ok $n $name # the $tree build passed"
		rc=1
	elif ! grep -qE -- "$expect" <<<"$out"; then
		comment <<<"$out"
		echo "not ok $n $name # the $tree build failed, but not with /$expect/"
		rc=1
	else
		grep -E -- "$expect" <<<"$out" | head -n 1 | comment
		echo "ok $n $name"
	fi
}

# A plain 64-bit division put back where div_u64() was.
mutant u64_division i386 'undefined libgcc helper: .*__u?divdi3' \
	's|div_u64\(dw << 40, c_q\)|(dw << 40) / c_q|' include/tcp_lab/cubic_math.h

# IPv6-only calls out of their IS_ENABLED(CONFIG_IPV6) guard: they compile,
# as the kernel declares them anyway, but an IPv6-less kernel does not
# export them, so the module would not load there.
mutant ipv6_unguarded_call noipv6 'ERROR: modpost: "[^"]+" \[.*\] undefined!' \
	's/IS_ENABLED\(CONFIG_IPV6\) && //' module/syncookie.c module/timewait.c

# The IPv6 code compiled in whatever the kernel: calls to what only an
# IPv6 kernel declares, or declares but does not export without IPv6.
mutant ipv6_unguarded_code noipv6 'error: implicit declaration of function|ERROR: modpost: "[^"]+" \[.*\] undefined!' \
	's/^#if IS_ENABLED\(CONFIG_IPV6\)$/#if 1/' module/syncookie.c module/timewait.c

exit $rc
