# shellcheck shell=sh
# split-pools, Dom0 side: 7 guests in pools A, B and C with mixed
# priorities. Dom0 releases them together once every one has its
# /dev/vgpu0 (xenstore barrier), each runs SPLIT_THREADS threads of
# SPLIT_N checked vector adds (vgpu-client stress). Then, from the worker:
# every VM connected with its xenstore values, its order-log lines are all
# vector adds with status 0 and exactly as many as it issued, and its
# metrics line counts them, and `vgpu-admin status` lists every VM.
# SPLIT_OP_DELAY_MS
# (default 0) makes every request take at least that long in the worker
# (so that a queue forms in the worker).
#
# Then, unless SPLIT_SCHED=0, the same boot proves the worker's
# scheduling (issue 4) with the phases of tests/xen/sched/ on four of the
# guests (roles in the guests file), the others having ended: booting
# guests is most of a lab run's time under TCG, so they are booted once.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh
# Its lab_guest_setup: the vgpu device (vgpu-admin attach), and the load
# protocol's command node.
. /lab/files/sched-dom0.sh
: "${SPLIT_N:=150}" "${SPLIT_THREADS:=2}" "${SPLIT_OP_DELAY_MS:=0}" "${SPLIT_SCHED:=1}"

vgpu_backend_up
vgpu_worker_start --op-delay-ms "$SPLIT_OP_DELAY_MS"
vgpu_register
lab_create_guests

for g in $(lab_guests); do
	vgpu_wait_phase "$g" ready 300 || lab_fail "guest $g never got its vgpu device ready"
done
start=$(wc -l <"$VGPU_ORDER_LOG")
lab_step "vgpu release all $(lab_guests | wc -w) guests t=$(lab_uptime)"
for g in $(lab_guests); do vgpu_ack "$g" "go n=$SPLIT_N threads=$SPLIT_THREADS"; done
# Overlap, reported, not asserted: each guest writes phase "running" as it
# starts its vector adds and "finished" after. Under TCG the guests noticed
# the common start up to ~30 s apart, longer than a high guest's 300 adds
# take, so "none finished before the last started" failed on a loaded host.
end=$(($(date +%s) + 180))
for g in $(lab_guests); do
	id=$(lab_domid "$g")
	lab-xs-wait -t $((end - $(date +%s))) -d "$id" -n "/local/domain/$id/data/vgpu-phase" ready ||
		lab_fail "guest $g did not start its vector adds within 180 s"
done
early=
for g in $(lab_guests); do
	[ "$(xenstore-read "/local/domain/$(lab_domid "$g")/data/vgpu-phase")" = running ] || early="$early $g"
done
lab_step "vgpu all 7 guests started t=$(lab_uptime); already finished then:${early:- none}"
for g in $(lab_guests); do
	vgpu_wait_phase "$g" finished 420 || lab_fail "guest $g did not finish its vector adds"
done

m=$(vgpu_worker_metrics)
echo "$m" | sed 's/^.*metrics: /metrics: /'
tail -n +$((start + 1)) "$VGPU_ORDER_LOG" >"$VGPU_RUN/burst.log"
want=$((SPLIT_N * SPLIT_THREADS))
served=0
for g in $(lab_guests); do
	id=$(lab_domid "$g")
	vmid=$(lab_key "$g" vm-id) pool=$(lab_key "$g" pool) prio=$(lab_key "$g" priority)
	lab_check "worker connected $g (domid $id) as vm_id=$vmid pool=$pool prio=$prio" \
		grep -q "connect: domid=$id devid=0 vm_id=$vmid pool=$pool prio=$prio " "$VGPU_WORKER_LOG"
	ok=$(awk -v id="$id" '$2 == id && $7 == "vector_add" && $8 == 0' "$VGPU_RUN/burst.log" | wc -l)
	bad=$(awk -v id="$id" '$2 == id && !($7 == "vector_add" && $8 == 0)' "$VGPU_RUN/burst.log" | wc -l)
	lab_expect_eq "$g: vector adds completed OKAY in the order log" "$ok" "$want"
	lab_expect_eq "$g: other or failed completions in the burst" "$bad" 0
	line=$(echo "$m" | grep "metrics: vm domid=$id devid=0 ")
	[ -n "$line" ] || lab_fail "no worker metrics line for $g (domid $id)"
	lab_expect_eq "$g: metrics vm_id" "$(vgpu_metric_field "$line" vm_id)" "$vmid"
	lab_expect_eq "$g: metrics errors" "$(vgpu_metric_field "$line" errors)" 0
	n=$(vgpu_metric_field "$line" "done")
	lab_check "$g: metrics done=$n covers its $want vector adds" [ "${n:-0}" -ge "$want" ]
	served=$((served + 1))
done
lab_expect_eq "VMs served" "$served" 7
# The operator's view of the same figures.
out=$(vgpu-admin status 2>&1) || lab_fail "vgpu-admin status exited non-zero: $out"
echo "$out" | sed 's/^/admin-status| /'
for g in $(lab_guests); do
	lab_check "vgpu-admin status lists $g" sh -c "echo \"\$1\" | grep -qw $g" - "$out"
done
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k after the burst" "$(vgpu_stat $k)" 0
done
vgpu_worker_stop
vgpu_worker_log | grep -v "metrics: "
lab_step "phase pools passed t=$(lab_uptime)"

# The scheduling roles (tests/xen/sched/order-phase.sh, live-phase.sh);
# with SPLIT_SCHED=0 every guest ends here.
hi=a-high mdA=a-med mdB=b-med lo=b-low
roles=" $hi $mdA $mdB $lo "
[ "$SPLIT_SCHED" = 0 ] && roles=
[ -n "$roles" ] && sched_start_worker
for g in $(lab_guests); do
	case $roles in
	*" $g "*) next=sched ;;
	*) next="done" ;;
	esac
	lab_xs_write "/local/domain/$(lab_domid "$g")/vgpu-next" "$next"
	vgpu_ack "$g" after-pools
done
if [ -z "$roles" ]; then
	lab_wait_guests || lab_error "not every guest passed"
	lab_pass "7 VMs in pools A, B, C: every vector add right, all served"
else
	sched_phases 7 "$hi" "$mdA" "$mdB" "$lo"
	lab_pass "7 VMs in pools A, B, C: every vector add right, all served; strict priority, FIFO within a level across pools, each VM in order; live priority change"
fi
