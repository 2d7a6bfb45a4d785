// SPDX-License-Identifier: MIT
/*
 * vgpu-admin: the database and the pool and vm commands, run in-process
 * on a temporary database: every subcommand, every bad input (each with
 * its exit status and a message naming the fix), schema versions, a
 * missing, foreign or read-only file, and two processes writing at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin_env.h"
#include "tools/admin/admin.h"

#define U1 "0b7c9b2e-1111-2222-3333-444455556666"
#define U2 "0b7c9b2e-1111-2222-3333-444455556667"
#define U3 "0b7c9b2e-1111-2222-3333-444455556668"

static void sql(const char *db, const char *stmt)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static int sql_int(const char *db, const char *query)
{
	sqlite3_stmt *st;
	sqlite3 *h;
	int v = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, query, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void test_init(void **state)
{
	struct admin_env *e = *state;
	char mode[16] = "";
	sqlite3_stmt *st;
	sqlite3 *h;

	assert_int_equal(adm(e, "init"), ADMIN_OK);
	assert_non_null(strstr(e->out, "schema version 1"));
	assert_int_equal(sql_int(e->db, "PRAGMA user_version"), 1);
	assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_string_equal(mode, "wal");
	/* Again: nothing changes. */
	assert_int_equal(adm(e, "init"), ADMIN_OK);
	assert_int_equal(adm(e, "pool list"), ADMIN_OK);
}

static void test_missing_db(void **state)
{
	struct admin_env *e = *state;

	assert_int_equal(adm(e, "pool list"), ADMIN_E_DB);
	assert_non_null(strstr(e->err, "vgpu-admin init"));
	assert_int_equal(adm(e, "vm add a --uuid " U1 " --pool A --priority high --vm-id 1"),
			 ADMIN_E_DB);
	assert_int_equal(access(e->db, F_OK), -1);	/* not created */
}

static void test_newer_schema(void **state)
{
	struct admin_env *e = *state;

	assert_int_equal(adm(e, "init"), 0);
	sql(e->db, "PRAGMA user_version = 99");
	assert_int_equal(adm(e, "pool list"), ADMIN_E_DB);
	assert_non_null(strstr(e->err, "schema version 99, newer"));
	assert_int_equal(adm(e, "init"), ADMIN_E_DB);
	assert_int_equal(sql_int(e->db, "PRAGMA user_version"), 99);
}

static void test_migrates_old_schema(void **state)
{
	struct admin_env *e = *state;

	sql(e->db, "CREATE TABLE unrelated (x)");	/* version 0 */
	assert_int_equal(adm(e, "pool add B"), ADMIN_OK);
	assert_int_equal(sql_int(e->db, "PRAGMA user_version"), 1);
	assert_int_equal(sql_int(e->db, "SELECT count(*) FROM pool"), 1);
}

static void test_not_a_database(void **state)
{
	struct admin_env *e = *state;
	FILE *f = fopen(e->db, "w");

	assert_non_null(f);
	fputs("this is not SQLite, but long enough to look at its header.......\n", f);
	fclose(f);
	assert_int_equal(adm(e, "pool list"), ADMIN_E_DB);
	assert_non_null(strstr(e->err, "not"));
}

static void test_read_only(void **state)
{
	struct admin_env *e = *state;
	int status;
	pid_t pid;

	assert_int_equal(adm(e, "init"), 0);
	assert_int_equal(adm(e, "pool add A"), 0);
	assert_int_equal(chmod(e->dir, 0755), 0);
	assert_int_equal(chmod(e->db, 0444), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Root writes anything: drop to nobody for the check. */
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(90);
		int rc = adm(e, "pool add B");

		_exit(rc == ADMIN_E_DB && strstr(e->err, "read-only") ? 0 : 91);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	chmod(e->db, 0644);
	assert_int_equal(sql_int(e->db, "SELECT count(*) FROM pool"), 1);
}

static void test_pool(void **state)
{
	struct admin_env *e = *state;

	assert_int_equal(adm(e, "init"), 0);
	assert_int_equal(adm(e, "pool add A --description first_GPU"), ADMIN_OK);
	assert_int_equal(adm(e, "pool add B"), ADMIN_OK);
	assert_int_equal(adm(e, "pool list"), ADMIN_OK);
	assert_non_null(strstr(e->out, "first GPU"));
	assert_int_equal(adm(e, "--json pool list"), ADMIN_OK);
	assert_string_equal(e->out,
			    "[{\"letter\":\"A\",\"description\":\"first GPU\",\"vms\":0},"
			    "{\"letter\":\"B\",\"description\":\"\",\"vms\":0}]\n");
	assert_int_equal(adm(e, "pool list --json"), ADMIN_OK);
	assert_non_null(strstr(e->out, "\"letter\":\"B\""));
	assert_int_equal(adm(e, "pool add A"), ADMIN_E_CONFLICT);
	assert_non_null(strstr(e->err, "pool A exists"));
	assert_int_equal(adm(e, "pool add a"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "pool add AB"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "pool add"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "pool rm C"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "no pool C"));
	assert_int_equal(adm(e, "vm add web1 --uuid " U1 " --pool B --priority low --vm-id 7"), 0);
	assert_int_equal(adm(e, "pool rm B"), ADMIN_E_CONFLICT);
	assert_non_null(strstr(e->err, "pool B still has VMs"));
	assert_int_equal(adm(e, "pool rm A"), ADMIN_OK);
	assert_int_equal(adm(e, "--json pool list"), ADMIN_OK);
	assert_string_equal(e->out, "[{\"letter\":\"B\",\"description\":\"\",\"vms\":1}]\n");
	assert_int_equal(adm(e, "pool frob"), ADMIN_E_USAGE);
}

static void test_vm_add_show_list(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "web1", U1, 101);
	assert_int_equal(adm(e, "vm add db2 --uuid 0B7C9B2E-1111-2222-3333-444455556667 --pool A "
			 "--priority=medium --vm-id 4294967295 --max-inflight 4 --max-queued 16 "
			 "--rate-limit 200 --rate-burst 50 --mem-quota 1G --backend drv1 --devid 2"),
			 ADMIN_OK);
	assert_int_equal(adm(e, "--json vm show db2"), ADMIN_OK);
	assert_string_equal(e->out,
			    "{\"name\":\"db2\",\"uuid\":\"" U2 "\",\"pool\":\"A\",\"priority\":\"medium\","
			    "\"vm_id\":4294967295,\"max_inflight\":4,\"max_queued\":16,\"rate_limit\":200,"
			    "\"rate_burst\":50,\"mem_quota\":1073741824,\"backend\":\"drv1\",\"devid\":2}\n");
	assert_int_equal(adm(e, "vm show web1"), ADMIN_OK);
	assert_non_null(strstr(e->out, "priority      high\n"));
	assert_non_null(strstr(e->out, "backend       0\n"));
	assert_int_equal(adm(e, "vm list"), ADMIN_OK);
	assert_non_null(strstr(e->out, "db2 "));
	assert_non_null(strstr(e->out, "web1 "));
	assert_int_equal(adm(e, "vm list --json"), ADMIN_OK);
	assert_true(e->out[0] == '[');
	assert_non_null(strstr(e->out, "},{\"name\":\"web1\""));
	assert_int_equal(adm(e, "vm show nosuch"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "no VM named nosuch"));
}

static void test_vm_add_bad_input(void **state)
{
	struct admin_env *e = *state;
	static const struct {
		const char *args;
		int rc;
		const char *msg;
	} cases[] = {
		{ "vm add x --uuid " U2 " --pool C --priority high --vm-id 2", ADMIN_E_NOTFOUND, "no pool C" },
		{ "vm add web1 --uuid " U2 " --pool A --priority high --vm-id 2", ADMIN_E_CONFLICT, "named web1 exists" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 101", ADMIN_E_CONFLICT, "vm-id 101" },
		{ "vm add x --uuid " U1 " --pool A --priority high --vm-id 2", ADMIN_E_CONFLICT, "registered already" },
		{ "vm add x --uuid " U2 " --pool A --priority urgent --vm-id 2", ADMIN_E_USAGE, "not high, medium or low" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 0", ADMIN_E_USAGE, "vm-id '0'" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 4294967296", ADMIN_E_USAGE, "1..4294967295" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --max-inflight -1", ADMIN_E_USAGE, "max-inflight" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --max-queued 4294967296", ADMIN_E_USAGE, "max-queued" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --rate-limit 1e3", ADMIN_E_USAGE, "rate-limit" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --rate-burst 16777217", ADMIN_E_USAGE, "rate-burst" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --mem-quota 9E", ADMIN_E_USAGE, "mem-quota" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --mem-quota 16777216T", ADMIN_E_USAGE, "mem-quota" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --backend 40000", ADMIN_E_USAGE, "backend" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --devid 256", ADMIN_E_USAGE, "devid" },
		{ "vm add x --uuid not-a-uuid --pool A --priority high --vm-id 2", ADMIN_E_USAGE, "UUID" },
		{ "vm add 1x --uuid " U2 " --pool A --priority high --vm-id 2", ADMIN_E_USAGE, "name" },
		{ "vm add x --uuid " U2 " --pool A --priority high", ADMIN_E_USAGE, "needs NAME" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id 2 --frob 1", ADMIN_E_USAGE, "unknown option" },
		{ "vm add x --uuid " U2 " --pool A --priority high --vm-id", ADMIN_E_USAGE, "needs a value" },
		{ "vm add x y --uuid " U2 " --pool A --priority high --vm-id 2", ADMIN_E_USAGE, "unexpected" },
	};

	adm_vm(e, "web1", U1, 101);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = adm(e, cases[i].args);

		if (rc != cases[i].rc || !strstr(e->err, cases[i].msg))
			fail_msg("'%s': status %d (want %d), message '%s' (want '%s')",
				 cases[i].args, rc, cases[i].rc, e->err, cases[i].msg);
		/* One line. */
		assert_ptr_equal(strchr(e->err, '\n'), e->err + strlen(e->err) - 1);
	}
	assert_int_equal(adm(e, "--json vm list"), 0);
	assert_null(strstr(e->out, "\"name\":\"x\""));
}

static void test_vm_set(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "web1", U1, 101);
	adm_vm(e, "web2", U2, 102);
	assert_int_equal(adm(e, "pool add B"), 0);
	assert_int_equal(adm(e, "vm set web1 priority low rate-limit 300 mem-quota 512M pool B"), 0);
	assert_int_equal(adm(e, "--json vm show web1"), 0);
	assert_non_null(strstr(e->out, "\"pool\":\"B\",\"priority\":\"low\""));
	assert_non_null(strstr(e->out, "\"rate_limit\":300"));
	assert_non_null(strstr(e->out, "\"mem_quota\":536870912"));
	assert_int_equal(adm(e, "vm set web1 name front1 vm-id 111 backend 3 max-inflight 8 "
			 "max-queued 9 rate-burst 10 devid 1"), 0);
	assert_int_equal(adm(e, "vm show web1"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "--json vm show front1"), 0);
	assert_string_equal(e->out,
			    "{\"name\":\"front1\",\"uuid\":\"" U1 "\",\"pool\":\"B\",\"priority\":\"low\","
			    "\"vm_id\":111,\"max_inflight\":8,\"max_queued\":9,\"rate_limit\":300,"
			    "\"rate_burst\":10,\"mem_quota\":536870912,\"backend\":\"3\",\"devid\":1}\n");

	assert_int_equal(adm(e, "vm set web2 vm-id 111"), ADMIN_E_CONFLICT);
	assert_int_equal(adm(e, "vm set web2 name front1"), ADMIN_E_CONFLICT);
	assert_int_equal(adm(e, "vm set web2 pool Q"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "vm set web2 priority urgent"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "vm set web2 uuid " U3), ADMIN_E_USAGE);
	assert_non_null(strstr(e->err, "not a key"));
	assert_int_equal(adm(e, "vm set web2 priority"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "vm set nosuch priority low"), ADMIN_E_NOTFOUND);
	/* A failed set changes nothing, not even its valid pairs. */
	assert_int_equal(adm(e, "vm set web2 priority low vm-id 111"), ADMIN_E_CONFLICT);
	assert_int_equal(adm(e, "vm show web2"), 0);
	assert_non_null(strstr(e->out, "priority      high\n"));
}

static void test_vm_rm(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "web1", U1, 101);
	assert_int_equal(adm(e, "vm rm web1"), 0);
	assert_int_equal(adm(e, "vm rm web1"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "vm rm"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "pool rm A"), 0);
	/* The vm-id and UUID are free again. */
	adm_vm(e, "web9", U1, 101);
}

static void test_help_and_usage(void **state)
{
	struct admin_env *e = *state;
	static const char *const helps[] = {
		"--help", "init --help", "pool --help", "pool add --help", "vm --help",
		"vm set --help", "attach --help", "detach --help", "apply --help",
		"watch --help", "status --help", "top --help", "inventory --help",
		"doctor --help",
	};

	for (unsigned int i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (adm(e, helps[i]) != ADMIN_OK || !strstr(e->out, "usage"))
			fail_msg("'%s' gave no usage: %s", helps[i], e->out);
	}
	assert_int_equal(adm(e, ""), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "frobnicate"), ADMIN_E_USAGE);
	assert_non_null(strstr(e->err, "unknown command 'frobnicate'"));
	assert_int_equal(adm(e, "--bogus pool list"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "pool"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "vm"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "vm frob"), ADMIN_E_USAGE);
}

#define LOOPS 40

/* One writer: adds its VMs and flips its first VM's priority each time. */
static int writer(struct admin_env *e, int who)
{
	char cmd[256];

	for (int i = 0; i < LOOPS; i++) {
		snprintf(cmd, sizeof(cmd),
			 "vm add w%d-%d --uuid %08d-0000-0000-0000-%012d --pool A --priority low --vm-id %d",
			 who, i, who, i, 1000 * (who + 1) + i);
		if (adm(e, cmd))
			return 1;
		snprintf(cmd, sizeof(cmd), "vm set w%d-0 rate-limit %d", who, i + 1);
		if (adm(e, cmd))
			return 2;
	}
	return 0;
}

static void test_concurrent_writers(void **state)
{
	struct admin_env *e = *state;
	pid_t pid[2];
	int status;

	assert_int_equal(adm(e, "init"), 0);
	assert_int_equal(adm(e, "pool add A"), 0);
	for (int w = 0; w < 2; w++) {
		pid[w] = fork();
		assert_true(pid[w] >= 0);
		if (pid[w] == 0)
			_exit(writer(e, w));
	}
	for (int w = 0; w < 2; w++) {
		assert_int_equal(waitpid(pid[w], &status, 0), pid[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(sql_int(e->db, "SELECT count(*) FROM vm"), 2 * LOOPS);
	assert_int_equal(sql_int(e->db, "SELECT rate_limit FROM vm WHERE name = 'w0-0'"), LOOPS);
	assert_int_equal(sql_int(e->db, "SELECT rate_limit FROM vm WHERE name = 'w1-0'"), LOOPS);
	assert_int_equal(sql_int(e->db, "SELECT count(DISTINCT vm_id) FROM vm"), 2 * LOOPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, admin_env_setup, admin_env_teardown)
		T(test_init),
		T(test_missing_db),
		T(test_newer_schema),
		T(test_migrates_old_schema),
		T(test_not_a_database),
		T(test_read_only),
		T(test_pool),
		T(test_vm_add_show_list),
		T(test_vm_add_bad_input),
		T(test_vm_set),
		T(test_vm_rm),
		T(test_help_and_usage),
		T(test_concurrent_writers),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
