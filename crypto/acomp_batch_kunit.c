// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of acomp requests with a unit size: batches of pages that
 * compress well, do not compress, or are zero, through every algorithm in
 * the list that the kernel has, each unit checked against its source and
 * against the same unit (de)compressed alone.
 */

#include <crypto/acompress.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define MAX_UNITS	12
#define BLOCK_ORDER	4	/* 16 pages: a source of MAX_UNITS pages */

static const char * const batch_algs[] = {
	"lz4-scomp", "zstd-scomp", "lz4-offload-emu",
};

struct batch {
	struct kunit *test;
	struct crypto_acomp *tfm;
	struct acomp_req *req;
	struct crypto_wait wait;
	struct page *in;		/* the units' source, one block */
	struct page *out;		/* decompressed units, one block */
	void *comp[MAX_UNITS];		/* compressed units, two pages each */
	int clen[MAX_UNITS];		/* their lengths, or errors */
	struct scatterlist src[MAX_UNITS];
	struct scatterlist dst[MAX_UNITS];
};

static void batch_alg_desc(const char * const *alg, char *desc)
{
	strscpy(desc, *alg, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(batch_alg, batch_algs, batch_alg_desc);

static void batch_exit(struct kunit *test)
{
	struct batch *b = test->priv;
	int i;

	if (!b)
		return;
	for (i = 0; i < MAX_UNITS; i++)
		free_pages((unsigned long)b->comp[i], 1);
	if (b->in)
		__free_pages(b->in, BLOCK_ORDER);
	if (b->out)
		__free_pages(b->out, BLOCK_ORDER);
	if (b->req)
		acomp_request_free(b->req);
	crypto_free_acomp(b->tfm);
}

static int batch_suite_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct batch), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

/*
 * The test's batch, set up for its algorithm; NULL (test skipped) if that
 * is not built in. batch_exit() frees it, whatever the test's outcome.
 */
static struct batch *batch_init(struct kunit *test)
{
	const char *alg = *(const char * const *)test->param_value;
	struct batch *b = test->priv;
	int i;

	b->test = test;
	b->tfm = crypto_alloc_acomp(alg, 0, 0);
	if (IS_ERR(b->tfm)) {
		b->tfm = NULL;
		kunit_skip(test, "%s is not built in", alg);
		return NULL;
	}
	b->req = acomp_request_alloc(b->tfm);
	b->in = alloc_pages(GFP_KERNEL, BLOCK_ORDER);
	b->out = alloc_pages(GFP_KERNEL, BLOCK_ORDER);
	for (i = 0; i < MAX_UNITS; i++)
		b->comp[i] = (void *)__get_free_pages(GFP_KERNEL, 1);
	crypto_init_wait(&b->wait);
	KUNIT_ASSERT_NOT_NULL(test, b->req);
	KUNIT_ASSERT_NOT_NULL(test, b->in);
	KUNIT_ASSERT_NOT_NULL(test, b->out);
	for (i = 0; i < MAX_UNITS; i++)
		KUNIT_ASSERT_NOT_NULL(test, b->comp[i]);
	acomp_request_set_callback(b->req, CRYPTO_TFM_REQ_MAY_SLEEP |
				   CRYPTO_TFM_REQ_MAY_BACKLOG,
				   crypto_req_done, &b->wait);
	return b;
}

enum fill { FILL_TEXT, FILL_RANDOM, FILL_ZERO };

/* Unit @i of the source: text (compresses), random (does not) or zero. */
static void batch_fill(struct batch *b, int i, enum fill fill)
{
	u8 *p = page_address(b->in) + i * PAGE_SIZE;
	int j;

	switch (fill) {
	case FILL_TEXT:
		for (j = 0; j < PAGE_SIZE; j++)
			p[j] = "batched compression of unit "[(j + i) % 28];
		break;
	case FILL_RANDOM:
		get_random_bytes(p, PAGE_SIZE);
		break;
	case FILL_ZERO:
		memset(p, 0, PAGE_SIZE);
		break;
	}
}

/* Compress @nr units of the source, each into a page of room @room. */
static int batch_compress(struct batch *b, int nr, unsigned int room)
{
	int i, err;

	sg_init_table(b->src, 1);
	sg_set_page(b->src, b->in, nr * PAGE_SIZE, 0);
	sg_init_table(b->dst, nr);
	for (i = 0; i < nr; i++)
		sg_set_buf(&b->dst[i], b->comp[i], room);
	acomp_request_set_params(b->req, b->src, b->dst, nr * PAGE_SIZE,
				 nr * room);
	acomp_request_set_unit_size(b->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_compress(b->req), &b->wait);
	for (i = 0; i < nr; i++)
		b->clen[i] = acomp_unit_result(&b->dst[i]);
	return err;
}

/* Decompress @nr units into the out block, a page each. */
static int batch_decompress(struct batch *b, int nr)
{
	int i;

	sg_init_table(b->src, nr);
	sg_init_table(b->dst, nr);
	for (i = 0; i < nr; i++) {
		sg_set_buf(&b->src[i], b->comp[i], b->clen[i]);
		sg_set_page(&b->dst[i], b->out, PAGE_SIZE, i * PAGE_SIZE);
	}
	memset(page_address(b->out), 0xa5, nr * PAGE_SIZE);
	acomp_request_set_params(b->req, b->src, b->dst, 0, nr * PAGE_SIZE);
	acomp_request_set_unit_size(b->req, PAGE_SIZE);
	return crypto_wait_req(crypto_acomp_decompress(b->req), &b->wait);
}

/* Decompress unit @i alone, with a plain request, into the out block. */
static int batch_decompress_one(struct batch *b, int i)
{
	struct scatterlist src, dst;
	int err;

	sg_init_one(&src, b->comp[i], b->clen[i]);
	sg_init_table(&dst, 1);
	sg_set_page(&dst, b->out, PAGE_SIZE, i * PAGE_SIZE);
	memset(page_address(b->out) + i * PAGE_SIZE, 0x5a, PAGE_SIZE);
	acomp_request_set_params(b->req, &src, &dst, b->clen[i], PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_decompress(b->req), &b->wait);
	return err ? err : b->req->dlen;
}

static bool batch_same(struct batch *b, int i)
{
	return !memcmp(page_address(b->in) + i * PAGE_SIZE,
		       page_address(b->out) + i * PAGE_SIZE, PAGE_SIZE);
}

/* Batches of 1..MAX_UNITS units of text and zero: all round trip. */
static void batch_round_trip(struct kunit *test)
{
	struct batch *b = batch_init(test);
	int nr, i;

	if (!b)
		return;
	for (nr = 1; nr <= MAX_UNITS; nr++) {
		for (i = 0; i < nr; i++)
			batch_fill(b, i, i % 3 == 2 ? FILL_ZERO : FILL_TEXT);
		KUNIT_ASSERT_EQ(test, batch_compress(b, nr, PAGE_SIZE), 0);
		for (i = 0; i < nr; i++) {
			KUNIT_EXPECT_GT(test, b->clen[i], 0);
			KUNIT_EXPECT_LT(test, b->clen[i], (int)PAGE_SIZE / 2);
		}
		KUNIT_ASSERT_EQ(test, batch_decompress(b, nr), 0);
		for (i = 0; i < nr; i++) {
			KUNIT_EXPECT_EQ(test, acomp_unit_result(&b->dst[i]),
					(int)PAGE_SIZE);
			KUNIT_EXPECT_TRUE_MSG(test, batch_same(b, i),
					      "batch of %d, unit %d", nr, i);
		}
		/* Each unit is a stream of its own. */
		for (i = 0; i < nr; i++) {
			KUNIT_EXPECT_EQ(test, batch_decompress_one(b, i),
					(int)PAGE_SIZE);
			KUNIT_EXPECT_TRUE(test, batch_same(b, i));
		}
	}
}

/*
 * Random units in a page of room do not fit: they fail on their own and
 * the units around them still round trip; the call says the first error.
 */
static void batch_mixed(struct kunit *test)
{
	struct batch *b = batch_init(test);
	int i, err, first = 0;

	if (!b)
		return;
	for (i = 0; i < MAX_UNITS; i++)
		batch_fill(b, i, i % 4 == 1 ? FILL_RANDOM :
				  i % 4 == 3 ? FILL_ZERO : FILL_TEXT);
	err = batch_compress(b, MAX_UNITS, PAGE_SIZE);
	for (i = 0; i < MAX_UNITS; i++) {
		if (i % 4 == 1) {
			KUNIT_EXPECT_LT(test, b->clen[i], 0);
			if (!first)
				first = b->clen[i];
		} else {
			KUNIT_EXPECT_GT(test, b->clen[i], 0);
		}
	}
	KUNIT_EXPECT_EQ(test, err, first);
	for (i = 0; i < MAX_UNITS; i++) {
		if (i % 4 == 1)
			continue;
		KUNIT_EXPECT_EQ(test, batch_decompress_one(b, i),
				(int)PAGE_SIZE);
		KUNIT_EXPECT_TRUE(test, batch_same(b, i));
	}
}

/*
 * Random units with two pages of room: a software compressor's output
 * (a little over a page) fits and round trips; the offload device writes
 * at most a page per unit, so it says -ENOSPC.
 */
static void batch_incompressible(struct kunit *test)
{
	const char *alg = *(const char * const *)test->param_value;
	bool device = !strcmp(alg, "lz4-offload-emu");
	struct batch *b = batch_init(test);
	int i, err;

	if (!b)
		return;
	for (i = 0; i < 3; i++)
		batch_fill(b, i, FILL_RANDOM);
	err = batch_compress(b, 3, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, err, device ? -ENOSPC : 0);
	for (i = 0; i < 3; i++) {
		if (device) {
			KUNIT_EXPECT_EQ(test, b->clen[i], -ENOSPC);
			continue;
		}
		KUNIT_EXPECT_GT(test, b->clen[i], (int)PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, batch_decompress_one(b, i),
				(int)PAGE_SIZE);
		KUNIT_EXPECT_TRUE(test, batch_same(b, i));
	}
}

/* A corrupt unit fails on decompression; its neighbours do not. */
static void batch_corrupt(struct kunit *test)
{
	struct batch *b = batch_init(test);
	int i, err;

	if (!b)
		return;
	for (i = 0; i < 4; i++)
		batch_fill(b, i, FILL_TEXT);
	KUNIT_ASSERT_EQ(test, batch_compress(b, 4, PAGE_SIZE), 0);
	/* Unit 2 cut short: its stream ends in the middle of a sequence. */
	b->clen[2] /= 2;
	err = batch_decompress(b, 4);
	KUNIT_EXPECT_LT(test, err, 0);
	for (i = 0; i < 4; i++) {
		if (i == 2) {
			KUNIT_EXPECT_LT(test, acomp_unit_result(&b->dst[i]), 0);
			continue;
		}
		KUNIT_EXPECT_EQ(test, acomp_unit_result(&b->dst[i]),
				(int)PAGE_SIZE);
		KUNIT_EXPECT_TRUE(test, batch_same(b, i));
	}
}

/* A destination with too few entries: -EINVAL, in every entry. */
static void batch_malformed(struct kunit *test)
{
	struct batch *b = batch_init(test);
	int i, err;

	if (!b)
		return;
	for (i = 0; i < 4; i++)
		batch_fill(b, i, FILL_TEXT);
	sg_init_table(b->src, 1);
	sg_set_page(b->src, b->in, 4 * PAGE_SIZE, 0);
	sg_init_table(b->dst, 3);
	for (i = 0; i < 3; i++)
		sg_set_buf(&b->dst[i], b->comp[i], PAGE_SIZE);
	acomp_request_set_params(b->req, b->src, b->dst, 4 * PAGE_SIZE,
				 3 * PAGE_SIZE);
	acomp_request_set_unit_size(b->req, PAGE_SIZE);
	err = crypto_wait_req(crypto_acomp_compress(b->req), &b->wait);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, acomp_unit_result(&b->dst[i]), -EINVAL);
}

/* Without a unit size a request is one stream, as before. */
static void batch_plain(struct kunit *test)
{
	struct batch *b = batch_init(test);
	struct scatterlist src, dst;
	int err;

	if (!b)
		return;
	batch_fill(b, 0, FILL_TEXT);
	sg_init_table(&src, 1);
	sg_set_page(&src, b->in, PAGE_SIZE, 0);
	sg_init_one(&dst, b->comp[0], PAGE_SIZE);
	acomp_request_set_params(b->req, &src, &dst, PAGE_SIZE, PAGE_SIZE);
	acomp_request_set_unit_size(b->req, PAGE_SIZE);
	/* set_params clears a unit size left from before. */
	acomp_request_set_params(b->req, &src, &dst, PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, b->req->unit_size, 0U);
	err = crypto_wait_req(crypto_acomp_compress(b->req), &b->wait);
	KUNIT_ASSERT_EQ(test, err, 0);
	b->clen[0] = b->req->dlen;
	KUNIT_EXPECT_GT(test, b->clen[0], 0);
	KUNIT_EXPECT_EQ(test, dst.length, (unsigned int)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, batch_decompress_one(b, 0), (int)PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, batch_same(b, 0));
}

static struct kunit_case acomp_batch_cases[] = {
	KUNIT_CASE_PARAM(batch_round_trip, batch_alg_gen_params),
	KUNIT_CASE_PARAM(batch_mixed, batch_alg_gen_params),
	KUNIT_CASE_PARAM(batch_incompressible, batch_alg_gen_params),
	KUNIT_CASE_PARAM(batch_corrupt, batch_alg_gen_params),
	KUNIT_CASE_PARAM(batch_malformed, batch_alg_gen_params),
	KUNIT_CASE_PARAM(batch_plain, batch_alg_gen_params),
	{}
};

static struct kunit_suite acomp_batch_suite = {
	.name = "acomp_batch",
	.init = batch_suite_init,
	.exit = batch_exit,
	.test_cases = acomp_batch_cases,
};

kunit_test_suite(acomp_batch_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of acomp batches");
