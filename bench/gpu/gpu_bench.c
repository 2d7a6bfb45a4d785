// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-bench: the CUDA executor's benchmarks, through the real worker
 * fed by the simulated backend (tests/sim/harness.h), against the native
 * anchors of vgpu-gpu-native measured in the same run on the same GPU.
 *
 *   (a) small vector adds (n = 1024 floats) from 8 VMs through scheduler
 *       and executors vs a native single-process Driver API loop doing the
 *       same adds; plus one VM, one request at a time: the path's latency.
 *   (b) 64 MiB H2D + kernel + D2H: 4 MEM_WRITEs of 16 MiB, LAUNCH of a
 *       vector add in place, 4 MEM_READs, vs native pinned copies; for
 *       several copy-thread counts.
 *   (c) p99 latency of a high-priority VM (closed loop, small adds) while
 *       7 low-priority VMs saturate the GPU, vs its unloaded p99 and vs the
 *       same load under FIFO (all VMs at one priority), with and without
 *       the priority gate.
 * Benchmarks report; they never fail on timing. Exit status 1 only if a
 * result was wrong or something could not run.
 *
 *   vgpu-gpu-bench [--fake] [--native PATH] [--cuda-exec PATH]
 *                  [--seconds S] [a] [b] [c]
 *
 * Over 700 lines on purpose: the three benchmarks share the harness set-up,
 * the anchors' invocation and the report format in this file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "lib/percentile.h"
#include "tests/sim/harness.h"

extern const struct cx_dev_ops cx_fake_ops;

#define MiB	(1u << 20)

static struct {
	int fake;
	char self_dir[4096];
	char native[4200];
	const char *cuda_exec;
	double secs;
	int wrong;
	char native_small[4096];
	char native_big[4096];
	char summary[64][256];
	int nsummary;
} B;

static void summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void summary(const char *fmt, ...)
{
	va_list ap;

	if (B.nsummary >= 64)
		return;
	va_start(ap, fmt);
	vsnprintf(B.summary[B.nsummary], sizeof(B.summary[0]), fmt, ap);
	va_end(ap);
	printf("bench: %s\n", B.summary[B.nsummary++]);
}

/* ---- native anchors ---- */

static int run_native(const char *args, char *out, size_t len)
{
	char cmd[8192];
	FILE *p;
	size_t got;

	out[0] = '\0';
	if (B.fake)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s %s", B.native, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	got = fread(out, 1, len - 1, p);
	out[got] = '\0';
	if (pclose(p) != 0) {
		fprintf(stderr, "bench: native %s failed\n", args);
		return -1;
	}
	fputs(out, stdout);
	return 0;
}

/* @n copies of the native program at once; the sum of @key. */
static double run_native_parallel(int n, const char *args, const char *key)
{
	char cmd[8192], out[4096];
	FILE *p[16];
	double sum = 0;

	if (B.fake || n > 16)
		return 0;
	snprintf(cmd, sizeof(cmd), "%s %s", B.native, args);
	for (int i = 0; i < n; i++)
		p[i] = popen(cmd, "r");
	for (int i = 0; i < n; i++) {
		size_t got;
		double nget(const char *o, const char *k);

		if (!p[i])
			return 0;
		got = fread(out, 1, sizeof(out) - 1, p[i]);
		out[got] = '\0';
		pclose(p[i]);
		sum += nget(out, key);
	}
	return sum;
}

double nget(const char *out, const char *key);
double nget(const char *out, const char *key)
{
	char k[128];
	const char *p;

	snprintf(k, sizeof(k), "\n%s=", key);
	p = strstr(out, k);
	if (!p && !strncmp(out, k + 1, strlen(k + 1)))
		p = out - 1;
	return p ? atof(p + strlen(k)) : 0.0;
}

/* ---- the harness with bench settings ---- */

struct knobs {
	uint32_t turn_quota;
	uint32_t copy_threads;
	uint32_t slot_size;
	uint32_t slots;
	uint32_t max_running;
	uint32_t prio_share;
	uint32_t prio_hold_us;
	const char *sched;
};

static void start(struct harness *h, const struct knobs *k)
{
	h_defaults(h, B.fake, B.cuda_exec, B.self_dir);
	h->cfg.log_level = VLOG_WARN;
	h->cfg.request_timeout_ms = 30000;
	if (k) {
		if (k->copy_threads != UINT32_MAX)
			h->cfg.copy_threads = k->copy_threads;
		if (k->slot_size)
			h->cfg.cuda_slot_size = k->slot_size;
		if (k->slots)
			h->cfg.cuda_slots = k->slots;
		h->cfg.max_running = k->max_running;
		h->cfg.turn_quota = k->turn_quota;
		if (k->prio_share != UINT32_MAX)
			h->cfg.prio_share = k->prio_share;
		if (k->prio_hold_us != UINT32_MAX)
			h->cfg.prio_hold_us = k->prio_hold_us;
		if (k->sched)
			snprintf(h->cfg.cuda_sched, sizeof(h->cfg.cuda_sched), "%s",
				 k->sched);
	}
	if (h_start(h)) {
		fprintf(stderr, "bench: cannot start the worker with the CUDA executor\n");
		exit(1);
	}
}

#define KNOBS_DEFAULT { .copy_threads = UINT32_MAX, .prio_hold_us = UINT32_MAX, \
			.prio_share = UINT32_MAX }

/* Waits until every VM's process is up: one GET_INFO each. Device free memory. */
static uint64_t warm(struct gvm *v, int n)
{
	struct vgpuif_info info = { 0 };

	for (int i = 0; i < n; i++) {
		if (g_info(&v[i], &info) != VGPUIF_RSP_OKAY) {
			fprintf(stderr, "bench: vm %u did not come up\n", v[i].cfg.domid);
			exit(1);
		}
	}
	return info.mem_free;
}

/* ---- closed-loop vector adders ---- */

struct adder {
	struct gvm v;
	pthread_t thr;
	uint32_t n;
	int depth;
	uint64_t think_ns;
	_Atomic int *measuring, *stop;
	uint64_t done, wrong;
	uint64_t *lat;		/* submit -> completion written, ns */
	size_t nlat, cap;
};

static void fill_add(float *b, uint32_t n, uint32_t k)
{
	for (uint32_t i = 0; i < n; i++) {
		b[i] = (float)((i + k) & 4095);
		b[n + i] = (float)(k & 255) * 0.5f;
		b[2 * n + i] = -1.0f;
	}
}

static int check_add(const float *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[2 * n + i] != b[i] + b[n + i])
			return 0;
	return 1;
}

static void *adder_main(void *arg)
{
	struct adder *a = arg;
	struct simreq *r = calloc((size_t)a->depth, sizeof(*r));
	float **buf = calloc((size_t)a->depth, sizeof(*buf));
	uint32_t k = a->v.cfg.domid * 7919u;

	if (!r || !buf)
		exit(1);
	for (int i = 0; i < a->depth; i++) {
		buf[i] = malloc(12ull * a->n);
		if (!buf[i])
			exit(1);
		r[i].vm = a->v.cfg;
		r[i].buf = buf[i];
		r[i].req.operation = VGPUIF_OP_VECTOR_ADD;
		r[i].req.data_len = 12u * a->n;
		r[i].req.u.vector_add.n = a->n;
		fill_add(buf[i], a->n, k++);
		simbe_submit(&a->v.h->tp, &r[i]);
	}
	for (int i = 0;; i = (i + 1) % a->depth) {
		int32_t st = simbe_wait(&r[i], a->v.spin_ns);

		if (st != VGPUIF_RSP_OKAY || !check_add(buf[i], a->n))
			a->wrong++;
		if (atomic_load_explicit(a->measuring, memory_order_relaxed)) {
			a->done++;
			if (a->nlat < a->cap)
				a->lat[a->nlat++] = r[i].t_complete - r[i].t_submit;
		}
		if (atomic_load_explicit(a->stop, memory_order_relaxed))
			break;
		if (a->think_ns) {
			uint64_t until = simbe_now_ns() + a->think_ns;

			while (simbe_now_ns() < until)
				__builtin_ia32_pause();
		}
		fill_add(buf[i], a->n, k++);
		simbe_submit(&a->v.h->tp, &r[i]);
	}
	/* Let the others finish: the worker must not copy into freed buffers. */
	for (int i = 0; i < a->depth; i++)
		simbe_wait(&r[i], 0);
	for (int i = 0; i < a->depth; i++)
		free(buf[i]);
	free(buf);
	free(r);
	return NULL;
}

struct run_result {
	double adds_per_s[2];		/* group 0, group 1 */
	struct percentile_summary lat[2];
	uint64_t wrong;
};

/*
 * Runs the adders (group[i] of each: 0 or 1) for B.secs after a warm-up;
 * sums throughput and latency per group.
 */
static void run_adders(struct adder *a, int n, const int *group, double secs,
		       struct run_result *res)
{
	_Atomic int measuring = 0, stop = 0;
	uint64_t t0, t1;
	uint64_t *all[2];
	size_t nall[2] = { 0, 0 };

	memset(res, 0, sizeof(*res));
	for (int i = 0; i < n; i++) {
		a[i].measuring = &measuring;
		a[i].stop = &stop;
		a[i].cap = 2000000;
		a[i].lat = malloc(a[i].cap * sizeof(uint64_t));
		a[i].nlat = a[i].done = a[i].wrong = 0;
		if (!a[i].lat)
			exit(1);
		pthread_create(&a[i].thr, NULL, adder_main, &a[i]);
	}
	usleep(B.fake ? 100000 : 300000);
	t0 = simbe_now_ns();
	atomic_store(&measuring, 1);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&measuring, 0);
	t1 = simbe_now_ns();
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(a[i].thr, NULL);
	for (int g = 0; g < 2; g++) {
		all[g] = malloc(sizeof(uint64_t) * 2000000 * (size_t)n);
		if (!all[g])
			exit(1);
	}
	for (int i = 0; i < n; i++) {
		int g = group ? group[i] : 0;

		res->adds_per_s[g] += (double)a[i].done / ((double)(t1 - t0) / 1e9);
		memcpy(all[g] + nall[g], a[i].lat, a[i].nlat * sizeof(uint64_t));
		nall[g] += a[i].nlat;
		res->wrong += a[i].wrong;
		free(a[i].lat);
	}
	for (int g = 0; g < 2; g++) {
		percentile_summarize(all[g], nall[g], &res->lat[g]);
		free(all[g]);
	}
	if (res->wrong) {
		fprintf(stderr, "bench: %llu WRONG results\n",
			(unsigned long long)res->wrong);
		B.wrong = 1;
	}
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

/* ---- (a) ---- */

static void bench_a(void)
{
	const uint32_t n = 1024;
	struct harness h;
	struct adder a[8];
	struct run_result res;
	struct knobs k = KNOBS_DEFAULT;
	double nat = 0, nat_packed = 0, nat_p50 = 0;
	uint64_t free_mem[3] = { 0 };
	char args[64];

	snprintf(args, sizeof(args), "small %u %.1f", n, B.secs);
	if (!run_native(args, B.native_small, sizeof(B.native_small))) {
		nat = nget(B.native_small, "small_adds_per_s");
		nat_packed = nget(B.native_small, "small_packed_adds_per_s");
		nat_p50 = nget(B.native_small, "small_p50_us");
	}

	{
		double x8 = run_native_parallel(8, args, "small_adds_per_s");

		if (x8 > 0)
			summary("(a) diagnostic: 8 native processes at once, one add at a time each: %.0f adds/s together (one process alone: %.0f): the price of 8 contexts time-sliced on one GPU",
				x8, nat);
	}
	static const struct { int nvm, depth; uint32_t turn; } cfgs[] = {
		{ 1, 1, 0 }, { 8, 1, 0 }, { 8, 4, 0 }, { 8, 8, 0 }, { 8, 16, 0 },
	};
	for (size_t cfg = 0; cfg < sizeof(cfgs) / sizeof(cfgs[0]); cfg++) {
		int nvm = cfgs[cfg].nvm, depth = cfgs[cfg].depth;

		k.turn_quota = cfgs[cfg].turn;
		start(&h, &k);
		memset(a, 0, sizeof(a));
		for (int i = 0; i < nvm; i++) {
			h_vm(&h, &a[i].v, (uint16_t)(1 + i), VGPUIF_PRIO_MEDIUM, 0);
			a[i].n = n;
			a[i].depth = depth;
			/* One VM alone spins for its answer; eight sleep. */
			a[i].v.spin_ns = nvm == 1 ? 1000000000ull : 20000;
		}
		{
			struct gvm v[8];

			for (int i = 0; i < nvm; i++)
				v[i] = a[i].v;
			free_mem[cfg < 2 ? cfg : 2] = warm(v, nvm);
		}
		run_adders(a, nvm, NULL, B.secs, &res);
		if (cfg == 1) {
			struct exec_cuda_stats st;

			exec_cuda_get_stats(&h.ex, &st);
			summary("executor processes: %llu started, spawn to context ready mean %.1f ms, max %.1f ms; GPU memory per extra VM context %.0f MiB",
				(unsigned long long)st.spawns,
				st.ready ? (double)st.start_ns_sum / (double)st.ready / 1e6 : 0.0,
				(double)st.start_ns_max / 1e6,
				((double)free_mem[0] - (double)free_mem[1]) / 7.0 / MiB);
		}
		h_stop(&h);
		printf("bench: a: %d VM(s), depth %d, turn-quota %u: %.0f adds/s, latency p50 %.1f us p99 %.1f us\n",
		       nvm, depth, cfgs[cfg].turn, res.adds_per_s[0],
		       us(res.lat[0].p50), us(res.lat[0].p99));
		if (cfg == 0)
			summary("(a) 1 VM, one add at a time (n=%u): p50 %.1f us, p99 %.1f us; native loop p50 %.1f us: the path adds %.1f us",
				n, us(res.lat[0].p50), us(res.lat[0].p99), nat_p50,
				us(res.lat[0].p50) - nat_p50);
		else
			summary("(a) 8 VMs x %d in flight, %s (n=%u): %.0f adds/s vs native single-process loop %.0f adds/s (packed copies %.0f): ratio %.2f (target >= 0.9); p99 %.0f us",
				depth, cfgs[cfg].turn ? "turns of 8" : "all at once", n,
				res.adds_per_s[0], nat, nat_packed,
				nat > 0 ? res.adds_per_s[0] / nat : 0.0, us(res.lat[0].p99));
	}
}

/* ---- (b) ---- */

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
		memcpy(j->dst + off % (16 * MiB), j->src + off, j->piece);
	return NULL;
}

/*
 * What the simulated grant copy (memcpy) can move with T threads, 512 KiB
 * pieces: the ceiling of (b), which moves every byte once by CPU and once
 * by DMA.
 */
static void memcpy_scaling(void)
{
	static const int ts[] = { 1, 4, 8, 12, 14 };
	size_t total = 256 * MiB;
	uint8_t *src = malloc(total), *dst = malloc(16 * MiB * 14);

	if (!src || !dst)
		exit(1);
	memset(src, 1, total);
	memset(dst, 2, 16 * MiB * 14);
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct mc_job j[14];
		uint64_t t0 = simbe_now_ns(), t1;

		for (int k = 0; k < ts[i]; k++) {
			j[k] = (struct mc_job){
				.src = src + k * (total / ts[i]),
				.dst = dst + k * 16 * MiB,
				.len = total / ts[i] / (512 * 1024) * (512 * 1024),
				.piece = 512 * 1024,
			};
			pthread_create(&j[k].thr, NULL, mc_main, &j[k]);
		}
		for (int k = 0; k < ts[i]; k++)
			pthread_join(j[k].thr, NULL);
		t1 = simbe_now_ns();
		summary("(b) diagnostic: memcpy (the simulated grant copy), %d thread%s: %.1f GB/s",
			ts[i], ts[i] > 1 ? "s" : "", (double)total / (double)(t1 - t0));
	}
	free(src);
	free(dst);
}

static void bench_b(void)
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

/* ---- (c) ---- */

struct lat_cfg {
	const char *name;
	uint32_t think_us;	/* the high VM's pause between requests */
	int fifo;		/* every VM at one level */
	int load;		/* 7 low VMs */
	uint32_t low_n;
	struct knobs k;
};

static void bench_c(void)
{
	const uint32_t n = 1024;
	struct lat_cfg cfgs[] = {
		{ "unloaded", 20, 0, 0, 0, KNOBS_DEFAULT },
		{ "strict priority (default), low n=64K", 20, 0, 1, 65536, KNOBS_DEFAULT },
		{ "strict priority, prio-share 1, low n=64K", 20, 0, 1, 65536, KNOBS_DEFAULT },
		{ "FIFO, low n=64K", 20, 1, 1, 65536, KNOBS_DEFAULT },
		{ "FIFO one at a time (max-running 1), low n=64K", 20, 1, 1, 65536, KNOBS_DEFAULT },
		{ "strict priority (default), low n=1024", 20, 0, 1, 1024, KNOBS_DEFAULT },
		{ "FIFO, low n=1024", 20, 1, 1, 1024, KNOBS_DEFAULT },
		{ "unloaded, high pauses 1 ms", 1000, 0, 0, 0, KNOBS_DEFAULT },
		{ "strict priority (default), high pauses 1 ms, low n=64K", 1000, 0, 1, 65536, KNOBS_DEFAULT },
		{ "FIFO, high pauses 1 ms, low n=64K", 1000, 1, 1, 65536, KNOBS_DEFAULT },
	};
	double unloaded_p99 = 0;

	cfgs[2].k.prio_share = 1;
	cfgs[4].k.max_running = 1;
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		struct lat_cfg *lc = &cfgs[c];
		struct harness h;
		struct adder a[8];
		int group[8] = { 0, 1, 1, 1, 1, 1, 1, 1 };
		int nvm = lc->load ? 8 : 1;
		struct run_result res;
		struct gvm v[8];

		start(&h, &lc->k);
		memset(a, 0, sizeof(a));
		h_vm(&h, &a[0].v, 1, lc->fifo ? VGPUIF_PRIO_MEDIUM : VGPUIF_PRIO_HIGH, 0);
		a[0].n = n;
		a[0].depth = 1;
		a[0].think_ns = lc->think_us * 1000ull;
		a[0].v.spin_ns = 1000000000ull;
		for (int i = 1; i < nvm; i++) {
			h_vm(&h, &a[i].v, (uint16_t)(1 + i),
			     lc->fifo ? VGPUIF_PRIO_MEDIUM : VGPUIF_PRIO_LOW, 0);
			a[i].n = lc->low_n;
			a[i].depth = 4;
			a[i].v.spin_ns = 20000;
		}
		for (int i = 0; i < nvm; i++)
			v[i] = a[i].v;
		warm(v, nvm);
		run_adders(a, nvm, group, B.secs, &res);
		h_stop(&h);
		if (!lc->load)
			unloaded_p99 = us(res.lat[0].p99);
		printf("bench: c: %s: high p50 %.1f us p99 %.1f us (%.0f adds/s); low %.0f adds/s (%.2f GB/s) p99 %.1f us\n",
		       lc->name, us(res.lat[0].p50), us(res.lat[0].p99),
		       res.adds_per_s[0], res.adds_per_s[1],
		       res.adds_per_s[1] * 12.0 * lc->low_n / 1e9, us(res.lat[1].p99));
		summary("(c) %s: high-priority p50 %.1f us, p99 %.1f us = %.2fx unloaded p99%s; low VMs %.0f adds/s",
			lc->name, us(res.lat[0].p50), us(res.lat[0].p99),
			unloaded_p99 > 0 ? us(res.lat[0].p99) / unloaded_p99 : 0.0,
			!lc->load ? " (the anchor)" : "", res.adds_per_s[1]);
	}
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t len;
	int want_a = 0, want_b = 0, want_c = 0;

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	snprintf(B.self_dir, sizeof(B.self_dir), "%s", dirname(self));
	snprintf(B.native, sizeof(B.native), "%s/vgpu-gpu-native", B.self_dir);
	B.secs = 2.0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fake"))
			B.fake = 1;
		else if (!strcmp(argv[i], "--native") && i + 1 < argc)
			snprintf(B.native, sizeof(B.native), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--cuda-exec") && i + 1 < argc)
			B.cuda_exec = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			B.secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "a"))
			want_a = 1;
		else if (!strcmp(argv[i], "b"))
			want_b = 1;
		else if (!strcmp(argv[i], "c"))
			want_c = 1;
		else {
			fprintf(stderr, "usage: vgpu-gpu-bench [--fake] [--native PATH] [--cuda-exec PATH] [--seconds S] [a] [b] [c]\n");
			return 2;
		}
	}
	if (!want_a && !want_b && !want_c)
		want_a = want_b = want_c = 1;
	if (want_a)
		bench_a();
	if (want_b)
		bench_b();
	if (want_c)
		bench_c();
	printf("bench: ---- summary%s ----\n", B.fake ? " (FAKE device: not GPU figures)" : "");
	for (int i = 0; i < B.nsummary; i++)
		printf("bench: %s\n", B.summary[i]);
	return B.wrong ? 1 : 0;
}
