/* SPDX-License-Identifier: MIT */
/*
 * The entry points cuGetProcAddress knows (stubs.c, from gen-stubs.sh):
 * every symbol by name, and the CUDA version each ABI of an entry point
 * appeared in, so a caller asking for cuCtxCreate at version 3020 gets
 * cuCtxCreate_v2, not the newest cuCtxCreate_v4.
 */
#ifndef VGPU_LIBCUDA_SYMS_H
#define VGPU_LIBCUDA_SYMS_H

struct cuvg_sym {
	const char *name;
	void *fn;
};

extern const struct cuvg_sym cuvg_syms[];	/* sorted by name */
extern const unsigned int cuvg_nsyms;

#define CUVG_MAX_ABIS 8

/*
 * ver[k]: the version ABI k appeared in, ascending; ABI 0 is the plain
 * name, ABI k the name with _v(k+1). Unused slots are 0.
 */
struct cuvg_abis {
	const char *name;
	int ver[CUVG_MAX_ABIS];
};

extern const struct cuvg_abis cuvg_abis[];	/* sorted by name */
extern const unsigned int cuvg_nabis;

#endif
