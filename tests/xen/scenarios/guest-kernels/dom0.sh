# shellcheck shell=sh
# guest-kernels, Dom0 side: vgpu-back (Dom0's 6.1), a CPU worker, and the
# two guests of the guests file, each on its own kernel, attached by
# vgpu-admin; then split-pair's basic phase for both (the worker connected
# each with its xenstore values, ran their requests, the backend holds
# nothing at the end).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

vgpu_lab_up
. /lab/split-basic-dom0.sh
# basic-domU.sh waits for the next phase of split-pair; there is none here.
for g in $(lab_guests); do vgpu_ack "$g" faults; done
lab_wait_guests || lab_error "not every guest passed"
# shellcheck disable=SC2046 # guest names have no spaces
vgpu_check_shutdown $(lab_guests)
vgpu_worker_log | grep -v 'metrics: '
lab_pass "split-basic on Debian 11's 5.10 and 13's 6.12 guests against the 6.1 backend"
