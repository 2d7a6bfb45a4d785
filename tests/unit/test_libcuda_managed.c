// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's managed memory (tools/libcuda/managed.c) and pointer
 * attributes (pointer.c), over the loopback transport on the fake device
 * (this binary started again with --fake-child), whose kernels run in
 * another process, as a GPU's would, on memory at the device's addresses;
 * and, without kernels, on the CPU executor, whose synthetic addresses
 * must be ones a guest process can map.
 *
 * What is checked is the model the library documents: the pointer works
 * in host code as plain memory; device work (a launch, a prefetch, an
 * asynchronous memset) first takes the host's data to the device and
 * fences the mirror (a host access faults: here, write(2) from it gives
 * EFAULT); the next synchronizing call brings the device's data back and
 * lifts the fence, also after a failed kernel. Addresses the process
 * already uses are skipped; the blocks tried are freed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/sim/libcuda_loopback.h"
#include "tools/libcuda/cuvg.h"
#include "tests/unit/libcuda_fixture.h"

extern const struct cx_dev_ops cx_fake_ops;

/* The fake device's allocation granule (tests/sim/cx_dev_fake.c). */
#define FAKE_SPAN	(64u << 10)
#define FAKE_HDR	256u

static int open_fake(struct cuvg_transport *t)
{
	return lcf_open(t, "fake");
}

static int open_cpu(struct cuvg_transport *t)
{
	return lcf_open(t, "cpu");
}

static int up(void **state, cuvg_transport_open_fn opener)
{
	CUcontext c = NULL;

	cuvg_transport_opener = opener;
	if (cuInit(0) != CUDA_SUCCESS ||
	    cuCtxCreate(&c, NULL, 0, 0) != CUDA_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static int up_fake(void **state) { return up(state, open_fake); }
/* The CPU executor: memory operations, no kernels. */
static int up_cpu(void **state) { return up(state, open_cpu); }

/* Can the host read @p? A fenced page makes write(2) fail with EFAULT. */
static int host_reads(const void *p)
{
	int fd[2], ok;
	char c;

	assert_int_equal(pipe(fd), 0);
	ok = write(fd[1], p, 1) == 1;
	if (!ok)
		assert_int_equal(errno, EFAULT);
	else
		assert_int_equal(read(fd[0], &c, 1), 1);
	close(fd[0]);
	close(fd[1]);
	return ok;
}

static void load(CUmodule *m, CUfunction *fill, CUfunction *fault)
{
	assert_int_equal(cuModuleLoadData(m, lcf_fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(fill, *m, "fill32"), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(fault, *m, "fault"), CUDA_SUCCESS);
}

static CUresult fill(CUfunction f, CUdeviceptr p, uint32_t v, uint32_t n,
		     CUstream s)
{
	void *args[] = { &p, &v, &n };

	return cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, args, NULL);
}

static size_t used(void)
{
	size_t fr, total;

	assert_int_equal(cuMemGetInfo(&fr, &total), CUDA_SUCCESS);
	return total - fr;
}

/* Host writes reach the kernel; the kernel's reach the host after a sync. */
static void test_managed_launch(void **state)
{
	enum { N = 3000 };
	CUfunction f, g;
	CUdeviceptr mp;
	CUmodule m;
	CUstream s;
	uint32_t *h;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuMemAllocManaged(&mp, N * 4, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	h = (uint32_t *)(uintptr_t)mp;
	assert_int_equal(mp % 4096, 0);
	for (uint32_t i = 0; i < N; i++)
		h[i] = i;
	assert_int_equal(fill(f, mp, 0xabcd0001u, 1000, s), CUDA_SUCCESS);
	assert_false(host_reads(h));
	assert_false(host_reads(h + N - 1));
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_true(host_reads(h));
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(h[i], i < 1000 ? 0xabcd0001u : i);
	/* A second round: the host's new writes go with it. */
	h[2000] = 0x5eed;
	assert_int_equal(fill(f, mp + 4 * 1000, 0xabcd0002u, 500, s),
			 CUDA_SUCCESS);
	assert_int_equal(fill(f, mp + 4 * 2500, 0xabcd0003u, 500, NULL),
			 CUDA_SUCCESS);
	assert_false(host_reads(h + 2000));
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(h[999], 0xabcd0001u);
	assert_int_equal(h[1000], 0xabcd0002u);
	assert_int_equal(h[1499], 0xabcd0002u);
	assert_int_equal(h[1500], 1500);
	assert_int_equal(h[2000], 0x5eed);
	assert_int_equal(h[2499], 2499);
	assert_int_equal(h[2500], 0xabcd0003u);
	assert_int_equal(h[N - 1], 0xabcd0003u);
	/* Host-only work needs no device round. */
	h[0] = 7;
	assert_true(host_reads(h));
	assert_int_equal(h[0], 7);
	assert_int_equal(cuMemFree(mp), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
}

/* A kernel fault is the synchronize's error; the mirror is the host's again. */
static void test_managed_fault(void **state)
{
	CUfunction f, g;
	CUdeviceptr mp;
	CUmodule m;
	uint32_t *h;

	(void)state;
	load(&m, &f, &g);
	assert_int_equal(cuMemAllocManaged(&mp, 4096, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	h = (uint32_t *)(uintptr_t)mp;
	h[5] = 55;
	assert_int_equal(cuLaunchKernel(g, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL),
			 CUDA_SUCCESS);
	assert_false(host_reads(h));
	assert_int_not_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_true(host_reads(h));
	/*
	 * The fake device loses its context on a fault, as a GPU does: the
	 * device block is gone and the free may say so; the mirror goes.
	 */
	(void)cuMemFree(mp);
	assert_false(host_reads(h));
	(void)cuModuleUnload(m);
}

/* Copies and memsets name managed memory as device memory, either kind. */
static void test_managed_copies(void **state)
{
	uint8_t src[8192], got[8192];
	CUDA_MEMCPY2D c2 = { 0 };
	CUdeviceptr mp, d;
	CUstream s;
	uint8_t *h;

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, sizeof(src)), CUDA_SUCCESS);
	assert_int_equal(cuMemAllocManaged(&mp, sizeof(src), CU_MEM_ATTACH_HOST),
			 CUDA_SUCCESS);
	h = (uint8_t *)(uintptr_t)mp;
	/* Synchronous: the host's at once. */
	assert_int_equal(cuMemcpyHtoD(mp, src, sizeof(src)), CUDA_SUCCESS);
	assert_memory_equal(h, src, sizeof(src));
	h[100] = 0xee;
	assert_int_equal(cuMemcpyDtoH(got, mp, sizeof(got)), CUDA_SUCCESS);
	assert_int_equal(got[100], 0xee);
	assert_int_equal(got[101], src[101]);
	assert_int_equal(cuMemsetD32(mp + 16, 0x01020304u, 4), CUDA_SUCCESS);
	assert_int_equal(h[16], 0x04);
	assert_int_equal(h[31], 0x01);
	assert_int_equal(h[32], src[32]);
	/* Unified addressing: managed to device and back. */
	assert_int_equal(cuMemcpy(d, mp, sizeof(src)), CUDA_SUCCESS);
	memset(h, 0, sizeof(src));
	assert_int_equal(cuMemcpy(mp, d, sizeof(src)), CUDA_SUCCESS);
	assert_int_equal(h[100], 0xee);
	assert_int_equal(h[16], 0x04);
	/* Asynchronous: the device's until the stream's synchronize. */
	assert_int_equal(cuMemsetD8Async(mp, 0x5a, 64, s), CUDA_SUCCESS);
	assert_false(host_reads(h));
	/* The fenced pointer named as host memory is still device memory. */
	assert_int_equal(cuMemcpyHtoD(d, h, 128), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(got, d, 128), CUDA_SUCCESS);
	assert_int_equal(got[63], 0x5a);
	assert_int_equal(got[64], src[64]);
	assert_int_equal(cuMemsetD8Async(mp, 0x6b, 8, s), CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_int_equal(h[7], 0x6b);
	assert_int_equal(h[8], 0x5a);
	/* A rectangle whose "host" side is fenced managed memory. */
	assert_int_equal(cuMemsetD8Async(mp + 4096, 0, 4096, s), CUDA_SUCCESS);
	assert_false(host_reads(h));
	c2.srcMemoryType = CU_MEMORYTYPE_HOST;
	c2.srcHost = src;
	c2.srcPitch = 16;
	c2.dstMemoryType = CU_MEMORYTYPE_HOST;
	c2.dstHost = h + 4096;
	c2.dstPitch = 64;
	c2.WidthInBytes = 8;
	c2.Height = 4;
	assert_int_equal(cuMemcpy2D(&c2), CUDA_SUCCESS);
	for (int y = 0; y < 4; y++)
		assert_memory_equal(h + 4096 + 64 * y, src + 16 * y, 8);
	assert_int_equal(h[4096 + 8], 0);
	/* Out of the allocation: refused at the call. */
	assert_int_equal(cuMemcpyHtoD(mp + 1, src, sizeof(src)),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemFree(mp), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
}

/* Prefetching to the device is a launch's first step; to the host, nothing. */
static void test_managed_prefetch_advise(void **state)
{
	CUmemLocation dev = { .type = CU_MEM_LOCATION_TYPE_DEVICE, .id = 0 };
	CUmemLocation host = { .type = CU_MEM_LOCATION_TYPE_HOST, .id = 0 };
	CUmemLocation dev1 = { .type = CU_MEM_LOCATION_TYPE_DEVICE, .id = 1 };
	CUdeviceptr mp, d;
	uint32_t *h;
	int v = -1;

	(void)state;
	/* Managed memory, without concurrent access: the model above. */
	assert_int_equal(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 0),
			 CUDA_SUCCESS);
	assert_int_equal(v, 1);
	assert_int_equal(cuDeviceGetAttribute(&v,
			 CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS, 0),
			 CUDA_SUCCESS);
	assert_int_equal(v, 0);
	assert_int_equal(cuMemAllocManaged(&mp, 4096, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, 4096), CUDA_SUCCESS);
	h = (uint32_t *)(uintptr_t)mp;
	h[3] = 33;
	assert_int_equal(cuMemPrefetchAsync_v2(mp, 4096, host, 0, NULL),
			 CUDA_SUCCESS);
	assert_true(host_reads(h));
	assert_int_equal(cuMemPrefetchAsync_v2(mp, 4096, dev, 0, NULL),
			 CUDA_SUCCESS);
	assert_false(host_reads(h));
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(h[3], 33);
	assert_int_equal(cuMemAdvise_v2(mp, 4096, CU_MEM_ADVISE_SET_READ_MOSTLY,
					dev), CUDA_SUCCESS);
	assert_int_equal(cuStreamAttachMemAsync(NULL, mp, 0, CU_MEM_ATTACH_SINGLE),
			 CUDA_SUCCESS);
	/* What is no managed memory, or outside it; bad arguments. */
	assert_int_equal(cuMemPrefetchAsync_v2(d, 4096, dev, 0, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemPrefetchAsync_v2(mp, 4097, dev, 0, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemPrefetchAsync_v2(mp, 4096, dev1, 0, NULL),
			 CUDA_ERROR_INVALID_DEVICE);
	assert_int_equal(cuMemPrefetchAsync_v2(mp, 4096, dev, 1, NULL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAdvise_v2(mp, 4096, (CUmem_advise)99, dev),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAdvise_v2(d, 4096, CU_MEM_ADVISE_SET_READ_MOSTLY,
					dev), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuStreamAttachMemAsync(NULL, mp, 0, 8),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocManaged(&mp, 0, CU_MEM_ATTACH_GLOBAL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocManaged(&mp, 16, 4), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocManaged(NULL, 16, CU_MEM_ATTACH_GLOBAL),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemFree((CUdeviceptr)(uintptr_t)h), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

static void test_pointer_attributes(void **state)
{
	CUpointer_attribute which[] = {
		CU_POINTER_ATTRIBUTE_IS_MANAGED, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
		CU_POINTER_ATTRIBUTE_RANGE_SIZE, CU_POINTER_ATTRIBUTE_HOST_POINTER,
	};
	CUdeviceptr mp, d, start = 0, dp = 0;
	size_t size = 0;
	int managed = -1, ord = 5;
	unsigned int type = 0;
	void *hp = NULL, *data[] = { &managed, &ord, &size, &hp };
	int local;
	CUcontext c = NULL;

	(void)state;
	assert_int_equal(cuMemAllocManaged(&mp, 1000, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, 512), CUDA_SUCCESS);
	assert_int_equal(cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					       mp + 10), CUDA_SUCCESS);
	assert_int_equal(managed, 1);
	assert_int_equal(cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					       d), CUDA_SUCCESS);
	assert_int_equal(managed, 0);
	assert_int_equal(cuPointerGetAttribute(&hp, CU_POINTER_ATTRIBUTE_HOST_POINTER,
					       mp + 10), CUDA_SUCCESS);
	assert_ptr_equal(hp, (void *)(uintptr_t)(mp + 10));
	assert_int_equal(cuPointerGetAttribute(&hp, CU_POINTER_ATTRIBUTE_HOST_POINTER,
					       d), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuPointerGetAttribute(&dp, CU_POINTER_ATTRIBUTE_DEVICE_POINTER,
					       d + 8), CUDA_SUCCESS);
	assert_int_equal(dp, d + 8);
	assert_int_equal(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
					       mp), CUDA_SUCCESS);
	assert_int_equal(type, CU_MEMORYTYPE_DEVICE);
	assert_int_equal(cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
					       mp + 999), CUDA_SUCCESS);
	assert_int_equal(start, mp);
	assert_int_equal(cuPointerGetAttribute(&size, CU_POINTER_ATTRIBUTE_RANGE_SIZE,
					       mp), CUDA_SUCCESS);
	assert_int_equal(size, 1000);
	assert_int_equal(cuPointerGetAttribute(&c, CU_POINTER_ATTRIBUTE_CONTEXT, d),
			 CUDA_SUCCESS);
	assert_ptr_equal(c, *state);
	/* Past the allocation, host memory: no CUDA pointer. */
	assert_int_equal(cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					       mp + 1000), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					       (CUdeviceptr)(uintptr_t)&local),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_P2P_TOKENS,
					       d), CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(cuPointerGetAttribute(NULL, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					       d), CUDA_ERROR_INVALID_VALUE);
	/* Many at once; for host memory, no error and the zero answers. */
	assert_int_equal(cuPointerGetAttributes(4, which, data, mp), CUDA_SUCCESS);
	assert_int_equal(managed, 1);
	assert_int_equal(ord, 0);
	assert_int_equal(size, 1000);
	assert_ptr_equal(hp, (void *)(uintptr_t)mp);
	assert_int_equal(cuPointerGetAttributes(4, which, data,
						(CUdeviceptr)(uintptr_t)&local),
			 CUDA_SUCCESS);
	assert_int_equal(managed, 0);
	assert_int_equal(ord, -2);
	assert_int_equal(size, 0);
	assert_null(hp);
	assert_int_equal(cuMemFree(mp), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

/*
 * The fake device hands out blocks upward, FAKE_SPAN apart for these
 * sizes, so the next ones' addresses are known; the test maps them in
 * this process first. @blocked of them collide, and are freed.
 */
static CUresult alloc_past(unsigned int blocked, CUdeviceptr *mp,
			   uint64_t *next, size_t *grew)
{
	CUdeviceptr d;
	size_t before;
	void *wall;
	CUresult rc;

	assert_int_equal(cuMemAlloc(&d, 4096), CUDA_SUCCESS);
	*next = d - FAKE_HDR + FAKE_SPAN;
	wall = mmap((void *)(uintptr_t)*next, (size_t)blocked * FAKE_SPAN,
		    PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		    -1, 0);
	assert_ptr_equal(wall, (void *)(uintptr_t)*next);
	before = used();
	rc = cuMemAllocManaged(mp, 4096, CU_MEM_ATTACH_GLOBAL);
	*grew = used() - before;
	munmap(wall, (size_t)blocked * FAKE_SPAN);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	return rc;
}

static void test_managed_address_taken(void **state)
{
	uint64_t next;
	CUdeviceptr mp;
	size_t grew;

	(void)state;
	/* Three taken: the fourth block, and only it, is kept. */
	assert_int_equal(alloc_past(3, &mp, &next, &grew), CUDA_SUCCESS);
	assert_true(mp >= next + 3 * FAKE_SPAN);
	assert_int_equal(grew, 2 * 4096);
	((volatile uint8_t *)(uintptr_t)mp)[4095] = 1;
	assert_int_equal(cuMemFree(mp), CUDA_SUCCESS);
	/* Every try taken: not supported, nothing kept. */
	mp = 0;
	assert_int_equal(alloc_past(8, &mp, &next, &grew),
			 CUDA_ERROR_NOT_SUPPORTED);
	assert_int_equal(grew, 0);
	assert_int_equal(mp, 0);
}

/* Freed: out of the table and out of the process. */
static void test_managed_free(void **state)
{
	size_t before = used();
	CUdeviceptr mp, base;
	size_t size;

	(void)state;
	assert_int_equal(cuMemAllocManaged(&mp, 100000, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	assert_true(host_reads((void *)(uintptr_t)(mp + 99999)));
	assert_int_equal(cuMemFree(mp), CUDA_SUCCESS);
	assert_false(host_reads((void *)(uintptr_t)mp));
	assert_int_equal(cuMemGetAddressRange(&base, &size, mp),
			 CUDA_ERROR_NOT_FOUND);
	assert_int_equal(cuMemFree(mp), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(used(), before);
	/* Freed with its context, as device memory is. */
	assert_int_equal(cuMemAllocManaged(&mp, 4096, CU_MEM_ATTACH_GLOBAL),
			 CUDA_SUCCESS);
	assert_int_equal(cuCtxDestroy((CUcontext)*state), CUDA_SUCCESS);
	*state = NULL;
	assert_false(host_reads((void *)(uintptr_t)mp));
}

/* ---- which variables an image marks managed (kparams.c) ---- */

struct seen {
	char names[4][16];
	unsigned int n;
};

static void note(const char *name, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 4)
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	s->n++;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/*
 * The smallest cubin-like ELF: a symbol table with a plain variable
 * ("plain", st_other 0) and a managed one ("man", st_other 0x04, as nvcc
 * marks __managed__), and its string table. 0x300 bytes.
 */
static void make_elf(uint8_t *e)
{
	static const char str[] = "\0plain\0man";
	uint8_t *sh;

	memset(e, 0, 0x300);
	memcpy(e, "\x7f" "ELF\x02\x01\x01", 7);
	put64(e + 0x28, 0x200);		/* e_shoff */
	put16(e + 0x3a, 64);		/* e_shentsize */
	put16(e + 0x3c, 3);		/* e_shnum */
	memcpy(e + 0x100, str, sizeof(str));
	e[0x140 + 24 + 4] = 0x11;	/* plain: GLOBAL OBJECT */
	put32(e + 0x140 + 24, 1);
	e[0x140 + 48 + 4] = 0x01;	/* man: LOCAL OBJECT, managed */
	e[0x140 + 48 + 5] = 0x04;
	put32(e + 0x140 + 48, 7);
	sh = e + 0x200 + 64;		/* [1] .symtab */
	put32(sh + 4, 2);
	put64(sh + 0x18, 0x140);
	put64(sh + 0x20, 72);
	put32(sh + 0x28, 2);
	sh += 64;			/* [2] .strtab */
	put32(sh + 4, 3);
	put64(sh + 0x18, 0x100);
	put64(sh + 0x20, sizeof(str));
}

static void test_image_managed(void **state)
{
	static const char ptx[] =
		".version 8.0\n.target sm_90\n.address_size 64\n"
		".global .align 4 .b8 plain[16];\n"
		".global .attribute(.managed) .align 4 .b8 man[16];\n"
		".global .attribute(.managed) .align 8 .u64 counter;\n";
	uint8_t elf[0x300], fat[16 + 16 + 0x300];
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(cuvg_image_managed(ptx, sizeof(ptx), note, &s), 2);
	assert_string_equal(s.names[0], "man");
	assert_string_equal(s.names[1], "counter");
	make_elf(elf);
	memset(&s, 0, sizeof(s));
	assert_int_equal(cuvg_image_managed(elf, sizeof(elf), note, &s), 1);
	assert_string_equal(s.names[0], "man");
	/* The same ELF as a fatbin's member. */
	memset(fat, 0, sizeof(fat));
	put32(fat, 0xBA55ED50u);
	put16(fat + 6, 16);
	put64(fat + 8, 16 + sizeof(elf));
	put16(fat + 16, 2);
	put32(fat + 16 + 4, 16);
	put64(fat + 16 + 8, sizeof(elf));
	memcpy(fat + 32, elf, sizeof(elf));
	memset(&s, 0, sizeof(s));
	assert_int_equal(cuvg_image_managed(fat, sizeof(fat), note, &s), 1);
	assert_string_equal(s.names[0], "man");
	/* A symbol table past the end, a name past its table: nothing read. */
	put64(elf + 0x200 + 64 + 0x20, 0x1000);
	memset(&s, 0, sizeof(s));
	assert_int_equal(cuvg_image_managed(elf, sizeof(elf), note, &s), 0);
	make_elf(elf);
	put32(elf + 0x140 + 48, 0x7000);
	assert_int_equal(cuvg_image_managed(elf, sizeof(elf), note, &s), 0);
	put64(fat + 8, 1u << 20);
	assert_int_equal(cuvg_image_managed(fat, sizeof(fat), note, &s), 0);
	assert_int_equal(s.n, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_managed),
		cmocka_unit_test_setup_teardown(test_managed_launch, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_fault, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_copies, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_prefetch_advise, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_pointer_attributes, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_address_taken, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_free, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_copies, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_prefetch_advise, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_pointer_attributes, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_managed_free, up_cpu, lcf_down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_managed", tests, NULL, NULL);
}
