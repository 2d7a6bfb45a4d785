// SPDX-License-Identifier: MIT
/*
 * (b) Bandwidth: 64 MiB H2D + kernel + D2H through the worker (4
 * MEM_WRITEs of 16 MiB, LAUNCH of a vector add in place, 4 MEM_READs) vs
 * the same on pinned memory natively, for several copy-thread counts;
 * first the design's own ceiling (memcpy_scaling()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct mc_job {
	pthread_t thr;
	const uint8_t *src;
	uint8_t *dst;
	size_t len, piece;
};

static void *mc_main(void *arg)
{
	struct mc_job *j = arg;

	for (size_t off = 0; off < j->len; off += j->piece)
		memcpy(j->dst + off, j->src + off, j->piece);
	return NULL;
}

/* GB/s of @total bytes copied by @t threads, each its own source and destination. */
static double memcpy_rate(uint8_t *src, uint8_t *dst, size_t total, int t)
{
	struct mc_job j[16];
	uint64_t t0 = simbe_now_ns();
	size_t part = total / (size_t)t / (512 * 1024) * (512 * 1024);

	for (int k = 0; k < t; k++) {
		j[k] = (struct mc_job){
			.src = src + (size_t)k * part, .dst = dst + (size_t)k * part,
			.len = part, .piece = 512 * 1024,
		};
		pthread_create(&j[k].thr, NULL, mc_main, &j[k]);
	}
	for (int k = 0; k < t; k++)
		pthread_join(j[k].thr, NULL);
	return (double)(part * (size_t)t) / (double)(simbe_now_ns() - t0);
}

/*
 * The design's own ceiling: what the simulated grant copy (memcpy) moves
 * with T threads, 512 KiB pieces, from 512 MiB of source into 512 MiB of
 * distinct destination (nothing stays in cache), alone and while the GPU's
 * DMA engines run native 64 MiB round trips on pinned memory (which take
 * host memory bandwidth too). (b) moves each byte once by CPU and once by
 * DMA.
 */
static void memcpy_scaling(void)
{
	static const int ts[] = { 1, 2, 4, 8, 12 };
	size_t total = 512 * MiB;
	uint8_t *src = malloc(total), *dst = malloc(total);
	FILE *dma = NULL;
	char cmd[4400];

	if (!src || !dst)
		exit(1);
	memset(src, 1, total);
	memset(dst, 2, total);
	for (int pass = 0; pass < (B.fake ? 1 : 2); pass++) {
		if (pass) {
			snprintf(cmd, sizeof(cmd), "%s big %u 400 >/dev/null", B.native,
				 64 * MiB);
			dma = popen(cmd, "r");
			sleep(2);	/* its context up, its copies running */
		}
		for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
			summary("(b) ceiling: memcpy, %d thread%s, distinct buffers%s: %.1f GB/s",
				ts[i], ts[i] > 1 ? "s" : "",
				pass ? ", DMA running" : "",
				memcpy_rate(src, dst, total, ts[i]));
		if (dma)
			pclose(dma);
	}
	free(src);
	free(dst);
}

void bench_b(void)
{
	const uint32_t bytes = 64 * MiB, chunk = VGPUIF_MAX_DATA_LEN;
	const uint32_t nchunks = bytes / chunk, n = bytes / 4;
	static const struct { uint32_t threads, slot, slots; } cfgs[] = {
		{ 4, 2 * MiB, 8 }, { 8, 1 * MiB, 32 }, { 12, 1 * MiB, 32 },
		{ 14, 1 * MiB, 32 },
	};
	float *x = malloc(bytes), *y = malloc(bytes);
	double nat_ms = 0, nat_gbps = 0;
	char args[64];
	int reps = B.fake ? 3 : 20;

	if (!x || !y)
		exit(1);
	memcpy_scaling();
	for (uint32_t i = 0; i < n; i++)
		x[i] = (float)(i & 1023);
	memset(y, 0, bytes);
	snprintf(args, sizeof(args), "big %u %d", bytes, reps);
	if (!run_native(args, B.native_big, sizeof(B.native_big))) {
		nat_ms = nget(B.native_big, "big_roundtrip_ms");
		nat_gbps = nget(B.native_big, "big_roundtrip_gbps");
	}

	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		struct knobs k = KNOBS_DEFAULT;
		struct harness h;
		struct gvm v;
		uint64_t d = 0, mod = 0, t[64];
		uint8_t blob[64], p[28];
		struct simreq r[2 * 4 + 1];
		int wrong = 0;

		k.copy_threads = cfgs[c].threads;
		k.slot_size = cfgs[c].slot;
		k.slots = cfgs[c].slots;
		start(&h, &k);
		h_vm(&h, &v, 1, VGPUIF_PRIO_MEDIUM, 0);
		v.spin_ns = 1000000000ull;
		warm(&v, 1);
		if (g_alloc(&v, bytes, &d) != VGPUIF_RSP_OKAY)
			exit(1);
		if (B.fake) {
			static const char fake[] = "FAKEMOD";

			g_load(&v, fake, sizeof(fake) - 1, &mod);
		} else {
			char path[8192];
			uint32_t len = 0;
			void *img;

			snprintf(path, sizeof(path), "%s/kernels.cubin", B.self_dir);
			img = h_read_file(path, &len);
			if (!img || g_load(&v, img, len, &mod) != VGPUIF_RSP_OKAY) {
				fprintf(stderr, "bench: cannot load %s\n", path);
				exit(1);
			}
			free(img);
		}
		memcpy(p, &d, 8);
		memcpy(p + 8, &d, 8);
		memcpy(p + 16, &d, 8);
		memcpy(p + 24, &n, 4);
		for (int it = -2; it < reps; it++) {
			uint64_t t0 = simbe_now_ns();
			int q = 0;

			/* The guest queues it all at once, as an application would. */
			for (uint32_t i = 0; i < nchunks; i++) {
				r[q] = (struct simreq){ .vm = v.cfg, .buf = (uint8_t *)x + i * chunk };
				r[q].req.operation = VGPUIF_OP_MEM_WRITE;
				r[q].req.data_len = chunk;
				r[q].req.u.mem.dptr = d + (uint64_t)i * chunk;
				simbe_submit(&h.tp, &r[q++]);
			}
			r[q] = (struct simreq){ .vm = v.cfg };
			g_launch_req(&r[q], blob, mod, B.fake ? "sleep_ms" : "vadd",
				     B.fake ? 1 : n / 256, B.fake ? 1 : 256,
				     B.fake ? (const void *)"\0\0\0\0" : p,
				     B.fake ? 4 : 28);
			simbe_submit(&h.tp, &r[q++]);
			for (uint32_t i = 0; i < nchunks; i++) {
				r[q] = (struct simreq){ .vm = v.cfg, .buf = (uint8_t *)y + i * chunk };
				r[q].req.operation = VGPUIF_OP_MEM_READ;
				r[q].req.data_len = chunk;
				r[q].req.u.mem.dptr = d + (uint64_t)i * chunk;
				simbe_submit(&h.tp, &r[q++]);
			}
			for (int i = 0; i < q; i++)
				if (simbe_wait(&r[i], v.spin_ns) != VGPUIF_RSP_OKAY)
					wrong = 1;
			if (it >= 0)
				t[it] = simbe_now_ns() - t0;
			if (it == -2 && !B.fake) {
				for (uint32_t i = 0; i < n; i++)
					if (y[i] != 2 * x[i]) {
						wrong = 1;
						break;
					}
			}
		}
		h_stop(&h);
		if (wrong) {
			fprintf(stderr, "bench: b: WRONG result\n");
			B.wrong = 1;
		}
		{
			struct percentile_summary s;
			double ms, gbps;

			percentile_summarize(t, (size_t)reps, &s);
			ms = (double)s.p50 / 1e6;
			gbps = 2.0 * bytes / (double)s.p50;
			summary("(b) 64 MiB H2D + kernel + D2H, %u copy threads, %u x %u KiB staging: %.2f ms (%.1f GB/s) vs native pinned %.2f ms (%.1f GB/s): ratio %.2f (target >= 0.8)",
				cfgs[c].threads, cfgs[c].slots, cfgs[c].slot >> 10,
				ms, gbps, nat_ms, nat_gbps,
				nat_gbps > 0 ? gbps / nat_gbps : 0.0);
		}
	}
	free(x);
	free(y);
}
