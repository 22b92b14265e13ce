#!/bin/bash
# make demo: the guided tour.  For one kernel (SHMDEV_KERNEL, default
# 6.12; any line of the test matrix, settings from lib.sh boot_env) it
# builds only what the tour runs (the module, the static userspace, an
# initramfs without the test programs and stress tools), boots the guest
# in demo mode (the guest runs /usr/bin/shmdev-demo, copied from
# scripts/guest/demo.sh) and shows the tour's own output: the firmware,
# kernel and rig lines go only to the log.  SHMDEV_VERBOSE=1 shows the
# whole console.  Exits with the tour's status.  Demo runs use
# multi-threaded TCG by default; SHMDEV_TCG_THREAD=single overrides.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

line=${SHMDEV_KERNEL:-6.12}
check_lines SHMDEV_KERNEL "$line"
start=$SECONDS
step() { printf 'demo: %s\n' "$*"; }

lock_cache
step "checking the host's packages"
"$TOP/scripts/deps.sh" >/dev/null || die "scripts/deps.sh failed (run it to see why)"
step "building shmdevctl and the example programs"
u=$("$TOP/scripts/build-user.sh" -) || die "userspace build failed"
eval "$u"
step "fetching Debian's $line kernel and building the module for it (the first time takes a minute or more)"
p=$(SHMDEV_NO_TOOLS=1 "$TOP/scripts/prepare.sh" "$line" "$USERBIN" "$TESTBIN") ||
	die "cannot prepare kernel $line"
eval "$p"
[ -f "$SRC/scripts/guest/demo.sh" ] || note "warning: no scripts/guest/demo.sh; the guest will report it"
step "ready after $((SECONDS - start)) s; booting $KVER in QEMU (about 20 s)"
echo

# The tour's lines only: from the guest's begin marker to its result,
# without rig markers and kernel messages; errors of the rig always.
tour() {
	if [ "${SHMDEV_VERBOSE:-0}" = 1 ]; then
		cat
		return
	fi
	sed -u -n -e '/^SHMDEV-ERROR/p' \
		-e '/^SHMDEV-DEMO-BEGIN/,/^SHMDEV-RESULT/{/^SHMDEV-/d;/^\[ *[0-9][0-9.]*\]/d;p}'
}

qrc=0
mapfile -t benv < <(boot_env "$line")
env "${benv[@]}" SHMDEV_TCG_THREAD="${SHMDEV_TCG_THREAD:-multi}" \
	"$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$CPIO" demo 2>/dev/null | tour || qrc=$?
log=$CACHE/logs/$KVER-demo.log
grep -q 'SHMDEV-RESULT: rc=' "$log" ||
	die "no result from the guest (QEMU status $qrc; log: $log)"
rc=$(grep -o 'SHMDEV-RESULT: rc=[0-9]*' "$log" | tail -n1 | sed 's/.*=//')
echo
if [ "$rc" -eq 0 ]; then
	step "the tour ran on $KVER in $((SECONDS - start)) s (console log: $log)"
else
	step "the tour FAILED on $KVER with status $rc (console log: $log)"
fi
exit "$rc"
