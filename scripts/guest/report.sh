#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run` inside the VM: show the module, its settings and counters, then
# run the lab's experiments and print a short report of what they show.
source /tcplab/selftests/lib.sh

section() {
	printf '\n== %s ==\n' "$*"
}

section "tcp_lab on $(uname -r)"
grep '^tcp_lab ' /proc/modules | awk '{ print "module:", $1, "size", $2, "refs", $3 }'
modinfo -F version /tcplab/tcp_lab.ko | sed 's/^/version: /'
echo "congestion control available: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"

section "sysctls (net.tcp_lab.*, this namespace)"
for f in /proc/sys/net/tcp_lab/*; do
	printf '%-24s %s\n' "net.tcp_lab.${f##*/}" "$(cat "$f")"
done

section "experiment: slow start ends at net.tcp_lab.init_ssthresh"
# RFC 5681: slow start runs while cwnd < ssthresh. Two namespaces, one with
# the kernel's "infinite" initial ssthresh and one with 20 segments, send the
# same 3 s lab_reno flow over a 20 Mbit/s, 20 ms netem path with a 100-packet
# queue; cwnd and ssthresh come from the sender's TCP_INFO.
ns_create SRV A B
ip link add veth0 netns "$A" type veth peer name va netns "$SRV"
ip link add veth0 netns "$B" type veth peer name vb netns "$SRV"
ip -n "$A" addr add 10.1.1.1/24 dev veth0
ip -n "$B" addr add 10.1.2.1/24 dev veth0
ip -n "$SRV" addr add 10.1.1.2/24 dev va
ip -n "$SRV" addr add 10.1.2.2/24 dev vb
ip -n "$SRV" link set va up
ip -n "$SRV" link set vb up
for c in "$A" "$B"; do
	ip -n "$c" link set veth0 up
	tc -n "$c" qdisc add dev veth0 root netem delay 20ms rate 20mbit limit 100
	ns_write "$c" /proc/sys/net/ipv4/tcp_no_metrics_save 1
done
ns_write "$B" /proc/sys/net/tcp_lab/init_ssthresh 20
bg_in "$SRV" python3 /tcplab/guest/lib/ccflow.py sink 5001
wait_for 10 bash -c "ip netns exec $SRV ss -tln | grep -q 5001"

flow() {	# flow NS DST: "t cwnd ssthresh" every 0.25 s of a 3 s flow
	ip netns exec "$1" python3 /tcplab/guest/lib/ccflow.py send "$2" 5001 lab_reno 3 |
		python3 -c '
import json, sys
nxt = 0.0
for t, c, s in json.load(sys.stdin)["series"]:
    if t >= nxt:
        print("%.2f %d %s" % (nxt, c, s if s else "inf"))
        nxt += 0.25'
}
# One after the other: under TCG two flows at once would share one CPU.
flow "$A" 10.1.1.2 >/tmp/flow-default
flow "$B" 10.1.2.2 >/tmp/flow-ssthresh
paste -d ' ' /tmp/flow-default /tmp/flow-ssthresh |
	awk 'BEGIN { printf "%6s  %-22s %-22s\n", "t(s)", "default: cwnd/ssthr", "init_ssthresh=20" }
	     { printf "%6s  %-22s %-22s\n", $1, $2 "/" $3, $5 "/" $6 }'
echo "(default: slow start doubles cwnd each RTT until the 100-packet queue"
echo " overflows; with ssthresh 20 it leaves slow start at 20 and grows ~1 segment per RTT)"
ns_reset

section "experiment: five congestion controls over one path"
# 10 Mbit/s bottleneck, 40 ms RTT, 1 BDP of buffer: each algorithm alone for
# 8 s. The table is what the sender's TCP_INFO says; the cwnd samples go to
# the host, which draws out/run/cwnd.png.
modprobe tcp_bbr 2>/dev/null
flow=/tcplab/guest/lib/ccflow.py
echo "kernel,algo,t_s,cwnd,ssthresh" >/tmp/out/run_cwnd.csv
printf '%-10s %10s %8s %10s %10s\n' algo "Mbit/s" retrans "ss retx" "p95 RTT ms"
for algo in reno cubic bbr lab_reno lab_cubic; do
	ns_create CS CR CD
	dumbbell "$CS" "$CR" "$CD" 10 40 33 || { echo "path setup failed"; break; }
	tc -n "$CS" qdisc add dev s0 root fq
	ns_write "$CS" /proc/sys/net/ipv4/tcp_no_metrics_save 1
	bg_in "$CD" python3 "$flow" sink 5001
	wait_for 10 bash -c "ip netns exec $CD ss -tln | grep -q 5001"
	ip netns exec "$CS" python3 "$flow" send 10.0.4.2 5001 "$algo" 8 >/tmp/flow.json
	python3 - "$algo" "$(uname -r)" <<'PY'
import json, sys
r = json.load(open("/tmp/flow.json"))
print("%-10s %10.2f %8d %10d %10.1f" % (sys.argv[1], r["goodput_mbit"],
      r["retrans_segs"], r["ss_retrans_segs"], r["rtt_p95_ms"]))
with open("/tmp/out/run_cwnd.csv", "a") as f:
    for t, c, s in r["series"]:
        f.write("%s,%s,%s,%s,%s\n" % (sys.argv[2], sys.argv[1], t, c, s))
PY
	ns_reset
done
echo "(ss retx: retransmissions by the end of the first recovery after slow start:"
echo " what overshooting the 1-BDP buffer cost; 0 = slow start ended without a loss)"

section "experiment: SYN flood against a listen backlog of 16"
# A client makes 100 connections (one every 10 ms, 1 s each to get data
# through) while an attacker namespace floods the server with spoofed SYNs
# (hping3 --rand-source, ~2000/s): no defence, the kernel's cookies, and
# the tcp_lab hook answering the port's SYNs with cookies itself.
source /tcplab/selftests/syncookie_lib.sh
if command -v hping3 >/dev/null && command -v python3 >/dev/null; then
	sc_pin_static_keys
	sc_flood_topology
	sc_set "$SRV" syncookie_ports 8000-8100
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=0
	sc_measure none 8001 u500 100
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
	sc_measure kernel 8002 u500 100
	sc_set "$SRV" syncookie_mode 2
	sc_measure hook 8003 u500 100
	printf '%-34s %8s %8s %8s %10s\n' defence "ok (%)" "p50 ms" "p99 ms" "SYN/s"
	for m in "none:no defence (tcp_syncookies=0)" \
		 "kernel:kernel cookies (tcp_syncookies=1)" \
		 "hook:tcp_lab hook, mode 2"; do
		printf '%-34s %8s %8s %8s %10s\n' "${m#*:}" "$(sc_success_pct "${m%%:*}")" \
			"$(sc_result "${m%%:*}" p50_ms)" "$(sc_result "${m%%:*}" p99_ms)" \
			"$(cat "$SC_TMP/${m%%:*}.pps")"
	done
	echo "(p50/p99: connect time of the connections that succeeded; -1: none did)"
	echo "hook counters: $(ns_read "$SRV" /proc/net/tcp_lab | grep -E 'syncookie_(synack_sent|ack_valid|established) ' | tr '\n' ' ')"
else
	echo "skipped: needs hping3 and python3 in the guest"
fi

bash /tcplab/guest/report-timewait.sh

section "counters (/proc/net/tcp_lab)"
echo "init_net (tcplab-stat -a -z):"
tcplab-stat -a -z | sed 's/^/    /'

section "kernel log"
if dmesg | grep -E 'WARNING:|BUG:|Oops'; then
	echo "problems in the kernel log (above)"
	exit 1
fi
echo "clean: no WARNING, BUG or Oops"
