// SPDX-License-Identifier: MIT
/* vgpu-admin's SQLite database (see db.h). */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "db.h"

/*
 * migrations[v] takes a database from version v to v + 1. Append, never
 * edit: a host's file is at any earlier version.
 */
static const char *const migrations[DB_SCHEMA_VERSION] = {
	/* 0 -> 1: pools and VMs */
	"CREATE TABLE pool ("
	"  letter TEXT PRIMARY KEY NOT NULL"
	"    CHECK (length(letter) = 1 AND letter BETWEEN 'A' AND 'Z'),"
	"  description TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE vm ("
	"  uuid TEXT PRIMARY KEY NOT NULL CHECK (length(uuid) = 36),"
	"  name TEXT NOT NULL UNIQUE,"
	"  pool TEXT NOT NULL REFERENCES pool(letter) ON DELETE RESTRICT,"
	"  priority TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),"
	"  vm_id INTEGER NOT NULL UNIQUE CHECK (vm_id BETWEEN 1 AND 4294967295),"
	"  max_inflight INTEGER NOT NULL DEFAULT 0"
	"    CHECK (max_inflight BETWEEN 0 AND 4294967295),"
	"  max_queued INTEGER NOT NULL DEFAULT 0"
	"    CHECK (max_queued BETWEEN 0 AND 4294967295),"
	"  rate_limit INTEGER NOT NULL DEFAULT 0"
	"    CHECK (rate_limit BETWEEN 0 AND 4294967295),"
	"  rate_burst INTEGER NOT NULL DEFAULT 0"
	"    CHECK (rate_burst BETWEEN 0 AND 16777216),"
	"  mem_quota INTEGER NOT NULL DEFAULT 0 CHECK (mem_quota >= 0),"
	"  backend TEXT NOT NULL DEFAULT '0',"
	"  devid INTEGER NOT NULL DEFAULT 0 CHECK (devid BETWEEN 0 AND 255));"
	"CREATE INDEX vm_pool ON vm(pool);",
};

#define VM_COLUMNS "uuid, name, pool, priority, vm_id, max_inflight, " \
	"max_queued, rate_limit, rate_burst, mem_quota, backend, devid"

static int db_fail(sqlite3 *db, FILE *err, const char *what)
{
	int rc = sqlite3_extended_errcode(db);

	if (rc == SQLITE_READONLY || (rc & 0xff) == SQLITE_READONLY)
		fprintf(err, "vgpu-admin: database is read-only (%s): run as root, or fix the file's and its directory's permissions\n",
			what);
	else if ((rc & 0xff) == SQLITE_BUSY)
		fprintf(err, "vgpu-admin: database stayed locked for %d ms (%s): another writer holds it; try again\n",
			DB_BUSY_TIMEOUT_MS, what);
	else
		fprintf(err, "vgpu-admin: database error (%s): %s\n", what,
			sqlite3_errmsg(db));
	return ADMIN_E_DB;
}

static int exec(sqlite3 *db, const char *sql, FILE *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, sql);
	return ADMIN_OK;
}

static int begin(sqlite3 *db, FILE *err)
{
	return exec(db, "BEGIN IMMEDIATE", err);
}

static int commit(sqlite3 *db, FILE *err)
{
	int rc = exec(db, "COMMIT", err);

	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Ends a failed transaction; returns @rc. */
static int rollback(sqlite3 *db, int rc)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, FILE *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, err, "prepare");
	return ADMIN_OK;
}

int db_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(sqlite3 *db, const char *path, FILE *err)
{
	char sql[64];
	int rc, v;

	rc = begin(db, err);
	if (rc)
		return rc;
	v = db_version(db);	/* again: another process may have migrated */
	if (v < 0) {
		fprintf(err, "vgpu-admin: %s is not an SQLite database: give --db the vgpu-admin database, or move the file away and run vgpu-admin init\n",
			path);
		return rollback(db, ADMIN_E_DB);
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		rc = exec(db, migrations[v], err);
		if (rc)
			return rollback(db, rc);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", DB_SCHEMA_VERSION);
	rc = exec(db, sql, err);
	if (rc)
		return rollback(db, rc);
	return commit(db, err);
}

int db_open(const char *path, int create, int write, sqlite3 **out, FILE *err)
{
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *db = NULL;
	int rc, v;

	*out = NULL;
	if (!create && access(path, F_OK)) {
		fprintf(err, "vgpu-admin: database %s: %s: run vgpu-admin init (or give --db PATH)\n",
			path, strerror(errno));
		return ADMIN_E_DB;
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		fprintf(err, "vgpu-admin: cannot open database %s: %s: check the path and its directory (vgpu-admin init creates it)\n",
			path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return ADMIN_E_DB;
	}
	if (write && sqlite3_db_readonly(db, "main") == 1) {
		fprintf(err, "vgpu-admin: database %s is read-only: run as root, or fix its permissions\n",
			path);
		sqlite3_close(db);
		return ADMIN_E_DB;
	}
	sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS);
	rc = exec(db, "PRAGMA foreign_keys = ON", err);
	if (rc)
		goto fail;
	v = db_version(db);
	if (v < 0) {
		fprintf(err, "vgpu-admin: %s is not a vgpu-admin database (%s): give --db the right file\n",
			path, sqlite3_errmsg(db));
		rc = ADMIN_E_DB;
		goto fail;
	}
	if (v > DB_SCHEMA_VERSION) {
		fprintf(err, "vgpu-admin: database %s has schema version %d, newer than this vgpu-admin's %d: use the vgpu-admin that wrote it (or a newer one)\n",
			path, v, DB_SCHEMA_VERSION);
		rc = ADMIN_E_DB;
		goto fail;
	}
	if (v < DB_SCHEMA_VERSION) {
		rc = migrate(db, path, err);
		if (rc)
			goto fail;
	}
	/* Persistent in the file; a no-op once set. */
	if (write) {
		rc = exec(db, "PRAGMA journal_mode = WAL", err);
		if (rc)
			goto fail;
	}
	*out = db;
	return ADMIN_OK;
fail:
	sqlite3_close(db);
	return rc;
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

/* ---- pools ---- */

/*
 * 1 if the query finds a row, 0 if not, <0 on an error. Parameter 1 is
 * @text, or @num when @text is NULL; parameter 2, if any, is @text2.
 */
static int exists_row(sqlite3 *db, const char *sql, const char *text, sqlite3_int64 num,
		      const char *text2, FILE *err)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(db, sql, &st, err))
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, num);
	if (text2)
		sqlite3_bind_text(st, 2, text2, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_fail(db, err, "query");
	return -1;
}

static int exists(sqlite3 *db, const char *sql, const char *arg, FILE *err)
{
	return exists_row(db, sql, arg, 0, NULL, err);
}

/* Pool @letter (a one-letter string) is in the table: 1, 0, or -1 on error. */
static int pool_exists(sqlite3 *db, const char *letter, FILE *err)
{
	return exists(db, "SELECT 1 FROM pool WHERE letter = ?", letter, err);
}

int db_pool_add(sqlite3 *db, char letter, const char *desc, FILE *err)
{
	char l[2] = { letter, 0 };
	sqlite3_stmt *st;
	int rc;

	rc = begin(db, err);
	if (rc)
		return rc;
	rc = pool_exists(db, l, err);
	if (rc < 0)
		return rollback(db, ADMIN_E_DB);
	if (rc) {
		fprintf(err, "vgpu-admin: pool %s exists already: pick another letter, or list them with vgpu-admin pool list\n", l);
		return rollback(db, ADMIN_E_CONFLICT);
	}
	if (prepare(db, "INSERT INTO pool (letter, description) VALUES (?, ?)", &st, err))
		return rollback(db, ADMIN_E_DB);
	sqlite3_bind_text(st, 1, l, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, desc ? desc : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rollback(db, db_fail(db, err, "pool add"));
	return commit(db, err);
}

int db_pool_rm(sqlite3 *db, char letter, FILE *err)
{
	char l[2] = { letter, 0 };
	sqlite3_stmt *st;
	int rc;

	rc = begin(db, err);
	if (rc)
		return rc;
	rc = pool_exists(db, l, err);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(err, "vgpu-admin: no pool %s: see vgpu-admin pool list\n", l);
		return rollback(db, rc ? ADMIN_E_DB : ADMIN_E_NOTFOUND);
	}
	rc = exists(db, "SELECT 1 FROM vm WHERE pool = ?", l, err);
	if (rc) {
		if (rc > 0)
			fprintf(err, "vgpu-admin: pool %s still has VMs: move them (vgpu-admin vm set NAME pool P) or remove them first\n", l);
		return rollback(db, rc > 0 ? ADMIN_E_CONFLICT : ADMIN_E_DB);
	}
	if (prepare(db, "DELETE FROM pool WHERE letter = ?", &st, err))
		return rollback(db, ADMIN_E_DB);
	sqlite3_bind_text(st, 1, l, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rollback(db, db_fail(db, err, "pool rm"));
	return commit(db, err);
}

int db_pool_each(sqlite3 *db, void (*fn)(void *arg, const struct db_pool *p),
		 void *arg, FILE *err)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(db, "SELECT p.letter, p.description, "
		    "(SELECT count(*) FROM vm WHERE vm.pool = p.letter) "
		    "FROM pool p ORDER BY p.letter", &st, err))
		return ADMIN_E_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_pool p;
		const unsigned char *l = sqlite3_column_text(st, 0);
		const unsigned char *d = sqlite3_column_text(st, 1);

		p.letter = l ? (char)l[0] : '?';
		snprintf(p.description, sizeof(p.description), "%s", d ? (const char *)d : "");
		p.vms = (unsigned int)sqlite3_column_int(st, 2);
		fn(arg, &p);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ADMIN_OK : db_fail(db, err, "pool list");
}

/* ---- VMs ---- */

static void text_col(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

static void row_to_conf(sqlite3_stmt *st, struct vm_conf *c)
{
	char buf[16];

	vm_conf_init(c);
	text_col(st, 0, c->uuid, sizeof(c->uuid));
	text_col(st, 1, c->name, sizeof(c->name));
	text_col(st, 2, buf, sizeof(buf));
	c->pool = buf[0];
	text_col(st, 3, buf, sizeof(buf));
	if (vm_prio_parse(buf, &c->priority))
		c->priority = VM_PRIO_MEDIUM;	/* the CHECK forbids it */
	c->vm_id = (uint32_t)sqlite3_column_int64(st, 4);
	c->max_inflight = (uint32_t)sqlite3_column_int64(st, 5);
	c->max_queued = (uint32_t)sqlite3_column_int64(st, 6);
	c->rate_limit = (uint32_t)sqlite3_column_int64(st, 7);
	c->rate_burst = (uint32_t)sqlite3_column_int64(st, 8);
	c->mem_quota = (uint64_t)sqlite3_column_int64(st, 9);
	text_col(st, 10, c->backend, sizeof(c->backend));
	c->devid = (uint32_t)sqlite3_column_int64(st, 11);
}

/* Binds @c to parameters 1..12 in VM_COLUMNS order. */
static void bind_conf(sqlite3_stmt *st, const struct vm_conf *c)
{
	char pool[2] = { c->pool, 0 };

	sqlite3_bind_text(st, 1, c->uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, pool, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, vm_prio_name(c->priority), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->vm_id);
	sqlite3_bind_int64(st, 6, c->max_inflight);
	sqlite3_bind_int64(st, 7, c->max_queued);
	sqlite3_bind_int64(st, 8, c->rate_limit);
	sqlite3_bind_int64(st, 9, c->rate_burst);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)c->mem_quota);
	sqlite3_bind_text(st, 11, c->backend, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, c->devid);
}

static int vm_query(sqlite3 *db, const char *where, const char *arg,
		    struct vm_conf *c, FILE *err)
{
	char sql[160];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " VM_COLUMNS " FROM vm WHERE %s = ?", where);
	if (prepare(db, sql, &st, err))
		return ADMIN_E_DB;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_conf(st, c);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return ADMIN_OK;
	if (rc == SQLITE_DONE)
		return ADMIN_E_NOTFOUND;
	return db_fail(db, err, "vm lookup");
}

int db_vm_get(sqlite3 *db, const char *name, struct vm_conf *c, FILE *err)
{
	return vm_query(db, "name", name, c, err);
}

int db_vm_by_uuid(sqlite3 *db, const char *uuid, struct vm_conf *c, FILE *err)
{
	return vm_query(db, "uuid", uuid, c, err);
}

/*
 * Inside a transaction: the pool exists, and no other VM (other than the
 * one with @self_uuid) has @c's name, UUID or vm-id.
 */
static int check_unique(sqlite3 *db, const struct vm_conf *c, const char *self_uuid,
			FILE *err)
{
	char pool[2] = { c->pool, 0 };
	int rc;

	rc = pool_exists(db, pool, err);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(err, "vgpu-admin: no pool %s: add it first (vgpu-admin pool add %s)\n",
				pool, pool);
		return rc ? ADMIN_E_DB : ADMIN_E_NOTFOUND;
	}
	rc = exists_row(db, "SELECT 1 FROM vm WHERE name = ? AND uuid != ?", c->name, 0,
			self_uuid, err);
	if (rc) {
		if (rc > 0)
			fprintf(err, "vgpu-admin: a VM named %s exists already: pick another name\n",
				c->name);
		return rc > 0 ? ADMIN_E_CONFLICT : ADMIN_E_DB;
	}
	if (!self_uuid[0]) {
		rc = exists(db, "SELECT 1 FROM vm WHERE uuid = ?", c->uuid, err);
		if (rc) {
			if (rc > 0)
				fprintf(err, "vgpu-admin: UUID %s is registered already: see vgpu-admin vm list\n",
					c->uuid);
			return rc > 0 ? ADMIN_E_CONFLICT : ADMIN_E_DB;
		}
	}
	rc = exists_row(db, "SELECT 1 FROM vm WHERE vm_id = ? AND uuid != ?", NULL, c->vm_id,
			self_uuid, err);
	if (rc) {
		if (rc > 0)
			fprintf(err, "vgpu-admin: vm-id %" PRIu32 " belongs to another VM: pick another vm-id\n",
				c->vm_id);
		return rc > 0 ? ADMIN_E_CONFLICT : ADMIN_E_DB;
	}
	return ADMIN_OK;
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, FILE *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ADMIN_OK;
	if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_CONSTRAINT) {
		fprintf(err, "vgpu-admin: %s: %s\n", what, sqlite3_errmsg(db));
		return ADMIN_E_CONFLICT;
	}
	return db_fail(db, err, what);
}

int db_vm_add(sqlite3 *db, const struct vm_conf *c, FILE *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = begin(db, err);
	if (rc)
		return rc;
	rc = check_unique(db, c, "", err);
	if (rc)
		return rollback(db, rc);
	if (prepare(db, "INSERT INTO vm (" VM_COLUMNS ") VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err))
		return rollback(db, ADMIN_E_DB);
	bind_conf(st, c);
	rc = step_done(db, st, err, "vm add");
	if (rc)
		return rollback(db, rc);
	return commit(db, err);
}

int db_vm_set(sqlite3 *db, const char *name, int n, char **kv, FILE *err)
{
	struct vm_conf c;
	sqlite3_stmt *st;
	char why[256];
	int rc;

	rc = begin(db, err);
	if (rc)
		return rc;
	rc = db_vm_get(db, name, &c, err);
	if (rc) {
		if (rc == ADMIN_E_NOTFOUND)
			fprintf(err, "vgpu-admin: no VM named %s: see vgpu-admin vm list\n", name);
		return rollback(db, rc);
	}
	for (int i = 0; i + 1 < n; i += 2)
		if (vm_conf_set(&c, kv[i], kv[i + 1], why, sizeof(why))) {
			fprintf(err, "vgpu-admin: %s\n", why);
			return rollback(db, ADMIN_E_USAGE);
		}
	rc = check_unique(db, &c, c.uuid, err);
	if (rc)
		return rollback(db, rc);
	if (prepare(db, "UPDATE vm SET uuid = ?1, name = ?2, pool = ?3, priority = ?4, "
		    "vm_id = ?5, max_inflight = ?6, max_queued = ?7, rate_limit = ?8, "
		    "rate_burst = ?9, mem_quota = ?10, backend = ?11, devid = ?12 "
		    "WHERE uuid = ?1", &st, err))
		return rollback(db, ADMIN_E_DB);
	bind_conf(st, &c);
	rc = step_done(db, st, err, "vm set");
	if (rc)
		return rollback(db, rc);
	return commit(db, err);
}

int db_vm_rm(sqlite3 *db, const char *name, FILE *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = begin(db, err);
	if (rc)
		return rc;
	if (prepare(db, "DELETE FROM vm WHERE name = ?", &st, err))
		return rollback(db, ADMIN_E_DB);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = step_done(db, st, err, "vm rm");
	if (rc)
		return rollback(db, rc);
	if (sqlite3_changes(db) == 0) {
		fprintf(err, "vgpu-admin: no VM named %s: see vgpu-admin vm list\n", name);
		return rollback(db, ADMIN_E_NOTFOUND);
	}
	return commit(db, err);
}

int db_vm_each(sqlite3 *db, void (*fn)(void *arg, const struct vm_conf *c),
	       void *arg, FILE *err)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(db, "SELECT " VM_COLUMNS " FROM vm ORDER BY name", &st, err))
		return ADMIN_E_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vm_conf c;

		row_to_conf(st, &c);
		fn(arg, &c);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ADMIN_OK : db_fail(db, err, "vm list");
}
