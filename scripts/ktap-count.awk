# SPDX-License-Identifier: GPL-2.0
#
# Count test results in the KTAP that `make check` prints, and print the
# closing lines: "# N skipped", "# N expected failures (XFAIL)", and last
# "N passed, N failed".
#
# Leaf results are counted one by one: "# ok N ..." lines inside the
# kselftest-style runner, and top-level "ok N ..." lines of the unit tests,
# static checks and VM checks. A runner line "ok N selftests: ..." stands for
# its leaves, so it counts only when it reports something they did not: a
# failure (timeout, crash) with no failing leaf, or a skip with no leaves.
# An XFAIL (a known limit of one kernel, or a timing on a KSFT_MACHINE_SLOW
# machine) is neither passed nor failed: it is counted apart, as a skip is.

function reset_leaves() { leaves = 0; leaf_fail = 0 }

# tally(NOT): one result of the line in $0.
function tally(not) {
	if (not) fail++
	else if ($0 ~ /# SKIP/) skip++
	else if ($0 ~ /# XFAIL/) xfail++
	else pass++
}

BEGIN { pass = 0; fail = 0; skip = 0; xfail = 0; reset_leaves() }

/^# (not )?ok [0-9]+ / {
	leaves++
	if ($2 == "not") leaf_fail++
	tally($2 == "not")
	next
}

/^(not )?ok [0-9]+ / {
	if (leaves == 0 || ($1 == "not" && leaf_fail == 0))
		tally($1 == "not")
	reset_leaves()
	next
}

END {
	printf "# %d skipped\n", skip
	printf "# %d expected failures (XFAIL)\n", xfail
	# The totals line comes last, as CI reads it: "N passed, N failed".
	printf "%d passed, %d failed\n", pass, fail
	exit fail > 0
}
