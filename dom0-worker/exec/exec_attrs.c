// SPDX-License-Identifier: MIT
/*
 * DEVICE_ATTRS (vgpuif.h): what every executor's attribute table goes
 * through before a guest sees it, and the CPU executor's own table.
 *
 * The executor (or the CUDA executor's per-VM process, which the worker
 * does not trust) proposes attr[]; the worker then imposes what a guest may
 * learn: no host topology (PCI ids 0), no features the protocol does not
 * give (mapped host memory, managed memory, concurrent kernels: one
 * in-order queue per device), a total memory that is the VM's share, and a
 * UUID of the VM, not of the GPU.
 */
#include <string.h>

#include <vgpu/vgpuif.h>

#include "exec.h"

/* splitmix64: a fixed, well-mixed function of its input. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void exec_vm_uuid(uint32_t vm_id, uint8_t uuid[16])
{
	/* "vgpu-vm-uuid" as a seed: distinct from other uses of vm-id. */
	uint64_t hi = mix64(0x76677075766d7575ull ^ vm_id);
	uint64_t lo = mix64(hi ^ 0x7575696400000000ull ^ vm_id);

	for (int i = 0; i < 8; i++) {
		uuid[i] = (uint8_t)(hi >> (56 - 8 * i));
		uuid[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x80);	/* version 8 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);	/* RFC 9562 variant */
}

void exec_attrs_finish(const struct exec_vm *vm, uint64_t gpu_mem_total,
		       struct vgpuif_device_attrs *a)
{
	static const unsigned int hidden[] = {
		VGPUIF_ATTR_PCI_BUS_ID, VGPUIF_ATTR_PCI_DEVICE_ID,
		VGPUIF_ATTR_PCI_DOMAIN_ID, VGPUIF_ATTR_CAN_MAP_HOST_MEMORY,
		VGPUIF_ATTR_MANAGED_MEMORY, VGPUIF_ATTR_CONCURRENT_KERNELS,
	};
	uint64_t quota = vm->cfg.mem_quota;

	if (a->nr_attrs > VGPUIF_NR_ATTRS)
		a->nr_attrs = VGPUIF_NR_ATTRS;
	for (unsigned int i = a->nr_attrs; i < VGPUIF_ATTR_SLOTS; i++)
		a->attr[i] = 0;
	for (unsigned int i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		a->attr[hidden[i]] = 0;
	a->total_mem = quota && quota < gpu_mem_total ? quota : gpu_mem_total;
	exec_vm_uuid(vm->cfg.vm_id, a->uuid);
	a->name[sizeof(a->name) - 1] = '\0';
	/* Bytes after the name's NUL tell nothing either. */
	memset(a->name + strlen(a->name), 0,
	       sizeof(a->name) - strlen(a->name));
}

void exec_reply_attrs(const struct exec_vm *vm, uint64_t gpu_mem_total,
		      struct vgpuif_device_attrs *a,
		      const struct exec_data *data, struct exec_result *res)
{
	exec_attrs_finish(vm, gpu_mem_total, a);
	if (exec_copy(data, VGPU_BACK_COPY_TO_GUEST, 0, a, sizeof(*a)))
		res->status = VGPUIF_RSP_ERROR;
	else
		res->status = VGPUIF_RSP_OKAY;
}

/*
 * The CPU executor's table (Documentation/protocol.md lists it): shaped
 * like a small device of compute capability 9.0, so that programs that
 * look before they launch get as far as the launch, which is
 * NOT_SUPPORTED. One "multiprocessor", no ECC, 64-bit memory bus.
 */
void exec_cpu_attrs(struct vgpuif_device_attrs *a)
{
	static const int32_t table[VGPUIF_NR_ATTRS] = {
		[VGPUIF_ATTR_MAX_THREADS_PER_BLOCK] = 1024,
		[VGPUIF_ATTR_MAX_BLOCK_DIM_X] = 1024,
		[VGPUIF_ATTR_MAX_BLOCK_DIM_Y] = 1024,
		[VGPUIF_ATTR_MAX_BLOCK_DIM_Z] = 64,
		[VGPUIF_ATTR_MAX_GRID_DIM_X] = 2147483647,
		[VGPUIF_ATTR_MAX_GRID_DIM_Y] = 65535,
		[VGPUIF_ATTR_MAX_GRID_DIM_Z] = 65535,
		[VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK] = 49152,
		[VGPUIF_ATTR_TOTAL_CONSTANT_MEMORY] = 65536,
		[VGPUIF_ATTR_WARP_SIZE] = 32,
		[VGPUIF_ATTR_MAX_PITCH] = 2147483647,
		[VGPUIF_ATTR_MAX_REGISTERS_PER_BLOCK] = 65536,
		[VGPUIF_ATTR_CLOCK_RATE] = 1000000,
		[VGPUIF_ATTR_TEXTURE_ALIGNMENT] = 512,
		[VGPUIF_ATTR_MULTIPROCESSOR_COUNT] = 1,
		[VGPUIF_ATTR_COMPUTE_MODE] = 0,
		[VGPUIF_ATTR_MEMORY_CLOCK_RATE] = 1000000,
		[VGPUIF_ATTR_GLOBAL_MEMORY_BUS_WIDTH] = 64,
		[VGPUIF_ATTR_L2_CACHE_SIZE] = 1048576,
		[VGPUIF_ATTR_MAX_THREADS_PER_MULTIPROCESSOR] = 2048,
		[VGPUIF_ATTR_ASYNC_ENGINE_COUNT] = 1,
		[VGPUIF_ATTR_UNIFIED_ADDRESSING] = 1,
		[VGPUIF_ATTR_COMPUTE_CAPABILITY_MAJOR] = 9,
		[VGPUIF_ATTR_COMPUTE_CAPABILITY_MINOR] = 0,
		[VGPUIF_ATTR_MAX_SHARED_MEM_PER_MULTIPROCESSOR] = 233472,
		[VGPUIF_ATTR_MAX_REGISTERS_PER_MULTIPROCESSOR] = 65536,
		[VGPUIF_ATTR_MAX_SHARED_MEM_PER_BLOCK_OPTIN] = 232448,
	};

	memcpy(a->attr, table, sizeof(table));
	a->nr_attrs = VGPUIF_NR_ATTRS;
}
