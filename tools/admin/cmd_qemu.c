// SPDX-License-Identifier: MIT
/*
 * vgpu-admin qemu-args NAME|UUID: the QEMU arguments that give a VM its
 * vgpu identity through the vgpu-stub PCI device (Documentation/
 * qemu-stub.md), for a host that starts the VM under plain QEMU/KVM:
 *   qemu-system-x86_64 ... $(vgpu-admin qemu-args web1)
 * The values are the database's, printed with the spellings the device's
 * properties accept (pool letter, priority name, decimal vm-id).
 */
#include <inttypes.h>

#include "admin.h"
#include "db.h"

static const char use[] = "vgpu-admin qemu-args NAME|UUID [--json]";

int cmd_qemu_args(struct admin *a, int argc, char **argv)
{
	char uuid[VM_UUID_LEN + 1];
	struct vm_conf c;
	char *pos[1];
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nPrints the -device vgpu-stub,... arguments that show VM NAME (or the VM\n"
			"with that Xen UUID) its pool, priority and vm-id inside the guest.\n", use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 1, &npos, use);
	if (!rc && npos != 1)
		rc = admin_fail(a, ADMIN_E_USAGE, "qemu-args needs NAME or UUID; usage: %s", use);
	if (rc)
		return rc;
	rc = admin_db(a, 0);
	if (rc)
		return rc;
	if (vm_uuid_parse(pos[0], uuid) == 0)
		rc = db_vm_by_uuid(a->db, uuid, &c, a->err);
	else
		rc = db_vm_get(a->db, pos[0], &c, a->err);
	if (rc == ADMIN_E_NOTFOUND)
		return admin_fail(a, rc, "no VM named %s: see vgpu-admin vm list", pos[0]);
	if (rc)
		return rc;
	if (a->json) {
		fprintf(a->out, "{\"name\":");
		json_str(a->out, c.name);
		fprintf(a->out, ",\"args\":[\"-device\",\"vgpu-stub,pool=%c,priority=%s,"
			"vm-id=%" PRIu32 "\"]}\n", c.pool, vm_prio_name(c.priority), c.vm_id);
		return ADMIN_OK;
	}
	fprintf(a->out, "-device vgpu-stub,pool=%c,priority=%s,vm-id=%" PRIu32 "\n",
		c.pool, vm_prio_name(c.priority), c.vm_id);
	return ADMIN_OK;
}
