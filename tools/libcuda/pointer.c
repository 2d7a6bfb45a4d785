// SPDX-License-Identifier: MIT
/*
 * Pointer attributes, from the library's allocation table (mem.c) and its
 * managed memory (managed.c): what a device or managed pointer is, where
 * its allocation starts, how large it is. Host memory is not registered
 * with the device here (nothing is pinned or mapped), so a pointer outside
 * the table is no CUDA pointer: CUDA_ERROR_INVALID_VALUE, as CUDA answers
 * for memory it does not know. Attributes of what vgpu does not have
 * (P2P tokens, IPC, memory pools, buffer ids, ...) are
 * CUDA_ERROR_NOT_SUPPORTED with one log line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>

#include "cuvg.h"

/* 1: known and answered; 0: @p is no CUDA pointer; -1: not supported. */
static int attribute(void *data, CUpointer_attribute attr, CUdeviceptr p)
{
	uint64_t start, size;
	struct cuvg_ctx *ctx;
	int managed;

	if (!cuvg_mem_find(p, &start, &size, &ctx))
		return 0;
	managed = cuvg_managed_has(p);
	switch (attr) {
	case CU_POINTER_ATTRIBUTE_CONTEXT:
		/* A __device__ variable's is its module's: the current one. */
		*(CUcontext *)data = (CUcontext)(ctx ? ctx : cuvg_current());
		return 1;
	case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
		*(unsigned int *)data = CU_MEMORYTYPE_DEVICE;
		return 1;
	case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
		*(CUdeviceptr *)data = p;
		return 1;
	case CU_POINTER_ATTRIBUTE_HOST_POINTER:
		if (!managed)
			return 0;	/* device memory has no host address */
		*(void **)data = (void *)(uintptr_t)p;
		return 1;
	case CU_POINTER_ATTRIBUTE_IS_MANAGED:
		*(int *)data = managed;
		return 1;
	case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
		*(int *)data = 0;
		return 1;
	case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
		*(CUdeviceptr *)data = start;
		return 1;
	case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
		*(size_t *)data = (size_t)size;
		return 1;
	case CU_POINTER_ATTRIBUTE_MAPPED:
		*(int *)data = 1;
		return 1;
	default:
		return -1;
	}
}

static CUresult unsupported(CUpointer_attribute attr)
{
	char what[64];

	snprintf(what, sizeof(what), "pointer attribute %d", (int)attr);
	cuvg_unsupported(what);
	return CUDA_ERROR_NOT_SUPPORTED;
}

CUVG_EXPORT CUresult cuPointerGetAttribute(void *data,
					   CUpointer_attribute attr,
					   CUdeviceptr p)
{
	CUresult rc = cuvg_need_ctx();
	int got;

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!data)
		return CUDA_ERROR_INVALID_VALUE;
	got = attribute(data, attr, p);
	if (got < 0)
		return unsupported(attr);
	return got ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/*
 * As CUDA documents it: a pointer that is no CUDA pointer is no error
 * here; its attributes read as zero (NULL, 0, false) and DEVICE_ORDINAL
 * as -2.
 */
CUVG_EXPORT CUresult cuPointerGetAttributes(unsigned int n,
					    CUpointer_attribute *attrs,
					    void **data, CUdeviceptr p)
{
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!n || !attrs || !data)
		return CUDA_ERROR_INVALID_VALUE;
	for (unsigned int i = 0; i < n; i++) {
		int got;

		if (!data[i])
			return CUDA_ERROR_INVALID_VALUE;
		got = attribute(data[i], attrs[i], p);
		if (got < 0)
			return unsupported(attrs[i]);
		if (got)
			continue;
		switch (attrs[i]) {
		case CU_POINTER_ATTRIBUTE_CONTEXT:
		case CU_POINTER_ATTRIBUTE_HOST_POINTER:
			*(void **)data[i] = NULL;
			break;
		case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
		case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
			*(CUdeviceptr *)data[i] = 0;
			break;
		case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
			*(size_t *)data[i] = 0;
			break;
		case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
			*(int *)data[i] = -2;
			break;
		case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
			*(unsigned int *)data[i] = 0;
			break;
		default:	/* the int-sized flags */
			*(int *)data[i] = 0;
			break;
		}
	}
	return CUDA_SUCCESS;
}
