/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ring index checks of the vgpu backend.
 *
 * The guest owns the shared ring page and may write any value to req_prod at
 * any time. Before the backend consumes requests it reads req_prod once,
 * issues a read barrier, and passes that one value here together with its
 * private indices. Only the count returned here may be consumed.
 *
 * Xen-free on purpose: KUnit builds this file in User Mode Linux.
 */
#ifndef VGPU_RING_CHECK_H
#define VGPU_RING_CHECK_H

#include <linux/types.h>
#include <xen/interface/io/ring.h>

int vgpu_ring_check_indices(RING_IDX req_prod, RING_IDX req_cons,
			    RING_IDX rsp_prod_pvt, unsigned int ring_size,
			    unsigned int *nr_avail);

/*
 * vgpu_back_ring_check() - vgpu_ring_check_indices() on a back ring
 * @_r: the back ring (any type made by DEFINE_RING_TYPES)
 * @_rp: req_prod, read once from (_r)->sring and followed by virt_rmb()
 * @_n: where the number of requests the backend may consume is stored
 */
#define vgpu_back_ring_check(_r, _rp, _n)				\
	vgpu_ring_check_indices((_rp), (_r)->req_cons, (_r)->rsp_prod_pvt, \
				RING_SIZE(_r), (_n))

#endif /* VGPU_RING_CHECK_H */
