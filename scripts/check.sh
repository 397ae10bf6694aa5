#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [SERIES...]: everything `make check` runs, in KTAP, ending with
# "# N skipped" and a last line "N passed, N failed" over every test on
# every kernel.
#
#   1. dependencies (scripts/deps.sh)
#   2. static checks per kernel: the module builds with W=1 and sparse
#      without a single warning; checkpatch on the sources; two builds
#      against kernel trees made here (scripts/static-trees.sh): 32-bit
#      (i386, no libgcc helper) and CONFIG_IPV6=n, and mutants they must
#      catch (scripts/static-mutants.sh)
#   3. userspace unit tests (ASan + UBSan), a short libFuzzer pass, DKMS
#   4. the selftests in the VM, once per kernel
#   5. the lab book's engine tests and a quick lab book in the VM, its
#      page checked in headless Chromium
#
# check.sh --vm-only SERIES...: steps 1, 2 and 4 only (make check-debug).
#
# The whole log is also kept in out/check.log (out/check-SERIES.log with
# --vm-only).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
source scripts/kernels.sh
source selftests/ktap.sh
vm_only=0
if [ "${1:-}" = --vm-only ]; then
	vm_only=1
	shift
fi
[ $# -gt 0 ] || set -- 6.1 6.12
mkdir -p out
log=out/check.log
[ $vm_only = 1 ] && log="out/check-$(IFS=-; echo "$*").log"
: >"$log"

checkpatch() {
	local cp
	cp=$(checkpatch_path) || return 1
	# compat.h is where LINUX_VERSION_CODE belongs; nowhere else.
	"$cp" --no-tree --quiet --show-types -f module/*.c \
		$(ls module/*.h | grep -vx module/compat.h) include/tcp_lab/*.h \
		selftests/unit/*.c selftests/unit/*.h &&
	"$cp" --no-tree --quiet --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h
}

run_all() {
	local s kver t0 rc
	echo "TAP version 13"
	t0=$(date +%s)
	scripts/deps.sh 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "deps: Debian packages installed"

	local bad='warning:|error:|is not available or not up to date'
	for s in "$@"; do
		# After the build: for unstable it may create the chroot
		# that kver_of reads.
		scripts/vm.sh build "$s" >/dev/null 2>&1
		rc=$?
		kver=$(kver_of "$s" 2>/dev/null) || kver=$s
		ktap_result $rc "static: $s builds ($kver)"
		if [ $rc = 0 ]; then
			# Kbuild skips sparse with only a note when it thinks
			# sparse cannot handle the kernel: that is no pass.
			grep -E "$bad" "out/$kver/build.log" | sed 's/^/# /'
			! grep -qE "$bad" "out/$kver/build.log"
			ktap_result $? "static: $s W=1 and sparse clean"
		fi
	done

	[ $vm_only = 1 ] || host_checks
	vm_checks "$@"
	[ $vm_only = 1 ] || lab_checks "$@"
}

# The lab book: its engine's unit tests, then a quick lab book (the
# experiments tagged quick, mutants among them, each of which must end as
# its file expects) on one kernel, its page checked in headless Chromium,
# and proof that the check refuses a page with a plot taken out.
lab_checks() {
	local s=$1 files lab=(/usr/bin/python3 scripts/lab/tcplab-lab)
	case " $* " in *" 6.12 "*) s=6.12 ;; esac
	/usr/bin/python3 -m unittest discover -s scripts/lab/tests 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "lab: engine unit tests"
	files=$("${lab[@]}" list --tag quick --paths scripts/lab/experiments \
		scripts/lab/experiments/mutants)
	# shellcheck disable=SC2086 # one word per file
	scripts/lab/vm-lab.sh "$s" out/check-lab $files 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "lab: quick lab book on $s, every verdict as its file expects, page passes the browser check"
	"${lab[@]}" browser-check out/check-lab/index.html --negative 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "lab: the browser check refuses the page with a plot taken out"
}

# Everything that runs on the host once, whichever the kernels.
host_checks() {
	local targets
	checkpatch 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "static: checkpatch clean"

	# Kernels no Debian amd64 headers give: their trees are made once
	# and cached (the first time takes minutes).
	scripts/static-trees.sh build i386 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "static: i386 (32-bit) build W=1 clean, no libgcc helper (__*di3)"
	scripts/static-trees.sh build noipv6 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "static: CONFIG_IPV6=n build W=1 clean, every import exported"
	scripts/static-mutants.sh 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "static: the i386 and IPV6=n builds catch their mutants"

	# Nested like the VM runner's output, so each unit case counts once.
	make -s -C selftests/unit run 2>&1 | grep -v '^make' | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "unit: userspace unit tests (ASan+UBSan)"

	scripts/dkms-test.sh 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "dkms: add, install for every kernel, modinfo"

	scripts/kselftest-test.sh 2>&1 | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "kselftest: installed into linux-source-6.12's tree, run by run_kselftest.sh"

	# A short fuzzing pass: about a minute shared by all targets.
	targets=$(ls selftests/unit/fuzz/fuzz_*.c | wc -l)
	make -s -C selftests/unit/fuzz run FUZZ_TIME=$(( 60 / (targets ? targets : 1) )) 2>&1 |
		grep -v '^make' | sed 's/^/# /'
	ktap_result "${PIPESTATUS[0]}" "fuzz: libFuzzer targets (ASan+UBSan), short pass"
}

vm_checks() {
	local s kver t0
	for s in "$@"; do
		t0=$(date +%s)
		kver=$(kver_of "$s" 2>/dev/null) || kver=$s
		rm -f "out/$kver/vm-status"
		scripts/vm.sh test "$s" 2>&1
		# The selftests counted themselves above; these are the VM's own.
		grep -qx completed=1 "out/$kver/vm-status" 2>/dev/null
		ktap_result $? "vm: $s guest booted, ran the selftests and powered off"
		grep -qx kernel_log_clean=1 "out/$kver/vm-status" 2>/dev/null
		ktap_result $? "vm: $s kernel log has no WARNING, BUG, Oops or panic"
		echo "# wall time $s ($kver): $(( $(date +%s) - t0 ))s"
	done
}

run_all "$@" | tee "$log" | grep -v '^TCPLAB'
awk -f scripts/ktap-count.awk "$log"
