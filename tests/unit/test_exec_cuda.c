// SPDX-License-Identifier: MIT
/*
 * Unit tests of the CUDA executor's worker side
 * (dom0-worker/exec/cuda/exec_cuda.c) and of the executor process's
 * command loop (dom0-worker/exec/cuda/cx_child.c), with the host-memory
 * device (tests/sim/cx_dev_fake.c) in place of CUDA: real processes,
 * real shared memory and doorbells, the real chunk pipeline, watchdog,
 * fault and crash recovery, on a machine without a GPU.
 *
 * The executor process is this binary run again with --fake-child.
 *
 * The executor and its copy callback are cuda_env.c's. Over 700 lines on
 * purpose: the cases share the module, launch and pipeline helpers here.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "dom0-worker/exec/exec.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "dom0-worker/log.h"
#include "tests/unit/cuda_env.h"
#include "vgpu/vgpuif_ops.h"

extern const struct cx_dev_ops cx_fake_ops;

#define NVM 2

static int setup_env(void **state, uint32_t threads, uint32_t timeout_ms)
{
	struct cuda_env_opts o = { .copy_threads = threads,
				   .request_timeout_ms = timeout_ms,
				   .nvm = NVM };

	*state = env_new(&o);
	return 0;
}

static int setup(void **state)
{
	return setup_env(state, 2, 2000);
}

static int setup_nothreads(void **state)
{
	return setup_env(state, 0, 2000);
}

static int setup_short(void **state)
{
	return setup_env(state, 2, 300);
}

static int teardown(void **state)
{
	env_del(*state);
	return 0;
}

static int32_t simple(struct env *e, int vm, uint8_t op, uint64_t arg)
{
	struct vgpu_back_req r = { .operation = op };

	if (op == VGPUIF_OP_MODULE_UNLOAD)
		r.u.module.handle = arg;
	else
		r.u.mem.dptr = arg;
	return env_run(e, vm, &r, NULL, NULL);
}

/* LAUNCH of @name with a parameter blob. */
static int32_t launch(struct env *e, int vm, uint64_t mod, const char *name,
		      const void *params, uint16_t plen)
{
	uint8_t buf[512] = { 0 };
	uint16_t nl = (uint16_t)strlen(name);
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_LAUNCH,
		.data_len = VGPUIF_ALIGN8(nl) + plen,
	};
	struct gbuf g = { .p = buf, .len = r.data_len };

	memcpy(buf, name, nl);
	if (plen)
		memcpy(buf + VGPUIF_ALIGN8(nl), params, plen);
	r.u.launch = (struct vgpuif_launch_args){
		.module = mod, .grid = { 1, 1, 1 }, .block = { 1, 1, 1 },
		.name_len = nl, .params_len = plen,
	};
	return env_run(e, vm, &r, &g, NULL);
}

/* ---- tests ---- */

static void test_info(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_GET_INFO,
		.data_len = sizeof(struct vgpuif_info),
	};
	struct vgpuif_info info;
	struct gbuf g = { .p = (uint8_t *)&info, .len = sizeof(info) };
	struct exec_info ei;

	e->ex.ops->info(&e->ex, NULL, &ei);
	assert_string_equal(ei.device_name, "Fake GPU");
	assert_int_equal(ei.flags, VGPUIF_INFO_F_GPU);
	assert_int_equal(ei.mem_total, 1ull << 30);

	e->vm[0].cfg.mem_quota = 1 * MiB;
	env_alloc(e, 0, 1000);
	memset(&info, 0xee, sizeof(info));
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_OKAY);
	assert_int_equal(info.protocol_version, VGPUIF_PROTOCOL_VERSION);
	assert_int_equal(info.vm_id, 101);
	assert_int_equal(info.flags, VGPUIF_INFO_F_GPU);
	assert_int_equal(info.mem_total, 1ull << 30);
	assert_int_equal(info.mem_used, 1000);
	assert_int_equal(info.mem_quota, 1 * MiB);
	assert_string_equal(info.device_name, "Fake GPU");
	/* NOP never reaches the process. */
	assert_int_equal(simple(e, 0, VGPUIF_OP_NOP, 0), VGPUIF_RSP_OKAY);
}

static void test_memory(void **state)
{
	struct env *e = *state;
	uint8_t in[3000], out[3000];
	uint64_t d = env_alloc(e, 0, 4096), d1;

	env_fill(in, sizeof(in), 1);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d + 100, in, sizeof(in)),
			 VGPUIF_RSP_OKAY);
	memset(out, 0, sizeof(out));
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d + 100, out, sizeof(out)),
			 VGPUIF_RSP_OKAY);
	assert_memory_equal(in, out, sizeof(in));
	/* Fresh memory reads as zeros. */
	d1 = env_alloc(e, 0, 64);
	memset(out, 0xff, 64);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d1, out, 64), VGPUIF_RSP_OKAY);
	for (int i = 0; i < 64; i++)
		assert_int_equal(out[i], 0);
	/* Ranges and handles. */
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d + 4000, in, 200),
			 VGPUIF_RSP_RANGE);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, 12345, out, 4),
			 VGPUIF_RSP_BAD_HANDLE);
	/* Another VM's address is not this VM's. */
	assert_int_equal(env_xfer(e, 1, VGPUIF_OP_MEM_READ, d, out, 4),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(simple(e, 1, VGPUIF_OP_MEM_FREE, d), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MEM_FREE, d + 1),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MEM_FREE, d), VGPUIF_RSP_OKAY);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MEM_FREE, d), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(simple(e, 0, VGPUIF_OP_SYNC, 0), VGPUIF_RSP_OKAY);
}

static void test_quota(void **state)
{
	struct env *e = *state;
	struct vgpu_back_req r = { .operation = VGPUIF_OP_MEM_ALLOC };
	uint64_t a, b;

	e->vm[0].cfg.mem_quota = 100 * KiB;
	a = env_alloc(e, 0, 60 * KiB);
	r.u.mem.size = 50 * KiB;
	assert_int_equal(env_run(e, 0, &r, NULL, NULL), VGPUIF_RSP_QUOTA);
	b = env_alloc(e, 0, 40 * KiB);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MEM_FREE, a), VGPUIF_RSP_OKAY);
	env_alloc(e, 0, 50 * KiB);
	(void)b;
	/* The other VM has no quota; the device has 1 GiB. */
	r.u.mem.size = 2ull << 30;
	assert_int_equal(env_run(e, 1, &r, NULL, NULL), VGPUIF_RSP_NO_MEMORY);
	/* A quota change takes effect on the next request. */
	e->vm[0].cfg.mem_quota = 0;
	env_alloc(e, 0, 10 * MiB);
}

static void big_roundtrip(struct env *e)
{
	uint32_t len = 1 * MiB + 4567;
	uint8_t *in = malloc(len), *out = malloc(len);
	uint32_t n = 100000;
	float *v = malloc(12ull * n);
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = 12 * n,
	};
	struct gbuf g = { .p = (uint8_t *)v, .len = 12ull * n };
	uint64_t d;

	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(v);
	d = env_alloc(e, 0, len + 100);
	env_fill(in, len, 7);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_WRITE, d + 3, in, len),
			 VGPUIF_RSP_OKAY);
	memset(out, 0, len);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d + 3, out, len),
			 VGPUIF_RSP_OKAY);
	assert_memory_equal(in, out, len);

	for (uint32_t i = 0; i < n; i++) {
		v[i] = (float)i;
		v[n + i] = 0.5f * (float)i;
		v[2 * n + i] = -1.0f;
	}
	r.u.vector_add.n = n;
	assert_int_equal(env_run(e, 1, &r, &g, NULL), VGPUIF_RSP_OKAY);
	for (uint32_t i = 0; i < n; i++)
		assert_true(v[2 * n + i] == 1.5f * (float)i);
	free(in);
	free(out);
	free(v);
}

static void test_big_pooled(void **state)
{
	struct env *e = *state;
	struct exec_cuda_stats st;

	big_roundtrip(e);
	exec_cuda_get_stats(&e->ex, &st);
	assert_true(st.pooled_chunks > 30);
}

static void test_big_inline(void **state)
{
	struct env *e = *state;
	struct exec_cuda_stats st;

	big_roundtrip(e);
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.pooled_chunks, 0);
	assert_true(st.inline_chunks > 30);
}

/* 20 small adds on @vm, or on both VMs in turn when @vm < 0. */
static void small_adds(struct env *e, int vm)
{
	float v[3 * 256];
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(v),
	};
	struct gbuf g = { .p = (uint8_t *)v, .len = sizeof(v) };

	for (int k = 0; k < 20; k++) {
		for (int i = 0; i < 256; i++) {
			v[i] = (float)(i * k);
			v[256 + i] = 1.0f;
			v[512 + i] = 0;
		}
		r.u.vector_add.n = 256;
		assert_int_equal(env_run(e, vm < 0 ? k % NVM : vm, &r, &g, NULL),
				 VGPUIF_RSP_OKAY);
		for (int i = 0; i < 256; i++)
			assert_true(v[512 + i] == (float)(i * k) + 1.0f);
	}
}

static void test_vector_add_small(void **state)
{
	small_adds(*state, -1);
}

static void test_modules(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 0, "FAKEMOD v1"), d = env_alloc(e, 0, 400);
	uint8_t p[16];
	uint32_t out[100], v = 0xabcd1234, n = 100;
	static char bad[] = "not a module";
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_MODULE_LOAD, .data_len = sizeof(bad) - 1,
	};
	struct gbuf g = { .p = (uint8_t *)bad, .len = sizeof(bad) - 1 };

	memcpy(p, &d, 8);
	memcpy(p + 8, &v, 4);
	memcpy(p + 12, &n, 4);
	assert_int_equal(launch(e, 0, m, "fill32", p, 16), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, 0, VGPUIF_OP_MEM_READ, d, out, sizeof(out)),
			 VGPUIF_RSP_OKAY);
	for (int i = 0; i < 100; i++)
		assert_int_equal(out[i], v);
	assert_int_equal(launch(e, 0, m, "nosuchkernel", NULL, 0),
			 VGPUIF_RSP_NOT_FOUND);
	assert_int_equal(launch(e, 0, m + 99, "fill32", p, 16),
			 VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(launch(e, 1, m, "fill32", p, 16), VGPUIF_RSP_BAD_HANDLE);
	assert_int_equal(launch(e, 0, m, "fill32", p, 8), VGPUIF_RSP_INVALID);
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_INVALID);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MODULE_UNLOAD, m), VGPUIF_RSP_OKAY);
	assert_int_equal(simple(e, 0, VGPUIF_OP_MODULE_UNLOAD, m),
			 VGPUIF_RSP_BAD_HANDLE);
}

/* After its process was replaced: nothing of the VM is left, all works. */
static void check_fresh(struct env *e, int vm, uint64_t old_dptr)
{
	uint8_t b[16] = { 1, 2, 3 }, c[16] = { 0 };
	uint64_t d;

	assert_int_equal(env_xfer(e, vm, VGPUIF_OP_MEM_READ, old_dptr, c, 4),
			 VGPUIF_RSP_BAD_HANDLE);
	d = env_alloc(e, vm, 16);
	assert_int_equal(env_xfer(e, vm, VGPUIF_OP_MEM_WRITE, d, b, 16), VGPUIF_RSP_OKAY);
	assert_int_equal(env_xfer(e, vm, VGPUIF_OP_MEM_READ, d, c, 16), VGPUIF_RSP_OKAY);
	assert_memory_equal(b, c, 16);
}

static void test_fault(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 0, "FAKEMOD v1"), d = env_alloc(e, 0, 64);
	int pid = exec_cuda_vm_pid(&e->vm[0]);
	struct exec_cuda_stats st;

	assert_int_equal(launch(e, 0, m, "fault", NULL, 0), VGPUIF_RSP_OKAY);
	assert_int_equal(simple(e, 0, VGPUIF_OP_SYNC, 0), VGPUIF_RSP_FAULT);
	check_fresh(e, 0, d);
	assert_true(exec_cuda_vm_pid(&e->vm[0]) != pid);
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.faults, 1);
	assert_int_equal(st.timeouts, 0);
}

static uint64_t ms_since(uint64_t t0)
{
	return (cx_now_ns() - t0) / 1000000;
}

static void test_timeout(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 0, "FAKEMOD v1"), d = env_alloc(e, 0, 64), t0;
	int pid = exec_cuda_vm_pid(&e->vm[0]);
	struct exec_cuda_stats st;

	assert_int_equal(launch(e, 0, m, "hang", NULL, 0), VGPUIF_RSP_OKAY);
	t0 = cx_now_ns();
	assert_int_equal(simple(e, 0, VGPUIF_OP_SYNC, 0), VGPUIF_RSP_TIMEOUT);
	assert_true(ms_since(t0) >= 290);
	assert_true(ms_since(t0) < 3000);
	check_fresh(e, 0, d);
	assert_true(exec_cuda_vm_pid(&e->vm[0]) != pid);
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.timeouts, 1);
	/* A slow request under the limit is not a timeout. */
	m = env_load_module(e, 0, "FAKEMOD v1");
	{
		uint32_t ms = 100;

		assert_int_equal(launch(e, 0, m, "sleep_ms", &ms, 4), VGPUIF_RSP_OKAY);
	}
	assert_int_equal(simple(e, 0, VGPUIF_OP_SYNC, 0), VGPUIF_RSP_OKAY);
}

static void test_crash(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 1, "FAKEMOD v1"), d = env_alloc(e, 1, 64);
	struct exec_cuda_stats st;

	assert_int_equal(launch(e, 1, m, "crash", NULL, 0), VGPUIF_RSP_ERROR);
	check_fresh(e, 1, d);
	exec_cuda_get_stats(&e->ex, &st);
	assert_int_equal(st.lost, 1);
}

struct collect {
	int n;
	void *tag[64];
	struct exec_result res[64];
};

static void on_done(void *arg, void *tag, const struct exec_result *res)
{
	struct collect *c = arg;

	c->tag[c->n] = tag;
	c->res[c->n++] = *res;
}

static void wait_one(struct env *e, struct collect *c, int want)
{
	while (c->n < want) {
		struct pollfd p = { .fd = e->ex.ops->pollfd(&e->ex), .events = POLLIN };

		poll(&p, 1, 100);
		e->ex.ops->reap(&e->ex, on_done, c);
	}
}

/*
 * One VM hangs; the other keeps being served meanwhile, both in flight at
 * once as the asynchronous worker runs them.
 */
static void test_isolation(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 0, "FAKEMOD v1");
	struct vgpu_back_req sync = { .operation = VGPUIF_OP_SYNC };
	struct gbuf none = { .op = VGPUIF_OP_SYNC };
	struct exec_data d = { .copy = gbuf_copy, .ctx = &none };
	struct collect c = { 0 };
	struct exec_result res;
	int served = 0, hung_done = 0;
	float v[3 * 64];
	struct vgpu_back_req add = {
		.operation = VGPUIF_OP_VECTOR_ADD, .data_len = sizeof(v),
		.u.vector_add.n = 64,
	};
	struct gbuf g = { .p = (uint8_t *)v, .len = sizeof(v),
			  .op = VGPUIF_OP_VECTOR_ADD };
	struct exec_data dv = { .copy = gbuf_copy, .ctx = &g };

	assert_int_equal(launch(e, 0, m, "hang", NULL, 0), VGPUIF_RSP_OKAY);
	assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[0], &sync, &d, &sync, &res), 0);
	while (!hung_done) {
		for (int i = 0; i < 64; i++) {
			v[i] = (float)served;
			v[64 + i] = (float)i;
			v[128 + i] = 0;
		}
		assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[1], &add, &dv, &add, &res), 0);
		assert_true(exec_cuda_inflight(&e->ex) >= 1);
		c.n = 0;
		wait_one(e, &c, 1);
		for (int k = 0; k < c.n; k++) {
			if (c.tag[k] == &sync) {
				assert_int_equal(c.res[k].status, VGPUIF_RSP_TIMEOUT);
				hung_done = 1;
				wait_one(e, &c, 2);	/* the add is still due */
			}
		}
		for (int k = 0; k < c.n; k++) {
			if (c.tag[k] == &add) {
				assert_int_equal(c.res[k].status, VGPUIF_RSP_OKAY);
				for (int i = 0; i < 64; i++)
					assert_true(v[128 + i] == (float)(served + i));
				served++;
			}
		}
	}
	assert_true(served > 10);
	assert_int_equal(exec_cuda_inflight(&e->ex), 0);
	check_fresh(e, 0, 12345);
}

/*
 * Many requests of one VM in flight at once (the asynchronous worker
 * submits up to vm-inflight): inline and slotted mixed, every one reported
 * once, in order, with the right data.
 */
static void test_pipeline(void **state)
{
	struct env *e = *state;
	enum { N = 24, VN = 300 };
	struct {
		struct vgpu_back_req req;
		struct gbuf g;
		struct exec_data d;
		float v[3 * VN];
	} *q = calloc(N, sizeof(*q));
	uint8_t *big = malloc(200 * KiB), *back = malloc(200 * KiB);
	uint64_t d = env_alloc(e, 0, 200 * KiB);
	struct collect c = { 0 };
	struct exec_result res;

	assert_non_null(q);
	assert_non_null(big);
	assert_non_null(back);
	env_fill(big, 200 * KiB, 11);
	for (int i = 0; i < N; i++) {
		q[i].d = (struct exec_data){ .copy = gbuf_copy, .ctx = &q[i].g };
		if (i == 5 || i == 16) {	/* slotted, failing: tickets abandoned */
			q[i].req = (struct vgpu_back_req){
				.operation = i == 5 ? VGPUIF_OP_MEM_WRITE :
				VGPUIF_OP_MEM_READ,
				.data_len = 150 * KiB,
			};
			q[i].req.u.mem.dptr = 0x1000;
			q[i].g = (struct gbuf){ .p = back, .len = 150 * KiB };
		} else if (i == 7) {		/* slotted, in the middle */
			q[i].req = (struct vgpu_back_req){
				.operation = VGPUIF_OP_MEM_WRITE,
				.data_len = 200 * KiB,
			};
			q[i].req.u.mem.dptr = d;
			q[i].g = (struct gbuf){ .p = big, .len = 200 * KiB };
		} else if (i == 15) {	/* reads it back, slotted too */
			q[i].req = (struct vgpu_back_req){
				.operation = VGPUIF_OP_MEM_READ,
				.data_len = 200 * KiB,
			};
			q[i].req.u.mem.dptr = d;
			q[i].g = (struct gbuf){ .p = back, .len = 200 * KiB };
		} else if (i == 10) {	/* no data, waits for what is before */
			q[i].req = (struct vgpu_back_req){ .operation = VGPUIF_OP_SYNC };
		} else {
			for (int k = 0; k < VN; k++) {
				q[i].v[k] = (float)(i * 1000 + k);
				q[i].v[VN + k] = 0.5f;
				q[i].v[2 * VN + k] = -1;
			}
			q[i].req = (struct vgpu_back_req){
				.operation = VGPUIF_OP_VECTOR_ADD,
				.data_len = sizeof(q[i].v),
			};
			q[i].req.u.vector_add.n = VN;
			q[i].g = (struct gbuf){ .p = (uint8_t *)q[i].v,
						.len = sizeof(q[i].v) };
		}
		q[i].g.op = q[i].req.operation;
		assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[0], &q[i].req,
						   &q[i].d, &q[i], &res), 0);
	}
	assert_int_equal(exec_cuda_inflight(&e->ex), N);
	wait_one(e, &c, N);
	for (int i = 0; i < N; i++) {
		int32_t want = i == 5 || i == 16 ? VGPUIF_RSP_BAD_HANDLE :
			       VGPUIF_RSP_OKAY;

		assert_ptr_equal(c.tag[i], &q[i]);
		if (c.res[i].status != want)
			print_error("request %d: status %d\n", i, c.res[i].status);
		assert_int_equal(c.res[i].status, want);
		assert_int_equal(atomic_load(&q[i].g.bad), 0);
		if (q[i].req.operation == VGPUIF_OP_VECTOR_ADD)
			for (int k = 0; k < VN; k++)
				assert_true(q[i].v[2 * VN + k] == (float)(i * 1000 + k) + 0.5f);
	}
	assert_memory_equal(big, back, 200 * KiB);
	free(q);
	free(big);
	free(back);
}

/* A fault in the middle of a pipeline: what follows it fails too. */
static void test_pipeline_fault(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 0, "FAKEMOD v1");
	uint8_t blob[16] = "fault";
	float v[5][3 * 16];
	struct vgpu_back_req rq[5];
	struct gbuf g[5];
	struct exec_data d[5];
	struct collect c = { 0 };
	struct exec_result res;

	for (int i = 0; i < 5; i++) {
		d[i] = (struct exec_data){ .copy = gbuf_copy, .ctx = &g[i] };
		if (i == 1) {
			rq[i] = (struct vgpu_back_req){
				.operation = VGPUIF_OP_LAUNCH, .data_len = 8,
			};
			rq[i].u.launch = (struct vgpuif_launch_args){
				.module = m, .grid = { 1, 1, 1 },
				.block = { 1, 1, 1 }, .name_len = 5,
			};
			g[i] = (struct gbuf){ .p = blob, .len = 8 };
		} else {
			memset(v[i], 0, sizeof(v[i]));
			rq[i] = (struct vgpu_back_req){
				.operation = VGPUIF_OP_VECTOR_ADD,
				.data_len = sizeof(v[i]),
			};
			rq[i].u.vector_add.n = 16;
			g[i] = (struct gbuf){ .p = (uint8_t *)v[i], .len = sizeof(v[i]) };
		}
		g[i].op = rq[i].operation;
		assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[0], &rq[i], &d[i],
						   &rq[i], &res), 0);
	}
	wait_one(e, &c, 5);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(c.tag[i], &rq[i]);
	assert_int_equal(c.res[0].status, VGPUIF_RSP_OKAY);
	assert_int_equal(c.res[1].status, VGPUIF_RSP_OKAY);	/* queued fine */
	for (int i = 2; i < 5; i++)
		assert_int_equal(c.res[i].status, VGPUIF_RSP_FAULT);
	check_fresh(e, 0, 12345);
}

static void copy_fail(struct env *e, uint32_t len)
{
	uint8_t *buf = calloc(1, len);
	uint64_t d = env_alloc(e, 0, len);
	struct vgpu_back_req r = {
		.operation = VGPUIF_OP_MEM_WRITE, .data_len = len,
	};
	struct gbuf g = { .p = buf, .len = len };

	assert_non_null(buf);
	r.u.mem.dptr = d;
	atomic_store(&g.fail, 1);
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_ERROR);
	r.operation = VGPUIF_OP_MEM_READ;
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_ERROR);
	atomic_store(&g.fail, 0);
	env_fill(buf, len, 3);
	r.operation = VGPUIF_OP_MEM_WRITE;
	assert_int_equal(env_run(e, 0, &r, &g, NULL), VGPUIF_RSP_OKAY);
	free(buf);
}

static void test_copy_fail(void **state)
{
	struct env *e = *state;

	copy_fail(e, 1000);		/* inline */
	copy_fail(e, 600 * KiB);	/* through the slots, several rounds */
}

static void test_detach_busy(void **state)
{
	struct env *e = *state;
	uint64_t m = env_load_module(e, 1, "FAKEMOD v1");
	struct vgpu_back_req sync = { .operation = VGPUIF_OP_SYNC };
	struct gbuf none = { .op = VGPUIF_OP_SYNC };
	struct exec_data d = { .copy = gbuf_copy, .ctx = &none };
	struct collect c = { 0 };
	struct exec_result res;

	assert_int_equal(launch(e, 1, m, "hang", NULL, 0), VGPUIF_RSP_OKAY);
	assert_int_equal(e->ex.ops->submit(&e->ex, &e->vm[1], &sync, &d, &c, &res), 0);
	/* Gone with its request in flight: no callback, nothing left over. */
	e->ex.ops->vm_detach(&e->ex, &e->vm[1]);
	assert_int_equal(exec_cuda_inflight(&e->ex), 0);
	e->ex.ops->reap(&e->ex, on_done, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(e->ex.ops->vm_attach(&e->ex, &e->vm[1]), 0);
	check_fresh(e, 1, 12345);
}

static void test_no_program(void **state)
{
	struct exec_cuda_params cp;
	struct exec_params ep = { .max_allocs = 10, .mem_budget = 1 << 20,
				  .cuda = &cp };
	struct executor ex;

	(void)state;
	cuda_env_params(&cp, NULL);
	/* cuda_env_params() sets every field; this test changes the program. */
	/* cppcheck-suppress redundantAssignment */
	cp.program = "/nonexistent/vgpu-cuda-exec";
	assert_int_equal(exec_create(&ex, "cuda", &ep), -ENODEV);
	/* A program that is there but finds no GPU (ep points to cp). */
	/* cppcheck-suppress redundantAssignment */
	cp.program = "/bin/false";
	cp.program_arg = "";
	assert_int_equal(exec_create(&ex, "cuda", &ep), -ENODEV);
	/* "auto" then runs on the CPU. */
	assert_int_equal(exec_create(&ex, "auto", &ep), 0);
	assert_string_equal(ex.ops->name, "cpu");
	exec_destroy(&ex);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_pooled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_inline, setup_nothreads,
						teardown),
		cmocka_unit_test_setup_teardown(test_vector_add_small, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup_short, teardown),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isolation, setup_short,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline, setup_nothreads,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_fail, setup_nothreads,
						teardown),
		cmocka_unit_test_setup_teardown(test_detach_busy, setup_short,
						teardown),
		cmocka_unit_test(test_no_program),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	/* The executor processes are this binary: no leak report from them. */
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	vlog_set_level(getenv("VGPU_TEST_DEBUG") ? VLOG_DEBUG : VLOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
