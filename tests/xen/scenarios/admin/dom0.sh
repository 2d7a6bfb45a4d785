# shellcheck shell=sh
# admin, Dom0 side (issue 11): the operator's plane on a real Xen, in one
# boot with three PV guests (four boots: db1 is created twice).
#  1. web1, batch1, db1 registered by name in vgpu-admin's database (UUID,
#     pool, priority, vm-id, limits from the guests file).
#  2. web1 started the explicit xl way: `xl create -p`, `vgpu-admin attach
#     web1`, `xl unpause`. batch1 started with no device.
#  3. `vgpu-admin watch` started as a daemon, after both domains exist: it
#     attaches batch1, whose frontend, already running, connects (the late
#     case), and leaves web1's connected device alone (one connect).
#  4. db1 created while the watcher runs: attached by the watcher while
#     still paused, before its frontend probes.
#  5. Every guest checks GET_INFO and its backend directory against its
#     keys (domU.sh); the worker connected each device with every value.
#  6. `vgpu-admin vm set web1 priority low` + `apply`: the worker logs the
#     change and its metrics show web1 at low, without a reconnect.
#  7. `xl destroy db1`: the watcher removes its backend directory; db1
#     created again (new domid) is attached again with the same values.
#  8. `vgpu-admin status` lists all three with live figures.
#  9. `vgpu-admin doctor` passes (no IOMMU under the lab's QEMU is only
#     information while every backend is in Dom0); with the worker stopped
#     it fails and names the worker. The worker is started again.
# 10. The guests end (web1 must see low); once they are gone no vgpu
#     backend directory is left.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

WATCH_LOG=$LAB_RUN/watch.log
BE_ROOT=/local/domain/0/backend/vgpu

# A lab_create_guest hook: nothing but wait (the guest paused) until the
# watcher attached the domain: its backend directory names it.
admin_wait_watcher() { # NAME DOMID
	lab-xs-wait -t 60 "$BE_ROOT/$2/0/frontend-id" "$2" ||
		lab_fail "the watcher did not attach $1 (domid $2) within 60 s"
	lab_step "guest $1 vgpu attached by the watcher domid=$2 t=$(lab_uptime)"
}

# admin_connect_line NAME: what the worker logs when it connects NAME's
# device with the database's values.
admin_connect_line() {
	_q=$(lab_key "$1" mem-quota)
	case $_q in
	*K) _q=$((${_q%K} * 1024)) ;;
	*M) _q=$((${_q%M} * 1048576)) ;;
	*G) _q=$((${_q%G} * 1073741824)) ;;
	esac
	echo "domid=$(lab_domid "$1") devid=0 vm_id=$(lab_key "$1" vm-id)" \
		"pool=$(lab_key "$1" pool) prio=$2 max_queued=$(lab_key "$1" max-queued)" \
		"mem_quota=$_q max_inflight=$(lab_key "$1" max-inflight)" \
		"rate_limit=$(lab_key "$1" rate-limit)"
}

admin_check_connected() { # NAME
	_l="connect: $(admin_connect_line "$1" "$(lab_key "$1" priority)")"
	lab_wait_for 20 "the worker's connect of $1" grep -qF "$_l" "$VGPU_WORKER_LOG" ||
		lab_fail "the worker never logged '$_l'"
	echo "LAB-CHECK ok: worker: $_l"
}

admin_on_exit() {
	echo "LAB-LOG-BEGIN vgpu-admin-watch"
	sed 's/^/watch| /' "$WATCH_LOG" 2>/dev/null
	echo "LAB-LOG-END vgpu-admin-watch"
	vgpu_worker_log | grep -v 'metrics: ' | tail -n 60
}
trap admin_on_exit EXIT

vgpu_backend_up
vgpu_worker_start

# 1. The database.
vgpu_register web1 batch1 db1
out=$(vgpu-admin vm list 2>&1) || lab_fail "vgpu-admin vm list: $out"
echo "$out" | sed 's/^/admin| /'
for g in web1 batch1 db1; do
	lab_check "vm list names $g" sh -c "echo \"\$1\" | grep -qw $g" - "$out"
done

# 2. web1 the explicit way, batch1 without a device; both at once.
(lab_create_guest web1 vgpu_guest_setup) &
p1=$!
(lab_create_guest batch1) &
p2=$!
wait $p1 || lab_fail "creating web1 failed"
wait $p2 || lab_fail "creating batch1 failed"
idw=$(lab_domid web1) idb=$(lab_domid batch1)
lab_check "batch1 has no backend directory before the watcher" sh -c "! xenstore-exists $BE_ROOT/$idb"
vgpu_wait_phase batch1 no-device 240 || lab_fail "batch1 did not report its missing device"
vgpu_wait_phase web1 ready 240 || lab_fail "web1 did not get ready"
lab_expect_eq "web1's connects before the watcher" "$(vgpu_dev_stat web1 connects)" 1

# 3. The watcher, after both domains exist.
vgpu-admin watch >"$WATCH_LOG" 2>&1 &
echo $! >"$LAB_RUN/watch.pid"
lab_step "vgpu-admin watch started pid=$(cat "$LAB_RUN/watch.pid") t=$(lab_uptime)"
lab-xs-wait -t 60 "$BE_ROOT/$idb/0/frontend-id" "$idb" ||
	lab_fail "the watcher did not attach the running batch1 (domid $idb) within 60 s"
lab_step "guest batch1 vgpu attached by the watcher domid=$idb t=$(lab_uptime)"
vgpu_wait_phase batch1 ready 180 || lab_fail "batch1's frontend did not connect to the late device"
lab_check "the watcher is running" kill -0 "$(cat "$LAB_RUN/watch.pid")"

# 4. db1 while the watcher runs.
lab_create_guest db1 admin_wait_watcher
vgpu_wait_phase db1 ready 240 || lab_fail "db1 did not get ready"

# 5. The worker's view of the three devices; web1 untouched by the watcher.
for g in web1 batch1 db1; do admin_check_connected "$g"; done
lab_expect_eq "web1's connects after the watcher started" "$(vgpu_dev_stat web1 connects)" 1
lab_expect_eq "web1's disconnects" "$(vgpu_dev_stat web1 disconnects)" 0

# 6. A running VM's priority, changed by the operator.
vgpu_admin vm set web1 priority low
vgpu_admin apply web1
lab_expect_eq "web1's priority in its backend directory" "$(lab_xs_read "$BE_ROOT/$idw/0/priority")" low
l="config: $(admin_connect_line web1 low)"
lab_wait_for 20 "the worker's config change of web1" grep -qF "$l" "$VGPU_WORKER_LOG" ||
	lab_fail "the worker never logged '$l'"
echo "LAB-CHECK ok: worker: $l"
m=$(vgpu_worker_metrics | grep "metrics: vm domid=$idw devid=0 ")
echo "$m" | sed 's/^.*metrics: /metrics: /'
lab_expect_eq "web1's level in the worker's metrics" "$(vgpu_metric_field "$m" prio)" low
lab_expect_eq "web1's connects after the change (no reconnect)" "$(vgpu_dev_stat web1 connects)" 1
lab_expect_eq "web1's disconnects after the change" "$(vgpu_dev_stat web1 disconnects)" 0

# 7. db1 destroyed: no backend directory left; created again: attached again.
old=$(lab_domid db1)
lab_destroy_guest db1
lab_wait_for 30 "the watcher to remove $BE_ROOT/$old" sh -c "! xenstore-exists $BE_ROOT/$old" ||
	lab_fail "$BE_ROOT/$old still there 30 s after xl destroy db1"
echo "LAB-CHECK ok: xl destroy db1 left no backend directory ($BE_ROOT/$old gone)"
lab_recreate_guest db1 admin_wait_watcher
new=$(lab_domid db1)
lab_check "db1 has a new domid ($old -> $new)" [ "$new" != "$old" ]
vgpu_wait_phase db1 ready 240 || lab_fail "db1, created again, did not get ready"
admin_check_connected db1

# 8. status: all three, with live figures (DONE: the worker's completions).
out=$(vgpu-admin status 2>&1) || lab_fail "vgpu-admin status exited non-zero: $out"
echo "$out" | sed 's/^/admin| /'
for g in web1 batch1 db1; do
	row=$(echo "$out" | awk -v g="$g" '$1 == g')
	lab_check "status lists $g" [ -n "$row" ]
	lab_expect_eq "status: $g's domid" "$(echo "$row" | awk '{ print $2 }')" "$(lab_domid "$g")"
	lab_expect_eq "status: $g's vm-id" "$(echo "$row" | awk '{ print $4 }')" "$(lab_key "$g" vm-id)"
	lab_expect_eq "status: $g's priority" "$(echo "$row" | awk '{ print $6 }')" \
		"$(lab_key "$g" final-priority "$(lab_key "$g" priority)")"
	n=$(echo "$row" | awk '{ print $9 }')
	lab_check "status: $g's requests done ($n) are live figures" [ "${n:-0}" -gt 0 ]
done

# 9. doctor: every check passes (the lab's QEMU has no IOMMU, which
# doctor only reports while every backend is in Dom0: no GPU is passed
# through); with the worker stopped it fails and names the worker.
caps=$(xl info | sed -n 's/^virt_caps *: *//p')
lab_step "xl info virt_caps: $caps"
want=
doctor() { # WANT-FAILED: runs vgpu-admin doctor, checks the failed checks
	_o=$(vgpu-admin doctor 2>&1)
	_rc=$?
	echo "$_o" | sed 's/^/doctor| /'
	lab_expect_eq "doctor's failed checks" "$(echo "$_o" | awk '$1 == "FAIL" { printf "%s ", $2 }')" "$1"
	[ -n "$1" ] && _want=1 || _want=0
	lab_expect_eq "doctor's exit status" "$_rc" "$_want"
	doctor_out=$_o
}
doctor "$want"
vgpu_worker_stop
doctor "${want}worker "
case $doctor_out in
*"fix: start vgpu-worker"*) echo "LAB-CHECK ok: doctor prints the worker's fix" ;;
*) lab_fail "doctor did not print 'fix: start vgpu-worker' with the worker stopped" ;;
esac
vgpu_worker_start

# 10. The end.
for g in web1 batch1 db1; do vgpu_ack "$g" end; done
lab_wait_guests || lab_error "not every guest passed"
lab_wait_for 30 "no vgpu backend directory left" sh -c "[ -z \"\$(xenstore-list $BE_ROOT 2>/dev/null)\" ]" ||
	lab_error "backend directories left after the guests ended: $(xenstore-list $BE_ROOT | tr '\n' ' ')"
vgpu_worker_stop
lab_pass "registered, attached (explicitly, late, by the watcher, again after destroy) with the database's values; live priority change; status; doctor"
