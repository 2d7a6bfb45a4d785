// SPDX-License-Identifier: MIT
/*
 * The submission queue: every device operation of the process, in issue
 * order, run by one thread over the transport. An asynchronous call
 * (launch, *Async copy, memset, event record) returns once its request is
 * queued; a synchronous one waits for its own request. The queue is
 * bounded (CUVG_Q_MAX requests, CUVG_Q_STAGED bytes of staged host data):
 * a caller past either waits for room, so nothing grows without bound.
 * The first error of an asynchronous request is kept and returned by the
 * next synchronizing call (cuvg_sync_upto), as CUDA reports kernel errors.
 *
 * Consecutive asynchronous launches, memsets and device copies that are
 * queued when the thread looks go to the transport as one batch (submit,
 * VGPU_IOC_SUBMIT: one ioctl, several requests in flight) of what is
 * there, never waiting for more. A batch changes nothing else: each
 * request still runs once, in order, and after a failed one the rest run
 * as they would one at a time (the driver says which it put on the ring;
 * those it did not are submitted again).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuvg.h"

#define CUVG_Q_MAX	4096
#define CUVG_Q_STAGED	(256ull << 20)
#define CUVG_CHUNK	(8u << 20)
/* EBUSY / EAGAIN (the VM's in-flight or rate limit): retried this long. */
#define CUVG_RETRY_NS	(30ull * 1000000000ull)
/* Requests in one submit: at most VGPU_SUBMIT_MAX. */
#define CUVG_BATCH	64
_Static_assert(CUVG_BATCH <= VGPU_SUBMIT_MAX, "batch over the driver's limit");

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done, cv_room;
	struct cuvg_req *head, *tail;
	unsigned int n;
	uint64_t staged;
	uint64_t next_seq, done_seq;
	int async_err;		/* -errno of the first failed async request */
	const char *async_what;
	int started, stop;
	pthread_t thr;
} q = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv_work = PTHREAD_COND_INITIALIZER,
	.cv_done = PTHREAD_COND_INITIALIZER,
	.cv_room = PTHREAD_COND_INITIALIZER,
	.next_seq = 1,
};

static const char *op_name(enum cuvg_op op)
{
	static const char *const names[] = {
		"write", "read", "copy", "memset", "launch", "sync", "event",
		"alloc", "free", "module-load", "module-unload", "info", "nop",
		"module-get-global", "device-attrs", "write-2d", "read-2d",
		"func-attrs", "wait before a host function",
	};

	return (unsigned int)op < sizeof(names) / sizeof(names[0]) ?
		names[op] : "?";
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

/* Callers never pass len 0 (the API calls return before queuing). */
static int copy_dd(uint64_t dst, uint64_t src, uint64_t len)
{
	void *buf = malloc(CUVG_CHUNK);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t o = 0; o < len && !err; o += CUVG_CHUNK) {
		uint64_t n = len - o;

		if (n > CUVG_CHUNK)
			n = CUVG_CHUNK;
		err = cuvg_tp.mem_read(cuvg_tp.priv, src + o, buf, n);
		if (!err)
			err = cuvg_tp.mem_write(cuvg_tp.priv, dst + o, buf, n);
	}
	free(buf);
	return err;
}

static int set_dd(uint64_t dst, uint32_t value, uint32_t elem, uint64_t len)
{
	uint8_t *buf = malloc(CUVG_CHUNK);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	/* CUVG_CHUNK is a multiple of 4: whole elements. */
	for (uint64_t i = 0; i < CUVG_CHUNK; i += elem)
		memcpy(buf + i, &value, elem);	/* little-endian guest */
	for (uint64_t o = 0; o < len && !err; o += CUVG_CHUNK) {
		uint64_t n = len - o;

		if (n > CUVG_CHUNK)
			n = CUVG_CHUNK;
		err = cuvg_tp.mem_write(cuvg_tp.priv, dst + o, buf, n);
	}
	free(buf);
	return err;
}

/*
 * A pitched copy's host side, row by row (mem2d.c queues one request for
 * a whole rectangle, so its rows stay in order with everything else).
 */
static int write_2d(const struct cuvg_req *r)
{
	const uint8_t *h = r->owned ? r->owned : r->src;
	uint64_t hp = r->owned ? r->width : r->hpitch;
	int err = 0;

	for (uint64_t i = 0; i < r->rows && !err; i++)
		err = cuvg_tp.mem_write(cuvg_tp.priv, r->dptr + i * r->dpitch,
					h + i * hp, r->width);
	return err;
}

/*
 * A device span of up to CUVG_CHUNK is read at once (the bytes between
 * rows are inside the allocation: mem2d.c checked the span) and its rows
 * copied out; a longer one is read row by row.
 */
static int read_2d(const struct cuvg_req *r)
{
	uint64_t span = r->dpitch * (r->rows - 1) + r->width;
	uint8_t *h = r->dst, *buf = NULL;
	int err = 0;

	if (span <= CUVG_CHUNK)
		buf = malloc(span);
	if (buf) {
		err = cuvg_tp.mem_read(cuvg_tp.priv, r->dptr, buf, span);
		for (uint64_t i = 0; i < r->rows && !err; i++)
			memcpy(h + i * r->hpitch, buf + i * r->dpitch, r->width);
		free(buf);
		return err;
	}
	for (uint64_t i = 0; i < r->rows && !err; i++)
		err = cuvg_tp.mem_read(cuvg_tp.priv, r->dptr + i * r->dpitch,
				       h + i * r->hpitch, r->width);
	return err;
}

/* The host lacks an operation of the second set: the old way from now on. */
static int no_set, no_copy, no_event;
/* The driver lacks SUBMIT: one request per call from now on. */
static int no_submit;
/*
 * A MEM_SET / MEM_COPY of ours has worked: the host has it, so one in a
 * batch cannot fail for its lack (and fall back behind later requests).
 */
static int have_set, have_copy;

static int lacks(int err, int *flag, const char *what)
{
	if (err != -ENOTTY && err != -EOPNOTSUPP)
		return 0;
	if (!*flag)
		cuvg_log("the device has no %s operation: done through the guest", what);
	*flag = 1;
	return 1;
}

static int run_once(struct cuvg_req *r)
{
	void *p = cuvg_tp.priv;

	switch (r->op) {
	case Q_WRITE:
		return cuvg_tp.mem_write(p, r->dptr, r->owned ? r->owned : r->src,
					 r->len);
	case Q_READ:
		return cuvg_tp.mem_read(p, r->dptr, r->dst, r->len);
	case Q_WRITE_2D:
		return write_2d(r);
	case Q_READ_2D:
		return read_2d(r);
	case Q_COPY_DD:
		if (!no_copy && cuvg_tp.mem_copy) {
			int err = cuvg_tp.mem_copy(p, r->dptr, r->dptr2, r->len);

			have_copy |= !err;
			if (!lacks(err, &no_copy, "MEM_COPY"))
				return err;
		}
		return copy_dd(r->dptr, r->dptr2, r->len);
	case Q_SET:
		if (!no_set && cuvg_tp.mem_set) {
			int err = cuvg_tp.mem_set(p, r->dptr, r->value, r->elem,
						  r->len);

			have_set |= !err;
			if (!lacks(err, &no_set, "MEM_SET"))
				return err;
		}
		return set_dd(r->dptr, r->value, r->elem, r->len);
	case Q_LAUNCH:
		return cuvg_tp.launch(p, r->module, r->name, r->owned, r->plen,
				      r->grid, r->block, r->shmem);
	case Q_SYNC:
		return cuvg_tp.sync(p);
	case Q_EVENT: {
		uint32_t flags = 0;
		int err;

		/* The device's time once everything before it finished. */
		if (!no_event && cuvg_tp.event_record) {
			err = cuvg_tp.event_record(p, &r->ret, &flags);
			if (!lacks(err, &no_event, "EVENT_RECORD"))
				return err;
		}
		/* Else the host's, after a SYNC. */
		err = cuvg_tp.sync(p);
		r->ret = cuvg_now_ns();
		return err;
	}
	case Q_GLOBAL:
		if (!cuvg_tp.module_get_global)
			return -EOPNOTSUPP;
		return cuvg_tp.module_get_global(p, r->module, r->name, &r->ret,
						 &r->len);
	case Q_FUNC_ATTRS:
		if (!cuvg_tp.func_attrs)
			return -EOPNOTSUPP;
		return cuvg_tp.func_attrs(p, r->module, r->name, r->dst);
	case Q_ATTRS:
		if (!cuvg_tp.device_attrs)
			return -EOPNOTSUPP;
		return cuvg_tp.device_attrs(p, r->dst);
	case Q_ALLOC:
		return cuvg_tp.mem_alloc(p, r->len, &r->ret);
	case Q_FREE:
		return cuvg_tp.mem_free(p, r->dptr);
	case Q_LOAD:
		return cuvg_tp.module_load(p, r->src, r->len, &r->ret);
	case Q_UNLOAD:
		return cuvg_tp.module_unload(p, r->dptr);
	case Q_INFO:
		return cuvg_tp.info(p, r->dst);
	case Q_NOP:
		return 0;
	case Q_HOST_FN: {
		/* After the device finished the work before it, as CUDA's. */
		int err = cuvg_tp.sync(p);

		if (err == -EBUSY || err == -EAGAIN)
			return err;	/* retried: the function runs once */
		if (r->host_fn)
			r->host_fn(r->host_data);
		else
			r->stream_cb(r->cb_stream, cuvg_err(err), r->host_data);
		return err;
	}
	}
	return -EINVAL;
}

static int run(struct cuvg_req *r)
{
	uint64_t t0 = cuvg_now_ns(), wait = 100000;
	int err;

	for (;;) {
		err = run_once(r);
		if ((err != -EBUSY && err != -EAGAIN) ||
		    cuvg_now_ns() - t0 > CUVG_RETRY_NS)
			return err;
		sleep_ns(wait);
		if (wait < 50000000)
			wait *= 2;
	}
}

static int busy(int err)
{
	return err == -EBUSY || err == -EAGAIN;
}

/* Whether @r may go in a batch: asynchronous, and never a fall-back. */
static int batchable(const struct cuvg_req *r)
{
	if (r->wait || r->ev)
		return 0;
	switch (r->op) {
	case Q_LAUNCH:
		return 1;
	case Q_SET:
		return have_set && !no_set;
	case Q_COPY_DD:
		return have_copy && !no_copy;
	default:
		return 0;
	}
}

union batch_arg {
	struct vgpu_launch l;
	struct vgpu_mem_set s;
	struct vgpu_mem_copy c;
};

static void batch_op(const struct cuvg_req *r, union batch_arg *a,
		     struct vgpu_submit_op *op)
{
	memset(a, 0, sizeof(*a));
	*op = (struct vgpu_submit_op){ .arg = (uint64_t)(uintptr_t)a };
	switch (r->op) {
	case Q_LAUNCH:
		op->cmd = VGPU_IOC_LAUNCH;
		a->l.module = r->module;
		a->l.name = (uint64_t)(uintptr_t)r->name;
		a->l.name_len = (uint32_t)strlen(r->name);
		a->l.params = (uint64_t)(uintptr_t)r->owned;
		a->l.params_len = r->plen;
		memcpy(a->l.grid, r->grid, sizeof(a->l.grid));
		memcpy(a->l.block, r->block, sizeof(a->l.block));
		a->l.shared_mem = r->shmem;
		break;
	case Q_SET:
		op->cmd = VGPU_IOC_MEM_SET;
		a->s = (struct vgpu_mem_set){ .dptr = r->dptr, .size = r->len,
					      .value = r->value,
					      .elem_size = r->elem };
		break;
	default:
		op->cmd = VGPU_IOC_MEM_COPY;
		a->c = (struct vgpu_mem_copy){ .dst = r->dptr, .src = r->dptr2,
					       .size = r->len };
		break;
	}
}

/*
 * Runs @rs[0..@n) in order through submit, their statuses in @errs. After
 * a failed request the driver ran those it had in flight behind it (their
 * own statuses are lost, as one at a time only the first error counts)
 * and none after: those go again. A busy host (EBUSY, EAGAIN) is retried
 * as run() does, unless requests behind the busy one already ran.
 */
static void run_batch(struct cuvg_req **rs, unsigned int n, int *errs)
{
	struct vgpu_submit_op ops[CUVG_BATCH];
	union batch_arg args[CUVG_BATCH];
	uint64_t t0 = cuvg_now_ns(), wait = 100000;
	unsigned int start = 0, i;

	for (i = 0; i < n; i++) {
		batch_op(rs[i], &args[i], &ops[i]);
		errs[i] = 0;
	}
	while (start < n && !no_submit) {
		uint32_t done = 0, issued = 0;
		int err = cuvg_tp.submit(cuvg_tp.priv, ops + start, n - start,
					 &done, &issued);

		if (!err)
			return;
		if ((err == -ENOTTY || err == -EOPNOTSUPP) && !issued) {
			cuvg_log("the device has no SUBMIT operation: one request per call");
			no_submit = 1;
			break;
		}
		if (busy(err) && issued == done + 1 &&
		    cuvg_now_ns() - t0 <= CUVG_RETRY_NS) {
			start += done;
			sleep_ns(wait);
			if (wait < 50000000)
				wait *= 2;
			continue;
		}
		errs[start + done] = err;
		start += issued > done + 1 ? issued : done + 1;
	}
	for (; start < n; start++)
		errs[start] = run(rs[start]);
}

/* @r, the queue's head, ran with status @err: called with q.mu held. */
static void retire(struct cuvg_req *r, int err)
{
	q.head = r->next;
	if (!q.head)
		q.tail = NULL;
	q.n--;
	if (r->ev && !err)
		r->ev->done = 1;
	q.done_seq = r->seq;
	if (r->wait) {
		r->rc = err;
		r->done = 1;
	} else {
		if (err && !q.async_err) {
			q.async_err = err;
			q.async_what = op_name(r->op);
		}
		if (r->owned && (r->op == Q_WRITE || r->op == Q_WRITE_2D))
			q.staged -= r->len;
		free(r->owned);
		free(r);
	}
}

static void *queue_main(void *arg)
{
	struct cuvg_req *rs[CUVG_BATCH];
	int errs[CUVG_BATCH];

	(void)arg;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		struct cuvg_req *r;
		unsigned int n = 0, i;

		while (!q.head && !q.stop)
			pthread_cond_wait(&q.cv_work, &q.mu);
		if (!q.head)
			break;
		/* What is queued now; the list behind q.head is ours to read. */
		if (cuvg_tp.submit && !no_submit)
			for (r = q.head; r && n < CUVG_BATCH && batchable(r);
			     r = r->next)
				rs[n++] = r;
		if (n < 2) {
			rs[0] = q.head;
			n = 1;
		}
		pthread_mutex_unlock(&q.mu);
		if (n == 1) {
			r = rs[0];
			errs[0] = run(r);
			if (r->ev && !errs[0])
				r->ev->t_ns = r->ret;
		} else {
			run_batch(rs, n, errs);
		}
		pthread_mutex_lock(&q.mu);
		for (i = 0; i < n; i++)
			retire(rs[i], errs[i]);
		pthread_cond_broadcast(&q.cv_room);
		pthread_cond_broadcast(&q.cv_done);
	}
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

int cuvg_submit(struct cuvg_req *r, int wait, uint64_t *seq)
{
	uint64_t staged = (!wait && r->owned &&
			   (r->op == Q_WRITE || r->op == Q_WRITE_2D)) ?
			  r->len : 0;
	struct cuvg_req *e = r;
	int err = 0;

	if (!wait) {
		e = malloc(sizeof(*e));
		if (!e) {
			free(r->owned);
			return -ENOMEM;
		}
		*e = *r;
	}
	e->wait = wait;
	e->done = 0;
	e->next = NULL;
	pthread_mutex_lock(&q.mu);
	if (!q.started) {
		q.stop = 0;
		err = -pthread_create(&q.thr, NULL, queue_main, NULL);
		if (err) {
			pthread_mutex_unlock(&q.mu);
			if (!wait) {
				free(e->owned);
				free(e);
			}
			return err;
		}
		q.started = 1;
	}
	while (q.n >= CUVG_Q_MAX ||
	       (staged && q.staged && q.staged + staged > CUVG_Q_STAGED))
		pthread_cond_wait(&q.cv_room, &q.mu);
	e->seq = q.next_seq++;
	if (seq)
		*seq = e->seq;
	if (e->ev)
		e->ev->seq = e->seq;
	q.staged += staged;
	if (q.tail)
		q.tail->next = e;
	else
		q.head = e;
	q.tail = e;
	q.n++;
	pthread_cond_signal(&q.cv_work);
	if (wait) {
		while (!e->done)
			pthread_cond_wait(&q.cv_done, &q.mu);
		err = e->rc;
	}
	pthread_mutex_unlock(&q.mu);
	return err;
}

CUresult cuvg_call(struct cuvg_req *r)
{
	return cuvg_err(cuvg_submit(r, 1, NULL));
}

CUresult cuvg_sync_upto(uint64_t seq, int device)
{
	CUresult rc;
	int err = 0;

	if (device) {
		struct cuvg_req r = { .op = Q_SYNC };

		err = cuvg_submit(&r, 1, NULL);
	} else {
		pthread_mutex_lock(&q.mu);
		while (q.done_seq < seq)
			pthread_cond_wait(&q.cv_done, &q.mu);
		pthread_mutex_unlock(&q.mu);
	}
	pthread_mutex_lock(&q.mu);
	if (q.async_err) {
		cuvg_log("an earlier asynchronous %s failed: %s", q.async_what,
			 strerror(-q.async_err));
		err = q.async_err;
		q.async_err = 0;
	}
	pthread_mutex_unlock(&q.mu);
	/* Managed memory is the host's again after any synchronizing call. */
	rc = cuvg_managed_to_host();
	return err ? cuvg_err(err) : rc;
}

void cuvg_wait_seq(uint64_t seq)
{
	pthread_mutex_lock(&q.mu);
	while (q.done_seq < seq)
		pthread_cond_wait(&q.cv_done, &q.mu);
	pthread_mutex_unlock(&q.mu);
}

uint64_t cuvg_last_seq(void)
{
	uint64_t s;

	pthread_mutex_lock(&q.mu);
	s = q.next_seq - 1;
	pthread_mutex_unlock(&q.mu);
	return s;
}

int cuvg_seq_done(uint64_t seq)
{
	int d;

	pthread_mutex_lock(&q.mu);
	d = q.done_seq >= seq;
	pthread_mutex_unlock(&q.mu);
	return d;
}

void cuvg_queue_stop(void)
{
	pthread_mutex_lock(&q.mu);
	if (!q.started) {
		pthread_mutex_unlock(&q.mu);
		return;
	}
	q.stop = 1;
	pthread_cond_signal(&q.cv_work);
	pthread_mutex_unlock(&q.mu);
	pthread_join(q.thr, NULL);
	q.started = 0;
	q.async_err = 0;
	/* The next transport may have them. */
	no_set = no_copy = no_event = no_submit = 0;
	have_set = have_copy = 0;
}
