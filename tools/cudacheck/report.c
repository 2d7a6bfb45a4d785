// SPDX-License-Identifier: MIT
/*
 * A judgement as text: one verdict line, "PATH: VERDICT", then details
 * indented by two spaces: why it cannot run and what to do, and each
 * CUDA function it imports, one a line, those vgpu lacks marked. The
 * format is the manual page's (vgpu-cuda-check.1); tests read it.
 */
#include "cudacheck.h"

#define REBUILD "nvcc -cudart shared -gencode arch=compute_90,code=sm_90"

static void reason(FILE *out, const struct cc_problem *p)
{
	switch (p->kind) {
	case CC_P_STATIC_RUNTIME:
		fprintf(out, "it carries NVIDIA's static CUDA runtime\n");
		break;
	case CC_P_NVIDIA_RUNTIME:
		fprintf(out, "it is NVIDIA's CUDA runtime (DT_SONAME %s)\n", p->what);
		break;
	case CC_P_STATIC_FATBIN:
	case CC_P_STATIC_DLOPEN:
		fprintf(out, "it probably carries NVIDIA's static CUDA runtime\n");
		break;
	case CC_P_NVIDIA_LIB:
		fprintf(out, "it needs %s, which carries NVIDIA's CUDA runtime\n",
			p->what);
		break;
	case CC_P_CUDART_VERSION:
		fprintf(out, "it needs %s; vgpu's runtime is %s\n", p->what,
			CC_CUDART_SONAME);
		break;
	}
}

static void verdict(FILE *out, const char *path, const struct cc_judgement *j)
{
	size_t missing = j->runtime.n_missing + j->driver.n_missing;

	fprintf(out, "%s: ", path);
	switch (j->verdict) {
	case CC_NO_CUDA:
		if (j->is_driver)
			fprintf(out, "a Driver API library itself (DT_SONAME libcuda.so): nothing to check\n");
		else
			fprintf(out, "imports no CUDA function and carries no CUDA runtime: nothing to check\n");
		break;
	case CC_RUNS:
		fprintf(out, "runs over vgpu\n");
		break;
	case CC_PARTIAL:
		fprintf(out, "runs over vgpu only in part: %zu CUDA function%s it imports %s not implemented\n",
			missing, missing == 1 ? "" : "s",
			missing == 1 ? "is" : "are");
		break;
	case CC_CANNOT:
		fprintf(out, "cannot run over vgpu: ");
		reason(out, &j->problems[0]);
		break;
	}
}

static void problem(FILE *out, const struct cc_problem *p)
{
	switch (p->kind) {
	case CC_P_STATIC_RUNTIME:
		fprintf(out, "  static runtime: it defines %s and %zu more of the runtime's functions (nvcc's default, -cudart static)\n",
			p->what, p->count ? p->count - 1 : 0);
		break;
	case CC_P_NVIDIA_RUNTIME:
		fprintf(out, "  NVIDIA's runtime stops at an integrity check vgpu does not answer; vgpu's own %s takes its place where the loader finds it first (LD_LIBRARY_PATH)\n",
			CC_CUDART_SONAME);
		break;
	case CC_P_STATIC_FATBIN:
		fprintf(out, "  static runtime (probably): it has nvcc's device code (a .nv_fatbin section) but needs no libcudart.so, so the runtime that registers that code is linked into it (nvcc's default, -cudart static)\n");
		break;
	case CC_P_STATIC_DLOPEN:
		fprintf(out, "  static runtime (probably): it holds the runtime's error names and the name %s, which NVIDIA's runtime loads with dlopen, yet needs neither libcudart.so nor libcuda.so and imports no Driver API function\n",
			p->what);
		break;
	case CC_P_NVIDIA_LIB:
		fprintf(out, "  %s: NVIDIA's library, with NVIDIA's CUDA runtime inside; that runtime stops at an integrity check vgpu does not answer, so it does not run over vgpu\n",
			p->what);
		break;
	case CC_P_CUDART_VERSION:
		fprintf(out, "  %s: vgpu's runtime is %s only; rebuild with CUDA 13: %s\n",
			p->what, CC_CUDART_SONAME, REBUILD);
		break;
	}
}

static void api(FILE *out, const char *what, const struct cc_api *a,
		const char *not_supported)
{
	size_t i;

	if (!a->used)
		return;
	fprintf(out, "  %s: needs %s; imports %zu function%s, %zu implemented by %s\n",
		what, a->needed, a->n_calls, a->n_calls == 1 ? "" : "s",
		a->n_calls - a->n_missing, a->lib_path);
	for (i = 0; i < a->n_calls; i++) {
		const struct cc_call *c = &a->calls[i];

		switch (c->status) {
		case CC_IMPLEMENTED:
			fprintf(out, "    %s\n", c->name);
			break;
		case CC_STUB:
			fprintf(out, "    %s: NOT IMPLEMENTED (a stub that returns %s)\n",
				c->name, not_supported);
			break;
		case CC_ABSENT:
			fprintf(out, "    %s: NOT IMPLEMENTED (absent: the loader stops with a symbol lookup error)\n",
				c->name);
			break;
		}
	}
}

void cc_report(FILE *out, const char *path, const struct cc_judgement *j)
{
	bool static_rt = false;
	size_t i;

	verdict(out, path, j);
	if (j->is_runtime)
		fprintf(out, "  a CUDA runtime over the Driver API (DT_SONAME libcudart.so, needs libcuda.so): its Driver API imports are what it needs of vgpu\n");
	for (i = 0; i < j->n_problems; i++) {
		problem(out, &j->problems[i]);
		static_rt |= j->problems[i].kind == CC_P_STATIC_RUNTIME ||
			     j->problems[i].kind == CC_P_STATIC_FATBIN ||
			     j->problems[i].kind == CC_P_STATIC_DLOPEN;
	}
	if (static_rt)
		fprintf(out, "  NVIDIA's runtime stops at an integrity check vgpu does not answer; rebuild the program with vgpu's runtime and machine code for the host's GPU: %s\n",
			REBUILD);
	api(out, "runtime", &j->runtime, "cudaErrorNotSupported");
	api(out, "driver", &j->driver, "CUDA_ERROR_NOT_SUPPORTED");
}
