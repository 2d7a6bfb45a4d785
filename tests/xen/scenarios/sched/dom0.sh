# shellcheck shell=sh
# sched, Dom0 side: proves the worker's scheduling on real Xen, in one boot
# with four guests (each Xen boot and guest boot costs tens of seconds under
# TCG). The worker runs the CPU executor, one request at a time, each op
# taking SCHED_DELAY_MS (20) ms, and logs every completion in its order
# log; with one request at a time, the order of the log is the order
# requests started in. Guests: hi (high, pool A), mdA (medium, A), mdB
# (medium, B), lo (low, B). Helpers and the load protocol: tests/xen/sched/.
# Two phases (tests/xen/sched/; split-pools runs them too, after its own
# load); one that fails ends the scenario there:
#   order-phase.sh  strict priority, FIFO within a level across pools, each
#                   VM in order (SCHED_BREAK=1 or 2 must FAIL)
#   live-phase.sh   lo moved to high through xenstore mid-flood, bad values
#                   refused, no reconnect (SCHED_BREAK=3 or 4 must FAIL)
# shellcheck disable=SC1091 # staged by scenario.conf
. /lab/vgpu-lab.sh
# shellcheck disable=SC1091
. /lab/files/sched-dom0.sh

sched_start_worker
vgpu_register
lab_create_guests
sched_phases 4 hi mdA mdB lo
lab_pass "strict priority, FIFO within a level across pools, each VM in order; live priority change"
