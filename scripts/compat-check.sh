#!/bin/sh
# `make compat-check`: builds the kernel modules against the kernels vgpu
# supports besides the pinned one (Documentation/kernels.md):
#   1. every module against the newest bookworm-backports kernel of the
#      series BACKPORTS_KERNEL_SERIES (versions.env), to catch kernel API
#      drift early: it adds bookworm-backports as an apt source if no source
#      names it, and installs that kernel's headers;
#   2. the frontend against Debian 11's kernel (BULLSEYE_KERNEL_ABI), whose
#      headers scripts/debian-kernel.sh fetches into a cache outside the
#      clone through a private apt configuration (the backend needs 6.1 or
#      later and is not built there).
# Needs root the first time (apt). Debian's 5.10 was built with gcc-10,
# which bookworm lacks: its modules are built with the host's gcc (12).
#
# The builds run on a copy of the tree's sources in a temporary directory, so
# the objects in this clone (built against the pinned kernel) stay as they
# are. Exits non-zero if headers cannot be had or a build fails.
#
# Usage: compat-check.sh [SOURCE_TREE]   (default: this clone)
# Environment: VGPU_KEEP_TMP=1 keeps the temporary copy.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/versions.env"
. "$top/scripts/debian-apt.sh"
. "$top/scripts/debian-kernel.sh"
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
	mkdir -p "$tmp/src"
	(cd "$tree" && git ls-files -z -co --exclude-standard |
		xargs -0 tar -cf - --no-recursion --) | tar -C "$tmp/src" -xf -
else
	mkdir -p "$tmp/src"
	tar -C "$tree" -cf - --exclude=.git --exclude=./build --exclude='*.o' \
		--exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='*.cmd' --exclude=modules.order \
		--exclude=Module.symvers . | tar -C "$tmp/src" -xf -
fi

# build NAME KDIR SUBDIR [MAKE_ARGS]: the modules of SUBDIR ('' for all) of
# the copy against KDIR, in a copy of its own.
build() {
	n=$1 k=$2 sub=$3
	shift 3
	b=$tmp/$n
	mkdir -p "$b"
	tar -C "$tmp/src" -cf - . | tar -C "$b" -xf -
	say "building ${sub:-all} module(s) of $tree against $k"
	start=$(date +%s)
	if ! make -C "$k" M="$b${sub:+/$sub}" -j"$(nproc)" "$@" modules; then
		die "build of ${sub:-the modules} against $n failed ($(($(date +%s) - start)) s)"
	fi
	mods=$(find "$b" -name '*.ko' | sort)
	[ -n "$mods" ] || die "the build against $n made no module"
	for m in $mods; do
		say "built ${m#"$b"/} ($(modinfo -F vermagic "$m" | cut -d' ' -f1))"
	done
	say "passed: $(echo "$mods" | grep -c .) module(s) against $n in $(($(date +%s) - start)) s"
}
build "$pkg" "$kdir" ''
dk_headers 5.10
build "linux-headers-$DK_ABI-amd64" "$DK_KDIR" frontend CC=gcc
