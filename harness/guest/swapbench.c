// SPDX-License-Identifier: GPL-2.0
/*
 * swapbench: the guest side of 'make bench'. Results are lines
 * "BENCH <workload> <metric> <value>"; any page that comes back wrong makes
 * the command exit non-zero, so a benchmark never times a broken kernel.
 *
 * swapbench usemem NAME NPROC MIB
 *	A usemem-style load: NPROC processes each map MIB of anonymous memory,
 *	write every page, then read every page back and check it, so the run
 *	pays for a swap-out and a swap-in of whatever did not fit (the caller
 *	puts it in a memory cgroup below its working set). Reports
 *	throughput_mbs (MiB written and read per wall second), sys_s, wall_s.
 * swapbench hold MIB READYFILE
 *	Map and write MIB, page it all out with MADV_PAGEOUT, create
 *	READYFILE, and wait for SIGUSR1; then check every page and exit.
 * swapbench swapoff NAME DEVICE
 *	Time swapoff(DEVICE): reports swapoff_s.
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

/* Compressible, but unique to each page: a few words from the address. */
static void fill(uint64_t *p, uint64_t tag)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = (i % 8 == 0) ? tag ^ i : tag;
}

static int check(const uint64_t *p, uint64_t tag)
{
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != ((i % 8 == 0) ? tag ^ i : tag))
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

static int usemem(const char *name, int nproc, size_t bytes)
{
	struct timespec t0;
	struct rusage ru;
	int i, status, failed = 0;
	double wall;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0)
			_exit(check_all(map_fill(bytes), bytes));
	}
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

static int hold(size_t bytes, const char *readyfile)
{
	sigset_t block, old;
	char *buf;
	FILE *f;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGUSR1, release);
	buf = map_fill(bytes);
	if (madvise(buf, bytes, MADV_PAGEOUT)) {
		perror("madvise(MADV_PAGEOUT)");
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
	return check_all(buf, bytes);
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

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "usemem"))
		return usemem(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 0) << 20);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(strtoul(argv[2], NULL, 0) << 20, argv[3]);
	if (argc == 4 && !strcmp(argv[1], "swapoff"))
		return time_swapoff(argv[2], argv[3]);
	fprintf(stderr, "usage: %s usemem NAME NPROC MIB | hold MIB READYFILE | swapoff NAME DEVICE\n",
		argv[0]);
	return 2;
}
