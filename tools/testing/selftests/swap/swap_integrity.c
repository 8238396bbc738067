// SPDX-License-Identifier: GPL-2.0
/*
 * swap_integrity: anonymous memory must read back exactly as written after
 * it has been swapped out and in again, whichever swap backend is set up
 * (disk, zswap, zram).  Every page carries a pattern derived from its
 * address and a seed and is checked byte for byte.  Swap-out is driven by a
 * memcg limit, MADV_PAGEOUT and memory.reclaim, on zero pages, on pages
 * shared with a forked child, from two threads at once, and on PMD and mTHP
 * sized folios.  Each case also proves from the swap counters that pages
 * really left memory and, with the swap cache emptied of them first, that
 * they came back from the swap backend: a read served from the swap cache
 * would prove nothing about the backend.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "swap_util.h"

#define MAX_MTHP	16

struct tcase {
	char name[32];
	int (*fn)(const struct tcase *tc);
	size_t mib;		/* default working set */
	unsigned long kb;	/* folio size of the mthp_* cases */
};

static struct common_opts opt;
static size_t opt_limit = 32 * MiB;
static unsigned int opt_rounds = 3;
static bool opt_mthp_all;
static const char *opt_only;

static unsigned long thp_kb[MAX_MTHP];	/* all hugepages-<N>kB, ascending */
static int nr_thp_kb;

static size_t case_size(const struct tcase *tc)
{
	return opt.size ? opt.size : tc->mib * MiB;
}

/* pageout_verify() as a case result */
static int pageout_result(const char *what, char *buf, size_t size,
			  enum pattern p)
{
	return pageout_verify(what, buf, size, p, opt.seed) ?
		KSFT_PASS : KSFT_FAIL;
}

/* The checker itself: it must accept good data and catch bad data. */
static int test_pattern_check(const struct tcase *tc)
{
	size_t ps = page_size(), len = 64 * ps, nonzero, off, i;
	enum pattern p;
	bool ok = true;
	char *buf;

	buf = map_anon(len, 0);
	if (!buf)
		return KSFT_FAIL;
	for (p = PAT_COMPRESSIBLE; p <= PAT_MIXED; p++) {
		struct mismatch m = { 0 };
		size_t good, stale, moved;

		pattern_fill(buf, len, p, opt.seed);
		for (nonzero = 0, off = 0; off < len; off += ps) {
			const uint64_t *w = (const uint64_t *)(buf + off);

			for (i = 0; i < ps / sizeof(*w) && !w[i]; i++)
				;
			nonzero += i < ps / sizeof(*w);
		}
		good = pattern_check(buf, len, p, opt.seed, &m);
		stale = pattern_check(buf, len, p, opt.seed + 1, &m);
		memcpy(buf + ps, buf, ps);
		moved = pattern_check(buf, len, p, opt.seed, &m);
		if (good || stale != nonzero || moved != (p != PAT_ZERO)) {
			ksft_print_msg("%s: %s: bad pages: %zu good (want 0), %zu stale (want %zu), %zu moved (want %d)\n",
				       tc->name, pattern_name(p), good, stale,
				       nonzero, moved, p != PAT_ZERO);
			ok = false;
		}
	}
	pattern_fill(buf, len, opt.pattern, opt.seed);
	ok &= verify(tc->name, buf, len, opt.pattern, opt.seed);
	munmap(buf, len);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_memcg_max(const struct tcase *tc)
{
	struct fill_job job = { case_size(tc), opt.pattern, opt.seed, 2 };
	struct vmstat before, after;
	char cg[PATH_MAX];
	int ret = KSFT_FAIL;
	pid_t pid;

	ksft_print_msg("%s: %zu MiB in a cgroup with memory.max %zu MiB\n",
		       tc->name, job.size / MiB, opt_limit / MiB);
	if (cg_create(cg, sizeof(cg), tc->name))
		return KSFT_FAIL;
	if (!cg_write(cg, "memory.max", "%zu", opt_limit)) {
		vmstat_read(&before);
		pid = run_child(cg, fill_verify_child, &job);
		ret = child_result(tc->name, wait_child(pid, NULL, NULL, NULL));
		vmstat_read(&after);
		cg_print_stats(tc->name, cg);
		if (!swapped_out(tc->name, &before, &after))
			ret = KSFT_FAIL;
		/* what did not fit was read back by the first verify pass */
		if (!swapped_in(tc->name, &before, &after,
				memcg_overflow_pages(job.size, opt_limit)))
			ret = KSFT_FAIL;
		if (!cg_swap_uncharged(tc->name, cg))
			ret = KSFT_FAIL;
	}
	cg_destroy(cg);
	return ret;
}

static int pageout_case(const struct tcase *tc, enum pattern p)
{
	size_t size = case_size(tc);
	char *buf;
	int ret;

	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, p, opt.seed);
	ret = pageout_result(tc->name, buf, size, p);
	munmap(buf, size);
	return ret;
}

static int test_pageout(const struct tcase *tc)
{
	return pageout_case(tc, opt.pattern);
}

static int test_zero_pages(const struct tcase *tc)
{
	return pageout_case(tc, PAT_ZERO);
}

struct reclaim_job {
	size_t size;
	int ready[2];		/* child -> parent: filled */
	int go[2];		/* parent closes its end: verify now */
};

/* Fill, let the parent reclaim, then read back what went to swap. */
static int reclaim_child(void *arg)
{
	struct reclaim_job *r = arg;
	struct vmstat before, after;
	char c = 0, *buf;
	long dropped;
	bool ok;

	close(r->ready[0]);
	close(r->go[1]);
	buf = map_anon(r->size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, r->size, opt.pattern, opt.seed);
	if (write(r->ready[1], &c, 1) != 1 || read(r->go[0], &c, 1) < 0)
		return KSFT_FAIL;
	dropped = swapcache_drop("child", buf, r->size);
	vmstat_read(&before);
	ok = verify("child", buf, r->size, opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 && swapped_in("child", &before, &after, dropped);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_memory_reclaim(const struct tcase *tc)
{
	struct reclaim_job r = { .size = case_size(tc) };
	uint64_t swap0 = 0, swap1 = 0, zswap0 = 0, zswap1 = 0, mem0 = 0, mem1 = 0;
	struct vmstat before, after;
	int ret = KSFT_FAIL, err;
	char cg[PATH_MAX], c;
	bool ok = false;
	pid_t pid;

	if (pipe(r.ready)) {
		ksft_perror("pipe");
		return KSFT_FAIL;
	}
	if (pipe(r.go)) {
		ksft_perror("pipe");
		goto close_ready;
	}
	if (cg_create(cg, sizeof(cg), tc->name))
		goto close_go;

	vmstat_read(&before);
	pid = run_child(cg, reclaim_child, &r);
	close(r.ready[1]);
	close(r.go[0]);
	r.ready[1] = -1;
	r.go[0] = -1;
	if (pid > 0 && read(r.ready[0], &c, 1) == 1) {
		cg_read(cg, "memory.current", &mem0);
		cg_read(cg, "memory.swap.current", &swap0);
		cg_read(cg, "memory.zswap.current", &zswap0);
		err = cg_write(cg, "memory.reclaim", "%zu", r.size);
		if (err == -EAGAIN)
			ksft_print_msg("%s: partial reclaim is fine\n",
				       tc->name);
		cg_read(cg, "memory.current", &mem1);
		cg_read(cg, "memory.swap.current", &swap1);
		cg_read(cg, "memory.zswap.current", &zswap1);
		ksft_print_msg("%s: memory.current %llu -> %llu, memory.swap.current %llu -> %llu, memory.zswap.current %llu -> %llu\n",
			       tc->name, (unsigned long long)mem0,
			       (unsigned long long)mem1,
			       (unsigned long long)swap0,
			       (unsigned long long)swap1,
			       (unsigned long long)zswap0,
			       (unsigned long long)zswap1);
		ok = (!err || err == -EAGAIN) &&
		     (swap1 > swap0 || zswap1 > zswap0);
		if (!ok)
			ksft_print_msg("%s: memory.reclaim did not swap\n",
				       tc->name);
		/*
		 * Compressed copies stay charged to the cgroup (about a
		 * sixth of the pages, for this pattern): want at least half
		 * the working set gone from memory.current.
		 */
		if (mem1 + r.size / 2 > mem0) {
			ksft_print_msg("%s: memory.reclaim freed %lld bytes, want at least %zu\n",
				       tc->name, (long long)(mem0 - mem1),
				       r.size / 2);
			ok = false;
		}
	}
	close(r.go[1]);
	r.go[1] = -1;
	ret = child_result(tc->name, wait_child(pid, NULL, NULL, NULL));
	vmstat_read(&after);
	cg_print_stats(tc->name, cg);
	if (!swapped_out(tc->name, &before, &after) || !ok)
		ret = KSFT_FAIL;
	cg_destroy(cg);
close_go:
	if (r.go[0] >= 0)
		close(r.go[0]);
	if (r.go[1] >= 0)
		close(r.go[1]);
close_ready:
	close(r.ready[0]);
	if (r.ready[1] >= 0)
		close(r.ready[1]);
	return ret;
}

struct cow_job {
	char *buf;
	size_t size;
};

static int cow_child(void *arg)
{
	struct cow_job *j = arg;
	size_t half = (j->size / 2) & ~(page_size() - 1);
	uint64_t seed2 = ~opt.seed;
	struct vmstat before, after;
	long dropped;
	bool ok;

	/* the parent's swapped-out pages, read back from the backend */
	dropped = swapcache_drop("child: inherited", j->buf, j->size);
	vmstat_read(&before);
	ok = verify("child: inherited", j->buf, j->size, opt.pattern,
		    opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 &&
	      swapped_in("child: inherited", &before, &after, dropped);
	ok &= pageout_enough("child: inherited", j->buf, j->size);
	pattern_fill(j->buf, half, opt.pattern, seed2);
	ok &= pageout_enough("child: half rewritten", j->buf, j->size);
	dropped = swapcache_drop("child: half rewritten", j->buf, j->size);
	vmstat_read(&before);
	ok &= verify("child: rewritten half", j->buf, half, opt.pattern,
		     seed2);
	ok &= verify("child: inherited half", j->buf + half, j->size - half,
		     opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 &&
	      swapped_in("child: half rewritten", &before, &after, dropped);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_fork_cow(const struct tcase *tc)
{
	struct cow_job job = { .size = case_size(tc) };
	struct vmstat before, mid, after;
	long dropped;
	bool ok;
	int ret;

	job.buf = map_anon(job.size, 0);
	if (!job.buf)
		return KSFT_FAIL;
	pattern_fill(job.buf, job.size, opt.pattern, opt.seed);
	vmstat_read(&before);
	ok = pageout_enough("parent", job.buf, job.size);
	ret = child_result("child", wait_child(run_child(NULL, cow_child, &job),
					       NULL, NULL, NULL));
	ok &= verify("parent: after child", job.buf, job.size, opt.pattern,
		     opt.seed);
	/*
	 * Clean pages whose swap copy is still valid: paged out again they
	 * are only unmapped, nothing is written, and must read back all the
	 * same.
	 */
	ok &= pageout_enough("parent: again", job.buf, job.size);
	dropped = swapcache_drop("parent: again", job.buf, job.size);
	vmstat_read(&mid);
	ok &= verify("parent: paged out again", job.buf, job.size,
		     opt.pattern, opt.seed);
	vmstat_read(&after);
	ok &= dropped > 0 &&
	      swapped_in("parent: paged out again", &mid, &after, dropped);
	ok &= swapped_out(tc->name, &before, &after);
	munmap(job.buf, job.size);
	return ok && ret == KSFT_PASS ? KSFT_PASS : KSFT_FAIL;
}

struct thread_job {
	pthread_t thread;
	char *buf;
	size_t len;
	unsigned int id;
	bool ok;
};

static void *thread_rounds(void *arg)
{
	struct thread_job *t = arg;
	size_t half = (t->len / 2) & ~(page_size() - 1);
	unsigned int round;
	char what[48];
	uint64_t seed;

	for (round = 0; round < opt_rounds; round++) {
		snprintf(what, sizeof(what), "thread %u round %u", t->id,
			 round);
		seed = opt.seed + round;
		pattern_fill(t->buf, t->len, opt.pattern, seed);
		/* the half paged out, then all of it with the other half */
		t->ok &= pageout_verify(what, t->buf + (round % 2) * half,
					half, opt.pattern, seed);
		t->ok &= verify(what, t->buf, t->len, opt.pattern, seed);
	}
	return NULL;
}

static int two_threads_child(void *arg)
{
	size_t size = *(size_t *)arg, half = (size / 2) & ~(page_size() - 1);
	struct thread_job t[2];
	unsigned int i, started;
	char *buf;
	int err;

	buf = map_anon(2 * half, 0);
	if (!buf)
		return KSFT_FAIL;
	for (started = 0; started < ARRAY_SIZE(t); started++) {
		t[started] = (struct thread_job){
			.buf = buf + started * half, .len = half,
			.id = started, .ok = true,
		};
		err = pthread_create(&t[started].thread, NULL, thread_rounds,
				     &t[started]);
		if (err) {
			ksft_print_msg("pthread_create: %s\n", strerror(err));
			t[started].ok = false;
			break;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i].thread, NULL);
	return t[0].ok && t[1].ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_two_threads(const struct tcase *tc)
{
	struct vmstat before, after;
	size_t size = case_size(tc);
	char cg[PATH_MAX];
	int ret = KSFT_FAIL;
	pid_t pid;

	/*
	 * The threads swap with MADV_PAGEOUT; the memcg only has to hold the
	 * working set. A limit below it (plus zswap's compressed copies, which
	 * are charged to the memcg too) makes reclaim, not the concurrency
	 * under test, decide the outcome: two faulting threads can then be
	 * OOM-killed before reclaim catches up.
	 */
	size_t limit = size + size / 2;

	ksft_print_msg("%s: 2 x %zu MiB, %u rounds, memory.max %zu MiB\n",
		       tc->name, size / 2 / MiB, opt_rounds, limit / MiB);
	if (cg_create(cg, sizeof(cg), tc->name))
		return KSFT_FAIL;
	if (!cg_write(cg, "memory.max", "%zu", limit)) {
		vmstat_read(&before);
		pid = run_child(cg, two_threads_child, &size);
		ret = child_result(tc->name, wait_child(pid, NULL, NULL, NULL));
		vmstat_read(&after);
		cg_print_stats(tc->name, cg);
		if (!swapped_out(tc->name, &before, &after))
			ret = KSFT_FAIL;
	}
	cg_destroy(cg);
	return ret;
}

static size_t round_up(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/*
 * Large folios of @kb kB taken whole by a backend (the per-size swpout of
 * a device and zswpout of zswap), and split on swap-out.
 */
static void large_folio_stats(unsigned long kb, uint64_t *whole,
			      uint64_t *split)
{
	*whole = mthp_stat(kb, "swpout") + mthp_stat(kb, "zswpout");
	*split = mthp_stat(kb, "swpout_fallback");
}

/*
 * Large folios on swap-out go out whole, with and without virtual swap:
 * the counters of whole folios move, the fallback counter does not. With
 * virtual swap and zswap alone they are split first (a page zswap refused
 * would keep a whole folio in memory).
 */
static bool large_folios_as_expected(const char *what, uint64_t whole,
				     uint64_t split)
{
	bool want_split = vswap_enabled() && swaps_find(NULL, NULL) <= 0;

	ksft_print_msg("%s: large folios swapped out whole +%llu, split +%llu\n",
		       what, (unsigned long long)whole,
		       (unsigned long long)split);
	/*
	 * A few may split: a folio that found no free cluster (no spare
	 * for large ones) goes out a page at a time.
	 */
	if (want_split ? !whole && split : whole && split * 10 <= whole + split)
		return true;
	ksft_print_msg("%s: want large folios %s\n", what, want_split ?
		       "split (no swap device behind zswap)" :
		       "swapped out whole, at most a tenth split");
	return false;
}

static int test_thp_pmd(const struct tcase *tc)
{
	size_t pmd = pmd_size(), size = round_up(case_size(tc), pmd);
	uint64_t whole0, split0, whole, split;
	struct saved_setting s[2];
	char path[PATH_MAX];
	int ret = KSFT_FAIL;
	uint64_t thp = 0;
	char *buf;

	memset(s, 0, sizeof(s));
	if (access(THP_DIR "/enabled", F_OK))
		return skip_case("no %s/enabled", THP_DIR);
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled",
		 pmd / 1024);
	if (setting_set(&s[0], THP_DIR "/enabled", "madvise") ||
	    (!access(path, F_OK) && setting_set(&s[1], path, "inherit")))
		goto restore;
	buf = map_anon(size, pmd);
	if (!buf)
		goto restore;
	if (madvise(buf, size, MADV_HUGEPAGE)) {
		ksft_perror("madvise(MADV_HUGEPAGE)");
		goto unmap;
	}
	pattern_fill(buf, size, opt.pattern, opt.seed);
	if (read_key("/proc/self/smaps_rollup", "AnonHugePages:", &thp) ||
	    !thp) {
		ret = skip_case("no PMD-sized THP was allocated");
		goto unmap;
	}
	ksft_print_msg("%s: AnonHugePages %llu kB of %zu kB\n", tc->name,
		       (unsigned long long)thp, size / 1024);
	large_folio_stats(pmd / 1024, &whole0, &split0);
	ret = pageout_result(tc->name, buf, size, opt.pattern);
	large_folio_stats(pmd / 1024, &whole, &split);
	if (!large_folios_as_expected(tc->name, whole - whole0,
				      split - split0))
		ret = KSFT_FAIL;
unmap:
	munmap(buf, size);
restore:
	setting_restore(&s[1]);
	setting_restore(&s[0]);
	return ret;
}

static int test_mthp(const struct tcase *tc)
{
	static const char * const stats[] = {
		"anon_fault_alloc", "swpout", "zswpout", "swpout_fallback",
	};
	uint64_t before[ARRAY_SIZE(stats)], after[ARRAY_SIZE(stats)];
	size_t pmd = pmd_size(), size = round_up(case_size(tc), pmd);
	struct saved_setting s[MAX_MTHP];
	char path[PATH_MAX];
	int ret = KSFT_FAIL;
	unsigned int i;
	char *buf;

	memset(s, 0, sizeof(s));
	for (i = 0; i < (unsigned int)nr_thp_kb; i++) {
		snprintf(path, sizeof(path), THP_DIR "/hugepages-%lukB/enabled",
			 thp_kb[i]);
		if (setting_set(&s[i], path,
				thp_kb[i] == tc->kb ? "always" : "never"))
			goto restore;
	}
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		before[i] = mthp_stat(tc->kb, stats[i]);
	buf = map_anon(size, pmd);
	if (!buf)
		goto restore;
	pattern_fill(buf, size, opt.pattern, opt.seed);
	after[0] = mthp_stat(tc->kb, stats[0]);
	if (after[0] == before[0]) {
		ret = skip_case("no %lu kB folio was allocated", tc->kb);
		goto unmap;
	}
	ret = pageout_result(tc->name, buf, size, opt.pattern);
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		after[i] = mthp_stat(tc->kb, stats[i]);
	ksft_print_msg("%s: %s +%llu %s +%llu %s +%llu %s +%llu\n", tc->name,
		       stats[0], (unsigned long long)(after[0] - before[0]),
		       stats[1], (unsigned long long)(after[1] - before[1]),
		       stats[2], (unsigned long long)(after[2] - before[2]),
		       stats[3], (unsigned long long)(after[3] - before[3]));
	/* whole: written to a device or stored by zswap */
	if (!large_folios_as_expected(tc->name,
				      after[1] - before[1] +
				      after[2] - before[2],
				      after[3] - before[3]))
		ret = KSFT_FAIL;
unmap:
	munmap(buf, size);
restore:
	for (i = 0; i < (unsigned int)nr_thp_kb; i++)
		setting_restore(&s[i]);
	return ret;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Sizes with an "enabled" file: anonymous THP can use them. */
static void find_thp_sizes(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned long kb;
	DIR *d;

	d = opendir(THP_DIR);
	if (!d)
		return;
	while ((de = readdir(d)) && nr_thp_kb < MAX_MTHP) {
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), THP_DIR "/%s/enabled",
			 de->d_name);
		if (!access(path, F_OK))
			thp_kb[nr_thp_kb++] = kb;
	}
	closedir(d);
	qsort(thp_kb, nr_thp_kb, sizeof(thp_kb[0]), cmp_ulong);
}

static const struct tcase fixed_cases[] = {
	{ "pattern_check",	test_pattern_check,	0, 0 },
	{ "memcg_max",		test_memcg_max,		64, 0 },
	{ "pageout",		test_pageout,		32, 0 },
	{ "memory_reclaim",	test_memory_reclaim,	32, 0 },
	{ "zero_pages",		test_zero_pages,	32, 0 },
	{ "fork_cow",		test_fork_cow,		32, 0 },
	{ "two_threads",	test_two_threads,	32, 0 },
	{ "thp_pmd",		test_thp_pmd,		16, 0 },
};

#define MTHP_MIB	8

static struct tcase cases[ARRAY_SIZE(fixed_cases) + MAX_MTHP];
static unsigned int nr_cases;

static void add_case(const struct tcase *tc)
{
	cases[nr_cases++] = *tc;
}

/*
 * One mthp_<N>kB case per mTHP size below PMD size; by default only the
 * smallest, 64 kB and the largest, to bound the run time.
 */
static void add_mthp_cases(void)
{
	size_t pmd_kb = pmd_size() / 1024;
	struct tcase tc = { .fn = test_mthp, .mib = MTHP_MIB };
	int i, last = -1;

	for (i = 0; i < nr_thp_kb; i++)
		if (thp_kb[i] < pmd_kb)
			last = i;
	for (i = 0; i <= last; i++) {
		if (!opt_mthp_all && !opt_only && i && i != last &&
		    thp_kb[i] != 64)
			continue;
		tc.kb = thp_kb[i];
		snprintf(tc.name, sizeof(tc.name), "mthp_%lukB", tc.kb);
		add_case(&tc);
	}
}

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	return cases[i].fn(&cases[i]);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swap_integrity [options]\n"
		"Write address-derived patterns, force them out to swap, verify them.\n"
		"Cases: pattern_check memcg_max pageout memory_reclaim zero_pages\n"
		"       fork_cow two_threads thp_pmd mthp_<N>kB\n"
		COMMON_USAGE
		"                    (default per case: memcg_max 64, pageout 32,\n"
		"                    memory_reclaim 32, zero_pages 32, fork_cow 32,\n"
		"                    two_threads 32, thp_pmd 16, mthp_* %d)\n"
		"  --limit MiB       memory.max of memcg_max (32)\n"
		"  --rounds N        two_threads rounds (3)\n"
		"  --only NAME       run only case NAME\n"
		"  --mthp-all        one mthp case per mTHP size, not just\n"
		"                    the smallest, 64kB and the largest\n",
		MTHP_MIB);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "limit",	required_argument,	NULL, 'l' },
		{ "rounds",	required_argument,	NULL, 'r' },
		{ "only",	required_argument,	NULL, 'o' },
		{ "mthp-all",	no_argument,		NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int i;
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "l:r:o:a",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt_limit = parse_mib("--limit", optarg);
			break;
		case 'r':
			opt_rounds = strtoul(optarg, NULL, 0);
			if (!opt_rounds)
				ksft_exit_fail_msg("--rounds: bad count '%s'\n",
						   optarg);
			break;
		case 'o':
			opt_only = optarg;
			break;
		case 'a':
			opt_mthp_all = true;
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

	for (i = 0; i < ARRAY_SIZE(fixed_cases); i++)
		add_case(&fixed_cases[i]);
	find_thp_sizes();
	add_mthp_cases();
	run_cases(nr_cases, case_name, case_fn, opt_only, &opt);
}
