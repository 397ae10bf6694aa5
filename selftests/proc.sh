#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/net/tcp_lab exists in every namespace, is read-only, lists every
# counter as "name value", and starts from zero in a new namespace.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip awk
require_module

COUNTERS="cc_init cc_loss_reductions cc_undos
	hystart_css_entries hystart_css_returns hystart_ss_exits
	syncookie_syn_seen syncookie_synack_sent syncookie_syn_pass_unprotected
	syncookie_syn_pass_not_local syncookie_syn_pass_malformed
	syncookie_syn_pass_signed syncookie_syn_pass_kernel_off
	syncookie_syn_pass_existing syncookie_syn_pass_no_listener
	syncookie_syn_pass_below_threshold syncookie_syn_pass_acceptq_full
	syncookie_syn_pass_error syncookie_syn_dropped syncookie_ack_valid
	syncookie_ack_invalid syncookie_ack_invalid_dropped syncookie_established
	syncookie_malformed syncookie_fragments
	tw_syn tw_rst tw_fin tw_ack tw_data
	tw_fw2_syn tw_fw2_rst tw_fw2_fin tw_fw2_ack tw_fw2_data
	tw_rst_dropped tw_recycle_dropped tw_recycle_learned tw_recycle_evicted
	tw_recycle_full tw_timeout_killed tw_csum_errors
	cubic_ss_exit_loss cubic_ss_exit_rto
	cubic_ss_exit_ack_train cubic_ss_exit_delay cubic_ss_exit_css
	cubic_ss_exit_ssthresh
	tw_count tw_recycle_peers"

well_formed() {
	local ns=$1 text c
	text=$(ns_read "$ns" /proc/net/tcp_lab) || return 1
	# Every line is a name and a decimal number, nothing else.
	echo "$text" | awk 'NF != 2 || $2 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' ||
		{ diag "malformed line in '${ns:-init_net}'"; return 1; }
	for c in $COUNTERS; do
		echo "$text" | grep -q "^$c [0-9]*$" || { diag "$c missing"; return 1; }
	done
}

all_zero() {
	local c v
	for c in $COUNTERS; do
		v=$(counter "$1" "$c") || return 1
		[ "$v" = 0 ] || { diag "$c=$v in fresh netns"; return 1; }
	done
}

read_only() {
	[ "$(stat -c %a /proc/net/tcp_lab)" = 444 ] &&
		! ns_write "$N1" /proc/net/tcp_lab "x"
}

many_namespaces() {
	local i ns
	for i in $(seq 10); do
		ns="lab-proc-$$-$i"
		ip netns add "$ns" || return 1
		ip netns exec "$ns" cat /proc/net/tcp_lab >/dev/null
		local rc=$?
		ip netns del "$ns"
		[ $rc = 0 ] || return 1
	done
}

ktap_plan 5
check "readable_in_init_net" well_formed ""
ns_create N1 N2
check "readable_in_child_netns" well_formed "$N1"
check "zero_in_fresh_netns" all_zero "$N2"
check "read_only" read_only
check "created_and_removed_with_10_netns" many_namespaces
ktap_finished
