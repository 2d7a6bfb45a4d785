# shellcheck shell=sh
# split-pair, guest side (PV or PVH): the phases of dom0.sh, in order.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

vgpu_wait_device 120
# Before basic-domU.sh empties the kernel log for its bad-input check.
budget=$(dmesg | sed -n 's/.*vgpu-front: bounce buffers up to \([0-9]*\) KiB.*/\1/p' | tail -n 1)
lab_log "frontend bounce-buffer budget ${budget:-unknown} KiB"
lab_check "budget is one largest request (max_buffer_mib=1 took effect): ${budget:-none} KiB" \
	test "${budget:-0}" -gt 16384 -a "${budget:-0}" -lt 16448
. ./basic-domU.sh
. ./faults-domU.sh
lab_pass "basic requests, killed clients and a killed worker: all right"
