# shellcheck shell=sh
# Host side of the Xen lab: guests on a kernel other than the pinned one,
# and HVM guests' device model. Sourced by tests/xen/lab.sh after
# lib/overlay.sh (needs TOP, LAB_WORK, versions.env and
# scripts/debian-kernel.sh loaded).
#
# A guest whose guests-file line has kernel=NAME (5.10 or 6.12, see
# scripts/debian-kernel.sh) boots Debian's kernel NAME: its vmlinux and an
# image of its own, domU-NAME.cpio (the guest base image + an overlay like
# domU.cpio's, with that kernel's modules and a vgpu-front.ko built for it),
# reach Dom0 as /lab/vmlinux-NAME and /lab/domU-NAME.cpio in one more cpio
# archive appended to dom0.cpio. lab-dom0.sh boots the guest with them.
#
# A scenario with a guest of type hvm gets, in the same appended archive,
# what `xl create` needs for it: QEMU's Xen device model
# (/usr/libexec/xen-qemu-system-i386, from qemu-system-xen, with its shared
# libraries), hvmloader, SeaBIOS, the option ROM QEMU boots a kernel with
# and its keymap (from the host's qemu-system-data), and the pinned
# kernel's bzImage as /lab/vmlinuz (QEMU loads a bzImage, not a vmlinux).
# Other scenarios' Dom0 images stay without them (about 30 MB).
#
# Caches, outside the clone: the kernels in scripts/debian-kernel.sh's
# cache; the frontend built for each in $LAB_WORK/guest-kmod/ABI-KEY/, KEY
# hashing the frontend's sources, so it is rebuilt only when they change.

LAB_GUEST_KERNELS_OK="5.10 6.12"

# lab_scenario_kernels SCENARIO_DIR: the kernel=NAME values of its guests
# file, each once.
lab_scenario_kernels() {
	sed -n 's/^[^#]*[[:space:]]kernel=\([^[:space:]]*\).*/\1/p' "$1/guests" | sort -u
}

# lab_guest_frontend NAME: sets LAB_KMOD_FRONT, vgpu-front.ko built for the
# kernel NAME (dk_headers), from a copy of the frontend's sources.
lab_guest_frontend() {
	dk_headers "$1" || return 1
	srckey=$( (cd "$TOP" && cat Kbuild frontend/Kbuild frontend/*.[ch] include/vgpu/*.h;
		echo "$DK_ABI $DK_VERSION") | lab_hash)
	k=$LAB_WORK/guest-kmod/$DK_ABI-$srckey
	LAB_KMOD_FRONT=$k/vgpu-front.ko
	[ -f "$LAB_KMOD_FRONT" ] && return 0
	lab_msg "building vgpu-front.ko for $DK_ABI-amd64"
	rm -rf "$k.tmp"
	mkdir -p "$k.tmp/src"
	(cd "$TOP" && tar -cf - frontend include) | tar -C "$k.tmp/src" -xf -
	# Debian built 5.10 with gcc-10, which bookworm lacks: the host's gcc.
	if ! make -C "$DK_KDIR" M="$k.tmp/src/frontend" CC=gcc -j"$(nproc)" \
		modules >"$k.tmp/build.log" 2>&1; then
		tail -n 20 "$k.tmp/build.log" >&2
		lab_msg "building vgpu-front.ko for $DK_ABI-amd64 failed"
		return 1
	fi
	cp "$k.tmp/src/frontend/vgpu-front.ko" "$k.tmp/vgpu-front.ko"
	rm -rf "$k.tmp/src"
	for o in "$LAB_WORK/guest-kmod/$DK_ABI"-*; do [ "$o" = "$k.tmp" ] || rm -rf "$o"; done
	mv "$k.tmp" "$k"
}

# lab_prepare_kernels SCENARIO_DIR: fetches and unpacks every kernel its
# guests name and builds the frontend for each (all cached).
lab_prepare_kernels() {
	for kn in $(lab_scenario_kernels "$1"); do
		case " $LAB_GUEST_KERNELS_OK " in
		*" $kn "*) ;;
		*)
			lab_msg "guests: kernel=$kn: the lab has the kernels $LAB_GUEST_KERNELS_OK"
			return 1
			;;
		esac
		(dk_image "$kn") || return 1
		(lab_guest_frontend "$kn") || return 1
	done
}

# lab_scenario_hvm SCENARIO_DIR: 0 if a guest of its guests file is hvm.
lab_scenario_hvm() {
	awk '$1 !~ /^#/ && $2 == "hvm" { f = 1 } END { exit !f }' "$1/guests"
}

# stage_hvm STAGE: the device model and firmware of HVM guests.
stage_hvm() {
	st=$1
	dm=/usr/libexec/xen-qemu-system-i386
	hl=/usr/lib/xen-$XEN_SERIES/boot/hvmloader
	for f in "$dm" "$hl" /usr/share/seabios/bios-256k.bin "/boot/vmlinuz-$KABI"; do
		[ -f "$LAB_ROOT$f" ] || { lab_msg "no $f in the lab's packages"; return 1; }
	done
	for f in /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin \
		/usr/share/qemu/keymaps/en-us; do
		[ -f "$f" ] || { lab_msg "no $f on the host (qemu-system-data: make deps)"; return 1; }
	done
	mkdir -p "$st${dm%/*}" "$st${hl%/*}" "$st/usr/share/seabios" \
		"$st/usr/share/qemu/keymaps" "$st/lab"
	cp "$LAB_ROOT$dm" "$st$dm"
	stage_libs "$st" "$LAB_ROOT$dm"
	cp "$LAB_ROOT$hl" "$st$hl"
	cp "$LAB_ROOT/usr/share/seabios/bios-256k.bin" "$st/usr/share/seabios/"
	cp /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin "$st/usr/share/qemu/"
	cp /usr/share/qemu/keymaps/en-us "$st/usr/share/qemu/keymaps/"
	cp "$LAB_ROOT/boot/vmlinuz-$KABI" "$st/lab/vmlinuz"
}

# build_kernel_overlays SCENARIO_DIR OUT: appends to OUT/dom0.cpio
# /lab/vmlinux-NAME and /lab/domU-NAME.cpio for every kernel NAME its guests
# name, and stage_hvm's files if it has an HVM guest.
build_kernel_overlays() {
	sdir=$1 out=$2
	kns=$(lab_scenario_kernels "$sdir")
	hvm=0
	lab_scenario_hvm "$sdir" && hvm=1
	[ -n "$kns" ] || [ $hvm = 1 ] || return 0
	# stage_domu reads guestbins.
	guestbins=
	for b in "$LAB_GUEST_BIN"/*; do [ -f "$b" ] && [ -x "$b" ] && guestbins="$guestbins $b"; done
	d0=$out/stage-kernels
	rm -rf "$d0"
	mkdir -p "$d0/lab"
	for kn in $kns; do
		(
			dk_image "$kn" && lab_guest_frontend "$kn" || exit 1
			# overlay.sh's staging, with this kernel's tree.
			# shellcheck disable=SC2034 # read by stage_modules
			LAB_ROOT=$DK_ROOT KABI=$DK_ABI-amd64
			st=$out/stage-domU-$kn
			# The guest package's DKMS module is for the pinned kernel,
			# not this one: the frontend is this kernel's own build.
			stage_domu "$st" "$sdir" "$LAB_KMOD_FRONT" || exit 1
			lab_cpio "$st" "$out/domU-$kn-overlay.cpio"
			cat "$LAB_DOMU_BASE" "$out/domU-$kn-overlay.cpio" >"$d0/lab/domU-$kn.cpio"
			cp "$DK_VMLINUX" "$d0/lab/vmlinux-$kn"
			rm -rf "$st" "$out/domU-$kn-overlay.cpio"
		) || return 1
	done
	if [ $hvm = 1 ]; then
		stage_hvm "$d0" || return 1
	fi
	lab_cpio "$d0" "$out/kernels.cpio"
	cat "$out/kernels.cpio" >>"$out/dom0.cpio"
	rm -rf "$d0" "$out/kernels.cpio"
}
