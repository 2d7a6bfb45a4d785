// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the vgpu frontend's request id table and response
 * consumption (frontend/vgpu_front_ids.c): ids carry a generation so that
 * stale, duplicate and made-up response ids of a buggy or hostile backend
 * are refused, and a backend that publishes more responses than requests
 * is caught. The ring tests use a real Xen shared ring in kmalloc'd memory:
 * a front ring plays the frontend, a back ring plays the backend.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <xen/interface/io/ring.h>

/* The code under test is built once, here (no other suite includes it). */
#include "../../frontend/vgpu_front_ids.c"

static int owners[VGPU_FRONT_IDS_MAX + 1];

static void vgpu_front_ids_fill_and_exhaust(struct kunit *test)
{
	struct vgpu_front_ids ids;
	u64 id[VGPU_FRONT_IDS_MAX], extra = 0x55;
	enum vgpu_front_id_err why;
	unsigned int i, j;

	vgpu_front_ids_init(&ids, VGPUIF_RING_SIZE);
	KUNIT_EXPECT_EQ(test, ids.size, VGPUIF_RING_SIZE);
	KUNIT_EXPECT_FALSE(test, vgpu_front_ids_full(&ids));
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		KUNIT_ASSERT_EQ(test,
				vgpu_front_ids_alloc(&ids, &owners[i], &id[i]),
				0);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE(test, id[i], id[j]);
	}
	KUNIT_EXPECT_TRUE(test, vgpu_front_ids_full(&ids));
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ids), VGPUIF_RING_SIZE);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_alloc(&ids, &owners[32], &extra),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, extra, 0x55);

	for (i = 0; i < VGPUIF_RING_SIZE; i++)
		KUNIT_EXPECT_PTR_EQ(test,
				    vgpu_front_ids_lookup(&ids, id[i], &why),
				    (void *)&owners[i]);
	/* Release in a scrambled order; each id works exactly once. */
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		j = (i * 7) % VGPUIF_RING_SIZE;
		KUNIT_EXPECT_PTR_EQ(test,
				    vgpu_front_ids_release(&ids, id[j], &why),
				    (void *)&owners[j]);
		KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_OK);
		KUNIT_EXPECT_NULL(test, vgpu_front_ids_release(&ids, id[j], &why));
		KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_FREE);
	}
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ids), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_alloc(&ids, NULL, &extra), -EINVAL);
}

static void vgpu_front_ids_size_clamped(struct kunit *test)
{
	struct vgpu_front_ids ids;

	vgpu_front_ids_init(&ids, 0);
	KUNIT_EXPECT_EQ(test, ids.size, 1);
	vgpu_front_ids_init(&ids, 1000);
	KUNIT_EXPECT_EQ(test, ids.size, VGPU_FRONT_IDS_MAX);
}

static void vgpu_front_ids_stale_and_unknown(struct kunit *test)
{
	struct vgpu_front_ids ids;
	enum vgpu_front_id_err why;
	u64 a, b;

	vgpu_front_ids_init(&ids, VGPUIF_RING_SIZE);
	KUNIT_ASSERT_EQ(test, vgpu_front_ids_alloc(&ids, &owners[0], &a), 0);
	KUNIT_ASSERT_NOT_NULL(test, vgpu_front_ids_release(&ids, a, &why));
	/* The slot is reused with a new generation. */
	KUNIT_ASSERT_EQ(test, vgpu_front_ids_alloc(&ids, &owners[1], &b), 0);
	KUNIT_EXPECT_EQ(test, (u32)a, (u32)b);
	KUNIT_EXPECT_NE(test, a, b);

	/* A late duplicate of a's response must not complete b. */
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, a, &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_STALE);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_release(&ids, a, &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_STALE);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ids), 1);
	KUNIT_EXPECT_PTR_EQ(test, vgpu_front_ids_lookup(&ids, b, &why),
			    (void *)&owners[1]);

	/* Slots past the table, and free slots. */
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, VGPUIF_RING_SIZE,
						      &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_BAD_SLOT);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, U64_MAX, &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_BAD_SLOT);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, 0xffffffffull,
						      &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_BAD_SLOT);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids,
						      (1ull << 32) | 5, &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_FREE);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, 0, &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_STALE);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ids), 1);

	KUNIT_EXPECT_STRNEQ(test, vgpu_front_id_err_str(VGPU_FRONT_ID_STALE),
			    "?");
	KUNIT_EXPECT_STRNEQ(test, vgpu_front_id_err_str(VGPU_FRONT_ID_FREE),
			    "?");
	KUNIT_EXPECT_STRNEQ(test,
			    vgpu_front_id_err_str(VGPU_FRONT_ID_BAD_SLOT), "?");
}

static void vgpu_front_ids_generation_wraps(struct kunit *test)
{
	struct vgpu_front_ids ids;
	enum vgpu_front_id_err why;
	u64 a, b;

	vgpu_front_ids_init(&ids, 4);
	ids.gen[0] = U32_MAX - 1;
	KUNIT_ASSERT_EQ(test, vgpu_front_ids_alloc(&ids, &owners[0], &a), 0);
	KUNIT_EXPECT_EQ(test, a, (u64)U32_MAX << 32);
	KUNIT_ASSERT_NOT_NULL(test, vgpu_front_ids_release(&ids, a, &why));
	KUNIT_ASSERT_EQ(test, vgpu_front_ids_alloc(&ids, &owners[1], &b), 0);
	KUNIT_EXPECT_EQ(test, b, 0);
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_lookup(&ids, a, &why));
	KUNIT_EXPECT_PTR_EQ(test, vgpu_front_ids_release(&ids, b, &why),
			    (void *)&owners[1]);
}

static void vgpu_front_ids_take_all(struct kunit *test)
{
	struct vgpu_front_ids ids;
	enum vgpu_front_id_err why;
	u64 id[5];
	bool seen[5] = {};
	unsigned int i, n = 0;
	int *o;

	vgpu_front_ids_init(&ids, VGPUIF_RING_SIZE);
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test,
				vgpu_front_ids_alloc(&ids, &owners[i], &id[i]),
				0);
	KUNIT_ASSERT_NOT_NULL(test, vgpu_front_ids_release(&ids, id[2], &why));
	seen[2] = true;
	while ((o = vgpu_front_ids_take_any(&ids))) {
		i = o - owners;
		KUNIT_ASSERT_LT(test, i, 5u);
		KUNIT_EXPECT_FALSE(test, seen[i]);
		seen[i] = true;
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ids), 0);
	/* A response after a disconnect finds nothing. */
	KUNIT_EXPECT_NULL(test, vgpu_front_ids_release(&ids, id[0], &why));
	KUNIT_EXPECT_EQ(test, why, VGPU_FRONT_ID_FREE);
}

/* ------------------------------------------------------------------ */
/* Responses on a real ring                                            */
/* ------------------------------------------------------------------ */

struct ring_ctx {
	struct vgpuif_sring *sring;
	struct vgpuif_front_ring front;
	struct vgpuif_back_ring back;
	struct vgpu_front_ids ids;
	/* What the ops saw. */
	unsigned int completed, ignored;
	void *last_owner;
	struct vgpuif_response last;
	enum vgpu_front_id_err last_why;
};

static void ctx_complete(void *c, void *owner,
			 const struct vgpuif_response *rsp)
{
	struct ring_ctx *ctx = c;

	ctx->completed++;
	ctx->last_owner = owner;
	ctx->last = *rsp;
}

static void ctx_ignored(void *c, const struct vgpuif_response *rsp,
			enum vgpu_front_id_err why)
{
	struct ring_ctx *ctx = c;

	ctx->ignored++;
	ctx->last = *rsp;
	ctx->last_why = why;
}

static const struct vgpu_front_rsp_ops ctx_ops = {
	.complete = ctx_complete,
	.ignored = ctx_ignored,
};

static struct ring_ctx *ring_ctx_new(struct kunit *test)
{
	struct ring_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->sring = kunit_kzalloc(test, VGPUIF_PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->sring);
	SHARED_RING_INIT(ctx->sring);
	FRONT_RING_INIT(&ctx->front, ctx->sring, VGPUIF_PAGE_SIZE);
	BACK_RING_INIT(&ctx->back, ctx->sring, VGPUIF_PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, RING_SIZE(&ctx->front), VGPUIF_RING_SIZE);
	vgpu_front_ids_init(&ctx->ids, RING_SIZE(&ctx->front));
	return ctx;
}

/* The frontend puts a request for @owner on the ring; returns its id. */
static u64 front_push(struct kunit *test, struct ring_ctx *ctx, void *owner,
		      u8 op)
{
	struct vgpuif_request *req;
	int notify;
	u64 id;

	KUNIT_ASSERT_EQ(test, vgpu_front_ids_alloc(&ctx->ids, owner, &id), 0);
	KUNIT_ASSERT_FALSE(test, RING_FULL(&ctx->front));
	req = RING_GET_REQUEST(&ctx->front, ctx->front.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	req->id = id;
	req->operation = op;
	ctx->front.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ctx->front, notify);
	return id;
}

/* The backend consumes one request and answers it with @id. */
static void back_answer(struct ring_ctx *ctx, u64 id, s32 status)
{
	struct vgpuif_request req;
	struct vgpuif_response *rsp;
	int notify;

	RING_COPY_REQUEST(&ctx->back, ctx->back.req_cons, &req);
	ctx->back.req_cons++;
	rsp = RING_GET_RESPONSE(&ctx->back, ctx->back.rsp_prod_pvt);
	memset(rsp, 0, sizeof(*rsp));
	rsp->id = id;
	rsp->status = status;
	rsp->operation = req.operation;
	rsp->ret[0] = 0xd00d;
	ctx->back.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ctx->back, notify);
}

static int consume(struct ring_ctx *ctx, RING_IDX *produced)
{
	return vgpu_front_consume(&ctx->front, &ctx->ids, &ctx_ops, ctx,
				  produced);
}

static void vgpu_front_consume_in_order(struct kunit *test)
{
	struct ring_ctx *ctx = ring_ctx_new(test);
	RING_IDX produced = 0;
	u64 id[3];
	int i;

	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 0);
	for (i = 0; i < 3; i++)
		id[i] = front_push(test, ctx, &owners[i], VGPUIF_OP_NOP + i);
	back_answer(ctx, id[0], VGPUIF_RSP_OKAY);
	back_answer(ctx, id[1], VGPUIF_RSP_QUOTA);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 2);
	KUNIT_EXPECT_EQ(test, ctx->completed, 2);
	KUNIT_EXPECT_PTR_EQ(test, ctx->last_owner, (void *)&owners[1]);
	KUNIT_EXPECT_EQ(test, ctx->last.status, VGPUIF_RSP_QUOTA);
	KUNIT_EXPECT_EQ(test, ctx->last.ret[0], 0xd00d);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ctx->ids), 1);
	/* Asked to be told of the next response. */
	KUNIT_EXPECT_EQ(test, ctx->sring->rsp_event, ctx->front.rsp_cons + 1);

	back_answer(ctx, id[2], VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 1);
	KUNIT_EXPECT_EQ(test, ctx->completed, 3);
	KUNIT_EXPECT_EQ(test, ctx->ignored, 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ctx->ids), 0);
}

static void vgpu_front_consume_many_wraps(struct kunit *test)
{
	struct ring_ctx *ctx = ring_ctx_new(test);
	RING_IDX produced = 0;
	unsigned int round, i;
	u64 id[VGPUIF_RING_SIZE];

	/* Ten full rings: the ring indices and the generations move on. */
	for (round = 0; round < 10; round++) {
		for (i = 0; i < VGPUIF_RING_SIZE; i++)
			id[i] = front_push(test, ctx, &owners[i], VGPUIF_OP_SYNC);
		KUNIT_EXPECT_TRUE(test, RING_FULL(&ctx->front));
		for (i = 0; i < VGPUIF_RING_SIZE; i++)
			back_answer(ctx, id[VGPUIF_RING_SIZE - 1 - i],
				    VGPUIF_RSP_OKAY);
		KUNIT_EXPECT_EQ(test, consume(ctx, &produced),
				VGPUIF_RING_SIZE);
	}
	KUNIT_EXPECT_EQ(test, ctx->completed, 10 * VGPUIF_RING_SIZE);
	KUNIT_EXPECT_EQ(test, ctx->ignored, 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ctx->ids), 0);
}

static void vgpu_front_consume_bad_ids(struct kunit *test)
{
	struct ring_ctx *ctx = ring_ctx_new(test);
	RING_IDX produced = 0;
	u64 a, b, c, d;

	a = front_push(test, ctx, &owners[0], VGPUIF_OP_NOP);
	b = front_push(test, ctx, &owners[1], VGPUIF_OP_NOP);
	c = front_push(test, ctx, &owners[2], VGPUIF_OP_NOP);
	d = front_push(test, ctx, &owners[3], VGPUIF_OP_NOP);

	back_answer(ctx, a, VGPUIF_RSP_OKAY);
	back_answer(ctx, a, VGPUIF_RSP_OKAY);			/* duplicate */
	back_answer(ctx, (1ull << 32) | 31, VGPUIF_RSP_OKAY);	/* made up */
	back_answer(ctx, 1000, VGPUIF_RSP_OKAY);		/* no such slot */
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 4);
	KUNIT_EXPECT_EQ(test, ctx->completed, 1);
	KUNIT_EXPECT_EQ(test, ctx->ignored, 3);
	KUNIT_EXPECT_EQ(test, ctx->last_why, VGPU_FRONT_ID_BAD_SLOT);
	/* b, c, d are still in flight and still completable. */
	KUNIT_EXPECT_EQ(test, vgpu_front_ids_used(&ctx->ids), 3);

	/* a's slot reused by e; a late answer with a's id is stale. */
	front_push(test, ctx, &owners[4], VGPUIF_OP_NOP);
	front_push(test, ctx, &owners[5], VGPUIF_OP_NOP);
	front_push(test, ctx, &owners[6], VGPUIF_OP_NOP);
	back_answer(ctx, a, VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 1);
	KUNIT_EXPECT_EQ(test, ctx->ignored, 4);
	KUNIT_EXPECT_EQ(test, ctx->last_why, VGPU_FRONT_ID_STALE);
	back_answer(ctx, b, VGPUIF_RSP_OKAY);
	back_answer(ctx, c, VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 2);
	KUNIT_EXPECT_EQ(test, ctx->completed, 3);
	KUNIT_EXPECT_PTR_EQ(test, ctx->last_owner, (void *)&owners[2]);
	KUNIT_EXPECT_PTR_EQ(test, vgpu_front_ids_lookup(&ctx->ids, d,
							&ctx->last_why),
			    (void *)&owners[3]);
}

static void vgpu_front_consume_too_many(struct kunit *test)
{
	struct ring_ctx *ctx = ring_ctx_new(test);
	RING_IDX produced = 0, cons;
	u64 a;

	/* Responses with no request at all. */
	ctx->sring->rsp_prod = 1;
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), -EIO);
	KUNIT_EXPECT_EQ(test, produced, 1);
	KUNIT_EXPECT_EQ(test, ctx->front.rsp_cons, 0);
	KUNIT_EXPECT_EQ(test, ctx->completed + ctx->ignored, 0);

	/* One request, rsp_prod far ahead (also across the 2^32 wrap). */
	ctx = ring_ctx_new(test);
	a = front_push(test, ctx, &owners[0], VGPUIF_OP_NOP);
	ctx->sring->rsp_prod = 2;
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), -EIO);
	ctx->sring->rsp_prod = 0x80000000u;
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), -EIO);
	ctx->sring->rsp_prod = (RING_IDX)-1;	/* "behind" rsp_cons */
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->completed + ctx->ignored, 0);
	/* Nothing was consumed: the honest answer still works. */
	ctx->sring->rsp_prod = 0;
	back_answer(ctx, a, VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 1);
	KUNIT_EXPECT_EQ(test, ctx->completed, 1);

	/* Near the index wrap. */
	ctx = ring_ctx_new(test);
	cons = (RING_IDX)-3;
	ctx->sring->req_prod = cons;
	ctx->sring->rsp_prod = cons;
	ctx->front.req_prod_pvt = cons;
	ctx->front.rsp_cons = cons;
	ctx->back.req_cons = cons;
	ctx->back.rsp_prod_pvt = cons;
	ctx->sring->rsp_event = cons + 1;
	ctx->sring->req_event = cons + 1;
	a = front_push(test, ctx, &owners[0], VGPUIF_OP_NOP);
	front_push(test, ctx, &owners[1], VGPUIF_OP_NOP);
	front_push(test, ctx, &owners[2], VGPUIF_OP_NOP);
	front_push(test, ctx, &owners[3], VGPUIF_OP_NOP);
	back_answer(ctx, a, VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 1);
	ctx->sring->rsp_prod = cons + 5;	/* 4 more than the 3 left */
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), -EIO);
	KUNIT_EXPECT_EQ(test, produced, 4);
	ctx->sring->rsp_prod = cons + 4;	/* all 4, across the wrap */
	KUNIT_EXPECT_EQ(test, consume(ctx, &produced), 3);
	KUNIT_EXPECT_EQ(test, ctx->front.rsp_cons, cons + 4);
}

static struct kunit_case vgpu_front_ids_cases[] = {
	KUNIT_CASE(vgpu_front_ids_fill_and_exhaust),
	KUNIT_CASE(vgpu_front_ids_size_clamped),
	KUNIT_CASE(vgpu_front_ids_stale_and_unknown),
	KUNIT_CASE(vgpu_front_ids_generation_wraps),
	KUNIT_CASE(vgpu_front_ids_take_all),
	KUNIT_CASE(vgpu_front_consume_in_order),
	KUNIT_CASE(vgpu_front_consume_many_wraps),
	KUNIT_CASE(vgpu_front_consume_bad_ids),
	KUNIT_CASE(vgpu_front_consume_too_many),
	{}
};

static struct kunit_suite vgpu_front_ids_suite = {
	.name = "vgpu_front_ids",
	.test_cases = vgpu_front_ids_cases,
};
kunit_test_suite(vgpu_front_ids_suite);

MODULE_LICENSE("GPL");
