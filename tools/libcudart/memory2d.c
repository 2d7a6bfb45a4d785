// SPDX-License-Identifier: MIT
/*
 * Pitched memory (cudaMallocPitch, cudaMemcpy2D, cudaMemset2D and their
 * Async forms) and stream-ordered allocation (cudaMallocAsync,
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
	switch (kind) {
	case cudaMemcpyHostToDevice:
		c.srcMemoryType = CU_MEMORYTYPE_HOST;
		c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
		break;
	case cudaMemcpyDeviceToHost:
		c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
		c.dstMemoryType = CU_MEMORYTYPE_HOST;
		break;
	case cudaMemcpyDeviceToDevice:
		c.srcMemoryType = c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
		break;
	case cudaMemcpyHostToHost:
	case cudaMemcpyDefault:
		c.srcMemoryType = c.dstMemoryType = CU_MEMORYTYPE_UNIFIED;
		break;
	default:
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	}
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
