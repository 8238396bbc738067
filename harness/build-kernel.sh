#!/bin/bash
# Configure and build one kernel out of tree.
#
# Usage: harness/build-kernel.sh SRCDIR OBJDIR FRAGMENT...
#
# TARGETS="..." in the environment builds those make targets instead of
# bzImage (e.g. single objects).
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
	verify_config
	echo "$want" > "$obj/.config.stamp"
fi

targets=${TARGETS:-bzImage}
note "building $obj: $targets"
start=$(date +%s)
kmake $targets
verify_config
echo "built $targets in $obj in $(( $(date +%s) - start )) s"
