# shellcheck shell=sh
# fuzz-ioctl, Dom0 side (not in CHECK_LIST; `tests/xen/lab.sh fuzz-ioctl`):
# vgpu-back, a CPU worker and one guest that runs vgpufuzz
# (tests/xen/guest/vgpufuzz.c) for FUZZ_SECONDS (90) - random ioctl
# numbers, sizes, fields and pointers from 8 threads, processes killed
# with requests in flight. Once every fuzzing process is gone, the
# worker's own accounting for the VM (control socket, `vms`) must be back
# at zero: nothing queued or in flight, no memory (mem_used); the
# backend holds nothing for the device, its ring had no error, and no
# Dom0 kernel log line speaks of an oops, BUG or WARNING.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

# The guests file's keys, mem-quota included, registered in vgpu-admin.
lab_guest_setup() { vgpu_guest_setup "$@"; }

vgpu_backend_up
dmesg -c >/dev/null
vgpu_worker_start
vgpu_register
lab_create_guests
g=fuzz-pv
id=$(lab_domid "$g")
vgpu_wait_phase "$g" fuzz-done 300 || lab_fail "guest $g did not finish the fuzzer"

line=$(vgpu-worker -q vms | grep "^domid=$id devid=0 ")
echo "vms: $line"
[ -n "$line" ] || lab_fail "the worker has no vms line for $g (domid $id)"
lab_expect_eq "worker mem-quota of $g" "$(vgpu_metric_field "$line" mem_quota)" 268435456
for k in queued inflight; do
	lab_expect_eq "worker's $k for $g after the fuzzer" "$(vgpu_metric_field "$line" "$k")" 0
done
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend $k of $g after the fuzzer" "$(vgpu_dev_stat "$g" "$k")" 0
done
lab_expect_eq "backend ring errors" "$(vgpu_stat ring_errors)" 0
lab_check "the worker is still running" kill -0 "$(vgpu_worker_pid)"
lab_check "vgpu-back is still loaded" sh -c 'grep -q "^vgpu_back " /proc/modules'
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|KASAN|general protection|Call Trace')
[ -z "$bad" ] || echo "$bad" | sed 's/^/dmesg| /'
lab_check "Dom0 logged no oops, BUG or WARNING" [ -z "$bad" ]
vgpu_ack "$g" checked

lab_wait_guests || lab_fail "the guest did not pass"
vgpu_check_shutdown "$g"
vgpu_worker_stop
vgpu_worker_log | grep -v 'metrics: ' | tail -n 40
# Last, so that every other check above has run: the memory the fuzzing
# processes allocated and never freed must have gone with their open
# files (issue 14, hole 11: the frontend frees an open file's
# allocations when it is closed).
lab_expect_eq "worker's mem_used for $g once the fuzzing processes were gone" \
	"$(vgpu_metric_field "$line" mem_used)" 0
lab_pass "a hostile ioctl run left the worker's and the backend's accounting at zero"
