# shellcheck shell=sh
# eight-guests, Dom0 side: proves the lab runs 8 guests in one boot, each
# with its own name and xenstore keys. Before each guest runs, Dom0 writes a
# token derived from the guest's own keys and its domid, and vgpu-admin
# attaches its vgpu device from the database (every guest registered by
# name first), as in the split-* scenarios. No vgpu-back here: the guest
# checks the xenstore layout and its permissions, not the driver.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

lab_guest_setup() { # NAME DOMID
	lab_xs_write "/local/domain/$2/lab-eight/token" "$1:$(lab_key "$1" secret):$2"
	vgpu_guest_setup "$1" "$2"
}

vgpu_register
lab_create_guests
lab_wait_guests || lab_fail "not every guest passed"
lab_pass "8 guests, each saw its own keys"
