/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen-free logic of the vgpu frontend: checking of ioctl arguments against
 * the limits of uapi/linux/vgpu.h, mapping of ring statuses to errno values,
 * the data page and grant layout of a request, the splitting of large
 * transfers, and the building of request headers.
 *
 * Nothing here may include xen/page.h, xen/grant_table.h or xen/events.h:
 * KUnit builds this file in User Mode Linux (tests/kunit).
 */
#ifndef VGPU_FRONT_ARGS_H
#define VGPU_FRONT_ARGS_H

#include <linux/types.h>

#include "../include/vgpu/vgpuif.h"
#include "../include/vgpu/vgpuif_ops.h"
#include "../include/uapi/linux/vgpu.h"

/* Whether the data pages of @op must be granted writable. */
bool vgpu_front_op_backend_writes(unsigned int op);

/*
 * Argument checks. Each returns 0, -EINVAL (malformed) or -E2BIG (a length
 * over its limit) and on error points *field at the name of the first bad
 * field, for the log line.
 */
int vgpu_front_check_mem_alloc(const struct vgpu_mem_alloc *a,
			       const char **field);
int vgpu_front_check_mem_xfer(const struct vgpu_mem_xfer *x,
			      const char **field);
int vgpu_front_check_module_load(const struct vgpu_module_load *m,
				 const char **field);
int vgpu_front_check_launch(const struct vgpu_launch *l, const char **field);
int vgpu_front_check_mem_set(const struct vgpu_mem_set *m, const char **field);
int vgpu_front_check_mem_copy(const struct vgpu_mem_copy *c,
			      const char **field);
int vgpu_front_check_func_attrs(const struct vgpu_func_attrs *f,
				const char **field);
int vgpu_front_check_module_global(const struct vgpu_module_global *g,
				   const char **field);
int vgpu_front_check_vector_add(const struct vgpu_vector_add *v,
				const char **field);

/*
 * The operations VGPU_IOC_SUBMIT may carry (LAUNCH, MEM_SET, MEM_COPY), by
 * their ioctl number: the same argument structures, the same checks and
 * request headers as the single ioctls, which use these too.
 */
union vgpu_front_async_arg {
	struct vgpu_launch launch;
	struct vgpu_mem_set set;
	struct vgpu_mem_copy copy;
};

/* The SUBMIT header: count 1..VGPU_SUBMIT_MAX, flags 0. */
int vgpu_front_check_submit(const struct vgpu_submit *s, const char **field);
/* One element: reserved 0, cmd one of the three (-EINVAL otherwise). */
int vgpu_front_check_submit_op(const struct vgpu_submit_op *op,
			       const char **field);
/* Bytes of @cmd's argument structure; 0 for a cmd SUBMIT cannot carry. */
u32 vgpu_front_async_arg_size(u32 cmd);
/* The VGPUIF_OP_* of a cmd that passed vgpu_front_check_submit_op(). */
u8 vgpu_front_async_op(u32 cmd);
/* The single ioctl's check of @a (vgpu_front_check_launch() ...). */
int vgpu_front_check_async(u32 cmd, const union vgpu_front_async_arg *a,
			   const char **field);

/* VGPUIF_RSP_* to 0 or a negative errno; unknown statuses are -EIO. */
int vgpu_front_status_to_errno(s32 status);

/*
 * The result of a response to @req: -EIO if the response names another
 * operation (a buggy backend), else vgpu_front_status_to_errno().
 */
int vgpu_front_rsp_result(const struct vgpuif_request *req,
			  const struct vgpuif_response *rsp);

/* What the frontend and this backend can use, chosen at connect time. */
unsigned int vgpu_front_choose_version(unsigned int backend_version);
u32 vgpu_front_max_data_len(unsigned int backend_max, bool indirect);

/* How a buffer of data_len bytes maps to grant references. */
struct vgpu_front_layout {
	u32 data_len;
	u32 nr_data_pages;	/* data pages */
	u32 nr_indirect;	/* indirect pages; 0 when direct */
	u8 nr_segments;		/* gref[] entries of the request */
	u16 flags;		/* VGPUIF_REQ_F_INDIRECT or 0 */
};

int vgpu_front_layout(u64 data_len, bool indirect,
		      struct vgpu_front_layout *l);

static inline u32 vgpu_front_layout_grants(const struct vgpu_front_layout *l)
{
	return l->nr_data_pages + l->nr_indirect;
}

/*
 * Fill req->nr_segments, flags and gref[] from the layout, and the indirect
 * pages (each VGPUIF_PAGE_SIZE bytes, at ind[i]) with the data grants.
 * Unused gref[] entries and indirect page entries are set to 0.
 */
void vgpu_front_set_grants(struct vgpuif_request *req,
			   const struct vgpu_front_layout *l,
			   const grant_ref_t *data_grefs,
			   const grant_ref_t *ind_grefs, u32 *const *ind);

/* MEM_WRITE/MEM_READ of len bytes in chunks of at most chunk_max bytes. */
u64 vgpu_front_xfer_nr_chunks(u64 len, u32 chunk_max);
void vgpu_front_xfer_chunk(u64 len, u32 chunk_max, u64 idx, u64 *off,
			   u32 *chunk_len);

/*
 * Request headers. Each clears *req and sets id 0, operation, data_len and
 * the argument union; the caller sets id and grants. The arguments must have
 * passed the matching check.
 */
void vgpu_front_build_simple(struct vgpuif_request *req, u8 op);
void vgpu_front_build_get_info(struct vgpuif_request *req);
void vgpu_front_build_mem_alloc(struct vgpuif_request *req,
				const struct vgpu_mem_alloc *a);
void vgpu_front_build_mem_free(struct vgpuif_request *req,
			       const struct vgpu_mem_free *f);
void vgpu_front_build_xfer(struct vgpuif_request *req, u8 op, u64 dptr,
			   u32 len);
void vgpu_front_build_module_load(struct vgpuif_request *req,
				  const struct vgpu_module_load *m);
void vgpu_front_build_module_unload(struct vgpuif_request *req,
				    const struct vgpu_module_unload *u);
void vgpu_front_build_launch(struct vgpuif_request *req,
			     const struct vgpu_launch *l);
void vgpu_front_build_vector_add(struct vgpuif_request *req,
				 const struct vgpu_vector_add *v);

/* Offset of the parameter blob in a LAUNCH buffer. */
static inline u32 vgpu_front_launch_params_off(u32 name_len)
{
	return VGPUIF_ALIGN8(name_len);
}

/* struct vgpu_info for the caller from what the worker wrote. */
void vgpu_front_build_mem_set(struct vgpuif_request *req,
			      const struct vgpu_mem_set *m);
void vgpu_front_build_mem_copy(struct vgpuif_request *req,
			       const struct vgpu_mem_copy *c);
/* The header of an @a that passed vgpu_front_check_async(). */
void vgpu_front_build_async(struct vgpuif_request *req, u32 cmd,
			    const union vgpu_front_async_arg *a);
void vgpu_front_build_module_global(struct vgpuif_request *req,
				    const struct vgpu_module_global *g);
void vgpu_front_build_device_attrs(struct vgpuif_request *req);
void vgpu_front_build_func_attrs(struct vgpuif_request *req,
				 const struct vgpu_func_attrs *f);
/* Copies the worker's values; the caller's module, name, lengths stay. */
void vgpu_front_func_attrs_from_wire(struct vgpu_func_attrs *out,
				     const struct vgpuif_func_attrs *in);
/* Copies @in, with nr_attrs at most VGPU_NR_ATTRS and the name ended. */
void vgpu_front_attrs_from_wire(struct vgpu_device_attrs *out,
				const struct vgpuif_device_attrs *in);
void vgpu_front_info_from_wire(struct vgpu_info *out,
			       const struct vgpuif_info *in);

#endif /* VGPU_FRONT_ARGS_H */
