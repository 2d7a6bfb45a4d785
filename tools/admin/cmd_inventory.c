// SPDX-License-Identifier: MIT
/*
 * vgpu-admin inventory --json: one document a host agent (CloudStack, Xen
 * Orchestra) can poll: the database's pools and VMs, each VM's state on
 * this host (running domain, device attached, connected to the worker),
 * whether Xen and the worker answer, the worker's executor and the GPUs
 * it executes on (its `device` answer). Parts that do not answer are
 * reported as such; only a database error fails the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "db.h"
#include "domain.h"
#include "lib/ctlsock_client.h"
#include "worker_device.h"
#include "xs_attach.h"

struct inventory {
	struct admin *a;
	const char *vms;	/* the worker's `vms` answer, or NULL */
	struct dom_info *doms;
	unsigned int ndoms;
	unsigned int n;
};

static void pool_json(void *arg, const struct db_pool *p)
{
	struct inventory *inv = arg;
	FILE *f = inv->a->out;

	fprintf(f, "%s{\"letter\":\"%c\",\"description\":", inv->n++ ? "," : "", p->letter);
	json_str(f, p->description);
	fprintf(f, ",\"vms\":%u}", p->vms);
}

static void vm_json(void *arg, const struct vm_conf *c)
{
	struct inventory *inv = arg;
	struct admin *a = inv->a;
	FILE *f = a->out;
	int running = 0, attached = 0, connected = 0;
	uint32_t domid = 0, be;
	char pat[32];

	for (unsigned int i = 0; i < inv->ndoms; i++)
		if (!inv->doms[i].dying && strcmp(inv->doms[i].uuid, c->uuid) == 0) {
			running = 1;
			domid = inv->doms[i].domid;
		}
	if (running && a->xs && dom_backend(a->xs, a->xc, c->backend, &be) == 0)
		attached = xsa_attached(a->xs, domid, be);
	snprintf(pat, sizeof(pat), " vm_id=%" PRIu32 " ", c->vm_id);
	connected = inv->vms && strstr(inv->vms, pat);

	fputs(inv->n++ ? ",{" : "{", f);
	json_vm_fields(f, c);
	if (running)
		fprintf(f, ",\"domid\":%" PRIu32, domid);
	else
		fputs(",\"domid\":null", f);
	fprintf(f, ",\"attached\":%s,\"connected\":%s}", attached ? "true" : "false",
		connected ? "true" : "false");
}

int cmd_inventory(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin inventory [--json]";
	struct inventory inv = { a, NULL, NULL, 0, 0 };
	char *vms = NULL, *pos[1];
	struct worker_device dev;
	int npos, rc, worker, have_dev;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nOne JSON document: the pools, the VMs with their state on this host\n(domid, attached, connected to the worker), whether Xen and the worker\nanswer, the worker's executor and its GPUs. Always JSON.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 0, &npos, use);
	if (!rc)
		rc = admin_db(a, 0);
	if (rc)
		return rc;
	a->xs = xs_open(0);
	a->xc = xc_interface_open(NULL, NULL, 0);
	if (a->xc && dom_list(a->xc, &inv.doms, &inv.ndoms))
		inv.ndoms = 0;
	worker = ctlsock_query(a->worker_socket, "vms", &vms) == 0;
	inv.vms = vms;
	have_dev = worker && worker_device_query(a->worker_socket, &dev) == 0;

	fputs("{\"database\":", a->out);
	json_str(a->out, a->db_path);
	fprintf(a->out, ",\"schema\":%d,\"xen\":%s,\"xenstore\":%s,\"worker\":{\"socket\":",
		db_version(a->db), a->xc ? "true" : "false", a->xs ? "true" : "false");
	json_str(a->out, a->worker_socket);
	fprintf(a->out, ",\"reachable\":%s,\"executor\":", worker ? "true" : "false");
	if (have_dev)
		json_str(a->out, dev.executor);
	else
		fputs("null", a->out);
	fputs("},\"gpus\":[", a->out);
	if (have_dev && dev.gpu) {
		fputs("{\"name\":", a->out);
		json_str(a->out, dev.name);
		fprintf(a->out, ",\"mem_total\":%" PRIu64 ",\"mem_free\":%" PRIu64 "}",
			dev.mem_total, dev.mem_free);
	}
	fputs("],\"pools\":[", a->out);
	rc = db_pool_each(a->db, pool_json, &inv, a->err);
	fputs("],\"vms\":[", a->out);
	inv.n = 0;
	if (!rc)
		rc = db_vm_each(a->db, vm_json, &inv, a->err);
	fputs("]}\n", a->out);
	free(inv.doms);
	free(vms);
	return rc;
}
