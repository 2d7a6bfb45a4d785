// SPDX-License-Identifier: MIT
/*
 * vgpu-admin qemu-args: the -device vgpu-stub,... line for a VM from the
 * database (by name and by UUID), its JSON form, and the errors (unknown
 * VM, missing or extra argument, missing database). The spellings must be
 * ones the device's properties accept: qemu-vgpu-stub/vgpu-stub.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "admin_env.h"
#include "tools/admin/admin.h"

#define U1 "0b7c9b2e-1111-2222-3333-444455556666"
#define U2 "0b7c9b2e-1111-2222-3333-444455556667"

static void test_by_name_and_uuid(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "web1", U1, 101);
	assert_int_equal(adm(e, "qemu-args web1"), ADMIN_OK);
	assert_string_equal(e->out, "-device vgpu-stub,pool=A,priority=high,vm-id=101\n");
	assert_int_equal(adm(e, "qemu-args " U1), ADMIN_OK);
	assert_string_equal(e->out, "-device vgpu-stub,pool=A,priority=high,vm-id=101\n");
	/* Upper-case UUIDs are the same VM. */
	assert_int_equal(adm(e, "qemu-args 0B7C9B2E-1111-2222-3333-444455556666"), ADMIN_OK);
	assert_non_null(strstr(e->out, "vm-id=101"));
}

/* What vm set changes, qemu-args prints: pool letter, priority name. */
static void test_follows_the_database(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "batch", U2, 4294967295u);
	assert_int_equal(adm(e, "pool add Z"), ADMIN_OK);
	assert_int_equal(adm(e, "vm set batch pool Z priority low"), ADMIN_OK);
	assert_int_equal(adm(e, "qemu-args batch"), ADMIN_OK);
	assert_string_equal(e->out,
			    "-device vgpu-stub,pool=Z,priority=low,vm-id=4294967295\n");
	assert_int_equal(adm(e, "vm set batch priority medium"), ADMIN_OK);
	assert_int_equal(adm(e, "qemu-args batch"), ADMIN_OK);
	assert_non_null(strstr(e->out, ",priority=medium,"));
}

static void test_json(void **state)
{
	struct admin_env *e = *state;

	adm_vm(e, "web1", U1, 7);
	assert_int_equal(adm(e, "--json qemu-args web1"), ADMIN_OK);
	assert_string_equal(e->out, "{\"name\":\"web1\",\"args\":[\"-device\","
			    "\"vgpu-stub,pool=A,priority=high,vm-id=7\"]}\n");
	assert_int_equal(adm(e, "qemu-args web1 --json"), ADMIN_OK);
	assert_non_null(strstr(e->out, "\"args\":"));
}

static void test_errors(void **state)
{
	struct admin_env *e = *state;

	/* No database yet: the message names init. */
	assert_int_equal(adm(e, "qemu-args web1"), ADMIN_E_DB);
	assert_non_null(strstr(e->err, "vgpu-admin init"));
	adm_vm(e, "web1", U1, 7);
	assert_int_equal(adm(e, "qemu-args nosuch"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "no VM named nosuch"));
	assert_int_equal(adm(e, "qemu-args " U2), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "qemu-args"), ADMIN_E_USAGE);
	assert_non_null(strstr(e->err, "qemu-args needs NAME or UUID"));
	assert_int_equal(adm(e, "qemu-args web1 web2"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "qemu-args web1 --bogus"), ADMIN_E_USAGE);
	assert_string_equal(e->out, "");
	assert_int_equal(adm(e, "qemu-args --help"), ADMIN_OK);
	assert_non_null(strstr(e->out, "-device vgpu-stub"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, admin_env_setup, admin_env_teardown)
		T(test_by_name_and_uuid),
		T(test_follows_the_database),
		T(test_json),
		T(test_errors),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
