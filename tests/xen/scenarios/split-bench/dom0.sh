# shellcheck shell=sh
# split-bench, Dom0 side: vgpu-back and a CPU worker (default settings) for
# two guests that measure, each in a quiet turn of the lab, the blkfront
# anchors and the vgpu figures (domU.sh). Timing never fails this
# scenario; it fails only when a measurement could not be made.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

lab_guest_setup() { vgpu_guest_setup "$@"; }

vgpu_backend_up
vgpu_worker_start
vgpu_register
lab_create_guests
lab_wait_guests || lab_error "not every guest passed"
vgpu_worker_metrics | sed 's/^.*metrics: /metrics: /'
grep -E '^(copy_ops|copy_bytes|requests|responses|errors) ' "$VGPU_DBG/stats" | sed 's/^/backend: /'
vgpu_worker_stop
lab_pass "figures measured"
