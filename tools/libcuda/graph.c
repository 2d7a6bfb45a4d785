// SPDX-License-Identifier: MIT
/*
 * CUDA graphs made by stream capture: between cuStreamBeginCapture and
 * cuStreamEndCapture, the asynchronous work a program issues on the
 * capturing stream is recorded instead of queued (cuvg_issue hands it
 * here); cuGraphInstantiate copies the recording, and each cuGraphLaunch
 * queues a fresh copy of it on a stream, in the order it was recorded.
 * One queue runs every stream in issue order (Documentation/libcuda.md,
 * "Ordering"), so a graph is that list of requests, run in order.
 *
 * Recorded: launches (their parameter values at capture, as CUDA takes
 * them), memsets, device copies, copies from host memory (the host memory
 * is read at each launch, as a graph's copy node reads it), copies to
 * host memory, host functions. Not supported, so the capture ends
 * invalidated (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED at the call,
 * CUDA_ERROR_STREAM_CAPTURE_INVALIDATED at cuStreamEndCapture): events
 * and stream waits on the capturing stream (which CUDA uses to fork and
 * join other streams into the capture), stream-ordered allocation,
 * prefetches, 2D copies from host memory, synchronizing the capturing
 * stream. The legacy and per-thread streams cannot be captured. Calls
 * on other streams are not checked against the capture mode. Graphs built
 * node by node (cuGraphAdd*Node) are stubs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

struct cuvg_graph {
	struct cuvg_obj o;
	struct cuvg_req *nodes;
	size_t n, cap;
	int invalid;		/* an unsupported call during its capture */
};

struct cuvg_graph_exec {
	struct cuvg_obj o;
	struct cuvg_req *nodes;
	size_t n;
};

/* Stream capture state (each stream's capture, a graph's invalid mark). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void graph_free(struct cuvg_graph *g);

static void free_nodes(struct cuvg_req *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(nodes[i].owned);
	free(nodes);
}

/*
 * @r as a graph keeps it: what it owns (a launch's parameters and name)
 * copied; a host source by its address, read again at each launch.
 */
static int keep(struct cuvg_req *out, const struct cuvg_req *r)
{
	*out = *r;
	out->owned = NULL;
	out->next = NULL;
	out->ev = NULL;
	if (r->op == Q_LAUNCH) {
		size_t nl = strlen(r->name) + 1;

		out->owned = malloc(r->plen + nl);
		if (!out->owned)
			return -1;
		memcpy(out->owned, r->owned, r->plen);
		memcpy((char *)out->owned + r->plen, r->name, nl);
		out->name = (const char *)out->owned + r->plen;
	}
	return 0;
}

static int recordable(const struct cuvg_req *r)
{
	switch (r->op) {
	case Q_LAUNCH:
	case Q_SET:
	case Q_COPY_DD:
	case Q_READ:
	case Q_READ_2D:
	case Q_HOST_FN:
		return 1;
	case Q_WRITE:
		return r->src != NULL;	/* the address, to read at launch */
	default:
		return 0;
	}
}

CUresult cuvg_capture_refuse(struct cuvg_stream *st, const char *what)
{
	pthread_mutex_lock(&mu);
	if (st->capture)
		st->capture->invalid = 1;
	pthread_mutex_unlock(&mu);
	cuvg_log("%s on a capturing stream: not supported; the capture is invalidated",
		 what);
	return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
}

CUresult cuvg_capture(struct cuvg_stream *st, struct cuvg_req *r)
{
	struct cuvg_graph *g;
	CUresult rc = CUDA_SUCCESS;

	if (!recordable(r)) {
		free(r->owned);
		return cuvg_capture_refuse(st, "this operation");
	}
	pthread_mutex_lock(&mu);
	g = st->capture;
	if (g->n == g->cap) {
		size_t nc = g->cap ? 2 * g->cap : 16;
		struct cuvg_req *nn = realloc(g->nodes, nc * sizeof(*nn));

		if (!nn)
			rc = CUDA_ERROR_OUT_OF_MEMORY;
		else {
			g->nodes = nn;
			g->cap = nc;
		}
	}
	if (rc == CUDA_SUCCESS) {
		/*
		 * The graph takes what @r owns (a launch's parameters and
		 * name); a host source is kept by its address instead of the
		 * copy staged at the call.
		 */
		struct cuvg_req *node = &g->nodes[g->n++];

		*node = *r;
		node->next = NULL;
		node->ev = NULL;
		if (r->op == Q_WRITE) {
			free(node->owned);
			node->owned = NULL;
		}
	} else {
		g->invalid = 1;
		free(r->owned);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

void cuvg_capture_drop(struct cuvg_stream *st)
{
	struct cuvg_graph *g;

	pthread_mutex_lock(&mu);
	g = st->capture;
	st->capture = NULL;
	pthread_mutex_unlock(&mu);
	if (g)
		graph_free(g);
}

int cuvg_capturing(CUstream hs)
{
	struct cuvg_stream *st;

	return cuvg_stream_check(hs, &st) == CUDA_SUCCESS && st && st->capture;
}

CUVG_EXPORT CUresult cuStreamBeginCapture_v2(CUstream hs,
					     CUstreamCaptureMode mode)
{
	struct cuvg_stream *st;
	struct cuvg_graph *g;
	CUresult rc = cuvg_ctx_stream(hs, &st);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL &&
	    mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
	    mode != CU_STREAM_CAPTURE_MODE_RELAXED)
		return CUDA_ERROR_INVALID_VALUE;
	if (!st) {
		cuvg_log("cuStreamBeginCapture: the legacy and per-thread streams cannot be captured");
		return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return CUDA_ERROR_OUT_OF_MEMORY;
	pthread_mutex_lock(&mu);
	if (st->capture) {
		pthread_mutex_unlock(&mu);
		free(g);
		return CUDA_ERROR_ILLEGAL_STATE;
	}
	st->capture = g;
	pthread_mutex_unlock(&mu);
	cuvg_obj_add(&g->o, K_GRAPH);
	return CUDA_SUCCESS;
}

#undef cuStreamBeginCapture
CUresult cuStreamBeginCapture(CUstream hs);
/* CUDA 10.0's form, before capture modes: the global mode. */
CUVG_EXPORT CUresult cuStreamBeginCapture(CUstream hs)
{
	return cuStreamBeginCapture_v2(hs, CU_STREAM_CAPTURE_MODE_GLOBAL);
}

static void graph_free(struct cuvg_graph *g)
{
	cuvg_obj_del(&g->o);
	free_nodes(g->nodes, g->n);
	free(g);
}

CUVG_EXPORT CUresult cuStreamEndCapture(CUstream hs, CUgraph *out)
{
	struct cuvg_stream *st;
	struct cuvg_graph *g;
	CUresult rc = cuvg_ctx_stream(hs, &st);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!out)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	g = st ? st->capture : NULL;
	if (st)
		st->capture = NULL;
	pthread_mutex_unlock(&mu);
	if (!g)
		return CUDA_ERROR_ILLEGAL_STATE;
	if (g->invalid) {
		graph_free(g);
		*out = NULL;
		return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
	}
	*out = (CUgraph)g;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuStreamIsCapturing(CUstream hs,
					 CUstreamCaptureStatus *status)
{
	struct cuvg_stream *st;
	CUresult rc = cuvg_ctx_stream(hs, &st);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!status)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&mu);
	*status = !st || !st->capture ? CU_STREAM_CAPTURE_STATUS_NONE :
		  st->capture->invalid ? CU_STREAM_CAPTURE_STATUS_INVALIDATED :
					 CU_STREAM_CAPTURE_STATUS_ACTIVE;
	pthread_mutex_unlock(&mu);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuGraphDestroy(CUgraph hg)
{
	struct cuvg_graph *g = (struct cuvg_graph *)hg;

	if (!cuvg_obj_live(g, K_GRAPH))
		return CUDA_ERROR_INVALID_VALUE;
	graph_free(g);
	return CUDA_SUCCESS;
}

/* No flag applies to a graph of these nodes (no allocations in them). */
CUVG_EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec *out, CUgraph hg,
						 unsigned long long flags)
{
	struct cuvg_graph *g = (struct cuvg_graph *)hg;
	struct cuvg_graph_exec *e;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!out || !cuvg_obj_live(g, K_GRAPH))
		return CUDA_ERROR_INVALID_VALUE;
	if (flags) {
		cuvg_log("cuGraphInstantiate: flags 0x%llx not supported", flags);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e->nodes = calloc(g->n ? g->n : 1, sizeof(*e->nodes));
	if (!e->nodes) {
		free(e);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	for (; e->n < g->n; e->n++)
		if (keep(&e->nodes[e->n], &g->nodes[e->n])) {
			free_nodes(e->nodes, e->n);
			free(e);
			return CUDA_ERROR_OUT_OF_MEMORY;
		}
	cuvg_obj_add(&e->o, K_GRAPH_EXEC);
	*out = (CUgraphExec)e;
	return CUDA_SUCCESS;
}

/* CUDA 11's form: no error node or log to give. */
CUVG_EXPORT CUresult cuGraphInstantiate_v2(CUgraphExec *out, CUgraph hg,
					   CUgraphNode *error_node, char *log,
					   size_t log_size)
{
	if (error_node)
		*error_node = NULL;
	if (log && log_size)
		log[0] = '\0';
	return cuGraphInstantiateWithFlags(out, hg, 0);
}

CUVG_EXPORT CUresult cuGraphExecDestroy(CUgraphExec he)
{
	struct cuvg_graph_exec *e = (struct cuvg_graph_exec *)he;

	if (!cuvg_obj_live(e, K_GRAPH_EXEC))
		return CUDA_ERROR_INVALID_VALUE;
	cuvg_obj_del(&e->o);
	free_nodes(e->nodes, e->n);
	free(e);
	return CUDA_SUCCESS;
}

/* Each node queued anew, in order; a host source read now. */
CUVG_EXPORT CUresult cuGraphLaunch(CUgraphExec he, CUstream hs)
{
	struct cuvg_graph_exec *e = (struct cuvg_graph_exec *)he;
	CUresult rc = cuvg_ctx_stream(hs, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(e, K_GRAPH_EXEC))
		return CUDA_ERROR_INVALID_VALUE;
	if (cuvg_capturing(hs)) {
		struct cuvg_stream *st;

		cuvg_stream_check(hs, &st);
		return cuvg_capture_refuse(st, "cuGraphLaunch");
	}
	for (size_t i = 0; i < e->n && rc == CUDA_SUCCESS; i++) {
		struct cuvg_req r;

		if (keep(&r, &e->nodes[i]))
			return CUDA_ERROR_OUT_OF_MEMORY;
		if (r.op == Q_WRITE) {
			r.owned = malloc(r.len ? r.len : 1);
			if (!r.owned)
				return CUDA_ERROR_OUT_OF_MEMORY;
			memcpy(r.owned, r.src, r.len);
		}
		rc = cuvg_issue(&r, hs, 1);
	}
	return rc;
}

/* Nothing to place on the device ahead of a launch. */
CUVG_EXPORT CUresult cuGraphUpload(CUgraphExec he, CUstream hs)
{
	CUresult rc = cuvg_ctx_stream(hs, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	return cuvg_obj_live(he, K_GRAPH_EXEC) ? CUDA_SUCCESS :
						 CUDA_ERROR_INVALID_VALUE;
}
