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
#   fills   a uprobe on tlb_set_page_full() (a soft TLB fill) recording its
#           MMU index and virtual address; kept as the fills per index and
#           page over the whole boot (KERNEL-ROUND.pages.gz: index, page,
#           fills; fill-sets.py reads them), and what perf lost of them
#           (KERNEL-ROUND.lost)
# with each boot's BENCH lines in KERNEL-ROUND.bench. Needs root. Run from
# the repository's top after 'make profile'.
# Usage: results/tcg-cost/host-rounds.sh record|probe|fills OUTDIR [ROUNDS]
set -eu
mode=${1:-} out=${2:-} rounds=${3:-5}
case $mode in
record|probe|fills) [ -n "$out" ];;
*) false;;
esac || { echo "usage: $0 record|probe|fills OUTDIR [ROUNDS]" >&2; exit 1; }
qemu=$(command -v qemu-system-x86_64)
# probe's functions; each probe slows the guest, and so adds timer ticks
# and what they cause to each page's share: PROBE_FUNCS may name fewer
funcs=${PROBE_FUNCS:-"qht_lookup_custom get_page_addr_code_hostp
	tcg_flush_jmp_cache tlb_set_page_full tb_gen_code"}
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
fills)
	# QEMU 7.2: tlb_set_page_full(cpu, mmu_idx, vaddr, full)
	trap 'perf probe -q -d probe_qemu:tlbfill 2>/dev/null || :' EXIT
	perf probe -q -d probe_qemu:tlbfill 2>/dev/null || :
	perf probe -q -x "$qemu" \
		'tlbfill=tlb_set_page_full idx=%si:s32 va=%dx:x64' >/dev/null;;
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
		if [ "$mode" = fills ]; then
			perf record -q -e probe_qemu:tlbfill -o "$out/$k-$r.data" -- \
				"${vm[@]}" > "$out/$k-$r.txt" 2>&1
			perf script -i "$out/$k-$r.data" -F trace 2>/dev/null |
				awk '{ for (i = 1; i <= NF; i++)
					       if ($i ~ /^idx=/) x = substr($i, 5)
					       else if ($i ~ /^va=0x/) v = substr($i, 6)
				       p = length(v) > 3 ? substr(v, 1, length(v) - 3) : 0
				       n[x " " p]++ }
				     END { for (k in n) print k, n[k] }' |
				sort -k3,3nr | gzip -9 > "$out/$k-$r.pages.gz"
			# events the ring buffer dropped: the counts are short by them
			if perf report -i "$out/$k-$r.data" --stats \
				> "$out/$k-$r.stats" 2>/dev/null; then
				grep -i lost "$out/$k-$r.stats" > "$out/$k-$r.lost" ||
					echo "perf report --stats: no LOST events" \
						> "$out/$k-$r.lost"
			else
				echo "perf report --stats failed" > "$out/$k-$r.lost"
			fi
			rm -f "$out/$k-$r.stats"
			rm -f "$out/$k-$r.data"
		elif [ "$mode" = record ]; then
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
