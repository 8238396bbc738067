#!/bin/bash
# Configure and build one kernel out of tree.
#
# Usage: harness/build-kernel.sh SRCDIR OBJDIR FRAGMENT...
#
# TARGETS="..." in the environment builds those make targets instead of
# bzImage (e.g. single objects).
#
# PAGE_ALIGN_OBJS="a.o b.o" starts every function of those objects on a
# page boundary (through kbuild's CFLAGS_<object>, given on the make
# command line; each name must be that of exactly one C file's object,
# which no kernel Makefile gives flags of its own). The benchmark kernels
# use it for the compressor: under TCG a loop that crosses a page boundary
# cannot be chained and looks its next block up on every iteration, so
# where the link happens to put it would otherwise weigh more than the
# code measured (results/tcg-layout/). The build checks the objects.
#
# The configuration is tinyconfig plus the fragments, in order. It is redone
# only when a fragment or the base changes; every option a fragment asks for
# must survive olddefconfig, or the build stops naming the option. Objects are
# cached with ccache; the build identity is fixed so that rebuilding the same
# source reuses everything.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: $0 SRCDIR OBJDIR FRAGMENT..."
# Every option the fragments set (the last fragment to name an option wins)
# must be so in .config: a dependency that is not met, or a Kconfig change in
# a patch, would otherwise drop it without a word.
verify_config() {
	local bad
	bad=$(awk '
		FILENAME == cfg { if (/^CONFIG_/) { n = $0; sub(/=.*/, "", n); have[n] = $0 }; next }
		/^CONFIG_[A-Za-z0-9_]+=/ { n = $0; sub(/=.*/, "", n); want[n] = $0; next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "unset"; next }
		END {
			for (n in want) {
				if (want[n] == "unset" ? (n in have) : !(n in have) || have[n] != want[n])
					printf "  %s: wanted %s, got %s\n", n,
						want[n] == "unset" ? "unset" : want[n],
						(n in have) ? have[n] : "unset"
			}
		}' "${frags[@]}" cfg="$obj/.config" "$obj/.config")
	[ -z "$bad" ] || { echo "$bad" >&2; die "$obj/.config does not hold what the fragments ask"; }
}

mkdir -p "$2"
src=$(realpath "$1") obj=$(realpath "$2")
shift 2
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done

ccache_env
export KBUILD_BUILD_TIMESTAMP="2024-11-17 00:00:00 UTC"
export KBUILD_BUILD_USER=vswap KBUILD_BUILD_HOST=qemu
kmake() {
	make -s -C "$src" O="$obj" CC="ccache gcc" -j"$(nproc)" "$@"
}

want=$( { installed_base_version; cat "${frags[@]}"; } | sha1sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.config.stamp" 2>/dev/null)" != "$want" ]; then
	note "configuring $obj from tinyconfig + ${frags[*]##*/}"
	kmake tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
	kmake olddefconfig >/dev/null
	verify_config
	echo "$want" > "$obj/.config.stamp"
fi

# align_args: the make arguments PAGE_ALIGN_OBJS asks for, in align[];
# the objects' paths in $obj, in align_objs[]
align_args() {
	local o srcs objs
	read -ra objs <<< "${PAGE_ALIGN_OBJS:-}"
	align=() align_objs=()
	for o in "${objs[@]}"; do
		case $o in
		*/*|.o) die "PAGE_ALIGN_OBJS: '$o' is not an object's file name";;
		*.o) ;;
		*) die "PAGE_ALIGN_OBJS: '$o' is not an object's file name";;
		esac
		mapfile -t srcs < <(find "$src" -path "$src/tools" -prune -o \
			-name "${o%.o}.c" -print)
		[ "${#srcs[@]}" = 1 ] ||
			die "PAGE_ALIGN_OBJS: ${#srcs[@]} C files make $o, not 1"
		! grep -rqs --include=Makefile --include=Kbuild "CFLAGS_$o" "$src" ||
			die "PAGE_ALIGN_OBJS: a kernel Makefile sets CFLAGS_$o"
		align+=("CFLAGS_$o=-falign-functions=4096")
		align_objs+=("$obj/$(dirname "${srcs[0]#"$src"/}")/$o")
	done
}

# check_aligned: every function of the aligned objects starts a page
# (offsets within 4 KiB-aligned sections)
check_aligned() {
	local f a t n bad sections symbols
	for f in "${align_objs[@]}"; do
		[ -f "$f" ] || die "PAGE_ALIGN_OBJS: $f was not built"
		sections=$(objdump -h "$f") && symbols=$(nm --defined-only "$f") ||
			die "PAGE_ALIGN_OBJS: cannot read $f"
		bad=$(awk '$2 ~ /text/ && $3 !~ /^0+$/ && $7 != "2**12" { print $2 }' \
			<<< "$sections")
		while read -r a t n; do
			case $t in t|T) (( 0x$a % 4096 == 0 )) || bad+=" $n";; esac
		done <<< "$symbols"
		[ -z "$bad" ] || die "PAGE_ALIGN_OBJS: not page-aligned in $f:$bad"
	done
}

targets=${TARGETS:-bzImage}
align_args
note "building $obj: $targets"
start=$(date +%s)
kmake "${align[@]}" $targets
verify_config
[ "$targets" != bzImage ] || check_aligned
echo "built $targets in $obj in $(( $(date +%s) - start )) s"
