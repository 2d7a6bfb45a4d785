# shellcheck shell=sh
# The scheduling order phase, Dom0 side: sourced by sched_phases
# (sched-dom0.sh) once the worker runs and the guests are ready. $hi,
# $mdA, $mdB and $lo name the guests of the four roles below: hi (high,
# pool A), mdA (medium, A), mdB (medium, B), lo (low, B).
#
# 1. Bursts behind a gate: the worker is frozen (SIGSTOP); Dom0 has each
#    guest send a burst and waits until the backend holds all of it (its
#    debugfs count) before the next, so the arrival order is known:
#      lo 3, mdB 3, mdA 3, hi 2, mdB 2, hi 1
#    then lets the worker go. Strict priority, FIFO by arrival within a
#    level whatever the pool, and each VM's own FIFO allow exactly one
#    order: hi x3, mdB x3, mdA x3, mdB x2, lo x3.
# 2. Flood behind a gate: every guest's T threads each keep one nop in
#    flight, K nops each (hi 8x4, mdA 4x6, mdB 4x6, lo 4x5), all queued
#    before the worker goes (mdB's before mdA's). Checked: no lower-level
#    request starts while a higher level's guests still have requests
#    queued (until their last T); mdB's 4 queued ones, then mdA's, start
#    first at medium; the two medium guests then take turns (FIFO).
#    With ARR/SEEN columns in the order log, every start is also checked
#    against every request that was waiting (orderlog.awk).
#
# `lab.sh -e SCHED_BREAK=1 sched` (or split-pools) expects pool A before
# pool B in step 1, `-e SCHED_BREAK=2` in step 2: both must FAIL.

# shellcheck disable=SC2154 # hi, mdA, mdB, lo: set by sched_phases
# Each guest checked pool, priority and vm-id: 3 GET_INFO each.
sched_wait_lines 12 30
sched_freeze
L0=$(sched_lines)
lab_expect_eq "completions before the bursts" "$L0" 12

lab_step "step 1: bursts behind the gate t=$(lab_uptime)"
sched_burst "$lo" 3 1 3
sched_burst "$mdB" 3 1 3
sched_burst "$mdA" 3 1 3
sched_burst "$hi" 2 1 2
sched_burst "$mdB" 2 1 5
sched_burst "$hi" 1 1 3
sched_thaw
sched_wait_lines $((L0 + 14)) 30
expect="$hi $hi $hi $mdB $mdB $mdB $mdA $mdA $mdA $mdB $mdB $lo $lo $lo"
[ "${SCHED_BREAK:-}" = 1 ] && expect="$hi $hi $hi $mdA $mdA $mdA $mdB $mdB $mdB $mdB $mdB $lo $lo $lo"
sched_check seq $((L0 + 1)) $((L0 + 14)) -v expect="$expect"

lab_step "step 2: flood behind the gate t=$(lab_uptime)"
sched_freeze
L1=$(sched_lines)
lab_expect_eq "completions after step 1" "$L1" $((L0 + 14))
sched_burst "$mdB" 4 6 4
sched_burst "$mdA" 4 6 4
sched_burst "$lo" 4 5 4
sched_burst "$hi" 8 4 8
sched_thaw
t0=$(date +%s)
sched_wait_lines $((L1 + 100)) 120
lab_step "step 2: 100 completions in $(($(date +%s) - t0))s t=$(lab_uptime)"
first="$mdB $mdA"
[ "${SCHED_BREAK:-}" = 2 ] && first="$mdA $mdB"
sched_check flood $((L1 + 1)) $((L1 + 100)) -v threads="$hi=8 $mdA=4 $mdB=4 $lo=4" \
	-v count="$hi=4 $mdA=6 $mdB=6 $lo=5" -v first="$first"

# The flood was exactly 100 requests: nothing more may follow.
sleep 1
lab_expect_eq "order log lines after the flood" "$(sched_lines)" $((L1 + 100))
lab_step "phase order passed t=$(lab_uptime)"
