// SPDX-License-Identifier: MIT
/*
 * A test double linked into a traced build of libcuda.so.1
 * (trace-cudart.sh): it shows how far NVIDIA's runtime gets over this
 * library, and what it asks on the way, where the product answers every
 * cuGetExportTable request it does not know with CUDA_ERROR_NOT_SUPPORTED
 * (Documentation/libcuda.md, "The runtime").
 *
 * Every table cudart asks for is answered with one of ours whose slots
 * log their index and first arguments. Three slots do what cudart needs
 * to go on, as far as we could tell from what they are given: slot 2 of
 * 6bd5fb6c... gets the device's primary context (like
 * cuDevicePrimaryCtxRetain), slots 2 and 6 of a094798c... hand out a
 * buffer and its size. Every other slot answers CUDA_SUCCESS and writes
 * nothing, except the integrity check (d4082055..., slot 1), which answers
 * CUDA_ERROR_NOT_SUPPORTED: it asks for a keyed hash that only NVIDIA's
 * driver gives, and this project does not forge it. The product's own
 * cuGetExportTable (renamed by the build to cuvg_product_export_table)
 * still answers the probe cudart sends first.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cuda.h>

CUresult cuvg_product_export_table(const void **table, const CUuuid *id);
void cuvg_log(const char *fmt, ...);

#define NTABLES 8
#define NSLOTS 32

static unsigned char table_id[NTABLES][16];
static int ntables;
static uintptr_t hook_space[1024];

static const unsigned char integrity_id[4] = { 0xd4, 0x08, 0x20, 0x55 };
static const unsigned char cudart_id[4] = { 0x6b, 0xd5, 0xfb, 0x6c };
static const unsigned char hooks_id[4] = { 0xa0, 0x94, 0x79, 0x8c };

static int is(int t, const unsigned char *id4)
{
	return !memcmp(table_id[t], id4, 4);
}

static CUresult slot(int t, int i, uintptr_t a, uintptr_t b, uintptr_t c,
		     uintptr_t d)
{
	cuvg_log("trace: table %02x%02x%02x%02x slot %d (%#lx, %#lx, %#lx, %#lx)",
		 table_id[t][0], table_id[t][1], table_id[t][2], table_id[t][3],
		 i, (unsigned long)a, (unsigned long)b, (unsigned long)c,
		 (unsigned long)d);
	if (is(t, cudart_id) && i == 2 && a) {
		CUcontext ctx = NULL;
		CUresult rc = cuDevicePrimaryCtxRetain(&ctx, (CUdevice)b);

		*(CUcontext *)a = ctx;
		return rc;
	}
	if (is(t, hooks_id) && (i == 2 || i == 6) && a && b) {
		*(void **)a = hook_space;
		*(size_t *)b = i == 2 ? 1024 : 14;
		return CUDA_SUCCESS;
	}
	if (is(t, integrity_id)) {
		cuvg_log("trace: the integrity check (version %lu, time %lu): not answered",
			 (unsigned long)a, (unsigned long)b);
		return CUDA_ERROR_NOT_SUPPORTED;
	}
	return CUDA_SUCCESS;
}

/* One function per (table, slot): the slot's index is all it knows. */
#define S(t, i) \
	static CUresult s_##t##_##i(uintptr_t a, uintptr_t b, uintptr_t c, \
				    uintptr_t d) \
	{ return slot(t, i, a, b, c, d); }
#define S8(t, i) S(t, i##0) S(t, i##1) S(t, i##2) S(t, i##3) \
		 S(t, i##4) S(t, i##5) S(t, i##6) S(t, i##7)
#define T(t) S8(t, 0) S8(t, 1) S8(t, 2) S8(t, 3)
#define R8(t, i) (void *)s_##t##_##i##0, (void *)s_##t##_##i##1, \
	(void *)s_##t##_##i##2, (void *)s_##t##_##i##3, (void *)s_##t##_##i##4, \
	(void *)s_##t##_##i##5, (void *)s_##t##_##i##6, (void *)s_##t##_##i##7
/* Slot 0 is the table's size in bytes; s_t_00 is never handed out. */
#define ROW(t) { (void *)(NSLOTS * sizeof(void *)), (void *)s_##t##_01, \
	(void *)s_##t##_02, (void *)s_##t##_03, (void *)s_##t##_04, \
	(void *)s_##t##_05, (void *)s_##t##_06, (void *)s_##t##_07, \
	R8(t, 1), R8(t, 2), R8(t, 3) }

T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7)

static void *const tables[NTABLES][NSLOTS] = {
	ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7),
};

/* Keeps -Wunused-function quiet about the never-used slot 0s. */
void *const cudart_trace_slot0[NTABLES] = {
	(void *)s_0_00, (void *)s_1_00, (void *)s_2_00, (void *)s_3_00,
	(void *)s_4_00, (void *)s_5_00, (void *)s_6_00, (void *)s_7_00,
};

__attribute__((visibility("default")))
CUresult cuGetExportTable(const void **table, const CUuuid *id)
{
	CUresult rc = cuvg_product_export_table(table, id);
	const unsigned char *b = id ? (const unsigned char *)id->bytes : NULL;

	/* The product's answer where it has one: the first probe's. */
	if (rc != CUDA_ERROR_NOT_SUPPORTED || !b || ntables == NTABLES)
		return rc;
	memcpy(table_id[ntables], b, 16);
	cuvg_log("trace: cuGetExportTable(%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x): table of %d logging slots",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15], NSLOTS - 1);
	*table = tables[ntables++];
	return CUDA_SUCCESS;
}
