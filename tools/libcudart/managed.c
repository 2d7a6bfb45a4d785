// SPDX-License-Identifier: MIT
/*
 * Managed memory: cudaMallocManaged and the calls that steer it
 * (cudaMemPrefetchAsync, cudaMemAdvise, cudaStreamAttachMemAsync), each
 * the Driver API call of the same meaning. The Driver API library gives
 * managed memory without concurrent access (concurrentManagedAccess 0):
 * the host may touch it between a synchronize and the next kernel launch,
 * not while device work may use it (libcuda.md, "Managed memory").
 * Location types, advice values and attach flags are the Driver API's
 * enumerations under other names, with the same values.
 */
#include "crt.h"

#define DP(p) ((CUdeviceptr)(uintptr_t)(p))

CRT_EXPORT cudaError_t cudaMallocManaged(void **p, size_t size,
					 unsigned int flags)
{
	cudaError_t e = crt_alloc_begin(p);
	CUdeviceptr d = 0;

	if (e != cudaSuccess)
		return e;
	return crt_alloc_end(p, cuMemAllocManaged(&d, size, flags), &d);
}

static CUmemLocation location(struct cudaMemLocation l)
{
	return (CUmemLocation){ .type = (CUmemLocationType)l.type, .id = l.id };
}

CRT_EXPORT cudaError_t cudaMemPrefetchAsync(const void *p, size_t n,
					    struct cudaMemLocation loc,
					    unsigned int flags, cudaStream_t s)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuMemPrefetchAsync_v2(DP(p), n, location(loc), flags,
					    (CUstream)s));
}

CRT_EXPORT cudaError_t cudaMemAdvise(const void *p, size_t n,
				     enum cudaMemoryAdvise advice,
				     struct cudaMemLocation loc)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuMemAdvise_v2(DP(p), n, (CUmem_advise)advice,
				     location(loc)));
}

CRT_EXPORT cudaError_t cudaStreamAttachMemAsync(cudaStream_t s, void *p,
						size_t n, unsigned int flags)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	return crt_cu(cuStreamAttachMemAsync((CUstream)s, DP(p), n, flags));
}
