#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build the debug kernel of `make check-debug` once per
# machine and print the directory that holds it in fetch_kernel's layout
# (boot/vmlinuz-KVER, lib/modules/KVER/). The source is Debian's
# linux-source-6.12; the configuration is allnoconfig plus
# scripts/debug-kernel.config. A change of that file or of the source
# package rebuilds it. Took 14 minutes of both cores here.
set -euo pipefail

source "$(dirname "$0")/kernels.sh"

dir=$TCPLAB_DEBUG_DIR
src=$dir/linux-source-6.12
build=$dir/build
img=$dir/image
frag=$TCPLAB_TOP/scripts/debug-kernel.config
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "linux-source-6.12 not installed: run scripts/deps.sh" >&2; exit 1; }

stamp=$( { sha256sum <"$frag"; dpkg-query -W -f '${Version}' linux-source-6.12; } |
	sha256sum | cut -c1-16)
if [ -e "$img/.complete" ] && [ "$(cat "$img/.complete")" = "$stamp" ]; then
	echo "$img"
	exit 0
fi

mkdir -p "$dir"
if [ ! -e "$src/.complete" ]; then
	rm -rf "$src"
	tar -xf "$tarball" -C "$dir"
	touch "$src/.complete"
fi

# Compiles yield to anything else on the machine (a VM, a benchmark).
kmake() {
	nice -n 10 make -C "$src" O="$build" -j"$(nproc)" "$@"
}

mkdir -p "$build"
kmake allnoconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$frag" >&2
kmake olddefconfig >&2
# Every option of the fragment must have survived olddefconfig: a
# dependency that is not met would otherwise drop a checker silently.
missing=$(grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)$' "$frag" |
	while read -r line; do
		grep -qxF -- "$line" "$build/.config" || echo "$line"
	done)
if [ -n "$missing" ]; then
	echo "debug-kernel.sh: options the kernel configuration did not take:" >&2
	echo "$missing" >&2
	exit 1
fi

start=$(date +%s)
kmake bzImage modules >"$dir/build.log" 2>&1 || {
	tail -n 40 "$dir/build.log" >&2
	echo "debug-kernel.sh: kernel build failed (log: $dir/build.log)" >&2
	exit 1
}
kver=$(make -s -C "$src" O="$build" kernelrelease)
rm -rf "$img"
mkdir -p "$img/boot" "$img/lib/modules/$kver/kernel"
kmake INSTALL_MOD_PATH="$img" modules_install >&2
cp "$build/arch/x86/boot/bzImage" "$img/boot/vmlinuz-$kver"
echo "$kver" >"$dir/kver"
echo "debug-kernel.sh: $kver built in $(( $(date +%s) - start ))s" >&2
echo "$stamp" >"$img/.complete"
echo "$img"
