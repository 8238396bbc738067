// SPDX-License-Identifier: GPL-2.0
/*
 * swap_stress: swap under concurrency and topology changes, with and without
 * virtual swap (CONFIG_VIRTUAL_SWAP).  Every byte swapped is verified, and
 * the swap counters prove that the data left memory and came back from a
 * swap backend (with the swap cache emptied of it first, so that no read is
 * served from memory).
 *
 *   many_procs      16 processes in one memcg far below their combined
 *                   working set: all fill their own pattern, wait until all
 *                   are filled (so the overflow must be out of memory), then
 *                   verify twice; swap-out and swap-in of at least the
 *                   overflow, by the counters
 *   two_devices     two swap areas with priorities: pages go to the high
 *                   priority one until it is full ("Used" of /proc/swaps),
 *                   and only the overflow goes to the low priority one
 *   readahead       a region paged out and read back sequentially: swap
 *                   readahead reads pages ahead (swap_ra) and they are used
 *                   (swap_ra_hit)
 *   cgroup_removal  a memcg removed while its pages are swapped out stays
 *                   dying (the swap entries pin it) until they are gone,
 *                   and the data, read back by a task now back in the
 *                   program's own cgroup, is intact
 *   cpu_hotplug     two processes swap out and in a loop while CPU 1 goes
 *                   offline and online again, several times
 *   offline_cluster with virtual swap: a CPU taken offline gives up the
 *                   slot cluster it allocated from (metadata_bytes drops)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "swap_util.h"

#define VMA_RA_ENABLED	"/sys/kernel/mm/swap/vma_ra_enabled"
#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define CGROUP_STAT	CGROUP_ROOT "/cgroup.stat"

/* two_devices: priorities given to area A and area B */
#define PRIO_HIGH	20
#define PRIO_LOW	10

struct tcase {
	const char *name;
	int (*fn)(void);
};

static struct common_opts opt;
static const char *opt_only;
static unsigned int opt_procs = 16;
static size_t opt_limit = 40 * MiB;
static unsigned int opt_cycles = 6;
static const char *opt_devices[2];
static unsigned int nr_devices;

static size_t size_or(size_t mib)
{
	return opt.size ? opt.size : mib * MiB;
}

static void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

/* Region of @len bytes kept at base pages, so each page is its own folio. */
static void *map_small_pages(size_t len)
{
	void *buf = map_anon(len, 0);

	if (buf && madvise(buf, len, MADV_NOHUGEPAGE))
		ksft_perror("madvise(MADV_NOHUGEPAGE)");
	return buf;
}

/*
 * Run fn(arg) in a child in a fresh memcg without a limit: swapcache_drop()
 * then reclaims from that memcg only, not from the whole guest.
 */
static int in_memcg(const char *tag, int (*fn)(void *), void *arg)
{
	char cg[PATH_MAX];
	int ret;

	if (cg_create(cg, sizeof(cg), tag))
		return KSFT_FAIL;
	ret = child_result(tag, wait_child(run_child(cg, fn, arg), NULL, NULL,
					   NULL));
	cg_print_stats(tag, cg);
	if (cg_destroy(cg))
		ret = KSFT_FAIL;
	return ret;
}

/*
 * many_procs: the children fill, then wait at a barrier until all have
 * filled, so that the whole combined working set exists at once and what
 * exceeds memory.max must be out of memory; then they verify, twice.
 */
static struct {
	int ready[2];		/* each child writes a byte when filled */
	int go[2];		/* EOF once the parent closes its end */
} barrier = { { -1, -1 }, { -1, -1 } };

struct proc_job {
	unsigned int id;
	size_t size;
	uint64_t seed;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int proc_child(void *arg)
{
	struct proc_job *j = arg;
	char c = 'r', what[48];
	bool ok = true;
	int pass;
	char *buf;

	close_fd(&barrier.ready[0]);
	close_fd(&barrier.go[1]);
	buf = map_anon(j->size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, j->size, opt.pattern, j->seed);
	if (write(barrier.ready[1], &c, 1) != 1) {
		ksft_perror("write to barrier");
		munmap(buf, j->size);
		return KSFT_FAIL;
	}
	close_fd(&barrier.ready[1]);
	/* returns 0 (EOF) when the parent lets everyone go */
	if (read(barrier.go[0], &c, 1) < 0)
		ksft_perror("read from barrier");
	for (pass = 1; pass <= 2; pass++) {
		snprintf(what, sizeof(what), "proc %u verify pass %d", j->id,
			 pass);
		ok &= verify(what, buf, j->size, opt.pattern, j->seed);
	}
	munmap(buf, j->size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_many_procs(void)
{
	size_t size = size_or(6), total = opt_procs * size;
	uint64_t mem = 0, swap = 0, zswap = 0, overflow, outs;
	struct proc_job *jobs;
	struct vmstat before, after;
	unsigned int i, started, filled = 0;
	char cg[PATH_MAX], c;
	int ret = KSFT_PASS, r;
	pid_t *pids;

	overflow = memcg_overflow_pages(total, opt_limit);
	ksft_print_msg("many_procs: %u x %zu MiB in a memcg with memory.max %zu MiB, overflow %"
		       PRIu64 " pages\n",
		       opt_procs, size / MiB, opt_limit / MiB, overflow);
	if (!overflow) {
		ksft_print_msg("many_procs: the working set must exceed memory.max\n");
		return KSFT_FAIL;
	}
	jobs = calloc(opt_procs, sizeof(*jobs));
	pids = calloc(opt_procs, sizeof(*pids));
	if (!jobs || !pids) {
		ksft_print_msg("out of memory\n");
		free(jobs);
		free(pids);
		return KSFT_FAIL;
	}
	if (pipe(barrier.ready) || pipe(barrier.go)) {
		ksft_perror("pipe");
		ret = KSFT_FAIL;
		goto close;
	}
	if (cg_create(cg, sizeof(cg), "many_procs")) {
		ret = KSFT_FAIL;
		goto close;
	}
	if (cg_write(cg, "memory.max", "%zu", opt_limit)) {
		ret = KSFT_FAIL;
		goto destroy;
	}

	vmstat_read(&before);
	for (started = 0; started < opt_procs; started++) {
		jobs[started] = (struct proc_job){
			.id = started, .size = size,
			.seed = opt.seed + started,
		};
		pids[started] = run_child(cg, proc_child, &jobs[started]);
		if (pids[started] < 0) {
			ret = KSFT_FAIL;
			break;
		}
	}
	close_fd(&barrier.ready[1]);
	close_fd(&barrier.go[0]);
	/* EOF once every child has written its byte or died */
	while ((r = read(barrier.ready[0], &c, 1)) == 1 ||
	       (r < 0 && errno == EINTR))
		filled += r == 1;
	cg_read(cg, "memory.current", &mem);
	cg_read(cg, "memory.swap.current", &swap);
	cg_read(cg, "memory.zswap.current", &zswap);
	ksft_print_msg("many_procs: %u of %u processes filled; memory.current %" PRIu64
		       " KiB, memory.swap.current %" PRIu64 " KiB, memory.zswap.current %" PRIu64
		       " KiB\n",
		       filled, opt_procs, mem / 1024, swap / 1024,
		       zswap / 1024);
	if (filled != opt_procs) {
		ksft_print_msg("many_procs: not every process filled its memory\n");
		ret = KSFT_FAIL;
	}
	close_fd(&barrier.go[1]);
	for (i = 0; i < started; i++) {
		char what[32];

		snprintf(what, sizeof(what), "proc %u", i);
		if (child_result(what, wait_child(pids[i], NULL, NULL,
						  NULL)) != KSFT_PASS)
			ret = KSFT_FAIL;
	}
	vmstat_read(&after);
	cg_print_stats("many_procs", cg);
	if (!swapped_out("many_procs", &before, &after))
		ret = KSFT_FAIL;
	/*
	 * With all the working sets alive at the barrier, at least the
	 * overflow was out of memory and out of the swap cache then (see
	 * memcg_overflow_pages()), and the first verify pass read it back.
	 */
	outs = swapouts(&before, &after);
	ksft_print_msg("many_procs: %" PRIu64 " pages stored, want at least %" PRIu64 "\n",
		       outs, (uint64_t)overflow);
	if (outs < overflow) {
		ksft_print_msg("many_procs: fewer pages were swapped out than the overflow\n");
		ret = KSFT_FAIL;
	}
	if (!swapped_in("many_procs", &before, &after, overflow))
		ret = KSFT_FAIL;
destroy:
	if (cg_destroy(cg))
		ret = KSFT_FAIL;
close:
	close_fd(&barrier.ready[0]);
	close_fd(&barrier.ready[1]);
	close_fd(&barrier.go[0]);
	close_fd(&barrier.go[1]);
	free(jobs);
	free(pids);
	return ret;
}

static int prio_flags(int prio)
{
	if (prio < 0)
		return 0;
	return SWAP_FLAG_PREFER |
	       ((prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
}

static int swapon_prio(const char *dev, int prio)
{
	if (!swapon(dev, prio_flags(prio)))
		return 0;
	ksft_print_msg("swapon(%s, priority %d): %s\n", dev, prio,
		       strerror(errno));
	return -1;
}

/*
 * MADV_PAGEOUT @buf until nearly all of it is out (a page can be missed
 * when it sits in another CPU's LRU batch); the pages swapped out, or -1
 * if fewer than MIN_SWAPPED_PCT percent.
 */
static long pageout_most(const char *what, void *buf, size_t len)
{
	struct swap_scan s;
	int tries, pct = -1;

	for (tries = 0; tries < 3 && pct < 95; tries++) {
		pct = pageout_pct(what, buf, len);
		if (pct < 0)
			return -1;
	}
	if (pct < MIN_SWAPPED_PCT) {
		ksft_print_msg("%s: want at least %d%% swapped out\n", what,
			       MIN_SWAPPED_PCT);
		return -1;
	}
	if (swap_scan(buf, len, &s))
		return -1;
	return s.swapped;
}

struct two_devices_job {
	const char *a, *b;
	uint64_t a_kb, b_kb;
	enum pattern p;
};

static void print_used(const struct two_devices_job *j, const char *when,
		       uint64_t used_a, uint64_t used_b)
{
	ksft_print_msg("two_devices: %s: %s Used %" PRIu64 " of %" PRIu64 " KiB, %s Used %" PRIu64
		       " of %" PRIu64 " KiB\n",
		       when, j->a, used_a, j->a_kb, j->b, used_b, j->b_kb);
}

/*
 * Phase 1 pages out half of A: all of it must be on A.  Phase 2 pages out
 * more than A has left: A must fill up and only then B take the rest.
 * Then everything is read back from the devices and verified.
 */
static int two_devices_child(void *arg)
{
	struct two_devices_job *j = arg;
	size_t ps = page_size(), len1, len2 = 0;
	uint64_t used_a, used_b, free_a, out_kb, slack_kb;
	struct vmstat before, mid, after;
	char *buf1, *buf2 = NULL;
	long s1, s2, d1 = -1, d2 = -1;
	bool ok = true;

	len1 = (j->a_kb * 1024 / 2) & ~(ps - 1);
	buf1 = map_small_pages(len1);
	if (!buf1)
		return KSFT_FAIL;
	pattern_fill(buf1, len1, j->p, opt.seed);
	vmstat_read(&before);
	s1 = pageout_most("two_devices: half of A", buf1, len1);
	if (s1 < 0) {
		ok = false;
		goto out;
	}
	used_a = swaps_used_kb(j->a);
	used_b = swaps_used_kb(j->b);
	print_used(j, "after half of A's size", used_a, used_b);
	out_kb = s1 * ps / 1024;
	if (used_a < out_kb) {
		ksft_print_msg("two_devices: %" PRIu64 " KiB swapped out but only %" PRIu64 " KiB on %s\n",
			       out_kb, used_a, j->a);
		ok = false;
	}
	if (used_b) {
		ksft_print_msg("two_devices: %s has higher priority and room, yet %" PRIu64 " KiB went to %s\n",
			       j->a, used_b, j->b);
		ok = false;
	}

	free_a = used_a < j->a_kb ? j->a_kb - used_a : 0;
	len2 = (free_a * 1024 + j->a_kb * 1024 / 2 + ps - 1) & ~(ps - 1);
	buf2 = map_small_pages(len2);
	if (!buf2) {
		ok = false;
		goto out;
	}
	pattern_fill(buf2, len2, j->p, opt.seed + 1);
	s2 = pageout_most("two_devices: more than A has left", buf2, len2);
	if (s2 < 0) {
		ok = false;
		goto out;
	}
	used_a = swaps_used_kb(j->a);
	used_b = swaps_used_kb(j->b);
	print_used(j, "after more than A's free space", used_a, used_b);
	if ((uint64_t)s2 * ps / 1024 <= free_a) {
		ksft_print_msg("two_devices: only %zu KiB paged out, not more than the %" PRIu64 " KiB left on %s\n",
			       s2 * ps / 1024, free_a, j->a);
		ok = false;
	}
	/* with zswap off and no zero page, every page out has a device slot */
	out_kb = (s1 + s2) * ps / 1024;
	if (used_a + used_b < out_kb) {
		ksft_print_msg("two_devices: %" PRIu64 " KiB swapped out, only %" PRIu64 " KiB on the two areas\n",
			       out_kb, used_a + used_b);
		ok = false;
	}
	if (!used_b || (out_kb > j->a_kb && used_b < out_kb - j->a_kb)) {
		ksft_print_msg("two_devices: want the overflow of %s (%" PRIu64
			       " KiB) on %s, it has %" PRIu64 " KiB\n",
			       j->a, out_kb > j->a_kb ? out_kb - j->a_kb : 0,
			       j->b, used_b);
		ok = false;
	}
	/*
	 * B is only used once A has no free slot; what A keeps free is at
	 * most a few slots in flight and per-CPU slot caches.
	 */
	slack_kb = 1024 + j->a_kb / 64;
	if (used_a + slack_kb < j->a_kb) {
		ksft_print_msg("two_devices: %s went into use with %" PRIu64
			       " KiB still free on %s (allowed %" PRIu64 ")\n",
			       j->b, j->a_kb - used_a, j->a, slack_kb);
		ok = false;
	}

	d1 = swapcache_drop("two_devices: first region", buf1, len1);
	d2 = swapcache_drop("two_devices: second region", buf2, len2);
	vmstat_read(&mid);
	ok &= swapped_out("two_devices", &before, &mid);
	ok &= verify("two_devices: first region", buf1, len1, j->p,
		     opt.seed);
	ok &= verify("two_devices: second region", buf2, len2, j->p,
		     opt.seed + 1);
	vmstat_read(&after);
	if (d1 < 0 || d2 < 0) {
		ok = false;
	} else {
		ok &= swapped_in("two_devices", &mid, &after, d1 + d2);
		/* zswap is off: all of it must have come from the devices */
		if (vm_delta(&mid, &after, VM_PSWPIN) < (uint64_t)(d1 + d2)) {
			ksft_print_msg("two_devices: pswpin +%" PRIu64 ", want at least %ld\n",
				       vm_delta(&mid, &after, VM_PSWPIN), d1 + d2);
			ok = false;
		}
	}
out:
	munmap(buf1, len1);
	if (buf2)
		munmap(buf2, len2);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_two_devices(void)
{
	struct two_devices_job j = { 0 };
	int prio_a = -1, prio_b = -1, p;
	bool a_on, b_on;
	int ret;

	if (nr_devices != 2) {
		ksft_print_msg("two_devices: needs --device A --device B (two active swap areas, A the one to fill)\n");
		return KSFT_FAIL;
	}
	j.a = opt_devices[0];
	j.b = opt_devices[1];
	/*
	 * With virtual swap, pages zswap holds and zero pages take no
	 * device slot: the slot accounting below needs every page on a
	 * device.
	 */
	if (zswap_enabled()) {
		ksft_print_msg("two_devices: zswap is enabled; run this case with zswap off\n");
		return KSFT_FAIL;
	}
	j.p = opt.pattern;
	if (j.p == PAT_ZERO || j.p == PAT_MIXED) {
		ksft_print_msg("two_devices: zero pages may take no device slot: using the compressible pattern\n");
		j.p = PAT_COMPRESSIBLE;
	}
	if (swaps_find(j.a, &prio_a) != 1 || swaps_find(j.b, &prio_b) != 1) {
		ksft_print_msg("two_devices: %s and %s must both be active swap areas\n",
			       j.a, j.b);
		return KSFT_FAIL;
	}
	ksft_print_msg("two_devices: swapoff %s (priority %d) and %s (priority %d)\n",
		       j.a, prio_a, j.b, prio_b);
	if (swapoff(j.a)) {
		ksft_print_msg("swapoff(%s): %s\n", j.a, strerror(errno));
		return KSFT_FAIL;
	}
	if (swapoff(j.b)) {
		ksft_print_msg("swapoff(%s): %s\n", j.b, strerror(errno));
		swapon_prio(j.a, prio_a);
		return KSFT_FAIL;
	}
	a_on = !swapon_prio(j.a, PRIO_HIGH);
	b_on = !swapon_prio(j.b, PRIO_LOW);
	if (!a_on || !b_on) {
		/* leave both areas on, as found */
		if (!a_on)
			swapon_prio(j.a, prio_a);
		if (!b_on)
			swapon_prio(j.b, prio_b);
		return KSFT_FAIL;
	}
	if (swaps_find(j.a, &p) != 1 || p != PRIO_HIGH ||
	    swaps_find(j.b, &p) != 1 || p != PRIO_LOW) {
		ksft_print_msg("two_devices: /proc/swaps does not show the priorities %d and %d\n",
			       PRIO_HIGH, PRIO_LOW);
		return KSFT_FAIL;
	}
	j.a_kb = swaps_size_kb(j.a);
	j.b_kb = swaps_size_kb(j.b);
	ksft_print_msg("two_devices: %s: %" PRIu64 " KiB at priority %d, %s: %" PRIu64 " KiB at priority %d\n",
		       j.a, j.a_kb, PRIO_HIGH, j.b, j.b_kb, PRIO_LOW);
	if (swaps_used_kb(j.a) || swaps_used_kb(j.b)) {
		ksft_print_msg("two_devices: freshly enabled areas are not empty\n");
		return KSFT_FAIL;
	}
	/* the working set is A and a half: keep it to tens of MiB */
	if (j.a_kb < 4 * 1024 || j.a_kb > 128 * 1024) {
		ksft_print_msg("two_devices: %s must have 4 to 128 MiB (32 suits)\n",
			       j.a);
		return KSFT_FAIL;
	}
	if (j.b_kb < j.a_kb / 2 + 4 * 1024) {
		ksft_print_msg("two_devices: %s must hold half of %s and 4 MiB more\n",
			       j.b, j.a);
		return KSFT_FAIL;
	}
	/* both areas stay on, with these priorities, for the suite to undo */
	ret = in_memcg("two_devices", two_devices_child, &j);
	print_used(&j, "at the end", swaps_used_kb(j.a), swaps_used_kb(j.b));
	return ret;
}

/*
 * readahead: with the swap cache emptied, a sequential read faults on the
 * first page of each window and swap readahead brings in the next ones
 * (swap_ra); the reads that then find them count swap_ra_hit.
 */
static int readahead_child(void *arg)
{
	size_t size = *(size_t *)arg, npages = size / page_size();
	struct vmstat before, mid, after;
	uint64_t ra, hit, want;
	long dropped;
	char *buf;
	bool ok;

	buf = map_small_pages(size);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, opt.pattern, opt.seed);
	vmstat_read(&before);
	ok = pageout_most("readahead", buf, size) >= 0;
	dropped = swapcache_drop("readahead", buf, size);
	vmstat_read(&mid);
	ok &= swapped_out("readahead", &before, &mid);
	/* verify() reads the pages in address order */
	ok &= verify("readahead", buf, size, opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 && swapped_in("readahead", &mid, &after, dropped);
	ra = vm_delta(&mid, &after, VM_SWAP_RA);
	hit = vm_delta(&mid, &after, VM_SWAP_RA_HIT);
	/*
	 * A sequential read with the default window of 8 pages reads about
	 * 7 of 8 ahead; want a quarter of the pages read back.
	 */
	want = dropped > 0 ? (uint64_t)dropped / 4 : npages / 4;
	ksft_print_msg("readahead: %zu pages: swap_ra +%" PRIu64 " swap_ra_hit +%" PRIu64
		       ", want each at least %" PRIu64 "\n",
		       npages, ra, hit, want);
	if (!ra || ra < want) {
		ksft_print_msg("readahead: too few pages were read ahead\n");
		ok = false;
	}
	if (!hit || hit < want) {
		ksft_print_msg("readahead: too few pages read ahead were then used\n");
		ok = false;
	}
	munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_readahead(void)
{
	struct saved_setting vma_ra = { 0 }, cluster = { 0 };
	size_t size = size_or(16);
	char buf[32] = "";
	int ret = KSFT_FAIL;

	/*
	 * mm/swap_state.c: the swap-in of anonymous memory reads ahead by
	 * virtual address (vma_ra_enabled, no rotating swap device) or by
	 * swap slot, in windows of up to 2^page-cluster pages; page-cluster
	 * 0 turns both off.  (A device with synchronous I/O such as zram
	 * skips readahead altogether; with virtual swap, so do pages that
	 * zswap holds or that are zero-filled.)
	 */
	if (access(VMA_RA_ENABLED, F_OK) || access(PAGE_CLUSTER, F_OK)) {
		ksft_print_msg("readahead: needs %s and %s\n", VMA_RA_ENABLED,
			       PAGE_CLUSTER);
		return KSFT_FAIL;
	}
	if (setting_set(&vma_ra, VMA_RA_ENABLED, "true") ||
	    setting_set(&cluster, PAGE_CLUSTER, "3"))
		goto restore;
	read_str(VMA_RA_ENABLED, buf, sizeof(buf));
	ksft_print_msg("readahead: %zu MiB, vma_ra_enabled %s (was %s), page-cluster 3 (was %s)\n",
		       size / MiB, buf, vma_ra.val, cluster.val);
	ret = in_memcg("readahead", readahead_child, &size);
restore:
	setting_restore(&cluster);
	setting_restore(&vma_ra);
	return ret;
}

/* nr_dying_descendants and nr_dying_subsys_memory (-1 if absent) */
struct dying {
	int64_t all, memory;
};

static int dying_read(struct dying *dy)
{
	uint64_t v;

	if (read_key(CGROUP_STAT, "nr_dying_descendants", &v)) {
		ksft_print_msg("cannot read nr_dying_descendants of %s\n",
			       CGROUP_STAT);
		return -1;
	}
	dy->all = v;
	dy->memory = read_key(CGROUP_STAT, "nr_dying_subsys_memory", &v) ?
		     -1 : (int64_t)v;
	return 0;
}

static bool dying_above(const struct dying *now, const struct dying *base)
{
	return now->all > base->all &&
	       (base->memory < 0 || now->memory > base->memory);
}

static void dying_print(const char *when, const struct dying *dy)
{
	ksft_print_msg("cgroup_removal: %s: nr_dying_descendants %" PRId64
		       ", nr_dying_subsys_memory %" PRId64 "\n",
		       when, dy->all, dy->memory);
}

struct removal_job {
	size_t size;
	char origin[PATH_MAX];	/* the program's own cgroup */
	int ready[2];		/* child -> parent: out, left the memcg */
	int go[2];		/* parent -> child: the memcg is removed */
};

static int removal_child(void *arg)
{
	struct removal_job *j = arg;
	struct vmstat before, mid, after;
	struct swap_scan s0, s1;
	bool ok = false;
	long dropped;
	int tries;
	char c = 'r', home[PATH_MAX];
	char *buf;

	close_fd(&j->ready[0]);
	close_fd(&j->go[1]);
	buf = map_anon(j->size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, j->size, opt.pattern, opt.seed);
	vmstat_read(&before);
	/*
	 * All of it out, none left in the swap cache: then nothing but the
	 * swap entries holds a reference to the memcg once it is removed.
	 */
	for (tries = 0; tries < 5; tries++) {
		if (pageout_pct("cgroup_removal: in the memcg", buf,
				j->size) < 0 ||
		    swapcache_drop("cgroup_removal: in the memcg", buf,
				   j->size) < 0 ||
		    swap_scan(buf, j->size, &s0))
			goto out;
		if (!s0.present)
			break;
	}
	if (s0.present) {
		ksft_print_msg("cgroup_removal: %zu pages stayed in memory\n",
			       s0.present);
		goto out;
	}
	/* back to the program's cgroup, so that the memcg can be removed */
	if (cg_write(j->origin, "cgroup.procs", "%d", getpid()))
		goto out;
	if (write(j->ready[1], &c, 1) != 1) {
		ksft_perror("write to parent");
		goto out;
	}
	if (read(j->go[0], &c, 1) != 1) {
		ksft_print_msg("cgroup_removal: the parent gave up\n");
		goto out;
	}
	/* nothing touched them: they were swapped out all along */
	if (swap_scan(buf, j->size, &s1))
		goto out;
	ksft_print_msg("cgroup_removal: after rmdir, %zu pages still swapped out (%zu before)\n",
		       s1.swapped, s0.swapped);
	ok = s1.swapped == s0.swapped;
	if (!ok)
		ksft_print_msg("cgroup_removal: pages came back before they were read\n");
	/* the folios are charged to the removed memcg, under home */
	dropped = cg_home(home, sizeof(home)) ? -1 :
		  swapcache_drop_in("cgroup_removal: back home", buf,
				    j->size, home);
	vmstat_read(&mid);
	ok &= swapped_out("cgroup_removal", &before, &mid);
	ok &= verify("cgroup_removal", buf, j->size, opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 &&
	      swapped_in("cgroup_removal", &mid, &after, dropped);
out:
	munmap(buf, j->size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

#define DYING_HOLD_MS		1000

static int test_cgroup_removal(void)
{
	struct removal_job j = {
		.size = size_or(16), .ready = { -1, -1 }, .go = { -1, -1 },
	};
	uint64_t swap = 0, zswap = 0, mem = 0;
	struct dying base, now;
	int ret = KSFT_FAIL;
	char cg[PATH_MAX], c;
	bool removed = false;
	pid_t pid;

	if (dying_read(&base) || cg_self(j.origin, sizeof(j.origin)))
		return KSFT_FAIL;
	dying_print("before", &base);
	if (pipe(j.ready) || pipe(j.go)) {
		ksft_perror("pipe");
		goto close;
	}
	if (cg_create(cg, sizeof(cg), "cgroup_removal"))
		goto close;
	pid = run_child(cg, removal_child, &j);
	close_fd(&j.ready[1]);
	close_fd(&j.go[0]);
	if (pid < 0 || read(j.ready[0], &c, 1) != 1) {
		ksft_print_msg("cgroup_removal: the child did not get its pages swapped out\n");
		close_fd(&j.go[1]);
		child_result("cgroup_removal", wait_child(pid, NULL, NULL,
							  NULL));
		cg_destroy(cg);
		goto close;
	}
	cg_read(cg, "memory.current", &mem);
	cg_read(cg, "memory.swap.current", &swap);
	cg_read(cg, "memory.zswap.current", &zswap);
	cg_print_stats("cgroup_removal", cg);
	ksft_print_msg("cgroup_removal: memcg empty of tasks, memory.current %" PRIu64 " KiB\n",
		       mem / 1024);
	ret = KSFT_PASS;
	/*
	 * The swap the memcg is charged with (none for zero pages): with
	 * zswap off, a device slot for every page, all of them out.
	 */
	if (opt.pattern != PAT_ZERO && !swap && !zswap) {
		ksft_print_msg("cgroup_removal: the memcg is charged with no swap\n");
		ret = KSFT_FAIL;
	}
	if (opt.pattern != PAT_ZERO && !zswap_enabled() && swap < j.size) {
		ksft_print_msg("cgroup_removal: memory.swap.current %" PRIu64 ", want at least %zu\n",
			       swap, j.size);
		ret = KSFT_FAIL;
	}
	removed = !cg_destroy(cg);
	if (removed) {
		if (dying_read(&now))
			ret = KSFT_FAIL;
		else
			dying_print("just after rmdir", &now);
		/*
		 * A memcg nothing pins is released within an RCU grace
		 * period or two: still dying a second later, it is pinned.
		 */
		sleep_ms(DYING_HOLD_MS);
		if (dying_read(&now)) {
			ret = KSFT_FAIL;
		} else {
			dying_print("a second after rmdir", &now);
			if (!dying_above(&now, &base)) {
				ksft_print_msg("cgroup_removal: the removed memcg is not dying while its pages are swapped out\n");
				ret = KSFT_FAIL;
			}
		}
	} else {
		ret = KSFT_FAIL;
	}
	c = 'g';
	if (write(j.go[1], &c, 1) != 1)
		ksft_perror("write to child");
	close_fd(&j.go[1]);
	if (child_result("cgroup_removal", wait_child(pid, NULL, NULL,
						      NULL)) != KSFT_PASS)
		ret = KSFT_FAIL;
	/*
	 * Its release is not awaited here: the child's freed swap slots wait
	 * in the per-CPU swap slot caches, still charged, until a batch is
	 * returned or swapoff drains them.  The harness checks after swapoff
	 * that no removed cgroup is left dying.
	 */
close:
	close_fd(&j.ready[0]);
	close_fd(&j.ready[1]);
	close_fd(&j.go[0]);
	close_fd(&j.go[1]);
	return ret;
}

/*
 * cpu_hotplug: shared with the children, in a MAP_SHARED page.  An
 * iteration that starts and ends in the HOTPLUG phase ran while CPU 1 was
 * going offline and online.
 */
enum { BEFORE_HOTPLUG, HOTPLUG, AFTER_HOTPLUG };

struct hotplug_child {
	unsigned long iters;
	unsigned long iters_in_hotplug;
	int failed;
};

struct hotplug_state {
	int phase;
	int stop;
	struct hotplug_child child[2];
};

static struct hotplug_state *hp;

struct hotplug_job {
	unsigned int id;
	size_t size;
};

static int hotplug_child_fn(void *arg)
{
	struct hotplug_job *j = arg;
	struct hotplug_child *me = &hp->child[j->id];
	unsigned long iter;
	int first, last;
	char what[48];
	uint64_t seed;
	bool ok = true;
	char *buf;

	buf = map_anon(j->size, 0);
	if (!buf)
		return KSFT_FAIL;
	for (iter = 0; !__atomic_load_n(&hp->stop, __ATOMIC_ACQUIRE); iter++) {
		first = __atomic_load_n(&hp->phase, __ATOMIC_ACQUIRE);
		/* new data every iteration: a stale page cannot pass */
		seed = opt.seed + (j->id + 1) * 1000003ULL + iter;
		snprintf(what, sizeof(what), "cpu_hotplug: child %u iter %lu",
			 j->id, iter);
		pattern_fill(buf, j->size, opt.pattern, seed);
		ok = pageout_verify(what, buf, j->size, opt.pattern, seed);
		last = __atomic_load_n(&hp->phase, __ATOMIC_ACQUIRE);
		if (!ok) {
			__atomic_store_n(&me->failed, 1, __ATOMIC_RELEASE);
			break;
		}
		if (first == HOTPLUG && last == HOTPLUG)
			__atomic_add_fetch(&me->iters_in_hotplug, 1,
					   __ATOMIC_RELEASE);
		__atomic_add_fetch(&me->iters, 1, __ATOMIC_RELEASE);
	}
	munmap(buf, j->size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int cpu1_set(const char *val)
{
	int err = write_str(CPU1_ONLINE, val);

	if (err)
		ksft_print_msg("write %s to %s: %s\n", val, CPU1_ONLINE,
			       strerror(-err));
	return err;
}

static bool cpu1_online(void)
{
	char buf[8] = "";

	read_str(CPU1_ONLINE, buf, sizeof(buf));
	return !strcmp(buf, "1");
}

/* Has a child exited?  Keeps its status the first time. */
static bool reaped(pid_t pid, int *status, bool *done)
{
	if (!*done && waitpid(pid, status, WNOHANG) == pid)
		*done = true;
	return *done;
}

#define HOTPLUG_WARMUP_SECS	120
#define HOTPLUG_MAX_SECS	300
#define HOTPLUG_PAUSE_MS	200

static int test_cpu_hotplug(void)
{
	struct hotplug_job jobs[2];
	struct vmstat before, after;
	int status[2] = { -1, -1 };
	bool done[2] = { false, false };
	double start, t, down_secs = 0, up_secs = 0;
	unsigned int i, cycles = 0, started;
	int ret = KSFT_PASS;
	char cg[PATH_MAX];
	pid_t pids[2];
	bool stop;

	if (access(CPU1_ONLINE, F_OK)) {
		ksft_print_msg("cpu_hotplug: %s does not exist: the guest needs 2 CPUs and CONFIG_HOTPLUG_CPU\n",
			       CPU1_ONLINE);
		return KSFT_FAIL;
	}
	if (!cpu1_online()) {
		ksft_print_msg("cpu_hotplug: CPU 1 is offline: bringing it online first\n");
		if (cpu1_set("1"))
			return KSFT_FAIL;
	}
	hp = mmap(NULL, sizeof(*hp), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hp == MAP_FAILED) {
		ksft_perror("mmap shared state");
		hp = NULL;
		return KSFT_FAIL;
	}
	memset(hp, 0, sizeof(*hp));
	if (cg_create(cg, sizeof(cg), "cpu_hotplug")) {
		munmap(hp, sizeof(*hp));
		return KSFT_FAIL;
	}
	ksft_print_msg("cpu_hotplug: 2 x %zu MiB, at least %u offline/online cycles of CPU 1\n",
		       size_or(8) / MiB, opt_cycles);
	vmstat_read(&before);
	for (started = 0; started < 2; started++) {
		jobs[started] = (struct hotplug_job){
			.id = started, .size = size_or(8),
		};
		pids[started] = run_child(cg, hotplug_child_fn,
					  &jobs[started]);
		if (pids[started] < 0) {
			ret = KSFT_FAIL;
			break;
		}
	}

	/* both children swapping before the first offline */
	start = now_sec();
	stop = ret != KSFT_PASS;
	while (!stop) {
		for (i = 0; i < started; i++)
			if (reaped(pids[i], &status[i], &done[i]))
				stop = true;
		if (stop)
			break;
		if (__atomic_load_n(&hp->child[0].iters, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&hp->child[1].iters, __ATOMIC_ACQUIRE))
			break;
		if (now_sec() - start > HOTPLUG_WARMUP_SECS) {
			ksft_print_msg("cpu_hotplug: the children did not complete an iteration in %d s\n",
				       HOTPLUG_WARMUP_SECS);
			stop = true;
			break;
		}
		sleep_ms(50);
	}
	if (stop)
		ret = KSFT_FAIL;

	/*
	 * At least opt_cycles cycles, and on until each child has done a
	 * whole iteration within them.
	 */
	__atomic_store_n(&hp->phase, HOTPLUG, __ATOMIC_RELEASE);
	start = now_sec();
	while (!stop) {
		for (i = 0; i < started; i++)
			if (reaped(pids[i], &status[i], &done[i]))
				stop = true;
		if (stop) {
			ksft_print_msg("cpu_hotplug: a child exited during the cycles\n");
			ret = KSFT_FAIL;
			break;
		}
		if (cycles >= opt_cycles &&
		    __atomic_load_n(&hp->child[0].iters_in_hotplug,
				    __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&hp->child[1].iters_in_hotplug,
				    __ATOMIC_ACQUIRE))
			break;
		if (now_sec() - start > HOTPLUG_MAX_SECS) {
			ksft_print_msg("cpu_hotplug: a child did no whole iteration in %d s of cycles\n",
				       HOTPLUG_MAX_SECS);
			ret = KSFT_FAIL;
			break;
		}
		t = now_sec();
		if (cpu1_set("0")) {
			ret = KSFT_FAIL;
			break;
		}
		down_secs += now_sec() - t;
		sleep_ms(HOTPLUG_PAUSE_MS);
		t = now_sec();
		if (cpu1_set("1")) {
			ret = KSFT_FAIL;
			break;
		}
		up_secs += now_sec() - t;
		cycles++;
		sleep_ms(HOTPLUG_PAUSE_MS);
	}
	__atomic_store_n(&hp->phase, AFTER_HOTPLUG, __ATOMIC_RELEASE);
	__atomic_store_n(&hp->stop, 1, __ATOMIC_RELEASE);
	ksft_print_msg("cpu_hotplug: %u cycles in %.1f s; offline took %.3f s, online %.3f s on average\n",
		       cycles, now_sec() - start,
		       cycles ? down_secs / cycles : 0,
		       cycles ? up_secs / cycles : 0);

	for (i = 0; i < started; i++) {
		char what[32];

		snprintf(what, sizeof(what), "cpu_hotplug: child %u", i);
		if (!done[i])
			status[i] = wait_child(pids[i], NULL, NULL, NULL);
		if (child_result(what, status[i]) != KSFT_PASS)
			ret = KSFT_FAIL;
		ksft_print_msg("%s: %lu iterations, %lu of them wholly during the cycles%s\n",
			       what, hp->child[i].iters,
			       hp->child[i].iters_in_hotplug,
			       hp->child[i].failed ? ", then one failed" : "");
		if (!hp->child[i].iters_in_hotplug)
			ret = KSFT_FAIL;
	}
	if (!cpu1_online()) {
		ksft_print_msg("cpu_hotplug: CPU 1 is offline at the end\n");
		ret = KSFT_FAIL;
		if (!cpu1_set("1") && cpu1_online())
			ksft_print_msg("cpu_hotplug: CPU 1 brought online again\n");
	}
	vmstat_read(&after);
	cg_print_stats("cpu_hotplug", cg);
	if (!swapped_out("cpu_hotplug", &before, &after) ||
	    !swapped_in("cpu_hotplug", &before, &after, 1))
		ret = KSFT_FAIL;
	if (cg_destroy(cg))
		ret = KSFT_FAIL;
	munmap(hp, sizeof(*hp));
	hp = NULL;
	return ret;
}

#define VSWAP_SYSFS	"/sys/kernel/mm/vswap/"

/* Page out a little on @cpu, so that @cpu owns a slot cluster, and exit. */
static int pageout_on_cpu(void *arg)
{
	int cpu = *(int *)arg;
	size_t size = MiB;
	cpu_set_t set;
	char *buf;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		ksft_perror("sched_setaffinity");
		return KSFT_FAIL;
	}
	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	if (!pageout_enough("offline_cluster: child", buf, size))
		return KSFT_FAIL;
	return verify("offline_cluster: child", buf, size, PAT_COMPRESSIBLE,
		      opt.seed) ? KSFT_PASS : KSFT_FAIL;
}

static int test_offline_cluster(void)
{
	uint64_t used = 0, bytes0 = 0, bytes1 = 0;
	int cpu, tries, ret = KSFT_PASS;
	char what[40];

	if (access(VSWAP_SYSFS, F_OK))
		return skip_case("needs a kernel with CONFIG_VIRTUAL_SWAP");
	if (access(CPU1_ONLINE, F_OK))
		return skip_case("needs CPU 1 to be hot-pluggable (%s)",
				 CPU1_ONLINE);
	if (!cpu1_online()) {
		ksft_print_msg("offline_cluster: CPU 1 is offline: bringing it online first\n");
		if (cpu1_set("1"))
			return KSFT_FAIL;
	}
	for (cpu = 0; cpu < 2; cpu++) {
		snprintf(what, sizeof(what), "offline_cluster: CPU %d", cpu);
		if (child_result(what, wait_child(run_child(NULL, pageout_on_cpu,
							    &cpu),
						  NULL, NULL, NULL)) != KSFT_PASS)
			return KSFT_FAIL;
	}
	/* the children's slots are freed: both CPUs own an empty cluster */
	for (tries = 0; tries < 100; tries++) {
		read_u64(VSWAP_SYSFS "slots_in_use", &used);
		if (!used)
			break;
		usleep(20000);
	}
	read_u64(VSWAP_SYSFS "metadata_bytes", &bytes0);
	if (cpu1_set("0"))
		return KSFT_FAIL;
	read_u64(VSWAP_SYSFS "metadata_bytes", &bytes1);
	if (cpu1_set("1"))
		ret = KSFT_FAIL;
	ksft_print_msg("offline_cluster: %llu slots in use; metadata_bytes %llu with CPU 1 online, %llu with it offline\n",
		       (unsigned long long)used, (unsigned long long)bytes0,
		       (unsigned long long)bytes1);
	if (used) {
		ksft_print_msg("offline_cluster: want no slot in use, to see whole clusters go\n");
		ret = KSFT_FAIL;
	}
	/* a cluster is 8 KiB of descriptors and a header */
	if (bytes1 + 8192 > bytes0) {
		ksft_print_msg("offline_cluster: CPU 1 kept its cluster while offline\n");
		ret = KSFT_FAIL;
	}
	return ret;
}

static const struct tcase cases[] = {
	{ "many_procs",		test_many_procs },
	{ "two_devices",	test_two_devices },
	{ "readahead",		test_readahead },
	{ "cgroup_removal",	test_cgroup_removal },
	{ "cpu_hotplug",	test_cpu_hotplug },
	{ "offline_cluster",	test_offline_cluster },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	return cases[i].fn();
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swap_stress [options]\n"
		"Swap under concurrency and topology changes; every byte verified.\n"
		"Cases: many_procs two_devices readahead cgroup_removal cpu_hotplug\n"
		"       offline_cluster\n"
		COMMON_USAGE
		"                    (default per case: many_procs 6 per process,\n"
		"                    readahead 16, cgroup_removal 16, cpu_hotplug\n"
		"                    8 per process; two_devices sizes by area A)\n"
		"  --only NAME       run only case NAME\n"
		"  --procs N         many_procs: processes (16)\n"
		"  --limit MiB       many_procs: memory.max of their memcg (40)\n"
		"  --device PATH     two_devices, given twice: area A (filled\n"
		"                    first, 4..128 MiB), then area B (at least half\n"
		"                    of A and 4 MiB more); both active, zswap off\n"
		"  --cycles N        cpu_hotplug: offline/online cycles, at least (6)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "only",	required_argument,	NULL, 'o' },
		{ "procs",	required_argument,	NULL, 'n' },
		{ "limit",	required_argument,	NULL, 'l' },
		{ "device",	required_argument,	NULL, 'd' },
		{ "cycles",	required_argument,	NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	char *end;
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "o:n:l:d:y:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt_only = optarg;
			break;
		case 'n':
		case 'y':
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || *end || !v || v > 4096)
				ksft_exit_fail_msg("--%s: bad count '%s'\n",
						   c == 'n' ? "procs" : "cycles",
						   optarg);
			if (c == 'n')
				opt_procs = v;
			else
				opt_cycles = v;
			break;
		case 'l':
			opt_limit = parse_mib("--limit", optarg);
			break;
		case 'd':
			if (nr_devices == ARRAY_SIZE(opt_devices))
				ksft_exit_fail_msg("--device: at most two\n");
			opt_devices[nr_devices++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return KSFT_PASS;
		default:
			if (!common_opt(&opt, c, optarg)) {
				usage(stderr);
				return KSFT_FAIL;
			}
		}
	}
	if (optind < argc) {
		usage(stderr);
		return KSFT_FAIL;
	}
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
