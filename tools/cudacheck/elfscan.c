// SPDX-License-Identifier: MIT
/*
 * Reads one ELF64 executable or shared object with libelf (elfutils):
 * its DT_NEEDED and DT_SONAME, its undefined dynamic symbols with the
 * file each one's version names (.gnu.version, .gnu.version_r), what it
 * defines in .dynsym and .symtab, and two traces of NVIDIA's runtime
 * that survive strip: nvcc's fatbin sections, and in constant data the
 * name libcuda.so.1, which that runtime passes to dlopen, and the names
 * of its error codes, which cudaGetErrorName returns.
 *
 * The file may be anything a user names: every table is read through
 * libelf's bounds-checked accessors, a string offset out of range is an
 * error, and no count from the file is trusted beyond the section's size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cudacheck.h"

struct elf_priv {
	int fd;
	Elf *elf;
};

/* A version index of .gnu.version and the file .gnu.version_r gives it. */
struct ver_file {
	unsigned int index;
	const char *file;
};

struct scan {
	Elf *elf;
	Elf_Scn *dynamic, *dynsym, *symtab, *versym, *verneed;
	struct ver_file *vers;
	size_t n_vers;
	char *err;
	size_t errlen;
};

static int fail(struct scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cc_def *)a)->name,
		      ((const struct cc_def *)b)->name);
}

const struct cc_def *cc_find_def(const struct cc_def *defs, size_t n,
				 const char *name)
{
	struct cc_def key = { .name = name };

	if (!n)
		return NULL;
	return bsearch(&key, defs, n, sizeof(*defs), by_name);
}

/* Entries of a section's data, as libelf converted them. */
static size_t entries(Elf *elf, Elf_Data *d, Elf_Type type)
{
	size_t size = gelf_fsize(elf, type, 1, EV_CURRENT);

	return d && size ? d->d_size / size : 0;
}

/* STR, with its NUL, in the section's bytes as the file has them. */
static bool has_string(Elf_Scn *scn, const char *str)
{
	Elf_Data *d = elf_rawdata(scn, NULL);

	return d && d->d_buf && memmem(d->d_buf, d->d_size, str, strlen(str) + 1);
}

static int find_sections(struct cc_elf *e, struct scan *s)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(s->elf, &shstrndx) != 0)
		return fail(s, "no section header string table: %s",
			    elf_errmsg(-1));
	while ((scn = elf_nextscn(s->elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return fail(s, "a section header: %s", elf_errmsg(-1));
		switch (sh.sh_type) {
		case SHT_DYNAMIC:
			s->dynamic = scn;
			break;
		case SHT_DYNSYM:
			s->dynsym = scn;
			break;
		case SHT_SYMTAB:
			s->symtab = scn;
			break;
		case SHT_GNU_versym:
			s->versym = scn;
			break;
		case SHT_GNU_verneed:
			s->verneed = scn;
			break;
		}
		name = elf_strptr(s->elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".nv_fatbin") ||
			     !strcmp(name, ".nvFatBinSegment"))) {
			e->has_fatbin = true;
			continue;	/* device code: no strings to look at */
		}
		/* Constant data (.rodata), where a dlopen() name is: not
		 * .dynstr, where a library's own DT_SONAME is. */
		if (sh.sh_type == SHT_PROGBITS && !(sh.sh_flags & SHF_EXECINSTR)) {
			if (!e->names_libcuda)
				e->names_libcuda = has_string(scn, CC_CUDA_SONAME);
			if (!e->names_cuda_errors)
				e->names_cuda_errors = has_string(scn, CC_CUDA_ERROR_NAME);
		}
	}
	return 0;
}

static int read_dynamic(struct cc_elf *e, struct scan *s)
{
	GElf_Shdr sh;
	Elf_Data *d;
	size_t i, n;

	if (!s->dynamic)
		return 0;		/* linked statically */
	if (!gelf_getshdr(s->dynamic, &sh))
		return fail(s, ".dynamic: %s", elf_errmsg(-1));
	d = elf_getdata(s->dynamic, NULL);
	n = entries(s->elf, d, ELF_T_DYN);
	if (n > INT32_MAX)
		return fail(s, ".dynamic too large");
	e->needed = calloc(n ? n : 1, sizeof(*e->needed));
	if (!e->needed)
		return fail(s, "out of memory");
	for (i = 0; i < n; i++) {
		GElf_Dyn dyn;
		const char *str;

		if (!gelf_getdyn(d, (int)i, &dyn))
			return fail(s, ".dynamic: %s", elf_errmsg(-1));
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME)
			continue;
		str = elf_strptr(s->elf, sh.sh_link, dyn.d_un.d_val);
		if (!str)
			return fail(s, ".dynamic: a name out of its string table");
		if (dyn.d_tag == DT_SONAME)
			e->soname = str;
		else
			e->needed[e->n_needed++] = str;
	}
	return 0;
}

/* .gnu.version_r: which file each version index an import uses names. */
static int read_verneed(struct scan *s)
{
	GElf_Shdr sh;
	Elf_Data *d;
	size_t off = 0, i;

	if (!s->verneed)
		return 0;
	if (!gelf_getshdr(s->verneed, &sh))
		return fail(s, ".gnu.version_r: %s", elf_errmsg(-1));
	d = elf_getdata(s->verneed, NULL);
	if (!d)
		return fail(s, ".gnu.version_r: %s", elf_errmsg(-1));
	/* sh_info entries; each step must move forward within the data. */
	for (i = 0; i < sh.sh_info; i++) {
		GElf_Verneed vn;
		size_t aoff, j;
		const char *file;

		if (!gelf_getverneed(d, (int)off, &vn))
			return fail(s, ".gnu.version_r: entry out of range");
		file = elf_strptr(s->elf, sh.sh_link, vn.vn_file);
		if (!file)
			return fail(s, ".gnu.version_r: a name out of range");
		aoff = off + vn.vn_aux;
		for (j = 0; j < vn.vn_cnt; j++) {
			GElf_Vernaux va;
			struct ver_file *v;

			if (aoff > INT32_MAX || !gelf_getvernaux(d, (int)aoff, &va))
				return fail(s, ".gnu.version_r: entry out of range");
			v = realloc(s->vers, (s->n_vers + 1) * sizeof(*v));
			if (!v)
				return fail(s, "out of memory");
			s->vers = v;
			v[s->n_vers].index = va.vna_other & 0x7fff;
			v[s->n_vers++].file = file;
			if (!va.vna_next)
				break;
			aoff += va.vna_next;
		}
		if (!vn.vn_next)
			break;
		off += vn.vn_next;
		if (off > INT32_MAX)
			return fail(s, ".gnu.version_r: entry out of range");
	}
	return 0;
}

static const char *version_file(const struct scan *s, Elf_Data *versym,
				size_t i)
{
	GElf_Versym vs;
	size_t k;

	if (!versym || !gelf_getversym(versym, (int)i, &vs))
		return NULL;
	for (k = 0; k < s->n_vers; k++)
		if (s->vers[k].index == (vs & 0x7fffu))
			return s->vers[k].file;
	return NULL;		/* 0 and 1: local, global; no file */
}

/*
 * One symbol table: defined symbols into DEFS (sorted); for .dynsym
 * (IMPORTS not NULL), undefined ones into IMPORTS with their files.
 */
static int read_symbols(struct cc_elf *e, struct scan *s, Elf_Scn *scn,
			struct cc_def **defs, size_t *n_defs, bool dynamic)
{
	Elf_Data *d, *versym = NULL;
	GElf_Shdr sh;
	size_t i, n;

	if (!scn)
		return 0;
	if (!gelf_getshdr(scn, &sh))
		return fail(s, "a symbol table: %s", elf_errmsg(-1));
	d = elf_getdata(scn, NULL);
	n = entries(s->elf, d, ELF_T_SYM);
	if (n > INT32_MAX)
		return fail(s, "a symbol table too large");
	*defs = calloc(n ? n : 1, sizeof(**defs));
	if (!*defs)
		return fail(s, "out of memory");
	if (dynamic) {
		e->imports = calloc(n ? n : 1, sizeof(*e->imports));
		if (!e->imports)
			return fail(s, "out of memory");
		if (s->versym)
			versym = elf_getdata(s->versym, NULL);
	}
	for (i = 1; i < n; i++) {	/* entry 0 is the null symbol */
		GElf_Sym sym;
		const char *name;
		unsigned char type, bind;

		if (!gelf_getsym(d, (int)i, &sym))
			return fail(s, "a symbol: %s", elf_errmsg(-1));
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		if (type == STT_SECTION || type == STT_FILE || !sym.st_name)
			continue;
		name = elf_strptr(s->elf, sh.sh_link, sym.st_name);
		if (!name)
			return fail(s, "a symbol name out of its string table");
		if (sym.st_shndx == SHN_UNDEF) {
			if (dynamic) {
				e->imports[e->n_imports].name = name;
				e->imports[e->n_imports++].from =
					version_file(s, versym, i);
			}
			continue;
		}
		/* .dynsym's locals are not exported; .symtab's all count. */
		if (dynamic && bind == STB_LOCAL)
			continue;
		(*defs)[*n_defs].name = name;
		(*defs)[*n_defs].weak = bind == STB_WEAK;
		(*defs)[(*n_defs)++].func = type == STT_FUNC ||
					    type == STT_GNU_IFUNC;
	}
	qsort(*defs, *n_defs, sizeof(**defs), by_name);
	return 0;
}

static int scan(struct cc_elf *e, struct scan *s)
{
	GElf_Ehdr eh;

	if (elf_kind(s->elf) != ELF_K_ELF)
		return fail(s, "not an ELF file");
	if (gelf_getclass(s->elf) != ELFCLASS64)
		return fail(s, "not ELF64 (a 32-bit ELF file): vgpu's libraries are 64-bit");
	if (!gelf_getehdr(s->elf, &eh))
		return fail(s, "an ELF header libelf cannot read: %s", elf_errmsg(-1));
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(s, "not an executable or a shared object (ELF type %u)",
			    (unsigned int)eh.e_type);
	if (eh.e_shnum == 0)
		return fail(s, "no section headers (stripped of them): its symbols cannot be read");
	if (find_sections(e, s) || read_dynamic(e, s) || read_verneed(s) ||
	    read_symbols(e, s, s->dynsym, &e->exports, &e->n_exports, true) ||
	    read_symbols(e, s, s->symtab, &e->locals, &e->n_locals, false))
		return -1;
	return 0;
}

int cc_elf_open(struct cc_elf *e, const char *path, char *err, size_t errlen)
{
	struct scan s = { .err = err, .errlen = errlen };
	struct elf_priv *p;
	struct stat st;
	int rc;

	memset(e, 0, sizeof(*e));
	e->path = path;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&s, "libelf: %s", elf_errmsg(-1));
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(&s, "out of memory");
	e->priv = p;
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		rc = fail(&s, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(p->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = fail(&s, "not a regular file");
		goto out;
	}
	p->elf = elf_begin(p->fd, ELF_C_READ_MMAP, NULL);
	if (!p->elf) {
		rc = fail(&s, "not an ELF file (%s)", elf_errmsg(-1));
		goto out;
	}
	s.elf = p->elf;
	rc = scan(e, &s);
out:
	free(s.vers);
	if (rc)
		cc_elf_close(e);
	return rc;
}

void cc_elf_close(struct cc_elf *e)
{
	struct elf_priv *p = e->priv;

	free(e->needed);
	free(e->imports);
	free(e->exports);
	free(e->locals);
	if (p) {
		if (p->elf)
			elf_end(p->elf);
		if (p->fd >= 0)
			close(p->fd);
		free(p);
	}
	memset(e, 0, sizeof(*e));
}
