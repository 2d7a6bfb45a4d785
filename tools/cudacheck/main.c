// SPDX-License-Identifier: MIT
/*
 * vgpu-cuda-check's main(): the command (cli.c) with the directory the
 * guest package installs vgpu's libcuda.so.1 and libcudart.so.13 into,
 * install.mk's $(LIBDIR)/vgpu, which the Makefile passes as VGPU_LIBDIR.
 */
#include <stdio.h>

#include "cudacheck.h"

#ifndef VGPU_LIBDIR
#error "VGPU_LIBDIR: tools/cudacheck/Makefile passes $(LIBDIR)/vgpu"
#endif

int main(int argc, char **argv)
{
	return cc_main(argc, argv, VGPU_LIBDIR, stdout, stderr);
}
