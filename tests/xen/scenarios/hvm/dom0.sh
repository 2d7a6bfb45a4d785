# shellcheck shell=sh
# hvm, Dom0 side: vgpu-back, a CPU worker, an HVM guest attached by
# vgpu-admin (its device model started by xl), then split-pair's basic
# phase (the worker connected it with its xenstore values, ran its
# requests, the backend holds nothing at the end).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

vgpu_lab_up
lab_check "the device model of hvm1 runs" \
	sh -c "ps | grep -v grep | grep -q 'xen-qemu-system-i386.*-xen-domid $(lab_domid hvm1) '"
# The device model's log, for a guest that never gets to its checks.
(sleep 120; sed 's/^/qemu-dm-hvm1| /' /var/log/xen/qemu-dm-hvm1.log) &
. /lab/split-basic-dom0.sh
# basic-domU.sh waits for the next phase of split-pair; there is none here.
vgpu_ack hvm1 faults
lab_wait_guests || lab_error "not every guest passed"
vgpu_check_shutdown hvm1
vgpu_worker_log | grep -v 'metrics: '
lab_pass "split-basic on an HVM guest"
