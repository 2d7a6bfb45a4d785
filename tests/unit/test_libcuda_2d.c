// SPDX-License-Identifier: MIT
/*
 * libcuda.so.1's pitched memory (tools/libcuda/mem2d.c), stream-ordered
 * allocation (mem.c) and cuLaunchKernelEx (launch.c), over the loopback
 * transport on the fake device (this binary started again with
 * --fake-child), on the fake device without MEM_SET / MEM_COPY ("old":
 * rows through the guest) and on the CPU executor. Checked byte for byte
 * against a CPU model of every allocation and host buffer, so bytes
 * outside a copied or set rectangle must stay as they were.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dom0-worker/exec/cuda/cx_child.h"
#include "tests/sim/libcuda_loopback.h"
#include "tools/libcuda/cuvg.h"
#include "tests/unit/libcuda_fixture.h"

extern const struct cx_dev_ops cx_fake_ops;

static const char *mode = "fake";
static int old_host;

/* The gate holds the submission thread (see test_alloc_async). */
static int open_loopback(struct cuvg_transport *t)
{
	int err = lcf_open(t, mode);

	if (err)
		return err;
	t->mem_write = lcf_gated_write;
	if (old_host) {
		t->mem_set = lcf_enotty_set;
		t->mem_copy = lcf_enotty_copy;
	}
	return 0;
}

static int up(void **state, const char *m, int old)
{
	CUcontext c = NULL;

	mode = m;
	old_host = old;
	cuvg_transport_opener = open_loopback;
	if (cuInit(0) != CUDA_SUCCESS ||
	    cuCtxCreate(&c, NULL, 0, 0) != CUDA_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static int up_fake(void **state) { return up(state, "fake", 0); }
static int up_old(void **state) { return up(state, "fake", 1); }
static int up_cpu(void **state) { return up(state, "cpu", 0); }

static void fill_rand(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* One side of a copy, with the CPU model of the memory it names. */
struct end {
	CUmemorytype t;
	void *host;
	CUdeviceptr dev;
	size_t x, y, pitch;
	uint8_t *model;		/* the model of host or dev */
};

static CUDA_MEMCPY2D mk(const struct end *s, const struct end *d, size_t w,
			size_t h)
{
	return (CUDA_MEMCPY2D){
		.srcXInBytes = s->x, .srcY = s->y, .srcMemoryType = s->t,
		.srcHost = s->host, .srcDevice = s->dev, .srcPitch = s->pitch,
		.dstXInBytes = d->x, .dstY = d->y, .dstMemoryType = d->t,
		.dstHost = d->host, .dstDevice = d->dev, .dstPitch = d->pitch,
		.WidthInBytes = w, .Height = h,
	};
}

/* What the copy should do, on the models. */
static void model_copy(const struct end *s, const struct end *d, size_t w,
		       size_t h)
{
	for (size_t i = 0; i < h; i++)
		memmove(d->model + (d->y + i) * d->pitch + d->x,
			s->model + (s->y + i) * s->pitch + s->x, w);
}

#define AH	12		/* rows of A, the pitched allocation */
#define BP	300		/* B's pitch: a plain allocation */
#define BH	10
#define HP	130		/* host buffers' pitches */
#define HP2	150
#define HH	12

struct mem2d {
	CUdeviceptr a, b;
	size_t ap;
	uint8_t ma[512 * AH], mb[BP * BH];	/* models of A and B */
	uint8_t h1[HP * HH], h2[HP2 * HH];	/* host buffers */
	uint8_t m1[HP * HH], m2[HP2 * HH];	/* and their models */
};

static void setup_mem(struct mem2d *m)
{
	assert_int_equal(cuMemAllocPitch(&m->a, &m->ap, 100, AH, 4),
			 CUDA_SUCCESS);
	assert_int_equal(m->ap, 512);
	assert_int_equal(cuMemAlloc(&m->b, sizeof(m->mb)), CUDA_SUCCESS);
	fill_rand(m->ma, sizeof(m->ma), 1);
	fill_rand(m->mb, sizeof(m->mb), 2);
	fill_rand(m->h1, sizeof(m->h1), 3);
	fill_rand(m->h2, sizeof(m->h2), 4);
	memcpy(m->m1, m->h1, sizeof(m->h1));
	memcpy(m->m2, m->h2, sizeof(m->h2));
	assert_int_equal(cuMemcpyHtoD(m->a, m->ma, sizeof(m->ma)), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyHtoD(m->b, m->mb, sizeof(m->mb)), CUDA_SUCCESS);
}

/* Both allocations and both host buffers, against their models. */
static void check_mem(struct mem2d *m)
{
	static uint8_t got[512 * AH];

	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(got, m->a, sizeof(m->ma)), CUDA_SUCCESS);
	assert_memory_equal(got, m->ma, sizeof(m->ma));
	assert_int_equal(cuMemcpyDtoH(got, m->b, sizeof(m->mb)), CUDA_SUCCESS);
	assert_memory_equal(got, m->mb, sizeof(m->mb));
	assert_memory_equal(m->h1, m->m1, sizeof(m->h1));
	assert_memory_equal(m->h2, m->m2, sizeof(m->h2));
}

static void do_copy(const struct end *s, const struct end *d, size_t w,
		    size_t h, CUstream st)
{
	CUDA_MEMCPY2D c = mk(s, d, w, h);

	if (st)
		assert_int_equal(cuMemcpy2DAsync(&c, st), CUDA_SUCCESS);
	else
		assert_int_equal(cuMemcpy2D(&c), CUDA_SUCCESS);
	model_copy(s, d, w, h);
}

/* Sub-rectangles in every direction, unequal pitches; sync or on @st. */
static void copies(struct mem2d *m, CUstream st)
{
	struct end h1 = { CU_MEMORYTYPE_HOST, m->h1, 0, 5, 1, HP, m->m1 };
	struct end h2 = { CU_MEMORYTYPE_HOST, m->h2, 0, 4, 2, HP2, m->m2 };
	struct end a = { CU_MEMORYTYPE_DEVICE, NULL, m->a, 7, 2, m->ap, m->ma };
	struct end b = { CU_MEMORYTYPE_DEVICE, NULL, m->b, 3, 1, BP, m->mb };
	struct end ua = a, uh = h2, pa = a, pb = b;

	do_copy(&h1, &a, 100, 9, st);		/* host to device */
	do_copy(&a, &b, 90, 8, st);		/* device to device */
	do_copy(&b, &h2, 120, 7, st);		/* device to host */
	h1.x = 0;
	h2.y = 0;
	do_copy(&h1, &h2, 60, 5, st);		/* host to host */
	/* Unified: both sides told apart by the allocation table. */
	ua.t = uh.t = CU_MEMORYTYPE_UNIFIED;
	ua.dev = m->a;
	uh.dev = (CUdeviceptr)(uintptr_t)m->h2;
	ua.x = 300;
	ua.y = 5;
	do_copy(&uh, &ua, 40, 6, st);
	ua.x = 0;
	do_copy(&ua, &uh, 33, 4, st);
	/* Packed on both sides: one request. */
	pa.x = pb.x = 0;
	pa.y = 0;
	pa.pitch = pb.pitch = 64;
	do_copy(&pb, &pa, 64, 3, st);
	/* One row, any pitches. */
	b.x = 10;
	do_copy(&h1, &b, 120, 1, st);
}

static void test_copy_2d(void **state)
{
	static struct mem2d m;

	(void)state;
	setup_mem(&m);
	copies(&m, NULL);
	check_mem(&m);
	assert_int_equal(cuMemFree(m.a), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(m.b), CUDA_SUCCESS);
}

/*
 * The async forms, ordered with other work on a stream; a host source is
 * captured at the call (overwritten at once, the device gets the old).
 */
static void test_copy_2d_async(void **state)
{
	static struct mem2d m;
	struct end h1, a, b;
	CUstream s;
	uint32_t v = 0x11223344u;

	(void)state;
	assert_int_equal(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING),
			 CUDA_SUCCESS);
	setup_mem(&m);
	copies(&m, s);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	check_mem(&m);

	h1 = (struct end){ CU_MEMORYTYPE_HOST, m.h1, 0, 0, 0, HP, m.m1 };
	a = (struct end){ CU_MEMORYTYPE_DEVICE, NULL, m.a, 16, 1, m.ap, m.ma };
	b = (struct end){ CU_MEMORYTYPE_DEVICE, NULL, m.b, 0, 0, BP, m.mb };
	do_copy(&h1, &a, 120, 6, s);
	memset(m.h1, 0xee, sizeof(m.h1));	/* the copy has its own */
	memset(m.m1, 0xee, sizeof(m.m1));
	/* A memset, then a copy of what it set, then the host's copy of it. */
	assert_int_equal(cuMemsetD32Async(m.a + 4 * m.ap, v, 128, s),
			 CUDA_SUCCESS);
	for (int i = 0; i < 128; i++)
		memcpy(m.ma + 4 * m.ap + 4 * i, &v, 4);
	do_copy(&a, &b, 100, 6, s);
	b.y = 2;
	do_copy(&b, &h1, 100, 5, s);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	check_mem(&m);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(m.a), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(m.b), CUDA_SUCCESS);
}

/* cuMemsetD2D8/16/32 (and Async) at three widths. */
static void test_memset_2d(void **state)
{
	static uint8_t model[512 * AH], got[512 * AH];
	CUdeviceptr d;
	size_t p;
	uint16_t v16 = 0xa1b2;
	uint32_t v32 = 0xc3d4e5f6u;
	CUstream s;

	(void)state;
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuMemAllocPitch(&d, &p, 500, AH, 16), CUDA_SUCCESS);
	assert_int_equal(p, 512);
	fill_rand(model, sizeof(model), 9);
	assert_int_equal(cuMemcpyHtoD(d, model, sizeof(model)), CUDA_SUCCESS);
	/* 100 bytes x 3 rows from (1, 0) */
	assert_int_equal(cuMemsetD2D8(d + 1, p, 0x5c, 100, 3), CUDA_SUCCESS);
	for (int i = 0; i < 3; i++)
		memset(model + i * p + 1, 0x5c, 100);
	/* 37 halves x 4 rows from (20, 3), on a stream */
	assert_int_equal(cuMemsetD2D16Async(d + 3 * p + 20, p, v16, 37, 4, s),
			 CUDA_SUCCESS);
	for (int i = 0; i < 4; i++)
		for (int x = 0; x < 37; x++)
			memcpy(model + (3 + i) * p + 20 + 2 * x, &v16, 2);
	/* whole rows (the pitch): one request, 3 rows from row 8 */
	assert_int_equal(cuMemsetD2D32(d + 8 * p, p, v32, p / 4, 3),
			 CUDA_SUCCESS);
	for (size_t i = 0; i < 3 * p / 4; i++)
		memcpy(model + 8 * p + 4 * i, &v32, 4);
	assert_int_equal(cuMemsetD2D32Async(d + 11 * p + 8, p, v32, 2, 1, s),
			 CUDA_SUCCESS);
	memcpy(model + 11 * p + 8, &v32, 4);
	memcpy(model + 11 * p + 12, &v32, 4);
	assert_int_equal(cuMemsetD2D8Async(d + 7 * p + 500, p, 0x77, 12, 1, s),
			 CUDA_SUCCESS);
	memset(model + 7 * p + 500, 0x77, 12);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(got, d, sizeof(got)), CUDA_SUCCESS);
	assert_memory_equal(got, model, sizeof(model));
	/* Nothing to do. */
	assert_int_equal(cuMemsetD2D8(d, p, 1, 0, 5), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD2D8(d, p, 1, 5, 0), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

static void bad(CUDA_MEMCPY2D c, CUresult want)
{
	assert_int_equal(cuMemcpy2D(&c), want);
	assert_int_equal(cuMemcpy2DAsync(&c, NULL), want);
}

/* Each invalid field, refused at the call; the memory stays as it was. */
static void test_bad_args(void **state)
{
	static struct mem2d m;
	struct end h = { CU_MEMORYTYPE_HOST, m.h1, 0, 0, 0, HP, m.m1 };
	struct end a = { CU_MEMORYTYPE_DEVICE, NULL, 0, 0, 0, 512, m.ma };
	CUDA_MEMCPY2D c;
	CUdeviceptr d;
	size_t p;

	(void)state;
	setup_mem(&m);
	a.dev = m.a;
	c = mk(&h, &a, 100, AH);
	assert_int_equal(cuMemcpy2D(&c), CUDA_SUCCESS);	/* the good one */
	model_copy(&h, &a, 100, AH);
	assert_int_equal(cuMemcpy2D(NULL), CUDA_ERROR_INVALID_VALUE);
	c.WidthInBytes = HP + 1;		/* wider than the source pitch */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, AH);
	c.dstPitch = 99;			/* narrower than the width */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, AH);
	c.dstPitch = 1ull << 32;		/* over MAX_PITCH */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, AH);
	c.Height = AH + 1;			/* past the allocation */
	c.srcPitch = 100;
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.dstY = AH - 1;			/* starts in, ends past it */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.dstXInBytes = 512 * AH - 50;
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, SIZE_MAX / 256);	/* pitch * height overflows */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.dstY = SIZE_MAX / 8;			/* y * pitch overflows */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.srcHost = NULL;
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.dstDevice = 0x10;			/* no allocation */
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.srcMemoryType = (CUmemorytype)99;
	bad(c, CUDA_ERROR_INVALID_VALUE);
	c = mk(&h, &a, 100, 2);
	c.dstMemoryType = CU_MEMORYTYPE_ARRAY;
	bad(c, CUDA_ERROR_NOT_SUPPORTED);
	c = mk(&h, &h, 10, 2);			/* a stream that is none */
	assert_int_equal(cuMemcpy2DAsync(&c, (CUstream)&c),
			 CUDA_ERROR_INVALID_HANDLE);
	c = mk(&h, &a, 0, 2);			/* nothing to do */
	assert_int_equal(cuMemcpy2D(&c), CUDA_SUCCESS);
	/* memsets */
	assert_int_equal(cuMemsetD2D8(m.a, 99, 0, 100, 2),
			 CUDA_ERROR_INVALID_VALUE);	/* pitch < width */
	assert_int_equal(cuMemsetD2D32(m.a + 2, 512, 0, 4, 2),
			 CUDA_ERROR_INVALID_VALUE);	/* misaligned */
	assert_int_equal(cuMemsetD2D16(m.a, 511, 0, 4, 2),
			 CUDA_ERROR_INVALID_VALUE);	/* odd pitch */
	assert_int_equal(cuMemsetD2D8Async(m.a, 512, 0, 100, AH + 1, NULL),
			 CUDA_ERROR_INVALID_VALUE);	/* past the end */
	assert_int_equal(cuMemsetD2D32(m.a, 512, 0, 16, SIZE_MAX / 64),
			 CUDA_ERROR_INVALID_VALUE);	/* overflow */
	/* pitched allocations */
	assert_int_equal(cuMemAllocPitch(&d, &p, 100, 2, 3),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, &p, 100, 2, 32),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, &p, 0, 2, 4),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, &p, 100, 0, 4),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, NULL, 100, 2, 4),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, &p, 1000, SIZE_MAX / 512, 8),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemAllocPitch(&d, &p, 513, 3, 8), CUDA_SUCCESS);
	assert_int_equal(p, 1024);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	check_mem(&m);
	assert_int_equal(cuMemFree(m.a), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(m.b), CUDA_SUCCESS);
}

/*
 * cuMemAllocAsync / cuMemFreeAsync: with the submission thread held, a
 * memset, a copy of it and a free of its buffer are queued; the free runs
 * after both (the copy holds the memset's bytes); a use after the free is
 * refused at the call as an unknown address.
 */
static void test_alloc_async(void **state)
{
	uint32_t want[64], got[64], v = 0xfeedf00du, hold = 1;
	CUdeviceptr d, e, keep;
	CUstream s;

	(void)state;
	assert_int_equal(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING),
			 CUDA_SUCCESS);
	assert_int_equal(cuMemAllocAsync(&d, sizeof(got), s), CUDA_SUCCESS);
	assert_int_equal(cuMemAllocAsync(&e, sizeof(got), s), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&keep, 4), CUDA_SUCCESS);
	lcf_gate(1);
	assert_int_equal(cuMemcpyHtoDAsync(keep, &hold, 4, s), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD32Async(d, v, 64, s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoDAsync(e, d, sizeof(got), s), CUDA_SUCCESS);
	assert_int_equal(cuMemFreeAsync(d, s), CUDA_SUCCESS);
	/* Gone from the table at the call. */
	assert_int_equal(cuMemsetD8Async(d, 0, 4, s), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemFreeAsync(d, s), CUDA_ERROR_INVALID_VALUE);
	lcf_gate(0);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	for (int i = 0; i < 64; i++)
		want[i] = v;
	assert_int_equal(cuMemcpyDtoH(got, e, sizeof(got)), CUDA_SUCCESS);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(cuMemcpyDtoH(got, d, 4), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemsetD8(d, 0, 4), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemFreeAsync(e, NULL), CUDA_SUCCESS);
	assert_int_equal(cuMemFreeAsync(0, s), CUDA_SUCCESS);
	assert_int_equal(cuMemAllocAsync(&d, 16, (CUstream)&v),
			 CUDA_ERROR_INVALID_HANDLE);
	assert_int_equal(cuMemAllocAsync(NULL, 16, s), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuCtxSynchronize(), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(keep), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
}

/*
 * cuMemcpy3D: a box of 20 bytes x 3 rows x 3 slices from a host volume
 * (pitch 40, 6 rows a slice) at (4, 2, 1) into a pitched device volume
 * (8 rows a slice, 5 slices) at (8, 4, 2), synchronously; back into
 * another host volume at (0, 0, 0) on a stream; every byte of both
 * checked against a model. Arrays, levels of detail and heights that
 * cannot hold the rows are refused.
 */
static void test_copy_3d(void **state)
{
	enum { HPITCH = 40, HROWS = 6, HD = 4, DROWS = 8, DD = 5, W = 20 };
	static uint8_t host[HD * HROWS * HPITCH], back[HD * HROWS * HPITCH];
	static uint8_t model[DD * DROWS * 512], got[DD * DROWS * 512];
	static uint8_t want_back[HD * HROWS * HPITCH];
	CUDA_MEMCPY3D c;
	CUdeviceptr d;
	size_t dp;
	CUstream s;

	(void)state;
	for (size_t i = 0; i < sizeof(host); i++)
		host[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(cuMemAllocPitch(&d, &dp, 64, DROWS * DD, 4), CUDA_SUCCESS);
	assert_int_equal(dp, 512);
	assert_int_equal(cuMemsetD8(d, 0, dp * DROWS * DD), CUDA_SUCCESS);
	memset(model, 0, sizeof(model));
	memset(&c, 0, sizeof(c));
	c.srcMemoryType = CU_MEMORYTYPE_HOST;
	c.srcHost = host;
	c.srcPitch = HPITCH;
	c.srcHeight = HROWS;
	c.srcXInBytes = 4;
	c.srcY = 2;
	c.srcZ = 1;
	c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
	c.dstDevice = d;
	c.dstPitch = dp;
	c.dstHeight = DROWS;
	c.dstXInBytes = 8;
	c.dstY = 4;
	c.dstZ = 2;
	c.WidthInBytes = W;
	c.Height = 3;
	c.Depth = 3;
	assert_int_equal(cuMemcpy3D(&c), CUDA_SUCCESS);
	for (int z = 0; z < 3; z++)
		for (int y = 0; y < 3; y++)
			memcpy(model + ((2 + z) * DROWS + 4 + y) * 512 + 8,
			       host + ((1 + z) * HROWS + 2 + y) * HPITCH + 4, W);
	assert_int_equal(cuMemcpyDtoH(got, d, sizeof(got)), CUDA_SUCCESS);
	assert_memory_equal(got, model, sizeof(got));
	/* Back, on a stream, into another volume's corner. */
	memset(back, 0xee, sizeof(back));
	memcpy(want_back, back, sizeof(back));
	for (int z = 0; z < 3; z++)
		for (int y = 0; y < 3; y++)
			memcpy(want_back + (z * HROWS + y) * HPITCH,
			       model + ((2 + z) * DROWS + 4 + y) * 512 + 8, W);
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
	c.srcDevice = d;
	c.srcPitch = dp;
	c.srcHeight = DROWS;
	c.srcXInBytes = 8;
	c.srcY = 4;
	c.srcZ = 2;
	c.dstMemoryType = CU_MEMORYTYPE_HOST;
	c.dstHost = back;
	c.dstPitch = HPITCH;
	c.dstHeight = HROWS;
	c.dstXInBytes = c.dstY = c.dstZ = 0;
	assert_int_equal(cuMemcpy3DAsync(&c, s), CUDA_SUCCESS);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_memory_equal(back, want_back, sizeof(back));
	/* Refused: an array, a level of detail, rows a slice cannot hold. */
	c.srcMemoryType = CU_MEMORYTYPE_ARRAY;
	assert_int_equal(cuMemcpy3D(&c), CUDA_ERROR_NOT_SUPPORTED);
	c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
	c.srcLOD = 1;
	assert_int_equal(cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
	c.srcLOD = 0;
	c.srcY = 6;	/* 6 + 3 rows > 8 */
	assert_int_equal(cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
	c.srcY = 4;
	c.srcZ = 3;	/* slices 3..5 of 5: past the allocation */
	assert_int_equal(cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuMemcpy3D(NULL), CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
}

/* fill32(p, v, n) with @cfg. */
static CUresult fill_ex(const CUlaunchConfig *cfg, CUfunction f, CUdeviceptr p,
			uint32_t v, uint32_t n)
{
	void *args[] = { &p, &v, &n };

	return cuLaunchKernelEx(cfg, f, args, NULL);
}

/* cuLaunchKernelEx: no attributes, PRIORITY (kept), COOPERATIVE (refused). */
static void test_launch_ex(void **state)
{
	uint32_t got[96], want[96] = { 0 }, v = 0x0badcafeu, n = 32;
	CUlaunchAttribute at[2];
	CUlaunchConfig cfg = { 1, 1, 1, 32, 1, 1, 0, NULL, NULL, 0 };
	CUdeviceptr d;
	CUfunction f;
	CUmodule m;
	CUstream s;

	(void)state;
	assert_int_equal(cuStreamCreate(&s, 0), CUDA_SUCCESS);
	assert_int_equal(cuModuleLoadData(&m, lcf_fake_module), CUDA_SUCCESS);
	assert_int_equal(cuModuleGetFunction(&f, m, "fill32"), CUDA_SUCCESS);
	assert_int_equal(cuMemAlloc(&d, sizeof(got)), CUDA_SUCCESS);
	assert_int_equal(cuMemsetD8(d, 0, sizeof(got)), CUDA_SUCCESS);
	cfg.hStream = s;
	assert_int_equal(fill_ex(&cfg, f, d, v, n), CUDA_SUCCESS);
	for (int i = 0; i < 32; i++)
		want[i] = v;
	memset(at, 0, sizeof(at));
	at[0].id = CU_LAUNCH_ATTRIBUTE_PRIORITY;
	at[0].value.priority = -1;
	at[1].id = CU_LAUNCH_ATTRIBUTE_IGNORE;
	cfg.attrs = at;
	cfg.numAttrs = 2;
	v = 0x600df00du;
	assert_int_equal(fill_ex(&cfg, f, d + 128, v, n), CUDA_SUCCESS);
	for (int i = 32; i < 64; i++)
		want[i] = v;
	at[1].id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
	at[1].value.cooperative = 1;
	assert_int_equal(fill_ex(&cfg, f, d + 256, v, n),
			 CUDA_ERROR_NOT_SUPPORTED);
	cfg.attrs = NULL;
	assert_int_equal(fill_ex(&cfg, f, d + 256, v, n),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(fill_ex(NULL, f, d + 256, v, n),
			 CUDA_ERROR_INVALID_VALUE);
	cfg.numAttrs = 0;
	cfg.gridDimX = 0;
	assert_int_equal(fill_ex(&cfg, f, d + 256, v, n),
			 CUDA_ERROR_INVALID_VALUE);
	assert_int_equal(cuStreamSynchronize(s), CUDA_SUCCESS);
	assert_int_equal(cuMemcpyDtoH(got, d, sizeof(got)), CUDA_SUCCESS);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(cuMemFree(d), CUDA_SUCCESS);
	assert_int_equal(cuModuleUnload(m), CUDA_SUCCESS);
	assert_int_equal(cuStreamDestroy(s), CUDA_SUCCESS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_2d, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_2d_async, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_memset_2d, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_bad_args, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_alloc_async, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_launch_ex, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_3d, up_fake, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_3d, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_2d, up_old, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_2d_async, up_old, lcf_down),
		cmocka_unit_test_setup_teardown(test_memset_2d, up_old, lcf_down),
		cmocka_unit_test_setup_teardown(test_alloc_async, up_old, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_2d, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_copy_2d_async, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_memset_2d, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_bad_args, up_cpu, lcf_down),
		cmocka_unit_test_setup_teardown(test_alloc_async, up_cpu, lcf_down),
	};

	if (argc > 1 && !strcmp(argv[1], "--fake-child"))
		return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
	setenv("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1", 1);
	return cmocka_run_group_tests_name("libcuda_2d", tests, NULL, NULL);
}
