#!/bin/bash
# Prepare build/linux: the pristine base as commit 'base' of a git repository,
# every patches/*.patch applied and every overlay file linked in, committed
# on branch 'prepared' so that later edits show up in 'git status'.
#
# Usage: harness/tree.sh [--base]
#   --base  also check out the pristine base at build/base/linux
#
# Re-running it brings the tree up to date with patches/ and the overlay,
# rewriting only the files whose content changes (so builds stay
# incremental). Edits that 'make refresh' has not saved are carried along or,
# where they collide, make it stop: it never overwrites them.
set -eu
. "$(dirname "$0")/lib.sh"

want_base=
[ "${1:-}" = --base ] && want_base=1

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing: run 'make deps'"
have=$(installed_base_version)
echo "base: linux-source-6.12 $have (pinned $BASE_VERSION)"
[ "$have" = "$BASE_VERSION" ] ||
	echo "WARNING: base is $have, not the pinned $BASE_VERSION" >&2
subject="base: linux-source-6.12 $have"

ensure_base() {
	[ -z "$want_base" ] || [ -d "$BASE_SRC" ] || {
		note "checking out the pristine base at build/base/linux"
		mkdir -p "$(dirname "$BASE_SRC")"
		tree_git worktree add -q --detach "$BASE_SRC" base
	}
}

if [ -d "$SRC/.git" ]; then
	changes=$(tree_changes)
	if [ "$(cat "$BUILD/tree.stamp" 2>/dev/null)" = "$(tree_stamp)" ] &&
	   [ "$(tree_git log -1 --format=%s base)" = "$subject" ]; then
		echo "build/linux is up to date"
		[ -z "$changes" ] ||
			echo "note: build/linux holds edits not yet in the repository ('make refresh' saves them)"
		ensure_base
		exit 0
	fi
	case "$changes" in
	*"commits made in build/linux"*)
		die "build/linux has commits of its own; 'make tree' would leave them behind.
Turn them into edits ('git -C build/linux reset --soft $(cat "$BUILD/tree.head" 2>/dev/null)') and 'make refresh'.";;
	esac
	if [ "$(tree_git log -1 --format=%s base)" != "$subject" ]; then
		[ -z "$changes" ] ||
			die "the installed base changed and build/linux holds unrefreshed edits: 'make refresh' first"
		note "the installed base changed: unpacking it again"
		rm -rf "$SRC" "$BASE_SRC"
	fi
fi

if [ ! -d "$SRC/.git" ]; then
	note "unpacking $BASE_TARBALL into build/linux"
	rm -rf "$SRC" "$BUILD/unpack" "$BUILD/tree.stamp" "$BUILD/tree.head"
	mkdir -p "$BUILD/unpack"
	tar -C "$BUILD/unpack" -xf "$BASE_TARBALL"
	mv "$BUILD/unpack/linux-source-6.12" "$SRC"
	rmdir "$BUILD/unpack"
	tree_git init -q -b prepared
	tree_git add -A -f
	tree_git commit -q -m "$subject"
	tree_git tag base
fi

# Build the prepared state in a scratch index: base + patches + links.
index=$BUILD/tree.index
rm -f "$index"
export GIT_INDEX_FILE=$index
tree_git read-tree base
while IFS= read -r p; do
	tree_git apply --cached --binary --whitespace=nowarn "$TOP/$p" ||
		{ rm -f "$index"; die "patch $p does not apply to the base"; }
done < <(patch_files)
while IFS= read -r f; do
	tree_git cat-file -e "base:$f" 2>/dev/null &&
		{ rm -f "$index"; die "overlay file $f also exists in the base: edit it through patches/ instead"; }
	blob=$(printf '%s' "$TOP/$f" | tree_git hash-object -w --stdin)
	tree_git update-index --add --cacheinfo "120000,$blob,$f"
done < <(overlay_files)
tree=$(tree_git write-tree)
unset GIT_INDEX_FILE
rm -f "$index"
commit=$(tree_git commit-tree "$tree" -p base -m "prepared: patches and overlay")

# Move the work tree there, touching only the files that differ. Edits not
# yet refreshed are carried along; git refuses, changing nothing, where one
# would be overwritten.
tree_git read-tree -m -u HEAD "$commit" ||
	die "edits in build/linux collide with the new patches/ or overlay (listed above).
Save them with 'make refresh' first if patches/ did not change, or by hand."
tree_git update-ref refs/heads/prepared "$commit"
tree_git symbolic-ref HEAD refs/heads/prepared
tree_record
echo "build/linux prepared: $(patch_files | wc -l) patches, $(overlay_files | wc -l) overlay files"
ensure_base
