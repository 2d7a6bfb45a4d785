// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-prio: native anchors for priority behind long kernels. What
 * the GPU itself offers to bound a latency-critical tenant's wait behind
 * other tenants' long kernels, without vgpu: separate processes (their
 * contexts time-sliced), one process with stream priorities, MPS (with
 * client priorities or thread limits, which vgpu-gpu-bench sets in the
 * environment). vgpu-gpu-bench runs it; prints "key=value" lines.
 *
 *   vgpu-gpu-prio high SECONDS START_AT
 *        from START_AT (CLOCK_REALTIME ns) for SECONDS: one vector add of
 *        1024 floats at a time in mapped host memory on a stream of the
 *        greatest priority, 20 us apart; latency p50/p99, every result
 *        checked.
 *   vgpu-gpu-prio low SECONDS START_AT SPIN_US SHAPE DEPTH
 *        from now until the window ends: kernels that spin SPIN_US on
 *        the GPU's timer, DEPTH in flight on a stream of the least
 *        priority; kernels/s in the window. SHAPE: "half" is 2 blocks of
 *        128 threads per SM (vgpu-gpu-bench's long kernel), "full" 16
 *        (every thread slot of an SM).
 *   vgpu-gpu-prio streams SECONDS START_AT SPIN_US SHAPE DEPTH NLOW
 *        both in one process and context: the high loop, and NLOW low
 *        streams fed by a second thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cuda.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor.h"
#include "cuda_check.h"
#include "lib/percentile.h"

/* The high tenant's vector add; the low tenants' kernel spins on the GPU's timer. */
static const char ptx[] = ANCHOR_VADD_PTX
	".visible .entry spin(.param .u32 pus)\n"
	"{\n.reg .pred %p<2>;\n.reg .b32 %r<2>;\n.reg .b64 %rd<6>;\n"
	"ld.param.u32 %r1, [pus];\ncvt.u64.u32 %rd1, %r1;\nmul.lo.u64 %rd2, %rd1, 1000;\n"
	"mov.u64 %rd3, %globaltimer;\nLOOP:\nmov.u64 %rd4, %globaltimer;\n"
	"sub.u64 %rd5, %rd4, %rd3;\nsetp.lt.u64 %p1, %rd5, %rd2;\n@%p1 bra LOOP;\nret;\n}\n";

#define HIGH_N		1024u
#define THINK_NS	20000ull
#define LOW_MAX		(16 * 8)

static CUcontext ctx;
static CUfunction fvadd, fspin;
static int sms;
static atomic_int stop;

static void setup(void)
{
	CUmodule mod;
	CUdevice dev = anchor_setup(&ctx, ptx, &mod);

	CK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
	CK(cuModuleGetFunction(&fvadd, mod, "vadd"));
	CK(cuModuleGetFunction(&fspin, mod, "spin"));
}

static CUstream stream_at(int greatest)
{
	int least, most;
	CUstream s;

	CK(cuCtxGetStreamPriorityRange(&least, &most));
	CK(cuStreamCreateWithPriority(&s, CU_STREAM_NON_BLOCKING, greatest ? most : least));
	return s;
}

/* The high tenant: its window's latencies; 1 if a result was wrong. */
static int high(double secs, uint64_t start_at)
{
	size_t cap = 2000000, k = 0, wrong = 0;
	uint64_t *lat = malloc(cap * sizeof(*lat)), t_end = 0;
	unsigned int n = HIGH_N, seq = 0;
	CUstream s = stream_at(1);
	CUdeviceptr d, b, c;
	struct percentile_summary sum;
	float *h;
	int measuring = 0;

	if (!lat)
		return 1;
	CK(cuMemHostAlloc((void **)&h, 3 * 4 * n, CU_MEMHOSTALLOC_DEVICEMAP));
	CK(cuMemHostGetDevicePointer(&d, h, 0));
	b = d + 4ull * n;
	c = d + 8ull * n;
	for (unsigned int j = 0; j < 2 * n; j++)
		h[j] = (float)(j % 1000);
	for (;;) {
		void *args[] = { &d, &b, &c, &n };
		uint64_t t0, t;
		CUresult r;

		if (!measuring && real_ns() >= start_at) {
			measuring = 1;
			t_end = mono_ns() + (uint64_t)(secs * 1e9);
		}
		if (measuring && mono_ns() >= t_end)
			break;
		h[0] = (float)(++seq % 4096);
		h[2 * n] = -1.0f;
		t0 = mono_ns();
		CK(cuLaunchKernel(fvadd, (n + 255) / 256, 1, 1, 256, 1, 1, 0, s, args, NULL));
		while ((r = cuStreamQuery(s)) == CUDA_ERROR_NOT_READY)
			;
		CK(r);
		t = mono_ns();
		if (h[2 * n] != h[0] + h[n] || h[3 * n - 1] != h[n - 1] + h[2 * n - 1])
			wrong++;
		if (measuring && k < cap)
			lat[k++] = t - t0;
		while (mono_ns() - t < THINK_NS)
			;
	}
	percentile_summarize(lat, k, &sum);
	printf("prio_n=%zu\nprio_p50_us=%.2f\nprio_p99_us=%.2f\nprio_wrong=%zu\n", k,
	       (double)sum.p50 / 1e3, (double)sum.p99 / 1e3, wrong);
	free(lat);
	return wrong != 0;
}

struct low_load {
	double secs;
	uint64_t start_at;
	unsigned int spin_us, blocks_per_sm, depth, nstreams;
};

/* Keeps the low kernels in flight until the window ends; kernels/s in it. */
static void *low_pump(void *arg)
{
	const struct low_load *l = arg;
	unsigned int ns = l->nstreams * l->depth;
	CUevent ev[LOW_MAX];
	CUstream s[16];
	unsigned int us = l->spin_us;
	void *args[] = { &us };
	uint64_t t_end = 0, done = 0, t0 = 0;
	double rate = 0;
	int measuring = 0;

	CK(cuCtxSetCurrent(ctx));
	for (unsigned int i = 0; i < l->nstreams; i++)
		s[i] = stream_at(0);
	for (unsigned int i = 0; i < ns; i++) {
		CK(cuEventCreate(&ev[i], CU_EVENT_DISABLE_TIMING));
		CK(cuLaunchKernel(fspin, (unsigned int)sms * l->blocks_per_sm, 1, 1, 128, 1, 1,
				  0, s[i % l->nstreams], args, NULL));
		CK(cuEventRecord(ev[i], s[i % l->nstreams]));
	}
	/* The load outlasts the window by 0.5 s, or until the high loop ends. */
	while (!atomic_load(&stop)) {
		if (!measuring && real_ns() >= l->start_at) {
			measuring = 1;
			t0 = mono_ns();
			t_end = t0 + (uint64_t)(l->secs * 1e9);
		}
		if (measuring == 1 && mono_ns() >= t_end) {
			rate = (double)done / ((double)(mono_ns() - t0) / 1e9);
			measuring = 2;
		}
		if (measuring == 2 && mono_ns() >= t_end + 500000000ull)
			break;
		for (unsigned int i = 0; i < ns; i++) {
			CUresult r = cuEventQuery(ev[i]);

			if (r == CUDA_ERROR_NOT_READY)
				continue;
			CK(r);
			done += measuring == 1;
			CK(cuLaunchKernel(fspin, (unsigned int)sms * l->blocks_per_sm, 1, 1, 128,
					  1, 1, 0, s[i % l->nstreams], args, NULL));
			CK(cuEventRecord(ev[i], s[i % l->nstreams]));
		}
	}
	if (measuring == 1)
		rate = (double)done / ((double)(mono_ns() - t0) / 1e9);
	printf("low_kernels_per_s=%.0f\n", rate);
	return NULL;
}

static unsigned int shape(const char *s)
{
	if (!strcmp(s, "half"))
		return 2;
	if (!strcmp(s, "full"))
		return 16;
	fprintf(stderr, "prio: shape '%s' is not half or full\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	struct low_load l = { 0 };
	int rc;

	if (argc >= 4) {
		l.secs = atof(argv[2]);
		l.start_at = strtoull(argv[3], NULL, 10);
	}
	if (argc == 4 && !strcmp(argv[1], "high")) {
		setup();
		return high(l.secs, l.start_at);
	}
	if ((argc == 7 || argc == 8) && (!strcmp(argv[1], "low") || !strcmp(argv[1], "streams"))) {
		pthread_t t;

		l.spin_us = (unsigned int)atoi(argv[4]);
		l.blocks_per_sm = shape(argv[5]);
		l.depth = (unsigned int)atoi(argv[6]);
		l.nstreams = argc == 8 ? (unsigned int)atoi(argv[7]) : 1;
		if (l.depth < 1 || l.nstreams < 1 || l.nstreams > 16 ||
		    l.nstreams * l.depth > LOW_MAX)
			return 2;
		setup();
		if (!strcmp(argv[1], "low")) {
			low_pump(&l);
			CK(cuCtxSynchronize());
			return 0;
		}
		if (pthread_create(&t, NULL, low_pump, &l))
			return 1;
		rc = high(l.secs, l.start_at);
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
		CK(cuCtxSynchronize());
		return rc;
	}
	fprintf(stderr, "usage: vgpu-gpu-prio high SECONDS START_AT |\n"
		"       low SECONDS START_AT SPIN_US half|full DEPTH |\n"
		"       streams SECONDS START_AT SPIN_US half|full DEPTH NLOW\n");
	return 2;
}
