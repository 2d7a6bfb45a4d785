// SPDX-License-Identifier: MIT
/*
 * A test transport for libcuda.so.1 (tools/libcuda/cuvg_transport.h): the
 * real worker (loop, scheduler, executor) on a thread of this process,
 * over the simulated backend (harness.h), one VM, no Xen and no kernel
 * driver. Each library call becomes the request a guest's /dev/vgpu0
 * would send, split at VGPUIF_MAX_DATA_LEN as the frontend splits it, and
 * each status becomes the errno the frontend gives
 * (vgpu_front_status_to_errno). A batch (submit) keeps up to
 * VGPU_SUBMIT_WINDOW of its requests in flight, as the frontend does.
 *
 * Two ways in:
 *  - the cmocka tests (tests/unit/test_libcuda_*.c) link the library's
 *    objects and this file and set cuvg_transport_opener;
 *  - an unmodified program: this file built as a shared object
 *    (build/gpu/libcuda-loopback.so, tests/gpu/Makefile) named by
 *    VGPU_CUDA_TRANSPORT, with LD_LIBRARY_PATH putting the library's
 *    libcuda.so.1 first (tests/gpu/run-libcuda.sh).
 *
 * VGPU_LOOPBACK selects the executor: "gpu" (default; the CUDA executor's
 * processes, VGPU_LOOPBACK_CUDA_EXEC or ../dom0-worker/vgpu-cuda-exec
 * beside this object), "fake" (the host-memory device of cx_dev_fake.c,
 * run by VGPU_LOOPBACK_FAKE_EXEC, default libcuda-fake-exec beside this
 * object, or by the test binary itself) or "cpu" (the CPU executor: no
 * kernels). VGPU_LOOPBACK_QUOTA: the VM's mem-quota in bytes;
 * VGPU_LOOPBACK_DEBUG: the worker logs at debug level.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend_model.h"
#include "harness.h"
#include "libcuda_loopback.h"

struct loop {
	struct harness h;
	struct gvm v;
	char exec_path[4200];
};

static int to_errno(int32_t st)
{
	return -sim_frontend_errno(st);
}

static int lb_info(void *p, struct vgpu_info *out)
{
	struct loop *l = p;
	struct vgpuif_info i;
	int err = to_errno(g_info(&l->v, &i));

	if (err)
		return err;
	sim_frontend_info(out, &i);
	return 0;
}

static int lb_alloc(void *p, uint64_t size, uint64_t *dptr)
{
	return to_errno(g_alloc(&((struct loop *)p)->v, size, dptr));
}

static int lb_free(void *p, uint64_t dptr)
{
	return to_errno(g_free(&((struct loop *)p)->v, dptr));
}

static int lb_write(void *p, uint64_t dptr, const void *buf, uint64_t len)
{
	struct loop *l = p;

	for (uint64_t o = 0; o < len;) {
		uint32_t n = len - o > VGPUIF_MAX_DATA_LEN ?
			VGPUIF_MAX_DATA_LEN : (uint32_t)(len - o);
		int err = to_errno(g_write(&l->v, dptr + o,
					   (const uint8_t *)buf + o, n));

		if (err)
			return err;
		o += n;
	}
	return 0;
}

static int lb_read(void *p, uint64_t dptr, void *buf, uint64_t len)
{
	struct loop *l = p;

	for (uint64_t o = 0; o < len;) {
		uint32_t n = len - o > VGPUIF_MAX_DATA_LEN ?
			VGPUIF_MAX_DATA_LEN : (uint32_t)(len - o);
		int err = to_errno(g_read(&l->v, dptr + o, (uint8_t *)buf + o,
					  n));

		if (err)
			return err;
		o += n;
	}
	return 0;
}

static int lb_load(void *p, const void *image, uint64_t size, uint64_t *h)
{
	if (size > VGPUIF_MAX_DATA_LEN)
		return -E2BIG;
	return to_errno(g_load(&((struct loop *)p)->v, image, (uint32_t)size,
			       h));
}

static int lb_unload(void *p, uint64_t h)
{
	return to_errno(g_unload(&((struct loop *)p)->v, h));
}

static int lb_launch(void *p, uint64_t module, const char *name,
		     const void *params, uint32_t plen, const uint32_t grid[3],
		     const uint32_t block[3], uint32_t shmem)
{
	struct loop *l = p;
	size_t nl = strlen(name);
	uint32_t len = VGPUIF_ALIGN8((uint32_t)nl) + plen;
	union vgpuif_request_args u;
	uint8_t *blob;
	int err;

	if (nl < 1 || nl > VGPUIF_MAX_FUNC_NAME || plen > VGPUIF_MAX_PARAMS)
		return -EINVAL;
	blob = calloc(1, len);
	if (!blob)
		return -ENOMEM;
	memcpy(blob, name, nl);
	if (plen)
		memcpy(blob + VGPUIF_ALIGN8((uint32_t)nl), params, plen);
	memset(&u, 0, sizeof(u));
	u.launch.module = module;
	memcpy(u.launch.grid, grid, sizeof(u.launch.grid));
	memcpy(u.launch.block, block, sizeof(u.launch.block));
	u.launch.shared_mem = shmem;
	u.launch.name_len = (uint16_t)nl;
	u.launch.params_len = (uint16_t)plen;
	err = to_errno(g_call(&l->v, VGPUIF_OP_LAUNCH, &u, blob, len, NULL));
	free(blob);
	return err;
}

static int lb_sync(void *p)
{
	return to_errno(g_sync(&((struct loop *)p)->v));
}

/* One request to its completion, both results kept. */
static int call2(struct loop *l, uint8_t op, const union vgpuif_request_args *u,
		 void *buf, uint32_t len, uint64_t ret[2])
{
	struct simreq r = { .vm = l->v.cfg, .buf = buf };

	r.req.operation = op;
	r.req.data_len = len;
	if (u)
		r.req.u = *u;
	simbe_submit(&l->h.tp, &r);
	simbe_wait(&r, l->v.spin_ns);
	if (ret) {
		ret[0] = r.ret[0];
		ret[1] = r.ret[1];
	}
	return to_errno(r.status);
}

static int lb_set(void *p, uint64_t dptr, uint32_t value, uint32_t elem,
		  uint64_t size)
{
	union vgpuif_request_args u;

	memset(&u, 0, sizeof(u));
	u.memset.dptr = dptr;
	u.memset.size = size;
	u.memset.value = value;
	u.memset.elem_size = (uint8_t)elem;
	return call2(p, VGPUIF_OP_MEM_SET, &u, NULL, 0, NULL);
}

static int lb_copy(void *p, uint64_t dst, uint64_t src, uint64_t size)
{
	union vgpuif_request_args u;

	memset(&u, 0, sizeof(u));
	u.copy.dst = dst;
	u.copy.src = src;
	u.copy.size = size;
	return call2(p, VGPUIF_OP_MEM_COPY, &u, NULL, 0, NULL);
}

static int lb_global(void *p, uint64_t module, const char *name,
		     uint64_t *dptr, uint64_t *size)
{
	union vgpuif_request_args u;
	size_t nl = strlen(name);
	uint64_t ret[2];
	char buf[VGPUIF_MAX_FUNC_NAME];
	int err;

	if (nl < 1 || nl > VGPUIF_MAX_FUNC_NAME)
		return -EINVAL;
	memcpy(buf, name, nl);
	memset(&u, 0, sizeof(u));
	u.global.module = module;
	u.global.name_len = (uint16_t)nl;
	err = call2(p, VGPUIF_OP_MODULE_GET_GLOBAL, &u, buf, (uint32_t)nl, ret);
	if (!err) {
		*dptr = ret[0];
		*size = ret[1];
	}
	return err;
}

static int lb_func_attrs(void *p, uint64_t module, const char *name,
			 struct vgpu_func_attrs *out)
{
	union vgpuif_request_args u;
	size_t nl = strlen(name);
	uint8_t buf[VGPUIF_ALIGN8(VGPUIF_MAX_FUNC_NAME) +
		    sizeof(struct vgpuif_func_attrs)];
	struct vgpuif_func_attrs a;
	uint32_t off;
	int err;

	if (nl < 1 || nl > VGPUIF_MAX_FUNC_NAME)
		return -EINVAL;
	off = VGPUIF_ALIGN8((uint32_t)nl);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, name, nl);
	memset(&u, 0, sizeof(u));
	u.func.module = module;
	u.func.name_len = (uint16_t)nl;
	err = call2(p, VGPUIF_OP_FUNC_ATTRS, &u, buf, off + sizeof(a), NULL);
	if (err)
		return err;
	memcpy(&a, buf + off, sizeof(a));
	memset(out, 0, sizeof(*out));
	out->module = module;
	out->name_len = (uint32_t)nl;
	out->num_regs = a.num_regs;
	out->shared_size = a.shared_size;
	out->const_size = a.const_size;
	out->local_size = a.local_size;
	out->max_threads_per_block = a.max_threads_per_block;
	out->ptx_version = a.ptx_version;
	out->binary_version = a.binary_version;
	out->max_dynamic_shared = a.max_dynamic_shared;
	return 0;
}

static int lb_attrs(void *p, struct vgpu_device_attrs *out)
{
	struct vgpuif_device_attrs a;
	int err;

	memset(&a, 0, sizeof(a));
	err = call2(p, VGPUIF_OP_DEVICE_ATTRS, NULL, &a, sizeof(a), NULL);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->nr_attrs = a.nr_attrs;
	out->flags = a.flags;
	out->total_mem = a.total_mem;
	memcpy(out->uuid, a.uuid, sizeof(out->uuid));
	memcpy(out->name, a.name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->attr, a.attr, sizeof(out->attr));
	return 0;
}

static int lb_event(void *p, uint64_t *time_ns, uint32_t *flags)
{
	uint64_t ret[2];
	int err = call2(p, VGPUIF_OP_EVENT_RECORD, NULL, NULL, 0, ret);

	if (!err) {
		*time_ns = ret[0];
		*flags = (uint32_t)ret[1];
	}
	return err;
}

/*
 * SUBMIT as the frontend does it: the elements in order, up to
 * VGPU_SUBMIT_WINDOW of them queued in the simulated backend at once
 * (its events reach the worker in order, and the worker runs one VM's
 * requests in order), collected oldest first; posting stops at the first
 * failure. The frontend's checks of the header and the elements are
 * repeated here; ownership is left to the worker's (ENOENT, ERANGE).
 */
struct lb_slot {
	struct simreq r;
	uint8_t blob[VGPUIF_ALIGN8(VGPU_FUNC_NAME_MAX) + VGPU_PARAMS_MAX];
};

static int lb_prepare(struct loop *l, const struct vgpu_submit_op *op,
		      struct lb_slot *s)
{
	union vgpuif_request_args *u = &s->r.req.u;

	memset(&s->r, 0, sizeof(s->r));
	s->r.vm = l->v.cfg;
	if (op->reserved)
		return -EINVAL;
	switch (op->cmd) {
	case VGPU_IOC_LAUNCH: {
		const struct vgpu_launch *a = (const void *)(uintptr_t)op->arg;
		uint32_t poff = VGPUIF_ALIGN8(a->name_len);

		if (a->reserved || !a->name_len)
			return -EINVAL;
		if (a->name_len > VGPU_FUNC_NAME_MAX ||
		    a->params_len > VGPU_PARAMS_MAX)
			return -E2BIG;
		memset(s->blob, 0, poff);
		memcpy(s->blob, (const void *)(uintptr_t)a->name, a->name_len);
		if (a->params_len)
			memcpy(s->blob + poff, (const void *)(uintptr_t)a->params,
			       a->params_len);
		s->r.req.operation = VGPUIF_OP_LAUNCH;
		s->r.req.data_len = poff + a->params_len;
		s->r.buf = s->blob;
		u->launch.module = a->module;
		memcpy(u->launch.grid, a->grid, sizeof(u->launch.grid));
		memcpy(u->launch.block, a->block, sizeof(u->launch.block));
		u->launch.shared_mem = a->shared_mem;
		u->launch.name_len = (uint16_t)a->name_len;
		u->launch.params_len = (uint16_t)a->params_len;
		return 0;
	}
	case VGPU_IOC_MEM_SET: {
		const struct vgpu_mem_set *a = (const void *)(uintptr_t)op->arg;

		s->r.req.operation = VGPUIF_OP_MEM_SET;
		u->memset.dptr = a->dptr;
		u->memset.size = a->size;
		u->memset.value = a->value;
		u->memset.elem_size = (uint8_t)a->elem_size;
		return 0;
	}
	case VGPU_IOC_MEM_COPY: {
		const struct vgpu_mem_copy *a = (const void *)(uintptr_t)op->arg;

		s->r.req.operation = VGPUIF_OP_MEM_COPY;
		u->copy.dst = a->dst;
		u->copy.src = a->src;
		u->copy.size = a->size;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int lb_submit(void *p, const struct vgpu_submit_op *ops, uint32_t count,
		     uint32_t *done, uint32_t *issued)
{
	struct loop *l = p;
	struct lb_slot *w;
	unsigned int head = 0, nq = 0;
	int post_err = 0, ring_err = 0;

	*done = *issued = 0;
	if (!count)
		return -EINVAL;
	if (count > VGPU_SUBMIT_MAX)
		return -E2BIG;
	w = calloc(VGPU_SUBMIT_WINDOW, sizeof(*w));
	if (!w)
		return -ENOMEM;
	while (nq || (!post_err && !ring_err && *issued < count)) {
		if (!post_err && !ring_err && *issued < count &&
		    nq < VGPU_SUBMIT_WINDOW) {
			struct lb_slot *s = &w[(head + nq) % VGPU_SUBMIT_WINDOW];

			post_err = lb_prepare(l, &ops[*issued], s);
			if (!post_err) {
				simbe_submit(&l->h.tp, &s->r);
				nq++;
				(*issued)++;
			}
			continue;
		}
		int err = to_errno(simbe_wait(&w[head].r, l->v.spin_ns));

		if (err && !ring_err)
			ring_err = err;
		else if (!err && !ring_err)
			(*done)++;
		head = (head + 1) % VGPU_SUBMIT_WINDOW;
		nq--;
	}
	free(w);
	return ring_err ? ring_err : post_err;
}

static void lb_close(void *p)
{
	struct loop *l = p;

	h_stop(&l->h);
	free(l);
}

int libcuda_loopback_open(struct cuvg_transport *t, const char *mode,
			  const char *fake_exec, uint64_t quota)
{
	struct loop *l = calloc(1, sizeof(*l));
	const char *kind = "cuda";
	char self[4096] = ".";
	Dl_info di;
	int err;

	if (!l)
		return -ENOMEM;
	if (dladdr((void *)libcuda_loopback_open, &di) && di.dli_fname) {
		char path[4096];

		snprintf(path, sizeof(path), "%s", di.dli_fname);
		snprintf(self, sizeof(self), "%s", dirname(path));
	}
	/*
	 * The executor's --probe inherits this environment: it must load
	 * NVIDIA's libcuda.so.1, not this library over this plugin again.
	 */
	unsetenv("VGPU_CUDA_TRANSPORT");
	unsetenv("LD_LIBRARY_PATH");
	unsetenv("LD_PRELOAD");
	if (!mode || !*mode)
		mode = "gpu";
	h_defaults(&l->h, !strcmp(mode, "fake"), getenv("VGPU_LOOPBACK_CUDA_EXEC"),
		   self);
	l->h.cfg.log_level = getenv("VGPU_LOOPBACK_DEBUG") ? VLOG_DEBUG :
							      VLOG_WARN;
	if (!strcmp(mode, "fake")) {
		if (fake_exec && *fake_exec)
			snprintf(l->exec_path, sizeof(l->exec_path), "%s",
				 fake_exec);
		else
			snprintf(l->exec_path, sizeof(l->exec_path),
				 "%s/libcuda-fake-exec", self);
		l->h.cp.program = l->exec_path;
	} else if (!strcmp(mode, "cpu")) {
		kind = "cpu";
	} else if (strcmp(mode, "gpu")) {
		free(l);
		return -EINVAL;
	}
	err = h_start_kind(&l->h, kind);
	if (err) {
		fprintf(stderr, "libcuda-loopback: cannot start the worker (%s): %s\n",
			mode, strerror(-err));
		free(l);
		return err;
	}
	h_vm(&l->h, &l->v, 1, VGPUIF_PRIO_HIGH, quota);
	*t = (struct cuvg_transport){
		.abi = VGPU_CUDA_TRANSPORT_ABI, .priv = l,
		.info = lb_info, .mem_alloc = lb_alloc, .mem_free = lb_free,
		.mem_write = lb_write, .mem_read = lb_read,
		.module_load = lb_load, .module_unload = lb_unload,
		.launch = lb_launch, .sync = lb_sync, .close = lb_close,
		.mem_set = lb_set, .mem_copy = lb_copy,
		.module_get_global = lb_global, .device_attrs = lb_attrs,
		.event_record = lb_event, .submit = lb_submit,
		.func_attrs = lb_func_attrs,
	};
	return 0;
}

/* The plugin's entry (cuvg_transport.h), configured from the environment. */
__attribute__((visibility("default")))
int vgpu_cuda_transport_open(struct cuvg_transport *t)
{
	const char *q = getenv("VGPU_LOOPBACK_QUOTA");

	return libcuda_loopback_open(t, getenv("VGPU_LOOPBACK"),
				     getenv("VGPU_LOOPBACK_FAKE_EXEC"),
				     q ? strtoull(q, NULL, 0) : 0);
}
