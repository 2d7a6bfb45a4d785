// SPDX-License-Identifier: MIT
/*
 * What the control socket answers (worker_control(), protocol in
 * Documentation/scheduler.md): the worker's metrics as Prometheus text
 * exposition format 0.0.4, one line per VM, one line about the executor's
 * device, one about its GPU's health and counters (`gpu`); and the
 * metrics lines of
 * the log (worker_print_metrics()). Reads the worker's state, never
 * changes it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "worker.h"
#include "worker_priv.h"

/* The per-VM part of a family's samples. */
struct vm_row {
	const struct vm *vm;
	struct metrics_summary s;
	char labels[160];
};

static const int32_t limit_statuses[] = {
	VGPUIF_RSP_BUSY, VGPUIF_RSP_RATE_LIMITED, VGPUIF_RSP_QUOTA,
};

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu\n", (unsigned long long)(ns / 1000000000ull),
		(unsigned long long)(ns % 1000000000ull));
}

static int is_limit_status(unsigned int idx)
{
	for (size_t i = 0; i < sizeof(limit_statuses) / sizeof(*limit_statuses); i++)
		if (metrics_status_index(limit_statuses[i]) == idx)
			return 1;
	return 0;
}

/* Error counts: the limit refusals always, other statuses once seen. */
static void errors(FILE *f, const char *name, const char *labels,
		   const struct vm_metrics *m)
{
	for (unsigned int i = 1; i < METRICS_NR_STATUS; i++)
		if (m->by_status[i] || is_limit_status(i))
			fprintf(f, "%s{%s,status=\"%s\"} %llu\n", name, labels,
				metrics_status_name(i),
				(unsigned long long)m->by_status[i]);
}

static void summary(FILE *f, const char *name, const char *labels,
		    const uint64_t p_ns[3], uint64_t sum_ns, uint64_t count)
{
	static const char *const q[3] = { "0.5", "0.95", "0.99" };

	for (int i = 0; i < 3; i++) {
		fprintf(f, "%s{%s,quantile=\"%s\"} ", name, labels, q[i]);
		seconds(f, p_ns[i]);
	}
	fprintf(f, "%s_sum{%s} ", name, labels);
	seconds(f, sum_ns);
	fprintf(f, "%s_count{%s} %llu\n", name, labels,
		(unsigned long long)count);
}

/* The families that VMs and levels share, for one set of rows. */
static void common(FILE *f, const char *pfx, size_t n,
		   const struct vm_metrics *const *m,
		   const struct metrics_summary *s, char (*labels)[160],
		   const uint32_t *queued, const uint32_t *inflight)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_completed_total", pfx);
	family(f, name, "counter", "Requests completed, any status (refusals included).");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{%s} %llu\n", name, labels[i],
			(unsigned long long)m[i]->done);
	snprintf(name, sizeof(name), "%s_errors_total", pfx);
	family(f, name, "counter", "Requests completed with a status other than okay, by status.");
	for (size_t i = 0; i < n; i++)
		errors(f, name, labels[i], m[i]);
	snprintf(name, sizeof(name), "%s_queue_depth", pfx);
	family(f, name, "gauge", "Requests admitted and waiting to start.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{%s} %u\n", name, labels[i], queued[i]);
	snprintf(name, sizeof(name), "%s_inflight", pfx);
	family(f, name, "gauge", "Requests admitted and not yet completed (queued or running).");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{%s} %u\n", name, labels[i], inflight[i]);
	snprintf(name, sizeof(name), "%s_wait_seconds", pfx);
	family(f, name, "summary", "Time from admission to start, over the last metrics-window requests that ran.");
	for (size_t i = 0; i < n; i++)
		summary(f, name, labels[i], s[i].wait_p_ns, m[i]->wait_sum_ns,
			m[i]->samples);
	snprintf(name, sizeof(name), "%s_service_seconds", pfx);
	family(f, name, "summary", "Time from start to finish (execution and copies), over the last metrics-window requests that ran.");
	for (size_t i = 0; i < n; i++)
		summary(f, name, labels[i], s[i].service_p_ns,
			m[i]->service_sum_ns, m[i]->samples);
	snprintf(name, sizeof(name), "%s_gpu_busy_seconds_total", pfx);
	family(f, name, "counter", "Sum of service times: time the executor spent on these requests.");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{%s} ", name, labels[i]);
		seconds(f, m[i]->service_sum_ns);
	}
	/* Wait plus service of each request: not the sum of the two p99s. */
	snprintf(name, sizeof(name), "%s_latency_seconds", pfx);
	family(f, name, "summary", "Time from admission to finish (wait and service), over the last metrics-window requests that ran; quantiles to the microsecond.");
	for (size_t i = 0; i < n; i++) {
		const uint64_t p_ns[3] = { s[i].p50_us * 1000, s[i].p95_us * 1000,
					   s[i].p99_us * 1000 };

		summary(f, name, labels[i], p_ns,
			m[i]->wait_sum_ns + m[i]->service_sum_ns, m[i]->samples);
	}
}

static void prom_worker(struct worker *w, FILE *f)
{
	uint64_t up = worker_now(w) - w->start_ns;

	family(f, "vgpu_worker_uptime_seconds", "gauge", "Seconds since the worker started.");
	fprintf(f, "vgpu_worker_uptime_seconds ");
	seconds(f, up);
	family(f, "vgpu_worker_sched_info", "gauge", "The scheduling mode and level weights (value always 1).");
	fprintf(f, "vgpu_worker_sched_info{mode=\"%s\",weights=\"%u:%u:%u\",aging_ms=\"%u\"} 1\n",
		sched_mode_name(w->sched.p.mode), w->cfg.sched_weights[0],
		w->cfg.sched_weights[1], w->cfg.sched_weights[2],
		w->cfg.sched_aging_ms);
	family(f, "vgpu_worker_vms", "gauge", "VMs connected.");
	fprintf(f, "vgpu_worker_vms %u\n", w->vms.count);
	family(f, "vgpu_worker_requests_total", "counter", "Requests read from the backend.");
	fprintf(f, "vgpu_worker_requests_total %llu\n",
		(unsigned long long)w->stats.requests);
	family(f, "vgpu_worker_dropped_total", "counter", "Requests forgotten when their VM disconnected.");
	fprintf(f, "vgpu_worker_dropped_total %llu\n",
		(unsigned long long)w->stats.dropped);
	family(f, "vgpu_worker_unknown_vm_total", "counter", "Requests of a device not connected to the worker (never, or its connect refused).");
	fprintf(f, "vgpu_worker_unknown_vm_total %llu\n",
		(unsigned long long)w->stats.unknown_vm);
	family(f, "vgpu_worker_connects_refused_total", "counter", "Connects refused by the connect rate limit (connect-burst, connect-interval-ms), all devices.");
	fprintf(f, "vgpu_worker_connects_refused_total %llu\n",
		(unsigned long long)w->stats.refused_connects);
}

/*
 * The executor's device as a whole and the executor's own counters
 * (exec_health(); Documentation/cuda-executor.md, "GPU lost").
 */
static void prom_gpu(struct worker *w, FILE *f)
{
	static const char *const states[] = { "ok", "lost", "probing" };
	struct exec_health hl;
	const struct {
		const char *name, *help;
		uint64_t v;
	} c[] = {
		{ "vgpu_gpu_losses_total", "Times the GPU was found lost (device-level errors, executors of several VMs failing together).", 0 },
		{ "vgpu_gpu_probes_total", "Probes of a lost GPU (a fresh executor process opening it).", 0 },
		{ "vgpu_gpu_probes_failed_total", "Probes that found no GPU or no context.", 0 },
		{ "vgpu_executor_processes_started_total", "Executor processes started (spares and probes included).", 0 },
		{ "vgpu_executor_restarts_total", "Executor processes started for a VM that had one before.", 0 },
		{ "vgpu_executor_start_failures_total", "Executor processes that did not come up.", 0 },
		{ "vgpu_executor_faults_total", "Requests answered fault (a VM's kernel faulted; its context was reset).", 0 },
		{ "vgpu_executor_timeouts_total", "Executor processes killed by the watchdog (a request or kernel past request-timeout-ms).", 0 },
		{ "vgpu_executor_processes_lost_total", "Executor processes that ended unasked (crash, killed).", 0 },
		{ "vgpu_executor_restarts_delayed_total", "Restarts that waited out a back-off.", 0 },
		{ "vgpu_executor_spares_taken_total", "VMs given a spare executor process (exec-spare).", 0 },
		{ "vgpu_executor_device_lost_total", "Requests answered device_lost (the GPU lost or being probed).", 0 },
	};
	uint64_t v[sizeof(c) / sizeof(c[0])];

	exec_health(w->ex, &hl);
	v[0] = hl.losses;
	v[1] = hl.probes;
	v[2] = hl.probes_failed;
	v[3] = hl.spawns;
	v[4] = hl.restarts;
	v[5] = hl.start_failures;
	v[6] = hl.faults;
	v[7] = hl.timeouts;
	v[8] = hl.lost;
	v[9] = hl.restarts_delayed;
	v[10] = hl.spares_taken;
	v[11] = hl.device_lost;
	family(f, "vgpu_gpu_up", "gauge", "1 while the executor's GPU serves, 0 while it is lost or being probed (requests get device_lost).");
	fprintf(f, "vgpu_gpu_up %d\n", strcmp(hl.state, "ok") == 0);
	family(f, "vgpu_gpu_state", "gauge", "The GPU's state: 1 for the current one of ok, lost, probing.");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(f, "vgpu_gpu_state{state=\"%s\"} %d\n", states[i],
			strcmp(hl.state, states[i]) == 0);
	family(f, "vgpu_gpu_state_seconds", "gauge", "Seconds since the GPU was last found lost or back (or since the worker started).");
	fprintf(f, "vgpu_gpu_state_seconds ");
	seconds(f, hl.age_ns);
	family(f, "vgpu_gpu_last_error", "gauge", "Device error (CUresult) of the last loss or failed probe; 0: none known.");
	fprintf(f, "vgpu_gpu_last_error %d\n", hl.last_error);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		family(f, c[i].name, "counter", c[i].help);
		fprintf(f, "%s %llu\n", c[i].name, (unsigned long long)v[i]);
	}
}

static int device_after(const struct connect_rate *a,
			const struct connect_rate *b)
{
	return a->domid != b->domid ? a->domid > b->domid : a->devid > b->devid;
}

/*
 * Refused connects per device, connected or not (a refused device is
 * not): the remembered devices with any, by domid and devid.
 */
static void prom_devices(struct worker *w, FILE *f)
{
	const struct connect_rate *d[WORKER_CONNECT_TRACK];
	unsigned int n = 0;

	for (unsigned int i = 0; i < WORKER_CONNECT_TRACK; i++) {
		const struct connect_rate *c = &w->connects[i];
		unsigned int j;

		if (!c->tat || !c->refused)
			continue;
		/* Insertion sort: at most 64 devices. */
		for (j = n++; j && device_after(d[j - 1], c); j--)
			d[j] = d[j - 1];
		d[j] = c;
	}
	family(f, "vgpu_device_connects_refused_total", "counter", "Connects of the device refused by the connect rate limit (the last 64 devices that connected).");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "vgpu_device_connects_refused_total{domid=\"%u\",devid=\"%u\"} %llu\n",
			d[i]->domid, d[i]->devid,
			(unsigned long long)d[i]->refused);
}

static void prom_levels(struct worker *w, FILE *f)
{
	const struct vm_metrics *m[SCHED_NR_LEVELS];
	struct metrics_summary s[SCHED_NR_LEVELS];
	char labels[SCHED_NR_LEVELS][160];
	uint32_t queued[SCHED_NR_LEVELS], inflight[SCHED_NR_LEVELS] = { 0 };
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));
	uint32_t n = list ? vmtable_list(&w->vms, list) : 0;

	for (uint32_t i = 0; i < n; i++)
		inflight[list[i]->sched.prio] += worker_vm_inflight(list[i]);
	free(list);
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++) {
		m[l] = &w->lvl_metrics[l];
		metrics_summarize(m[l], &s[l]);
		snprintf(labels[l], sizeof(labels[l]), "prio=\"%s\"",
			 prio_name((uint8_t)l));
		queued[l] = w->sched.level_queued[l];
	}
	common(f, "vgpu_level", SCHED_NR_LEVELS, m, s, labels, queued,
	       inflight);
	family(f, "vgpu_level_picks_total", "counter", "Requests the scheduler started from this level.");
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		fprintf(f, "vgpu_level_picks_total{%s} %llu\n", labels[l],
			(unsigned long long)w->sched.picks[l]);
}

/* The retired VM @i places after the oldest. */
static const struct retired_vm *retired_at(const struct worker *w,
					   unsigned int i)
{
	return &w->retired[(w->retired_pos + WORKER_RETIRED_MAX - w->nretired +
			    i) % WORKER_RETIRED_MAX];
}

static void vm_labels(char *buf, size_t size, const struct vgpu_back_vm *c,
		      uint8_t prio)
{
	char pb[2];

	snprintf(buf, size,
		 "domid=\"%u\",devid=\"%u\",vm_id=\"%u\",pool=\"%s\",prio=\"%s\"",
		 c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
		 prio_name(prio));
}

/*
 * Connected VMs, then the final figures of disconnected ones, newest
 * first, with the same labels: a VM's series goes on where it stopped and
 * vgpu_vm_connected says 0. One series per label set: a disconnected VM
 * whose labels a connected one (or a newer disconnected one) has is left
 * out; its counters start again from 0 in the newer one, a reset that
 * rate() handles.
 */
static int prom_vms(struct worker *w, FILE *f)
{
	uint32_t cap = w->vms.count + w->nretired + 1, n, ncon;
	struct vm **list = calloc(cap, sizeof(*list));
	const struct vm_metrics **m = calloc(cap, sizeof(*m));
	struct metrics_summary *s = calloc(cap, sizeof(*s));
	char (*labels)[160] = calloc(cap, sizeof(*labels));
	uint32_t *queued = calloc(cap, sizeof(*queued));
	uint32_t *inflight = calloc(cap, sizeof(*inflight));
	int err = 0;

	if (!list || !m || !s || !labels || !queued || !inflight) {
		err = -ENOMEM;
		goto out;
	}
	n = vmtable_list(&w->vms, list);
	for (uint32_t i = 0; i < n; i++) {
		m[i] = &list[i]->metrics;
		vm_labels(labels[i], sizeof(labels[i]), &list[i]->ex.cfg,
			  list[i]->sched.prio);
		queued[i] = list[i]->sched.queued;
		inflight[i] = worker_vm_inflight(list[i]);
	}
	ncon = n;
	for (unsigned int i = w->nretired; i-- > 0;) {
		const struct retired_vm *r = retired_at(w, i);
		uint32_t j;

		vm_labels(labels[n], sizeof(labels[n]), &r->cfg,
			  r->cfg.priority);
		for (j = 0; j < n && strcmp(labels[j], labels[n]); j++)
			;
		if (j < n)
			continue;	/* a newer series has these labels */
		m[n] = &r->metrics;
		queued[n] = inflight[n] = 0;
		n++;
	}
	for (uint32_t i = 0; i < n; i++)
		metrics_summarize(m[i], &s[i]);
	common(f, "vgpu_vm", n, m, s, labels, queued, inflight);
	family(f, "vgpu_vm_connected", "gauge", "1 while the VM is connected; 0: its final figures, kept until forgotten (the last 256 disconnected VMs, or the control command forget).");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "vgpu_vm_connected{%s} %d\n", labels[i], i < ncon);
	family(f, "vgpu_worker_disconnected_vms", "gauge", "Disconnected VMs whose final figures the worker keeps.");
	fprintf(f, "vgpu_worker_disconnected_vms %u\n", w->nretired);
out:
	free(list);
	free(m);
	free(s);
	free(labels);
	free(queued);
	free(inflight);
	return err;
}

static int vms_lines(struct worker *w, FILE *f)
{
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));
	uint32_t n;

	if (!list)
		return -ENOMEM;
	n = vmtable_list(&w->vms, list);
	for (uint32_t i = 0; i < n; i++) {
		const struct vm *vm = list[i];
		const struct vgpu_back_vm *c = &vm->ex.cfg;
		const struct vm_metrics *m = &vm->metrics;
		struct exec_info info = { 0 };
		char pb[2];

		/* The executor's count of the VM's allocations, as GET_INFO. */
		w->ex->ops->info(w->ex, &vm->ex, &info);
		fprintf(f, "domid=%u devid=%u vm_id=%u pool=%s prio=%s queued=%u inflight=%u max_inflight=%u max_queued=%u rate_limit=%u mem_quota=%llu done=%llu errors=%llu busy=%llu rate_limited=%llu quota=%llu mem_used=%llu connect_refused=%llu\n",
			c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
			prio_name(vm->sched.prio), vm->sched.queued,
			worker_vm_inflight(vm), worker_vm_max_inflight(w, vm),
			c->max_queued, c->rate_limit,
			(unsigned long long)c->mem_quota,
			(unsigned long long)m->done,
			(unsigned long long)m->errors,
			(unsigned long long)m->by_status[metrics_status_index(VGPUIF_RSP_BUSY)],
			(unsigned long long)m->by_status[metrics_status_index(VGPUIF_RSP_RATE_LIMITED)],
			(unsigned long long)m->by_status[metrics_status_index(VGPUIF_RSP_QUOTA)],
			(unsigned long long)info.mem_used,
			(unsigned long long)worker_connect_refused(w, c->domid,
								   c->devid));
	}
	free(list);
	return 0;
}

/*
 * The device name between double quotes: a backslash before '"' and '\\',
 * \xHH for any byte outside printable ASCII, so the line stays one
 * parseable line whatever the driver reports.
 */
static void quoted(FILE *f, const char *s, size_t max)
{
	fputc('"', f);
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void device_line(struct worker *w, FILE *f)
{
	struct exec_info ei;

	memset(&ei, 0, sizeof(ei));
	w->ex->ops->info(w->ex, NULL, &ei);
	fprintf(f, "executor=%s name=", w->ex->ops->name);
	quoted(f, ei.device_name, sizeof(ei.device_name));
	fprintf(f, " gpu=%d mem_total=%llu mem_free=%llu\n",
		(ei.flags & VGPUIF_INFO_F_GPU) ? 1 : 0,
		(unsigned long long)ei.mem_total,
		(unsigned long long)ei.mem_free);
}

/* The `gpu` line: key=value words; last_why quoted as the device name. */
static void gpu_line(struct worker *w, FILE *f)
{
	struct exec_health hl;

	exec_health(w->ex, &hl);
	fprintf(f, "executor=%s state=%s since_s=%llu losses=%llu probes=%llu probes_failed=%llu last_error=%d spawns=%llu restarts=%llu start_failures=%llu faults=%llu timeouts=%llu lost=%llu restarts_delayed=%llu spares_taken=%llu device_lost=%llu last_why=",
		w->ex->ops->name, hl.state,
		(unsigned long long)(hl.age_ns / 1000000000ull),
		(unsigned long long)hl.losses, (unsigned long long)hl.probes,
		(unsigned long long)hl.probes_failed, hl.last_error,
		(unsigned long long)hl.spawns, (unsigned long long)hl.restarts,
		(unsigned long long)hl.start_failures,
		(unsigned long long)hl.faults, (unsigned long long)hl.timeouts,
		(unsigned long long)hl.lost,
		(unsigned long long)hl.restarts_delayed,
		(unsigned long long)hl.spares_taken,
		(unsigned long long)hl.device_lost);
	quoted(f, hl.last_why, sizeof(hl.last_why));
	fputc('\n', f);
}

int worker_control(struct worker *w, const char *cmd, FILE *out)
{
	if (strcmp(cmd, "metrics") == 0) {
		prom_worker(w, out);
		prom_gpu(w, out);
		prom_levels(w, out);
		prom_devices(w, out);
		if (prom_vms(w, out)) {
			fprintf(out, "# error: out of memory\n");
			return -ENOMEM;
		}
		return 0;
	}
	if (strcmp(cmd, "vms") == 0) {
		if (vms_lines(w, out)) {
			fprintf(out, "error: out of memory\n");
			return -ENOMEM;
		}
		return 0;
	}
	if (strcmp(cmd, "device") == 0) {
		device_line(w, out);
		return 0;
	}
	if (strcmp(cmd, "gpu") == 0) {
		gpu_line(w, out);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		fprintf(out, "device\nforget all|DOMID[/DEVID]\ngpu\nhelp\nmetrics\nvms\n");
		return 0;
	}
	fprintf(out, "error: unknown command '%.64s' (try help)\n", cmd);
	return -EINVAL;
}

/* ---- metrics lines in the log ---- */

static unsigned long long status_count(const struct vm_metrics *m, int32_t status)
{
	return (unsigned long long)m->by_status[metrics_status_index(status)];
}

/* Fields may be added at the end of the line; scripts parse these names. */
void worker_print_vm_metrics(const struct vgpu_back_vm *c,
			     const struct vm_metrics *m, const char *state,
			     uint32_t queued, uint32_t inflight,
			     uint64_t connect_refused)
{
	struct metrics_summary s;
	char pb[2];

	metrics_summarize(m, &s);
	vlog_tagged("metrics",
		    "vm domid=%u devid=%u vm_id=%u pool=%s prio=%s state=%s done=%llu errors=%llu rejected=%llu queued=%u samples=%llu p50_us=%llu p95_us=%llu p99_us=%llu max_us=%llu wait_mean_us=%llu service_mean_us=%llu inflight=%u busy=%llu rate_limited=%llu quota=%llu busy_us=%llu wait_p99_us=%llu service_p99_us=%llu connect_refused=%llu",
		    c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
		    prio_name(c->priority), state,
		    (unsigned long long)s.done, (unsigned long long)s.errors,
		    (unsigned long long)s.rejected, queued,
		    (unsigned long long)s.samples,
		    (unsigned long long)s.p50_us, (unsigned long long)s.p95_us,
		    (unsigned long long)s.p99_us, (unsigned long long)s.max_us,
		    (unsigned long long)s.wait_mean_us,
		    (unsigned long long)s.service_mean_us, inflight,
		    status_count(m, VGPUIF_RSP_BUSY),
		    status_count(m, VGPUIF_RSP_RATE_LIMITED),
		    status_count(m, VGPUIF_RSP_QUOTA),
		    (unsigned long long)(m->service_sum_ns / 1000),
		    (unsigned long long)(s.wait_p_ns[2] / 1000),
		    (unsigned long long)(s.service_p_ns[2] / 1000),
		    (unsigned long long)connect_refused);
}

void worker_print_metrics(struct worker *w, const char *reason)
{
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));
	uint64_t up = (worker_now(w) - w->start_ns) / 1000000000ull;
	uint32_t n;
	/* Context switches of the whole worker, its copy threads included. */
	struct rusage ru = { 0 };

	getrusage(RUSAGE_SELF, &ru);
	if (!list) {
		log_error("metrics: out of memory");
		return;
	}
	n = vmtable_list(&w->vms, list);
	vlog_tagged("metrics",
		    "begin reason=%s uptime_s=%llu vms=%u retired=%u queued=%u events=%llu requests=%llu completions=%llu dropped=%llu refused_completions=%llu unknown_vm=%llu refused_connects=%llu polls=%llu event_reads=%llu completion_writes=%llu copies=%llu enters=%llu csw_voluntary=%ld csw_involuntary=%ld",
		    reason, (unsigned long long)up, n, w->nretired,
		    sched_queued(&w->sched),
		    (unsigned long long)w->stats.events,
		    (unsigned long long)w->stats.requests,
		    (unsigned long long)w->stats.completions,
		    (unsigned long long)w->stats.dropped,
		    (unsigned long long)w->stats.refused_completions,
		    (unsigned long long)w->stats.unknown_vm,
		    (unsigned long long)w->stats.refused_connects,
		    (unsigned long long)w->stats.polls,
		    (unsigned long long)w->stats.event_reads,
		    (unsigned long long)w->stats.completion_writes,
		    (unsigned long long)atomic_load(&w->tp->copies),
		    (unsigned long long)atomic_load(&w->tp->enters),
		    ru.ru_nvcsw, ru.ru_nivcsw);
	{
		struct exec_health hl;

		exec_health(w->ex, &hl);
		vlog_tagged("metrics",
			    "gpu state=%s since_s=%llu losses=%llu probes=%llu probes_failed=%llu last_error=%d spawns=%llu restarts=%llu start_failures=%llu faults=%llu timeouts=%llu lost=%llu restarts_delayed=%llu spares_taken=%llu device_lost=%llu",
			    hl.state,
			    (unsigned long long)(hl.age_ns / 1000000000ull),
			    (unsigned long long)hl.losses,
			    (unsigned long long)hl.probes,
			    (unsigned long long)hl.probes_failed, hl.last_error,
			    (unsigned long long)hl.spawns,
			    (unsigned long long)hl.restarts,
			    (unsigned long long)hl.start_failures,
			    (unsigned long long)hl.faults,
			    (unsigned long long)hl.timeouts,
			    (unsigned long long)hl.lost,
			    (unsigned long long)hl.restarts_delayed,
			    (unsigned long long)hl.spares_taken,
			    (unsigned long long)hl.device_lost);
	}
	for (uint32_t i = 0; i < n; i++)
		worker_print_vm_metrics(&list[i]->ex.cfg, &list[i]->metrics,
				 "connected", list[i]->sched.queued,
				 worker_vm_inflight(list[i]),
				 worker_connect_refused(w, list[i]->ex.cfg.domid,
							list[i]->ex.cfg.devid));
	/* Oldest retired first. */
	for (unsigned int i = 0; i < w->nretired; i++) {
		unsigned int j = (w->retired_pos + WORKER_RETIRED_MAX -
				  w->nretired + i) % WORKER_RETIRED_MAX;

		worker_print_vm_metrics(&w->retired[j].cfg, &w->retired[j].metrics,
				 "disconnected", 0, 0,
				 worker_connect_refused(w, w->retired[j].cfg.domid,
							w->retired[j].cfg.devid));
	}
	vlog_tagged("metrics", "end");
	free(list);
}
