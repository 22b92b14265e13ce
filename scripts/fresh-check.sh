#!/bin/bash
# Usage: scripts/fresh-check.sh [SHELL-COMMAND]
# Prove the README's commands on a brand-new Debian 12 machine.  A
# minimal Debian 12 root filesystem is made with mmdebstrap (--variant=apt:
# the essential packages and apt, nothing else), a clean clone of this
# tree's HEAD (committed work only) is copied into it, and inside it, as
# root, a newcomer's steps run (default: the README's
#   apt-get update && apt-get install -y make && make check && make test
# in the clone).  Nothing the host has installed is visible there: a
# missing install step in scripts/deps.sh fails here.  To save downloads
# and the debug kernel's build, the root shares only the host cache's
# kernels/, ksrc/ and debian-guest/ (the image of make test's Debian
# guest) through bind mounts; package lists, build roots, guest
# tools and builds are its own.  The root lives in $CACHE/fresh/ and is
# made anew each run; its output is also in $CACHE/logs/fresh-check.log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# Each step says how long it took (the phases of a CI run).
steps='step() { local t=$SECONDS r=0; echo "fresh-check: step: $*"; "$@" || r=$?; echo "fresh-check: step done: $* (exit $r, $((SECONDS - t)) s)"; return $r; }'
cmd=${1:-'step apt-get update -qq && step apt-get install -y -qq make && step make check && step make test'}
[ "$(id -u)" -eq 0 ] || die "must run as root (it makes and enters a root filesystem)"
for t in mmdebstrap git unshare; do
	command -v "$t" >/dev/null || die "$t missing (apt-get install mmdebstrap git)"
done
base=$CACHE/fresh
root=$base/root
mkdir -p "$base" "$CACHE/logs" "$CACHE/kernels" "$CACHE/ksrc" "$CACHE/debian-guest"
exec 6>"$base/.lock"
flock 6

start=$SECONDS
rm -rf "$root"
note "making a minimal Debian 12 root in $root"
"$TOP/scripts/kapt.sh" sources bookworm bookworm-updates bookworm-security >"$base/bookworm.sources"
if ! mmdebstrap --variant=apt bookworm "$root" "$base/bookworm.sources" >"$base/mmdebstrap.log" 2>&1 6>&-; then
	tail -n 30 "$base/mmdebstrap.log" >&2
	die "mmdebstrap failed (log: $base/mmdebstrap.log)"
fi
git clone -q "$TOP" "$root/root/shmdev" || die "cannot clone $TOP"
mkdir -p "$root/root/.cache/shmdev/kernels" "$root/root/.cache/shmdev/ksrc" \
	"$root/root/.cache/shmdev/debian-guest"
note "root ready in $((SECONDS - start)) s; running: $cmd"

# The rig's own settings (SHMDEV_KERNELS=... for a quicker run) pass
# through; the cache and source locations are the root's own.
mapfile -t pass < <(env | grep -E '^SHMDEV_' | grep -vE '^SHMDEV_(CACHE|SRC)=' || true)
rc=0
unshare -m --propagation private -- sh -ec '
	root=$1 cache=$2 cmd=$3
	shift 3
	# The root is a mount point of its own, so the rig can make private
	# mount namespaces inside it (unshare --propagation private).
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmp "$root/tmp"
	mount --bind "$cache/kernels" "$root/root/.cache/shmdev/kernels"
	mount --bind "$cache/ksrc" "$root/root/.cache/shmdev/ksrc"
	mount --bind "$cache/debian-guest" "$root/root/.cache/shmdev/debian-guest"
	exec chroot "$root" env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive ${CI:+CI=$CI} "$@" \
		bash -c "cd /root/shmdev && $cmd"
' fresh-check "$root" "$CACHE" "$steps; $cmd" "${pass[@]}" 2>&1 6>&- | tee "$CACHE/logs/fresh-check.log" || rc=$?
note "fresh root: exit $rc after $((SECONDS - start)) s (log: $CACHE/logs/fresh-check.log)"
# make test's verdict closes the output, as it would on the machine itself.
verdict=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$CACHE/logs/fresh-check.log" | tail -n1 || true)
[ -z "$verdict" ] || echo "$verdict"
exit "$rc"
