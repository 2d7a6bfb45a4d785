# shellcheck shell=sh
# split-pair phase 2 (7c, 7d), guest side, sourced by domU.sh; the phases
# Dom0 waits for are in faults-dom0.sh.
ended_within() { # PID SECS: 0 once PID has ended, 1 if it still runs after SECS
	_e=$(($(date +%s) + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(date +%s)" -ge "$_e" ] && return 1
		sleep 0.2
	done
	return 0
}

vgpu_client_expect "nop" 30 "nop ok" nop

# ---- (c) our own processes killed in the middle of requests
vgpu_phase c-rest
vgpu_wait_ack c-load 300
vgpu-client bench memwrite 1M --count 100000 --threads 3 >/run/lab/c-memwrite.log 2>&1 &
p1=$!
vgpu-client stress 100000 --threads 2 --size 4096 >/run/lab/c-stress.log 2>&1 &
p2=$!
# SUBMITs of 64 with up to 16 requests in flight each (vgpuops2.c).
vgpuops2 --submit-load >/run/lab/c-submit.log 2>&1 &
p3=$!
vgpu_phase c-loading
vgpu_wait_ack c-kill 60
kill -KILL $p1 $p2 $p3
ended_within $p1 10 || lab_fail "a SIGKILLed vgpu-client (memwrite) still runs after 10 s"
ended_within $p2 10 || lab_fail "a SIGKILLed vgpu-client (stress) still runs after 10 s"
ended_within $p3 10 || lab_fail "a SIGKILLed vgpuops2 (submit load) still runs after 10 s"
wait $p1
r1=$?
wait $p2
r2=$?
wait $p3
r3=$?
echo "c-submit: $(cat /run/lab/c-submit.log)"
lab_expect_eq "memwrite load ended by SIGKILL (exit status)" "$r1" 137
lab_expect_eq "vector-add load ended by SIGKILL (exit status)" "$r2" 137
lab_expect_eq "submit load ended by SIGKILL (exit status)" "$r3" 137
vgpu_phase c-killed
vgpu_wait_ack c-clean 60
# Every bounce page is back, or this 16 MiB request could not get its pages.
out=$(lab_timeout 120 vgpu-client memtest 16M 2>&1)
rc=$?
echo "memtest: $out"
lab_expect_eq "16 MiB memtest after the kills (needs the whole budget), exit status" "$rc" 0
vgpu_client_expect "vector add after the kills" 60 "vecadd n=4096 ok" vecadd 4096

# ---- (d) the worker killed under our requests
vgpu_phase d-rest
vgpu_wait_ack d-load 300
t0=$(date +%s)
vgpu-client stress 100000 --threads 2 >/run/lab/d-stress.log 2>&1 &
p=$!
vgpu_phase d-loading
ended_within $p 90 || {
	kill -KILL $p
	lab_fail "vgpu-client still waiting 90 s after its load started: the worker's death left it hanging"
}
wait $p
rc=$?
out=$(cat /run/lab/d-stress.log)
echo "d-stress: $out (after $(($(date +%s) - t0)) s)"
lab_expect_eq "load under the killed worker: exit status (a vgpu call failed)" "$rc" 1
lab_check "its error is EHOSTDOWN" grep -q 'EHOSTDOWN' /run/lab/d-stress.log
out=$(lab_timeout 30 vgpu-client nop 2>&1)
rc=$?
echo "nop with no worker: $out"
lab_expect_eq "nop with no worker: exit status" "$rc" 1
case $out in
*EHOSTDOWN*) echo "LAB-CHECK ok: nop with no worker: EHOSTDOWN" ;;
*) lab_fail "nop with no worker: expected EHOSTDOWN, got: $out" ;;
esac
vgpu_phase d-failed
vgpu_wait_ack d-back 120
vgpu_client_expect "nop with the new worker" 30 "nop ok" nop
vgpu_client_expect "vector add with the new worker" 60 "vecadd n=4096 ok" vecadd 4096
out=$(lab_timeout 120 vgpu-client memtest 16M 2>&1)
rc=$?
echo "memtest: $out"
lab_expect_eq "16 MiB memtest with the new worker, exit status" "$rc" 0
info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
lab_expect_eq "info vm_id with the new worker" "$(echo "$info" | sed -n 's/^vm_id=//p')" "$(lab_key vm-id)"
lab_expect_eq "info priority with the new worker" "$(echo "$info" | sed -n 's/^priority=//p')" "$(lab_key priority)"
