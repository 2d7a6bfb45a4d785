// SPDX-License-Identifier: MIT
/*
 * vgpu-admin doctor: what an operator gets wrong, each check with the fix.
 * Xen and its IOMMU from the hypervisor's own report (xc_physinfo), the
 * backend module, the worker on its control socket and the GPU it sees
 * (its `device` answer), the database and its schema, and the protocol
 * version of every attached device.
 *
 * With a GPU driver domain, vgpu-back and the worker run there, out of
 * Dom0's sight: Dom0 sees vgpu-back at work only through the state its
 * devices reach in xenstore, and the worker's control socket not at all.
 * Those checks then look at the driver domains' devices instead of
 * /sys/module, and report the worker as not checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "db.h"
#include "lib/parse.h"
#include "vgpu/vgpuif.h"
#include "lib/ctlsock_client.h"
#include "worker_device.h"

#define BACKEND_MODULE_DIR "/sys/module/vgpu_back"

struct doctor {
	struct admin *a;
	unsigned int n, failed;
	int driver_domains;	/* VMs whose backend is not Dom0 */
	unsigned int n_vms;
	int require_gpu;	/* --require-gpu: the CPU executor fails */
};

static const char NOT_CHECKED[] = "";	/* a @fix: the check was not made */

/*
 * One check's verdict: @fix is NULL when it passed, NOT_CHECKED when it
 * could not be made (not a failure).
 */
__attribute__((format(printf, 4, 5)))
static void verdict(struct doctor *d, const char *check, const char *fix,
		    const char *fmt, ...)
{
	FILE *f = d->a->out;
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (fix == NOT_CHECKED) {
		if (d->a->json) {
			fprintf(f, "%s{\"check\":\"%s\",\"ok\":null,\"detail\":", d->n ? "," : "", check);
			json_str(f, detail);
			fputc('}', f);
		} else {
			fprintf(f, "%-4s %-9s %s\n", "--", check, detail);
		}
		d->n++;
		return;
	}
	if (fix)
		d->failed++;
	if (d->a->json) {
		fprintf(f, "%s{\"check\":\"%s\",\"ok\":%s,\"detail\":", d->n ? "," : "",
			check, fix ? "false" : "true");
		json_str(f, detail);
		if (fix) {
			fputs(",\"fix\":", f);
			json_str(f, fix);
		}
		fputc('}', f);
	} else {
		fprintf(f, "%-4s %-9s %s\n", fix ? "FAIL" : "ok", check, detail);
		if (fix)
			fprintf(f, "     fix: %s\n", fix);
	}
	d->n++;
}

static void check_xen(struct doctor *d)
{
	struct admin *a = d->a;
	xc_physinfo_t info;

	a->xc = xc_interface_open(NULL, NULL, 0);
	if (!a->xc) {
		verdict(d, "xen", "boot the host with the Xen hypervisor and run vgpu-admin as root in Dom0",
			"libxenctrl cannot be opened: %s", strerror(errno));
		verdict(d, "iommu", NOT_CHECKED, "not checked (no hypervisor)");
		return;
	}
	memset(&info, 0, sizeof(info));
	if (xc_physinfo(a->xc, &info)) {
		verdict(d, "xen", "run vgpu-admin as root in Dom0",
			"the hypervisor does not answer physinfo: %s", strerror(errno));
		verdict(d, "iommu", NOT_CHECKED, "not checked (no hypervisor)");
		return;
	}
	verdict(d, "xen", NULL, "hypervisor present, %u CPUs", info.nr_cpus);
	/* Only a GPU passed through to a driver domain needs the IOMMU. */
	if (info.capabilities & XEN_SYSCTL_PHYSCAP_directio)
		verdict(d, "iommu", NULL, "Xen reports the IOMMU enabled (directio)");
	else if (d->driver_domains)
		verdict(d, "iommu", "enable VT-d / AMD-Vi in the firmware and boot Xen with iommu=1",
			"Xen reports no IOMMU (no directio capability), and %d VMs have a backend in a driver domain, which needs the GPU passed through",
			d->driver_domains);
	else
		verdict(d, "iommu", NOT_CHECKED,
			"Xen reports no IOMMU: fine while every backend is Dom0; a GPU driver domain will need it");
}

/* Every registered VM has its backend in a driver domain. */
static int all_in_driver_domains(const struct doctor *d)
{
	return d->n_vms && d->driver_domains == (int)d->n_vms;
}

struct dd_devices {
	unsigned int total, waiting;	/* devices; those still Initialising */
	char where[96];			/* "NAME (domid B)" of a waiting one */
};

/*
 * The devices of the backend directories of domain @be (not Dom0): a
 * device vgpu-back has taken is past Initialising (it wrote InitWait on
 * probe); one still at Initialising was never probed there.
 */
static void count_dd_devices(struct xs_handle *xs, const char *be, struct dd_devices *dd)
{
	unsigned int nd, nv;
	char path[128], **doms;

	snprintf(path, sizeof(path), "/local/domain/%s/backend/vgpu", be);
	doms = xs_directory(xs, XBT_NULL, path, &nd);
	for (unsigned int i = 0; doms && i < nd; i++) {
		char **devs;

		snprintf(path, sizeof(path), "/local/domain/%s/backend/vgpu/%s", be, doms[i]);
		devs = xs_directory(xs, XBT_NULL, path, &nv);
		for (unsigned int k = 0; devs && k < nv; k++) {
			char p[192], *state, *name;
			uint64_t v;

			snprintf(p, sizeof(p), "%s/%s/state", path, devs[k]);
			state = xs_read(xs, XBT_NULL, p, NULL);
			if (!state)
				continue;
			dd->total++;
			if (parse_u64(state, &v) || v <= 1) {
				dd->waiting++;
				snprintf(p, sizeof(p), "/local/domain/%s/name", be);
				name = xs_read(xs, XBT_NULL, p, NULL);
				snprintf(dd->where, sizeof(dd->where), "%s (domid %s)",
					 name ? name : "?", be);
				free(name);
			}
			free(state);
		}
		free(devs);
	}
	free(doms);
}

/* vgpu-back in the driver domains, from their devices' states. */
static void check_driver_domain_backends(struct doctor *d)
{
	struct dd_devices dd = { 0, 0, "" };
	unsigned int nb;
	char **bes;

	if (!d->a->xs) {
		verdict(d, "backend", NOT_CHECKED,
			"not checked: vgpu-back runs in the driver domains and xenstore does not answer");
		return;
	}
	bes = xs_directory(d->a->xs, XBT_NULL, "/local/domain", &nb);
	for (unsigned int b = 0; bes && b < nb; b++)
		if (strcmp(bes[b], "0") != 0)
			count_dd_devices(d->a->xs, bes[b], &dd);
	free(bes);
	if (!dd.total)
		verdict(d, "backend", NOT_CHECKED,
			"not checked: vgpu-back runs in the driver domains, and no device is attached there yet");
	else if (dd.waiting)
		verdict(d, "backend",
			"load vgpu-back in that driver domain (modprobe vgpu-back there) and read its kernel log (Documentation/xcp-ng.md)",
			"%u of %u devices in driver domains are still Initialising: vgpu-back in %s has not taken them",
			dd.waiting, dd.total, dd.where);
	else
		verdict(d, "backend", NULL,
			"vgpu-back in the driver domains took all %u attached devices", dd.total);
}

static void check_backend(struct doctor *d)
{
	struct stat st;

	if (all_in_driver_domains(d)) {
		check_driver_domain_backends(d);
		return;
	}
	if (stat(BACKEND_MODULE_DIR, &st) == 0)
		verdict(d, "backend", NULL, "vgpu-back is loaded");
	else
		verdict(d, "backend", "modprobe vgpu-back (Documentation/backend.md)",
			"vgpu-back is not loaded (%s)", BACKEND_MODULE_DIR);
	if (d->driver_domains)
		check_driver_domain_backends(d);
}

static const char GPU_FIX[] =
	"the GPU is not visible to the worker: check the NVIDIA driver (nvidia-smi), that vgpu-cuda-exec is installed, and start vgpu-worker with --executor cuda (Documentation/worker.md)";

/*
 * The worker's executor and device. The CPU executor is a choice the
 * operator may make (a lab, a host without GPU): information, unless
 * --require-gpu says a GPU must execute.
 */
static void check_gpu(struct doctor *d)
{
	struct worker_device dev;
	int err = worker_device_query(d->a->worker_socket, &dev);

	if (err == -EPROTO) {
		verdict(d, "gpu", "upgrade vgpu-worker to this release",
			"the worker does not answer the device command");
	} else if (err) {
		verdict(d, "gpu", NOT_CHECKED, "not checked: the worker does not answer");
	} else if (dev.gpu) {
		verdict(d, "gpu", NULL, "%s executor on \"%s\", %llu of %llu MiB free", dev.executor,
			dev.name, (unsigned long long)(dev.mem_free >> 20),
			(unsigned long long)(dev.mem_total >> 20));
	} else if (strcmp(dev.executor, "cpu") != 0 || d->require_gpu) {
		verdict(d, "gpu", GPU_FIX, "no GPU: the worker runs the %s executor without one",
			dev.executor);
	} else {
		verdict(d, "gpu", NOT_CHECKED,
			"no GPU: the worker runs the CPU executor (--require-gpu makes this a failure)");
	}
}

static void check_worker(struct doctor *d)
{
	char *answer = NULL, fix[300];
	int err = ctlsock_query(d->a->worker_socket, "help", &answer);

	snprintf(fix, sizeof(fix),
		 "start vgpu-worker (Documentation/worker.md), or give vgpu-admin --worker-socket PATH (now %s)",
		 d->a->worker_socket);
	if (err && all_in_driver_domains(d))
		verdict(d, "worker", NOT_CHECKED,
			"not checked: the worker runs in the driver domain, its control socket %s is not in Dom0 (forward it: Documentation/xcp-ng.md)",
			d->a->worker_socket);
	else if (err)
		verdict(d, "worker", fix, "the control socket does not answer: %s", strerror(-err));
	else if (!strstr(answer, "vms"))
		verdict(d, "worker", "upgrade vgpu-worker to this release",
			"the worker answers but does not know the vms command");
	else
		verdict(d, "worker", NULL, "vgpu-worker answers on %s (its backend ABI matched, or it would not run)",
			d->a->worker_socket);
	free(answer);
	check_gpu(d);
}

static void count_vm(void *arg, const struct vm_conf *c)
{
	struct doctor *d = arg;

	d->n_vms++;
	if (strcmp(c->backend, "0") != 0)
		d->driver_domains++;
}

static void check_db(struct doctor *d)
{
	struct admin *a = d->a;
	FILE *sink = tmpfile();
	char why[512] = "";
	int rc;

	rc = db_open(a->db_path, 0, 0, &a->db, sink ? sink : a->err);
	if (rc && sink) {
		size_t len;

		rewind(sink);
		len = fread(why, 1, sizeof(why) - 1, sink);
		why[len] = '\0';
		if (len && why[len - 1] == '\n')
			why[len - 1] = '\0';
	}
	if (sink)
		fclose(sink);
	if (rc) {
		verdict(d, "database", "vgpu-admin init (or --db PATH); see the message for a newer schema",
			"%s", why + (strncmp(why, "vgpu-admin: ", 12) ? 0 : 12));
		return;
	}
	db_vm_each(a->db, count_vm, d, a->err);
	verdict(d, "database", NULL, "%s: schema version %d, %u VMs", a->db_path,
		db_version(a->db), d->n_vms);
}

/* protocol-version of each attached device, where the backend wrote one. */
static void check_protocol(struct doctor *d)
{
	struct admin *a = d->a;
	unsigned int nb, nd, nv, seen = 0, bad = 0;
	char **bes, path[128], badone[256] = "";

	a->xs = xs_open(0);
	if (!a->xs) {
		verdict(d, "xenstore", "start xenstored (systemctl start xenstored)",
			"xenstore cannot be reached: %s", strerror(errno));
		return;
	}
	verdict(d, "xenstore", NULL, "xenstore answers");
	bes = xs_directory(a->xs, XBT_NULL, "/local/domain", &nb);
	for (unsigned int b = 0; bes && b < nb; b++) {
		char **doms;

		snprintf(path, sizeof(path), "/local/domain/%s/backend/vgpu", bes[b]);
		doms = xs_directory(a->xs, XBT_NULL, path, &nd);
		for (unsigned int i = 0; doms && i < nd; i++) {
			char **devs;

			snprintf(path, sizeof(path), "/local/domain/%s/backend/vgpu/%s", bes[b], doms[i]);
			devs = xs_directory(a->xs, XBT_NULL, path, &nv);
			for (unsigned int k = 0; devs && k < nv; k++) {
				char p[256];
				uint64_t v;
				char *s;

				snprintf(p, sizeof(p), "%s/%s/protocol-version", path, devs[k]);
				s = xs_read(a->xs, XBT_NULL, p, NULL);
				if (s) {
					seen++;
					if (parse_u64(s, &v) || v != VGPUIF_PROTOCOL_VERSION) {
						bad++;
						snprintf(badone, sizeof(badone), "%s", p);
					}
				}
				free(s);
			}
			free(devs);
		}
		free(doms);
	}
	free(bes);
	if (bad)
		verdict(d, "versions", "install vgpu-back and vgpu-admin from the same release",
			"%u of %u devices speak another protocol than %d (e.g. %s)", bad, seen,
			VGPUIF_PROTOCOL_VERSION, badone);
	else
		verdict(d, "versions", NULL, "%u attached device%s, all protocol version %d", seen,
			seen == 1 ? "" : "s", VGPUIF_PROTOCOL_VERSION);
}

int cmd_doctor(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin doctor [--require-gpu] [--json]";
	struct doctor d = { a, 0, 0, 0, 0, 0 };
	const struct admin_opt opts[] = {
		{ "require-gpu", NULL, &d.require_gpu },
		{ NULL, NULL, NULL },
	};
	char *pos[1];
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nChecks Xen and its IOMMU, xenstore, vgpu-back, the worker and its GPU, the\ndatabase and the devices' protocol versions; prints the fix of each failure.\nExit status 1 if any check failed. A worker on the CPU executor is reported,\nnot failed, unless --require-gpu.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, opts, pos, 0, &npos, use);
	if (rc)
		return rc;
	if (a->json)
		fputc('[', a->out);
	check_db(&d);	/* first: the IOMMU check asks about driver domains */
	check_xen(&d);
	check_protocol(&d);
	check_backend(&d);
	check_worker(&d);
	if (a->json)
		fputs("]\n", a->out);
	else
		fprintf(a->out, "%u checks, %u failed\n", d.n, d.failed);
	return d.failed ? ADMIN_E_CHECK : ADMIN_OK;
}
