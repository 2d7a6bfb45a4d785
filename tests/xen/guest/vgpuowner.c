/*
 * vgpuowner: who owns what on a vgpu device, for the Xen lab.
 *
 *   vgpuowner isolate [DEVICE]      two open files: neither may use, free or
 *                                   launch what the other made; the range of
 *                                   an allocation is enforced; closing the
 *                                   file frees what it held
 *   vgpuowner hold SIZE [DEVICE]    print "allocating", allocate SIZE bytes,
 *                                   print "held", sleep (to be killed)
 *   vgpuowner alloc SIZE [DEVICE]   allocate SIZE bytes and free them
 *   vgpuowner used [DEVICE]         print this VM's quota use (GET_INFO)
 *   vgpuowner asuser UID [DEVICE]   become UID, then open: print the errno
 *
 * Raw ioctls (no libvgpu). One "vgpuowner: ok ..." line per check; exit 1
 * with "vgpuowner: FAIL ..." on the first one that went otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vgpu.h>

static const char *dev = "/dev/vgpu0";

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case ENOENT: return "ENOENT";
	case ERANGE: return "ERANGE";
	case EDQUOT: return "EDQUOT";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(e);
	}
}

static int open_dev(void)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		printf("vgpuowner: FAIL open %s: %s\n", dev, ename(errno));
		exit(1);
	}
	return fd;
}

/* 0 or the errno of one ioctl. */
static int call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static int expect(const char *what, int got, int want)
{
	if (got != want) {
		printf("vgpuowner: FAIL %s: got %s, expected %s\n", what,
		       ename(got), ename(want));
		return 1;
	}
	printf("vgpuowner: ok %s: %s\n", what, ename(got));
	return 0;
}

#define CHECK(what, got, want) do {					\
		if (expect(what, got, want))				\
			return 1;					\
	} while (0)

static int used(int fd, uint64_t *out)
{
	struct vgpu_info info;
	int err = call(fd, VGPU_IOC_GET_INFO, &info);

	*out = info.mem_used;
	return err;
}

static int isolate(void)
{
	enum { N = 4096 };
	static unsigned char pat[N], buf[N];
	struct vgpu_mem_alloc a = { .size = N };
	struct vgpu_mem_xfer x;
	struct vgpu_mem_free f;
	struct vgpu_module_unload u = { .handle = 1 };
	char name[] = "k";
	struct vgpu_launch l = {
		.module = 1, .name = (uintptr_t)name, .name_len = 1,
		.grid = { 1, 1, 1 }, .block = { 1, 1, 1 },
	};
	uint64_t before, after;
	int fd1 = open_dev(), fd2 = open_dev(), i;

	for (i = 0; i < N; i++)
		pat[i] = (unsigned char)(i * 7 + 3);
	CHECK("quota use at start", used(fd1, &before), 0);
	CHECK("alloc on file 1", call(fd1, VGPU_IOC_MEM_ALLOC, &a), 0);
	x = (struct vgpu_mem_xfer){ .dptr = a.dptr, .buf = (uintptr_t)pat, .len = N };
	CHECK("write on file 1", call(fd1, VGPU_IOC_MEM_WRITE, &x), 0);

	/* File 2 (another process would be the same) knows the address. */
	x = (struct vgpu_mem_xfer){ .dptr = a.dptr, .buf = (uintptr_t)buf, .len = N };
	CHECK("file 2 reads file 1's allocation", call(fd2, VGPU_IOC_MEM_READ, &x),
	      ENOENT);
	CHECK("file 2 writes file 1's allocation", call(fd2, VGPU_IOC_MEM_WRITE, &x),
	      ENOENT);
	x.dptr = a.dptr + N / 2;
	x.len = N / 2;
	CHECK("file 2 reads inside file 1's allocation",
	      call(fd2, VGPU_IOC_MEM_READ, &x), ENOENT);
	f.dptr = a.dptr;
	CHECK("file 2 frees file 1's allocation", call(fd2, VGPU_IOC_MEM_FREE, &f),
	      ENOENT);
	CHECK("file 2 unloads a module it never loaded",
	      call(fd2, VGPU_IOC_MODULE_UNLOAD, &u), ENOENT);
	CHECK("file 2 launches from a module it never loaded",
	      call(fd2, VGPU_IOC_LAUNCH, &l), ENOENT);

	/* File 1: its own range, exactly. */
	x = (struct vgpu_mem_xfer){ .dptr = a.dptr, .buf = (uintptr_t)buf, .len = N };
	CHECK("file 1 reads its allocation", call(fd1, VGPU_IOC_MEM_READ, &x), 0);
	if (memcmp(buf, pat, N)) {
		printf("vgpuowner: FAIL file 1 read back other data\n");
		return 1;
	}
	x.len = N + 1;
	CHECK("file 1 reads one byte past its allocation",
	      call(fd1, VGPU_IOC_MEM_READ, &x), ERANGE);
	CHECK("quota use while file 1 holds it", used(fd2, &after), 0);
	if (after != before + N) {
		printf("vgpuowner: FAIL quota use %llu, expected %llu\n",
		       (unsigned long long)after, (unsigned long long)(before + N));
		return 1;
	}

	/* Closing file 1 frees it; the frontend does it in the background. */
	close(fd1);
	for (i = 0; i < 100; i++) {
		CHECK("quota use after close", used(fd2, &after), 0);
		if (after == before)
			break;
		usleep(50000);
	}
	if (after != before) {
		printf("vgpuowner: FAIL quota use %llu 5 s after close, expected %llu\n",
		       (unsigned long long)after, (unsigned long long)before);
		return 1;
	}
	printf("vgpuowner: ok closing file 1 freed its %d bytes\n", N);
	f.dptr = a.dptr;
	CHECK("file 2 frees file 1's allocation after the close",
	      call(fd2, VGPU_IOC_MEM_FREE, &f), ENOENT);
	close(fd2);
	printf("vgpuowner: isolate ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct vgpu_mem_alloc a = { 0 };
	struct vgpu_mem_free f;
	uint64_t u;
	int fd, err;

	if (argc < 2) {
		fprintf(stderr, "usage: vgpuowner isolate|hold|alloc|used|asuser ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "isolate") || !strcmp(argv[1], "used")) {
		if (argc > 2)
			dev = argv[2];
	} else if (argc > 3) {
		dev = argv[3];
	}
	if (!strcmp(argv[1], "isolate"))
		return isolate();
	if (!strcmp(argv[1], "used")) {
		fd = open_dev();
		err = used(fd, &u);
		if (err)
			return expect("get_info", err, 0);
		printf("vgpuowner: used=%llu\n", (unsigned long long)u);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "vgpuowner %s: missing argument\n", argv[1]);
		return 2;
	}
	if (!strcmp(argv[1], "asuser")) {
		if (setgid((gid_t)atoi(argv[2])) || setuid((uid_t)atoi(argv[2]))) {
			printf("vgpuowner: FAIL setuid %s: %s\n", argv[2], ename(errno));
			return 1;
		}
		fd = open(dev, O_RDWR);
		printf("vgpuowner: uid %s open: %s\n", argv[2],
		       ename(fd < 0 ? errno : 0));
		return 0;
	}
	a.size = strtoull(argv[2], NULL, 0);
	fd = open_dev();
	if (!strcmp(argv[1], "hold")) {
		/* The lab may kill a holder right after this, mid-MEM_ALLOC. */
		printf("vgpuowner: allocating %llu bytes\n",
		       (unsigned long long)a.size);
		fflush(stdout);
	}
	err = call(fd, VGPU_IOC_MEM_ALLOC, &a);
	if (!strcmp(argv[1], "hold")) {
		if (err)
			return expect("hold alloc", err, 0);
		printf("vgpuowner: held %llu bytes at %#llx\n",
		       (unsigned long long)a.size, (unsigned long long)a.dptr);
		fflush(stdout);
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "alloc")) {
		printf("vgpuowner: alloc %llu: %s\n", (unsigned long long)a.size,
		       ename(err));
		if (err)
			return 1;
		f.dptr = a.dptr;
		return expect("free", call(fd, VGPU_IOC_MEM_FREE, &f), 0);
	}
	fprintf(stderr, "vgpuowner: unknown command %s\n", argv[1]);
	return 2;
}
