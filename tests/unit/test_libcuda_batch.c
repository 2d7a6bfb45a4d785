// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's batches (tools/libcuda/queue.c): asynchronous launches,
 * memsets and device copies queued together reach the transport as one
 * submit (VGPU_IOC_SUBMIT), over the loopback transport on the fake
 * device (tests/sim/libcuda_loopback.c, which posts a batch's requests
 * several at a time). A gate in the transport's mem_write holds the
 * submission thread on an asynchronous host-to-device copy while the test
 * queues the rest, so what is queued when the thread looks again is known.
 * Checked: results byte for byte; a failing launch in the middle whose
 * error surfaces at the next synchronize, once, with the requests after
 * it run as one at a time runs them; and a driver without SUBMIT (ENOTTY):
 * one try, then one request per call for good. Host functions
 * (cuLaunchHostFunc, cuStreamAddCallback) end a batch: each runs once,
 * after the requests queued before it reached the device and before the
 * ones after it, with the stream and the device's status.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/sim/libcuda_loopback.h"
#include "tools/libcuda/cuvg.h"
#include "tests/unit/libcuda_fixture.h"

extern const struct cx_dev_ops cx_fake_ops;

static int with_submit;		/* 0: the driver answers SUBMIT with ENOTTY */
static unsigned int submit_calls, submit_elems, set_calls, launch_calls;

static int counted_submit(void *p, const struct vgpu_submit_op *ops,
			  uint32_t n, uint32_t *done, uint32_t *issued)
{
	submit_calls++;
	submit_elems += n;
	if (!with_submit) {
		*done = *issued = 0;
		return -ENOTTY;
	}
	return lcf_orig.submit(p, ops, n, done, issued);
}

static int counted_set(void *p, uint64_t d, uint32_t v, uint32_t e,
		       uint64_t n)
{
	set_calls++;
	return lcf_orig.mem_set(p, d, v, e, n);
}

static int counted_launch(void *p, uint64_t module, const char *name,
			  const void *params, uint32_t plen,
			  const uint32_t grid[3], const uint32_t block[3],
			  uint32_t shmem)
{
	launch_calls++;
	return lcf_orig.launch(p, module, name, params, plen, grid, block, shmem);
}

static int open_counted(struct cuvg_transport *t)
{
	int err = lcf_open(t, "fake");

	if (err)
		return err;
	t->mem_write = lcf_gated_write;
	t->submit = counted_submit;
	t->mem_set = counted_set;
	t->launch = counted_launch;
	return 0;
}

struct fixture {
	CUcontext ctx;
	CUstream s;
	CUmodule m;
	CUfunction fill;
	CUdeviceptr d;
};

#define DEV_BYTES	65536u

static int up(void **state, int submit)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	with_submit = submit;
	cuvg_transport_opener = open_counted;
	if (cuInit(0) != CUDA_SUCCESS ||
	    cuCtxCreate(&f.ctx, NULL, 0, 0) != CUDA_SUCCESS ||
	    cuStreamCreate(&f.s, CU_STREAM_NON_BLOCKING) != CUDA_SUCCESS ||
	    cuModuleLoadData(&f.m, lcf_fake_module) != CUDA_SUCCESS ||
	    cuModuleGetFunction(&f.fill, f.m, "fill32") != CUDA_SUCCESS ||
	    cuMemAlloc(&f.d, DEV_BYTES) != CUDA_SUCCESS)
		return -1;
	/* One of each alone first: the host has MEM_SET and MEM_COPY. */
	if (cuMemsetD8(f.d, 0, DEV_BYTES) != CUDA_SUCCESS ||
	    cuMemcpyDtoD(f.d + 4, f.d, 4) != CUDA_SUCCESS)
		return -1;
	*state = &f;
	return 0;
}

static int up_submit(void **state) { return up(state, 1); }
static int up_no_submit(void **state) { return up(state, 0); }

static int down(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	if (f && cuCtxDestroy(f->ctx) != CUDA_SUCCESS)
		rc = -1;
	vgpu_cuda_shutdown();
	return rc;
}

/* Holds the submission thread in an asynchronous copy of @n bytes. */
static void hold(struct fixture *f, uint8_t *want, const uint8_t *src,
		 size_t n)
{
	lcf_gate(1);
	assert_int_equal(cuMemcpyHtoDAsync(f->d, src, n, f->s), CUDA_SUCCESS);
	memcpy(want, src, n);
}

static void set32(struct fixture *f, uint8_t *want, uint32_t off, uint32_t v,
		  uint32_t n)
{
	assert_int_equal(cuMemsetD32Async(f->d + off, v, n, f->s),
			 CUDA_SUCCESS);
	for (uint32_t i = 0; i < n; i++)
		memcpy(want + off + 4 * i, &v, 4);
}

/* What the device should hold (the buffers of a failed case stay). */
static uint8_t want[DEV_BYTES];

static void expect_device(struct fixture *f, const uint8_t *want)
{
	static uint8_t got[DEV_BYTES];

	assert_int_equal(cuMemcpyDtoH(got, f->d, DEV_BYTES), CUDA_SUCCESS);
	assert_memory_equal(got, want, DEV_BYTES);
}

/* 40 memsets, a launch, a copy and a memset: one submit, all applied. */
static void test_batch(void **state)
{
	struct fixture *f = *state;
	uint8_t src[64];
	uint32_t val = 0xabcd0001u, n = 64, calls, elems, sets, launches;
	CUdeviceptr at = f->d + 8192;
	void *args[] = { &at, &val, &n };

	memset(want, 0, DEV_BYTES);
	for (int i = 0; i < 64; i++)
		src[i] = (uint8_t)(i * 7 + 1);
	calls = submit_calls;
	elems = submit_elems;
	sets = set_calls;
	launches = launch_calls;
	hold(f, want, src, sizeof(src));
	for (uint32_t i = 0; i < 40; i++)
		set32(f, want, 1024 + 64 * i, 0x1000u + i, 16);
	assert_int_equal(cuLaunchKernel(f->fill, 1, 1, 1, 64, 1, 1, 0, f->s,
					args, NULL), CUDA_SUCCESS);
	for (uint32_t i = 0; i < n; i++)
		memcpy(want + 8192 + 4 * i, &val, 4);
	/* Reads what the memsets before it in the batch wrote. */
	assert_int_equal(cuMemcpyDtoDAsync(f->d + 12288, f->d + 1024, 64 * 40,
					   f->s), CUDA_SUCCESS);
	memcpy(want + 12288, want + 1024, 64 * 40);
	assert_int_equal(cuMemsetD8Async(f->d + 20001, 0x5a, 99, f->s),
			 CUDA_SUCCESS);
	memset(want + 20001, 0x5a, 99);
	lcf_gate(0);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	expect_device(f, want);
	/* 43 requests, one call; none of them one at a time. */
	assert_int_equal(submit_calls - calls, 1);
	assert_int_equal(submit_elems - elems, 43);
	assert_int_equal(set_calls - sets, 0);
	assert_int_equal(launch_calls - launches, 0);
}

/* What the host functions saw: submitted elements at their call. */
static unsigned int fn_calls, fn_saw[4];
static CUstream cb_stream;
static CUresult cb_status;

static void record(void *data)
{
	fn_saw[fn_calls++ % 4] = submit_elems + (unsigned int)(uintptr_t)data;
}

static void record_cb(CUstream s, CUresult status, void *data)
{
	cb_stream = s;
	cb_status = status;
	record(data);
}

/*
 * 10 memsets, a host function, 10 memsets, a stream callback, a memset:
 * three batches, the functions between them, in order, once each.
 */
static void test_host_functions(void **state)
{
	struct fixture *f = *state;
	uint8_t src[16] = { 1, 2, 3 };
	unsigned int elems = submit_elems;

	memset(want, 0, DEV_BYTES);
	fn_calls = 0;
	cb_status = CUDA_ERROR_UNKNOWN;
	hold(f, want, src, sizeof(src));
	for (uint32_t i = 0; i < 10; i++)
		set32(f, want, 1024 + 64 * i, i, 16);
	assert_int_equal(cuLaunchHostFunc(f->s, record, NULL), CUDA_SUCCESS);
	for (uint32_t i = 0; i < 10; i++)
		set32(f, want, 2048 + 64 * i, i, 16);
	assert_int_equal(cuStreamAddCallback(f->s, record_cb, NULL, 0),
			 CUDA_SUCCESS);
	set32(f, want, 4096, 7, 1);
	assert_int_equal(fn_calls, 0);
	lcf_gate(0);
	assert_int_equal(cuStreamSynchronize(f->s), CUDA_SUCCESS);
	assert_int_equal(fn_calls, 2);
	assert_int_equal(fn_saw[0] - elems, 10);
	assert_int_equal(fn_saw[1] - elems, 20);
	assert_ptr_equal(cb_stream, f->s);
	assert_int_equal(cb_status, CUDA_SUCCESS);
	expect_device(f, want);
	/* Bad arguments, refused at the call. */
	assert_int_equal(cuLaunchHostFunc(f->s, NULL, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuStreamAddCallback(f->s, record_cb, NULL, 1),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuLaunchHostFunc((CUstream)&elems, record, NULL),
			 CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(fn_calls, 2);
}

/* A kernel fault before a callback: its status, then the synchronize's. */
static void test_callback_after_fault(void **state)
{
	struct fixture *f = *state;
	CUfunction fault;

	fn_calls = 0;
	assert_int_equal(cuModuleGetFunction(&fault, f->m, "fault"), CUDA_SUCCESS);
	assert_int_equal(cuLaunchKernel(fault, 1, 1, 1, 1, 1, 1, 0, f->s, NULL,
					NULL), CUDA_SUCCESS);
	assert_int_equal(cuStreamAddCallback(f->s, record_cb, NULL, 0),
			 CUDA_SUCCESS);
	assert_int_not_equal(cuStreamSynchronize(f->s), CUDA_SUCCESS);
	assert_int_equal(fn_calls, 1);
	assert_int_equal(cb_status, CUDA_ERROR_ILLEGAL_ADDRESS);
}

/*
 * A launch of a function the module lacks, between memsets: ESRCH at the
 * next synchronize, once (CUDA_ERROR_NOT_FOUND); the memsets after it run,
 * as they do one request per call.
 */
static void test_batch_error(void **state)
{
	struct fixture *f = *state;
	uint8_t src[16] = { 9, 8, 7 };
	unsigned int calls = submit_calls, sets = set_calls;
	CUfunction none;

	memset(want, 0, DEV_BYTES);
	assert_int_equal(cuModuleGetFunction(&none, f->m, "nosuch"),
			 CUDA_SUCCESS);
	hold(f, want, src, sizeof(src));
	for (uint32_t i = 0; i < 4; i++)
		set32(f, want, 1024 + 64 * i, 0x100u + i, 16);
	assert_int_equal(cuLaunchKernel(none, 1, 1, 1, 1, 1, 1, 0, f->s, NULL,
					NULL), CUDA_SUCCESS);
	for (uint32_t i = 0; i < 20; i++)
		set32(f, want, 4096 + 64 * i, 0x200u + i, 16);
	lcf_gate(0);
	assert_int_equal(cuCtxSynchronize(), CUDA_ERROR_NOT_FOUND);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	expect_device(f, want);
	assert_true(submit_calls - calls >= 1);
	assert_int_equal(set_calls - sets, 0);
}

/* A driver without SUBMIT: asked once, then one request per call. */
static void test_batch_fallback(void **state)
{
	struct fixture *f = *state;
	uint8_t src[8] = { 1, 2, 3 };
	unsigned int calls = submit_calls, sets = set_calls;

	memset(want, 0, DEV_BYTES);
	hold(f, want, src, sizeof(src));
	for (uint32_t i = 0; i < 10; i++)
		set32(f, want, 1024 + 64 * i, 0x300u + i, 16);
	lcf_gate(0);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	expect_device(f, want);
	assert_int_equal(submit_calls - calls, 1);
	assert_int_equal(set_calls - sets, 10);
	/* For good: no second try. */
	hold(f, want, src, sizeof(src));
	for (uint32_t i = 0; i < 5; i++)
		set32(f, want, 2048 + 64 * i, 0x400u + i, 16);
	lcf_gate(0);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	expect_device(f, want);
	assert_int_equal(submit_calls - calls, 1);
	assert_int_equal(set_calls - sets, 15);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch, up_submit, down),
		cmocka_unit_test_setup_teardown(test_host_functions, up_submit, down),
		cmocka_unit_test_setup_teardown(test_callback_after_fault, up_submit,
						down),
		cmocka_unit_test_setup_teardown(test_batch_error, up_submit, down),
		cmocka_unit_test_setup_teardown(test_batch_fallback, up_no_submit,
						down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_batch", tests, NULL, NULL);
}
