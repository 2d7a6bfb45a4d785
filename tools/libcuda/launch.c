// SPDX-License-Identifier: MIT
/*
 * Launches, streams and events. A launch is queued and returns (its
 * errors come at the next synchronizing call). Streams are orderings the
 * library keeps: every stream of the process runs on one queue in issue
 * order, so streams are correct but never concurrent with each other
 * (Documentation/libcuda.md, "Ordering"). An event's time is the
 * device's when everything queued before its record had finished
 * (EVENT_RECORD; on a host without it, the guest's clock after a SYNC).
 */
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

/* kernelParams (one pointer per parameter) or extra's buffer -> the blob. */
static CUresult pack(struct cuvg_func *f, void **kp, void **extra,
		     void **blob, uint32_t *len)
{
	*blob = NULL;
	*len = 0;
	if (extra) {
		void *buf = NULL;
		size_t sz = 0, *szp = NULL;

		for (int i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
			if (i >= 64)
				return CUDA_ERROR_INVALID_VALUE;
			if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
				buf = extra[i + 1];
			else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE)
				szp = extra[i + 1];
			else
				return CUDA_ERROR_INVALID_VALUE;
		}
		if (kp || !buf || !szp)
			return CUDA_ERROR_INVALID_VALUE;
		sz = *szp;
		if (sz > VGPU_PARAMS_MAX)
			return CUDA_ERROR_INVALID_VALUE;
		*blob = malloc(sz ? sz : 1);
		if (!*blob)
			return CUDA_ERROR_OUT_OF_MEMORY;
		memcpy(*blob, buf, sz);
		*len = (uint32_t)sz;
		return CUDA_SUCCESS;
	}
	if (!f->have_params) {
		if (!kp)
			return CUDA_SUCCESS;	/* no parameters given */
		cuvg_log("cuLaunchKernel %s: the module does not tell its parameter layout (compressed fatbin?); pass CU_LAUNCH_PARAM_BUFFER_POINTER",
			 f->name);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	if (f->kp.total > VGPU_PARAMS_MAX)
		return CUDA_ERROR_INVALID_VALUE;
	if (f->kp.n && !kp)
		return CUDA_ERROR_INVALID_VALUE;
	*blob = calloc(1, f->kp.total ? f->kp.total : 1);
	if (!*blob)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (uint32_t i = 0; i < f->kp.n; i++) {
		if (!f->kp.size[i])
			continue;
		if (!kp[i]) {
			free(*blob);
			*blob = NULL;
			return CUDA_ERROR_INVALID_VALUE;
		}
		memcpy((uint8_t *)*blob + f->kp.off[i], kp[i], f->kp.size[i]);
	}
	*len = f->kp.total;
	return CUDA_SUCCESS;
}

/*
 * The name goes with the queued request, after its parameters: a module
 * unloaded before the launch runs takes its functions' names with it.
 */
static CUresult add_name(struct cuvg_req *r, const char *name)
{
	size_t n = strlen(name) + 1;
	uint8_t *b = realloc(r->owned, r->plen + n);

	if (!b) {
		free(r->owned);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	memcpy(b + r->plen, name, n);
	r->owned = b;
	r->name = (const char *)(b + r->plen);
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuLaunchKernel(CUfunction hf, unsigned int gx,
				    unsigned int gy, unsigned int gz,
				    unsigned int bx, unsigned int by,
				    unsigned int bz, unsigned int shmem,
				    CUstream hs, void **kernelParams,
				    void **extra)
{
	struct cuvg_func *f = (struct cuvg_func *)hf;
	struct cuvg_req r = { .op = Q_LAUNCH };
	struct cuvg_stream *st;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(f, K_FUNC))
		return CUDA_ERROR_INVALID_HANDLE;
	rc = cuvg_stream_check(hs, &st);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!gx || !gy || !gz || !bx || !by || !bz ||
	    (uint64_t)bx * by * bz > 1024 || gx > 0x7fffffffu ||
	    gy > 65535 || gz > 65535 || bz > 64)
		return CUDA_ERROR_INVALID_VALUE;
	/* Over the default, as CUDA: only up to what cuFuncSetAttribute set. */
	if (shmem > CUVG_DEFAULT_DYNAMIC_SHARED) {
		int max = cuvg_func_max_dynamic_shared(f);

		if (max < 0 || shmem > (unsigned int)max) {
			cuvg_log("cuLaunchKernel %s: %u bytes of dynamic shared memory; over %u, set CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES first",
				 f->name, shmem, CUVG_DEFAULT_DYNAMIC_SHARED);
			return CUDA_ERROR_INVALID_VALUE;
		}
	}
	rc = pack(f, kernelParams, extra, &r.owned, &r.plen);
	if (rc != CUDA_SUCCESS)
		return rc;
	rc = add_name(&r, f->name);
	if (rc != CUDA_SUCCESS)
		return rc;
	r.module = f->mod->handle;
	r.grid[0] = gx;
	r.grid[1] = gy;
	r.grid[2] = gz;
	r.block[0] = bx;
	r.block[1] = by;
	r.block[2] = bz;
	r.shmem = shmem;
	return cuvg_issue(&r, hs, 1);
}

/*
 * A launch with attributes. Those that change nothing here are accepted:
 * IGNORE (an empty entry) and PRIORITY (kept by nothing, as stream
 * priorities are: one queue runs every stream in issue order). Any other
 * needs what the device interface cannot express (clusters, cooperative
 * launches, programmatic dependencies ...): CUDA_ERROR_NOT_SUPPORTED,
 * with one log line naming it, rather than a launch that silently lacks it.
 */
static const char *attr_name(CUlaunchAttributeID id)
{
	static const char *const names[] = {
		"IGNORE", "ACCESS_POLICY_WINDOW", "COOPERATIVE",
		"SYNCHRONIZATION_POLICY", "CLUSTER_DIMENSION",
		"CLUSTER_SCHEDULING_POLICY_PREFERENCE",
		"PROGRAMMATIC_STREAM_SERIALIZATION", "PROGRAMMATIC_EVENT",
		"PRIORITY", "MEM_SYNC_DOMAIN_MAP", "MEM_SYNC_DOMAIN",
		"PREFERRED_CLUSTER_DIMENSION", "LAUNCH_COMPLETION_EVENT",
		"DEVICE_UPDATABLE_KERNEL_NODE",
		"PREFERRED_SHARED_MEMORY_CARVEOUT",
	};

	return (unsigned int)id < sizeof(names) / sizeof(names[0]) ?
		names[id] : "(unknown)";
}

CUVG_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *c, CUfunction hf,
				      void **kernelParams, void **extra)
{
	if (!c || (c->numAttrs && !c->attrs))
		return CUDA_ERROR_INVALID_VALUE;
	for (unsigned int i = 0; i < c->numAttrs; i++) {
		CUlaunchAttributeID id = c->attrs[i].id;

		if (id == CU_LAUNCH_ATTRIBUTE_IGNORE ||
		    id == CU_LAUNCH_ATTRIBUTE_PRIORITY)
			continue;
		cuvg_log("cuLaunchKernelEx: launch attribute CU_LAUNCH_ATTRIBUTE_%s (%d) not supported",
			 attr_name(id), (int)id);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	return cuLaunchKernel(hf, c->gridDimX, c->gridDimY, c->gridDimZ,
			      c->blockDimX, c->blockDimY, c->blockDimZ,
			      c->sharedMemBytes, c->hStream, kernelParams,
			      extra);
}

/* Hints the LAUNCH operation cannot carry: accepted, without effect. */
CUVG_EXPORT CUresult cuFuncSetCacheConfig(CUfunction hf, CUfunc_cache c)
{
	(void)c;
	return cuvg_obj_live(hf, K_FUNC) ? CUDA_SUCCESS :
					   CUDA_ERROR_INVALID_HANDLE;
}

/* 0 is the legacy stream's id, 1 the per-thread stream's. */
static unsigned long long next_stream_id = 1;

CUVG_EXPORT CUresult cuStreamCreateWithPriority(CUstream *ph,
						unsigned int flags, int prio)
{
	CUresult rc = cuvg_need_ctx();
	struct cuvg_stream *s;

	if (!ph || (flags & ~(unsigned int)CU_STREAM_NON_BLOCKING))
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CUDA_ERROR_OUT_OF_MEMORY;
	s->ctx = cuvg_current();
	s->flags = flags;
	s->priority = prio;
	s->id = __atomic_add_fetch(&next_stream_id, 1, __ATOMIC_RELAXED);
	cuvg_obj_add(&s->o, K_STREAM);
	*ph = (CUstream)s;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuStreamCreate(CUstream *ph, unsigned int flags)
{
	return cuStreamCreateWithPriority(ph, flags, 0);
}

/* The stream's last op (the process's last, for the NULL stream). */
static CUresult stream_last(CUstream hs, uint64_t *seq)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_stream_check(hs, &s);

	if (rc == CUDA_SUCCESS)
		*seq = s ? s->last : cuvg_last_seq();
	return rc;
}

CUVG_EXPORT CUresult cuStreamSynchronize(CUstream hs)
{
	CUresult rc = cuvg_need_ctx();
	uint64_t seq;

	if (rc != CUDA_SUCCESS)
		return rc;
	rc = stream_last(hs, &seq);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_capturing(hs))
		return cuvg_capture_refuse((struct cuvg_stream *)hs,
					   "cuStreamSynchronize");
	/* A kernel has finished only once the device says so: SYNC. */
	return cuvg_sync_upto(seq, 1);
}

CUVG_EXPORT CUresult cuStreamQuery(CUstream hs)
{
	CUresult rc = cuvg_need_ctx();
	uint64_t seq;

	if (rc != CUDA_SUCCESS)
		return rc;
	rc = stream_last(hs, &seq);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (cuvg_capturing(hs))
		return cuvg_capture_refuse((struct cuvg_stream *)hs,
					   "cuStreamQuery");
	return cuvg_seq_done(seq) ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

CUVG_EXPORT CUresult cuStreamGetId(CUstream hs, unsigned long long *id)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_ctx_stream(hs, &s);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!id)
		return CUDA_ERROR_INVALID_VALUE;
	*id = s ? s->id : hs == CU_STREAM_PER_THREAD ? 1 : 0;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuStreamGetDevice(CUstream hs, CUdevice *dev)
{
	CUresult rc = cuvg_ctx_stream(hs, NULL);

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!dev)
		return CUDA_ERROR_INVALID_VALUE;
	*dev = 0;
	return CUDA_SUCCESS;
}

/*
 * A host function in stream order: the submission thread calls it once the
 * device has finished everything queued before it (a SYNC first), and the
 * work queued after it waits for it, on every stream (one queue runs them
 * all). As in CUDA, it must not call the CUDA API: the thread that would
 * run that call is the one running the function.
 */
static CUresult host_fn(CUstream hs, struct cuvg_req *r)
{
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	r->op = Q_HOST_FN;
	r->cb_stream = hs;
	return cuvg_issue(r, hs, 1);
}

CUVG_EXPORT CUresult cuLaunchHostFunc(CUstream hs, CUhostFn fn, void *data)
{
	struct cuvg_req r = { .host_fn = fn, .host_data = data };

	if (!fn)
		return CUDA_ERROR_INVALID_VALUE;
	return host_fn(hs, &r);
}

/* The callback gets the stream and the device's status: flags must be 0. */
CUVG_EXPORT CUresult cuStreamAddCallback(CUstream hs, CUstreamCallback cb,
					 void *data, unsigned int flags)
{
	struct cuvg_req r = { .stream_cb = cb, .host_data = data };

	if (!cb || flags)
		return CUDA_ERROR_INVALID_VALUE;
	return host_fn(hs, &r);
}

CUVG_EXPORT CUresult cuStreamDestroy_v2(CUstream hs)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!hs || cuvg_stream_check(hs, &s) != CUDA_SUCCESS || !s)
		return CUDA_ERROR_INVALID_HANDLE;
	/* Its work goes on (as CUDA's does); the handle goes now. */
	cuvg_obj_del(&s->o);
	cuvg_capture_drop(s);
	free(s);
	return CUDA_SUCCESS;
}

#undef cuStreamDestroy
CUVG_EXPORT CUresult cuStreamDestroy(CUstream hs)
{
	return cuStreamDestroy_v2(hs);
}

/* One queue: whatever the event follows is already before the stream's next op. */
CUVG_EXPORT CUresult cuStreamWaitEvent(CUstream hs, CUevent ev,
				       unsigned int flags)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_need_ctx();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags & ~1u)
		return CUDA_ERROR_INVALID_VALUE;
	rc = cuvg_stream_check(hs, &s);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(ev, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	/* CUDA joins another stream's capture this way: not recorded here. */
	return s && s->capture ? cuvg_capture_refuse(s, "cuStreamWaitEvent") :
				 CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuStreamGetPriority(CUstream hs, int *prio)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_stream_check(hs, &s);

	if (!prio)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc == CUDA_SUCCESS)
		*prio = s ? s->priority : 0;
	return rc;
}

CUVG_EXPORT CUresult cuStreamGetFlags(CUstream hs, unsigned int *flags)
{
	struct cuvg_stream *s;
	CUresult rc = cuvg_stream_check(hs, &s);

	if (!flags)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc == CUDA_SUCCESS)
		*flags = s ? s->flags : 0;
	return rc;
}

CUVG_EXPORT CUresult cuEventCreate(CUevent *ph, unsigned int flags)
{
	CUresult rc = cuvg_need_ctx();
	struct cuvg_event *e;

	if (!ph || (flags & ~0xfu))
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (flags & CU_EVENT_INTERPROCESS) {
		cuvg_unsupported("cuEventCreate (CU_EVENT_INTERPROCESS)");
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return CUDA_ERROR_OUT_OF_MEMORY;
	e->flags = flags;
	cuvg_obj_add(&e->o, K_EVENT);
	*ph = (CUevent)e;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuEventRecord(CUevent ev, CUstream hs)
{
	struct cuvg_event *e = (struct cuvg_event *)ev;
	struct cuvg_req r = { .op = Q_EVENT };
	struct cuvg_stream *s;
	CUresult rc = cuvg_need_ctx();
	uint64_t seq;
	int err;

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(e, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	rc = cuvg_stream_check(hs, &s);
	if (rc != CUDA_SUCCESS)
		return rc;
	if (s && s->capture)
		return cuvg_capture_refuse(s, "cuEventRecord");
	/* The previous record must not complete into the new one. */
	if (e->seq)
		cuvg_wait_seq(e->seq);
	e->done = 0;
	r.ev = e;
	err = cuvg_submit(&r, 0, &seq);
	if (err)
		return cuvg_err(err);
	if (s)
		s->last = seq;
	return CUDA_SUCCESS;
}

CUVG_EXPORT CUresult cuEventRecordWithFlags(CUevent ev, CUstream hs,
					    unsigned int flags)
{
	if (flags)
		return CUDA_ERROR_INVALID_VALUE;
	return cuEventRecord(ev, hs);
}

CUVG_EXPORT CUresult cuEventQuery(CUevent ev)
{
	struct cuvg_event *e = (struct cuvg_event *)ev;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(e, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	return !e->seq || cuvg_seq_done(e->seq) ? CUDA_SUCCESS :
						  CUDA_ERROR_NOT_READY;
}

CUVG_EXPORT CUresult cuEventSynchronize(CUevent ev)
{
	struct cuvg_event *e = (struct cuvg_event *)ev;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(e, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	if (!e->seq)
		return CUDA_SUCCESS;
	return cuvg_sync_upto(e->seq, 0);
}

CUVG_EXPORT CUresult cuEventElapsedTime_v2(float *ms, CUevent a, CUevent b)
{
	struct cuvg_event *s = (struct cuvg_event *)a, *t = (struct cuvg_event *)b;
	CUresult rc = cuvg_ready();

	if (!ms)
		return CUDA_ERROR_INVALID_VALUE;
	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(s, K_EVENT) || !cuvg_obj_live(t, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	if ((s->flags | t->flags) & CU_EVENT_DISABLE_TIMING)
		return CUDA_ERROR_INVALID_HANDLE;
	if (!s->seq || !t->seq)
		return CUDA_ERROR_INVALID_HANDLE;
	if (!cuvg_seq_done(s->seq) || !cuvg_seq_done(t->seq))
		return CUDA_ERROR_NOT_READY;
	if (!s->done || !t->done)	/* its SYNC failed */
		return CUDA_ERROR_INVALID_HANDLE;
	*ms = (float)((double)((int64_t)(t->t_ns - s->t_ns)) / 1e6);
	return CUDA_SUCCESS;
}

#undef cuEventElapsedTime
CUVG_EXPORT CUresult cuEventElapsedTime(float *ms, CUevent a, CUevent b)
{
	return cuEventElapsedTime_v2(ms, a, b);
}

CUVG_EXPORT CUresult cuEventDestroy_v2(CUevent ev)
{
	struct cuvg_event *e = (struct cuvg_event *)ev;
	CUresult rc = cuvg_ready();

	if (rc != CUDA_SUCCESS)
		return rc;
	if (!cuvg_obj_live(e, K_EVENT))
		return CUDA_ERROR_INVALID_HANDLE;
	cuvg_obj_del(&e->o);
	if (e->seq)	/* the queue still points at it */
		cuvg_wait_seq(e->seq);
	free(e);
	return CUDA_SUCCESS;
}

#undef cuEventDestroy
CUVG_EXPORT CUresult cuEventDestroy(CUevent ev)
{
	return cuEventDestroy_v2(ev);
}
