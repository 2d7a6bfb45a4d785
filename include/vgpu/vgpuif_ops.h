/* SPDX-License-Identifier: MIT */
/*
 * vgpuif_ops.h
 *
 * The operations of vgpuif.h as one table: for each VGPUIF_OP_* its name,
 * which way its data moves, which bytes of the argument union it reads and
 * the rule its data_len follows; and vgpuif_check_op(), the one check of an
 * operation's arguments and data length against vgpuif.h.
 *
 * The guest's frontend (before it sends), the backend (on its copy of a
 * request taken off the ring), the worker (on what the backend hands it)
 * and every test double use this header, so the rules cannot drift apart
 * between them. Adding an operation is one row here plus its executor.
 *
 * Static inline and free of Xen, libc and kernel calls: it builds in the
 * kernel, in User Mode Linux (KUnit) and in userspace alike. The segment
 * and grant rules of "Data buffers" are not here: only the backend sees
 * grant references.
 */

#ifndef __VGPU_VGPUIF_OPS_H__
#define __VGPU_VGPUIF_OPS_H__

#include "vgpuif.h"

/* Data directions, as bits; the values are those of VGPU_BACK_COPY_*. */
#define VGPUIF_DIR_NONE			0
#define VGPUIF_DIR_FROM_GUEST		1	/* G->B: the backend reads */
#define VGPUIF_DIR_TO_GUEST		2	/* B->G: the backend writes */

/* What an operation's data_len must be. */
enum vgpuif_len_rule {
	VGPUIF_LEN_ZERO,	/* no data: 0 */
	VGPUIF_LEN_NONZERO,	/* 1..VGPUIF_MAX_DATA_LEN */
	VGPUIF_LEN_INFO,	/* at least sizeof(struct vgpuif_info) */
	VGPUIF_LEN_LAUNCH,	/* VGPUIF_ALIGN8(name_len) + params_len */
	VGPUIF_LEN_VECTOR_ADD,	/* 12 * n */
	VGPUIF_LEN_GLOBAL,	/* name_len 1..VGPUIF_MAX_FUNC_NAME */
	VGPUIF_LEN_ATTRS,	/* at least sizeof(vgpuif_device_attrs) */
	VGPUIF_LEN_FUNC,	/* ALIGN8(name_len) + vgpuif_func_attrs */
};

struct vgpuif_op_desc {
	const char *name;	/* lower case, for logs: "vector_add" */
	uint8_t dirs;		/* VGPUIF_DIR_* bits */
	/*
	 * The operation reads bytes [args_lo, args_hi) of the argument
	 * union; every other byte must be zero (vgpuif.h).
	 */
	uint8_t args_lo, args_hi;
	uint8_t len_rule;	/* enum vgpuif_len_rule */
};

/* The first byte of @field in the argument union, and the byte after it. */
#define VGPUIF_ARG_LO(field) \
	((uint8_t)__builtin_offsetof(union vgpuif_request_args, field))
#define VGPUIF_ARG_HI(field) \
	((uint8_t)(VGPUIF_ARG_LO(field) + \
		   sizeof(((union vgpuif_request_args *)0)->field)))

/* The row of @op, or NULL for an operation vgpuif.h does not define. */
static inline const struct vgpuif_op_desc *vgpuif_op_desc(unsigned int op)
{
	static const struct vgpuif_op_desc ops[VGPUIF_NR_OPS] = {
		[VGPUIF_OP_NOP] = {
			"nop", VGPUIF_DIR_NONE, 0, 0, VGPUIF_LEN_ZERO },
		[VGPUIF_OP_GET_INFO] = {
			"get_info", VGPUIF_DIR_TO_GUEST, 0, 0,
			VGPUIF_LEN_INFO },
		[VGPUIF_OP_MEM_ALLOC] = {
			"mem_alloc", VGPUIF_DIR_NONE,
			VGPUIF_ARG_LO(mem.size), VGPUIF_ARG_HI(mem.size),
			VGPUIF_LEN_ZERO },
		[VGPUIF_OP_MEM_FREE] = {
			"mem_free", VGPUIF_DIR_NONE,
			VGPUIF_ARG_LO(mem.dptr), VGPUIF_ARG_HI(mem.dptr),
			VGPUIF_LEN_ZERO },
		[VGPUIF_OP_MEM_WRITE] = {
			"mem_write", VGPUIF_DIR_FROM_GUEST,
			VGPUIF_ARG_LO(mem.dptr), VGPUIF_ARG_HI(mem.dptr),
			VGPUIF_LEN_NONZERO },
		[VGPUIF_OP_MEM_READ] = {
			"mem_read", VGPUIF_DIR_TO_GUEST,
			VGPUIF_ARG_LO(mem.dptr), VGPUIF_ARG_HI(mem.dptr),
			VGPUIF_LEN_NONZERO },
		[VGPUIF_OP_MODULE_LOAD] = {
			"module_load", VGPUIF_DIR_FROM_GUEST, 0, 0,
			VGPUIF_LEN_NONZERO },
		[VGPUIF_OP_MODULE_UNLOAD] = {
			"module_unload", VGPUIF_DIR_NONE,
			VGPUIF_ARG_LO(module.handle),
			VGPUIF_ARG_HI(module.handle), VGPUIF_LEN_ZERO },
		[VGPUIF_OP_LAUNCH] = {
			"launch", VGPUIF_DIR_FROM_GUEST,
			VGPUIF_ARG_LO(launch), VGPUIF_ARG_HI(launch),
			VGPUIF_LEN_LAUNCH },
		[VGPUIF_OP_SYNC] = {
			"sync", VGPUIF_DIR_NONE, 0, 0, VGPUIF_LEN_ZERO },
		[VGPUIF_OP_VECTOR_ADD] = {
			"vector_add",
			VGPUIF_DIR_FROM_GUEST | VGPUIF_DIR_TO_GUEST,
			VGPUIF_ARG_LO(vector_add), VGPUIF_ARG_HI(vector_add),
			VGPUIF_LEN_VECTOR_ADD },
		[VGPUIF_OP_MEM_SET] = {
			"mem_set", VGPUIF_DIR_NONE,
			VGPUIF_ARG_LO(memset), VGPUIF_ARG_HI(memset),
			VGPUIF_LEN_ZERO },
		[VGPUIF_OP_MEM_COPY] = {
			"mem_copy", VGPUIF_DIR_NONE,
			VGPUIF_ARG_LO(copy), VGPUIF_ARG_HI(copy),
			VGPUIF_LEN_ZERO },
		[VGPUIF_OP_MODULE_GET_GLOBAL] = {
			"module_get_global", VGPUIF_DIR_FROM_GUEST,
			VGPUIF_ARG_LO(global), VGPUIF_ARG_HI(global),
			VGPUIF_LEN_GLOBAL },
		[VGPUIF_OP_DEVICE_ATTRS] = {
			"device_attrs", VGPUIF_DIR_TO_GUEST, 0, 0,
			VGPUIF_LEN_ATTRS },
		[VGPUIF_OP_EVENT_RECORD] = {
			"event_record", VGPUIF_DIR_NONE, 0, 0,
			VGPUIF_LEN_ZERO },
		[VGPUIF_OP_FUNC_ATTRS] = {
			"func_attrs",
			VGPUIF_DIR_FROM_GUEST | VGPUIF_DIR_TO_GUEST,
			VGPUIF_ARG_LO(func), VGPUIF_ARG_HI(func),
			VGPUIF_LEN_FUNC },
	};

	return op < VGPUIF_NR_OPS ? &ops[op] : (const struct vgpuif_op_desc *)0;
}

/*
 * 1 if @status is one vgpuif.h defines (VGPUIF_RSP_LAST..VGPUIF_RSP_OKAY):
 * the backend turns any other status a worker writes into ERROR.
 */
static inline int vgpuif_status_known(int32_t status)
{
	return status <= VGPUIF_RSP_OKAY && status >= VGPUIF_RSP_LAST;
}

/* The name of @op for a log line, "?" if vgpuif.h does not define it. */
static inline const char *vgpuif_op_name(unsigned int op)
{
	const struct vgpuif_op_desc *d = vgpuif_op_desc(op);

	return d ? d->name : "?";
}

/* VGPUIF_DIR_* bits of @op; VGPUIF_DIR_NONE for an unknown operation. */
static inline unsigned int vgpuif_op_dirs(unsigned int op)
{
	const struct vgpuif_op_desc *d = vgpuif_op_desc(op);

	return d ? d->dirs : VGPUIF_DIR_NONE;
}

static inline int vgpuif_op_invalid(const char **reason, const char *why)
{
	*reason = why;
	return VGPUIF_RSP_INVALID;
}

static inline int vgpuif_check_launch(const struct vgpuif_launch_args *l,
				      uint32_t data_len, const char **reason)
{
	uint64_t threads = 1;
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (!l->grid[i] || l->grid[i] > VGPUIF_MAX_GRID_DIM)
			return vgpuif_op_invalid(reason,
					"grid dimension out of range");
	for (i = 0; i < 3; i++) {
		if (!l->block[i] || l->block[i] > VGPUIF_MAX_BLOCK_DIM)
			return vgpuif_op_invalid(reason,
					"block dimension out of range");
		/* Each factor is at most 1024: no overflow in 64 bits. */
		threads *= l->block[i];
	}
	if (threads > VGPUIF_MAX_BLOCK_DIM)
		return vgpuif_op_invalid(reason, "block has too many threads");
	if (!l->name_len || l->name_len > VGPUIF_MAX_FUNC_NAME)
		return vgpuif_op_invalid(reason, "name_len out of range");
	if (l->params_len > VGPUIF_MAX_PARAMS)
		return vgpuif_op_invalid(reason, "params_len out of range");
	if (data_len != VGPUIF_ALIGN8((uint32_t)l->name_len) + l->params_len)
		return vgpuif_op_invalid(reason,
				"data_len does not match name and params");
	return VGPUIF_RSP_OKAY;
}

static inline int vgpuif_check_memset(const struct vgpuif_memset_args *m,
				      const char **reason)
{
	uint32_t e = m->elem_size;

	if (m->_pad[0] || m->_pad[1] || m->_pad[2])
		return vgpuif_op_invalid(reason, "mem_set padding not zero");
	if (e != 1 && e != 2 && e != 4)
		return vgpuif_op_invalid(reason, "mem_set elem_size not 1, 2, 4");
	if (e < 4 && (m->value >> (8 * e)))
		return vgpuif_op_invalid(reason,
				"mem_set value wider than elem_size");
	if (!m->size || m->size > VGPUIF_MAX_ALLOC)
		return vgpuif_op_invalid(reason, "mem size out of range");
	if ((m->size | m->dptr) & (e - 1))
		return vgpuif_op_invalid(reason,
				"mem_set dptr or size not aligned");
	return VGPUIF_RSP_OKAY;
}

static inline int vgpuif_check_global(const struct vgpuif_global_args *g,
				      uint32_t data_len, const char **reason)
{
	if (g->_pad[0] || g->_pad[1] || g->_pad[2])
		return vgpuif_op_invalid(reason, "global padding not zero");
	if (!g->name_len || g->name_len > VGPUIF_MAX_FUNC_NAME)
		return vgpuif_op_invalid(reason, "name_len out of range");
	if (data_len != g->name_len)
		return vgpuif_op_invalid(reason, "data_len is not name_len");
	return VGPUIF_RSP_OKAY;
}

static inline int vgpuif_check_func(const struct vgpuif_func_args *f,
				    uint32_t data_len, const char **reason)
{
	if (f->_pad[0] || f->_pad[1] || f->_pad[2])
		return vgpuif_op_invalid(reason, "func padding not zero");
	if (!f->name_len || f->name_len > VGPUIF_MAX_FUNC_NAME)
		return vgpuif_op_invalid(reason, "name_len out of range");
	if (data_len != VGPUIF_ALIGN8((uint32_t)f->name_len) +
			sizeof(struct vgpuif_func_attrs))
		return vgpuif_op_invalid(reason,
				"data_len is not name and func_attrs");
	return VGPUIF_RSP_OKAY;
}

/**
 * vgpuif_check_op() - check an operation's arguments and data length
 * @op: VGPUIF_OP_*
 * @data_len: bytes of data the request carries
 * @u: the arguments; a private copy, never the shared ring
 * @reason: set to a short constant string saying why a request is refused,
 *          for the log; "ok" for an accepted one
 *
 * Checks every rule of "Operations" in vgpuif.h: the operation is known,
 * bytes of @u it does not use are zero, its arguments are in range and
 * @data_len follows the operation's rule and VGPUIF_MAX_DATA_LEN. How the
 * data is granted (segments, flags) is the backend's check.
 *
 * Return: VGPUIF_RSP_OKAY or VGPUIF_RSP_INVALID.
 */
static inline int vgpuif_check_op(unsigned int op, uint32_t data_len,
				  const union vgpuif_request_args *u,
				  const char **reason)
{
	const struct vgpuif_op_desc *d = vgpuif_op_desc(op);
	unsigned int i;

	*reason = "ok";
	if (!d)
		return vgpuif_op_invalid(reason, "unknown operation");
	if (data_len > VGPUIF_MAX_DATA_LEN)
		return vgpuif_op_invalid(reason,
				"data_len over VGPUIF_MAX_DATA_LEN");
	for (i = 0; i < sizeof(u->raw); i++)
		if ((i < d->args_lo || i >= d->args_hi) && u->raw[i])
			return vgpuif_op_invalid(reason,
					"unused arguments not zero");

	switch (d->len_rule) {
	case VGPUIF_LEN_ZERO:
		if (data_len)
			return vgpuif_op_invalid(reason, "data_len must be 0");
		break;
	case VGPUIF_LEN_NONZERO:
		if (!data_len)
			return vgpuif_op_invalid(reason,
					"data_len must not be 0");
		break;
	case VGPUIF_LEN_INFO:
		if (data_len < sizeof(struct vgpuif_info))
			return vgpuif_op_invalid(reason,
					"data_len below vgpuif_info");
		break;
	case VGPUIF_LEN_LAUNCH:
		return vgpuif_check_launch(&u->launch, data_len, reason);
	case VGPUIF_LEN_VECTOR_ADD:
		if (u->vector_add._pad)
			return vgpuif_op_invalid(reason,
					"vector_add padding not zero");
		if (!u->vector_add.n ||
		    u->vector_add.n > VGPUIF_VECTOR_ADD_MAX)
			return vgpuif_op_invalid(reason,
					"vector_add n out of range");
		/* 12 * n in 64 bits: no wrap even for n = U32_MAX. */
		if ((uint64_t)data_len != 12ull * u->vector_add.n)
			return vgpuif_op_invalid(reason,
					"data_len is not 12 * n");
		break;
	case VGPUIF_LEN_GLOBAL:
		return vgpuif_check_global(&u->global, data_len, reason);
	case VGPUIF_LEN_ATTRS:
		if (data_len < sizeof(struct vgpuif_device_attrs))
			return vgpuif_op_invalid(reason,
					"data_len below vgpuif_device_attrs");
		break;
	case VGPUIF_LEN_FUNC:
		return vgpuif_check_func(&u->func, data_len, reason);
	}

	if (op == VGPUIF_OP_MEM_ALLOC &&
	    (!u->mem.size || u->mem.size > VGPUIF_MAX_ALLOC))
		return vgpuif_op_invalid(reason, "mem size out of range");
	if (op == VGPUIF_OP_MEM_COPY &&
	    (!u->copy.size || u->copy.size > VGPUIF_MAX_ALLOC))
		return vgpuif_op_invalid(reason, "mem size out of range");
	if (op == VGPUIF_OP_MEM_SET)
		return vgpuif_check_memset(&u->memset, reason);
	return VGPUIF_RSP_OKAY;
}

#endif /* __VGPU_VGPUIF_OPS_H__ */
