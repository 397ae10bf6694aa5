#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` inside the VM: run every scripts/guest/bench/*.sh in turn.
# Each writes its CSV (header first, one row per measurement, the kernel in
# the first column) to /tmp/out/NAME.csv, which init sends to the host.
# QUICK=1 asks each for its short matrix.
rc=0
for b in /tcplab/guest/bench/*.sh; do
	[ -e "$b" ] || continue
	echo "== bench: ${b##*/} =="
	bash "$b" || { echo "bench ${b##*/} failed"; rc=1; }
done
exit $rc
