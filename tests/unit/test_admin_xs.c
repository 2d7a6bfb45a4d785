// SPDX-License-Identifier: MIT
/*
 * vgpu-admin attach, detach, apply and watch on the fake libxenstore and
 * libxenctrl (tests/sim/xen_fake.h): the tree and permissions a device
 * gets, a backend in a driver domain, nothing half-written when a write
 * fails, a domain vanishes or xenstore keeps saying EAGAIN, xenstore or
 * libxenctrl unavailable, and the watcher's attach and clean-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "admin_env.h"
#include "tests/sim/xen_fake.h"
#include "tools/admin/admin.h"

#define U1 "0b7c9b2e-1111-2222-3333-444455556666"
#define U2 "0b7c9b2e-1111-2222-3333-444455556667"
#define U3 "0b7c9b2e-1111-2222-3333-444455556668"
#define UDRV "0b7c9b2e-1111-2222-3333-4444555566ff"

#define FE5 "/local/domain/5/device/vgpu/0"
#define BE5 "/local/domain/0/backend/vgpu/5/0"

static void assert_key(const char *path, const char *want)
{
	char *v = fake_xs_read(path);

	if (!v || strcmp(v, want) != 0)
		fail_msg("%s = '%s', want '%s'", path, v ? v : "(missing)", want);
	free(v);
}

static void assert_perms(const char *path, unsigned int owner, unsigned int reader)
{
	struct xs_permissions p[8];
	int n = fake_xs_perms(path, p, 8);

	if (n != 2 || p[0].id != owner || p[0].perms != XS_PERM_NONE ||
	    p[1].id != reader || p[1].perms != XS_PERM_READ)
		fail_msg("%s: %d perms, owner %u/%u, then %u/%u; want owner %u, %u may read",
			 path, n, n > 0 ? p[0].id : 0, n > 0 ? p[0].perms : 0,
			 n > 1 ? p[1].id : 0, n > 1 ? p[1].perms : 0, owner, reader);
}

/* Neither directory of domain @d's device exists. */
static void assert_no_device(unsigned int d, unsigned int be)
{
	char fe[64], bep[64];

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vgpu", d);
	snprintf(bep, sizeof(bep), "/local/domain/%u/backend/vgpu/%u", be, d);
	assert_int_equal(fake_xs_count(fe), 0);
	assert_int_equal(fake_xs_count(bep), 0);
}

static void web1_running(struct admin_env *e)
{
	adm_vm(e, "web1", U1, 101);
	assert_int_equal(adm(e, "vm set web1 max-inflight 4 rate-limit 200 mem-quota 1G"), 0);
	assert_int_equal(fake_xen_add_domain(5, "web1-xen", U1), 0);
}

static void test_attach_tree_and_perms(void **state)
{
	struct admin_env *e = *state;
	static const char *const fe_keys[] = { "backend", "backend-id", "state" };
	static const char *const be_keys[] = {
		"frontend", "frontend-id", "online", "state", "pool", "priority", "vm-id",
		"max-inflight", "max-queued", "rate-limit", "mem-quota",
	};
	char path[128];

	web1_running(e);
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_non_null(strstr(e->out, "attached web1: domain 5 device 0, backend domain 0"));
	assert_key(FE5 "/backend", BE5);
	assert_key(FE5 "/backend-id", "0");
	assert_key(FE5 "/state", "1");
	assert_key(BE5 "/frontend", FE5);
	assert_key(BE5 "/frontend-id", "5");
	assert_key(BE5 "/online", "1");
	assert_key(BE5 "/state", "1");
	assert_key(BE5 "/pool", "A");
	assert_key(BE5 "/priority", "high");
	assert_key(BE5 "/vm-id", "101");
	assert_key(BE5 "/max-inflight", "4");
	assert_key(BE5 "/max-queued", "0");
	assert_key(BE5 "/rate-limit", "200");
	assert_key(BE5 "/mem-quota", "1073741824");
	/* Exactly these: the directory and its keys. */
	assert_int_equal(fake_xs_count(FE5), 1 + 3);
	assert_int_equal(fake_xs_count(BE5), 1 + 11);
	/* The guest owns its frontend, Dom0 reads it; Dom0 owns the backend,
	 * the guest only reads it. */
	assert_perms(FE5, 5, 0);
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), FE5 "/%s", fe_keys[i]);
		assert_perms(path, 5, 0);
	}
	assert_perms(BE5, 0, 5);
	for (unsigned int i = 0; i < 11; i++) {
		snprintf(path, sizeof(path), BE5 "/%s", be_keys[i]);
		assert_perms(path, 0, 5);
	}
}

static void test_attach_by_domid_and_uuid(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	assert_int_equal(adm(e, "attach 5 --devid 3"), ADMIN_OK);
	assert_key("/local/domain/0/backend/vgpu/5/3/vm-id", "101");
	assert_int_equal(adm(e, "detach 5"), ADMIN_OK);
	assert_no_device(5, 0);
	assert_int_equal(adm(e, "attach " U1), ADMIN_OK);
	assert_key(BE5 "/vm-id", "101");
	assert_int_equal(adm(e, "detach web1-xen"), ADMIN_OK);	/* the Xen name */
	assert_no_device(5, 0);
}

static void test_attach_errors(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	adm_vm(e, "web2", U2, 102);			/* registered, not running */
	assert_int_equal(fake_xen_add_domain(6, "stranger", U3), 0);	/* running, not registered */

	assert_int_equal(adm(e, "attach web2"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "VM web2 (UUID " U2 ") is not running"));
	assert_int_equal(adm(e, "attach stranger"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "is not registered: vgpu-admin vm add NAME --uuid " U3));
	assert_int_equal(adm(e, "attach 6"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "attach 77"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "no domain 77 is running"));
	assert_int_equal(adm(e, "attach nosuch"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "attach " U2), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "attach web1 --devid 256"), ADMIN_E_USAGE);
	assert_int_equal(adm(e, "attach"), ADMIN_E_USAGE);
	assert_no_device(5, 0);
	assert_no_device(6, 0);

	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_CONFLICT);
	assert_non_null(strstr(e->err, "already"));
	assert_int_equal(adm(e, "detach web1"), ADMIN_OK);
	assert_int_equal(adm(e, "detach web1"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "detach web2"), ADMIN_E_NOTFOUND);
}

static void test_backend_in_driver_domain(void **state)
{
	struct admin_env *e = *state;
	const char *fe = FE5, *be = "/local/domain/7/backend/vgpu/5/0";
	char path[128];

	web1_running(e);
	assert_int_equal(adm(e, "vm set web1 backend gpudrv"), 0);
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "backend domain gpudrv of VM web1 is not running"));
	assert_no_device(5, 0);

	assert_int_equal(fake_xen_add_domain(7, "gpudrv", UDRV), 0);
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_key(FE5 "/backend", be);
	assert_key(FE5 "/backend-id", "7");
	snprintf(path, sizeof(path), "%s/frontend-id", be);
	assert_key(path, "5");
	snprintf(path, sizeof(path), "%s/priority", be);
	assert_key(path, "high");
	assert_perms(fe, 5, 7);
	assert_perms(be, 7, 5);
	assert_perms(path, 7, 5);
	assert_int_equal(fake_xs_count("/local/domain/0/backend"), 0);
	/* By domid too. */
	assert_int_equal(adm(e, "detach web1"), ADMIN_OK);
	assert_no_device(5, 7);
	assert_int_equal(adm(e, "vm set web1 backend 7"), 0);
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_key(FE5 "/backend-id", "7");
}

/*
 * A guest that runs before its driver domain: the watcher's pass reports
 * the missing backend and writes nothing; the pass after the driver
 * domain appears (its own @introduceDomain) attaches the guest there.
 */
static void test_watch_guest_before_driver_domain(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	assert_int_equal(adm(e, "vm set web1 backend gpudrv"), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "backend domain gpudrv of VM web1 is not running"));
	assert_no_device(5, 0);

	assert_int_equal(fake_xen_add_domain(7, "gpudrv", UDRV), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_key(FE5 "/backend", "/local/domain/7/backend/vgpu/5/0");
	assert_key(FE5 "/backend-id", "7");
	assert_key("/local/domain/7/backend/vgpu/5/0/priority", "high");
	/* Idempotent: the next pass leaves the device alone. */
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_int_equal(fake_xs_count("/local/domain/0/backend"), 0);
}

/*
 * The driver domain destroyed and started again with a new domid: its tree
 * took the guest's backend directory with it, the guest's frontend
 * directory still names it. The watcher's pass replaces the device, for
 * the new domid, in one transaction; a device it finds complete it leaves
 * alone. A frontend directory the guest wrote itself (a hostile backend
 * path) is replaced the same way: the paths come from domids only.
 */
static void test_watch_driver_domain_restarted(void **state)
{
	struct admin_env *e = *state;
	const char *be9 = "/local/domain/9/backend/vgpu/5/0";
	char path[128];

	web1_running(e);
	assert_int_equal(adm(e, "vm set web1 backend gpudrv"), 0);
	assert_int_equal(fake_xen_add_domain(7, "gpudrv", UDRV), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_key(FE5 "/backend-id", "7");

	fake_xen_remove_domain(7);
	assert_int_equal(fake_xen_add_domain(9, "gpudrv", UDRV), 0);
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_CONFLICT);	/* the CLI stays strict */
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_non_null(strstr(e->out, "re-attached web1: domain 5 device 0, backend domain 9"));
	assert_key(FE5 "/backend", be9);
	assert_key(FE5 "/backend-id", "9");
	snprintf(path, sizeof(path), "%s/priority", be9);
	assert_key(path, "high");
	assert_perms(FE5, 5, 9);
	assert_perms(be9, 9, 5);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_null(strstr(e->out, "attached"));

	/* web1 again, as domain 6, writes its own device before it is attached. */
	fake_xen_remove_domain(5);
	assert_int_equal(fake_xen_add_domain(6, "web1", U1), 0);
	assert_int_equal(fake_xs_write("/local/domain/6/device/vgpu/0/backend",
				       "/local/domain/0/backend/vgpu/7/0"), 0);
	assert_int_equal(fake_xs_write("/local/domain/6/device/vgpu/0/extra", "x"), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_non_null(strstr(e->out, "re-attached web1: domain 6 device 0, backend domain 9"));
	assert_key("/local/domain/6/device/vgpu/0/backend", "/local/domain/9/backend/vgpu/6/0");
	assert_null(fake_xs_read("/local/domain/6/device/vgpu/0/extra"));
	assert_int_equal(fake_xs_count("/local/domain/9/backend/vgpu/5"), 0);	/* 5 is gone */
	assert_int_equal(fake_xs_count("/local/domain/0/backend"), 0);
}

static void test_xen_unavailable(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	fake_xs_unavailable = 1;
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_XEN);
	assert_non_null(strstr(e->err, "cannot reach xenstore"));
	assert_int_equal(adm(e, "detach web1"), ADMIN_E_XEN);
	assert_int_equal(adm(e, "apply"), ADMIN_E_XEN);
	assert_int_equal(adm(e, "watch --once"), ADMIN_E_XEN);
	fake_xs_unavailable = 0;
	fake_xc_unavailable = 1;
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_XEN);
	assert_non_null(strstr(e->err, "libxenctrl"));
	fake_xc_unavailable = 0;
	assert_no_device(5, 0);
}

/* Every write position of an attach fails once: nothing is left behind. */
static void test_failed_write_leaves_nothing(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	for (int at = 1; at <= 14; at++) {
		fake_xs_fail_write_at = at;
		assert_int_equal(adm(e, "attach web1"), ADMIN_E_XEN);
		assert_non_null(strstr(e->err, "nothing was written"));
		assert_no_device(5, 0);
	}
	fake_xs_fail_write_at = 0;
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
}

static void vanish(void *arg)
{
	(void)arg;
	fake_xen_remove_domain(5);
}

static void test_domain_vanishes(void **state)
{
	struct admin_env *e = *state;
	unsigned int commits;

	web1_running(e);
	/* Looked up, then gone before the transaction commits: its commit
	 * fails (EAGAIN), the retry finds no domain. */
	fake_xs_tx_hook = vanish;
	commits = fake_xs_commits;
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_NOTFOUND);
	assert_non_null(strstr(e->err, "went away before attach: nothing was written"));
	assert_int_equal(fake_xs_commits, commits);
	assert_no_device(5, 0);
}

static void test_eagain_retried(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	fake_xs_eagain = 3;
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_key(BE5 "/vm-id", "101");
	assert_int_equal(adm(e, "detach web1"), ADMIN_OK);
	fake_xs_eagain = 1000;	/* never gets through */
	assert_int_equal(adm(e, "attach web1"), ADMIN_E_XEN);
	assert_no_device(5, 0);
	fake_xs_eagain = 0;
}

static void test_apply(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	adm_vm(e, "web2", U2, 102);		/* not running */
	assert_int_equal(adm(e, "attach web1"), ADMIN_OK);
	assert_int_equal(adm(e, "apply web1"), ADMIN_OK);
	assert_non_null(strstr(e->out, "web1: domain 5, 0 values changed"));
	assert_int_equal(adm(e, "vm set web1 priority low max-queued 8"), 0);
	assert_key(BE5 "/priority", "high");	/* the database only */
	assert_int_equal(adm(e, "apply"), ADMIN_OK);
	assert_non_null(strstr(e->out, "web1: domain 5, 2 values changed"));
	assert_non_null(strstr(e->out, "web2: not running"));
	assert_key(BE5 "/priority", "low");
	assert_key(BE5 "/max-queued", "8");
	assert_key(BE5 "/state", "1");		/* the backend's key untouched */
	assert_perms(BE5 "/priority", 0, 5);
	assert_int_equal(adm(e, "apply nosuch"), ADMIN_E_NOTFOUND);
	assert_int_equal(adm(e, "detach web1"), ADMIN_OK);
	assert_int_equal(adm(e, "apply web1"), ADMIN_OK);
	assert_non_null(strstr(e->out, "not attached"));
	assert_no_device(5, 0);
}

/* A guest rewrites its frontend's backend path: detach and apply ignore it. */
static void test_guest_written_backend_path_ignored(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	adm_vm(e, "web2", U2, 102);
	assert_int_equal(fake_xen_add_domain(6, "web2", U2), 0);
	assert_int_equal(adm(e, "attach web1"), 0);
	assert_int_equal(adm(e, "attach web2"), 0);
	assert_int_equal(fake_xs_write(FE5 "/backend", "/local/domain/0/backend/vgpu/6/0"), 0);
	assert_int_equal(adm(e, "vm set web1 priority low"), 0);
	assert_int_equal(adm(e, "apply web1"), 0);
	assert_key("/local/domain/0/backend/vgpu/6/0/priority", "high");
	assert_int_equal(adm(e, "detach web1"), 0);
	assert_key("/local/domain/0/backend/vgpu/6/0/vm-id", "102");
}

static void test_watch_once(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	adm_vm(e, "web2", U2, 102);
	assert_int_equal(adm(e, "vm set web2 devid 2"), 0);
	assert_int_equal(fake_xen_add_domain(6, "web2", U2), 0);
	assert_int_equal(fake_xen_add_domain(9, "stranger", U3), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_key(BE5 "/vm-id", "101");
	assert_key("/local/domain/0/backend/vgpu/6/2/vm-id", "102");
	assert_no_device(9, 0);
	/* Attached ones are left alone. */
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_null(strstr(e->out, "attached"));

	/* Destroyed: the toolstack removes /local/domain/5, not our backend dir. */
	fake_xen_remove_domain(5);
	assert_int_equal(fake_xs_count("/local/domain/0/backend/vgpu/5"), 12 + 1);
	fake_xen_set_dying(6);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_non_null(strstr(e->out, "domain 5 is gone"));
	assert_int_equal(fake_xs_count("/local/domain/0/backend/vgpu/5"), 0);
	assert_int_equal(fake_xs_count("/local/domain/0/backend/vgpu/6"), 0);

	/* Created again with a new domid: attached again with the same values. */
	assert_int_equal(fake_xen_add_domain(11, "web1-xen", U1), 0);
	assert_int_equal(adm(e, "watch --once"), ADMIN_OK);
	assert_key("/local/domain/0/backend/vgpu/11/0/vm-id", "101");
	assert_key("/local/domain/0/backend/vgpu/11/0/rate-limit", "200");
}

/* The daemon: each watch event is a pass; it ends when xenstore goes. */
static void test_watch_daemon(void **state)
{
	struct admin_env *e = *state;

	web1_running(e);
	assert_int_equal(adm(e, "watch"), ADMIN_E_XEN);	/* the fake's events run out */
	assert_non_null(strstr(e->out, "watching @introduceDomain and @releaseDomain"));
	assert_non_null(strstr(e->out, "attached web1: domain 5"));
	assert_non_null(strstr(e->err, "lost the xenstore connection"));
	assert_key(BE5 "/vm-id", "101");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, admin_env_setup, admin_env_teardown)
		T(test_attach_tree_and_perms),
		T(test_attach_by_domid_and_uuid),
		T(test_attach_errors),
		T(test_backend_in_driver_domain),
		T(test_watch_guest_before_driver_domain),
		T(test_watch_driver_domain_restarted),
		T(test_xen_unavailable),
		T(test_failed_write_leaves_nothing),
		T(test_domain_vanishes),
		T(test_eagain_retried),
		T(test_apply),
		T(test_guest_written_backend_path_ignored),
		T(test_watch_once),
		T(test_watch_daemon),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
