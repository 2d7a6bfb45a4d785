// SPDX-License-Identifier: MIT
// A module whose __device__ array takes 256 MiB of GPU memory at load:
// the guard test checks it is charged to the VM's mem-quota.
__device__ char big_global[256u << 20];

extern "C" __global__ void touch_big(unsigned int i)
{
	big_global[i % sizeof(big_global)] = 1;
}
