#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh DIR OUT: draw what `make run` brought back (DIR = out/KVER/files)
# into OUT: cwnd.png, cwnd over time for the five algorithms.
set -euo pipefail
dir=$1 out=$2
[ -s "$dir/run_cwnd.csv" ] || exit 0
command -v gnuplot >/dev/null || exit 0
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
algos="reno cubic bbr lab_reno lab_cubic"
for a in $algos; do
	awk -F, -v a="$a" 'NR > 1 && $2 == a { print $3, $4 }' "$dir/run_cwnd.csv" >"$tmp/$a.dat"
done
k=$(awk -F, 'NR == 2 { print $1 }' "$dir/run_cwnd.csv")
{
	echo "set terminal png size 1200,500 font ',10' noenhanced"
	echo "set output '$out/cwnd.png'"
	echo "set title 'cwnd over time: 10 Mbit/s, 40 ms, 1 BDP buffer ($k)'"
	echo "set xlabel 'time (s)'; set ylabel 'cwnd (segments)'; set grid; set key outside right"
	printf "plot "
	sep=""
	for a in $algos; do
		printf "%s'%s' using 1:2 with lines lw 2 title '%s'" "$sep" "$tmp/$a.dat" "$a"
		sep=", "
	done
	echo
} | gnuplot
echo "plot: $out/cwnd.png"
