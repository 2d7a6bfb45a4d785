// SPDX-License-Identifier: MIT
/*
 * vgpuops2: the ioctls of issue 18 through a guest's /dev/vgpu0, against
 * the CPU executor (the lab has no GPU): MEM_SET in 1-, 2- and 4-byte
 * elements, MEM_COPY between and within allocations, their ERANGE and
 * ENOENT, MODULE_GET_GLOBAL without a module of this file (ENOENT: the
 * frontend refuses it before the host, which has no modules either),
 * DEVICE_ATTRS (the CPU executor's documented table: warp 32, 1024
 * threads per block, compute capability 9.0, PCI ids 0, a version-8 UUID)
 * and EVENT_RECORD (host clock; two records 5 ms apart differ by at least
 * that). Prints "vgpuops2: ok" and exits 0, or names the first failed
 * check and exits 1.
 *
 *   vgpuops2 [DEVICE]       (default /dev/vgpu0)
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

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/vgpu0";

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail(dev, errno);
	check_memory();
	check_global();
	check_attrs();
	check_events();
	printf("vgpuops2: ok\n");
	return 0;
}
