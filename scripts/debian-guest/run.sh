#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sh -c '...' commands expand in that shell, not here:
# shellcheck disable=SC2016
# Usage (in the Debian guest, as root, from shmdev-payload.service):
#   run.sh PAYLOAD-DIR
# The guest's side of scripts/debian-guest.sh.  PAYLOAD-DIR holds the
# .debs of `make deb`, region.c, kver (the kernel the guest must run) and
# version.  The first boot installs the packages and uses them, then
# reboots; the second checks what came back at boot, removes and purges
# the packages and looks for anything left behind.  Every check prints
# "shmdev-deb: PASS: ..." or "shmdev-deb: FAIL: ..." on the console; the
# end is "shmdev-deb: DONE", then QEMU is left through isa-debug-exit.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

payload=$1
state=/var/lib/shmdev-deb-test
kver=$(cat "$payload/kver")
version=$(cat "$payload/version")
pkgs=(shmdev-dkms shmdev-utils libshmdev1 libshmdev-dev)
mkdir -p "$state"
nfail=0

say() { echo "shmdev-deb: $*"; }
pass() { say "PASS: $*"; }
fail() { say "FAIL: $*"; nfail=$((nfail + 1)); }
# check DESCRIPTION COMMAND...: PASS if it succeeds; on failure its
# output (last lines) follows the FAIL line.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$what"
	else
		fail "$what"
		tail -n 25 <<<"$out" | sed 's/^/shmdev-deb:   | /'
	fi
}
# As check, but the command must fail.
refused() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$what (it succeeded)"
		tail -n 10 <<<"$out" | sed 's/^/shmdev-deb:   | /'
	else
		pass "$what"
		printf '%s\n' "$out" >"$state/last-refusal"
	fi
}

# Leave QEMU: isa-debug-exit turns value v into exit status (v << 1) | 1;
# the host judges by the PASS/FAIL lines, the status only backs them up.
finish() {
	say "DONE ($nfail failed in this boot)"
	echo finished >"$state/phase"
	sync
	printf '%b' "\\$(printf '%03o' $((nfail > 0)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

# Every path on the root filesystem but the places that change by
# themselves (logs, caches, package manager state, users' homes, the
# test's own state).
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /tmp -o -path /var/tmp -o -path /home -o -path /root \
		-o -path /var/log -o -path /var/cache -o -path /var/lib/apt \
		-o -path /var/lib/dpkg -o -path /var/lib/systemd -o -path "$state" \
		-o -path /var/backups \) -prune -o -print | sort
}

dev_is() { [ "$(stat -c '%G %a' /dev/shmdev 2>&1)" = "$1" ] || { stat /dev/shmdev; return 1; }; }
dkms_installed() { dkms status shmdev | tee /dev/stderr | grep -q "^shmdev/$version, $kver, x86_64: installed"; }
loaded() { grep -q '^shmdev ' /proc/modules; }
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }

# The non-member's refusal: EACCES, and shmdevctl's hint naming the group.
refusal_hint() {
	if grep -q 'Permission denied' "$state/last-refusal" &&
		grep -q 'hint: /dev/shmdev is mode 0660, owner root, group shmdev' "$state/last-refusal"; then
		return 0
	fi
	cat "$state/last-refusal"
	return 1
}

# alice compiles region.c as the README says; it links the installed
# shared library.
build_program() {
	install -d -o alice -m 0755 /tmp/prog &&
		install -o alice -m 0644 "$payload/region.c" /tmp/prog/ || return 1
	# shellcheck disable=SC2016 # expanded by alice's shell
	as alice sh -c 'cd /tmp/prog && cc -Wall -o region region.c $(pkg-config --cflags --libs libshmdev)' &&
		ldd /tmp/prog/region | grep -E 'libshmdev\.so\.1 => (/usr)?/lib/x86_64-linux-gnu/libshmdev\.so\.1'
}

phase1() {
	echo 1 >"$state/phase"
	check "booted the kernel whose headers are installed ($kver)" \
		sh -c "[ \"\$(uname -r)\" = '$kver' ] && dpkg -s linux-headers-$kver >/dev/null"
	# Users first, so that their homes and /etc entries are in the
	# snapshot; alice joins the group once the package has made it.
	useradd -m -s /bin/bash alice && useradd -m -s /bin/bash bob
	snapshot >"$state/before"
	rm -rf /root/debs && cp -r "$payload/debs" /root/debs
	check "apt install ./shmdev-dkms ./shmdev-utils ./libshmdev1 ./libshmdev-dev (offline)" \
		sh -c 'cd /root/debs && apt install -y ./shmdev-dkms_*.deb ./shmdev-utils_*.deb ./libshmdev1_*.deb ./libshmdev-dev_*.deb'
	dpkg -L "${pkgs[@]}" 2>/dev/null | sort -u >"$state/dpkg-files"
	check "dkms status: shmdev/$version installed for the running kernel" dkms_installed
	check "DKMS put the module in /lib/modules/$kver/updates/dkms" \
		test -f "/lib/modules/$kver/updates/dkms/shmdev.ko"
	check "modinfo: version $version" sh -c "[ \"\$(modinfo -F version shmdev)\" = '$version' ]"
	if [ -f /var/lib/dkms/mok.pub ]; then
		check "DKMS signed the module with its MOK key (/var/lib/dkms/mok.pub)" \
			sh -c '[ -n "$(modinfo -F signer shmdev)" ]'
	fi
	check "the package made the group shmdev" getent group shmdev
	check "modprobe shmdev" modprobe shmdev
	check "the module is loaded" loaded
	udevadm settle
	check "udev: /dev/shmdev is group shmdev, mode 0660" dev_is "shmdev 660"
	adduser --quiet alice shmdev
	check "a member (alice) creates a region with shmdevctl" \
		as alice shmdevctl create deb-ctl 1M --channels 2 --mode 0600
	check "a member lists it" sh -c 'runuser -u alice -- shmdevctl list | grep -q "deb-ctl.*alice"'
	check "a member maps it (shmdevctl frames)" as alice shmdevctl frames deb-ctl
	check "shmdevctl --version names the loaded module $version" \
		sh -c "runuser -u alice -- shmdevctl --version | grep -Eqx 'module +$version'"
	check "a member builds a program with pkg-config --cflags --libs libshmdev" build_program
	check "it creates and maps a region; a child reads the parent's bytes" as alice /tmp/prog/region
	refused "a non-member (bob) is refused by shmdevctl" as bob shmdevctl list
	check "with EACCES and shmdevctl's hint naming the group" refusal_hint
	refused "a non-member is refused by the program" as bob /tmp/prog/region
	check "the program says Permission denied" grep -q 'Permission denied' "$state/last-refusal"
	check "a member removes the region" as alice shmdevctl rm deb-ctl
	echo 2 >"$state/phase"
	say "NOTE: rebooting to see the module come back at boot"
	systemctl --no-block reboot
}

# apt purge the packages dpkg still knows (state "rc": configuration
# files left by remove).  Ours ship no conffiles, so remove already
# leaves none, and apt, without package lists here, would not even find
# their names: that is said, and passes.
purge() {
	local known
	known=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" 2>/dev/null |
		awk '$1 != "un" { print $2 }')
	if [ -z "$known" ]; then
		echo "nothing to purge: apt remove left no configuration"
		return 0
	fi
	# shellcheck disable=SC2086 # package names
	apt purge -y $known
}

# Purged means dpkg's status of each is "not installed" (or unknown).
none_left() {
	! dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" 2>/dev/null | grep -v '^un'
}

# systemd-modules-load runs before journald: its lines reach the journal
# through /dev/kmsg, without a unit field, so look them up by name.
boot_loaded() {
	journalctl -b -t systemd-modules-load --no-pager | grep -q "Inserted module 'shmdev'" ||
		{ journalctl -b --no-pager | grep -i 'modules-load\|shmdev'; return 1; }
}

# After purge: nothing of the packages' files, DKMS's tree or the
# module; and no path on the system that was not there before install.
leftovers() {
	local f bad=0
	while read -r f; do
		[ -d "$f" ] && continue
		[ -e "$f" ] || [ -L "$f" ] || continue
		echo "still there: $f"
		bad=1
	done <"$state/dpkg-files"
	for f in /usr/src/shmdev-* /lib/modules/*/updates/dkms/shmdev.ko /var/lib/dkms/shmdev; do
		[ -e "$f" ] && { echo "still there: $f"; bad=1; }
	done
	snapshot >"$state/after"
	# DKMS's own signing key, made at its first build for every module
	# it will build, belongs to dkms (README: Secure Boot), not to us.
	comm -13 "$state/before" "$state/after" | grep -vE '^/var/lib/dkms/mok\.(key|pub)$' >"$state/new" || true
	comm -23 "$state/before" "$state/after" >"$state/gone"
	[ -s "$state/new" ] && { echo "new paths:"; cat "$state/new"; bad=1; }
	[ -s "$state/gone" ] && { echo "paths that went away:"; cat "$state/gone"; bad=1; }
	return "$bad"
}

phase2() {
	local holder mods
	echo 2-started >"$state/phase"
	check "after the reboot the module is loaded at boot" loaded
	check "systemd-modules-load inserted it (modules-load.d)" boot_loaded
	check "systemd-modules-load.service is active" systemctl is-active systemd-modules-load.service
	check "/dev/shmdev is group shmdev, mode 0660 at boot" dev_is "shmdev 660"
	check "a member creates a region after the reboot" \
		as alice shmdevctl create deb-hold 64K --mode 0644
	# A process keeps a mapping across the removal: apt must not pull the
	# module out from under it.
	runuser -u alice -- shmdevctl frames deb-hold --hold >/dev/null 2>&1 &
	holder=$!
	sleep 2
	mods=$(cut -d' ' -f1 /proc/modules | sort)
	check "apt remove ${pkgs[*]}" apt remove -y "${pkgs[@]}"
	check "apt remove unloaded nothing (same /proc/modules)" \
		sh -c "[ \"\$(cut -d' ' -f1 /proc/modules | sort)\" = '$mods' ]"
	check "the process holding a mapping lives on" kill -0 "$holder"
	check "no failed systemd unit" sh -c '[ -z "$(systemctl --failed --no-legend)" ]'
	check "dkms status no longer lists shmdev" sh -c '! dkms status | grep -q shmdev'
	check "apt purge of what remove left (configuration)" purge
	check "dpkg has none of the packages, not even their configuration" none_left
	check "dpkg --audit and apt-get check are clean" sh -c '[ -z "$(dpkg --audit)" ] && apt-get check -q'
	check "nothing left behind (package files, /usr/src, updates/dkms, /var/lib/dkms, new paths)" leftovers
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	check "the loaded module can still be unloaded (rmmod shmdev)" rmmod shmdev
	refused "and it is gone for good (modprobe shmdev fails)" modprobe shmdev
	finish
}

case $(cat "$state/phase" 2>/dev/null) in
"") phase1 ;;
2) phase2 ;;
*)
	# A boot the test did not ask for (a panic reboots: panic=-1).
	fail "unexpected boot in phase '$(cat "$state/phase")' (a crash or panic?)"
	finish
	;;
esac
