#!/bin/bash
# Prepare build/linux: the pristine base as commit 'base' of a git repository,
# every patches/*.patch applied and every overlay file linked in, committed
# as the tree's HEAD so that later edits show up in 'git status'.
#
# Usage: harness/tree.sh [--base]
#   --base  also check out the pristine base at build/base/linux
set -eu
. "$(dirname "$0")/lib.sh"

want_base=
[ "${1:-}" = --base ] && want_base=1

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing: run 'make deps'"
have=$(installed_base_version)
echo "base: linux-source-6.12 $have (pinned $BASE_VERSION)"
[ "$have" = "$BASE_VERSION" ] ||
	echo "WARNING: base is $have, not the pinned $BASE_VERSION" >&2


if [ -d "$SRC/.git" ]; then
	dirty=$(tree_git status --porcelain --ignored=matching --untracked-files=all | head -20)
	if [ -n "$dirty" ]; then
		echo "$dirty" >&2
		die "build/linux holds edits made since the last 'make tree' or 'make refresh'.
Run 'make refresh' to keep them (or delete build/linux to drop them); 'make tree' will not overwrite them."
	fi
	if [ "$(cat "$BUILD/tree.stamp" 2>/dev/null)" = "$(tree_stamp)" ]; then
		echo "build/linux is up to date"
	else
		note "resetting build/linux to base"
		tree_git checkout -q -f base
		tree_git clean -q -fdx
		fresh=
	fi
else
	note "unpacking $BASE_TARBALL into build/linux"
	rm -rf "$SRC" "$BUILD/tree.stamp"
	mkdir -p "$BUILD/unpack"
	tar -C "$BUILD/unpack" -xf "$BASE_TARBALL"
	mv "$BUILD/unpack/linux-source-6.12" "$SRC"
	rmdir "$BUILD/unpack"
	tree_git init -q -b prepared
	tree_git add -A -f
	tree_git commit -q -m "base: linux-source-6.12 $have"
	tree_git tag base
	fresh=
fi

if [ "${fresh-x}" != x ]; then
	for p in $(cd "$TOP" && find patches -name '*.patch' | LC_ALL=C sort); do
		tree_git apply --whitespace=nowarn "$TOP/$p" ||
			die "patch $p does not apply to the base"
	done
	for f in $(overlay_files); do
		[ -e "$SRC/$f" ] && [ ! -L "$SRC/$f" ] &&
			die "overlay file $f also exists in the base: edit it through patches/ instead"
		mkdir -p "$(dirname "$SRC/$f")"
		ln -sfn "$TOP/$f" "$SRC/$f"
	done
	tree_git add -A -f
	tree_git commit -q --allow-empty -m "prepared: patches and overlay"
	tree_stamp > "$BUILD/tree.stamp"
	echo "build/linux prepared: $(cd "$TOP" && find patches -name '*.patch' | wc -l) patches, $(overlay_files | wc -l) overlay files"
fi

if [ -n "$want_base" ] && [ ! -d "$BASE_SRC" ]; then
	note "checking out the pristine base at build/base/linux"
	mkdir -p "$(dirname "$BASE_SRC")"
	tree_git worktree add -q --detach "$BASE_SRC" base
fi
exit 0
