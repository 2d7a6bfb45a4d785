// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu frontend: what an open file owns on the host (vgpu_front_own.h).
 * Xen-free; KUnit builds this file in User Mode Linux.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vgpu_front_own.h"

/* First capacity; it doubles up to max. */
#define VGPU_FRONT_OWN_MIN_CAP	16

void vgpu_front_own_init(struct vgpu_front_own *own, u32 max)
{
	memset(own, 0, sizeof(*own));
	own->max = max;
}

void vgpu_front_own_destroy(struct vgpu_front_own *own)
{
	kvfree(own->ent);
	vgpu_front_own_init(own, own->max);
}

/* Index of the first entry whose base is above @addr (0..nr). */
static u32 vgpu_front_own_upper(const struct vgpu_front_own *own, u64 addr)
{
	u32 lo = 0, hi = own->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (own->ent[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entry that starts at @base, or NULL. */
static struct vgpu_front_own_ent *
vgpu_front_own_exact(const struct vgpu_front_own *own, u64 base)
{
	u32 i = vgpu_front_own_upper(own, base);

	if (i && own->ent[i - 1].base == base)
		return &own->ent[i - 1];
	return NULL;
}

static void vgpu_front_own_remove(struct vgpu_front_own *own,
				  struct vgpu_front_own_ent *e)
{
	u32 i = e - own->ent;

	memmove(e, e + 1, (own->nr - i - 1) * sizeof(*e));
	own->nr--;
}

/* Drop what other connections made (their executor is gone) and is idle. */
static void vgpu_front_own_prune(struct vgpu_front_own *own, u32 gen)
{
	u32 i, j = 0;

	for (i = 0; i < own->nr; i++) {
		const struct vgpu_front_own_ent *e = &own->ent[i];

		if (e->gen != gen && !e->users && !e->freeing)
			continue;
		own->ent[j++] = *e;
	}
	own->nr = j;
}

static int vgpu_front_own_grow(struct vgpu_front_own *own, u32 need)
{
	struct vgpu_front_own_ent *ent;
	u32 cap;

	if (need <= own->cap)
		return 0;
	cap = max_t(u32, own->cap, VGPU_FRONT_OWN_MIN_CAP);
	while (cap < need)
		cap *= 2;
	cap = min(cap, own->max);
	ent = kvmalloc_array(cap, sizeof(*ent), GFP_KERNEL_ACCOUNT);
	if (!ent)
		return -ENOMEM;
	if (own->nr)
		memcpy(ent, own->ent, own->nr * sizeof(*ent));
	kvfree(own->ent);
	own->ent = ent;
	own->cap = cap;
	return 0;
}

int vgpu_front_own_reserve(struct vgpu_front_own *own, u32 gen)
{
	if (own->nr + own->reserved >= own->max)
		vgpu_front_own_prune(own, gen);
	if (own->nr + own->reserved >= own->max)
		return -ENOSPC;
	if (vgpu_front_own_grow(own, own->nr + own->reserved + 1))
		return -ENOMEM;
	own->reserved++;
	return 0;
}

void vgpu_front_own_unreserve(struct vgpu_front_own *own)
{
	if (!WARN_ON_ONCE(!own->reserved))
		own->reserved--;
}

void vgpu_front_own_add(struct vgpu_front_own *own, u64 base, u64 size,
			u32 gen)
{
	struct vgpu_front_own_ent *e = vgpu_front_own_exact(own, base);
	u32 i;

	vgpu_front_own_unreserve(own);
	if (!e) {
		/* The reservation made room: nr < cap. */
		if (WARN_ON_ONCE(own->nr >= own->cap))
			return;
		i = vgpu_front_own_upper(own, base);
		e = &own->ent[i];
		memmove(e + 1, e, (own->nr - i) * sizeof(*e));
		own->nr++;
		e->users = 0;
	}
	/* A replaced entry keeps its users: their _put()s still come. */
	e->base = base;
	e->size = size;
	e->gen = gen;
	e->freeing = false;
	e->dropped = false;
	e->owner = 0;
}

void vgpu_front_own_add_owned(struct vgpu_front_own *own, u64 base, u64 size,
			      u32 gen, u64 owner)
{
	struct vgpu_front_own_ent *e;

	vgpu_front_own_add(own, base, size, gen);
	e = vgpu_front_own_exact(own, base);
	if (e)
		e->owner = owner;
}

void vgpu_front_own_drop_owner(struct vgpu_front_own *own, u64 owner)
{
	u32 i = 0;

	while (i < own->nr) {
		struct vgpu_front_own_ent *e = &own->ent[i];

		if (e->owner != owner || e->dropped) {
			i++;
			continue;
		}
		if (e->users) {
			e->freeing = true;
			e->dropped = true;
			i++;
			continue;
		}
		vgpu_front_own_remove(own, e);
	}
}

/* The usable entry of @gen that holds [@addr, @addr + @len), or why not. */
static struct vgpu_front_own_ent *
vgpu_front_own_find(const struct vgpu_front_own *own, u64 addr, u64 len,
		    u32 gen, int *err)
{
	u32 i = vgpu_front_own_upper(own, addr);
	struct vgpu_front_own_ent *e;

	*err = -ENOENT;
	if (!i)
		return NULL;
	e = &own->ent[i - 1];
	if (e->gen != gen || e->freeing || addr - e->base >= e->size)
		return NULL;
	/* In u64 without overflow: addr - base < size here. */
	if (max_t(u64, len, 1) > e->size - (addr - e->base)) {
		*err = -ERANGE;
		return NULL;
	}
	*err = 0;
	return e;
}

int vgpu_front_own_check(const struct vgpu_front_own *own, u64 addr, u64 len,
			 u32 gen)
{
	int err;

	vgpu_front_own_find(own, addr, len, gen, &err);
	return err;
}

int vgpu_front_own_get(struct vgpu_front_own *own, u64 addr, u64 len, u32 gen,
		       u64 *base)
{
	struct vgpu_front_own_ent *e;
	int err;

	e = vgpu_front_own_find(own, addr, len, gen, &err);
	if (!e)
		return err;
	e->users++;
	*base = e->base;
	return 0;
}

void vgpu_front_own_put(struct vgpu_front_own *own, u64 base)
{
	struct vgpu_front_own_ent *e = vgpu_front_own_exact(own, base);

	if (WARN_ON_ONCE(!e || !e->users))
		return;
	if (!--e->users && e->dropped)
		vgpu_front_own_remove(own, e);
}

int vgpu_front_own_free_begin(struct vgpu_front_own *own, u64 base, u32 gen)
{
	struct vgpu_front_own_ent *e = vgpu_front_own_exact(own, base);

	if (!e || e->gen != gen || e->freeing)
		return -ENOENT;
	if (e->users)
		return -EBUSY;
	e->freeing = true;
	return 0;
}

void vgpu_front_own_free_end(struct vgpu_front_own *own, u64 base, bool gone)
{
	struct vgpu_front_own_ent *e = vgpu_front_own_exact(own, base);

	/* Replaced meanwhile by a new entry of that base: that one stays. */
	if (!e || !e->freeing)
		return;
	if (gone)
		vgpu_front_own_remove(own, e);
	else
		e->freeing = false;
}

bool vgpu_front_own_pop(struct vgpu_front_own *own, u64 *base, u32 *gen)
{
	struct vgpu_front_own_ent *e;

	if (!own->nr)
		return false;
	e = &own->ent[own->nr - 1];
	*base = e->base;
	*gen = e->gen;
	own->nr--;
	return true;
}
