// SPDX-License-Identifier: MIT
/*
 * The executor process's pipelined commands and its answers (see
 * cx_priv.h). An inline command whose work is all on the stream is queued
 * there and held until the stream gets past it, while the loop takes the
 * next; every answer, held or not, goes out through here, in the VM's
 * order.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>
#include <sys/socket.h>

#include <vgpu/vgpuif_ops.h>

#include "cx_priv.h"

void cx_doorbell(void)
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

void cx_answer(struct cx_rsp *r, uint32_t seq)
{
	r->seq = seq;
	r->mem_used = cx.allocs.used;
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
int cx_complete_ready(void)
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
		cx_answer(&e->rsp, e->seq);
		outq.head = (outq.head + 1) % CX_RING;
		outq.n--;
		n++;
	}
	if (n)
		cx_doorbell();
	return cx.lost ? -1 : 0;
}

/* Answers everything held, in order. 0, or -1: lost, exit. */
int cx_drain_held(void)
{
	while (outq.n) {
		if (cx_complete_ready())
			return -1;
		if (outq.n)
			cx_cpu_relax();
	}
	return 0;
}

int cx_pipelinable(const struct cx_cmd *c)
{
	if (!(c->flags & CX_CMD_F_INLINE))
		return 0;
	switch (c->req.operation) {
	case VGPUIF_OP_VECTOR_ADD:
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_LAUNCH:
	case VGPUIF_OP_SYNC:
	case VGPUIF_OP_MEM_SET:
	case VGPUIF_OP_MEM_COPY:
		return 1;
	default:
		return 0;
	}
}

/*
 * Queues an inline command's work on the stream and holds the command
 * until the stream gets past it. Nothing here waits for the GPU.
 */
void cx_run_async(const struct cx_cmd *c)
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
		st = cx_need_scratch();
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
		st = cx_check_range(c->req.u.mem.dptr, len);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->h2d(c->req.u.mem.dptr, in, len);
		break;
	case VGPUIF_OP_MEM_READ:
		st = cx_check_range(c->req.u.mem.dptr, len);
		if (st == VGPUIF_RSP_OKAY)
			st = cx.dev->d2h(in, c->req.u.mem.dptr, len);
		break;
	case VGPUIF_OP_LAUNCH:
		st = cx_launch(c, in);
		gpu = 0;	/* answered once queued */
		break;
	case VGPUIF_OP_MEM_SET:
	case VGPUIF_OP_MEM_COPY:
		st = cx_mem_set_copy(c);
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

int cx_held(void)
{
	return outq.n != 0;
}
