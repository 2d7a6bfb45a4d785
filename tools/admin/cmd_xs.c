// SPDX-License-Identifier: MIT
/* vgpu-admin attach|detach|apply: the database's values into xenstore. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "db.h"
#include "domain.h"
#include "lib/parse.h"
#include "target.h"
#include "xs_attach.h"

int admin_attach_vm(struct admin *a, const struct vm_conf *c, uint32_t domid,
		    uint32_t be, uint32_t devid)
{
	int err = xsa_attach(a->xs, c, domid, be, devid);

	switch (err) {
	case 0:
		fprintf(a->out, "attached %s: domain %" PRIu32 " device %" PRIu32
			", backend domain %" PRIu32 " (pool %c, priority %s, vm-id %" PRIu32 ")\n",
			c->name, domid, devid, be, c->pool, vm_prio_name(c->priority), c->vm_id);
		return ADMIN_OK;
	case -ENOENT:
		return admin_fail(a, ADMIN_E_NOTFOUND,
				  "domain %" PRIu32 " or its backend domain %" PRIu32 " went away before attach: nothing was written",
				  domid, be);
	case -EEXIST:
		return admin_fail(a, ADMIN_E_CONFLICT,
				  "domain %" PRIu32 " has vgpu device %" PRIu32 " already: vgpu-admin apply %s pushes new values, or detach it first",
				  domid, devid, c->name);
	default:
		return admin_fail(a, ADMIN_E_XEN,
				  "xenstore transaction for domain %" PRIu32 " failed (%s): nothing was written; try again",
				  domid, strerror(-err));
	}
}

int admin_reattach_vm(struct admin *a, const struct vm_conf *c, uint32_t domid,
		      uint32_t be, uint32_t devid)
{
	int err = xsa_reattach(a->xs, c, domid, be, devid);

	if (err == 0) {
		fprintf(a->out, "re-attached %s: domain %" PRIu32 " device %" PRIu32
			", backend domain %" PRIu32 " (its devices named a backend that is gone; the guest reloads vgpu-front to reconnect)\n",
			c->name, domid, devid, be);
		return ADMIN_OK;
	}
	if (err == -EEXIST)
		return ADMIN_OK;	/* attached meanwhile */
	return admin_attach_vm(a, c, domid, be, devid);	/* its message */
}

int cmd_attach(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin attach DOMAIN [--devid N]   (DOMAIN: VM name, UUID or domid)";
	const char *devid_s = NULL;
	const struct admin_opt opts[] = { { "devid", &devid_s, NULL }, { NULL, NULL, NULL } };
	struct target t;
	char *pos[1];
	uint64_t devid;
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nWrites the domain's vgpu device (frontend and backend directories) to\nxenstore in one transaction, from the database. The domain must be registered\n(vgpu-admin vm add); --devid overrides the VM's devid.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, opts, pos, 1, &npos, use);
	if (!rc && npos != 1)
		rc = admin_fail(a, ADMIN_E_USAGE, "attach needs DOMAIN; usage: %s", use);
	if (!rc && devid_s && (parse_u64(devid_s, &devid) || devid > VM_DEVID_MAX))
		rc = admin_fail(a, ADMIN_E_USAGE, "--devid '%s' is not a decimal 0..%d",
				devid_s, VM_DEVID_MAX);
	if (!rc)
		rc = target_resolve(a, pos[0], 1, &t);
	if (rc)
		return rc;
	return admin_attach_vm(a, &t.vm, t.domid, t.be_domid,
			       devid_s ? (uint32_t)devid : t.vm.devid);
}

int cmd_detach(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin detach DOMAIN   (DOMAIN: VM name, UUID or domid)";
	struct target t;
	char *pos[1];
	int npos, rc, err;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nRemoves the domain's vgpu devices from xenstore (both directories, one\ntransaction); the backend disconnects the guest.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 1, &npos, use);
	if (!rc && npos != 1)
		rc = admin_fail(a, ADMIN_E_USAGE, "detach needs DOMAIN; usage: %s", use);
	if (!rc)
		rc = target_resolve(a, pos[0], 0, &t);
	if (rc)
		return rc;
	err = xsa_detach(a->xs, t.domid, t.be_domid);
	if (err == -ENOENT)
		return admin_fail(a, ADMIN_E_NOTFOUND, "domain %" PRIu32 " has no vgpu device",
				  t.domid);
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "xenstore transaction failed (%s); try again",
				  strerror(-err));
	fprintf(a->out, "detached domain %" PRIu32 "\n", t.domid);
	return ADMIN_OK;
}

/* Pushes one VM's values; a VM not running or not attached is skipped. */
static int apply_one(struct admin *a, const struct vm_conf *c)
{
	unsigned int changed;
	uint32_t domid, be;
	int err, rc;

	err = dom_by_uuid(a->xc, c->uuid, &domid);
	if (err == -ENOENT) {
		fprintf(a->out, "%s: not running\n", c->name);
		return ADMIN_OK;
	}
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "cannot list domains: %s", strerror(-err));
	rc = target_backend(a, c, &be);
	if (rc)
		return rc;
	err = xsa_apply(a->xs, c, domid, be, &changed);
	if (err == -ENOENT) {
		fprintf(a->out, "%s: domain %" PRIu32 " not attached (vgpu-admin attach %s)\n",
			c->name, domid, c->name);
		return ADMIN_OK;
	}
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "xenstore transaction for %s failed (%s); try again",
				  c->name, strerror(-err));
	fprintf(a->out, "%s: domain %" PRIu32 ", %u value%s changed\n", c->name, domid,
		changed, changed == 1 ? "" : "s");
	return ADMIN_OK;
}

struct apply_all {
	struct admin *a;
	int rc;
};

static void apply_each(void *arg, const struct vm_conf *c)
{
	struct apply_all *aa = arg;
	int rc = apply_one(aa->a, c);

	if (rc && !aa->rc)
		aa->rc = rc;
}

int cmd_apply(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin apply [NAME]";
	struct apply_all aa = { a, 0 };
	struct vm_conf c;
	char *pos[1];
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nWrites the database's values of NAME (default: every VM) to its running\ndomain's backend directory, only the keys that differ; the backend applies\nthem at its next decision, without a reconnect.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 1, &npos, use);
	if (!rc)
		rc = admin_open_xen(a);
	if (rc)
		return rc;
	if (npos == 1) {
		rc = db_vm_get(a->db, pos[0], &c, a->err);
		if (rc == ADMIN_E_NOTFOUND)
			return admin_fail(a, rc, "no VM named %s: see vgpu-admin vm list", pos[0]);
		return rc ? rc : apply_one(a, &c);
	}
	rc = db_vm_each(a->db, apply_each, &aa, a->err);
	return rc ? rc : aa.rc;
}
