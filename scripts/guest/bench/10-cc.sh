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
# Writes /tmp/out/cc_runs.csv (one row per run: scenario, algorithm,
# repetition), /tmp/out/cc.csv (one row per scenario and algorithm: the
# median of each column over the REPS repetitions, default 1) and
# /tmp/out/cc_cwnd.csv (cwnd over time for the "cwnd" scenario, from the
# tcp_lab:lab_cc and tcp:tcp_probe tracepoints through tcplab-trace2csv).
# Repetition r starts the algorithms' round at a different one, so none
# always runs first. CC_ONLY=a,b keeps the scenarios whose names start
# with a or b.
# The cwnd scenario runs last: its trace events stay enabled once switched
# on (each switch patches kernel text, which multi-threaded TCG does not
# always survive), and no other measurement should pay for them.
source /tcplab/selftests/lib.sh
flow=/tcplab/guest/lib/ccflow.py
ALGOS="reno cubic bbr lab_reno lab_cubic"
kernel=$(uname -r)
runs=/tmp/out/cc_runs.csv
cwnd_csv=/tmp/out/cc_cwnd.csv
REPS=${REPS:-1}
header="kernel,scenario,algo,rate_mbit,rtt_ms,buffer_bdp,loss_pct,flows,goodput_mbit,retrans_segs,ss_retrans_segs,rtt_p95_ms,jain"
echo "$header,rep" >"$runs"
echo "kernel,scenario,algo,t_s,source,cwnd,ssthresh,srtt_us" >"$cwnd_csv"
modprobe tcp_bbr
# The loss sweep's nft rule comes and goes with every run: see lib.sh.
pin_static_keys || { echo "cannot pin the static keys (nft)"; exit 1; }

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
	# 50 s together: CUBIC's epoch at this BDP is several seconds long,
	# and a 15 s window measured how far convergence had got, not the
	# share it converges to.
	TWO="two:50:40:1:0:60:10"
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

# algos_from REP: $ALGOS rotated by REP - 1 places.
algos_from() {
	local -a a
	read -r -a a <<<"$ALGOS"
	local i n=${#a[@]} out=""
	for ((i = 0; i < n; i++)); do
		out+=" ${a[(i + $1 - 1) % n]}"
	done
	echo "$out"
}

wanted() {	# wanted SCENARIO: selected by CC_ONLY?
	local p
	[ -z "${CC_ONLY:-}" ] && return 0
	for p in ${CC_ONLY//,/ }; do
		[[ $1 == "$p"* ]] && return 0
	done
	return 1
}

# one_run NAME ALGO REP RATE RTT BUF LOSS: one flow, one row of cc_runs.csv.
# ALGO "cubic_hs_delay" is the kernel's cubic with only HyStart's delay
# detector (tcp_cubic.hystart_detect=2), the detector HyStart++ keeps.
one_run() {
	local name=$1 algo=$2 rep=$3 cc=$2 out
	shift 3
	setup "$@" || { echo "setup failed: $name"; return 1; }
	[ "$name" = cwnd ] && trace_start tcp_lab/lab_cc tcp/tcp_probe
	[ "$algo" = cubic_hs_delay ] && cc=cubic
	out=$(ip netns exec "$SND" python3 "$flow" send 10.0.4.2 5001 "$cc" "$DUR")
	echo "$kernel,$name,$algo,$1,$2,$3,$4,1,$(field "$out" goodput_mbit),$(field "$out" retrans_segs),$(field "$out" ss_retrans_segs),$(field "$out" rtt_p95_ms),,$rep" >>"$runs"
	[ "$name" = cwnd ] && cwnd_series "$algo"
	tail -n 1 "$runs"
}

one_flow() {	# one_flow NAME REP RATE RTT BUF LOSS
	local name=$1 rep=$2 algo
	shift 2
	for algo in $(algos_from "$rep"); do
		one_run "$name" "$algo" "$rep" "$@" || return 1
	done
}

two_flows() {	# two_flows NAME REP RATE RTT BUF LOSS DURATION START2
	local name=$1 rep=$2 rate=$3 rtt=$4 buf=$5 loss=$6 dur=$7 start2=$8 algo a b
	for algo in $(algos_from "$rep"); do
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
		python3 - "$a" "$b" "$kernel,$name,$algo,$rate,$rtt,$buf,$loss,2" "$rep" >>"$runs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
x, y = a["window_mbit"], b["window_mbit"]
jain = (x + y) ** 2 / (2 * (x * x + y * y)) if x + y > 0 else 0
print("%s,%.3f,%d,%d,%.3f,%.3f,%s" % (sys.argv[3], x + y,
      a["retrans_segs"] + b["retrans_segs"],
      a["ss_retrans_segs"] + b["ss_retrans_segs"],
      max(a["rtt_p95_ms"], b["rtt_p95_ms"]), jain, sys.argv[4]))
PY
		tail -n 1 "$runs"
	done
}

for ((rep = 1; rep <= REPS; rep++)); do
	for s in $MATRIX $LOSSES; do
		IFS=: read -r name rate rtt buf loss <<<"$s"
		wanted "$name" && one_flow "$name" "$rep" "$rate" "$rtt" "$buf" "$loss"
	done
	IFS=: read -r name rate rtt buf loss dur start2 <<<"$TWO"
	wanted "$name" &&
		two_flows "$name" "$rep" "$rate" "$rtt" "$buf" "$loss" "$dur" "$start2"
done
# Once, last (see above). Besides the five, the kernel's cubic with its
# delay detector alone, to set HyStart++'s slow-start exit beside the
# detector it is built on.
if wanted cwnd; then
	one_flow cwnd 1 10 80 2 0
	hs=/sys/module/tcp_cubic/parameters/hystart_detect
	if [ -w "$hs" ]; then
		old=$(cat "$hs")
		echo 2 >"$hs"
		one_run cwnd cubic_hs_delay 1 10 80 2 0
		echo "$old" >"$hs"
	fi
fi
ns_reset

# cc.csv: per scenario and algorithm, the median of every numeric column
# over the repetitions (the middle run for an odd count, the mean of the
# two middle ones for an even count), in the order the rows first ran.
python3 - "$runs" "$header" >/tmp/out/cc.csv <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
groups = {}
for r in rows:
    groups.setdefault(tuple(r[:8]), []).append(r[8:13])
print(sys.argv[2])
for key, runs in groups.items():
    cols = []
    for i in range(5):
        v = [float(x[i]) for x in runs if x[i] != '']
        cols.append('' if not v else
                    ('%.3f' % statistics.median(v)).rstrip('0').rstrip('.'))
    print(','.join(list(key) + cols))
PY
