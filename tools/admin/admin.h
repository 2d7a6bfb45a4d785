/* SPDX-License-Identifier: MIT */
/*
 * vgpu-admin: what every command group shares. One invocation is one
 * struct admin: the options before the command, the streams it prints to,
 * and the connections (database, xenstore, libxenctrl) opened on first use
 * and closed once at the end (admin_close()).
 *
 * Each error class has its own exit status (documented in vgpu-admin(8)
 * and Documentation/admin.md); a command prints one line naming the thing
 * and the fix, and returns the status.
 */
#ifndef VGPU_ADMIN_H
#define VGPU_ADMIN_H

#include <stdint.h>
#include <stdio.h>

enum admin_exit {
	ADMIN_OK = 0,
	ADMIN_E_CHECK = 1,	/* doctor: a check failed */
	ADMIN_E_USAGE = 2,	/* bad command line or bad value */
	ADMIN_E_NOTFOUND = 3,	/* unknown VM, pool or domain */
	ADMIN_E_CONFLICT = 4,	/* duplicate, pool in use, already attached */
	ADMIN_E_DB = 5,		/* database missing, read-only, newer, broken */
	ADMIN_E_XEN = 6,	/* xenstore or libxenctrl unavailable or failed */
	ADMIN_E_WORKER = 7,	/* the worker's control socket unreachable */
};

#define ADMIN_DEFAULT_DB	"/var/lib/vgpu/vgpu.db"
#define ADMIN_DEFAULT_SOCKET	"/run/vgpu/worker.sock"

struct sqlite3;
struct xs_handle;
struct xenctrl_handle;

struct admin {
	FILE *out;
	FILE *err;
	const char *db_path;
	const char *worker_socket;
	int json;
	struct sqlite3 *db;
	struct xs_handle *xs;
	void *xc;		/* xc_interface * (opaque here) */
};

/* Prints "vgpu-admin: <message>" to a->err; returns @code. */
int admin_fail(struct admin *a, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Runs one command line (argv[0] is the program's name) printing to @out
 * and @err; returns the exit status. main() is this with stdout/stderr.
 */
int admin_run(int argc, char **argv, FILE *out, FILE *err);

/* Opened on first use; each prints its own error and returns an exit code. */
int admin_db(struct admin *a, int write);
int admin_xs(struct admin *a);
int admin_xc(struct admin *a);
/*
 * The database (read-only), xenstore and libxenctrl: what every command
 * that acts on running domains needs, opened in that order.
 */
int admin_open_xen(struct admin *a);
void admin_close(struct admin *a);

/* True if @arg is "--help" or "-h". */
int admin_is_help(const char *arg);

/*
 * One "--name VALUE" (or "--name=VALUE") option of a command; with
 * @value NULL it is a flag that sets *@flag. --json is always accepted.
 */
struct admin_opt {
	const char *name;	/* without the dashes */
	const char **value;
	int *flag;
};

/*
 * Splits argv[1..] into the options of @opts and at most @maxpos
 * positional arguments (into @pos, counted in *@npos). On a bad line,
 * prints it with @usage and returns ADMIN_E_USAGE.
 */
int admin_opts(struct admin *a, int argc, char **argv,
	       const struct admin_opt *opts, char **pos, int maxpos, int *npos,
	       const char *usage);

/*
 * `pool list`, `vm list`: no positional arguments (@usage for the error),
 * opens the database read-only and calls @each, which prints the rows;
 * with --json they are inside [ ]. Returns an exit code.
 */
int admin_list(struct admin *a, int argc, char **argv, const char *usage,
	       int (*each)(struct admin *a, void *arg), void *arg);

/* Prints @s as a JSON string (quoted, escaped). */
void json_str(FILE *f, const char *s);
/* Prints a VM's configuration as one JSON object, or only its members. */
struct vm_conf;
void json_vm(FILE *f, const struct vm_conf *c);
void json_vm_fields(FILE *f, const struct vm_conf *c);

/*
 * The command groups: argv[0] is the command's own name (e.g. "pool"),
 * the global options are already consumed.
 */
/*
 * Attaches VM @c as device @devid of domain @domid, served by @be; prints
 * the outcome. Shared by attach and the watcher.
 */
struct vm_conf;
int admin_attach_vm(struct admin *a, const struct vm_conf *c, uint32_t domid,
		    uint32_t be, uint32_t devid);
/*
 * The same for a domain whose frontend devices are left from a backend
 * domain that went away (xsa_reattach); prints the outcome. The watcher's.
 */
int admin_reattach_vm(struct admin *a, const struct vm_conf *c, uint32_t domid,
		      uint32_t be, uint32_t devid);

int cmd_init(struct admin *a, int argc, char **argv);
int cmd_pool(struct admin *a, int argc, char **argv);
int cmd_vm(struct admin *a, int argc, char **argv);
int cmd_attach(struct admin *a, int argc, char **argv);
int cmd_detach(struct admin *a, int argc, char **argv);
int cmd_apply(struct admin *a, int argc, char **argv);
int cmd_watch(struct admin *a, int argc, char **argv);
int cmd_status(struct admin *a, int argc, char **argv);
int cmd_top(struct admin *a, int argc, char **argv);
int cmd_inventory(struct admin *a, int argc, char **argv);
int cmd_doctor(struct admin *a, int argc, char **argv);
int cmd_qemu_args(struct admin *a, int argc, char **argv);

#endif
