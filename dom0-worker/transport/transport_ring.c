// SPDX-License-Identifier: MIT
/* The worker's end of /dev/vgpu-back's shared rings (transport_ring.h). */
#include <errno.h>
#include <string.h>

#include "transport_ring.h"

static int pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* [off, off + n * size) lies inside [lo, len). */
static int inside(uint64_t off, uint64_t n, uint64_t size, uint64_t lo,
		  uint64_t len)
{
	return off >= lo && off <= len && n <= (len - off) / size;
}

int tring_init(struct tring *r, void *area, size_t len,
	       const struct vgpu_back_rings_setup *s)
{
	const uint64_t hdr = sizeof(struct vgpu_back_rings_hdr);
	uint64_t ev_end, cp_end;

	if (!pow2(s->ev_entries) || !pow2(s->cp_entries) ||
	    s->ev_offset % _Alignof(struct vgpu_back_event) ||
	    s->cp_offset % _Alignof(struct vgpu_back_completion) ||
	    !inside(s->ev_offset, s->ev_entries, sizeof(*r->ev), hdr, len) ||
	    !inside(s->cp_offset, s->cp_entries, sizeof(*r->cp), hdr, len))
		return -EPROTO;
	ev_end = s->ev_offset + (uint64_t)s->ev_entries * sizeof(*r->ev);
	cp_end = s->cp_offset + (uint64_t)s->cp_entries * sizeof(*r->cp);
	if (s->ev_offset < cp_end && s->cp_offset < ev_end)
		return -EPROTO;	/* the rings overlap */
	r->hdr = area;
	r->ev = (struct vgpu_back_event *)((char *)area + s->ev_offset);
	r->cp = (struct vgpu_back_completion *)((char *)area + s->cp_offset);
	r->ev_entries = s->ev_entries;
	r->cp_entries = s->cp_entries;
	r->ev_cons = __atomic_load_n(&r->hdr->ev_prod, __ATOMIC_ACQUIRE);
	r->cp_prod = __atomic_load_n(&r->hdr->cp_cons, __ATOMIC_ACQUIRE);
	__atomic_store_n(&r->hdr->ev_cons, r->ev_cons, __ATOMIC_RELEASE);
	__atomic_store_n(&r->hdr->cp_prod, r->cp_prod, __ATOMIC_RELEASE);
	return 0;
}

int tring_read_events(struct tring *r, struct vgpu_back_event *ev,
		      unsigned int max)
{
	uint32_t prod = __atomic_load_n(&r->hdr->ev_prod, __ATOMIC_ACQUIRE);
	uint32_t avail = prod - r->ev_cons;
	unsigned int i;

	if (avail > r->ev_entries)
		return -EPROTO;
	if (avail > max)
		avail = max;
	for (i = 0; i < avail; i++)
		memcpy(&ev[i], &r->ev[(r->ev_cons + i) & (r->ev_entries - 1)],
		       sizeof(*ev));
	if (avail) {
		r->ev_cons += avail;
		/* Our reads of the slots come before the backend reuses them. */
		__atomic_store_n(&r->hdr->ev_cons, r->ev_cons, __ATOMIC_RELEASE);
	}
	return (int)avail;
}

int tring_write_completions(struct tring *r,
			    const struct vgpu_back_completion *c,
			    unsigned int n)
{
	uint32_t cons = __atomic_load_n(&r->hdr->cp_cons, __ATOMIC_ACQUIRE);
	uint32_t used = r->cp_prod - cons, room;
	unsigned int i;

	if (used > r->cp_entries)
		return -EPROTO;
	room = r->cp_entries - used;
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		memcpy(&r->cp[(r->cp_prod + i) & (r->cp_entries - 1)], &c[i],
		       sizeof(*c));
	if (n) {
		r->cp_prod += n;
		__atomic_store_n(&r->hdr->cp_prod, r->cp_prod, __ATOMIC_RELEASE);
	}
	return (int)n;
}

uint32_t tring_refused(const struct tring *r)
{
	return __atomic_load_n(&r->hdr->cp_refused, __ATOMIC_RELAXED);
}
