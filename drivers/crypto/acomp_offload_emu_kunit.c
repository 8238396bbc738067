// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the emulated offload device: each mode, with and without
 * a caller that may sleep, and its failure paths forced by the injection
 * knobs; every unit is decompressed and compared, and the device's
 * counters say which path each unit took. Included from
 * acomp_offload_emu.c, whose knobs and counters it sets and reads.
 */

#include <kunit/test.h>

#define EMU_TEST_UNITS	8

struct emu_test {
	struct crypto_acomp *tfm;
	struct acomp_req *req;
	struct crypto_wait wait;
	struct page *in;
	struct page *out;
	void *comp[EMU_TEST_UNITS];
	int clen[EMU_TEST_UNITS];
	struct scatterlist src[EMU_TEST_UNITS];
	struct scatterlist dst[EMU_TEST_UNITS];
	s64 stat[EMU_NR_STATS];		/* counters at the start */
	/* emu_test_chunks()'s, freed with the rest */
	struct page *big_in, *big_out;
	void *big_comp[EMU_MAX_UNITS + 8];
};

/* The knobs as the test found them, set back after each case. */
static struct {
	int mode;
	bool verify;
	bool fail_to_caller;
	unsigned int engine_error, queue_full, verify_fail;
} emu_test_knobs_saved;

static s64 emu_test_delta(struct emu_test *t, enum emu_stat stat)
{
	return atomic64_read(&emu_stats[stat]) - t->stat[stat];
}

static int emu_test_init(struct kunit *test)
{
	struct emu_test *t;
	int i;

	emu_test_knobs_saved.mode = READ_ONCE(emu_mode);
	emu_test_knobs_saved.verify = READ_ONCE(emu_verify);
	emu_test_knobs_saved.fail_to_caller = READ_ONCE(emu_fail_to_caller);
	emu_test_knobs_saved.engine_error = READ_ONCE(emu_inject_engine_error);
	emu_test_knobs_saved.queue_full = READ_ONCE(emu_inject_queue_full);
	emu_test_knobs_saved.verify_fail = READ_ONCE(emu_inject_verify_fail);
	WRITE_ONCE(emu_mode, EMU_ASYNC);
	WRITE_ONCE(emu_verify, false);
	WRITE_ONCE(emu_fail_to_caller, false);
	WRITE_ONCE(emu_inject_engine_error, 0);
	WRITE_ONCE(emu_inject_queue_full, 0);
	WRITE_ONCE(emu_inject_verify_fail, 0);

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->tfm = crypto_alloc_acomp("lz4-offload-emu", 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->tfm));
	t->req = acomp_request_alloc(t->tfm);
	KUNIT_ASSERT_NOT_NULL(test, t->req);
	t->in = alloc_pages(GFP_KERNEL, 3);
	t->out = alloc_pages(GFP_KERNEL, 3);
	KUNIT_ASSERT_NOT_NULL(test, t->in);
	KUNIT_ASSERT_NOT_NULL(test, t->out);
	for (i = 0; i < EMU_TEST_UNITS; i++) {
		t->comp[i] = (void *)__get_free_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->comp[i]);
	}
	for (i = 0; i < EMU_TEST_UNITS * PAGE_SIZE; i++)
		((u8 *)page_address(t->in))[i] = "offload engine "[(i + i / 4096) % 15];
	crypto_init_wait(&t->wait);
	for (i = 0; i < EMU_NR_STATS; i++)
		t->stat[i] = atomic64_read(&emu_stats[i]);
	return 0;
}

static void emu_test_exit(struct kunit *test)
{
	struct emu_test *t = test->priv;
	int i;

	WRITE_ONCE(emu_mode, emu_test_knobs_saved.mode);
	WRITE_ONCE(emu_verify, emu_test_knobs_saved.verify);
	WRITE_ONCE(emu_fail_to_caller, emu_test_knobs_saved.fail_to_caller);
	WRITE_ONCE(emu_inject_engine_error, emu_test_knobs_saved.engine_error);
	WRITE_ONCE(emu_inject_queue_full, emu_test_knobs_saved.queue_full);
	WRITE_ONCE(emu_inject_verify_fail, emu_test_knobs_saved.verify_fail);
	if (!t)
		return;
	for (i = 0; i < EMU_TEST_UNITS; i++)
		free_page((unsigned long)t->comp[i]);
	for (i = 0; i < ARRAY_SIZE(t->big_comp); i++)
		free_page((unsigned long)t->big_comp[i]);
	if (t->big_in)
		__free_pages(t->big_in, 6);
	if (t->big_out)
		__free_pages(t->big_out, 6);
	if (t->in)
		__free_pages(t->in, 3);
	if (t->out)
		__free_pages(t->out, 3);
	if (t->req)
		acomp_request_free(t->req);
	if (!IS_ERR_OR_NULL(t->tfm))
		crypto_free_acomp(t->tfm);
}

static void emu_test_callback(struct emu_test *t, bool may_sleep)
{
	acomp_request_set_callback(t->req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				   (may_sleep ? CRYPTO_TFM_REQ_MAY_SLEEP : 0),
				   crypto_req_done, &t->wait);
}

/* Compress the units as one batch; returns the call's result. */
static int emu_test_compress(struct emu_test *t)
{
	int i, err;

	sg_init_table(t->src, 1);
	sg_set_page(t->src, t->in, EMU_TEST_UNITS * PAGE_SIZE, 0);
	sg_init_table(t->dst, EMU_TEST_UNITS);
	for (i = 0; i < EMU_TEST_UNITS; i++)
		sg_set_buf(&t->dst[i], t->comp[i], PAGE_SIZE);
	acomp_request_set_params(t->req, t->src, t->dst,
				 EMU_TEST_UNITS * PAGE_SIZE,
				 EMU_TEST_UNITS * PAGE_SIZE);
	acomp_request_set_unit_size(t->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_compress(t->req), &t->wait);
	for (i = 0; i < EMU_TEST_UNITS; i++)
		t->clen[i] = acomp_unit_result(&t->dst[i]);
	return err;
}

/* Decompress the units as one batch and compare each with its source. */
static void emu_test_decompress(struct kunit *test, struct emu_test *t)
{
	int i, err;

	sg_init_table(t->src, EMU_TEST_UNITS);
	sg_init_table(t->dst, EMU_TEST_UNITS);
	for (i = 0; i < EMU_TEST_UNITS; i++) {
		sg_set_buf(&t->src[i], t->comp[i], t->clen[i]);
		sg_set_page(&t->dst[i], t->out, PAGE_SIZE, i * PAGE_SIZE);
	}
	memset(page_address(t->out), 0, EMU_TEST_UNITS * PAGE_SIZE);
	acomp_request_set_params(t->req, t->src, t->dst, 0,
				 EMU_TEST_UNITS * PAGE_SIZE);
	acomp_request_set_unit_size(t->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_decompress(t->req), &t->wait);
	KUNIT_EXPECT_EQ(test, err, 0);
	for (i = 0; i < EMU_TEST_UNITS; i++) {
		KUNIT_EXPECT_EQ(test, acomp_unit_result(&t->dst[i]),
				(int)PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(page_address(t->in) + i * PAGE_SIZE,
						 page_address(t->out) + i * PAGE_SIZE,
						 PAGE_SIZE), 0, "unit %d", i);
	}
}

static void emu_test_round_trip(struct kunit *test, struct emu_test *t)
{
	int i;

	KUNIT_ASSERT_EQ(test, emu_test_compress(t), 0);
	for (i = 0; i < EMU_TEST_UNITS; i++)
		KUNIT_EXPECT_GT(test, t->clen[i], 0);
	emu_test_decompress(test, t);
}

struct emu_test_mode {
	enum emu_mode mode;
	bool may_sleep;
	const char *name;
};

static const struct emu_test_mode emu_test_modes[] = {
	{ EMU_SYNC, true, "sync" },
	{ EMU_ASYNC, true, "async" },
	{ EMU_ASYNC_IRQ, true, "async_irq" },
	{ EMU_SYNC, false, "sync, may not sleep" },
	{ EMU_ASYNC, false, "async, may not sleep" },
	{ EMU_ASYNC_IRQ, false, "async_irq, may not sleep" },
};

static void emu_test_mode_desc(const struct emu_test_mode *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(emu_test_mode, emu_test_modes, emu_test_mode_desc);

/*
 * Each mode round trips a batch on the engines; polling for a caller that
 * may not sleep would wait on engines it keeps from running, so those
 * units run in software on the caller.
 */
static void emu_test_modes_round_trip(struct kunit *test)
{
	const struct emu_test_mode *m = test->param_value;
	struct emu_test *t = test->priv;
	bool engines = m->may_sleep || m->mode == EMU_ASYNC_IRQ;

	WRITE_ONCE(emu_mode, m->mode);
	emu_test_callback(t, m->may_sleep);
	emu_test_round_trip(test, t);
	/* (with short queues, some find them full) */
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SUBMITTED) +
			emu_test_delta(t, EMU_SW_QUEUE_FULL),
			engines ? 2 * EMU_TEST_UNITS : 0);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SW_NOSLEEP),
			engines ? 0 : 2 * EMU_TEST_UNITS);
	if (engines)
		KUNIT_EXPECT_GT(test, emu_test_delta(t, EMU_SUBMITTED), 0);
}

/*
 * The device as an algorithm that takes one unit per request: the API's
 * loop sends the units one at a time, in the callback mode each from the
 * completion of the one before (on an engine).
 */
static void emu_test_generic_loop(struct kunit *test)
{
	struct emu_test *t = test->priv;
	int mode;

	t->tfm->batch_size = 1;
	emu_test_callback(t, true);
	for (mode = EMU_ASYNC; mode <= EMU_ASYNC_IRQ; mode++) {
		WRITE_ONCE(emu_mode, mode);
		emu_test_round_trip(test, t);
	}
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SUBMITTED) +
			emu_test_delta(t, EMU_SW_QUEUE_FULL) +
			emu_test_delta(t, EMU_SW_NOSLEEP),
			4 * EMU_TEST_UNITS);
}

/* More units than a request context holds: run in chunks, from engines. */
static void emu_test_chunks(struct kunit *test)
{
	struct emu_test *t = test->priv;
	const int nr = ARRAY_SIZE(t->big_comp);
	struct scatterlist *src, *dst;
	struct page *in, *out;
	void **comp = t->big_comp;
	int i, err;

	src = kunit_kcalloc(test, nr, sizeof(*src), GFP_KERNEL);
	dst = kunit_kcalloc(test, nr, sizeof(*dst), GFP_KERNEL);
	t->big_in = alloc_pages(GFP_KERNEL, 6);
	t->big_out = alloc_pages(GFP_KERNEL, 6);
	in = t->big_in;
	out = t->big_out;
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < nr; i++) {
		comp[i] = (void *)__get_free_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, comp[i]);
	}
	for (i = 0; i < nr * PAGE_SIZE; i++)
		((u8 *)page_address(in))[i] = "chunks of units "[(i + i / 4096) % 16];

	WRITE_ONCE(emu_mode, EMU_ASYNC_IRQ);
	emu_test_callback(t, true);
	sg_init_table(src, 1);
	sg_set_page(src, in, nr * PAGE_SIZE, 0);
	sg_init_table(dst, nr);
	for (i = 0; i < nr; i++)
		sg_set_buf(&dst[i], comp[i], PAGE_SIZE);
	acomp_request_set_params(t->req, src, dst, nr * PAGE_SIZE,
				 nr * PAGE_SIZE);
	acomp_request_set_unit_size(t->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_compress(t->req), &t->wait);
	KUNIT_ASSERT_EQ(test, err, 0);

	sg_init_table(src, nr);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_GT(test, acomp_unit_result(&dst[i]), 0);
		sg_set_buf(&src[i], comp[i], acomp_unit_result(&dst[i]));
	}
	sg_init_table(dst, nr);
	for (i = 0; i < nr; i++)
		sg_set_page(&dst[i], out, PAGE_SIZE, i * PAGE_SIZE);
	acomp_request_set_params(t->req, src, dst, 0, nr * PAGE_SIZE);
	acomp_request_set_unit_size(t->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_decompress(t->req), &t->wait);
	KUNIT_EXPECT_EQ(test, err, 0);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, acomp_unit_result(&dst[i]), (int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(page_address(in), page_address(out),
				     nr * PAGE_SIZE), 0);
}

/* Every queue found full: every unit runs in software, none is lost. */
static void emu_test_queue_full(struct kunit *test)
{
	struct emu_test *t = test->priv;

	WRITE_ONCE(emu_inject_queue_full, 1);
	emu_test_callback(t, true);
	emu_test_round_trip(test, t);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SUBMITTED), 0);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SW_QUEUE_FULL),
			2 * EMU_TEST_UNITS);
}

/* Every third descriptor fails on its engine: software redoes it. */
static void emu_test_engine_error(struct kunit *test)
{
	struct emu_test *t = test->priv;
	s64 errors;

	WRITE_ONCE(emu_mode, EMU_ASYNC_IRQ);
	WRITE_ONCE(emu_inject_engine_error, 3);
	emu_test_callback(t, true);
	emu_test_round_trip(test, t);
	errors = emu_test_delta(t, EMU_ENGINE_ERROR);
	KUNIT_EXPECT_GE(test, errors, 2 * EMU_TEST_UNITS / 3 - 1);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SW_ENGINE_ERROR), errors);
}

/*
 * With fail_to_caller, a compression the engine fails is the unit's
 * error; a decompression the engine fails is always redone in software.
 */
static void emu_test_fail_to_caller(struct kunit *test)
{
	struct emu_test *t = test->priv;
	int i;

	WRITE_ONCE(emu_fail_to_caller, true);
	WRITE_ONCE(emu_inject_engine_error, 2);
	emu_test_callback(t, true);
	KUNIT_EXPECT_EQ(test, emu_test_compress(t), -EIO);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_FAILED_TO_CALLER),
			EMU_TEST_UNITS / 2);
	WRITE_ONCE(emu_inject_engine_error, 0);
	KUNIT_ASSERT_EQ(test, emu_test_compress(t), 0);
	WRITE_ONCE(emu_inject_engine_error, 1);
	emu_test_decompress(test, t);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SW_ENGINE_ERROR),
			EMU_TEST_UNITS);
	for (i = 0; i < EMU_TEST_UNITS; i++)
		KUNIT_EXPECT_GT(test, t->clen[i], 0);
}

/* Verification on: failures it finds are engine errors, redone. */
static void emu_test_verify(struct kunit *test)
{
	struct emu_test *t = test->priv;

	WRITE_ONCE(emu_verify, true);
	WRITE_ONCE(emu_inject_verify_fail, 2);
	emu_test_callback(t, true);
	emu_test_round_trip(test, t);
	KUNIT_EXPECT_GE(test, emu_test_delta(t, EMU_VERIFY_FAIL),
			EMU_TEST_UNITS / 2 - 1);
	KUNIT_EXPECT_EQ(test, emu_test_delta(t, EMU_SW_ENGINE_ERROR),
			emu_test_delta(t, EMU_VERIFY_FAIL));
}

/* Knob writes out of range are refused and change nothing. */
static void emu_test_knobs(struct kunit *test)
{
	unsigned int v = 7;
	struct kernel_param kp = { .name = "test", .arg = &v };

	KUNIT_EXPECT_EQ(test, emu_set_engines("0", &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, emu_set_engines("65", &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, emu_set_queue_depth("48", &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, emu_set_batch_size("33", &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, emu_set_batch_size("many", &kp), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, 7U);
	KUNIT_EXPECT_EQ(test, emu_set_queue_depth("64", &kp), 0);
	KUNIT_EXPECT_EQ(test, v, 64U);
	KUNIT_EXPECT_EQ(test, emu_set_mode("fast", NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(emu_mode), EMU_ASYNC);
	KUNIT_EXPECT_EQ(test, emu_set_mode("sync\n", NULL), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(emu_mode), EMU_SYNC);
}

static struct kunit_case emu_test_cases[] = {
	KUNIT_CASE_PARAM(emu_test_modes_round_trip, emu_test_mode_gen_params),
	KUNIT_CASE(emu_test_generic_loop),
	KUNIT_CASE(emu_test_chunks),
	KUNIT_CASE(emu_test_queue_full),
	KUNIT_CASE(emu_test_engine_error),
	KUNIT_CASE(emu_test_fail_to_caller),
	KUNIT_CASE(emu_test_verify),
	KUNIT_CASE(emu_test_knobs),
	{}
};

static struct kunit_suite emu_test_suite = {
	.name = "acomp_offload_emu",
	.init = emu_test_init,
	.exit = emu_test_exit,
	.test_cases = emu_test_cases,
};

/*
 * At boot or module load only: no debugfs file runs them again later,
 * when their injected failures would reach the device's users.
 */
kunit_test_init_section_suite(emu_test_suite);
