# shellcheck shell=sh
# Host side of the Xen lab: the per-run part of the images. Sourced by
# tests/xen/lab.sh after lib/prepare.sh.
#
# Each boot gets two small cpio archives that the kernel unpacks over the
# cached base images (an initramfs may be several concatenated archives):
#   domU.cpio = domU-base.cpio + overlay: /init, the lab library, the
#               scenario, kernel modules (+ ours) depmod'ed, guest programs
#   dom0.cpio = dom0-base.cpio + overlay: the same for Dom0, plus domU.cpio,
#               the block hotplug script and our Dom0 artefacts
# Only the overlays are built per run (well under a second).
#
# Our artefacts come from the Debian packages in build/deb (make deb) when
# they are there and not older than the build (lab_read_packages): Dom0
# gets vgpu-host's files, guests vgpu-guest's and libvgpu1's, at the paths
# the packages install them, and the modules are built by DKMS from the
# -dkms packages, installed to updates/dkms/ as their postinst would. So a
# packaging mistake fails the lab. Otherwise they come from the build tree.

# Kernel modules every Dom0 / every guest gets (with their dependencies);
# scenario.conf adds more with LAB_DOM0_MODULES_EXTRA / LAB_DOMU_MODULES_EXTRA.
LAB_DOM0_MODULES="xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc
xen-blkback xen-blkfront loop null_blk"
LAB_DOMU_MODULES="xen-blkfront xen-evtchn xen-gntdev xen-gntalloc xenfs
xen-privcmd"

# lab_module_closure NAME...: paths (relative to lib/modules/KABI) of the
# modules and everything they depend on; built-in modules need no file.
lab_module_closure() {
	md=$LAB_ROOT/lib/modules/$KABI
	awk -v want="$*" '
	function norm(p, n) {
		n = p; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
		gsub(/-/, "_", n); return n
	}
	FILENAME ~ /modules\.builtin$/ { builtin[norm($0)] = 1; next }
	{ split($0, f, ":"); path[norm(f[1])] = f[1]; deps[f[1]] = f[2] }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (m in builtin) continue
			if (!(m in path)) {
				print "lab: no kernel module " w[i] > "/dev/stderr"
				bad = 1; continue
			}
			q[++qn] = path[m]
		}
		while (qi < qn) {
			p = q[++qi]
			if (p in seen) continue
			seen[p] = 1; print p
			k = split(deps[p], d, " ")
			for (j = 1; j <= k; j++) q[++qn] = d[j]
		}
		exit bad
	}' "$md/modules.builtin" "$md/modules.dep"
}

# stage_modules STAGE "NAMES" KO...: kernel modules NAMES (+ deps) and our
# KO files (in extra/, or updates/dkms/ where DKMS built them from the
# packages), depmod'ed so that modprobe by name or modalias works.
stage_modules() {
	st=$1 names=$2
	shift 2
	md=$LAB_ROOT/lib/modules/$KABI
	smd=$st/lib/modules/$KABI
	mkdir -p "$smd/extra" "$smd/updates/dkms"
	for ko in "$@"; do
		kdir=extra
		[ -n "$ART_PKG_DIR" ] && case $ko in "$ART_PKG_DIR"/*) kdir=updates/dkms ;; esac
		# The kernel modules ours need (modpost's record of their symbols).
		names="$names $(modinfo -F depends "$ko" | tr , ' ')"
		# Without debug info (a tenth of the size): the initramfs sits
		# in guest memory twice while it unpacks, and a PV guest's
		# 128 MiB also hold a 59 MiB kernel image.
		strip --strip-debug -o "$smd/$kdir/${ko##*/}" "$ko"
	done
	# shellcheck disable=SC2086
	paths=$(lab_module_closure $names) || return 1
	for p in $paths; do
		mkdir -p "$smd/${p%/*}"
		cp "$md/$p" "$smd/$p"
	done
	cp "$md/modules.order" "$md/modules.builtin" \
		"$md/modules.builtin.modinfo" "$smd/"
	depmod -b "$st" "$KABI" || return 1
}

# lab_pkg_file NAME: where the unpacked packages hold artefact NAME (printed;
# the file may be missing, which is then a packaging mistake), or nothing
# for an artefact no package provides (the rogue module: test code).
lab_pkg_file() {
	case $1 in
	vgpu-worker | vgpu-admin | vgpu-exporter) echo "$ART_PKG_DOM0/usr/sbin/$1" ;;
	vgpu-client) echo "$ART_PKG_DOMU/usr/bin/$1" ;;
	vgpu-back.ko | vgpu-front.ko) echo "$ART_PKG_DIR/modules/$KABI/updates/dkms/$1" ;;
	esac
}

# lab_dkms_build SRCROOT NAME VERSION: DKMS add, build and install of module
# NAME from SRCROOT/usr/src/NAME-VERSION against the lab's kernel headers,
# into $ART_PKG_DIR (scratch DKMS and module trees, no depmod).
lab_dkms_build() {
	dk="dkms -m $2 -v $3 --sourcetree $1/usr/src --dkmstree $ART_PKG_DIR/dkms"
	mkdir -p "$ART_PKG_DIR/dkms" "$ART_PKG_DIR/modules/$KABI"
	$dk add && $dk build -k "$KABI" --kernelsourcedir "$LAB_KHEADERS" &&
		$dk install -k "$KABI" --kernelsourcedir "$LAB_KHEADERS" \
			--installtree "$ART_PKG_DIR/modules" --no-depmod
}

# lab_read_packages: decides where our artefacts come from (LAB_FROM_PACKAGES:
# auto, the default, uses build/deb when its packages are at least as new as
# the build's programs and modules; yes requires them; no never uses them).
# From packages it unpacks them (once per set of packages, into
# $LAB_WORK/pkg/HASH) and DKMS-builds the modules; sets ART_PKG_DIR,
# ART_PKG_DOM0 and ART_PKG_DOMU (the trees copied into the images), empty
# when the build tree's artefacts are used. 0, or 1 on a failure.
LAB_DEB_DIR=${LAB_DEB_DIR:-$TOP/build/deb}
LAB_KHEADERS=${LAB_KHEADERS:-/usr/src/linux-headers-$KABI}
lab_read_packages() {
	ART_PKG_DIR='' ART_PKG_DOM0='' ART_PKG_DOMU=''
	mode=${LAB_FROM_PACKAGES:-auto}
	[ "$mode" = no ] && return 0
	changes=$(ls "$LAB_DEB_DIR"/vgpu_*.changes 2>/dev/null | head -n 1)
	if [ -z "$changes" ]; then
		[ "$mode" = yes ] && { lab_msg "no packages in $LAB_DEB_DIR (make deb)"; return 1; }
		lab_msg "no packages in $LAB_DEB_DIR: our artefacts come from the build tree"
		return 0
	fi
	# Packages older than the build would test old code.
	newer=$(find "$TOP/build/dom0-worker/vgpu-worker" "$TOP/build/tools/vgpu-admin" \
		"$TOP/build/tools/vgpu-client" "$TOP/backend/vgpu-back.ko" \
		"$TOP/frontend/vgpu-front.ko" -newer "$changes" 2>/dev/null | head -n 1)
	if [ -n "$newer" ] && [ "$mode" = auto ]; then
		lab_msg "WARNING: $newer is newer than the packages in $LAB_DEB_DIR: our artefacts come from the build tree (make deb to test the packages)"
		return 0
	fi
	debs=
	for p in vgpu-host vgpu-guest libvgpu1 vgpu-back-dkms vgpu-front-dkms; do
		d=$(ls "$LAB_DEB_DIR/${p}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$d" ] || { lab_msg "package $p missing in $LAB_DEB_DIR (make deb)"; return 1; }
		debs="$debs $p=$d"
	done
	# shellcheck disable=SC2086
	key=$(for pd in $debs; do sha256sum "${pd#*=}"; done | lab_hash)
	ART_PKG_DIR=$LAB_WORK/pkg/$key
	ART_PKG_DOM0=$ART_PKG_DIR/dom0 ART_PKG_DOMU=$ART_PKG_DIR/domU
	if [ ! -f "$ART_PKG_DIR/done" ]; then
		rm -rf "$LAB_WORK/pkg"
		mkdir -p "$ART_PKG_DIR"
		for pd in $debs; do
			case ${pd%%=*} in
			vgpu-host) dest=$ART_PKG_DOM0 ;;
			vgpu-guest | libvgpu1) dest=$ART_PKG_DOMU ;;
			*) dest=$ART_PKG_DIR/src ;;
			esac
			dpkg-deb -x "${pd#*=}" "$dest" || return 1
		done
		# Manual pages and docs stay out of the images.
		rm -rf "$ART_PKG_DOM0/usr/share/doc" "$ART_PKG_DOM0/usr/share/man" \
			"$ART_PKG_DOMU/usr/share/doc" "$ART_PKG_DOMU/usr/share/man"
		for m in vgpu-back vgpu-front; do
			src=$(ls -d "$ART_PKG_DIR/src/usr/src/$m"-* 2>/dev/null | head -n 1)
			[ -n "$src" ] || { lab_msg "no /usr/src/$m-VERSION in $m-dkms"; return 1; }
			lab_dkms_build "$ART_PKG_DIR/src" "$m" "${src##*/"$m"-}" \
				>"$ART_PKG_DIR/dkms-$m.log" 2>&1 || {
				tail -n 20 "$ART_PKG_DIR/dkms-$m.log" >&2
				lab_msg "DKMS could not build $m from $m-dkms"
				return 1
			}
		done
		touch "$ART_PKG_DIR/done"
	fi
	lab_msg "our artefacts come from the packages in $LAB_DEB_DIR (modules built by DKMS)"
}

# lab_read_artefacts: sets ART_DOM0_KO ART_DOM0_BIN ART_DOMU_KO ART_DOMU_BIN
# (absolute paths; programs as NAME@PATH) and ART_FOUND/ART_MISSING (names)
# from tests/xen/artefacts, or from the packages for what they provide
# (lab_read_packages); programs from the packages are ART_DOM0_PKGBIN and
# ART_DOMU_PKGBIN instead (already in the package trees).
lab_read_artefacts() {
	ART_DOM0_KO='' ART_DOM0_BIN='' ART_DOMU_KO='' ART_DOMU_BIN=''
	ART_DOM0_PKGBIN='' ART_DOMU_PKGBIN=''
	ART_FOUND='' ART_MISSING=
	lab_read_packages || lab_die "the lab cannot install from the packages"
	while read -r side name cands; do
		case $side in '' | '#'*) continue ;; esac
		hit=
		pkgf=
		[ -n "$ART_PKG_DIR" ] && pkgf=$(lab_pkg_file "$name")
		if [ -n "$pkgf" ]; then
			[ -f "$pkgf" ] && hit=$pkgf
			[ -z "$hit" ] && lab_msg "WARNING: the packages lack $name (${pkgf#"$ART_PKG_DIR"/})"
		else
			for c in $cands; do
				[ -f "$TOP/$c" ] && { hit=$TOP/$c; break; }
			done
		fi
		if [ -z "$hit" ]; then
			ART_MISSING="$ART_MISSING $name"
			continue
		fi
		ART_FOUND="$ART_FOUND $name"
		case $name in
		*.ko)
			vm=$(modinfo -F vermagic "$hit" 2>/dev/null | cut -d' ' -f1)
			[ "$vm" = "$KABI" ] ||
				lab_msg "WARNING: $hit is built for '$vm', the lab boots $KABI (insmod will fail)"
			;;
		esac
		case $side:$name:$pkgf in
		dom0:*.ko:* | both:*.ko:*) ART_DOM0_KO="$ART_DOM0_KO $hit" ;;
		dom0:*:?* | both:*:?*) ART_DOM0_PKGBIN="$ART_DOM0_PKGBIN $hit" ;;
		dom0:* | both:*) ART_DOM0_BIN="$ART_DOM0_BIN $name@$hit" ;;
		esac
		case $side:$name:$pkgf in
		domU:*.ko:* | both:*.ko:*) ART_DOMU_KO="$ART_DOMU_KO $hit" ;;
		domU:*:?* | both:*:?*) ART_DOMU_PKGBIN="$ART_DOMU_PKGBIN $hit" ;;
		domU:* | both:*) ART_DOMU_BIN="$ART_DOMU_BIN $name@$hit" ;;
		esac
	done <"$LAB_DIR/artefacts"
}

# stage_files STAGE "SRC[:DEST] ...": extra files from scenario.conf (SRC
# relative to the repository root; DEST defaults to /usr/local/bin/NAME for
# executables, else /lab/files/NAME).
stage_files() {
	st=$1
	for spec in $2; do
		src=${spec%%:*}
		dest=${spec#*:}
		[ "$dest" = "$spec" ] && dest=
		case $src in /*) ;; *) src=$TOP/$src ;; esac
		[ -e "$src" ] || { lab_msg "scenario file $src missing"; return 1; }
		if [ -z "$dest" ]; then
			if [ -x "$src" ] && [ -f "$src" ]; then dest=/usr/local/bin/${src##*/}; else dest=/lab/files/${src##*/}; fi
		fi
		mkdir -p "$st${dest%/*}"
		cp -a "$src" "$st$dest"
		[ -f "$src" ] && [ -x "$src" ] && stage_libs "$st" "$src"
	done
	return 0
}

stage_bins() { # STAGE [NAME@]FILE...
	st=$1
	shift
	mkdir -p "$st/usr/local/bin"
	for b in "$@"; do
		n=${b%%@*}
		[ "$n" = "$b" ] && n=${b##*/}
		b=${b#*@}
		strip --strip-debug -o "$st/usr/local/bin/$n" "$b"
		stage_libs "$st" "$b"
	done
}

# stage_package STAGE TREE PROGRAM...: the unpacked packages' files (TREE;
# none when empty) at their paths, with the shared libraries the PROGRAMs
# need.
stage_package() {
	st=$1 tree=$2
	shift 2
	[ -n "$tree" ] || return 0
	cp -a "$tree/." "$st/" || return 1
	[ $# -eq 0 ] || stage_libs "$st" "$@"
}

# lab_write_env FILE: the variables /init and the scenario scripts see.
lab_write_env() {
	{
		for v in LAB_SCENARIO LAB_TIMEOUT LAB_GUEST_TIMEOUT LAB_CREATE_TIMEOUT \
			LAB_FINISH_TIMEOUT LAB_GUEST_MEMORY LAB_PVH_MEMORY LAB_GUEST_LOGLEVEL \
			LAB_GUEST_KARGS LAB_ARTEFACTS LAB_NCPUS; do
			val=''
			eval "val=\${$v:-}"
			printf "%s='%s'\n" "$v" "$(printf %s "$val" | sed "s/'/'\\\\''/g")"
		done
		for kv in $LAB_USER_ENV; do
			printf "%s='%s'\n" "${kv%%=*}" "$(printf %s "${kv#*=}" | sed "s/'/'\\\\''/g")"
		done
	} >"$1"
}

# stage_domu STAGE SCENARIO_DIR [KO...]: a guest's overlay in STAGE (made
# anew): its /init, the lab's scripts and environment, the scenario, the
# guest package's files, the kernel modules of LAB_ROOT for KABI with the
# KOs, the lab's guest programs ($guestbins), ours and the scenario's files.
stage_domu() {
	st=$1 sd=$2
	shift 2
	rm -rf "$st"
	mkdir -p "$st/lab"
	cp "$LAB_DIR/rootfs/domU-init" "$st/init"
	cp "$LAB_DIR/rootfs/lab-common.sh" "$LAB_DIR/rootfs/lab-domU.sh" "$st/lab/"
	lab_write_env "$st/lab/env"
	cp -a "$sd" "$st/lab/scenario"
	# shellcheck disable=SC2086
	stage_package "$st" "$ART_PKG_DOMU" $ART_DOMU_PKGBIN || return 1
	# shellcheck disable=SC2086
	stage_modules "$st" "$LAB_DOMU_MODULES ${LAB_DOMU_MODULES_EXTRA:-}" "$@" ||
		return 1
	# shellcheck disable=SC2086
	stage_bins "$st" $guestbins $ART_DOMU_BIN
	stage_files "$st" "${LAB_DOMU_FILES:-}"
}

# build_overlays SCENARIO_DIR OUT: writes OUT/domU.cpio and OUT/dom0.cpio.
build_overlays() {
	sdir=$1 out=$2
	guestbins=
	for b in "$LAB_GUEST_BIN"/*; do [ -f "$b" ] && [ -x "$b" ] && guestbins="$guestbins $b"; done

	# -- guest
	st=$out/stage-domU
	# shellcheck disable=SC2086
	stage_domu "$st" "$sdir" $ART_DOMU_KO || return 1
	lab_cpio "$st" "$out/domU-overlay.cpio"
	cat "$LAB_DOMU_BASE" "$out/domU-overlay.cpio" >"$out/domU.cpio"

	# -- Dom0
	st=$out/stage-dom0
	rm -rf "$st"
	mkdir -p "$st/lab" "$st/etc/xen/scripts"
	cp "$LAB_DIR/rootfs/dom0-init" "$st/init"
	cp "$LAB_DIR/rootfs/lab-common.sh" "$LAB_DIR/rootfs/lab-dom0.sh" "$st/lab/"
	cp "$LAB_DIR/rootfs/block" "$st/etc/xen/scripts/block"
	lab_write_env "$st/lab/env"
	cp -a "$sdir" "$st/lab/scenario"
	mv "$out/domU.cpio" "$st/lab/domU.cpio"
	# shellcheck disable=SC2086
	stage_package "$st" "$ART_PKG_DOM0" $ART_DOM0_PKGBIN || return 1
	# shellcheck disable=SC2086
	stage_modules "$st" "$LAB_DOM0_MODULES ${LAB_DOM0_MODULES_EXTRA:-}" $ART_DOM0_KO ||
		return 1
	# shellcheck disable=SC2086
	stage_bins "$st" $guestbins $ART_DOM0_BIN
	stage_files "$st" "${LAB_DOM0_FILES:-}" || return 1
	lab_cpio "$st" "$out/dom0-overlay.cpio"
	cat "$LAB_DOM0_BASE" "$out/dom0-overlay.cpio" >"$out/dom0.cpio"
	rm -rf "$out/stage-domU" "$out/stage-dom0" "$out/domU-overlay.cpio" \
		"$out/dom0-overlay.cpio"
}
