// SPDX-License-Identifier: GPL-2.0
/*
 * Runs only the swap cases of the upstream cgroup test_memcontrol: the whole
 * program also tests socket accounting, protection and OOM groups, which
 * this guest does not set up. The upstream file is compiled in (with its
 * swap.max case filling pages with data, not zeroes: see patches/), only
 * its main() is replaced by one that picks the tests named *swap*.
 */
#define main test_memcontrol_main
#include "test_memcontrol.c"
#undef main

int main(void)
{
	char root[PATH_MAX];
	int i, n = 0, ret = EXIT_SUCCESS;

	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	if (cg_read_strstr(root, "cgroup.subtree_control", "memory") &&
	    cg_write(root, "cgroup.subtree_control", "+memory"))
		ksft_exit_skip("memory controller unavailable\n");

	for (i = 0; i < ARRAY_SIZE(tests); i++)
		n += !!strstr(tests[i].name, "swap");
	ksft_print_header();
	ksft_set_plan(n);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!strstr(tests[i].name, "swap"))
			continue;
		switch (tests[i].fn(root)) {
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
