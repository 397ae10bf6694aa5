#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# unstable-chroot.sh [--update]
#
# The toolchain for the "unstable" kernel target: a minimal Debian unstable
# (sid) chroot in $TCPLAB_CACHE/unstable-chroot, with the newest
# linux-headers-*-amd64 sid carries (which pulls linux-kbuild and the gcc
# that kernel was built with), make and sparse. The newest sid kernel is
# built with a newer gcc than Debian 12 has, so the module cannot be built
# for it on the host. Built once per machine; later calls return at once.
# The matching linux-image is downloaded (not installed) at the same time
# and unpacked into $TCPLAB_CACHE/kernels/KVER, as fetch_kernel does for the
# host's kernels, so headers and image always belong together even after
# sid has moved on.
#
# --update: apt-get update inside the chroot, then headers and image of
# whatever sid's newest kernel is now. Older headers stay; kver_of picks the
# newest.
#
# Only vm.sh ... unstable needs this; scripts/deps.sh and the default
# `make check` (6.1 6.12) never create it. Heavy steps run under nice/ionice:
# the machine runs benchmarks beside it.
set -euo pipefail

source "$(dirname "$0")/kernels.sh"

root=$TCPLAB_UNSTABLE_CHROOT
mirror=${TCPLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
update=0
[ "${1:-}" = --update ] && update=1

log() { echo "unstable-chroot: $*" >&2; }

# Newest sid kernel: linux-headers-amd64 depends on its headers.
install_newest() {
	local dir=$1
	# A mirror that lags the clock serves a signed InRelease whose
	# Valid-Until has passed: apt refuses it. Say so, and take it anyway;
	# the signature is still checked.
	if ! in_chroot "$dir" apt-get update -qq >&2; then
		log "apt-get update failed; retrying without the Valid-Until check"
		in_chroot "$dir" apt-get update -qq \
			-o Acquire::Check-Valid-Until=false >&2
	fi
	DEBIAN_FRONTEND=noninteractive in_chroot "$dir" \
		apt-get install -y -qq --no-install-recommends \
		linux-headers-amd64 make sparse >&2
	in_chroot "$dir" apt-get clean
}

# Newer Kbuild (7.2 here) runs scripts/checker-valid.sh to see whether sparse
# understands __typeof_unqual__, and quietly drops C=1/C=2 when the script
# says no, or is missing: Debian's headers packages do not ship it. Put a
# probe of our own where the Makefile looks for it, in every headers tree
# that asks for one. Cheap, so done on every call.
add_checker_valid() {
	local common=$1 f=$1/scripts/checker-valid.sh
	grep -q 'scripts/checker-valid\.sh' "$common/Makefile" 2>/dev/null || return 0
	[ -e "$f" ] && return 0
	cat >"$f" <<'PROBE'
#!/bin/sh
# Added by tcplab's unstable-chroot.sh: Debian's headers package lacks the
# kernel's own script. Prints 1 if the checker "$@" handles
# __typeof_unqual__ without an error, else 0.
command -v "$1" >/dev/null 2>&1 || exit 1
src=$(mktemp --suffix=.c) || exit 1
trap 'rm -f "$src"' EXIT
printf 'int f(const int *p) { __typeof_unqual__(*p) v = *p; return v; }\n' >"$src"
if "$@" "$src" 2>&1 | grep -q error; then echo 0; else echo 1; fi
PROBE
	chmod +x "$f"
}

if [ -e "$root/.complete" ]; then
	for d in "$root"/usr/src/linux-headers-*-common; do
		[ -d "$d" ] && add_checker_valid "$d"
	done
	[ $update = 0 ] && exit 0
fi

start=$(date +%s)
if [ ! -e "$root/.complete" ]; then
	if ! command -v debootstrap >/dev/null; then
		log "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
	fi
	log "debootstrap sid into $root (once per machine; several minutes)"
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	nice -n 19 ionice -c3 debootstrap --variant=minbase sid "$root.tmp" "$mirror" >&2
	mkdir -p "$root.tmp/build"
	install_newest "$root.tmp"
	rm -rf "$root"
	mv "$root.tmp" "$root"
else
	log "updating $root to sid's newest kernel"
	install_newest "$root"
fi

for d in "$root"/usr/src/linux-headers-*-common; do
	[ -d "$d" ] && add_checker_valid "$d"
done
kver=$(kver_of unstable)
fetch_kernel "$kver" >/dev/null
touch "$root/.complete"
log "kernel $kver, $(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p' "$(kdir_of "$kver")/.config")"
log "ready in $(( $(date +%s) - start ))s, $(du -sh "$root" | cut -f1)"
