// SPDX-License-Identifier: MIT
/*
 * Streams and events: cudaStream_t is CUstream and cudaEvent_t is CUevent
 * (the same types in the headers), the flags are the same bits, and the
 * special streams (0, cudaStreamLegacy, cudaStreamPerThread) the same
 * values; each call is the Driver API's, after the primary context is
 * current. Priorities are accepted and kept, not used (libcuda.md).
 */
#include "crt.h"

#define CTX_OR_RETURN() do { cudaError_t e_ = crt_ctx(); \
	if (e_ != cudaSuccess) return e_; } while (0)

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
