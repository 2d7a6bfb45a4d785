// SPDX-License-Identifier: MIT
/*
 * Device memory: allocations (kept in a table, for cuMemGetAddressRange,
 * for telling device from host pointers in cuMemcpy, and to check a copy's
 * range before it is queued, so an asynchronous copy's bad range is
 * reported by the call itself), copies and memsets, and host memory, which
 * is plain guest memory (nothing is pinned: the device reaches the guest's
 * pages through the frontend's grants for each copy).
 *
 * Device-to-device copies and memsets are MEM_COPY and MEM_SET; on a host
 * without them, MEM_READ / MEM_WRITE through the guest (queue.c): correct,
 * at the speed of two transfers. A module's __device__ variables are in
 * the table too (cuModuleGetGlobal), as ranges copies may name, never
 * freed by cuMemFree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

struct alloc {
	uint64_t dptr, size;
	struct cuvg_ctx *ctx;
	const void *global_of;	/* a module's __device__ variable: not freed */
	uint64_t base;		/* the device's block: dptr, or managed.c's */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct alloc *tab;
static size_t ntab, captab;

static struct alloc *find_locked(uint64_t p)
{
	for (size_t i = 0; i < ntab; i++)
		if (p >= tab[i].dptr && p - tab[i].dptr < tab[i].size)
			return &tab[i];
	return NULL;
}

/* [p, p + len) inside one allocation? */
int cuvg_dev_range(uint64_t p, uint64_t len)
{
	struct alloc *a;
	int ok;

	pthread_mutex_lock(&mu);
	a = find_locked(p);
	ok = a && len <= a->size - (p - a->dptr);
	pthread_mutex_unlock(&mu);
	return ok;
}

static int add_locked(struct alloc a)
{
	if (ntab == captab) {
		size_t nc = captab ? 2 * captab : 64;
		struct alloc *nt = realloc(tab, nc * sizeof(*nt));

		if (!nt)
			return -1;
		tab = nt;
		captab = nc;
	}
	tab[ntab++] = a;
	return 0;
}

int cuvg_mem_add_global(uint64_t dptr, uint64_t size, const void *module)
{
	int err = 0;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ntab; i++)
		if (tab[i].dptr == dptr && tab[i].global_of == module)
			goto out;	/* asked before */
	err = add_locked((struct alloc){ dptr, size, NULL, module, dptr });
out:
	pthread_mutex_unlock(&mu);
	return err;
}

int cuvg_mem_add_managed(uint64_t dptr, uint64_t size, uint64_t base)
{
	int err;

	pthread_mutex_lock(&mu);
	err = add_locked((struct alloc){ dptr, size, cuvg_current(), NULL,
					 base });
	pthread_mutex_unlock(&mu);
	return err;
}

void cuvg_mem_drop_globals(const void *module)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ntab;)
		if (tab[i].global_of == module)
			tab[i] = tab[--ntab];
		else
			i++;
	pthread_mutex_unlock(&mu);
}

CUVG_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t size)
{
	struct cuvg_req r = { .op = Q_ALLOC, .len = size };
	CUresult rc = cuvg_need_ctx();

	if (!dptr || !size)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = cuvg_call(&r);
	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&mu);
	if (add_locked((struct alloc){ r.ret, size, cuvg_current(), NULL,
				       r.ret })) {
		pthread_mutex_unlock(&mu);
		r = (struct cuvg_req){ .op = Q_FREE, .dptr = r.ret };
		cuvg_call(&r);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	pthread_mutex_unlock(&mu);
	*dptr = (CUdeviceptr)r.ret;
	return CUDA_SUCCESS;
}

/*
 * Takes @p, an allocation's start, out of the table (and a managed one's
 * mirror out of the process): the device block to free, 0 if it is none.
 */
static uint64_t take_dptr(uint64_t p)
{
	uint64_t base = 0;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ntab; i++)
		if (tab[i].dptr == p && !tab[i].global_of) {
			base = tab[i].base;
			tab[i] = tab[--ntab];
			break;
		}
	pthread_mutex_unlock(&mu);
	if (base)
		cuvg_managed_drop(p);
	return base;
}

static CUresult free_dptr(uint64_t p)
{
	struct cuvg_req r = { .op = Q_FREE };

	r.dptr = take_dptr(p);
	if (!r.dptr)
		return CUDA_ERROR_INVALID_VALUE;
	/* Queued after the work that may still use it. */
	return cuvg_call(&r);
}

CUVG_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr)
{
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!dptr)
		return CUDA_SUCCESS;
	return free_dptr(dptr);
}

/*
 * Stream-ordered allocation, without pools. cuMemAllocAsync allocates at
 * the call (memory usable before the stream reaches the call is still
 * correct; the allocation request itself waits behind the queue, as
 * cuMemAlloc's does). cuMemFreeAsync takes the range out of the table at
 * the call, so a later use is refused as an unknown address, and queues
 * the free without waiting: the queue runs every request of the process
 * in issue order, so the free runs after all work queued before it, on
 * its stream and every other. A failed free is the next synchronizing
 * call's error. No reuse, no release threshold: each is a MEM_ALLOC /
 * MEM_FREE of the device.
 */
CUVG_EXPORT CUresult cuMemAllocAsync(CUdeviceptr *dptr, size_t size,
				     CUstream s)
{
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_capturing(s))
		return cuvg_capture_refuse((struct cuvg_stream *)s,
					   "cuMemAllocAsync");
	return cuMemAlloc_v2(dptr, size);
}

CUVG_EXPORT CUresult cuMemFreeAsync(CUdeviceptr dptr, CUstream s)
{
	struct cuvg_req r = { .op = Q_FREE };
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_capturing(s))
		return cuvg_capture_refuse((struct cuvg_stream *)s,
					   "cuMemFreeAsync");
	if (!dptr)
		return CUDA_SUCCESS;	/* as cuMemFree */
	r.dptr = take_dptr(dptr);
	if (!r.dptr)
		return CUDA_ERROR_INVALID_VALUE;
	return cuvg_issue(&r, s, 1);
}

void cuvg_mem_ctx_gone(const struct cuvg_ctx *c)
{
	for (;;) {
		uint64_t p = 0;

		pthread_mutex_lock(&mu);
		for (size_t i = 0; i < ntab && !p; i++)
			if (tab[i].ctx == c)
				p = tab[i].dptr;
		pthread_mutex_unlock(&mu);
		if (!p)
			return;
		free_dptr(p);
	}
}

CUVG_EXPORT CUresult cuMemGetInfo_v2(size_t *free_b, size_t *total_b)
{
	struct vgpu_info info;
	struct cuvg_req r = { .op = Q_INFO, .dst = &info };
	CUresult rc = cuvg_need_ctx();
	uint64_t total, avail;

	if (!free_b || !total_b)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = cuvg_call(&r);
	if (rc != CUDA_SUCCESS)
		return rc;
	total = info.mem_total;
	avail = info.mem_free;
	if (info.mem_quota && info.mem_quota < total) {
		total = info.mem_quota;
		avail = info.mem_quota > info.mem_used ?
			info.mem_quota - info.mem_used : 0;
		if (avail > info.mem_free)
			avail = info.mem_free;
	}
	*free_b = (size_t)avail;
	*total_b = (size_t)total;
	return CUDA_SUCCESS;
}

int cuvg_mem_find(uint64_t p, uint64_t *start, uint64_t *size,
		  struct cuvg_ctx **ctx)
{
	struct alloc *a;

	pthread_mutex_lock(&mu);
	a = find_locked(p);
	if (a) {
		*start = a->dptr;
		*size = a->size;
		*ctx = a->ctx;
	}
	pthread_mutex_unlock(&mu);
	return a != NULL;
}

CUVG_EXPORT CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *size,
					     CUdeviceptr dptr)
{
	CUresult rc = cuvg_need_ctx();
	struct cuvg_ctx *ctx;
	uint64_t start, len;

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_mem_find(dptr, &start, &len, &ctx))
		return CUDA_ERROR_NOT_FOUND;
	if (base)
		*base = (CUdeviceptr)start;
	if (size)
		*size = (size_t)len;
	return CUDA_SUCCESS;
}

CUresult cuvg_ctx_stream(CUstream s, struct cuvg_stream **out)
{
	struct cuvg_stream *st;
	CUresult rc = cuvg_need_ctx();

	return rc == CUDA_SUCCESS ? cuvg_stream_check(s, out ? out : &st) : rc;
}

CUresult cuvg_stream_check(CUstream s, struct cuvg_stream **out)
{
	*out = NULL;
	if (!s || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD)
		return CUDA_SUCCESS;
	if (!cuvg_obj_live(s, K_STREAM))
		return CUDA_ERROR_INVALID_HANDLE;
	*out = (struct cuvg_stream *)s;
	return CUDA_SUCCESS;
}

/* Managed memory a request names becomes the device's first (managed.c). */
static CUresult managed_to_device(const struct cuvg_req *r)
{
	CUresult rc = CUDA_SUCCESS;

	switch (r->op) {
	case Q_LAUNCH:
		/* A kernel may reach any managed memory: all of it. */
		return cuvg_managed_to_device(0);
	case Q_COPY_DD:
		rc = cuvg_managed_to_device(r->dptr2);
		/* fall through */
	case Q_WRITE:
	case Q_WRITE_2D:
	case Q_READ:
	case Q_READ_2D:
	case Q_SET:
		if (rc == CUDA_SUCCESS)
			rc = cuvg_managed_to_device(r->dptr);
		break;
	default:
		break;
	}
	return rc;
}

CUresult cuvg_issue(struct cuvg_req *r, CUstream s, int async)
{
	struct cuvg_stream *st;
	CUresult rc = cuvg_stream_check(s, &st);
	uint64_t seq;
	int err;

	/* On a capturing stream, recorded (graph.c), not queued. */
	if (rc == CUDA_SUCCESS && async && st && st->capture)
		return cuvg_capture(st, r);
	if (rc == CUDA_SUCCESS)
		rc = managed_to_device(r);
	if (rc != CUDA_SUCCESS) {
		free(r->owned);
		return rc;
	}
	if (!async) {
		rc = cuvg_call(r);
		/* A synchronous copy reports what failed before it. */
		if (rc == CUDA_SUCCESS)
			rc = cuvg_sync_upto(0, 0);
		return rc;
	}
	err = cuvg_submit(r, 0, &seq);
	if (err)
		return cuvg_err(err);
	if (st)
		st->last = seq;
	return CUDA_SUCCESS;
}

static CUresult dtod(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s,
		     int async);

static CUresult htod(CUdeviceptr dst, const void *src, size_t n, CUstream s,
		     int async)
{
	struct cuvg_req r = { .op = Q_WRITE, .dptr = dst, .len = n, .src = src };
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!n)
		return CUDA_SUCCESS;
	if (!src || !cuvg_dev_range(dst, n))
		return CUDA_ERROR_INVALID_VALUE;
	/* Managed memory is device memory, whichever kind the caller named. */
	if (cuvg_managed_has((uintptr_t)src))
		return dtod(dst, (uintptr_t)src, n, s, async);
	if (async) {
		/* Staged: the caller may reuse its buffer at once. */
		r.owned = malloc(n);
		if (!r.owned)
			return CUDA_ERROR_OUT_OF_MEMORY;
		memcpy(r.owned, src, n);
	}
	return cuvg_issue(&r, s, async);
}

static CUresult dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s,
		     int async)
{
	struct cuvg_req r = { .op = Q_READ, .dptr = src, .len = n, .dst = dst };
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!n)
		return CUDA_SUCCESS;
	if (!dst || !cuvg_dev_range(src, n))
		return CUDA_ERROR_INVALID_VALUE;
	if (cuvg_managed_has((uintptr_t)dst))
		return dtod((uintptr_t)dst, src, n, s, async);
	return cuvg_issue(&r, s, async);
}

static CUresult dtod(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s,
		     int async)
{
	struct cuvg_req r = { .op = Q_COPY_DD, .dptr = dst, .dptr2 = src,
			      .len = n };
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!n)
		return CUDA_SUCCESS;
	if (!cuvg_dev_range(dst, n) || !cuvg_dev_range(src, n))
		return CUDA_ERROR_INVALID_VALUE;
	return cuvg_issue(&r, s, async);
}

static CUresult memset_n(CUdeviceptr dst, uint32_t v, uint32_t elem, size_t n,
			 CUstream s, int async)
{
	struct cuvg_req r = { .op = Q_SET, .dptr = dst, .value = v,
			      .elem = elem, .len = (uint64_t)n * elem };
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!n)
		return CUDA_SUCCESS;
	if (n > (1ull << 40) || dst % elem || !cuvg_dev_range(dst, r.len))
		return CUDA_ERROR_INVALID_VALUE;
	return cuvg_issue(&r, s, async);
}

CUVG_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n)
{
	return htod(dst, src, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n)
{
	return dtoh(dst, src, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
	return dtod(dst, src, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src,
					  size_t n, CUstream s)
{
	return htod(dst, src, n, s, 1);
}

CUVG_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n,
					  CUstream s)
{
	return dtoh(dst, src, n, s, 1);
}

CUVG_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src,
					  size_t n, CUstream s)
{
	return dtod(dst, src, n, s, 1);
}

/* Unified addressing's copy: which side is the device's, by the table. */
static CUresult copy_any(CUdeviceptr dst, CUdeviceptr src, size_t n,
			 CUstream s, int async)
{
	int d_dev = cuvg_dev_range(dst, 1), s_dev = cuvg_dev_range(src, 1);

	if (d_dev && s_dev)
		return dtod(dst, src, n, s, async);
	if (d_dev)
		return htod(dst, (const void *)(uintptr_t)src, n, s, async);
	if (s_dev)
		return dtoh((void *)(uintptr_t)dst, src, n, s, async);
	if (!n)
		return CUDA_SUCCESS;
	/* Host to host: CUDA does it; so do we, in order with the queue. */
	cuvg_wait_seq(cuvg_last_seq());
	memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t n)
{
	return copy_any(dst, src, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t n,
				   CUstream s)
{
	return copy_any(dst, src, n, s, 1);
}

CUVG_EXPORT CUresult cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n)
{
	return memset_n(d, v, 1, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD16_v2(CUdeviceptr d, unsigned short v, size_t n)
{
	return memset_n(d, v, 2, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD32_v2(CUdeviceptr d, unsigned int v, size_t n)
{
	return memset_n(d, v, 4, n, NULL, 0);
}

CUVG_EXPORT CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n,
				     CUstream s)
{
	return memset_n(d, v, 1, n, s, 1);
}

CUVG_EXPORT CUresult cuMemsetD16Async(CUdeviceptr d, unsigned short v,
				      size_t n, CUstream s)
{
	return memset_n(d, v, 2, n, s, 1);
}

CUVG_EXPORT CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n,
				      CUstream s)
{
	return memset_n(d, v, 4, n, s, 1);
}

/* Host memory: the guest's own (see the top of this file). */
CUVG_EXPORT CUresult cuMemHostAlloc(void **pp, size_t size, unsigned int flags)
{
	CUresult rc = cuvg_need_ctx();

	if (!pp || !size)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags & CU_MEMHOSTALLOC_DEVICEMAP) {
		cuvg_unsupported("cuMemHostAlloc (CU_MEMHOSTALLOC_DEVICEMAP)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (posix_memalign(pp, 4096, size))
		return CUDA_ERROR_OUT_OF_MEMORY;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuMemAllocHost_v2(void **pp, size_t size)
{
	return cuMemHostAlloc(pp, size, 0);
}

/* cppcheck-suppress constParameter ; cuda.h's signature */
CUVG_EXPORT CUresult cuMemFreeHost(void *p)
{
	free(p);
	return CUDA_SUCCESS;
}

/* Nothing to pin: copies from any guest memory work (see above). */
/* cppcheck-suppress constParameter ; cuda.h's signature */
CUVG_EXPORT CUresult cuMemHostRegister_v2(void *p, size_t size,
					  unsigned int flags)
{
	if (!p || !size)
		return CUDA_ERROR_INVALID_VALUE;
	if (flags & CU_MEMHOSTREGISTER_DEVICEMAP) {
		cuvg_unsupported("cuMemHostRegister (CU_MEMHOSTREGISTER_DEVICEMAP)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	return cuvg_need_ctx();
}

/* cppcheck-suppress constParameter ; cuda.h's signature */
CUVG_EXPORT CUresult cuMemHostUnregister(void *p)
{
	return p ? cuvg_need_ctx() : CUDA_ERROR_INVALID_VALUE;
}
