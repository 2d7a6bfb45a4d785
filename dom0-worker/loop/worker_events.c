// SPDX-License-Identifier: MIT
/*
 * The worker's side of the transport (see worker.h): events in - VMs that
 * connect, change and go (their final metrics kept, until forgotten),
 * requests admitted (sched/limits.h) and queued - and completions out, in
 * batches.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vgpu/vgpuif_ops.h>

#include "log.h"
#include "worker.h"
#include "worker_priv.h"

static void free_req(struct sched_req *r, void *arg)
{
	struct worker *w = arg;

	w->stats.dropped++;
	free(r);
}

void worker_vm_free(struct worker *w, struct vm *vm)
{
	struct worker_req *rq = vm->running;

	sched_vm_remove(&w->sched, &vm->sched, free_req, w);
	dispatch_vm_gone(&w->disp, &vm->sched);
	/* Ends requests in flight without reporting them (the backend did). */
	exec_vm_detach(w->ex, &vm->ex);
	while (rq) {
		struct worker_req *next = rq->run_next;

		w->running--;
		dispatch_dropped(&w->disp, rq->level);
		w->stats.dropped++;
		free(rq);
		rq = next;
	}
	metrics_fini(&vm->metrics);
	free(vm);
}

/*
 * Requests of a VM the executor may hold at once: the VM's max-inflight,
 * else vm-inflight. (A request finished at once is never held, so for the
 * CPU executor this bounds nothing.)
 */
static uint32_t vm_max_running(const struct worker *w,
			       const struct vgpu_back_vm *cfg)
{
	return cfg->max_inflight ? cfg->max_inflight : w->cfg.vm_max_running;
}

/* ---- completions ---- */

void worker_complete(struct worker *w, const struct vgpu_back_vm *cfg,
		     uint64_t handle, uint8_t op, const struct exec_result *res)
{
	if (!w->ncomp)
		w->first_pending_ns = worker_now(w);
	w->comp[w->ncomp++] = (struct vgpu_back_completion){
		.handle = handle,
		.status = res->status,
		.ret = { res->ret[0], res->ret[1] },
	};
	w->stats.completions++;
	orderlog_write(&w->olog, cfg->domid, cfg->devid, cfg->vm_id, cfg->pool,
		       cfg->priority, op, res->status);
	if (w->ncomp == w->cfg.batch) {
		int err = worker_flush(w);

		if (err && !w->error)
			w->error = err;	/* worker_run() stops on it */
	}
}

int worker_flush(struct worker *w)
{
	unsigned int done = 0;
	int alone = 0;	/* retrying one entry after a short batch */

	while (done < w->ncomp) {
		unsigned int n = alone ? 1 : w->ncomp - done;
		int r;

		if (!w->tp->rings)	/* counted as system calls */
			w->stats.completion_writes++;
		r = w->tp->ops->write_completions(w->tp, w->comp + done, n);

		if (r == -EINVAL) {
			/*
			 * The backend does not know this handle (its VM went
			 * away after we read the request): drop it.
			 */
			w->stats.refused_completions++;
			log_debug("completion of handle %#llx refused: unknown to the backend",
				  (unsigned long long)w->comp[done].handle);
			done++;
			alone = 0;
			continue;
		}
		if (r < 0) {
			log_error("write of %u completions failed: %s", n,
				  strerror(-r));
			w->ncomp = 0;
			orderlog_flush(&w->olog);
			return r;
		}
		done += (unsigned int)r;
		/*
		 * A short batch stops at an unknown handle; retry that entry
		 * alone, so that only a refused one is ever dropped.
		 */
		alone = (unsigned int)r < n;
	}
	w->ncomp = 0;
	orderlog_flush(&w->olog);
	return 0;
}

/* ---- events ---- */

static int cfg_valid(const struct vgpu_back_vm *cfg)
{
	return cfg->pool < VGPUIF_MAX_POOLS && cfg->priority < VGPUIF_NR_PRIOS;
}

static void log_vm(const char *what, const struct vgpu_back_vm *c)
{
	char pb[2];

	log_info("%s: domid=%u devid=%u vm_id=%u pool=%s prio=%s max_queued=%u mem_quota=%llu max_inflight=%u rate_limit=%u",
		 what, c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
		 prio_name(c->priority), c->max_queued,
		 (unsigned long long)c->mem_quota, c->max_inflight,
		 c->rate_limit);
}

static void apply_config(struct worker *w, struct vm *vm,
			 const struct vgpu_back_vm *cfg)
{
	struct vgpu_back_vm *cur = &vm->ex.cfg;
	uint16_t domid = cur->domid, devid = cur->devid;

	*cur = *cfg;
	cur->domid = domid;
	cur->devid = devid;
	sched_vm_set_prio(&w->sched, &vm->sched, cfg->priority);
	sched_vm_set_max_running(&w->sched, &vm->sched, vm_max_running(w, cfg));
	tbucket_set(&vm->tb, cfg->rate_limit, w->cfg.rate_burst, worker_now(w));
}

/*
 * Whether the device may connect now (worker.h, WORKER_CONNECT_*): a
 * generic cell rate: each connect moves the device's time on by one
 * interval, and a connect is refused while that time is more than the
 * burst ahead of now.
 */
static int connect_allowed(struct worker *w, uint16_t domid, uint16_t devid)
{
	const uint64_t interval = w->cfg.connect_interval_ms * 1000000ull;
	uint64_t now = worker_now(w), tat;
	struct connect_rate *c = NULL;

	if (!interval)
		return 1;
	for (unsigned int i = 0; i < WORKER_CONNECT_TRACK; i++) {
		struct connect_rate *x = &w->connects[i];

		if (x->tat && x->domid == domid && x->devid == devid) {
			c = x;
			break;
		}
		/* Else the one that has waited longest (an empty one first). */
		if (!c || x->tat < c->tat)
			c = x;
	}
	if (c->domid != domid || c->devid != devid || !c->tat)
		*c = (struct connect_rate){ .domid = domid, .devid = devid,
					    .tat = now };
	else if (c->tat < now)
		c->tat = now;	/* full credit; its refusals stay counted */
	tat = c->tat;
	if (tat - now > (uint64_t)(w->cfg.connect_burst - 1) * interval) {
		c->refused++;
		return 0;
	}
	c->tat = tat + interval;
	return 1;
}

uint64_t worker_connect_refused(const struct worker *w, uint16_t domid,
				uint16_t devid)
{
	for (unsigned int i = 0; i < WORKER_CONNECT_TRACK; i++) {
		const struct connect_rate *c = &w->connects[i];

		if (c->tat && c->domid == domid && c->devid == devid)
			return c->refused;
	}
	return 0;
}

static void on_connect(struct worker *w, const struct vgpu_back_vm *cfg)
{
	struct vm *vm = vmtable_find(&w->vms, cfg->domid, cfg->devid);
	int err;

	if (!cfg_valid(cfg))
		log_warn("connect domid=%u devid=%u: pool %u or priority %u out of range (a priority past low runs as low)",
			 cfg->domid, cfg->devid, cfg->pool, cfg->priority);
	if (vm) {
		/* The backend sends DISCONNECT first; keep the VM's state. */
		log_warn("connect domid=%u devid=%u: already connected; taking it as a config change",
			 cfg->domid, cfg->devid);
		apply_config(w, vm, cfg);
		log_vm("config", &vm->ex.cfg);
		return;
	}
	if (!connect_allowed(w, cfg->domid, cfg->devid)) {
		w->stats.refused_connects++;
		vlog_ratelimited(VLOG_WARN, "connect domid=%u devid=%u: refused: more than %u connects, then one per %u ms (connect-burst, connect-interval-ms); its requests will fail until it connects again later",
				 cfg->domid, cfg->devid, w->cfg.connect_burst,
				 w->cfg.connect_interval_ms);
		return;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		goto nomem;
	vm->ex.cfg = *cfg;
	if (metrics_init(&vm->metrics, w->cfg.metrics_window)) {
		free(vm);
		goto nomem;
	}
	err = exec_vm_attach(w->ex, &vm->ex);
	if (err) {
		metrics_fini(&vm->metrics);
		free(vm);
		log_error("connect domid=%u devid=%u: executor refused the VM: %s; its requests will fail",
			  cfg->domid, cfg->devid, strerror(-err));
		return;
	}
	if (sched_vm_add(&w->sched, &vm->sched, cfg->priority, 0)) {
		exec_vm_detach(w->ex, &vm->ex);
		metrics_fini(&vm->metrics);
		free(vm);
		goto nomem;
	}
	sched_vm_set_max_running(&w->sched, &vm->sched, vm_max_running(w, cfg));
	tbucket_set(&vm->tb, cfg->rate_limit, w->cfg.rate_burst, worker_now(w));
	vmtable_insert(&w->vms, vm);
	log_vm("connect", cfg);
	return;
nomem:
	log_error("connect domid=%u devid=%u: out of memory; its requests will fail",
		  cfg->domid, cfg->devid);
}

static void retire(struct worker *w, struct vm *vm)
{
	struct retired_vm *r = &w->retired[w->retired_pos];

	if (w->nretired == WORKER_RETIRED_MAX)
		metrics_fini(&r->metrics);	/* the oldest goes */
	else
		w->nretired++;
	r->cfg = vm->ex.cfg;
	r->metrics = vm->metrics;		/* takes the sample buffer */
	vm->metrics = (struct vm_metrics){ 0 };
	w->retired_pos = (w->retired_pos + 1) % WORKER_RETIRED_MAX;
}

/*
 * Forgets the final metrics of disconnected VMs (the control socket's
 * "forget"): every one with @all, else those of domid @domid and, when
 * @devid >= 0, that device. The others keep their order, oldest first at
 * the ring's start. How many went, or -ENOMEM (nothing changed).
 */
int worker_forget(struct worker *w, int all, uint16_t domid, int devid)
{
	unsigned int keep = 0, n = w->nretired;
	unsigned int first = (w->retired_pos + WORKER_RETIRED_MAX - n) %
			     WORKER_RETIRED_MAX;
	struct retired_vm *kept = calloc(WORKER_RETIRED_MAX, sizeof(*kept));

	if (!kept)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct retired_vm *r = &w->retired[(first + i) % WORKER_RETIRED_MAX];

		if (all || (r->cfg.domid == domid &&
			    (devid < 0 || r->cfg.devid == devid)))
			metrics_fini(&r->metrics);
		else
			kept[keep++] = *r;	/* takes the sample buffer */
	}
	free(w->retired);
	w->retired = kept;
	w->nretired = keep;
	w->retired_pos = keep % WORKER_RETIRED_MAX;
	return (int)(n - keep);
}

static void on_disconnect(struct worker *w, const struct vgpu_back_vm *cfg)
{
	struct vm *vm = vmtable_find(&w->vms, cfg->domid, cfg->devid);
	uint32_t queued;

	if (!vm) {
		log_warn("disconnect domid=%u devid=%u: not connected",
			 cfg->domid, cfg->devid);
		return;
	}
	queued = vm->sched.queued;
	log_info("disconnect: domid=%u devid=%u vm_id=%u; dropping %u queued requests (the backend completed them)",
		 cfg->domid, cfg->devid, vm->ex.cfg.vm_id, queued);
	worker_print_vm_metrics(&vm->ex.cfg, &vm->metrics, "disconnected", 0, 0,
				worker_connect_refused(w, cfg->domid, cfg->devid));
	vmtable_remove(&w->vms, vm);
	retire(w, vm);
	worker_vm_free(w, vm);
}

static void on_config(struct worker *w, const struct vgpu_back_vm *cfg)
{
	struct vm *vm = vmtable_find(&w->vms, cfg->domid, cfg->devid);

	if (!vm) {
		log_warn("config domid=%u devid=%u: not connected; ignored",
			 cfg->domid, cfg->devid);
		return;
	}
	if (!cfg_valid(cfg))
		log_warn("config domid=%u devid=%u: pool %u or priority %u out of range (a priority past low runs as low)",
			 cfg->domid, cfg->devid, cfg->pool, cfg->priority);
	apply_config(w, vm, cfg);
	log_vm("config", &vm->ex.cfg);
}

static void refuse(struct worker *w, const struct vgpu_back_event *ev,
		   struct vm *vm, int32_t status)
{
	struct exec_result res = { .status = status };

	if (vm) {
		metrics_reject(&vm->metrics, status);
		metrics_reject(&w->lvl_metrics[vm->sched.prio], status);
	}
	worker_complete(w, vm ? &vm->ex.cfg : &ev->vm, ev->handle, ev->req.operation,
		 &res);
}

/* The VM's limits (limits.h): 0 if admitted, else refused and answered. */
static int admit(struct worker *w, const struct vgpu_back_event *ev,
		 struct vm *vm)
{
	uint32_t inflight = worker_vm_inflight(vm);
	uint32_t max = worker_vm_max_inflight(w, vm);
	int32_t st = limits_admit(&vm->tb, inflight, max, worker_now(w));

	if (st == VGPUIF_RSP_OKAY)
		return 0;
	if (st == VGPUIF_RSP_BUSY) {
		w->stats.refused_busy++;
		vlog_ratelimited(VLOG_WARN, "domid=%u devid=%u: %u requests in flight, max-inflight %u: refused busy",
				 ev->vm.domid, ev->vm.devid, inflight, max);
	} else {
		w->stats.refused_rate++;
		vlog_ratelimited(VLOG_WARN, "domid=%u devid=%u: over rate-limit %u/s: refused rate_limited",
				 ev->vm.domid, ev->vm.devid, vm->tb.rate);
	}
	refuse(w, ev, vm, st);
	return -1;
}

static void on_request(struct worker *w, const struct vgpu_back_event *ev)
{
	struct vm *vm = vmtable_find(&w->vms, ev->vm.domid, ev->vm.devid);
	struct worker_req *rq;
	int err;

	w->stats.requests++;
	if (!vm) {
		w->stats.unknown_vm++;
		vlog_ratelimited(VLOG_WARN, "request of domid=%u devid=%u, which is not connected: failed",
				 ev->vm.domid, ev->vm.devid);
		refuse(w, ev, NULL, VGPUIF_RSP_ERROR);
		return;
	}
	rq = malloc(sizeof(*rq));
	if (!rq) {
		vlog_ratelimited(VLOG_ERROR, "out of memory for a request of domid=%u",
				 ev->vm.domid);
		refuse(w, ev, vm, VGPUIF_RSP_NO_MEMORY);
		return;
	}
	rq->handle = ev->handle;
	rq->req = ev->req;
	rq->vm = vm;
	rq->level = vm->sched.prio;
	if (admit(w, ev, vm)) {
		free(rq);
		return;
	}
	err = sched_enqueue(&w->sched, &vm->sched, &rq->sr);
	if (err) {
		/* worker_read() reads no more than there is room for. */
		free(rq);
		vlog_ratelimited(VLOG_ERROR, "domid=%u devid=%u: cannot queue a request (%s): failed",
				 ev->vm.domid, ev->vm.devid, strerror(-err));
		refuse(w, ev, vm, VGPUIF_RSP_ERROR);
		return;
	}
	log_debug("request domid=%u devid=%u id=%llu op=%s len=%u queued",
		  ev->vm.domid, ev->vm.devid, (unsigned long long)ev->req.id,
		  vgpuif_op_name(ev->req.operation), ev->req.data_len);
}

int worker_handle_event(struct worker *w, const struct vgpu_back_event *ev)
{
	w->stats.events++;
	switch (ev->type) {
	case VGPU_BACK_EV_REQUEST:
		on_request(w, ev);
		break;
	case VGPU_BACK_EV_CONNECT:
		on_connect(w, &ev->vm);
		break;
	case VGPU_BACK_EV_DISCONNECT:
		on_disconnect(w, &ev->vm);
		break;
	case VGPU_BACK_EV_CONFIG:
		on_config(w, &ev->vm);
		break;
	default:
		vlog_ratelimited(VLOG_WARN, "unknown event type %u ignored",
				 ev->type);
		break;
	}
	return 0;
}

int worker_read(struct worker *w)
{
	int total = 0;

	/*
	 * Everything waiting, not just one batch: the next pick must see a
	 * high-priority request even when many others arrived before it.
	 */
	for (;;) {
		unsigned int room = sched_space(&w->sched);
		unsigned int max = room < w->cfg.batch ? room : w->cfg.batch;
		int n;

		if (!max)
			break;	/* back-pressure: leave events in the backend */
		if (!w->tp->rings)	/* counted as system calls */
			w->stats.event_reads++;
		n = w->tp->ops->read_events(w->tp, w->ev, max);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			int err = worker_handle_event(w, &w->ev[i]);

			if (err)
				return err;
		}
		total += n;
		if ((unsigned int)n < max)
			break;
	}
	return total;
}

