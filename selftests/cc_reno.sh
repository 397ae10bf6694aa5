#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lab_reno end to end: registered, selected per namespace through
# net.ipv4.tcp_congestion_control, started with the namespace's
# net.tcp_lab.init_ssthresh (seen in `ss -ti`), counted in that namespace
# only, and holding the module while a connection uses it.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss iperf3
require_module

available() {
	grep -qw lab_reno /proc/sys/net/ipv4/tcp_available_congestion_control
}

select_in_netns() {
	ns_write "$CLI" /proc/sys/net/ipv4/tcp_congestion_control lab_reno &&
	[ "$(ns_read "$CLI" /proc/sys/net/ipv4/tcp_congestion_control)" = lab_reno ]
}

samples=
sample_flow() {
	local i
	for i in $(seq 40); do
		samples+=$(ip netns exec "$CLI" ss -tin dst 10.0.1.2 2>/dev/null)$'\n'
		echo "$samples" | grep -q 'ssthresh:20' && return 0
		sleep 0.1
	done
}

ktap_plan 6
check "lab_reno_registered" available
ns_create CLI SRV
if ! veth_pair "$CLI" 10.0.1.1/24 "$SRV" 10.0.1.2/24; then
	ktap_fail "veth_topology"
	ktap_finished
fi
check "selected_by_sysctl_in_child_netns" select_in_netns
ns_write "$CLI" /proc/sys/net/tcp_lab/init_ssthresh 20
ns_write "$CLI" /proc/sys/net/ipv4/tcp_no_metrics_save 1

bg_in "$SRV" iperf3 -s -1 -B 10.0.1.2 >/dev/null 2>&1
wait_for 10 bash -c "ip netns exec $SRV ss -tln 'sport = :5201' | grep -q 5201"
bg_in "$CLI" iperf3 -c 10.0.1.2 -t 4 >/dev/null 2>&1
iperf_pid=${_lab_pids[-1]}
wait_for 10 bash -c "ip netns exec $CLI ss -tn dst 10.0.1.2 | grep -q ESTAB"
sample_flow

diag "$(grep -m1 -A1 ESTAB <<<"$samples")"
check "ss_shows_lab_reno" grep -q lab_reno <<<"$samples"
check "init_ssthresh_20_applied" grep -q 'ssthresh:20' <<<"$samples"

if [ -n "${TCPLAB_KO:-}" ] && ip netns exec "$CLI" ss -tn | grep -q ESTAB; then
	check "rmmod_refused_while_in_use" bash -c '! rmmod tcp_lab 2>/dev/null'
else
	ktap_skip "rmmod_refused_while_in_use" "needs TCPLAB_KO and a live flow"
fi
wait "$iperf_pid"

cli_init=$(counter "$CLI" cc_init)
srv_init=$(counter "$SRV" cc_init)
diag "cc_init: client netns $cli_init, server netns $srv_init"
check "counted_in_own_netns_only" test "$cli_init" -ge 1 -a "$srv_init" -eq 0
ktap_finished
