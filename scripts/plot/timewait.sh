#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# timewait.sh DIR: from DIR/timewait_series.csv draw DIR/timewait-KERNEL.png
# for each kernel: the port exhaustion run (a client with 100 local ports)
# under each setting, its TIME_WAIT count over time above and the
# connections it completed so far below. From DIR/timewait.csv write
# DIR/timewait-summary.txt: the exhaustion table and the hook's cost, the
# median of the ratios of adjacent churn runs.
set -euo pipefail
dir=${1:?usage: timewait.sh DIR}
csv=$dir/timewait_series.csv
[ -e "$csv" ] || { echo "plot/timewait: no $csv" >&2; exit 0; }

awk -F, '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR == 1 { next }
	!($1 in seen) { seen[$1] = 1; order[++nk] = $1 }
	$2 == "exhaustion" {
		ex[$1] = ex[$1] sprintf("  %-20s %9s %9s %14s %9s\n", $3, $5, $7, $6, $8)
		dur[$1] = $4
	}
	$2 == "churn" {
		# Adjacent churn rows of a kernel are one pair.
		if (first[$1] == "") { first[$1] = $3; fv[$1] = $7; next }
		delete val
		val[first[$1]] = fv[$1]
		val[$3] = $7
		if ("not_loaded" in val) {
			if (val["not_loaded"] > 0)
				ru[$1] = ru[$1] " " val["loaded_off"] / val["not_loaded"]
		} else if (val["loaded_off"] > 0) {
			rh[$1] = rh[$1] " " val["hooks_on"] / val["loaded_off"]
		}
		first[$1] = ""
	}
	END {
		for (k = 1; k <= nk; k++) {
			K = order[k]
			printf "%s\n", K
			printf "  port exhaustion, 100 local ports, %s s per setting\n", dur[K]
			printf "  %-20s %9s %9s %14s %9s\n", "setting", "conns_ok", "conn/s", "EADDRNOTAVAIL", "tw_peak"
			printf "%s", ex[K]
			if (ru[K] == "" || rh[K] == "")
				continue
			mu = median(ru[K])
			mh = median(rh[K])
			printf "  churn, median of paired runs: loaded_off/not_loaded %.3f (%d pairs),", mu, split(ru[K], x, " ")
			printf " hooks_on/loaded_off %.3f (%d pairs)\n", mh, split(rh[K], x, " ")
			printf "  hook cost against the module not loaded: %.1f %%\n", 100 * (1 - mu * mh)
		}
	}' "$dir/timewait.csv" | tee "$dir/timewait-summary.txt"
command -v gnuplot >/dev/null || { echo "plot/timewait: gnuplot missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kernel in $(tail -n +2 "$csv" | cut -d, -f1 | sort -u); do
	plots=() conns=()
	for setting in $(awk -F, -v k="$kernel" 'NR > 1 && $1 == k { print $2 }' "$csv" | awk '!s[$0]++'); do
		f="$tmp/$kernel-$setting.dat"
		awk -F, -v k="$kernel" -v s="$setting" \
			'NR > 1 && $1 == k && $2 == s { print $3 / 1000, $4, $5 }' "$csv" >"$f"
		plots+=("'$f' using 1:2 with lines lw 2 title '$setting'")
		conns+=("'$f' using 1:3 with lines lw 2 title '$setting'")
	done
	png="$dir/timewait-$kernel.png"
	gnuplot <<-GP
		set terminal pngcairo size 900,800 noenhanced
		set output '$png'
		set multiplot layout 2,1 title 'A client with 100 local ports, short connections to one server port ($kernel)'
		set grid
		set xlabel 'time (s)'
		set ylabel 'TIME_WAIT sockets (tw_count)'
		set yrange [0:110]
		set key bottom right
		plot $(IFS=,; echo "${plots[*]}")
		set ylabel 'connections completed'
		set yrange [1:*]
		set logscale y
		set key top left
		plot $(IFS=,; echo "${conns[*]}")
		unset multiplot
	GP
	echo "plot/timewait: $png"
done
