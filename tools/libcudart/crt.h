/* SPDX-License-Identifier: MIT */
/*
 * libcudart.so.13 (vgpu): the CUDA runtime API over the Driver API
 * (Documentation/libcudart.md). What the files of this folder share.
 * Every runtime entry point maps to Driver API calls of libcuda.so.1 (this
 * project's, or any other); nothing here talks to a device itself.
 */
#ifndef VGPU_LIBCUDART_CRT_H
#define VGPU_LIBCUDART_CRT_H

#include <cuda.h>
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stddef.h>

#define CRT_EXPORT __attribute__((visibility("default")))

/*
 * nvcc's compiler ABI, as crt/host_runtime.h and crt/device_functions.h
 * declare it (headers for C++ only, hence here).
 */
void **__cudaRegisterFatBinary(void *fat_cubin);
void __cudaRegisterFatBinaryEnd(void **handle);
void __cudaUnregisterFatBinary(void **handle);
void __cudaRegisterFunction(void **handle, const char *host_fun,
			    char *device_fun, const char *device_name,
			    int thread_limit, uint3 *tid, uint3 *bid,
			    dim3 *bdim, dim3 *gdim, int *wsize);
void __cudaRegisterVar(void **handle, char *host_var, char *device_address,
		       const char *device_name, int ext, size_t size,
		       int constant, int global);
char __cudaInitModule(void **handle);
unsigned int __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shmem,
					 struct CUstream_st *stream);
cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block,
				       size_t *shmem, void *stream);
cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *func);
cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid, dim3 block,
			       void **args, size_t shmem, cudaStream_t stream);
cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 grid, dim3 block,
				    void **args, size_t shmem,
				    cudaStream_t stream);

/* errors.c: CUresult -> cudaError_t, names, the per-thread last error. */
cudaError_t crt_from_cu(CUresult r);
/* Records @e as the thread's last error (not cudaSuccess, cudaErrorNotReady). */
cudaError_t crt_ret(cudaError_t e);
/* crt_ret(crt_from_cu(r)). */
cudaError_t crt_cu(CUresult r);
void crt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void crt_unsupported(const char *name);

/*
 * memory.c: what the allocating calls share. _begin: the primary context
 * current and @p given; _end: *@p from the Driver API's answer @r and the
 * address it wrote to *@d (NULL on failure), and @r as a cudaError_t.
 */
cudaError_t crt_alloc_begin(void **p);
cudaError_t crt_alloc_end(void **p, CUresult r, const CUdeviceptr *d);

/* context.c: device 0's primary context, current on the calling thread. */
cudaError_t crt_ctx(void);
/* In an entry point: the primary context current, or its error returned. */
#define CTX_OR_RETURN() do { cudaError_t e_ = crt_ctx(); \
	if (e_ != cudaSuccess) return e_; } while (0)
CUdevice crt_device(void);
/* Bumped by cudaDeviceReset: modules loaded before it are gone. */
unsigned int crt_generation(void);

/* props.c: cudaDeviceProp from a getter of CUdevice_attribute values. */
typedef CUresult (*crt_attr_fn)(int *value, CUdevice_attribute a, void *priv);
void crt_fill_props(struct cudaDeviceProp *p, crt_attr_fn get, void *priv);

/* cfgstack.c: the <<<>>> configuration, per thread. */
struct crt_config {
	dim3 grid, block;
	size_t shmem;
	cudaStream_t stream;
};
#define CRT_CONFIG_DEPTH 64
/* 0: pushed; 1: the stack is full (a launch nested that deep fails). */
unsigned int crt_config_push(const struct crt_config *c);
/* 0: popped into @c; 1: nothing pushed (a stub called without <<<>>>). */
unsigned int crt_config_pop(struct crt_config *c);

/* register.c: what nvcc's start-up code registered. */
struct crt_fatbin;

struct crt_func {
	struct crt_fatbin *fb;
	const void *host_fun;		/* the stub's address: the key */
	char *device_name;
	CUfunction fn;			/* valid while fb->gen is current */
	unsigned int gen;
	struct crt_func *next;		/* in its host-address bucket */
	struct crt_func *next_rec;	/* in its record-address bucket */
};

struct crt_var {
	struct crt_fatbin *fb;
	/*
	 * The key: a __device__ variable's host shadow, or the pointer
	 * through which host code reaches a __managed__ one (@managed).
	 */
	const void *host_var;
	char *device_name;
	size_t size;
	int managed;
	struct crt_var *next;
};

/* The function registered for @host_fun (a stub's address), or NULL. */
struct crt_func *crt_func_find(const void *host_fun);
/* @k is a record crt_func_find handed out (never dereferences others). */
struct crt_func *crt_func_check(const void *k);
/* The device function of @f, loading its fatbin's module on first use. */
cudaError_t crt_func_get(struct crt_func *f, CUfunction *out);
/* A __device__ variable by its host shadow: its device address and size. */
cudaError_t crt_var_get(const void *symbol, CUdeviceptr *dptr, size_t *size);

#endif
