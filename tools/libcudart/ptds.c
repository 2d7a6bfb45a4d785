// SPDX-License-Identifier: MIT
/*
 * The per-thread default stream's names (nvcc --default-stream per-thread,
 * CUDA_API_PER_THREAD_DEFAULT_STREAM): the _ptsz forms take a stream, and
 * their stream 0 is cudaStreamPerThread; the _ptds forms are the
 * synchronous calls. The Driver API library runs every stream of the
 * process in one order (libcuda.md, "Ordering"), so each is its plain
 * call with that stream.
 */
#include "crt.h"

#define PT(s) ((s) ? (s) : cudaStreamPerThread)

CRT_EXPORT cudaError_t cudaMemcpy_ptds(void *dst, const void *src, size_t n,
				       enum cudaMemcpyKind kind)
{
	return cudaMemcpy(dst, src, n, kind);
}

CRT_EXPORT cudaError_t cudaMemset_ptds(void *p, int value, size_t n)
{
	return cudaMemset(p, value, n);
}

CRT_EXPORT cudaError_t cudaMemcpyToSymbol_ptds(const void *symbol,
					       const void *src, size_t n,
					       size_t offset,
					       enum cudaMemcpyKind kind)
{
	return cudaMemcpyToSymbol(symbol, src, n, offset, kind);
}

CRT_EXPORT cudaError_t cudaMemcpyFromSymbol_ptds(void *dst, const void *symbol,
						 size_t n, size_t offset,
						 enum cudaMemcpyKind kind)
{
	return cudaMemcpyFromSymbol(dst, symbol, n, offset, kind);
}

CRT_EXPORT cudaError_t cudaMemcpyAsync_ptsz(void *dst, const void *src,
					    size_t n, enum cudaMemcpyKind kind,
					    cudaStream_t s)
{
	return cudaMemcpyAsync(dst, src, n, kind, PT(s));
}

CRT_EXPORT cudaError_t cudaMemsetAsync_ptsz(void *p, int value, size_t n,
					    cudaStream_t s)
{
	return cudaMemsetAsync(p, value, n, PT(s));
}

CRT_EXPORT cudaError_t cudaMemcpyToSymbolAsync_ptsz(const void *symbol,
						    const void *src, size_t n,
						    size_t offset,
						    enum cudaMemcpyKind kind,
						    cudaStream_t s)
{
	return cudaMemcpyToSymbolAsync(symbol, src, n, offset, kind, PT(s));
}

CRT_EXPORT cudaError_t cudaMemcpyFromSymbolAsync_ptsz(void *dst,
						      const void *symbol,
						      size_t n, size_t offset,
						      enum cudaMemcpyKind kind,
						      cudaStream_t s)
{
	return cudaMemcpyFromSymbolAsync(dst, symbol, n, offset, kind, PT(s));
}

CRT_EXPORT cudaError_t cudaStreamSynchronize_ptsz(cudaStream_t s)
{
	return cudaStreamSynchronize(PT(s));
}

CRT_EXPORT cudaError_t cudaStreamQuery_ptsz(cudaStream_t s)
{
	return cudaStreamQuery(PT(s));
}

CRT_EXPORT cudaError_t cudaStreamWaitEvent_ptsz(cudaStream_t s, cudaEvent_t ev,
						unsigned int flags)
{
	return cudaStreamWaitEvent(PT(s), ev, flags);
}

CRT_EXPORT cudaError_t cudaStreamGetPriority_ptsz(cudaStream_t s, int *priority)
{
	return cudaStreamGetPriority(PT(s), priority);
}

CRT_EXPORT cudaError_t cudaStreamGetFlags_ptsz(cudaStream_t s,
					       unsigned int *flags)
{
	return cudaStreamGetFlags(PT(s), flags);
}

CRT_EXPORT cudaError_t cudaEventRecord_ptsz(cudaEvent_t ev, cudaStream_t s)
{
	return cudaEventRecord(ev, PT(s));
}

CRT_EXPORT cudaError_t cudaEventRecordWithFlags_ptsz(cudaEvent_t ev,
						     cudaStream_t s,
						     unsigned int flags)
{
	return cudaEventRecordWithFlags(ev, PT(s), flags);
}

/* Default flags: the per-thread default stream's forms of the functions. */
CRT_EXPORT cudaError_t cudaGetDriverEntryPointByVersion_ptsz(
	const char *symbol, void **fn, unsigned int version,
	unsigned long long flags, enum cudaDriverEntryPointQueryResult *status)
{
	return cudaGetDriverEntryPointByVersion(symbol, fn, version,
		flags == cudaEnableDefault ? cudaEnablePerThreadDefaultStream : flags,
		status);
}

CRT_EXPORT cudaError_t cudaGetDriverEntryPoint_ptsz(
	const char *symbol, void **fn, unsigned long long flags,
	enum cudaDriverEntryPointQueryResult *status)
{
	return cudaGetDriverEntryPointByVersion_ptsz(symbol, fn, CUDART_VERSION,
						     flags, status);
}

CRT_EXPORT cudaError_t cudaMemcpy2D_ptds(void *dst, size_t dpitch,
					 const void *src, size_t spitch,
					 size_t width, size_t height,
					 enum cudaMemcpyKind kind)
{
	return cudaMemcpy2D(dst, dpitch, src, spitch, width, height, kind);
}

CRT_EXPORT cudaError_t cudaMemset2D_ptds(void *p, size_t pitch, int value,
					 size_t width, size_t height)
{
	return cudaMemset2D(p, pitch, value, width, height);
}

CRT_EXPORT cudaError_t cudaMemcpy2DAsync_ptsz(void *dst, size_t dpitch,
					      const void *src, size_t spitch,
					      size_t width, size_t height,
					      enum cudaMemcpyKind kind,
					      cudaStream_t s)
{
	return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind,
				 PT(s));
}

CRT_EXPORT cudaError_t cudaMemset2DAsync_ptsz(void *p, size_t pitch, int value,
					      size_t width, size_t height,
					      cudaStream_t s)
{
	return cudaMemset2DAsync(p, pitch, value, width, height, PT(s));
}

CRT_EXPORT cudaError_t cudaMallocAsync_ptsz(void **p, size_t size,
					    cudaStream_t s)
{
	return cudaMallocAsync(p, size, PT(s));
}

CRT_EXPORT cudaError_t cudaFreeAsync_ptsz(void *p, cudaStream_t s)
{
	return cudaFreeAsync(p, PT(s));
}

CRT_EXPORT cudaError_t cudaMemPrefetchAsync_ptsz(const void *p, size_t n,
						 struct cudaMemLocation loc,
						 unsigned int flags,
						 cudaStream_t s)
{
	return cudaMemPrefetchAsync(p, n, loc, flags, PT(s));
}

CRT_EXPORT cudaError_t cudaStreamAttachMemAsync_ptsz(cudaStream_t s, void *p,
						     size_t n,
						     unsigned int flags)
{
	return cudaStreamAttachMemAsync(PT(s), p, n, flags);
}

CRT_EXPORT cudaError_t cudaLaunchHostFunc_ptsz(cudaStream_t s, cudaHostFn_t fn,
					       void *data)
{
	return cudaLaunchHostFunc(PT(s), fn, data);
}

CRT_EXPORT cudaError_t cudaStreamAddCallback_ptsz(cudaStream_t s,
						  cudaStreamCallback_t fn,
						  void *data,
						  unsigned int flags)
{
	return cudaStreamAddCallback(PT(s), fn, data, flags);
}

CRT_EXPORT cudaError_t cudaStreamIsCapturing_ptsz(cudaStream_t s,
						  enum cudaStreamCaptureStatus *st)
{
	return cudaStreamIsCapturing(PT(s), st);
}

CRT_EXPORT cudaError_t cudaStreamGetId_ptsz(cudaStream_t s,
					    unsigned long long *id)
{
	return cudaStreamGetId(PT(s), id);
}

CRT_EXPORT cudaError_t cudaStreamGetDevice_ptsz(cudaStream_t s, int *device)
{
	return cudaStreamGetDevice(PT(s), device);
}

CRT_EXPORT cudaError_t cudaMemcpy3D_ptds(const struct cudaMemcpy3DParms *p)
{
	return cudaMemcpy3D(p);
}

CRT_EXPORT cudaError_t cudaMemset3D_ptds(struct cudaPitchedPtr pp, int value,
					 struct cudaExtent e)
{
	return cudaMemset3D(pp, value, e);
}

CRT_EXPORT cudaError_t cudaMemcpy3DAsync_ptsz(const struct cudaMemcpy3DParms *p,
					      cudaStream_t s)
{
	return cudaMemcpy3DAsync(p, PT(s));
}

CRT_EXPORT cudaError_t cudaMemset3DAsync_ptsz(struct cudaPitchedPtr pp,
					      int value, struct cudaExtent e,
					      cudaStream_t s)
{
	return cudaMemset3DAsync(pp, value, e, PT(s));
}

CRT_EXPORT cudaError_t cudaStreamBeginCapture_ptsz(cudaStream_t s,
						   enum cudaStreamCaptureMode mode)
{
	return cudaStreamBeginCapture(PT(s), mode);
}

CRT_EXPORT cudaError_t cudaStreamEndCapture_ptsz(cudaStream_t s,
						 cudaGraph_t *g)
{
	return cudaStreamEndCapture(PT(s), g);
}

CRT_EXPORT cudaError_t cudaGraphLaunch_ptsz(cudaGraphExec_t e, cudaStream_t s)
{
	return cudaGraphLaunch(e, PT(s));
}

CRT_EXPORT cudaError_t cudaGraphUpload_ptsz(cudaGraphExec_t e, cudaStream_t s)
{
	return cudaGraphUpload(e, PT(s));
}
