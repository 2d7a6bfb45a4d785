# shellcheck shell=sh
# eight-guests, Dom0 side: proves the lab runs 8 guests in one boot, each
# with its own name and xenstore keys. Before each guest runs, Dom0 writes a
# token derived from the guest's own keys and its domid, and a PV device
# (type "labtest", no driver) with the layout a toolstack writes, the way a
# vgpu scenario writes backend/vgpu/DOMID/0 and device/vgpu/0.

lab_guest_setup() { # NAME DOMID
	lab_xs_write "/local/domain/$2/lab-eight/token" "$1:$(lab_key "$1" secret):$2"
	lab_xenbus_device "$1" labtest 0 pool="$(lab_key "$1" pool)" \
		priority="$(lab_key "$1" priority)" vm-id="$(lab_key "$1" vm-id)"
}

lab_create_guests
lab_wait_guests || lab_fail "not every guest passed"
lab_pass "8 guests, each saw its own keys"
