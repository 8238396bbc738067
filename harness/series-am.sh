#!/bin/bash
# 'make series-am': the mailed series taken the way a maintainer takes it,
# on a 6.12 stable release other than the pinned base.
#
# Debian's linux-source-6.12 at SERIES_AM_BASE (default 6.12.117-1~deb12u1:
# 6.12.117 as Debian ships it, as the pinned base is 6.12.118 as Debian
# ships it) is downloaded with apt-get, from the archive the apt lists
# name, and unpacked into build/series-am/linux, where the patches
# 'make series' writes (it rewrites build/series/ and
# series/cover-letter.txt) are applied with git am. The result is built in
# make check's two configurations (CONFIG_VIRTUAL_SWAP=y, and =n; both with
# the offload device and kcompressd) and each kernel is booted: its KUnit
# suites run at boot, and our guest programs, built from that tree, run the
# cases of make check's suite that SERIES_AM_ONLY matches (an unanchored
# regex over ENV/PROGRAM[.CASE]; by default data integrity, large folios,
# the virtual backends, the fault cases, swapoff races and kcompressd.on,
# each on the backends make check runs it on for that kernel). A kernel on
# which no case ran fails.
# Ends with 'N passed, N failed', as make check does.
set -eu
. "$(dirname "$0")/lib.sh"

trap 'rc=$?; [ $rc -eq 0 ] || [ -n "${counted:-}" ] ||
	{ echo "FAILED: make series-am stopped before the tests (exit $rc)"; echo "0 passed, 1 failed"; }' EXIT

ver=${SERIES_AM_BASE:-6.12.117-1~deb12u1}
only=${SERIES_AM_ONLY:-'/(swap_integrity|swap_large|vswap_backends|swap_faults|swapoff_race|kcompressd\.on)'}
am=$BUILD/series-am		# build/series-am/{linux,obj/*} keep build/{linux,obj/*}'s
src=$am/linux			# layout, so that ccache (CCACHE_BASEDIR=build) shares objects
logs=$BUILD/logs/series-am
rm -rf "$logs"
mkdir -p "$logs"

am_git() {	# git on the applied tree, deaf to the user's configuration
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$src" \
		-c user.name=vtree -c user.email=vtree@localhost "$@"
}

python3 "$TOP/harness/series.py" export >/dev/null || die "make series failed"
patches=()
for p in "$BUILD"/series/*.patch; do
	[ "${p##*/}" = 0000-cover-letter.patch ] || patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || die "make series wrote no patch"

if [ "$(cat "$am/version" 2>/dev/null)" != "$ver" ] || [ ! -d "$src/.git" ]; then
	note "downloading linux-source-6.12 $ver"
	# objects too: the tarball's dates are older than the last build's
	rm -rf "$am/linux" "$am/obj" "$am/unpack" "$am/version"
	mkdir -p "$am/unpack"
	(cd "$am/unpack" && apt-get download -q "linux-source-6.12=$ver") \
		> "$logs/download.log" 2>&1 ||
		{ cat "$logs/download.log"; die "could not download linux-source-6.12 $ver (is it in 'apt-cache madison linux-source-6.12'?)"; }
	dpkg-deb -x "$am/unpack"/linux-source-6.12_*.deb "$am/unpack/deb"
	tar -C "$am/unpack" -xf "$am/unpack/deb/usr/src/linux-source-6.12.tar.xz"
	mv "$am/unpack/linux-source-6.12" "$src"
	rm -rf "$am/unpack"
	am_git init -q -b applied
	am_git add -A -f
	am_git commit -q -m "base: linux-source-6.12 $ver"
	am_git tag base
	echo "$ver" > "$am/version"
fi
am_git am --abort > /dev/null 2>&1 || true
am_git checkout -q -f applied
am_git reset -q --hard base
am_git clean -q -f -d -x
am_git am -q "${patches[@]}" > "$logs/am.log" 2>&1 ||
	{ cat "$logs/am.log"; die "the series does not apply to linux-source-6.12 $ver"; }
[ "$(am_git rev-list --count base..HEAD)" = ${#patches[@]} ] ||
	die "git am made $(am_git rev-list --count base..HEAD) commits of ${#patches[@]} patches"
echo "series: ${#patches[@]} patches applied with git am to linux-source-6.12 $ver"

runs=()
boot() {	# boot KIND OBJDIR: run the chosen cases on that kernel
	local kind=$1 obj=$2
	local cases
	runs+=("$logs/$kind")
	if ! VTEST_GUEST_SRC=$src "$TOP/harness/initramfs.sh" "$obj" "$am/guest/initramfs.cpio.gz"; then
		echo "FAILED: the guest programs of the $kind kernel's tree do not build"
		return		# no summary: counted as failed
	fi
	"$TOP/harness/vm.py" run --kernel "$obj/arch/x86/boot/bzImage" \
		--initrd "$am/guest/initramfs.cpio.gz" --suite check \
		--out "$logs/$kind" --mem 1G --timeout 2700 \
		--append "vtest.only=$only" --kernel-kind "$kind" \
		--expected-skips "$TOP/harness/expected-skips" || true
	cases=$(grep -c '^# vtest begin ' "$logs/$kind/results.log" 2>/dev/null) || cases=0
	echo "$kind kernel: $cases cases of the suite matched vtest.only=$only"
	if [ "$cases" = 0 ]; then
		echo "FAILED: no case of the suite ran on the $kind kernel"
		runs+=("$logs/$kind-no-case")	# no summary: counted as failed
	fi
}
# make check's two kernels, with its fragments (harness/test-kernel.sh)
for kind in vswap novswap; do
	start=$(date +%s)
	if obj=$("$TOP/harness/test-kernel.sh" "$([ $kind = vswap ] && echo patched || echo novswap)" \
		"$src" 2> "$logs/build-$kind.log"); then
		echo "built the $kind kernel in $(( $(date +%s) - start )) s"
		boot "$kind" "$obj"
	else
		tail -n 30 "$logs/build-$kind.log"
		echo "FAILED: the $kind kernel does not build on linux-source-6.12 $ver"
		runs+=("$logs/$kind")	# no summary: counted as failed
	fi
done
counted=1
exec "$TOP/harness/vm.py" summary "${runs[@]}"
