#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SYN-cookie hook under attack. An attacker namespace floods a listener
# with spoofed SYNs (hping3 --rand-source) while a client in another
# namespace makes 200 connections, each with 1 s to get its data through,
# against a listen backlog of 16: no defence, the kernel's cookies, the hook
# in mode 1 and in mode 2, measured in the same run. Then: mode 2 keeps the
# SYN queue empty, mode 1 stays out of the way below its threshold and
# engages above it, and floods of bogus ACKs are refused without harm.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip ss python3 hping3 awk
require_module
sc_pin_static_keys

GAP=${SC_FLOOD_GAP:-u500}	# hping3 -i: about 2000 SYN/s in the VM

measure() {	# measure NAME PORT
	sc_measure "$1" "$2" "$GAP" 200 16
	diag "$1: $(cat "$LAB_TMP/$1.out"), flood $(cat "$LAB_TMP/$1.pps") SYN/s, syn-recv samples $(tr '\n' ' ' <"$LAB_TMP/$1.synrecv")"
}

ok_at_least() {	# ok_at_least NAME PERMILLE
	[ $((1000 * $(sc_result "$1" ok))) -ge $(($2 * $(sc_result "$1" total))) ]
}

not_ok_at_least() {
	! ok_at_least "$@"
}

# mode 1 against a backlog of 10 at 50 %: the hook engages once 5 request
# socks wait. SYNs from an address nobody answers for, one source port
# each, fill the queue (random sources would lose the martians among them).
spoof_syns() {	# spoof_syns PORT COUNT
	ip netns exec "$ATK" timeout 10 hping3 -S -p "$1" -c "$2" -i u20000 \
		-a 10.9.9.9 -q 10.0.2.2 >/dev/null 2>&1
	sleep 0.3
}

ktap_plan 13
ns_create CLI SRV ATK
flood_topology "$CLI" "$SRV" "$ATK"
lab_set "$SRV" syncookie_ports "8000-8100"
dmesg_mark

ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=0
measure none 8080
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
measure kernel 8081
lab_set "$SRV" syncookie_mode 1
counters_snap "$SRV"
measure mode1 8082
lab_set "$SRV" syncookie_mode 2
measure mode2 8083

diag "success: none $(sc_success_pct none)%, kernel cookies $(sc_success_pct kernel)%, mode 1 $(sc_success_pct mode1)%, mode 2 $(sc_success_pct mode2)%"
check "flood_defeats_an_undefended_listener" not_ok_at_least none 500
timing_check "mode1_legit_success_at_least_99pct" ok_at_least mode1 990
timing_check "mode2_legit_success_at_least_99pct" ok_at_least mode2 990
check "mode2_syn_queue_empty_under_flood" \
	bash -c "! grep -qv '^0\$' '$LAB_TMP/mode2.synrecv'"
# Which connections were in SYN-RECV, and why the hook passed SYNs.
[ -s "$LAB_TMP/mode2.synrecv_socks" ] && diag "$(sort -u "$LAB_TMP/mode2.synrecv_socks")"
diag "$(ns_read "$SRV" /proc/net/tcp_lab | awk '$1 ~ /^syncookie_/ && $2 != 0' | tr '\n' ' ')"
check "undefended_syn_queue_fills_under_flood" \
	bash -c "grep -qv '^0\$' '$LAB_TMP/none.synrecv'"
check "cookies_established_the_legit_connections" \
	test "$(counter_delta "$SRV" syncookie_established)" -ge \
	     $(($(sc_result mode1 ok) + $(sc_result mode2 ok)))

# Mode 1 below and above its threshold.
lab_set "$SRV" syncookie_mode 1
lab_set "$SRV" syncookie_threshold 50
sc_server "$SRV" 0.0.0.0 8090 10
counters_snap "$SRV"
spoof_syns 8090 3
sc_send "$CLI" 10.0.1.2 8090 --bytes 1000 >/dev/null
below=$(counter_delta "$SRV" syncookie_syn_pass_below_threshold)
sent=$(counter_delta "$SRV" syncookie_synack_sent)
diag "below threshold: passed $below, cookies $sent, syn-recv $(sc_syn_recv "$SRV" 8090)"
check "mode1_out_of_the_way_below_threshold" \
	test "$below" = 4 -a "$sent" = 0
spoof_syns 8090 10
sc_send "$CLI" 10.0.1.2 8090 --bytes 1000 >/dev/null
below=$(counter_delta "$SRV" syncookie_syn_pass_below_threshold)
sent=$(counter_delta "$SRV" syncookie_synack_sent)
queued=$(sc_syn_recv "$SRV" 8090)
diag "above threshold: passed $below, cookies $sent, syn-recv $queued"
# The queue stops at the threshold (5 of 10: no SYN passed below it after
# that) and cookies answer the rest: up to 8 spoofed SYNs and the client's.
# hping3 under TCG has been seen to get 2 of its 10 SYNs counted elsewhere,
# so the cookies are a range; the counters that moved are logged.
diag "moved: $(counters_moved "$SRV")"
check "mode1_engages_at_threshold" \
	test "$below" = 6 -a "$queued" = 5 -a "$sent" -ge 1 -a "$sent" -le 9

# Bogus ACKs: random ones from hping3, then forged cookies from scapy.
lab_set "$SRV" syncookie_mode 2
lab_set "$SRV" syncookie_drop_invalid 1
sc_server "$SRV" 0.0.0.0 8095 "$BACKLOG"
sc_send "$CLI" 10.0.1.2 8095 --bytes 1000 >/dev/null	# listener now takes cookies
counters_snap "$SRV"
tx0=$(tx_packets "$ATK" a0)
sc_flood_start A 8095 "$GAP"
sleep 3
sc_flood_stop
acks=$(( $(tx_packets "$ATK" a0) - tx0 ))
inv=$(counter_delta "$SRV" syncookie_ack_invalid)
drp=$(counter_delta "$SRV" syncookie_ack_invalid_dropped)
diag "ACK flood: $acks sent, $inv invalid, $drp dropped, $(counter_delta "$SRV" syncookie_ack_valid) valid"
check "ack_flood_counted_invalid_and_dropped" \
	test "$inv" -gt 0 -a "$inv" = "$drp" -a \
	     "$(counter_delta "$SRV" syncookie_ack_valid)" = 0 -a \
	     "$(counter_delta "$SRV" syncookie_established)" = 0
if python3 -c 'import scapy' 2>/dev/null; then
	counters_snap "$SRV"
	ip netns exec "$CLI" python3 "$LAB_DIR/malformed.py" forged \
		10.0.1.2 8095 --count 50 >/dev/null
	lab_set "$SRV" syncookie_drop_invalid 0
	rst0=$(ip netns exec "$SRV" awk '/^Tcp:/ { n++ } /^Tcp:/ && n == 2 { print $15 }' /proc/net/snmp)
	ip netns exec "$CLI" python3 "$LAB_DIR/malformed.py" forged \
		10.0.1.2 8095 --count 50 >/dev/null
	rst1=$(ip netns exec "$SRV" awk '/^Tcp:/ { n++ } /^Tcp:/ && n == 2 { print $15 }' /proc/net/snmp)
	inv=$(counter_delta "$SRV" syncookie_ack_invalid)
	drp=$(counter_delta "$SRV" syncookie_ack_invalid_dropped)
	diag "forged cookies: 100 sent, $inv invalid, $drp dropped, listener reset $((rst1 - rst0)) of the 50 it saw"
	check "forged_cookies_invalid_dropped_or_reset_by_policy" \
		test "$inv" = 100 -a "$drp" = 50 -a $((rst1 - rst0)) -ge 50 -a \
		     "$(counter_delta "$SRV" syncookie_established)" = 0
else
	ktap_skip "forged_cookies_invalid_dropped_or_reset_by_policy" "scapy not installed"
fi
check "nothing_accepted_from_bogus_acks" \
	test "$(ss_count "$SRV" established "sport = :8095")" = 0
check "listener_healthy_after_ack_floods" \
	sc_send "$CLI" 10.0.1.2 8095 --bytes 100000
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
