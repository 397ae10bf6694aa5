#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftest library's contract with the kselftest runner: a missing tool
# or module is a SKIP (exit 4), never a PASS; a failed case is exit 1.
lib=$(cd "$(dirname "$0")/.." && pwd)/lib.sh
n=0
rc_all=0

t() {	# t NAME EXPECTED_RC EXPECTED_OUTPUT_REGEX SCRIPT
	local out rc
	n=$((n + 1))
	out=$(bash -c "source '$lib'; $4" 2>&1)
	rc=$?
	if [ "$rc" = "$2" ] && grep -Eq "$3" <<<"$out"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "$out" | sed "s/^/# (rc=$rc) /"
		rc_all=1
	fi
}

echo "TAP version 13"
echo "1..6"
t lib_missing_tool_skips 4 '^1\.\.0 # SKIP no-such-tool-x not installed$' \
	'require_cmd bash no-such-tool-x; ktap_plan 1; ktap_pass reached; ktap_finished'
if [ -e /proc/net/tcp_lab ]; then
	n=$((n + 1))
	echo "ok $n lib_missing_module_skips # SKIP tcp_lab is loaded here"
else
	t lib_missing_module_skips 4 '# SKIP tcp_lab module not loaded' \
		'TCPLAB_KO=/nonexistent require_module; echo reached'
fi
t lib_all_pass_exits_0 0 '^ok 2 b$' \
	'ktap_plan 2; ktap_pass a; ktap_pass b; ktap_finished'
t lib_a_failure_exits_1 1 '^not ok 2 b$' \
	'ktap_plan 3; ktap_pass a; check b false; ktap_skip c why; ktap_finished'
t lib_only_skips_exits_4 4 '^ok 1 a # SKIP why$' \
	'ktap_plan 1; ktap_skip a why; ktap_finished'
t lib_diag_prefixes_every_line 0 '^# two$' \
	'diag "$(printf "one\ntwo")"'
exit $rc_all
