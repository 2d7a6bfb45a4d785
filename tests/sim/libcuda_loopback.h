/* SPDX-License-Identifier: MIT */
/*
 * The loopback transport of libcuda.so.1 (libcuda_loopback.c): the worker
 * in this process over the simulated backend. A test double.
 */
#ifndef VGPU_TESTS_SIM_LIBCUDA_LOOPBACK_H
#define VGPU_TESTS_SIM_LIBCUDA_LOOPBACK_H

#include <stdint.h>

#include "tools/libcuda/cuvg_transport.h"

/*
 * Starts the worker with the executor @mode ("gpu", "fake", "cpu"; NULL:
 * "gpu") and one VM with @quota bytes of mem-quota (0: none); the fake
 * device's executor processes run @fake_exec --fake-child (NULL: the
 * program libcuda-fake-exec beside this code's object). 0 or -errno.
 */
int libcuda_loopback_open(struct cuvg_transport *t, const char *mode,
			  const char *fake_exec, uint64_t quota);
int vgpu_cuda_transport_open(struct cuvg_transport *t);

#endif
