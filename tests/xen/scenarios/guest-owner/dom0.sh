# shellcheck shell=sh
# guest-owner, Dom0 side: vgpu-back and a CPU worker for one guest whose
# device has a mem-quota (domU.sh does the checks). Afterwards the backend
# must hold nothing, have seen no ring error, and Dom0's kernel must have
# logged no warning (a ring_work EOI after unbind, hole 6, would not show
# by itself; the guest's reload loop drives ring_stop with traffic before
# each disconnect, and any fault it caused would).
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

lab_guest_setup() { vgpu_guest_setup "$@"; }

vgpu_backend_up
# Every answer a second late: the guest kills a process mid-MEM_ALLOC.
vgpu_worker_start --op-delay-ms 1000
vgpu_register
lab_create_guests
lab_wait_guests || lab_fail "the guest did not pass its checks"
for k in outstanding grefs_held indirect_pages; do
	lab_expect_eq "backend gauge $k after the guest" "$(vgpu_stat $k)" 0
done
lab_expect_eq "backend ring errors" "$(vgpu_stat ring_errors)" 0
lab_check "the worker connected the guest with its quota" \
	grep -q "mem_quota=$(lab_key owner-pv mem-quota) " "$VGPU_WORKER_LOG"
n=$(grep -cE '(^|[^s])connect: domid=' "$VGPU_WORKER_LOG")
lab_check "the worker saw the guest connect once per module load (saw $n)" [ "$n" -ge 4 ]
w=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection' | head -n 3)
lab_expect_eq "Dom0 kernel warnings" "$w" ""
vgpu_worker_stop
vgpu_check_shutdown owner-pv
vgpu_worker_log | grep -v 'metrics: '
lab_pass "ownership per open file, memory freed at kill, module reload"
