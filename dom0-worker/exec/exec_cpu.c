// SPDX-License-Identifier: MIT
/*
 * CPU executor: the reference for machines without a GPU. "Device memory"
 * is host memory (zeroed on allocation, so a guest never reads another's
 * old data); device addresses are synthetic, per VM, never 0, random and
 * never repeated (below). Modules, globals and launches are not
 * supported (NOT_SUPPORTED). DEVICE_ATTRS answers a fixed table
 * (exec_cpu_attrs()); EVENT_RECORD the host's CLOCK_MONOTONIC since the
 * VM connected. Every request runs on the caller's thread and finishes at
 * once (submit returns 1), so it has no pollfd or reap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <vgpu/vgpuif_ops.h>

#include "alloc_table.h"
#include "exec.h"
#include "log.h"

/*
 * Device addresses: synthetic, 64-bit, never 0. The executor's first
 * address is random (CPU_DPTR_MIN + up to CPU_DPTR_SPREAD); a VM that
 * connects starts above every address handed out before, and each
 * allocation is padded to CPU_DPTR_ALIGN and followed by a random gap of
 * 1 to CPU_GAP_PAGES pages. So an address never repeats within a worker
 * run (a stale one names nothing), one from an earlier run is unlikely to
 * name anything, and no allocation tells where the next one (of this or
 * another guest process) will be. They start below 2^47, the top of an
 * x86-64 process's addresses, under the ranges Linux gives programs and
 * their mappings, so a guest's libcuda can map managed memory's host copy
 * at the device's address (tools/libcuda/managed.c).
 */
#define CPU_DPTR_MIN		(1ull << 44)
#define CPU_DPTR_SPREAD		(1ull << 46)
#define CPU_DPTR_ALIGN		4096ull
#define CPU_GAP_PAGES		(1ull << 16)
#define CPU_VM_GAP_PAGES	(1ull << 20)

struct cpu_vm {
	struct alloc_table t;	/* each entry's mem: its host memory */
	uint64_t next_dptr;
	uint64_t t0;		/* CLOCK_MONOTONIC at connect: EVENT_RECORD's origin */
};

struct cpu_exec {
	uint64_t used;		/* all VMs */
	uint64_t va_hi;		/* above every address handed out */
	float *scratch;		/* vector add buffers, grown on demand */
	size_t scratch_len;
};

/* Not for keys: addresses only have to be hard to guess. */
static uint64_t random64(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	     (uint64_t)ts.tv_sec << 32 ^ (uint64_t)getpid();
	return v;
}

/* 1 to @pages pages. */
static uint64_t random_gap(uint64_t pages)
{
	return CPU_DPTR_ALIGN * (1 + random64() % pages);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct cpu_exec *cpu(struct executor *ex)
{
	return ex->priv;
}

static int cpu_init(struct executor *ex)
{
	struct cpu_exec *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->va_hi = CPU_DPTR_MIN +
		   (random64() % CPU_DPTR_SPREAD & ~(CPU_DPTR_ALIGN - 1));
	ex->priv = c;
	return 0;
}

static void cpu_fini(struct executor *ex)
{
	struct cpu_exec *c = cpu(ex);

	if (c)
		free(c->scratch);
	free(c);
	ex->priv = NULL;
}

static int cpu_vm_attach(struct executor *ex, struct exec_vm *vm)
{
	struct cpu_vm *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	/* Above all of this run's addresses: a stale one names nothing. */
	v->next_dptr = cpu(ex)->va_hi + random_gap(CPU_VM_GAP_PAGES);
	v->t0 = mono_ns();
	vm->priv = v;
	return 0;
}

/*
 * A VM's memory: page-aligned (so the backend's grant copy moves each guest
 * page with one operation, not two) and zeroed lazily by the kernel.
 */
static void *cpu_mem_alloc(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void cpu_mem_free(void *p, uint64_t size)
{
	if (p && munmap(p, size))
		log_error("cpu executor: munmap: %s", strerror(errno));
}

static void cpu_vm_detach(struct executor *ex, struct exec_vm *vm)
{
	struct cpu_vm *v = vm->priv;

	if (!v)
		return;
	for (uint32_t i = 0; i < v->t.n; i++)
		cpu_mem_free(v->t.a[i].mem, v->t.a[i].size);
	cpu(ex)->used -= v->t.used;
	alloc_table_fini(&v->t);
	free(v);
	vm->priv = NULL;
}

static void do_alloc(struct executor *ex, struct exec_vm *vm, uint64_t size,
		     struct exec_result *res)
{
	struct cpu_exec *c = cpu(ex);
	struct cpu_vm *v = vm->priv;
	uint64_t quota = vm->cfg.mem_quota;
	uint64_t span = (size + CPU_DPTR_ALIGN - 1) & ~(CPU_DPTR_ALIGN - 1);
	uint8_t *mem;

	res->status = alloc_table_quota(&v->t, quota, size);
	if (res->status != VGPUIF_RSP_OKAY)
		return;
	if (c->used > ex->params.mem_budget ||
	    size > ex->params.mem_budget - c->used ||
	    v->t.n >= ex->params.max_allocs ||
	    v->next_dptr > UINT64_MAX - span - CPU_DPTR_ALIGN * CPU_GAP_PAGES ||
	    alloc_table_reserve(&v->t)) {
		res->status = VGPUIF_RSP_NO_MEMORY;
		return;
	}
	mem = cpu_mem_alloc(size);
	if (!mem) {
		res->status = VGPUIF_RSP_NO_MEMORY;
		return;
	}
	alloc_table_insert(&v->t, v->next_dptr, size, mem);
	res->ret[0] = v->next_dptr;
	v->next_dptr += span;
	if (v->next_dptr > c->va_hi)
		c->va_hi = v->next_dptr;
	v->next_dptr += random_gap(CPU_GAP_PAGES);
	c->used += size;
	res->status = VGPUIF_RSP_OKAY;
}

static void do_free(struct executor *ex, struct exec_vm *vm, uint64_t dptr,
		    struct exec_result *res)
{
	struct cpu_vm *v = vm->priv;
	long i = alloc_table_find_start(&v->t, dptr);

	if (i < 0) {
		res->status = VGPUIF_RSP_BAD_HANDLE;
		return;
	}
	cpu_mem_free(v->t.a[i].mem, v->t.a[i].size);
	cpu(ex)->used -= v->t.a[i].size;
	alloc_table_remove(&v->t, (uint32_t)i);
	res->status = VGPUIF_RSP_OKAY;
}

static void do_xfer(struct exec_vm *vm, const struct vgpu_back_req *req,
		    const struct exec_data *data, struct exec_result *res)
{
	struct cpu_vm *v = vm->priv;
	uint64_t dptr = req->u.mem.dptr;
	uint8_t *mem;
	uint32_t dir;
	long i;

	res->status = alloc_table_range(&v->t, dptr, req->data_len, &i);
	if (res->status != VGPUIF_RSP_OKAY)
		return;
	mem = (uint8_t *)v->t.a[i].mem + (dptr - v->t.a[i].dptr);
	/* One direction each; VGPUIF_DIR_* are the VGPU_BACK_COPY_* values. */
	dir = vgpuif_op_dirs(req->operation);
	if (exec_copy(data, dir, 0, mem, req->data_len))
		res->status = VGPUIF_RSP_ERROR;
	else
		res->status = VGPUIF_RSP_OKAY;
}

/* [dptr, dptr + len) in one allocation: its host memory, or NULL. */
static uint8_t *host_range(struct cpu_vm *v, uint64_t dptr, uint64_t len,
			   int32_t *status)
{
	long i;

	*status = alloc_table_range(&v->t, dptr, len, &i);
	if (*status != VGPUIF_RSP_OKAY)
		return NULL;
	return (uint8_t *)v->t.a[i].mem + (dptr - v->t.a[i].dptr);
}

static void do_memset(struct exec_vm *vm, const struct vgpuif_memset_args *m,
		      struct exec_result *res)
{
	uint8_t *p = host_range(vm->priv, m->dptr, m->size, &res->status);
	uint8_t pat[4];

	if (!p)
		return;
	/* The element's bytes as the device stores them (little-endian). */
	for (unsigned int k = 0; k < 4; k++)
		pat[k] = (uint8_t)(m->value >> (8 * (k % m->elem_size)));
	if (m->elem_size == 1) {
		memset(p, pat[0], m->size);
		return;
	}
	for (uint64_t off = 0; off < m->size; off += m->elem_size)
		memcpy(p + off, pat, m->elem_size);
}

static void do_copy(struct exec_vm *vm, const struct vgpuif_copy_args *c,
		    struct exec_result *res)
{
	uint8_t *dst = host_range(vm->priv, c->dst, c->size, &res->status);
	uint8_t *src;

	if (!dst)
		return;
	src = host_range(vm->priv, c->src, c->size, &res->status);
	if (src)	/* memmove: overlap is undefined, but never unsafe */
		memmove(dst, src, c->size);
}

static void do_attrs(struct executor *ex, const struct exec_vm *vm,
		     const struct exec_data *data, struct exec_result *res)
{
	struct vgpuif_device_attrs a;

	memset(&a, 0, sizeof(a));
	exec_cpu_attrs(&a);
	snprintf(a.name, sizeof(a.name), "cpu");
	exec_reply_attrs(vm, ex->params.mem_budget, &a, data, res);
}

static void do_vector_add(struct executor *ex, const struct vgpu_back_req *req,
			  const struct exec_data *data, struct exec_result *res)
{
	struct cpu_exec *c = cpu(ex);
	uint32_t n = req->u.vector_add.n;
	size_t need = 3 * (size_t)n;
	float *a, *b, *out;

	if (c->scratch_len < need) {
		float *s = realloc(c->scratch, need * sizeof(float));

		if (!s) {
			res->status = VGPUIF_RSP_NO_MEMORY;
			return;
		}
		c->scratch = s;
		c->scratch_len = need;
	}
	a = c->scratch;
	b = a + n;
	out = b + n;
	/* The buffer is a[n] b[n] c[n]: read a and b at once. */
	if (exec_copy(data, VGPU_BACK_COPY_FROM_GUEST, 0, a, 8ull * n)) {
		res->status = VGPUIF_RSP_ERROR;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = a[i] + b[i];
	if (exec_copy(data, VGPU_BACK_COPY_TO_GUEST, 8ull * n, out, 4ull * n))
		res->status = VGPUIF_RSP_ERROR;
	else
		res->status = VGPUIF_RSP_OKAY;
}

/* The signature is the submit op's; @tag is unused: nothing is reported. */
static int cpu_submit(struct executor *ex, struct exec_vm *vm,
		      const struct vgpu_back_req *req,
		      const struct exec_data *data, void *tag,
		      struct exec_result *res)
{
	(void)tag;
	switch (req->operation) {
	case VGPUIF_OP_NOP:
	case VGPUIF_OP_SYNC:	/* every op is done when it completes */
		res->status = VGPUIF_RSP_OKAY;
		break;
	case VGPUIF_OP_GET_INFO:
		exec_reply_info(ex, vm, data, res);
		break;
	case VGPUIF_OP_MEM_ALLOC:
		do_alloc(ex, vm, req->u.mem.size, res);
		break;
	case VGPUIF_OP_MEM_FREE:
		do_free(ex, vm, req->u.mem.dptr, res);
		break;
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MEM_READ:
		do_xfer(vm, req, data, res);
		break;
	case VGPUIF_OP_VECTOR_ADD:
		do_vector_add(ex, req, data, res);
		break;
	case VGPUIF_OP_MEM_SET:
		do_memset(vm, &req->u.memset, res);
		break;
	case VGPUIF_OP_MEM_COPY:
		do_copy(vm, &req->u.copy, res);
		break;
	case VGPUIF_OP_DEVICE_ATTRS:
		do_attrs(ex, vm, data, res);
		break;
	case VGPUIF_OP_EVENT_RECORD:
		/* Every earlier request is done: that is now. */
		res->ret[0] = mono_ns() - ((struct cpu_vm *)vm->priv)->t0;
		res->ret[1] = VGPUIF_EVENT_F_HOST_CLOCK;
		break;
	default:	/* MODULE_*, LAUNCH, FUNC_ATTRS: no modules here */
		res->status = VGPUIF_RSP_NOT_SUPPORTED;
		break;
	}
	return 1;
}

static void cpu_info(struct executor *ex, const struct exec_vm *vm,
		     struct exec_info *out)
{
	const struct cpu_vm *v = vm ? vm->priv : NULL;
	uint64_t used = cpu(ex)->used;

	memset(out, 0, sizeof(*out));
	snprintf(out->device_name, sizeof(out->device_name), "cpu");
	out->flags = 0;
	out->mem_total = ex->params.mem_budget;
	out->mem_free = used < out->mem_total ? out->mem_total - used : 0;
	out->mem_used = v ? v->t.used : 0;
}

const struct exec_ops exec_cpu_ops = {
	.name = "cpu",
	.init = cpu_init,
	.fini = cpu_fini,
	.vm_attach = cpu_vm_attach,
	.vm_detach = cpu_vm_detach,
	.info = cpu_info,
	.submit = cpu_submit,
};
