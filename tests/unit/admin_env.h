/* SPDX-License-Identifier: MIT */
/*
 * The vgpu-admin tests' environment: a temporary directory with the
 * database, the fake Xen (tests/sim/xen_fake.h) reset, and adm() to run one
 * command line in-process (admin_run()) with its output captured.
 */
#ifndef VGPU_TESTS_ADMIN_ENV_H
#define VGPU_TESTS_ADMIN_ENV_H

struct admin_env {
	char dir[64];
	char db[128];
	char out[16384];
	char err[4096];
};

/* cmocka setup/teardown: *state is a struct admin_env. */
int admin_env_setup(void **state);
int admin_env_teardown(void **state);

/*
 * Runs `vgpu-admin --db DB ARGS` (ARGS split at spaces; '_' inside an
 * argument stands for a space) and returns its exit status; e->out and
 * e->err hold what it printed.
 */
int adm(struct admin_env *e, const char *args);

/* Registers pool A and VM @name with @uuid and @vm_id, priority high. */
void adm_vm(struct admin_env *e, const char *name, const char *uuid, unsigned int vm_id);

#endif
