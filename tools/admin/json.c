// SPDX-License-Identifier: MIT
/* JSON strings for the --json listings. */
#include <inttypes.h>
#include <stdio.h>

#include "admin.h"
#include "vmconf.h"

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void json_vm_fields(FILE *f, const struct vm_conf *c)
{
	fputs("\"name\":", f);
	json_str(f, c->name);
	fprintf(f, ",\"uuid\":\"%s\",\"pool\":\"%c\",\"priority\":\"%s\","
		"\"vm_id\":%" PRIu32 ",\"max_inflight\":%" PRIu32
		",\"max_queued\":%" PRIu32 ",\"rate_limit\":%" PRIu32
		",\"rate_burst\":%" PRIu32 ",\"mem_quota\":%" PRIu64 ",\"backend\":",
		c->uuid, c->pool, vm_prio_name(c->priority), c->vm_id,
		c->max_inflight, c->max_queued, c->rate_limit, c->rate_burst,
		c->mem_quota);
	json_str(f, c->backend);
	fprintf(f, ",\"devid\":%" PRIu32, c->devid);
}

void json_vm(FILE *f, const struct vm_conf *c)
{
	fputc('{', f);
	json_vm_fields(f, c);
	fputc('}', f);
}
