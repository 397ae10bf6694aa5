#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TIME_WAIT benchmark, two scenarios, rows in /tmp/out/timewait.csv:
#
#   exhaustion  a client with 100 local ports opens and actively closes
#               connections to one server port for a fixed time, under
#               each setting (defaults, tcp_tw_reuse=1, tw_timeout_ms=1000,
#               tw_timeout_ms=100), from fresh namespaces; its TIME_WAIT
#               count and connections so far are sampled every 100 ms into
#               /tmp/out/timewait_series.csv for the plot
#   churn       the same with the full port range (nothing runs out), one
#               pair of namespaces throughout: connections per second with
#               the module not loaded, loaded with everything off
#               (loaded_off), and with the hook's features on in both
#               namespaces (hooks_on: tw_observe, tw_rst_policy,
#               tw_recycle). Runs are short and come in adjacent pairs,
#               not_loaded/loaded_off then loaded_off/hooks_on, the order
#               swapped every other pair, so that a slow phase of the host
#               hits both halves of a pair alike; scripts/plot/timewait.sh
#               takes the median of the per-pair ratios.
#
# QUICK=1: shorter runs, fewer pairs.
source /tcplab/selftests/lib.sh

HELPER=/tcplab/selftests/tw_helper.py
D=/proc/sys/net/tcp_lab
KO=${TCPLAB_KO:-/tcplab/tcp_lab.ko}
out=/tmp/out/timewait.csv
series=/tmp/out/timewait_series.csv
kernel=$(uname -r)
if [ -n "${QUICK:-}" ]; then
	exhaust_s=4 churn_s=1.5 unload_pairs=1 hook_pairs=3
else
	exhaust_s=10 churn_s=2 unload_pairs=3 hook_pairs=10
fi

echo "kernel,scenario,setting,duration_s,conns_ok,conns_failed,conns_per_s,tw_peak" >"$out"
echo "kernel,setting,t_ms,tw_count,conns_ok" >"$series"

# pair: fresh client and server namespaces (C, S), server on port 9000.
pair() {
	ns_create C S
	veth_pair "$C" 10.0.1.1/24 "$S" 10.0.1.2/24 || return 1
	bg_in "$S" python3 "$HELPER" server 10.0.1.2 9000
	srv=${_lab_pids[-1]}
	wait_for 10 bash -c "ip netns exec $S ss -tlnH '( sport = :9000 )' | grep -q ."
}

# unpair: stop the server and delete the pair, so the next run starts clean
# (their TIME_WAIT sockets go with them).
unpair() {
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	ip netns del "$C"
	ip netns del "$S"
	sleep 1
}

# churn SCENARIO SETTING SECONDS: one measured run from C, one CSV row.
# tw_peak: the highest sampled tw_count (exhaustion); for churn, where the
# module may be absent, the TIME_WAIT sockets ss finds at the end (they
# only accumulate during a run, up to net.ipv4.tcp_max_tw_buckets).
churn() {
	local scenario=$1 setting=$2 secs=$3 res ok failed peak
	if [ "$scenario" = exhaustion ]; then
		rm -f /tmp/samples
		res=$(ip netns exec "$C" python3 "$HELPER" churn 10.0.1.2 9000 \
			"$secs" --samples /tmp/samples)
		peak=$(awk -F, 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' /tmp/samples)
		sed "s/^/$kernel,$setting,/" /tmp/samples >>"$series"
	else
		res=$(ip netns exec "$C" python3 "$HELPER" churn 10.0.1.2 9000 "$secs")
		peak=$(ip netns exec "$C" ss -tanH state time-wait | wc -l)
	fi
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$res")
	failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$res")
	echo "$kernel,$scenario,$setting,$secs,$ok,$failed,$(awk -v o="$ok" -v s="$secs" \
		'BEGIN { printf "%.1f", o / s }'),$peak" | tee -a "$out"
}

# state SETTING: the module and the features as a churn setting wants.
state() {
	local ns f v=0
	if [ "$1" = not_loaded ]; then
		[ ! -e /proc/net/tcp_lab ] || rmmod tcp_lab
		return
	fi
	[ -e /proc/net/tcp_lab ] || insmod "$KO" || return 1
	[ "$1" = hooks_on ] && v=1
	for ns in "$C" "$S"; do
		for f in tw_observe tw_rst_policy tw_recycle; do
			ns_write "$ns" "$D/$f" "$v"
		done
	done
}

echo "-- exhaustion: 100 local ports, ${exhaust_s}s per setting"
for setting in default tcp_tw_reuse=1 tw_timeout_ms=1000 tw_timeout_ms=100; do
	pair || exit 1
	ns_write "$C" /proc/sys/net/ipv4/ip_local_port_range "40000 40099"
	case $setting in
	tcp_tw_reuse=1) ns_write "$C" /proc/sys/net/ipv4/tcp_tw_reuse 1 ;;
	tw_timeout_ms=*) ns_write "$C" "$D/tw_timeout_ms" "${setting#*=}" ;;
	esac
	churn exhaustion "$setting" "$exhaust_s"
	unpair
done

echo "-- churn: ${unload_pairs} pairs not_loaded/loaded_off, ${hook_pairs} pairs loaded_off/hooks_on, ${churn_s}s runs"
pair || exit 1
state loaded_off || exit 1
ip netns exec "$C" python3 "$HELPER" churn 10.0.1.2 9000 "$churn_s" >/dev/null
# runs A B COUNT: COUNT adjacent pairs of A and B, every other one swapped.
runs() {
	local i first second
	for i in $(seq "$3"); do
		if [ $((i % 2)) = 1 ]; then first=$1 second=$2; else first=$2 second=$1; fi
		state "$first" || exit 1
		churn churn "$first" "$churn_s"
		state "$second" || exit 1
		churn churn "$second" "$churn_s"
	done
}
runs not_loaded loaded_off "$unload_pairs"
runs loaded_off hooks_on "$hook_pairs"
state loaded_off
unpair
