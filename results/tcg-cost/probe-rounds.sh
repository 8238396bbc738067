#!/bin/bash
# How often QEMU calls some of its functions while the bench suite's usemem
# over zram runs with one vCPU on the profile kernels of 'make profile'
# (base and patched booted alternately, ROUNDS rounds): uprobes on the
# functions QEMU exports, counted by 'perf stat' over each whole boot.
# Needs root. Run from the repository's top after 'make profile'.
# Usage: results/tcg-cost/probe-rounds.sh OUTDIR [ROUNDS]
set -eu
out=$1 rounds=${2:-3}
qemu=$(command -v qemu-system-x86_64)
funcs="qht_lookup_custom get_page_addr_code_hostp tcg_flush_jmp_cache
	tlb_set_page_full tb_gen_code"
mkdir -p "$out"
qemu-system-x86_64 --version | head -1 > "$out/versions"
git rev-parse HEAD >> "$out/versions"
events=()
for f in $funcs; do
	perf probe -q -d "probe_qemu:$f" 2>/dev/null || :
	perf probe -q -x "$qemu" "$f" >/dev/null
	events+=(-e "probe_qemu:$f")
done
trap 'for f in $funcs; do perf probe -q -d "probe_qemu:$f" 2>/dev/null || :; done' EXIT
for r in $(seq "$rounds"); do
	for k in base patched; do
		case $k in
		base) obj=build/base/obj/profile;;
		patched) obj=build/obj/profile;;
		esac
		perf stat -x, -o "$out/$k-$r.stat" "${events[@]}" -- \
			harness/vm.py run --suite bench --mem 1G --disk 512M \
			--preallocate --timeout 1200 --smp 1 \
			--append 'vtest.only=^zram/usemem$' \
			--kernel "$obj/arch/x86/boot/bzImage" \
			--initrd build/guest/profile.cpio.gz \
			--out "$out/$k-$r" > "$out/$k-$r.txt" 2>&1
		grep '^BENCH' "$out/$k-$r/results.log" > "$out/$k-$r.bench"
		rm -rf "${out:?}/$k-$r"
	done
done
