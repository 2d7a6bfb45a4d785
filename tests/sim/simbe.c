// SPDX-License-Identifier: MIT
/* The simulated backend of the tests and benchmarks (see simbe.h). */
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

#include "vgpu/vgpuif_ops.h"
#include "simbe.h"

/* The copy check compares the table's direction bits with the ioctl's. */
_Static_assert(VGPUIF_DIR_FROM_GUEST == VGPU_BACK_COPY_FROM_GUEST &&
	       VGPUIF_DIR_TO_GUEST == VGPU_BACK_COPY_TO_GUEST,
	       "vgpuif_ops.h directions are the VGPU_BACK_COPY_* values");

#define SLOT_BITS	12
_Static_assert(SIMBE_SLOTS == 1u << SLOT_BITS, "a handle's slot bits");

enum { RQ_QUEUED = 1, RQ_HELD, RQ_DONE };

struct simbe {
	pthread_mutex_t lock;
	struct vgpu_back_event *ev;	/* FIFO of events not yet read */
	unsigned int ev_head, ev_n, ev_cap;
	/*
	 * Outstanding requests by slot. handle = sequence << SLOT_BITS | slot:
	 * the sequence grows with every request, so handles do too, and a
	 * handle names its slot without a search.
	 */
	struct simreq *slot[SIMBE_SLOTS];
	uint32_t free_list[SIMBE_SLOTS];
	unsigned int nfree;
	uint64_t seq;
	struct simbe_completion *log;	/* of simbe_request()'s requests */
	unsigned int log_n, log_cap;
	unsigned int read_max;
	struct simbe_stats st;		/* all but the copy counters below */
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

static void *grow(void *p, unsigned int *cap, size_t elem)
{
	unsigned int ncap = *cap ? *cap * 2 : 64;
	void *np = realloc(p, (size_t)ncap * elem);

	if (!np)
		abort();	/* a test double: no way to go on */
	*cap = ncap;
	return np;
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
			m->ev = grow(m->ev, &m->ev_cap, sizeof(*m->ev));
		}
	}
	m->ev[m->ev_head + m->ev_n++] = *ev;
	m->st.events++;
	/* The eventfd is readable exactly while events wait. */
	if (m->ev_n == 1 && write(t->fd, &one, sizeof(one)) < 0)
		abort();
}

void simbe_push_event(struct transport *t, const struct vgpu_back_event *ev)
{
	pthread_mutex_lock(&sb(t)->lock);
	push_event(t, ev);
	pthread_mutex_unlock(&sb(t)->lock);
}

static void vm_event(struct transport *t, uint32_t type,
		     const struct vgpu_back_vm *vm)
{
	struct vgpu_back_event ev = { .type = type, .vm = *vm };

	simbe_push_event(t, &ev);
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

/*
 * Completes the request in slot @s and frees the slot; a kept request
 * leaves its record in the log, a submitted one wakes its guest. Called
 * with the lock held.
 */
static void finish(struct simbe *m, unsigned int s,
		   const struct vgpu_back_completion *c, int by_backend)
{
	struct simreq *r = m->slot[s];

	m->slot[s] = NULL;
	m->free_list[m->nfree++] = s;
	m->st.completions++;
	if (r->kept) {
		if (m->log_n == m->log_cap)
			m->log = grow(m->log, &m->log_cap, sizeof(*m->log));
		m->log[m->log_n++] = (struct simbe_completion){
			.c = *c,
			.domid = r->vm.domid,
			.devid = r->vm.devid,
			.operation = r->req.operation,
			.by_backend = (uint8_t)by_backend,
		};
		free(r);
		return;
	}
	r->state = RQ_DONE;
	r->status = c->status;
	r->ret[0] = c->ret[0];
	r->ret[1] = c->ret[1];
	r->by_backend = (uint8_t)by_backend;
	r->t_complete = simbe_now_ns();
	wake(r);
}

static int by_handle(const void *a, const void *b)
{
	uint64_t x = (*(struct simreq *const *)a)->handle;
	uint64_t y = (*(struct simreq *const *)b)->handle;

	return x < y ? -1 : x > y;
}

void simbe_disconnect(struct transport *t, uint16_t domid, uint16_t devid)
{
	struct simbe *m = sb(t);
	struct vgpu_back_event ev = {
		.type = VGPU_BACK_EV_DISCONNECT,
		.vm = { .domid = domid, .devid = devid },
	};
	struct simreq **gone = malloc(SIMBE_SLOTS * sizeof(*gone));
	unsigned int i, j, n = 0;

	if (!gone)
		abort();
	pthread_mutex_lock(&m->lock);
	/* Unread REQUEST events of the device go away with it. */
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
			gone[n++] = r;
	}
	/* In the order they were queued, as the backend walks its list. */
	qsort(gone, n, sizeof(*gone), by_handle);
	for (i = 0; i < n; i++) {
		struct vgpu_back_completion c = {
			.handle = gone[i]->handle,
			.status = VGPUIF_RSP_NO_WORKER,
		};

		finish(m, (unsigned int)(c.handle & (SIMBE_SLOTS - 1)), &c, 1);
	}
	push_event(t, &ev);
	pthread_mutex_unlock(&m->lock);
	free(gone);
}

/*
 * Queues @r and returns its handle, read under the lock: a kept @r may be
 * gone as soon as the lock drops (a DISCONNECT on another thread).
 */
static uint64_t queue(struct transport *t, struct simreq *r)
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
	r->handle = ++m->seq << SLOT_BITS | s;
	r->state = RQ_QUEUED;
	ev.handle = r->handle;
	ev.vm = r->vm;
	ev.req = r->req;
	push_event(t, &ev);
	pthread_mutex_unlock(&m->lock);
	return ev.handle;
}

void simbe_submit(struct transport *t, struct simreq *r)
{
	queue(t, r);
}

uint64_t simbe_request(struct transport *t, const struct vgpu_back_vm *vm,
		       const struct vgpu_back_req *req, void *buf)
{
	struct simreq *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->vm = *vm;
	r->req = *req;
	r->buf = buf;
	r->kept = 1;
	return queue(t, r);
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

/* The request of @handle if it is in state @state, else NULL. Lock held. */
static struct simreq *lookup(struct simbe *m, uint64_t handle, uint32_t state)
{
	struct simreq *r = m->slot[handle & (SIMBE_SLOTS - 1)];

	return r && r->handle == handle && r->state == state ? r : NULL;
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
	if (m->read_max && max > m->read_max)
		max = m->read_max;
	n = m->ev_n < max ? m->ev_n : max;
	for (unsigned int i = 0; i < n; i++) {
		ev[i] = m->ev[m->ev_head + i];
		if (ev[i].type == VGPU_BACK_EV_REQUEST) {
			struct simreq *r = lookup(m, ev[i].handle, RQ_QUEUED);

			if (r)
				r->state = RQ_HELD;
		}
	}
	m->ev_head += n;
	m->ev_n -= n;
	if (n)
		m->st.reads++;
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
	m->st.writes++;
	for (i = 0; i < n; i++) {
		if (!lookup(m, c[i].handle, RQ_HELD)) {
			m->st.bad_completions++;
			break;
		}
		finish(m, (unsigned int)(c[i].handle & (SIMBE_SLOTS - 1)),
		       &c[i], 0);
	}
	pthread_mutex_unlock(&m->lock);
	return i == 0 && n ? -EINVAL : (int)i;
}

static int copy_allowed(const struct simreq *r, uint64_t offset,
			uint64_t len, uint32_t direction)
{
	return (direction == VGPU_BACK_COPY_FROM_GUEST ||
		direction == VGPU_BACK_COPY_TO_GUEST) &&
	       (vgpuif_op_dirs(r->req.operation) & direction) &&
	       offset <= r->req.data_len && len <= r->req.data_len - offset;
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
	uint8_t *g = NULL;

	atomic_fetch_add_explicit(&m->copies, 1, memory_order_relaxed);
	pthread_mutex_lock(&m->lock);
	r = lookup(m, handle, RQ_HELD);
	if (r && copy_allowed(r, offset, len, direction))
		g = (uint8_t *)r->buf + offset;
	pthread_mutex_unlock(&m->lock);
	if (!g) {
		atomic_fetch_add(&m->bad_copies, 1);
		return -EINVAL;
	}
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
		/* Kept requests still outstanding are the backend's to free. */
		for (unsigned int s = 0; s < SIMBE_SLOTS; s++)
			if (m->slot[s] && m->slot[s]->kept)
				free(m->slot[s]);
		pthread_mutex_destroy(&m->lock);
		free(m->ev);
		free(m->log);
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
	/* Slot 0 first: the first handles are 0x1000, 0x2001, ... */
	for (unsigned int s = 0; s < SIMBE_SLOTS; s++)
		m->free_list[s] = SIMBE_SLOTS - 1 - s;
	m->nfree = SIMBE_SLOTS;
	t->ops = &sim_ops;
	t->priv = m;
	t->fd = fd;
	t->rings = 0;
	atomic_init(&t->copies, 0);
	atomic_init(&t->enters, 0);
	return 0;
}

unsigned int simbe_nr_completions(struct transport *t)
{
	struct simbe *m = sb(t);
	unsigned int n;

	pthread_mutex_lock(&m->lock);
	n = m->log_n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

const struct simbe_completion *simbe_completion_at(struct transport *t,
						   unsigned int i)
{
	struct simbe *m = sb(t);
	const struct simbe_completion *c;

	pthread_mutex_lock(&m->lock);
	c = i < m->log_n ? &m->log[i] : NULL;
	pthread_mutex_unlock(&m->lock);
	return c;
}

const struct simbe_completion *simbe_completion_of(struct transport *t,
						   uint64_t handle)
{
	struct simbe *m = sb(t);
	const struct simbe_completion *c = NULL;

	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->log_n && !c; i++)
		if (m->log[i].c.handle == handle)
			c = &m->log[i];
	pthread_mutex_unlock(&m->lock);
	return c;
}

unsigned int simbe_pending_events(struct transport *t)
{
	struct simbe *m = sb(t);
	unsigned int n;

	pthread_mutex_lock(&m->lock);
	n = m->ev_n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

unsigned int simbe_held(struct transport *t)
{
	struct simbe *m = sb(t);
	unsigned int n = 0;

	pthread_mutex_lock(&m->lock);
	for (unsigned int s = 0; s < SIMBE_SLOTS; s++)
		n += m->slot[s] && m->slot[s]->state == RQ_HELD;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void simbe_set_read_max(struct transport *t, unsigned int max)
{
	struct simbe *m = sb(t);

	pthread_mutex_lock(&m->lock);
	m->read_max = max;
	pthread_mutex_unlock(&m->lock);
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
