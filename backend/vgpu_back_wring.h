/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend's end of the shared rings with the worker (the
 * VGPU_BACK_FEAT_RINGS part of uapi/linux/vgpu_back.h): the event ring it
 * produces and the completion ring it consumes.
 *
 * The worker may write anything to the mapping at any time. The backend
 * keeps its own indices (ev_prod, cp_cons) here and only ever writes them to
 * the header, never reads them back; of the worker's indices it reads each
 * once per pass and checks it against its own before using it; a completion
 * is copied out of the ring once, and only the copy is looked at.
 *
 * Xen-free and lock-free on purpose: KUnit builds this file in User Mode
 * Linux; the caller (vgpu_back_dev.c) serializes the calls on one ring.
 */
#ifndef VGPU_BACK_WRING_H
#define VGPU_BACK_WRING_H

#include <linux/types.h>
#include <uapi/linux/vgpu_back.h>

/* The sizes the backend offers; the layout is vgpu_wring_layout()'s. */
#define VGPU_WRING_EV_ENTRIES	256
#define VGPU_WRING_CP_ENTRIES	256

struct vgpu_wring {
	struct vgpu_back_rings_hdr *hdr;
	struct vgpu_back_event *ev;
	struct vgpu_back_completion *cp;
	u32 ev_entries;
	u32 cp_entries;
	u32 ev_prod;		/* the backend's, the truth */
	u32 cp_cons;		/* the backend's, the truth */
	u32 cp_refused;
	bool broken;		/* the worker garbled an index */
};

void vgpu_wring_layout(struct vgpu_back_rings_setup *s, size_t page_size);
void vgpu_wring_init(struct vgpu_wring *w, void *area,
		     const struct vgpu_back_rings_setup *s);
int vgpu_wring_ev_space(struct vgpu_wring *w, unsigned int *space);
bool vgpu_wring_ev_pending(struct vgpu_wring *w);
void vgpu_wring_ev_put(struct vgpu_wring *w, const struct vgpu_back_event *ev);
void vgpu_wring_ev_publish(struct vgpu_wring *w);
int vgpu_wring_cp_avail(struct vgpu_wring *w, unsigned int *avail);
void vgpu_wring_cp_get(struct vgpu_wring *w, struct vgpu_back_completion *c);
void vgpu_wring_cp_publish(struct vgpu_wring *w);
void vgpu_wring_cp_refused(struct vgpu_wring *w);

#endif /* VGPU_BACK_WRING_H */
