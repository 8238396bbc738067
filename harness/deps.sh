#!/bin/bash
# Install what building, booting and measuring need, from Debian's packages.
# The base kernel source is installed at the pinned version in BASE_VERSION
# when the archive has it, otherwise the newest one, with a warning.
set -eu
. "$(dirname "$0")/lib.sh"

PACKAGES="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod rsync ccache git python3 python3-matplotlib qemu-system-x86 busybox-static
	stress-ng"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
have=$(installed_base_version)
if [ -n "$missing" ] || [ "$have" != "$BASE_VERSION" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages:$missing linux-source-6.12; run 'make deps' as root"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	src=linux-source-6.12
	if apt-cache madison linux-source-6.12 | grep -qF "| $BASE_VERSION |"; then
		src="linux-source-6.12=$BASE_VERSION"
	else
		echo "WARNING: linux-source-6.12 $BASE_VERSION is not in the archive;" \
			"installing the newest one" >&2
	fi
	[ "$have" = "$BASE_VERSION" ] && src=
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing $src > "${TMPDIR:-/tmp}/vswap-apt.log" ||
		{ tail -20 "${TMPDIR:-/tmp}/vswap-apt.log"; die "apt-get install failed"; }
fi
echo "deps: all installed; base linux-source-6.12 $(installed_base_version)"
