// SPDX-License-Identifier: MIT
/*
 * Memory: device allocations, host allocations, copies of every
 * cudaMemcpyKind (cudaMemcpyDefault and host-to-host through cuMemcpy,
 * which tells device from host pointers by unified addressing: the
 * Driver API library's allocation table), memsets, and __device__
 * variables by their host shadows (cudaMemcpyToSymbol, ...FromSymbol,
 * cudaGetSymbolAddress/Size). Every call makes the primary context
 * current first, as NVIDIA's runtime does (cudaFree(0) initializes).
 */
#include "crt.h"

#define DP(p) ((CUdeviceptr)(uintptr_t)(p))

cudaError_t crt_alloc_begin(void **p)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return p ? cudaSuccess : crt_ret(cudaErrorInvalidValue);
}

cudaError_t crt_alloc_end(void **p, CUresult r, const CUdeviceptr *d)
{
	cudaError_t e = crt_cu(r);

	*p = e == cudaSuccess ? (void *)(uintptr_t)*d : NULL;
	return e;
}

CRT_EXPORT cudaError_t cudaMalloc(void **p, size_t size)
{
	cudaError_t e = crt_alloc_begin(p);
	CUdeviceptr d = 0;

	if (e != cudaSuccess)
		return e;
	if (!size) {
		*p = NULL;
		return cudaSuccess;
	}
	return crt_alloc_end(p, cuMemAlloc(&d, size), &d);
}

CRT_EXPORT cudaError_t cudaFree(void *p)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess || !p)
		return e;
	return crt_cu(cuMemFree(DP(p)));
}

CRT_EXPORT cudaError_t cudaMallocHost(void **p, size_t size)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!p)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuMemAllocHost(p, size));
}

/* cudaHostAlloc* and CU_MEMHOSTALLOC_* flags are the same bits. */
CRT_EXPORT cudaError_t cudaHostAlloc(void **p, size_t size, unsigned int flags)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!p)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuMemHostAlloc(p, size, flags));
}

CRT_EXPORT cudaError_t cudaFreeHost(void *p)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess || !p)
		return e;
	return crt_cu(cuMemFreeHost(p));
}

CRT_EXPORT cudaError_t cudaHostRegister(void *p, size_t size, unsigned int flags)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuMemHostRegister(p, size, flags));
}

CRT_EXPORT cudaError_t cudaHostUnregister(void *p)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuMemHostUnregister(p));
}

CRT_EXPORT cudaError_t cudaMemGetInfo(size_t *free_b, size_t *total_b)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!free_b || !total_b)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuMemGetInfo(free_b, total_b));
}

/* One copy, synchronous (@async 0) or queued on @s. */
static cudaError_t copy(void *dst, const void *src, size_t n,
		       enum cudaMemcpyKind kind, int async, cudaStream_t s)
{
	CUstream cs = (CUstream)s;
	cudaError_t e = crt_ctx();
	CUresult r;

	if (e != cudaSuccess)
		return e;
	if (!n)
		return cudaSuccess;
	switch (kind) {
	case cudaMemcpyHostToDevice:
		r = async ? cuMemcpyHtoDAsync(DP(dst), src, n, cs) :
			    cuMemcpyHtoD(DP(dst), src, n);
		break;
	case cudaMemcpyDeviceToHost:
		r = async ? cuMemcpyDtoHAsync(dst, DP(src), n, cs) :
			    cuMemcpyDtoH(dst, DP(src), n);
		break;
	case cudaMemcpyDeviceToDevice:
		r = async ? cuMemcpyDtoDAsync(DP(dst), DP(src), n, cs) :
			    cuMemcpyDtoD(DP(dst), DP(src), n);
		break;
	case cudaMemcpyHostToHost:
	case cudaMemcpyDefault:
		r = async ? cuMemcpyAsync(DP(dst), DP(src), n, cs) :
			    cuMemcpy(DP(dst), DP(src), n);
		break;
	default:
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	}
	return crt_cu(r);
}

CRT_EXPORT cudaError_t cudaMemcpy(void *dst, const void *src, size_t n,
				  enum cudaMemcpyKind kind)
{
	return copy(dst, src, n, kind, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n,
				       enum cudaMemcpyKind kind,
				       cudaStream_t s)
{
	return copy(dst, src, n, kind, 1, s);
}

CRT_EXPORT cudaError_t cudaMemset(void *p, int value, size_t n)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e :
	       crt_cu(cuMemsetD8(DP(p), (unsigned char)value, n));
}

CRT_EXPORT cudaError_t cudaMemsetAsync(void *p, int value, size_t n,
				       cudaStream_t s)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e :
	       crt_cu(cuMemsetD8Async(DP(p), (unsigned char)value, n,
				      (CUstream)s));
}

/* [offset, offset + n) of @symbol's device copy, for a copy. */
static cudaError_t symbol_range(const void *symbol, size_t n, size_t offset,
				CUdeviceptr *d)
{
	size_t size = 0;
	cudaError_t e = crt_var_get(symbol, d, &size);

	if (e != cudaSuccess)
		return e;
	if (offset > size || n > size - offset)
		return crt_ret(cudaErrorInvalidValue);
	*d += offset;
	return cudaSuccess;
}

static cudaError_t to_symbol(const void *symbol, const void *src, size_t n,
			     size_t offset, enum cudaMemcpyKind kind, int async,
			     cudaStream_t s)
{
	CUdeviceptr d;
	cudaError_t e;

	if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToDevice &&
	    kind != cudaMemcpyDefault)
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	e = symbol_range(symbol, n, offset, &d);
	return e != cudaSuccess ? e :
	       copy((void *)(uintptr_t)d, src, n, kind, async, s);
}

static cudaError_t from_symbol(void *dst, const void *symbol, size_t n,
			       size_t offset, enum cudaMemcpyKind kind,
			       int async, cudaStream_t s)
{
	CUdeviceptr d;
	cudaError_t e;

	if (kind != cudaMemcpyDeviceToHost && kind != cudaMemcpyDeviceToDevice &&
	    kind != cudaMemcpyDefault)
		return crt_ret(cudaErrorInvalidMemcpyDirection);
	e = symbol_range(symbol, n, offset, &d);
	return e != cudaSuccess ? e :
	       copy(dst, (const void *)(uintptr_t)d, n, kind, async, s);
}

CRT_EXPORT cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src,
					  size_t n, size_t offset,
					  enum cudaMemcpyKind kind)
{
	return to_symbol(symbol, src, n, offset, kind, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemcpyToSymbolAsync(const void *symbol,
					       const void *src, size_t n,
					       size_t offset,
					       enum cudaMemcpyKind kind,
					       cudaStream_t s)
{
	return to_symbol(symbol, src, n, offset, kind, 1, s);
}

CRT_EXPORT cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol,
					    size_t n, size_t offset,
					    enum cudaMemcpyKind kind)
{
	return from_symbol(dst, symbol, n, offset, kind, 0, NULL);
}

CRT_EXPORT cudaError_t cudaMemcpyFromSymbolAsync(void *dst, const void *symbol,
						 size_t n, size_t offset,
						 enum cudaMemcpyKind kind,
						 cudaStream_t s)
{
	return from_symbol(dst, symbol, n, offset, kind, 1, s);
}

CRT_EXPORT cudaError_t cudaGetSymbolAddress(void **p, const void *symbol)
{
	CUdeviceptr d;
	size_t size;
	cudaError_t e;

	if (!p)
		return crt_ret(cudaErrorInvalidValue);
	e = crt_var_get(symbol, &d, &size);
	if (e == cudaSuccess)
		*p = (void *)(uintptr_t)d;
	return e;
}

CRT_EXPORT cudaError_t cudaGetSymbolSize(size_t *size, const void *symbol)
{
	CUdeviceptr d;

	if (!size)
		return crt_ret(cudaErrorInvalidValue);
	return crt_var_get(symbol, &d, size);
}

/*
 * Device and managed memory are what the Driver API library's allocation
 * table holds (cuPointerGetAttribute); anything else is host memory the
 * device does not map: cudaMemoryTypeUnregistered, also for
 * cudaMallocHost's (vgpu pins nothing, libcuda.md "Limits"). Managed
 * memory has one address for both sides, as in CUDA.
 */
CRT_EXPORT cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *a,
						const void *ptr)
{
	cudaError_t e = crt_ctx();
	int managed = 0;

	if (e != cudaSuccess)
		return e;
	if (!a)
		return crt_ret(cudaErrorInvalidValue);
	if (ptr && cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED,
					 DP(ptr)) == CUDA_SUCCESS) {
		*a = (struct cudaPointerAttributes){
			.type = managed ? cudaMemoryTypeManaged :
					  cudaMemoryTypeDevice,
			.device = 0, .devicePointer = (void *)ptr,
			.hostPointer = managed ? (void *)ptr : NULL,
		};
	} else {
		*a = (struct cudaPointerAttributes){
			.type = cudaMemoryTypeUnregistered, .device = -2,
			.hostPointer = (void *)ptr,
		};
	}
	return cudaSuccess;
}
