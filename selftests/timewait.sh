#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TIME_WAIT observation and RFC 1337, with crafted segments (scapy): each
# kind of segment sent at a TIME_WAIT (or FIN_WAIT2) timewait socket moves
# its own counter by exactly one and no other; a segment with a bad checksum
# moves none; tw_count follows `ss state time-wait`; an in-window RST kills
# a TIME_WAIT socket with tw_rst_policy 0 and not with 1; out-of-window RSTs
# never do. Over IPv6 a real SYN reaching TIME_WAIT is counted too.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss nft python3
require_module
python3 -c 'import scapy.layers.inet' 2>/dev/null || skip_all "python3 scapy not installed"

HELPER=$LAB_DIR/tw_helper.py
KINDS="syn rst fin ack data"
PORT=8080

ns_create P T
craft_pair "$P" "$T" || skip_all "cannot create veth"

tw_in_ss() {	# TIME_WAIT sockets on PORT in T, as ss sees them
	ss_count "$T" time-wait "sport = :$PORT"
}

# start_craft MODE: a one-shot server in T that closes first, and the
# crafting helper in P that leaves T with a timewait socket in MODE.
start_craft() {
	bg_in "$T" python3 "$HELPER" server 10.0.1.2 "$PORT" --close-first --once
	server_pid=${_lab_pids[-1]}
	wait_listening "$T" "$PORT" || return 1
	coproc CRAFT { ip netns exec "$P" python3 "$HELPER" craft veth0 \
		10.0.1.1 10.0.1.2 "$PORT" "$TARGET_MAC" --mode "$1" 2>&1; }
	_lab_pids+=("$CRAFT_PID")
	local line
	read -r -t 120 line <&"${CRAFT[0]}" || { diag "craft helper: no answer"; return 1; }
	diag "$1: $line"
	[[ $line == ready* ]]
}

stop_craft() {
	[ -n "${CRAFT_PID:-}" ] || return 0
	eval "exec ${CRAFT[1]}>&-"
	wait "$CRAFT_PID" 2>/dev/null
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	flush_tw
}

# flush_tw: end every TIME_WAIT socket in T, so cases do not see each
# other's (tw_timeout_ms at its smallest).
flush_tw() {
	sleep 0.2
	lab_set "$T" tw_timeout_ms 1
	wait_for 5 eval '[ "$(ss_count "$T" time-wait)" = 0 ]'
	lab_set "$T" tw_timeout_ms 0
}

# send KIND [OFFSET [badsum]]: one crafted segment; wait until it is sent
# and give the receiving side a moment.
send() {
	local line
	echo "$*" >&"${CRAFT[1]}"
	read -r -t 30 line <&"${CRAFT[0]}" && [ "$line" = sent ] || return 1
	sleep 0.2
}

# The sequence offset for each kind that leaves the timewait socket alive:
# a SYN and a RST far out of the window, a repeated FIN, an in-window ACK,
# one new byte of data.
offset_tw() {
	case $1 in
	syn|rst) echo 100000 ;;
	fin) echo -1 ;;
	*) echo 0 ;;
	esac
}

# observe PREFIX MODE: each kind moves PREFIX_KIND by one and nothing else.
observe() {
	local prefix=$1 mode=$2 k d off ok=0
	for k in $KINDS; do
		if [ "$mode" = tw ]; then off=$(offset_tw "$k"); else off=1000000; fi
		counters_snap "$T"
		send "$k" "$off" || { diag "$k: send failed"; return 1; }
		d=$(counters_moved "$T" tw_)
		if [ "$d" != "${prefix}_$k +1" ]; then
			diag "$k: counters moved: ${d:-nothing}"
			ok=1
		fi
	done
	return $ok
}

bad_checksum() {
	local d
	counters_snap "$T"
	send ack 0 badsum || return 1
	d=$(counters_moved "$T" tw_)
	[ "$d" = "tw_csum_errors +1" ] || { diag "moved: ${d:-nothing}"; return 1; }
}

# rst_kills POLICY OFFSET: does a RST at OFFSET from rcv_nxt end TIME_WAIT?
# 0 yes, 1 no, 2 the case could not be set up.
rst_kills() {
	local policy=$1 off=$2 rc
	lab_set "$T" tw_rst_policy "$policy"
	if start_craft tw && [ "$(tw_in_ss)" = 1 ] && send rst "$off"; then
		if [ "$(tw_in_ss)" = 0 ]; then rc=0; else rc=1; fi
	else
		rc=2
	fi
	stop_craft
	lab_set "$T" tw_rst_policy 0
	return $rc
}

gauge_follows_ss() {
	local i n g
	for i in $(seq 1 8); do
		ip netns exec "$P" python3 "$HELPER" connect 10.0.1.2 8081 --wait-eof || return 1
	done
	sleep 0.3
	n=$(ss_count "$T" time-wait)
	g=$(counter "$T" tw_count)
	diag "8 connections: ss time-wait $n, tw_count $g"
	[ "$n" = 8 ] && [ "$g" = 8 ] || return 1
	flush_tw
	n=$(ss_count "$T" time-wait)
	g=$(counter "$T" tw_count)
	diag "after tw_timeout_ms=1: ss time-wait $n, tw_count $g"
	[ "$n" = 0 ] && [ "$g" = 0 ]
}

# A real client reconnects from the same port over IPv6: its SYN reaches
# the server's TIME_WAIT socket.
ipv6_syn_counted() {
	local before after
	bg_in "$T" python3 "$HELPER" server fd00:1::2 8082 --close-first
	wait_listening "$T" 8082 || return 1
	ip netns exec "$P" python3 "$HELPER" connect fd00:1::2 8082 --sport 40001 --wait-eof || return 1
	sleep 0.3
	before=$(counter "$T" tw_syn)
	ip netns exec "$P" python3 "$HELPER" connect fd00:1::2 8082 --sport 40001 --wait-eof || return 1
	after=$(counter "$T" tw_syn)
	diag "IPv6: tw_syn $before -> $after"
	[ "$after" = $((before + 1)) ]
}

ktap_plan 10
lab_set "$T" tw_observe 1

if start_craft tw; then
	check "tw_count_is_1_with_one_time_wait_socket" \
		test "$(counter "$T" tw_count)" = 1 -a "$(tw_in_ss)" = 1
	check "each_kind_at_time_wait_counted_once" observe tw tw
	check "bad_checksum_not_counted_as_a_kind" bad_checksum
	check "time_wait_socket_survived_the_probes" test "$(tw_in_ss)" = 1
	stop_craft
else
	for t in tw_count_is_1_with_one_time_wait_socket each_kind_at_time_wait_counted_once \
		 bad_checksum_not_counted_as_a_kind time_wait_socket_survived_the_probes; do
		ktap_fail "$t"
	done
fi

if start_craft fw2 && [ "$(ss_count "$T" fin-wait-2 "sport = :$PORT")" = 1 ]; then
	check "each_kind_at_fin_wait2_counted_once" observe tw_fw2 fw2
else
	ktap_fail "each_kind_at_fin_wait2_counted_once"
fi
stop_craft

rst_kills 0 0
check "policy_0_in_window_rst_kills_time_wait" test $? = 0
dropped0=$(counter "$T" tw_rst_dropped)
rst_kills 1 0
rc=$?
dropped1=$(counter "$T" tw_rst_dropped)
diag "policy 1: tw_rst_dropped $dropped0 -> $dropped1"
check "policy_1_in_window_rst_dropped_and_counted" \
	test $rc = 1 -a "$dropped1" = $((dropped0 + 1))
ok=0
for p in 0 1; do
	rst_kills "$p" 100000
	rc=$?
	[ $rc = 1 ] || { diag "policy $p: out-of-window RST: rc $rc"; ok=1; }
done
check "out_of_window_rst_never_kills" test $ok = 0

bg_in "$T" python3 "$HELPER" server 10.0.1.2 8081 --close-first
wait_listening "$T" 8081
check "tw_count_follows_ss" gauge_follows_ss
check "ipv6_syn_at_time_wait_counted" ipv6_syn_counted
ktap_finished
