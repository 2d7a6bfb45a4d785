/* SPDX-License-Identifier: MIT */
/*
 * The CUDA executor as its unit tests run it (the test_exec_cuda*.c
 * files): the real executor
 * (dom0-worker/exec/cuda/) with its executor processes, which are the test
 * binary run again with a child argument (--fake-child: the host-memory
 * device, tests/sim/cx_dev_fake.c), its VMs attached, and the guest
 * buffer behind the copy callback. The test's main() runs the child.
 */
#ifndef VGPU_TESTS_UNIT_CUDA_ENV_H
#define VGPU_TESTS_UNIT_CUDA_ENV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dom0-worker/exec/exec.h"
#include "dom0-worker/exec/cuda/exec_cuda.h"

#define KiB (1u << 10)
#define MiB (1u << 20)
#define CUDA_ENV_MAX_VMS 2

/* A guest buffer behind the exec_data callback; safe from any thread. */
struct gbuf {
	uint8_t *p;
	uint64_t len;
	uint8_t op;		/* the request's; its directions are allowed */
	atomic_int fail;	/* copies fail with -EFAULT while set */
	atomic_int copies;
	atomic_int bad;		/* out of range or wrong direction */
};

/* The exec_data copy callback over the struct gbuf @ctx. */
int gbuf_copy(void *ctx, uint32_t dir, uint64_t off, void *buf,
	      uint64_t len);

struct env {
	struct executor ex;
	struct exec_vm vm[CUDA_ENV_MAX_VMS];
	int nvm;
	int bad_copies_ok;	/* env_run() lets a bad copy pass */
	struct exec_cuda_params cp;
	uint64_t ret1;		/* ret[1] of the last env_run() */
};

struct cuda_env_opts {
	const char *child;		/* NULL: "--fake-child" */
	uint32_t copy_threads;
	uint32_t request_timeout_ms;
	int nvm;			/* 1..CUDA_ENV_MAX_VMS; 0: 1 */
	/* Not set: env_run() asserts that no copy was out of range or
	 * in a direction the operation does not have. */
	int bad_copies_ok;
	uint32_t spare;			/* exec-spare */
};

/*
 * Every field of @cp: this binary run with @child (NULL: "--fake-child"),
 * four 64 KiB slots, 8 KiB inline, 2 copy threads, a 2 s request timeout.
 */
void cuda_env_params(struct exec_cuda_params *cp, const char *child);
/* The executor "cuda" with @o's settings and its VMs (domid 5, 6, ...,
 * vm_id 101, 102, ..., medium priority) attached. */
struct env *env_new(const struct cuda_env_opts *o);
/* Detaches the VMs, destroys the executor and frees @e. */
void env_del(struct env *e);

/* Runs one request of VM @vm to the end, as the synchronous worker would;
 * @g (NULL: no data) is the guest buffer, @ret gets ret[0]. The status. */
int32_t env_run(struct env *e, int vm, const struct vgpu_back_req *req,
		struct gbuf *g, uint64_t *ret);
/* Allocates @size bytes of VM @vm, which must succeed; the address. */
uint64_t env_alloc(struct env *e, int vm, uint64_t size);
/* MEM_WRITE or MEM_READ (@op) of @len bytes at @dptr from or into @buf. */
int32_t env_xfer(struct env *e, int vm, uint8_t op, uint64_t dptr,
		 void *buf, uint32_t len);
/* Loads the module image @img (a string; the fake device takes any that
 * starts with "FAKEMOD") into VM @vm, which must succeed; its handle. */
uint64_t env_load_module(struct env *e, int vm, const char *img);
/* @n bytes of a pattern that @seed picks (the same on every run). */
void env_fill(uint8_t *p, size_t n, unsigned int seed);

#endif
