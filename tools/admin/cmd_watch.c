// SPDX-License-Identifier: MIT
/*
 * vgpu-admin watch: the daemon that makes attach automatic under any
 * toolstack (xl, XAPI). On @introduceDomain it attaches each running
 * domain whose UUID is registered and that has no device yet (or only
 * devices whose backend directory is gone, as after a driver domain's
 * restart: those it replaces); on
 * @releaseDomain it removes the backend directories of domains that are
 * gone. Each event triggers one full pass over the domains, so an event
 * lost or merged (xenstored coalesces them) costs nothing, and the pass at
 * start-up catches up with whatever happened while it was not running.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "db.h"
#include "domain.h"
#include "target.h"
#include "xs_attach.h"

struct pass {
	struct admin *a;
	struct dom_info *doms;
	unsigned int n;
};

static int alive(void *arg, uint32_t domid)
{
	const struct pass *p = arg;

	for (unsigned int i = 0; i < p->n; i++)
		if (p->doms[i].domid == domid)
			return !p->doms[i].dying;
	return 0;
}

static void removed(void *arg, uint32_t be, uint32_t domid, int err)
{
	const struct pass *p = arg;

	if (err)
		fprintf(p->a->err, "vgpu-admin: watch: cannot remove the backend directory of gone domain %" PRIu32 " (backend %" PRIu32 "): %s\n",
			domid, be, strerror(-err));
	else
		fprintf(p->a->out, "watch: domain %" PRIu32 " is gone: removed its backend directory (backend %" PRIu32 ")\n",
			domid, be);
}

/* One pass: attach what is missing, remove what is left over. */
static int reconcile(struct admin *a)
{
	struct pass p = { a, NULL, 0 };
	int err, rc = ADMIN_OK;

	err = dom_list(a->xc, &p.doms, &p.n);
	if (err)
		return admin_fail(a, ADMIN_E_XEN, "watch: cannot list domains: %s", strerror(-err));
	for (unsigned int i = 0; i < p.n; i++) {
		const struct dom_info *d = &p.doms[i];
		struct vm_conf c;
		uint32_t be;
		int r;

		if (d->dying || d->domid == 0)
			continue;
		r = db_vm_by_uuid(a->db, d->uuid, &c, a->err);
		if (r == ADMIN_E_NOTFOUND)
			continue;
		if (!r)
			r = target_backend(a, &c, &be);
		/*
		 * Devices without our backend directory: left by a backend
		 * domain that is gone (a driver domain started again has a
		 * new domid), or written by the guest itself; replaced.
		 */
		if (!r && !xsa_attached(a->xs, d->domid, be))
			r = xsa_has_frontend(a->xs, d->domid) ?
			    admin_reattach_vm(a, &c, d->domid, be, c.devid) :
			    admin_attach_vm(a, &c, d->domid, be, c.devid);
		if (r && !rc)
			rc = r;
	}
	err = xsa_remove_orphans(a->xs, alive, removed, &p);
	free(p.doms);
	if (err < 0 && !rc)
		rc = admin_fail(a, ADMIN_E_XEN, "watch: cannot list backend directories: %s",
				strerror(-err));
	fflush(a->out);
	return rc;
}

int cmd_watch(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin watch [--once]";
	int once = 0, npos, rc;
	const struct admin_opt opts[] = { { "once", NULL, &once }, { NULL, NULL, NULL } };
	char *pos[1];

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nAttaches every running domain whose UUID is registered, as it appears\n(@introduceDomain), and removes the backend directory of each domain that\nis gone (@releaseDomain). Runs until killed (a service); --once makes one\npass and exits.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, opts, pos, 0, &npos, use);
	if (!rc)
		rc = admin_open_xen(a);
	if (rc)
		return rc;
	if (once)
		return reconcile(a);
	/* Each watch fires once when set: the first pass needs no extra call. */
	if (!xs_watch(a->xs, "@introduceDomain", "introduce") ||
	    !xs_watch(a->xs, "@releaseDomain", "release"))
		return admin_fail(a, ADMIN_E_XEN, "watch: cannot watch domains in xenstore: %s",
				  strerror(errno));
	fprintf(a->out, "watch: watching @introduceDomain and @releaseDomain\n");
	for (;;) {
		unsigned int num;
		char **ev = xs_read_watch(a->xs, &num);

		if (!ev)
			return admin_fail(a, ADMIN_E_XEN, "watch: lost the xenstore connection (%s): the service manager should restart vgpu-admin watch",
					  strerror(errno));
		free(ev);
		reconcile(a);	/* errors are printed; the next event retries */
	}
}
