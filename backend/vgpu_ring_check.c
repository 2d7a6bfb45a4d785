// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring index checks of the vgpu backend: decide how many requests the
 * backend may consume from a ring whose producer index the guest controls.
 *
 * All indices are free-running 32-bit counters (RING_IDX) that wrap at 2^32;
 * every comparison below is on unsigned differences, which stay correct
 * across the wrap as long as the true distances are below 2^31.
 */
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/types.h>
#include <xen/interface/io/ring.h>

#include "vgpu_ring_check.h"

/**
 * vgpu_ring_check_indices() - validate ring indices before consuming requests
 * @req_prod: the producer index the guest published (read once by the caller)
 * @req_cons: the backend's private consumer index
 * @rsp_prod_pvt: the backend's private response producer index
 * @ring_size: RING_SIZE() of the ring: a power of two, at most 2^31
 * @nr_avail: set to the number of requests that may be consumed, from index
 *            @req_cons on; set to 0 on error
 *
 * Requests between @rsp_prod_pvt and @req_cons have been consumed but not yet
 * answered; their slots still hold responses to come. Consuming more than
 * @ring_size - (@req_cons - @rsp_prod_pvt) requests would overwrite them, so
 * that is the most a well-behaved guest can have produced.
 *
 * A full ring (@ring_size requests consumed and unanswered) is not an error:
 * *@nr_avail is 0 and the backend waits for responses (back-pressure), as
 * RING_REQUEST_CONS_OVERFLOW() stops blkback's loop.
 *
 * Return: 0 on success. -EOVERFLOW if the guest claims more requests than
 * the ring can hold (RING_REQUEST_PROD_OVERFLOW()), if its producer index is
 * behind the backend's consumer index (it moved back), or if the backend's
 * own indices are already past RING_REQUEST_CONS_OVERFLOW(); the caller must
 * stop processing that ring. -EINVAL if @ring_size is not a power of two in
 * [1, 2^31] or @nr_avail is NULL.
 */
int vgpu_ring_check_indices(RING_IDX req_prod, RING_IDX req_cons,
			    RING_IDX rsp_prod_pvt, unsigned int ring_size,
			    unsigned int *nr_avail)
{
	/* Consumed but not yet answered (the backend's own bookkeeping). */
	RING_IDX in_flight = req_cons - rsp_prod_pvt;
	/* Produced and not yet answered, as the guest claims. */
	RING_IDX claimed = req_prod - rsp_prod_pvt;

	if (!nr_avail)
		return -EINVAL;
	*nr_avail = 0;
	if (!is_power_of_2(ring_size) || ring_size > 1U << 31)
		return -EINVAL;

	if (in_flight > ring_size)
		return -EOVERFLOW;
	/* RING_REQUEST_PROD_OVERFLOW(): more requests than slots. */
	if (claimed > ring_size)
		return -EOVERFLOW;
	/* req_prod lies between rsp_prod_pvt and req_cons: it went back. */
	if (claimed < in_flight)
		return -EOVERFLOW;

	/*
	 * Now in_flight <= claimed <= ring_size, so consuming all of them
	 * keeps req_cons - rsp_prod_pvt <= ring_size: none of these requests
	 * trips RING_REQUEST_CONS_OVERFLOW().
	 */
	*nr_avail = claimed - in_flight;
	return 0;
}
