// SPDX-License-Identifier: MIT
/*
 * vgpu-pci-id: print the vgpu identity (pool, priority, vm-id) that the host
 * gave this VM through QEMU's vgpu-stub PCI device. Needs no vgpu driver:
 * it finds the device by its ids in sysfs and reads BAR0 through the
 * device's resource0 file. Register map: qemu-vgpu-stub/vgpu-stub.c and
 * Documentation/qemu-stub.md.
 *
 * The values come from the host, yet they are checked like any input: a
 * wrong magic, another layout major or a value out of range is an error,
 * never printed as an identity.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define STUB_VENDOR 0x1af4
#define STUB_DEVICE 0x10f7
#define STUB_BAR_SIZE 0x1000

#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_POOL 0x008
#define REG_PRIORITY 0x00c
#define REG_VM_ID 0x010
#define REG_FEATURES 0x014

#define STUB_MAGIC 0x55504756u
#define STUB_LAYOUT_MAJOR 1u
#define STUB_F_IDENTITY 0x1u
#define STUB_NR_POOLS 26u

static const char *const prio_names[] = { "high", "medium", "low" };

struct identity {
	uint32_t version;
	uint32_t pool;
	uint32_t priority;
	uint32_t vm_id;
	uint32_t features;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vgpu-pci-id [--sysfs DIR]\n"
		   "Prints pool, priority and vm-id from the vgpu-stub PCI "
		   "device (%04x:%04x).\n", STUB_VENDOR, STUB_DEVICE);
}

/* Whether snprintf's result N fitted a buffer of SIZE bytes. */
static int path_fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size;
}

/* Reads a sysfs attribute holding one hex number ("0x1af4\n"). */
static int read_hex(const char *path, unsigned long *val)
{
	char buf[32], *end;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*val = strtoul(buf, &end, 16);
	if (errno || end == buf || (*end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

/* 32-bit loads only: the device refuses other sizes. */
static uint32_t reg(const volatile uint32_t *bar, unsigned int off)
{
	return bar[off / 4];
}

/* Maps resource0 of DEV and copies the identity out; 0 or -1 (said why). */
static int read_identity(const char *dev, struct identity *id)
{
	char path[4096];
	volatile uint32_t *bar;
	uint32_t magic;
	void *map;
	int fd;

	if (!path_fits(snprintf(path, sizeof(path), "%s/resource0", dev),
		       sizeof(path)))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vgpu-pci-id: %s: %s\n", path, strerror(errno));
		return -1;
	}
	map = mmap(NULL, STUB_BAR_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "vgpu-pci-id: mmap %s: %s\n", path, strerror(errno));
		return -1;
	}
	bar = map;
	magic = reg(bar, REG_MAGIC);
	id->version = reg(bar, REG_VERSION);
	id->pool = reg(bar, REG_POOL);
	id->priority = reg(bar, REG_PRIORITY);
	id->vm_id = reg(bar, REG_VM_ID);
	id->features = reg(bar, REG_FEATURES);
	munmap(map, STUB_BAR_SIZE);

	if (magic != STUB_MAGIC) {
		fprintf(stderr, "vgpu-pci-id: %s: magic 0x%08x, not 0x%08x\n",
			dev, magic, STUB_MAGIC);
		return -1;
	}
	if (id->version >> 16 != STUB_LAYOUT_MAJOR) {
		fprintf(stderr, "vgpu-pci-id: %s: register layout %u.%u, this "
			"reader knows %u.x\n", dev, id->version >> 16,
			id->version & 0xffff, STUB_LAYOUT_MAJOR);
		return -1;
	}
	if (!(id->features & STUB_F_IDENTITY)) {
		fprintf(stderr, "vgpu-pci-id: %s: the host set no identity\n", dev);
		return -1;
	}
	if (id->pool >= STUB_NR_POOLS || id->priority >= 3 || id->vm_id == 0) {
		fprintf(stderr, "vgpu-pci-id: %s: identity out of range (pool %u, "
			"priority %u, vm-id %u)\n", dev, id->pool, id->priority,
			id->vm_id);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysfs", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = "/sys";
	char dir[4096], path[4096];
	unsigned long vendor, device;
	struct identity id;
	struct dirent *de;
	int c, found = 0, bad = 0;
	DIR *d;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sysfs = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (!path_fits(snprintf(dir, sizeof(dir), "%s/bus/pci/devices", sysfs),
		       sizeof(dir))) {
		fprintf(stderr, "vgpu-pci-id: --sysfs path too long\n");
		return 2;
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "vgpu-pci-id: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!path_fits(snprintf(path, sizeof(path), "%s/%s/vendor", dir,
					de->d_name), sizeof(path)) ||
		    read_hex(path, &vendor) || vendor != STUB_VENDOR)
			continue;
		if (!path_fits(snprintf(path, sizeof(path), "%s/%s/device", dir,
					de->d_name), sizeof(path)) ||
		    read_hex(path, &device) || device != STUB_DEVICE)
			continue;
		if (!path_fits(snprintf(path, sizeof(path), "%s/%s", dir,
					de->d_name), sizeof(path)) ||
		    read_identity(path, &id)) {
			bad++;
			continue;
		}
		/* One block per device; a VM normally has one. */
		printf("%spci=%s\npool=%c\npriority=%s\nvm-id=%u\nlayout=%u.%u\n",
		       found ? "\n" : "", de->d_name, 'A' + (int)id.pool,
		       prio_names[id.priority], id.vm_id, id.version >> 16,
		       id.version & 0xffff);
		found++;
	}
	closedir(d);
	if (bad)
		return 2;
	if (!found) {
		fprintf(stderr, "vgpu-pci-id: no vgpu-stub device (%04x:%04x) "
			"under %s\n", STUB_VENDOR, STUB_DEVICE, dir);
		return 1;
	}
	return 0;
}
