# shellcheck shell=sh
# priority-demo, guest side: once /dev/vgpu0 answers, tell Dom0 (phase
# ready); then for each round R (1, 2): when Dom0 acks "round R", start
# DEMO_THREADS threads of checked vector adds (vgpu-client stress
# --seconds, every result checked on the CPU; --latency: p50/p99 of the
# latency of each request as this guest saw it); when Dom0 acks "stop R",
# SIGTERM the client (each thread ends after its request in flight; the
# first request of each thread and those that completed after the signal
# waited for Dom0's gates and are left out), say stopping-R, and report
# the figures to Dom0 in data/vgpu-lat with phase done-R. At "end", the
# mover checks its GET_INFO says its new priority.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
# The client's own bound, far past Dom0's rounds: Dom0 ends each round.
: "${DEMO_THREADS:=2}" "${DEMO_CAP:=100000}" "${DEMO_MAX_SECS:=600}"

vgpu_wait_device 120
vgpu_client_expect "nop before the rounds" 30 "nop ok" nop
vgpu_phase ready
for r in 1 2; do
	vgpu_wait_ack "round $r" 400
	vgpu-client stress "$DEMO_CAP" --threads "$DEMO_THREADS" --seconds "$DEMO_MAX_SECS" \
		--latency >"$LAB_RUN/stress-$r.out" 2>&1 &
	pid=$!
	vgpu_wait_ack "stop $r" 400
	kill -TERM "$pid" || lab_fail "round $r: vgpu-client stress ended before Dom0 stopped it: $(cat "$LAB_RUN/stress-$r.out")"
	xenstore-write data/vgpu-phase "stopping-$r" || lab_fail "cannot write data/vgpu-phase"
	wait "$pid"
	rc=$?
	o=$(cat "$LAB_RUN/stress-$r.out")
	echo "$o"
	[ $rc = 0 ] || lab_fail "round $r: vgpu-client stress exited $rc: $o"
	ops=$(echo "$o" | sed -n "s/^stress threads=$DEMO_THREADS n=$DEMO_CAP seconds=$DEMO_MAX_SECS ops=\([0-9]*\) ok$/\1/p")
	lat=$(echo "$o" | sed -n 's/^latency //p')
	if [ -z "$ops" ] || [ -z "$lat" ]; then lab_fail "round $r: unexpected output: $o"; fi
	echo "LAB-CHECK ok: round $r: all $ops vector adds right"
	xenstore-write data/vgpu-lat "round=$r ops=$ops $lat" data/vgpu-phase "done-$r" ||
		lab_fail "cannot write data/vgpu-lat"
done
vgpu_wait_ack end 300
# The mover's GET_INFO says its new level, the others' their own.
want=$(lab_key mover "$(lab_key priority)")
p=$(lab_timeout 30 vgpu-client info | sed -n 's/^priority=//p')
lab_expect_eq "priority after the rounds" "$p" "$want"
lab_pass "both rounds' vector adds right; priority $p"
