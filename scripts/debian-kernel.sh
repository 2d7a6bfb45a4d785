# shellcheck shell=sh
# Debian kernels other than the pinned one, for `make compat-check` and the
# Xen lab's guests: their .debs fetched with apt through a private apt
# configuration (its own sources, lists and cache, so the host's apt sources
# stay as they are), unpacked once, all outside the clone. Sourced by
# scripts/compat-check.sh and tests/xen/lib/prepare.sh (needs versions.env
# and scripts/debian-apt.sh, the private apt configuration, loaded). Needs
# root the first time (apt-get update and download).
#
# Cache ($VGPU_KERNEL_CACHE, default /var/cache/vgpu-kernels):
#   apt/                     sources.list, lists/, apt's own cache
#   debs/                    the .debs, named by version
#   ABI-amd64/headers/       linux-headers-* and linux-kbuild-* unpacked;
#                            kdir is the tree to build modules against
#   ABI-amd64/image/         linux-image-* unpacked, modules uncompressed
#                            and depmod'ed; vmlinux beside it
# Each step writes into a temporary directory renamed at the end, so an
# interrupted run never leaves half a tree.

VGPU_KERNEL_CACHE=${VGPU_KERNEL_CACHE:-/var/cache/vgpu-kernels}

dk_msg() { echo "debian-kernel: $*" >&2; }
dk_die() {
	dk_msg "ERROR: $*"
	exit 2
}

# dk_kernel NAME: sets DK_ABI DK_VERSION DK_KBUILD for a kernel versions.env
# names (5.10: bullseye's, 6.12: bookworm-backports'; the pinned 6.1 is the
# host's, from make deps).
dk_kernel() {
	case $1 in
	5.10)
		DK_ABI=$BULLSEYE_KERNEL_ABI DK_VERSION=$BULLSEYE_KERNEL_VERSION
		DK_KBUILD=linux-kbuild-5.10
		;;
	6.12)
		DK_ABI=$BACKPORTS_KERNEL_ABI DK_VERSION=$BACKPORTS_KERNEL_VERSION
		DK_KBUILD=linux-kbuild-$BACKPORTS_KERNEL_ABI
		;;
	*) dk_die "no kernel '$1' in versions.env (5.10 or 6.12)" ;;
	esac
}

dk__apt() { # apt-get|apt-cache ARGS...
	debian_apt "$VGPU_KERNEL_CACHE/apt" "$@"
}

# The suites the kernels below come from.
dk__update() {
	[ "$(id -u)" = 0 ] || dk_die "apt-get update of $VGPU_KERNEL_CACHE/apt needs root"
	a=$VGPU_KERNEL_CACHE/apt
	k=$DEBIAN_APT_KEYRING
	dk_msg "apt-get update ($a)"
	debian_apt_update "$a" <<EOF ||
deb [signed-by=$k] $VGPU_DEBIAN_MIRROR bullseye main
deb [signed-by=$k] $VGPU_DEBIAN_SECURITY bullseye-security main
deb [signed-by=$k] $VGPU_DEBIAN_MIRROR bookworm-backports main
EOF
		dk_die "apt-get update failed: $(tail -n 3 "$a/update.log")"
}

# dk__deb PKG=VERSION: the cached .deb of that version, if any (apt names
# it PKG_VERSION_ARCH.deb, with the epoch's colon as %3a).
dk__deb() {
	find "$VGPU_KERNEL_CACHE/debs" -maxdepth 1 \
		-name "${1%%=*}_$(echo "${1#*=}" | sed 's/:/%3a/')_*.deb" | head -n 1
}

# dk_fetch PKG=VERSION...: prints the .deb paths (one a line), downloading
# those not in the cache yet.
dk_fetch() {
	d=$VGPU_KERNEL_CACHE/debs
	mkdir -p "$d"
	id _apt >/dev/null 2>&1 && chown _apt "$d" 2>/dev/null
	need=
	for pv in "$@"; do
		f=$(dk__deb "$pv")
		if [ -n "$f" ]; then echo "$f"; else need="$need $pv"; fi
	done
	[ -z "$need" ] && return 0
	[ -s "$VGPU_KERNEL_CACHE/apt/sources.list" ] || dk__update
	# shellcheck disable=SC2086
	if ! (cd "$d" && dk__apt apt-get download -q $need >"$d/.apt.log" 2>&1); then
		# The lists may be older than the archive (or predate a pin).
		dk__update
		# shellcheck disable=SC2086
		(cd "$d" && dk__apt apt-get download -q $need >"$d/.apt.log" 2>&1) ||
			dk_die "apt-get download$need failed: $(tail -n 3 "$d/.apt.log")"
	fi
	for pv in $need; do
		f=$(dk__deb "$pv")
		[ -n "$f" ] || dk_die "apt-get download did not produce ${pv%%=*} ${pv#*=}"
		echo "$f"
	done
}

# dk_headers NAME: sets DK_KDIR, a tree to build modules against (make -C
# DK_KDIR M=... CC=gcc), unpacked from the kernel's headers packages.
dk_headers() {
	dk_kernel "$1"
	h=$VGPU_KERNEL_CACHE/$DK_ABI-amd64/headers
	DK_KDIR=$h/usr/src/linux-headers-$DK_ABI-amd64
	[ -f "$h/.done" ] && return 0
	debs=$(dk_fetch "linux-headers-$DK_ABI-amd64=$DK_VERSION" \
		"linux-headers-$DK_ABI-common=$DK_VERSION" "$DK_KBUILD=$DK_VERSION") || exit 2
	dk_msg "unpacking the headers of $DK_ABI into $h"
	rm -rf "$h.tmp"
	mkdir -p "$h.tmp"
	for f in $debs; do dpkg -x "$f" "$h.tmp" || dk_die "dpkg -x $f failed"; done
	# Its Makefile includes the -common tree by its installed path.
	sed -i "s|/usr/src/|$h/usr/src/|" "$h.tmp/usr/src/linux-headers-$DK_ABI-amd64/Makefile"
	: >"$h.tmp/.done"
	rm -rf "$h"
	mv "$h.tmp" "$h"
	[ -f "$DK_KDIR/Makefile" ] || dk_die "$DK_KDIR has no Makefile"
}

# dk_image NAME: sets DK_ROOT (linux-image-* unpacked: lib/modules/ABI-amd64
# with every module uncompressed, for busybox's modprobe, and depmod'ed)
# and DK_VMLINUX (the uncompressed kernel, which Xen boots as PV or PVH).
dk_image() {
	dk_kernel "$1"
	i=$VGPU_KERNEL_CACHE/$DK_ABI-amd64/image
	# shellcheck disable=SC2034 # for the caller
	DK_ROOT=$i/root DK_VMLINUX=$i/vmlinux
	[ -f "$i/.done" ] && return 0
	deb=$(dk_fetch "linux-image-$DK_ABI-amd64=$DK_VERSION") || exit 2
	dk_msg "unpacking linux-image-$DK_ABI-amd64 into $i"
	rm -rf "$i.tmp"
	mkdir -p "$i.tmp/root"
	dpkg -x "$deb" "$i.tmp/root" || dk_die "dpkg -x $deb failed"
	find "$i.tmp/root/lib/modules" -name '*.ko.xz' -exec xz -d {} + ||
		dk_die "cannot uncompress the modules"
	find "$i.tmp/root/lib/modules" -name '*.ko.zst' -exec zstd -qd --rm {} + ||
		dk_die "cannot uncompress the modules"
	depmod -b "$i.tmp/root" "$DK_ABI-amd64" || dk_die "depmod $DK_ABI-amd64 failed"
	dk_extract_vmlinux "$i.tmp/root/boot/vmlinuz-$DK_ABI-amd64" "$i.tmp/vmlinux"
	: >"$i.tmp/.done"
	rm -rf "$i"
	mv "$i.tmp" "$i"
}

# dk_extract_vmlinux BZIMAGE OUT: the kernel's scripts/extract-vmlinux,
# specialised with the bzImage setup header: the compressed payload sits at
# (setup_sects + 1) * 512 + payload_offset and is payload_length long.
dk_extract_vmlinux() {
	bz=$1 out=$2
	rd() { od -An -t "u$2" -j "$1" -N "$2" "$bz" | tr -d ' '; }
	ss=$(rd 497 1)
	[ "$ss" = 0 ] && ss=4
	po=$(rd 584 4)
	pl=$(rd 588 4)
	start=$(((ss + 1) * 512 + po))
	magic=$(od -An -t x1 -j "$start" -N 6 "$bz" | tr -d ' ')
	case $magic in
	fd377a585a00) dec="xz -dc --single-stream" ;;
	1f8b*) dec="gzip -dc" ;;
	28b52ffd*) dec="zstd -dcq" ;;
	*) dk_die "$bz: unknown kernel payload compression (magic $magic)" ;;
	esac
	tail -c +$((start + 1)) "$bz" | head -c "$pl" | $dec >"$out" 2>/dev/null || true
	[ "$(od -An -c -N 4 "$out" | tr -d ' ')" = '177ELF' ] ||
		dk_die "could not extract an ELF vmlinux from $bz"
}
