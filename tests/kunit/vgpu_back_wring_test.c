// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the backend's end of the shared rings with the worker
 * (backend/vgpu_back_wring.c) in kmalloc'd memory laid out as the backend
 * offers it: the test plays the worker, and also writes hostile values to
 * the worker's indices (ev_cons, cp_prod) and to the backend's own ones in
 * the header, which the backend must never believe.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "../../backend/vgpu_back_wring.h"

struct wring_ctx {
	struct vgpu_back_rings_setup s;
	void *area;
	struct vgpu_wring w;
};

static int wring_test_init(struct kunit *test)
{
	struct wring_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	vgpu_wring_layout(&ctx->s, PAGE_SIZE);
	ctx->area = kunit_kzalloc(test, ctx->s.mmap_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->area);
	vgpu_wring_init(&ctx->w, ctx->area, &ctx->s);
	test->priv = ctx;
	return 0;
}

/* Both ends of empty rings at @idx (to test the wrap at 2^32). */
static void wring_start_at(struct wring_ctx *ctx, u32 idx)
{
	ctx->w.ev_prod = idx;
	ctx->w.cp_cons = idx;
	ctx->w.hdr->ev_cons = idx;
	ctx->w.hdr->cp_prod = idx;
}

static struct vgpu_back_event test_event(u64 handle)
{
	struct vgpu_back_event ev = {
		.type = VGPU_BACK_EV_REQUEST,
		.handle = handle,
	};

	ev.req.id = handle ^ 0x5a5a;
	return ev;
}

static void wring_layout_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	const struct vgpu_back_rings_setup *s = &ctx->s;
	u64 ev_end = s->ev_offset + s->ev_entries *
		     sizeof(struct vgpu_back_event);
	u64 cp_end = s->cp_offset + s->cp_entries *
		     sizeof(struct vgpu_back_completion);

	KUNIT_EXPECT_TRUE(test, is_power_of_2(s->ev_entries));
	KUNIT_EXPECT_TRUE(test, is_power_of_2(s->cp_entries));
	KUNIT_EXPECT_GE(test, s->ev_offset, sizeof(struct vgpu_back_rings_hdr));
	KUNIT_EXPECT_LE(test, ev_end, s->cp_offset);
	KUNIT_EXPECT_LE(test, cp_end, s->mmap_len);
	KUNIT_EXPECT_EQ(test, s->mmap_len % PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, s->ev_offset % 8, 0);
	KUNIT_EXPECT_EQ(test, s->cp_offset % 8, 0);
}

/* Events go round the ring, across the 2^32 wrap, in order. */
static void wring_events_round_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;
	unsigned int space, i, round;
	u64 next = 1, seen = 1;

	wring_start_at(ctx, U32_MAX - 100);
	for (round = 0; round < 3; round++) {
		KUNIT_ASSERT_EQ(test, vgpu_wring_ev_space(w, &space), 0);
		KUNIT_EXPECT_EQ(test, space, w->ev_entries);
		KUNIT_EXPECT_FALSE(test, vgpu_wring_ev_pending(w));
		for (i = 0; i < space; i++) {
			struct vgpu_back_event ev = test_event(next++);

			vgpu_wring_ev_put(w, &ev);
		}
		vgpu_wring_ev_publish(w);
		KUNIT_ASSERT_EQ(test, vgpu_wring_ev_space(w, &space), 0);
		KUNIT_EXPECT_EQ(test, space, 0);
		KUNIT_EXPECT_TRUE(test, vgpu_wring_ev_pending(w));
		KUNIT_EXPECT_EQ(test, w->hdr->ev_prod, w->ev_prod);
		/* The worker takes them all, in order. */
		while (w->hdr->ev_cons != w->hdr->ev_prod) {
			const struct vgpu_back_event *ev =
				&w->ev[w->hdr->ev_cons & (w->ev_entries - 1)];

			KUNIT_EXPECT_EQ(test, ev->handle, seen);
			KUNIT_EXPECT_EQ(test, ev->req.id, seen ^ 0x5a5a);
			seen++;
			w->hdr->ev_cons++;
		}
	}
	KUNIT_EXPECT_EQ(test, seen, next);
	KUNIT_EXPECT_FALSE(test, w->broken);
}

/* The worker consumed past what was produced: broken, and stays so. */
static void wring_ev_cons_ahead_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;
	struct vgpu_back_event ev = test_event(1);
	unsigned int space = 123;

	wring_start_at(ctx, U32_MAX - 1);
	vgpu_wring_ev_put(w, &ev);
	vgpu_wring_ev_publish(w);
	w->hdr->ev_cons = w->ev_prod + 1;
	KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &space), -EIO);
	KUNIT_EXPECT_EQ(test, space, 0);
	KUNIT_EXPECT_TRUE(test, w->broken);
	/* Putting it right does not mend it. */
	w->hdr->ev_cons = w->ev_prod;
	KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &space), -EIO);
	KUNIT_EXPECT_FALSE(test, vgpu_wring_ev_pending(w));
	KUNIT_EXPECT_EQ(test, vgpu_wring_cp_avail(w, &space), -EIO);
	KUNIT_EXPECT_EQ(test, space, 0);
}

/* The worker moved its index back by more than the ring holds. */
static void wring_ev_cons_behind_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;
	unsigned int space;

	wring_start_at(ctx, 5);
	w->hdr->ev_cons = 5 - w->ev_entries;
	KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &space), 0);
	KUNIT_EXPECT_EQ(test, space, 0);	/* a full ring: harmless */
	w->hdr->ev_cons = 5 - w->ev_entries - 1;
	KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &space), -EIO);
	KUNIT_EXPECT_TRUE(test, w->broken);
}

/* Every garbled value of ev_cons is caught; every good one gives the truth. */
static void wring_ev_cons_every_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	static const u32 starts[] = { 0, 7, U32_MAX - 3, 1u << 31 };
	unsigned int i, space;
	s64 d;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		for (d = -(s64)ctx->w.ev_entries - 2;
		     d <= (s64)ctx->w.ev_entries + 2; d++) {
			struct vgpu_wring *w = &ctx->w;
			bool good = d <= 0 && -d <= w->ev_entries;

			vgpu_wring_init(w, ctx->area, &ctx->s);
			wring_start_at(ctx, starts[i]);
			w->hdr->ev_cons = starts[i] + (u32)d;
			KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &space),
					good ? 0 : -EIO);
			KUNIT_EXPECT_EQ(test, space,
					good ? w->ev_entries + (u32)d : 0);
		}
	}
}

/* The header's copies of the backend's indices are written, never read. */
static void wring_own_indices_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;
	struct vgpu_back_event ev = test_event(9);
	struct vgpu_back_completion c;
	unsigned int n;

	w->hdr->ev_prod = 77777;
	w->hdr->cp_cons = 55555;
	KUNIT_EXPECT_EQ(test, vgpu_wring_ev_space(w, &n), 0);
	KUNIT_EXPECT_EQ(test, n, w->ev_entries);
	KUNIT_EXPECT_EQ(test, vgpu_wring_cp_avail(w, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 0);
	vgpu_wring_ev_put(w, &ev);
	vgpu_wring_ev_publish(w);
	KUNIT_EXPECT_EQ(test, w->hdr->ev_prod, 1);
	w->cp[0].handle = 3;
	w->hdr->cp_prod = 1;
	KUNIT_EXPECT_EQ(test, vgpu_wring_cp_avail(w, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1);
	vgpu_wring_cp_get(w, &c);
	vgpu_wring_cp_publish(w);
	KUNIT_EXPECT_EQ(test, w->hdr->cp_cons, 1);
	KUNIT_EXPECT_EQ(test, c.handle, 3);
}

/* Completions come off in order across the wrap, each copied once. */
static void wring_completions_round_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;
	unsigned int n, round, i;
	u64 next = 1, seen = 1;

	wring_start_at(ctx, U32_MAX - 40);
	for (round = 0; round < 3; round++) {
		/* The worker fills the ring. */
		for (i = 0; i < w->cp_entries; i++) {
			struct vgpu_back_completion *c =
				&w->cp[w->hdr->cp_prod & (w->cp_entries - 1)];

			c->handle = next;
			c->status = (s32)(next % 7) - 3;
			c->ret[0] = ~next;
			next++;
			w->hdr->cp_prod++;
		}
		KUNIT_ASSERT_EQ(test, vgpu_wring_cp_avail(w, &n), 0);
		KUNIT_EXPECT_EQ(test, n, w->cp_entries);
		while (n--) {
			struct vgpu_back_completion c;
			u32 slot = w->cp_cons & (w->cp_entries - 1);

			vgpu_wring_cp_get(w, &c);
			/* The worker rewrites the slot: the copy stays. */
			w->cp[slot].handle = 0xdead;
			KUNIT_EXPECT_EQ(test, c.handle, seen);
			KUNIT_EXPECT_EQ(test, c.status, (s32)(seen % 7) - 3);
			KUNIT_EXPECT_EQ(test, c.ret[0], ~seen);
			seen++;
		}
		vgpu_wring_cp_publish(w);
		KUNIT_EXPECT_EQ(test, w->hdr->cp_cons, w->cp_cons);
	}
	KUNIT_EXPECT_EQ(test, seen, next);
	KUNIT_EXPECT_FALSE(test, w->broken);
}

/* Every garbled value of cp_prod is caught; a good one gives the count. */
static void wring_cp_prod_every_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	static const u32 starts[] = { 0, 3, U32_MAX - 1, 1u << 31 };
	unsigned int i, n;
	s64 d;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		for (d = -3; d <= (s64)ctx->w.cp_entries + 3; d++) {
			struct vgpu_wring *w = &ctx->w;
			bool good = d >= 0 && d <= w->cp_entries;

			vgpu_wring_init(w, ctx->area, &ctx->s);
			wring_start_at(ctx, starts[i]);
			w->hdr->cp_prod = starts[i] + (u32)d;
			KUNIT_EXPECT_EQ(test, vgpu_wring_cp_avail(w, &n),
					good ? 0 : -EIO);
			KUNIT_EXPECT_EQ(test, n, good ? (u32)d : 0);
			KUNIT_EXPECT_EQ(test, w->broken, !good);
		}
	}
	/* Far away, as garbage would be. */
	vgpu_wring_init(&ctx->w, ctx->area, &ctx->s);
	wring_start_at(ctx, 10);
	ctx->w.hdr->cp_prod = 0x80000000u;
	KUNIT_EXPECT_EQ(test, vgpu_wring_cp_avail(&ctx->w, &n), -EIO);
}

static void wring_refused_test(struct kunit *test)
{
	struct wring_ctx *ctx = test->priv;
	struct vgpu_wring *w = &ctx->w;

	w->hdr->cp_refused = 1000;	/* the worker's scribble */
	vgpu_wring_cp_refused(w);
	vgpu_wring_cp_refused(w);
	KUNIT_EXPECT_EQ(test, w->hdr->cp_refused, 2);
}

static struct kunit_case vgpu_back_wring_cases[] = {
	KUNIT_CASE(wring_layout_test),
	KUNIT_CASE(wring_events_round_test),
	KUNIT_CASE(wring_ev_cons_ahead_test),
	KUNIT_CASE(wring_ev_cons_behind_test),
	KUNIT_CASE(wring_ev_cons_every_test),
	KUNIT_CASE(wring_own_indices_test),
	KUNIT_CASE(wring_completions_round_test),
	KUNIT_CASE(wring_cp_prod_every_test),
	KUNIT_CASE(wring_refused_test),
	{}
};

static struct kunit_suite vgpu_back_wring_suite = {
	.name = "vgpu_back_wring",
	.init = wring_test_init,
	.test_cases = vgpu_back_wring_cases,
};
kunit_test_suite(vgpu_back_wring_suite);
