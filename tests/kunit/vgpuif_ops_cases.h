/* SPDX-License-Identifier: MIT */
/*
 * What the operation table (include/vgpu/vgpuif_ops.h) must answer, shared
 * by its KUnit suite (tests/kunit/vgpuif_ops_test.c, the kernel's build of
 * the header) and its cmocka test (tests/unit/test_vgpuif_ops.c, the
 * userspace build), so both builds are held to one list.
 *
 * Written from the "Operations" text of include/vgpu/vgpuif.h, not copied
 * from the table: a row per operation (name, data direction, the argument
 * bytes it reads and one request it accepts) and requests at every
 * boundary of every rule with the status and reason vgpuif_check_op()
 * must give. Data only: each test framework runs the loops itself.
 */
#ifndef VGPUIF_OPS_CASES_H
#define VGPUIF_OPS_CASES_H

#include "../../include/vgpu/vgpuif_ops.h"

#define VGPUIF_OPS_NR_ARRAY(a) (sizeof(a) / sizeof((a)[0]))

/* One operation as vgpuif.h describes it. */
struct vgpuif_ops_row {
	unsigned int op;
	const char *name;
	unsigned int dirs;		/* VGPUIF_DIR_* */
	unsigned int args_lo, args_hi;	/* bytes of u it reads */
	uint32_t good_len;		/* with good_u: a request it accepts */
	union vgpuif_request_args good_u;
};

/* A LAUNCH of module 77: grid, block, name_len, params_len. */
#define VGPUIF_OPS_LAUNCH(g0, g1, g2, b0, b1, b2, nl, pl)		\
	{ .launch = { .module = 77, .grid = { g0, g1, g2 },		\
		      .block = { b0, b1, b2 }, .name_len = nl,		\
		      .params_len = pl } }

/* The LAUNCH every row and case starts from: 64 x 256 threads, "name"+24. */
#define VGPUIF_OPS_LAUNCH_OK VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 5, 24)

static const struct vgpuif_ops_row vgpuif_ops_rows[] = {
	{ VGPUIF_OP_NOP, "nop", VGPUIF_DIR_NONE, 0, 0, 0, { .raw = { 0 } } },
	{ VGPUIF_OP_GET_INFO, "get_info", VGPUIF_DIR_TO_GUEST, 0, 0,
	  sizeof(struct vgpuif_info), { .raw = { 0 } } },
	{ VGPUIF_OP_MEM_ALLOC, "mem_alloc", VGPUIF_DIR_NONE, 8, 16, 0,
	  { .mem = { .size = 4096 } } },
	{ VGPUIF_OP_MEM_FREE, "mem_free", VGPUIF_DIR_NONE, 0, 8, 0,
	  { .mem = { .dptr = 0x7f0000001000ull } } },
	{ VGPUIF_OP_MEM_WRITE, "mem_write", VGPUIF_DIR_FROM_GUEST, 0, 8,
	  3 * 4096 + 5, { .mem = { .dptr = 0x7f0000001000ull } } },
	{ VGPUIF_OP_MEM_READ, "mem_read", VGPUIF_DIR_TO_GUEST, 0, 8,
	  3 * 4096 + 5, { .mem = { .dptr = 0x7f0000001000ull } } },
	{ VGPUIF_OP_MODULE_LOAD, "module_load", VGPUIF_DIR_FROM_GUEST, 0, 0,
	  100000, { .raw = { 0 } } },
	{ VGPUIF_OP_MODULE_UNLOAD, "module_unload", VGPUIF_DIR_NONE, 0, 8, 0,
	  { .module = { .handle = 77 } } },
	{ VGPUIF_OP_LAUNCH, "launch", VGPUIF_DIR_FROM_GUEST, 0, 40, 8 + 24,
	  VGPUIF_OPS_LAUNCH_OK },
	{ VGPUIF_OP_SYNC, "sync", VGPUIF_DIR_NONE, 0, 0, 0, { .raw = { 0 } } },
	{ VGPUIF_OP_VECTOR_ADD, "vector_add",
	  VGPUIF_DIR_FROM_GUEST | VGPUIF_DIR_TO_GUEST, 0, 8, 12 * 1000,
	  { .vector_add = { .n = 1000 } } },
	{ VGPUIF_OP_MEM_SET, "mem_set", VGPUIF_DIR_NONE, 0, 24, 0,
	  { .memset = { .dptr = 0x7f0000001000ull, .size = 4096,
			.value = 0xdeadbeefu, .elem_size = 4 } } },
	{ VGPUIF_OP_MEM_COPY, "mem_copy", VGPUIF_DIR_NONE, 0, 24, 0,
	  { .copy = { .dst = 0x7f0000001000ull, .src = 0x7f0000003000ull,
		      .size = 4096 } } },
	{ VGPUIF_OP_MODULE_GET_GLOBAL, "module_get_global",
	  VGPUIF_DIR_FROM_GUEST, 0, 16, 5,
	  { .global = { .module = 77, .name_len = 5 } } },
	{ VGPUIF_OP_DEVICE_ATTRS, "device_attrs", VGPUIF_DIR_TO_GUEST, 0, 0,
	  sizeof(struct vgpuif_device_attrs), { .raw = { 0 } } },
	{ VGPUIF_OP_EVENT_RECORD, "event_record", VGPUIF_DIR_NONE, 0, 0, 0,
	  { .raw = { 0 } } },
	{ VGPUIF_OP_FUNC_ATTRS, "func_attrs",
	  VGPUIF_DIR_FROM_GUEST | VGPUIF_DIR_TO_GUEST, 0, 16, 8 + 32,
	  { .func = { .module = 77, .name_len = 5 } } },
};

/* Operation numbers vgpuif.h does not define. */
static const unsigned int vgpuif_ops_unknown[] = {
	VGPUIF_NR_OPS, VGPUIF_NR_OPS + 1, 0x80, 0xff, 0x100, ~0u,
};

/* One request and what vgpuif_check_op() says of it. */
struct vgpuif_ops_case {
	const char *what;
	unsigned int op;
	uint32_t data_len;
	union vgpuif_request_args u;
	int status;
	const char *reason;	/* "ok" when accepted */
};

#define VGPUIF_OPS_MAX		VGPUIF_MAX_DATA_LEN
#define VGPUIF_OPS_U32_MAX	0xffffffffu
#define VGPUIF_OPS_U64_MAX	0xffffffffffffffffull
#define VGPUIF_OPS_OK(w, op, len, ...) \
	{ w, op, len, __VA_ARGS__, VGPUIF_RSP_OKAY, "ok" }
#define VGPUIF_OPS_BAD(w, op, len, why, ...) \
	{ w, op, len, __VA_ARGS__, VGPUIF_RSP_INVALID, why }
#define VGPUIF_OPS_NONE		{ .raw = { 0 } }
#define VGPUIF_OPS_MEM(dptr_, size_) { .mem = { .dptr = dptr_, .size = size_ } }
#define VGPUIF_OPS_VADD(n_, pad_) { .vector_add = { .n = n_, ._pad = pad_ } }
#define VGPUIF_OPS_SET(dptr_, size_, value_, elem_)			\
	{ .memset = { .dptr = dptr_, .size = size_, .value = value_,	\
		      .elem_size = elem_ } }
#define VGPUIF_OPS_COPY(dst_, src_, size_)				\
	{ .copy = { .dst = dst_, .src = src_, .size = size_ } }
#define VGPUIF_OPS_GLOBAL(mod_, len_)					\
	{ .global = { .module = mod_, .name_len = len_ } }
/* A FUNC_ATTRS of module m, name_len nl. */
#define VGPUIF_OPS_FUNC(m, nl) { .func = { .module = m, .name_len = nl } }

static const struct vgpuif_ops_case vgpuif_ops_cases[] = {
	/* Unknown operations, whatever else the request says. */
	VGPUIF_OPS_BAD("op VGPUIF_NR_OPS", VGPUIF_NR_OPS, 0, "unknown operation",
		       VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("op 255 with data", 0xff, 4096, "unknown operation",
		       VGPUIF_OPS_NONE),

	/* data_len is at most VGPUIF_MAX_DATA_LEN for every operation. */
	VGPUIF_OPS_OK("mem_write of the most data", VGPUIF_OP_MEM_WRITE,
		      VGPUIF_OPS_MAX, VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("mem_write of one byte more", VGPUIF_OP_MEM_WRITE,
		       VGPUIF_OPS_MAX + 1, "data_len over VGPUIF_MAX_DATA_LEN",
		       VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("mem_read of 4 GiB - 1", VGPUIF_OP_MEM_READ,
		       VGPUIF_OPS_U32_MAX, "data_len over VGPUIF_MAX_DATA_LEN",
		       VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("nop over the most data", VGPUIF_OP_NOP,
		       VGPUIF_OPS_MAX + 1, "data_len over VGPUIF_MAX_DATA_LEN",
		       VGPUIF_OPS_NONE),

	/* No data: NOP, SYNC, MEM_ALLOC, MEM_FREE, MODULE_UNLOAD. */
	VGPUIF_OPS_BAD("nop with data", VGPUIF_OP_NOP, 1, "data_len must be 0",
		       VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("sync with data", VGPUIF_OP_SYNC, 1,
		       "data_len must be 0", VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("mem_alloc with data", VGPUIF_OP_MEM_ALLOC, 1,
		       "data_len must be 0", VGPUIF_OPS_MEM(0, 1)),
	VGPUIF_OPS_BAD("mem_free with data", VGPUIF_OP_MEM_FREE, 4096,
		       "data_len must be 0", VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("module_unload with data", VGPUIF_OP_MODULE_UNLOAD, 1,
		       "data_len must be 0", { .module = { .handle = 1 } }),

	/* GET_INFO: at least struct vgpuif_info. */
	VGPUIF_OPS_OK("get_info of vgpuif_info", VGPUIF_OP_GET_INFO,
		      sizeof(struct vgpuif_info), VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("get_info one byte short", VGPUIF_OP_GET_INFO,
		       sizeof(struct vgpuif_info) - 1,
		       "data_len below vgpuif_info", VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("get_info without data", VGPUIF_OP_GET_INFO, 0,
		       "data_len below vgpuif_info", VGPUIF_OPS_NONE),
	VGPUIF_OPS_OK("get_info of a page", VGPUIF_OP_GET_INFO, 4096,
		      VGPUIF_OPS_NONE),
	VGPUIF_OPS_OK("get_info of the most data", VGPUIF_OP_GET_INFO,
		      VGPUIF_OPS_MAX, VGPUIF_OPS_NONE),

	/* MEM_ALLOC: size 1..VGPUIF_MAX_ALLOC. */
	VGPUIF_OPS_OK("mem_alloc of 1 byte", VGPUIF_OP_MEM_ALLOC, 0,
		      VGPUIF_OPS_MEM(0, 1)),
	VGPUIF_OPS_OK("mem_alloc of the most", VGPUIF_OP_MEM_ALLOC, 0,
		      VGPUIF_OPS_MEM(0, VGPUIF_MAX_ALLOC)),
	VGPUIF_OPS_BAD("mem_alloc of 0", VGPUIF_OP_MEM_ALLOC, 0,
		       "mem size out of range", VGPUIF_OPS_MEM(0, 0)),
	VGPUIF_OPS_BAD("mem_alloc of one byte more", VGPUIF_OP_MEM_ALLOC, 0,
		       "mem size out of range",
		       VGPUIF_OPS_MEM(0, VGPUIF_MAX_ALLOC + 1)),
	VGPUIF_OPS_BAD("mem_alloc of 2^64 - 1", VGPUIF_OP_MEM_ALLOC, 0,
		       "mem size out of range",
		       VGPUIF_OPS_MEM(0, VGPUIF_OPS_U64_MAX)),
	VGPUIF_OPS_BAD("mem_alloc with a dptr", VGPUIF_OP_MEM_ALLOC, 0,
		       "unused arguments not zero", VGPUIF_OPS_MEM(1, 1)),

	/* MEM_FREE, MEM_WRITE, MEM_READ: any dptr; size is not theirs. */
	VGPUIF_OPS_OK("mem_free of dptr 0", VGPUIF_OP_MEM_FREE, 0,
		      VGPUIF_OPS_MEM(0, 0)),
	VGPUIF_OPS_OK("mem_free of the last dptr", VGPUIF_OP_MEM_FREE, 0,
		      VGPUIF_OPS_MEM(VGPUIF_OPS_U64_MAX, 0)),
	VGPUIF_OPS_BAD("mem_free with a size", VGPUIF_OP_MEM_FREE, 0,
		       "unused arguments not zero", VGPUIF_OPS_MEM(1, 1)),
	VGPUIF_OPS_OK("mem_write of 1 byte at 0", VGPUIF_OP_MEM_WRITE, 1,
		      VGPUIF_OPS_MEM(0, 0)),
	VGPUIF_OPS_OK("mem_write at the last dptr", VGPUIF_OP_MEM_WRITE, 1,
		      VGPUIF_OPS_MEM(VGPUIF_OPS_U64_MAX, 0)),
	VGPUIF_OPS_BAD("mem_write without data", VGPUIF_OP_MEM_WRITE, 0,
		       "data_len must not be 0", VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("mem_write with a size", VGPUIF_OP_MEM_WRITE, 1,
		       "unused arguments not zero", VGPUIF_OPS_MEM(1, 1)),
	VGPUIF_OPS_OK("mem_read of 1 byte", VGPUIF_OP_MEM_READ, 1,
		      VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_OK("mem_read of the most data", VGPUIF_OP_MEM_READ,
		      VGPUIF_OPS_MAX, VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("mem_read without data", VGPUIF_OP_MEM_READ, 0,
		       "data_len must not be 0", VGPUIF_OPS_MEM(1, 0)),
	VGPUIF_OPS_BAD("mem_read with a size", VGPUIF_OP_MEM_READ, 1,
		       "unused arguments not zero", VGPUIF_OPS_MEM(1, 1)),

	/* MODULE_LOAD: some data; MODULE_UNLOAD: any handle. */
	VGPUIF_OPS_OK("module_load of 1 byte", VGPUIF_OP_MODULE_LOAD, 1,
		      VGPUIF_OPS_NONE),
	VGPUIF_OPS_OK("module_load of the most", VGPUIF_OP_MODULE_LOAD,
		      VGPUIF_OPS_MAX, VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("module_load without data", VGPUIF_OP_MODULE_LOAD, 0,
		       "data_len must not be 0", VGPUIF_OPS_NONE),
	VGPUIF_OPS_OK("module_unload of handle 0", VGPUIF_OP_MODULE_UNLOAD, 0,
		      { .module = { .handle = 0 } }),
	VGPUIF_OPS_OK("module_unload of the last handle",
		      VGPUIF_OP_MODULE_UNLOAD, 0,
		      { .module = { .handle = VGPUIF_OPS_U64_MAX } }),

	/* LAUNCH: grid dimensions 1..VGPUIF_MAX_GRID_DIM. */
	VGPUIF_OPS_BAD("launch grid x 0", VGPUIF_OP_LAUNCH, 32,
		       "grid dimension out of range",
		       VGPUIF_OPS_LAUNCH(0, 1, 1, 256, 1, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch grid y 0", VGPUIF_OP_LAUNCH, 32,
		       "grid dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 0, 1, 256, 1, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch grid z 0", VGPUIF_OP_LAUNCH, 32,
		       "grid dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 0, 256, 1, 1, 5, 24)),
	VGPUIF_OPS_OK("launch grid at the most", VGPUIF_OP_LAUNCH, 32,
		      VGPUIF_OPS_LAUNCH(VGPUIF_MAX_GRID_DIM, VGPUIF_MAX_GRID_DIM,
					VGPUIF_MAX_GRID_DIM, 256, 1, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch grid x one more", VGPUIF_OP_LAUNCH, 32,
		       "grid dimension out of range",
		       VGPUIF_OPS_LAUNCH(VGPUIF_MAX_GRID_DIM + 1u, 1, 1, 256, 1,
					 1, 5, 24)),
	VGPUIF_OPS_BAD("launch grid z 2^32 - 1", VGPUIF_OP_LAUNCH, 32,
		       "grid dimension out of range",
		       VGPUIF_OPS_LAUNCH(1, 1, VGPUIF_OPS_U32_MAX, 256, 1, 1, 5,
					 24)),

	/* LAUNCH: block dimensions 1..1024, their product at most 1024. */
	VGPUIF_OPS_BAD("launch block x 0", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 0, 1, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch block y 0", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 1, 0, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch block z 0", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 1, 1, 0, 5, 24)),
	VGPUIF_OPS_OK("launch block z 1024", VGPUIF_OP_LAUNCH, 32,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 1, 1, 1024, 5, 24)),
	VGPUIF_OPS_BAD("launch block y 1025", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 1, 1025, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch block x 2^32 - 1", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, VGPUIF_OPS_U32_MAX, 1, 1, 5,
					 24)),
	VGPUIF_OPS_OK("launch block 32 x 32 x 1", VGPUIF_OP_LAUNCH, 32,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 32, 32, 1, 5, 24)),
	VGPUIF_OPS_BAD("launch block 32 x 32 x 2", VGPUIF_OP_LAUNCH, 32,
		       "block has too many threads",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 32, 32, 2, 5, 24)),
	VGPUIF_OPS_OK("launch block 8 x 8 x 16", VGPUIF_OP_LAUNCH, 32,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 8, 8, 16, 5, 24)),
	VGPUIF_OPS_BAD("launch block 8 x 8 x 17", VGPUIF_OP_LAUNCH, 32,
		       "block has too many threads",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 8, 8, 17, 5, 24)),
	VGPUIF_OPS_BAD("launch block 1024 x 1024 x 1024", VGPUIF_OP_LAUNCH, 32,
		       "block has too many threads",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 1024, 1024, 1024, 5, 24)),
	VGPUIF_OPS_BAD("launch block 65536 x 65536 x 1", VGPUIF_OP_LAUNCH, 32,
		       "block dimension out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 65536, 65536, 1, 5, 24)),

	/* LAUNCH: name 1..4095 bytes padded to 8, parameters 0..4096. */
	VGPUIF_OPS_BAD("launch without a name", VGPUIF_OP_LAUNCH, 8,
		       "name_len out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 0, 8)),
	VGPUIF_OPS_OK("launch name of 1 byte", VGPUIF_OP_LAUNCH, 8 + 8,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 1, 8)),
	VGPUIF_OPS_OK("launch name of 8 bytes", VGPUIF_OP_LAUNCH, 8 + 8,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 8, 8)),
	VGPUIF_OPS_BAD("launch name of 9 bytes, unpadded", VGPUIF_OP_LAUNCH,
		       9 + 8, "data_len does not match name and params",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 9, 8)),
	VGPUIF_OPS_BAD("launch name of 9 bytes in 8", VGPUIF_OP_LAUNCH, 8 + 8,
		       "data_len does not match name and params",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 9, 8)),
	VGPUIF_OPS_OK("launch name of 9 bytes", VGPUIF_OP_LAUNCH, 16 + 8,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 9, 8)),
	VGPUIF_OPS_OK("launch name of the most", VGPUIF_OP_LAUNCH, 4096 + 8,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1,
					VGPUIF_MAX_FUNC_NAME, 8)),
	VGPUIF_OPS_BAD("launch name one byte over", VGPUIF_OP_LAUNCH, 4096 + 8,
		       "name_len out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1,
					 VGPUIF_MAX_FUNC_NAME + 1, 8)),
	VGPUIF_OPS_BAD("launch name of 65535", VGPUIF_OP_LAUNCH, 65536 + 8,
		       "name_len out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 65535, 8)),
	VGPUIF_OPS_OK("launch without parameters", VGPUIF_OP_LAUNCH, 8,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 5, 0)),
	VGPUIF_OPS_OK("launch of the most parameters", VGPUIF_OP_LAUNCH,
		      8 + VGPUIF_MAX_PARAMS,
		      VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 5,
					VGPUIF_MAX_PARAMS)),
	VGPUIF_OPS_BAD("launch of one parameter byte more", VGPUIF_OP_LAUNCH,
		       8 + VGPUIF_MAX_PARAMS + 1, "params_len out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 5,
					 VGPUIF_MAX_PARAMS + 1)),
	VGPUIF_OPS_BAD("launch of 65535 parameter bytes", VGPUIF_OP_LAUNCH,
		       8 + 65535, "params_len out of range",
		       VGPUIF_OPS_LAUNCH(64, 1, 1, 256, 1, 1, 5, 65535)),
	VGPUIF_OPS_BAD("launch data one byte short", VGPUIF_OP_LAUNCH,
		       8 + 24 - 1, "data_len does not match name and params",
		       VGPUIF_OPS_LAUNCH_OK),
	VGPUIF_OPS_BAD("launch data one byte long", VGPUIF_OP_LAUNCH,
		       8 + 24 + 1, "data_len does not match name and params",
		       VGPUIF_OPS_LAUNCH_OK),
	VGPUIF_OPS_BAD("launch without data", VGPUIF_OP_LAUNCH, 0,
		       "data_len does not match name and params",
		       VGPUIF_OPS_LAUNCH_OK),
	VGPUIF_OPS_OK("launch with any module and shared memory",
		      VGPUIF_OP_LAUNCH, 32,
		      { .launch = { .module = VGPUIF_OPS_U64_MAX,
				    .grid = { 64, 1, 1 },
				    .block = { 256, 1, 1 },
				    .shared_mem = VGPUIF_OPS_U32_MAX,
				    .name_len = 5, .params_len = 24 } }),

	/* VECTOR_ADD: n 1..VGPUIF_VECTOR_ADD_MAX, data_len 12 * n. */
	VGPUIF_OPS_OK("vector_add of 1", VGPUIF_OP_VECTOR_ADD, 12,
		      VGPUIF_OPS_VADD(1, 0)),
	VGPUIF_OPS_BAD("vector_add of 1 in 11 bytes", VGPUIF_OP_VECTOR_ADD, 11,
		       "data_len is not 12 * n", VGPUIF_OPS_VADD(1, 0)),
	VGPUIF_OPS_BAD("vector_add of 1 in 13 bytes", VGPUIF_OP_VECTOR_ADD, 13,
		       "data_len is not 12 * n", VGPUIF_OPS_VADD(1, 0)),
	VGPUIF_OPS_BAD("vector_add of 1 in 8 bytes", VGPUIF_OP_VECTOR_ADD, 8,
		       "data_len is not 12 * n", VGPUIF_OPS_VADD(1, 0)),
	VGPUIF_OPS_BAD("vector_add of 0", VGPUIF_OP_VECTOR_ADD, 0,
		       "vector_add n out of range", VGPUIF_OPS_VADD(0, 0)),
	VGPUIF_OPS_OK("vector_add of the most", VGPUIF_OP_VECTOR_ADD,
		      12 * VGPUIF_VECTOR_ADD_MAX,
		      VGPUIF_OPS_VADD(VGPUIF_VECTOR_ADD_MAX, 0)),
	VGPUIF_OPS_BAD("vector_add of one more", VGPUIF_OP_VECTOR_ADD,
		       12 * (VGPUIF_VECTOR_ADD_MAX + 1),
		       "vector_add n out of range",
		       VGPUIF_OPS_VADD(VGPUIF_VECTOR_ADD_MAX + 1, 0)),
	/* 12 * n wrapping in 32 bits to a small data_len. */
	VGPUIF_OPS_BAD("vector_add of 0x40000001 in 12 bytes",
		       VGPUIF_OP_VECTOR_ADD, 12, "vector_add n out of range",
		       VGPUIF_OPS_VADD(0x40000001, 0)),
	VGPUIF_OPS_BAD("vector_add of 0x15555556 in 8 bytes",
		       VGPUIF_OP_VECTOR_ADD, 8, "vector_add n out of range",
		       VGPUIF_OPS_VADD(0x15555556, 0)),
	/* Its 32-bit 12 * n is over VGPUIF_MAX_DATA_LEN: refused first. */
	VGPUIF_OPS_BAD("vector_add of 2^32 - 1", VGPUIF_OP_VECTOR_ADD,
		       (uint32_t)(12ull * VGPUIF_OPS_U32_MAX),
		       "data_len over VGPUIF_MAX_DATA_LEN",
		       VGPUIF_OPS_VADD(VGPUIF_OPS_U32_MAX, 0)),
	VGPUIF_OPS_BAD("vector_add with padding 1", VGPUIF_OP_VECTOR_ADD, 12,
		       "vector_add padding not zero", VGPUIF_OPS_VADD(1, 1)),
	VGPUIF_OPS_BAD("vector_add with padding bit 31", VGPUIF_OP_VECTOR_ADD,
		       12, "vector_add padding not zero",
		       VGPUIF_OPS_VADD(1, 0x80000000u)),

	/*
	 * MEM_SET: no data; elem_size 1, 2 or 4; value within elem_size;
	 * size 1..VGPUIF_MAX_ALLOC; dptr and size multiples of elem_size.
	 */
	VGPUIF_OPS_OK("mem_set of 1 byte", VGPUIF_OP_MEM_SET, 0,
		      VGPUIF_OPS_SET(1, 1, 0xff, 1)),
	VGPUIF_OPS_OK("mem_set16 of the most", VGPUIF_OP_MEM_SET, 0,
		      VGPUIF_OPS_SET(2, VGPUIF_MAX_ALLOC, 0xffff, 2)),
	VGPUIF_OPS_OK("mem_set32 of any value", VGPUIF_OP_MEM_SET, 0,
		      VGPUIF_OPS_SET(4, 8, VGPUIF_OPS_U32_MAX, 4)),
	VGPUIF_OPS_BAD("mem_set with data", VGPUIF_OP_MEM_SET, 4,
		       "data_len must be 0", VGPUIF_OPS_SET(0, 4, 0, 4)),
	VGPUIF_OPS_BAD("mem_set elem_size 0", VGPUIF_OP_MEM_SET, 0,
		       "mem_set elem_size not 1, 2, 4",
		       VGPUIF_OPS_SET(0, 4, 0, 0)),
	VGPUIF_OPS_BAD("mem_set elem_size 3", VGPUIF_OP_MEM_SET, 0,
		       "mem_set elem_size not 1, 2, 4",
		       VGPUIF_OPS_SET(0, 6, 0, 3)),
	VGPUIF_OPS_BAD("mem_set elem_size 8", VGPUIF_OP_MEM_SET, 0,
		       "mem_set elem_size not 1, 2, 4",
		       VGPUIF_OPS_SET(0, 8, 0, 8)),
	VGPUIF_OPS_BAD("mem_set8 of 0x100", VGPUIF_OP_MEM_SET, 0,
		       "mem_set value wider than elem_size",
		       VGPUIF_OPS_SET(0, 1, 0x100, 1)),
	VGPUIF_OPS_BAD("mem_set16 of 0x10000", VGPUIF_OP_MEM_SET, 0,
		       "mem_set value wider than elem_size",
		       VGPUIF_OPS_SET(0, 2, 0x10000, 2)),
	VGPUIF_OPS_BAD("mem_set of 0 bytes", VGPUIF_OP_MEM_SET, 0,
		       "mem size out of range", VGPUIF_OPS_SET(0, 0, 0, 1)),
	VGPUIF_OPS_BAD("mem_set of one byte too many", VGPUIF_OP_MEM_SET, 0,
		       "mem size out of range",
		       VGPUIF_OPS_SET(0, VGPUIF_MAX_ALLOC + 1, 0, 1)),
	VGPUIF_OPS_BAD("mem_set32 of 6 bytes", VGPUIF_OP_MEM_SET, 0,
		       "mem_set dptr or size not aligned",
		       VGPUIF_OPS_SET(0, 6, 0, 4)),
	VGPUIF_OPS_BAD("mem_set32 at an odd dptr", VGPUIF_OP_MEM_SET, 0,
		       "mem_set dptr or size not aligned",
		       VGPUIF_OPS_SET(2, 8, 0, 4)),
	VGPUIF_OPS_BAD("mem_set16 at an odd dptr", VGPUIF_OP_MEM_SET, 0,
		       "mem_set dptr or size not aligned",
		       VGPUIF_OPS_SET(1, 2, 0, 2)),
	{ "mem_set with padding", VGPUIF_OP_MEM_SET, 0,
	  { .memset = { .size = 1, .elem_size = 1, ._pad = { 0, 0, 1 } } },
	  VGPUIF_RSP_INVALID, "mem_set padding not zero" },

	/* MEM_COPY: no data; size 1..VGPUIF_MAX_ALLOC; any addresses. */
	VGPUIF_OPS_OK("mem_copy of 1 byte", VGPUIF_OP_MEM_COPY, 0,
		      VGPUIF_OPS_COPY(1, 2, 1)),
	VGPUIF_OPS_OK("mem_copy of the most", VGPUIF_OP_MEM_COPY, 0,
		      VGPUIF_OPS_COPY(1, 2, VGPUIF_MAX_ALLOC)),
	VGPUIF_OPS_BAD("mem_copy with data", VGPUIF_OP_MEM_COPY, 1,
		       "data_len must be 0", VGPUIF_OPS_COPY(1, 2, 1)),
	VGPUIF_OPS_BAD("mem_copy of 0", VGPUIF_OP_MEM_COPY, 0,
		       "mem size out of range", VGPUIF_OPS_COPY(1, 2, 0)),
	VGPUIF_OPS_BAD("mem_copy of one byte too many", VGPUIF_OP_MEM_COPY, 0,
		       "mem size out of range",
		       VGPUIF_OPS_COPY(1, 2, VGPUIF_MAX_ALLOC + 1)),
	VGPUIF_OPS_BAD("mem_copy of 2^64 - 1", VGPUIF_OP_MEM_COPY, 0,
		       "mem size out of range",
		       VGPUIF_OPS_COPY(1, 2, VGPUIF_OPS_U64_MAX)),

	/* MODULE_GET_GLOBAL: the name is the data, 1..4095 bytes. */
	VGPUIF_OPS_OK("get_global of a 1-byte name",
		      VGPUIF_OP_MODULE_GET_GLOBAL, 1, VGPUIF_OPS_GLOBAL(1, 1)),
	VGPUIF_OPS_OK("get_global of the longest name",
		      VGPUIF_OP_MODULE_GET_GLOBAL, VGPUIF_MAX_FUNC_NAME,
		      VGPUIF_OPS_GLOBAL(1, VGPUIF_MAX_FUNC_NAME)),
	VGPUIF_OPS_BAD("get_global of an empty name",
		       VGPUIF_OP_MODULE_GET_GLOBAL, 0, "name_len out of range",
		       VGPUIF_OPS_GLOBAL(1, 0)),
	VGPUIF_OPS_BAD("get_global of a name too long",
		       VGPUIF_OP_MODULE_GET_GLOBAL, VGPUIF_MAX_FUNC_NAME + 1,
		       "name_len out of range",
		       VGPUIF_OPS_GLOBAL(1, VGPUIF_MAX_FUNC_NAME + 1)),
	VGPUIF_OPS_BAD("get_global with a byte more data",
		       VGPUIF_OP_MODULE_GET_GLOBAL, 6, "data_len is not name_len",
		       VGPUIF_OPS_GLOBAL(1, 5)),
	VGPUIF_OPS_BAD("get_global with a byte less data",
		       VGPUIF_OP_MODULE_GET_GLOBAL, 4, "data_len is not name_len",
		       VGPUIF_OPS_GLOBAL(1, 5)),
	{ "get_global with padding", VGPUIF_OP_MODULE_GET_GLOBAL, 5,
	  { .global = { .module = 1, .name_len = 5, ._pad = { 0, 1, 0 } } },
	  VGPUIF_RSP_INVALID, "global padding not zero" },

	/* DEVICE_ATTRS: at least struct vgpuif_device_attrs. */
	VGPUIF_OPS_OK("device_attrs of a page", VGPUIF_OP_DEVICE_ATTRS, 4096,
		      VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("device_attrs one byte short", VGPUIF_OP_DEVICE_ATTRS,
		       sizeof(struct vgpuif_device_attrs) - 1,
		       "data_len below vgpuif_device_attrs", VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("device_attrs without data", VGPUIF_OP_DEVICE_ATTRS, 0,
		       "data_len below vgpuif_device_attrs", VGPUIF_OPS_NONE),

	/* EVENT_RECORD: nothing. */
	VGPUIF_OPS_BAD("event_record with data", VGPUIF_OP_EVENT_RECORD, 8,
		       "data_len must be 0", VGPUIF_OPS_NONE),
	VGPUIF_OPS_BAD("event_record with an argument", VGPUIF_OP_EVENT_RECORD,
		       0, "unused arguments not zero", VGPUIF_OPS_MEM(1, 0)),

	/*
	 * FUNC_ATTRS: the name (1..4095 bytes), padded to 8, then room for
	 * the 32 bytes of struct vgpuif_func_attrs: nothing else.
	 */
	VGPUIF_OPS_OK("func_attrs of a 1-byte name", VGPUIF_OP_FUNC_ATTRS,
		      8 + 32, VGPUIF_OPS_FUNC(1, 1)),
	VGPUIF_OPS_OK("func_attrs of an 8-byte name", VGPUIF_OP_FUNC_ATTRS,
		      8 + 32, VGPUIF_OPS_FUNC(1, 8)),
	VGPUIF_OPS_OK("func_attrs of the longest name", VGPUIF_OP_FUNC_ATTRS,
		      4096 + 32, VGPUIF_OPS_FUNC(1, VGPUIF_MAX_FUNC_NAME)),
	VGPUIF_OPS_BAD("func_attrs of an empty name", VGPUIF_OP_FUNC_ATTRS,
		       32, "name_len out of range", VGPUIF_OPS_FUNC(1, 0)),
	VGPUIF_OPS_BAD("func_attrs of a name too long", VGPUIF_OP_FUNC_ATTRS,
		       4096 + 32, "name_len out of range",
		       VGPUIF_OPS_FUNC(1, VGPUIF_MAX_FUNC_NAME + 1)),
	VGPUIF_OPS_BAD("func_attrs without room for the values",
		       VGPUIF_OP_FUNC_ATTRS, 5,
		       "data_len is not name and func_attrs",
		       VGPUIF_OPS_FUNC(1, 5)),
	VGPUIF_OPS_BAD("func_attrs a byte short", VGPUIF_OP_FUNC_ATTRS,
		       8 + 31, "data_len is not name and func_attrs",
		       VGPUIF_OPS_FUNC(1, 5)),
	VGPUIF_OPS_BAD("func_attrs a byte over", VGPUIF_OP_FUNC_ATTRS,
		       8 + 33, "data_len is not name and func_attrs",
		       VGPUIF_OPS_FUNC(1, 5)),
	VGPUIF_OPS_BAD("func_attrs with the name unpadded",
		       VGPUIF_OP_FUNC_ATTRS, 5 + 32,
		       "data_len is not name and func_attrs",
		       VGPUIF_OPS_FUNC(1, 5)),
	{ "func_attrs with padding", VGPUIF_OP_FUNC_ATTRS, 8 + 32,
	  { .func = { .module = 1, .name_len = 5, ._pad = { 0, 0, 1 } } },
	  VGPUIF_RSP_INVALID, "func padding not zero" },
	VGPUIF_OPS_BAD("func_attrs with a byte past its arguments",
		       VGPUIF_OP_FUNC_ATTRS, 8 + 32,
		       "unused arguments not zero",
		       { .raw = { [0] = 1, [8] = 5, [16] = 1 } }),
};

#endif /* VGPUIF_OPS_CASES_H */
