// SPDX-License-Identifier: MIT
/*
 * Unit tests of vgpu-cuda-check (tools/cudacheck/): the whole command,
 * cc_main(), on real ELF files the system compiler builds in the group
 * setup: a "vgpu" libcudart.so.13 with one strong function (cudaMalloc)
 * and one weak stub (cudaGraphLaunch), under the version node vgpu's
 * uses, and a libcuda.so.1 likewise (cuInit; cuGraphLaunch a stub);
 * programs linked against them; a program defining cudaMalloc itself
 * (the static runtime's look-alike) and the traces a stripped one keeps;
 * a program needing a fake libcublas.so.13; files that are not ELF64.
 * Each test checks the exit status and the report's text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/cudacheck/cudacheck.h"

static char dir[64];		/* the fixtures' temporary directory */
static char *out_text, *err_text;	/* the last run's stdout, stderr */

/* Writes TEXT into dir/NAME. */
static int put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Runs a shell command in dir; 0 if it succeeded. */
static int sh(const char *cmd)
{
	char line[1024];
	int rc;

	snprintf(line, sizeof(line), "cd '%s' && %s", dir, cmd);
	rc = system(line);
	if (rc != 0)
		fprintf(stderr, "fixture: %s: status %d\n", cmd, rc);
	return rc;
}

static const struct {
	const char *name, *text;
} sources[] = {
	/* vgpu's libcudart.so.13, in small: one entry point, one stub. */
	{ "cudart.c",
	  "int cudaMalloc(void **p, unsigned long n) { (void)p; (void)n; return 0; }\n"
	  "__attribute__((weak)) int cudaGraphLaunch(void *g, void *s)\n"
	  "{ (void)g; (void)s; return 801; }\n" },
	{ "cudart.map", "libcudart.so.13 { global: cuda*; __cuda*; local: *; };\n" },
	/* libcuda.so.1: cuInit, and cuGraphLaunch as a stub; the one the
	 * program links (linkcuda/) also has cuMemAlloc_v2. */
	{ "cuda.c",
	  "int cuInit(unsigned f) { (void)f; return 0; }\n"
	  "__attribute__((weak)) int cuGraphLaunch(void *g, void *s)\n"
	  "{ (void)g; (void)s; return 801; }\n"
	  "#ifdef LINKTIME\n"
	  "int cuMemAlloc_v2(void *p, unsigned long n) { (void)p; (void)n; return 0; }\n"
	  "#endif\n" },
	{ "cublas.c", "int cublasCreate_v2(void **h) { (void)h; return 0; }\n" },
	{ "both.c",
	  "int cudaMalloc(void **, unsigned long);\n"
	  "int cudaGraphLaunch(void *, void *);\n"
	  "int main(void) { void *p; return cudaMalloc(&p, 8) + cudaGraphLaunch(0, 0); }\n" },
	{ "malloc.c",
	  "int cudaMalloc(void **, unsigned long);\n"
	  "int main(void) { void *p; return cudaMalloc(&p, 8); }\n" },
	/* The static runtime's look-alike: the runtime is in the program. */
	{ "static.c",
	  "int cudaMalloc(void **p, unsigned long n) { (void)n; *p = 0; return 0; }\n"
	  "int main(void) { void *p; return cudaMalloc(&p, 8); }\n" },
	{ "cublasprog.c",
	  "int cublasCreate_v2(void **);\n"
	  "int cudaMalloc(void **, unsigned long);\n"
	  "int main(void) { void *h; return cublasCreate_v2(&h) + cudaMalloc(&h, 1); }\n" },
	{ "drv.c",
	  "int cuInit(unsigned);\n"
	  "int cuGraphLaunch(void *, void *);\n"
	  "int cuMemAlloc_v2(void *, unsigned long);\n"
	  "int main(void) { return cuInit(0) + cuGraphLaunch(0, 0) + cuMemAlloc_v2(0, 1); }\n" },
	/* What strip leaves of a static runtime: its dlopen() name and its
	 * error names in .rodata; device code in .nv_fatbin. */
	{ "dlopen.c",
	  "#include <stdio.h>\n"
	  "int main(int c, char **v) { (void)v;\n"
	  "  puts(c > 5 ? \"libcuda.so.1\" : \"cudaErrorInitializationError\"); return 0; }\n" },
	{ "nvrtclike.c",
	  "#include <stdio.h>\n"
	  "int main(void) { puts(\"libcuda.so.1\"); return 0; }\n" },
	{ "fatbin.c",
	  "__attribute__((section(\".nv_fatbin\"), used))\n"
	  "static const char fatbin[16] = { 1 };\n"
	  "int main(void) { return 0; }\n" },
	{ "plain.c", "int main(void) { return 0; }\n" },
	{ "notelf.txt", "#!/bin/sh\necho not an ELF file\n" },
};

/* Each fixture, built in dir with the system compiler. */
static const char *const builds[] = {
	"mkdir -p rt drv linkcuda old empty",
	"cc -shared -fPIC -Wl,-soname,libcudart.so.13 -Wl,--version-script,cudart.map "
	"-o rt/libcudart.so.13 cudart.c",
	"cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o drv/libcuda.so.1 cuda.c",
	"cc -shared -fPIC -DLINKTIME -Wl,-soname,libcuda.so.1 -o linkcuda/libcuda.so.1 cuda.c",
	"cc -shared -fPIC -Wl,-soname,libcublas.so.13 -o libcublas.so.13 cublas.c",
	"cc -shared -fPIC -Wl,-soname,libcudart.so.12 -o old/libcudart.so.12 cudart.c",
	"cc -o both both.c rt/libcudart.so.13",
	"cc -o malloc malloc.c rt/libcudart.so.13",
	"cc -o old12 malloc.c old/libcudart.so.12",
	"cc -o static static.c",
	"cc -o cublasprog cublasprog.c libcublas.so.13 rt/libcudart.so.13",
	"cc -o drvprog drv.c linkcuda/libcuda.so.1",
	"cc -o dlopen dlopen.c && strip dlopen",
	"cc -o nvrtclike nvrtclike.c",
	"cc -o fatbin fatbin.c && strip fatbin",
	"cc -o plain plain.c",
	/* An ELF file of another class: plain's bytes, EI_CLASS 1. */
	"cp plain elf32 && printf '\\001' | dd of=elf32 bs=1 seek=4 conv=notrunc 2>/dev/null",
};

static int group_setup(void **state)
{
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vgpu-cuda-check.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (put(sources[i].name, sources[i].text))
			return -1;
	for (i = 0; i < sizeof(builds) / sizeof(builds[0]); i++)
		if (sh(builds[i]))
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	free(out_text);
	free(err_text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Runs the command with ARGS (NULL-terminated; names without a '/' or
 * '-' are fixtures in dir), the default directory the fixtures' rt/.
 * Returns its exit status; out_text and err_text hold what it printed.
 */
static int run_args(const char *const *args)
{
	char *argv[16], paths[16][256];
	size_t outlen, errlen;
	FILE *out, *err;
	int argc = 0, rc;
	char def[128];

	free(out_text);
	free(err_text);
	out = open_memstream(&out_text, &outlen);
	err = open_memstream(&err_text, &errlen);
	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = "vgpu-cuda-check";
	for (; *args && argc < 15; args++, argc++) {
		if ((*args)[0] == '-' || strchr(*args, '/'))
			snprintf(paths[argc], sizeof(paths[argc]), "%s", *args);
		else
			snprintf(paths[argc], sizeof(paths[argc]), "%s/%s", dir, *args);
		argv[argc] = paths[argc];
	}
	argv[argc] = NULL;
	snprintf(def, sizeof(def), "%s/rt", dir);
	rc = cc_main(argc, argv, def, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

#define run(...) run_args((const char *const[]){ __VA_ARGS__, NULL })

#define assert_has(text, s) do { \
	if (!strstr((text), (s))) \
		fail_msg("no \"%s\" in:\n%s", (s), (text)); \
} while (0)
#define assert_lacks(text, s) do { \
	if (strstr((text), (s))) \
		fail_msg("\"%s\" in:\n%s", (s), (text)); \
} while (0)

static void test_all_implemented_runs(void **state)
{
	(void)state;
	assert_int_equal(run("malloc"), CC_EXIT_RUNS);
	assert_has(out_text, "/malloc: runs over vgpu\n");
	assert_has(out_text, "  runtime: needs libcudart.so.13; imports 1 function, 1 implemented by ");
	assert_has(out_text, "/rt/libcudart.so.13\n    cudaMalloc\n");
	assert_lacks(out_text, "NOT IMPLEMENTED");
	assert_string_equal(err_text, "");
}

static void test_stub_import_is_listed_and_fails(void **state)
{
	(void)state;
	assert_int_equal(run("both"), CC_EXIT_FAILS);
	assert_has(out_text, "/both: runs over vgpu only in part: 1 CUDA function it imports is not implemented\n");
	assert_has(out_text, "imports 2 functions, 1 implemented by");
	assert_has(out_text, "    cudaGraphLaunch: NOT IMPLEMENTED (a stub that returns cudaErrorNotSupported)\n");
	assert_has(out_text, "    cudaMalloc\n");
}

static void test_driver_stub_and_absent(void **state)
{
	char dirarg[128];

	(void)state;
	snprintf(dirarg, sizeof(dirarg), "--lib-dir=%s/drv", dir);
	assert_int_equal(run(dirarg, "drvprog"), CC_EXIT_FAILS);
	assert_has(out_text, "only in part: 2 CUDA functions it imports are not implemented\n");
	assert_has(out_text, "  driver: needs libcuda.so.1; imports 3 functions, 1 implemented by ");
	assert_has(out_text, "    cuGraphLaunch: NOT IMPLEMENTED (a stub that returns CUDA_ERROR_NOT_SUPPORTED)\n");
	assert_has(out_text, "    cuInit\n");
	assert_has(out_text, "    cuMemAlloc_v2: NOT IMPLEMENTED (absent: ");
	assert_lacks(out_text, "runtime:");
}

static void test_static_runtime(void **state)
{
	(void)state;
	assert_int_equal(run("static"), CC_EXIT_FAILS);
	assert_has(out_text, "/static: cannot run over vgpu: it carries NVIDIA's static CUDA runtime\n");
	assert_has(out_text, "it defines cudaMalloc and 0 more");
	assert_has(out_text, "nvcc -cudart shared -gencode arch=compute_90,code=sm_90");
	assert_lacks(out_text, "probably");
}

/* Stripped: no symbols left, the traces say "probably". */
static void test_stripped_static_runtime_probably(void **state)
{
	(void)state;
	assert_int_equal(run("dlopen", "fatbin"), CC_EXIT_FAILS);
	assert_has(out_text, "/dlopen: cannot run over vgpu: it probably carries NVIDIA's static CUDA runtime\n");
	assert_has(out_text, "static runtime (probably): it holds the runtime's error names and the name libcuda.so.1");
	assert_has(out_text, "/fatbin: cannot run over vgpu: it probably carries NVIDIA's static CUDA runtime\n");
	assert_has(out_text, "(a .nv_fatbin section)");
}

/* The name libcuda.so.1 alone (NVRTC, CUPTI) is no runtime. */
static void test_libcuda_name_alone_is_not_a_runtime(void **state)
{
	(void)state;
	assert_int_equal(run("nvrtclike", "plain"), CC_EXIT_RUNS);
	assert_has(out_text, "/nvrtclike: imports no CUDA function and carries no CUDA runtime: nothing to check\n");
	assert_has(out_text, "/plain: imports no CUDA function and carries no CUDA runtime: nothing to check\n");
}

static void test_nvidia_library(void **state)
{
	(void)state;
	assert_int_equal(run("cublasprog"), CC_EXIT_FAILS);
	assert_has(out_text, "/cublasprog: cannot run over vgpu: it needs libcublas.so.13, which carries NVIDIA's CUDA runtime\n");
	/* Its own runtime imports are still listed. */
	assert_has(out_text, "    cudaMalloc\n");
	/* cublasCreate_v2 is cuBLAS's, not the Driver API's. */
	assert_lacks(out_text, "cublasCreate");
}

static void test_other_cudart_version(void **state)
{
	(void)state;
	assert_int_equal(run("old12"), CC_EXIT_FAILS);
	assert_has(out_text, "cannot run over vgpu: it needs libcudart.so.12; vgpu's runtime is libcudart.so.13\n");
}

static void test_not_elf_and_not_elf64(void **state)
{
	(void)state;
	assert_int_equal(run("notelf.txt"), CC_EXIT_ERROR);
	assert_has(err_text, "/notelf.txt: not an ELF file");
	assert_string_equal(out_text, "");
	assert_int_equal(run("elf32"), CC_EXIT_ERROR);
	assert_has(err_text, "/elf32: not ELF64");
	assert_int_equal(run("no-such-file"), CC_EXIT_ERROR);
	assert_has(err_text, "/no-such-file: cannot open: No such file or directory");
}

/* Every operand is checked; the worst status wins: 2 over 1 over 0. */
static void test_exit_status_of_several(void **state)
{
	(void)state;
	assert_int_equal(run("malloc", "plain"), CC_EXIT_RUNS);
	assert_int_equal(run("malloc", "static"), CC_EXIT_FAILS);
	assert_has(out_text, "/malloc: runs over vgpu\n");
	assert_has(out_text, "/static: cannot run");
	assert_int_equal(run("notelf.txt", "static", "malloc"), CC_EXIT_ERROR);
	assert_has(out_text, "/static: cannot run");
	assert_has(out_text, "/malloc: runs over vgpu\n");
}

/* Each library from the first directory that has it. */
static void test_lib_dirs(void **state)
{
	char empty[128], rt[128], drv[128];

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	snprintf(rt, sizeof(rt), "%s/rt", dir);
	snprintf(drv, sizeof(drv), "%s/drv", dir);
	assert_int_equal(run("-L", empty, "malloc", "both"), CC_EXIT_ERROR);
	assert_has(err_text, "/malloc needs libcudart.so.13, and none of these directories has it (--lib-dir): ");
	assert_has(err_text, "/both needs libcudart.so.13, which could not be read (above)\n");
	assert_string_equal(out_text, "");
	assert_int_equal(run("-L", empty, "--lib-dir", drv, "--lib-dir", rt, "malloc",
			     "drvprog"), CC_EXIT_FAILS);
	assert_has(out_text, "implemented by ");
	assert_has(out_text, "/rt/libcudart.so.13\n");
	assert_has(out_text, "/drv/libcuda.so.1\n");
	/* A program without CUDA needs no library at all. */
	assert_int_equal(run("-L", empty, "plain"), CC_EXIT_RUNS);
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run_args((const char *const[]){ NULL }), CC_EXIT_ERROR);
	assert_has(err_text, "no PROGRAM given");
	assert_int_equal(run("--bogus", "malloc"), CC_EXIT_ERROR);
	assert_has(err_text, "--bogus: unknown option");
	assert_int_equal(run("malloc", "-L"), CC_EXIT_ERROR);
	assert_has(err_text, "-L: unknown option, or its argument is missing");
	assert_int_equal(run("--help"), CC_EXIT_RUNS);
	assert_has(out_text, "usage: vgpu-cuda-check [--lib-dir DIR]... PROGRAM...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_implemented_runs),
		cmocka_unit_test(test_stub_import_is_listed_and_fails),
		cmocka_unit_test(test_driver_stub_and_absent),
		cmocka_unit_test(test_static_runtime),
		cmocka_unit_test(test_stripped_static_runtime_probably),
		cmocka_unit_test(test_libcuda_name_alone_is_not_a_runtime),
		cmocka_unit_test(test_nvidia_library),
		cmocka_unit_test(test_other_cudart_version),
		cmocka_unit_test(test_not_elf_and_not_elf64),
		cmocka_unit_test(test_exit_status_of_several),
		cmocka_unit_test(test_lib_dirs),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
