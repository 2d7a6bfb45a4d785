// SPDX-License-Identifier: MIT
/* In-memory backend for tests and simulation (see transport_mem.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "transport_mem.h"

enum { RQ_QUEUED, RQ_HELD, RQ_DONE };

struct tmem_req {
	uint64_t handle;
	struct vgpu_back_vm vm;
	struct vgpu_back_req req;
	uint8_t *buf;
	int state;
};

struct tmem {
	struct vgpu_back_event *ev;	/* FIFO of events not yet read */
	unsigned int ev_head, ev_n, ev_cap;
	struct tmem_req *rq;		/* every request ever queued */
	unsigned int rq_n, rq_cap;
	struct tmem_completion *done;
	unsigned int done_n, done_cap;
	unsigned int read_max;
	uint64_t next_handle;
	struct tmem_stats st;
};

static void *grow(void *p, unsigned int *cap, size_t elem)
{
	unsigned int ncap = *cap ? *cap * 2 : 16;
	void *np = realloc(p, (size_t)ncap * elem);

	if (!np)
		abort();	/* test helper: no way to go on */
	*cap = ncap;
	return np;
}

static struct tmem *tm(struct transport *t)
{
	return t->priv;
}

static void signal_events(struct transport *t)
{
	uint64_t v;

	if (tm(t)->ev_n) {
		v = 1;
		if (write(t->fd, &v, sizeof(v)) < 0)
			abort();
	} else if (read(t->fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		abort();
	}
}

void tmem_push_event(struct transport *t, const struct vgpu_back_event *ev)
{
	struct tmem *m = tm(t);

	if (m->ev_head + m->ev_n == m->ev_cap) {
		if (m->ev_head) {
			memmove(m->ev, m->ev + m->ev_head, m->ev_n * sizeof(*m->ev));
			m->ev_head = 0;
		} else {
			m->ev = grow(m->ev, &m->ev_cap, sizeof(*m->ev));
		}
	}
	m->ev[m->ev_head + m->ev_n++] = *ev;
	signal_events(t);
}

static void push_vm_event(struct transport *t, uint32_t type,
			  const struct vgpu_back_vm *vm)
{
	struct vgpu_back_event ev = { .type = type, .vm = *vm };

	tmem_push_event(t, &ev);
}

void tmem_connect(struct transport *t, const struct vgpu_back_vm *vm)
{
	push_vm_event(t, VGPU_BACK_EV_CONNECT, vm);
}

void tmem_config(struct transport *t, const struct vgpu_back_vm *vm)
{
	push_vm_event(t, VGPU_BACK_EV_CONFIG, vm);
}

static void record_completion(struct tmem *m, struct tmem_req *r,
			      const struct vgpu_back_completion *c,
			      int by_backend)
{
	if (m->done_n == m->done_cap)
		m->done = grow(m->done, &m->done_cap, sizeof(*m->done));
	m->done[m->done_n++] = (struct tmem_completion){
		.c = *c,
		.domid = r->vm.domid,
		.devid = r->vm.devid,
		.operation = r->req.operation,
		.by_backend = (uint8_t)by_backend,
	};
	r->state = RQ_DONE;
}

void tmem_disconnect(struct transport *t, uint16_t domid, uint16_t devid)
{
	struct tmem *m = tm(t);
	struct vgpu_back_vm vm = { .domid = domid, .devid = devid };
	unsigned int i, j;

	/* Unread REQUEST events of the device go away with it. */
	for (i = j = 0; i < m->ev_n; i++) {
		const struct vgpu_back_event *ev = &m->ev[m->ev_head + i];

		if (ev->type == VGPU_BACK_EV_REQUEST && ev->vm.domid == domid &&
		    ev->vm.devid == devid)
			continue;
		m->ev[m->ev_head + j++] = *ev;
	}
	m->ev_n = j;
	for (i = 0; i < m->rq_n; i++) {
		struct tmem_req *r = &m->rq[i];
		struct vgpu_back_completion c = {
			.handle = r->handle,
			.status = VGPUIF_RSP_NO_WORKER,
		};

		if (r->state != RQ_DONE && r->vm.domid == domid &&
		    r->vm.devid == devid)
			record_completion(m, r, &c, 1);
	}
	push_vm_event(t, VGPU_BACK_EV_DISCONNECT, &vm);
}

uint64_t tmem_request(struct transport *t, const struct vgpu_back_vm *vm,
		      const struct vgpu_back_req *req, void *buf)
{
	struct tmem *m = tm(t);
	struct vgpu_back_event ev = {
		.type = VGPU_BACK_EV_REQUEST,
		.handle = m->next_handle++,
		.vm = *vm,
		.req = *req,
	};

	if (m->rq_n == m->rq_cap)
		m->rq = grow(m->rq, &m->rq_cap, sizeof(*m->rq));
	m->rq[m->rq_n++] = (struct tmem_req){
		.handle = ev.handle,
		.vm = *vm,
		.req = *req,
		.buf = buf,
		.state = RQ_QUEUED,
	};
	tmem_push_event(t, &ev);
	return ev.handle;
}

static struct tmem_req *find_req(struct tmem *m, uint64_t handle)
{
	/* Handles are dense from the first one: index directly. */
	if (m->rq_n && handle >= m->rq[0].handle &&
	    handle - m->rq[0].handle < m->rq_n)
		return &m->rq[handle - m->rq[0].handle];
	return NULL;
}

static int mem_pollfd(struct transport *t)
{
	return t->fd;
}

static int mem_read_events(struct transport *t, struct vgpu_back_event *ev,
			   unsigned int max)
{
	struct tmem *m = tm(t);
	unsigned int n;

	if (!max)
		return -EINVAL;
	if (m->read_max && max > m->read_max)
		max = m->read_max;
	n = m->ev_n < max ? m->ev_n : max;
	for (unsigned int i = 0; i < n; i++) {
		ev[i] = m->ev[m->ev_head + i];
		if (ev[i].type == VGPU_BACK_EV_REQUEST) {
			struct tmem_req *r = find_req(m, ev[i].handle);

			if (r && r->state == RQ_QUEUED)
				r->state = RQ_HELD;
		}
	}
	m->ev_head += n;
	m->ev_n -= n;
	if (!m->ev_n)
		m->ev_head = 0;
	if (n)
		m->st.reads++;
	signal_events(t);
	return (int)n;
}

static int mem_write_completions(struct transport *t,
				 const struct vgpu_back_completion *c,
				 unsigned int n)
{
	struct tmem *m = tm(t);
	unsigned int i;

	m->st.writes++;
	for (i = 0; i < n; i++) {
		struct tmem_req *r = find_req(m, c[i].handle);

		if (!r || r->state != RQ_HELD) {
			m->st.bad_completions++;
			break;
		}
		record_completion(m, r, &c[i], 0);
	}
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

static int mem_copy(struct transport *t, uint64_t handle, uint64_t offset,
		    void *buf, uint64_t len, uint32_t direction)
{
	struct tmem *m = tm(t);
	struct tmem_req *r = find_req(m, handle);

	m->st.copies++;
	if (!r || r->state != RQ_HELD || !op_allows(r->req.operation, direction) ||
	    offset > r->req.data_len || len > r->req.data_len - offset) {
		m->st.bad_copies++;
		return -EINVAL;
	}
	if (direction == VGPU_BACK_COPY_FROM_GUEST) {
		memcpy(buf, r->buf + offset, len);
		m->st.bytes_from_guest += len;
	} else {
		memcpy(r->buf + offset, buf, len);
		m->st.bytes_to_guest += len;
	}
	return 0;
}

static void mem_close(struct transport *t)
{
	struct tmem *m = tm(t);

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (m) {
		free(m->ev);
		free(m->rq);
		free(m->done);
		free(m);
	}
	t->priv = NULL;
}

static const struct transport_ops mem_ops = {
	.pollfd = mem_pollfd,
	.read_events = mem_read_events,
	.write_completions = mem_write_completions,
	.copy = mem_copy,
	.close = mem_close,
};

int transport_mem_open(struct transport *t)
{
	struct tmem *m = calloc(1, sizeof(*m));
	int fd;

	if (!m)
		return -ENOMEM;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0) {
		free(m);
		return -errno;
	}
	m->next_handle = 0x1000;
	t->ops = &mem_ops;
	t->priv = m;
	t->fd = fd;
	return 0;
}

unsigned int tmem_nr_completions(struct transport *t)
{
	return tm(t)->done_n;
}

const struct tmem_completion *tmem_completion_at(struct transport *t,
						 unsigned int i)
{
	return i < tm(t)->done_n ? &tm(t)->done[i] : NULL;
}

const struct tmem_completion *tmem_completion_of(struct transport *t,
						 uint64_t handle)
{
	struct tmem *m = tm(t);

	for (unsigned int i = 0; i < m->done_n; i++)
		if (m->done[i].c.handle == handle)
			return &m->done[i];
	return NULL;
}

unsigned int tmem_pending_events(struct transport *t)
{
	return tm(t)->ev_n;
}

unsigned int tmem_held(struct transport *t)
{
	struct tmem *m = tm(t);
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->rq_n; i++)
		n += m->rq[i].state == RQ_HELD;
	return n;
}

void tmem_set_read_max(struct transport *t, unsigned int max)
{
	tm(t)->read_max = max;
}

void tmem_get_stats(struct transport *t, struct tmem_stats *st)
{
	*st = tm(t)->st;
}
