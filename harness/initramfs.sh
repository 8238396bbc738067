#!/bin/bash
# Build the guest's initramfs: busybox, the harness's /init and suites, our
# guest test programs and the upstream swap selftests, all static.
#
# Usage: harness/initramfs.sh OBJDIR OUT.cpio.gz
#   OBJDIR  a configured kernel build, for its UAPI headers
# The selftests come from the prepared tree, or from VTEST_GUEST_SRC if set
# (the series applied elsewhere: 'make series-am'). Its scratch files go in
# OUT's directory.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 OBJDIR OUT.cpio.gz"
obj=$(realpath "$1") out=$(realpath -m "$2")
st=${VTEST_GUEST_SRC:-$SRC}/tools/testing/selftests
[ -z "${VTEST_GUEST_SRC:-}" ] || note "guest programs from $VTEST_GUEST_SRC"
work=$(dirname "$out")
root=$work/root
hdr=$work/usr

make -s -C "$obj" headers_install INSTALL_HDR_PATH="$hdr" >/dev/null

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests/bin,tests/suites} "$work/cfg"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$TOP/harness/guest/init" "$root/init"
cp "$TOP/harness/guest/lib.sh" "$root/tests/"
cp "$TOP/harness/guest/suites/"* "$root/tests/suites/"
chmod +x "$root/init"

cc() {
	local out=$1
	shift
	gcc -static -g -Wall -pthread -isystem "$hdr/include" -o "$root/tests/bin/$out" "$@" \
		> "$work/cc-$out.log" 2>&1 ||
		{ cat "$work/cc-$out.log"; die "guest program $out does not build"; }
}
# Our own programs, from the selftests directory of that tree.
for c in "$st"/swap/*.c; do
	[ -e "$c" ] || continue
	name=$(basename "$c" .c)
	[ "$name" = swap_util ] && continue
	cc "$name" -O2 -Wextra -Werror -I"$st" "$c" "$st/swap/swap_util.c"
done
# and their kselftest runner, which looks for them beside itself
cp "$st/swap/run_swap.sh" "$root/tests/bin/"
# Upstream selftests that exercise swap, built from that tree with
# their own Makefiles' flags: no optimisation, which some of them need (at -O2
# gcc deletes test_zswap's malloc-touch-free allocations outright).
cc test_zswap -I"$st/cgroup" "$TOP/harness/guest/zswap_selftest.c" "$st/cgroup/cgroup_util.c"
cc memcontrol_swap -I"$st/cgroup" "$TOP/harness/guest/memcontrol_swap.c" \
	"$st/cgroup/cgroup_util.c"
: > "$work/cfg/local_config.h"		# no liburing: cow skips io_uring cases
cc swapbench -O2 -Wextra -Werror "$TOP/harness/guest/swapbench.c"
cc cow -I"$work/cfg" "$st/mm/cow.c" "$st/mm/vm_util.c" "$st/mm/thp_settings.c"

if [ -n "${GUEST_EXTRA:-}" ]; then	# e.g. benchmark tools: copied with their libraries
	for b in $GUEST_EXTRA; do
		p=$(command -v "$b") || die "$b not installed"
		cp "$p" "$root/tests/bin/"
		ldd "$p" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs $out: $(du -h "$out" | cut -f1), programs: $(ls "$root/tests/bin" | tr '\n' ' ')"
