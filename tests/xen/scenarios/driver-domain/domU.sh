# shellcheck shell=sh
# driver-domain, guest side. Two roles (the guests file's keys):
#  gpudd (role=driver-domain): loads vgpu-back, starts vgpu-worker (CPU
#    executor), tells Dom0 (phase ready); then on Dom0's word checks that
#    its worker saw g1's new priority (prio-seen), SIGKILLs its worker and
#    starts a new one that gets a CONNECT for both devices (restarted).
#    Dom0 then destroys it (xl destroy, as a crash) and creates it again
#    (key second=1): up again, its new worker connects both guests, and at
#    the end it stops the worker with the backend's gauges at 0.
#  g1, g2: a device whose backend is gpudd, not Dom0: GET_INFO shows the
#    database's values, checked vector adds are right (ready); after the
#    worker restart, with no reboot and no module reload, requests work
#    again and g1 reads its new priority (done); after gpudd's restart and
#    the watcher's re-attach, a reload of vgpu-front (no reboot) connects
#    the device to the new gpudd (done2).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

dd_connects_since() { # LINE DOMID: 0 once a connect of DOMID is logged after LINE
	tail -n +"$(($1 + 1))" "$VGPU_WORKER_LOG" | grep -q "connect: domid=$2 devid=0 "
}

driver_domain() {
	lab_check "no vgpu device of its own" sh -c '! xenstore-exists device/vgpu'
	vgpu_backend_up /lab/files/vgpu-back.ko
	vgpu_worker_start
	vgpu_phase ready
	if [ "$(lab_key second 0)" = 1 ]; then
		# Created again after the guests were attached to the first one.
		vgpu_wait_ack end 240
		for g in g1 g2; do
			gid=$(lab_xs_read "/local/domain/$LAB_DOMID/vgpu-$g")
			lab_check "the worker connected $g (domid $gid)" dd_connects_since 0 "$gid"
		done
		dd_end "created again: served g1 and g2"
		return
	fi

	vgpu_wait_ack prio 300
	id=$(lab_xs_read "/local/domain/$LAB_DOMID/vgpu-g1")
	l="config: domid=$id devid=0 vm_id=51 pool=A prio=low "
	lab_wait_for 20 "the worker's config change of g1" grep -qF "$l" "$VGPU_WORKER_LOG" ||
		lab_fail "the worker never logged '$l'"
	echo "LAB-CHECK ok: worker: $(grep -F "$l" "$VGPU_WORKER_LOG" | tail -n 1)"
	m=$(vgpu_worker_metrics | grep "metrics: vm domid=$id devid=0 ")
	lab_expect_eq "g1's level in the worker's metrics" "$(vgpu_metric_field "$m" prio)" low
	vgpu_phase prio-seen

	vgpu_wait_ack restart 120
	lines=$(wc -l <"$VGPU_WORKER_LOG")
	kill -KILL "$(vgpu_worker_pid)" || lab_fail "cannot kill the worker"
	lab_wait_for 10 "the backend to see the worker gone" \
		sh -c "[ \"\$(awk '\$1 == \"worker_open\" { print \$2 }' $VGPU_DBG/stats)\" = 0 ]" ||
		lab_fail "worker_open still 1 10 s after SIGKILL"
	echo "LAB-CHECK ok: worker SIGKILLed, the backend saw it go"
	vgpu_worker_start
	for g in g1 g2; do
		gid=$(lab_xs_read "/local/domain/$LAB_DOMID/vgpu-$g")
		lab_wait_for 20 "the new worker's CONNECT of $g" dd_connects_since "$lines" "$gid" ||
			lab_fail "the new worker got no CONNECT for $g (domid $gid)"
		echo "LAB-CHECK ok: the new worker connected $g (domid $gid)"
	done
	vgpu_phase restarted
	# Dom0 destroys this domain next (and creates it again); an "end"
	# here would come from a scenario without that step.
	vgpu_wait_ack end 240
	dd_end "vgpu-back and vgpu-worker in a driver domain served g1 and g2"
}

dd_end() { # MSG: the backend at rest, the worker stopped
	for k in outstanding grefs_held indirect_pages; do
		lab_expect_eq "backend gauge $k at the end" "$(vgpu_stat $k)" 0
	done
	lab_expect_eq "backend ring errors" "$(vgpu_stat ring_errors)" 0
	vgpu_worker_stop
	vgpu_worker_log | grep -v 'metrics: ' | tail -n 30
	lab_pass "$1"
}

vgpu_guest() {
	vgpu_wait_device 180
	be=$(lab_xs_read device/vgpu/0/backend)
	beid=$(lab_xs_read device/vgpu/0/backend-id)
	lab_check "the backend is a driver domain, not Dom0 (backend-id $beid)" [ "$beid" != 0 ]
	lab_expect_eq "backend dir" "$be" "/local/domain/$beid/backend/vgpu/$LAB_DOMID/0"
	info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
	echo "$info" | sed 's/^/info: /'
	lab_expect_eq "GET_INFO pool" "$(echo "$info" | sed -n 's/^pool=//p')" "$(lab_key pool)"
	lab_expect_eq "GET_INFO priority" "$(echo "$info" | sed -n 's/^priority=//p')" "$(lab_key priority)"
	lab_expect_eq "GET_INFO vm_id" "$(echo "$info" | sed -n 's/^vm_id=//p')" "$(lab_key vm-id)"
	if xenstore-write "$be/priority" high 2>/dev/null; then
		lab_fail "the guest could write its backend directory ($be/priority)"
	fi
	echo "LAB-CHECK ok: $be is not writable by the guest"
	vgpu_client_expect "vector add 4096" 60 "vecadd n=4096 ok" vecadd 4096 --seed "$LAB_DOMID"
	vgpu_client_expect "vector add 65536" 60 "vecadd n=65536 ok" vecadd 65536 --seed 7
	vgpu_phase ready

	vgpu_wait_ack again 300
	vgpu_client_expect "nop after the worker restart" 30 "nop ok" nop
	vgpu_client_expect "vector add after the worker restart" 60 "vecadd n=4096 ok" vecadd 4096 --seed 3
	info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
	fprio=$(lab_key final-priority "$(lab_key priority)")
	lab_expect_eq "GET_INFO priority after the change" "$(echo "$info" | sed -n 's/^priority=//p')" "$fprio"
	vgpu_phase "done"

	# gpudd destroyed and created again, the device re-attached by the
	# watcher: the frontend read its backend's path when it probed, so it
	# probes again (module reload) to read the new one.
	vgpu_wait_ack again2 300
	lab_check "rmmod vgpu-front" rmmod vgpu-front
	lab_check "modprobe vgpu-front" modprobe vgpu-front
	vgpu_wait_device 60
	beid2=$(lab_xs_read device/vgpu/0/backend-id)
	lab_check "a new backend domain ($beid -> $beid2)" [ "$beid2" != "$beid" ]
	vgpu_client_expect "nop after gpudd's restart" 30 "nop ok" nop
	vgpu_client_expect "vector add after gpudd's restart" 60 "vecadd n=4096 ok" vecadd 4096 --seed 5
	info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
	lab_expect_eq "GET_INFO priority after gpudd's restart" "$(echo "$info" | sed -n 's/^priority=//p')" "$fprio"
	vgpu_phase done2
	vgpu_wait_ack end 120
	lab_pass "served by the driver domain (domid $beid, then $beid2); priority $fprio; requests right across a worker restart and a driver domain restart"
}

case $(lab_key role guest) in
driver-domain) driver_domain ;;
*) vgpu_guest ;;
esac
