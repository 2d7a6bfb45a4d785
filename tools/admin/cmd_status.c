// SPDX-License-Identifier: MIT
/*
 * vgpu-admin status: per-VM live figures from the worker's control socket
 * (`vms` for the counters, `metrics` for the wait percentiles), named from
 * the database; registered VMs the worker does not know are listed as not
 * connected. Above the table, the GPU's state and the executor's counters
 * (`gpu`; a worker that does not know it is left out).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "lib/parse.h"
#include "lib/ctlsock_client.h"

#define MAX_ROWS 4096

struct row {
	uint64_t domid, devid, vm_id, queued, inflight, done, errors, busy,
		 rate_limited, quota;
	char pool[4], prio[8], name[VM_NAME_MAX + 1];
	double wait[3];		/* p50, p95, p99 in seconds */
};

struct status {
	struct admin *a;
	struct row *rows;
	unsigned int n;
	unsigned int printed;
};

static void num(const char *tok, const char *key, uint64_t *dst)
{
	size_t k = strlen(key);

	if (strncmp(tok, key, k) == 0 && tok[k] == '=')
		parse_u64(tok + k + 1, dst);
}

static void text(const char *tok, const char *key, char *dst, size_t len)
{
	size_t k = strlen(key);

	if (strncmp(tok, key, k) == 0 && tok[k] == '=')
		snprintf(dst, len, "%s", tok + k + 1);
}

/* One `vms` line into @r. 0, or -1 if it is not one. */
static int parse_vms_line(char *line, struct row *r)
{
	char *save = NULL, *tok;

	memset(r, 0, sizeof(*r));
	r->domid = UINT64_MAX;
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		num(tok, "domid", &r->domid);
		num(tok, "devid", &r->devid);
		num(tok, "vm_id", &r->vm_id);
		num(tok, "queued", &r->queued);
		num(tok, "inflight", &r->inflight);
		num(tok, "done", &r->done);
		num(tok, "errors", &r->errors);
		num(tok, "busy", &r->busy);
		num(tok, "rate_limited", &r->rate_limited);
		num(tok, "quota", &r->quota);
		text(tok, "pool", r->pool, sizeof(r->pool));
		text(tok, "prio", r->prio, sizeof(r->prio));
	}
	return r->domid == UINT64_MAX ? -1 : 0;
}

/* The value of label @key="..." in @line, or -1. */
static int label(const char *line, const char *key, char *dst, size_t len)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return -1;
	memcpy(dst, p, (size_t)(e - p));
	dst[e - p] = '\0';
	return 0;
}

/* vgpu_vm_wait_seconds{...,quantile="0.5"} 0.001 into the row it names. */
static void parse_metric(struct status *s, const char *line)
{
	static const char *const qs[3] = { "0.5", "0.95", "0.99" };
	char dom[16], dev[16], q[8];
	uint64_t domid, devid;
	const char *v;

	if (strncmp(line, "vgpu_vm_wait_seconds{", 21) != 0 ||
	    label(line, "domid", dom, sizeof(dom)) || label(line, "devid", dev, sizeof(dev)) ||
	    label(line, "quantile", q, sizeof(q)) || parse_u64(dom, &domid) ||
	    parse_u64(dev, &devid))
		return;
	v = strrchr(line, ' ');
	if (!v)
		return;
	for (unsigned int i = 0; i < s->n; i++)
		if (s->rows[i].domid == domid && s->rows[i].devid == devid)
			for (int k = 0; k < 3; k++)
				if (strcmp(q, qs[k]) == 0)
					s->rows[i].wait[k] = strtod(v + 1, NULL);
}

/* The worker's `gpu` line, as one line above the table. */
static void print_gpu(struct admin *a, char *line)
{
	static const char *const keys[] = {
		"losses", "probes", "probes_failed", "spawns", "restarts",
		"start_failures", "faults", "timeouts", "lost", "spares_taken",
		"device_lost",
	};
	uint64_t v[sizeof(keys) / sizeof(keys[0])] = { 0 }, since = 0, err = 0;
	char state[16] = "", exec[16] = "", why[96] = "", *save = NULL, *tok;
	const char *q = strstr(line, " last_why=\"");

	if (q) {
		/* Quoted, escaped by the worker: shown as it is, to the quote. */
		size_t n = strcspn(q + 11, "\"\n");

		snprintf(why, sizeof(why), "%.*s", (int)(n < sizeof(why) ? n : sizeof(why) - 1),
			 q + 11);
		line[q - line] = '\0';
	}
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		text(tok, "executor", exec, sizeof(exec));
		text(tok, "state", state, sizeof(state));
		num(tok, "since_s", &since);
		num(tok, "last_error", &err);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			num(tok, keys[i], &v[i]);
	}
	if (!state[0] || strcmp(exec, "cuda"))
		return;		/* no GPU of its own: nothing to say */
	if (!strcmp(state, "ok"))
		fprintf(a->out, "GPU: ok for %" PRIu64 " s; lost %" PRIu64 " time(s)",
			since, v[0]);
	else
		fprintf(a->out, "GPU: %s for %" PRIu64 " s (guests get ENOMEDIUM until it is back): %s, device error %" PRIu64,
			!strcmp(state, "probing") ? "LOST, probing" : "LOST", since,
			why[0] ? why : "?", err);
	fprintf(a->out, "; probes %" PRIu64 " (%" PRIu64 " failed)\n", v[1], v[2]);
	fprintf(a->out, "executors: %" PRIu64 " started, %" PRIu64 " restarts, %" PRIu64
		" start failures, %" PRIu64 " faults, %" PRIu64 " timeouts, %" PRIu64
		" lost, %" PRIu64 " spares taken, %" PRIu64 " device_lost answers\n\n",
		v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
}

static void print_row(struct status *s, const struct row *r, int connected)
{
	FILE *f = s->a->out;

	if (s->a->json) {
		fprintf(f, "%s{\"name\":", s->printed ? "," : "");
		json_str(f, r->name);
		if (!connected) {
			fprintf(f, ",\"vm_id\":%" PRIu64 ",\"connected\":false}", r->vm_id);
		} else {
			fprintf(f, ",\"connected\":true,\"domid\":%" PRIu64 ",\"devid\":%" PRIu64
				",\"vm_id\":%" PRIu64 ",\"pool\":", r->domid, r->devid, r->vm_id);
			json_str(f, r->pool);
			fputs(",\"priority\":", f);
			json_str(f, r->prio);
			fprintf(f, ",\"queued\":%" PRIu64 ",\"inflight\":%" PRIu64 ",\"done\":%" PRIu64
				",\"errors\":%" PRIu64 ",\"busy\":%" PRIu64 ",\"rate_limited\":%" PRIu64
				",\"quota\":%" PRIu64 ",\"wait_seconds\":{\"p50\":%.9f,\"p95\":%.9f,\"p99\":%.9f}}",
				r->queued, r->inflight, r->done, r->errors, r->busy,
				r->rate_limited, r->quota, r->wait[0], r->wait[1], r->wait[2]);
		}
	} else {
		if (!s->printed)
			fprintf(f, "%-16s %5s %3s %10s %4s %-6s %6s %8s %10s %7s %6s %7s %6s %9s %9s %9s\n",
				"NAME", "DOMID", "DEV", "VM-ID", "POOL", "PRIO", "QUEUED", "INFLIGHT",
				"DONE", "ERRORS", "BUSY", "RATELIM", "QUOTA", "WAIT-P50", "P95", "P99");
		if (!connected)
			fprintf(f, "%-16s %5s %3s %10" PRIu64 "  (not connected)\n", r->name, "-", "-",
				r->vm_id);
		else
			fprintf(f, "%-16s %5" PRIu64 " %3" PRIu64 " %10" PRIu64 " %4s %-6s %6" PRIu64
				" %8" PRIu64 " %10" PRIu64 " %7" PRIu64 " %6" PRIu64 " %7" PRIu64
				" %6" PRIu64 " %7.3fms %7.3fms %7.3fms\n",
				r->name, r->domid, r->devid, r->vm_id, r->pool, r->prio, r->queued,
				r->inflight, r->done, r->errors, r->busy, r->rate_limited, r->quota,
				r->wait[0] * 1e3, r->wait[1] * 1e3, r->wait[2] * 1e3);
	}
	s->printed++;
}

/* Names the worker's rows; lists registered VMs it does not have. */
static void match_vm(void *arg, const struct vm_conf *c)
{
	struct status *s = arg;
	int found = 0;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->rows[i].vm_id == c->vm_id) {
			snprintf(s->rows[i].name, sizeof(s->rows[i].name), "%s", c->name);
			found = 1;
		}
	if (!found) {
		struct row r = { .vm_id = c->vm_id };

		snprintf(r.name, sizeof(r.name), "%s", c->name);
		print_row(s, &r, 0);
	}
}

/* One snapshot from the worker, printed as status does; an exit code. */
static int status_once(struct admin *a)
{
	struct status s = { a, NULL, 0, 0 };
	char *vms = NULL, *metrics = NULL, *gpu = NULL, *line, *save = NULL;
	int rc, err;

	err = ctlsock_query(a->worker_socket, "vms", &vms);
	if (!err)
		err = ctlsock_query(a->worker_socket, "metrics", &metrics);
	if (err) {
		free(vms);
		return admin_fail(a, ADMIN_E_WORKER,
				  "cannot reach the worker at %s (%s): is vgpu-worker running? (systemctl status vgpu-worker; --worker-socket PATH; a worker in a GPU driver domain: forward its socket, Documentation/xcp-ng.md)",
				  a->worker_socket, strerror(-err));
	}
	s.rows = calloc(MAX_ROWS, sizeof(*s.rows));
	if (!s.rows) {
		free(vms);
		free(metrics);
		return admin_fail(a, ADMIN_E_WORKER, "out of memory");
	}
	for (line = strtok_r(vms, "\n", &save); line && s.n < MAX_ROWS;
	     line = strtok_r(NULL, "\n", &save))
		if (parse_vms_line(line, &s.rows[s.n]) == 0)
			snprintf(s.rows[s.n++].name, sizeof(s.rows[0].name), "-");
	for (line = strtok_r(metrics, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_metric(&s, line);
	/* The GPU above the table; --json stays the list of VMs. */
	if (!a->json && ctlsock_query(a->worker_socket, "gpu", &gpu) == 0 &&
	    strncmp(gpu, "executor=", 9) == 0)
		print_gpu(a, gpu);
	free(gpu);
	if (a->json)
		fputc('[', a->out);
	rc = db_vm_each(a->db, match_vm, &s, a->err);
	for (unsigned int i = 0; i < s.n; i++)
		print_row(&s, &s.rows[i], 1);
	if (a->json)
		fputs("]\n", a->out);
	else if (!s.printed)
		fprintf(a->out, "no VMs registered or connected\n");
	free(s.rows);
	free(vms);
	free(metrics);
	return rc;
}

int cmd_status(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin [--worker-socket PATH] status [--json]";
	char *pos[1];
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nThe GPU's state (ok, lost, probing) and the executor's counters; then per\nVM: the worker's live figures (queue depth, in flight, completions,\nerrors, refusals by limit, wait percentiles), named from the database.\n--json: the VMs only.\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 0, &npos, use);
	if (!rc)
		rc = admin_db(a, 0);
	return rc ? rc : status_once(a);
}

int cmd_top(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin top [--interval SECONDS] [--count N]";
	const char *interval_s = NULL, *count_s = NULL;
	const struct admin_opt opts[] = {
		{ "interval", &interval_s, NULL }, { "count", &count_s, NULL },
		{ NULL, NULL, NULL },
	};
	uint64_t interval = 2, count = 0;
	char *pos[1];
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nstatus, refreshed every SECONDS (default 2) like top(1), N times\n(default: until interrupted).\n",
			use);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, opts, pos, 0, &npos, use);
	if (!rc && interval_s && (parse_u64(interval_s, &interval) || !interval || interval > 3600))
		rc = admin_fail(a, ADMIN_E_USAGE, "--interval '%s' is not 1..3600 seconds", interval_s);
	if (!rc && count_s && parse_u64(count_s, &count))
		rc = admin_fail(a, ADMIN_E_USAGE, "--count '%s' is not a decimal", count_s);
	if (!rc && a->json)
		rc = admin_fail(a, ADMIN_E_USAGE, "top has no --json: use status --json");
	if (!rc)
		rc = admin_db(a, 0);
	for (uint64_t i = 0; !rc && (!count || i < count); i++) {
		if (i)
			sleep((unsigned int)interval);
		/* Home and clear, as top(1) repaints. */
		fprintf(a->out, "\033[H\033[2Jvgpu-admin top: %s, every %llus\n\n",
			a->worker_socket, (unsigned long long)interval);
		rc = status_once(a);
		fflush(a->out);
	}
	return rc;
}
