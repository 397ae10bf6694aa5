#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lab_reno and lab_cubic behave as RFC 5681, RFC 9438 and RFC 9406 say, seen
# through the tcp_lab:lab_cc tracepoint on a sender -> receiver path with a
# tbf bottleneck (drops when its queue is full) and netem delay on the ACKs:
#
#   reno:    a loss sets ssthresh to cwnd/2; avoidance adds ~1 segment/RTT
#   cubic:   a loss sets ssthresh to 0.7 W (and to what cubic_beta says);
#            cwnd follows C(t-K)^3 + W_max, concave then convex; fast
#            convergence lowers W_max when a loss comes below the last one
#   HyStart++: on a deep buffer, slow start ends before the first loss,
#            where plain slow start runs into a loss
#   undo:    a retransmission timeout the kernel finds spurious (the ACKs
#            were only late) is undone with the Reno-friendly estimate
#            W_est intact
#
# Tolerances are wide enough for a TCG guest, where RTTs jitter.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip tc iperf3 python3 ethtool
require_tracefs
require_module


# path RATE_MBIT DELAY_MS BUFFER_PKTS: fresh sender, router and receiver
# namespaces (lib.sh's dumbbell) and an iperf3 server on the receiver.
path() {
	ns_create SND RTR RCV
	dumbbell "$SND" "$RTR" "$RCV" "$1" "$2" "$3" || return 1
	ns_write "$SND" /proc/sys/net/ipv4/tcp_no_metrics_save 1
	bg_in "$RCV" iperf3 -s -1 -B 10.0.4.2 >/dev/null 2>&1
	wait_listening "$RCV" 5201
}

# flow ALGO SECONDS TRACE [MID_CMD]: one iperf3 flow, traced; MID_CMD runs
# halfway through.
flow() {
	trace_start tcp_lab/lab_cc || return 1
	ip netns exec "$SND" iperf3 -c 10.0.4.2 -t "$2" -C "$1" >/dev/null 2>&1 &
	local pid=$!
	if [ -n "${4:-}" ]; then
		sleep $(( $2 / 2 ))
		eval "$4"
	fi
	wait $pid
	trace_stop "$3"
}

# verdict NAME FILE: the case NAME as cc_trace.py judged it.
verdict() {
	if grep -qx "$1 ok" "$2"; then
		ktap_pass "$1"
	else
		ktap_fail "$1"
	fi
}

ktap_plan 10

# Reno: 10 Mbit/s, 20 ms, 20 packets of buffer: a sawtooth every ~0.5 s.
path 10 20 20
flow lab_reno 12 "$LAB_TMP/reno.trace"
python3 "$LAB_DIR/cc_trace.py" reno "$LAB_TMP/reno.trace" 512 >"$LAB_TMP/reno.out"
grep '^#' "$LAB_TMP/reno.out"
verdict reno_ssthresh_is_beta_cwnd "$LAB_TMP/reno.out"
verdict reno_avoidance_1_segment_per_rtt "$LAB_TMP/reno.out"
ns_reset

# CUBIC without the Reno-friendly region, so the curve itself shows:
# 10 Mbit/s, 40 ms, 30 packets: W_max ~63, K ~3.6 s. Halving the rate
# halfway makes the next loss come below W_max: fast convergence.
path 10 40 30
lab_set "$SND" cubic_reno_friendly 0
flow lab_cubic 20 "$LAB_TMP/cubic.trace" \
	"tc -n $RTR qdisc replace dev r1 root handle 1: tbf rate 5mbit burst 10kb limit $((30 * 1514))"
python3 "$LAB_DIR/cc_trace.py" cubic "$LAB_TMP/cubic.trace" 717 410 >"$LAB_TMP/cubic.out"
grep '^#' "$LAB_TMP/cubic.out"
verdict cubic_ssthresh_is_beta_w "$LAB_TMP/cubic.out"
verdict cubic_follows_w_t "$LAB_TMP/cubic.out"
verdict cubic_concave_then_convex "$LAB_TMP/cubic.out"
verdict cubic_fast_convergence_w_max "$LAB_TMP/cubic.out"
ns_reset

# The beta sysctl: 0.5 instead of 0.7, for new connections.
path 10 20 20
lab_set "$SND" cubic_beta 512
flow lab_cubic 6 "$LAB_TMP/beta.trace"
python3 "$LAB_DIR/cc_trace.py" cubic "$LAB_TMP/beta.trace" 512 410 >"$LAB_TMP/beta.out"
grep '^#.*reductions' "$LAB_TMP/beta.out"
if grep -qx "cubic_ssthresh_is_beta_w ok" "$LAB_TMP/beta.out"; then
	ktap_pass "cubic_beta_sysctl_512_halves"
else
	ktap_fail "cubic_beta_sysctl_512_halves"
fi
ns_reset

# HyStart++: 10 Mbit/s, 40 ms, 1000 packets of buffer (30 BDP). Plain slow
# start fills it and loses; HyStart++ sees the RTT rise around 2-5 BDP,
# grows 1.25x per round for 5 rounds of CSS, and stops well before.
hystart_run() {	# hystart_run 0|1 NAME
	path 10 40 1000
	lab_set "$SND" cubic_hystart "$1"
	flow lab_cubic 10 "$LAB_TMP/$2.trace"
	python3 "$LAB_DIR/cc_trace.py" hystart "$LAB_TMP/$2.trace" >"$LAB_TMP/$2.out"
	grep '^#' "$LAB_TMP/$2.out"
	diag "$2: counters $(ns_read "$SND" /proc/net/tcp_lab | grep -E 'hystart|undo' | tr '\n' ' ')"
	diag "$2: bottleneck $(tc -n "$RTR" -s qdisc show dev r1 | grep -o 'dropped [0-9]*' | head -1)"
	ns_reset
}
hystart_run 1 hspp
hystart_run 0 plain

# Undo: 10 Mbit/s, 20 ms, 100 packets. Halfway, the ACKs are held back
# 1.2 s: the retransmission timer fires, then the late ACKs for the
# original segments arrive (their timestamps echo the originals) and the
# kernel undoes the reduction.
path 10 20 100
flow lab_cubic 10 "$LAB_TMP/undo.trace" \
	"tc -n $RTR qdisc change dev r0 root netem delay 1200ms limit 100000"
python3 "$LAB_DIR/cc_trace.py" undo "$LAB_TMP/undo.trace" >"$LAB_TMP/undo.out"
grep '^#' "$LAB_TMP/undo.out"
diag "undo: counters $(ns_read "$SND" /proc/net/tcp_lab | grep -E 'undo|loss' | tr '\n' ' ')"
verdict cubic_undo_keeps_reno_estimate "$LAB_TMP/undo.out"
ns_reset

check "hystartpp_exits_slow_start_before_loss" grep -qx "exit_before_loss 1" "$LAB_TMP/hspp.out"
check "plain_slow_start_overshoots_into_loss" grep -qx "loss_in_ss 1" "$LAB_TMP/plain.out"
ktap_finished
