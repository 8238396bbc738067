# Helpers for the guest suites; sourced by /init.
#
# A suite is a list of 'run [-t SECS] [-n NAME] [-k REGEX] ENV PROGRAM
# ARGS...' lines ('vrun': the same, on a kernel with virtual swap only):
# -t is the program's time limit (the host kills the guest past it,
# default $RUN_TIMEOUT s), -n its name in the results (default
# ENV/PROGRAM), -k a kernel message the program provokes on purpose (an
# injected I/O error), which then does not fail the run. ENV names the swap
# backend the program runs on:
#   none        no swap at all
#   disk        /dev/vda as swap, zswap off
#   zswap-disk  zswap on, /dev/vda as swap behind it
#   file        a swapfile on an ext2 filesystem on /dev/vda, zswap off
#   zswap-file  zswap on, that swapfile behind it
#   two-files   zswap off, two swapfiles on that filesystem: /mnt/swapfile
#               (32 MiB) and /mnt/swapfile2 (64 MiB)
#   zswap-two-files  zswap on, two such swapfiles of 160 MiB each
#   zswap-only  zswap on, no swap device
#   zram        /dev/zram0 as swap, zswap off
# Each run is framed by markers on both channels, so the host can attribute
# every result and every kernel warning to the program that was running.
# A program runs in the cgroup $TESTCG/run and makes its own cgroups beside
# it, so that reclaim of $TESTCG reaches all the memory of the tests, and
# none of the rest of the guest (this shell, the initramfs in ramfs).

RUN_TIMEOUT=600
TESTCG=/sys/fs/cgroup/vtest
SWAPDEV=/dev/vda
SWAPFILE=/mnt/swapfile
ZSWAP=/sys/module/zswap/parameters

kmsg() { echo "vtest: $*" > /dev/kmsg; }

# Back to no swap at all; says what it could not undo and fails then. A
# swapoff that does not finish in time (it retries forever while a slot is
# still counted in use with nothing left to bring in) is interrupted.
swap_reset() {
	local ok=0
	timeout -s INT 120 swapoff -a 2>/dev/null
	if [ "$(wc -l < /proc/swaps)" -gt 1 ]; then
		echo "# swap_reset: swapoff left: $(tail -n +2 /proc/swaps | tr -s ' ')"
		ok=1
	fi
	if grep -q " /mnt " /proc/mounts && ! umount /mnt; then
		echo "# swap_reset: cannot unmount /mnt"
		ok=1
	fi
	[ -d "$ZSWAP" ] && echo N > $ZSWAP/enabled
	if [ -e /sys/block/zram0/reset ] && ! echo 1 > /sys/block/zram0/reset; then
		echo "# swap_reset: cannot reset zram0"
		ok=1
	fi
	return $ok
}

# Mark virtio disks non-rotational, as SSDs: that is what enables the cluster
# allocator and large-folio swap-out.
swap_disk() {
	echo 0 > /sys/block/vda/queue/rotational
	mkswap $SWAPDEV > /dev/null && swapon $SWAPDEV
}

# Swapfiles fully written (swapon refuses files with holes): PATH MiB ...
swap_file() {
	echo 0 > /sys/block/vda/queue/rotational
	mke2fs -q $SWAPDEV > /dev/null && mkdir -p /mnt &&
	mount -t ext2 $SWAPDEV /mnt || return 1
	while [ $# -gt 0 ]; do
		dd if=/dev/zero of="$1" bs=1M count="$2" 2> /dev/null &&
		chmod 600 "$1" && mkswap "$1" > /dev/null && swapon "$1" ||
			return 1
		shift 2
	done
}

# What a finished program may leave behind, one "what value" a line: no
# swap in use once its memory is freed. Virtual slots are freed at once;
# freed device slots wait in per-CPU swap slot caches (up to 64 each) until
# a batch is returned or swapoff drains them, still counted in /proc/swaps,
# still charged (pinning a removed cgroup as dying) and, without virtual
# swap, still holding their zswap entries. So those are checked after
# swapoff, exactly.
#
# The guest's own processes (this shell) may have been swapped out by a
# test that pressed on all memory: what their page tables hold is theirs.
# (The initramfs is on ramfs: it never swaps.)
procs_swapped() {
	local status me
	# Called only as $(procs_swapped): a forked copy of the shell, whose
	# swapped pages are the shell's own, counted once (leaving this
	# process out). Called from the shell itself, it would leave out the
	# shell's own pages.
	read -r me _ < /proc/self/stat
	status=$(grep -lx '0::/' /proc/[0-9]*/cgroup 2>/dev/null |
		 grep -v "^/proc/$me/" | sed 's/cgroup$/status/')
	# a process may exit meanwhile: cat skips its file
	cat /dev/null $status 2>/dev/null |
		awk '/^VmSwap:/ { kb += $2 } END { print int(kb / 4) }'
}

# Kill what a program left running in the test cgroups and remove them all;
# says which there were, but for its own empty cgroup 'run'.
cg_cleanup() {
	local cg ok=0 tries
	for cg in $(find $TESTCG -mindepth 1 -depth -type d); do
		if grep -q 'populated 1' $cg/cgroup.events; then
			echo "# left behind: tasks in ${cg#$TESTCG/}"
			ok=1
			echo 1 > $cg/cgroup.kill
			tries=0
			while grep -q 'populated 1' $cg/cgroup.events &&
			      [ $tries -lt 50 ]; do
				sleep 0.1
				tries=$((tries + 1))
			done
		elif [ "$cg" != $TESTCG/run ]; then
			echo "# left behind: cgroup ${cg#$TESTCG/}"
			ok=1
		fi
		rmdir $cg || { echo "# cannot remove ${cg#$TESTCG/}"; ok=1; }
	done
	return $ok
}

# Settings programs change and restore themselves: as they were at boot
# after every program all the same, in case one died first.
SETTINGS="/proc/sys/vm/page-cluster /sys/kernel/mm/swap/vma_ra_enabled
	/sys/kernel/mm/transparent_hugepage/enabled
	/sys/kernel/mm/transparent_hugepage/hugepages-*kB/enabled
	$ZSWAP/shrinker_enabled /sys/block/vda/make-it-fail
	/sys/kernel/debug/fail_make_request/probability
	/sys/kernel/debug/failslab/probability
	/sys/kernel/debug/fail_page_alloc/probability
	/sys/devices/system/cpu/cpu1/online $ZSWAP/max_batch
	/sys/module/acomp_offload_emu/parameters/mode
	/sys/module/acomp_offload_emu/parameters/verify
	/sys/module/acomp_offload_emu/parameters/fail_to_caller
	/sys/module/acomp_offload_emu/parameters/inject_*
	/sys/kernel/mm/kcompressd/enabled /sys/kernel/mm/kcompressd/threads
	/sys/kernel/mm/kcompressd/queue_depth /sys/kernel/mm/kcompressd/batch"

settings_save() {
	local f
	for f in $SETTINGS; do
		[ -w "$f" ] && echo "$f $(sed 's/.*\[\(.*\)\].*/\1/' $f)"
	done > /tmp/vtest-settings
}

settings_restore() {
	local f v
	while read -r f v; do
		[ "$(sed 's/.*\[\(.*\)\].*/\1/' $f)" = "$v" ] ||
			echo "$v" > "$f"
	done < /tmp/vtest-settings
}

# A virtual slot is held by a swap entry in a page table or by the swap
# cache. Swapoff reads the device's slots into the swap cache without
# walking page tables, and a page the guest's own processes then fault in
# may keep its slot there, mapped: so the swap cache
# pages not charged to the test cgroups (those are the guest's) count as
# held too. The test programs' are not excused: an orphan of theirs (a
# slot only the swap cache holds) is left for leak_check's reclaim.
swap_leftovers() {
	local v p c t
	v=$(cat /sys/kernel/mm/vswap/slots_in_use 2>/dev/null) &&
		[ "$v" -gt 0 ] || return 0
	p=$(procs_swapped)
	c=$(awk '/^SwapCached:/ { print int($2 / 4) }' /proc/meminfo)
	t=$(awk '/^swapcached / { print int($2 / 4096) }' $TESTCG/memory.stat)
	c=$((c > ${t:-0} ? c - ${t:-0} : 0))
	[ "$v" -gt $((p + c)) ] &&
		echo "vswap slots_in_use $v (processes hold $p, the guest's swap cache $c)"
	return 0
}

swap_leftovers_after_swapoff() {
	local v p
	v=$(cat /sys/kernel/debug/zswap/stored_pages 2>/dev/null) &&
		[ "$v" -gt 0 ] && p=$(procs_swapped) && [ "$v" -gt "$p" ] &&
		echo "zswap stored_pages $v (processes hold $p)"
	v=$(tail -n +2 /proc/swaps | wc -l)
	[ "$v" != 0 ] && echo "swap areas $v"
	v=$(awk '/^nr_dying_descendants/ { print $2 }' /sys/fs/cgroup/cgroup.stat)
	[ "$v" != 0 ] && echo "dying cgroups $v ($(dying_pins))"
	swap_leftovers
}

# What may pin a removed test cgroup: the test cgroups' charges, which
# count those of their removed children (folios charged to it: its
# memory.current; device slots and zswap: memory.swap.current and
# memory.zswap.current). None left points at a reference that is not a
# charge (a per-CPU cache, a swap record's memcg id).
dying_pins() {
	local f out=
	for f in memory.current memory.swap.current memory.zswap.current; do
		out="$out${out:+ }$f $(cat $TESTCG/$f 2>/dev/null)"
	done
	echo "$out $(awk '$1 ~ /^(anon|file|kernel|swapcached|zswap)$/ {
		printf "%s %s ", $1, $2 }' $TESTCG/memory.stat 2>/dev/null)" |
		sed 's/ *$//'
}

# A CPU's memcg charge cache (memcg_stock) holds a reference on the last
# memcg that charged there, even once no page is left in it; neither
# reclaim nor the drain at cgroup removal drops it (6.12's
# drain_all_stock() passes over a stock holding no pages), so a removed
# cgroup stays dying until another memcg charges on that CPU. stock_flush
# has a process of a cgroup kept for that run on every online CPU: what it
# charges there (its page tables, a megabyte of buffer) takes the cache
# over.
FLUSHCG=/sys/fs/cgroup/vtest-flush
stock_flush() {
	local d c
	[ -d $FLUSHCG ] || mkdir $FLUSHCG || return 0
	for d in /sys/devices/system/cpu/cpu[0-9]*; do
		c=${d##*/cpu}
		[ "$(cat $d/online 2>/dev/null || echo 1)" = 1 ] || continue
		sh -c "echo \$\$ > $FLUSHCG/cgroup.procs &&
			exec taskset -c $c dd if=/dev/zero of=/dev/null bs=1M count=1" \
			> /dev/null 2>&1
	done
}

# Nothing left behind after a program (whose frees may still be finishing,
# and whose last swap-cache folios only reclaim frees: they get a nudge).
leak_check() {
	local what=$1 tries=0 left
	while left=$($what) && [ -n "$left" ]; do
		tries=$((tries + 1))
		[ $tries -gt 40 ] && break
		[ $tries -gt 5 ] && echo 64M > $TESTCG/memory.reclaim 2>/dev/null
		[ $tries = 5 ] && stock_flush
		sleep 0.25
	done
	[ -z "$left" ] && return 0
	echo "# left behind: $(echo "$left" | tr '\n' ';')"
	return 1
}

zswap_on() {
	echo "${ZSWAP_COMPRESSOR:-lz4}" > $ZSWAP/compressor &&
	echo "${ZSWAP_POOL_PERCENT:-20}" > $ZSWAP/max_pool_percent &&
	echo Y > $ZSWAP/enabled
}

swap_setup() {
	swap_reset || return 1
	case "$1" in
	none) ;;
	disk) swap_disk;;
	zswap-disk) zswap_on && swap_disk;;
	file) swap_file $SWAPFILE "${SWAPFILE_MB:-384}";;
	zswap-file) zswap_on && swap_file $SWAPFILE "${SWAPFILE_MB:-384}";;
	zswap-two-files) zswap_on && swap_file $SWAPFILE 160 ${SWAPFILE}2 160;;
	two-files) swap_file $SWAPFILE 32 ${SWAPFILE}2 64;;
	zswap-only) zswap_on;;
	zram|small-zram)
		local size=${ZRAM_SIZE:-512M}
		[ "$1" = small-zram ] && size=16M
		[ -e /sys/block/zram0 ] || echo 1 > /sys/class/zram-control/hot_add
		echo "${ZRAM_ALGO:-lz4}" > /sys/block/zram0/comp_algorithm &&
		echo "$size" > /sys/block/zram0/disksize &&
		mkswap /dev/zram0 > /dev/null && swapon /dev/zram0;;
	*) echo "# unknown swap environment '$1'"; return 1;;
	esac
}

# profile_dump NAME: the tick profiler's non-zero buckets, for
# harness/profile.py: "PROFILE NAME step BYTES", then "PROFILE NAME INDEX
# SAMPLES"; bucket INDEX starts at _stext + INDEX * BYTES.
profile_dump() {
	od -An -v -tu4 -w4 /proc/profile | awk -v n="$1" '
		NR == 1 { print "PROFILE " n " step " $1; next }
		$1 > 0 { print "PROFILE " n " " NR - 2 " " $1 }'
}

run() {
	local env name= limit=$RUN_TIMEOUT allow=
	while :; do
		case "$1" in
		-t) limit=$2; shift 2;;
		-n) name=$2; shift 2;;
		-k) allow=" allow=$2"; shift 2;;
		*) break;;
		esac
	done
	env=$1
	shift
	# by default ENV/PROGRAM, and .CASE when it runs one case (--only)
	if [ -z "$name" ]; then
		name=$1
		case " $* " in
		*" --only "*) name="$1.$(echo " $* " | sed 's/.* --only \([^ ]*\) .*/\1/')";;
		esac
	fi
	name="$env/$name"
	# vtest.only=REGEX on the kernel command line: only the runs it names
	if [ -n "${VTEST_ONLY:-}" ] && ! echo "$name" | grep -qE "$VTEST_ONLY"; then
		return
	fi
	if ! swap_setup "$env"; then
		echo "# vtest begin $name timeout=$limit"
		echo "not ok 1 setup of swap environment '$env' failed"
		echo "# vtest end $name rc=1"
		return
	fi
	kmsg "begin $name$allow"
	echo "# vtest begin $name timeout=$limit"
	local start=$(date +%s) rc bad=
	mkdir -p $TESTCG/run
	# profile= on the command line ('make profile'): this run's samples only
	[ -e /proc/profile ] && echo 0 > /proc/profile
	case "$(type "$1" 2>/dev/null)" in
	*function*)	# the suite's own (bench): a subshell that joins the cgroup
		( echo 0 > $TESTCG/run/cgroup.procs && "$@" );;
	*)	sh -c 'echo $$ > '$TESTCG'/run/cgroup.procs && exec "$@"' sh "$@";;
	esac
	rc=$?
	[ -e /proc/profile ] && profile_dump "$name"
	# Tearing down is part of the test: a program that leaves tasks,
	# cgroups or swap in use behind, or a swapoff that fails after it,
	# means the kernel (or the program) lost track of something.
	echo
	cg_cleanup || [ "${LEAK_CHECKS:-1}" = 0 ] ||
		bad="$bad|left tasks or cgroups behind"
	[ "${LEAK_CHECKS:-1}" = 0 ] || leak_check swap_leftovers ||
		bad="$bad|left swap in use"
	swap_reset || bad="$bad|swapoff failed after it"
	[ "${LEAK_CHECKS:-1}" = 0 ] || leak_check swap_leftovers_after_swapoff ||
		bad="$bad|left swap in use after swapoff"
	settings_restore
	echo "# vtest end $name rc=$rc secs=$(( $(date +%s) - start ))"
	kmsg "end $name"
	# the harness's own findings: results of their own, after the frame
	echo "$bad" | tr '|' '\n' | while read -r b; do
		[ -n "$b" ] && echo "not ok - $name: $b"
	done
}

# Runs only on the patched tree's test kernels (compress.config: the
# emulated compression offload device and kcompressd), not on the pristine
# base; the device's module directory tells them apart. One of the former
# that does not show it fails, rather than drop the runs.
orun() {
	if [ -d /sys/module/acomp_offload_emu ]; then
		run "$@"
	elif [ "${VTEST_KIND:-}" != base ]; then
		echo "not ok - orun $*: kernel kind ${VTEST_KIND:-unknown}, but no offload device"
	fi
	return 0
}

# with_vswap NAME RUNNER ARGS...: RUNNER ARGS... only with virtual swap; a
# kernel the host built with it (vtest.kind=vswap) that does not show it
# fails, rather than drop the runs.
with_vswap() {
	local name=$1 runner=$2

	shift 2
	if [ -d /sys/kernel/mm/vswap ]; then
		"$runner" "$@"
	elif [ "${VTEST_KIND:-}" = vswap ]; then
		echo "not ok - $name $*: kernel kind vswap, but no /sys/kernel/mm/vswap"
	fi
	return 0
}

# Runs only with virtual swap.
vrun() { with_vswap vrun run "$@"; }

# Runs only with both: virtual swap and the compression work. For cases
# whose swap-entry paths the =n kernel's other cases already take.
vorun() { with_vswap vorun orun "$@"; }
