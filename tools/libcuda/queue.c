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
		"module-get-global", "device-attrs",
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

/* The host lacks an operation of the second set: the old way from now on. */
static int no_set, no_copy, no_event;

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
	case Q_COPY_DD:
		if (!no_copy && cuvg_tp.mem_copy) {
			int err = cuvg_tp.mem_copy(p, r->dptr, r->dptr2, r->len);

			if (!lacks(err, &no_copy, "MEM_COPY"))
				return err;
		}
		return copy_dd(r->dptr, r->dptr2, r->len);
	case Q_SET:
		if (!no_set && cuvg_tp.mem_set) {
			int err = cuvg_tp.mem_set(p, r->dptr, r->value, r->elem,
						  r->len);

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

static void *queue_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		struct cuvg_req *r;
		int err;

		while (!q.head && !q.stop)
			pthread_cond_wait(&q.cv_work, &q.mu);
		if (!q.head)
			break;
		r = q.head;
		pthread_mutex_unlock(&q.mu);
		err = run(r);
		if (r->ev && !err) {
			r->ev->t_ns = r->ret;
		}
		pthread_mutex_lock(&q.mu);
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
			if (r->owned && r->op == Q_WRITE)
				q.staged -= r->len;
			free(r->owned);
			free(r);
		}
		pthread_cond_broadcast(&q.cv_room);
		pthread_cond_broadcast(&q.cv_done);
	}
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

int cuvg_submit(struct cuvg_req *r, int wait, uint64_t *seq)
{
	uint64_t staged = (!wait && r->owned && r->op == Q_WRITE) ? r->len : 0;
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
	return cuvg_err(err);
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
	no_set = no_copy = no_event = 0;	/* the next transport may have them */
}
