# shellcheck shell=sh
# driver-domain, Dom0 side (issue 12): the backend in a GPU driver domain.
# Dom0 runs only vgpu-admin; gpudd (a PV guest) runs vgpu-back and
# vgpu-worker. In one boot:
#  1. g1 and g2 registered with --backend gpudd; the three domains created
#     (gpudd first); g1 and g2 attached by `vgpu-admin attach` while paused.
#  2. Their directories: the backend one under gpudd's tree, owned by gpudd
#     and readable by the guest; the frontend one owned by the guest and
#     readable by gpudd; backend-id is gpudd's domid.
#  3. gpudd's backend and worker connect both (state 4); the guests run
#     checked vector adds (domU.sh). `vgpu-admin doctor` in Dom0 sees
#     vgpu-back at work in gpudd through the devices' states.
#  4. `vgpu-admin vm set g1 priority low` + `apply g1`: gpudd's backend
#     directory says low; gpudd's worker logs the change (it checks).
#  5. gpudd SIGKILLs its worker and starts a new one, which gets a CONNECT
#     for both devices; the guests, not rebooted, run requests again.
#  6. gpudd destroyed and created again (new domid): `vgpu-admin watch`
#     re-attaches g1 and g2 to it; the guests, not rebooted, reload
#     vgpu-front (it reads its backend's path when it probes) and their
#     requests work again.
#  7. All along: vgpu-back never loaded in Dom0.
# Dom0's vgpu-admin is the static build of the XCP-ng route.
# shellcheck disable=SC1091
. /lab/vgpu-lab.sh

# dom0_no_backend WHEN: vgpu-back is not loaded in Dom0 and Dom0 has no
# /dev/vgpu-back.
dom0_no_backend() {
	lab_check "$1: vgpu-back not loaded in Dom0 (/sys/module/vgpu_back absent)" \
		test ! -e /sys/module/vgpu_back
	lab_check "$1: vgpu_back not in Dom0's /proc/modules" \
		sh -c "! grep -q '^vgpu_back ' /proc/modules"
	lab_check "$1: no /dev/vgpu-back in Dom0" test ! -e /dev/vgpu-back
}

# The lab_create_guest hook: the explicit xl start-up for the vgpu guests;
# the driver domain itself gets no vgpu device.
lab_guest_setup() { # NAME DOMID
	[ "$1" = gpudd ] || vgpu_guest_setup "$1" "$2"
}

# perms PATH: the node's permissions as xenstore-ls -p prints them
# ("n5,r7").
perms() { xenstore-ls -p "${1%/*}" | sed -n "s/^${1##*/} = .*(\(.*\))\$/\1/p"; }

dom0_no_backend "at boot"
# The static vgpu-admin of the XCP-ng route (ld.so --verify: 1 = static).
/lib64/ld-linux-x86-64.so.2 --verify "$(command -v vgpu-admin)"
lab_expect_eq "Dom0's vgpu-admin is statically linked (ld.so --verify)" "$?" 1

# 1. The database and the domains.
vgpu_register g1 g2
lab_create_guests
dd=$(lab_domid gpudd)
lab_step "driver domain gpudd is domid $dd"

# 2. Where vgpu-admin wrote the devices, and with which owners.
for g in g1 g2; do
	id=$(lab_domid "$g")
	fe=/local/domain/$id/device/vgpu/0
	be=/local/domain/$dd/backend/vgpu/$id/0
	lab_expect_eq "$g: backend-id" "$(lab_xs_read "$fe/backend-id")" "$dd"
	lab_expect_eq "$g: backend path" "$(lab_xs_read "$fe/backend")" "$be"
	lab_expect_eq "$g: frontend path in the backend directory" "$(lab_xs_read "$be/frontend")" "$fe"
	lab_expect_eq "$g: permissions of $be/priority" "$(perms "$be/priority")" "n$dd,r$id"
	lab_expect_eq "$g: permissions of $fe/backend-id" "$(perms "$fe/backend-id")" "n$id,r$dd"
	lab_check "$g: no backend directory in Dom0's tree" \
		sh -c "! xenstore-exists /local/domain/0/backend/vgpu/$id"
done

# 3. Everything connected and the guests' first requests right.
vgpu_wait_phase gpudd ready 240 || lab_fail "gpudd: vgpu-back and the worker did not come up"
for g in g1 g2; do
	vgpu_wait_phase "$g" ready 240 || lab_fail "$g did not get ready"
	lab_expect_eq "$g: backend state in gpudd's tree" \
		"$(lab_xs_read "/local/domain/$dd/backend/vgpu/$(lab_domid "$g")/0/state")" 4
done
dom0_no_backend "with both guests connected"
# doctor in Dom0: vgpu-back judged by the devices' states in gpudd's tree,
# the worker (in gpudd) not checked; the IOMMU fails: a driver domain
# needs the GPU passed through, and the lab's QEMU has no IOMMU.
out=$(vgpu-admin doctor 2>&1)
rc=$?
echo "$out" | sed 's/^/doctor| /'
lab_expect_eq "doctor's failed checks" "$(echo "$out" | awk '$1 == "FAIL" { printf "%s ", $2 }')" "iommu "
lab_expect_eq "doctor's exit status" "$rc" 1
lab_check "doctor: vgpu-back in gpudd took both devices" \
	sh -c "echo \"\$1\" | grep -q '^ok   backend   vgpu-back in the driver domains took all 2 attached devices'" - "$out"
lab_check "doctor: the worker in gpudd is not checked from Dom0" \
	sh -c "echo \"\$1\" | grep -q '^--   worker    not checked: the worker runs in the driver domain'" - "$out"

# 4. A live priority change, seen by gpudd's worker.
vgpu_admin vm set g1 priority low
vgpu_admin apply g1
lab_expect_eq "g1's priority in gpudd's backend directory" \
	"$(lab_xs_read "/local/domain/$dd/backend/vgpu/$(lab_domid g1)/0/priority")" low
lab_xs_write "/local/domain/$dd/vgpu-g1" "$(lab_domid g1)"
vgpu_ack gpudd prio
vgpu_wait_phase gpudd prio-seen 60 || lab_fail "gpudd's worker did not see g1 at low"

# 5. gpudd's worker killed and started again; the guests carry on.
for g in g1 g2; do
	lab_xs_write "/local/domain/$dd/vgpu-$g" "$(lab_domid "$g")"
done
vgpu_ack gpudd restart
vgpu_wait_phase gpudd restarted 90 || lab_fail "gpudd's new worker did not connect both devices"
for g in g1 g2; do vgpu_ack "$g" again; done
for g in g1 g2; do
	vgpu_wait_phase "$g" "done" 120 || lab_fail "$g's requests did not work after the worker restart"
done

# 6. gpudd destroyed and created again (a new domid): the watcher's pass
# (--once here: the pass its @introduceDomain triggers) replaces the
# guests' devices, whose backend directories went with the old domain.
old=$dd
lab_destroy_guest gpudd
lab_set_key gpudd second 1
lab_recreate_guest gpudd
dd=$(lab_domid gpudd)
lab_step "gpudd created again: domid $old -> $dd"
vgpu_wait_phase gpudd ready 120 || lab_fail "gpudd, created again, did not come up"
out=$(vgpu-admin watch --once 2>&1) || lab_fail "vgpu-admin watch --once: $out"
echo "$out" | sed 's/^/watch| /'
for g in g1 g2; do
	id=$(lab_domid "$g")
	lab_check "the watcher re-attached $g to gpudd's new domid" \
		sh -c "echo \"\$1\" | grep -q '^re-attached $g: domain $id device 0, backend domain $dd '" - "$out"
	lab_expect_eq "$g: backend-id after gpudd's restart" \
		"$(lab_xs_read "/local/domain/$id/device/vgpu/0/backend-id")" "$dd"
	lab_xs_write "/local/domain/$dd/vgpu-$g" "$id"
done
for g in g1 g2; do vgpu_ack "$g" again2; done
for g in g1 g2; do
	vgpu_wait_phase "$g" done2 120 || lab_fail "$g's requests did not work after gpudd's restart"
done

# 7. The end.
dom0_no_backend "after gpudd's restart"
for g in g1 g2; do vgpu_ack "$g" end; done
lab_wait_guests 120 g1 g2 || lab_error "not every vgpu guest passed"
vgpu_ack gpudd end
lab_wait_guests 60 gpudd || lab_error "the driver domain did not pass"
dom0_no_backend "at the end"
lab_pass "guests served by the driver domain gpudd (domid $old, then $dd): attach, live priority, worker restart, driver domain restart; vgpu-back never in Dom0"
