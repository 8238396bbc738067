# Helpers for the guest suites; sourced by /init.
#
# A suite is a list of 'run ENV PROGRAM ARGS...' lines. ENV names the swap
# backend the program runs on:
#   none        no swap at all
#   disk        /dev/vda as swap, zswap off
#   zswap-disk  zswap on, /dev/vda as swap behind it
#   file        a swapfile on an ext2 filesystem on /dev/vda, zswap off
#   zswap-file  zswap on, that swapfile behind it
#   zswap-only  zswap on, no swap device
#   zram        /dev/zram0 as swap, zswap off
# Each run is framed by markers on both channels, so the host can attribute
# every result and every kernel warning to the program that was running.

SWAPDEV=/dev/vda
SWAPFILE=/mnt/swapfile
ZSWAP=/sys/module/zswap/parameters

kmsg() { echo "vtest: $*" > /dev/kmsg; }

# Back to no swap at all; says what it could not undo and fails then.
swap_reset() {
	local ok=0
	swapoff -a 2>/dev/null
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

# A swapfile fully written (swapon refuses files with holes).
swap_file() {
	echo 0 > /sys/block/vda/queue/rotational
	mke2fs -q $SWAPDEV > /dev/null && mkdir -p /mnt &&
	mount -t ext2 $SWAPDEV /mnt &&
	dd if=/dev/zero of=$SWAPFILE bs=1M count="${SWAPFILE_MB:-384}" 2> /dev/null &&
	chmod 600 $SWAPFILE && mkswap $SWAPFILE > /dev/null && swapon $SWAPFILE
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
	file) swap_file;;
	zswap-file) zswap_on && swap_file;;
	zswap-only) zswap_on;;
	zram)
		[ -e /sys/block/zram0 ] || echo 1 > /sys/class/zram-control/hot_add
		echo "${ZRAM_ALGO:-lz4}" > /sys/block/zram0/comp_algorithm &&
		echo "${ZRAM_SIZE:-512M}" > /sys/block/zram0/disksize &&
		mkswap /dev/zram0 > /dev/null && swapon /dev/zram0;;
	*) echo "# unknown swap environment '$1'"; return 1;;
	esac
}

run() {
	local env=$1 name
	shift
	name="$env/$1"
	if ! swap_setup "$env"; then
		echo "# vtest begin $name"
		echo "not ok 1 setup of swap environment '$env' failed"
		echo "# vtest end $name rc=1"
		return
	fi
	kmsg "begin $name"
	echo "# vtest begin $name"
	local start=$(date +%s) rc
	"$@"
	rc=$?
	# Tearing down is part of the test: a swapoff that fails after a
	# program ran means the kernel lost track of something.
	swap_reset || { echo; echo "not ok 999 swap_reset after $name"; rc=1; }
	echo
	echo "# vtest end $name rc=$rc secs=$(( $(date +%s) - start ))"
	kmsg "end $name"
}
