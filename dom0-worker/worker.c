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

#include "log.h"
#include "worker.h"

struct wreq {
	struct sched_req sr;	/* first: the scheduler hands back &sr */
	uint64_t handle;
	struct vgpu_back_req req;
	struct vm *vm;
};

struct copy_ctx {
	struct transport *tp;
	uint64_t handle;
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
	struct sched_params sp = {
		.mode = SCHED_STRICT,
		.max_queued = cfg->queue_max,
		.vm_max_queued = cfg->max_queued,
		.clock = mono_ns,
	};
	int err;

	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->tp = tp;
	w->ex = ex;
	w->start_ns = mono_ns(NULL);
	vmtable_init(&w->vms);
	sched_init(&w->sched, &sp);
	w->ev = calloc(cfg->batch, sizeof(*w->ev));
	w->comp = calloc(cfg->batch, sizeof(*w->comp));
	w->retired = calloc(WORKER_RETIRED_MAX, sizeof(*w->retired));
	if (!w->ev || !w->comp || !w->retired) {
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
	free(w->ev);
	free(w->comp);
	free(w->retired);
	sched_fini(&w->sched);
	return err;
}

static void free_req(struct sched_req *r, void *arg)
{
	struct worker *w = arg;

	w->stats.dropped++;
	free(r);
}

static void vm_free(struct worker *w, struct vm *vm)
{
	sched_vm_remove(&w->sched, &vm->sched, free_req, w);
	w->ex->ops->vm_detach(w->ex, &vm->ex);
	metrics_fini(&vm->metrics);
	free(vm);
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
		w->first_pending_ns = mono_ns(NULL);
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

	log_info("%s: domid=%u devid=%u vm_id=%u pool=%s prio=%s max_queued=%u mem_quota=%llu",
		 what, c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
		 prio_name(c->priority), c->max_queued,
		 (unsigned long long)c->mem_quota);
	if (c->max_inflight > 1 || c->rate_limit)
		log_info("domid=%u devid=%u: max_inflight=%u rate_limit=%u are not enforced by this worker version (it runs one request of a VM at a time)",
			 c->domid, c->devid, c->max_inflight, c->rate_limit);
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
	sched_vm_set_max_queued(&vm->sched, cfg->max_queued);
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
	if (sched_vm_add(&w->sched, &vm->sched, cfg->priority, cfg->max_queued)) {
		w->ex->ops->vm_detach(w->ex, &vm->ex);
		metrics_fini(&vm->metrics);
		free(vm);
		goto nomem;
	}
	vmtable_insert(&w->vms, vm);
	log_vm("connect", cfg);
	return;
nomem:
	log_error("connect domid=%u devid=%u: out of memory; its requests will fail",
		  cfg->domid, cfg->devid);
}

static void print_vm_metrics(const struct vgpu_back_vm *c,
			     const struct vm_metrics *m, const char *state,
			     uint32_t queued)
{
	struct metrics_summary s;
	char pb[2];

	metrics_summarize(m, &s);
	vlog_tagged("metrics",
		    "vm domid=%u devid=%u vm_id=%u pool=%s prio=%s state=%s done=%llu errors=%llu rejected=%llu queued=%u samples=%llu p50_us=%llu p95_us=%llu p99_us=%llu max_us=%llu wait_mean_us=%llu service_mean_us=%llu",
		    c->domid, c->devid, c->vm_id, pool_name(c->pool, pb),
		    prio_name(c->priority), state,
		    (unsigned long long)s.done, (unsigned long long)s.errors,
		    (unsigned long long)s.rejected, queued,
		    (unsigned long long)s.samples,
		    (unsigned long long)s.p50_us, (unsigned long long)s.p95_us,
		    (unsigned long long)s.p99_us, (unsigned long long)s.max_us,
		    (unsigned long long)s.wait_mean_us,
		    (unsigned long long)s.service_mean_us);
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
	print_vm_metrics(&vm->ex.cfg, &vm->metrics, "disconnected", 0);
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

	if (vm)
		metrics_reject(&vm->metrics, status);
	complete(w, vm ? &vm->ex.cfg : &ev->vm, ev->handle, ev->req.operation,
		 &res);
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
	err = sched_enqueue(&w->sched, &vm->sched, &rq->sr);
	if (err) {
		free(rq);
		vlog_ratelimited(VLOG_WARN, "domid=%u devid=%u: %s queue full (%u queued): request refused busy",
				 ev->vm.domid, ev->vm.devid,
				 err == -EBUSY ? "its" : "the worker's",
				 vm->sched.queued);
		refuse(w, ev, vm, VGPUIF_RSP_BUSY);
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

int worker_run_one(struct worker *w)
{
	struct sched_vm *svm;
	struct sched_req *sr = sched_pick(&w->sched, &svm);
	struct copy_ctx cc;
	struct exec_data data;
	struct exec_result res;
	struct wreq *rq;
	struct vm *vm;
	uint64_t end;

	if (!sr)
		return 0;
	rq = (struct wreq *)sr;
	vm = rq->vm;
	cc.tp = w->tp;
	cc.handle = rq->handle;
	data.copy = copy_cb;
	data.ctx = &cc;
	exec_execute(w->ex, &vm->ex, &rq->req, &data, &res);
	end = mono_ns(NULL);
	if (res.status != VGPUIF_RSP_OKAY)
		log_debug("domid=%u devid=%u id=%llu op=%s: status %d",
			  vm->ex.cfg.domid, vm->ex.cfg.devid,
			  (unsigned long long)rq->req.id,
			  exec_op_name(rq->req.operation), res.status);
	metrics_record(&vm->metrics, res.status, sr->t_start - sr->t_enqueue,
		       end - sr->t_start);
	sched_done(&w->sched, &vm->sched);
	complete(w, &vm->ex.cfg, rq->handle, rq->req.operation, &res);
	free(rq);
	return 1;
}

/* ---- loop ---- */

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
	uint64_t next_stats = interval ? mono_ns(NULL) + interval : 0;
	int draining = 0;
	int err = 0;

	for (;;) {
		struct pollfd pfd = { .fd = w->tp->ops->pollfd(w->tp), .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		int ready, r;
		nfds_t nfds;
		uint64_t now;

		handle_ctl(w, ctl);
		if (w->error) {
			err = w->error;
			break;
		}
		if (ctl->stop >= 2) {
			log_warn("second stop signal: exiting with %u requests queued; the backend fails them",
				 sched_queued(&w->sched));
			break;
		}
		if (ctl->stop && !draining) {
			draining = 1;
			log_info("stopping: no new events; finishing %u queued requests",
				 sched_queued(&w->sched));
		}
		ready = sched_has_ready(&w->sched);
		if (draining && !ready)
			break;
		if (!ready && w->ncomp) {
			err = worker_flush(w);
			if (err)
				break;
		}

		/* Wait for events, or only look when work is ready. */
		nfds = !draining && sched_space(&w->sched) ? 1 : 0;
		now = mono_ns(NULL);
		if (ready) {
			ts = (struct timespec){ 0 };
			tsp = &ts;
		} else if (interval) {
			uint64_t left = next_stats > now ? next_stats - now : 0;

			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		r = ppoll(&pfd, nfds, tsp, ctl->wait_mask);
		if (r < 0 && errno != EINTR) {
			err = -errno;
			log_error("ppoll: %s", strerror(errno));
			break;
		}
		if (r > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			log_error("backend device reported %s",
				  pfd.revents & POLLNVAL ? "POLLNVAL" :
				  pfd.revents & POLLHUP ? "POLLHUP" : "POLLERR");
			err = -EIO;
			break;
		}
		if (r > 0 && (pfd.revents & POLLIN)) {
			r = worker_read(w);
			if (r < 0) {
				err = r;
				log_error("reading events failed: %s", strerror(-r));
				break;
			}
		}
		if (interval && mono_ns(NULL) >= next_stats) {
			worker_print_metrics(w, "interval");
			next_stats = mono_ns(NULL) + interval;
		}

		worker_run_one(w);
		if (w->ncomp && (!sched_has_ready(&w->sched) ||
				 mono_ns(NULL) - w->first_pending_ns >= WORKER_FLUSH_NS)) {
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
	uint64_t up = (mono_ns(NULL) - w->start_ns) / 1000000000ull;
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
				 "connected", list[i]->sched.queued);
	/* Oldest retired first. */
	for (unsigned int i = 0; i < w->nretired; i++) {
		unsigned int j = (w->retired_pos + WORKER_RETIRED_MAX -
				  w->nretired + i) % WORKER_RETIRED_MAX;

		print_vm_metrics(&w->retired[j].cfg, &w->retired[j].metrics,
				 "disconnected", 0);
	}
	vlog_tagged("metrics", "end");
	free(list);
}
