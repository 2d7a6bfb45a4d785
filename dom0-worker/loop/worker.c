// SPDX-License-Identifier: MIT
/*
 * The worker's event loop (see worker.h): set-up, the loop, and running
 * requests on the executor. Events and completions are worker_events.c's,
 * metrics lines and the control socket's answers worker_report.c's, but
 * for "forget" (it changes state), which is dispatched here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vgpu/vgpuif_ops.h>

#include "ctlsock.h"
#include "lib/parse.h"
#include "log.h"
#include "worker.h"
#include "worker_priv.h"

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
		.max_queued_all = cfg->max_queued_all,
		.vm_max_queued = UINT32_MAX,
		.aging_ns = (uint64_t)cfg->sched_aging_ms * 1000000ull,
		.clock = mono_ns,
	};
	struct dispatch_params dp = {
		.max_running = cfg->max_running,
		.prio_share = cfg->prio_share,
		.prio_hold_ns = cfg->prio_hold_us * 1000ull,
		.turn_quota = cfg->turn_quota,
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
	dispatch_init(&w->disp, &w->sched, &dp);
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

void worker_fini(struct worker *w)
{
	struct vm **list = calloc(w->vms.count ? w->vms.count : 1, sizeof(*list));

	if (list) {
		uint32_t n = vmtable_list(&w->vms, list);

		for (uint32_t i = 0; i < n; i++) {
			vmtable_remove(&w->vms, list[i]);
			worker_vm_free(w, list[i]);
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

/* ---- execution ---- */

static int copy_cb(void *ctx, uint32_t direction, uint64_t offset, void *buf,
		   uint64_t len)
{
	struct copy_ctx *c = ctx;

	atomic_fetch_add_explicit(&c->tp->copies, 1, memory_order_relaxed);
	return c->tp->ops->copy(c->tp, c->handle, offset, buf, len, direction);
}

/* A request ran: metrics, the scheduler, its completion. */
static void finish(struct worker *w, struct worker_req *rq,
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
			  vgpuif_op_name(rq->req.operation), res->status);
	metrics_record(&vm->metrics, res->status, sr->t_start - sr->t_enqueue,
		       end - sr->t_start);
	metrics_record(&w->lvl_metrics[rq->level], res->status,
		       sr->t_start - sr->t_enqueue, end - sr->t_start);
	sched_done(&w->sched, &vm->sched);
	worker_complete(w, &vm->ex.cfg, rq->handle, rq->req.operation, res);
	free(rq);
}

static void on_exec_done(void *arg, void *tag, const struct exec_result *res)
{
	struct worker *w = arg;
	struct worker_req *rq = tag;
	struct vm *vm = rq->vm;
	unsigned int level = rq->level;
	uint64_t now = worker_now(w);

	/* A VM's requests finish in order: this is the oldest. */
	if (vm->running == rq) {
		vm->running = rq->run_next;
		if (!vm->running)
			vm->running_tail = NULL;
	} else {
		log_error("domid=%u devid=%u: executor finished requests out of order",
			  vm->ex.cfg.domid, vm->ex.cfg.devid);
		for (struct worker_req *p = vm->running; p; p = p->run_next)
			if (p->run_next == rq) {
				p->run_next = rq->run_next;
				if (vm->running_tail == rq)
					vm->running_tail = p;
				break;
			}
	}
	w->running--;
	finish(w, rq, res);
	dispatch_finished(&w->disp, &vm->sched, level, now);
}

int worker_reap(struct worker *w)
{
	if (!w->ex->ops->reap)
		return 0;
	return w->ex->ops->reap(w->ex, on_exec_done, w);
}

/*
 * Hands a picked request to the executor. 1 if it runs there now (reap
 * reports it), 0 if it finished at once (its completion is queued).
 */
static int start_one(struct worker *w, struct worker_req *rq)
{
	struct exec_result res;

	rq->cc.tp = w->tp;
	rq->cc.handle = rq->handle;
	rq->data.copy = copy_cb;
	rq->data.ctx = &rq->cc;
	rq->level = (uint8_t)dispatch_level(&rq->vm->sched);
	if (exec_submit(w->ex, &rq->vm->ex, &rq->req, &rq->data, rq, &res)) {
		finish(w, rq, &res);
		return 0;
	}
	rq->run_next = NULL;
	if (rq->vm->running_tail)
		rq->vm->running_tail->run_next = rq;
	else
		rq->vm->running = rq;
	rq->vm->running_tail = rq;
	w->running++;
	dispatch_started(&w->disp, rq->level);
	return 1;
}

/*
 * Starts every request the dispatch policy (sched/dispatch.h) allows, but
 * stops after one that finished at once: it took the worker's own time
 * (the CPU executor runs it on this thread), so the loop reads what
 * arrived meanwhile before the next pick. How many started; *wait_ns:
 * when the gate opens by itself (UINT64_MAX: not by time); *at_once: it
 * stopped after a request that finished at once.
 */
static int dispatch(struct worker *w, uint64_t *wait_ns, int *at_once)
{
	uint64_t now = worker_now(w);
	struct sched_req *sr;
	int n = 0;

	*wait_ns = UINT64_MAX;
	*at_once = 0;
	while ((sr = dispatch_next(&w->disp, now, wait_ns))) {
		n++;
		if (!start_one(w, (struct worker_req *)sr)) {
			*at_once = 1;
			break;
		}
	}
	return n;
}

int worker_run_one(struct worker *w)
{
	uint64_t wait;
	int at_once;

	return dispatch(w, &wait, &at_once) > 0;
}

/* ---- loop ---- */

/*
 * "forget all|DOMID[/DEVID]": the one command that changes the worker's
 * state (the final metrics of disconnected VMs), so it is handled here and
 * worker_report.c stays a reader.
 */
static int control_forget(struct worker *w, const char *arg, FILE *out)
{
	uint64_t domid, devid = 0;
	char dom[16], *slash;
	int n;

	if (strcmp(arg, "all") == 0) {
		n = worker_forget(w, 1, 0, -1);
	} else {
		snprintf(dom, sizeof(dom), "%s", arg);
		slash = strchr(dom, '/');
		if (slash)
			*slash = '\0';
		if (strlen(arg) >= sizeof(dom) || parse_u64(dom, &domid) ||
		    domid > UINT16_MAX ||
		    (slash && (parse_u64(slash + 1, &devid) || devid > UINT16_MAX))) {
			fprintf(out, "error: usage: forget all|DOMID[/DEVID]\n");
			return -EINVAL;
		}
		n = worker_forget(w, 0, (uint16_t)domid, slash ? (int)devid : -1);
	}
	if (n < 0) {
		fprintf(out, "error: out of memory\n");
		return n;
	}
	fprintf(out, "forgot %d\n", n);
	if (n)
		log_info("control: forgot the final metrics of %d disconnected VMs (%s)",
			 n, arg);
	return 0;
}

int worker_command(struct worker *w, const char *cmd, FILE *out)
{
	if (strncmp(cmd, "forget ", 7) == 0)
		return control_forget(w, cmd + 7, out);
	return worker_control(w, cmd, out);
}

static int control_cb(void *arg, const char *cmd, FILE *out)
{
	return worker_command(arg, cmd, out);
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
	int exec_fd = w->ex->ops->pollfd ? w->ex->ops->pollfd(w->ex) : -1;
	/* A request can start now: look for events, do not wait for them. */
	int ready = sched_has_ready(&w->sched);
	int draining = 0;
	int err = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = w->tp->ops->pollfd(w->tp), .events = POLLIN },
			{ .fd = exec_fd, .events = POLLIN },
			{ .fd = w->ctl ? w->ctl->fd : -1, .events = POLLIN },
		};
		struct timespec ts, *tsp = NULL;
		uint64_t now, t_op, left = UINT64_MAX;
		int at_once, r;

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
		if (draining && !w->running && !sched_has_ready(&w->sched))
			break;
		if (!ready && w->ncomp) {
			err = worker_flush(w);
			if (err)
				break;
		}

		/*
		 * Wait for events, or only look when work is ready. The device
		 * is polled even when no event is wanted: with the shared
		 * rings, polling it delivers the completions (transport_dev.c).
		 */
		if (draining || !sched_space(&w->sched))
			pfd[0].events = 0;
		now = worker_now(w);
		if (interval)
			left = next_stats > now ? next_stats - now : 0;
		if (gate_wait < left)
			left = gate_wait;
		if (ready)
			left = 0;
		if (left != UINT64_MAX) {
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tsp = &ts;
		}
		w->stats.polls++;
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
		if (r > 0 && (pfd[1].revents & POLLIN))
			worker_reap(w);
		if (r > 0 && (pfd[2].revents & POLLIN))
			serve_control(w);
		if (interval && worker_now(w) >= next_stats) {
			worker_print_metrics(w, "interval");
			next_stats = worker_now(w) + interval;
		}

		t_op = worker_now(w);
		dispatch(w, &gate_wait, &at_once);
		/*
		 * Otherwise everything that may start has started, and only
		 * the gate opening with time makes more ready.
		 */
		ready = at_once && sched_has_ready(&w->sched);
		/*
		 * Batching completions saves a write per request only when
		 * requests are short; after a long one, its guest would
		 * otherwise wait for the next one too before it hears.
		 */
		now = worker_now(w);
		if (w->ncomp && (!ready || now - t_op >= WORKER_FLUSH_NS ||
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

