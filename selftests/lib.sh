#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the tcp_lab selftests: KTAP output, namespaces that clean
# themselves up, waiting, skipping. Sourced by every test; tcplab's own, not
# a copy of the kernel's net/lib.sh.
#
# A test: source lib.sh, declare its plan, emit one result per case, and end
# with ktap_finished, which exits 0 (all passed), 1 (a failure) or 4 (all
# skipped) as kselftest expects.

readonly KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4

_ktap_n=0
_ktap_pass=0
_ktap_fail=0
_ktap_skip=0
_lab_ns=()
_lab_pids=()

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_pass() {
	_ktap_n=$((_ktap_n + 1)); _ktap_pass=$((_ktap_pass + 1))
	echo "ok $_ktap_n $1"
}

ktap_fail() {
	_ktap_n=$((_ktap_n + 1)); _ktap_fail=$((_ktap_fail + 1))
	echo "not ok $_ktap_n $1"
}

ktap_skip() {
	_ktap_n=$((_ktap_n + 1)); _ktap_skip=$((_ktap_skip + 1))
	echo "ok $_ktap_n $1 # SKIP $2"
}

# check NAME CMD...: one case, passed when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then
		ktap_pass "$name"
	else
		ktap_fail "$name"
	fi
}

# diag TEXT: a KTAP comment; every line of TEXT gets its "# ".
diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

ktap_finished() {
	diag "totals: pass:$_ktap_pass fail:$_ktap_fail skip:$_ktap_skip"
	if [ "$_ktap_fail" -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ "$_ktap_pass" -eq 0 ] && [ "$_ktap_skip" -gt 0 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# skip_all REASON: nothing in this test can run here.
skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

# require_cmd CMD...: skip the whole test when a tool is missing.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# require_module: skip unless tcp_lab is loaded (or loadable from TCPLAB_KO).
require_module() {
	[ -e /proc/net/tcp_lab ] && return 0
	if [ -n "${TCPLAB_KO:-}" ] && [ -e "$TCPLAB_KO" ]; then
		insmod "$TCPLAB_KO" 2>/dev/null && return 0
	fi
	skip_all "tcp_lab module not loaded"
}

# ns_create NAME...: make fresh namespaces with lo up, named NAME-<pid> in
# the variables NAME; they are deleted when the test exits.
ns_create() {
	local v n
	for v in "$@"; do
		n="lab-$v-$$"
		ip netns add "$n" || return 1
		_lab_ns+=("$n")
		ip -n "$n" link set lo up
		printf -v "$v" '%s' "$n"
	done
}

# veth_pair NS_A ADDR_A NS_B ADDR_B: connect two namespaces (addresses as
# CIDR, IPv4 or IPv6; may be repeated with other names later).
veth_pair() {
	local a=$1 aa=$2 b=$3 ba=$4
	ip link add veth0 netns "$a" type veth peer name veth1 netns "$b" || return 1
	ip -n "$a" addr add "$aa" dev veth0 nodad 2>/dev/null || ip -n "$a" addr add "$aa" dev veth0
	ip -n "$b" addr add "$ba" dev veth1 nodad 2>/dev/null || ip -n "$b" addr add "$ba" dev veth1
	ip -n "$a" link set veth0 up
	ip -n "$b" link set veth1 up
}

# bg NS CMD...: run CMD in NS in the background; killed at exit.
bg_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	_lab_pids+=($!)
}

lab_cleanup() {
	local p n
	for p in "${_lab_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_lab_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for n in "${_lab_ns[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
}
trap lab_cleanup EXIT

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s) + $1 ))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# sysctl path helpers: net.tcp_lab.NAME in namespace NS ("" = this one).
lab_sysctl_path() {
	echo "/proc/sys/net/tcp_lab/$1"
}

ns_read() {
	local ns=$1 file=$2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" cat "$file"
	else
		cat "$file"
	fi
}

# ns_write NS FILE VALUE: write like `echo VALUE > FILE`; status of write(2).
ns_write() {
	local ns=$1 file=$2 val=$3
	if [ -n "$ns" ]; then
		ip netns exec "$ns" bash -c 'printf "%s" "$1" > "$2"' _ "$val" "$file" 2>/dev/null
	else
		bash -c 'printf "%s" "$1" > "$2"' _ "$val" "$file" 2>/dev/null
	fi
}

# counter NS NAME: a value from /proc/net/tcp_lab in NS ("" = this one).
counter() {
	ns_read "$1" /proc/net/tcp_lab | awk -v n="$2" '$1 == n { print $2; f = 1 } END { exit !f }'
}

# Kernel log: remember where it ends now, later show what was added.
dmesg_mark() {
	_lab_dmesg_lines=$(dmesg | wc -l)
}

dmesg_since_mark() {
	dmesg | tail -n +$(( ${_lab_dmesg_lines:-0} + 1 ))
}

# no_kernel_warnings: nothing alarming logged since dmesg_mark.
no_kernel_warnings() {
	! dmesg_since_mark | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption'
}
