// SPDX-License-Identifier: MIT
/*
 * Unit tests of the operation table, include/vgpu/vgpuif_ops.h, as
 * userspace builds it (the worker and the test doubles): each operation's
 * row and vgpuif_check_op() at every boundary of every rule, from the list
 * in tests/kunit/vgpuif_ops_cases.h that the KUnit suite also runs. Each
 * request of that list is a test case of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/kunit/vgpuif_ops_cases.h"

#define NR_ROWS VGPUIF_OPS_NR_ARRAY(vgpuif_ops_rows)
#define NR_CASES VGPUIF_OPS_NR_ARRAY(vgpuif_ops_cases)

static void test_rows_match(void **state)
{
	const struct vgpuif_ops_row *r;
	const struct vgpuif_op_desc *d;
	unsigned int i;

	(void)state;
	assert_int_equal(NR_ROWS, VGPUIF_NR_OPS);
	for (i = 0; i < NR_ROWS; i++) {
		r = &vgpuif_ops_rows[i];
		assert_int_equal(r->op, i);
		d = vgpuif_op_desc(r->op);
		assert_non_null(d);
		assert_non_null(d->name);
		assert_string_equal(d->name, r->name);
		assert_string_equal(vgpuif_op_name(r->op), r->name);
		assert_int_equal(vgpuif_op_dirs(r->op), r->dirs);
		assert_int_equal(d->args_lo, r->args_lo);
		assert_int_equal(d->args_hi, r->args_hi);
		/* An operation without data moves none either way. */
		assert_int_equal(d->len_rule == VGPUIF_LEN_ZERO,
				 d->dirs == VGPUIF_DIR_NONE);
	}
}

static void test_unknown_ops(void **state)
{
	union vgpuif_request_args u = { .raw = { 0 } };
	const char *reason = NULL;
	unsigned int i, op;

	(void)state;
	for (i = 0; i < VGPUIF_OPS_NR_ARRAY(vgpuif_ops_unknown); i++) {
		op = vgpuif_ops_unknown[i];
		assert_null(vgpuif_op_desc(op));
		assert_string_equal(vgpuif_op_name(op), "?");
		assert_int_equal(vgpuif_op_dirs(op), VGPUIF_DIR_NONE);
		assert_int_equal(vgpuif_check_op(op, 0, &u, &reason),
				 VGPUIF_RSP_INVALID);
		assert_string_equal(reason, "unknown operation");
	}
}

/* Each row's own request passes, and says "ok". */
static void test_rows_accepted(void **state)
{
	const struct vgpuif_ops_row *r;
	const char *reason = NULL;
	unsigned int i;

	(void)state;
	for (i = 0; i < NR_ROWS; i++) {
		r = &vgpuif_ops_rows[i];
		assert_int_equal(vgpuif_check_op(r->op, r->good_len,
						 &r->good_u, &reason),
				 VGPUIF_RSP_OKAY);
		assert_string_equal(reason, "ok");
	}
}

/* Every byte an operation does not read must be zero, each bit of it. */
static void test_unused_bytes(void **state)
{
	const struct vgpuif_ops_row *r;
	union vgpuif_request_args u;
	const char *reason = NULL;
	unsigned int i, b, bit;

	(void)state;
	for (i = 0; i < NR_ROWS; i++) {
		r = &vgpuif_ops_rows[i];
		for (b = 0; b < sizeof(u.raw); b++) {
			if (b >= r->args_lo && b < r->args_hi)
				continue;
			for (bit = 0; bit < 8; bit++) {
				u = r->good_u;
				u.raw[b] |= (uint8_t)(1u << bit);
				assert_int_equal(vgpuif_check_op(r->op,
								 r->good_len,
								 &u, &reason),
						 VGPUIF_RSP_INVALID);
				assert_string_equal(reason,
						    "unused arguments not zero");
			}
		}
	}
}

/* One request of the list; its case is the state. */
static void test_case(void **state)
{
	const struct vgpuif_ops_case *c = *state;
	const char *reason = NULL;

	assert_int_equal(vgpuif_check_op(c->op, c->data_len, &c->u, &reason),
			 c->status);
	assert_non_null(reason);
	assert_string_equal(reason, c->reason);
}

int main(void)
{
	struct CMUnitTest tests[4 + NR_CASES] = {
		cmocka_unit_test(test_rows_match),
		cmocka_unit_test(test_unknown_ops),
		cmocka_unit_test(test_rows_accepted),
		cmocka_unit_test(test_unused_bytes),
	};
	size_t i;

	for (i = 0; i < NR_CASES; i++) {
		struct CMUnitTest t = {
			.name = vgpuif_ops_cases[i].what,
			.test_func = test_case,
			.initial_state = (void *)&vgpuif_ops_cases[i],
		};

		tests[4 + i] = t;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
