#!/bin/bash
# make lab: build everything for one kernel (SHMDEV_KERNEL, default 6.12)
# and boot it with an interactive shell on the console, for the
# experiments of docs/page-tables.md: the module loaded, shmdevctl and
# shmdev-lab in the PATH, tracefs at /sys/kernel/tracing and trace-cmd
# when Debian's package and its libraries can be staged (a warning
# otherwise: trace_pipe works without it).  Leave with 'exit' (or
# Ctrl-A X, QEMU's own key).
#
# SHMDEV_LAB_SCRIPT=FILE runs FILE with sh in the guest instead of the
# shell, and exits with its status (how the tutorial's outputs are
# made: scripts/guest/lab-tour.sh).  Commands piped into make lab are
# run the same way (the serial console loses input typed before the
# shell starts): echo 'shmdevctl api' | make lab.
#
# make shell (SHMDEV_SHELL_DIR=DIR) is the same guest for your own
# programs: DIR is copied to /root/user, first in the PATH, with the
# shared libraries its dynamically linked programs need (resolved with
# ldd on this host, LD_LIBRARY_PATH included).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

line=${SHMDEV_KERNEL:-6.12}
check_lines SHMDEV_KERNEL "$line"
script=${SHMDEV_LAB_SCRIPT:-}
user=${SHMDEV_SHELL_DIR:-}
[ -z "$script" ] || [ -f "$script" ] || die "SHMDEV_LAB_SCRIPT: no file '$script'"
[ -z "$user" ] || [ -d "$user" ] || die "SHMDEV_SHELL_DIR: no directory '$user'"

# Copy DIR to ROOT/root/user, with the libraries (and loader) of each
# dynamically linked program.
stage_user() { # DIR ROOT
	local dir=$1 root=$2 f
	mkdir -p "$root/root/user"
	cp -a "$dir/." "$root/root/user/"
	while IFS= read -r -d '' f; do
		LC_ALL=C readelf -l "$f" 2>/dev/null | grep -q 'program interpreter' || continue
		stage_libs "$root" "$f"
	done < <(find "$root/root/user" -type f -perm -u+x -print0)
}
lock_cache
if [ -z "$script" ] && [ ! -t 0 ]; then
	script=$CACHE/build/lab-stdin.sh
	cat >"$script"
	exec </dev/null
fi
"$TOP/scripts/deps.sh" || die "scripts/deps.sh failed"
k=$("$TOP/scripts/ksrc.sh") || die "scripts/ksrc.sh failed"
eval "$k"
u=$("$TOP/scripts/build-user.sh" "$KSRC/tools/testing/selftests") ||
	die "userspace/selftests build failed"
eval "$u"
p=$("$TOP/scripts/prepare.sh" "$line" "$USERBIN" "$TESTBIN") || die "cannot prepare kernel $line"
eval "$p"

# The lab's own files, as a second archive appended to the test image
# (the kernel unpacks concatenated archives in order).
extra=$CACHE/build/$KVER/lab
rm -rf "$extra"
mkdir -p "$extra/etc" "$extra/root" "$extra/usr/share/doc/shmdev"
cp "$SRC/docs/page-tables.md" "$extra/usr/share/doc/shmdev/" 2>/dev/null || true
cat >"$extra/etc/profile" <<'PROFILE'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root PS1='lab# '
cd /root 2>/dev/null
PROFILE
if [ -n "$user" ]; then
	stage_user "$user" "$extra"
	cat >>"$extra/etc/profile" <<'PROFILE'
export PATH=/root/user:$PATH
echo "shmdev shell: the module is loaded; your programs are in /root/user (first in PATH)."
echo "  shmdevctl list, shmdevctl help; exit powers off"
PROFILE
fi
if [ -z "$script" ] && [ -z "$user" ]; then
	cat >>"$extra/etc/profile" <<'PROFILE'
cat <<'BANNER'

shmdev page-table lab (docs/page-tables.md, also /usr/share/doc/shmdev/)
  shmdev-lab --help            the experiments
  shmdev-lab share &           start one in the background; it pauses
  shmdevctl map lab            look at the region in every mapper
  shmdev-lab next              go on to the experiment's next step
  cat /sys/kernel/tracing/trace_pipe &   after: echo 1 > /sys/kernel/tracing/events/shmdev/enable
  trace-cmd record -e shmdev ...         when trace-cmd is staged
  exit                         power off

BANNER
PROFILE
else
	cp "$script" "$extra/root/lab-script.sh"
fi
if t=$("$TOP/scripts/guest-tools.sh" trace-cmd); then
	eval "$t"
	cp -a "$TOOLS/." "$extra/"
else
	note "warning: trace-cmd not staged; in the guest use /sys/kernel/tracing/trace_pipe"
fi
labcpio=$CACHE/build/$KVER/lab.cpio
(cd "$extra" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$labcpio.extra" ||
	die "cannot write $labcpio.extra"
# The kernel finds the next archive only at a 4-byte boundary (it skips
# zeros in between): pad the compressed one.
cp "$CPIO" "$labcpio"
pad=$(((4 - $(stat -c %s "$labcpio") % 4) % 4))
head -c "$pad" /dev/zero >>"$labcpio"
cat "$labcpio.extra" >>"$labcpio"
rm -f "$labcpio.extra"

qrc=0
mapfile -t benv < <(boot_env "$line" | grep -v '^SHMDEV_TIMEOUT=')
env "${benv[@]}" SHMDEV_TCG_THREAD="${SHMDEV_TCG_THREAD:-multi}" \
	"$TOP/scripts/boot.sh" "$KVER" "$KIMAGE" "$labcpio" lab || qrc=$?
log=$CACHE/logs/$KVER-lab.log
rc=$(grep -o 'SHMDEV-RESULT: rc=[0-9]*' "$log" | tail -n1 | sed 's/.*=//')
[ -n "$rc" ] || die "no result from the guest (QEMU status $qrc; log: $log)"
echo "lab on $KVER finished with status $rc (log: $log)"
exit "$rc"
