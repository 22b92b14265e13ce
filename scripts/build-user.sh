#!/bin/bash
# Usage: scripts/build-user.sh KSFT_DIR|-
# Build $SRC/userspace and $SRC/selftests statically (kernel independent)
# into $CACHE/build/user/{bin,tests}; with - (make demo), userspace only,
# into $CACHE/build/user-only, with an empty test list.  Write the test order (make -s -C
# selftests print-tests) to $CACHE/build/user/tests/list, or only the
# programs named in SHMDEV_TESTS (space-separated, for a quick run of one
# theme: SHMDEV_TESTS=shmdev_module_test make test).  Prints USERBIN= and
# TESTBIN=.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: build-user.sh KSFT_DIR|-"
ksft=$1
out=$CACHE/build/user
[ "$ksft" != - ] || out=$CACHE/build/user-only
bin=$out/bin tests=$out/tests
# The demo's build is incremental (make knows its dependencies); the
# test build starts clean.  The dependency files name the sources by
# absolute path, so an incremental build of another tree (a new clone, a
# moved checkout) starts clean too.
[ "$ksft" = - ] && [ "$(cat "$out/.src" 2>/dev/null)" = "$SRC" ] || rm -rf "$out"
mkdir -p "$bin" "$tests"
printf '%s\n' "$SRC" >"$out/.src"

# A dynamically linked program cannot run in the busybox guest.
check_static() {
	local f
	for f in "$1"/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then
			continue
		fi
		if LC_ALL=C readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'; then
			die "$f is dynamically linked (STATIC=1 not honoured)"
		fi
	done
}

for d in userspace selftests; do
	[ -f "$SRC/$d/Makefile" ] || die "$SRC/$d/Makefile is missing"
done
make -C "$SRC/userspace" O="$bin" STATIC=1 WERROR=1 >"$out/userspace.log" 2>&1 ||
	{ cat "$out/userspace.log" >&2; die "userspace build failed (log: $out/userspace.log)"; }
if [ "$ksft" = - ]; then
	: >"$tests/list"
	check_static "$bin"
	printf 'USERBIN=%q\nTESTBIN=%q\n' "$bin" "$tests"
	exit 0
fi
[ -f "$ksft/kselftest_harness.h" ] || die "no kselftest_harness.h in $ksft"
make -C "$SRC/selftests" O="$tests" KSFT_DIR="$ksft" STATIC=1 >"$out/selftests.log" 2>&1 ||
	{ cat "$out/selftests.log" >&2; die "selftests build failed (log: $out/selftests.log)"; }
make -s -C "$SRC/selftests" print-tests >"$tests/list" ||
	die "make -C selftests print-tests failed"
if [ -n "${SHMDEV_TESTS:-}" ]; then
	read -ra only <<<"$SHMDEV_TESTS"
	for t in "${only[@]}"; do
		grep -qx "$t" "$tests/list" || die "SHMDEV_TESTS: no test program '$t' (make -s -C selftests print-tests)"
	done
	grep -xF -f <(printf '%s\n' "${only[@]}") "$tests/list" >"$tests/list.only" || true
	mv "$tests/list.only" "$tests/list"
fi
# The list must name programs that were built.
while read -r t; do
	[ -n "$t" ] || continue
	[ -x "$tests/$t" ] || die "test '$t' from print-tests was not built in $tests"
done <"$tests/list"
[ -s "$tests/list" ] || die "selftests print-tests listed no tests"
check_static "$bin"
check_static "$tests"
printf 'USERBIN=%q\n' "$bin"
printf 'TESTBIN=%q\n' "$tests"
