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
# Copy the shared libraries and the loader that ELF program $2 needs
# (ldd on this host; $3 is searched first) under root $1, where the
# guest's loader looks for them.  Dies when one cannot be found.
stage_libs() { # ROOT BIN [LIBPATH]
	local root=$1 bin=$2 deps name path dest
	deps=$(LD_LIBRARY_PATH=${3:-}${3:+:}${LD_LIBRARY_PATH:-} ldd "$bin") || die "ldd $bin failed"
	if grep -q 'not found' <<<"$deps"; then
		echo "$deps" >&2
		die "$bin needs libraries this host cannot find (set LD_LIBRARY_PATH)"
	fi
	# "libfoo.so.1 => /path (addr)" and the loader "/lib64/ld-linux-x86-64.so.2 (addr)".
	while read -r name path; do
		case $name in
		/*) dest=$name path=$name ;;
		*) dest=/lib/x86_64-linux-gnu/$name ;;
		esac
		mkdir -p "$root${dest%/*}"
		cp -L "$path" "$root$dest"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\// { print $1, $1 }' <<<"$deps")
}

lock_cache() {
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		note "waiting for another run using $CACHE"
		flock 9
	fi
}

# The kernel matrix of `make test` and `make check` (SHMDEV_KERNELS):
# Debian 12's 6.1 and 6.12, the 6.12 PREEMPT_RT flavour, the debug kernel
# (6.12-debug, built once from source with KASAN, lockdep, kmemleak and
# fault injection, then cached), Debian unstable's 7.2 and experimental's
# release candidate (7.3-rc; NOT TESTED, loudly, when the registry has
# none).  scripts/kernels.sh picks each line's newest build at run time.
# shellcheck disable=SC2034 # used by the scripts that source this
DEFAULT_KERNELS="6.1 6.12 6.12-rt 6.12-debug 7.2 7.3-rc"
KNOWN_LINES="6.1 6.12 6.12-rt 6.12-debug 7.2 X.Y-rc"

# Die unless every word of $2 is a kernel line scripts/kernels.sh knows;
# $1 names the variable it came from.  Checked before anything is built.
check_lines() { # VAR LINES
	local l
	[ -n "${2// /}" ] || die "$1 is empty (kernel lines: $KNOWN_LINES)"
	for l in $2; do
		case $l in
		6.1 | 6.12 | 6.12-rt | 6.12-debug | 7.2 | [0-9]*.[0-9]*-rc) ;;
		*) die "$1: unknown kernel line '$l' (kernel lines: $KNOWN_LINES)" ;;
		esac
	done
}

# Print VAR=VALUE words (for env) with the guest settings of kernel line
# $1: memory, per-test and host-side timeouts, SHMDEV_STRESS_SECONDS and
# extra kernel arguments.  SHMDEV_MEM, SHMDEV_TEST_TIMEOUT, SHMDEV_TIMEOUT
# and SHMDEV_STRESS_SECONDS, when set, apply to every line; otherwise the
# debug kernel (KASAN etc. under TCG: slow) gets its own defaults, which
# SHMDEV_DEBUG_{MEM,TEST_TIMEOUT,TIMEOUT,STRESS_SECONDS,APPEND} change.
boot_env() {
	case $1 in
	*-debug)
		echo "SHMDEV_MEM=${SHMDEV_MEM:-${SHMDEV_DEBUG_MEM:-2G}}"
		echo "SHMDEV_TEST_TIMEOUT=${SHMDEV_TEST_TIMEOUT:-${SHMDEV_DEBUG_TEST_TIMEOUT:-900}}"
		echo "SHMDEV_TIMEOUT=${SHMDEV_TIMEOUT:-${SHMDEV_DEBUG_TIMEOUT:-3600}}"
		echo "SHMDEV_STRESS_SECONDS=${SHMDEV_STRESS_SECONDS:-${SHMDEV_DEBUG_STRESS_SECONDS:-60}}"
		echo "SHMDEV_APPEND=kfence.sample_interval=100 ${SHMDEV_DEBUG_APPEND:-} ${SHMDEV_APPEND:-}"
		;;
	*)
		echo "SHMDEV_MEM=${SHMDEV_MEM:-1G}"
		echo "SHMDEV_TEST_TIMEOUT=${SHMDEV_TEST_TIMEOUT:-300}"
		echo "SHMDEV_TIMEOUT=${SHMDEV_TIMEOUT:-1200}"
		echo "SHMDEV_STRESS_SECONDS=${SHMDEV_STRESS_SECONDS:-10}"
		echo "SHMDEV_APPEND=${SHMDEV_APPEND:-}"
		;;
	esac
}
