#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's tracepoint read the ways the README documents: through
# tracefs (next to the kernel's tcp:tcp_probe, which sees the same
# connection), and with perf record / perf script; each trace turned into
# cwnd-over-time CSV by tcplab-trace2csv, the converter `make bench` uses
# for its cwnd plot.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip tc iperf3 python3
require_module
require_tracefs
T2C=${TCPLAB_TRACE2CSV:-$(command -v tcplab-trace2csv ||
	echo "$(dirname "$0")/../scripts/tcplab-trace2csv")}
[ -e "$T2C" ] || skip_all "tcplab-trace2csv not found"
t2c() {
	python3 "$T2C" "$@" 2>>"$LAB_TMP/t2c.err"
}


ns_create CLI SRV
veth_pair "$CLI" 10.0.1.1/24 "$SRV" 10.0.1.2/24
# 20 ms of RTT and a 20 Mbit/s bottleneck: a few hundred cwnd decisions in
# 2 s, slow start visible.
tc -n "$CLI" qdisc add dev veth0 root netem delay 20ms rate 20mbit limit 1000
bg_in "$SRV" iperf3 -s -B 10.0.1.2 >/dev/null 2>&1
wait_listening "$SRV" 5201

flow() {	# flow ALGO: a 2 s iperf3 flow from CLI
	ip netns exec "$CLI" iperf3 -c 10.0.1.2 -C "$1" -t 2 >"$LAB_TMP/iperf3.out" 2>&1 ||
		diag "iperf3: $(tail -n 3 "$LAB_TMP/iperf3.out")"
}

# csv_ok CSV MIN_ROWS: enough rows, all with a cwnd, and a cwnd that grew
# past the initial window.
csv_ok() {
	awk -F, -v min="$2" 'NR > 1 { n++; if ($3 < 2) bad++; if ($3 > max) max = $3 }
		END { printf "# %d rows, max cwnd %d\n", n, max
		      exit !(n >= min && !bad && max > 10) }' "$1"
}

# same_max A B: the largest cwnd of two CSVs of one connection agree within
# 10 % + 2 segments (tcp_probe sees an ACK before the algorithm acts on it).
same_max() {
	awk -F, 'FNR > 1 { if (FILENAME == ARGV[1]) { if ($3 > a) a = $3 } else if ($3 > b) b = $3 }
		END { d = a - b; if (d < 0) d = -d
		      printf "# max cwnd lab_cc %d, tcp_probe %d\n", a, b
		      exit !(a > 0 && d <= a / 10 + 2) }' "$1" "$2"
}

dmesg_mark
ktap_plan 7

trace_start tcp_lab/lab_cc tcp/tcp_probe
flow lab_cubic
trace_stop "$LAB_TMP/tracefs.txt"
diag "tracefs: $(wc -l <"$LAB_TMP/tracefs.txt") lines"
t2c --dport 5201 --source lab_cc "$LAB_TMP/tracefs.txt" >"$LAB_TMP/lab_cc.csv"
t2c --dport 5201 --source tcp_probe "$LAB_TMP/tracefs.txt" >"$LAB_TMP/probe.csv"
check "tracefs_lab_cc_to_cwnd_csv" csv_ok "$LAB_TMP/lab_cc.csv" 50
check "tracefs_tcp_probe_to_cwnd_csv" csv_ok "$LAB_TMP/probe.csv" 50
check "lab_cc_and_tcp_probe_agree" same_max "$LAB_TMP/lab_cc.csv" "$LAB_TMP/probe.csv"

if command -v perf >/dev/null 2>&1; then
	check "perf_list_shows_lab_cc" \
		bash -c 'perf list tracepoint 2>/dev/null | grep -q "tcp_lab:lab_cc"'
	perf record -q -e tcp_lab:lab_cc -a -o "$LAB_TMP/perf.data" -- \
		ip netns exec "$CLI" iperf3 -c 10.0.1.2 -C lab_reno -t 2 \
		>"$LAB_TMP/perf.out" 2>&1 || diag "perf record: $(tail -n 3 "$LAB_TMP/perf.out")"
	perf script -i "$LAB_TMP/perf.data" 2>"$LAB_TMP/perf.err" >"$LAB_TMP/perf.txt" ||
		diag "perf script: $(tail -n 3 "$LAB_TMP/perf.err")"
	diag "perf script: $(wc -l <"$LAB_TMP/perf.txt") lines"
	t2c --dport 5201 "$LAB_TMP/perf.txt" >"$LAB_TMP/perf.csv"
	check "perf_record_script_to_cwnd_csv" csv_ok "$LAB_TMP/perf.csv" 50
	check "perf_script_shows_lab_reno" grep -q "algo=lab_reno" "$LAB_TMP/perf.txt"
else
	ktap_skip "perf_list_shows_lab_cc" "perf not installed"
	ktap_skip "perf_record_script_to_cwnd_csv" "perf not installed"
	ktap_skip "perf_script_shows_lab_reno" "perf not installed"
fi
[ -s "$LAB_TMP/t2c.err" ] && diag "tcplab-trace2csv: $(sort -u "$LAB_TMP/t2c.err" | head -n 3)"
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
