#!/bin/sh
# Builds Debian's QEMU with the vgpu-stub device added: qemu-system-x86_64
# and the device's qtest program, nothing else. Documentation/qemu-stub.md.
#
#   qemu-vgpu-stub/build.sh            build if needed; prints the output
#                                      directory on the last line
#   qemu-vgpu-stub/build.sh --is-warm  exit 0 if the output for the current
#                                      sources is cached, 1 if not (no work)
#   qemu-vgpu-stub/build.sh --print-dir  the output directory (no work)
#
# Cache ($VGPU_STUB_CACHE, default /var/cache/vgpu-stub), outside the clone:
#   apt/                  a private apt configuration (its own sources.list
#                         with deb-src lines, lists and cache) so the host's
#                         apt sources stay as they are (scripts/debian-apt.sh)
#   dl/                   the Debian source package (.dsc, orig, debian)
#   tree/VERSION/         the unpacked source with Debian's patches and the
#                         stub's files added; build/ in it is the meson/ninja
#                         build, rebuilt incrementally when the stub changes
#   VERSION-HASH/         the outputs for one QEMU version and one hash of
#                         the stub's sources: bin/qemu-system-x86_64,
#                         bin/vgpu-stub-test, build.log, build.time
# A cache hit is one directory test; a stub edit costs an incremental ninja
# run; only a new QEMU version (or an empty cache) configures and builds
# QEMU from scratch. Outputs are written to a temporary directory renamed at
# the end, under a lock, so a concurrent or interrupted run never sees half
# of one. Needs root the first time (packages, apt-get update).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# debian_apt, debian_apt_update, VGPU_DEBIAN_MIRROR and _SECURITY.
. "$top/scripts/debian-apt.sh"
cache=${VGPU_STUB_CACHE:-/var/cache/vgpu-stub}
# The Debian source package: bookworm's QEMU (what the host runs).
src_pkg=qemu
src_version=${VGPU_STUB_QEMU_VERSION:-1:7.2+dfsg-7+deb12u18}
jobs=${VGPU_STUB_JOBS:-2}
build_deps="meson ninja-build dpkg-dev python3 pkg-config libglib2.0-dev
libpixman-1-dev libfdt-dev zlib1g-dev qemu-system-x86 seabios"

msg() { echo "qemu-vgpu-stub: $*" >&2; }
die() {
	msg "ERROR: $*"
	exit 2
}

# What goes into QEMU from this tree; the hash covers these files and this
# script (which holds the configure options and the meson/Kconfig lines).
stub_files="qemu-vgpu-stub/vgpu-stub.c qemu-vgpu-stub/vgpu-stub.mak
qemu-vgpu-stub/build.sh tests/qemu-stub/vgpu-stub-test.c"
# shellcheck disable=SC2086 # one argument per file
stub_hash=$(cd "$top" && cat $stub_files | sha256sum | cut -c1-16)
# The upstream version inside the Debian one: 1:7.2+dfsg-7+deb12u18 -> the
# directory name keeps the whole Debian version (its patches matter).
qver=$(echo "$src_version" | sed 's/^[0-9]*://; s/+dfsg//')
out=$cache/$qver-$stub_hash

case ${1:-} in
--print-dir)
	echo "$out"
	exit 0
	;;
--is-warm)
	[ -f "$out/.done" ]
	exit $?
	;;
"") ;;
*) die "unknown argument '$1' (none, --is-warm or --print-dir)" ;;
esac

if [ -f "$out/.done" ]; then
	msg "cache hit: $out"
	echo "$out"
	exit 0
fi

[ "$(id -u)" = 0 ] || [ -w "$cache" ] || die "$cache is not writable (run as root once)"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Another run may have finished it while this one waited for the lock.
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
t_start=$(date +%s)

need_pkgs() {
	missing=""
	for p in $build_deps; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root)"
	msg "installing$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
}

# Prints the .dsc path, downloading the source package the first time.
fetch_source() {
	d=$cache/dl
	dsc=$d/${src_pkg}_$(echo "$src_version" | sed 's/^[0-9]*://').dsc
	if [ -s "$dsc" ]; then
		echo "$dsc"
		return 0
	fi
	a=$cache/apt
	k=$DEBIAN_APT_KEYRING
	mkdir -p "$d"
	# apt drops privileges to _apt for downloads.
	id _apt >/dev/null 2>&1 && chown -R _apt "$d"
	msg "apt-get update ($a)"
	debian_apt_update "$a" <<EOF ||
deb-src [signed-by=$k] $VGPU_DEBIAN_MIRROR bookworm main
deb-src [signed-by=$k] $VGPU_DEBIAN_MIRROR bookworm-updates main
deb-src [signed-by=$k] $VGPU_DEBIAN_SECURITY bookworm-security main
EOF
		die "apt-get update failed: $(tail -n 3 "$a/update.log")"
	msg "apt-get source $src_pkg=$src_version"
	(cd "$d" && debian_apt "$a" apt-get source --download-only -q \
		"$src_pkg=$src_version") >"$d/source.log" 2>&1 ||
		die "apt-get source failed: $(tail -n 3 "$d/source.log")"
	[ -s "$dsc" ] || die "apt-get source did not produce $dsc"
	echo "$dsc"
}

# Appends LINE to FILE unless it is there already.
add_line() {
	grep -qxF "$2" "$1" || printf '%s\n' "$2" >>"$1"
}

# Copies SRC to DST only when they differ, so ninja sees no change otherwise.
install_if_changed() {
	cmp -s "$1" "$2" || cp "$1" "$2"
}

need_pkgs
tree=$cache/tree/$qver
if [ ! -f "$tree/.unpacked" ]; then
	dsc=$(fetch_source)
	msg "unpacking $(basename "$dsc") into $tree (Debian's patches applied)"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$cache/tree"
	nice dpkg-source -x "$dsc" "$tree.tmp" >"$cache/tree/unpack.log" 2>&1 ||
		die "dpkg-source -x failed: $(tail -n 3 "$cache/tree/unpack.log")"
	touch "$tree.tmp/.unpacked"
	mv "$tree.tmp" "$tree"
fi

# The stub's files and the lines that build them (QEMU 7.2, meson + Kconfig).
install_if_changed "$top/qemu-vgpu-stub/vgpu-stub.c" "$tree/hw/misc/vgpu-stub.c"
install_if_changed "$top/qemu-vgpu-stub/vgpu-stub.mak" \
	"$tree/configs/devices/x86_64-softmmu/vgpu-stub.mak"
install_if_changed "$top/tests/qemu-stub/vgpu-stub-test.c" \
	"$tree/tests/qtest/vgpu-stub-test.c"
if ! grep -q '^config VGPU_STUB$' "$tree/hw/misc/Kconfig"; then
	printf '\nconfig VGPU_STUB\n    bool\n    default y if PCI_DEVICES\n    depends on PCI\n' \
		>>"$tree/hw/misc/Kconfig"
fi
add_line "$tree/hw/misc/meson.build" \
	"softmmu_ss.add(when: 'CONFIG_VGPU_STUB', if_true: files('vgpu-stub.c'))"
# After "qtests_x86_64 = qtests_i386", so only the x86_64 target has it.
if ! grep -q "vgpu-stub-test" "$tree/tests/qtest/meson.build"; then
	sed -i "s/^qtests_x86_64 = qtests_i386\$/&\nqtests_x86_64 += (config_all_devices.has_key('CONFIG_VGPU_STUB') ? ['vgpu-stub-test'] : [])/" \
		"$tree/tests/qtest/meson.build"
	grep -q "vgpu-stub-test" "$tree/tests/qtest/meson.build" ||
		die "could not add vgpu-stub-test to tests/qtest/meson.build"
fi

# Only the x86_64 system emulator, with no optional feature (no docs, no
# tools, no UI, no network back-ends), the PC machine and a few devices
# (vgpu-stub.mak); firmware from Debian's seabios and qemu-system-data.
b=$tree/build
log=$cache/tree/build-$qver.log
if [ ! -f "$b/build.ninja" ]; then
	msg "configuring QEMU $qver (log: $log)"
	rm -rf "$b"
	mkdir -p "$b"
	(cd "$b" && nice ../configure --target-list=x86_64-softmmu \
		--without-default-features --without-default-devices \
		--with-devices-x86_64=vgpu-stub \
		--disable-docs --disable-tools --disable-user --disable-werror \
		--disable-debug-info --enable-tcg --enable-kvm --enable-fdt=system \
		--firmwarepath=/usr/share/qemu:/usr/share/seabios) >"$log" 2>&1 ||
		{ rm -f "$b/build.ninja"; die "configure failed: $(tail -n 5 "$log")"; }
fi
msg "ninja -j$jobs qemu-system-x86_64 tests/qtest/vgpu-stub-test (log: $log)"
last=$cache/tree/ninja-last.log
rc=0
nice ninja -C "$b" -j"$jobs" qemu-system-x86_64 tests/qtest/vgpu-stub-test \
	>"$last" 2>&1 || rc=$?
cat "$last" >>"$log"
[ "$rc" -eq 0 ] ||
	die "build failed: $(grep -E -m 10 'error:|FAILED:|undefined reference' "$last")"
# QEMU itself builds with --disable-werror (distribution compilers warn in
# its code); the stub's own files must be clean. Touched, so that the next
# run compiles them again instead of finding them up to date.
if grep -E 'vgpu-stub(-test)?\.c:[0-9]+:[0-9]+: warning:' "$last" >&2; then
	touch "$tree/hw/misc/vgpu-stub.c" "$tree/tests/qtest/vgpu-stub-test.c"
	die "warnings in the stub's sources (above)"
fi

rm -rf "$out.tmp"
mkdir -p "$out.tmp/bin"
cp "$b/qemu-system-x86_64" "$b/tests/qtest/vgpu-stub-test" "$out.tmp/bin/"
cp "$log" "$out.tmp/build.log"
secs=$(($(date +%s) - t_start))
echo "$secs" >"$out.tmp/build.time"
touch "$out.tmp/.done"
rm -rf "$out"
mv "$out.tmp" "$out"
msg "built in $secs s: $out"
echo "$out"
