#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TIME_WAIT features stay in their namespace and leave nothing behind:
# a namespace without them sees no counter move and keeps its TIME_WAIT
# sockets while its neighbour has every feature on; deleting a namespace
# that has TIME_WAIT sockets, remembered peers and a running reaper logs no
# warning; rmmod with all of that present is clean, the sockets outlive the
# module, and a reload starts from the defaults.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip ss python3
require_module

HELPER=$LAB_DIR/tw_helper.py

ns_create CL A B
veth_pair "$CL" 10.0.1.1/24 "$A" 10.0.1.2/24
veth_pair "$CL" 10.0.2.1/24 "$B" 10.0.2.2/24 veth2 veth1
# TSvals from the millisecond clock, no per-connection random offset: the
# servers' tw_recycle must not refuse this client (timewait_recycle.sh
# covers that).
ns_write "$CL" /proc/sys/net/ipv4/tcp_timestamps 2

serve() {	# serve NS ADDR: a server that closes first (it holds TIME_WAIT)
	bg_in "$1" python3 "$HELPER" server "$2" 80 --close-first
	wait_listening "$1" 80
}

connect() {	# connect ADDR [--sport P]: one connection from CL
	local addr=$1
	shift
	ip netns exec "$CL" python3 "$HELPER" connect "$addr" 80 --wait-eof "$@"
}

# connect_twice ADDR SPORT: the second SYN reaches the first's TIME_WAIT.
connect_twice() {
	connect "$1" --sport "$2" && sleep 0.2 && connect "$1" --sport "$2"
}

# tw_counters_zero NS: no TIME_WAIT counter or peer gauge moved in NS.
tw_counters_zero() {
	local moved
	moved=$(ns_read "$1" /proc/net/tcp_lab |
		awk '/^tw_/ && $1 != "tw_count" && $2 != 0')
	[ -z "$moved" ] || { diag "moved in the quiet namespace: $moved"; return 1; }
}

quiet_neighbour() {
	local i
	for f in tw_observe tw_rst_policy tw_recycle; do
		lab_set "$A" "$f" 1
	done
	connect_twice 10.0.1.2 41000 || return 1
	connect_twice 10.0.2.2 41001 || return 1
	for i in 1 2 3 4; do connect 10.0.2.2 || return 1; done
	diag "A: tw_syn $(counter "$A" tw_syn) tw_recycle_learned" \
	     "$(counter "$A" tw_recycle_learned); B: tw_count $(counter "$B" tw_count)"
	[ "$(counter "$A" tw_syn)" = 1 ] || return 1
	tw_counters_zero "$B" || return 1
	# A's shortened TIME_WAIT must not reach B's sockets.
	lab_set "$A" tw_timeout_ms 100
	sleep 1
	diag "after A's tw_timeout_ms=100 and 1 s: A tw_count $(counter "$A" tw_count)," \
	     "B tw_count $(counter "$B" tw_count)"
	[ "$(counter "$A" tw_count)" = 0 ] && [ "$(counter "$B" tw_count)" = 5 ] &&
		tw_counters_zero "$B"
}

# busy_netns NS: every feature on and TIME_WAIT sockets from CL.
busy_netns() {
	local ns=$1 addr=$2 f i
	for f in tw_observe tw_rst_policy tw_recycle; do
		lab_set "$ns" "$f" 1
	done
	lab_set "$ns" tw_timeout_ms 30000
	for i in 1 2 3 4 5 6; do
		connect "$addr" && continue
		diag "connection $i failed; $(ns_read "$ns" /proc/net/tcp_lab |
			grep -v ' 0$' | tr '\n' ' ')"
		return 1
	done
	sleep 0.3
	[ "$(counter "$ns" tw_count)" -ge 6 ] && [ "$(counter "$ns" tw_recycle_peers)" = 1 ]
}

delete_busy_netns() {
	local n
	dmesg_mark
	busy_netns "$B" 10.0.2.2 || { diag "could not prepare"; return 1; }
	n=$(counter "$B" tw_count)
	# Its server must go too, or the namespace stays alive.
	ip netns pids "$B" | xargs -r kill
	sleep 0.5
	ip netns del "$B"
	diag "deleted a namespace with $n timewait sockets"
	# Namespace teardown is asynchronous; give it time to run.
	sleep 3
	cat /proc/net/tcp_lab >/dev/null && no_kernel_warnings
}

rmmod_clean() {
	local n
	dmesg_mark
	busy_netns "$A" 10.0.1.2 || { diag "could not prepare"; return 1; }
	n=$(ss_count "$A" time-wait)
	rmmod tcp_lab || { diag "rmmod failed"; return 1; }
	# RCU callbacks and timers have had time to run into a missing module.
	sleep 1
	# The sockets are the kernel's: still there, still answering.
	connect_twice 10.0.1.2 41002 || return 1
	diag "rmmod with $n TIME_WAIT sockets: $(ss_count "$A" time-wait) left"
	insmod "$TCPLAB_KO" || { diag "reload failed"; return 1; }
	[ "$n" -ge 6 ] && [ "$(lab_get "$A" tw_recycle)" = 0 ] &&
		[ "$(counter "$A" tw_count)" -ge 6 ] && no_kernel_warnings
}

ktap_plan 3
serve "$A" 10.0.1.2
serve "$B" 10.0.2.2
check "namespace_without_features_untouched" quiet_neighbour
check "deleting_netns_with_time_wait_and_features_on_is_clean" delete_busy_netns
if [ -n "${TCPLAB_KO:-}" ] && [ -e "$TCPLAB_KO" ]; then
	check "rmmod_with_time_wait_sockets_is_clean" rmmod_clean
else
	ktap_skip "rmmod_with_time_wait_sockets_is_clean" "needs TCPLAB_KO to reload"
fi
ktap_finished
