// SPDX-License-Identifier: MIT
/*
 * libcudart-fake-exec: the fake device's executor process
 * (libcuda_fake_exec.c) for programs nvcc built, whose modules are real
 * fatbins: the fake device (cx_dev_fake.c) takes a module image that
 * starts with a fatbin header (0xBA55ED50) as a plain "FAKEMOD" one. Its
 * kernels are then the fake device's, by name (fill32, read_global,
 * fault, ...), whatever code the fatbin holds: the runtime's tests
 * (tests/gpu/libcuda/rt_shared_test.cu) name their kernels alike and give
 * them the same parameters, so the same program also runs on a GPU.
 *   libcudart-fake-exec --fake-child ARGS...
 */
#include <stdio.h>
#include <string.h>

#include "dom0-worker/exec/cuda/cx_child.h"

#define FATBIN_MAGIC 0xBA55ED50u

extern const struct cx_dev_ops cx_fake_ops;
static struct cx_dev_ops ops;

static int32_t load(const void *image, size_t len, void **mod, uint64_t *bytes)
{
	static const char fake[] = "FAKEMOD";
	uint32_t magic = 0;

	if (len >= sizeof(magic))
		memcpy(&magic, image, sizeof(magic));
	if (magic == FATBIN_MAGIC)
		return cx_fake_ops.module_load(fake, sizeof(fake), mod, bytes);
	return cx_fake_ops.module_load(image, len, mod, bytes);
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--fake-child")) {
		fprintf(stderr, "usage: libcudart-fake-exec --fake-child ...\n");
		return 2;
	}
	ops = cx_fake_ops;
	ops.module_load = load;
	return cx_child_main(&ops, argc - 1, argv + 1);
}
