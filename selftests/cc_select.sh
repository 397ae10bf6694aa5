#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lab_reno and lab_cubic are selectable the normal ways and visible the
# normal ways: registered, picked per namespace with
# net.ipv4.tcp_congestion_control and per socket with TCP_CONGESTION, named
# by `ss -ti`, described by getsockopt(TCP_CC_INFO), started with the
# namespace's net.tcp_lab.init_ssthresh, counted in that namespace only, and
# holding the module while a connection uses them.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss iperf3 python3
require_module

registered() {
	grep -qw lab_reno /proc/sys/net/ipv4/tcp_available_congestion_control &&
	grep -qw lab_cubic /proc/sys/net/ipv4/tcp_available_congestion_control
}

select_sysctl() {	# select_sysctl NS ALGO
	ns_write "$1" /proc/sys/net/ipv4/tcp_congestion_control "$2" &&
	[ "$(ns_read "$1" /proc/sys/net/ipv4/tcp_congestion_control)" = "$2" ]
}

select_in_init_net() {
	local old rc
	old=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
	select_sysctl "" lab_cubic && select_sysctl "" lab_reno
	rc=$?
	ns_write "" /proc/sys/net/ipv4/tcp_congestion_control "$old"
	return $rc
}

# setsockopt(TCP_CONGESTION) on a fresh socket, read back with getsockopt.
select_setsockopt() {
	ip netns exec "$SRV" python3 - <<'PY'
import socket
TCP_CONGESTION = 13
for name in (b"lab_reno", b"lab_cubic"):
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, name)
    got = s.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b"\0")
    assert got == name, (got, name)
    s.close()
PY
}

# A connection with ALGO from the client namespace, sampled with ss and
# TCP_CC_INFO while it runs: prints "ss=<line>" and "info=<fields>".
probe_flow() {	# probe_flow ALGO
	ip netns exec "$CLI" python3 - "$1" <<'PY'
import socket, struct, subprocess, sys, time
algo = sys.argv[1].encode()
TCP_CONGESTION, TCP_CC_INFO = 13, 26
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, algo)
s.connect(("10.0.1.2", 5201))
s.sendall(b"x" * 37)   # iperf3 cookie, then nothing: the server waits
time.sleep(0.3)
out = subprocess.run(["ss", "-tin", "dst", "10.0.1.2"],
                     capture_output=True, text=True).stdout
print("ss=" + " ".join(out.split()))
raw = s.getsockopt(socket.IPPROTO_TCP, TCP_CC_INFO, 64)
print("info=%d " % len(raw) + " ".join(str(v) for v in
      struct.unpack("5I", raw[:20])) if len(raw) >= 20 else "info=%d" % len(raw))
sys.stdout.flush()
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
s.close()
PY
}

ktap_plan 11
check "both_algorithms_registered" registered
check "selected_by_sysctl_in_init_net" select_in_init_net
ns_create CLI SRV
if ! veth_pair "$CLI" 10.0.1.1/24 "$SRV" 10.0.1.2/24; then
	ktap_fail "veth_topology"
	ktap_finished
fi
check "selected_by_sysctl_in_child_netns" select_sysctl "$CLI" lab_cubic
check "selected_by_setsockopt" select_setsockopt
lab_set "$CLI" init_ssthresh 20
ns_write "$CLI" /proc/sys/net/ipv4/tcp_no_metrics_save 1

bg_in "$SRV" iperf3 -s -B 10.0.1.2 >/dev/null 2>&1
wait_listening "$SRV" 5201

for algo in lab_reno lab_cubic; do
	out=$(probe_flow $algo)
	diag "$out"
	ssline=$(sed -n 's/^ss=//p' <<<"$out")
	info=$(sed -n 's/^info=//p' <<<"$out")
	# info: length algo phase rtt_us min_rtt_us w_max
	read -r len id _ _ minrtt _ <<<"$info"
	want_id=1
	[ $algo = lab_cubic ] && want_id=2
	check "ss_shows_${algo}_with_init_ssthresh_20" \
		bash -c "grep -q ' $algo ' <<<'$ssline' && grep -q 'ssthresh:20' <<<'$ssline'"
	check "tcp_cc_info_${algo}" test "${len:-0}" -eq 20 -a "${id:-0}" -eq $want_id -a "${minrtt:-0}" -gt 0
done

# A bulk flow so the module is in use while rmmod is tried; lab_cubic as
# the client namespace's default, the server keeps the kernel's.
bg_in "$CLI" iperf3 -c 10.0.1.2 -t 3 >/dev/null 2>&1
iperf_pid=${_lab_pids[-1]}
wait_for 10 bash -c "ip netns exec $CLI ss -tin dst 10.0.1.2 | grep -q lab_cubic"
if [ -n "${TCPLAB_KO:-}" ]; then
	check "rmmod_refused_while_in_use" bash -c '! rmmod tcp_lab 2>/dev/null'
else
	ktap_skip "rmmod_refused_while_in_use" "set TCPLAB_KO to allow unloading"
fi
wait "$iperf_pid"

cli_init=$(counter "$CLI" cc_init)
srv_init=$(counter "$SRV" cc_init)
diag "cc_init: client netns $cli_init, server netns $srv_init"
check "counted_in_own_netns_only" test "$cli_init" -ge 3 -a "$srv_init" -eq 0

# Once no socket and no namespace default uses them, unloading works.
if [ -n "${TCPLAB_KO:-}" ]; then
	ns_reset
	unload() {
		wait_for 20 rmmod tcp_lab 2>/dev/null && insmod "$TCPLAB_KO"
	}
	check "rmmod_clean_once_unused" unload
else
	ktap_skip "rmmod_clean_once_unused" "set TCPLAB_KO to allow unloading"
fi
ktap_finished
