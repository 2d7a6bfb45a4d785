# shellcheck shell=sh
# priority-demo (`make demo`), Dom0 side: what the scheduler does under
# contention, measured from both ends.
#
# The worker runs the CPU executor, one request at a time, each taking at
# least DEMO_OP_DELAY_MS (the GPU-like per-op delay, default 20 ms), in
# the weighted mode (shares 4:2:1 for high, medium, low) so that every
# level makes progress and the wait of each shows. Round 1: the worker is
# stopped (SIGSTOP), every guest starts DEMO_THREADS threads of checked
# vector adds, Dom0 waits until the backend holds each guest's first
# requests, then lets the worker go: all six VMs of pools A and B compete
# in one queue from the same instant, for DEMO_SECS_1 seconds. Each guest
# reports the wait it saw per request (p50/p99, vgpu-client stress
# --latency), the worker its own figures (SIGUSR1 metrics). Round 2,
# after a live change of the mover (a-low: `vgpu-admin vm set a-low
# priority high` + `vgpu-admin apply a-low`, no reconnect), the same for
# DEMO_SECS_2 seconds. table.awk prints the table and one verdict per
# level from the measured figures (never asserted: timing is not a check).
#
# Checks (the demo's exit status): every guest's vector adds right in
# both rounds, every VM served in each round, the order log's lines of
# each round are exactly each guest's requests, all OKAY, the mover's
# round-2 lines logged at its new level, the worker and the backend saw
# the change without a reconnect, gauges 0 after.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
# The gate (sched_freeze, sched_thaw, sched_wait_queued) and its
# lab_guest_setup (vgpu-admin attach).
. /lab/files/sched-dom0.sh
: "${DEMO_THREADS:=2}" "${DEMO_SECS_1:=12}" "${DEMO_SECS_2:=8}" "${DEMO_OP_DELAY_MS:=20}"
: "${DEMO_SCHED:=weighted}"

vgpu_backend_up
vgpu_worker_start --op-delay-ms "$DEMO_OP_DELAY_MS" --sched "$DEMO_SCHED"
vgpu_register
lab_create_guests
for g in $(lab_guests); do
	vgpu_wait_phase "$g" ready 300 || lab_fail "guest $g never got its vgpu device ready"
done
lab_step "demo all $(lab_guests | wc -w) guests ready t=$(lab_uptime)"
mover=$(for g in $(lab_guests); do lab_key "$g" mover >/dev/null && echo "$g"; done | head -n 1)
[ -n "$mover" ] || lab_fail "no guest has a mover= key"

# NAME DOMID POOL of every guest, read once: a process costs Dom0 25-150 ms
# under TCG, and the rounds should not wait for dozens of them.
for g in $(lab_guests); do echo "$g $(lab_domid "$g") $(lab_key "$g" pool)"; done >"$VGPU_RUN/demo-map"

# demo_ack_all VALUE: the same answer to every guest, in one xenstore-write.
demo_ack_all() {
	# shellcheck disable=SC2046 # PATH VALUE pairs, no spaces in them
	xenstore-write $(awk -v v="$1" '{ print "/local/domain/" $2 "/vgpu-ack", v }' "$VGPU_RUN/demo-map") ||
		lab_fail "cannot write vgpu-ack '$1'"
}

# demo_queued_all N: the backend holds N unread requests of every guest.
demo_devs=$(awk '{ print "/sys/kernel/debug/vgpu-back/dev-" $2 "-0" }' "$VGPU_RUN/demo-map")
demo_queued_all() {
	# shellcheck disable=SC2086 # the debugfs files, no spaces
	awk -v n="$1" '$1 == "queued" { q++; if ($2 != n) bad++ } END { exit !(q == ARGC - 1 && !bad) }' $demo_devs
}

# demo_phase_all PHASE SECS: every guest wrote PHASE to data/vgpu-phase.
demo_phase_all() {
	while read -r g id _; do
		lab-xs-wait -t "$2" -d "$id" "/local/domain/$id/data/vgpu-phase" "$1" ||
			lab_fail "guest $g did not reach phase $1 within $2 s (it is at '$(xenstore-read "/local/domain/$id/data/vgpu-phase" 2>/dev/null)')"
	done <"$VGPU_RUN/demo-map"
}

# demo_round R SECS: one round between two gates. Opening: the worker
# stopped, every guest starts its load, the backend holds each guest's
# first DEMO_THREADS requests, the worker goes. Closing, SECS later: the
# worker stopped again, every guest told to stop (SIGTERM to its client,
# which ends each thread after its request in flight and leaves the
# requests that waited for this gate out of its figures), the worker goes
# and the last requests finish. The round's order-log lines go to
# round-R.log, the guests' figures to lat-R.txt.
demo_round() {
	sched_freeze
	r0=$(sched_lines)
	demo_ack_all "round $1"
	w=0
	until demo_queued_all "$DEMO_THREADS"; do
		w=$((w + 1))
		[ $w -lt 120 ] || break
		sleep 0.5
	done
	[ $w -lt 120 ] ||
		lab_fail "not every guest's first $DEMO_THREADS requests reached the backend within 60 s: $(grep -H '^queued' /sys/kernel/debug/vgpu-back/dev-*-0 | tr '\n' ' ')"
	sched_thaw
	lab_step "demo round $1: released every guest's first $DEMO_THREADS requests at once t=$(lab_uptime)"
	sleep "$2"
	# The worker's own figures, before the closing gate (the requests that
	# wait for it would count it as queueing).
	m=$(vgpu_worker_metrics)
	echo "$m" | sed "s/^.*metrics: /demo-metrics $1 /"
	echo "$m" | sed 's/^.*metrics: /metrics: /' >"$VGPU_RUN/metrics-$1.txt"
	sched_freeze
	lab_step "demo round $1: closing gate after ${2}s: $(($(sched_lines) - r0)) completions t=$(lab_uptime)"
	demo_ack_all "stop $1"
	demo_phase_all "stopping-$1" 60
	sched_thaw
	demo_phase_all "done-$1" 60
	tail -n +$((r0 + 1)) "$VGPU_ORDER_LOG" >"$VGPU_RUN/round-$1.log"
	# shellcheck disable=SC2046 # paths without spaces
	xenstore-read $(awk '{ print "/local/domain/" $2 "/data/vgpu-lat /local/domain/0/backend/vgpu/" $2 "/0/priority" }' \
		"$VGPU_RUN/demo-map") >"$VGPU_RUN/vals-$1.txt" || lab_fail "cannot read the guests' figures of round $1"
	o=$(awk -v round="$1" -f /lab/scenario/collect.awk "$VGPU_RUN/demo-map" \
		"$VGPU_RUN/vals-$1.txt" "$VGPU_RUN/round-$1.log")
	c=$?
	printf '%s\n' "$o"
	printf '%s\n' "$o" | grep '^demo-lat ' >"$VGPU_RUN/lat-$1.txt"
	[ $c = 0 ] || lab_fail "round $1: $(printf '%s\n' "$o" | sed -n 's/^FAIL: //p' | head -n 1)"
	lab_step "demo round $1 done: $(wc -l <"$VGPU_RUN/round-$1.log") requests t=$(lab_uptime)"
}

demo_round 1 "$DEMO_SECS_1"

# The live change: the operator's tool, the guest stays connected.
to=$(lab_key "$mover" mover)
from=$(lab_key "$mover" priority)
c0=$(vgpu_dev_stat "$mover" connects)
vgpu_admin vm set "$mover" priority "$to"
vgpu_admin apply "$mover"
lab_step "demo moved $mover from $from to $to (vgpu-admin vm set + apply) t=$(lab_uptime)"
lab_expect_eq "$mover: backend directory priority" \
	"$(xenstore-read "$(vgpu_backend_dir "$mover")/priority")" "$to"
idm=$(lab_domid "$mover")
lab_wait_for 10 "the worker to log the change" \
	grep -q "config: domid=$idm devid=0 .*prio=$to" "$VGPU_WORKER_LOG" ||
	lab_fail "the worker did not log 'config: domid=$idm devid=0 ... prio=$to'"
echo "LAB-CHECK ok: worker: $(grep "config: domid=$idm devid=0 " "$VGPU_WORKER_LOG" | tail -n 1 | sed 's/^.*config: /config: /')"

demo_round 2 "$DEMO_SECS_2"
lab_expect_eq "$mover: round-2 lines not logged at $to" \
	"$(awk -v id="$idm" -v p="$to" '$2 == id && $6 != p' "$VGPU_RUN/round-2.log" | wc -l)" 0
lab_expect_eq "$mover: connects (no reconnect for the change)" "$(vgpu_dev_stat "$mover" connects)" "$c0"
lab_expect_eq "$mover: disconnects" "$(vgpu_dev_stat "$mover" disconnects)" 0

# The operator's view, then the table and the verdicts.
out=$(vgpu-admin status 2>&1) || lab_fail "vgpu-admin status exited non-zero: $out"
echo "$out" | sed 's/^/admin-status| /'
awk -v mover="$mover" -v from="$from" -v to="$to" -v delay="$DEMO_OP_DELAY_MS" \
	-v mode="$DEMO_SCHED" -v threads="$DEMO_THREADS" -v secs1="$DEMO_SECS_1" -v secs2="$DEMO_SECS_2" \
	-f /lab/scenario/table.awk "$VGPU_RUN/lat-1.txt" "$VGPU_RUN/metrics-1.txt" "$VGPU_RUN/lat-2.txt" |
	sed 's/^/demo| /'
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k after the rounds" "$(vgpu_stat $k)" 0
done
demo_ack_all end
lab_wait_guests || lab_error "not every guest passed"
vgpu_worker_stop
lab_pass "6 VMs in pools A and B: both rounds' vector adds right, every VM served, $mover moved $from -> $to live"
