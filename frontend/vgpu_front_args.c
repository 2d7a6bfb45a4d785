// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen-free logic of the vgpu frontend (see vgpu_front_args.h). Everything
 * here works on copies: ioctl arguments copied once from user space, and
 * responses copied once off the shared ring.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

#include "vgpu_front_args.h"

/* The wire layout the spec promises, checked where it is built. */
static_assert(sizeof(struct vgpuif_request) == 88);
static_assert(sizeof(struct vgpuif_response) == 32);
static_assert(sizeof(struct vgpuif_info) == 112);
static_assert(sizeof(union vgpuif_request_args) == 40);
static_assert(sizeof(struct vgpu_info) == 120);
static_assert(sizeof(struct vgpu_launch) == 64);
static_assert(sizeof(struct vgpu_mem_set) == 24);
static_assert(sizeof(struct vgpu_mem_copy) == 24);
static_assert(sizeof(struct vgpu_module_global) == 40);
static_assert(sizeof(struct vgpu_device_attrs) == 352);
static_assert(sizeof(struct vgpu_func_attrs) == 56);
static_assert(sizeof(struct vgpuif_func_attrs) == 32);
static_assert(sizeof(struct vgpuif_device_attrs) == 352);
static_assert(sizeof(struct vgpu_event_record) == 16);
static_assert(sizeof(struct vgpu_submit) == 24);
static_assert(sizeof(struct vgpu_submit_op) == 16);
static_assert(VGPU_SUBMIT_WINDOW <= VGPUIF_RING_SIZE);
static_assert(VGPU_ATTR_SLOTS == VGPUIF_ATTR_SLOTS);
static_assert(VGPU_NR_ATTRS == VGPUIF_NR_ATTRS);
static_assert(VGPU_ATTR_PCI_DOMAIN_ID == VGPUIF_ATTR_PCI_DOMAIN_ID);
static_assert(VGPU_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN ==
	      VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN);
static_assert(VGPU_EVENT_F_HOST_CLOCK == VGPUIF_EVENT_F_HOST_CLOCK);
static_assert(VGPU_MEM_ALLOC_MAX == VGPUIF_MAX_ALLOC);
static_assert(VGPUIF_MAX_DATA_LEN / VGPUIF_PAGE_SIZE <=
	      VGPUIF_MAX_INDIRECT_PAGES * VGPUIF_GREFS_PER_INDIRECT_PAGE);
static_assert(VGPU_IMAGE_MAX <= VGPUIF_MAX_DATA_LEN);
static_assert(12ull * VGPU_VECTOR_ADD_MAX <= VGPUIF_MAX_DATA_LEN);
static_assert(VGPUIF_ALIGN8(VGPU_FUNC_NAME_MAX) + VGPU_PARAMS_MAX <=
	      VGPUIF_MAX_DATA_LEN);

bool vgpu_front_op_backend_writes(unsigned int op)
{
	return vgpuif_op_dirs(op) & VGPUIF_DIR_TO_GUEST;
}

static int vgpu_front_bad(const char **field, const char *name, int err)
{
	*field = name;
	return err;
}

int vgpu_front_check_mem_alloc(const struct vgpu_mem_alloc *a,
			       const char **field)
{
	if (!a->size)
		return vgpu_front_bad(field, "size", -EINVAL);
	if (a->size > VGPU_MEM_ALLOC_MAX)
		return vgpu_front_bad(field, "size", -E2BIG);
	return 0;
}

int vgpu_front_check_mem_xfer(const struct vgpu_mem_xfer *x,
			      const char **field)
{
	if (!x->len)
		return vgpu_front_bad(field, "len", -EINVAL);
	if (x->len > VGPU_XFER_MAX)
		return vgpu_front_bad(field, "len", -E2BIG);
	/* [dptr, dptr + len) cannot lie in one allocation if it wraps. */
	if (x->dptr + x->len - 1 < x->dptr)
		return vgpu_front_bad(field, "dptr", -EINVAL);
	return 0;
}

int vgpu_front_check_module_load(const struct vgpu_module_load *m,
				 const char **field)
{
	if (!m->size)
		return vgpu_front_bad(field, "size", -EINVAL);
	if (m->size > VGPU_IMAGE_MAX)
		return vgpu_front_bad(field, "size", -E2BIG);
	return 0;
}

int vgpu_front_check_launch(const struct vgpu_launch *l, const char **field)
{
	unsigned int i;

	if (l->reserved)
		return vgpu_front_bad(field, "reserved", -EINVAL);
	if (!l->name_len)
		return vgpu_front_bad(field, "name_len", -EINVAL);
	if (l->name_len > VGPU_FUNC_NAME_MAX)
		return vgpu_front_bad(field, "name_len", -E2BIG);
	if (l->params_len > VGPU_PARAMS_MAX)
		return vgpu_front_bad(field, "params_len", -E2BIG);
	for (i = 0; i < 3; i++) {
		if (!l->grid[i] || l->grid[i] > VGPUIF_MAX_GRID_DIM)
			return vgpu_front_bad(field, "grid", -EINVAL);
	}
	for (i = 0; i < 3; i++) {
		if (!l->block[i] || l->block[i] > VGPUIF_MAX_BLOCK_DIM)
			return vgpu_front_bad(field, "block", -EINVAL);
	}
	/* Each factor is at most 1024 here, so the product fits in 64 bits. */
	if ((u64)l->block[0] * l->block[1] * l->block[2] > VGPUIF_MAX_BLOCK_DIM)
		return vgpu_front_bad(field, "block", -EINVAL);
	return 0;
}

int vgpu_front_check_vector_add(const struct vgpu_vector_add *v,
				const char **field)
{
	if (v->reserved)
		return vgpu_front_bad(field, "reserved", -EINVAL);
	if (!v->n)
		return vgpu_front_bad(field, "n", -EINVAL);
	if (v->n > VGPU_VECTOR_ADD_MAX)
		return vgpu_front_bad(field, "n", -E2BIG);
	return 0;
}

/* [@addr, @addr + @len) wraps: it cannot lie in one allocation. */
static bool vgpu_front_wraps(u64 addr, u64 len)
{
	return addr + len - 1 < addr;
}

int vgpu_front_check_mem_set(const struct vgpu_mem_set *m, const char **field)
{
	u32 e = m->elem_size;

	if (e != 1 && e != 2 && e != 4)
		return vgpu_front_bad(field, "elem_size", -EINVAL);
	if (e < 4 && (m->value >> (8 * e)))
		return vgpu_front_bad(field, "value", -EINVAL);
	if (!m->size || (m->size & (e - 1)))
		return vgpu_front_bad(field, "size", -EINVAL);
	if (m->size > VGPU_MEM_ALLOC_MAX)
		return vgpu_front_bad(field, "size", -E2BIG);
	if ((m->dptr & (e - 1)) || vgpu_front_wraps(m->dptr, m->size))
		return vgpu_front_bad(field, "dptr", -EINVAL);
	return 0;
}

int vgpu_front_check_mem_copy(const struct vgpu_mem_copy *c,
			      const char **field)
{
	if (!c->size)
		return vgpu_front_bad(field, "size", -EINVAL);
	if (c->size > VGPU_MEM_ALLOC_MAX)
		return vgpu_front_bad(field, "size", -E2BIG);
	if (vgpu_front_wraps(c->dst, c->size))
		return vgpu_front_bad(field, "dst", -EINVAL);
	if (vgpu_front_wraps(c->src, c->size))
		return vgpu_front_bad(field, "src", -EINVAL);
	return 0;
}

int vgpu_front_check_module_global(const struct vgpu_module_global *g,
				   const char **field)
{
	if (g->reserved)
		return vgpu_front_bad(field, "reserved", -EINVAL);
	if (!g->name_len)
		return vgpu_front_bad(field, "name_len", -EINVAL);
	if (g->name_len > VGPU_FUNC_NAME_MAX)
		return vgpu_front_bad(field, "name_len", -E2BIG);
	return 0;
}

int vgpu_front_check_func_attrs(const struct vgpu_func_attrs *f,
				const char **field)
{
	if (f->reserved)
		return vgpu_front_bad(field, "reserved", -EINVAL);
	if (!f->name_len)
		return vgpu_front_bad(field, "name_len", -EINVAL);
	if (f->name_len > VGPU_FUNC_NAME_MAX)
		return vgpu_front_bad(field, "name_len", -E2BIG);
	return 0;
}

int vgpu_front_check_submit(const struct vgpu_submit *s, const char **field)
{
	if (s->flags)
		return vgpu_front_bad(field, "flags", -EINVAL);
	if (!s->count)
		return vgpu_front_bad(field, "count", -EINVAL);
	if (s->count > VGPU_SUBMIT_MAX)
		return vgpu_front_bad(field, "count", -E2BIG);
	return 0;
}

u32 vgpu_front_async_arg_size(u32 cmd)
{
	switch (cmd) {
	case VGPU_IOC_LAUNCH:
		return sizeof(struct vgpu_launch);
	case VGPU_IOC_MEM_SET:
		return sizeof(struct vgpu_mem_set);
	case VGPU_IOC_MEM_COPY:
		return sizeof(struct vgpu_mem_copy);
	default:
		return 0;
	}
}

int vgpu_front_check_submit_op(const struct vgpu_submit_op *op,
			       const char **field)
{
	if (op->reserved)
		return vgpu_front_bad(field, "element reserved", -EINVAL);
	if (!vgpu_front_async_arg_size(op->cmd))
		return vgpu_front_bad(field, "element cmd", -EINVAL);
	return 0;
}

u8 vgpu_front_async_op(u32 cmd)
{
	switch (cmd) {
	case VGPU_IOC_LAUNCH:
		return VGPUIF_OP_LAUNCH;
	case VGPU_IOC_MEM_SET:
		return VGPUIF_OP_MEM_SET;
	default:
		return VGPUIF_OP_MEM_COPY;
	}
}

int vgpu_front_check_async(u32 cmd, const union vgpu_front_async_arg *a,
			   const char **field)
{
	switch (cmd) {
	case VGPU_IOC_LAUNCH:
		return vgpu_front_check_launch(&a->launch, field);
	case VGPU_IOC_MEM_SET:
		return vgpu_front_check_mem_set(&a->set, field);
	case VGPU_IOC_MEM_COPY:
		return vgpu_front_check_mem_copy(&a->copy, field);
	default:
		return vgpu_front_bad(field, "cmd", -EINVAL);
	}
}

int vgpu_front_status_to_errno(s32 status)
{
	switch (status) {
	case VGPUIF_RSP_OKAY:
		return 0;
	case VGPUIF_RSP_INVALID:
		return -EINVAL;
	case VGPUIF_RSP_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case VGPUIF_RSP_NO_MEMORY:
		return -ENOMEM;
	case VGPUIF_RSP_QUOTA:
		return -EDQUOT;
	case VGPUIF_RSP_BAD_HANDLE:
		return -ENOENT;
	case VGPUIF_RSP_RANGE:
		return -ERANGE;
	case VGPUIF_RSP_NO_WORKER:
		return -EHOSTDOWN;
	case VGPUIF_RSP_TIMEOUT:
		return -ETIMEDOUT;
	case VGPUIF_RSP_RATE_LIMITED:
		return -EAGAIN;
	case VGPUIF_RSP_BUSY:
		return -EBUSY;
	case VGPUIF_RSP_FAULT:
		return -EFAULT;
	case VGPUIF_RSP_NOT_FOUND:
		return -ESRCH;
	/*
	 * Not ENODEV (this device was unplugged: close the file) nor EAGAIN
	 * (the VM's own rate limit): the device and the worker are there,
	 * the GPU behind them is not, for now - a drive without its medium.
	 */
	case VGPUIF_RSP_DEVICE_LOST:
		return -ENOMEDIUM;
	case VGPUIF_RSP_ERROR:
	default:
		return -EIO;
	}
}

int vgpu_front_rsp_result(const struct vgpuif_request *req,
			  const struct vgpuif_response *rsp)
{
	if (rsp->operation != req->operation)
		return -EIO;
	return vgpu_front_status_to_errno(rsp->status);
}

unsigned int vgpu_front_choose_version(unsigned int backend_version)
{
	if (!backend_version)
		return 0;
	return min_t(unsigned int, backend_version, VGPUIF_PROTOCOL_VERSION);
}

/*
 * The largest data_len the frontend sends on this connection: the backend's
 * max-data-len, at most the protocol's, at most what direct grants reach
 * when the backend has no feature-indirect, in whole pages so that chunks of
 * a large transfer stay page-aligned. 0 when that is not even one page.
 */
u32 vgpu_front_max_data_len(unsigned int backend_max, bool indirect)
{
	u32 max = min_t(u32, backend_max, VGPUIF_MAX_DATA_LEN);

	if (!indirect)
		max = min_t(u32, max,
			    VGPUIF_MAX_DIRECT_SEGS * VGPUIF_PAGE_SIZE);
	return max & ~(u32)(VGPUIF_PAGE_SIZE - 1);
}

int vgpu_front_layout(u64 data_len, bool indirect,
		      struct vgpu_front_layout *l)
{
	u32 pages;

	memset(l, 0, sizeof(*l));
	if (data_len > VGPUIF_MAX_DATA_LEN)
		return -E2BIG;
	pages = DIV_ROUND_UP((u32)data_len, VGPUIF_PAGE_SIZE);
	if (pages > VGPUIF_MAX_DIRECT_SEGS && !indirect)
		return -E2BIG;
	l->data_len = data_len;
	l->nr_data_pages = pages;
	if (pages <= VGPUIF_MAX_DIRECT_SEGS) {
		l->nr_segments = pages;
		return 0;
	}
	l->nr_indirect = DIV_ROUND_UP(pages, VGPUIF_GREFS_PER_INDIRECT_PAGE);
	l->nr_segments = l->nr_indirect;
	l->flags = VGPUIF_REQ_F_INDIRECT;
	return 0;
}

void vgpu_front_set_grants(struct vgpuif_request *req,
			   const struct vgpu_front_layout *l,
			   const grant_ref_t *data_grefs,
			   const grant_ref_t *ind_grefs, u32 *const *ind)
{
	u32 i, j, n;

	req->nr_segments = l->nr_segments;
	req->flags = l->flags;
	memset(req->gref, 0, sizeof(req->gref));
	if (!(l->flags & VGPUIF_REQ_F_INDIRECT)) {
		for (i = 0; i < l->nr_data_pages; i++)
			req->gref[i] = data_grefs[i];
		return;
	}
	for (i = 0; i < l->nr_indirect; i++) {
		req->gref[i] = ind_grefs[i];
		n = min_t(u32, l->nr_data_pages -
			  i * VGPUIF_GREFS_PER_INDIRECT_PAGE,
			  VGPUIF_GREFS_PER_INDIRECT_PAGE);
		for (j = 0; j < n; j++)
			ind[i][j] = data_grefs[i * VGPUIF_GREFS_PER_INDIRECT_PAGE
					       + j];
		for (; j < VGPUIF_GREFS_PER_INDIRECT_PAGE; j++)
			ind[i][j] = 0;
	}
}

u64 vgpu_front_xfer_nr_chunks(u64 len, u32 chunk_max)
{
	if (!chunk_max)
		return 0;
	return len / chunk_max + !!(len % chunk_max);
}

void vgpu_front_xfer_chunk(u64 len, u32 chunk_max, u64 idx, u64 *off,
			   u32 *chunk_len)
{
	u64 start = idx * chunk_max;

	*off = start;
	*chunk_len = start < len ? min_t(u64, len - start, chunk_max) : 0;
}

static void vgpu_front_hdr(struct vgpuif_request *req, u8 op, u32 data_len)
{
	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->data_len = data_len;
}

void vgpu_front_build_simple(struct vgpuif_request *req, u8 op)
{
	vgpu_front_hdr(req, op, 0);
}

void vgpu_front_build_get_info(struct vgpuif_request *req)
{
	vgpu_front_hdr(req, VGPUIF_OP_GET_INFO, sizeof(struct vgpuif_info));
}

void vgpu_front_build_mem_alloc(struct vgpuif_request *req,
				const struct vgpu_mem_alloc *a)
{
	vgpu_front_hdr(req, VGPUIF_OP_MEM_ALLOC, 0);
	req->u.mem.size = a->size;
}

void vgpu_front_build_mem_free(struct vgpuif_request *req,
			       const struct vgpu_mem_free *f)
{
	vgpu_front_hdr(req, VGPUIF_OP_MEM_FREE, 0);
	req->u.mem.dptr = f->dptr;
}

void vgpu_front_build_xfer(struct vgpuif_request *req, u8 op, u64 dptr,
			   u32 len)
{
	vgpu_front_hdr(req, op, len);
	req->u.mem.dptr = dptr;
}

void vgpu_front_build_module_load(struct vgpuif_request *req,
				  const struct vgpu_module_load *m)
{
	vgpu_front_hdr(req, VGPUIF_OP_MODULE_LOAD, m->size);
}

void vgpu_front_build_module_unload(struct vgpuif_request *req,
				    const struct vgpu_module_unload *u)
{
	vgpu_front_hdr(req, VGPUIF_OP_MODULE_UNLOAD, 0);
	req->u.module.handle = u->handle;
}

void vgpu_front_build_launch(struct vgpuif_request *req,
			     const struct vgpu_launch *l)
{
	unsigned int i;

	vgpu_front_hdr(req, VGPUIF_OP_LAUNCH,
		       vgpu_front_launch_params_off(l->name_len) +
		       l->params_len);
	req->u.launch.module = l->module;
	for (i = 0; i < 3; i++) {
		req->u.launch.grid[i] = l->grid[i];
		req->u.launch.block[i] = l->block[i];
	}
	req->u.launch.shared_mem = l->shared_mem;
	req->u.launch.name_len = l->name_len;
	req->u.launch.params_len = l->params_len;
}

void vgpu_front_build_vector_add(struct vgpuif_request *req,
				 const struct vgpu_vector_add *v)
{
	vgpu_front_hdr(req, VGPUIF_OP_VECTOR_ADD, 12 * v->n);
	req->u.vector_add.n = v->n;
}

void vgpu_front_build_mem_set(struct vgpuif_request *req,
			      const struct vgpu_mem_set *m)
{
	vgpu_front_hdr(req, VGPUIF_OP_MEM_SET, 0);
	req->u.memset.dptr = m->dptr;
	req->u.memset.size = m->size;
	req->u.memset.value = m->value;
	req->u.memset.elem_size = m->elem_size;
}

void vgpu_front_build_mem_copy(struct vgpuif_request *req,
			       const struct vgpu_mem_copy *c)
{
	vgpu_front_hdr(req, VGPUIF_OP_MEM_COPY, 0);
	req->u.copy.dst = c->dst;
	req->u.copy.src = c->src;
	req->u.copy.size = c->size;
}

void vgpu_front_build_async(struct vgpuif_request *req, u32 cmd,
			    const union vgpu_front_async_arg *a)
{
	switch (cmd) {
	case VGPU_IOC_LAUNCH:
		vgpu_front_build_launch(req, &a->launch);
		break;
	case VGPU_IOC_MEM_SET:
		vgpu_front_build_mem_set(req, &a->set);
		break;
	default:
		vgpu_front_build_mem_copy(req, &a->copy);
		break;
	}
}

void vgpu_front_build_module_global(struct vgpuif_request *req,
				    const struct vgpu_module_global *g)
{
	vgpu_front_hdr(req, VGPUIF_OP_MODULE_GET_GLOBAL, g->name_len);
	req->u.global.module = g->module;
	req->u.global.name_len = g->name_len;
}

void vgpu_front_build_func_attrs(struct vgpuif_request *req,
				 const struct vgpu_func_attrs *f)
{
	vgpu_front_hdr(req, VGPUIF_OP_FUNC_ATTRS,
		       VGPUIF_ALIGN8(f->name_len) +
		       sizeof(struct vgpuif_func_attrs));
	req->u.func.module = f->module;
	req->u.func.name_len = f->name_len;
}

void vgpu_front_func_attrs_from_wire(struct vgpu_func_attrs *out,
				     const struct vgpuif_func_attrs *in)
{
	out->num_regs = in->num_regs;
	out->shared_size = in->shared_size;
	out->const_size = in->const_size;
	out->local_size = in->local_size;
	out->max_threads_per_block = in->max_threads_per_block;
	out->ptx_version = in->ptx_version;
	out->binary_version = in->binary_version;
	out->max_dynamic_shared = in->max_dynamic_shared;
}

void vgpu_front_build_device_attrs(struct vgpuif_request *req)
{
	vgpu_front_hdr(req, VGPUIF_OP_DEVICE_ATTRS,
		       sizeof(struct vgpuif_device_attrs));
}

void vgpu_front_attrs_from_wire(struct vgpu_device_attrs *out,
				const struct vgpuif_device_attrs *in)
{
	u32 i;

	memset(out, 0, sizeof(*out));
	/* The worker's count is not trusted to be in range. */
	out->nr_attrs = min_t(u32, in->nr_attrs, VGPU_NR_ATTRS);
	out->flags = in->flags;
	out->total_mem = in->total_mem;
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
	memcpy(out->name, in->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	for (i = 0; i < out->nr_attrs; i++)
		out->attr[i] = in->attr[i];
}

void vgpu_front_info_from_wire(struct vgpu_info *out,
			       const struct vgpuif_info *in)
{
	memset(out, 0, sizeof(*out));
	out->api_version = VGPU_API_VERSION;
	out->protocol_version = in->protocol_version;
	out->vm_id = in->vm_id;
	out->pool = in->pool;
	out->priority = in->priority;
	out->flags = in->flags;
	out->mem_total = in->mem_total;
	out->mem_free = in->mem_free;
	out->mem_quota = in->mem_quota;
	out->mem_used = in->mem_used;
	/* The worker's string is not trusted to be terminated. */
	memcpy(out->device_name, in->device_name, sizeof(out->device_name));
	out->device_name[sizeof(out->device_name) - 1] = '\0';
}
