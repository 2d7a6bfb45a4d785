# shellcheck shell=sh disable=SC2034
# Host side of the Xen lab: the package cache and the cached base images.
# Sourced by tests/xen/lab.sh (needs TOP, versions.env and
# scripts/debian-kernel.sh loaded).
#
# Caches (all outside the clone):
#   $LAB_CACHE/debs/          .debs from `apt-get download`, named by version
#   $LAB_WORK/cache/KEY/      one extracted package set; KEY hashes the .deb
#                             file names (so the package versions):
#     root/                   every .deb unpacked with dpkg -x, modules depmod'ed
#     xen.elf                 the hypervisor, gunzipped (QEMU -kernel boots it)
#     vmlinux                 uncompressed kernel (Dom0 and every domU but
#                             those on another kernel: lib/kernels.sh)
#     base-BKEY/              BKEY also hashes this file, so editing the image
#       dom0-base.cpio        recipe rebuilds the images and nothing else
#       domU-base.cpio
# Nothing is rebuilt while its inputs are unchanged. Builds run under a lock
# into a temporary directory that is renamed at the end, so a concurrent or
# interrupted run never sees half an artefact.

LAB_CACHE=${LAB_CACHE:-/var/cache/vgpu-lab}
LAB_WORK=${LAB_WORK:-/var/tmp/vgpu-lab}
KABI=$KERNEL_ABI-amd64
# Bump to force a new resolution and extraction when the package list or
# the extraction steps change.
LAB_PREP_REV=3

lab_msg() { echo "lab: $*" >&2; }
lab_die() { echo "lab: ERROR: $*" >&2; exit 2; }

lab_hash() { sha256sum | cut -c1-16; }

# The packages the lab boots: Xen, its tools and their libxen*/yajl runtime
# libraries (resolved from the archive's dependencies), the pinned kernel,
# busybox, SQLite's library for vgpu-admin's database (its libxenstore
# and libxenctrl come with xl's), and HVM guests' device model (QEMU) and
# BIOS (SeaBIOS), staged only for scenarios with HVM guests (lib/kernels.sh).
lab_packages() {
	echo "xen-hypervisor-$XEN_SERIES-amd64 xen-utils-$XEN_SERIES" \
		"xen-utils-common xenstore-utils busybox-static libsqlite3-0" \
		"qemu-system-xen seabios" \
		"linux-image-$KABI=$KERNEL_VERSION"
	apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"xen-utils-$XEN_SERIES" xenstore-utils 2>/dev/null |
		grep -E '^lib(xen|yajl)' | sort -u
}

# Prints the .deb file names (one a line) after making sure each one is in
# $LAB_CACHE/debs. Only missing versions are downloaded.
lab_fetch_debs() {
	d=$LAB_CACHE/debs
	mkdir -p "$d"
	# apt drops privileges to _apt for downloads; let it write here.
	id _apt >/dev/null 2>&1 && chown _apt "$d" 2>/dev/null
	# Resolving the packages costs apt several seconds; skip it while the
	# apt lists and the pinned versions are those of the last resolution.
	rkey=$( (ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null
		echo "$KABI $KERNEL_VERSION $XEN_SERIES $LAB_PREP_REV") | lab_hash)
	if [ -s "$d/debs.list" ] && [ "$(cat "$d/resolve.key" 2>/dev/null)" = "$rkey" ]; then
		ok=1
		for f in $(cat "$d/debs.list"); do [ -s "$d/$f" ] || ok=0; done
		if [ $ok = 1 ]; then
			cat "$d/debs.list"
			return 0
		fi
	fi
	# shellcheck disable=SC2046
	set -- $(lab_packages)
	if ! uris=$(apt-get download --print-uris "$@" 2>&1); then
		if [ -s "$d/debs.list" ]; then
			lab_msg "apt-get cannot resolve the packages; using the cached set" \
				"($(echo "$uris" | tail -1))"
			cat "$d/debs.list"
			return 0
		fi
		lab_die "apt-get download --print-uris failed: $uris"
	fi
	files=$(echo "$uris" | awk '/^'"'"'/ {print $2}' | sort)
	[ -n "$files" ] || lab_die "no package URIs from apt-get: $uris"
	missing=0
	for f in $files; do [ -s "$d/$f" ] || missing=1; done
	if [ $missing = 1 ]; then
		lab_msg "downloading packages into $d"
		(cd "$d" && apt-get download -q "$@" >/dev/null 2>"$d/.apt.err") ||
			lab_die "apt-get download failed: $(cat "$d/.apt.err")"
		for f in $files; do
			[ -s "$d/$f" ] || lab_die "apt-get download did not produce $f"
		done
	fi
	echo "$files" >"$d/debs.list.tmp" && mv "$d/debs.list.tmp" "$d/debs.list"
	echo "$rkey" >"$d/resolve.key"
	echo "$files"
}

# The uncompressed kernel out of a bzImage (scripts/debian-kernel.sh).
lab_extract_vmlinux() { dk_extract_vmlinux "$@"; }

# stage_libs STAGE FILE...: copies the shared libraries FILE needs (ldd) into
# STAGE at the paths the dynamic loader will look for them. Libraries from
# the unpacked packages keep their package path; the rest come from the host
# (the same Debian release as the lab), except CUDA's libcuda and libcudart:
# the guests use the vgpu-guest package's, and a host with a CUDA toolkit
# would otherwise give them NVIDIA's runtime.
stage_libs() {
	st=$1
	shift
	for f in "$@"; do
		LD_LIBRARY_PATH=$LAB_ROOT/usr/lib/x86_64-linux-gnu:$LAB_ROOT/usr/lib/xen-$XEN_SERIES/lib/x86_64-linux-gnu \
			ldd "$f" 2>/dev/null | awk '
			$1 ~ /^libcuda(rt)?\.so/ { next }
			$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// { print $1 }'
	done | sort -u | while read -r lib; do
		dest=${lib#"$LAB_ROOT"}
		case $dest in /*) ;; *) dest=/$dest ;; esac
		[ -e "$st$dest" ] && continue
		mkdir -p "$st${dest%/*}"
		cp -L "$lib" "$st$dest"
	done
}

# stage_busybox STAGE: busybox and its applet links.
stage_busybox() {
	st=$1
	mkdir -p "$st/bin" "$st/sbin" "$st/usr/bin" "$st/usr/sbin"
	cp "$LAB_ROOT/bin/busybox" "$st/bin/busybox"
	"$st/bin/busybox" --list-full | while read -r a; do
		[ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
	done
}

# stage_common STAGE: what both images need besides busybox. The guest image
# stays small (about 5 MB): it is loaded into every guest's memory, next to
# a 58 MB kernel.
stage_common() {
	st=$1
	for d in dev proc sys run tmp root mnt etc lab var/log var/lib \
		var/lock lib64 usr/local/bin usr/local/sbin usr/local/lib; do
		mkdir -p "$st/$d"
	done
	ln -s /run "$st/var/run"
	chmod 1777 "$st/tmp"
	mknod -m 600 "$st/dev/console" c 5 1
	mknod -m 666 "$st/dev/null" c 1 3
	printf '%s\n' /usr/local/lib /lib/x86_64-linux-gnu \
		/usr/lib/x86_64-linux-gnu \
		"/usr/lib/xen-$XEN_SERIES/lib/x86_64-linux-gnu" >"$st/etc/ld.so.conf"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$st/etc/passwd"
	echo 'root:x:0:' >"$st/etc/group"
}

# stage_kmod STAGE: kmod's modprobe (softdeps, .bin indexes, module
# parameters from /etc/modprobe.d) instead of busybox's, and ldconfig (both
# kmod needs libcrypto) for the Dom0, where size does not matter.
stage_kmod() {
	st=$1
	cp /bin/kmod "$st/bin/kmod"
	for l in modprobe insmod rmmod lsmod modinfo depmod; do
		rm -f "$st/sbin/$l" "$st/bin/$l"
		ln -s /bin/kmod "$st/sbin/$l"
	done
	stage_libs "$st" /bin/kmod
	# ldconfig is static; /init runs it so overlay libraries are found.
	cp /sbin/ldconfig "$st/sbin/ldconfig"
}

# stage_xenstore_tools STAGE
stage_xenstore_tools() {
	st=$1
	cp "$LAB_ROOT/usr/bin/xenstore" "$st/usr/bin/xenstore"
	for f in "$LAB_ROOT"/usr/bin/xenstore-*; do
		ln -sf xenstore "$st/usr/bin/${f##*/}"
	done
	stage_libs "$st" "$st/usr/bin/xenstore"
}

lab_cpio() { # DIR OUT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --owner=0:0 --quiet) >"$2.tmp" && mv "$2.tmp" "$2"
}

build_dom0_base() { # OUT
	st=$(mktemp -d "$LAB_WORK/.stage.XXXXXX")
	stage_busybox "$st"
	stage_common "$st"
	stage_kmod "$st"
	xb=/usr/lib/xen-$XEN_SERIES/bin
	mkdir -p "$st$xb" "$st/etc/xen/scripts" "$st/var/lib/xen" \
		"$st/var/lib/xenstored" "$st/var/log/xen"
	for f in "$LAB_ROOT$xb"/*; do
		[ "$(od -An -c -N 4 "$f" | tr -d ' ')" = '177ELF' ] || continue
		cp "$f" "$st$xb/"
	done
	for f in xl xenstored xenconsoled xen-init-dom0 xenconsole xentop \
		lsevtchn xen-detect; do
		[ -e "$st$xb/$f" ] && ln -sf "$xb/$f" "$st/usr/sbin/$f"
	done
	stage_xenstore_tools "$st"
	stage_libs "$st" "$st$xb"/*
	cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$st/lib/x86_64-linux-gnu/"
	# vgpu-admin's database library, from the archive like Xen's: the
	# operator's tool runs in this Dom0 (tests/xen/artefacts).
	cp -L "$LAB_ROOT/usr/lib/x86_64-linux-gnu/libsqlite3.so.0" \
		"$st/usr/lib/x86_64-linux-gnu/" || lab_die "no libsqlite3.so.0 in the packages"
	: >"$st/etc/xen/xl.conf"
	cp "$LAB_VMLINUX" "$st/lab/vmlinux"
	ldconfig -r "$st"
	lab_cpio "$st" "$1"
	rm -rf "$st"
}

build_domU_base() { # OUT
	st=$(mktemp -d "$LAB_WORK/.stage.XXXXXX")
	stage_busybox "$st"
	stage_common "$st"
	stage_xenstore_tools "$st"
	ldconfig -r "$st"
	lab_cpio "$st" "$1"
	rm -rf "$st"
}

# lab_prepare: sets LAB_ROOT LAB_XEN LAB_VMLINUX LAB_DOM0_BASE LAB_DOMU_BASE.
lab_prepare() {
	mkdir -p "$LAB_WORK/cache"
	exec 8>"$LAB_WORK/.prepare.lock"
	flock 8
	debs=$(lab_fetch_debs) || exit 2
	key=$( (echo "rev $LAB_PREP_REV"; echo "$debs") | lab_hash)
	c=$LAB_WORK/cache/$key
	if [ ! -f "$c/.done" ]; then
		lab_msg "unpacking $(echo "$debs" | wc -l) packages into $c"
		rm -rf "$c.tmp"
		mkdir -p "$c.tmp/root"
		for f in $debs; do
			dpkg -x "$LAB_CACHE/debs/$f" "$c.tmp/root" ||
				lab_die "dpkg -x $f failed"
		done
		depmod -b "$c.tmp/root" "$KABI" ||
			lab_die "depmod of the unpacked kernel failed"
		zcat "$c.tmp/root/boot/xen-$XEN_SERIES-amd64.gz" >"$c.tmp/xen.elf" ||
			lab_die "no Xen hypervisor in the packages"
		lab_extract_vmlinux "$c.tmp/root/boot/vmlinuz-$KABI" "$c.tmp/vmlinux"
		echo "$debs" >"$c.tmp/debs.list"
		: >"$c.tmp/.done"
		rm -rf "$c"
		mv "$c.tmp" "$c"
		# Older package sets are dead weight (hundreds of MB each).
		for o in "$LAB_WORK"/cache/*; do
			[ "$o" = "$c" ] || rm -rf "$o"
		done
	fi
	LAB_ROOT=$c/root
	LAB_XEN=$c/xen.elf
	LAB_VMLINUX=$c/vmlinux
	bkey=$(cat "$LAB_DIR/lib/prepare.sh" /bin/kmod /sbin/ldconfig \
		/lib/x86_64-linux-gnu/libc.so.6 | lab_hash)
	b=$c/base-$bkey
	if [ ! -f "$b/.done" ]; then
		lab_msg "building base images in $b"
		rm -rf "$b.tmp"
		mkdir -p "$b.tmp"
		build_dom0_base "$b.tmp/dom0-base.cpio"
		build_domU_base "$b.tmp/domU-base.cpio"
		: >"$b.tmp/.done"
		for o in "$c"/base-*; do [ "$o" = "$b.tmp" ] || rm -rf "$o"; done
		mv "$b.tmp" "$b"
	fi
	LAB_DOM0_BASE=$b/dom0-base.cpio
	LAB_DOMU_BASE=$b/domU-base.cpio
	flock -u 8
}
