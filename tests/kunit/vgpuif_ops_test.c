// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the operation table, include/vgpu/vgpuif_ops.h, as the
 * kernel builds it: each operation's row (name, data direction, argument
 * bytes) and vgpuif_check_op() at every boundary of every rule, from the
 * list in vgpuif_ops_cases.h that tests/unit/test_vgpuif_ops.c also runs.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "vgpuif_ops_cases.h"

static void vgpuif_ops_rows_match(struct kunit *test)
{
	const struct vgpuif_ops_row *r;
	const struct vgpuif_op_desc *d;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(vgpuif_ops_rows), VGPUIF_NR_OPS);
	for (i = 0; i < ARRAY_SIZE(vgpuif_ops_rows); i++) {
		r = &vgpuif_ops_rows[i];
		KUNIT_ASSERT_EQ(test, r->op, i);
		d = vgpuif_op_desc(r->op);
		KUNIT_ASSERT_NOT_NULL_MSG(test, d, "op %u", r->op);
		KUNIT_ASSERT_NOT_NULL_MSG(test, d->name, "op %u", r->op);
		KUNIT_EXPECT_STREQ(test, d->name, r->name);
		KUNIT_EXPECT_STREQ(test, vgpuif_op_name(r->op), r->name);
		KUNIT_EXPECT_EQ_MSG(test, vgpuif_op_dirs(r->op), r->dirs,
				    "%s", r->name);
		KUNIT_EXPECT_EQ_MSG(test, d->args_lo, r->args_lo, "%s",
				    r->name);
		KUNIT_EXPECT_EQ_MSG(test, d->args_hi, r->args_hi, "%s",
				    r->name);
		/* An operation without data moves none either way. */
		KUNIT_EXPECT_EQ_MSG(test, d->len_rule == VGPUIF_LEN_ZERO,
				    d->dirs == VGPUIF_DIR_NONE, "%s", r->name);
	}
}

static void vgpuif_ops_unknown_ops(struct kunit *test)
{
	union vgpuif_request_args u = { .raw = { 0 } };
	const char *reason = NULL;
	unsigned int i, op;

	for (i = 0; i < ARRAY_SIZE(vgpuif_ops_unknown); i++) {
		op = vgpuif_ops_unknown[i];
		KUNIT_EXPECT_NULL(test, vgpuif_op_desc(op));
		KUNIT_EXPECT_STREQ(test, vgpuif_op_name(op), "?");
		KUNIT_EXPECT_EQ(test, vgpuif_op_dirs(op), VGPUIF_DIR_NONE);
		KUNIT_EXPECT_EQ_MSG(test, vgpuif_check_op(op, 0, &u, &reason),
				    VGPUIF_RSP_INVALID, "op %u", op);
		KUNIT_EXPECT_STREQ(test, reason, "unknown operation");
	}
}

/* Each row's own request passes, and says "ok". */
static void vgpuif_ops_rows_accepted(struct kunit *test)
{
	const struct vgpuif_ops_row *r;
	const char *reason = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vgpuif_ops_rows); i++) {
		r = &vgpuif_ops_rows[i];
		KUNIT_EXPECT_EQ_MSG(test, vgpuif_check_op(r->op, r->good_len,
							  &r->good_u, &reason),
				    VGPUIF_RSP_OKAY, "%s: %s", r->name, reason);
		KUNIT_EXPECT_STREQ(test, reason, "ok");
	}
}

/* Every byte an operation does not read must be zero, each bit of it. */
static void vgpuif_ops_unused_bytes(struct kunit *test)
{
	static const u8 bits[] = { 0x01, 0x80 };
	const struct vgpuif_ops_row *r;
	union vgpuif_request_args u;
	const char *reason = NULL;
	unsigned int i, b, k;

	for (i = 0; i < ARRAY_SIZE(vgpuif_ops_rows); i++) {
		r = &vgpuif_ops_rows[i];
		for (b = 0; b < sizeof(u.raw); b++) {
			if (b >= r->args_lo && b < r->args_hi)
				continue;
			for (k = 0; k < ARRAY_SIZE(bits); k++) {
				u = r->good_u;
				u.raw[b] |= bits[k];
				KUNIT_EXPECT_EQ_MSG(test,
						    vgpuif_check_op(r->op,
								    r->good_len,
								    &u, &reason),
						    VGPUIF_RSP_INVALID,
						    "%s byte %u", r->name, b);
				KUNIT_EXPECT_STREQ(test, reason,
						   "unused arguments not zero");
			}
		}
	}
}

static void vgpuif_ops_case_desc(const struct vgpuif_ops_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vgpuif_ops_cases, vgpuif_ops_cases, vgpuif_ops_case_desc);

static void vgpuif_ops_check(struct kunit *test)
{
	const struct vgpuif_ops_case *c = test->param_value;
	const char *reason = NULL;

	KUNIT_EXPECT_EQ(test, vgpuif_check_op(c->op, c->data_len, &c->u,
					      &reason), c->status);
	KUNIT_ASSERT_NOT_NULL(test, reason);
	KUNIT_EXPECT_STREQ(test, reason, c->reason);
}

/* Every status vgpuif.h defines passes the backend, DEVICE_LOST included. */
static void vgpuif_ops_statuses(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vgpuif_status_known(VGPUIF_RSP_OKAY));
	KUNIT_EXPECT_TRUE(test, vgpuif_status_known(VGPUIF_RSP_NOT_FOUND));
	KUNIT_EXPECT_TRUE(test, vgpuif_status_known(VGPUIF_RSP_DEVICE_LOST));
	KUNIT_EXPECT_TRUE(test, vgpuif_status_known(VGPUIF_RSP_LAST));
	KUNIT_EXPECT_FALSE(test, vgpuif_status_known(VGPUIF_RSP_LAST - 1));
	KUNIT_EXPECT_FALSE(test, vgpuif_status_known(1));
	KUNIT_EXPECT_FALSE(test, vgpuif_status_known(-2147483647 - 1));
}

static struct kunit_case vgpuif_ops_test_cases[] = {
	KUNIT_CASE(vgpuif_ops_statuses),
	KUNIT_CASE(vgpuif_ops_rows_match),
	KUNIT_CASE(vgpuif_ops_unknown_ops),
	KUNIT_CASE(vgpuif_ops_rows_accepted),
	KUNIT_CASE(vgpuif_ops_unused_bytes),
	KUNIT_CASE_PARAM(vgpuif_ops_check, vgpuif_ops_cases_gen_params),
	{}
};

static struct kunit_suite vgpuif_ops_suite = {
	.name = "vgpuif_ops",
	.test_cases = vgpuif_ops_test_cases,
};
kunit_test_suite(vgpuif_ops_suite);

MODULE_LICENSE("GPL");
