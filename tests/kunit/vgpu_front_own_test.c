// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of what an open file of /dev/vgpuN owns
 * (frontend/vgpu_front_own.c): only ranges the file's own MEM_ALLOCs
 * returned are usable, at their exact bounds; the table is bounded and a
 * reservation always finds room; entries of an earlier connection never
 * match; an entry in use cannot be freed; a free that failed leaves the
 * entry usable; everything left comes out at close.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/types.h>

/* The code under test is built once, here (no other suite includes it). */
#include "../../frontend/vgpu_front_own.c"

/* Each test's table, destroyed when it ends (also after a failed assert). */
static int own_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct vgpu_front_own),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void own_test_exit(struct kunit *test)
{
	vgpu_front_own_destroy(test->priv);
}

static struct vgpu_front_own *own_new(struct kunit *test, u32 max)
{
	vgpu_front_own_init(test->priv, max);
	return test->priv;
}

static void own_add(struct kunit *test, struct vgpu_front_own *own, u64 base,
		    u64 size, u32 gen)
{
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, gen), 0);
	vgpu_front_own_add(own, base, size, gen);
}

static void vgpu_front_own_bounds(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 8);

	own_add(test, own, 0x2000, 0x100, 1);
	own_add(test, own, 0x1000, 0x10, 1);
	own_add(test, own, 0x3000, 1, 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 3);

	/* Inside, at both ends. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2000, 0x100, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x20ff, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2080, 0x80, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x3000, 1, 1), 0);
	/* One byte past the end of the range. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2000, 0x101, 1),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x20ff, 2, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2001, U64_MAX, 1),
			-ERANGE);
	/* Outside every entry: before, between, just past, far past. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0xfff, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1010, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2100, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x3001, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, U64_MAX, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0, 1, 1), -ENOENT);
	/* Another connection's view of the same addresses. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2000, 1, 2), -ENOENT);
}

static void vgpu_front_own_empty(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 8);
	u64 base;
	u32 gen;

	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0, 1, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_get(own, 0x1000, 1, 0, &base),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 0),
			-ENOENT);
	KUNIT_EXPECT_FALSE(test, vgpu_front_own_pop(own, &base, &gen));
}

static void vgpu_front_own_bounded(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 40);
	u32 i;

	for (i = 0; i < 39; i++)
		own_add(test, own, 0x10000 + 0x100 * (u64)(39 - i), 0x100, 7);
	/* One slot left: a reservation takes it, then the table is full. */
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 7), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_reserve(own, 7), -ENOSPC);
	vgpu_front_own_unreserve(own);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 7), 0);
	vgpu_front_own_add(own, 0x100, 0x10, 7);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 40);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_reserve(own, 7), -ENOSPC);
	/* Sorted after growing in any order: each one is found. */
	for (i = 0; i < 39; i++)
		KUNIT_EXPECT_EQ(test,
				vgpu_front_own_check(own, 0x10000 + 0x100 * (u64)(i + 1) + 0xff,
						     1, 7), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x10f, 1, 7), 0);
	/* A freed entry makes room again. */
	KUNIT_ASSERT_EQ(test, vgpu_front_own_free_begin(own, 0x100, 7), 0);
	vgpu_front_own_free_end(own, 0x100, true);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_reserve(own, 7), 0);
	vgpu_front_own_unreserve(own);
}

static void vgpu_front_own_old_connection(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 2);
	u64 base;

	own_add(test, own, 0x1000, 0x100, 1);
	own_add(test, own, 0x2000, 0x100, 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_reserve(own, 1), -ENOSPC);
	/* Reconnected: the old entries are dead and make room. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_get(own, 0x1000, 1, 2, &base),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 2), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 0);
	/* The same address from the new connection belongs to it. */
	vgpu_front_own_add(own, 0x1000, 0x10, 2);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 0x10, 2), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 0x11, 2),
			-ERANGE);
}

static void vgpu_front_own_in_use(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 4);
	u64 base = 0;

	own_add(test, own, 0x1000, 0x100, 1);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_get(own, 0x1080, 0x80, 1, &base), 0);
	KUNIT_EXPECT_EQ(test, base, 0x1000);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 1), -EBUSY);
	/* An entry in use is not pruned by a reservation of a new connection. */
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 2), 0);
	vgpu_front_own_unreserve(own);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 1);
	vgpu_front_own_put(own, base);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 1), 0);
	/* Being freed: not usable, not freed twice. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 1), -ENOENT);
	/* The free failed on the host (e.g. EAGAIN): usable again. */
	vgpu_front_own_free_end(own, 0x1000, false);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 1, 1), 0);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 1), 0);
	vgpu_front_own_free_end(own, 0x1000, true);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 1, 1), -ENOENT);
}

static void vgpu_front_own_freed_then_reused(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 4);

	/*
	 * Thread A frees 0x1000; the host frees it and thread B's MEM_ALLOC
	 * gets 0x1000 again before A's response is handled: B's entry stays.
	 */
	own_add(test, own, 0x1000, 0x100, 1);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_free_begin(own, 0x1000, 1), 0);
	own_add(test, own, 0x1000, 0x40, 1);
	vgpu_front_own_free_end(own, 0x1000, true);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 0x40, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 0x41, 1),
			-ERANGE);
}

static void vgpu_front_own_pop_all(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 64);
	u64 seen = 0, base;
	u32 gen, i, n = 0;

	for (i = 0; i < 20; i++)
		own_add(test, own, 0x1000 * (u64)(i + 1), 0x10, i % 3);
	while (vgpu_front_own_pop(own, &base, &gen)) {
		KUNIT_EXPECT_EQ(test, gen, (u32)(base / 0x1000 - 1) % 3);
		seen |= 1ULL << (base / 0x1000 - 1);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 20);
	KUNIT_EXPECT_EQ(test, seen, (1ULL << 20) - 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 0);
}

static void vgpu_front_own_max_sizes(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 4);

	/* The last byte of the address space, and a 2^40 allocation. */
	own_add(test, own, U64_MAX - 0xff, 0x100, 1);
	own_add(test, own, 1ULL << 40, 1ULL << 40, 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, U64_MAX, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, U64_MAX - 0xff, 0x100, 1),
			0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, U64_MAX, 2, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, (1ULL << 41) - 1, 1, 1),
			0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 1ULL << 41, 1, 1),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 1ULL << 40, 1ULL << 32, 1),
			0);
}

/* A module's globals go with it; one in use goes at its last put. */
static void vgpu_front_own_globals_dropped(struct kunit *test)
{
	struct vgpu_front_own *own = own_new(test, 8);
	u64 base;

	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 1), 0);
	vgpu_front_own_add_owned(own, 0x1000, 0x10, 1, 7);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 1), 0);
	vgpu_front_own_add_owned(own, 0x2000, 0x10, 1, 7);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_reserve(own, 1), 0);
	vgpu_front_own_add_owned(own, 0x3000, 0x10, 1, 8);
	KUNIT_ASSERT_EQ(test, vgpu_front_own_get(own, 0x2004, 4, 1, &base), 0);
	KUNIT_EXPECT_EQ(test, base, 0x2000);

	vgpu_front_own_drop_owner(own, 7);
	/* 0x1000 gone; 0x2000 unusable but kept for its user; 0x3000 kept. */
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x1000, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x2000, 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_check(own, 0x3000, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 2);
	vgpu_front_own_put(own, 0x2000);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 1);
	/* Dropping again, or an owner with nothing, changes nothing. */
	vgpu_front_own_drop_owner(own, 7);
	vgpu_front_own_drop_owner(own, 9);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 1);
	/* Plain entries have no owner: an owner 0 drop is never asked. */
	vgpu_front_own_drop_owner(own, 8);
	KUNIT_EXPECT_EQ(test, vgpu_front_own_count(own), 0);
}

static struct kunit_case vgpu_front_own_cases[] = {
	KUNIT_CASE(vgpu_front_own_bounds),
	KUNIT_CASE(vgpu_front_own_empty),
	KUNIT_CASE(vgpu_front_own_bounded),
	KUNIT_CASE(vgpu_front_own_old_connection),
	KUNIT_CASE(vgpu_front_own_in_use),
	KUNIT_CASE(vgpu_front_own_freed_then_reused),
	KUNIT_CASE(vgpu_front_own_pop_all),
	KUNIT_CASE(vgpu_front_own_max_sizes),
	KUNIT_CASE(vgpu_front_own_globals_dropped),
	{}
};

static struct kunit_suite vgpu_front_own_suite = {
	.name = "vgpu_front_own",
	.init = own_test_init,
	.exit = own_test_exit,
	.test_cases = vgpu_front_own_cases,
};
kunit_test_suite(vgpu_front_own_suite);

MODULE_LICENSE("GPL");
