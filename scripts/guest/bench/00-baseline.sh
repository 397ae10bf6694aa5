#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loopback goodput with the kernel's cubic and lab_reno: a baseline that
# tells how fast this VM is before any emulated path is involved.
out=/tmp/out/baseline.csv
echo "kernel,algo,goodput_mbit" >"$out"
iperf3 -s -B 127.0.0.1 >/dev/null 2>&1 &
srv=$!
sleep 1
for algo in cubic lab_reno; do
	bps=$(iperf3 -c 127.0.0.1 -t 2 -C "$algo" -J 2>/dev/null |
	      python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))')
	echo "$(uname -r),$algo,$((bps / 1000000))" >>"$out"
done
kill "$srv"
cat "$out"
