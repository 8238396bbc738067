#!/bin/bash
# Boot the profile kernels of 'make profile' (base and patched, alternately,
# ROUNDS rounds) on the bench suite's usemem over zram with one vCPU, and
# watch QEMU from the host:
#   record  perf record -F 999 of QEMU's threads, kept as the samples per
#           DSO and symbol (KERNEL-ROUND.syms; perf-categories.py sorts
#           them by what QEMU was doing)
#   probe   uprobes on functions QEMU exports, counted by perf stat over
#           each whole boot (KERNEL-ROUND.stat); the probes slow the guest
#           about eightfold
# with each boot's BENCH lines in KERNEL-ROUND.bench. Needs root. Run from
# the repository's top after 'make profile'.
# Usage: results/tcg-cost/host-rounds.sh record|probe OUTDIR [ROUNDS]
set -eu
mode=${1:-} out=${2:-} rounds=${3:-5}
case $mode in
record|probe) [ -n "$out" ];;
*) false;;
esac || { echo "usage: $0 record|probe OUTDIR [ROUNDS]" >&2; exit 1; }
qemu=$(command -v qemu-system-x86_64)
funcs="qht_lookup_custom get_page_addr_code_hostp tcg_flush_jmp_cache
	tlb_set_page_full tb_gen_code"
mkdir -p "$out"
"$qemu" --version | head -1 > "$out/versions"
git rev-parse HEAD >> "$out/versions"
events=()
case $mode in
probe)
	trap 'for f in $funcs; do perf probe -q -d "probe_qemu:$f" 2>/dev/null || :; done' EXIT
	for f in $funcs; do
		perf probe -q -d "probe_qemu:$f" 2>/dev/null || :
		perf probe -q -x "$qemu" "$f" >/dev/null
		events+=(-e "probe_qemu:$f")
	done;;
esac
for r in $(seq "$rounds"); do
	for k in base patched; do
		case $k in
		base) obj=build/base/obj/profile;;
		patched) obj=build/obj/profile;;
		esac
		vm=(harness/vm.py run --suite bench --mem 1G --disk 512M
		    --preallocate --timeout 1200 --smp 1
		    --append 'vtest.only=^zram/usemem$'
		    --kernel "$obj/arch/x86/boot/bzImage"
		    --initrd build/guest/profile.cpio.gz --out "$out/$k-$r")
		if [ "$mode" = record ]; then
			perf record -q -F 999 -o "$out/$k-$r.data" -- \
				"${vm[@]}" > "$out/$k-$r.txt" 2>&1
			perf report -i "$out/$k-$r.data" --comm qemu-system-x86 \
				--sort dso,sym -n -q 2>/dev/null > "$out/$k-$r.syms"
			rm -f "$out/$k-$r.data"
		else
			perf stat -x, -o "$out/$k-$r.stat" "${events[@]}" -- \
				"${vm[@]}" > "$out/$k-$r.txt" 2>&1
		fi
		grep '^BENCH' "$out/$k-$r/results.log" > "$out/$k-$r.bench"
		rm -rf "${out:?}/$k-$r"
	done
done
