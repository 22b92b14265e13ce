#!/bin/bash
# Usage: scripts/kapt.sh table | get APT-GET-ARGS... | sources SUITE...
# Debian's kernel suites through a private apt state under $CACHE/apt:
# Debian 12 (bookworm, -updates, -security), Debian 13 (trixie, ...),
# unstable (sid) and experimental, from the archive the host's own apt
# uses (read from its sources, never written here).  The host's apt
# configuration, lists and installed packages stay untouched.
#   table    refresh the lists when older than SHMDEV_KERNEL_TTL (a day)
#            and print the path of a table of every kernel package, one
#            version a line: "PACKAGE VERSION SUITE DEPENDS" (DEPENDS
#            without spaces); scripts/kpkg.sh reads it
#   get      apt-get with the private state (download, print-uris, ...)
#   sources  print deb822 sources for SUITEs (for mmdebstrap)
# Some suites' Release files are past their Valid-Until date in the
# registry this project reaches, so that check is off for these lists.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

dir=$CACHE/apt
suites=(bookworm bookworm-updates bookworm-security trixie trixie-updates
	trixie-security sid experimental)
ttl=${SHMDEV_KERNEL_TTL:-86400}
opts=(
	-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$dir/sources.list.d"
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$dir/preferences.d"
	-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
	-o Dir::State::status="$dir/status" -o Debug::NoLocking=1
	-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root
)

# The host's archive: "MAIN SECURITY" base URIs, from the Release files
# its apt would fetch (works with empty lists, as on a new machine).
archive() {
	local codename uris main sec
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "cannot tell the host's Debian codename from /etc/os-release"
	uris=$(apt-get -o Dir::State::Lists="$dir/empty" update --print-uris 2>/dev/null |
		sed -nE "s|^'([^']+)/dists/([^/]+)/InRelease'.*|\\2 \\1|p")
	main=$(awk -v s="$codename" '$1 == s { print $2; exit }' <<<"$uris")
	sec=$(awk -v s="$codename-security" '$1 == s { print $2; exit }' <<<"$uris")
	[ -n "$main" ] || die "no '$codename' suite in the host's apt sources: cannot find Debian's archive"
	echo "$main ${sec:-$main}"
}

sources() {
	local main sec s
	read -r main sec < <(archive)
	for s in "$@"; do
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' \
			"$([ "${s%-security}" != "$s" ] && echo "$sec" || echo "$main")" "$s"
		printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n'
	done
}

# One line per package version; the suite comes from the list's file name
# (..._dists_SUITE_main_binary-amd64_Packages, compressed or not, so
# apt-helper reads it).
make_table() {
	local f suite
	for f in "$dir"/lists/*_Packages*; do
		suite=${f##*_dists_}
		suite=${suite%%_*}
		/usr/lib/apt/apt-helper cat-file "$f" | awk -v s="$suite" '
			/^Package:/ { p = $2 } /^Version:/ { v = $2 }
			/^Depends:/ { d = $0; sub(/^Depends: */, "", d); gsub(/ /, "", d) }
			/^$/ { if (p ~ /^linux-(image|headers|kbuild|binary|modules)-/) print p, v, s, (d == "" ? "-" : d)
				p = v = d = "" }
			END { if (p ~ /^linux-(image|headers|kbuild|binary|modules)-/) print p, v, s, (d == "" ? "-" : d) }'
	done | sort -u >"$dir/table.new"
	mv "$dir/table.new" "$dir/table"
}

# Are the table and lists younger than the TTL?
fresh() {
	local stamp=$dir/.updated
	[ -s "$dir/table" ] && [ -e "$stamp" ] &&
		[ $(($(date +%s) - $(stat -c %Y "$stamp"))) -lt "$ttl" ]
}

refresh() {
	local stamp=$dir/.updated log
	fresh && return 0
	mkdir -p "$dir"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial,empty}
	exec 7>"$dir/.lock"
	flock 7
	# Another run may have refreshed while this one waited.
	fresh && return 0
	: >>"$dir/status"
	sources "${suites[@]}" >"$dir/sources.list.d/kernels.sources"
	note "updating the package lists of ${suites[*]} (private, in $dir)"
	log=$(mktemp)
	if apt-get "${opts[@]}" update -q >"$log" 2>&1; then
		make_table
		touch "$stamp"
	elif [ -s "$dir/table" ]; then
		note "warning: apt-get update failed; using the lists of $(date -r "$dir/.updated" 2>/dev/null || echo 'an earlier run')"
	else
		cat "$log" >&2
		rm -f "$log"
		die "apt-get update of the kernel suites failed"
	fi
	rm -f "$log"
	[ -s "$dir/table" ] || die "no kernel packages in the lists of ${suites[*]}"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
table) refresh && echo "$dir/table" ;;
get) refresh && exec apt-get "${opts[@]}" "$@" ;;
sources) [ $# -gt 0 ] || die "usage: kapt.sh sources SUITE..."; sources "$@" ;;
*) die "usage: kapt.sh table | get APT-GET-ARGS... | sources SUITE..." ;;
esac
