/*
 * vgpubad: malformed ioctls on a vgpu device, for the Xen lab.
 *
 *   vgpubad [DEVICE]        (default /dev/vgpu0)
 *
 * Issues raw ioctls (no libvgpu, whose own checks would stop some of them)
 * that the frontend must refuse with a precise errno, each followed by a NOP
 * that must still succeed, and ends with a MEM_READ of an address the VM
 * never allocated, which must come back ENOENT (from the frontend, which
 * refuses addresses the open file did not allocate).
 * Prints one "vgpubad: ok CASE errno=NAME" line per case and
 * "vgpubad: N checks ok"; exit 1 with "vgpubad: FAIL CASE: ..." on the first
 * case that went otherwise (wrong errno, success, or a dead device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vgpu.h>

static int fd, nchecks;

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case E2BIG: return "E2BIG";
	case ENOTTY: return "ENOTTY";
	case ENOENT: return "ENOENT";
	case ERANGE: return "ERANGE";
	case EHOSTDOWN: return "EHOSTDOWN";
	case ENOTCONN: return "ENOTCONN";
	default: return strerror(e);
	}
}

/* rc/errno of one ioctl against the errno @want; then a NOP must work. */
static int expect(const char *what, int rc, int err, int want)
{
	int got = rc < 0 ? err : 0;

	if (got != want) {
		printf("vgpubad: FAIL %s: got %s (rc %d), expected %s\n",
		       what, ename(got), rc, ename(want));
		return 1;
	}
	if (ioctl(fd, VGPU_IOC_NOP) < 0) {
		printf("vgpubad: FAIL %s: the NOP after it failed: %s\n",
		       what, ename(errno));
		return 1;
	}
	printf("vgpubad: ok %s errno=%s\n", what, ename(want));
	nchecks++;
	return 0;
}

#define CASE(what, call, want) do {					\
		int rc_ = (call);					\
		if (expect(what, rc_, errno, want))			\
			return 1;					\
	} while (0)

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/vgpu0";
	/* Read (a, b: zeros) and written (c) through the ioctls only. */
	/* cppcheck-suppress unassignedVariable */
	static float a[8], b[8], c[8];
	struct vgpu_vector_add va;
	struct vgpu_mem_xfer x;
	struct vgpu_mem_alloc al;
	struct vgpu_launch l;
	char name[] = "k";

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		printf("vgpubad: FAIL open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (ioctl(fd, VGPU_IOC_NOP) < 0) {
		printf("vgpubad: FAIL first NOP: %s\n", ename(errno));
		return 1;
	}

	memset(&va, 0, sizeof(va));
	va.a = (uintptr_t)a;
	va.b = (uintptr_t)b;
	va.c = (uintptr_t)c;
	va.n = 8;
	va.reserved = 1;
	CASE("vector_add reserved!=0", ioctl(fd, VGPU_IOC_VECTOR_ADD, &va), EINVAL);
	va.reserved = 0;
	va.n = 0;
	CASE("vector_add n=0", ioctl(fd, VGPU_IOC_VECTOR_ADD, &va), EINVAL);
	va.n = VGPU_VECTOR_ADD_MAX + 1;
	CASE("vector_add n=max+1", ioctl(fd, VGPU_IOC_VECTOR_ADD, &va), E2BIG);
	va.n = 8;
	va.a = 4096;	/* unmapped user address */
	CASE("vector_add unmapped a", ioctl(fd, VGPU_IOC_VECTOR_ADD, &va), EFAULT);
	CASE("vector_add arg pointer unmapped",
	     ioctl(fd, VGPU_IOC_VECTOR_ADD, (void *)8), EFAULT);

	memset(&al, 0, sizeof(al));
	CASE("mem_alloc size=0", ioctl(fd, VGPU_IOC_MEM_ALLOC, &al), EINVAL);
	al.size = VGPU_MEM_ALLOC_MAX + 1;
	CASE("mem_alloc size=max+1", ioctl(fd, VGPU_IOC_MEM_ALLOC, &al), E2BIG);

	memset(&x, 0, sizeof(x));
	x.dptr = 0x1000;
	x.buf = (uintptr_t)a;
	x.len = 0;
	CASE("mem_write len=0", ioctl(fd, VGPU_IOC_MEM_WRITE, &x), EINVAL);
	x.len = VGPU_XFER_MAX + 1;
	CASE("mem_read len=max+1", ioctl(fd, VGPU_IOC_MEM_READ, &x), E2BIG);
	x.dptr = UINT64_MAX - 8;
	x.len = 64;
	CASE("mem_write dptr+len wraps", ioctl(fd, VGPU_IOC_MEM_WRITE, &x), EINVAL);

	memset(&l, 0, sizeof(l));
	l.name = (uintptr_t)name;
	l.name_len = 1;
	l.grid[0] = l.grid[1] = l.grid[2] = 1;
	l.block[0] = l.block[1] = l.block[2] = 1;
	l.reserved = 7;
	CASE("launch reserved!=0", ioctl(fd, VGPU_IOC_LAUNCH, &l), EINVAL);
	l.reserved = 0;
	l.block[0] = 1024;
	l.block[1] = 2;
	CASE("launch block 1024x2x1", ioctl(fd, VGPU_IOC_LAUNCH, &l), EINVAL);

	CASE("unknown ioctl nr 0x1f", ioctl(fd, _IO(VGPU_IOC_MAGIC, 0x1f)), ENOTTY);
	CASE("get_info wrong size",
	     ioctl(fd, _IOR(VGPU_IOC_MAGIC, 0x00, uint32_t), &al), ENOTTY);

	/* Well-formed, so it reaches the worker, which knows no such address. */
	x.dptr = 0x7e57000000ull;
	x.buf = (uintptr_t)a;
	x.len = sizeof(a);
	CASE("mem_read of a never allocated address",
	     ioctl(fd, VGPU_IOC_MEM_READ, &x), ENOENT);

	printf("vgpubad: %d checks ok\n", nchecks);
	close(fd);
	return 0;
}
