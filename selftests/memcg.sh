#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory a namespace's owner makes tcp_lab use is charged to its memory
# cgroup:
#  - the per-CPU counters of every namespace made from inside the cgroup
#    (memory.stat "percpu" grows by at least their size per namespace,
#    against the same namespaces made with the module unloaded);
#  - tw_recycle's remembered peers, allocated later in softirq when FINs
#    arrive, are charged to the cgroup of whoever turned the table on
#    (memory.stat "slab_unreclaimable" grows by at least their size), not
#    to nobody.
source "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup
NS_COUNT=20
PEERS=400

require_root
require_cmd ip python3 awk
require_module
HELPER=$LAB_DIR/tw_helper.py

if ! grep -q '^cgroup2 ' /proc/mounts; then
	mount -t cgroup2 none "$CG" 2>/dev/null || skip_all "cannot mount cgroup2"
	on_exit "umount $CG"
fi
grep -qw memory "$CG/cgroup.controllers" || skip_all "no memory controller"
echo +memory >"$CG/cgroup.subtree_control" 2>/dev/null
LABCG=$CG/tcplab-memcg-$$
mkdir "$LABCG" || skip_all "cannot make a cgroup"
on_exit "rmdir $LABCG"

stat_of() {	# stat_of KEY: a memory.stat value of our cgroup, bytes
	awk -v k="$1" '$1 == k { print $2 }' "$LABCG/memory.stat"
}

# in_cg CMD...: run CMD in a shell that joined the cgroup first.
in_cg() {
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$LABCG" "$@"
}

# percpu_for_namespaces: memory.stat percpu growth for NS_COUNT new
# namespaces made in the cgroup (deleted again afterwards).
percpu_for_namespaces() {
	local before after i
	before=$(stat_of percpu)
	in_cg bash -c "for i in \$(seq $NS_COUNT); do ip netns add lab-memcg-\$i-$$; done"
	after=$(stat_of percpu)
	for i in $(seq "$NS_COUNT"); do ip netns del "lab-memcg-$i-$$"; done
	echo $((after - before))
}

ktap_plan 3
dmesg_mark

ncpu=$(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)
# The counters: one unsigned long per counter name in /proc/net/tcp_lab.
ncounters=$(( $(wc -l </proc/net/tcp_lab) - 2 ))
want=$(( NS_COUNT * ncounters * 8 * ncpu ))
with=$(percpu_for_namespaces)
if [ -n "${TCPLAB_KO:-}" ] && rmmod tcp_lab 2>/dev/null; then
	without=$(percpu_for_namespaces)
	insmod "$TCPLAB_KO"
	diag "percpu charged for $NS_COUNT namespaces: $with bytes with tcp_lab," \
	     "$without without; counters: $ncounters x 8 bytes x $ncpu CPUs each"
	check "percpu_counters_charged_to_namespace_creator" \
		test $((with - without)) -ge $(( want * 9 / 10 ))
else
	ktap_skip "percpu_counters_charged_to_namespace_creator" \
		"cannot unload and reload tcp_lab (TCPLAB_KO unset or module busy)"
fi

# The peers: S (turned on from inside the cgroup) remembers PEERS
# addresses of C, each closing one connection that S closed first.
ns_create C S
veth_pair "$C" 10.0.9.2/24 "$S" 10.0.9.1/24
ns_write "$C" /proc/sys/net/ipv4/tcp_timestamps 2
srcs=""
for i in $(seq "$PEERS"); do
	a=10.$((100 + i / 250)).$((i % 250)).1
	ip -n "$C" addr add "$a/32" dev veth0
	srcs+="${srcs:+,}$a"
done
ip -n "$S" route add 10.100.0.0/15 dev veth1
in_cg ip netns exec "$S" bash -c \
	"printf 4096 > $LAB_SYSCTL/tw_recycle_max_peers && printf 1 > $LAB_SYSCTL/tw_recycle"
bg_in "$S" python3 "$HELPER" server 10.0.9.1 80 --close-first
wait_listening "$S" 80
sync
slab0=$(stat_of slab_unreclaimable)
ip netns exec "$C" python3 "$HELPER" connect 10.0.9.1 80 --wait-eof --src "$srcs" ||
	diag "some connections failed"
sleep 2		# memory.stat is flushed from per-CPU deltas now and then
peers=$(counter "$S" tw_recycle_peers)
slab1=$(stat_of slab_unreclaimable)
diag "$peers peers remembered; cgroup slab_unreclaimable $slab0 -> $slab1 bytes"
# Each entry is a 56-byte object (kmalloc-64); with the cgroup's stats
# flushed lazily, half of that each is the floor (uncharged: 0).
check "peer_entries_charged_to_who_enabled_the_table" \
	test "$peers" -ge $((PEERS * 9 / 10)) -a $((slab1 - slab0)) -ge $((peers * 28))
lab_set "$S" tw_recycle 0
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
