#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the swap selftests on swap they set up themselves, so that they need
# no prepared machine: a zram device of their own, used three ways:
#   zram        alone, zswap off;
#   zswap       behind zswap, which writes back to it;
#   zswap-only  not at all: zswap with no swap device (needs
#               CONFIG_VIRTUAL_SWAP, and no other swap area on).
# The device is swapped on at the highest priority; the runs on it are
# skipped if another swap area outranks or ties it all the same. Each
# program runs alone in a cgroup made for it under the root. What they
# may change (CPU 1 online, zswap's, THP's and swap readahead's settings)
# is put back at the end, and the device removed.
#
# Not run here, for want of what they need or to keep the run short: I/O
# errors injected into a disk (swap_faults), readahead (an asynchronous
# device), swapoff of a disk holding large folios, swapfiles, two
# devices, a zram device small enough to scatter slots, the emulated
# offload device and kcompressd, cgroup removal and CPU hotplug under
# swap load (swap_stress's cgroup_removal and cpu_hotplug).
#
# Usage: run_swap.sh [-o REGEX]
#   -o REGEX  only the runs whose name, ENV/PROGRAM[.CASE], REGEX matches
# Environment: SWAP_ZRAM_SIZE, the zram device's size (default 512M).
# Exit: 0 if every run passed or skipped, 1 if one failed, 4 (skip) if
# none could run.

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
zswap=/sys/module/zswap/parameters
thp=/sys/kernel/mm/transparent_hugepage
cgroot=/sys/fs/cgroup
# restored in this order: CPU 1 first, zswap's enabled last
settings="/sys/devices/system/cpu/cpu1/online
	$zswap/compressor $zswap/max_pool_percent $zswap/shrinker_enabled
	$thp/enabled $thp/hugepages-*kB/enabled /proc/sys/vm/page-cluster
	/sys/kernel/mm/swap/vma_ra_enabled $zswap/enabled"
only=''
pass=0 fail=0 skip=0 n=0
zid='' dev='' zmod='' made_node='' mycg='' runcg='' dry='' why='' tmp=''

usage() {
	echo "usage: $0 [-o REGEX]" >&2
	exit 1
}

while getopts o: opt; do
	case $opt in
	o) only=$OPTARG;;
	*) usage;;
	esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || usage
if [ -n "$only" ]; then
	echo | grep -qE -- "$only"
	[ $? -le 1 ] || usage
fi

echo "TAP version 13"

skip_all() {
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}

bail() {
	echo "Bail out! $*"
	exit 1
}

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
awk -v d=$cgroot '$2 == d && $3 == "cgroup2" { found = 1 }
	END { exit !found }' /proc/mounts ||
	skip_all "no cgroup v2 hierarchy at $cgroot"
grep -qw memory $cgroot/cgroup.controllers ||
	skip_all "no memory controller in $cgroot"

# value FILE: a setting's value; of a choice ("a [b] c"), the one chosen
value() {
	sed 's/.*\[\(.*\)\].*/\1/' "$1"
}

# set_value FILE VALUE: write only a change (writing zswap's enabled sets
# zswap up, even to N)
set_value() {
	[ "$(value "$1")" = "$2" ] || echo "$2" > "$1"
}

settings_save() {
	for f in $settings; do
		[ -w "$f" ] && echo "$f $(value "$f")"
	done > "$tmp.settings"
}

settings_restore() {
	[ -f "$tmp.settings" ] || return 0
	while read -r f v; do
		set_value "$f" "$v" || echo "# cannot put $f back to $v"
	done < "$tmp.settings"
}

zram_make() {
	if [ ! -e /sys/class/zram-control/hot_add ]; then
		zmod=1
		modprobe zram num_devices=0 2> /dev/null ||
			skip_all "no zram in this kernel"
	fi
	zid=$(cat /sys/class/zram-control/hot_add) ||
		bail "cannot add a zram device"
	dev=/dev/zram$zid
	# udev may make the node late, or not at all in a minimal system
	if [ ! -b "$dev" ]; then
		mknod "$dev" b "$(cut -d: -f1 "/sys/block/zram$zid/dev")" \
			"$(cut -d: -f2 "/sys/block/zram$zid/dev")" &&
			made_node=1 || [ -b "$dev" ] || bail "cannot make $dev"
	fi
	echo "${SWAP_ZRAM_SIZE:-512M}" > "/sys/block/zram$zid/disksize" ||
		bail "cannot size $dev to '${SWAP_ZRAM_SIZE:-512M}'"
	mkswap "$dev" > /dev/null || bail "mkswap $dev failed"
}

zram_remove() {
	if [ -n "$zid" ]; then
		grep -q "^/dev/zram$zid " /proc/swaps && swapoff "/dev/zram$zid"
		echo 1 > "/sys/block/zram$zid/reset"
		echo "$zid" > /sys/class/zram-control/hot_remove
		[ -z "$made_node" ] || rm -f "/dev/zram$zid"
	fi
	[ -z "$zmod" ] || modprobe -r zram 2> /dev/null
}

# The programs make their cgroups beside their own, with the memory
# controller on, and reclaim their own, which must hold nothing else: so
# each runs alone in $runcg/prog, $runcg holding what it makes beside
# that, a cgroup per run in one made for them under the root ($mycg),
# all with that controller for their children. This script stays where
# it was started.
cg_make() {
	mycg=$cgroot/swap-selftest-$$
	grep -qw memory $cgroot/cgroup.subtree_control ||
		echo +memory > $cgroot/cgroup.subtree_control || return 1
	mkdir "$mycg" && echo +memory > "$mycg/cgroup.subtree_control"
}

# cg_remove CGROUP: what is left in it killed, and it removed, children
# first
cg_remove() {
	[ -n "$1" ] && [ -d "$1" ] || return 0
	[ ! -e "$1/cgroup.kill" ] || echo 1 > "$1/cgroup.kill"
	find "$1" -depth -type d | while read -r d; do
		tries=0
		while ! rmdir "$d" 2> /dev/null; do
			tries=$((tries + 1))
			[ $tries -lt 10 ] || { echo "# cannot remove $d"; break; }
			sleep 1
		done
	done
}

cleanup() {
	trap '' HUP INT TERM
	cg_remove "$mycg"
	zram_remove
	settings_restore
	rm -f "$tmp" "$tmp.rc" "$tmp.settings"
}

# Swap on the zram device, above every other area on: 0; else 1, or 2 if
# another area outranks or ties it (reason in $why).
zram_swapon() {
	swapon -p 32767 "$dev" 2> /dev/null || swapon "$dev" ||
		{ why="cannot swap on $dev"; return 1; }
	awk -v d="$dev" 'NR > 1 && $1 == d { mine = $5 }
		NR > 1 && $1 != d && (!other || $5 > top) { top = $5; other = 1 }
		END { exit other && top >= mine }' /proc/swaps ||
		{ why="another swap area outranks or ties $dev"; return 2; }
}

# env_setup ENV: 0 with ENV's swap on; 2 if this system cannot have it,
# 1 if setting it up failed (reason in $why)
env_setup() {
	if grep -q "^$dev " /proc/swaps && ! swapoff "$dev"; then
		why="swapoff $dev failed"
		return 1
	fi
	case $1 in
	zram)
		if [ -d $zswap ] && ! set_value $zswap/enabled N; then
			why="cannot turn zswap off"
			return 1
		fi
		zram_swapon;;
	zswap|zswap-only)
		if [ ! -d $zswap ]; then
			why="no zswap in this kernel"
			return 2
		fi
		if [ "$1" = zswap-only ]; then
			why="zswap with no swap device needs CONFIG_VIRTUAL_SWAP"
			[ -d /sys/kernel/mm/vswap ] || return 2
			why="other swap areas are on"
			[ "$(wc -l < /proc/swaps)" -le 1 ] || return 2
		fi
		if ! set_value $zswap/max_pool_percent 20 ||
		   ! set_value $zswap/enabled Y; then
			why="cannot turn zswap on"
			return 1
		fi
		[ "$1" = zswap-only ] || zram_swapon;;
	esac
}

# run ENV PROGRAM ARGS...
run() {
	env=$1 prog=$2
	shift 2
	name=$env/$prog
	case " $* " in
	*" --only "*) name="$name.$(echo " $* " |
		sed 's/.* --only \([^ ]*\) .*/\1/')";;
	esac
	if [ -n "$only" ] && ! echo "$name" | grep -qE -- "$only"; then
		return
	fi
	n=$((n + 1))
	[ -z "$dry" ] || return 0
	env_setup "$env"
	case $? in
	0) ;;
	2) echo "ok $n $name # SKIP $why"; skip=$((skip + 1)); return;;
	*) echo "not ok $n $name # $why"; fail=$((fail + 1)); return;;
	esac
	runcg=$mycg/run-$n
	if ! mkdir "$runcg" ||
	   ! echo +memory > "$runcg/cgroup.subtree_control" ||
	   ! mkdir "$runcg/prog"; then
		echo "not ok $n $name # cannot make $runcg/prog"
		fail=$((fail + 1))
		cg_remove "$runcg"
		return
	fi
	# In the background, so that a signal to this script is taken at
	# once; prefixed by the shell, which writes each line as it comes (a
	# sed's buffer would be lost with it when a timeout kills the group).
	rm -f "$tmp.rc"
	( { sh -c 'echo $$ > "$1/cgroup.procs" ||
		   { echo "cannot join $1" >&2; exit 125; }
		 shift; exec "$@"' sh "$runcg/prog" "$here/$prog" "$@"
	    echo $? > "$tmp.rc"; } 2>&1 | tee "$tmp" |
	  while IFS= read -r l || [ -n "$l" ]; do echo "# $l"; done ) &
	wait $!
	rc=$(cat "$tmp.rc" 2> /dev/null || echo killed)
	cg_remove "$runcg"
	# a program whose every case skipped ends with 0 or 4
	passed=$(sed -n 's/^# Totals: pass:\([0-9]*\) .*/\1/p' "$tmp" | tail -n 1)
	reason=$(sed -nE 's/^(ok .*|1\.\.0) # SKIP *//p' "$tmp" | tail -n 1)
	if [ "$rc" = 125 ]; then
		echo "not ok $n $name # cannot join $runcg/prog"
		fail=$((fail + 1))
	elif [ "$rc" = $ksft_skip ] || { [ "$rc" = 0 ] && [ "$passed" = 0 ]; }; then
		echo "ok $n $name # SKIP ${reason:-(the program gave no reason)}"
		skip=$((skip + 1))
	elif [ "$rc" = 0 ]; then
		echo "ok $n $name"
		pass=$((pass + 1))
	else
		echo "not ok $n $name # exit code $rc"
		fail=$((fail + 1))
	fi
}

runs() {
	run zram swap_integrity
	run zram swapoff_race --device "$dev"
	run zram swap_shmem
	run zram swap_stress --only many_procs
	run zram swap_large --only device
	run zram vswap_backends --only swapin_path
	run zswap swap_integrity
	run zswap swap_memcg
	run zswap zswap_writeback
	run zswap swap_large --only zswap
	run zswap swap_large --only zero
	run zswap swap_large --only mixed
	run zswap swap_large --only mixed_in
	run zswap swap_large --only mixed_free
	run zswap vswap_backends --only zero_pages
	run zswap vswap_backends --only zswap_slots
	run zswap-only swap_integrity
	run zswap-only swap_memcg --only swap_max_zero
	run zswap-only swap_shmem
	run zswap-only swap_stress --only many_procs
	run zswap-only swap_stress --only offline_cluster
	run zswap-only swap_large --only zswap
	run zswap-only vswap_backends --only no_device
	run zswap-only vswap_backends --only mixed_no_device
	run zswap-only vswap_backends --only metadata
	run zswap-only vswap_backends --only pool_full
}

dry=1
runs
[ $n -gt 0 ] || skip_all "no run matches '$only'"
dry='' n=0
tmp=$(mktemp) || bail "mktemp failed"
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
settings_save
zram_make
cg_make || skip_all "cannot make a cgroup with the memory controller in $cgroot"
runs
echo "1..$n"
echo "# $pass passed, $fail failed, $skip skipped"
[ $skip -lt $n ] || exit $ksft_skip
[ $fail = 0 ]
