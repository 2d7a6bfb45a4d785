// SPDX-License-Identifier: MIT
/*
 * What of a program runs over vgpu: its runtime imports (cuda*, __cuda*)
 * against vgpu's libcudart.so.13, its Driver API imports (cu[A-Z]*)
 * against vgpu's libcuda.so.1, and the reasons it cannot run at all:
 * NVIDIA's runtime inside it, or a library it needs that carries one.
 *
 * How a function stands in vgpu's library follows from how the library
 * is built (Documentation/libcudart.md, libcuda.md): an implemented entry
 * point is a strong (STB_GLOBAL) function; every other one CUDA's headers
 * declare is a weak generated stub that returns ...NOT_SUPPORTED.
 *
 * NVIDIA's static runtime (nvcc's default, -cudart static) is found by,
 * in order of certainty:
 *   - the runtime's own functions defined in the file (.symtab or
 *     .dynsym): certain, though strip removes .symtab;
 *   - nvcc's fatbin sections (.nv_fatbin, .nvFatBinSegment) without
 *     DT_NEEDED libcudart.so: the device code is registered with a
 *     runtime linked in ("probably": strip keeps these sections);
 *   - in its constant data (.rodata), the string "libcuda.so.1", which
 *     that runtime passes to dlopen, and the runtime's error names
 *     ("cudaErrorInitializationError", from cudaGetErrorName's table),
 *     without DT_NEEDED libcuda.so and without a Driver API import
 *     ("probably"). The name alone is not enough: NVRTC, nvJitLink and
 *     CUPTI load the driver too and carry no runtime.
 * A shared object whose DT_SONAME is libcudart.so.* and which needs
 * libcuda.so.1 is a runtime over the Driver API, as vgpu's is: its own
 * cuda* functions are what it serves, not a runtime inside a program.
 * One whose DT_SONAME is libcuda.so* is a Driver API library itself.
 */
#include <stdlib.h>
#include <string.h>

#include "cudacheck.h"

static bool prefixed(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool cudart_name(const char *n)
{
	return prefixed(n, "libcudart.so");
}

static bool cuda_name(const char *n)
{
	return !strcmp(n, "libcuda.so") || prefixed(n, "libcuda.so.");
}

static const char *needed_matching(const struct cc_elf *prog,
				   bool (*match)(const char *))
{
	size_t i;

	for (i = 0; i < prog->n_needed; i++)
		if (match(prog->needed[i]))
			return prog->needed[i];
	return NULL;
}

bool cc_needs_cudart(const struct cc_elf *prog)
{
	return needed_matching(prog, cudart_name) != NULL;
}

bool cc_needs_cuda(const struct cc_elf *prog)
{
	return needed_matching(prog, cuda_name) != NULL;
}

/* cudaMalloc, __cudaRegisterFatBinary: the runtime API and nvcc's ABI. */
static bool runtime_name(const char *n)
{
	return prefixed(n, "cuda") || prefixed(n, "__cuda");
}

/*
 * cuInit, cuMemAlloc_v2: the Driver API is cu and a capital; cuBLAS,
 * cuFFT, cuRAND... (cublasCreate) are cu and a small letter.
 */
static bool driver_name(const char *n)
{
	return n[0] == 'c' && n[1] == 'u' && n[2] >= 'A' && n[2] <= 'Z';
}

static bool runtime_import(const struct cc_import *im)
{
	return runtime_name(im->name) && (!im->from || cudart_name(im->from));
}

static bool driver_import(const struct cc_import *im)
{
	return driver_name(im->name) && (!im->from || cuda_name(im->from));
}

static int by_call_name(const void *a, const void *b)
{
	return strcmp(((const struct cc_call *)a)->name,
		      ((const struct cc_call *)b)->name);
}

/* PROG's imports that PICK selects, each looked up in LIB's exports. */
static int check_api(struct cc_api *api, const struct cc_elf *prog,
		     const struct cc_elf *lib,
		     bool (*pick)(const struct cc_import *))
{
	size_t i, n = 0;

	api->used = true;
	api->lib_path = lib->path;
	api->calls = calloc(prog->n_imports ? prog->n_imports : 1,
			    sizeof(*api->calls));
	if (!api->calls)
		return -1;
	for (i = 0; i < prog->n_imports; i++)
		if (pick(&prog->imports[i]))
			api->calls[n++].name = prog->imports[i].name;
	qsort(api->calls, n, sizeof(*api->calls), by_call_name);
	for (i = 0; i < n; i++) {
		const struct cc_def *d;
		struct cc_call *c;

		/* One name imported at two versions is one function. */
		if (api->n_calls && !strcmp(api->calls[api->n_calls - 1].name,
					    api->calls[i].name))
			continue;
		c = &api->calls[api->n_calls++];
		c->name = api->calls[i].name;
		d = cc_find_def(lib->exports, lib->n_exports, c->name);
		if (!d || !d->func)
			c->status = CC_ABSENT;
		else if (d->weak)
			c->status = CC_STUB;
		else
			c->status = CC_IMPLEMENTED;
		if (c->status != CC_IMPLEMENTED)
			api->n_missing++;
	}
	return 0;
}

static void add_problem(struct cc_judgement *j, enum cc_problem_kind kind,
			bool probable, const char *what, size_t count)
{
	struct cc_problem *p;

	if (j->n_problems == CC_MAX_PROBLEMS)
		return;		/* the verdict is made; enough reasons given */
	p = &j->problems[j->n_problems++];
	p->kind = kind;
	p->probable = probable;
	p->what = what;
	p->count = count;
}

/* cuda* functions PROG defines in DEFS; *FIRST: a well-known one. */
static size_t runtime_defs(const struct cc_def *defs, size_t n,
			   const char **first)
{
	static const char *const known[] = {
		"cudaMalloc", "cudaLaunchKernel", "__cudaRegisterFatBinary",
		"cudaMemcpy", "cudaGetDeviceCount", "cudaFree",
	};
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (defs[i].func && runtime_name(defs[i].name))
			count++;
	for (i = 0; count && !*first && i < sizeof(known) / sizeof(known[0]); i++) {
		const struct cc_def *d = cc_find_def(defs, n, known[i]);

		if (d && d->func)
			*first = d->name;
	}
	return count;
}

static void find_static_runtime(const struct cc_elf *prog,
				struct cc_judgement *j)
{
	const char *first = NULL;
	size_t count, i;
	bool driver_imports = false;

	count = runtime_defs(prog->locals, prog->n_locals, &first);
	if (!first) {
		size_t dyn = runtime_defs(prog->exports, prog->n_exports, &first);

		count = dyn > count ? dyn : count;
	}
	/* A few cuda* names of one's own are not a runtime: one of its
	 * entry points must be there. */
	if (first) {
		/* A libcudart.so that loads the driver itself: NVIDIA's. */
		if (prog->soname && cudart_name(prog->soname))
			add_problem(j, CC_P_NVIDIA_RUNTIME, false, prog->soname, 0);
		else
			add_problem(j, CC_P_STATIC_RUNTIME, false, first, count);
		return;
	}
	if (prog->has_fatbin) {
		add_problem(j, CC_P_STATIC_FATBIN, true, NULL, 0);
		return;
	}
	for (i = 0; i < prog->n_imports; i++)
		if (driver_name(prog->imports[i].name))
			driver_imports = true;
	if (prog->names_libcuda && prog->names_cuda_errors &&
	    !cc_needs_cuda(prog) && !driver_imports)
		add_problem(j, CC_P_STATIC_DLOPEN, true, CC_CUDA_SONAME, 0);
}

/* Libraries that carry NVIDIA's runtime inside them (libcuda.md). */
static void find_nvidia_libs(const struct cc_elf *prog, struct cc_judgement *j)
{
	static const char *const libs[] = {
		"libcublas", "libcudnn", "libcufft", "libcusparse",
		"libcurand", "libcusolver", "libnpp",
	};
	size_t i, k;

	for (i = 0; i < prog->n_needed; i++)
		for (k = 0; k < sizeof(libs) / sizeof(libs[0]); k++)
			if (prefixed(prog->needed[i], libs[k])) {
				add_problem(j, CC_P_NVIDIA_LIB, false,
					    prog->needed[i], 0);
				break;
			}
}

int cc_judge(const struct cc_elf *prog, const struct cc_libs *libs,
	     struct cc_judgement *j)
{
	const char *cudart = needed_matching(prog, cudart_name);
	const char *cuda = needed_matching(prog, cuda_name);

	memset(j, 0, sizeof(*j));
	j->is_runtime = prog->soname && cudart_name(prog->soname) && cuda;
	j->is_driver = prog->soname && cuda_name(prog->soname);
	if (cudart) {
		j->runtime.needed = cudart;
		if (!libs->cudart ||
		    check_api(&j->runtime, prog, libs->cudart, runtime_import))
			return -1;
		/* vgpu's is .13; "libcudart.so" finds its symlink. */
		if (strcmp(cudart, CC_CUDART_SONAME) && strcmp(cudart, "libcudart.so"))
			add_problem(j, CC_P_CUDART_VERSION, false, cudart, 0);
	}
	if (cuda) {
		j->driver.needed = cuda;
		if (!libs->cuda ||
		    check_api(&j->driver, prog, libs->cuda, driver_import))
			return -1;
	}
	if (!cudart && !j->is_runtime && !j->is_driver)
		find_static_runtime(prog, j);
	find_nvidia_libs(prog, j);

	if (j->n_problems)
		j->verdict = CC_CANNOT;
	else if (j->runtime.n_missing || j->driver.n_missing)
		j->verdict = CC_PARTIAL;
	else if (cudart || cuda)
		j->verdict = CC_RUNS;
	else
		j->verdict = CC_NO_CUDA;
	return 0;
}

void cc_judgement_free(struct cc_judgement *j)
{
	free(j->runtime.calls);
	free(j->driver.calls);
	memset(j, 0, sizeof(*j));
}
