# shellcheck shell=sh
# Gated rounds of load, for the scenarios that measure the scheduler from
# the guests' side (priority-demo, thirty-vms). Sourced after
# /lab/vgpu-lab.sh and /lab/files/sched-dom0.sh (the gate: sched_freeze,
# sched_thaw) in Dom0, after /lab/vgpu-lab.sh in the guests; staged as
# /lab/files/gated-rounds.sh, with gated-rounds.awk beside it, by the
# scenario's LAB_DOM0_FILES and LAB_DOMU_FILES. Not a scenario itself.
#
# A round: the worker stopped (SIGSTOP); every guest starts THREADS
# threads of checked vector adds (vgpu-client stress --seconds --latency);
# once the backend holds every guest's first THREADS requests the worker
# goes, so every VM competes from the same instant (the opening gate);
# SECS later the worker is stopped again (the closing gate), every guest
# SIGTERMs its client (each thread ends after its request in flight; the
# first request of each thread and those that completed after the signal
# waited for a gate and are not in the guest's latency figures), the
# worker goes, the last requests finish. Every process costs Dom0 and the
# guests 25-150 ms under TCG, so Dom0 does each step for all guests in one
# process where it can.
#
# Guest <-> Dom0 (xenstore): Dom0 acks "round-R", "stop-R" and "end" in
# /local/domain/DOMID/vgpu-ack; the guest writes data/vgpu-phase
# (ready, stopping-R, done-R) and its figures to data/vgpu-lat
# ("round=R ops=N samples=N p50_us=.. p99_us=.. max_us=..").

# ---- Dom0 ----------------------------------------------------------------------

# rounds_map: NAME DOMID POOL of every guest into $VGPU_RUN/rounds-map, read
# once (the guests must exist).
rounds_map() {
	for _g in $(lab_guests); do echo "$_g $(lab_domid "$_g") $(lab_key "$_g" pool)"; done \
		>"$VGPU_RUN/rounds-map"
	rounds_devs=$(awk '{ print "/sys/kernel/debug/vgpu-back/dev-" $2 "-0" }' "$VGPU_RUN/rounds-map")
}

# rounds_ack_all VALUE: the same answer to every guest, in one xenstore-write
# (so VALUE has no spaces).
rounds_ack_all() {
	# shellcheck disable=SC2046 # PATH VALUE pairs, no spaces in them
	xenstore-write $(awk -v v="$1" '{ print "/local/domain/" $2 "/vgpu-ack", v }' "$VGPU_RUN/rounds-map") ||
		lab_fail "cannot write vgpu-ack '$1'"
}

# rounds_queued_all N: the backend holds N unread requests of every guest.
rounds_queued_all() {
	# shellcheck disable=SC2086 # the debugfs files, no spaces
	awk -v n="$1" '$1 == "queued" { q++; if ($2 != n) bad++ } END { exit !(q == ARGC - 1 && !bad) }' $rounds_devs
}

# rounds_phase_all PHASE SECS: every guest wrote PHASE to data/vgpu-phase.
rounds_phase_all() {
	while read -r _g _id _; do
		lab-xs-wait -t "$2" -d "$_id" "/local/domain/$_id/data/vgpu-phase" "$1" ||
			lab_fail "guest $_g did not reach phase $1 within $2 s (it is at '$(xenstore-read "/local/domain/$_id/data/vgpu-phase" 2>/dev/null)')"
	done <"$VGPU_RUN/rounds-map"
}

# rounds_run R SECS THREADS: one round (above). Leaves the round's order-log
# lines in round-R.log, the worker's metrics taken just before the closing
# gate in metrics-R.txt (the requests that wait for it would count it as
# queueing), one "demo-lat vm= domid= pool= prio= round=R ops= samples=
# p50_us= p99_us= max_us=" line per guest in lat-R.txt; checks that each
# guest reported, was served, and that its OKAY vector adds in the order
# log are exactly its requests (gated-rounds.awk).
rounds_run() {
	sched_freeze
	_r0=$(sched_lines)
	rounds_ack_all "round-$1"
	_w=0
	until rounds_queued_all "$3"; do
		_w=$((_w + 1))
		[ $_w -lt 240 ] || break
		sleep 0.5
	done
	[ $_w -lt 240 ] ||
		lab_fail "not every guest's first $3 requests reached the backend within 120 s: $(grep -H '^queued' /sys/kernel/debug/vgpu-back/dev-*-0 | tr '\n' ' ')"
	sched_thaw
	lab_step "round $1: released every guest's first $3 requests at once t=$(lab_uptime)"
	sleep "$2"
	_m=$(vgpu_worker_metrics)
	echo "$_m" | sed "s/^.*metrics: /round-metrics $1 /"
	echo "$_m" | sed 's/^.*metrics: /metrics: /' >"$VGPU_RUN/metrics-$1.txt"
	sched_freeze
	lab_step "round $1: closing gate after ${2}s: $(($(sched_lines) - _r0)) completions t=$(lab_uptime)"
	rounds_ack_all "stop-$1"
	rounds_phase_all "stopping-$1" 120
	sched_thaw
	rounds_phase_all "done-$1" 120
	tail -n +$((_r0 + 1)) "$VGPU_ORDER_LOG" >"$VGPU_RUN/round-$1.log"
	# shellcheck disable=SC2046 # paths without spaces
	xenstore-read $(awk '{ print "/local/domain/" $2 "/data/vgpu-lat /local/domain/0/backend/vgpu/" $2 "/0/priority" }' \
		"$VGPU_RUN/rounds-map") >"$VGPU_RUN/vals-$1.txt" || lab_fail "cannot read the guests' figures of round $1"
	_o=$(awk -v round="$1" -f /lab/files/gated-rounds.awk "$VGPU_RUN/rounds-map" \
		"$VGPU_RUN/vals-$1.txt" "$VGPU_RUN/round-$1.log")
	_c=$?
	printf '%s\n' "$_o"
	printf '%s\n' "$_o" | grep '^demo-lat ' >"$VGPU_RUN/lat-$1.txt"
	[ $_c = 0 ] || lab_fail "round $1: $(printf '%s\n' "$_o" | sed -n 's/^FAIL: //p' | head -n 1)"
	lab_step "round $1 done: $(wc -l <"$VGPU_RUN/round-$1.log") requests t=$(lab_uptime)"
}

# ---- guests --------------------------------------------------------------------

# rounds_guest R THREADS: this guest's part of round R (above). The
# client's own bound (ROUNDS_MAX_SECS, 600) is far past any round: Dom0
# ends each one.
rounds_guest() {
	_cap=${ROUNDS_CAP:-100000} _max=${ROUNDS_MAX_SECS:-600}
	vgpu_wait_ack "round-$1" 600
	vgpu-client stress "$_cap" --threads "$2" --seconds "$_max" \
		--latency >"$LAB_RUN/stress-$1.out" 2>&1 &
	_pid=$!
	vgpu_wait_ack "stop-$1" 600
	kill -TERM "$_pid" || lab_fail "round $1: vgpu-client stress ended before Dom0 stopped it: $(cat "$LAB_RUN/stress-$1.out")"
	xenstore-write data/vgpu-phase "stopping-$1" || lab_fail "cannot write data/vgpu-phase"
	wait "$_pid"
	_rc=$?
	_o=$(cat "$LAB_RUN/stress-$1.out")
	echo "$_o"
	[ $_rc = 0 ] || lab_fail "round $1: vgpu-client stress exited $_rc: $_o"
	_ops=$(echo "$_o" | sed -n "s/^stress threads=$2 n=$_cap seconds=$_max ops=\([0-9]*\) ok$/\1/p")
	_lat=$(echo "$_o" | sed -n 's/^latency //p')
	if [ -z "$_ops" ] || [ -z "$_lat" ]; then lab_fail "round $1: unexpected output: $_o"; fi
	echo "LAB-CHECK ok: round $1: all $_ops vector adds right"
	xenstore-write data/vgpu-lat "round=$1 ops=$_ops $_lat" data/vgpu-phase "done-$1" ||
		lab_fail "cannot write data/vgpu-lat"
}
