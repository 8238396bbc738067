// SPDX-License-Identifier: GPL-2.0
/*
 * swap_memcg: cgroup v2 swap limits hold, and data stays intact under them.
 *
 * swap_max: memory.swap.max bounds a cgroup's swap usage; a workload that
 * fits in memory.max + memory.swap.max runs and verifies, a larger one is
 * OOM-killed. With virtual swap (/sys/kernel/mm/vswap) memory.swap.max
 * counts device slots only: then, with zswap on and data it compresses,
 * the larger workload must run and verify too, using no device slot.
 * zswap_max: memory.zswap.max bounds a cgroup's compressed pool usage while
 * the overflow goes to the swap device.
 * swap_max_zero: memory.swap.max=0 keeps a cgroup out of all swap, zswap
 * included, with virtual swap as without (systemd's MemorySwapMax=0):
 * MADV_PAGEOUT leaves every page resident, each refusal a swap.max event.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "swap_util.h"

/* zswap checks its limit before each store: allow a few pages over it */
#define ZSWAP_SLACK	(64 * 1024)

static struct common_opts opt;
static size_t opt_limit = 32 * MiB;
static size_t opt_swap_max = 48 * MiB;
static size_t opt_zswap_max = 1 * MiB;
static const char *opt_only;

/* Does zswap take pages without charging memory.swap.*? */
static bool zswap_outside_swap_max(void)
{
	/* random data (all of it, or mixed's third) goes to the device */
	return vswap_enabled() && opt.pattern != PAT_RANDOM &&
	       opt.pattern != PAT_MIXED && zswap_enabled();
}

/* A fresh cgroup with memory.max = --limit and @file = @val. */
static int limited_cgroup(char *cg, size_t len, const char *tag,
			  const char *file, size_t val)
{
	if (cg_create(cg, len, tag))
		return -1;
	if (!cg_write(cg, "memory.max", "%zu", opt_limit) &&
	    !cg_write(cg, file, "%zu", val))
		return 0;
	cg_destroy(cg);
	return -1;
}

/*
 * A child that fits in memory.max + memory.swap.max must run fine. It puts
 * only a quarter of the swap allowance beyond memory.max, and its whole
 * working set fits in memory.swap.max: a page read back from swap keeps its
 * slot (and its charge to memory.swap.current) while it sits in the swap
 * cache, and when it goes out again unchanged, so a workload cycling
 * through swap may come to hold a slot for every page.
 */
static int swap_max_fits(void)
{
	struct fill_job job = {
		opt_limit + opt_swap_max / 4, opt.pattern, opt.seed, 1
	};
	const char *what = "swap_max: fitting child";
	uint64_t peak, sampled = 0;
	struct vmstat before, after;
	char cg[PATH_MAX];
	int ret;

	if (job.size > opt_swap_max) {
		ksft_print_msg("%s: %zu MiB would not fit in memory.swap.max %zu MiB: raise --swap-max\n",
			       what, job.size / MiB, opt_swap_max / MiB);
		return KSFT_FAIL;
	}

	ksft_print_msg("%s: %zu MiB, memory.max %zu MiB, memory.swap.max %zu MiB\n",
		       what, job.size / MiB, opt_limit / MiB,
		       opt_swap_max / MiB);
	if (limited_cgroup(cg, sizeof(cg), "swap_max_fit", "memory.swap.max",
			   opt_swap_max))
		return KSFT_FAIL;
	vmstat_read(&before);
	ret = child_result(what, wait_child(run_child(cg, fill_verify_child,
						      &job),
					    cg, "memory.swap.current",
					    &sampled));
	vmstat_read(&after);
	cg_print_stats(what, cg);
	if (cg_read(cg, "memory.swap.peak", &peak))
		peak = sampled;
	ksft_print_msg("%s: swap peak %llu (sampled %llu), memory.swap.max %zu\n",
		       what, (unsigned long long)peak,
		       (unsigned long long)sampled, opt_swap_max);
	if (peak > opt_swap_max) {
		ksft_print_msg("%s: swap usage exceeded memory.swap.max\n",
			       what);
		ret = KSFT_FAIL;
	}
	if (zswap_outside_swap_max() && peak) {
		ksft_print_msg("%s: virtual swap: zswap pages were charged to memory.swap\n",
			       what);
		ret = KSFT_FAIL;
	} else if (!zswap_outside_swap_max() && !peak) {
		ksft_print_msg("%s: the cgroup never used swap\n", what);
		ret = KSFT_FAIL;
	}
	if (!swapped_out(what, &before, &after) ||
	    !swapped_in(what, &before, &after,
			memcg_overflow_pages(job.size, opt_limit)) ||
	    !cg_swap_uncharged(what, cg))
		ret = KSFT_FAIL;
	cg_destroy(cg);
	return ret;
}

/*
 * A child needing more than memory.max + memory.swap.max must be killed;
 * unless zswap takes its pages outside memory.swap.max (virtual swap): then
 * it must run, and take no device slot.
 */
static int swap_max_oversized(void)
{
	struct fill_job job = {
		opt_limit + 2 * opt_swap_max, opt.pattern, opt.seed, 1
	};
	const char *what = "swap_max: oversized child";
	bool runs = zswap_outside_swap_max();
	uint64_t ooms = 0, peak = 0;
	struct vmstat before, after;
	char cg[PATH_MAX];
	int status;

	ksft_print_msg("%s: %zu MiB, %s\n", what, job.size / MiB,
		       runs ? "must run in zswap, no device slot" :
		       "must be OOM-killed");
	if (limited_cgroup(cg, sizeof(cg), "swap_max_big", "memory.swap.max",
			   opt_swap_max))
		return KSFT_FAIL;
	vmstat_read(&before);
	status = wait_child(run_child(cg, fill_verify_child, &job),
			    NULL, NULL, NULL);
	vmstat_read(&after);
	cg_read_key(cg, "memory.events", "oom_kill", &ooms);
	cg_read(cg, "memory.swap.peak", &peak);
	cg_print_stats(what, cg);
	if (!cg_swap_uncharged(what, cg))
		status = -1;
	cg_destroy(cg);
	if (runs) {
		if (child_result(what, status) != KSFT_PASS ||
		    !swapped_in(what, &before, &after,
				memcg_overflow_pages(job.size, opt_limit)))
			return KSFT_FAIL;
		if (!peak)
			return KSFT_PASS;
		ksft_print_msg("%s: memory.swap.peak %llu, want 0\n", what,
			       (unsigned long long)peak);
		return KSFT_FAIL;
	}
	if (status != -1 && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL && ooms)
		return KSFT_PASS;
	if (status != -1 && WIFEXITED(status))
		ksft_print_msg("%s: exited with status %d instead\n", what,
			       WEXITSTATUS(status));
	else if (status != -1 && WIFSIGNALED(status))
		ksft_print_msg("%s: killed by signal %d\n", what,
			       WTERMSIG(status));
	ksft_print_msg("%s: want SIGKILL and oom_kill >= 1, oom_kill is %llu\n",
		       what, (unsigned long long)ooms);
	return KSFT_FAIL;
}

static int test_swap_max(void)
{
	int fits = swap_max_fits();
	int big = swap_max_oversized();

	return fits == KSFT_PASS && big == KSFT_PASS ? KSFT_PASS : KSFT_FAIL;
}

static int test_zswap_max(void)
{
	struct fill_job job = {
		opt.size ? opt.size : 64 * MiB, PAT_COMPRESSIBLE, opt.seed, 2
	};
	const char *what = "zswap_max";
	struct vmstat before, after;
	uint64_t zswap_peak = 0;
	char cg[PATH_MAX];
	int ret;

	if (!zswap_enabled())
		return skip_case("zswap is not enabled");
	if (!swaps_find(NULL, NULL))
		return skip_case("no swap device in /proc/swaps");
	ksft_print_msg("%s: %zu MiB, memory.max %zu MiB, memory.zswap.max %zu KiB\n",
		       what, job.size / MiB, opt_limit / MiB,
		       opt_zswap_max / 1024);
	if (limited_cgroup(cg, sizeof(cg), what, "memory.zswap.max",
			   opt_zswap_max))
		return KSFT_FAIL;
	vmstat_read(&before);
	ret = child_result(what, wait_child(run_child(cg, fill_verify_child,
						      &job),
					    cg, "memory.zswap.current",
					    &zswap_peak));
	vmstat_read(&after);
	cg_print_stats(what, cg);
	if (!cg_swap_uncharged(what, cg))
		ret = KSFT_FAIL;
	cg_destroy(cg);
	if (!swapped_out(what, &before, &after) ||
	    !swapped_in(what, &before, &after,
			memcg_overflow_pages(job.size, opt_limit)))
		ret = KSFT_FAIL;
	ksft_print_msg("%s: memory.zswap.current peaked at %llu (sampled), memory.zswap.max %zu\n",
		       what, (unsigned long long)zswap_peak, opt_zswap_max);
	if (zswap_peak > opt_zswap_max + ZSWAP_SLACK) {
		ksft_print_msg("%s: zswap usage exceeded memory.zswap.max by more than %d bytes\n",
			       what, ZSWAP_SLACK);
		ret = KSFT_FAIL;
	}
	if (!zswap_peak) {
		ksft_print_msg("%s: the cgroup never used zswap\n", what);
		ret = KSFT_FAIL;
	}
	if (after.v[VM_PSWPOUT] == before.v[VM_PSWPOUT]) {
		ksft_print_msg("%s: nothing was written to the swap device\n",
			       what);
		ret = KSFT_FAIL;
	}
	return ret;
}

static int swap_max_zero_child(void *arg)
{
	size_t size = *(size_t *)arg;
	char *buf = map_anon(size, 0);
	bool ok;
	int pct;

	if (!buf)
		return KSFT_FAIL;
	pattern_fill(buf, size, opt.pattern, opt.seed);
	pct = pageout_pct("swap_max_zero: child", buf, size);
	ok = pct == 0;
	if (pct > 0)
		ksft_print_msg("swap_max_zero: child: want no page swapped out\n");
	ok &= verify("swap_max_zero: child", buf, size, opt.pattern,
		     opt.seed);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_swap_max_zero(void)
{
	const char *what = "swap_max_zero";
	size_t size = opt.size ? opt.size : 16 * MiB;
	uint64_t zswap_peak = 0, events = 0;
	struct vmstat before, after;
	char cg[PATH_MAX];
	int ret;

	if (!swaps_find(NULL, NULL) && !(vswap_enabled() && zswap_enabled()))
		return skip_case("nowhere to swap to: no swap area%s",
				 vswap_enabled() ? ", zswap off" : "");
	ksft_print_msg("%s: %zu MiB in a cgroup with memory.swap.max 0\n",
		       what, size / MiB);
	if (cg_create(cg, sizeof(cg), what))
		return KSFT_FAIL;
	ret = KSFT_FAIL;
	if (cg_write(cg, "memory.swap.max", "0"))
		goto out;
	vmstat_read(&before);
	ret = child_result(what, wait_child(run_child(cg, swap_max_zero_child,
						      &size),
					    cg, "memory.zswap.current",
					    &zswap_peak));
	vmstat_read(&after);
	cg_read_key(cg, "memory.swap.events", "max", &events);
	cg_print_stats(what, cg);
	ksft_print_msg("%s: swap.max events %llu, memory.zswap.current peaked at %llu (sampled), zswpout +%llu, pswpout +%llu\n",
		       what, (unsigned long long)events,
		       (unsigned long long)zswap_peak,
		       (unsigned long long)(after.v[VM_ZSWPOUT] - before.v[VM_ZSWPOUT]),
		       (unsigned long long)(after.v[VM_PSWPOUT] - before.v[VM_PSWPOUT]));
	if (swapouts(&before, &after) || zswap_peak) {
		ksft_print_msg("%s: want nothing swapped out, to any backend\n",
			       what);
		ret = KSFT_FAIL;
	}
	/*
	 * A page still in another CPU's LRU batch when MADV_PAGEOUT passed
	 * (at most a batch, 31 pages, per CPU) is not tried: no event.
	 */
	if (events + 31 * sysconf(_SC_NPROCESSORS_ONLN) < size / page_size()) {
		ksft_print_msg("%s: want memory.swap.max to have refused each page tried (a swap.max event each)\n",
			       what);
		ret = KSFT_FAIL;
	}
out:
	cg_destroy(cg);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "swap_max",	test_swap_max },
	{ "zswap_max",	test_zswap_max },
	{ "swap_max_zero", test_swap_max_zero },
};

static const char *case_name(unsigned int i)
{
	return cases[i].name;
}

static int case_fn(unsigned int i)
{
	return cases[i].fn();
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: swap_memcg [options]\n"
		"Check memory.swap.max and memory.zswap.max with verified data.\n"
		"Cases: swap_max zswap_max swap_max_zero\n"
		COMMON_USAGE
		"                    (zswap_max, default 64, always with the\n"
		"                    compressible pattern; swap_max_zero, 16)\n"
		"  --limit MiB       memory.max (32)\n"
		"  --swap-max MiB    memory.swap.max of swap_max (48); its children\n"
		"                    use limit + swap-max/4 and limit + 2 * swap-max\n"
		"  --zswap-max MiB   memory.zswap.max of zswap_max (1)\n"
		"  --only NAME       run only case NAME\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "limit",	required_argument,	NULL, 'l' },
		{ "swap-max",	required_argument,	NULL, 'w' },
		{ "zswap-max",	required_argument,	NULL, 'z' },
		{ "only",	required_argument,	NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	common_opts_init(&opt);
	while ((c = getopt_long(argc, argv, COMMON_SHORTOPTS "l:w:z:o:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt_limit = parse_mib("--limit", optarg);
			break;
		case 'w':
			opt_swap_max = parse_mib("--swap-max", optarg);
			break;
		case 'z':
			opt_zswap_max = parse_mib("--zswap-max", optarg);
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
