// SPDX-License-Identifier: MIT
/*
 * vgpu-cuda-exec: one VM's executor process, on the CUDA Driver API.
 *
 * Linked to libcuda (the stub at build time, the driver's libcuda.so.1 at
 * run time); the worker itself never loads libcuda: it starts this program
 * for each VM only once `vgpu-cuda-exec --probe` has found a GPU. One
 * process, one primary context, three streams (one per VM priority, from
 * cuCtxGetStreamPriorityRange: high -> greatest), one event per staging
 * slot.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cuda.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx_child.h"

/* The built-in vector add, by hand: c[i] = a[i] + b[i] for i < n. */
static const char vadd_ptx[] =
	".version 7.0\n"
	".target sm_75\n"
	".address_size 64\n"
	".visible .entry vgpu_vector_add(\n"
	"	.param .u64 pa, .param .u64 pb, .param .u64 pc, .param .u32 pn)\n"
	"{\n"
	"	.reg .pred %p<2>;\n"
	"	.reg .f32 %f<4>;\n"
	"	.reg .b32 %r<6>;\n"
	"	.reg .b64 %rd<11>;\n"
	"	ld.param.u64 %rd1, [pa];\n"
	"	ld.param.u64 %rd2, [pb];\n"
	"	ld.param.u64 %rd3, [pc];\n"
	"	ld.param.u32 %r2, [pn];\n"
	"	mov.u32 %r3, %ctaid.x;\n"
	"	mov.u32 %r4, %ntid.x;\n"
	"	mov.u32 %r5, %tid.x;\n"
	"	mad.lo.s32 %r1, %r3, %r4, %r5;\n"
	"	setp.ge.u32 %p1, %r1, %r2;\n"
	"	@%p1 bra DONE;\n"
	"	cvta.to.global.u64 %rd4, %rd1;\n"
	"	mul.wide.u32 %rd5, %r1, 4;\n"
	"	add.s64 %rd6, %rd4, %rd5;\n"
	"	cvta.to.global.u64 %rd7, %rd2;\n"
	"	add.s64 %rd8, %rd7, %rd5;\n"
	"	ld.global.nc.f32 %f1, [%rd8];\n"
	"	ld.global.nc.f32 %f2, [%rd6];\n"
	"	add.f32 %f3, %f2, %f1;\n"
	"	cvta.to.global.u64 %rd9, %rd3;\n"
	"	add.s64 %rd10, %rd9, %rd5;\n"
	"	st.global.f32 [%rd10], %f3;\n"
	"DONE:\n"
	"	ret;\n"
	"}\n";

#define VADD_BLOCK	256

static struct {
	CUdevice dev;
	CUcontext ctx;
	CUstream stream[VGPUIF_NR_PRIOS];
	CUstream cur;
	CUevent *ev;
	uint32_t nev;
	CUmodule builtin;
	CUfunction vadd;
	uint8_t *host;		/* pinned staging and its device address */
	CUdeviceptr host_dev;
	uint64_t resident;	/* threads the GPU holds at once */
	/* CUDA 12.4's, looked up: an older driver lacks them. */
	CUresult (*fn_count)(unsigned int *count, CUmodule mod);
	CUresult (*fn_list)(CUfunction *fns, unsigned int n, CUmodule mod);
} g;

/*
 * Errors after which the context cannot be used again: the process must
 * end (CUDA's documentation: "the process must be terminated and
 * relaunched").
 */
static int sticky(CUresult r)
{
	switch ((int)r) {
	case CUDA_ERROR_ECC_UNCORRECTABLE:
	case CUDA_ERROR_ILLEGAL_ADDRESS:
	case CUDA_ERROR_LAUNCH_TIMEOUT:
	case CUDA_ERROR_ASSERT:
	case CUDA_ERROR_HARDWARE_STACK_ERROR:
	case CUDA_ERROR_ILLEGAL_INSTRUCTION:
	case CUDA_ERROR_MISALIGNED_ADDRESS:
	case CUDA_ERROR_INVALID_ADDRESS_SPACE:
	case CUDA_ERROR_INVALID_PC:
	case CUDA_ERROR_LAUNCH_FAILED:
	case 226:	/* CUDA_ERROR_CONTAINED (12.x) */
	case 721:	/* CUDA_ERROR_TENSOR_MEMORY_LEAK (12.x) */
		return 1;
	default:
		return 0;
	}
}

/* A CUresult as a VGPUIF_RSP_* status; records it. */
static int32_t st(CUresult r)
{
	if (r == CUDA_SUCCESS)
		return VGPUIF_RSP_OKAY;
	if (sticky(r)) {
		cx_dev_error((int)r, 1);
		return VGPUIF_RSP_FAULT;
	}
	switch ((int)r) {
	case CUDA_ERROR_CONTEXT_IS_DESTROYED:
	case CUDA_ERROR_INVALID_CONTEXT:
	/*
	 * The device's own failures (the worker's gpu_health.c lists them):
	 * the process ends, the worker judges the GPU lost and probes it.
	 */
	case CUDA_ERROR_UNKNOWN:
	case CUDA_ERROR_DEINITIALIZED:
	case CUDA_ERROR_DEVICE_UNAVAILABLE:
	case CUDA_ERROR_NO_DEVICE:
	case CUDA_ERROR_INVALID_DEVICE:
	case CUDA_ERROR_SYSTEM_NOT_READY:
		cx_dev_error((int)r, 1);
		return VGPUIF_RSP_ERROR;
	default:
		break;
	}
	cx_dev_error((int)r, 0);
	switch ((int)r) {
	case CUDA_ERROR_OUT_OF_MEMORY:
		return VGPUIF_RSP_NO_MEMORY;
	case CUDA_ERROR_NOT_FOUND:
		return VGPUIF_RSP_NOT_FOUND;
	case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_INVALID_IMAGE:
	case CUDA_ERROR_INVALID_PTX:
	case CUDA_ERROR_INVALID_SOURCE:
	case CUDA_ERROR_NO_BINARY_FOR_GPU:
	case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
	case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
	case CUDA_ERROR_INVALID_HANDLE:
	case CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND:
	case CUDA_ERROR_SHARED_OBJECT_INIT_FAILED:
		return VGPUIF_RSP_INVALID;
	default:
		return VGPUIF_RSP_ERROR;
	}
}

static const char *errname(CUresult r)
{
	const char *s = NULL;

	cuGetErrorName(r, &s);
	return s ? s : "?";
}

static unsigned int sched_flag(const char *s)
{
	if (!strcmp(s, "spin"))
		return CU_CTX_SCHED_SPIN;
	if (!strcmp(s, "yield"))
		return CU_CTX_SCHED_YIELD;
	if (!strcmp(s, "block"))
		return CU_CTX_SCHED_BLOCKING_SYNC;
	return CU_CTX_SCHED_AUTO;
}

static int open_ctx(const struct cx_opts *o)
{
	CUresult r;

	r = cuInit(0);
	if (r == CUDA_SUCCESS)
		r = cuDeviceGet(&g.dev, o->device);
	if (r == CUDA_SUCCESS)
		r = cuDevicePrimaryCtxSetFlags(g.dev, sched_flag(o->sched));
	if (r == CUDA_SUCCESS)
		r = cuDevicePrimaryCtxRetain(&g.ctx, g.dev);
	if (r == CUDA_SUCCESS)
		r = cuCtxSetCurrent(g.ctx);
	if (r != CUDA_SUCCESS)
		cx_log("CUDA start-up: %s", errname(r));
	return (int)r;
}

static int cuda_probe(const struct cx_opts *o, FILE *out)
{
	char name[64] = "";
	size_t total = 0, free_b = 0;
	CUresult r;

	if (open_ctx(o))
		return CX_EXIT_INIT;
	r = cuDeviceGetName(name, sizeof(name) - 1, g.dev);
	if (r == CUDA_SUCCESS)
		r = cuMemGetInfo(&free_b, &total);
	if (r != CUDA_SUCCESS) {
		cx_log("probe: %s", errname(r));
		return CX_EXIT_INIT;
	}
	for (char *p = name; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	fprintf(out, "ok\t%zu\t%zu\t%s\n", total, free_b, name);
	return fflush(out) ? CX_EXIT_INIT : CX_EXIT_OK;
}

static int cuda_init(const struct cx_opts *o, struct cx_ctrl *ctrl,
		     void *staging, size_t len)
{
	int least = 0, greatest = 0;
	size_t total = 0;
	CUresult r;
	int err;

	err = open_ctx(o);
	if (err)
		return err;
	/*
	 * The stack is reserved for every thread the GPU can hold, so it is
	 * most of a context's memory; the driver still grows it for a kernel
	 * whose frame needs more. Refused: the driver's default stays.
	 */
	if (o->stack_bytes) {
		r = cuCtxSetLimit(CU_LIMIT_STACK_SIZE, o->stack_bytes);
		if (r != CUDA_SUCCESS)
			cx_log("stack of %u bytes refused (%s): the driver's default stays",
			       o->stack_bytes, errname(r));
	}
	r = cuCtxGetStreamPriorityRange(&least, &greatest);
	if (r != CUDA_SUCCESS)
		return (int)r;
	/* high -> greatest, low -> least, medium between. */
	ctrl->stream_prio[VGPUIF_PRIO_HIGH] = greatest;
	ctrl->stream_prio[VGPUIF_PRIO_MEDIUM] = (least + greatest) / 2;
	ctrl->stream_prio[VGPUIF_PRIO_LOW] = least;
	for (int i = 0; i < VGPUIF_NR_PRIOS; i++) {
		r = cuStreamCreateWithPriority(&g.stream[i], CU_STREAM_NON_BLOCKING,
					       ctrl->stream_prio[i]);
		if (r != CUDA_SUCCESS)
			return (int)r;
	}
	g.cur = g.stream[VGPUIF_PRIO_MEDIUM];
	g.nev = ctrl->nslots + CX_RING;
	g.ev = calloc(g.nev, sizeof(*g.ev));
	if (!g.ev)
		return CUDA_ERROR_OUT_OF_MEMORY;
	for (uint32_t i = 0; i < g.nev; i++) {
		r = cuEventCreate(&g.ev[i], CU_EVENT_DISABLE_TIMING);
		if (r != CUDA_SUCCESS)
			return (int)r;
	}
	r = cuModuleLoadData(&g.builtin, vadd_ptx);
	if (r == CUDA_SUCCESS)
		r = cuModuleGetFunction(&g.vadd, g.builtin, "vgpu_vector_add");
	if (r != CUDA_SUCCESS) {
		cx_log("built-in module: %s", errname(r));
		return (int)r;
	}
	/*
	 * The backend's copy writes here; the DMA engines read it directly,
	 * and kernels read and write the inline areas in place (mapped).
	 */
	r = cuMemHostRegister(staging, len, CU_MEMHOSTREGISTER_DEVICEMAP);
	if (r == CUDA_SUCCESS) {
		CUdeviceptr d;

		ctrl->pinned = 1;
		r = cuMemHostGetDevicePointer(&d, staging, 0);
		if (r == CUDA_SUCCESS) {
			g.host = staging;
			g.host_dev = d;
			ctrl->zero_copy = 1;
		}
	} else {
		cx_log("staging not pinned (%s): copies go through the driver's bounce buffers",
		       errname(r));
	}
	{
		int sms = 0, per_sm = 0;

		if (cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
					 g.dev) == CUDA_SUCCESS &&
		    cuDeviceGetAttribute(&per_sm,
					 CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR,
					 g.dev) == CUDA_SUCCESS && sms > 0 && per_sm > 0)
			g.resident = (uint64_t)sms * (uint64_t)per_sm;
		*(void **)&g.fn_count = dlsym(RTLD_DEFAULT, "cuModuleGetFunctionCount");
		*(void **)&g.fn_list = dlsym(RTLD_DEFAULT, "cuModuleEnumerateFunctions");
		if (!g.fn_count || !g.fn_list || !g.resident)
			cx_log("driver cannot list a module's kernels: their local memory is not charged to mem-quota");
	}
	{
		CUmoduleLoadingMode mode = CU_MODULE_EAGER_LOADING;

		if (cuModuleGetLoadingMode(&mode) == CUDA_SUCCESS &&
		    mode != CU_MODULE_EAGER_LOADING)
			cx_log("modules load lazily: their memory is charged to mem-quota only in part");
	}
	r = cuDeviceGetName(ctrl->device_name, sizeof(ctrl->device_name) - 1,
			    g.dev);
	if (r == CUDA_SUCCESS)
		r = cuDeviceTotalMem(&total, g.dev);
	if (r != CUDA_SUCCESS)
		return (int)r;
	ctrl->mem_total = total;
	return 0;
}

static int32_t cuda_set_prio(uint8_t prio)
{
	CUstream next = g.stream[prio < VGPUIF_NR_PRIOS ? prio : VGPUIF_PRIO_LOW];
	int32_t s;

	if (next == g.cur)
		return VGPUIF_RSP_OKAY;
	/* The VM's order holds across the switch: the old stream drains. */
	s = st(cuStreamSynchronize(g.cur));
	if (s == VGPUIF_RSP_OKAY)
		g.cur = next;
	return s;
}

static int32_t cuda_mem_alloc(uint64_t size, uint64_t *dptr)
{
	CUdeviceptr d;
	int32_t s = st(cuMemAlloc(&d, size));

	if (s != VGPUIF_RSP_OKAY)
		return s;
	/* Never hand a VM what another context left in this memory. */
	s = st(cuMemsetD8Async(d, 0, size, g.cur));
	if (s != VGPUIF_RSP_OKAY) {
		cuMemFree(d);
		return s;
	}
	*dptr = d;
	return VGPUIF_RSP_OKAY;
}

static int32_t cuda_mem_free(uint64_t dptr)
{
	int32_t s = st(cuStreamSynchronize(g.cur));

	if (s != VGPUIF_RSP_OKAY)
		return s;
	return st(cuMemFree((CUdeviceptr)dptr));
}

/*
 * Device address space only: cuMemAlloc never returns an address in a
 * reserved range. 2 MiB is the VMM granularity of every NVIDIA GPU; the
 * range is widened to it. The address is a hint to the driver: anything
 * but exactly that range is given back and refused.
 */
static int32_t cuda_reserve_va(uint64_t lo, uint64_t hi)
{
	const uint64_t gran = 2ull << 20;
	uint64_t a = lo & ~(gran - 1), b = (hi + gran - 1) & ~(gran - 1);
	CUdeviceptr p = 0;
	int32_t s;

	if (hi <= lo || b <= a)
		return VGPUIF_RSP_INVALID;
	s = st(cuMemAddressReserve(&p, b - a, 0, (CUdeviceptr)a, 0));
	if (s != VGPUIF_RSP_OKAY)
		return s;
	if (p != a) {
		cuMemAddressFree(p, b - a);
		return VGPUIF_RSP_NO_MEMORY;
	}
	return VGPUIF_RSP_OKAY;
}

static int32_t cuda_mem_info(uint64_t *free_b, uint64_t *total_b)
{
	size_t f = 0, t = 0;
	int32_t s = st(cuMemGetInfo(&f, &t));

	*free_b = f;
	*total_b = t;
	return s;
}

static int32_t cuda_h2d(uint64_t dptr, const void *src, size_t len)
{
	return st(cuMemcpyHtoDAsync((CUdeviceptr)dptr, src, len, g.cur));
}

static int32_t cuda_d2h(void *dst, uint64_t dptr, size_t len)
{
	return st(cuMemcpyDtoHAsync(dst, (CUdeviceptr)dptr, len, g.cur));
}

static int32_t cuda_record(uint32_t ev)
{
	return st(cuEventRecord(g.ev[ev], g.cur));
}

static int32_t cuda_query(uint32_t ev)
{
	CUresult r = cuEventQuery(g.ev[ev]);

	return r == CUDA_ERROR_NOT_READY ? 1 : st(r);
}

static uint64_t cuda_host_devptr(void *host)
{
	return g.host_dev + (uint64_t)((uint8_t *)host - g.host);
}

/*
 * What a module costs on the device is measured, not computed: the free
 * memory the driver reports (cuMemGetInfo) before and after the load.
 * The Driver API has no call that lists a module's __device__ variables
 * (cuModuleGetGlobal needs their names, which only parsing the guest's
 * image would give), and the measure counts everything the load took:
 * globals, constants and code, at the driver's allocation granularity.
 * The worker starts this process with CUDA_MODULE_LOADING=EAGER, so the
 * memory is taken by the load and not later, at a kernel's first launch
 * (init() logs it when the driver still loads lazily). Its limit: the
 * figure is the whole device's, so another context's allocation or free
 * in the same microseconds moves it (an allocation makes this VM pay
 * more, a free less). Local memory, which the driver reserves only at
 * launch, is added as local_reserve() estimates it.
 */
/*
 * The local memory a module's kernels can make the context reserve: the
 * driver reserves a kernel's per-thread local frame for every thread the
 * GPU can hold at once, when the kernel is launched. Charged at load, as
 * the largest frame of the module's kernels times the resident threads:
 * a guest cannot take gigabytes by launching a kernel with a large frame
 * either. Needs cuModuleEnumerateFunctions (driver 12.4); without it,
 * not charged (init() says so).
 */
static uint64_t local_reserve(CUmodule m)
{
	unsigned int n = 0;
	CUfunction *f;
	uint64_t most = 0;

	if (!g.fn_count || !g.fn_list || g.fn_count(&n, m) != CUDA_SUCCESS || !n)
		return 0;
	f = calloc(n, sizeof(*f));
	if (!f)
		return 0;
	if (g.fn_list(f, n, m) == CUDA_SUCCESS) {
		for (unsigned int i = 0; i < n; i++) {
			int v = 0;

			if (cuFuncGetAttribute(&v, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES,
					       f[i]) == CUDA_SUCCESS &&
			    v > 0 && (uint64_t)v > most)
				most = (uint64_t)v;
		}
	}
	free(f);
	return most * g.resident;
}

static int32_t cuda_module_load(const void *image, size_t len, void **mod,
				uint64_t *bytes)
{
	char log[1024] = "";
	CUjit_option opt[] = {
		CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
	};
	void *val[] = { log, (void *)(uintptr_t)sizeof(log) };
	size_t free0 = 0, free1 = 0, total = 0;
	CUmodule m;
	CUresult r;

	(void)len;	/* cubin and fatbin carry their size; PTX ends in NUL */
	r = cuMemGetInfo(&free0, &total);
	if (r == CUDA_SUCCESS)
		r = cuModuleLoadDataEx(&m, image, 2, opt, val);
	if (r != CUDA_SUCCESS) {
		log[sizeof(log) - 1] = '\0';
		/* The log is the guest's text: cx_log escapes it. */
		if (log[0])
			cx_log("module load: %s: %.200s", errname(r), log);
		return st(r);
	}
	r = cuMemGetInfo(&free1, &total);
	if (r != CUDA_SUCCESS) {
		cuModuleUnload(m);
		return st(r);
	}
	*bytes = (free0 > free1 ? free0 - free1 : 0) + local_reserve(m);
	*mod = m;
	return VGPUIF_RSP_OKAY;
}

static int32_t cuda_module_unload(void *mod)
{
	int32_t s = st(cuStreamSynchronize(g.cur));

	if (s != VGPUIF_RSP_OKAY)
		return s;
	return st(cuModuleUnload((CUmodule)mod));
}

static int32_t cuda_launch(void *mod, const char *name,
			   const struct vgpuif_launch_args *l,
			   const void *params, size_t params_len)
{
	size_t size = params_len;
	void *extra[] = {
		CU_LAUNCH_PARAM_BUFFER_POINTER, (void *)params,
		CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
		CU_LAUNCH_PARAM_END,
	};
	CUfunction f;
	int32_t s;

	s = st(cuModuleGetFunction(&f, (CUmodule)mod, name));
	if (s != VGPUIF_RSP_OKAY)
		return s;
	/*
	 * More dynamic shared memory than CUDA's default 48 KiB needs the
	 * function's limit raised first; the guest's library raised its own
	 * (cuFuncSetAttribute) and the LAUNCH carries the size. Past what the
	 * GPU allows, this fails as the guest's own driver call would.
	 */
	if (l->shared_mem > 49152u) {
		s = st(cuFuncSetAttribute(f,
				CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
				(int)l->shared_mem));
		if (s != VGPUIF_RSP_OKAY)
			return s;
	}
	return st(cuLaunchKernel(f, l->grid[0], l->grid[1], l->grid[2],
				 l->block[0], l->block[1], l->block[2],
				 l->shared_mem, g.cur, NULL,
				 params_len ? extra : NULL));
}

static int32_t cuda_vector_add(uint64_t a, uint64_t b, uint64_t c, uint32_t n)
{
	CUdeviceptr pa = a, pb = b, pc = c;
	void *args[] = { &pa, &pb, &pc, &n };

	return st(cuLaunchKernel(g.vadd, (n + VADD_BLOCK - 1) / VADD_BLOCK, 1, 1,
				 VADD_BLOCK, 1, 1, 0, g.cur, args, NULL));
}

static int32_t cuda_sync(void)
{
	return st(cuStreamSynchronize(g.cur));
}

static int32_t cuda_memset(uint64_t dptr, uint32_t value, uint8_t elem_size,
			   uint64_t size)
{
	CUdeviceptr d = (CUdeviceptr)dptr;

	if (elem_size == 1)
		return st(cuMemsetD8Async(d, (unsigned char)value, size, g.cur));
	if (elem_size == 2)
		return st(cuMemsetD16Async(d, (unsigned short)value, size / 2,
					   g.cur));
	return st(cuMemsetD32Async(d, value, size / 4, g.cur));
}

static int32_t cuda_copy_d2d(uint64_t dst, uint64_t src, uint64_t size)
{
	return st(cuMemcpyDtoDAsync((CUdeviceptr)dst, (CUdeviceptr)src, size,
				    g.cur));
}

static int32_t cuda_module_global(void *mod, const char *name, uint64_t *dptr,
				  uint64_t *size)
{
	CUdeviceptr d = 0;
	size_t n = 0;
	int32_t s = st(cuModuleGetGlobal(&d, &n, (CUmodule)mod, name));

	*dptr = d;
	*size = n;
	return s;
}

/* One CU_FUNC_ATTRIBUTE_* after another, in vgpuif_func_attrs' order. */
static int32_t cuda_func_attrs(void *mod, const char *name,
			       struct vgpuif_func_attrs *a)
{
	static const CUfunction_attribute which[] = {
		CU_FUNC_ATTRIBUTE_NUM_REGS,
		CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
		CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES,
		CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES,
		CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
		CU_FUNC_ATTRIBUTE_PTX_VERSION,
		CU_FUNC_ATTRIBUTE_BINARY_VERSION,
		CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
	};
	int32_t *out[] = {
		&a->num_regs, &a->shared_size, &a->const_size, &a->local_size,
		&a->max_threads_per_block, &a->ptx_version,
		&a->binary_version, &a->max_dynamic_shared,
	};
	CUfunction f;
	int32_t s;

	_Static_assert(sizeof(which) / sizeof(which[0]) ==
		       sizeof(out) / sizeof(out[0]), "one value per attribute");
	s = st(cuModuleGetFunction(&f, (CUmodule)mod, name));
	for (size_t i = 0; s == VGPUIF_RSP_OKAY && i < sizeof(out) / sizeof(out[0]); i++) {
		int v = 0;

		s = st(cuFuncGetAttribute(&v, which[i], f));
		*out[i] = v;
	}
	return s;
}

/* VGPUIF_ATTR_* -> the driver's attribute (vgpuif.h lists the pairs). */
static const CUdevice_attribute cu_attr[VGPUIF_NR_ATTRS] = {
#define A(x) [VGPUIF_ATTR_##x] = CU_DEVICE_ATTRIBUTE_##x
#define B(x, y) [VGPUIF_ATTR_##x] = CU_DEVICE_ATTRIBUTE_##y
	A(MAX_THREADS_PER_BLOCK), A(MAX_BLOCK_DIM_X), A(MAX_BLOCK_DIM_Y),
	A(MAX_BLOCK_DIM_Z), A(MAX_GRID_DIM_X), A(MAX_GRID_DIM_Y),
	A(MAX_GRID_DIM_Z), B(MAX_SHARED_MEM_PER_BLOCK, MAX_SHARED_MEMORY_PER_BLOCK),
	A(TOTAL_CONSTANT_MEMORY), A(WARP_SIZE), A(MAX_PITCH),
	A(MAX_REGISTERS_PER_BLOCK), A(CLOCK_RATE), A(TEXTURE_ALIGNMENT),
	A(MULTIPROCESSOR_COUNT), A(KERNEL_EXEC_TIMEOUT), A(INTEGRATED),
	A(CAN_MAP_HOST_MEMORY), A(COMPUTE_MODE), A(CONCURRENT_KERNELS),
	A(ECC_ENABLED), A(PCI_BUS_ID), A(PCI_DEVICE_ID), A(MEMORY_CLOCK_RATE),
	A(GLOBAL_MEMORY_BUS_WIDTH), A(L2_CACHE_SIZE),
	A(MAX_THREADS_PER_MULTIPROCESSOR), A(ASYNC_ENGINE_COUNT),
	A(UNIFIED_ADDRESSING), A(PCI_DOMAIN_ID), A(COMPUTE_CAPABILITY_MAJOR),
	A(COMPUTE_CAPABILITY_MINOR), B(MAX_SHARED_MEM_PER_MULTIPROCESSOR,
	  MAX_SHARED_MEMORY_PER_MULTIPROCESSOR),
	A(MAX_REGISTERS_PER_MULTIPROCESSOR), A(MANAGED_MEMORY),
	B(MAX_SHARED_MEM_PER_BLOCK_OPTIN, MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
#undef A
#undef B
};

/* The worker zeroes what a guest must not see (exec_attrs_finish()). */
static int32_t cuda_attrs(int32_t *attr, uint32_t *nr, char *name)
{
	for (uint32_t i = 0; i < VGPUIF_NR_ATTRS; i++) {
		int v = 0;

		if (cuDeviceGetAttribute(&v, cu_attr[i], g.dev) == CUDA_SUCCESS)
			attr[i] = v;
	}
	*nr = VGPUIF_NR_ATTRS;
	return st(cuDeviceGetName(name, 64, g.dev));
}

/*
 * EVENT_RECORD's clock: two timing events, recorded in turn; each record
 * adds the GPU time since the one before (cuEventElapsedTime, ~0.5 us
 * resolution) to a 64-bit nanosecond count, so the float's rounding never
 * grows with the clock. Both streams' events share the context's clock.
 */
static struct {
	CUevent ev[2];
	unsigned int cur;
	int started;
	uint64_t ns;
} clk;

static int32_t cuda_timestamp(uint64_t *ns)
{
	unsigned int nxt = clk.cur ^ 1;
	float ms = 0;
	int32_t s;

	for (int i = 0; i < 2 && !clk.ev[1]; i++) {
		s = st(cuEventCreate(&clk.ev[i], CU_EVENT_DEFAULT));
		if (s != VGPUIF_RSP_OKAY)
			return s;
	}
	s = st(cuEventRecord(clk.ev[nxt], g.cur));
	if (s == VGPUIF_RSP_OKAY)
		s = st(cuEventSynchronize(clk.ev[nxt]));
	if (s == VGPUIF_RSP_OKAY && clk.started)
		s = st(cuEventElapsedTime(&ms, clk.ev[clk.cur], clk.ev[nxt]));
	if (s != VGPUIF_RSP_OKAY)
		return s;
	if (ms > 0)
		clk.ns += (uint64_t)((double)ms * 1e6 + 0.5);
	clk.started = 1;
	clk.cur = nxt;
	*ns = clk.ns;
	return VGPUIF_RSP_OKAY;
}

static const struct cx_dev_ops cuda_ops = {
	.name = "cuda",
	.probe = cuda_probe,
	.init = cuda_init,
	.set_prio = cuda_set_prio,
	.mem_alloc = cuda_mem_alloc,
	.mem_free = cuda_mem_free,
	.reserve_va = cuda_reserve_va,
	.mem_info = cuda_mem_info,
	.h2d = cuda_h2d,
	.d2h = cuda_d2h,
	.record = cuda_record,
	.query = cuda_query,
	.host_devptr = cuda_host_devptr,
	.module_load = cuda_module_load,
	.module_unload = cuda_module_unload,
	.launch = cuda_launch,
	.vector_add = cuda_vector_add,
	.sync = cuda_sync,
	.memset = cuda_memset,
	.copy_d2d = cuda_copy_d2d,
	.module_global = cuda_module_global,
	.attrs = cuda_attrs,
	.timestamp = cuda_timestamp,
	.func_attrs = cuda_func_attrs,
};

int main(int argc, char **argv)
{
	return cx_child_main(&cuda_ops, argc, argv);
}
