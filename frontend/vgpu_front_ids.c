// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request id table of the vgpu frontend, and the consumption of responses
 * against it (see vgpu_front_ids.h).
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

#include "vgpu_front_ids.h"

#define VGPU_FRONT_ID_SLOT(id)	((u32)(id))
#define VGPU_FRONT_ID_GEN(id)	((u32)((id) >> 32))

void vgpu_front_ids_init(struct vgpu_front_ids *ids, unsigned int size)
{
	memset(ids, 0, sizeof(*ids));
	ids->size = clamp_t(unsigned int, size, 1, VGPU_FRONT_IDS_MAX);
}

/*
 * Give @owner a free slot and its new id in *@id. Returns 0, or -EBUSY when
 * every slot is in use.
 */
int vgpu_front_ids_alloc(struct vgpu_front_ids *ids, void *owner, u64 *id)
{
	unsigned int i;

	if (!owner)
		return -EINVAL;
	if (vgpu_front_ids_full(ids))
		return -EBUSY;
	for (i = 0; i < ids->size; i++) {
		if (ids->owner[i])
			continue;
		ids->owner[i] = owner;
		ids->gen[i]++;
		ids->nr_used++;
		*id = (u64)ids->gen[i] << 32 | i;
		return 0;
	}
	return -EBUSY;
}

/* The owner of @id, or NULL with the reason in *@why. */
void *vgpu_front_ids_lookup(const struct vgpu_front_ids *ids, u64 id,
			    enum vgpu_front_id_err *why)
{
	u32 slot = VGPU_FRONT_ID_SLOT(id);

	if (slot >= ids->size) {
		*why = VGPU_FRONT_ID_BAD_SLOT;
		return NULL;
	}
	if (!ids->owner[slot]) {
		*why = VGPU_FRONT_ID_FREE;
		return NULL;
	}
	if (ids->gen[slot] != VGPU_FRONT_ID_GEN(id)) {
		*why = VGPU_FRONT_ID_STALE;
		return NULL;
	}
	*why = VGPU_FRONT_ID_OK;
	return ids->owner[slot];
}

/* Like lookup, and frees the slot when @id is valid. */
void *vgpu_front_ids_release(struct vgpu_front_ids *ids, u64 id,
			     enum vgpu_front_id_err *why)
{
	void *owner = vgpu_front_ids_lookup(ids, id, why);

	if (owner) {
		ids->owner[VGPU_FRONT_ID_SLOT(id)] = NULL;
		ids->nr_used--;
	}
	return owner;
}

/* Free some used slot and return its owner; NULL when none is in use. */
void *vgpu_front_ids_take_any(struct vgpu_front_ids *ids)
{
	unsigned int i;
	void *owner;

	for (i = 0; i < ids->size; i++) {
		owner = ids->owner[i];
		if (!owner)
			continue;
		ids->owner[i] = NULL;
		ids->nr_used--;
		return owner;
	}
	return NULL;
}

const char *vgpu_front_id_err_str(enum vgpu_front_id_err why)
{
	switch (why) {
	case VGPU_FRONT_ID_OK:
		return "ok";
	case VGPU_FRONT_ID_BAD_SLOT:
		return "unknown id";
	case VGPU_FRONT_ID_FREE:
		return "no request in flight with this id";
	case VGPU_FRONT_ID_STALE:
		return "stale id";
	}
	return "?";
}

/**
 * vgpu_front_consume() - take every response off the front ring
 * @ring: the front ring; only its private indices and the responses are used
 * @ids: the requests in flight
 * @ops: what to do with each response
 * @ctx: passed to @ops
 * @produced: on -EIO, how many responses the backend claimed to have
 *	      produced past rsp_cons
 *
 * rsp_prod is read once per pass, each response is copied once
 * (RING_COPY_RESPONSE) and only the copy is looked at. A backend that
 * publishes more responses than there are requests on the ring is broken
 * or hostile: nothing past rsp_cons is consumed and -EIO is returned.
 * Returns how many responses were consumed.
 */
int vgpu_front_consume(struct vgpuif_front_ring *ring,
		       struct vgpu_front_ids *ids,
		       const struct vgpu_front_rsp_ops *ops, void *ctx,
		       RING_IDX *produced)
{
	struct vgpuif_response rsp;
	enum vgpu_front_id_err why;
	RING_IDX i, rp;
	void *owner;
	int more, n = 0;

	do {
		rp = READ_ONCE(ring->sring->rsp_prod);
		virt_rmb(); /* see the responses up to rp */
		if (rp - ring->rsp_cons > ring->req_prod_pvt - ring->rsp_cons) {
			*produced = rp - ring->rsp_cons;
			return -EIO;
		}
		for (i = ring->rsp_cons; i != rp; i++) {
			RING_COPY_RESPONSE(ring, i, &rsp);
			owner = vgpu_front_ids_release(ids, rsp.id, &why);
			if (owner)
				ops->complete(ctx, owner, &rsp);
			else
				ops->ignored(ctx, &rsp, why);
			n++;
		}
		ring->rsp_cons = i;
		RING_FINAL_CHECK_FOR_RESPONSES(ring, more);
	} while (more);
	return n;
}
