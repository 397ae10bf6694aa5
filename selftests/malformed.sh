#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every hook feature on in the server namespace (syncookie_mode 1, then 2,
# on the protected ports; tw_observe, tw_rst_policy, tw_recycle,
# tw_timeout_ms) with a TIME_WAIT socket present, and hundreds of malformed
# segments sent at it over IPv4 and IPv6 (malformed.py lists them). After:
# no kernel warning, every SYN the hook saw accounted for, no request sock
# from them in mode 2, IPv6 SYNs with extension headers the stack handles
# after LOCAL_IN left to the stack, and legitimate cookie handshakes still
# carry data.
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
P2=8081		# listener, mode 2 phase
P3=8082		# listener for the extension header SYNs
TWP=9000	# the server closes first here: TIME_WAIT

ktap_plan 9
ns_create CLI SRV
veth_pair "$CLI" 10.0.1.1/24 "$SRV" 10.0.1.2/24 || skip_all "cannot create veth"
ip -n "$CLI" addr add fd00:1::1/64 dev veth0 nodad
ip -n "$SRV" addr add fd00:1::2/64 dev veth1 nodad
MAC=$(ip -n "$SRV" -br link show veth1 | awk '{ print $3 }')
# The client's stack must not reset what the crafted segments provoke.
ip netns exec "$CLI" nft -f - <<'EOF'
table inet lab {
	chain out {
		type filter hook output priority 0;
		tcp flags rst drop
	}
}
EOF
ns_write "$SRV" /proc/sys/net/ipv4/tcp_syncookies 1
for kv in "syncookie_ports $P1-$P3,$TWP" tw_observe=1 tw_rst_policy=1 \
	  tw_recycle=1 tw_timeout_ms=50000 syncookie_threshold=50; do
	k=${kv%%[= ]*} v=${kv#*[= ]}
	lab_set "$SRV" "$k" "$v" || diag "cannot set $k=$v"
done
for p in $P1 $P2 $P3; do
	sc_server "$SRV" :: $p || skip_all "no listener on $p"
done
dmesg_mark

# tw_make ADDR: a TIME_WAIT socket in SRV; prints CLIENT_PORT.
tw_make() {
	local addr=$1 pid sp
	ip netns exec "$SRV" python3 "$TWH" server "$addr" $TWP --close-first --once &
	pid=$!
	wait_listening "$SRV" $TWP 5
	ip netns exec "$CLI" python3 "$TWH" connect "$addr" $TWP --wait-eof >/dev/null 2>&1
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	wait_for 3 bash -c "ip netns exec $SRV ss -tanH state time-wait '( sport = :$TWP )' | grep -q ."
	sp=$(ip netns exec "$SRV" ss -tanH state time-wait "( sport = :$TWP )" |
	     grep -F "$addr" | awk '{ n = split($NF, a, ":"); print a[n] }' | tail -n 1)
	echo "$sp"
}

total=0
send_all() {	# send_all PORT
	local fam src dst tw out n
	for fam in v4 v6; do
		if [ $fam = v4 ]; then src=10.0.1.1 dst=10.0.1.2; else src=fd00:1::1 dst=fd00:1::2; fi
		tw=$(tw_make "$dst")
		[ -n "$tw" ] || diag "$fam: no TIME_WAIT socket made"
		out=$(ip netns exec "$CLI" python3 "$MAL" all veth0 "$MAC" "$src" "$dst" \
			"$1" ${tw:+--tw "$tw:$TWP"} 2>&1)
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
diag "$(for c in syn_seen synack_sent syn_pass_malformed syn_pass_not_local \
	 syn_pass_existing syn_pass_exthdr syn_pass_below_threshold syn_dropped \
	 malformed fragments ack_invalid; do
	echo -n "$c +$(counter_delta "$SRV" syncookie_$c) "; done)"
diag "$(for c in tw_syn tw_rst tw_fin tw_ack tw_data tw_rst_dropped \
	 tw_recycle_dropped tw_csum_errors; do
	echo -n "$c +$(counter_delta "$SRV" $c) "; done)"
check "hook_saw_and_counted_them" \
	bash -c "[ $(counter_delta "$SRV" syncookie_syn_seen) -gt 50 ] &&
		 [ $(counter_delta "$SRV" syncookie_malformed) -gt 10 ] &&
		 [ $(counter_delta "$SRV" syncookie_syn_dropped) -gt 10 ]"
check "every_syn_answered_passed_or_dropped" sc_syns_add_up "$SRV"
# Only the SYNs left to the stack for their extension headers may be queued.
rq=$(sc_syn_recv "$SRV" $P2)
diag "mode 2: $rq request socks, $exthdr_p2 SYNs left to the stack"
check "no_request_socks_in_mode_2_but_exthdr_ones" test "$rq" -le "$exthdr_p2" 

# SYNs whose extension headers the stack acts on after LOCAL_IN.
counters_snap "$SRV"
out=$(ip netns exec "$CLI" python3 "$MAL" exthdr veth0 "$MAC" fd00:1::1 fd00:1::2 $P3 2>&1)
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
serves_both() {
	sc_send "$CLI" 10.0.1.2 $P2 --bytes 50000 &&
	sc_send "$CLI" fd00:1::2 $P2 --bytes 50000
}
check "legitimate_connections_still_served" serves_both
check "through_cookies" test "$(counter_delta "$SRV" syncookie_established)" -ge 2
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
