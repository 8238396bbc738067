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
int pagemap_scan(const void *buf, size_t len, size_t *swapped,
		 size_t *present);

enum vmstat_item {
	VM_PSWPIN, VM_PSWPOUT, VM_ZSWPIN, VM_ZSWPOUT, VM_ZSWPWB,
	VM_SWPIN_ZERO, VM_SWPOUT_ZERO, VM_THP_SWPOUT, VM_THP_SWPOUT_FALLBACK,
	NR_VMSTAT_ITEMS
};

struct vmstat {
	uint64_t v[NR_VMSTAT_ITEMS];	/* absent counters read as 0 */
};

void vmstat_read(struct vmstat *s);
/* Print all deltas; true if pswpout + zswpout + swpout_zero moved. */
bool swapped_out(const char *what, const struct vmstat *before,
		 const struct vmstat *after);

/* Small file helpers; they return 0 or -errno. */
int read_str(const char *path, char *buf, size_t len);
int write_str(const char *path, const char *val);
/* Single-value file; "max" reads as UINT64_MAX. */
int read_u64(const char *path, uint64_t *val);
/* Value of the "key value" line starting with @key (e.g. /proc/vmstat). */
int read_key(const char *path, const char *key, uint64_t *val);

int cg_create(char *cg, size_t len, const char *tag);
int cg_destroy(const char *cg);
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

#endif /* SWAP_UTIL_H */
