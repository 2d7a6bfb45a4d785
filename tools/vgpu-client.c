// SPDX-License-Identifier: MIT
/*
 * vgpu-client: exercise /dev/vgpuN from a guest. Output is machine-parsable
 * (key=value); Documentation/client.md describes every command.
 *
 * Exit status: 0 ok, 1 a vgpu call failed (the message names the errno and
 * its meaning), 2 usage, 3 a result was wrong (mismatch).
 *
 * This file parses the options and the command's operands, before the
 * device is opened, and calls the command: vgpu-client-cmds.c has those
 * on one descriptor, vgpu-client-threads.c bench and stress. The calls
 * are libvgpu.c's, the number parsing and percentiles lib/'s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvgpu.h"
#include "lib/parse.h"
#include "vgpu-client.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vgpu-client [-d N] COMMAND [ARGS]\n"
"  -d, --device N          use /dev/vgpuN (default 0)\n"
"commands:\n"
"  info                    device and VM settings, key=value lines\n"
"  nop                     one round trip to the host's worker\n"
"  add A B                 vector add of one element; prints A+B\n"
"  vecadd N [--seed S]     add two generated N-element vectors, check all\n"
"  memtest BYTES           alloc, write a pattern, read back, compare\n"
"  bench nop|vecadd N|memwrite BYTES [--count K] [--threads T]\n"
"                          latency p50/p99/max (us), throughput\n"
"  stress N [--threads T] [--size E] [--seconds S] [--latency]\n"
"                          T threads, N checked vector adds each (or S s)\n"
"BYTES takes a K, M, G or T suffix (powers of 1024).\n");
}

static int parse_u32(const char *s, uint32_t *out, uint32_t min, uint32_t max)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_float(const char *s, float *out)
{
	char *end;

	errno = 0;
	*out = strtof(s, &end);
	return errno || end == s || *end ? -1 : 0;
}

struct sub_opts {
	uint64_t seed;
	uint32_t count;
	uint32_t threads;
	uint32_t size;
	uint32_t seconds;	/* stress --seconds */
	int have_count;
	int latency;		/* stress --latency */
};

/*
 * Parses --seed/--count/--threads/--size anywhere among a command's
 * arguments; argv[0] is the command (getopt skips it like a program name).
 * *args gets the operands.
 */
static int parse_sub(int argc, char **argv, struct sub_opts *o, int *nargs,
		     char ***args)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "latency", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;	/* glibc: start over, permuting */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 's':
			bad = parse_u64(optarg, &o->seed);
			break;
		case 'n':
			bad = parse_u32(optarg, &o->count, 1, 100000000);
			o->have_count = 1;
			break;
		case 't':
			bad = parse_u32(optarg, &o->threads, 1, 1024);
			break;
		case 'z':
			bad = parse_u32(optarg, &o->size, 1, VGPU_VECTOR_ADD_MAX);
			break;
		case 'S':
			bad = parse_u32(optarg, &o->seconds, 1, 86400);
			break;
		case 'L':
			o->latency = 1;
			break;
		default:
			return -1;
		}
		if (bad) {
			fprintf(stderr, "vgpu-client: bad value '%s'\n", optarg);
			return -1;
		}
	}
	*nargs = argc - optind;
	*args = argv + optind;
	return 0;
}

enum cmd_kind { C_INFO, C_NOP, C_ADD, C_VECADD, C_MEMTEST, C_BENCH, C_STRESS };

struct command {
	enum cmd_kind kind;
	enum bench_op op;
	float a, b;		/* add */
	uint64_t size;		/* elements or bytes */
	uint32_t n;		/* vecadd, stress */
};

/* Checks a command's operands; 0, or -1 for a usage error. */
static int parse_command(const char *cmd, int argc, char **argv,
			 struct command *c)
{
	if (!strcmp(cmd, "info") && argc == 0) {
		c->kind = C_INFO;
		return 0;
	}
	if (!strcmp(cmd, "nop") && argc == 0) {
		c->kind = C_NOP;
		return 0;
	}
	if (!strcmp(cmd, "add") && argc == 2 && !parse_float(argv[0], &c->a) &&
	    !parse_float(argv[1], &c->b)) {
		c->kind = C_ADD;
		return 0;
	}
	if (!strcmp(cmd, "vecadd") && argc == 1 &&
	    !parse_u32(argv[0], &c->n, 1, VGPU_VECTOR_ADD_MAX)) {
		c->kind = C_VECADD;
		return 0;
	}
	if (!strcmp(cmd, "memtest") && argc == 1 &&
	    !parse_size(argv[0], &c->size) && c->size >= 1 &&
	    c->size <= VGPU_XFER_MAX) {
		c->kind = C_MEMTEST;
		return 0;
	}
	if (!strcmp(cmd, "stress") && argc == 1 &&
	    !parse_u32(argv[0], &c->n, 1, 100000000)) {
		c->kind = C_STRESS;
		return 0;
	}
	if (!strcmp(cmd, "bench") && argc >= 1) {
		uint32_t n;

		c->kind = C_BENCH;
		if (!strcmp(argv[0], "nop") && argc == 1) {
			c->op = B_NOP;
			return 0;
		}
		if (!strcmp(argv[0], "vecadd") && argc == 2 &&
		    !parse_u32(argv[1], &n, 1, VGPU_VECTOR_ADD_MAX)) {
			c->op = B_VECADD;
			c->size = n;
			return 0;
		}
		if (!strcmp(argv[0], "memwrite") && argc == 2 &&
		    !parse_size(argv[1], &c->size) && c->size >= 1 &&
		    c->size <= VGPU_XFER_MAX) {
			c->op = B_MEMWRITE;
			return 0;
		}
	}
	fprintf(stderr, "vgpu-client: bad command or arguments: %s\n", cmd);
	return -1;
}

static int run_command(unsigned int dev, int fd, const struct command *c,
		       const struct sub_opts *o)
{
	switch (c->kind) {
	case C_INFO:
		return cmd_info(fd);
	case C_NOP:
		return cmd_nop(fd);
	case C_ADD:
		return cmd_add(fd, c->a, c->b);
	case C_VECADD:
		return cmd_vecadd(fd, c->n, o->seed);
	case C_MEMTEST:
		return cmd_memtest(fd, c->size);
	case C_BENCH:
		return cmd_bench(dev, c->op, c->size,
				 o->have_count ? o->count :
				 c->op == B_NOP ? 1000 : 100, o->threads);
	case C_STRESS:
		return cmd_stress(dev, c->n, o->threads, o->size, o->seconds,
				  o->latency);
	}
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sub_opts o = { .seed = 1, .threads = 1 };
	struct command command = { 0 };
	const char *cmd;
	char **args;
	unsigned int dev_index = 0;
	int c, nargs, fd, rc;

	/* '+': options before the command only; the command parses its own. */
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_u32(optarg, &dev_index, 0, 255)) {
				fprintf(stderr, "vgpu-client: bad device index '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	/*
	 * Only these take options; the others' operands may look like one
	 * ("add -1 2").
	 */
	if (strcmp(cmd, "vecadd") && strcmp(cmd, "bench") && strcmp(cmd, "stress")) {
		nargs = argc - optind - 1;
		args = argv + optind + 1;
	} else if (parse_sub(argc - optind, argv + optind, &o, &nargs, &args)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_command(cmd, nargs, args, &command)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Threaded commands open one descriptor per thread. */
	if (command.kind == C_BENCH || command.kind == C_STRESS)
		return run_command(dev_index, -1, &command, &o);
	fd = open_dev(dev_index);
	if (fd < 0)
		return EXIT_VGPU;
	rc = run_command(dev_index, fd, &command, &o);
	vgpu_close(fd);
	return rc;
}
