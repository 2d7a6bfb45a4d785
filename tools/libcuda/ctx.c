// SPDX-License-Identifier: MIT
/*
 * Contexts: the device's primary context (retained, released, reset) and
 * created ones, and each thread's stack of current contexts (the top is
 * current), as the Driver API defines them. All contexts share the VM's
 * one device address space (vgpu has one per device): an allocation made
 * in one context is valid in all of them; destroying a context frees the
 * allocations and modules made in it (Documentation/libcuda.md, "Limits").
 */
#include <stdlib.h>

#include "cuvg.h"

#define STACK_MAX 64

static __thread struct cuvg_ctx *stack[STACK_MAX];
static __thread int depth;
static pthread_mutex_t prim_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cuvg_ctx *primary;	/* while retained or not yet reset */
static unsigned int primary_flags;

void cuvg_mem_ctx_gone(const struct cuvg_ctx *c);	/* mem.c */
void cuvg_module_ctx_gone(const struct cuvg_ctx *c);	/* module.c */

struct cuvg_ctx *cuvg_current(void)
{
	struct cuvg_ctx *c = depth ? stack[depth - 1] : NULL;

	return cuvg_obj_live(c, K_CTX) ? c : NULL;
}

CUresult cuvg_need_ctx(void)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	return cuvg_current() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

static struct cuvg_ctx *ctx_new(unsigned int flags, int prim)
{
	struct cuvg_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->flags = flags;
	c->primary = prim;
	c->refs = 1;
	cuvg_obj_add(&c->o, K_CTX);
	return c;
}

static void ctx_free(struct cuvg_ctx *c)
{
	/* Its work first: nothing queued may name what is freed. */
	cuvg_wait_seq(cuvg_last_seq());
	cuvg_module_ctx_gone(c);
	cuvg_mem_ctx_gone(c);
	cuvg_obj_del(&c->o);
	for (int i = 0; i < depth; i++)
		if (stack[i] == c)
			stack[i] = NULL;
	free(c);
}

static CUresult dev_check(CUdevice dev)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	return dev == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
{
	CUresult rc = dev_check(dev);

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&prim_mu);
	if (!primary) {
		primary = ctx_new(primary_flags, 1);
		if (!primary) {
			pthread_mutex_unlock(&prim_mu);
			return CUDA_ERROR_OUT_OF_MEMORY;
		}
	} else {
		primary->refs++;
	}
	*pctx = (CUcontext)primary;
	pthread_mutex_unlock(&prim_mu);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
	CUresult rc = dev_check(dev);

	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&prim_mu);
	if (!primary || primary->refs <= 0) {
		pthread_mutex_unlock(&prim_mu);
		return CUDA_ERROR_INVALID_CONTEXT;
	}
	if (--primary->refs == 0) {
		ctx_free(primary);
		primary = NULL;
	}
	pthread_mutex_unlock(&prim_mu);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxReset_v2(CUdevice dev)
{
	CUresult rc = dev_check(dev);

	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&prim_mu);
	if (primary)
		ctx_free(primary);
	primary = NULL;
	primary_flags = 0;
	pthread_mutex_unlock(&prim_mu);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxGetState(CUdevice dev,
						unsigned int *flags, int *active)
{
	CUresult rc = dev_check(dev);

	if (!flags || !active)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	pthread_mutex_lock(&prim_mu);
	*flags = primary_flags;
	*active = primary && primary->refs > 0;
	pthread_mutex_unlock(&prim_mu);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice dev,
						   unsigned int flags)
{
	CUresult rc = dev_check(dev);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags & ~0xffu)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&prim_mu);
	primary_flags = flags;
	if (primary)
		primary->flags = flags;
	pthread_mutex_unlock(&prim_mu);
	return CUDA_SUCCESS;
}

#undef cuDevicePrimaryCtxRelease
#undef cuDevicePrimaryCtxReset
#undef cuDevicePrimaryCtxSetFlags
CUVG_EXPORT CUresult cuDevicePrimaryCtxRelease(CUdevice dev)
{
	return cuDevicePrimaryCtxRelease_v2(dev);
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxReset(CUdevice dev)
{
	return cuDevicePrimaryCtxReset_v2(dev);
}

CUVG_EXPORT CUresult cuDevicePrimaryCtxSetFlags(CUdevice dev, unsigned int f)
{
	return cuDevicePrimaryCtxSetFlags_v2(dev, f);
}

static CUresult push(struct cuvg_ctx *c)
{
	if (depth >= STACK_MAX)
		return CUDA_ERROR_OUT_OF_MEMORY;
	stack[depth++] = c;
	return CUDA_SUCCESS;
}

/* cuCtxCreate_v2's: a new context, pushed on the caller's stack. */
CUVG_EXPORT CUresult cuCtxCreate_v2(CUcontext *pctx, unsigned int flags,
				    CUdevice dev)
{
	CUresult rc = dev_check(dev);
	struct cuvg_ctx *c;

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (depth >= STACK_MAX)
		return CUDA_ERROR_OUT_OF_MEMORY;
	c = ctx_new(flags, 0);
	if (!c)
		return CUDA_ERROR_OUT_OF_MEMORY;
	push(c);
	*pctx = (CUcontext)c;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *params,
				    unsigned int flags, CUdevice dev)
{
	if (params && (params->execAffinityParams || params->cigParams)) {
		cuvg_unsupported("cuCtxCreate_v4 (affinity or CIG parameters)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	return cuCtxCreate_v2(pctx, flags, dev);
}

#undef cuCtxCreate
CUVG_EXPORT CUresult cuCtxCreate(CUcontext *pctx, unsigned int flags,
				 CUdevice dev)
{
	return cuCtxCreate_v2(pctx, flags, dev);
}

CUVG_EXPORT CUresult cuCtxDestroy_v2(CUcontext ctx)
{
	struct cuvg_ctx *c = (struct cuvg_ctx *)ctx;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(c, K_CTX) || c->primary)
		return CUDA_ERROR_INVALID_CONTEXT;
	if (depth && stack[depth - 1] == c)
		depth--;
	ctx_free(c);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxPushCurrent_v2(CUcontext ctx)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(ctx, K_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	return push((struct cuvg_ctx *)ctx);
}

CUVG_EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *pctx)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!depth)
		return CUDA_ERROR_INVALID_CONTEXT;
	depth--;
	if (pctx)
		*pctx = (CUcontext)stack[depth];
	return CUDA_SUCCESS;
}

#undef cuCtxDestroy
#undef cuCtxPushCurrent
#undef cuCtxPopCurrent
CUVG_EXPORT CUresult cuCtxDestroy(CUcontext ctx)
{
	return cuCtxDestroy_v2(ctx);
}

CUVG_EXPORT CUresult cuCtxPushCurrent(CUcontext ctx)
{
	return cuCtxPushCurrent_v2(ctx);
}

CUVG_EXPORT CUresult cuCtxPopCurrent(CUcontext *pctx)
{
	return cuCtxPopCurrent_v2(pctx);
}

/* Replaces the top of the stack; NULL pops it. */
CUVG_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!ctx) {
		if (depth)
			depth--;
		return CUDA_SUCCESS;
	}
	if (!cuvg_obj_live(ctx, K_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	if (depth)
		stack[depth - 1] = (struct cuvg_ctx *)ctx;
	else
		stack[depth++] = (struct cuvg_ctx *)ctx;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxGetCurrent(CUcontext *pctx)
{
	CUresult rc = cuvg_ready();

	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	*pctx = (CUcontext)cuvg_current();
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxGetDevice(CUdevice *dev)
{
	CUresult rc = cuvg_need_ctx();

	if (!dev)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	*dev = 0;
	return CUDA_SUCCESS;
}

/* CUDA 13's form: the device of ctx, or of the current context if NULL. */
CUVG_EXPORT CUresult cuCtxGetDevice_v2(CUdevice *dev, CUcontext ctx)
{
	CUresult rc;

	if (!ctx)
		return cuCtxGetDevice(dev);
	rc = cuvg_ready();
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!dev)
		return CUDA_ERROR_INVALID_VALUE;
	if (!cuvg_obj_live(ctx, K_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	*dev = 0;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxGetFlags(unsigned int *flags)
{
	CUresult rc = cuvg_need_ctx();

	if (!flags)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	*flags = cuvg_current()->flags;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxGetApiVersion(CUcontext ctx, unsigned int *version)
{
	CUresult rc = cuvg_ready();

	if (!version)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (ctx && !cuvg_obj_live(ctx, K_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	*version = 3020;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxSynchronize(void)
{
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	return cuvg_sync_upto(cuvg_last_seq(), 1);
}

/* Priorities are accepted and passed to no one: the VM has one priority. */
CUVG_EXPORT CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest)
{
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (least)
		*least = 0;
	if (greatest)
		*greatest = -5;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuCtxGetCacheConfig(CUfunc_cache *cfg)
{
	if (!cfg)
		return CUDA_ERROR_INVALID_VALUE;
	*cfg = CU_FUNC_CACHE_PREFER_NONE;
	return cuvg_need_ctx();
}

/* A preference the hardware may ignore, as CUDA documents. */
CUVG_EXPORT CUresult cuCtxSetCacheConfig(CUfunc_cache cfg)
{
	(void)cfg;
	return cuvg_need_ctx();
}

/*
 * The host's context has its own limits, set when it was made; a guest
 * cannot change them. Asking for no more than cuCtxGetLimit reports is
 * met already; more is CUDA_ERROR_NOT_SUPPORTED, with a log line, rather
 * than a kernel that fails later for want of it.
 */
CUVG_EXPORT CUresult cuCtxSetLimit(CUlimit limit, size_t value)
{
	size_t have = 0;
	CUresult rc = cuCtxGetLimit(&have, limit);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (value <= have)
		return CUDA_SUCCESS;
	cuvg_log("cuCtxSetLimit(%d, %zu): over the %zu reported; the host's context cannot be changed",
		 (int)limit, value, have);
	return CUDA_ERROR_NOT_SUPPORTED;
}

CUVG_EXPORT CUresult cuCtxGetLimit(size_t *value, CUlimit limit)
{
	CUresult rc = cuvg_need_ctx();

	if (!value)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	switch (limit) {
	case CU_LIMIT_STACK_SIZE:
		*value = 1024;
		return CUDA_SUCCESS;
	case CU_LIMIT_PRINTF_FIFO_SIZE:
		*value = 1 << 20;
		return CUDA_SUCCESS;
	case CU_LIMIT_MALLOC_HEAP_SIZE:
		*value = 8 << 20;
		return CUDA_SUCCESS;
	default:
		cuvg_unsupported("cuCtxGetLimit (this limit)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}
