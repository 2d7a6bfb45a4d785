/* SPDX-License-Identifier: MIT */
/*
 * The real worker (loop, scheduler, executor) on a thread of its own over
 * the simulated backend (simbe.h), and guest-side helpers that issue the
 * protocol's operations as a guest's /dev/vgpu0 would. Shared by the GPU
 * tests (tests/gpu/) and benchmarks (bench/gpu/).
 *
 * With fake = 1 the executor processes run the host-memory device
 * (cx_dev_fake.c, here in tests/sim/) inside this very program (started
 * again with --fake-child): the whole path runs on a machine without a
 * GPU, which is how these programs are checked before they go to the H100.
 */
#ifndef VGPU_TESTS_SIM_HARNESS_H
#define VGPU_TESTS_SIM_HARNESS_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "dom0-worker/exec/cuda/exec_cuda.h"
#include "dom0-worker/loop/worker.h"
#include "simbe.h"

#define H_MAX_VMS	64

struct harness {
	struct transport tp;
	struct executor ex;
	struct worker w;
	struct worker_ctl ctl;
	struct worker_config cfg;
	struct exec_cuda_params cp;
	sigset_t wait_mask;
	pthread_t thr;
	int running;
	int rc;
	int fake;
};

struct gvm {
	struct harness *h;
	struct vgpu_back_vm cfg;
	uint64_t spin_ns;	/* how long a wait spins before sleeping */
};

/*
 * Defaults for @h's settings: worker defaults, the CUDA executor's
 * defaults with the program @program ("" = build/dom0-worker/vgpu-cuda-exec
 * of this tree) or, with @fake, this program as a fake device.
 */
void h_defaults(struct harness *h, int fake, const char *program,
		const char *self_dir);
/*
 * Creates the executor ("cuda", with h->cfg's cuda-* keys as main.c maps
 * them) and starts the worker thread. 0 or -errno.
 */
int h_start(struct harness *h);
/* The same with the executor of kind @kind ("cuda", "cpu"). */
int h_start_kind(struct harness *h, const char *kind);
/* Drains and stops the worker, destroys everything. The worker's status. */
int h_stop(struct harness *h);

/* A VM device: domid, priority, quota. CONNECT reaches the worker. */
void h_vm(struct harness *h, struct gvm *v, uint16_t domid, uint8_t prio,
	  uint64_t quota);
void h_vm_config(struct gvm *v);

/* One request, to its completion. Returns the status; *ret gets ret[0]. */
int32_t g_call(struct gvm *v, uint8_t op, const union vgpuif_request_args *u,
	       void *buf, uint32_t len, uint64_t *ret);
int32_t g_alloc(struct gvm *v, uint64_t size, uint64_t *dptr);
int32_t g_free(struct gvm *v, uint64_t dptr);
int32_t g_write(struct gvm *v, uint64_t dptr, const void *buf, uint32_t len);
int32_t g_read(struct gvm *v, uint64_t dptr, void *buf, uint32_t len);
int32_t g_load(struct gvm *v, const void *image, uint32_t len, uint64_t *mod);
int32_t g_unload(struct gvm *v, uint64_t mod);
int32_t g_launch(struct gvm *v, uint64_t mod, const char *name,
		 uint32_t grid, uint32_t block, const void *params,
		 uint16_t plen);
int32_t g_sync(struct gvm *v);
/* buf: a[n] b[n] c[n]; c = a + b. */
int32_t g_vadd(struct gvm *v, float *buf, uint32_t n);
int32_t g_info(struct gvm *v, struct vgpuif_info *info);

/* Builds a LAUNCH request in @blob (room: name + params + 8). */
uint32_t g_launch_req(struct simreq *r, void *blob, uint64_t mod,
		      const char *name, uint32_t grid, uint32_t block,
		      const void *params, uint16_t plen);

/* Reads a whole file; NULL on failure. */
void *h_read_file(const char *path, uint32_t *len);

/* "ok", "fault", ... for a VGPUIF_RSP_* status. */
const char *h_status(int32_t st);

#endif
