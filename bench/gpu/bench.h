/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks of vgpu-gpu-bench share (gpu_bench.c): the run's
 * state and summary, the native anchors' invocation, the harness with
 * bench settings and the closed-loop vector adders.
 */
#ifndef VGPU_BENCH_GPU_BENCH_H
#define VGPU_BENCH_GPU_BENCH_H

#include <pthread.h>
#include <stdint.h>

#include "lib/percentile.h"
#include "tests/sim/harness.h"

#define MiB	(1u << 20)

struct bench_state {
	int fake;
	char self_dir[4096];
	char native[4200];
	const char *cuda_exec;
	const char *mps_control;	/* nvidia-cuda-mps-control, or NULL */
	double secs;
	int wrong;
	char native_big[4096];
	char summary[96][320];
	int nsummary;
};
extern struct bench_state B;

/* A line of the summary printed last (and now). */
void summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vgpu-gpu-native ARGS; its "key=value" output in @out. 0 or -1. */
int run_native(const char *args, char *out, size_t len);
/* The value of "key=" in such output, or 0. */
double nget(const char *out, const char *key);

/* The worker's settings for one measurement. */
struct knobs {
	uint32_t turn_quota;
	uint32_t copy_threads;
	uint32_t slot_size;
	uint32_t slots;
	uint32_t max_running;
	uint32_t prio_share;
	uint32_t prio_hold_us;
	const char *sched;		/* CUDA context scheduling */
	const char *sched_mode;		/* strict, weighted, aging; NULL: default */
	uint32_t spare;			/* exec-spare; UINT32_MAX: default */
	const char *mps_pipe;		/* exec-mps-pipe; NULL: none */
	uint32_t mps_pct;		/* exec-mps-lower-percent; 0: default */
};
#define KNOBS_DEFAULT { .copy_threads = UINT32_MAX, .prio_hold_us = UINT32_MAX, \
			.prio_share = UINT32_MAX, .spare = UINT32_MAX }
void start(struct harness *h, const struct knobs *k);
/* Waits until every VM's process is up: one GET_INFO each. Device free memory. */
uint64_t warm(struct gvm *v, int n);

/*
 * A closed-loop VM: @depth requests in flight, each a vector add of @n
 * floats, or, with @spin_us, a LAUNCH of module @mod's kernel "spin_us"
 * (the fake device's "sleep_ms") that keeps the GPU busy that long.
 */
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
	uint64_t mod;
	uint32_t spin_us;
};

struct run_result {
	double adds_per_s[2];		/* group 0, group 1 */
	struct percentile_summary lat[2];
	uint64_t wrong;
};

/*
 * Runs the adders (group[i] of each: 0 or 1) for @secs after a warm-up;
 * sums throughput and latency per group.
 */
void run_adders(struct adder *a, int n, const int *group, double secs,
		struct run_result *res);
/* A module with the "spin_us" kernel (kernels.cubin), loaded in @v. */
uint64_t load_spin_module(struct gvm *v);
double us(uint64_t ns);

void bench_a(void);
void bench_b(void);
void bench_c(void);
/* (c), what the GPU offers without vgpu: bench_priority.c. */
void bench_c_native(void);

#endif
