#!/bin/bash
# 'make profile': where the kernel spends its time in benchmark workloads,
# base against patched. Builds both trees with the benchmark fragments plus
# configs/profile.config, boots each once with the timer-tick profiler on
# (profile=2: 4-byte buckets), runs the bench suite's workloads that
# PROFILE_ONLY names, and prints per workload the kernel functions taking
# the most samples in each kernel (harness/profile.py).
#
# Environment: PROFILE_ONLY (a regular expression over ENV/NAME, as
# BENCH_ONLY; default usemem_disk), PROFILE_SMP (default 2), PROFILE_TOP
# (default 25). Output in build/logs/profile/.
set -eu
. "$(dirname "$0")/lib.sh"

only=${PROFILE_ONLY:-usemem_disk}
frags=("$TOP/configs/base.config" "$TOP/configs/bench.config" "$TOP/configs/profile.config")
logs=$BUILD/logs/profile

"$TOP/harness/build-kernel.sh" "$BASE_SRC" "$BUILD/base/obj/profile" "${frags[@]}"
"$TOP/harness/build-kernel.sh" "$SRC" "$BUILD/obj/profile" "${frags[@]}" \
	"$TOP/configs/vswap-bench.config"
GUEST_EXTRA=stress-ng "$TOP/harness/initramfs.sh" "$BUILD/obj/profile" "$BUILD/guest/profile.cpio.gz"

rm -rf "$logs"
for k in base patched; do
	case $k in
	base) obj=$BUILD/base/obj/profile;;
	patched) obj=$BUILD/obj/profile;;
	esac
	echo "profile: $k, ${PROFILE_SMP:-2} vCPUs, workloads matching '$only'"
	"$TOP/harness/vm.py" run --suite bench --mem 1G --disk 512M --preallocate --timeout 1800 \
		--smp "${PROFILE_SMP:-2}" --append "profile=2 vtest.only=$only" \
		--kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$BUILD/guest/profile.cpio.gz" \
		--out "$logs/$k" > "$logs.$k.txt" ||
		{ cat "$logs.$k.txt"; die "profile run $k failed: see $logs/$k"; }
done
"$TOP/harness/profile.py" --top "${PROFILE_TOP:-25}" \
	"base=$logs/base:$BUILD/base/obj/profile/System.map" \
	"patched=$logs/patched:$BUILD/obj/profile/System.map" | tee "$logs/report.txt"
