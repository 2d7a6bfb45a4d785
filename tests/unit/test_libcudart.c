// SPDX-License-Identifier: MIT
/*
 * libcudart.so.13's logic (tools/libcudart/, Documentation/libcudart.md)
 * over a Driver API double defined here, which counts and records the
 * calls: the lazy primary context (per thread, kept when the thread has
 * its own), CUresult -> cudaError_t and the error names, the per-thread
 * last error, cudaDeviceProp from a fixed attribute table, the <<<>>>
 * configuration stack, and registration: fatbins, kernels and variables
 * by host address, the module loaded lazily once and again after
 * cudaDeviceReset, kernel handles checked, launch arguments passed on.
 * The whole library over the real libcuda runs in the gpu-fake layer
 * (tests/gpu/libcuda/rt_shared_test.cu).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crt.h"

/* Declared by cuda_runtime_api.h only for per-thread-stream builds. */
cudaError_t cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t *c,
				     const void *func, void **args);

/* ---- the Driver API double ---- */

static struct {
	int inits, retains, resets, set_current, loads, unloads, launches;
	CUresult load_rc;
	const void *loaded_image;
	char fn_name[64];
	unsigned int grid[3], block[3], shmem;
	CUstream stream;
	void **params;
	unsigned int nattrs;		/* cuLaunchKernelEx's */
	CUlaunchAttributeID attr0;
} drv;
static _Thread_local CUcontext current;
static int primary_obj, module_obj, func_obj;

CUresult cuInit(unsigned int flags)
{
	(void)flags;
	drv.inits++;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *d, int ordinal)
{
	*d = ordinal;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *n)
{
	*n = 1;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d)
{
	(void)d;
	drv.retains++;
	*c = (CUcontext)&primary_obj;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxReset(CUdevice d)
{
	(void)d;
	drv.resets++;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext *c)
{
	*c = current;
	return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext c)
{
	drv.set_current++;
	current = c;
	return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize(void)
{
	return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int *v)
{
	*v = 13000;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetLimit(size_t *v, CUlimit l)
{
	(void)l;
	*v = 0;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetStreamPriorityRange(int *lo, int *hi)
{
	*lo = 0;
	*hi = -5;
	return CUDA_SUCCESS;
}

/* Attribute a reads a * 3 + 1; MAX_PITCH fails; L2 size reads -7. */
CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute a, CUdevice d)
{
	(void)d;
	if (a == CU_DEVICE_ATTRIBUTE_MAX_PITCH)
		return CUDA_ERROR_INVALID_VALUE;
	*v = a == CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE ? -7 : (int)a * 3 + 1;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char *name, int len, CUdevice d)
{
	(void)d;
	snprintf(name, (size_t)len, "Double GPU");
	return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem(size_t *b, CUdevice d)
{
	(void)d;
	*b = 1ull << 34;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetUuid(CUuuid *u, CUdevice d)
{
	(void)d;
	for (int i = 0; i < 16; i++)
		u->bytes[i] = (char)(0xa0 + i);
	return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule *m, const void *image)
{
	drv.loads++;
	drv.loaded_image = image;
	if (drv.load_rc != CUDA_SUCCESS)
		return drv.load_rc;
	*m = (CUmodule)&module_obj;
	return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule m)
{
	assert_ptr_equal(m, &module_obj);
	drv.unloads++;
	return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name)
{
	assert_ptr_equal(m, &module_obj);
	if (strcmp(name, "ka") && strcmp(name, "kb"))
		return CUDA_ERROR_NOT_FOUND;
	snprintf(drv.fn_name, sizeof(drv.fn_name), "%s", name);
	*f = (CUfunction)&func_obj;
	return CUDA_SUCCESS;
}

CUresult cuModuleGetGlobal(CUdeviceptr *d, size_t *size, CUmodule m,
			   const char *name)
{
	assert_ptr_equal(m, &module_obj);
	if (strcmp(name, "gv"))
		return CUDA_ERROR_NOT_FOUND;
	*d = 0x7000;
	*size = 64;
	return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy,
			unsigned int gz, unsigned int bx, unsigned int by,
			unsigned int bz, unsigned int shmem, CUstream s,
			void **params, void **extra)
{
	assert_ptr_equal(f, &func_obj);
	assert_null(extra);
	drv.launches++;
	drv.grid[0] = gx, drv.grid[1] = gy, drv.grid[2] = gz;
	drv.block[0] = bx, drv.block[1] = by, drv.block[2] = bz;
	drv.shmem = shmem;
	drv.stream = s;
	drv.params = params;
	return CUDA_SUCCESS;
}

/* As libcuda's: PRIORITY kept, COOPERATIVE refused. */
CUresult cuLaunchKernelEx(const CUlaunchConfig *c, CUfunction f,
			  void **params, void **extra)
{
	drv.nattrs = c->numAttrs;
	drv.attr0 = c->numAttrs ? c->attrs[0].id : CU_LAUNCH_ATTRIBUTE_IGNORE;
	if (c->numAttrs && c->attrs[0].id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE)
		return CUDA_ERROR_NOT_SUPPORTED;
	return cuLaunchKernel(f, c->gridDimX, c->gridDimY, c->gridDimZ,
			      c->blockDimX, c->blockDimY, c->blockDimZ,
			      c->sharedMemBytes, c->hStream, params, extra);
}

CUresult cuFuncGetAttribute(int *v, CUfunction_attribute a, CUfunction f)
{
	(void)a;
	(void)f;
	*v = 0;
	return CUDA_SUCCESS;
}

/* cuFuncSetAttribute: what the runtime passed. */
static struct {
	CUfunction f;
	CUfunction_attribute a;
	int value;
} fset;

CUresult cuFuncSetAttribute(CUfunction f, CUfunction_attribute a, int value)
{
	fset.f = f;
	fset.a = a;
	fset.value = value;
	return value > 200000 ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/* Occupancy: what the runtime passed, and the answer to give. */
static struct {
	CUfunction f;
	int block;
	size_t smem;
	unsigned int flags;
	CUresult rc;
} occ;

CUresult cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *n,
		CUfunction f, int block, size_t smem, unsigned int flags)
{
	occ.f = f;
	occ.block = block;
	occ.smem = smem;
	occ.flags = flags;
	if (occ.rc == CUDA_SUCCESS)
		*n = 5;
	return occ.rc;
}

CUresult cuOccupancyAvailableDynamicSMemPerBlock(size_t *smem, CUfunction f,
						 int blocks, int block)
{
	occ.f = f;
	occ.block = block;
	occ.smem = (size_t)blocks;
	if (occ.rc == CUDA_SUCCESS)
		*smem = 12345;
	return occ.rc;
}

static CUresult found_fn(void)
{
	return CUDA_SUCCESS;
}

CUresult cuGetProcAddress(const char *symbol, void **fn, int version,
			  cuuint64_t flags, CUdriverProcAddressQueryResult *st)
{
	assert_int_equal(version, 12080);
	assert_int_equal(flags, CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM);
	if (strcmp(symbol, "cuFound")) {
		*fn = NULL;
		*st = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
		return CUDA_ERROR_NOT_FOUND;
	}
	*fn = (void *)found_fn;
	*st = CU_GET_PROC_ADDRESS_SUCCESS;
	return CUDA_SUCCESS;
}

/* ---- the tests ---- */

static void *other_thread(void *arg)
{
	int *sets = arg;
	int before = drv.set_current;

	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	*sets = drv.set_current - before;
	/* A thread with a context of its own keeps it. */
	return NULL;
}

static void *own_ctx_thread(void *arg)
{
	static int own = 1;
	CUcontext mine = (CUcontext)&own;
	int *kept = arg;

	current = mine;
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	*kept = current == mine ? 1 : 0;
	return NULL;
}

/* First: nothing initialized the driver before. */
static void test_lazy_primary_context(void **state)
{
	pthread_t t;
	int n = 0, sets = -1, kept = 0;

	(void)state;
	assert_int_equal(drv.inits, 0);
	assert_int_equal(cudaGetDeviceCount(&n), cudaSuccess);
	assert_int_equal(n, 1);
	assert_int_equal(drv.inits, 1);
	assert_int_equal(drv.retains, 0);	/* counting needs no context */
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(drv.retains, 1);
	assert_int_equal(drv.set_current, 1);
	assert_ptr_equal(current, &primary_obj);
	assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
	assert_int_equal(drv.set_current, 1);	/* once per thread */
	assert_int_equal(pthread_create(&t, NULL, other_thread, &sets), 0);
	pthread_join(t, NULL);
	assert_int_equal(sets, 1);
	assert_int_equal(pthread_create(&t, NULL, own_ctx_thread, &kept), 0);
	pthread_join(t, NULL);
	assert_true(kept);
	assert_int_equal(drv.retains, 1);
	assert_int_equal(drv.inits, 1);
	assert_int_equal(cudaSetDevice(1), cudaErrorInvalidDevice);
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidDevice);
}

static void test_error_mapping(void **state)
{
	static const struct { CUresult cu; cudaError_t rt; } map[] = {
		{ CUDA_SUCCESS, cudaSuccess },
		{ CUDA_ERROR_INVALID_VALUE, cudaErrorInvalidValue },
		{ CUDA_ERROR_OUT_OF_MEMORY, cudaErrorMemoryAllocation },
		{ CUDA_ERROR_NOT_INITIALIZED, cudaErrorInitializationError },
		{ CUDA_ERROR_NO_DEVICE, cudaErrorNoDevice },
		{ CUDA_ERROR_INVALID_DEVICE, cudaErrorInvalidDevice },
		{ CUDA_ERROR_INVALID_IMAGE, cudaErrorInvalidKernelImage },
		{ CUDA_ERROR_INVALID_CONTEXT, cudaErrorDeviceUninitialized },
		{ CUDA_ERROR_INVALID_HANDLE, cudaErrorInvalidResourceHandle },
		{ CUDA_ERROR_NOT_FOUND, cudaErrorSymbolNotFound },
		{ CUDA_ERROR_NOT_READY, cudaErrorNotReady },
		{ CUDA_ERROR_ILLEGAL_ADDRESS, cudaErrorIllegalAddress },
		{ CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, cudaErrorLaunchOutOfResources },
		{ CUDA_ERROR_LAUNCH_TIMEOUT, cudaErrorLaunchTimeout },
		{ CUDA_ERROR_LAUNCH_FAILED, cudaErrorLaunchFailure },
		{ CUDA_ERROR_NOT_SUPPORTED, cudaErrorNotSupported },
		{ CUDA_ERROR_DEVICE_UNAVAILABLE, cudaErrorDevicesUnavailable },
		{ CUDA_ERROR_UNKNOWN, cudaErrorUnknown },
		{ (CUresult)12345, cudaErrorUnknown },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *name = cudaGetErrorName(map[i].rt);

		assert_int_equal(crt_from_cu(map[i].cu), map[i].rt);
		/* Every error it gives has its name and a string. */
		assert_true(!strncmp(name, "cudaError", 9) || !strcmp(name, "cudaSuccess"));
		assert_string_not_equal(cudaGetErrorString(map[i].rt),
					"unrecognized error code");
	}
	assert_string_equal(cudaGetErrorName(cudaErrorInvalidConfiguration),
			    "cudaErrorInvalidConfiguration");
	assert_string_equal(cudaGetErrorName(cudaErrorMissingConfiguration),
			    "cudaErrorMissingConfiguration");
	assert_string_equal(cudaGetErrorName((cudaError_t)4242),
			    "unrecognized error code");
}

static void *error_thread(void *arg)
{
	*(cudaError_t *)arg = cudaPeekAtLastError();
	crt_ret(cudaErrorInvalidValue);
	return NULL;
}

static void test_last_error(void **state)
{
	cudaError_t seen = cudaErrorUnknown;
	pthread_t t;

	(void)state;
	cudaGetLastError();
	assert_int_equal(crt_cu(CUDA_ERROR_NOT_READY), cudaErrorNotReady);
	assert_int_equal(cudaPeekAtLastError(), cudaSuccess);	/* not an error */
	assert_int_equal(crt_cu(CUDA_ERROR_OUT_OF_MEMORY), cudaErrorMemoryAllocation);
	assert_int_equal(crt_ret(cudaErrorInvalidSymbol), cudaErrorInvalidSymbol);
	assert_int_equal(cudaPeekAtLastError(), cudaErrorInvalidSymbol);	/* the last */
	assert_int_equal(cudaPeekAtLastError(), cudaErrorInvalidSymbol);
	assert_int_equal(pthread_create(&t, NULL, error_thread, &seen), 0);
	pthread_join(t, NULL);
	assert_int_equal(seen, cudaSuccess);	/* per thread */
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidSymbol);
	assert_int_equal(cudaGetLastError(), cudaSuccess);	/* reset */
}

static void test_device_properties(void **state)
{
	struct cudaDeviceProp p;
	int v = 0;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	assert_int_equal(cudaGetDeviceProperties(&p, 0), cudaSuccess);
	assert_string_equal(p.name, "Double GPU");
	assert_int_equal(p.totalGlobalMem, 1ull << 34);
	assert_int_equal((unsigned char)p.uuid.bytes[15], 0xaf);
	assert_int_equal(p.warpSize, CU_DEVICE_ATTRIBUTE_WARP_SIZE * 3 + 1);
	assert_int_equal(p.major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR * 3 + 1);
	assert_int_equal(p.maxGridSize[2], CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z * 3 + 1);
	assert_int_equal(p.sharedMemPerBlock,
			 CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK * 3 + 1);
	assert_int_equal(p.clusterLaunch, CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH * 3 + 1);
	assert_int_equal(p.memPitch, 0);	/* the attribute failed */
	assert_int_equal(p.l2CacheSize, -7);	/* an int as it came */
	assert_int_equal(p.maxTexture1D, 0);	/* no attribute read: zeroed */
	assert_int_equal(p.reserved[55], 0);
	assert_int_equal(cudaDeviceGetAttribute(&v, cudaDevAttrWarpSize, 0), cudaSuccess);
	assert_int_equal(v, p.warpSize);
	assert_int_equal(cudaGetDeviceProperties(&p, 3), cudaErrorInvalidDevice);
	assert_int_equal(cudaGetDeviceProperties(NULL, 0), cudaErrorInvalidValue);
	cudaGetLastError();
}

static void test_driver_entry_point(void **state)
{
	enum cudaDriverEntryPointQueryResult st = cudaDriverEntryPointSuccess;
	void *fn = NULL;

	(void)state;
	assert_int_equal(cudaGetDriverEntryPointByVersion("cuFound", &fn, 12080,
			 cudaEnablePerThreadDefaultStream, &st), cudaSuccess);
	assert_ptr_equal(fn, (void *)found_fn);
	assert_int_equal(st, cudaDriverEntryPointSuccess);
	/* Not found: a status, not an error (as cuGetProcAddress's). */
	assert_int_equal(cudaGetDriverEntryPointByVersion("cuMissing", &fn, 12080,
			 cudaEnablePerThreadDefaultStream, &st), cudaSuccess);
	assert_null(fn);
	assert_int_equal(st, cudaDriverEntryPointSymbolNotFound);
	assert_int_equal(cudaGetDriverEntryPointByVersion(NULL, &fn, 12080, 0, &st),
			 cudaErrorInvalidValue);
	cudaGetLastError();
}

static void test_config_stack(void **state)
{
	dim3 g, b;
	size_t shmem;
	cudaStream_t s;
	struct crt_config c = { .grid = { 1, 1, 1 }, .block = { 1, 1, 1 } };

	(void)state;
	assert_int_equal(__cudaPopCallConfiguration(&g, &b, &shmem, &s),
			 cudaErrorMissingConfiguration);
	assert_int_equal(cudaGetLastError(), cudaErrorMissingConfiguration);
	assert_int_equal(__cudaPushCallConfiguration((dim3){ 2, 3, 4 },
			 (dim3){ 5, 6, 7 }, 99, (cudaStream_t)0x10), 0);
	/* A launch inside the arguments of another: last in, first out. */
	assert_int_equal(__cudaPushCallConfiguration((dim3){ 8, 1, 1 },
			 (dim3){ 9, 1, 1 }, 0, NULL), 0);
	assert_int_equal(__cudaPopCallConfiguration(&g, &b, &shmem, &s), cudaSuccess);
	assert_int_equal(g.x, 8);
	assert_int_equal(b.x, 9);
	assert_int_equal(__cudaPopCallConfiguration(&g, &b, &shmem, &s), cudaSuccess);
	assert_int_equal(g.x, 2);
	assert_int_equal(g.z, 4);
	assert_int_equal(b.y, 6);
	assert_int_equal(shmem, 99);
	assert_ptr_equal(s, (cudaStream_t)0x10);
	for (int i = 0; i < CRT_CONFIG_DEPTH; i++)
		assert_int_equal(crt_config_push(&c), 0);
	assert_int_equal(__cudaPushCallConfiguration((dim3){ 1, 1, 1 },
			 (dim3){ 1, 1, 1 }, 0, NULL), 1);	/* full */
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidConfiguration);
	for (int i = 0; i < CRT_CONFIG_DEPTH; i++)
		assert_int_equal(crt_config_pop(&c), 0);
	assert_int_equal(crt_config_pop(&c), 1);
}

/* What nvcc's start-up code registers for one translation unit. */
static const unsigned long long fatbin[4] = { 0x00100001ba55ed50ull };
static struct { int magic, version; const unsigned long long *data; void *f; }
	wrapper = { 0x466243b1, 1, fatbin, NULL },
	bad_wrapper = { 0x12345678, 1, fatbin, NULL };
static char host_a, host_b, host_c, host_bad, host_var[64], not_a_var;

static void test_register_and_launch(void **state)
{
	void **h = __cudaRegisterFatBinary(&wrapper);
	unsigned int x = 7, *args_x = &x;
	void *args[] = { &args_x, &x };
	cudaKernel_t k = NULL, kc = NULL;
	CUdeviceptr d = 0;
	size_t size = 0;
	int loads0 = drv.loads, launches0 = drv.launches;
	cudaLaunchAttribute attr = { 0 };
	cudaLaunchConfig_t cfg;

	(void)state;
	assert_non_null(h);
	__cudaRegisterFunction(h, &host_a, (char *)"ka", "ka", -1, NULL, NULL,
			       NULL, NULL, NULL);
	__cudaRegisterFunction(h, &host_c, (char *)"kc", "kc", -1, NULL, NULL,
			       NULL, NULL, NULL);
	__cudaRegisterVar(h, host_var, (char *)"gv", "gv", 0, 64, 0, 0);
	__cudaRegisterFatBinaryEnd(h);
	assert_int_equal(drv.loads, loads0);	/* lazily */

	assert_int_equal(__cudaGetKernel(&k, &host_a), cudaSuccess);
	assert_int_equal(__cudaGetKernel(&kc, &host_c), cudaSuccess);
	assert_int_equal(__cudaGetKernel(&k, &host_b), cudaErrorInvalidDeviceFunction);
	cudaGetLastError();
	assert_int_equal(__cudaGetKernel(&k, &host_a), cudaSuccess);
	assert_int_equal(drv.loads, loads0);

	assert_int_equal(__cudaLaunchKernel(k, (dim3){ 3, 2, 1 }, (dim3){ 128, 1, 1 },
					    args, 48, (cudaStream_t)0x20), cudaSuccess);
	assert_int_equal(drv.loads, loads0 + 1);
	assert_ptr_equal(drv.loaded_image, fatbin);	/* what the wrapper points at */
	assert_string_equal(drv.fn_name, "ka");
	assert_ptr_equal(drv.params, args);	/* the stub's array, as is */
	assert_int_equal(drv.grid[0], 3);
	assert_int_equal(drv.grid[1], 2);
	assert_int_equal(drv.block[0], 128);
	assert_int_equal(drv.shmem, 48);
	assert_ptr_equal(drv.stream, (CUstream)0x20);
	assert_int_equal(cudaLaunchKernel(&host_a, (dim3){ 1, 1, 1 }, (dim3){ 1, 1, 1 },
					  args, 0, NULL), cudaSuccess);
	assert_int_equal(__cudaLaunchKernel_ptsz(k, (dim3){ 1, 1, 1 },
						 (dim3){ 1, 1, 1 }, args, 0, NULL),
			 cudaSuccess);
	assert_ptr_equal(drv.stream, CU_STREAM_PER_THREAD);
	assert_int_equal(drv.launches, launches0 + 3);
	assert_int_equal(drv.loads, loads0 + 1);	/* once */

	/* cudaLaunchKernelExC: the configuration and attributes as given. */
	attr.id = cudaLaunchAttributePriority;
	attr.val.priority = -1;
	cfg = (cudaLaunchConfig_t){ { 5, 1, 1 }, { 32, 2, 1 }, 64,
				    (cudaStream_t)0x30, &attr, 1 };
	assert_int_equal(cudaLaunchKernelExC(&cfg, &host_a, args), cudaSuccess);
	assert_int_equal(drv.grid[0], 5);
	assert_int_equal(drv.block[1], 2);
	assert_int_equal(drv.shmem, 64);
	assert_ptr_equal(drv.stream, (CUstream)0x30);
	assert_ptr_equal(drv.params, args);
	assert_int_equal(drv.nattrs, 1);
	assert_int_equal(drv.attr0, CU_LAUNCH_ATTRIBUTE_PRIORITY);
	cfg.stream = NULL;
	assert_int_equal(cudaLaunchKernelExC_ptsz(&cfg, &host_a, args),
			 cudaSuccess);
	assert_ptr_equal(drv.stream, CU_STREAM_PER_THREAD);
	attr.id = cudaLaunchAttributeCooperative;
	assert_int_equal(cudaLaunchKernelExC(&cfg, &host_a, args),
			 cudaErrorNotSupported);
	cfg.numAttrs = 0;
	cfg.blockDim.x = 0;
	assert_int_equal(cudaLaunchKernelExC(&cfg, &host_a, args),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaLaunchKernelExC(NULL, &host_a, args),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaLaunchKernelExC(&cfg, &host_b, args),
			 cudaErrorInvalidDeviceFunction);
	cudaGetLastError();
	assert_int_equal(drv.launches, launches0 + 5);

	/* Refused before the driver sees them. */
	assert_int_equal(__cudaLaunchKernel((cudaKernel_t)&host_bad, (dim3){ 1, 1, 1 },
					    (dim3){ 1, 1, 1 }, args, 0, NULL),
			 cudaErrorInvalidDeviceFunction);
	assert_int_equal(__cudaLaunchKernel(NULL, (dim3){ 1, 1, 1 },
					    (dim3){ 1, 1, 1 }, args, 0, NULL),
			 cudaErrorInvalidDeviceFunction);
	assert_int_equal(__cudaLaunchKernel(k, (dim3){ 1, 1, 1 }, (dim3){ 0, 1, 1 },
					    args, 0, NULL),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaGetLastError(), cudaErrorInvalidValue);
	assert_int_equal(drv.launches, launches0 + 5);
	/* A kernel the module does not have. */
	assert_int_equal(__cudaLaunchKernel(kc, (dim3){ 1, 1, 1 }, (dim3){ 1, 1, 1 },
					    NULL, 0, NULL),
			 cudaErrorInvalidDeviceFunction);

	/* Variables by their host shadow. */
	assert_int_equal(crt_var_get(host_var, &d, &size), cudaSuccess);
	assert_int_equal(d, 0x7000);
	assert_int_equal(size, 64);
	assert_int_equal(crt_var_get(&not_a_var, &d, &size), cudaErrorInvalidSymbol);
	cudaGetLastError();

	/* Occupancy: the Driver API's, on the kernel's function. */
	{
		int n = 0;
		size_t smem = 0;

		assert_int_equal(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n,
				 &host_a, 256, 100), cudaSuccess);
		assert_int_equal(n, 5);
		assert_ptr_equal(occ.f, &func_obj);
		assert_int_equal(occ.block, 256);
		assert_int_equal(occ.smem, 100);
		assert_int_equal(occ.flags, cudaOccupancyDefault);
		assert_int_equal(cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
				 &n, &host_a, 64, 0,
				 cudaOccupancyDisableCachingOverride), cudaSuccess);
		assert_int_equal(occ.flags, CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE);
		assert_int_equal(cudaOccupancyAvailableDynamicSMemPerBlock(&smem,
				 &host_a, 3, 128), cudaSuccess);
		assert_int_equal(smem, 12345);
		assert_int_equal(occ.smem, 3);
		/* The host cannot tell: the driver's NOT_SUPPORTED, mapped. */
		occ.rc = CUDA_ERROR_NOT_SUPPORTED;
		assert_int_equal(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n,
				 &host_a, 256, 0), cudaErrorNotSupported);
		occ.rc = CUDA_SUCCESS;
		assert_int_equal(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n,
				 &host_b, 256, 0), cudaErrorInvalidDeviceFunction);
		assert_int_equal(cudaOccupancyMaxActiveBlocksPerMultiprocessor(NULL,
				 &host_a, 256, 0), cudaErrorInvalidValue);
		cudaGetLastError();
	}

	/* Function attributes: the two that mean something, passed on. */
	assert_int_equal(cudaFuncSetAttribute(&host_a,
			 cudaFuncAttributeMaxDynamicSharedMemorySize, 100000),
			 cudaSuccess);
	assert_ptr_equal(fset.f, &func_obj);
	assert_int_equal(fset.a, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
	assert_int_equal(fset.value, 100000);
	assert_int_equal(cudaFuncSetAttribute(&host_a,
			 cudaFuncAttributePreferredSharedMemoryCarveout, 50),
			 cudaSuccess);
	assert_int_equal(fset.a, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT);
	assert_int_equal(cudaFuncSetAttribute(&host_a,
			 cudaFuncAttributeMaxDynamicSharedMemorySize, 300000),
			 cudaErrorInvalidValue);
	assert_int_equal(cudaFuncSetAttribute(&host_a,
			 cudaFuncAttributeRequiredClusterWidth, 2),
			 cudaErrorNotSupported);
	assert_int_equal(cudaFuncSetAttribute(&host_b,
			 cudaFuncAttributeMaxDynamicSharedMemorySize, 1),
			 cudaErrorInvalidDeviceFunction);
	cudaGetLastError();

	/* After a reset the module is loaded again, at the next use. */
	assert_int_equal(cudaDeviceReset(), cudaSuccess);
	assert_int_equal(drv.loads, loads0 + 1);
	assert_int_equal(__cudaLaunchKernel(k, (dim3){ 1, 1, 1 }, (dim3){ 1, 1, 1 },
					    args, 0, NULL), cudaSuccess);
	assert_int_equal(drv.loads, loads0 + 2);
	assert_int_equal(drv.retains, 2);

	/* Unregistered: the module goes, and its kernels with it. */
	__cudaUnregisterFatBinary(h);
	assert_int_equal(drv.unloads, 1);
	assert_int_equal(__cudaGetKernel(&k, &host_a), cudaErrorInvalidDeviceFunction);
	assert_int_equal(cudaLaunchKernel(&host_a, (dim3){ 1, 1, 1 },
					  (dim3){ 1, 1, 1 }, args, 0, NULL),
			 cudaErrorInvalidDeviceFunction);
	cudaGetLastError();
}

static void test_bad_images(void **state)
{
	void **h = __cudaRegisterFatBinary(&bad_wrapper), **h2;
	int loads0 = drv.loads;
	cudaKernel_t k = NULL;

	(void)state;
	__cudaRegisterFunction(h, &host_b, (char *)"kb", "kb", -1, NULL, NULL,
			       NULL, NULL, NULL);
	/* A handle that no __cudaRegisterFatBinary gave: not registered. */
	__cudaRegisterFunction((void **)&host_bad, &host_c, (char *)"kc", "kc",
			       -1, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(__cudaGetKernel(&k, &host_c), cudaErrorInvalidDeviceFunction);
	assert_int_equal(__cudaGetKernel(&k, &host_b), cudaSuccess);
	assert_int_equal(__cudaLaunchKernel(k, (dim3){ 1, 1, 1 }, (dim3){ 1, 1, 1 },
					    NULL, 0, NULL),
			 cudaErrorInvalidKernelImage);
	assert_int_equal(drv.loads, loads0);	/* never sent */
	__cudaUnregisterFatBinary(h);

	/* The driver refuses the image: its error, every time. */
	h2 = __cudaRegisterFatBinary(&wrapper);
	__cudaRegisterFunction(h2, &host_b, (char *)"kb", "kb", -1, NULL, NULL,
			       NULL, NULL, NULL);
	drv.load_rc = CUDA_ERROR_INVALID_IMAGE;
	assert_int_equal(cudaLaunchKernel(&host_b, (dim3){ 1, 1, 1 },
					  (dim3){ 1, 1, 1 }, NULL, 0, NULL),
			 cudaErrorInvalidKernelImage);
	assert_int_equal(cudaLaunchKernel(&host_b, (dim3){ 1, 1, 1 },
					  (dim3){ 1, 1, 1 }, NULL, 0, NULL),
			 cudaErrorInvalidKernelImage);
	assert_int_equal(drv.loads, loads0 + 2);
	drv.load_rc = CUDA_SUCCESS;
	assert_int_equal(cudaLaunchKernel(&host_b, (dim3){ 1, 1, 1 },
					  (dim3){ 1, 1, 1 }, NULL, 0, NULL),
			 cudaSuccess);
	__cudaUnregisterFatBinary(h2);
	cudaGetLastError();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_primary_context),	/* first */
		cmocka_unit_test(test_error_mapping),
		cmocka_unit_test(test_last_error),
		cmocka_unit_test(test_device_properties),
		cmocka_unit_test(test_driver_entry_point),
		cmocka_unit_test(test_config_stack),
		cmocka_unit_test(test_register_and_launch),
		cmocka_unit_test(test_bad_images),
	};

	setenv("VGPU_CUDA_LOG", "0", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
