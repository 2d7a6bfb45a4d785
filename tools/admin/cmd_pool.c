// SPDX-License-Identifier: MIT
/* vgpu-admin pool add|list|rm. */
#include <string.h>

#include "admin.h"
#include "db.h"

static const char use[] =
	"vgpu-admin pool add LETTER [--description TEXT] | pool list [--json] | pool rm LETTER";

struct list_state {
	struct admin *a;
	unsigned int n;
};

static void print_pool(void *arg, const struct db_pool *p)
{
	struct list_state *ls = arg;
	FILE *f = ls->a->out;

	if (ls->a->json) {
		fprintf(f, "%s{\"letter\":\"%c\",\"description\":", ls->n ? "," : "", p->letter);
		json_str(f, p->description);
		fprintf(f, ",\"vms\":%u}", p->vms);
	} else {
		if (!ls->n)
			fprintf(f, "%-5s %4s  %s\n", "POOL", "VMS", "DESCRIPTION");
		fprintf(f, "%-5c %4u  %s\n", p->letter, p->vms, p->description);
	}
	ls->n++;
}

static int each_pool(struct admin *a, void *ls)
{
	return db_pool_each(a->db, print_pool, ls, a->err);
}

static int pool_letter(struct admin *a, const char *s, char *out)
{
	if (vm_pool_parse(s, out))
		return admin_fail(a, ADMIN_E_USAGE, "pool '%s' is not one letter A..Z", s);
	return ADMIN_OK;
}

int cmd_pool(struct admin *a, int argc, char **argv)
{
	const char *desc = NULL, *sub = argc > 1 ? argv[1] : "";
	const struct admin_opt opts[] = {
		{ "description", &desc, NULL }, { NULL, NULL, NULL },
	};
	struct list_state ls = { a, 0 };
	char *pos[1], letter;
	int npos, rc;

	if (argc < 2 || admin_is_help(sub) || (argc > 2 && admin_is_help(argv[2]))) {
		fprintf(argc < 2 ? a->err : a->out,
			"usage: %s\nA pool is a letter A..Z; a VM belongs to one. A pool with VMs cannot be removed.\n",
			use);
		return argc < 2 ? ADMIN_E_USAGE : ADMIN_OK;
	}
	if (strcmp(sub, "add") == 0) {
		rc = admin_opts(a, argc - 1, argv + 1, opts, pos, 1, &npos, use);
		if (!rc && npos != 1)
			rc = admin_fail(a, ADMIN_E_USAGE, "pool add needs LETTER; usage: %s", use);
		if (!rc)
			rc = pool_letter(a, pos[0], &letter);
		if (!rc && desc && strlen(desc) > 255)
			rc = admin_fail(a, ADMIN_E_USAGE, "--description is longer than 255 bytes");
		if (!rc)
			rc = admin_db(a, 1);
		if (!rc)
			rc = db_pool_add(a->db, letter, desc, a->err);
		if (!rc)
			fprintf(a->out, "pool %c added\n", letter);
		return rc;
	}
	if (strcmp(sub, "rm") == 0) {
		rc = admin_opts(a, argc - 1, argv + 1, NULL, pos, 1, &npos, use);
		if (!rc && npos != 1)
			rc = admin_fail(a, ADMIN_E_USAGE, "pool rm needs LETTER; usage: %s", use);
		if (!rc)
			rc = pool_letter(a, pos[0], &letter);
		if (!rc)
			rc = admin_db(a, 1);
		if (!rc)
			rc = db_pool_rm(a->db, letter, a->err);
		if (!rc)
			fprintf(a->out, "pool %c removed\n", letter);
		return rc;
	}
	if (strcmp(sub, "list") == 0)
		return admin_list(a, argc - 1, argv + 1, use, each_pool, &ls);
	return admin_fail(a, ADMIN_E_USAGE, "unknown pool command '%s'; usage: %s", sub, use);
}
