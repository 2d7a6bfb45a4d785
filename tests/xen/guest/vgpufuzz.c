/*
 * vgpufuzz: a hostile guest program on a vgpu device, for the Xen lab.
 *
 *   vgpufuzz [-t SECONDS] [-j THREADS] [-s SEED] [DEVICE]
 *            (defaults: 60 s, 8 threads, seed from the clock, /dev/vgpu0)
 *
 * Ordinary ioctls only, as any user of the guest could issue them: random
 * operation numbers (the device's own, the right ones with wrong sizes,
 * and any number at all), random sizes and fields around every limit,
 * bad pointers (NULL, unmapped, kernel addresses, read-only pages, a
 * structure that ends on a guard page), device addresses it got and ones
 * it made up. For SECONDS it runs rounds: a child process opens the device
 * and runs THREADS threads of such ioctls, which also close each other's
 * descriptors while requests are in flight; the round ends with SIGKILL at
 * a random time (or the child exits by itself), so the device is closed
 * with requests in flight in every state.
 *
 * Prints how many ioctls went out per errno and "vgpufuzz: after
 * mem_used=N" (GET_INFO: the worker's count of the VM's allocations once
 * every fuzzing process is gone). Exit 0 when the device still answers
 * NOP and GET_INFO afterwards and no ioctl saw EHOSTDOWN, ESHUTDOWN or
 * ENOTCONN (the worker or the backend went away); 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vgpu.h>

#define MAX_THREADS	64
#define NR_ERRNO	160
#define NR_FDS		8
#define NR_DPTRS	64
#define ARENA		(4u << 20)	/* data buffers, then a guard page */
#define PAGE		4096u

/* Shared by every process of the run (MAP_SHARED). */
struct stats {
	_Atomic unsigned long calls, ok, by_errno[NR_ERRNO], other_errno;
	_Atomic unsigned long rounds, killed, allocs;
};

static struct stats *st;
static const char *dev = "/dev/vgpu0";
static unsigned int nthreads = 8;

/* Per child process: its descriptors, addresses and memory. */
static _Atomic int fds[NR_FDS];
static _Atomic uint64_t dptrs[NR_DPTRS];
static uint8_t *arena;		/* ARENA bytes, guard page after */
static uint8_t *ro_page;	/* read only */
static uint8_t *none_page;	/* PROT_NONE */

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* A size near one of the limits, or anything. */
static uint64_t pick_len(uint64_t *s)
{
	static const uint64_t v[] = {
		0, 1, 7, 8, 12, 112, 120, 255, 256, 4095, 4096, 4097,
		32768, 36864, 1u << 20, (1u << 20) + 1, 12u << 20, 16u << 20,
		(16u << 20) + 1, 1ull << 32, (1ull << 32) + 1, 1ull << 40,
		(1ull << 40) + 1, UINT64_MAX, UINT64_MAX - 4095,
	};

	if (below(s, 4) == 0)
		return rnd(s) >> below(s, 64);
	return v[below(s, sizeof(v) / sizeof(v[0]))] + below(s, 3) - 1;
}

/* A user pointer: into the arena (maybe running into its guard) or bad. */
static uint64_t pick_ptr(uint64_t *s)
{
	switch (below(s, 12)) {
	case 0: return 0;
	case 1: return 1 + below(s, PAGE);
	case 2: return 0xffffffff81000000ull + below(s, 1u << 20);
	case 3: return (uintptr_t)none_page + below(s, PAGE);
	case 4: return (uintptr_t)ro_page + below(s, PAGE);
	case 5: return (uintptr_t)arena + ARENA - below(s, 64);
	default: return (uintptr_t)arena + below(s, ARENA);
	}
}

static uint64_t pick_dptr(uint64_t *s)
{
	uint64_t d = atomic_load(&dptrs[below(s, NR_DPTRS)]);

	switch (below(s, 6)) {
	case 0: return rnd(s);
	case 1: return (1ull << 32) + below(s, 1u << 24);
	case 2: return d + pick_len(s);
	default: return d;
	}
}

/*
 * The argument of @cmd: a structure of the right type with random fields,
 * in the arena or on its last bytes, or a bad pointer.
 */
static void *pick_arg(uint64_t *s, unsigned int nr, uint8_t *scratch)
{
	uint8_t *p;

	if (below(s, 8) == 0)
		return (void *)(uintptr_t)pick_ptr(s);
	/* Most often a scratch area; sometimes the arena's last bytes. */
	p = below(s, 8) ? scratch : arena + ARENA - below(s, 64);
	memset(scratch, 0, 128);
	switch (nr) {
	case 0x01: {			/* MEM_ALLOC */
		struct vgpu_mem_alloc a = { .size = below(s, 3) ?
					    1 + below(s, 8u << 20) :
					    pick_len(s) };
		memcpy(scratch, &a, sizeof(a));
		break;
	}
	case 0x02: {			/* MEM_FREE */
		struct vgpu_mem_free f = { .dptr = pick_dptr(s) };
		memcpy(scratch, &f, sizeof(f));
		break;
	}
	case 0x03: case 0x04: {		/* MEM_WRITE, MEM_READ */
		struct vgpu_mem_xfer x = {
			.dptr = pick_dptr(s), .buf = pick_ptr(s),
			.len = below(s, 2) ? 1 + below(s, 256u << 10) :
			       pick_len(s),
		};
		memcpy(scratch, &x, sizeof(x));
		break;
	}
	case 0x05: {			/* MODULE_LOAD */
		struct vgpu_module_load m = { .image = pick_ptr(s),
					      .size = pick_len(s) };
		memcpy(scratch, &m, sizeof(m));
		break;
	}
	case 0x06: {			/* MODULE_UNLOAD */
		struct vgpu_module_unload u = { .handle = rnd(s) >> below(s, 64) };
		memcpy(scratch, &u, sizeof(u));
		break;
	}
	case 0x07: {			/* LAUNCH */
		struct vgpu_launch l = {
			.module = rnd(s) >> below(s, 64), .name = pick_ptr(s),
			.params = pick_ptr(s),
			.name_len = (uint32_t)pick_len(s),
			.params_len = (uint32_t)pick_len(s),
			.shared_mem = (uint32_t)pick_len(s),
			.reserved = below(s, 8) ? 0 : (uint32_t)rnd(s),
		};
		for (int i = 0; i < 3; i++) {
			l.grid[i] = below(s, 2) ? 1 : (uint32_t)pick_len(s);
			l.block[i] = below(s, 2) ? 1 : (uint32_t)pick_len(s);
		}
		memcpy(scratch, &l, sizeof(l));
		break;
	}
	case 0x09: {			/* VECTOR_ADD */
		struct vgpu_vector_add v = {
			.a = pick_ptr(s), .b = pick_ptr(s), .c = pick_ptr(s),
			.n = below(s, 2) ? 1 + below(s, 4096) :
			     (uint32_t)pick_len(s),
			.reserved = below(s, 8) ? 0 : (uint32_t)rnd(s),
		};
		memcpy(scratch, &v, sizeof(v));
		break;
	}
	default:			/* GET_INFO (output), SYNC, NOP, unknown */
		for (int i = 0; i < 16; i++)
			((uint64_t *)scratch)[i] = rnd(s);
		break;
	}
	if (p != scratch)
		memcpy(p, scratch, (size_t)(arena + ARENA - p));
	return p;
}

/* An operation number: the device's own, with a wrong size, or anything. */
static unsigned long pick_cmd(uint64_t *s, unsigned int *nr)
{
	static const unsigned long cmds[] = {
		VGPU_IOC_GET_INFO, VGPU_IOC_MEM_ALLOC, VGPU_IOC_MEM_FREE,
		VGPU_IOC_MEM_WRITE, VGPU_IOC_MEM_READ, VGPU_IOC_MODULE_LOAD,
		VGPU_IOC_MODULE_UNLOAD, VGPU_IOC_LAUNCH, VGPU_IOC_SYNC,
		VGPU_IOC_VECTOR_ADD, VGPU_IOC_NOP,
	};
	unsigned long c = cmds[below(s, sizeof(cmds) / sizeof(cmds[0]))];

	*nr = _IOC_NR(c);
	switch (below(s, 10)) {
	case 0:		/* the same number, another size or direction */
		return _IOC(below(s, 4), VGPU_IOC_MAGIC, *nr, below(s, 256));
	case 1:		/* another number of the device's magic */
		*nr = (unsigned int)below(s, 256);
		return _IOC(below(s, 4), VGPU_IOC_MAGIC, *nr, below(s, 128));
	case 2:		/* anything */
		*nr = 0xff;
		return (unsigned long)(uint32_t)rnd(s);
	default:
		return c;
	}
}

static void count(int rc, int err)
{
	atomic_fetch_add(&st->calls, 1);
	if (rc >= 0)
		atomic_fetch_add(&st->ok, 1);
	else if (err > 0 && err < NR_ERRNO)
		atomic_fetch_add(&st->by_errno[err], 1);
	else
		atomic_fetch_add(&st->other_errno, 1);
}

static void *fuzz_thread(void *arg)
{
	uint64_t s = (uintptr_t)arg | 1;
	uint8_t scratch[256] __attribute__((aligned(8)));

	for (;;) {
		unsigned int slot = (unsigned int)below(&s, NR_FDS), nr;
		unsigned long cmd;
		void *a;
		int fd, rc;

		switch (below(&s, 32)) {
		case 0:		/* close a descriptor others may be using */
			fd = atomic_exchange(&fds[slot], -1);
			if (fd >= 0)
				close(fd);
			continue;
		case 1:		/* open one into a free slot */
			fd = open(dev, O_RDWR);
			if (fd >= 0) {
				int old = -1;

				if (!atomic_compare_exchange_strong(&fds[slot],
								    &old, fd))
					close(fd);
			}
			continue;
		}
		fd = atomic_load(&fds[slot]);
		if (fd < 0)
			continue;
		cmd = pick_cmd(&s, &nr);
		a = pick_arg(&s, nr, scratch);
		rc = ioctl(fd, cmd, a);
		count(rc, errno);
		if (rc == 0 && cmd == VGPU_IOC_MEM_ALLOC && a == scratch) {
			atomic_fetch_add(&st->allocs, 1);
			atomic_store(&dptrs[below(&s, NR_DPTRS)],
				     ((struct vgpu_mem_alloc *)scratch)->dptr);
		}
	}
	return NULL;
}

static uint8_t *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("vgpufuzz: mmap");
		_exit(2);
	}
	return p;
}

/* One round's process: THREADS threads until killed or @ms have passed. */
static void child(uint64_t seed, unsigned int ms)
{
	pthread_t t;

	arena = map(ARENA + PAGE, PROT_READ | PROT_WRITE);
	mprotect(arena + ARENA, PAGE, PROT_NONE);
	ro_page = map(PAGE, PROT_READ);
	none_page = map(PAGE, PROT_NONE);
	for (int i = 0; i < NR_FDS; i++)
		atomic_store(&fds[i], i < 2 ? open(dev, O_RDWR) : -1);
	for (unsigned int i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, fuzz_thread,
				   (void *)(uintptr_t)(seed * 31 + i + 1)))
			_exit(2);
	usleep(ms * 1000u);
	_exit(0);	/* the device closes with requests in flight */
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = 60, end;
	uint64_t seed = (uint64_t)time(NULL), s;
	struct vgpu_info info;
	int opt, fd, fails = 0;

	while ((opt = getopt(argc, argv, "t:j:s:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'j': nthreads = (unsigned int)atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: vgpufuzz [-t SECONDS] [-j THREADS] [-s SEED] [DEVICE]\n");
			return 2;
		}
	}
	if (optind < argc)
		dev = argv[optind];
	if (!nthreads || nthreads > MAX_THREADS)
		nthreads = 8;
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		return 2;
	printf("vgpufuzz: %s for %.0f s, %u threads, seed %llu\n", dev, secs,
	       nthreads, (unsigned long long)seed);
	fflush(stdout);
	s = seed | 1;
	end = now() + secs;
	while (now() < end) {
		unsigned int ms = 50 + (unsigned int)below(&s, 1500);
		pid_t pid = fork();

		if (pid < 0) {
			perror("vgpufuzz: fork");
			return 2;
		}
		if (pid == 0)
			child(rnd(&s), ms);
		atomic_fetch_add(&st->rounds, 1);
		/* Most rounds end by SIGKILL, before the child's own end. */
		if (below(&s, 4)) {
			usleep((unsigned int)below(&s, ms) * 1000u);
			kill(pid, SIGKILL);
			atomic_fetch_add(&st->killed, 1);
		}
		waitpid(pid, NULL, 0);
	}

	printf("vgpufuzz: %lu ioctls in %lu rounds (%lu killed): ok %lu, allocations %lu\n",
	       st->calls, st->rounds, st->killed, st->ok, st->allocs);
	for (int e = 1; e < NR_ERRNO; e++)
		if (st->by_errno[e])
			printf("vgpufuzz: errno %s (%d): %lu\n", strerrorname_np(e)
			       ? strerrorname_np(e) : "?", e, st->by_errno[e]);
	if (st->other_errno)
		printf("vgpufuzz: other errno: %lu\n", st->other_errno);
	for (int e = 0; e < 3; e++) {
		static const int fatal[] = { EHOSTDOWN, ESHUTDOWN, ENOTCONN };

		if (st->by_errno[fatal[e]]) {
			printf("vgpufuzz: FAIL %lu ioctls saw %s: the worker or backend went away\n",
			       st->by_errno[fatal[e]], strerrorname_np(fatal[e]));
			fails++;
		}
	}

	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, VGPU_IOC_NOP) < 0 ||
	    ioctl(fd, VGPU_IOC_GET_INFO, &info) < 0) {
		printf("vgpufuzz: FAIL the device does not answer afterwards: %s\n",
		       strerror(errno));
		return 1;
	}
	printf("vgpufuzz: after mem_used=%llu mem_quota=%llu\n",
	       (unsigned long long)info.mem_used,
	       (unsigned long long)info.mem_quota);
	close(fd);
	return fails ? 1 : 0;
}
