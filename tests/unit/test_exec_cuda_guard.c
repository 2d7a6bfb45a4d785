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
#include "dom0-worker/exec/cuda/exec_cuda_priv.h"
#include "dom0-worker/log.h"
#include "tests/unit/cuda_env.h"
#include "vgpu/vgpuif_ops.h"

extern const struct cx_dev_ops cx_fake_ops;

/*
 * Two VMs on the fake device. These cases check what the executor does,
 * not its copies' ranges (test_exec_cuda.c does): bad copies pass.
 */
static struct env *guard_env(uint32_t threads, uint32_t timeout_ms)
{
	struct cuda_env_opts o = { .copy_threads = threads,
				   .request_timeout_ms = timeout_ms,
				   .nvm = 2, .bad_copies_ok = 1 };

	return env_new(&o);
}

static int teardown(void **state)
{
	env_del(*state);
	return 0;
}

static int32_t sync_vm(struct env *e, int vm)
{
	struct vgpu_back_req r = { .operation = VGPUIF_OP_SYNC };

	return env_run(e, vm, &r, NULL, NULL);
}

/* Loads the fake module and launches @name (no parameters). */
static int32_t launch(struct env *e, int vm, const char *name)
{
	uint64_t h = env_load_module(e, vm, "FAKEMOD");
	uint8_t blob[16] = { 0 };
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_LAUNCH,
		.data_len = VGPUIF_ALIGN8((uint32_t)strlen(name)),
	};
	struct gbuf g = { .p = blob, .len = r.data_len };

	memcpy(blob, name, strlen(name));
	r.u.launch = (struct vgpuif_launch_args){
		.module = h, .grid = { 1, 1, 1 }, .block = { 1, 1, 1 },
		.name_len = (uint16_t)strlen(name),
	};
	return env_run(e, vm, &r, &g, NULL);
}

struct collect {
	int n;
	void *tag[16];
	struct exec_result res[16];
	struct exec_cuda_stats st[16];	/* the executor's, when it came */
	struct executor *ex;
};

static void on_done(void *arg, void *tag, const struct exec_result *res)
{
	struct collect *c = arg;

	c->tag[c->n] = tag;
	exec_cuda_get_stats(c->ex, &c->st[c->n]);
	c->res[c->n++] = *res;
}

/* Turns reap until @want reports came or @ms passed. */
static void pump(struct env *e, struct collect *c, int want, int ms)
{
	uint64_t end = cx_now_ns() + (uint64_t)ms * 1000000u;

	while (cx_now_ns() < end && (!c || c->n < want)) {
		struct pollfd p = { .fd = e->ex.ops->pollfd(&e->ex), .events = POLLIN };

		poll(&p, 1, 20);
		e->ex.ops->reap(&e->ex, c ? on_done : NULL, c);
	}
}

static int find(const struct collect *c, const void *tag)
{
	for (int i = 0; i < c->n; i++)
		if (c->tag[i] == tag)
			return i;
	return -1;
}

/* ---- tests ---- */

/*
 * --copy-threads 0: a slotted request whose guest copy fails before it is
 * posted must publish the tickets it took; the requests after it must not
 * wait on them (they would time out, the worker's thread stuck meanwhile).
 */
static void test_failed_copy_publishes_tickets(void **state)
{
	struct env *e = guard_env(0, 2000);
	enum { N = 1000, LEN = 256 * KiB };
	float v[3 * N];
	struct vgpu_back_req add = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(v),
		.u.vector_add.n = N,
	};
	struct gbuf g = { .p = (uint8_t *)v, .len = sizeof(v) };
	uint8_t *in = malloc(LEN), *out = malloc(LEN);
	uint64_t d = env_alloc(e, 0, LEN);

	*state = e;
	assert_non_null(in);
	assert_non_null(out);
	/* Input (8000 bytes) copied on the caller's thread, output slotted. */
	memset(v, 0, sizeof(v));
	atomic_store(&g.fail, 1);
	assert_int_equal(env_run(e, 0, &add, &g, NULL), VGPUIF_RSP_ERROR);
	/* Enough chunks to come round every slot again, twice. */
	for (int k = 0; k < 3; k++) {
		env_fill(in, LEN, (unsigned int)k);
		assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d, in, LEN),
				 VGPUIF_RSP_OKAY);
		memset(out, 0, LEN);
		assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d, out, LEN),
				 VGPUIF_RSP_OKAY);
		assert_memory_equal(in, out, LEN);
	}
	free(in);
	free(out);
}

/*
 * A kernel that never ends, and nothing more from the VM: the watchdog
 * still ends it (a SYNC of the executor's own follows every LAUNCH), and
 * the VM hears of it on its next request.
 */
static void test_endless_kernel_is_watched(void **state)
{
	struct env *e = guard_env(2, 300);
	uint8_t b[16] = { 1, 2, 3 }, c[16] = { 0 };
	struct exec_cuda_stats st = { 0 };
	uint64_t d, d2;
	int pid;

	*state = e;
	d = env_alloc(e, 0, 64);
	pid = exec_cuda_vm_pid(&e->vm[0]);
	assert_int_equal(launch(e, 0, "hang"), VGPUIF_RSP_OKAY);
	for (int i = 0; i < 40 && !st.timeouts; i++) {
		pump(e, NULL, 0, 100);
		exec_cuda_get_stats(&e->ex, &st);
	}
	assert_int_equal(st.timeouts, 1);
	assert_true(exec_cuda_vm_pid(&e->vm[0]) != pid);
	/* Its next request, whatever it is, says what happened. */
	assert_int_equal(sync_vm(e, 0), VGPUIF_RSP_TIMEOUT);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d, c, 4),
			 VGPUIF_RSP_BAD_HANDLE);
	d2 = env_alloc(e, 0, 16);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d2, b, 16), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d2, c, 16), VGPUIF_RSP_OKAY);
	assert_memory_equal(b, c, 16);
	assert_int_equal(sync_vm(e, 0), VGPUIF_RSP_OKAY);
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.timeouts, 1);
}

/*
 * A VM whose kernel never ends queues large reads behind it: their copy
 * tasks wait for chunks that never come. The shared copy threads must
 * still serve another VM's large write before the watchdog ends the
 * first VM's process.
 */
static void test_copy_threads_not_held(void **state)
{
	struct env *e = guard_env(2, 4000);
	enum { LEN = 256 * KiB };	/* 4 chunks */
	uint8_t *buf[3];
	struct vgpu_back_req rq[3];
	struct gbuf g[3];
	struct exec_data dd[3];
	struct collect c = { .ex = &e->ex };
	struct exec_result res;
	uint64_t d0 = env_alloc(e, 0, LEN), d1 = env_alloc(e, 1, LEN);
	int i;

	*state = e;
	assert_int_equal(launch(e, 0, "hang"), VGPUIF_RSP_OKAY);
	for (i = 0; i < 3; i++) {
		buf[i] = calloc(1, LEN);
		assert_non_null(buf[i]);
		rq[i] = (struct vgpu_back_req){
			.operation = i < 2 ? VGPUIF_OP_MEM_READ : VGPUIF_OP_MEM_WRITE,
			.data_len = LEN,
		};
		rq[i].u.mem.dptr = i < 2 ? d0 : d1;
		g[i] = (struct gbuf){ .p = buf[i], .len = LEN,
				      .op = rq[i].operation };
		dd[i] = (struct exec_data){ .copy = gbuf_copy, .ctx = &g[i] };
		assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[i < 2 ? 0 : 1],
						   &rq[i], &dd[i], &rq[i], &res), 0);
	}
	pump(e, &c, 1, 10000);
	i = find(&c, &rq[2]);
	assert_true(i >= 0);
	assert_int_equal(c.res[i].status, VGPUIF_RSP_OKAY);
	/* Served while the hung VM still held its requests. */
	assert_int_equal(c.st[i].timeouts, 0);
	pump(e, &c, 3, 10000);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.res[find(&c, &rq[0])].status, VGPUIF_RSP_TIMEOUT);
	assert_int_equal(c.res[find(&c, &rq[1])].status, VGPUIF_RSP_TIMEOUT);
	for (i = 0; i < 3; i++)
		free(buf[i]);
}

/*
 * --copy-threads 0: the worker's own thread moves large requests' chunks.
 * A VM whose kernel never ends, with a large read behind it, must not
 * stall the worker (every VM) until its watchdog fires: another VM's
 * requests go on meanwhile.
 */
static void test_no_stall_without_copy_threads(void **state)
{
	struct env *e = guard_env(0, 4000);
	enum { LEN = 256 * KiB };
	uint8_t *buf = calloc(1, LEN), b[16] = { 7 }, c[16];
	struct vgpu_back_req rd = {
		.operation = VGPUIF_OP_MEM_READ, .data_len = LEN,
	};
	struct gbuf g = { .p = buf, .len = LEN, .op = VGPUIF_OP_MEM_READ };
	struct exec_data dd = { .copy = gbuf_copy, .ctx = &g };
	struct collect col = { .ex = &e->ex };
	struct exec_cuda_stats st;
	struct exec_result res;
	uint64_t d0 = env_alloc(e, 0, LEN), d1 = env_alloc(e, 1, 16);

	*state = e;
	assert_non_null(buf);
	assert_int_equal(launch(e, 0, "hang"), VGPUIF_RSP_OKAY);
	rd.u.mem.dptr = d0;
	assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[0], &rd, &dd, &rd,
					   &res), 0);
	for (int i = 0; i < 20; i++) {
		b[0] = (uint8_t)i;
		assert_int_equal(env_xfer(e, 1, VGPUIF_OP_MEM_WRITE, d1, b, 16),
				 VGPUIF_RSP_OKAY);
		assert_int_equal(env_xfer(e, 1, VGPUIF_OP_MEM_READ, d1, c, 16),
				 VGPUIF_RSP_OKAY);
		assert_memory_equal(b, c, 16);
	}
	/* All that while the hung VM's read was still in its process. */
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.timeouts, 0);
	pump(e, &col, 1, 10000);
	assert_int_equal(col.n, 1);
	assert_int_equal(col.res[0].status, VGPUIF_RSP_TIMEOUT);
	free(buf);
}

/*
 * After an executor restart or a reconnect, a VM's old device address
 * names nothing: new allocations never reuse one.
 */
static void test_no_stale_address(void **state)
{
	struct env *e = guard_env(2, 300);
	uint8_t a[64], b[64];
	uint64_t d1, d2, d3, d4;

	*state = e;
	d1 = env_alloc(e, 0, 64);
	env_fill(a, sizeof(a), 5);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d1, a, 64), VGPUIF_RSP_OKAY);
	assert_int_equal(launch(e, 0, "hang"), VGPUIF_RSP_OKAY);
	assert_int_equal(sync_vm(e, 0), VGPUIF_RSP_TIMEOUT);
	/* Fresh process: its first allocation is where the old one was. */
	d2 = env_alloc(e, 0, 64);
	assert_true(d2 != d1);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d1, b, 64),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d2, b, 64), VGPUIF_RSP_OKAY);
	/* And once more, a third generation. */
	assert_int_equal(launch(e, 0, "hang"), VGPUIF_RSP_OKAY);
	assert_int_equal(sync_vm(e, 0), VGPUIF_RSP_TIMEOUT);
	/*
	 * A second failure in a row backs the restart off (exec_cuda_proc.c):
	 * requests before CX_BACKOFF_MIN_NS has passed get ERROR; wait it out.
	 */
	usleep(CX_BACKOFF_MIN_NS / 1000 + 50000);
	d3 = env_alloc(e, 0, 64);
	assert_true(d3 != d1 && d3 != d2);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d2, b, 64),
			 VGPUIF_RSP_BAD_HANDLE);
	/* The device reconnects: still none of them. */
	e->ex.ops->vm_detach(&e->ex, &e->vm[0]);
	assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[0]), 0);
	d4 = env_alloc(e, 0, 64);
	assert_true(d4 != d1 && d4 != d2 && d4 != d3);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d3, b, 64),
			 VGPUIF_RSP_BAD_HANDLE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_failed_copy_publishes_tickets, teardown),
		cmocka_unit_test_teardown(test_endless_kernel_is_watched, teardown),
		cmocka_unit_test_teardown(test_copy_threads_not_held, teardown),
		cmocka_unit_test_teardown(test_no_stale_address, teardown),
		cmocka_unit_test_teardown(test_no_stall_without_copy_threads, teardown),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	/* The executor processes are this binary: no leak report from them. */
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
