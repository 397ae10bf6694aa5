#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp_lab loads and unloads cleanly, 20 times over, with namespaces alive,
# leaving no warning in the kernel log and no new taint beyond the expected
# out-of-tree (O) and unsigned (E) ones.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip insmod rmmod

# TAINT_OOT_MODULE (bit 12) and TAINT_UNSIGNED_MODULE (bit 13) are expected.
readonly TAINT_OK_MASK=$(( (1 << 12) | (1 << 13) ))

ko=${TCPLAB_KO:-}
[ -n "$ko" ] || ko=$(modinfo -n tcp_lab 2>/dev/null)
# Nothing to load here: not installed, not loaded, no TCPLAB_KO.
[ -n "$ko" ] || [ -e /proc/net/tcp_lab ] ||
	skip_all "tcp_lab not installed (install it, or set TCPLAB_KO)"

load() {
	if [ -n "$ko" ] && [ -e "$ko" ]; then
		insmod "$ko"
	else
		modprobe tcp_lab
	fi
}

loaded() {
	[ -e /proc/net/tcp_lab ] && [ -d /proc/sys/net/tcp_lab ] &&
		grep -qw lab_reno /proc/sys/net/ipv4/tcp_available_congestion_control
}

gone() {
	[ ! -e /proc/net/tcp_lab ] && [ ! -e /proc/sys/net/tcp_lab ] &&
		! grep -qw lab_reno /proc/sys/net/ipv4/tcp_available_congestion_control
}

cycle() {
	local i
	for i in $(seq 20); do
		rmmod tcp_lab || { diag "rmmod failed in cycle $i"; return 1; }
		gone || { diag "state left after rmmod in cycle $i"; return 1; }
		load || { diag "load failed in cycle $i"; return 1; }
		loaded || { diag "incomplete after load in cycle $i"; return 1; }
		# Each namespace runs the pernet init/exit of every cycle.
		ip netns exec "$NS1" cat /proc/net/tcp_lab >/dev/null || return 1
	done
}

taint_ok() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	diag "tainted=$t before=$taint0"
	[ $(( (t & ~taint0) & ~TAINT_OK_MASK )) -eq 0 ]
}

ktap_plan 5
taint0=$(cat /proc/sys/kernel/tainted)
dmesg_mark

if ! loaded; then
	check "module_loads" load
else
	ktap_pass "module_loads # already loaded"
fi
if ! loaded; then
	diag "tcp_lab did not load; kernel log:"
	dmesg_since_mark | tail -n 20 | sed 's/^/# /'
	ktap_fail "module_interfaces_present"
	ktap_finished
fi
ktap_pass "module_interfaces_present"

if [ -z "$ko" ] && ! modinfo tcp_lab >/dev/null 2>&1; then
	ktap_skip "unload_reload_20_times" "no module file to reload (set TCPLAB_KO)"
else
	ns_create NS1 NS2
	check "unload_reload_20_times" cycle
fi
check "no_kernel_warnings" no_kernel_warnings
check "no_unexpected_taint" taint_ok
ktap_finished
