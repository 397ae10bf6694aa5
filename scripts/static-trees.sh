#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-trees.sh: the two extra static builds of `make check`, against
# kernel trees that no Debian amd64 headers package gives:
#
#   i386     ARCH=i386, a 32-bit kernel: a 64-bit division or shift the
#            compiler turns into a libgcc call (__udivdi3, __umoddi3,
#            __ashldi3...) does not link, as the kernel has no libgcc.
#   noipv6   x86_64 with CONFIG_IPV6=n: every IPv6-only call must sit
#            behind IS_ENABLED(CONFIG_IPV6). Some of the kernel's IPv6
#            functions are declared, and even exported, without IPv6, others
#            only declared: the module compiles but would not load. So this
#            tree is a whole kernel, whose Module.symvers lets modpost
#            refuse any symbol an IPv6-less kernel does not export.
#
# Usage:
#   static-trees.sh prepare TREE...   prepare each tree (once) and print
#                                     its directory
#   static-trees.sh build TREE [SRC]  build tcp_lab.ko from the checkout SRC
#                                     (default: this one) against TREE, in
#                                     out/static-TREE/; fail on any compiler
#                                     warning (W=1) or error, on any
#                                     libgcc helper (__*di3, __*ti3) the
#                                     objects import, and (noipv6) on any
#                                     symbol the kernel does not export
#
# The trees come from Debian's linux-source-6.12: allnoconfig plus
# scripts/static-kernel.config plus the tree's own lines below, then
# `make modules_prepare` (i386: there modpost, without a vmlinux, only
# warns about the imports it cannot resolve) or the whole kernel (noipv6).
# They are cached under $TCPLAB_CACHE/static/ and prepared again only when
# the source package, the configuration or the compiler changes. A lock
# lets two callers share the cache: preparing takes it exclusively, a
# module build shared.
set -euo pipefail

source "$(dirname "$0")/kernels.sh"

dir=$TCPLAB_CACHE/static
src=$dir/linux-source-6.12
frag=$TCPLAB_TOP/scripts/static-kernel.config

die() {
	echo "static-trees.sh: $*" >&2
	exit 1
}

# tree_arch TREE, tree_config TREE: what each tree adds to the fragment.
tree_arch() {
	case "$1" in
	i386)	echo i386 ;;
	noipv6)	echo x86_64 ;;
	*)	die "unknown tree '$1' (known: i386 noipv6)" ;;
	esac
}

tree_config() {
	case "$1" in
	i386)	printf '%s\n' 'CONFIG_X86_32=y' 'CONFIG_IPV6=y' ;;
	noipv6)	printf '%s\n' 'CONFIG_X86_64=y' '# CONFIG_IPV6 is not set' ;;
	esac
}

# tree_target TREE: the make goals that prepare it. Module.symvers, which
# lists what vmlinux exports, comes with `modules`.
tree_target() {
	case "$1" in
	i386)	echo modules_prepare ;;
	noipv6)	echo vmlinux modules ;;
	esac
}

# The stamp of a prepared tree: what, changed, prepares it again.
tree_stamp() {
	{
		cat "$frag"
		tree_config "$1"
		tree_arch "$1"
		tree_target "$1"
		dpkg-query -W -f '${Version}\n' linux-source-6.12
		gcc --version | head -n 1
	} | sha256sum | cut -c1-16
}

# Compiles yield to anything else on the machine (a VM, a benchmark).
kmake() {
	nice -n 10 make -C "$src" -j"$(nproc)" "$@"
}

# unpack_source: Debian's linux-source-6.12 into $src, once per version of
# the package (the other trees are O= builds of this one copy).
unpack_source() {
	local tarball version
	version=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
		die "linux-source-6.12 not installed: run scripts/deps.sh"
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || die "no /usr/src/linux-source-6.12.tar.*: run scripts/deps.sh"
	if [ "$(cat "$src/.complete" 2>/dev/null)" = "$version" ]; then
		return 0
	fi
	echo "static-trees.sh: unpacking $tarball" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	nice -n 10 tar -xf "$tarball" -C "$src.tmp" --strip-components=1 ||
		die "cannot unpack $tarball"
	echo "$version" >"$src.tmp/.complete"
	mv "$src.tmp" "$src"
}

# prepare_tree TREE: configure and build the tree (tree_target), unless its
# stamp says it is ready. The caller holds the lock exclusively.
prepare_tree() {
	local tree=$1 arch target build stamp missing start
	arch=$(tree_arch "$tree")
	read -ra target <<<"$(tree_target "$tree")"
	build=$dir/$tree
	stamp=$(tree_stamp "$tree")
	if [ "$(cat "$build/.complete" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	unpack_source
	start=$(date +%s)
	echo "static-trees.sh: preparing the $tree tree in $build" >&2
	rm -rf "$build"
	mkdir -p "$build"
	{
		cat "$frag"
		tree_config "$tree"
	} >"$build/tcplab.config"
	{
		kmake O="$build" ARCH="$arch" allnoconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
			"$build/.config" "$build/tcplab.config" &&
		kmake O="$build" ARCH="$arch" olddefconfig
	} >"$build/prepare.log" 2>&1 || {
		tail -n 20 "$build/prepare.log" >&2
		die "configuring the $tree tree failed (log: $build/prepare.log)"
	}
	# Every line of the fragment must have survived olddefconfig: an
	# unmet dependency would otherwise drop what the build is for.
	missing=$(grep -E '^(CONFIG_[A-Z0-9_]+=.*|# CONFIG_[A-Z0-9_]+ is not set)$' \
			"$build/tcplab.config" |
		while read -r line; do
			grep -qxF -- "$line" "$build/.config" || echo "$line"
		done)
	[ -z "$missing" ] ||
		die "the $tree configuration did not take: $(tr '\n' ' ' <<<"$missing")"
	kmake O="$build" ARCH="$arch" "${target[@]}" >>"$build/prepare.log" 2>&1 || {
		tail -n 20 "$build/prepare.log" >&2
		die "make ${target[*]} failed for the $tree tree (log: $build/prepare.log)"
	}
	echo "$stamp" >"$build/.complete"
	echo "static-trees.sh: $tree tree prepared in $(( $(date +%s) - start ))s" >&2
}

# with_lock MODE CMD...: run CMD holding $dir/.lock (-x or -s).
with_lock() {
	local mode=$1
	shift
	mkdir -p "$dir"
	(
		flock "$mode" 9 || die "cannot lock $dir/.lock"
		"$@"
	) 9>>"$dir/.lock"
}

prepare_all() {
	local tree
	for tree in "$@"; do
		prepare_tree "$tree"
	done
}

# build_module TREE SRC: the module from SRC against TREE, in
# out/static-TREE/build; the log in out/static-TREE/build.log. The caller
# holds the lock shared, so no one prepares the tree meanwhile.
build_module() {
	local tree=$1 top=$2 arch build work helpers rc=0 start
	local modpost=() expected='^$'
	arch=$(tree_arch "$tree")
	build=$dir/$tree
	work=$TCPLAB_OUT/static-$tree
	[ "$(cat "$build/.complete" 2>/dev/null)" = "$(tree_stamp "$tree")" ] ||
		die "the $tree tree changed under us; run again"
	rm -rf "$work"
	mkdir -p "$work/build"
	cp -a "$top"/Kbuild "$top"/module "$top"/include "$work/build/" ||
		die "no module sources in $top"
	if [ ! -e "$build/Module.symvers" ]; then
		# No vmlinux: modpost cannot resolve the imports. As warnings,
		# these are expected; any other warning is not.
		modpost=(KBUILD_MODPOST_WARN=1)
		expected='^(WARNING: (Module.symvers is missing|modpost: "[^"]+" \[.*\] undefined!$|modpost: suppressed [0-9]+ unresolved symbol)| +(You may get many unresolved|You can set KBUILD_MODPOST_WARN))'
	fi
	start=$(date +%s)
	nice -n 10 make -C "$build" ARCH="$arch" M="$work/build" W=1 "${modpost[@]}" \
		-j"$(nproc)" modules >"$work/build.log" 2>&1 || rc=$?
	echo "static-trees.sh: $tree module build took $(( $(date +%s) - start ))s" >&2
	if [ $rc != 0 ]; then
		grep -iE 'warning:|error:|undefined' "$work/build.log" >&2 ||
			tail -n 20 "$work/build.log" >&2
		die "tcp_lab.ko does not build for $tree (log: $work/build.log)"
	fi
	if grep -iE 'warning|error' "$work/build.log" | grep -vE "$expected" >&2; then
		die "the $tree build is not warning-free (log: $work/build.log)"
	fi
	[ -e "$work/build/module/tcp_lab.ko" ] || die "no tcp_lab.ko after the $tree build"
	# The kernel provides none of libgcc's 64-bit (DImode) or 128-bit
	# (TImode) arithmetic helpers: use div64_u64(), div_u64() & co.
	helpers=$(cd "$work/build" && nm -u -A module/*.o module/tcp_lab.ko |
		  awk '$NF ~ /^__[a-z]+[dt]i[234]$/ { print "undefined libgcc helper:", $1, $NF }')
	if [ -n "$helpers" ]; then
		echo "$helpers" >&2
		die "tcp_lab.ko needs libgcc helpers the kernel does not have ($tree)"
	fi
}

cmd=${1:-}
case "$cmd" in
prepare)
	shift
	[ $# -gt 0 ] || die "usage: static-trees.sh prepare TREE..."
	for t in "$@"; do tree_arch "$t" >/dev/null; done
	with_lock -x prepare_all "$@"
	for t in "$@"; do echo "$dir/$t"; done
	;;
build)
	tree=${2:?usage: static-trees.sh build TREE [SRC]}
	top=$(cd "${3:-$TCPLAB_TOP}" && pwd) || die "no directory ${3:-}"
	tree_arch "$tree" >/dev/null
	with_lock -x prepare_tree "$tree"
	with_lock -s build_module "$tree" "$top"
	;;
*)
	die "usage: static-trees.sh prepare TREE... | build TREE [SRC]"
	;;
esac
