#!/bin/bash
# Build the test kernel of the patched tree or of the pristine base, with
# the fragments each one takes, and print the object directory.
#
# Usage: harness/test-kernel.sh [patched|base]
set -eu
. "$(dirname "$0")/lib.sh"

frags=("$TOP/configs/base.config" "$TOP/configs/test.config")
case "${1:-patched}" in
patched) src=$SRC frags+=("$TOP/configs/vswap.config");;
base) src=$BASE_SRC;;
*) die "usage: $0 [patched|base]";;
esac
obj=$(dirname "$src")/obj/test
"$TOP/harness/build-kernel.sh" "$src" "$obj" "${frags[@]}" >&2
echo "$obj"
