// SPDX-License-Identifier: GPL-2.0
/*
 * swapbench: the guest side of 'make bench'. Results are lines
 * "BENCH <workload> <metric> <value>"; any page that comes back wrong makes
 * the command exit non-zero, so a benchmark never times a broken kernel.
 *
 * swapbench usemem NAME NPROC MIB [RATIO]
 *	A usemem-style load: NPROC processes each map MIB of anonymous memory,
 *	write every page, then, once all have written theirs, read every page
 *	back and check it, so the run pays for a swap-out and a swap-in of
 *	whatever did not fit (the caller puts it in a memory cgroup below its
 *	working set, or runs it in a guest with less RAM than that): the
 *	working sets all exist at once, however the processes are scheduled.
 *	RATIO: pages that compress about RATIO:1 (default: far better).
 *	Reports throughput_mbs (MiB written and read per wall second), sys_s,
 *	wall_s.
 * swapbench hold MIB READYFILE [NPROC]
 *	NPROC processes (default 1) each map and write MIB / NPROC, page it
 *	all out with MADV_PAGEOUT; READYFILE is created once all have, and
 *	on SIGUSR1 each checks every page and exits.
 * swapbench swapoff NAME DEVICE
 *	Time swapoff(DEVICE): reports swapoff_s.
 * swapbench free NAME MIB
 *	The time to free swapped-out memory: map and write MIB, page it out,
 *	wait for the writes to finish, check every 64th page (reading it
 *	back), page those out again, then time munmap() of the region
 *	(munmap_ms); then the same in a child process, timing its exit from
 *	SIGKILL to wait() (exit_ms). Reports swapped_mib and swapcached_mib,
 *	the memory swapped out, and in the swap cache, at munmap.
 * swapbench large NAME MIB RATIO
 *	Large folios out and in: map MIB aligned to 2 MiB, advise
 *	MADV_HUGEPAGE (the caller enables the folio size it measures), write
 *	it, page it all out with MADV_PAGEOUT and wait for the writes to end
 *	(out_mbs: MiB paged out per second), drop what stays in the swap
 *	cache (see drop_swap_cache()), then read every page back and check
 *	it (in_mbs). RATIO as for usemem; 0: zero-filled pages. Reports
 *	out_mbs, in_mbs, sys_s of both, and swapped_mib and swapcached_mib
 *	before the reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/swap.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/*
 * Words of a page that are incompressible (usemem's RATIO): PAGE / 8 /
 * RATIO of them, the rest repeat one word, so that the page compresses to
 * about 1/RATIO. 0: a few words from the address, the rest repeated (the
 * default: compresses far better than real data).
 */
static size_t random_words;
static int zero_pages;		/* swapbench large with RATIO 0 */

static uint64_t mix(uint64_t x)		/* splitmix64's finaliser */
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Word @i of the page tagged @tag. */
static uint64_t word(uint64_t tag, size_t i)
{
	if (zero_pages)
		return 0;
	if (random_words)
		return i < random_words ? mix(tag + i) : tag;
	return (i % 8 == 0) ? tag ^ i : tag;
}

static void fill(uint64_t *p, uint64_t tag)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = word(tag, i);
}

static int check(const uint64_t *p, uint64_t tag)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != word(tag, i))
			return -1;
	return 0;
}

static uint64_t tag_of(const char *page)
{
	return (uintptr_t)page * 0x9e3779b97f4a7c15ULL;
}

static char *map_fill(size_t bytes)
{
	char *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (buf == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	for (off = 0; off < bytes; off += PAGE)
		fill((uint64_t *)(buf + off), tag_of(buf + off));
	return buf;
}

static int check_all(const char *buf, size_t bytes)
{
	size_t off, bad = 0;

	for (off = 0; off < bytes; off += PAGE)
		bad += !!check((const uint64_t *)(buf + off), tag_of(buf + off));
	if (bad)
		fprintf(stderr, "swapbench: %zu pages came back wrong\n", bad);
	return bad ? 1 : 0;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * A usemem process: fill its memory, say so on @filled and close it, wait
 * for @go to close (the parent closes it once all have filled, or once
 * @filled has no writer left, when one died first), then check it all.
 */
static int usemem_one(size_t bytes, int filled, int go)
{
	char *buf = map_fill(bytes), c;

	if (write(filled, "f", 1) != 1) {
		perror("write");
		return 2;
	}
	close(filled);
	while (read(go, &c, 1) > 0)
		;
	return check_all(buf, bytes);
}

static int usemem(const char *name, int nproc, size_t bytes)
{
	int i, status, failed = 0, filled[2], go[2];
	struct timespec t0;
	struct rusage ru;
	double wall;
	char c;

	if (pipe(filled)) {
		perror("pipe");
		return 2;
	}
	if (pipe(go)) {
		perror("pipe");
		close(filled[0]);
		close(filled[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			/* the children forked check and exit: reaped below */
			perror("fork");
			failed = 1;
			break;
		}
		if (pid == 0) {
			close(filled[0]);
			close(go[1]);
			_exit(usemem_one(bytes, filled[1], go[0]));
		}
	}
	close(filled[1]);
	close(go[0]);
	/* all filled, or end of file: one died first */
	for (i = 0; !failed && i < nproc && read(filled[0], &c, 1) == 1; i++)
		;
	close(go[1]);
	close(filled[0]);
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	wall = since(&t0);
	getrusage(RUSAGE_CHILDREN, &ru);
	if (failed) {
		fprintf(stderr, "swapbench: a usemem process failed or found bad data\n");
		return 1;
	}
	printf("BENCH %s throughput_mbs %.1f\n", name,
	       2.0 * nproc * (bytes >> 20) / wall);
	printf("BENCH %s sys_s %.3f\n", name,
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	printf("BENCH %s wall_s %.3f\n", name, wall);
	return 0;
}

static volatile sig_atomic_t released;

static void release(int sig)
{
	(void)sig;
	released = 1;
}

static char *map_fill_pageout(size_t bytes)
{
	char *buf = map_fill(bytes);

	if (madvise(buf, bytes, MADV_PAGEOUT)) {
		perror("madvise(MADV_PAGEOUT)");
		exit(2);
	}
	return buf;
}

static int hold(size_t bytes, const char *readyfile, int nproc)
{
	int i, status, failed = 0, ready[2];
	sigset_t block, old;
	pid_t pids[64];
	char c;
	FILE *f;

	if (nproc < 1 || nproc > 64) {
		fprintf(stderr, "swapbench: hold: 1..64 processes\n");
		return 2;
	}
	if (pipe(ready)) {
		perror("pipe");
		return 2;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR1, release);
	fflush(stdout);
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			while (i--)
				kill(pids[i], SIGKILL);
			return 2;
		}
		if (pids[i] == 0) {
			size_t each = bytes / nproc & ~(PAGE - 1);
			char *buf;

			close(ready[0]);
			buf = map_fill_pageout(each);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			close(ready[1]);
			while (!released)
				sigsuspend(&old);
			_exit(check_all(buf, each));
		}
	}
	/* EOF, not a hang, if a holder dies before it is ready */
	close(ready[1]);
	for (i = 0; i < nproc; i++)
		if (read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "swapbench: a holder died\n");
			for (i = 0; i < nproc; i++)
				kill(pids[i], SIGKILL);
			return 2;
		}
	f = fopen(readyfile, "w");
	if (!f) {
		perror(readyfile);
		return 2;
	}
	fclose(f);
	while (!released)
		sigsuspend(&old);
	for (i = 0; i < nproc; i++)
		kill(pids[i], SIGUSR1);
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	return failed;
}

/* A field of /proc/meminfo or /proc/self/status, in KiB; -1 if absent. */
static long kb_field(const char *file, const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long kb = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = atol(line + len + 1);
			break;
		}
	fclose(f);
	return kb;
}

/*
 * Page @buf out again and wait until the writes are done: nothing under
 * writeback, and VmSwap steady for a tenth of a second (at most 30 s).
 */
static void settle_pageout(char *buf, size_t bytes)
{
	long last = -1, now;
	int i;

	if (madvise(buf, bytes, MADV_PAGEOUT)) {
		perror("madvise(MADV_PAGEOUT)");
		exit(2);
	}

	for (i = 0; i < 300; i++) {
		usleep(100000);
		now = kb_field("/proc/self/status", "VmSwap");
		if (now == last && !kb_field("/proc/meminfo", "Writeback"))
			break;
		last = now;
	}
}

/* Check every 64th page: reads a sample back without unswapping it all. */
static int check_sample(const char *buf, size_t bytes)
{
	size_t off, bad = 0;

	for (off = 0; off < bytes; off += 64 * PAGE)
		bad += !!check((const uint64_t *)(buf + off), tag_of(buf + off));
	if (bad)
		fprintf(stderr, "swapbench: %zu sampled pages came back wrong\n", bad);
	return bad ? 1 : 0;
}

/*
 * Fill @bytes, page them out, check a sample (which swaps it in), page
 * that out again and let the writes finish: all swapped out, as far as
 * the kernel lets it.
 */
static char *swapped_out(size_t bytes)
{
	char *buf = map_fill_pageout(bytes);

	settle_pageout(buf, bytes);
	if (check_sample(buf, bytes))
		exit(1);
	settle_pageout(buf, bytes);
	return buf;
}

static int free_swapped(const char *name, size_t bytes)
{
	struct timespec t0;
	int ready[2], status;
	char *buf, c;
	pid_t pid;

	buf = swapped_out(bytes);
	printf("BENCH %s swapped_mib %.1f\n", name,
	       kb_field("/proc/self/status", "VmSwap") / 1024.0);
	printf("BENCH %s swapcached_mib %.1f\n", name,
	       kb_field("/proc/meminfo", "SwapCached") / 1024.0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (munmap(buf, bytes)) {
		perror("munmap");
		return 2;
	}
	printf("BENCH %s munmap_ms %.2f\n", name, since(&t0) * 1e3);

	if (pipe(ready))
		return 2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		close(ready[0]);
		buf = swapped_out(bytes);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "swapbench: the child found bad data or died\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
		return 2;
	printf("BENCH %s exit_ms %.2f\n", name, since(&t0) * 1e3);
	return 0;
}

static int time_swapoff(const char *name, const char *dev)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (swapoff(dev)) {
		perror("swapoff");
		return 1;
	}
	printf("BENCH %s swapoff_s %.3f\n", name, since(&t0));
	return 0;
}

/*
 * Wait, polling every 10 ms, until nothing is under writeback and either
 * all @bytes are swapped out or VmSwap has not moved for 0.2 s (at most
 * 30 s): the end of a MADV_PAGEOUT, timed closer than settle_pageout().
 * Return: the seconds since @t0 at which VmSwap last grew.
 */
static double wait_pageout(size_t bytes, const struct timespec *t0)
{
	double grew = since(t0);
	long last = -1, now;
	int i, steady = 0;

	for (i = 0; i < 3000; i++) {
		now = kb_field("/proc/self/status", "VmSwap");
		if (now != last)
			grew = since(t0);
		if (!kb_field("/proc/meminfo", "Writeback")) {
			if (now >= (long)(bytes >> 10))
				return since(t0);
			steady = now == last ? steady + 1 : 0;
			if (steady == 20)
				return grew;
		}
		last = now;
		usleep(10000);
	}
	return since(t0);
}

/*
 * Drop the clean swap cache left by the writes (folios that were under
 * writeback when reclaim passed them stay cached): the memory cgroup we
 * run in reclaims them (memory.reclaim in SWAPBENCH_RECLAIM), so that the
 * reads that follow come from the backend, not from the cache.
 */
static void drop_swap_cache(void)
{
	const char *file = getenv("SWAPBENCH_RECLAIM");
	FILE *f;

	if (!file)
		return;
	f = fopen(file, "w");
	if (!f) {
		perror(file);
		exit(2);
	}
	/* EAGAIN once nothing more can go: the expected end */
	fputs("1G", f);
	fclose(f);
}

static double sys_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int large(const char *name, size_t bytes)
{
	const size_t align = 2UL << 20;
	struct timespec t0;
	double out, in, sys0, zswapped, zswap;
	char *map, *buf;
	size_t off;
	int bad;

	map = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	buf = (char *)(((uintptr_t)map + align - 1) & ~(align - 1));
	if (madvise(buf, bytes, MADV_HUGEPAGE))
		perror("madvise(MADV_HUGEPAGE)");
	for (off = 0; off < bytes; off += PAGE)
		fill((uint64_t *)(buf + off), tag_of(buf + off));

	sys0 = sys_time();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (madvise(buf, bytes, MADV_PAGEOUT)) {
		perror("madvise(MADV_PAGEOUT)");
		return 2;
	}
	out = wait_pageout(bytes, &t0);
	printf("BENCH %s swapped_mib %.1f\n", name,
	       kb_field("/proc/self/status", "VmSwap") / 1024.0);
	drop_swap_cache();
	printf("BENCH %s swapcached_mib %.1f\n", name,
	       kb_field("/proc/meminfo", "SwapCached") / 1024.0);
	/* what zswap holds of it: the pages' size over their compressed size */
	zswapped = kb_field("/proc/meminfo", "Zswapped");
	zswap = kb_field("/proc/meminfo", "Zswap");
	if (zswap > 0) {
		printf("BENCH %s zswap_ratio %.2f\n", name, zswapped / zswap);
		printf("BENCH %s zswap_saved_mib %.1f\n", name,
		       (zswapped - zswap) / 1024.0);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	bad = check_all(buf, bytes);
	in = since(&t0);
	if (bad)
		return 1;
	printf("BENCH %s out_mbs %.1f\n", name, (bytes >> 20) / out);
	printf("BENCH %s in_mbs %.1f\n", name, (bytes >> 20) / in);
	printf("BENCH %s sys_s %.3f\n", name, sys_time() - sys0);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "usemem")) {
		if (argc == 6 && atoi(argv[5]) > 0)
			random_words = PAGE / 8 / atoi(argv[5]);
		return usemem(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 0) << 20);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "hold"))
		return hold(strtoul(argv[2], NULL, 0) << 20, argv[3],
			    argc == 5 ? atoi(argv[4]) : 1);
	if (argc == 4 && !strcmp(argv[1], "swapoff"))
		return time_swapoff(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "free"))
		return free_swapped(argv[2], strtoul(argv[3], NULL, 0) << 20);
	if (argc == 5 && !strcmp(argv[1], "large")) {
		if (atoi(argv[4]) > 0)
			random_words = PAGE / 8 / atoi(argv[4]);
		else
			zero_pages = 1;
		return large(argv[2], strtoul(argv[3], NULL, 0) << 20);
	}
	fprintf(stderr, "usage: %s usemem NAME NPROC MIB [RATIO] | hold MIB READYFILE [NPROC] | swapoff NAME DEVICE | free NAME MIB | large NAME MIB RATIO\n",
		argv[0]);
	return 2;
}
