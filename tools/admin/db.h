/* SPDX-License-Identifier: MIT */
/*
 * vgpu-admin's database: one SQLite file. The schema is versioned
 * (PRAGMA user_version) and migrated forward on open, in one transaction;
 * a file of a newer version is refused. Every connection has foreign keys
 * on, WAL journaling and a busy timeout, and every write is one
 * transaction (BEGIN IMMEDIATE), so concurrent vgpu-admin calls and the
 * watcher serialise instead of failing on a lock.
 *
 * Each function returns an enum admin_exit code and, on failure, has
 * written one line to @err (what went wrong, and the fix).
 */
#ifndef VGPU_ADMIN_DB_H
#define VGPU_ADMIN_DB_H

#include <stdio.h>

#include "admin.h"
#include "vmconf.h"

#define DB_SCHEMA_VERSION	1
#define DB_BUSY_TIMEOUT_MS	10000

struct sqlite3;

/*
 * Opens @path. @create: make the file (and run the migrations) if missing;
 * otherwise a missing file is an error naming `vgpu-admin init`.
 * @write: refuse a read-only file up front.
 */
int db_open(const char *path, int create, int write, struct sqlite3 **out,
	    FILE *err);
void db_close(struct sqlite3 *db);
/* The file's schema version (PRAGMA user_version). */
int db_version(struct sqlite3 *db);

struct db_pool {
	char letter;
	char description[256];
	unsigned int vms;
};

int db_pool_add(struct sqlite3 *db, char letter, const char *desc, FILE *err);
int db_pool_rm(struct sqlite3 *db, char letter, FILE *err);
/* Calls @fn for each pool in letter order. */
int db_pool_each(struct sqlite3 *db, void (*fn)(void *arg, const struct db_pool *p),
		 void *arg, FILE *err);

int db_vm_add(struct sqlite3 *db, const struct vm_conf *c, FILE *err);
/*
 * Reads the VM called @name, applies @n key/value pairs (vm_conf_set())
 * and writes it back, all in one transaction.
 */
int db_vm_set(struct sqlite3 *db, const char *name, int n, char **kv, FILE *err);
int db_vm_rm(struct sqlite3 *db, const char *name, FILE *err);
/* By name, or by UUID (lower case). ADMIN_E_NOTFOUND quietly if absent. */
int db_vm_get(struct sqlite3 *db, const char *name, struct vm_conf *c, FILE *err);
int db_vm_by_uuid(struct sqlite3 *db, const char *uuid, struct vm_conf *c, FILE *err);
/* Calls @fn for each VM in name order. */
int db_vm_each(struct sqlite3 *db, void (*fn)(void *arg, const struct vm_conf *c),
	       void *arg, FILE *err);

#endif
