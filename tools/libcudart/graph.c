// SPDX-License-Identifier: MIT
/*
 * Graphs made by stream capture, each the Driver API call of the same
 * meaning (cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate,
 * cuGraphLaunch, ...): cudaGraph_t is CUgraph, cudaGraphExec_t is
 * CUgraphExec, and the capture modes have the same values. What a
 * capture records and refuses is the Driver API library's
 * (libcuda.md, "Graphs").
 */
#include "crt.h"

CRT_EXPORT cudaError_t cudaStreamBeginCapture(cudaStream_t s,
					      enum cudaStreamCaptureMode mode)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamBeginCapture_v2((CUstream)s,
					      (CUstreamCaptureMode)mode));
}

CRT_EXPORT cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t *g)
{
	CTX_OR_RETURN();
	return crt_cu(cuStreamEndCapture((CUstream)s, (CUgraph *)g));
}

CRT_EXPORT cudaError_t cudaGraphInstantiate(cudaGraphExec_t *e, cudaGraph_t g,
					    unsigned long long flags)
{
	CTX_OR_RETURN();
	return crt_cu(cuGraphInstantiateWithFlags((CUgraphExec *)e, (CUgraph)g,
						  flags));
}

CRT_EXPORT cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t *e,
						     cudaGraph_t g,
						     unsigned long long flags)
{
	return cudaGraphInstantiate(e, g, flags);
}

CRT_EXPORT cudaError_t cudaGraphLaunch(cudaGraphExec_t e, cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuGraphLaunch((CUgraphExec)e, (CUstream)s));
}

CRT_EXPORT cudaError_t cudaGraphUpload(cudaGraphExec_t e, cudaStream_t s)
{
	CTX_OR_RETURN();
	return crt_cu(cuGraphUpload((CUgraphExec)e, (CUstream)s));
}

CRT_EXPORT cudaError_t cudaGraphDestroy(cudaGraph_t g)
{
	CTX_OR_RETURN();
	return crt_cu(cuGraphDestroy((CUgraph)g));
}

CRT_EXPORT cudaError_t cudaGraphExecDestroy(cudaGraphExec_t e)
{
	CTX_OR_RETURN();
	return crt_cu(cuGraphExecDestroy((CUgraphExec)e));
}
