#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tcplab-stat against counter files it is pointed at: increments
# since the last call, absolute values, zero filtering, patterns, reset.
stat=$(cd "$(dirname "$0")/../.." && pwd)/scripts/tcplab-stat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp TCPLAB_STAT_FILE=$tmp/counters
n=0
rc=0

t() {	# t NAME EXPECTED_OUTPUT ARGS...
	local name=$1 want=$2 got
	shift 2
	n=$((n + 1))
	got=$("$stat" "$@" | awk '{ print $1 "=" $2 }' | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# got '$got', want '$want'"
		rc=1
	fi
}

echo "TAP version 13"
echo "1..7"
printf 'cc_init 5\ncc_undos 0\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
t first_call_shows_everything_nonzero "cc_init=5 cc_loss_reductions=2 "
printf 'cc_init 7\ncc_undos 0\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
t second_call_shows_increments "cc_init=2 "
t no_change_shows_nothing ""
t zeros_with_z "cc_init=0 cc_undos=0 cc_loss_reductions=0 " -z
t absolute_with_a "cc_init=7 cc_loss_reductions=2 " -a
t pattern_selects "cc_undos=0 " -a -z 'cc_und.*'
printf 'cc_init 9\ncc_undos 1\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
"$stat" -r
printf 'cc_init 10\ncc_undos 1\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
t reset_starts_over "cc_init=1 "
exit $rc
