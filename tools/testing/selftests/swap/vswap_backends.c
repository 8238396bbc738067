// SPDX-License-Identifier: GPL-2.0
/*
 * Where swapped pages go, with and without virtual swap (CONFIG_VIRTUAL_SWAP,
 * detected by /sys/kernel/mm/vswap). Every case verifies every byte.
 *
 *   no_device        zswap and no swap device: a memcg limited below its
 *                    working set runs to the end (needs virtual swap)
 *   mixed_no_device  zero, compressible and random pages paged out with no
 *                    device: the first two leave memory, the random ones
 *                    stay in it, in the swap cache (needs virtual swap)
 *   zero_pages       zero pages: no zswap object; with virtual swap no
 *                    device slot either, without it one slot per page
 *   zswap_slots      pages zswap holds: with virtual swap no device slot,
 *                    without it one slot per page
 *   metadata         bytes of vswap metadata per swapped page
 *   pool_full        no device and the zswap pool filled: pages no
 *                    backend can take are given no slot and stay mapped
 *                    (vswap_no_room), not unmapped only for zswap to
 *                    refuse them (vswap_reject) (needs virtual swap)
 *   swapin_path      a read fault of a page zswap, the zero state or a
 *                    synchronous device (zram) holds reads it straight
 *                    into the faulting page, and its slot goes with the
 *                    fault (slots_in_use falls by the pages read); a page
 *                    on a disk goes through the swap cache, which keeps
 *                    its slot (needs virtual swap)
 *
 * The device cases expect a swap device behind zswap; the no_device cases
 * expect zswap and none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "swap_util.h"

#define VSWAP_DIR	"/sys/kernel/mm/vswap"
#define ZSWAP_PARAM	"/sys/module/zswap/parameters/"
#define ZSWAP_DEBUG	"/sys/kernel/debug/zswap/"
/* pages that met the pool limit between the check and the store */
#define POOL_RACE_SLACK	16

static struct common_opts opt;
static const char *opt_only;
static bool have_vswap;

/* Pages in use on all swap devices. */
static long device_pages_used(void)
{
	return swaps_used_kb(NULL) * 1024 / page_size();
}

static uint64_t vmstat_key(const char *key)
{
	uint64_t v = 0;

	read_key("/proc/vmstat", key, &v);
	return v;
}

static uint64_t vswap_value(const char *file)
{
	char path[128];
	uint64_t v = 0;

	snprintf(path, sizeof(path), VSWAP_DIR "/%s", file);
	if (read_u64(path, &v))
		ksft_print_msg("cannot read %s\n", path);
	return v;
}

/* The environment a case needs: zswap on, and a device or none. */
static int need(const char *what, bool device, bool vswap)
{
	int nr = swaps_find(NULL, NULL);

	if (vswap && !have_vswap)
		return skip_case("needs a kernel with CONFIG_VIRTUAL_SWAP");
	if (!zswap_enabled() || (nr > 0) != device) {
		ksft_print_msg("%s: needs zswap enabled and %s swap device (have %d)\n",
			       what, device ? "a" : "no", nr);
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * The start of a paging case: check the environment, map @size bytes and
 * fill them with @p. Returns the buffer, or NULL with *@ret set.
 */
static char *case_buffer(const char *what, bool device, bool vswap,
			 size_t size, enum pattern p, int *ret)
{
	char *buf;

	*ret = need(what, device, vswap);
	if (*ret != KSFT_PASS)
		return NULL;
	buf = map_anon(size, 0);
	if (!buf) {
		*ret = KSFT_FAIL;
		return NULL;
	}
	pattern_fill(buf, size, p, opt.seed);
	return buf;
}

static int test_no_device(const char *what)
{
	struct fill_job job = { 64 * MiB, PAT_COMPRESSIBLE, opt.seed, 2 };
	struct vmstat before, after;
	char cg[PATH_MAX];
	int ret;
	pid_t pid;

	ret = need(what, false, true);
	if (ret != KSFT_PASS)
		return ret;
	if (opt.size)
		job.size = opt.size;
	ksft_print_msg("%s: %zu MiB in a memcg with memory.max 32 MiB, no swap device\n",
		       what, job.size / MiB);
	if (cg_create(cg, sizeof(cg), what))
		return KSFT_FAIL;
	ret = KSFT_FAIL;
	if (!cg_write(cg, "memory.max", "%lu", 32 * MiB)) {
		vmstat_read(&before);
		pid = run_child(cg, fill_verify_child, &job);
		ret = child_result(what, wait_child(pid, NULL, NULL, NULL));
		vmstat_read(&after);
		cg_print_stats(what, cg);
		if (after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT] <
		    job.size / page_size() / 4) {
			ksft_print_msg("%s: only %llu pages went to zswap\n",
				       what, (unsigned long long)
				       (after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT]));
			ret = KSFT_FAIL;
		}
		if (after.v[VM_PSWPOUT] != before.v[VM_PSWPOUT]) {
			ksft_print_msg("%s: pswpout moved with no device\n",
				       what);
			ret = KSFT_FAIL;
		}
		if (!swapped_in(what, &before, &after,
				memcg_overflow_pages(job.size, 32 * MiB)))
			ret = KSFT_FAIL;
	}
	cg_destroy(cg);
	return ret;
}

/*
 * The four backend counts of /sys/kernel/mm/vswap add up to slots_in_use
 * (read twice in a quiet guest: a change in between is retried).
 */
static bool backends_add_up(const char *what)
{
	static const char * const files[] = {
		"zero_slots", "zswap_slots", "device_slots", "folio_slots",
	};
	uint64_t sum, total;
	unsigned int i;
	int tries = 0;

	do {
		total = vswap_value("slots_in_use");
		for (sum = 0, i = 0; i < ARRAY_SIZE(files); i++)
			sum += vswap_value(files[i]);
	} while (total != vswap_value("slots_in_use") && ++tries < 10);
	ksft_print_msg("%s: backends hold %llu slots, slots_in_use %llu\n",
		       what, (unsigned long long)sum,
		       (unsigned long long)total);
	if (sum == total)
		return true;
	ksft_print_msg("%s: the backend counts do not add up to slots_in_use\n",
		       what);
	return false;
}

static int test_mixed_no_device(const char *what)
{
	size_t size = opt.size ? opt.size : 48 * MiB, third, in;
	uint64_t rej0 = vmstat_key("vswap_reject"), rej, zero, zs, folios;
	struct vmstat before, after, end;
	struct swap_scan s;
	bool ok = true;
	char *buf;
	int ret;

	buf = case_buffer(what, false, true, size, PAT_MIXED, &ret);
	if (!buf)
		return ret;
	third = size / page_size() / 3;
	vmstat_read(&before);
	madvise(buf, size, MADV_PAGEOUT);
	vmstat_read(&after);
	swapped_out(what, &before, &after);
	rej = vmstat_key("vswap_reject") - rej0;
	zero = after.v[VM_SWPOUT_ZERO] - before.v[VM_SWPOUT_ZERO];
	zs = after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT];
	folios = vswap_value("folio_slots");
	in = swap_scan(buf, size, &s) ? 0 : s.present + s.cached;
	ok &= backends_add_up(what);
	ksft_print_msg("%s: of %zu pages each: %llu zero, %llu to zswap, %llu rejected; %zu in memory, %llu slots only in the swap cache\n",
		       what, third, (unsigned long long)zero,
		       (unsigned long long)zs, (unsigned long long)rej, in,
		       (unsigned long long)folios);
	/* A third of the pages each: zero, compressible, random. */
	if (zero < third / 2 || zs < third / 2 || rej < third / 2 ||
	    in < rej || folios < rej) {
		ksft_print_msg("%s: want zero pages and zswap stores out, random pages in memory\n",
			       what);
		ok = false;
	}
	ok &= verify(what, buf, size, PAT_MIXED, opt.seed);
	/* zero pages and zswap's come back from their backends */
	vmstat_read(&end);
	ok &= swapped_in(what, &after, &end, zero + zs);
	munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* Page out @p; count what went where and the device slots it took. */
static int slots_case(const char *what, enum pattern p)
{
	size_t size = opt.size ? opt.size : 32 * MiB, swapped;
	struct vmstat before, after, end;
	struct swap_scan s;
	long used0, used, dropped;
	bool ok = true;
	uint64_t zs;
	char *buf;
	int ret;

	buf = case_buffer(what, true, false, size, p, &ret);
	if (!buf)
		return ret;
	used0 = device_pages_used();
	vmstat_read(&before);
	madvise(buf, size, MADV_PAGEOUT);
	vmstat_read(&after);
	used = device_pages_used() - used0;
	ok = !swap_scan(buf, size, &s);
	swapped = s.swapped;
	swapped_out(what, &before, &after);
	zs = after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT];
	ksft_print_msg("%s: %zu pages swapped, %ld device slots taken (%s)\n",
		       what, swapped, used,
		       have_vswap ? "virtual swap" : "no virtual swap");
	if (swapped < size / page_size() / 2) {
		ksft_print_msg("%s: too few pages swapped\n", what);
		ok = false;
	}
	if (p == PAT_ZERO && zs) {
		ksft_print_msg("%s: %llu zero pages stored in zswap\n", what,
			       (unsigned long long)zs);
		ok = false;
	}
	if (p != PAT_ZERO && zs < swapped / 2) {
		ksft_print_msg("%s: only %llu pages in zswap\n", what,
			       (unsigned long long)zs);
		ok = false;
	}
	/* Without virtual swap every swapped page holds a device slot. */
	if (have_vswap ? used != 0 : used < (long)swapped) {
		ksft_print_msg("%s: want %s device slots, got %ld\n", what,
			       have_vswap ? "no" : "one per page: >= swapped",
			       used);
		ok = false;
	}
	dropped = swapcache_drop(what, buf, size);
	vmstat_read(&after);
	ok &= verify(what, buf, size, p, opt.seed);
	vmstat_read(&end);
	ok &= dropped >= 0 && swapped_in(what, &after, &end, dropped);
	munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_metadata(const char *what)
{
	size_t size = opt.size ? opt.size : 32 * MiB, swapped;
	uint64_t slots0, bytes0, slots, bytes;
	struct vmstat before, after;
	struct swap_scan s;
	long dropped;
	bool ok = true;
	char *buf;
	int ret;

	buf = case_buffer(what, false, true, size, PAT_COMPRESSIBLE, &ret);
	if (!buf)
		return ret;
	slots0 = vswap_value("slots_in_use");
	bytes0 = vswap_value("metadata_bytes");
	madvise(buf, size, MADV_PAGEOUT);
	ok = !swap_scan(buf, size, &s);
	swapped = s.swapped;
	slots = vswap_value("slots_in_use");
	ok &= backends_add_up(what);
	bytes = vswap_value("metadata_bytes");
	ksft_print_msg("%s: %zu pages swapped; slots in use %llu -> %llu, metadata %llu -> %llu bytes: %.1f bytes per slot in use\n",
		       what, swapped, (unsigned long long)slots0,
		       (unsigned long long)slots, (unsigned long long)bytes0,
		       (unsigned long long)bytes,
		       slots ? (double)bytes / slots : 0.0);
	if (swapped < size / page_size() / 2 || slots < swapped) {
		ksft_print_msg("%s: want at least half paged out, one slot each\n",
			       what);
		ok = false;
	}
	/* 16-byte records; cluster headers and partly used clusters on top. */
	if (!slots || bytes > 20 * slots) {
		ksft_print_msg("%s: more than 20 bytes per slot\n", what);
		ok = false;
	}
	dropped = swapcache_drop(what, buf, size);
	vmstat_read(&before);
	ok &= verify(what, buf, size, PAT_COMPRESSIBLE, opt.seed);
	vmstat_read(&after);
	ok &= dropped >= 0 && swapped_in(what, &before, &after, dropped);
	munmap(buf, size);
	if (ok && vswap_value("slots_in_use") > slots0) {
		ksft_print_msg("%s: slots not freed on munmap: %llu > %llu\n",
			       what, (unsigned long long)vswap_value("slots_in_use"),
			       (unsigned long long)slots0);
		ok = false;
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_pool_full(const char *what)
{
	size_t size = opt.size ? opt.size : 48 * MiB, n = size / page_size();
	uint64_t rej0, fail0, rej, fail, pool = 0, mem_kb = 0, max;
	struct saved_setting pct = { 0 };
	struct vmstat before, after;
	struct swap_scan s;
	char *a, *b = NULL;
	size_t mapped;
	bool ok = false;
	int ret;

	a = case_buffer(what, false, true, size, PAT_COMPRESSIBLE, &ret);
	if (!a)
		return ret;
	/* a pool of 1% of RAM, which A and B more than fill */
	if (setting_set(&pct, ZSWAP_PARAM "max_pool_percent", "1"))
		goto out;
	read_key("/proc/meminfo", "MemTotal:", &mem_kb);
	max = mem_kb * 1024 / 100;
	b = map_anon(size, 0);
	if (!b)
		goto out;
	pattern_fill(b, size, PAT_COMPRESSIBLE, opt.seed + 1);
	rej0 = vmstat_key("vswap_reject");
	fail0 = vmstat_key("vswap_no_room");
	vmstat_read(&before);
	madvise(a, size, MADV_PAGEOUT);
	madvise(b, size, MADV_PAGEOUT);
	vmstat_read(&after);
	rej = vmstat_key("vswap_reject") - rej0;
	fail = vmstat_key("vswap_no_room") - fail0;
	read_u64(ZSWAP_DEBUG "pool_total_size", &pool);
	ok = !swap_scan(a, size, &s);
	mapped = s.present;
	ok &= !swap_scan(b, size, &s);
	mapped += s.present;
	ksft_print_msg("%s: pool %llu of %llu bytes; A and B: %zu pages mapped; vswap_no_room +%llu, vswap_reject +%llu, zswpout +%llu\n",
		       what, (unsigned long long)pool, (unsigned long long)max,
		       mapped, (unsigned long long)fail,
		       (unsigned long long)rej,
		       (unsigned long long)(after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT]));
	if (pool < max * 9 / 10) {
		ksft_print_msg("%s: want the pool filled\n", what);
		ok = false;
	}
	if (rej > POOL_RACE_SLACK) {
		ksft_print_msg("%s: pages were unmapped only for zswap to refuse them\n",
			       what);
		ok = false;
	}
	/* what no backend could take was refused a slot, and stayed */
	if (fail < n / 4 || mapped + POOL_RACE_SLACK < fail) {
		ksft_print_msg("%s: want many pages refused a slot, each staying mapped\n",
			       what);
		ok = false;
	}
	ok &= verify("A", a, size, PAT_COMPRESSIBLE, opt.seed);
	ok &= verify("B", b, size, PAT_COMPRESSIBLE, opt.seed + 1);
out:
	setting_restore(&pct);
	if (b)
		munmap(b, size);
	munmap(a, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* One pattern of swapin_path: want the slots freed by the faults or kept. */
static bool swapin_path_one(const char *what, enum pattern p, bool sync)
{
	size_t size = opt.size ? opt.size : 16 * MiB;
	uint64_t slots0, slots1, folios0, folios1, freed;
	struct vmstat before, after;
	long nr;
	bool ok;
	char *buf;

	buf = map_anon(size, 0);
	if (!buf)
		return false;
	pattern_fill(buf, size, p, opt.seed);
	ok = pageout_enough(what, buf, size);
	nr = swapcache_drop(what, buf, size);
	if (!ok || nr <= 0) {
		munmap(buf, size);
		return false;
	}
	slots0 = vswap_value("slots_in_use");
	folios0 = vswap_value("folio_slots");
	vmstat_read(&before);
	ok = verify(what, buf, size, p, opt.seed);	/* read faults only */
	vmstat_read(&after);
	slots1 = vswap_value("slots_in_use");
	folios1 = vswap_value("folio_slots");
	freed = slots0 > slots1 ? slots0 - slots1 : 0;
	ksft_print_msg("%s: %ld pages read back by read faults: slots_in_use %llu -> %llu, folio_slots %llu -> %llu\n",
		       what, nr, (unsigned long long)slots0,
		       (unsigned long long)slots1, (unsigned long long)folios0,
		       (unsigned long long)folios1);
	ok &= swapped_in(what, &before, &after, nr);
	if (sync && freed < (uint64_t)nr * 9 / 10) {
		ksft_print_msg("%s: want the slots of the %ld pages freed by their faults (no swap cache): %llu were\n",
			       what, nr, (unsigned long long)freed);
		ok = false;
	}
	/* nor did a swap-cache folio, read ahead or not, hold one */
	if (sync && (folios1 > folios0 + nr / 10 ||
		     vm_delta(&before, &after, VM_SWAP_RA) > (uint64_t)nr / 10)) {
		ksft_print_msg("%s: want no swap-cache folio and no readahead: folio_slots +%lld, swap_ra +%llu\n",
			       what, (long long)(folios1 - folios0),
			       (unsigned long long)vm_delta(&before, &after,
							    VM_SWAP_RA));
		ok = false;
	}
	if (!sync && freed > (uint64_t)nr / 10) {
		ksft_print_msg("%s: want the slots of the %ld pages kept by the swap cache: %llu were freed\n",
			       what, nr, (unsigned long long)freed);
		ok = false;
	}
	munmap(buf, size);
	return ok;
}

static int test_swapin_path(const char *what)
{
	bool zswap = zswap_enabled();
	bool zram = swap_on_zram();
	char name[64];
	bool ok;

	if (!have_vswap)
		return skip_case("needs a kernel with CONFIG_VIRTUAL_SWAP");
	if (swaps_find(NULL, NULL) <= 0 && !zswap) {
		ksft_print_msg("%s: needs zswap or a swap device\n", what);
		return KSFT_FAIL;
	}
	if (zswap) {
		snprintf(name, sizeof(name), "%s: zero", what);
		ok = swapin_path_one(name, PAT_ZERO, true);
		snprintf(name, sizeof(name), "%s: zswap", what);
		ok &= swapin_path_one(name, PAT_COMPRESSIBLE, true);
	} else {
		snprintf(name, sizeof(name), "%s: %s", what,
			 zram ? "zram (synchronous)" : "disk (through the swap cache)");
		ok = swapin_path_one(name, PAT_RANDOM, zram);
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_zero_pages(const char *what)
{
	return slots_case(what, PAT_ZERO);
}

static int test_zswap_slots(const char *what)
{
	return slots_case(what, PAT_COMPRESSIBLE);
}

static const struct {
	const char *name;
	int (*fn)(const char *what);
} cases[] = {
	{ "no_device", test_no_device },
	{ "mixed_no_device", test_mixed_no_device },
	{ "zero_pages", test_zero_pages },
	{ "zswap_slots", test_zswap_slots },
	{ "metadata", test_metadata },
	{ "pool_full", test_pool_full },
	{ "swapin_path", test_swapin_path },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	return cases[i].fn(cases[i].name);
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
			printf("Usage: vswap_backends [--only CASE] [options]\n"
			       "Cases: no_device mixed_no_device zero_pages zswap_slots metadata\n"
			       "       pool_full swapin_path\n"
			       COMMON_USAGE);
			return KSFT_PASS;
		} else if (!common_opt(&opt, c, optarg)) {
			return KSFT_FAIL;
		}
	}
	have_vswap = access(VSWAP_DIR, F_OK) == 0;
	run_cases(ARRAY_SIZE(cases), case_name, case_fn, opt_only, &opt);
}
