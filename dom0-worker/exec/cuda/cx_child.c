// SPDX-License-Identifier: MIT
/*
 * The executor process's set-up and command loop (see cx_child.h,
 * cx_priv.h for the other files of the process, ../exec_cuda_ipc.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <vgpu/vgpuif_ops.h>

#include "cx_priv.h"
#include "exec/exec.h"
#include "lib/parse.h"

struct cx_state cx;

/*
 * Log lines go to the worker's stderr, Dom0's log. Some carry a guest's
 * text (the JIT's error log of a guest's module): every byte outside
 * printable ASCII, and the backslash, is written as \xNN, so a guest can
 * neither end the line and forge the next one nor send terminal escapes.
 */
void cx_log(const char *fmt, ...)
{
	char buf[512], out[sizeof(buf) * 4 + 1];
	size_t o = 0;
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "vgpu-cuda-exec[%d] %s: ", (int)getpid(),
		     cx.o.name ? cx.o.name : "-");
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", *p);
	}
	out[o] = '\0';
	fprintf(stderr, "%s\n", out);
}

void cx_dev_error(int code, int lost)
{
	cx.err_code = code;
	if (lost)
		cx.lost = 1;
}

/* ---- commands run one at a time ---- */

static int32_t do_module_load(const struct cx_cmd *c, uint64_t *ret)
{
	int32_t st = cx_in_to_host(c);

	return st == VGPUIF_RSP_OKAY ?
	       cx_module_load(cx.hostbuf, c->in_len, c->mem_quota, ret) : st;
}

static int32_t do_launch(const struct cx_cmd *c)
{
	int32_t st = cx_in_to_host(c);

	return st == VGPUIF_RSP_OKAY ? cx_launch(c, cx.hostbuf) : st;
}

static int32_t do_get_global(const struct cx_cmd *c, uint64_t ret[2])
{
	int32_t st = cx_in_to_host(c);

	return st == VGPUIF_RSP_OKAY ?
	       cx_module_get_global(c, cx.hostbuf, ret) : st;
}

/*
 * DEVICE_ATTRS: the table goes to the command's inline area, where the
 * worker reads it, filters it and writes the guest's copy
 * (exec_attrs_finish()); always inline, it is 352 bytes.
 */
static int32_t do_attrs(const struct cx_cmd *c)
{
	struct vgpuif_device_attrs a;
	int32_t st;

	if (!(c->flags & CX_CMD_F_INLINE) || c->out_len < sizeof(a))
		return VGPUIF_RSP_ERROR;
	memset(&a, 0, sizeof(a));
	st = cx.dev->attrs(a.attr, &a.nr_attrs, a.name);
	if (st == VGPUIF_RSP_OKAY)
		memcpy(cx_inline(cx.ctrl, c->seq), &a, sizeof(a));
	return st;
}

/*
 * FUNC_ATTRS: the name comes in, the values go to the command's inline
 * area after it (always inline: at most 256 + 32 bytes), where the worker
 * copies them to the guest.
 */
static int32_t do_func_attrs(const struct cx_cmd *c)
{
	uint32_t off = VGPUIF_ALIGN8((uint32_t)c->req.u.func.name_len);
	struct vgpuif_func_attrs a;
	int32_t st;

	if (!(c->flags & CX_CMD_F_INLINE) || c->out_len != sizeof(a))
		return VGPUIF_RSP_ERROR;
	st = cx_in_to_host(c);
	if (st == VGPUIF_RSP_OKAY)
		st = cx_func_attrs(c, cx.hostbuf, &a);
	if (st == VGPUIF_RSP_OKAY)
		memcpy(cx_inline(cx.ctrl, c->seq) + off, &a, sizeof(a));
	return st;
}

static void run(const struct cx_cmd *c, struct cx_rsp *r)
{
	uint64_t t0 = cx_now_ns();
	int32_t st = VGPUIF_RSP_OKAY;

	cx_xfer_begin();
	{
		switch (c->req.operation) {
		case VGPUIF_OP_NOP:
			break;
		case VGPUIF_OP_GET_INFO:
			st = cx.dev->mem_info(&r->mem_free, &r->mem_total);
			r->mem_free = exec_visible_free(c->mem_quota,
							cx.allocs.used,
							r->mem_free);
			break;
		case VGPUIF_OP_MEM_ALLOC:
			st = cx_mem_alloc(c, &r->ret[0]);
			break;
		case VGPUIF_OP_MEM_FREE:
			st = cx_mem_free(c->req.u.mem.dptr);
			break;
		case VGPUIF_OP_MEM_WRITE:
		case VGPUIF_OP_MEM_READ:
			st = cx_xfer(c);
			break;
		case VGPUIF_OP_MODULE_LOAD:
			st = do_module_load(c, &r->ret[0]);
			break;
		case VGPUIF_OP_MODULE_UNLOAD:
			st = cx_module_unload(c->req.u.module.handle);
			break;
		case VGPUIF_OP_LAUNCH:
			st = do_launch(c);
			break;
		case VGPUIF_OP_SYNC:
			st = cx.dev->sync();
			break;
		case VGPUIF_OP_VECTOR_ADD:
			st = cx_vector_add(c);
			break;
		case VGPUIF_OP_MEM_SET:
		case VGPUIF_OP_MEM_COPY:	/* the executor's own, not pipelined */
			st = cx_mem_set_copy(c);
			if (st == VGPUIF_RSP_OKAY)
				st = cx.dev->sync();
			break;
		case VGPUIF_OP_MODULE_GET_GLOBAL:
			st = do_get_global(c, r->ret);
			break;
		case VGPUIF_OP_DEVICE_ATTRS:
			st = do_attrs(c);
			break;
		case VGPUIF_OP_EVENT_RECORD:
			st = cx.dev->timestamp(&r->ret[0]);
			break;
		case VGPUIF_OP_FUNC_ATTRS:
			st = do_func_attrs(c);
			break;
		default:
			st = VGPUIF_RSP_INVALID;
			break;
		}
	}
	st = cx_xfer_end(st);
	r->status = st;
	r->cu_error = st == VGPUIF_RSP_OKAY ? 0 : cx.err_code;
	r->gpu_ns = cx_now_ns() - t0;
}

/* Runs or queues one command. 0, or -1: the context is lost, exit. */
static int take(const struct cx_cmd *c)
{
	struct cx_rsp r = { 0 };

	cx.seq = c->seq;
	cx.err_code = 0;
	if (c->priority != cx.prio) {
		int32_t st;

		/* The VM's order holds across streams: what is queued finishes. */
		if (cx_drain_held())
			return -1;
		st = cx.dev->set_prio(c->priority);
		if (st != VGPUIF_RSP_OKAY) {
			r.status = st;
			r.cu_error = cx.err_code;
			cx_answer(&r, c->seq);
			cx_doorbell();
			return cx.lost ? -1 : 0;
		}
		cx.prio = c->priority;
	}
	if (cx_pipelinable(c)) {
		cx_run_async(c);
		return cx_complete_ready();
	}
	if (cx_drain_held())
		return -1;
	cx.seq = c->seq;
	cx.err_code = 0;
	run(c, &r);
	cx_answer(&r, c->seq);
	cx_doorbell();
	return cx.lost ? -1 : 0;
}

/* ---- process plumbing ---- */

/* Numbers are plain decimal (lib/parse.h), as the worker writes them. */
static int parse_args(int argc, char **argv, struct cx_opts *o)
{
	static const struct option opts[] = {
		{ "sock-fd", required_argument, NULL, 's' },
		{ "shm-fd", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "sched", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' },
		{ "spin-us", required_argument, NULL, 'p' },
		{ "stack-bytes", required_argument, NULL, 'k' },
		{ "max-allocs", required_argument, NULL, 'a' },
		{ "max-modules", required_argument, NULL, 'M' },
		{ "handle-base", required_argument, NULL, 'H' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "seccomp", required_argument, NULL, 'C' },
		{ "probe", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	*o = (struct cx_opts){
		.sock_fd = CX_SOCK_FD, .shm_fd = CX_SHM_FD, .sched = "auto",
		.name = "-", .spin_us = 50, .max_allocs = 65536,
		.max_modules = 1024, .handle_base = 1,
		.conf = { .seccomp = CX_SECCOMP_KILL,
			  .oom_score_adj = CX_OOM_SCORE_ADJ },
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o->sched = optarg;
			continue;
		case 'n':
			o->name = optarg;
			continue;
		case 'P':
			o->probe = 1;
			continue;
		case 'C':
			o->conf.seccomp = cx_seccomp_mode(optarg);
			if (o->conf.seccomp < 0)
				return -1;
			continue;
		case 'H':
			if (parse_u64(optarg, &o->handle_base) || !o->handle_base)
				return -1;
			continue;
		case '?':
			return -1;
		default:
			break;
		}
		if (parse_u64(optarg, &v) || v > UINT32_MAX)
			return -1;
		switch (c) {
		case 's': o->sock_fd = (int)v; break;
		case 'm': o->shm_fd = (int)v; break;
		case 'd': o->device = (int)v; break;
		case 'p': o->spin_us = (uint32_t)v; break;
		case 'k': o->stack_bytes = (uint32_t)v; break;
		case 'a': o->max_allocs = (uint32_t)v; break;
		case 'M': o->max_modules = (uint32_t)v; break;
		case 'u': o->conf.uid = (uint32_t)v; break;
		case 'g': o->conf.gid = (uint32_t)v; break;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Waits for command @seq. 0, or -1 when the worker went away. */
static int wait_command(uint32_t seq)
{
	struct cx_ctrl *c = cx.ctrl;
	uint64_t t0 = cx_now_ns();

	for (unsigned int i = 0;; i++) {
		if (cx_ticket_ge(atomic_load_explicit(&c->cmd_seq, memory_order_acquire), seq))
			return 0;
		if ((i & 63) == 63 && cx_now_ns() - t0 > cx.spin_ns)
			break;
		cx_cpu_relax();
	}
	for (;;) {
		char buf[16];
		ssize_t n;

		atomic_store(&c->cmd_waiting, 1);
		if (cx_ticket_ge(atomic_load(&c->cmd_seq), seq)) {
			atomic_store(&c->cmd_waiting, 0);
			return 0;
		}
		n = recv(cx.o.sock_fd, buf, sizeof(buf), 0);
		atomic_store(&c->cmd_waiting, 0);
		if (n == 0)
			return -1;
		if (n < 0 && errno != EINTR)
			return -1;
		if (cx_ticket_ge(atomic_load_explicit(&c->cmd_seq, memory_order_acquire), seq))
			return 0;
	}
}

static int map_shm(void)
{
	struct stat st;
	struct cx_ctrl *c;

	if (fstat(cx.o.shm_fd, &st) || (uint64_t)st.st_size < CX_CTRL_SIZE)
		return -1;
	c = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 cx.o.shm_fd, 0);
	if (c == MAP_FAILED)
		return -1;
	if (c->magic != CX_MAGIC || c->version != CX_VERSION ||
	    c->nslots < 1 || c->nslots > CX_MAX_SLOTS ||
	    !c->slot_size || c->slot_size % 4096 ||
	    !c->inline_size || c->inline_size % 4096 ||
	    c->shm_size != (uint64_t)st.st_size ||
	    c->shm_size != cx_shm_size(c->nslots, c->slot_size, c->inline_size))
		return -1;
	cx.ctrl = c;
	cx.staging = (uint8_t *)c + CX_CTRL_SIZE;
	return 0;
}

int cx_child_main(const struct cx_dev_ops *dev, int argc, char **argv)
{
	uint32_t seq = 0;
	int err;

	cx.dev = dev;
	if (parse_args(argc, argv, &cx.o)) {
		fprintf(stderr, "usage: vgpu-cuda-exec --sock-fd N --shm-fd N [--device N] [--sched auto|spin|yield|block] [--name S] [--spin-us N] [--stack-bytes N] [--max-allocs N] [--max-modules N] [--handle-base N] [--uid N --gid N] [--seccomp kill|log|off] | --probe [--device N]\n");
		return CX_EXIT_USAGE;
	}
	if (cx.o.probe)
		return dev->probe(&cx.o, stdout);
	/* No core file could ever hold a guest's data. */
	err = cx_confine_early();
	if (err) {
		cx_log("rlimits: %s", strerror(-err));
		return CX_EXIT_INIT;
	}
	/* Die with the worker; if it is already gone, go now. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return CX_EXIT_OK;
	signal(SIGPIPE, SIG_IGN);
	cx.spin_ns = (uint64_t)cx.o.spin_us * 1000u;
	cx.next_handle = cx.o.handle_base;
	cx.prio = VGPUIF_PRIO_MEDIUM;
	if (map_shm()) {
		cx_log("bad shared memory on fd %d", cx.o.shm_fd);
		return CX_EXIT_INIT;
	}
	cx.hostbuf = malloc(CX_HOSTBUF_MAX);
	err = cx.hostbuf ? dev->init(&cx.o, cx.ctrl, cx.staging,
				     cx.ctrl->shm_size - CX_CTRL_SIZE) : -1;
	if (err) {
		cx.ctrl->init_cu_error = err;
		atomic_store(&cx.ctrl->ready, CX_READY_FAILED);
		cx_doorbell();
		cx_log("device start-up failed: error %d", err);
		return CX_EXIT_INIT;
	}
	/*
	 * The device is open: from here on the process needs no privilege,
	 * and it has read no guest data yet. A step that fails is a failed
	 * start: no process runs a guest's work unconfined.
	 */
	err = cx_confine_apply(&cx.o.conf);
	if (err) {
		cx.ctrl->init_cu_error = 0;
		atomic_store(&cx.ctrl->ready, CX_READY_FAILED);
		cx_doorbell();
		cx_log("confinement (user %u, seccomp %d) failed: %s",
		       cx.o.conf.uid, cx.o.conf.seccomp, strerror(-err));
		return CX_EXIT_INIT;
	}
	atomic_store(&cx.ctrl->ready, CX_READY_OK);
	cx_doorbell();

	/*
	 * Answer what is done, take what is posted, spin while work is on
	 * the GPU, sleep when there is nothing at all.
	 */
	for (;;) {
		struct cx_cmd c;

		if (cx_complete_ready())
			break;
		if (cx_ticket_ge(atomic_load_explicit(&cx.ctrl->cmd_seq,
						      memory_order_acquire), seq + 1)) {
			seq++;
			c = cx.ctrl->cmd[seq % CX_RING];
			if (c.flags & CX_CMD_F_EXIT)
				return CX_EXIT_OK;
			if (take(&c))
				break;
			continue;
		}
		if (cx_held()) {
			cx_cpu_relax();
			continue;
		}
		if (wait_command(seq + 1))
			return CX_EXIT_OK;
	}
	cx_log("context lost (error %d): exiting for a fresh one", cx.err_code);
	return CX_EXIT_LOST;
}
