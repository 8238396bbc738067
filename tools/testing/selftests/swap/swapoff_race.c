// SPDX-License-Identifier: GPL-2.0
/*
 * swapoff_race: swapoff of a swap area while two threads keep faulting its
 * pages back in.  swapoff and the page faults race to bring the same pages
 * into memory; swapoff must succeed, and the data must be exactly what was
 * written.  The race is proven, not hoped for: the area must hold at least
 * a quarter of the swapped pages when the readers start, the readers must
 * not have read them all back when swapoff starts, every reader must be in
 * a pass while swapoff runs, and every page swapped out must have been read
 * back from a backend (by swapoff or a reader) once.  (With zswap in front, use
 * --pattern mixed: under virtual swap only the incompressible third goes to
 * the device.)  The swap area is turned back on at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>

#include "kselftest.h"
#include "swap_util.h"

#define NR_READERS	2

static struct common_opts opt;
static const char *opt_device;

static char *buf;
static size_t size;

enum { BEFORE_SWAPOFF, IN_SWAPOFF, AFTER_SWAPOFF };
static int phase;		/* __atomic */
static int readers_running;	/* __atomic */

struct reader {
	pthread_t thread;
	uint64_t rng;
	unsigned long passes;
	unsigned long passes_in_swapoff;	/* overlapping it */
	struct mismatch m;
};

/* Verify the whole region from random starting pages until swapoff is done. */
static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	size_t npages = size / page_size(), start;
	int first, last;

	__atomic_add_fetch(&readers_running, 1, __ATOMIC_RELEASE);
	do {
		/* a pass that begins after swapoff returned is the last */
		first = __atomic_load_n(&phase, __ATOMIC_ACQUIRE);
		r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		start = (r->rng >> 33) % npages * page_size();
		pattern_check(buf + start, size - start, opt.pattern, opt.seed,
			      &r->m);
		pattern_check(buf, start, opt.pattern, opt.seed, &r->m);
		last = __atomic_load_n(&phase, __ATOMIC_ACQUIRE);
		r->passes++;
		r->passes_in_swapoff += first <= IN_SWAPOFF &&
					last >= IN_SWAPOFF;
	} while (first != AFTER_SWAPOFF);
	return NULL;
}

static int swapoff_during_read(void)
{
	uint64_t used_kb, used_at_swapoff_kb, read, slack;
	struct reader r[NR_READERS];
	struct swap_scan scan;
	struct vmstat before, mid, at_swapoff, after;
	double start, secs;
	unsigned int i, started;
	int prio = -1, err = 0;
	char what[48];
	bool ok;

	if (!swaps_find(opt_device, &prio)) {
		ksft_print_msg("%s is not an active swap area\n", opt_device);
		return KSFT_FAIL;
	}
	size = opt.size ? opt.size : 64 * MiB;
	buf = map_anon(size, 0);
	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, opt.pattern, opt.seed);
	vmstat_read(&before);
	/* none cached: every page the device holds must be read back */
	if (!pageout_enough("before swapoff", buf, size) ||
	    swapcache_drop("before swapoff", buf, size) < 0 ||
	    swap_scan(buf, size, &scan)) {
		munmap(buf, size);
		return KSFT_FAIL;
	}
	used_kb = swaps_used_kb(opt_device);
	ksft_print_msg("%s holds %llu KiB of the %zu KiB swapped out\n",
		       opt_device, (unsigned long long)used_kb,
		       scan.swapped * page_size() / 1024);
	if (used_kb * 1024 < scan.swapped * page_size() / 4) {
		ksft_print_msg("want at least a quarter of the swapped pages on %s\n",
			       opt_device);
		munmap(buf, size);
		return KSFT_FAIL;
	}
	corrupt_if_requested(buf, size, opt.pattern, opt.seed);

	vmstat_read(&mid);
	memset(r, 0, sizeof(r));
	for (started = 0; started < NR_READERS; started++) {
		r[started].rng = opt.seed + started + 1;
		err = pthread_create(&r[started].thread, NULL, reader_fn,
				     &r[started]);
		if (err) {
			ksft_print_msg("pthread_create: %s\n", strerror(err));
			break;
		}
	}
	ok = !err;
	while (__atomic_load_n(&readers_running, __ATOMIC_ACQUIRE) <
	       (int)started)
		usleep(1000);

	/*
	 * A page read back keeps its slot (Used does not drop): what the
	 * readers have not read yet when swapoff begins is what the pages
	 * swapped out number more than the swap-ins since (less what the
	 * swap slot caches may have counted).
	 */
	slack = 2 * SLOTS_CACHED_PAGES * sysconf(_SC_NPROCESSORS_CONF);
	used_at_swapoff_kb = swaps_used_kb(opt_device);
	vmstat_read(&at_swapoff);
	read = swapins(&mid, &at_swapoff);
	ksft_print_msg("swapoff(%s) with %u readers on %zu MiB, %llu KiB on the device, %llu of the %zu pages read back so far\n",
		       opt_device, started, size / MiB,
		       (unsigned long long)used_at_swapoff_kb,
		       (unsigned long long)read, scan.swapped);
	if (read + slack >= scan.swapped) {
		ksft_print_msg("the readers read (nearly) everything back before swapoff began\n");
		ok = false;
	}
	__atomic_store_n(&phase, IN_SWAPOFF, __ATOMIC_RELEASE);
	start = now_sec();
	err = swapoff(opt_device) ? errno : 0;
	secs = now_sec() - start;
	__atomic_store_n(&phase, AFTER_SWAPOFF, __ATOMIC_RELEASE);
	for (i = 0; i < started; i++)
		pthread_join(r[i].thread, NULL);
	vmstat_read(&after);
	ok &= swapped_out("swapoff_during_read", &before, &mid);
	/* each page swapped out, none cached, came back from a backend */
	ok &= swapped_in("swapoff and readers", &mid, &after,
			 scan.swapped - scan.cached);

	if (err) {
		ksft_print_msg("swapoff(%s) failed: %s%s\n", opt_device,
			       strerror(err), err == ENOMEM ?
			       " (could not bring the swapped pages back)" : "");
		ok = false;
	} else {
		ksft_print_msg("swapoff took %.2f s\n", secs);
	}
	for (i = 0; i < started; i++) {
		ksft_print_msg("reader %u: %lu passes, %lu of them while swapoff ran\n",
			       i, r[i].passes, r[i].passes_in_swapoff);
		snprintf(what, sizeof(what), "reader %u, summed over passes", i);
		report_mismatch(what, &r[i].m);
		ok &= !r[i].m.bad_pages;
		if (!r[i].passes_in_swapoff) {
			ksft_print_msg("reader %u read nothing while swapoff ran\n",
				       i);
			ok = false;
		}
	}
	if (!err) {
		int flags = 0;

		if (prio >= 0)
			flags = SWAP_FLAG_PREFER |
				((prio << SWAP_FLAG_PRIO_SHIFT) &
				 SWAP_FLAG_PRIO_MASK);
		if (swapon(opt_device, flags)) {
			ksft_print_msg("swapon(%s) to restore it: %s\n",
				       opt_device, strerror(errno));
			ok = false;
		}
	}
	munmap(buf, size);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swapoff_race --device PATH [options]\n"
		"swapoff PATH while %d threads read the swapped-out pages back.\n"
		"Case: swapoff_during_read\n"
		"  --device PATH     active swap area to swapoff and swapon again\n"
		COMMON_USAGE
		"                    (default 64)\n", NR_READERS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "device",	required_argument,	NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "d:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			opt_device = optarg;
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
	if (optind < argc || !opt_device) {
		usage(stderr);
		return KSFT_FAIL;
	}

	ksft_print_header();
	ksft_set_plan(1);
	common_opts_print(&opt);
	ksft_test_result_report(swapoff_during_read(), "swapoff_during_read\n");
	ksft_finished();
}
