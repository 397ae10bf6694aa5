#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# plot/syncookie.sh DIR: DIR/syncookie.png from DIR/syncookie.csv (SYN-ACKs
# per second and legitimate success at each kernel's strongest flood, per
# defence) and DIR/syncookie_goodput.png from DIR/syncookie_goodput.csv.
set -euo pipefail
dir=${1:?usage: syncookie.sh DIR}
csv=$dir/syncookie.csv
[ -s "$csv" ] || { echo "plot/syncookie.sh: no $csv" >&2; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One line per kernel: the row with the highest offered rate per defence.
awk -F, 'NR > 1 {
	k = $1; d = $2
	if (!((k, d) in best) || $3 > best[k, d]) {
		best[k, d] = $3; syn[k, d] = $4; ok[k, d] = $5
	}
	kernels[k] = 1
} END {
	for (k in kernels)
		printf "%s %d %d %d %s %s %s %d\n", k, syn[k, "kernel_cookies"],
			syn[k, "synproxy"], syn[k, "hook"], ok[k, "kernel_cookies"],
			ok[k, "synproxy"], ok[k, "hook"], best[k, "hook"]
}' "$csv" | sort >"$tmp/max.dat"

gnuplot <<GP
set terminal pngcairo size 1100,450 noenhanced font ",10"
set output "$dir/syncookie.png"
set multiplot layout 1,2 title "SYN flood at the highest rate the VM generates (hping3 --flood --rand-source)"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set key below
set grid ytics
set yrange [0:*]
set title "SYN-ACKs sent per second"
plot "$tmp/max.dat" using 2:xtic(1) title "kernel tcp_syncookies=2", \
     "" using 3 title "nft SYNPROXY", "" using 4 title "tcp_lab hook, mode 2"
set title "legitimate connections completed within 1 s (%)"
set yrange [0:105]
plot "$tmp/max.dat" using 5:xtic(1) title "kernel tcp_syncookies=2", \
     "" using 6 title "nft SYNPROXY", "" using 7 title "tcp_lab hook, mode 2"
unset multiplot
GP

gp=$dir/syncookie_goodput.csv
if [ -s "$gp" ]; then
	awk -F, 'NR > 1 { v[$1, $2] = $4; k[$1] = 1 } END {
		for (x in k) printf "%s %s %s %s\n", x, v[x, "unloaded"], v[x, "loaded"], v[x, "hook"]
	}' "$gp" | sort >"$tmp/gp.dat"
	gnuplot <<GP
set terminal pngcairo size 700,450 noenhanced font ",10"
set output "$dir/syncookie_goodput.png"
set title "iperf3 goodput through the hook (median, Mbit/s)"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set key below
set grid ytics
set yrange [0:*]
plot "$tmp/gp.dat" using 2:xtic(1) title "module not loaded", \
     "" using 3 title "loaded, hook off", "" using 4 title "hook on the port"
GP
fi
echo "plot/syncookie.sh: $dir/syncookie.png${gp:+ $dir/syncookie_goodput.png}"
