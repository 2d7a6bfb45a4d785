// SPDX-License-Identifier: MIT
/*
 * vgpu-client's commands on one descriptor (info, nop, add, vecadd,
 * memtest), and what every command shares: the error line, opening the
 * device, the generated data and the checked vector add.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvgpu.h"
#include "vgpu-client.h"

int report(const char *what, int err)
{
	fprintf(stderr, "vgpu-client: %s: %s: %s\n", what, vgpu_errname(err),
		vgpu_strerror(err));
	return EXIT_VGPU;
}

int open_dev(unsigned int dev)
{
	int fd = vgpu_open(dev);

	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV)
		fprintf(stderr, "vgpu-client: vgpu%u: %s (is vgpu-front loaded and connected?)\n",
			dev, strerror(-fd));
	else if (fd < 0)
		fprintf(stderr, "vgpu-client: vgpu%u: %s: %s\n", dev,
			vgpu_errname(fd), strerror(-fd));
	return fd;
}

/* xorshift64*: reproducible data from a seed. */
uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

void fill_floats(float *v, uint32_t n, uint64_t *seed)
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

int cmd_info(int fd)
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

int cmd_nop(int fd)
{
	int err = vgpu_nop(fd);

	if (err)
		return report("nop", err);
	printf("nop ok\n");
	return 0;
}

int cmd_add(int fd, float a, float b)
{
	float c = 0;
	int err = vgpu_vector_add(fd, &a, &b, &c, 1);

	if (err)
		return report("vector_add", err);
	printf("%g\n", c);
	return 0;
}

/* One checked vector add of n elements from seed; 0, EXIT_VGPU or EXIT_MISMATCH. */
int checked_add(int fd, float *buf, uint32_t n, uint64_t seed,
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

int cmd_vecadd(int fd, uint32_t n, uint64_t seed)
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

int cmd_memtest(int fd, uint64_t bytes)
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
