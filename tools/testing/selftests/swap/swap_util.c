// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the swap selftests, see swap_util.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "swap_util.h"

bool opt_corrupt;
static char skip_reason[256];

static const char * const pattern_names[] = {
	[PAT_COMPRESSIBLE]	= "compressible",
	[PAT_RANDOM]		= "random",
	[PAT_ZERO]		= "zero",
	[PAT_MIXED]		= "mixed",
};

void common_opts_init(struct common_opts *o)
{
	/*
	 * A line at a time into a pipe too (a runner's), so that what a
	 * program killed for taking too long had printed is not lost.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	o->size = 0;
	o->seed = 1;
	o->pattern = PAT_COMPRESSIBLE;
}

size_t parse_mib(const char *name, const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || *end || !v || v > (SIZE_MAX / MiB))
		ksft_exit_fail_msg("%s: bad MiB count '%s'\n", name, arg);
	return v * MiB;
}

bool common_opt(struct common_opts *o, int c, const char *arg)
{
	unsigned int i;
	char *end;

	switch (c) {
	case 's':
		o->size = parse_mib("--size", arg);
		return true;
	case 'S':
		errno = 0;
		o->seed = strtoull(arg, &end, 0);
		if (errno || *end)
			ksft_exit_fail_msg("--seed: bad number '%s'\n", arg);
		return true;
	case 'p':
		for (i = 0; i < ARRAY_SIZE(pattern_names); i++) {
			if (!strcmp(arg, pattern_names[i])) {
				o->pattern = i;
				return true;
			}
		}
		ksft_exit_fail_msg("--pattern: unknown kind '%s'\n", arg);
	case 'c':
		opt_corrupt = true;
		return true;
	}
	return false;
}

const char *pattern_name(enum pattern p)
{
	return pattern_names[p];
}

void common_opts_print(const struct common_opts *o)
{
	ksft_print_msg("pattern %s, seed %llu%s\n", pattern_name(o->pattern),
		       (unsigned long long)o->seed,
		       opt_corrupt ? ", corrupting data on purpose" : "");
}

int skip_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	ksft_print_msg("skipped: %s\n", skip_reason);
	return KSFT_SKIP;
}

void run_cases(unsigned int nr, const char *(*name)(unsigned int i),
	       int (*run)(unsigned int i), const char *only,
	       const struct common_opts *o)
{
	unsigned int i, n = 0;
	double start;
	int ret;

	for (i = 0; i < nr; i++)
		n += !only || !strcmp(only, name(i));
	ksft_print_header();
	if (!n)
		ksft_exit_fail_msg("no case named '%s'\n", only);
	ksft_set_plan(n);
	common_opts_print(o);
	for (i = 0; i < nr; i++) {
		if (only && strcmp(only, name(i)))
			continue;
		start = now_sec();
		skip_reason[0] = '\0';
		ret = run(i);
		ksft_print_msg("%s: %.1f s\n", name(i), now_sec() - start);
		if (ret == KSFT_SKIP)
			ksft_test_result_code(ret, name(i), "%s", skip_reason);
		else
			ksft_test_result_report(ret, "%s\n", name(i));
	}
	ksft_finished();
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

void *map_anon(size_t len, size_t align)
{
	size_t extra = align > page_size() ? align : 0;
	uintptr_t start;
	char *p;

	p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		ksft_print_msg("mmap of %zu bytes: %s\n", len, strerror(errno));
		return NULL;
	}
	if (!extra)
		return p;

	start = ((uintptr_t)p + align - 1) & ~(align - 1);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + extra > start)
		munmap((char *)start + len, (uintptr_t)p + extra - start);
	return (void *)start;
}

/*
 * Pattern generation.  Each page gets a base value derived from its virtual
 * address, the seed and its kind; every word of the page derives from the
 * base and the word's index.  So a page that lands at another address, a
 * stale page from another seed, or a lost (zeroed) page all mismatch.
 */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static enum pattern page_kind(enum pattern p, uintptr_t page)
{
	if (p != PAT_MIXED)
		return p;
	return (enum pattern)((page / page_size()) % 3);
}

static uint64_t page_base(enum pattern kind, uintptr_t page, uint64_t seed)
{
	if (kind == PAT_ZERO)
		return 0;
	return mix64(page ^ mix64(seed + kind));
}

static inline uint64_t word_at(enum pattern kind, uint64_t base, size_t i)
{
	switch (kind) {
	case PAT_COMPRESSIBLE:
		/*
		 * 512 unique bytes, then a 256-byte block over and over:
		 * about 6:1 with lzo, lz4, zstd or deflate.
		 */
		return i < 64 ? mix64(base + i) : base ^ (i & 31);
	case PAT_RANDOM:
		return mix64(base + i);
	default:
		return 0;
	}
}

void pattern_fill(void *buf, size_t len, enum pattern p, uint64_t seed)
{
	size_t ps = page_size(), nw = ps / sizeof(uint64_t), off, i;

	for (off = 0; off < len; off += ps) {
		uint64_t *w = (uint64_t *)((char *)buf + off);
		enum pattern kind = page_kind(p, (uintptr_t)w);
		uint64_t base = page_base(kind, (uintptr_t)w, seed);

		if (kind == PAT_ZERO) {
			memset(w, 0, ps);
			continue;
		}
		for (i = 0; i < nw; i++)
			w[i] = word_at(kind, base, i);
	}
}

size_t pattern_check(const void *buf, size_t len, enum pattern p,
		     uint64_t seed, struct mismatch *m)
{
	size_t ps = page_size(), nw = ps / sizeof(uint64_t), off, i, j;
	size_t bad = 0;

	for (off = 0; off < len; off += ps) {
		const uint64_t *w = (const uint64_t *)((const char *)buf + off);
		enum pattern kind = page_kind(p, (uintptr_t)w);
		uint64_t base = page_base(kind, (uintptr_t)w, seed);

		for (i = 0; i < nw; i++)
			if (w[i] != word_at(kind, base, i))
				break;
		if (i == nw)
			continue;
		bad++;
		if (m->bad_pages++)
			continue;
		m->addr = (uintptr_t)&w[i];
		m->expect = word_at(kind, base, i);
		m->actual = w[i];
		for (j = 0; j < nw && !w[j]; j++)
			;
		m->zero_page = j == nw;
	}
	return bad;
}

void report_mismatch(const char *what, const struct mismatch *m)
{
	if (!m->bad_pages)
		return;
	ksft_print_msg("%s: %zu bad pages; first at %#lx (page offset %#lx): expected 0x%016" PRIx64
		       " got 0x%016" PRIx64 ", page %s\n",
		       what, m->bad_pages, (unsigned long)m->addr,
		       (unsigned long)(m->addr & (page_size() - 1)),
		       m->expect, m->actual,
		       m->zero_page ? "is all zeros" : "is not all zeros");
}

void corrupt_if_requested(void *buf, size_t len, enum pattern p,
			  uint64_t seed)
{
	uintptr_t word, page;
	uint8_t *target;
	enum pattern kind;
	uint64_t expect;
	uint8_t bytes[sizeof(expect)];

	if (!opt_corrupt || len < sizeof(expect))
		return;
	word = ((uintptr_t)buf + len / 2) & ~(uintptr_t)(sizeof(expect) - 1);
	page = word & ~(uintptr_t)(page_size() - 1);
	kind = page_kind(p, page);
	expect = word_at(kind, page_base(kind, page, seed),
			 (word - page) / sizeof(expect));
	memcpy(bytes, &expect, sizeof(bytes));
	/* the complement of the expected byte: idempotent across threads */
	target = (uint8_t *)word + 3;
	*target = (uint8_t)~bytes[3];
	ksft_print_msg("--corrupt: set byte at %p to %#x\n", target,
		       (uint8_t)~bytes[3]);
}

bool verify(const char *what, void *buf, size_t len, enum pattern p,
	    uint64_t seed)
{
	struct mismatch m = { 0 };

	corrupt_if_requested(buf, len, p, seed);
	pattern_check(buf, len, p, seed, &m);
	report_mismatch(what, &m);
	return !m.bad_pages;
}

int swap_scan(const void *buf, size_t len, struct swap_scan *s)
{
	size_t ps = page_size(), first = (uintptr_t)buf / ps, n = len / ps;
	unsigned char vec[512];
	size_t done, cnt, i;
	uint64_t ent[512];
	ssize_t r;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		ksft_perror("open /proc/self/pagemap");
		return -1;
	}
	for (done = 0; done < n; done += cnt) {
		const char *at = (const char *)buf + done * ps;

		cnt = n - done < ARRAY_SIZE(ent) ? n - done : ARRAY_SIZE(ent);
		r = pread(fd, ent, cnt * sizeof(ent[0]),
			  (off_t)((first + done) * sizeof(ent[0])));
		if (r != (ssize_t)(cnt * sizeof(ent[0]))) {
			ksft_perror("read /proc/self/pagemap");
			close(fd);
			return -1;
		}
		/* for a swap entry, mincore() tells if the swap cache has it */
		if (mincore((void *)at, cnt * ps, vec)) {
			ksft_perror("mincore");
			close(fd);
			return -1;
		}
		for (i = 0; i < cnt; i++) {
			bool swapped = (ent[i] >> 62) & 1;

			s->swapped += swapped;
			s->present += ent[i] >> 63;
			s->cached += swapped && (vec[i] & 1);
		}
	}
	close(fd);
	return 0;
}

int cg_self(char *cg, size_t len)
{
	char line[PATH_MAX];
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* cgroup v2: "0::/path" */
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(cg, len, CGROUP_ROOT "%s",
			 strcmp(line + 3, "/") ? line + 3 : "");
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/*
 * swapcache_drop() keeps reclaiming while the cached pages decrease, up
 * to DROP_SECS; with no progress it gives up after DROP_STALLS rounds.
 * Each round asks for a few pages, and reclaim takes them from the tail
 * of the cgroup's LRU: a folio whose write ended while reclaim had it
 * isolated was put back at the head of the inactive list, and one still
 * under writeback when reclaim met it was activated. The last few are
 * freed only once reclaim has gone through the rest: up to 22 rounds
 * without progress in 192 drops of two_threads (an instrumented run, on
 * the base kernel as well). Each drop reports its longest stall.
 */
#define DROP_SECS	60
#define DROP_STALLS	100
#define DROP_TRAIL	16	/* cached counts the failure message shows */

long swapcache_drop(const char *what, void *buf, size_t len)
{
	char cg[PATH_MAX];

	if (cg_self(cg, sizeof(cg))) {
		ksft_print_msg("%s: cannot find this task's cgroup\n", what);
		return -1;
	}
	return swapcache_drop_in(what, buf, len, cg);
}

/*
 * Reclaim drains the per-CPU LRU batches of its own CPU only. A folio whose
 * writeback ended on another CPU sits in that CPU's batch of folios to
 * rotate (folio_rotate_reclaimable()), which holds a reference: reclaim
 * cannot remove it from the swap cache while that CPU adds no more.
 * Once the cache stops shrinking, swapcache_drop_in() drains every CPU
 * (compaction starts with lru_add_drain_all()), then reclaims from each
 * allowed CPU in turn, in case compaction is not built in.
 */
static void reclaim_cpu_next(const cpu_set_t *allowed, int *cpu)
{
	cpu_set_t one;
	int i;

	for (i = 0; i < CPU_SETSIZE; i++) {
		*cpu = (*cpu + 1) % CPU_SETSIZE;
		if (CPU_ISSET(*cpu, allowed))
			break;
	}
	CPU_ZERO(&one);
	CPU_SET(*cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

long swapcache_drop_in(const char *what, void *buf, size_t len,
		       const char *cg)
{
	char path[PATH_MAX + 16], val[32];
	size_t least = SIZE_MAX;
	struct swap_scan s;
	int tries, stalls = 0, most = 0, cpu = -1;
	double start = now_sec();
	size_t trail[DROP_TRAIL];
	char counts[DROP_TRAIL * 22];
	cpu_set_t allowed;
	bool pinned = false;
	long ret = -1;
	int i, n;

	if (!strcmp(cg, CGROUP_ROOT)) {
		/* reclaim there would swap out the whole guest */
		ksft_print_msg("%s: runs in the root cgroup: run it in a cgroup of its own\n",
			       what);
		return -1;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		ksft_perror("sched_getaffinity");
		return -1;
	}
	for (tries = 0; ; tries++) {
		if (swap_scan(buf, len, &s))
			goto out;
		trail[tries % DROP_TRAIL] = s.cached;
		if (!s.cached)
			break;
		if (s.cached < least) {
			least = s.cached;
			stalls = 0;
		}
		if (stalls > most)
			most = stalls;
		if (++stalls > DROP_STALLS || now_sec() - start > DROP_SECS) {
			for (i = tries < DROP_TRAIL ? 0 : tries - DROP_TRAIL + 1,
			     n = 0; i <= tries && n < (int)sizeof(counts); i++)
				n += snprintf(counts + n, sizeof(counts) - n,
					      " %zu", trail[i % DROP_TRAIL]);
			ksft_print_msg("%s: %zu of %zu swapped-out pages still in the swap cache after %d reclaims in %.1f s, %s (cached at the last scans:%s)\n",
				       what, s.cached, s.swapped, tries,
				       now_sec() - start,
				       stalls > DROP_STALLS ?
				       "too many without progress" : "out of time",
				       counts);
			goto out;
		}
		/* writeback still in flight: reclaim skips those folios */
		if (tries)
			usleep(5000 * (stalls < 10 ? stalls : 10));
		if (stalls == 3)
			write_str("/proc/sys/vm/compact_memory", "1");
		if (stalls > 3) {
			reclaim_cpu_next(&allowed, &cpu);
			pinned = true;
		}
		/* -EAGAIN (less reclaimed than asked) is fine: scan again */
		snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
		snprintf(val, sizeof(val), "%zu", 2 * s.cached * page_size());
		write_str(path, val);
	}
	ksft_print_msg("%s: %zu pages swapped out, none in the swap cache (%d reclaims, at most %d in a row without progress%s)\n",
		       what, s.swapped, tries, most,
		       pinned ? ", some from each CPU" : "");
	ret = s.swapped;
out:
	if (pinned)
		sched_setaffinity(0, sizeof(allowed), &allowed);
	return ret;
}

bool cpu_pin_here(cpu_set_t *saved)
{
	cpu_set_t one;
	int cpu;

	if (sched_getaffinity(0, sizeof(*saved), saved)) {
		ksft_perror("sched_getaffinity");
		return false;
	}
	cpu = sched_getcpu();
	if (cpu < 0) {
		ksft_perror("sched_getcpu");
		return false;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		ksft_perror("sched_setaffinity");
		return false;
	}
	return true;
}

void cpu_unpin(const cpu_set_t *saved)
{
	sched_setaffinity(0, sizeof(*saved), saved);
}

bool pageout_verify(const char *what, void *buf, size_t len, enum pattern p,
		    uint64_t seed)
{
	struct vmstat before, mid, after;
	long dropped;
	bool ok;

	vmstat_read(&before);
	ok = pageout_enough(what, buf, len);
	dropped = swapcache_drop(what, buf, len);
	vmstat_read(&mid);
	ok &= swapped_out(what, &before, &mid);
	ok &= verify(what, buf, len, p, seed);
	vmstat_read(&after);
	ok &= dropped >= 0 && swapped_in(what, &mid, &after, dropped);
	return ok;
}

int pageout_pct(const char *what, void *buf, size_t len)
{
	size_t n = len / page_size();
	struct swap_scan s;
	int pct;

	if (madvise(buf, len, MADV_PAGEOUT)) {
		ksft_perror("madvise(MADV_PAGEOUT)");
		return -1;
	}
	if (swap_scan(buf, len, &s))
		return -1;
	pct = n ? (int)(s.swapped * 100 / n) : 0;
	ksft_print_msg("%s: %zu of %zu pages swapped out (%d%%), %zu resident\n",
		       what, s.swapped, n, pct, s.present);
	return pct;
}

bool pageout_enough(const char *what, void *buf, size_t len)
{
	int pct = pageout_pct(what, buf, len);

	if (pct >= MIN_SWAPPED_PCT)
		return true;
	if (pct >= 0)
		ksft_print_msg("%s: want at least %d%% swapped out\n", what,
			       MIN_SWAPPED_PCT);
	return false;
}

static const char * const vmstat_names[NR_VMSTAT_ITEMS] = {
	[VM_PSWPIN]		= "pswpin",
	[VM_PSWPOUT]		= "pswpout",
	[VM_ZSWPIN]		= "zswpin",
	[VM_ZSWPOUT]		= "zswpout",
	[VM_ZSWPWB]		= "zswpwb",
	[VM_SWPIN_ZERO]		= "swpin_zero",
	[VM_SWPOUT_ZERO]	= "swpout_zero",
	[VM_THP_SWPOUT]		= "thp_swpout",
	[VM_THP_SWPOUT_FALLBACK] = "thp_swpout_fallback",
	[VM_SWAP_RA]		= "swap_ra",
	[VM_SWAP_RA_HIT]	= "swap_ra_hit",
};

void vmstat_read(struct vmstat *s)
{
	char line[256], key[128];
	uint64_t val;
	FILE *f;
	int i;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/vmstat", "r");
	if (!f) {
		ksft_perror("open /proc/vmstat");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %" SCNu64, key, &val) != 2)
			continue;
		for (i = 0; i < NR_VMSTAT_ITEMS; i++)
			if (!strcmp(key, vmstat_names[i]))
				s->v[i] = val;
	}
	fclose(f);
}

bool swapped_out(const char *what, const struct vmstat *before,
		 const struct vmstat *after)
{
	uint64_t d[NR_VMSTAT_ITEMS];
	int i;

	for (i = 0; i < NR_VMSTAT_ITEMS; i++)
		d[i] = after->v[i] - before->v[i];
	ksft_print_msg("%s: pswpout +%" PRIu64 " pswpin +%" PRIu64
		       " zswpout +%" PRIu64 " zswpin +%" PRIu64
		       " zswpwb +%" PRIu64 " swpout_zero +%" PRIu64
		       " swpin_zero +%" PRIu64 " thp_swpout +%" PRIu64
		       " thp_swpout_fallback +%" PRIu64 "\n", what,
		       d[VM_PSWPOUT], d[VM_PSWPIN], d[VM_ZSWPOUT], d[VM_ZSWPIN],
		       d[VM_ZSWPWB], d[VM_SWPOUT_ZERO], d[VM_SWPIN_ZERO],
		       d[VM_THP_SWPOUT], d[VM_THP_SWPOUT_FALLBACK]);
	if (d[VM_PSWPOUT] + d[VM_ZSWPOUT] + d[VM_SWPOUT_ZERO])
		return true;
	ksft_print_msg("%s: nothing was swapped out\n", what);
	return false;
}

uint64_t vm_delta(const struct vmstat *before, const struct vmstat *after,
		  enum vmstat_item i)
{
	return after->v[i] - before->v[i];
}

uint64_t swapouts(const struct vmstat *before, const struct vmstat *after)
{
	return vm_delta(before, after, VM_PSWPOUT) +
	       vm_delta(before, after, VM_ZSWPOUT) +
	       vm_delta(before, after, VM_SWPOUT_ZERO);
}

uint64_t swapins(const struct vmstat *before, const struct vmstat *after)
{
	return vm_delta(before, after, VM_PSWPIN) +
	       vm_delta(before, after, VM_ZSWPIN) +
	       vm_delta(before, after, VM_SWPIN_ZERO);
}

/* MEMCG_CHARGE_BATCH: pages a CPU may hold charged ahead */
#define CHARGE_BATCH_PAGES	64

size_t memcg_overflow_pages(size_t size, size_t limit)
{
	size_t slack = CHARGE_BATCH_PAGES * sysconf(_SC_NPROCESSORS_CONF);
	size_t over = size > limit ? (size - limit) / page_size() : 0;

	return over > slack ? over - slack : 0;
}

bool swapped_in(const char *what, const struct vmstat *before,
		const struct vmstat *after, uint64_t want)
{
	uint64_t got = swapins(before, after);

	ksft_print_msg("%s: read back %" PRIu64 " pages (pswpin +%" PRIu64
		       " zswpin +%" PRIu64 " swpin_zero +%" PRIu64
		       "), want at least %" PRIu64 "\n", what, got,
		       after->v[VM_PSWPIN] - before->v[VM_PSWPIN],
		       after->v[VM_ZSWPIN] - before->v[VM_ZSWPIN],
		       after->v[VM_SWPIN_ZERO] - before->v[VM_SWPIN_ZERO], want);
	if (got >= want)
		return true;
	ksft_print_msg("%s: fewer pages came back from a swap backend than were swapped out and uncached\n",
		       what);
	return false;
}

int read_str(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	if (r < 0) {
		err = -errno;
		r = 0;
	}
	buf[r] = '\0';
	while (r > 0 && buf[r - 1] == '\n')
		buf[--r] = '\0';
	close(fd);
	return err;
}

int write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, err = 0;
	ssize_t r;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = write(fd, val, len);
	if (r < 0)
		err = -errno;
	else if ((size_t)r != len)
		err = -EIO;
	close(fd);
	return err;
}

int read_key(const char *path, const char *key, uint64_t *val)
{
	char line[256], k[128];
	int err = -ENOENT;
	uint64_t v;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %" SCNu64, k, &v) == 2 &&
		    !strcmp(k, key)) {
			*val = v;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int cg_home(char *cg, size_t len)
{
	char *slash;
	int err;

	err = cg_self(cg, len);
	if (err)
		return err;
	slash = strrchr(cg, '/');
	if (strcmp(cg, CGROUP_ROOT) && slash)
		*slash = '\0';
	return 0;
}

int cg_create(char *cg, size_t len, const char *tag)
{
	char home[PATH_MAX];
	int err;

	err = cg_home(home, sizeof(home));
	if (err) {
		ksft_print_msg("cannot find this task's cgroup: %s\n",
			       strerror(-err));
		return err;
	}
	snprintf(cg, len, "%s/swaptest-%s-%d", home, tag, getpid());
	if (!mkdir(cg, 0755))
		return 0;
	err = -errno;
	ksft_print_msg("mkdir %s: %s\n", cg, strerror(-err));
	return err;
}

int cg_destroy(const char *cg)
{
	int tries;

	/* an exited child can linger in the cgroup for a moment */
	for (tries = 0; tries < 100; tries++) {
		if (!rmdir(cg))
			return 0;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	ksft_print_msg("rmdir %s: %s\n", cg, strerror(errno));
	return -errno;
}

bool cg_swap_uncharged(const char *what, const char *cg)
{
	uint64_t swap = 0, zswap = 0, cached = 0, mem = 0, slack;
	int tries;

	slack = SLOTS_CACHED_PAGES * sysconf(_SC_NPROCESSORS_CONF) *
		page_size();
	for (tries = 0; tries < 100; tries++) {
		cg_read(cg, "memory.swap.current", &swap);
		cg_read(cg, "memory.zswap.current", &zswap);
		if (swap <= slack && zswap <= slack)
			return true;
		if (tries != 50)
			goto wait;
		/*
		 * Folios still under writeback when their task died stay
		 * in the swap cache, holding their slots, until reclaim
		 * takes them, as without virtual swap: reclaimed once, if
		 * the swap cache can explain what is left.
		 */
		cg_read_key(cg, "memory.stat", "swapcached", &cached);
		if (swap > slack + cached || zswap > slack + cached)
			goto wait;
		cg_read(cg, "memory.current", &mem);
		ksft_print_msg("%s: after its tasks exited: memory.swap.current %llu, memory.zswap.current %llu, swap cache %llu: reclaiming it\n",
			       what, (unsigned long long)swap,
			       (unsigned long long)zswap,
			       (unsigned long long)cached);
		cg_write(cg, "memory.reclaim", "%llu",
			 (unsigned long long)(mem + page_size()));
wait:
		usleep(20000);
	}
	ksft_print_msg("%s: charges left after its tasks exited: memory.swap.current %llu, memory.zswap.current %llu, more than the swap slot caches hold (%llu) and the swap cache (%llu)\n",
		       what, (unsigned long long)swap,
		       (unsigned long long)zswap, (unsigned long long)slack,
		       (unsigned long long)cached);
	return false;
}

int cg_write(const char *cg, const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], val[64];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", cg, file);
	err = write_str(path, val);
	if (err)
		ksft_print_msg("write '%s' to %s: %s\n", val, path,
			       strerror(-err));
	return err;
}

int read_u64(const char *path, uint64_t *val)
{
	char buf[64];
	int err;

	err = read_str(path, buf, sizeof(buf));
	if (err)
		return err;
	*val = strcmp(buf, "max") ? strtoull(buf, NULL, 10) : UINT64_MAX;
	return 0;
}

int cg_read(const char *cg, const char *file, uint64_t *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return read_u64(path, val);
}

int cg_read_key(const char *cg, const char *file, const char *key,
		uint64_t *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return read_key(path, key, val);
}

void cg_print_stats(const char *what, const char *cg)
{
	static const char * const files[] = {
		"memory.swap.current", "memory.swap.peak",
		"memory.zswap.current",
	};
	static const char * const stats[] = {
		"zswpout", "zswpin", "zswpwb", "swpout_zero", "swpin_zero",
	};
	char line[512];
	size_t n = 0;
	unsigned int i;
	uint64_t v;

	line[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (!cg_read(cg, files[i], &v) && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
				      files[i] + strlen("memory."), v);
	for (i = 0; i < ARRAY_SIZE(stats); i++)
		if (!cg_read_key(cg, "memory.stat", stats[i], &v) &&
		    n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
				      stats[i], v);
	if (!cg_read_key(cg, "memory.events", "oom_kill", &v) &&
	    n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " oom_kill=%" PRIu64, v);
	ksft_print_msg("%s: cgroup%s\n", what, line);
}

pid_t run_child(const char *cg, int (*fn)(void *), void *arg)
{
	pid_t pid;
	int ret;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_perror("fork");
	if (pid)
		return pid;
	if (cg && cg_write(cg, "cgroup.procs", "%d", getpid()))
		ret = KSFT_FAIL;
	else
		ret = fn(arg);
	fflush(stdout);
	_exit(ret);
}

int wait_child(pid_t pid, const char *cg, const char *file, uint64_t *max)
{
	int status;
	uint64_t v;
	pid_t r;

	if (pid < 0)
		return -1;
	for (;;) {
		if (file) {
			if (!cg_read(cg, file, &v) && v > *max)
				*max = v;
			r = waitpid(pid, &status, WNOHANG);
			if (!r) {
				usleep(5000);
				continue;
			}
		} else {
			r = waitpid(pid, &status, 0);
		}
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR) {
			ksft_perror("waitpid");
			return -1;
		}
	}
}

int child_result(const char *what, int status)
{
	if (status == -1)
		return KSFT_FAIL;
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (code == KSFT_PASS || code == KSFT_SKIP)
			return code;
		ksft_print_msg("%s: exit status %d\n", what, code);
	} else if (WIFSIGNALED(status)) {
		ksft_print_msg("%s: killed by signal %d (%s)\n", what,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
	}
	return KSFT_FAIL;
}

int fill_verify_child(void *job)
{
	struct fill_job *j = job;
	char what[32];
	bool ok = true;
	void *buf;
	int pass;

	buf = map_anon(j->size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, j->size, j->pattern, j->seed);
	for (pass = 1; pass <= j->passes; pass++) {
		snprintf(what, sizeof(what), "verify pass %d", pass);
		ok &= verify(what, buf, j->size, j->pattern, j->seed);
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

int setting_set(struct saved_setting *s, const char *path, const char *val)
{
	char buf[128], *cur = buf, *end;
	int err;

	err = read_str(path, buf, sizeof(buf));
	if (!err) {
		/* "always [madvise] never": the bracketed word is current */
		cur = strchr(buf, '[');
		end = cur ? strchr(cur, ']') : NULL;
		if (cur && end) {
			*end = '\0';
			cur++;
		} else {
			cur = buf;
		}
		snprintf(s->path, sizeof(s->path), "%s", path);
		snprintf(s->val, sizeof(s->val), "%s", cur);
		err = write_str(path, val);
	}
	if (err)
		ksft_print_msg("set %s to %s: %s\n", path, val, strerror(-err));
	return err;
}

void setting_restore(struct saved_setting *s)
{
	int err;

	if (!s->path[0])
		return;
	err = write_str(s->path, s->val);
	if (err)
		ksft_print_msg("restore %s to %s: %s\n", s->path, s->val,
			       strerror(-err));
	s->path[0] = '\0';
}

/*
 * Active swap areas named @dev (all if NULL): how many, their "Size" and
 * "Used" summed, the last one's priority.
 */
static int swaps_read(const char *dev, uint64_t *size_kb, uint64_t *used_kb,
		      int *prio)
{
	char line[PATH_MAX + 128], name[PATH_MAX], want[PATH_MAX];
	unsigned long long size, used;
	int n = 0, p;
	FILE *f;

	*size_kb = *used_kb = 0;
	if (dev && !realpath(dev, want))
		snprintf(want, sizeof(want), "%s", dev);
	f = fopen("/proc/swaps", "r");
	if (!f)
		return 0;
	/* skip the header line */
	if (fgets(line, sizeof(line), f)) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%4095s %*s %llu %llu %d", name, &size,
				   &used, &p) != 4)
				continue;
			if (dev && strcmp(name, want))
				continue;
			n++;
			*size_kb += size;
			*used_kb += used;
			if (prio)
				*prio = p;
		}
	}
	fclose(f);
	return n;
}

int swaps_find(const char *dev, int *prio)
{
	uint64_t size, used;

	return swaps_read(dev, &size, &used, prio);
}

uint64_t swaps_used_kb(const char *dev)
{
	uint64_t size, used;

	swaps_read(dev, &size, &used, NULL);
	return used;
}

uint64_t swaps_size_kb(const char *dev)
{
	uint64_t size, used;

	swaps_read(dev, &size, &used, NULL);
	return size;
}

bool swap_on_zram(void)
{
	char line[PATH_MAX + 128], name[PATH_MAX];
	bool zram = false, other = false;
	int p, top = 0, n = 0;
	FILE *f;

	f = fopen("/proc/swaps", "r");
	if (!f)
		return false;
	/* skip the header line */
	if (fgets(line, sizeof(line), f)) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%4095s %*s %*u %*u %d", name, &p) != 2)
				continue;
			if (!n++ || p > top) {
				top = p;
				zram = false;
				other = false;
			}
			if (p == top) {
				zram |= !strncmp(name, "/dev/zram", 9);
				other |= strncmp(name, "/dev/zram", 9);
			}
		}
	}
	fclose(f);
	return zram && !other;
}

bool vswap_enabled(void)
{
	return !access("/sys/kernel/mm/vswap", F_OK);
}

bool zswap_enabled(void)
{
	char buf[8] = "";

	read_str("/sys/module/zswap/parameters/enabled", buf, sizeof(buf));
	return buf[0] == 'Y';
}

uint64_t zswap_debug(const char *name)
{
	char path[PATH_MAX];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/sys/kernel/debug/zswap/%s", name);
	read_u64(path, &v);
	return v;
}

unsigned int zswap_batch(char *driver, size_t len)
{
	char buf[256], name[64], drv[64];
	unsigned int batch;
	uint64_t max;

	snprintf(driver, len, "unknown");
	if (read_str("/sys/kernel/debug/zswap/pools", buf, sizeof(buf)) ||
	    sscanf(buf, "%63s %63s batch %u", name, drv, &batch) != 3)
		return 1;
	snprintf(driver, len, "%s", drv);
	/* zswap gives it no more than its max_batch */
	if (!read_u64("/sys/module/zswap/parameters/max_batch", &max) &&
	    max && max < batch)
		batch = max;
	return batch;
}

size_t pmd_size(void)
{
	uint64_t v;

	if (read_u64(THP_DIR "/hpage_pmd_size", &v) || !v)
		v = 2 * MiB;
	return v;
}

uint64_t mthp_stat(unsigned long kb, const char *name)
{
	char path[PATH_MAX];
	uint64_t v;

	snprintf(path, sizeof(path), THP_DIR "/hugepages-%lukB/stats/%s",
		 kb, name);
	return read_u64(path, &v) ? 0 : v;
}

int mthp_only(struct mthp_settings *m)
{
	char path[PATH_MAX];

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%dkB/enabled",
		 MTHP_KB);
	if (access(path, F_OK))
		return skip_case("no %d kB mTHP size in this kernel", MTHP_KB);
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled",
		 pmd_size() / 1024);
	if (setting_set(&m->s[0], path, "never"))
		return KSFT_FAIL;
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%dkB/enabled",
		 MTHP_KB);
	if (setting_set(&m->s[1], path, "always"))
		return KSFT_FAIL;
	return KSFT_PASS;
}

void mthp_restore(struct mthp_settings *m)
{
	setting_restore(&m->s[1]);
	setting_restore(&m->s[0]);
}

char *swap_scatter(const char *what, size_t dev, size_t *len, uint64_t seed)
{
	size_t ps = page_size(), size = dev + 4 * MiB, off;
	uint64_t full, half;
	char *fill;

	if (dev > SWAP_SCATTER_MAX) {
		ksft_print_msg("%s: needs a swap device of at most %lu MiB (have %zu MiB)\n",
			       what, SWAP_SCATTER_MAX / MiB, dev / MiB);
		return NULL;
	}
	fill = map_anon(size, 0);
	if (!fill)
		return NULL;
	/* single pages, unlocked (a program may lock what it maps) */
	if (madvise(fill, size, MADV_NOHUGEPAGE) || munlock(fill, size)) {
		ksft_perror("madvise(MADV_NOHUGEPAGE) or munlock");
		goto fail;
	}
	pattern_fill(fill, size, PAT_COMPRESSIBLE, seed);
	if (madvise(fill, size, MADV_PAGEOUT)) {
		ksft_perror("madvise(MADV_PAGEOUT)");
		goto fail;
	}
	full = swaps_used_kb(NULL);
	ksft_print_msg("%s: device %zu kB, %llu kB used after filling\n",
		       what, dev / 1024, (unsigned long long)full);
	for (off = 0; off < size; off += 2 * ps)
		madvise(fill + off, ps, MADV_DONTNEED);
	half = swaps_used_kb(NULL);
	ksft_print_msg("%s: %llu kB used with every other page freed\n", what,
		       (unsigned long long)half);
	/*
	 * A page of slack: two free slots in a row are still no folio's.
	 * Half free to within 64 kB: more would leave runs free.
	 */
	if (full * 1024 + ps < dev || half * 4 > full * 3 ||
	    half * 2 + 64 < full) {
		ksft_print_msg("%s: want the device full, then about half free\n",
			       what);
		goto fail;
	}
	if (mlock2(fill, size, MLOCK_ONFAULT)) {
		ksft_perror("mlock2");
		goto fail;
	}
	*len = size;
	return fill;
fail:
	munmap(fill, size);
	return NULL;
}

bool swap_scatter_done(const char *what, char *fill, size_t len,
		       uint64_t seed)
{
	size_t ps = page_size(), off;
	bool ok = true;

	for (off = ps; off < len; off += 2 * ps) {
		struct mismatch mm = { 0 };

		if (pattern_check(fill + off, ps, PAT_COMPRESSIBLE, seed,
				  &mm)) {
			report_mismatch(what, &mm);
			ok = false;
			break;
		}
	}
	munmap(fill, len);
	return ok;
}
