#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh KVER KERNEL_DIR MODULE_KO OUTPUT
#
# Build the guest's root: busybox for the basics, the real bash, iproute2,
# iperf3 and kmod (busybox's ip cannot make veth pairs), the kernel modules
# the tests need (decompressed, with depmod run), tcp_lab.ko, the selftests,
# the guest-side scripts and the lab book's engine (with the experiments of
# a `vm.sh lab` run, from LAB_EXP_DIR).
set -euo pipefail

kver=$1 kdir=$2 ko=$3 output=$4
top=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
# mktemp makes it 0700: the guest's / must be open to unprivileged users.
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT

# Kernel modules the tests and experiments load; dependencies follow.
KMODS=(sock_diag inet_diag tcp_diag udp_diag veth sch_netem sch_tbf sch_fq
       sch_htb sch_prio cls_u32 ifb tcp_bbr dummy
       sch_fq_codel sch_codel sch_pie		# the lab book's path.qdisc
       nf_tables nft_chain_nat nft_ct nft_masq nft_compat nft_limit nft_reject
       nft_reject_inet nf_nat nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6
       nf_synproxy_core nft_synproxy nft_numgen
       ip_tables ip6_tables iptable_filter iptable_raw iptable_nat
       ip6table_filter ip6table_raw xt_tcpudp xt_conntrack xt_CT xt_SYNPROXY
       xt_MASQUERADE xt_state xt_multiport
       crc32c_generic crc32c_intel	# libcrc32c's softdep, behind an alias
       xfrm_user			# ip xfrm policy (syncookie_listener.sh)
       nfnetlink_hook)			# nft list hooks (6.12; not built in 6.1)

# Binaries taken from the host, with their shared libraries.
BINS=(/bin/bash /usr/bin/ip /sbin/tc /usr/bin/ss /usr/bin/iperf3 /bin/kmod
      /usr/bin/timeout /usr/bin/nproc /usr/sbin/hping3 /usr/sbin/nft
      /usr/sbin/xtables-nft-multi /usr/bin/tcpdump /usr/sbin/ethtool
      /usr/bin/python3.11 /usr/bin/perf
      /usr/bin/unshare /usr/bin/setpriv)	# util-linux: userns.sh
# dlopen()ed, so ldd does not list them: python threads need libgcc_s.
EXTRA_LIBS=(/lib/x86_64-linux-gnu/libgcc_s.so.1)

# Applets that must not shadow the real tools above.
NO_APPLET=" ip tc ss insmod rmmod lsmod modprobe depmod modinfo bash timeout
	   iptables ip6tables tcpdump nft hping3 ethtool python3 unshare setpriv "

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,root,etc,var/tmp,tcplab}

copy_file() {
	local f=$1
	[ -e "$root$f" ] && return 0
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
}

copy_bin() {
	local b=$1 lib
	copy_file "$b"
	for lib in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
		copy_file "$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	case "$NO_APPLET" in *" $a "*) continue ;; esac
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
# Scripts start with #!/usr/bin/env; busybox's env lives in /bin.
ln -sf /bin/busybox "$root/usr/bin/env"

# VM_OMIT_TOOLS="iperf3 ss" leaves tools out, to see tests skip without them.
for b in "${BINS[@]}"; do
	case " ${VM_OMIT_TOOLS:-} " in *" $(basename "$b") "*) continue ;; esac
	[ -x "$b" ] && copy_bin "$b"
done
if [ -e "$root/usr/sbin/xtables-nft-multi" ]; then
	for l in iptables ip6tables iptables-save ip6tables-save iptables-restore ip6tables-restore; do
		ln -sf xtables-nft-multi "$root/usr/sbin/$l"
	done
	mkdir -p "$root/usr/lib/x86_64-linux-gnu"
	cp -a /usr/lib/x86_64-linux-gnu/xtables "$root/usr/lib/x86_64-linux-gnu/"
fi
# python3 and scapy, for crafted and malformed packets. The stdlib without
# its tests and GUI parts, and the libraries its C extensions need.
if [ -e "$root/usr/bin/python3.11" ]; then
	ln -sf python3.11 "$root/usr/bin/python3"
	tar -C / --exclude='python3.11/test' --exclude='python3.11/idlelib' \
		--exclude='python3.11/tkinter' --exclude='python3.11/ensurepip' \
		--exclude='python3.11/lib2to3' --exclude='python3.11/config-*' \
		-cf - usr/lib/python3.11 | tar -C "$root" -xf -
	for so in "$root"/usr/lib/python3.11/lib-dynload/*.so; do
		for lib in $(ldd "${so#"$root"}" 2>/dev/null | grep -o '/[^ ]*'); do
			copy_file "$lib"
		done
	done
	if [ -d /usr/lib/python3/dist-packages/scapy ]; then
		mkdir -p "$root/usr/lib/python3/dist-packages"
		cp -a /usr/lib/python3/dist-packages/scapy "$root/usr/lib/python3/dist-packages/"
	fi
fi
for f in /etc/protocols /etc/services /etc/ethertypes; do
	[ -e "$f" ] && copy_file "$f"
done
for l in "${EXTRA_LIBS[@]}"; do
	[ -e "$l" ] && copy_file "$l"
done
for l in insmod rmmod lsmod modprobe depmod modinfo; do
	ln -sf /bin/kmod "$root/sbin/$l"
	ln -sf /bin/kmod "$root/usr/sbin/$l"
done
# netem's delay distribution tables.
[ -d /usr/lib/x86_64-linux-gnu/tc ] && mkdir -p "$root/usr/lib/x86_64-linux-gnu" &&
	cp -a /usr/lib/x86_64-linux-gnu/tc "$root/usr/lib/x86_64-linux-gnu/"

# Kernel modules: find each in the unpacked image, follow "depends:".
moddir="$kdir/lib/modules/$kver"
declare -A seen=()
add_kmod() {
	local name=$1 f dep
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	f=$(find "$moddir/kernel" -name "$name.ko*" -o -name "${name//_/-}.ko*" | head -n 1)
	if [ -z "$f" ]; then
		# Built into this kernel, or not shipped: either way nothing to copy.
		return 0
	fi
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_kmod "$dep"
	done
	local rel=${f#"$moddir/"}
	mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
	case "$f" in
	*.ko.xz)  xz -dc "$f" >"$root/lib/modules/$kver/${rel%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/lib/modules/$kver/${rel%.zst}" ;;
	*)        cp "$f" "$root/lib/modules/$kver/$rel" ;;
	esac
}
for m in "${KMODS[@]}"; do
	add_kmod "$m"
done
# A kernel with everything built in (the debug kernel) ships none of them.
mkdir -p "$root/lib/modules/$kver"
cp "$moddir"/modules.builtin* "$moddir"/modules.order "$root/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$root" "$kver"

# The module, the tests and the guest side of the harness.
cp "$ko" "$root/tcplab/tcp_lab.ko"
cp "$top/scripts/tcplab-stat" "$top/scripts/tcplab-trace2csv" "$root/usr/bin/"
# The load generators (SYN/ACK floods at a set rate, connection churn).
make -s -C "$top/scripts/tools" >&2
cp "$top/scripts/tools/tcplab-flood" "$top/scripts/tools/tcplab-churn" "$root/usr/bin/"
cp "$top/scripts/90-tcp_lab.conf" "$root/tcplab/90-tcp_lab.conf"
cp -a "$top/selftests" "$root/tcplab/selftests"
rm -rf "$root/tcplab/selftests/unit"
cp -a "$top/scripts/guest" "$root/tcplab/guest"
# The lab book's engine, and the experiment files of a `vm.sh lab` run
# (resolved on the host: LAB_EXP_DIR holds NAME.json files).
mkdir -p "$root/tcplab/lab" "$root/tcplab/lab-exp"
cp -a "$top/scripts/lab/tcplab-lab" "$top/scripts/lab/labbook" "$root/tcplab/lab/"
find "$root/tcplab/lab" -name __pycache__ -prune -exec rm -rf {} +
if [ -n "${LAB_EXP_DIR:-}" ]; then
	cp "$LAB_EXP_DIR"/*.json "$root/tcplab/lab-exp/"
fi
cp "$top/scripts/guest/init" "$root/init"
chmod +x "$root/init"

printf '%s\n' "root:x:0:0:root:/root:/bin/bash" \
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >"$root/etc/passwd"
printf '%s\n' "root:x:0:" "nogroup:x:65534:" >"$root/etc/group"
echo "127.0.0.1 localhost" >"$root/etc/hosts"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
