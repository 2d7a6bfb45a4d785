// SPDX-License-Identifier: MIT
/*
 * vgpuops2: the ioctls of issue 18 through a guest's /dev/vgpu0, against
 * the CPU executor (the lab has no GPU): MEM_SET in 1-, 2- and 4-byte
 * elements, MEM_COPY between and within allocations, their ERANGE and
 * ENOENT, MODULE_GET_GLOBAL without a module of this file (ENOENT: the
 * frontend refuses it before the host, which has no modules either),
 * FUNC_ATTRS likewise (ENOENT, and EINVAL or E2BIG for a bad argument),
 * DEVICE_ATTRS (the CPU executor's documented table: warp 32, 1024
 * threads per block, compute capability 9.0, PCI ids 0, a version-8 UUID)
 * and EVENT_RECORD (host clock; two records 5 ms apart differ by at least
 * that). SUBMIT: 64 MEM_SETs and MEM_COPYs in one call checked byte for
 * byte; a batch with a bad element in the middle (done and issued are its
 * index, the elements before it applied, those after it not); bad headers
 * and elements. Then, for the record, 1024 MEM_SETs one ioctl each and in
 * SUBMITs of 64 (the ratio; no check on it). Prints "vgpuops2: ok" and
 * exits 0, or names the first failed check and exits 1.
 *
 *   vgpuops2 [DEVICE]       (default /dev/vgpu0)
 *   vgpuops2 --bench N [DEVICE]
 *       N MEM_SETs (rounded up to 64) one ioctl each, then in SUBMITs of
 *       64: "memset_us=... memset_submit64_us=..." per operation
 *       (split-bench, make bench)
 *   vgpuops2 --submit-load [DEVICE]
 *       SUBMITs of 64 MEM_SETs until killed: a load for the lab's faults
 *       phase, which kills it with requests in flight and checks that
 *       every grant and request comes back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vgpu.h>

#define SZ	65536u

static int fd;

static int fail(const char *what, int err)
{
	printf("vgpuops2: FAIL: %s (%s)\n", what, err ? strerror(err) : "wrong result");
	exit(1);
}

/* The ioctl's errno, 0 on success. */
static int io(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void expect(const char *what, int got, int want)
{
	if (got != want) {
		printf("vgpuops2: FAIL: %s: %s, expected %s\n", what,
		       got ? strerror(got) : "success",
		       want ? strerror(want) : "success");
		exit(1);
	}
}

static int mem_set(uint64_t dptr, uint64_t size, uint32_t v, uint32_t e)
{
	struct vgpu_mem_set m = { .dptr = dptr, .size = size, .value = v,
				  .elem_size = e };

	return io(VGPU_IOC_MEM_SET, &m);
}

static int mem_copy(uint64_t dst, uint64_t src, uint64_t size)
{
	struct vgpu_mem_copy c = { .dst = dst, .src = src, .size = size };

	return io(VGPU_IOC_MEM_COPY, &c);
}

static void check_memory(void)
{
	struct vgpu_mem_alloc a = { .size = SZ }, b = { .size = SZ };
	static uint8_t buf[SZ];
	struct vgpu_mem_xfer x = { .buf = (uint64_t)(uintptr_t)buf, .len = SZ };

	expect("alloc a", io(VGPU_IOC_MEM_ALLOC, &a), 0);
	expect("alloc b", io(VGPU_IOC_MEM_ALLOC, &b), 0);
	expect("memset8", mem_set(a.dptr, SZ, 0x3c, 1), 0);
	expect("memset16", mem_set(a.dptr + 256, 256, 0xabcd, 2), 0);
	expect("memset32", mem_set(a.dptr + 512, 256, 0x11223344, 4), 0);
	expect("copy a to b", mem_copy(b.dptr, a.dptr, SZ), 0);
	x.dptr = b.dptr;
	expect("read b", io(VGPU_IOC_MEM_READ, &x), 0);
	for (uint32_t i = 0; i < SZ; i++) {
		uint8_t want = 0x3c;

		if (i >= 256 && i < 512)
			want = (i & 1) ? 0xab : 0xcd;
		else if (i >= 512 && i < 768)
			want = (uint8_t)(0x11223344u >> (8 * (i & 3)));
		if (buf[i] != want) {
			printf("vgpuops2: FAIL: byte %u is 0x%02x, expected 0x%02x\n",
			       i, buf[i], want);
			exit(1);
		}
	}
	expect("copy within a", mem_copy(a.dptr + SZ / 2, a.dptr, SZ / 2), 0);
	expect("memset past the end", mem_set(a.dptr + SZ - 4, 8, 0, 4), ERANGE);
	expect("copy past the end", mem_copy(a.dptr + 1, b.dptr, SZ), ERANGE);
	expect("memset of no allocation", mem_set(a.dptr + SZ, 4, 0, 4), ENOENT);
	expect("memset misaligned", mem_set(a.dptr + 2, 4, 0, 4), EINVAL);
	expect("memset8 of 0x100", mem_set(a.dptr, 1, 0x100, 1), EINVAL);
	expect("memset elem_size 3", mem_set(a.dptr, 3, 0, 3), EINVAL);
	expect("copy of 0 bytes", mem_copy(a.dptr, b.dptr, 0), EINVAL);
	expect("free a", io(VGPU_IOC_MEM_FREE, &(struct vgpu_mem_free){ a.dptr }), 0);
	expect("memset of a freed one", mem_set(a.dptr, 4, 0, 4), ENOENT);
	expect("free b", io(VGPU_IOC_MEM_FREE, &(struct vgpu_mem_free){ b.dptr }), 0);
}

static void check_global(void)
{
	static const char name[] = "vgpu_global";
	struct vgpu_module_global g = {
		.module = 1, .name = (uint64_t)(uintptr_t)name,
		.name_len = sizeof(name) - 1,
	};

	expect("get_global of a module not loaded here",
	       io(VGPU_IOC_MODULE_GET_GLOBAL, &g), ENOENT);
	g.reserved = 1;
	expect("get_global with reserved set",
	       io(VGPU_IOC_MODULE_GET_GLOBAL, &g), EINVAL);
}

/*
 * FUNC_ATTRS: the driver knows the ioctl (not ENOTTY) and checks it as
 * MODULE_GET_GLOBAL's; with no module of this file (the CPU executor loads
 * none) it ends at the frontend, ENOENT. The host's NOT_SUPPORTED behind
 * it is test_exec_cpu_ops2's.
 */
static void check_func_attrs(void)
{
	static const char name[] = "fill32";
	struct vgpu_func_attrs f = {
		.module = 1, .name = (uint64_t)(uintptr_t)name,
		.name_len = sizeof(name) - 1,
	};

	expect("func_attrs of a module not loaded here",
	       io(VGPU_IOC_FUNC_ATTRS, &f), ENOENT);
	f.name_len = VGPU_FUNC_NAME_MAX + 1;
	expect("func_attrs of a name too long",
	       io(VGPU_IOC_FUNC_ATTRS, &f), E2BIG);
	f.name_len = 0;
	expect("func_attrs of an empty name",
	       io(VGPU_IOC_FUNC_ATTRS, &f), EINVAL);
	f.name_len = sizeof(name) - 1;
	f.reserved = 1;
	expect("func_attrs with reserved set",
	       io(VGPU_IOC_FUNC_ATTRS, &f), EINVAL);
}

static void check_attrs(void)
{
	struct vgpu_device_attrs a;
	const int32_t *x = a.attr;
	int zero = 1;

	memset(&a, 0xff, sizeof(a));
	expect("device_attrs", io(VGPU_IOC_DEVICE_ATTRS, &a), 0);
	printf("vgpuops2: attrs name=%s nr=%u cc=%d.%d sms=%d warp=%d total=%llu uuid=%02x%02x%02x%02x\n",
	       a.name, a.nr_attrs, x[VGPU_ATTR_COMPUTE_CAPABILITY_MAJOR],
	       x[VGPU_ATTR_COMPUTE_CAPABILITY_MINOR],
	       x[VGPU_ATTR_MULTIPROCESSOR_COUNT], x[VGPU_ATTR_WARP_SIZE],
	       (unsigned long long)a.total_mem, a.uuid[0], a.uuid[1],
	       a.uuid[2], a.uuid[3]);
	for (int i = VGPU_NR_ATTRS; i < VGPU_ATTR_SLOTS; i++)
		zero &= !x[i];
	if (a.nr_attrs != VGPU_NR_ATTRS || strcmp(a.name, "cpu") ||
	    x[VGPU_ATTR_WARP_SIZE] != 32 ||
	    x[VGPU_ATTR_MAX_THREADS_PER_BLOCK] != 1024 ||
	    x[VGPU_ATTR_COMPUTE_CAPABILITY_MAJOR] != 9 ||
	    x[VGPU_ATTR_PCI_BUS_ID] || x[VGPU_ATTR_PCI_DEVICE_ID] ||
	    (a.uuid[6] >> 4) != 8 || !a.total_mem || !zero)
		fail("device_attrs: not the CPU executor's table", 0);
}

static uint64_t record(uint32_t *flags)
{
	struct vgpu_event_record e = { 0 };

	expect("event_record", io(VGPU_IOC_EVENT_RECORD, &e), 0);
	*flags = e.flags;
	return e.time_ns;
}

static void check_events(void)
{
	struct timespec ts = { .tv_nsec = 5000000 };
	uint32_t f1, f2;
	uint64_t t1 = record(&f1), t2;

	nanosleep(&ts, NULL);
	t2 = record(&f2);
	printf("vgpuops2: event_record 5 ms apart: %.3f ms, flags %u\n",
	       (double)(t2 - t1) / 1e6, f2);
	if (t2 < t1 || t2 - t1 < 5000000 || f1 != VGPU_EVENT_F_HOST_CLOCK ||
	    f2 != VGPU_EVENT_F_HOST_CLOCK)
		fail("event_record: not a host clock 5 ms apart", 0);
}

#define CHUNKS	32
#define CHUNK	(SZ / CHUNKS)

static int submit(struct vgpu_submit_op *ops, uint32_t n, uint32_t *done,
		  uint32_t *issued)
{
	struct vgpu_submit s = { .ops = (uint64_t)(uintptr_t)ops, .count = n,
				 .done = 0xdead, .issued = 0xbeef };
	int err = io(VGPU_IOC_SUBMIT, &s);

	*done = s.done;
	*issued = s.issued;
	return err;
}

static void expect_u32(const char *what, uint32_t got, uint32_t want)
{
	if (got != want) {
		printf("vgpuops2: FAIL: %s is %u, expected %u\n", what, got, want);
		exit(1);
	}
}

static void read_check(const char *what, uint64_t dptr, const uint8_t *want)
{
	static uint8_t buf[SZ];
	struct vgpu_mem_xfer x = { .dptr = dptr, .buf = (uint64_t)(uintptr_t)buf,
				   .len = SZ };

	expect(what, io(VGPU_IOC_MEM_READ, &x), 0);
	for (uint32_t i = 0; i < SZ; i++) {
		if (buf[i] != want[i]) {
			printf("vgpuops2: FAIL: %s: byte %u is 0x%02x, expected 0x%02x\n",
			       what, i, buf[i], want[i]);
			exit(1);
		}
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * @n MEM_SETs (a multiple of 64) one ioctl each, then in SUBMITs of 64,
 * same boot: microseconds per operation each way.
 */
static void time_submit(uint64_t dptr, int n, double *single, double *batch)
{
	static struct vgpu_mem_set m[64];
	static struct vgpu_submit_op ops[64];
	uint32_t done, issued;
	double t0, t1, t2;

	for (int i = 0; i < 64; i++) {
		m[i] = (struct vgpu_mem_set){ .dptr = dptr + 64 * i, .size = 64,
					      .value = (uint32_t)i, .elem_size = 1 };
		ops[i] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET,
						  .arg = (uint64_t)(uintptr_t)&m[i] };
	}
	t0 = now_us();
	for (int i = 0; i < n; i++)
		expect("timed memset", io(VGPU_IOC_MEM_SET, &m[i % 64]), 0);
	t1 = now_us();
	for (int i = 0; i < n / 64; i++)
		expect("timed submit", submit(ops, 64, &done, &issued), 0);
	t2 = now_us();
	*single = (t1 - t0) / n;
	*batch = (t2 - t1) / n;
}

static void check_submit(void)
{
	struct vgpu_mem_alloc a = { .size = SZ }, b = { .size = SZ };
	static uint8_t wa[SZ], wb[SZ];
	static struct vgpu_mem_set m[CHUNKS];
	static struct vgpu_mem_copy c[CHUNKS];
	static struct vgpu_submit_op ops[2 * CHUNKS];
	struct vgpu_mem_set bad_set;
	uint32_t done, issued, n = 2 * CHUNKS;
	double single, batch;

	expect("submit: alloc a", io(VGPU_IOC_MEM_ALLOC, &a), 0);
	expect("submit: alloc b", io(VGPU_IOC_MEM_ALLOC, &b), 0);
	/* a's chunk i set to i + 1 in 1-, 2- or 4-byte elements ... */
	for (uint32_t i = 0; i < CHUNKS; i++) {
		uint32_t e = 1u << (i % 3), v = (i + 1) * 0x01010101u;

		m[i] = (struct vgpu_mem_set){ .dptr = a.dptr + i * CHUNK,
					      .size = CHUNK,
					      .value = e == 4 ? v : v & ((1u << (8 * e)) - 1),
					      .elem_size = e };
		ops[i] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET,
						  .arg = (uint64_t)(uintptr_t)&m[i] };
		memset(wa + i * CHUNK, (int)(i + 1), CHUNK);
	}
	/* ... then copied to b in reverse order of chunks, in the same call. */
	for (uint32_t j = 0; j < CHUNKS; j++) {
		c[j] = (struct vgpu_mem_copy){ .dst = b.dptr + j * CHUNK,
					       .src = a.dptr + (CHUNKS - 1 - j) * CHUNK,
					       .size = CHUNK };
		ops[CHUNKS + j] = (struct vgpu_submit_op){
			.cmd = VGPU_IOC_MEM_COPY, .arg = (uint64_t)(uintptr_t)&c[j] };
		memcpy(wb + j * CHUNK, wa + (CHUNKS - 1 - j) * CHUNK, CHUNK);
	}
	expect("submit of 64", submit(ops, n, &done, &issued), 0);
	expect_u32("submit of 64: done", done, n);
	expect_u32("submit of 64: issued", issued, n);
	read_check("submit: a", a.dptr, wa);
	read_check("submit: b", b.dptr, wb);
	printf("vgpuops2: submit: 32 MEM_SETs and 32 MEM_COPYs in one call, results right\n");

	/* Element 5 leaves a: ERANGE, 0..4 applied, 6..9 not. */
	for (uint32_t i = 0; i < 10; i++) {
		m[i] = (struct vgpu_mem_set){ .dptr = b.dptr + i * CHUNK,
					      .size = CHUNK, .value = 0xe0 + i,
					      .elem_size = 1 };
		ops[i] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET,
						  .arg = (uint64_t)(uintptr_t)&m[i] };
		if (i < 5)
			memset(wb + i * CHUNK, (int)(0xe0 + i), CHUNK);
	}
	m[5].dptr = b.dptr + SZ - CHUNK / 2;
	expect("submit with a bad element", submit(ops, 10, &done, &issued),
	       ERANGE);
	expect_u32("submit with a bad element: done", done, 5);
	expect_u32("submit with a bad element: issued", issued, 5);
	read_check("submit with a bad element: b", b.dptr, wb);
	/* The element through MEM_SET's own checks. */
	m[5] = (struct vgpu_mem_set){ .dptr = b.dptr, .size = 3, .elem_size = 3 };
	expect("submit: element elem_size 3", submit(ops, 10, &done, &issued),
	       EINVAL);
	expect_u32("submit: element elem_size 3: done", done, 5);
	ops[5] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET, .arg = 8 };
	expect("submit: element arg unreadable", submit(ops, 10, &done, &issued),
	       EFAULT);
	expect_u32("submit: element arg unreadable: done", done, 5);
	bad_set = m[0];
	ops[5] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_READ,
					  .arg = (uint64_t)(uintptr_t)&bad_set };
	expect("submit: element cmd MEM_READ", submit(ops, 10, &done, &issued),
	       EINVAL);
	ops[5].cmd = VGPU_IOC_MEM_SET;
	ops[5].reserved = 1;
	expect("submit: element reserved", submit(ops, 10, &done, &issued),
	       EINVAL);
	expect_u32("submit: element reserved: done", done, 5);
	read_check("submit: b after bad elements", b.dptr, wb);
	/* Bad headers: nothing runs. */
	expect("submit of 0", submit(ops, 0, &done, &issued), EINVAL);
	expect("submit of 257", submit(ops, VGPU_SUBMIT_MAX + 1, &done, &issued),
	       E2BIG);
	expect("submit: flags", io(VGPU_IOC_SUBMIT, &(struct vgpu_submit){
		.ops = (uint64_t)(uintptr_t)ops, .count = 1, .flags = 1 }), EINVAL);
	expect("submit: ops unreadable", io(VGPU_IOC_SUBMIT, &(struct vgpu_submit){
		.ops = 8, .count = 4 }), EFAULT);
	read_check("submit: b after bad headers", b.dptr, wb);
	time_submit(a.dptr, 1024, &single, &batch);
	printf("vgpuops2: 1024 MEM_SETs: one ioctl each %.1f us/op, SUBMIT of 64 %.1f us/op, ratio %.1f\n",
	       single, batch, single / batch);
	expect("submit: free a", io(VGPU_IOC_MEM_FREE, &(struct vgpu_mem_free){ a.dptr }), 0);
	expect("submit: free b", io(VGPU_IOC_MEM_FREE, &(struct vgpu_mem_free){ b.dptr }), 0);
}

static void submit_load(void)
{
	static struct vgpu_mem_set m[64];
	static struct vgpu_submit_op ops[64];
	struct vgpu_mem_alloc a = { .size = SZ };
	uint32_t done, issued;

	expect("load: alloc", io(VGPU_IOC_MEM_ALLOC, &a), 0);
	for (int i = 0; i < 64; i++) {
		m[i] = (struct vgpu_mem_set){ .dptr = a.dptr + i * (SZ / 64),
					      .size = SZ / 64, .value = (uint32_t)i,
					      .elem_size = 1 };
		ops[i] = (struct vgpu_submit_op){ .cmd = VGPU_IOC_MEM_SET,
						  .arg = (uint64_t)(uintptr_t)&m[i] };
	}
	printf("vgpuops2: submit load running\n");
	fflush(stdout);
	for (;;)
		expect("load: submit", submit(ops, 64, &done, &issued), 0);
}

/* For make bench (split-bench): KEY=VALUE figures of @n MEM_SETs. */
static void bench(int n)
{
	struct vgpu_mem_alloc a = { .size = SZ };
	double single, batch;

	expect("bench: alloc", io(VGPU_IOC_MEM_ALLOC, &a), 0);
	time_submit(a.dptr, n, &single, &batch);
	printf("memset_us=%.1f memset_submit64_us=%.1f\n", single, batch);
}

int main(int argc, char **argv)
{
	int load = argc > 1 && !strcmp(argv[1], "--submit-load");
	int timed = argc > 2 && !strcmp(argv[1], "--bench");
	const char *dev = argc > 1 + load + 2 * timed ?
		argv[1 + load + 2 * timed] : "/dev/vgpu0";

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail(dev, errno);
	if (load)
		submit_load();
	if (timed) {
		bench((atoi(argv[2]) + 63) / 64 * 64);
		return 0;
	}
	check_memory();
	check_global();
	check_func_attrs();
	check_attrs();
	check_events();
	check_submit();
	printf("vgpuops2: ok\n");
	return 0;
}
