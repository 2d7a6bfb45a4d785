// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: the Xen lab's block anchor. O_DIRECT reads on a block device
 * (blkfront in a guest), timed with CLOCK_MONOTONIC, printed as one line of
 * KEY=VALUE pairs that the lab harness collects:
 *
 *   blk4k_p50_us=.. blk4k_p99_us=.. blk4k_mean_us=.. blk4k_n=..
 *   blk1m_MBps=.. blk1m_p50_us=.. blk1m_n=.. dev_MiB=..
 *
 * 4 KiB reads go to pseudo-random 4 KiB-aligned offsets (fixed seed, so runs
 * are comparable); 1 MiB reads are sequential and wrap at the end of the
 * device. MBps is 10^6 bytes per second. A few untimed reads warm up each
 * phase.
 *
 * usage: blkbench [-n N4K] [-m N1M] [-w WARMUP] [-p PREFIX] DEVICE
 *   -n  number of timed 4 KiB reads (default 2000; 0 skips the phase)
 *   -m  number of timed 1 MiB reads (default 64; 0 skips the phase)
 *   -w  untimed warm-up reads per phase (default 20)
 *   -p  prefix of the keys instead of "blk" (e.g. -p xvdb)
 *
 * Built static (C11) by tests/xen/guest/Makefile; runs in the busybox guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SMALL 4096u
#define LARGE (1024u * 1024u)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "blkbench: pread %zu at %lld: %s\n", len,
				(long long)off, r < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static long parse_count(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 100000000) {
		fprintf(stderr, "blkbench: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long n4k = 2000, n1m = 64, warm = 20;
	const char *prefix = "blk";
	double *lat;
	void *buf;
	off_t size;
	int fd, opt;

	while ((opt = getopt(argc, argv, "n:m:w:p:")) != -1) {
		switch (opt) {
		case 'n':
			n4k = parse_count(optarg, "-n");
			break;
		case 'm':
			n1m = parse_count(optarg, "-m");
			break;
		case 'w':
			warm = parse_count(optarg, "-w");
			break;
		case 'p':
			prefix = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;

	fd = open(argv[optind], O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkbench: open %s O_DIRECT: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < (off_t)LARGE) {
		fprintf(stderr, "blkbench: %s: size %lld, need at least 1 MiB\n",
			argv[optind], (long long)size);
		return 1;
	}
	if (posix_memalign(&buf, SMALL, LARGE)) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}
	lat = calloc((size_t)(n4k > n1m ? n4k : n1m) + 1, sizeof(*lat));
	if (!lat) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}

	if (n4k > 0) {
		uint64_t blocks = (uint64_t)size / SMALL;
		double sum = 0;

		for (long i = 0; i < warm + n4k; i++) {
			off_t off = (off_t)(rng() % blocks) * SMALL;
			double t0 = now_us();

			if (read_at(fd, buf, SMALL, off))
				return 1;
			if (i >= warm) {
				lat[i - warm] = now_us() - t0;
				sum += lat[i - warm];
			}
		}
		qsort(lat, (size_t)n4k, sizeof(*lat), cmp_double);
		printf("%s4k_p50_us=%.1f %s4k_p99_us=%.1f %s4k_mean_us=%.1f %s4k_n=%ld ",
		       prefix, pct(lat, (size_t)n4k, 50), prefix,
		       pct(lat, (size_t)n4k, 99), prefix, sum / (double)n4k,
		       prefix, n4k);
	}

	if (n1m > 0) {
		uint64_t chunks = (uint64_t)size / LARGE;
		double t_start = 0, total;

		for (long i = 0; i < warm + n1m; i++) {
			off_t off = (off_t)((uint64_t)i % chunks) * LARGE;
			double t0 = now_us();

			if (i == warm)
				t_start = t0;
			if (read_at(fd, buf, LARGE, off))
				return 1;
			if (i >= warm)
				lat[i - warm] = now_us() - t0;
		}
		total = now_us() - t_start;
		qsort(lat, (size_t)n1m, sizeof(*lat), cmp_double);
		printf("%s1m_MBps=%.1f %s1m_p50_us=%.1f %s1m_n=%ld ", prefix,
		       (double)n1m * LARGE / total, prefix,
		       pct(lat, (size_t)n1m, 50), prefix, n1m);
	}
	printf("dev_MiB=%lld\n", (long long)(size / LARGE));
	free(lat);
	free(buf);
	close(fd);
	return 0;

usage:
	fprintf(stderr,
		"usage: blkbench [-n N4K] [-m N1M] [-w WARMUP] [-p PREFIX] DEVICE\n");
	return 2;
}
