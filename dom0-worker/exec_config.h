/* SPDX-License-Identifier: MIT */
/*
 * The CUDA executor's parameters from the worker's configuration: one
 * place, so the worker and the GPU tests start executors the same way.
 */
#ifndef VGPU_EXEC_CONFIG_H
#define VGPU_EXEC_CONFIG_H

#include "config.h"
#include "exec/cuda/exec_cuda.h"

/*
 * Fills *cp from *cfg (device, scheduling, watchdog, staging, copy
 * threads, exec-user, exec-seccomp, exec-spare; not the program). Returns
 * -1 when exec-user names a user that does not exist (cp->exec_uid is
 * then 0): the caller decides whether that matters (only the CUDA
 * executor starts processes).
 */
int exec_config_cuda_params(const struct worker_config *cfg,
			    struct exec_cuda_params *cp);

#endif
