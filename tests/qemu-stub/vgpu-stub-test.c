/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest cases for the vgpu-stub PCI device (qemu-vgpu-stub/vgpu-stub.c).
 *
 * Built inside the QEMU tree like QEMU's own tests/qtest programs (linked
 * with libqtest and libqos) by qemu-vgpu-stub/build.sh; run by
 * tests/qemu-stub/run.sh with QTEST_QEMU_BINARY set. Each case starts its
 * own QEMU (-accel qtest) and reads the device through the PC's PCI bus,
 * as a guest would: config space, then BAR0.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qapi/qmp/qdict.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"

#define STUB_VENDOR     0x1af4
#define STUB_DEVICE     0x10f7
#define STUB_CLASS      0x1200

#define REG_MAGIC       0x000
#define REG_VERSION     0x004
#define REG_POOL        0x008
#define REG_PRIORITY    0x00c
#define REG_VM_ID       0x010
#define REG_FEATURES    0x014
#define BAR_SIZE        0x1000

#define MAGIC           0x55504756u
#define LAYOUT          0x00010000u
#define F_IDENTITY      0x1u

static const uint32_t reg_offsets[] = {
    REG_MAGIC, REG_VERSION, REG_POOL, REG_PRIORITY, REG_VM_ID, REG_FEATURES,
};

typedef struct Stub {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t bar_size;
} Stub;

static void find_stub(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice **found = data;

    g_assert_null(*found);      /* exactly one */
    *found = dev;
}

/* Starts QEMU with -device vgpu-stub,PROPS (and EXTRA); maps BAR0. */
static void stub_start(Stub *s, const char *props, const char *extra)
{
    s->qts = qtest_initf("-machine pc -nodefaults -device vgpu-stub,%s %s",
                         props, extra ? extra : "");
    s->bus = qpci_new_pc(s->qts, NULL);
    s->dev = NULL;
    qpci_device_foreach(s->bus, STUB_VENDOR, STUB_DEVICE, find_stub, &s->dev);
    g_assert_nonnull(s->dev);
    qpci_device_enable(s->dev);
    s->bar = qpci_iomap(s->dev, 0, &s->bar_size);
}

static void stub_stop(Stub *s)
{
    g_free(s->dev);
    qpci_free_pc(s->bus);
    qtest_quit(s->qts);
}

static uint32_t rd(Stub *s, uint64_t off)
{
    return qpci_io_readl(s->dev, s->bar, off);
}

static void test_pci_config(void)
{
    Stub s;

    stub_start(&s, "pool=A,priority=high,vm-id=1", NULL);
    g_assert_cmphex(qpci_config_readw(s.dev, PCI_VENDOR_ID), ==, STUB_VENDOR);
    g_assert_cmphex(qpci_config_readw(s.dev, PCI_DEVICE_ID), ==, STUB_DEVICE);
    g_assert_cmphex(qpci_config_readw(s.dev, PCI_CLASS_DEVICE), ==,
                    STUB_CLASS);
    g_assert_cmphex(qpci_config_readb(s.dev, PCI_REVISION_ID), ==, 1);
    /* QEMU's defaults, which the device keeps. */
    g_assert_cmphex(qpci_config_readw(s.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    g_assert_cmphex(qpci_config_readw(s.dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_cmphex(qpci_config_readb(s.dev, PCI_INTERRUPT_PIN), ==, 0);
    /* BAR0: 32-bit memory, not prefetchable, 4 KiB; no BAR1. */
    g_assert_cmphex(qpci_config_readl(s.dev, PCI_BASE_ADDRESS_0) & 0xf, ==, 0);
    g_assert_cmpuint(s.bar_size, ==, BAR_SIZE);
    g_assert_cmphex(qpci_config_readl(s.dev, PCI_BASE_ADDRESS_1), ==, 0);
    stub_stop(&s);
}

static void test_registers(void)
{
    Stub s;

    stub_start(&s, "pool=B,priority=low,vm-id=101", NULL);
    g_assert_cmphex(rd(&s, REG_MAGIC), ==, MAGIC);
    g_assert_cmphex(rd(&s, REG_VERSION), ==, LAYOUT);
    g_assert_cmpuint(rd(&s, REG_POOL), ==, 1);
    g_assert_cmpuint(rd(&s, REG_PRIORITY), ==, 2);
    g_assert_cmpuint(rd(&s, REG_VM_ID), ==, 101);
    g_assert_cmphex(rd(&s, REG_FEATURES), ==, F_IDENTITY);
    stub_stop(&s);
}

/* One accepted combination: the three spellings and what they read as. */
typedef struct Combo {
    const char *pool;
    uint32_t pool_reg;
    const char *prio;
    uint32_t prio_reg;
    const char *vm_id;
    uint32_t vm_id_reg;
} Combo;

static void test_combo(const void *data)
{
    const Combo *c = data;
    g_autofree char *props = g_strdup_printf("pool=%s,priority=%s,vm-id=%s",
                                             c->pool, c->prio, c->vm_id);
    Stub s;

    stub_start(&s, props, NULL);
    g_assert_cmpuint(rd(&s, REG_POOL), ==, c->pool_reg);
    g_assert_cmpuint(rd(&s, REG_PRIORITY), ==, c->prio_reg);
    g_assert_cmpuint(rd(&s, REG_VM_ID), ==, c->vm_id_reg);
    g_assert_cmphex(rd(&s, REG_MAGIC), ==, MAGIC);
    g_assert_cmphex(rd(&s, REG_FEATURES), ==, F_IDENTITY);
    stub_stop(&s);
}

/* Refused at realize: QEMU exits 1 and says why on stderr. */
typedef struct Bad {
    const char *name;
    const char *props;
    const char *message;
} Bad;

static const Bad bad_cases[] = {
    { "no-pool", "priority=high,vm-id=1", "property 'pool' is required" },
    { "no-priority", "pool=A,vm-id=1", "property 'priority' is required" },
    { "no-vm-id", "pool=A,priority=high", "property 'vm-id' is required" },
    { "pool-two-letters", "pool=AA,priority=high,vm-id=1",
      "pool 'AA' is not a pool" },
    { "pool-lower-case", "pool=a,priority=high,vm-id=1",
      "pool 'a' is not a pool" },
    { "pool-26", "pool=26,priority=high,vm-id=1", "pool '26' is not a pool" },
    { "pool-negative", "pool=-1,priority=high,vm-id=1",
      "pool '-1' is not a pool" },
    { "pool-empty", "pool=,priority=high,vm-id=1", "pool '' is not a pool" },
    { "priority-word", "pool=A,priority=urgent,vm-id=1",
      "priority 'urgent' is not a priority" },
    { "priority-3", "pool=A,priority=3,vm-id=1",
      "priority '3' is not a priority" },
    { "priority-upper-case", "pool=A,priority=HIGH,vm-id=1",
      "priority 'HIGH' is not a priority" },
    { "vm-id-0", "pool=A,priority=high,vm-id=0", "vm-id '0' is not a vm-id" },
    { "vm-id-2^32", "pool=A,priority=high,vm-id=4294967296",
      "vm-id '4294967296' is not a vm-id" },
    { "vm-id-trailing", "pool=A,priority=high,vm-id=12x",
      "vm-id '12x' is not a vm-id" },
    { "vm-id-hex", "pool=A,priority=high,vm-id=0x10",
      "vm-id '0x10' is not a vm-id" },
    { "vm-id-negative", "pool=A,priority=high,vm-id=-5",
      "vm-id '-5' is not a vm-id" },
    { "vm-id-space", "pool=A,priority=high,vm-id= 7",
      "vm-id ' 7' is not a vm-id" },
};

static void test_bad(const void *data)
{
    const Bad *b = data;
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *dev = g_strdup_printf("vgpu-stub,%s", b->props);
    /*
     * timeout(1) ends a QEMU that wrongly accepted the properties (it would
     * wait at -S forever); that shows as exit status 124, not 1.
     */
    const char *argv[] = {
        "timeout", "60", qemu, "-machine", "pc", "-accel", "qtest",
        "-nodefaults", "-display", "none", "-S", "-device", dev, NULL,
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_nonnull(qemu);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, &out, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 1 || !strstr(err, b->message)) {
        g_test_message("%s: exit status %d, stderr: %s", b->props,
                       WEXITSTATUS(status), err);
    }
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, b->message));
    g_assert_nonnull(strstr(err, "-device vgpu-stub,"));
}

static bool is_register(uint32_t off)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(reg_offsets); i++) {
        if (reg_offsets[i] == off) {
            return true;
        }
    }
    return false;
}

/* Every 32-bit slot of BAR0 that is not a register reads 0. */
static void test_undefined_offsets(void)
{
    Stub s;
    uint32_t off;

    stub_start(&s, "pool=Z,priority=medium,vm-id=4294967295", NULL);
    for (off = 0; off < BAR_SIZE; off += 4) {
        if (!is_register(off)) {
            g_assert_cmphex(rd(&s, off), ==, 0);
        }
    }
    stub_stop(&s);
}

/*
 * Only aligned 32-bit accesses reach the device: 1- and 2-byte reads and
 * misaligned 4-byte reads give 0 (QEMU's memory core refuses them). An
 * 8-byte read through the address-space API is split by the core into two
 * 32-bit reads (a CPU's 8-byte load is refused instead).
 */
static void test_access_sizes(void)
{
    Stub s;
    size_t i;
    uint32_t off;
    uint64_t base;

    stub_start(&s, "pool=C,priority=low,vm-id=77", NULL);
    base = s.bar.addr;
    for (i = 0; i < ARRAY_SIZE(reg_offsets); i++) {
        off = reg_offsets[i];
        g_assert_cmphex(qtest_readb(s.qts, base + off), ==, 0);
        g_assert_cmphex(qtest_readb(s.qts, base + off + 3), ==, 0);
        g_assert_cmphex(qtest_readw(s.qts, base + off), ==, 0);
        g_assert_cmphex(qtest_readw(s.qts, base + off + 2), ==, 0);
        g_assert_cmphex(qtest_readl(s.qts, base + off + 1), ==, 0);
        g_assert_cmphex(qtest_readl(s.qts, base + off + 2), ==, 0);
        g_assert_cmphex(qtest_readl(s.qts, base + off + 3), ==, 0);
    }
    g_assert_cmphex(qtest_readq(s.qts, base + REG_POOL), ==,
                    2ull | (2ull << 32));
    g_assert_cmphex(qtest_readq(s.qts, base + REG_MAGIC), ==,
                    MAGIC | ((uint64_t)LAYOUT << 32));
    /* Aligned 32-bit reads still work after all that. */
    g_assert_cmpuint(rd(&s, REG_VM_ID), ==, 77);
    stub_stop(&s);
}

/* Writes change nothing and are logged as guest errors. */
static void test_read_only(void)
{
    g_autofree char *dir = g_dir_make_tmp("vgpu-stub-test-XXXXXX", NULL);
    g_autofree char *logf = g_build_filename(dir, "qemu.log", NULL);
    g_autofree char *extra = g_strdup_printf("-d guest_errors -D %s", logf);
    g_autofree char *log = NULL;
    Stub s;
    size_t i;

    g_assert_nonnull(dir);
    stub_start(&s, "pool=D,priority=medium,vm-id=42", extra);
    for (i = 0; i < ARRAY_SIZE(reg_offsets); i++) {
        qpci_io_writel(s.dev, s.bar, reg_offsets[i], 0xdeadbeef);
        qpci_io_writeb(s.dev, s.bar, reg_offsets[i], 0x5a);
    }
    qpci_io_writel(s.dev, s.bar, 0x18, 0x12345678);
    qpci_io_writel(s.dev, s.bar, 0xffc, 0x12345678);
    g_assert_cmphex(rd(&s, REG_MAGIC), ==, MAGIC);
    g_assert_cmphex(rd(&s, REG_VERSION), ==, LAYOUT);
    g_assert_cmpuint(rd(&s, REG_POOL), ==, 3);
    g_assert_cmpuint(rd(&s, REG_PRIORITY), ==, 1);
    g_assert_cmpuint(rd(&s, REG_VM_ID), ==, 42);
    g_assert_cmphex(rd(&s, REG_FEATURES), ==, F_IDENTITY);
    g_assert_cmphex(rd(&s, 0x18), ==, 0);
    g_assert_cmphex(rd(&s, 0xffc), ==, 0);
    stub_stop(&s);              /* QEMU exits: its log is complete */

    g_assert_true(g_file_get_contents(logf, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "vgpu-stub: write of 0xdeadbeef to "
                            "read-only register POOL (0x008) ignored"));
    g_assert_nonnull(strstr(log, "vgpu-stub: write of 0xdeadbeef to "
                            "read-only register MAGIC (0x000) ignored"));
    g_assert_nonnull(strstr(log, "vgpu-stub: write of 0x12345678 to "
                            "reserved offset 0xffc ignored"));
    /* The 1-byte writes never reached the device: the core logged them. */
    g_assert_nonnull(strstr(log, "region 'vgpu-stub-mmio', reason: "
                            "invalid size"));
    unlink(logf);
    rmdir(dir);
}

/* The "status" of a query command's answer (g_free it). */
static char *qmp_status(QTestState *qts, const char *cmd)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': %s }", cmd);
    QDict *ret = qdict_get_qdict(rsp, "return");
    char *status;

    g_assert_nonnull(ret);
    g_assert_nonnull(qdict_get_try_str(ret, "status"));
    status = g_strdup(qdict_get_str(ret, "status"));
    qobject_unref(rsp);
    return status;
}

/*
 * The identity travels with the VM: the destination is started with other
 * properties and still shows the source's values after the migration.
 */
static void test_migration(void)
{
    g_autofree char *dir = g_dir_make_tmp("vgpu-stub-test-XXXXXX", NULL);
    g_autofree char *uri = g_strdup_printf("unix:%s/migrate.sock", dir);
    g_autofree char *sock = g_strdup_printf("%s/migrate.sock", dir);
    QTestState *dst;
    Stub s;
    int i;

    g_assert_nonnull(dir);
    stub_start(&s, "pool=E,priority=low,vm-id=31337", NULL);
    dst = qtest_initf("-machine pc -nodefaults "
                      "-device vgpu-stub,pool=F,priority=high,vm-id=9 "
                      "-incoming %s", uri);
    qtest_qmp_assert_success(s.qts, "{ 'execute': 'migrate', "
                             "'arguments': { 'uri': %s } }", uri);
    for (i = 0;; i++) {
        g_autofree char *st = qmp_status(s.qts, "query-migrate");

        g_assert_cmpstr(st, !=, "failed");
        if (strcmp(st, "completed") == 0) {
            break;
        }
        g_assert_cmpint(i, <, 6000);    /* a minute */
        g_usleep(10 * 1000);
    }
    for (i = 0;; i++) {
        g_autofree char *st = qmp_status(dst, "query-status");

        if (strcmp(st, "inmigrate") != 0) {
            break;
        }
        g_assert_cmpint(i, <, 6000);
        g_usleep(10 * 1000);
    }
    /* Config space (BAR address, memory enable) came along too. */
    g_assert_cmphex(qtest_readl(dst, s.bar.addr + REG_MAGIC), ==, MAGIC);
    g_assert_cmpuint(qtest_readl(dst, s.bar.addr + REG_POOL), ==, 4);
    g_assert_cmpuint(qtest_readl(dst, s.bar.addr + REG_PRIORITY), ==, 2);
    g_assert_cmpuint(qtest_readl(dst, s.bar.addr + REG_VM_ID), ==, 31337);
    qtest_quit(dst);
    stub_stop(&s);
    unlink(sock);
    rmdir(dir);
}

static void add_combos(void)
{
    static const struct { const char *s; uint32_t v; } pools[] = {
        { "A", 0 }, { "B", 1 }, { "Z", 25 }, { "0", 0 }, { "25", 25 },
    };
    static const struct { const char *s; uint32_t v; } prios[] = {
        { "high", 0 }, { "medium", 1 }, { "low", 2 },
        { "0", 0 }, { "1", 1 }, { "2", 2 },
    };
    static const struct { const char *s; uint32_t v; } vm_ids[] = {
        { "1", 1 }, { "4294967295", 4294967295u },
    };
    size_t p, q, v;

    for (p = 0; p < ARRAY_SIZE(pools); p++) {
        for (q = 0; q < ARRAY_SIZE(prios); q++) {
            for (v = 0; v < ARRAY_SIZE(vm_ids); v++) {
                Combo *c = g_new(Combo, 1);
                g_autofree char *path = NULL;

                *c = (Combo) {
                    pools[p].s, pools[p].v, prios[q].s, prios[q].v,
                    vm_ids[v].s, vm_ids[v].v,
                };
                path = g_strdup_printf("/vgpu-stub/props/pool=%s/"
                                       "priority=%s/vm-id=%s",
                                       c->pool, c->prio, c->vm_id);
                qtest_add_data_func_full(path, c, test_combo, g_free);
            }
        }
    }
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vgpu-stub/pci-config", test_pci_config);
    qtest_add_func("/vgpu-stub/registers", test_registers);
    add_combos();
    for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vgpu-stub/bad/%s",
                                                bad_cases[i].name);
        qtest_add_data_func(path, &bad_cases[i], test_bad);
    }
    qtest_add_func("/vgpu-stub/undefined-offsets", test_undefined_offsets);
    qtest_add_func("/vgpu-stub/access-sizes", test_access_sizes);
    qtest_add_func("/vgpu-stub/read-only", test_read_only);
    qtest_add_func("/vgpu-stub/migration", test_migration);
    return g_test_run();
}
