// SPDX-License-Identifier: MIT
/*
 * Errors: the Driver API's CUresult as the runtime's cudaError_t, the
 * names and strings of every cudaError_t this library returns, the
 * per-thread last error (cudaGetLastError, cudaPeekAtLastError) and the
 * log (stderr, "libcudart-vgpu:", VGPU_CUDA_LOG as libcuda reads it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"

/* Every cudaError_t crt_from_cu and the runtime's own checks give. */
#define CRT_ERRORS(X) \
	X(cudaSuccess, "no error") \
	X(cudaErrorInvalidValue, "invalid argument") \
	X(cudaErrorMemoryAllocation, "out of memory") \
	X(cudaErrorInitializationError, "initialization error") \
	X(cudaErrorCudartUnloading, "driver shutting down") \
	X(cudaErrorInvalidConfiguration, "invalid configuration argument") \
	X(cudaErrorInvalidSymbol, "invalid device symbol") \
	X(cudaErrorInvalidDevicePointer, "invalid device pointer") \
	X(cudaErrorInvalidMemcpyDirection, "invalid copy direction for memcpy") \
	X(cudaErrorMissingConfiguration, "__global__ function call is not configured") \
	X(cudaErrorInvalidDeviceFunction, "invalid device function") \
	X(cudaErrorNoDevice, "no CUDA-capable device is detected") \
	X(cudaErrorInvalidDevice, "invalid device ordinal") \
	X(cudaErrorStartupFailure, "startup failure in cuda runtime") \
	X(cudaErrorInvalidKernelImage, "device kernel image is invalid") \
	X(cudaErrorDeviceUninitialized, "invalid device context") \
	X(cudaErrorNoKernelImageForDevice, "no kernel image is available for execution on the device") \
	X(cudaErrorECCUncorrectable, "uncorrectable ECC error encountered") \
	X(cudaErrorUnsupportedLimit, "limit is not supported on this architecture") \
	X(cudaErrorInvalidPtx, "a PTX JIT compilation failed") \
	X(cudaErrorInvalidSource, "device kernel image is invalid") \
	X(cudaErrorFileNotFound, "file not found") \
	X(cudaErrorOperatingSystem, "OS call failed or operation not supported on this OS") \
	X(cudaErrorInvalidResourceHandle, "invalid resource handle") \
	X(cudaErrorIllegalState, "the operation cannot be performed in the present state") \
	X(cudaErrorSymbolNotFound, "named symbol not found") \
	X(cudaErrorNotReady, "device not ready") \
	X(cudaErrorIllegalAddress, "an illegal memory access was encountered") \
	X(cudaErrorLaunchOutOfResources, "too many resources requested for launch") \
	X(cudaErrorLaunchTimeout, "the launch timed out and was terminated") \
	X(cudaErrorContextIsDestroyed, "context is destroyed") \
	X(cudaErrorHostMemoryAlreadyRegistered, "part or all of the requested memory range is already mapped") \
	X(cudaErrorHostMemoryNotRegistered, "pointer does not correspond to a registered memory region") \
	X(cudaErrorLaunchFailure, "unspecified launch failure") \
	X(cudaErrorNotPermitted, "operation not permitted") \
	X(cudaErrorNotSupported, "operation not supported") \
	X(cudaErrorDevicesUnavailable, "CUDA-capable device(s) is/are busy or unavailable") \
	X(cudaErrorTimeout, "wait operation timed out") \
	X(cudaErrorStreamCaptureUnsupported, "operation not permitted when stream is capturing") \
	X(cudaErrorStreamCaptureInvalidated, "operation failed due to a previous error during capture") \
	X(cudaErrorUnknown, "unknown error")

cudaError_t crt_from_cu(CUresult r)
{
	switch (r) {
	case CUDA_SUCCESS: return cudaSuccess;
	case CUDA_ERROR_INVALID_VALUE: return cudaErrorInvalidValue;
	case CUDA_ERROR_OUT_OF_MEMORY: return cudaErrorMemoryAllocation;
	case CUDA_ERROR_NOT_INITIALIZED: return cudaErrorInitializationError;
	case CUDA_ERROR_DEINITIALIZED: return cudaErrorCudartUnloading;
	case CUDA_ERROR_NO_DEVICE: return cudaErrorNoDevice;
	case CUDA_ERROR_INVALID_DEVICE: return cudaErrorInvalidDevice;
	case CUDA_ERROR_INVALID_IMAGE: return cudaErrorInvalidKernelImage;
	case CUDA_ERROR_INVALID_CONTEXT: return cudaErrorDeviceUninitialized;
	case CUDA_ERROR_CONTEXT_IS_DESTROYED: return cudaErrorContextIsDestroyed;
	case CUDA_ERROR_NO_BINARY_FOR_GPU: return cudaErrorNoKernelImageForDevice;
	case CUDA_ERROR_ECC_UNCORRECTABLE: return cudaErrorECCUncorrectable;
	case CUDA_ERROR_UNSUPPORTED_LIMIT: return cudaErrorUnsupportedLimit;
	case CUDA_ERROR_INVALID_PTX: return cudaErrorInvalidPtx;
	case CUDA_ERROR_INVALID_SOURCE: return cudaErrorInvalidSource;
	case CUDA_ERROR_FILE_NOT_FOUND: return cudaErrorFileNotFound;
	case CUDA_ERROR_OPERATING_SYSTEM: return cudaErrorOperatingSystem;
	case CUDA_ERROR_INVALID_HANDLE: return cudaErrorInvalidResourceHandle;
	case CUDA_ERROR_ILLEGAL_STATE: return cudaErrorIllegalState;
	case CUDA_ERROR_NOT_FOUND: return cudaErrorSymbolNotFound;
	case CUDA_ERROR_NOT_READY: return cudaErrorNotReady;
	case CUDA_ERROR_ILLEGAL_ADDRESS: return cudaErrorIllegalAddress;
	case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return cudaErrorLaunchOutOfResources;
	case CUDA_ERROR_LAUNCH_TIMEOUT: return cudaErrorLaunchTimeout;
	case CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED:
		return cudaErrorHostMemoryAlreadyRegistered;
	case CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED:
		return cudaErrorHostMemoryNotRegistered;
	case CUDA_ERROR_LAUNCH_FAILED: return cudaErrorLaunchFailure;
	case CUDA_ERROR_NOT_PERMITTED: return cudaErrorNotPermitted;
	case CUDA_ERROR_NOT_SUPPORTED: return cudaErrorNotSupported;
	case CUDA_ERROR_DEVICE_UNAVAILABLE: return cudaErrorDevicesUnavailable;
	case CUDA_ERROR_TIMEOUT: return cudaErrorTimeout;
	case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED:
		return cudaErrorStreamCaptureUnsupported;
	case CUDA_ERROR_STREAM_CAPTURE_INVALIDATED:
		return cudaErrorStreamCaptureInvalidated;
	default: return cudaErrorUnknown;
	}
}

static _Thread_local cudaError_t last_error;

cudaError_t crt_ret(cudaError_t e)
{
	if (e != cudaSuccess && e != cudaErrorNotReady)
		last_error = e;
	return e;
}

cudaError_t crt_cu(CUresult r)
{
	return crt_ret(crt_from_cu(r));
}

CRT_EXPORT cudaError_t cudaGetLastError(void)
{
	cudaError_t e = last_error;

	last_error = cudaSuccess;
	return e;
}

CRT_EXPORT cudaError_t cudaPeekAtLastError(void)
{
	return last_error;
}

#define CRT_NAME(e, s) case e: return #e;
CRT_EXPORT const char *cudaGetErrorName(cudaError_t e)
{
	switch (e) {
	CRT_ERRORS(CRT_NAME)
	default: return "unrecognized error code";
	}
}

#define CRT_STRING(e, s) case e: return s;
CRT_EXPORT const char *cudaGetErrorString(cudaError_t e)
{
	switch (e) {
	CRT_ERRORS(CRT_STRING)
	default: return "unrecognized error code";
	}
}

static int log_level(void)
{
	static int level = -1;
	const char *v;

	if (level < 0) {
		v = getenv("VGPU_CUDA_LOG");
		level = v && *v ? atoi(v) : 1;
	}
	return level;
}

void crt_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (log_level() < 1)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libcudart-vgpu: %s\n", line);
}

/*
 * A generated stub's call (stubs.c): logged the first time per name (by
 * the name's address; room for every stub there is).
 */
#define CRT_SEEN_MAX 1024
void crt_unsupported(const char *name)
{
	static const char *seen[CRT_SEEN_MAX];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	unsigned int i;
	int first = 1;

	pthread_mutex_lock(&lock);
	for (i = 0; i < CRT_SEEN_MAX && seen[i]; i++)
		if (seen[i] == name)
			first = 0;
	if (first && i < CRT_SEEN_MAX)
		seen[i] = name;
	pthread_mutex_unlock(&lock);
	if (first)
		crt_log("%s: not supported", name);
	crt_ret(cudaErrorNotSupported);
}
