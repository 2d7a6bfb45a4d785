// SPDX-License-Identifier: MIT
/*
 * libcuda_bench: what a CUDA program feels of libcuda.so.1 (issue 18,
 * item 5), the same binary run natively and over this project's library
 * (tests/gpu/run-libcuda.sh prints the ratios):
 *   launch      10000 launches of an empty kernel, asynchronous, then one
 *               cuCtxSynchronize: launches per second
 *   htod/dtoh   cuMemcpyHtoD / DtoH of 4 KiB .. 64 MiB (pageable host
 *               memory): MB/s at each size
 *   program     a small real program: 256x256 tiled matmul from a cubin,
 *               its inputs up and result down, 20 times: ms per run
 *   managed     the same program on managed memory: the host writes the
 *               inputs, launches, synchronizes and reads the result, 20
 *               times: ms per run (over vgpu each round copies all three
 *               matrices to the device and back: libcuda.md, "Managed
 *               memory"; natively the driver migrates pages on demand)
 * Output: "bench: NAME VALUE UNIT" lines.
 *   libcuda_bench KERNEL_DIR   (drv_kernels.cubin, tests/gpu/libcuda)
 */
#define _POSIX_C_SOURCE 200809L
#include <cuda.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CK(x) do { CUresult r_ = (x); if (r_ != CUDA_SUCCESS) { \
	const char *n_ = "?"; cuGetErrorName(r_, &n_); \
	printf("bench: error %s: %s\n", #x, n_); exit(1); } } while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void launch_rate(CUfunction empty)
{
	const int n = 10000;
	double t0;

	CK(cuLaunchKernel(empty, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL));
	CK(cuCtxSynchronize());
	t0 = now_s();
	for (int i = 0; i < n; i++)
		CK(cuLaunchKernel(empty, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL));
	CK(cuCtxSynchronize());
	printf("bench: launch %.0f launches/s\n", n / (now_s() - t0));
}

static void bandwidth(void)
{
	const size_t max = 64u << 20;
	char *h = malloc(max);
	CUdeviceptr d;

	memset(h, 1, max);
	CK(cuMemAlloc(&d, max));
	/* Once each way first: the first copy's set-up stays out of the figures. */
	CK(cuMemcpyHtoD(d, h, max));
	CK(cuMemcpyDtoH(h, d, max));
	for (size_t sz = 4096; sz <= max; sz *= 4) {
		int reps = (int)((256u << 20) / sz);
		double t0;

		if (reps > 2000)
			reps = 2000;
		if (reps < 4)
			reps = 4;
		t0 = now_s();
		for (int i = 0; i < reps; i++)
			CK(cuMemcpyHtoD(d, h, sz));
		printf("bench: htod-%zuK %.1f MB/s\n", sz >> 10,
		       (double)sz * reps / (now_s() - t0) / 1e6);
		t0 = now_s();
		for (int i = 0; i < reps; i++)
			CK(cuMemcpyDtoH(h, d, sz));
		printf("bench: dtoh-%zuK %.1f MB/s\n", sz >> 10,
		       (double)sz * reps / (now_s() - t0) / 1e6);
	}
	CK(cuMemFree(d));
	free(h);
}

static void program(CUfunction mm)
{
	const int n = 256, runs = 20;
	size_t sz = (size_t)n * n * 4;
	float *a = malloc(sz), *b = malloc(sz), *c = malloc(sz);
	CUdeviceptr da, db, dc;
	int nn = n;
	void *args[] = { &da, &db, &dc, &nn };
	double t0;

	for (int i = 0; i < n * n; i++) {
		a[i] = (float)(i % 7);
		b[i] = (float)(i % 5);
	}
	CK(cuMemAlloc(&da, sz));
	CK(cuMemAlloc(&db, sz));
	CK(cuMemAlloc(&dc, sz));
	t0 = now_s();
	for (int r = 0; r < runs; r++) {
		CK(cuMemcpyHtoD(da, a, sz));
		CK(cuMemcpyHtoD(db, b, sz));
		CK(cuLaunchKernel(mm, n / 16, n / 16, 1, 16, 16, 1, 0, NULL, args,
				  NULL));
		CK(cuMemcpyDtoH(c, dc, sz));
	}
	printf("bench: program %.3f ms/run\n", (now_s() - t0) * 1e3 / runs);
	CK(cuMemFree(da));
	CK(cuMemFree(db));
	CK(cuMemFree(dc));
	free(a);
	free(b);
	free(c);
}

static void managed(CUfunction mm)
{
	const int n = 256, runs = 20;
	size_t sz = (size_t)n * n * 4;
	CUdeviceptr da, db, dc;
	float *a, *b, *c, sum = 0;
	int nn = n;
	void *args[] = { &da, &db, &dc, &nn };
	double t0;

	CK(cuMemAllocManaged(&da, sz, CU_MEM_ATTACH_GLOBAL));
	CK(cuMemAllocManaged(&db, sz, CU_MEM_ATTACH_GLOBAL));
	CK(cuMemAllocManaged(&dc, sz, CU_MEM_ATTACH_GLOBAL));
	a = (float *)(uintptr_t)da;
	b = (float *)(uintptr_t)db;
	c = (float *)(uintptr_t)dc;
	t0 = now_s();
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < n * n; i++) {
			a[i] = (float)((i + r) % 7);
			b[i] = (float)(i % 5);
		}
		CK(cuLaunchKernel(mm, n / 16, n / 16, 1, 16, 16, 1, 0, NULL, args,
				  NULL));
		CK(cuCtxSynchronize());
		sum += c[r];
	}
	printf("bench: managed %.3f ms/run\n", (now_s() - t0) * 1e3 / runs);
	if (sum < 0)
		printf("bench: impossible sum %f\n", (double)sum);
	CK(cuMemFree(da));
	CK(cuMemFree(db));
	CK(cuMemFree(dc));
}

int main(int argc, char **argv)
{
	char path[4096];
	CUcontext ctx;
	CUmodule m;
	CUfunction empty, mm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: libcuda_bench KERNEL_DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/drv_kernels.cubin", argv[1]);
	CK(cuInit(0));
	CK(cuDevicePrimaryCtxRetain(&ctx, 0));
	CK(cuCtxSetCurrent(ctx));
	/*
	 * Copies first: they need no kernel, so a dry run on the fake device
	 * (run-libcuda.sh DRY_RUN=1), which has none of these kernels, still
	 * prints them before the module load stops it.
	 */
	bandwidth();
	CK(cuModuleLoad(&m, path));
	CK(cuModuleGetFunction(&empty, m, "drv_empty"));
	CK(cuModuleGetFunction(&mm, m, "drv_matmul"));
	launch_rate(empty);
	program(mm);
	managed(mm);
	CK(cuModuleUnload(m));
	CK(cuDevicePrimaryCtxRelease(0));
	return 0;
}
