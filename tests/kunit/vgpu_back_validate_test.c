// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the backend's request validation and xenstore parsing
 * (backend/vgpu_back_validate.c): every rule of include/vgpu/vgpuif.h with
 * an accepted and a refused case at each limit, as the backend applies
 * them to a whole request (the grant rules are its own, the operation
 * rules come from include/vgpu/vgpuif_ops.h, whose own suite is
 * vgpuif_ops_test.c), the copy rules of uapi/linux/vgpu_back.h, and the
 * xenstore values.
 *
 * Over 700 lines on purpose: one suite for one file under test, a case
 * at each limit of each rule.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <linux/types.h>

#include "../../backend/vgpu_back_validate.h"

#define OK	VGPUIF_RSP_OKAY
#define INVAL	VGPUIF_RSP_INVALID
#define PG	VGPUIF_PAGE_SIZE

/* Grant refs a buffer of @len bytes needs, and its segments either way. */
static u32 pages_of(u32 len)
{
	return DIV_ROUND_UP(len, PG);
}

/* Give @req a data buffer of @len bytes, direct if it fits. */
static void set_data(struct vgpuif_request *req, u32 len)
{
	u32 pages = pages_of(len);

	req->data_len = len;
	if (pages <= VGPUIF_MAX_DIRECT_SEGS) {
		req->flags = 0;
		req->nr_segments = pages;
	} else {
		req->flags = VGPUIF_REQ_F_INDIRECT;
		req->nr_segments =
			DIV_ROUND_UP(pages, VGPUIF_GREFS_PER_INDIRECT_PAGE);
	}
}

/* A valid request of each operation. */
static void make_req(struct vgpuif_request *req, u8 op)
{
	memset(req, 0, sizeof(*req));
	req->id = 0x1234;
	req->operation = op;
	switch (op) {
	case VGPUIF_OP_GET_INFO:
		set_data(req, sizeof(struct vgpuif_info));
		break;
	case VGPUIF_OP_MEM_ALLOC:
		req->u.mem.size = 4096;
		break;
	case VGPUIF_OP_MEM_FREE:
		req->u.mem.dptr = 0x7f0000001000ull;
		break;
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
		req->u.mem.dptr = 0x7f0000001000ull;
		set_data(req, 3 * PG + 5);
		break;
	case VGPUIF_OP_MODULE_LOAD:
		set_data(req, 100000);
		break;
	case VGPUIF_OP_MODULE_UNLOAD:
		req->u.module.handle = 77;
		break;
	case VGPUIF_OP_LAUNCH:
		req->u.launch.module = 77;
		req->u.launch.grid[0] = 64;
		req->u.launch.grid[1] = 1;
		req->u.launch.grid[2] = 1;
		req->u.launch.block[0] = 256;
		req->u.launch.block[1] = 1;
		req->u.launch.block[2] = 1;
		req->u.launch.name_len = 5;
		req->u.launch.params_len = 24;
		set_data(req, 8 + 24);
		break;
	case VGPUIF_OP_VECTOR_ADD:
		req->u.vector_add.n = 1000;
		set_data(req, 12 * 1000);
		break;
	case VGPUIF_OP_MEM_SET:
		req->u.memset.dptr = 0x7f0000001000ull;
		req->u.memset.size = 4096;
		req->u.memset.value = 0xdeadbeef;
		req->u.memset.elem_size = 4;
		break;
	case VGPUIF_OP_MEM_COPY:
		req->u.copy.dst = 0x7f0000001000ull;
		req->u.copy.src = 0x7f0000009000ull;
		req->u.copy.size = 1ull << 30;
		break;
	case VGPUIF_OP_MODULE_GET_GLOBAL:
		req->u.global.module = 77;
		req->u.global.name_len = 11;
		set_data(req, 11);
		break;
	case VGPUIF_OP_DEVICE_ATTRS:
		set_data(req, sizeof(struct vgpuif_device_attrs));
		break;
	case VGPUIF_OP_FUNC_ATTRS:
		req->u.func.module = 77;
		req->u.func.name_len = 6;
		set_data(req, 8 + sizeof(struct vgpuif_func_attrs));
		break;
	default:	/* NOP, SYNC, EVENT_RECORD */
		break;
	}
}

static int check(const struct vgpuif_request *req)
{
	struct vgpu_back_req_info info;
	const char *reason = NULL;
	int ret;

	ret = vgpu_back_validate_request(req, &info, &reason);
	/* Every answer comes with a reason for the log. */
	if (!reason || !*reason)
		return -1000;
	return ret;
}

static void validate_each_op_ok(struct kunit *test)
{
	struct vgpuif_request req;
	struct vgpu_back_req_info info;
	const char *reason;
	u8 op;

	for (op = 0; op < VGPUIF_NR_OPS; op++) {
		make_req(&req, op);
		KUNIT_EXPECT_EQ_MSG(test,
				    vgpu_back_validate_request(&req, &info,
							       &reason),
				    OK, "op %u: %s", op, reason);
		KUNIT_EXPECT_STREQ(test, reason, "ok");
		KUNIT_EXPECT_EQ(test, info.nr_data_pages,
				pages_of(req.data_len));
		KUNIT_EXPECT_EQ(test, info.nr_segments, req.nr_segments);
		KUNIT_EXPECT_EQ(test, info.indirect,
				!!(req.flags & VGPUIF_REQ_F_INDIRECT));
	}
}

static void validate_unknown_operation(struct kunit *test)
{
	static const u8 ops[] = { VGPUIF_NR_OPS, VGPUIF_NR_OPS + 1, 0x80,
				  0xff };
	struct vgpuif_request req;
	struct vgpu_back_req_info info;
	const char *reason;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		make_req(&req, VGPUIF_OP_NOP);
		req.operation = ops[i];
		info.nr_data_pages = 99;
		KUNIT_EXPECT_EQ(test, vgpu_back_validate_request(&req, &info,
								 &reason),
				INVAL);
		KUNIT_EXPECT_STREQ(test, reason, "unknown operation");
		/* Nothing of a refused request is reported as usable. */
		KUNIT_EXPECT_EQ(test, info.nr_data_pages, 0);
	}
}

static void validate_flags(struct kunit *test)
{
	struct vgpuif_request req;
	unsigned int bit;

	/* Every bit outside VGPUIF_REQ_F_ALL is refused, with or without data. */
	for (bit = 0; bit < 16; bit++) {
		if (BIT(bit) & VGPUIF_REQ_F_ALL)
			continue;
		make_req(&req, VGPUIF_OP_MEM_WRITE);
		req.flags |= BIT(bit);
		KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "bit %u", bit);
		make_req(&req, VGPUIF_OP_NOP);
		req.flags = BIT(bit);
		KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "bit %u", bit);
	}
	/* No data: no flags at all, not even INDIRECT. */
	make_req(&req, VGPUIF_OP_NOP);
	req.flags = VGPUIF_REQ_F_INDIRECT;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	make_req(&req, VGPUIF_OP_MEM_ALLOC);
	req.flags = VGPUIF_REQ_F_INDIRECT;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_no_data_segments(struct kunit *test)
{
	static const u8 no_data_ops[] = {
		VGPUIF_OP_NOP, VGPUIF_OP_MEM_ALLOC, VGPUIF_OP_MEM_FREE,
		VGPUIF_OP_MODULE_UNLOAD, VGPUIF_OP_SYNC,
	};
	struct vgpuif_request req;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(no_data_ops); i++) {
		make_req(&req, no_data_ops[i]);
		KUNIT_EXPECT_EQ(test, check(&req), OK);
		/* data_len 0 with a segment */
		req.nr_segments = 1;
		KUNIT_EXPECT_EQ(test, check(&req), INVAL);
		/* these operations carry no data at all */
		make_req(&req, no_data_ops[i]);
		set_data(&req, 1);
		KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "op %u",
				    no_data_ops[i]);
	}
}

static void validate_direct_segments(struct kunit *test)
{
	struct vgpuif_request req;

	make_req(&req, VGPUIF_OP_MEM_WRITE);

	req.data_len = 1;
	req.nr_segments = 1;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.nr_segments = 0;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 2;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	req.data_len = PG;
	req.nr_segments = 1;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.data_len = PG + 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 2;
	KUNIT_EXPECT_EQ(test, check(&req), OK);

	/* The most a direct request can carry, and one byte more. */
	req.data_len = VGPUIF_MAX_DIRECT_SEGS * PG;
	req.nr_segments = VGPUIF_MAX_DIRECT_SEGS;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.data_len++;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = VGPUIF_MAX_DIRECT_SEGS + 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 255;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_indirect_segments(struct kunit *test)
{
	struct vgpuif_request req;
	struct vgpu_back_req_info info;
	const char *reason;
	const u32 per = VGPUIF_GREFS_PER_INDIRECT_PAGE;

	make_req(&req, VGPUIF_OP_MEM_WRITE);
	req.flags = VGPUIF_REQ_F_INDIRECT;

	/* Indirect is allowed even for a buffer that would fit directly. */
	req.data_len = 1;
	req.nr_segments = 1;
	KUNIT_EXPECT_EQ(test, vgpu_back_validate_request(&req, &info, &reason),
			OK);
	KUNIT_EXPECT_TRUE(test, info.indirect);
	KUNIT_EXPECT_EQ(test, info.nr_data_pages, 1);
	req.nr_segments = 0;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 2;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	/* One indirect page names up to 1024 data pages. */
	req.data_len = per * PG;
	req.nr_segments = 1;
	KUNIT_EXPECT_EQ(test, vgpu_back_validate_request(&req, &info, &reason),
			OK);
	KUNIT_EXPECT_EQ(test, info.nr_data_pages, per);
	req.data_len++;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 2;
	KUNIT_EXPECT_EQ(test, vgpu_back_validate_request(&req, &info, &reason),
			OK);
	KUNIT_EXPECT_EQ(test, info.nr_data_pages, per + 1);

	/* VGPUIF_MAX_DATA_LEN needs all VGPUIF_MAX_INDIRECT_PAGES. */
	req.data_len = VGPUIF_MAX_DATA_LEN;
	req.nr_segments = VGPUIF_MAX_INDIRECT_PAGES;
	KUNIT_EXPECT_EQ(test, vgpu_back_validate_request(&req, &info, &reason),
			OK);
	KUNIT_EXPECT_EQ(test, info.nr_data_pages, VGPUIF_MAX_DATA_LEN / PG);
	req.nr_segments = VGPUIF_MAX_INDIRECT_PAGES - 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = VGPUIF_MAX_INDIRECT_PAGES + 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.nr_segments = 255;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_max_data_len(struct kunit *test)
{
	static const u32 lens[] = { VGPUIF_MAX_DATA_LEN + 1,
				    VGPUIF_MAX_DATA_LEN + PG, U32_MAX };
	struct vgpuif_request req;
	unsigned int i;

	make_req(&req, VGPUIF_OP_MODULE_LOAD);
	set_data(&req, VGPUIF_MAX_DATA_LEN);
	KUNIT_EXPECT_EQ(test, check(&req), OK);

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		/* Whatever segment count the guest claims. */
		req.data_len = lens[i];
		req.flags = VGPUIF_REQ_F_INDIRECT;
		for (req.nr_segments = 0; req.nr_segments < 8;
		     req.nr_segments++)
			KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL,
					    "len %u segs %u", lens[i],
					    req.nr_segments);
	}
}

/* Each byte of the union from @from on must be zero for @op. */
static void expect_args_reserved(struct kunit *test, u8 op, size_t from)
{
	struct vgpuif_request req;
	size_t i;

	for (i = from; i < sizeof(req.u.raw); i++) {
		make_req(&req, op);
		req.u.raw[i] = 0x01;
		KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "op %u byte %zu",
				    op, i);
		make_req(&req, op);
		req.u.raw[i] = 0x80;
		KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "op %u byte %zu",
				    op, i);
	}
}

static void validate_reserved_args(struct kunit *test)
{
	expect_args_reserved(test, VGPUIF_OP_NOP, 0);
	expect_args_reserved(test, VGPUIF_OP_SYNC, 0);
	expect_args_reserved(test, VGPUIF_OP_GET_INFO, 0);
	expect_args_reserved(test, VGPUIF_OP_MODULE_LOAD, 0);
	/* ALLOC: only size (bytes 8..15) is used. */
	expect_args_reserved(test, VGPUIF_OP_MEM_ALLOC, 16);
	/* FREE/WRITE/READ: only dptr (bytes 0..7) is used. */
	expect_args_reserved(test, VGPUIF_OP_MEM_FREE, 8);
	expect_args_reserved(test, VGPUIF_OP_MEM_WRITE, 8);
	expect_args_reserved(test, VGPUIF_OP_MEM_READ, 8);
	expect_args_reserved(test, VGPUIF_OP_MODULE_UNLOAD, 8);
	/* VECTOR_ADD: n, then _pad (4..7) and the rest must be zero. */
	expect_args_reserved(test, VGPUIF_OP_VECTOR_ADD, 4);
}

static void validate_unused_grefs_ignored(struct kunit *test)
{
	struct vgpuif_request req;
	unsigned int i;

	make_req(&req, VGPUIF_OP_MEM_WRITE);
	for (i = req.nr_segments; i < VGPUIF_MAX_DIRECT_SEGS; i++)
		req.gref[i] = 0xdeadbeef;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	make_req(&req, VGPUIF_OP_NOP);
	for (i = 0; i < VGPUIF_MAX_DIRECT_SEGS; i++)
		req.gref[i] = i + 1;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
}

/* The data_len rule of each operation with data, at its limits. */
static void validate_data_len(struct kunit *test)
{
	static const struct {
		u8 op;
		u32 len;
		int want;
	} t[] = {
		{ VGPUIF_OP_GET_INFO, sizeof(struct vgpuif_info), OK },
		{ VGPUIF_OP_GET_INFO, sizeof(struct vgpuif_info) - 1, INVAL },
		{ VGPUIF_OP_GET_INFO, 0, INVAL },
		{ VGPUIF_OP_GET_INFO, PG, OK },
		{ VGPUIF_OP_GET_INFO, VGPUIF_MAX_DATA_LEN, OK },
		{ VGPUIF_OP_MEM_WRITE, 0, INVAL },
		{ VGPUIF_OP_MEM_WRITE, 1, OK },
		{ VGPUIF_OP_MEM_WRITE, VGPUIF_MAX_DATA_LEN, OK },
		{ VGPUIF_OP_MEM_READ, 0, INVAL },
		{ VGPUIF_OP_MEM_READ, 1, OK },
		{ VGPUIF_OP_MEM_READ, VGPUIF_MAX_DATA_LEN, OK },
		{ VGPUIF_OP_MODULE_LOAD, 0, INVAL },
		{ VGPUIF_OP_MODULE_LOAD, 1, OK },
		{ VGPUIF_OP_MODULE_LOAD, VGPUIF_MAX_DATA_LEN, OK },
	};
	struct vgpuif_request req;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		make_req(&req, t[i].op);
		set_data(&req, t[i].len);
		KUNIT_EXPECT_EQ_MSG(test, check(&req), t[i].want,
				    "op %u len %u", t[i].op, t[i].len);
	}
}

static void validate_mem_alloc(struct kunit *test)
{
	struct vgpuif_request req;

	make_req(&req, VGPUIF_OP_MEM_ALLOC);
	req.u.mem.size = 0;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.u.mem.size = 1;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.u.mem.size = VGPUIF_MAX_ALLOC;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.u.mem.size = VGPUIF_MAX_ALLOC + 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.u.mem.size = U64_MAX;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	make_req(&req, VGPUIF_OP_MEM_ALLOC);
	req.u.mem.dptr = 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_mem_free_write_read(struct kunit *test)
{
	static const u8 ops[] = { VGPUIF_OP_MEM_FREE, VGPUIF_OP_MEM_WRITE,
				  VGPUIF_OP_MEM_READ };
	struct vgpuif_request req;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		/* dptr is the worker's business: any value passes here. */
		make_req(&req, ops[i]);
		req.u.mem.dptr = 0;
		KUNIT_EXPECT_EQ(test, check(&req), OK);
		req.u.mem.dptr = U64_MAX;
		KUNIT_EXPECT_EQ(test, check(&req), OK);
		/* size belongs to ALLOC only */
		req.u.mem.size = 1;
		KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	}

}

static void validate_module_unload(struct kunit *test)
{
	struct vgpuif_request req;

	make_req(&req, VGPUIF_OP_MODULE_UNLOAD);
	req.u.module.handle = 0;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.u.module.handle = U64_MAX;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
}

static void validate_launch_dims(struct kunit *test)
{
	static const struct {
		const char *name;
		u32 max;
		bool block;
	} dims[] = {
		{ "grid", VGPUIF_MAX_GRID_DIM, false },
		{ "block", VGPUIF_MAX_BLOCK_DIM, true },
	};
	struct vgpuif_request req;
	unsigned int d, k;
	u32 *dim;

	/* Each dimension alone at its limits, the others 1. */
	for (k = 0; k < ARRAY_SIZE(dims); k++) {
		for (d = 0; d < 3; d++) {
			make_req(&req, VGPUIF_OP_LAUNCH);
			dim = dims[k].block ? req.u.launch.block :
					      req.u.launch.grid;
			dim[0] = 1;
			dim[d] = 0;
			KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "%s %u",
					    dims[k].name, d);
			dim[d] = 1;
			KUNIT_EXPECT_EQ_MSG(test, check(&req), OK, "%s %u",
					    dims[k].name, d);
			dim[d] = dims[k].max;
			KUNIT_EXPECT_EQ_MSG(test, check(&req), OK, "%s %u",
					    dims[k].name, d);
			dim[d] = dims[k].max + 1;
			KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "%s %u",
					    dims[k].name, d);
			dim[d] = U32_MAX;
			KUNIT_EXPECT_EQ_MSG(test, check(&req), INVAL, "%s %u",
					    dims[k].name, d);
		}
	}

	/* The product x * y * z, not each factor, is bounded. */
	make_req(&req, VGPUIF_OP_LAUNCH);
	req.u.launch.block[0] = 32;
	req.u.launch.block[1] = 32;
	req.u.launch.block[2] = 1;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.u.launch.block[2] = 2;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.u.launch.block[0] = 8;
	req.u.launch.block[1] = 8;
	req.u.launch.block[2] = 16;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	req.u.launch.block[2] = 17;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	req.u.launch.block[0] = VGPUIF_MAX_BLOCK_DIM;
	req.u.launch.block[1] = VGPUIF_MAX_BLOCK_DIM;
	req.u.launch.block[2] = VGPUIF_MAX_BLOCK_DIM;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	/* A product that wraps in 32 bits (65536 * 65536 = 2^32). */
	req.u.launch.block[0] = 65536;
	req.u.launch.block[1] = 65536;
	req.u.launch.block[2] = 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_launch_lengths(struct kunit *test)
{
	struct vgpuif_request req;
	struct vgpuif_launch_args *l = &req.u.launch;

	make_req(&req, VGPUIF_OP_LAUNCH);
	l->name_len = 0;
	l->params_len = 8;
	set_data(&req, 8);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	/* The name is padded to 8 bytes before the parameters. */
	l->name_len = 1;
	set_data(&req, 8 + 8);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	l->name_len = 8;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	l->name_len = 9;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 16 + 8);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	set_data(&req, 9 + 8);		/* unpadded */
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	l->name_len = VGPUIF_MAX_FUNC_NAME;
	set_data(&req, VGPUIF_ALIGN8(VGPUIF_MAX_FUNC_NAME) + 8);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	l->name_len = VGPUIF_MAX_FUNC_NAME + 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	l->name_len = U16_MAX;
	set_data(&req, VGPUIF_ALIGN8(U16_MAX) + 8);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	/* Parameters: 0..VGPUIF_MAX_PARAMS bytes. */
	l->name_len = 5;
	l->params_len = 0;
	set_data(&req, 8);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	l->params_len = VGPUIF_MAX_PARAMS;
	set_data(&req, 8 + VGPUIF_MAX_PARAMS);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	l->params_len = VGPUIF_MAX_PARAMS + 1;
	set_data(&req, 8 + VGPUIF_MAX_PARAMS + 1);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	l->params_len = U16_MAX;
	set_data(&req, 8 + U16_MAX);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	/* data_len must be exactly the padded name plus the parameters. */
	l->params_len = 24;
	set_data(&req, 8 + 24 - 1);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 8 + 24 + 1);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 0);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 8 + 24);
	KUNIT_EXPECT_EQ(test, check(&req), OK);

	/* shared_mem and module are the worker's business. */
	l->shared_mem = U32_MAX;
	l->module = U64_MAX;
	KUNIT_EXPECT_EQ(test, check(&req), OK);
}

static void validate_vector_add(struct kunit *test)
{
	struct vgpuif_request req;
	struct vgpuif_vector_add_args *v = &req.u.vector_add;

	make_req(&req, VGPUIF_OP_VECTOR_ADD);
	v->n = 0;
	set_data(&req, 0);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	v->n = 1;
	set_data(&req, 12);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	set_data(&req, 11);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 13);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	set_data(&req, 8);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	v->n = VGPUIF_VECTOR_ADD_MAX;
	set_data(&req, 12 * VGPUIF_VECTOR_ADD_MAX);
	KUNIT_EXPECT_EQ(test, check(&req), OK);
	v->n = VGPUIF_VECTOR_ADD_MAX + 1;
	set_data(&req, 12 * (VGPUIF_VECTOR_ADD_MAX + 1));
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	/*
	 * 12 * n wraps in 32 bits: 12 * 0x40000001 = 0x30000000c, whose low
	 * 32 bits are 12. Refused whatever data_len says.
	 */
	v->n = 0x40000001;
	set_data(&req, 12);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	v->n = 0x15555556;	/* 12n = 0x100000008 */
	set_data(&req, 8);
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	v->n = U32_MAX;
	set_data(&req, (u32)(12ull * U32_MAX));
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);

	make_req(&req, VGPUIF_OP_VECTOR_ADD);
	v->_pad = 1;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
	v->_pad = 0x80000000;
	KUNIT_EXPECT_EQ(test, check(&req), INVAL);
}

static void validate_copy_dirs(struct kunit *test)
{
	const u32 from = VGPUIF_DIR_FROM_GUEST, to = VGPUIF_DIR_TO_GUEST;
	static const struct {
		u8 op;
		bool from, to;
	} t[] = {
		{ VGPUIF_OP_NOP, false, false },
		{ VGPUIF_OP_GET_INFO, false, true },
		{ VGPUIF_OP_MEM_ALLOC, false, false },
		{ VGPUIF_OP_MEM_FREE, false, false },
		{ VGPUIF_OP_MEM_WRITE, true, false },
		{ VGPUIF_OP_MEM_READ, false, true },
		{ VGPUIF_OP_MODULE_LOAD, true, false },
		{ VGPUIF_OP_MODULE_UNLOAD, false, false },
		{ VGPUIF_OP_LAUNCH, true, false },
		{ VGPUIF_OP_SYNC, false, false },
		{ VGPUIF_OP_VECTOR_ADD, true, true },
		{ VGPUIF_OP_MEM_SET, false, false },
		{ VGPUIF_OP_MEM_COPY, false, false },
		{ VGPUIF_OP_MODULE_GET_GLOBAL, true, false },
		{ VGPUIF_OP_DEVICE_ATTRS, false, true },
		{ VGPUIF_OP_EVENT_RECORD, false, false },
		{ VGPUIF_OP_FUNC_ATTRS, true, true },
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(t), VGPUIF_NR_OPS);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_copy_dir_ok(t[i].op, from),
				    t[i].from, "op %u", t[i].op);
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_copy_dir_ok(t[i].op, to),
				    t[i].to, "op %u", t[i].op);
		/* Only one direction per copy, and only known ones. */
		KUNIT_EXPECT_FALSE(test, vgpu_back_copy_dir_ok(t[i].op, 0));
		KUNIT_EXPECT_FALSE(test,
				   vgpu_back_copy_dir_ok(t[i].op, from | to));
		KUNIT_EXPECT_FALSE(test, vgpu_back_copy_dir_ok(t[i].op, 4));
		KUNIT_EXPECT_FALSE(test,
				   vgpu_back_copy_dir_ok(t[i].op, U32_MAX));
	}
	KUNIT_EXPECT_EQ(test, vgpuif_op_dirs(VGPUIF_NR_OPS), 0);
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_dir_ok(0xff, from));
}

static void validate_copy_range(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vgpu_back_copy_range_ok(0, 0, 0));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(0, 1, 0));
	KUNIT_EXPECT_TRUE(test, vgpu_back_copy_range_ok(0, 10, 10));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(0, 11, 10));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(1, 10, 10));
	KUNIT_EXPECT_TRUE(test, vgpu_back_copy_range_ok(9, 1, 10));
	KUNIT_EXPECT_TRUE(test, vgpu_back_copy_range_ok(10, 0, 10));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(11, 0, 10));
	KUNIT_EXPECT_TRUE(test, vgpu_back_copy_range_ok(0, VGPUIF_MAX_DATA_LEN,
							VGPUIF_MAX_DATA_LEN));
	/* offset + len wrapping around 2^64 */
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(U64_MAX, 2, 10));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(5, U64_MAX, 10));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(U64_MAX, U64_MAX,
							 U32_MAX));
	KUNIT_EXPECT_FALSE(test, vgpu_back_copy_range_ok(1ull << 32, 0,
							 U32_MAX));
}

static void validate_copy_chunk(struct kunit *test)
{
	/* Both sides page aligned: a whole page. */
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(0, 0x10000, 100000), PG);
	/* Ends at the guest page boundary... */
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(100, 0x10000, 100000),
			PG - 100);
	/* ...or at the local one, whichever comes first. */
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(0, 0x10000 + 200, 100000),
			PG - 200);
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(4000, 0x10000 + 4090, 1000),
			6);
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(4090, 0x10000 + 4000, 1000),
			6);
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(PG + 4095, 0x10fff, 1000),
			1);
	/* Never more than what is left. */
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(0, 0x10000, 17), 17);
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(0, 0x10000, 0), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_copy_chunk(VGPUIF_MAX_DATA_LEN - 1,
						   0x10000, 1), 1);
}

/* Splitting a whole copy covers it exactly, within 4 KiB on both sides. */
static void validate_copy_chunk_walk(struct kunit *test)
{
	static const struct {
		u64 off, len;
		unsigned long uaddr;
	} t[] = {
		{ 0, 3 * PG, 0x20000 },
		{ 5, 3 * PG, 0x20000 },
		{ 0, 3 * PG, 0x20007 },
		{ 4095, 2, 0x20fff },
		{ 123, 70000, 0x30abc },
		{ 0, VGPUIF_MAX_DATA_LEN, 0x7f0000000123ul },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		u64 done = 0, ops = 0;

		while (done < t[i].len) {
			u64 off = t[i].off + done;
			unsigned long ua = t[i].uaddr + done;
			unsigned int n = vgpu_back_copy_chunk(off, ua,
							      t[i].len - done);

			KUNIT_ASSERT_GT(test, n, 0);
			KUNIT_EXPECT_LE(test, off % PG + n, (u64)PG);
			KUNIT_EXPECT_LE(test, ua % PG + n, (u64)PG);
			done += n;
			ops++;
		}
		KUNIT_EXPECT_EQ(test, done, t[i].len);
		/* At most one op per page boundary crossed on either side. */
		KUNIT_EXPECT_LE(test, ops, 2 * (t[i].len / PG) + 2);
	}
}

static void parse_numbers(struct kunit *test)
{
	static const char *const bad[] = {
		"", "+1", "-1", " 1", "1 ", "1\n", "0x10", "1a", "a", "1.0",
	};
	unsigned int i;
	u32 v32 = 7;
	u64 v64 = 7;

	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u32("0", &v32), 0);
	KUNIT_EXPECT_EQ(test, v32, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u32("4294967295", &v32), 0);
	KUNIT_EXPECT_EQ(test, v32, U32_MAX);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u32("004294967295", &v32), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u32("4294967296", &v32),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, v32, U32_MAX);	/* unchanged on error */
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u32(NULL, &v32), -EINVAL);

	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u64("18446744073709551615",
						  &v64), 0);
	KUNIT_EXPECT_EQ(test, v64, U64_MAX);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u64("18446744073709551616",
						  &v64), -ERANGE);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u64("99999999999999999999",
						  &v64), -ERANGE);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_u64("1073741824", &v64), 0);
	KUNIT_EXPECT_EQ(test, v64, 1073741824ull);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_parse_u32(bad[i], &v32),
				    -EINVAL, "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_parse_u64(bad[i], &v64),
				    -EINVAL, "\"%s\"", bad[i]);
	}
}

static void parse_pool(struct kunit *test)
{
	static const char *const bad[] = {
		"", "a", "z", "@", "[", "AB", "A ", " A", "0", "1",
	};
	unsigned int i;
	u8 pool = 99;

	KUNIT_EXPECT_EQ(test, vgpu_back_parse_pool("A", &pool), 0);
	KUNIT_EXPECT_EQ(test, pool, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_pool("B", &pool), 0);
	KUNIT_EXPECT_EQ(test, pool, 1);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_pool("Z", &pool), 0);
	KUNIT_EXPECT_EQ(test, pool, VGPUIF_MAX_POOLS - 1);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_parse_pool(bad[i], &pool),
				    -EINVAL, "\"%s\"", bad[i]);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_pool(NULL, &pool), -EINVAL);
	KUNIT_EXPECT_EQ(test, pool, VGPUIF_MAX_POOLS - 1);
}

static void parse_priority(struct kunit *test)
{
	static const char *const bad[] = {
		"", "High", "HIGH", "hig", "highx", "high ", "med", "0", "2",
		"normal",
	};
	unsigned int i;
	u8 prio = 99;

	KUNIT_EXPECT_EQ(test, vgpu_back_parse_priority("high", &prio), 0);
	KUNIT_EXPECT_EQ(test, prio, VGPUIF_PRIO_HIGH);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_priority("medium", &prio), 0);
	KUNIT_EXPECT_EQ(test, prio, VGPUIF_PRIO_MEDIUM);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_priority("low", &prio), 0);
	KUNIT_EXPECT_EQ(test, prio, VGPUIF_PRIO_LOW);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vgpu_back_parse_priority(bad[i], &prio),
				    -EINVAL, "\"%s\"", bad[i]);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_priority(NULL, &prio), -EINVAL);
	KUNIT_EXPECT_EQ(test, prio, VGPUIF_PRIO_LOW);
}

static void parse_vm_id(struct kunit *test)
{
	u32 id = 5;

	KUNIT_EXPECT_EQ(test, vgpu_back_parse_vm_id("1", &id), 0);
	KUNIT_EXPECT_EQ(test, id, 1);
	KUNIT_EXPECT_EQ(test, vgpu_back_parse_vm_id("4294967295", &id), 0);
	KUNIT_EXPECT_EQ(test, id, U32_MAX);
	KUNIT_EXPECT_NE(test, vgpu_back_parse_vm_id("0", &id), 0);
	KUNIT_EXPECT_NE(test, vgpu_back_parse_vm_id("4294967296", &id), 0);
	KUNIT_EXPECT_NE(test, vgpu_back_parse_vm_id("", &id), 0);
	KUNIT_EXPECT_NE(test, vgpu_back_parse_vm_id("-1", &id), 0);
	KUNIT_EXPECT_NE(test, vgpu_back_parse_vm_id("101\n", &id), 0);
	KUNIT_EXPECT_EQ(test, id, U32_MAX);
}

static void cfg_keys(struct kunit *test)
{
	static const char *const names[VGPU_BACK_NR_CFG] = {
		"pool", "priority", "vm-id", "max-inflight", "max-queued",
		"rate-limit", "mem-quota",
	};
	unsigned int i;

	for (i = 0; i < VGPU_BACK_NR_CFG; i++) {
		KUNIT_EXPECT_STREQ(test, vgpu_back_cfg_name(i), names[i]);
		KUNIT_EXPECT_EQ(test, vgpu_back_cfg_lookup(names[i]), (int)i);
	}
	KUNIT_EXPECT_NULL(test, vgpu_back_cfg_name(VGPU_BACK_NR_CFG));
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_lookup("state"), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_lookup("pool2"), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_lookup(""), -ENOENT);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_lookup("frontend"), -ENOENT);
}

static void cfg_set_values(struct kunit *test)
{
	struct vgpu_back_vm cfg, before;
	const char *reason;

	memset(&cfg, 0, sizeof(cfg));
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_POOL, "B",
						&reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_PRIORITY,
						"low", &reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_VM_ID,
						"101", &reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg,
						VGPU_BACK_CFG_MAX_INFLIGHT,
						"4", &reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MAX_QUEUED,
						"64", &reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_RATE_LIMIT,
						"1000", &reason), 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MEM_QUOTA,
						"8589934592", &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.pool, 1);
	KUNIT_EXPECT_EQ(test, cfg.priority, VGPUIF_PRIO_LOW);
	KUNIT_EXPECT_EQ(test, cfg.vm_id, 101);
	KUNIT_EXPECT_EQ(test, cfg.max_inflight, 4);
	KUNIT_EXPECT_EQ(test, cfg.max_queued, 64);
	KUNIT_EXPECT_EQ(test, cfg.rate_limit, 1000);
	KUNIT_EXPECT_EQ(test, cfg.mem_quota, 8589934592ull);

	/* Limits: the whole range of their type, 0 included. */
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MAX_QUEUED,
						"4294967295", &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.max_queued, U32_MAX);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_RATE_LIMIT,
						"0", &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.rate_limit, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MEM_QUOTA,
						"18446744073709551615",
						&reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.mem_quota, U64_MAX);

	/* Bad values are refused and change nothing. */
	before = cfg;
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_POOL, "c",
						&reason), -EINVAL);
	KUNIT_EXPECT_STRNEQ(test, reason, "ok");
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_PRIORITY,
						"urgent", &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_VM_ID,
						"0", &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg,
						VGPU_BACK_CFG_MAX_INFLIGHT,
						"4294967296", &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MAX_QUEUED,
						"-1", &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_RATE_LIMIT,
						"1k", &reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MEM_QUOTA,
						"18446744073709551616",
						&reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_NR_CFG, "1",
						&reason), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(&before, &cfg, sizeof(cfg)), 0);
}

static void cfg_set_missing(struct kunit *test)
{
	struct vgpu_back_vm cfg, before;
	const char *reason;
	unsigned int key;

	memset(&cfg, 0xaa, sizeof(cfg));
	before = cfg;
	/* A required key that is missing keeps the last good value. */
	for (key = 0; key < VGPU_BACK_NR_CFG; key++) {
		if (!(BIT(key) & VGPU_BACK_CFG_REQUIRED))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, vgpu_back_cfg_set(&cfg, key, NULL,
							    &reason),
				    -ENOENT, "key %u", key);
	}
	KUNIT_EXPECT_EQ(test, memcmp(&before, &cfg, sizeof(cfg)), 0);
	KUNIT_EXPECT_EQ(test, VGPU_BACK_CFG_REQUIRED,
			BIT(VGPU_BACK_CFG_POOL) | BIT(VGPU_BACK_CFG_PRIORITY) |
			BIT(VGPU_BACK_CFG_VM_ID));

	/* An optional key that is missing means 0 (the default). */
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg,
						VGPU_BACK_CFG_MAX_INFLIGHT,
						NULL, &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.max_inflight, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MAX_QUEUED,
						NULL, &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.max_queued, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_RATE_LIMIT,
						NULL, &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.rate_limit, 0);
	KUNIT_EXPECT_EQ(test, vgpu_back_cfg_set(&cfg, VGPU_BACK_CFG_MEM_QUOTA,
						NULL, &reason), 0);
	KUNIT_EXPECT_EQ(test, cfg.mem_quota, 0);
	/* ...and touches nothing else. */
	KUNIT_EXPECT_EQ(test, cfg.vm_id, before.vm_id);
	KUNIT_EXPECT_EQ(test, cfg.pool, before.pool);
	KUNIT_EXPECT_EQ(test, cfg.priority, before.priority);
	/* The worker's fields that are not xenstore keys stay the caller's. */
	KUNIT_EXPECT_EQ(test, cfg.domid, before.domid);
	KUNIT_EXPECT_EQ(test, cfg.devid, before.devid);
	KUNIT_EXPECT_EQ(test, cfg.reserved0, before.reserved0);
}

static void queue_limit(struct kunit *test)
{
	/* The device's own max-queued wins; 0 means the module parameter. */
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(4, 32, 32), 4);
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(0, 8, 32), 8);
	/* Past the ring it acts as the ring; 0 everywhere acts as 1. */
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(U32_MAX, 8, 32), 32);
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(0, 1000, 32), 32);
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(0, 0, 32), 1);
	KUNIT_EXPECT_EQ(test, vgpu_back_queue_limit(1, 0, 32), 1);
	/* Full at the limit, not before. */
	KUNIT_EXPECT_FALSE(test, vgpu_back_queue_full(3, 4));
	KUNIT_EXPECT_TRUE(test, vgpu_back_queue_full(4, 4));
	KUNIT_EXPECT_TRUE(test, vgpu_back_queue_full(5, 4));
	KUNIT_EXPECT_FALSE(test, vgpu_back_queue_full(0, 1));
}

/*
 * What the watch does on each change (vgpu_back_cfg_changed): a run of
 * writes to priority and pool, good and bad; after each, the device holds
 * the last good value of each key.
 */
static void cfg_live_sequence(struct kunit *test)
{
	static const struct {
		unsigned int key;
		const char *val;
		int err;
		u8 pool, prio;
	} steps[] = {
		{ VGPU_BACK_CFG_PRIORITY, "low", 0, 0, VGPUIF_PRIO_LOW },
		{ VGPU_BACK_CFG_PRIORITY, "high", 0, 0, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_PRIORITY, "HIGH", -EINVAL, 0, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_PRIORITY, "high\n", -EINVAL, 0, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_PRIORITY, "", -EINVAL, 0, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_PRIORITY, NULL, -ENOENT, 0, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_POOL, "B", 0, 1, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_POOL, "AB", -EINVAL, 1, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_POOL, "b", -EINVAL, 1, VGPUIF_PRIO_HIGH },
		{ VGPU_BACK_CFG_PRIORITY, "medium", 0, 1, VGPUIF_PRIO_MEDIUM },
		{ VGPU_BACK_CFG_POOL, NULL, -ENOENT, 1, VGPUIF_PRIO_MEDIUM },
		{ VGPU_BACK_CFG_POOL, "A", 0, 0, VGPUIF_PRIO_MEDIUM },
	};
	struct vgpu_back_vm cfg = { .vm_id = 7 };
	const char *reason;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    vgpu_back_cfg_set(&cfg, steps[i].key,
						      steps[i].val, &reason),
				    steps[i].err, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.pool, steps[i].pool, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cfg.priority, steps[i].prio,
				    "step %u", i);
		KUNIT_EXPECT_EQ(test, cfg.vm_id, 7);
	}
}

static struct kunit_case vgpu_back_validate_cases[] = {
	KUNIT_CASE(validate_each_op_ok),
	KUNIT_CASE(validate_unknown_operation),
	KUNIT_CASE(validate_flags),
	KUNIT_CASE(validate_no_data_segments),
	KUNIT_CASE(validate_direct_segments),
	KUNIT_CASE(validate_indirect_segments),
	KUNIT_CASE(validate_max_data_len),
	KUNIT_CASE(validate_reserved_args),
	KUNIT_CASE(validate_unused_grefs_ignored),
	KUNIT_CASE(validate_data_len),
	KUNIT_CASE(validate_mem_alloc),
	KUNIT_CASE(validate_mem_free_write_read),
	KUNIT_CASE(validate_module_unload),
	KUNIT_CASE(validate_launch_dims),
	KUNIT_CASE(validate_launch_lengths),
	KUNIT_CASE(validate_vector_add),
	KUNIT_CASE(validate_copy_dirs),
	KUNIT_CASE(validate_copy_range),
	KUNIT_CASE(validate_copy_chunk),
	KUNIT_CASE(validate_copy_chunk_walk),
	KUNIT_CASE(parse_numbers),
	KUNIT_CASE(parse_pool),
	KUNIT_CASE(parse_priority),
	KUNIT_CASE(parse_vm_id),
	KUNIT_CASE(cfg_keys),
	KUNIT_CASE(cfg_set_values),
	KUNIT_CASE(cfg_set_missing),
	KUNIT_CASE(queue_limit),
	KUNIT_CASE(cfg_live_sequence),
	{}
};

static struct kunit_suite vgpu_back_validate_suite = {
	.name = "vgpu_back_validate",
	.test_cases = vgpu_back_validate_cases,
};
kunit_test_suite(vgpu_back_validate_suite);
