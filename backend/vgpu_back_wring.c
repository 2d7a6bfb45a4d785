// SPDX-License-Identifier: GPL-2.0-only
/*
 * vgpu-back: the shared rings with the worker, index logic only (see
 * vgpu_back_wring.h). vgpu_back_dev.c maps the area, holds the locks and
 * decides what an event or a completion means.
 */
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/barrier.h>

#include "vgpu_back_wring.h"

static_assert(sizeof(struct vgpu_back_rings_hdr) == 128);
static_assert(sizeof(struct vgpu_back_rings_setup) == 32);
static_assert((VGPU_WRING_EV_ENTRIES & (VGPU_WRING_EV_ENTRIES - 1)) == 0);
static_assert((VGPU_WRING_CP_ENTRIES & (VGPU_WRING_CP_ENTRIES - 1)) == 0);

/* The header, then the event ring on the next page, then the completions. */
void vgpu_wring_layout(struct vgpu_back_rings_setup *s, size_t page_size)
{
	memset(s, 0, sizeof(*s));
	s->ev_entries = VGPU_WRING_EV_ENTRIES;
	s->cp_entries = VGPU_WRING_CP_ENTRIES;
	s->ev_offset = page_size;
	s->cp_offset = s->ev_offset +
		       ALIGN(VGPU_WRING_EV_ENTRIES *
			     sizeof(struct vgpu_back_event), 64);
	s->mmap_len = ALIGN(s->cp_offset + VGPU_WRING_CP_ENTRIES *
			    sizeof(struct vgpu_back_completion), page_size);
}

/* @area: mmap_len zeroed bytes laid out as @s says. */
void vgpu_wring_init(struct vgpu_wring *w, void *area,
		     const struct vgpu_back_rings_setup *s)
{
	memset(w, 0, sizeof(*w));
	w->hdr = area;
	w->ev = area + s->ev_offset;
	w->cp = area + s->cp_offset;
	w->ev_entries = s->ev_entries;
	w->cp_entries = s->cp_entries;
}

/*
 * Free event slots. The worker's ev_cons is good if it lies in
 * [ev_prod - ev_entries, ev_prod]: it consumed no more than was produced
 * and holds no more than the ring. Return: 0, or -EIO (the ring is broken
 * from now on).
 */
int vgpu_wring_ev_space(struct vgpu_wring *w, unsigned int *space)
{
	u32 cons, used;

	*space = 0;
	if (w->broken)
		return -EIO;
	/* Its reads of the slots come before we overwrite them. */
	cons = smp_load_acquire(&w->hdr->ev_cons);
	used = w->ev_prod - cons;
	if (used > w->ev_entries) {
		w->broken = true;
		return -EIO;
	}
	*space = w->ev_entries - used;
	return 0;
}

/* Whether the worker has events on the ring it has not consumed. */
bool vgpu_wring_ev_pending(struct vgpu_wring *w)
{
	unsigned int space;

	return !vgpu_wring_ev_space(w, &space) && space < w->ev_entries;
}

/* Write @ev at ev_prod; vgpu_wring_ev_space() said there is room. */
void vgpu_wring_ev_put(struct vgpu_wring *w, const struct vgpu_back_event *ev)
{
	memcpy(&w->ev[w->ev_prod & (w->ev_entries - 1)], ev, sizeof(*ev));
	w->ev_prod++;
}

/* Show the worker every event put so far. */
void vgpu_wring_ev_publish(struct vgpu_wring *w)
{
	/* The slots are written before the worker sees the index. */
	smp_store_release(&w->hdr->ev_prod, w->ev_prod);
}

/*
 * Completions waiting. The worker's cp_prod is good if it lies in
 * [cp_cons, cp_cons + cp_entries]. Return: 0, or -EIO (broken).
 */
int vgpu_wring_cp_avail(struct vgpu_wring *w, unsigned int *avail)
{
	u32 prod, n;

	*avail = 0;
	if (w->broken)
		return -EIO;
	/* Its writes of the slots come before its cp_prod. */
	prod = smp_load_acquire(&w->hdr->cp_prod);
	n = prod - w->cp_cons;
	if (n > w->cp_entries) {
		w->broken = true;
		return -EIO;
	}
	*avail = n;
	return 0;
}

/* Copy the completion at cp_cons out once; vgpu_wring_cp_avail() said so. */
void vgpu_wring_cp_get(struct vgpu_wring *w, struct vgpu_back_completion *c)
{
	memcpy(c, &w->cp[w->cp_cons & (w->cp_entries - 1)], sizeof(*c));
	w->cp_cons++;
}

/* Give the consumed slots back to the worker. */
void vgpu_wring_cp_publish(struct vgpu_wring *w)
{
	/* Our copies of the slots are made before the worker reuses them. */
	smp_store_release(&w->hdr->cp_cons, w->cp_cons);
}

/* A completion was dropped (unknown handle): the worker can count it. */
void vgpu_wring_cp_refused(struct vgpu_wring *w)
{
	WRITE_ONCE(w->hdr->cp_refused, ++w->cp_refused);
}
