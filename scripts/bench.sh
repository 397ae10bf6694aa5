#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [SERIES...]: run the benchmarks in one VM session per kernel,
# merge each benchmark's CSV across kernels into out/bench/NAME.csv, and draw
# the plots (scripts/plot/NAME.sh, each given out/bench as its argument).
#
#   BENCH="cc ..."   only these benchmarks (scripts/guest/bench/NN-NAME.sh)
#   REPS=N           run the congestion-control matrix N times (cc.csv holds
#                    the medians, cc_runs.csv every run)
#   CC_ONLY=a,b      only the cc scenarios whose names start with a or b
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
source scripts/kernels.sh
[ $# -gt 0 ] || set -- 6.1 6.12
if ! [[ ${REPS:-1} =~ ^[1-9][0-9]?$ ]]; then
	echo "bench.sh: REPS must be 1..99, not '$REPS'" >&2
	exit 2
fi
if ! [[ ${CC_ONLY:-} =~ ^[A-Za-z0-9_.,]*$ ]]; then
	echo "bench.sh: CC_ONLY is a comma-separated list of scenario name prefixes" >&2
	exit 2
fi
# shellcheck disable=SC2206
names=(${BENCH:-})

rm -rf out/bench
mkdir -p out/bench
rc=0
for s in "$@"; do
	scripts/vm.sh bench "$s" "${names[@]}" || rc=1
	# After vm.sh: for unstable it may have just made the chroot.
	kver=$(kver_of "$s")
	for f in "out/$kver/files/"*.csv; do
		[ -e "$f" ] || continue
		name=${f##*/}
		# Header once, then every kernel's rows.
		[ -e "out/bench/$name" ] || head -n 1 "$f" >"out/bench/$name"
		tail -n +2 "$f" >>"out/bench/$name"
	done
done
for p in scripts/plot/*.sh; do
	# run.sh draws `make run`'s plot, not a benchmark's.
	[ -e "$p" ] && [ "${p##*/}" != run.sh ] || continue
	bash "$p" out/bench || rc=1
done
ls -l out/bench
exit $rc
