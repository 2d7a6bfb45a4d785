// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1 (tools/libcuda/) over the loopback transport
 * (tests/sim/libcuda_loopback.c): the real worker and its CUDA executor on
 * the fake device (this binary started again with --fake-child), or its
 * CPU executor. Init and device queries, the context stack, memory and
 * its copies and memsets, modules and launches with the kernelParams
 * layout, streams and events, asynchronous errors surfacing at the next
 * synchronizing call, bad handles, and entry points that are not
 * supported; then a host without MEM_SET, MEM_COPY, DEVICE_ATTRS and
 * EVENT_RECORD (the library's fall-backs through the guest).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/sim/libcuda_loopback.h"
#include "tools/libcuda/cuvg.h"
#include "tests/unit/libcuda_fixture.h"

extern const struct cx_dev_ops cx_fake_ops;

static const char *mode = "fake";

static int open_loopback(struct cuvg_transport *t)
{
	return lcf_open(t, mode);
}

/* A host (or driver) of before MEM_SET, MEM_COPY, DEVICE_ATTRS, EVENT_RECORD. */
static int open_old_host(struct cuvg_transport *t)
{
	int err = lcf_open(t, "fake");

	t->mem_set = lcf_enotty_set;
	t->mem_copy = lcf_enotty_copy;
	t->device_attrs = lcf_enotty_attrs;
	t->event_record = lcf_enotty_event;
	return err;
}

/*
 * cuInit over the loopback in @m ("fake", "cpu", or "old": the fake
 * device without the second set of operations) and, with @ctx, a fresh
 * context, current.
 */
static int up(void **state, const char *m, int ctx)
{
	CUcontext c = NULL;

	mode = !strcmp(m, "old") ? "fake" : m;
	cuvg_transport_opener = !strcmp(m, "old") ? open_old_host : open_loopback;
	if (cuInit(0) != CUDA_SUCCESS)
		return -1;
	if (ctx && cuCtxCreate(&c, NULL, 0, 0) != CUDA_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static int up_fake(void **state) { return up(state, "fake", 0); }
static int up_fake_ctx(void **state) { return up(state, "fake", 1); }
static int up_old(void **state) { return up(state, "old", 0); }
static int up_old_ctx(void **state) { return up(state, "old", 1); }
static int up_cpu_ctx(void **state) { return up(state, "cpu", 1); }

/* Without DEVICE_ATTRS: GET_INFO's name and memory, the built-in table. */
static void test_old_host_queries(void **state)
{
	int major, v;
	char name[64];
	CUuuid u;

	(void)state;
	assert_false(cuvg_have_attrs);
	assert_int_equal(cuDeviceGetName(name, sizeof(name), 0), CUDA_SUCCESS);
	assert_string_equal(name, "Fake GPU");
	assert_int_equal(cuDeviceGetAttribute(&major,
			CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0), CUDA_SUCCESS);
	assert_int_equal(major, 9);
	assert_int_equal(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
					      0), CUDA_SUCCESS);
	assert_int_equal(v, 132);
	assert_int_equal(cuDeviceGetUuid(&u, 0), CUDA_SUCCESS);
	assert_int_equal((u.bytes[6] & 0xf0), 0x40);
}

static void test_queries(void **state)
{
	int n = -1, major, minor, v;
	CUuuid u1, u2;
	char name[64];
	size_t mem;
	CUdevice d;

	(void)state;
	assert_int_equal(cuInit(1), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuDriverGetVersion(&v), CUDA_SUCCESS);
	assert_int_equal(v, CUDA_VERSION);
	assert_int_equal(cuDeviceGetCount(&n), CUDA_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(cuDeviceGet(&d, 1), CUDA_ERROR_INVALID_DEVICE);
	assert_int_equal(cuDeviceGet(&d, 0), CUDA_SUCCESS);
	assert_int_equal(cuDeviceGetName(name, sizeof(name), d), CUDA_SUCCESS);
	assert_string_equal(name, "Fake GPU");
	assert_int_equal(cuDeviceGetName(name, sizeof(name), 3),
			 CUDA_ERROR_INVALID_DEVICE);
	assert_int_equal(cuDeviceTotalMem(&mem, d), CUDA_SUCCESS);
	assert_int_equal(mem, 1ull << 30);	/* FAKE_MEM */
	assert_int_equal(cuDeviceGetAttribute(&major,
			CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d), CUDA_SUCCESS);
	assert_int_equal(cuDeviceGetAttribute(&minor,
			CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d), CUDA_SUCCESS);
	assert_int_equal(major, 9);
	assert_int_equal(minor, 0);
	assert_int_equal(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_WARP_SIZE,
					      d), CUDA_SUCCESS);
	assert_int_equal(v, 32);
	assert_int_equal(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAX, d),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuDeviceGetUuid(&u1, d), CUDA_SUCCESS);
	assert_int_equal(cuDeviceGetUuid(&u2, d), CUDA_SUCCESS);
	assert_memory_equal(&u1, &u2, sizeof(u1));
	/* DEVICE_ATTRS's: the host's per-VM UUID. */
	assert_true(cuvg_have_attrs);
	assert_memory_equal(u1.bytes, cuvg_attrs.uuid, 16);
}

static CUcontext other_thread_ctx;

static void *thread_current(void *arg)
{
	(void)arg;
	cuCtxGetCurrent(&other_thread_ctx);
	return NULL;
}

/*
 * What one device with a hidden topology and no stream capture answers:
 * no peers, bus id 0000:00:00.0, no stream capturing, distinct stream
 * ids, limits no higher than reported.
 */
static void test_device_stream_queries(void **state)
{
	CUstreamCaptureStatus cs = CU_STREAM_CAPTURE_STATUS_ACTIVE;
	unsigned long long id1 = 0, id2 = 0, id0 = 9;
	char bus[32] = "";
	size_t heap = 0;
	CUstream s1, s2;
	CUdevice dev = 5;
	int can = -1;

	(void)state;
	assert_int_equal(cuDeviceCanAccessPeer(&can, 0, 0), CUDA_SUCCESS);
	assert_int_equal(can, 0);
	assert_int_equal(cuDeviceCanAccessPeer(&can, 0, 1),
			 CUDA_ERROR_INVALID_DEVICE);
	assert_int_equal(cuDeviceGetPCIBusId(bus, sizeof(bus), 0), CUDA_SUCCESS);
	assert_string_equal(bus, "0000:00:00.0");
	assert_int_equal(cuDeviceGetPCIBusId(bus, sizeof(bus), 1),
			 CUDA_ERROR_INVALID_DEVICE);
	assert_int_equal(cuStreamCreate(&s1, 0), CUDA_SUCCESS);
	assert_int_equal(cuStreamCreate(&s2, 0), CUDA_SUCCESS);
	assert_int_equal(cuStreamIsCapturing(s1, &cs), CUDA_SUCCESS);
	assert_int_equal(cs, CU_STREAM_CAPTURE_STATUS_NONE);
	assert_int_equal(cuStreamGetId(s1, &id1), CUDA_SUCCESS);
	assert_int_equal(cuStreamGetId(s2, &id2), CUDA_SUCCESS);
	assert_int_equal(cuStreamGetId(NULL, &id0), CUDA_SUCCESS);
	assert_true(id1 >= 2 && id2 >= 2 && id1 != id2);
	assert_int_equal(id0, 0);
	assert_int_equal(cuStreamGetDevice(s2, &dev), CUDA_SUCCESS);
	assert_int_equal(dev, 0);
	assert_int_equal(cuStreamIsCapturing((CUstream)&cs, &cs),
			 CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuCtxGetLimit(&heap, CU_LIMIT_MALLOC_HEAP_SIZE),
			 CUDA_SUCCESS);
	assert_int_equal(cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, heap),
			 CUDA_SUCCESS);
	assert_int_equal(cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, heap + 1),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuStreamDestroy(s1), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s2), CUDA_SUCCESS);
}

static void test_ctx_stack(void **state)
{
	CUcontext a, b, c, p1, p2;
	CUdeviceptr dp;
	unsigned int flags;
	CUdevice dev;
	int active;
	pthread_t t;

	(void)state;
	assert_int_equal(cuCtxGetCurrent(&c), CUDA_SUCCESS);
	assert_null(c);
	assert_int_equal(cuMemAlloc(&dp, 16), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuCtxPopCurrent(&c), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuCtxCreate(&a, NULL, 0, 0), CUDA_SUCCESS);
	assert_int_equal(cuCtxCreate(&b, NULL, 0, 0), CUDA_SUCCESS);
	cuCtxGetCurrent(&c);
	assert_ptr_equal(c, b);
	assert_int_equal(cuCtxPopCurrent(&c), CUDA_SUCCESS);
	assert_ptr_equal(c, b);
	cuCtxGetCurrent(&c);
	assert_ptr_equal(c, a);
	assert_int_equal(cuCtxPushCurrent(b), CUDA_SUCCESS);
	cuCtxGetCurrent(&c);
	assert_ptr_equal(c, b);
	/* The stack is the thread's. */
	other_thread_ctx = (CUcontext)1;
	pthread_create(&t, NULL, thread_current, NULL);
	pthread_join(t, NULL);
	assert_null(other_thread_ctx);
	/* SetCurrent replaces the top. */
	assert_int_equal(cuCtxSetCurrent(a), CUDA_SUCCESS);
	cuCtxPopCurrent(&c);
	assert_ptr_equal(c, a);
	cuCtxGetCurrent(&c);
	assert_ptr_equal(c, a);	/* a was under it */
	/* CUDA 13's cuCtxGetDevice names a context, or the current one. */
	dev = -1;
	assert_int_equal(cuCtxGetDevice_v2(&dev, b), CUDA_SUCCESS);
	assert_int_equal(dev, 0);
	dev = -1;
	assert_int_equal(cuCtxGetDevice_v2(&dev, NULL), CUDA_SUCCESS);
	assert_int_equal(dev, 0);
	assert_int_equal(cuCtxGetDevice_v2(NULL, b), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuCtxDestroy(b), CUDA_SUCCESS);
	assert_int_equal(cuCtxGetDevice_v2(&dev, b), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuCtxPushCurrent(b), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuCtxDestroy(b), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuCtxDestroy(a), CUDA_SUCCESS);
	cuCtxGetCurrent(&c);
	assert_null(c);
	/* The primary context: retained twice, the same; released twice. */
	assert_int_equal(cuDevicePrimaryCtxRetain(&p1, 0), CUDA_SUCCESS);
	assert_int_equal(cuDevicePrimaryCtxRetain(&p2, 0), CUDA_SUCCESS);
	assert_ptr_equal(p1, p2);
	assert_int_equal(cuDevicePrimaryCtxGetState(0, &flags, &active),
			 CUDA_SUCCESS);
	assert_int_equal(active, 1);
	assert_int_equal(cuCtxDestroy(p1), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuDevicePrimaryCtxRelease(0), CUDA_SUCCESS);
	assert_int_equal(cuDevicePrimaryCtxRelease(0), CUDA_SUCCESS);
	cuDevicePrimaryCtxGetState(0, &flags, &active);
	assert_int_equal(active, 0);
	assert_int_equal(cuDevicePrimaryCtxRelease(0), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuDevicePrimaryCtxRetain(&p1, 1), CUDA_ERROR_INVALID_DEVICE);
}

static void fill_rand(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void test_memory(void **state)
{
	const size_t n = (40u << 20) + 17;	/* over a 16 MiB request */
	uint8_t *a = malloc(n), *b = malloc(n);
	CUdeviceptr d1, d2, base;
	size_t fr0, fr1, tot, sz;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(cuMemGetInfo(&fr0, &tot), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d1, n), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d2, n), CUDA_SUCCESS);
	assert_int_equal(cuMemGetInfo(&fr1, &tot), CUDA_SUCCESS);
	assert_true(fr1 + 2 * n <= fr0);
	assert_int_equal(cuMemGetAddressRange(&base, &sz, d1 + 100), CUDA_SUCCESS);
	assert_int_equal(base, d1);
	assert_int_equal(sz, n);
	fill_rand(a, n, 7);
	assert_int_equal(cuMemcpyHtoD(d1, a, n), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoD(d2, d1, n), CUDA_SUCCESS);
	memset(b, 0, n);
	assert_int_equal(cuMemcpyDtoH(b, d2, n), CUDA_SUCCESS);
	assert_memory_equal(a, b, n);
	/* Memsets at three widths, each over part of the buffer. */
	assert_int_equal(cuMemsetD8(d1 + 1, 0xab, 9), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD16(d1 + 16, 0x1234, 5), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD32(d1 + 32, 0xdeadbeef, 3), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD32(d1 + 33, 0, 1), CUDA_ERROR_INVALID_VALUE);
	memset(a + 1, 0xab, 9);
	for (int i = 0; i < 5; i++)
		memcpy(a + 16 + 2 * i, &(uint16_t){ 0x1234 }, 2);
	for (int i = 0; i < 3; i++)
		memcpy(a + 32 + 4 * i, &(uint32_t){ 0xdeadbeef }, 4);
	assert_int_equal(cuMemcpyDtoH(b, d1, 64), CUDA_SUCCESS);
	assert_memory_equal(a, b, 64);
	/* cuMemcpy tells device from host by the allocation table. */
	assert_int_equal(cuMemcpy((CUdeviceptr)(uintptr_t)b, d1 + 1, 9),
			 CUDA_SUCCESS);
	assert_memory_equal(b, a + 1, 9);
	/* Outside an allocation: refused by the call, nothing queued. */
	assert_int_equal(cuMemcpyHtoD(d1 + n - 4, a, 8), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemcpyDtoH(b, 0x10, 8), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAlloc(&base, 0), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAlloc(&base, 2ull << 30), CUDA_ERROR_OUT_OF_MEMORY);
	assert_int_equal(cuMemFree(d1), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d1), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemGetAddressRange(&base, &sz, d1), CUDA_ERROR_NOT_FOUND);
	assert_int_equal(cuMemFree(d2), CUDA_SUCCESS);
	free(a);
	free(b);
}

static void test_async_streams_events(void **state)
{
	uint32_t host[1024], out[1024];
	CUevent e0, e1;
	CUstream s;
	CUdeviceptr d;
	float ms = -1;

	(void)state;
	for (int i = 0; i < 1024; i++)
		host[i] = (uint32_t)i * 3u;
	assert_int_equal(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), CUDA_SUCCESS);
	assert_int_equal(cuEventCreate(&e0, 0), CUDA_SUCCESS);
	assert_int_equal(cuEventCreate(&e1, 0), CUDA_SUCCESS);
	assert_int_equal(cuEventQuery(e0), CUDA_SUCCESS);	/* never recorded */
	assert_int_equal(cuMemAlloc(&d, sizeof(host)), CUDA_SUCCESS);
	assert_int_equal(cuEventRecord(e0, s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyHtoDAsync(d, host, sizeof(host), s), CUDA_SUCCESS);
	/* Staged: the caller's buffer is free again at once. */
	memset(host, 0xff, sizeof(host));
	assert_int_equal(cuMemsetD32Async(d, 7, 16, s), CUDA_SUCCESS);
	memset(out, 0, sizeof(out));
	assert_int_equal(cuMemcpyDtoHAsync(out, d, sizeof(out), s), CUDA_SUCCESS);
	assert_int_equal(cuEventRecord(e1, s), CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_int_equal(cuStreamQuery(s), CUDA_SUCCESS);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(out[i], i < 16 ? 7u : (uint32_t)i * 3u);
	assert_int_equal(cuEventSynchronize(e1), CUDA_SUCCESS);
	assert_int_equal(cuEventQuery(e1), CUDA_SUCCESS);
	assert_int_equal(cuEventElapsedTime(&ms, e0, e1), CUDA_SUCCESS);
	assert_true(ms >= 0.0f);
	assert_int_equal(cuStreamWaitEvent(s, e1, 0), CUDA_SUCCESS);
	assert_int_equal(cuEventDestroy(e0), CUDA_SUCCESS);
	assert_int_equal(cuEventDestroy(e1), CUDA_SUCCESS);
	assert_int_equal(cuEventQuery(e1), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(s), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

/* The fake device runs modules that start with FAKEMOD; the .entry lines
 * give the library the parameter layout, as PTX would. */
static void test_module_launch(void **state)
{
	uint32_t out[256], val = 0x5a5a0001u, n = 200;
	CUfunction f, f2;
	CUmodule m;
	CUdeviceptr d;
	void *args[3];
	struct { uint64_t d; uint32_t v, n; } blob;
	size_t blen = sizeof(blob), gsz = 0;
	CUdeviceptr g, g2;
	void *extra[] = { CU_LAUNCH_PARAM_BUFFER_POINTER, &blob,
			  CU_LAUNCH_PARAM_BUFFER_SIZE, &blen,
			  CU_LAUNCH_PARAM_END };
	CUmoduleLoadingMode loading;
	int v;

	(void)state;
	/* Loaded whole by cuModuleLoad*: what cudart asks before it loads. */
	assert_int_equal(cuModuleGetLoadingMode(&loading), CUDA_SUCCESS);
	assert_int_equal(loading, CU_MODULE_EAGER_LOADING);
	assert_int_equal(cuModuleGetLoadingMode(NULL), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuModuleLoadData(&m, lcf_fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&f, m, "fill32"), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&f2, m, "fill32"), CUDA_SUCCESS);
	assert_ptr_equal(f, f2);
	assert_int_equal(cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, sizeof(out)), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD32(d, 0, 256), CUDA_SUCCESS);
	args[0] = &d;
	args[1] = &val;
	args[2] = &n;
	assert_int_equal(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL),
			 CUDA_SUCCESS);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(out, d, sizeof(out)), CUDA_SUCCESS);
	for (uint32_t i = 0; i < 256; i++)
		assert_int_equal(out[i], i < n ? val : 0u);
	/* The same through extra's buffer. */
	blob.d = d;
	blob.v = 9;
	blob.n = 256;
	assert_int_equal(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, extra),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(out, d, sizeof(out)), CUDA_SUCCESS);
	for (uint32_t i = 0; i < 256; i++)
		assert_int_equal(out[i], 9u);
	/* Bad launches: refused by the call. */
	assert_int_equal(cuLaunchKernel(f, 1, 1, 1, 2048, 1, 1, 0, NULL, args, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuLaunchKernel(f, 0, 1, 1, 1, 1, 1, 0, NULL, args, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuLaunchKernel((CUfunction)&v, 1, 1, 1, 1, 1, 1, 0, NULL,
					args, NULL), CUDA_ERROR_INVALID_HANDLE);
	/* A __device__ variable: a range copies and memsets may name. */
	assert_int_equal(cuModuleGetGlobal(&g, &gsz, m, "vgpu_global"), CUDA_SUCCESS);
	assert_int_equal(gsz, 64);
	assert_int_equal(cuMemsetD32(g, 0x77, 16), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyHtoD(g + 8, &val, 4), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(out, g, 64), CUDA_SUCCESS);
	for (uint32_t i = 0; i < 16; i++)
		assert_int_equal(out[i], i == 2 ? val : 0x77u);
	assert_int_equal(cuMemFree(g), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuModuleGetGlobal(&g2, &gsz, m, "nosuch"), CUDA_ERROR_NOT_FOUND);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(out, g, 4), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuModuleUnload(m), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuModuleGetFunction(&f, m, "fill32"), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuModuleLoad(&m, "/nonexistent/x.cubin"), CUDA_ERROR_FILE_NOT_FOUND);
	assert_int_equal(cuModuleLoadData(&m, "not a module"), CUDA_ERROR_INVALID_IMAGE);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

/* Launch errors arrive at the next synchronizing call, once. */
static void test_async_errors(void **state)
{
	CUfunction fault, none;
	CUmodule m;

	(void)state;
	assert_int_equal(cuModuleLoadData(&m, lcf_fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&fault, m, "fault"), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&none, m, "nosuch"), CUDA_SUCCESS);
	assert_int_equal(cuLaunchKernel(none, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL),
			 CUDA_SUCCESS);
	assert_int_equal(cuCtxSynchronize(), CUDA_ERROR_NOT_FOUND);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(cuLaunchKernel(fault, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL),
			 CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(NULL), CUDA_ERROR_ILLEGAL_ADDRESS);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	/* The fault reset the VM's context: the module is gone there. */
	cuModuleUnload(m);
}

static void test_bad_handles(void **state)
{
	const char *s;
	int x = 0;

	(void)state;
	assert_int_equal(cuStreamSynchronize((CUstream)&x), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuStreamDestroy((CUstream)&x), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuEventRecord((CUevent)&x, NULL), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuEventSynchronize((CUevent)&x), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuModuleUnload((CUmodule)&x), CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuCtxPushCurrent((CUcontext)&x), CUDA_ERROR_INVALID_CONTEXT);
	assert_int_equal(cuMemcpyHtoDAsync(0, &x, 4, (CUstream)&x),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuGetErrorName(CUDA_ERROR_ILLEGAL_ADDRESS, &s), CUDA_SUCCESS);
	assert_string_equal(s, "CUDA_ERROR_ILLEGAL_ADDRESS");
	assert_int_equal(cuGetErrorString(CUDA_ERROR_NOT_SUPPORTED, &s), CUDA_SUCCESS);
	assert_string_equal(s, "operation not supported");
	assert_int_equal(cuGetErrorName((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);
}

/* Symbols by their exact names, past cuda.h's renaming macros. */
extern int sym_cuMemAlloc(void) __asm__("cuMemAlloc");
extern int sym_cuCtxCreate_v2(void) __asm__("cuCtxCreate_v2");
extern int sym_cuCtxCreate_v3(void) __asm__("cuCtxCreate_v3");
extern int sym_cuCtxGetDevice(void) __asm__("cuCtxGetDevice");
extern int sym_cuMemcpyHtoDAsync_v2(void) __asm__("cuMemcpyHtoDAsync_v2");
extern int sym_cuMemcpyHtoDAsync_v2_ptsz(void) __asm__("cuMemcpyHtoDAsync_v2_ptsz");
extern int sym_cuLaunchKernel(void) __asm__("cuLaunchKernel");
extern int sym_cuLaunchKernel_ptsz(void) __asm__("cuLaunchKernel_ptsz");

static void test_proc_address(void **state)
{
	CUdriverProcAddressQueryResult st;
	CUresult (*graph_create)(CUgraph *, unsigned int);
	const void *table;
	CUuuid id = { { 1, 2, 3 } };
	void *fn;
	CUgraph g;

	(void)state;
	assert_int_equal(cuGetProcAddress("cuMemAlloc", &fn, 13000, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)cuMemAlloc_v2);
	assert_int_equal(st, CU_GET_PROC_ADDRESS_SUCCESS);
	assert_int_equal(cuGetProcAddress("cuCtxCreate", &fn, 13000, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)cuCtxCreate_v4);
	/*
	 * The ABI of the version asked for, as the driver answers: cudart
	 * asks for cuCtxCreate at 3020 and calls it with cuCtxCreate_v2's
	 * arguments, and for cuCtxGetDevice at 2000 (one argument) and at
	 * 13000 (cuCtxGetDevice_v2, two).
	 */
	assert_int_equal(cuGetProcAddress("cuCtxCreate", &fn, 3020, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)sym_cuCtxCreate_v2);
	assert_int_equal(cuGetProcAddress("cuCtxCreate", &fn, 12040, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)sym_cuCtxCreate_v3);
	assert_int_equal(cuGetProcAddress("cuCtxGetDevice", &fn, 2000, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)sym_cuCtxGetDevice);
	assert_int_equal(cuGetProcAddress("cuCtxGetDevice", &fn, 13000, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)cuCtxGetDevice_v2);
	assert_int_equal(cuGetProcAddress("cuMemAlloc", &fn, 2000, 0, &st),
			 CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)sym_cuMemAlloc);
	/* Older than the entry point: found, version not sufficient. */
	assert_int_equal(cuGetProcAddress("cuMemAllocAsync", &fn, 11010, 0, &st),
			 CUDA_ERROR_NOT_FOUND);
	assert_null(fn);
	assert_int_equal(st, CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
	/* Base names only, as the driver takes them. */
	assert_int_equal(cuGetProcAddress("cuMemAlloc_v2", &fn, 13000, 0, &st),
			 CUDA_ERROR_NOT_FOUND);
	assert_int_equal(st, CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
	/* Per-thread default stream: the same functions. */
	assert_int_equal(cuGetProcAddress("cuMemcpyHtoDAsync", &fn, 13000,
					  CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM,
					  &st), CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)sym_cuMemcpyHtoDAsync_v2);
	assert_ptr_equal((void *)sym_cuMemcpyHtoDAsync_v2_ptsz,
			 (void *)sym_cuMemcpyHtoDAsync_v2);
	assert_ptr_equal((void *)sym_cuLaunchKernel_ptsz,
			 (void *)sym_cuLaunchKernel);
	assert_int_equal(cuGetProcAddress("cuInit", &fn, 13000, 0, NULL), CUDA_SUCCESS);
	assert_ptr_equal(fn, (void *)cuInit);
	assert_int_equal(cuGetProcAddress("cuNoSuchThing", &fn, 13000, 0, &st),
			 CUDA_ERROR_NOT_FOUND);
	assert_null(fn);
	assert_int_equal(st, CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
	/* Declared by cuda.h, not implemented: a stub that says so. */
	assert_int_equal(cuGetProcAddress("cuGraphCreate", &fn, 13000, 0, &st),
			 CUDA_SUCCESS);
	*(void **)&graph_create = fn;
	assert_int_equal(graph_create(&g, 0), CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuGraphCreate(&g, 0), CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuGetExportTable(&table, &id), CUDA_ERROR_NOT_SUPPORTED);
	assert_null(table);
}

/* The kernelParams layout from PTX: natural alignment, .align, arrays. */
static void test_ptx_params(void **state)
{
	static const char ptx[] =
		"// comment .entry fake(\n"
		".visible .entry k(\n"
		"  .param .u64 .ptr .global .align 1 k_param_0,\n"
		"  .param .u8 k_param_1,\n"
		"  .param .align 8 .b8 k_param_2[24],\n"
		"  .param .u16 k_param_3,\n"
		"  .param .f64 k_param_4\n"
		")\n{ ret; }\n";
	struct cuvg_kparams kp;

	(void)state;
	assert_int_equal(cuvg_find_params(ptx, sizeof(ptx), "k", &kp), 1);
	assert_int_equal(kp.n, 5);
	assert_int_equal(kp.off[0], 0);
	assert_int_equal(kp.size[0], 8);
	assert_int_equal(kp.off[1], 8);
	assert_int_equal(kp.size[1], 1);
	assert_int_equal(kp.off[2], 16);
	assert_int_equal(kp.size[2], 24);
	assert_int_equal(kp.off[3], 40);
	assert_int_equal(kp.off[4], 48);
	assert_int_equal(kp.total, 56);
	assert_int_equal(cuvg_find_params(ptx, sizeof(ptx), "nope", &kp), 0);
}

/* The CPU executor: memory works, a launch gets NOT_SUPPORTED at sync. */
static void test_cpu_executor(void **state)
{
	uint8_t a[4096], b[4096];
	CUfunction f;
	CUmodule m;
	CUdeviceptr d;

	(void)state;
	fill_rand(a, sizeof(a), 3);
	assert_int_equal(cuMemAlloc(&d, sizeof(a)), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyHtoD(d, a, sizeof(a)), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD8(d + 10, 0x33, 100), CUDA_SUCCESS);
	memset(a + 10, 0x33, 100);
	assert_int_equal(cuMemcpyDtoH(b, d, sizeof(b)), CUDA_SUCCESS);
	assert_memory_equal(a, b, sizeof(a));
	if (cuModuleLoadData(&m, lcf_fake_module) == CUDA_SUCCESS) {
		CUdeviceptr g;
		size_t gsz;

		assert_int_equal(cuModuleGetGlobal(&g, &gsz, m, "vgpu_global"),
				 CUDA_ERROR_NOT_SUPPORTED);
		assert_int_equal(cuModuleGetFunction(&f, m, "fault"), CUDA_SUCCESS);
		assert_int_equal(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, NULL, NULL,
						NULL), CUDA_SUCCESS);
		assert_int_equal(cuCtxSynchronize(), CUDA_ERROR_NOT_SUPPORTED);
		cuModuleUnload(m);
	}
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
	/* One group (the runner counts one summary); each case starts the
	 * library on the transport it needs and shuts it down. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queries, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_ctx_stack, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_device_stream_queries, up_fake_ctx,
						lcf_down),
		cmocka_unit_test_setup_teardown(test_memory, up_fake_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_async_streams_events, up_fake_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_module_launch, up_fake_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_async_errors, up_fake_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_bad_handles, up_fake_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_proc_address, up_fake, lcf_down),
		cmocka_unit_test(test_ptx_params),
		cmocka_unit_test_setup_teardown(test_old_host_queries, up_old, lcf_down),
		cmocka_unit_test_setup_teardown(test_memory, up_old_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_async_streams_events, up_old_ctx, lcf_down),
		cmocka_unit_test_setup_teardown(test_cpu_executor, up_cpu_ctx, lcf_down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda", tests, NULL, NULL);
}
