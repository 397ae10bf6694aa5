#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The owner of an unprivileged user + network namespace (unshare -Urn as
# uid 65534): may tune its own net.tcp_lab.*, cannot make the tw_recycle
# peer table larger than init_net's tw_recycle_max_peers, changes nothing in
# init_net or another namespace, and cannot read another namespace's
# /proc/net/tcp_lab; nor can another unprivileged user read its counters.
source "$(dirname "$0")/lib.sh"

D=/proc/sys/net/tcp_lab
NOBODY="setpriv --reuid 65534 --regid 65534 --clear-groups"
OTHER="setpriv --reuid 65533 --regid 65533 --clear-groups"

require_root
require_cmd ip setpriv unshare awk
require_module
setpriv --help 2>&1 | grep -q -- --reuid || skip_all "setpriv without --reuid (busybox?)"
err=$($NOBODY unshare -Urn true 2>&1) ||
	skip_all "unprivileged user namespaces are off here: $err (kernel.unprivileged_userns_clone=$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null), user.max_user_namespaces=$(cat /proc/sys/user/max_user_namespaces))"

# The unprivileged side, run as uid 65534 in a new user + net namespace:
# one "name result" line per step.
# shellcheck disable=SC2016
USER_SCRIPT='
D=/proc/sys/net/tcp_lab
w() { printf "%s" "$2" > "$D/$1" 2>/dev/null && [ "$(cat "$D/$1")" = "$2" ]; }
r() { if "$@"; then echo ok; else echo refused; fi; }
echo "uid $(id -u)"
echo "own_reno_beta $(r w reno_beta 100)"
echo "own_syncookie $(r w syncookie_ports 80,443) $(r w syncookie_mode 2)"
echo "own_tw $(r w tw_observe 1) $(r w tw_rst_policy 1) $(r w tw_recycle 1) $(r w tw_timeout_ms 1000)"
echo "peers_start $(cat $D/tw_recycle_max_peers)"
echo "peers_above_cap $(r w tw_recycle_max_peers $(( INIT_PEERS + 1 )))"
echo "peers_max_allowed $(r w tw_recycle_max_peers 65536)"
echo "peers_at_cap $(r w tw_recycle_max_peers $INIT_PEERS)"
echo "peers_below_cap $(r w tw_recycle_max_peers 16)"
echo "own_counters $(r grep -q "^tw_count " /proc/net/tcp_lab)"
echo "other_counters $(r cat /proc/$OTHER_PID/net/tcp_lab)"
echo "init_counters $(r cat /proc/1/net/tcp_lab)"
sleep 30 &
echo "sleeper $!"
wait
'

ktap_plan 9
dmesg_mark
ns_create O
ns_write "$O" "$D/reno_beta" 300
ns_write "" "$D/tw_recycle_max_peers" 64 || skip_all "cannot set init_net's cap"
on_exit "printf 4096 > $D/tw_recycle_max_peers"
init_before=$(grep -r . "$D" | sort)
o_before=$(ip netns exec "$O" grep -r . "$D" | sort)
ip netns exec "$O" sleep 60 &
opid=$!
_lab_pids+=("$opid")
sleep 0.2

out=$(mktemp)
on_exit "rm -f $out"
INIT_PEERS=64 OTHER_PID=$opid $NOBODY unshare -Urn \
	bash -c "$USER_SCRIPT" >"$out" 2>&1 &
upid=$!
wait_for 20 grep -q '^sleeper ' "$out"
diag "$(cat "$out")"
res() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$out"; }

sleeper=$(res sleeper)
spid=$(pgrep -P "$upid" -x sleep 2>/dev/null || true)
[ -n "$spid" ] || spid=$(ps -o pid,args | awk '$2 == "sleep" && $3 == 30 { print $1; exit }')
diag "unprivileged namespace: sleeper $sleeper (init pid ${spid:-?})"

real_uid=$(awk '/^Uid:/ { print $2 }' /proc/$upid/status 2>/dev/null)
check "runs_unprivileged" test "$(res uid)" = 0 -a "$real_uid" = 65534
check "owner_tunes_its_own_namespace" \
	test "$(res own_reno_beta) $(res own_syncookie) $(res own_tw)" = "ok ok ok ok ok ok ok"
check "peer_table_capped_by_init_net" \
	test "$(res peers_start) $(res peers_above_cap) $(res peers_max_allowed)" = "64 refused refused"
check "owner_may_use_up_to_the_cap" \
	test "$(res peers_at_cap) $(res peers_below_cap)" = "ok ok"
check "own_counters_readable_others_not" \
	test "$(res own_counters) $(res other_counters) $(res init_counters)" = "ok refused refused"
check "init_net_and_other_namespace_unchanged" \
	test "$init_before" = "$(grep -r . "$D" | sort)" -a \
	     "$o_before" = "$(ip netns exec "$O" grep -r . "$D" | sort)"
# Root over everything reads the unprivileged namespace; a second
# unprivileged user does not.
if [ -n "$spid" ]; then
	check "root_reads_it_another_user_does_not" \
		bash -c "grep -q '^tw_count ' /proc/$spid/net/tcp_lab &&
			 ! $OTHER cat /proc/$spid/net/tcp_lab >/dev/null 2>&1"
else
	ktap_skip "root_reads_it_another_user_does_not" "no pid for the sleeper"
fi
kill "$upid" 2>/dev/null
[ -n "$spid" ] && kill "$spid" 2>/dev/null
wait "$upid" 2>/dev/null
# An unprivileged namespace that goes away with features on logs nothing.
sleep 1
check "no_kernel_log_from_unprivileged_namespace" \
	bash -c "! dmesg | tail -n +$((_lab_dmesg_lines + 1)) | grep -q tcp_lab"
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
