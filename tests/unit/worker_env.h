/* SPDX-License-Identifier: MIT */
/*
 * The worker as the unit tests of its loop run it (test_worker.c,
 * test_limits.c, test_control.c, test_main.c, test_worker_cuda.c): the real
 * worker (dom0-worker/loop/) with the CPU executor, or the CUDA executor on
 * the host-memory device, fed by the simulated backend (tests/sim/simbe.h),
 * its log captured in memory; and the VMs and requests those tests send it.
 * The test turns the loop by hand (worker_read(), worker_run_one(),
 * worker_flush()) or runs worker_run().
 */
#ifndef VGPU_TESTS_UNIT_WORKER_ENV_H
#define VGPU_TESTS_UNIT_WORKER_ENV_H

#include <stdint.h>
#include <stdio.h>

#include "dom0-worker/log.h"
#include "dom0-worker/loop/worker.h"
#include "tests/sim/simbe.h"

struct worker_env {
	struct transport tp;		/* the simulated backend */
	struct executor ex;		/* "cpu" */
	struct worker w;
	struct worker_config cfg;
	char olog[64];			/* the order log's file; "" if none */
	char *logbuf;			/* the log, see env_log() */
	size_t loglen;
	FILE *log;
};

struct worker_env_opts {
	/* Changes the config after config_defaults(), before worker_init(). */
	void (*tune)(struct worker_config *cfg);
	enum vlog_level log_level;
	int order_log;			/* an order log in a temporary file */
	uint32_t op_delay_ms;		/* the CPU executor's delay per op */
	/* Not NULL: the CUDA executor with these settings, not the CPU one. */
	const struct exec_cuda_params *cuda;
};

struct worker_env *env_create(const struct worker_env_opts *o);
/* Stops the worker, removes the order log and frees @e. */
void env_free(struct worker_env *e);
/* Everything logged since env_create(). */
const char *env_log(struct worker_env *e);

/* A VM device: devid 0, no limits of its own. */
struct vgpu_back_vm env_vm(uint16_t domid, uint32_t vm_id, uint8_t pool,
			   uint8_t prio);
/* Queues a NOP of @vm with request id @id; its handle. */
uint64_t env_nop(struct worker_env *e, const struct vgpu_back_vm *vm,
		 uint64_t id);
/* The completion of @handle, which must have completed. */
const struct simbe_completion *env_done(struct worker_env *e,
					 uint64_t handle);

#endif
