#!/bin/bash
# Host perf of QEMU while the bench suite's usemem over zram runs with one
# vCPU, the profile kernels of 'make profile' (base and patched, booted
# alternately, ROUNDS rounds), and the samples per category of QEMU's work
# (perf-categories.py). Run from the repository's top after 'make profile'.
# Usage: results/tcg-cost/perf-rounds.sh OUTDIR [ROUNDS]
set -eu
out=$1 rounds=${2:-5}
mkdir -p "$out"
qemu-system-x86_64 --version | head -1 > "$out/versions"
git rev-parse HEAD >> "$out/versions"
for r in $(seq "$rounds"); do
	for k in base patched; do
		case $k in
		base) obj=build/base/obj/profile;;
		patched) obj=build/obj/profile;;
		esac
		perf record -q -F 999 -o "$out/$k-$r.data" -- \
			harness/vm.py run --suite bench --mem 1G --disk 512M \
			--preallocate --timeout 600 --smp 1 \
			--append 'vtest.only=^zram/usemem$' \
			--kernel "$obj/arch/x86/boot/bzImage" \
			--initrd build/guest/profile.cpio.gz \
			--out "$out/$k-$r" > "$out/$k-$r.txt" 2>&1
		perf report -i "$out/$k-$r.data" --comm qemu-system-x86 \
			--sort dso,sym -n -q 2>/dev/null > "$out/$k-$r.syms"
		rm -f "$out/$k-$r.data"
	done
done
