// SPDX-License-Identifier: MIT
/*
 * Unit tests of dom0-worker/exec/alloc_table.c, the allocation table both
 * executors look every guest address up in: order, boundaries, ranges,
 * frees by start address only, quota arithmetic near its limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <vgpu/vgpuif.h>

#include "dom0-worker/exec/alloc_table.h"

static void add(struct alloc_table *t, uint64_t dptr, uint64_t size)
{
	assert_int_equal(alloc_table_reserve(t), 0);
	alloc_table_insert(t, dptr, size, NULL);
}

/* Entries come in any order and stay sorted; used counts their bytes. */
static void test_sorted_insert(void **state)
{
	struct alloc_table t = { 0 };
	const uint64_t at[] = { 0x5000, 0x1000, 0x9000, 0x3000 };

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		add(&t, at[i], 0x100);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.used, 0x400);
	for (uint32_t i = 1; i < t.n; i++)
		assert_true(t.a[i - 1].dptr < t.a[i].dptr);
	alloc_table_fini(&t);
	assert_null(t.a);
	assert_int_equal(t.n, 0);
}

/* An address is held by [dptr, dptr + size) only: both edges. */
static void test_find_edges(void **state)
{
	struct alloc_table t = { 0 };

	(void)state;
	assert_int_equal(alloc_table_find(&t, 0x1000), -1);	/* empty */
	add(&t, 0x1000, 0x100);
	add(&t, 0x2000, 0x10);
	assert_int_equal(alloc_table_find(&t, 0xfff), -1);
	assert_int_equal(alloc_table_find(&t, 0x1000), 0);
	assert_int_equal(alloc_table_find(&t, 0x10ff), 0);
	assert_int_equal(alloc_table_find(&t, 0x1100), -1);	/* the gap */
	assert_int_equal(alloc_table_find(&t, 0x200f), 1);
	assert_int_equal(alloc_table_find(&t, 0x2010), -1);
	assert_int_equal(alloc_table_find(&t, UINT64_MAX), -1);
	alloc_table_fini(&t);
}

/* A copy must fit in the allocation it starts in; no wrap near 2^64. */
static void test_range(void **state)
{
	struct alloc_table t = { 0 };
	long i = -1;

	(void)state;
	add(&t, 0x1000, 0x100);
	add(&t, UINT64_MAX - 0xff, 0x100);
	assert_int_equal(alloc_table_range(&t, 0x1000, 0x100, &i),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(i, 0);
	assert_int_equal(alloc_table_range(&t, 0x10ff, 1, &i), VGPUIF_RSP_OKAY);
	assert_int_equal(alloc_table_range(&t, 0x10ff, 2, &i), VGPUIF_RSP_RANGE);
	assert_int_equal(alloc_table_range(&t, 0x1000, UINT64_MAX, &i),
			 VGPUIF_RSP_RANGE);
	assert_int_equal(alloc_table_range(&t, 0x1100, 1, &i),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(alloc_table_range(&t, UINT64_MAX, 1, &i),
			 VGPUIF_RSP_OKAY);
	assert_int_equal(i, 1);
	assert_int_equal(alloc_table_range(&t, UINT64_MAX, 2, &i),
			 VGPUIF_RSP_RANGE);
	alloc_table_fini(&t);
}

/* Only an allocation's own address frees it; removal keeps the order. */
static void test_free_by_start(void **state)
{
	struct alloc_table t = { 0 };

	(void)state;
	add(&t, 0x1000, 0x100);
	add(&t, 0x2000, 0x200);
	add(&t, 0x3000, 0x300);
	assert_int_equal(alloc_table_find_start(&t, 0x2001), -1);
	assert_int_equal(alloc_table_find_start(&t, 0x2000), 1);
	alloc_table_remove(&t, 1);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.used, 0x400);
	assert_int_equal(alloc_table_find(&t, 0x2000), -1);
	assert_int_equal(alloc_table_find(&t, 0x3000), 1);
	alloc_table_remove(&t, 1);
	alloc_table_remove(&t, 0);
	assert_int_equal(t.used, 0);
	assert_int_equal(alloc_table_find(&t, 0x1000), -1);
	alloc_table_fini(&t);
}

/* Quota: 0 is none; exactly the quota fits; no wrap for huge sizes. */
static void test_quota(void **state)
{
	struct alloc_table t = { 0 };

	(void)state;
	assert_int_equal(alloc_table_quota(&t, 0, UINT64_MAX), VGPUIF_RSP_OKAY);
	add(&t, 0x1000, 600);
	assert_int_equal(alloc_table_quota(&t, 1000, 400), VGPUIF_RSP_OKAY);
	assert_int_equal(alloc_table_quota(&t, 1000, 401), VGPUIF_RSP_QUOTA);
	assert_int_equal(alloc_table_quota(&t, 1000, UINT64_MAX),
			 VGPUIF_RSP_QUOTA);
	/* Quota lowered below what is held: nothing more fits. */
	assert_int_equal(alloc_table_quota(&t, 500, 1), VGPUIF_RSP_QUOTA);
	alloc_table_fini(&t);
}

/* The array grows past its first capacity without losing entries. */
static void test_growth(void **state)
{
	struct alloc_table t = { 0 };

	(void)state;
	for (uint64_t i = 0; i < 100; i++)
		add(&t, (100 - i) * 0x1000, 0x10);
	assert_int_equal(t.n, 100);
	assert_true(t.cap >= 100);
	for (uint64_t i = 1; i <= 100; i++)
		assert_int_equal(alloc_table_find(&t, i * 0x1000 + 0xf),
				 (long)(i - 1));
	alloc_table_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_insert),
		cmocka_unit_test(test_find_edges),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_free_by_start),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
