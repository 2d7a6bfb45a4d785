// SPDX-License-Identifier: MIT
/*
 * vgpu-client's threaded commands: bench (latency percentiles and
 * throughput of one operation) and stress (checked vector adds, bounded
 * by count or time, stopped early by SIGTERM/SIGINT). Each thread opens
 * the device for itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvgpu.h"
#include "lib/percentile.h"
#include "vgpu-client.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct thread_arg {
	pthread_t tid;
	unsigned int dev;	/* /dev/vgpuN */
	unsigned int index;
	enum bench_op op;
	uint32_t count;		/* ops of this thread */
	uint64_t size;		/* elements (vecadd) or bytes (memwrite) */
	uint64_t seed;
	uint64_t *lat_ns;	/* count entries (bench; stress --latency) */
	uint32_t nlat;		/* entries of lat_ns filled (stress) */
	uint32_t seconds;	/* stress --seconds: time bound, 0 none */
	uint64_t start_ns;	/* stress: when the first request completed */
	int rc, err;		/* exit code; errno of a failed call */
	const char *what;	/* the call that failed */
	uint32_t done;
};

static void *bench_thread(void *p)
{
	struct thread_arg *t = p;
	int fd = open_dev(t->dev);
	void *buf = NULL;
	uint64_t dptr = 0;
	int err = 0;

	if (fd < 0) {
		t->rc = EXIT_VGPU;
		t->err = fd;
		t->what = "open";
		return NULL;
	}
	if (t->op == B_VECADD)
		buf = malloc(12 * t->size);
	else if (t->op == B_MEMWRITE)
		buf = calloc(1, t->size);
	if (t->op != B_NOP && !buf) {
		t->rc = EXIT_VGPU;
		t->err = -ENOMEM;
		t->what = "malloc";
		goto out;
	}
	if (t->op == B_VECADD) {
		uint64_t s = t->seed;

		fill_floats(buf, 2 * (uint32_t)t->size, &s);
	}
	if (t->op == B_MEMWRITE) {
		err = vgpu_mem_alloc(fd, t->size, &dptr);
		if (err) {
			t->rc = EXIT_VGPU;
			t->err = err;
			t->what = "mem_alloc";
			goto out;
		}
	}
	for (uint32_t i = 0; i < t->count; i++) {
		uint64_t t0 = now_ns();
		float *f = buf;

		switch (t->op) {
		case B_NOP:
			err = vgpu_nop(fd);
			t->what = "nop";
			break;
		case B_VECADD:
			err = vgpu_vector_add(fd, f, f + t->size, f + 2 * t->size,
					      (uint32_t)t->size);
			t->what = "vector_add";
			break;
		case B_MEMWRITE:
			err = vgpu_mem_write(fd, dptr, buf, t->size);
			t->what = "mem_write";
			break;
		}
		t->lat_ns[i] = now_ns() - t0;
		if (err) {
			t->rc = EXIT_VGPU;
			t->err = err;
			break;
		}
		t->done++;
	}
	if (dptr) {
		err = vgpu_mem_free(fd, dptr);
		if (err && !t->rc) {
			t->rc = EXIT_VGPU;
			t->err = err;
			t->what = "mem_free";
		}
	}
out:
	free(buf);
	vgpu_close(fd);
	return NULL;
}

/*
 * stress --seconds/--latency (the lab's demo and 30-VM scenario measure the
 * wait a guest sees behind a gate: a stopped worker that every guest's
 * first requests queue up in, released at once, and stopped again to end
 * the round). Set by SIGTERM/SIGINT during a --seconds run: each thread
 * ends after its request in flight.
 */
static atomic_int stress_stop;

static void stress_on_signal(int sig)
{
	(void)sig;
	atomic_store(&stress_stop, 1);
}

/*
 * After the vector add that ran from @t0 to @t1: records its latency and
 * says whether the thread is done. Not recorded: each thread's first
 * request (it waited for the opening gate; the thread's --seconds start
 * when it completes) and one that completed after the stop signal (it
 * waited for the closing gate).
 */
static int stress_after_op(struct thread_arg *t, uint64_t t0, uint64_t t1)
{
	if (atomic_load(&stress_stop))
		return 1;
	if (t->done == 1) {
		t->start_ns = t1;
		return 0;
	}
	if (t->lat_ns)
		t->lat_ns[t->nlat++] = t1 - t0;
	return t->seconds && t1 - t->start_ns >= (uint64_t)t->seconds * 1000000000u;
}

/*
 * With --seconds, SIGTERM and SIGINT end the run early: only the calling
 * thread takes them (the stress threads inherit a mask that blocks them,
 * so no vgpu call is interrupted with EINTR). 0, or -1 if that failed.
 */
static int stress_catch_stop(sigset_t *old)
{
	struct sigaction sa = { .sa_handler = stress_on_signal };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return -1;
	return pthread_sigmask(SIG_BLOCK, &set, old) ? -1 : 0;
}

/* stress --latency's line: percentiles over every thread's samples. */
static int stress_latency(struct thread_arg *ta, unsigned int threads,
			  uint64_t *lat, uint32_t count)
{
	struct percentile_summary ps;
	size_t n = 0;

	/* Each thread's samples start at lat + i * count: pack them. */
	for (unsigned int i = 0; i < threads; i++) {
		memmove(lat + n, lat + (size_t)i * count,
			ta[i].nlat * sizeof(*lat));
		n += ta[i].nlat;
	}
	if (percentile_summarize(lat, n, &ps)) {
		fprintf(stderr, "vgpu-client: out of memory\n");
		return EXIT_VGPU;
	}
	printf("latency samples=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", n,
	       (double)ps.p50 / 1e3, (double)ps.p99 / 1e3,
	       (double)ps.max / 1e3);
	return 0;
}

static void *stress_thread(void *p)
{
	struct thread_arg *t = p;
	uint32_t max = t->size ? (uint32_t)t->size : 4096;
	float *buf = malloc(12 * (size_t)max);
	uint64_t s = t->seed;
	int fd = open_dev(t->dev);
	char tag[32];

	snprintf(tag, sizeof(tag), "stress thread=%u", t->index);
	if (fd < 0 || !buf) {
		t->rc = EXIT_VGPU;
		t->err = fd < 0 ? fd : -ENOMEM;
		t->what = fd < 0 ? "open" : "malloc";
		goto out;
	}
	for (uint32_t i = 0; i < t->count; i++) {
		uint32_t n = t->size ? max : 1 + (uint32_t)(rnd(&s) % max);
		uint64_t t0 = now_ns();

		t->rc = checked_add(fd, buf, n, rnd(&s), tag, &t->err);
		if (t->rc) {
			t->what = "vector_add";
			break;
		}
		t->done++;
		if (stress_after_op(t, t0, now_ns()))
			break;
	}
out:
	free(buf);
	if (fd >= 0)
		vgpu_close(fd);
	return NULL;
}

/* Starts @n threads of @fn, joins them; first failure's exit code. */
static int run_threads(struct thread_arg *ta, unsigned int n,
		       void *(*fn)(void *), const sigset_t *unblock)
{
	int rc = 0;
	unsigned int started = 0;

	for (; started < n; started++) {
		if (pthread_create(&ta[started].tid, NULL, fn, &ta[started])) {
			fprintf(stderr, "vgpu-client: cannot start thread %u\n",
				started);
			rc = EXIT_VGPU;
			break;
		}
	}
	/* The threads keep the blocked mask; this thread takes the signals. */
	if (unblock)
		pthread_sigmask(SIG_SETMASK, unblock, NULL);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(ta[i].tid, NULL);
	for (unsigned int i = 0; i < started; i++) {
		if (ta[i].rc && !rc) {
			rc = ta[i].rc;
			/* open_dev() has already said why it failed. */
			if (rc == EXIT_VGPU && strcmp(ta[i].what, "open")) {
				char what[64];

				snprintf(what, sizeof(what), "thread %u: %s",
					 ta[i].index, ta[i].what);
				report(what, ta[i].err);
			}
		}
	}
	return rc;
}

int cmd_bench(unsigned int dev, enum bench_op op, uint64_t size,
	      uint32_t count, unsigned int threads)
{
	static const char *const names[] = { "nop", "vecadd", "memwrite" };
	struct thread_arg *ta = calloc(threads, sizeof(*ta));
	uint64_t *lat = calloc((size_t)threads * count, sizeof(*lat));
	struct percentile_summary ps;
	uint64_t t0, wall, total = 0;
	double secs;
	int rc;

	if (!ta || !lat) {
		free(ta);
		free(lat);
		fprintf(stderr, "vgpu-client: out of memory\n");
		return EXIT_VGPU;
	}
	for (unsigned int i = 0; i < threads; i++)
		ta[i] = (struct thread_arg){
			.dev = dev, .index = i, .op = op, .count = count, .size = size,
			.seed = 1 + i, .lat_ns = lat + (size_t)i * count,
		};
	t0 = now_ns();
	rc = run_threads(ta, threads, bench_thread, NULL);
	wall = now_ns() - t0;
	if (rc)
		goto out;
	for (unsigned int i = 0; i < threads; i++)
		total += ta[i].done;
	if (percentile_summarize(lat, total, &ps)) {
		fprintf(stderr, "vgpu-client: out of memory\n");
		rc = EXIT_VGPU;
		goto out;
	}
	secs = (double)wall / 1e9;
	printf("bench op=%s", names[op]);
	if (op == B_VECADD)
		printf(" n=%llu", (unsigned long long)size);
	if (op == B_MEMWRITE)
		printf(" bytes=%llu", (unsigned long long)size);
	printf(" count=%u threads=%u total=%llu p50_us=%.1f p99_us=%.1f max_us=%.1f ops_per_s=%.0f",
	       count, threads, (unsigned long long)total, (double)ps.p50 / 1e3,
	       (double)ps.p99 / 1e3, (double)ps.max / 1e3,
	       secs > 0 ? (double)total / secs : 0.0);
	if (op == B_MEMWRITE)
		printf(" mb_per_s=%.1f",
		       secs > 0 ? (double)total * (double)size / 1e6 / secs : 0.0);
	printf("\n");
out:
	free(ta);
	free(lat);
	return rc;
}

int cmd_stress(unsigned int dev, uint32_t n, unsigned int threads,
	       uint32_t size, uint32_t seconds, int latency)
{
	struct thread_arg *ta = calloc(threads, sizeof(*ta));
	uint64_t *lat = latency ? calloc((size_t)threads * n, sizeof(*lat)) : NULL;
	unsigned long long ops = 0;
	sigset_t old;
	int rc;

	if (!ta || (latency && !lat)) {
		free(ta);
		free(lat);
		fprintf(stderr, "vgpu-client: out of memory\n");
		return EXIT_VGPU;
	}
	for (unsigned int i = 0; i < threads; i++)
		ta[i] = (struct thread_arg){
			.dev = dev, .index = i, .count = n, .size = size,
			.seed = 0x9e3779b97f4a7c15ull * (i + 1),
			.lat_ns = lat ? lat + (size_t)i * n : NULL,
			.seconds = seconds,
		};
	atomic_store(&stress_stop, 0);
	if (seconds && stress_catch_stop(&old)) {
		free(ta);
		free(lat);
		fprintf(stderr, "vgpu-client: cannot catch SIGTERM\n");
		return EXIT_VGPU;
	}
	rc = run_threads(ta, threads, stress_thread, seconds ? &old : NULL);
	for (unsigned int i = 0; i < threads; i++)
		ops += ta[i].done;
	if (!rc && seconds)
		printf("stress threads=%u n=%u seconds=%u ops=%llu ok\n",
		       threads, n, seconds, ops);
	else if (!rc)
		printf("stress threads=%u n=%u ops=%llu ok\n", threads, n, ops);
	if (!rc && latency)
		rc = stress_latency(ta, threads, lat, n);
	free(ta);
	free(lat);
	return rc;
}
