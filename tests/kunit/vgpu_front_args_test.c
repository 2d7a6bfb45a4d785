// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the vgpu frontend's Xen-free logic (frontend/
 * vgpu_front_args.c): ioctl argument checks at their limits, the mapping of
 * every ring status to errno, grant layouts of data buffers, indirect page
 * contents, transfer chunking and request headers, and the wire layout the
 * spec (include/vgpu/vgpuif.h) promises.
 *
 * Over 700 lines on purpose: one suite for one file under test; its cases
 * are tables at each limit.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

/* The code under test is built once, here (no other suite includes it). */
#include "../../frontend/vgpu_front_args.c"

#define PG	VGPUIF_PAGE_SIZE
#define MIB	(1u << 20)

/* ------------------------------------------------------------------ */
/* Wire layout                                                         */
/* ------------------------------------------------------------------ */

static void vgpu_front_wire_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpuif_request), 88);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, id), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, operation), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, nr_segments), 9);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, flags), 10);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, data_len), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, u), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_request, gref), 56);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_launch_args, grid), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_launch_args, block), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_launch_args, shared_mem), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_launch_args, name_len), 36);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_launch_args, params_len), 38);

	KUNIT_EXPECT_EQ(test, sizeof(struct vgpuif_response), 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_response, status), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_response, operation), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_response, ret), 16);

	KUNIT_EXPECT_EQ(test, sizeof(struct vgpuif_info), 112);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_info, pool), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_info, flags), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_info, mem_total), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_info, mem_used), 40);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpuif_info, device_name), 48);

	/* (4096 - 64) / 88 rounded down to a power of two. */
	KUNIT_EXPECT_EQ(test, VGPUIF_RING_SIZE, 32);
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_info), 120);
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_launch), 64);
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_vector_add), 32);
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_mem_xfer), 24);
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

static void vgpu_front_op_writable(struct kunit *test)
{
	static const struct {
		unsigned int op;
		bool writes;
	} cases[] = {
		{ VGPUIF_OP_NOP, false },
		{ VGPUIF_OP_GET_INFO, true },
		{ VGPUIF_OP_MEM_ALLOC, false },
		{ VGPUIF_OP_MEM_FREE, false },
		{ VGPUIF_OP_MEM_WRITE, false },
		{ VGPUIF_OP_MEM_READ, true },
		{ VGPUIF_OP_MODULE_LOAD, false },
		{ VGPUIF_OP_MODULE_UNLOAD, false },
		{ VGPUIF_OP_LAUNCH, false },
		{ VGPUIF_OP_SYNC, false },
		{ VGPUIF_OP_VECTOR_ADD, true },
		{ VGPUIF_OP_FUNC_ATTRS, true },
		{ VGPUIF_NR_OPS, false },
		{ 255, false },
		{ ~0u, false },
	};
	unsigned int i;

	/* Only what the backend writes is granted writable. */
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vgpu_front_op_backend_writes(cases[i].op),
				    cases[i].writes, "op %u", cases[i].op);
}

/* ------------------------------------------------------------------ */
/* Argument checks                                                     */
/* ------------------------------------------------------------------ */

static void expect_check(struct kunit *test, const char *fn, int line,
			 int ret, const char *field, int want,
			 const char *want_field)
{
	KUNIT_EXPECT_EQ_MSG(test, ret, want, "%s, line %d", fn, line);
	if (!ret || !want_field)
		return;
	KUNIT_ASSERT_NOT_NULL_MSG(test, field, "%s, line %d", fn, line);
	KUNIT_EXPECT_STREQ_MSG(test, field, want_field, "%s, line %d", fn,
			       line);
}

/* Run check @fn on @arg; expect @want and, on error, bad field @fld. */
#define EXPECT_CHECK(test, fn, arg, want, fld) do {			\
	const char *__field = NULL;					\
	int __ret = fn(arg, &__field);					\
									\
	expect_check(test, #fn, __LINE__, __ret, __field, want, fld);	\
} while (0)

static struct vgpu_launch vgpu_front_good_launch(void)
{
	struct vgpu_launch l = {
		.module = 5, .name = 0x1000, .params = 0x2000,
		.name_len = 6, .params_len = 16,
		.grid = { 1, 1, 1 }, .block = { 256, 1, 1 },
		.shared_mem = 0, .reserved = 0,
	};

	return l;
}

/*
 * One numeric field of an ioctl argument at its limits: 0 (refused with
 * -EINVAL, or accepted where @zero_ok), 1, max - 1 and max accepted,
 * max + 1 and @top refused with -E2BIG, and the log names @field.
 */
struct limit_case {
	const char *name;
	int (*check)(u64 v, const char **field);
	u64 max, top;
	const char *field;
	bool zero_ok;
};

static int alloc_size(u64 v, const char **field)
{
	struct vgpu_mem_alloc a = { .dptr = 0xdead, .size = v };

	return vgpu_front_check_mem_alloc(&a, field);
}

static int xfer_len(u64 v, const char **field)
{
	struct vgpu_mem_xfer x = { .dptr = 0x1000, .buf = 0x2000, .len = v };

	return vgpu_front_check_mem_xfer(&x, field);
}

static int image_size(u64 v, const char **field)
{
	struct vgpu_module_load m = { .image = 0x1000, .handle = 7, .size = v };

	return vgpu_front_check_module_load(&m, field);
}

static int launch_name_len(u64 v, const char **field)
{
	struct vgpu_launch l = vgpu_front_good_launch();

	l.name_len = v;
	return vgpu_front_check_launch(&l, field);
}

static int launch_params_len(u64 v, const char **field)
{
	struct vgpu_launch l = vgpu_front_good_launch();

	l.params_len = v;
	return vgpu_front_check_launch(&l, field);
}

static int vector_add_n(u64 v, const char **field)
{
	struct vgpu_vector_add a = { .a = 1, .b = 2, .c = 3, .n = v };

	return vgpu_front_check_vector_add(&a, field);
}

static const struct limit_case limit_cases[] = {
	{ "mem_alloc size", alloc_size, VGPU_MEM_ALLOC_MAX, U64_MAX, "size" },
	{ "mem_xfer len", xfer_len, VGPU_XFER_MAX, U64_MAX, "len" },
	{ "module_load size", image_size, VGPU_IMAGE_MAX, 1ull << 32, "size" },
	{ "launch name_len", launch_name_len, VGPU_FUNC_NAME_MAX, U32_MAX,
	  "name_len" },
	{ "launch params_len", launch_params_len, VGPU_PARAMS_MAX, U32_MAX,
	  "params_len", true },
	{ "vector_add n", vector_add_n, VGPU_VECTOR_ADD_MAX, U32_MAX, "n" },
};

static void limit_case_desc(const struct limit_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vgpu_front_limit_cases, limit_cases, limit_case_desc);

static void vgpu_front_check_limits(struct kunit *test)
{
	const struct limit_case *c = test->param_value;

	EXPECT_CHECK(test, c->check, 0, c->zero_ok ? 0 : -EINVAL, c->field);
	EXPECT_CHECK(test, c->check, 1, 0, NULL);
	EXPECT_CHECK(test, c->check, c->max - 1, 0, NULL);
	EXPECT_CHECK(test, c->check, c->max, 0, NULL);
	EXPECT_CHECK(test, c->check, c->max + 1, -E2BIG, c->field);
	EXPECT_CHECK(test, c->check, c->top, -E2BIG, c->field);
}

static void vgpu_front_check_mem_xfer_range(struct kunit *test)
{
	struct vgpu_mem_xfer x = { .buf = 0x2000 };

	/* The device range may end at the last address, not wrap past it. */
	x.dptr = U64_MAX;
	x.len = 1;
	EXPECT_CHECK(test, vgpu_front_check_mem_xfer, &x, 0, NULL);
	x.len = 2;
	EXPECT_CHECK(test, vgpu_front_check_mem_xfer, &x, -EINVAL,
		     "dptr");
	x.dptr = U64_MAX - VGPU_XFER_MAX + 1;
	x.len = VGPU_XFER_MAX;
	EXPECT_CHECK(test, vgpu_front_check_mem_xfer, &x, 0, NULL);
	x.dptr++;
	EXPECT_CHECK(test, vgpu_front_check_mem_xfer, &x, -EINVAL,
		     "dptr");
	/* dptr 0 is the backend's to refuse (ENOENT), not malformed. */
	x.dptr = 0;
	x.len = 4096;
	EXPECT_CHECK(test, vgpu_front_check_mem_xfer, &x, 0, NULL);
}

static void vgpu_front_check_launch_limits(struct kunit *test)
{
	static const struct {
		const char *field;
		u32 max;
		bool block;
	} dims[] = {
		{ "grid", VGPUIF_MAX_GRID_DIM, false },
		{ "block", VGPUIF_MAX_BLOCK_DIM, true },
	};
	struct vgpu_launch l = vgpu_front_good_launch();
	unsigned int i, k;
	u32 *dim;

	EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);

	l.reserved = 1;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
		     "reserved");
	l.reserved = 0x80000000u;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
		     "reserved");

	/* Each dimension alone at its limits, the others 1. */
	for (k = 0; k < ARRAY_SIZE(dims); k++) {
		for (i = 0; i < 3; i++) {
			l = vgpu_front_good_launch();
			dim = dims[k].block ? l.block : l.grid;
			dim[0] = 1;
			dim[i] = 0;
			EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
				     dims[k].field);
			dim[i] = 1;
			EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);
			dim[i] = dims[k].max;
			EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);
			dim[i] = dims[k].max + 1;
			EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
				     dims[k].field);
			dim[i] = U32_MAX;
			EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
				     dims[k].field);
		}
	}

	/* The product of the block dimensions: 1024 and 1025. */
	l = vgpu_front_good_launch();
	l.block[0] = 32;
	l.block[1] = 32;
	l.block[2] = 1;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);
	l.block[2] = 2;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
		     "block");
	l.block[0] = 5;
	l.block[1] = 5;
	l.block[2] = 41;	/* 1025 */
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
		     "block");
	l.block[2] = 40;	/* 1000 */
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);
	/* 1024^3 = 2^30 must not wrap into range. */
	l.block[0] = 1024;
	l.block[1] = 1024;
	l.block[2] = 1024;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, -EINVAL,
		     "block");

	/* shared_mem and module are the backend's to judge. */
	l = vgpu_front_good_launch();
	l.shared_mem = U32_MAX;
	l.module = 0;
	EXPECT_CHECK(test, vgpu_front_check_launch, &l, 0, NULL);
}

static void vgpu_front_check_vector_add_reserved(struct kunit *test)
{
	struct vgpu_vector_add v = { .a = 1, .b = 2, .c = 3, .n = 1 };

	EXPECT_CHECK(test, vgpu_front_check_vector_add, &v, 0, NULL);
	v.reserved = 1;
	EXPECT_CHECK(test, vgpu_front_check_vector_add, &v, -EINVAL,
		     "reserved");
}

/* ------------------------------------------------------------------ */
/* Statuses                                                            */
/* ------------------------------------------------------------------ */

static void vgpu_front_status_errno(struct kunit *test)
{
	/* The table of include/vgpu/vgpuif.h and uapi/linux/vgpu.h. */
	static const struct {
		s32 status;
		int err;
	} cases[] = {
		{ VGPUIF_RSP_OKAY, 0 },
		{ VGPUIF_RSP_ERROR, -EIO },
		{ VGPUIF_RSP_INVALID, -EINVAL },
		{ VGPUIF_RSP_NOT_SUPPORTED, -EOPNOTSUPP },
		{ VGPUIF_RSP_NO_MEMORY, -ENOMEM },
		{ VGPUIF_RSP_QUOTA, -EDQUOT },
		{ VGPUIF_RSP_BAD_HANDLE, -ENOENT },
		{ VGPUIF_RSP_RANGE, -ERANGE },
		{ VGPUIF_RSP_NO_WORKER, -EHOSTDOWN },
		{ VGPUIF_RSP_TIMEOUT, -ETIMEDOUT },
		{ VGPUIF_RSP_RATE_LIMITED, -EAGAIN },
		{ VGPUIF_RSP_BUSY, -EBUSY },
		{ VGPUIF_RSP_FAULT, -EFAULT },
		{ VGPUIF_RSP_NOT_FOUND, -ESRCH },
		{ VGPUIF_RSP_DEVICE_LOST, -ENOMEDIUM },
		/* Whatever else a backend sends is a failure, never success. */
		{ VGPUIF_RSP_LAST - 1, -EIO },
		{ 1, -EIO },
		{ 4, -EIO },
		{ S32_MAX, -EIO },
		{ S32_MIN, -EIO },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vgpu_front_status_to_errno(cases[i].status),
				    cases[i].err, "status %d", cases[i].status);
}

static void vgpu_front_rsp_result_checks_op(struct kunit *test)
{
	struct vgpuif_request req;
	struct vgpuif_response rsp = { .status = VGPUIF_RSP_OKAY };

	vgpu_front_build_simple(&req, VGPUIF_OP_SYNC);
	rsp.operation = VGPUIF_OP_SYNC;
	KUNIT_EXPECT_EQ(test, vgpu_front_rsp_result(&req, &rsp), 0);
	rsp.status = VGPUIF_RSP_QUOTA;
	KUNIT_EXPECT_EQ(test, vgpu_front_rsp_result(&req, &rsp), -EDQUOT);
	/* A response that names another operation is not believed. */
	rsp.status = VGPUIF_RSP_OKAY;
	rsp.operation = VGPUIF_OP_NOP;
	KUNIT_EXPECT_EQ(test, vgpu_front_rsp_result(&req, &rsp), -EIO);
	rsp.operation = 200;
	KUNIT_EXPECT_EQ(test, vgpu_front_rsp_result(&req, &rsp), -EIO);
}

/* ------------------------------------------------------------------ */
/* Negotiation                                                         */
/* ------------------------------------------------------------------ */

static void vgpu_front_negotiation(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vgpu_front_choose_version(0), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_choose_version(1), 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_choose_version(2),
			VGPUIF_PROTOCOL_VERSION);
	KUNIT_EXPECT_EQ(test, vgpu_front_choose_version(UINT_MAX),
			VGPUIF_PROTOCOL_VERSION);

	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(VGPUIF_MAX_DATA_LEN, true),
			VGPUIF_MAX_DATA_LEN);
	KUNIT_EXPECT_EQ(test,
			vgpu_front_max_data_len(VGPUIF_MAX_DATA_LEN + 1, true),
			VGPUIF_MAX_DATA_LEN);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(UINT_MAX, true),
			VGPUIF_MAX_DATA_LEN);
	KUNIT_EXPECT_EQ(test,
			vgpu_front_max_data_len(VGPUIF_MAX_DATA_LEN - 1, true),
			VGPUIF_MAX_DATA_LEN - PG);
	/* Without indirect grants a request reaches 8 pages. */
	KUNIT_EXPECT_EQ(test,
			vgpu_front_max_data_len(VGPUIF_MAX_DATA_LEN, false),
			VGPUIF_MAX_DIRECT_SEGS * PG);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(3 * PG + 5, false),
			3 * PG);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(PG, true), PG);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(PG + 1, true), PG);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(PG - 1, true), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(0, true), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_max_data_len(0, false), 0);
}

/* ------------------------------------------------------------------ */
/* Layouts                                                             */
/* ------------------------------------------------------------------ */

struct layout_case {
	u64 len;
	bool indirect;
	int ret;
	u32 pages;
	u8 segs;
	u32 ind;
	u16 flags;
};

static const struct layout_case layout_cases[] = {
	{ 0, true, 0, 0, 0, 0, 0 },
	{ 1, true, 0, 1, 1, 0, 0 },
	{ PG - 1, true, 0, 1, 1, 0, 0 },
	{ PG, true, 0, 1, 1, 0, 0 },
	{ PG + 1, true, 0, 2, 2, 0, 0 },
	{ 8 * PG - 1, true, 0, 8, 8, 0, 0 },
	{ 8 * PG, true, 0, 8, 8, 0, 0 },
	{ 8 * PG + 1, true, 0, 9, 1, 1, VGPUIF_REQ_F_INDIRECT },
	{ 1024 * PG, true, 0, 1024, 1, 1, VGPUIF_REQ_F_INDIRECT },
	{ 1024 * PG + 1, true, 0, 1025, 2, 2, VGPUIF_REQ_F_INDIRECT },
	{ 12 * MIB, true, 0, 3072, 3, 3, VGPUIF_REQ_F_INDIRECT },
	{ 16 * MIB - 1, true, 0, 4096, 4, 4, VGPUIF_REQ_F_INDIRECT },
	{ 16 * MIB, true, 0, 4096, 4, 4, VGPUIF_REQ_F_INDIRECT },
	{ 16 * MIB + 1, true, -E2BIG, 0, 0, 0, 0 },
	{ 1ull << 32, true, -E2BIG, 0, 0, 0, 0 },
	{ (1ull << 32) + 1, true, -E2BIG, 0, 0, 0, 0 },
	{ U64_MAX, true, -E2BIG, 0, 0, 0, 0 },
	/* A backend without feature-indirect. */
	{ 0, false, 0, 0, 0, 0, 0 },
	{ 4097, false, 0, 2, 2, 0, 0 },
	{ 8 * PG, false, 0, 8, 8, 0, 0 },
	{ 8 * PG + 1, false, -E2BIG, 0, 0, 0, 0 },
	{ 16 * MIB, false, -E2BIG, 0, 0, 0, 0 },
};

static void layout_case_desc(const struct layout_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%llu bytes%s", c->len,
		 c->indirect ? "" : " direct only");
}

KUNIT_ARRAY_PARAM(vgpu_front_layout_cases, layout_cases, layout_case_desc);

static void vgpu_front_layout_param(struct kunit *test)
{
	const struct layout_case *c = test->param_value;
	struct vgpu_front_layout l;

	memset(&l, 0xa5, sizeof(l));
	KUNIT_ASSERT_EQ(test, vgpu_front_layout(c->len, c->indirect, &l),
			c->ret);
	if (c->ret) {
		KUNIT_EXPECT_EQ(test, vgpu_front_layout_grants(&l), 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, l.data_len, (u32)c->len);
	KUNIT_EXPECT_EQ(test, l.nr_data_pages, c->pages);
	KUNIT_EXPECT_EQ(test, l.nr_segments, c->segs);
	KUNIT_EXPECT_EQ(test, l.nr_indirect, c->ind);
	KUNIT_EXPECT_EQ(test, l.flags, c->flags);
	KUNIT_EXPECT_EQ(test, vgpu_front_layout_grants(&l), c->pages + c->ind);
	/* The spec's invariants. */
	KUNIT_EXPECT_EQ(test, l.nr_data_pages,
			(u32)DIV_ROUND_UP(c->len, PG));
	if (l.flags & VGPUIF_REQ_F_INDIRECT) {
		KUNIT_EXPECT_GT(test, l.nr_data_pages, VGPUIF_MAX_DIRECT_SEGS);
		KUNIT_EXPECT_LE(test, l.nr_segments, VGPUIF_MAX_INDIRECT_PAGES);
		KUNIT_EXPECT_EQ(test, l.nr_segments,
				DIV_ROUND_UP(l.nr_data_pages, 1024));
	} else {
		KUNIT_EXPECT_LE(test, l.nr_segments, VGPUIF_MAX_DIRECT_SEGS);
		KUNIT_EXPECT_EQ(test, l.nr_segments, l.nr_data_pages);
	}
}

static grant_ref_t *make_grefs(struct kunit *test, u32 n)
{
	grant_ref_t *g = kunit_kcalloc(test, n ? n : 1, sizeof(*g), GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, g);
	for (i = 0; i < n; i++)
		g[i] = 1000 + i;
	return g;
}

static void vgpu_front_set_grants_direct(struct kunit *test)
{
	static const u64 lens[] = { 0, 1, PG, PG + 1, 8 * PG };
	struct vgpuif_request req;
	struct vgpu_front_layout l;
	grant_ref_t *g = make_grefs(test, 8);
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(lens); k++) {
		KUNIT_ASSERT_EQ(test, vgpu_front_layout(lens[k], true, &l), 0);
		memset(&req, 0xff, sizeof(req));
		vgpu_front_set_grants(&req, &l, g, NULL, NULL);
		KUNIT_EXPECT_EQ(test, req.nr_segments, l.nr_data_pages);
		KUNIT_EXPECT_EQ(test, req.flags, 0);
		for (i = 0; i < VGPUIF_MAX_DIRECT_SEGS; i++)
			KUNIT_EXPECT_EQ_MSG(test, req.gref[i],
					    i < l.nr_data_pages ? g[i] : 0,
					    "len %llu gref[%u]", lens[k], i);
	}
}

static void vgpu_front_set_grants_indirect(struct kunit *test)
{
	static const u64 lens[] = {
		8 * PG + 1, 1024 * PG, 1024 * PG + 1, 12 * MIB, 16 * MIB,
	};
	grant_ref_t ind_grefs[VGPUIF_MAX_INDIRECT_PAGES] = { 11, 22, 33, 44 };
	u32 *ind[VGPUIF_MAX_INDIRECT_PAGES];
	struct vgpuif_request req;
	struct vgpu_front_layout l;
	grant_ref_t *g = make_grefs(test, 4096);
	unsigned int k, i, j;
	u32 idx;

	for (i = 0; i < VGPUIF_MAX_INDIRECT_PAGES; i++) {
		ind[i] = kunit_kmalloc(test, PG, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ind[i]);
	}
	for (k = 0; k < ARRAY_SIZE(lens); k++) {
		KUNIT_ASSERT_EQ(test, vgpu_front_layout(lens[k], true, &l), 0);
		for (i = 0; i < VGPUIF_MAX_INDIRECT_PAGES; i++)
			memset(ind[i], 0xaa, PG);
		memset(&req, 0xff, sizeof(req));
		vgpu_front_set_grants(&req, &l, g, ind_grefs, ind);
		KUNIT_EXPECT_EQ(test, req.nr_segments, l.nr_indirect);
		KUNIT_EXPECT_EQ(test, req.flags, VGPUIF_REQ_F_INDIRECT);
		for (i = 0; i < VGPUIF_MAX_DIRECT_SEGS; i++)
			KUNIT_EXPECT_EQ_MSG(test, req.gref[i],
					    i < l.nr_indirect ? ind_grefs[i] : 0,
					    "len %llu gref[%u]", lens[k], i);
		for (i = 0; i < l.nr_indirect; i++) {
			for (j = 0; j < VGPUIF_GREFS_PER_INDIRECT_PAGE; j++) {
				idx = i * VGPUIF_GREFS_PER_INDIRECT_PAGE + j;
				if (ind[i][j] == (idx < l.nr_data_pages ? g[idx] : 0))
					continue;
				KUNIT_FAIL(test,
					   "len %llu page %u entry %u: %u",
					   lens[k], i, j, ind[i][j]);
				break;
			}
		}
		/* Pages past nr_indirect are not touched. */
		for (i = l.nr_indirect; i < VGPUIF_MAX_INDIRECT_PAGES; i++)
			KUNIT_EXPECT_EQ(test, ind[i][0], 0xaaaaaaaau);
	}
}

/* ------------------------------------------------------------------ */
/* Transfers                                                           */
/* ------------------------------------------------------------------ */

static void vgpu_front_xfer_chunks(struct kunit *test)
{
	const u32 big = VGPUIF_MAX_DATA_LEN;
	u64 off, n, i, sum;
	u32 len;

	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(1, big), 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(big - 1, big), 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(big, big), 1);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(big + 1ull, big), 2);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(VGPU_XFER_MAX, big),
			256);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(VGPU_XFER_MAX - 1, big),
			256);
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(VGPU_XFER_MAX, 8 * PG),
			131072);
	/* Not connected yet: no chunk size. */
	KUNIT_EXPECT_EQ(test, vgpu_front_xfer_nr_chunks(1, 0), 0);

	vgpu_front_xfer_chunk(big + 1ull, big, 0, &off, &len);
	KUNIT_EXPECT_EQ(test, off, 0);
	KUNIT_EXPECT_EQ(test, len, big);
	vgpu_front_xfer_chunk(big + 1ull, big, 1, &off, &len);
	KUNIT_EXPECT_EQ(test, off, (u64)big);
	KUNIT_EXPECT_EQ(test, len, 1);
	vgpu_front_xfer_chunk(big + 1ull, big, 2, &off, &len);
	KUNIT_EXPECT_EQ(test, len, 0);

	/* 4 GiB: every chunk full, contiguous, summing to the length. */
	n = vgpu_front_xfer_nr_chunks(VGPU_XFER_MAX, big);
	for (i = 0, sum = 0; i < n; i++) {
		vgpu_front_xfer_chunk(VGPU_XFER_MAX, big, i, &off, &len);
		KUNIT_EXPECT_EQ(test, off, sum);
		KUNIT_EXPECT_EQ(test, len, big);
		sum += len;
	}
	KUNIT_EXPECT_EQ(test, sum, VGPU_XFER_MAX);

	/* An odd length: only the last chunk is short. */
	n = vgpu_front_xfer_nr_chunks(5 * (u64)big + 12345, big);
	KUNIT_EXPECT_EQ(test, n, 6);
	for (i = 0, sum = 0; i < n; i++) {
		vgpu_front_xfer_chunk(5 * (u64)big + 12345, big, i, &off, &len);
		KUNIT_EXPECT_EQ(test, off, sum);
		KUNIT_EXPECT_EQ(test, len, i < 5 ? big : 12345);
		KUNIT_EXPECT_LE(test, len, VGPUIF_MAX_DATA_LEN);
		sum += len;
	}
	KUNIT_EXPECT_EQ(test, sum, 5 * (u64)big + 12345);
}

/* ------------------------------------------------------------------ */
/* Request headers                                                     */
/* ------------------------------------------------------------------ */

static void expect_clean_hdr(struct kunit *test, const struct vgpuif_request *r,
			     u8 op, u32 data_len)
{
	const char *reason;
	unsigned int i;

	/* What a builder makes passes the protocol's one check. */
	KUNIT_EXPECT_EQ_MSG(test, vgpuif_check_op(r->operation, r->data_len,
						  &r->u, &reason),
			    VGPUIF_RSP_OKAY, "op %u: %s", op, reason);
	KUNIT_EXPECT_EQ(test, r->id, 0);
	KUNIT_EXPECT_EQ(test, r->operation, op);
	KUNIT_EXPECT_EQ(test, r->data_len, data_len);
	KUNIT_EXPECT_EQ(test, r->nr_segments, 0);
	KUNIT_EXPECT_EQ(test, r->flags, 0);
	for (i = 0; i < VGPUIF_MAX_DIRECT_SEGS; i++)
		KUNIT_EXPECT_EQ(test, r->gref[i], 0);
}

static bool raw_zero_from(const struct vgpuif_request *r, size_t from)
{
	size_t i;

	for (i = from; i < sizeof(r->u.raw); i++)
		if (r->u.raw[i])
			return false;
	return true;
}

static void vgpu_front_build_headers(struct kunit *test)
{
	struct vgpu_mem_alloc a = { .size = VGPU_MEM_ALLOC_MAX, .dptr = 9 };
	struct vgpu_mem_free f = { .dptr = 0x123456789abcull };
	struct vgpu_module_load m = { .image = 1, .size = VGPU_IMAGE_MAX };
	struct vgpu_module_unload u = { .handle = 0xfeedull };
	struct vgpu_vector_add v = { .n = VGPU_VECTOR_ADD_MAX };
	struct vgpuif_request r;

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_simple(&r, VGPUIF_OP_NOP);
	expect_clean_hdr(test, &r, VGPUIF_OP_NOP, 0);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 0));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_simple(&r, VGPUIF_OP_SYNC);
	expect_clean_hdr(test, &r, VGPUIF_OP_SYNC, 0);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 0));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_get_info(&r);
	expect_clean_hdr(test, &r, VGPUIF_OP_GET_INFO,
			 sizeof(struct vgpuif_info));
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 0));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_mem_alloc(&r, &a);
	expect_clean_hdr(test, &r, VGPUIF_OP_MEM_ALLOC, 0);
	KUNIT_EXPECT_EQ(test, r.u.mem.dptr, 0);
	KUNIT_EXPECT_EQ(test, r.u.mem.size, VGPU_MEM_ALLOC_MAX);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 16));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_mem_free(&r, &f);
	expect_clean_hdr(test, &r, VGPUIF_OP_MEM_FREE, 0);
	KUNIT_EXPECT_EQ(test, r.u.mem.dptr, f.dptr);
	KUNIT_EXPECT_EQ(test, r.u.mem.size, 0);

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_xfer(&r, VGPUIF_OP_MEM_WRITE, 0x1000, 4097);
	expect_clean_hdr(test, &r, VGPUIF_OP_MEM_WRITE, 4097);
	KUNIT_EXPECT_EQ(test, r.u.mem.dptr, 0x1000);
	KUNIT_EXPECT_EQ(test, r.u.mem.size, 0);

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_xfer(&r, VGPUIF_OP_MEM_READ, U64_MAX,
			      VGPUIF_MAX_DATA_LEN);
	expect_clean_hdr(test, &r, VGPUIF_OP_MEM_READ, VGPUIF_MAX_DATA_LEN);
	KUNIT_EXPECT_EQ(test, r.u.mem.dptr, U64_MAX);

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_module_load(&r, &m);
	expect_clean_hdr(test, &r, VGPUIF_OP_MODULE_LOAD, VGPU_IMAGE_MAX);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 0));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_module_unload(&r, &u);
	expect_clean_hdr(test, &r, VGPUIF_OP_MODULE_UNLOAD, 0);
	KUNIT_EXPECT_EQ(test, r.u.module.handle, 0xfeedull);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 8));

	memset(&r, 0xff, sizeof(r));
	vgpu_front_build_vector_add(&r, &v);
	expect_clean_hdr(test, &r, VGPUIF_OP_VECTOR_ADD,
			 12 * VGPU_VECTOR_ADD_MAX);
	KUNIT_EXPECT_EQ(test, r.u.vector_add.n, VGPU_VECTOR_ADD_MAX);
	KUNIT_EXPECT_EQ(test, r.u.vector_add._pad, 0);
	KUNIT_EXPECT_TRUE(test, raw_zero_from(&r, 8));
}

static void vgpu_front_build_launch_hdr(struct kunit *test)
{
	static const struct {
		u32 name_len, params_len, data_len;
	} cases[] = {
		{ 1, 0, 8 },
		{ 7, 0, 8 },
		{ 8, 0, 8 },
		{ 9, 4, 20 },
		{ 6, 16, 24 },
		{ VGPU_FUNC_NAME_MAX, VGPU_PARAMS_MAX, 4096 + 4096 },
	};
	struct vgpu_launch l = vgpu_front_good_launch();
	struct vgpuif_request r;
	const char *field;
	unsigned int i;

	l.module = 0x1122334455667788ull;
	l.grid[0] = VGPUIF_MAX_GRID_DIM;
	l.grid[1] = 2;
	l.grid[2] = 3;
	l.block[0] = 4;
	l.block[1] = 5;
	l.block[2] = 6;
	l.shared_mem = 48 * 1024;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		l.name_len = cases[i].name_len;
		l.params_len = cases[i].params_len;
		KUNIT_ASSERT_EQ(test, vgpu_front_check_launch(&l, &field), 0);
		memset(&r, 0xff, sizeof(r));
		vgpu_front_build_launch(&r, &l);
		expect_clean_hdr(test, &r, VGPUIF_OP_LAUNCH, cases[i].data_len);
		KUNIT_EXPECT_EQ(test, vgpu_front_launch_params_off(l.name_len) +
				l.params_len, cases[i].data_len);
		KUNIT_EXPECT_EQ(test, r.u.launch.module, l.module);
		KUNIT_EXPECT_EQ(test, r.u.launch.grid[0], VGPUIF_MAX_GRID_DIM);
		KUNIT_EXPECT_EQ(test, r.u.launch.grid[1], 2);
		KUNIT_EXPECT_EQ(test, r.u.launch.grid[2], 3);
		KUNIT_EXPECT_EQ(test, r.u.launch.block[0], 4);
		KUNIT_EXPECT_EQ(test, r.u.launch.block[1], 5);
		KUNIT_EXPECT_EQ(test, r.u.launch.block[2], 6);
		KUNIT_EXPECT_EQ(test, r.u.launch.shared_mem, 48 * 1024);
		KUNIT_EXPECT_EQ(test, r.u.launch.name_len, cases[i].name_len);
		KUNIT_EXPECT_EQ(test, r.u.launch.params_len,
				cases[i].params_len);
	}
	KUNIT_EXPECT_EQ(test, vgpu_front_launch_params_off(1), 8);
	KUNIT_EXPECT_EQ(test, vgpu_front_launch_params_off(8), 8);
	KUNIT_EXPECT_EQ(test, vgpu_front_launch_params_off(255), 256);
}

static void vgpu_front_info_conversion(struct kunit *test)
{
	struct vgpuif_info w;
	struct vgpu_info out;

	memset(&w, 0, sizeof(w));
	w.protocol_version = 1;
	w.vm_id = 101;
	w.pool = 1;
	w.priority = VGPUIF_PRIO_LOW;
	w._pad0 = 0xffff;
	w.flags = VGPUIF_INFO_F_GPU;
	w.mem_total = 80ull << 30;
	w.mem_free = 70ull << 30;
	w.mem_quota = 1ull << 30;
	w.mem_used = 4096;
	strscpy(w.device_name, "NVIDIA H100 80GB HBM3", sizeof(w.device_name));

	memset(&out, 0xff, sizeof(out));
	vgpu_front_info_from_wire(&out, &w);
	KUNIT_EXPECT_EQ(test, out.api_version, VGPU_API_VERSION);
	KUNIT_EXPECT_EQ(test, out.protocol_version, 1);
	KUNIT_EXPECT_EQ(test, out.vm_id, 101);
	KUNIT_EXPECT_EQ(test, out.pool, 1);
	KUNIT_EXPECT_EQ(test, out.priority, VGPU_PRIO_LOW);
	KUNIT_EXPECT_EQ(test, out.reserved0, 0);
	KUNIT_EXPECT_EQ(test, out.flags, VGPU_INFO_F_GPU);
	KUNIT_EXPECT_EQ(test, out.reserved1, 0);
	KUNIT_EXPECT_EQ(test, out.mem_total, 80ull << 30);
	KUNIT_EXPECT_EQ(test, out.mem_free, 70ull << 30);
	KUNIT_EXPECT_EQ(test, out.mem_quota, 1ull << 30);
	KUNIT_EXPECT_EQ(test, out.mem_used, 4096);
	KUNIT_EXPECT_STREQ(test, out.device_name, "NVIDIA H100 80GB HBM3");

	/* An unterminated name from the worker comes out terminated. */
	memset(w.device_name, 'A', sizeof(w.device_name));
	vgpu_front_info_from_wire(&out, &w);
	KUNIT_EXPECT_EQ(test, out.device_name[63], '\0');
	KUNIT_EXPECT_EQ(test, strlen(out.device_name), 63);
}

/* ------------------------------------------------------------------ */
/* Issue 18's ioctls: MEM_SET, MEM_COPY, MODULE_GET_GLOBAL, ATTRS       */
/* ------------------------------------------------------------------ */

#define OPS2_EXPECT(test, call, want, fld) do {				\
	KUNIT_EXPECT_EQ(test, call, want);				\
	if (want)							\
		KUNIT_EXPECT_STREQ(test, field, fld);			\
} while (0)

static void vgpu_front_check_ops2(struct kunit *test)
{
	struct vgpu_mem_set m = { .dptr = 0x1000, .size = 16, .value = 0xffff,
				  .elem_size = 2 };
	struct vgpu_mem_copy c = { .dst = 0x1000, .src = 0x2000, .size = 1 };
	struct vgpu_module_global g = { .module = 1, .name_len = 1 };
	struct vgpu_func_attrs f = { .module = 1, .name_len = 1 };
	const char *field = NULL;
	struct vgpuif_request r;
	const char *reason;

	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), 0, "");
	/* The request it builds is one the protocol accepts. */
	vgpu_front_build_mem_set(&r, &m);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, r.u.memset.elem_size, 2);
	m.elem_size = 3;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL,
		    "elem_size");
	m.elem_size = 2;
	m.value = 0x10000;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL,
		    "value");
	m.value = 1;
	m.size = 15;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL, "size");
	m.size = 0;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL, "size");
	m.size = VGPU_MEM_ALLOC_MAX + 2;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -E2BIG, "size");
	m.size = 2;
	m.dptr = 0x1001;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL, "dptr");
	m.dptr = U64_MAX - 1;
	m.size = 4;
	OPS2_EXPECT(test, vgpu_front_check_mem_set(&m, &field), -EINVAL, "dptr");

	OPS2_EXPECT(test, vgpu_front_check_mem_copy(&c, &field), 0, "");
	vgpu_front_build_mem_copy(&r, &c);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
	c.size = 0;
	OPS2_EXPECT(test, vgpu_front_check_mem_copy(&c, &field), -EINVAL,
		    "size");
	c.size = VGPU_MEM_ALLOC_MAX + 1;
	OPS2_EXPECT(test, vgpu_front_check_mem_copy(&c, &field), -E2BIG, "size");
	c.size = 2;
	c.dst = U64_MAX;
	OPS2_EXPECT(test, vgpu_front_check_mem_copy(&c, &field), -EINVAL, "dst");
	c.dst = 0;
	c.src = U64_MAX;
	OPS2_EXPECT(test, vgpu_front_check_mem_copy(&c, &field), -EINVAL, "src");

	OPS2_EXPECT(test, vgpu_front_check_module_global(&g, &field), 0, "");
	g.name_len = VGPU_FUNC_NAME_MAX;
	vgpu_front_build_module_global(&r, &g);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, r.data_len, VGPU_FUNC_NAME_MAX);
	g.name_len = VGPU_FUNC_NAME_MAX + 1;
	OPS2_EXPECT(test, vgpu_front_check_module_global(&g, &field), -E2BIG,
		    "name_len");
	g.name_len = 0;
	OPS2_EXPECT(test, vgpu_front_check_module_global(&g, &field), -EINVAL,
		    "name_len");
	g.name_len = 1;
	g.reserved = 1;
	OPS2_EXPECT(test, vgpu_front_check_module_global(&g, &field), -EINVAL,
		    "reserved");

	/* FUNC_ATTRS: the same name rules; room for the values after it. */
	OPS2_EXPECT(test, vgpu_front_check_func_attrs(&f, &field), 0, "");
	f.name_len = VGPU_FUNC_NAME_MAX;
	vgpu_front_build_func_attrs(&r, &f);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
	KUNIT_EXPECT_EQ(test, r.data_len, 4096 + 32);
	KUNIT_EXPECT_EQ(test, r.u.func.module, 1);
	f.name_len = 1;
	vgpu_front_build_func_attrs(&r, &f);
	KUNIT_EXPECT_EQ(test, r.data_len, 8 + 32);
	f.name_len = VGPU_FUNC_NAME_MAX + 1;
	OPS2_EXPECT(test, vgpu_front_check_func_attrs(&f, &field), -E2BIG,
		    "name_len");
	f.name_len = 0;
	OPS2_EXPECT(test, vgpu_front_check_func_attrs(&f, &field), -EINVAL,
		    "name_len");
	f.name_len = 1;
	f.reserved = 1;
	OPS2_EXPECT(test, vgpu_front_check_func_attrs(&f, &field), -EINVAL,
		    "reserved");

	vgpu_front_build_device_attrs(&r);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
	vgpu_front_build_simple(&r, VGPUIF_OP_EVENT_RECORD);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r.operation, r.data_len, &r.u,
					      &reason), VGPUIF_RSP_OKAY);
}

/*
 * VGPU_IOC_SUBMIT: the header, each element's header, and each element's
 * argument through the check its single ioctl uses, with the same header
 * built as the single ioctl builds.
 */
static void vgpu_front_check_submit_batch(struct kunit *test)
{
	struct vgpu_submit s = { .ops = 0x1000, .count = 1 };
	struct vgpu_submit_op op = { .cmd = VGPU_IOC_LAUNCH };
	union vgpu_front_async_arg a;
	struct vgpuif_request r1, r2;
	const char *field = NULL;
	const char *reason;

	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_submit), 24);
	KUNIT_EXPECT_EQ(test, sizeof(struct vgpu_submit_op), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpu_submit, done), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct vgpu_submit_op, arg), 8);
	KUNIT_EXPECT_LE(test, VGPU_SUBMIT_WINDOW, VGPUIF_RING_SIZE);

	EXPECT_CHECK(test, vgpu_front_check_submit, &s, 0, NULL);
	s.count = VGPU_SUBMIT_MAX;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, 0, NULL);
	s.count = VGPU_SUBMIT_MAX + 1;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, -E2BIG, "count");
	s.count = U32_MAX;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, -E2BIG, "count");
	s.count = 0;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, -EINVAL, "count");
	s.count = 1;
	s.flags = 1;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, -EINVAL, "flags");
	/* done and issued are outputs: what the caller left there is moot. */
	s.flags = 0;
	s.done = 7;
	s.issued = 9;
	EXPECT_CHECK(test, vgpu_front_check_submit, &s, 0, NULL);

	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, 0, NULL);
	op.cmd = VGPU_IOC_MEM_SET;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, 0, NULL);
	op.cmd = VGPU_IOC_MEM_COPY;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, 0, NULL);
	op.reserved = 1;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, -EINVAL,
		     "element reserved");
	op.reserved = 0;
	/* Only argument-only operations: no transfers, no nesting. */
	op.cmd = VGPU_IOC_MEM_WRITE;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, -EINVAL,
		     "element cmd");
	op.cmd = VGPU_IOC_SUBMIT;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, -EINVAL,
		     "element cmd");
	op.cmd = VGPUIF_OP_LAUNCH;	/* the wire number is not the ioctl's */
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, -EINVAL,
		     "element cmd");
	op.cmd = 0;
	EXPECT_CHECK(test, vgpu_front_check_submit_op, &op, -EINVAL,
		     "element cmd");
	KUNIT_EXPECT_EQ(test, vgpu_front_async_arg_size(VGPU_IOC_LAUNCH),
			sizeof(struct vgpu_launch));
	KUNIT_EXPECT_EQ(test, vgpu_front_async_arg_size(VGPU_IOC_MEM_SET),
			sizeof(struct vgpu_mem_set));
	KUNIT_EXPECT_EQ(test, vgpu_front_async_arg_size(VGPU_IOC_MEM_COPY),
			sizeof(struct vgpu_mem_copy));
	KUNIT_EXPECT_EQ(test, vgpu_front_async_arg_size(VGPU_IOC_SYNC), 0);
	KUNIT_EXPECT_EQ(test, vgpu_front_async_op(VGPU_IOC_LAUNCH),
			VGPUIF_OP_LAUNCH);
	KUNIT_EXPECT_EQ(test, vgpu_front_async_op(VGPU_IOC_MEM_SET),
			VGPUIF_OP_MEM_SET);
	KUNIT_EXPECT_EQ(test, vgpu_front_async_op(VGPU_IOC_MEM_COPY),
			VGPUIF_OP_MEM_COPY);

	/* LAUNCH: the single ioctl's check and header. */
	memset(&a, 0, sizeof(a));
	a.launch = vgpu_front_good_launch();
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_LAUNCH, &a, &field),
		    0, "");
	vgpu_front_build_async(&r1, VGPU_IOC_LAUNCH, &a);
	vgpu_front_build_launch(&r2, &a.launch);
	KUNIT_EXPECT_EQ(test, memcmp(&r1, &r2, sizeof(r1)), 0);
	KUNIT_EXPECT_EQ(test, vgpuif_check_op(r1.operation, r1.data_len, &r1.u,
					      &reason), VGPUIF_RSP_OKAY);
	a.launch.grid[1] = 0;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_LAUNCH, &a, &field),
		    -EINVAL, "grid");
	a.launch = vgpu_front_good_launch();
	a.launch.name_len = VGPU_FUNC_NAME_MAX + 1;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_LAUNCH, &a, &field),
		    -E2BIG, "name_len");
	a.launch = vgpu_front_good_launch();
	a.launch.reserved = 1;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_LAUNCH, &a, &field),
		    -EINVAL, "reserved");

	/* MEM_SET */
	memset(&a, 0, sizeof(a));
	a.set = (struct vgpu_mem_set){ .dptr = 0x1000, .size = 8,
				       .value = 0xab, .elem_size = 1 };
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_SET, &a, &field),
		    0, "");
	vgpu_front_build_async(&r1, VGPU_IOC_MEM_SET, &a);
	vgpu_front_build_mem_set(&r2, &a.set);
	KUNIT_EXPECT_EQ(test, memcmp(&r1, &r2, sizeof(r1)), 0);
	a.set.elem_size = 8;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_SET, &a, &field),
		    -EINVAL, "elem_size");
	a.set.elem_size = 1;
	a.set.value = 0x100;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_SET, &a, &field),
		    -EINVAL, "value");

	/* MEM_COPY */
	memset(&a, 0, sizeof(a));
	a.copy = (struct vgpu_mem_copy){ .dst = 0x1000, .src = 0x2000,
					 .size = 64 };
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_COPY, &a,
						 &field), 0, "");
	vgpu_front_build_async(&r1, VGPU_IOC_MEM_COPY, &a);
	vgpu_front_build_mem_copy(&r2, &a.copy);
	KUNIT_EXPECT_EQ(test, memcmp(&r1, &r2, sizeof(r1)), 0);
	a.copy.size = 0;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_COPY, &a,
						 &field), -EINVAL, "size");
	a.copy.size = 2;
	a.copy.src = U64_MAX;
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_COPY, &a,
						 &field), -EINVAL, "src");
	/* A cmd the element check refuses is refused here too. */
	OPS2_EXPECT(test, vgpu_front_check_async(VGPU_IOC_MEM_READ, &a,
						 &field), -EINVAL, "cmd");
}

/* A worker's count past the table and an unterminated name are cut. */
static void vgpu_front_attrs_conversion(struct kunit *test)
{
	struct vgpuif_device_attrs *in = kunit_kzalloc(test, sizeof(*in),
						       GFP_KERNEL);
	struct vgpu_device_attrs *out = kunit_kzalloc(test, sizeof(*out),
						      GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	memset(in, 0x41, sizeof(*in));
	in->nr_attrs = 1000;
	vgpu_front_attrs_from_wire(out, in);
	KUNIT_EXPECT_EQ(test, out->nr_attrs, VGPU_NR_ATTRS);
	KUNIT_EXPECT_EQ(test, out->name[sizeof(out->name) - 1], 0);
	KUNIT_EXPECT_EQ(test, out->attr[VGPU_NR_ATTRS - 1], 0x41414141);
	KUNIT_EXPECT_EQ(test, out->attr[VGPU_NR_ATTRS], 0);
	KUNIT_EXPECT_EQ(test, out->uuid[15], 0x41);
	in->nr_attrs = 3;
	vgpu_front_attrs_from_wire(out, in);
	KUNIT_EXPECT_EQ(test, out->attr[2], 0x41414141);
	KUNIT_EXPECT_EQ(test, out->attr[3], 0);
}

static struct kunit_case vgpu_front_args_cases[] = {
	KUNIT_CASE(vgpu_front_wire_layout),
	KUNIT_CASE(vgpu_front_op_writable),
	KUNIT_CASE_PARAM(vgpu_front_check_limits,
			 vgpu_front_limit_cases_gen_params),
	KUNIT_CASE(vgpu_front_check_mem_xfer_range),
	KUNIT_CASE(vgpu_front_check_launch_limits),
	KUNIT_CASE(vgpu_front_check_vector_add_reserved),
	KUNIT_CASE(vgpu_front_status_errno),
	KUNIT_CASE(vgpu_front_rsp_result_checks_op),
	KUNIT_CASE(vgpu_front_negotiation),
	KUNIT_CASE_PARAM(vgpu_front_layout_param,
			 vgpu_front_layout_cases_gen_params),
	KUNIT_CASE(vgpu_front_set_grants_direct),
	KUNIT_CASE(vgpu_front_set_grants_indirect),
	KUNIT_CASE(vgpu_front_xfer_chunks),
	KUNIT_CASE(vgpu_front_build_headers),
	KUNIT_CASE(vgpu_front_build_launch_hdr),
	KUNIT_CASE(vgpu_front_info_conversion),
	KUNIT_CASE(vgpu_front_check_ops2),
	KUNIT_CASE(vgpu_front_check_submit_batch),
	KUNIT_CASE(vgpu_front_attrs_conversion),
	{}
};

static struct kunit_suite vgpu_front_args_suite = {
	.name = "vgpu_front_args",
	.test_cases = vgpu_front_args_cases,
};
kunit_test_suite(vgpu_front_args_suite);

MODULE_LICENSE("GPL");
