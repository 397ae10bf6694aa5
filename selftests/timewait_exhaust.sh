#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port exhaustion: a client with 100 local ports opens and actively closes
# short connections to one server port for a fixed time, so every closed
# connection holds a port in TIME_WAIT. Measured in one run with: the
# defaults, tcp_tw_reuse=1, tw_timeout_ms=1000, tw_timeout_ms=100 and
# tw_rst_policy=1. The default runs out of ports after about 100
# connections; a shortened TIME_WAIT keeps going. Only ratios within this
# run are asserted.
#
# "About": on veth the server's delayed ACK and its FIN can leave on two
# CPUs and arrive swapped, the client's TIME_WAIT answers the late ACK
# (PAWS), the server, whose socket is gone, answers with a RST at exactly
# rcv_nxt, and that RST ends the client's TIME_WAIT and frees its port: a
# TIME_WAIT assassination (RFC 1337) by the kernel's own default. With
# tw_rst_policy=1 those RSTs are dropped and the client stops at 100.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss python3
require_module

HELPER=$LAB_DIR/tw_helper.py
SECONDS_EACH=${TW_EXHAUST_SECONDS:-4}

ns_create C S
veth_pair "$C" 10.0.1.1/24 "$S" 10.0.1.2/24 || skip_all "cannot create veth"
ns_write "$C" /proc/sys/net/ipv4/ip_local_port_range "40000 40099"
bg_in "$S" python3 "$HELPER" server 10.0.1.2 9000
wait_listening "$S" 9000 || skip_all "server did not start"
reuse0=$(ns_read "$C" /proc/sys/net/ipv4/tcp_tw_reuse)

# run NAME REUSE TIMEOUT_MS RST_POLICY: churn from a clean client; sets
# ok_NAME, failed_NAME, killed_NAME.
run() {
	local name=$1 out k0 k1 r0
	lab_set "$C" tw_timeout_ms 1
	wait_for 5 eval '[ "$(counter "$C" tw_count)" = 0 ]'
	ns_write "$C" /proc/sys/net/ipv4/tcp_tw_reuse "$2"
	lab_set "$C" tw_timeout_ms "$3"
	lab_set "$C" tw_rst_policy "$4"
	k0=$(counter "$C" tw_timeout_killed)
	r0=$(counter "$C" tw_rst_dropped)
	out=$(ip netns exec "$C" python3 "$HELPER" churn 10.0.1.2 9000 "$SECONDS_EACH")
	k1=$(counter "$C" tw_timeout_killed)
	diag "$(printf '%-16s %s ended_early=%d rst_dropped=%d tw_count_after=%s' \
		"$name" "$out" $((k1 - k0)) $(($(counter "$C" tw_rst_dropped) - r0)) \
		"$(counter "$C" tw_count)")"
	printf -v "ok_$name" '%s' "$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$out")"
	printf -v "failed_$name" '%s' "$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")"
	printf -v "killed_$name" '%s' $((k1 - k0))
}

diag "client: 100 local ports; ${SECONDS_EACH}s per setting"
run default "$reuse0" 0 0
run tw_reuse_1 1 0 0
run timeout_1000 "$reuse0" 1000 0
run timeout_100 "$reuse0" 100 0
run rst_policy_1 "$reuse0" 0 1
lab_set "$C" tw_timeout_ms 0
lab_set "$C" tw_rst_policy 0
ns_write "$C" /proc/sys/net/ipv4/tcp_tw_reuse "$reuse0"

ktap_plan 6
# A few ports may come back through assassinated TIME_WAIT (see above).
check "default_runs_out_near_100_ports" \
	test "$ok_default" -lt 130 -a "$failed_default" -gt 0
check "rst_policy_1_holds_every_port_for_time_wait" \
	test "$ok_rst_policy_1" -le 100 -a "$failed_rst_policy_1" -gt 0
check "tcp_tw_reuse_1_sustains_more" test "$ok_tw_reuse_1" -gt "$ok_default"
check "tw_timeout_ms_1000_sustains_1_5x_default" \
	test $((ok_timeout_1000 * 2)) -ge $((ok_default * 3))
check "tw_timeout_ms_100_sustains_2x_default" \
	test "$ok_timeout_100" -ge $((ok_default * 2))
check "early_ends_counted_only_with_tw_timeout" \
	test "$killed_default" = 0 -a "$killed_tw_reuse_1" = 0 \
	     -a "$killed_rst_policy_1" = 0 \
	     -a "$killed_timeout_1000" -gt 0 -a "$killed_timeout_100" -gt 0
ktap_finished
