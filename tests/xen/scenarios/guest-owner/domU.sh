# shellcheck shell=sh
# guest-owner, guest side. Issue 14:
#  hole 4  /dev/vgpu0 is root's (0600) without a udev rule; user nobody
#          cannot open it; one open file cannot read, write, free, unload
#          or launch what another made (vgpuowner isolate), and closing a
#          file frees what it held.
#  hole 11 a process holding the whole quota is SIGKILLed; the quota comes
#          back (a new allocation of all of it succeeds); so it does when
#          the SIGKILL lands while the MEM_ALLOC is on the host. rmmod vgpu-front
#          is refused while a file is open and works once none is; the
#          module reloads and the device works again, three times.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

vgpu_wait_device 120
quota=$(lab_key mem-quota)

lab_expect_eq "/dev/vgpu0 mode with no udev rule" "$(stat -c %a /dev/vgpu0)" 600
lab_expect_eq "user nobody opens /dev/vgpu0" "$(vgpuowner asuser 65534)" \
	"vgpuowner: uid 65534 open: EACCES"

out=$(lab_timeout 60 vgpuowner isolate 2>&1)
rc=$?
echo "$out"
lab_expect_eq "vgpuowner isolate exit status" "$rc" 0

# ---- hole 11: a killed process's memory
vgpuowner hold "$quota" >/tmp/hold.out 2>&1 &
holder=$!
lab_wait_for 30 "the holder's allocation" grep -q held /tmp/hold.out ||
	lab_fail "vgpuowner hold: $(cat /tmp/hold.out)"
cat /tmp/hold.out
lab_expect_eq "a second allocation of the quota while it is held" \
	"$(lab_timeout 30 vgpuowner alloc "$quota")" "vgpuowner: alloc $quota: EDQUOT"
kill -KILL "$holder"
wait "$holder" 2>/dev/null
lab_wait_for 10 "the quota to come back after SIGKILL" \
	sh -c "vgpuowner used | grep -qx 'vgpuowner: used=0'" ||
	lab_fail "quota still used 10 s after the holder was killed: $(vgpuowner used)"
out=$(lab_timeout 30 vgpuowner alloc "$quota")
echo "$out"
lab_check "an allocation of the whole quota after the kill" \
	sh -c "echo '$out' | grep -qx 'vgpuowner: alloc $quota: 0'"

# ---- hole 11: killed while its MEM_ALLOC is on the host. The worker
# answers every request a second late (dom0.sh), so the SIGKILL lands
# while the allocation exists on the host and its answer is on the way.
vgpuowner hold "$quota" >/tmp/hold2.out 2>&1 &
holder=$!
lab_wait_for 30 "the second holder to start its allocation" grep -q allocating /tmp/hold2.out ||
	lab_fail "vgpuowner hold: $(cat /tmp/hold2.out)"
kill -KILL "$holder"
wait "$holder" 2>/dev/null
cat /tmp/hold2.out
lab_wait_for 15 "the quota to come back after a SIGKILL mid-allocation" \
	sh -c "vgpuowner used | grep -qx 'vgpuowner: used=0'" ||
	lab_fail "quota still used 15 s after the holder was killed mid-allocation: $(vgpuowner used)"
echo "LAB-CHECK ok: the quota came back after a SIGKILL mid-allocation"

# ---- hole 11: rmmod
# shellcheck disable=SC2217 # the open file is the point, not the input
sleep 600 </dev/vgpu0 &
opener=$!
sleep 1
lab_check "rmmod vgpu-front refused while a file is open" sh -c '! rmmod vgpu-front'
lab_check "vgpu-front still loaded" sh -c 'lsmod | grep -q "^vgpu_front "'
kill "$opener"
wait "$opener" 2>/dev/null
for i in 1 2 3; do
	# Traffic right before the disconnect: vgpu-back stops its ring work.
	vgpu_client_expect "vector add before unload $i" 60 "vecadd n=4096 ok" vecadd 4096
	lab_check "rmmod vgpu-front with no file open (round $i)" rmmod vgpu-front
	lab_check "/dev/vgpu0 is gone" sh -c '! test -e /dev/vgpu0'
	lab_check "modprobe vgpu-front (round $i)" lab_timeout 120 modprobe vgpu-front
	vgpu_wait_device 60
	vgpu_client_expect "nop after reload $i" 30 "nop ok" nop
done
dmesg | grep -E 'vgpu|WARNING|BUG' | tail -n 30
w=$(dmesg | grep -E 'WARNING:|BUG:|Oops' | head -n 3)
lab_expect_eq "guest kernel warnings" "$w" ""
lab_pass "ownership, kill, rmmod"
