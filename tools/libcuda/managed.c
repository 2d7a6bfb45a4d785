// SPDX-License-Identifier: MIT
/*
 * Managed memory (cuMemAllocManaged) without page faults across the VM
 * boundary: the model CUDA defines for a device whose
 * CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS is 0, where the device
 * owns all managed memory from a launch until the next synchronize.
 *
 * An allocation is device memory plus a mirror: anonymous guest memory
 * mapped at the device memory's own address, so one pointer is valid in
 * host code and in kernels, also where it is stored in memory (a list
 * linked through managed memory works). Each allocation is either
 *  - the host's (after allocation and after a synchronize): the mirror is
 *    the data, and the program uses it as plain memory; or
 *  - the device's: device work that may touch it (any launch; a copy or
 *    memset naming it) first copies the mirror to the device, then makes
 *    the mirror inaccessible (PROT_NONE), so that a host access before the
 *    next synchronize faults, as CUDA documents for such devices, instead
 *    of reading data a kernel may still change.
 * A synchronizing call (context, stream or event synchronize, a
 * synchronous copy or memset) copies every allocation the device owns
 * back into its mirror and gives it back to the host. So a launch-then-
 * synchronize round costs two transfers of every managed allocation.
 *
 * The mirror's address is the device's: the device block is a page larger
 * than the mirror, so a page-aligned address inside it exists, mapped with
 * MAP_FIXED_NOREPLACE. Where the guest process already uses that address,
 * another device block is tried (CUVG_MANAGED_TRIES in all); where it can
 * be no user address at all (the CPU executor's synthetic addresses) or
 * every try collides, cuMemAllocManaged is CUDA_ERROR_NOT_SUPPORTED.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cuvg.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define CUVG_MANAGED_TRIES 8

struct mblock {
	uint64_t p;		/* the pointer: mirror and device address */
	uint64_t size;		/* asked for */
	uint64_t map_len;	/* the mirror: size rounded up to pages */
	uint64_t base;		/* the device block (MEM_FREE's address) */
	int on_device;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct mblock *blk;
static size_t nblk, capblk;

static struct mblock *find_locked(uint64_t p)
{
	for (size_t i = 0; i < nblk; i++)
		if (p >= blk[i].p && p - blk[i].p < blk[i].size)
			return &blk[i];
	return NULL;
}

int cuvg_managed_has(uint64_t p)
{
	int found;

	pthread_mutex_lock(&mu);
	found = find_locked(p) != NULL;
	pthread_mutex_unlock(&mu);
	return found;
}

/* The mirror to the device, then out of the host's reach. */
static CUresult push_locked(struct mblock *b)
{
	struct cuvg_req r = { .op = Q_WRITE, .dptr = b->p, .len = b->size,
			      .src = (const void *)(uintptr_t)b->p };
	CUresult rc = cuvg_call(&r);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (mprotect((void *)(uintptr_t)b->p, b->map_len, PROT_NONE))
		cuvg_log("managed memory 0x%llx: mprotect: %s (host access is not fenced)",
			 (unsigned long long)b->p, strerror(errno));
	b->on_device = 1;
	return CUDA_SUCCESS;
}

CUresult cuvg_managed_to_device(uint64_t p)
{
	CUresult rc = CUDA_SUCCESS;
	struct mblock *b;

	pthread_mutex_lock(&mu);
	if (p) {
		b = find_locked(p);
		if (b && !b->on_device)
			rc = push_locked(b);
	} else {
		for (size_t i = 0; i < nblk && rc == CUDA_SUCCESS; i++)
			if (!blk[i].on_device)
				rc = push_locked(&blk[i]);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

CUresult cuvg_managed_to_host(void)
{
	CUresult rc = CUDA_SUCCESS;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < nblk; i++) {
		struct mblock *b = &blk[i];
		struct cuvg_req r = { .op = Q_READ, .dptr = b->p,
				      .len = b->size,
				      .dst = (void *)(uintptr_t)b->p };
		CUresult e;

		if (!b->on_device)
			continue;
		/* The host's again even if the read fails: never left fenced. */
		mprotect((void *)(uintptr_t)b->p, b->map_len,
			 PROT_READ | PROT_WRITE);
		b->on_device = 0;
		e = cuvg_call(&r);
		if (e != CUDA_SUCCESS && rc == CUDA_SUCCESS) {
			cuvg_log("managed memory 0x%llx: copy back from the device failed",
				 (unsigned long long)b->p);
			rc = e;
		}
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

void cuvg_managed_drop(uint64_t p)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < nblk; i++)
		if (blk[i].p == p) {
			munmap((void *)(uintptr_t)p, blk[i].map_len);
			blk[i] = blk[--nblk];
			break;
		}
	pthread_mutex_unlock(&mu);
}

static void free_block(uint64_t base)
{
	struct cuvg_req r = { .op = Q_FREE, .dptr = base };

	cuvg_call(&r);
}

/*
 * A device block of @dev_len whose page-aligned address inside is free in
 * this process: the mirror mapped there. 0, or a CUresult.
 */
static CUresult place(uint64_t dev_len, uint64_t map_len, uint64_t pg,
		      uint64_t *p_out, uint64_t *base_out)
{
	uint64_t tried[CUVG_MANAGED_TRIES], p = 0;
	unsigned int n = 0;
	CUresult rc = CUDA_ERROR_NOT_SUPPORTED;
	int err = 0;

	while (n < CUVG_MANAGED_TRIES) {
		struct cuvg_req r = { .op = Q_ALLOC, .len = dev_len };
		void *m;

		rc = cuvg_call(&r);
		if (rc != CUDA_SUCCESS)
			break;
		tried[n++] = r.ret;
		p = (r.ret + pg - 1) / pg * pg;
		m = mmap((void *)(uintptr_t)p, map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		err = errno;
		if (m == (void *)(uintptr_t)p) {
			*p_out = p;
			*base_out = tried[--n];
			rc = CUDA_SUCCESS;
			break;
		}
		rc = CUDA_ERROR_NOT_SUPPORTED;
		if (m != MAP_FAILED) {
			/* A kernel without MAP_FIXED_NOREPLACE: a hint, taken elsewhere. */
			munmap(m, map_len);
			err = EEXIST;
		}
		if (err != EEXIST)
			break;	/* no user address: no other block will be */
	}
	if (rc == CUDA_ERROR_NOT_SUPPORTED)
		cuvg_log("cuMemAllocManaged: the device's address 0x%llx cannot be mapped in this process (%s): managed memory not supported",
			 (unsigned long long)p, strerror(err));
	while (n)
		free_block(tried[--n]);
	return rc;
}

CUVG_EXPORT CUresult cuMemAllocManaged(CUdeviceptr *dptr, size_t size,
				       unsigned int flags)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), map_len, dev_len, p, base;
	CUresult rc = cuvg_need_ctx();

	if (!dptr || !size ||
	    (flags != CU_MEM_ATTACH_GLOBAL && flags != CU_MEM_ATTACH_HOST))
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (size > UINT64_MAX - 2 * pg)
		return CUDA_ERROR_OUT_OF_MEMORY;
	map_len = ((uint64_t)size + pg - 1) / pg * pg;
	dev_len = map_len + pg;
	rc = place(dev_len, map_len, pg, &p, &base);
	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&mu);
	if (nblk == capblk) {
		size_t nc = capblk ? 2 * capblk : 16;
		struct mblock *nb = realloc(blk, nc * sizeof(*nb));

		if (!nb) {
			pthread_mutex_unlock(&mu);
			goto fail;
		}
		blk = nb;
		capblk = nc;
	}
	blk[nblk++] = (struct mblock){ p, size, map_len, base, 0 };
	pthread_mutex_unlock(&mu);
	if (cuvg_mem_add_managed(p, size, base)) {
		cuvg_managed_drop(p);
		free_block(base);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	*dptr = (CUdeviceptr)p;
	return CUDA_SUCCESS;
fail:
	munmap((void *)(uintptr_t)p, map_len);
	free_block(base);
	return CUDA_ERROR_OUT_OF_MEMORY;
}

/* A range of managed memory, as the calls below must be given. */
static CUresult managed_range(CUdeviceptr p, size_t n)
{
	struct mblock *b;
	int ok;

	pthread_mutex_lock(&mu);
	b = find_locked(p);
	ok = b && n && n <= b->size - (p - b->p);
	pthread_mutex_unlock(&mu);
	return ok ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/*
 * Prefetching to the device is what a launch does to managed memory: it
 * becomes the device's until the next synchronize (host accesses fault
 * meanwhile). CUDA's driver refuses prefetching on a device whose
 * CONCURRENT_MANAGED_ACCESS is 0; vgpu takes it, so that programs written
 * for GPUs with page faults run. To the host (CU_MEM_LOCATION_TYPE_HOST*,
 * the legacy CU_DEVICE_CPU): the next synchronize brings it back anyway.
 */
static CUresult prefetch(CUdeviceptr p, size_t n, int to_host, CUstream s)
{
	struct cuvg_stream *st;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	rc = cuvg_stream_check(s, &st);
	if (rc == CUDA_SUCCESS)
		rc = managed_range(p, n);
	if (rc != CUDA_SUCCESS || to_host)
		return rc;
	return cuvg_managed_to_device(p);
}

CUVG_EXPORT CUresult cuMemPrefetchAsync_v2(CUdeviceptr p, size_t n,
					   CUmemLocation loc,
					   unsigned int flags, CUstream s)
{
	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	switch (loc.type) {
	case CU_MEM_LOCATION_TYPE_DEVICE:
		if (loc.id != 0)
			return CUDA_ERROR_INVALID_DEVICE;
		return prefetch(p, n, 0, s);
	case CU_MEM_LOCATION_TYPE_HOST:
	case CU_MEM_LOCATION_TYPE_HOST_NUMA:
	case CU_MEM_LOCATION_TYPE_HOST_NUMA_CURRENT:
		return prefetch(p, n, 1, s);
	default:
		return CUDA_ERROR_INVALID_VALUE;
	}
}

#undef cuMemPrefetchAsync
CUresult cuMemPrefetchAsync(CUdeviceptr p, size_t n, CUdevice dev, CUstream s);
CUVG_EXPORT CUresult cuMemPrefetchAsync(CUdeviceptr p, size_t n, CUdevice dev,
					CUstream s)
{
	if (dev != 0 && dev != CU_DEVICE_CPU)
		return CUDA_ERROR_INVALID_DEVICE;
	return prefetch(p, n, dev == CU_DEVICE_CPU, s);
}

/* Advice describes access patterns a mirror has no use for: checked, kept by nothing. */
CUVG_EXPORT CUresult cuMemAdvise_v2(CUdeviceptr p, size_t n,
				    CUmem_advise advice, CUmemLocation loc)
{
	CUresult rc = cuvg_need_ctx();

	(void)loc;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (advice < CU_MEM_ADVISE_SET_READ_MOSTLY ||
	    advice > CU_MEM_ADVISE_UNSET_ACCESSED_BY)
		return CUDA_ERROR_INVALID_VALUE;
	return managed_range(p, n);
}

#undef cuMemAdvise
CUresult cuMemAdvise(CUdeviceptr p, size_t n, CUmem_advise advice,
		     CUdevice dev);
CUVG_EXPORT CUresult cuMemAdvise(CUdeviceptr p, size_t n, CUmem_advise advice,
				 CUdevice dev)
{
	CUmemLocation loc = { .type = CU_MEM_LOCATION_TYPE_DEVICE, .id = dev };

	return cuMemAdvise_v2(p, n, advice, loc);
}

/*
 * Every stream reaches every managed allocation (one queue runs them all),
 * so an attachment changes nothing: checked, kept by nothing. Length 0
 * names the whole allocation, as in CUDA.
 */
CUVG_EXPORT CUresult cuStreamAttachMemAsync(CUstream s, CUdeviceptr p,
					    size_t n, unsigned int flags)
{
	struct cuvg_stream *st;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	rc = cuvg_stream_check(s, &st);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags != CU_MEM_ATTACH_GLOBAL && flags != CU_MEM_ATTACH_HOST &&
	    flags != CU_MEM_ATTACH_SINGLE)
		return CUDA_ERROR_INVALID_VALUE;
	return managed_range(p, n ? n : 1);
}
