#!/bin/sh
# Prints the path of Debian's linux-source tree, extracted once into a cache
# outside the clone and shared by `make kunit` (UML build) and `make lint`
# (checkpatch.pl). The tree is extracted again only when the tarball changes
# (size, mtime or name differ from the stamp written after the last
# extraction). Concurrent callers serialise on a lock; the tree is unpacked
# into a temporary directory and renamed, so a half-extracted tree is never
# used.
#
# Environment: VGPU_KUNIT_CACHE (default /var/tmp/vgpu-kunit).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/versions.env"

cache=${VGPU_KUNIT_CACHE:-/var/tmp/vgpu-kunit}
tarball=/usr/src/linux-source-$KERNEL_SRC_SERIES.tar.xz
src=$cache/linux-src

if [ ! -r "$tarball" ]; then
	echo "kunit-src: $tarball missing (package linux-source-$KERNEL_SRC_SERIES; run make deps)" >&2
	exit 1
fi
mkdir -p "$cache"
want=$(stat -L -c '%n %s %Y' "$tarball")

# Fast path, no lock: the stamp is written last, after the rename.
if [ -f "$src/.vgpu-stamp" ] && [ "$(cat "$src/.vgpu-stamp")" = "$want" ]; then
	echo "$src"
	exit 0
fi

exec 9>"$cache/.extract.lock"
flock 9
if [ ! -f "$src/.vgpu-stamp" ] || [ "$(cat "$src/.vgpu-stamp")" != "$want" ]; then
	echo "kunit-src: extracting $tarball into $src" >&2
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	# The tarball holds one top directory, linux-source-<series>/.
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	rm -rf "$src.old"
	[ -d "$src" ] && mv "$src" "$src.old"
	mv "$tmp" "$src"
	rm -rf "$src.old"
	# A new source tree invalidates any UML build made from the old one.
	rm -rf "$cache/build"
	echo "$want" >"$src/.vgpu-stamp"
fi
echo "$src"
