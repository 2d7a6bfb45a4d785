// SPDX-License-Identifier: MIT
/*
 * (a) Throughput and latency of small vector adds (n = 1024 floats), the
 * worker against the fair anchors, all measured in this run:
 *
 *   - one process, 8 streams x 16 adds in flight: the single-tenant
 *     ceiling (one context, nothing between tenants);
 *   - 8 processes x 16 in flight, each its own context: what 8 tenants
 *     get by running their programs on the GPU directly (time-sliced);
 *   - the same 8 processes under MPS (a private control daemon), when
 *     nvidia-cuda-mps-control is given: 8 tenants in one shared context;
 *   - one add at a time in one process: the latency anchor.
 *
 * Each anchor runs in both memory modes: mapped (the kernel works on
 * pinned host memory through the GPU's mapping: what the executor does
 * for small adds) and copied (H2D, kernel, D2H). The worker is compared
 * with the anchors of its own mode (mapped); the copied figures say what
 * that choice is worth. The fair comparison for sharing is the best of
 * "8 processes" and "MPS": that is what an operator would run instead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mps.h"

enum { MAPPED, COPIED, NMODES };
static const char *const mode_name[NMODES] = { "mapped", "copied" };

struct anchor {
	double adds, p50, p99;	/* adds/s; latency in us */
};

struct fair {
	struct anchor one[NMODES];	/* 1 process, 8 streams x 16 */
	struct anchor procs[NMODES];	/* 8 processes x 16 */
	struct anchor mps[NMODES];	/* the same under MPS */
	struct anchor lat[NMODES];	/* 1 process, one at a time */
	int have_mps;
};

static struct anchor anchor_of(const char *out)
{
	return (struct anchor){ nget(out, "inflight_adds_per_s"),
				nget(out, "inflight_p50_us"),
				nget(out, "inflight_p99_us") };
}

/*
 * @n processes of `inflight 1 16 ...` whose measured windows start
 * together (a wall-clock instant far enough ahead for every context to
 * come up): their adds/s summed, the median of their p50s, the largest
 * p99.
 */
static struct anchor run_processes(int n, uint32_t floats, const char *mode)
{
	char cmd[8400], out[4096];
	FILE *p[8];
	struct anchor sum = { 0, 0, 0 };
	double p50[8];
	struct timespec ts;
	uint64_t at;

	if (B.fake || n > 8)
		return sum;
	clock_gettime(CLOCK_REALTIME, &ts);
	at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
	     5000000000ull;
	snprintf(cmd, sizeof(cmd), "%s inflight 1 16 %u %.1f %s %llu", B.native,
		 floats, B.secs, mode, (unsigned long long)at);
	for (int i = 0; i < n; i++)
		p[i] = popen(cmd, "r");
	for (int i = 0; i < n; i++) {
		size_t got = 0;
		struct anchor a;

		if (p[i]) {
			got = fread(out, 1, sizeof(out) - 1, p[i]);
			if (pclose(p[i]))
				B.wrong = 1;
		}
		out[got] = '\0';
		a = anchor_of(out);
		sum.adds += a.adds;
		p50[i] = a.p50;
		if (a.p99 > sum.p99)
			sum.p99 = a.p99;
	}
	for (int i = 1; i < n; i++)	/* insertion sort of 8 */
		for (int j = i; j > 0 && p50[j] < p50[j - 1]; j--) {
			double t = p50[j];

			p50[j] = p50[j - 1];
			p50[j - 1] = t;
		}
	sum.p50 = p50[n / 2];
	return sum;
}

static void fair_anchors(uint32_t floats, struct fair *f)
{
	char args[128], out[4096];
	struct mps mps;

	memset(f, 0, sizeof(*f));
	if (B.fake)
		return;
	for (int m = 0; m < NMODES; m++) {
		snprintf(args, sizeof(args), "inflight 8 16 %u %.1f %s", floats,
			 B.secs, mode_name[m]);
		if (!run_native(args, out, sizeof(out)))
			f->one[m] = anchor_of(out);
		snprintf(args, sizeof(args), "inflight 1 1 %u %.1f %s", floats,
			 B.secs, mode_name[m]);
		if (!run_native(args, out, sizeof(out)))
			f->lat[m] = anchor_of(out);
		f->procs[m] = run_processes(8, floats, mode_name[m]);
		printf("bench: a: anchor %s: 1 process 8x16 %.0f adds/s; 8 processes x16 %.0f adds/s (p50 %.1f us p99 %.1f us); one at a time p50 %.1f us p99 %.1f us\n",
		       mode_name[m], f->one[m].adds, f->procs[m].adds,
		       f->procs[m].p50, f->procs[m].p99, f->lat[m].p50, f->lat[m].p99);
	}
	if (!B.fake && !mps_start(&mps, B.mps_control)) {
		f->have_mps = 1;
		for (int m = 0; m < NMODES; m++) {
			f->mps[m] = run_processes(8, floats, mode_name[m]);
			printf("bench: a: anchor %s: 8 processes x16 under MPS %.0f adds/s (p50 %.1f us p99 %.1f us)\n",
			       mode_name[m], f->mps[m].adds, f->mps[m].p50, f->mps[m].p99);
		}
		mps_stop(&mps);
	}
}

/*
 * Connect to first answer: @nvm VMs connect at once to a worker with
 * @spare spare processes (given 2 s to come up); the time from each VM's
 * CONNECT to its first GET_INFO answered by its process. Mean and max, ms.
 */
static void connect_time(int nvm, uint32_t spare, double *mean, double *most)
{
	struct knobs k = KNOBS_DEFAULT;
	struct harness h;
	struct gvm v[8];
	struct vgpuif_info info;
	uint64_t t0;

	k.spare = spare;
	start(&h, &k);
	usleep(2000000);
	*mean = *most = 0;
	t0 = simbe_now_ns();
	for (int i = 0; i < nvm; i++)
		h_vm(&h, &v[i], (uint16_t)(20 + i), VGPUIF_PRIO_MEDIUM, 0);
	for (int i = 0; i < nvm; i++) {
		double ms;

		if (g_info(&v[i], &info) != VGPUIF_RSP_OKAY)
			B.wrong = 1;
		ms = (double)(simbe_now_ns() - t0) / 1e6;
		*mean += ms / nvm;
		if (ms > *most)
			*most = ms;
	}
	h_stop(&h);
}

static void connect_times(void)
{
	static const struct { int nvm; uint32_t spare; } c[] = {
		{ 1, 0 }, { 1, 1 }, { 8, 0 }, { 8, 1 }, { 8, 8 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		double mean, most;

		connect_time(c[i].nvm, c[i].spare, &mean, &most);
		summary("(a) connect to first answer, %d VM%s at once, exec-spare %u: mean %.0f ms, max %.0f ms (target <= 200)",
			c[i].nvm, c[i].nvm > 1 ? "s" : "", c[i].spare, mean, most);
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

void bench_a(void)
{
	const uint32_t n = 1024;
	struct harness h;
	struct adder a[8];
	struct run_result res;
	struct knobs k = KNOBS_DEFAULT;
	struct fair f;
	uint64_t free_mem[2] = { 0 };
	/* Last, with MPS: the same 8 x 16 with the executors as MPS clients. */
	static const struct { int nvm, depth, mps; } cfgs[] = {
		{ 1, 1, 0 }, { 8, 1, 0 }, { 8, 4, 0 }, { 8, 16, 0 }, { 8, 16, 1 },
	};
	struct mps mps;

	fair_anchors(n, &f);
	connect_times();
	for (int m = 0; m < NMODES; m++) {
		char mps_txt[64] = "MPS: not run";

		if (f.have_mps)
			snprintf(mps_txt, sizeof(mps_txt), "MPS 8 x 16: %.0f adds/s",
				 f.mps[m].adds);
		summary("(a) anchor, %s: 1 process 8 streams x 16: %.0f adds/s; 8 processes x 16: %.0f adds/s; %s; one at a time: p50 %.1f us",
			mode_name[m], f.one[m].adds, f.procs[m].adds, mps_txt,
			f.lat[m].p50);
	}
	for (size_t cfg = 0; cfg < sizeof(cfgs) / sizeof(cfgs[0]); cfg++) {
		int nvm = cfgs[cfg].nvm, depth = cfgs[cfg].depth;

		k.mps_pipe = NULL;
		if (cfgs[cfg].mps) {
			if (B.fake || !f.have_mps || mps_start(&mps, B.mps_control))
				continue;
			k.mps_pipe = mps.pipe;
		}
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
			if (cfg < 2)
				free_mem[cfg] = warm(v, nvm);
			else
				warm(v, nvm);
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
		if (k.mps_pipe)
			mps_stop(&mps);
		printf("bench: a: %d VM(s), depth %d%s: %.0f adds/s, latency p50 %.1f us p99 %.1f us\n",
		       nvm, depth, k.mps_pipe ? ", MPS clients" : "", res.adds_per_s[0],
		       us(res.lat[0].p50), us(res.lat[0].p99));
		if (k.mps_pipe) {
			summary("(a) 8 VMs x 16 in flight, executors as MPS clients (exec-mps-pipe): %.0f adds/s, p99 %.0f us; vs MPS 8 processes %.2f (target >= 1.0)",
				res.adds_per_s[0], us(res.lat[0].p99),
				ratio(res.adds_per_s[0], f.mps[MAPPED].adds));
		} else if (cfg == 0) {
			summary("(a) 1 VM, one add at a time: p50 %.1f us p99 %.1f us vs native one at a time, mapped p50 %.1f us: ratio %.2f (target <= 1.15); copied p50 %.1f us",
				us(res.lat[0].p50), us(res.lat[0].p99), f.lat[MAPPED].p50,
				ratio(us(res.lat[0].p50), f.lat[MAPPED].p50),
				f.lat[COPIED].p50);
		} else {
			double best = f.procs[MAPPED].adds;

			if (f.have_mps && f.mps[MAPPED].adds > best)
				best = f.mps[MAPPED].adds;
			summary("(a) 8 VMs x %d in flight: %.0f adds/s, p99 %.0f us; vs 8 processes %.2f, MPS %.2f, best multi-tenant %.2f (target >= 1.0 at 16), 1 process 8 streams %.2f (mapped anchors)",
				depth, res.adds_per_s[0], us(res.lat[0].p99),
				ratio(res.adds_per_s[0], f.procs[MAPPED].adds),
				ratio(res.adds_per_s[0], f.mps[MAPPED].adds),
				ratio(res.adds_per_s[0], best),
				ratio(res.adds_per_s[0], f.one[MAPPED].adds));
		}
	}
}
