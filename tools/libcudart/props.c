// SPDX-License-Identifier: MIT
/*
 * cudaDeviceProp from device attributes: each field the Driver API has an
 * attribute for is that attribute's value (a table of field offset,
 * width and attribute, against the layout of the driver_types.h this is
 * compiled with); the rest read 0. The name, UUID and total memory come
 * from their own calls (context.c). Pure logic over a getter, so a fixed
 * attribute table tests it (tests/unit/test_libcudart.c).
 */
#include <stddef.h>
#include <string.h>

#include "crt.h"

#define I(field, attr) { offsetof(struct cudaDeviceProp, field), 0, attr }
#define Z(field, attr) { offsetof(struct cudaDeviceProp, field), 1, attr }

static const struct prop_attr {
	size_t off;
	int wide;		/* size_t field, else int */
	CUdevice_attribute attr;
} table[] = {
	Z(sharedMemPerBlock, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK),
	I(regsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK),
	I(warpSize, CU_DEVICE_ATTRIBUTE_WARP_SIZE),
	Z(memPitch, CU_DEVICE_ATTRIBUTE_MAX_PITCH),
	I(maxThreadsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
	I(maxThreadsDim[0], CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X),
	I(maxThreadsDim[1], CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y),
	I(maxThreadsDim[2], CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z),
	I(maxGridSize[0], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X),
	I(maxGridSize[1], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y),
	I(maxGridSize[2], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z),
	Z(totalConstMem, CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY),
	I(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
	I(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
	Z(textureAlignment, CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT),
	Z(texturePitchAlignment, CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT),
	I(multiProcessorCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
	I(integrated, CU_DEVICE_ATTRIBUTE_INTEGRATED),
	I(canMapHostMemory, CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY),
	Z(surfaceAlignment, CU_DEVICE_ATTRIBUTE_SURFACE_ALIGNMENT),
	I(concurrentKernels, CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS),
	I(ECCEnabled, CU_DEVICE_ATTRIBUTE_ECC_ENABLED),
	I(pciBusID, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID),
	I(pciDeviceID, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID),
	I(pciDomainID, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID),
	I(tccDriver, CU_DEVICE_ATTRIBUTE_TCC_DRIVER),
	I(asyncEngineCount, CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT),
	I(unifiedAddressing, CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING),
	I(memoryBusWidth, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH),
	I(l2CacheSize, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE),
	I(persistingL2CacheMaxSize, CU_DEVICE_ATTRIBUTE_MAX_PERSISTING_L2_CACHE_SIZE),
	I(maxThreadsPerMultiProcessor, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR),
	I(streamPrioritiesSupported, CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED),
	I(globalL1CacheSupported, CU_DEVICE_ATTRIBUTE_GLOBAL_L1_CACHE_SUPPORTED),
	I(localL1CacheSupported, CU_DEVICE_ATTRIBUTE_LOCAL_L1_CACHE_SUPPORTED),
	Z(sharedMemPerMultiprocessor, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR),
	I(regsPerMultiprocessor, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR),
	I(managedMemory, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY),
	I(isMultiGpuBoard, CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD),
	I(multiGpuBoardGroupID, CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID),
	I(hostNativeAtomicSupported, CU_DEVICE_ATTRIBUTE_HOST_NATIVE_ATOMIC_SUPPORTED),
	I(pageableMemoryAccess, CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS),
	I(concurrentManagedAccess, CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS),
	I(computePreemptionSupported, CU_DEVICE_ATTRIBUTE_COMPUTE_PREEMPTION_SUPPORTED),
	I(canUseHostPointerForRegisteredMem, CU_DEVICE_ATTRIBUTE_CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM),
	I(cooperativeLaunch, CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH),
	Z(sharedMemPerBlockOptin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
	I(maxBlocksPerMultiProcessor, CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR),
	I(accessPolicyMaxWindowSize, CU_DEVICE_ATTRIBUTE_MAX_ACCESS_POLICY_WINDOW_SIZE),
	Z(reservedSharedMemPerBlock, CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK),
	I(hostRegisterSupported, CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED),
	I(memoryPoolsSupported, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED),
	I(clusterLaunch, CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH),
};

void crt_fill_props(struct cudaDeviceProp *p, crt_attr_fn get, void *priv)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int v = 0;

		/* An attribute the driver does not know reads 0, as others do. */
		if (get(&v, table[i].attr, priv) != CUDA_SUCCESS)
			v = 0;
		if (table[i].wide)
			*(size_t *)((char *)p + table[i].off) = v < 0 ? 0 : (size_t)v;
		else
			*(int *)((char *)p + table[i].off) = v;
	}
}
