#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Congestion-control benchmark: reno, cubic, bbr (the kernel's) against
# lab_reno and lab_cubic over the same emulated paths, in one VM session.
#
# Path: sender -> router -> receiver (lib.sh's dumbbell): a tbf bottleneck
# of RATE with a buffer of BUFFER x BDP, netem delay for the RTT, optional
# random loss ahead of the queue, fq on the sender, offloads off, metrics
# flushed (no_metrics_save) so every run starts cold.
#
# Writes /tmp/out/cc.csv (one row per scenario and algorithm) and
# /tmp/out/cc_cwnd.csv (cwnd over time for the "cwnd" scenario, from the
# tcp_lab:lab_cc and tcp:tcp_probe tracepoints through tcplab-trace2csv).
# The cwnd scenario runs last: its trace events stay enabled once switched
# on (each switch patches kernel text, which multi-threaded TCG does not
# always survive), and no other measurement should pay for them.
source /tcplab/selftests/lib.sh
flow=/tcplab/guest/lib/ccflow.py
ALGOS="reno cubic bbr lab_reno lab_cubic"
kernel=$(uname -r)
csv=/tmp/out/cc.csv
cwnd_csv=/tmp/out/cc_cwnd.csv
echo "kernel,scenario,algo,rate_mbit,rtt_ms,buffer_bdp,loss_pct,flows,goodput_mbit,retrans_segs,ss_retrans_segs,rtt_p95_ms,jain" >"$csv"
echo "kernel,scenario,algo,t_s,source,cwnd,ssthresh,srtt_us" >"$cwnd_csv"
modprobe tcp_bbr

if [ -n "${QUICK:-}" ]; then
	DUR=8
	MATRIX=""
	LOSSES="loss0.1:50:40:1:0.1"
	TWO="two:50:40:1:0:12:4"
else
	DUR=20
	MATRIX=""
	for r in 10 50; do
		for d in 10 80; do
			for b in 0.5 2; do
				MATRIX+=" r${r}_d${d}_b${b}:$r:$d:$b:0"
			done
		done
	done
	LOSSES="loss0.01:50:40:1:0.01 loss0.1:50:40:1:0.1 loss1:50:40:1:1"
	TWO="two:50:40:1:0:30:10"
fi

bdp_pkts() {	# bdp_pkts RATE_MBIT RTT_MS BUFFER_BDP
	awk -v r="$1" -v d="$2" -v b="$3" \
		'BEGIN { p = b * r * 1e6 / 8 * d / 1e3 / 1514; printf "%d", p < 2 ? 2 : p + 0.5 }'
}

setup() {	# setup RATE RTT BUF LOSS
	ns_reset
	ns_create SND RTR RCV
	dumbbell "$SND" "$RTR" "$RCV" "$1" "$2" "$(bdp_pkts "$1" "$2" "$3")" "$4" || return 1
	tc -n "$SND" qdisc add dev s0 root fq
	ns_write "$SND" /proc/sys/net/ipv4/tcp_no_metrics_save 1
	ip -n "$SND" tcp_metrics flush all 2>/dev/null
	bg_in "$RCV" python3 "$flow" sink 5001
	wait_for 10 bash -c "ip netns exec $RCV ss -tln 'sport = :5001' | grep -q 5001"
}

field() {	# field JSON KEY
	python3 -c 'import json,sys; v = json.loads(sys.argv[1])[sys.argv[2]]; print(round(v, 3) if isinstance(v, float) else v)' "$1" "$2"
}

# cwnd_series ALGO: the traced flow's cwnd over time into cc_cwnd.csv, from
# the module's own tracepoint for lab_*, from tcp:tcp_probe (every ACK the
# sender takes in) for the kernel's algorithms.
cwnd_series() {
	local src=tcp_probe
	case $1 in lab_*) src=lab_cc ;; esac
	trace_stop /tmp/cc_trace.txt
	python3 /usr/bin/tcplab-trace2csv --dport 5001 --source "$src" /tmp/cc_trace.txt |
		tail -n +2 | sed "s/^/$kernel,cwnd,$1,/" >>"$cwnd_csv"
	rm -f /tmp/cc_trace.txt
}

one_flow() {	# one_flow NAME RATE RTT BUF LOSS
	local name=$1 algo out
	shift
	for algo in $ALGOS; do
		setup "$@" || { echo "setup failed: $name"; return 1; }
		[ "$name" = cwnd ] && trace_start tcp_lab/lab_cc tcp/tcp_probe
		out=$(ip netns exec "$SND" python3 "$flow" send 10.0.4.2 5001 "$algo" "$DUR")
		echo "$kernel,$name,$algo,$1,$2,$3,$4,1,$(field "$out" goodput_mbit),$(field "$out" retrans_segs),$(field "$out" ss_retrans_segs),$(field "$out" rtt_p95_ms)," >>"$csv"
		[ "$name" = cwnd ] && cwnd_series "$algo"
		tail -n 1 "$csv"
	done
}

two_flows() {	# two_flows NAME RATE RTT BUF LOSS DURATION START2
	local name=$1 rate=$2 rtt=$3 buf=$4 loss=$5 dur=$6 start2=$7 algo a b
	for algo in $ALGOS; do
		setup "$rate" "$rtt" "$buf" "$loss" || return 1
		# Both measured over the same window: from START2 + 5 s to the end.
		ip netns exec "$SND" python3 "$flow" send 10.0.4.2 5001 "$algo" "$dur" 0 \
			$((start2 + 5)) >/tmp/flow1 &
		first=$!
		ip netns exec "$SND" python3 "$flow" send 10.0.4.2 5001 "$algo" \
			$((dur - start2)) "$start2" 5 >/tmp/flow2
		# Only the first flow: a bare wait would wait for the sink too.
		wait "$first"
		a=$(cat /tmp/flow1) b=$(cat /tmp/flow2)
		python3 - "$a" "$b" "$kernel,$name,$algo,$rate,$rtt,$buf,$loss,2" >>"$csv" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
x, y = a["window_mbit"], b["window_mbit"]
jain = (x + y) ** 2 / (2 * (x * x + y * y)) if x + y > 0 else 0
print("%s,%.3f,%d,%d,%.3f,%.3f" % (sys.argv[3], x + y,
      a["retrans_segs"] + b["retrans_segs"],
      a["ss_retrans_segs"] + b["ss_retrans_segs"],
      max(a["rtt_p95_ms"], b["rtt_p95_ms"]), jain))
PY
		tail -n 1 "$csv"
	done
}

for s in $MATRIX $LOSSES; do
	IFS=: read -r name rate rtt buf loss <<<"$s"
	one_flow "$name" "$rate" "$rtt" "$buf" "$loss"
done
IFS=: read -r name rate rtt buf loss dur start2 <<<"$TWO"
two_flows "$name" "$rate" "$rtt" "$buf" "$loss" "$dur" "$start2"
one_flow cwnd 10 80 2 0
ns_reset
