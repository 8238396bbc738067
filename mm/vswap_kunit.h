/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for the virtual swap slot table. Included at the end of
 * mm/vswap.c, so that they can check its internal state (cluster count,
 * limit). Nothing else uses the table while they run at boot but the work
 * that makes the spare cluster, which a test's own allocations may queue:
 * the tests that count clusters wait for it before they count.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/sort.h>

/*
 * Freed slots unpin their memcg id: the tests use ids no memcg has, so the
 * unpin finds nothing to drop.
 */
#define VSWAP_TEST_MEMCG(n)	(0xff00 + (n))

static unsigned long vswap_test_event(enum vm_event_item item)
{
	unsigned long ev[NR_VM_EVENT_ITEMS];

	all_vm_events(ev);
	return ev[item];
}

/* A slot's whole life: allocated for a folio, mapped, swapped in, freed. */
static void vswap_test_lifetime(struct kunit *test)
{
	unsigned long base = vswap_slots_in_use(), v;
	unsigned long allocs = vswap_test_event(VSWAP_ALLOC);
	unsigned long frees = vswap_test_event(VSWAP_FREE);

	KUNIT_ASSERT_EQ(test, vswap_alloc(0, VSWAP_TEST_MEMCG(7), &v), 0);
	KUNIT_EXPECT_EQ(test, vswap_test_event(VSWAP_ALLOC), allocs + 1);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base + 1);
	KUNIT_EXPECT_EQ(test, vswap_count(v), 0);
	KUNIT_EXPECT_EQ(test, vswap_memcg_id(v), VSWAP_TEST_MEMCG(7));
	KUNIT_EXPECT_EQ(test, vswap_cache_get(v, 1), -EEXIST);

	/* two PTEs take references, then reclaim drops the folio */
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	vswap_cache_put(v, 1);
	KUNIT_EXPECT_EQ(test, vswap_count(v), 2);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base + 1);

	/* a fault reads it back; both PTEs go; the folio leaves the cache */
	KUNIT_EXPECT_EQ(test, vswap_cache_get(v, 1), 0);
	KUNIT_EXPECT_EQ(test, vswap_cache_get(v, 1), -EEXIST);
	vswap_put(v, 1);
	vswap_put(v, 1);
	KUNIT_EXPECT_EQ(test, vswap_count(v), 0);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base + 1);
	vswap_cache_put(v, 1);

	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
	KUNIT_EXPECT_EQ(test, vswap_test_event(VSWAP_FREE), frees + 1);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), -ENOENT);
	KUNIT_EXPECT_EQ(test, vswap_cache_get(v, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, vswap_memcg_id(v), 0);
}

/* Every folio order gets aligned, disjoint slots. */
static void vswap_test_orders(struct kunit *test)
{
	unsigned long v[VSWAP_CLUSTER_SHIFT + 1], base = vswap_slots_in_use();
	unsigned long total = 0;
	unsigned int o, p;

	for (o = 0; o <= VSWAP_CLUSTER_SHIFT; o++) {
		KUNIT_ASSERT_EQ(test, vswap_alloc(o, VSWAP_TEST_MEMCG(o), &v[o]), 0);
		KUNIT_EXPECT_EQ(test, v[o] & ((1UL << o) - 1), 0);
		KUNIT_EXPECT_EQ(test, vswap_cache_get(v[o], 1U << o), -EEXIST);
		KUNIT_EXPECT_EQ(test, vswap_memcg_id(v[o] + (1UL << o) - 1),
				VSWAP_TEST_MEMCG(o));
		total += 1UL << o;
	}
	for (o = 0; o <= VSWAP_CLUSTER_SHIFT; o++)
		for (p = 0; p < o; p++)
			KUNIT_EXPECT_TRUE(test, v[p] + (1UL << p) <= v[o] ||
					  v[o] + (1UL << o) <= v[p]);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base + total);
	for (o = 0; o <= VSWAP_CLUSTER_SHIFT; o++)
		vswap_cache_put(v[o], 1U << o);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
	KUNIT_EXPECT_EQ(test, vswap_alloc(VSWAP_CLUSTER_SHIFT + 1, 0, &v[0]),
			-EINVAL);
}

static int vswap_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Allocation spills into new clusters; empty clusters are given back. */
static void vswap_test_clusters(struct kunit *test)
{
	unsigned int n = 3 * VSWAP_CLUSTER_SLOTS + 5, i;
	unsigned long base = vswap_slots_in_use();
	unsigned long *v, *sorted;
	int clusters;

	/* with the spare, which the first new cluster has made if missing */
	flush_work(&vswap_spare_work);
	clusters = atomic_read(&vswap_nr_clusters) + !READ_ONCE(vswap_spare);

	v = kunit_kcalloc(test, n, sizeof(*v), GFP_KERNEL);
	sorted = kunit_kcalloc(test, n, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, sorted);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, vswap_alloc(0, VSWAP_TEST_MEMCG(1), &v[i]), 0);
		KUNIT_ASSERT_EQ(test, vswap_dup(v[i]), 0);
		vswap_cache_put(v[i], 1);
	}
	flush_work(&vswap_spare_work);
	KUNIT_EXPECT_GE(test, atomic_read(&vswap_nr_clusters), clusters + 3);
	memcpy(sorted, v, n * sizeof(*v));
	sort(sorted, n, sizeof(*v), vswap_cmp, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_NE(test, sorted[i - 1], sorted[i]);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base + n);

	/* free every other slot first: full clusters become busy, then partial */
	for (i = 0; i < n; i += 2)
		vswap_put(v[i], 1);
	for (i = 1; i < n; i += 2)
		vswap_put(v[i], 1);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, vswap_count(v[i]), 0);
	/* only the clusters CPUs still own for allocation may remain */
	flush_work(&vswap_spare_work);
	KUNIT_EXPECT_LE(test, atomic_read(&vswap_nr_clusters),
			clusters + (int)num_possible_cpus());
}

/* The state of the cluster numbered @id: VC_DEAD if there is none. */
static enum vswap_cluster_state vswap_test_state(unsigned long id)
{
	enum vswap_cluster_state state = VC_DEAD;
	struct vswap_cluster *c;

	rcu_read_lock();
	c = vswap_cluster_get(id);
	if (c) {
		spin_lock(&c->lock);
		state = c->state;
		spin_unlock(&c->lock);
	}
	rcu_read_unlock();
	return state;
}

/*
 * A cluster its CPU gave up is listed by how many of its slots are in use:
 * full on no list, busy down to VSWAP_PARTIAL_USED, then partial (taken
 * first).
 */
static void vswap_test_cluster_states(struct kunit *test)
{
	unsigned int n = 2 * VSWAP_CLUSTER_SLOTS + 1, nr, nfree, i;
	unsigned long base = vswap_slots_in_use(), *v, first = 0, id;

	v = kunit_kcalloc(test, n, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	migrate_disable();	/* all from this CPU's clusters */
	for (nr = 0; nr < n; nr++)
		if (vswap_alloc(0, 0, &v[nr]))
			break;
	migrate_enable();
	KUNIT_EXPECT_EQ(test, nr, n);
	/* one cluster is all ours: the CPU filled it and moved on */
	sort(v, nr, sizeof(*v), vswap_cmp, NULL);
	for (i = 0; i + VSWAP_CLUSTER_SLOTS <= nr && !first; i++)
		if (!(v[i] & (VSWAP_CLUSTER_SLOTS - 1)) &&
		    v[i + VSWAP_CLUSTER_SLOTS - 1] ==
		    v[i] + VSWAP_CLUSTER_SLOTS - 1)
			first = v[i];
	KUNIT_EXPECT_NE(test, first, 0UL);
	nfree = first ? VSWAP_CLUSTER_SLOTS - VSWAP_PARTIAL_USED : 0;
	if (!first)
		goto out;
	id = first >> VSWAP_CLUSTER_SHIFT;
	KUNIT_EXPECT_EQ(test, vswap_test_state(id),
			VC_FULL);
	vswap_cache_put(first, 1);
	KUNIT_EXPECT_EQ(test, vswap_test_state(id),
			VC_BUSY);
	vswap_cache_put(first + 1, nfree - 2);
	KUNIT_EXPECT_EQ(test, vswap_test_state(id),
			VC_BUSY);
	vswap_cache_put(first + nfree - 1, 1);
	KUNIT_EXPECT_EQ(test, vswap_test_state(id),
			VC_PARTIAL);
out:
	for (i = 0; i < nr; i++)
		if (v[i] < first || v[i] >= first + nfree)
			vswap_cache_put(v[i], 1);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
}

/*
 * The backend word follows the data, and is dropped with the slot; the
 * per-backend counts follow the words (nothing else swaps during KUnit).
 */
static void vswap_test_backend(struct kunit *test)
{
	unsigned long base = vswap_slots_in_use(), v;
	unsigned long folios = vswap_backend_slots(VSWAP_FOLIO);
	unsigned long zeros = vswap_backend_slots(VSWAP_ZERO);

	KUNIT_ASSERT_EQ(test, vswap_alloc(0, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, vswap_backend(v), VSWAP_FOLIO);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_FOLIO), folios + 1);
	/* swap-out finds a zero-filled folio */
	KUNIT_EXPECT_EQ(test, vswap_set_backend(v, VSWAP_ZERO), VSWAP_FOLIO);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_FOLIO), folios);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_ZERO), zeros + 1);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	vswap_cache_put(v, 1);
	KUNIT_EXPECT_EQ(test, vswap_backend(v), VSWAP_ZERO);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);		/* fork */
	KUNIT_EXPECT_EQ(test, vswap_backend(v), VSWAP_ZERO);
	/* swap-in fills the folio and the data now lives there */
	KUNIT_EXPECT_EQ(test, vswap_cache_get(v, 1), 0);
	KUNIT_EXPECT_EQ(test, vswap_set_backend(v, VSWAP_FOLIO), VSWAP_ZERO);
	vswap_put(v, 1);
	vswap_put(v, 1);
	vswap_cache_put(v, 1);
	KUNIT_EXPECT_EQ(test, vswap_backend(v), VSWAP_FOLIO);

	/* a slot freed while it still names a backend releases it */
	KUNIT_ASSERT_EQ(test, vswap_alloc(0, 0, &v), 0);
	vswap_set_backend(v, VSWAP_ZERO);
	vswap_cache_put(v, 1);
	KUNIT_EXPECT_EQ(test, vswap_backend(v), VSWAP_FOLIO);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);

	/* a run of slots changes backend, and is freed, at once */
	KUNIT_ASSERT_EQ(test, vswap_alloc(2, 0, &v), 0);
	vswap_set_backends(v, 4, VSWAP_ZERO, 0);
	KUNIT_EXPECT_EQ(test, vswap_backend_run(v, 4, 0), 4);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_ZERO), zeros + 4);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_FOLIO), folios);
	vswap_cache_put(v, 4);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_ZERO), zeros);
	KUNIT_EXPECT_EQ(test, vswap_backend_slots(VSWAP_FOLIO), folios);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
}

/*
 * A run read into one folio is claimed at once, so it must lie in one
 * cluster: vswap_read_whole() refuses a run that crosses into the next,
 * even when both clusters' slots are zero-filled. Whole clusters are
 * allocated until two are numbered one after the other.
 */
static void vswap_test_read_whole(struct kunit *test)
{
	unsigned long base = vswap_slots_in_use(), v[8], lo = 0;
	unsigned int n, i;
	bool found = false;

	for (n = 0; n < ARRAY_SIZE(v) && !found; n++) {
		if (vswap_alloc(VSWAP_CLUSTER_SHIFT, 0, &v[n])) {
			KUNIT_FAIL(test, "no whole cluster to allocate");
			break;
		}
		vswap_set_backends(v[n], VSWAP_CLUSTER_SLOTS, VSWAP_ZERO, 0);
		for (i = 0; i < n && !found; i++) {
			found = v[i] + VSWAP_CLUSTER_SLOTS == v[n] ||
				v[n] + VSWAP_CLUSTER_SLOTS == v[i];
			lo = min(v[i], v[n]);
		}
	}
	KUNIT_EXPECT_TRUE_MSG(test, found,
			      "no two of %u whole clusters numbered in a row", n);
	if (found) {
		swp_entry_t e = swp_entry(VSWAP_TYPE, lo);

		KUNIT_EXPECT_TRUE(test, vswap_read_whole(e, VSWAP_CLUSTER_SLOTS));
		/* as a fault would ask, with pages over 4 KiB */
		KUNIT_EXPECT_FALSE(test, vswap_read_whole(e, 2 * VSWAP_CLUSTER_SLOTS));
		e = swp_entry(VSWAP_TYPE, lo + VSWAP_CLUSTER_SLOTS - 2);
		KUNIT_EXPECT_TRUE(test, vswap_read_whole(e, 2));
		KUNIT_EXPECT_FALSE(test, vswap_read_whole(e, 4));
		e = swp_entry(VSWAP_TYPE, lo + VSWAP_CLUSTER_SLOTS / 2);
		KUNIT_EXPECT_FALSE(test, vswap_read_whole(e, VSWAP_CLUSTER_SLOTS));
	}
	for (i = 0; i < n; i++)
		vswap_cache_put(v[i], VSWAP_CLUSTER_SLOTS);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
}

/*
 * vswap_put() says when only the swap cache holds a slot: the free path
 * then looks for the cached folio, and only then.
 */
static void vswap_test_only_cache(struct kunit *test)
{
	unsigned long base = vswap_slots_in_use(), v;

	KUNIT_ASSERT_EQ(test, vswap_alloc(0, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	KUNIT_EXPECT_FALSE(test, vswap_put(v, 1));
	KUNIT_EXPECT_TRUE(test, vswap_put(v, 1));
	KUNIT_EXPECT_TRUE(test, vswap_cache_only(v, 1));
	KUNIT_EXPECT_EQ(test, vswap_dup(v), 0);
	vswap_cache_put(v, 1);
	KUNIT_EXPECT_FALSE(test, vswap_put(v, 1));
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
}

/* The virtual space stops at its limit and recovers below it. */
static void vswap_test_limit(struct kunit *test)
{
	unsigned int saved = vswap_max_clusters, limit, i, n = 0, max_n;
	unsigned long *v, *existing, id;
	struct vswap_cluster *c;
	int err = 0;

	/* Clusters that already exist (owned by CPUs) may still be used. */
	existing = kunit_kcalloc(test, BITS_TO_LONGS(saved + 1), sizeof(long),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, existing);
	flush_work(&vswap_spare_work);
	rcu_read_lock();
	vswap_for_each_cluster(id, c, 0)
		__set_bit(id, existing);
	rcu_read_unlock();
	limit = atomic_read(&vswap_nr_clusters) + 2;
	max_n = limit + num_possible_cpus() + 1;
	v = kunit_kcalloc(test, max_n, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	WRITE_ONCE(vswap_max_clusters, limit);
	/* a whole-cluster allocation needs a cluster with nothing in use */
	while (n < max_n) {
		err = vswap_alloc(VSWAP_CLUSTER_SHIFT, 0, &v[n]);
		if (err)
			break;
		id = v[n++] >> VSWAP_CLUSTER_SHIFT;
		KUNIT_EXPECT_TRUE(test, id <= limit || test_bit(id, existing));
	}
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_GE(test, n, 1U);
	for (i = 0; i < n; i++)
		vswap_cache_put(v[i], VSWAP_CLUSTER_SLOTS);
	KUNIT_EXPECT_EQ(test, vswap_alloc(VSWAP_CLUSTER_SHIFT, 0, &v[0]), 0);
	vswap_cache_put(v[0], VSWAP_CLUSTER_SLOTS);
	WRITE_ONCE(vswap_max_clusters, saved);
}

/* The count of slots in use as vswap_slots_free() reads it far from full. */
static long vswap_test_fast_used(void)
{
	return percpu_counter_read(&vswap_nr_used);
}

/*
 * vswap_slots_free() reads the count without its per-CPU parts far from
 * full, sums it near full (the limit lowered to the clusters that the
 * slots in use fill), and reads nothing while there is no space. On SMP
 * the two reads differ by what CPUs have counted and not folded in: if
 * that is nothing, one slot more is counted on this CPU alone (no real
 * slot). Without SMP there are no per-CPU parts, and no slack.
 */
static void vswap_test_slots_free(struct kunit *test)
{
	struct percpu_counter *fbc = &vswap_nr_used;
	unsigned int saved = vswap_max_clusters;
	long room, fast, added = 0;
	unsigned long v;

	KUNIT_ASSERT_EQ(test, vswap_alloc(VSWAP_CLUSTER_SHIFT, 0, &v), 0);
	if (IS_ENABLED(CONFIG_SMP) &&
	    (long)vswap_slots_in_use() == vswap_test_fast_used()) {
		percpu_counter_add_local(fbc, 1);
		added = 1;
	}
	fast = vswap_test_fast_used();
	if (IS_ENABLED(CONFIG_SMP))
		KUNIT_EXPECT_NE(test, (long)vswap_slots_in_use(), fast);
	room = vswap_max_slots() - VSWAP_CLUSTER_SLOTS;
	KUNIT_EXPECT_GT(test, room - fast, vswap_count_slack());
	KUNIT_EXPECT_EQ(test, vswap_slots_free(), room - fast);

	flush_work(&vswap_spare_work);
	WRITE_ONCE(vswap_max_clusters,
		   vswap_slots_in_use() >> VSWAP_CLUSTER_SHIFT);
	room = vswap_max_slots() - VSWAP_CLUSTER_SLOTS -
	       (long)vswap_slots_in_use();
	KUNIT_EXPECT_LE(test, room - vswap_test_fast_used(),
			vswap_count_slack());
	KUNIT_EXPECT_EQ(test, vswap_slots_free(), room);

	WRITE_ONCE(vswap_max_clusters, 0);
	KUNIT_EXPECT_EQ(test, vswap_slots_free(), 0L);
	WRITE_ONCE(vswap_max_clusters, saved);
	percpu_counter_add_local(fbc, -added);
	vswap_cache_put(v, VSWAP_CLUSTER_SLOTS);
}

struct vswap_stress {
	struct completion done;
	atomic_t *errors;
	unsigned int id;
	bool reader;
	bool *stop;
};

#define VSWAP_STRESS_LIVE	64
#define VSWAP_STRESS_ROUNDS	4000

/*
 * One writer: allocations of mixed orders kept alive a while, with
 * references taken and dropped as fork, fault and zap would. Its slots are
 * its own, so every count it reads must be the one it made.
 */
static void vswap_stress_writer(struct vswap_stress *s)
{
	unsigned long live[VSWAP_STRESS_LIVE] = {};
	unsigned int order[VSWAP_STRESS_LIVE] = {};
	struct rnd_state rnd;
	unsigned int r, k, j;

	prandom_seed_state(&rnd, s->id);
	for (r = 0; r < VSWAP_STRESS_ROUNDS; r++) {
		k = prandom_u32_state(&rnd) % VSWAP_STRESS_LIVE;
		if (live[k]) {		/* zap: drop the reference */
			vswap_put(live[k] - 1, 1U << order[k]);
			live[k] = 0;
			continue;
		}
		order[k] = prandom_u32_state(&rnd) % 4;
		if (vswap_alloc(order[k], VSWAP_TEST_MEMCG(s->id), &live[k])) {
			atomic_inc(s->errors);
			continue;
		}
		for (j = 0; j < 1U << order[k]; j++) {
			if (vswap_dup(live[k] + j) ||
			    vswap_memcg_id(live[k] + j) != VSWAP_TEST_MEMCG(s->id))
				atomic_inc(s->errors);
		}
		vswap_cache_put(live[k], 1U << order[k]);
		/* swap-in round trip on the first slot */
		if (vswap_cache_get(live[k], 1) || vswap_count(live[k]) != 1)
			atomic_inc(s->errors);
		vswap_cache_put(live[k], 1);
		live[k]++;		/* 0 means empty */
	}
	for (k = 0; k < VSWAP_STRESS_LIVE; k++)
		if (live[k])
			vswap_put(live[k] - 1, 1U << order[k]);
}

/* One reader: lock-free lookups of anything, racing with frees. */
static void vswap_stress_reader(struct vswap_stress *s)
{
	unsigned long span = vswap_max_slots();
	unsigned long v = 0;

	while (!READ_ONCE(*s->stop)) {
		vswap_count(v);
		vswap_backend(v);
		vswap_memcg_id(v);
		v = (v + 97) % (span / 64);	/* the low clusters are in use */
		cond_resched();
	}
}

static int vswap_stress_fn(void *arg)
{
	struct vswap_stress *s = arg;

	if (s->reader)
		vswap_stress_reader(s);
	else
		vswap_stress_writer(s);
	complete(&s->done);
	return 0;
}

/* Writers on every CPU and a lock-free reader at once. */
static void vswap_test_concurrent(struct kunit *test)
{
	unsigned int nr = 2 * num_online_cpus() + 1, i;
	unsigned long base = vswap_slots_in_use();
	struct vswap_stress *s;
	atomic_t errors = ATOMIC_INIT(0);
	bool stop = false;

	s = kunit_kcalloc(test, nr, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < nr; i++) {
		init_completion(&s[i].done);
		s[i].errors = &errors;
		s[i].id = i + 1;
		s[i].reader = i == nr - 1;
		s[i].stop = &stop;
		if (IS_ERR(kthread_run(vswap_stress_fn, &s[i], "vswap-test/%u", i))) {
			atomic_inc(&errors);
			complete(&s[i].done);
		}
	}
	for (i = 0; i < nr - 1; i++)
		wait_for_completion(&s[i].done);
	WRITE_ONCE(stop, true);
	wait_for_completion(&s[nr - 1].done);
	KUNIT_EXPECT_EQ(test, atomic_read(&errors), 0);
	KUNIT_EXPECT_EQ(test, vswap_slots_in_use(), base);
}

static struct kunit_case vswap_test_cases[] = {
	KUNIT_CASE(vswap_test_lifetime),
	KUNIT_CASE(vswap_test_orders),
	KUNIT_CASE(vswap_test_clusters),
	KUNIT_CASE(vswap_test_cluster_states),
	KUNIT_CASE(vswap_test_backend),
	KUNIT_CASE(vswap_test_read_whole),
	KUNIT_CASE(vswap_test_only_cache),
	KUNIT_CASE(vswap_test_limit),
	KUNIT_CASE(vswap_test_slots_free),
	KUNIT_CASE_SLOW(vswap_test_concurrent),
	{}
};

static struct kunit_suite vswap_test_suite = {
	.name = "vswap",
	.test_cases = vswap_test_cases,
};

/*
 * At boot only: no debugfs file runs them again later, on a table in use
 * (they lower its limit).
 */
kunit_test_init_section_suite(vswap_test_suite);
