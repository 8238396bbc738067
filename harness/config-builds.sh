#!/bin/bash
# The configurations the series must build in besides the test kernels, as
# TAP for 'vm.py host':
#   swap_off_objects    CONFIG_SWAP=n: the mm objects the series touches
#                       compile (objects only, to keep 'make check' short)
#   vswap_64bit_only    ARCH=i386: CONFIG_VIRTUAL_SWAP cannot be selected
#                       (its record packs a device slot and a pointer into
#                       16 bytes)
set -u
. "$(dirname "$0")/lib.sh"

echo "TAP version 13"
echo "1..2"

# Of the mm files the series patches, those built without swap.
objs="mm/memcontrol.o mm/memory.o mm/shmem.o mm/userfaultfd.o mm/vmscan.o
	mm/vmstat.o"
if TARGETS="$objs" "$TOP/harness/build-kernel.sh" "$SRC" "$BUILD/obj/noswap" \
	"$TOP/configs/base.config" "$TOP/configs/noswap.config" > "$BUILD/noswap.log" 2>&1; then
	echo "ok 1 swap_off_objects"
else
	sed 's/^/# /' "$BUILD/noswap.log" | tail -n 40
	echo "not ok 1 swap_off_objects"
fi

# Configuration only: asking for virtual swap on a 32-bit kernel gets none.
cfg=$BUILD/obj/i386-config
mkdir -p "$cfg"
printf 'CONFIG_BLOCK=y\nCONFIG_SWAP=y\nCONFIG_VIRTUAL_SWAP=y\n' > "$cfg/want.config"
if make -s -C "$SRC" O="$cfg" ARCH=i386 tinyconfig > "$cfg/log" 2>&1 &&
   "$SRC/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" \
	"$cfg/want.config" >> "$cfg/log" 2>&1 &&
   make -s -C "$SRC" O="$cfg" ARCH=i386 olddefconfig >> "$cfg/log" 2>&1 &&
   grep -q '^CONFIG_SWAP=y' "$cfg/.config"; then
	if grep -q '^CONFIG_VIRTUAL_SWAP=y' "$cfg/.config"; then
		echo "# ARCH=i386 accepted CONFIG_VIRTUAL_SWAP=y"
		echo "not ok 2 vswap_64bit_only"
	else
		echo "ok 2 vswap_64bit_only"
	fi
else
	sed 's/^/# /' "$cfg/log" | tail -n 20
	echo "# could not configure ARCH=i386"
	echo "not ok 2 vswap_64bit_only"
fi
