# Shared settings for the harness scripts; sourced, never run.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
SRC=$BUILD/linux		# prepared tree: base commit + patches + overlay links
BASE_SRC=$BUILD/base/linux	# pristine base, a detached worktree of $SRC;
			# same depth as $SRC so ccache shares objects
BASE_VERSION=$(cat "$TOP/BASE_VERSION")
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Top-level kernel directories whose files in this repository are overlay
# files: new kernel files living at their kernel paths.
OVERLAY_DIRS="arch block certs crypto Documentation drivers fs include init
	io_uring ipc kernel lib mm net rust samples security sound tools usr virt"

GIT_ID=(-c user.name=vtree -c user.email=vtree@localhost -c advice.detachedHead=false)

die() { echo "error: $*" >&2; exit 1; }
note() { echo ">>> $*" >&2; }

tree_git() { git -C "$SRC" "${GIT_ID[@]}" "$@"; }

# The overlay files, as paths relative to $TOP.
overlay_files() {
	local d
	for d in $OVERLAY_DIRS; do
		[ -d "$TOP/$d" ] || continue
		(cd "$TOP" && find "$d" -type f ! -name '*.o' ! -name '.*.cmd')
	done | LC_ALL=C sort
}

installed_base_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true
}

# Identifies what 'make tree' would produce: base version, patches, overlay.
tree_stamp() {
	{
		installed_base_version
		(cd "$TOP" && find patches -name '*.patch' | LC_ALL=C sort | xargs -r sha1sum)
		overlay_files
	} | sha1sum | cut -d' ' -f1
}
