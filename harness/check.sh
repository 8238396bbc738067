#!/bin/bash
# 'make check': build the test kernel from the prepared tree, boot it, run the
# guest suite and the harness self-tests, and close with 'N passed, N failed'.
#
# Usage: harness/check.sh [base|kasan]
#   base   run the same suite on the pristine base instead of the patched tree
#   kasan  run the suite on the patched tree with generic KASAN (slow: the
#          guest's time limits are tripled); no self-tests, no =n run
set -eu
. "$(dirname "$0")/lib.sh"

# Whatever stops this script early still ends with the closing count.
trap 'rc=$?; [ $rc -eq 0 ] || [ -n "${counted:-}" ] ||
	{ echo "FAILED: make check stopped before the tests (exit $rc)"; echo "0 passed, 1 failed"; }' EXIT

echo "base: linux-source-6.12 $(installed_base_version) (pinned $BASE_VERSION)"
what=${1:-patched}
case "$what" in
patched|base|kasan) ;;
*) die "usage: $0 [base|kasan]";;
esac
logs=$BUILD/logs/check-$what
rm -rf "$logs"
mkdir -p "$logs"

obj=$("$TOP/harness/test-kernel.sh" "$what")
"$TOP/harness/initramfs.sh" "$obj" "$BUILD/guest/initramfs.cpio.gz"

runs=()
kind=vswap
[ "$what" = base ] && kind=base
# VTEST_ONLY=REGEX: only the suite's runs whose name (ENV/PROGRAM) matches,
# to try a change quickly; never what CI runs.
only=()
if [ -n "${VTEST_ONLY:-}" ]; then
	echo "VTEST_ONLY=$VTEST_ONLY: running part of the suite only"
	only=(--append "vtest.only=$VTEST_ONLY")
fi
vm() {		# vm NAME SUITE ARGS...: boot $obj, run SUITE, judged as NAME
	runs+=("$logs/$1")
	"$TOP/harness/vm.py" run --kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$BUILD/guest/initramfs.cpio.gz" --suite "$2" --out "$logs/$1" \
		--expected-skips "$TOP/harness/expected-skips" --kernel-kind "$kind" \
		"${@:3}" || true
}
host() {	# host NAME CMD...: a TAP program run here, judged the same way
	runs+=("$logs/$1")
	"$TOP/harness/vm.py" host --name "$1" --out "$logs/$1" -- "${@:2}" || true
}

# mm/vswap.c in userspace under the sanitizers: seconds, no VM.
make -s -C "$TOP/tools/testing/vswap" OUT="$BUILD/vswap-test" all
host vswap-tsan env TSAN_OPTIONS=halt_on_error=1 "$BUILD/vswap-test/vswap_test_tsan"
host vswap-asan env ASAN_OPTIONS=detect_leaks=1 "$BUILD/vswap-test/vswap_test_asan"
# The series in the other configurations it must build in: objects only.
[ "$what" = patched ] && host config-builds "$TOP/harness/config-builds.sh"
# The mailable series: cut as series/series says, its last patch equal to
# this tree, checkpatch and kernel-doc clean (the bisect builds are
# 'make series-check').
[ "$what" = patched ] && host series python3 "$TOP/harness/series.py" check

start=$(date +%s)
if [ "$what" = kasan ]; then
	# 4-level paging: with LA57, a timer interrupt taken while
	# identify_cpu() has cleared the boot CPU's feature bits makes KASAN
	# compute 4-level shadow bounds and report the 5-level direct map as
	# a wild access (6.12, x86; seen once at boot, before any initcall).
	vm check-kasan check --mem 1G --timeout 8100 --timeout-scale 3 \
		--tcg-cpu max,la57=off "${only[@]}"
	echo "guest runs took $(( $(date +%s) - start )) s"
	[ -z "${VTEST_ONLY:-}" ] ||
		echo "PARTIAL RUN: VTEST_ONLY=$VTEST_ONLY: part of the suite"
	counted=1
	exec "$TOP/harness/vm.py" summary "${runs[@]}"
fi
vm check check --mem 1G --timeout 2700 "${only[@]}"
# Harness self-tests: each run must fail, and for the reason named.
[ -n "${VTEST_ONLY:-}" ] || {
vm selftest-corrupt selftest-corrupt --timeout 300 \
	--expect-fail '^disk/swap_integrity\.pageout: pageout .*pageout: 1 bad pages; first at'
vm selftest-warn selftest-warn --timeout 300 \
	--expect-fail '^none/provoke-warn: kernel report .*(WARNING|cut here)'
vm selftest-panic selftest-panic --timeout 300 \
	--expect-fail '^none/provoke-panic: kernel report .*Kernel panic'
vm selftest-hang selftest-hang --timeout 300 \
	--expect-fail '^none/hang timed out after 20 s'
vm selftest-death selftest-death --timeout 300 \
	--expect-fail '^none/sudden-death did not finish'
}
# The bound of the virtual space from the command line, and one refused.
if [ "$what" = patched ]; then
	vm vswap-space vswap-space --timeout 300 \
		--append "vswap_space=256M vtest.want_slots=65536"
	vm vswap-space-refused vswap-space --timeout 300 \
		--append "vswap_space=1M vtest.want_slots=default"
fi

# The patched tree with CONFIG_VIRTUAL_SWAP=n: the whole suite again.
if [ "$what" = patched ]; then
	if obj=$("$TOP/harness/test-kernel.sh" novswap); then
		kind=novswap
		vm check-novswap check --mem 1G --timeout 2700 "${only[@]}"
	else
		echo "FAILED: the CONFIG_VIRTUAL_SWAP=n kernel does not build"
		runs+=("$logs/check-novswap")	# no summary: counted as failed
	fi
fi
echo "guest runs took $(( $(date +%s) - start )) s"
[ -z "${VTEST_ONLY:-}" ] ||
	echo "PARTIAL RUN: VTEST_ONLY=$VTEST_ONLY, no self-tests: not a make check"
counted=1
exec "$TOP/harness/vm.py" summary "${runs[@]}"
