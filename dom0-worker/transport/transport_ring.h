/* SPDX-License-Identifier: MIT */
/*
 * The worker's end of the shared rings of /dev/vgpu-back
 * (VGPU_BACK_FEAT_RINGS in include/uapi/linux/vgpu_back.h): it consumes the
 * event ring and produces the completion ring, in memory, without system
 * calls. Memory only: transport_dev.c maps the area and rings the doorbell.
 *
 * The worker keeps its own indices (ev_cons, cp_prod) and only writes them
 * to the header; the backend's (ev_prod, cp_cons) are read with acquire and
 * checked before use, so a broken backend gives -EPROTO, not a wild read.
 */
#ifndef VGPU_WORKER_TRANSPORT_RING_H
#define VGPU_WORKER_TRANSPORT_RING_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/linux/vgpu_back.h>

struct tring {
	struct vgpu_back_rings_hdr *hdr;
	struct vgpu_back_event *ev;
	struct vgpu_back_completion *cp;
	uint32_t ev_entries;
	uint32_t cp_entries;
	uint32_t ev_cons;	/* the worker's, the truth */
	uint32_t cp_prod;	/* the worker's, the truth */
};

/*
 * Checks the layout @s the backend gave for the @len bytes mapped at @area
 * (entries powers of two, rings inside the mapping, apart from the header
 * and from each other) and starts at the backend's current indices.
 * 0 or -EPROTO.
 */
int tring_init(struct tring *r, void *area, size_t len,
	       const struct vgpu_back_rings_setup *s);
/* Takes up to @max events off the ring: how many, or -EPROTO. */
int tring_read_events(struct tring *r, struct vgpu_back_event *ev,
		      unsigned int max);
/* Puts up to @n completions on the ring, as many as fit: how many, or -EPROTO. */
int tring_write_completions(struct tring *r,
			    const struct vgpu_back_completion *c,
			    unsigned int n);
/* Completions the backend has dropped for an unknown handle, so far. */
uint32_t tring_refused(const struct tring *r);

#endif
