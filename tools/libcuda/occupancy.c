// SPDX-License-Identifier: MIT
/*
 * Occupancy: how many blocks of a kernel fit on one multiprocessor, the
 * block size that fits most, the dynamic shared memory left for a given
 * number of blocks. Computed in the guest by the toolkit's own occupancy
 * calculator (cuda_occupancy.h, C-compatible; included, not copied) from
 * two inputs (Documentation/libcuda.md, "Occupancy"):
 *  - the device: cuDeviceGetAttribute's values (DEVICE_ATTRS, or the
 *    built-in table on a host without it): compute capability, threads,
 *    registers and shared memory per block and per multiprocessor, warp
 *    size, multiprocessor count, opt-in shared memory per block; the
 *    shared memory the driver reserves per block is not carried and is
 *    fixed by the compute capability (1 KiB from 8.0 on, 0 before), as
 *    NVIDIA's driver reports it;
 *  - the kernel: FUNC_ATTRS (func_attrs.c): registers per thread, static
 *    shared memory, largest block, dynamic shared memory limit.
 * Where the host cannot answer FUNC_ATTRS (an older host or driver, the
 * CPU executor) there is nothing true to compute with: the calls return
 * CUDA_ERROR_NOT_SUPPORTED, with one log line, rather than a made-up
 * number.
 */
#include <limits.h>
#include <stddef.h>

#include "cuvg.h"

#include <cuda_occupancy.h>

/* The device's side of the calculation. */
static CUresult device_prop(cudaOccDeviceProp *p)
{
	static const CUdevice_attribute which[] = {
		CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
		CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
		CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
		CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR,
		CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK,
		CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR,
		CU_DEVICE_ATTRIBUTE_WARP_SIZE,
		CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
		CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR,
		CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
		CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
	};
	int v[sizeof(which) / sizeof(which[0])];

	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		CUresult rc = cuDeviceGetAttribute(&v[i], which[i], 0);

		if (rc != CUDA_SUCCESS)
			return rc;
		/* cudaOcc* refuses what is not positive: so do we. */
		if (v[i] < 0 || (i >= 2 && i <= 9 && v[i] == 0))
			return CUDA_ERROR_INVALID_DEVICE;
	}
	*p = (cudaOccDeviceProp){
		.computeMajor = v[0], .computeMinor = v[1],
		.maxThreadsPerBlock = v[2], .maxThreadsPerMultiprocessor = v[3],
		.regsPerBlock = v[4], .regsPerMultiprocessor = v[5],
		.warpSize = v[6], .sharedMemPerBlock = (size_t)v[7],
		.sharedMemPerMultiprocessor = (size_t)v[8], .numSms = v[9],
		.sharedMemPerBlockOptin = (size_t)v[10],
		.reservedSharedMemPerBlock = v[0] >= 8 ? 1024 : 0,
	};
	return CUDA_SUCCESS;
}

/* The inputs for @hf; CUDA_ERROR_NOT_SUPPORTED where the host cannot tell. */
static CUresult inputs(CUfunction hf, unsigned int flags, const char *call,
		       cudaOccDeviceProp *p, cudaOccFuncAttributes *a)
{
	struct vgpu_func_attrs fa;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(hf, K_FUNC))
		return CUDA_ERROR_INVALID_HANDLE;
	if (flags & ~(unsigned int)CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE)
		return CUDA_ERROR_INVALID_VALUE;
	rc = cuvg_func_attrs((struct cuvg_func *)hf, &fa);
	if (rc == CUDA_ERROR_NOT_SUPPORTED) {
		cuvg_log("%s: the host does not tell a kernel's registers and shared memory (no FUNC_ATTRS): not supported",
			 call);
		return rc;
	}
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = device_prop(p);
	if (rc != CUDA_SUCCESS)
		return rc;
	*a = (cudaOccFuncAttributes){
		.maxThreadsPerBlock = fa.max_threads_per_block,
		.numRegs = fa.num_regs,
		.sharedSizeBytes = (size_t)fa.shared_size,
		/* Caching can only be forced on where the flag says so. */
		.partitionedGCConfig = flags ? PARTITIONED_GC_ON_STRICT :
					       PARTITIONED_GC_OFF,
		/* Opted in past the default per-block limit, as the driver. */
		.shmemLimitConfig = (size_t)fa.shared_size +
				    (size_t)fa.max_dynamic_shared >
				    p->sharedMemPerBlock ?
				    FUNC_SHMEM_LIMIT_OPTIN : FUNC_SHMEM_LIMIT_DEFAULT,
		.maxDynamicSharedSizeBytes = (size_t)fa.max_dynamic_shared,
		.numBlockBarriers = 1,
	};
	return CUDA_SUCCESS;
}

static CUresult occ_err(cudaOccError e)
{
	return e == CUDA_OCC_SUCCESS ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUVG_EXPORT CUresult
cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *numBlocks,
						     CUfunction func,
						     int blockSize,
						     size_t dynamicSMemSize,
						     unsigned int flags)
{
	cudaOccDeviceState state = { .cacheConfig = CACHE_PREFER_NONE,
				     .carveoutConfig = SHAREDMEM_CARVEOUT_DEFAULT };
	cudaOccDeviceProp p;
	cudaOccFuncAttributes a;
	cudaOccResult r = { 0 };
	CUresult rc;

	if (!numBlocks || blockSize <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	rc = inputs(func, flags, "cuOccupancyMaxActiveBlocksPerMultiprocessor",
		    &p, &a);
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = occ_err(cudaOccMaxActiveBlocksPerMultiprocessor(&r, &p, &a, &state,
							     blockSize,
							     dynamicSMemSize));
	if (rc == CUDA_SUCCESS)
		*numBlocks = r.activeBlocksPerMultiprocessor;
	return rc;
}

CUVG_EXPORT CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *numBlocks,
								 CUfunction func,
								 int blockSize,
								 size_t dynamicSMemSize)
{
	return cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks,
			func, blockSize, dynamicSMemSize, CU_OCCUPANCY_DEFAULT);
}

CUVG_EXPORT CUresult
cuOccupancyMaxPotentialBlockSizeWithFlags(int *minGridSize, int *blockSize,
					  CUfunction func,
					  CUoccupancyB2DSize blockSizeToDynamicSMemSize,
					  size_t dynamicSMemSize,
					  int blockSizeLimit,
					  unsigned int flags)
{
	cudaOccDeviceState state = { .cacheConfig = CACHE_PREFER_NONE,
				     .carveoutConfig = SHAREDMEM_CARVEOUT_DEFAULT };
	cudaOccDeviceProp p;
	cudaOccFuncAttributes a;
	CUresult rc;

	if (!minGridSize || !blockSize || blockSizeLimit < 0)
		return CUDA_ERROR_INVALID_VALUE;
	rc = inputs(func, flags, "cuOccupancyMaxPotentialBlockSize", &p, &a);
	if (rc != CUDA_SUCCESS)
		return rc;
	/* The calculator takes the smaller of the device's and the kernel's. */
	if (blockSizeLimit && blockSizeLimit < a.maxThreadsPerBlock)
		a.maxThreadsPerBlock = blockSizeLimit;
	return occ_err(cudaOccMaxPotentialOccupancyBlockSize(minGridSize,
			blockSize, &p, &a, &state, blockSizeToDynamicSMemSize,
			dynamicSMemSize));
}

CUVG_EXPORT CUresult
cuOccupancyMaxPotentialBlockSize(int *minGridSize, int *blockSize,
				 CUfunction func,
				 CUoccupancyB2DSize blockSizeToDynamicSMemSize,
				 size_t dynamicSMemSize, int blockSizeLimit)
{
	return cuOccupancyMaxPotentialBlockSizeWithFlags(minGridSize, blockSize,
			func, blockSizeToDynamicSMemSize, dynamicSMemSize,
			blockSizeLimit, CU_OCCUPANCY_DEFAULT);
}

CUVG_EXPORT CUresult cuOccupancyAvailableDynamicSMemPerBlock(size_t *dynamicSmemSize,
							     CUfunction func,
							     int numBlocks,
							     int blockSize)
{
	cudaOccDeviceState state = { .cacheConfig = CACHE_PREFER_NONE,
				     .carveoutConfig = SHAREDMEM_CARVEOUT_DEFAULT };
	cudaOccDeviceProp p;
	cudaOccFuncAttributes a;
	CUresult rc;

	if (!dynamicSmemSize || numBlocks <= 0 || blockSize <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	rc = inputs(func, 0, "cuOccupancyAvailableDynamicSMemPerBlock", &p, &a);
	if (rc != CUDA_SUCCESS)
		return rc;
	return occ_err(cudaOccAvailableDynamicSMemPerBlock(dynamicSmemSize, &p,
			&a, &state, numBlocks, blockSize));
}
