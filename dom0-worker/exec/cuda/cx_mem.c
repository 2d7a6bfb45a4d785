// SPDX-License-Identifier: MIT
/*
 * The executor process's tables of the VM's allocations and modules (see
 * cx_priv.h): every device address and module handle a guest names is
 * looked up here before the device sees it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "cx_priv.h"

/*
 * Device addresses earlier processes of the worker handed out (the
 * control page's retired range): a fresh context hands out the same ones
 * again, and a guest that kept one from before a restart would reach new
 * memory through it. The range is reserved once, before the first
 * allocation, so the device allocates elsewhere; an address inside it is
 * never handed out, reserved or not.
 */
static int retired_ready;

static void reserve_retired(void)
{
	uint64_t lo = cx.ctrl->retired_lo, hi = cx.ctrl->retired_hi;
	int32_t st;

	retired_ready = 1;
	if (hi <= lo)
		return;
	st = cx.dev->reserve_va ? cx.dev->reserve_va(lo, hi) :
	     VGPUIF_RSP_NOT_SUPPORTED;
	if (st != VGPUIF_RSP_OKAY)
		cx_log("cannot reserve the retired device addresses 0x%llx-0x%llx (status %d): allocations there are refused",
		       (unsigned long long)lo, (unsigned long long)hi, st);
}

static int retired(uint64_t dptr, uint64_t size)
{
	return dptr < cx.ctrl->retired_hi && dptr + size > cx.ctrl->retired_lo;
}

int32_t cx_mem_alloc(const struct cx_cmd *c, uint64_t *ret)
{
	uint64_t size = c->req.u.mem.size, dptr = 0;
	int32_t st;

	st = alloc_table_quota(&cx.allocs, c->mem_quota, size);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (cx.allocs.n >= cx.o.max_allocs || alloc_table_reserve(&cx.allocs))
		return VGPUIF_RSP_NO_MEMORY;
	if (!retired_ready)
		reserve_retired();
	st = cx.dev->mem_alloc(size, &dptr);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (retired(dptr, size)) {
		cx_log("the device gave 0x%llx, a retired address: refused",
		       (unsigned long long)dptr);
		cx.dev->mem_free(dptr);
		return VGPUIF_RSP_NO_MEMORY;
	}
	alloc_table_insert(&cx.allocs, dptr, size, NULL);
	*ret = dptr;
	return VGPUIF_RSP_OKAY;
}

int32_t cx_mem_free(uint64_t dptr)
{
	long i = alloc_table_find_start(&cx.allocs, dptr);
	int32_t st;

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	st = cx.dev->mem_free(dptr);
	/* Forget it whatever the device said: it is not the VM's any more. */
	alloc_table_remove(&cx.allocs, (uint32_t)i);
	return st;
}

int32_t cx_check_range(uint64_t dptr, uint64_t len)
{
	long i;
	int32_t st = alloc_table_range(&cx.allocs, dptr, len, &i);

	if (st == VGPUIF_RSP_BAD_HANDLE)
		st = alloc_table_range(&cx.globals, dptr, len, &i);
	return st;
}

static long find_module(uint64_t handle)
{
	for (uint32_t i = 0; i < cx.nm; i++)
		if (cx.m[i].handle == handle)
			return (long)i;
	return -1;
}

int32_t cx_module_load(const void *image, uint32_t len, uint64_t quota,
		       uint64_t *ret)
{
	uint64_t bytes = 0;
	void *mod = NULL;
	int32_t st;

	if (cx.nm >= cx.o.max_modules)
		return VGPUIF_RSP_NO_MEMORY;
	if (cx.nm == cx.cap_m) {
		uint32_t cap = cx.cap_m ? cx.cap_m * 2 : 16;
		struct cx_module *m = realloc(cx.m, cap * sizeof(*m));

		if (!m)
			return VGPUIF_RSP_NO_MEMORY;
		cx.m = m;
		cx.cap_m = cap;
	}
	st = cx.dev->module_load(image, len, &mod, &bytes);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	/* Its memory is known only once loaded: over the quota, it goes. */
	if (alloc_table_quota(&cx.allocs, quota, bytes) != VGPUIF_RSP_OKAY) {
		cx.dev->module_unload(mod);
		cx_log("module of %llu bytes of device memory refused: over mem-quota",
		       (unsigned long long)bytes);
		return VGPUIF_RSP_QUOTA;
	}
	cx.allocs.used += bytes;
	cx.m[cx.nm++] = (struct cx_module){ .handle = cx.next_handle, .mod = mod,
					    .bytes = bytes };
	*ret = cx.next_handle++;
	return VGPUIF_RSP_OKAY;
}

int32_t cx_mem_set_copy(const struct cx_cmd *c)
{
	const union vgpuif_request_args *u = &c->req.u;
	int32_t st;

	if (c->req.operation == VGPUIF_OP_MEM_SET) {
		st = cx_check_range(u->memset.dptr, u->memset.size);
		return st == VGPUIF_RSP_OKAY ?
		       cx.dev->memset(u->memset.dptr, u->memset.value,
				      u->memset.elem_size, u->memset.size) : st;
	}
	st = cx_check_range(u->copy.dst, u->copy.size);
	if (st == VGPUIF_RSP_OKAY)
		st = cx_check_range(u->copy.src, u->copy.size);
	return st == VGPUIF_RSP_OKAY ?
	       cx.dev->copy_d2d(u->copy.dst, u->copy.src, u->copy.size) : st;
}

/* The module of @handle goes: so do the globals it gave. */
static void forget_globals(uint64_t handle)
{
	uint32_t k = 0;

	while (k < cx.globals.n) {
		if ((uint64_t)(uintptr_t)cx.globals.a[k].mem == handle)
			alloc_table_remove(&cx.globals, k);
		else
			k++;
	}
}

int32_t cx_module_get_global(const struct cx_cmd *c, const uint8_t *name,
			     uint64_t ret[2])
{
	const struct vgpuif_global_args *ga = &c->req.u.global;
	char s[VGPUIF_MAX_FUNC_NAME + 1];
	uint64_t dptr = 0, size = 0;
	long i = find_module(ga->module);
	int32_t st;

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	memcpy(s, name, ga->name_len);
	s[ga->name_len] = '\0';
	if (strlen(s) != ga->name_len)
		return VGPUIF_RSP_NOT_FOUND;	/* a NUL inside names nothing */
	st = cx.dev->module_global(cx.m[i].mod, s, &dptr, &size);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	if (!size || dptr + size < dptr)
		return VGPUIF_RSP_NOT_FOUND;
	if (alloc_table_find_start(&cx.globals, dptr) < 0) {
		if (cx.globals.n >= cx.o.max_allocs ||
		    alloc_table_reserve(&cx.globals))
			return VGPUIF_RSP_NO_MEMORY;
		alloc_table_insert(&cx.globals, dptr, size,
				   (void *)(uintptr_t)ga->module);
	}
	ret[0] = dptr;
	ret[1] = size;
	return VGPUIF_RSP_OKAY;
}

int32_t cx_func_attrs(const struct cx_cmd *c, const uint8_t *name,
		      struct vgpuif_func_attrs *a)
{
	const struct vgpuif_func_args *fa = &c->req.u.func;
	char s[VGPUIF_MAX_FUNC_NAME + 1];
	long i = find_module(fa->module);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	memcpy(s, name, fa->name_len);
	s[fa->name_len] = '\0';
	if (strlen(s) != fa->name_len)
		return VGPUIF_RSP_NOT_FOUND;	/* a NUL inside names nothing */
	memset(a, 0, sizeof(*a));
	return cx.dev->func_attrs(cx.m[i].mod, s, a);
}

int32_t cx_module_unload(uint64_t handle)
{
	long i = find_module(handle);
	int32_t st;

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	forget_globals(handle);
	st = cx.dev->module_unload(cx.m[i].mod);
	cx.allocs.used -= cx.m[i].bytes;
	cx.m[i] = cx.m[--cx.nm];
	return st;
}

int32_t cx_launch(const struct cx_cmd *c, const uint8_t *blob)
{
	const struct vgpuif_launch_args *l = &c->req.u.launch;
	char name[VGPUIF_MAX_FUNC_NAME + 1];
	long i = find_module(l->module);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	memcpy(name, blob, l->name_len);
	name[l->name_len] = '\0';
	if (strlen(name) != l->name_len)
		return VGPUIF_RSP_NOT_FOUND;	/* a NUL inside names nothing */
	return cx.dev->launch(cx.m[i].mod, name, l,
			      blob + VGPUIF_ALIGN8((uint32_t)l->name_len),
			      l->params_len);
}
