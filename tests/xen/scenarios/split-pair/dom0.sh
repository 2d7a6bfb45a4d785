# shellcheck shell=sh
# split-pair, Dom0 side: vgpu-back, a CPU worker, one PV and one PVH guest
# with different pool/priority/vm-id keys, all in one boot (each Xen boot
# and guest boot costs tens of seconds under TCG). Two phases:
#   basic-dom0.sh   (7a) info, vector adds, memtest, bad input
#   faults-dom0.sh  (7c, 7d) clients and then the worker killed mid-request
# The guests run the matching basic-domU.sh and faults-domU.sh; a phase
# that fails ends the scenario there.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

vgpu_lab_up
. ./basic-dom0.sh
. ./faults-dom0.sh
# shellcheck disable=SC2046 # guest names have no spaces
vgpu_check_shutdown $(lab_guests)
vgpu_worker_log | grep -v 'metrics: '
lab_pass "basic requests, killed clients and a killed worker: all right on PV and PVH"
