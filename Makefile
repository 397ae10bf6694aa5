# SPDX-License-Identifier: GPL-2.0
#
# tcplab: build the module for one kernel, or drive the test VM.
#
#   make                 build module/tcp_lab.ko for KDIR (default: running kernel)
#   make check           static checks, unit tests, VM selftests on every kernel
#   make check KERNELS=6.1
#   make check KERNELS=unstable   Debian unstable's newest kernel, built in a
#                        sid chroot (scripts/unstable-chroot.sh); not a default
#   make run             boot the VM, load the module, run the lab book
#                        (scripts/lab/experiments/*.toml): out/run/index.html
#   make lab EXP=FILE    run one experiment file (anywhere on disk) in the
#                        VM: out/lab/NAME/index.html (KERNEL=6.1 too)
#   make shell           boot the VM with the module loaded, interactive
#   make bench           benchmarks on every kernel (the experiment files
#                        in scripts/lab/bench/, one VM session per kernel):
#                        out/bench/*.csv, *.svg, summary.txt, index.html
#   make bench QUICK=1   each file's short version ([quick])
#   make bench BENCH=syncookie REPS=5 ONLY="defence=paired,none"
#                        only the files named or tagged syncookie, 5 runs
#                        per cell (medians), only two of the defences
#   make unit            userspace unit tests only
#   make fuzz            libFuzzer targets, FUZZ_TIME seconds each (default 600)
#   make check-debug     build (once) a 6.12 kernel with KASAN, lockdep,
#                        kmemleak, UBSAN; the selftests and the short stress
#                        on it, failing on any report from those
#   make stress          selftests/stress.sh in the VM on every kernel, with
#                        STRESS_TIME seconds per timed phase (default 60)
#   make install         install into /lib/modules/KVER/updates (KDIR's kernel)
#   make uninstall
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= 6.1 6.12
KERNEL ?= 6.12
PWD := $(shell pwd)

.PHONY: all modules clean check check-debug run lab shell unit deps bench fuzz stress install uninstall

FUZZ_TIME ?= 600
STRESS_TIME ?= 60

all: modules

modules:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel build tree at $(KDIR)." >&2; \
		echo "  Install the headers for the running kernel (Debian: apt-get install linux-headers-\$$(uname -r)," >&2; \
		echo "  or linux-headers-amd64 for Debian 12's 6.1), or point at a tree with: make KDIR=/path/to/build" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# The kernel release KDIR builds for: /lib/modules/KREL/build, else KREL=.
KREL ?= $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell uname -r))

install: modules
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KREL)

uninstall:
	rm -f /lib/modules/$(KREL)/updates/module/tcp_lab.ko*
	depmod -a $(KREL)

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(PWD) clean; fi
	rm -rf out

deps:
	scripts/deps.sh

unit:
	$(MAKE) -C selftests/unit run

fuzz:
	$(MAKE) -C selftests/unit/fuzz run FUZZ_TIME=$(FUZZ_TIME)

check:
	scripts/check.sh $(KERNELS)

check-debug:
	scripts/check.sh --vm-only debug

stress:
	scripts/deps.sh
	set -e; for k in $(KERNELS); do STRESS_TIME=$(STRESS_TIME) scripts/vm.sh test $$k stress.sh; done

LAB_PY := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

run:
	scripts/deps.sh
	scripts/lab/vm-lab.sh $(KERNEL) out/run scripts/lab/experiments/*.toml

# vm-lab.sh checks the file before anything is built or booted: a refused
# file names its key and stops there.
lab:
	@test -n "$(EXP)" || { echo "usage: make lab EXP=FILE [KERNEL=6.1]" >&2; exit 2; }
	scripts/deps.sh
	$(LAB_PY) scripts/lab/tcplab-lab check $(EXP)
	scripts/lab/vm-lab.sh $(KERNEL) out/lab/$$($(LAB_PY) scripts/lab/tcplab-lab check --names $(EXP) | head -n 1) $(EXP)

shell:
	scripts/deps.sh
	scripts/vm.sh shell $(KERNEL)

bench:
	scripts/deps.sh
	QUICK=$(QUICK) BENCH="$(BENCH)" REPS=$(REPS) ONLY='$(ONLY)' scripts/bench.sh $(KERNELS)
