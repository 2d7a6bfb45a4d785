# shellcheck shell=sh
# selftest, guest side: the disk Dom0 gave us must be the data Dom0 wrote
# (checksum passed through xenstore), then the blkfront anchors.
want=$(lab_xs_read lab-selftest/disk-sha256)
lab_expect_eq "name in xenstore" "$(lab_xs_read name)" "$LAB_NAME"
lab_wait_dev /dev/xvda
lab_check "xvda is a blkfront disk" test -d /sys/bus/xen/drivers/vbd
got=$(sha256sum /dev/xvda | cut -d' ' -f1)
lab_expect_eq "sha256 of /dev/xvda" "$got" "$want"
lab_anchor_blk /dev/xvda
lab_pass "disk checksum matches, anchors measured"
