# shellcheck shell=sh
# sched-order, guest side: check our keys through /dev/vgpu0, then run the
# bursts Dom0 asks for (tests/xen/sched/sched-domU.sh).
# shellcheck disable=SC1091 # staged by scenario.conf
. /lab/files/sched-domU.sh
sched_ready
sched_loop
lab_pass "every burst completed"
