// SPDX-License-Identifier: MIT
/*
 * vgpu-client: exercise /dev/vgpuN from a guest. Output is machine-parsable
 * (key=value); Documentation/client.md describes every command.
 *
 * Exit status: 0 ok, 1 a vgpu call failed (the message names the errno and
 * its meaning), 2 usage, 3 a result was wrong (mismatch).
 *
 * Over 700 lines on purpose: one function per command, all sharing the
 * option parsing and key=value output here; the calls are libvgpu.c's,
 * the number parsing and percentiles lib/'s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvgpu.h"
#include "lib/parse.h"
#include "lib/percentile.h"

#define EXIT_VGPU	1
#define EXIT_USAGE	2
#define EXIT_MISMATCH	3

static unsigned int dev_index;

static void usage(FILE *f)
{
	fprintf(f,
"usage: vgpu-client [-d N] COMMAND [ARGS]\n"
"  -d, --device N          use /dev/vgpuN (default 0)\n"
"commands:\n"
"  info                    device and VM settings, key=value lines\n"
"  nop                     one round trip to the host's worker\n"
"  add A B                 vector add of one element; prints A+B\n"
"  vecadd N [--seed S]     add two generated N-element vectors, check all\n"
"  memtest BYTES           alloc, write a pattern, read back, compare\n"
"  bench nop|vecadd N|memwrite BYTES [--count K] [--threads T]\n"
"                          latency p50/p99/max (us), throughput\n"
"  stress N [--threads T] [--size E] [--seconds S] [--latency]\n"
"                          T threads, N checked vector adds each (or S s)\n"
"BYTES takes a K, M, G or T suffix (powers of 1024).\n");
}

static int report(const char *what, int err)
{
	fprintf(stderr, "vgpu-client: %s: %s: %s\n", what, vgpu_errname(err),
		vgpu_strerror(err));
	return EXIT_VGPU;
}

static int open_dev(void)
{
	int fd = vgpu_open(dev_index);

	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV)
		fprintf(stderr, "vgpu-client: vgpu%u: %s (is vgpu-front loaded and connected?)\n",
			dev_index, strerror(-fd));
	else if (fd < 0)
		fprintf(stderr, "vgpu-client: vgpu%u: %s: %s\n", dev_index,
			vgpu_errname(fd), strerror(-fd));
	return fd;
}

static int parse_u32(const char *s, uint32_t *out, uint32_t min, uint32_t max)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible data from a seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void fill_floats(float *v, uint32_t n, uint64_t *seed)
{
	/* Exactly representable values of moderate size: no NaN, no inf. */
	for (uint32_t i = 0; i < n; i++)
		v[i] = (float)((int64_t)(rnd(seed) % 2000001) - 1000000) / 64.0f;
}

/* First index where c != a + b in float32, or -1. */
static long check_sum(const float *a, const float *b, const float *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		float want = a[i] + b[i];

		if (memcmp(&want, &c[i], sizeof(want)))
			return (long)i;
	}
	return -1;
}

/* ---- commands ---- */

static int cmd_info(int fd)
{
	struct vgpu_info info;
	int err = vgpu_info(fd, &info);
	static const char *const prios[] = { "high", "medium", "low" };

	if (err)
		return report("info", err);
	info.device_name[sizeof(info.device_name) - 1] = '\0';
	if (info.pool < 26)
		printf("pool=%c\n", 'A' + info.pool);
	else
		printf("pool=%u\n", info.pool);
	printf("priority=%s\n", info.priority < 3 ? prios[info.priority] : "unknown");
	printf("vm_id=%u\n", info.vm_id);
	printf("protocol_version=%u\n", info.protocol_version);
	printf("api_version=%u\n", info.api_version);
	printf("device_name=%s\n", info.device_name);
	printf("gpu=%d\n", info.flags & VGPU_INFO_F_GPU ? 1 : 0);
	printf("mem_total=%llu\n", (unsigned long long)info.mem_total);
	printf("mem_free=%llu\n", (unsigned long long)info.mem_free);
	printf("mem_quota=%llu\n", (unsigned long long)info.mem_quota);
	printf("mem_used=%llu\n", (unsigned long long)info.mem_used);
	return 0;
}

static int cmd_nop(int fd)
{
	int err = vgpu_nop(fd);

	if (err)
		return report("nop", err);
	printf("nop ok\n");
	return 0;
}

static int parse_float(const char *s, float *out)
{
	char *end;

	errno = 0;
	*out = strtof(s, &end);
	return errno || end == s || *end ? -1 : 0;
}

static int cmd_add(int fd, float a, float b)
{
	float c = 0;
	int err = vgpu_vector_add(fd, &a, &b, &c, 1);

	if (err)
		return report("vector_add", err);
	printf("%g\n", c);
	return 0;
}

/* One checked vector add of n elements from seed; 0, EXIT_VGPU or EXIT_MISMATCH. */
static int checked_add(int fd, float *buf, uint32_t n, uint64_t seed,
		       const char *tag, int *err_out)
{
	float *a = buf, *b = buf + n, *c = buf + 2 * (size_t)n;
	uint64_t s = seed ? seed : 1;
	long bad;
	int err;

	fill_floats(a, n, &s);
	fill_floats(b, n, &s);
	memset(c, 0xff, sizeof(float) * n);	/* NaN: a missed write shows */
	err = vgpu_vector_add(fd, a, b, c, n);
	if (err) {
		*err_out = err;
		return EXIT_VGPU;
	}
	bad = check_sum(a, b, c, n);
	if (bad >= 0) {
		printf("%s n=%u mismatch i=%ld a=%.9g b=%.9g want=%.9g got=%.9g\n",
		       tag, n, bad, a[bad], b[bad], a[bad] + b[bad], c[bad]);
		return EXIT_MISMATCH;
	}
	return 0;
}

static int cmd_vecadd(int fd, uint32_t n, uint64_t seed)
{
	float *buf = malloc(12 * (size_t)n);
	int err = 0, rc;

	if (!buf) {
		fprintf(stderr, "vgpu-client: out of memory\n");
		return EXIT_VGPU;
	}
	rc = checked_add(fd, buf, n, seed, "vecadd", &err);
	if (rc == EXIT_VGPU)
		report("vector_add", err);
	else if (!rc)
		printf("vecadd n=%u ok\n", n);
	free(buf);
	return rc;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int cmd_memtest(int fd, uint64_t bytes)
{
	uint8_t *in = malloc(bytes), *out = malloc(bytes);
	uint64_t dptr = 0, seed = bytes, hin, hout;
	int err, rc = 0;

	if (!in || !out) {
		free(in);
		free(out);
		fprintf(stderr, "vgpu-client: out of memory for %llu bytes\n",
			(unsigned long long)bytes);
		return EXIT_VGPU;
	}
	for (uint64_t i = 0; i < bytes; i += 8) {
		uint64_t v = rnd(&seed);

		memcpy(in + i, &v, bytes - i < 8 ? bytes - i : 8);
	}
	memset(out, 0, bytes);
	err = vgpu_mem_alloc(fd, bytes, &dptr);
	if (err) {
		rc = report("mem_alloc", err);
		goto out;
	}
	err = vgpu_mem_write(fd, dptr, in, bytes);
	if (err) {
		rc = report("mem_write", err);
		goto free_dev;
	}
	err = vgpu_mem_read(fd, dptr, out, bytes);
	if (err) {
		rc = report("mem_read", err);
		goto free_dev;
	}
	hin = fnv1a(in, bytes);
	hout = fnv1a(out, bytes);
	printf("memtest bytes=%llu dptr=0x%llx written=0x%016llx read=0x%016llx %s\n",
	       (unsigned long long)bytes, (unsigned long long)dptr,
	       (unsigned long long)hin, (unsigned long long)hout,
	       hin == hout && !memcmp(in, out, bytes) ? "ok" : "mismatch");
	if (hin != hout || memcmp(in, out, bytes))
		rc = EXIT_MISMATCH;
free_dev:
	err = vgpu_mem_free(fd, dptr);
	if (err && !rc)
		rc = report("mem_free", err);
out:
	free(in);
	free(out);
	return rc;
}

/* ---- bench and stress: threads ---- */

enum bench_op { B_NOP, B_VECADD, B_MEMWRITE };

struct thread_arg {
	pthread_t tid;
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
	int fd = open_dev();
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
	int fd = open_dev();
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

static int cmd_bench(enum bench_op op, uint64_t size, uint32_t count,
		     unsigned int threads)
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
			.index = i, .op = op, .count = count, .size = size,
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

static int cmd_stress(uint32_t n, unsigned int threads, uint32_t size,
		      uint32_t seconds, int latency)
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
			.index = i, .count = n, .size = size,
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

/* ---- main ---- */

struct sub_opts {
	uint64_t seed;
	uint32_t count;
	uint32_t threads;
	uint32_t size;
	uint32_t seconds;	/* stress --seconds */
	int have_count;
	int latency;		/* stress --latency */
};

/*
 * Parses --seed/--count/--threads/--size anywhere among a command's
 * arguments; argv[0] is the command (getopt skips it like a program name).
 * *args gets the operands.
 */
static int parse_sub(int argc, char **argv, struct sub_opts *o, int *nargs,
		     char ***args)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "latency", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;	/* glibc: start over, permuting */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 's':
			bad = parse_u64(optarg, &o->seed);
			break;
		case 'n':
			bad = parse_u32(optarg, &o->count, 1, 100000000);
			o->have_count = 1;
			break;
		case 't':
			bad = parse_u32(optarg, &o->threads, 1, 1024);
			break;
		case 'z':
			bad = parse_u32(optarg, &o->size, 1, VGPU_VECTOR_ADD_MAX);
			break;
		case 'S':
			bad = parse_u32(optarg, &o->seconds, 1, 86400);
			break;
		case 'L':
			o->latency = 1;
			break;
		default:
			return -1;
		}
		if (bad) {
			fprintf(stderr, "vgpu-client: bad value '%s'\n", optarg);
			return -1;
		}
	}
	*nargs = argc - optind;
	*args = argv + optind;
	return 0;
}

enum cmd_kind { C_INFO, C_NOP, C_ADD, C_VECADD, C_MEMTEST, C_BENCH, C_STRESS };

struct command {
	enum cmd_kind kind;
	enum bench_op op;
	float a, b;		/* add */
	uint64_t size;		/* elements or bytes */
	uint32_t n;		/* vecadd, stress */
};

/* Checks a command's operands; 0, or -1 for a usage error. */
static int parse_command(const char *cmd, int argc, char **argv,
			 struct command *c)
{
	if (!strcmp(cmd, "info") && argc == 0) {
		c->kind = C_INFO;
		return 0;
	}
	if (!strcmp(cmd, "nop") && argc == 0) {
		c->kind = C_NOP;
		return 0;
	}
	if (!strcmp(cmd, "add") && argc == 2 && !parse_float(argv[0], &c->a) &&
	    !parse_float(argv[1], &c->b)) {
		c->kind = C_ADD;
		return 0;
	}
	if (!strcmp(cmd, "vecadd") && argc == 1 &&
	    !parse_u32(argv[0], &c->n, 1, VGPU_VECTOR_ADD_MAX)) {
		c->kind = C_VECADD;
		return 0;
	}
	if (!strcmp(cmd, "memtest") && argc == 1 &&
	    !parse_size(argv[0], &c->size) && c->size >= 1 &&
	    c->size <= VGPU_XFER_MAX) {
		c->kind = C_MEMTEST;
		return 0;
	}
	if (!strcmp(cmd, "stress") && argc == 1 &&
	    !parse_u32(argv[0], &c->n, 1, 100000000)) {
		c->kind = C_STRESS;
		return 0;
	}
	if (!strcmp(cmd, "bench") && argc >= 1) {
		uint32_t n;

		c->kind = C_BENCH;
		if (!strcmp(argv[0], "nop") && argc == 1) {
			c->op = B_NOP;
			return 0;
		}
		if (!strcmp(argv[0], "vecadd") && argc == 2 &&
		    !parse_u32(argv[1], &n, 1, VGPU_VECTOR_ADD_MAX)) {
			c->op = B_VECADD;
			c->size = n;
			return 0;
		}
		if (!strcmp(argv[0], "memwrite") && argc == 2 &&
		    !parse_size(argv[1], &c->size) && c->size >= 1 &&
		    c->size <= VGPU_XFER_MAX) {
			c->op = B_MEMWRITE;
			return 0;
		}
	}
	fprintf(stderr, "vgpu-client: bad command or arguments: %s\n", cmd);
	return -1;
}

static int run_command(int fd, const struct command *c,
		       const struct sub_opts *o)
{
	switch (c->kind) {
	case C_INFO:
		return cmd_info(fd);
	case C_NOP:
		return cmd_nop(fd);
	case C_ADD:
		return cmd_add(fd, c->a, c->b);
	case C_VECADD:
		return cmd_vecadd(fd, c->n, o->seed);
	case C_MEMTEST:
		return cmd_memtest(fd, c->size);
	case C_BENCH:
		return cmd_bench(c->op, c->size,
				 o->have_count ? o->count :
				 c->op == B_NOP ? 1000 : 100, o->threads);
	case C_STRESS:
		return cmd_stress(c->n, o->threads, o->size, o->seconds,
				  o->latency);
	}
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sub_opts o = { .seed = 1, .threads = 1 };
	struct command command = { 0 };
	const char *cmd;
	char **args;
	int c, nargs, fd, rc;

	dev_index = 0;

	/* '+': options before the command only; the command parses its own. */
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_u32(optarg, &dev_index, 0, 255)) {
				fprintf(stderr, "vgpu-client: bad device index '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	/*
	 * Only these take options; the others' operands may look like one
	 * ("add -1 2").
	 */
	if (strcmp(cmd, "vecadd") && strcmp(cmd, "bench") && strcmp(cmd, "stress")) {
		nargs = argc - optind - 1;
		args = argv + optind + 1;
	} else if (parse_sub(argc - optind, argv + optind, &o, &nargs, &args)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_command(cmd, nargs, args, &command)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Threaded commands open one descriptor per thread. */
	if (command.kind == C_BENCH || command.kind == C_STRESS)
		return run_command(-1, &command, &o);
	fd = open_dev();
	if (fd < 0)
		return EXIT_VGPU;
	rc = run_command(fd, &command, &o);
	vgpu_close(fd);
	return rc;
}
