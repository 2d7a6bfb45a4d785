// SPDX-License-Identifier: MIT
/* The native anchor programs' shared parts (anchor.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <time.h>

#include "anchor.h"
#include "cuda_check.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

CUdevice anchor_setup(CUcontext *ctx, const char *ptx, CUmodule *mod)
{
	CUdevice dev;

	CK(cuInit(0));
	CK(cuDeviceGet(&dev, 0));
	CK(cuDevicePrimaryCtxRetain(ctx, dev));
	CK(cuCtxSetCurrent(*ctx));
	CK(cuModuleLoadData(mod, ptx));
	return dev;
}
