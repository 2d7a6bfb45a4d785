// SPDX-License-Identifier: MIT
/*
 * Device 0's primary context, made current lazily as NVIDIA's runtime
 * does: the first call that needs a context initializes the driver,
 * retains the primary context and makes it current on the calling thread
 * (unless the thread already has a context current: a program mixing the
 * Driver API keeps its own). And the device calls: count, selection,
 * properties, attributes, synchronize, reset, versions, limits.
 * One device: vgpu gives a VM one (Documentation/libcuda.md).
 */
#include <string.h>

#include "crt.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CUdevice dev;
static CUcontext primary;		/* NULL: not retained (yet, or reset) */
static CUresult init_rc = CUDA_ERROR_NOT_INITIALIZED;
static int inited;
static unsigned int generation = 1;	/* of the primary context */
static _Thread_local unsigned int bound;	/* generation made current */

/* cuInit and the device, once; no context. */
static CUresult driver_init(void)
{
	pthread_mutex_lock(&lock);
	if (!inited) {
		init_rc = cuInit(0);
		if (init_rc == CUDA_SUCCESS)
			init_rc = cuDeviceGet(&dev, 0);
		inited = 1;
		if (init_rc != CUDA_SUCCESS)
			crt_log("driver start-up: error %d", (int)init_rc);
	}
	pthread_mutex_unlock(&lock);
	return init_rc;
}

cudaError_t crt_ctx(void)
{
	CUcontext cur = NULL, ctx;
	CUresult r = driver_init();
	unsigned int gen;

	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	pthread_mutex_lock(&lock);
	if (!primary)
		r = cuDevicePrimaryCtxRetain(&primary, dev);
	ctx = primary;
	gen = generation;
	pthread_mutex_unlock(&lock);
	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	if (bound == gen)
		return cudaSuccess;
	r = cuCtxGetCurrent(&cur);
	if (r == CUDA_SUCCESS && (!cur || bound))
		r = cuCtxSetCurrent(ctx);
	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	bound = gen;
	return cudaSuccess;
}

CUdevice crt_device(void)
{
	return dev;
}

unsigned int crt_generation(void)
{
	unsigned int g;

	pthread_mutex_lock(&lock);
	g = generation;
	pthread_mutex_unlock(&lock);
	return g;
}

static cudaError_t check_device(int device)
{
	int n = 0;
	CUresult r = driver_init();

	if (r == CUDA_SUCCESS)
		r = cuDeviceGetCount(&n);
	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	if (device < 0 || device >= n)
		return crt_ret(cudaErrorInvalidDevice);
	return cudaSuccess;
}

CRT_EXPORT cudaError_t cudaGetDeviceCount(int *count)
{
	CUresult r;

	if (!count)
		return crt_ret(cudaErrorInvalidValue);
	r = driver_init();
	if (r == CUDA_SUCCESS)
		r = cuDeviceGetCount(count);
	if (r != CUDA_SUCCESS)
		*count = 0;
	return crt_cu(r);
}

CRT_EXPORT cudaError_t cudaSetDevice(int device)
{
	cudaError_t e = check_device(device);

	return e != cudaSuccess ? e : crt_ctx();
}

CRT_EXPORT cudaError_t cudaGetDevice(int *device)
{
	if (!device)
		return crt_ret(cudaErrorInvalidValue);
	*device = 0;
	return cudaSuccess;
}

CRT_EXPORT cudaError_t cudaInitDevice(int device, unsigned int deviceFlags,
				      unsigned int flags)
{
	cudaError_t e = check_device(device);

	(void)deviceFlags;
	(void)flags;
	return e != cudaSuccess ? e : crt_ctx();
}

/* Scheduling and host-map flags: accepted (the queue decides). */
CRT_EXPORT cudaError_t cudaSetDeviceFlags(unsigned int flags)
{
	(void)flags;
	return crt_ctx();
}

CRT_EXPORT cudaError_t cudaGetDeviceFlags(unsigned int *flags)
{
	if (!flags)
		return crt_ret(cudaErrorInvalidValue);
	*flags = 0;
	return cudaSuccess;
}

static CUresult get_attr(int *value, CUdevice_attribute a, void *priv)
{
	return cuDeviceGetAttribute(value, a, *(CUdevice *)priv);
}

CRT_EXPORT cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop,
					       int device)
{
	cudaError_t e = check_device(device);
	CUdevice d = dev;
	CUuuid uuid;
	size_t mem = 0;
	CUresult r;

	if (e != cudaSuccess)
		return e;
	if (!prop)
		return crt_ret(cudaErrorInvalidValue);
	crt_fill_props(prop, get_attr, &d);
	r = cuDeviceGetName(prop->name, sizeof(prop->name), d);
	if (r == CUDA_SUCCESS)
		r = cuDeviceTotalMem(&mem, d);
	if (r == CUDA_SUCCESS)
		r = cuDeviceGetUuid(&uuid, d);
	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	prop->totalGlobalMem = mem;
	memcpy(prop->uuid.bytes, uuid.bytes, sizeof(prop->uuid.bytes));
	return cudaSuccess;
}

/* cudaDeviceAttr and CUdevice_attribute number the same attributes alike. */
CRT_EXPORT cudaError_t cudaDeviceGetAttribute(int *value,
					      enum cudaDeviceAttr attr,
					      int device)
{
	cudaError_t e = check_device(device);

	if (e != cudaSuccess)
		return e;
	if (!value)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuDeviceGetAttribute(value, (CUdevice_attribute)attr, dev));
}

CRT_EXPORT cudaError_t cudaDeviceSynchronize(void)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuCtxSynchronize());
}

/*
 * Destroys the primary context (and with it every allocation, stream,
 * event and module of the process); the next call that needs a context
 * makes a new one, and loads the modules again.
 */
CRT_EXPORT cudaError_t cudaDeviceReset(void)
{
	CUresult r = driver_init();

	if (r != CUDA_SUCCESS)
		return crt_cu(r);
	pthread_mutex_lock(&lock);
	if (primary) {
		/* The retain is not released: a reset context is a new one. */
		r = cuDevicePrimaryCtxReset(dev);
		primary = NULL;
		generation++;
	}
	pthread_mutex_unlock(&lock);
	return crt_cu(r);
}

CRT_EXPORT cudaError_t cudaDriverGetVersion(int *version)
{
	if (!version)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuDriverGetVersion(version));
}

CRT_EXPORT cudaError_t cudaRuntimeGetVersion(int *version)
{
	if (!version)
		return crt_ret(cudaErrorInvalidValue);
	*version = CUDART_VERSION;
	return cudaSuccess;
}

/*
 * A Driver API function by name, from the libcuda.so.1 the runtime runs
 * on (cuGetProcAddress); the flags and results are the Driver API's, bit
 * for bit.
 */
CRT_EXPORT cudaError_t cudaGetDriverEntryPointByVersion(
	const char *symbol, void **fn, unsigned int version,
	unsigned long long flags, enum cudaDriverEntryPointQueryResult *status)
{
	CUdriverProcAddressQueryResult st = CU_GET_PROC_ADDRESS_SUCCESS;
	CUresult r = driver_init();

	if (!symbol || !fn)
		return crt_ret(cudaErrorInvalidValue);
	if (r == CUDA_SUCCESS)
		r = cuGetProcAddress(symbol, fn, (int)version, flags, &st);
	if (status)
		*status = (enum cudaDriverEntryPointQueryResult)st;
	return crt_cu(r == CUDA_ERROR_NOT_FOUND ? CUDA_SUCCESS : r);
}

CRT_EXPORT cudaError_t cudaGetDriverEntryPoint(
	const char *symbol, void **fn, unsigned long long flags,
	enum cudaDriverEntryPointQueryResult *status)
{
	return cudaGetDriverEntryPointByVersion(symbol, fn, CUDART_VERSION,
						flags, status);
}

CRT_EXPORT cudaError_t cudaDeviceGetLimit(size_t *value, enum cudaLimit limit)
{
	cudaError_t e = crt_ctx();

	if (e != cudaSuccess)
		return e;
	if (!value)
		return crt_ret(cudaErrorInvalidValue);
	/* cudaLimit and CUlimit number the limits alike. */
	return crt_cu(cuCtxGetLimit(value, (CUlimit)limit));
}

CRT_EXPORT cudaError_t cudaDeviceGetStreamPriorityRange(int *least,
							int *greatest)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e :
	       crt_cu(cuCtxGetStreamPriorityRange(least, greatest));
}

/* A hint: accepted, as libcuda accepts cuCtxSetCacheConfig. */
CRT_EXPORT cudaError_t cudaDeviceSetCacheConfig(enum cudaFuncCache config)
{
	(void)config;
	return crt_ctx();
}

CRT_EXPORT cudaError_t cudaDeviceGetCacheConfig(enum cudaFuncCache *config)
{
	if (!config)
		return crt_ret(cudaErrorInvalidValue);
	*config = cudaFuncCachePreferNone;
	return crt_ctx();
}
