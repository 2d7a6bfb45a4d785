// SPDX-License-Identifier: MIT
/* Executor plumbing shared by every kind: choice, validation, op delay. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "log.h"

/* Tried in this order by "auto": the GPU when there is one. */
static const struct exec_ops *const exec_kinds[] = {
	&exec_cuda_ops,
	&exec_cpu_ops,
};

static const char *const op_names[VGPUIF_NR_OPS] = {
	[VGPUIF_OP_NOP] = "nop",
	[VGPUIF_OP_GET_INFO] = "get_info",
	[VGPUIF_OP_MEM_ALLOC] = "mem_alloc",
	[VGPUIF_OP_MEM_FREE] = "mem_free",
	[VGPUIF_OP_MEM_WRITE] = "mem_write",
	[VGPUIF_OP_MEM_READ] = "mem_read",
	[VGPUIF_OP_MODULE_LOAD] = "module_load",
	[VGPUIF_OP_MODULE_UNLOAD] = "module_unload",
	[VGPUIF_OP_LAUNCH] = "launch",
	[VGPUIF_OP_SYNC] = "sync",
	[VGPUIF_OP_VECTOR_ADD] = "vector_add",
};

const char *exec_op_name(uint8_t op)
{
	return op < VGPUIF_NR_OPS ? op_names[op] : "?";
}

static int try_create(struct executor *ex, const struct exec_ops *ops,
		      const struct exec_params *p)
{
	*ex = (struct executor){ .ops = ops, .params = *p };
	return ops->init(ex);
}

int exec_create(struct executor *ex, const char *kind,
		const struct exec_params *p)
{
	size_t n = sizeof(exec_kinds) / sizeof(exec_kinds[0]);
	int err = -ENODEV;

	if (strcmp(kind, "auto") == 0) {
		for (size_t i = 0; i < n; i++) {
			err = try_create(ex, exec_kinds[i], p);
			if (!err)
				return 0;
			log_info("executor %s not available (%s), trying the next",
				 exec_kinds[i]->name, strerror(-err));
		}
		ex->ops = NULL;
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(kind, exec_kinds[i]->name) == 0) {
			err = try_create(ex, exec_kinds[i], p);
			if (err)
				ex->ops = NULL;
			return err;
		}
	}
	return -ENOENT;
}

void exec_destroy(struct executor *ex)
{
	if (ex->ops)
		ex->ops->fini(ex);
	ex->ops = NULL;
}

static int launch_valid(const struct vgpu_back_req *req)
{
	const struct vgpuif_launch_args *l = &req->u.launch;
	uint64_t threads = 1;

	if (l->name_len < 1 || l->name_len > VGPUIF_MAX_FUNC_NAME ||
	    l->params_len > VGPUIF_MAX_PARAMS)
		return 0;
	if (req->data_len != VGPUIF_ALIGN8((uint32_t)l->name_len) + l->params_len)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (l->grid[i] < 1 || l->grid[i] > VGPUIF_MAX_GRID_DIM)
			return 0;
		if (l->block[i] < 1 || l->block[i] > VGPUIF_MAX_BLOCK_DIM)
			return 0;
		threads *= l->block[i];
	}
	return threads <= VGPUIF_MAX_BLOCK_DIM;
}

/*
 * Bytes of the argument union an operation uses; every other byte must be
 * zero (vgpuif.h), so a later version can give it a meaning.
 */
static uint32_t args_used(uint8_t op)
{
	switch (op) {
	case VGPUIF_OP_MEM_ALLOC:	/* size at 8..15, dptr must be 0 */
		return 16;
	case VGPUIF_OP_MEM_FREE:
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_MODULE_UNLOAD:
		return 8;
	case VGPUIF_OP_LAUNCH:
		return sizeof(struct vgpuif_launch_args);
	case VGPUIF_OP_VECTOR_ADD:	/* n; _pad is checked with n */
		return sizeof(struct vgpuif_vector_add_args);
	default:
		return 0;
	}
}

static int unused_args_zero(const struct vgpu_back_req *req)
{
	union vgpuif_request_args u = req->u;

	if (req->operation == VGPUIF_OP_MEM_ALLOC && u.mem.dptr)
		return 0;
	for (size_t i = args_used(req->operation); i < sizeof(u.raw); i++)
		if (u.raw[i])
			return 0;
	return 1;
}

int32_t exec_validate(const struct vgpu_back_req *req)
{
	uint32_t len = req->data_len;
	int ok;

	if (len > VGPUIF_MAX_DATA_LEN || !unused_args_zero(req))
		return VGPUIF_RSP_INVALID;
	switch (req->operation) {
	case VGPUIF_OP_NOP:
	case VGPUIF_OP_MEM_FREE:
	case VGPUIF_OP_MODULE_UNLOAD:
	case VGPUIF_OP_SYNC:
		ok = len == 0;
		break;
	case VGPUIF_OP_GET_INFO:
		ok = len >= sizeof(struct vgpuif_info);
		break;
	case VGPUIF_OP_MEM_ALLOC:
		ok = len == 0 && req->u.mem.size >= 1 &&
		     req->u.mem.size <= VGPUIF_MAX_ALLOC;
		break;
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
	case VGPUIF_OP_MODULE_LOAD:
		ok = len >= 1;
		break;
	case VGPUIF_OP_LAUNCH:
		ok = launch_valid(req);
		break;
	case VGPUIF_OP_VECTOR_ADD:
		ok = req->u.vector_add.n >= 1 &&
		     req->u.vector_add.n <= VGPUIF_VECTOR_ADD_MAX &&
		     req->u.vector_add._pad == 0 &&
		     len == 12u * req->u.vector_add.n;
		break;
	default:
		ok = 0;
	}
	return ok ? VGPUIF_RSP_OKAY : VGPUIF_RSP_INVALID;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_ns % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void exec_execute(struct executor *ex, struct exec_vm *vm,
		  const struct vgpu_back_req *req, const struct exec_data *data,
		  struct exec_result *res)
{
	uint64_t start = ex->params.op_delay_ms ? mono_ns() : 0;

	*res = (struct exec_result){ .status = exec_validate(req) };
	if (res->status == VGPUIF_RSP_OKAY)
		ex->ops->execute(ex, vm, req, data, res);
	if (ex->params.op_delay_ms)
		sleep_until(start + ex->params.op_delay_ms * 1000000ull);
}

int exec_copy(const struct exec_data *data, uint32_t direction,
	      uint64_t offset, void *buf, uint64_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t n = len < EXEC_COPY_CHUNK ? len : EXEC_COPY_CHUNK;
		int err = data->copy(data->ctx, direction, offset, p, n);

		if (err)
			return err;
		offset += n;
		p += n;
		len -= n;
	}
	return 0;
}

void exec_reply_info(struct executor *ex, const struct exec_vm *vm,
		     const struct exec_data *data, struct exec_result *res)
{
	struct vgpuif_info info;
	struct exec_info ei;

	ex->ops->info(ex, vm, &ei);
	memset(&info, 0, sizeof(info));
	info.protocol_version = VGPUIF_PROTOCOL_VERSION;
	info.vm_id = vm->cfg.vm_id;
	info.pool = vm->cfg.pool;
	info.priority = vm->cfg.priority;
	info.flags = ei.flags;
	info.mem_total = ei.mem_total;
	info.mem_free = ei.mem_free;
	info.mem_quota = vm->cfg.mem_quota;
	info.mem_used = ei.mem_used;
	memcpy(info.device_name, ei.device_name, sizeof(info.device_name));
	info.device_name[sizeof(info.device_name) - 1] = '\0';
	if (exec_copy(data, VGPU_BACK_COPY_TO_GUEST, 0, &info, sizeof(info)))
		res->status = VGPUIF_RSP_ERROR;
	else
		res->status = VGPUIF_RSP_OKAY;
}
