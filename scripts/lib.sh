# Common settings for the rig's scripts; sourced, not run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The tree whose Kbuild, module/, uapi/, userspace/ and selftests/ are built.
export SRC=${SHMDEV_SRC:-$TOP}
CACHE=${SHMDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shmdev}
mkdir -p "$CACHE"

die() {
	echo "${0##*/}: error: $*" >&2
	exit 1
}

note() {
	echo "${0##*/}: $*" >&2
}

# Serialise whole runs (test, check, demo) that share one cache: they
# rebuild the same directories and write the same logs.
lock_cache() {
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		note "waiting for another run using $CACHE"
		flock 9
	fi
}
