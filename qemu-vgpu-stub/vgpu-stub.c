/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-stub: a VM's vgpu identity (pool, priority, vm-id) as a PCI device.
 *
 * Software inside the guest that has no vgpu driver (firmware, installers,
 * inventory agents, Windows, or Linux before vgpu-front loads) reads the
 * identity the host gave the VM from a 4 KiB MMIO BAR. Under Xen the same
 * facts reach the driver through xenstore (include/vgpu/vgpuif.h); under
 * plain QEMU/KVM this device is how the host declares them.
 * Documentation/qemu-stub.md in the vgpu tree is the full page.
 *
 * PCI:   vendor 0x1af4, device 0x10f7 (from the range QEMU's
 *        docs/specs/pci-ids.txt leaves for experimental use without
 *        registration), class 0x1200 (processing accelerator), revision 1,
 *        no interrupts, BAR0 = 4 KiB 32-bit MMIO, non-prefetchable.
 *
 * BAR0:  every register is 32 bits, little-endian and read-only.
 *   0x000 MAGIC     0x55504756 ("VGPU" in memory order)
 *   0x004 VERSION   layout version: major << 16 | minor; this is 0x00010000.
 *                   A reader refuses another major; a new minor only adds
 *                   registers in the reserved room or bits in FEATURES.
 *   0x008 POOL      0..25 for pools "A".."Z"
 *   0x00c PRIORITY  0 = high, 1 = medium, 2 = low (VGPUIF_PRIO_*; the 4.2.1
 *                   prototype numbered them the other way round, 2 = high)
 *   0x010 VM_ID     the operator's id of the VM, 1..4294967295
 *   0x014 FEATURES  bit 0 IDENTITY: POOL, PRIORITY and VM_ID hold the
 *                   host's values (always set in layout 1.0); bits 1..31
 *                   reserved, read 0
 *   0x018..0x07f    reserved for more identity registers (limits), read 0
 *   0x080..0xfff    reserved, read 0
 *
 * Accesses: only aligned 32-bit ones reach the device. QEMU's memory core
 * refuses other sizes and misaligned offsets (reads give 0) and logs them
 * as guest errors. Writes change nothing and are logged (-d guest_errors).
 *
 * Properties (strings, checked at realize; all three are required):
 *   pool=A..Z or 0..25   priority=high|medium|low or 0|1|2
 *   vm-id=1..4294967295 (decimal)
 *
 * Migration: the three identity values travel in the device's VMState and
 * win over the destination's properties, so a live-migrated guest keeps
 * the identity it has already read (a mismatch is reported as a warning).
 *
 * Built and tested in QEMU 7.2 (meson). Written to build unchanged in
 * 4.2.1 (XCP-ng's device model, make; not built here yet): the one
 * difference in this file is how properties are attached (#if below).
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_VGPU_STUB "vgpu-stub"
#define VGPU_STUB(obj) OBJECT_CHECK(VGPUStubState, (obj), TYPE_VGPU_STUB)

#define VGPU_STUB_VENDOR_ID     0x1af4
#define VGPU_STUB_DEVICE_ID     0x10f7
#define VGPU_STUB_REVISION      1
/* PCI base class 0x12 "processing accelerator", subclass 0. */
#define VGPU_STUB_CLASS         0x1200
#define VGPU_STUB_BAR_SIZE      0x1000

#define VGPU_STUB_REG_MAGIC     0x000
#define VGPU_STUB_REG_VERSION   0x004
#define VGPU_STUB_REG_POOL      0x008
#define VGPU_STUB_REG_PRIORITY  0x00c
#define VGPU_STUB_REG_VM_ID     0x010
#define VGPU_STUB_REG_FEATURES  0x014

#define VGPU_STUB_MAGIC         0x55504756u
#define VGPU_STUB_LAYOUT        0x00010000u
#define VGPU_STUB_F_IDENTITY    0x1u

#define VGPU_STUB_NR_POOLS      26
#define VGPU_STUB_NR_PRIOS      3

typedef struct VGPUStubState {
    PCIDevice pdev;
    MemoryRegion mmio;

    /* Properties as given; parsed once at realize. */
    char *pool_prop;
    char *priority_prop;
    char *vm_id_prop;

    /* What BAR0 shows; migrated. */
    uint32_t pool;
    uint32_t priority;
    uint32_t vm_id;

    /* This side's parsed properties, to compare with a migrated identity. */
    uint32_t cfg_pool;
    uint32_t cfg_priority;
    uint32_t cfg_vm_id;
} VGPUStubState;

static const char *const vgpu_stub_prio_names[VGPU_STUB_NR_PRIOS] = {
    "high", "medium", "low",
};

static const char *vgpu_stub_reg_name(hwaddr addr)
{
    switch (addr) {
    case VGPU_STUB_REG_MAGIC:    return "MAGIC";
    case VGPU_STUB_REG_VERSION:  return "VERSION";
    case VGPU_STUB_REG_POOL:     return "POOL";
    case VGPU_STUB_REG_PRIORITY: return "PRIORITY";
    case VGPU_STUB_REG_VM_ID:    return "VM_ID";
    case VGPU_STUB_REG_FEATURES: return "FEATURES";
    default:                     return NULL;
    }
}

static uint64_t vgpu_stub_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VGPUStubState *s = opaque;

    switch (addr) {
    case VGPU_STUB_REG_MAGIC:    return VGPU_STUB_MAGIC;
    case VGPU_STUB_REG_VERSION:  return VGPU_STUB_LAYOUT;
    case VGPU_STUB_REG_POOL:     return s->pool;
    case VGPU_STUB_REG_PRIORITY: return s->priority;
    case VGPU_STUB_REG_VM_ID:    return s->vm_id;
    case VGPU_STUB_REG_FEATURES: return VGPU_STUB_F_IDENTITY;
    default:                     return 0;  /* reserved room */
    }
}

static void vgpu_stub_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    const char *reg = vgpu_stub_reg_name(addr);

    if (reg) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "vgpu-stub: write of 0x%" PRIx64 " to read-only "
                      "register %s (0x%03" HWADDR_PRIx ") ignored\n",
                      val, reg, addr);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "vgpu-stub: write of 0x%" PRIx64 " to reserved offset "
                      "0x%03" HWADDR_PRIx " ignored\n", val, addr);
    }
}

static const MemoryRegionOps vgpu_stub_mmio_ops = {
    .read = vgpu_stub_mmio_read,
    .write = vgpu_stub_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/*
 * A decimal number 0..max: digits only (no sign, space, base prefix or
 * trailing text), so "-1", " 7" and "0x10" are refused.
 */
static bool vgpu_stub_parse_number(const char *str, uint32_t max,
                                   uint32_t *val)
{
    uint64_t n;

    if (!str || !g_ascii_isdigit(str[0]) ||
        qemu_strtou64(str, NULL, 10, &n) != 0 || n > max) {
        return false;
    }
    *val = n;
    return true;
}

/* "A".."Z" or 0..25. */
static bool vgpu_stub_parse_pool(const char *str, uint32_t *pool, Error **errp)
{
    if (str && str[0] >= 'A' && str[0] <= 'Z' && str[1] == '\0') {
        *pool = str[0] - 'A';
        return true;
    }
    if (vgpu_stub_parse_number(str, VGPU_STUB_NR_POOLS - 1, pool)) {
        return true;
    }
    error_setg(errp, "vgpu-stub: pool '%s' is not a pool: give A..Z or 0..25",
               str ? str : "");
    return false;
}

/* "high" | "medium" | "low", or the project's numbers 0 | 1 | 2. */
static bool vgpu_stub_parse_priority(const char *str, uint32_t *prio,
                                     Error **errp)
{
    uint32_t i;

    for (i = 0; str && i < VGPU_STUB_NR_PRIOS; i++) {
        if (strcmp(str, vgpu_stub_prio_names[i]) == 0) {
            *prio = i;
            return true;
        }
    }
    if (vgpu_stub_parse_number(str, VGPU_STUB_NR_PRIOS - 1, prio)) {
        return true;
    }
    error_setg(errp, "vgpu-stub: priority '%s' is not a priority: give "
               "high, medium or low (or 0 = high, 1 = medium, 2 = low)",
               str ? str : "");
    return false;
}

/* Decimal 1..4294967295. */
static bool vgpu_stub_parse_vm_id(const char *str, uint32_t *vm_id,
                                  Error **errp)
{
    if (vgpu_stub_parse_number(str, UINT32_MAX, vm_id) && *vm_id != 0) {
        return true;
    }
    error_setg(errp, "vgpu-stub: vm-id '%s' is not a vm-id: give a decimal "
               "number 1..4294967295", str ? str : "");
    return false;
}

static void vgpu_stub_realize(PCIDevice *pdev, Error **errp)
{
    VGPUStubState *s = VGPU_STUB(pdev);
    static const char *const required[] = { "pool", "priority", "vm-id" };
    const char *given[] = { s->pool_prop, s->priority_prop, s->vm_id_prop };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(required); i++) {
        if (!given[i]) {
            error_setg(errp, "vgpu-stub: property '%s' is required "
                       "(-device vgpu-stub,pool=A,priority=high,vm-id=101)",
                       required[i]);
            return;
        }
    }
    if (!vgpu_stub_parse_pool(s->pool_prop, &s->cfg_pool, errp) ||
        !vgpu_stub_parse_priority(s->priority_prop, &s->cfg_priority, errp) ||
        !vgpu_stub_parse_vm_id(s->vm_id_prop, &s->cfg_vm_id, errp)) {
        return;
    }
    s->pool = s->cfg_pool;
    s->priority = s->cfg_priority;
    s->vm_id = s->cfg_vm_id;

    pdev->config[PCI_INTERRUPT_PIN] = 0;
    memory_region_init_io(&s->mmio, OBJECT(s), &vgpu_stub_mmio_ops, s,
                          "vgpu-stub-mmio", VGPU_STUB_BAR_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
}

/*
 * The migration stream comes from the source host's QEMU, not from the
 * guest, but a corrupt or foreign stream must not put values in the
 * registers that no property could have given.
 */
static int vgpu_stub_post_load(void *opaque, int version_id)
{
    VGPUStubState *s = opaque;

    if (s->pool >= VGPU_STUB_NR_POOLS || s->priority >= VGPU_STUB_NR_PRIOS ||
        s->vm_id == 0) {
        error_report("vgpu-stub: migrated identity out of range "
                     "(pool %u, priority %u, vm-id %u)",
                     s->pool, s->priority, s->vm_id);
        return -EINVAL;
    }
    if (s->pool != s->cfg_pool || s->priority != s->cfg_priority ||
        s->vm_id != s->cfg_vm_id) {
        warn_report("vgpu-stub: keeping the migrated identity pool %c "
                    "priority %s vm-id %u over this side's properties "
                    "(pool %c priority %s vm-id %u)",
                    'A' + s->pool, vgpu_stub_prio_names[s->priority],
                    s->vm_id, 'A' + s->cfg_pool,
                    vgpu_stub_prio_names[s->cfg_priority], s->cfg_vm_id);
    }
    return 0;
}

static const VMStateDescription vgpu_stub_vmstate = {
    .name = TYPE_VGPU_STUB,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = vgpu_stub_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(pdev, VGPUStubState),
        VMSTATE_UINT32(pool, VGPUStubState),
        VMSTATE_UINT32(priority, VGPUStubState),
        VMSTATE_UINT32(vm_id, VGPUStubState),
        VMSTATE_END_OF_LIST()
    },
};

static Property vgpu_stub_properties[] = {
    DEFINE_PROP_STRING("pool", VGPUStubState, pool_prop),
    DEFINE_PROP_STRING("priority", VGPUStubState, priority_prop),
    DEFINE_PROP_STRING("vm-id", VGPUStubState, vm_id_prop),
    DEFINE_PROP_END_OF_LIST(),
};

static void vgpu_stub_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = vgpu_stub_realize;
    k->vendor_id = VGPU_STUB_VENDOR_ID;
    k->device_id = VGPU_STUB_DEVICE_ID;
    k->revision = VGPU_STUB_REVISION;
    k->class_id = VGPU_STUB_CLASS;
    dc->desc = "vgpu identity (pool, priority, vm-id) for the guest";
    dc->vmsd = &vgpu_stub_vmstate;
#if QEMU_VERSION_MAJOR >= 5
    device_class_set_props(dc, vgpu_stub_properties);
#else
    dc->props = vgpu_stub_properties;
#endif
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo vgpu_stub_info = {
    .name = TYPE_VGPU_STUB,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(VGPUStubState),
    .class_init = vgpu_stub_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void vgpu_stub_register_types(void)
{
    type_register_static(&vgpu_stub_info);
}

type_init(vgpu_stub_register_types)
