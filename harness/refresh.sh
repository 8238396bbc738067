#!/bin/bash
# Carry edits made in the prepared tree back into the repository.
#
# Usage: harness/refresh.sh          write patches/ and the overlay
#        harness/refresh.sh --check  only compare; exit 1 listing differences
#
# An upstream file that differs from the base becomes patches/<path>.patch; a
# file that exists only in the prepared tree is moved into the overlay at its
# kernel path and replaced by a link, so further edits are live in both.
set -eu
. "$(dirname "$0")/lib.sh"

check=
[ "${1:-}" = --check ] && check=1

[ -d "$SRC/.git" ] || { echo "no prepared tree (build/linux): nothing to refresh"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
problems=0
problem() { echo "  $*"; problems=$((problems + 1)); }

# 1. Upstream files edited (or deleted) relative to the base.
mkdir -p "$tmp/patches"
tree_git diff --name-only --no-renames --diff-filter=MDT base > "$tmp/modified"
while IFS= read -r f; do
	mkdir -p "$(dirname "$tmp/patches/$f")"
	tree_git diff --binary --no-color --no-ext-diff --no-renames base -- "$f" \
		> "$tmp/patches/$f.patch"
done < "$tmp/modified"

# 2. Files that are new relative to the base: overlay links are fine, anything
# else is new work that belongs in the overlay.
{
	tree_git diff --name-only --no-renames --diff-filter=A base
	tree_git ls-files --others
} | LC_ALL=C sort -u > "$tmp/added"
: > "$tmp/newfiles"
while IFS= read -r f; do
	[ -n "$f" ] && ! is_dropping "$f" || continue
	if [ -L "$SRC/$f" ]; then
		case "$(readlink "$SRC/$f")" in
		"$TOP/$f") [ -e "$TOP/$f" ] || problem "$f: link to a deleted overlay file";;
		*) problem "$f: link that does not point into the overlay";;
		esac
	elif [ -f "$SRC/$f" ]; then
		case " $(echo $OVERLAY_DIRS) " in
		*" ${f%%/*} "*) echo "$f" >> "$tmp/newfiles";;
		*) problem "$f: new file outside the overlay directories";;
		esac
	fi
done < "$tmp/added"

if [ -n "$check" ]; then
	while IFS= read -r f; do
		cmp -s "$tmp/patches/$f.patch" "$TOP/patches/$f.patch" ||
			problem "$f: edit not in patches/$f.patch"
	done < "$tmp/modified"
	while IFS= read -r p; do
		[ -f "$tmp/$p" ] || problem "$p: build/linux does not have this edit (run 'make tree')"
	done < <(patch_files)
	while IFS= read -r f; do problem "$f: new file not in the overlay"; done < "$tmp/newfiles"
	if [ "$problems" -ne 0 ]; then
		echo "refresh-check: build/linux and patches/ or the overlay differ in $problems place(s)"
		exit 1
	fi
	echo "refresh-check: build/linux matches patches/ and the overlay"
	exit 0
fi

[ "$problems" -eq 0 ] || die "fix the above first"
# Refreshing a tree prepared from other patches would undo those patches.
[ "$(head -1 "$BUILD/tree.stamp" 2>/dev/null)" = "$(tree_stamp | sed -n 1p)" ] ||
	die "patches/ changed since build/linux was prepared (a pull?): refreshing would undo that.
Save your edits by hand (git -C build/linux diff prepared), then 'make tree'."

# Write patches/: replace the whole set so a reverted edit drops its patch.
mkdir -p "$TOP/patches"
find "$TOP/patches" -name '*.patch' -delete
find "$TOP/patches" -mindepth 1 -type d -empty -delete
cp -r "$tmp/patches/." "$TOP/patches/"
echo "refresh: $(wc -l < "$tmp/modified") upstream file(s) in patches/"

while IFS= read -r f; do
	mkdir -p "$(dirname "$TOP/$f")"
	mv "$SRC/$f" "$TOP/$f"
	ln -s "$TOP/$f" "$SRC/$f"
	echo "refresh: new file $f moved into the overlay"
done < "$tmp/newfiles"

# Record the refreshed state, so 'make tree' knows nothing is pending.
tree_git add -A -f
tree_git commit -q --allow-empty -m "refresh"
tree_record
