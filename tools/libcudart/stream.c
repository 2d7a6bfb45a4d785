// SPDX-License-Identifier: MIT
/*
 * Streams and events: cudaStream_t is CUstream and cudaEvent_t is CUevent
 * (the same types in the headers), the flags are the same bits, and the
 * special streams (0, cudaStreamLegacy, cudaStreamPerThread) the same
 * values; each call is the Driver API's, after the primary context is
 * current. Priorities are accepted and kept, not used (libcuda.md).
 */
#include <stdlib.h>

#include "crt.h"

CRT_EXPORT cudaError_t cudaStreamCreate(cudaStream_t *s)
{
	CTX_OR_RETURN();
	if (!s)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuStreamCreate((CUstream *)s, CU_STREAM_DEFAULT));
}

CRT_EXPORT cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s,
						 unsigned int flags)
{
	CTX_OR_RETURN();
	if (!s)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuStreamCreate((CUstream *)s, flags));
}

CRT_EXPORT cudaError_t cudaStreamCreateWithPriority(cudaStream_t *s,
						    unsigned int flags,
						    int priority)
{
	CTX_OR_RETURN();
	if (!s)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuStreamCreateWithPriority((CUstream *)s, flags, priority));
}

CRT_EXPORT cudaError_t cudaStreamDestroy(cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamDestroy((CUstream)s));
}

CRT_EXPORT cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamSynchronize((CUstream)s));
}

CRT_EXPORT cudaError_t cudaStreamQuery(cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamQuery((CUstream)s));
}

CRT_EXPORT cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t ev,
					   unsigned int flags)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamWaitEvent((CUstream)s, (CUevent)ev, flags));
}

CRT_EXPORT cudaError_t cudaStreamGetPriority(cudaStream_t s, int *priority)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamGetPriority((CUstream)s, priority));
}

CRT_EXPORT cudaError_t cudaStreamGetFlags(cudaStream_t s, unsigned int *flags)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamGetFlags((CUstream)s, flags));
}

/* Capture is not supported: no stream is ever capturing. */
CRT_EXPORT cudaError_t cudaStreamIsCapturing(cudaStream_t s,
					     enum cudaStreamCaptureStatus *st)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamIsCapturing((CUstream)s,
					  (CUstreamCaptureStatus *)st));
}

CRT_EXPORT cudaError_t cudaStreamGetId(cudaStream_t s, unsigned long long *id)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamGetId((CUstream)s, id));
}

CRT_EXPORT cudaError_t cudaStreamGetDevice(cudaStream_t s, int *device)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamGetDevice((CUstream)s, (CUdevice *)device));
}

/*
 * Host functions in stream order (libcuda.md, "Ordering"): the Driver API
 * library calls them from its submission thread once the device finished
 * the work before them; they must not call CUDA.
 */
CRT_EXPORT cudaError_t cudaLaunchHostFunc(cudaStream_t s, cudaHostFn_t fn,
					  void *data)
{
	CTX_OR_RETURN();
	return crt_cu(cuLaunchHostFunc((CUstream)s, fn, data));
}

/* A runtime callback takes a cudaError_t: called through this shim. */
struct callback {
	cudaStreamCallback_t fn;
	void *data;
};

static void run_callback(CUstream s, CUresult status, void *data)
{
	struct callback c = *(struct callback *)data;

	free(data);
	c.fn((cudaStream_t)s, crt_from_cu(status), c.data);
}

CRT_EXPORT cudaError_t cudaStreamAddCallback(cudaStream_t s,
					     cudaStreamCallback_t fn,
					     void *data, unsigned int flags)
{
	struct callback *c;
	cudaError_t e;

	CTX_OR_RETURN();
	if (!fn || flags)
		return crt_ret(cudaErrorInvalidValue);
	c = malloc(sizeof(*c));
	if (!c)
		return crt_ret(cudaErrorMemoryAllocation);
	*c = (struct callback){ fn, data };
	e = crt_cu(cuStreamAddCallback((CUstream)s, run_callback, c, 0));
	if (e != cudaSuccess)
		free(c);
	return e;
}

CRT_EXPORT cudaError_t cudaEventCreate(cudaEvent_t *ev)
{
	CTX_OR_RETURN();
	if (!ev)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuEventCreate((CUevent *)ev, CU_EVENT_DEFAULT));
}

CRT_EXPORT cudaError_t cudaEventCreateWithFlags(cudaEvent_t *ev,
						unsigned int flags)
{
	CTX_OR_RETURN();
	if (!ev)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuEventCreate((CUevent *)ev, flags));
}

CRT_EXPORT cudaError_t cudaEventRecord(cudaEvent_t ev, cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuEventRecord((CUevent)ev, (CUstream)s));
}

CRT_EXPORT cudaError_t cudaEventRecordWithFlags(cudaEvent_t ev, cudaStream_t s,
						unsigned int flags)
{
	CTX_OR_RETURN();
	return crt_cu(cuEventRecordWithFlags((CUevent)ev, (CUstream)s, flags));
}

CRT_EXPORT cudaError_t cudaEventSynchronize(cudaEvent_t ev)
{
	CTX_OR_RETURN();
	return crt_cu(cuEventSynchronize((CUevent)ev));
}

CRT_EXPORT cudaError_t cudaEventQuery(cudaEvent_t ev)
{
	CTX_OR_RETURN();
	return crt_cu(cuEventQuery((CUevent)ev));
}

CRT_EXPORT cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start,
					    cudaEvent_t end)
{
	CTX_OR_RETURN();
	if (!ms)
		return crt_ret(cudaErrorInvalidValue);
	return crt_cu(cuEventElapsedTime(ms, (CUevent)start, (CUevent)end));
}

CRT_EXPORT cudaError_t cudaEventDestroy(cudaEvent_t ev)
{
	CTX_OR_RETURN();
	return crt_cu(cuEventDestroy((CUevent)ev));
}
