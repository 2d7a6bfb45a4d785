// SPDX-License-Identifier: MIT
/* The worker's event loop (see worker.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlsock.h"
#include "log.h"
#include "worker.h"

struct copy_ctx {
	struct transport *tp;
	uint64_t handle;
};

struct wreq {
	struct sched_req sr;	/* first: the scheduler hands back &sr */
	uint64_t handle;
	struct vgpu_back_req req;
	struct vm *vm;
	/* Asynchronous executors: live as long as the request runs. */
	struct copy_ctx cc;
	struct exec_data data;
	uint8_t level;		/* the level it started at */
	struct wreq *run_next;	/* its VM's running list */
};

static uint64_t mono_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int worker_init(struct worker *w, const struct worker_config *cfg,
		struct transport *tp, struct executor *ex)
{
	/*
	 * No per-VM queue bound: the backend stops reading a VM's ring at its
	 * max-queued (back-pressure), so the worker never refuses for length.
	 */
	struct sched_params sp = {
		.mode = cfg->sched_mode,
		.max_queued = cfg->queue_max,
		.vm_max_queued = UINT32_MAX,
		.aging_ns = (uint64_t)cfg->sched_aging_ms * 1000000ull,
		.clock = mono_ns,
	};
	int err;

	memset(w, 0, sizeof(*w));
	memcpy(sp.weights, cfg->sched_weights, sizeof(sp.weights));
	w->cfg = *cfg;
	w->tp = tp;
	w->ex = ex;
	w->clock = mono_ns;
	w->start_ns = mono_ns(NULL);
	vmtable_init(&w->vms);
	err = sched_init(&w->sched, &sp);
	if (err)
		return err;
	w->ev = calloc(cfg->batch, sizeof(*w->ev));
	w->comp = calloc(cfg->batch, sizeof(*w->comp));
	w->retired = calloc(WORKER_RETIRED_MAX, sizeof(*w->retired));
	if (!w->ev || !w->comp || !w->retired) {
		err = -ENOMEM;
		goto fail;
	}
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		if (metrics_init(&w->lvl_metrics[l], cfg->metrics_window)) {
			err = -ENOMEM;
			goto fail;
		}
	err = orderlog_open(&w->olog, cfg->order_log);
	if (err) {
		log_error("order log %s: %s", cfg->order_log, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		metrics_fini(&w->lvl_metrics[l]);
	free(w->ev);
	free(w->comp);
	free(w->retired);
	sched_fini(&w->sched);
	return err;
}

void worker_set_clock(struct worker *w, sched_clock_fn clock, void *ctx)
{
	w->clock = clock;
	w->clock_ctx = ctx;
	w->sched.p.clock = clock;
	w->sched.p.clock_ctx = ctx;
}

uint64_t worker_now(const struct worker *w)
{
	return w->clock(w->clock_ctx);
}

uint32_t worker_vm_inflight(const struct vm *vm)
{
	return vm->sched.queued + vm->sched.running;
}

uint32_t worker_vm_max_inflight(const struct worker *w, const struct vm *vm)
{
	return vm->ex.cfg.max_inflight ? vm->ex.cfg.max_inflight :
	       w->cfg.vm_max_inflight;
}

static void free_req(struct sched_req *r, void *arg)
{
	struct worker *w = arg;

	w->stats.dropped++;
	free(r);
}

static void vm_free(struct worker *w, struct vm *vm)
{
	struct wreq *rq = vm->running;

	sched_vm_remove(&w->sched, &vm->sched, free_req, w);
	if (w->turn == vm)
		w->turn = NULL;
	/* Ends requests in flight without reporting them (the backend did). */
	w->ex->ops->vm_detach(w->ex, &vm->ex);
	while (rq) {
		struct wreq *next = rq->run_next;

		w->running--;
		w->running_lvl[rq->level]--;
		w->stats.dropped++;
		free(rq);
		rq = next;
	}
	metrics_fini(&vm->metrics);
	free(vm);
}

/*
 * Requests of a VM the executor may hold at once: one for a synchronous
 * executor; for an asynchronous one the VM's max-inflight, else
 * vm-inflight.
 */
static uint32_t vm_max_running(const struct worker *w,
			       const struct vgpu_back_vm *cfg)
{
	if (!w->ex->ops->submit)
		return 1;
	return cfg->max_inflight ? cfg->max_inflight : w->cfg.vm_inflight;
}

void worker_fini(struct worker *w)
{
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));

	if (list) {
		uint32_t n = vmtable_list(&w->vms, list);

		for (uint32_t i = 0; i < n; i++) {
			vmtable_remove(&w->vms, list[i]);
			vm_free(w, list[i]);
		}
		free(list);
	}
	for (unsigned int i = 0; i < w->nretired; i++)
		metrics_fini(&w->retired[i].metrics);
	for (unsigned int l = 0; l < SCHED_NR_LEVELS; l++)
		metrics_fini(&w->lvl_metrics[l]);
	orderlog_close(&w->olog);
	sched_fini(&w->sched);
	free(w->ev);
	free(w->comp);
	free(w->retired);
}

/* ---- completions ---- */

static void complete(struct worker *w, const struct vgpu_back_vm *cfg,
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
		int r = w->tp->ops->write_completions(w->tp, w->comp + done, n);

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
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		goto nomem;
	vm->ex.cfg = *cfg;
	if (metrics_init(&vm->metrics, w->cfg.metrics_window)) {
		free(vm);
		goto nomem;
	}
	err = w->ex->ops->vm_attach(w->ex, &vm->ex);
	if (err) {
		metrics_fini(&vm->metrics);
		free(vm);
		log_error("connect domid=%u devid=%u: executor refused the VM: %s; its requests will fail",
			  cfg->domid, cfg->devid, strerror(-err));
		return;
	}
	if (sched_vm_add(&w->sched, &vm->sched, cfg->priority, 0)) {
		w->ex->ops->vm_detach(w->ex, &vm->ex);
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

static unsigned long long status_count(const struct vm_metrics *m, int32_t status)
{
	return (unsigned long long)m->by_status[metrics_status_index(status)];
}

/* Fields may be added at the end of the line; scripts parse these names. */
static void print_vm_metrics(const struct vgpu_back_vm *c,
			     const struct vm_metrics *m, const char *state,
			     uint32_t queued, uint32_t inflight)
{
	struct metrics_summary s;
	char pb[2];

	metrics_summarize(m, &s);
	vlog_tagged("metrics",
		    "vm domid=%u devid=%u vm_id=%u pool=%s prio=%s state=%s done=%llu errors=%llu rejected=%llu queued=%u samples=%llu p50_us=%llu p95_us=%llu p99_us=%llu max_us=%llu wait_mean_us=%llu service_mean_us=%llu inflight=%u busy=%llu rate_limited=%llu quota=%llu busy_us=%llu wait_p99_us=%llu service_p99_us=%llu",
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
		    (unsigned long long)(s.service_p_ns[2] / 1000));
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
	print_vm_metrics(&vm->ex.cfg, &vm->metrics, "disconnected", 0, 0);
	vmtable_remove(&w->vms, vm);
	retire(w, vm);
	vm_free(w, vm);
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
	complete(w, vm ? &vm->ex.cfg : &ev->vm, ev->handle, ev->req.operation,
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
	struct wreq *rq;
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
		  exec_op_name(ev->req.operation), ev->req.data_len);
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

/* ---- execution ---- */

static int copy_cb(void *ctx, uint32_t direction, uint64_t offset, void *buf,
		   uint64_t len)
{
	struct copy_ctx *c = ctx;

	return c->tp->ops->copy(c->tp, c->handle, offset, buf, len, direction);
}

/* A request ran: metrics, the scheduler, its completion. */
static void finish(struct worker *w, struct wreq *rq,
		   const struct exec_result *res)
{
	struct vm *vm = rq->vm;
	struct sched_req *sr = &rq->sr;
	uint64_t end = worker_now(w);

	/* A limit refusal is the operator's business, like BUSY and the rate. */
	if (res->status == VGPUIF_RSP_QUOTA)
		vlog_ratelimited(VLOG_WARN, "domid=%u devid=%u: mem_alloc of %llu bytes over mem-quota %llu: refused quota",
				 vm->ex.cfg.domid, vm->ex.cfg.devid,
				 (unsigned long long)rq->req.u.mem.size,
				 (unsigned long long)vm->ex.cfg.mem_quota);
	else if (res->status != VGPUIF_RSP_OKAY)
		log_debug("domid=%u devid=%u id=%llu op=%s: status %d",
			  vm->ex.cfg.domid, vm->ex.cfg.devid,
			  (unsigned long long)rq->req.id,
			  exec_op_name(rq->req.operation), res->status);
	metrics_record(&vm->metrics, res->status, sr->t_start - sr->t_enqueue,
		       end - sr->t_start);
	metrics_record(&w->lvl_metrics[rq->level], res->status,
		       sr->t_start - sr->t_enqueue, end - sr->t_start);
	sched_done(&w->sched, &vm->sched);
	complete(w, &vm->ex.cfg, rq->handle, rq->req.operation, res);
	free(rq);
}

static int is_async(const struct worker *w)
{
	return w->ex->ops->submit != NULL;
}

/* The level sched_pick() would take from, SCHED_NR_LEVELS if none. */
static unsigned int next_level(const struct worker *w)
{
	return sched_next_level(&w->sched);
}

/*
 * The priority gate is strict priority carried onto the GPU; the other
 * modes exist to let lower levels through, so it holds only in strict.
 */
static int gated_mode(const struct worker *w)
{
	return w->sched.p.mode == SCHED_STRICT;
}

/*
 * 0 when a request of level @l may start now; otherwise nanoseconds until
 * it may (UINT64_MAX: not before a running request finishes). See worker.h.
 */
static uint64_t gate(const struct worker *w, unsigned int l, uint64_t now)
{
	uint64_t wait = 0;

	if (w->cfg.max_running && w->running >= w->cfg.max_running)
		return UINT64_MAX;
	if (w->running < w->cfg.prio_share || !gated_mode(w))
		return 0;
	for (unsigned int h = 0; h < l; h++) {
		if (w->running_lvl[h])
			return UINT64_MAX;
		if (now < w->lvl_busy_until[h] &&
		    (!wait || w->lvl_busy_until[h] - now < wait))
			wait = w->lvl_busy_until[h] - now;
	}
	return wait;
}

static void on_exec_done(void *arg, void *tag, const struct exec_result *res)
{
	struct worker *w = arg;
	struct wreq *rq = tag;
	struct vm *vm = rq->vm;

	/* A VM's requests finish in order: this is the oldest. */
	if (vm->running == rq) {
		vm->running = rq->run_next;
		if (!vm->running)
			vm->running_tail = NULL;
	} else {
		log_error("domid=%u devid=%u: executor finished requests out of order",
			  vm->ex.cfg.domid, vm->ex.cfg.devid);
		for (struct wreq *p = vm->running; p; p = p->run_next)
			if (p->run_next == rq) {
				p->run_next = rq->run_next;
				if (vm->running_tail == rq)
					vm->running_tail = p;
				break;
			}
	}
	w->running--;
	w->running_lvl[rq->level]--;
	w->lvl_busy_until[rq->level] = worker_now(w) +
				       w->cfg.prio_hold_us * 1000ull;
	if (w->turn == vm && !vm->running)
		w->turn = NULL;		/* its turn is over */
	finish(w, rq, res);
}

int worker_reap(struct worker *w)
{
	if (!is_async(w))
		return 0;
	return w->ex->ops->reap(w->ex, on_exec_done, w);
}

/*
 * Starts every request the limits and the gate allow. How many started;
 * *wait_ns: when the gate opens by itself (UINT64_MAX: not by time).
 */
/* 1 if a level above @l is busy: running, ready, or within prio-hold-us. */
static int higher_busy(const struct worker *w, unsigned int l, uint64_t now,
		       uint64_t *until)
{
	int busy = 0;

	if (!gated_mode(w))
		return 0;
	for (unsigned int h = 0; h < l; h++) {
		if (w->running_lvl[h] || w->sched.level[h].n)
			return 1;
		if (now < w->lvl_busy_until[h]) {
			busy = 1;
			if (until && (!*until || w->lvl_busy_until[h] < *until))
				*until = w->lvl_busy_until[h];
		}
	}
	return busy;
}

static void start_one(struct worker *w, struct wreq *rq)
{
	struct exec_result res;

	rq->cc.tp = w->tp;
	rq->cc.handle = rq->handle;
	rq->data.copy = copy_cb;
	rq->data.ctx = &rq->cc;
	rq->level = rq->vm->sched.prio < SCHED_NR_LEVELS ?
		    rq->vm->sched.prio : SCHED_NR_LEVELS - 1;
	res = (struct exec_result){ .status = exec_validate(&rq->req) };
	if (res.status == VGPUIF_RSP_OKAY &&
	    w->ex->ops->submit(w->ex, &rq->vm->ex, &rq->req, &rq->data,
			       rq, &res) == 0) {
		rq->run_next = NULL;
		if (rq->vm->running_tail)
			((struct wreq *)rq->vm->running_tail)->run_next = rq;
		else
			rq->vm->running = rq;
		rq->vm->running_tail = rq;
		w->running++;
		w->running_lvl[rq->level]++;
		return;
	}
	finish(w, rq, &res);
}

/*
 * turn-quota: starts what the VM whose turn it is may start, or gives the
 * turn to the scheduler's pick. How many started.
 */
static int dispatch_turns(struct worker *w, uint64_t now, uint64_t *wait_ns)
{
	int n = 0;

	for (;;) {
		unsigned int l = next_level(w);
		struct sched_vm *svm;
		struct wreq *rq;
		uint64_t until = 0;
		uint32_t quota;

		if (l == SCHED_NR_LEVELS)
			break;
		if (w->turn && !w->turn->running)
			w->turn = NULL;	/* nothing of it runs: the turn is over */
		if (w->turn) {
			struct vm *t = w->turn;
			unsigned int tl = t->sched.prio < SCHED_NR_LEVELS ?
					  t->sched.prio : SCHED_NR_LEVELS - 1;

			/* A higher level waits: the turn only drains now. */
			if (l < tl)
				break;
			quota = higher_busy(w, tl, now, NULL) ? w->cfg.prio_share :
				w->cfg.turn_quota;
			if (w->turn_started >= quota)
				break;
			rq = (struct wreq *)sched_pick_vm(&w->sched, &t->sched);
			if (!rq)
				break;	/* nothing more of it ready: it drains */
			w->turn_started++;
			n++;
			start_one(w, rq);
			continue;
		}
		if (w->cfg.max_running && w->running >= w->cfg.max_running)
			break;
		quota = higher_busy(w, l, now, &until) ? w->cfg.prio_share :
			w->cfg.turn_quota;
		if (!quota) {
			w->stats.gated++;
			if (until)
				*wait_ns = until - now;
			break;
		}
		rq = (struct wreq *)sched_pick(&w->sched, &svm);
		if (!rq)
			break;
		w->turn = rq->vm;
		w->turn_started = 1;
		n++;
		start_one(w, rq);
	}
	return n;
}

/*
 * Starts every request the limits and the gate allow. How many started;
 * *wait_ns: when the gate opens by itself (UINT64_MAX: not by time).
 */
static int dispatch(struct worker *w, uint64_t *wait_ns)
{
	uint64_t now = worker_now(w);
	int n = 0;

	*wait_ns = UINT64_MAX;
	if (w->cfg.turn_quota)
		return dispatch_turns(w, now, wait_ns);
	for (;;) {
		unsigned int l = next_level(w);
		struct sched_vm *svm;
		struct wreq *rq;
		uint64_t g;

		if (l == SCHED_NR_LEVELS)
			break;
		g = gate(w, l, now);
		if (g) {
			*wait_ns = g;
			w->stats.gated++;
			break;
		}
		rq = (struct wreq *)sched_pick(&w->sched, &svm);
		if (!rq)
			break;
		n++;
		start_one(w, rq);
	}
	return n;
}

int worker_run_one(struct worker *w)
{
	struct sched_vm *svm;
	struct sched_req *sr;
	struct copy_ctx cc;
	struct exec_data data;
	struct exec_result res;
	struct wreq *rq;
	uint64_t wait;

	if (is_async(w))
		return dispatch(w, &wait) > 0;
	sr = sched_pick(&w->sched, &svm);
	if (!sr)
		return 0;
	rq = (struct wreq *)sr;
	rq->level = svm->prio;
	cc.tp = w->tp;
	cc.handle = rq->handle;
	data.copy = copy_cb;
	data.ctx = &cc;
	exec_execute(w->ex, &rq->vm->ex, &rq->req, &data, &res);
	finish(w, rq, &res);
	return 1;
}

/* ---- loop ---- */

static int control_cb(void *arg, const char *cmd, FILE *out)
{
	return worker_control(arg, cmd, out);
}

/* The control socket is a convenience: its failure never stops the loop. */
static void serve_control(struct worker *w)
{
	int r = ctlsock_serve(w->ctl, control_cb, w);

	if (r < 0)
		vlog_ratelimited(VLOG_WARN, "control socket: %s", strerror(-r));
}

static void handle_ctl(struct worker *w, struct worker_ctl *ctl)
{
	if (ctl->reopen) {
		ctl->reopen = 0;
		if (w->olog.path[0] && !orderlog_reopen(&w->olog))
			log_info("order log %s reopened", w->olog.path);
	}
	if (ctl->dump) {
		ctl->dump = 0;
		worker_print_metrics(w, "sigusr1");
	}
}

int worker_run(struct worker *w, struct worker_ctl *ctl)
{
	uint64_t interval = (uint64_t)w->cfg.stats_interval * 1000000000ull;
	uint64_t next_stats = interval ? worker_now(w) + interval : 0;
	uint64_t gate_wait = UINT64_MAX;
	int async = is_async(w);
	int draining = 0;
	int err = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = w->tp->ops->pollfd(w->tp), .events = POLLIN },
			{ .fd = async ? w->ex->ops->pollfd(w->ex) : -1,
			  .events = POLLIN },
			{ .fd = w->ctl ? w->ctl->fd : -1, .events = POLLIN },
		};
		struct timespec ts, *tsp = NULL;
		uint64_t now, t_op, left = UINT64_MAX;
		int ready, r;

		handle_ctl(w, ctl);
		if (w->error) {
			err = w->error;
			break;
		}
		if (ctl->stop >= 2) {
			log_warn("second stop signal: exiting with %u requests queued and %u running; the backend fails them",
				 sched_queued(&w->sched), w->running);
			break;
		}
		if (ctl->stop && !draining) {
			draining = 1;
			log_info("stopping: no new events; finishing %u queued requests",
				 sched_queued(&w->sched));
		}
		/*
		 * Ready: a request can start now. With an asynchronous
		 * executor, dispatch() has started all that could, so only the
		 * gate opening with time makes one ready.
		 */
		ready = async ? 0 : sched_has_ready(&w->sched);
		if (draining && !ready && !w->running &&
		    (!async || !sched_has_ready(&w->sched)))
			break;
		if (!ready && w->ncomp) {
			err = worker_flush(w);
			if (err)
				break;
		}

		/* Wait for events, or only look when work is ready. */
		if (draining || !sched_space(&w->sched))
			pfd[0].fd = -1;
		now = worker_now(w);
		if (interval)
			left = next_stats > now ? next_stats - now : 0;
		if (async && gate_wait < left)
			left = gate_wait;
		if (ready)
			left = 0;
		if (left != UINT64_MAX) {
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		r = ppoll(pfd, 3, tsp, ctl->wait_mask);
		if (r < 0 && errno != EINTR) {
			err = -errno;
			log_error("ppoll: %s", strerror(errno));
			break;
		}
		if (r > 0 && (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))) {
			log_error("backend device reported %s",
				  pfd[0].revents & POLLNVAL ? "POLLNVAL" :
				  pfd[0].revents & POLLHUP ? "POLLHUP" : "POLLERR");
			err = -EIO;
			break;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			r = worker_read(w);
			if (r < 0) {
				err = r;
				log_error("reading events failed: %s", strerror(-r));
				break;
			}
		}
		if (async && r > 0 && (pfd[1].revents & POLLIN))
			worker_reap(w);
		if (r > 0 && (pfd[2].revents & POLLIN))
			serve_control(w);
		if (interval && worker_now(w) >= next_stats) {
			worker_print_metrics(w, "interval");
			next_stats = worker_now(w) + interval;
		}

		if (async) {
			dispatch(w, &gate_wait);
			if (w->ncomp) {
				err = worker_flush(w);
				if (err)
					break;
			}
			continue;
		}
		/*
		 * Batching completions saves a write per op only when ops are
		 * short; after a long one, its guest would otherwise wait for
		 * the next op too before it hears.
		 */
		t_op = worker_now(w);
		worker_run_one(w);
		now = worker_now(w);
		if (w->ncomp && (!sched_has_ready(&w->sched) ||
				 now - t_op >= WORKER_FLUSH_NS ||
				 now - w->first_pending_ns >= WORKER_FLUSH_NS)) {
			err = worker_flush(w);
			if (err)
				break;
		}
	}
	if (w->ncomp) {
		int e = worker_flush(w);

		if (!err)
			err = e;
	}
	return err;
}

/* ---- metrics ---- */

void worker_print_metrics(struct worker *w, const char *reason)
{
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));
	uint64_t up = (worker_now(w) - w->start_ns) / 1000000000ull;
	uint32_t n;

	if (!list) {
		log_error("metrics: out of memory");
		return;
	}
	n = vmtable_list(&w->vms, list);
	vlog_tagged("metrics",
		    "begin reason=%s uptime_s=%llu vms=%u retired=%u queued=%u events=%llu requests=%llu completions=%llu dropped=%llu refused_completions=%llu unknown_vm=%llu",
		    reason, (unsigned long long)up, n, w->nretired,
		    sched_queued(&w->sched),
		    (unsigned long long)w->stats.events,
		    (unsigned long long)w->stats.requests,
		    (unsigned long long)w->stats.completions,
		    (unsigned long long)w->stats.dropped,
		    (unsigned long long)w->stats.refused_completions,
		    (unsigned long long)w->stats.unknown_vm);
	for (uint32_t i = 0; i < n; i++)
		print_vm_metrics(&list[i]->ex.cfg, &list[i]->metrics,
				 "connected", list[i]->sched.queued,
				 worker_vm_inflight(list[i]));
	/* Oldest retired first. */
	for (unsigned int i = 0; i < w->nretired; i++) {
		unsigned int j = (w->retired_pos + WORKER_RETIRED_MAX -
				  w->nretired + i) % WORKER_RETIRED_MAX;

		print_vm_metrics(&w->retired[j].cfg, &w->retired[j].metrics,
				 "disconnected", 0, 0);
	}
	vlog_tagged("metrics", "end");
	free(list);
}
