# shellcheck shell=sh
# sched-live, guest side: check our keys through /dev/vgpu0, run the flood
# Dom0 asks for, then check the priority the worker reports for us now.
. /lab/files/sched-domU.sh
sched_ready
sched_loop
sched_info_is priority "$LAB_KEY_final_priority"
lab_pass "flood completed, priority now $LAB_KEY_final_priority"
