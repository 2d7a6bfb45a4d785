// SPDX-License-Identifier: MIT
/*
 * Device calls that are one Driver API call each, after the primary
 * context is current: limits, peers (one device: none), the PCI bus id
 * (the host hides its topology: 0000:00:00.0), choosing a device.
 */
#include "crt.h"

/* No more than reported: met already; more: not supported (libcuda.md). */
CRT_EXPORT cudaError_t cudaDeviceSetLimit(enum cudaLimit limit, size_t value)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuCtxSetLimit((CUlimit)limit, value));
}

CRT_EXPORT cudaError_t cudaDeviceCanAccessPeer(int *can, int device, int peer)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuDeviceCanAccessPeer(can, device, peer));
}

CRT_EXPORT cudaError_t cudaDeviceGetPCIBusId(char *id, int len, int device)
{
	cudaError_t e = crt_ctx();

	return e != cudaSuccess ? e : crt_cu(cuDeviceGetPCIBusId(id, len, device));
}

/* One device: it is the closest match to any properties. */
CRT_EXPORT cudaError_t cudaChooseDevice(int *device,
					const struct cudaDeviceProp *prop)
{
	if (!device || !prop)
		return crt_ret(cudaErrorInvalidValue);
	*device = 0;
	return cudaSuccess;
}
