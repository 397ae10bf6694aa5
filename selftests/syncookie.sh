#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SYN-cookie hook, functionally: its sysctls; hooks only in namespaces
# that turn it on; data through cookie handshakes over IPv4 and IPv6, checked
# end to end by digest; the options the rebuilt connection ends up with,
# compared with a handshake the kernel did itself in the same run; with
# timestamps off only the MSS survives; ECN; what happens while
# net.ipv4.tcp_syncookies is 0; a port not in the list and a namespace
# without the feature are left alone; every SYN is accounted for.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip ss python3 awk
require_module
sc_pin_static_keys

PORT=8080	# protected
REF=8081	# not protected: the kernel's own handshake, for comparison

defaults() {
	[ "$(lab_get "$SRV" syncookie_mode)" = 0 ] &&
	[ "$(lab_get "$SRV" syncookie_threshold)" = 50 ] &&
	[ "$(lab_get "$SRV" syncookie_drop_invalid)" = 0 ] &&
	[ -z "$(lab_get "$SRV" syncookie_ports)" ]
}

# The list syntax proc_do_large_bitmap takes, read back in canonical form;
# a bad list is refused and leaves the old one.
ports_list() {
	local v
	lab_set "$SRV2" syncookie_ports "443,80,8000-8100" || return 1
	v=$(lab_get "$SRV2" syncookie_ports)
	[ "$v" = "80,443,8000-8100" ] || { diag "read back '$v'"; return 1; }
	for bad in 65536 80-70000 abc 80,,443 -5; do
		if lab_set "$SRV2" syncookie_ports "$bad"; then
			diag "accepted '$bad'"
			return 1
		fi
	done
	v=$(lab_get "$SRV2" syncookie_ports)
	[ "$v" = "80,443,8000-8100" ] || { diag "changed to '$v'"; return 1; }
	lab_set "$SRV2" syncookie_ports "0-65535" &&
	[ "$(lab_get "$SRV2" syncookie_ports)" = "0-65535" ] &&
	lab_set "$SRV2" syncookie_ports $'\n' &&
	[ -z "$(lab_get "$SRV2" syncookie_ports)" ] ||
		{ diag "full range or newline write"; return 1; }
	lab_set "$SRV2" syncookie_ports "$PORT"
}

# `nft list hooks` (nfnetlink_hook, 6.12 here) shows who hooks where.
has_hook() {
	ip netns exec "$1" nft list hooks 2>/dev/null | grep -q lab_sc_hook
}

hooks_follow_mode() {
	has_hook "$SRV" || { diag "no hook in the enabled namespace"; return 1; }
	! has_hook "$SRV2" || { diag "hook in a namespace with mode 0"; return 1; }
	lab_set "$SRV" syncookie_mode 0
	! has_hook "$SRV" || { diag "hook left after mode 0"; return 1; }
	lab_set "$SRV" syncookie_mode 2 && has_hook "$SRV"
}

# handshake FAMILY PORT MSS: a transfer held open 2 s while both ends are
# read with ss; leaves "server client" options in $LAB_TMP/opts.
handshake() {
	local addr=$1 port=$2 mss=$3 pid rc
	ip netns exec "$CLI" python3 "$SC_PEER" send "$addr" "$port" \
		--mss "$mss" --bytes 262144 --hold 2 >"$LAB_TMP/send.out" 2>&1 &
	pid=$!
	wait_for 10 eval '[ "$(ss_count "$SRV" established "sport = :$port")" -gt 0 ]'
	sc_ss_opts "$SRV" "sport = :$port" >"$LAB_TMP/opts"
	sc_ss_opts "$CLI" "dport = :$port" >>"$LAB_TMP/opts"
	wait "$pid"
	rc=$?
	diag "$(head -c 300 "$LAB_TMP/send.out")"
	return $rc
}

# ws_crossed: each side's send scale is the other's receive scale.
ws_crossed() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^wscale=/) s = substr($i, 8) }
	     NR == 2 { for (i = 1; i <= NF; i++) if ($i ~ /^wscale=/) c = substr($i, 8) }
	     END { split(s, a, ","); split(c, b, ",")
		   exit !(s != "-" && a[1] == b[2] && a[2] == b[1]) }' "$LAB_TMP/opts"
}

# cookie_run FAMILY_ADDR MSS: transfer through the hook and a reference
# transfer the kernel handles; $1 the address, $2 the MSS, $3 a label.
cookie_run() {
	local addr=$1 mss=$2 label=$3 syn ack est
	counters_snap "$SRV"
	check "${label}_transfer_through_cookie_digest_matches" \
		handshake "$addr" "$PORT" "$mss"
	cp "$LAB_TMP/opts" "$LAB_TMP/opts.hook"
	syn=$(counter_delta "$SRV" syncookie_synack_sent)
	ack=$(counter_delta "$SRV" syncookie_ack_valid)
	est=$(counter_delta "$SRV" syncookie_established)
	diag "$label: server/client via cookie: $(tr '\n' '|' <"$LAB_TMP/opts.hook")"
	diag "$label: synack_sent +$syn ack_valid +$ack established +$est"
	check "${label}_one_cookie_one_connection" \
		test "$syn" = 1 -a "$ack" = 1 -a "$est" = 1

	counters_snap "$SRV"
	if handshake "$addr" "$REF" "$mss"; then
		cp "$LAB_TMP/opts" "$LAB_TMP/opts.ref"
		diag "$label: server/client by kernel: $(tr '\n' '|' <"$LAB_TMP/opts.ref")"
	else
		: >"$LAB_TMP/opts.ref"
	fi
	check "${label}_unprotected_port_left_to_kernel" \
		test "$(counter_delta "$SRV" syncookie_synack_sent)" = 0 -a \
		     "$(counter_delta "$SRV" syncookie_syn_pass_unprotected)" = 1
}

ktap_plan 24
ns_create CLI SRV SRV2
veth_pair "$CLI" "10.0.1.1/24 fd00:1::1/64" "$SRV" "10.0.1.2/24 fd00:1::2/64"
veth_pair "$CLI" 10.0.3.1/24 "$SRV2" 10.0.3.2/24 veth2 veth1
# Different buffer ceilings give the two ends different window scales
# (server 10, client 5, or 7 from 6.18), so a scale sent the wrong way
# round shows.
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_rmem="4096 131072 33554432"
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_rmem="4096 131072 1048576"

# wscale_of NS: the window scale NS offers. tcp_select_initial_window()
# sizes it for the larger of tcp_rmem[2] and the global net.core.rmem_max:
# ilog2 of that minus 15, at most 14. 6.18 raised rmem_max's default from
# 212992 to 4 MiB, which lifts the client's scale from 5 to 7.
wscale_of() {
	local rmem2 core space s=0
	rmem2=$(ip netns exec "$1" sysctl -n net.ipv4.tcp_rmem | awk '{ print $3 }')
	core=$(sysctl -n net.core.rmem_max)
	space=$((rmem2 > core ? rmem2 : core))
	while [ $((space >> (s + 16))) -gt 0 ] && [ $s -lt 14 ]; do
		s=$((s + 1))
	done
	echo "$s"
}
WS_SRV=$(wscale_of "$SRV")
WS_CLI=$(wscale_of "$CLI")
diag "window scales offered: server $WS_SRV, client $WS_CLI"
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_no_metrics_save=1
dmesg_mark

check "sysctl_defaults" defaults
check "ports_list_with_ranges_and_bad_lists_refused" ports_list

lab_set "$SRV" syncookie_ports "$PORT"
lab_set "$SRV" syncookie_mode 2
lab_set "$SRV2" syncookie_ports "$PORT"
# Without nfnetlink_hook (Debian's 6.1 does not build it) nft lists no
# hook at all, not even the pin namespace's nft chains: a known limit.
why=""
ip netns exec "$PIN_NS" nft list hooks 2>/dev/null | grep -q . ||
	why="no nfnetlink_hook in this kernel: nft list hooks lists nothing"
check_xfail "$why" "hooks_only_in_namespaces_that_enable_them" hooks_follow_mode

for p in $PORT $REF; do
	sc_server "$SRV" 0.0.0.0 "$p"
	sc_server "$SRV" :: "$((p + 100))"
done
PORT6=$((PORT + 100)) REF6=$((REF + 100))
lab_set "$SRV" syncookie_ports "$PORT,$PORT6"

# IPv4, timestamps on: MSS 1300, SACK, the crossed window scales, all as
# the kernel's own handshake negotiates them.
cookie_run 10.0.1.2 1300 v4
check "v4_options_same_as_kernel_handshake" \
	cmp -s <(head -n 1 "$LAB_TMP/opts.hook") <(head -n 1 "$LAB_TMP/opts.ref")
check "v4_window_scales_crossed_and_mss_kept" bash -c "
	[ $WS_CLI != $WS_SRV ] &&
	grep -q '^ts=1 sack=1 ecn=0 wscale=$WS_CLI,$WS_SRV mss=1288\$' '$LAB_TMP/opts.hook' &&
	awk 'NR == 2' '$LAB_TMP/opts.hook' | grep -q 'wscale=$WS_SRV,$WS_CLI'"

PORT=$PORT6 REF=$REF6 cookie_run fd00:1::2 1420 v6
check "v6_options_same_as_kernel_handshake" \
	cmp -s <(head -n 1 "$LAB_TMP/opts.hook") <(head -n 1 "$LAB_TMP/opts.ref")
cp "$LAB_TMP/opts.hook" "$LAB_TMP/opts.v6"
check "v6_window_scales_crossed_and_mss_kept" bash -c "
	grep -q '^ts=1 sack=1 ecn=0 wscale=$WS_CLI,$WS_SRV mss=1408\$' '$LAB_TMP/opts.v6'"

# Timestamps off at the client: nowhere to keep the options, only the MSS
# survives (the kernel's own cookies behave the same).
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_timestamps=0
check "v4_no_timestamps_transfer" handshake 10.0.1.2 "$PORT" 1300
diag "v4 without timestamps: $(tr '\n' '|' <"$LAB_TMP/opts")"
check "v4_no_timestamps_only_mss_survives" \
	grep -q '^ts=0 sack=0 ecn=0 wscale=- mss=1300$' "$LAB_TMP/opts"
check "v6_no_timestamps_transfer" handshake fd00:1::2 "$PORT6" 1420
diag "v6 without timestamps: $(tr '\n' '|' <"$LAB_TMP/opts")"
check "v6_no_timestamps_only_mss_survives" \
	grep -q '^ts=0 sack=0 ecn=0 wscale=- mss=1420$' "$LAB_TMP/opts"
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_timestamps=1

# ECN asked for by the client is kept in the cookie and negotiated.
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_ecn=1
handshake 10.0.1.2 "$PORT" 1300 >/dev/null
diag "v4 with ECN: $(tr '\n' '|' <"$LAB_TMP/opts")"
check "ecn_negotiated_through_cookie" bash -c "
	[ \$(grep -c ' ecn=1 ' '$LAB_TMP/opts') = 2 ]"
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_ecn=2

# With net.ipv4.tcp_syncookies=0 the listener would ignore our cookies: the
# hook lets the SYN through (and counts it) instead of leaving the client
# with a handshake that cannot complete.
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=0
counters_snap "$SRV"
check "kernel_cookies_off_connection_still_works" \
	sc_send "$CLI" 10.0.1.2 "$PORT" --bytes 1000
check "kernel_cookies_off_syn_passed_and_counted" \
	test "$(counter_delta "$SRV" syncookie_syn_pass_kernel_off)" = 1 -a \
	     "$(counter_delta "$SRV" syncookie_synack_sent)" = 0
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1

# A namespace with the module but without the feature: nothing counted.
sc_server "$SRV2" 0.0.0.0 "$PORT"
sc_send "$CLI" 10.0.3.2 "$PORT" --bytes 1000 >/dev/null
ip netns exec "$CLI" python3 "$SC_PEER" burst 10.0.3.2 "$PORT" --count 20 >/dev/null
check "namespace_without_feature_untouched" bash -c "
	! ip netns exec $SRV2 cat /proc/net/tcp_lab | grep '^syncookie_' | grep -v ' 0\$'"

check "no_request_socks_left" test "$(sc_syn_recv "$SRV")" = 0
check "every_syn_answered_passed_or_dropped" sc_syns_add_up "$SRV"
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
