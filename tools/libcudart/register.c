// SPDX-License-Identifier: MIT
/*
 * What nvcc's start-up code registers (crt/host_runtime.h): each
 * translation unit's fatbin (__cudaRegisterFatBinary, from a constructor),
 * its kernels by their host stubs' addresses (__cudaRegisterFunction) and
 * its __device__ variables by their host shadows' addresses
 * (__cudaRegisterVar), its __managed__ variables by the host pointers
 * through which host code reaches them (__cudaRegisterManagedVar). A
 * fatbin becomes a module LAZILY, at the first launch of one of its
 * kernels or use of one of its variables (cuModuleLoadData on the fatbin
 * the wrapper points at), and again after cudaDeviceReset; host code's
 * first use of a managed variable loads it (__cudaInitModule) and points
 * the host pointers at the variables, which the Driver API library makes
 * host memory too (cuModuleGetGlobal). A kernel's record is also the cudaKernel_t that
 * __cudaGetKernel hands out; handles are checked against the records
 * before use, never dereferenced blind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"

#define FATBINC_MAGIC	0x466243B1u	/* nvcc's wrapper (fatbinary_section.h) */
#define FATBIN_MAGIC	0xBA55ED50u	/* the fatbin's own header */
#define NAME_MAX_LEN	4096		/* a device name nvcc wrote; bounded */
#define BUCKETS		1024

struct fatbin_wrapper {			/* __fatBinC_Wrapper_t */
	int magic;
	int version;
	const unsigned long long *data;
	void *filename_or_fatbins;
};

struct crt_fatbin {
	void *self;		/* what a caller that dereferences the handle reads */
	const void *image;	/* NULL: not a fatbin this library loads */
	CUmodule mod;
	unsigned int gen;	/* crt_generation() mod was loaded in; 0: none */
	struct crt_fatbin *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct crt_fatbin *fatbins;
static struct crt_func *by_host[BUCKETS];	/* host stub -> record */
static struct crt_func *by_rec[BUCKETS];	/* the records, by address */
static struct crt_var *vars[BUCKETS];		/* host shadow -> record */

static unsigned int bucket(const void *p)
{
	uintptr_t v = (uintptr_t)p;

	return (unsigned int)((v >> 4) ^ (v >> 12)) % BUCKETS;
}

static struct crt_fatbin *fatbin_check(void **handle)
{
	struct crt_fatbin *fb;

	for (fb = fatbins; fb; fb = fb->next)
		if ((void **)fb == handle)
			return fb;
	return NULL;
}

CRT_EXPORT void **__cudaRegisterFatBinary(void *fat_cubin)
{
	const struct fatbin_wrapper *w = fat_cubin;
	struct crt_fatbin *fb = calloc(1, sizeof(*fb));

	if (!fb) {
		crt_log("__cudaRegisterFatBinary: out of memory");
		return NULL;
	}
	fb->self = fb;
	if (!w || (uint32_t)w->magic != FATBINC_MAGIC || w->version != 1 ||
	    !w->data || (uint32_t)w->data[0] != FATBIN_MAGIC)
		/* -rdc's linked fatbins (version 2) among them: launches fail. */
		crt_log("__cudaRegisterFatBinary: not a fatbin wrapper of version 1; its kernels will not load");
	else
		fb->image = w->data;
	pthread_mutex_lock(&lock);
	fb->next = fatbins;
	fatbins = fb;
	pthread_mutex_unlock(&lock);
	return (void **)fb;
}

/* Nothing to do: modules load at first use. */
CRT_EXPORT void __cudaRegisterFatBinaryEnd(void **handle)
{
	(void)handle;
}

static void drop_records(const struct crt_fatbin *fb)
{
	for (unsigned int b = 0; b < BUCKETS; b++) {
		struct crt_func **pf = &by_host[b];
		struct crt_var **pv = &vars[b];

		while (*pf) {
			struct crt_func *f = *pf, **pr;

			if (f->fb != fb) {
				pf = &f->next;
				continue;
			}
			*pf = f->next;
			for (pr = &by_rec[bucket(f)]; *pr != f; pr = &(*pr)->next_rec)
				;
			*pr = f->next_rec;
			free(f->device_name);
			free(f);
		}
		while (*pv) {
			struct crt_var *v = *pv;

			if (v->fb != fb) {
				pv = &v->next;
				continue;
			}
			*pv = v->next;
			free(v->device_name);
			free(v);
		}
	}
}

/* At exit or dlclose of the unit: its module goes, and its records. */
CRT_EXPORT void __cudaUnregisterFatBinary(void **handle)
{
	struct crt_fatbin **p, *fb = NULL;

	pthread_mutex_lock(&lock);
	for (p = &fatbins; *p; p = &(*p)->next)
		if ((void **)*p == handle) {
			fb = *p;
			*p = fb->next;
			break;
		}
	if (fb)
		drop_records(fb);
	pthread_mutex_unlock(&lock);
	if (!fb)
		return;
	if (fb->gen && fb->gen == crt_generation())
		cuModuleUnload(fb->mod);
	free(fb);
}

static char *copy_name(const char *name)
{
	size_t n = name ? strnlen(name, NAME_MAX_LEN + 1) : 0;
	char *s;

	if (!n || n > NAME_MAX_LEN)
		return NULL;
	s = malloc(n + 1);
	if (s) {
		memcpy(s, name, n);
		s[n] = '\0';
	}
	return s;
}

CRT_EXPORT void __cudaRegisterFunction(void **handle, const char *host_fun,
				       char *device_fun, const char *device_name,
				       int thread_limit, uint3 *tid, uint3 *bid,
				       dim3 *bdim, dim3 *gdim, int *wsize)
{
	struct crt_func *f = calloc(1, sizeof(*f));

	(void)device_fun;
	(void)thread_limit;
	(void)tid;
	(void)bid;
	(void)bdim;
	(void)gdim;
	(void)wsize;
	if (f)
		f->device_name = copy_name(device_name);
	if (!f || !f->device_name || !host_fun) {
		crt_log("__cudaRegisterFunction: bad name or out of memory");
		if (f)
			free(f->device_name);
		free(f);
		return;
	}
	f->host_fun = host_fun;
	pthread_mutex_lock(&lock);
	f->fb = fatbin_check(handle);
	if (!f->fb) {
		pthread_mutex_unlock(&lock);
		crt_log("__cudaRegisterFunction(%s): unknown fatbin handle", f->device_name);
		free(f->device_name);
		free(f);
		return;
	}
	f->next = by_host[bucket(host_fun)];
	by_host[bucket(host_fun)] = f;
	f->next_rec = by_rec[bucket(f)];
	by_rec[bucket(f)] = f;
	pthread_mutex_unlock(&lock);
}

/* A variable's record, under its key (@what names the call for the log). */
static void register_var(void **handle, const void *host_var,
			 const char *device_name, size_t size, int managed,
			 const char *what)
{
	struct crt_var *v = calloc(1, sizeof(*v));

	if (v)
		v->device_name = copy_name(device_name);
	if (!v || !v->device_name || !host_var) {
		crt_log("%s: bad name or out of memory", what);
		if (v)
			free(v->device_name);
		free(v);
		return;
	}
	v->host_var = host_var;
	v->size = size;
	v->managed = managed;
	pthread_mutex_lock(&lock);
	v->fb = fatbin_check(handle);
	if (!v->fb) {
		pthread_mutex_unlock(&lock);
		crt_log("%s(%s): unknown fatbin handle", what, v->device_name);
		free(v->device_name);
		free(v);
		return;
	}
	v->next = vars[bucket(host_var)];
	vars[bucket(host_var)] = v;
	pthread_mutex_unlock(&lock);
}

CRT_EXPORT void __cudaRegisterVar(void **handle, char *host_var,
				  char *device_address, const char *device_name,
				  int ext, size_t size, int constant, int global)
{
	(void)device_address; (void)ext; (void)constant; (void)global;
	register_var(handle, host_var, device_name, size, 0,
		     "__cudaRegisterVar");
}

/* Host code reaches it through *host_ptr, set by __cudaInitModule. */
CRT_EXPORT void __cudaRegisterManagedVar(void **handle, void **host_ptr,
					 char *device_address,
					 const char *device_name, int ext,
					 size_t size, int constant, int global)
{
	(void)device_address; (void)ext; (void)constant; (void)global;
	register_var(handle, host_ptr, device_name, size, 1,
		     "__cudaRegisterManagedVar");
}

/* Textures and surfaces are not supported: said once each. */

CRT_EXPORT void __cudaRegisterTexture(void **handle, const void *host_var,
				      const void **device_address,
				      const char *device_name, int dim,
				      int norm, int ext)
{
	(void)handle; (void)host_var; (void)device_address; (void)device_name;
	(void)dim; (void)norm; (void)ext;
	crt_unsupported("__cudaRegisterTexture");
}

CRT_EXPORT void __cudaRegisterSurface(void **handle, const void *host_var,
				      const void **device_address,
				      const char *device_name, int dim, int ext)
{
	(void)handle; (void)host_var; (void)device_address; (void)device_name;
	(void)dim; (void)ext;
	crt_unsupported("__cudaRegisterSurface");
}

/* The fatbin's module, loaded now if it is not (lock held). */
static cudaError_t module_of(struct crt_fatbin *fb, CUmodule *mod)
{
	unsigned int gen = crt_generation();
	CUresult r;

	if (fb->gen != gen) {
		if (!fb->image)
			return cudaErrorInvalidKernelImage;
		r = cuModuleLoadData(&fb->mod, fb->image);
		if (r != CUDA_SUCCESS) {
			crt_log("loading a fatbin: error %d", (int)r);
			return crt_from_cu(r);
		}
		fb->gen = gen;
	}
	*mod = fb->mod;
	return cudaSuccess;
}

/*
 * What host code calls before its first use of a __managed__ variable of
 * the unit: the module loaded, and every managed variable's host pointer
 * set to the variable. Nonzero on success (else the next use asks again).
 */
CRT_EXPORT char __cudaInitModule(void **handle)
{
	struct crt_fatbin *fb;
	cudaError_t e = crt_ctx();
	CUmodule mod;

	if (e != cudaSuccess)
		return 0;
	pthread_mutex_lock(&lock);
	fb = fatbin_check(handle);
	e = fb ? module_of(fb, &mod) : cudaErrorInvalidResourceHandle;
	for (unsigned int b = 0; b < BUCKETS && e == cudaSuccess; b++)
		for (struct crt_var *v = vars[b]; v && e == cudaSuccess; v = v->next) {
			CUdeviceptr d;
			size_t sz;
			CUresult r;

			if (v->fb != fb || !v->managed)
				continue;
			r = cuModuleGetGlobal(&d, &sz, mod, v->device_name);
			if (r != CUDA_SUCCESS) {
				crt_log("__managed__ %s: error %d",
					v->device_name, (int)r);
				e = crt_from_cu(r);
				break;
			}
			*(void **)v->host_var = (void *)(uintptr_t)d;
		}
	pthread_mutex_unlock(&lock);
	return e == cudaSuccess;
}

struct crt_func *crt_func_find(const void *host_fun)
{
	struct crt_func *f;

	pthread_mutex_lock(&lock);
	for (f = by_host[bucket(host_fun)]; f; f = f->next)
		if (f->host_fun == host_fun)
			break;
	pthread_mutex_unlock(&lock);
	return f;
}

struct crt_func *crt_func_check(const void *k)
{
	struct crt_func *f = NULL;

	if (!k)
		return NULL;
	pthread_mutex_lock(&lock);
	for (f = by_rec[bucket(k)]; f && (const void *)f != k; f = f->next_rec)
		;
	pthread_mutex_unlock(&lock);
	return f;
}

cudaError_t crt_func_get(struct crt_func *f, CUfunction *out)
{
	cudaError_t e = crt_ctx();
	CUmodule mod;
	CUresult r;

	if (e != cudaSuccess)
		return e;
	pthread_mutex_lock(&lock);
	e = module_of(f->fb, &mod);
	if (e == cudaSuccess && f->gen != f->fb->gen) {
		r = cuModuleGetFunction(&f->fn, mod, f->device_name);
		if (r == CUDA_SUCCESS)
			f->gen = f->fb->gen;
		else
			e = r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidDeviceFunction :
			    crt_from_cu(r);
	}
	*out = f->fn;
	pthread_mutex_unlock(&lock);
	return crt_ret(e);
}

cudaError_t crt_var_get(const void *symbol, CUdeviceptr *dptr, size_t *size)
{
	cudaError_t e = crt_ctx();
	struct crt_var *v;
	CUmodule mod;
	CUresult r;

	if (e != cudaSuccess)
		return e;
	pthread_mutex_lock(&lock);
	for (v = vars[bucket(symbol)]; v && v->host_var != symbol; v = v->next)
		;
	/* A __managed__ variable is named by its address, once it has one. */
	for (unsigned int b = 0; !v && symbol && b < BUCKETS; b++)
		for (v = vars[b]; v; v = v->next)
			if (v->managed && *(void *const *)v->host_var == symbol)
				break;
	if (!v) {
		pthread_mutex_unlock(&lock);
		return crt_ret(cudaErrorInvalidSymbol);
	}
	e = module_of(v->fb, &mod);
	if (e == cudaSuccess) {
		r = cuModuleGetGlobal(dptr, size, mod, v->device_name);
		e = r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidSymbol : crt_from_cu(r);
	}
	pthread_mutex_unlock(&lock);
	return crt_ret(e);
}
