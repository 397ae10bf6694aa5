#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the syncookie*.sh selftests, sourced after lib.sh:
# counter snapshots and deltas, the test peers, and `ss -ti` options.

SC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SC_PEER="$SC_DIR/syncookie_peer.py"
SC_SYSCTL=/proc/sys/net/tcp_lab
SC_TMP=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$SC_TMP"' EXIT

# sc_pin_static_keys: pin_static_keys (lib.sh), and our own hooks on in the
# pin namespace too, so that a test's namespaces turning the module's hooks
# on and off never makes them the first or last at their hook points.
sc_pin_static_keys() {
	pin_static_keys || return 1
	sc_set "$PIN_NS" syncookie_mode 2
	sleep 0.5
}

# sc_set NS NAME VALUE: write net.tcp_lab.NAME in NS.
sc_set() {
	ns_write "$1" "$SC_SYSCTL/$2" "$3"
}

# sc_snap NS: remember NS's counters; sc_delta NS NAME: growth since then.
sc_snap() {
	ns_read "$1" /proc/net/tcp_lab >"$SC_TMP/snap.${1:-init}"
}

# sc_moved NS: "name +delta" for every counter that moved since sc_snap.
sc_moved() {
	ns_read "$1" /proc/net/tcp_lab | awk 'NR == FNR { a[$1] = $2; next }
		$2 != a[$1] { printf "%s +%d ", $1, $2 - a[$1] }' "$SC_TMP/snap.${1:-init}" -
}

sc_delta() {
	local now was
	now=$(counter "$1" "$2") || return 1
	was=$(awk -v n="$2" '$1 == n { print $2 }' "$SC_TMP/snap.${1:-init}")
	echo $((now - ${was:-0}))
}

# sc_listening NS PORT
sc_listening() {
	ip netns exec "$1" ss -tlnH "sport = :$2" | grep -q .
}

# sc_server NS ADDR PORT [BACKLOG]: a digest server in the background; its
# "served=N" lands in $SC_TMP/served.PORT when it is stopped.
sc_server() {
	bg_in "$1" python3 "$SC_PEER" server "$2" "$3" --backlog "${4:-128}" \
		>"$SC_TMP/served.$3" 2>&1
	wait_for 10 sc_listening "$1" "$3"
}

# sc_send NS ADDR PORT [ARGS...]: one verified transfer, told as a diag.
sc_send() {
	local ns=$1 addr=$2 port=$3 out rc
	shift 3
	out=$(ip netns exec "$ns" python3 "$SC_PEER" send "$addr" "$port" "$@" 2>&1)
	rc=$?
	diag "$out"
	return $rc
}

# sc_ss_opts NS FILTER: the first established connection matching FILTER
# as "ts=0|1 sack=0|1 ecn=0|1 wscale=SND,RCV|- mss=N" (ss prints ts, sack
# and ecn only with -o).
sc_ss_opts() {
	ip netns exec "$1" ss -tinoH state established "$2" | awk '
		/ (ts|sack|wscale:|mss:)/ || /^\t/ {
			ts = sack = ecn = 0; ws = "-"; mss = "-"
			for (i = 1; i <= NF; i++) {
				if ($i == "ts") ts = 1
				if ($i == "sack") sack = 1
				if ($i == "ecn") ecn = 1
				if ($i ~ /^wscale:/) ws = substr($i, 8)
				if ($i ~ /^mss:/) mss = substr($i, 5)
			}
			if (mss != "-") {
				printf "ts=%d sack=%d ecn=%d wscale=%s mss=%s\n",
				       ts, sack, ecn, ws, mss
				exit
			}
		}'
}

# sc_syn_recv NS [PORT]: request socks in NS's SYN queues (of PORT's).
# ss's syn-recv also lists a child a cookie ACK just created, until that
# ACK has moved it to ESTABLISHED (long enough to be seen on a debug
# kernel); only a request sock has its SYN-ACK timer on.
sc_syn_recv() {
	ip netns exec "$1" ss -tnoH state syn-recv ${2:+"sport = :$2"} | sc_count_reqs
}

# sc_count_reqs: the request socks in `ss -tnoH state syn-recv` output.
sc_count_reqs() {
	awk '/timer:\(on,/ { n++ } END { print n + 0 }'
}

# sc_syns_add_up NS: every SYN the hook saw was answered, passed (with a
# reason) or dropped.
sc_syns_add_up() {
	ns_read "$1" /proc/net/tcp_lab | awk '
		$1 == "syncookie_syn_seen" { seen = $2 }
		$1 == "syncookie_synack_sent" || $1 == "syncookie_syn_dropped" ||
		$1 ~ /^syncookie_syn_pass_/ { sum += $2 }
		END {
			printf "# syn_seen %d, answered + passed + dropped %d\n", seen, sum
			exit seen != sum
		}'
}

# sc_flood_topology: namespaces $CLI (10.0.1.1), $ATK (10.0.2.1) and $SRV
# (10.0.1.2 towards CLI on s0, 10.0.2.2 towards ATK on s1), named apart
# from any a caller made already. SYN-ACKs to spoofed sources follow SRV's
# default route back to ATK, which does not forward them.
sc_flood_topology() {
	local l n d
	ns_create SC_CLI SC_SRV SC_ATK || return 1
	CLI=$SC_CLI SRV=$SC_SRV ATK=$SC_ATK
	ip link add c0 netns "$CLI" type veth peer name s0 netns "$SRV"
	ip link add a0 netns "$ATK" type veth peer name s1 netns "$SRV"
	ip -n "$CLI" addr add 10.0.1.1/24 dev c0
	ip -n "$SRV" addr add 10.0.1.2/24 dev s0
	ip -n "$ATK" addr add 10.0.2.1/24 dev a0
	ip -n "$SRV" addr add 10.0.2.2/24 dev s1
	for l in "$CLI c0" "$SRV s0" "$ATK a0" "$SRV s1"; do
		read -r n d <<<"$l"
		ip -n "$n" link set "$d" up
	done
	ip -n "$SRV" route add default via 10.0.2.1
}

# sc_flood_start FLAGS PORT [GAP]: hping3 from ATK with random sources, one
# packet every GAP (hping3 -i), or as fast as it can with GAP "flood".
sc_flood_start() {
	local rate=(-i "${3:-u500}")
	[ "${3:-}" = flood ] && rate=(--flood)
	bg_in "$ATK" hping3 "-$1" -p "$2" "${rate[@]}" --rand-source -q \
		10.0.2.2 >/dev/null 2>&1
	_sc_flood_pid=${_lab_pids[-1]}
}

sc_flood_stop() {
	kill "$_sc_flood_pid" 2>/dev/null
	wait "$_sc_flood_pid" 2>/dev/null
}

# sc_tx_packets NS DEV
sc_tx_packets() {
	ip -n "$1" -s link show "$2" | awk '/TX:/ { getline; print $2 }'
}

# sc_measure NAME PORT [GAP] [COUNT] [BACKLOG]: COUNT (200) legitimate
# connections from CLI, one every 10 ms with 1 s each to get their data
# through, while ATK floods PORT. Results in $SC_TMP/NAME.*: out (the
# burst's "ok= total= p50_ms= p99_ms="), pps (SYNs offered per second),
# synack_pps (packets SRV sent back towards ATK per second), synrecv
# (PORT's request socks, sampled during the flood).
sc_measure() {
	local name=$1 port=$2 gap=${3:-u500} count=${4:-200} t0 t1 i
	local tx0 tx1 back0 back1 burst
	sc_server "$SRV" 0.0.0.0 "$port" "${5:-16}"
	tx0=$(sc_tx_packets "$ATK" a0)
	back0=$(sc_tx_packets "$SRV" s1)
	t0=$EPOCHREALTIME
	sc_flood_start S "$port" "$gap"
	sleep 1	# let the flood fill what it can
	ip netns exec "$CLI" python3 "$SC_PEER" burst 10.0.1.2 "$port" \
		--count "$count" --interval 0.01 --timeout 1 >"$SC_TMP/$name.out" &
	burst=$!
	: >"$SC_TMP/$name.synrecv_socks"
	for i in 1 2 3 4; do
		ip netns exec "$SRV" ss -tnoH state syn-recv "sport = :$port" |
			tee -a "$SC_TMP/$name.synrecv_socks" | sc_count_reqs
		sleep 0.5
	done >"$SC_TMP/$name.synrecv"
	wait $burst
	sc_flood_stop
	t1=$EPOCHREALTIME
	tx1=$(sc_tx_packets "$ATK" a0)
	back1=$(sc_tx_packets "$SRV" s1)
	awk -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	    -v n=$((tx1 - tx0)) -v m=$((back1 - back0)) \
		'BEGIN { printf "%d\n", n / t > "/dev/stdout"; printf "%d\n", m / t > "/dev/stderr" }' \
		>"$SC_TMP/$name.pps" 2>"$SC_TMP/$name.synack_pps"
}

# sc_result NAME FIELD: ok, total, p50_ms or p99_ms from a measurement;
# sc_success_pct NAME: ok / total in percent, one decimal.
sc_result() {
	tr ' ' '\n' <"$SC_TMP/$1.out" | awk -F= -v f="$2" '$1 == f { print $2 }'
}

sc_success_pct() {
	awk -v ok="$(sc_result "$1" ok)" -v n="$(sc_result "$1" total)" \
		'BEGIN { printf "%.1f\n", n ? 100 * ok / n : 0 }'
}
