#!/bin/bash
# 'make profile': where the kernel spends its time in benchmark workloads,
# base against patched. Builds both trees with the benchmark fragments plus
# configs/profile.config, boots each once with the timer-tick profiler on
# (profile=2: 4-byte buckets), runs the bench suite's workloads that
# PROFILE_ONLY names, and prints per workload the kernel functions taking
# the most samples in each kernel (harness/profile.py).
#
# With PROFILE_INSN=1 it counts instructions instead of sampling ticks:
# each boot runs under TCG with harness/insncount.c, a QEMU plugin built
# here against the installed QEMU's own plugin header (fetched from
# Debian's source package of that QEMU version), on one vCPU (so only the
# bench suite's 1-vCPU loads can be chosen), and harness/insncount.py
# prints per workload the kernel's instructions per page swapped and the
# functions whose counts differ most. A count does not depend on how fast
# the host ran each instruction, but it does on what arrives in host time:
# timer ticks, RCU, workers, and the disk's I/O completions, which change
# what reclaim meets. Boots of the same code moved the per-page totals
# by up to 0.9% (results/insncount-1cpu/notes.md): a cost per page of
# tens of instructions in one function stands out, a total within 1% does
# not. PROFILE_DISPATCH=1 adds what TCG pays beyond the instructions: the
# blocks entered by a lookup instead of a chained jump, the misses of
# QEMU's jump cache, the whole-TLB flushes that empty it and the INVLPGs
# (harness/insncount.c; results/tcg-layout/, results/tcg-cost/).
# PROFILE_MEM=1 adds the memory accesses (each through TCG's soft TLB),
# the atomic instructions and the STI/POPF (after each QEMU returns to
# its main loop). PROFILE_TLB=BITS simulates QEMU's soft TLB at 2^BITS
# entries and counts the kernel's misses of it per function.
#
# Environment: PROFILE_ONLY (a regular expression over ENV/NAME, as
# BENCH_ONLY; default ^disk/usemem$), PROFILE_SMP (default 2; 1 with
# PROFILE_INSN), PROFILE_TOP (default 25), PROFILE_INSN, PROFILE_DISPATCH,
# PROFILE_MEM and PROFILE_TLB (with PROFILE_INSN). Output in
# build/logs/profile/.
set -eu
. "$(dirname "$0")/lib.sh"

only=${PROFILE_ONLY:-^disk/usemem\$}
insn=${PROFILE_INSN:-0}
smp=${PROFILE_SMP:-2}
frags=("$TOP/configs/base.config" "$TOP/configs/bench.config" "$TOP/configs/profile.config")
logs=$BUILD/logs/profile
export PAGE_ALIGN_OBJS=$BENCH_ALIGN_OBJS	# as make bench's kernels
case ${PROFILE_DISPATCH:-} in
''|0) ;;
1) [ "$insn" = 1 ] || die "PROFILE_DISPATCH=1 needs PROFILE_INSN=1";;
*) die "PROFILE_DISPATCH is 0 or 1, not '$PROFILE_DISPATCH'";;
esac
case ${PROFILE_TLB:-} in
'') ;;
[1-9]|1[0-9]|2[0-2]) [ "$insn" = 1 ] || die "PROFILE_TLB needs PROFILE_INSN=1";;
*) die "PROFILE_TLB is a number of bits, 1 to 22, not '$PROFILE_TLB'";;
esac
case ${PROFILE_MEM:-} in
''|0) ;;
1) [ "$insn" = 1 ] || die "PROFILE_MEM=1 needs PROFILE_INSN=1";;
*) die "PROFILE_MEM is 0 or 1, not '$PROFILE_MEM'";;
esac
DEBIAN_POOL=${DEBIAN_POOL:-https://deb.debian.org/debian/pool}

# plugin_build: build/qemu-plugin/insncount.so, against the qemu-plugin.h
# of the QEMU that runs it (its API version must match), taken from the
# upstream tarball of Debian's source package of that version, checked
# against the sha256 the package's .dsc gives.
plugin_build() {
	local dir=$BUILD/qemu-plugin ver up dsc orig sum
	ver=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
	ver=${ver#*:}
	up=${ver%-*}
	dsc=qemu_$ver.dsc
	orig=qemu_$up.orig.tar.xz
	mkdir -p "$dir/$up"
	if [ ! -e "$dir/$up/qemu-plugin.h" ]; then
		curl -fsS -o "$dir/$dsc" "$DEBIAN_POOL/main/q/qemu/$dsc" ||
			die "cannot fetch $dsc (the QEMU plugin header comes from" \
				"it; a superseded revision is only on snapshot.debian.org:" \
				"set DEBIAN_POOL)"
		sum=$(awk -v f="$orig" '/^Checksums-Sha256:/ { s = 1; next }
			/^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$dir/$dsc")
		[ -n "$sum" ] || die "$dsc names no $orig"
		curl -fsS -o "$dir/$orig" "$DEBIAN_POOL/main/q/qemu/$orig" ||
			die "cannot fetch $orig"
		echo "$sum  $dir/$orig" | sha256sum -c --quiet ||
			die "$orig does not match $dsc"
		tar -xJOf "$dir/$orig" --wildcards '*/include/qemu/qemu-plugin.h' \
			> "$dir/$up/qemu-plugin.h.tmp"
		mv "$dir/$up/qemu-plugin.h.tmp" "$dir/$up/qemu-plugin.h"
		rm -f "$dir/$orig" "$dir/$dsc"
	fi
	gcc -O2 -Wall -shared -fPIC -I "$dir/$up" -o "$dir/insncount.so" \
		"$TOP/harness/insncount.c"
}

# symbol MAP NAME: NAME's address in System.map MAP
symbol() {
	local a
	a=$(awk -v n="$2" '$3 == n { print $1; exit }' "$1")
	[ -n "$a" ] || die "no $2 in $1"
	echo "$a"
}

"$TOP/harness/build-kernel.sh" "$BASE_SRC" "$BUILD/base/obj/profile" "${frags[@]}"
"$TOP/harness/build-kernel.sh" "$SRC" "$BUILD/obj/profile" "${frags[@]}" \
	"$TOP/configs/vswap-bench.config"
GUEST_EXTRA=stress-ng "$TOP/harness/initramfs.sh" "$BUILD/obj/profile" "$BUILD/guest/profile.cpio.gz"
if [ "$insn" = 1 ]; then
	plugin_build
	smp=1
fi

rm -rf "$logs"
for k in base patched; do
	case $k in
	base) obj=$BUILD/base/obj/profile;;
	patched) obj=$BUILD/obj/profile;;
	esac
	extra=()
	append="profile=2 vtest.only=$only"
	if [ "$insn" = 1 ]; then
		# the guest's reset of /proc/profile starts a workload's
		# count, its first read ends it (lib.sh's run())
		mkdir -p "$logs"
		start=$(symbol "$obj/System.map" write_profile)
		end=$(symbol "$obj/System.map" read_profile)
		extra=(--plugin "$BUILD/qemu-plugin/insncount.so,out=$logs/$k.insns,start=$start,end=$end${PROFILE_DISPATCH:+,dispatch=$PROFILE_DISPATCH}${PROFILE_MEM:+,mem=$PROFILE_MEM}${PROFILE_TLB:+,tlb=$PROFILE_TLB}")
		append="$append nokaslr"
	fi
	echo "profile: $k, $smp vCPUs, workloads matching '$only'"
	"$TOP/harness/vm.py" run --suite bench --mem 1G --disk 512M --preallocate --timeout 1800 \
		--smp "$smp" --append "$append" "${extra[@]}" \
		--kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$BUILD/guest/profile.cpio.gz" \
		--out "$logs/$k" > "$logs.$k.txt" ||
		{ cat "$logs.$k.txt"; die "profile run $k failed: see $logs/$k"; }
done
echo "# kernels' page-aligned objects (BENCH_ALIGN_OBJS): '$BENCH_ALIGN_OBJS'" |
	tee "$logs/report.txt"
if [ "$insn" = 1 ]; then
	"$TOP/harness/insncount.py" --top "${PROFILE_TOP:-25}" \
		"base=$logs/base.insns:$logs/base/results.log:$BUILD/base/obj/profile/System.map" \
		"patched=$logs/patched.insns:$logs/patched/results.log:$BUILD/obj/profile/System.map" |
		tee -a "$logs/report.txt"
else
	"$TOP/harness/profile.py" --top "${PROFILE_TOP:-25}" \
		"base=$logs/base:$BUILD/base/obj/profile/System.map" \
		"patched=$logs/patched:$BUILD/obj/profile/System.map" | tee -a "$logs/report.txt"
fi
