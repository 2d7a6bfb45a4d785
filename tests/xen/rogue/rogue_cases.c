// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-rogue: the cases. Each one breaks the protocol in one way and says
 * which statuses each of its requests may get back (rogue_run() checks
 * them) and whether the backend must disconnect. Every case starts on a
 * working connection; rogue_main.c checks afterwards that the device
 * still works, on the same ring or a new one.
 *
 * The lab gives the rogue device mem-quota=64 MiB: MEM_ALLOCs past it get
 * QUOTA, so no case can take the worker's memory.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/events.h>

#include "rogue.h"

/* A handle or address the VM does not own. */
#define ST_NOT_OURS	(ST(BAD_HANDLE) | ST(RANGE) | ST(INVALID) | \
			 ST(NOT_SUPPORTED))

static int rogue_batch_alloc(struct rogue_batch *b, unsigned int max)
{
	b->v = kcalloc(max, sizeof(*b->v), GFP_KERNEL);
	b->n = 0;
	b->max = max;
	return b->v ? 0 : -ENOMEM;
}

static struct vgpuif_request *rq(struct rogue_batch *b, u32 allowed, u8 op)
{
	struct vgpuif_request *q = rogue_add(b, allowed);

	q->operation = op;
	return q;
}

/* Run @b, free it. */
static int rogue_run_free(struct rogue *r, struct rogue_batch *b,
			  struct rogue_result *res, unsigned int ms)
{
	int rc = rogue_run(r, b, res, ms);

	kfree(b->v);
	b->v = NULL;
	return rc;
}

static void rogue_free_dptr(struct rogue *r, struct rogue_result *res,
			    u64 dptr)
{
	struct rogue_req one;
	struct rogue_batch b = { .v = &one, .max = 1 };

	rq(&b, ST(OKAY), VGPUIF_OP_MEM_FREE)->u.mem.dptr = dptr;
	rogue_run(r, &b, res, 10000);
}

/* The backend must leave Connected after @what; closed says it did. */
static int rogue_expect_close(struct rogue *r, struct rogue_result *res)
{
	res->expect_closed = true;
	wait_event_timeout(r->wq,
			   rogue_backend_state(r) != XenbusStateConnected,
			   msecs_to_jiffies(5000));
	res->closed = rogue_backend_state(r) != XenbusStateConnected;
	return 0;
}

/* Baseline: a full ring of NOPs, twice over. */
static int case_nop(struct rogue *r, struct rogue_result *res)
{
	struct rogue_batch b;
	unsigned int i;

	if (rogue_batch_alloc(&b, 64))
		return -ENOMEM;
	for (i = 0; i < 64; i++)
		rq(&b, ST_FLOOD, VGPUIF_OP_NOP);
	return rogue_run_free(r, &b, res, 10000);
}

/* req_prod more than a ring ahead of what was answered. */
static int case_prod_overflow(struct rogue *r, struct rogue_result *res)
{
	WRITE_ONCE(r->ring.sring->req_prod,
		   r->ring.req_prod_pvt + VGPUIF_RING_SIZE + 1);
	notify_remote_via_irq(r->irq);
	return rogue_expect_close(r, res);
}

/* req_prod moved back behind requests the backend already consumed. */
static int case_prod_backwards(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_front_ring *ring = &r->ring;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memset(RING_GET_REQUEST(ring, ring->req_prod_pvt), 0,
		       sizeof(struct vgpuif_request));
		ring->req_prod_pvt++;
	}
	rogue_push(r);
	msleep(500);
	rogue_reap(r, res, ST_FLOOD);
	WRITE_ONCE(ring->sring->req_prod, ring->req_prod_pvt - 3);
	notify_remote_via_irq(r->irq);
	return rogue_expect_close(r, res);
}

/* req_prod half the index space away: a wrap the backend must not follow. */
static int case_prod_huge(struct rogue *r, struct rogue_result *res)
{
	WRITE_ONCE(r->ring.sring->req_prod,
		   r->ring.req_prod_pvt + 0x80000000u);
	notify_remote_via_irq(r->irq);
	return rogue_expect_close(r, res);
}

/*
 * Requests rewritten in the shared page, in a tight loop, while the
 * backend reads them: op, length, segments, flags, arguments and id flip
 * between valid and invalid values. The backend copies each request once
 * before it looks at it, so every one gets some answer and the ring stays
 * up; which answer depends on the moment of the copy.
 */
static int case_flip_fields(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_front_ring *ring = &r->ring;
	unsigned int round, i, iter;
	u64 dptr;

	if (rogue_alloc(r, 64 << 10, &dptr))
		return -EIO;
	for (round = 0; round < 20; round++) {
		RING_IDX first = ring->req_prod_pvt;
		unsigned long end = jiffies + msecs_to_jiffies(5000);

		for (i = 0; i < VGPUIF_RING_SIZE && !RING_FULL(ring); i++) {
			struct vgpuif_request *q =
				RING_GET_REQUEST(ring, ring->req_prod_pvt);

			memset(q, 0, sizeof(*q));
			q->id = i;
			ring->req_prod_pvt++;
			res->sent++;
		}
		rogue_push(r);
		for (iter = 0; ring->rsp_cons != ring->req_prod_pvt; iter++) {
			/* Only slots not answered yet: a response shares it. */
			RING_IDX done = READ_ONCE(ring->sring->rsp_prod) - first;

			for (i = done; i < ring->req_prod_pvt - first; i++) {
				struct vgpuif_request *q =
					RING_GET_REQUEST(ring, first + i);
				bool odd = (iter + i) & 1;

				WRITE_ONCE(q->operation, odd ? 0xee :
					   (iter & 2 ? VGPUIF_OP_MEM_WRITE :
					    VGPUIF_OP_NOP));
				WRITE_ONCE(q->data_len, iter & 4 ? 0xffffffffu :
					   (iter & 2 ? 4096 : 0));
				WRITE_ONCE(q->nr_segments, iter & 8 ? 200 :
					   (iter & 2 ? 1 : 0));
				WRITE_ONCE(q->flags, iter & 16 ? 0xffff : 0);
				WRITE_ONCE(q->gref[0], iter & 32 ? 0xfffffff0u :
					   r->data_ref[0]);
				WRITE_ONCE(q->u.mem.dptr, iter & 2 ?
					   dptr + (iter & 64 ? 61440 : 0) : 0);
				WRITE_ONCE(q->id, iter);
			}
			rogue_reap(r, res, ST_ANY);
			if (rogue_backend_state(r) != XenbusStateConnected) {
				res->closed = true;
				break;
			}
			if (time_after(jiffies, end)) {
				rogue_unexpected(res, "round %u unanswered after 5 s",
						 round);
				break;
			}
			if (!(iter % 64))
				cond_resched();
		}
		if (res->closed || res->unexpected)
			break;
	}
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/*
 * Indirect pages rewritten while the backend fetches them: entries flip
 * between our data pages and refs nobody granted. The backend copies the
 * refs once; a request gets OKAY or a refusal, never a crash.
 */
static int case_flip_indirect(struct rogue *r, struct rogue_result *res)
{
	struct rogue_batch b;
	unsigned int i, k, iter;
	u64 dptr;
	u32 *ind = r->ind[0];

	if (rogue_alloc(r, MIB, &dptr))
		return -EIO;
	if (rogue_batch_alloc(&b, VGPUIF_RING_SIZE))
		return -ENOMEM;
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		struct vgpuif_request *q = rq(&b, ST_ANY, VGPUIF_OP_MEM_WRITE);

		q->u.mem.dptr = dptr;
		rogue_indirect(r, q, MIB);
	}
	for (i = 0; i < b.n; i++) {
		*RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt) = b.v[i].req;
		r->ring.req_prod_pvt++;
		res->sent++;
	}
	rogue_push(r);
	for (iter = 0; r->ring.rsp_cons != r->ring.req_prod_pvt &&
	     iter < 200000; iter++) {
		for (k = 0; k < 256; k++)
			WRITE_ONCE(ind[k], (iter + k) & 1 ? 0xfffffff0u - k :
				   r->data_ref[k % ROGUE_NR_DATA]);
		rogue_reap(r, res, ST_ANY);
		if (rogue_backend_state(r) != XenbusStateConnected) {
			res->closed = true;
			break;
		}
		if (!(iter % 16))
			cond_resched();
	}
	for (k = 0; k < VGPUIF_GREFS_PER_INDIRECT_PAGE; k++)
		ind[k] = r->data_ref[k % ROGUE_NR_DATA];
	if (r->ring.rsp_cons != r->ring.req_prod_pvt) {
		wait_event_timeout(r->wq, rogue_has_rsp(r),
				   msecs_to_jiffies(5000));
		rogue_reap(r, res, ST_ANY);
	}
	if (r->ring.rsp_cons != r->ring.req_prod_pvt)
		rogue_unexpected(res, "%u requests unanswered",
				 r->ring.req_prod_pvt - r->ring.rsp_cons);
	kfree(b.v);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/*
 * Grant references that do not name a page the backend may use: never
 * granted, reserved (0), ended, granted to another domain, read-only for a
 * write. Each copy fails; the request is refused; the ring stays up.
 */
static int case_bad_grefs(struct rogue *r, struct rogue_result *res)
{
	/* Not 0 and 1: the toolstack grants our console and xenstore pages. */
	const u32 bad[] = { 0xfffffff0u, r->revoked_ref, r->foreign_ref,
			    0x7fffffffu };
	struct vgpuif_request *q;
	struct rogue_batch b;
	unsigned int i;
	u64 dptr;

	if (rogue_alloc(r, 64 << 10, &dptr))
		return -EIO;
	if (rogue_batch_alloc(&b, 32))
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		q = rq(&b, ST_REFUSED, VGPUIF_OP_MEM_WRITE);
		q->u.mem.dptr = dptr;
		rogue_direct(r, q, 8192);
		q->gref[1] = bad[i];
		q = rq(&b, ST_REFUSED, VGPUIF_OP_MEM_READ);
		q->u.mem.dptr = dptr;
		rogue_direct(r, q, 4096);
		q->gref[0] = bad[i];
		q = rq(&b, ST_REFUSED, VGPUIF_OP_GET_INFO);
		rogue_direct(r, q, 4096);
		q->gref[0] = bad[i];
	}
	/* Read-only: the backend may read it, not write it. */
	q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_WRITE);
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 4096);
	q->gref[0] = r->ro_ref;
	q = rq(&b, ST_REFUSED, VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 4096);
	q->gref[0] = r->ro_ref;
	/* The data of a vector add is written back: read-only fails. */
	q = rq(&b, ST_REFUSED, VGPUIF_OP_VECTOR_ADD);
	q->u.vector_add.n = 1024;
	rogue_direct(r, q, 12 * 1024);
	q->gref[2] = r->ro_ref;
	rogue_run_free(r, &b, res, 10000);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/* Indirect pages that are not ours, not readable, or full of bad refs. */
static int case_bad_indirect(struct rogue *r, struct rogue_result *res)
{
	const u32 bad[] = { 0xfffffff0u, r->revoked_ref, r->foreign_ref,
			    r->bad_ind_ref, r->ro_ref };
	struct vgpuif_request *q;
	struct rogue_batch b;
	unsigned int i;
	u64 dptr;

	/* 5 MiB: two indirect pages, so that the second one is used. */
	if (rogue_alloc(r, 5 * MIB, &dptr))
		return -EIO;
	if (rogue_batch_alloc(&b, 32))
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		q = rq(&b, ST_REFUSED, VGPUIF_OP_MEM_WRITE);
		q->u.mem.dptr = dptr;
		rogue_indirect(r, q, 5 * MIB);
		q->gref[1] = bad[i];
		q = rq(&b, ST_REFUSED, VGPUIF_OP_MEM_READ);
		q->u.mem.dptr = dptr;
		rogue_indirect(r, q, 5 * MIB);
		q->gref[0] = bad[i];
	}
	rogue_run_free(r, &b, res, 20000);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/* Lengths, counts and offsets past every limit, and ones that wrap. */
static int case_overflow(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_request *q;
	struct rogue_batch b;
	u64 dptr;

	if (rogue_alloc(r, 64 << 10, &dptr))
		return -EIO;
	if (rogue_batch_alloc(&b, 48))
		return -ENOMEM;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 4096);
	q->data_len = 0xffffffffu;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);
	q->u.mem.dptr = dptr;
	rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN + 1);
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);	/* 9 direct segments */
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 9 * 4096);
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);	/* 255 segments */
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 4096);
	q->nr_segments = 255;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);	/* 5 indirect pages */
	q->u.mem.dptr = dptr;
	rogue_indirect(r, q, 4 * 4 * MIB);
	q->nr_segments = 5;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);	/* segments < pages */
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 8192);
	q->nr_segments = 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);	/* data, 0 segments */
	q->u.mem.dptr = dptr;
	q->data_len = 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_NOP);		/* segments, no data */
	q->nr_segments = 1;
	q->gref[0] = r->data_ref[0];
	q = rq(&b, ST(INVALID), VGPUIF_OP_VECTOR_ADD);
	q->u.vector_add.n = VGPUIF_VECTOR_ADD_MAX + 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_VECTOR_ADD);
	q->u.vector_add.n = 0;
	q = rq(&b, ST(INVALID), VGPUIF_OP_VECTOR_ADD);	/* 12 * n wraps u32 */
	q->u.vector_add.n = 0x15555556u;
	rogue_direct(r, q, 8);
	q->data_len = 12u * 0x15555556u;
	q = rq(&b, ST(INVALID), VGPUIF_OP_LAUNCH);	/* name_len 0 */
	q->u.launch.grid[0] = q->u.launch.grid[1] = q->u.launch.grid[2] = 1;
	q->u.launch.block[0] = q->u.launch.block[1] = q->u.launch.block[2] = 1;
	rogue_direct(r, q, 8);
	q = rq(&b, ST(INVALID), VGPUIF_OP_LAUNCH);	/* ALIGN8(0xffff) */
	q->u.launch.grid[0] = q->u.launch.grid[1] = q->u.launch.grid[2] = 1;
	q->u.launch.block[0] = q->u.launch.block[1] = q->u.launch.block[2] = 1;
	q->u.launch.name_len = 0xffff;
	q->u.launch.params_len = 0xffff;
	rogue_direct(r, q, 8);
	q = rq(&b, ST(INVALID), VGPUIF_OP_LAUNCH);	/* 1024^3 threads */
	q->u.launch.grid[0] = q->u.launch.grid[1] = q->u.launch.grid[2] =
		0xffffffffu;
	q->u.launch.block[0] = q->u.launch.block[1] = q->u.launch.block[2] =
		1024;
	q->u.launch.name_len = 1;
	rogue_direct(r, q, 8);
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = VGPUIF_MAX_ALLOC + 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = ~0ull;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = 0;
	q = rq(&b, ST(INVALID), VGPUIF_OP_GET_INFO);	/* below vgpuif_info */
	rogue_direct(r, q, sizeof(struct vgpuif_info) - 1);
	/* Offsets: past the end, and wrapping the 64-bit address space. */
	q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = dptr + (64 << 10) - 1;
	rogue_direct(r, q, 2);
	q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_WRITE);
	q->u.mem.dptr = ~0ull - 4095;
	rogue_direct(r, q, 8192);
	q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = dptr + (64 << 10);
	rogue_direct(r, q, 4096);
	q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = dptr - 1;
	rogue_direct(r, q, 4096);
	rogue_run_free(r, &b, res, 10000);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/* Every unknown operation, unknown flags, and non-zero padding. */
static int case_unknown_ops(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_request *q;
	struct rogue_batch b;
	unsigned int op;

	if (rogue_batch_alloc(&b, 256 + 8))
		return -ENOMEM;
	for (op = VGPUIF_NR_OPS; op < 256; op++)
		rq(&b, ST(INVALID), op);
	q = rq(&b, ST(INVALID), VGPUIF_OP_NOP);
	q->flags = 0x8000;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_WRITE);
	rogue_direct(r, q, 4096);
	q->flags = 0x0002;
	q = rq(&b, ST(INVALID), VGPUIF_OP_NOP);
	q->u.raw[39] = 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_FREE);
	q->u.mem.dptr = 4096;
	q->u.mem.size = 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = 4096;
	q->u.mem.dptr = 1;
	q = rq(&b, ST(INVALID), VGPUIF_OP_VECTOR_ADD);
	q->u.vector_add.n = 1;
	q->u.vector_add._pad = 1;
	rogue_direct(r, q, 12);
	q = rq(&b, ST(INVALID), VGPUIF_OP_SYNC);
	q->u.raw[0] = 0xff;
	return rogue_run_free(r, &b, res, 20000);
}

/* Every operation at its limits: the largest valid form of each. */
static int case_limits(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_request *q;
	struct rogue_batch b;
	u64 small, big = 0;
	int rc;

	if (rogue_alloc(r, 1, &small))
		return -EIO;
	if (rogue_batch_alloc(&b, 32))
		return -ENOMEM;
	q = rq(&b, ST(OKAY) | ST(NO_MEMORY), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = VGPUIF_MAX_DATA_LEN;
	rc = rogue_run(r, &b, res, 10000);
	if (!rc && b.v[0].status == VGPUIF_RSP_OKAY)
		big = b.v[0].ret;
	b.n = 0;
	q = rq(&b, ST(QUOTA) | ST(NO_MEMORY), VGPUIF_OP_MEM_ALLOC);
	q->u.mem.size = VGPUIF_MAX_ALLOC;
	q = rq(&b, ST(OKAY), VGPUIF_OP_GET_INFO);
	rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN);
	q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_WRITE);	/* one byte of one */
	q->u.mem.dptr = small;
	rogue_direct(r, q, 1);
	q = rq(&b, ST(RANGE), VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = small;
	rogue_direct(r, q, 2);
	if (big) {
		q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_WRITE);
		q->u.mem.dptr = big;
		rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN);
		q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_READ);
		q->u.mem.dptr = big;
		rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN);
		q = rq(&b, ST(RANGE), VGPUIF_OP_MEM_READ);
		q->u.mem.dptr = big + 1;
		rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN);
	}
	q = rq(&b, ST(OKAY), VGPUIF_OP_VECTOR_ADD);
	q->u.vector_add.n = VGPUIF_VECTOR_ADD_MAX;
	rogue_indirect(r, q, 12 * VGPUIF_VECTOR_ADD_MAX);
	/* A 16 MiB module of zeros: not an image; refused, not crashed. */
	q = rq(&b, ST_REFUSED, VGPUIF_OP_MODULE_LOAD);
	rogue_indirect(r, q, VGPUIF_MAX_DATA_LEN);
	q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MODULE_UNLOAD);
	q->u.module.handle = ~0ull;
	q = rq(&b, ST_REFUSED & ~ST(INVALID), VGPUIF_OP_LAUNCH);
	q->u.launch.module = ~0ull;
	q->u.launch.grid[0] = q->u.launch.grid[1] = q->u.launch.grid[2] =
		VGPUIF_MAX_GRID_DIM;
	q->u.launch.block[0] = VGPUIF_MAX_BLOCK_DIM;
	q->u.launch.block[1] = q->u.launch.block[2] = 1;
	q->u.launch.shared_mem = ~0u;
	q->u.launch.name_len = VGPUIF_MAX_FUNC_NAME;
	q->u.launch.params_len = VGPUIF_MAX_PARAMS;
	rogue_direct(r, q, VGPUIF_ALIGN8(VGPUIF_MAX_FUNC_NAME) +
		     VGPUIF_MAX_PARAMS);
	rq(&b, ST(OKAY), VGPUIF_OP_SYNC);
	q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_FREE);
	q->u.mem.dptr = small;
	q = rq(&b, ST(BAD_HANDLE), VGPUIF_OP_MEM_FREE);	/* freed twice */
	q->u.mem.dptr = small;
	if (big) {
		q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_FREE);
		q->u.mem.dptr = big;
	}
	rogue_run_free(r, &b, res, 60000);
	r->stale_dptr = small;
	return 0;
}

/*
 * Addresses and handles the VM does not own: neighbours of its own
 * allocation (where another VM's or another process's would be), an
 * address it freed, small numbers, the top of the address space. The
 * worker must refuse them all; one that works names someone else's memory.
 */
static int case_foreign_ids(struct rogue *r, struct rogue_result *res)
{
	struct vgpuif_request *q;
	struct rogue_batch b;
	u64 dptr, guess[24];
	unsigned int i, n = 0;
	int k;

	if (rogue_alloc(r, 4096, &dptr))
		return -EIO;
	for (k = 1; k <= 6; k++) {
		guess[n++] = dptr + (u64)k * MIB;
		guess[n++] = dptr - (u64)k * MIB;
	}
	guess[n++] = dptr + 4096;
	guess[n++] = dptr ^ (1ull << 32);
	guess[n++] = dptr ^ (1ull << 40);
	guess[n++] = dptr ^ (1ull << 47);
	guess[n++] = 0;
	guess[n++] = 1;
	guess[n++] = 4096;
	guess[n++] = 0x100000000ull;
	guess[n++] = ~0ull - 4095;
	if (r->stale_dptr)
		guess[n++] = r->stale_dptr;
	if (rogue_batch_alloc(&b, 4 * ARRAY_SIZE(guess) + 40))
		return -ENOMEM;
	q = rq(&b, ST(OKAY), VGPUIF_OP_MEM_READ);
	q->u.mem.dptr = dptr;
	rogue_direct(r, q, 4096);
	for (i = 0; i < n; i++) {
		q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_READ);
		q->u.mem.dptr = guess[i];
		rogue_direct(r, q, 4096);
		q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_WRITE);
		q->u.mem.dptr = guess[i];
		rogue_direct(r, q, 4096);
		q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MEM_FREE);
		q->u.mem.dptr = guess[i];
		q = rq(&b, ST_NOT_OURS, VGPUIF_OP_MODULE_UNLOAD);
		q->u.module.handle = i < 8 ? i : guess[i];
	}
	/* Duplicate ids: answered by ring position, each one. */
	for (i = 0; i < 32; i++)
		rq(&b, ST_FLOOD, VGPUIF_OP_NOP)->id = 7;
	rogue_run_free(r, &b, res, 20000);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

/* Keep the ring full of @op requests for @ms, notifying on every pass. */
static void rogue_flood(struct rogue *r, struct rogue_result *res,
			unsigned int ms, bool storm, u64 dptr)
{
	struct vgpuif_front_ring *ring = &r->ring;
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	unsigned int pass = 0;

	while (time_before(jiffies, end)) {
		while (!RING_FULL(ring)) {
			struct vgpuif_request *q =
				RING_GET_REQUEST(ring, ring->req_prod_pvt);

			memset(q, 0, sizeof(*q));
			q->id = res->sent;
			if (dptr) {
				struct vgpuif_request tmp = {};

				tmp.u.mem.dptr = dptr;
				switch (res->sent % 3) {
				case 0:
					tmp.operation = VGPUIF_OP_MEM_WRITE;
					rogue_indirect(r, &tmp, MIB);
					break;
				case 1:
					tmp.operation = VGPUIF_OP_MEM_READ;
					rogue_indirect(r, &tmp, MIB);
					break;
				default:
					tmp.u.mem.dptr = 0;
					tmp.operation = VGPUIF_OP_VECTOR_ADD;
					tmp.u.vector_add.n = 65536;
					rogue_indirect(r, &tmp, 12 * 65536);
					break;
				}
				tmp.id = res->sent;
				*q = tmp;
			}
			ring->req_prod_pvt++;
			res->sent++;
		}
		RING_PUSH_REQUESTS(ring);
		if (storm || !(pass % 64)) {
			notify_remote_via_irq(r->irq);
			r->notifies++;
		}
		rogue_reap(r, res, ST_FLOOD);
		if (rogue_backend_state(r) != XenbusStateConnected) {
			res->closed = true;
			return;
		}
		if (!storm)
			wait_event_timeout(r->wq,
					   rogue_has_rsp(r),
					   msecs_to_jiffies(1000));
		if (!(++pass % 256))
			cond_resched();
	}
	end = jiffies + msecs_to_jiffies(30000);
	while (ring->rsp_cons != ring->req_prod_pvt && time_before(jiffies, end)) {
		notify_remote_via_irq(r->irq);
		wait_event_timeout(r->wq, rogue_has_rsp(r),
				   msecs_to_jiffies(1000));
		rogue_reap(r, res, ST_FLOOD);
	}
	if (ring->rsp_cons != ring->req_prod_pvt)
		rogue_unexpected(res, "%u requests unanswered after the flood",
				 ring->req_prod_pvt - ring->rsp_cons);
}

/* An event-channel storm: notifications without pause, ring full of NOPs. */
static int case_evtchn_storm(struct rogue *r, struct rogue_result *res)
{
	rogue_flood(r, res, 3000, true, 0);
	return 0;
}

/* Heavy, valid work for 5 s: 1 MiB copies both ways and vector adds. */
static int case_flood(struct rogue *r, struct rogue_result *res)
{
	u64 dptr;

	if (rogue_alloc(r, MIB, &dptr))
		return -EIO;
	rogue_flood(r, res, 5000, false, dptr);
	rogue_free_dptr(r, res, dptr);
	return 0;
}

const struct rogue_case rogue_cases[] = {
	{ "nop", case_nop },
	{ "prod-overflow", case_prod_overflow },
	{ "prod-backwards", case_prod_backwards },
	{ "prod-huge", case_prod_huge },
	{ "flip-fields", case_flip_fields },
	{ "flip-indirect", case_flip_indirect },
	{ "bad-grefs", case_bad_grefs },
	{ "bad-indirect", case_bad_indirect },
	{ "overflow", case_overflow },
	{ "unknown-ops", case_unknown_ops },
	{ "limits", case_limits },
	{ "foreign-ids", case_foreign_ids },
	{ "evtchn-storm", case_evtchn_storm },
	{ "flood", case_flood },
	{ "reconnect-new-ring", case_reconnect_new_ring },
	{ "ring-page-order", case_ring_page_order },
	{ "bad-keys", case_bad_keys },
	{ "state-games", case_state_games },
	{ "connect-loop", case_connect_loop },
	{ "close-inflight", case_close_inflight },
	{ "state-unknown", case_state_unknown },
};

const unsigned int rogue_nr_cases = ARRAY_SIZE(rogue_cases);
