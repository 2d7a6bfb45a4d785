// SPDX-License-Identifier: MIT
/*
 * vgpu-admin's command line: the global options, the command table, the
 * option parser every command uses, and the connections opened on first
 * use. `init` lives here too: it is the database's first command.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "admin.h"
#include "db.h"

struct command {
	const char *name;
	int (*fn)(struct admin *a, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, "create the database (or migrate it to this version)" },
	{ "pool", cmd_pool, "pool add LETTER [--description TEXT] | list | rm LETTER" },
	{ "vm", cmd_vm, "vm add NAME ... | set NAME KEY VALUE... | rm | list | show NAME" },
	{ "attach", cmd_attach, "attach DOMAIN [--devid N]: write its vgpu device to xenstore" },
	{ "detach", cmd_detach, "detach DOMAIN: remove its vgpu devices from xenstore" },
	{ "apply", cmd_apply, "apply [NAME]: push changed values to running domains" },
	{ "watch", cmd_watch, "watch [--once]: attach registered domains as they appear" },
	{ "status", cmd_status, "status: per-VM live figures from the worker" },
	{ "top", cmd_top, "top [--interval S]: status, refreshed like top(1)" },
	{ "inventory", cmd_inventory, "inventory --json: pools, VMs and their state, the worker" },
	{ "doctor", cmd_doctor, "doctor: check the host, print the fix for each problem" },
	{ "qemu-args", cmd_qemu_args, "qemu-args NAME|UUID: -device vgpu-stub,... for plain QEMU" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: vgpu-admin [--db PATH] [--worker-socket PATH] [--json] COMMAND [ARGS]\n"
		"       vgpu-admin COMMAND --help\n\n"
		"  --db PATH             the database (default $VGPU_ADMIN_DB, or " ADMIN_DEFAULT_DB ")\n"
		"  --worker-socket PATH  the worker's control socket (default $VGPU_WORKER_SOCKET,\n"
		"                        or " ADMIN_DEFAULT_SOCKET ")\n"
		"  --json                listings as JSON\n\ncommands:\n");
	for (unsigned int i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nexit status: 0 ok, 1 doctor found a problem, 2 usage, 3 not found,\n"
		"4 conflict, 5 database, 6 xenstore/Xen, 7 worker unreachable\n");
}

int admin_fail(struct admin *a, int code, const char *fmt, ...)
{
	va_list ap;

	fputs("vgpu-admin: ", a->err);
	va_start(ap, fmt);
	vfprintf(a->err, fmt, ap);
	va_end(ap);
	fputc('\n', a->err);
	return code;
}

int admin_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int admin_opts(struct admin *a, int argc, char **argv,
	       const struct admin_opt *opts, char **pos, int maxpos, int *npos,
	       const char *usage_line)
{
	/* Messages are one line: the usage's first line only. */
	int ulen = (int)strcspn(usage_line, "\n");

	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *name;
		const struct admin_opt *o = NULL;
		size_t len;

		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			if (*npos >= maxpos)
				return admin_fail(a, ADMIN_E_USAGE, "unexpected '%s'; usage: %.*s",
						  arg, ulen, usage_line);
			pos[(*npos)++] = argv[i];
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (len == 4 && strncmp(name, "json", 4) == 0 && !eq) {
			a->json = 1;
			continue;
		}
		for (const struct admin_opt *p = opts; p && p->name; p++)
			if (strlen(p->name) == len && strncmp(p->name, name, len) == 0)
				o = p;
		if (!o)
			return admin_fail(a, ADMIN_E_USAGE, "unknown option '%s'; usage: %.*s",
					  arg, ulen, usage_line);
		if (!o->value) {
			if (eq)
				return admin_fail(a, ADMIN_E_USAGE, "--%s takes no value", o->name);
			*o->flag = 1;
			continue;
		}
		if (eq) {
			*o->value = eq + 1;
		} else {
			if (i + 1 >= argc)
				return admin_fail(a, ADMIN_E_USAGE, "--%s needs a value; usage: %.*s",
						  o->name, ulen, usage_line);
			*o->value = argv[++i];
		}
	}
	return ADMIN_OK;
}

int admin_list(struct admin *a, int argc, char **argv, const char *usage,
	       int (*each)(struct admin *a, void *arg), void *arg)
{
	char *pos[1];
	int npos, rc;

	rc = admin_opts(a, argc, argv, NULL, pos, 0, &npos, usage);
	if (!rc)
		rc = admin_db(a, 0);
	if (rc)
		return rc;
	if (a->json)
		fputc('[', a->out);
	rc = each(a, arg);
	if (a->json)
		fputs("]\n", a->out);
	return rc;
}

int admin_db(struct admin *a, int write)
{
	if (a->db)
		return ADMIN_OK;
	return db_open(a->db_path, 0, write, &a->db, a->err);
}

int admin_xs(struct admin *a)
{
	if (a->xs)
		return ADMIN_OK;
	a->xs = xs_open(0);
	if (!a->xs)
		return admin_fail(a, ADMIN_E_XEN,
				  "cannot reach xenstore (%s): run in Xen's Dom0 as root, with xenstored running",
				  strerror(errno));
	return ADMIN_OK;
}

int admin_xc(struct admin *a)
{
	if (a->xc)
		return ADMIN_OK;
	a->xc = xc_interface_open(NULL, NULL, 0);
	if (!a->xc)
		return admin_fail(a, ADMIN_E_XEN,
				  "cannot open libxenctrl (%s): run in Xen's Dom0 as root (needs /dev/xen/privcmd)",
				  strerror(errno));
	return ADMIN_OK;
}

int admin_open_xen(struct admin *a)
{
	int rc = admin_db(a, 0);

	if (!rc)
		rc = admin_xs(a);
	if (!rc)
		rc = admin_xc(a);
	return rc;
}

void admin_close(struct admin *a)
{
	if (a->db)
		db_close(a->db);
	if (a->xs)
		xs_close(a->xs);
	if (a->xc)
		xc_interface_close(a->xc);
	a->db = NULL;
	a->xs = NULL;
	a->xc = NULL;
}

int cmd_init(struct admin *a, int argc, char **argv)
{
	static const char use[] = "vgpu-admin [--db PATH] init";
	char *pos[1], *dir, *copy;
	int npos, rc;

	if (argc > 1 && admin_is_help(argv[1])) {
		fprintf(a->out, "usage: %s\nCreates the database (its directory too, mode 0755), or migrates\nan older one to schema version %d. Running it again changes nothing.\n",
			use, DB_SCHEMA_VERSION);
		return ADMIN_OK;
	}
	rc = admin_opts(a, argc, argv, NULL, pos, 0, &npos, use);
	if (rc)
		return rc;
	copy = strdup(a->db_path);
	if (!copy)
		return admin_fail(a, ADMIN_E_DB, "out of memory");
	dir = dirname(copy);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = admin_fail(a, ADMIN_E_DB, "cannot create %s: %s: create it, or give --db PATH",
				dir, strerror(errno));
		free(copy);
		return rc;
	}
	free(copy);
	rc = db_open(a->db_path, 1, 1, &a->db, a->err);
	if (rc)
		return rc;
	fprintf(a->out, "database %s ready (schema version %d)\n", a->db_path,
		db_version(a->db));
	return ADMIN_OK;
}

int admin_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct admin a = { .out = out, .err = err };
	const char *env;
	int i, rc;

	env = getenv("VGPU_ADMIN_DB");
	a.db_path = env && *env ? env : ADMIN_DEFAULT_DB;
	env = getenv("VGPU_WORKER_SOCKET");
	a.worker_socket = env && *env ? env : ADMIN_DEFAULT_SOCKET;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];

		if (admin_is_help(arg)) {
			usage(out);
			return ADMIN_OK;
		} else if (strcmp(arg, "--json") == 0) {
			a.json = 1;
		} else if (strncmp(arg, "--db=", 5) == 0) {
			a.db_path = arg + 5;
		} else if (strncmp(arg, "--worker-socket=", 16) == 0) {
			a.worker_socket = arg + 16;
		} else if ((strcmp(arg, "--db") == 0 || strcmp(arg, "--worker-socket") == 0) &&
			   i + 1 < argc) {
			if (arg[2] == 'd')
				a.db_path = argv[++i];
			else
				a.worker_socket = argv[++i];
		} else {
			fprintf(err, "vgpu-admin: unknown or incomplete option '%s'\n", arg);
			usage(err);
			return ADMIN_E_USAGE;
		}
	}
	if (i >= argc) {
		usage(err);
		return ADMIN_E_USAGE;
	}
	for (unsigned int c = 0; c < NR_COMMANDS; c++)
		if (strcmp(argv[i], commands[c].name) == 0) {
			rc = commands[c].fn(&a, argc - i, argv + i);
			admin_close(&a);
			fflush(out);
			return rc;
		}
	fprintf(err, "vgpu-admin: unknown command '%s' (try vgpu-admin --help)\n", argv[i]);
	return ADMIN_E_USAGE;
}
