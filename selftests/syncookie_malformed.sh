#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SYN-cookie hook against crafted and malformed segments, IPv4 and IPv6:
# a handshake completed by hand through a cookie (after an ACK with a
# cookie from the wrong minute); doff below 5, options running past the header, bad
# checksums, SYN+FIN, SYN+RST, headers cut short, fragmented SYNs. Each is
# counted where README.md says and passed or dropped as it says; nothing
# ends up in a SYN queue, the listener keeps working, the kernel log stays
# clean.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip ss python3 awk
require_module
python3 -c 'import scapy' 2>/dev/null || skip_all "scapy not installed"
sc_pin_static_keys

CRAFT="$LAB_DIR/malformed.py"

craft() {	# craft ARGS...: run the crafting helper in the client namespace
	ip netns exec "$CLI" python3 "$CRAFT" "$@"
}

# expect NAME=DELTA...: each counter grew by exactly that much.
expect() {
	local kv name want got rc=0
	for kv in "$@"; do
		name=${kv%=*} want=${kv#*=}
		got=$(counter_delta "$SRV" "syncookie_$name")
		[ "$got" = "$want" ] || { diag "$name: +$got, want +$want"; rc=1; }
	done
	return $rc
}

ktap_plan 11
ns_create CLI SRV
veth_pair "$CLI" 10.0.1.1/24 "$SRV" 10.0.1.2/24
ip -n "$CLI" addr add fd00:1::1/64 dev veth0 nodad
ip -n "$SRV" addr add fd00:1::2/64 dev veth1 nodad
lab_set "$SRV" syncookie_ports "8080"
lab_set "$SRV" syncookie_mode 2
sc_server "$SRV" :: 8080
dmesg_mark

for fam in v4 v6; do
	if [ $fam = v4 ]; then dst=10.0.1.2; else dst=fd00:1::2; fi

	counters_snap "$SRV"
	out=$(craft handshake "$dst" 8080)
	rc=$?
	diag "$fam by hand: $out"
	check "${fam}_cookie_synack_echoes_offered_options" test $rc = 0
	check "${fam}_wrong_cookie_refused_right_cookie_established" \
		expect synack_sent=1 ack_invalid=1 ack_valid=1 established=1

	counters_snap "$SRV"
	diag "$fam sent: $(craft counted "$dst" 8080 | tr '\n' ' ')"
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
			bash -c "[ $(counter_delta "$SRV" syncookie_fragments) -ge 4 ]"
	fi
done

check "no_request_socks_from_crafted_segments" test "$(sc_syn_recv "$SRV")" = 0
serves_both() {
	sc_send "$CLI" 10.0.1.2 8080 --bytes 50000 &&
	sc_send "$CLI" fd00:1::2 8080 --bytes 50000
}
check "listener_still_serves_v4_and_v6" serves_both
check "every_syn_answered_passed_or_dropped" sc_syns_add_up "$SRV"
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
