// SPDX-License-Identifier: MIT
/*
 * Launches: what a <<<>>> launch becomes in a program nvcc 13 built
 * (__cudaGetKernel once per stub, then __cudaLaunchKernel with the
 * configuration __cudaPopCallConfiguration gave), cudaLaunchKernel (a
 * host stub's address), cudaLaunchKernelExC (launch attributes), the
 * function attribute calls and occupancy (the Driver API's, which asks
 * the host for the kernel's resources). The arguments are the array of pointers,
 * one per parameter, that cuLaunchKernel takes as kernelParams: the
 * Driver API library lays them out from the image.
 * A failed launch is also the thread's last error, since <<<>>> ignores
 * what the stub returns (cudaGetLastError after a launch).
 */
#include <stddef.h>

#include "crt.h"

static cudaError_t launch(struct crt_func *f, dim3 grid, dim3 block,
			  void **args, size_t shmem, cudaStream_t stream)
{
	CUfunction fn;
	cudaError_t e;

	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	/* A zero dimension: cudaErrorInvalidValue, as NVIDIA's runtime 13. */
	if (!grid.x || !grid.y || !grid.z || !block.x || !block.y || !block.z ||
	    shmem > 0xffffffffu)
		return crt_ret(cudaErrorInvalidValue);
	e = crt_func_get(f, &fn);
	if (e != cudaSuccess)
		return e;
	return crt_cu(cuLaunchKernel(fn, grid.x, grid.y, grid.z, block.x,
				     block.y, block.z, (unsigned int)shmem,
				     (CUstream)stream, args, NULL));
}

CRT_EXPORT cudaError_t cudaLaunchKernel(const void *func, dim3 grid,
					dim3 block, void **args, size_t shmem,
					cudaStream_t stream)
{
	return launch(crt_func_find(func), grid, block, args, shmem, stream);
}

CRT_EXPORT cudaError_t cudaLaunchKernel_ptsz(const void *func, dim3 grid,
					     dim3 block, void **args,
					     size_t shmem, cudaStream_t stream)
{
	return launch(crt_func_find(func), grid, block, args, shmem,
		      stream ? stream : cudaStreamPerThread);
}

/*
 * cudaLaunchKernelEx (cuda_runtime.h's template calls this C form): the
 * launch attributes are the Driver API's, same numbers and layout, so
 * cuLaunchKernelEx judges them (it keeps the priority and refuses what
 * it cannot honour, with cudaErrorNotSupported).
 */
_Static_assert(sizeof(cudaLaunchAttribute) == sizeof(CUlaunchAttribute) &&
	       offsetof(cudaLaunchAttribute, val) ==
	       offsetof(CUlaunchAttribute, value) &&
	       (int)cudaLaunchAttributePriority ==
	       (int)CU_LAUNCH_ATTRIBUTE_PRIORITY,
	       "runtime and driver launch attributes differ");

static cudaError_t launch_ex(const cudaLaunchConfig_t *c, const void *func,
			     void **args, cudaStream_t stream)
{
	struct crt_func *f = crt_func_find(func);
	CUlaunchConfig cc;
	CUfunction fn;
	cudaError_t e;

	if (!c || (c->numAttrs && !c->attrs))
		return crt_ret(cudaErrorInvalidValue);
	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	if (!c->gridDim.x || !c->gridDim.y || !c->gridDim.z ||
	    !c->blockDim.x || !c->blockDim.y || !c->blockDim.z ||
	    c->dynamicSmemBytes > 0xffffffffu)
		return crt_ret(cudaErrorInvalidValue);
	e = crt_func_get(f, &fn);
	if (e != cudaSuccess)
		return e;
	cc = (CUlaunchConfig){
		.gridDimX = c->gridDim.x, .gridDimY = c->gridDim.y,
		.gridDimZ = c->gridDim.z, .blockDimX = c->blockDim.x,
		.blockDimY = c->blockDim.y, .blockDimZ = c->blockDim.z,
		.sharedMemBytes = (unsigned int)c->dynamicSmemBytes,
		.hStream = (CUstream)stream,
		.attrs = (CUlaunchAttribute *)c->attrs,
		.numAttrs = c->numAttrs,
	};
	return crt_cu(cuLaunchKernelEx(&cc, fn, args, NULL));
}

CRT_EXPORT cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *c,
					   const void *func, void **args)
{
	return launch_ex(c, func, args, c ? c->stream : NULL);
}

CRT_EXPORT cudaError_t cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t *c,
						const void *func, void **args)
{
	return launch_ex(c, func, args,
			 c && c->stream ? c->stream : cudaStreamPerThread);
}

/* The handle is the kernel's record; the module loads at its first launch. */
CRT_EXPORT cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *func)
{
	struct crt_func *f = crt_func_find(func);

	if (!kernel)
		return crt_ret(cudaErrorInvalidValue);
	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	*kernel = (cudaKernel_t)f;
	return cudaSuccess;
}

CRT_EXPORT cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid,
					  dim3 block, void **args,
					  size_t shmem, cudaStream_t stream)
{
	return launch(crt_func_check(kernel), grid, block, args, shmem, stream);
}

CRT_EXPORT cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 grid,
					       dim3 block, void **args,
					       size_t shmem, cudaStream_t stream)
{
	return launch(crt_func_check(kernel), grid, block, args, shmem,
		      stream ? stream : cudaStreamPerThread);
}

static int func_attr(CUfunction fn, CUfunction_attribute a)
{
	int v = 0;

	return cuFuncGetAttribute(&v, a, fn) == CUDA_SUCCESS ? v : 0;
}

CRT_EXPORT cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attr,
					     const void *func)
{
	struct crt_func *f = crt_func_find(func);
	CUfunction fn;
	cudaError_t e;

	if (!attr)
		return crt_ret(cudaErrorInvalidValue);
	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	e = crt_func_get(f, &fn);
	if (e != cudaSuccess)
		return e;
	/* The first asks the host (FUNC_ATTRS); its failure is the call's. */
	e = crt_cu(cuFuncGetAttribute(&(int){ 0 }, CU_FUNC_ATTRIBUTE_NUM_REGS,
				      fn));
	if (e != cudaSuccess)
		return e;
	*attr = (struct cudaFuncAttributes){
		.sharedSizeBytes = (size_t)func_attr(fn, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES),
		.constSizeBytes = (size_t)func_attr(fn, CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES),
		.localSizeBytes = (size_t)func_attr(fn, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES),
		.maxThreadsPerBlock = func_attr(fn, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
		.numRegs = func_attr(fn, CU_FUNC_ATTRIBUTE_NUM_REGS),
		.ptxVersion = func_attr(fn, CU_FUNC_ATTRIBUTE_PTX_VERSION),
		.binaryVersion = func_attr(fn, CU_FUNC_ATTRIBUTE_BINARY_VERSION),
		.maxDynamicSharedSizeBytes =
			func_attr(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
	};
	return cudaSuccess;
}

/* The registered kernel @func's function, or the error to return. */
static cudaError_t func_of(const void *func, CUfunction *fn)
{
	struct crt_func *f = crt_func_find(func);

	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	return crt_func_get(f, fn);
}

CRT_EXPORT cudaError_t
cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *numBlocks,
						       const void *func,
						       int blockSize,
						       size_t dynamicSMemSize,
						       unsigned int flags)
{
	CUfunction fn;
	cudaError_t e;

	if (!numBlocks)
		return crt_ret(cudaErrorInvalidValue);
	e = func_of(func, &fn);
	if (e != cudaSuccess)
		return e;
	/* cudaOccupancy* flags have the values of CU_OCCUPANCY_*. */
	return crt_cu(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
			numBlocks, fn, blockSize, dynamicSMemSize, flags));
}

CRT_EXPORT cudaError_t
cudaOccupancyMaxActiveBlocksPerMultiprocessor(int *numBlocks, const void *func,
					      int blockSize,
					      size_t dynamicSMemSize)
{
	return cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks,
			func, blockSize, dynamicSMemSize, cudaOccupancyDefault);
}

CRT_EXPORT cudaError_t
cudaOccupancyAvailableDynamicSMemPerBlock(size_t *dynamicSmemSize,
					  const void *func, int numBlocks,
					  int blockSize)
{
	CUfunction fn;
	cudaError_t e;

	if (!dynamicSmemSize)
		return crt_ret(cudaErrorInvalidValue);
	e = func_of(func, &fn);
	if (e != cudaSuccess)
		return e;
	return crt_cu(cuOccupancyAvailableDynamicSMemPerBlock(dynamicSmemSize,
			fn, numBlocks, blockSize));
}

/*
 * The largest dynamic shared memory and the carve-out, as the Driver API
 * library takes them (its cuFuncSetAttribute); the runtime's attribute
 * numbers are the driver's for these two.
 */
CRT_EXPORT cudaError_t cudaFuncSetAttribute(const void *func,
					    enum cudaFuncAttribute attr,
					    int value)
{
	CUfunction fn;
	cudaError_t e = func_of(func, &fn);

	if (e != cudaSuccess)
		return e;
	switch (attr) {
	case cudaFuncAttributeMaxDynamicSharedMemorySize:
		return crt_cu(cuFuncSetAttribute(fn,
				CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, value));
	case cudaFuncAttributePreferredSharedMemoryCarveout:
		return crt_cu(cuFuncSetAttribute(fn,
				CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT,
				value));
	default:
		crt_log("cudaFuncSetAttribute: attribute %d not supported", (int)attr);
		return crt_ret(cudaErrorNotSupported);
	}
}

/* The kernel's name as nvcc registered it (mangled, as CUDA gives it). */
CRT_EXPORT cudaError_t cudaFuncGetName(const char **name, const void *func)
{
	struct crt_func *f;

	if (!name)
		return crt_ret(cudaErrorInvalidValue);
	f = crt_func_find(func);
	if (!f)
		return crt_ret(cudaErrorInvalidDeviceFunction);
	*name = f->device_name;
	return cudaSuccess;
}

/* A hint: accepted for a registered kernel, as libcuda accepts it. */
CRT_EXPORT cudaError_t cudaFuncSetCacheConfig(const void *func,
					      enum cudaFuncCache config)
{
	(void)config;
	return crt_func_find(func) ? cudaSuccess :
	       crt_ret(cudaErrorInvalidDeviceFunction);
}
