#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cc.sh DIR: plots from DIR/cc.csv and DIR/cc_cwnd.csv (make bench):
#   cc_goodput.png  goodput per scenario and algorithm, one panel per kernel
#   cc_cwnd.png     cwnd over time per algorithm in the "cwnd" scenario
#   cc_table.txt    the CSV as a table, with lab_* / kernel ratios, and
#                   with repetitions (cc_runs.csv) every run's ratios
set -euo pipefail
dir=$1
[ -s "$dir/cc.csv" ] || exit 0
command -v gnuplot >/dev/null || { echo "gnuplot missing: no plots" >&2; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One data block per kernel: rows = scenarios, columns = algorithms.
kernels=$(tail -n +2 "$dir/cc.csv" | cut -d, -f1 | sort -u)
algos="reno cubic bbr lab_reno lab_cubic"
n=0
for k in $kernels; do
	n=$((n + 1))
	awk -F, -v k="$k" -v algos="$algos" '
		NR > 1 && $1 == k { g[$2, $3] = $9; if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 } }
		END {
			na = split(algos, a, " ")
			printf "scenario"; for (i = 1; i <= na; i++) printf " %s", a[i]; print ""
			for (j = 1; j <= m; j++) {
				printf "%s", order[j]
				for (i = 1; i <= na; i++) printf " %s", ((order[j], a[i]) in g) ? g[order[j], a[i]] : "NaN"
				print ""
			}
		}' "$dir/cc.csv" >"$tmp/goodput$n.dat"
done

{
	echo "set terminal png size 1400,$((420 * n)) font ',10' noenhanced"
	echo "set output '$dir/cc_goodput.png'"
	echo "set multiplot layout $n,1"
	echo "set style data histograms; set style histogram clustered gap 1"
	echo "set style fill solid 0.8 border -1; set boxwidth 0.9"
	echo "set ylabel 'goodput (Mbit/s)'; set grid ytics; set key outside right"
	echo "set xtics rotate by -30"
	i=0
	for k in $kernels; do
		i=$((i + 1))
		echo "set title 'goodput per scenario, kernel $k'"
		echo "plot for [c=2:6] '$tmp/goodput$i.dat' using c:xtic(1) title columnheader(c)"
	done
	echo "unset multiplot"
} | gnuplot

if [ -s "$dir/cc_cwnd.csv" ]; then
	for k in $kernels; do
		for a in $algos cubic_hs_delay; do
			awk -F, -v k="$k" -v a="$a" 'NR > 1 && $1 == k && $3 == a { print $4, $6 }' \
				"$dir/cc_cwnd.csv" >"$tmp/cwnd-$k-$a.dat"
		done
	done
	{
		echo "set terminal png size 1400,$((420 * n)) font ',10' noenhanced"
		echo "set output '$dir/cc_cwnd.png'"
		echo "set multiplot layout $n,1"
		echo "set xlabel 'time (s)'; set ylabel 'cwnd (segments)'; set grid; set key outside right"
		for k in $kernels; do
			echo "set title 'cwnd over time, 10 Mbit/s, 80 ms, 2 BDP buffer, kernel $k'"
			printf "plot "
			sep=""
			for a in $algos cubic_hs_delay; do
				[ -s "$tmp/cwnd-$k-$a.dat" ] || continue
				# The variant in black: it lies on cubic's line most of the time.
				style="lw 2"
				[ "$a" = cubic_hs_delay ] && style="lw 2 lc rgb 'black'"
				printf "%s'%s' using 1:2 with lines %s title '%s'" "$sep" "$tmp/cwnd-$k-$a.dat" "$style" "$a"
				sep=", "
			done
			echo
		done
		echo "unset multiplot"
	} | gnuplot
fi

# The table, with the ratios the targets are stated in.
awk -F, 'NR == 1 { next }
	{ g[$1, $2, $3] = $9; ss[$1, $2, $3] = $11; j[$1, $2, $3] = $13; key[$1, $2] = 1 }
	END {
		for (k in key) {
			split(k, p, SUBSEP)
			r = g[p[1], p[2], "reno"]; c = g[p[1], p[2], "cubic"]
			printf "%-24s %-12s %9s %9s %9s %9s %9s %10s %10s %9s %9s\n", p[1], p[2], r, c,
				g[p[1], p[2], "bbr"], g[p[1], p[2], "lab_reno"], g[p[1], p[2], "lab_cubic"],
				(r > 0 ? sprintf("%.3f", g[p[1], p[2], "lab_reno"] / r) : "-"),
				(c > 0 ? sprintf("%.3f", g[p[1], p[2], "lab_cubic"] / c) : "-"),
				ss[p[1], p[2], "cubic"], ss[p[1], p[2], "lab_cubic"]
		}
	}' "$dir/cc.csv" | sort >"$tmp/rows"
{
	printf "%-24s %-12s %9s %9s %9s %9s %9s %10s %10s %9s %9s\n" kernel scenario \
		reno cubic bbr lab_reno lab_cubic lr/reno lc/cubic "ssrtx c" "ssrtx lc"
	cat "$tmp/rows"
} >"$dir/cc_table.txt"
awk -F, 'NR > 1 && $8 == 2 { printf "jain %s %s %s\n", $1, $3, $13 }' "$dir/cc.csv" >>"$dir/cc_table.txt"
awk -F, 'NR > 1 && $3 == "cubic_hs_delay" {
	printf "cubic, delay detector only: %s %s goodput %s ss_retrans %s\n", $1, $2, $9, $11 }' \
	"$dir/cc.csv" >>"$dir/cc_table.txt"
# With repetitions: every run's ratio, to show the spread behind a median.
if [ -s "$dir/cc_runs.csv" ] && awk -F, 'NR > 1 && $14 > 1 { f = 1 } END { exit !f }' "$dir/cc_runs.csv"; then
	awk -F, 'NR == 1 { next }
		{ g[$1, $2, $14, $3] = $9; j[$1, $2, $14, $3] = $13; k[$1, $2] = 1; if ($14 > n) n = $14 }
		END {
			for (x in k) {
				split(x, p, SUBSEP)
				lr = lc = jn = ""
				for (r = 1; r <= n; r++) {
					if (g[p[1], p[2], r, "reno"] > 0)
						lr = lr sprintf(" %.3f", g[p[1], p[2], r, "lab_reno"] / g[p[1], p[2], r, "reno"])
					if (g[p[1], p[2], r, "cubic"] > 0)
						lc = lc sprintf(" %.3f", g[p[1], p[2], r, "lab_cubic"] / g[p[1], p[2], r, "cubic"])
					if (j[p[1], p[2], r, "lab_cubic"] != "")
						jn = jn sprintf(" %s", j[p[1], p[2], r, "lab_cubic"])
				}
				printf "runs %s %s lr/reno:%s lc/cubic:%s%s\n", p[1], p[2], lr, lc,
					(jn != "" ? " jain lab_cubic:" jn : "")
			}
		}' "$dir/cc_runs.csv" | sort >>"$dir/cc_table.txt"
fi
cat "$dir/cc_table.txt"
