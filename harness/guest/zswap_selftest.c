// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the upstream cgroup test_zswap, compiled in unchanged, with its own
 * main() replaced by one that gives test_no_kmem_bypass up to three tries.
 * That case waits two seconds for kswapd to push a memcg's pages into
 * zswap, a window sized for real hardware: under TCG it is sometimes too
 * short. Every try that fails is reported; three failures fail the case.
 */
#define main test_zswap_main
#include "test_zswap.c"
#undef main

#define KMEM_BYPASS_TRIES	3

int main(void)
{
	char root[PATH_MAX];
	int i, try, tries, res, ret = EXIT_SUCCESS;

	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (!zswap_configured())
		ksft_exit_skip("zswap isn't configured\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "memory") &&
	    cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_skip("memory controller unavailable\n");

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		tries = tests[i].fn == test_no_kmem_bypass ?
			KMEM_BYPASS_TRIES : 1;
		for (try = 1; try <= tries; try++) {
			res = tests[i].fn(root);
			if (res == KSFT_PASS || res == KSFT_SKIP)
				break;
			ksft_print_msg("%s: try %d of %d failed\n",
				       tests[i].name, try, tries);
		}
		switch (res) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ret = EXIT_FAILURE;
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}
	ksft_finished();
	return ret;
}
