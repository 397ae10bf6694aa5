#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [SERIES...]: `make bench`. The benchmarks are experiment files
# in scripts/lab/bench/ (each with a [bench] table), run by the lab book's
# engine in the VM: all of them in ONE VM session per kernel, so every
# comparison is measured in the same boot. The results come back as text
# (out/bench/results/KVER/), and `tcplab-lab bench` turns them into
# out/bench/*.csv, charts (*.svg), summary.txt and index.html.
#
#   BENCH="syncookie timewait"  only these: file names (without .toml)
#                    and tags of the files (`tags = [...]`); default all
#   QUICK=1          each file's [quick] settings: the short version
#   REPS=N           repetitions of every cell (1..99; default: the file's)
#   ONLY="KEY=V1,V2 ..."   only these values of a [matrix] key path or
#                    [variants] name, e.g. ONLY="defence=paired,none"
#                    or ONLY="flow.f.bytes=5MB path=deep"
#
# Files that switch the module (experiment.module) run first, files that
# trace (tracing stays on once switched on) last.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
source scripts/kernels.sh
[ $# -gt 0 ] || set -- 6.1 6.12
py=/usr/bin/python3
[ -x "$py" ] || py=python3
lab=("$py" "$top/scripts/lab/tcplab-lab")
dir=scripts/lab/bench

if ! [[ ${REPS:-1} =~ ^[1-9][0-9]?$ ]]; then
	echo "bench.sh: REPS must be 1..99, not '$REPS'" >&2
	exit 2
fi

# The files BENCH names, each once, in the order described above.
pick=()
if [ -z "${BENCH:-}" ]; then
	pick=("$dir"/*.toml)
else
	for w in $BENCH; do
		# The file of that name and every file with that tag.
		[ -e "$dir/$w.toml" ] && pick+=("$dir/$w.toml")
		mapfile -t tagged < <("${lab[@]}" list --tag "$w" --paths "$dir")
		if [ ${#tagged[@]} = 0 ] && ! [ -e "$dir/$w.toml" ]; then
			echo "bench.sh: BENCH=$w: no file $dir/$w.toml and no file tagged $w" >&2
			echo "  files: $(cd "$dir" && ls -- *.toml | sed 's/\.toml$//' | tr '\n' ' ')" >&2
			exit 2
		fi
		pick+=("${tagged[@]}")
	done
fi
rank() {	# 0: switches the module, 2: traces, 1: the rest
	if grep -q '"experiment.module"' "$1"; then echo 0
	elif grep -q '^kind = "cwnd"' "$1"; then echo 2
	else echo 1; fi
}
mapfile -t files < <(for f in "${pick[@]}"; do echo "$(rank "$f") $f"; done |
	sort -u | sort -k1,1n -k2 | cut -d' ' -f2-)

args=()
[ -n "${QUICK:-}" ] && args+=(--quick)
[ -n "${REPS:-}" ] && args+=(--set "experiment.reps=$REPS")
for o in ${ONLY:-}; do
	args+=(--only "$o")
done

# Refused here, before anything is built or booted.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${lab[@]}" check "${args[@]}" --resolve "$work/exp" "${files[@]}"
mapfile -t names < <("${lab[@]}" check --names "${args[@]}" "${files[@]}")
est=$("${lab[@]}" check --estimate "${args[@]}" "${files[@]}")
# NN-NAME.json, NN the order above (vm.sh resolves them again, in order).
resolved=("$work"/exp/*.json)
echo "# bench: ${names[*]} (about $(((est + 59) / 60)) min of VM time per kernel)"

rm -rf out/bench
mkdir -p out/bench/results
rc=0
for s in "$@"; do
	# Never an earlier session's results, if this one fails to boot.
	# (For unstable the chroot, and so its kver, may come with vm.sh.)
	kver=$(kver_of "$s" 2>/dev/null) && rm -rf "$TCPLAB_OUT/$kver/files/lab"
	start=$(date +%s)
	VM_TIMEOUT=${VM_TIMEOUT:-$((est * 3 / 2 + 600))} \
		scripts/vm.sh lab "$s" "${resolved[@]}" || rc=1
	kver=$(kver_of "$s")
	echo "$kver $(( $(date +%s) - start ))" >>out/bench/vm-seconds.txt
	res=$TCPLAB_OUT/$kver/files/lab
	if [ ! -f "$res/book.json" ]; then
		echo "bench.sh: no results came back from the VM for $kver" >&2
		rc=1
		continue
	fi
	cp -a "$res" "out/bench/results/$kver"
	# Every run's own plots and numbers, as `make run` shows them.
	"${lab[@]}" page "out/bench/results/$kver" --out "out/bench/$kver.html" \
		--quiet --title "tcplab benchmarks: Linux $kver" || rc=1
done
if compgen -G "out/bench/results/*/book.json" >/dev/null; then
	"${lab[@]}" bench out/bench/results/* --out out/bench || rc=1
fi
ls out/bench
exit $rc
