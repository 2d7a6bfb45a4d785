// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: vgpuif_check_op() alone (include/vgpu/vgpuif_ops.h),
 * the one check of an operation's arguments that the frontend, the backend
 * and the worker share.
 *
 * Input: operation (1 byte), data_len (4 bytes, little endian), the
 * argument union (40 bytes), a mode (1 byte); missing bytes are 0. Mode
 * bit 0: data_len is instead the length the arguments call for
 * (spec_natural_len()) plus the first data_len byte as a signed offset.
 * Checks: the answer is VGPUIF_RSP_OKAY exactly when the rules of
 * vgpuif.h, as vgpuif_spec.h writes them, accept the request (both ways);
 * a refusal comes with a reason; no undefined behaviour (UBSan), no read
 * outside the copy (ASan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu/vgpuif.h"
#include "vgpu/vgpuif_ops.h"
#include "vgpuif_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[46] = { 0 };
	union vgpuif_request_args u;
	const char *reason = NULL;
	uint32_t data_len;
	bool want;
	int ret;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memcpy(&data_len, in + 1, 4);
	memcpy(&u, in + 5, sizeof(u));
	if (in[45] & 1)
		data_len = spec_natural_len(in[0], &u) + (uint32_t)(int8_t)in[1];

	ret = vgpuif_check_op(in[0], data_len, &u, &reason);
	want = spec_op_ok(in[0], data_len, &u);
	if (ret != VGPUIF_RSP_OKAY && ret != VGPUIF_RSP_INVALID) {
		fprintf(stderr, "check_op: op %u returned %d\n", in[0], ret);
		abort();
	}
	if ((ret == VGPUIF_RSP_OKAY) != want) {
		fprintf(stderr, "check_op: op %u data_len %u: product %s (%s), "
			"vgpuif.h %s\n", in[0], data_len,
			ret == VGPUIF_RSP_OKAY ? "accepts" : "refuses",
			reason ? reason : "(null)",
			want ? "accepts" : "refuses");
		abort();
	}
	if (!reason || !reason[0])
		abort();
	return 0;
}
