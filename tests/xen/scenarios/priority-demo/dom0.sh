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
# The gate (sched_freeze, sched_thaw) and its lab_guest_setup (vgpu-admin
# attach); the rounds (rounds_run).
. /lab/files/sched-dom0.sh
. /lab/files/gated-rounds.sh
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
mover=$(awk '!/^#/ && / mover=/ { print $1; exit }' /lab/scenario/guests)
[ -n "$mover" ] || lab_fail "no guest has a mover= key"

rounds_map

rounds_run 1 "$DEMO_SECS_1" "$DEMO_THREADS"

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

rounds_run 2 "$DEMO_SECS_2" "$DEMO_THREADS"
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
rounds_ack_all end
lab_wait_guests || lab_error "not every guest passed"
vgpu_worker_stop
lab_pass "6 VMs in pools A and B: both rounds' vector adds right, every VM served, $mover moved $from -> $to live"
