#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and faults: the module loaded and unloaded while lab_cubic and
# lab_reno flows run (unload refused while they hold it, clean once they are
# gone); namespaces created and deleted with every feature on and traffic
# flowing; a SYN flood against cookie mode 2 while every syncookie and
# TIME_WAIT sysctl is flipped; TIME_WAIT churn with tw_timeout_ms and
# tw_recycle on. Afterwards: no kernel warning, the module's reference
# count 0, and MemAvailable and slab back within a stated tolerance.
#
# STRESS_TIME (seconds, default 15: the short pass `make check` runs) sets
# the flood and churn phases; from 60 on, 200 namespaces are made (else 40)
# and the load loop runs 20 times (else 5). `make stress STRESS_TIME=60`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip iperf3 hping3 python3 nft rmmod insmod
[ -n "${TCPLAB_KO:-}" ] && [ -e "$TCPLAB_KO" ] ||
	skip_all "TCPLAB_KO must name tcp_lab.ko: this test loads and unloads it"
[ -e /proc/net/tcp_lab ] || insmod "$TCPLAB_KO" || skip_all "cannot load $TCPLAB_KO"

T=${STRESS_TIME:-15}
if [ "$T" -ge 60 ]; then NS_COUNT=200 LOADS=20; else NS_COUNT=40 LOADS=5; fi
HELPER=$LAB_DIR/tw_helper.py
# Tolerances for "back where it started", after caches are dropped: the
# kernel's own caches (per-CPU page lists, page fragments, the direct map
# split by module loads) do not all come back. Measured on 2 GiB guests:
# MemAvailable -10 to -35 MiB after the 15 s pass and -18 MiB after the
# 60 s one with 5 times the namespaces, so it does not grow with the work;
# slab within 2 MiB. Leaks themselves are kmemleak's job (make check-debug).
MEM_TOL_KB=$((64 * 1024))
SLAB_TOL_KB=$((8 * 1024))

settle() {
	local i
	# Deleted namespaces are freed by a workqueue, after RCU.
	for i in $(seq 50); do
		[ "$(ip netns list | grep -c "^lab-.*-$$")" -le 1 ] && break
		sleep 0.1
	done
	sleep 3
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

mem_kb() {	# mem_kb FIELD
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# The meminfo fields that moved by 1 MiB or more since snapshot $1, so a
# failing memory check says where the memory went.
meminfo_moved() {
	awk 'NR == FNR { a[$1] = $2; next }
	     ($1 in a) && ($2 - a[$1] >= 1024 || a[$1] - $2 >= 1024) {
		printf "%s %+d MiB  ", $1, ($2 - a[$1]) / 1024 }' "$1" /proc/meminfo
}

all_features_on() {	# all_features_on NS PORTS
	lab_set "$1" syncookie_ports "$2" &&
	lab_set "$1" syncookie_mode 2 &&
	lab_set "$1" tw_observe 1 &&
	lab_set "$1" tw_rst_policy 1 &&
	lab_set "$1" tw_recycle 1 &&
	lab_set "$1" tw_timeout_ms 100
}

# Phase 1: LOADS times, two flows hold the module and rmmod must fail;
# once they end it must succeed.
load_loop() {
	local i refused=0 unloaded=0 p1 p2 ft=20
	# Flows long enough that rmmod meets them however slowly they start
	# (a debug kernel, a busy host under TCG); they are stopped once it has.
	ns_create L_CLI L_SRV
	veth_pair "$L_CLI" 10.0.9.1/24 "$L_SRV" 10.0.9.2/24
	tc -n "$L_CLI" qdisc add dev veth0 root netem delay 5ms rate 50mbit
	bg_in "$L_SRV" iperf3 -s -B 10.0.9.2 -p 5201 >/dev/null 2>&1
	bg_in "$L_SRV" iperf3 -s -B 10.0.9.2 -p 5202 >/dev/null 2>&1
	wait_listening "$L_SRV" 5202
	for i in $(seq "$LOADS"); do
		[ -e /proc/net/tcp_lab ] || insmod "$TCPLAB_KO" || break
		ip netns exec "$L_CLI" iperf3 -c 10.0.9.2 -p 5201 -C lab_cubic -t $ft >/dev/null 2>&1 &
		p1=$!
		ip netns exec "$L_CLI" iperf3 -c 10.0.9.2 -p 5202 -C lab_reno -t $ft >/dev/null 2>&1 &
		p2=$!
		wait_for $((ft + 3)) bash -c "ip netns exec $L_CLI ss -tinH | grep -q lab_reno &&
			ip netns exec $L_CLI ss -tinH | grep -q lab_cubic"
		rmmod tcp_lab 2>/dev/null || refused=$((refused + 1))
		kill "$p1" "$p2" 2>/dev/null
		wait "$p1" "$p2"
		# The sockets are gone once their owners closed them (TIME_WAIT
		# sockets hold no congestion control).
		wait_for 5 rmmod tcp_lab 2>/dev/null && unloaded=$((unloaded + 1))
	done
	[ -e /proc/net/tcp_lab ] || insmod "$TCPLAB_KO"
	diag "load loop: $LOADS rounds, rmmod refused under flows $refused, clean after $unloaded"
	ns_reset
	[ "$refused" = "$LOADS" ] && [ "$unloaded" = "$LOADS" ]
}

# Phase 2: NS_COUNT namespaces, in pairs, every feature on in both, a
# server and a burst of short connections (cookie handshakes, TIME_WAIT
# sockets, remembered peers, a running sweep), then deleted.
ns_churn() {
	local i ok=0 a b srv out
	for i in $(seq $((NS_COUNT / 2))); do
		a=lab-sa$i-$$ b=lab-sb$i-$$
		ip netns add "$a" && ip netns add "$b" || break
		ip -n "$a" link set lo up
		ip -n "$b" link set lo up
		veth_pair "$a" 10.0.8.1/24 "$b" 10.0.8.2/24
		all_features_on "$a" 7000 && all_features_on "$b" 7000 || break
		ip netns exec "$b" python3 "$HELPER" server 10.0.8.2 7000 --close-first &
		srv=$!
		wait_listening "$b" 7000 5
		out=$(ip netns exec "$a" python3 "$HELPER" churn 10.0.8.2 7000 0.3)
		case $out in ok=0*) ;; ok=*) ok=$((ok + 1)) ;; esac
		# Deleted with the server still listening and sockets in TIME_WAIT.
		ip netns del "$a"
		ip netns del "$b"
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
	done
	diag "namespace churn: $((i * 2)) namespaces, $ok of $((NS_COUNT / 2)) pairs connected"
	[ "$i" = $((NS_COUNT / 2)) ] && [ "$ok" -ge $((NS_COUNT / 4)) ]
}

# Phase 3: a flood against mode 2 while every sysctl is flipped; a
# legitimate client checked at the end.
flood_flip() {
	local end flips=0 ports=(8000 8000,8001 8000-8100 $'\n' 1-65535)
	ns_create CLI SRV ATK && flood_topology "$CLI" "$SRV" "$ATK" || return 1
	all_features_on "$SRV" 8000
	ns_write "$SRV" /proc/sys/net/ipv4/tcp_syncookies 1
	# Any address: the flood comes to 10.0.2.2, the client to 10.0.1.2.
	sc_server "$SRV" 0.0.0.0 8000 16 || return 1
	sc_flood_start S 8000 flood
	end=$(( $(date +%s) + T ))
	while [ "$(date +%s)" -lt "$end" ]; do
		lab_set "$SRV" syncookie_mode $((RANDOM % 3))
		lab_set "$SRV" syncookie_threshold $((RANDOM % 100 + 1))
		lab_set "$SRV" syncookie_drop_invalid $((RANDOM % 2))
		lab_set "$SRV" syncookie_ports "${ports[RANDOM % ${#ports[@]}]}"
		lab_set "$SRV" tw_observe $((RANDOM % 2))
		lab_set "$SRV" tw_rst_policy $((RANDOM % 2))
		lab_set "$SRV" tw_recycle $((RANDOM % 2))
		lab_set "$SRV" tw_recycle_max_peers $((RANDOM % 4096 + 16))
		lab_set "$SRV" tw_timeout_ms $((RANDOM % 2000))
		flips=$((flips + 9))
	done
	lab_set "$SRV" syncookie_ports 8000
	lab_set "$SRV" syncookie_mode 2
	diag "flood: ${T}s, $flips sysctl writes, $(counter "$SRV" syncookie_synack_sent) cookie SYN-ACKs"
	sc_send "$CLI" 10.0.1.2 8000 --bytes 20000
	local rc=$?
	sc_flood_stop
	ns_reset
	return $rc
}

# Phase 4: TIME_WAIT churn with a short TIME_WAIT and tw_recycle on.
tw_churn() {
	local out
	ns_create T_CLI T_SRV
	veth_pair "$T_CLI" 10.0.7.1/24 "$T_SRV" 10.0.7.2/24
	local ns
	for ns in "$T_CLI" "$T_SRV"; do
		lab_set "$ns" tw_timeout_ms 100
		lab_set "$ns" tw_recycle 1
		lab_set "$ns" tw_observe 1
	done
	bg_in "$T_SRV" python3 "$HELPER" server 10.0.7.2 9000
	wait_listening "$T_SRV" 9000
	out=$(ip netns exec "$T_CLI" python3 "$HELPER" churn 10.0.7.2 9000 "$T")
	diag "TIME_WAIT churn ${T}s: $out, early ends $(counter "$T_CLI" tw_timeout_killed) (client) $(counter "$T_SRV" tw_timeout_killed) (server)"
	ns_reset
	case $out in ok=0*|"") return 1 ;; esac
}

dmesg_mark
ktap_plan 7
# Hook points and timestamps held on from the start, so that the module's
# own hooks coming and going never flip a static key (see lib.sh).
pin_static_keys || skip_all "cannot pin the static keys (nft)"
settle
avail0=$(mem_kb MemAvailable) slab0=$(mem_kb Slab)
MEM0=$(mktemp)
cp /proc/meminfo "$MEM0"
diag "start: MemAvailable ${avail0} kB, Slab ${slab0} kB; STRESS_TIME=${T}s"

check "load_unload_under_flows" load_loop
check "namespace_churn_all_features" ns_churn
check "syn_flood_with_sysctl_flips" flood_flip
check "time_wait_churn" tw_churn

settle
[ -e /proc/net/tcp_lab ] || insmod "$TCPLAB_KO"
refcnt=$(cat /sys/module/tcp_lab/refcnt)
avail1=$(mem_kb MemAvailable) slab1=$(mem_kb Slab)
diag "end: MemAvailable ${avail1} kB ($(( (avail1 - avail0) / 1024 )) MiB), Slab ${slab1} kB ($(( (slab1 - slab0) / 1024 )) MiB); refcnt ${refcnt}"
diag "moved: $(meminfo_moved "$MEM0")"
rm -f "$MEM0"
check "module_refcount_back_to_0" test "$refcnt" = 0
check "memory_back_within_64MiB_avail_8MiB_slab" \
	test $((avail0 - avail1)) -le $MEM_TOL_KB -a $((slab1 - slab0)) -le $SLAB_TOL_KB
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
