// SPDX-License-Identifier: MIT
/*
 * The CUDA executor, worker side: one executor process per VM, started,
 * fed and watched from here (exec_cuda.h, exec_cuda_ipc.h,
 * Documentation/cuda-executor.md).
 *
 * Per VM a channel (struct cx_chan) holds the current process (struct
 * cx_inst) and the request in flight (struct cx_req). A process that ends
 * (killed by the watchdog, lost its context, crashed) becomes a corpse:
 * out of the channel at once, freed once reaped and no copy thread uses
 * its shared memory any more; the channel gets a fresh process.
 *
 * Everything but the copies runs on the caller's thread (the worker's
 * loop). Copy threads only move chunks between the guest (the exec_data
 * callback) and the staging slots, and count down the request's tasks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_cuda.h"
#include "exec_cuda_ipc.h"
#include "log.h"

#define CX_PROGRAM		"vgpu-cuda-exec"
#define CX_BACKOFF_MIN_NS	(100 * 1000000ull)
#define CX_BACKOFF_MAX_NS	(10 * 1000000000ull)
#define CX_REAP_POLL_NS		(10 * 1000000ull)
#define CX_POOL_SPIN_NS		(20 * 1000ull)
/* Slotted requests of a VM in the process at once (overlapping copies). */
#define CX_SLOTTED_MAX		2

enum { IS_STARTING, IS_READY };

struct cx_req;

struct cx_inst {
	struct cx_inst *next;		/* corpse list */
	pid_t pid;
	int sock;			/* -1 once a corpse */
	struct cx_ctrl *ctrl;
	size_t shm_size;
	int state;
	int exited;			/* its socket hung up */
	int reaped;
	uint32_t seq;			/* last command posted */
	uint32_t next_ticket;
	uint64_t t_spawn;
	int users;			/* slotted requests whose copy tasks use it */
};

struct cx_chan {
	struct cx_chan *next;
	struct exec_vm *vm;
	struct cx_inst *inst;		/* NULL while waiting to restart */
	/*
	 * The VM's requests in the executor, in order: those in the process
	 * (RQ_SENT) and finished ones not yet reported come first, then those
	 * waiting to be sent (RQ_WAIT). They are reported in this order.
	 */
	struct cx_req *head, *tail;
	unsigned int nreq;
	unsigned int nsent;		/* RQ_SENT */
	unsigned int nslotted;		/* slotted ones sent or finishing */
	int lost_seen;			/* an answer said the context is gone */
	uint64_t head_since;		/* the oldest sent one's clock start */
	uint64_t mem_used;
	uint64_t restart_at;		/* when inst is NULL */
	uint32_t failures;		/* in a row, for the back-off */
	char name[24];			/* "domid/devid" */
};

enum { RQ_WAIT, RQ_SENT, RQ_DONE };

struct cx_req {
	struct cx_req *next;		/* the channel's FIFO */
	struct cx_chan *ch;
	struct cx_inst *inst;		/* once sent */
	void *tag;
	const struct exec_data *data;
	struct vgpu_back_req req;
	int state;			/* RQ_* */
	int inl;			/* data in the command's inline area */
	uint32_t seq;
	uint32_t first, n_in, n_out;
	uint32_t in_len, out_len;
	uint64_t out_off;		/* where output goes in the guest buffer */
	uint64_t deadline;		/* slotted copies on the caller's thread */
	int sync_copies;		/* copies run on the caller's thread */
	atomic_int tasks_left;		/* copy tasks not finished */
	atomic_int cancel;		/* tasks: stop waiting, move nothing */
	atomic_int copy_err;
	struct exec_result res;
};

struct cx_task {
	struct cx_req *r;
	uint64_t goff;			/* guest offset */
	uint32_t ticket;
	uint32_t len;
	uint8_t out;			/* staging -> guest */
};

struct cuda_exec {
	struct exec_cuda_params p;
	char program[PATH_MAX];
	char program_arg[128];
	char sched[16];
	uint32_t max_allocs;
	uint32_t inline_size;		/* per command; smaller requests go inline */
	char device_name[64];
	uint64_t mem_total, mem_free;
	int epfd, timerfd, evfd;
	int tag_timer, tag_ev;		/* epoll markers: their addresses */
	struct cx_chan *chans;
	struct cx_inst *corpses;
	unsigned int inflight;
	struct exec_cuda_stats st;

	pthread_mutex_t lock;		/* the task queue */
	pthread_cond_t cond;
	struct cx_task *q;
	unsigned int qhead, qn, qcap;
	int stopping;
	pthread_t *threads;
	unsigned int nthreads;
};

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
	};
}

static void copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static struct cuda_exec *cxe(struct executor *ex)
{
	return ex->priv;
}

/* ---- copy threads ---- */

static int req_stopped(void *arg)
{
	struct cx_req *r = arg;
	struct pollfd pfd;

	if (atomic_load(&r->cancel))
		return 1;
	if (!r->sync_copies)
		return 0;
	/* On the caller's thread nobody else watches the clock or the process. */
	if (r->deadline && cx_now_ns() >= r->deadline)
		return 1;
	pfd = (struct pollfd){ .fd = r->inst->sock, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)))
		return 1;
	return 0;
}

static void task_run(struct cuda_exec *cx, const struct cx_task *t)
{
	struct cx_req *r = t->r;
	struct cx_ctrl *c = r->inst->ctrl;
	uint32_t s = t->ticket % c->nslots;
	const struct exec_data *d = r->data;
	int err;

	if (!t->out) {
		/* The slot's last user (this request or an earlier one). */
		if (cx_wait_ticket(c, &c->drained[s], t->ticket - c->nslots,
				   CX_POOL_SPIN_NS, req_stopped, r))
			goto out;
		if (atomic_load(&r->cancel))
			goto out;
		err = d->copy(d->ctx, VGPU_BACK_COPY_FROM_GUEST, t->goff,
			      cx_slot(c, t->ticket), t->len);
		if (err) {
			atomic_store(&r->copy_err, err);
			/* The process waits for this chunk: tell it to give up. */
			atomic_store(&c->abort_seq, r->seq);
		} else {
			cx_publish(c, &c->filled[s], t->ticket);
		}
	} else {
		if (cx_wait_ticket(c, &c->filled[s], t->ticket, CX_POOL_SPIN_NS,
				   req_stopped, r))
			goto out;
		err = d->copy(d->ctx, VGPU_BACK_COPY_TO_GUEST, t->goff,
			      cx_slot(c, t->ticket), t->len);
		if (err)
			atomic_store(&r->copy_err, err);
		/* Drained either way: the process must not wait on it. */
		cx_publish(c, &c->drained[s], t->ticket);
	}
out:
	if (atomic_fetch_sub(&r->tasks_left, 1) == 1 && !r->sync_copies) {
		uint64_t one = 1;

		if (write(cx->evfd, &one, sizeof(one)) < 0)
			log_error("cuda executor: eventfd: %s", strerror(errno));
	}
}

static void *pool_main(void *arg)
{
	struct cuda_exec *cx = arg;

	pthread_mutex_lock(&cx->lock);
	for (;;) {
		struct cx_task t;

		while (!cx->qn && !cx->stopping)
			pthread_cond_wait(&cx->cond, &cx->lock);
		if (!cx->qn)
			break;
		t = cx->q[cx->qhead];
		cx->qhead = (cx->qhead + 1) % cx->qcap;
		cx->qn--;
		pthread_mutex_unlock(&cx->lock);
		task_run(cx, &t);
		__atomic_fetch_add(&cx->st.pooled_chunks, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&cx->lock);
	}
	pthread_mutex_unlock(&cx->lock);
	return NULL;
}

/* Room for @n more tasks; called with the lock held. 0 or -ENOMEM. */
static int pool_reserve(struct cuda_exec *cx, unsigned int n)
{
	unsigned int cap = cx->qcap ? cx->qcap : 64;
	struct cx_task *q;

	if (cx->qn + n <= cx->qcap)
		return 0;
	while (cap < cx->qn + n)
		cap *= 2;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (unsigned int i = 0; i < cx->qn; i++)
		q[i] = cx->q[(cx->qhead + i) % cx->qcap];
	free(cx->q);
	cx->q = q;
	cx->qhead = 0;
	cx->qcap = cap;
	return 0;
}

/* The task of chunk @k of a direction of @r. */
static struct cx_task task_of(struct cx_req *r, int out, uint32_t k)
{
	uint32_t slot = r->inst->ctrl->slot_size;
	uint32_t total = out ? r->out_len : r->in_len;
	uint64_t off = (uint64_t)k * slot;

	return (struct cx_task){
		.r = r,
		.goff = (out ? r->out_off : 0) + off,
		.ticket = (out ? r->first + r->n_in : r->first) + k,
		.len = (uint32_t)(total - off < slot ? total - off : slot),
		.out = (uint8_t)out,
	};
}

/*
 * Queues the tasks of every chunk of the directions asked, all or none.
 * 0 or -ENOMEM.
 */
static int pool_push(struct cuda_exec *cx, struct cx_req *r, int in, int out)
{
	unsigned int n = (in ? r->n_in : 0) + (out ? r->n_out : 0);

	pthread_mutex_lock(&cx->lock);
	if (pool_reserve(cx, n)) {
		pthread_mutex_unlock(&cx->lock);
		return -ENOMEM;
	}
	for (int dir = 0; dir < 2; dir++) {
		uint32_t cnt = dir ? r->n_out : r->n_in;

		if (!(dir ? out : in))
			continue;
		for (uint32_t k = 0; k < cnt; k++)
			cx->q[(cx->qhead + cx->qn++) % cx->qcap] = task_of(r, dir, k);
	}
	pthread_cond_broadcast(&cx->cond);
	pthread_mutex_unlock(&cx->lock);
	return 0;
}

/* ---- processes ---- */

static void chan_name(struct cx_chan *ch)
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

static struct cx_inst *spawn(struct cuda_exec *cx, struct cx_chan *ch)
{
	char dev[16], spin[16], allocs[16], hbase[24];
	posix_spawn_file_actions_t fa;
	const char *argv[24];
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
	argv[argc++] = ch->name;
	argv[argc++] = "--spin-us";
	argv[argc++] = spin;
	argv[argc++] = "--max-allocs";
	argv[argc++] = allocs;
	argv[argc++] = "--handle-base";
	argv[argc++] = hbase;
	argv[argc] = NULL;

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
		if (!err)
			err = posix_spawn(&pid, cx->program, &fa, NULL,
					  (char *const *)argv, environ);
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
	log_debug("vm %s: executor process %d started", ch->name, (int)pid);
	return in;
fail:
	log_error("vm %s: cannot start an executor process: %s", ch->name,
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

/* Ends a process: it leaves the channel and waits in the corpse list. */
static void retire(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_inst *in = ch->inst;

	if (!in)
		return;
	ch->inst = NULL;
	ch->mem_used = 0;
	kill(in->pid, SIGKILL);
	epoll_ctl(cx->epfd, EPOLL_CTL_DEL, in->sock, NULL);
	close(in->sock);
	in->sock = -1;
	in->next = cx->corpses;
	cx->corpses = in;
}

static void free_inst(struct cx_inst *in)
{
	if (in->ctrl)
		munmap(in->ctrl, in->shm_size);
	if (in->sock >= 0)
		close(in->sock);
	free(in);
}

static void schedule_restart(struct cx_chan *ch, int failed)
{
	uint64_t delay = 0;

	if (failed)
		ch->failures++;
	if (ch->failures > 1) {
		delay = CX_BACKOFF_MIN_NS << (ch->failures - 2 < 10 ? ch->failures - 2 : 10);
		if (delay > CX_BACKOFF_MAX_NS)
			delay = CX_BACKOFF_MAX_NS;
	}
	ch->restart_at = cx_now_ns() + delay;
}

static void reap_corpses(struct cuda_exec *cx)
{
	struct cx_inst **pp = &cx->corpses;

	while (*pp) {
		struct cx_inst *in = *pp;
		int status;

		if (!in->reaped && waitpid(in->pid, &status, WNOHANG) == in->pid)
			in->reaped = 1;
		if (in->reaped && !in->users) {
			*pp = in->next;
			free_inst(in);
			continue;
		}
		pp = &in->next;
	}
}

/* ---- requests ---- */

static void ring(struct cx_inst *in)
{
	char b = 1;

	if (atomic_load(&in->ctrl->cmd_waiting))
		(void)send(in->sock, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Copies chunks [0, n) of a direction on this thread, no waiting. */
static int copy_inline(struct cuda_exec *cx, struct cx_req *r, int out)
{
	struct cx_ctrl *c = r->inst->ctrl;
	uint32_t n = out ? r->n_out : r->n_in;
	uint32_t total = out ? r->out_len : r->in_len;
	uint32_t first = out ? r->first + r->n_in : r->first;

	for (uint32_t k = 0; k < n; k++) {
		uint64_t off = (uint64_t)k * c->slot_size;
		uint32_t len = (uint32_t)(total - off < c->slot_size ?
					  total - off : c->slot_size);
		uint32_t t = first + k;
		int err;

		err = r->data->copy(r->data->ctx, out ? VGPU_BACK_COPY_TO_GUEST :
				    VGPU_BACK_COPY_FROM_GUEST,
				    (out ? r->out_off : 0) + off, cx_slot(c, t), len);
		if (err)
			return err;
		cx_publish(c, out ? &c->drained[t % c->nslots] :
			   &c->filled[t % c->nslots], t);
		cx->st.inline_chunks++;
	}
	return 0;
}

static void finish_now(struct cx_req *r, int32_t status)
{
	r->res.status = status;
	r->state = RQ_DONE;
}

/* Sends a slotted request (data through the staging slots). */
static void post_slotted(struct cuda_exec *cx, struct cx_req *r)
{
	struct cx_inst *in = r->ch->inst;
	struct cx_ctrl *c = in->ctrl;
	/*
	 * With copy threads every chunk is theirs (a slot may still be in
	 * use by the request before, so a chunk may have to wait); without,
	 * this request is alone in the slots and small parts are copied
	 * here at once.
	 */
	int pooled_in = cx->nthreads ? r->n_in > 0 : r->in_len > cx->p.inline_max;
	int pooled_out = cx->nthreads ? r->n_out > 0 : r->out_len > cx->p.inline_max;
	int err;

	r->first = in->next_ticket;
	in->next_ticket += r->n_in + r->n_out;
	if (!in->next_ticket)
		in->next_ticket = 1;	/* never 0: the slots' initial value */
	if (!pooled_in && r->n_in) {
		err = copy_inline(cx, r, 0);
		if (err) {
			log_debug("vm %s: copy from the guest failed: %s",
				  r->ch->name, strerror(-err));
			finish_now(r, VGPUIF_RSP_ERROR);
			return;
		}
	}
	r->seq = ++in->seq;
	c->cmd[r->seq % CX_RING] = (struct cx_cmd){
		.seq = r->seq,
		.req = r->req,
		.mem_quota = r->ch->vm->cfg.mem_quota,
		.first_ticket = r->first,
		.n_in = r->n_in,
		.n_out = r->n_out,
		.in_len = r->in_len,
		.out_len = r->out_len,
		.priority = r->ch->vm->cfg.priority,
	};
	atomic_store(&c->cmd_seq, r->seq);
	ring(in);
	r->state = RQ_SENT;
	in->users++;
	r->ch->nslotted++;
	r->deadline = cx->p.request_timeout_ms ?
		      cx_now_ns() + cx->p.request_timeout_ms * 1000000ull : 0;

	if (!pooled_in && !pooled_out)
		return;
	r->sync_copies = cx->nthreads == 0;
	atomic_store(&r->tasks_left, (int)((pooled_in ? r->n_in : 0) +
					   (pooled_out ? r->n_out : 0)));
	if (r->sync_copies) {
		/* No helper threads: this thread moves every chunk, in order. */
		for (int out = 0; out < 2; out++) {
			uint32_t n = out ? r->n_out : r->n_in;

			if (!(out ? pooled_out : pooled_in))
				continue;
			for (uint32_t k = 0; k < n; k++) {
				struct cx_task t = task_of(r, out, k);

				task_run(cx, &t);
				cx->st.inline_chunks++;
			}
		}
		return;
	}
	if (pool_push(cx, r, pooled_in, pooled_out)) {
		log_error("vm %s: out of memory for copy tasks", r->ch->name);
		atomic_store(&r->tasks_left, 0);
		atomic_store(&r->cancel, 1);
		/* The process waits for chunks that will not come. */
		atomic_store(&c->abort_seq, r->seq);
	}
}

/* Sends a request whose data fits the command's inline area. */
static void post_inline(struct cuda_exec *cx, struct cx_req *r)
{
	struct cx_inst *in = r->ch->inst;
	struct cx_ctrl *c = in->ctrl;
	uint32_t seq = in->seq + 1;

	if (r->in_len && exec_copy(r->data, VGPU_BACK_COPY_FROM_GUEST, 0,
				   cx_inline(c, seq), r->in_len)) {
		log_debug("vm %s: copy from the guest failed", r->ch->name);
		finish_now(r, VGPUIF_RSP_ERROR);
		return;
	}
	r->seq = in->seq = seq;
	c->cmd[seq % CX_RING] = (struct cx_cmd){
		.seq = seq,
		.flags = CX_CMD_F_INLINE,
		.req = r->req,
		.mem_quota = r->ch->vm->cfg.mem_quota,
		.in_len = r->in_len,
		.out_len = r->out_len,
		.priority = r->ch->vm->cfg.priority,
	};
	atomic_store(&c->cmd_seq, seq);
	ring(in);
	r->state = RQ_SENT;
	if (r->in_len)
		cx->st.inline_chunks++;
}

/*
 * Sends what may go: inline requests while fewer than CX_RING are in the
 * process and no slotted one is; a slotted one only into an empty process.
 */
static void try_post(struct cuda_exec *cx, struct cx_chan *ch)
{
	if (!ch->inst || ch->inst->state != IS_READY)
		return;
	for (struct cx_req *r = ch->head; r; r = r->next) {
		if (r->state != RQ_WAIT)
			continue;
		if (ch->nsent >= CX_RING ||
		    (!r->inl && ch->nslotted >= (cx->nthreads ? CX_SLOTTED_MAX : 1)))
			break;
		r->inst = ch->inst;
		if (r->inl)
			post_inline(cx, r);
		else
			post_slotted(cx, r);
		if (r->state == RQ_SENT && ++ch->nsent == 1)
			ch->head_since = cx_now_ns();
	}
}

static void reply_info(struct cx_req *r, const struct cx_rsp *rsp,
		       const char *name)
{
	const struct vgpu_back_vm *cfg = &r->ch->vm->cfg;
	struct vgpuif_info info;

	memset(&info, 0, sizeof(info));
	info.protocol_version = VGPUIF_PROTOCOL_VERSION;
	info.vm_id = cfg->vm_id;
	info.pool = cfg->pool;
	info.priority = cfg->priority;
	info.flags = VGPUIF_INFO_F_GPU;
	info.mem_total = rsp->mem_total;
	info.mem_free = rsp->mem_free;
	info.mem_quota = cfg->mem_quota;
	info.mem_used = rsp->mem_used;
	memcpy(info.device_name, name, sizeof(info.device_name));
	info.device_name[sizeof(info.device_name) - 1] = '\0';
	if (exec_copy(r->data, VGPU_BACK_COPY_TO_GUEST, 0, &info, sizeof(info)))
		r->res.status = VGPUIF_RSP_ERROR;
}

/*
 * A slotted request leaves (its copy tasks are all done). Chunks it did
 * not move are released - their slots published drained - so that the
 * next request's waits on those slots end; the process never looks at an
 * old ticket again.
 */
static void slotted_gone(struct cx_chan *ch, struct cx_req *r)
{
	if (r->state == RQ_DONE && r->res.status != VGPUIF_RSP_OKAY &&
	    r->inst == ch->inst && ch->inst) {
		struct cx_ctrl *c = r->inst->ctrl;

		for (uint32_t k = 0; k < r->n_in + r->n_out; k++) {
			uint32_t t = r->first + k;
			_Atomic uint32_t *d = &c->drained[t % c->nslots];

			if (!cx_ticket_ge(atomic_load(d), t))
				cx_publish(c, d, t);
		}
	}
	r->inst->users--;
	ch->nslotted--;
}

/* The process answered @r (sent there, in order). */
static void on_response(struct cuda_exec *cx, struct cx_chan *ch,
			struct cx_req *r)
{
	struct cx_ctrl *c = ch->inst->ctrl;
	struct cx_rsp rsp = c->rsp[r->seq % CX_RING];

	r->res.status = rsp.status;
	r->res.ret[0] = rsp.ret[0];
	r->res.ret[1] = rsp.ret[1];
	ch->mem_used = rsp.mem_used;
	if (rsp.status == VGPUIF_RSP_OKAY) {
		ch->failures = 0;
		if (r->req.operation == VGPUIF_OP_GET_INFO) {
			cx->mem_free = rsp.mem_free;
			reply_info(r, &rsp, cx->device_name);
		}
		if (r->inl && r->out_len &&
		    exec_copy(r->data, VGPU_BACK_COPY_TO_GUEST, r->out_off,
			      cx_inline(c, r->seq) + r->out_off, r->out_len))
			r->res.status = VGPUIF_RSP_ERROR;
		else if (!r->inl && !cx->nthreads && r->n_out &&
			 r->out_len <= cx->p.inline_max && copy_inline(cx, r, 1))
			r->res.status = VGPUIF_RSP_ERROR;
	} else {
		/* Chunks it will never take or give: the tasks stop. */
		atomic_store(&r->cancel, 1);
		if (rsp.status == VGPUIF_RSP_FAULT)
			cx->st.faults++;
		log_debug("vm %s: %s: status %d (device error %d)", ch->name,
			  exec_op_name(r->req.operation), rsp.status, rsp.cu_error);
	}
	r->state = RQ_DONE;
	ch->nsent--;
	ch->head_since = cx_now_ns();
	if (rsp.flags & CX_RSP_F_LOST) {
		if (!ch->lost_seen)
			log_warn("vm %s: %s: the GPU context is lost (device error %d); its memory and modules are gone, starting a fresh executor",
				 ch->name, exec_op_name(r->req.operation),
				 rsp.cu_error);
		ch->lost_seen = 1;
	}
}

/* Every request in the process ends with @status; the process goes. */
static void end_process(struct cuda_exec *cx, struct cx_chan *ch,
			int32_t status, int failed)
{
	for (struct cx_req *r = ch->head; r; r = r->next) {
		if (r->state != RQ_SENT)
			continue;
		atomic_store(&r->cancel, 1);
		finish_now(r, status);
	}
	ch->nsent = 0;
	ch->lost_seen = 0;
	retire(cx, ch);
	schedule_restart(ch, failed);
}

/* Waiting requests fail: no process will take them soon. */
static void fail_waiting(struct cx_chan *ch)
{
	for (struct cx_req *r = ch->head; r; r = r->next)
		if (r->state == RQ_WAIT)
			finish_now(r, VGPUIF_RSP_ERROR);
}

static void on_timeout(struct cuda_exec *cx, struct cx_chan *ch)
{
	struct cx_req *r = ch->head;

	while (r && r->state != RQ_SENT)
		r = r->next;
	log_warn("vm %s: %s ran past %u ms: killing executor process %d; its memory and modules are gone",
		 ch->name, r ? exec_op_name(r->req.operation) : "?",
		 cx->p.request_timeout_ms, (int)ch->inst->pid);
	cx->st.timeouts++;
	end_process(cx, ch, VGPUIF_RSP_TIMEOUT, 0);
}

/* The process ended without being asked. */
static void on_lost(struct cuda_exec *cx, struct cx_chan *ch)
{
	cx->st.lost++;
	log_warn("vm %s: executor process %d ended%s; its memory and modules are gone",
		 ch->name, (int)ch->inst->pid,
		 ch->nsent ? " during a request" : "");
	end_process(cx, ch, VGPUIF_RSP_ERROR, 1);
}

static void on_start_failed(struct cuda_exec *cx, struct cx_chan *ch,
			    const char *why)
{
	log_error("vm %s: executor process %d did not start: %s", ch->name,
		  (int)ch->inst->pid, why);
	fail_waiting(ch);
	retire(cx, ch);
	schedule_restart(ch, 1);
}

static void on_ready(struct cuda_exec *cx, struct cx_chan *ch)
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

/*
 * Takes the answers that came, reports finished requests from the head,
 * in order. How many were reported.
 */
static int report(struct cuda_exec *cx, struct cx_chan *ch, exec_done_fn done,
		  void *arg)
{
	struct cx_req *r;
	int n = 0;

	while ((r = ch->head)) {
		if (r->state == RQ_SENT) {
			uint32_t answered = atomic_load_explicit(
				&ch->inst->ctrl->rsp_seq, memory_order_acquire);

			if (!cx_ticket_ge(answered, r->seq))
				break;
			on_response(cx, ch, r);
		}
		if (r->state != RQ_DONE || atomic_load(&r->tasks_left) > 0)
			break;
		if (atomic_load(&r->copy_err) && r->res.status == VGPUIF_RSP_OKAY) {
			log_debug("vm %s: copy to or from the guest failed: %s",
				  ch->name, strerror(-atomic_load(&r->copy_err)));
			r->res.status = VGPUIF_RSP_ERROR;
		}
		ch->head = r->next;
		if (!ch->head)
			ch->tail = NULL;
		ch->nreq--;
		cx->inflight--;
		if (!r->inl && r->inst && r->seq)
			slotted_gone(ch, r);
		if (done)
			done(arg, r->tag, &r->res);
		free(r);
		n++;
	}
	return n;
}

/* Moves one channel on; reports what finished. */
static int scan_chan(struct cuda_exec *cx, struct cx_chan *ch, uint64_t now,
		     exec_done_fn done, void *arg)
{
	struct cx_inst *in = ch->inst;
	int n = 0;

	if (!in && now >= ch->restart_at) {
		ch->inst = in = spawn(cx, ch);
		if (!in)
			schedule_restart(ch, 1);
	}
	if (in && in->state == IS_STARTING) {
		uint32_t ready = atomic_load(&in->ctrl->ready);

		if (ready == CX_READY_OK)
			on_ready(cx, ch);
		else if (ready == CX_READY_FAILED)
			on_start_failed(cx, ch, "no GPU context");
		else if (in->exited)
			on_start_failed(cx, ch, "it exited");
		else if (now > in->t_spawn &&
			 now - in->t_spawn >= cx->p.start_timeout_ms * 1000000ull)
			on_start_failed(cx, ch, "start-up timed out");
	} else if (in) {
		n += report(cx, ch, done, arg);
		if (ch->lost_seen)
			end_process(cx, ch, VGPUIF_RSP_FAULT, 0);
		else if (in->exited)
			on_lost(cx, ch);
		else if (ch->nsent && cx->p.request_timeout_ms &&
			 now > ch->head_since &&
			 now - ch->head_since >= cx->p.request_timeout_ms * 1000000ull)
			on_timeout(cx, ch);
	} else {
		/* Waiting out a back-off: the VM gets errors, not a hang. */
		fail_waiting(ch);
	}
	n += report(cx, ch, done, arg);
	try_post(cx, ch);
	return n;
}

static void arm_timer(struct cuda_exec *cx)
{
	uint64_t next = UINT64_MAX;
	struct itimerspec its = { 0 };

	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next) {
		struct cx_inst *in = ch->inst;
		uint64_t t = UINT64_MAX;

		if (!in)
			t = ch->restart_at;
		else if (in->state == IS_STARTING)
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
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				in->exited = 1;
			break;
		}
	}
	now = cx_now_ns();
	for (struct cx_chan *ch = cx->chans; ch; ch = ch->next)
		ndone += scan_chan(cx, ch, now, done, arg);
	reap_corpses(cx);
	arm_timer(cx);
	return ndone;
}

static int cuda_pollfd(struct executor *ex)
{
	return cxe(ex)->epfd;
}

unsigned int exec_cuda_inflight(struct executor *ex)
{
	return cxe(ex)->inflight;
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
	/* Nothing to wait for: done at once, unless others are ahead of it. */
	if (req->operation == VGPUIF_OP_NOP && !ch->head)
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
	switch (req->operation) {
	case VGPUIF_OP_MEM_WRITE:
	case VGPUIF_OP_MODULE_LOAD:
	case VGPUIF_OP_LAUNCH:
		r->in_len = req->data_len;
		break;
	case VGPUIF_OP_MEM_READ:
		r->out_len = req->data_len;
		break;
	case VGPUIF_OP_VECTOR_ADD:
		r->in_len = 8u * req->u.vector_add.n;
		r->out_len = 4u * req->u.vector_add.n;
		r->out_off = r->in_len;
		break;
	default:	/* GET_INFO: the worker writes it */
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
	try_post(cx, ch);
	/* Finished already (a failed copy) and first in line: report now. */
	if (ch->head == r && r->state == RQ_DONE &&
	    atomic_load(&r->tasks_left) == 0) {
		*res = r->res;
		ch->head = ch->tail = NULL;
		ch->nreq--;
		cx->inflight--;
		free(r);
		return 1;
	}
	arm_timer(cx);
	return 0;
}

struct sync_wait {
	void *tag;
	int done;
	struct exec_result *res;
};

/* The signature is exec_done_fn's. */
/* cppcheck-suppress constParameter */
static void sync_done(void *arg, void *tag, const struct exec_result *res)
{
	struct sync_wait *w = arg;

	if (tag == w->tag) {
		*w->res = *res;
		w->done = 1;
	}
}

static void cuda_execute(struct executor *ex, struct exec_vm *vm,
			 const struct vgpu_back_req *req,
			 const struct exec_data *data, struct exec_result *res)
{
	struct cuda_exec *cx = cxe(ex);
	struct sync_wait w = { .tag = &w, .res = res };

	if (cuda_submit(ex, vm, req, data, &w, res))
		return;
	while (!w.done) {
		struct pollfd pfd = { .fd = cx->epfd, .events = POLLIN };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			log_error("cuda executor: poll: %s", strerror(errno));
			break;
		}
		cuda_reap(ex, sync_done, &w);
	}
}

/* ---- set-up ---- */

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
			if (pthread_create(&cx->threads[i], NULL, pool_main, cx)) {
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
		free_inst(in);
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

static int cuda_vm_attach(struct executor *ex, struct exec_vm *vm)
{
	struct cuda_exec *cx = cxe(ex);
	struct cx_chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return -ENOMEM;
	ch->vm = vm;
	chan_name(ch);
	vm->priv = ch;
	ch->next = cx->chans;
	cx->chans = ch;
	/* Start its process now: a context takes a while to come up. */
	ch->inst = spawn(cx, ch);
	if (!ch->inst)
		schedule_restart(ch, 1);
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
	retire(cx, ch);
	while (ch->head) {
		struct cx_req *r = ch->head;

		while (atomic_load(&r->tasks_left) > 0)
			usleep(100);
		if (!r->inl && r->inst && r->seq)
			r->inst->users--;
		ch->head = r->next;
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
	reap_corpses(cx);
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
	.execute = cuda_execute,
	.info = cuda_info,
	.submit = cuda_submit,
	.pollfd = cuda_pollfd,
	.reap = cuda_reap,
};
