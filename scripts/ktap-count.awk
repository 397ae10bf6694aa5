# SPDX-License-Identifier: GPL-2.0
#
# Count test results in the KTAP that `make check` prints, and print the
# closing "N passed, N failed, N skipped" line.
#
# Leaf results are counted one by one: "# ok N ..." lines inside the
# kselftest-style runner, and top-level "ok N ..." lines of the unit tests,
# static checks and VM checks. A runner line "ok N selftests: ..." stands for
# its leaves, so it counts only when it reports something they did not: a
# failure (timeout, crash) with no failing leaf, or a skip with no leaves.

function reset_leaves() { leaves = 0; leaf_fail = 0 }

BEGIN { pass = 0; fail = 0; skip = 0; reset_leaves() }

/^# (not )?ok [0-9]+ / {
	leaves++
	if ($2 == "not") { fail++; leaf_fail++ }
	else if ($0 ~ /# SKIP/) skip++
	else pass++
	next
}

/^(not )?ok [0-9]+ / {
	if (leaves == 0 || ($1 == "not" && leaf_fail == 0)) {
		if ($1 == "not") fail++
		else if ($0 ~ /# SKIP/) skip++
		else pass++
	}
	reset_leaves()
	next
}

END {
	# The totals line comes last, as CI reads it: "N passed, N failed".
	printf "# %d skipped\n", skip
	printf "%d passed, %d failed\n", pass, fail
	exit fail > 0
}
