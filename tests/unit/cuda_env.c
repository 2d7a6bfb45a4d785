// SPDX-License-Identifier: MIT
/*
 * The CUDA executor as its unit tests run it; see cuda_env.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/cuda_env.h"
#include "vgpu/vgpuif_ops.h"

int gbuf_copy(void *ctx, uint32_t dir, uint64_t off, void *buf,
	      uint64_t len)
{
	struct gbuf *g = ctx;
	int from = dir == VGPU_BACK_COPY_FROM_GUEST;
	/* The directions of vgpuif_ops.h use the VGPU_BACK_COPY_* values. */
	int ok_dir = (from || dir == VGPU_BACK_COPY_TO_GUEST) &&
		     (vgpuif_op_dirs(g->op) & dir);

	atomic_fetch_add(&g->copies, 1);
	if (!ok_dir || off > g->len || len > g->len - off) {
		atomic_fetch_add(&g->bad, 1);
		return -EINVAL;
	}
	if (atomic_load(&g->fail))
		return -EFAULT;
	if (from)
		memcpy(buf, g->p + off, len);
	else
		memcpy(g->p + off, buf, len);
	return 0;
}

void cuda_env_params(struct exec_cuda_params *cp, const char *child)
{
	exec_cuda_default_params(cp);
	cp->program = "/proc/self/exe";
	cp->program_arg = child ? child : "--fake-child";
	cp->slot_size = 64 * KiB;
	cp->nslots = 4;
	cp->inline_max = 8 * KiB;
	cp->copy_threads = 2;
	cp->request_timeout_ms = 2000;
	cp->start_timeout_ms = 20000;
	cp->spin_us = 20;
}

struct env *env_new(const struct cuda_env_opts *o)
{
	struct env *e = calloc(1, sizeof(*e));
	struct exec_params ep = { .max_allocs = 100 };

	assert_non_null(e);
	assert_true(o->nvm >= 0 && o->nvm <= CUDA_ENV_MAX_VMS);
	e->nvm = o->nvm ? o->nvm : 1;
	e->bad_copies_ok = o->bad_copies_ok;
	cuda_env_params(&e->cp, o->child);
	e->cp.copy_threads = o->copy_threads;
	e->cp.request_timeout_ms = o->request_timeout_ms;
	e->cp.spare = o->spare;
	ep.cuda = &e->cp;
	assert_int_equal(exec_create(&e->ex, "cuda", &ep), 0);
	for (int i = 0; i < e->nvm; i++) {
		e->vm[i].cfg = (struct vgpu_back_vm){
			.domid = (uint16_t)(5 + i), .vm_id = 101 + (uint32_t)i,
			.priority = VGPUIF_PRIO_MEDIUM,
		};
		assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[i]), 0);
	}
	return e;
}

void env_del(struct env *e)
{
	for (int i = 0; i < e->nvm; i++)
		e->ex.ops->vm_detach(&e->ex, &e->vm[i]);
	exec_destroy(&e->ex);
	free(e);
}

int32_t env_run(struct env *e, int vm, const struct vgpu_back_req *req,
		struct gbuf *g, uint64_t *ret)
{
	struct gbuf none = { 0 };
	struct exec_data d = { .copy = gbuf_copy };
	struct exec_result res;

	if (!g)
		g = &none;
	g->op = req->operation;
	d.ctx = g;
	exec_execute(&e->ex, &e->vm[vm], req, &d, &res);
	if (!e->bad_copies_ok)
		assert_int_equal(atomic_load(&g->bad), 0);
	if (ret)
		*ret = res.ret[0];
	e->ret1 = res.ret[1];
	return res.status;
}

uint64_t env_alloc(struct env *e, int vm, uint64_t size)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC };
	uint64_t d = 0;

	r.u.mem.size = size;
	assert_int_equal(env_run(e, vm, &r, NULL, &d), VGPUIF_RSP_OKAY);
	assert_true(d != 0);
	return d;
}

int32_t env_xfer(struct env *e, int vm, uint8_t op, uint64_t dptr,
		 void *buf, uint32_t len)
{
	struct vgpu_back_req r = { .operation = op, .data_len = len };
	struct gbuf g = { .p = buf, .len = len };

	r.u.mem.dptr = dptr;
	return env_run(e, vm, &r, &g, NULL);
}

uint64_t env_load_module(struct env *e, int vm, const char *img)
{
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_MODULE_LOAD,
		.data_len = (uint32_t)strlen(img),
	};
	struct gbuf g = { .p = (uint8_t *)img, .len = strlen(img) };
	uint64_t h = 0;

	assert_int_equal(env_run(e, vm, &r, &g, &h), VGPUIF_RSP_OKAY);
	return h;
}

void env_fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}
