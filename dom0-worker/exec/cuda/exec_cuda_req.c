// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's requests (exec_cuda_priv.h): post a VM's requests to
 * its process, inline or through the staging slots, and take the answers
 * in order.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <vgpu/vgpuif_ops.h>

#include "exec_cuda_priv.h"
#include "log.h"

static void ring(struct cx_inst *in)
{
	char b = 1;

	if (atomic_load(&in->ctrl->cmd_waiting))
		(void)send(in->sock, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Tickets [first, first + n) will not be moved: publish them drained (a
 * slot's word only grows), so that the waits of later chunks on the same
 * slots end. Every ticket taken is published, one way or the other.
 */
static void release_tickets(struct cx_inst *in, uint32_t first, uint32_t n)
{
	struct cx_ctrl *c = in->ctrl;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t t = first + k;
		_Atomic uint32_t *d = &c->drained[t % in->geom.nslots];

		if (!cx_ticket_ge(atomic_load(d), t))
			cx_publish(c, d, t);
	}
}

/* Sends a slotted request (data through the staging slots). */
static void post_slotted(struct cuda_exec *cx, struct cx_req *r)
{
	struct cx_inst *in = r->ch->inst;
	struct cx_ctrl *c = in->ctrl;
	/*
	 * With copy threads every chunk is theirs (a slot may still be in
	 * use by the request before, so a chunk may have to wait); without,
	 * this request is alone in the slots and small parts are copied
	 * here at once.
	 */
	int pooled_in = cx->nthreads ? r->n_in > 0 : r->in_len > cx->p.inline_max;
	int pooled_out = cx->nthreads ? r->n_out > 0 : r->out_len > cx->p.inline_max;
	int err;

	r->first = in->next_ticket;
	in->next_ticket += r->n_in + r->n_out;
	if (!in->next_ticket)
		in->next_ticket = 1;	/* never 0: the slots' initial value */
	if (!pooled_in && r->n_in) {
		err = cx_copy_inline(cx, r, 0);
		if (err) {
			log_debug("vm %s: copy from the guest failed: %s",
				  r->ch->name, strerror(-err));
			/* Never posted: its tickets are released here. */
			release_tickets(in, r->first, r->n_in + r->n_out);
			cx_finish_now(r, VGPUIF_RSP_ERROR);
			return;
		}
	}
	r->seq = ++in->seq;
	c->cmd[r->seq % CX_RING] = (struct cx_cmd){
		.seq = r->seq,
		.req = r->req,
		.mem_quota = r->ch->vm->cfg.mem_quota,
		.first_ticket = r->first,
		.n_in = r->n_in,
		.n_out = r->n_out,
		.in_len = r->in_len,
		.out_len = r->out_len,
		.priority = r->ch->vm->cfg.priority,
	};
	atomic_store(&c->cmd_seq, r->seq);
	ring(in);
	r->state = RQ_SENT;
	in->users++;
	r->ch->nslotted++;
	r->deadline = cx->p.request_timeout_ms ?
		      cx_now_ns() + cx->p.request_timeout_ms * 1000000ull : 0;

	if (!pooled_in && !pooled_out)
		return;
	r->sync_copies = cx->nthreads == 0;
	atomic_store(&r->tasks_left, (int)((pooled_in ? r->n_in : 0) +
					   (pooled_out ? r->n_out : 0)));
	if (r->sync_copies) {
		/*
		 * No helper threads: this thread moves every chunk, in order,
		 * as far as the process lets it now; reap does the rest.
		 */
		r->sync_in = (uint8_t)pooled_in;
		r->sync_total = (uint32_t)atomic_load(&r->tasks_left);
		cx_sync_copies(cx, r);
		return;
	}
	if (cx_pool_push(cx, r, pooled_in, pooled_out)) {
		log_error("vm %s: out of memory for copy tasks", r->ch->name);
		atomic_store(&r->tasks_left, 0);
		atomic_store(&r->cancel, 1);
		/* The process waits for chunks that will not come. */
		atomic_store(&c->abort_seq, r->seq);
	}
}

/* Sends a request whose data fits the command's inline area. */
static void post_inline(struct cuda_exec *cx, struct cx_req *r)
{
	struct cx_inst *in = r->ch->inst;
	struct cx_ctrl *c = in->ctrl;
	uint32_t seq = in->seq + 1;

	if (r->in_len && exec_copy(r->data, VGPU_BACK_COPY_FROM_GUEST, 0,
				   cx_geom_inline(c, &in->geom, seq), r->in_len)) {
		log_debug("vm %s: copy from the guest failed", r->ch->name);
		cx_finish_now(r, VGPUIF_RSP_ERROR);
		return;
	}
	r->seq = in->seq = seq;
	c->cmd[seq % CX_RING] = (struct cx_cmd){
		.seq = seq,
		/*
		 * The executor's own SYNC is not pipelined: the process waits
		 * for the stream the way --cuda-sched says (it may sleep),
		 * not by polling an event in its loop for a kernel's whole
		 * run.
		 */
		.flags = r->own ? 0 : CX_CMD_F_INLINE,
		.req = r->req,
		.mem_quota = r->ch->vm->cfg.mem_quota,
		.in_len = r->in_len,
		.out_len = r->out_len,
		.priority = r->ch->vm->cfg.priority,
	};
	atomic_store(&c->cmd_seq, seq);
	ring(in);
	r->state = RQ_SENT;
	if (r->in_len)
		cx->st.inline_chunks++;
}

/*
 * After a LAUNCH the process has answered, the kernel may still run with
 * nothing of the VM's in the process, where the watchdog (which times the
 * oldest command in a process) would not see it. A SYNC of the
 * executor's own follows: watched like any command, never reported.
 */
static void watch_kernel(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_req *r = calloc(1, sizeof(*r));

	if (!r) {
		log_error("vm %s: out of memory: its running kernel is not watched",
			  ch->name);
		return;
	}
	r->ch = ch;
	r->own = 1;
	r->inl = 1;
	r->req.operation = VGPUIF_OP_SYNC;
	r->inst = ch->inst;
	if (ch->tail)
		ch->tail->next = r;
	else
		ch->head = r;
	ch->tail = r;
	post_inline(cx, r);
	if (++ch->nsent == 1)
		ch->head_since = cx_now_ns();
}

/*
 * Sends what may go: inline requests while fewer than CX_RING are in the
 * process and no slotted one is; a slotted one only into an empty process.
 */
void cx_try_post(struct cuda_exec *cx, struct cx_chan *ch)
{
	/* Not to a process found dead (its end is being settled). */
	if (!ch->inst || ch->inst->state != IS_READY || ch->inst->exited)
		return;
	for (struct cx_req *r = ch->head; r; r = r->next) {
		if (r->state != RQ_WAIT)
			continue;
		if (ch->owed) {
			/* What happened to its last process, told now. */
			cx_finish_now(r, ch->owed);
			ch->owed = 0;
			continue;
		}
		if (ch->nsent >= CX_RING ||
		    (!r->inl && ch->nslotted >= (cx->nthreads ? CX_SLOTTED_MAX : 1)))
			break;
		r->inst = ch->inst;
		if (r->inl)
			post_inline(cx, r);
		else
			post_slotted(cx, r);
		if (r->state != RQ_SENT)
			continue;
		if (++ch->nsent == 1)
			ch->head_since = cx_now_ns();
		if (r->req.operation == VGPUIF_OP_LAUNCH)
			ch->kernel_seq = r->seq;
	}
	if (ch->kernel_seq && !ch->nsent)
		watch_kernel(cx, ch);
}

static void reply_info(struct cx_req *r, const struct cx_rsp *rsp,
		       const char *name)
{
	const struct vgpu_back_vm *cfg = &r->ch->vm->cfg;
	struct vgpuif_info info;

	memset(&info, 0, sizeof(info));
	info.protocol_version = VGPUIF_PROTOCOL_VERSION;
	info.vm_id = cfg->vm_id;
	info.pool = cfg->pool;
	info.priority = cfg->priority;
	info.flags = VGPUIF_INFO_F_GPU;
	info.mem_total = rsp->mem_total;
	info.mem_free = rsp->mem_free;
	info.mem_quota = cfg->mem_quota;
	info.mem_used = rsp->mem_used;
	memcpy(info.device_name, name, sizeof(info.device_name));
	info.device_name[sizeof(info.device_name) - 1] = '\0';
	if (exec_copy(r->data, VGPU_BACK_COPY_TO_GUEST, 0, &info, sizeof(info)))
		r->res.status = VGPUIF_RSP_ERROR;
}

/*
 * DEVICE_ATTRS: the process's table, read once out of the shared page
 * (the process could rewrite it meanwhile), filtered and written to the
 * guest by the worker, with the name the worker's probe found.
 */
static void reply_attrs(struct cuda_exec *cx, struct cx_req *r,
			const uint8_t *area)
{
	struct vgpuif_device_attrs a;

	memcpy(&a, area, sizeof(a));
	memset(a.name, 0, sizeof(a.name));
	memcpy(a.name, cx->device_name, sizeof(a.name) - 1);
	a.flags = VGPUIF_INFO_F_GPU;
	exec_reply_attrs(r->ch->vm, cx->mem_total, &a, r->data, &r->res);
}

/*
 * A slotted request leaves (its copy tasks are all done). Chunks it did
 * not move are released - their slots published drained - so that the
 * next request's waits on those slots end; the process never looks at an
 * old ticket again.
 */
static void slotted_gone(struct cx_chan *ch, struct cx_req *r)
{
	if (r->state == RQ_DONE && r->res.status != VGPUIF_RSP_OKAY &&
	    r->inst == ch->inst && ch->inst)
		release_tickets(r->inst, r->first, r->n_in + r->n_out);
	r->inst->users--;
	ch->nslotted--;
}

/* Whether an OKAY answer to @op means the VM's stream got past it. */
static int waits_for_stream(uint8_t op)
{
	switch (op) {
	case VGPUIF_OP_SYNC:
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_VECTOR_ADD:
	case VGPUIF_OP_MEM_SET:
	case VGPUIF_OP_MEM_COPY:
	case VGPUIF_OP_EVENT_RECORD:
		return 1;
	default:
		return 0;
	}
}

/*
 * The executor's own SYNC @r failed (its process timed out or lost the
 * context): unless a request of the VM went to the same process after it
 * (it ends the same way and carries the news), its next one does.
 */
static void own_failed(struct cx_chan *ch, const struct cx_req *r)
{
	for (const struct cx_req *x = r->next; x; x = x->next)
		if (!x->own && x->inst == r->inst && x->state != RQ_WAIT)
			return;
	ch->owed = r->res.status;
}

/* A process handed out [dptr, dptr + size): no later one of the VM may. */
static void note_address(struct cx_chan *ch, uint64_t dptr, uint64_t size)
{
	uint64_t end = dptr + size < dptr ? UINT64_MAX : dptr + size;

	if (!ch->va_hi || dptr < ch->va_lo)
		ch->va_lo = dptr;
	if (end > ch->va_hi)
		ch->va_hi = end;
}

/* The process answered @r (sent there, in order). */
static void on_response(struct cuda_exec *cx, struct cx_chan *ch,
			struct cx_req *r)
{
	struct cx_ctrl *c = ch->inst->ctrl;
	struct cx_rsp rsp = c->rsp[r->seq % CX_RING];

	r->res.status = rsp.status;
	r->res.ret[0] = rsp.ret[0];
	r->res.ret[1] = rsp.ret[1];
	ch->mem_used = rsp.mem_used;
	if (rsp.status == VGPUIF_RSP_OKAY) {
		if (r->req.operation == VGPUIF_OP_MEM_ALLOC)
			note_address(ch, rsp.ret[0], r->req.u.mem.size);
		if (r->req.operation == VGPUIF_OP_GET_INFO) {
			cx->mem_free = rsp.mem_free;
			reply_info(r, &rsp, cx->device_name);
		}
		if (r->req.operation == VGPUIF_OP_DEVICE_ATTRS) {
			if (r->inl)
				reply_attrs(cx, r, cx_geom_inline(c, &ch->inst->geom, r->seq));
			else
				r->res.status = VGPUIF_RSP_ERROR;
		} else if (r->inl && r->out_len &&
		    exec_copy(r->data, VGPU_BACK_COPY_TO_GUEST, r->out_off,
			      cx_geom_inline(c, &ch->inst->geom, r->seq) + r->out_off, r->out_len))
			r->res.status = VGPUIF_RSP_ERROR;
		else if (!r->inl && !cx->nthreads && r->n_out &&
			 r->out_len <= cx->p.inline_max && cx_copy_inline(cx, r, 1))
			r->res.status = VGPUIF_RSP_ERROR;
	} else if (gpu_health_device_error(rsp.cu_error)) {
		/* The device failed, not the VM: every VM ends so. */
		char why[96];

		atomic_store(&r->cancel, 1);
		r->res.status = VGPUIF_RSP_DEVICE_LOST;
		snprintf(why, sizeof(why), "vm %s: %s got device error %d",
			 ch->name, vgpuif_op_name(r->req.operation), rsp.cu_error);
		cx_gpu_suspect(cx, rsp.cu_error, why);
	} else {
		/* Chunks it will never take or give: the tasks stop. */
		atomic_store(&r->cancel, 1);
		if (rsp.status == VGPUIF_RSP_FAULT)
			cx->st.faults++;
		log_debug("vm %s: %s: status %d (device error %d)", ch->name,
			  vgpuif_op_name(r->req.operation), rsp.status, rsp.cu_error);
	}
	/* Done on the GPU after the last kernel: the stream got past it. */
	if (r->res.status == VGPUIF_RSP_OKAY && ch->kernel_seq &&
	    r->seq != ch->kernel_seq && cx_ticket_ge(r->seq, ch->kernel_seq) &&
	    waits_for_stream(r->req.operation))
		ch->kernel_seq = 0;
	r->state = RQ_DONE;
	ch->nsent--;
	ch->head_since = cx_now_ns();
	if (rsp.flags & CX_RSP_F_LOST) {
		if (!ch->lost_seen)
			log_warn("vm %s: %s: the GPU context is lost (device error %d); its memory and modules are gone, starting a fresh executor",
				 ch->name, vgpuif_op_name(r->req.operation),
				 rsp.cu_error);
		ch->lost_seen = 1;
	}
}

/*
 * Takes the answers that came, reports finished requests from the head,
 * in order. How many were reported.
 */
int cx_report(struct cuda_exec *cx, struct cx_chan *ch, exec_done_fn done,
	      void *arg)
{
	struct cx_req *r;
	int n = 0;

	while ((r = ch->head)) {
		if (r->state == RQ_SENT) {
			uint32_t answered = atomic_load_explicit(
				&ch->inst->ctrl->rsp_seq, memory_order_acquire);

			if (!cx_ticket_ge(answered, r->seq))
				break;
			on_response(cx, ch, r);
		}
		if (r->state != RQ_DONE || atomic_load(&r->tasks_left) > 0)
			break;
		if (atomic_load(&r->copy_err) && r->res.status == VGPUIF_RSP_OKAY) {
			log_debug("vm %s: copy to or from the guest failed: %s",
				  ch->name, strerror(-atomic_load(&r->copy_err)));
			r->res.status = VGPUIF_RSP_ERROR;
		}
		ch->head = r->next;
		if (!ch->head)
			ch->tail = NULL;
		if (r->own) {
			if (r->res.status != VGPUIF_RSP_OKAY)
				own_failed(ch, r);
			free(r);
			continue;
		}
		ch->nreq--;
		cx->inflight--;
		if (r->res.status == VGPUIF_RSP_DEVICE_LOST)
			cx->st.device_lost++;
		if (!r->inl && r->inst && r->seq)
			slotted_gone(ch, r);
		if (done)
			done(arg, r->tag, &r->res);
		free(r);
		n++;
	}
	return n;
}
