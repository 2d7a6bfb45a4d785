// SPDX-License-Identifier: MIT
// A kernel with a 16 KiB per-thread local frame (an array indexed at run
// time stays in local memory): the driver reserves it for every thread
// the GPU can hold, and the guard test checks that is charged.
extern "C" __global__ void big_frame(int *out, int i)
{
	volatile char frame[16384];

	frame[i & 16383] = (char)i;
	out[threadIdx.x] = frame[(i * 7) & 16383];
}
