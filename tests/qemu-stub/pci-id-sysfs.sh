#!/bin/sh
# vgpu-pci-id against fake sysfs trees (--sysfs): a regular 4 KiB file
# stands in for resource0, so each register value, good or hostile, can be
# set without QEMU. Prints "pci-id: N passed, N failed" last.
#
#   tests/qemu-stub/pci-id-sysfs.sh PATH_TO_vgpu-pci-id
set -u
reader=${1:?usage: pci-id-sysfs.sh PATH_TO_vgpu-pci-id}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# dev NAME VENDOR DEVICE MAGIC VERSION POOL PRIORITY VM_ID FEATURES
dev() {
	d=$tmp/sys/bus/pci/devices/$1
	mkdir -p "$d"
	echo "$2" >"$d/vendor"
	echo "$3" >"$d/device"
	python3 -c 'import struct, sys
v = [int(x, 0) for x in sys.argv[1:]]
sys.stdout.buffer.write(struct.pack("<6I", *v) + bytes(4096 - 24))' \
		"$4" "$5" "$6" "$7" "$8" "$9" >"$d/resource0"
}

# check NAME WANT_RC WANT_TEXT: runs the reader on the tree built so far.
check() {
	got=$("$reader" --sysfs "$tmp/sys" 2>&1)
	rc=$?
	if [ "$rc" -eq "$2" ] && printf '%s\n' "$got" | grep -q -- "$3"; then
		pass=$((pass + 1))
		echo "ok - $1"
	else
		fail=$((fail + 1))
		echo "not ok - $1: rc $rc (want $2), output: $got"
	fi
	rm -rf "$tmp/sys"
}

mkdir -p "$tmp/sys/bus/pci/devices"
check "no device" 1 "no vgpu-stub device (1af4:10f7)"

dev 0000:00:03.0 0x8086 0x100e 0 0 0 0 0 0
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 1 2 101 1
check "identity" 0 "^pool=B$"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 25 0 4294967295 1
check "largest values" 0 "^vm-id=4294967295$"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010003 0 1 7 3
check "newer minor, unknown feature bit" 0 "^priority=medium$"
dev 0000:00:04.0 0x1af4 0x1000 0x55504756 0x00010000 0 1 7 1
check "other virtio device ignored" 1 "no vgpu-stub device"
dev 0000:00:04.0 0x1af4 0x10f7 0x12345678 0x00010000 0 1 7 1
check "wrong magic" 2 "magic 0x12345678"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00020000 0 1 7 1
check "layout major 2" 2 "register layout 2.0"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 0 1 7 0
check "no identity bit" 2 "the host set no identity"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 26 1 7 1
check "pool 26" 2 "identity out of range (pool 26"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 0 3 7 1
check "priority 3" 2 "identity out of range"
dev 0000:00:04.0 0x1af4 0x10f7 0x55504756 0x00010000 0 1 0 1
check "vm-id 0" 2 "identity out of range"

echo "pci-id: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
