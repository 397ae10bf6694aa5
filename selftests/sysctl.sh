#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# net.tcp_lab.* exists in every namespace with its defaults, is private to
# each namespace, and rejects out-of-range and malformed writes with an
# error, keeping the old value.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip
require_module

D=$LAB_SYSCTL

all_defaults() {
	local ns=$1 e name def v
	for e in "${LAB_SYSCTLS[@]}"; do
		read -r name def _ _ <<<"$e"
		v=$(ns_read "$ns" "$D/$name") || { diag "$name missing in '${ns:-init_net}'"; return 1; }
		[ "$v" = "$def" ] || { diag "$name=$v, want $def in '${ns:-init_net}'"; return 1; }
	done
}

no_leak() {
	ns_write "$A" "$D/reno_beta" 717 || return 1
	ns_write "$A" "$D/init_ssthresh" 33 || return 1
	[ "$(ns_read "$A" "$D/reno_beta")" = 717 ] &&
	[ "$(ns_read "$A" "$D/init_ssthresh")" = 33 ] &&
	[ "$(ns_read "$B" "$D/reno_beta")" = 512 ] &&
	[ "$(ns_read "$B" "$D/init_ssthresh")" = 0 ] &&
	[ "$(ns_read "" "$D/reno_beta")" = "$init_beta" ]
}

# reject NAME VALUE: the write fails and the value stays what it was.
reject() {
	local name=$1 val=$2 before after
	before=$(ns_read "$B" "$D/$name")
	if ns_write "$B" "$D/$name" "$val"; then
		diag "$name accepted '$val'"
		return 1
	fi
	after=$(ns_read "$B" "$D/$name")
	[ "$before" = "$after" ] || { diag "$name changed to $after"; return 1; }
}

# accept NAME VALUE: stored exactly.
accept() {
	ns_write "$B" "$D/$1" "$2" && [ "$(ns_read "$B" "$D/$1")" = "$2" ]
}

bounds() {
	local e name def min max bad
	for e in "${LAB_SYSCTLS[@]}"; do
		read -r name def min max <<<"$e"
		accept "$name" "$min" && accept "$name" "$max" || {
			diag "$name rejects a bound"; return 1; }
		for bad in $((min - 1)) $((max + 1)) -2147483649 99999999999999999999; do
			reject "$name" "$bad" || return 1
		done
		accept "$name" "$def" || return 1
	done
}

garbage() {
	local e name bad
	for e in "${LAB_SYSCTLS[@]}"; do
		read -r name _ <<<"$e"
		for bad in abc 12abc 0x1z - $'\x01'; do
			reject "$name" "$bad" || return 1
		done
	done
}

# An empty write changes nothing and is not an error (as for any sysctl).
empty_write() {
	local before
	before=$(ns_read "$B" "$D/reno_beta")
	ns_write "$B" "$D/reno_beta" "" && [ "$(ns_read "$B" "$D/reno_beta")" = "$before" ]
}

# The sysctl.d example lists every entry with its default.
example_complete() {
	local conf f name want
	for conf in "$(dirname "$0")/../scripts/90-tcp_lab.conf" /tcplab/90-tcp_lab.conf; do
		[ -e "$conf" ] && break
	done
	[ -e "$conf" ] || return 2
	for f in /proc/sys/net/tcp_lab/*; do
		name=${f##*/}
		want=$(sed -n "s/^net\.tcp_lab\.$name = //p" "$conf")
		[ "$want" = "$(ns_read "$C" "$f")" ] || { diag "$name: example says '$want'"; return 1; }
	done
}

ktap_plan 8
init_beta=$(cat "$D/reno_beta")
check "tree_in_init_net" test -d "$D" -a -e "$D/reno_beta" -a -e "$D/init_ssthresh"
ns_create A B
check "defaults_in_fresh_netns" all_defaults "$A"
check "value_does_not_leak_across_netns" no_leak
check "bounds_accepted_out_of_range_rejected" bounds
check "garbage_rejected_value_kept" garbage
check "empty_write_keeps_value" empty_write
ns_create C
check "new_netns_gets_defaults_not_neighbours" all_defaults "$C"
example_complete
case $? in
0) ktap_pass "sysctl_d_example_lists_every_entry_and_default" ;;
2) ktap_skip "sysctl_d_example_lists_every_entry_and_default" "90-tcp_lab.conf not found" ;;
*) ktap_fail "sysctl_d_example_lists_every_entry_and_default" ;;
esac
ktap_finished
