#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tcplab-stat against counter files it is pointed at: increments
# since the last call, absolute values, zero filtering, patterns, reset.
stat_bin=$(cd "$(dirname "$0")/../.." && pwd)/scripts/tcplab-stat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp TCPLAB_STAT_FILE=$tmp/counters
# shellcheck source=../ktap.sh
source "$(dirname "$0")/../ktap.sh"
# stat ARGS...: tcplab-stat's lines as NAME=VALUE.
stat() { "$stat_bin" "$@" | awk '{ print $1 "=" $2 }'; }

ktap_plan 7
printf 'cc_init 5\ncc_undos 0\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
check_output first_call_shows_everything_nonzero "cc_init=5 cc_loss_reductions=2 " stat
printf 'cc_init 7\ncc_undos 0\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
check_output second_call_shows_increments "cc_init=2 " stat
check_output no_change_shows_nothing "" stat
check_output zeros_with_z "cc_init=0 cc_undos=0 cc_loss_reductions=0 " stat -z
check_output absolute_with_a "cc_init=7 cc_loss_reductions=2 " stat -a
check_output pattern_selects "cc_undos=0 " stat -a -z 'cc_und.*'
printf 'cc_init 9\ncc_undos 1\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
"$stat_bin" -r
printf 'cc_init 10\ncc_undos 1\ncc_loss_reductions 2\n' >"$TMPDIR/counters"
check_output reset_starts_over "cc_init=1 " stat
ktap_finished
