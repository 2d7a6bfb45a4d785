# shellcheck shell=sh
# split-pair phase 1 (7a), Dom0 side, sourced by dom0.sh: once both guests
# finished their checks (basic-domU.sh), the worker must have connected
# each device with the values of xenstore, run both VMs' requests, and the
# backend must hold nothing. Then the worker is stopped (SIGTERM drains).
for g in $(lab_guests); do
	vgpu_wait_phase "$g" basic-done 300 || lab_fail "guest $g did not finish its basic checks"
done
m=$(vgpu_worker_metrics)
echo "$m" | sed 's/^.*metrics: /metrics: /'
for g in $(lab_guests); do
	id=$(lab_domid "$g")
	vmid=$(lab_key "$g" vm-id) pool=$(lab_key "$g" pool) prio=$(lab_key "$g" priority)
	lab_check "worker connected $g (domid $id) as vm_id=$vmid pool=$pool prio=$prio" \
		grep -q "connect: domid=$id devid=0 vm_id=$vmid pool=$pool prio=$prio " "$VGPU_WORKER_LOG"
	line=$(echo "$m" | grep "metrics: vm domid=$id devid=0 ")
	[ -n "$line" ] || lab_fail "no metrics line for $g (domid $id)"
	ndone=$(vgpu_metric_field "$line" "done")
	# info, add, 3 vecadds, memtest (alloc, 16 writes, 16 reads, free), the
	# bad-input run's 16 NOPs and its MEM_READ: more than 20 requests.
	lab_check "$g: worker completed its requests (done=$ndone)" [ "${ndone:-0}" -gt 20 ]
	n=$(awk -v id="$id" '$2 == id && $7 == "vector_add" && $8 == 0' "$VGPU_ORDER_LOG" | wc -l)
	lab_check "$g: order log has its 4 vector adds with status 0 (saw $n)" [ "$n" -ge 4 ]
done
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k after the guests" "$(vgpu_stat $k)" 0
done
lab_expect_eq "backend ring errors" "$(vgpu_stat ring_errors)" 0
# Metrics where tools look (Documentation/metrics.md): vgpu-back's counters
# in sysfs, one file each, equal to debugfs'; vgpu-exporter scraped once
# over HTTP with a series per guest from the worker and from the backend.
sysmod=/sys/module/vgpu_back/statistics
lab_expect_eq "files in $sysmod" "$(find "$sysmod" -type f | wc -l)" 18
exporter_log=$VGPU_RUN/exporter.log
# The lab's Dom0 init leaves the loopback interface down.
ip link set lo up || lab_fail "cannot bring lo up for the exporter"
vgpu-exporter >"$exporter_log" 2>&1 &
exporter_pid=$!
lab_wait_for 10 "vgpu-exporter to answer" \
	sh -c 'wget -q -O /dev/null http://127.0.0.1:9464/metrics' ||
	{ cat "$exporter_log"; lab_fail "vgpu-exporter does not answer on 127.0.0.1:9464"; }
scrape=$VGPU_RUN/scrape.txt
wget -q -O "$scrape" http://127.0.0.1:9464/metrics
grep -E '^vgpu_(worker_up|vm_completed_total|vm_connected|backend_requests_total|backend_device_requests_total)' "$scrape"
lab_check "exporter: vgpu_worker_up 1" grep -qx 'vgpu_worker_up 1' "$scrape"
for g in $(lab_guests); do
	id=$(lab_domid "$g")
	st=/sys/bus/xen-backend/devices/vgpu-$id-0/statistics
	lab_expect_eq "$g: files in $st" "$(find "$st" -type f | wc -l)" 17
	lab_expect_eq "$g: sysfs requests equal debugfs'" "$(cat "$st/requests")" "$(vgpu_dev_stat "$g" requests)"
	vmid=$(lab_key "$g" vm-id) pool=$(lab_key "$g" pool) prio=$(lab_key "$g" priority)
	series="vgpu_vm_completed_total{domid=\"$id\",devid=\"0\",vm_id=\"$vmid\",pool=\"$pool\",prio=\"$prio\"}"
	lab_check "exporter: $series" grep -qF "$series " "$scrape"
	series="vgpu_backend_device_requests_total{domid=\"$id\",devid=\"0\"} $(cat "$st/requests")"
	lab_check "exporter: $series" grep -qxF "$series" "$scrape"
done
kill "$exporter_pid"
vgpu_worker_stop
lab_check "the worker exited after draining (exit metrics printed)" \
	grep -q 'metrics: begin reason=exit' "$VGPU_WORKER_LOG"
lab_step "phase basic passed t=$(lab_uptime)"
