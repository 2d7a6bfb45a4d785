#!/bin/sh
# `make install-check` and check.sh's install layer: installs vgpu the
# ways an operator would and checks the result (Documentation/install.md,
# testing.md). Steps, each passed or failed:
#   layout    make install (Debian layout, into a DESTDIR) puts every file
#             where expected, and nothing else
#   libvgpu   libvgpu.so.1: soname, exports vgpu_* only; a program built
#             with `pkg-config libvgpu` against the staged tree links and runs
#   man       every installed program has a manual page; each renders
#             without a warning
#   systemd   `systemd-analyze verify` of the installed units says nothing
#   udev      `udevadm verify` accepts the rules; /dev/vgpuN is group vgpu
#             0660, /dev/vgpu-back root 0600; the drivers' default mode is
#             0600 (never world-accessible without the rules)
#   journal   the installed worker prefixes its lines with syslog priorities
#             when stderr is the journal, and only then
#   dkms-back, dkms-front
#             dkms add, build and install of the staged module sources
#             against the pinned kernel headers (versions.env), into a
#             scratch DKMS tree and module tree; after depmod the module's
#             Xen alias resolves to it (autoload)
#   deb       make deb: the packages build, lintian reports nothing but the
#             tags tests/install/lintian-allowed explains, each package has
#             its files, and the -dkms packages hold the staged sources
# The last line is "install: N passed, N failed"; exits non-zero if any
# failed. Usage: run.sh [STEP...] (default: all). Needs root for nothing;
# the dkms steps need dkms and the kernel headers, deb needs debhelper,
# dh-dkms and lintian (scripts/install-deps.sh installs them).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/install
. "$top/versions.env"
make="${MAKE:-make} -s --no-print-directory -C $top"
steps=${*:-layout libvgpu man systemd udev journal dkms-back dkms-front deb}
kver=$KERNEL_ABI-amd64
ksrc=${VGPU_KSRC:-/usr/src/linux-headers-$kver}
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
version=$($make print-VGPU_VERSION)

w=$top/build/install-check
rm -rf "$w"
mkdir -p "$w"
log=$w/run.log
passed=0
failed=0

say() { echo "install: $*"; }
# fail MESSAGE: the step's reason, printed; the step then returns 1.
fail() { say "  $*"; return 1; }

# The Debian packages' layout, so that the packages and this check agree.
stage=$w/stage
stage_vars="DESTDIR=$stage PREFIX=/usr LIBDIR=/usr/lib/$ma \
UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d"
# shellcheck disable=SC2086
if ! $make install $stage_vars >"$log" 2>&1; then
	tail -n 20 "$log"
	say "make install failed (log: $log)"
fi

step_layout() {
	(cd "$stage" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) \
		>"$w/layout.got"
	# vgpu-cuda-exec, its page, libcuda.so.1 and libcudart.so.13 exist
	# only where CUDA's cuda.h is.
	sed -e "s|@MA@|$ma|g" -e "s|@V@|$version|g" "$here/layout" |
		grep -v '^#' | {
		if [ -f "$stage/usr/sbin/vgpu-cuda-exec" ]; then cat; else
			grep -v -e vgpu-cuda-exec -e /vgpu/libcuda; fi
	} | LC_ALL=C sort >"$w/layout.want"
	# The module sources: every file git has in backend/ or frontend/ and
	# include/ (nothing a build generated there).
	(cd "$top" && for m in back front; do
		d=$([ $m = back ] && echo backend || echo frontend)
		git ls-files "$d" include | sed "s|^|usr/src/vgpu-$m-$version/|"
	done) | LC_ALL=C sort >"$w/layout.src"
	LC_ALL=C sort -m "$w/layout.want" "$w/layout.src" >"$w/layout.all"
	if ! diff -u "$w/layout.all" "$w/layout.got" >"$w/layout.diff"; then
		sed -n '3,40p' "$w/layout.diff"
		fail "installed files differ from tests/install/layout (- missing, + extra)"
	fi
}

step_libvgpu() {
	so=$stage/usr/lib/$ma/libvgpu.so.1
	soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	[ "$soname" = libvgpu.so.1 ] || fail "soname '$soname', want libvgpu.so.1" || return 1
	other=$(nm -D --defined-only "$so" | awk '$2 != "A" && $3 !~ /^vgpu_/')
	[ -z "$other" ] || fail "exports beyond vgpu_*: $other" || return 1
	cat >"$w/use.c" <<-'EOF'
	#include <errno.h>
	#include <stdio.h>
	#include <libvgpu.h>
	int main(void)
	{
		int fd = vgpu_open(0); /* VGPU_DEV_DIR: an empty directory */
		printf("%d %s\n", fd == -ENOENT, vgpu_strerror(fd));
		return fd == -ENOENT ? 0 : 1;
	}
	EOF
	# The .pc file's paths, seen from the staged root.
	pc="env PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR=$stage/usr/lib/$ma/pkgconfig pkg-config"
	flags=$($pc --cflags --libs libvgpu) || fail "pkg-config libvgpu failed" || return 1
	# shellcheck disable=SC2086
	${CC:-cc} -std=c11 -Wall -Werror -o "$w/use" "$w/use.c" $flags ||
		fail "cannot build a program with: $flags" || return 1
	readelf -d "$w/use" | grep -q 'NEEDED.*libvgpu.so.1' ||
		fail "the program does not link libvgpu.so.1" || return 1
	mkdir -p "$w/nodev"
	out=$(VGPU_DEV_DIR=$w/nodev LD_LIBRARY_PATH=$stage/usr/lib/$ma "$w/use") ||
		fail "the program failed: $out" || return 1
}

step_man() {
	rc=0
	for p in "$stage"/usr/bin/* "$stage"/usr/sbin/*; do
		n=${p##*/}
		found=$(ls "$stage"/usr/share/man/man[18]/"$n".[18] 2>/dev/null | head -n 1)
		[ -n "$found" ] || { fail "$n has no manual page"; rc=1; }
	done
	for page in "$stage"/usr/share/man/man*/*; do
		warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l \
			-Tutf8 -Z "$page" 2>&1 >/dev/null)
		[ -z "$warn" ] || { fail "${page##*/}: $warn"; rc=1; }
	done
	return $rc
}

step_systemd() {
	# Installed with real paths (PREFIX) so that verify finds the programs
	# and, through MANPATH, the pages the units' Documentation= names.
	sys=$w/sys
	$make install-host PREFIX="$sys/usr" UNITDIR="$sys/units" \
		SYSCONFDIR="$sys/etc" UDEVRULESDIR="$sys/udev" >>"$log" 2>&1 ||
		fail "make install-host PREFIX=$sys/usr failed" || return 1
	out=$(MANPATH=$sys/usr/share/man systemd-analyze verify \
		"$sys"/units/*.service 2>&1)
	rc=$?
	echo "$out" >"$w/systemd-verify.txt"
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		fail "systemd-analyze verify (exit $rc): $out"
	fi
}

step_udev() {
	rules=$stage/lib/udev/rules.d
	# Names (the group vgpu) are the packages' business, not this host's.
	out=$(udevadm verify --resolve-names=never "$rules"/*.rules 2>&1) ||
		fail "udevadm verify: $out" || return 1
	grep -Eq '^KERNEL=="vgpu\[0-9\]\*", SUBSYSTEM=="misc", GROUP="vgpu", MODE="0660"$' \
		"$rules/60-vgpu.rules" || fail "60-vgpu.rules: no vgpuN group vgpu 0660" || return 1
	grep -Eq '^KERNEL=="vgpu-back", SUBSYSTEM=="misc", OWNER="root", GROUP="root", MODE="0600"$' \
		"$rules/60-vgpu-back.rules" || fail "60-vgpu-back.rules: not root 0600" || return 1
	# Without the rules (no udev, or before it runs) the nodes stay root's.
	for f in frontend/vgpu_front_dev.c backend/vgpu_back_dev.c; do
		modes=$(grep -Eo 'mode = 0[0-7]+' "$top/$f" | sort -u)
		[ "$modes" = "mode = 0600" ] || fail "$f: device mode '$modes', want 0600" || return 1
	done
}

step_journal() {
	worker=$stage/usr/sbin/vgpu-worker
	# A device that does not exist: the worker logs an error and exits 1.
	err=$w/journal.err
	(
		exec 2>"$err"
		JOURNAL_STREAM=$(stat -c '%d:%i' "$err") exec "$worker" \
			--executor cpu --control-socket '' --device "$w/no-such-device"
	)
	grep -q '^<3>.* error: .*no-such-device' "$err" ||
		fail "no <3> error line on the journal: $(head -n 3 "$err")" || return 1
	if grep -qv '^<[0-7]>' "$err"; then
		fail "a line without a priority: $(grep -v '^<[0-7]>' "$err" | head -n 1)"
		return 1
	fi
	"$worker" --executor cpu --control-socket '' \
		--device "$w/no-such-device" 2>"$w/plain.err"
	if grep -q '^<' "$w/plain.err"; then
		fail "priority prefixes on a plain stderr: $(head -n 1 "$w/plain.err")"
		return 1
	fi
}

# step_dkms back|front ALIAS
step_dkms() {
	m=vgpu-$1 alias=$2
	d=$w/dkms-$1
	mods=$d/root/lib/modules
	[ -f "$ksrc/Makefile" ] || fail "no kernel headers in $ksrc" || return 1
	mkdir -p "$d/tree" "$mods/$kver"
	# What depmod reads besides the modules (none built in, here).
	touch "$mods/$kver/modules.order" "$mods/$kver/modules.builtin" \
		"$mods/$kver/modules.builtin.modinfo"
	dk="dkms -m $m -v $version --sourcetree $stage/usr/src --dkmstree $d/tree"
	{
		$dk add &&
			$dk build -k "$kver" --kernelsourcedir "$ksrc" &&
			$dk install -k "$kver" --kernelsourcedir "$ksrc" \
				--installtree "$mods" --no-depmod
	} >"$d/dkms.log" 2>&1 || {
		tail -n 15 "$d/dkms.log"
		tail -n 15 "$d/tree/$m/$version/build/make.log" 2>/dev/null
		fail "dkms add/build/install of $m failed (log: $d/dkms.log)"
		return 1
	}
	ko=$(find "$mods/$kver" -name "$m.ko*" | head -n 1)
	[ -n "$ko" ] || fail "dkms installed no $m.ko under $mods/$kver" || return 1
	vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$vm" = "$kver" ] || fail "$m.ko built for '$vm', want $kver" || return 1
	depmod -b "$d/root" "$kver" || fail "depmod failed" || return 1
	# What a uevent's MODALIAS makes udev run: modprobe ALIAS.
	dep=$(modprobe -d "$d/root" -S "$kver" --show-depends "$alias" 2>&1)
	case $dep in
	*"insmod $ko"*) ;;
	*) fail "modprobe $alias does not load $ko: $dep"; return 1 ;;
	esac
}

# deb_has PACKAGE PATH...: the package holds each PATH (dpkg -c).
deb_has() {
	pkg=$1
	shift
	deb=$(ls "$top"/build/deb/"${pkg}"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || fail "no package $pkg" || return 1
	dpkg-deb -c "$deb" | awk '{ print $6 }' >"$w/$pkg.list"
	for p in "$@"; do
		grep -qxF "./$p" "$w/$pkg.list" || fail "$pkg lacks $p" || return 1
	done
}

step_deb() {
	$make deb >"$w/deb.log" 2>&1 || {
		tail -n 20 "$w/deb.log"
		fail "make deb failed (log: $w/deb.log)"
		return 1
	}
	lintian --pedantic -I -E "$top"/build/deb/vgpu_*.changes 2>&1 |
		grep -E '^[EWIPX]: ' >"$w/lintian.txt"
	grep -v '^#' "$here/lintian-allowed" | awk 'NF { print $1 }' >"$w/lintian.allowed"
	bad=$(awk 'NR == FNR { ok[$0] = 1; next } { split($0, f, " ") }
		!(f[3] in ok)' "$w/lintian.allowed" "$w/lintian.txt")
	[ -z "$bad" ] || fail "lintian: $bad" || return 1
	deb_has vgpu-host usr/sbin/vgpu-worker usr/sbin/vgpu-admin \
		lib/systemd/system/vgpu-worker.service \
		lib/systemd/system/vgpu-admin-watch.service \
		lib/udev/rules.d/60-vgpu-back.rules etc/modprobe.d/vgpu-back.conf \
		usr/share/man/man8/vgpu-worker.8.gz usr/share/man/man8/vgpu-admin.8.gz &&
		deb_has vgpu-guest usr/bin/vgpu-client lib/udev/rules.d/60-vgpu.rules \
			etc/modprobe.d/vgpu-front.conf usr/share/man/man1/vgpu-client.1.gz &&
		deb_has libvgpu1 "usr/lib/$ma/libvgpu.so.1" &&
		deb_has libvgpu-dev "usr/lib/$ma/libvgpu.so" "usr/lib/$ma/libvgpu.a" \
			"usr/lib/$ma/pkgconfig/libvgpu.pc" usr/include/vgpu/libvgpu.h \
			usr/include/vgpu/uapi/linux/vgpu.h usr/share/man/man3/libvgpu.3.gz ||
		return 1
	for m in back front; do
		x=$w/deb-$m
		mkdir -p "$x"
		dpkg-deb -x "$top"/build/deb/vgpu-${m}-dkms_*.deb "$x" &&
			diff -r "$stage/usr/src/vgpu-$m-$version" "$x/usr/src/vgpu-$m-$version" ||
			fail "vgpu-$m-dkms's sources differ from make install-dkms-src's" ||
			return 1
	done
}

for s in $steps; do
	say "--- $s"
	case $s in
	layout | libvgpu | man | systemd | udev | journal | deb) "step_$s" ;;
	dkms-back) step_dkms back xen-backend:vgpu ;;
	dkms-front) step_dkms front xen:vgpu ;;
	*) fail "unknown step $s" ;;
	esac
	if [ $? -eq 0 ]; then
		say "PASS $s"
		passed=$((passed + 1))
	else
		say "FAIL $s"
		failed=$((failed + 1))
	fi
done
echo "install: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
