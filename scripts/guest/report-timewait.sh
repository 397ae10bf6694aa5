#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TIME_WAIT part of `make run` (called by report.sh): port exhaustion
# under each TIME_WAIT setting, and the NAT breakage of tw_recycle, as two
# small tables. About a minute under TCG.
source /tcplab/selftests/lib.sh

HELPER=/tcplab/selftests/tw_helper.py
D=/proc/sys/net/tcp_lab
SECS=3

printf '\n== experiment: TIME_WAIT and port exhaustion ==\n'
# A client with 100 local ports opens and actively closes connections to
# one server port: each closed connection keeps its port for as long as its
# TIME_WAIT lasts.
ns_create C S
veth_pair "$C" 10.0.1.1/24 "$S" 10.0.1.2/24
ns_write "$C" /proc/sys/net/ipv4/ip_local_port_range "40000 40099"
bg_in "$S" python3 "$HELPER" server 10.0.1.2 9000
wait_for 10 bash -c "ip netns exec $S ss -tlnH '( sport = :9000 )' | grep -q ."
reuse0=$(ns_read "$C" /proc/sys/net/ipv4/tcp_tw_reuse)

echo "client with 100 local ports, short connections to one server port, ${SECS} s per setting"
printf '%-20s %8s %14s %8s %10s %12s\n' setting connected EADDRNOTAVAIL conn/s TIME_WAIT "ended early"
for setting in default tcp_tw_reuse=1 tw_timeout_ms=1000 tw_timeout_ms=100 tw_rst_policy=1; do
	# Start from no TIME_WAIT socket at all.
	ns_write "$C" "$D/tw_timeout_ms" 1
	wait_for 5 test "$(counter "$C" tw_count)" = 0
	ns_write "$C" "$D/tw_timeout_ms" 0
	ns_write "$C" "$D/tw_rst_policy" 0
	ns_write "$C" /proc/sys/net/ipv4/tcp_tw_reuse "$reuse0"
	case $setting in
	tcp_tw_reuse=1) ns_write "$C" /proc/sys/net/ipv4/tcp_tw_reuse 1 ;;
	tw_*) ns_write "$C" "$D/${setting%=*}" "${setting#*=}" ;;
	esac
	k0=$(counter "$C" tw_timeout_killed)
	res=$(ip netns exec "$C" python3 "$HELPER" churn 10.0.1.2 9000 "$SECS")
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$res")
	failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$res")
	printf '%-20s %8s %14s %8s %10s %12s\n' "$setting" "$ok" "$failed" \
		"$((ok / SECS))" "$(counter "$C" tw_count)" \
		"$(($(counter "$C" tw_timeout_killed) - k0))"
done


printf '\n== experiment: tw_recycle behind NAT ==\n'
# Two clients behind one masquerading router connect in turn to a server
# that closes first and so holds TIME_WAIT. tw_recycle remembers the router
# address's newest TSval and refuses any SYN whose TSval is behind it.
ns_create C1 C2 R T
ip link add veth0 netns "$C1" type veth peer name v1 netns "$R"
ip link add veth0 netns "$C2" type veth peer name v2 netns "$R"
ip link add veth0 netns "$T" type veth peer name vs netns "$R"
ip -n "$C1" addr add 10.2.1.1/24 dev veth0
ip -n "$C2" addr add 10.2.2.1/24 dev veth0
ip -n "$T" addr add 10.2.9.1/24 dev veth0
ip -n "$R" addr add 10.2.1.254/24 dev v1
ip -n "$R" addr add 10.2.2.254/24 dev v2
ip -n "$R" addr add 10.2.9.254/24 dev vs
for dev in v1 v2 vs; do ip -n "$R" link set "$dev" up; done
for ns in "$C1" "$C2" "$T"; do ip -n "$ns" link set veth0 up; done
ip -n "$C1" route add default via 10.2.1.254
ip -n "$C2" route add default via 10.2.2.254
ns_write "$R" /proc/sys/net/ipv4/ip_forward 1
ip netns exec "$R" nft -f - <<'EOF'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "vs" masquerade
	}
}
EOF
bg_in "$T" python3 "$HELPER" server 0.0.0.0 80 --close-first
wait_for 10 bash -c "ip netns exec $T ss -tlnH '( sport = :80 )' | grep -q ."

client() {	# client NS: 0 if a connection through the NAT succeeded
	ip netns exec "$1" python3 "$HELPER" connect 10.2.9.1 80 --wait-eof \
		--timeout 1.5 2>/dev/null
}

echo "clients C1, C2 behind one NAT (tcp_timestamps=1); the server closes first;"
echo "10 connections, C1 and C2 in turn"
printf '%-11s %-22s %-22s %s\n' tw_recycle "C1 connected/refused" "C2 connected/refused" "SYNs dropped"
for recycle in 0 1; do
	ns_write "$T" "$D/tw_timeout_ms" 1
	wait_for 5 test "$(counter "$T" tw_count)" = 0
	ns_write "$T" "$D/tw_timeout_ms" 0
	ns_write "$T" "$D/tw_recycle" "$recycle"
	d0=$(counter "$T" tw_recycle_dropped)
	ok1=0 no1=0 ok2=0 no2=0
	for i in 1 2 3 4 5; do
		if client "$C1"; then ok1=$((ok1 + 1)); else no1=$((no1 + 1)); fi
		if client "$C2"; then ok2=$((ok2 + 1)); else no2=$((no2 + 1)); fi
	done
	printf '%-11s %-22s %-22s %s\n' "$recycle" "$ok1/$no1" "$ok2/$no2" \
		"$(($(counter "$T" tw_recycle_dropped) - d0))"
done
ns_write "$T" "$D/tw_recycle" 0
echo "(both kernels give every connection a random timestamp offset: with"
echo " tw_recycle=1 each new connection whose TSval falls behind the newest"
echo " remembered one, about one in two, is refused, from either client)"
