/* SPDX-License-Identifier: MIT */
/* The entry points cuGetProcAddress knows (stubs.c, from gen-stubs.sh), by name. */
#ifndef VGPU_LIBCUDA_SYMS_H
#define VGPU_LIBCUDA_SYMS_H

struct cuvg_sym {
	const char *name;
	void *fn;
};

extern const struct cuvg_sym cuvg_syms[];	/* sorted by name */
extern const unsigned int cuvg_nsyms;

#endif
