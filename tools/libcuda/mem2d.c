// SPDX-License-Identifier: MIT
/*
 * Pitched memory: cuMemAllocPitch, cuMemcpy2D and cuMemcpy3D (host and
 * device sides, CU_MEMORYTYPE_UNIFIED told apart by the allocation table
 * as cuMemcpy does; arrays are not supported) and cuMemsetD2D*.
 *
 * Every field is checked at the call (CUDA_ERROR_INVALID_VALUE): pitches
 * at least the width and at most CU_DEVICE_ATTRIBUTE_MAX_PITCH, offsets
 * and spans without overflow, a device side's whole span
 * [start, start + pitch * (rows - 1) + width) inside one allocation.
 * What a call queues:
 *  - both pitches equal to the width (or one row): one request, as the
 *    1D call of the same bytes;
 *  - a host side: one request (Q_WRITE_2D / Q_READ_2D, queue.c) that
 *    writes or reads the rows in order; an asynchronous host-to-device
 *    copy stages the rectangle packed at the call, as cuMemcpyHtoDAsync
 *    stages its bytes;
 *  - device to device, and memsets: one MEM_COPY / MEM_SET per row, which
 *    the queue batches (up to 64 per VGPU_IOC_SUBMIT). Rows are at most
 *    the allocation's size / the pitch, and a caller past the queue's
 *    bound (CUVG_Q_MAX requests) waits for room, so a call never holds
 *    more than that bound in memory.
 * A synchronous call queues its rows and waits for them, reporting the
 * first error of them (or of earlier asynchronous work), as cuMemcpy does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

/* The pitch cuMemAllocPitch rounds to: NVIDIA's texture pitch alignment. */
#define CUVG_PITCH_ALIGN	512u
/* CU_DEVICE_ATTRIBUTE_MAX_PITCH as device.c reports it. */
#define CUVG_MAX_PITCH		2147483647ull

CUVG_EXPORT CUresult cuMemAllocPitch_v2(CUdeviceptr *dptr, size_t *pitch,
					size_t width, size_t height,
					unsigned int elem)
{
	uint64_t p, size;

	if (!dptr || !pitch || !width || !height ||
	    (elem != 4 && elem != 8 && elem != 16) || width > CUVG_MAX_PITCH)
		return CUDA_ERROR_INVALID_VALUE;
	p = (width + CUVG_PITCH_ALIGN - 1) / CUVG_PITCH_ALIGN * CUVG_PITCH_ALIGN;
	if (__builtin_mul_overflow(p, (uint64_t)height, &size) ||
	    size > SIZE_MAX)
		return CUDA_ERROR_INVALID_VALUE;
	*pitch = (size_t)p;
	return cuMemAlloc_v2(dptr, (size_t)size);
}

/* One side of a 2D copy, checked: where its first row starts. */
struct side {
	int dev;
	uint64_t addr, pitch;
};

static CUresult side_of(CUmemorytype type, const void *host, CUdeviceptr dev,
			size_t x, size_t y, size_t pitch, size_t w, size_t h,
			const char *what, struct side *s)
{
	uint64_t off, span, end;

	switch (type) {
	case CU_MEMORYTYPE_HOST:
		/* Managed memory is device memory, whichever kind is named. */
		s->addr = (uint64_t)(uintptr_t)host;
		s->dev = cuvg_managed_has(s->addr);
		break;
	case CU_MEMORYTYPE_DEVICE:
		s->dev = 1;
		s->addr = dev;
		break;
	case CU_MEMORYTYPE_UNIFIED:
		s->addr = dev;
		s->dev = cuvg_dev_range(dev, 1);
		break;
	case CU_MEMORYTYPE_ARRAY:
		cuvg_log("cuMemcpy2D: %s is a CUDA array: not supported", what);
		return CUDA_ERROR_NOT_SUPPORTED;
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
	s->pitch = pitch;
	if (!s->addr || pitch < w || pitch > CUVG_MAX_PITCH ||
	    __builtin_mul_overflow((uint64_t)y, (uint64_t)pitch, &off) ||
	    __builtin_add_overflow(off, (uint64_t)x, &off) ||
	    __builtin_add_overflow(s->addr, off, &s->addr) ||
	    __builtin_mul_overflow((uint64_t)(h - 1), (uint64_t)pitch, &span) ||
	    __builtin_add_overflow(span, (uint64_t)w, &span) ||
	    __builtin_add_overflow(s->addr, span, &end) ||
	    (s->dev && !cuvg_dev_range(s->addr, span))) {
		cuvg_log("cuMemcpy2D: bad %s (x %zu, y %zu, pitch %zu, %zu bytes x %zu rows)",
			 what, x, y, pitch, w, h);
		return CUDA_ERROR_INVALID_VALUE;
	}
	return CUDA_SUCCESS;
}

/* Waits for what a synchronous call queued; reports what failed. */
static CUresult finish(CUresult rc, int async)
{
	if (rc != CUDA_SUCCESS || async)
		return rc;
	return cuvg_sync_upto(cuvg_last_seq(), 0);
}

/* Device rows: one request each, queued (batched by the queue). */
static CUresult rows_dd(const struct cuvg_req *r, uint64_t dpitch, uint64_t spitch,
			uint64_t rows, CUstream s, int async)
{
	CUresult rc = CUDA_SUCCESS;

	for (uint64_t i = 0; i < rows && rc == CUDA_SUCCESS; i++) {
		struct cuvg_req row = *r;

		row.dptr += i * dpitch;
		row.dptr2 += i * spitch;
		rc = cuvg_issue(&row, s, 1);
	}
	return finish(rc, async);
}

static CUresult copy_2d(const CUDA_MEMCPY2D *c, CUstream s, int async)
{
	struct cuvg_req r = { .op = Q_NOP };
	struct side src, dst;
	uint64_t w, h;
	int packed;
	/* The stream checked here too: a host-to-host copy queues nothing. */
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!c)
		return CUDA_ERROR_INVALID_VALUE;
	w = c->WidthInBytes;
	h = c->Height;
	if (!w || !h)
		return CUDA_SUCCESS;
	rc = side_of(c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes,
		     c->srcY, c->srcPitch, w, h, "source", &src);
	if (rc == CUDA_SUCCESS)
		rc = side_of(c->dstMemoryType, c->dstHost, c->dstDevice,
			     c->dstXInBytes, c->dstY, c->dstPitch, w, h,
			     "destination", &dst);
	if (rc != CUDA_SUCCESS)
		return rc;
	packed = h == 1 || (src.pitch == w && dst.pitch == w);
	r.width = w;
	r.rows = h;
	r.len = w * h;		/* <= the span: no overflow */
	if (src.dev && dst.dev) {
		r.op = Q_COPY_DD;
		r.dptr = dst.addr;
		r.dptr2 = src.addr;
		if (packed)
			return finish(cuvg_issue(&r, s, 1), async);
		r.len = w;
		return rows_dd(&r, dst.pitch, src.pitch, h, s, async);
	}
	if (dst.dev) {
		r.dptr = dst.addr;
		r.dpitch = dst.pitch;
		if (async) {
			/* Staged packed: the caller may reuse its rows at once. */
			uint8_t *stage = malloc(r.len);

			if (!stage)
				return CUDA_ERROR_OUT_OF_MEMORY;
			for (uint64_t i = 0; i < h; i++)
				memcpy(stage + i * w, (const uint8_t *)(uintptr_t)
				       (src.addr + i * src.pitch), w);
			r.owned = stage;
			r.op = dst.pitch == w || h == 1 ? Q_WRITE : Q_WRITE_2D;
		} else {
			r.src = (const void *)(uintptr_t)src.addr;
			r.hpitch = src.pitch;
			r.op = packed ? Q_WRITE : Q_WRITE_2D;
		}
		return cuvg_issue(&r, s, async);
	}
	if (src.dev) {
		r.dptr = src.addr;
		r.dpitch = src.pitch;
		r.dst = (void *)(uintptr_t)dst.addr;
		r.hpitch = dst.pitch;
		r.op = packed ? Q_READ : Q_READ_2D;
		return cuvg_issue(&r, s, async);
	}
	/* Host to host: in order with the queue, as cuMemcpy does. */
	cuvg_wait_seq(cuvg_last_seq());
	for (uint64_t i = 0; i < h; i++)
		memmove((void *)(uintptr_t)(dst.addr + i * dst.pitch),
			(const void *)(uintptr_t)(src.addr + i * src.pitch), w);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *c)
{
	return copy_2d(c, NULL, 0);
}

/* No alignment rule to relax: every copy is already byte-exact. */
CUVG_EXPORT CUresult cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *c)
{
	return copy_2d(c, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *c, CUstream s)
{
	return copy_2d(c, s, 1);
}

/*
 * A 3D copy of linear memory: Depth slices, each a 2D copy whose rows
 * start (Z + z) * Height rows further on each side (a slice is pitch *
 * height bytes), all queued, then waited for if the call is synchronous.
 * A CUDA array on either side is not supported; a level of detail or the
 * reserved fields set, or a side whose height cannot hold the rows
 * copied (Depth > 1), is CUDA_ERROR_INVALID_VALUE.
 */
static CUresult copy_3d(const CUDA_MEMCPY3D *c, CUstream s, int async)
{
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!c)
		return CUDA_ERROR_INVALID_VALUE;
	if (c->srcMemoryType == CU_MEMORYTYPE_ARRAY ||
	    c->dstMemoryType == CU_MEMORYTYPE_ARRAY) {
		cuvg_log("cuMemcpy3D: a CUDA array: not supported");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (c->srcLOD || c->dstLOD || c->reserved0 || c->reserved1 ||
	    (c->Depth > 1 && (c->srcHeight < c->Height ||
			      c->srcY > c->srcHeight - c->Height ||
			      c->dstHeight < c->Height ||
			      c->dstY > c->dstHeight - c->Height))) {
		cuvg_log("cuMemcpy3D: bad box (heights %zu and %zu for %zu rows)",
			 c->srcHeight, c->dstHeight, c->Height);
		return CUDA_ERROR_INVALID_VALUE;
	}
	for (size_t z = 0; z < c->Depth && rc == CUDA_SUCCESS; z++) {
		CUDA_MEMCPY2D d = {
			.srcXInBytes = c->srcXInBytes,
			.srcMemoryType = c->srcMemoryType,
			.srcHost = c->srcHost, .srcDevice = c->srcDevice,
			.srcPitch = c->srcPitch,
			.dstXInBytes = c->dstXInBytes,
			.dstMemoryType = c->dstMemoryType,
			.dstHost = c->dstHost, .dstDevice = c->dstDevice,
			.dstPitch = c->dstPitch,
			.WidthInBytes = c->WidthInBytes, .Height = c->Height,
		};

		if (__builtin_mul_overflow(c->srcZ + z, c->srcHeight, &d.srcY) ||
		    __builtin_add_overflow(d.srcY, c->srcY, &d.srcY) ||
		    __builtin_mul_overflow(c->dstZ + z, c->dstHeight, &d.dstY) ||
		    __builtin_add_overflow(d.dstY, c->dstY, &d.dstY))
			return CUDA_ERROR_INVALID_VALUE;
		rc = copy_2d(&d, s, 1);
	}
	return finish(rc, async);
}

CUVG_EXPORT CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D *c)
{
	return copy_3d(c, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *c, CUstream s)
{
	return copy_3d(c, s, 1);
}

/* @w elements of @elem bytes per row, @h rows @pitch bytes apart. */
static CUresult set_2d(CUdeviceptr d, size_t pitch, uint32_t v, uint32_t elem,
		       size_t w, size_t h, CUstream s, int async)
{
	struct cuvg_req r = { .op = Q_SET, .dptr = d, .value = v,
			      .elem = elem };
	uint64_t wb, span;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!w || !h)
		return CUDA_SUCCESS;
	if (__builtin_mul_overflow((uint64_t)w, (uint64_t)elem, &wb) ||
	    pitch < wb || pitch > CUVG_MAX_PITCH || d % elem || pitch % elem ||
	    __builtin_mul_overflow((uint64_t)(h - 1), (uint64_t)pitch, &span) ||
	    __builtin_add_overflow(span, wb, &span) ||
	    !cuvg_dev_range(d, span)) {
		cuvg_log("cuMemsetD2D%u: bad rectangle (pitch %zu, %zu x %zu)",
			 8 * elem, pitch, w, h);
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (h == 1 || pitch == wb) {
		r.len = wb * h;
		return finish(cuvg_issue(&r, s, 1), async);
	}
	r.len = wb;
	return rows_dd(&r, pitch, 0, h, s, async);
}

CUVG_EXPORT CUresult cuMemsetD2D8_v2(CUdeviceptr d, size_t pitch,
				     unsigned char v, size_t w, size_t h)
{
	return set_2d(d, pitch, v, 1, w, h, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD2D16_v2(CUdeviceptr d, size_t pitch,
				      unsigned short v, size_t w, size_t h)
{
	return set_2d(d, pitch, v, 2, w, h, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD2D32_v2(CUdeviceptr d, size_t pitch,
				      unsigned int v, size_t w, size_t h)
{
	return set_2d(d, pitch, v, 4, w, h, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD2D8Async(CUdeviceptr d, size_t pitch,
				       unsigned char v, size_t w, size_t h,
				       CUstream s)
{
	return set_2d(d, pitch, v, 1, w, h, s, 1);
}

CUVG_EXPORT CUresult cuMemsetD2D16Async(CUdeviceptr d, size_t pitch,
					unsigned short v, size_t w, size_t h,
					CUstream s)
{
	return set_2d(d, pitch, v, 2, w, h, s, 1);
}

CUVG_EXPORT CUresult cuMemsetD2D32Async(CUdeviceptr d, size_t pitch,
					unsigned int v, size_t w, size_t h,
					CUstream s)
{
	return set_2d(d, pitch, v, 4, w, h, s, 1);
}
