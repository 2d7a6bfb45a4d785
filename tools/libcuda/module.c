// SPDX-License-Identifier: MIT
/*
 * Modules and functions. An image (PTX, cubin, fatbin, or the wrapper nvcc
 * emits around an embedded fatbin) is sent whole with MODULE_LOAD; the
 * library keeps a copy to read its kernels' parameter layouts (kparams.c).
 * cuModuleGetFunction does not ask the device: a name the module lacks is
 * reported by the launch (CUDA_ERROR_NOT_FOUND at the next synchronizing
 * call, or at once when the layout is read from the image and lacks it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

struct mod_entry {
	struct cuvg_module *m;
	struct cuvg_ctx *ctx;
	struct mod_entry *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct mod_entry *mods;

static CUresult load(CUmodule *out, const void *image)
{
	CUresult rc = cuvg_need_ctx();
	struct cuvg_req r = { .op = Q_LOAD };
	struct cuvg_module *m;
	struct mod_entry *e;
	const uint8_t *p = image;
	size_t size;

	if (!out || !image)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	/* nvcc's fatbin wrapper: its data pointer, at offset 8. */
	if (*(const uint32_t *)p == 0x466243B1u)
		/* cppcheck-suppress pointerSize ; the pointer is what is read */
		memcpy(&p, p + 8, sizeof(p));
	rc = cuvg_image_size(p, &size);
	if (rc != CUDA_SUCCESS)
		return rc;
	m = calloc(1, sizeof(*m));
	e = calloc(1, sizeof(*e));
	if (!m || !e || !(m->image = malloc(size))) {
		free(m);
		free(e);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	memcpy(m->image, p, size);
	m->size = size;
	r.src = m->image;
	r.len = size;
	rc = cuvg_call(&r);
	if (rc != CUDA_SUCCESS) {
		if (rc == CUDA_ERROR_INVALID_VALUE)
			rc = CUDA_ERROR_INVALID_IMAGE;
		free(m->image);
		free(m);
		free(e);
		return rc;
	}
	m->handle = r.ret;
	cuvg_obj_add(&m->o, K_MODULE);
	e->m = m;
	e->ctx = cuvg_current();
	pthread_mutex_lock(&mu);
	e->next = mods;
	mods = e;
	pthread_mutex_unlock(&mu);
	*out = (CUmodule)m;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image)
{
	return load(module, image);
}

/* JIT options are the device's business: accepted and not passed on. */
CUVG_EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
					unsigned int nopt, CUjit_option *opt,
					void **vals)
{
	(void)nopt;
	(void)opt;
	(void)vals;
	return load(module, image);
}

CUVG_EXPORT CUresult cuModuleLoadFatBinary(CUmodule *module, const void *fb)
{
	return load(module, fb);
}

CUVG_EXPORT CUresult cuModuleLoad(CUmodule *module, const char *path)
{
	CUresult rc = cuvg_need_ctx();
	FILE *f;
	char *buf;
	long n;

	if (!module || !path)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	f = fopen(path, "rb");
	if (!f)
		return CUDA_ERROR_FILE_NOT_FOUND;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    n > (long)VGPU_IMAGE_MAX || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return CUDA_ERROR_INVALID_IMAGE;
	}
	buf = calloc(1, (size_t)n + 1);	/* PTX: NUL-terminated */
	if (!buf) {
		fclose(f);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return CUDA_ERROR_FILE_NOT_FOUND;
	}
	fclose(f);
	rc = load(module, buf);
	free(buf);
	return rc;
}

static CUresult unload(struct cuvg_module *m)
{
	struct cuvg_req r = { .op = Q_UNLOAD, .dptr = m->handle };
	CUresult rc;

	pthread_mutex_lock(&mu);
	for (struct mod_entry **pp = &mods; *pp; pp = &(*pp)->next)
		if ((*pp)->m == m) {
			struct mod_entry *e = *pp;

			*pp = e->next;
			free(e);
			break;
		}
	pthread_mutex_unlock(&mu);
	cuvg_obj_del(&m->o);
	cuvg_mem_drop_globals(m);
	cuvg_managed_drop_module(m);
	rc = cuvg_call(&r);	/* after the launches queued before it */
	while (m->funcs) {
		struct cuvg_func *f = m->funcs;

		m->funcs = f->next_in_mod;
		cuvg_obj_del(&f->o);
		free(f);
	}
	free(m->image);
	free(m);
	return rc;
}

CUVG_EXPORT CUresult cuModuleUnload(CUmodule module)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(module, K_MODULE))
		return CUDA_ERROR_INVALID_HANDLE;
	return unload((struct cuvg_module *)module);
}

/*
 * Modules are loaded whole when cuModuleLoad* returns: the worker's
 * executor loads the image in one MODULE_LOAD request.
 */
CUVG_EXPORT CUresult cuModuleGetLoadingMode(CUmoduleLoadingMode *mode)
{
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!mode)
		return CUDA_ERROR_INVALID_VALUE;
	*mode = CU_MODULE_EAGER_LOADING;
	return CUDA_SUCCESS;
}

void cuvg_module_ctx_gone(const struct cuvg_ctx *c)
{
	for (;;) {
		struct cuvg_module *m = NULL;

		pthread_mutex_lock(&mu);
		for (struct mod_entry *e = mods; e && !m; e = e->next)
			if (e->ctx == c)
				m = e->m;
		pthread_mutex_unlock(&mu);
		if (!m)
			return;
		unload(m);
	}
}

/* A name the protocol can carry; one that is too long is said, not lost. */
static int name_fits(const char *call, const char *name)
{
	size_t n = strlen(name);

	if (n > VGPU_FUNC_NAME_MAX)
		cuvg_log("%s: a name of %zu bytes, over the %d the host takes: not found",
			 call, n, VGPU_FUNC_NAME_MAX);
	return n && n <= VGPU_FUNC_NAME_MAX;
}

CUVG_EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule module,
					 const char *name)
{
	struct cuvg_module *m = (struct cuvg_module *)module;
	CUresult rc = cuvg_ready();
	struct cuvg_func *f;

	if (!hfunc || !name)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(m, K_MODULE))
		return CUDA_ERROR_INVALID_HANDLE;
	if (!name_fits("cuModuleGetFunction", name))
		return CUDA_ERROR_NOT_FOUND;
	pthread_mutex_lock(&mu);
	for (f = m->funcs; f; f = f->next_in_mod)
		if (!strcmp(f->name, name))
			break;
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			pthread_mutex_unlock(&mu);
			return CUDA_ERROR_OUT_OF_MEMORY;
		}
		f->mod = m;
		f->max_dynamic_shared = -1;
		snprintf(f->name, sizeof(f->name), "%s", name);
		f->have_params = cuvg_find_params(m->image, m->size, name,
						  &f->kp);
		f->next_in_mod = m->funcs;
		m->funcs = f;
		cuvg_obj_add(&f->o, K_FUNC);
	}
	pthread_mutex_unlock(&mu);
	*hfunc = (CUfunction)f;
	return CUDA_SUCCESS;
}

/*
 * A __device__, __constant__ or __managed__ variable: MODULE_GET_GLOBAL
 * asks the device; a managed one is then host memory too (managed.c).
 */
CUVG_EXPORT CUresult cuModuleGetGlobal_v2(CUdeviceptr *dptr, size_t *bytes,
					  CUmodule module, const char *name)
{
	struct cuvg_module *m = (struct cuvg_module *)module;
	struct cuvg_req r = { .op = Q_GLOBAL };
	CUresult rc = cuvg_ready();

	if (!name)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(m, K_MODULE))
		return CUDA_ERROR_INVALID_HANDLE;
	if (!name_fits("cuModuleGetGlobal", name))
		return CUDA_ERROR_NOT_FOUND;
	r.module = m->handle;
	r.name = name;
	rc = cuvg_call(&r);
	if (rc == CUDA_ERROR_NOT_SUPPORTED)
		cuvg_unsupported("cuModuleGetGlobal (the host has no MODULE_GET_GLOBAL)");
	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_mem_add_global(r.ret, r.len, m))
		return CUDA_ERROR_OUT_OF_MEMORY;
	rc = cuvg_managed_module_var(m, name);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (dptr)
		*dptr = (CUdeviceptr)r.ret;
	if (bytes)
		*bytes = (size_t)r.len;
	return CUDA_SUCCESS;
}
