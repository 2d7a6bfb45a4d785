// SPDX-License-Identifier: MIT
/*
 * What a hostile VM must not be able to do to the CUDA executor
 * (dom0-worker/exec/cuda/, issue 14), on the host-memory device
 * (tests/sim/cx_dev_fake.c) with real executor processes: keep a kernel
 * on the GPU past the watchdog by sending nothing after it, hold the
 * shared copy threads, stall the worker with tickets a failed copy left
 * behind, or reach new memory through an address from before a restart.
 *
 * The executor process is this binary run again with --fake-child.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/exec.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "dom0-worker/log.h"
#include "vgpu/vgpuif_ops.h"

extern const struct cx_dev_ops cx_fake_ops;

#define KiB (1u << 10)
#define NVM 2

/* A guest buffer behind the exec_data callback; safe from any thread. */
struct gbuf {
	uint8_t *p;
	uint64_t len;
	uint8_t op;
	atomic_int fail;	/* copies fail with -EFAULT while set */
};

static int gbuf_copy(void *ctx, uint32_t dir, uint64_t off, void *buf,
		     uint64_t len)
{
	struct gbuf *g = ctx;

	if (!(vgpuif_op_dirs(g->op) & dir) || off > g->len || len > g->len - off)
		return -EINVAL;
	if (atomic_load(&g->fail))
		return -EFAULT;
	if (dir == VGPU_BACK_COPY_FROM_GUEST)
		memcpy(buf, g->p + off, len);
	else
		memcpy(g->p + off, buf, len);
	return 0;
}

struct env {
	struct executor ex;
	struct exec_vm vm[NVM];
	struct exec_cuda_params cp;
};

static struct env *env_new(uint32_t threads, uint32_t timeout_ms)
{
	struct env *e = calloc(1, sizeof(*e));
	struct exec_params ep = { .max_allocs = 100, .cuda = &e->cp };

	assert_non_null(e);
	exec_cuda_default_params(&e->cp);
	e->cp.program = "/proc/self/exe";
	e->cp.program_arg = "--fake-child";
	e->cp.slot_size = 64 * KiB;
	e->cp.nslots = 4;
	e->cp.inline_max = 8 * KiB;
	e->cp.copy_threads = threads;
	e->cp.request_timeout_ms = timeout_ms;
	e->cp.start_timeout_ms = 20000;
	e->cp.spin_us = 20;
	assert_int_equal(exec_create(&e->ex, "cuda", &ep), 0);
	for (int i = 0; i < NVM; i++) {
		e->vm[i].cfg = (struct vgpu_back_vm){
			.domid = (uint16_t)(5 + i), .vm_id = 101 + (uint32_t)i,
			.priority = VGPUIF_PRIO_MEDIUM,
		};
		assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[i]), 0);
	}
	return e;
}

static void env_del(struct env *e)
{
	for (int i = 0; i < NVM; i++)
		e->ex.ops->vm_detach(&e->ex, &e->vm[i]);
	exec_destroy(&e->ex);
	free(e);
}

static int teardown(void **state)
{
	env_del(*state);
	return 0;
}

static int32_t run(struct env *e, int vm, const struct vgpu_back_req *req,
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
	if (ret)
		*ret = res.ret[0];
	return res.status;
}

static uint64_t alloc(struct env *e, int vm, uint64_t size)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC };
	uint64_t d = 0;

	r.u.mem.size = size;
	assert_int_equal(run(e, vm, &r, NULL, &d), VGPUIF_RSP_OKAY);
	assert_true(d != 0);
	return d;
}

static int32_t xfer(struct env *e, int vm, uint8_t op, uint64_t dptr,
		    void *buf, uint32_t len)
{
	struct vgpu_back_req r = { .operation = op, .data_len = len };
	struct gbuf g = { .p = buf, .len = len };

	r.u.mem.dptr = dptr;
	return run(e, vm, &r, &g, NULL);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* ---- tests ---- */

/*
 * --copy-threads 0: a slotted request whose guest copy fails before it is
 * posted must publish the tickets it took; the requests after it must not
 * wait on them (they would time out, the worker's thread stuck meanwhile).
 */
static void test_failed_copy_publishes_tickets(void **state)
{
	struct env *e = env_new(0, 2000);
	enum { N = 1000, LEN = 256 * KiB };
	float v[3 * N];
	struct vgpu_back_req add = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(v),
		.u.vector_add.n = N,
	};
	struct gbuf g = { .p = (uint8_t *)v, .len = sizeof(v) };
	uint8_t *in = malloc(LEN), *out = malloc(LEN);
	uint64_t d = alloc(e, 0, LEN);

	*state = e;
	assert_non_null(in);
	assert_non_null(out);
	/* Input (8000 bytes) copied on the caller's thread, output slotted. */
	memset(v, 0, sizeof(v));
	atomic_store(&g.fail, 1);
	assert_int_equal(run(e, 0, &add, &g, NULL), VGPUIF_RSP_ERROR);
	/* Enough chunks to come round every slot again, twice. */
	for (int k = 0; k < 3; k++) {
		fill(in, LEN, (unsigned int)k);
		assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_WRITE, d, in, LEN),
				 VGPUIF_RSP_OKAY);
		memset(out, 0, LEN);
		assert_int_equal(xfer(e, 0, VGPUIF_OP_MEM_READ, d, out, LEN),
				 VGPUIF_RSP_OKAY);
		assert_memory_equal(in, out, LEN);
	}
	free(in);
	free(out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_failed_copy_publishes_tickets, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	/* The executor processes are this binary: no leak report from them. */
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
