// SPDX-License-Identifier: MIT
/* Worker thread over the simulated backend, guest helpers (harness.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_config.h"
#include "harness.h"

static char program_buf[4096];

void h_defaults(struct harness *h, int fake, const char *program,
		const char *self_dir)
{
	memset(h, 0, sizeof(*h));
	config_defaults(&h->cfg);
	h->cfg.log_level = VLOG_INFO;
	h->cfg.batch = 64;
	exec_cuda_default_params(&h->cp);
	h->fake = fake;
	if (fake) {
		h->cp.program = "/proc/self/exe";
		h->cp.program_arg = "--fake-child";
	} else if (program && program[0]) {
		h->cp.program = program;
	} else {
		snprintf(program_buf, sizeof(program_buf),
			 "%s/../dom0-worker/vgpu-cuda-exec", self_dir);
		h->cp.program = program_buf;
	}
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void *worker_main(void *arg)
{
	struct harness *h = arg;

	h->rc = worker_run(&h->w, &h->ctl);
	return NULL;
}

int h_start(struct harness *h)
{
	return h_start_kind(h, "cuda");
}

int h_start_kind(struct harness *h, const char *kind)
{
	struct exec_params ep = {
		.mem_budget = h->cfg.mem_budget,
		.op_delay_ms = h->cfg.op_delay_ms,
		.max_allocs = h->cfg.max_allocs,
		.cuda = &h->cp,
	};
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigset_t block, old;
	int err;

	vlog_set_level(h->cfg.log_level);
	/* As main.c does: the config keys drive the CUDA executor. */
	if (!strcmp(kind, "cuda") && exec_config_cuda_params(&h->cfg, &h->cp))
		return -ENOENT;	/* exec-user names no user */
	err = simbe_open(&h->tp);
	if (err)
		return err;
	err = exec_create(&h->ex, kind, &ep);
	if (err) {
		transport_close(&h->tp);
		return err;
	}
	err = worker_init(&h->w, &h->cfg, &h->tp, &h->ex);
	if (err) {
		exec_destroy(&h->ex);
		transport_close(&h->tp);
		return err;
	}
	/* SIGUSR2 wakes the worker's ppoll to stop; blocked elsewhere. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	h->wait_mask = old;
	sigdelset(&h->wait_mask, SIGUSR2);
	h->ctl.wait_mask = &h->wait_mask;
	err = pthread_create(&h->thr, NULL, worker_main, h);
	if (err) {
		worker_fini(&h->w);
		exec_destroy(&h->ex);
		transport_close(&h->tp);
		return -err;
	}
	h->running = 1;
	return 0;
}

int h_stop(struct harness *h)
{
	if (!h->running)
		return 0;
	h->ctl.stop = 1;
	pthread_kill(h->thr, SIGUSR2);
	pthread_join(h->thr, NULL);
	h->running = 0;
	worker_fini(&h->w);
	exec_destroy(&h->ex);
	transport_close(&h->tp);
	return h->rc;
}

void h_vm(struct harness *h, struct gvm *v, uint16_t domid, uint8_t prio,
	  uint64_t quota)
{
	v->h = h;
	v->spin_ns = 200000;
	v->cfg = (struct vgpu_back_vm){
		.domid = domid, .devid = 0, .vm_id = 1000u + domid,
		.pool = 0, .priority = prio, .mem_quota = quota,
	};
	simbe_connect(&h->tp, &v->cfg);
}

void h_vm_config(struct gvm *v)
{
	simbe_config(&v->h->tp, &v->cfg);
}

int32_t g_call(struct gvm *v, uint8_t op, const union vgpuif_request_args *u,
	       void *buf, uint32_t len, uint64_t *ret)
{
	struct simreq r = { .vm = v->cfg, .buf = buf };

	r.req.operation = op;
	r.req.data_len = len;
	if (u)
		r.req.u = *u;
	simbe_submit(&v->h->tp, &r);
	simbe_wait(&r, v->spin_ns);
	if (ret)
		*ret = r.ret[0];
	return r.status;
}

int32_t g_alloc(struct gvm *v, uint64_t size, uint64_t *dptr)
{
	union vgpuif_request_args u = { .mem.size = size };

	return g_call(v, VGPUIF_OP_MEM_ALLOC, &u, NULL, 0, dptr);
}

int32_t g_free(struct gvm *v, uint64_t dptr)
{
	union vgpuif_request_args u = { .mem.dptr = dptr };

	return g_call(v, VGPUIF_OP_MEM_FREE, &u, NULL, 0, NULL);
}

int32_t g_write(struct gvm *v, uint64_t dptr, const void *buf, uint32_t len)
{
	union vgpuif_request_args u = { .mem.dptr = dptr };

	return g_call(v, VGPUIF_OP_MEM_WRITE, &u, (void *)buf, len, NULL);
}

int32_t g_read(struct gvm *v, uint64_t dptr, void *buf, uint32_t len)
{
	union vgpuif_request_args u = { .mem.dptr = dptr };

	return g_call(v, VGPUIF_OP_MEM_READ, &u, buf, len, NULL);
}

int32_t g_load(struct gvm *v, const void *image, uint32_t len, uint64_t *mod)
{
	return g_call(v, VGPUIF_OP_MODULE_LOAD, NULL, (void *)image, len, mod);
}

int32_t g_unload(struct gvm *v, uint64_t mod)
{
	union vgpuif_request_args u = { .module.handle = mod };

	return g_call(v, VGPUIF_OP_MODULE_UNLOAD, &u, NULL, 0, NULL);
}

uint32_t g_launch_req(struct simreq *r, void *blob, uint64_t mod,
		      const char *name, uint32_t grid, uint32_t block,
		      const void *params, uint16_t plen)
{
	uint16_t nl = (uint16_t)strlen(name);
	uint32_t len = VGPUIF_ALIGN8((uint32_t)nl) + plen;

	memset(blob, 0, len);
	memcpy(blob, name, nl);
	if (plen)
		memcpy((uint8_t *)blob + VGPUIF_ALIGN8((uint32_t)nl), params, plen);
	r->buf = blob;
	r->req.operation = VGPUIF_OP_LAUNCH;
	r->req.data_len = len;
	memset(&r->req.u, 0, sizeof(r->req.u));
	r->req.u.launch = (struct vgpuif_launch_args){
		.module = mod, .grid = { grid, 1, 1 }, .block = { block, 1, 1 },
		.name_len = nl, .params_len = plen,
	};
	return len;
}

int32_t g_launch(struct gvm *v, uint64_t mod, const char *name,
		 uint32_t grid, uint32_t block, const void *params,
		 uint16_t plen)
{
	uint8_t blob[VGPUIF_MAX_FUNC_NAME + 8 + 512];
	struct simreq r = { .vm = v->cfg };

	if (plen > 512)
		return VGPUIF_RSP_INVALID;
	g_launch_req(&r, blob, mod, name, grid, block, params, plen);
	simbe_submit(&v->h->tp, &r);
	return simbe_wait(&r, v->spin_ns);
}

int32_t g_sync(struct gvm *v)
{
	return g_call(v, VGPUIF_OP_SYNC, NULL, NULL, 0, NULL);
}

int32_t g_vadd(struct gvm *v, float *buf, uint32_t n)
{
	union vgpuif_request_args u = { .vector_add.n = n };

	return g_call(v, VGPUIF_OP_VECTOR_ADD, &u, buf, 12u * n, NULL);
}

int32_t g_info(struct gvm *v, struct vgpuif_info *info)
{
	return g_call(v, VGPUIF_OP_GET_INFO, NULL, info, sizeof(*info), NULL);
}

void *h_read_file(const char *path, uint32_t *len)
{
	struct stat st;
	uint8_t *p;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (16 << 20)) {
		close(fd);
		return NULL;
	}
	p = malloc((size_t)st.st_size);
	if (!p) {
		close(fd);
		return NULL;
	}
	r = read(fd, p, (size_t)st.st_size);
	close(fd);
	if (r != st.st_size) {
		free(p);
		return NULL;
	}
	*len = (uint32_t)st.st_size;
	return p;
}

const char *h_status(int32_t st)
{
	static const char *const names[] = {
		"ok", "error", "invalid", "not_supported", "no_memory", "quota",
		"bad_handle", "range", "no_worker", "timeout", "rate_limited",
		"busy", "fault", "not_found", "device_lost",
	};

	if (st <= 0 && -st < (int32_t)(sizeof(names) / sizeof(names[0])))
		return names[-st];
	return "?";
}
