// SPDX-License-Identifier: MIT
/* The worker test environment of the unit tests (see worker_env.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "worker_env.h"

struct worker_env *env_create(const struct worker_env_opts *o)
{
	struct worker_env *e = calloc(1, sizeof(*e));
	struct exec_params ep = { .mem_budget = 64 << 20, .max_allocs = 100,
				  .op_delay_ms = o->op_delay_ms,
				  .cuda = o->cuda };
	int fd;

	assert_non_null(e);
	e->log = open_memstream(&e->logbuf, &e->loglen);
	assert_non_null(e->log);
	vlog_set_stream(e->log);
	vlog_set_level(o->log_level);
	config_defaults(&e->cfg);
	e->cfg.order_log[0] = '\0';
	if (o->order_log) {
		snprintf(e->olog, sizeof(e->olog), "/tmp/vgpu-order-XXXXXX");
		fd = mkstemp(e->olog);
		assert_true(fd >= 0);
		close(fd);
		snprintf(e->cfg.order_log, sizeof(e->cfg.order_log), "%s",
			 e->olog);
	}
	if (o->tune)
		o->tune(&e->cfg);
	assert_int_equal(simbe_open(&e->tp), 0);
	assert_int_equal(exec_create(&e->ex, o->cuda ? "cuda" : "cpu", &ep), 0);
	assert_int_equal(worker_init(&e->w, &e->cfg, &e->tp, &e->ex), 0);
	return e;
}

void env_free(struct worker_env *e)
{
	worker_fini(&e->w);
	exec_destroy(&e->ex);
	transport_close(&e->tp);
	vlog_set_stream(NULL);
	fclose(e->log);
	free(e->logbuf);
	if (e->olog[0])
		unlink(e->olog);
	free(e);
}

const char *env_log(struct worker_env *e)
{
	fflush(e->log);
	return e->logbuf ? e->logbuf : "";
}

struct vgpu_back_vm env_vm(uint16_t domid, uint32_t vm_id, uint8_t pool,
			   uint8_t prio)
{
	return (struct vgpu_back_vm){
		.domid = domid, .devid = 0, .vm_id = vm_id, .pool = pool,
		.priority = prio,
	};
}

uint64_t env_nop(struct worker_env *e, const struct vgpu_back_vm *vm,
		 uint64_t id)
{
	struct vgpu_back_req r = { .id = id, .operation = VGPUIF_OP_NOP };

	return simbe_request(&e->tp, vm, &r, NULL);
}

const struct simbe_completion *env_done(struct worker_env *e,
					 uint64_t handle)
{
	const struct simbe_completion *c = simbe_completion_of(&e->tp, handle);

	assert_non_null(c);
	return c;
}
