# Installing vgpu (included by the top-level Makefile;
# Documentation/install.md). No network, no apt: the targets build what
# they install with the ordinary build rules, then copy.
#
#   make install-host      Dom0 / driver domain: vgpu-worker (and
#                          vgpu-cuda-exec where built), vgpu-admin,
#                          vgpu-exporter, systemd
#                          units, udev rule, modprobe.d file, man pages
#   make install-guest     guest: vgpu-client, vgpu-pci-id, vgpu-cuda-check
#                          (which looks in $(LIBDIR)/vgpu), libvgpu (shared and static,
#                          headers, pkg-config file), udev rule, modprobe.d
#                          file, man pages, and libcuda.so.1 and
#                          libcudart.so.13 under $(LIBDIR)/vgpu where
#                          CUDA's cuda.h was found
#   make install-dkms-src  both modules' sources with their dkms.conf under
#                          $(DKMSSRCDIR) (for `dkms add`)
#   make install           all three
#   make deb               the Debian packages, into build/deb/
#   make install-check     tests/install/run.sh: installs and packages into
#                          build/, checks the result (check.sh's install layer)
#
# DESTDIR stages into another root; PREFIX (default /usr/local) and the
# directories below may be overridden (debian/rules does). udev, modprobe
# and systemd read only their own directories, hence their defaults.

# The version is debian/changelog's, the one place it is written.
VGPU_VERSION := $(shell awk -F'[()]' 'NR == 1 { print $$2 }' $(TOP)/debian/changelog)
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
# systemd reads /usr/local/lib/systemd/system; Debian's packages use
# /lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(SYSCONFDIR)/udev/rules.d
MODPROBEDIR ?= $(SYSCONFDIR)/modprobe.d
DKMSSRCDIR ?= $(PREFIX)/src
INSTALL ?= install

B := $(TOP)/build
TOOLS_O := $(B)/tools
WORKER_O := $(B)/dom0-worker
# Placeholders in the .in files (units, pkg-config file).
SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	-e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VGPU_VERSION)|g'

.PHONY: install install-host install-guest install-dkms-src deb install-check \
	build-host build-guest

install: install-host install-guest install-dkms-src

build-host: $(if $(HAVE_USERLIBS),,deps)
	$(MAKE) -C $(TOP)/dom0-worker
	$(MAKE) -C $(TOP)/exporter
	$(MAKE) -C $(TOP)/tools

# The guest parts need neither SQLite nor the Xen libraries.
# vgpu-cuda-check looks for the libraries in $(LIBDIR)/vgpu, as installed.
build-guest:
	$(MAKE) -C $(TOP)/tools guest LIBDIR=$(LIBDIR)

install-host: build-host
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODPROBEDIR) \
		$(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions
	$(INSTALL) -m 0755 $(WORKER_O)/vgpu-worker $(TOOLS_O)/vgpu-admin \
		$(B)/exporter/vgpu-exporter $(DESTDIR)$(SBINDIR)/
	# vgpu-worker looks for vgpu-cuda-exec beside itself; built only
	# where CUDA's cuda.h is found.
	if [ -f $(WORKER_O)/vgpu-cuda-exec ]; then \
		$(INSTALL) -m 0755 $(WORKER_O)/vgpu-cuda-exec $(DESTDIR)$(SBINDIR)/ && \
		$(INSTALL) -m 0644 $(TOP)/dom0-worker/exec/cuda/vgpu-cuda-exec.8 $(DESTDIR)$(MANDIR)/man8/; \
	fi
	for u in vgpu-worker.service vgpu-admin-watch.service \
		vgpu-exporter.service; do \
		$(SUBST) $(TOP)/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	$(INSTALL) -m 0644 $(TOP)/udev/60-vgpu-back.rules $(DESTDIR)$(UDEVRULESDIR)/
	$(INSTALL) -m 0644 $(TOP)/modprobe/vgpu-back.conf $(DESTDIR)$(MODPROBEDIR)/
	$(INSTALL) -m 0644 $(TOP)/dom0-worker/vgpu-worker.8 \
		$(TOP)/tools/admin/vgpu-admin.8 $(TOP)/exporter/vgpu-exporter.8 \
		$(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(TOP)/tools/admin/vgpu-admin.bash-completion \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/vgpu-admin

install-guest: build-guest
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/vgpu/uapi/linux \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODPROBEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 0755 $(TOOLS_O)/vgpu-client $(TOOLS_O)/vgpu-pci-id \
		$(TOOLS_O)/vgpu-cuda-check $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(TOOLS_O)/libvgpu.so.1 $(DESTDIR)$(LIBDIR)/libvgpu.so.1
	ln -sf libvgpu.so.1 $(DESTDIR)$(LIBDIR)/libvgpu.so
	$(INSTALL) -m 0644 $(TOOLS_O)/libvgpu.a $(DESTDIR)$(LIBDIR)/
	# libvgpu.h includes <uapi/linux/vgpu.h>: both under vgpu/, which
	# vgpu.pc puts on the include path.
	$(INSTALL) -m 0644 $(TOP)/tools/libvgpu.h $(DESTDIR)$(INCLUDEDIR)/vgpu/
	$(INSTALL) -m 0644 $(TOP)/include/uapi/linux/vgpu.h \
		$(DESTDIR)$(INCLUDEDIR)/vgpu/uapi/linux/
	$(SUBST) $(TOP)/tools/libvgpu.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libvgpu.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/libvgpu.pc
	$(INSTALL) -m 0644 $(TOP)/udev/60-vgpu.rules $(DESTDIR)$(UDEVRULESDIR)/
	$(INSTALL) -m 0644 $(TOP)/modprobe/vgpu-front.conf $(DESTDIR)$(MODPROBEDIR)/
	$(INSTALL) -m 0644 $(TOP)/tools/vgpu-client.1 $(TOP)/tools/vgpu-pci-id.1 \
		$(TOP)/tools/cudacheck/vgpu-cuda-check.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(TOP)/tools/libvgpu.3 $(DESTDIR)$(MANDIR)/man3/
	# libcuda.so.1 (Documentation/libcuda.md), where it was built (cuda.h
	# found): in a directory of its own, never where a driver's would be;
	# a program finds it with LD_LIBRARY_PATH=$(LIBDIR)/vgpu.
	if [ -f $(B)/libcuda/libcuda.so.1 ]; then \
		$(INSTALL) -d $(DESTDIR)$(LIBDIR)/vgpu && \
		$(INSTALL) -m 0644 $(B)/libcuda/libcuda.so.1 $(DESTDIR)$(LIBDIR)/vgpu/ && \
		ln -sf libcuda.so.1 $(DESTDIR)$(LIBDIR)/vgpu/libcuda.so; \
	fi
	# libcudart.so.13 (Documentation/libcudart.md), the runtime over it,
	# beside it: programs built with `nvcc -cudart shared` find both there.
	if [ -f $(B)/libcudart/libcudart.so.13 ]; then \
		$(INSTALL) -d $(DESTDIR)$(LIBDIR)/vgpu && \
		$(INSTALL) -m 0644 $(B)/libcudart/libcudart.so.13 $(DESTDIR)$(LIBDIR)/vgpu/ && \
		ln -sf libcudart.so.13 $(DESTDIR)$(LIBDIR)/vgpu/libcudart.so; \
	fi

# /usr/src/vgpu-back-VERSION and vgpu-front-VERSION: each module's
# directory, the project's headers and dkms.conf, as `dkms add` wants them.
# The sources only: not what an in-tree `make modules` generated (*.mod.c).
module_src = $(TOP)/$(1)/Kbuild $(wildcard $(TOP)/$(1)/*.h) \
	$(filter-out %.mod.c,$(wildcard $(TOP)/$(1)/*.c))
install-dkms-src:
	for m in back front; do \
		d=$(DESTDIR)$(DKMSSRCDIR)/vgpu-$$m-$(VGPU_VERSION); \
		case $$m in \
		back) src=backend files="$(call module_src,backend)";; \
		front) src=frontend files="$(call module_src,frontend)";; \
		esac; \
		$(INSTALL) -d $$d/$$src $$d/include/uapi/linux $$d/include/vgpu && \
		$(INSTALL) -m 0644 $$files $$d/$$src/ && \
		$(INSTALL) -m 0644 $(TOP)/include/uapi/linux/*.h $$d/include/uapi/linux/ && \
		$(INSTALL) -m 0644 $(TOP)/include/vgpu/*.h $$d/include/vgpu/ && \
		$(SUBST) $(TOP)/dkms/vgpu-$$m.dkms.conf >$$d/dkms.conf && \
		chmod 0644 $$d/dkms.conf || exit 1; \
	done

# Binary packages only (-b), built from a copy of the working tree (tracked
# and untracked, not ignored files; outside git: all but build/) under
# build/deb/, where they land: the source tree and its parent stay clean.
deb:
	rm -rf $(B)/deb && mkdir -p $(B)/deb/vgpu-$(VGPU_VERSION)
	cd $(TOP) && if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | tar --null -T - -cf -; \
	else tar --exclude=./build -cf - .; fi | \
		tar -xf - -C $(B)/deb/vgpu-$(VGPU_VERSION)
	cd $(B)/deb/vgpu-$(VGPU_VERSION) && \
		dpkg-buildpackage -b -us -uc -j$(JOBS)
	ls -l $(B)/deb/*.deb

install-check: $(if $(HAVE_USERLIBS),,deps)
	$(TOP)/tests/install/run.sh
