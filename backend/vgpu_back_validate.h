/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen-free checks of vgpu-back: every rule of include/vgpu/vgpuif.h that a
 * request copied off the ring must pass (the operation's own rules through
 * include/vgpu/vgpuif_ops.h, the grant rules here), the copy rules of
 * include/uapi/linux/vgpu_back.h, and the parsing of the xenstore values the
 * backend reads.
 *
 * Pure functions only: KUnit builds this code in User Mode Linux, where no
 * Xen glue (grant tables, event channels, xenbus) exists.
 */
#ifndef VGPU_BACK_VALIDATE_H
#define VGPU_BACK_VALIDATE_H

#include <linux/bits.h>
#include <linux/types.h>

#include "../include/vgpu/vgpuif.h"
#include "../include/vgpu/vgpuif_ops.h"
#include "../include/uapi/linux/vgpu_back.h"

/* What validation learnt about an accepted request. */
struct vgpu_back_req_info {
	u32 nr_data_pages;	/* grant refs of data pages the buffer needs */
	u8 nr_segments;		/* gref[] entries in use */
	bool indirect;		/* gref[] names indirect pages */
};

int vgpu_back_validate_request(const struct vgpuif_request *req,
			       struct vgpu_back_req_info *info,
			       const char **reason);

/*
 * A COPY's direction is one VGPUIF_DIR_* bit of the operation's row in
 * vgpuif_ops.h: VGPU_BACK_COPY_* of uapi/linux/vgpu_back.h has the same
 * values (the /dev/vgpu-back glue checks that they match).
 */
bool vgpu_back_copy_dir_ok(unsigned int operation, u32 direction);
bool vgpu_back_copy_range_ok(u64 offset, u64 len, u32 data_len);
unsigned int vgpu_back_copy_chunk(u64 buf_off, unsigned long uaddr,
				  u64 remaining);

/*
 * A device's settings from its backend directory in xenstore fill the
 * struct vgpu_back_vm the worker gets (uapi/linux/vgpu_back.h): the backend
 * keeps no other copy. These are its xenstore keys, in this order.
 */
enum vgpu_back_cfg_key {
	VGPU_BACK_CFG_POOL,
	VGPU_BACK_CFG_PRIORITY,
	VGPU_BACK_CFG_VM_ID,
	VGPU_BACK_CFG_MAX_INFLIGHT,
	VGPU_BACK_CFG_MAX_QUEUED,
	VGPU_BACK_CFG_RATE_LIMIT,
	VGPU_BACK_CFG_MEM_QUOTA,
	VGPU_BACK_NR_CFG
};

/* Bits of the keys without which a device does not connect. */
#define VGPU_BACK_CFG_REQUIRED	(BIT(VGPU_BACK_CFG_POOL) | \
				 BIT(VGPU_BACK_CFG_PRIORITY) | \
				 BIT(VGPU_BACK_CFG_VM_ID))

const char *vgpu_back_cfg_name(unsigned int key);
int vgpu_back_cfg_lookup(const char *name);
int vgpu_back_cfg_set(struct vgpu_back_vm *vm, unsigned int key,
		      const char *val, const char **reason);

unsigned int vgpu_back_queue_limit(u32 max_queued, unsigned int dflt,
				   unsigned int ring_size);
bool vgpu_back_queue_full(unsigned int outstanding, unsigned int limit);

int vgpu_back_parse_u32(const char *s, u32 *val);
int vgpu_back_parse_u64(const char *s, u64 *val);
int vgpu_back_parse_pool(const char *s, u8 *pool);
int vgpu_back_parse_priority(const char *s, u8 *prio);
int vgpu_back_parse_vm_id(const char *s, u32 *vm_id);

#endif /* VGPU_BACK_VALIDATE_H */
