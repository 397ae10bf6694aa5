#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tcp_lab selftests as the kselftest runner does: each program in
# TEST_PROGS (or those named on the command line) under the timeout from
# ./settings, its output indented with "# ", one "ok N selftests: tcp_lab: X"
# line per program; exit 4 is a skip.
cd "$(dirname "$0")" || exit 1
# shellcheck source=ktap.sh
source ./ktap.sh

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

ktap_plan ${#progs[@]}
[ "${KSFT_MACHINE_SLOW:-no}" = yes ] &&
	echo "# KSFT_MACHINE_SLOW=yes: cases that judge speed report XFAIL when slow"
for t in "${progs[@]}"; do
	echo "# selftests: tcp_lab: $t"
	timeout --kill-after=10 "$timeout_s" ./"$t" 2>&1 |
		while IFS= read -r line; do printf '# %s\n' "$line"; done
	rc=${PIPESTATUS[0]}
	case $rc in
	124) ktap_fail "selftests: tcp_lab: $t" "TIMEOUT $timeout_s seconds" ;;
	*)   ktap_result "$rc" "selftests: tcp_lab: $t" "exit=$rc" ;;
	esac
done
[ "$_ktap_fail" = 0 ]
