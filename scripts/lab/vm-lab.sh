#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-lab.sh SERIES OUTDIR FILE...: `make run` and `make lab`.
#
# Checks the experiment FILEs here (a refused file stops everything before
# the VM is built or booted), runs them in the test VM on kernel SERIES
# (scripts/vm.sh lab), then makes OUTDIR/index.html from the results that
# came back (kept in OUTDIR/results/) and checks it in headless Chromium,
# with a screenshot beside it (OUTDIR/index.png).
#
# Exit status: 0 only if the VM run was clean, every experiment ended as
# its file expects, and the page passed the browser check.
set -uo pipefail

series=${1:?usage: vm-lab.sh SERIES OUTDIR FILE...}
outdir=${2:?usage: vm-lab.sh SERIES OUTDIR FILE...}
shift 2
[ $# -gt 0 ] || { echo "usage: vm-lab.sh SERIES OUTDIR FILE..." >&2; exit 2; }

top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/scripts/kernels.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
lab=("$py" "$top/scripts/lab/tcplab-lab")

"${lab[@]}" check "$@" || exit 1
kver=$(kver_of "$series") || exit 1
start=$(date +%s)
"$top/scripts/vm.sh" lab "$series" "$@"
rc=$?
res=$TCPLAB_OUT/$kver/files/lab
if [ ! -f "$res/book.json" ]; then
	echo "vm-lab: no results came back from the VM ($res)" >&2
	exit 1
fi
mkdir -p "$outdir"
rm -rf "$outdir/results"
cp -a "$res" "$outdir/results"
"${lab[@]}" page "$outdir/results" --out "$outdir/index.html" --quiet \
	--title "tcplab lab book: Linux $kver" || rc=1
"${lab[@]}" browser-check "$outdir/index.html" --screenshot "$outdir/index.png" || rc=1
echo "# lab: $(( $(date +%s) - start )) s in all; page: $outdir/index.html"
exit $rc
