#!/bin/bash
# make check: static checks of the kernel code (module/*.c module/*.h
# uapi/linux/*.h): checkpatch --strict, sparse through kbuild (C=2 W=1)
# against every kernel line in SHMDEV_KERNELS (default: lib.sh's
# DEFAULT_KERNELS; the debug kernel is built once by
# scripts/debug-kernel.sh), kernel-doc -Wall, the host tests of the
# userspace (userspace/tests/host-test.sh), the Debian packages
# (userspace/tests/deb-test.sh), the benchmark tooling
# (bench/tests/smoke.sh), the spin model of the control page's protocol
# (scripts/model-check.sh), and the compile-only matrix
# (scripts/compile-matrix.sh: W=1 against the newest headers of every
# Debian kernel flavour; SHMDEV_COMPILE_MATRIX=0 skips it).  Any finding
# fails.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

kernels=${SHMDEV_KERNELS:-$DEFAULT_KERNELS}
check_lines SHMDEV_KERNELS "$kernels"
lock_cache
"$TOP/scripts/deps.sh" || die "scripts/deps.sh failed"
k=$("$TOP/scripts/ksrc.sh") || die "scripts/ksrc.sh failed"
eval "$k"

shopt -s nullglob
files=("$SRC"/module/*.c "$SRC"/module/*.h "$SRC"/uapi/linux/*.h)
shopt -u nullglob
[ ${#files[@]} -gt 0 ] || die "no kernel sources under $SRC/module or $SRC/uapi/linux"
rel=("${files[@]#"$SRC"/}")
bad=0
result() { # NAME STATUS
	printf '%-34s %s\n' "$1" "$2"
	case $2 in OK | "NOT CHECKED"*) ;; *) bad=1 ;; esac
}

echo "checking in $SRC: ${rel[*]}"

# checkpatch: --no-tree since this is not a kernel tree; every ERROR,
# WARNING and CHECK counts.  checkpatch applies its uapi rules by path, so
# it reads the uapi headers through a view where they sit at include/uapi/.
view=$CACHE/build/checkpatch-view
rm -rf "$view"
mkdir -p "$view/include"
ln -s "$SRC/uapi" "$view/include/uapi"
ln -s "$SRC/module" "$view/module"
out=$(cd "$view" && "$KSRC/scripts/checkpatch.pl" --strict --no-tree --show-types \
	--terse --no-summary -f "${rel[@]/#uapi/include/uapi}" 2>&1 |
	sed 's|^include/uapi/|uapi/|') || true
if [ -n "$out" ]; then
	echo "$out"
	result "checkpatch --strict" FAIL
else
	result "checkpatch --strict" OK
fi

# kernel-doc prints warnings but exits 0: any output is a finding.
out=$(cd "$SRC" && "$KSRC/scripts/kernel-doc" -none -Wall "${rel[@]}" 2>&1) || true
if [ -n "$out" ]; then
	echo "$out"
	result "kernel-doc -Wall" FAIL
else
	result "kernel-doc -Wall" OK
fi

# sparse through kbuild, in a separate copy so the test build is untouched.
for line in $kernels; do
	name="sparse + W=1 ($line)"
	krc=0
	k=$("$TOP/scripts/kernels.sh" "$line") || krc=$?
	if [ "$krc" -eq 3 ]; then
		result "$name" "NOT CHECKED (not in Debian's registry now)"
		continue
	elif [ "$krc" -ne 0 ]; then
		result "$name" "FAIL (no kernel)"
		continue
	fi
	SUITE=
	eval "$k"
	# Debian's 7.x headers lack scripts/checker-valid.sh, with which
	# kbuild makes sure sparse runs before C=2 (without it: a warning and
	# no sparse).  Stand in for it: sparse is there (deps.sh, build roots).
	for d in "$KDIR"/../linux-headers-*-common*/scripts; do
		[ -d "$d" ] && [ ! -e "$d/checker-valid.sh" ] || continue
		printf '#!/bin/sh\n# shmdev check.sh: stand-in for a file Debian does not ship\ncommand -v "$1" >/dev/null && echo 1\n' \
			>"$d/checker-valid.sh"
		chmod +x "$d/checker-valid.sh"
	done
	dir=$CACHE/build/$KVER/sparse
	if ! KSUITE=$SUITE "$TOP/scripts/build-module.sh" "$KVER" "$KDIR" "$dir" C=2 CHECK=sparse >/dev/null; then
		result "$name" FAIL
		continue
	fi
	# Everything but kbuild's own progress lines is a finding.
	out=$(grep -vE '^make(\[[0-9]+\])?: (Entering|Leaving) directory|^  [A-Z]+( \[M\])? |^Skipping BTF generation .* unavailability of vmlinux$' \
		"$dir/build.log" || true)
	if [ -n "$out" ]; then
		echo "$out"
		result "$name" FAIL
	else
		result "$name" OK
	fi
done

# What needs no module: install, library, man pages, the CLI's errors.
mkdir -p "$CACHE/logs"
if "$TOP/userspace/tests/host-test.sh" >"$CACHE/logs/host-test.log" 2>&1; then
	result "host tests (make check-host)" OK
else
	grep -E '^not ok' -A6 "$CACHE/logs/host-test.log" || tail -n 20 "$CACHE/logs/host-test.log"
	result "host tests (make check-host)" FAIL
fi
# The Debian packages, built and inspected without installing them:
# contents, lintian --pedantic, shlibs, a program against the unpacked
# -dev package (make check-deb without kernel headers).
if "$TOP/userspace/tests/deb-test.sh" "$(mktemp -d)" >"$CACHE/logs/deb-test.log" 2>&1; then
	result "packages (make check-deb)" OK
else
	grep -E '^not ok' -A6 "$CACHE/logs/deb-test.log" || tail -n 20 "$CACHE/logs/deb-test.log"
	result "packages (make check-deb)" FAIL
fi
# The benchmark's tooling, without a guest: its build, a quick run of
# the peers, the report script on a canned log.
if "$TOP/bench/tests/smoke.sh" "$(mktemp -d)" >"$CACHE/logs/bench-smoke.log" 2>&1; then
	result "bench tooling (bench/tests/smoke.sh)" OK
else
	grep '^not ok' "$CACHE/logs/bench-smoke.log" || tail -n 20 "$CACHE/logs/bench-smoke.log"
	result "bench tooling (bench/tests/smoke.sh)" FAIL
fi

# The control-page protocol's Promela model (docs/fastpath.md): spin must
# pass it and catch each of its planted bugs.  Without spin (deps.sh
# installs it; only a machine that skipped it lacks it) it is NOT CHECKED,
# never in CI, where model-check.sh fails instead.
mrc=0
"$TOP/scripts/model-check.sh" >"$CACHE/logs/model-check.log" 2>&1 || mrc=$?
case $mrc in
0) result "model of the fast path (spin)" OK ;;
3) result "model of the fast path (spin)" "NOT CHECKED (spin is not installed)" ;;
*)
	cat "$CACHE/logs/model-check.log"
	result "model of the fast path (spin)" FAIL
	;;
esac

# W=1 against the newest headers of every Debian kernel flavour.
if [ "${SHMDEV_COMPILE_MATRIX:-1}" != 0 ]; then
	echo "compile-only matrix (kernel, Debian version, suite, result):"
	if "$TOP/scripts/compile-matrix.sh" | sed 's/^/  /'; then
		result "compile-only matrix, W=1" OK
	else
		result "compile-only matrix, W=1" FAIL
	fi
fi

if [ "$bad" -ne 0 ]; then
	echo "check: FAIL"
	exit 1
fi
echo "check: OK"
