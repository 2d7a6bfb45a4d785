// SPDX-License-Identifier: MIT
/*
 * The executor process's data movement through the staging slots (see
 * cx_priv.h, ../exec_cuda_ipc.h): input chunks to the device or to the
 * host buffer, device memory to output chunks, and the commands built on
 * them (MEM_WRITE, MEM_READ, VECTOR_ADD).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include <vgpu/vgpuif_ops.h>

#include "cx_priv.h"

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

int32_t cx_in_to_host(const struct cx_cmd *c)
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

int32_t cx_xfer(const struct cx_cmd *c)
{
	uint64_t dptr = c->req.u.mem.dptr;
	int32_t st = cx_check_range(dptr, c->req.data_len);

	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (vgpuif_op_dirs(c->req.operation) & VGPUIF_DIR_FROM_GUEST)
		return in_to_device(c, dptr);
	return device_to_out(c, dptr);
}

/* One scratch of the largest size, kept: no allocation per add. */
int32_t cx_need_scratch(void)
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

int32_t cx_vector_add(const struct cx_cmd *c)
{
	uint32_t n = c->req.u.vector_add.n;
	int32_t st = cx_need_scratch();

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

void cx_xfer_begin(void)
{
	pend.head = pend.n = 0;
}

/* Returns @st, or if that is VGPUIF_RSP_OKAY, how the copies ended. */
int32_t cx_xfer_end(int32_t st)
{
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
	return st;
}
