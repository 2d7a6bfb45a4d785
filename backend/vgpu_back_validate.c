// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen-free checks of vgpu-back (see vgpu_back_validate.h).
 *
 * Everything here runs on a private copy of guest data: the caller copied
 * the request off the shared ring (RING_COPY_REQUEST) or read the xenstore
 * value into its own buffer first, so no check can be raced by the guest.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

#include "vgpu_back_validate.h"

static_assert(sizeof(struct vgpuif_request) == 88);
static_assert(sizeof(union vgpuif_request_args) == 40);
static_assert(sizeof(struct vgpuif_device_attrs) == 352);

static int invalid(const char **reason, const char *why)
{
	*reason = why;
	return VGPUIF_RSP_INVALID;
}

/*
 * The data buffer: segments and flags. vgpuif_check_op() has already
 * bounded data_len by VGPUIF_MAX_DATA_LEN, so the page count cannot wrap.
 */
static int check_buffer(const struct vgpuif_request *req,
			struct vgpu_back_req_info *info, const char **reason)
{
	u32 pages;

	if (req->flags & ~VGPUIF_REQ_F_ALL)
		return invalid(reason, "unknown flags");
	if (!req->data_len) {
		if (req->nr_segments)
			return invalid(reason, "segments without data");
		if (req->flags)
			return invalid(reason, "flags without data");
		return VGPUIF_RSP_OKAY;
	}

	pages = DIV_ROUND_UP(req->data_len, VGPUIF_PAGE_SIZE);
	if (req->flags & VGPUIF_REQ_F_INDIRECT) {
		if (req->nr_segments >
		    VGPUIF_MAX_INDIRECT_PAGES)
			return invalid(reason, "too many indirect pages");
		if (req->nr_segments !=
		    DIV_ROUND_UP(pages, VGPUIF_GREFS_PER_INDIRECT_PAGE))
			return invalid(reason,
				       "indirect pages do not match data_len");
		info->indirect = true;
	} else {
		if (req->nr_segments > VGPUIF_MAX_DIRECT_SEGS)
			return invalid(reason, "too many direct segments");
		if (req->nr_segments != pages)
			return invalid(reason, "segments do not match data_len");
	}
	info->nr_data_pages = pages;
	info->nr_segments = req->nr_segments;
	return VGPUIF_RSP_OKAY;
}

/**
 * vgpu_back_validate_request() - check a request against vgpuif.h
 * @req: the backend's private copy of the request (never the shared ring)
 * @info: filled in for an accepted request; zeroed otherwise
 * @reason: set to a short constant string saying why a request is refused,
 *          for the log; "ok" for an accepted one
 *
 * The operation's own rules are the protocol's one check,
 * vgpuif_check_op(); how the buffer is granted is checked here, since
 * only the backend sees grant references.
 *
 * Return: VGPUIF_RSP_OKAY or VGPUIF_RSP_INVALID.
 */
int vgpu_back_validate_request(const struct vgpuif_request *req,
			       struct vgpu_back_req_info *info,
			       const char **reason)
{
	int ret;

	memset(info, 0, sizeof(*info));
	ret = vgpuif_check_op(req->operation, req->data_len, &req->u, reason);
	if (ret == VGPUIF_RSP_OKAY)
		ret = check_buffer(req, info, reason);
	if (ret != VGPUIF_RSP_OKAY)
		memset(info, 0, sizeof(*info));
	return ret;
}

/* Is @direction (one VGPU_BACK_COPY_* value) allowed for @operation? */
bool vgpu_back_copy_dir_ok(unsigned int operation, u32 direction)
{
	if (direction != VGPUIF_DIR_FROM_GUEST &&
	    direction != VGPUIF_DIR_TO_GUEST)
		return false;
	return vgpuif_op_dirs(operation) & direction;
}

/* Does [@offset, @offset + @len) lie in [0, @data_len)? Wrap-safe. */
bool vgpu_back_copy_range_ok(u64 offset, u64 len, u32 data_len)
{
	return offset <= data_len && len <= data_len - offset;
}

/**
 * vgpu_back_copy_chunk() - bytes one grant copy operation may move
 * @buf_off: offset in the guest's buffer (its data pages are 4 KiB each)
 * @uaddr: address in the worker's memory
 * @remaining: bytes left to copy
 *
 * A grant copy operation may not cross a 4 KiB page on either side, so a
 * chunk ends at the next guest page boundary or the next 4 KiB boundary of
 * the local address, whichever comes first.
 */
unsigned int vgpu_back_copy_chunk(u64 buf_off, unsigned long uaddr,
				  u64 remaining)
{
	u64 len = VGPUIF_PAGE_SIZE - (buf_off % VGPUIF_PAGE_SIZE);

	len = min_t(u64, len, VGPUIF_PAGE_SIZE - (uaddr % VGPUIF_PAGE_SIZE));
	return min_t(u64, len, remaining);
}

/*
 * Xenstore values: decimal digits only (no sign, space, newline or radix
 * prefix), at least one, no overflow.
 */
int vgpu_back_parse_u64(const char *s, u64 *val)
{
	u64 v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = *s - '0';
		if (v > (U64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*val = v;
	return 0;
}

int vgpu_back_parse_u32(const char *s, u32 *val)
{
	u64 v;
	int err;

	err = vgpu_back_parse_u64(s, &v);
	if (err)
		return err;
	if (v > U32_MAX)
		return -ERANGE;
	*val = v;
	return 0;
}

/* "A".."Z" -> 0..25. */
int vgpu_back_parse_pool(const char *s, u8 *pool)
{
	if (!s || s[0] < 'A' || s[0] > 'Z' || s[1])
		return -EINVAL;
	*pool = s[0] - 'A';
	return 0;
}

int vgpu_back_parse_priority(const char *s, u8 *prio)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "high"))
		*prio = VGPUIF_PRIO_HIGH;
	else if (!strcmp(s, "medium"))
		*prio = VGPUIF_PRIO_MEDIUM;
	else if (!strcmp(s, "low"))
		*prio = VGPUIF_PRIO_LOW;
	else
		return -EINVAL;
	return 0;
}

/* 1..4294967295. */
int vgpu_back_parse_vm_id(const char *s, u32 *vm_id)
{
	u32 v;
	int err;

	err = vgpu_back_parse_u32(s, &v);
	if (err)
		return err;
	if (!v)
		return -ERANGE;
	*vm_id = v;
	return 0;
}

static const char *const cfg_names[VGPU_BACK_NR_CFG] = {
	[VGPU_BACK_CFG_POOL]		= "pool",
	[VGPU_BACK_CFG_PRIORITY]	= "priority",
	[VGPU_BACK_CFG_VM_ID]		= "vm-id",
	[VGPU_BACK_CFG_MAX_INFLIGHT]	= "max-inflight",
	[VGPU_BACK_CFG_MAX_QUEUED]	= "max-queued",
	[VGPU_BACK_CFG_RATE_LIMIT]	= "rate-limit",
	[VGPU_BACK_CFG_MEM_QUOTA]	= "mem-quota",
};

/* The xenstore name of @key, or NULL. */
const char *vgpu_back_cfg_name(unsigned int key)
{
	return key < VGPU_BACK_NR_CFG ? cfg_names[key] : NULL;
}

/* The key named @name (a VGPU_BACK_CFG_*), or -ENOENT. */
int vgpu_back_cfg_lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < VGPU_BACK_NR_CFG; i++)
		if (!strcmp(name, cfg_names[i]))
			return i;
	return -ENOENT;
}

/**
 * vgpu_back_cfg_set() - apply one xenstore value to a configuration
 * @vm: changed only on success, and only in the field of @key
 * @key: VGPU_BACK_CFG_*
 * @val: the value as read from xenstore, or NULL if the key is missing
 * @reason: set to why a value is refused, for the log
 *
 * A missing optional key means 0 (the default). A missing required key
 * (pool, priority, vm-id) or a bad value leaves @vm as it was, so a device
 * keeps its last good setting.
 *
 * Return: 0 if @vm now holds the value, -ENOENT if a required key is
 * missing, -EINVAL if the value (or @key) is bad.
 */
int vgpu_back_cfg_set(struct vgpu_back_vm *vm, unsigned int key,
		      const char *val, const char **reason)
{
	u32 v32;
	u64 v64;
	u8 v8;

	*reason = "ok";
	if (key >= VGPU_BACK_NR_CFG) {
		*reason = "unknown key";
		return -EINVAL;
	}
	if (!val) {
		if (BIT(key) & VGPU_BACK_CFG_REQUIRED) {
			*reason = "missing";
			return -ENOENT;
		}
		val = "0";
	}

	switch (key) {
	case VGPU_BACK_CFG_POOL:
		if (vgpu_back_parse_pool(val, &v8))
			goto bad;
		vm->pool = v8;
		break;
	case VGPU_BACK_CFG_PRIORITY:
		if (vgpu_back_parse_priority(val, &v8))
			goto bad;
		vm->priority = v8;
		break;
	case VGPU_BACK_CFG_VM_ID:
		if (vgpu_back_parse_vm_id(val, &v32))
			goto bad;
		vm->vm_id = v32;
		break;
	case VGPU_BACK_CFG_MEM_QUOTA:
		if (vgpu_back_parse_u64(val, &v64))
			goto bad;
		vm->mem_quota = v64;
		break;
	default:
		if (vgpu_back_parse_u32(val, &v32))
			goto bad;
		if (key == VGPU_BACK_CFG_MAX_INFLIGHT)
			vm->max_inflight = v32;
		else if (key == VGPU_BACK_CFG_MAX_QUEUED)
			vm->max_queued = v32;
		else
			vm->rate_limit = v32;
		break;
	}
	return 0;

bad:
	switch (key) {
	case VGPU_BACK_CFG_POOL:
		*reason = "not one letter A..Z";
		break;
	case VGPU_BACK_CFG_PRIORITY:
		*reason = "not high, medium or low";
		break;
	case VGPU_BACK_CFG_VM_ID:
		*reason = "not a decimal 1..4294967295";
		break;
	case VGPU_BACK_CFG_MEM_QUOTA:
		*reason = "not a decimal 0..18446744073709551615";
		break;
	default:
		*reason = "not a decimal 0..4294967295";
		break;
	}
	return -EINVAL;
}

/**
 * vgpu_back_queue_limit() - requests of a device the worker may hold
 * @max_queued: the device's max-queued key, 0 = @dflt
 * @dflt: the max_queued_per_dev module parameter
 * @ring_size: slots of the device's ring
 *
 * A guest never has more than @ring_size requests outstanding, so a larger
 * limit acts as @ring_size; 0 acts as 1 so that a device always moves.
 *
 * Return: the limit, 1..@ring_size.
 */
unsigned int vgpu_back_queue_limit(u32 max_queued, unsigned int dflt,
				   unsigned int ring_size)
{
	u32 v = max_queued ? max_queued : dflt;

	return clamp_t(u32, v, 1, ring_size);
}

/**
 * vgpu_back_queue_full() - must the backend stop consuming a ring?
 * @outstanding: the device's requests handed to the worker and not
 *	completed (read or not)
 * @limit: vgpu_back_queue_limit()
 *
 * Counting requests until they complete, not only until the worker reads
 * them, bounds the worker's queue for the device: the worker then never
 * has to refuse a request for queue length.
 */
bool vgpu_back_queue_full(unsigned int outstanding, unsigned int limit)
{
	return outstanding >= limit;
}
