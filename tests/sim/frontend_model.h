/* SPDX-License-Identifier: MIT */
/*
 * What the guest's frontend makes of the worker's answers, for the
 * userspace test doubles that stand in for it (tests/unit/test_client.c,
 * tests/sim/libcuda_loopback.c); frontend/vgpu_front_args.c is the real
 * one, checked by KUnit.
 */
#ifndef VGPU_TESTS_SIM_FRONTEND_MODEL_H
#define VGPU_TESTS_SIM_FRONTEND_MODEL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <vgpu/vgpuif.h>
#include <uapi/linux/vgpu.h>

/* The errno a /dev/vgpuN call fails with: positive, 0 for OKAY. */
static inline int sim_frontend_errno(int32_t st)
{
	switch (st) {
	case VGPUIF_RSP_OKAY: return 0;
	case VGPUIF_RSP_INVALID: return EINVAL;
	case VGPUIF_RSP_NOT_SUPPORTED: return EOPNOTSUPP;
	case VGPUIF_RSP_NO_MEMORY: return ENOMEM;
	case VGPUIF_RSP_QUOTA: return EDQUOT;
	case VGPUIF_RSP_BAD_HANDLE: return ENOENT;
	case VGPUIF_RSP_RANGE: return ERANGE;
	case VGPUIF_RSP_NO_WORKER: return EHOSTDOWN;
	case VGPUIF_RSP_TIMEOUT: return ETIMEDOUT;
	case VGPUIF_RSP_RATE_LIMITED: return EAGAIN;
	case VGPUIF_RSP_BUSY: return EBUSY;
	case VGPUIF_RSP_FAULT: return EFAULT;
	case VGPUIF_RSP_NOT_FOUND: return ESRCH;
	case VGPUIF_RSP_DEVICE_LOST: return ENOMEDIUM;
	default: return EIO;
	}
}

/* GET_INFO's answer as VGPU_IOC_GET_INFO returns it. */
static inline void sim_frontend_info(struct vgpu_info *out, const struct vgpuif_info *i)
{
	memset(out, 0, sizeof(*out));
	out->api_version = VGPU_API_VERSION;
	out->protocol_version = i->protocol_version;
	out->vm_id = i->vm_id;
	out->pool = i->pool;
	out->priority = i->priority;
	out->flags = i->flags;
	out->mem_total = i->mem_total;
	out->mem_free = i->mem_free;
	out->mem_quota = i->mem_quota;
	out->mem_used = i->mem_used;
	memcpy(out->device_name, i->device_name, sizeof(out->device_name));
	out->device_name[sizeof(out->device_name) - 1] = '\0';
}

#endif
