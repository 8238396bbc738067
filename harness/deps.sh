#!/bin/bash
# Install what building, booting and measuring need, from Debian's packages.
# The base kernel source is installed at the pinned version in BASE_VERSION
# when the archive has it, otherwise the newest one, with a warning.
set -eu
. "$(dirname "$0")/lib.sh"

PACKAGES="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils curl
	ca-certificates
	rsync ccache git python3 python3-matplotlib qemu-system-x86 busybox-static
	stress-ng sparse python3-ply python3-git"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
have=$(installed_base_version)
src=
[ "$have" = "$BASE_VERSION" ] || src="linux-source-6.12=$BASE_VERSION"
if [ -n "$missing$src" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing:$missing $src; run 'make deps' as root"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# grep without -q: its early exit can kill madison with SIGPIPE,
	# which pipefail would read as the version missing
	if [ -n "$src" ] && ! apt-cache madison linux-source-6.12 |
		grep -F "| $BASE_VERSION |" > /dev/null; then
		echo "WARNING: linux-source-6.12 $BASE_VERSION is not in the archive;" \
			"using the newest one" >&2
		src=linux-source-6.12
		[ -n "$have" ] && src=	# keep the one installed
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends --allow-downgrades $missing $src \
		> "${TMPDIR:-/tmp}/vswap-apt.log" 2>&1 ||
		{ tail -20 "${TMPDIR:-/tmp}/vswap-apt.log"; die "apt-get install failed"; }
fi
echo "deps: all installed; base linux-source-6.12 $(installed_base_version)"
