#!/bin/bash
# Configure and build one kernel out of tree.
#
# Usage: harness/build-kernel.sh SRCDIR OBJDIR FRAGMENT...
#
# The configuration is tinyconfig plus the fragments, in order. It is redone
# only when a fragment or the base changes; every option a fragment asks for
# must survive olddefconfig, or the build stops naming the option. Objects are
# cached with ccache; the build identity is fixed so that rebuilding the same
# source reuses everything.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: $0 SRCDIR OBJDIR FRAGMENT..."
mkdir -p "$2"
src=$(realpath "$1") obj=$(realpath "$2")
shift 2
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/vswap-ccache}
export CCACHE_BASEDIR=$BUILD
export CCACHE_COMPILERCHECK=content
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
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
	bad=0
	for f in "${frags[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) grep -qxF "$line" "$obj/.config" || {
				echo "  $f: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo unset)'" >&2
				bad=1; };;
			"# CONFIG_"*" is not set")
				opt=${line#\# }; opt=${opt%% *}
				grep -q "^$opt=" "$obj/.config" && {
					echo "  $f: wanted $opt unset, got '$(grep "^$opt=" "$obj/.config")'" >&2
					bad=1; };;
			esac
		done < "$f"
	done
	[ "$bad" -eq 0 ] || die "configuration of $obj does not hold what the fragments ask"
	echo "$want" > "$obj/.config.stamp"
fi

note "building $obj"
start=$(date +%s)
kmake bzImage
echo "built $obj/arch/x86/boot/bzImage in $(( $(date +%s) - start )) s"
