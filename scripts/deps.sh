#!/bin/bash
# Install the host packages the rig needs (Debian 12).  Quiet and a no-op
# when everything is already there.
set -euo pipefail

# The kbuild packages' tools need libelf1, libssl3, zlib1g and pahole
# (dwarves); Debian's headers name gcc-12 (bookworm's gcc).
pkgs=(
	qemu-system-x86 busybox-static sparse dwarves cpio kmod zstd xz-utils
	bc gcc gcc-12 binutils make libc6-dev perl python3 libelf-dev libelf1
	libssl3 zlib1g
)

# One dpkg-query for all: a warm machine runs no apt at all.
installed=$({ dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null || true; } |
	awk '/ ok installed$/ { print $1 }')
missing=()
for p in "${pkgs[@]}"; do
	grep -qx "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps.sh: error: missing packages: ${missing[*]} (run as root or install sudo)" >&2
		exit 1
	fi
	sudo=(sudo DEBIAN_FRONTEND=noninteractive)
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
install() {
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
}
# A brand-new machine may have empty or stale package lists.
if ! install; then
	"${sudo[@]}" apt-get update -q >>"$log" 2>&1 || true
	if ! install; then
		cat "$log" >&2
		echo "deps.sh: error: apt-get install failed: ${missing[*]}" >&2
		exit 1
	fi
fi
