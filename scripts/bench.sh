#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [SERIES...]: run the benchmarks in one VM session per kernel,
# merge each benchmark's CSV across kernels into out/bench/NAME.csv, and draw
# the plots (scripts/plot/NAME.sh, each given out/bench as its argument).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
source scripts/kernels.sh
[ $# -gt 0 ] || set -- 6.1 6.12

rm -rf out/bench
mkdir -p out/bench
rc=0
for s in "$@"; do
	scripts/vm.sh bench "$s" || rc=1
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
