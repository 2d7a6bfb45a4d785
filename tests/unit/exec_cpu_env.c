// SPDX-License-Identifier: MIT
/*
 * The CPU executor behind the simulated backend, for its unit tests
 * (test_exec_cpu.c, test_exec_cpu_ops2.c): requests go in as events, their
 * data moves with the transport's copy, as the worker feeds the executor.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "exec_cpu_env.h"


const struct exec_params exec_cpu_default_params = {
	.mem_budget = 64 * MiB,
	.max_allocs = 1000,
};

int setup_with(void **state, const struct exec_params *p)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(simbe_open(&e->tp), 0);
	assert_int_equal(exec_create(&e->ex, "cpu", p), 0);
	for (int i = 0; i < 2; i++) {
		e->vm[i].cfg = (struct vgpu_back_vm){
			.domid = (uint16_t)(5 + i), .devid = 0,
			.vm_id = 101 + (uint32_t)i, .pool = (uint8_t)i,
			.priority = VGPUIF_PRIO_MEDIUM,
		};
		assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[i]), 0);
	}
	*state = e;
	return 0;
}

int setup(void **state)
{
	return setup_with(state, &exec_cpu_default_params);
}

int teardown(void **state)
{
	struct env *e = *state;

	for (int i = 0; i < 2; i++)
		e->ex.ops->vm_detach(&e->ex, &e->vm[i]);
	exec_destroy(&e->ex);
	transport_close(&e->tp);
	free(e);
	return 0;
}

struct copy_ctx {
	struct transport *tp;
	uint64_t handle;
};

static int copy_cb(void *ctx, uint32_t dir, uint64_t off, void *buf,
		   uint64_t len)
{
	struct copy_ctx *c = ctx;

	/* The executor promises pieces of at most EXEC_COPY_CHUNK. */
	assert_true(len <= EXEC_COPY_CHUNK);
	return c->tp->ops->copy(c->tp, c->handle, off, buf, len, dir);
}

/* One request of VM @v through the backend model; returns its result. */
struct exec_result run(struct env *e, int v, struct vgpu_back_req req, void *buf)
{
	struct vgpu_back_event ev;
	struct copy_ctx cc = { .tp = &e->tp };
	struct exec_data data = { .copy = copy_cb, .ctx = &cc };
	struct exec_result res;
	struct vgpu_back_completion c;

	simbe_request(&e->tp, &e->vm[v].cfg, &req, buf);
	assert_int_equal(e->tp.ops->read_events(&e->tp, &ev, 1), 1);
	cc.handle = ev.handle;
	exec_execute(&e->ex, &e->vm[v], &ev.req, &data, &res);
	c = (struct vgpu_back_completion){
		.handle = ev.handle, .status = res.status,
		.ret = { res.ret[0], res.ret[1] },
	};
	assert_int_equal(e->tp.ops->write_completions(&e->tp, &c, 1), 1);
	return res;
}

struct vgpu_back_req op(uint8_t operation)
{
	return (struct vgpu_back_req){ .id = 1, .operation = operation };
}

uint64_t alloc(struct env *e, int v, uint64_t size, int32_t want)
{
	struct vgpu_back_req r = op(VGPUIF_OP_MEM_ALLOC);
	struct exec_result res;

	r.u.mem.size = size;
	res = run(e, v, r, NULL);
	assert_int_equal(res.status, want);
	if (want == VGPUIF_RSP_OKAY)
		assert_int_not_equal(res.ret[0], 0);
	return res.ret[0];
}

int32_t mem_free(struct env *e, int v, uint64_t dptr)
{
	struct vgpu_back_req r = op(VGPUIF_OP_MEM_FREE);

	r.u.mem.dptr = dptr;
	return run(e, v, r, NULL).status;
}

int32_t xfer(struct env *e, int v, uint8_t operation, uint64_t dptr, void *buf,
	     uint32_t len)
{
	struct vgpu_back_req r = op(operation);

	r.u.mem.dptr = dptr;
	r.data_len = len;
	return run(e, v, r, buf).status;
}
