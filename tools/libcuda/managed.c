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
 * be no user address at all (a host whose addresses lie above the
 * process's address space) or every try collides, cuMemAllocManaged is
 * CUDA_ERROR_NOT_SUPPORTED.
 *
 * A module's __managed__ variables (marked in its image: kparams.c; found
 * at cuModuleGetGlobal: module.c) get one mirror over the pages they
 * span, at their device addresses, filled with their values at the first
 * lookup. The module's other variables may share those pages on the
 * device, so only the managed variables' bytes are copied each way. Their
 * address cannot be chosen: where the process already uses it, they are
 * not supported.
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

/*
 * A mirror: one mapping, whose data is copied each way as whole ranges.
 * An allocation's has one range (what was asked for); a module's holds
 * all its __managed__ variables, one range each, and only they are
 * copied: the pages they share may hold other variables on the device.
 */
struct mirror {
	uint64_t start, len;	/* the mapping, page-aligned */
	uint64_t base;		/* the device block to free; 0: a module's */
	const void *module;	/* the module whose variables it holds */
	struct cuvg_range *r;
	unsigned int nr;
	int on_device;
	struct mirror *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct mirror *mirrors;

/* The mirror and range holding @p, or NULL. */
static struct mirror *find_locked(uint64_t p, const struct cuvg_range **out)
{
	for (struct mirror *m = mirrors; m; m = m->next)
		for (unsigned int i = 0; i < m->nr; i++)
			if (p >= m->r[i].p && p - m->r[i].p < m->r[i].size) {
				if (out)
					*out = &m->r[i];
				return m;
			}
	return NULL;
}

int cuvg_managed_has(uint64_t p)
{
	int found;

	pthread_mutex_lock(&mu);
	found = find_locked(p, NULL) != NULL;
	pthread_mutex_unlock(&mu);
	return found;
}

/* The mirror's ranges to the device, then the mapping out of reach. */
static CUresult push_locked(struct mirror *m)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		struct cuvg_req r = { .op = Q_WRITE, .dptr = m->r[i].p,
				      .len = m->r[i].size,
				      .src = (const void *)(uintptr_t)m->r[i].p };
		CUresult rc = cuvg_call(&r);

		if (rc != CUDA_SUCCESS)
			return rc;
	}
	if (mprotect((void *)(uintptr_t)m->start, m->len, PROT_NONE))
		cuvg_log("managed memory 0x%llx: mprotect: %s (host access is not fenced)",
			 (unsigned long long)m->start, strerror(errno));
	m->on_device = 1;
	return CUDA_SUCCESS;
}

/* Back from the device; the host's again even if a read fails. */
static CUresult pull_locked(struct mirror *m)
{
	CUresult rc = CUDA_SUCCESS;

	mprotect((void *)(uintptr_t)m->start, m->len, PROT_READ | PROT_WRITE);
	m->on_device = 0;
	for (unsigned int i = 0; i < m->nr; i++) {
		struct cuvg_req r = { .op = Q_READ, .dptr = m->r[i].p,
				      .len = m->r[i].size,
				      .dst = (void *)(uintptr_t)m->r[i].p };
		CUresult e = cuvg_call(&r);

		if (e != CUDA_SUCCESS && rc == CUDA_SUCCESS) {
			cuvg_log("managed memory 0x%llx: copy from the device failed",
				 (unsigned long long)m->r[i].p);
			rc = e;
		}
	}
	return rc;
}

CUresult cuvg_managed_to_device(uint64_t p)
{
	CUresult rc = CUDA_SUCCESS;
	struct mirror *m;

	pthread_mutex_lock(&mu);
	if (p) {
		m = find_locked(p, NULL);
		if (m && !m->on_device)
			rc = push_locked(m);
	} else {
		for (m = mirrors; m && rc == CUDA_SUCCESS; m = m->next)
			if (!m->on_device)
				rc = push_locked(m);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

CUresult cuvg_managed_to_host(void)
{
	CUresult rc = CUDA_SUCCESS;

	pthread_mutex_lock(&mu);
	for (struct mirror *m = mirrors; m; m = m->next)
		if (m->on_device) {
			CUresult e = pull_locked(m);

			if (rc == CUDA_SUCCESS)
				rc = e;
		}
	pthread_mutex_unlock(&mu);
	return rc;
}

static void unlink_locked(struct mirror *gone)
{
	for (struct mirror **pp = &mirrors; *pp; pp = &(*pp)->next)
		if (*pp == gone) {
			*pp = gone->next;
			break;
		}
	munmap((void *)(uintptr_t)gone->start, gone->len);
	free(gone->r);
	free(gone);
}

void cuvg_managed_drop(uint64_t p)
{
	pthread_mutex_lock(&mu);
	for (struct mirror *m = mirrors; m; m = m->next)
		if (!m->module && m->r[0].p == p) {
			unlink_locked(m);
			break;
		}
	pthread_mutex_unlock(&mu);
}

void cuvg_managed_drop_module(const void *module)
{
	pthread_mutex_lock(&mu);
	for (struct mirror *m = mirrors; m; m = m->next)
		if (m->module == module) {
			unlink_locked(m);
			break;
		}
	pthread_mutex_unlock(&mu);
}

/* @len bytes at @start, page-aligned, mapped there or not at all. */
static int map_at(uint64_t start, uint64_t len, int *err)
{
	void *m = mmap((void *)(uintptr_t)start, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);

	*err = errno;
	if (m == (void *)(uintptr_t)start)
		return 1;
	if (m != MAP_FAILED) {
		/* A kernel without MAP_FIXED_NOREPLACE: a hint, taken elsewhere. */
		munmap(m, len);
		*err = EEXIST;
	}
	return 0;
}

/* A new mirror of @nr ranges (taken over) in the list. */
static struct mirror *add_mirror(uint64_t start, uint64_t len, uint64_t base,
				 const void *module, struct cuvg_range *r,
				 unsigned int nr)
{
	struct mirror *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	*m = (struct mirror){ start, len, base, module, r, nr, 0, NULL };
	pthread_mutex_lock(&mu);
	m->next = mirrors;
	mirrors = m;
	pthread_mutex_unlock(&mu);
	return m;
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

		rc = cuvg_call(&r);
		if (rc != CUDA_SUCCESS)
			break;
		tried[n++] = r.ret;
		p = (r.ret + pg - 1) / pg * pg;
		if (map_at(p, map_len, &err)) {
			*p_out = p;
			*base_out = tried[--n];
			rc = CUDA_SUCCESS;
			break;
		}
		rc = CUDA_ERROR_NOT_SUPPORTED;
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
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), map_len, p, base;
	struct cuvg_range *r;
	CUresult rc = cuvg_need_ctx();

	if (!dptr || !size ||
	    (flags != CU_MEM_ATTACH_GLOBAL && flags != CU_MEM_ATTACH_HOST))
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (size > UINT64_MAX - 2 * pg)
		return CUDA_ERROR_OUT_OF_MEMORY;
	map_len = ((uint64_t)size + pg - 1) / pg * pg;
	rc = place(map_len + pg, map_len, pg, &p, &base);
	if (rc != CUDA_SUCCESS)
		return rc;
	r = malloc(sizeof(*r));
	if (r)
		*r = (struct cuvg_range){ p, size };
	if (!r || !add_mirror(p, map_len, base, NULL, r, 1)) {
		free(r);
		munmap((void *)(uintptr_t)p, map_len);
		free_block(base);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (cuvg_mem_add_managed(p, size, base)) {
		cuvg_managed_drop(p);
		free_block(base);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	*dptr = (CUdeviceptr)p;
	return CUDA_SUCCESS;
}

/*
 * A module's __managed__ variables, @n of them at the device addresses
 * and sizes in @r (taken over): one mirror over all their pages, filled
 * from the device (their initial values). 0, or NOT_SUPPORTED where the
 * process already uses an address among them.
 */
CUresult cuvg_managed_add_module(const void *module, struct cuvg_range *vars,
				 unsigned int n)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), lo = UINT64_MAX, hi = 0;
	struct cuvg_range *r = vars;
	struct mirror *m;
	CUresult rc;
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (r[i].p < lo)
			lo = r[i].p;
		if (r[i].p + r[i].size > hi)
			hi = r[i].p + r[i].size;
	}
	lo = lo / pg * pg;
	hi = (hi + pg - 1) / pg * pg;
	if (!n || hi <= lo || !map_at(lo, hi - lo, &err)) {
		cuvg_log("__managed__ variables at 0x%llx: that address cannot be mapped in this process (%s): not supported",
			 (unsigned long long)lo, strerror(err));
		free(vars);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	m = add_mirror(lo, hi - lo, 0, module, r, n);
	if (!m) {
		munmap((void *)(uintptr_t)lo, hi - lo);
		free(vars);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	pthread_mutex_lock(&mu);
	m->on_device = 1;
	rc = pull_locked(m);
	pthread_mutex_unlock(&mu);
	if (rc != CUDA_SUCCESS)
		cuvg_managed_drop_module(module);
	return rc;
}

/* A range of managed memory, as the calls below must be given. */
static CUresult managed_range(CUdeviceptr p, size_t n)
{
	const struct cuvg_range *r = NULL;
	int ok;

	pthread_mutex_lock(&mu);
	ok = find_locked(p, &r) && n && n <= r->size - (p - r->p);
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
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc == CUDA_SUCCESS && cuvg_capturing(s))
		return cuvg_capture_refuse((struct cuvg_stream *)s,
					   "cuMemPrefetchAsync");
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
	CUresult rc = cuvg_ctx_stream(s, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags != CU_MEM_ATTACH_GLOBAL && flags != CU_MEM_ATTACH_HOST &&
	    flags != CU_MEM_ATTACH_SINGLE)
		return CUDA_ERROR_INVALID_VALUE;
	return managed_range(p, n ? n : 1);
}

struct names {
	char **v;
	unsigned int n, cap;
	int oom;
};

static void add_name(const char *name, void *ctx)
{
	struct names *ns = ctx;

	if (ns->n == ns->cap) {
		unsigned int nc = ns->cap ? 2 * ns->cap : 8;
		char **nv = realloc(ns->v, nc * sizeof(*nv));

		if (!nv) {
			ns->oom = 1;
			return;
		}
		ns->v = nv;
		ns->cap = nc;
	}
	ns->v[ns->n] = strdup(name);
	if (ns->v[ns->n])
		ns->n++;
	else
		ns->oom = 1;
}

/* Every managed variable's range (and a valid copy range, as any global). */
static CUresult mirror_module(struct cuvg_module *m, const struct names *ns)
{
	struct cuvg_range *r = calloc(ns->n, sizeof(*r));

	if (!r)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (unsigned int i = 0; i < ns->n; i++) {
		struct cuvg_req q = { .op = Q_GLOBAL, .module = m->handle,
				      .name = ns->v[i] };
		CUresult rc = cuvg_call(&q);

		if (rc == CUDA_SUCCESS && !q.len)
			rc = CUDA_ERROR_INVALID_IMAGE;
		if (rc == CUDA_SUCCESS && cuvg_mem_add_global(q.ret, q.len, m))
			rc = CUDA_ERROR_OUT_OF_MEMORY;
		if (rc != CUDA_SUCCESS) {
			free(r);
			return rc;
		}
		r[i] = (struct cuvg_range){ q.ret, q.len };
	}
	return cuvg_managed_add_module(m, r, ns->n);
}

CUresult cuvg_managed_module_var(struct cuvg_module *m, const char *name)
{
	/* Two threads' first lookups must not both map the variables. */
	static pthread_mutex_t setup_mu = PTHREAD_MUTEX_INITIALIZER;
	struct names ns = { 0 };
	CUresult rc = CUDA_SUCCESS;
	int managed = 0;

	pthread_mutex_lock(&setup_mu);
	if (m->managed_state != CUVG_MANAGED_UNREAD)
		goto out;	/* none, or mirrored already */
	cuvg_image_managed(m->image, m->size, add_name, &ns);
	for (unsigned int i = 0; i < ns.n; i++)
		managed |= !strcmp(ns.v[i], name);
	if (ns.oom)
		rc = CUDA_ERROR_OUT_OF_MEMORY;
	else if (!ns.n)
		m->managed_state = CUVG_MANAGED_NONE;
	else if (managed) {
		rc = mirror_module(m, &ns);
		if (rc == CUDA_SUCCESS)
			m->managed_state = CUVG_MANAGED_MIRRORED;
	}
	for (unsigned int i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
out:
	pthread_mutex_unlock(&setup_mu);
	return rc;
}
