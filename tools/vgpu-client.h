// SPDX-License-Identifier: MIT
/*
 * What vgpu-client's files share: vgpu-client.c parses the options and
 * the command and calls one of the commands; vgpu-client-cmds.c has the
 * commands on one descriptor (info, nop, add, vecadd, memtest) and the
 * helpers every command uses; vgpu-client-threads.c has the threaded
 * ones (bench, stress).
 */
#ifndef VGPU_CLIENT_H
#define VGPU_CLIENT_H

#include <stdint.h>

/* Exit status (Documentation/client.md). */
#define EXIT_VGPU	1	/* a vgpu call failed */
#define EXIT_USAGE	2
#define EXIT_MISMATCH	3	/* a result was wrong */

enum bench_op { B_NOP, B_VECADD, B_MEMWRITE };

/* Prints a failed call's errno name and meaning; returns EXIT_VGPU. */
int report(const char *what, int err);
/* Opens /dev/vgpu<dev>, saying why not on stderr; the fd or -errno. */
int open_dev(unsigned int dev);
uint64_t rnd(uint64_t *s);
void fill_floats(float *v, uint32_t n, uint64_t *seed);
int checked_add(int fd, float *buf, uint32_t n, uint64_t seed,
		const char *tag, int *err_out);

int cmd_info(int fd);
int cmd_nop(int fd);
int cmd_add(int fd, float a, float b);
int cmd_vecadd(int fd, uint32_t n, uint64_t seed);
int cmd_memtest(int fd, uint64_t bytes);
/* Each thread opens /dev/vgpu<dev> for itself. */
int cmd_bench(unsigned int dev, enum bench_op op, uint64_t size,
	      uint32_t count, unsigned int threads);
int cmd_stress(unsigned int dev, uint32_t n, unsigned int threads,
	       uint32_t size, uint32_t seconds, int latency);

#endif
