#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lab_cubic's three slow-start exits (net.tcp_lab.cubic_hystart) each end
# slow start the way they claim, seen three ways at once: the namespace's
# cubic_ss_exit_* counters, the tcp_lab:lab_cc trace (its ss_exit event and
# field) and the sender's TCP_CC_INFO. On a sender -> router -> receiver
# path of 10 Mbit/s, 40 ms and a 1000-packet buffer (30 BDP), where a
# detector has the room to act long before the queue overflows:
#
#   2  HyStart (tcp_cubic.c's): its ACK-train or delay detector, at about
#      one BDP, no loss first; the HyStart++ settings (here set to exit at
#      once) play no part
#   1  HyStart++: the RTT rises, CSS runs its rounds, slow start ends by
#      CSS; with cubic_hspp_css_rounds=2 after 2 rounds, even when the
#      sysctl changes once the connection has started (a snapshot)
#   0  nothing but a loss (fast recovery or a timeout) ends it
#
# Swapping any two modes fails a case. The HyStart++ settings reject values
# out of their ranges.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip tc python3 ethtool
require_tracefs
require_module

EXITS="loss rto ack_train delay css ssthresh"

path() {	# path: fresh namespaces, the sink listening
	ns_create SND RTR RCV
	dumbbell "$SND" "$RTR" "$RCV" 10 40 1000 || return 1
	ns_write "$SND" /proc/sys/net/ipv4/tcp_no_metrics_save 1
	bg_in "$RCV" python3 "$LAB_DIR/ssflow.py" sink 5001
	wait_listening "$RCV" 5001
}

# run NAME MODE BYTES [SETTING VALUE]: one traced lab_cubic transfer in a
# fresh path with cubic_hystart=MODE and the settings in PRE ("name=value"
# words) written before it; SETTING is written once it is connected.
# Leaves $LAB_TMP/NAME.{json,out,counters}.
PRE=""
run() {
	local name=$1 mode=$2 bytes=$3 c kv
	shift 3
	path || return 1
	lab_set "$SND" cubic_hystart "$mode" || return 1
	for kv in $PRE; do
		lab_set "$SND" "${kv%%=*}" "${kv#*=}" || return 1
	done
	trace_start tcp_lab/lab_cc || return 1
	ip netns exec "$SND" python3 "$LAB_DIR/ssflow.py" send 10.0.4.2 5001 \
		lab_cubic "$bytes" "$@" >"$LAB_TMP/$name.json"
	trace_stop "$LAB_TMP/$name.trace"
	python3 "$LAB_DIR/cc_trace.py" ssexit "$LAB_TMP/$name.trace" >"$LAB_TMP/$name.out"
	: >"$LAB_TMP/$name.counters"
	for c in $EXITS; do
		echo "$c $(counter "$SND" "cubic_ss_exit_$c")" >>"$LAB_TMP/$name.counters"
	done
	for c in hystart_css_entries hystart_ss_exits cc_undos; do
		echo "$c $(counter "$SND" $c)" >>"$LAB_TMP/$name.counters"
	done
	grep '^#' "$LAB_TMP/$name.out"
	diag "$name: $(cat "$LAB_TMP/$name.json")"
	diag "$name: counters $(tr '\n' ' ' <"$LAB_TMP/$name.counters")"
	diag "$name: bottleneck $(tc -n "$RTR" -s qdisc show dev r1 | grep -o 'dropped [0-9]*' | head -1)"
	ns_reset
}

val() {		# val NAME KEY: a line "KEY value" of NAME's .out or .counters
	awk -v k="$2" '$1 == k { print $2 }' "$LAB_TMP/$1.out" "$LAB_TMP/$1.counters"
}

info() {	# info NAME FIELD: from TCP_CC_INFO as ssflow.py split it
	python3 -c 'import json, sys
i = json.load(open(sys.argv[1]))["cc_info"]
print(i[sys.argv[2]] if i else -1)' "$LAB_TMP/$1.json" "$2"
}

# exited_by NAME REASONS...: slow start ended by one of REASONS, as the
# counters, the trace and TCP_CC_INFO all say. A loss the kernel later
# undid (spurious: a TCG guest's timing makes some) reopens slow start, so
# it may count a loss or timeout too, then the exit that really ended it.
exited_by() {
	local name=$1 r n sum=0 last code
	shift
	for r in $EXITS; do
		n=$(val "$name" "$r")
		sum=$((sum + ${n:-0}))
		[ "${n:-0}" = 0 ] && continue
		[[ " $* " == *" $r "* ]] && continue
		if [[ $r == loss || $r == rto ]] && [ "$(val "$name" cc_undos)" -gt 0 ]; then
			continue
		fi
		diag "$name: $n exits by $r counted, want $*"
		return 1
	done
	if [ "$sum" = 0 ] || [ "$sum" != "$(val "$name" exits)" ]; then
		diag "$name: $sum exits counted, $(val "$name" exits) traced"
		return 1
	fi
	last=$(val "$name" reason)
	[[ " $* " == *" $last "* ]] || { diag "$name: ended by $last, want $*"; return 1; }
	# enum tcp_lab_ss_exit
	code=$(echo "$EXITS" | tr ' ' '\n' | grep -nx "$last" | cut -d: -f1)
	[ "$(info "$name" ss_exit)" = "$code" ] ||
		{ diag "$name: TCP_CC_INFO says exit $(info "$name" ss_exit), want $code"; return 1; }
}

knobs_range() {	# every HyStart++ setting: both bounds taken, one past refused
	local e name lo hi v
	ns_create K
	for e in "${LAB_SYSCTLS[@]}"; do
		read -r name _ lo hi <<<"$e"
		[[ $name == cubic_hystart || $name == cubic_hspp_* ]] || continue
		for v in "$lo" "$hi"; do
			if ! lab_set "$K" "$name" "$v" ||
			   [ "$(lab_get "$K" "$name")" != "$v" ]; then
				diag "$name refused $v"
				return 1
			fi
		done
		for v in $((lo - 1)) $((hi + 1)); do
			if lab_set "$K" "$name" "$v" ||
			   [ "$(lab_get "$K" "$name")" != "$hi" ]; then
				diag "$name took $v"
				return 1
			fi
		done
	done
}

dmesg_mark
ktap_plan 9
check "hspp_settings_reject_out_of_range" knobs_range
ns_reset

# Mode 2 with HyStart++ set to leave at once: any RTT that does not fall
# enters CSS, one round ends it. Were mode 2 running HyStart++, it would
# exit by css.
PRE="cubic_hspp_min_rtt_thresh_us=0 cubic_hspp_max_rtt_thresh_us=0 cubic_hspp_css_rounds=1"
run hs 2 6000000
PRE=""
check "mode2_exits_by_ack_train_or_delay" exited_by hs ack_train delay
check "mode2_no_css_no_loss_first" test "$(val hs css_entries)" = 0 -a \
	"$(val hs hystart_css_entries)" = 0 -a \
	"$(val hs hystart_exit_before_loss)" = 1 -a "$(info hs hystart)" = 2

run pp 1 6000000
check "mode1_exits_by_css_rounds" exited_by pp css
check "mode1_css_entered_no_loss_first" test "$(val pp hystart_css_entries)" -ge 1 -a \
	"$(val pp hystart_ss_exits)" = 1 -a \
	"$(val pp hystart_exit_before_loss)" = 1 -a \
	"$(info pp css_rounds)" = 5 -a "$(info pp hystart)" = 1

# CSS_ROUNDS 2 when the connection starts, 255 once it is running: it
# keeps the 2 it started with.
PRE="cubic_hspp_css_rounds=2"
run pp2 1 3000000 "$LAB_SYSCTL/cubic_hspp_css_rounds" 255
PRE=""
check "mode1_css_rounds_setting_snapshot_at_start" test \
	"$(val pp2 css)" = 1 -a "$(info pp2 css_rounds)" = 2

run plain 0 6000000
check "mode0_exits_by_loss_only" exited_by plain loss rto
check "mode0_no_hystart" test "$(val plain hystart_css_entries)" = 0 -a \
	"$(val plain css_entries)" = 0 -a "$(info plain hystart)" = 0

check "no_kernel_warnings" no_kernel_warnings
ktap_finished
