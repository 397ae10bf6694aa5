#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` inside the VM: run scripts/guest/bench/*.sh in turn, or only
# those named on the command line (bench.sh cc runs 10-cc.sh). Each writes
# its CSV (header first, one row per measurement, the kernel in the first
# column) to /tmp/out/NAME.csv, which init sends to the host.
# QUICK=1 asks each for its short matrix.
rc=0
ran=0
for b in /tcplab/guest/bench/*.sh; do
	[ -e "$b" ] || continue
	name=${b##*/}
	name=${name#[0-9][0-9]-}
	name=${name%.sh}
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
		continue
	fi
	echo "== bench: ${b##*/} =="
	bash "$b" || { echo "bench ${b##*/} failed"; rc=1; }
	ran=$((ran + 1))
done
if [ "$ran" = 0 ]; then
	echo "bench: nothing matches '$*'"
	rc=1
fi
exit $rc
