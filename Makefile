# shmdev top-level Makefile, for humans.  kbuild itself reads ./Kbuild
# (make -C $(KDIR) M=$(CURDIR)), never this file.
#
#   make              build the module for the running kernel (if its
#                     headers are installed) and the userspace tools
#   make modules      build shmdev.ko against KDIR
#   make modules_install  install shmdev.ko as kbuild does (delegates to
#                     make -C $(KDIR) M=$(CURDIR) modules_install; honours
#                     INSTALL_MOD_PATH, INSTALL_MOD_DIR, ...; kbuild runs depmod)
#   make userspace    build userspace tools on the host
#   make install      install libshmdev (shared and static), the headers,
#                     libshmdev.pc, shmdevctl, man pages, bash completion
#                     and example sources; PREFIX=/usr/local, DESTDIR=...
#   make deb          build the Debian packages (shmdev-dkms, libshmdev1,
#                     libshmdev-dev, shmdev-utils) into build/deb (DEBDIR=)
#   make selftests    build the kselftests on the host
#   make check        checkpatch, sparse (every kernel of the matrix), kernel-doc,
#                     and W=1 builds against every Debian kernel flavour
#   make check-host   host tests of the install, library, man pages, README
#                     example and shmdevctl's error paths (no module needed)
#   make check-deb    make deb and test the packages without installing them
#                     (KVER=... KDIR=...: also a DKMS build in a private tree)
#   make test         build and run the kselftests in QEMU guests on
#                     6.1, 6.12, 6.12-rt (PREEMPT_RT), 6.12-debug (built
#                     from source once: KASAN, lockdep, kmemleak, ...),
#                     7.2 (Debian unstable) and 7.3-rc (experimental),
#                     then make test-debian (when the kernels include 6.1)
#   make test-debian  prove the packages in a real Debian 12 guest (mmdebstrap
#                     root, systemd, udev, the 6.1 kernel and its headers):
#                     apt install, DKMS build, modprobe, the udev rule, group
#                     members and non-members, a pkg-config build, a reboot
#                     (modules-load.d), apt remove/purge leave nothing behind
#   make fresh-check  run make check and make test in a new minimal Debian 12
#                     root filesystem (mmdebstrap), as on a brand-new machine
#   make demo         boot a guest and run the demo
#   make bench        measure shmdev against futex, eventfd, pipes, sockets,
#                     semaphores, condvars, memfd, shm_open and SysV shm in
#                     QEMU guests (6.1 and 6.12; 3 boots x 4 reps each) and
#                     write bench/results/DATE-MACHINE/ (bench/README.md)
#   make lab          boot a guest with a shell, the module, shmdevctl,
#                     shmdev-lab and trace-cmd for docs/page-tables.md
#                     (SHMDEV_LAB_SCRIPT=FILE runs FILE instead of the
#                     shell; commands piped into make lab work too)
#   make shell DIR=d  the same guest with your own programs from directory d
#                     in /root/user (dynamically linked ones get their
#                     libraries); echo 'prog' | make shell DIR=d runs one
#   make clean        remove build products
#
# Rig variables (environment): SHMDEV_CACHE, SHMDEV_KERNELS, SHMDEV_KERNEL,
# SHMDEV_KVER_6_1, SHMDEV_KVER_6_12, SHMDEV_KVER_7_2, SHMDEV_KVER_7_3_RC,
# SHMDEV_COMPILE_MATRIX, SHMDEV_TIMEOUT, SHMDEV_TEST_TIMEOUT,
# SHMDEV_STRESS_SECONDS, SHMDEV_TORTURE_SECONDS, SHMDEV_DEBUG_*, SHMDEV_JOBS, SHMDEV_KVM,
# SHMDEV_VERBOSE; see `make help`.

ifneq ($(KERNELRELEASE),)
$(error kbuild is reading the top-level Makefile: the Kbuild file is missing)
endif

KDIR ?= /lib/modules/$(shell uname -r)/build
CACHE := $(or $(SHMDEV_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/shmdev)
# Host builds of userspace/ and selftests/ go to their own default output
# dirs (userspace/build, selftests/build) unless O=... is given.
O ?=
sub_o = $(if $(O),O=$(O)/$(1))

.PHONY: all modules modules_install install clean userspace selftests check test \
	fresh-check demo lab shell help deb check-host check-deb test-debian bench

all: userspace
ifneq ($(wildcard $(KDIR)/Makefile),)
all: modules
else
all:
	@echo "note: no kernel headers at $(KDIR); module not built (set KDIR=...)"
endif

modules:
	@test -f $(KDIR)/Makefile || { echo "error: no kernel build tree at $(KDIR) (set KDIR=...)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# updates/, which depmod prefers over the kernel's own modules, as DKMS does.
INSTALL_MOD_DIR ?= updates
modules_install:
	@test -f $(KDIR)/Makefile || { echo "error: no kernel build tree at $(KDIR) (set KDIR=...)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install

# PREFIX, DESTDIR, LIBDIR, ... reach userspace/Makefile through MAKEFLAGS.
install:
	$(MAKE) -C userspace $(call sub_o,userspace) install

# Debian packages from this tree (needs debhelper, dh-dkms; see debian/),
# built in a copy under DEBDIR so that nothing is written to the tree or
# its parent (nor are the objects an in-tree `make modules` left taken
# into the DKMS source); the .debs end up in DEBDIR.  The version in
# debian/changelog must be the one in VERSION.
DEBDIR ?= $(CURDIR)/build/deb
DEB_SRC := Makefile Kbuild VERSION COPYING LICENSES CHANGELOG.md README.md \
	   module uapi userspace debian
deb:
	@v=$$(cat VERSION); d=$$(dpkg-parsechangelog -S Version); \
	if [ "$$v" != "$$d" ]; then \
		echo "error: VERSION says $$v but debian/changelog $$d" >&2; exit 1; \
	fi
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/shmdev
	tar -C $(CURDIR) --exclude=userspace/build --exclude=debian/build \
		--exclude=debian/tmp --exclude=debian/.debhelper \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='.*.d' \
		--exclude=modules.order --exclude=Module.symvers \
		-cf - $(DEB_SRC) | tar -C $(DEBDIR)/shmdev -xf -
	cd $(DEBDIR)/shmdev && dpkg-buildpackage -b -us -uc $(DEB_FLAGS)
	@ls -1 $(DEBDIR)/*.deb

clean:
	@if [ -f $(KDIR)/Makefile ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find module -name '*.o' -o -name '.*.cmd' | xargs rm -f; \
		rm -f shmdev.ko shmdev.mod shmdev.mod.c modules.order Module.symvers .*.cmd; \
	fi
	-$(MAKE) -C userspace $(call sub_o,userspace) clean
	-$(MAKE) -C selftests $(call sub_o,selftests) clean
	rm -rf build/deb
	-rmdir build 2>/dev/null || true

userspace:
	$(MAKE) -C userspace $(call sub_o,userspace)

# The kselftest harness headers come from Debian's linux-source-6.12
# (scripts/ksrc.sh); KSFT_DIR=... overrides.
selftests:
	@ksft='$(KSFT_DIR)'; \
	if [ -z "$$ksft" ]; then \
		ksrc=$$(scripts/ksrc.sh) || exit 1; \
		eval "$$ksrc"; ksft=$$KSRC/tools/testing/selftests; \
	fi; \
	echo "$(MAKE) -C selftests $(call sub_o,selftests) KSFT_DIR=$$ksft"; \
	$(MAKE) -C selftests $(call sub_o,selftests) KSFT_DIR=$$ksft

check:
	scripts/check.sh

check-host:
	userspace/tests/host-test.sh

check-deb:
	userspace/tests/deb-test.sh "" $(KVER) $(if $(KVER),$(KDIR))

test:
	scripts/test.sh

test-debian:
	scripts/debian-guest.sh

fresh-check:
	scripts/fresh-check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

lab:
	scripts/lab.sh

shell:
	SHMDEV_SHELL_DIR="$(DIR)" scripts/lab.sh

help:
	@sed -n '/^#   make/,/^#$$/s/^# \{0,1\}//p' Makefile
	@echo "Variables:"
	@echo "  KDIR=...                 kernel build tree for 'modules' (default: running kernel)"
	@echo "  PREFIX=/usr/local, DESTDIR=, LIBDIR=, BINDIR=, ...  for 'install'"
	@echo "  WERROR=1                 userspace: fail on compiler warnings (project checks)"
	@echo "  O=...                    host build output: O/userspace, O/selftests"
	@echo "                           (default: userspace/build, selftests/build)"
	@echo "  SHMDEV_CACHE=...         cache for kernels, sources, guest builds, logs ($(CACHE))"
	@echo "  SHMDEV_KERNELS='6.1 6.12 6.12-rt 6.12-debug 7.2 7.3-rc'  kernel lines for check/test"
	@echo "                           (a subset for quick work, e.g. SHMDEV_KERNELS=6.12)"
	@echo "  SHMDEV_KERNEL=6.12       kernel line for demo and lab"
	@echo "  SHMDEV_LAB_SCRIPT=FILE   make lab: run FILE in the guest instead of a shell"
	@echo "  SHMDEV_KVER_6_1=6.1.0-NN, SHMDEV_KVER_6_12=6.12.NNN+deb12,"
	@echo "  SHMDEV_KVER_7_2=7.2.NN+debNN, SHMDEV_KVER_7_3_RC=7.3  pin Debian kernel ABIs"
	@echo "                           (6.12-rt and 6.12-debug follow the 6.12 choice)"
	@echo "  SHMDEV_COMPILE_MATRIX=0  make check without the compile-only matrix"
	@echo "  SHMDEV_KERNEL_TTL=86400  how long (s) Debian's package lists are trusted"
	@echo "  SHMDEV_TIMEOUT=1200      host-side QEMU timeout (s; debug kernel 3600)"
	@echo "  SHMDEV_TEST_TIMEOUT=300  per-test timeout in the guest (s; debug kernel 900)"
	@echo "  SHMDEV_STRESS_SECONDS=10 exported to the tests (debug kernel 60)"
	@echo "                           (these three and SHMDEV_MEM, when set, apply to all kernels)"
	@echo "  SHMDEV_TORTURE_SECONDS=120  length of shmdev_torture_test, on every kernel"
	@echo "  SHMDEV_DEBUG_TIMEOUT, SHMDEV_DEBUG_TEST_TIMEOUT, SHMDEV_DEBUG_STRESS_SECONDS,"
	@echo "  SHMDEV_DEBUG_MEM=2G, SHMDEV_DEBUG_APPEND  the debug kernel's own defaults"
	@echo "  SHMDEV_JOBS=2            make -j for the debug kernel build (scripts/debug.config)"
	@echo "  SHMDEV_TCG_THREAD=single|multi, SHMDEV_KVM=1, SHMDEV_MEM=1G, SHMDEV_SMP=2"
	@echo "  SHMDEV_DEBIAN_GUEST=0|1  make test without/with the Debian guest (default: with,"
	@echo "                           when SHMDEV_KERNELS has 6.1); SHMDEV_DEBIAN_TIMEOUT=2400"
	@echo "  SHMDEV_VERBOSE=1         stream the guest console during 'make test'"
	@echo "  SHMDEV_BENCH_KERNELS='6.1 6.12', SHMDEV_BENCH_BOOTS=3, SHMDEV_BENCH_REPS=4,"
	@echo "  SHMDEV_BENCH_WORKLOADS=..., SHMDEV_BENCH_OUT=DIR, SHMDEV_BENCH_QUICK=1  make bench"
	@echo "  SHMDEV_SRC=DIR           test another tree with this rig (rig development)"
	@echo "Guest logs: $(CACHE)/logs/<kver>-<test|demo|lab>.log"
