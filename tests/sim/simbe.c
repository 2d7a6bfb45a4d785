// SPDX-License-Identifier: MIT
/* Simulated backend for GPU tests and benchmarks (see simbe.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "simbe.h"

/* Requests the backend holds at once (guests' ring slots in all). */
#define SIMBE_SLOTS	4096u

enum { RQ_QUEUED = 1, RQ_HELD, RQ_DONE };

struct simbe {
	pthread_mutex_t lock;
	struct vgpu_back_event *ev;	/* FIFO */
	unsigned int ev_head, ev_n, ev_cap;
	/* handle = generation << 12 | slot */
	struct simreq *slot[SIMBE_SLOTS];
	uint32_t gen[SIMBE_SLOTS];
	uint32_t free_list[SIMBE_SLOTS];
	unsigned int nfree;
	struct simbe_stats st;
	_Atomic uint64_t copies, bad_copies, from_guest, to_guest;
};

uint64_t simbe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct simbe *sb(struct transport *t)
{
	return t->priv;
}

/* Called with the lock held. */
static void push_event(struct transport *t, const struct vgpu_back_event *ev)
{
	struct simbe *m = sb(t);
	uint64_t one = 1;

	if (m->ev_head + m->ev_n == m->ev_cap) {
		if (m->ev_head) {
			memmove(m->ev, m->ev + m->ev_head, m->ev_n * sizeof(*m->ev));
			m->ev_head = 0;
		} else {
			unsigned int cap = m->ev_cap ? 2 * m->ev_cap : 256;
			struct vgpu_back_event *n = realloc(m->ev, cap * sizeof(*n));

			if (!n)
				abort();
			m->ev = n;
			m->ev_cap = cap;
		}
	}
	m->ev[m->ev_head + m->ev_n++] = *ev;
	m->st.events++;
	if (m->ev_n == 1 && write(t->fd, &one, sizeof(one)) < 0)
		abort();
}

static void vm_event(struct transport *t, uint32_t type,
		     const struct vgpu_back_vm *vm)
{
	struct vgpu_back_event ev = { .type = type, .vm = *vm };

	pthread_mutex_lock(&sb(t)->lock);
	push_event(t, &ev);
	pthread_mutex_unlock(&sb(t)->lock);
}

void simbe_connect(struct transport *t, const struct vgpu_back_vm *vm)
{
	vm_event(t, VGPU_BACK_EV_CONNECT, vm);
}

void simbe_config(struct transport *t, const struct vgpu_back_vm *vm)
{
	vm_event(t, VGPU_BACK_EV_CONFIG, vm);
}

static void wake(struct simreq *r)
{
	atomic_store_explicit(&r->done, 1, memory_order_release);
	syscall(SYS_futex, (uint32_t *)&r->done, FUTEX_WAKE_PRIVATE, INT_MAX,
		NULL, NULL, 0);
}

/* Called with the lock held; frees the slot. */
static void finish(struct simbe *m, unsigned int s, int32_t status,
		   uint64_t ret0, uint64_t ret1)
{
	struct simreq *r = m->slot[s];

	r->state = RQ_DONE;
	r->status = status;
	r->ret[0] = ret0;
	r->ret[1] = ret1;
	r->t_complete = simbe_now_ns();
	m->slot[s] = NULL;
	m->gen[s]++;
	m->free_list[m->nfree++] = s;
	m->st.completions++;
	wake(r);
}

void simbe_disconnect(struct transport *t, uint16_t domid, uint16_t devid)
{
	struct simbe *m = sb(t);
	struct vgpu_back_vm vm = { .domid = domid, .devid = devid };
	struct vgpu_back_event ev = { .type = VGPU_BACK_EV_DISCONNECT, .vm = vm };
	unsigned int i, j;

	pthread_mutex_lock(&m->lock);
	for (i = j = 0; i < m->ev_n; i++) {
		const struct vgpu_back_event *e = &m->ev[m->ev_head + i];

		if (e->type == VGPU_BACK_EV_REQUEST && e->vm.domid == domid &&
		    e->vm.devid == devid)
			continue;
		m->ev[m->ev_head + j++] = *e;
	}
	m->ev_n = j;
	for (unsigned int s = 0; s < SIMBE_SLOTS; s++) {
		struct simreq *r = m->slot[s];

		if (r && r->vm.domid == domid && r->vm.devid == devid)
			finish(m, s, VGPUIF_RSP_NO_WORKER, 0, 0);
	}
	push_event(t, &ev);
	pthread_mutex_unlock(&m->lock);
}

void simbe_submit(struct transport *t, struct simreq *r)
{
	struct simbe *m = sb(t);
	struct vgpu_back_event ev = { .type = VGPU_BACK_EV_REQUEST };
	unsigned int s;

	atomic_store(&r->done, 0);
	r->t_submit = simbe_now_ns();
	pthread_mutex_lock(&m->lock);
	if (!m->nfree)
		abort();	/* more in flight than any ring allows */
	s = m->free_list[--m->nfree];
	m->slot[s] = r;
	r->handle = (uint64_t)m->gen[s] << 12 | s;
	r->state = RQ_QUEUED;
	ev.handle = r->handle;
	ev.vm = r->vm;
	ev.req = r->req;
	push_event(t, &ev);
	pthread_mutex_unlock(&m->lock);
}

int32_t simbe_wait(struct simreq *r, uint64_t spin_ns)
{
	uint64_t t0 = 0;

	for (unsigned int i = 0; !simbe_done(r); i++) {
		if ((i & 63) == 63) {
			uint64_t now = simbe_now_ns();

			if (!t0)
				t0 = now;
			if (now - t0 >= spin_ns)
				break;
		}
		__builtin_ia32_pause();
	}
	while (!simbe_done(r)) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 10000000 };

		syscall(SYS_futex, (uint32_t *)&r->done, FUTEX_WAIT_PRIVATE, 0,
			&ts, NULL, 0);
	}
	return r->status;
}

/* The request of a handle the worker holds, or NULL. Lock held. */
static struct simreq *held(struct simbe *m, uint64_t handle, unsigned int *sp)
{
	unsigned int s = (unsigned int)(handle & (SIMBE_SLOTS - 1));
	struct simreq *r;

	if (handle >> 12 != m->gen[s])
		return NULL;
	r = m->slot[s];
	if (!r || r->state != RQ_HELD)
		return NULL;
	if (sp)
		*sp = s;
	return r;
}

static int sim_pollfd(struct transport *t)
{
	return t->fd;
}

static int sim_read_events(struct transport *t, struct vgpu_back_event *ev,
			   unsigned int max)
{
	struct simbe *m = sb(t);
	unsigned int n;
	uint64_t v;

	if (!max)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	n = m->ev_n < max ? m->ev_n : max;
	for (unsigned int i = 0; i < n; i++) {
		ev[i] = m->ev[m->ev_head + i];
		if (ev[i].type == VGPU_BACK_EV_REQUEST) {
			unsigned int s = (unsigned int)(ev[i].handle & (SIMBE_SLOTS - 1));

			if (m->slot[s] && m->slot[s]->handle == ev[i].handle)
				m->slot[s]->state = RQ_HELD;
		}
	}
	m->ev_head += n;
	m->ev_n -= n;
	if (!m->ev_n) {
		m->ev_head = 0;
		if (read(t->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			abort();
	}
	pthread_mutex_unlock(&m->lock);
	return (int)n;
}

static int sim_write_completions(struct transport *t,
				 const struct vgpu_back_completion *c,
				 unsigned int n)
{
	struct simbe *m = sb(t);
	unsigned int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < n; i++) {
		unsigned int s;

		if (!held(m, c[i].handle, &s)) {
			m->st.bad_completions++;
			break;
		}
		finish(m, s, c[i].status, c[i].ret[0], c[i].ret[1]);
	}
	pthread_mutex_unlock(&m->lock);
	return i == 0 && n ? -EINVAL : (int)i;
}

static int op_allows(uint8_t op, uint32_t direction)
{
	switch (op) {
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MODULE_LOAD:
	case VGPUIF_OP_LAUNCH:
		return direction == VGPU_BACK_COPY_FROM_GUEST;
	case VGPUIF_OP_GET_INFO:
	case VGPUIF_OP_MEM_READ:
		return direction == VGPU_BACK_COPY_TO_GUEST;
	case VGPUIF_OP_VECTOR_ADD:
		return direction == VGPU_BACK_COPY_FROM_GUEST ||
		       direction == VGPU_BACK_COPY_TO_GUEST;
	default:
		return 0;
	}
}

/*
 * The grant copy. The request is looked up under the lock; the bytes move
 * outside it (the guest buffer lives until the request completes, and the
 * worker copies only while it holds the request).
 */
static int sim_copy(struct transport *t, uint64_t handle, uint64_t offset,
		    void *buf, uint64_t len, uint32_t direction)
{
	struct simbe *m = sb(t);
	struct simreq *r;
	uint8_t *g;

	atomic_fetch_add_explicit(&m->copies, 1, memory_order_relaxed);
	pthread_mutex_lock(&m->lock);
	r = held(m, handle, NULL);
	if (!r || !op_allows(r->req.operation, direction) ||
	    offset > r->req.data_len || len > r->req.data_len - offset)
		r = NULL;
	pthread_mutex_unlock(&m->lock);
	if (!r) {
		atomic_fetch_add(&m->bad_copies, 1);
		return -EINVAL;
	}
	g = (uint8_t *)r->buf + offset;
	if (direction == VGPU_BACK_COPY_FROM_GUEST) {
		memcpy(buf, g, len);
		atomic_fetch_add_explicit(&m->from_guest, len, memory_order_relaxed);
	} else {
		memcpy(g, buf, len);
		atomic_fetch_add_explicit(&m->to_guest, len, memory_order_relaxed);
	}
	return 0;
}

static void sim_close(struct transport *t)
{
	struct simbe *m = sb(t);

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (m) {
		pthread_mutex_destroy(&m->lock);
		free(m->ev);
		free(m);
	}
	t->priv = NULL;
}

static const struct transport_ops sim_ops = {
	.pollfd = sim_pollfd,
	.read_events = sim_read_events,
	.write_completions = sim_write_completions,
	.copy = sim_copy,
	.close = sim_close,
};

int simbe_open(struct transport *t)
{
	struct simbe *m = calloc(1, sizeof(*m));
	int fd;

	if (!m)
		return -ENOMEM;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0) {
		free(m);
		return -errno;
	}
	pthread_mutex_init(&m->lock, NULL);
	for (unsigned int s = 0; s < SIMBE_SLOTS; s++) {
		m->free_list[s] = SIMBE_SLOTS - 1 - s;
		m->gen[s] = 1;
	}
	m->nfree = SIMBE_SLOTS;
	t->ops = &sim_ops;
	t->priv = m;
	t->fd = fd;
	return 0;
}

void simbe_get_stats(struct transport *t, struct simbe_stats *st)
{
	struct simbe *m = sb(t);

	pthread_mutex_lock(&m->lock);
	*st = m->st;
	pthread_mutex_unlock(&m->lock);
	st->copies = atomic_load(&m->copies);
	st->bad_copies = atomic_load(&m->bad_copies);
	st->bytes_from_guest = atomic_load(&m->from_guest);
	st->bytes_to_guest = atomic_load(&m->to_guest);
}
