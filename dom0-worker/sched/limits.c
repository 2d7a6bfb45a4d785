// SPDX-License-Identifier: MIT
/* Per-VM admission: in-flight bound and token bucket (see limits.h). */
#include "limits.h"

#include <vgpu/vgpuif.h>

static uint64_t capacity(const struct tbucket *b)
{
	return (uint64_t)b->burst * TBUCKET_UNIT;
}

static void refill(struct tbucket *b, uint64_t now_ns)
{
	uint64_t cap = capacity(b), dt;

	if (now_ns <= b->last_ns)
		return;		/* a clock that stood still adds nothing */
	dt = now_ns - b->last_ns;
	b->last_ns = now_ns;
	/* dt * rate overflows only past a full bucket: test before. */
	if (dt >= cap / b->rate || cap - b->tokens <= dt * b->rate)
		b->tokens = cap;
	else
		b->tokens += dt * b->rate;
}

void tbucket_set(struct tbucket *b, uint32_t rate, uint32_t burst,
		 uint64_t now_ns)
{
	int fresh = !b->rate;

	if (b->rate)
		refill(b, now_ns);
	b->rate = rate;
	b->burst = burst ? burst : rate;
	b->last_ns = now_ns;
	if (!rate)
		b->tokens = 0;
	else if (fresh || b->tokens > capacity(b))
		b->tokens = capacity(b);
}

int tbucket_take(struct tbucket *b, uint64_t now_ns)
{
	if (!b->rate)
		return 1;
	refill(b, now_ns);
	if (b->tokens < TBUCKET_UNIT)
		return 0;
	b->tokens -= TBUCKET_UNIT;
	return 1;
}

int32_t limits_admit(struct tbucket *b, uint32_t inflight,
		     uint32_t max_inflight, uint64_t now_ns)
{
	if (max_inflight && inflight >= max_inflight)
		return VGPUIF_RSP_BUSY;
	if (!tbucket_take(b, now_ns))
		return VGPUIF_RSP_RATE_LIMITED;
	return VGPUIF_RSP_OKAY;
}
