# shellcheck shell=sh
# priority-demo, guest side: once /dev/vgpu0 answers, tell Dom0 (phase
# ready); then two gated rounds of DEMO_THREADS threads of checked vector
# adds (rounds_guest, /lab/files/gated-rounds.sh: every result checked on
# the CPU, the latency of each request as this guest saw it reported to
# Dom0). At "end", each guest checks its GET_INFO says its priority (the
# mover's new one).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
. /lab/files/gated-rounds.sh
: "${DEMO_THREADS:=2}"

vgpu_wait_device 120
vgpu_client_expect "nop before the rounds" 30 "nop ok" nop
vgpu_phase ready
rounds_guest 1 "$DEMO_THREADS"
rounds_guest 2 "$DEMO_THREADS"
vgpu_wait_ack end 300
# The mover's GET_INFO says its new level, the others' their own.
want=$(lab_key mover "$(lab_key priority)")
p=$(lab_timeout 30 vgpu-client info | sed -n 's/^priority=//p')
lab_expect_eq "priority after the rounds" "$p" "$want"
lab_pass "both rounds' vector adds right; priority $p"
