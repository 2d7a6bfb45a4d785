// SPDX-License-Identifier: MIT
/*
 * libcuda-fake-exec: the CUDA executor's process on the host-memory
 * device (cx_dev_fake.c), for the libcuda loopback (libcuda_loopback.c)
 * running inside a program that cannot start itself as one.
 *   libcuda-fake-exec --fake-child ARGS...
 */
#include <stdio.h>
#include <string.h>

#include "dom0-worker/exec/cuda/cx_child.h"

extern const struct cx_dev_ops cx_fake_ops;

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--fake-child")) {
		fprintf(stderr, "usage: libcuda-fake-exec --fake-child ...\n");
		return 2;
	}
	return cx_child_main(&cx_fake_ops, argc - 1, argv + 1);
}
