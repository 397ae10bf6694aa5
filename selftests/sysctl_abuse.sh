#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every net.tcp_lab.* entry (found at run time, so new ones are covered)
# written with garbage, negative, huge, empty, whitespace and overlong
# values, and syncookie_ports with malformed and huge lists: each write is
# either refused, leaving the old value, or stored within the entry's
# bounds; every read gives a well-formed value; long port lists read back
# whole in small pieces. Then random writers in two namespaces at once while
# a lab_cubic flow runs between them. No kernel warning.
source "$(dirname "$0")/lib.sh"

D=$LAB_SYSCTL
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# Bounds README.md documents (lib.sh); entries not listed are only checked
# to read back as one integer (or, for *_ports, as a port list).
declare -A LO HI
for e in "${LAB_SYSCTLS[@]}"; do
	read -r name _ lo hi <<<"$e"
	LO[$name]=$lo HI[$name]=$hi
done

# valid_ports TEXT: a list as the kernel prints it, on one line: ascending,
# disjoint, non-adjacent ports and ranges within 0..65535.
valid_ports() {
	printf '%s\n' "$1" | awk '
		NR > 1 { bad = 1; exit }
		$0 != "" {
			n = split($0, t, ",")
			prev = -2
			for (i = 1; i <= n; i++) {
				if (t[i] !~ /^[0-9]+(-[0-9]+)?$/) { bad = 1; exit }
				m = split(t[i], ab, "-")
				a = ab[1] + 0; b = (m == 2) ? ab[2] + 0 : a
				if (a <= prev + 1 || b < a || (m == 2 && b == a) ||
				    b > 65535) { bad = 1; exit }
				prev = b
			}
		}
		END { exit bad }'
}

# valid NAME TEXT: TEXT is what NAME may read back.
valid() {
	local name=$1 v=$2
	case $name in
	*_ports) valid_ports "$v"; return ;;
	esac
	[[ $v =~ ^-?[0-9]+$ ]] || return 1
	[ -z "${LO[$name]:-}" ] && return 0
	[ "$v" -ge "${LO[$name]}" ] && [ "$v" -le "${HI[$name]}" ]
}

# Inside one namespace: write every value to every entry. Prints
# "tried N rejected N bad N" and a line per bad write.
inner_loop() {
	local big64 sp64 name f before after rc v tried=0 rejected=0 bad=0
	local -a ints ports
	big64=$(printf '%065536d' 1)
	sp64=$(printf '%65536s' '')
	ints=(abc 0x 1a --1 + 1.5 $'\xd9\xa3' - '' ' ' $'\n' $'\t\t' '  7  '
	      '7 junk' '1 2' 0x10 010 -1 -0 -2147483648 -2147483649
	      -9223372036854775808 2147483647 2147483648 4294967296
	      9223372036854775807 9223372036854775808 18446744073709551616
	      1000000000000000000000000000000 "$big64" "${sp64}1" "1${sp64}")
	ports=(80 '80,443,8000-8100' '100-90' 65536 65535 '1-' '-1' ',,' ','
	       '80,,81' '80,' ' 80' '80 ' '1-2-3' '0-65535' '0-65536' 'a-b'
	       '18446744073709551617' '80,80,79-81' '5,3,1' $'80\n81' $'\n'
	       '' '8080-8080' "$big64" "$sp64")
	for f in "$D"/*; do
		name=${f##*/}
		if [[ $name == *_ports ]]; then
			set -- "${ports[@]}"
		else
			set -- "${ints[@]}"
			if [ -n "${LO[$name]:-}" ]; then
				set -- "$@" $((LO[$name] - 1)) $((HI[$name] + 1))
			fi
		fi
		for v in "$@"; do
			before=$(cat "$f")
			{ printf '%s' "$v" >"$f"; } 2>/dev/null
			rc=$?
			after=$(cat "$f")
			tried=$((tried + 1))
			[ $rc != 0 ] && rejected=$((rejected + 1))
			if ! valid "$name" "$after" ||
			   { [ $rc != 0 ] && [ "$after" != "$before" ]; }; then
				bad=$((bad + 1))
				echo "bad: $name <- '${v:0:40}' (${#v} bytes) rc=$rc" \
				     "before='${before:0:40}' after='${after:0:40}'"
			fi
		done
		# Documented bounds: both ends taken and read back as written.
		if [ -n "${LO[$name]:-}" ]; then
			for v in "${LO[$name]}" "${HI[$name]}"; do
				tried=$((tried + 1))
				{ printf '%s' "$v" >"$f"; } 2>/dev/null &&
					[ "$(cat "$f")" = "$v" ] && continue
				bad=$((bad + 1))
				echo "bad: $name refused or changed its bound $v"
			done
		fi
	done
	echo "tried $tried rejected $rejected bad $bad"
}

# Random writers: for SECONDS, random values into random entries.
inner_random() {
	local end=$(( $(date +%s) + $1 )) f vals n=0
	local -a files
	files=("$D"/*)
	vals=(0 1 2 -1 16 100 4096 65536 2147483648 x '' '80,443' '1-65535'
	      '9-1' 717 1023 3600 60000 1000 3)
	while [ "$(date +%s)" -lt "$end" ]; do
		f=${files[RANDOM % ${#files[@]}]}
		{ printf '%s' "${vals[RANDOM % ${#vals[@]}]}" >"$f"; } 2>/dev/null
		n=$((n + 1))
	done
	echo "$n"
}

case ${1:-} in
inner-loop) inner_loop; exit 0 ;;
inner-random) inner_random "$2"; exit 0 ;;
esac

require_root
require_cmd ip awk python3 dd seq
require_module

# all_valid NS: every entry of NS reads back valid.
all_valid() {
	local f rc=0
	for f in $(ip netns exec "$1" sh -c "ls $D"); do
		valid "$f" "$(ns_read "$1" "$D/$f")" || {
			diag "$1 $f: '$(ns_read "$1" "$D/$f" | head -c 60)'"
			rc=1
		}
	done
	return $rc
}

ktap_plan 9
dmesg_mark
init_before=$(grep -r . "$D" | sort)
ns_create A B
veth_pair "$A" 10.0.9.1/24 "$B" 10.0.9.2/24 || skip_all "cannot create veth"

entries=$(ip netns exec "$A" ls "$D" | wc -l)
diag "$entries entries under net.tcp_lab"
out=$(ip netns exec "$A" bash "$SELF" inner-loop)
diag "$(echo "$out" | head -n 20)"
read -r _ tried _ rejected _ bad <<<"$(echo "$out" | tail -n 1)"
diag "sysctl writes tried $tried, rejected $rejected, bad $bad"
check "every_entry_written_with_every_value" \
	test "${tried:-0}" -ge $((entries * 25))
check "each_write_refused_unchanged_or_stored_in_bounds" test "${bad:-1}" = 0
check "garbage_refused" test "${rejected:-0}" -ge $((entries * 15))

# Long lists: written with one write() (the kernel takes a page at a
# time, the writer sends the rest), read back in 1 KiB reads.
write_whole() {	# write_whole NS FILE < TEXT
	ip netns exec "$1" python3 -c 'import os, sys
d = sys.stdin.buffer.read()
fd = os.open(sys.argv[1], os.O_WRONLY)
while d:
    d = d[os.write(fd, d):]' "$2"
}
ports_roundtrip() {
	local ns=$1 list=$2 got
	write_whole "$ns" "$D/syncookie_ports" <<<"$list" || { diag "write refused"; return 1; }
	got=$(ip netns exec "$ns" dd if="$D/syncookie_ports" bs=1024 2>/dev/null)
	[ "$got" = "$list" ] && return 0
	diag "${#list} bytes written, ${#got} read back, ending '${got: -20}'"
	return 1
}
l3000=$(seq -s, 1 2 5999)
check "port_list_of_3000_reads_back_whole" ports_roundtrip "$A" "$l3000"
leven=$(seq -s, 0 2 65534)
check "every_even_port_reads_back_whole" ports_roundtrip "$A" "$leven"
# A bad token at the end of a list within a page leaves the old list.
bad_tail() {
	ns_write "$A" "$D/syncookie_ports" "80" || return 1
	! write_whole "$A" "$D/syncookie_ports" <<<"$(seq -s, 1000 1 1600),99999" \
		2>/dev/null &&
	[ "$(ns_read "$A" "$D/syncookie_ports")" = 80 ]
}
check "bad_list_keeps_the_old_one" bad_tail

# Random writers in A and B while a lab_cubic flow runs from A to B.
ns_write "$A" /proc/sys/net/ipv4/tcp_congestion_control lab_cubic
flow_ok=skip
if command -v iperf3 >/dev/null; then
	bg_in "$B" iperf3 -s -1 -B 10.0.9.2 >/dev/null 2>&1
	sleep 1
	ip netns exec "$A" iperf3 -c 10.0.9.2 -t 8 -C lab_cubic >"/tmp/abuse-iperf.$$" 2>&1 &
	flow=$!
fi
ip netns exec "$A" bash "$SELF" inner-random 8 >"/tmp/abuse-a.$$" &
wa=$!
ip netns exec "$B" bash "$SELF" inner-random 8 >"/tmp/abuse-b.$$"
wait $wa
if [ -n "${flow:-}" ]; then
	wait "$flow" && flow_ok=ok || flow_ok=fail
	diag "$(grep -E 'sender|receiver' "/tmp/abuse-iperf.$$")"
fi
diag "random writes: A $(cat /tmp/abuse-a.$$), B $(cat /tmp/abuse-b.$$)"
rm -f /tmp/abuse-*.$$
if [ "$flow_ok" = skip ]; then
	ktap_skip "lab_cubic_flow_survives_concurrent_writers" "iperf3 not installed"
else
	check "lab_cubic_flow_survives_concurrent_writers" test "$flow_ok" = ok
fi
both_valid() { all_valid "$A" && all_valid "$B"; }
check "all_values_valid_after_concurrent_writers" both_valid
check "init_net_untouched_and_no_kernel_warnings" \
	bash -c '[ "$1" = "$(grep -r . '"$D"' | sort)" ] && ! dmesg | tail -n +$2 |
		grep -E "WARNING:|BUG:|Oops|general protection|Call Trace"' \
	_ "$init_before" "$((_lab_dmesg_lines + 1))"
ktap_finished
