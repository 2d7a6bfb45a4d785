// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's graphs made by stream capture (tools/libcuda/graph.c),
 * over the loopback transport on the fake device (this binary started
 * again with --fake-child): what a stream records (launches, memsets,
 * copies to and from host memory, host functions) runs at each
 * cuGraphLaunch, in order, with a host source read at each launch and the
 * launch parameters as captured; nothing runs at capture. What cannot be
 * recorded invalidates the capture; the legacy stream cannot be captured.
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

static int open_fake(struct cuvg_transport *t)
{
	return lcf_open(t, "fake");
}

static int up_fake(void **state)
{
	CUcontext c = NULL;

	cuvg_transport_opener = open_fake;
	if (cuInit(0) != CUDA_SUCCESS ||
	    cuCtxCreate(&c, NULL, 0, 0) != CUDA_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static unsigned int host_calls;

static void count_call(void *data)
{
	(void)data;
	host_calls++;
}

static CUresult fill(CUfunction f, CUdeviceptr p, uint32_t v, uint32_t n,
		     CUstream s)
{
	void *args[] = { &p, &v, &n };

	return cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, args, NULL);
}

/*
 * Recorded: a copy of host words into a, fill32 over b (value as it was
 * at capture), a memset of c, a device copy a -> c + 64, a copy of the
 * whole of c back to host, a host function. Launched three times, the
 * host source changed between launches.
 */
static void test_capture_and_launch(void **state)
{
	enum { N = 64 };
	uint32_t src[N], out[4 * N], v = 0x600d0001u;
	CUstreamCaptureStatus cs;
	CUdeviceptr a, b, c;
	CUgraphExec exec;
	CUfunction f, g;
	CUgraph graph;
	CUmodule m;
	CUstream s;

	(void)state;
	assert_int_equal(cuModuleLoadData(&m, lcf_fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&f, m, "fill32"), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&g, m, "fault"), CUDA_SUCCESS);
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&a, 4 * N), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&b, 4 * N), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&c, 8 * N), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD8(a, 0, 4 * N), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD8(b, 0, 4 * N), CUDA_SUCCESS);
	for (uint32_t i = 0; i < N; i++)
		src[i] = i;
	host_calls = 0;
	memset(out, 0, sizeof(out));

	assert_int_equal(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL),
			 CUDA_SUCCESS);
	assert_int_equal(cuStreamIsCapturing(s, &cs), CUDA_SUCCESS);
	assert_int_equal(cs, CU_STREAM_CAPTURE_STATUS_ACTIVE);
	assert_int_equal(cuMemcpyHtoDAsync(a, src, sizeof(src), s), CUDA_SUCCESS);
	assert_int_equal(fill(f, b, v, N, s), CUDA_SUCCESS);
	/* The captured launch keeps the value it had. */
	// cppcheck-suppress unreadVariable ; the graph holds the old value
	v = 0xbad;
	assert_int_equal(cuMemsetD32Async(c, 0x77777777u, 2 * N, s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoDAsync(c + 4 * N, a, 4 * N, s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoHAsync(out, c, 8 * N, s), CUDA_SUCCESS);
	assert_int_equal(cuLaunchHostFunc(s, count_call, NULL), CUDA_SUCCESS);
	assert_int_equal(cuStreamEndCapture(s, &graph), CUDA_SUCCESS);
	assert_int_equal(cuStreamIsCapturing(s, &cs), CUDA_SUCCESS);
	assert_int_equal(cs, CU_STREAM_CAPTURE_STATUS_NONE);
	/* Nothing ran at capture. */
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(host_calls, 0);
	assert_int_equal(out[0], 0);

	assert_int_equal(cuGraphInstantiate(&exec, graph, 0), CUDA_SUCCESS);
	assert_int_equal(cuGraphDestroy(graph), CUDA_SUCCESS);	/* exec stays */
	for (uint32_t round = 0; round < 3; round++) {
		uint32_t bb[N];

		/* Read by the graph's copy at its launch, through its address. */
		for (uint32_t i = 0; i < N; i++)
			// cppcheck-suppress unreadVariable ; read by cuGraphLaunch
			src[i] = 1000 * round + i;
		assert_int_equal(cuGraphUpload(exec, s), CUDA_SUCCESS);
		assert_int_equal(cuGraphLaunch(exec, s), CUDA_SUCCESS);
		assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
		assert_int_equal(host_calls, round + 1);
		for (uint32_t i = 0; i < N; i++) {
			assert_int_equal(out[i], 0x77777777u);
			assert_int_equal(out[N + i], 1000 * round + i);
		}
		assert_int_equal(cuMemcpyDtoH(bb, b, sizeof(bb)), CUDA_SUCCESS);
		for (uint32_t i = 0; i < N; i++)
			assert_int_equal(bb[i], 0x600d0001u);
	}
	assert_int_equal(cuGraphExecDestroy(exec), CUDA_SUCCESS);
	assert_int_equal(cuGraphExecDestroy(exec), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemFree(a), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(b), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(c), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
}

/* What cannot be recorded invalidates the capture; what cannot start it. */
static void test_capture_refused(void **state)
{
	CUstreamCaptureStatus cs = CU_STREAM_CAPTURE_STATUS_NONE;
	CUgraph graph = (CUgraph)&cs;
	CUevent ev;
	CUstream s, t;
	CUdeviceptr d;

	(void)state;
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuStreamCreate(&t, 0), CUDA_SUCCESS);
	assert_int_equal(cuEventCreate(&ev, 0), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, 256), CUDA_SUCCESS);
	assert_int_equal(cuStreamBeginCapture(NULL, CU_STREAM_CAPTURE_MODE_GLOBAL),
			 CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
	assert_int_equal(cuStreamBeginCapture(s, (CUstreamCaptureMode)7),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuStreamEndCapture(s, &graph), CUDA_ERROR_ILLEGAL_STATE);
	/* Each of these ends the capture invalidated. */
	for (int k = 0; k < 4; k++) {
		CUresult want = CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, got;

		assert_int_equal(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED),
				 CUDA_SUCCESS);
		assert_int_equal(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_RELAXED),
				 CUDA_ERROR_ILLEGAL_STATE);
		assert_int_equal(cuMemsetD8Async(d, 1, 16, s), CUDA_SUCCESS);
		switch (k) {
		case 0:
			got = cuEventRecord(ev, s);
			break;
		case 1:
			got = cuStreamSynchronize(s);
			break;
		case 2:
			got = cuStreamWaitEvent(s, ev, 0);
			break;
		default:
			got = cuMemFreeAsync(d, s);
			break;
		}
		assert_int_equal(got, want);
		assert_int_equal(cuStreamIsCapturing(s, &cs), CUDA_SUCCESS);
		assert_int_equal(cs, CU_STREAM_CAPTURE_STATUS_INVALIDATED);
		assert_int_equal(cuStreamEndCapture(s, &graph),
				 CUDA_ERROR_STREAM_CAPTURE_INVALIDATED);
		assert_null(graph);
	}
	/* Other streams go on as ever; the memsets recorded never ran. */
	assert_int_equal(cuMemsetD8Async(d, 9, 256, t), CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(t), CUDA_SUCCESS);
	/* A stream destroyed while capturing takes its recording with it. */
	assert_int_equal(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemsetD8Async(d, 2, 16, s), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuGraphInstantiate(NULL, graph, 0), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuGraphLaunch((CUgraphExec)&cs, t), CUDA_ERROR_INVALID_VALUE);
	{
		uint8_t h[256];

		assert_int_equal(cuMemcpyDtoH(h, d, sizeof(h)), CUDA_SUCCESS);
		for (int i = 0; i < 256; i++)
			assert_int_equal(h[i], 9);
	}
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	assert_int_equal(cuEventDestroy(ev), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(t), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capture_and_launch, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_capture_refused, up_fake, lcf_down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_graph", tests, NULL, NULL);
}
