# vgpu top-level build. `make` builds both kernel modules against the pinned
# Debian kernel (versions.env) and every userspace program.
# `make KDIR=/path/to/tree` builds the modules against another kernel tree.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(TOP)/versions.env

KDIR ?= /usr/src/linux-headers-$(KERNEL_ABI)-amd64
# Ordinary users can build once the packages are there; only root installs.
DEPS := $(TOP)/scripts/install-deps.sh
JOBS ?= $(shell nproc)
# Building calls the dependency installer (Debian, apt, root) only when
# what the target needs is missing: the kernel headers for the modules,
# the SQLite and Xen libraries for the userspace programs. A prepared
# machine, of any distribution, builds without it (and without root).
HAVE_KDIR := $(wildcard $(KDIR)/Makefile)
HAVE_USERLIBS := $(shell pkg-config --exists sqlite3 xenstore xencontrol \
	2>/dev/null && echo yes)

.PHONY: all deps modules userspace clean check unit kunit lab lint demo \
	stress compat-check bench bench-sched fuzz stub-check print-%

all: modules userspace

deps:
	@$(DEPS)

modules: $(if $(HAVE_KDIR),,deps)
	$(MAKE) -C $(KDIR) M=$(TOP) modules

userspace: $(if $(HAVE_USERLIBS),,deps)
	$(MAKE) -C $(TOP)/dom0-worker
	$(MAKE) -C $(TOP)/exporter
	$(MAKE) -C $(TOP)/tools

unit: deps
	$(MAKE) -C $(TOP)/tests/unit run

kunit: deps
	$(TOP)/tests/kunit/run.sh

# The lab installs our artefacts from the packages (Documentation/xen-lab.md),
# built after everything else so that they are the newest.
lab: all
	$(MAKE) --no-print-directory deb >$(TOP)/build/deb.log 2>&1 || \
		{ tail -n 30 $(TOP)/build/deb.log; exit 1; }
	$(TOP)/tests/xen/run-all.sh

check: deps
	$(TOP)/scripts/check.sh

lint: deps
	$(TOP)/scripts/lint.sh

compat-check:
	$(TOP)/scripts/compat-check.sh

# The scheduler under contention, in the Xen lab (tests/xen/demo.sh).
demo: all
	$(TOP)/tests/xen/demo.sh

# 30 guests at once (the lab's thirty-vms scenario): several minutes, so
# not in `make lab` or `make check` (Documentation/testing.md).
stress: all
	$(MAKE) --no-print-directory deb >$(TOP)/build/deb.log 2>&1 || \
		{ tail -n 30 $(TOP)/build/deb.log; exit 1; }
	$(TOP)/tests/xen/lab.sh thirty-vms

bench: all
	$(TOP)/bench/run-lab-bench.sh

# Scheduler decisions per second and callgrind instructions per decision.
bench-sched:
	$(MAKE) -C $(TOP)/bench/sched run

# libFuzzer targets (tests/fuzz), each for FUZZ_SECONDS (default 60); not
# part of check.
fuzz: deps
	$(MAKE) -C $(TOP)/tests/fuzz run

# QEMU with the vgpu-stub device (qemu-vgpu-stub/, Documentation/qemu-stub.md):
# builds it into /var/cache/vgpu-stub when its sources changed (cold: minutes),
# then runs its qtest cases, the guest reader's tests and a TCG guest boot.
# `make check` runs it as its stub layer.
stub-check:
	$(TOP)/qemu-vgpu-stub/build.sh
	$(TOP)/tests/qemu-stub/run.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C $(TOP)/dom0-worker clean
	-$(MAKE) -C $(TOP)/tools clean
	-$(MAKE) -C $(TOP)/tests/unit clean
	rm -rf $(TOP)/build

# make install, install-host, install-guest, install-dkms-src, deb,
# install-check (Documentation/install.md).
include $(TOP)/install.mk

print-%:
	@echo $($*)
