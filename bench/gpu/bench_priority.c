// SPDX-License-Identifier: MIT
/*
 * (c) Priority under contention: the p99 latency of a high-priority VM
 * (closed loop, small adds, 20 us between them) while 7 low-priority VMs
 * load the GPU, against its unloaded p99 in the same run. The low VMs do
 * either (i) vector adds of 64K floats, 4 in flight (the staging path), or
 * (ii) long kernels: a LAUNCH of spin_us (2 ms over the whole GPU) then a
 * SYNC, in a loop. Each in the scheduler's strict, weighted and aging
 * modes, and the same load with every VM at one level (FIFO) for scale.
 *
 * Each VM has its own process and CUDA context; contexts are time-sliced
 * by the GPU, so a kernel already running for a low VM is not preempted
 * by the scheduler's order: case (ii) measures that.
 *
 * Then what the GPU itself offers (vgpu-gpu-prio, no worker): the same
 * high tenant and 7 low tenants of 2 ms kernels as separate processes,
 * in one process on streams of the greatest and least priority, and
 * under MPS plain, with the low clients at CUDA_MPS_CLIENT_PRIORITY=1,
 * and with them limited by CUDA_MPS_ACTIVE_THREAD_PERCENTAGE; each for
 * kernels of 2 blocks per SM and of every thread slot, against the high
 * tenant alone (alone under MPS for the MPS cases).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "mps.h"

struct lat_cfg {
	const char *name;
	const char *mode;	/* strict, weighted, aging */
	int fifo;		/* every VM at one level */
	int load;		/* 7 low VMs */
	uint32_t low_n;		/* their adds' size, or */
	uint32_t spin_us;	/* their kernels' length */
};

static const struct lat_cfg cfgs_ctx[] = {
	{ "unloaded", "strict", 0, 0, 0, 0 },
	{ "strict, low adds n=64K", "strict", 0, 1, 65536, 0 },
	{ "weighted, low adds n=64K", "weighted", 0, 1, 65536, 0 },
	{ "aging, low adds n=64K", "aging", 0, 1, 65536, 0 },
	{ "FIFO, low adds n=64K", "strict", 1, 1, 65536, 0 },
	{ "strict, low 2 ms kernels", "strict", 0, 1, 0, 2000 },
	{ "weighted, low 2 ms kernels", "weighted", 0, 1, 0, 2000 },
	{ "aging, low 2 ms kernels", "aging", 0, 1, 0, 2000 },
	{ "FIFO, low 2 ms kernels", "strict", 1, 1, 0, 2000 },
};

/* The MPS tier: lower VMs' processes limited to 12% of the SMs. */
static const struct lat_cfg cfgs_mps[] = {
	{ "MPS tier, unloaded", "strict", 0, 0, 0, 0 },
	{ "MPS tier, weighted, low adds n=64K", "weighted", 0, 1, 65536, 0 },
	{ "MPS tier, aging, low adds n=64K", "aging", 0, 1, 65536, 0 },
	{ "MPS tier, weighted, low 2 ms kernels", "weighted", 0, 1, 0, 2000 },
	{ "MPS tier, aging, low 2 ms kernels", "aging", 0, 1, 0, 2000 },
	{ "MPS tier, FIFO, low 2 ms kernels", "strict", 1, 1, 0, 2000 },
};

static void run_cfgs(const struct lat_cfg *cfgs, size_t ncfg, const char *mps_pipe)
{
	const uint32_t n = 1024;
	double unloaded_p99 = 0;

	for (size_t c = 0; c < ncfg; c++) {
		const struct lat_cfg *lc = &cfgs[c];
		struct knobs k = KNOBS_DEFAULT;
		struct harness h;
		struct adder a[8];
		int group[8] = { 0, 1, 1, 1, 1, 1, 1, 1 };
		int nvm = lc->load ? 8 : 1;
		struct run_result res;
		struct gvm v[8];

		k.sched_mode = lc->mode;
		k.mps_pipe = mps_pipe;
		k.mps_pct = 12;
		start(&h, &k);
		memset(a, 0, sizeof(a));
		h_vm(&h, &a[0].v, 1, lc->fifo ? VGPUIF_PRIO_MEDIUM : VGPUIF_PRIO_HIGH, 0);
		a[0].n = n;
		a[0].depth = 1;
		a[0].think_ns = 20000;
		a[0].v.spin_ns = 1000000000ull;
		for (int i = 1; i < nvm; i++) {
			h_vm(&h, &a[i].v, (uint16_t)(1 + i),
			     lc->fifo ? VGPUIF_PRIO_MEDIUM : VGPUIF_PRIO_LOW, 0);
			a[i].n = lc->low_n;
			a[i].depth = 4;
			a[i].spin_us = lc->spin_us;
			a[i].v.spin_ns = 20000;
		}
		for (int i = 0; i < nvm; i++)
			v[i] = a[i].v;
		warm(v, nvm);
		for (int i = 1; i < nvm; i++)
			if (a[i].spin_us)
				a[i].mod = load_spin_module(&a[i].v);
		run_adders(a, nvm, group, B.secs, &res);
		h_stop(&h);
		if (!lc->load)
			unloaded_p99 = us(res.lat[0].p99);
		printf("bench: c: %s: high p50 %.1f us p99 %.1f us (%.0f/s); low %.0f/s p99 %.1f us\n",
		       lc->name, us(res.lat[0].p50), us(res.lat[0].p99),
		       res.adds_per_s[0], res.adds_per_s[1], us(res.lat[1].p99));
		summary("(c) %s: high p50 %.1f us, p99 %.1f us = %.2fx unloaded p99%s (target <= 1.25); low VMs %.0f %s/s",
			lc->name, us(res.lat[0].p50), us(res.lat[0].p99),
			unloaded_p99 > 0 ? us(res.lat[0].p99) / unloaded_p99 : 0.0,
			!lc->load ? " (the anchor)" : "", res.adds_per_s[1],
			lc->spin_us ? "kernels" : "adds");
	}
}

void bench_c(void)
{
	struct mps mps;

	run_cfgs(cfgs_ctx, sizeof(cfgs_ctx) / sizeof(cfgs_ctx[0]), NULL);
	if (B.fake || mps_start(&mps, B.mps_control))
		return;
	run_cfgs(cfgs_mps, sizeof(cfgs_mps) / sizeof(cfgs_mps[0]), mps.pipe);
	mps_stop(&mps);
}

struct prio_anchor {
	double p50, p99, low;	/* us, us, low kernels/s */
};

/*
 * vgpu-gpu-prio: @nlow low processes (@low_env before each) and the high
 * process, or, when @streams, both in one process. Windows aligned 4 s
 * ahead, past every context's start.
 */
static struct prio_anchor prio_run(int nlow, const char *shape, int streams,
				   const char *low_env)
{
	char prog[4300], cmd[8800], out[4096];
	struct prio_anchor a = { 0, 0, 0 };
	FILE *p[8] = { NULL };
	struct timespec ts;
	unsigned long long at;

	snprintf(prog, sizeof(prog), "%s/vgpu-gpu-prio", B.self_dir);
	clock_gettime(CLOCK_REALTIME, &ts);
	at = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec +
	     4000000000ull;
	if (streams) {
		snprintf(cmd, sizeof(cmd), "%s streams %.1f %llu 2000 %s 4 %d", prog, B.secs,
			 at, shape, nlow);
		p[0] = popen(cmd, "r");
	} else {
		for (int i = 1; i <= nlow && i < 8; i++) {
			/* @low_env: "VAR=value" for the shell, or "". */
			snprintf(cmd, sizeof(cmd), "%s %s low %.1f %llu 2000 %s 4", low_env,
				 prog, B.secs, at, shape);
			p[i] = popen(cmd, "r");
		}
		snprintf(cmd, sizeof(cmd), "%s high %.1f %llu", prog, B.secs, at);
		p[0] = popen(cmd, "r");
	}
	for (int i = 0; i < 8; i++) {
		size_t got = 0;

		if (!p[i])
			continue;
		got = fread(out, 1, sizeof(out) - 1, p[i]);
		if (pclose(p[i]))
			B.wrong = 1;
		out[got] = '\0';
		if (i == 0) {
			a.p50 = nget(out, "prio_p50_us");
			a.p99 = nget(out, "prio_p99_us");
		}
		a.low += nget(out, "low_kernels_per_s");
	}
	return a;
}

static void prio_line(const char *shape, const char *name, struct prio_anchor a,
		      struct prio_anchor alone)
{
	printf("bench: c: native, low %s: %s: high p50 %.1f us p99 %.1f us; low %.0f kernels/s\n",
	       shape, name, a.p50, a.p99, a.low);
	summary("(c) native anchor, 7 low tenants of 2 ms kernels (%s): %s: high p99 %.1f us = %.2fx alone (%.1f us); low %.0f kernels/s",
		shape, name, a.p99, alone.p99 > 0 ? a.p99 / alone.p99 : 0.0, alone.p99, a.low);
}

void bench_c_native(void)
{
	static const char *const shapes[] = { "half", "full" };
	struct prio_anchor alone, alone_mps;
	struct mps mps;
	int have_mps;

	if (B.fake)
		return;
	alone = prio_run(0, "half", 0, "");
	printf("bench: c: native, high alone: p50 %.1f us p99 %.1f us\n", alone.p50, alone.p99);
	for (int s = 0; s < 2; s++) {
		prio_line(shapes[s], "7 processes (contexts time-sliced)",
			  prio_run(7, shapes[s], 0, ""), alone);
		prio_line(shapes[s], "1 process, stream priorities",
			  prio_run(7, shapes[s], 1, ""), alone);
	}
	have_mps = !mps_start(&mps, B.mps_control);
	if (!have_mps)
		return;
	alone_mps = prio_run(0, "half", 0, "");
	printf("bench: c: native, high alone under MPS: p50 %.1f us p99 %.1f us\n",
	       alone_mps.p50, alone_mps.p99);
	for (int s = 0; s < 2; s++) {
		prio_line(shapes[s], "MPS", prio_run(7, shapes[s], 0, ""), alone_mps);
		prio_line(shapes[s], "MPS, low clients CUDA_MPS_CLIENT_PRIORITY=1",
			  prio_run(7, shapes[s], 0, "CUDA_MPS_CLIENT_PRIORITY=1"), alone_mps);
		prio_line(shapes[s], "MPS, low clients CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=12",
			  prio_run(7, shapes[s], 0, "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=12"),
			  alone_mps);
	}
	mps_stop(&mps);
}
