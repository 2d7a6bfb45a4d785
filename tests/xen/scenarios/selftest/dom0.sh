# shellcheck shell=sh
# selftest, Dom0 side (needs none of the project's code): proves the lab
# itself. Each guest gets a random disk (disk= key), Dom0 hands it the disk's
# sha256 through xenstore while it is still paused, the guest checks its
# /dev/xvda against it and measures the blkfront anchors.
#
# `lab.sh -e SELFTEST_BREAK=1 selftest` hands the guests a wrong checksum:
# the run must then fail (a check of the harness's own failure path).

# Runs between `xl create -p` and `xl unpause` for each guest.
lab_guest_setup() { # NAME DOMID
	sum=$(lab_disk_sha256 "$1")
	[ -n "${SELFTEST_BREAK:-}" ] && sum=0000${sum#????}
	lab_xs_write "/local/domain/$2/lab-selftest/disk-sha256" "$sum"
}

lab_create_guests
lab_wait_guests || lab_fail "not every guest passed"
lab_pass "both guests checked their disk"
