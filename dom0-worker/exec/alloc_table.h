/* SPDX-License-Identifier: MIT */
/*
 * A VM's device allocations as both executors keep them (the CPU executor
 * in the worker, the CUDA executor in its per-VM process): sorted by
 * device address, so the allocation holding any address a guest names is
 * found by binary search, and the bytes they hold, for the VM's
 * mem-quota. Every address a guest names is looked up here before memory
 * is touched.
 */
#ifndef VGPU_WORKER_ALLOC_TABLE_H
#define VGPU_WORKER_ALLOC_TABLE_H

#include <stdint.h>

struct alloc_entry {
	uint64_t dptr;
	uint64_t size;
	void *mem;		/* the executor's own, e.g. host memory */
};

struct alloc_table {
	struct alloc_entry *a;	/* sorted by dptr, no overlaps */
	uint32_t n, cap;
	uint64_t used;		/* bytes of all entries */
};

/*
 * Would @size more bytes stay within @quota (0 = none)? VGPUIF_RSP_OKAY
 * or VGPUIF_RSP_QUOTA.
 */
int32_t alloc_table_quota(const struct alloc_table *t, uint64_t quota,
			  uint64_t size);
/* Makes room for one more entry: 0, or -ENOMEM. */
int alloc_table_reserve(struct alloc_table *t);
/* Adds an entry that overlaps none; alloc_table_reserve() made room. */
void alloc_table_insert(struct alloc_table *t, uint64_t dptr, uint64_t size,
			void *mem);
/* Index of the entry holding @dptr, or -1. */
long alloc_table_find(const struct alloc_table *t, uint64_t dptr);
/*
 * The entry holding [@dptr, @dptr + @len): VGPUIF_RSP_OKAY with *@idx set,
 * VGPUIF_RSP_BAD_HANDLE if no entry holds @dptr, VGPUIF_RSP_RANGE if the
 * range runs past its end.
 */
int32_t alloc_table_range(const struct alloc_table *t, uint64_t dptr,
			  uint64_t len, long *idx);
/* Index of the entry that starts at @dptr (what a free names), or -1. */
long alloc_table_find_start(const struct alloc_table *t, uint64_t dptr);
void alloc_table_remove(struct alloc_table *t, uint32_t idx);
/* Frees the array, not the entries' memory. */
void alloc_table_fini(struct alloc_table *t);

#endif
