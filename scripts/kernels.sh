# SPDX-License-Identifier: GPL-2.0
# Sourced by the host scripts: map a kernel series to the Debian kernel that
# carries it here, and fetch its image and modules into the cache.

TCPLAB_TOP=${TCPLAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TCPLAB_CACHE=${TCPLAB_CACHE:-/var/cache/tcplab}
TCPLAB_OUT=${TCPLAB_OUT:-$TCPLAB_TOP/out}

# kver_of SERIES: the newest installed headers of that series, e.g.
# 6.1 -> 6.1.0-56-amd64, 6.12 -> 6.12.117+deb12-amd64.
kver_of() {
	local pat
	case "$1" in
	6.1)	pat='/usr/src/linux-headers-6.1.0-*-amd64' ;;
	6.12)	pat='/usr/src/linux-headers-6.12.*+deb12-amd64' ;;
	*)	echo "unknown kernel series '$1' (known: 6.1 6.12)" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086
	ls -d $pat 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V | tail -n 1 |
		grep . || { echo "no headers for $1: run scripts/deps.sh" >&2; return 1; }
}

# fetch_kernel KVER: unpack linux-image-KVER (vmlinuz + modules) into the
# cache without installing it; print the directory.
fetch_kernel() {
	local kver=$1 dir="$TCPLAB_CACHE/kernels/$1" tmp
	if [ ! -e "$dir/.complete" ]; then
		tmp=$(mktemp -d)
		( cd "$tmp" && apt-get download -q "linux-image-$kver" >&2 ) || {
			rm -rf "$tmp"
			echo "cannot download linux-image-$kver" >&2
			return 1
		}
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$tmp"/linux-image-*.deb "$dir"
		rm -rf "$tmp"
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
