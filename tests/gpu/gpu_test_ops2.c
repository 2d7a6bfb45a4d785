// SPDX-License-Identifier: MIT
/*
 * vgpu-gpu-test's "ops2": the operations of issue 18 on the real driver
 * path (or the fake device with --fake): MEM_SET in its three element
 * sizes, MEM_COPY device to device, a __device__ global of kernels.cu
 * found with MODULE_GET_GLOBAL, written through MEM_WRITE and MEM_SET and
 * read back by a kernel (cudaMemcpyToSymbol's way), forgotten at unload;
 * DEVICE_ATTRS as the guest sees it; EVENT_RECORD around a kernel of known
 * length; FUNC_ATTRS of fill32 (values a GPU can have: they differ between
 * GPUs and the fake device) and of names and modules that are not there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>

#include "tests/gpu/gpu_test.h"

#define OPS2_BYTES	(1u << 20)

static int32_t mem_set(struct gvm *v, uint64_t dptr, uint64_t size,
		       uint32_t value, uint8_t elem)
{
	union vgpuif_request_args u = { .memset = {
		.dptr = dptr, .size = size, .value = value, .elem_size = elem,
	} };

	return g_call(v, VGPUIF_OP_MEM_SET, &u, NULL, 0, NULL);
}

static int32_t mem_copy(struct gvm *v, uint64_t dst, uint64_t src,
			uint64_t size)
{
	union vgpuif_request_args u = { .copy = {
		.dst = dst, .src = src, .size = size,
	} };

	return g_call(v, VGPUIF_OP_MEM_COPY, &u, NULL, 0, NULL);
}

/* MODULE_GET_GLOBAL: both results, so not through g_call(). */
static int32_t get_global(struct gvm *v, uint64_t mod, const char *name,
			  uint64_t *dptr, uint64_t *size)
{
	struct simreq r = { .vm = v->cfg, .buf = (void *)(uintptr_t)name };

	r.req.operation = VGPUIF_OP_MODULE_GET_GLOBAL;
	r.req.data_len = (uint32_t)strlen(name);
	r.req.u.global.module = mod;
	r.req.u.global.name_len = (uint16_t)strlen(name);
	simbe_submit(&v->h->tp, &r);
	simbe_wait(&r, v->spin_ns);
	*dptr = r.ret[0];
	*size = r.ret[1];
	return r.status;
}

static void check_set_copy(struct gvm *v, uint8_t *buf)
{
	uint64_t a = 0, b = 0;

	EXPECT_ST(g_alloc(v, OPS2_BYTES, &a), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_alloc(v, OPS2_BYTES, &b), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_set(v, a, OPS2_BYTES, 0xa5, 1), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_set(v, a + 4096, 4096, 0x1234, 2), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_set(v, a + 8192, 4096, 0xcafef00d, 4), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_copy(v, b, a, OPS2_BYTES), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_read(v, b, buf, OPS2_BYTES), VGPUIF_RSP_OKAY);
	for (uint32_t i = 0; i < OPS2_BYTES && !T.failed_checks; i++) {
		uint8_t want = 0xa5;

		if (i >= 4096 && i < 8192)
			want = (i & 1) ? 0x12 : 0x34;
		else if (i >= 8192 && i < 12288)
			want = (uint8_t)(0xcafef00du >> (8 * (i & 3)));
		EXPECT(buf[i] == want, "byte %u of the copy: 0x%02x, expected 0x%02x",
		       i, buf[i], want);
	}
	/* Half of a into its other half: a copy within one allocation. */
	EXPECT_ST(mem_copy(v, a + OPS2_BYTES / 2, a, OPS2_BYTES / 2),
		  VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_set(v, a + OPS2_BYTES - 4, 8, 0, 4), VGPUIF_RSP_RANGE);
	EXPECT_ST(mem_copy(v, a + 1, b, OPS2_BYTES), VGPUIF_RSP_RANGE);
	EXPECT_ST(mem_copy(v, a, b + 1, OPS2_BYTES), VGPUIF_RSP_RANGE);
	EXPECT_ST(mem_set(v, a + 2, 4, 0, 4), VGPUIF_RSP_INVALID);
	EXPECT_ST(g_free(v, a), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_free(v, b), VGPUIF_RSP_OKAY);
}

static void check_global(struct gvm *v)
{
	uint32_t vals[16], got[16], n = 16;
	uint64_t mod = load_main_module(v), d = 0, size = 0, d2 = 0, s2 = 0;
	uint64_t out = 0;
	uint8_t params[12];

	EXPECT_ST(get_global(v, mod, "vgpu_global", &d, &size), VGPUIF_RSP_OKAY);
	EXPECT(size == 64, "vgpu_global is %llu bytes, not 64",
	       (unsigned long long)size);
	EXPECT_ST(get_global(v, mod, "no_such_global", &d2, &s2),
		  VGPUIF_RSP_NOT_FOUND);
	EXPECT_ST(get_global(v, mod + 12345, "vgpu_global", &d2, &s2),
		  VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_alloc(v, 64, &out), VGPUIF_RSP_OKAY);
	for (int i = 0; i < 16; i++)
		vals[i] = 0x1000u * (uint32_t)i + 7;
	EXPECT_ST(g_write(v, d, vals, 64), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_set(v, d + 56, 8, 0xfeedu, 4), VGPUIF_RSP_OKAY);
	vals[14] = vals[15] = 0xfeedu;
	memcpy(params, &out, 8);
	memcpy(params + 8, &n, 4);
	EXPECT_ST(g_launch(v, mod, "read_global", 1, 16, params, 12),
		  VGPUIF_RSP_OKAY);
	EXPECT_ST(g_read(v, out, got, 64), VGPUIF_RSP_OKAY);
	EXPECT(!memcmp(got, vals, 64), "read_global read %u %u ..., not %u %u ...",
	       got[0], got[14], vals[0], vals[14]);
	/* Device to device, from and to the global. */
	EXPECT_ST(mem_copy(v, out, d, 64), VGPUIF_RSP_OKAY);
	EXPECT_ST(mem_copy(v, d, out, 64), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_read(v, d, got, 65), VGPUIF_RSP_RANGE);
	EXPECT_ST(g_free(v, d), VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_unload(v, mod), VGPUIF_RSP_OKAY);
	EXPECT_ST(g_read(v, d, got, 4), VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_free(v, out), VGPUIF_RSP_OKAY);
}

/* FUNC_ATTRS of @name: the buffer is the name, then the values. */
static int32_t func_attrs(struct gvm *v, uint64_t mod, const char *name,
			  struct vgpuif_func_attrs *a)
{
	union vgpuif_request_args u = { .func = {
		.module = mod, .name_len = (uint16_t)strlen(name),
	} };
	uint32_t off = VGPUIF_ALIGN8((uint32_t)strlen(name));
	uint8_t buf[VGPUIF_ALIGN8(VGPUIF_MAX_FUNC_NAME) + sizeof(*a)] = { 0 };
	int32_t st;

	memcpy(buf, name, strlen(name));
	st = g_call(v, VGPUIF_OP_FUNC_ATTRS, &u, buf, off + sizeof(*a), NULL);
	memcpy(a, buf + off, sizeof(*a));
	return st;
}

static void check_func_attrs(struct gvm *v)
{
	uint64_t mod = load_main_module(v);
	struct vgpuif_func_attrs a;

	EXPECT_ST(func_attrs(v, mod, "fill32", &a), VGPUIF_RSP_OKAY);
	printf("gpu-test:   fill32: %d registers, %d B shared, %d B local, "
	       "%d threads a block at most, binary %d\n", a.num_regs,
	       a.shared_size, a.local_size, a.max_threads_per_block,
	       a.binary_version);
	EXPECT(a.num_regs > 0 && a.num_regs <= 255, "fill32: %d registers",
	       a.num_regs);
	EXPECT(a.max_threads_per_block > 0 && a.max_threads_per_block <= 1024,
	       "fill32: %d threads a block", a.max_threads_per_block);
	EXPECT(a.shared_size >= 0 && a.local_size >= 0 &&
	       a.max_dynamic_shared >= 0 && a.binary_version > 0,
	       "fill32: impossible sizes or version");
	EXPECT_ST(func_attrs(v, mod, "no_such_kernel", &a),
		  VGPUIF_RSP_NOT_FOUND);
	EXPECT_ST(func_attrs(v, mod + 12345, "fill32", &a),
		  VGPUIF_RSP_BAD_HANDLE);
	EXPECT_ST(g_unload(v, mod), VGPUIF_RSP_OKAY);
}

static void check_attrs(struct gvm *v)
{
	struct vgpuif_device_attrs a;
	const int32_t *x = a.attr;

	memset(&a, 0, sizeof(a));
	EXPECT_ST(g_call(v, VGPUIF_OP_DEVICE_ATTRS, NULL, &a, sizeof(a), NULL),
		  VGPUIF_RSP_OKAY);
	printf("gpu-test: ops2: %s, cc %d.%d, %d SMs, warp %d, %d threads/block, total %llu MiB, uuid %02x%02x...\n",
	       a.name, x[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR],
	       x[VGPUIF_ATTR_COMPUTE_CAPABILITY_MINOR],
	       x[VGPUIF_ATTR_MULTIPROCESSOR_COUNT], x[VGPUIF_ATTR_WARP_SIZE],
	       x[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK],
	       (unsigned long long)(a.total_mem >> 20), a.uuid[0], a.uuid[1]);
	EXPECT(a.nr_attrs == VGPUIF_NR_ATTRS, "nr_attrs %u", a.nr_attrs);
	EXPECT(x[VGPUIF_ATTR_WARP_SIZE] == 32, "warp size %d",
	       x[VGPUIF_ATTR_WARP_SIZE]);
	EXPECT(x[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK] == 1024,
	       "max threads per block %d", x[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK]);
	EXPECT(x[VGPUIF_ATTR_MULTIPROCESSOR_COUNT] > 0, "no SMs");
	EXPECT(x[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR] >= 7, "cc %d",
	       x[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR]);
	EXPECT(!x[VGPUIF_ATTR_PCI_BUS_ID] && !x[VGPUIF_ATTR_PCI_DEVICE_ID] &&
	       !x[VGPUIF_ATTR_PCI_DOMAIN_ID], "PCI ids shown to the guest");
	EXPECT(a.total_mem > 0, "no memory");
	EXPECT((a.uuid[6] >> 4) == 8, "uuid version %u", a.uuid[6] >> 4);
	EXPECT(a.flags & VGPUIF_INFO_F_GPU, "flags 0x%x", a.flags);
}

/*
 * Two records around a kernel that spins 2 ms of the GPU's global timer
 * (the fake: a 2 ms wait): the difference is at least that GPU time.
 */
static void check_events(struct gvm *v)
{
	uint64_t t1 = 0, t2 = 0, mod = load_main_module(v);
	uint32_t us = 2000, ms = 2;

	EXPECT_ST(g_call(v, VGPUIF_OP_EVENT_RECORD, NULL, NULL, 0, &t1),
		  VGPUIF_RSP_OKAY);
	if (T.fake)
		EXPECT_ST(g_launch(v, mod, "sleep_ms", 1, 1, &ms, 4),
			  VGPUIF_RSP_OKAY);
	else
		EXPECT_ST(g_launch(v, mod, "spin_us", 1, 1, &us, 4),
			  VGPUIF_RSP_OKAY);
	EXPECT_ST(g_call(v, VGPUIF_OP_EVENT_RECORD, NULL, NULL, 0, &t2),
		  VGPUIF_RSP_OKAY);
	printf("gpu-test: ops2: EVENT_RECORD around a 2 ms kernel: %.3f ms\n",
	       (double)(t2 - t1) / 1e6);
	EXPECT(t2 > t1 && t2 - t1 >= 2000000, "elapsed %llu ns, under the kernel's 2 ms",
	       (unsigned long long)(t2 - t1));
	EXPECT_ST(g_unload(v, mod), VGPUIF_RSP_OKAY);
}

void test_ops2(void)
{
	static uint8_t buf[OPS2_BYTES];
	struct harness h;
	struct gvm v;

	start(&h, 5000);
	h_vm(&h, &v, 1, VGPUIF_PRIO_HIGH, 0);
	check_set_copy(&v, buf);
	check_global(&v);
	check_attrs(&v);
	check_func_attrs(&v);
	check_events(&v);
	h_stop(&h);
}
