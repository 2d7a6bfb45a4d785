# shellcheck shell=sh
# The live-priority phase, Dom0 side: sourced by sched_phases
# (sched-dom0.sh) after order-phase.sh, with the same worker, guests and
# roles: a priority changed mid-run (vgpu-admin vm set + apply) changes the
# scheduling at once, without a reconnect; bad values are refused and the VM keeps its
# last good setting. The mover is $lo (low, pool B), the steady guest $mdA
# (medium, pool A); the others stay idle.
#
# Behind a gate (worker frozen), steady (medium) queues 4 threads x 50
# nops, then mover (low) 4 x 10; then the worker goes:
#  1. steady floods and none of mover's queued requests runs;
#  2. Dom0 writes priority=urgent straight to mover's backend directory
#     (vgpu-admin refuses such a value; a broken toolstack might not): the
#     backend logs that it refuses it, its debugfs still says low, the
#     worker gets no config change, and 15 more of steady's requests run,
#     none of mover's;
#  3. `vgpu-admin vm set MOVER priority high`, then `vgpu-admin apply
#     MOVER` (the database, then the backend directory), noting the order
#     log's length before and after the apply: mover's first request runs
#     within SCHED_SLACK (10) completions of it, logged as high, and all of
#     its requests but its last 4 (its threads ending) run with none of
#     steady's between, though steady had requests waiting all along;
#  4. priority=top is refused too: debugfs still says high, and mover's
#     `vgpu-client info` says high at the end;
#  5. no reconnect: one connect and no disconnect for mover in the
#     backend's counters and log, one config change in the worker's log.
#
# `lab.sh -e SCHED_BREAK=3 sched` (or split-pools) expects mover to be
# logged low after the change, `-e SCHED_BREAK=4` expects steady to be the
# one held back and then moved ahead: both must FAIL.

# shellcheck disable=SC2154 # hi, mdA, mdB, lo: set by sched_phases
sched_dmesg_has() { dmesg | grep -qF "$1"; }
sched_nops() { # NAME: nops of guest NAME in the order log since this phase began
	awk -v d="$(lab_domid "$1")" -v from="$L0" 'NR > from && $2 == d && $7 == "nop"' "$SCHED_ORDER" | wc -l
}
sched_nops_are() { [ "$(sched_nops "$1")" = "$2" ]; }

mover=$lo steady=$mdA
idm=$(lab_domid "$mover")
be=/local/domain/0/backend/vgpu/$idm/0
mvid=$(lab_key "$mover" vm-id) mpool=$(lab_key "$mover" pool)
sched_freeze
L0=$(sched_lines)
sched_burst "$steady" 4 50 4
sched_burst "$mover" 4 10 4
sched_thaw

# 1, 2: a bad value while mover waits at low.
sched_wait_lines $((L0 + 20)) 30
B0=$(sched_lines)
lab_xs_write "$be/priority" urgent
lab_step "wrote priority=urgent for mover at $B0 completions t=$(lab_uptime)"
lab_wait_for 10 "the backend to refuse priority urgent" \
	sched_dmesg_has "dom$idm/0: refusing priority \"urgent\"" ||
	lab_fail "no 'dom$idm/0: refusing priority \"urgent\"' line in Dom0's dmesg"
echo "LAB-CHECK ok: backend refused priority=urgent: $(dmesg | grep -F "refusing priority \"urgent\"" | tail -n 1)"
lab_expect_eq "mover's priority in debugfs after urgent" "$(sched_dev "$mover" priority)" 2
sched_wait_lines $((B0 + 15)) 30

# 3: the real change, the operator's way: the database, then `apply`
# writes it to the running domain's backend directory.
vgpu_admin vm set "$mover" priority high
S0=$(sched_lines)
vgpu_admin apply "$mover"
S1=$(sched_lines)
lab_step "vgpu-admin applied priority=high for mover between $S0 and $S1 completions t=$(lab_uptime)"
lab_expect_eq "mover's priority in its backend directory" "$(lab_xs_read "$be/priority")" high
lab_wait_for 60 "mover's 40 nops" sched_nops_are "$mover" 40 ||
	lab_fail "mover has $(sched_nops "$mover") nops in the order log 60s after priority=high, 40 expected"
lab_expect_eq "mover's priority in debugfs after high" "$(sched_dev "$mover" priority)" 0
lab_check "backend logged the change" sched_dmesg_has "dom$idm/0: priority changed: pool $mpool, priority 0, vm-id $mvid"

# 4: another bad value after the change.
lab_xs_write "$be/priority" top
lab_wait_for 10 "the backend to refuse priority top" \
	sched_dmesg_has "dom$idm/0: refusing priority \"top\"" ||
	lab_fail "no 'dom$idm/0: refusing priority \"top\"' line in Dom0's dmesg"
echo "LAB-CHECK ok: backend refused priority=top"
lab_expect_eq "mover's priority in debugfs after top" "$(sched_dev "$mover" priority)" 0

sched_wait_lines $((L0 + 240)) 60
lab_step "flood done at $(sched_lines) completions t=$(lab_uptime)"
xprio=high x=$mover y=$steady
[ "${SCHED_BREAK:-}" = 3 ] && xprio=low
[ "${SCHED_BREAK:-}" = 4 ] && x=$steady y=$mover
sched_check live $((L0 + 1)) $((L0 + 240)) -v x="$x" -v y="$y" -v s0="$S0" \
	-v s1="$S1" -v xprio="$xprio" -v yprio=medium -v xthreads=4 -v xtotal=40 \
	-v slack="${SCHED_SLACK:-10}" -v ymin=35 -v skip="$mover"

# 5: no reconnect, one config change.
lab_expect_eq "mover connected" "$(sched_dev "$mover" connected)" 1
lab_expect_eq "mover's connects" "$(sched_dev "$mover" connects)" 1
lab_expect_eq "mover's disconnects" "$(sched_dev "$mover" disconnects)" 0
if sched_dmesg_has "dom$idm/0: disconnected"; then
	lab_fail "the backend disconnected mover: $(dmesg | grep -F "dom$idm/0: disconnected" | head -n 1)"
fi
lab_expect_eq "worker config changes for mover" \
	"$(grep -c "config: domid=$idm devid=0 " "$SCHED_WLOG")" 1
lab_check "worker saw mover at high" grep -q "config: domid=$idm devid=0 vm_id=$mvid pool=$mpool prio=high " "$SCHED_WLOG"

lab_step "phase live passed t=$(lab_uptime)"
