/* SPDX-License-Identifier: MIT */
/*
 * Per-VM admission limits of vgpu-worker: pure logic, time passed in.
 *
 * When the worker reads a request it admits it or refuses it at once:
 *  - in flight: a request is in flight from the moment the worker admits
 *    it (queued in the scheduler) until its completion is written. Over
 *    the VM's max-inflight: VGPUIF_RSP_BUSY. Checked first, so a request
 *    refused busy costs no token.
 *  - rate: a token bucket per VM holding up to `burst` requests, refilled
 *    at rate-limit per second; a request takes one token, none left:
 *    VGPUIF_RSP_RATE_LIMITED. A refused request takes no token.
 * Queue length is not checked here: the backend stops reading a VM's ring
 * while the VM has max-queued requests in the worker (back-pressure).
 *
 * Tokens are counted in billionths of a request, so a refill over any
 * number of nanoseconds is exact integer arithmetic.
 */
#ifndef VGPU_WORKER_LIMITS_H
#define VGPU_WORKER_LIMITS_H

#include <stdint.h>

#define TBUCKET_UNIT	1000000000ull	/* one request, in token units */

struct tbucket {
	uint64_t tokens;	/* TBUCKET_UNIT per request */
	uint64_t last_ns;	/* clock at the last refill */
	uint32_t rate;		/* requests per second, 0 = no limit */
	uint32_t burst;		/* requests the bucket holds */
};

/*
 * (Re)configures @b: @rate per second (0: no limit), @burst requests (0:
 * one second's worth, @rate). A new limit starts with a full bucket; a
 * changed one keeps the tokens it has, up to the new size.
 */
void tbucket_set(struct tbucket *b, uint32_t rate, uint32_t burst,
		 uint64_t now_ns);

/* Takes one token: 1 if the request may go, 0 if over the rate. */
int tbucket_take(struct tbucket *b, uint64_t now_ns);

/*
 * The status a request of a VM gets on arrival: VGPUIF_RSP_OKAY (admitted:
 * a token was taken), VGPUIF_RSP_BUSY or VGPUIF_RSP_RATE_LIMITED.
 * @inflight: the VM's requests in flight before this one; @max_inflight:
 * 0 = no limit.
 */
int32_t limits_admit(struct tbucket *b, uint32_t inflight,
		     uint32_t max_inflight, uint64_t now_ns);

#endif
