#!/bin/bash
# 'make check': build the test kernel from the prepared tree, boot it, run the
# guest suite and the harness self-tests, and close with 'N passed, N failed'.
#
# Usage: harness/check.sh [base]
#   base  run the same suite on the pristine base instead of the patched tree
set -eu
. "$(dirname "$0")/lib.sh"

echo "base: linux-source-6.12 $(installed_base_version) (pinned $BASE_VERSION)"
what=${1:-patched}
case "$what" in
patched) src=$SRC;;
base) src=$BASE_SRC;;
*) die "usage: $0 [base]";;
esac
obj=$(dirname "$src")/obj/test
logs=$BUILD/logs/check-$what
rm -rf "$logs"
mkdir -p "$logs"

"$TOP/harness/build-kernel.sh" "$src" "$obj" "$TOP/configs/base.config" "$TOP/configs/test.config"
"$TOP/harness/initramfs.sh" "$obj" "$BUILD/guest/initramfs.cpio.gz"

vm() {
	"$TOP/harness/vm.py" run --kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$BUILD/guest/initramfs.cpio.gz" "$@" || true
}
start=$(date +%s)
vm --suite check --mem 1G --timeout 2700 --out "$logs/check"
# Harness self-tests: each run must fail, and for the reason named.
vm --suite selftest-corrupt --timeout 300 --out "$logs/selftest-corrupt" \
	--expect-fail 'disk/swap_integrity: pageout'
vm --suite selftest-warn --timeout 300 --out "$logs/selftest-warn" \
	--expect-fail 'kernel report .*(WARNING|cut here)'
vm --suite selftest-panic --timeout 300 --out "$logs/selftest-panic" \
	--expect-fail 'kernel report .*Kernel panic'
vm --suite selftest-hang --timeout 30 --out "$logs/selftest-hang" \
	--expect-fail 'timed out'
echo "guest runs took $(( $(date +%s) - start )) s"
exec "$TOP/harness/vm.py" summary "$logs"/*/
