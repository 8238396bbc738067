#!/bin/bash
# 'make bench': build the pristine base and the patched tree with the same
# benchmark fragment (the patched one with virtual swap on), boot each
# alternately (base, patched, base, ...) for
# ROUNDS rounds of the guest 'bench' suite, and write the report to
# results/bench/ (report.md, ratios.png, data.json). Each round boots each
# kernel once per vCPU count in BENCH_SMP; with one vCPU the suite runs
# its throughput loads only, under names ending in _1cpu.
#
# Environment: ROUNDS (default 3), BENCH_OUT (default results/bench),
# BENCH_SMP (default "2 1"), BENCH_ONLY (a regular expression: only the
# workloads whose run name, ENV/NAME, matches; default all),
# BENCH_ALIGN_OBJS (harness/lib.sh; empty: none).
set -eu
. "$(dirname "$0")/lib.sh"

rounds=${ROUNDS:-3}
out=${BENCH_OUT:-$TOP/results/bench}
frags=("$TOP/configs/base.config" "$TOP/configs/bench.config")
logs=$BUILD/logs/bench
# the compressor at the same page offsets in both kernels
export PAGE_ALIGN_OBJS=$BENCH_ALIGN_OBJS
echo "base: linux-source-6.12 $(installed_base_version) (pinned $BASE_VERSION)"

"$TOP/harness/build-kernel.sh" "$BASE_SRC" "$BUILD/base/obj/bench" "${frags[@]}"
"$TOP/harness/build-kernel.sh" "$SRC" "$BUILD/obj/bench" "${frags[@]}" \
	"$TOP/configs/vswap-bench.config"
GUEST_EXTRA=stress-ng "$TOP/harness/initramfs.sh" "$BUILD/obj/bench" "$BUILD/guest/bench.cpio.gz"

only=()
[ -z "${BENCH_ONLY:-}" ] || only=(--append "vtest.only=$BENCH_ONLY")
rm -rf "$logs"
for r in $(seq 1 "$rounds"); do
	for smp in ${BENCH_SMP:-2 1}; do
		for k in base patched; do
			case $k in
			base) obj=$BUILD/base/obj/bench;;
			patched) obj=$BUILD/obj/bench;;
			esac
			run=$k-$r
			[ "$smp" = 2 ] || run=$run-${smp}cpu
			echo "round $r/$rounds: $k, $smp vCPUs"
			"$TOP/harness/vm.py" run --suite bench --mem 1G --disk 512M --preallocate --timeout 1800 \
				--smp "$smp" "${only[@]}" --kernel "$obj/arch/x86/boot/bzImage" \
				--initrd "$BUILD/guest/bench.cpio.gz" \
				--out "$logs/$run" > "$logs.$run.txt" ||
				{ cat "$logs.$run.txt"; die "benchmark run $run failed: see $logs/$run"; }
		done
	done
done
# Without patches or kernel files in the overlay the two kernels are the
# same source: the report then measures the noise floor.
aa=
if [ -z "$(patch_files)" ] && ! overlay_files | grep -qvE '^(tools|Documentation)/'; then
	aa=--aa
fi
mkdir -p "$out"
"$TOP/harness/report.py" $aa --logs "$logs" --rounds "$rounds" --out "$out" \
	--base-version "$(installed_base_version)" \
	--command "make bench ROUNDS=$rounds${BENCH_SMP:+ BENCH_SMP='$BENCH_SMP'}${BENCH_ONLY:+ BENCH_ONLY='$BENCH_ONLY'} BENCH_ALIGN_OBJS='$BENCH_ALIGN_OBJS'"
