#!/bin/bash
# Build the test kernel of the patched tree or of the pristine base, with
# the fragments each one takes, and print the object directory.
#
# Usage: harness/test-kernel.sh [patched|novswap|kasan|base] [SRCDIR]
#   patched  the patched tree with CONFIG_VIRTUAL_SWAP=y
#   novswap  the patched tree with CONFIG_VIRTUAL_SWAP=n
#   kasan    the patched tree with CONFIG_VIRTUAL_SWAP=y and generic KASAN
# (the patched tree's three with its batched compression: compress.config)
#   base     the pristine base
# SRCDIR builds another tree with the same fragments (the series applied
# elsewhere: 'make series-am'); objects go to SRCDIR/../obj/<name>.
set -eu
. "$(dirname "$0")/lib.sh"

frags=("$TOP/configs/base.config" "$TOP/configs/test.config")
obj=test
case "${1:-patched}" in
patched) src=$SRC
	frags+=("$TOP/configs/vswap.config" "$TOP/configs/compress.config");;
novswap) src=$SRC obj=test-novswap
	frags+=("$TOP/configs/novswap.config" "$TOP/configs/compress.config");;
kasan) src=$SRC obj=test-kasan
	frags+=("$TOP/configs/vswap.config" "$TOP/configs/compress.config"
		"$TOP/configs/kasan.config");;
base) src=$BASE_SRC;;
*) die "usage: $0 [patched|novswap|kasan|base]";;
esac
src=${2:-$src}
obj=$(dirname "$src")/obj/$obj
"$TOP/harness/build-kernel.sh" "$src" "$obj" "${frags[@]}" >&2
echo "$obj"
