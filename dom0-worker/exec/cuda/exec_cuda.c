// SPDX-License-Identifier: MIT
/*
 * The CUDA executor, worker side: one executor process per VM, started,
 * fed and watched from here (exec_cuda.h, exec_cuda_ipc.h,
 * Documentation/cuda-executor.md). This file is its ops table: set-up,
 * VMs, submit and reap; exec_cuda_priv.h says what the other files do.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vgpu/vgpuif_ops.h>

#include "exec_cuda_priv.h"
#include "log.h"

void exec_cuda_default_params(struct exec_cuda_params *p)
{
	*p = (struct exec_cuda_params){
		.program = "",
		.program_arg = "",
		.device = 0,
		.sched = "auto",
		.request_timeout_ms = 10000,
		.start_timeout_ms = 30000,
		.slot_size = 1u << 20,
		.nslots = 32,
		.copy_threads = 8,
		.inline_max = 64u << 10,
		.spin_us = 50,
		.mps_lower_percent = 100,
	};
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

unsigned int exec_cuda_inflight(struct executor *ex)
{
	return cxe(ex)->inflight;
}

/*
 * cx_arm_timer(), and with copies left on the caller's thread (no copy
 * threads), a wake-up within CX_SYNC_POLL_NS to move them on.
 */
static void arm_timer(struct cuda_exec *cx)
{
	struct itimerspec cur, its = { .it_value.tv_nsec = CX_SYNC_POLL_NS };
	int pending = 0;

	cx_arm_timer(cx);
	for (struct cx_chan *ch = cx->chans; ch && !pending; ch = ch->next)
		for (struct cx_req *r = ch->head; r && !pending; r = r->next)
			pending = r->sync_copies && r->sync_next < r->sync_total;
	if (!pending || timerfd_gettime(cx->timerfd, &cur))
		return;
	if ((!cur.it_value.tv_sec && !cur.it_value.tv_nsec) ||
	    cur.it_value.tv_sec || cur.it_value.tv_nsec > (long)CX_SYNC_POLL_NS)
		timerfd_settime(cx->timerfd, 0, &its, NULL);
}

static int cuda_submit(struct executor *ex, struct exec_vm *vm,
		       const struct vgpu_back_req *req,
		       const struct exec_data *data, void *tag,
		       struct exec_result *res)
{
	struct cuda_exec *cx = cxe(ex);
	struct cx_chan *ch = vm->priv;
	uint32_t slot = cx->p.slot_size;
	struct cx_req *r;

	*res = (struct exec_result){ .status = VGPUIF_RSP_OKAY };
	if (!ch) {
		res->status = VGPUIF_RSP_ERROR;
		return 1;
	}
	/*
	 * Nothing to wait for: done at once, unless others are ahead of it
	 * or the GPU is lost (then it ends as every request does, below).
	 */
	if (req->operation == VGPUIF_OP_NOP && !ch->head && !cx_gpu_apply(cx))
		return 1;
	r = calloc(1, sizeof(*r));
	if (!r) {
		res->status = VGPUIF_RSP_NO_MEMORY;
		return 1;
	}
	r->ch = ch;
	r->tag = tag;
	r->data = data;
	r->req = *req;
	switch (vgpuif_op_dirs(req->operation)) {
	case VGPUIF_DIR_FROM_GUEST:	/* mem_write, module_load, launch,
					   module_get_global */
		r->in_len = req->data_len;
		break;
	case VGPUIF_DIR_TO_GUEST:
		/* GET_INFO: the worker writes it (exec_cuda_req.c) */
		if (req->operation == VGPUIF_OP_DEVICE_ATTRS)
			/* the process's table, filtered there too */
			r->out_len = sizeof(struct vgpuif_device_attrs);
		else if (req->operation != VGPUIF_OP_GET_INFO)
			r->out_len = req->data_len;
		break;
	case VGPUIF_DIR_FROM_GUEST | VGPUIF_DIR_TO_GUEST:
		if (req->operation == VGPUIF_OP_FUNC_ATTRS) {
			/* the name in, the values out after it (8-aligned) */
			r->in_len = req->u.func.name_len;
			r->out_off = VGPUIF_ALIGN8((uint32_t)r->in_len);
			r->out_len = sizeof(struct vgpuif_func_attrs);
			break;
		}
		/* vector_add: a[n] b[n] in, c[n] out after them */
		r->in_len = 8u * req->u.vector_add.n;
		r->out_len = 4u * req->u.vector_add.n;
		r->out_off = r->in_len;
		break;
	default:	/* no data */
		break;
	}
	r->inl = r->out_off + r->out_len <= cx->inline_size &&
		 r->in_len <= cx->inline_size;
	r->n_in = cx_chunks(r->in_len, slot);
	r->n_out = cx_chunks(r->out_len, slot);
	if (req->operation == VGPUIF_OP_NOP)
		r->state = RQ_DONE;	/* reported in its turn */
	if (ch->tail)
		ch->tail->next = r;
	else
		ch->head = r;
	ch->tail = r;
	ch->nreq++;
	cx->inflight++;
	/* A lost GPU: every request ends so, NOP too (GPU gone, retry later). */
	if (cx_gpu_apply(cx))
		cx_finish_now(r, VGPUIF_RSP_DEVICE_LOST);
	else
		cx_try_post(cx, ch);
	/* Finished already (a failed copy) and first in line: report now. */
	if (ch->head == r && r->state == RQ_DONE &&
	    atomic_load(&r->tasks_left) == 0) {
		*res = r->res;
		if (res->status == VGPUIF_RSP_DEVICE_LOST)
			cx->st.device_lost++;
		ch->head = ch->tail = NULL;
		ch->nreq--;
		cx->inflight--;
		free(r);
		return 1;
	}
	if (r->state == RQ_DONE)
		cx_wake(cx);	/* reported behind the VM's others, at a reap */
	arm_timer(cx);
	return 0;
}

/* Starts the channel's process (cx_spawn) with what the worker knows. */
static struct cx_inst *start_process(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_inst *in = cx_take_spare(cx, ch->vm->cfg.priority);

	if (in) {
		uint64_t one = 1;

		log_info("vm %s: executor process %d (a spare) taken", ch->name,
			 (int)in->pid);
		/*
		 * Its "ready" doorbell rang while it was a spare: wake the
		 * loop so the channel sees it now, not at the start-up limit.
		 */
		if (write(cx->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_error("cuda executor: eventfd: %s", strerror(errno));
	} else {
		in = cx_spawn(cx, ch);
	}

	/* A fresh process, a fresh stream: no kernel of the VM runs. */
	ch->kernel_seq = 0;
	/*
	 * The addresses earlier processes handed out: a guest's stale one
	 * must name nothing in this one (the process reads them with its
	 * first command, after this store).
	 */
	if (in) {
		in->ctrl->retired_lo = ch->va_lo;
		in->ctrl->retired_hi = ch->va_hi;
	}
	return in;
}

/* Moves one channel on; reports what finished. */
static int scan_chan(struct cuda_exec *cx, struct cx_chan *ch, uint64_t now,
		     exec_done_fn done, void *arg)
{
	struct cx_inst *in = ch->inst;
	int n = 0;

	if (cx_gpu_apply(cx)) {
		/* A lost GPU: no process; what comes ends at once. */
		cx_fail_waiting(ch, VGPUIF_RSP_DEVICE_LOST);
		return cx_report(cx, ch, done, arg);
	}
	if (!in && now >= ch->restart_at) {
		if (ch->had_process)
			cx->st.restarts++;
		ch->inst = in = start_process(cx, ch);
		if (!in)
			cx_schedule_restart(ch, 1);
		ch->had_process = 1;
	}
	if (in && in->state == IS_STARTING) {
		uint32_t ready = atomic_load(&in->ctrl->ready);

		if (ready == CX_READY_OK)
			cx_on_ready(cx, ch);
		else if (ready == CX_READY_FAILED)
			cx_on_start_failed(cx, ch, "no GPU context");
		else if (in->exited)
			cx_on_start_failed(cx, ch, "it exited");
		else if (now > in->t_spawn &&
			 now - in->t_spawn >= cx->p.start_timeout_ms * 1000000ull) {
			cx_gpu_evidence(cx, ch, 0, now);
			cx_on_start_failed(cx, ch, "start-up timed out");
		}
	} else if (in) {
		n += cx_report(cx, ch, done, arg);
		/* An answer said the device failed: every VM ends so. */
		if (cx_gpu_apply(cx))
			return n + cx_report(cx, ch, done, arg);
		if (ch->lost_seen)
			cx_end_process(cx, ch, VGPUIF_RSP_FAULT, 1);
		else if (in->exited) {
			/* Judged once settled: others may follow (a lost GPU). */
			if (now - in->exited_ns >= CX_EXIT_SETTLE_NS)
				cx_on_lost(cx, ch);
		} else if (ch->nsent && cx->p.request_timeout_ms &&
			 now > ch->head_since &&
			 now - ch->head_since >= cx->p.request_timeout_ms * 1000000ull)
			cx_on_timeout(cx, ch);
	} else {
		/* Waiting out a back-off: the VM gets errors, not a hang. */
		cx_fail_waiting(ch, VGPUIF_RSP_ERROR);
	}
	for (struct cx_req *r = ch->head; r; r = r->next)
		if (r->sync_copies && r->sync_next < r->sync_total)
			cx_sync_copies(cx, r);
	n += cx_report(cx, ch, done, arg);
	cx_try_post(cx, ch);
	/* Some end as they are posted (a failed copy, a status owed). */
	return n + cx_report(cx, ch, done, arg);
}

static int cuda_reap(struct executor *ex, exec_done_fn done, void *arg)
{
	struct cuda_exec *cx = cxe(ex);
	struct epoll_event evs[32];
	int n, ndone = 0;
	uint64_t now;

	n = epoll_wait(cx->epfd, evs, 32, 0);
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;
		uint64_t v;

		if (p == &cx->tag_timer || p == &cx->tag_ev) {
			if (read(p == &cx->tag_timer ? cx->timerfd : cx->evfd, &v,
				 sizeof(v)) < 0 && errno != EAGAIN)
				log_error("cuda executor: read: %s", strerror(errno));
			continue;
		}
		for (;;) {
			struct cx_inst *in = p;
			char buf[64];
			ssize_t r = recv(in->sock, buf, sizeof(buf), MSG_DONTWAIT);

			if (r > 0)
				continue;
			if ((r == 0 || (errno != EAGAIN && errno != EINTR)) &&
			    !in->exited) {
				in->exited = 1;
				in->exited_ns = cx_now_ns();
			}
			break;
		}
	}
	now = cx_now_ns();
	/* The GPU first: a loss ends every VM's requests alike. */
	cx_gpu_count_failures(cx, now);
	cx_gpu_apply(cx);
	cx_gpu_step(cx, now);
	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next)
		ndone += scan_chan(cx, ch, now, done, arg);
	/* A loss found on the way ended those scanned before it too. */
	if (!gpu_health_ok(&cx->health))
		for (struct cx_chan *ch = cx->chans; ch; ch = ch->next)
			ndone += cx_report(cx, ch, done, arg);
	cx_keep_spares(cx);
	cx_reap_corpses(cx);
	arm_timer(cx);
	return ndone;
}

static int cuda_pollfd(struct executor *ex)
{
	return cxe(ex)->epfd;
}

static int find_program(struct cuda_exec *cx, const char *want)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (want && want[0]) {
		copy_str(cx->program, sizeof(cx->program), want);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		if (snprintf(cx->program, sizeof(cx->program), "%s/%s", self,
			     CX_PROGRAM) >= (int)sizeof(cx->program))
			return -ENAMETOOLONG;
	}
	return access(cx->program, X_OK) ? -errno : 0;
}

/* Runs `program --probe`: is there a GPU, what is it. 0 or -ENODEV. */
static int probe(struct cuda_exec *cx)
{
	char buf[256] = "", dev[16], name[64] = "";
	const char *argv[8];
	unsigned long long total = 0, free_b = 0;
	int pfd[2], argc = 0, status = 0, err;
	posix_spawn_file_actions_t fa;
	uint64_t deadline;
	size_t got = 0;
	pid_t pid;

	snprintf(dev, sizeof(dev), "%d", cx->p.device);
	argv[argc++] = cx->program;
	if (cx->program_arg[0])
		argv[argc++] = cx->program_arg;
	argv[argc++] = "--probe";
	argv[argc++] = "--device";
	argv[argc++] = dev;
	argv[argc] = NULL;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	err = posix_spawn_file_actions_init(&fa);
	if (!err) {
		err = posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
		/* Its complaints (no libcuda, no GPU) go to our log line. */
		if (!err)
			err = posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
		if (!err)
			err = posix_spawn(&pid, cx->program, &fa, NULL,
					  (char *const *)argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(pfd[1]);
	if (err) {
		close(pfd[0]);
		log_info("cuda executor: cannot run %s: %s", cx->program,
			 strerror(err));
		return -ENODEV;
	}
	deadline = cx_now_ns() + cx->p.start_timeout_ms * 1000000ull;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = cx_now_ns();
		ssize_t r;

		if (now >= deadline || got >= sizeof(buf) - 1)
			break;
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		r = read(pfd[0], buf + got, sizeof(buf) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(pfd[0]);
	kill(pid, SIGKILL);	/* a no-op when it is done */
	waitpid(pid, &status, 0);
	buf[got] = '\0';
	if (sscanf(buf, "ok\t%llu\t%llu\t%63[^\n]", &total, &free_b, name) != 3) {
		buf[strcspn(buf, "\n")] = '\0';
		log_info("cuda executor: %s --probe found no usable GPU (%s %d%s%.160s)",
			 cx->program,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 buf[0] ? ": " : "", buf);
		return -ENODEV;
	}
	copy_str(cx->device_name, sizeof(cx->device_name), name);
	cx->mem_total = total;
	cx->mem_free = free_b;
	return 0;
}

static void cuda_fini(struct executor *ex);

static int cuda_init(struct executor *ex)
{
	struct cuda_exec *cx = calloc(1, sizeof(*cx));
	struct epoll_event ev;
	int err;

	if (!cx)
		return -ENOMEM;
	ex->priv = cx;
	cx->epfd = cx->timerfd = cx->evfd = -1;
	gpu_health_init(&cx->health, cx_now_ns());
	pthread_mutex_init(&cx->lock, NULL);
	pthread_cond_init(&cx->cond, NULL);
	if (ex->params.cuda)
		cx->p = *ex->params.cuda;
	else
		exec_cuda_default_params(&cx->p);
	copy_str(cx->program_arg, sizeof(cx->program_arg), cx->p.program_arg);
	copy_str(cx->sched, sizeof(cx->sched),
		 cx->p.sched && cx->p.sched[0] ? cx->p.sched : "auto");
	cx->max_allocs = ex->params.max_allocs ? ex->params.max_allocs : 65536;
	if (!cx->p.slot_size || cx->p.slot_size % 4096 || !cx->p.nslots ||
	    cx->p.nslots > CX_MAX_SLOTS || !cx->p.start_timeout_ms) {
		log_error("cuda executor: bad staging settings (slot %u bytes, %u slots)",
			  cx->p.slot_size, cx->p.nslots);
		err = -EINVAL;
		goto fail;
	}
	if ((uint64_t)cx->p.inline_max > (uint64_t)cx->p.slot_size * cx->p.nslots)
		cx->p.inline_max = cx->p.slot_size * cx->p.nslots;
	/* Each command's inline area: requests up to inline_max go there. */
	cx->inline_size = (cx->p.inline_max + 4095u) & ~4095u;
	if (!cx->inline_size)
		cx->inline_size = 4096;

	err = find_program(cx, cx->p.program);
	if (err) {
		log_info("cuda executor: no executor program %s: %s", cx->program,
			 strerror(-err));
		err = -ENODEV;
		goto fail;
	}
	err = probe(cx);
	if (err)
		goto fail;

	cx->epfd = epoll_create1(EPOLL_CLOEXEC);
	cx->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	cx->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (cx->epfd < 0 || cx->timerfd < 0 || cx->evfd < 0) {
		err = -errno;
		goto fail;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &cx->tag_timer };
	if (epoll_ctl(cx->epfd, EPOLL_CTL_ADD, cx->timerfd, &ev)) {
		err = -errno;
		goto fail;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &cx->tag_ev };
	if (epoll_ctl(cx->epfd, EPOLL_CTL_ADD, cx->evfd, &ev)) {
		err = -errno;
		goto fail;
	}
	if (cx->p.copy_threads) {
		cx->threads = calloc(cx->p.copy_threads, sizeof(*cx->threads));
		if (!cx->threads) {
			err = -ENOMEM;
			goto fail;
		}
		for (uint32_t i = 0; i < cx->p.copy_threads; i++) {
			if (pthread_create(&cx->threads[i], NULL, cx_pool_main, cx)) {
				err = -EAGAIN;
				goto fail;
			}
			cx->nthreads++;
		}
	}
	log_info("cuda executor: %s, %llu MiB; program %s; request timeout %u ms; staging %u x %u KiB per VM; %u copy threads",
		 cx->device_name, (unsigned long long)(cx->mem_total >> 20),
		 cx->program, cx->p.request_timeout_ms, cx->p.nslots,
		 cx->p.slot_size >> 10, cx->nthreads);
	/* The spares come up while the worker starts (exec-spare). */
	cx_keep_spares(cx);
	return 0;
fail:
	cuda_fini(ex);
	return err;
}

static void cuda_fini(struct executor *ex)
{
	struct cuda_exec *cx = cxe(ex);

	if (!cx)
		return;
	while (cx->chans) {
		struct exec_vm *vm = cx->chans->vm;

		exec_cuda_ops.vm_detach(ex, vm);
	}
	if (cx->probe)
		cx_retire_inst(cx, cx->probe);
	cx->probe = NULL;
	cx_drop_spares(cx);
	pthread_mutex_lock(&cx->lock);
	cx->stopping = 1;
	pthread_cond_broadcast(&cx->cond);
	pthread_mutex_unlock(&cx->lock);
	for (unsigned int i = 0; i < cx->nthreads; i++)
		pthread_join(cx->threads[i], NULL);
	while (cx->corpses) {
		struct cx_inst *in = cx->corpses;

		cx->corpses = in->next;
		if (!in->reaped)
			waitpid(in->pid, NULL, 0);
		cx_free_inst(in);
	}
	if (cx->epfd >= 0)
		close(cx->epfd);
	if (cx->timerfd >= 0)
		close(cx->timerfd);
	if (cx->evfd >= 0)
		close(cx->evfd);
	pthread_mutex_destroy(&cx->lock);
	pthread_cond_destroy(&cx->cond);
	free(cx->threads);
	free(cx->q);
	free(cx);
	ex->priv = NULL;
}

/* The stored addresses of the device of @ch, or the slot to store them in. */
static struct cx_va *gone_va(struct cuda_exec *cx, const struct cx_chan *ch,
			     int for_store)
{
	struct cx_va *oldest = &cx->gone_va[0];

	for (unsigned int i = 0; i < CX_VA_TRACK; i++) {
		struct cx_va *v = &cx->gone_va[i];

		if (v->seq && v->domid == ch->vm->cfg.domid &&
		    v->devid == ch->vm->cfg.devid)
			return v;
		if (v->seq < oldest->seq)
			oldest = v;
	}
	return for_store ? oldest : NULL;
}

static int cuda_vm_attach(struct executor *ex, struct exec_vm *vm)
{
	struct cuda_exec *cx = cxe(ex);
	struct cx_chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return -ENOMEM;
	ch->vm = vm;
	cx_chan_name(ch);
	{
		const struct cx_va *v = gone_va(cx, ch, 0);

		if (v) {	/* it was here before: none of those again */
			ch->va_lo = v->lo;
			ch->va_hi = v->hi;
		}
	}
	vm->priv = ch;
	ch->next = cx->chans;
	cx->chans = ch;
	/*
	 * Start its process now: a context takes a while to come up. Not
	 * while the GPU is lost: then it starts once the GPU is back.
	 */
	if (gpu_health_ok(&cx->health)) {
		ch->inst = start_process(cx, ch);
		if (!ch->inst)
			cx_schedule_restart(ch, 1);
		ch->had_process = 1;
	}
	arm_timer(cx);
	return 0;
}

static void cuda_vm_detach(struct executor *ex, struct exec_vm *vm)
{
	struct cuda_exec *cx = cxe(ex);
	struct cx_chan *ch = vm->priv, **pp;

	if (!ch)
		return;
	/* Its requests end unreported: the backend completed them. */
	for (struct cx_req *r = ch->head; r; r = r->next)
		atomic_store(&r->cancel, 1);
	cx_retire(cx, ch);
	if (ch->va_hi) {
		struct cx_va *v = gone_va(cx, ch, 1);

		*v = (struct cx_va){ .domid = ch->vm->cfg.domid,
				     .devid = ch->vm->cfg.devid,
				     .lo = ch->va_lo, .hi = ch->va_hi,
				     .seq = ++cx->va_seq };
	}
	while (ch->head) {
		struct cx_req *r = ch->head;

		/* Cancelled: what is left on this thread ends at once. */
		if (r->sync_copies)
			cx_sync_copies(cx, r);
		while (atomic_load(&r->tasks_left) > 0)
			usleep(100);
		if (!r->inl && r->inst && r->seq)
			r->inst->users--;
		ch->head = r->next;
		if (!r->own)
			cx->inflight--;
		free(r);
	}
	for (pp = &cx->chans; *pp; pp = &(*pp)->next) {
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	}
	free(ch);
	vm->priv = NULL;
	cx_reap_corpses(cx);
	arm_timer(cx);
}

static void cuda_info(struct executor *ex, const struct exec_vm *vm,
		      struct exec_info *out)
{
	struct cuda_exec *cx = cxe(ex);
	const struct cx_chan *ch = vm ? vm->priv : NULL;

	memset(out, 0, sizeof(*out));
	memcpy(out->device_name, cx->device_name, sizeof(out->device_name));
	out->flags = VGPUIF_INFO_F_GPU;
	out->mem_total = cx->mem_total;
	out->mem_free = cx->mem_free;
	out->mem_used = ch ? ch->mem_used : 0;
}

void exec_cuda_get_stats(struct executor *ex, struct exec_cuda_stats *st)
{
	struct cuda_exec *cx = cxe(ex);

	*st = cx->st;
	st->pooled_chunks = __atomic_load_n(&cx->st.pooled_chunks, __ATOMIC_RELAXED);
}

static void cuda_health(struct executor *ex, struct exec_health *out)
{
	cx_gpu_health(cxe(ex), out);
}

int exec_cuda_vm_pid(const struct exec_vm *vm)
{
	const struct cx_chan *ch = vm->priv;

	return ch && ch->inst ? (int)ch->inst->pid : -1;
}

const struct exec_ops exec_cuda_ops = {
	.name = "cuda",
	.init = cuda_init,
	.fini = cuda_fini,
	.vm_attach = cuda_vm_attach,
	.vm_detach = cuda_vm_detach,
	.info = cuda_info,
	.submit = cuda_submit,
	.pollfd = cuda_pollfd,
	.reap = cuda_reap,
	.health = cuda_health,
};
