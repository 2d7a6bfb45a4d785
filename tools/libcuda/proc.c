// SPDX-License-Identifier: MIT
/*
 * cuGetProcAddress (how cudart finds every entry point), cuGetExportTable
 * and the error names and strings. cuGetProcAddress answers any name
 * cuda.h declares: the library's function where it has one, else a stub
 * that logs the name and returns CUDA_ERROR_NOT_SUPPORTED when called
 * (stubs.c). A name is resolved to the ABI of the version the caller
 * names (cuCtxCreate at 3020 -> cuCtxCreate_v2, at 12050 ->
 * cuCtxCreate_v4); per-thread-default-stream variants are the same
 * functions, since all streams share one queue. VGPU_CUDA_LOG=2 logs each
 * request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"
#include "cuvg_syms.h"

extern int cuvg_log_level;	/* init.c */

/* Both tables are sorted by name, their first member (cuvg_syms.h). */
static int by_name(const void *key, const void *entry)
{
	return strcmp(key, *(const char *const *)entry);
}

static void *lookup(const char *name)
{
	const struct cuvg_sym *s = bsearch(name, cuvg_syms, cuvg_nsyms,
					   sizeof(*s), by_name);

	return s ? s->fn : NULL;
}

static const struct cuvg_abis *abis_of(const char *name)
{
	return bsearch(name, cuvg_abis, cuvg_nabis, sizeof(*cuvg_abis),
		       by_name);
}

/*
 * The ABI of symbol that a caller built for CUDA `version` expects: the
 * newest one that appeared at or before that version, as NVIDIA's driver
 * answers (cudart asks for cuCtxCreate at 3020 and calls it with the
 * cuCtxCreate_v2 arguments). Per-thread-default-stream requests get the
 * same functions (the _ptds/_ptsz names are aliases: gen-stubs.sh).
 */
static CUdriverProcAddressQueryResult resolve(const char *symbol, int version,
					       void **fn)
{
	const struct cuvg_abis *a = abis_of(symbol);
	char name[160];
	int k = -1;

	*fn = NULL;
	if (!a)
		return CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
	for (int i = 0; i < CUVG_MAX_ABIS && a->ver[i]; i++)
		if (a->ver[i] <= version)
			k = i;
	if (k < 0)
		return CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
	if (k == 0)
		snprintf(name, sizeof(name), "%s", symbol);
	else
		snprintf(name, sizeof(name), "%s_v%d", symbol, k + 1);
	*fn = lookup(name);
	return *fn ? CU_GET_PROC_ADDRESS_SUCCESS :
		     CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
}

CUVG_EXPORT CUresult cuGetProcAddress_v2(const char *symbol, void **pfn,
					 int version, cuuint64_t flags,
					 CUdriverProcAddressQueryResult *status)
{
	CUdriverProcAddressQueryResult found;
	void *fn;

	if (!symbol || !pfn)
		return CUDA_ERROR_INVALID_VALUE;
	found = resolve(symbol, version, &fn);
	if (cuvg_log_level >= 2)
		cuvg_log("cuGetProcAddress(%s, %d, %#llx): %s", symbol, version,
			 (unsigned long long)flags,
			 found == CU_GET_PROC_ADDRESS_SUCCESS ? "found" :
			 found == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT ?
			 "version not sufficient" : "not found");
	*pfn = fn;
	if (status)
		*status = found;
	return fn ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
}

#undef cuGetProcAddress
CUVG_EXPORT CUresult cuGetProcAddress(const char *symbol, void **pfn,
				      int version, cuuint64_t flags)
{
	return cuGetProcAddress_v2(symbol, pfn, version, flags, NULL);
}

/*
 * NVIDIA's undocumented tables (cudart's and cuBLAS's private interfaces
 * to the driver): not served. Each request is logged with its UUID so
 * what a program needs can be seen (Documentation/libcuda.md).
 */
static const unsigned char cudart_probe_id[16] = {
	0xf8, 0xcf, 0xf9, 0x51, 0x21, 0x46, 0x8b, 0x4e,
	0xb9, 0xe2, 0xfb, 0x46, 0x9e, 0x7c, 0x0d, 0xd9,
};

CUVG_EXPORT CUresult cuGetExportTable(const void **table, const CUuuid *id)
{
	const unsigned char *b = id ? (const unsigned char *)id->bytes : NULL;

	if (table)
		*table = NULL;
	if (!table || !b)
		return CUDA_ERROR_INVALID_VALUE;
	/*
	 * cudart 13 asks for this one first; it is a probe, and an answer
	 * other than CUDA_ERROR_NOT_FOUND ends cudart's start-up
	 * (Documentation/libcuda.md, "The runtime").
	 */
	if (!memcmp(b, cudart_probe_id, sizeof(cudart_probe_id))) {
		if (cuvg_log_level >= 2)
			cuvg_log("cuGetExportTable(f8cff951-...): not found");
		return CUDA_ERROR_NOT_FOUND;
	}
	cuvg_log("cuGetExportTable(%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x): not supported",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	return CUDA_ERROR_NOT_SUPPORTED;
}

static const struct cuvg_err {
	CUresult rc;
	const char *name, *text;
} errs[] = {
#define E(n, t) { n, #n, t }
	E(CUDA_SUCCESS, "no error"),
	E(CUDA_ERROR_INVALID_VALUE, "invalid argument"),
	E(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
	E(CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
	E(CUDA_ERROR_DEINITIALIZED, "driver shutting down"),
	E(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
	E(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
	E(CUDA_ERROR_DEVICE_UNAVAILABLE, "CUDA-capable device(s) is/are busy or unavailable"),
	E(CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
	E(CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
	E(CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
	E(CUDA_ERROR_FILE_NOT_FOUND, "file not found"),
	E(CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
	E(CUDA_ERROR_NOT_FOUND, "named symbol not found"),
	E(CUDA_ERROR_NOT_READY, "device not ready"),
	E(CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
	E(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
	E(CUDA_ERROR_LAUNCH_TIMEOUT, "the launch timed out and was terminated"),
	E(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
	E(CUDA_ERROR_NOT_SUPPORTED, "operation not supported"),
	E(CUDA_ERROR_UNKNOWN, "unknown error"),
#undef E
};

static const struct cuvg_err *find_err(CUresult rc)
{
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].rc == rc)
			return &errs[i];
	return NULL;
}

CUVG_EXPORT CUresult cuGetErrorName(CUresult rc, const char **s)
{
	const struct cuvg_err *e = find_err(rc);

	if (!s)
		return CUDA_ERROR_INVALID_VALUE;
	*s = e ? e->name : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUVG_EXPORT CUresult cuGetErrorString(CUresult rc, const char **s)
{
	const struct cuvg_err *e = find_err(rc);

	if (!s)
		return CUDA_ERROR_INVALID_VALUE;
	*s = e ? e->text : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
