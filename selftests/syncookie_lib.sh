#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the SYN-cookie selftests, sourced after lib.sh: the
# digest peers, `ss -ti` options, the SYN queue, the flood.

SC_PEER="$LAB_DIR/syncookie_peer.py"

# sc_pin_static_keys: pin_static_keys (lib.sh), and our own hooks on in the
# pin namespace too, so that a test's namespaces turning the module's hooks
# on and off never makes them the first or last at their hook points.
sc_pin_static_keys() {
	pin_static_keys || return 1
	lab_set "$PIN_NS" syncookie_mode 2
	sleep 0.5
}

# sc_server NS ADDR PORT [BACKLOG]: a digest server in the background; its
# "served=N" lands in $LAB_TMP/served.PORT when it is stopped.
sc_server() {
	bg_in "$1" python3 "$SC_PEER" server "$2" "$3" --backlog "${4:-128}" \
		>"$LAB_TMP/served.$3" 2>&1
	wait_listening "$1" "$3"
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

# sc_measure NAME PORT [GAP] [COUNT] [BACKLOG]: COUNT (200) legitimate
# connections from CLI, one every 10 ms with 1 s each to get their data
# through, while ATK floods PORT. Results in $LAB_TMP/NAME.*: out (the
# burst's "ok= total= p50_ms= p99_ms="), pps (SYNs offered per second),
# synack_pps (packets SRV sent back towards ATK per second), synrecv
# (PORT's request socks, sampled during the flood).
sc_measure() {
	local name=$1 port=$2 gap=${3:-u500} count=${4:-200} t0 t1 i
	local tx0 tx1 back0 back1 burst
	sc_server "$SRV" 0.0.0.0 "$port" "${5:-16}"
	tx0=$(tx_packets "$ATK" a0)
	back0=$(tx_packets "$SRV" s1)
	t0=$EPOCHREALTIME
	sc_flood_start S "$port" "$gap"
	sleep 1	# let the flood fill what it can
	ip netns exec "$CLI" python3 "$SC_PEER" burst 10.0.1.2 "$port" \
		--count "$count" --interval 0.01 --timeout 1 >"$LAB_TMP/$name.out" &
	burst=$!
	: >"$LAB_TMP/$name.synrecv_socks"
	for i in 1 2 3 4; do
		ip netns exec "$SRV" ss -tnoH state syn-recv "sport = :$port" |
			tee -a "$LAB_TMP/$name.synrecv_socks" | sc_count_reqs
		sleep 0.5
	done >"$LAB_TMP/$name.synrecv"
	wait $burst
	sc_flood_stop
	t1=$EPOCHREALTIME
	tx1=$(tx_packets "$ATK" a0)
	back1=$(tx_packets "$SRV" s1)
	awk -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	    -v n=$((tx1 - tx0)) -v m=$((back1 - back0)) \
		'BEGIN { printf "%d\n", n / t > "/dev/stdout"; printf "%d\n", m / t > "/dev/stderr" }' \
		>"$LAB_TMP/$name.pps" 2>"$LAB_TMP/$name.synack_pps"
}

# sc_result NAME FIELD: ok, total, p50_ms or p99_ms from a measurement;
# sc_success_pct NAME: ok / total in percent, one decimal.
sc_result() {
	tr ' ' '\n' <"$LAB_TMP/$1.out" | awk -F= -v f="$2" '$1 == f { print $2 }'
}

sc_success_pct() {
	awk -v ok="$(sc_result "$1" ok)" -v n="$(sc_result "$1" total)" \
		'BEGIN { printf "%.1f\n", n ? 100 * ok / n : 0 }'
}
