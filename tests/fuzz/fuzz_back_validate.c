// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the backend's request validation and ring index check,
 * backend/vgpu_back_validate.c and backend/vgpu_ring_check.c built as they
 * are in userspace (kshim/ stands in for the kernel headers).
 *
 * Input: a struct vgpuif_request (88 bytes, as the guest wrote it on the
 * ring), then req_prod, req_cons, rsp_prod_pvt (4 bytes each) and a ring
 * order (1 byte, ring size 1 << (order % 32)), then a copy range (offset,
 * len: 8 bytes each), a local address (8 bytes) and a mode (1 byte);
 * missing bytes are 0. Mode bit 0: data_len is the length the arguments
 * call for (spec_natural_len()) plus the low byte of data_len as a signed
 * offset; bit 1: nr_segments is the count data_len calls for (direct or
 * indirect as flags say) plus (bits 2-3) - 1.
 * Checks:
 *  - vgpu_back_validate_request() accepts exactly the requests that
 *    vgpuif.h allows (vgpuif_spec.h), and for an accepted one reports the
 *    page count, segments and indirect flag the spec derives; a refused
 *    one gets VGPUIF_RSP_INVALID, a reason and a zeroed info;
 *  - vgpu_ring_check_indices(): on success, req_cons + nr_avail ==
 *    req_prod and consuming them leaves at most ring_size requests
 *    unanswered; on -EOVERFLOW nr_avail is 0 and the guest's indices
 *    really are impossible;
 *  - vgpu_back_copy_range_ok() is exact (128-bit arithmetic) and
 *    vgpu_back_copy_chunk() never crosses a 4 KiB page on either side;
 *  - no undefined behaviour, no out-of-bounds access.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vgpu_back_validate.h"
#include "backend/vgpu_ring_check.h"
#include "vgpuif_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); abort(); } while (0)

static void check_request(const struct vgpuif_request *req)
{
	struct vgpu_back_req_info info;
	struct spec_buffer sb;
	const char *reason = NULL;
	bool want;
	int ret;

	memset(&info, 0xa5, sizeof(info));
	ret = vgpu_back_validate_request(req, &info, &reason);
	want = spec_op_ok(req->operation, req->data_len, &req->u) &&
	       spec_buffer_ok(req, &sb);
	if (!reason || !reason[0])
		FAIL("validate: no reason\n");
	if (ret == VGPUIF_RSP_OKAY) {
		if (!want)
			FAIL("validate: accepts op %u len %u segs %u flags %#x "
			     "that vgpuif.h refuses\n", req->operation,
			     req->data_len, req->nr_segments, req->flags);
		if (info.nr_data_pages != sb.nr_data_pages ||
		    info.indirect != sb.indirect ||
		    info.nr_segments != req->nr_segments)
			FAIL("validate: info %u/%u/%d, spec %u/%u/%d\n",
			     info.nr_data_pages, info.nr_segments,
			     info.indirect, sb.nr_data_pages,
			     req->nr_segments, sb.indirect);
		/* What the grant copies will touch stays in the gref[] array. */
		if (!info.indirect && info.nr_segments > VGPUIF_MAX_DIRECT_SEGS)
			FAIL("validate: %u direct segments\n",
			     info.nr_segments);
	} else {
		if (ret != VGPUIF_RSP_INVALID)
			FAIL("validate: returned %d\n", ret);
		if (want)
			FAIL("validate: refuses op %u len %u segs %u flags %#x "
			     "(%s) that vgpuif.h allows\n", req->operation,
			     req->data_len, req->nr_segments, req->flags,
			     reason);
		if (info.nr_data_pages || info.nr_segments || info.indirect)
			FAIL("validate: info not zeroed on refusal\n");
	}
}

static void check_ring(RING_IDX prod, RING_IDX cons, RING_IDX rsp,
		       unsigned int ring_size)
{
	unsigned int avail = 12345;
	int ret = vgpu_ring_check_indices(prod, cons, rsp, ring_size, &avail);
	uint32_t in_flight = cons - rsp, claimed = prod - rsp;

	if (ring_size > 1u << 31) {
		if (ret != -EINVAL)
			FAIL("ring: size %u accepted\n", ring_size);
		return;
	}
	if (ret == 0) {
		if ((RING_IDX)(cons + avail) != prod)
			FAIL("ring: cons %u + %u != prod %u\n", cons, avail,
			     prod);
		if ((uint64_t)in_flight + avail > ring_size)
			FAIL("ring: %u + %u unanswered > %u slots\n",
			     in_flight, avail, ring_size);
	} else {
		if (ret != -EOVERFLOW || avail != 0)
			FAIL("ring: ret %d avail %u\n", ret, avail);
		/* Impossible indices: some slot count would go past the ring. */
		if (in_flight <= ring_size && claimed <= ring_size &&
		    claimed >= in_flight)
			FAIL("ring: refused possible indices prod %u cons %u "
			     "rsp %u size %u\n", prod, cons, rsp, ring_size);
	}
}

static void check_copy(uint32_t data_len, uint64_t off, uint64_t len,
		       uint64_t uaddr)
{
	unsigned __int128 end = (unsigned __int128)off + len;
	bool ok = vgpu_back_copy_range_ok(off, len, data_len);
	unsigned int chunk;

	if (ok != (end <= data_len))
		FAIL("copy range: off %llu len %llu in %u: %d\n",
		     (unsigned long long)off, (unsigned long long)len,
		     data_len, ok);
	chunk = vgpu_back_copy_chunk(off, (unsigned long)uaddr, len);
	if (chunk > len || (len && !chunk) ||
	    (off % 4096) + chunk > 4096 || (uaddr % 4096) + chunk > 4096)
		FAIL("copy chunk: %u at %llu/%llx of %llu\n", chunk,
		     (unsigned long long)off, (unsigned long long)uaddr,
		     (unsigned long long)len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[88 + 13 + 24 + 1] = { 0 };
	struct vgpuif_request req;
	RING_IDX idx[3];
	uint64_t copy[3];

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memcpy(&req, in, sizeof(req));
	memcpy(idx, in + 88, sizeof(idx));
	memcpy(copy, in + 101, sizeof(copy));
	if (in[125] & 1)
		req.data_len = spec_natural_len(req.operation, &req.u) +
			       (uint32_t)(int8_t)(req.data_len & 0xff);
	if (in[125] & 2) {
		uint32_t pages = (uint32_t)(((uint64_t)req.data_len + 4095) / 4096);

		if (req.flags & VGPUIF_REQ_F_INDIRECT)
			pages = (pages + 1023) / 1024;
		req.nr_segments = (uint8_t)(pages + ((in[125] >> 2) & 3) - 1);
	}

	check_request(&req);
	check_ring(idx[0], idx[1], idx[2], 1u << (in[100] % 32));
	check_copy(req.data_len, copy[0], copy[1], copy[2]);
	return 0;
}
