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
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct lat_cfg {
	const char *name;
	const char *mode;	/* strict, weighted, aging */
	int fifo;		/* every VM at one level */
	int load;		/* 7 low VMs */
	uint32_t low_n;		/* their adds' size, or */
	uint32_t spin_us;	/* their kernels' length */
};

void bench_c(void)
{
	const uint32_t n = 1024;
	static const struct lat_cfg cfgs[] = {
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
	double unloaded_p99 = 0;

	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		const struct lat_cfg *lc = &cfgs[c];
		struct knobs k = KNOBS_DEFAULT;
		struct harness h;
		struct adder a[8];
		int group[8] = { 0, 1, 1, 1, 1, 1, 1, 1 };
		int nvm = lc->load ? 8 : 1;
		struct run_result res;
		struct gvm v[8];

		k.sched_mode = lc->mode;
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
