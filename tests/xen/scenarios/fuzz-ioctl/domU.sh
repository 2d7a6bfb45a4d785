# shellcheck shell=sh
# fuzz-ioctl, guest side: vgpufuzz for FUZZ_SECONDS, then the device must
# still work for an honest caller; Dom0 then checks the worker's books.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-90}
vgpu_wait_device 120
vgpu_client_expect "nop before the fuzzer" 30 "nop ok" nop
dmesg -c >/dev/null
out=$(lab_timeout $((FUZZ_SECONDS + 120)) vgpufuzz -t "$FUZZ_SECONDS" -j 8 \
	-s "$LAB_DOMID$(date +%s)" 2>&1)
rc=$?
echo "$out"
lab_expect_eq "vgpufuzz exit status (device alive, worker and backend never gone)" "$rc" 0
vgpu_client_expect "nop after the fuzzer" 30 "nop ok" nop
vgpu_client_expect "vector add after the fuzzer" 120 "vecadd n=4096 ok" vecadd 4096 --seed 7
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|general protection|Call Trace')
[ -z "$bad" ] || echo "$bad" | sed 's/^/dmesg| /'
lab_check "the guest kernel logged no oops, BUG or WARNING" [ -z "$bad" ]
vgpu_phase fuzz-done
vgpu_wait_ack checked 300
lab_pass "vgpufuzz ran ${FUZZ_SECONDS}s; the device still works"
