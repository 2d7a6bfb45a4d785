// SPDX-License-Identifier: MIT
/*
 * Pitched memory (cudaMallocPitch, cudaMemcpy2D, cudaMemset2D and their
 * Async forms; cudaMalloc3D, cudaMemcpy3D, cudaMemset3D, below) and
 * stream-ordered allocation (cudaMallocAsync,
 * cudaFreeAsync), each the Driver API call of the same meaning
 * (cuMemAllocPitch, cuMemcpy2D, cuMemsetD2D8, cuMemAllocAsync,
 * cuMemFreeAsync). cudaMemcpyDefault and host-to-host copies name both
 * sides CU_MEMORYTYPE_UNIFIED: the Driver API library tells device from
 * host pointers by its allocation table, as for cudaMemcpy. There are no
 * memory pools: cudaMallocAsync allocates at the call, cudaFreeAsync
 * frees once the work queued before it has run (libcuda.md).
 */
#include "crt.h"

#define DP(p) ((CUdeviceptr)(uintptr_t)(p))

CRT_EXPORT cudaError_t cudaMallocPitch(void **p, size_t *pitch, size_t width,
				       size_t height)
{
	cudaError_t e = crt_alloc_begin(p);
	CUdeviceptr d = 0;

	if (e != cudaSuccess)
		return e;
	if (!pitch)
		return crt_ret(cudaErrorInvalidValue);
	/* The element size only bounds what the driver accepts: 16 is any. */
	return crt_alloc_end(p, cuMemAllocPitch(&d, pitch, width, height, 16),
			     &d);
}

/* Each side's memory type for @kind: 0, or -1 for a kind there is not. */
static int kind_types(enum cudaMemcpyKind kind, CUmemorytype *src,
		      CUmemorytype *dst)
{
	switch (kind) {
	case cudaMemcpyHostToDevice:
		*src = CU_MEMORYTYPE_HOST;
		*dst = CU_MEMORYTYPE_DEVICE;
		return 0;
	case cudaMemcpyDeviceToHost:
		*src = CU_MEMORYTYPE_DEVICE;
		*dst = CU_MEMORYTYPE_HOST;
		return 0;
	case cudaMemcpyDeviceToDevice:
		*src = *dst = CU_MEMORYTYPE_DEVICE;
		return 0;
	case cudaMemcpyHostToHost:
	case cudaMemcpyDefault:
		*src = *dst = CU_MEMORYTYPE_UNIFIED;
		return 0;
	default:
		return -1;
	}
}

static cudaError_t copy_2d(void *dst, size_t dpitch, const void *src,
			   size_t spitch, size_t width, size_t height,
			   enum cudaMemcpyKind kind, int async, cudaStream_t s)
{
	CUDA_MEMCPY2D c = {
		.srcHost = src, .srcDevice = DP(src), .srcPitch = spitch,
		.dstHost = dst, .dstDevice = DP(dst), .dstPitch = dpitch,
		.WidthInBytes = width, .Height = height,
	};
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!width || !height)
		return cudaSuccess;
	if (width > spitch || width > dpitch)
		return crt_ret(cudaErrorInvalidPitchValue);
	if (kind_types(kind, &c.srcMemoryType, &c.dstMemoryType))
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	return crt_cu(async ? cuMemcpy2DAsync(&c, (CUstream)s) :
			      cuMemcpy2D(&c));
}

CRT_EXPORT cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src,
				    size_t spitch, size_t width, size_t height,
				    enum cudaMemcpyKind kind)
{
	return copy_2d(dst, dpitch, src, spitch, width, height, kind, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch,
					 const void *src, size_t spitch,
					 size_t width, size_t height,
					 enum cudaMemcpyKind kind,
					 cudaStream_t s)
{
	return copy_2d(dst, dpitch, src, spitch, width, height, kind, 1, s);
}

CRT_EXPORT cudaError_t cudaMemset2D(void *p, size_t pitch, int value,
				    size_t width, size_t height)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuMemsetD2D8(DP(p), pitch, (unsigned char)value, width,
				   height));
}

CRT_EXPORT cudaError_t cudaMemset2DAsync(void *p, size_t pitch, int value,
					 size_t width, size_t height,
					 cudaStream_t s)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuMemsetD2D8Async(DP(p), pitch, (unsigned char)value,
					width, height, (CUstream)s));
}

CRT_EXPORT cudaError_t cudaMallocAsync(void **p, size_t size, cudaStream_t s)
{
	cudaError_t e = crt_alloc_begin(p);
	CUdeviceptr d = 0;

	if (e != cudaSuccess)
		return e;
	if (!size) {
		*p = NULL;
		return cudaSuccess;
	}
	return crt_alloc_end(p, cuMemAllocAsync(&d, size, (CUstream)s), &d);
}

CRT_EXPORT cudaError_t cudaFreeAsync(void *p, cudaStream_t s)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuMemFreeAsync(DP(p), (CUstream)s));
}

/*
 * 3D linear memory: a pitched allocation of depth slices of height rows
 * (cuMemAllocPitch), copies of a box (cuMemcpy3D: positions in bytes, as
 * for linear memory), memsets slice by slice (cuMemsetD2D8). CUDA arrays
 * are not supported.
 */
CRT_EXPORT cudaError_t cudaMalloc3D(struct cudaPitchedPtr *pp,
				    struct cudaExtent e)
{
	cudaError_t e0 = crt_alloc_begin((void **)pp);
	CUdeviceptr d = 0;
	size_t pitch = 0, rows;

	if (e0 != cudaSuccess)
		return e0;
	*pp = (struct cudaPitchedPtr){ NULL, 0, e.width, e.height };
	if (!e.width || !e.height || !e.depth)
		return cudaSuccess;
	if (__builtin_mul_overflow(e.height, e.depth, &rows))
		return crt_ret(cudaErrorInvalidValue);
	e0 = crt_alloc_end(&pp->ptr, cuMemAllocPitch(&d, &pitch, e.width, rows,
						     16), &d);
	pp->pitch = pitch;
	return e0;
}

static cudaError_t copy_3d(const struct cudaMemcpy3DParms *p, int async,
			   cudaStream_t s)
{
	CUDA_MEMCPY3D c;
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!p)
		return crt_ret(cudaErrorInvalidValue);
	if (p->srcArray || p->dstArray) {
		crt_log("cudaMemcpy3D: a CUDA array: not supported");
		return crt_ret(cudaErrorNotSupported);
	}
	c = (CUDA_MEMCPY3D){
		.srcXInBytes = p->srcPos.x, .srcY = p->srcPos.y,
		.srcZ = p->srcPos.z, .srcHost = p->srcPtr.ptr,
		.srcDevice = DP(p->srcPtr.ptr), .srcPitch = p->srcPtr.pitch,
		.srcHeight = p->srcPtr.ysize,
		.dstXInBytes = p->dstPos.x, .dstY = p->dstPos.y,
		.dstZ = p->dstPos.z, .dstHost = p->dstPtr.ptr,
		.dstDevice = DP(p->dstPtr.ptr), .dstPitch = p->dstPtr.pitch,
		.dstHeight = p->dstPtr.ysize,
		.WidthInBytes = p->extent.width, .Height = p->extent.height,
		.Depth = p->extent.depth,
	};
	if (kind_types(p->kind, &c.srcMemoryType, &c.dstMemoryType))
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	return crt_cu(async ? cuMemcpy3DAsync(&c, (CUstream)s) :
			      cuMemcpy3D(&c));
}

CRT_EXPORT cudaError_t cudaMemcpy3D(const struct cudaMemcpy3DParms *p)
{
	return copy_3d(p, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *p,
					 cudaStream_t s)
{
	return copy_3d(p, 1, s);
}

static cudaError_t set_3d(struct cudaPitchedPtr pp, int value,
			  struct cudaExtent e, int async, cudaStream_t s)
{
	cudaError_t err = crt_ctx();
	size_t slice;

	if (err != cudaSuccess)
		return err;
	if (__builtin_mul_overflow(pp.pitch, pp.ysize, &slice) ||
	    (e.depth > 1 && e.height > pp.ysize))
		return crt_ret(cudaErrorInvalidValue);
	for (size_t z = 0; z < e.depth && err == cudaSuccess; z++) {
		CUdeviceptr d = DP(pp.ptr) + z * slice;

		err = crt_cu(async ? cuMemsetD2D8Async(d, pp.pitch,
						       (unsigned char)value,
						       e.width, e.height,
						       (CUstream)s) :
				     cuMemsetD2D8(d, pp.pitch, (unsigned char)value,
						  e.width, e.height));
	}
	return err;
}

CRT_EXPORT cudaError_t cudaMemset3D(struct cudaPitchedPtr pp, int value,
				    struct cudaExtent e)
{
	return set_3d(pp, value, e, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemset3DAsync(struct cudaPitchedPtr pp, int value,
					 struct cudaExtent e, cudaStream_t s)
{
	return set_3d(pp, value, e, 1, s);
}
