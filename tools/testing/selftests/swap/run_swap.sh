#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the swap selftests on swap they set up themselves, so that they need
# no prepared machine: a zram device of their own (hot-added, or zram0 of
# the module loaded for them), used
#   zram        alone, zswap off;
#   zswap       behind zswap, which writes back to it;
#   zswap-only  not at all: zswap with no swap device, with virtual swap
#               (CONFIG_VIRTUAL_SWAP) and no other swap area on only.
# Swap areas already on stay on, zswap's parameters are put back at the end
# and the zram device is removed. Cases that need a disk to inject I/O
# errors into, or swapfiles, are not run here.
#
# Usage: run_swap.sh [-o REGEX]
#   -o REGEX  only the runs whose name, ENV/PROGRAM[.CASE], REGEX matches
# Environment: SWAP_ZRAM_SIZE, the zram device's size (default 512M).
# Exit: 0 if every run passed or skipped, 1 if one failed, 4 (skip) if
# none could run.

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
zswap=/sys/module/zswap/parameters
cgroot=/sys/fs/cgroup
only=
pass=0 fail=0 skip=0 n=0
dev='' zid='' zsys='' zmod='' zswap_saved='' mycg='' why=''

while getopts o: opt; do
	case $opt in
	o) only=$OPTARG;;
	*) echo "usage: $0 [-o REGEX]" >&2; exit 1;;
	esac
done

skip_all() {
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
grep -q "^cgroup2 $cgroot " /proc/mounts ||
	skip_all "no cgroup v2 hierarchy at $cgroot"
grep -qw memory $cgroot/cgroup.controllers ||
	skip_all "no memory controller in $cgroot"

zram_make() {
	if [ ! -e /sys/class/zram-control ]; then
		modprobe zram num_devices=1 2> /dev/null || return 1
		zid=0 zmod=1
	else
		zid=$(cat /sys/class/zram-control/hot_add) || return 1
	fi
	dev=/dev/zram$zid zsys=/sys/block/zram$zid
	# udev may create the node late, or not at all in a minimal system
	[ -b "$dev" ] || mknod "$dev" b "$(cut -d: -f1 "$zsys/dev")" \
		"$(cut -d: -f2 "$zsys/dev")" || return 1
	echo "${SWAP_ZRAM_SIZE:-512M}" > "$zsys/disksize" &&
		mkswap "$dev" > /dev/null
}

zram_remove() {
	[ -n "$zid" ] || return 0
	swapoff "$dev" 2> /dev/null
	echo 1 > "$zsys/reset"
	if [ -n "$zmod" ]; then
		modprobe -r zram 2> /dev/null
	else
		echo "$zid" > /sys/class/zram-control/hot_remove
	fi
	[ -e "$zsys" ] || rm -f "$dev"
}

zswap_save() {
	[ -d $zswap ] || return 0
	for p in enabled compressor max_pool_percent; do
		zswap_saved="$zswap_saved $p=$(cat $zswap/$p)"
	done
}

zswap_restore() {
	for pv in $zswap_saved; do
		echo "${pv#*=}" > "$zswap/${pv%%=*}"
	done
}

cleanup() {
	zram_remove
	zswap_restore
	if [ -n "$mycg" ]; then
		echo $$ > $cgroot/cgroup.procs
		rmdir "$mycg/run" "$mycg" 2> /dev/null
	fi
}

# The programs make their cgroups beside their own, with the memory
# controller on. Started in a cgroup whose parent gives its children that
# controller, they stay there; else (from the root, say) they get a cgroup
# of their own for it.
cg_join() {
	self=$(sed -n 's/^0:://p' /proc/self/cgroup)
	if [ "$self" != / ] &&
	   grep -qw memory "$cgroot${self%/*}/cgroup.subtree_control"; then
		return 0
	fi
	mycg=$cgroot/swap-selftest-$$
	mkdir -p "$mycg/run" &&
	echo +memory > $cgroot/cgroup.subtree_control &&
	echo +memory > "$mycg/cgroup.subtree_control" &&
	echo $$ > "$mycg/run/cgroup.procs"
}

# env_setup ENV: the swap of ENV on; else why not in $why, and return 1
env_setup() {
	swapoff "$dev" 2> /dev/null
	case $1 in
	zram)
		why="cannot swap on $dev"
		[ ! -d $zswap ] || echo N > $zswap/enabled && swapon "$dev";;
	zswap)
		why="no zswap in this kernel"
		[ -d $zswap ] || return 1
		why="cannot turn zswap on, or swap on $dev"
		echo Y > $zswap/enabled && swapon "$dev";;
	zswap-only)
		why="zswap with no swap device needs CONFIG_VIRTUAL_SWAP and zswap"
		[ -d /sys/kernel/mm/vswap ] && [ -d $zswap ] || return 1
		why="other swap areas are on"
		[ "$(wc -l < /proc/swaps)" -le 1 ] || return 1
		why="cannot turn zswap on"
		echo Y > $zswap/enabled;;
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
	if [ -n "$only" ] && ! echo "$name" | grep -qE "$only"; then
		return
	fi
	n=$((n + 1))
	if ! env_setup "$env"; then
		echo "ok $n $name # SKIP $why"
		skip=$((skip + 1))
		return
	fi
	"$here/$prog" "$@" > "$tmp" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp"
	case $rc in
	0) echo "ok $n $name"; pass=$((pass + 1));;
	"$ksft_skip") echo "ok $n $name # SKIP"; skip=$((skip + 1));;
	*) echo "not ok $n $name # exit code $rc"; fail=$((fail + 1));;
	esac
}

tmp=$(mktemp) || exit 1
trap 'cleanup; rm -f "$tmp"' EXIT
trap 'exit 1' INT TERM
zswap_save
zram_make || skip_all "cannot make a zram device to swap to"
cg_join || { echo "# cannot set up a cgroup with the memory controller"; exit 1; }

echo "TAP version 13"
run zram swap_integrity
run zram swapoff_race --device "$dev"
run zram swap_shmem
run zram swap_stress --only many_procs
run zram swap_large --only device
run zswap swap_integrity
run zswap swap_memcg
run zswap zswap_writeback
run zswap swap_large --only zswap
run zswap vswap_backends --only zero_pages
run zswap vswap_backends --only zswap_slots
run zswap-only swap_integrity
run zswap-only swap_shmem
run zswap-only vswap_backends --only no_device
run zswap-only vswap_backends --only mixed_no_device
[ $n -gt 0 ] || skip_all "no run matches '$only'"
echo "1..$n"
echo "# $pass passed, $fail failed, $skip skipped"
[ $skip -lt $n ] || exit $ksft_skip
[ $fail = 0 ]
