#!/bin/bash
# 'make run': build the patched test kernel, boot it and run the demo suite
# with its output on this terminal.
set -eu
. "$(dirname "$0")/lib.sh"

echo "base: linux-source-6.12 $(installed_base_version) (pinned $BASE_VERSION)"
obj=$("$TOP/harness/test-kernel.sh" patched)
"$TOP/harness/initramfs.sh" "$obj" "$BUILD/guest/initramfs.cpio.gz"
exec "$TOP/harness/vm.py" run --show --suite demo --mem 512M --timeout 900 \
	--kernel "$obj/arch/x86/boot/bzImage" --initrd "$BUILD/guest/initramfs.cpio.gz" \
	--out "$BUILD/logs/demo"
