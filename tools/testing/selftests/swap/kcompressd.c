// SPDX-License-Identifier: GPL-2.0
/*
 * kcompressd: kswapd queues folios bound for zswap to per-node threads
 * (CONFIG_KCOMPRESSD, /sys/kernel/mm/kcompressd/).  Every byte swapped is
 * verified, and the counters prove which path the pages took.
 *
 * The pressure is global, as kswapd sees it, but small: the program mlocks
 * all free memory but LEAVE_MIB (the memcg case less: struct load's
 * cg_max_mib), raises vm.watermark_scale_factor so that
 * kswapd, not the allocating tasks, does most of the reclaim, and then two
 * children fill more than is left and verify it.
 *
 *   knobs       a write out of range fails with EINVAL and changes nothing;
 *               one in range reads back
 *   on          kcompressd enabled: pages queued (kcompressd_queued) and
 *               stored by its threads; queued = stored + refused once the
 *               queues are empty; the data reads back from zswap
 *   off         disabled: nothing queued, kswapd stores into zswap itself
 *   queue_full  a queue of one page and one thread: kswapd finds it full
 *               (kcompressd_full) and stores inline (kcompressd_inline)
 *   refused     incompressible pages: zswap refuses what kcompressd gives
 *               it (kcompressd_refused), which kcompressd sends to the
 *               swap device; what the device holds reads back (pswpout,
 *               pswpin: kswapd's inline stores write there too)
 *   toggle      enabled, threads, batch and queue_depth changed every few
 *               ms while the children fill and verify
 *   hotplug     CPU 1 offline and online again while they do
 *   memcg       the children in a memcg of their own, with memory.max and
 *               memory.zswap.max below what they fill: the pages
 *               kcompressd stored are counted to it (its memory.stat
 *               zswpout exceeds what kswapd and direct reclaim stored
 *               themselves), its reclaim ran (memory.events max), its
 *               zswap limit held (memory.zswap.current sampled under
 *               load) and was enforced by writeback (zswpwb)
 *   swapoff     with two swap files, the one in use (/mnt/swapfile, put
 *               above the other) swapped off and on again, half a second
 *               apart, while it holds 4 MiB or more and kcompressd's
 *               queue holds folios (queued -
 *               stored - refused > 0 as swapoff starts); mixed data, so
 *               that zswap refuses some, which kcompressd sends to the
 *               file. Without virtual swap the queued folios' slots are
 *               on the file, and swapoff waits for them; with it, their
 *               slots are virtual and only the refused ones race it for
 *               a slot there. A swapoff that finds no memory (ENOMEM)
 *               leaves the file on and is not counted; nothing is lost
 *   batched     with zswap's compressor taking batches (lz4-offload-emu)
 *               and THP off, single-page folios are compressed several
 *               per request: zswap's batch_stores moves, which only
 *               kcompressd does for them. With --pattern mixed some
 *               pages do not compress: kcompressd must count folios
 *               zswap refused, and pswpout at least as many pages
 *   batched_faults  the same, with the device's queue full, engine errors
 *               and failed verifications injected: the device redoes
 *               those units in software (its counters), every byte reads
 *               back intact
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#define KC_DIR		"/sys/kernel/mm/kcompressd/"
#define EMU_STATS	"/sys/kernel/debug/acomp_offload_emu/stats"
#define EMU_PARAMS	"/sys/module/acomp_offload_emu/parameters/"
#define WSF		"/proc/sys/vm/watermark_scale_factor"
/* kswapd wakes 3% of memory above the min watermark, stops at 6% */
#define WSF_VALUE	"300"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define NR_CHILDREN	2
/*
 * Memory left unlocked for the children, who fill CHILD_MIB each; the
 * cases that change settings while they run, and the memcg case, which
 * needs its zswap limit hit often enough to write entries back, fill
 * LONG_CHILD_MIB.
 */
#define LEAVE_MIB	96
#define CHILD_MIB	64
#define LONG_CHILD_MIB	96

struct tcase {
	const char *name;
	int (*fn)(const char *name);
};

static struct common_opts opt;
static const char *opt_only;

/* kcompressd's counters, and kswapd's reclaim that feeds it */
enum kc_item { KC_QUEUED, KC_STORED, KC_REFUSED, KC_INLINE, KC_FULL,
	       KC_KSWAPD, NR_KC_ITEMS };
static const char * const kc_names[] = {
	"kcompressd_queued", "kcompressd_stored", "kcompressd_refused",
	"kcompressd_inline", "kcompressd_full", "pgsteal_kswapd",
};

struct kc_stat {
	uint64_t v[NR_KC_ITEMS];
};

static void kc_read(struct kc_stat *k)
{
	int i;

	for (i = 0; i < NR_KC_ITEMS; i++) {
		k->v[i] = 0;
		read_key("/proc/vmstat", kc_names[i], &k->v[i]);
	}
}

static uint64_t kc_delta(const struct kc_stat *a, const struct kc_stat *b,
			 enum kc_item i)
{
	return b->v[i] - a->v[i];
}

static void kc_print(const char *what, const struct kc_stat *a,
		     const struct kc_stat *b)
{
	ksft_print_msg("%s: queued +%" PRIu64 ", stored +%" PRIu64 ", refused +%" PRIu64
		       ", inline +%" PRIu64 ", full +%" PRIu64 "; pgsteal_kswapd +%" PRIu64 "\n",
		       what, kc_delta(a, b, KC_QUEUED), kc_delta(a, b, KC_STORED),
		       kc_delta(a, b, KC_REFUSED), kc_delta(a, b, KC_INLINE),
		       kc_delta(a, b, KC_FULL), kc_delta(a, b, KC_KSWAPD));
}

/* Once the queues are empty, every page queued was stored or refused. */
static bool kc_settled(const char *what, const struct kc_stat *a)
{
	struct kc_stat b;
	int tries;

	for (tries = 0; tries < 200; tries++) {
		kc_read(&b);
		if (kc_delta(a, &b, KC_QUEUED) == kc_delta(a, &b, KC_STORED) +
						   kc_delta(a, &b, KC_REFUSED))
			return true;
		usleep(10000);
	}
	kc_print(what, a, &b);
	ksft_print_msg("%s: pages queued but neither stored nor refused after 2 s\n",
		       what);
	return false;
}

static int kc_set(struct saved_setting *s, const char *knob, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), KC_DIR "%s", knob);
	return setting_set(s, path, val);
}

/*
 * NR_CHILDREN children (in @cg if set) fill @child_size bytes each
 * (CHILD_MIB if 0) and verify them twice; during() runs meanwhile.
 */
struct load {
	const char *cg;
	enum pattern pattern;
	size_t child_size;
	/*
	 * memory.max of @cg in MiB, if set: what is left unlocked is that,
	 * and kswapd's min watermark plus a quarter of the way to its low
	 * one, so that the memcg at its limit wakes kswapd even with
	 * HOG_SLACK_MIB more free, or some freed late. (Below min, the
	 * children reclaim directly too.) Else LEAVE_MIB is left.
	 */
	unsigned int cg_max_mib;
	/* called every few ms while the children run; false: stop, fail */
	bool (*during)(void *arg, unsigned int tick);
	void *arg;
};

/*
 * Memory locked so that global reclaim must push out the children's fill,
 * not the page cache (dropped first: a swap file's own pages, say). Memory
 * the kernel frees late (the previous program's zswap pool, pages on the
 * per-CPU lists, returned over seconds) shows up after the first lock: for
 * a second after each lock, more than HOG_SLACK_MIB above what is to be
 * left is locked too, in up to HOG_PARTS locks in all.
 */
#define HOG_PARTS	4
#define HOG_SLACK_MIB	8

struct hog {
	void *p[HOG_PARTS];
	size_t len[HOG_PARTS];
	size_t total;
	int n;
};

static void hog_stop(struct hog *h)
{
	while (h->n--)
		munmap(h->p[h->n], h->len[h->n]);
	h->n = 0;
	h->total = 0;
}

/* Lock all free memory but @leave_mib; false (nothing locked) on failure. */
static bool hog_start(unsigned int leave_mib, struct hog *h)
{
	uint64_t free_kb = 0;
	size_t len;
	int tries;
	void *p;

	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	if (read_key("/proc/meminfo", "MemFree:", &free_kb) ||
	    free_kb * 1024 < (leave_mib + 64) * MiB) {
		ksft_print_msg("MemFree %" PRIu64 " kB: too little to leave %u MiB\n",
			       free_kb, leave_mib);
		return false;
	}
	while (h->n < HOG_PARTS &&
	       free_kb * 1024 > (leave_mib + HOG_SLACK_MIB) * MiB) {
		len = (free_kb * 1024 - leave_mib * MiB) & ~(page_size() - 1);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			ksft_perror("mmap");
			hog_stop(h);
			return false;
		}
		/*
		 * The children need not copy its page tables; huge pages,
		 * where THP is on, take a fault per 2 MiB to lock instead of
		 * one per page (seconds under TCG).
		 */
		madvise(p, len, MADV_DONTFORK);
		madvise(p, len, MADV_HUGEPAGE);
		if (mlock(p, len)) {
			ksft_perror("mlock");
			munmap(p, len);
			hog_stop(h);
			return false;
		}
		h->p[h->n] = p;
		h->len[h->n++] = len;
		h->total += len;
		for (tries = 0; tries < 5; tries++) {
			usleep(200000);
			if (read_key("/proc/meminfo", "MemFree:", &free_kb))
				return true;
			if (free_kb * 1024 > (leave_mib + HOG_SLACK_MIB) * MiB)
				break;
		}
	}
	return true;
}

/*
 * kswapd's min and low watermarks, summed over the zones (kswapd wakes
 * below low), in MiB.
 */
static int watermarks_mib(unsigned int *min_mib, unsigned int *low_mib)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	unsigned long v, min = 0, low = 0, boost = 0;
	char line[256], key[32];

	if (!f) {
		ksft_perror("/proc/zoneinfo");
		return -1;
	}
	/* without a boost left from earlier reclaim: it goes */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %31s %lu", key, &v) != 2)
			continue;
		if (!strcmp(key, "min"))
			min += v;
		else if (!strcmp(key, "low"))
			low += v;
		else if (!strcmp(key, "boost"))
			boost += v;
	}
	fclose(f);
	if (low <= boost) {
		ksft_print_msg("/proc/zoneinfo: no low watermark above the boost\n");
		return -1;
	}
	*min_mib = (min - boost) * page_size() / MiB;
	*low_mib = (low - boost) * page_size() / MiB;
	return 0;
}

static int run_load(const char *what, const struct load *l)
{
	struct fill_job jobs[NR_CHILDREN];
	struct saved_setting wsf = { 0 };
	pid_t pids[NR_CHILDREN];
	int status, ret = KSFT_PASS, i, left;
	bool done[NR_CHILDREN] = { false };
	unsigned int tick = 0;
	uint64_t free_kb = 0;
	unsigned int leave_mib = LEAVE_MIB, min_mib, low_mib;
	struct hog hog = { 0 };

	if (setting_set(&wsf, WSF, WSF_VALUE))
		return KSFT_FAIL;
	if (l->cg_max_mib) {
		if (watermarks_mib(&min_mib, &low_mib)) {
			setting_restore(&wsf);
			return KSFT_FAIL;
		}
		leave_mib = l->cg_max_mib + min_mib + (low_mib - min_mib) / 4;
		ksft_print_msg("%s: watermarks min %u MiB, low %u MiB: %u MiB left\n",
			       what, min_mib, low_mib, leave_mib);
	}
	if (!hog_start(leave_mib, &hog)) {
		setting_restore(&wsf);
		return KSFT_FAIL;
	}
	read_key("/proc/meminfo", "MemFree:", &free_kb);
	ksft_print_msg("%s: %zu MiB locked in %d step%s, %" PRIu64 " MiB free\n",
		       what, hog.total / MiB, hog.n, hog.n == 1 ? "" : "s",
		       free_kb / 1024);
	ksft_print_msg("%s: children fill %d x %zu MiB\n", what, NR_CHILDREN,
		       (l->child_size ? l->child_size : CHILD_MIB * MiB) / MiB);
	for (i = 0; i < NR_CHILDREN; i++) {
		jobs[i] = (struct fill_job){
			.size = l->child_size ? l->child_size : CHILD_MIB * MiB,
			.pattern = l->pattern,
			.seed = opt.seed + i,
			.passes = 2,
		};
		pids[i] = run_child(l->cg, fill_verify_child, &jobs[i]);
		if (pids[i] < 0) {
			ret = KSFT_FAIL;
			done[i] = true;
		}
	}
	for (left = NR_CHILDREN; left; ) {
		left = 0;
		for (i = 0; i < NR_CHILDREN; i++) {
			if (done[i])
				continue;
			if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				done[i] = true;
				if (child_result(what, status) != KSFT_PASS)
					ret = KSFT_FAIL;
			} else {
				left++;
			}
		}
		if (!left)
			break;
		if (l->during && !l->during(l->arg, tick++)) {
			ret = KSFT_FAIL;
			for (i = 0; i < NR_CHILDREN; i++)
				if (!done[i])
					kill(pids[i], SIGKILL);
		}
		usleep(20000);
	}
	hog_stop(&hog);
	setting_restore(&wsf);
	return ret;
}

static int need_kcompressd(void)
{
	if (access(KC_DIR "enabled", F_OK))
		return skip_case("needs a kernel with CONFIG_KCOMPRESSD");
	if (!zswap_enabled()) {
		ksft_print_msg("zswap must be enabled\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * One load with kcompressd @on (threads @threads, queue_depth @depth and
 * batch @batch unless NULL), the counters before and after it.
 */
struct kc_run {
	const char *threads, *depth, *batch;
	struct load load;
	struct kc_stat k0, k1;
	struct vmstat v0, v1;
};

static int kc_load(const char *what, bool on, struct kc_run *r)
{
	struct saved_setting s[4] = { 0 };
	int ret = KSFT_FAIL;

	if ((r->threads && kc_set(&s[0], "threads", r->threads)) ||
	    (r->depth && kc_set(&s[1], "queue_depth", r->depth)) ||
	    (r->batch && kc_set(&s[2], "batch", r->batch)) ||
	    kc_set(&s[3], "enabled", on ? "1" : "0"))
		goto out;
	kc_read(&r->k0);
	vmstat_read(&r->v0);
	ret = run_load(what, &r->load);
	if (!kc_settled(what, &r->k0))
		ret = KSFT_FAIL;
	kc_read(&r->k1);
	vmstat_read(&r->v1);
	kc_print(what, &r->k0, &r->k1);
	swapped_out(what, &r->v0, &r->v1);
out:
	/* enabled first: disabling stores what is still queued */
	setting_restore(&s[3]);
	setting_restore(&s[2]);
	setting_restore(&s[1]);
	setting_restore(&s[0]);
	return ret;
}

/* kcompressd queued and stored pages, and they read back from zswap. */
static bool kc_took(const char *what, const struct kc_run *r)
{
	bool ok = true;

	if (!kc_delta(&r->k0, &r->k1, KC_QUEUED) ||
	    !kc_delta(&r->k0, &r->k1, KC_STORED)) {
		ksft_print_msg("%s: want pages queued and stored by kcompressd\n",
			       what);
		ok = false;
	}
	if (!vm_delta(&r->v0, &r->v1, VM_ZSWPIN)) {
		ksft_print_msg("%s: want pages read back from zswap\n", what);
		ok = false;
	}
	return ok;
}

static int test_knobs(const char *what)
{
	static const struct { const char *knob, *val; } bad[] = {
		{ "enabled", "2" }, { "enabled", "maybe" },
		{ "threads", "0" }, { "threads", "9" }, { "threads", "x" },
		{ "queue_depth", "0" }, { "queue_depth", "1025" },
		{ "batch", "0" }, { "batch", "33" }, { "batch", "-1" },
	};
	static const struct { const char *knob, *val; } good[] = {
		{ "threads", "3" }, { "queue_depth", "1024" }, { "batch", "1" },
		{ "queue_depth", "1" }, { "batch", "32" }, { "threads", "1" },
	};
	char path[PATH_MAX], before[64], after[64];
	struct saved_setting s[3] = { 0 };
	int ret = need_kcompressd(), fd, i;
	ssize_t n;

	if (ret != KSFT_PASS)
		return ret;
	for (i = 0; i < (int)ARRAY_SIZE(bad); i++) {
		snprintf(path, sizeof(path), KC_DIR "%s", bad[i].knob);
		read_str(path, before, sizeof(before));
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			ksft_perror(path);
			return KSFT_FAIL;
		}
		n = write(fd, bad[i].val, strlen(bad[i].val));
		if (n >= 0 || errno != EINVAL) {
			ksft_print_msg("%s: writing '%s' to %s: want EINVAL, got %s\n",
				       what, bad[i].val, bad[i].knob,
				       n >= 0 ? "success" : strerror(errno));
			ret = KSFT_FAIL;
		}
		close(fd);
		read_str(path, after, sizeof(after));
		if (strcmp(before, after)) {
			ksft_print_msg("%s: %s changed from %s to %s on a refused write\n",
				       what, bad[i].knob, before, after);
			ret = KSFT_FAIL;
		}
	}
	kc_set(&s[0], "threads", "1");
	kc_set(&s[1], "queue_depth", "256");
	kc_set(&s[2], "batch", "8");
	for (i = 0; i < (int)ARRAY_SIZE(good); i++) {
		snprintf(path, sizeof(path), KC_DIR "%s", good[i].knob);
		if (write_str(path, good[i].val) ||
		    read_str(path, after, sizeof(after)) ||
		    strcmp(after, good[i].val)) {
			ksft_print_msg("%s: %s=%s did not read back (%s)\n",
				       what, good[i].knob, good[i].val, after);
			ret = KSFT_FAIL;
		}
	}
	for (i = 2; i >= 0; i--)
		setting_restore(&s[i]);
	return ret;
}

static int test_on(const char *what)
{
	struct kc_run r = { .load.pattern = opt.pattern };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	ret = kc_load(what, true, &r);
	if (!kc_took(what, &r))
		ret = KSFT_FAIL;
	return ret;
}

static int test_off(const char *what)
{
	struct kc_run r = { .load.pattern = opt.pattern };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	ret = kc_load(what, false, &r);
	if (kc_delta(&r.k0, &r.k1, KC_QUEUED) ||
	    kc_delta(&r.k0, &r.k1, KC_INLINE)) {
		ksft_print_msg("%s: kcompressd took part while disabled\n",
			       what);
		ret = KSFT_FAIL;
	}
	if (!vm_delta(&r.v0, &r.v1, VM_ZSWPOUT) ||
	    !vm_delta(&r.v0, &r.v1, VM_ZSWPIN)) {
		ksft_print_msg("%s: want pages stored into zswap and read back\n",
			       what);
		ret = KSFT_FAIL;
	}
	return ret;
}

static int test_queue_full(const char *what)
{
	struct kc_run r = { .threads = "1", .depth = "1", .batch = "1",
			    .load.pattern = opt.pattern };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	ret = kc_load(what, true, &r);
	if (!kc_took(what, &r))
		ret = KSFT_FAIL;
	if (!kc_delta(&r.k0, &r.k1, KC_FULL)) {
		ksft_print_msg("%s: want kswapd to find the queue full and store inline\n",
			       what);
		ret = KSFT_FAIL;
	}
	return ret;
}

static int test_refused(const char *what)
{
	struct kc_run r = { .load.pattern = PAT_RANDOM };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	if (!swaps_find(NULL, NULL)) {
		ksft_print_msg("%s: needs a swap device\n", what);
		return KSFT_FAIL;
	}
	ret = kc_load(what, true, &r);
	if (!kc_delta(&r.k0, &r.k1, KC_REFUSED) ||
	    !vm_delta(&r.v0, &r.v1, VM_PSWPOUT) ||
	    !vm_delta(&r.v0, &r.v1, VM_PSWPIN)) {
		ksft_print_msg("%s: want pages refused by zswap, written to the device and read back from it\n",
			       what);
		ret = KSFT_FAIL;
	}
	return ret;
}

static bool toggle(void *arg, unsigned int tick)
{
	static const char * const threads[] = { "1", "4", "2", "8" };
	static const char * const depth[] = { "256", "1", "64", "1024" };
	static const char * const batch[] = { "8", "1", "32", "4" };
	unsigned int *changes = arg;
	int err = 0;

	if (tick % 5)
		return true;
	switch ((tick / 5) % 4) {
	case 0:
		err = write_str(KC_DIR "enabled", (tick / 20) % 2 ? "0" : "1");
		break;
	case 1:
		err = write_str(KC_DIR "threads", threads[(tick / 20) % 4]);
		break;
	case 2:
		err = write_str(KC_DIR "queue_depth", depth[(tick / 20) % 4]);
		break;
	case 3:
		err = write_str(KC_DIR "batch", batch[(tick / 20) % 4]);
		break;
	}
	if (err) {
		ksft_print_msg("%s: write: %s\n", __func__, strerror(-err));
		return false;
	}
	(*changes)++;
	return true;
}

static int test_toggle(const char *what)
{
	unsigned int changes = 0;
	/* all four set, so that all four are put back after */
	struct kc_run r = { .threads = "2", .depth = "256", .batch = "8",
			    .load.pattern = opt.pattern,
			    .load.child_size = LONG_CHILD_MIB * MiB,
			    .load.during = toggle, .load.arg = &changes };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	ret = kc_load(what, true, &r);
	ksft_print_msg("%s: %u knob changes under load\n", what, changes);
	if (!kc_delta(&r.k0, &r.k1, KC_STORED) || changes < 8) {
		ksft_print_msg("%s: want pages stored and at least 8 changes\n",
			       what);
		ret = KSFT_FAIL;
	}
	return ret;
}

static bool hotplug(void *arg, unsigned int tick)
{
	unsigned int *cycles = arg;
	int err;

	if (tick % 10)
		return true;
	err = write_str(CPU1_ONLINE, (tick / 10) % 2 ? "1" : "0");
	if (err) {
		ksft_print_msg("%s: cpu1 online: %s\n", __func__,
			       strerror(-err));
		return false;
	}
	*cycles += (tick / 10) % 2;
	return true;
}

static int test_hotplug(const char *what)
{
	unsigned int cycles = 0;
	struct kc_run r = { .threads = "2", .load.pattern = opt.pattern,
			    .load.child_size = LONG_CHILD_MIB * MiB,
			    .load.during = hotplug, .load.arg = &cycles };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	if (access(CPU1_ONLINE, W_OK)) {
		ksft_print_msg("%s: needs CPU 1 to be hot-pluggable (%s)\n",
			       what, CPU1_ONLINE);
		return KSFT_FAIL;
	}
	ret = kc_load(what, true, &r);
	if (write_str(CPU1_ONLINE, "1"))
		ret = KSFT_FAIL;
	ksft_print_msg("%s: CPU 1 went offline and online %u times\n", what,
		       cycles);
	if (!kc_took(what, &r) || !cycles)
		ret = KSFT_FAIL;
	return ret;
}

/*
 * The memcg case: memory.max and memory.zswap.max of the children's
 * memcg, below what they fill.
 */
#define MEMCG_MAX_MIB		48
#define MEMCG_ZSWAP_MAX_MIB	8

struct memcg_watch {
	const char *cg;
	uint64_t zswap_peak;
};

static bool memcg_watch(void *arg,
			unsigned int tick __attribute__((unused)))
{
	struct memcg_watch *w = arg;
	uint64_t v = 0;

	if (!cg_read(w->cg, "memory.zswap.current", &v) && v > w->zswap_peak)
		w->zswap_peak = v;
	return true;
}

static int test_memcg(const char *what)
{
	struct kc_run r = { .load.pattern = opt.pattern,
			    .load.child_size = LONG_CHILD_MIB * MiB,
			    .load.cg_max_mib = MEMCG_MAX_MIB };
	uint64_t zswpout = 0, zswpwb = 0, max_events = 0, slack;
	struct memcg_watch w = { 0 };
	char cg[PATH_MAX];
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	if (cg_create(cg, sizeof(cg), "kcompressd"))
		return KSFT_FAIL;
	if (cg_write(cg, "memory.max", "%lu", MEMCG_MAX_MIB * MiB) ||
	    cg_write(cg, "memory.zswap.max", "%lu",
		     MEMCG_ZSWAP_MAX_MIB * MiB)) {
		cg_destroy(cg);
		return KSFT_FAIL;
	}
	w.cg = cg;
	r.load.cg = cg;
	r.load.during = memcg_watch;
	r.load.arg = &w;
	ret = kc_load(what, true, &r);
	cg_read_key(cg, "memory.stat", "zswpout", &zswpout);
	cg_read_key(cg, "memory.stat", "zswpwb", &zswpwb);
	cg_read_key(cg, "memory.events", "max", &max_events);
	ksft_print_msg("%s: the children's memcg (max %d MiB, zswap.max %d MiB): zswpout %" PRIu64
		       ", zswpwb %" PRIu64 ", max events %" PRIu64 ", zswap.current peak %" PRIu64
		       " kB\n",
		       what, MEMCG_MAX_MIB, MEMCG_ZSWAP_MAX_MIB, zswpout,
		       zswpwb, max_events, w.zswap_peak / 1024);
	if (!kc_took(what, &r))
		ret = KSFT_FAIL;
	/*
	 * Other stores (kswapd's inline ones, direct reclaim's) may count to
	 * the memcg too: some of kcompressd's must, beyond them.
	 */
	if (zswpout + kc_delta(&r.k0, &r.k1, KC_STORED) <=
	    vm_delta(&r.v0, &r.v1, VM_ZSWPOUT)) {
		ksft_print_msg("%s: want pages kcompressd stored counted to the children's memcg\n",
			       what);
		ret = KSFT_FAIL;
	}
	if (!max_events || !zswpwb) {
		ksft_print_msg("%s: want the memcg's limits reached: its reclaim run (max events) and zswap entries written back (zswpwb)\n",
			       what);
		ret = KSFT_FAIL;
	}
	/*
	 * Each store checks the limit before it charges: concurrent stores
	 * (kswapd's, the threads' batches, direct reclaim's) and the memcg
	 * statistics' flush threshold let it pass by a little.
	 */
	slack = MEMCG_ZSWAP_MAX_MIB * MiB / 4 + 2 * MiB;
	if (w.zswap_peak > MEMCG_ZSWAP_MAX_MIB * MiB + slack) {
		ksft_print_msg("%s: memory.zswap.current reached %" PRIu64
			       " kB, over memory.zswap.max by more than %" PRIu64 " kB\n",
			       what, w.zswap_peak / 1024, slack / 1024);
		ret = KSFT_FAIL;
	}
	if (!cg_swap_uncharged(what, cg))
		ret = KSFT_FAIL;
	cg_destroy(cg);
	return ret;
}

/* The swapoff case: what it swaps off, and what it saw. */
struct swapoff_run {
	const char *dev;
	bool on;		/* @dev is swapped on */
	unsigned int cycles;	/* swapoffs done */
	unsigned int enomem;	/* swapoffs that found no memory */
	uint64_t pending_max;	/* most pages queued as one started */
	uint64_t used_kb_max;	/* most @dev held as one started */
	unsigned int waits;	/* ticks waited for a queue and a used @dev */
	unsigned int on_tick;	/* when @dev was last swapped on */
};

#define SWAPOFF_CYCLES	3
/* what the file must hold for a swapoff: pages to bring back */
#define SWAPOFF_MIN_KB	4096
/* ticks from a swapon to the next swapoff: the file fills meanwhile */
#define SWAPOFF_GAP	25
/* above the priorities swapon gives by default (negative) */
#define SWAPOFF_PRIO	10

static bool swapoff_on(const char *dev)
{
	if (!swapon(dev, SWAP_FLAG_PREFER |
		    ((SWAPOFF_PRIO << SWAP_FLAG_PRIO_SHIFT) &
		     SWAP_FLAG_PRIO_MASK)))
		return true;
	ksft_print_msg("swapoff: swapon(%s): %s\n", dev, strerror(errno));
	return false;
}

static bool swapoff_cycle(void *arg, unsigned int tick)
{
	struct swapoff_run *s = arg;
	uint64_t used_kb;
	struct kc_stat k;
	int64_t pending;

	if (s->cycles >= SWAPOFF_CYCLES)
		return true;
	if (!s->on) {
		s->on = swapoff_on(s->dev);
		s->on_tick = tick;
		return s->on;
	}
	if (tick - s->on_tick < SWAPOFF_GAP)
		return true;
	/*
	 * Queued is read first and counted after the folio is queued, so
	 * stored and refused may run ahead of it: a lower bound, or below 0.
	 */
	kc_read(&k);
	pending = (int64_t)(k.v[KC_QUEUED] - k.v[KC_STORED] -
			    k.v[KC_REFUSED]);
	used_kb = swaps_used_kb(s->dev);
	if (pending <= 0 || used_kb < SWAPOFF_MIN_KB) {
		s->waits++;
		return true;
	}
	if (swapoff(s->dev)) {
		/* no memory to bring it all back: it stays on, as it was */
		if (errno == ENOMEM) {
			s->enomem++;
			return true;
		}
		ksft_print_msg("swapoff: swapoff(%s) with %" PRId64 " pages queued: %s\n",
			       s->dev, pending, strerror(errno));
		return false;
	}
	s->on = false;
	s->cycles++;
	if ((uint64_t)pending > s->pending_max)
		s->pending_max = pending;
	if (used_kb > s->used_kb_max)
		s->used_kb_max = used_kb;
	return true;
}

static int test_swapoff(const char *what)
{
	/* the environment's two swap files: the first takes the pages */
	struct swapoff_run s = { .dev = "/mnt/swapfile" };
	/*
	 * Mixed data: zswap refuses a third of it, which goes to the swap
	 * file (with virtual swap, only what is refused or written back
	 * takes a slot there). 80 MiB each: enough that the file holds
	 * 4 MiB or more while kcompressd's queue holds folios, little
	 * enough that swapoff brings its pages back under the pressure.
	 */
	struct kc_run r = { .load.pattern = PAT_MIXED,
			    .load.child_size = 80 * MiB,
			    .load.during = swapoff_cycle, .load.arg = &s };
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	if (swaps_find(NULL, NULL) < 2 || swaps_find(s.dev, NULL) != 1) {
		ksft_print_msg("%s: needs two swap areas, one of them %s\n",
			       what, s.dev);
		return KSFT_FAIL;
	}
	/* nothing swapped yet: on again at once, above the other */
	if (swapoff(s.dev)) {
		ksft_print_msg("%s: swapoff(%s): %s\n", what, s.dev,
			       strerror(errno));
		return KSFT_FAIL;
	}
	s.on = swapoff_on(s.dev);
	if (!s.on)
		return KSFT_FAIL;
	ret = kc_load(what, true, &r);
	if (!s.on && !swapoff_on(s.dev))
		ret = KSFT_FAIL;
	ksft_print_msg("%s: %s swapped off %u times (%u more found no memory), as it held up to %"
		       PRIu64 " kB and up to %" PRIu64
		       " pages were queued (%u ticks waiting for both)\n",
		       what, s.dev, s.cycles, s.enomem, s.used_kb_max,
		       s.pending_max, s.waits);
	if (!kc_took(what, &r))
		ret = KSFT_FAIL;
	if (!s.cycles) {
		ksft_print_msg("%s: want %s swapped off while it held pages and pages were queued\n",
			       what, s.dev);
		ret = KSFT_FAIL;
	}
	return ret;
}

/*
 * kcompressd's batches of single-page folios through the offload device,
 * with the device's knobs @knobs ("name=value", NULL-ended, at most 6) set
 * for the run; with @faults, the device must have redone units in software
 * after injected failures.
 */
static int batched(const char *what, const char * const *knobs, bool faults)
{
	static const char * const sw[] = {
		"engine_error", "sw_queue_full", "sw_engine_error",
	};
	struct kc_run r = { .batch = "32", .load.pattern = opt.pattern };
	uint64_t v, emu0[3] = { 0 }, emu1[3] = { 0 }, stores0, stores1, refused;
	struct saved_setting knob[6] = { 0 }, thp = { 0 };
	char path[PATH_MAX], name[64], driver[64];
	unsigned int batch;
	const char *eq;
	int i, n;
	int ret = need_kcompressd();

	if (ret != KSFT_PASS)
		return ret;
	batch = zswap_batch(driver, sizeof(driver));
	if (strcmp(driver, "lz4-offload-emu") || batch < 2) {
		ksft_print_msg("%s: needs zswap's compressor to be lz4-offload-emu, taking batches (is %s, %u)\n",
			       what, driver, batch);
		return KSFT_FAIL;
	}
	/* only single-page folios (mTHP sizes are off unless enabled) */
	if (!access(THP_DIR "/enabled", W_OK) &&
	    setting_set(&thp, THP_DIR "/enabled", "never"))
		return KSFT_FAIL;
	for (n = 0; knobs[n] && n < 6; n++) {
		eq = strchr(knobs[n], '=');
		snprintf(name, sizeof(name), "%.*s",
			 eq ? (int)(eq - knobs[n]) : 0, knobs[n]);
		snprintf(path, sizeof(path), EMU_PARAMS "%s", name);
		if (!eq || setting_set(&knob[n], path, eq + 1)) {
			ret = KSFT_FAIL;
			goto restore;
		}
	}
	for (i = 0; i < 3; i++)
		read_key(EMU_STATS, sw[i], &emu0[i]);
	stores0 = zswap_debug("batch_stores");
	ret = kc_load(what, true, &r);
	stores1 = zswap_debug("batch_stores");
	for (i = 0; i < 3; i++) {
		v = 0;
		read_key(EMU_STATS, sw[i], &v);
		emu1[i] = v - emu0[i];
	}
	if (faults) {
		ksft_print_msg("%s: offload device: engine errors +%" PRIu64
			       ", redone in software after queue full +%" PRIu64
			       ", after engine error +%" PRIu64 "\n",
			       what, emu1[0], emu1[1], emu1[2]);
		if (!emu1[0] || !emu1[1] || !emu1[2]) {
			ksft_print_msg("%s: want the injected failures hit and redone in software\n",
				       what);
			ret = KSFT_FAIL;
		}
	}
	if (vm_delta(&r.v0, &r.v1, VM_THP_SWPOUT)) {
		ksft_print_msg("%s: THP swapped out: want single-page folios only\n",
			       what);
		ret = KSFT_FAIL;
	}
	ksft_print_msg("%s: zswap batch_stores +%" PRIu64 " (up to %u pages each)\n",
		       what, stores1 - stores0, batch);
	if (!kc_took(what, &r))
		ret = KSFT_FAIL;
	if (stores1 == stores0) {
		ksft_print_msg("%s: want requests of several folios' pages\n",
			       what);
		ret = KSFT_FAIL;
	}
	/* every folio refused goes to the device: pswpout counts them too */
	refused = kc_delta(&r.k0, &r.k1, KC_REFUSED);
	if (r.load.pattern == PAT_MIXED &&
	    (!refused || vm_delta(&r.v0, &r.v1, VM_PSWPOUT) < refused)) {
		ksft_print_msg("%s: mixed data: want folios of the batches refused by zswap and written to the device\n",
			       what);
		ret = KSFT_FAIL;
	}
restore:
	while (n--)
		setting_restore(&knob[n]);
	setting_restore(&thp);
	return ret;
}

static int test_batched(const char *what)
{
	static const char * const none[] = { NULL };

	return batched(what, none, false);
}

static int test_batched_faults(const char *what)
{
	static const char * const knobs[] = {
		"mode=async_irq", "verify=1", "inject_queue_full=3",
		"inject_engine_error=5", "inject_verify_fail=7", NULL
	};

	return batched(what, knobs, true);
}

static const struct tcase cases[] = {
	{ "knobs",	test_knobs },
	{ "on",		test_on },
	{ "off",	test_off },
	{ "queue_full",	test_queue_full },
	{ "refused",	test_refused },
	{ "toggle",	test_toggle },
	{ "hotplug",	test_hotplug },
	{ "memcg",	test_memcg },
	{ "swapoff",	test_swapoff },
	{ "batched",	test_batched },
	{ "batched_faults", test_batched_faults },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	return cases[i].fn(cases[i].name);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kcompressd [options]\n"
		"kcompressd under global pressure; every byte verified.\n"
		"Cases: knobs on off queue_full refused toggle hotplug memcg\n"
		"       swapoff (swap files /mnt/swapfile and another)\n"
		"       batched batched_faults (zswap compressor lz4-offload-emu)\n"
		COMMON_USAGE
		"  --only NAME       run only case NAME\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "only",	required_argument,	NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "o:", longopts,
				NULL)) != -1) {
		if (c == 'o') {
			opt_only = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (!common_opt(&opt, c, optarg)) {
			usage(stderr);
			return KSFT_FAIL;
		}
	}
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
