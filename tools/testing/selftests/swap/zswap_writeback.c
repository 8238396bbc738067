// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_writeback: pages that zswap writes back from its compressed pool to
 * the swap device must read back exactly as written.  Writeback decompresses
 * an entry into a new swap cache folio and writes it out, racing with swap-in
 * of the same entry; a bug there corrupts data silently.  So every case checks
 * every byte and proves from the counters that writeback happened.  The cases
 * drive the writeback paths of 6.12 one by one:
 *
 * pool_limit: max_pool_percent=1; zswap_store() finds the pool full, rejects
 * and queues shrink_worker(), which must write the cgroup's entries back
 * while it runs (it runs asynchronously: the workload keeps it busy).
 * memcg_zswap_max: over memory.zswap.max, zswap_store() calls shrink_memcg()
 * to write back the cgroup's oldest entries.
 * load_during_writeback: the same while another thread faults in the very
 * entries being written back (writeback vs. zswap_load()).
 * shrinker: memory.reclaim runs the zswap shrinker (shrinker_enabled=Y).
 * offline_memcg: the shrinker writes back the entries of a removed cgroup;
 * their new device slots are charged to the memcg the pages belong to (the
 * removed cgroup, which its parent's memory.swap.current includes), not to
 * the task that ran the writeback, in a cgroup of its own.
 * swap_max (virtual swap only: without it memory.swap.max bounds zswap as
 * well, so a cgroup cannot hold more in zswap than the limit): the cgroup
 * holds 32 times its memory.swap.max in zswap; the shrinker writes back
 * until its device slots reach the limit, and then stops trying: each try
 * would fail to charge a slot (zswap's reject_reclaim_fail, and a
 * memory.swap.events max).
 *
 * The first three disable the shrinker so that only the path under test writes
 * back.  All need zswap enabled in front of a swap device or file, and all
 * require pages to have been read back from the device (pswpin) as well:
 * pool_limit and shrinker at least as many as were written back (less a
 * few of other pages); load_during_writeback a read pass during which the
 * reader faulted pages in from swap while zswap wrote back;
 * memcg_zswap_max, after the swap cache is emptied, at least what the
 * device holds. pool_limit
 * requires the pool to have hit its limit, memcg_zswap_max the cgroup to
 * have stayed within memory.zswap.max (as sampled).
 *
 * The first four cases also check how the entries were decompressed:
 * with a compressor that takes batches (zswap gives it N > 1 pages per
 * request: debugfs pools, max_batch), at least one request of several
 * entries (batch_writebacks) per 2N pages written back; with one that does
 * not, none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest.h"
#include "swap_util.h"

#define ZSWAP_PARAM	"/sys/module/zswap/parameters/"
#define ZSWAP_DEBUG	"/sys/kernel/debug/zswap"
#define MAX_RECLAIMS	8	/* memory.reclaim writes of the shrinker case */
#define MAX_POOL_ROUNDS	12	/* rounds of half B in pool_limit */
#define WB_SLACK	64	/* pages written back, not read: see shrinker */
#define ZSWAP_SLACK	(64 * 1024)	/* bytes over memory.zswap.max */

struct tcase {
	const char *name;
	int (*child)(void *tc);
	size_t mib;		/* default working set */
	size_t max, zswap_max;	/* cgroup limits in MiB at mib, 0: none */
	const char *pool_pct;	/* max_pool_percent, NULL: as set up */
	const char *shrinker;	/* shrinker_enabled */
	bool cg_wb;		/* need the cgroup's zswpwb, not the global */
	int (*run)(const struct tcase *tc);	/* instead of run_case() */
};

static struct common_opts opt;
static unsigned int opt_rounds = 4;
static const char *opt_only;
static char cg[PATH_MAX];	/* the running case's cgroup */

static size_t case_size(const struct tcase *tc)
{
	return opt.size ? opt.size : tc->mib * MiB;
}

/* @mib at the default working set, scaled to the one in use */
static size_t scaled(const struct tcase *tc, size_t mib)
{
	return mib * (case_size(tc) / tc->mib);
}

static unsigned long long delta(const struct vmstat *b,
				const struct vmstat *a, enum vmstat_item i)
{
	return a->v[i] - b->v[i];
}

/*
 * Of @swapped pages swapped out and uncached, those not in zswap: on the
 * device (or zero-filled, few with this pattern). zswap holds copies of
 * uncached pages only: a load into the swap cache frees its entry.
 */
static long pages_on_device(long swapped)
{
	uint64_t stored = 0;

	read_u64(ZSWAP_DEBUG "/stored_pages", &stored);
	return swapped - (long)stored;
}

/*
 * Write and verify twice over memory.zswap.max, then read everything once
 * more with the swap cache emptied: what writeback left on the device must
 * come from it (less what the swap slot caches hold, counted in use).
 */
static int fill_child(void *tc)
{
	size_t size = case_size(tc);
	long slack = 2 * SLOTS_CACHED_PAGES * sysconf(_SC_NPROCESSORS_CONF);
	struct vmstat v0, v1;
	long on_dev;
	bool ok = true;
	char *buf;

	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	ok &= verify("verify pass 1", buf, size, PAT_COMPRESSIBLE, opt.seed);
	ok &= verify("verify pass 2", buf, size, PAT_COMPRESSIBLE, opt.seed);
	on_dev = swapcache_drop("final pass", buf, size);
	ok &= on_dev >= 0;
	on_dev = pages_on_device(on_dev);
	vmstat_read(&v0);
	ok &= verify("final pass", buf, size, PAT_COMPRESSIBLE, opt.seed);
	vmstat_read(&v1);
	ksft_print_msg("final pass: %ld pages on the device, %llu read from it\n",
		       on_dev, (unsigned long long)vm_delta(&v0, &v1, VM_PSWPIN));
	if ((long)vm_delta(&v0, &v1, VM_PSWPIN) + slack < on_dev) {
		ksft_print_msg("final pass: fewer pages came from the device than it held\n");
		ok = false;
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * A full pool rejects stores and queues shrink_worker(), which walks the
 * LRU a few entries at a time, giving each its second chance (rotating
 * it) before writing it back, and gives up after a few rotations.  Entries
 * loaded back meanwhile leave the LRU, so a workload that reads its pages
 * again keeps the worker rotating forever.  So: half A goes to zswap and
 * is left alone, to age; half B is rewritten and paged out round after
 * round, each store it gets rejected queueing the worker, until the worker
 * wrote some of A (the cgroup's own writeback count) back.
 */
static int pool_child(void *tc)
{
	size_t half = (case_size(tc) / 2) & ~(page_size() - 1);
	char what[32], *a, *b;
	struct vmstat v0, v1;
	uint64_t wb = 0;
	int round;
	bool ok;

	a = map_anon(2 * half, 0);
	if (!a)
		return KSFT_FAIL;
	b = a + half;
	pattern_fill(a, half, PAT_COMPRESSIBLE, opt.seed);
	ok = pageout_enough("A", a, half);
	for (round = 1; round <= MAX_POOL_ROUNDS && wb < 2 * WB_SLACK;
	     round++) {
		snprintf(what, sizeof(what), "round %d: B", round);
		pattern_fill(b, half, PAT_COMPRESSIBLE, opt.seed + round);
		pageout_pct(what, b, half);
		/* this cgroup's entries written back (its stats may lag) */
		cg_read_key(cg, "memory.stat", "zswpwb", &wb);
		ksft_print_msg("%s: the cgroup's zswpwb %llu\n", what,
			       (unsigned long long)wb);
	}
	/*
	 * The worker wrote back the oldest entries, A's: with A's swap cache
	 * dropped, reading A must read them from the device (but for the
	 * few of B's, or counted late).
	 */
	ok &= swapcache_drop("A", a, half) >= 0;
	cg_read_key(cg, "memory.stat", "zswpwb", &wb);
	vmstat_read(&v0);
	ok &= verify("A", a, half, PAT_COMPRESSIBLE, opt.seed);
	vmstat_read(&v1);
	ksft_print_msg("A: %llu pages read from the device, the cgroup's zswpwb %llu\n",
		       (unsigned long long)vm_delta(&v0, &v1, VM_PSWPIN),
		       (unsigned long long)wb);
	if (vm_delta(&v0, &v1, VM_PSWPIN) + WB_SLACK < wb) {
		ksft_print_msg("A: fewer pages came from the device than were written back to it\n");
		ok = false;
	}
	if (wb < 2 * WB_SLACK) {
		ksft_print_msg("A: want at least %d pages written back\n",
			       2 * WB_SLACK);
		ok = false;
	}
	ok &= verify("B", b, half, PAT_COMPRESSIBLE, opt.seed + round - 1);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* Region A, verified over and over by a reader thread. */
struct race {
	char *a;
	size_t len;
	bool stop;		/* __atomic */
	bool ok;
	unsigned int passes;
	unsigned int raced;	/* passes during which writeback ran too */
};

/*
 * A pass during which this thread faulted pages of A in from swap (its
 * own major faults) while zswap wrote back (and writeback takes the
 * oldest entries, A's) overlapped loads with writeback: the race this
 * case is for.
 */
static void *reader(void *arg)
{
	struct race *r = arg;
	struct rusage rb, re;
	struct vmstat b, e;
	char what[32];

	do {
		snprintf(what, sizeof(what), "A, read pass %u", ++r->passes);
		getrusage(RUSAGE_THREAD, &rb);
		vmstat_read(&b);
		r->ok = verify(what, r->a, r->len, PAT_COMPRESSIBLE, opt.seed);
		vmstat_read(&e);
		getrusage(RUSAGE_THREAD, &re);
		r->raced += vm_delta(&b, &e, VM_ZSWPWB) &&
			    re.ru_majflt > rb.ru_majflt;
	} while (r->ok && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE));
	return NULL;
}

/*
 * A is paged out, then read back by a thread while this one pages out a
 * freshly written B and A again: B's stores find the cgroup over its
 * zswap.max and write back the oldest entries, A's, as they are loaded.
 */
static int race_child(void *tc)
{
	struct race r = {
		.len = (case_size(tc) / 2) & ~(page_size() - 1), .ok = true
	};
	uint64_t seed_b = opt.seed;
	unsigned int round;
	char wa[32], wb[32], *b;
	bool ok = true;
	pthread_t t;
	int err;

	r.a = map_anon(2 * r.len, 0);
	if (!r.a)
		return KSFT_FAIL;
	b = r.a + r.len;
	pattern_fill(r.a, r.len, PAT_COMPRESSIBLE, opt.seed);
	if (!pageout_enough("A", r.a, r.len))
		return KSFT_FAIL;
	err = pthread_create(&t, NULL, reader, &r);
	if (err) {
		ksft_print_msg("pthread_create: %s\n", strerror(err));
		return KSFT_FAIL;
	}
	for (round = 1; round <= opt_rounds; round++) {
		/* new data in B each round: a stale copy must not return */
		seed_b = opt.seed + round;
		pattern_fill(b, r.len, PAT_COMPRESSIBLE, seed_b);
		snprintf(wa, sizeof(wa), "round %u: A", round);
		snprintf(wb, sizeof(wb), "round %u: B", round);
		pageout_pct(wb, b, r.len);
		pageout_pct(wa, r.a, r.len);
		ok &= verify(wb, b, r.len, PAT_COMPRESSIBLE, seed_b);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ksft_print_msg("reader: %u passes over A, %u of them faulting A in from swap while zswap wrote back, %s\n",
		       r.passes, r.raced, r.ok ? "all good" : "found bad data");
	ok &= r.ok;
	if (!r.raced) {
		ksft_print_msg("reader: no pass of its swap-ins overlapped writeback: the race was not run\n");
		ok = false;
	}
	ok &= verify("final A", r.a, r.len, PAT_COMPRESSIBLE, opt.seed);
	ok &= verify("final B", b, r.len, PAT_COMPRESSIBLE, seed_b);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * Page everything out to zswap, then reclaim the (now nearly empty) cgroup
 * through memory.reclaim: only the zswap shrinker finds work.  Each entry
 * is rotated once (second chance) before it is written back, so write at
 * least twice and then until something was written back.
 */
static int shrinker_child(void *tc)
{
	size_t size = case_size(tc);
	char path[PATH_MAX + 16], val[32], *buf;
	struct vmstat start, now, end;
	uint64_t zcur = 0;
	int i, err;
	bool ok;

	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, opt.pattern, opt.seed);
	if (!pageout_enough("child", buf, size))
		return KSFT_FAIL;
	vmstat_read(&start);
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
	snprintf(val, sizeof(val), "%zu", size);
	for (i = 1; i <= MAX_RECLAIMS; i++) {
		err = write_str(path, val);
		if (err && err != -EAGAIN) {
			ksft_print_msg("write %s to %s: %s\n", val, path,
				       strerror(-err));
			return KSFT_FAIL;
		}
		vmstat_read(&now);
		cg_read(cg, "memory.zswap.current", &zcur);
		ksft_print_msg("memory.reclaim #%d%s: zswpwb +%llu, memory.zswap.current %llu\n",
			       i, err ? " (partial)" : "",
			       delta(&start, &now, VM_ZSWPWB),
			       (unsigned long long)zcur);
		if (i >= 2 && delta(&start, &now, VM_ZSWPWB))
			break;
	}
	/*
	 * Every page written back is on the device alone once the swap cache
	 * is dropped: reading all back must read at least those from it (but
	 * for the few counted twice: loaded and written back again, or
	 * another cgroup's).
	 */
	if (swapcache_drop("child", buf, size) < 0)
		return KSFT_FAIL;
	vmstat_read(&now);
	ok = verify("child", buf, size, opt.pattern, opt.seed);
	vmstat_read(&end);
	ksft_print_msg("child: %llu pages written back, %llu read from the device\n",
		       delta(&start, &now, VM_ZSWPWB),
		       delta(&now, &end, VM_PSWPIN));
	if (delta(&now, &end, VM_PSWPIN) + WB_SLACK <
	    delta(&start, &now, VM_ZSWPWB)) {
		ksft_print_msg("child: fewer pages came from the device than were written back to it\n");
		ok = false;
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * The child of offline_memcg: pages out its buffer from cgroup a, moves to
 * cgroup b (its charges stay with a) and, once a is removed and its entries
 * written back, verifies it.
 */
struct offline_job {
	size_t size;
	char b[PATH_MAX + 8];
	int ready[2], go[2];	/* pipes: child -> parent, parent -> child */
};

static int offline_child(void *arg)
{
	struct offline_job *j = arg;
	char c = 0, *buf;
	bool ok;

	buf = map_anon(j->size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, j->size, PAT_COMPRESSIBLE, opt.seed);
	ok = pageout_enough("offline_memcg: child", buf, j->size);
	if (cg_write(j->b, "cgroup.procs", "%d", getpid()))
		ok = false;
	if (write(j->ready[1], &c, 1) != 1 || read(j->go[0], &c, 1) != 1)
		return KSFT_FAIL;
	/*
	 * No swapcache_drop(): the folios written back are charged to the
	 * writeback's task (the removed cgroup being offline), not to b.
	 */
	ok &= verify("offline_memcg: child", buf, j->size, PAT_COMPRESSIBLE,
		     opt.seed);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_offline_memcg(const struct tcase *tc)
{
	struct offline_job j = { .size = case_size(tc) };
	unsigned long long wb = 0, swap_kb;
	char a[PATH_MAX + 8], val[32], c = 0;
	struct saved_setting s = { 0 };
	struct vmstat before, now;
	uint64_t swap = 0;
	int i, err, ret = KSFT_FAIL;
	bool a_removed = false;
	pid_t pid = -1;

	if (!zswap_enabled())
		return skip_case("zswap is not enabled");
	if (!swaps_find(NULL, NULL))
		return skip_case("no swap area in /proc/swaps");
	if (pipe(j.ready) || pipe(j.go))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	if (setting_set(&s, ZSWAP_PARAM "shrinker_enabled", "Y"))
		return KSFT_FAIL;
	if (cg_create(cg, sizeof(cg), tc->name))
		goto restore;
	snprintf(a, sizeof(a), "%s/a", cg);
	snprintf(j.b, sizeof(j.b), "%s/b", cg);
	if (cg_write(cg, "cgroup.subtree_control", "+memory") ||
	    mkdir(a, 0755) || mkdir(j.b, 0755)) {
		ksft_print_msg("%s: cannot make %s/{a,b}: %s\n", tc->name, cg,
			       strerror(errno));
		goto destroy;
	}
	pid = run_child(a, offline_child, &j);
	/* the child's ends: a child that dies early gives EOF, not a hang */
	close(j.ready[1]);
	close(j.go[0]);
	j.ready[1] = -1;
	j.go[0] = -1;
	if (read(j.ready[0], &c, 1) != 1)
		goto wait;
	/* a goes offline with its pages in zswap */
	if (cg_destroy(a))
		goto wait;
	a_removed = true;
	vmstat_read(&before);
	snprintf(val, sizeof(val), "%zu", j.size);
	for (i = 1; i <= MAX_RECLAIMS && wb < 2 * WB_SLACK; i++) {
		err = cg_write(cg, "memory.reclaim", "%s", val);
		if (err && err != -EAGAIN)
			break;
		vmstat_read(&now);
		wb = delta(&before, &now, VM_ZSWPWB);
	}
	cg_read(cg, "memory.swap.current", &swap);
	swap_kb = swap / 1024;
	ksft_print_msg("%s: %llu pages of the removed cgroup written back by this task (in another cgroup); the parent's memory.swap.current %llu KiB\n",
		       tc->name, wb, swap_kb);
	ret = KSFT_PASS;
	if (wb < 2 * WB_SLACK) {
		ksft_print_msg("%s: want at least %d pages written back\n",
			       tc->name, 2 * WB_SLACK);
		ret = KSFT_FAIL;
	}
	/* every slot written back is charged, and to the parent */
	if (swap_kb < wb * (page_size() / 1024)) {
		ksft_print_msg("%s: want each written-back page's device slot charged to the removed cgroup, under the parent\n",
			       tc->name);
		ret = KSFT_FAIL;
	}
wait:
	if (write(j.go[1], &c, 1) != 1)
		ret = KSFT_FAIL;
	if (child_result(tc->name, wait_child(pid, NULL, NULL, NULL)) !=
	    KSFT_PASS)
		ret = KSFT_FAIL;
	if (!cg_swap_uncharged(tc->name, cg))
		ret = KSFT_FAIL;
destroy:
	if (!a_removed)
		rmdir(a);
	rmdir(j.b);
	cg_destroy(cg);
restore:
	setting_restore(&s);
	close(j.ready[0]);
	if (j.ready[1] >= 0)
		close(j.ready[1]);
	if (j.go[0] >= 0)
		close(j.go[0]);
	close(j.go[1]);
	return ret;
}

#define SWAP_MAX_MORE	4	/* memory.reclaim writes after the limit */

/* memory.swap.max of swap_max: 1/32 of the working set */
static size_t swap_max_bytes(const struct tcase *tc)
{
	return case_size(tc) / 32;
}

/* swap_max: runs in the case's cgroup, memory.swap.max swap_max_bytes(). */
static int swap_max_child(void *tc)
{
	size_t size = case_size(tc), limit = swap_max_bytes(tc);
	uint64_t cur = 0, max0 = 0, max1 = 0, max2 = 0;
	unsigned long long fail1, fail2;
	struct vmstat start, now, end;
	char val[32], *buf;
	bool ok = true;
	int i, err;

	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	if (!pageout_enough("child", buf, size))
		return KSFT_FAIL;
	vmstat_read(&start);
	cg_read_key(cg, "memory.swap.events", "max", &max0);
	snprintf(val, sizeof(val), "%zu", size);
	/* the shrinker writes back until the device slots reach the limit */
	for (i = 1; i <= 2 * MAX_RECLAIMS; i++) {
		err = cg_write(cg, "memory.reclaim", "%s", val);
		if (err && err != -EAGAIN)
			return KSFT_FAIL;
		cg_read(cg, "memory.swap.current", &cur);
		if (cur >= limit)
			break;
	}
	vmstat_read(&now);
	cg_read_key(cg, "memory.swap.events", "max", &max1);
	fail1 = zswap_debug("reject_reclaim_fail");
	ksft_print_msg("child: %d memory.reclaim writes: zswpwb +%llu, memory.swap.current %llu of %zu KiB, swap.events max +%llu\n",
		       i, delta(&start, &now, VM_ZSWPWB),
		       (unsigned long long)cur / 1024, limit / 1024,
		       (unsigned long long)(max1 - max0));
	if (cur < limit) {
		ksft_print_msg("child: want the shrinker to fill memory.swap.max with written-back pages\n");
		ok = false;
	}
	/* at the limit: no writeback to try, so none to fail */
	for (i = 0; i < SWAP_MAX_MORE; i++) {
		err = cg_write(cg, "memory.reclaim", "%s", val);
		if (err && err != -EAGAIN)
			return KSFT_FAIL;
	}
	vmstat_read(&end);
	cg_read_key(cg, "memory.swap.events", "max", &max2);
	fail2 = zswap_debug("reject_reclaim_fail");
	ksft_print_msg("child: %d more memory.reclaim writes at the limit: zswpwb +%llu, reject_reclaim_fail +%llu, swap.events max +%llu\n",
		       SWAP_MAX_MORE, delta(&now, &end, VM_ZSWPWB),
		       fail2 - fail1, (unsigned long long)(max2 - max1));
	if (fail2 != fail1) {
		ksft_print_msg("child: want no failed writeback: the shrinker kept trying past the limit\n");
		ok = false;
	}
	if (swapcache_drop("child", buf, size) < 0)
		return KSFT_FAIL;
	ok &= verify("child", buf, size, PAT_COMPRESSIBLE, opt.seed);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_swap_max(const struct tcase *tc)
{
	struct saved_setting s = { 0 };
	int ret = KSFT_FAIL;
	pid_t pid;

	if (!zswap_enabled())
		return skip_case("zswap is not enabled");
	if (!swaps_find(NULL, NULL))
		return skip_case("no swap area in /proc/swaps");
	if (!vswap_enabled())
		return skip_case("without virtual swap memory.swap.max bounds zswap too");
	if (setting_set(&s, ZSWAP_PARAM "shrinker_enabled", "Y"))
		return KSFT_FAIL;
	if (cg_create(cg, sizeof(cg), tc->name))
		goto restore;
	if (cg_write(cg, "memory.swap.max", "%zu", swap_max_bytes(tc)))
		goto destroy;
	pid = run_child(cg, swap_max_child, (void *)tc);
	ret = child_result(tc->name, wait_child(pid, NULL, NULL, NULL));
	cg_print_stats(tc->name, cg);
destroy:
	cg_destroy(cg);
restore:
	setting_restore(&s);
	return ret;
}

static int run_case(const struct tcase *tc)
{
	unsigned long long hit0, hit, fail0, wb, out, bwb0, bwb;
	size_t max = tc->max ? scaled(tc, tc->max) : 0;
	size_t zmax = tc->zswap_max ? scaled(tc, tc->zswap_max) : 0;
	uint64_t peak = 0, cg_wb = 0, mem_kb = 0;
	struct vmstat before, after;
	struct saved_setting s[2];
	const char *dir, *file;
	unsigned int batch;
	char driver[64];
	pid_t pid;
	int ret;

	if (!zswap_enabled())
		return skip_case("zswap is not enabled");
	if (!swaps_find(NULL, NULL))
		return skip_case("no swap area in /proc/swaps");
	memset(s, 0, sizeof(s));
	ksft_print_msg("%s: %zu MiB, memory.max %zu KiB, memory.zswap.max %zu KiB (0: none), shrinker_enabled %s\n",
		       tc->name, case_size(tc) / MiB, max / 1024, zmax / 1024,
		       tc->shrinker);
	if (tc->pool_pct && !read_key("/proc/meminfo", "MemTotal:", &mem_kb))
		ksft_print_msg("%s: max_pool_percent %s: %llu KiB of pool\n",
			       tc->name, tc->pool_pct,
			       (unsigned long long)mem_kb * atoi(tc->pool_pct) / 100);
	ret = KSFT_FAIL;
	if ((tc->pool_pct && setting_set(&s[0], ZSWAP_PARAM "max_pool_percent",
					 tc->pool_pct)) ||
	    setting_set(&s[1], ZSWAP_PARAM "shrinker_enabled", tc->shrinker))
		goto restore;
	if (cg_create(cg, sizeof(cg), tc->name))
		goto restore;
	if ((max && cg_write(cg, "memory.max", "%zu", max)) ||
	    (zmax && cg_write(cg, "memory.zswap.max", "%zu", zmax)))
		goto destroy;

	/* the pool's size, or the cgroup's share of it */
	dir = tc->pool_pct ? ZSWAP_DEBUG : cg;
	file = tc->pool_pct ? "pool_total_size" : "memory.zswap.current";
	hit0 = zswap_debug("pool_limit_hit");
	fail0 = zswap_debug("reject_reclaim_fail");
	bwb0 = zswap_debug("batch_writebacks");
	batch = zswap_batch(driver, sizeof(driver));
	vmstat_read(&before);
	pid = run_child(cg, tc->child, (void *)tc);
	ret = child_result(tc->name, wait_child(pid, dir, file, &peak));
	vmstat_read(&after);
	hit = zswap_debug("pool_limit_hit") - hit0;
	bwb = zswap_debug("batch_writebacks") - bwb0;
	cg_read_key(cg, "memory.stat", "zswpwb", &cg_wb);
	wb = delta(&before, &after, VM_ZSWPWB);
	if (!cg_wb && wb) {
		/* memory.stat can lag by one periodic (2 s) flush */
		sleep(3);
		cg_read_key(cg, "memory.stat", "zswpwb", &cg_wb);
	}
	cg_print_stats(tc->name, cg);
	if (!swapped_out(tc->name, &before, &after))
		ret = KSFT_FAIL;
	out = delta(&before, &after, VM_PSWPOUT);
	ksft_print_msg("%s: zswpwb +%llu (cgroup %llu), pswpout +%llu, pool_limit_hit +%llu, reject_reclaim_fail +%llu, %s peak %llu (sampled)\n",
		       tc->name, wb, (unsigned long long)cg_wb, out, hit,
		       (unsigned long long)zswap_debug("reject_reclaim_fail") - fail0,
		       tc->pool_pct ? "pool" : "memory.zswap.current",
		       (unsigned long long)peak);
	if (!(tc->cg_wb ? cg_wb : wb)) {
		ksft_print_msg("%s: nothing %swas written back from zswap\n",
			       tc->name, tc->cg_wb ? "of the cgroup " : "");
		ret = KSFT_FAIL;
	}
	/*
	 * A compressor that takes batches gets the entries a walk chose
	 * several per request; one that does not, one each.
	 */
	ksft_print_msg("%s: compressor %s, batch %u: %llu requests of several entries\n",
		       tc->name, driver, batch, bwb);
	if (batch > 1 && bwb < wb / (2 * batch)) {
		ksft_print_msg("%s: %llu pages written back, in fewer than %llu requests of several\n",
			       tc->name, wb, wb / (2 * batch));
		ret = KSFT_FAIL;
	}
	if (batch == 1 && bwb) {
		ksft_print_msg("%s: a compressor of batch 1 got several entries at once\n",
			       tc->name);
		ret = KSFT_FAIL;
	}
	if (!delta(&before, &after, VM_PSWPIN)) {
		ksft_print_msg("%s: no page was read back from the device\n",
			       tc->name);
		ret = KSFT_FAIL;
	}
	if (tc->pool_pct && !hit) {
		ksft_print_msg("%s: the pool never hit its limit\n", tc->name);
		ret = KSFT_FAIL;
	}
	/* zswap checks the limit before each store: a few pages over it */
	if (zmax && peak > zmax + ZSWAP_SLACK) {
		ksft_print_msg("%s: memory.zswap.current reached %llu, over memory.zswap.max %zu\n",
			       tc->name, (unsigned long long)peak, zmax);
		ret = KSFT_FAIL;
	}
destroy:
	cg_destroy(cg);
restore:
	setting_restore(&s[1]);
	setting_restore(&s[0]);
	return ret;
}

static const struct tcase cases[] = {
	{ "pool_limit", pool_child, 96, 32, 0, "1", "N", true, NULL },
	{ "memcg_zswap_max", fill_child, 64, 32, 2, NULL, "N", true, NULL },
	{ "load_during_writeback", race_child, 64, 40, 2, NULL, "N", true, NULL },
	{ "shrinker", shrinker_child, 64, 0, 0, NULL, "Y", false, NULL },
	{ "offline_memcg", NULL, 32, 0, 0, NULL, "Y", false, test_offline_memcg },
	{ "swap_max", NULL, 32, 0, 0, NULL, "Y", false, test_swap_max },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	const struct tcase *tc = &cases[i];

	return tc->run ? tc->run(tc) : run_case(tc);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: zswap_writeback [options]\n"
		"Make zswap write back to the swap device, verify the data.\n"
		"Cases: pool_limit memcg_zswap_max load_during_writeback shrinker\n"
		"       offline_memcg swap_max\n"
		COMMON_USAGE
		"                    (default 96, 64, 64, 64, 32, 32; limits scale with it;\n"
		"                    --pattern applies to shrinker only)\n"
		"  --rounds N        load_during_writeback rounds (4)\n"
		"  --only NAME       run only case NAME\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "rounds",	required_argument,	NULL, 'r' },
		{ "only",	required_argument,	NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "r:o:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt_rounds = strtoul(optarg, NULL, 0);
			if (!opt_rounds)
				ksft_exit_fail_msg("--rounds: bad count '%s'\n",
						   optarg);
			break;
		case 'o':
			opt_only = optarg;
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
