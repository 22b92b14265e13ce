#!/bin/bash
# make test: for each kernel line in SHMDEV_KERNELS (default: lib.sh's
# DEFAULT_KERNELS) build the module, boot a guest in test mode, run
# the kselftests listed by `make -C selftests print-tests` and judge the
# result from the console log (kselftest Totals, dmesg, taint, and on the
# debug kernel kmemleak).  Guest settings per line come from lib.sh
# boot_env (the debug kernel: 2G, 900 s per test, 60 s of stress).
# Ends with the line "N passed, N failed"; exits non-zero if anything
# failed.  A release-candidate line that Debian's registry does not carry
# now is reported NOT TESTED (loudly, in the summary) and counts as
# neither.  SHMDEV_VERBOSE=1 streams the guest console.  One more line
# is the Debian guest (scripts/debian-guest.sh: the packages installed,
# used, rebooted and removed in a real Debian 12 system on the 6.1
# kernel), run when SHMDEV_KERNELS has 6.1 or SHMDEV_DEBIAN_GUEST=1, and
# never with SHMDEV_DEBIAN_GUEST=0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

kernels=${SHMDEV_KERNELS:-$DEFAULT_KERNELS}
check_lines SHMDEV_KERNELS "$kernels"
# Test names too, before anything is built (build-user.sh checks again).
if [ -n "${SHMDEV_TESTS:-}" ]; then
	all_tests=$(make -s -C "$TOP/selftests" print-tests)
	for t in $SHMDEV_TESTS; do
		grep -qx -- "$t" <<<"$all_tests" ||
			die "SHMDEV_TESTS: no test program '$t' (make -s -C selftests print-tests lists them)"
	done
fi
lock_cache
total_pass=0 total_fail=0
summary=()

# Setup failures before any kernel still end with the verdict line.
fatal() {
	echo "${0##*/}: error: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}
"$TOP/scripts/deps.sh" || fatal "scripts/deps.sh failed"
k=$("$TOP/scripts/ksrc.sh") || fatal "scripts/ksrc.sh failed"
eval "$k"
u=$("$TOP/scripts/build-user.sh" "$KSRC/tools/testing/selftests") ||
	fatal "userspace/selftests build failed"
eval "$u"

for line in $kernels; do
	start=$SECONDS
	prc=0
	p=$("$TOP/scripts/prepare.sh" "$line" "$USERBIN" "$TESTBIN") || prc=$?
	if [ "$prc" -eq 3 ]; then
		summary+=("kernel $line: NOT TESTED: Debian's registry has no complete $line set now")
		continue
	elif [ "$prc" -ne 0 ]; then
		summary+=("kernel $line: FAIL (could not fetch or build; see errors above)")
		total_fail=$((total_fail + 1))
		continue
	fi
	eval "$p"
	log=$CACHE/logs/$KVER-test.log
	note "booting $KVER (log: $log)"
	rm -f "$log"
	qrc=0
	mapfile -t benv < <(boot_env "$line")
	qtimeout=$(printf '%s\n' "${benv[@]}" | sed -n 's/^SHMDEV_TIMEOUT=//p')
	if [ "${SHMDEV_VERBOSE:-0}" = 1 ]; then
		env "${benv[@]}" "$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$CPIO" test || qrc=$?
	else
		env "${benv[@]}" "$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$CPIO" test >/dev/null 2>&1 || qrc=$?
	fi

	[ -f "$log" ] || : >"$log"
	failed=$(mktemp) reports=$(mktemp)
	read -r pass fail skip ntests dmesg_verdict problems < <(awk -v failed="$failed" -v reports="$reports" \
		-f "$TOP/scripts/parse-log.awk" "$log")
	[ "$qrc" -eq 124 ] && problems="QEMU timed out after $qtimeout s; $problems"
	problems=${problems%; -}
	if [ -s "$failed" ]; then
		echo "== $KVER: failed test programs:" >&2
		sed 's/^/   /' "$failed" >&2
		grep -E '^not ok ' "$log" | sed 's/^/   /' >&2 || true
	fi
	if [ -s "$reports" ]; then
		echo "== $KVER: dmesg reports:" >&2
		sed 's/^/   /' "$reports" >&2
	fi
	if grep -q 'SHMDEV-KMEMLEAK-BEGIN' "$log"; then
		echo "== $KVER: kmemleak report:" >&2
		sed -n '/SHMDEV-KMEMLEAK-BEGIN/,/SHMDEV-KMEMLEAK-END/p' "$log" | sed '1d;$d;s/^/   /' >&2
	fi
	if ! grep -q 'SHMDEV-RESULT: ' "$log"; then
		echo "== $KVER: no result from the guest; end of the console log:" >&2
		tail -n 30 "$log" | sed 's/^/   /' >&2
	fi
	rm -f "$failed" "$reports"

	kfail=0
	[ "$problems" = "-" ] || kfail=1
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail + kfail))
	verdict=PASS
	[ $((fail + kfail)) -eq 0 ] || verdict=FAIL
	s="kernel $KVER: $verdict  programs:$ntests pass:$pass fail:$fail skip:$skip"
	s+="  dmesg:$dmesg_verdict  ($((SECONDS - start)) s)"
	[ "$problems" = "-" ] || s+=$'\n'"    problem: $problems"
	s+=$'\n'"    log: $log"
	summary+=("$s")
done

# The Debian guest's checks count as tests; its console log and every
# PASS/FAIL line are in $CACHE/logs/debian-guest{.log,-summary.log}.
debian_guest() {
	local start=$SECONDS out=$CACHE/logs/debian-guest-summary.log rc=0 pass fail verdict s
	note "the Debian guest: packages installed and used in Debian 12 (log: $out)"
	"$TOP/scripts/debian-guest.sh" >"$out" 2>&1 || rc=$?
	read -r pass fail < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$out" | tail -n1)
	pass=${pass:-0} fail=${fail:-1}
	[ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
	if [ "$fail" -gt 0 ]; then
		echo "== Debian guest: failures:" >&2
		grep -E '^(FAIL|  )' "$out" | sed 's/^/   /' >&2 || tail -n 20 "$out" >&2
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	verdict=PASS
	[ "$fail" -eq 0 ] || verdict=FAIL
	s="Debian 12 guest (make test-debian): $verdict  pass:$pass fail:$fail  ($((SECONDS - start)) s)"
	s+=$'\n'"    log: $out"
	summary+=("$s")
}
case ${SHMDEV_DEBIAN_GUEST:-} in
0) ;;
1) debian_guest ;;
*) [[ " $kernels " != *" 6.1 "* ]] || debian_guest ;;
esac

echo
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
