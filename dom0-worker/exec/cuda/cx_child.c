// SPDX-License-Identifier: MIT
/* The executor process's command loop (see cx_child.h, ../exec_cuda_ipc.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <vgpu/vgpuif_ops.h>

#include "cx_child.h"

/* Launch blobs and module images are assembled here. */
#define CX_HOSTBUF_MAX		(VGPUIF_MAX_DATA_LEN + 1u)

struct cx_alloc {
	uint64_t dptr;
	uint64_t size;
};

struct cx_module {
	uint64_t handle;
	void *mod;
};

static struct {
	const struct cx_dev_ops *dev;
	struct cx_opts o;
	struct cx_ctrl *ctrl;
	uint8_t *staging;
	uint64_t spin_ns;

	struct cx_alloc *a;	/* sorted by dptr */
	uint32_t na, cap_a;
	uint64_t used;

	struct cx_module *m;
	uint32_t nm, cap_m;
	uint64_t next_handle;

	uint8_t *hostbuf;	/* CX_HOSTBUF_MAX bytes */
	uint64_t scratch;	/* vector add: a | b | c on the device */
	uint64_t scratch_size;

	uint32_t seq;		/* command being run */
	uint8_t prio;

	int err_code;		/* of the last device error */
	int lost;
} cx;

void cx_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "vgpu-cuda-exec[%d] %s: ", (int)getpid(),
		     cx.o.name ? cx.o.name : "-");
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", buf);
}

void cx_dev_error(int code, int lost)
{
	cx.err_code = code;
	if (lost)
		cx.lost = 1;
}

/* ---- allocations and modules ---- */

/* Index of the allocation holding dptr, or -1. */
static long find_alloc(uint64_t dptr)
{
	uint32_t lo = 0, hi = cx.na;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cx.a[mid].dptr <= dptr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	lo--;
	return dptr - cx.a[lo].dptr < cx.a[lo].size ? (long)lo : -1;
}

static int32_t do_alloc(const struct cx_cmd *c, uint64_t *ret)
{
	uint64_t size = c->req.u.mem.size, dptr = 0;
	uint64_t quota = c->mem_quota;
	uint32_t i;
	int32_t st;

	if (quota && (cx.used > quota || size > quota - cx.used))
		return VGPUIF_RSP_QUOTA;
	if (cx.na >= cx.o.max_allocs)
		return VGPUIF_RSP_NO_MEMORY;
	if (cx.na == cx.cap_a) {
		uint32_t cap = cx.cap_a ? cx.cap_a * 2 : 64;
		struct cx_alloc *a = realloc(cx.a, cap * sizeof(*a));

		if (!a)
			return VGPUIF_RSP_NO_MEMORY;
		cx.a = a;
		cx.cap_a = cap;
	}
	st = cx.dev->mem_alloc(size, &dptr);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	/* Keep the table sorted; device addresses come in any order. */
	for (i = cx.na; i > 0 && cx.a[i - 1].dptr > dptr; i--)
		cx.a[i] = cx.a[i - 1];
	cx.a[i] = (struct cx_alloc){ .dptr = dptr, .size = size };
	cx.na++;
	cx.used += size;
	*ret = dptr;
	return VGPUIF_RSP_OKAY;
}

static int32_t do_free(uint64_t dptr)
{
	long i = find_alloc(dptr);
	int32_t st;

	if (i < 0 || cx.a[i].dptr != dptr)
		return VGPUIF_RSP_BAD_HANDLE;
	st = cx.dev->mem_free(dptr);
	/* Forget it whatever the device said: it is not the VM's any more. */
	cx.used -= cx.a[i].size;
	memmove(&cx.a[i], &cx.a[i + 1], (cx.na - (uint32_t)i - 1) * sizeof(cx.a[0]));
	cx.na--;
	return st;
}

static long find_module(uint64_t handle)
{
	for (uint32_t i = 0; i < cx.nm; i++)
		if (cx.m[i].handle == handle)
			return (long)i;
	return -1;
}

/* ---- the chunk pipeline ---- */

/*
 * Copies queued on the device and not yet seen done, oldest first, for the
 * whole command: an input chunk's slot is published drained, an output
 * chunk's filled, once its copy is done. The stream runs them in order, so
 * the queue is polled from the head. A slot is reused only after its last
 * copy was seen done (see the waits below), so at most nslots are here.
 * Nothing waits for a copy before the next step is queued (H2D, kernel,
 * D2H go to the stream back to back, as a native program queues them);
 * the command drains the queue once, at its end.
 */
static struct pending {
	uint32_t t[CX_MAX_SLOTS];
	_Atomic uint32_t *word[CX_MAX_SLOTS];
	uint32_t head, n;
} pend;

static int aborted(void *arg)
{
	(void)arg;
	return atomic_load_explicit(&cx.ctrl->abort_seq, memory_order_acquire) ==
	       cx.seq;
}

static uint32_t slot_of(uint32_t t)
{
	return t % cx.ctrl->nslots;
}

/*
 * Publishes the done copies at the head. VGPUIF_RSP_OKAY, or an error
 * status (the copy failed: a fault of an earlier kernel, say).
 */
static int32_t poll_pending(void)
{
	while (pend.n) {
		uint32_t t = pend.t[pend.head];
		int32_t st = cx.dev->query(CX_EV_SLOT(slot_of(t)));

		if (st == 1)
			return VGPUIF_RSP_OKAY;
		if (st != VGPUIF_RSP_OKAY)
			return st;
		cx_publish(cx.ctrl, pend.word[pend.head], t);
		pend.head = (pend.head + 1) % CX_MAX_SLOTS;
		pend.n--;
	}
	return VGPUIF_RSP_OKAY;
}

static int32_t drain_pending(void)
{
	while (pend.n) {
		int32_t st = poll_pending();

		if (st != VGPUIF_RSP_OKAY)
			return st;
		if (pend.n)
			cx_cpu_relax();
	}
	return VGPUIF_RSP_OKAY;
}

static void push_pending(uint32_t t, _Atomic uint32_t *word)
{
	uint32_t i = (pend.head + pend.n) % CX_MAX_SLOTS;

	pend.t[i] = t;
	pend.word[i] = word;
	pend.n++;
}

/*
 * Waits for *word >= t while keeping the queue moving; sleeps only when
 * nothing of ours is on the device. VGPUIF_RSP_OKAY, an error from the
 * device, or VGPUIF_RSP_ERROR when the worker abandoned the command.
 */
static int32_t wait_word(_Atomic uint32_t *word, uint32_t t)
{
	uint64_t t0 = cx_now_ns();

	for (unsigned int i = 0;; i++) {
		int32_t st;

		if (cx_ticket_ge(atomic_load_explicit(word, memory_order_acquire), t))
			return VGPUIF_RSP_OKAY;
		st = poll_pending();
		if (st != VGPUIF_RSP_OKAY)
			return st;
		if ((i & 63) == 63 && aborted(NULL))
			return VGPUIF_RSP_ERROR;
		if (!pend.n && (i & 63) == 63 && cx_now_ns() - t0 > cx.spin_ns)
			return cx_wait_ticket(cx.ctrl, word, t, 0, aborted, NULL) ?
			       VGPUIF_RSP_ERROR : VGPUIF_RSP_OKAY;
		cx_cpu_relax();
	}
}

static uint32_t chunk_len(uint32_t total, uint32_t k)
{
	uint64_t off = (uint64_t)k * cx.ctrl->slot_size;
	uint64_t left = total - off;

	return (uint32_t)(left < cx.ctrl->slot_size ? left : cx.ctrl->slot_size);
}

/* Input chunks -> device memory at dptr (queued, not waited for). */
static int32_t in_to_device(const struct cx_cmd *c, uint64_t dptr)
{
	int32_t st;

	for (uint32_t k = 0; k < c->n_in; k++) {
		uint32_t t = c->first_ticket + k;

		st = wait_word(&cx.ctrl->filled[slot_of(t)], t);
		if (st != VGPUIF_RSP_OKAY)
			return st;
		st = cx.dev->h2d(dptr + (uint64_t)k * cx.ctrl->slot_size,
				 cx_slot(cx.ctrl, t), chunk_len(c->in_len, k));
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->record(CX_EV_SLOT(slot_of(t)));
		if (st != VGPUIF_RSP_OKAY)
			return st;
		push_pending(t, &cx.ctrl->drained[slot_of(t)]);
	}
	return VGPUIF_RSP_OKAY;
}

/* The command's input -> cx.hostbuf (NUL-terminated). */
static int32_t in_to_host(const struct cx_cmd *c)
{
	if (c->flags & CX_CMD_F_INLINE) {
		memcpy(cx.hostbuf, cx_inline(cx.ctrl, c->seq), c->in_len);
		cx.hostbuf[c->in_len] = '\0';
		return VGPUIF_RSP_OKAY;
	}
	for (uint32_t k = 0; k < c->n_in; k++) {
		uint32_t t = c->first_ticket + k;
		int32_t st = wait_word(&cx.ctrl->filled[slot_of(t)], t);

		if (st != VGPUIF_RSP_OKAY)
			return st;
		memcpy(cx.hostbuf + (uint64_t)k * cx.ctrl->slot_size,
		       cx_slot(cx.ctrl, t), chunk_len(c->in_len, k));
		cx_publish(cx.ctrl, &cx.ctrl->drained[slot_of(t)], t);
	}
	cx.hostbuf[c->in_len] = '\0';
	return VGPUIF_RSP_OKAY;
}

/* Device memory at dptr -> output chunks (queued, not waited for). */
static int32_t device_to_out(const struct cx_cmd *c, uint64_t dptr)
{
	uint32_t first = c->first_ticket + c->n_in;
	uint32_t ns = cx.ctrl->nslots;
	int32_t st;

	for (uint32_t k = 0; k < c->n_out; k++) {
		uint32_t t = first + k;

		/*
		 * The slot's last user (in this command, or the worker still
		 * copying out an earlier one) must be done with it.
		 */
		st = wait_word(&cx.ctrl->drained[slot_of(t)], t - ns);
		if (st != VGPUIF_RSP_OKAY)
			return st;
		st = cx.dev->d2h(cx_slot(cx.ctrl, t),
				 dptr + (uint64_t)k * cx.ctrl->slot_size,
				 chunk_len(c->out_len, k));
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->record(CX_EV_SLOT(slot_of(t)));
		if (st != VGPUIF_RSP_OKAY)
			return st;
		push_pending(t, &cx.ctrl->filled[slot_of(t)]);
	}
	return VGPUIF_RSP_OKAY;
}

/* ---- operations ---- */

/* [dptr, dptr + len) inside one allocation of the VM? */
static int32_t check_range(uint64_t dptr, uint32_t len)
{
	long i = find_alloc(dptr);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	if (len > cx.a[i].size - (dptr - cx.a[i].dptr))
		return VGPUIF_RSP_RANGE;
	return VGPUIF_RSP_OKAY;
}

static int32_t do_xfer(const struct cx_cmd *c)
{
	uint64_t dptr = c->req.u.mem.dptr;
	int32_t st = check_range(dptr, c->req.data_len);

	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (vgpuif_op_dirs(c->req.operation) & VGPUIF_DIR_FROM_GUEST)
		return in_to_device(c, dptr);
	return device_to_out(c, dptr);
}

static int32_t do_module_load(const struct cx_cmd *c, uint64_t *ret)
{
	void *mod = NULL;
	int32_t st;

	st = in_to_host(c);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (cx.nm >= cx.o.max_modules)
		return VGPUIF_RSP_NO_MEMORY;
	if (cx.nm == cx.cap_m) {
		uint32_t cap = cx.cap_m ? cx.cap_m * 2 : 16;
		struct cx_module *m = realloc(cx.m, cap * sizeof(*m));

		if (!m)
			return VGPUIF_RSP_NO_MEMORY;
		cx.m = m;
		cx.cap_m = cap;
	}
	st = cx.dev->module_load(cx.hostbuf, c->in_len, &mod);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	cx.m[cx.nm++] = (struct cx_module){ .handle = cx.next_handle, .mod = mod };
	*ret = cx.next_handle++;
	return VGPUIF_RSP_OKAY;
}

static int32_t do_module_unload(uint64_t handle)
{
	long i = find_module(handle);
	int32_t st;

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	st = cx.dev->module_unload(cx.m[i].mod);
	cx.m[i] = cx.m[--cx.nm];
	return st;
}

/* LAUNCH of the name and parameters in @blob (the request's data). */
static int32_t launch_blob(const struct cx_cmd *c, const uint8_t *blob)
{
	const struct vgpuif_launch_args *l = &c->req.u.launch;
	char name[VGPUIF_MAX_FUNC_NAME + 1];
	long i = find_module(l->module);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	memcpy(name, blob, l->name_len);
	name[l->name_len] = '\0';
	if (strlen(name) != l->name_len)
		return VGPUIF_RSP_NOT_FOUND;	/* a NUL inside names nothing */
	return cx.dev->launch(cx.m[i].mod, name, l,
			      blob + VGPUIF_ALIGN8((uint32_t)l->name_len),
			      l->params_len);
}

static int32_t do_launch(const struct cx_cmd *c)
{
	int32_t st = in_to_host(c);

	return st == VGPUIF_RSP_OKAY ? launch_blob(c, cx.hostbuf) : st;
}

/* One scratch of the largest size, kept: no allocation per add. */
static int32_t need_scratch(void)
{
	uint64_t need = 12ull * VGPUIF_VECTOR_ADD_MAX;
	int32_t st;

	if (cx.scratch)
		return VGPUIF_RSP_OKAY;
	st = cx.dev->mem_alloc(need, &cx.scratch);
	if (st == VGPUIF_RSP_OKAY)
		cx.scratch_size = need;
	return st;
}

static int32_t do_vector_add(const struct cx_cmd *c)
{
	uint32_t n = c->req.u.vector_add.n;
	int32_t st = need_scratch();

	if (st != VGPUIF_RSP_OKAY)
		return st;
	/* a | b land together, as the guest laid them out. */
	st = in_to_device(c, cx.scratch);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	st = cx.dev->vector_add(cx.scratch, cx.scratch + 4ull * n,
				cx.scratch + 8ull * VGPUIF_VECTOR_ADD_MAX, n);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	return device_to_out(c, cx.scratch + 8ull * VGPUIF_VECTOR_ADD_MAX);
}

static void run(const struct cx_cmd *c, struct cx_rsp *r)
{
	uint64_t t0 = cx_now_ns();
	int32_t st = VGPUIF_RSP_OKAY;

	pend.head = pend.n = 0;
	{
		switch (c->req.operation) {
		case VGPUIF_OP_NOP:
			break;
		case VGPUIF_OP_GET_INFO:
			st = cx.dev->mem_info(&r->mem_free, &r->mem_total);
			break;
		case VGPUIF_OP_MEM_ALLOC:
			st = do_alloc(c, &r->ret[0]);
			break;
		case VGPUIF_OP_MEM_FREE:
			st = do_free(c->req.u.mem.dptr);
			break;
		case VGPUIF_OP_MEM_WRITE:
		case VGPUIF_OP_MEM_READ:
			st = do_xfer(c);
			break;
		case VGPUIF_OP_MODULE_LOAD:
			st = do_module_load(c, &r->ret[0]);
			break;
		case VGPUIF_OP_MODULE_UNLOAD:
			st = do_module_unload(c->req.u.module.handle);
			break;
		case VGPUIF_OP_LAUNCH:
			st = do_launch(c);
			break;
		case VGPUIF_OP_SYNC:
			st = cx.dev->sync();
			break;
		case VGPUIF_OP_VECTOR_ADD:
			st = do_vector_add(c);
			break;
		default:
			st = VGPUIF_RSP_INVALID;
			break;
		}
	}
	/*
	 * Every copy of the command is done before the answer, whatever the
	 * status: the worker reuses the slots for the next command.
	 */
	if (pend.n) {
		int32_t d = drain_pending();

		if (st == VGPUIF_RSP_OKAY)
			st = d;
		/* A device that cannot finish them is lost: the process goes. */
		if (d != VGPUIF_RSP_OKAY && pend.n)
			cx.lost = 1;
	}
	r->status = st;
	r->cu_error = st == VGPUIF_RSP_OKAY ? 0 : cx.err_code;
	r->gpu_ns = cx_now_ns() - t0;
}

/* ---- pipelined commands ---- */

static void doorbell(void)
{
	char b = 1;

	/* A full socket already holds a doorbell: nothing is lost. */
	(void)send(cx.o.sock_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Commands taken and not answered, oldest first. */
struct held {
	uint32_t seq;
	int has_ev;	/* answered once the stream passes its event */
	uint64_t t0;
	struct cx_rsp rsp;
};

static struct {
	struct held e[CX_RING];
	uint32_t head, n;
} outq;

static void publish(struct cx_rsp *r, uint32_t seq)
{
	r->seq = seq;
	r->mem_used = cx.used;
	if (cx.lost)
		r->flags |= CX_RSP_F_LOST;
	cx.ctrl->rsp[seq % CX_RING] = *r;
	atomic_store_explicit(&cx.ctrl->rsp_seq, seq, memory_order_release);
}

/*
 * Answers the commands at the head whose work is done. 0, or -1 when the
 * context is lost: then every command held is answered (FAULT, LOST) and
 * the process must exit.
 */
static int complete_ready(void)
{
	int n = 0;

	while (outq.n) {
		struct held *e = &outq.e[outq.head];

		if (e->has_ev && !cx.lost) {
			int32_t st = cx.dev->query(CX_EV_CMD(cx.ctrl, e->seq));

			if (st == 1)
				break;
			if (st != VGPUIF_RSP_OKAY) {
				e->rsp.status = st;
				e->rsp.cu_error = cx.err_code;
			}
		} else if (cx.lost && e->rsp.status == VGPUIF_RSP_OKAY) {
			/* Queued behind the fault: its work is gone with the context. */
			e->rsp.status = VGPUIF_RSP_FAULT;
			e->rsp.cu_error = cx.err_code;
		}
		e->rsp.gpu_ns = cx_now_ns() - e->t0;
		publish(&e->rsp, e->seq);
		outq.head = (outq.head + 1) % CX_RING;
		outq.n--;
		n++;
	}
	if (n)
		doorbell();
	return cx.lost ? -1 : 0;
}

/* Answers everything held, in order. 0, or -1: lost, exit. */
static int drain_outq(void)
{
	while (outq.n) {
		if (complete_ready())
			return -1;
		if (outq.n)
			cx_cpu_relax();
	}
	return 0;
}

static int pipelinable(const struct cx_cmd *c)
{
	if (!(c->flags & CX_CMD_F_INLINE))
		return 0;
	switch (c->req.operation) {
	case VGPUIF_OP_VECTOR_ADD:
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_LAUNCH:
	case VGPUIF_OP_SYNC:
		return 1;
	default:
		return 0;
	}
}

/*
 * Queues an inline command's work on the stream and holds the command
 * until the stream gets past it. Nothing here waits for the GPU.
 */
static void run_async(const struct cx_cmd *c)
{
	struct held *e = &outq.e[(outq.head + outq.n) % CX_RING];
	uint8_t *in = cx_inline(cx.ctrl, c->seq);
	uint32_t len = c->req.data_len;
	int32_t st = VGPUIF_RSP_OKAY;
	int gpu = 1;

	memset(e, 0, sizeof(*e));
	e->seq = c->seq;
	e->t0 = cx_now_ns();
	switch (c->req.operation) {
	case VGPUIF_OP_VECTOR_ADD: {
		uint32_t n = c->req.u.vector_add.n;

		if (cx.ctrl->zero_copy) {
			/* In place: the kernel reads a, b and writes c over PCIe. */
			uint64_t d = cx.dev->host_devptr(in);

			st = cx.dev->vector_add(d, d + 4ull * n, d + 8ull * n, n);
			break;
		}
		st = need_scratch();
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->h2d(cx.scratch, in, 8ull * n);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->vector_add(cx.scratch, cx.scratch + 4ull * n,
						cx.scratch + 8ull * VGPUIF_VECTOR_ADD_MAX, n);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->d2h(in + 8ull * n,
					 cx.scratch + 8ull * VGPUIF_VECTOR_ADD_MAX,
					 4ull * n);
		break;
	}
	case VGPUIF_OP_MEM_WRITE:
		st = check_range(c->req.u.mem.dptr, len);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->h2d(c->req.u.mem.dptr, in, len);
		break;
	case VGPUIF_OP_MEM_READ:
		st = check_range(c->req.u.mem.dptr, len);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->d2h(in, c->req.u.mem.dptr, len);
		break;
	case VGPUIF_OP_LAUNCH:
		st = launch_blob(c, in);
		gpu = 0;	/* answered once queued */
		break;
	default:	/* SYNC: done when everything before it is */
		break;
	}
	if (st == VGPUIF_RSP_OKAY && gpu)
		st = cx.dev->record(CX_EV_CMD(cx.ctrl, c->seq));
	e->rsp.status = st;
	e->rsp.cu_error = st == VGPUIF_RSP_OKAY ? 0 : cx.err_code;
	e->has_ev = st == VGPUIF_RSP_OKAY && gpu;
	outq.n++;
}

/* Runs or queues one command. 0, or -1: the context is lost, exit. */
static int take(const struct cx_cmd *c)
{
	struct cx_rsp r = { 0 };

	cx.seq = c->seq;
	cx.err_code = 0;
	if (c->priority != cx.prio) {
		int32_t st;

		/* The VM's order holds across streams: what is queued finishes. */
		if (drain_outq())
			return -1;
		st = cx.dev->set_prio(c->priority);
		if (st != VGPUIF_RSP_OKAY) {
			r.status = st;
			r.cu_error = cx.err_code;
			publish(&r, c->seq);
			doorbell();
			return cx.lost ? -1 : 0;
		}
		cx.prio = c->priority;
	}
	if (pipelinable(c)) {
		run_async(c);
		return complete_ready();
	}
	if (drain_outq())
		return -1;
	cx.seq = c->seq;
	cx.err_code = 0;
	run(c, &r);
	publish(&r, c->seq);
	doorbell();
	return cx.lost ? -1 : 0;
}

/* ---- process plumbing ---- */

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct cx_opts *o)
{
	static const struct option opts[] = {
		{ "sock-fd", required_argument, NULL, 's' },
		{ "shm-fd", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "sched", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' },
		{ "spin-us", required_argument, NULL, 'p' },
		{ "max-allocs", required_argument, NULL, 'a' },
		{ "max-modules", required_argument, NULL, 'M' },
		{ "handle-base", required_argument, NULL, 'H' },
		{ "probe", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	*o = (struct cx_opts){
		.sock_fd = CX_SOCK_FD, .shm_fd = CX_SHM_FD, .sched = "auto",
		.name = "-", .spin_us = 50, .max_allocs = 65536,
		.max_modules = 1024, .handle_base = 1,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o->sched = optarg;
			continue;
		case 'n':
			o->name = optarg;
			continue;
		case 'P':
			o->probe = 1;
			continue;
		case 'H': {
			char *end;

			errno = 0;
			o->handle_base = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || !o->handle_base)
				return -1;
			continue;
		}
		case '?':
			return -1;
		default:
			break;
		}
		if (parse_u32(optarg, &v))
			return -1;
		switch (c) {
		case 's': o->sock_fd = (int)v; break;
		case 'm': o->shm_fd = (int)v; break;
		case 'd': o->device = (int)v; break;
		case 'p': o->spin_us = v; break;
		case 'a': o->max_allocs = v; break;
		case 'M': o->max_modules = v; break;
		}
	}
	return optind == argc ? 0 : -1;
}


/* Waits for command @seq. 0, or -1 when the worker went away. */
static int wait_command(uint32_t seq)
{
	struct cx_ctrl *c = cx.ctrl;
	uint64_t t0 = cx_now_ns();

	for (unsigned int i = 0;; i++) {
		if (cx_ticket_ge(atomic_load_explicit(&c->cmd_seq, memory_order_acquire), seq))
			return 0;
		if ((i & 63) == 63 && cx_now_ns() - t0 > cx.spin_ns)
			break;
		cx_cpu_relax();
	}
	for (;;) {
		char buf[16];
		ssize_t n;

		atomic_store(&c->cmd_waiting, 1);
		if (cx_ticket_ge(atomic_load(&c->cmd_seq), seq)) {
			atomic_store(&c->cmd_waiting, 0);
			return 0;
		}
		n = recv(cx.o.sock_fd, buf, sizeof(buf), 0);
		atomic_store(&c->cmd_waiting, 0);
		if (n == 0)
			return -1;
		if (n < 0 && errno != EINTR)
			return -1;
		if (cx_ticket_ge(atomic_load_explicit(&c->cmd_seq, memory_order_acquire), seq))
			return 0;
	}
}

static int map_shm(void)
{
	struct stat st;
	struct cx_ctrl *c;

	if (fstat(cx.o.shm_fd, &st) || (uint64_t)st.st_size < CX_CTRL_SIZE)
		return -1;
	c = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 cx.o.shm_fd, 0);
	if (c == MAP_FAILED)
		return -1;
	if (c->magic != CX_MAGIC || c->version != CX_VERSION ||
	    c->nslots < 1 || c->nslots > CX_MAX_SLOTS ||
	    !c->slot_size || c->slot_size % 4096 ||
	    !c->inline_size || c->inline_size % 4096 ||
	    c->shm_size != (uint64_t)st.st_size ||
	    c->shm_size != cx_shm_size(c->nslots, c->slot_size, c->inline_size))
		return -1;
	cx.ctrl = c;
	cx.staging = (uint8_t *)c + CX_CTRL_SIZE;
	return 0;
}

int cx_child_main(const struct cx_dev_ops *dev, int argc, char **argv)
{
	uint32_t seq = 0;
	int err;

	cx.dev = dev;
	if (parse_args(argc, argv, &cx.o)) {
		fprintf(stderr, "usage: vgpu-cuda-exec --sock-fd N --shm-fd N [--device N] [--sched auto|spin|yield|block] [--name S] [--spin-us N] [--max-allocs N] [--max-modules N] [--handle-base N] | --probe [--device N]\n");
		return CX_EXIT_USAGE;
	}
	if (cx.o.probe)
		return dev->probe(&cx.o, stdout);
	/* Die with the worker; if it is already gone, go now. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return CX_EXIT_OK;
	signal(SIGPIPE, SIG_IGN);
	cx.spin_ns = (uint64_t)cx.o.spin_us * 1000u;
	cx.next_handle = cx.o.handle_base;
	cx.prio = VGPUIF_PRIO_MEDIUM;
	if (map_shm()) {
		cx_log("bad shared memory on fd %d", cx.o.shm_fd);
		return CX_EXIT_INIT;
	}
	cx.hostbuf = malloc(CX_HOSTBUF_MAX);
	err = cx.hostbuf ? dev->init(&cx.o, cx.ctrl, cx.staging,
				     cx.ctrl->shm_size - CX_CTRL_SIZE) : -1;
	if (err) {
		cx.ctrl->init_cu_error = err;
		atomic_store(&cx.ctrl->ready, CX_READY_FAILED);
		doorbell();
		cx_log("device start-up failed: error %d", err);
		return CX_EXIT_INIT;
	}
	atomic_store(&cx.ctrl->ready, CX_READY_OK);
	doorbell();

	/*
	 * Answer what is done, take what is posted, spin while work is on
	 * the GPU, sleep when there is nothing at all.
	 */
	for (;;) {
		struct cx_cmd c;

		if (complete_ready())
			break;
		if (cx_ticket_ge(atomic_load_explicit(&cx.ctrl->cmd_seq,
						      memory_order_acquire), seq + 1)) {
			seq++;
			c = cx.ctrl->cmd[seq % CX_RING];
			if (c.flags & CX_CMD_F_EXIT)
				return CX_EXIT_OK;
			if (take(&c))
				break;
			continue;
		}
		if (outq.n) {
			cx_cpu_relax();
			continue;
		}
		if (wait_command(seq + 1))
			return CX_EXIT_OK;
	}
	cx_log("context lost (error %d): exiting for a fresh one", cx.err_code);
	return CX_EXIT_LOST;
}
