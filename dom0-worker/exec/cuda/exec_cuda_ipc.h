/* SPDX-License-Identifier: MIT */
/*
 * What the worker (exec_cuda*.c) and a per-VM executor process
 * (cx_*.c, the program vgpu-cuda-exec) share. No CUDA here: the worker
 * side builds and runs on hosts without cuda.h or libcuda.
 *
 * One executor process per VM device. The worker creates, for each process:
 *  - a socketpair (SOCK_SEQPACKET): doorbells both ways (one byte each) and
 *    the worker's view of the process's death (POLLHUP when it exits);
 *  - a shared memory file (memfd): the control page struct cx_ctrl, then
 *    nslots staging slots of slot_size bytes, page aligned. The executor
 *    pins the staging area with cuMemHostRegister, so the backend's grant
 *    copy (the transport's copy) lands in memory the GPU reads by DMA.
 * The process is started as
 *   vgpu-cuda-exec --sock-fd 3 --shm-fd 4 [options]
 * with the two descriptors at 3 and 4. It dies with the worker
 * (PR_SET_PDEATHSIG).
 *
 * Commands. The worker posts up to CX_RING commands to a process: command
 * seq (1, 2, ...) goes to ctrl->cmd[seq % CX_RING], then cmd_seq = seq
 * (release); it rings the doorbell if the process said it is sleeping
 * (cmd_waiting). The process spins on cmd_seq for a while after its last
 * command, then sets cmd_waiting, looks once more and sleeps in recv().
 * It answers every command, in order: ctrl->rsp[seq % CX_RING], then
 * rsp_seq = seq (release), then a doorbell byte to the worker (one per
 * batch of answers).
 *
 * A command's data travels one of two ways:
 *  - inline (CX_CMD_F_INLINE): the request's whole guest buffer fits the
 *    command's own inline area (inline_size bytes, after the staging
 *    slots). The worker copies the input part in before posting and the
 *    output part out after the answer. These commands pipeline: the
 *    process queues their GPU work on the stream back to back and answers
 *    each once its work is done, so several of a VM's small requests are
 *    on the GPU at once (a context switch on the GPU is paid per batch, not
 *    per request). A small vector add reads and writes the inline area
 *    in place (mapped pinned memory): one kernel, no copies;
 *  - through the staging slots (below), for larger data; at most two such
 *    commands of a VM are in the process at once.
 *
 * Data moves through the staging slots in chunks of at most slot_size
 * bytes. Every chunk has a ticket, a 32-bit number that grows by one per
 * chunk over the life of the process (never 0); the chunk of ticket t uses
 * slot t % nslots. A command names its first ticket; its input chunks (guest
 * to GPU) take tickets first .. first + n_in - 1, its output chunks (GPU to
 * guest) the next n_out. For each chunk the producer writes the slot, then
 * filled[slot] = t; the consumer uses the slot, then drained[slot] = t. The
 * producer of ticket t waits for drained[slot] >= t - nslots: the slot's
 * previous user, in the same command or in the one before (the worker
 * posts the next slotted command while the last one's copies finish, so
 * two overlap). Input chunks: the worker produces, the process consumes;
 * output chunks: the reverse. A command that fails leaves some tickets
 * unmoved: once none of its copies runs any more, the worker publishes
 * them drained, so later waits end. (Tickets wrap after 2^32 chunks, some
 * petabytes through one process; not handled.) Waits spin, then sleep on
 * the word with a futex (shared, not private), with a short timeout so a
 * waiter notices a cancelled request or a dead peer.
 *
 * The process answers a command once its work is finished on the GPU,
 * except LAUNCH, which answers once the kernel is queued: a kernel's fault
 * or hang shows in the next command that waits for the GPU (SYNC, a copy,
 * ...). When the context is lost (a sticky error), the process answers
 * every command it holds with CX_RSP_F_LOST, then exits. Operations that
 * change the VM's tables (alloc, free, module load and unload), GET_INFO
 * and slotted commands wait until the commands before them are answered.
 * A command whose status is an error may leave
 * input chunks unconsumed or output chunks unproduced: the worker abandons
 * them.
 */
#ifndef VGPU_WORKER_EXEC_CUDA_IPC_H
#define VGPU_WORKER_EXEC_CUDA_IPC_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <uapi/linux/vgpu_back.h>

#define CX_MAGIC		0x63786776u	/* "vgxc" */
#define CX_VERSION		1
#define CX_CTRL_SIZE		4096u		/* staging starts here */
#define CX_MAX_SLOTS		64u
#define CX_RING			16u		/* commands in flight per process */
#define CX_SOCK_FD		3
#define CX_SHM_FD		4

/* Exit codes of the process. */
#define CX_EXIT_OK		0	/* the worker closed the socket or said exit */
#define CX_EXIT_USAGE		2
#define CX_EXIT_INIT		3	/* no GPU, no context, bad shared memory */
#define CX_EXIT_LOST		4	/* the context is gone (sticky error) */

/* Command flags. */
#define CX_CMD_F_EXIT		0x1	/* no operation: exit cleanly */
#define CX_CMD_F_INLINE		0x2	/* data in the command's inline area */

struct cx_cmd {
	uint32_t seq;		/* 1, 2, ... */
	uint32_t flags;		/* CX_CMD_F_* */
	struct vgpu_back_req req;	/* checked by the worker (vgpuif_check_op) */
	uint64_t mem_quota;	/* the VM's current quota, 0 = none */
	uint32_t first_ticket;
	uint32_t n_in;		/* input chunks (tickets) */
	uint32_t n_out;		/* output chunks */
	uint32_t in_len;	/* bytes in, the request's data from offset 0 */
	uint32_t out_len;	/* bytes out */
	uint8_t priority;	/* VGPUIF_PRIO_*, for the stream */
	uint8_t _pad[3];
};

/* Response flags. */
#define CX_RSP_F_LOST		0x1	/* the context is gone; the process exits */

struct cx_rsp {
	uint32_t seq;		/* the command's */
	int32_t status;		/* VGPUIF_RSP_* */
	uint32_t flags;		/* CX_RSP_F_* */
	int32_t cu_error;	/* CUresult behind an error status, 0 if none */
	uint64_t ret[2];
	uint64_t mem_used;	/* the VM's allocations, after the command */
	uint64_t mem_free;	/* device, GET_INFO only */
	uint64_t mem_total;	/* device, GET_INFO only */
	uint64_t gpu_ns;	/* time the command spent in the process */
};

/* Process start-up state (ctrl->ready). */
#define CX_READY_NOT		0
#define CX_READY_OK		1
#define CX_READY_FAILED		2

struct cx_ctrl {
	/* Written by the worker before the process starts. */
	uint32_t magic;
	uint32_t version;
	uint32_t nslots;
	uint32_t slot_size;	/* a multiple of 4096 */
	uint32_t inline_size;	/* per command, a multiple of 4096 */
	uint32_t _pad2;
	uint64_t shm_size;	/* CX_CTRL_SIZE + nslots * slot_size
				   + CX_RING * inline_size */
	/*
	 * Device addresses the worker's executor processes handed out
	 * before this one, [retired_lo, retired_hi): the process never hands
	 * one out again (cx_mem.c), so a stale address from before a restart
	 * names nothing. Written before the first command is posted.
	 */
	uint64_t retired_lo, retired_hi;

	/* Written by the process once, then ready (release). */
	_Atomic uint32_t ready;	/* CX_READY_* */
	int32_t init_cu_error;
	uint32_t pinned;	/* 1: staging is registered (page-locked) */
	uint32_t zero_copy;	/* 1: kernels use the inline areas in place */
	int32_t stream_prio[3];	/* CUDA priority of high, medium, low */
	uint32_t _pad0;
	uint64_t mem_total;
	char device_name[64];

	/* Command ring (worker -> process) and answers (process -> worker). */
	_Atomic uint32_t cmd_seq;	/* last command posted */
	_Atomic uint32_t cmd_waiting;	/* the process sleeps in recv() */
	_Atomic uint32_t abort_seq;	/* the worker abandoned this command */
	_Atomic uint32_t rsp_seq;	/* last command answered */
	struct cx_cmd cmd[CX_RING];
	struct cx_rsp rsp[CX_RING];

	/* Staging slots. */
	_Atomic uint32_t sleepers;	/* threads in cx_wait_ticket()'s futex */
	_Atomic uint32_t filled[CX_MAX_SLOTS];
	_Atomic uint32_t drained[CX_MAX_SLOTS];
};

_Static_assert(sizeof(struct cx_ctrl) <= CX_CTRL_SIZE, "control page");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "lock-free atomics across processes");

/*
 * The staging geometry. The worker writes it into the control page before
 * the process starts, and keeps its own copy (struct cx_inst): the
 * process can write the page, so the worker computes every slot and
 * inline address from its copy, never from the page (a process that
 * wrote nslots 0 or a huge slot_size there would otherwise crash the
 * worker or aim its copies at the worker's own memory). The process
 * checks the page's values once, at start-up (map_shm), and then uses
 * them: a process can only hurt itself.
 */
struct cx_geom {
	uint32_t nslots;
	uint32_t slot_size;	/* a multiple of 4096 */
	uint32_t inline_size;	/* per command, a multiple of 4096 */
};

/* Slot of @ticket, inline area of command @seq, in the mapping at @c. */
static inline uint8_t *cx_geom_slot(struct cx_ctrl *c, const struct cx_geom *g,
				    uint32_t ticket)
{
	return (uint8_t *)c + CX_CTRL_SIZE +
	       (uint64_t)(ticket % g->nslots) * g->slot_size;
}

static inline uint8_t *cx_geom_inline(struct cx_ctrl *c,
				      const struct cx_geom *g, uint32_t seq)
{
	return (uint8_t *)c + CX_CTRL_SIZE +
	       (uint64_t)g->nslots * g->slot_size +
	       (uint64_t)(seq % CX_RING) * g->inline_size;
}

/* The process's own view (its page, checked at start-up); not the worker's. */
static inline uint8_t *cx_slot(struct cx_ctrl *c, uint32_t ticket)
{
	const struct cx_geom own = { c->nslots, c->slot_size, c->inline_size };

	return cx_geom_slot(c, &own, ticket);
}

static inline uint8_t *cx_inline(struct cx_ctrl *c, uint32_t seq)
{
	const struct cx_geom own = { c->nslots, c->slot_size, c->inline_size };

	return cx_geom_inline(c, &own, seq);
}

static inline uint64_t cx_shm_size(uint32_t nslots, uint32_t slot_size,
				   uint32_t inline_size)
{
	return CX_CTRL_SIZE + (uint64_t)nslots * slot_size +
	       (uint64_t)CX_RING * inline_size;
}

/* a >= b for tickets that wrap. */
static inline int cx_ticket_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static inline uint32_t cx_chunks(uint64_t len, uint32_t slot_size)
{
	return (uint32_t)((len + slot_size - 1) / slot_size);
}

static inline void cx_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline uint64_t cx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleeps while *p == val, at most @ns nanoseconds. Shared (not private). */
static inline void cx_futex_wait(_Atomic uint32_t *p, uint32_t val,
				 uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	syscall(SYS_futex, (uint32_t *)p, FUTEX_WAIT, val, &ts, NULL, 0);
}

static inline void cx_futex_wake(_Atomic uint32_t *p)
{
	syscall(SYS_futex, (uint32_t *)p, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Publishes a ticket and wakes whoever sleeps on the word. The store and
 * the load of sleepers are sequentially consistent, as are the waiter's
 * increment and its second look: one of the two sees the other.
 */
static inline void cx_publish(struct cx_ctrl *c, _Atomic uint32_t *p,
			      uint32_t ticket)
{
	atomic_store(p, ticket);
	if (atomic_load(&c->sleepers))
		cx_futex_wake(p);
}

/*
 * Waits until *p >= ticket (wrapping). Spins @spin_ns, then sleeps in
 * slices of at most 1 ms; between slices calls @stop(arg) when given and
 * gives up when it returns nonzero. 0 when the ticket came, -1 when
 * stopped.
 */
static inline int cx_wait_ticket(struct cx_ctrl *c, _Atomic uint32_t *p,
				 uint32_t ticket, uint64_t spin_ns,
				 int (*stop)(void *arg), void *arg)
{
	uint64_t t0 = 0;
	uint32_t v;

	for (unsigned int i = 0;; i++) {
		v = atomic_load_explicit(p, memory_order_acquire);
		if (cx_ticket_ge(v, ticket))
			return 0;
		if ((i & 63) == 63) {
			uint64_t now = cx_now_ns();

			if (!t0)
				t0 = now;
			if (now - t0 >= spin_ns)
				break;
		}
		cx_cpu_relax();
	}
	for (;;) {
		if (stop && stop(arg))
			return -1;
		atomic_fetch_add(&c->sleepers, 1);
		v = atomic_load(p);
		if (!cx_ticket_ge(v, ticket))
			cx_futex_wait(p, v, 1000000);
		atomic_fetch_sub(&c->sleepers, 1);
		v = atomic_load_explicit(p, memory_order_acquire);
		if (cx_ticket_ge(v, ticket))
			return 0;
	}
}

#endif
