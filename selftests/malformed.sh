#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hooks against crafted and malformed segments, IPv4 and IPv6
# (malformed.py makes them).
#
# The SYN-cookie hook alone, mode 2: a handshake completed by hand through
# a cookie (after an ACK with a cookie from the wrong minute); doff below 5,
# options running past the header, bad checksums, SYN+FIN, SYN+RST, headers
# cut short, fragmented SYNs, each counted where README.md says and passed
# or dropped as it says; nothing ends up in a SYN queue.
#
# Then every hook feature on (syncookie_mode 1, then 2, on the protected
# ports; tw_observe, tw_rst_policy, tw_recycle, tw_timeout_ms) with a
# TIME_WAIT socket present, and hundreds of malformed segments sent at it
# (and at the TIME_WAIT socket's 4-tuple). After: every SYN the hook saw
# accounted for, no request sock from them in mode 2, the TIME_WAIT hook
# counted what reached its socket, IPv6 SYNs with extension headers the
# stack handles after LOCAL_IN left to the stack, legitimate cookie
# handshakes still carry data, and no kernel warning.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip ss nft python3 awk
require_module
python3 -c 'import scapy.layers.inet6' 2>/dev/null || skip_all "scapy not installed"
sc_pin_static_keys

MAL="$LAB_DIR/malformed.py"
TWH="$LAB_DIR/tw_helper.py"
P1=8080		# listener, mode 1 phase
P2=8081		# listener, mode 2 phases
P3=8082		# listener for the extension header SYNs
TWP=9000	# the server closes first here: TIME_WAIT

# mal ARGS...: malformed.py in the client namespace.
mal() {
	ip netns exec "$CLI" python3 "$MAL" "$@"
}

# expect NAME=DELTA...: each syncookie_NAME counter grew by exactly that.
expect() {
	local kv name want got rc=0
	for kv in "$@"; do
		name=${kv%=*} want=${kv#*=}
		got=$(counter_delta "$SRV" "syncookie_$name")
		[ "$got" = "$want" ] || { diag "$name: +$got, want +$want"; rc=1; }
	done
	return "$rc"
}

serves_both() {	# serves_both PORT: a verified transfer over v4 and v6
	sc_send "$CLI" 10.0.1.2 "$1" --bytes 50000 &&
	sc_send "$CLI" fd00:1::2 "$1" --bytes 50000
}

ktap_plan 20
ns_create CLI SRV
craft_pair "$CLI" "$SRV" || skip_all "cannot create veth"
ns_write "$SRV" /proc/sys/net/ipv4/tcp_syncookies 1
lab_set "$SRV" syncookie_ports "$P1-$P3,$TWP"
lab_set "$SRV" syncookie_mode 2
for p in $P1 $P2 $P3; do
	sc_server "$SRV" :: "$p" || skip_all "no listener on $p"
done
dmesg_mark

# The SYN-cookie hook alone, each crafted segment counted.
for fam in v4 v6; do
	if [ $fam = v4 ]; then dst=10.0.1.2; else dst=fd00:1::2; fi

	counters_snap "$SRV"
	out=$(mal handshake "$dst" $P2)
	rc=$?
	diag "$fam by hand: $out"
	check "${fam}_cookie_synack_echoes_offered_options" test $rc = 0
	check "${fam}_wrong_cookie_refused_right_cookie_established" \
		expect synack_sent=1 ack_invalid=1 ack_valid=1 established=1

	counters_snap "$SRV"
	diag "$fam sent: $(mal counted "$dst" $P2 | tr '\n' ' ')"
	sleep 0.5
	if [ $fam = v4 ]; then
		# The fragmented SYN is reassembled before the hook: a cookie.
		check "v4_malformed_counted_passed_or_dropped" \
			expect malformed=4 syn_seen=5 syn_pass_malformed=3 \
			       syn_dropped=1 synack_sent=1 fragments=0
	else
		# Before reassembly: the SYN whose first fragment shows it is
		# dropped; the other first fragment cannot even be read, and
		# IPv6 reassembly drops such a datagram itself (RFC 8200 4.5).
		check "v6_malformed_counted_passed_or_dropped" \
			expect malformed=4 syn_seen=5 syn_pass_malformed=3 \
			       syn_dropped=2 synack_sent=0
		check "v6_fragments_counted" \
			test "$(counter_delta "$SRV" syncookie_fragments)" -ge 4
	fi
done
check "no_request_socks_from_crafted_segments" test "$(sc_syn_recv "$SRV")" = 0
check "listener_still_serves_v4_and_v6" serves_both $P2
check "every_crafted_syn_answered_passed_or_dropped" sc_syns_add_up "$SRV"

# Every feature on, hundreds of variants.
for kv in tw_observe=1 tw_rst_policy=1 tw_recycle=1 tw_timeout_ms=50000 \
	  syncookie_threshold=50; do
	lab_set "$SRV" "${kv%=*}" "${kv#*=}" || diag "cannot set $kv"
done
# tw_recycle refuses a SYN whose TSval is older than the last one its
# address sent into TIME_WAIT (tw_make's connections). With a random
# offset per connection (tcp_timestamps=1; 6.12.118 hashes the ports in
# too) that is the legitimate client's SYN half the time: no offsets here.
ns_write "$CLI" /proc/sys/net/ipv4/tcp_timestamps 2

tw_present() {
	[ "$(ss_count "$SRV" time-wait "sport = :$TWP")" -gt 0 ]
}

# tw_make ADDR: a TIME_WAIT socket in SRV; prints CLIENT_PORT.
tw_make() {
	local addr=$1 pid
	ip netns exec "$SRV" python3 "$TWH" server "$addr" $TWP --close-first --once &
	pid=$!
	wait_listening "$SRV" $TWP 5
	ip netns exec "$CLI" python3 "$TWH" connect "$addr" $TWP --wait-eof >/dev/null 2>&1
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	wait_for 3 tw_present
	ip netns exec "$SRV" ss -tanH state time-wait "sport = :$TWP" |
		grep -F "$addr" | awk '{ n = split($NF, a, ":"); print a[n] }' | tail -n 1
}

total=0
send_all() {	# send_all PORT
	local fam src dst tw out n
	for fam in v4 v6; do
		if [ $fam = v4 ]; then src=10.0.1.1 dst=10.0.1.2; else src=fd00:1::1 dst=fd00:1::2; fi
		tw=$(tw_make "$dst")
		[ -n "$tw" ] || diag "$fam: no TIME_WAIT socket made"
		out=$(mal all veth0 "$TARGET_MAC" "$src" "$dst" "$1" ${tw:+--tw "$tw:$TWP"} 2>&1)
		n=$(echo "$out" | awk '$1 == "sent" { print $2 }')
		[ -n "$n" ] || diag "$fam: $(echo "$out" | tail -n 3)"
		diag "$fam to $1 (TIME_WAIT from $tw): sent ${n:-0}"
		total=$((total + ${n:-0}))
	done
}

counters_snap "$SRV"
lab_set "$SRV" syncookie_mode 1
send_all $P1
lab_set "$SRV" syncookie_mode 2
exthdr_before=$(counter "$SRV" syncookie_syn_pass_exthdr)
send_all $P2
sleep 1
exthdr_p2=$(( $(counter "$SRV" syncookie_syn_pass_exthdr) - exthdr_before ))
diag "malformed variants sent: $total; TIME_WAIT sockets now: $(counter "$SRV" tw_count)"
check "at_least_200_malformed_sent" test "$total" -ge 200
diag "$(counters_moved "$SRV")"
check "hook_saw_and_counted_them" \
	test "$(counter_delta "$SRV" syncookie_syn_seen)" -gt 50 -a \
	     "$(counter_delta "$SRV" syncookie_malformed)" -gt 10 -a \
	     "$(counter_delta "$SRV" syncookie_syn_dropped)" -gt 10
# The TCP variants sent on the TIME_WAIT sockets' 4-tuples.
tw_hook_counted() {
	local c
	for c in tw_syn tw_rst tw_fin tw_ack tw_csum_errors; do
		[ "$(counter_delta "$SRV" "$c")" -gt 0 ] || { diag "$c did not move"; return 1; }
	done
}
check "time_wait_hook_counted_segments_at_its_sockets" tw_hook_counted
check "every_syn_answered_passed_or_dropped" sc_syns_add_up "$SRV"
# Only the SYNs left to the stack for their extension headers may be queued.
rq=$(sc_syn_recv "$SRV" $P2)
diag "mode 2: $rq request socks, $exthdr_p2 SYNs left to the stack"
check "no_request_socks_in_mode_2_but_exthdr_ones" test "$rq" -le "$exthdr_p2"

# SYNs whose extension headers the stack acts on after LOCAL_IN.
counters_snap "$SRV"
out=$(mal exthdr veth0 "$TARGET_MAC" fd00:1::1 fd00:1::2 $P3 2>&1)
diag "late extension headers: $(echo "$out" | tr '\n' ' ')"
sleep 0.5
late_left() {
	local sent exthdr
	sent=$(counter_delta "$SRV" syncookie_synack_sent)
	exthdr=$(counter_delta "$SRV" syncookie_syn_pass_exthdr)
	diag "late extension headers: synack_sent +$sent syn_pass_exthdr +$exthdr"
	[ "$sent" = 0 ] && [ "$exthdr" = 4 ]
}
check "v6_late_exthdr_syns_left_to_the_stack" late_left
check "every_syn_accounted_for_after_exthdrs" sc_syns_add_up "$SRV"

counters_snap "$SRV"
check "legitimate_connections_still_served" serves_both $P2
check "through_cookies" test "$(counter_delta "$SRV" syncookie_established)" -ge 2
diag "legitimate connections: $(counters_moved "$SRV")"
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
