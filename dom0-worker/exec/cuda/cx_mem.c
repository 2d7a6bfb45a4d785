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

/* Index of the allocation holding dptr, or -1. */
static long find_alloc(uint64_t dptr)
{
	uint32_t lo = 0, hi = cx.na;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cx.a[mid].dptr <= dptr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	lo--;
	return dptr - cx.a[lo].dptr < cx.a[lo].size ? (long)lo : -1;
}

int32_t cx_mem_alloc(const struct cx_cmd *c, uint64_t *ret)
{
	uint64_t size = c->req.u.mem.size, dptr = 0;
	uint64_t quota = c->mem_quota;
	uint32_t i;
	int32_t st;

	if (quota && (cx.used > quota || size > quota - cx.used))
		return VGPUIF_RSP_QUOTA;
	if (cx.na >= cx.o.max_allocs)
		return VGPUIF_RSP_NO_MEMORY;
	if (cx.na == cx.cap_a) {
		uint32_t cap = cx.cap_a ? cx.cap_a * 2 : 64;
		struct cx_alloc *a = realloc(cx.a, cap * sizeof(*a));

		if (!a)
			return VGPUIF_RSP_NO_MEMORY;
		cx.a = a;
		cx.cap_a = cap;
	}
	st = cx.dev->mem_alloc(size, &dptr);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	/* Keep the table sorted; device addresses come in any order. */
	for (i = cx.na; i > 0 && cx.a[i - 1].dptr > dptr; i--)
		cx.a[i] = cx.a[i - 1];
	cx.a[i] = (struct cx_alloc){ .dptr = dptr, .size = size };
	cx.na++;
	cx.used += size;
	*ret = dptr;
	return VGPUIF_RSP_OKAY;
}

int32_t cx_mem_free(uint64_t dptr)
{
	long i = find_alloc(dptr);
	int32_t st;

	if (i < 0 || cx.a[i].dptr != dptr)
		return VGPUIF_RSP_BAD_HANDLE;
	st = cx.dev->mem_free(dptr);
	/* Forget it whatever the device said: it is not the VM's any more. */
	cx.used -= cx.a[i].size;
	memmove(&cx.a[i], &cx.a[i + 1], (cx.na - (uint32_t)i - 1) * sizeof(cx.a[0]));
	cx.na--;
	return st;
}

int32_t cx_check_range(uint64_t dptr, uint32_t len)
{
	long i = find_alloc(dptr);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	if (len > cx.a[i].size - (dptr - cx.a[i].dptr))
		return VGPUIF_RSP_RANGE;
	return VGPUIF_RSP_OKAY;
}

static long find_module(uint64_t handle)
{
	for (uint32_t i = 0; i < cx.nm; i++)
		if (cx.m[i].handle == handle)
			return (long)i;
	return -1;
}

int32_t cx_module_load(const void *image, uint32_t len, uint64_t *ret)
{
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
	st = cx.dev->module_load(image, len, &mod);
	if (st != VGPUIF_RSP_OKAY)
		return st;
	cx.m[cx.nm++] = (struct cx_module){ .handle = cx.next_handle, .mod = mod };
	*ret = cx.next_handle++;
	return VGPUIF_RSP_OKAY;
}

int32_t cx_module_unload(uint64_t handle)
{
	long i = find_module(handle);
	int32_t st;

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	st = cx.dev->module_unload(cx.m[i].mod);
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
