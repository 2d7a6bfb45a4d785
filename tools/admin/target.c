// SPDX-License-Identifier: MIT
/* What a DOMAIN argument names (see target.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "db.h"
#include "domain.h"
#include "lib/parse.h"
#include "target.h"

int target_backend(struct admin *a, const struct vm_conf *c, uint32_t *be_domid)
{
	int err = dom_backend(a->xs, a->xc, c->backend, be_domid);

	if (err == -ENOENT)
		return admin_fail(a, ADMIN_E_NOTFOUND,
				  "backend domain %s of VM %s is not running: start it, or vgpu-admin vm set %s backend DOMAIN",
				  c->backend, c->name, c->name);
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "cannot list domains: %s", strerror(-err));
	return ADMIN_OK;
}

int target_resolve(struct admin *a, const char *arg, int need_vm, struct target *t)
{
	char uuid[VM_UUID_LEN + 1];
	uint64_t id;
	int rc, err;

	memset(t, 0, sizeof(*t));
	rc = admin_open_xen(a);
	if (rc)
		return rc;

	if (parse_u64(arg, &id) == 0) {
		if (id > UINT32_MAX)
			return admin_fail(a, ADMIN_E_USAGE, "domid %s is out of range", arg);
		t->domid = (uint32_t)id;
		err = dom_uuid(a->xc, t->domid, uuid);
		if (err == -ENOENT)
			return admin_fail(a, ADMIN_E_NOTFOUND,
					  "no domain %s is running: see xl list", arg);
	} else if (vm_uuid_parse(arg, uuid) == 0) {
		err = dom_by_uuid(a->xc, uuid, &t->domid);
		if (err == -ENOENT)
			return admin_fail(a, ADMIN_E_NOTFOUND,
					  "no running domain has UUID %s: start it first", uuid);
	} else {
		rc = db_vm_get(a->db, arg, &t->vm, a->err);
		if (rc && rc != ADMIN_E_NOTFOUND)
			return rc;
		if (rc == 0) {
			memcpy(uuid, t->vm.uuid, sizeof(uuid));
			err = dom_by_uuid(a->xc, uuid, &t->domid);
			if (err == -ENOENT)
				return admin_fail(a, ADMIN_E_NOTFOUND,
						  "VM %s (UUID %s) is not running: start it (xl create -p, or xe vm-start paused=true)",
						  arg, uuid);
		} else {
			err = dom_by_name(a->xs, arg, &t->domid);
			if (err == -ENOENT)
				return admin_fail(a, ADMIN_E_NOTFOUND,
						  "no VM and no running domain named %s: see vgpu-admin vm list, xl list",
						  arg);
			if (!err)
				err = dom_uuid(a->xc, t->domid, uuid);
			if (err == -ENOENT)
				return admin_fail(a, ADMIN_E_NOTFOUND,
						  "domain %s went away: nothing was written", arg);
		}
	}
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "cannot list domains: %s", strerror(-err));

	rc = db_vm_by_uuid(a->db, uuid, &t->vm, a->err);
	if (rc && rc != ADMIN_E_NOTFOUND)
		return rc;
	t->registered = rc == 0;
	if (!t->registered) {
		if (need_vm)
			return admin_fail(a, ADMIN_E_NOTFOUND,
					  "domain %" PRIu32 " (UUID %s) is not registered: vgpu-admin vm add NAME --uuid %s --pool P --priority PRIO --vm-id N",
					  t->domid, uuid, uuid);
		t->be_domid = 0;
		return ADMIN_OK;
	}
	return target_backend(a, &t->vm, &t->be_domid);
}
