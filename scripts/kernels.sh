# SPDX-License-Identifier: GPL-2.0
# Sourced by the host scripts: map a kernel series to the Debian kernel that
# carries it here, and fetch its image and modules into the cache.

TCPLAB_TOP=${TCPLAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TCPLAB_CACHE=${TCPLAB_CACHE:-/var/cache/tcplab}
TCPLAB_OUT=${TCPLAB_OUT:-$TCPLAB_TOP/out}
# The Debian unstable toolchain chroot for the "unstable" series
# (scripts/unstable-chroot.sh makes it).
TCPLAB_UNSTABLE_CHROOT=${TCPLAB_UNSTABLE_CHROOT:-$TCPLAB_CACHE/unstable-chroot}
# The debug kernel of make check-debug (scripts/debug-kernel.sh builds it):
# source, build tree and installed image.
TCPLAB_DEBUG_DIR=${TCPLAB_DEBUG_DIR:-$TCPLAB_CACHE/debug}

# kver_of SERIES: the newest installed headers of that series, e.g.
# 6.1 -> 6.1.0-56-amd64, 6.12 -> 6.12.117+deb12-amd64; unstable -> the
# newest headers in the unstable chroot.
kver_of() {
	local pat hint="run scripts/deps.sh"
	case "$1" in
	6.1)	pat='/usr/src/linux-headers-6.1.0-*-amd64' ;;
	6.12)	pat='/usr/src/linux-headers-6.12.*+deb12-amd64' ;;
	unstable)
		pat="$TCPLAB_UNSTABLE_CHROOT/usr/src/linux-headers-[0-9]*-amd64"
		hint="run scripts/unstable-chroot.sh" ;;
	debug)
		cat "$TCPLAB_DEBUG_DIR/kver" 2>/dev/null ||
			{ echo "no debug kernel: run scripts/debug-kernel.sh" >&2; return 1; }
		return 0 ;;
	*)	echo "unknown kernel series '$1' (known: 6.1 6.12 unstable debug)" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086
	ls -d $pat 2>/dev/null | sed 's|.*/linux-headers-||' | grep -Ev -- '-(rt|cloud)-amd64$' |
		sort -V | tail -n 1 |
		grep . || { echo "no headers for $1: $hint" >&2; return 1; }
}

# kdir_of KVER: the headers tree to build against, on the host or in the
# unstable chroot.
kdir_of() {
	if [ -d "/usr/src/linux-headers-$1" ]; then
		echo "/usr/src/linux-headers-$1"
	elif is_debug_kver "$1"; then
		echo "$TCPLAB_DEBUG_DIR/build"
	else
		echo "$TCPLAB_UNSTABLE_CHROOT/usr/src/linux-headers-$1"
	fi
}

# is_chroot_kver KVER: the kernel's headers live in the unstable chroot.
is_chroot_kver() {
	[ ! -d "/usr/src/linux-headers-$1" ] &&
		[ -d "$TCPLAB_UNSTABLE_CHROOT/usr/src/linux-headers-$1" ]
}

# is_debug_kver KVER: the kernel is the debug kernel built here.
is_debug_kver() {
	[ "$(cat "$TCPLAB_DEBUG_DIR/kver" 2>/dev/null)" = "$1" ]
}

# in_chroot DIR [--bind HOSTDIR] CMD...: run CMD inside the chroot DIR with
# /dev and /proc mounted (and HOSTDIR at /build), in a private mount
# namespace so nothing stays mounted afterwards. Niced: everything done in
# the chroot (apt, compiles) yields to the VMs and benchmarks.
in_chroot() {
	local dir=$1 bind=
	shift
	if [ "$1" = --bind ]; then
		bind=$2
		shift 2
	fi
	# shellcheck disable=SC2016
	nice -n 19 ionice -c3 unshare -m --propagation private -- /bin/sh -c '
		dir=$1 bind=$2
		shift 2
		mount --bind /dev "$dir/dev" &&
		mount -t proc proc "$dir/proc" &&
		{ [ -z "$bind" ] || mount --bind "$bind" "$dir/build"; } &&
		exec chroot "$dir" "$@"' sh "$dir" "$bind" "$@"
}

# kernel_download KVER DIR PKG...: apt-get download PKG... into DIR, with
# the chroot's apt (sid's lists) for a kernel whose headers are in the
# unstable chroot (DIR then lies inside it), else the host's.
kernel_download() {
	local kver=$1 dir=$2
	shift 2
	if is_chroot_kver "$kver"; then
		# shellcheck disable=SC2016
		in_chroot "$TCPLAB_UNSTABLE_CHROOT" /bin/sh -c \
			'cd "$1" && shift && apt-get download -q "$@"' \
			sh "${dir#"$TCPLAB_UNSTABLE_CHROOT"}" "$@" >&2
	else
		( cd "$dir" && apt-get download -q "$@" >&2 )
	fi
}

# fetch_kernel KVER: unpack linux-image-KVER (vmlinuz + modules) into the
# cache without installing it; print the directory, which always holds
# boot/vmlinuz-KVER and lib/modules/KVER/.
#
# From 7.x, Debian's linux-image-KVER is empty and depends on
# linux-binary-KVER (usr/lib/modules/KVER/vmlinuz), linux-modules-KVER and
# linux-base-KVER (modules.builtin, modules.order): those are fetched too,
# and links give them the older layout.
fetch_kernel() {
	local kver=$1 dir="$TCPLAB_CACHE/kernels/$1" tmp parts
	if is_debug_kver "$kver"; then
		echo "$TCPLAB_DEBUG_DIR/image"
		return 0
	fi
	if [ ! -e "$dir/.complete" ]; then
		if is_chroot_kver "$kver"; then
			tmp=$(mktemp -d "$TCPLAB_UNSTABLE_CHROOT/tmp/image.XXXXXX")
		else
			tmp=$(mktemp -d)
		fi
		# shellcheck disable=SC2086 # $parts: one word per package
		kernel_download "$kver" "$tmp" "linux-image-$kver" &&
		parts=$(dpkg-deb -f "$tmp/linux-image-"*.deb Depends | tr ',|' '\n\n' |
			awk -v k="$kver" '$1 ~ /^linux-(binary|modules|base)-/ &&
					  substr($1, length($1) - length(k) + 1) == k { print $1 }') &&
		{ [ -z "$parts" ] || kernel_download "$kver" "$tmp" $parts; } || {
			rm -rf "$tmp"
			echo "cannot download linux-image-$kver" >&2
			return 1
		}
		rm -rf "$dir"
		mkdir -p "$dir"
		for deb in "$tmp"/*.deb; do
			dpkg -x "$deb" "$dir"
		done
		rm -rf "$tmp"
		if [ ! -e "$dir/boot/vmlinuz-$kver" ] &&
		   [ -e "$dir/usr/lib/modules/$kver/vmlinuz" ]; then
			mkdir -p "$dir/boot"
			ln -s "../usr/lib/modules/$kver/vmlinuz" "$dir/boot/vmlinuz-$kver"
			[ -e "$dir/lib" ] || ln -s usr/lib "$dir/lib"
		fi
		[ -e "$dir/boot/vmlinuz-$kver" ] && [ -d "$dir/lib/modules/$kver/kernel" ] || {
			echo "linux-image-$kver: no vmlinuz or modules in the packages" >&2
			return 1
		}
		touch "$dir/.complete"
	fi
	echo "$dir"
}

# checkpatch_path: checkpatch.pl from Debian's linux-source-6.12, unpacked
# once into the cache (with the data files it reads next to it).
checkpatch_path() {
	local dir="$TCPLAB_CACHE/checkpatch" tarball
	if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
		tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
		[ -n "$tarball" ] || { echo "linux-source-6.12 not installed" >&2; return 1; }
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || return 1
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir/scripts/checkpatch.pl"
}
