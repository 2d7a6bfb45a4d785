# shellcheck shell=sh
# hvm, guest side: Xen says this domain is HVM, its xenbus came up through
# the platform PCI device, and split-pair's basic checks pass.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

lab_expect_eq "guest type (/sys/hypervisor/guest_type)" \
	"$(cat /sys/hypervisor/guest_type 2>/dev/null)" HVM
lab_check "Xen platform PCI device (5853:0001) present" \
	grep -qil 'PCI_ID=5853:0001' /sys/bus/pci/devices/*/uevent
vgpu_wait_device 120
. /lab/split-basic-domU.sh
lab_pass "split-basic on an HVM guest"
