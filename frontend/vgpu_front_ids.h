/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Table of the requests a vgpu frontend has on the ring, keyed by the id it
 * puts in each request. The backend echoes the id in the response; the
 * backend is not trusted, so a response id is only accepted if it names a
 * slot that is in use now, by the same use (generation) that issued it.
 *
 * An id is (generation << 32) | slot. A slot's generation changes each time
 * the slot is given out, so the id of a finished request is never valid
 * again until the generation wraps (2^32 uses of that one slot).
 *
 * vgpu_front_consume() takes the responses off the front ring and matches
 * them against the table.
 *
 * Xen-free and lock-free: the caller serialises (the frontend holds its ring
 * lock). KUnit builds this file in User Mode Linux.
 */
#ifndef VGPU_FRONT_IDS_H
#define VGPU_FRONT_IDS_H

#include <linux/types.h>

#include "../include/vgpu/vgpuif.h"

/* VGPUIF_RING_SIZE (32); the table is never larger than the ring. */
#define VGPU_FRONT_IDS_MAX	32

struct vgpu_front_ids {
	void *owner[VGPU_FRONT_IDS_MAX];
	u32 gen[VGPU_FRONT_IDS_MAX];
	unsigned int size;	/* slots in use by this table, <= MAX */
	unsigned int nr_used;
};

/* Why a response id was refused. */
enum vgpu_front_id_err {
	VGPU_FRONT_ID_OK,
	VGPU_FRONT_ID_BAD_SLOT,	/* not an id this frontend makes */
	VGPU_FRONT_ID_FREE,	/* slot idle: duplicate or made-up response */
	VGPU_FRONT_ID_STALE,	/* slot busy with a later request */
};

void vgpu_front_ids_init(struct vgpu_front_ids *ids, unsigned int size);
int vgpu_front_ids_alloc(struct vgpu_front_ids *ids, void *owner, u64 *id);
void *vgpu_front_ids_lookup(const struct vgpu_front_ids *ids, u64 id,
			    enum vgpu_front_id_err *why);
void *vgpu_front_ids_release(struct vgpu_front_ids *ids, u64 id,
			     enum vgpu_front_id_err *why);
void *vgpu_front_ids_take_any(struct vgpu_front_ids *ids);
const char *vgpu_front_id_err_str(enum vgpu_front_id_err why);

/* What vgpu_front_consume() does with each response. */
struct vgpu_front_rsp_ops {
	/* A valid response; its id is free again. */
	void (*complete)(void *ctx, void *owner,
			 const struct vgpuif_response *rsp);
	/* A response whose id names no request in flight: dropped. */
	void (*ignored)(void *ctx, const struct vgpuif_response *rsp,
			enum vgpu_front_id_err why);
};

int vgpu_front_consume(struct vgpuif_front_ring *ring,
		       struct vgpu_front_ids *ids,
		       const struct vgpu_front_rsp_ops *ops, void *ctx,
		       RING_IDX *produced);

static inline bool vgpu_front_ids_full(const struct vgpu_front_ids *ids)
{
	return ids->nr_used >= ids->size;
}

static inline unsigned int vgpu_front_ids_used(const struct vgpu_front_ids *ids)
{
	return ids->nr_used;
}

#endif /* VGPU_FRONT_IDS_H */
