#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SYN floods against three defences of the same local listener, in one VM
# session under the same hping3 floods: the kernel's cookies
# (net.ipv4.tcp_syncookies=2), nft SYNPROXY (the rules of the kernel's
# nft_synproxy.sh selftest, on the input hook because the server is local)
# and the tcp_lab hook in mode 2. A client makes legitimate connections
# during each flood, one every 10 ms with 1 s each to get data through.
#
# Then the hook's cost on established traffic: iperf3 goodput with the
# module unloaded, loaded with the hook off, and with the hook protecting
# iperf3's port, runs interleaved so that drift in the VM's speed hits all
# three alike; TCG makes single runs vary by 10 % and more, so medians.
#
# /tmp/out/syncookie.csv: one row per defence and flood rate.
# /tmp/out/syncookie_goodput.csv: one row per configuration.
source /tcplab/selftests/lib.sh
source /tcplab/selftests/syncookie_lib.sh

csv=/tmp/out/syncookie.csv
gp_csv=/tmp/out/syncookie_goodput.csv
kernel=$(uname -r)
ko=${TCPLAB_KO:-/tcplab/tcp_lab.ko}

if [ -n "${QUICK:-}" ]; then
	gaps=(flood)
	conns=100
	runs=5
else
	gaps=(u1000 u200 flood)
	conns=200
	runs=9
fi

defence_on() {	# defence_on NAME PORT
	case $1 in
	kernel_cookies)
		ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=2
		;;
	synproxy)
		ip netns exec "$SRV" nft -f - <<-EOF || return 1
		table inet lab_synproxy {
			chain prerouting {
				type filter hook prerouting priority -300; policy accept;
				tcp dport $2 tcp flags syn notrack
			}
			chain input {
				type filter hook input priority 0; policy accept;
				ct state established accept
				tcp dport $2 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
				ct state invalid drop
			}
		}
		EOF
		ip netns exec "$SRV" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
		;;
	hook)
		lab_set "$SRV" syncookie_ports "$2"
		lab_set "$SRV" syncookie_mode 2
		;;
	esac
}

defence_off() {
	ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
	ip netns exec "$SRV" nft delete table inet lab_synproxy 2>/dev/null
	lab_set "$SRV" syncookie_mode 0
}

sc_pin_static_keys
ns_create CLI SRV ATK || exit 1
flood_topology "$CLI" "$SRV" "$ATK" || exit 1
echo "kernel,defense,flood_pps_offered,synack_pps,legit_success_pct,connect_p50_ms,connect_p99_ms" >"$csv"
port=8000
order=(kernel_cookies synproxy hook)
for gap in "${gaps[@]}"; do
	for d in "${order[@]}"; do
		port=$((port + 1))
		if ! defence_on "$d" "$port"; then
			echo "$d: could not be set up; skipped"
			defence_off
			continue
		fi
		sc_measure "$d-$gap" "$port" "$gap" "$conns" 64
		defence_off
		printf '%s,%s,%s,%s,%s,%s,%s\n' "$kernel" "$d" \
			"$(cat "$LAB_TMP/$d-$gap.pps")" \
			"$(cat "$LAB_TMP/$d-$gap.synack_pps")" \
			"$(sc_success_pct "$d-$gap")" \
			"$(sc_result "$d-$gap" p50_ms)" \
			"$(sc_result "$d-$gap" p99_ms)" >>"$csv"
	done
	# Rotate, so that no defence always follows the same one.
	order=("${order[@]:1}" "${order[0]}")
done
cat "$csv"

# Goodput: iperf3 CLI -> SRV, 3 s per run.
goodput() {
	ip netns exec "$CLI" iperf3 -c 10.0.1.2 -t 3 -J 2>/dev/null |
		python3 -c 'import json, sys
print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)'
}

config() {	# config unloaded|loaded|hook
	case $1 in
	unloaded)
		[ -e /proc/net/tcp_lab ] && rmmod tcp_lab
		;;
	loaded|hook)
		[ -e /proc/net/tcp_lab ] || insmod "$ko"
		lab_set "$SRV" syncookie_ports 5201
		lab_set "$SRV" syncookie_mode "$([ "$1" = hook ] && echo 2 || echo 0)"
		;;
	esac
}

bg_in "$SRV" iperf3 -s -B 10.0.1.2 >/dev/null 2>&1
wait_listening "$SRV" 5201
for r in $(seq "$runs"); do
	for c in unloaded loaded hook; do
		config "$c"
		echo "$c $(goodput)" >>"$LAB_TMP/goodput"
	done
done
config loaded
lab_set "$SRV" syncookie_mode 0
echo "kernel,config,runs,goodput_mbit_median,goodput_mbit_min,goodput_mbit_max,cost_pct_vs_unloaded" >"$gp_csv"
for c in unloaded loaded hook; do
	awk -v c="$c" '$1 == c { print $2 }' "$LAB_TMP/goodput" | sort -g |
		awk '{ v[NR] = $1 } END { print NR, v[int((NR + 1) / 2)], v[1], v[NR] }'
done | paste -d' ' - - - | awk -v k="$kernel" '{
	base = $2
	split("unloaded loaded hook", name)
	for (i = 0; i < 3; i++)
		printf "%s,%s,%d,%.0f,%.0f,%.0f,%.2f\n", k, name[i + 1], $(4 * i + 1),
			$(4 * i + 2), $(4 * i + 3), $(4 * i + 4),
			100 * (base - $(4 * i + 2)) / base
}' >>"$gp_csv"
cat "$gp_csv"
