/* SPDX-License-Identifier: MIT */
/* The CPU executor's unit-test environment (exec_cpu_env.c). */
#ifndef VGPU_TESTS_UNIT_EXEC_CPU_ENV_H
#define VGPU_TESTS_UNIT_EXEC_CPU_ENV_H

#include <stdint.h>

#include <vgpu/vgpuif_ops.h>

#include "dom0-worker/exec/exec.h"
#include "tests/sim/simbe.h"

#define MiB (1u << 20)

/* Two VMs (domids 5 and 6) of the CPU executor behind the simulated backend. */
struct env {
	struct transport tp;
	struct executor ex;
	struct exec_vm vm[2];
};

extern const struct exec_params exec_cpu_default_params;

/* cmocka set-up and tear-down: *state is a struct env. */
int setup_with(void **state, const struct exec_params *p);
int setup(void **state);
int teardown(void **state);
/* One request of VM @v through the backend model; returns its result. */
struct exec_result run(struct env *e, int v, struct vgpu_back_req req, void *buf);
struct vgpu_back_req op(uint8_t operation);
uint64_t alloc(struct env *e, int v, uint64_t size, int32_t want);
int32_t mem_free(struct env *e, int v, uint64_t dptr);
int32_t xfer(struct env *e, int v, uint8_t operation, uint64_t dptr, void *buf,
	     uint32_t len);

#endif
