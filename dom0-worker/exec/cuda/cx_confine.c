// SPDX-License-Identifier: MIT
/*
 * The executor process's confinement (cx_confine.h).
 *
 * The seccomp filter is an allow-list in classic BPF (linux/seccomp.h, no
 * library). How the list was made: the system calls of the command loop
 * (strace -f -c of the unit tests' processes on the fake device:
 * recvfrom/sendto on the socket, futex, clock calls, memory, write for
 * the log), those of glibc's malloc, threads and dlopen, and those the
 * CUDA driver makes once a context is up (ioctl and mmap on its device
 * descriptors, its helper threads' poll, futex and eventfd, openat for the
 * PTX JIT compiler it loads at the first PTX module, NUMA policy calls).
 * What the list leaves out is what a compromised process would want next:
 * execve, new sockets, ptrace and process_vm_*, mount and namespaces,
 * bpf, perf_event_open, keyrings, module loading, io_uring, user and group
 * changes. kill and tgkill reach only the process itself; clone only
 * makes threads (clone3, whose flags a filter cannot read, says ENOSYS
 * and glibc falls back to clone). On a GPU whose driver needs a call that
 * is missing here, exec-seccomp = log records it in the audit log
 * (SECCOMP_RET_LOG) instead of killing the process
 * (Documentation/security.md).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cx_confine.h"

#if defined(__x86_64__)
#define CX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
/* No filter written for this machine: installing one fails (-ENOSYS). */
#define CX_AUDIT_ARCH	0
#endif

/* Files a process may hold: libcuda's device descriptors and threads'. */
#define CX_NOFILE	1024

static const int allowed[] = {
	/* I/O on descriptors it holds */
	__NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64,
	__NR_pwrite64, __NR_close, __NR_fstat, __NR_newfstatat, __NR_lseek,
	__NR_ioctl, __NR_fcntl, __NR_dup, __NR_dup3,
	__NR_recvfrom, __NR_recvmsg, __NR_sendto, __NR_sendmsg, __NR_shutdown,
	__NR_ppoll, __NR_pselect6, __NR_epoll_create1, __NR_epoll_ctl,
	__NR_epoll_pwait, __NR_eventfd2, __NR_pipe2, __NR_timerfd_create,
	__NR_timerfd_settime,
	/* files: dlopen of the driver's JIT compiler, /proc/self */
	__NR_openat, __NR_readlinkat, __NR_faccessat, __NR_getdents64,
	/* memory */
	__NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_madvise,
	__NR_brk, __NR_get_mempolicy, __NR_set_mempolicy, __NR_mbind,
	__NR_membarrier,
	/* threads, signals, time */
	__NR_futex, __NR_set_robust_list, __NR_get_robust_list,
	__NR_exit, __NR_exit_group, __NR_rt_sigaction, __NR_rt_sigprocmask,
	__NR_rt_sigreturn, __NR_sigaltstack, __NR_rt_sigtimedwait,
	__NR_restart_syscall, __NR_clock_gettime, __NR_clock_getres,
	__NR_clock_nanosleep, __NR_nanosleep, __NR_gettimeofday,
	__NR_sched_yield, __NR_sched_getaffinity, __NR_sched_setaffinity,
	__NR_sched_getparam, __NR_sched_getscheduler,
	__NR_sched_get_priority_max, __NR_sched_get_priority_min,
	__NR_getcpu, __NR_prctl,
	/* identity and limits, read only */
	__NR_getpid, __NR_gettid, __NR_getppid, __NR_getuid, __NR_geteuid,
	__NR_getgid, __NR_getegid, __NR_getresuid, __NR_getresgid,
	__NR_getrlimit, __NR_prlimit64, __NR_uname, __NR_sysinfo,
	__NR_getrandom,
#ifdef __NR_rseq
	__NR_rseq,
#endif
#ifdef __NR_faccessat2
	__NR_faccessat2,
#endif
#ifdef __NR_statx
	__NR_statx,
#endif
#ifdef __NR_futex_waitv
	__NR_futex_waitv,
#endif
#if defined(__x86_64__)
	/* the older calls glibc and libcuda still make on x86_64 */
	__NR_open, __NR_stat, __NR_lstat, __NR_access, __NR_readlink,
	__NR_poll, __NR_select, __NR_epoll_wait, __NR_pipe, __NR_dup2,
	__NR_pause, __NR_time, __NR_arch_prctl,
#endif
};

#define ARCH_OFF	offsetof(struct seccomp_data, arch)
#define NR_OFF		offsetof(struct seccomp_data, nr)
#define ARG0_LO		offsetof(struct seccomp_data, args[0])
#define ARG0_HI		(offsetof(struct seccomp_data, args[0]) + 4)
#define NALLOWED	(sizeof(allowed) / sizeof(allowed[0]))
#define MAXPROG		(NALLOWED + 32)
/* Every jump of the list reaches ALLOW: a jump offset is 8 bits. */
_Static_assert(NALLOWED + 16 < 255, "the allow-list outgrew classic BPF's jumps");

int cx_seccomp_mode(const char *s)
{
	if (!strcmp(s, "kill"))
		return CX_SECCOMP_KILL;
	if (!strcmp(s, "log"))
		return CX_SECCOMP_LOG;
	if (!strcmp(s, "off"))
		return CX_SECCOMP_OFF;
	return -1;
}

/*
 * The program: the architecture (else kill, always), then the number
 * against the list (each a jump to ALLOW), then kill/tgkill/clone with
 * their argument checks, else DENY. Jumps are forward and within 255.
 */
int cx_seccomp_install(int mode)
{
	struct sock_filter p[MAXPROG];
	unsigned int n = 0, allow, deny, self, thread;
	uint32_t deny_action = mode == CX_SECCOMP_LOG ? SECCOMP_RET_LOG :
			       SECCOMP_RET_KILL_PROCESS;
	uint32_t pid = (uint32_t)getpid();
	struct sock_fprog prog;

	if (mode == CX_SECCOMP_OFF)
		return 0;
	if (!CX_AUDIT_ARCH)
		return -ENOSYS;
	/*
	 * Positions (classic BPF jumps only forward): 4 to load the number,
	 * the list, 4 special jumps and clone3's ENOSYS, SELF (4), THREAD
	 * (2), DENY, ALLOW.
	 */
	self = 4 + (unsigned int)NALLOWED + 5;
#if defined(__x86_64__)
	self++;
#endif
	thread = self + 4;
	deny = thread + 2;
	allow = deny + 1;
#define JUMP_TO(target, at)	((unsigned char)((target) - (at) - 1))
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      CX_AUDIT_ARCH, 1, 0);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF);
#if defined(__x86_64__)
	/* x32 numbers name other calls: none allowed. */
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
					    0x40000000u, JUMP_TO(deny, n), 0);
	n++;
#endif
	for (unsigned int i = 0; i < NALLOWED; i++, n++)
		p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						    (uint32_t)allowed[i],
						    JUMP_TO(allow, n), 0);
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					    __NR_kill, JUMP_TO(self, n), 0);
	n++;
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					    __NR_tgkill, JUMP_TO(self, n), 0);
	n++;
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					    __NR_clone, JUMP_TO(thread, n), 0);
	n++;
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					    __NR_clone3, 0, JUMP_TO(deny, n));
	n++;
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_ERRNO | ENOSYS);
	/* SELF: the first argument is this process. */
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_HI);
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0,
					    JUMP_TO(deny, n));
	n++;
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO);
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pid,
					    JUMP_TO(allow, n), JUMP_TO(deny, n));
	n++;
	/* THREAD: clone's flags (its first argument) make a thread. */
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO);
	p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
					    CLONE_THREAD, JUMP_TO(allow, n),
					    JUMP_TO(deny, n));
	n++;
	/* DENY */
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny_action);
	/* ALLOW */
	p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef JUMP_TO
	if (n != allow + 1)
		return -EINVAL;
	prog = (struct sock_fprog){ .len = (unsigned short)n, .filter = p };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* TSYNC: every thread the driver has started is under it too. */
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog))
		return -errno;
	return 0;
}

int cx_confine_early(void)
{
	struct rlimit core = { 0, 0 }, nofile;

	if (setrlimit(RLIMIT_CORE, &core))
		return -errno;
	if (getrlimit(RLIMIT_NOFILE, &nofile))
		return -errno;
	if (nofile.rlim_max == RLIM_INFINITY || nofile.rlim_max > CX_NOFILE)
		nofile.rlim_max = CX_NOFILE;
	if (nofile.rlim_cur > nofile.rlim_max)
		nofile.rlim_cur = nofile.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		return -errno;
	return 0;
}

static int write_oom_score_adj(int v)
{
	char buf[16];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int len = snprintf(buf, sizeof(buf), "%d", v), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}

int cx_confine_apply(const struct cx_confine *c)
{
	int err = write_oom_score_adj(c->oom_score_adj);

	if (err)
		return err;
	if (c->uid) {
		/* Groups first: once the uid is gone, so is the right to. */
		if (setgroups(0, NULL) || setresgid(c->gid, c->gid, c->gid) ||
		    setresuid(c->uid, c->uid, c->uid))
			return -errno;
		/* No way back. */
		if (setuid(0) == 0)
			return -EPERM;
		/*
		 * A change of credentials clears the parent-death signal
		 * (cx_child.c sets it first thing): without it again, an
		 * executor outlives a worker that died and keeps its GPU
		 * context. If the worker is already gone, go now.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL))
			return -errno;
		if (getppid() == 1)
			return -ESRCH;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return cx_seccomp_install(c->seccomp);
}
