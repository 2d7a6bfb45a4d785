# shellcheck shell=sh
# priority-demo, guest side: once /dev/vgpu0 answers, tell Dom0 (phase
# ready); then for each round R (1, 2), when Dom0 acks "round R": run
# DEMO_THREADS threads of checked vector adds for DEMO_SECS_R seconds
# (vgpu-client stress --seconds: every result checked on the CPU) and
# report the latency of each request as this guest saw it (--latency:
# p50/p99 of every request but each thread's first, which waited for the
# gate) to Dom0 in data/vgpu-lat; then phase done-R.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
: "${DEMO_THREADS:=2}" "${DEMO_SECS_1:=12}" "${DEMO_SECS_2:=8}" "${DEMO_CAP:=100000}"

vgpu_wait_device 120
vgpu_client_expect "nop before the rounds" 30 "nop ok" nop
vgpu_phase ready
for r in 1 2; do
	secs=$DEMO_SECS_1
	[ "$r" = 2 ] && secs=$DEMO_SECS_2
	vgpu_wait_ack "round $r" 400
	vgpu_phase "running-$r"
	o=$(lab_timeout $((secs + 120)) vgpu-client stress "$DEMO_CAP" \
		--threads "$DEMO_THREADS" --seconds "$secs" --latency 2>&1)
	rc=$?
	[ $rc = 0 ] || lab_fail "round $r: vgpu-client stress exited $rc: $o"
	echo "$o"
	ops=$(echo "$o" | sed -n "s/^stress threads=$DEMO_THREADS n=$DEMO_CAP seconds=$secs ops=\([0-9]*\) ok$/\1/p")
	lat=$(echo "$o" | sed -n 's/^latency //p')
	if [ -z "$ops" ] || [ -z "$lat" ]; then lab_fail "round $r: unexpected output: $o"; fi
	lab_check "round $r: every vector add right ($ops)" [ "$ops" -gt 0 ]
	xenstore-write data/vgpu-lat "round=$r ops=$ops $lat" || lab_fail "cannot write data/vgpu-lat"
	vgpu_phase "done-$r"
done
# After round 2 the mover's GET_INFO says its new level.
want=$(lab_key mover "$(lab_key priority)")
p=$(lab_timeout 30 vgpu-client info | sed -n 's/^priority=//p')
lab_expect_eq "priority after the change" "$p" "$want"
lab_pass "both rounds' vector adds right; priority $p"
