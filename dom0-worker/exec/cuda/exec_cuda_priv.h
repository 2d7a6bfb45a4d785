/* SPDX-License-Identifier: MIT */
/*
 * The CUDA executor's worker side, inside: what its files share
 * (exec_cuda.h is what the worker sees). Per VM a channel (struct cx_chan)
 * holds the current process (struct cx_inst) and the VM's requests in the
 * executor (struct cx_req). A process that ends (killed by the watchdog,
 * lost its context, crashed) becomes a corpse: out of the channel at once,
 * freed once reaped and no copy thread uses its shared memory any more;
 * the channel gets a fresh process.
 *
 * Everything but the copies runs on the caller's thread (the worker's
 * loop). Copy threads only move chunks between the guest (the exec_data
 * callback) and the staging slots, and count down the request's tasks;
 * a chunk that does not come keeps a thread only while no other copy
 * waits (CX_POOL_HOLD_NS).
 *
 * The files, each one job, and who calls whom (never back):
 *   exec_cuda.c       the ops table: set-up, submit, reap; calls the others
 *   exec_cuda_proc.c  processes: spawn, end, restart, watchdog timer
 *   exec_cuda_req.c   requests: post to a process, take its answers
 *   exec_cuda_copy.c  copies: the copy threads and chunk copies
 *   exec_cuda_gpu.c   the GPU as a whole: loss, probes, recovery
 *                     (gpu_health.h holds its state machine)
 */
#ifndef VGPU_WORKER_EXEC_CUDA_PRIV_H
#define VGPU_WORKER_EXEC_CUDA_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <sys/types.h>

#include "exec_cuda.h"
#include "exec_cuda_ipc.h"
#include "gpu_health.h"

#define CX_PROGRAM		"vgpu-cuda-exec"
#define CX_BACKOFF_MIN_NS	(100 * 1000000ull)
#define CX_BACKOFF_MAX_NS	(10 * 1000000000ull)
#define CX_REAP_POLL_NS		(10 * 1000000ull)
#define CX_POOL_SPIN_NS		(20 * 1000ull)
/*
 * A copy thread waits this long for a chunk while other copies wait for
 * a thread; then it puts the task back at the tail.
 */
#define CX_POOL_HOLD_NS		(1000000ull)
/*
 * Without copy threads, a chunk not ready within CX_POOL_HOLD_NS is left
 * for later: the worker's loop comes back every CX_SYNC_POLL_NS.
 */
#define CX_SYNC_POLL_NS		(200 * 1000ull)
/*
 * A process found dead unasked is judged this long after: when the GPU
 * takes every context, the others' deaths come in meanwhile and all are
 * one loss (exec_cuda_gpu.c), not VMs failing one by one.
 */
#define CX_EXIT_SETTLE_NS	(200 * 1000000ull)
/* Slotted requests of a VM in the process at once (overlapping copies). */
#define CX_SLOTTED_MAX		2

enum { IS_STARTING, IS_READY };

struct cx_req;

/*
 * The device addresses a VM's processes handed out, kept while the device
 * is disconnected (the last CX_VA_TRACK devices), so that they are not
 * handed out again when it comes back.
 */
#define CX_VA_TRACK		256
struct cx_va {
	uint16_t domid, devid;
	uint64_t lo, hi;
	uint64_t seq;		/* when stored; 0: empty */
};

struct cx_inst {
	struct cx_inst *next;		/* corpse or spare list */
	pid_t pid;
	int sock;			/* -1 once a corpse */
	struct cx_ctrl *ctrl;
	struct cx_geom geom;		/* the worker's own; never read ctrl's */
	size_t shm_size;
	int state;
	int exited;			/* its socket hung up */
	uint64_t exited_ns;		/* when that was seen */
	int reaped;
	uint32_t seq;			/* last command posted */
	uint32_t next_ticket;
	uint64_t t_spawn;
	int users;			/* slotted requests whose copy tasks use it */
	int counted;			/* its failure went to the GPU's health */
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
	int had_process;		/* a start now is a restart */
	/*
	 * The last LAUNCH posted whose kernel may still run, 0 if none: the
	 * VM's stream is not known idle until a command after it that waits
	 * for the stream (SYNC, a copy, an add) has answered OKAY.
	 */
	uint32_t kernel_seq;
	/*
	 * A status (TIMEOUT, FAULT) the executor's own SYNC got when none of
	 * the VM's requests was in the process to carry it: its next request
	 * is answered with it.
	 */
	int32_t owed;
	/*
	 * Every device address the VM's processes handed out lies in
	 * [va_lo, va_hi) (0, 0: none yet); a fresh process of the VM never
	 * hands one out again. Per VM: a process that lies in its answers
	 * hurts only its own VM.
	 */
	uint64_t va_lo, va_hi;
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
	int own;			/* the executor's SYNC: watched, never reported */
	uint32_t seq;
	uint32_t first, n_in, n_out;
	uint32_t in_len, out_len;
	uint64_t out_off;		/* where output goes in the guest buffer */
	uint64_t deadline;		/* slotted copies on the caller's thread */
	int sync_copies;		/* copies run on the caller's thread */
	/* Those copies: chunks of in (if sync_in), then out, done so far. */
	uint32_t sync_next, sync_total;
	uint8_t sync_in;
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
	struct cx_inst *spares;		/* exec-spare: processes with no VM yet */
	unsigned int nspare;
	uint64_t spare_retry_at;	/* no new spare before (one failed) */
	/* Devices that disconnected: the addresses they had (cx_chan). */
	struct cx_va gone_va[CX_VA_TRACK];
	uint64_t va_seq;
	unsigned int inflight;
	struct exec_cuda_stats st;
	/*
	 * The GPU as a whole (exec_cuda_gpu.c): its state; the probe process
	 * while probing; a device error an answer reported, for the next
	 * cx_gpu_apply(); whether the requests and processes of the current
	 * loss have been ended.
	 */
	struct gpu_health health;
	struct cx_inst *probe;
	int gpu_pending;
	int32_t gpu_pending_err;
	char gpu_pending_why[96];
	int gpu_down;

	pthread_mutex_t lock;		/* the task queue */
	pthread_cond_t cond;
	struct cx_task *q;
	unsigned int qhead, qn, qcap;
	int stopping;
	pthread_t *threads;
	unsigned int nthreads;
};

static inline struct cuda_exec *cxe(struct executor *ex)
{
	return ex->priv;
}

/* @r ends here with @status, without going to (or back from) a process. */
static inline void cx_finish_now(struct cx_req *r, int32_t status)
{
	r->res.status = status;
	r->state = RQ_DONE;
}

/* exec_cuda_proc.c: the processes. */
void cx_chan_name(struct cx_chan *ch);
/* Starts the channel's process; NULL (logged) if it cannot. */
struct cx_inst *cx_spawn(struct cuda_exec *cx, struct cx_chan *ch);
void cx_retire(struct cuda_exec *cx, struct cx_chan *ch);
/* Spare processes: one for a VM of priority @prio (or NULL), keeping the pool, ending it. */
struct cx_inst *cx_take_spare(struct cuda_exec *cx, int prio);
/* The processes are MPS clients (exec-mps-pipe). */
static inline int cx_mps(const struct cuda_exec *cx)
{
	return cx->p.mps_pipe && cx->p.mps_pipe[0];
}
void cx_keep_spares(struct cuda_exec *cx);
void cx_drop_spares(struct cuda_exec *cx);
void cx_free_inst(struct cx_inst *in);
/* Kills a process that is no channel's, to the corpse list. */
void cx_retire_inst(struct cuda_exec *cx, struct cx_inst *in);
void cx_schedule_restart(struct cx_chan *ch, int failed);
void cx_reap_corpses(struct cuda_exec *cx);
void cx_end_process(struct cuda_exec *cx, struct cx_chan *ch, int32_t status,
		    int failed);
void cx_fail_waiting(struct cx_chan *ch, int32_t status);
void cx_on_timeout(struct cuda_exec *cx, struct cx_chan *ch);
void cx_on_lost(struct cuda_exec *cx, struct cx_chan *ch);
void cx_on_start_failed(struct cuda_exec *cx, struct cx_chan *ch,
			const char *why);
void cx_on_ready(struct cuda_exec *cx, struct cx_chan *ch);
/* Sets the timer to the next start-up, request or restart deadline. */
void cx_arm_timer(struct cuda_exec *cx);

/*
 * exec_cuda_gpu.c: the GPU as a whole. The calls that may end every VM's
 * requests (cx_gpu_apply, cx_gpu_step) run only where the caller reports
 * the channels' finished requests afterwards.
 */
/* An answer carried device error @cu_error: the GPU is lost (applied later). */
void cx_gpu_suspect(struct cuda_exec *cx, int32_t cu_error, const char *why);
/*
 * Counts the processes found dead or failed since (all of them before
 * any is handled: a GPU that takes every context at once is seen as one
 * loss, not as VMs failing one by one).
 */
void cx_gpu_count_failures(struct cuda_exec *cx, uint64_t now);
/* Evidence: the process of @ch (NULL: a spare) failed with @cu_error. */
void cx_gpu_evidence(struct cuda_exec *cx, const struct cx_chan *ch,
		     int32_t cu_error, uint64_t now);
/*
 * Applies a suspected loss; on a loss, ends every request with
 * VGPUIF_RSP_DEVICE_LOST and every process. 1 while the GPU is not ok.
 */
int cx_gpu_apply(struct cuda_exec *cx);
/* Starts a probe when due, takes its result; recovery restarts the VMs. */
void cx_gpu_step(struct cuda_exec *cx, uint64_t now);
/* Wakes the worker's loop for a reap. */
void cx_wake(struct cuda_exec *cx);
/* The health op: the GPU's state and the executor's counters. */
void cx_gpu_health(const struct cuda_exec *cx, struct exec_health *out);

/* exec_cuda_req.c: the requests. */
void cx_try_post(struct cuda_exec *cx, struct cx_chan *ch);
int cx_report(struct cuda_exec *cx, struct cx_chan *ch, exec_done_fn done,
	      void *arg);

/* exec_cuda_copy.c: the copies. */
void *cx_pool_main(void *arg);
struct cx_task cx_task_of(struct cx_req *r, int out, uint32_t k);
/* Runs a copy task; 1 if it gave its thread up (@may_yield) unfinished. */
int cx_task_run(struct cuda_exec *cx, const struct cx_task *t, int may_yield);
int cx_pool_push(struct cuda_exec *cx, struct cx_req *r, int in, int out);
int cx_copy_inline(struct cuda_exec *cx, struct cx_req *r, int out);
/*
 * Moves @r's chunks on the caller's thread (no copy threads), in order,
 * from where it stopped, until one is not ready. 1 while some are left.
 */
int cx_sync_copies(struct cuda_exec *cx, struct cx_req *r);

#endif
