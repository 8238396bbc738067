#!/bin/bash
# The configurations the series must build in besides the test kernels, as
# TAP for 'vm.py host':
#   swap_off_objects    CONFIG_SWAP=n: the mm objects the series touches
#                       compile (objects only, to keep 'make check' short)
#   vswap_64bit_only    ARCH=i386: CONFIG_VIRTUAL_SWAP cannot be selected
#                       (its record packs a device slot and a pointer into
#                       16 bytes)
#   i386_objects        ARCH=i386: the C files the series adds or patches
#                       that such a kernel builds (all but virtual swap's)
#                       compile with -Werror, with zswap, kcompressd, the
#                       offload device, their KUnit suites, THP and memcg
#                       on, and call no libgcc 64-bit division helper
#                       (which the kernel does not link)
#   kselftest_swap      the swap selftests through kselftest's own
#                       Makefiles: they build and install as the swap
#                       target, with run_swap.sh as its one test (a POSIX
#                       shell script: busybox sh -n, shellcheck -s sh
#                       where installed) and its settings, and every
#                       program it runs (and every program there is)
#                       installed beside it
set -u
. "$(dirname "$0")/lib.sh"

echo "TAP version 13"
echo "1..4"

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

# ARCH=i386, from the test kernel's fragments (less CONFIG_64BIT, with PAE
# for THP): asking for virtual swap gets none, and the objects of the C
# files the series adds or patches compile with the rest of it on.
cfg=$BUILD/obj/i386
mkdir -p "$cfg"
grep -v '^CONFIG_64BIT=' "$TOP/configs/base.config" > "$cfg/base32.config"
printf 'CONFIG_HIGHMEM4G=y\nCONFIG_X86_PAE=y\nCONFIG_TRANSPARENT_HUGEPAGE=y\n' \
	> "$cfg/pae.config"
objs32="mm/huge_memory.o mm/kcompressd.o mm/memcontrol.o mm/memory.o
	mm/page_io.o mm/shmem.o mm/swap_cgroup.o mm/swap_slots.o
	mm/swap_state.o mm/swapfile.o mm/userfaultfd.o mm/vmscan.o
	mm/vmstat.o mm/zswap.o crypto/acompress.o crypto/scompress.o
	crypto/acomp_batch_kunit.o drivers/crypto/acomp_offload_emu.o"
if make -s -C "$SRC" O="$cfg" ARCH=i386 tinyconfig > "$cfg/log" 2>&1 &&
   "$SRC/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" \
	"$cfg/base32.config" "$TOP/configs/test.config" \
	"$TOP/configs/vswap.config" "$TOP/configs/compress.config" \
	"$cfg/pae.config" >> "$cfg/log" 2>&1 &&
   make -s -C "$SRC" O="$cfg" ARCH=i386 olddefconfig >> "$cfg/log" 2>&1 &&
   grep -q '^CONFIG_SWAP=y' "$cfg/.config"; then
	if grep -q '^CONFIG_VIRTUAL_SWAP=y' "$cfg/.config"; then
		echo "# ARCH=i386 accepted CONFIG_VIRTUAL_SWAP=y"
		echo "not ok 2 vswap_64bit_only"
	else
		echo "ok 2 vswap_64bit_only"
	fi
	missing=$(for o in CONFIG_ZSWAP CONFIG_KCOMPRESSD CONFIG_MEMCG \
			CONFIG_TRANSPARENT_HUGEPAGE \
			CONFIG_CRYPTO_DEV_ACOMP_OFFLOAD_EMU \
			CONFIG_CRYPTO_DEV_ACOMP_OFFLOAD_EMU_KUNIT_TEST \
			CONFIG_CRYPTO_ACOMP_BATCH_KUNIT_TEST; do
		grep -q "^$o=y" "$cfg/.config" || printf '%s ' "$o"
	done)
	ccache_env
	# -Werror: an object that warned is not kept, so it warns every run
	# shellcheck disable=SC2086 # a list of targets
	if [ -n "$missing" ]; then
		echo "# ARCH=i386 configuration lacks: ${missing% }"
		echo "not ok 3 i386_objects"
	elif ! make -s -C "$SRC" O="$cfg" ARCH=i386 CC="ccache gcc" \
		KCFLAGS=-Werror -j"$(nproc)" $objs32 > "$cfg/build.log" 2>&1; then
		sed 's/^/# /' "$cfg/build.log" | tail -n 40
		echo "not ok 3 i386_objects"
	elif ! undef=$(cd "$cfg" && nm -A -u $objs32); then
		echo "# nm cannot read the i386 objects"
		echo "not ok 3 i386_objects"
	elif libgcc=$(grep -E '\b__u?(div|mod|divmod)di[34]\b' <<< "$undef"); then
		echo "# 64-bit division left to libgcc, which the kernel lacks:"
		echo "$libgcc" | sed 's/^/#   /'
		echo "not ok 3 i386_objects"
	else
		echo "ok 3 i386_objects"
	fi
else
	sed 's/^/# /' "$cfg/log" | tail -n 20
	echo "# could not configure ARCH=i386"
	echo "not ok 2 vswap_64bit_only"
	echo "not ok 3 i386_objects"
fi

# The swap target as kselftest builds and installs it, against the UAPI
# headers of this tree.
ks=$BUILD/obj/ksft
rm -rf "$ks/install"
mkdir -p "$ks"
if make -s -C "$SRC" O="$ks" headers_install INSTALL_HDR_PATH="$ks/usr" \
	> "$ks/log" 2>&1 &&
   make -s -C "$SRC/tools/testing/selftests" TARGETS=swap O="$ks/build" \
	KHDR_INCLUDES="-isystem $ks/usr/include" INSTALL_PATH="$ks/install" \
	install >> "$ks/log" 2>&1; then
	st=$SRC/tools/testing/selftests/swap
	bad=
	[ "$(cat "$ks/install/kselftest-list.txt")" = swap:run_swap.sh ] ||
		bad="$bad kselftest-list.txt: $(tr '\n' ' ' < "$ks/install/kselftest-list.txt")"
	[ -f "$ks/install/swap/settings" ] || bad="$bad swap/settings"
	busybox sh -n "$st/run_swap.sh" 2> "$ks/sh.log" ||
		bad="$bad run_swap.sh($(head -c 200 "$ks/sh.log"))"
	if command -v shellcheck > /dev/null &&
	   ! shellcheck -s sh "$st/run_swap.sh" > "$ks/shellcheck.log" 2>&1; then
		sed 's/^/# /' "$ks/shellcheck.log" | head -n 20
		bad="$bad run_swap.sh(shellcheck)"
	fi
	for p in run_swap.sh $(sed -n 's/^[[:space:]]*run [^ ]* \([^ ]*\).*/\1/p' "$st/run_swap.sh" | sort -u) \
		 $(cd "$st" && ls ./*.c | sed 's,^\./,,; s,\.c$,,' | grep -vx swap_util); do
		[ -x "$ks/install/swap/$p" ] || bad="$bad swap/$p"
	done
	if [ -z "$bad" ]; then
		echo "ok 4 kselftest_swap"
	else
		echo "# not installed or listed as it should:$bad"
		echo "not ok 4 kselftest_swap"
	fi
else
	sed 's/^/# /' "$ks/log" | tail -n 40
	echo "not ok 4 kselftest_swap"
fi
