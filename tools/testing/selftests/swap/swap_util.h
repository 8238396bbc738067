/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the swap selftests: address-derived page patterns and
 * their verification, /proc/vmstat swap counters, cgroup v2 handling,
 * pagemap scanning and sysfs setting save/restore.
 */
#ifndef SWAP_UTIL_H
#define SWAP_UTIL_H

#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kselftest.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE	14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE	15
#endif

#define MiB		(1024UL * 1024UL)
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"

enum pattern {
	PAT_COMPRESSIBLE,	/* 512 unique bytes, then repeats: ~6:1 */
	PAT_RANDOM,		/* per-word hash, incompressible */
	PAT_ZERO,		/* all zeros (but written, so allocated) */
	PAT_MIXED,		/* the three above, cycling by page number */
};

/* Options every program accepts; see COMMON_USAGE. */
struct common_opts {
	size_t size;		/* --size in bytes, 0: program default */
	uint64_t seed;
	enum pattern pattern;
};

extern bool opt_corrupt;

#define COMMON_SHORTOPTS	"s:S:p:ch"
#define COMMON_LONGOPTS							\
	{ "size",	required_argument,	NULL, 's' },		\
	{ "seed",	required_argument,	NULL, 'S' },		\
	{ "pattern",	required_argument,	NULL, 'p' },		\
	{ "corrupt",	no_argument,		NULL, 'c' },		\
	{ "help",	no_argument,		NULL, 'h' }
#define COMMON_USAGE							\
	"  --size MiB        working set size\n"			\
	"  --seed N          pattern seed (default 1)\n"		\
	"  --pattern KIND    compressible (default), random, zero, mixed\n" \
	"  --corrupt         flip a byte before verifying (must fail)\n" \
	"  --help            this text\n"

void common_opts_init(struct common_opts *o);
/* Handle a common option; false if @c is not one of them. */
bool common_opt(struct common_opts *o, int c, const char *arg);
/* Parse a MiB count for option @name; exits on error. */
size_t parse_mib(const char *name, const char *arg);
const char *pattern_name(enum pattern p);
/* Print the pattern and seed in use. */
void common_opts_print(const struct common_opts *o);
/*
 * Print the TAP header and plan, run and report case 0..@nr-1 if @only is
 * NULL or names it (fail if none does), then exit as ksft_finished().
 */
__noreturn void run_cases(unsigned int nr,
			  const char *(*name)(unsigned int i),
			  int (*run)(unsigned int i), const char *only,
			  const struct common_opts *o);

/*
 * Print why a case cannot run here and return KSFT_SKIP; run_cases()
 * reports the reason with the skip.  Only for what the environment truly
 * lacks: the harness fails every skip not declared as expected.
 */
__printf(1, 2)
int skip_case(const char *fmt, ...);

size_t page_size(void);
/* CLOCK_MONOTONIC in seconds */
double now_sec(void);
/* Anonymous private mapping of @len bytes aligned to @align (0: page). */
void *map_anon(size_t len, size_t align);

/* Patterns are derived from each page's virtual address and the seed. */
struct mismatch {
	size_t bad_pages;
	uintptr_t addr;		/* first bad 8-byte word */
	uint64_t expect, actual;
	bool zero_page;		/* the first bad page reads as all zeros */
};

void pattern_fill(void *buf, size_t len, enum pattern p, uint64_t seed);
/* Check every byte; accumulate into @m (zero it first). Returns bad pages. */
size_t pattern_check(const void *buf, size_t len, enum pattern p,
		     uint64_t seed, struct mismatch *m);
void report_mismatch(const char *what, const struct mismatch *m);
/* --corrupt: swap in the page in the middle of @buf and flip one byte. */
void corrupt_if_requested(void *buf, size_t len, enum pattern p,
			  uint64_t seed);
/* corrupt_if_requested() + pattern_check() + report; true if all good. */
bool verify(const char *what, void *buf, size_t len, enum pattern p,
	    uint64_t seed);

/* MADV_PAGEOUT @buf, then return the percentage of its pages swapped out. */
int pageout_pct(const char *what, void *buf, size_t len);
/* pageout_pct() >= MIN_SWAPPED_PCT, with a message if not. */
#define MIN_SWAPPED_PCT	50
bool pageout_enough(const char *what, void *buf, size_t len);

/* Where the pages of a range are, from pagemap and mincore(). */
struct swap_scan {
	size_t present;		/* mapped in memory */
	size_t swapped;		/* a swap entry in the page table */
	size_t cached;		/* of those, still in the swap cache */
};

int swap_scan(const void *buf, size_t len, struct swap_scan *s);
/*
 * Evict the swap cache folios of @buf's swapped-out pages, through
 * memory.reclaim of this task's cgroup, so that touching them must read the
 * swap backend; folios under writeback are skipped by reclaim, so it
 * retries while their number drops (up to a minute).  Returns how many of
 * @buf's pages are swapped out and uncached, or -1 if some stay cached.
 */
long swapcache_drop(const char *what, void *buf, size_t len);
/* The same, reclaiming @cg: where the folios are charged, if elsewhere. */
long swapcache_drop_in(const char *what, void *buf, size_t len,
		       const char *cg);
/*
 * Pin this task to the CPU it runs on; @saved gets the CPUs it was allowed
 * (for cpu_unpin()).  MADV_PAGEOUT drains the per-CPU LRU batches of its
 * own CPU only: folios a task faulted in on another CPU can wait in that
 * CPU's batch, off the LRU, where madvise cannot isolate them.
 */
bool cpu_pin_here(cpu_set_t *saved);
void cpu_unpin(const cpu_set_t *saved);

/*
 * The whole round trip through the backend: pageout_enough(), proof from
 * the counters that pages left, swapcache_drop(), verify(), and proof
 * that at least the dropped pages were read back from a backend.
 */
bool pageout_verify(const char *what, void *buf, size_t len, enum pattern p,
		    uint64_t seed);

enum vmstat_item {
	VM_PSWPIN, VM_PSWPOUT, VM_ZSWPIN, VM_ZSWPOUT, VM_ZSWPWB,
	VM_SWPIN_ZERO, VM_SWPOUT_ZERO, VM_THP_SWPOUT, VM_THP_SWPOUT_FALLBACK,
	VM_SWAP_RA, VM_SWAP_RA_HIT,
	NR_VMSTAT_ITEMS
};

struct vmstat {
	uint64_t v[NR_VMSTAT_ITEMS];	/* absent counters read as 0 */
};

void vmstat_read(struct vmstat *s);
/* Print all deltas; true if pswpout + zswpout + swpout_zero moved. */
bool swapped_out(const char *what, const struct vmstat *before,
		 const struct vmstat *after);
/* after - before of one counter */
uint64_t vm_delta(const struct vmstat *before, const struct vmstat *after,
		  enum vmstat_item i);
/* Pages stored by any backend: pswpout + zswpout + swpout_zero. */
uint64_t swapouts(const struct vmstat *before, const struct vmstat *after);
/* Pages read back from any backend: pswpin + zswpin + swpin_zero. */
uint64_t swapins(const struct vmstat *before, const struct vmstat *after);
/*
 * A working set of @size bytes filled in a memcg of memory.max @limit: at
 * least this many of its pages are out of memory and out of the swap cache
 * once it is all written (both are charged to the memcg, as is the zswap
 * pool), less what the per-CPU charge caches may hold; verifying it must
 * read them all back.
 */
size_t memcg_overflow_pages(size_t size, size_t limit);
/* swapins() >= @want, with the deltas printed; a message if not. */
bool swapped_in(const char *what, const struct vmstat *before,
		const struct vmstat *after, uint64_t want);

/* Small file helpers; they return 0 or -errno. */
int read_str(const char *path, char *buf, size_t len);
int write_str(const char *path, const char *val);
/* Single-value file; "max" reads as UINT64_MAX. */
int read_u64(const char *path, uint64_t *val);
/* Value of the "key value" line starting with @key (e.g. /proc/vmstat). */
int read_key(const char *path, const char *key, uint64_t *val);

/*
 * Where test cgroups go: beside this task's own cgroup, or at the root if
 * it runs there.  The harness runs each program in a cgroup of its own
 * inside one for all tests, so that reclaim there (memory.reclaim, see
 * swapcache_drop()) never swaps out the rest of the guest.
 */
int cg_home(char *cg, size_t len);
int cg_create(char *cg, size_t len, const char *tag);
int cg_destroy(const char *cg);
/*
 * Swap slots wait in two per-CPU caches (mm/swap_slots.c), up to this many
 * in each: allocated ahead, and freed but not yet returned.  Both count as
 * in use in /proc/swaps; freed ones stay charged, and their zswap entries
 * stay (freed with the slot).
 */
#define SLOTS_CACHED_PAGES	64

/*
 * Once the cgroup's tasks have exited, its swap and zswap charges must go
 * back to zero, but for the freed slots waiting in the per-CPU swap slot
 * caches (frees finish asynchronously: polled for a while). Halfway, if
 * the swap cache its tasks left behind (still under writeback when they
 * died) can explain the rest, the cgroup is reclaimed once.
 */
bool cg_swap_uncharged(const char *what, const char *cg);
__printf(3, 4)
int cg_write(const char *cg, const char *file, const char *fmt, ...);
int cg_read(const char *cg, const char *file, uint64_t *val);
int cg_read_key(const char *cg, const char *file, const char *key,
		uint64_t *val);
void cg_print_stats(const char *what, const char *cg);

/* Fork a child that joins @cg (if set) and exits with fn(arg). */
pid_t run_child(const char *cg, int (*fn)(void *), void *arg);
/*
 * Wait for @pid and return its wait status (-1 on error).  With @file set,
 * sample that file of @cg every few ms meanwhile and keep the maximum.
 */
int wait_child(pid_t pid, const char *cg, const char *file, uint64_t *max);
/* KSFT_PASS/KSFT_SKIP from the child's exit code, else KSFT_FAIL. */
int child_result(const char *what, int status);

/* Child job: fill and verify @passes times. */
struct fill_job {
	size_t size;
	enum pattern pattern;
	uint64_t seed;
	int passes;
};

int fill_verify_child(void *job);

/*
 * Write @val to the sysfs file @path, saving the old value for restoring;
 * of files like THP "enabled" the choice in brackets is saved.  Zero a
 * saved_setting before use; restoring an unset one does nothing.
 */
struct saved_setting {
	char path[PATH_MAX];
	char val[128];
};

int setting_set(struct saved_setting *s, const char *path, const char *val);
void setting_restore(struct saved_setting *s);

/* Active swap areas named @dev (all if NULL); *prio gets the last one's. */
int swaps_find(const char *dev, int *prio);
/* KiB in use ("Used" of /proc/swaps) on @dev, or on all areas if NULL. */
uint64_t swaps_used_kb(const char *dev);
/* KiB of swap space ("Size") on @dev, or on all areas if NULL. */
uint64_t swaps_size_kb(const char *dev);
/*
 * Is swap on, and every active area of the highest priority, where
 * swap-out goes, a zram device (synchronous reads)?
 */
bool swap_on_zram(void);
/* PMD size, the largest THP (2 MiB if the kernel does not say). */
size_t pmd_size(void);
/* THP_DIR/hugepages-@kb kB/stats/@name, 0 if absent. */
uint64_t mthp_stat(unsigned long kb, const char *name);

/* The mTHP size the large-folio cases use. */
#define MTHP_KB		64

/* The THP settings mthp_only() changed, to put back. */
struct mthp_settings {
	struct saved_setting s[2];
};

/*
 * MTHP_KB folios for anonymous memory, PMD-size THP off (other sizes are
 * left as they are: off unless set), the old settings kept in @m:
 * KSFT_PASS, KSFT_SKIP if the kernel has no such size, KSFT_FAIL if a
 * setting could not be made.
 */
int mthp_only(struct mthp_settings *m);
void mthp_restore(struct mthp_settings *m);

/*
 * Leave the only swap area, of @dev bytes, with every other slot in use,
 * so that no two free slots are next to each other: fill it with the
 * single pages of a buffer of @dev + 4 MiB (pattern PAT_COMPRESSIBLE,
 * @seed), then free every other page of the buffer; fails unless the
 * device was full, then about half free. Its odd pages stay,
 * most swapped out, locked (MLOCK_ONFAULT), so that reclaim does not put
 * them into the slots freed. Returns the buffer, its size in *@len, or
 * NULL on failure (a device over SWAP_SCATTER_MAX among them).
 */
#define SWAP_SCATTER_MAX	(64 * MiB)
char *swap_scatter(const char *what, size_t dev, size_t *len, uint64_t seed);
/* Are swap_scatter()'s pages intact? Then unmaps them. */
bool swap_scatter_done(const char *what, char *fill, size_t len,
		       uint64_t seed);
/* Is this a kernel with virtual swap (/sys/kernel/mm/vswap)? */
bool vswap_enabled(void);
/* Is zswap enabled (its "enabled" parameter Y)? */
bool zswap_enabled(void);
/* zswap's debugfs counter @name, 0 if absent. */
uint64_t zswap_debug(const char *name);
/*
 * zswap's current compressor, from the first line of its debugfs pools
 * ("NAME DRIVER batch N ..."): the driver into @driver, and the most pages
 * zswap gives it per request, N or zswap's max_batch if smaller (1 where
 * the kernel does not say).
 */
unsigned int zswap_batch(char *driver, size_t len);
/* This task's cgroup directory (cgroup v2), CGROUP_ROOT for the root. */
int cg_self(char *cg, size_t len);

#endif /* SWAP_UTIL_H */
