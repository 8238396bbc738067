# Shared settings for the harness scripts; sourced, never run.
# shellcheck shell=bash
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
SRC=$BUILD/linux		# prepared tree: base commit + patches + overlay links
BASE_SRC=$BUILD/base/linux	# pristine base, a detached worktree of $SRC;
				# same depth as $SRC so ccache shares objects
BASE_VERSION=$(cat "$TOP/BASE_VERSION")
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
# Objects whose functions the benchmark and profiling kernels, base and
# patched alike, start on a page boundary (build-kernel.sh's
# PAGE_ALIGN_OBJS): the LZ4 compressor that the bench's zram and zswap
# loads run (not zstd). Set empty in the environment: none.
BENCH_ALIGN_OBJS=${BENCH_ALIGN_OBJS-lz4_compress.o lz4_decompress.o}

# Top-level kernel directories whose files in this repository are overlay
# files: new kernel files living at their kernel paths.
OVERLAY_DIRS="arch block certs crypto Documentation drivers fs include init
	io_uring ipc kernel lib mm net rust samples security sound tools usr virt"

die() { echo "error: $*" >&2; exit 1; }
# Kernel objects are cached with ccache, shared by every build of the
# work bench (build/ is the base directory, so trees at the same depth
# share objects).
ccache_env() {
	export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/vswap-ccache}
	export CCACHE_BASEDIR=$BUILD
	export CCACHE_COMPILERCHECK=content
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
}
note() { echo ">>> $*" >&2; }

# git on the prepared tree, deaf to the user's git configuration so that
# patches come out byte for byte the same everywhere.
tree_git() {
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$SRC" \
		-c user.name=vtree -c user.email=vtree@localhost \
		-c core.abbrev=12 -c advice.detachedHead=false "$@"
}

# Editor and tool droppings: never overlay files, never unrefreshed work.
is_dropping() {
	case "${1##*/}" in
	*.swp|*~|*.orig|*.rej|.*.sw?|tags|TAGS|cscope.*|.checkpatch-camelcase.*) return 0;;
	esac
	return 1
}

# The overlay files, as paths relative to $TOP, one a line.
overlay_files() {
	local d f
	for d in $OVERLAY_DIRS; do
		[ -d "$TOP/$d" ] || continue
		(cd "$TOP" && find "$d" -type f) | while IFS= read -r f; do
			is_dropping "$f" || echo "$f"
		done
	done | LC_ALL=C sort
}

# The patches, as paths relative to $TOP, one a line, in the order applied.
patch_files() {
	(cd "$TOP" && find patches -type f -name '*.patch') | LC_ALL=C sort
}

installed_base_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true
}

# Identifies what 'make tree' would produce: a hash of the base version and
# the patches, then a hash of the overlay file names.
tree_stamp() {
	local p
	{
		installed_base_version
		patch_files | while IFS= read -r p; do sha1sum "$TOP/$p"; done
	} | sha1sum | cut -d' ' -f1
	overlay_files | sha1sum | cut -d' ' -f1
}

# What changed in the prepared tree since 'make tree' or 'make refresh'
# recorded it: 'git status' lines, droppings left out.
tree_changes() {
	local xy path
	tree_git status --porcelain --ignored=matching --untracked-files=all |
		while read -r xy path; do
			is_dropping "$path" || echo "$xy $path"
		done
	[ "$(tree_git rev-parse HEAD)" = "$(cat "$BUILD/tree.head" 2>/dev/null)" ] ||
		echo "commits made in build/linux"
}

# Record the tree's state: its HEAD, the patches it was prepared from and
# the overlay files it links (which may lag the repository's overlay).
tree_record() {
	tree_git rev-parse HEAD > "$BUILD/tree.head"
	{
		tree_stamp | sed -n 1p
		tree_git diff --name-only --no-renames --diff-filter=A base HEAD |
			LC_ALL=C sort | sha1sum | cut -d' ' -f1
	} > "$BUILD/tree.stamp"
}
