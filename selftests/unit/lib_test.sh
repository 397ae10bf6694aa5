#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftest library's contract with the kselftest runner: a missing tool
# or module is a SKIP (exit 4), never a PASS; a failed case is exit 1; a
# known limit, or a timing on a KSFT_MACHINE_SLOW machine, is an XFAIL.
lib=$(cd "$(dirname "$0")/.." && pwd)/lib.sh
# shellcheck source=../ktap.sh
source "$(dirname "$lib")/ktap.sh"

t() {	# t NAME EXPECTED_RC EXPECTED_OUTPUT_REGEX SCRIPT
	local out rc
	out=$(bash -c "source '$lib'; $4" 2>&1)
	rc=$?
	[ "$rc" = "$2" ] && grep -Eq "$3" <<<"$out"
	check "$1" [ $? = 0 ] || diag "$(sed "s/^/(rc=$rc) /" <<<"$out")"
}

ktap_plan 10
t lib_missing_tool_skips 4 '^1\.\.0 # SKIP no-such-tool-x not installed$' \
	'require_cmd bash no-such-tool-x; ktap_plan 1; ktap_pass reached; ktap_finished'
if [ -e /proc/net/tcp_lab ]; then
	ktap_skip lib_missing_module_skips "tcp_lab is loaded here"
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
t lib_known_limit_is_xfail_exits_0 0 '^ok 2 b # XFAIL known limit$' \
	'ktap_plan 2; ktap_pass a; check_xfail "known limit" b false; ktap_finished'
t lib_timing_failure_on_slow_machine_is_xfail 0 '^ok 1 a # XFAIL KSFT_MACHINE_SLOW' \
	'KSFT_MACHINE_SLOW=yes; ktap_plan 1; timing_check a false; ktap_finished'
t lib_timing_failure_fails_otherwise 1 '^not ok 1 a$' \
	'KSFT_MACHINE_SLOW=no; ktap_plan 1; timing_check a false; ktap_finished'
# Comm recording turned back on while the test's instance still has events
# on registers sched probes, live-patching the scheduler (an int3 oops under
# TCG): the instance must go first. A tracefs of plain files stands in.
fake=$(mktemp -d)
mkdir -p "$fake/options" "$fake/instances"
echo 1 >"$fake/options/record-cmd"
t lib_trace_instance_removed_before_comm_recording_is_restored 0 \
	'^off 0, order: rmdir record-cmd$' \
	"_lab_tracefs() { echo '$fake'; }; trace_start || echo failed
	 printf 'off %s, order:' \"\$(cat '$fake/options/record-cmd')\"
	 for c in \"\${_lab_exit_cmds[@]}\"; do
		case \$c in rmdir*) printf ' rmdir';; *record-cmd*) printf ' record-cmd';; esac
	 done; echo"
rm -rf "$fake"
ktap_finished
