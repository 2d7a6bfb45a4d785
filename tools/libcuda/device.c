// SPDX-License-Identifier: MIT
/*
 * Device queries. The guest sees one device, 0: the vgpu device. Its name,
 * memory, UUID and attributes come from DEVICE_ATTRS (the host's GPU, this
 * VM's share of its memory, a per-VM UUID). A host without DEVICE_ATTRS
 * gives name and memory through GET_INFO, and the attributes come from a
 * table of an sm_90 GPU (H100/H200 class), the compute capability
 * overridable by VGPU_CUDA_CC=MAJOR.MINOR (Documentation/libcuda.md,
 * "Limits"). Attributes neither names read 0.
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
	/* The library's own (managed.c); the host maps no guest memory. */
	{ CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 1 },
	{ CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD, 0 },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 232448 },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, 32 },
	{ CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK, 1024 },
};

/* CU_DEVICE_ATTRIBUTE_* -> VGPU_ATTR_* (uapi/linux/vgpu.h). */
static const struct {
	CUdevice_attribute a;
	int slot;
} slots[] = {
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, VGPU_ATTR_MAX_THREADS_PER_BLOCK },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, VGPU_ATTR_MAX_BLOCK_DIM_X },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, VGPU_ATTR_MAX_BLOCK_DIM_Y },
	{ CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, VGPU_ATTR_MAX_BLOCK_DIM_Z },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, VGPU_ATTR_MAX_GRID_DIM_X },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, VGPU_ATTR_MAX_GRID_DIM_Y },
	{ CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, VGPU_ATTR_MAX_GRID_DIM_Z },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, VGPU_ATTR_MAX_SHARED_MEM_PER_BLOCK },
	{ CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY, VGPU_ATTR_TOTAL_CONSTANT_MEMORY },
	{ CU_DEVICE_ATTRIBUTE_WARP_SIZE, VGPU_ATTR_WARP_SIZE },
	{ CU_DEVICE_ATTRIBUTE_MAX_PITCH, VGPU_ATTR_MAX_PITCH },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, VGPU_ATTR_MAX_REGISTERS_PER_BLOCK },
	{ CU_DEVICE_ATTRIBUTE_CLOCK_RATE, VGPU_ATTR_CLOCK_RATE },
	{ CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, VGPU_ATTR_TEXTURE_ALIGNMENT },
	{ CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, VGPU_ATTR_MULTIPROCESSOR_COUNT },
	{ CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT, VGPU_ATTR_KERNEL_EXEC_TIMEOUT },
	{ CU_DEVICE_ATTRIBUTE_INTEGRATED, VGPU_ATTR_INTEGRATED },
	{ CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY, VGPU_ATTR_CAN_MAP_HOST_MEMORY },
	{ CU_DEVICE_ATTRIBUTE_COMPUTE_MODE, VGPU_ATTR_COMPUTE_MODE },
	{ CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, VGPU_ATTR_CONCURRENT_KERNELS },
	{ CU_DEVICE_ATTRIBUTE_ECC_ENABLED, VGPU_ATTR_ECC_ENABLED },
	{ CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, VGPU_ATTR_PCI_BUS_ID },
	{ CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, VGPU_ATTR_PCI_DEVICE_ID },
	{ CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, VGPU_ATTR_MEMORY_CLOCK_RATE },
	{ CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, VGPU_ATTR_GLOBAL_MEMORY_BUS_WIDTH },
	{ CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, VGPU_ATTR_L2_CACHE_SIZE },
	{ CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, VGPU_ATTR_MAX_THREADS_PER_MULTIPROCESSOR },
	{ CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, VGPU_ATTR_ASYNC_ENGINE_COUNT },
	{ CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, VGPU_ATTR_UNIFIED_ADDRESSING },
	{ CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, VGPU_ATTR_PCI_DOMAIN_ID },
	{ CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, VGPU_ATTR_COMPUTE_CAPABILITY_MAJOR },
	{ CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, VGPU_ATTR_COMPUTE_CAPABILITY_MINOR },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, VGPU_ATTR_MAX_SHARED_MEM_PER_MULTIPROCESSOR },
	{ CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, VGPU_ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR },
	{ CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, VGPU_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN },
};

/* The device's value: 1 if DEVICE_ATTRS gave it. */
static int from_device(CUdevice_attribute a, int *v)
{
	if (!cuvg_have_attrs)
		return 0;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].a == a) {
			if ((uint32_t)slots[i].slot >= cuvg_attrs.nr_attrs ||
			    slots[i].slot >= VGPU_ATTR_SLOTS)
				return 0;
			*v = cuvg_attrs.attr[slots[i].slot];
			return 1;
		}
	return 0;
}

static void cc(int *major, int *minor)
{
	const char *s = getenv("VGPU_CUDA_CC");

	if (from_device(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, major) &&
	    from_device(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, minor))
		return;
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
	if (cuvg_have_attrs && cuvg_attrs.name[0])
		snprintf(name, (size_t)len, "%.*s", (int)sizeof(cuvg_attrs.name),
			 cuvg_attrs.name);
	else
		snprintf(name, (size_t)len, "%.*s",
			 (int)sizeof(cuvg_info.device_name),
			 cuvg_info.device_name[0] ? cuvg_info.device_name : "vgpu");
	return CUDA_SUCCESS;
}

/* The VM may use its quota, where it has one, of the host's GPU memory. */
static uint64_t total_mem(void)
{
	uint64_t t = cuvg_info.mem_total;

	if (cuvg_have_attrs && cuvg_attrs.total_mem)
		return cuvg_attrs.total_mem;
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
	if (from_device(attrib, pi))
		return CUDA_SUCCESS;
	*pi = 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (attrs[i].a == attrib)
			*pi = attrs[i].v;
	return CUDA_SUCCESS;
}

/*
 * The host's per-VM UUID (DEVICE_ATTRS); without it, one derived from the
 * VM's vm-id and the GPU's name (FNV-1a) with the RFC 4122 version-4 bits.
 */
CUVG_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)
{
	CUresult rc = dev_ok(dev);
	uint64_t h[2] = { 1469598103934665603ull, 1099511628211ull };

	if (!uuid)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_have_attrs) {
		memcpy(uuid->bytes, cuvg_attrs.uuid, 16);
		return CUDA_SUCCESS;
	}
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

/* One device: no peer to reach. */
CUVG_EXPORT CUresult cuDeviceCanAccessPeer(int *can, CUdevice dev,
					   CUdevice peer)
{
	CUresult rc = dev_ok(dev);

	if (!can)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (peer != 0)
		return CUDA_ERROR_INVALID_DEVICE;
	*can = 0;
	return CUDA_SUCCESS;
}

/* The PCI ids read 0 (the host hides its topology): 0000:00:00.0. */
CUVG_EXPORT CUresult cuDeviceGetPCIBusId(char *id, int len, CUdevice dev)
{
	CUresult rc = dev_ok(dev);
	int dom = 0, bus = 0, slot = 0;

	if (!id || len <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	cuDeviceGetAttribute(&dom, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, dev);
	cuDeviceGetAttribute(&bus, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, dev);
	cuDeviceGetAttribute(&slot, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, dev);
	snprintf(id, (size_t)len, "%04x:%02x:%02x.0", (unsigned int)dom,
		 (unsigned int)bus, (unsigned int)slot);
	return CUDA_SUCCESS;
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
