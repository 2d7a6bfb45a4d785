# shellcheck shell=sh
# split-pair phase 2 (7c, 7d), Dom0 side, sourced by dom0.sh after phase 1
# stopped the worker. A new worker runs with --op-delay-ms so that
# requests wait in it: a kill then always lands while requests are in
# flight (Dom0 checks it saw them outstanding before it lets a kill go).
# It also gets a CONNECT for each device already there.
#
# (c) For each guest in turn: the per-device gauges (outstanding,
#     grefs_held, indirect_pages) and copy_errors at rest; the guest starts
#     loads (memwrite, vector adds, SUBMITs of memsets), Dom0 sees its
#     requests outstanding, the guest SIGKILLs them; the gauges must
#     return to the values at rest within 30 s and no grant copy may have
#     failed (the frontend keeps an abandoned request's grants until its
#     response).
# (d) Both guests load; Dom0 SIGKILLs the worker with requests outstanding.
#     The backend must end them all (gauges 0, no_worker counted); the
#     guests' calls must fail with EHOSTDOWN within 60 s, not hang. After
#     both reported it, Dom0 starts a new worker, which must get a CONNECT
#     for each device; the same guests, without a reboot or a module
#     reload, must then succeed again.
DELAY=${SPLIT_OP_DELAY_MS:-40}

gauges() { # NAME: "outstanding grefs_held indirect_pages copy_errors"
	echo "$(vgpu_dev_stat "$1" outstanding) $(vgpu_dev_stat "$1" grefs_held)" \
		"$(vgpu_dev_stat "$1" indirect_pages) $(vgpu_dev_stat "$1" copy_errors)"
}
at_rest() { [ "$(gauges "$1")" = "$2" ]; }
busy() { # NAME: its requests are outstanding and hold grants
	[ "$(vgpu_dev_stat "$1" outstanding)" -gt 0 ] && [ "$(vgpu_dev_stat "$1" grefs_held)" -gt 0 ]
}

vgpu_worker_start --op-delay-ms "$DELAY"
for g in $(lab_guests); do vgpu_ack "$g" faults; done

# ---- (c) a guest process killed mid-request
for g in $(lab_guests); do
	vgpu_wait_phase "$g" c-rest 240 || lab_fail "guest $g never got to phase c-rest"
	base=$(gauges "$g")
	lab_log "$g at rest: outstanding grefs_held indirect_pages copy_errors = $base"
	vgpu_ack "$g" c-load
	vgpu_wait_phase "$g" c-loading 60 || lab_fail "guest $g did not start its load"
	lab_wait_for 30 "requests of $g outstanding with grants" busy "$g" ||
		lab_fail "$g: never saw its requests outstanding in the backend"
	lab_log "$g loaded: $(gauges "$g")"
	vgpu_ack "$g" c-kill
	vgpu_wait_phase "$g" c-killed 60 || lab_fail "guest $g did not kill its load"
	lab_wait_for 30 "the gauges of $g to return to '$base'" at_rest "$g" "$base" ||
		lab_log "$g: gauges still $(gauges "$g") after 30 s"
	lab_expect_eq "$g: outstanding grefs_held indirect_pages copy_errors after the kill" "$(gauges "$g")" "$base"
	vgpu_ack "$g" c-clean
done

# ---- (d) the worker killed while guests issue requests
for g in $(lab_guests); do
	vgpu_wait_phase "$g" d-rest 180 || lab_fail "guest $g never got to phase d-rest"
done
nw0=$(vgpu_stat no_worker)
for g in $(lab_guests); do vgpu_ack "$g" d-load; done
for g in $(lab_guests); do
	vgpu_wait_phase "$g" d-loading 60 || lab_fail "guest $g did not start its load"
	lab_wait_for 30 "requests of $g outstanding" busy "$g" ||
		lab_fail "$g: never saw its requests outstanding before the worker kill"
done
lab_log "killing the worker with $(vgpu_stat outstanding) request(s) outstanding"
kill -KILL "$(vgpu_worker_pid)" || lab_fail "cannot kill the worker"
lab_wait_for 10 "the backend to see the worker gone" \
	sh -c "[ \"\$(awk '\$1 == \"worker_open\" { print \$2 }' $VGPU_DBG/stats)\" = 0 ]" ||
	lab_fail "worker_open still 1 10 s after SIGKILL"
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k with the worker dead" "$(vgpu_stat $k)" 0
done
nw1=$(vgpu_stat no_worker)
lab_check "requests ended NO_WORKER (no_worker $nw0 -> $nw1)" [ "$nw1" -gt "$nw0" ]
for g in $(lab_guests); do
	vgpu_wait_phase "$g" d-failed 120 || lab_fail "guest $g did not report its EHOSTDOWN"
done
lines=$(wc -l <"$VGPU_WORKER_LOG")
vgpu_worker_start --op-delay-ms "$DELAY"
for g in $(lab_guests); do
	id=$(lab_domid "$g")
	lab_wait_for 20 "the new worker's CONNECT of $g" sh -c \
		"tail -n +$((lines + 1)) $VGPU_WORKER_LOG | grep -q 'connect: domid=$id devid=0 vm_id=$(lab_key "$g" vm-id) '" ||
		lab_fail "the new worker got no CONNECT for $g (domid $id)"
	echo "LAB-CHECK ok: the new worker connected $g (domid $id)"
	vgpu_ack "$g" d-back
done
lab_wait_guests || lab_error "not every guest passed"
m=$(vgpu_worker_metrics)
echo "$m" | sed 's/^.*metrics: /metrics: /'
for g in $(lab_guests); do
	line=$(echo "$m" | grep "metrics: vm domid=$(lab_domid "$g") devid=0 ")
	n=$(vgpu_metric_field "$line" "done")
	lab_check "$g: the new worker ran its requests (done=${n:-none})" [ "${n:-0}" -gt 0 ]
done
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k at the end" "$(vgpu_stat $k)" 0
done
vgpu_worker_stop
lab_step "phase faults passed t=$(lab_uptime)"
