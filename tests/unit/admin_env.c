// SPDX-License-Identifier: MIT
/* The vgpu-admin tests' environment (see admin_env.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin_env.h"
#include "tests/sim/xen_fake.h"
#include "tools/admin/admin.h"

int admin_env_setup(void **state)
{
	struct admin_env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	snprintf(e->dir, sizeof(e->dir), "/tmp/vgpu-admin-test.XXXXXX");
	if (!mkdtemp(e->dir)) {
		free(e);
		return -1;
	}
	snprintf(e->db, sizeof(e->db), "%s/vgpu.db", e->dir);
	fake_xen_reset();
	*state = e;
	return 0;
}

int admin_env_teardown(void **state)
{
	struct admin_env *e = *state;
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[160];

	for (unsigned int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", e->db, suffix[i]);
		unlink(path);
	}
	rmdir(e->dir);
	fake_xen_reset();
	fake_xs_reset();
	free(e);
	return 0;
}

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

int adm(struct admin_env *e, const char *args)
{
	char *copy = strdup(args), *argv[64], *save = NULL, *tok;
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, rc;

	assert_non_null(copy);
	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = "vgpu-admin";
	argv[argc++] = "--db";
	argv[argc++] = e->db;
	for (tok = strtok_r(copy, " ", &save); tok && argc < 63; tok = strtok_r(NULL, " ", &save)) {
		for (char *p = tok; *p; p++)
			if (*p == '_')
				*p = ' ';
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	rc = admin_run(argc, argv, out, err);
	slurp(out, e->out, sizeof(e->out));
	slurp(err, e->err, sizeof(e->err));
	free(copy);
	return rc;
}

void adm_vm(struct admin_env *e, const char *name, const char *uuid, unsigned int vm_id)
{
	char cmd[256];

	if (adm(e, "pool list") != 0)
		assert_int_equal(adm(e, "init"), 0);
	if (!strstr(e->out, "\nA "))
		adm(e, "pool add A");
	snprintf(cmd, sizeof(cmd), "vm add %s --uuid %s --pool A --priority high --vm-id %u",
		 name, uuid, vm_id);
	assert_int_equal(adm(e, cmd), 0);
}
