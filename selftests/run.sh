#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tcp_lab selftests as the kselftest runner does: each program in
# TEST_PROGS (or those named on the command line) under the timeout from
# ./settings, its output indented with "# ", one "ok N selftests: tcp_lab: X"
# line per program; exit 4 is a skip.
cd "$(dirname "$0")" || exit 1

timeout_s=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout_s=${timeout_s:-300}
# `make stress STRESS_TIME=N` runs stress.sh's long version: more time.
[ -n "${STRESS_TIME:-}" ] && timeout_s=$((timeout_s + 10 * STRESS_TIME))

if [ $# -gt 0 ]; then
	progs=("$@")
else
	# TEST_PROGS from the Makefile, continuation lines joined; no make
	# needed, the VM has none.
	read -r -a progs <<<"$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' Makefile |
		sed -n 's/^TEST_PROGS *:= *//p')"
fi

echo "TAP version 13"
echo "1..${#progs[@]}"
n=0
fail=0
for t in "${progs[@]}"; do
	n=$((n + 1))
	echo "# selftests: tcp_lab: $t"
	timeout --kill-after=10 "$timeout_s" ./"$t" 2>&1 |
		while IFS= read -r line; do printf '# %s\n' "$line"; done
	rc=${PIPESTATUS[0]}
	case $rc in
	0)   echo "ok $n selftests: tcp_lab: $t" ;;
	4)   echo "ok $n selftests: tcp_lab: $t # SKIP" ;;
	124) echo "not ok $n selftests: tcp_lab: $t # TIMEOUT $timeout_s seconds"; fail=1 ;;
	*)   echo "not ok $n selftests: tcp_lab: $t # exit=$rc"; fail=1 ;;
	esac
done
exit $fail
