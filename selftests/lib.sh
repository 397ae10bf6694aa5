#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the tcp_lab selftests: namespaces that clean themselves up,
# waiting, skipping, and KTAP output (ktap.sh). Sourced by every test;
# tcplab's own, not a copy of the kernel's net/lib.sh.
#
# A test: source lib.sh, declare its plan, emit one result per case, and end
# with ktap_finished, which exits 0 (all passed), 1 (a failure) or 4 (all
# skipped) as kselftest expects.

# LAB_DIR: the selftests' directory (its helpers); LAB_SYSCTL: where
# net.tcp_lab.* lives; LAB_TMP: a scratch directory, gone at exit.
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_SYSCTL=/proc/sys/net/tcp_lab
LAB_TMP=$(mktemp -d)

# Every integer net.tcp_lab.* entry as README.md documents it: name,
# default, lowest and highest value taken.
LAB_SYSCTLS=(
	"reno_beta 512 1 1023"
	"init_ssthresh 0 0 1048576"
	"cubic_beta 717 1 1023"
	"cubic_c 410 1 4096"
	"cubic_fast_convergence 1 0 1"
	"cubic_reno_friendly 1 0 1"
	"cubic_hystart 1 0 2"
	"cubic_hspp_min_rtt_thresh_us 4000 0 65535"
	"cubic_hspp_max_rtt_thresh_us 16000 0 65535"
	"cubic_hspp_rtt_divisor 8 1 255"
	"cubic_hspp_n_rtt_sample 8 1 255"
	"cubic_hspp_css_growth_divisor 4 1 255"
	"cubic_hspp_css_rounds 5 1 255"
	"syncookie_mode 0 0 2"
	"syncookie_threshold 50 1 100"
	"syncookie_drop_invalid 0 0 1"
	"tw_observe 0 0 1"
	"tw_rst_policy 0 0 1"
	"tw_recycle 0 0 1"
	"tw_recycle_max_peers 4096 16 65536"
	"tw_recycle_expiry_s 60 1 3600"
	"tw_timeout_ms 0 0 60000"
)

# shellcheck source=ktap.sh
source "$LAB_DIR/ktap.sh"

_lab_ns=()
_lab_pids=()
_lab_exit_cmds=()

# KSFT_MACHINE_SLOW=yes, as the kernel's selftests read it (vm.sh sets it
# for the debug kernel, whose KASAN, lockdep and kmemleak make it many
# times slower under TCG): a run where speed is not what is checked.
: "${KSFT_MACHINE_SLOW:=no}"

# timing_check NAME CMD...: like check, for a case that measures speed
# (success rates under a flood, throughput): on a slow machine its failure
# is an XFAIL that says so.
timing_check() {
	local why=""
	[ "$KSFT_MACHINE_SLOW" = yes ] &&
		why="KSFT_MACHINE_SLOW: too slow to judge speed (see the numbers above)"
	check_xfail "$why" "$@"
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

# require_cmd CMD...: skip the whole test when a tool is missing.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# require_module: skip unless tcp_lab is loaded (or loadable from TCPLAB_KO).
require_module() {
	[ -e /proc/net/tcp_lab ] && return 0
	if [ -n "${TCPLAB_KO:-}" ] && [ -e "$TCPLAB_KO" ]; then
		insmod "$TCPLAB_KO" 2>/dev/null && return 0
	fi
	skip_all "tcp_lab module not loaded"
}

# ns_create NAME...: make fresh namespaces with lo up, named NAME-<pid> in
# the variables NAME; they are deleted when the test exits.
ns_create() {
	local v n
	for v in "$@"; do
		n="lab-$v-$$"
		ip netns add "$n" || return 1
		_lab_ns+=("$n")
		ip -n "$n" link set lo up
		printf -v "$v" '%s' "$n"
	done
}

# veth_pair NS_A ADDRS_A NS_B ADDRS_B [DEV_A DEV_B]: connect two
# namespaces with a veth (DEV_A in NS_A, default veth0; DEV_B in NS_B,
# default veth1), each end up with its addresses (CIDR, IPv4 or IPv6, a
# space-separated list).
veth_pair() {
	local a=$1 aa=$2 b=$3 ba=$4 da=${5:-veth0} db=${6:-veth1}
	ip link add "$da" netns "$a" type veth peer name "$db" netns "$b" || return 1
	dev_up "$a" "$da" "$aa" && dev_up "$b" "$db" "$ba"
}

# dev_up NS DEV ADDRS: DEV up with ADDRS (IPv6 ones without DAD).
dev_up() {
	local a dad
	for a in $3; do
		dad=""
		[[ $a == *:* ]] && dad=nodad
		ip -n "$1" addr add "$a" dev "$2" $dad || return 1
	done
	ip -n "$1" link set "$2" up
}

# craft_pair CRAFT TARGET: a veth from a namespace that sends crafted
# segments (10.0.1.1, fd00:1::1 on veth0) to the one they are aimed at
# (10.0.1.2, fd00:1::2 on veth1; its MAC in TARGET_MAC). CRAFT's own stack
# sends no RST: it would answer what the crafted segments provoke, and its
# RSTs would be counted too (or end a TIME_WAIT socket). A crafted SYN+RST
# passes.
craft_pair() {
	veth_pair "$1" "10.0.1.1/24 fd00:1::1/64" "$2" "10.0.1.2/24 fd00:1::2/64" ||
		return 1
	TARGET_MAC=$(ip -n "$2" -br link show veth1 | awk '{ print $3 }')
	ip netns exec "$1" nft -f - <<-EOF
	table inet lab_no_rst {
		chain out {
			type filter hook output priority 0;
			tcp flags & (syn | rst) == rst drop
		}
	}
	EOF
}

# bg NS CMD...: run CMD in NS in the background; killed at exit.
bg_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	_lab_pids+=($!)
}

# on_exit CMD: run CMD (a string, eval'd) when the test exits, before the
# namespaces go.
on_exit() {
	_lab_exit_cmds+=("$1")
}

# ns_reset: stop the background commands and delete the namespaces made so
# far, to build a fresh topology within one test.
ns_reset() {
	local p n
	for p in "${_lab_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_lab_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for n in "${_lab_ns[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	_lab_pids=()
	_lab_ns=()
}

lab_cleanup() {
	local c
	for c in "${_lab_exit_cmds[@]}"; do
		eval "$c" 2>/dev/null
	done
	ns_reset
	rm -rf "$LAB_TMP"
	# The pins last: the namespaces above took their hooks away first.
	if [ -n "${PIN_NS:-}" ]; then
		ip netns del "$PIN_NS" 2>/dev/null
		kill "$_lab_pin_pid" 2>/dev/null
		wait "$_lab_pin_pid" 2>/dev/null
	fi
}
trap lab_cleanup EXIT

# pin_static_keys: keep the receive path's static branches still for the
# rest of the test. Packet sockets (scapy, hping3) turn packet timestamps on
# and off as they come and go, and the first or last netfilter hook at a
# hook point (ours, conntrack's, a table's such as dumbbell's loss rule)
# turns that point on or off; each flip live-patches code other CPUs are
# running, and under TCG a CPU can trip over the patch site (an "int3"
# oops in netif_rx_internal; a bogus refcount warning in
# __netif_receive_skb_core). Held from the start by a socket wanting
# timestamps and an nft table at every IPv4/IPv6 hook point in a namespace
# of their own (PIN_NS), the branches never flip mid-test. ns_reset leaves
# both alone; they go at exit, after every other namespace. Needs no module.
pin_static_keys() {
	[ -n "${PIN_NS:-}" ] && return 0
	python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_TIMESTAMPNS", 35), 1)
time.sleep(86400)' &
	_lab_pin_pid=$!
	PIN_NS=lab-pin-$$
	ip netns add "$PIN_NS" || return 1
	ip -n "$PIN_NS" link set lo up
	ip netns exec "$PIN_NS" nft -f - <<-EOF || return 1
	table inet pin {
		chain pin_pre { type filter hook prerouting priority 0; }
		chain pin_in { type filter hook input priority 0; }
		chain pin_fwd { type filter hook forward priority 0; }
		chain pin_out { type filter hook output priority 0; }
		chain pin_post { type filter hook postrouting priority 0; }
	}
	EOF
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s) + $1 ))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# in_ns NS CMD...: CMD in namespace NS ("" = this one).
in_ns() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

ns_read() {	# ns_read NS FILE
	in_ns "$1" cat "$2"
}

# ns_write NS FILE VALUE: write like `echo VALUE > FILE`; status of write(2).
ns_write() {
	in_ns "$1" bash -c 'printf "%s" "$1" > "$2"' _ "$3" "$2" 2>/dev/null
}

# lab_set NS NAME VALUE, lab_get NS NAME: net.tcp_lab.NAME in NS.
lab_set() {
	ns_write "$1" "$LAB_SYSCTL/$2" "$3"
}

lab_get() {
	ns_read "$1" "$LAB_SYSCTL/$2"
}

# counter NS NAME: a value from /proc/net/tcp_lab in NS ("" = this one).
counter() {
	ns_read "$1" /proc/net/tcp_lab | awk -v n="$2" '$1 == n { print $2; f = 1 } END { exit !f }'
}

# counters_snap NS: remember NS's counters; then counter_delta NS NAME is
# NAME's growth since, and counters_moved NS [PREFIX] lists every counter
# (named PREFIX*) that moved, as "name +delta ...".
counters_snap() {
	ns_read "$1" /proc/net/tcp_lab >"$LAB_TMP/snap.${1:-init}"
}

counter_delta() {
	local now was
	now=$(counter "$1" "$2") || return 1
	was=$(awk -v n="$2" '$1 == n { print $2 }' "$LAB_TMP/snap.${1:-init}")
	echo $((now - ${was:-0}))
}

counters_moved() {
	ns_read "$1" /proc/net/tcp_lab | awk -v p="${2:-}" '
		NR == FNR { a[$1] = $2; next }
		(p == "" || index($1, p) == 1) && $2 != a[$1] { printf "%s%s +%d", s, $1, $2 - a[$1]; s = " " }
	' "$LAB_TMP/snap.${1:-init}" -
}

# wait_listening NS PORT [SECONDS]: until a TCP socket listens on PORT.
wait_listening() {
	wait_for "${3:-10}" _lab_listening "$1" "$2"
}

_lab_listening() {
	[ "$(ss_count "$1" listening "sport = :$2")" -gt 0 ]
}

# ss_count NS STATE [FILTER]: how many TCP sockets ss lists in STATE.
ss_count() {
	in_ns "$1" ss -tanH state "$2" ${3:+"$3"} | wc -l
}

# tx_packets NS DEV: packets DEV has sent.
tx_packets() {
	ip -n "$1" -s link show "$2" | awk '/TX:/ { getline; print $2 }'
}

# Kernel log: remember where it ends now, later show what was added.
dmesg_mark() {
	_lab_dmesg_lines=$(dmesg | wc -l)
}

dmesg_since_mark() {
	dmesg | tail -n +$(( ${_lab_dmesg_lines:-0} + 1 ))
}

# no_kernel_warnings: nothing alarming logged since dmesg_mark.
no_kernel_warnings() {
	! dmesg_since_mark | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption|UBSAN:|KASAN:|suspected memory leaks'
}

# Tracing: a private tracefs instance per test, so tests do not see each
# other's events. trace_start EVENT... ; trace_stop FILE.
_lab_tracefs() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -e "$d/instances" ] && { echo "$d"; return 0; }
	done
	return 1
}

require_tracefs() {
	_lab_tracefs >/dev/null || skip_all "tracefs not mounted"
}

# Events are enabled once per test and stay enabled until it exits; between
# captures only tracing_on flips. Each enable or disable patches kernel text
# (static keys), and under QEMU's multi-threaded TCG a patch racing with the
# other vCPU running that code has been seen to end in "Oops: int3". For the
# same reason comm recording (sched_switch and sched_wakeup probes) is
# switched off, and switched back on only once the instance is gone: with
# any instance's events still on, turning it on registers those probes
# (the oops once more, in ttwu_do_activate).
trace_start() {
	local base e cmd=
	base=$(_lab_tracefs) || return 1
	_lab_trace="$base/instances/tcplab-$$"
	if [ ! -d "$_lab_trace" ]; then
		if [ "$(cat "$base/options/record-cmd" 2>/dev/null)" = 1 ]; then
			echo 0 >"$base/options/record-cmd"
			cmd="echo 1 >'$base/options/record-cmd'"
		fi
		if ! mkdir "$_lab_trace"; then
			eval "$cmd"
			return 1
		fi
		# Run in this order at exit.
		on_exit "rmdir '$_lab_trace'"
		[ -n "$cmd" ] && on_exit "$cmd"
		echo 16384 >"$_lab_trace/buffer_size_kb"
	fi
	echo 0 >"$_lab_trace/tracing_on"
	echo >"$_lab_trace/trace"
	for e in "$@"; do
		[ "$(cat "$_lab_trace/events/$e/enable")" = 1 ] && continue
		echo 1 >"$_lab_trace/events/$e/enable" || return 1
	done
	echo 1 >"$_lab_trace/tracing_on"
}

trace_stop() {
	echo 0 >"$_lab_trace/tracing_on"
	cat "$_lab_trace/trace" >"$1"
	echo >"$_lab_trace/trace"
}

# dumbbell SND RTR RCV RATE_MBIT DELAY_MS BUFFER_PKTS [LOSS_PCT]
#
#   SND 10.0.3.1 [s0] --- [r0] RTR [r1] --- [d0] 10.0.4.2 RCV
#
# The bottleneck is a tbf on the router's r1 (towards RCV) holding
# BUFFER_PKTS full-size packets; the RTT comes from netem delay on the
# router's r0 (the ACK direction); LOSS_PCT random loss is an nft rule in the
# router's forward path, ahead of the queue, so the queue keeps its size. A
# router is needed: on the sender's own interface, TCP small queues would
# keep the queue from ever filling. Offloads are off so segments are packets.
dumbbell() {
	local snd=$1 rtr=$2 rcv=$3 rate=$4 delay=$5 buf=$6 loss=${7:-0} ns dev
	veth_pair "$snd" 10.0.3.1/24 "$rtr" 10.0.3.2/24 s0 r0 || return 1
	veth_pair "$rtr" 10.0.4.1/24 "$rcv" 10.0.4.2/24 r1 d0 || return 1
	for dev in "$snd s0" "$rtr r0" "$rtr r1" "$rcv d0"; do
		read -r ns dev <<<"$dev"
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1
	done
	ip -n "$snd" route add default via 10.0.3.2
	ip -n "$rcv" route add default via 10.0.4.1
	ns_write "$rtr" /proc/sys/net/ipv4/ip_forward 1
	tc -n "$rtr" qdisc add dev r1 root tbf rate "${rate}mbit" \
		burst 10kb limit $(( buf * 1514 )) || return 1
	tc -n "$rtr" qdisc add dev r0 root netem delay "${delay}ms" limit 100000 || return 1
	if [ "$loss" != 0 ]; then
		# numgen draws 0..9999 per packet: drop LOSS_PCT percent of them.
		ip netns exec "$rtr" nft -f - <<-NFT || return 1
		table ip lab_loss {
			chain forward_loss {
				type filter hook forward priority 0;
				oif "r1" numgen random mod 10000 < $(awk -v l="$loss" 'BEGIN { printf "%d", l * 100 }') drop
			}
		}
		NFT
	fi
}

# flood_topology CLI SRV ATK: a client and an attacker, each on a link of
# its own to the server.
#
#   CLI 10.0.1.1 [c0] --- [s0] 10.0.1.2 SRV 10.0.2.2 [s1] --- [a0] 10.0.2.1 ATK
#
# SYN-ACKs to spoofed sources follow SRV's default route back to ATK,
# which does not forward them.
flood_topology() {
	veth_pair "$1" 10.0.1.1/24 "$2" 10.0.1.2/24 c0 s0 &&
	veth_pair "$3" 10.0.2.1/24 "$2" 10.0.2.2/24 a0 s1 &&
	ip -n "$2" route add default via 10.0.2.1
}

# nat_topology ROUTER SERVER CLIENT...: clients behind a masquerading
# router, the server on its other side.
#
#   CLIENTi 10.0.i.1 [veth0] --- [vi] 10.0.i.254 ROUTER 10.0.9.254 [vs] --- [veth0] 10.0.9.1 SERVER
#
# Forwarded clients leave with the router's address; the router's own
# connections (from any 10.0.9.0/24 address added to vs) keep theirs.
nat_topology() {
	local r=$1 s=$2 i=0 c
	shift 2
	veth_pair "$s" 10.0.9.1/24 "$r" 10.0.9.254/24 veth0 vs || return 1
	for c in "$@"; do
		i=$((i + 1))
		veth_pair "$c" "10.0.$i.1/24" "$r" "10.0.$i.254/24" veth0 "v$i" &&
			ip -n "$c" route add default via "10.0.$i.254" || return 1
	done
	ns_write "$r" /proc/sys/net/ipv4/ip_forward 1
	ip netns exec "$r" nft -f - <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "vs" ip saddr != 10.0.9.0/24 masquerade
		}
	}
	EOF
}
