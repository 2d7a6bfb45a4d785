// SPDX-License-Identifier: MIT
/*
 * A stand-in device for the executor process, in host memory, so the
 * process protocol, the worker's supervision and the watchdog are tested
 * on machines without a GPU (tests/unit/test_exec_cuda.c,
 * test_worker_cuda.c, and --fake of the GPU tests and benchmarks). Not a
 * model of CUDA beyond what those tests need:
 *  - "device addresses" are host pointers (the command loop checks every
 *    address a guest names against its table before the device sees it),
 *    handed out like a fresh CUDA context does: from the same base in
 *    every process, upward, so a new process repeats an old one's
 *    addresses unless the ranges it must not use are reserved
 *    (reserve_va, the cuMemAddressReserve of cx_dev_cuda.c);
 *  - a module is any image that starts with "FAKEMOD"; "globals=N" in it
 *    makes it take N bytes of the device's memory; it has one __device__
 *    variable, "vgpu_global", of 64 bytes (zeroed at load); its functions:
 *      fill32(u64 dptr, u32 value, u32 n)   dptr[i] = value, i < n
 *      fault()        the next wait reports a fault and loses the context
 *      hang()         the next wait never returns (the watchdog's case)
 *      crash()        the process dies at once (SIGKILL)
 *      sleep_ms(u32)  the next wait takes that long
 *      read_global(u64 out, u32 n)  out[i] = vgpu_global[i], u32, i < n <= 16
 *      print()        writes a line to the process's standard output, as
 *                     NVIDIA's driver writes a kernel's printf output
 *    other names: not found. FUNC_ATTRS of fill32: 40 registers a thread,
 *    2048 bytes of static shared memory, 1024 threads a block at most,
 *    47104 bytes of dynamic shared memory (48 KiB less the static),
 *    PTX and binary version 90, no constant or local memory; of the
 *    others: 16 registers, no shared memory, 49152 dynamic, the rest as
 *    fill32's;
 *  - the device has FAKE_MEM bytes; bigger allocations get NO_MEMORY;
 *  - the whole device can be lost, as a GPU that falls off the bus is
 *    (the worker's "GPU lost" handling): while the file FAKE_LOST_FMT of
 *    the test that started the process (its parent) exists, every
 *    operation fails with CUDA_ERROR_UNKNOWN and loses the context, and
 *    a process starting (or --probe) finds no device
 *    (CUDA_ERROR_NO_DEVICE). The test sets and clears it with
 *    cx_fake_gpu_lost(). A file, not an environment variable: the worker
 *    gives its executor processes an environment of its own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "exec/cuda/cx_child.h"

#define FAKE_MEM	(1ull << 30)
#define FAKE_ERR_FAULT	700	/* CUDA_ERROR_ILLEGAL_ADDRESS, for the logs */
/* Where "device memory" is mapped: free of ASan's ranges and the heap. */
#define FAKE_VA_BASE	0x500000000000ull
#define FAKE_VA_END	0x580000000000ull
#define FAKE_VA_ALIGN	(64ull << 10)
#define FAKE_HDR	256u	/* before each block; CUDA aligns to 256 */
#define FAKE_RESERVED	8
#define FAKE_ERR_UNKNOWN	999	/* CUDA_ERROR_UNKNOWN: device gone */
#define FAKE_ERR_NO_DEVICE	100	/* CUDA_ERROR_NO_DEVICE */
#define FAKE_LOST_FMT	"/tmp/vgpu-fake-gpu-lost.%d"
/* What the "print" kernel writes (tests look for it). */
extern const char cx_fake_printed[];
const char cx_fake_printed[] = "vgpu-fake-kernel-printf: guest text";
void cx_fake_gpu_lost(int lost);
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static struct {
	uint64_t used;
	int fault;		/* armed by fault() */
	int hang;
	uint32_t sleep_ms;
	uint64_t va_next;	/* next block's mapping */
	uint64_t res_lo[FAKE_RESERVED], res_hi[FAKE_RESERVED];
	unsigned int nres;
} f;

struct fake_hdr {
	uint64_t size;
	uint64_t span;		/* of the mapping */
};

static void lost_path(char *buf, size_t len, int pid)
{
	snprintf(buf, len, FAKE_LOST_FMT, pid);
}

/* The test side: the device of every process this one starts is lost or not. */
void cx_fake_gpu_lost(int lost)
{
	char path[64];
	FILE *mark;

	lost_path(path, sizeof(path), (int)getpid());
	if (!lost) {
		unlink(path);
		return;
	}
	mark = fopen(path, "w");
	if (mark)
		fclose(mark);
}

/* The process side: is the device lost now? */
static int gone(void)
{
	char path[64];

	lost_path(path, sizeof(path), (int)getppid());
	return access(path, F_OK) == 0;
}

/* An operation on a lost device: the context goes with it. */
static int32_t lost_op(void)
{
	cx_dev_error(FAKE_ERR_UNKNOWN, 1);
	return VGPUIF_RSP_ERROR;
}

static int fake_probe(const struct cx_opts *o, FILE *out)
{
	(void)o;
	if (gone()) {
		cx_log("CUDA start-up: CUDA_ERROR_NO_DEVICE (fake)");
		return CX_EXIT_INIT;
	}
	fprintf(out, "ok\t%llu\t%llu\tFake GPU\n", FAKE_MEM, FAKE_MEM);
	return fflush(out) ? CX_EXIT_INIT : CX_EXIT_OK;
}

static int fake_init(const struct cx_opts *o, struct cx_ctrl *ctrl,
		     void *staging, size_t len)
{
	(void)o;
	(void)staging;
	(void)len;
	if (gone())
		return FAKE_ERR_NO_DEVICE;
	snprintf(ctrl->device_name, sizeof(ctrl->device_name), "Fake GPU");
	ctrl->mem_total = FAKE_MEM;
	ctrl->stream_prio[0] = -5;
	ctrl->stream_prio[1] = -2;
	ctrl->stream_prio[2] = 0;
	ctrl->zero_copy = 1;	/* host memory is all there is */
	return 0;
}

static int32_t fake_set_prio(uint8_t prio)
{
	(void)prio;
	return VGPUIF_RSP_OKAY;
}

/* A reserved range that [lo, lo + len) overlaps, or -1. */
static int reserved_at(uint64_t lo, uint64_t len)
{
	for (unsigned int i = 0; i < f.nres; i++)
		if (lo < f.res_hi[i] && lo + len > f.res_lo[i])
			return (int)i;
	return -1;
}

static int32_t fake_mem_alloc(uint64_t size, uint64_t *dptr)
{
	uint64_t span = (size + FAKE_HDR + FAKE_VA_ALIGN - 1) & ~(FAKE_VA_ALIGN - 1);
	struct fake_hdr *h = MAP_FAILED;
	int r;

	if (gone())
		return lost_op();
	if (size > FAKE_MEM - f.used)
		return VGPUIF_RSP_NO_MEMORY;
	if (!f.va_next)
		f.va_next = FAKE_VA_BASE;
	/* Upward from the base, around reserved ranges and foreign maps. */
	while (f.va_next <= FAKE_VA_END - span) {
		r = reserved_at(f.va_next, span);
		if (r >= 0) {
			f.va_next = (f.res_hi[r] + FAKE_VA_ALIGN - 1) & ~(FAKE_VA_ALIGN - 1);
			continue;
		}
		h = mmap((void *)(uintptr_t)f.va_next, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (h != MAP_FAILED && (uint64_t)(uintptr_t)h != f.va_next) {
			munmap(h, span);	/* a kernel that took it as a hint */
			h = MAP_FAILED;
		}
		f.va_next += span;
		if (h != MAP_FAILED)
			break;
	}
	if (h == MAP_FAILED)
		return VGPUIF_RSP_NO_MEMORY;
	h->size = size;
	h->span = span;
	f.used += size;
	/* The "device address" is the block, zeroed as mmap gives it. */
	*dptr = (uint64_t)(uintptr_t)h + FAKE_HDR;
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_mem_free(uint64_t dptr)
{
	struct fake_hdr *h = (struct fake_hdr *)(uintptr_t)(dptr - FAKE_HDR);

	f.used -= h->size;
	munmap(h, h->span);
	return VGPUIF_RSP_OKAY;
}

/* Like cuMemAddressReserve at a fixed address: allocations keep out. */
static int32_t fake_reserve_va(uint64_t lo, uint64_t hi)
{
	if (hi <= lo || f.nres == FAKE_RESERVED)
		return VGPUIF_RSP_NO_MEMORY;
	f.res_lo[f.nres] = lo;
	f.res_hi[f.nres++] = hi;
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_mem_info(uint64_t *free_b, uint64_t *total_b)
{
	if (gone())
		return lost_op();
	*free_b = FAKE_MEM - f.used;
	*total_b = FAKE_MEM;
	return VGPUIF_RSP_OKAY;
}

/* What the "stream" owes: a kernel's fault, hang or delay shows here. */
static int32_t settle(void)
{
	if (gone())
		return lost_op();
	if (f.hang)
		for (;;)
			pause();
	if (f.sleep_ms) {
		struct timespec ts = {
			.tv_sec = f.sleep_ms / 1000,
			.tv_nsec = (long)(f.sleep_ms % 1000) * 1000000,
		};

		f.sleep_ms = 0;
		while (nanosleep(&ts, &ts))
			;
	}
	if (f.fault) {
		cx_dev_error(FAKE_ERR_FAULT, 1);
		return VGPUIF_RSP_FAULT;
	}
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_h2d(uint64_t dptr, const void *src, size_t len)
{
	int32_t s = settle();

	if (s == VGPUIF_RSP_OKAY)
		memcpy((void *)(uintptr_t)dptr, src, len);
	return s;
}

static int32_t fake_d2h(void *dst, uint64_t dptr, size_t len)
{
	int32_t s = settle();

	if (s == VGPUIF_RSP_OKAY)
		memcpy(dst, (const void *)(uintptr_t)dptr, len);
	return s;
}

static int32_t fake_record(uint32_t ev)
{
	(void)ev;
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_query(uint32_t ev)
{
	(void)ev;
	return settle();
}

static uint64_t fake_host_devptr(void *host)
{
	return (uint64_t)(uintptr_t)host;
}

/* A module's "device memory": "FAKEMOD globals=N" takes N bytes. */
#define FAKE_GLOBAL_BYTES	64
struct fake_mod {
	uint64_t bytes;
	uint32_t global[FAKE_GLOBAL_BYTES / 4];	/* "vgpu_global" */
};

static int32_t fake_module_load(const void *image, size_t len, void **mod,
				uint64_t *bytes)
{
	const char *g = strstr(image, "globals=");
	struct fake_mod *m;
	uint64_t n = g ? strtoull(g + 8, NULL, 10) : 0;

	if (gone())
		return lost_op();
	if (len < 7 || memcmp(image, "FAKEMOD", 7)) {
		cx_dev_error(200, 0);	/* CUDA_ERROR_INVALID_IMAGE */
		return VGPUIF_RSP_INVALID;
	}
	if (n > FAKE_MEM - f.used) {
		cx_dev_error(2, 0);	/* CUDA_ERROR_OUT_OF_MEMORY */
		return VGPUIF_RSP_NO_MEMORY;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return VGPUIF_RSP_NO_MEMORY;
	m->bytes = n;
	f.used += n;
	*mod = m;
	*bytes = n;
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_module_unload(void *mod)
{
	struct fake_mod *m = mod;

	f.used -= m->bytes;
	free(m);
	return settle();
}

static int32_t fake_launch(void *mod, const char *name,
			   const struct vgpuif_launch_args *l,
			   const void *params, size_t params_len)
{
	int32_t s = f.fault || gone() ? settle() : VGPUIF_RSP_OKAY;

	(void)l;
	if (s != VGPUIF_RSP_OKAY)
		return s;
	if (!strcmp(name, "fill32")) {
		uint64_t dptr;
		uint32_t v, n;

		if (params_len != 16) {
			cx_dev_error(1, 0);	/* CUDA_ERROR_INVALID_VALUE */
			return VGPUIF_RSP_INVALID;
		}
		memcpy(&dptr, params, 8);
		memcpy(&v, (const uint8_t *)params + 8, 4);
		memcpy(&n, (const uint8_t *)params + 12, 4);
		for (uint32_t i = 0; i < n; i++)
			memcpy((uint8_t *)(uintptr_t)dptr + 4ull * i, &v, 4);
		return VGPUIF_RSP_OKAY;
	}
	if (!strcmp(name, "fault")) {
		f.fault = 1;
		return VGPUIF_RSP_OKAY;
	}
	if (!strcmp(name, "hang")) {
		f.hang = 1;
		return VGPUIF_RSP_OKAY;
	}
	if (!strcmp(name, "crash")) {
		kill(getpid(), SIGKILL);
		pause();
	}
	if (!strcmp(name, "read_global") && params_len == 12) {
		const struct fake_mod *m = mod;
		uint64_t out;
		uint32_t n;

		memcpy(&out, params, 8);
		memcpy(&n, (const uint8_t *)params + 8, 4);
		if (n > FAKE_GLOBAL_BYTES / 4)
			n = FAKE_GLOBAL_BYTES / 4;
		memcpy((void *)(uintptr_t)out, m->global, 4ull * n);
		return VGPUIF_RSP_OKAY;
	}
	if (!strcmp(name, "print")) {
		dprintf(STDOUT_FILENO, "%s\n", cx_fake_printed);
		return VGPUIF_RSP_OKAY;
	}
	if (!strcmp(name, "sleep_ms") && params_len == 4) {
		memcpy(&f.sleep_ms, params, 4);
		return VGPUIF_RSP_OKAY;
	}
	cx_dev_error(500, 0);	/* CUDA_ERROR_NOT_FOUND */
	return VGPUIF_RSP_NOT_FOUND;
}

static int32_t fake_vector_add(uint64_t a, uint64_t b, uint64_t c, uint32_t n)
{
	const float *pa = (const float *)(uintptr_t)a;
	const float *pb = (const float *)(uintptr_t)b;
	float *pc = (float *)(uintptr_t)c;
	int32_t s = settle();

	if (s != VGPUIF_RSP_OKAY)
		return s;
	for (uint32_t i = 0; i < n; i++)
		pc[i] = pa[i] + pb[i];
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_memset(uint64_t dptr, uint32_t value, uint8_t elem_size,
			   uint64_t size)
{
	uint8_t *p = (uint8_t *)(uintptr_t)dptr;
	int32_t s = settle();

	if (s != VGPUIF_RSP_OKAY)
		return s;
	for (uint64_t off = 0; off < size; off += elem_size)
		memcpy(p + off, &value, elem_size);	/* little-endian */
	return VGPUIF_RSP_OKAY;
}

static int32_t fake_copy_d2d(uint64_t dst, uint64_t src, uint64_t size)
{
	int32_t s = settle();

	if (s == VGPUIF_RSP_OKAY)
		memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
	return s;
}

static int32_t fake_module_global(void *mod, const char *name, uint64_t *dptr,
				  uint64_t *size)
{
	struct fake_mod *m = mod;

	if (gone())
		return lost_op();
	if (strcmp(name, "vgpu_global")) {
		cx_dev_error(500, 0);	/* CUDA_ERROR_NOT_FOUND */
		return VGPUIF_RSP_NOT_FOUND;
	}
	*dptr = (uint64_t)(uintptr_t)m->global;
	*size = sizeof(m->global);
	return VGPUIF_RSP_OKAY;
}

/* Fixed values, documented at the top; occupancy tests compute with them. */
static int32_t fake_func_attrs(void *mod, const char *name,
			       struct vgpuif_func_attrs *a)
{
	static const char *const known[] = {
		"fill32", "fault", "hang", "crash", "sleep_ms", "read_global",
		"print",
	};
	size_t i;

	(void)mod;
	if (gone())
		return lost_op();
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(name, known[i]))
			break;
	if (i == sizeof(known) / sizeof(known[0])) {
		cx_dev_error(500, 0);	/* CUDA_ERROR_NOT_FOUND */
		return VGPUIF_RSP_NOT_FOUND;
	}
	a->num_regs = i ? 16 : 40;
	a->shared_size = i ? 0 : 2048;
	a->const_size = 0;
	a->local_size = 0;
	a->max_threads_per_block = 1024;
	a->ptx_version = 90;
	a->binary_version = 90;
	a->max_dynamic_shared = 49152 - a->shared_size;
	return VGPUIF_RSP_OKAY;
}

/*
 * A small device of compute capability 9.0 (the worker filters it): two
 * multiprocessors with an H100's limits, which the occupancy tests
 * compute with: 2048 threads and 65536 registers a multiprocessor, 65536
 * registers and 48 KiB shared memory a block (227 KiB opted in), 228 KiB
 * shared memory a multiprocessor.
 */
static int32_t fake_attrs(int32_t *attr, uint32_t *nr, char *name)
{
	attr[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK] = 1024;
	attr[VGPUIF_ATTR_WARP_SIZE] = 32;
	attr[VGPUIF_ATTR_MULTIPROCESSOR_COUNT] = 2;
	attr[VGPUIF_ATTR_MAX_THREADS_PER_MULTIPROCESSOR] = 2048;
	attr[VGPUIF_ATTR_MAX_REGISTERS_PER_BLOCK] = 65536;
	attr[VGPUIF_ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR] = 65536;
	attr[VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK] = 49152;
	attr[VGPUIF_ATTR_MAX_SHARED_MEM_PER_MULTIPROCESSOR] = 233472;
	attr[VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN] = 232448;
	attr[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR] = 9;
	attr[VGPUIF_ATTR_PCI_BUS_ID] = 0x41;	/* the worker hides it */
	*nr = VGPUIF_NR_ATTRS;
	strcpy(name, "fake");
	return gone() ? lost_op() : VGPUIF_RSP_OKAY;
}

/* The host's clock stands for the device's, from the first record. */
static int32_t fake_timestamp(uint64_t *ns)
{
	static uint64_t t0;
	struct timespec ts;
	int32_t s = settle();
	uint64_t now;

	if (s != VGPUIF_RSP_OKAY)
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (!t0)
		t0 = now;
	*ns = now - t0;
	return VGPUIF_RSP_OKAY;
}

const struct cx_dev_ops cx_fake_ops = {
	.name = "fake",
	.probe = fake_probe,
	.init = fake_init,
	.set_prio = fake_set_prio,
	.mem_alloc = fake_mem_alloc,
	.mem_free = fake_mem_free,
	.reserve_va = fake_reserve_va,
	.mem_info = fake_mem_info,
	.h2d = fake_h2d,
	.d2h = fake_d2h,
	.record = fake_record,
	.query = fake_query,
	.host_devptr = fake_host_devptr,
	.module_load = fake_module_load,
	.module_unload = fake_module_unload,
	.launch = fake_launch,
	.vector_add = fake_vector_add,
	.sync = settle,
	.memset = fake_memset,
	.copy_d2d = fake_copy_d2d,
	.module_global = fake_module_global,
	.attrs = fake_attrs,
	.timestamp = fake_timestamp,
	.func_attrs = fake_func_attrs,
};
