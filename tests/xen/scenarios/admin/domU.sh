# shellcheck shell=sh
# admin, guest side: the device vgpu-admin attached carries the database's
# values. A guest with late=1 first proves it has no device, loads the
# frontend and waits: the watcher, started after this domain, must attach
# it while it runs. Then every guest: GET_INFO (vgpu-client info) shows its
# pool, priority, vm-id and memory quota, its backend directory holds its
# limits and is not writable by the guest, requests work; it tells Dom0
# (phase ready) and waits. At Dom0's "end" its priority must be
# final-priority (web1 was moved to low while it ran) and a NOP still works.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

bytes() { # SIZE with an optional K, M or G suffix (powers of 1024)
	case $1 in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*G) echo $((${1%G} * 1073741824)) ;;
	*) echo "$1" ;;
	esac
}

if [ "$(lab_key late 0)" = 1 ]; then
	lab_check "no vgpu device before the watcher runs" sh -c '! xenstore-exists device/vgpu'
	lab_check "modprobe vgpu-front" modprobe vgpu-front
	vgpu_phase no-device
fi
vgpu_wait_device 180
be=$(lab_xs_read device/vgpu/0/backend)
lab_expect_eq "backend dir" "$be" "/local/domain/0/backend/vgpu/$LAB_DOMID/0"
lab_expect_eq "backend-id" "$(lab_xs_read device/vgpu/0/backend-id)" 0

info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
echo "$info" | sed 's/^/info: /'
lab_expect_eq "GET_INFO pool" "$(echo "$info" | sed -n 's/^pool=//p')" "$(lab_key pool)"
lab_expect_eq "GET_INFO priority" "$(echo "$info" | sed -n 's/^priority=//p')" "$(lab_key priority)"
lab_expect_eq "GET_INFO vm_id" "$(echo "$info" | sed -n 's/^vm_id=//p')" "$(lab_key vm-id)"
lab_expect_eq "GET_INFO mem_quota" "$(echo "$info" | sed -n 's/^mem_quota=//p')" "$(bytes "$(lab_key mem-quota)")"
for k in max-inflight max-queued rate-limit; do
	lab_expect_eq "$k in the backend dir" "$(lab_xs_read "$be/$k")" "$(lab_key "$k")"
done
lab_expect_eq "mem-quota in the backend dir" "$(lab_xs_read "$be/mem-quota")" "$(bytes "$(lab_key mem-quota)")"
# The permissions of a PV device: the guest reads its backend directory,
# never writes it.
if xenstore-write "$be/priority" high 2>/dev/null; then
	lab_fail "the guest could write its backend directory ($be/priority)"
fi
echo "LAB-CHECK ok: $be is not writable by the guest"

vgpu_client_expect "vector add" 60 "vecadd n=4096 ok" vecadd 4096 --seed "$LAB_DOMID"
out=$(lab_timeout 60 vgpu-client bench nop --count 40 2>&1) || lab_fail "bench nop: $out"
echo "$out"
vgpu_phase ready
vgpu_wait_ack end 360
vgpu_client_expect "nop at the end" 30 "nop ok" nop
fprio=$(lab_key final-priority "$(lab_key priority)")
info=$(lab_timeout 30 vgpu-client info 2>&1) || lab_fail "vgpu-client info failed: $info"
lab_expect_eq "GET_INFO priority at the end" "$(echo "$info" | sed -n 's/^priority=//p')" "$fprio"
lab_pass "the database's values on the device; priority $fprio at the end"
