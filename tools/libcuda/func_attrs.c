// SPDX-License-Identifier: MIT
/*
 * What a kernel uses: registers per thread, static shared, constant and
 * local memory, its largest block. Only the host's driver knows them (it
 * compiled the module for its GPU), so FUNC_ATTRS asks it, once per
 * function; the answer is kept with the function. A host or driver
 * without FUNC_ATTRS (older ones; the CPU executor, which loads no
 * modules) is not asked again, and cuFuncGetAttribute then gives the
 * values it gave before FUNC_ATTRS existed (Documentation/libcuda.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "cuvg.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int no_func_attrs;	/* the host cannot tell: do not ask again */

/* The host is not trusted: every value must be one a GPU could have. */
static int plausible(const struct vgpu_func_attrs *a)
{
	return a->num_regs >= 0 && a->num_regs <= 255 &&
	       a->shared_size >= 0 && a->const_size >= 0 &&
	       a->local_size >= 0 && a->max_dynamic_shared >= 0 &&
	       a->ptx_version >= 0 && a->binary_version >= 0 &&
	       a->max_threads_per_block >= 1 &&
	       a->max_threads_per_block <= 1024;	/* CUDA's largest block */
}

CUresult cuvg_func_attrs(struct cuvg_func *f, struct vgpu_func_attrs *out)
{
	struct cuvg_req r = { .op = Q_FUNC_ATTRS };
	struct vgpu_func_attrs a = { 0 };
	CUresult rc = CUDA_SUCCESS;
	int err;

	pthread_mutex_lock(&mu);
	if (f->have_attrs) {
		*out = f->attrs;
		goto out;
	}
	if (no_func_attrs) {
		rc = CUDA_ERROR_NOT_SUPPORTED;
		goto out;
	}
	r.module = f->mod->handle;
	r.name = f->name;
	r.dst = &a;
	err = cuvg_submit(&r, 1, NULL);
	/*
	 * ENOTTY: a driver without the ioctl; EOPNOTSUPP: a host that cannot
	 * answer (the CPU executor); EINVAL: a backend or worker older than
	 * the operation, which finds it unknown (the request itself is
	 * well formed: a live module, a name of 1..255 bytes).
	 */
	if (err == -ENOTTY || err == -EOPNOTSUPP || err == -EINVAL) {
		cuvg_log("the device has no FUNC_ATTRS operation: kernels' registers and memory are unknown");
		no_func_attrs = 1;
		rc = CUDA_ERROR_NOT_SUPPORTED;
	} else if (err) {
		rc = cuvg_err(err);
	} else if (!plausible(&a)) {
		cuvg_log("FUNC_ATTRS of %s: the host's values are impossible", f->name);
		rc = CUDA_ERROR_UNKNOWN;
	} else {
		f->attrs = a;
		f->have_attrs = 1;
		*out = a;
	}
out:
	pthread_mutex_unlock(&mu);
	return rc;
}

int cuvg_func_max_dynamic_shared(struct cuvg_func *f)
{
	int v;

	pthread_mutex_lock(&mu);
	v = f->max_dynamic_shared;
	pthread_mutex_unlock(&mu);
	return v;
}

/*
 * Of what a program may set, two mean something here. The largest dynamic
 * shared memory: kept, checked by cuLaunchKernel, and raised on the host
 * for a launch that needs more than the default (the executor does it,
 * the LAUNCH carries the size); at most the device's opt-in limit less
 * the kernel's static shared memory. The carve-out: a hint, accepted.
 * Cluster attributes need launches vgpu does not make: NOT_SUPPORTED.
 */
CUVG_EXPORT CUresult cuFuncSetAttribute(CUfunction hf, CUfunction_attribute a,
					int value)
{
	struct cuvg_func *f = (struct cuvg_func *)hf;
	struct vgpu_func_attrs fa;
	CUresult rc = cuvg_ready();
	int optin = 0;

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(f, K_FUNC))
		return CUDA_ERROR_INVALID_HANDLE;
	switch (a) {
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
		rc = cuDeviceGetAttribute(&optin,
			CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 0);
		if (rc != CUDA_SUCCESS)
			return rc;
		if (cuvg_func_attrs(f, &fa) == CUDA_SUCCESS)
			optin -= fa.shared_size;
		if (value < 0 || value > optin) {
			cuvg_log("cuFuncSetAttribute %s: %d bytes of dynamic shared memory, over the %d it may have",
				 f->name, value, optin);
			return CUDA_ERROR_INVALID_VALUE;
		}
		pthread_mutex_lock(&mu);
		f->max_dynamic_shared = value;
		pthread_mutex_unlock(&mu);
		return CUDA_SUCCESS;
	case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
		return value >= -1 && value <= 100 ? CUDA_SUCCESS :
						      CUDA_ERROR_INVALID_VALUE;
	default:
		cuvg_log("cuFuncSetAttribute: attribute %d not supported", (int)a);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}

void cuvg_func_attrs_reset(void)
{
	pthread_mutex_lock(&mu);
	no_func_attrs = 0;
	pthread_mutex_unlock(&mu);
}

/* Before FUNC_ATTRS (and where the host cannot answer it): fixed values. */
static CUresult fallback(int *pi, CUfunction_attribute a)
{
	switch (a) {
	case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
		*pi = 1024;
		return CUDA_SUCCESS;
	case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
	case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
	case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:
	case CU_FUNC_ATTRIBUTE_NUM_REGS:
		/* Unknown without FUNC_ATTRS: reported as 0. */
		*pi = 0;
		return CUDA_SUCCESS;
	case CU_FUNC_ATTRIBUTE_PTX_VERSION:
	case CU_FUNC_ATTRIBUTE_BINARY_VERSION:
		*pi = 90;
		return CUDA_SUCCESS;
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
		*pi = 49152;
		return CUDA_SUCCESS;
	default:
		cuvg_unsupported("cuFuncGetAttribute (this attribute)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
}

CUVG_EXPORT CUresult cuFuncGetAttribute(int *pi, CUfunction_attribute a,
					CUfunction hf)
{
	struct vgpu_func_attrs fa;
	CUresult rc = cuvg_ready();
	int v;

	if (!pi)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(hf, K_FUNC))
		return CUDA_ERROR_INVALID_HANDLE;
	v = cuvg_func_max_dynamic_shared((struct cuvg_func *)hf);
	if (a == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES && v >= 0) {
		*pi = v;	/* what the program set */
		return CUDA_SUCCESS;
	}
	rc = fallback(&v, a);
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = cuvg_func_attrs((struct cuvg_func *)hf, &fa);
	if (rc == CUDA_ERROR_NOT_SUPPORTED) {
		*pi = v;
		return CUDA_SUCCESS;
	}
	if (rc != CUDA_SUCCESS)
		return rc;
	switch (a) {
	case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
		v = fa.max_threads_per_block;
		break;
	case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
		v = fa.shared_size;
		break;
	case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
		v = fa.const_size;
		break;
	case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:
		v = fa.local_size;
		break;
	case CU_FUNC_ATTRIBUTE_NUM_REGS:
		v = fa.num_regs;
		break;
	case CU_FUNC_ATTRIBUTE_PTX_VERSION:
		v = fa.ptx_version;
		break;
	case CU_FUNC_ATTRIBUTE_BINARY_VERSION:
		v = fa.binary_version;
		break;
	default:	/* MAX_DYNAMIC_SHARED_SIZE_BYTES, the only other */
		v = fa.max_dynamic_shared;
		break;
	}
	*pi = v;
	return CUDA_SUCCESS;
}
