// SPDX-License-Identifier: GPL-2.0
/*
 * Large folios through each swap backend: 64 kB mTHP folios are swapped out
 * whole (neither hugepages-64kB/stats/swpout_fallback nor split moves; the
 * per-size swpout or zswpout does) and every byte comes back. The backend
 * counters show where they went.
 *
 *   zswap      compressible folios: zswap stores every page of them
 *              (hugepages-64kB/stats/zswpout); with virtual swap and no
 *              device behind zswap they are split first
 *   zero       zero-filled folios: recorded as zero, stored nowhere (no
 *              per-size counter: none split and swpout_zero moved)
 *   device     zswap off: whole folios written to the swap device
 *   mixed      folios of zero, compressible and random pages with zswap
 *              in front of a device: zswap takes a folio whole or not at
 *              all, so these go to the device whole
 *   scattered  a device whose every cluster is half used, so that no run
 *              of 16 free slots is left: with virtual swap the folios
 *              still go out whole, each written to 16 separate device
 *              slots (vswap_scattered); without it they are split
 *   file       a swap file (16 MiB of folios, across its extents): slots
 *              are taken a page at a time and written a run of disk
 *              sectors at a time (vswap_scattered); without virtual
 *              swap the folios are split
 *   mixed_in   folios stored whole in zswap, then some of their pages
 *              written back to the device by the zswap shrinker: read
 *              back a page at a time from both (zswpin and pswpin both
 *              move), every byte intact
 *   mixed_free as mixed_in, but unmapped unread: the device slots among
 *              zswap entries, freed together, give back their memcg swap
 *              charge (memory.swap.current)
 *   swapoff    folios written whole to the disk /dev/vda and left in the
 *              swap cache, a quarter of them mapped again: the disk is
 *              swapped off under them. The cached folios give their data
 *              (pswpin counts only the pages they did not hold), none is
 *              split or dropped (split and nr_anon), every byte comes
 *              back; with virtual swap no device slot is left recorded
 *
 * Batches: where zswap stores folios (zswap, offload*), a compressor that
 * takes batches gets several pages of a folio per request (zswap's
 * batch_stores counts them) and, with virtual swap, a folio read back
 * whole is decompressed the same way (batch_loads); one that does not
 * gets none. The offload cases need zswap's compressor to be the
 * emulated offload device (lz4-offload-emu), whose knobs they set and
 * whose counters say which path each page took:
 *
 *   offload         as zswap, in each of its modes, verification on: the
 *                   engines (de)compress every page, none falls back
 *   offload_faults  as zswap, with queue full, engine errors and failed
 *                   verifications injected: those pages are redone in
 *                   software, every byte still comes back
 *   offload_reject  engine errors reported to zswap (fail_to_caller): it
 *                   refuses the folios, which go to the device whole
 *
 * zswap, mixed, mixed_in and mixed_free need a zswap that stores large
 * folios (6.12's refuses them; the per-size zswpout counter came with
 * that): elsewhere they are skipped. After each case the memory is freed,
 * and virtual swap's slots and zswap's stored pages must be back where
 * they were, but for what folios left in the swap cache hold; no more of
 * this task's pages may be swapped out than before the case.
 *
 * Each case needs the environment it names: zswap enabled or not, a swap
 * device or none (see the check suite).
 *
 * With virtual swap, folios that zswap, the zero state or zram hold are
 * read back whole by the fault that touches them (per-size nr_anon, swpin
 * and zswpin); those on a disk come back a page at a time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <unistd.h>

#include "swap_util.h"

static struct common_opts opt;
static const char *opt_only;

enum mthp_item {
	MTHP_ALLOC, MTHP_SWPOUT, MTHP_ZSWPOUT, MTHP_FALLBACK, MTHP_SPLIT,
	MTHP_SWPIN, MTHP_ZSWPIN, MTHP_NR_ANON, NR_MTHP_ITEMS
};

/*
 * Per-size counters: folios written to a device, stored by zswap, split;
 * read whole from a device, loaded whole from zswap; mapped now.
 */
static const char * const mthp_names[NR_MTHP_ITEMS] = {
	"anon_fault_alloc", "swpout", "zswpout", "swpout_fallback", "split",
	"swpin", "zswpin", "nr_anon",
};

/* The emulated offload device's counters (its debugfs stats). */
enum emu_item {
	EMU_SUBMITTED, EMU_ENGINE_ERROR, EMU_VERIFY_FAIL, EMU_SW_QUEUE_FULL,
	EMU_SW_ENGINE_ERROR, EMU_SW_NOSLEEP, EMU_FAILED_TO_CALLER, NR_EMU_ITEMS
};

static const char * const emu_names[NR_EMU_ITEMS] = {
	"submitted", "engine_error", "verify_fail", "sw_queue_full",
	"sw_engine_error", "sw_nosleep", "failed_to_caller",
};

#define EMU_STATS	"/sys/kernel/debug/acomp_offload_emu/stats"
#define EMU_PARAMS	"/sys/module/acomp_offload_emu/parameters/"

struct counts {
	struct vmstat vm;
	uint64_t mthp[NR_MTHP_ITEMS];
	uint64_t scattered, zswap_rejects;
	uint64_t batch_stores, batch_loads;
	uint64_t emu[NR_EMU_ITEMS];
};

static void counts_read(struct counts *c)
{
	unsigned int i;

	vmstat_read(&c->vm);
	for (i = 0; i < NR_MTHP_ITEMS; i++)
		c->mthp[i] = mthp_stat(MTHP_KB, mthp_names[i]);
	c->scattered = 0;
	read_key("/proc/vmstat", "vswap_scattered", &c->scattered);
	/* what does not compress: lz4 fails, others report -ENOSPC */
	c->zswap_rejects = zswap_debug("reject_compress_fail") +
			   zswap_debug("reject_compress_poor");
	c->batch_stores = zswap_debug("batch_stores");
	c->batch_loads = zswap_debug("batch_loads");
	for (i = 0; i < NR_EMU_ITEMS; i++) {
		c->emu[i] = 0;
		read_key(EMU_STATS, emu_names[i], &c->emu[i]);
	}
}

/* Does zswap store large folios here (per-size zswpout)? */
static int need_zswap_large(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), THP_DIR "/hugepages-%dkB/stats/zswpout",
		 MTHP_KB);
	if (access(path, F_OK))
		return skip_case("zswap stores no large folio in this kernel (no %s)",
				 path);
	return KSFT_PASS;
}

/*
 * Virtual swap's slots in use, zswap's stored pages, swap cache pages,
 * and this task's swapped-out pages (VmSwap): a case's own, which it
 * holds across (scattered's filler); main() locks the rest, its stack and
 * heap, which memory.reclaim of its cgroup would take too.
 */
struct held {
	uint64_t vslots, zswap, cached, own;
};

static void held_read(struct held *h)
{
	h->vslots = 0;
	read_u64("/sys/kernel/mm/vswap/slots_in_use", &h->vslots);
	h->zswap = zswap_debug("stored_pages");
	h->cached = 0;
	read_key("/proc/meminfo", "SwapCached:", &h->cached);
	h->cached = h->cached * 1024 / page_size();
	h->own = 0;
	read_key("/proc/self/status", "VmSwap:", &h->own);
	h->own = h->own * 1024 / page_size();
}

/*
 * After the case has freed its memory, nothing it swapped may stay held,
 * not a virtual slot, not a zswap entry, but by a folio left in the swap
 * cache: one still locked by its read when munmap() passed it stays there
 * until reclaim takes it, as without virtual swap. No more of this task's
 * pages may be swapped out than at the start: the rest are locked
 * (main()). Waits a second for slots freed a little later.
 */
static bool held_released(const char *what, const struct held *start)
{
	uint64_t cached = 0;
	struct held now;
	int i;

	for (i = 0; i < 10; i++) {
		held_read(&now);
		cached = now.cached > start->cached ?
			 now.cached - start->cached : 0;
		if (now.own <= start->own &&
		    now.vslots <= start->vslots + cached &&
		    now.zswap <= start->zswap + cached)
			return true;
		usleep(100000);
	}
	ksft_print_msg("%s: left held: %llu virtual slots (were %llu), %llu zswap pages (were %llu), %llu more pages in the swap cache; %llu pages of this task swapped out (were %llu)\n",
		       what, (unsigned long long)now.vslots,
		       (unsigned long long)start->vslots,
		       (unsigned long long)now.zswap,
		       (unsigned long long)start->zswap,
		       (unsigned long long)cached,
		       (unsigned long long)now.own,
		       (unsigned long long)start->own);
	return false;
}

/* zswap on or off, a device or none, as the case needs. */
static int need(const char *what, int zswap, bool device)
{
	int nr = swaps_find(NULL, NULL);

	if ((zswap >= 0 && zswap_enabled() != zswap) || (nr > 0) != device) {
		ksft_print_msg("%s: needs zswap %s and %s swap device (have zswap %s, %d devices)\n",
			       what, zswap < 0 ? "on or off" :
			       zswap ? "on" : "off", device ? "a" : "no",
			       zswap_enabled() ? "on" : "off", nr);
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/* What the folios must have done, beyond staying whole. */
struct expect {
	enum vmstat_item backend;	/* this counter took the pages */
	bool zswap_rejected;		/* zswap refused every folio */
	bool scattered;			/* written to separate device slots */
	bool read_whole;		/* with virtual swap, read back whole */
	bool split;			/* split first (no device behind zswap) */
	bool offload;			/* the offload device's engines ran */
	const enum emu_item *fallbacks;	/* its counters that must move */
	int nr_fallbacks;		/* (the others of them stay still, */
	unsigned int loose;		/* but these: 1 << emu_item) */
};

static uint64_t delta(const struct counts *a, const struct counts *b,
		      enum vmstat_item i)
{
	return vm_delta(&a->vm, &b->vm, i);
}

/*
 * A fault on a slot that zswap, the zero state or zram holds reads its
 * whole folio when every page of it is there: the folios come back as
 * 64 kB folios (nr_anon), counted by zswap's or the device's per-size
 * counter. Disks read a page at a time through the swap cache.
 */
static bool read_whole(const char *what, const struct counts *before,
		       const struct counts *after, const struct expect *e,
		       long folios)
{
	int64_t mapped = (int64_t)(after->mthp[MTHP_NR_ANON] -
				   before->mthp[MTHP_NR_ANON]);
	uint64_t zin = after->mthp[MTHP_ZSWPIN] - before->mthp[MTHP_ZSWPIN];
	uint64_t din = after->mthp[MTHP_SWPIN] - before->mthp[MTHP_SWPIN];
	uint64_t by = e->backend == VM_ZSWPOUT ? zin :
		      e->backend == VM_PSWPOUT ? din : (uint64_t)mapped;

	ksft_print_msg("%s: %ld folios dropped; read back whole: %lld mapped, %llu from zswap, %llu from a device\n",
		       what, folios, (long long)mapped,
		       (unsigned long long)zin, (unsigned long long)din);
	if (!e->read_whole || !vswap_enabled())
		return true;
	if (mapped < folios * 9 / 10 || (int64_t)by < folios * 9 / 10) {
		ksft_print_msg("%s: want the folios read back whole\n", what);
		return false;
	}
	return true;
}

/*
 * zswap stored @stored pages of whole folios and loaded @loaded of folios
 * read back whole: with a compressor that takes batches of B pages, each
 * folio's pages went in requests of B (batch_stores, batch_loads; loads
 * whole only with virtual swap); with one that does not, no request
 * carried more than a page.
 */
static bool batches(const char *what, const struct counts *before,
		    const struct counts *mid, const struct counts *after,
		    uint64_t stored, uint64_t loaded)
{
	uint64_t stores = mid->batch_stores - before->batch_stores;
	uint64_t loads = after->batch_loads - mid->batch_loads;
	char driver[64];
	unsigned int batch = zswap_batch(driver, sizeof(driver));
	size_t folio_pages = MTHP_KB * 1024 / page_size();
	uint64_t want_stores, want_loads, per_folio, max = 0;

	/* zswap's own limit on a batch */
	read_u64("/sys/module/zswap/parameters/max_batch", &max);
	if (max && max < batch)
		batch = max;
	/*
	 * Requests of more than one page per folio: its pages in batches of
	 * @batch, a last single page going alone.
	 */
	per_folio = folio_pages / batch + (folio_pages % batch > 1);
	want_stores = stored / folio_pages * per_folio;
	want_loads = loaded / folio_pages * per_folio;
	ksft_print_msg("%s: compressor %s, batch %u: %llu batched stores, %llu batched loads\n",
		       what, driver, batch, (unsigned long long)stores,
		       (unsigned long long)loads);
	if (batch == 1 ? stores || loads :
	    stores < want_stores * 9 / 10 || loads < want_loads * 9 / 10) {
		if (batch == 1)
			ksft_print_msg("%s: want no batched request\n", what);
		else
			ksft_print_msg("%s: want at least %llu batched stores and %llu batched loads\n",
				       what, (unsigned long long)want_stores * 9 / 10,
				       (unsigned long long)want_loads * 9 / 10);
		return false;
	}
	return true;
}

/*
 * The offload device took the pages zswap (de)compressed: its engines ran
 * a descriptor for each, or a fallback the case forced ran instead; the
 * fallbacks it did not force stayed still.
 */
static bool offloaded(const char *what, const struct counts *before,
		      const struct counts *after, const struct expect *e,
		      uint64_t pages)
{
	uint64_t d[NR_EMU_ITEMS];
	bool ok = true, want;
	int i, j;

	for (i = 0; i < NR_EMU_ITEMS; i++)
		d[i] = after->emu[i] - before->emu[i];
	ksft_print_msg("%s: offload device: submitted +%llu, engine errors +%llu, verify failures +%llu; in software: queue full +%llu, engine error +%llu, no sleep +%llu; failed to caller +%llu\n",
		       what, (unsigned long long)d[EMU_SUBMITTED],
		       (unsigned long long)d[EMU_ENGINE_ERROR],
		       (unsigned long long)d[EMU_VERIFY_FAIL],
		       (unsigned long long)d[EMU_SW_QUEUE_FULL],
		       (unsigned long long)d[EMU_SW_ENGINE_ERROR],
		       (unsigned long long)d[EMU_SW_NOSLEEP],
		       (unsigned long long)d[EMU_FAILED_TO_CALLER]);
	/* A unit that found the queue full, or may not sleep, ran in software. */
	if (!d[EMU_SUBMITTED] ||
	    d[EMU_SUBMITTED] + d[EMU_SW_QUEUE_FULL] + d[EMU_SW_NOSLEEP] <
	    pages * 9 / 10) {
		ksft_print_msg("%s: want at least %llu pages through the device, most on its engines\n",
			       what, (unsigned long long)pages * 9 / 10);
		ok = false;
	}
	for (i = EMU_ENGINE_ERROR; i < NR_EMU_ITEMS; i++) {
		if (e->loose & (1u << i))
			continue;
		want = false;
		for (j = 0; j < e->nr_fallbacks; j++)
			want |= (int)e->fallbacks[j] == i;
		/* an engine error is what a failed verification is counted as */
		if (i == EMU_ENGINE_ERROR)
			want |= d[EMU_VERIFY_FAIL] > 0;
		if (want != (d[i] > 0)) {
			ksft_print_msg("%s: want %s %s\n", what, emu_names[i],
				       want ? "to move" : "still");
			ok = false;
		}
	}
	return ok;
}

/*
 * Map @size bytes of 64 kB folios filled with @p, page them out and check
 * that they left whole for the backend @e names, then drop them from the
 * swap cache and verify every byte as it faults back in.
 */
static bool large_round_trip(const char *what, size_t size, enum pattern p,
			     const struct expect *e)
{
	size_t folio_pages = MTHP_KB * 1024 / page_size(), folios, pages;
	struct counts before, mid, after, start_counts, stored_counts;
	uint64_t whole, split, stored;
	bool ok = true, want_split;
	struct held start;
	struct swap_scan s;
	long dropped;
	char *buf;

	held_read(&start);
	buf = map_anon(size, MTHP_KB * 1024);
	if (!buf)
		return false;
	counts_read(&before);
	pattern_fill(buf, size, p, opt.seed);
	counts_read(&mid);
	folios = mid.mthp[MTHP_ALLOC] - before.mthp[MTHP_ALLOC];
	ksft_print_msg("%s: %zu MiB in %zu folios of %d kB\n", what,
		       size / MiB, folios, MTHP_KB);
	if (folios < size / (MTHP_KB * 1024) / 2) {
		ksft_print_msg("%s: too few %d kB folios were allocated\n",
			       what, MTHP_KB);
		munmap(buf, size);
		return false;
	}
	counts_read(&before);
	ok &= pageout_enough(what, buf, size);
	counts_read(&mid);
	ok &= !swap_scan(buf, size, &s);
	pages = s.swapped;
	/* Folios a backend took whole, by its per-size counter. */
	whole = 0;
	if (e->backend == VM_PSWPOUT)
		whole = mid.mthp[MTHP_SWPOUT] - before.mthp[MTHP_SWPOUT];
	if (e->backend == VM_ZSWPOUT)
		whole = mid.mthp[MTHP_ZSWPOUT] - before.mthp[MTHP_ZSWPOUT];
	split = mid.mthp[MTHP_FALLBACK] - before.mthp[MTHP_FALLBACK] +
		mid.mthp[MTHP_SPLIT] - before.mthp[MTHP_SPLIT];
	stored = delta(&before, &mid, e->backend);
	swapped_out(what, &before.vm, &mid.vm);
	ksft_print_msg("%s: folios taken whole +%llu, split +%llu; %llu pages by the backend; scattered +%llu, zswap compression rejects +%llu\n",
		       what, (unsigned long long)whole,
		       (unsigned long long)split, (unsigned long long)stored,
		       (unsigned long long)(mid.scattered - before.scattered),
		       (unsigned long long)(mid.zswap_rejects - before.zswap_rejects));
	/* Without virtual swap, no contiguous slots means a split. */
	want_split = e->split || (e->scattered && !vswap_enabled());
	if (want_split ? !split :
	    split || (e->backend != VM_SWPOUT_ZERO &&
		      whole * folio_pages < pages * 9 / 10)) {
		ksft_print_msg("%s: want %s\n", what, want_split ?
			       "the folios split (no contiguous device slots)" :
			       "the folios swapped out whole, none split");
		ok = false;
	}
	if (stored < pages * 9 / 10) {
		ksft_print_msg("%s: want %zu pages through the backend\n",
			       what, pages * 9 / 10);
		ok = false;
	}
	if (e->backend != VM_ZSWPOUT &&
	    delta(&before, &mid, VM_ZSWPOUT) > pages / 10) {
		ksft_print_msg("%s: zswap stored these pages\n", what);
		ok = false;
	}
	if (e->zswap_rejected &&
	    mid.zswap_rejects - before.zswap_rejects < pages / folio_pages / 2) {
		ksft_print_msg("%s: zswap did not try and refuse the folios\n",
			       what);
		ok = false;
	}
	if (e->scattered && vswap_enabled() &&
	    mid.scattered - before.scattered < pages / folio_pages / 2) {
		ksft_print_msg("%s: want the folios written to scattered device slots\n",
			       what);
		ok = false;
	}
	start_counts = before;
	stored_counts = mid;
	dropped = swapcache_drop(what, buf, size);
	counts_read(&mid);
	ok &= verify(what, buf, size, p, opt.seed);
	counts_read(&after);
	ok &= dropped >= 0 && swapped_in(what, &mid.vm, &after.vm, dropped);
	ok &= read_whole(what, &mid, &after, e, dropped / folio_pages);
	if (e->backend == VM_ZSWPOUT)
		ok &= batches(what, &start_counts, &stored_counts, &after,
			      whole * folio_pages,
			      vswap_enabled() && e->read_whole ?
			      (after.mthp[MTHP_ZSWPIN] - mid.mthp[MTHP_ZSWPIN]) *
			      folio_pages : 0);
	/*
	 * The engines saw every page zswap stored and loaded; of a folio
	 * zswap refused, at least its first batch (half of its pages).
	 */
	if (e->offload)
		ok &= offloaded(what, &start_counts, &after, e,
				e->zswap_rejected ? pages / 2 :
				stored + delta(&mid, &after, VM_ZSWPIN));
	munmap(buf, size);
	return held_released(what, &start) && ok;
}

static int large_case(const char *what, int zswap, bool device,
		      enum pattern p, const struct expect *e)
{
	size_t size = opt.size ? opt.size : 16 * MiB;
	struct mthp_settings m;
	int ret;

	ret = need(what, zswap, device);
	if (ret != KSFT_PASS)
		return ret;
	ret = mthp_only(&m);
	if (ret == KSFT_PASS)
		ret = large_round_trip(what, size, p, e) ? KSFT_PASS :
							 KSFT_FAIL;
	mthp_restore(&m);
	return ret;
}

static int test_zswap(const char *what)
{
	bool device = swaps_find(NULL, NULL) > 0;
	/*
	 * With virtual swap and no device, a folio is split first: one page
	 * zswap refused would keep it all in memory, no longer splittable.
	 */
	const struct expect e = { .backend = VM_ZSWPOUT, .read_whole = device,
				  .split = !device };
	int ret = need_zswap_large();

	if (ret != KSFT_PASS)
		return ret;
	return large_case(what, 1, device, PAT_COMPRESSIBLE, &e);
}

static int test_zero(const char *what)
{
	const struct expect e = { .backend = VM_SWPOUT_ZERO,
				  .read_whole = true };

	return large_case(what, -1, swaps_find(NULL, NULL) > 0, PAT_ZERO,
			  &e);
}

static int test_device(const char *what)
{
	/* zram reads synchronously: a fault reads a folio whole */
	const struct expect e = {
		.backend = VM_PSWPOUT,
		.read_whole = swap_on_zram(),
	};

	return large_case(what, 0, true, PAT_COMPRESSIBLE, &e);
}

/* A swap file: slots a page at a time, contiguous on disk by extents. */
static int test_file(const char *what)
{
	const struct expect e = { .backend = VM_PSWPOUT, .scattered = true };

	if (swaps_find("/mnt/swapfile", NULL) <= 0) {
		ksft_print_msg("%s: needs the swap file /mnt/swapfile\n", what);
		return KSFT_FAIL;
	}
	return large_case(what, 0, true, PAT_COMPRESSIBLE, &e);
}

static int test_mixed(const char *what)
{
	const struct expect e = { .backend = VM_PSWPOUT,
				  .zswap_rejected = true };
	int ret = need_zswap_large();

	if (ret != KSFT_PASS)
		return ret;
	return large_case(what, 1, true, PAT_MIXED, &e);
}

/*
 * The offload cases: zswap's compressor must be the emulated device. Each
 * sets the device's knobs named in @knobs ("name=value", NULL-ended) for
 * its run and puts them back after.
 */
static int offload_case(const char *what, const char * const *knobs,
			const struct expect *e)
{
	struct saved_setting saved[8] = { 0 };
	char driver[64], path[PATH_MAX], name[64];
	const char *eq;
	int i, ret;

	ret = need_zswap_large();
	if (ret != KSFT_PASS)
		return ret;
	ret = need(what, 1, true);
	if (ret != KSFT_PASS)
		return ret;
	zswap_batch(driver, sizeof(driver));
	if (strcmp(driver, "lz4-offload-emu")) {
		ksft_print_msg("%s: needs zswap's compressor to be lz4-offload-emu (is %s)\n",
			       what, driver);
		return KSFT_FAIL;
	}
	for (i = 0; knobs[i] && i < 8; i++) {
		eq = strchr(knobs[i], '=');
		if (!eq) {
			ret = KSFT_FAIL;
			goto restore;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - knobs[i]),
			 knobs[i]);
		snprintf(path, sizeof(path), EMU_PARAMS "%s", name);
		if (setting_set(&saved[i], path, eq + 1)) {
			ret = KSFT_FAIL;
			goto restore;
		}
	}
	ret = large_case(what, 1, true, PAT_COMPRESSIBLE, e);
restore:
	while (i--)
		setting_restore(&saved[i]);
	return ret;
}

static int test_offload(const char *what)
{
	static const char * const modes[] = { "sync", "async", "async_irq" };
	const struct expect e = { .backend = VM_ZSWPOUT, .read_whole = true,
				  .offload = true };
	char mode[32], label[64];
	int i, ret = KSFT_PASS;

	for (i = 0; i < 3 && ret == KSFT_PASS; i++) {
		const char * const knobs[] = { mode, "verify=1", NULL };

		snprintf(mode, sizeof(mode), "mode=%s", modes[i]);
		snprintf(label, sizeof(label), "%s (%s)", what, modes[i]);
		ret = offload_case(label, knobs, &e);
	}
	return ret;
}

static int test_offload_faults(const char *what)
{
	static const enum emu_item forced[] = {
		EMU_ENGINE_ERROR, EMU_VERIFY_FAIL, EMU_SW_QUEUE_FULL,
		EMU_SW_ENGINE_ERROR,
	};
	static const char * const knobs[] = {
		"mode=async_irq", "verify=1", "inject_queue_full=3",
		"inject_engine_error=5", "inject_verify_fail=7", NULL
	};
	const struct expect e = { .backend = VM_ZSWPOUT, .read_whole = true,
				  .offload = true, .fallbacks = forced,
				  .nr_fallbacks = ARRAY_SIZE(forced) };

	return offload_case(what, knobs, &e);
}

static int test_offload_reject(const char *what)
{
	static const enum emu_item forced[] = {
		EMU_ENGINE_ERROR, EMU_FAILED_TO_CALLER,
	};
	static const char * const knobs[] = {
		"fail_to_caller=1", "inject_engine_error=4", NULL
	};
	/*
	 * (A decompression of another task's page the injection fails would
	 * be redone in software: not this case's to count.)
	 */
	const struct expect e = { .backend = VM_PSWPOUT,
				  .zswap_rejected = true, .offload = true,
				  .fallbacks = forced,
				  .nr_fallbacks = ARRAY_SIZE(forced),
				  .loose = 1u << EMU_SW_ENGINE_ERROR };

	return offload_case(what, knobs, &e);
}

/*
 * A device left with every other slot in use (swap_scatter()): no 16 free
 * slots in a row remain for a 64 kB folio.
 */
static int test_scattered(const char *what)
{
	const struct expect e = { .backend = VM_PSWPOUT, .scattered = true };
	struct mthp_settings m;
	char *fill;
	size_t len;
	int ret;

	ret = need(what, 0, true);
	if (ret != KSFT_PASS)
		return ret;
	fill = swap_scatter(what, swaps_size_kb(NULL) * 1024, &len,
			    opt.seed + 1);
	if (!fill)
		return KSFT_FAIL;
	ret = mthp_only(&m);
	if (ret == KSFT_PASS)
		ret = large_round_trip(what, 4 * MiB, PAT_COMPRESSIBLE, &e) ?
		      KSFT_PASS : KSFT_FAIL;
	mthp_restore(&m);
	/* The pages left in the device come back intact too. */
	if (!swap_scatter_done(what, fill, len, opt.seed + 1))
		ret = KSFT_FAIL;
	return ret;
}

/*
 * Swap the folios of @buf out whole to zswap, then have the zswap shrinker
 * write some of their pages back to the device, a small reclaim of the
 * task's cgroup @cg at a time (each entry is rotated once before it is
 * written back), until a folio's worth went: the rest stays in zswap.
 * The shrinker writes back batches of entries, whole folios of the
 * oldest; so then the cgroup is held over its zswap limit (memory.zswap.max
 * of a page) while more folios are stored, one at a time, until the pages
 * written back are not a whole number of folios: each store first writes
 * back the oldest entries (shrink_memcg(): one, or the compressor's
 * batch), pages of the next folio of @buf, which is left with pages in
 * both. (The count is the guest's zswpwb: nothing else there writes back
 * meanwhile.)
 * @before is read first; on success @mid after the write-back, *@whole
 * the folios of @buf stored whole, and the shrinker is left off, so that
 * what the case does next does not reclaim again.
 * Return: the pages written back, or -1 on an error.
 */
static long write_back_part(const char *what, const char *cg, char *buf,
			    size_t size, struct counts *before,
			    struct counts *mid, uint64_t *whole)
{
	size_t folio_pages = MTHP_KB * 1024 / page_size();
	size_t folio = MTHP_KB * 1024, more = 2 * folio_pages * folio;
	char path[PATH_MAX + 24], val[32];
	struct saved_setting zswap_max = { 0 };
	uint64_t wb = 0, wb_shrinker;
	char *extra;
	int i, err;

	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	counts_read(before);
	if (!pageout_enough(what, buf, size))
		return -1;
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
	snprintf(val, sizeof(val), "%zu", size / 128);
	for (i = 1; i <= 32; i++) {
		err = write_str(path, val);
		if (err && err != -EAGAIN) {
			ksft_print_msg("write %s to %s: %s\n", val, path,
				       strerror(-err));
			return -1;
		}
		counts_read(mid);
		wb = delta(before, mid, VM_ZSWPWB);
		if (wb >= folio_pages)
			break;
	}
	if (write_str("/sys/module/zswap/parameters/shrinker_enabled", "N"))
		return -1;
	wb_shrinker = wb;
	*whole = mid->mthp[MTHP_ZSWPOUT] - before->mthp[MTHP_ZSWPOUT];
	if (!wb)
		goto out;
	snprintf(path, sizeof(path), "%s/memory.zswap.max", cg);
	snprintf(val, sizeof(val), "%zu", page_size());
	extra = map_anon(more, folio);
	if (!extra || setting_set(&zswap_max, path, val)) {
		if (extra)
			munmap(extra, more);
		return -1;
	}
	pattern_fill(extra, more, PAT_COMPRESSIBLE, opt.seed + 1);
	for (i = 0; i * folio < more && !(wb % folio_pages); i++) {
		if (madvise(extra + i * folio, folio, MADV_PAGEOUT)) {
			ksft_perror("madvise(MADV_PAGEOUT)");
			break;
		}
		counts_read(mid);
		wb = delta(before, mid, VM_ZSWPWB);
	}
	setting_restore(&zswap_max);
	munmap(extra, more);
	counts_read(mid);
	wb = delta(before, mid, VM_ZSWPWB);
out:
	ksft_print_msg("%s: %llu folios stored whole in zswap, %llu pages written back (%llu by the shrinker, %llu as more folios were stored)\n",
		       what, (unsigned long long)*whole, (unsigned long long)wb,
		       (unsigned long long)wb_shrinker,
		       (unsigned long long)(wb - wb_shrinker));
	return wb;
}

/*
 * After mixed_free's munmap(), the memcg's swap charge must be back where
 * it was (@start), within what freed slots waiting in the per-CPU swap
 * slot caches keep charged without virtual swap, and what the swap cache
 * has gained meanwhile (@held): polled for a second, as held_released().
 */
static bool swap_charge_released(const char *what, const char *cg,
				 uint64_t start, const struct held *held)
{
	uint64_t now = 0, slack = 0, cached;
	struct held h;
	int i;

	if (!vswap_enabled())
		slack = SLOTS_CACHED_PAGES * sysconf(_SC_NPROCESSORS_CONF) *
			page_size();
	for (i = 0; i < 10; i++) {
		held_read(&h);
		cached = h.cached > held->cached ?
			 (h.cached - held->cached) * page_size() : 0;
		if (cg_read(cg, "memory.swap.current", &now))
			return false;
		if (now <= start + slack + cached)
			return true;
		usleep(100000);
	}
	ksft_print_msg("%s: memory.swap.current %llu after the free, was %llu; allowed %llu for the slot caches and %llu for the swap cache: device slot charges not given back\n",
		       what, (unsigned long long)now,
		       (unsigned long long)start, (unsigned long long)slack,
		       (unsigned long long)cached);
	return false;
}

/*
 * Folios zswap stored whole, then some of their pages written back to the
 * device, one folio in part (write_back_part()): their backends disagree.
 * The swap cache the write-back left is dropped. mixed_in (@read) then
 * faults them back, a page at a time, from zswap and from the device (the
 * counts of folios read whole are printed; how many stayed whole depends
 * on the shrinker). mixed_free unmaps them unread, so that runs of slots
 * naming zswap entries and device slots, their records naming one memcg,
 * are freed together: the device slots' charges, there before the
 * munmap() (memory.swap.current above its start), must all be given back
 * (swap_charge_released()), with the slots and the zswap entries. Giving
 * back more than they hold takes the memcg's swap counter below zero,
 * which page_counter warns of: a kernel warning fails the run.
 */
static int mixed_written_back(const char *what, bool read)
{
	size_t size = opt.size ? opt.size : 16 * MiB;
	size_t folio_pages = MTHP_KB * 1024 / page_size();
	struct saved_setting shrinker = { 0 };
	uint64_t swap_start = 0, swap_mid = 0;
	struct counts before, mid, after;
	char cg[PATH_MAX];
	struct mthp_settings m;
	struct held start;
	uint64_t whole = 0;
	long dropped = -1, wb;
	bool ok = false;
	int ret;
	char *buf;

	ret = need(what, 1, true);
	if (ret == KSFT_PASS)
		ret = need_zswap_large();
	if (ret != KSFT_PASS)
		return ret;
	if (cg_self(cg, sizeof(cg)) || !strcmp(cg, CGROUP_ROOT)) {
		ksft_print_msg("%s: needs a cgroup of its own\n", what);
		return KSFT_FAIL;
	}
	ret = mthp_only(&m);
	if (ret != KSFT_PASS)
		goto restore;
	ret = KSFT_FAIL;
	if (setting_set(&shrinker,
			"/sys/module/zswap/parameters/shrinker_enabled", "Y") ||
	    cg_read(cg, "memory.swap.current", &swap_start))
		goto restore;
	held_read(&start);
	buf = map_anon(size, MTHP_KB * 1024);
	if (!buf)
		goto restore;
	wb = write_back_part(what, cg, buf, size, &before, &mid, &whole);
	if (wb < 0)
		goto unmap;
	dropped = swapcache_drop(what, buf, size);
	counts_read(&mid);
	if (!read) {
		ok = dropped >= 0 && wb % folio_pages && whole &&
		     !cg_read(cg, "memory.swap.current", &swap_mid) &&
		     swap_mid > swap_start;
		ksft_print_msg("%s: memory.swap.current %llu before the free, %llu at the start\n",
			       what, (unsigned long long)swap_mid,
			       (unsigned long long)swap_start);
		if (!ok)
			ksft_print_msg("%s: want folios stored whole in zswap, some of their pages written back and charged, one folio in part, the swap cache dropped\n",
				       what);
		goto unmap;
	}
	ok = verify(what, buf, size, PAT_COMPRESSIBLE, opt.seed);
	counts_read(&after);
	ok &= dropped >= 0 && swapped_in(what, &mid.vm, &after.vm, dropped);
	read_whole(what, &mid, &after, &(struct expect){ 0 },
		   dropped / folio_pages);
	ksft_print_msg("%s: read back: %llu pages from zswap, %llu from the device\n",
		       what, (unsigned long long)delta(&mid, &after, VM_ZSWPIN),
		       (unsigned long long)delta(&mid, &after, VM_PSWPIN));
	if (!whole || !(wb % folio_pages) || !delta(&mid, &after, VM_PSWPIN) ||
	    !delta(&mid, &after, VM_ZSWPIN)) {
		ksft_print_msg("%s: want folios stored whole in zswap, then some of their pages written back, one folio in part, and pages read from both\n",
			       what);
		ok = false;
	}
unmap:
	munmap(buf, size);
	ok &= held_released(what, &start);
	if (!read && ok)
		ok = swap_charge_released(what, cg, swap_start, &start);
restore:
	setting_restore(&shrinker);
	mthp_restore(&m);
	return ok ? KSFT_PASS : ret == KSFT_SKIP ? ret : KSFT_FAIL;
}

static int test_mixed_in(const char *what)
{
	return mixed_written_back(what, true);
}

static int test_mixed_free(const char *what)
{
	return mixed_written_back(what, false);
}

/*
 * Swap off the disk while the folios just written to it are still in the
 * swap cache: swapoff must take their data from the cached folios, whole,
 * and leave nothing recorded on the disk. (On 6.12 the folios reclaim
 * unmapped are queued for deferred split: a shrinker run before swapoff
 * could split one, and fail the case, though none is expected to run.)
 */
static int test_swapoff(const char *what)
{
	const char *dev = "/dev/vda";
	size_t size = opt.size ? opt.size : 16 * MiB;
	size_t folio_pages = MTHP_KB * 1024 / page_size();
	size_t folios = size / (MTHP_KB * 1024);
	uint64_t whole, used, reads, split, device = 0;
	struct counts before, mid, after;
	int64_t anon_lost;
	struct mthp_settings m;
	struct swap_scan sc;
	struct held start;
	bool ok = true, off;
	int ret, prio = -1;
	char *buf;

	ret = need(what, 0, true);
	if (ret != KSFT_PASS)
		return ret;
	if (swaps_find(dev, &prio) <= 0) {
		ksft_print_msg("%s: needs the swap disk %s\n", what, dev);
		return KSFT_FAIL;
	}
	ret = mthp_only(&m);
	if (ret != KSFT_PASS)
		goto restore;
	held_read(&start);
	buf = map_anon(size, MTHP_KB * 1024);
	if (!buf) {
		ret = KSFT_FAIL;
		goto restore;
	}
	pattern_fill(buf, size, PAT_COMPRESSIBLE, opt.seed);
	counts_read(&before);
	ok &= pageout_enough(what, buf, size);
	counts_read(&mid);
	whole = mid.mthp[MTHP_SWPOUT] - before.mthp[MTHP_SWPOUT];
	/* A quarter mapped again from the swap cache, the rest not. */
	ok &= verify(what, buf, size / 4, PAT_COMPRESSIBLE, opt.seed);
	ok &= !swap_scan(buf, size, &sc);
	used = swaps_used_kb(dev) * 1024 / page_size();
	counts_read(&mid);
	ksft_print_msg("%s: %zu folios of %d kB, %llu written whole; at swapoff %zu of this task's swapped pages in the swap cache, %llu pages on %s\n",
		       what, folios, MTHP_KB, (unsigned long long)whole,
		       sc.cached, (unsigned long long)used, dev);
	if (whole < folios * 9 / 10 || sc.cached < 16 * folio_pages) {
		ksft_print_msg("%s: want the folios written whole and at least 16 left in the swap cache\n",
			       what);
		ok = false;
	}
	off = !swapoff(dev);
	if (!off) {
		ksft_print_msg("%s: swapoff(%s): %s\n", what, dev,
			       strerror(errno));
		ok = false;
	}
	read_u64("/sys/kernel/mm/vswap/device_slots", &device);
	ok &= verify(what, buf, size, PAT_COMPRESSIBLE, opt.seed);
	counts_read(&after);
	split = after.mthp[MTHP_SPLIT] - mid.mthp[MTHP_SPLIT];
	anon_lost = (int64_t)(mid.mthp[MTHP_NR_ANON] - after.mthp[MTHP_NR_ANON]);
	reads = delta(&mid, &after, VM_PSWPIN);
	ksft_print_msg("%s: after swapoff: split +%llu, %d kB folios %lld fewer, pswpin +%llu, device slots recorded %llu\n",
		       what, (unsigned long long)split, MTHP_KB,
		       (long long)anon_lost, (unsigned long long)reads,
		       (unsigned long long)device);
	/* The cached folios are still there, whole: none split or freed. */
	if (split || anon_lost > 1) {
		ksft_print_msg("%s: swapoff split or dropped cached folios\n",
			       what);
		ok = false;
	}
	/*
	 * Only what the swap cache did not hold is read: at most the disk's
	 * pages in use less this task's cached swapped-out ones (the pages
	 * mapped again may be cached too: a looser bound by them).
	 */
	if (reads + sc.cached > used + 16) {
		ksft_print_msg("%s: want the cached folios' data taken, not read again\n",
			       what);
		ok = false;
	}
	if (vswap_enabled() && device) {
		ksft_print_msg("%s: virtual slots still name device slots\n",
			       what);
		ok = false;
	}
	if (off && swapon(dev, prio >= 0 ? SWAP_FLAG_PREFER |
			  ((prio << SWAP_FLAG_PRIO_SHIFT) &
			   SWAP_FLAG_PRIO_MASK) : 0)) {
		ksft_print_msg("%s: swapon(%s) to restore it: %s\n", what, dev,
			       strerror(errno));
		ok = false;
	}
	munmap(buf, size);
	ok &= held_released(what, &start);
	ret = ok ? KSFT_PASS : KSFT_FAIL;
restore:
	mthp_restore(&m);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(const char *what);
} cases[] = {
	{ "zswap",	test_zswap },
	{ "zero",	test_zero },
	{ "device",	test_device },
	{ "mixed",	test_mixed },
	{ "scattered",	test_scattered },
	{ "file",	test_file },
	{ "mixed_in",	test_mixed_in },
	{ "mixed_free",	test_mixed_free },
	{ "swapoff",	test_swapoff },
	{ "offload",	test_offload },
	{ "offload_faults", test_offload_faults },
	{ "offload_reject", test_offload_reject },
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
		"Usage: swap_large [options]\n"
		"Swap 64 kB folios out whole through each backend, verify them.\n"
		"Cases: zswap zero device mixed scattered file mixed_in\n"
		"       mixed_free swapoff\n"
		"       offload offload_faults offload_reject (zswap compressor\n"
		"       lz4-offload-emu)\n"
		COMMON_USAGE
		"                    (default 16; scattered uses 4)\n"
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
		if (common_opt(&opt, c, optarg))
			continue;
		switch (c) {
		case 'o':
			opt_only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/*
	 * This task's own memory stays resident, so that what the cases'
	 * memory.reclaim leaves held is theirs (held_released()); the
	 * buffers the cases map later are not locked.
	 */
	if (mlockall(MCL_CURRENT)) {
		ksft_print_msg("mlockall: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
