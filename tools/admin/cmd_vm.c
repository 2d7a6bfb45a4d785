// SPDX-License-Identifier: MIT
/* vgpu-admin vm add|set|rm|list|show. */
#include <inttypes.h>
#include <string.h>

#include "admin.h"
#include "db.h"

static const char use[] =
	"vgpu-admin vm add NAME --uuid UUID --pool P --priority high|medium|low --vm-id N\n"
	"         [--max-inflight N] [--max-queued N] [--rate-limit N] [--rate-burst N]\n"
	"         [--mem-quota SIZE] [--backend DOMAIN] [--devid N]\n"
	"       vgpu-admin vm set NAME KEY VALUE [KEY VALUE...]\n"
	"         keys: pool priority vm-id max-inflight max-queued rate-limit rate-burst\n"
	"               mem-quota backend name devid\n"
	"       vgpu-admin vm rm NAME | vm list [--json] | vm show NAME [--json]";

/* The options of vm add that are vm_conf_set() keys, in this order. */
static const char *const add_keys[] = {
	"pool", "priority", "vm-id", "max-inflight", "max-queued", "rate-limit",
	"rate-burst", "mem-quota", "backend", "devid",
};
#define NR_ADD_KEYS (sizeof(add_keys) / sizeof(add_keys[0]))

static int vm_add(struct admin *a, int argc, char **argv)
{
	const char *vals[NR_ADD_KEYS] = { NULL }, *uuid = NULL;
	struct admin_opt opts[NR_ADD_KEYS + 2];
	struct vm_conf c;
	char *pos[1], why[256];
	int npos, rc;

	for (unsigned int i = 0; i < NR_ADD_KEYS; i++)
		opts[i] = (struct admin_opt){ add_keys[i], &vals[i], NULL };
	opts[NR_ADD_KEYS] = (struct admin_opt){ "uuid", &uuid, NULL };
	opts[NR_ADD_KEYS + 1] = (struct admin_opt){ NULL, NULL, NULL };
	rc = admin_opts(a, argc, argv, opts, pos, 1, &npos, use);
	if (rc)
		return rc;
	if (npos != 1 || !uuid || !vals[0] || !vals[1] || !vals[2])
		return admin_fail(a, ADMIN_E_USAGE,
				  "vm add needs NAME, --uuid, --pool, --priority and --vm-id (see vgpu-admin vm --help)");
	vm_conf_init(&c);
	if (vm_conf_set(&c, "name", pos[0], why, sizeof(why)))
		return admin_fail(a, ADMIN_E_USAGE, "%s", why);
	if (vm_uuid_parse(uuid, c.uuid))
		return admin_fail(a, ADMIN_E_USAGE,
				  "UUID '%s' is not 8-4-4-4-12 hex digits (xl list -v, xe vm-list)",
				  uuid);
	for (unsigned int i = 0; i < NR_ADD_KEYS; i++)
		if (vals[i] && vm_conf_set(&c, add_keys[i], vals[i], why, sizeof(why)))
			return admin_fail(a, ADMIN_E_USAGE, "%s", why);
	rc = admin_db(a, 1);
	if (!rc)
		rc = db_vm_add(a->db, &c, a->err);
	if (!rc)
		fprintf(a->out, "vm %s added (uuid %s, pool %c, priority %s, vm-id %" PRIu32 ")\n",
			c.name, c.uuid, c.pool, vm_prio_name(c.priority), c.vm_id);
	return rc;
}

static int vm_set(struct admin *a, int argc, char **argv)
{
	struct vm_conf probe;
	char why[256];
	int rc;

	if (argc < 4 || argc % 2)
		return admin_fail(a, ADMIN_E_USAGE,
				  "vm set needs NAME and KEY VALUE pairs (see vgpu-admin vm --help)");
	/* Bad keys and values are usage errors before the database is opened. */
	vm_conf_init(&probe);
	for (int i = 2; i < argc; i += 2)
		if (vm_conf_set(&probe, argv[i], argv[i + 1], why, sizeof(why)))
			return admin_fail(a, ADMIN_E_USAGE, "%s", why);
	rc = admin_db(a, 1);
	if (!rc)
		rc = db_vm_set(a->db, argv[1], argc - 2, argv + 2, a->err);
	if (!rc)
		fprintf(a->out, "vm %s updated (running domains: vgpu-admin apply %s)\n",
			argv[1], argv[1]);
	return rc;
}

static void print_vm(FILE *f, const struct vm_conf *c)
{
	fprintf(f, "%-16s %-36s %c    %-6s %10" PRIu32 " %-7s %5" PRIu32 " %8" PRIu32
		" %8" PRIu32 " %8" PRIu32 " %8" PRIu32 " %14" PRIu64 "\n",
		c->name, c->uuid, c->pool, vm_prio_name(c->priority), c->vm_id,
		c->backend, c->devid, c->max_inflight, c->max_queued, c->rate_limit,
		c->rate_burst, c->mem_quota);
}

struct list_state {
	struct admin *a;
	unsigned int n;
};

static void list_one(void *arg, const struct vm_conf *c)
{
	struct list_state *ls = arg;

	if (ls->a->json) {
		if (ls->n)
			fputc(',', ls->a->out);
		json_vm(ls->a->out, c);
	} else {
		if (!ls->n)
			fprintf(ls->a->out, "%-16s %-36s %-4s %-6s %10s %-7s %5s %8s %8s %8s %8s %14s\n",
				"NAME", "UUID", "POOL", "PRIO", "VM-ID", "BACKEND", "DEVID",
				"INFLIGHT", "QUEUED", "RATE", "BURST", "MEM-QUOTA");
		print_vm(ls->a->out, c);
	}
	ls->n++;
}

static int each_vm(struct admin *a, void *ls)
{
	return db_vm_each(a->db, list_one, ls, a->err);
}

static int vm_show(struct admin *a, const char *name)
{
	struct vm_conf c;
	int rc;

	rc = admin_db(a, 0);
	if (rc)
		return rc;
	rc = db_vm_get(a->db, name, &c, a->err);
	if (rc == ADMIN_E_NOTFOUND)
		return admin_fail(a, rc, "no VM named %s: see vgpu-admin vm list", name);
	if (rc)
		return rc;
	if (a->json) {
		json_vm(a->out, &c);
		fputc('\n', a->out);
		return ADMIN_OK;
	}
	fprintf(a->out, "name          %s\nuuid          %s\npool          %c\n"
		"priority      %s\nvm-id         %" PRIu32 "\nmax-inflight  %" PRIu32
		"\nmax-queued    %" PRIu32 "\nrate-limit    %" PRIu32 "\nrate-burst    %" PRIu32
		"\nmem-quota     %" PRIu64 "\nbackend       %s\ndevid         %" PRIu32 "\n",
		c.name, c.uuid, c.pool, vm_prio_name(c.priority), c.vm_id,
		c.max_inflight, c.max_queued, c.rate_limit, c.rate_burst, c.mem_quota,
		c.backend, c.devid);
	return ADMIN_OK;
}

int cmd_vm(struct admin *a, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct list_state ls = { a, 0 };
	char *pos[1];
	int npos, rc;

	if (argc < 2 || admin_is_help(sub) || (argc > 2 && admin_is_help(argv[2]))) {
		fprintf(argc < 2 ? a->err : a->out,
			"usage: %s\nA VM is its Xen UUID and a unique name and vm-id. 0 for a limit means the\n"
			"default; the backend is the domain (name or domid) that serves the device.\n",
			use);
		return argc < 2 ? ADMIN_E_USAGE : ADMIN_OK;
	}
	if (strcmp(sub, "add") == 0)
		return vm_add(a, argc - 1, argv + 1);
	if (strcmp(sub, "set") == 0)
		return vm_set(a, argc - 1, argv + 1);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "show") == 0) {
		rc = admin_opts(a, argc - 1, argv + 1, NULL, pos, 1, &npos, use);
		if (!rc && npos != 1)
			rc = admin_fail(a, ADMIN_E_USAGE, "vm %s needs NAME (see vgpu-admin vm --help)", sub);
		if (rc)
			return rc;
		if (sub[0] == 's')
			return vm_show(a, pos[0]);
		rc = admin_db(a, 1);
		if (!rc)
			rc = db_vm_rm(a->db, pos[0], a->err);
		if (!rc)
			fprintf(a->out, "vm %s removed (a running domain keeps its device until vgpu-admin detach)\n",
				pos[0]);
		return rc;
	}
	if (strcmp(sub, "list") == 0)
		return admin_list(a, argc - 1, argv + 1, use, each_vm, &ls);
	return admin_fail(a, ADMIN_E_USAGE, "unknown vm command '%s' (see vgpu-admin vm --help)", sub);
}
