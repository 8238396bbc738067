#!/bin/bash
# 'make series-check': the series is bisectable and adds no sparse warning.
#
# Every prefix of the series (branch 'series', which 'make series' writes) is
# checked out in its own work tree and built in three configurations,
# incrementally, with ccache:
#   on       the test kernel's configuration: virtual swap, the offload device,
#            kcompressd and the KUnit suites (configs/base, test, vswap, compress)
#   off      the same without them (configs/base, test, novswap)
#   novswap  make check's CONFIG_VIRTUAL_SWAP=n kernel: off, but with the
#            offload device, kcompressd and the KUnit suites
# A build that fails, or a compiler warning in a file the series touches,
# fails its prefix.
# Options a prefix does not define yet are left out of its fragments. Then
# sparse (make C=2) runs on the series' C files at the last prefix and on the
# same files in the base, and any warning the base does not have fails,
# but for those series/sparse-allow names with their reasons.
#
# SERIES_FROM=K starts at patch K (the earlier prefixes were checked before);
# SERIES_CONFIGS='on off' builds only those of the three configurations.
# Prints TAP; the last line is 'N passed, N failed'.
set -u
. "$(dirname "$0")/lib.sh"
ccache_env

sb=$BUILD/series-b		# same depth as build/linux, so ccache shares
wt=$sb/linux			# objects with the test kernels
logs=$sb/logs
mkdir -p "$logs" "$sb/frags"

python3 "$TOP/harness/series.py" export >/dev/null || die "make series failed"
mapfile -t commits < <(tree_git rev-list --reverse base..series)
[ ${#commits[@]} -gt 0 ] || die "branch 'series' is empty"
if [ ! -d "$wt" ]; then
	tree_git worktree prune
	tree_git worktree add -q --detach "$wt" "${commits[0]}" ||
		die "cannot make the work tree $wt"
fi

from=${SERIES_FROM:-1}
[[ "$from" =~ ^[0-9]+$ ]] && [ "$from" -ge 1 ] && [ "$from" -le ${#commits[@]} ] ||
	die "SERIES_FROM=$from: want 1 to ${#commits[@]}"
read -r -a configs <<< "${SERIES_CONFIGS:-on off novswap}"
for cfg in "${configs[@]}"; do
	case $cfg in on|off|novswap) ;; *) die "SERIES_CONFIGS: unknown $cfg";; esac
done
total=$(( (${#commits[@]} - from + 1) * ${#configs[@]} + 1 ))
echo "TAP version 13"
echo "1..$total"
n=0 pass=0 fail=0
result() {	# result OK NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2"
	fi
}

# The fragments less the options the tree does not define (yet).
fragments() {	# fragments TREE NAME FRAGMENT...: prints the filtered file
	local tree=$1 out=$sb/frags/$2.config
	shift 2
	git -C "$tree" grep -h -o -E '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' \
		-- '*Kconfig*' | awk '{ print "CONFIG_" $2 }' | sort -u > "$out.defined" ||
		die "cannot list the Kconfig symbols of $tree"
	awk 'FNR == NR { have[$0] = 1; next }
		/^CONFIG_/ { s = $0; sub(/=.*/, "", s); if (!(s in have)) next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { if (!($2 in have)) next }
		{ print }' "$out.defined" "$@" > "$out" || die "cannot filter $*"
	grep -q '^CONFIG_SWAP=y' "$out" || die "$out lost CONFIG_SWAP=y"
	echo "$out"
}

frag_on=("$TOP/configs/base.config" "$TOP/configs/test.config"
	"$TOP/configs/vswap.config" "$TOP/configs/compress.config")
frag_off=("$TOP/configs/base.config" "$TOP/configs/test.config"
	"$TOP/configs/novswap.config")
frag_novswap=("$TOP/configs/base.config" "$TOP/configs/test.config"
	"$TOP/configs/novswap.config" "$TOP/configs/compress.config")
# Files the series touches: a compiler warning in one of them fails the
# prefix that brings it (only what changed is rebuilt, so each shows once).
touched=$(tree_git diff --name-only base series | sed 's/[.^$*[]/\\&/g' |
	paste -sd'|')
for ((k = from; k <= ${#commits[@]}; k++)); do
	c=${commits[k - 1]}
	subject=$(tree_git log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c" || die "checkout of patch $k failed"
	for cfg in "${configs[@]}"; do
		declare -n frags=frag_$cfg
		f=$(fragments "$wt" "$cfg" "${frags[@]}") || exit 1
		start=$(date +%s)
		"$TOP/harness/build-kernel.sh" "$wt" "$sb/obj/$cfg" "$f" \
			> "$logs/$k-$cfg.log" 2>&1
		rc=$?
		echo "# patch $k ($subject), options $cfg: $(( $(date +%s) - start )) s"
		[ $rc = 0 ] || sed 's/^/# /' "$logs/$k-$cfg.log" | grep -v '^# >>>' | tail -n 30
		if grep -E -A3 "(^|/)($touched):[0-9]+:[0-9]+: (warning|error):" \
			"$logs/$k-$cfg.log" | sed 's/^/# /' | grep .; then
			rc=1
		fi
		result $rc "build_${k}_$cfg"
	done
done

# sparse on the series' C files, against the same files in the base.
sparse_warnings() {	# sparse_warnings SRCDIR OBJDIR OUT OBJS...: 'file: message' lines
	local src=$1 obj=$2 out=$3
	shift 3
	make -s -C "$src" O="$obj" CC="ccache gcc" -j"$(nproc)" C=2 "$@" > "$out.log" 2>&1 ||
		{ sed 's/^/# /' "$out.log" | tail -n 20; die "sparse run in $obj failed"; }
	# paths relative to the tree, so that the two trees' lines compare
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out.log" |
		sed -E "s|^$src/||; s/^([^:]+):[0-9]+:[0-9]+: /\\1: /" | sort > "$out"
}
git -C "$wt" checkout -q --detach "${commits[-1]}"
objs=$(tree_git diff --name-only base series -- '*.c' |
	grep -E '^(mm|crypto|drivers|kernel|lib)/' | sed 's/\.c$/.o/' |
	while read -r o; do [ -f "$sb/obj/on/$o" ] && echo "$o"; done)
[ -n "$objs" ] || die "no object of the series' C files was built"
# The base with the same fragments, less what it does not define.
[[ " ${configs[*]} " == *" on "* ]] || {
	n=$((n + 1)); pass=$((pass + 1))
	echo "ok $n sparse_no_new_warnings # SKIP needs the 'on' builds"
	echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit
}
f=$(fragments "$BASE_SRC" base "${frag_on[@]}") || exit 1
"$TOP/harness/build-kernel.sh" "$BASE_SRC" "$sb/obj/base" "$f" > "$logs/base.log" 2>&1 ||
	{ sed 's/^/# /' "$logs/base.log" | tail -n 20; die "the base does not build"; }
bobjs=$(for o in $objs; do [ -f "$sb/obj/base/$o" ] && echo "$o"; done)
# shellcheck disable=SC2086
sparse_warnings "$wt" "$sb/obj/on" "$logs/sparse-series.txt" $objs
# shellcheck disable=SC2086
sparse_warnings "$BASE_SRC" "$sb/obj/base" "$logs/sparse-base.txt" $bobjs
# The warnings series/sparse-allow names, each with its reason, are kept.
allow=$TOP/series/sparse-allow
sed -e '/^#/d' -e '/^[[:space:]]*$/d' -e 's/ -- .*//' "$allow" | sort \
	> "$logs/sparse-allowed.txt" || die "cannot read $allow"
new=$(comm -23 "$logs/sparse-series.txt" "$logs/sparse-base.txt" |
	comm -23 - "$logs/sparse-allowed.txt")
gone=$(comm -13 "$logs/sparse-series.txt" "$logs/sparse-allowed.txt")
echo "# sparse on $(echo $objs | wc -w) objects: $(wc -l < "$logs/sparse-series.txt") warnings, $(wc -l < "$logs/sparse-base.txt") in the base, $(wc -l < "$logs/sparse-allowed.txt") allowed by series/sparse-allow"
[ -z "$new" ] || echo "$new" | sed 's/^/# new: /'
[ -z "$gone" ] || echo "$gone" | sed 's/^/# allowed but no longer seen: /'
[ -z "$new" ] && [ -z "$gone" ]
result $? sparse_no_new_warnings

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
