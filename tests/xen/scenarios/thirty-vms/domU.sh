# shellcheck shell=sh
# thirty-vms, guest side: once /dev/vgpu0 answers, tell Dom0 (phase
# ready); one gated round of THIRTY_THREADS threads of checked vector adds
# (rounds_guest, /lab/files/gated-rounds.sh: every result checked on the
# CPU, the wait of each request as this guest saw it reported to Dom0);
# then wait for Dom0's "end".
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
. /lab/files/gated-rounds.sh
: "${THIRTY_THREADS:=1}"

vgpu_wait_device 600
vgpu_client_expect "nop before the round" 60 "nop ok" nop
vgpu_phase ready
rounds_guest 1 "$THIRTY_THREADS"
vgpu_wait_ack end 600
lab_pass "its vector adds right"
