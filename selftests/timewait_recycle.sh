#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tw_recycle reproduces the NAT breakage that got the original removed.
# Clients C1 and C2 sit behind a masquerading router R; the server S closes
# first, so it holds TIME_WAIT and tw_recycle learns the router address's
# newest TSval.
#
#  - Real stacks, tcp_timestamps=1: both kernels give every connection its
#    own random timestamp offset (a hash of addresses and ports), so behind
#    the NAT the TSvals S sees jump back and forth. With tw_recycle=1 some
#    of a dozen alternating connections are refused (each with probability
#    about one half or more) and their SYNs counted; with 0 all connect.
#  - Forged TSvals (scapy), deterministic: after C1 connects with
#    tcp_timestamps=2 (TSval = its millisecond clock), a SYN from C2 with
#    an older TSval, or none, is dropped and counted and a newer one is
#    answered; with tw_recycle=0 the older one is answered too; once
#    tw_recycle_expiry_s has passed it is answered again.
#  - Spoofed FINs (the router's own address and port, a random sequence
#    number, a TSval far ahead) at a server socket waiting in FIN_WAIT2,
#    full or timewait, teach it nothing: the peer's next connection is
#    answered.
#  - The table never holds more than tw_recycle_max_peers peers.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss nft python3
require_module

HELPER=$LAB_DIR/tw_helper.py
ROUNDS=12

ns_create C1 C2 R S
nat_topology "$R" "$S" "$C1" "$C2" || skip_all "nft masquerade unavailable"
bg_in "$S" python3 "$HELPER" server 0.0.0.0 80 --close-first
bg_in "$S" python3 "$HELPER" server 0.0.0.0 81 --shutdown-first
wait_listening "$S" 80 && wait_listening "$S" 81 || skip_all "server did not start"

have_scapy=1
python3 -c 'import scapy.layers.inet' 2>/dev/null || have_scapy=0

client() {	# client NS: one real connection through the NAT
	ip netns exec "$1" python3 "$HELPER" connect 10.0.9.1 80 --wait-eof \
		--timeout 1.5 2>/dev/null
}

forged_syn() {	# forged_syn ARGS...: a SYN from C2; 0 if S answered
	ip netns exec "$C2" python3 "$HELPER" syn 10.0.9.1 80 "$@" >/dev/null
}

# fresh [RECYCLE]: no TIME_WAIT socket and nothing remembered on S.
fresh() {
	lab_set "$S" tw_timeout_ms 1
	wait_for 5 eval '[ "$(counter "$S" tw_count)" = 0 ]'
	lab_set "$S" tw_timeout_ms 0
	lab_set "$S" tw_recycle 0
	lab_set "$S" tw_recycle "${1:-1}"
}

# alternate RECYCLE: ROUNDS real connections, C1 and C2 in turn; sets
# refused and dropped.
alternate() {
	local i ns d0 ok1=0 ok2=0 no1=0 no2=0
	for ns in "$C1" "$C2"; do
		ns_write "$ns" /proc/sys/net/ipv4/tcp_timestamps 1
	done
	fresh "$1"
	d0=$(counter "$S" tw_recycle_dropped)
	for i in $(seq "$ROUNDS"); do
		if [ $((i % 2)) = 1 ]; then
			if client "$C1"; then ok1=$((ok1 + 1)); else no1=$((no1 + 1)); fi
		else
			if client "$C2"; then ok2=$((ok2 + 1)); else no2=$((no2 + 1)); fi
		fi
	done
	refused=$((no1 + no2))
	dropped=$(($(counter "$S" tw_recycle_dropped) - d0))
	diag "tw_recycle=$1: C1 $ok1 connected, $no1 refused; C2 $ok2 connected," \
	     "$no2 refused; SYNs dropped $dropped"
}

real_clients_refused() {
	alternate 1
	[ "$refused" -ge 1 ] && [ "$dropped" -ge "$refused" ]
}

real_clients_all_connect() {
	alternate 0
	[ "$refused" = 0 ] && [ "$dropped" = 0 ]
}

# learn RECYCLE: C1 (tcp_timestamps=2: TSval is its millisecond clock)
# connects, so S remembers the router's TSval as about "now".
learn() {
	ns_write "$C1" /proc/sys/net/ipv4/tcp_timestamps 2
	fresh "$1"
	client "$C1" || { diag "C1 could not connect"; return 1; }
	sleep 0.3
}

forged_decided_by_tsval() {
	local d0 d1 old new nots
	learn 1 || return 1
	d0=$(counter "$S" tw_recycle_dropped)
	forged_syn --tsval 1 && old=answered || old=dropped
	forged_syn --tsval-ahead 100000 && new=answered || new=dropped
	forged_syn --no-ts && nots=answered || nots=dropped
	d1=$(counter "$S" tw_recycle_dropped)
	diag "tw_recycle=1, C1 remembered: older TSval $old, newer $new, none $nots;" \
	     "dropped $((d1 - d0)), peers $(counter "$S" tw_recycle_peers)"
	[ "$old$new$nots" = droppedanswereddropped ] && [ $((d1 - d0)) -ge 2 ]
}

forged_answered_without() {
	local d0
	learn 0 || return 1
	d0=$(counter "$S" tw_recycle_dropped)
	forged_syn --tsval 1 || { diag "older TSval dropped with tw_recycle=0"; return 1; }
	[ "$(counter "$S" tw_recycle_dropped)" = "$d0" ]
}

# (6 s: starting python with scapy alone takes seconds under TCG.)
expires() {
	local rc=0
	lab_set "$S" tw_recycle_expiry_s 6
	learn 1 || return 1
	if forged_syn --tsval 1; then
		diag "answered before expiry"
		rc=1
	else
		sleep 6
		forged_syn --tsval 1 || { diag "still dropped after expiry"; rc=1; }
	fi
	lab_set "$S" tw_recycle_expiry_s 60
	return $rc
}

# spoofed_fin PORT: the router (its own address, not NATed; its TSvals
# its millisecond clock) connects to PORT; once the server has sent its FIN
# a spoofed FIN with a random sequence number and a TSval 10^9 ms ahead
# arrives from the router's address and port. Nothing may be learned from
# it, and the router's next connection must be answered.
spoofed_fin() {
	local out l0 l1 l2 rc=0
	ns_write "$R" /proc/sys/net/ipv4/tcp_timestamps 2
	fresh 1
	out=$(mktemp)
	l0=$(counter "$S" tw_recycle_learned)
	ip netns exec "$R" python3 "$HELPER" spoof-fin 10.0.9.1 "$1" --hold 1 >"$out" 2>&1 &
	local pid=$!
	wait_for 20 grep -q spoofed "$out" || { diag "spoof-fin: $(cat "$out")"; rc=1; }
	l1=$(counter "$S" tw_recycle_learned)
	wait "$pid" || rc=1
	sleep 0.3
	l2=$(counter "$S" tw_recycle_learned)
	rm -f "$out"
	if ip netns exec "$R" python3 "$HELPER" connect 10.0.9.1 "$1" --wait-eof \
		--timeout 1.5 2>/dev/null; then again=answered; else again=refused; fi
	diag "port $1: learned +$((l1 - l0)) from the spoofed FIN, +$((l2 - l1))" \
	     "from the real one; the router's next connection $again"
	[ $rc = 0 ] && [ $((l1 - l0)) = 0 ] && [ $((l2 - l1)) = 1 ] &&
		[ $again = answered ]
}

# 40 peers (the router's own addresses, not NATed) into a table of 16.
capped() {
	local i srcs="" peers ev full
	for i in $(seq 101 140); do
		ip -n "$R" addr add "10.0.9.$i/24" dev vs
		srcs+="${srcs:+,}10.0.9.$i"
	done
	lab_set "$S" tw_recycle_max_peers 16
	fresh 1
	ns_write "$R" /proc/sys/net/ipv4/tcp_timestamps 2
	ip netns exec "$R" python3 "$HELPER" connect 10.0.9.1 80 --wait-eof --src "$srcs" || return 1
	sleep 0.5
	peers=$(counter "$S" tw_recycle_peers)
	ev=$(counter "$S" tw_recycle_evicted)
	full=$(counter "$S" tw_recycle_full)
	diag "40 peers, room for 16: $peers remembered, $ev evicted, $full not stored"
	[ "$peers" -le 16 ] && [ "$peers" -ge 8 ] && [ $((ev + full)) -ge 24 ]
}

ktap_plan 8
check "real_clients_behind_nat_refused_with_tw_recycle_1" real_clients_refused
check "real_clients_behind_nat_all_connect_with_tw_recycle_0" real_clients_all_connect
if [ $have_scapy = 1 ]; then
	check "forged_older_or_no_tsval_dropped_newer_answered" forged_decided_by_tsval
	check "forged_older_tsval_answered_with_tw_recycle_0" forged_answered_without
	check "remembered_timestamp_expires" expires
	check "spoofed_fin_at_fin_wait2_timewait_not_learned" spoofed_fin 80
	check "spoofed_fin_at_fin_wait2_socket_not_learned" spoofed_fin 81
else
	for t in forged_older_or_no_tsval_dropped_newer_answered \
		 forged_older_tsval_answered_with_tw_recycle_0 remembered_timestamp_expires \
		 spoofed_fin_at_fin_wait2_timewait_not_learned \
		 spoofed_fin_at_fin_wait2_socket_not_learned; do
		ktap_skip "$t" "python3 scapy not installed"
	done
fi
check "table_capped_at_tw_recycle_max_peers" capped
ktap_finished
