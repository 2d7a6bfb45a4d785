#!/bin/sh
# `make compat-check`: builds the kernel modules against the newest
# bookworm-backports kernel of the series BACKPORTS_KERNEL_SERIES
# (versions.env) to catch kernel API drift early. Needs root the first time:
# it adds bookworm-backports as an apt source if no source names it, and
# installs that kernel's headers.
#
# The build runs on a copy of the tree's sources in a temporary directory, so
# the objects in this clone (built against the pinned kernel) stay as they
# are. Exits non-zero if the headers cannot be had or the build fails.
#
# Usage: compat-check.sh [SOURCE_TREE]   (default: this clone)
# Environment: VGPU_KEEP_TMP=1 keeps the temporary copy.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/versions.env"
tree=$(cd "${1:-$top}" && pwd)
series=$BACKPORTS_KERNEL_SERIES
suite=bookworm-backports
srcfile=/etc/apt/sources.list.d/vgpu-bookworm-backports.sources

say() { echo "compat-check: $*"; }
die() {
	say "$*" >&2
	say "failed"
	exit 1
}

as_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root"
}

apt_update() {
	as_root "apt-get update"
	say "apt-get update"
	apt-get update -qq || die "apt-get update failed"
}

# 1. An apt source for bookworm-backports, unless one exists already.
if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
	as_root "adding $suite to apt"
	# The Debian mirror the machine already uses, if it says.
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\/\{0,1\}\)$/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	uri=${uri:-http://deb.debian.org/debian}
	say "adding $suite from $uri in $srcfile"
	cat >"$srcfile" <<EOF
Types: deb
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt_update
fi

# 2. The current backports ABI, from the linux-headers-amd64 metapackage.
resolve() {
	ver=$(apt-cache madison linux-headers-amd64 2>/dev/null |
		awk -F'|' -v s="$suite" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$ver" ] || return 1
	apt-cache show "linux-headers-amd64=$ver" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-amd64\).*/\1/p' | head -n 1
}
pkg=$(resolve) || pkg=""
if [ -z "$pkg" ]; then
	apt_update
	pkg=$(resolve) || pkg=""
fi
[ -n "$pkg" ] || die "no linux-headers-amd64 in $suite"
case $pkg in
linux-headers-$series.*) ;;
*) die "$suite's linux-headers-amd64 is $pkg, not series $series (update BACKPORTS_KERNEL_SERIES in versions.env)" ;;
esac
kdir=/usr/src/$pkg

# 3. Its headers, installed once.
installed() {
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'
}
if ! installed; then
	as_root "installing $pkg"
	say "installing $pkg from $suite"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq --no-install-recommends -t "$suite" "$pkg" >/dev/null; then
		# The lists may be older than the archive.
		apt_update
		apt-get install -y -qq --no-install-recommends -t "$suite" "$pkg" >/dev/null ||
			die "cannot install $pkg"
	fi
fi
[ -f "$kdir/Makefile" ] || die "$kdir has no Makefile"

# 4. Build a copy of the sources against them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-compat.XXXXXX")
if [ "${VGPU_KEEP_TMP:-0}" != 1 ]; then
	trap 'rm -rf "$tmp"' EXIT
fi
if git -C "$tree" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files and new ones not ignored: sources, never build output.
	(cd "$tree" && git ls-files -z -co --exclude-standard |
		xargs -0 tar -cf - --no-recursion --) | tar -C "$tmp" -xf -
else
	tar -C "$tree" -cf - --exclude=.git --exclude=./build --exclude='*.o' \
		--exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='*.cmd' --exclude=modules.order \
		--exclude=Module.symvers . | tar -C "$tmp" -xf -
fi

say "building the modules of $tree against $kdir in $tmp"
start=$(date +%s)
if ! make -C "$tmp" modules KDIR="$kdir" -j"$(nproc)"; then
	die "build against $pkg failed ($(($(date +%s) - start)) s)"
fi
mods=$(find "$tmp" -name '*.ko' | sort)
[ -n "$mods" ] || die "the build made no module"
for m in $mods; do
	say "built ${m#"$tmp"/} ($(modinfo -F vermagic "$m" | cut -d' ' -f1))"
done
say "passed: $(echo "$mods" | grep -c .) module(s) against $pkg in $(($(date +%s) - start)) s"
