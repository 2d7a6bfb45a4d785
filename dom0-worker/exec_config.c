// SPDX-License-Identifier: MIT
/* The CUDA executor's parameters from the configuration (exec_config.h). */
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "exec/cuda/cx_confine.h"
#include "exec_config.h"
#include "log.h"

/*
 * exec-user: the executors' uid and gid (0: no switch). "vgpu-exec" falls
 * back to "nobody" where it does not exist. A worker that is not root
 * cannot switch: its executors run as its own user.
 */
static int resolve_exec_user(const struct worker_config *cfg,
			     struct exec_cuda_params *cp)
{
	const char *name = cfg->exec_user;
	struct passwd *pw;

	if (!strcmp(name, "root") || geteuid() != 0)
		return 0;
	pw = getpwnam(name);
	if (!pw && !strcmp(name, CONFIG_DEFAULT_EXEC_USER)) {
		log_debug("exec-user %s does not exist: trying nobody", name);
		pw = getpwnam("nobody");
	}
	if (!pw)
		return -1;
	cp->exec_uid = (uint32_t)pw->pw_uid;
	cp->exec_gid = (uint32_t)pw->pw_gid;
	return 0;
}

static int seccomp_mode(const char *s)
{
	return !strcmp(s, "log") ? CX_SECCOMP_LOG :
	       !strcmp(s, "off") ? CX_SECCOMP_OFF : CX_SECCOMP_KILL;
}

int exec_config_cuda_params(const struct worker_config *cfg,
			    struct exec_cuda_params *cp)
{
	cp->seccomp = seccomp_mode(cfg->exec_seccomp);
	cp->device = (int)cfg->cuda_device;
	cp->sched = cfg->cuda_sched;
	cp->request_timeout_ms = cfg->request_timeout_ms;
	cp->slot_size = cfg->cuda_slot_size;
	cp->nslots = cfg->cuda_slots;
	cp->copy_threads = cfg->copy_threads;
	cp->spin_us = cfg->cuda_spin_us;
	cp->stack_bytes = cfg->cuda_stack_bytes;
	cp->mps_pipe = cfg->exec_mps_pipe;
	cp->mps_lower_percent = cfg->exec_mps_lower_percent;
	cp->spare = cfg->exec_spare;
	return resolve_exec_user(cfg, cp);
}
