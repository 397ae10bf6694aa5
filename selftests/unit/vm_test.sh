#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vm.sh around a stand-in QEMU (and make, and initramfs.sh): the
# kernel log of each mode's boot is kept apart, so a lab run after the
# tests does not overwrite an oops the tests' boot logged; the problems it
# finds there fail the run and name the file. Needs the headers of one
# series vm.sh knows (scripts/deps.sh installs them); skipped without.
top=$(cd "$(dirname "$0")/../.." && pwd)
vm_sh=${VM_SH:-$top/scripts/vm.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../ktap.sh
source "$(dirname "$0")/../ktap.sh"
# shellcheck source=../../scripts/kernels.sh
source "$top/scripts/kernels.sh"

series=
for s in 6.12 6.1; do
	kver=$(kver_of "$s" 2>/dev/null) && [ -d "/usr/src/linux-headers-$kver" ] &&
		{ series=$s; break; }
done
[ -n "$series" ] || skip_all "no kernel headers here"
ktap_plan 5

# A tree with what vm.sh reads from it: the lab book's engine is the real
# one (the lab mode checks its file first), the rest stand-ins.
mkdir -p "$tmp/top/scripts" "$tmp/top/module" "$tmp/top/include" "$tmp/bin" \
	"$tmp/cache/kernels/$kver/boot" "$tmp/out"
touch "$tmp/top/Kbuild" "$tmp/cache/kernels/$kver/boot/vmlinuz-$kver" \
	"$tmp/cache/kernels/$kver/.complete"
ln -s "$top/scripts/lab" "$tmp/top/scripts/lab"
cat >"$tmp/top/scripts/initramfs.sh" <<'EOF'
#!/bin/sh
touch "$4"
EOF
cat >"$tmp/bin/make" <<'EOF'
#!/bin/sh
for a; do case $a in M=*) m=${a#M=} ;; esac; done
touch "$m/module/tcp_lab.ko"
EOF
# The guest: the kernel log on the first serial port says which mode booted
# (and whatever VM_TEST_CONSOLE adds), the second the completion marker.
cat >"$tmp/bin/qemu-system-x86_64" <<'EOF'
#!/bin/bash
files=() append=
while [ $# -gt 0 ]; do
	case $1 in
	-serial) [[ $2 == file:* ]] && files+=("${2#file:}"); shift ;;
	-append) append=$2; shift ;;
	esac
	shift
done
mode=$(tr ' ' '\n' <<<"$append" | sed -n 's/^tcplab\.mode=//p')
printf 'booted %s\n%s' "$mode" "${VM_TEST_CONSOLE:-}" >"${files[0]}"
echo 'TCPLAB-DONE rc=0' >"${files[1]}"
EOF
chmod +x "$tmp/bin/"* "$tmp/top/scripts/initramfs.sh"

run_vm() {
	PATH=$tmp/bin:$PATH TCPLAB_TOP=$tmp/top TCPLAB_CACHE=$tmp/cache \
		TCPLAB_OUT=$tmp/out TCPLAB_VM_LOCK=$tmp/lock \
		"$vm_sh" "$@" >"$tmp/vm.out" 2>&1
}
work=$tmp/out/$kver
exp=$top/scripts/lab/experiments/ackflood.toml

VM_TEST_CONSOLE=$'Oops: 0000 [#1] in the tests\n' run_vm test "$series"
check vm_sh_test_run_fails_on_oops [ $? = 1 ]
run_vm lab "$series" "$exp"
check vm_sh_lab_run_after_it_passes [ $? = 0 ]
check_output vm_sh_tests_kernel_log_kept "booted test Oops: 0000 [#1] in the tests " \
	cat "$work/console-test.log"
check_output vm_sh_lab_kernel_log_apart "booted lab " cat "$work/console-lab.log"
check_output vm_sh_problems_named_per_mode "Oops: 0000 [#1] in the tests " \
	cat "$work/kernel-problems-test.log"
ktap_finished
