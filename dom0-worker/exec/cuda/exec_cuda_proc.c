// SPDX-License-Identifier: MIT
/*
 * The CUDA executor's processes (exec_cuda_priv.h): start one per VM,
 * end it (watchdog, lost context, crash), restart it with a back-off, and
 * keep the timer that wakes the worker for those deadlines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vgpu/vgpuif_ops.h>

#include "exec_cuda_priv.h"
#include "log.h"

void cx_chan_name(struct cx_chan *ch)
{
	snprintf(ch->name, sizeof(ch->name), "%u/%u", ch->vm->cfg.domid,
		 ch->vm->cfg.devid);
}

static int move_high(int fd)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	if (n < 0)
		return -errno;
	close(fd);
	return n;
}

/*
 * The process's environment: nothing of the worker's but what selects
 * the GPU and, in sanitizer builds, the sanitizers' options. Modules load
 * eagerly, so their device memory is taken (and counted) at load, and
 * the JIT writes no cache (the process's user has no home).
 */
static const char *const env_fixed[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"CUDA_MODULE_LOADING=EAGER",
	"CUDA_CACHE_DISABLE=1",
};
static const char *const env_passed[] = {
	"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER",
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
};
#define CX_ENV_MAX	(sizeof(env_fixed) / sizeof(env_fixed[0]) + \
			 sizeof(env_passed) / sizeof(env_passed[0]) + 3)

/*
 * The MPS tier: which server to join and, for a process that is not a
 * high VM's (a spare is taken by medium and low VMs only), its share of
 * the SMs, so that it leaves room for the high VMs' kernels.
 */
static int mps_env(const struct cuda_exec *cx, const struct cx_chan *ch,
		   char *pipe, size_t plen, char *pct, size_t clen)
{
	int lower = !ch || ch->vm->cfg.priority != VGPUIF_PRIO_HIGH;

	if (!cx_mps(cx))
		return 0;
	snprintf(pipe, plen, "CUDA_MPS_PIPE_DIRECTORY=%s", cx->p.mps_pipe);
	if (!lower || cx->p.mps_lower_percent >= 100)
		return 1;
	snprintf(pct, clen, "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=%u",
		 cx->p.mps_lower_percent ? cx->p.mps_lower_percent : 1);
	return 2;
}

static void clean_env(const char **envp, const char *mps_pipe, const char *mps_pct)
{
	size_t n = 0;

	if (mps_pipe)
		envp[n++] = mps_pipe;
	if (mps_pct)
		envp[n++] = mps_pct;
	for (size_t i = 0; i < sizeof(env_fixed) / sizeof(env_fixed[0]); i++)
		envp[n++] = env_fixed[i];
	for (size_t i = 0; i < sizeof(env_passed) / sizeof(env_passed[0]); i++) {
		size_t len = strlen(env_passed[i]);

		for (char **e = environ; *e; e++)
			if (!strncmp(*e, env_passed[i], len) && (*e)[len] == '=') {
				envp[n++] = *e;
				break;
			}
	}
	envp[n] = NULL;
}

static const char *const seccomp_names[] = { "kill", "log", "off" };

struct cx_inst *cx_spawn(struct cuda_exec *cx, struct cx_chan *ch)
{
	const char *name = ch ? ch->name : "spare";
	char dev[16], spin[16], stack[16], allocs[16], hbase[24], uid[16], gid[16];
	char mps_pipe[PATH_MAX + 32], mps_pct[48];
	int nmps;
	posix_spawn_file_actions_t fa;
	const char *argv[32], *envp[CX_ENV_MAX];
	struct cx_inst *in;
	struct epoll_event ev;
	int sv[2] = { -1, -1 }, mfd = -1, argc = 0, err;
	size_t size = cx_shm_size(cx->p.nslots, cx->p.slot_size, cx->inline_size);
	pid_t pid;

	cx->st.spawns++;
	in = calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	in->sock = -1;
	mfd = memfd_create("vgpu-cuda-exec", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, (off_t)size)) {
		err = errno;
		goto fail;
	}
	/*
	 * Not populated here (16 MiB of shmem costs tens of ms, on the
	 * worker's loop): the process's cuMemHostRegister faults the pages
	 * in and pins them; this mapping picks them up on first copy.
	 */
	in->ctrl = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (in->ctrl == MAP_FAILED) {
		err = errno;
		in->ctrl = NULL;
		goto fail;
	}
	in->shm_size = size;
	in->geom = (struct cx_geom){ cx->p.nslots, cx->p.slot_size,
				     cx->inline_size };
	in->ctrl->magic = CX_MAGIC;
	in->ctrl->version = CX_VERSION;
	in->ctrl->nslots = cx->p.nslots;
	in->ctrl->slot_size = cx->p.slot_size;
	in->ctrl->inline_size = cx->inline_size;
	in->ctrl->shm_size = size;
	in->next_ticket = 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		err = errno;
		goto fail;
	}
	/* Out of the way of 3 and 4, where the child wants them. */
	mfd = move_high(mfd);
	sv[1] = move_high(sv[1]);
	if (mfd < 0 || sv[1] < 0) {
		err = EMFILE;
		goto fail;
	}

	snprintf(dev, sizeof(dev), "%d", cx->p.device);
	snprintf(spin, sizeof(spin), "%u", cx->p.spin_us);
	snprintf(stack, sizeof(stack), "%u", cx->p.stack_bytes);
	snprintf(allocs, sizeof(allocs), "%u", cx->max_allocs);
	/*
	 * Module handles of a fresh process never repeat a lost one's: a
	 * guest's stale handle gets BAD_HANDLE, not someone's new module.
	 */
	snprintf(hbase, sizeof(hbase), "%llu",
		 (unsigned long long)(cx->st.spawns << 32 | 1));
	argv[argc++] = cx->program;
	if (cx->program_arg[0])
		argv[argc++] = cx->program_arg;
	argv[argc++] = "--sock-fd";
	argv[argc++] = "3";
	argv[argc++] = "--shm-fd";
	argv[argc++] = "4";
	argv[argc++] = "--device";
	argv[argc++] = dev;
	argv[argc++] = "--sched";
	argv[argc++] = cx->sched;
	argv[argc++] = "--name";
	argv[argc++] = name;
	argv[argc++] = "--spin-us";
	argv[argc++] = spin;
	argv[argc++] = "--stack-bytes";
	argv[argc++] = stack;
	argv[argc++] = "--max-allocs";
	argv[argc++] = allocs;
	argv[argc++] = "--handle-base";
	argv[argc++] = hbase;
	argv[argc++] = "--seccomp";
	argv[argc++] = seccomp_names[cx->p.seccomp >= 0 && cx->p.seccomp <= 2 ?
				     cx->p.seccomp : 0];
	if (cx->p.exec_uid) {
		snprintf(uid, sizeof(uid), "%u", cx->p.exec_uid);
		snprintf(gid, sizeof(gid), "%u", cx->p.exec_gid);
		argv[argc++] = "--uid";
		argv[argc++] = uid;
		argv[argc++] = "--gid";
		argv[argc++] = gid;
	}
	argv[argc] = NULL;
	nmps = mps_env(cx, ch, mps_pipe, sizeof(mps_pipe), mps_pct, sizeof(mps_pct));
	clean_env(envp, nmps >= 1 ? mps_pipe : NULL, nmps >= 2 ? mps_pct : NULL);

	in->t_spawn = cx_now_ns();
	/*
	 * posix_spawn (a vfork underneath): no copy of the worker's page
	 * tables, cheap however big the worker is. The process sets its own
	 * PR_SET_PDEATHSIG first thing.
	 */
	err = posix_spawn_file_actions_init(&fa);
	if (!err) {
		err = posix_spawn_file_actions_adddup2(&fa, sv[1], CX_SOCK_FD);
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, mfd, CX_SHM_FD);
		/*
		 * NVIDIA's driver writes a kernel's printf output to standard
		 * output: the guest's text, as much as the printf buffer holds
		 * at each synchronize. It must not reach the worker's journal
		 * (forged lines, floods). The process logs on standard error.
		 */
		if (!err)
			err = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
							       "/dev/null",
							       O_WRONLY, 0);
		if (!err)
			err = posix_spawn(&pid, cx->program, &fa, NULL,
					  (char *const *)argv,
					  (char *const *)envp);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (err)
		goto fail;
	close(sv[1]);
	close(mfd);
	in->pid = pid;
	in->sock = sv[0];
	in->state = IS_STARTING;
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = in };
	if (epoll_ctl(cx->epfd, EPOLL_CTL_ADD, in->sock, &ev))
		log_error("cuda executor: epoll: %s", strerror(errno));
	log_debug("vm %s: executor process %d started", name, (int)pid);
	return in;
fail:
	log_error("vm %s: cannot start an executor process: %s", name,
		  strerror(err));
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (mfd >= 0)
		close(mfd);
	if (in->ctrl)
		munmap(in->ctrl, size);
	free(in);
	return NULL;
}

/* Ends a process: killed, it waits in the corpse list to be reaped. */
void cx_retire_inst(struct cuda_exec *cx, struct cx_inst *in)
{
	kill(in->pid, SIGKILL);
	epoll_ctl(cx->epfd, EPOLL_CTL_DEL, in->sock, NULL);
	close(in->sock);
	in->sock = -1;
	in->next = cx->corpses;
	cx->corpses = in;
}

/* Ends the channel's process. */
void cx_retire(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_inst *in = ch->inst;

	if (!in)
		return;
	ch->inst = NULL;
	ch->mem_used = 0;
	cx_retire_inst(cx, in);
}

/*
 * Spare processes (exec-spare): started with no VM, confined and with
 * their context coming up, so a VM that connects gets one at once instead
 * of waiting for a context (about a second under load). A spare knows
 * nothing of any VM until it is given one: its first command comes after.
 */
static int spare_dead(const struct cuda_exec *cx, const struct cx_inst *in,
		      uint64_t now)
{
	uint32_t ready = atomic_load(&in->ctrl->ready);

	return in->exited || ready == CX_READY_FAILED ||
	       (ready != CX_READY_OK &&
		now - in->t_spawn >= cx->p.start_timeout_ms * 1000000ull);
}

struct cx_inst *cx_take_spare(struct cuda_exec *cx, int prio)
{
	struct cx_inst **pp = &cx->spares, *in;
	uint64_t now = cx_now_ns();

	/* In the MPS tier spares are limited: not for a high VM. */
	if (prio == VGPUIF_PRIO_HIGH && cx_mps(cx) && cx->p.mps_lower_percent < 100)
		return NULL;
	while ((in = *pp) && spare_dead(cx, in, now))
		pp = &in->next;
	if (!in)
		return NULL;
	*pp = in->next;
	in->next = NULL;
	cx->nspare--;
	cx->st.spares_taken++;
	/* Its start, for the VM, is now: the start-up limit and figures. */
	in->t_spawn = now;
	return in;
}

void cx_keep_spares(struct cuda_exec *cx)
{
	struct cx_inst **pp = &cx->spares, *in;
	uint64_t now = cx_now_ns();

	/* A lost GPU: no spares but the probe (exec_cuda_gpu.c). */
	if (!gpu_health_ok(&cx->health))
		return;
	while ((in = *pp)) {
		if (spare_dead(cx, in, now)) {
			log_warn("spare executor process %d failed to start or ended: no spare for %llu s",
				 (int)in->pid,
				 (unsigned long long)(CX_BACKOFF_MAX_NS / 1000000000ull));
			*pp = in->next;
			cx->nspare--;
			cx_retire_inst(cx, in);
			/* A GPU that cannot start contexts: no spawn loop. */
			cx->spare_retry_at = now + CX_BACKOFF_MAX_NS;
			continue;
		}
		pp = &in->next;
	}
	while (cx->nspare < cx->p.spare && now >= cx->spare_retry_at) {
		in = cx_spawn(cx, NULL);
		if (!in) {
			cx->spare_retry_at = now + CX_BACKOFF_MAX_NS;
			break;
		}
		in->next = cx->spares;
		cx->spares = in;
		cx->nspare++;
	}
}

void cx_drop_spares(struct cuda_exec *cx)
{
	while (cx->spares) {
		struct cx_inst *in = cx->spares;

		cx->spares = in->next;
		cx_retire_inst(cx, in);
	}
	cx->nspare = 0;
}

void cx_free_inst(struct cx_inst *in)
{
	if (in->ctrl)
		munmap(in->ctrl, in->shm_size);
	if (in->sock >= 0)
		close(in->sock);
	free(in);
}

/*
 * The back-off: a process that ends, by a crash, a lost context, a failed
 * start or the watchdog, counts as a failure of its VM; the first restart
 * is immediate, each further one waits twice as long as the one before,
 * from CX_BACKOFF_MIN_NS up to CX_BACKOFF_MAX_NS. The count starts over
 * only once a process has lived CX_BACKOFF_RESET_NS: a guest that hangs a
 * kernel, sends one good request and hangs the next still backs off (a
 * successful request does not reset it).
 */
#define CX_BACKOFF_RESET_NS	(60 * 1000000000ull)

static uint64_t cx_backoff_ns(uint32_t failures)
{
	uint64_t delay;

	if (failures < 2)
		return 0;
	delay = CX_BACKOFF_MIN_NS << (failures - 2 < 10 ? failures - 2 : 10);
	return delay < CX_BACKOFF_MAX_NS ? delay : CX_BACKOFF_MAX_NS;
}

void cx_schedule_restart(struct cx_chan *ch, int failed)
{
	if (failed && ch->failures < UINT32_MAX)
		ch->failures++;
	ch->restart_at = cx_now_ns() + cx_backoff_ns(ch->failures);
}

/* A process that lived long enough clears its VM's failures. */
static void backoff_forget(struct cx_chan *ch)
{
	if (ch->inst && cx_now_ns() - ch->inst->t_spawn >= CX_BACKOFF_RESET_NS)
		ch->failures = 0;
}

static void count_delay(struct cuda_exec *cx, struct cx_chan *ch)
{
	if (ch->restart_at > cx_now_ns())
		cx->st.restarts_delayed++;
}

void cx_reap_corpses(struct cuda_exec *cx)
{
	struct cx_inst **pp = &cx->corpses;

	while (*pp) {
		struct cx_inst *in = *pp;
		int status;

		if (!in->reaped && waitpid(in->pid, &status, WNOHANG) == in->pid) {
			in->reaped = 1;
			/* The worker kills with SIGKILL: SIGSYS is the filter's. */
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
				log_warn("executor process %d was killed by its seccomp filter: a system call outside the allow-list (exec-seccomp = log finds which)",
					 (int)in->pid);
		}
		if (in->reaped && !in->users) {
			*pp = in->next;
			cx_free_inst(in);
			continue;
		}
		pp = &in->next;
	}
}

/* Every request in the process ends with @status; the process goes. */
void cx_end_process(struct cuda_exec *cx, struct cx_chan *ch,
		    int32_t status, int failed)
{
	for (struct cx_req *r = ch->head; r; r = r->next) {
		if (r->state != RQ_SENT)
			continue;
		atomic_store(&r->cancel, 1);
		cx_finish_now(r, status);
	}
	ch->nsent = 0;
	ch->lost_seen = 0;
	backoff_forget(ch);
	cx_retire(cx, ch);
	cx_schedule_restart(ch, failed);
	count_delay(cx, ch);
}

/* Waiting requests fail with @status: no process will take them soon. */
void cx_fail_waiting(struct cx_chan *ch, int32_t status)
{
	for (struct cx_req *r = ch->head; r; r = r->next)
		if (r->state == RQ_WAIT)
			cx_finish_now(r, status);
}

void cx_on_timeout(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_req *r = ch->head;

	while (r && r->state != RQ_SENT)
		r = r->next;
	log_warn("vm %s: %s ran past %u ms: killing executor process %d; its memory and modules are gone",
		 ch->name, r ? vgpuif_op_name(r->req.operation) : "?",
		 cx->p.request_timeout_ms, (int)ch->inst->pid);
	cx->st.timeouts++;
	/* A failure like any other: a guest's endless kernels back off. */
	cx_end_process(cx, ch, VGPUIF_RSP_TIMEOUT, 1);
}

/* The process ended without being asked. */
void cx_on_lost(struct cuda_exec *cx, struct cx_chan *ch)
{
	cx->st.lost++;
	log_warn("vm %s: executor process %d ended%s; its memory and modules are gone",
		 ch->name, (int)ch->inst->pid,
		 ch->nsent ? " during a request" : "");
	cx_end_process(cx, ch, VGPUIF_RSP_ERROR, 1);
}

void cx_on_start_failed(struct cuda_exec *cx, struct cx_chan *ch,
			const char *why)
{
	log_error("vm %s: executor process %d did not start: %s", ch->name,
		  (int)ch->inst->pid, why);
	cx->st.start_failures++;
	cx_fail_waiting(ch, VGPUIF_RSP_ERROR);
	cx_retire(cx, ch);
	cx_schedule_restart(ch, 1);
	count_delay(cx, ch);
}

void cx_on_ready(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_inst *in = ch->inst;
	uint64_t dt = cx_now_ns() - in->t_spawn;

	in->state = IS_READY;
	cx->st.ready++;
	cx->st.start_ns_sum += dt;
	if (dt > cx->st.start_ns_max)
		cx->st.start_ns_max = dt;
	log_info("vm %s: executor process %d ready in %llu ms (staging %s%s, stream priorities %d/%d/%d)",
		 ch->name, (int)in->pid, (unsigned long long)(dt / 1000000),
		 in->ctrl->pinned ? "pinned" : "NOT pinned",
		 in->ctrl->zero_copy ? ", mapped" : "",
		 in->ctrl->stream_prio[0], in->ctrl->stream_prio[1],
		 in->ctrl->stream_prio[2]);
}

void cx_arm_timer(struct cuda_exec *cx)
{
	uint64_t next = gpu_health_next_ns(&cx->health);
	int gpu_ok = gpu_health_ok(&cx->health);
	struct itimerspec its = { 0 };

	if (cx->probe) {
		uint64_t t = cx->probe->t_spawn + cx->p.start_timeout_ms * 1000000ull;

		if (t < next)
			next = t;
	}
	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next) {
		struct cx_inst *in = ch->inst;
		uint64_t t = UINT64_MAX;

		if (!in) {
			/* A lost GPU: no restart before it is back. */
			if (gpu_ok)
				t = ch->restart_at;
		} else if (in->exited && in->state == IS_READY) {
			t = in->exited_ns + CX_EXIT_SETTLE_NS;
		} else if (in->state == IS_STARTING)
			t = in->t_spawn + cx->p.start_timeout_ms * 1000000ull;
		else if (ch->nsent && cx->p.request_timeout_ms)
			t = ch->head_since + cx->p.request_timeout_ms * 1000000ull;
		if (t < next)
			next = t;
	}
	if (cx->corpses) {
		uint64_t t = cx_now_ns() + CX_REAP_POLL_NS;

		if (t < next)
			next = t;
	}
	if (next != UINT64_MAX) {
		if (!next)
			next = 1;
		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
	}
	timerfd_settime(cx->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}
