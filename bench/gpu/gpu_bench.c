// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-bench: the CUDA executor's benchmarks, through the real worker
 * fed by the simulated backend (tests/sim/harness.h), against native
 * anchors (vgpu-gpu-native) measured in the same run on the same GPU.
 *
 *   (a) bench_throughput.c: small vector adds from 8 VMs through the
 *       scheduler and executors vs the fair anchors (one process with 8
 *       streams, 8 processes, 8 processes under MPS: same adds, same
 *       depth, mapped and copied memory); one VM, one add at a time vs
 *       one native add at a time in the same memory mode.
 *   (b) bench_bandwidth.c: 64 MiB H2D + kernel + D2H vs native pinned.
 *   (c) bench_priority.c: a high-priority VM's latency while 7 low VMs
 *       saturate the GPU with small adds or with long kernels, in the
 *       strict, weighted and aging modes, vs its unloaded latency.
 * Benchmarks report; they never fail on timing. Exit status 1 only if a
 * result was wrong or something could not run.
 *
 *   vgpu-gpu-bench [--fake] [--native PATH] [--cuda-exec PATH]
 *                  [--mps-control PATH] [--seconds S] [a] [b] [c]
 *
 * This file: what the benchmarks share (bench.h) and main().
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

#include "bench.h"
#include "dom0-worker/exec/cuda/cx_child.h"

extern const struct cx_dev_ops cx_fake_ops;

struct bench_state B;

void summary(const char *fmt, ...)
{
	va_list ap;

	if (B.nsummary >= (int)(sizeof(B.summary) / sizeof(B.summary[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(B.summary[B.nsummary], sizeof(B.summary[0]), fmt, ap);
	va_end(ap);
	printf("bench: %s\n", B.summary[B.nsummary++]);
}

/* ---- native anchors ---- */

int run_native(const char *args, char *out, size_t len)
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

void start(struct harness *h, const struct knobs *k)
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
		if (k->spare != UINT32_MAX)
			h->cfg.exec_spare = k->spare;
		if (k->mps_pipe)
			snprintf(h->cfg.exec_mps_pipe, sizeof(h->cfg.exec_mps_pipe), "%s",
				 k->mps_pipe);
		if (k->mps_pct)
			h->cfg.exec_mps_lower_percent = k->mps_pct;
		if (k->sched_mode) {
			char err[128];

			if (config_set(&h->cfg, "sched", k->sched_mode, err,
				       sizeof(err))) {
				fprintf(stderr, "bench: %s\n", err);
				exit(1);
			}
		}
		if (k->sched)
			snprintf(h->cfg.cuda_sched, sizeof(h->cfg.cuda_sched), "%s",
				 k->sched);
	}
	if (h_start(h)) {
		fprintf(stderr, "bench: cannot start the worker with the CUDA executor\n");
		exit(1);
	}
}

uint64_t warm(struct gvm *v, int n)
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

/* A VM of long kernels: LAUNCH of spin_us, then SYNC, in a loop. */
static void *spinner_main(void *arg)
{
	struct adder *a = arg;
	uint8_t blob[64];
	uint32_t ms = (a->spin_us + 999) / 1000;
	struct simreq r = { .vm = a->v.cfg };

	for (;;) {
		uint64_t t0 = simbe_now_ns();
		int32_t st;

		if (B.fake)
			g_launch_req(&r, blob, a->mod, "sleep_ms", 1, 1, &ms, 4);
		else
			g_launch_req(&r, blob, a->mod, "spin_us", 264, 128,
				     &a->spin_us, 4);
		simbe_submit(&a->v.h->tp, &r);
		st = simbe_wait(&r, a->v.spin_ns);
		if (st == VGPUIF_RSP_OKAY)
			st = g_sync(&a->v);
		if (st != VGPUIF_RSP_OKAY)
			a->wrong++;
		if (atomic_load_explicit(a->measuring, memory_order_relaxed)) {
			a->done++;
			if (a->nlat < a->cap)
				a->lat[a->nlat++] = simbe_now_ns() - t0;
		}
		if (atomic_load_explicit(a->stop, memory_order_relaxed))
			break;
	}
	return NULL;
}

uint64_t load_spin_module(struct gvm *v)
{
	static const char fake[] = "FAKEMOD";
	char path[4200];
	uint64_t mod = 0;
	uint32_t len = 0;
	void *img;

	if (B.fake) {
		if (g_load(v, fake, sizeof(fake) - 1, &mod) != VGPUIF_RSP_OKAY)
			exit(1);
		return mod;
	}
	snprintf(path, sizeof(path), "%s/kernels.cubin", B.self_dir);
	img = h_read_file(path, &len);
	if (!img || g_load(v, img, len, &mod) != VGPUIF_RSP_OKAY) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		exit(1);
	}
	free(img);
	return mod;
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



void run_adders(struct adder *a, int n, const int *group, double secs,
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
		pthread_create(&a[i].thr, NULL,
			       a[i].spin_us ? spinner_main : adder_main, &a[i]);
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

double us(uint64_t ns)
{
	return (double)ns / 1e3;
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
		else if (!strcmp(argv[i], "--mps-control") && i + 1 < argc)
			B.mps_control = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			B.secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "a"))
			want_a = 1;
		else if (!strcmp(argv[i], "b"))
			want_b = 1;
		else if (!strcmp(argv[i], "c"))
			want_c = 1;
		else {
			fprintf(stderr, "usage: vgpu-gpu-bench [--fake] [--native PATH] [--cuda-exec PATH] [--mps-control PATH] [--seconds S] [a] [b] [c]\n");
			return 2;
		}
	}
	if (!want_a && !want_b && !want_c)
		want_a = want_b = want_c = 1;
	if (want_a)
		bench_a();
	if (want_b)
		bench_b();
	if (want_c) {
		bench_c();
		bench_c_native();
	}
	printf("bench: ---- summary%s ----\n", B.fake ? " (FAKE device: not GPU figures)" : "");
	for (int i = 0; i < B.nsummary; i++)
		printf("bench: %s\n", B.summary[i]);
	return B.wrong ? 1 : 0;
}
