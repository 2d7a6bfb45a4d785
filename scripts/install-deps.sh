#!/bin/sh
# Installs every host package the build, the tests and the Xen lab need.
# Idempotent and quiet when everything is already there, so every make
# target that needs it can call it. Needs root on a Debian 12 machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/versions.env"

pkgs="build-essential bc bison flex libelf-dev libssl-dev python3 cpio xz-utils
zstd kmod qemu-system-x86 busybox-static libcmocka-dev libsqlite3-dev
sqlite3 libxen-dev pkg-config cppcheck valgrind clang-14 libclang-rt-14-dev
linux-headers-$KERNEL_ABI-amd64 linux-source-$KERNEL_SRC_SERIES
dkms dh-dkms debhelper lintian fakeroot
python3-prometheus-client"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
