/* SPDX-License-Identifier: MIT */
/*
 * vgpu-cuda-check: will a program run over vgpu's libcudart.so.13 and
 * libcuda.so.1? (tools/cudacheck/vgpu-cuda-check.1,
 * Documentation/libcudart.md "Will a program run? vgpu-cuda-check").
 *
 *   elfscan.c  reads one ELF64 file with libelf: what it needs, imports,
 *              defines, and the traces NVIDIA's static runtime leaves
 *   judge.c    what of a program runs over vgpu, from its scan and the
 *              scans of vgpu's two libraries
 *   report.c   the verdict line and the details, as text
 *   cli.c      options, the libraries' directories, one verdict per
 *              program, the exit status
 *   main.c     main(), with the directory the guest package installs
 *              the libraries into (VGPU_LIBDIR, from install.mk)
 */
#ifndef VGPU_CUDACHECK_H
#define VGPU_CUDACHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (vgpu-cuda-check.1). */
#define CC_EXIT_RUNS 0		/* every program can run */
#define CC_EXIT_FAILS 1		/* one cannot, or calls what vgpu lacks */
#define CC_EXIT_ERROR 2		/* usage, or a file not read or parsed */

/* An undefined dynamic symbol: a function the loader must find. */
struct cc_import {
	const char *name;
	/* The file its version belongs to (.gnu.version_r's vn_file, such
	 * as "libcudart.so.13"); NULL for an unversioned import. */
	const char *from;
};

/* A symbol the file defines. */
struct cc_def {
	const char *name;
	bool weak;		/* STB_WEAK: vgpu's "not supported" stubs */
	bool func;		/* STT_FUNC or STT_GNU_IFUNC */
};

/*
 * One ELF64 file as far as the check needs it. The strings point into
 * the file, read through libelf, and live until cc_elf_close().
 */
struct cc_elf {
	const char *path;
	const char *soname;		/* DT_SONAME, or NULL */
	const char **needed;		/* DT_NEEDED, in order */
	size_t n_needed;
	struct cc_import *imports;	/* undefined in .dynsym */
	size_t n_imports;
	struct cc_def *exports;		/* defined in .dynsym, sorted by name */
	size_t n_exports;
	struct cc_def *locals;		/* defined in .symtab, sorted by name */
	size_t n_locals;
	bool has_fatbin;		/* a .nv_fatbin or .nvFatBinSegment section */
	/* In its constant data (.rodata): "libcuda.so.1", and a runtime's
	 * name for an error code (CC_CUDA_ERROR_NAME). */
	bool names_libcuda;
	bool names_cuda_errors;
	void *priv;			/* libelf's handle and the descriptor */
};

/*
 * Reads PATH. 0 on success; otherwise -1 with a message (no newline)
 * in ERR, ERRLEN bytes: not readable, not ELF, not ELF64, not an
 * executable or a shared object, or a table libelf cannot read.
 */
int cc_elf_open(struct cc_elf *e, const char *path, char *err, size_t errlen);
void cc_elf_close(struct cc_elf *e);
/* The definition of NAME among DEFS (sorted), or NULL. */
const struct cc_def *cc_find_def(const struct cc_def *defs, size_t n,
				 const char *name);

/* How an imported function stands in vgpu's library. */
enum cc_status {
	CC_IMPLEMENTED,		/* a strong definition */
	CC_STUB,		/* a weak stub: returns ...NOT_SUPPORTED */
	CC_ABSENT,		/* not defined at all: the loader fails */
};

struct cc_call {
	const char *name;
	enum cc_status status;
};

/* A program's calls into one of vgpu's libraries. */
struct cc_api {
	bool used;		/* the program needs that library */
	const char *needed;	/* the DT_NEEDED name, e.g. libcudart.so.13 */
	const char *lib_path;	/* vgpu's library it was checked against */
	struct cc_call *calls;	/* sorted by name */
	size_t n_calls;
	size_t n_missing;	/* CC_STUB or CC_ABSENT */
};

/* Why a program cannot run; a program may have several. */
enum cc_problem_kind {
	CC_P_STATIC_RUNTIME,	/* defines the runtime's functions */
	CC_P_NVIDIA_RUNTIME,	/* is NVIDIA's libcudart.so itself */
	CC_P_STATIC_FATBIN,	/* device code, no libcudart: probably static */
	CC_P_STATIC_DLOPEN,	/* names libcuda.so.1, imports none: probably */
	CC_P_NVIDIA_LIB,	/* needs cuBLAS, cuDNN, ...: NVIDIA's runtime */
	CC_P_CUDART_VERSION,	/* needs a libcudart.so other than .13 */
};

struct cc_problem {
	enum cc_problem_kind kind;
	bool probable;		/* a heuristic: "probably" */
	const char *what;	/* the library, or a symbol the file defines */
	size_t count;		/* STATIC_RUNTIME: cuda* functions defined */
};

enum cc_verdict {
	CC_NO_CUDA,		/* uses no CUDA: vgpu plays no part */
	CC_RUNS,		/* every CUDA function it imports is implemented */
	CC_PARTIAL,		/* starts, but some imports are stubs or absent */
	CC_CANNOT,		/* cannot run (maybe "probably") */
};

#define CC_MAX_PROBLEMS 16

struct cc_judgement {
	enum cc_verdict verdict;
	struct cc_api runtime;		/* cuda*, __cuda* from libcudart.so */
	struct cc_api driver;		/* cu[A-Z]* from libcuda.so */
	struct cc_problem problems[CC_MAX_PROBLEMS];
	size_t n_problems;
	bool is_runtime;	/* a libcudart.so over libcuda.so.1, like vgpu's */
	bool is_driver;		/* DT_SONAME libcuda.so*: the Driver API itself */
};

/* vgpu's libraries, as read (NULL: not found or not needed yet). */
struct cc_libs {
	const struct cc_elf *cudart;	/* libcudart.so.13 */
	const struct cc_elf *cuda;	/* libcuda.so.1 */
};

#define CC_CUDART_SONAME "libcudart.so.13"
#define CC_CUDA_SONAME "libcuda.so.1"
/* What cudaGetErrorName returns for error 3: a runtime's own table. */
#define CC_CUDA_ERROR_NAME "cudaErrorInitializationError"

/* Does PROG need libcudart.so.* / libcuda.so*? (to know what to load) */
bool cc_needs_cudart(const struct cc_elf *prog);
bool cc_needs_cuda(const struct cc_elf *prog);
/*
 * Judges PROG against LIBS; a library PROG needs must be in LIBS.
 * 0, or -1 when out of memory. cc_judgement_free() after either.
 */
int cc_judge(const struct cc_elf *prog, const struct cc_libs *libs,
	     struct cc_judgement *j);
void cc_judgement_free(struct cc_judgement *j);

/* The verdict line, then the details, for the program at PATH. */
void cc_report(FILE *out, const char *path, const struct cc_judgement *j);

/*
 * The command: argv as main() gets it; DEFAULT_DIR where the libraries
 * are looked for without --lib-dir. Returns the exit status.
 */
int cc_main(int argc, char **argv, const char *default_dir, FILE *out,
	    FILE *err);

#endif /* VGPU_CUDACHECK_H */
