// SPDX-License-Identifier: MIT
/*
 * Device queries. The guest sees one device, 0: the vgpu device. Its name
 * and memory come from GET_INFO (the host's GPU, and this VM's quota);
 * the protocol does not carry the GPU's attributes yet, so they come from
 * a table of an sm_90 GPU (H100/H200 class), with the compute capability
 * overridable by VGPU_CUDA_CC=MAJOR.MINOR (Documentation/libcuda.md,
 * "Limits"). Attributes the table does not name read 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

static const struct {
	CUdevice_attribute a;
	int v;
} attrs[] = {
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, 1024 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, 64 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, 2147483647 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, 65535 },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, 65535 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, 49152 },
	{ CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY, 65536 },
	{ CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32 },
	{ CU_DEVICE_ATTRIBUTE_MAX_PITCH, 2147483647 },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, 65536 },
	{ CU_DEVICE_ATTRIBUTE_CLOCK_RATE, 1980000 },
	{ CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, 512 },
	{ CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 132 },
	{ CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT, 0 },
	{ CU_DEVICE_ATTRIBUTE_INTEGRATED, 0 },
	{ CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, 0 },
	{ CU_DEVICE_ATTRIBUTE_COMPUTE_MODE, CU_COMPUTEMODE_DEFAULT },
	{ CU_DEVICE_ATTRIBUTE_SURFACE_ALIGNMENT, 512 },
	{ CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, 1 },
	{ CU_DEVICE_ATTRIBUTE_ECC_ENABLED, 1 },
	{ CU_DEVICE_ATTRIBUTE_TCC_DRIVER, 0 },
	{ CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, 2619000 },
	{ CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, 5120 },
	{ CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, 52428800 },
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, 2048 },
	{ CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, 1 },
	{ CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, 0 },
	{ CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED, 1 },
	{ CU_DEVICE_ATTRIBUTE_GLOBAL_L1_CACHE_SUPPORTED, 1 },
	{ CU_DEVICE_ATTRIBUTE_LOCAL_L1_CACHE_SUPPORTED, 1 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 233472 },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, 65536 },
	{ CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 0 },
	{ CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD, 0 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 232448 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, 32 },
	{ CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK, 1024 },
};

static void cc(int *major, int *minor)
{
	const char *s = getenv("VGPU_CUDA_CC");

	*major = 9;
	*minor = 0;
	if (s && sscanf(s, "%d.%d", major, minor) != 2) {
		*major = 9;
		*minor = 0;
	}
}

static CUresult dev_ok(CUdevice dev)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	return dev == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUVG_EXPORT CUresult cuDeviceGetCount(int *count)
{
	CUresult rc = cuvg_ready();

	if (!count)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	*count = 1;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDeviceGet(CUdevice *dev, int ordinal)
{
	CUresult rc = cuvg_ready();

	if (!dev)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (ordinal != 0)
		return CUDA_ERROR_INVALID_DEVICE;
	*dev = 0;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
{
	CUresult rc = dev_ok(dev);

	if (!name || len <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	snprintf(name, (size_t)len, "%.*s", (int)sizeof(cuvg_info.device_name),
		 cuvg_info.device_name[0] ? cuvg_info.device_name : "vgpu");
	return CUDA_SUCCESS;
}

/* The VM may use its quota, where it has one, of the host's GPU memory. */
static uint64_t total_mem(void)
{
	uint64_t t = cuvg_info.mem_total;

	if (cuvg_info.mem_quota && cuvg_info.mem_quota < t)
		t = cuvg_info.mem_quota;
	return t;
}

CUVG_EXPORT CUresult cuDeviceTotalMem(size_t *bytes, CUdevice dev)
{
	CUresult rc = dev_ok(dev);

	if (!bytes)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	*bytes = (size_t)total_mem();
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDeviceComputeCapability(int *major, int *minor,
					       CUdevice dev)
{
	CUresult rc = dev_ok(dev);

	if (!major || !minor)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	cc(major, minor);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib,
					  CUdevice dev)
{
	CUresult rc = dev_ok(dev);
	int major, minor;

	if (!pi || attrib <= 0 || attrib >= CU_DEVICE_ATTRIBUTE_MAX)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	cc(&major, &minor);
	if (attrib == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) {
		*pi = major;
		return CUDA_SUCCESS;
	}
	if (attrib == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) {
		*pi = minor;
		return CUDA_SUCCESS;
	}
	*pi = 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (attrs[i].a == attrib)
			*pi = attrs[i].v;
	return CUDA_SUCCESS;
}

/*
 * Stable for a VM: derived from its vm-id and the GPU's name (FNV-1a),
 * with the RFC 4122 version-4 bits, since the protocol has no UUID.
 */
CUVG_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)
{
	CUresult rc = dev_ok(dev);
	uint64_t h[2] = { 1469598103934665603ull, 1099511628211ull };

	if (!uuid)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof(cuvg_info.device_name); i++)
			h[k] = (h[k] ^ (uint8_t)cuvg_info.device_name[i]) *
			       1099511628211ull;
		h[k] = (h[k] ^ cuvg_info.vm_id ^ (uint64_t)k) * 1099511628211ull;
	}
	memcpy(uuid->bytes, h, 16);
	uuid->bytes[6] = (char)((uuid->bytes[6] & 0x0f) | 0x40);
	uuid->bytes[8] = (char)((uuid->bytes[8] & 0x3f) | 0x80);
	return CUDA_SUCCESS;
}

#undef cuDeviceGetUuid
CUVG_EXPORT CUresult cuDeviceGetUuid(CUuuid *uuid, CUdevice dev)
{
	return cuDeviceGetUuid_v2(uuid, dev);
}

CUVG_EXPORT CUresult cuDeviceGetLuid(char *luid, unsigned int *mask,
				     CUdevice dev)
{
	(void)luid;
	(void)mask;
	(void)dev;
	cuvg_unsupported("cuDeviceGetLuid");
	return CUDA_ERROR_NOT_SUPPORTED;
}
