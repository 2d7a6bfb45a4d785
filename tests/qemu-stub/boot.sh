#!/bin/sh
# Boots the patched QEMU (plain TCG, no Xen) with -device vgpu-stub and a
# small Linux guest whose init runs tools/vgpu-pci-id; checks that the
# guest printed the identity given on the QEMU command line.
#
#   tests/qemu-stub/boot.sh QEMU_OUTPUT_DIR
#
# The guest: Debian's pinned kernel (versions.env), its vmlinuz taken from
# the linux-image .deb the Xen lab caches in /var/cache/vgpu-lab/debs (read
# only; downloaded with apt-get into this test's cache when absent), and an
# initramfs of busybox-static and a static vgpu-pci-id. Cached pieces live
# in $VGPU_STUB_CACHE/guest (default /var/cache/vgpu-stub/guest).
# Prints "boot: 1 passed, 0 failed" or "boot: 0 passed, 1 failed" last.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/versions.env"
out=${1:?usage: boot.sh QEMU_OUTPUT_DIR}
cache=${VGPU_STUB_CACHE:-/var/cache/vgpu-stub}
lab_debs=${LAB_CACHE:-/var/cache/vgpu-lab}/debs
kabi=$KERNEL_ABI-amd64
guest=$cache/guest
work=$top/build/qemu-stub
# What the command line declares and what the guest must print.
props="pool=C,priority=1,vm-id=4242"
want="pool=C priority=medium vm-id=4242 layout=1.0"

fail() {
	echo "boot: FAIL: $*"
	echo "boot: 0 passed, 1 failed"
	exit 1
}

mkdir -p "$guest" "$work"
vmlinuz=$guest/vmlinuz-$kabi
if [ ! -s "$vmlinuz" ]; then
	deb=$lab_debs/linux-image-${kabi}_${KERNEL_VERSION}_amd64.deb
	if [ ! -s "$deb" ]; then
		deb=$guest/linux-image-${kabi}_${KERNEL_VERSION}_amd64.deb
		[ -s "$deb" ] || (cd "$guest" && apt-get download -q \
			"linux-image-$kabi=$KERNEL_VERSION" >/dev/null) ||
			fail "no linux-image-$kabi .deb in $lab_debs and apt-get download failed"
	fi
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./boot/vmlinuz-$kabi" >"$vmlinuz.tmp" ||
		fail "could not take vmlinuz-$kabi out of $deb"
	mv "$vmlinuz.tmp" "$vmlinuz"
fi

# The reader, linked statically for the busybox-only guest.
make -s -C "$top/tools" STATIC=1 ../build/tools-static/vgpu-pci-id ||
	fail "building the static vgpu-pci-id failed"
reader=$top/build/tools-static/vgpu-pci-id

rootfs=$work/initramfs
rm -rf "$rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
cp /bin/busybox "$rootfs/bin/busybox" || fail "no /bin/busybox (busybox-static)"
cp "$reader" "$rootfs/bin/vgpu-pci-id"
cat >"$rootfs/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
echo "vgpu-boot: running vgpu-pci-id"
/bin/vgpu-pci-id
echo "vgpu-boot: rc=$?"
poweroff -f
EOF
chmod 0755 "$rootfs/init"
(cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

log=$work/guest-console.log
echo "boot: $out/bin/qemu-system-x86_64 -device vgpu-stub,$props (TCG)"
t0=$(date +%s)
rc=0
timeout 300 "$out/bin/qemu-system-x86_64" -machine pc -accel tcg -m 256 \
	-nodefaults -no-reboot -display none -serial stdio \
	-kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 panic=-1 loglevel=3" \
	-device "vgpu-stub,$props" </dev/null >"$log" 2>&1 || rc=$?
echo "boot: QEMU exited with $rc after $(($(date +%s) - t0)) s; guest output:"
sed -n '/^vgpu-boot: running/,/^vgpu-boot: rc=/p' "$log" | tr -d '\r' | sed 's/^/  /'
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (log: $log)"
grep -q '^vgpu-boot: rc=0' "$log" || fail "vgpu-pci-id did not succeed in the guest (log: $log)"
for kv in $want; do
	tr -d '\r' <"$log" | grep -qx "$kv" || fail "the guest did not print $kv (log: $log)"
done
echo "boot: 1 passed, 0 failed"
