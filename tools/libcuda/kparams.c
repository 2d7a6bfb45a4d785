// SPDX-License-Identifier: MIT
/*
 * The size of a module image, a kernel's parameter layout
 * read from it, so that cuLaunchKernel can pack kernelParams (an array of
 * pointers, one per parameter, sizes not given) into the blob LAUNCH
 * carries. Sources, in order:
 *  - a cubin (ELF): section ".nv.info.<kernel>", its EIATTR_KPARAM_INFO
 *    attributes (0x17): ordinal, offset and size of every parameter;
 *  - PTX text: the ".entry <kernel>(...)" parameter list, each ".param"
 *    at its type's alignment (or its ".align N");
 *  - a fatbin (0xBA55ED50, or the 0x466243B1 wrapper nvcc emits): its
 *    first uncompressed ELF member, else its first uncompressed PTX.
 * Compressed fatbin members (nvcc's default for PTX) are not read: a
 * launch of such a kernel needs CU_LAUNCH_PARAM_BUFFER_POINTER (or a
 * member that is not compressed); Documentation/libcuda.md says so.
 * The image is the program's own; it is still read with every offset
 * checked, so a malformed one gives "no layout", never a bad read. The
 * same reading tells which variables are __managed__ (at the end).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvg.h"

#define FATBIN_MAGIC	0xBA55ED50u
#define FATWRAP_MAGIC	0x466243B1u
#define EIATTR_KPARAM_INFO 0x17
#define EIFMT_SVAL	0x04

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int is_elf(const uint8_t *p, size_t n)
{
	return n >= 64 && !memcmp(p, "\x7f" "ELF\x02\x01", 6);
}

/* The wrapper nvcc puts around an embedded fatbin: its data pointer. */
static const uint8_t *unwrap(const uint8_t *p)
{
	const void *data;

	if (rd32(p) != FATWRAP_MAGIC)
		return p;
	memcpy(&data, p + 8, sizeof(data));
	return data;
}

static size_t elf_size(const uint8_t *p)
{
	uint64_t shoff = rd64(p + 0x28), phoff = rd64(p + 0x20);
	uint16_t phes = rd16(p + 0x36), phn = rd16(p + 0x38);
	uint16_t shes = rd16(p + 0x3a), shn = rd16(p + 0x3c);
	uint64_t end = shoff + (uint64_t)shes * shn;

	if (phoff + (uint64_t)phes * phn > end)
		end = phoff + (uint64_t)phes * phn;
	for (uint16_t i = 0; i < shn && shes >= 64; i++) {
		const uint8_t *s = p + shoff + (uint64_t)i * shes;
		uint64_t e = rd64(s + 0x18) + rd64(s + 0x20);

		if (rd32(s + 4) != 8 /* SHT_NOBITS */ && e > end)
			end = e;
	}
	return (size_t)end;
}

CUresult cuvg_image_size(const void *image, size_t *size)
{
	const uint8_t *p = image;

	if (!p)
		return CUDA_ERROR_INVALID_VALUE;
	p = unwrap(p);
	if (!p)
		return CUDA_ERROR_INVALID_IMAGE;
	if (rd32(p) == FATBIN_MAGIC)
		*size = rd16(p + 6) + (size_t)rd64(p + 8);
	else if (!memcmp(p, "\x7f" "ELF\x02\x01", 6))
		*size = elf_size(p);
	else
		*size = strnlen((const char *)p, VGPU_IMAGE_MAX) + 1;
	return *size && *size <= VGPU_IMAGE_MAX ? CUDA_SUCCESS :
						  CUDA_ERROR_INVALID_IMAGE;
}

static int elf_params(const uint8_t *p, size_t n, const char *name,
		      struct cuvg_kparams *kp)
{
	uint64_t shoff = rd64(p + 0x28);
	uint16_t shes = rd16(p + 0x3a), shn = rd16(p + 0x3c);
	uint16_t shstr = rd16(p + 0x3e);
	uint64_t stroff, strsz;
	char want[VGPU_FUNC_NAME_MAX + 16];

	if (shes < 64 || shoff > n || (uint64_t)shes * shn > n - shoff ||
	    shstr >= shn)
		return 0;
	stroff = rd64(p + shoff + (uint64_t)shstr * shes + 0x18);
	strsz = rd64(p + shoff + (uint64_t)shstr * shes + 0x20);
	if (stroff > n || strsz > n - stroff)
		return 0;
	snprintf(want, sizeof(want), ".nv.info.%s", name);
	for (uint16_t i = 0; i < shn; i++) {
		const uint8_t *s = p + shoff + (uint64_t)i * shes;
		uint32_t nm = rd32(s);
		uint64_t off = rd64(s + 0x18), sz = rd64(s + 0x20);
		uint32_t total = 0;

		if (nm >= strsz || strnlen((const char *)p + stroff + nm,
					   strsz - nm) == strsz - nm ||
		    strcmp((const char *)p + stroff + nm, want))
			continue;
		if (off > n || sz > n - off)
			return 0;
		memset(kp, 0, sizeof(*kp));
		for (uint64_t a = 0; a + 4 <= sz;) {
			const uint8_t *e = p + off + a;
			uint16_t len = e[0] == EIFMT_SVAL ? rd16(e + 2) : 0;

			if (e[0] == EIFMT_SVAL && a + 4 + len > sz)
				return 0;
			if (e[0] == EIFMT_SVAL && e[1] == EIATTR_KPARAM_INFO &&
			    len >= 12) {
				uint16_t ord = rd16(e + 8), po = rd16(e + 10);
				uint32_t psz = rd32(e + 12) >> 18;

				if (ord >= CUVG_MAX_KPARAMS)
					return 0;
				kp->off[ord] = po;
				kp->size[ord] = (uint16_t)psz;
				if (ord + 1u > kp->n)
					kp->n = ord + 1u;
				if (po + psz > total)
					total = po + psz;
			}
			a += 4 + len;
		}
		kp->total = total;
		return 1;
	}
	return 0;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (s + 1 < end && s[0] == '/' && s[1] == '/') {
			while (s < end && *s != '\n')
				s++;
		} else {
			break;
		}
	}
	return s;
}

static const char *word(const char *s, const char *end, char *w, size_t wl)
{
	size_t i = 0;

	s = skip_ws(s, end);
	while (s < end && (isalnum((unsigned char)*s) || strchr("._$%[]", *s)) &&
	       i + 1 < wl)
		w[i++] = *s++;
	w[i] = '\0';
	return s;
}

static uint32_t type_size(const char *t)
{
	if (!strcmp(t, ".b8") || !strcmp(t, ".u8") || !strcmp(t, ".s8"))
		return 1;
	if (!strcmp(t, ".b16") || !strcmp(t, ".u16") || !strcmp(t, ".s16") ||
	    !strcmp(t, ".f16") || !strcmp(t, ".bf16"))
		return 2;
	if (!strcmp(t, ".b32") || !strcmp(t, ".u32") || !strcmp(t, ".s32") ||
	    !strcmp(t, ".f32"))
		return 4;
	if (!strcmp(t, ".b64") || !strcmp(t, ".u64") || !strcmp(t, ".s64") ||
	    !strcmp(t, ".f64"))
		return 8;
	return 0;
}

static int ptx_params(const char *s, size_t n, const char *name,
		      struct cuvg_kparams *kp)
{
	const char *end = s + n, *p = s;
	size_t nl = strlen(name);
	char w[128];

	while ((p = memmem(p, (size_t)(end - p), ".entry", 6)) != NULL) {
		const char *q = skip_ws(p + 6, end);
		uint32_t off = 0;

		p += 6;
		if ((size_t)(end - q) < nl || memcmp(q, name, nl))
			continue;
		q = skip_ws(q + nl, end);
		memset(kp, 0, sizeof(*kp));
		if (q >= end || *q != '(')
			return 1;	/* no parameters */
		q++;
		for (;;) {
			uint32_t align = 0, esz, cnt = 1;
			char *br;

			q = word(q, end, w, sizeof(w));
			if (strcmp(w, ".param"))
				break;
			q = word(q, end, w, sizeof(w));
			if (!strcmp(w, ".align")) {
				q = word(q, end, w, sizeof(w));
				align = (uint32_t)strtoul(w, NULL, 10);
				q = word(q, end, w, sizeof(w));
			}
			esz = type_size(w);
			if (!esz)
				return 0;
			/* .ptr .global .align N describe the pointee. */
			for (;;) {
				q = word(q, end, w, sizeof(w));
				if (!strcmp(w, ".align"))
					q = word(q, end, w, sizeof(w));
				else if (w[0] != '.')
					break;
			}
			if (!w[0])
				return 0;
			br = strchr(w, '[');
			if (br)
				cnt = (uint32_t)strtoul(br + 1, NULL, 10);
			if (!align)
				align = esz;
			if (!cnt || align > 256 || (align & (align - 1)) ||
			    kp->n >= CUVG_MAX_KPARAMS)
				return 0;
			off = (off + align - 1) & ~(align - 1);
			if (off + esz * cnt > VGPU_PARAMS_MAX)
				return 0;
			kp->off[kp->n] = (uint16_t)off;
			kp->size[kp->n++] = (uint16_t)(esz * cnt);
			off += esz * cnt;
			q = skip_ws(q, end);
			if (q < end && *q == ',')
				q++;
		}
		kp->total = off;
		return 1;
	}
	return 0;
}

/*
 * Each member of a fatbin to @fn, ELF members first (their facts are the
 * compiler's own), then uncompressed PTX, until @fn returns nonzero:
 * that, or 0. A member header that does not fit ends the walk.
 */
static unsigned int fatbin_walk(const uint8_t *p, size_t n,
				unsigned int (*fn)(const uint8_t *m, uint64_t sz,
						   int elf, void *ctx),
				void *ctx)
{
	uint16_t hs = rd16(p + 6);
	uint64_t fs = rd64(p + 8), o;

	if (hs < 16 || fs > n - hs)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		for (o = hs; o + 16 <= hs + fs;) {
			const uint8_t *e = p + o;
			uint32_t ehs = rd32(e + 4);
			uint64_t sz = rd64(e + 8);
			unsigned int got = 0;

			if (ehs < 16 || ehs > hs + fs - o ||
			    sz > hs + fs - o - ehs)
				return 0;
			if (pass == 0 && is_elf(e + ehs, sz))
				got = fn(e + ehs, sz, 1, ctx);
			if (pass == 1 && rd16(e) == 1 && sz &&
			    (isprint(e[ehs]) || isspace(e[ehs])))
				got = fn(e + ehs, strnlen((const char *)e + ehs, sz),
					 0, ctx);
			if (got)
				return got;
			o += ehs + sz;
		}
	}
	return 0;
}

struct params_query {
	const char *name;
	struct cuvg_kparams *kp;
};

static unsigned int member_params(const uint8_t *m, uint64_t sz, int elf,
				  void *ctx)
{
	struct params_query *q = ctx;

	return elf ? elf_params(m, sz, q->name, q->kp) :
		     ptx_params((const char *)m, sz, q->name, q->kp);
}

int cuvg_find_params(const void *image, size_t size, const char *name,
		     struct cuvg_kparams *kp)
{
	const uint8_t *p = image;

	if (size >= 16 && rd32(p) == FATBIN_MAGIC) {
		struct params_query q = { name, kp };

		return (int)fatbin_walk(p, size, member_params, &q);
	}
	if (is_elf(p, size))
		return elf_params(p, size, name, kp);
	return ptx_params(image, strnlen(image, size), name, kp);
}

/*
 * __managed__ variables: in a cubin, symbols of type OBJECT whose st_other
 * has bit 0x04 (nvcc's mark; a plain __device__ variable has 0); in PTX,
 * ".global .attribute(.managed) ... NAME[...];". Each name found goes to
 * @cb; the count is returned.
 */
static unsigned int elf_managed(const uint8_t *p, size_t n,
				void (*cb)(const char *, void *), void *ctx)
{
	uint64_t shoff = rd64(p + 0x28);
	uint16_t shes = rd16(p + 0x3a), shn = rd16(p + 0x3c);
	unsigned int found = 0;

	if (shes < 64 || shoff > n || (uint64_t)shes * shn > n - shoff)
		return 0;
	for (uint16_t i = 0; i < shn; i++) {
		const uint8_t *s = p + shoff + (uint64_t)i * shes, *l;
		uint64_t off = rd64(s + 0x18), sz = rd64(s + 0x20);
		uint64_t stroff, strsz;
		uint32_t link = rd32(s + 0x28);

		if (rd32(s + 4) != 2 /* SHT_SYMTAB */ || link >= shn ||
		    off > n || sz > n - off)
			continue;
		l = p + shoff + (uint64_t)link * shes;
		stroff = rd64(l + 0x18);
		strsz = rd64(l + 0x20);
		if (stroff > n || strsz > n - stroff)
			return found;
		for (uint64_t e = 0; e + 24 <= sz; e += 24) {
			const uint8_t *sym = p + off + e;
			uint32_t nm = rd32(sym);
			const char *name = (const char *)p + stroff + nm;

			if ((sym[4] & 0xf) != 1 /* STT_OBJECT */ ||
			    !(sym[5] & 0x04) || nm >= strsz ||
			    strnlen(name, strsz - nm) == strsz - nm || !*name ||
			    strlen(name) > VGPU_FUNC_NAME_MAX)
				continue;
			cb(name, ctx);
			found++;
		}
	}
	return found;
}

static unsigned int ptx_managed(const char *s, size_t n,
				void (*cb)(const char *, void *), void *ctx)
{
	static const char mark[] = ".attribute(.managed)";
	const char *end = s + n, *p = s;
	unsigned int found = 0;
	char w[VGPU_FUNC_NAME_MAX + 1];

	while ((p = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1))) {
		const char *q = p + sizeof(mark) - 1;

		p = q;
		/* .align N, the type, then the name (an array's "[" ends it). */
		for (;;) {
			q = word(q, end, w, sizeof(w));
			if (!strcmp(w, ".align"))
				q = word(q, end, w, sizeof(w));
			else if (w[0] != '.')	/* the name, or nothing: the end */
				break;
		}
		w[strcspn(w, "[")] = '\0';
		if (w[0] && (isalpha((unsigned char)w[0]) || w[0] == '_' ||
			     w[0] == '$' || w[0] == '%')) {
			cb(w, ctx);
			found++;
		}
	}
	return found;
}

struct managed_query {
	void (*cb)(const char *name, void *ctx);
	void *ctx;
};

static unsigned int member_managed(const uint8_t *m, uint64_t sz, int elf,
				   void *ctx)
{
	struct managed_query *q = ctx;

	return elf ? elf_managed(m, sz, q->cb, q->ctx) :
		     ptx_managed((const char *)m, sz, q->cb, q->ctx);
}

unsigned int cuvg_image_managed(const void *image, size_t size,
				void (*cb)(const char *name, void *ctx),
				void *ctx)
{
	const uint8_t *p = image;

	if (size >= 16 && rd32(p) == FATBIN_MAGIC) {
		struct managed_query q = { cb, ctx };

		return fatbin_walk(p, size, member_managed, &q);
	}
	if (is_elf(p, size))
		return elf_managed(p, size, cb, ctx);
	return ptx_managed(image, strnlen(image, size), cb, ctx);
}
