#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what tcplab needs from Debian 12, and nothing that is already there.
# Idempotent: a second run with everything present does not touch apt.
#
# Kernels: Debian 12's 6.1 (linux-headers-amd64) and the newest 6.12 that apt
# offers (linux-headers-6.12.*+deb12-amd64). The kernel images for the VM are
# not installed: scripts/vm.sh downloads and unpacks them into its cache.
set -euo pipefail

PKGS=(
	build-essential					# out-of-tree module build
	sparse						# make C=1
	dkms rsync					# DKMS test; kselftest install
	linux-headers-amd64				# 6.1
	qemu-system-x86 busybox-static cpio xz-utils zstd kmod
	iproute2 iperf3 procps
	hping3 python3-scapy nftables iptables tcpdump ethtool	# traffic tools
	linux-perf					# perf record of the tracepoint, in the VM
	chromium					# the lab book page's browser check
	clang llvm libclang-rt-14-dev			# sanitizers, libFuzzer
	linux-source-6.12				# checkpatch.pl; the debug kernel;
							# the static trees (i386, noipv6)
	flex bison bc libelf-dev libssl-dev		# building those kernels (i386 needs
							# no multilib: the kernel has no libc)
)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

want=("${PKGS[@]}")

updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	echo "deps: apt-get update" >&2
	apt-get update -qq || echo "deps: apt-get update failed; using the lists we have" >&2
	updated=1
}

# The newest 6.12 headers apt offers; needs fresh lists to know what is newest.
if ! compgen -G '/usr/src/linux-headers-6.12.*+deb12-amd64' >/dev/null ||
   [ -n "$(missing "${want[@]}")" ]; then
	apt_update
fi
newest612=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
	    awk '{print $1}' | sort -V | tail -n 1)
if [ -z "$newest612" ]; then
	apt_update
	newest612=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		    awk '{print $1}' | sort -V | tail -n 1)
fi
[ -n "$newest612" ] || { echo "deps: apt offers no linux-headers-6.12.*+deb12-amd64" >&2; exit 1; }
want+=("$newest612")

need=$(missing "${want[@]}")
if [ -n "$need" ]; then
	apt_update
	echo "deps: installing" $need >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
echo "deps: all present" >&2
