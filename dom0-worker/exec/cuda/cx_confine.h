/* SPDX-License-Identifier: MIT */
/*
 * The executor process's confinement (vgpu-cuda-exec; no CUDA here). A
 * VM's process parses the guest's module images (in libcuda) and runs
 * its kernels' set-up, so it gives up what it does not need before it
 * takes its first command (Documentation/security.md):
 *   cx_confine_early()  first thing: no core files (they would hold the
 *                       guest's data), a bound on open files;
 *   cx_confine_apply()  once the device is open (the context made, the
 *                       staging pinned): the OOM score, the user switch,
 *                       PR_SET_NO_NEW_PRIVS, then the seccomp filter.
 */
#ifndef VGPU_CUDA_EXEC_CX_CONFINE_H
#define VGPU_CUDA_EXEC_CX_CONFINE_H

#include <stdint.h>

/* exec-seccomp: what a system call outside the allow-list does. */
#define CX_SECCOMP_KILL		0	/* the process dies (SIGSYS) */
#define CX_SECCOMP_LOG		1	/* allowed, logged by the audit log */
#define CX_SECCOMP_OFF		2	/* no filter */

/* Written to /proc/self/oom_score_adj: the OOM killer takes a VM's
 * process before the worker that serves every VM. */
#define CX_OOM_SCORE_ADJ	500

struct cx_confine {
	uint32_t uid, gid;	/* switch to these; uid 0: stay */
	int seccomp;		/* CX_SECCOMP_* */
	int oom_score_adj;
};

/* Parses "kill", "log", "off": CX_SECCOMP_*, or -1. */
int cx_seccomp_mode(const char *s);
/* 0, or -errno (the process must not go on). */
int cx_confine_early(void);
int cx_confine_apply(const struct cx_confine *c);
/* The filter alone (tests): 0 or -errno. */
int cx_seccomp_install(int mode);

#endif
