#!/bin/bash
# Usage: scripts/guest-tools.sh [PACKAGE...]
# Stage Debian's trinity and stress-ng (or the PACKAGEs named, each with
# a /usr/bin program of its name: make lab stages trace-cmd) for the
# guest (kernel independent) in $CACHE/tools/root ($CACHE/tools-NAMES/root
# for other packages): the binaries at usr/bin/, every shared library
# they need (resolved with ldd on the host, a Debian 12 like the
# packages) at its host path, and the dynamic loader.  Packages are only
# downloaded (apt-get download + dpkg-deb -x into the cache): the tools
# themselves, and any library package of their dependency closure that
# the host lacks.  Cached until the candidate versions change.  Prints
# TOOLS=<root to copy into the initramfs>.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

tools=(trinity stress-ng)
dir=$CACHE/tools
if [ $# -gt 0 ]; then
	tools=("$@")
	dir=$CACHE/tools-$(IFS=-; echo "$*")
fi
root=$dir/root
stamp=$dir/.complete

want=$(apt-cache policy "${tools[@]}" 2>/dev/null |
	awk '/^[^ ]/ { p = $1 } /Candidate:/ { printf "%s%s ", p, $2 }')
case $want in
*"(none)"* | "") die "${tools[*]} not in apt's lists (run apt-get update?)" ;;
esac
if [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ] && [ -d "$root" ]; then
	printf 'TOOLS=%q\n' "$root"
	exit 0
fi

note "staging ${tools[*]} for the guest"
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/x" "$root/usr/bin"
# The dependency closure, minus what the host already has installed.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances --no-pre-depends "${tools[@]}" 2>/dev/null |
	grep -E '^[a-z0-9]' | sort -u)
installed=$(dpkg-query -W -f='${Package} ${Status}\n' 2>/dev/null |
	awk '/ ok installed$/ { sub(/:.*/, "", $1); print $1 }' | sort -u)
get=("${tools[@]}")
while read -r p; do
	[ -n "$p" ] || continue
	case " ${tools[*]} " in *" $p "*) continue ;; esac
	grep -qx "$p" <<<"$installed" || get+=("$p")
done <<<"$closure"
(cd "$dir/debs" && apt-get download -qq -o APT::Sandbox::User=root "${get[@]}" >/dev/null) ||
	die "apt-get download ${get[*]} failed"
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir/x" || die "cannot unpack $deb"
done

libpath=$dir/x/lib/x86_64-linux-gnu:$dir/x/usr/lib/x86_64-linux-gnu
for t in "${tools[@]}"; do
	bin=$dir/x/usr/bin/$t
	[ -x "$bin" ] || die "no /usr/bin/$t in the $t package"
	cp "$bin" "$root/usr/bin/$t"
	stage_libs "$root" "$bin" "$libpath"
done
rm -rf "$dir/debs" "$dir/x"
echo "$want" >"$stamp"
printf 'TOOLS=%q\n' "$root"
