// SPDX-License-Identifier: MIT
// What the runtime-API test programs share: each check prints one line,
// "PREFIX: what ... ok" or "... FAIL"; a call that must succeed prints
// its error's name; the last line counts them, and the exit status is 1
// if any failed. run-libcuda.sh compares these lines between a native
// run and one over vgpu. Define RT_CHECK_PREFIX ("rt_shared", ...) first.
#ifndef VGPU_TESTS_RT_CHECK_H
#define VGPU_TESTS_RT_CHECK_H

#include <cstdio>
#include <cuda_runtime.h>

static int rt_failed, rt_checks;

static void check(int ok, const char *what)
{
	rt_checks++;
	if (!ok)
		rt_failed++;
	printf(RT_CHECK_PREFIX ": %-58s %s\n", what, ok ? "ok" : "FAIL");
}

// A call that must succeed: on failure, the error's name, and on.
static int ok_call(cudaError_t e, const char *what)
{
	if (e != cudaSuccess)
		printf(RT_CHECK_PREFIX ": %s: %s\n", what, cudaGetErrorName(e));
	return e == cudaSuccess;
}
#define OK(x) ok_call((x), #x)

// The launch's error, then a synchronize whatever it was: managed memory
// is the host's only after one (on a GPU without concurrent access).
static __attribute__((unused)) int sync_after_launch(void)
{
	int ok = OK(cudaGetLastError());

	return OK(cudaDeviceSynchronize()) && ok;
}

// The last line and the exit status.
static int rt_finish(void)
{
	printf(RT_CHECK_PREFIX ": %d checks, %d failed\n", rt_checks, rt_failed);
	return rt_failed ? 1 : 0;
}

#endif
