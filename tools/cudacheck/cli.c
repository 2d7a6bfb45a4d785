// SPDX-License-Identifier: MIT
/*
 * The command: options, vgpu's libraries, one judgement per program, the
 * exit status (vgpu-cuda-check.1).
 *
 * Each of vgpu's libraries (libcudart.so.13, libcuda.so.1) is looked for
 * in the --lib-dir directories in the order given, the first one holding
 * it wins, like a search path: the installed package has both in one
 * directory (the default), a build tree has them in two (build/libcudart,
 * build/libcuda). A library is read only once a program needs it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cudacheck.h"

struct lib {
	const char *soname;
	bool tried;		/* looked for: found, or said why not */
	bool ok;
	char *path;
	struct cc_elf elf;
};

struct cli {
	const char **dirs;
	size_t n_dirs;
	struct lib cudart, cuda;
	FILE *out, *err;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vgpu-cuda-check [--lib-dir DIR]... PROGRAM...\n"
		"Says whether each PROGRAM (an ELF64 executable or shared object)\n"
		"can run over vgpu's libcudart.so.13 and libcuda.so.1, and what would fail.\n"
		"  -L, --lib-dir DIR  look for vgpu's libraries in DIR (repeatable; each\n"
		"                     library is taken from the first DIR holding it)\n"
		"  -h, --help         this text\n"
		"Exit status: 0 every PROGRAM can run, 1 one cannot or imports what vgpu\n"
		"does not implement, 2 usage or a file not read.\n");
}

/* The library, read from the first directory that has it; NULL if none. */
static const struct cc_elf *load(struct cli *c, struct lib *l, const char *prog)
{
	char msg[256];
	size_t i;

	if (l->tried) {
		if (!l->ok)
			fprintf(c->err, "vgpu-cuda-check: %s needs %s, which could not be read (above)\n",
				prog, l->soname);
		return l->ok ? &l->elf : NULL;
	}
	l->tried = true;
	for (i = 0; i < c->n_dirs; i++) {
		struct stat st;

		free(l->path);
		if (asprintf(&l->path, "%s/%s", c->dirs[i], l->soname) < 0) {
			l->path = NULL;
			fprintf(c->err, "vgpu-cuda-check: out of memory\n");
			return NULL;
		}
		if (stat(l->path, &st) != 0 && errno == ENOENT)
			continue;
		if (cc_elf_open(&l->elf, l->path, msg, sizeof(msg))) {
			fprintf(c->err, "vgpu-cuda-check: %s: %s\n", l->path, msg);
			return NULL;
		}
		l->ok = true;
		return &l->elf;
	}
	fprintf(c->err, "vgpu-cuda-check: %s needs %s, and none of these directories has it (--lib-dir):",
		prog, l->soname);
	for (i = 0; i < c->n_dirs; i++)
		fprintf(c->err, " %s", c->dirs[i]);
	fprintf(c->err, "\n");
	return NULL;
}

static void unload(struct lib *l)
{
	if (l->ok)
		cc_elf_close(&l->elf);
	free(l->path);
}

/* One program: its report on c->out; the exit status it calls for. */
static int check_one(struct cli *c, const char *path)
{
	struct cc_libs libs = { NULL, NULL };
	struct cc_judgement j;
	struct cc_elf prog;
	char msg[256];
	int rc = CC_EXIT_ERROR;

	if (cc_elf_open(&prog, path, msg, sizeof(msg))) {
		fprintf(c->err, "vgpu-cuda-check: %s: %s\n", path, msg);
		return CC_EXIT_ERROR;
	}
	if (cc_needs_cudart(&prog) && !(libs.cudart = load(c, &c->cudart, path)))
		goto out;
	if (cc_needs_cuda(&prog) && !(libs.cuda = load(c, &c->cuda, path)))
		goto out;
	if (cc_judge(&prog, &libs, &j)) {
		fprintf(c->err, "vgpu-cuda-check: %s: out of memory\n", path);
	} else {
		cc_report(c->out, path, &j);
		rc = j.verdict == CC_CANNOT || j.verdict == CC_PARTIAL ?
		     CC_EXIT_FAILS : CC_EXIT_RUNS;
	}
	cc_judgement_free(&j);
out:
	cc_elf_close(&prog);
	return rc;
}

int cc_main(int argc, char **argv, const char *default_dir, FILE *out,
	    FILE *err)
{
	static const struct option opts[] = {
		{ "lib-dir", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = {
		.cudart = { .soname = CC_CUDART_SONAME },
		.cuda = { .soname = CC_CUDA_SONAME },
		.out = out, .err = err,
	};
	int opt, i, rc = CC_EXIT_RUNS;

	c.dirs = calloc((size_t)argc + 1, sizeof(*c.dirs));
	if (!c.dirs) {
		fprintf(err, "vgpu-cuda-check: out of memory\n");
		return CC_EXIT_ERROR;
	}
	optind = 0;		/* GNU getopt: start afresh (tests call again) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "L:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'L':
			c.dirs[c.n_dirs++] = optarg;
			break;
		case 'h':
			usage(out);
			free(c.dirs);
			return CC_EXIT_RUNS;
		default:
			if (optopt)
				fprintf(err, "vgpu-cuda-check: -%c: unknown option, or its argument is missing\n",
					optopt);
			else
				fprintf(err, "vgpu-cuda-check: %s: unknown option\n",
					argv[optind - 1]);
			usage(err);
			free(c.dirs);
			return CC_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		fprintf(err, "vgpu-cuda-check: no PROGRAM given\n");
		usage(err);
		free(c.dirs);
		return CC_EXIT_ERROR;
	}
	if (!c.n_dirs)
		c.dirs[c.n_dirs++] = default_dir;
	for (i = optind; i < argc; i++) {
		int one = check_one(&c, argv[i]);

		/* 2 (an error) outranks 1 (a program that cannot run). */
		if (one > rc)
			rc = one;
	}
	unload(&c.cudart);
	unload(&c.cuda);
	free(c.dirs);
	return rc;
}
