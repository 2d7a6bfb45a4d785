# shellcheck shell=sh
# eight-guests, guest side.
lab_expect_eq "name in xenstore" "$(lab_xs_read name)" "$LAB_NAME"
lab_expect_eq "token Dom0 wrote for us" "$(lab_xs_read lab-eight/token)" \
	"$LAB_NAME:$LAB_KEY_secret:$LAB_DOMID"
lab_expect_eq "our key in xenstore" "$(lab_xs_read lab/secret)" "$LAB_KEY_secret"
lab_expect_eq "vm-id key on the command line" "$(lab_key vm-id)" "${LAB_NAME#g}"

# The vgpu device vgpu-admin attached: enumerated by our xenbus, backend
# dir readable by us, not writable.
lab_check "xenbus enumerated device vgpu-0" test -d /sys/bus/xen/devices/vgpu-0
be=$(lab_xs_read device/vgpu/0/backend)
lab_expect_eq "backend path" "$be" "/local/domain/0/backend/vgpu/$LAB_DOMID/0"
lab_expect_eq "pool in our backend dir" "$(lab_xs_read "$be/pool")" "$LAB_KEY_pool"
lab_expect_eq "priority in our backend dir" "$(lab_xs_read "$be/priority")" "$LAB_KEY_priority"
lab_expect_eq "vm-id in our backend dir" "$(lab_xs_read "$be/vm-id")" "$LAB_KEY_vm_id"
if xenstore-write "$be/priority" high 2>/dev/null; then
	lab_fail "could write our backend directory"
fi
echo "LAB-CHECK ok: our backend directory is read-only to us"

# Isolation: another domain's nodes are not ours to read.
for id in 1 2 3 4 5 6 7 8 9; do
	[ "$id" = "$LAB_DOMID" ] && continue
	if xenstore-read "/local/domain/$id/lab-eight/token" >/dev/null 2>&1; then
		lab_fail "could read domain $id's token"
	fi
done
echo "LAB-CHECK ok: no other guest's token readable"
lab_pass "own name, keys and device seen"
