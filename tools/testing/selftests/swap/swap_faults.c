// SPDX-License-Identifier: GPL-2.0
/*
 * swap_faults: faults injected into the swap paths must lose no swapped
 * data.  The fault injection framework (Documentation/fault-injection/)
 * fails the swap device's bios, or the slab and page allocations of the
 * swap-out path; then injection is turned off and every byte written is
 * checked, and the counters must show that the data really went to the
 * device and came back from it.
 *
 *   write_error    writes to the device fail under MADV_PAGEOUT: one
 *                  failed write per page unmapped, and each such page must
 *                  stay in the swap cache (end_swap_bio_write() re-dirties
 *                  it); it reads back intact, then goes out to the device
 *                  and back once writes work.
 *   write_error_scattered
 *                  one write fails of a 64 kB folio that goes out as 16
 *                  bios, to a device with no two free slots in a row: the
 *                  whole folio stays in the swap cache, dirty (one page
 *                  without virtual swap, which splits it): reclaim writes
 *                  it again, and every page reads back from the device.
 *   read_error     a forked child's swap-in read fails: the child gets
 *                  SIGBUS at that page and the parent reads every other
 *                  page back intact.  The folio whose read failed stays in
 *                  the swap cache, not uptodate, and do_swap_page() does
 *                  not read it again: a second access gets SIGBUS too,
 *                  even with injection off, until reclaim drops the folio;
 *                  then the page is read again, intact.
 *   swapoff_eio    swapoff with the device's reads failing.  With virtual
 *                  swap it fails with EIO after the batch of reads with
 *                  the first failure and the data stays on the device: it
 *                  reads back with no reclaim first (no folio whose read
 *                  failed is left in the swap cache), and swapoff then
 *                  succeeds.  Without, unuse_pte() puts a poison
 *                  marker where a read failed and swapoff succeeds:
 *                  exactly those pages give SIGBUS, all others are intact.
 *   swapoff_enomem swapoff with every page allocation it makes failing:
 *                  it stops with ENOMEM, as without virtual swap, the
 *                  device stays on and its data reads back intact.
 *   alloc_failure  this task's slab and page allocations fail under
 *                  MADV_PAGEOUT: pages that got no swap slot stay
 *                  resident (more than in a control run with nothing
 *                  failing) and none is lost; then the round trip works.
 *   zswap_reject   incompressible pages: the compressor (lz4) fails on
 *                  them (reject_compress_fail), zswap refuses them, they
 *                  go to the device (pswpout) and come back from it
 *                  (pswpin).
 *
 * The fault attributes fail only tasks with make-it-fail set (task-filter),
 * here this program or its child, and only "times" times.  Debugfs has no
 * hit counter, but "times" counts down with each failure injected: what
 * was used of it proves the injection was hit, and how often.
 *
 * The program moves itself into a cgroup of its own and mlocks itself, so
 * that the swap cache is emptied through that cgroup's memory.reclaim (no
 * other task's memory is pushed to the device whose reads fail), and so
 * that only the test buffers swap: no page of the program (its stack, a
 * child's copy of it) can be behind a read made to fail.  Page clustering
 * is off in the read cases: without readahead each fault reads its own
 * page, and only it.  swapoff_eio first empties the device (swapoff and
 * swapon), so that its failing reads meet this test's pages only.
 *
 * A folio whose read failed is invisible to mincore(), which reports
 * whether a swap-cache folio is uptodate, so swapcache_drop() cannot evict
 * it: after failed reads the whole cgroup is reclaimed, and a child, not
 * the parent, reads the pages first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "swap_util.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT	4
#endif

#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_BIO	DEBUGFS "/fail_make_request"
#define FAILSLAB	DEBUGFS "/failslab"
#define FAIL_PAGE	DEBUGFS "/fail_page_alloc"
#define ZSWAP_DEBUG	DEBUGFS "/zswap"
#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
#define SELF_FAIL	"/proc/self/make-it-fail"
#define VSWAP_SYSFS	"/sys/kernel/mm/vswap"
/* swapoff reads this many slots at a time (mm/vswap_io.c) */
#define VSWAP_UNUSE_BATCH	64

/* /proc/pid/pagemap: Documentation/admin-guide/mm/pagemap.rst */
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_SWAP_TYPE	0x1fULL		/* a swap entry's type, bits 0-4 */
/* SWP_PTE_MARKER, the last of the 32 swap types (include/linux/swap.h) */
#define PTE_MARKER_TYPE	31

/* exit code of a child that got SIGBUS */
#define TOUCH_SIGBUS	42

/* failures armed: a bound, not a target; what is used is reported */
#define READ_FAIL_TIMES		4
#define ALLOC_FAIL_TIMES	16
#define SWAPOFF_FAIL_TIMES	64
/* a swapoff that still retries after this long is interrupted */
#define SWAPOFF_ALARM_SECS	60

#define MAX_SAVED	32

struct tcase {
	const char *name;
	int (*fn)(const struct tcase *tc);
	size_t mib;		/* default working set */
};

static struct common_opts opt;
static const char *opt_device = "/dev/vda";
static const char *opt_only;

/* /sys/class/block/<dev>/make-it-fail, empty if not a block device */
static char dev_fail[PATH_MAX];
static int dev_prio = -1;
static bool dev_off;		/* swapped off here, to be swapped on */

static char orig_cg[PATH_MAX], test_cg[PATH_MAX];

/*
 * Settings changed, restored in reverse order by inject_off(), by the case
 * runner after each case, and at exit.
 */
static struct saved_setting saved[MAX_SAVED];
static unsigned int nr_saved;
/* this task's make-it-fail, opened before anything can fail */
static int self_fail_fd = -1;

/* A SIGBUS in the parent fails the case instead of killing the program. */
static sigjmp_buf bus_env;
static volatile sig_atomic_t bus_armed;
static void *bus_addr;
static int bus_code;

static size_t case_size(const struct tcase *tc)
{
	return opt.size ? opt.size : tc->mib * MiB;
}

static bool set(const char *path, const char *val)
{
	if (nr_saved == MAX_SAVED) {
		ksft_print_msg("too many settings to restore\n");
		return false;
	}
	memset(&saved[nr_saved], 0, sizeof(saved[nr_saved]));
	if (setting_set(&saved[nr_saved], path, val))
		return false;
	nr_saved++;
	return true;
}

static bool set_in(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return set(path, val);
}

/*
 * Make this task eligible for the armed failures, or not.  Through an fd
 * opened beforehand, from a buffer on the (locked) stack: the write itself
 * allocates nothing that could be made to fail.
 */
static bool self_fail(bool on)
{
	char v[2] = { on ? '1' : '0', '\n' };

	if (self_fail_fd < 0) {
		if (on)
			ksft_print_msg("cannot open " SELF_FAIL "\n");
		return !on;
	}
	if (write(self_fail_fd, v, sizeof(v)) == sizeof(v))
		return true;
	ksft_perror("write " SELF_FAIL);
	return false;
}

/* Stop injecting, and restore the settings made since @mark. */
static void inject_off(unsigned int mark)
{
	self_fail(false);
	while (nr_saved > mark)
		setting_restore(&saved[--nr_saved]);
}

static void restore_all(void)
{
	inject_off(0);
}

/*
 * Arm the fault attribute in debugfs @dir: for tasks with make-it-fail set
 * only, every check fails, at most @times of them, with no message.
 * @extra: more "file", "value" pairs for @dir, NULL-terminated.  The
 * probability goes last, once the rest is in place.
 */
static bool fault_arm(const char *dir, long times, const char *const *extra)
{
	char val[24];

	snprintf(val, sizeof(val), "%ld", times);
	if (!set_in(dir, "task-filter", "Y") || !set_in(dir, "interval", "1") ||
	    !set_in(dir, "space", "0") || !set_in(dir, "verbose", "0") ||
	    !set_in(dir, "times", val))
		return false;
	for (; extra && *extra; extra += 2)
		if (!set_in(dir, extra[0], extra[1]))
			return false;
	return set_in(dir, "probability", "100");
}

/* Failures injected since fault_arm(@dir, @times), or -1. */
static long fault_hits(const char *dir, long times)
{
	char path[PATH_MAX], buf[32];
	int err;

	snprintf(path, sizeof(path), "%s/times", dir);
	err = read_str(path, buf, sizeof(buf));
	if (err) {
		ksft_print_msg("read %s: %s\n", path, strerror(-err));
		return -1;
	}
	return times - strtol(buf, NULL, 10);
}

/* Fail the bios this task (or a child that asks) submits to the device. */
static bool bio_faults_arm(long times)
{
	return fault_arm(FAIL_BIO, times, NULL) && set(dev_fail, "1");
}

/*
 * The device must be the only swap area, with zswap in front of it or not
 * as @zswap says: else the pages would not meet the faults injected.
 */
static int need_env(const char *what, bool zswap)
{
	int n = swaps_find(NULL, NULL);

	if (n != 1 || !swaps_find(opt_device, &dev_prio)) {
		ksft_print_msg("%s: want %s as the only active swap area (%d active): run under the ENV the usage names\n",
			       what, opt_device, n);
		return KSFT_FAIL;
	}
	if (zswap_enabled() != zswap) {
		ksft_print_msg("%s: want zswap %s: run under the ENV the usage names\n",
			       what, zswap ? "on" : "off");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/* A fault injection capability the kernel may lack. */
static int need_fault(const char *what, const char *path)
{
	if (!access(path, F_OK))
		return KSFT_PASS;
	return skip_case("%s: no %s: kernel without that fault injection (CONFIG_FAULT_INJECTION, _DEBUG_FS, CONFIG_FAIL_MAKE_REQUEST, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC)",
			 what, path);
}

/* The device alone, no zswap, and this task's page allocations to fail. */
static int need_page_faults(const char *what)
{
	int ret = need_env(what, false);

	if (ret == KSFT_PASS)
		ret = need_fault(what, FAIL_PAGE);
	if (ret == KSFT_PASS)
		ret = need_fault(what, SELF_FAIL);
	return ret;
}

static int need_bio_faults(const char *what)
{
	int ret = need_env(what, false);

	if (ret != KSFT_PASS)
		return ret;
	if (!dev_fail[0]) {
		ksft_print_msg("%s: %s is not a block device\n", what,
			       opt_device);
		return KSFT_FAIL;
	}
	ret = need_fault(what, FAIL_BIO);
	if (ret == KSFT_PASS)
		ret = need_fault(what, dev_fail);
	if (ret == KSFT_PASS)
		ret = need_fault(what, SELF_FAIL);
	return ret;
}

static bool device_off(const char *what)
{
	if (swapoff(opt_device)) {
		ksft_print_msg("%s: swapoff(%s): %s\n", what, opt_device,
			       strerror(errno));
		return false;
	}
	dev_off = true;
	return true;
}

/* Swap the device on again, at its priority, if it was swapped off here. */
static bool device_on(const char *what)
{
	int flags = 0;

	if (!dev_off)
		return true;
	if (dev_prio >= 0)
		flags = SWAP_FLAG_PREFER |
			((dev_prio << SWAP_FLAG_PRIO_SHIFT) &
			 SWAP_FLAG_PRIO_MASK);
	if (swapon(opt_device, flags)) {
		ksft_print_msg("%s: swapon(%s): %s\n", what, opt_device,
			       strerror(errno));
		return false;
	}
	dev_off = false;
	return true;
}

static void device_on_at_exit(void)
{
	device_on("at exit");
}

/* Where the virtual slots' data is, with virtual swap. */
static void vswap_note(const char *what)
{
	static const char * const files[] = {
		"slots_in_use", "device_slots", "folio_slots",
	};
	char path[PATH_MAX], line[160];
	unsigned int i;
	size_t n = 0;
	uint64_t v;

	if (!vswap_enabled())
		return;
	line[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), VSWAP_SYSFS "/%s", files[i]);
		if (!read_u64(path, &v) && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n,
				      " %s=%" PRIu64, files[i], v);
	}
	ksft_print_msg("%s: vswap%s\n", what, line);
}

/*
 * The test buffer: unlocked (the program keeps everything else locked),
 * small pages only, so one swap slot and one bio per page, and filled.
 */
static char *region(size_t size, enum pattern p)
{
	char *buf = map_anon(size, 0);

	if (!buf)
		return NULL;
	if (munlock(buf, size) || madvise(buf, size, MADV_NOHUGEPAGE)) {
		ksft_perror("munlock or madvise(MADV_NOHUGEPAGE)");
		munmap(buf, size);
		return NULL;
	}
	pattern_fill(buf, size, p, opt.seed);
	return buf;
}

/* A swapped-out page of @buf not in the swap cache, from the middle on. */
static char *pick_swapped(char *buf, size_t size)
{
	size_t ps = page_size(), n = size / ps, i, k;
	struct swap_scan s;

	for (k = 0; k < n; k++) {
		i = (n / 2 + k) % n;
		if (swap_scan(buf + i * ps, ps, &s))
			return NULL;
		if (s.swapped && !s.cached)
			return buf + i * ps;
	}
	ksft_print_msg("no page is swapped out and uncached\n");
	return NULL;
}

static int pagemap_read(const void *buf, size_t n, uint64_t *ent)
{
	off_t off = (uintptr_t)buf / page_size() * sizeof(*ent);
	ssize_t len = n * sizeof(*ent), r;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		ksft_perror("open /proc/self/pagemap");
		return -1;
	}
	r = pread(fd, ent, len, off);
	close(fd);
	if (r != len) {
		ksft_perror("read /proc/self/pagemap");
		return -1;
	}
	return 0;
}

/* A poison marker (shown with its swap type to root only) */
static bool is_marker(uint64_t ent)
{
	return (ent & PM_SWAP) && (ent & PM_SWAP_TYPE) == PTE_MARKER_TYPE;
}

/* verify() of every page of @buf that is not a poison marker */
static bool verify_unpoisoned(const char *what, char *buf, size_t n,
			      const uint64_t *ent)
{
	size_t ps = page_size(), i = 0, j;
	struct mismatch m = { 0 };
	bool corrupted = false;

	while (i < n) {
		if (is_marker(ent[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && !is_marker(ent[j]); j++)
			;
		if (!corrupted) {
			corrupt_if_requested(buf + i * ps, (j - i) * ps,
					     opt.pattern, opt.seed);
			corrupted = true;
		}
		pattern_check(buf + i * ps, (j - i) * ps, opt.pattern,
			      opt.seed, &m);
		i = j;
	}
	report_mismatch(what, &m);
	return !m.bad_pages;
}

/* What a child got reading a range. */
struct touch_report {
	int sigbus;
	int code;		/* si_code of the SIGBUS */
	uintptr_t addr;		/* si_addr of the SIGBUS */
	size_t bad;		/* else: pages read with wrong data */
};

struct touch_job {
	char *addr;
	size_t len;
	bool inject;		/* with this child's bios failing */
	int fd;			/* report pipe */
};

static int touch_fd = -1;

static void touch_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct touch_report r = {
		.sigbus = 1, .code = si->si_code,
		.addr = (uintptr_t)si->si_addr,
	};

	(void)sig;
	(void)uc;
	if (write(touch_fd, &r, sizeof(r)) != sizeof(r))
		_exit(KSFT_FAIL);
	_exit(TOUCH_SIGBUS);
}

static int touch_child(void *arg)
{
	struct touch_job *j = arg;
	struct touch_report r = { 0 };
	struct mismatch m = { 0 };
	struct sigaction sa;
	int fd;

	touch_fd = j->fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = touch_sigbus;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGBUS, &sa, NULL)) {
		ksft_perror("sigaction");
		return KSFT_FAIL;
	}
	if (j->inject) {
		/* this child's own make-it-fail: the parent's reads work */
		fd = open(SELF_FAIL, O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1) {
			ksft_perror("child: enable " SELF_FAIL);
			return KSFT_FAIL;
		}
		close(fd);
	}
	r.bad = pattern_check(j->addr, j->len, opt.pattern, opt.seed, &m);
	report_mismatch("child", &m);
	if (write(touch_fd, &r, sizeof(r)) != sizeof(r))
		return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * Have a forked child read [@addr, +@len): the parent's pages stay as they
 * are, a SIGBUS is the child's.  False if it could not say what it got.
 */
static bool touch_in_child(const char *what, char *addr, size_t len,
			   bool inject, struct touch_report *r)
{
	struct touch_job j = { addr, len, inject, -1 };
	int p[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe(p)) {
		ksft_perror("pipe");
		return false;
	}
	j.fd = p[1];
	pid = run_child(NULL, touch_child, &j);
	close(p[1]);
	status = wait_child(pid, NULL, NULL, NULL);
	got = read(p[0], r, sizeof(*r));
	close(p[0]);
	if (got == sizeof(*r) &&
	    (r->sigbus ? WIFEXITED(status) &&
			 WEXITSTATUS(status) == TOUCH_SIGBUS :
			 child_result(what, status) == KSFT_PASS))
		return true;
	ksft_print_msg("%s: the child ended without a report\n", what);
	child_result(what, status);
	return false;
}

/* Did the child get SIGBUS, and at @page? */
static bool got_sigbus(const char *what, const struct touch_report *r,
		       const char *page)
{
	if (!r->sigbus) {
		ksft_print_msg("%s: read the page with no SIGBUS, %s\n", what,
			       r->bad ? "and wrong data" : "intact");
		return false;
	}
	ksft_print_msg("%s: SIGBUS at %#lx, si_code %d\n", what,
		       (unsigned long)r->addr, r->code);
	if (r->addr < (uintptr_t)page ||
	    r->addr >= (uintptr_t)page + page_size()) {
		ksft_print_msg("%s: want it at %p\n", what, page);
		return false;
	}
	return true;
}

/*
 * Reclaim all of this cgroup's evictable memory.  swapcache_drop() cannot
 * do it for a folio whose read failed: it finds swap-cache folios with
 * mincore(), which reports whether a folio is uptodate, not whether it is
 * there.  Everything else of the program is mlocked, and the test pages
 * are swapped out already, so little but such folios is left to reclaim.
 */
static void reclaim_cgroup(size_t bytes)
{
	char path[PATH_MAX + 16], val[32];

	snprintf(path, sizeof(path), "%s/memory.reclaim", test_cg);
	snprintf(val, sizeof(val), "%zu", bytes > MiB ? bytes : MiB);
	/* -EAGAIN: there was less than that to reclaim */
	write_str(path, val);
}

#define RECLAIM_TRIES	3

/*
 * After reads failed: reclaim the folios they left in the swap cache, then
 * a child reads [@addr, +@len) back, with no injection, from the device
 * (at least @want reads by the counters), and finds it intact.  A SIGBUS
 * means such a folio survived the reclaim: reclaim again, a few times.
 */
static bool reclaim_then_read(const char *what, char *addr, size_t len,
			      uint64_t want)
{
	struct vmstat v0, v1;
	struct touch_report r;
	int tries;

	vmstat_read(&v0);
	for (tries = 1; ; tries++) {
		reclaim_cgroup(len);
		if (!touch_in_child(what, addr, len, false, &r))
			return false;
		if (!r.sigbus || tries == RECLAIM_TRIES)
			break;
		ksft_print_msg("%s: SIGBUS at %#lx after reclaim %d: a folio whose read failed is still in the swap cache\n",
			       what, (unsigned long)r.addr, tries);
	}
	vmstat_read(&v1);
	if (r.sigbus) {
		ksft_print_msg("%s: SIGBUS at %#lx after %d reclaims\n", what,
			       (unsigned long)r.addr, tries);
		return false;
	}
	if (r.bad) {
		ksft_print_msg("%s: %zu pages read back wrong\n", what, r.bad);
		return false;
	}
	ksft_print_msg("%s: a child read it back intact after %d reclaim(s)\n",
		       what, tries);
	return swapped_in(what, &v0, &v1, want);
}

/*
 * After a failed swapoff: a child reads [@addr, +@len) back with no
 * injection and no reclaim first, and finds it intact, no SIGBUS.
 */
static bool read_again(const char *what, char *addr, size_t len)
{
	struct touch_report r;

	if (!touch_in_child(what, addr, len, false, &r))
		return false;
	if (r.sigbus) {
		ksft_print_msg("%s: SIGBUS at %#lx: a folio whose read failed is still in the swap cache\n",
			       what, (unsigned long)r.addr);
		return false;
	}
	if (r.bad) {
		ksft_print_msg("%s: %zu pages read back wrong\n", what, r.bad);
		return false;
	}
	ksft_print_msg("%s: a child read it back intact\n", what);
	return true;
}

/*
 * MADV_PAGEOUT of @buf with the device's writes failing, at most @times
 * of them (the failures used in *@hits); the counters around it in
 * *@before and *@after, where the pages are then in *@s.  The settings
 * made since @mark are restored.
 */
static bool pageout_writes_failing(const char *what, char *buf, size_t size,
				   long times, unsigned int mark,
				   struct vmstat *before, struct vmstat *after,
				   long *hits, struct swap_scan *s)
{
	int err;

	if (!bio_faults_arm(times))
		return false;
	vmstat_read(before);
	if (!self_fail(true))
		return false;
	err = madvise(buf, size, MADV_PAGEOUT) ? errno : 0;
	self_fail(false);
	*hits = fault_hits(FAIL_BIO, times);
	inject_off(mark);
	vmstat_read(after);
	if (err) {
		ksft_print_msg("%s: madvise(MADV_PAGEOUT): %s\n", what,
			       strerror(err));
		return false;
	}
	return !swap_scan(buf, size, s);
}

static int test_write_error(const struct tcase *tc)
{
	size_t size = case_size(tc), npages = size / page_size();
	long times = npages + 64, hits;
	unsigned int mark = nr_saved;
	struct vmstat before, after;
	struct swap_scan s;
	bool ok = false;
	int ret;
	char *buf;

	ret = need_bio_faults(tc->name);
	if (ret != KSFT_PASS)
		return ret;
	buf = region(size, opt.pattern);
	if (!buf)
		return KSFT_FAIL;
	/* every write fails: more than enough for all pages */
	if (!pageout_writes_failing(tc->name, buf, size, times, mark, &before,
				    &after, &hits, &s))
		goto out;
	ksft_print_msg("%s: with writes failing: %zu pages unmapped, %zu of them in the swap cache, %zu mapped; %ld writes failed, pswpout +%"
		       PRIu64 "\n",
		       tc->name, s.swapped, s.cached, s.present, hits,
		       after.v[VM_PSWPOUT] - before.v[VM_PSWPOUT]);
	vswap_note(tc->name);
	ok = true;
	if (!s.swapped) {
		ksft_print_msg("%s: no page was unmapped, so none written\n",
			       tc->name);
		ok = false;
	}
	if (hits != (long)s.swapped) {
		ksft_print_msg("%s: want one failed write per page unmapped\n",
			       tc->name);
		ok = false;
	}
	if (s.cached != s.swapped || s.present + s.swapped != npages) {
		ksft_print_msg("%s: %zu pages whose write failed are no longer in memory\n",
			       tc->name, npages - s.present - s.cached);
		ok = false;
	}
	/* from the swap cache: the only good copy */
	ok &= verify("after the failed writes", buf, size, opt.pattern,
		     opt.seed);
	/* still dirty from the failed write: written out now, read back */
	ok &= pageout_verify("writes working again", buf, size, opt.pattern,
			     opt.seed);
out:
	inject_off(mark);
	munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * 64 kB folios written to a device with no two free slots next to each
 * other (swap_scatter()).  With virtual swap each goes out whole, as 16
 * one-page bios chained to the first, which is submitted last
 * (swap_writepage_scattered()): the one failure armed hits the first bio
 * submitted, so one chained to another, and its error must reach the
 * folio's end of writeback, which keeps the whole folio in the swap cache,
 * dirty.  Without virtual swap the folios are split first: the failure
 * keeps one page.  The rest is written, and dropped from the swap cache
 * as the writes complete.  Then reclaim must write the kept pages out
 * again (they are dirty: pswpout moves by them) before it drops them, and
 * every byte must read back from the device.  The device is zram, which
 * completes each bio inside submit_bio(), before the first is submitted:
 * the order in which chained bios complete is not tested here.  The data
 * is compressible: a zero page would not be written at all.
 */
static int test_write_error_scattered(const struct tcase *tc)
{
	size_t size = case_size(tc), ps = page_size(), npages = size / ps;
	size_t folio_pages = MTHP_KB * 1024 / ps, folios = npages / folio_pages;
	size_t dev = swaps_size_kb(opt_device) * 1024, want, len = 0;
	uint64_t scat0 = 0, scat1 = 0, split0, split1, alloc0, large;
	unsigned int mark = nr_saved;
	struct vmstat before, after, read0;
	struct mthp_settings m;
	struct swap_scan s;
	char *fill, *buf = NULL;
	bool ok = false;
	long hits, dropped;
	int ret;

	ret = need_bio_faults(tc->name);
	if (ret != KSFT_PASS)
		return ret;
	if (folios < 2 || 2 * size > dev) {
		ksft_print_msg("%s: --size must be 2 folios or more, and at most half the device (%zu MiB)\n",
			       tc->name, dev / MiB);
		return KSFT_FAIL;
	}
	fill = swap_scatter(tc->name, dev, &len, opt.seed + 1);
	if (!fill)
		return KSFT_FAIL;
	ret = mthp_only(&m);
	if (ret != KSFT_PASS)
		goto out;
	ret = KSFT_FAIL;
	buf = map_anon(size, MTHP_KB * 1024);
	if (!buf)
		goto out;
	if (munlock(buf, size)) {
		ksft_perror("munlock");
		goto out;
	}
	alloc0 = mthp_stat(MTHP_KB, "anon_fault_alloc");
	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	large = mthp_stat(MTHP_KB, "anon_fault_alloc") - alloc0;
	if (large != folios) {
		/* a page of its own would take the failure alone */
		ksft_print_msg("%s: %" PRIu64 " of the %zu folios are 64 kB: want all\n",
			       tc->name, large, folios);
		goto out;
	}
	read_key("/proc/vmstat", "vswap_scattered", &scat0);
	split0 = mthp_stat(MTHP_KB, "split");
	/* one failure: the first write this task submits */
	if (!pageout_writes_failing(tc->name, buf, size, 1, mark, &before,
				    &after, &hits, &s))
		goto out;
	read_key("/proc/vmstat", "vswap_scattered", &scat1);
	split1 = mthp_stat(MTHP_KB, "split");
	ksft_print_msg("%s: %zu pages unmapped, %zu of them in the swap cache, %zu mapped; %ld write failed; pswpout +%"
		       PRIu64 ", vswap_scattered +%" PRIu64
		       ", 64 kB folios split +%" PRIu64 "\n",
		       tc->name, s.swapped, s.cached, s.present, hits,
		       after.v[VM_PSWPOUT] - before.v[VM_PSWPOUT],
		       scat1 - scat0, split1 - split0);
	vswap_note(tc->name);
	ok = true;
	if (hits != 1) {
		ksft_print_msg("%s: want the one write failure armed used\n",
			       tc->name);
		ok = false;
	}
	if (s.swapped != npages) {
		ksft_print_msg("%s: want all %zu pages unmapped\n", tc->name,
			       npages);
		ok = false;
	}
	if (vswap_enabled() ? scat1 - scat0 != folios || split1 != split0 :
			      split1 - split0 != folios) {
		ksft_print_msg("%s: want all %zu folios %s\n", tc->name, folios,
			       vswap_enabled() ?
			       "written whole to scattered slots" : "split");
		ok = false;
	}
	want = vswap_enabled() ? folio_pages : 1;
	if (s.cached != want) {
		ksft_print_msg("%s: want the %zu pages of the write that failed in the swap cache, and only them\n",
			       tc->name, want);
		ok = false;
	}
	/* kept dirty: reclaim writes them before it drops them */
	vmstat_read(&before);
	dropped = swapcache_drop(tc->name, buf, size);
	vmstat_read(&read0);
	ksft_print_msg("%s: reclaim: pswpout +%" PRIu64 ", %ld pages swapped out and not cached\n",
		       tc->name, read0.v[VM_PSWPOUT] - before.v[VM_PSWPOUT],
		       dropped);
	if (dropped != (long)npages ||
	    read0.v[VM_PSWPOUT] - before.v[VM_PSWPOUT] < want) {
		ksft_print_msg("%s: want the %zu kept pages written again, and every page out of memory\n",
			       tc->name, want);
		ok = false;
	}
	ok &= verify("read back from the device", buf, size,
		     PAT_COMPRESSIBLE, opt.seed);
	vmstat_read(&after);
	ok &= swapped_in(tc->name, &read0, &after, npages);
	ret = ok ? KSFT_PASS : KSFT_FAIL;
out:
	inject_off(mark);
	if (buf)
		munmap(buf, size);
	mthp_restore(&m);
	if (!swap_scatter_done(tc->name, fill, len, opt.seed + 1))
		ret = KSFT_FAIL;
	return ret;
}

static int test_read_error(const struct tcase *tc)
{
	size_t size = case_size(tc), ps = page_size();
	unsigned int mark = nr_saved, armed;
	struct vmstat v0, v1;
	struct touch_report r;
	char *buf, *page;
	long dropped, hits;
	bool ok = false;
	int ret;

	ret = need_bio_faults(tc->name);
	if (ret != KSFT_PASS)
		return ret;
	if (!set(PAGE_CLUSTER, "0"))
		return KSFT_FAIL;
	buf = region(size, opt.pattern);
	if (!buf)
		goto out;
	vmstat_read(&v0);
	ok = pageout_enough(tc->name, buf, size);
	dropped = swapcache_drop(tc->name, buf, size);
	vmstat_read(&v1);
	ok &= swapped_out(tc->name, &v0, &v1) && dropped > 0;
	page = ok ? pick_swapped(buf, size) : NULL;
	if (!page) {
		ok = false;
		goto out;
	}
	ksft_print_msg("%s: a child whose reads fail touches page %zu of %zu\n",
		       tc->name, (size_t)(page - buf) / ps, size / ps);

	armed = nr_saved;
	if (!bio_faults_arm(READ_FAIL_TIMES)) {
		ok = false;
		goto out;
	}
	ok = touch_in_child("child, its reads failing", page, ps, true, &r) &&
	     got_sigbus("child, its reads failing", &r, page);
	hits = fault_hits(FAIL_BIO, READ_FAIL_TIMES);
	inject_off(armed);
	ksft_print_msg("%s: %ld reads failed\n", tc->name, hits);
	if (hits != 1) {
		ksft_print_msg("%s: want exactly one, the child's\n", tc->name);
		ok = false;
	}

	/*
	 * do_swap_page() leaves the folio whose read failed in the swap
	 * cache, not uptodate, maps no such folio and does not read it
	 * again: while it stays, every access gets SIGBUS, injection or not.
	 */
	vmstat_read(&v0);
	ok &= touch_in_child("child, no injection", page, ps, false, &r) &&
	      got_sigbus("child, no injection", &r, page);
	vmstat_read(&v1);
	ksft_print_msg("%s: that child read nothing: pswpin +%" PRIu64 "\n",
		       tc->name, v1.v[VM_PSWPIN] - v0.v[VM_PSWPIN]);

	/* once reclaim has dropped that folio, the page is read again */
	ok &= reclaim_then_read("the page whose read failed", page, ps, 1);

	/* the parent, unaffected: every page comes back intact */
	vmstat_read(&v0);
	ok &= verify("the parent's pages", buf, size, opt.pattern, opt.seed);
	vmstat_read(&v1);
	ok &= swapped_in("the parent's pages", &v0, &v1, dropped - 1);
out:
	inject_off(mark);
	if (buf)
		munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * Virtual swap: swapoff failed with the first batch of reads that had a
 * failure, the data stayed.
 */
static bool swapoff_eio_vswap(const char *what, char *buf, size_t size,
			      long nr, int err, long hits)
{
	struct vmstat v0, v1;
	uint64_t used_kb;
	long dropped;
	bool ok = true;

	if (err != EIO) {
		ksft_print_msg("%s: want swapoff to fail with EIO (Documentation/admin-guide/mm/vswap.rst)\n",
			       what);
		ok = false;
	}
	if (hits < 1 || hits > VSWAP_UNUSE_BATCH) {
		ksft_print_msg("%s: want swapoff to stop at the batch of reads (%d) with its first failure\n",
			       what, VSWAP_UNUSE_BATCH);
		ok = false;
	}
	used_kb = swaps_used_kb(opt_device);
	if (!swaps_find(opt_device, NULL) ||
	    used_kb * 1024 < nr * page_size()) {
		ksft_print_msg("%s: want %s still on, with the %ld pages (it holds %" PRIu64 " KiB)\n",
			       what, opt_device, nr, used_kb);
		ok = false;
	}
	vswap_note(what);

	/*
	 * The data is on the device.  Swapoff took the folios whose read
	 * failed out of the swap cache (a failed fault would leave one
	 * there, not uptodate, to SIGBUS the next fault until reclaim drops
	 * it): with no reclaim, a child reads it all back intact.
	 */
	ok &= read_again("after the failed swapoff", buf, size);
	dropped = swapcache_drop("after the failed swapoff", buf, size);
	vmstat_read(&v0);
	ok &= verify("after the failed swapoff", buf, size, opt.pattern,
		     opt.seed);
	vmstat_read(&v1);
	ok &= dropped > 0 &&
	      swapped_in("after the failed swapoff", &v0, &v1, dropped);

	/* with reads working, swapoff reads every page in and succeeds */
	ok &= pageout_enough("before swapoff", buf, size);
	dropped = swapcache_drop("before swapoff", buf, size);
	vmstat_read(&v0);
	if (device_off(what)) {
		vmstat_read(&v1);
		ok &= dropped > 0 && swapped_in("swapoff", &v0, &v1, dropped);
	} else {
		ok = false;
	}
	ok &= verify("after swapoff", buf, size, opt.pattern, opt.seed);
	return ok;
}

/* No virtual swap: swapoff poisoned the pages it could not read. */
static bool swapoff_eio_poison(const char *what, char *buf, size_t size,
			       long nr, int err, long hits, uint64_t reads)
{
	size_t ps = page_size(), n = size / ps, i;
	size_t markers = 0, swapped = 0, present = 0;
	struct touch_report r;
	char *first = NULL;
	uint64_t *ent;
	bool ok = true;

	if (err) {
		ksft_print_msg("%s: want swapoff to succeed: unuse_pte() puts a poison marker where a read failed\n",
			       what);
		ok = false;
	}
	if (hits < 1) {
		ksft_print_msg("%s: no read failed\n", what);
		ok = false;
	}
	/* pswpin counts a read when it is submitted, failed or not */
	if (reads < (uint64_t)nr) {
		ksft_print_msg("%s: want swapoff to have read all %ld pages\n",
			       what, nr);
		ok = false;
	}
	ent = calloc(n, sizeof(*ent));
	if (!ent || pagemap_read(buf, n, ent)) {
		free(ent);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (is_marker(ent[i])) {
			markers++;
			if (!first)
				first = buf + i * ps;
		} else if (ent[i] & PM_SWAP) {
			swapped++;
		} else if (ent[i] & PM_PRESENT) {
			present++;
		}
	}
	ksft_print_msg("%s: of %zu pages %zu poisoned, %zu resident, %zu swapped\n",
		       what, n, markers, present, swapped);
	if (markers != (size_t)hits) {
		ksft_print_msg("%s: want a poison marker for each failed read, and nowhere else\n",
			       what);
		ok = false;
	}
	if (!err && (swapped || markers + present != n)) {
		ksft_print_msg("%s: want every other page resident after swapoff\n",
			       what);
		ok = false;
	}
	ok &= verify_unpoisoned("pages not poisoned", buf, n, ent);
	if (first)
		ok &= touch_in_child("child, poisoned page", first, ps,
				     false, &r) &&
		      got_sigbus("child, poisoned page", &r, first);
	free(ent);
	return ok;
}

/*
 * Start a swapoff case: empty the device (swapoff reads whatever is on it,
 * whoever it belongs to), then page out @size bytes of this test onto it,
 * none left in the swap cache. Return: the buffer, or NULL; *@nr: its
 * pages on the device.
 */
static char *device_filled(const struct tcase *tc, size_t size, long *nr)
{
	struct vmstat v0, v1;
	uint64_t used_kb;
	char *buf;
	bool ok;

	if (!device_off(tc->name) || !device_on(tc->name))
		return NULL;
	buf = region(size, opt.pattern);
	if (!buf)
		return NULL;
	vmstat_read(&v0);
	ok = pageout_enough(tc->name, buf, size);
	*nr = swapcache_drop(tc->name, buf, size);
	vmstat_read(&v1);
	ok &= swapped_out(tc->name, &v0, &v1) && *nr > 0;
	used_kb = swaps_used_kb(opt_device);
	ksft_print_msg("%s: %s holds %" PRIu64 " KiB, %ld pages of this test\n",
		       tc->name, opt_device, used_kb, *nr);
	if (*nr > 0 && used_kb * 1024 < *nr * page_size()) {
		ksft_print_msg("%s: want them all on %s\n", tc->name,
			       opt_device);
		ok = false;
	}
	if (ok)
		return buf;
	munmap(buf, size);
	return NULL;
}

/* The end of a swapoff case: settings back, the device on, the buffer gone. */
static int swapoff_case_end(const struct tcase *tc, unsigned int mark,
			    char *buf, size_t size, bool ok)
{
	inject_off(mark);
	ok &= device_on(tc->name);
	if (buf)
		munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_swapoff_eio(const struct tcase *tc)
{
	size_t size = case_size(tc);
	unsigned int mark = nr_saved, armed;
	struct vmstat v0, v1;
	long nr, times, hits;
	char *buf = NULL;
	bool ok = false;
	int ret, err;

	ret = need_bio_faults(tc->name);
	if (ret != KSFT_PASS)
		return ret;
	if (!set(PAGE_CLUSTER, "0"))
		goto out;
	buf = device_filled(tc, size, &nr);
	if (!buf)
		goto out;

	/* half the reads fail; with virtual swap the first must be enough */
	times = nr / 2 ? nr / 2 : 1;
	armed = nr_saved;
	vmstat_read(&v0);
	if (!bio_faults_arm(times) || !self_fail(true)) {
		ok = false;
		goto out;
	}
	err = swapoff(opt_device) ? errno : 0;
	self_fail(false);
	hits = fault_hits(FAIL_BIO, times);
	inject_off(armed);
	vmstat_read(&v1);
	if (!err)
		dev_off = true;
	ksft_print_msg("%s: swapoff(%s) with %ld reads set to fail: %s; %ld failed, pswpin +%"
		       PRIu64 "\n",
		       tc->name, opt_device, times,
		       err ? strerror(err) : "success", hits,
		       v1.v[VM_PSWPIN] - v0.v[VM_PSWPIN]);
	if (vswap_enabled())
		ok = swapoff_eio_vswap(tc->name, buf, size, nr, err, hits);
	else
		ok = swapoff_eio_poison(tc->name, buf, size, nr, err, hits,
					v1.v[VM_PSWPIN] - v0.v[VM_PSWPIN]);
out:
	return swapoff_case_end(tc, mark, buf, size, ok);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int test_swapoff_enomem(const struct tcase *tc)
{
	/* swap-in allocates user pages that may sleep: fail those too */
	static const char * const page_extra[] = {
		"ignore-gfp-wait", "N", "ignore-gfp-highmem", "N",
		"min-order", "0", NULL,
	};
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	size_t size = case_size(tc);
	unsigned int mark = nr_saved, armed;
	struct vmstat v0, v1;
	char *buf = NULL;
	bool ok = false;
	long nr, hits;
	int ret, err;
	double t;

	ret = need_page_faults(tc->name);
	if (ret != KSFT_PASS)
		return ret;
	buf = device_filled(tc, size, &nr);
	if (!buf)
		goto out;

	/* no SA_RESTART: the alarm interrupts a swapoff that keeps retrying */
	sigaction(SIGALRM, &sa, &old);
	armed = nr_saved;
	if (!fault_arm(FAIL_PAGE, SWAPOFF_FAIL_TIMES, page_extra) ||
	    !self_fail(true)) {
		sigaction(SIGALRM, &old, NULL);
		goto out;
	}
	ok = true;
	t = now_sec();
	alarm(SWAPOFF_ALARM_SECS);
	err = swapoff(opt_device) ? errno : 0;
	alarm(0);
	t = now_sec() - t;
	self_fail(false);
	hits = fault_hits(FAIL_PAGE, SWAPOFF_FAIL_TIMES);
	inject_off(armed);
	sigaction(SIGALRM, &old, NULL);
	if (!err)
		dev_off = true;
	ksft_print_msg("%s: swapoff(%s) with page allocations failing: %s after %.1f s; %ld allocations failed\n",
		       tc->name, opt_device, err ? strerror(err) : "success",
		       t, hits);
	if (err != ENOMEM) {
		ksft_print_msg("%s: want ENOMEM%s\n", tc->name,
			       err == EINTR ? ": swapoff was still retrying when interrupted" : "");
		ok = false;
	}
	if (hits <= 0) {
		ksft_print_msg("%s: no allocation was made to fail\n",
			       tc->name);
		ok = false;
	}
	if (!swaps_find(opt_device, NULL)) {
		ksft_print_msg("%s: want %s still on after the failed swapoff\n",
			       tc->name, opt_device);
		ok = false;
	}
	/* the data stayed on the device, and reads back from it */
	vmstat_read(&v0);
	ok &= verify(tc->name, buf, size, opt.pattern, opt.seed);
	vmstat_read(&v1);
	ksft_print_msg("%s: read back with pswpin +%" PRIu64 "\n", tc->name,
		       v1.v[VM_PSWPIN] - v0.v[VM_PSWPIN]);
	if (v1.v[VM_PSWPIN] - v0.v[VM_PSWPIN] < (uint64_t)nr) {
		ksft_print_msg("%s: want all %ld pages read from the device\n",
			       tc->name, nr);
		ok = false;
	}
out:
	return swapoff_case_end(tc, mark, buf, size, ok);
}

static int test_alloc_failure(const struct tcase *tc)
{
	/* allocations that may sleep fail too; user pages (highmem) do not */
	static const char * const slab_extra[] = {
		"ignore-gfp-wait", "N", NULL,
	};
	static const char * const page_extra[] = {
		"ignore-gfp-wait", "N", "min-order", "0", NULL,
	};
	/*
	 * Which allocations fail is left to chance: with virtual swap a new
	 * slot cluster's may be among them (vswap_alloc_fail, reported).
	 */
	bool slab = true;
	long times = ALLOC_FAIL_TIMES;
	size_t size = case_size(tc), npages = size / page_size();
	uint64_t reject0 = 0, reject1 = 0, afail0 = 0, afail1 = 0;
	long slab_hits, page_hits;
	unsigned int mark = nr_saved;
	struct vmstat v0, v1;
	struct swap_scan s;
	cpu_set_t allowed;
	size_t control;
	bool ok = false;
	int ret, err;
	char *buf = NULL;

	ret = need_page_faults(tc->name);
	if (ret == KSFT_PASS && slab)
		ret = need_fault(tc->name, FAILSLAB);
	if (ret != KSFT_PASS)
		return ret;
	/*
	 * On one CPU from the first page faulted in to the last madvise(),
	 * so that no page waits in another CPU's LRU batch, off the LRU:
	 * with two CPUs, up to a batch of pages stayed mapped in either run.
	 */
	if (!cpu_pin_here(&allowed))
		return KSFT_FAIL;
	/* the control: what stays mapped with nothing failing */
	buf = region(size, opt.pattern);
	if (!buf)
		goto out;
	if (madvise(buf, size, MADV_PAGEOUT) || swap_scan(buf, size, &s))
		goto out;
	control = s.present;
	munmap(buf, size);
	buf = region(size, opt.pattern);
	if (!buf)
		goto out;
	if ((slab && !fault_arm(FAILSLAB, times, slab_extra)) ||
	    !fault_arm(FAIL_PAGE, times, page_extra))
		goto out;
	read_key("/proc/vmstat", "vswap_reject", &reject0);
	read_key("/proc/vmstat", "vswap_alloc_fail", &afail0);
	vmstat_read(&v0);
	/* nothing but the madvise() while this task's allocations fail */
	if (!self_fail(true))
		goto out;
	err = madvise(buf, size, MADV_PAGEOUT) ? errno : 0;
	self_fail(false);
	cpu_unpin(&allowed);
	slab_hits = slab ? fault_hits(FAILSLAB, times) : 0;
	page_hits = fault_hits(FAIL_PAGE, times);
	inject_off(mark);
	vmstat_read(&v1);
	read_key("/proc/vmstat", "vswap_reject", &reject1);
	read_key("/proc/vmstat", "vswap_alloc_fail", &afail1);
	if (err)
		ksft_print_msg("%s: madvise(MADV_PAGEOUT) with allocations failing: %s\n",
			       tc->name, strerror(err));
	if (swap_scan(buf, size, &s))
		goto out;
	ksft_print_msg("%s: %ld slab and %ld page allocations failed; %zu pages unmapped (%zu of them in the swap cache), %zu stayed mapped (%zu with nothing failing); pswpout +%"
		       PRIu64 ", vswap_reject +%" PRIu64 ", vswap_alloc_fail +%" PRIu64 "\n",
		       tc->name, slab_hits, page_hits, s.swapped, s.cached,
		       s.present, control, v1.v[VM_PSWPOUT] - v0.v[VM_PSWPOUT],
		       reject1 - reject0, afail1 - afail0);
	ok = true;
	if (slab_hits < 0 || page_hits < 0) {
		ok = false;
	} else if (!slab_hits && !page_hits) {
		ksft_print_msg("%s: no allocation failed: this proved nothing\n",
			       tc->name);
		ok = false;
	}
	if (s.present + s.swapped != npages) {
		ksft_print_msg("%s: %zu pages neither mapped nor swapped out\n",
			       tc->name, npages - s.present - s.swapped);
		ok = false;
	}
	/* what could not get a slot or a swap cache entry stayed resident */
	if (s.present <= control) {
		ksft_print_msg("%s: no more pages stayed mapped than with nothing failing: the failures hit nothing swap-out needs\n",
			       tc->name);
		ok = false;
	}

	ok &= verify("after failed allocations", buf, size, opt.pattern,
		     opt.seed);
	/* new data, so that every page is dirty and must be written */
	pattern_fill(buf, size, opt.pattern, opt.seed + 1);
	ok &= pageout_verify("allocations working again", buf, size,
			     opt.pattern, opt.seed + 1);
out:
	inject_off(mark);
	cpu_unpin(&allowed);
	if (buf)
		munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * zswap_compress() gives the compressor one page of output. The software
 * compressors bound their output (lz4 and, in this kernel, lzo too): on
 * random data the compressor itself fails, zswap counts
 * reject_compress_fail, zswap_store() fails and the folio goes to the
 * device. (reject_compress_poor needs a compressor that reports -ENOSPC.)
 */
#define REJECT_COMPRESSOR	"lz4"
#define REJECT_COUNTER		"reject_compress_fail"

static int test_zswap_reject(const struct tcase *tc)
{
	size_t size = case_size(tc);
	struct saved_setting comp = { 0 };
	struct vmstat v0, v1, v2, v3;
	uint64_t rej0 = 0, rej1 = 0, out, in;
	long dropped;
	bool ok;
	int ret;
	char *buf;

	ret = need_env(tc->name, true);
	if (ret != KSFT_PASS)
		return ret;
	if (access(ZSWAP_DEBUG "/" REJECT_COUNTER, F_OK))
		return skip_case("no zswap reject counters in %s (CONFIG_DEBUG_FS)",
				 ZSWAP_DEBUG);
	if (setting_set(&comp, "/sys/module/zswap/parameters/compressor",
			REJECT_COMPRESSOR))
		return KSFT_FAIL;
	buf = region(size, PAT_RANDOM);
	if (!buf) {
		setting_restore(&comp);
		return KSFT_FAIL;
	}
	read_u64(ZSWAP_DEBUG "/" REJECT_COUNTER, &rej0);
	vmstat_read(&v0);
	ok = pageout_enough(tc->name, buf, size);
	dropped = swapcache_drop(tc->name, buf, size);
	vmstat_read(&v1);
	read_u64(ZSWAP_DEBUG "/" REJECT_COUNTER, &rej1);
	ok &= swapped_out(tc->name, &v0, &v1) && dropped > 0;
	out = v1.v[VM_PSWPOUT] - v0.v[VM_PSWPOUT];
	ksft_print_msg("%s: %s: " REJECT_COUNTER " +%" PRIu64
		       "; %ld pages swapped out and uncached, pswpout +%" PRIu64
		       ", zswpout +%" PRIu64 "\n",
		       tc->name, REJECT_COMPRESSOR, rej1 - rej0, dropped,
		       out, v1.v[VM_ZSWPOUT] - v0.v[VM_ZSWPOUT]);
	/* every page that left went through zswap_store() to the device */
	if (dropped > 0 && rej1 - rej0 < (uint64_t)dropped) {
		ksft_print_msg("%s: want " REJECT_COUNTER " to count each of them\n",
			       tc->name);
		ok = false;
	}
	if (dropped > 0 && out < (uint64_t)dropped) {
		ksft_print_msg("%s: want each of them written to the device\n",
			       tc->name);
		ok = false;
	}
	vmstat_read(&v2);
	ok &= verify(tc->name, buf, size, PAT_RANDOM, opt.seed);
	vmstat_read(&v3);
	ok &= dropped > 0 && swapped_in(tc->name, &v2, &v3, dropped);
	in = v3.v[VM_PSWPIN] - v2.v[VM_PSWPIN];
	if (dropped > 0 && in < (uint64_t)dropped) {
		ksft_print_msg("%s: want each of them read from the device (pswpin +%" PRIu64 ")\n",
			       tc->name, in);
		ok = false;
	}
	munmap(buf, size);
	setting_restore(&comp);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static const struct tcase cases[] = {
	{ "write_error",	test_write_error,	8 },
	{ "write_error_scattered", test_write_error_scattered, 4 },
	{ "read_error",		test_read_error,	4 },
	{ "swapoff_eio",	test_swapoff_eio,	8 },
	{ "swapoff_enomem",	test_swapoff_enomem,	8 },
	{ "alloc_failure",	test_alloc_failure,	8 },
	{ "zswap_reject",	test_zswap_reject,	8 },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct sigaction dfl;

	(void)uc;
	if (!bus_armed) {
		/* back to the default: the access faults again, and kills */
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(sig, &dfl, NULL);
		return;
	}
	bus_armed = 0;
	bus_addr = si->si_addr;
	bus_code = si->si_code;
	siglongjmp(bus_env, 1);
}

/* A case, then its settings restored and the device on, whatever happened. */
static int case_fn(unsigned int i)
{
	int ret;

	if (!sigsetjmp(bus_env, 1)) {
		bus_armed = 1;
		ret = cases[i].fn(&cases[i]);
	} else {
		ksft_print_msg("%s: SIGBUS at %p (si_code %d) in the test program: a page could not be read back\n",
			       cases[i].name, bus_addr, bus_code);
		ret = KSFT_FAIL;
	}
	bus_armed = 0;
	restore_all();
	if (!device_on(cases[i].name))
		ret = KSFT_FAIL;
	return ret;
}

static void cgroup_leave(void)
{
	if (!test_cg[0])
		return;
	cg_write(orig_cg, "cgroup.procs", "%d", getpid());
	cg_destroy(test_cg);
	test_cg[0] = '\0';
}

/*
 * Into a cgroup of its own (see the top), and everything locked but the
 * test buffers, which region() unlocks.  Exits on failure.
 */
static void setup(void)
{
	char real[PATH_MAX];
	struct sigaction sa;
	struct stat st;

	if (realpath(opt_device, real) && !stat(real, &st) &&
	    S_ISBLK(st.st_mode))
		snprintf(dev_fail, sizeof(dev_fail),
			 "/sys/class/block/%s/make-it-fail",
			 strrchr(real, '/') + 1);
	self_fail_fd = open(SELF_FAIL, O_WRONLY);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGBUS, &sa, NULL))
		ksft_exit_fail_perror("sigaction");

	if (cg_self(orig_cg, sizeof(orig_cg)))
		ksft_exit_fail_msg("cannot find this task's cgroup\n");
	if (cg_create(test_cg, sizeof(test_cg), "faults"))
		ksft_exit_fail_msg("cannot create a cgroup\n");
	atexit(cgroup_leave);
	if (cg_write(test_cg, "cgroup.procs", "%d", getpid()))
		ksft_exit_fail_msg("cannot move into %s\n", test_cg);
	atexit(device_on_at_exit);
	atexit(restore_all);
	/* all there is now, in memory; what comes later, once touched */
	if (mlockall(MCL_CURRENT) || mlockall(MCL_FUTURE | MCL_ONFAULT))
		ksft_exit_fail_perror("mlockall");
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swap_faults [options]\n"
		"Inject faults into swap-out and swap-in; no data may be lost.\n"
		"Cases (ENV disk unless said):\n"
		"  write_error     writes to the device fail under MADV_PAGEOUT\n"
		"  write_error_scattered\n"
		"                  one write of a 64 kB folio written to scattered\n"
		"                  slots fails (ENV small-zram, --device /dev/zram0)\n"
		"  read_error      a child's swap-in read fails: SIGBUS there only\n"
		"  swapoff_eio     swapoff with reads failing (EIO with virtual\n"
		"                  swap, poisoned pages without)\n"
		"  swapoff_enomem  swapoff with page allocations failing (ENOMEM)\n"
		"  alloc_failure   slab and page allocations fail under MADV_PAGEOUT\n"
		"  zswap_reject    incompressible data goes to the device\n"
		"                  (ENV zswap-disk)\n"
		"  --device PATH     the swap device (default /dev/vda)\n"
		"  --only NAME       run only case NAME\n"
		COMMON_USAGE
		"                    (default per case: read_error and\n"
		"                    write_error_scattered 4, others 8);\n"
		"                    zswap_reject always uses random data,\n"
		"                    write_error_scattered compressible data\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "device",	required_argument,	NULL, 'd' },
		{ "only",	required_argument,	NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "d:o:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			opt_device = optarg;
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
	/* zero pages are recorded, never written: they meet no device fault */
	if (opt.pattern == PAT_ZERO || opt.pattern == PAT_MIXED)
		ksft_exit_fail_msg("--pattern %s: zero pages never reach the device\n",
				   pattern_name(opt.pattern));

	setup();
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
