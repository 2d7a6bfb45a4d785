/* SPDX-License-Identifier: MIT */
/*
 * The rules of include/vgpu/vgpuif.h, written a second time from its text
 * ("Operations", "Data buffers") and on purpose without vgpuif_ops.h: the
 * fuzz targets compare what the product's checks accept with what this
 * says, both ways, so a rule that one of them forgets or gets wrong is a
 * crash. Plain and slow is fine here.
 */
#ifndef VGPU_TESTS_FUZZ_VGPUIF_SPEC_H
#define VGPU_TESTS_FUZZ_VGPUIF_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpu/vgpuif.h"

/* Is byte @i of the argument union one that operation @op reads? */
static inline bool spec_arg_byte_used(unsigned int op, unsigned int i)
{
	switch (op) {
	case VGPUIF_OP_MEM_ALLOC:
		return i >= 8 && i < 16;	/* u.mem.size */
	case VGPUIF_OP_MEM_FREE:
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_MODULE_UNLOAD:
		return i < 8;			/* u.mem.dptr, u.module.handle */
	case VGPUIF_OP_LAUNCH:
		return i < 40;			/* the whole launch struct */
	case VGPUIF_OP_VECTOR_ADD:
		return i < 4;			/* n; _pad must be 0 */
	case VGPUIF_OP_MEM_SET:
		return i < 21;			/* dptr, size, value, elem_size */
	case VGPUIF_OP_MEM_COPY:
		return i < 24;			/* dst, src, size */
	case VGPUIF_OP_MODULE_GET_GLOBAL:
	case VGPUIF_OP_FUNC_ATTRS:
		return i < 10;			/* module, name_len */
	default:
		return false;	/* NOP, GET_INFO, LOAD, SYNC, ATTRS, EVENT */
	}
}

static inline bool spec_launch_ok(const struct vgpuif_launch_args *l,
				  uint32_t data_len)
{
	uint64_t threads = 1;

	for (int i = 0; i < 3; i++) {
		if (l->grid[i] < 1 || l->grid[i] > 0x7fffffffu)
			return false;
		if (l->block[i] < 1 || l->block[i] > 1024)
			return false;
		threads *= l->block[i];
	}
	if (threads > 1024)
		return false;
	if (l->name_len < 1 || l->name_len > 255 || l->params_len > 4096)
		return false;
	return data_len == ((l->name_len + 7u) / 8u) * 8u + l->params_len;
}

/* Does (op, data_len, u) follow "Operations" of vgpuif.h? */
static inline bool spec_op_ok(unsigned int op, uint32_t data_len,
			      const union vgpuif_request_args *u)
{
	if (op >= 17 || data_len > 16u * 1024 * 1024)
		return false;
	for (unsigned int i = 0; i < 40; i++)
		if (u->raw[i] && !spec_arg_byte_used(op, i))
			return false;
	switch (op) {
	case VGPUIF_OP_NOP:
	case VGPUIF_OP_MEM_FREE:
	case VGPUIF_OP_MODULE_UNLOAD:
	case VGPUIF_OP_SYNC:
		return data_len == 0;
	case VGPUIF_OP_GET_INFO:
		return data_len >= 112;
	case VGPUIF_OP_MEM_ALLOC:
		return data_len == 0 && u->mem.size >= 1 &&
		       u->mem.size <= (1ull << 40);
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_MODULE_LOAD:
		return data_len >= 1;
	case VGPUIF_OP_LAUNCH:
		return spec_launch_ok(&u->launch, data_len);
	case VGPUIF_OP_VECTOR_ADD:
		return u->vector_add.n >= 1 &&
		       u->vector_add.n <= (1u << 20) &&
		       (uint64_t)data_len == 12ull * u->vector_add.n;
	case VGPUIF_OP_MEM_SET: {
		uint32_t e = u->memset.elem_size;

		if (data_len || (e != 1 && e != 2 && e != 4))
			return false;
		if (e < 4 && u->memset.value >= (1u << (8 * e)))
			return false;
		return u->memset.size >= 1 && u->memset.size <= (1ull << 40) &&
		       u->memset.size % e == 0 && u->memset.dptr % e == 0;
	}
	case VGPUIF_OP_MEM_COPY:
		return data_len == 0 && u->copy.size >= 1 &&
		       u->copy.size <= (1ull << 40);
	case VGPUIF_OP_MODULE_GET_GLOBAL:
		return u->global.name_len >= 1 && u->global.name_len <= 255 &&
		       data_len == u->global.name_len;
	case VGPUIF_OP_DEVICE_ATTRS:
		return data_len >= 352;
	case VGPUIF_OP_EVENT_RECORD:
		return data_len == 0;
	case VGPUIF_OP_FUNC_ATTRS:
		return u->func.name_len >= 1 && u->func.name_len <= 255 &&
		       data_len == ((u->func.name_len + 7u) / 8u) * 8u + 32u;
	}
	return false;
}

/*
 * The data_len that operation @op with arguments @u would carry if it were
 * well formed. The fuzz targets use it to build a length that is right or
 * off by a little (a fuzzer rarely guesses a length that matches other
 * fields); it checks nothing.
 */
static inline uint32_t spec_natural_len(unsigned int op,
					const union vgpuif_request_args *u)
{
	switch (op) {
	case VGPUIF_OP_GET_INFO:
		return 112;
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_MODULE_LOAD:
		return 4096;
	case VGPUIF_OP_LAUNCH:
		return ((u->launch.name_len + 7u) / 8u) * 8u +
		       u->launch.params_len;
	case VGPUIF_OP_VECTOR_ADD:
		return 12u * u->vector_add.n;
	case VGPUIF_OP_MODULE_GET_GLOBAL:
		return u->global.name_len;
	case VGPUIF_OP_DEVICE_ATTRS:
		return 352;
	case VGPUIF_OP_FUNC_ATTRS:
		return ((u->func.name_len + 7u) / 8u) * 8u + 32u;
	default:
		return 0;
	}
}

/* The grant part of a request that "Data buffers" allows. */
struct spec_buffer {
	uint32_t nr_data_pages;
	bool indirect;
};

static inline bool spec_buffer_ok(const struct vgpuif_request *req,
				  struct spec_buffer *out)
{
	uint32_t pages = (uint32_t)(((uint64_t)req->data_len + 4095) / 4096);

	out->nr_data_pages = 0;
	out->indirect = false;
	if (req->flags & ~1u)
		return false;
	if (req->data_len == 0)
		return req->nr_segments == 0 && req->flags == 0;
	if (req->flags & 1u) {
		if (req->nr_segments != (pages + 1023) / 1024 ||
		    req->nr_segments > 4)
			return false;
		out->indirect = true;
	} else if (req->nr_segments != pages || req->nr_segments > 8) {
		return false;
	}
	out->nr_data_pages = pages;
	return true;
}

#endif
