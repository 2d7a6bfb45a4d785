// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's copies (exec_cuda_priv.h): chunks of a request's
 * data between the guest (the exec_data callback) and the staging slots
 * of its process, on the copy threads or on the caller's thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_cuda_priv.h"
#include "log.h"

/* A copy task's wait for its chunk or slot. */
struct waiter {
	struct cuda_exec *cx;
	struct cx_req *r;
	uint64_t t0;
	int may_yield;
	int yielded;
};

/*
 * Whether other copies wait for a thread. Any task, not only another
 * VM's: one put back may be what the waiting chunk itself waits for
 * (an earlier chunk of the same slot), so no thread may keep waiting
 * while a task is queued.
 */
static int others_wait(struct cuda_exec *cx)
{
	unsigned int n;

	pthread_mutex_lock(&cx->lock);
	n = cx->qn;
	pthread_mutex_unlock(&cx->lock);
	return n != 0;
}

static int req_stopped(void *arg)
{
	struct waiter *w = arg;
	struct cx_req *r = w->r;
	struct pollfd pfd;

	if (atomic_load(&r->cancel))
		return 1;
	/*
	 * A VM whose chunks do not come (its kernel never ends, say) must
	 * not keep a shared thread from the others' copies until its
	 * watchdog fires: past the hold, a copy thread's task goes back to
	 * the tail of the queue while other copies wait, and the
	 * worker's own thread (no copy threads) leaves the chunk for later.
	 */
	if (w->may_yield && cx_now_ns() - w->t0 >= CX_POOL_HOLD_NS &&
	    (r->sync_copies || others_wait(w->cx))) {
		w->yielded = 1;
		return 1;
	}
	if (!r->sync_copies)
		return 0;
	/* On the caller's thread nobody else watches the clock or the process. */
	if (r->deadline && cx_now_ns() >= r->deadline)
		return 1;
	pfd = (struct pollfd){ .fd = r->inst->sock, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)))
		return 1;
	return 0;
}

int cx_task_run(struct cuda_exec *cx, const struct cx_task *t, int may_yield)
{
	struct cx_req *r = t->r;
	struct cx_ctrl *c = r->inst->ctrl;
	const struct cx_geom *g = &r->inst->geom;
	uint32_t s = t->ticket % g->nslots;
	const struct exec_data *d = r->data;
	struct waiter w = { .cx = cx, .r = r, .t0 = cx_now_ns(),
			    .may_yield = may_yield };
	int err;

	if (!t->out) {
		/* The slot's last user (this request or an earlier one). */
		if (cx_wait_ticket(c, &c->drained[s], t->ticket - g->nslots,
				   CX_POOL_SPIN_NS, req_stopped, &w))
			goto out;
		if (atomic_load(&r->cancel))
			goto out;
		err = d->copy(d->ctx, VGPU_BACK_COPY_FROM_GUEST, t->goff,
			      cx_geom_slot(c, g, t->ticket), t->len);
		if (err) {
			atomic_store(&r->copy_err, err);
			/* The process waits for this chunk: tell it to give up. */
			atomic_store(&c->abort_seq, r->seq);
		} else {
			cx_publish(c, &c->filled[s], t->ticket);
		}
	} else {
		if (cx_wait_ticket(c, &c->filled[s], t->ticket, CX_POOL_SPIN_NS,
				   req_stopped, &w))
			goto out;
		err = d->copy(d->ctx, VGPU_BACK_COPY_TO_GUEST, t->goff,
			      cx_geom_slot(c, g, t->ticket), t->len);
		if (err)
			atomic_store(&r->copy_err, err);
		/* Drained either way: the process must not wait on it. */
		cx_publish(c, &c->drained[s], t->ticket);
	}
out:
	if (w.yielded)
		return 1;
	if (atomic_fetch_sub(&r->tasks_left, 1) == 1 && !r->sync_copies) {
		uint64_t one = 1;

		if (write(cx->evfd, &one, sizeof(one)) < 0)
			log_error("cuda executor: eventfd: %s", strerror(errno));
	}
	return 0;
}

/* Room for @n more tasks; called with the lock held. 0 or -ENOMEM. */
static int pool_reserve(struct cuda_exec *cx, unsigned int n)
{
	unsigned int cap = cx->qcap ? cx->qcap : 64;
	struct cx_task *q;

	if (cx->qn + n <= cx->qcap)
		return 0;
	while (cap < cx->qn + n)
		cap *= 2;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (unsigned int i = 0; i < cx->qn; i++)
		q[i] = cx->q[(cx->qhead + i) % cx->qcap];
	free(cx->q);
	cx->q = q;
	cx->qhead = 0;
	cx->qcap = cap;
	return 0;
}

void *cx_pool_main(void *arg)
{
	struct cuda_exec *cx = arg;

	pthread_mutex_lock(&cx->lock);
	for (;;) {
		struct cx_task t;
		int yielded;

		while (!cx->qn && !cx->stopping)
			pthread_cond_wait(&cx->cond, &cx->lock);
		if (!cx->qn)
			break;
		t = cx->q[cx->qhead];
		cx->qhead = (cx->qhead + 1) % cx->qcap;
		cx->qn--;
		pthread_mutex_unlock(&cx->lock);
		yielded = cx_task_run(cx, &t, 1);
		if (!yielded)
			__atomic_fetch_add(&cx->st.pooled_chunks, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&cx->lock);
		if (!yielded)
			continue;
		/* Its turn comes again after the copies now waiting. */
		if (!pool_reserve(cx, 1)) {
			cx->q[(cx->qhead + cx->qn++) % cx->qcap] = t;
			continue;
		}
		pthread_mutex_unlock(&cx->lock);
		cx_task_run(cx, &t, 0);
		pthread_mutex_lock(&cx->lock);
	}
	pthread_mutex_unlock(&cx->lock);
	return NULL;
}

/* The task of chunk @k of a direction of @r. */
struct cx_task cx_task_of(struct cx_req *r, int out, uint32_t k)
{
	uint32_t slot = r->inst->geom.slot_size;
	uint32_t total = out ? r->out_len : r->in_len;
	uint64_t off = (uint64_t)k * slot;

	return (struct cx_task){
		.r = r,
		.goff = (out ? r->out_off : 0) + off,
		.ticket = (out ? r->first + r->n_in : r->first) + k,
		.len = (uint32_t)(total - off < slot ? total - off : slot),
		.out = (uint8_t)out,
	};
}

/*
 * Queues the tasks of every chunk of the directions asked, all or none.
 * 0 or -ENOMEM.
 */
int cx_pool_push(struct cuda_exec *cx, struct cx_req *r, int in, int out)
{
	unsigned int n = (in ? r->n_in : 0) + (out ? r->n_out : 0);

	pthread_mutex_lock(&cx->lock);
	if (pool_reserve(cx, n)) {
		pthread_mutex_unlock(&cx->lock);
		return -ENOMEM;
	}
	for (int dir = 0; dir < 2; dir++) {
		uint32_t cnt = dir ? r->n_out : r->n_in;

		if (!(dir ? out : in))
			continue;
		for (uint32_t k = 0; k < cnt; k++)
			cx->q[(cx->qhead + cx->qn++) % cx->qcap] = cx_task_of(r, dir, k);
	}
	pthread_cond_broadcast(&cx->cond);
	pthread_mutex_unlock(&cx->lock);
	return 0;
}

/* Copies chunks [0, n) of a direction on this thread, no waiting. */
int cx_copy_inline(struct cuda_exec *cx, struct cx_req *r, int out)
{
	struct cx_ctrl *c = r->inst->ctrl;
	const struct cx_geom *g = &r->inst->geom;
	uint32_t n = out ? r->n_out : r->n_in;
	uint32_t total = out ? r->out_len : r->in_len;
	uint32_t first = out ? r->first + r->n_in : r->first;

	for (uint32_t k = 0; k < n; k++) {
		uint64_t off = (uint64_t)k * g->slot_size;
		uint32_t len = (uint32_t)(total - off < g->slot_size ?
					  total - off : g->slot_size);
		uint32_t t = first + k;
		int err;

		err = r->data->copy(r->data->ctx, out ? VGPU_BACK_COPY_TO_GUEST :
				    VGPU_BACK_COPY_FROM_GUEST,
				    (out ? r->out_off : 0) + off, cx_geom_slot(c, g, t), len);
		if (err)
			return err;
		cx_publish(c, out ? &c->drained[t % g->nslots] :
			   &c->filled[t % g->nslots], t);
		cx->st.inline_chunks++;
	}
	return 0;
}

int cx_sync_copies(struct cuda_exec *cx, struct cx_req *r)
{
	uint32_t nin = r->sync_in ? r->n_in : 0;

	while (r->sync_next < r->sync_total) {
		uint32_t k = r->sync_next;
		struct cx_task t = k < nin ? cx_task_of(r, 0, k) :
					     cx_task_of(r, 1, k - nin);

		if (cx_task_run(cx, &t, 1))
			return 1;
		r->sync_next++;
		cx->st.inline_chunks++;
	}
	return 0;
}
