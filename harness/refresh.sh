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
tree_git diff --name-only --no-renames --diff-filter=MDT base > "$tmp/modified"
while read -r f; do
	mkdir -p "$(dirname "$tmp/patches/$f")"
	tree_git diff --no-color --no-ext-diff --no-renames base -- "$f" > "$tmp/patches/$f.patch"
done < "$tmp/modified"
mkdir -p "$tmp/patches"

# 2. Files that are new relative to the base: overlay links are fine, anything
# else is new work that belongs in the overlay.
tree_git ls-files --others -z > /dev/null	# fail early on a broken repo
{
	tree_git diff --name-only --no-renames --diff-filter=A base
	tree_git ls-files --others
} | LC_ALL=C sort -u > "$tmp/added"
: > "$tmp/newfiles"
while read -r f; do
	[ -n "$f" ] || continue
	if [ -L "$SRC/$f" ]; then
		case "$(readlink "$SRC/$f")" in
		"$TOP/$f") [ -e "$TOP/$f" ] || problem "$f: link to a deleted overlay file";;
		*) problem "$f: link that does not point into the overlay";;
		esac
	elif [ -f "$SRC/$f" ]; then
		echo "$f" >> "$tmp/newfiles"
	fi
done < "$tmp/added"

if [ -n "$check" ]; then
	while read -r f; do
		cmp -s "$tmp/patches/$f.patch" "$TOP/patches/$f.patch" ||
			problem "$f: edit not in patches/$f.patch"
	done < "$tmp/modified"
	(cd "$TOP/patches" && find . -name '*.patch' | sed 's|^\./||') | while read -r p; do
		[ -f "$tmp/patches/$p" ] || echo "patches/$p: build/linux does not have this edit"
	done > "$tmp/report"
	problems=$((problems + $(wc -l < "$tmp/report")))
	sed 's/^/  /' "$tmp/report"
	while read -r f; do problem "$f: new file not in the overlay"; done < "$tmp/newfiles"
	if [ "$problems" -ne 0 ]; then
		echo "refresh-check: build/linux holds $problems change(s) not in patches/ or the overlay; run 'make refresh'"
		exit 1
	fi
	echo "refresh-check: build/linux matches patches/ and the overlay"
	exit 0
fi

[ "$problems" -eq 0 ] || die "fix the links above first"

# Write patches/: replace the whole set so a reverted edit drops its patch.
mkdir -p "$TOP/patches"
find "$TOP/patches" -name '*.patch' -delete
find "$TOP/patches" -mindepth 1 -type d -empty -delete
cp -r "$tmp/patches/." "$TOP/patches/"
echo "refresh: $(wc -l < "$tmp/modified") upstream file(s) in patches/"

while read -r f; do
	case "$f" in
	*/*) top=${f%%/*};;
	*) top=;;
	esac
	case " $(echo $OVERLAY_DIRS) " in
	*" $top "*) ;;
	*) die "$f: new file outside the overlay directories ($OVERLAY_DIRS)";;
	esac
	mkdir -p "$(dirname "$TOP/$f")"
	mv "$SRC/$f" "$TOP/$f"
	ln -s "$TOP/$f" "$SRC/$f"
	echo "refresh: new file $f moved into the overlay"
done < "$tmp/newfiles"

# Record the refreshed state, so 'make tree' knows nothing is pending.
tree_git add -A -f
tree_git commit -q --allow-empty -m "refresh"
tree_stamp > "$BUILD/tree.stamp"
