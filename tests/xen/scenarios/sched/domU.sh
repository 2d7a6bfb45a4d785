# shellcheck shell=sh
# sched, guest side: check our keys through /dev/vgpu0, run the bursts and
# floods Dom0 asks for (tests/xen/sched/sched-domU.sh), then check the
# priority the worker reports for us now.
# shellcheck disable=SC1091 # staged by scenario.conf
. /lab/files/sched-domU.sh
sched_ready
sched_loop
sched_info_is priority "$(lab_key final-priority)"
lab_pass "every burst completed, priority now $(lab_key final-priority)"
