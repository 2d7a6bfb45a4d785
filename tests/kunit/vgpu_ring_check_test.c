// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the backend's ring index checks (backend/vgpu_ring_check.c)
 * on a real Xen shared ring in kmalloc'd memory: a front ring plays the
 * guest, a back ring plays vgpu-back, and the guest also writes hostile
 * values to req_prod directly.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <xen/interface/io/ring.h>

#include "../../backend/vgpu_ring_check.h"

struct vgpu_test_request {
	u64 id;
	u32 op;
	u32 pad;
};

struct vgpu_test_response {
	u64 id;
	s32 status;
	u32 pad;
};

DEFINE_RING_TYPES(vgpu_test, struct vgpu_test_request,
		  struct vgpu_test_response);

struct ring_ctx {
	struct vgpu_test_sring *sring;
	struct vgpu_test_front_ring front;
	struct vgpu_test_back_ring back;
	u64 next_id;	/* id of the next request the guest produces */
	u64 cons_id;	/* id the backend expects to consume next */
	u64 rsp_id;	/* id of the next request the backend answers */
	u64 collect_id;	/* id the guest expects in the next response */
};

static int ring_test_init(struct kunit *test)
{
	struct ring_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ctx->sring = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->sring);

	SHARED_RING_INIT(ctx->sring);
	FRONT_RING_INIT(&ctx->front, ctx->sring, PAGE_SIZE);
	BACK_RING_INIT(&ctx->back, ctx->sring, PAGE_SIZE);
	test->priv = ctx;
	return 0;
}

/* Restart both ends of an empty ring at index @idx (to test the wrap). */
static void ring_start_at(struct ring_ctx *ctx, RING_IDX idx)
{
	ctx->cons_id = ctx->next_id;
	ctx->rsp_id = ctx->next_id;
	ctx->collect_id = ctx->next_id;
	ctx->sring->req_prod = idx;
	ctx->sring->rsp_prod = idx;
	FRONT_RING_ATTACH(&ctx->front, ctx->sring, idx, PAGE_SIZE);
	BACK_RING_ATTACH(&ctx->back, ctx->sring, idx, PAGE_SIZE);
}

/* The guest produces @n requests and publishes them. */
static void front_push(struct kunit *test, struct ring_ctx *ctx,
		       unsigned int n)
{
	struct vgpu_test_request *req;

	while (n--) {
		KUNIT_ASSERT_FALSE(test, RING_FULL(&ctx->front));
		req = RING_GET_REQUEST(&ctx->front, ctx->front.req_prod_pvt);
		req->id = ctx->next_id++;
		req->op = 1;
		ctx->front.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&ctx->front);
}

/* The backend's poll: read req_prod once, then check it. */
static int back_poll(struct ring_ctx *ctx, unsigned int *nr)
{
	RING_IDX rp = READ_ONCE(ctx->sring->req_prod);

	virt_rmb(); /* see requests up to rp, as the backend must */
	return vgpu_back_ring_check(&ctx->back, rp, nr);
}

/* The backend consumes @n requests, as its loop would. */
static void back_consume(struct kunit *test, struct ring_ctx *ctx,
			 unsigned int n)
{
	struct vgpu_test_request req;

	while (n--) {
		KUNIT_ASSERT_FALSE(test, RING_REQUEST_CONS_OVERFLOW(&ctx->back,
						ctx->back.req_cons));
		RING_COPY_REQUEST(&ctx->back, ctx->back.req_cons, &req);
		KUNIT_ASSERT_EQ(test, req.id, ctx->cons_id);
		ctx->cons_id++;
		ctx->back.req_cons++;
	}
}

/* The backend answers the @n oldest consumed requests. */
static void back_respond(struct kunit *test, struct ring_ctx *ctx,
			 unsigned int n)
{
	struct vgpu_test_response *rsp;

	KUNIT_ASSERT_LE(test, n, ctx->back.req_cons - ctx->back.rsp_prod_pvt);
	while (n--) {
		rsp = RING_GET_RESPONSE(&ctx->back, ctx->back.rsp_prod_pvt);
		rsp->id = ctx->rsp_id++;
		rsp->status = 0;
		ctx->back.rsp_prod_pvt++;
	}
	RING_PUSH_RESPONSES(&ctx->back);
}

/* The guest takes every published response. */
static void front_collect(struct kunit *test, struct ring_ctx *ctx)
{
	struct vgpu_test_response rsp;
	RING_IDX rp = READ_ONCE(ctx->sring->rsp_prod);

	virt_rmb(); /* see responses up to rp */
	KUNIT_ASSERT_FALSE(test, RING_RESPONSE_PROD_OVERFLOW(&ctx->front, rp));
	while (ctx->front.rsp_cons != rp) {
		RING_COPY_RESPONSE(&ctx->front, ctx->front.rsp_cons, &rsp);
		KUNIT_ASSERT_EQ(test, rsp.id, ctx->collect_id);
		KUNIT_ASSERT_EQ(test, rsp.status, 0);
		ctx->collect_id++;
		ctx->front.rsp_cons++;
	}
}

static void expect_avail(struct kunit *test, struct ring_ctx *ctx,
			 unsigned int want)
{
	unsigned int nr = 12345;

	KUNIT_EXPECT_EQ(test, back_poll(ctx, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, want);
	/* The generic Xen helper agrees whenever the guest is honest. */
	KUNIT_EXPECT_EQ(test, XEN_RING_NR_UNCONSUMED_REQUESTS(&ctx->back), want);
}

static void expect_overflow(struct kunit *test, struct ring_ctx *ctx)
{
	unsigned int nr = 12345;

	KUNIT_EXPECT_EQ(test, back_poll(ctx, &nr), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, nr, 0U);
}

static void ring_check_empty(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;

	/* One page of 16-byte entries: 252 fit, rounded down to 128. */
	KUNIT_ASSERT_EQ(test, RING_SIZE(&ctx->back), 128U);
	expect_avail(test, ctx, 0);
}

static void ring_check_normal_consumption(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	unsigned int size = RING_SIZE(&ctx->back);
	unsigned int round;

	front_push(test, ctx, 5);
	expect_avail(test, ctx, 5);
	back_consume(test, ctx, 3);
	expect_avail(test, ctx, 2);
	back_respond(test, ctx, 3);
	front_collect(test, ctx);
	front_push(test, ctx, 4);
	expect_avail(test, ctx, 6);
	back_consume(test, ctx, 6);
	expect_avail(test, ctx, 0);
	back_respond(test, ctx, 6);
	front_collect(test, ctx);

	/* Go round the ring many times in uneven batches. */
	for (round = 0; round < 4 * size; round++) {
		unsigned int batch = 1 + round % 37;

		front_push(test, ctx, batch);
		expect_avail(test, ctx, batch);
		back_consume(test, ctx, batch);
		back_respond(test, ctx, batch);
		front_collect(test, ctx);
	}
	KUNIT_EXPECT_EQ(test, ctx->back.req_cons, ctx->front.req_prod_pvt);
	KUNIT_EXPECT_EQ(test, ctx->cons_id, ctx->next_id);
}

static void ring_check_full_ring_back_pressure(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	unsigned int size = RING_SIZE(&ctx->back);

	front_push(test, ctx, size);
	KUNIT_EXPECT_TRUE(test, RING_FULL(&ctx->front));
	expect_avail(test, ctx, size);
	back_consume(test, ctx, size);

	/* All slots owe a response: wait, it is not an error. */
	KUNIT_EXPECT_TRUE(test, RING_REQUEST_CONS_OVERFLOW(&ctx->back,
							   ctx->back.req_cons));
	expect_avail(test, ctx, 0);

	back_respond(test, ctx, 1);
	front_collect(test, ctx);
	front_push(test, ctx, 1);
	expect_avail(test, ctx, 1);
}

static void ring_check_wrap_at_2_32(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	unsigned int size = RING_SIZE(&ctx->back);
	unsigned int round;

	ring_start_at(ctx, U32_MAX - 5);
	for (round = 0; round < 8; round++) {
		front_push(test, ctx, 3);
		expect_avail(test, ctx, 3);
		back_consume(test, ctx, 3);
		back_respond(test, ctx, 3);
		front_collect(test, ctx);
	}
	/* 24 requests from 2^32 - 6: the indices have wrapped. */
	KUNIT_EXPECT_EQ(test, ctx->back.req_cons, 18U);
	KUNIT_EXPECT_EQ(test, ctx->back.rsp_prod_pvt, 18U);

	/* A full ring whose indices straddle the wrap. */
	ring_start_at(ctx, U32_MAX - size / 2);
	front_push(test, ctx, size);
	KUNIT_EXPECT_LT(test, ctx->sring->req_prod, ctx->back.req_cons);
	expect_avail(test, ctx, size);
	back_consume(test, ctx, size / 2 + 7);
	expect_avail(test, ctx, size / 2 - 7);
	back_respond(test, ctx, 10);
	expect_avail(test, ctx, size / 2 - 7);
	back_consume(test, ctx, size / 2 - 7);
	expect_avail(test, ctx, 0);
}

static void ring_check_producer_far_ahead(struct kunit *test)
{
	static const RING_IDX starts[] = { 0, 1000, U32_MAX - 3 };
	struct ring_ctx *ctx = test->priv;
	unsigned int size = RING_SIZE(&ctx->back);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		struct vgpu_test_back_ring *back = &ctx->back;

		ring_start_at(ctx, starts[i]);
		front_push(test, ctx, 10);

		ctx->sring->req_prod = back->req_cons + size + 1;
		KUNIT_EXPECT_TRUE(test, RING_REQUEST_PROD_OVERFLOW(back,
							ctx->sring->req_prod));
		expect_overflow(test, ctx);
		ctx->sring->req_prod = back->req_cons + (1U << 31);
		expect_overflow(test, ctx);
		ctx->sring->req_prod = back->req_cons + (1U << 31) + 1;
		expect_overflow(test, ctx);

		/*
		 * Six requests consumed and unanswered hold six slots:
		 * req_prod - req_cons = size - 5 looks plausible, yet the
		 * guest claims size + 1 requests outstanding.
		 */
		ctx->sring->req_prod = back->req_cons + 10;
		back_consume(test, ctx, 6);
		ctx->sring->req_prod = back->rsp_prod_pvt + size + 1;
		KUNIT_EXPECT_LE(test, ctx->sring->req_prod - back->req_cons,
				size);
		expect_overflow(test, ctx);

		/* Exactly full is fine: size - 6 may be consumed. */
		ctx->sring->req_prod = back->rsp_prod_pvt + size;
		expect_avail(test, ctx, size - 6);
	}
}

static void ring_check_producer_behind_consumer(struct kunit *test)
{
	static const RING_IDX starts[] = { 0, U32_MAX - 6 };
	struct ring_ctx *ctx = test->priv;
	struct vgpu_test_back_ring *back = &ctx->back;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		ring_start_at(ctx, starts[i]);
		front_push(test, ctx, 10);
		back_consume(test, ctx, 10);
		back_respond(test, ctx, 4);

		/* One behind the consumer: 2^32 - 1 requests "new". */
		ctx->sring->req_prod = back->req_cons - 1;
		expect_overflow(test, ctx);

		/*
		 * Behind the consumer but ahead of the responses: within
		 * RING_REQUEST_PROD_OVERFLOW()'s bound, yet it would make the
		 * backend consume slots it already consumed.
		 */
		ctx->sring->req_prod = back->rsp_prod_pvt + 2;
		KUNIT_EXPECT_FALSE(test, RING_REQUEST_PROD_OVERFLOW(back,
							ctx->sring->req_prod));
		expect_overflow(test, ctx);

		/* Behind the responses too. */
		ctx->sring->req_prod = back->rsp_prod_pvt - 1;
		expect_overflow(test, ctx);

		/* Back where it was: nothing new, and no error. */
		ctx->sring->req_prod = back->req_cons;
		expect_avail(test, ctx, 0);
	}
}

static void ring_check_backend_state_corrupt(struct kunit *test)
{
	struct ring_ctx *ctx = test->priv;
	unsigned int size = RING_SIZE(&ctx->back);
	unsigned int nr = 1;

	/* More consumed and unanswered than the ring has slots. */
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(size + 1, size + 1, 0,
						      size, &nr), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, nr, 0U);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(5, 5, 6, size, &nr),
			-EOVERFLOW);
}

static void ring_check_bad_arguments(struct kunit *test)
{
	unsigned int nr = 1;

	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(0, 0, 0, 0, &nr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nr, 0U);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(0, 0, 0, 96, &nr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(0, 0, 0, U32_MAX, &nr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(0, 0, 0, 32, NULL),
			-EINVAL);

	/* The extremes that are valid. */
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(1, 0, 0, 1, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 1U);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(2, 0, 0, 1, &nr),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, vgpu_ring_check_indices(1U << 31, 0, 0,
						      1U << 31, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 1U << 31);
}

/*
 * Every combination of in-flight count and producer offset around a few
 * base indices, against a model in 64-bit arithmetic where nothing wraps.
 */
static const RING_IDX model_bases[] = {
	0, 1, (1U << 31) - 3, 1U << 31, U32_MAX - 64, U32_MAX,
};

static void model_base_desc(const RING_IDX *base, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "base %#x", *base);
}

KUNIT_ARRAY_PARAM(model_base, model_bases, model_base_desc);

static void ring_check_matches_model(struct kunit *test)
{
	const RING_IDX base = *(const RING_IDX *)test->param_value;
	const s64 size = 64;
	s64 in_flight, d;

	for (in_flight = 0; in_flight <= size + 2; in_flight++) {
		for (d = -size - 3; d <= 2 * size + 3; d++) {
			/* Unwrapped: rsp at 0, cons at in_flight, prod at d. */
			bool ok = in_flight <= size && d >= in_flight &&
				  d <= size;
			RING_IDX rsp = base;
			RING_IDX cons = base + (RING_IDX)in_flight;
			RING_IDX prod = base + (RING_IDX)d;
			unsigned int nr = 12345;
			int ret;

			ret = vgpu_ring_check_indices(prod, cons, rsp, size,
						      &nr);
			if (ret != (ok ? 0 : -EOVERFLOW) ||
			    nr != (ok ? d - in_flight : 0)) {
				KUNIT_FAIL(test,
					   "prod %#x cons %#x rsp %#x: ret %d nr %u",
					   prod, cons, rsp, ret, nr);
				return;
			}
		}
	}
}

static struct kunit_case vgpu_ring_check_cases[] = {
	KUNIT_CASE(ring_check_empty),
	KUNIT_CASE(ring_check_normal_consumption),
	KUNIT_CASE(ring_check_full_ring_back_pressure),
	KUNIT_CASE(ring_check_wrap_at_2_32),
	KUNIT_CASE(ring_check_producer_far_ahead),
	KUNIT_CASE(ring_check_producer_behind_consumer),
	KUNIT_CASE(ring_check_backend_state_corrupt),
	KUNIT_CASE(ring_check_bad_arguments),
	KUNIT_CASE_PARAM(ring_check_matches_model, model_base_gen_params),
	{}
};

static struct kunit_suite vgpu_ring_check_suite = {
	.name = "vgpu_ring_check",
	.init = ring_test_init,
	.test_cases = vgpu_ring_check_cases,
};
kunit_test_suite(vgpu_ring_check_suite);
