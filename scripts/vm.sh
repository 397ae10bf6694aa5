#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh MODE SERIES [TEST...]
#
#   build SERIES   build tcp_lab.ko against SERIES' headers (W=1, sparse)
#   test  SERIES   build, make the initramfs, boot, run the selftests
#   shell SERIES   build, boot, load the module, interactive shell
#   lab   SERIES FILE...
#                  check the lab book's experiment FILEs here first (a
#                  refused file stops everything before the build), then
#                  build, boot, load the module and run them with
#                  scripts/lab/tcplab-lab; the results directory comes
#                  back as out/KVER/files/lab/ (text files only)
#
# SERIES is 6.1, 6.12 or unstable: Debian unstable's newest kernel, built
# with a newer gcc than Debian 12's, so the module is compiled in a sid
# chroot (scripts/unstable-chroot.sh, made on first use, once per machine);
# its VM runs on the host like the others'.
#
# The guest runs under TCG (KVM hangs on this host), with panic_on_warn, and
# is killed after VM_TIMEOUT seconds (default 1500) whatever it is doing, so
# a hung guest never hangs this script. Test and run output arrives on the
# guest's second serial port and is streamed here as it comes; the kernel log
# is kept in out/KVER/console-MODE.log (one per mode, so a lab run after the
# tests leaves the tests' kernel log, and any oops in it, alone).
#
# Exit status: 0 only if the guest finished, every test passed or skipped,
# and the kernel log holds no WARNING, BUG, Oops or panic.
set -euo pipefail

mode=${1:?usage: vm.sh build|test|shell|lab SERIES [TEST...]}
series=${2:?usage: vm.sh build|test|shell|lab SERIES [TEST...]}
shift 2

source "$(dirname "$0")/kernels.sh"

if [ "$series" = unstable ]; then
	"$TCPLAB_TOP/scripts/unstable-chroot.sh"
fi
if [ "$series" = debug ]; then
	"$TCPLAB_TOP/scripts/debug-kernel.sh" >/dev/null
	# KASAN, lockdep and kmemleak make it several times slower, and KASAN's
	# shadow and kmemleak's metadata want memory.
	VM_TIMEOUT=${VM_TIMEOUT:-7200}
	VM_MEM=${VM_MEM:-3072}
fi
kver=$(kver_of "$series")
kdir=$(kdir_of "$kver")
work=$TCPLAB_OUT/$kver
mkdir -p "$work"

if [ "$mode" = lab ]; then
	[ $# -gt 0 ] || { echo "usage: vm.sh lab SERIES FILE..." >&2; exit 2; }
	# Refused here, with the file and the key, before anything is built
	# or booted; what passes is resolved (base, override) into one JSON
	# document per experiment for the guest.
	py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	rm -rf "$work/lab-exp"
	"$py" "$TCPLAB_TOP/scripts/lab/tcplab-lab" check --resolve "$work/lab-exp" "$@" ||
		exit 1
	export LAB_EXP_DIR=$work/lab-exp
	set --
fi

build_module() {
	local src=$work/build
	rm -rf "$src"
	mkdir -p "$src"
	cp -a "$TCPLAB_TOP"/Kbuild "$TCPLAB_TOP"/module "$TCPLAB_TOP"/include "$src/"
	# C=2 runs sparse on every file, W=1 the extra warnings: both must be
	# silent, which check.sh verifies from this log.
	# A chroot kernel builds with the chroot's toolchain, the copy
	# bind-mounted at /build.
	local make=(make -C "$kdir" M="$src")
	if is_chroot_kver "$kver"; then
		make=(in_chroot "$TCPLAB_UNSTABLE_CHROOT" --bind "$src"
		      make -C "${kdir#"$TCPLAB_UNSTABLE_CHROOT"}" M=/build)
	fi
	if ! "${make[@]}" W=1 C=2 modules >"$work/build.log" 2>&1; then
		cat "$work/build.log" >&2
		echo "vm.sh: module build failed for $kver" >&2
		return 1
	fi
	cp "$src/module/tcp_lab.ko" "$work/tcp_lab.ko"
}

build_module
[ "$mode" = build ] && exit 0

kimg=$(fetch_kernel "$kver")
"$TCPLAB_TOP/scripts/initramfs.sh" "$kver" "$kimg" "$work/tcp_lab.ko" "$work/initramfs.cpio.gz"

VM_TIMEOUT=${VM_TIMEOUT:-1500}
VM_MEM=${VM_MEM:-2048}
VM_CPUS=${VM_CPUS:-2}
append="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 loglevel=7"
append+=" net.ifnames=0 tcplab.mode=$mode"
[ "$series" = debug ] || [ "${KSFT_MACHINE_SLOW:-}" = yes ] && append+=" KSFT_MACHINE_SLOW=yes"
[ $# -gt 0 ] && append+=" tcplab.tests=$(IFS=,; echo "$*")"
[ -n "${STRESS_TIME:-}" ] && append+=" tcplab.stress_time=$STRESS_TIME"

qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "$VM_MEM" -smp "$VM_CPUS"
      -kernel "$kimg/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz"
      -nodefaults -no-reboot -display none -nic none)

if [ "$mode" = shell ]; then
	# Only warnings and worse on the interactive console; dmesg has the rest.
	exec "${qemu[@]}" -serial mon:stdio -serial null -append "$append loglevel=4"
fi

# One guest at a time on this machine: TCG guests are CPU-bound, and timing
# assertions in one would suffer from another running beside it.
exec 9>"${TCPLAB_VM_LOCK:-/tmp/tcplab-vm.lock}"
flock 9

console=$work/console-$mode.log
problems=$work/kernel-problems-$mode.log
output=$work/$mode.log

# boot: one run of the guest, its output streamed here.
boot() {
	: >"$console"
	: >"$output"
	start=$(date +%s)
	timeout --kill-after=10 "$VM_TIMEOUT" "${qemu[@]}" \
		-serial "file:$console" -serial "file:$output" -append "$append" \
		</dev/null >"$work/qemu.log" 2>&1 &
	qpid=$!
	# Stream the guest's output while it runs; tail ends when QEMU does. Files
	# the guest sends back (between "TCPLAB-FILE path" and "TCPLAB-EOF") are
	# written to out/KVER/files/PATH instead of the terminal; a path that
	# climbs out (..) or starts at / is dropped.
	rm -rf "$work/files"
	mkdir -p "$work/files"
	tail -n +1 --pid="$qpid" -f "$output" | tr -d '\r' |
		awk -v dir="$work/files" '
			/^TCPLAB-FILE / {
				name = substr($0, 13)
				if (name == "" || name ~ /^\// || name ~ /(^|\/)\.\.(\/|$)/ ||
				    name ~ /["$`\\]/) {
					f = "/dev/null"
					next
				}
				f = dir "/" name
				if (name ~ /\//) {
					d = f
					sub(/\/[^\/]*$/, "", d)
					system("mkdir -p \"" d "\"")
				}
				printf "" > f
				next
			}
			/^TCPLAB-EOF$/ { close(f); f = ""; next }
			f != "" { print > f; next }
			/^TCPLAB-DONE/ { next }
			{ print; fflush() }' || true
	wait "$qpid" && qrc=0 || qrc=$?
}

boot
# Under TCG a vCPU now and then runs code the other one is live-patching
# (a static key flipped during boot) and dies on the int3 of the patch site
# before anything of ours has run: nothing on the test port yet, an int3
# oops on the console. That is QEMU's, not the kernel's or ours: boot once
# more. Any other failure, or one after the guest started, stands.
if [ ! -s "$output" ] && grep -aq 'Oops: int3' "$console"; then
	echo "vm.sh: $kver: the guest died of an int3 oops while booting (TCG text patching); booting again" >&2
	cp "$console" "$work/console-$mode-boot1.log"
	boot
fi
elapsed=$(( $(date +%s) - start ))

fail=0
completed=1
clean=1
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm.sh: $kver: guest killed after ${VM_TIMEOUT}s" >&2
	fail=1
	completed=0
fi
done_line=$(tr -d '\r' <"$output" | grep -a '^TCPLAB-DONE' | tail -n 1 || true)
if [ -z "$done_line" ]; then
	echo "vm.sh: $kver: guest did not finish (panic or hang); last kernel lines:" >&2
	tail -n 30 "$console" >&2
	fail=1
	completed=0
elif [ "$done_line" != "TCPLAB-DONE rc=0" ]; then
	fail=1
fi
if grep -aE 'WARNING:|BUG:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:|suspected memory leaks|INFO: trying to register non-static key' "$console" >"$problems"; then
	echo "vm.sh: $kver: kernel log has problems:" >&2
	cat "$problems" >&2
	fail=1
	clean=0
fi
printf 'completed=%s\nkernel_log_clean=%s\n' "$completed" "$clean" >"$work/vm-status"
echo "# vm: $kver $mode finished in ${elapsed}s (qemu exit $qrc, ${done_line:-no completion marker})"
exit $fail
