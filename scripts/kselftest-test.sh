#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftests work inside the kernel's own kselftest tree: copied to
# tools/testing/selftests/tcp_lab of Debian's linux-source-6.12, installed
# with `make -C tools/testing/selftests TARGETS=tcp_lab install`, and run by
# the generated run_kselftest.sh. Run here, on a host where tcp_lab is not
# loaded, every test must report a clean SKIP (exit 4), never a PASS or FAIL.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/scripts/kernels.sh"
source "$top/selftests/ktap.sh"

if [ -e /proc/net/tcp_lab ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP tcp_lab is loaded on this host: the skip path cannot be shown"
	exit 0
fi

ksrc="$TCPLAB_CACHE/ksrc"
if [ ! -e "$ksrc/.complete" ]; then
	rm -rf "$ksrc"
	mkdir -p "$ksrc"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$ksrc" --strip-components=1 \
		--wildcards '*/tools/testing/selftests/*' '*/tools/scripts/*' \
		'*/tools/build/*' '*/scripts/subarch.include' '*/Makefile' &&
		touch "$ksrc/.complete"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$ksrc/tools/testing/selftests/tcp_lab"' EXIT

ktap_plan 4
rm -rf "$ksrc/tools/testing/selftests/tcp_lab"
cp -a "$top/selftests" "$ksrc/tools/testing/selftests/tcp_lab"
rm -rf "$ksrc/tools/testing/selftests/tcp_lab/unit"
make -s -C "$ksrc/tools/testing/selftests" TARGETS=tcp_lab install \
	INSTALL_PATH="$tmp/ksft" >"$tmp/install.log" 2>&1
ktap_result $? "kselftest_install"
sed 's/^/# /' "$tmp/install.log"

progs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/selftests/Makefile" |
	sed -n 's/^TEST_PROGS *:= *//p')
want=$(for p in $progs; do echo "tcp_lab:$p"; done)
[ "$(cat "$tmp/ksft/kselftest-list.txt" 2>/dev/null)" = "$want" ]
ktap_result $? "kselftest_list_has_every_test_prog"

(cd "$tmp/ksft" && ./run_kselftest.sh) >"$tmp/run.log" 2>&1
runrc=$?
sed 's/^/# /' "$tmp/run.log"
grep -q '^TAP version 13' "$tmp/run.log" &&
	[ "$(grep -c '^ok [0-9]* selftests: tcp_lab: .* # SKIP' "$tmp/run.log")" = "$(echo "$progs" | wc -w)" ]
ktap_result $? "run_kselftest_every_test_skips_without_module"
[ "$runrc" = 0 ] && ! grep -q '^not ok' "$tmp/run.log"
ktap_result $? "run_kselftest_exits_0"
ktap_finished
