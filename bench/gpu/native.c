// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-native: the anchors of bench/gpu, a plain single-process CUDA
 * Driver API program on the same GPU, pinned host memory (cuMemHostAlloc).
 * vgpu-gpu-bench runs it and compares. Prints "key=value" lines.
 *
 *   vgpu-gpu-native small N SECONDS   vector adds of N floats in a loop:
 *        H2D a, H2D b, kernel, D2H c, stream sync (the two-copy form the
 *        lab's figures use) and the packed form (one H2D of a|b, as the
 *        vgpu protocol lays them out); adds/s and latency p50/p99.
 *   vgpu-gpu-native big BYTES REPS     H2D of BYTES, kernel x = x + x in
 *        place, D2H of BYTES, sync; median time and GB/s (2 * BYTES / t);
 *        H2D and D2H alone; the empty kernel launch + sync p50.
 *   vgpu-gpu-native inflight STREAMS DEPTH N SECONDS mapped|copied [AT]
 *        vector adds of N floats, DEPTH in flight on each of STREAMS
 *        streams, in mapped host memory or copied to and from the device;
 *        adds/s and latency p50/p99 (the fair anchors: see inflight()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "cuda_check.h"
#include "lib/percentile.h"

/* The vector add, and an empty kernel for the launch latency. */
static const char vadd_ptx[] = ANCHOR_VADD_PTX
	".visible .entry empty()\n{\nret;\n}\n";

static CUstream st;
static CUfunction fvadd, fempty;

static void setup(void)
{
	CUcontext ctx;
	CUmodule mod;
	CUdevice dev = anchor_setup(&ctx, vadd_ptx, &mod);
	char name[64];

	CK(cuStreamCreate(&st, CU_STREAM_NON_BLOCKING));
	CK(cuModuleGetFunction(&fvadd, mod, "vadd"));
	CK(cuModuleGetFunction(&fempty, mod, "empty"));
	CK(cuDeviceGetName(name, sizeof(name), dev));
	printf("device=%s\n", name);
}

static void launch_vadd(CUdeviceptr a, CUdeviceptr b, CUdeviceptr c, unsigned int n)
{
	void *args[] = { &a, &b, &c, &n };

	CK(cuLaunchKernel(fvadd, (n + 255) / 256, 1, 1, 256, 1, 1, 0, st, args, NULL));
}

static void print_lat(const char *key, uint64_t *lat, size_t n)
{
	struct percentile_summary s;

	percentile_summarize(lat, n, &s);
	printf("%s_p50_us=%.2f\n%s_p99_us=%.2f\n", key, (double)s.p50 / 1e3, key,
	       (double)s.p99 / 1e3);
}

static void small(unsigned int n, double seconds)
{
	size_t bytes = 4ull * n, cap = 4000000, k;
	float *h;
	CUdeviceptr d;
	uint64_t *lat = malloc(cap * sizeof(*lat)), t_end, t0;

	CK(cuMemHostAlloc((void **)&h, 3 * bytes, 0));
	CK(cuMemAlloc(&d, 3 * bytes));
	for (unsigned int i = 0; i < 2 * n; i++)
		h[i] = (float)i;
	for (int packed = 0; packed < 2; packed++) {
		/* Warm-up, then as many as fit in the time. */
		for (int i = 0; i < 1000; i++) {
			CK(cuMemcpyHtoDAsync(d, h, 2 * bytes, st));
			launch_vadd(d, d + bytes, d + 2 * bytes, n);
			CK(cuMemcpyDtoHAsync(h + 2 * n, d + 2 * bytes, bytes, st));
			CK(cuStreamSynchronize(st));
		}
		t0 = mono_ns();
		t_end = t0 + (uint64_t)(seconds * 1e9);
		for (k = 0; k < cap; k++) {
			uint64_t t = mono_ns();

			if (t >= t_end)
				break;
			if (packed) {
				CK(cuMemcpyHtoDAsync(d, h, 2 * bytes, st));
			} else {
				CK(cuMemcpyHtoDAsync(d, h, bytes, st));
				CK(cuMemcpyHtoDAsync(d + bytes, h + n, bytes, st));
			}
			launch_vadd(d, d + bytes, d + 2 * bytes, n);
			CK(cuMemcpyDtoHAsync(h + 2 * n, d + 2 * bytes, bytes, st));
			CK(cuStreamSynchronize(st));
			lat[k] = mono_ns() - t;
		}
		if (h[2 * n + n - 1] != (float)(n - 1) + (float)(2 * n - 1)) {
			fprintf(stderr, "native: wrong vector add result\n");
			exit(1);
		}
		printf("small%s_n=%u\nsmall%s_adds_per_s=%.0f\n", packed ? "_packed" : "",
		       n, packed ? "_packed" : "",
		       (double)k / ((double)(mono_ns() - t0) / 1e9));
		print_lat(packed ? "small_packed" : "small", lat, k);
	}
	free(lat);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void big(size_t bytes, int reps)
{
	unsigned int n = (unsigned int)(bytes / 4);
	float *h;
	CUdeviceptr d;
	uint64_t t[3][64], lat[1000];

	if (reps > 64)
		reps = 64;
	CK(cuMemHostAlloc((void **)&h, bytes, 0));
	CK(cuMemAlloc(&d, bytes));
	for (unsigned int i = 0; i < n; i++)
		h[i] = (float)(i & 1023);
	for (int r = -2; r < reps; r++) {
		uint64_t t0 = mono_ns(), t1, t2;

		CK(cuMemcpyHtoDAsync(d, h, bytes, st));
		CK(cuStreamSynchronize(st));
		t1 = mono_ns();
		CK(cuMemcpyDtoHAsync(h, d, bytes, st));
		CK(cuStreamSynchronize(st));
		t2 = mono_ns();
		if (r >= 0) {
			t[1][r] = t1 - t0;
			t[2][r] = t2 - t1;
		}
	}
	for (int r = -2; r < reps; r++) {
		uint64_t t0 = mono_ns();

		CK(cuMemcpyHtoDAsync(d, h, bytes, st));
		launch_vadd(d, d, d, n);
		CK(cuMemcpyDtoHAsync(h, d, bytes, st));
		CK(cuStreamSynchronize(st));
		if (r >= 0)
			t[0][r] = mono_ns() - t0;
	}
	/* Every round doubled it: (i & 1023) * 2^(reps + 2). */
	if (h[5] != 5.0f * (float)(1ull << (reps + 2))) {
		fprintf(stderr, "native: wrong 64 MiB result %g\n", (double)h[5]);
		exit(1);
	}
	printf("big_bytes=%zu\n", bytes);
	printf("big_roundtrip_ms=%.3f\nbig_roundtrip_gbps=%.2f\n",
	       (double)median(t[0], reps) / 1e6,
	       2.0 * (double)bytes / (double)median(t[0], reps));
	printf("big_h2d_gbps=%.2f\nbig_d2h_gbps=%.2f\n",
	       (double)bytes / (double)median(t[1], reps),
	       (double)bytes / (double)median(t[2], reps));
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = mono_ns();

		CK(cuLaunchKernel(fempty, 1, 1, 1, 1, 1, 1, 0, st, NULL, NULL));
		CK(cuStreamSynchronize(st));
		lat[i] = mono_ns() - t0;
	}
	print_lat("empty_launch_sync", lat + 100, 900);
}

/*
 * The fair anchors (bench/gpu/gpu_bench.c): many adds in flight, as the
 * worker keeps them. @streams streams with @depth adds each in flight;
 * an add's inputs and output live in its own pinned host buffer. Mapped:
 * the kernel reads and writes that buffer through the GPU's mapping (one
 * launch, the executor's small-add path); copied: one H2D of a|b, the
 * kernel on device memory, one D2H of c. Each add's completion is an
 * event; the loop polls them and refills at once. @start_at (CLOCK_REALTIME
 * ns, 0: now) lines up the measured windows of several processes.
 */
struct slot {
	float *h;
	CUdeviceptr hd, d;	/* host buffer as the GPU sees it; device copy */
	CUevent ev;
	CUstream s;
	uint64_t t;
	unsigned int k;
};

static void slot_submit(struct slot *sl, unsigned int n, int mapped)
{
	size_t bytes = 4ull * n;

	sl->k++;
	sl->h[0] = (float)sl->k;
	sl->h[2 * n] = -1.0f;
	sl->t = mono_ns();
	if (mapped) {
		void *args[] = { &sl->hd, 0, 0, &n };
		CUdeviceptr b = sl->hd + bytes, c = sl->hd + 2 * bytes;

		args[1] = &b;
		args[2] = &c;
		CK(cuLaunchKernel(fvadd, (n + 255) / 256, 1, 1, 256, 1, 1, 0, sl->s,
				  args, NULL));
	} else {
		void *args[] = { &sl->d, 0, 0, &n };
		CUdeviceptr b = sl->d + bytes, c = sl->d + 2 * bytes;

		args[1] = &b;
		args[2] = &c;
		CK(cuMemcpyHtoDAsync(sl->d, sl->h, 2 * bytes, sl->s));
		CK(cuLaunchKernel(fvadd, (n + 255) / 256, 1, 1, 256, 1, 1, 0, sl->s,
				  args, NULL));
		CK(cuMemcpyDtoHAsync(sl->h + 2 * n, c, bytes, sl->s));
	}
	CK(cuEventRecord(sl->ev, sl->s));
}

static void inflight(unsigned int nstreams, unsigned int depth, unsigned int n,
		     double seconds, int mapped, uint64_t start_at)
{
	size_t bytes = 4ull * n, cap = 4000000, k = 0, wrong = 0;
	unsigned int ns = nstreams * depth;
	struct slot *sl = calloc(ns, sizeof(*sl));
	CUstream *s = calloc(nstreams, sizeof(*s));
	uint64_t *lat = malloc(cap * sizeof(*lat)), t0, t_end, warm_end;
	int measuring = 0;

	if (!sl || !s || !lat)
		exit(1);
	for (unsigned int i = 0; i < nstreams; i++)
		CK(cuStreamCreate(&s[i], CU_STREAM_NON_BLOCKING));
	for (unsigned int i = 0; i < ns; i++) {
		CK(cuMemHostAlloc((void **)&sl[i].h, 3 * bytes,
				  mapped ? CU_MEMHOSTALLOC_DEVICEMAP : 0));
		if (mapped)
			CK(cuMemHostGetDevicePointer(&sl[i].hd, sl[i].h, 0));
		else
			CK(cuMemAlloc(&sl[i].d, 3 * bytes));
		CK(cuEventCreate(&sl[i].ev, CU_EVENT_DISABLE_TIMING));
		sl[i].s = s[i % nstreams];
		for (unsigned int j = 0; j < 2 * n; j++)
			sl[i].h[j] = (float)(j % 1000);
		sl[i].k = i * 100000u;
	}
	for (unsigned int i = 0; i < ns; i++)
		slot_submit(&sl[i], n, mapped);
	warm_end = mono_ns() + 300000000ull;
	t0 = t_end = 0;
	for (;;) {
		for (unsigned int i = 0; i < ns; i++) {
			CUresult r = cuEventQuery(sl[i].ev);
			uint64_t t;

			if (r == CUDA_ERROR_NOT_READY)
				continue;
			CK(r);
			t = mono_ns();
			if (sl[i].h[2 * n] != (float)sl[i].k + sl[i].h[n] ||
			    sl[i].h[3 * n - 1] != sl[i].h[n - 1] + sl[i].h[2 * n - 1])
				wrong++;
			if (measuring && k < cap)
				lat[k++] = t - sl[i].t;
			slot_submit(&sl[i], n, mapped);
		}
		if (!measuring && mono_ns() >= warm_end) {
			if (start_at) {
				if (real_ns() < start_at)
					continue;
				start_at = 0;
			}
			measuring = 1;
			t0 = mono_ns();
			t_end = t0 + (uint64_t)(seconds * 1e9);
		} else if (measuring && mono_ns() >= t_end) {
			break;
		}
	}
	CK(cuCtxSynchronize());
	printf("inflight_mode=%s\ninflight_streams=%u\ninflight_depth=%u\ninflight_n=%u\n",
	       mapped ? "mapped" : "copied", nstreams, depth, n);
	printf("inflight_adds_per_s=%.0f\ninflight_wrong=%zu\n",
	       (double)k / ((double)(mono_ns() - t0) / 1e9), wrong);
	print_lat("inflight", lat, k);
	free(lat);
	free(sl);
	free(s);
	if (wrong) {
		fprintf(stderr, "native: %zu wrong vector add results\n", wrong);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "small")) {
		setup();
		small((unsigned int)atoi(argv[2]), atof(argv[3]));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "big")) {
		setup();
		big((size_t)atoll(argv[2]), atoi(argv[3]));
		return 0;
	}
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "inflight")) {
		setup();
		inflight((unsigned int)atoi(argv[2]), (unsigned int)atoi(argv[3]),
			 (unsigned int)atoi(argv[4]), atof(argv[5]),
			 !strcmp(argv[6], "mapped"),
			 argc == 8 ? strtoull(argv[7], NULL, 10) : 0);
		return 0;
	}
	fprintf(stderr, "usage: vgpu-gpu-native small N SECONDS | big BYTES REPS |\n"
		"       inflight STREAMS DEPTH N SECONDS mapped|copied [START_AT_NS]\n");
	return 2;
}
