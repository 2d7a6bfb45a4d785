// SPDX-License-Identifier: MIT
/*
 * vgpu-cuda-check's main(): the command (cli.c) with the directory the
 * guest package installs vgpu's libcuda.so.1 and libcudart.so.13 into,
 * install.mk's $(LIBDIR)/vgpu, which the Makefile passes as VGPU_LIBDIR
 * (-D; there is no default here, so that there is only one).
 */
#include <stdio.h>

#include "cudacheck.h"

int main(int argc, char **argv)
{
	return cc_main(argc, argv, VGPU_LIBDIR, stdout, stderr);
}
