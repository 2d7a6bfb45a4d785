// SPDX-License-Identifier: MIT
/* A VM's device allocations, sorted by address (see alloc_table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vgpu/vgpuif.h>

#include "alloc_table.h"

int32_t alloc_table_quota(const struct alloc_table *t, uint64_t quota,
			  uint64_t size)
{
	if (quota && (t->used > quota || size > quota - t->used))
		return VGPUIF_RSP_QUOTA;
	return VGPUIF_RSP_OKAY;
}

int alloc_table_reserve(struct alloc_table *t)
{
	struct alloc_entry *a;
	uint32_t cap;

	if (t->n < t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 16;
	a = realloc(t->a, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	t->a = a;
	t->cap = cap;
	return 0;
}

void alloc_table_insert(struct alloc_table *t, uint64_t dptr, uint64_t size,
			void *mem)
{
	uint32_t i;

	/* Device addresses come in any order. */
	for (i = t->n; i > 0 && t->a[i - 1].dptr > dptr; i--)
		t->a[i] = t->a[i - 1];
	t->a[i] = (struct alloc_entry){ .dptr = dptr, .size = size, .mem = mem };
	t->n++;
	t->used += size;
}

long alloc_table_find(const struct alloc_table *t, uint64_t dptr)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->a[mid].dptr <= dptr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: the first entry above dptr; the one before may hold it. */
	if (lo == 0)
		return -1;
	lo--;
	return dptr - t->a[lo].dptr < t->a[lo].size ? (long)lo : -1;
}

int32_t alloc_table_range(const struct alloc_table *t, uint64_t dptr,
			  uint64_t len, long *idx)
{
	long i = alloc_table_find(t, dptr);

	if (i < 0)
		return VGPUIF_RSP_BAD_HANDLE;
	if (len > t->a[i].size - (dptr - t->a[i].dptr))
		return VGPUIF_RSP_RANGE;
	*idx = i;
	return VGPUIF_RSP_OKAY;
}

long alloc_table_find_start(const struct alloc_table *t, uint64_t dptr)
{
	long i = alloc_table_find(t, dptr);

	/* Only an allocation's own address frees it, as with cuMemFree. */
	return i >= 0 && t->a[i].dptr == dptr ? i : -1;
}

void alloc_table_remove(struct alloc_table *t, uint32_t idx)
{
	t->used -= t->a[idx].size;
	memmove(&t->a[idx], &t->a[idx + 1],
		(t->n - idx - 1) * sizeof(t->a[0]));
	t->n--;
}

void alloc_table_fini(struct alloc_table *t)
{
	free(t->a);
	*t = (struct alloc_table){ 0 };
}
