# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# KTAP results and kselftest exit codes: sourced by lib.sh (so by every
# selftest), by the unit test scripts and by the host-side checks
# (scripts/check.sh, dkms-test.sh, kselftest-test.sh). Results and the
# totals line are printed the way kselftest.h prints them:
#
#   ok N name                 not ok N name [# DIRECTIVE]
#   ok N name # SKIP why      ok N name # XFAIL why
#   # Totals: pass:N fail:N xfail:N xpass:0 skip:N error:0
#
# ktap_finished exits 0 (no failure), 1 (a failure) or 4 (nothing but
# skips), as the kselftest runner reads it.

KSFT_PASS=0 KSFT_FAIL=1 KSFT_XFAIL=2 KSFT_SKIP=4

_ktap_n=0 _ktap_pass=0 _ktap_fail=0 _ktap_skip=0 _ktap_xfail=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# _ktap_line TALLY RESULT NAME [DIRECTIVE]
_ktap_line() {
	_ktap_n=$((_ktap_n + 1))
	printf -v "$1" '%d' $(( ${!1} + 1 ))
	echo "$2 $_ktap_n $3${4:+ # $4}"
}

ktap_pass() { _ktap_line _ktap_pass ok "$1"; }
ktap_fail() { _ktap_line _ktap_fail "not ok" "$1" "${2:-}"; }
ktap_skip() { _ktap_line _ktap_skip ok "$1" "SKIP${2:+ $2}"; }
# ktap_xfail NAME WHY: failed, as it is known to on this kernel.
ktap_xfail() { _ktap_line _ktap_xfail ok "$1" "XFAIL $2"; }

# ktap_result RC NAME [DIRECTIVE]: one case from an exit status (4 is a
# skip); DIRECTIVE goes on a failure.
ktap_result() {
	case $1 in
	0) ktap_pass "$2" ;;
	"$KSFT_SKIP") ktap_skip "$2" ;;
	*) ktap_fail "$2" "${3:-}" ;;
	esac
}

# check NAME CMD...: one case, passed when CMD succeeds; CMD's status.
check() {
	local name=$1
	shift
	if "$@"; then ktap_pass "$name"; else ktap_fail "$name"; return 1; fi
}

# check_output NAME WANT CMD...: one case, passed when CMD prints WANT (its
# lines joined, each followed by a space).
check_output() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" | tr '\n' ' ')
	check "$name" test "$got" = "$want" || diag "got '$got', want '$want'"
}

# check_xfail WHY NAME CMD...: like check; with WHY set (a known limit of
# this kernel), a failure is an XFAIL that says WHY.
check_xfail() {
	local why=$1 name=$2
	shift 2
	if "$@"; then
		ktap_pass "$name"
	elif [ -n "$why" ]; then
		ktap_xfail "$name" "$why"
	else
		ktap_fail "$name"
	fi
}

# diag TEXT: a KTAP comment; every line of TEXT gets its "# ".
diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

ktap_finished() {
	echo "# Totals: pass:$_ktap_pass fail:$_ktap_fail xfail:$_ktap_xfail xpass:0 skip:$_ktap_skip error:0"
	if [ "$_ktap_fail" -gt 0 ]; then
		exit $KSFT_FAIL
	elif [ $((_ktap_pass + _ktap_xfail)) -eq 0 ] && [ "$_ktap_skip" -gt 0 ]; then
		exit $KSFT_SKIP
	fi
	exit $KSFT_PASS
}

# skip_all REASON: nothing here can run.
skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}
