// SPDX-License-Identifier: GPL-2.0
/*
 * kcompressd: zswap stores taken off kswapd.
 *
 * kswapd scans the LRU, unmaps folios and, for an anon or shmem folio bound
 * for zswap, compresses it in swap_writepage() before it can scan on. With
 * kcompressd enabled (/sys/kernel/mm/kcompressd/enabled), kswapd queues the
 * folio instead (kcompressd_queue()) and goes back to scanning; a thread of
 * the folio's node stores it into zswap, several folios at a time through
 * zswap_store_batch() (in one compression request each, when the
 * compressor takes batches).
 *
 * A queued folio stays locked and under writeback until its thread is done
 * with it, as if it were being written to a device: kswapd keeps it on the
 * LRU (under writeback) and a fault on it waits for the lock. Stored, the
 * thread unlocks it and ends writeback; PG_reclaim, set by pageout(), then
 * moves it to the tail of the inactive list, where the next scan frees it.
 * One stored while kswapd still holds it isolated cannot be moved:
 * shrink_inactive_list() gives such folios one more try before it puts
 * them back (shrink_folio_list_stored()), as the multi-generation LRU's
 * evict_folios() does. Refused by zswap, a folio goes where
 * swap_writepage() sends it (swap_writepage_refused(): a device, or back
 * to the LRU, activated). A folio whose memcg allows zswap no writeback is
 * not queued: kswapd's own pass then activates it if zswap refuses it.
 *
 * Nothing is queued by direct reclaim or memory.reclaim: they need the
 * pages they free now, and a queued folio is freed only once stored.
 * A queue that is full, or a node whose threads have not started, makes
 * kswapd store inline, as without kcompressd: no folio waits for room.
 *
 * The threads of every node with memory start at the first folio
 * kcompressd could take (from a work item: kswapd does not wait for them),
 * so a system that never swaps to zswap has none. They run until
 * kcompressd is disabled; a node's structure, once made, stays (kswapd
 * reads it without a lock).
 *
 * Locking:
 * - kcompressd_mutex serializes the knobs and the starting and stopping of
 *   threads (kcompressd_open(), kcompressd_close(), kcompressd_set_tasks()).
 * - kcompressd_node.lock (a spinlock, never taken in interrupt context)
 *   protects the ring, .pages and .open. __kcompressd_queue() starts
 *   writeback under it (the folio's memcg and node counters).
 * - A folio in the ring or in a thread's hands is locked (PG_locked, owned
 *   by kcompressd from the queueing to the end), under writeback, and holds
 *   a reference that kcompressd drops when done with it.
 */

#include <linux/freezer.h>
#include <linux/memcontrol.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/swap.h>
#include <linux/sysfs.h>
#include <linux/vmstat.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/writeback.h>
#include <linux/zswap.h>

#include "internal.h"
#include "swap.h"

/* bounds of the knobs */
#define KCOMPRESSD_THREADS_MAX	8
#define KCOMPRESSD_QUEUE_MAX	1024	/* folios in a ring, pages of depth */
#define KCOMPRESSD_BATCH_MAX	32

struct kcompressd_node {
	int nid;
	spinlock_t lock;		/* the ring, .pages, .open */
	bool open;			/* threads run: folios may be queued */
	unsigned int head;		/* oldest folio in ring[] */
	unsigned int nr;		/* folios in ring[] */
	unsigned int pages;		/* their pages, and those being stored */
	wait_queue_head_t wait;
	/* under kcompressd_mutex */
	unsigned int nr_tasks;
	struct task_struct *tasks[KCOMPRESSD_THREADS_MAX];
	struct folio *ring[KCOMPRESSD_QUEUE_MAX];
};

static DEFINE_MUTEX(kcompressd_mutex);
DEFINE_STATIC_KEY_FALSE(kcompressd_enabled);
static struct kcompressd_node *kcompressd_nodes[MAX_NUMNODES];

/* threads per node (set at boot from the CPU count), pages, folios */
static unsigned int kcompressd_threads = 1;
static unsigned int kcompressd_depth = 256;
static unsigned int kcompressd_batch = 8;

static void kcompressd_open_all(struct work_struct *work);
static DECLARE_WORK(kcompressd_open_work, kcompressd_open_all);
/* the last start failed: no new try until kcompressd is enabled again */
static bool kcompressd_start_failed;

static unsigned int kcompressd_take(struct kcompressd_node *kn,
				    struct folio **folios)
{
	unsigned int n = 0, max = READ_ONCE(kcompressd_batch);
	struct folio *folio;

	spin_lock(&kn->lock);
	while (n < max && kn->nr) {
		folio = kn->ring[kn->head];
		kn->head = (kn->head + 1) % KCOMPRESSD_QUEUE_MAX;
		kn->nr--;
		folios[n++] = folio;
	}
	spin_unlock(&kn->lock);
	return n;
}

/* Unlock @folio and end the writeback __kcompressd_queue() started. */
static void kcompressd_end(struct folio *folio, bool stored)
{
	long nr = folio_nr_pages(folio);
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_NONE,
		.nr_to_write = SWAP_CLUSTER_MAX,
		.range_end = LLONG_MAX,
		.for_reclaim = 1,
	};

	if (stored) {
		count_vm_events(KCOMPRESSD_STORED, nr);
		folio_unlock(folio);
		folio_end_writeback(folio);
		return;
	}
	count_vm_events(KCOMPRESSD_REFUSED, nr);
	/*
	 * A device write starts writeback of its own: end this one first.
	 * The folio stays locked, so it is neither rotated on the LRU
	 * (folio_rotate_reclaimable() skips locked folios) nor reclaimed
	 * meanwhile; PG_reclaim, which ending writeback cleared, is set
	 * again for the device write's end.
	 */
	folio_end_writeback(folio);
	folio_set_reclaim(folio);
	if (swap_writepage_refused(folio, &wbc) == AOP_WRITEPAGE_ACTIVATE) {
		/* what pageout() and shrink_folio_list() do with it */
		folio_clear_reclaim(folio);
		if (mem_cgroup_swap_full(folio) || folio_test_mlocked(folio))
			folio_free_swap(folio);
		folio_unlock(folio);
		if (!folio_test_mlocked(folio))
			folio_activate(folio);
	}
}

/*
 * Store @n folios taken off @kn, as kswapd would have: allocations do not
 * recurse into reclaim, and zswap's memcg charges are forced past the
 * limit rather than failed (try_charge_memcg()).
 */
static void kcompressd_store(struct kcompressd_node *kn,
			     struct folio **folios, unsigned int n)
{
	bool stored[KCOMPRESSD_BATCH_MAX];
	unsigned int i, pages = 0, noreclaim;

	noreclaim = memalloc_noreclaim_save();
	zswap_store_batch(folios, n, stored);
	for (i = 0; i < n; i++) {
		pages += folio_nr_pages(folios[i]);
		kcompressd_end(folios[i], stored[i]);
		folio_put(folios[i]);
	}
	memalloc_noreclaim_restore(noreclaim);

	spin_lock(&kn->lock);
	kn->pages -= pages;
	spin_unlock(&kn->lock);
}

static int kcompressd(void *arg)
{
	struct kcompressd_node *kn = arg;
	struct folio *folios[KCOMPRESSD_BATCH_MAX];
	unsigned int n;

	/* as kswapd: it does not queue while frozen, nor send to a device */
	set_freezable();
	while (!kthread_should_stop()) {
		n = kcompressd_take(kn, folios);
		if (n) {
			kcompressd_store(kn, folios, n);
			cond_resched();
			continue;
		}
		wait_event_freezable_exclusive(kn->wait, READ_ONCE(kn->nr) ||
					       kthread_should_stop());
	}
	return 0;
}

/**
 * __kcompressd_queue - hand a folio bound for zswap to kcompressd
 * @folio: locked, in the swap cache, unmapped and clean (from pageout())
 *
 * Called through kcompressd_queue() by swap_writepage() before it stores
 * @folio into zswap itself, once kcompressd_on(). Takes the folio only
 * from kswapd, with zswap on, when the threads of its node run and their
 * queue has room for it.
 *
 * Return: true if kcompressd took @folio: it stays locked and under
 * writeback until stored (or sent on, see kcompressd_end()). False if the
 * caller must store it now.
 */
bool __kcompressd_queue(struct folio *folio)
{
	long nr = folio_nr_pages(folio);
	struct kcompressd_node *kn;

	if (!current_is_kswapd() || !zswap_is_enabled())
		return false;
	/* refused, it must stay: kswapd's own pass activates it */
	if (!mem_cgroup_zswap_writeback_enabled(folio_memcg(folio)))
		return false;

	/* pairs with smp_store_release() in kcompressd_open() */
	kn = smp_load_acquire(&kcompressd_nodes[folio_nid(folio)]);
	if (!kn || !READ_ONCE(kn->open)) {
		if (!READ_ONCE(kcompressd_start_failed))
			queue_work(system_unbound_wq, &kcompressd_open_work);
		goto inline_store;
	}

	spin_lock(&kn->lock);
	if (!kn->open) {
		spin_unlock(&kn->lock);
		goto inline_store;
	}
	if (kn->pages + nr > READ_ONCE(kcompressd_depth)) {
		spin_unlock(&kn->lock);
		count_vm_events(KCOMPRESSD_FULL, nr);
		goto inline_store;
	}
	folio_get(folio);
	folio_start_writeback(folio);
	kn->ring[(kn->head + kn->nr) % KCOMPRESSD_QUEUE_MAX] = folio;
	kn->nr++;
	kn->pages += nr;
	spin_unlock(&kn->lock);

	wake_up(&kn->wait);
	count_vm_events(KCOMPRESSD_QUEUED, nr);
	return true;

inline_store:
	count_vm_events(KCOMPRESSD_INLINE, nr);
	return false;
}

/* Run @nr threads on @kn (kcompressd_mutex held). */
static int kcompressd_set_tasks(struct kcompressd_node *kn, unsigned int nr)
{
	const struct cpumask *cpus;
	struct task_struct *task;

	lockdep_assert_held(&kcompressd_mutex);
	if (kn->nr_tasks > nr) {
		while (kn->nr_tasks > nr)
			kthread_stop(kn->tasks[--kn->nr_tasks]);
		/* a stopped thread may have had the wakeup of a queued folio */
		wake_up_all(&kn->wait);
	}
	while (kn->nr_tasks < nr) {
		task = kthread_create_on_node(kcompressd, kn, kn->nid,
					      "kcompressd%d:%u", kn->nid,
					      kn->nr_tasks);
		if (IS_ERR(task))
			return PTR_ERR(task);
		cpus = cpumask_of_node(kn->nid);
		if (!cpumask_empty(cpus))
			set_cpus_allowed_ptr(task, cpus);
		kn->tasks[kn->nr_tasks++] = task;
		wake_up_process(task);
	}
	return 0;
}

/* Start the threads of node @nid and open its queue. */
static int kcompressd_open(int nid)
{
	struct kcompressd_node *kn = kcompressd_nodes[nid];
	int err;

	lockdep_assert_held(&kcompressd_mutex);
	if (!kn) {
		kn = kzalloc_node(sizeof(*kn), GFP_KERNEL, nid);
		if (!kn)
			return -ENOMEM;
		kn->nid = nid;
		spin_lock_init(&kn->lock);
		init_waitqueue_head(&kn->wait);
		/* pairs with smp_load_acquire() in __kcompressd_queue() */
		smp_store_release(&kcompressd_nodes[nid], kn);
	}
	if (kn->open)
		return 0;
	err = kcompressd_set_tasks(kn, kcompressd_threads);
	if (err) {
		kcompressd_set_tasks(kn, 0);
		return err;
	}
	spin_lock(&kn->lock);
	kn->open = true;
	spin_unlock(&kn->lock);
	return 0;
}

/*
 * Close the queue of @kn, stop its threads and store what they left, in
 * the caller's context (a knob's writer), as kswapd would have.
 */
static void kcompressd_close(struct kcompressd_node *kn)
{
	struct folio *folios[KCOMPRESSD_BATCH_MAX];
	unsigned int n;

	lockdep_assert_held(&kcompressd_mutex);
	spin_lock(&kn->lock);
	kn->open = false;
	spin_unlock(&kn->lock);
	kcompressd_set_tasks(kn, 0);

	while ((n = kcompressd_take(kn, folios)))
		kcompressd_store(kn, folios, n);
}

static void kcompressd_open_all(struct work_struct *work)
{
	int nid, err;

	mutex_lock(&kcompressd_mutex);
	if (!static_branch_unlikely(&kcompressd_enabled))
		goto out;
	for_each_node_state(nid, N_MEMORY) {
		err = kcompressd_open(nid);
		if (err) {
			pr_err("kcompressd: cannot start threads on node %d: %d; kswapd compresses inline\n",
			       nid, err);
			WRITE_ONCE(kcompressd_start_failed, true);
			break;
		}
	}
out:
	mutex_unlock(&kcompressd_mutex);
}

static int kcompressd_parse(const char *buf, const char *name,
			    unsigned int min, unsigned int max,
			    unsigned int *val)
{
	if (kstrtouint(buf, 10, val) || *val < min || *val > max) {
		pr_warn("kcompressd: %s must be a number from %u to %u\n",
			name, min, max);
		return -EINVAL;
	}
	return 0;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  static_key_enabled(&kcompressd_enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	bool on;
	int nid;

	if (kstrtobool(buf, &on)) {
		pr_warn("kcompressd: enabled must be 0 or 1\n");
		return -EINVAL;
	}
	mutex_lock(&kcompressd_mutex);
	if (on) {
		WRITE_ONCE(kcompressd_start_failed, false);
		static_branch_enable(&kcompressd_enabled);
	} else {
		static_branch_disable(&kcompressd_enabled);
		for_each_node(nid)
			if (kcompressd_nodes[nid])
				kcompressd_close(kcompressd_nodes[nid]);
	}
	mutex_unlock(&kcompressd_mutex);
	return count;
}

static struct kobj_attribute enabled_attr = __ATTR_RW(enabled);

static ssize_t threads_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kcompressd_threads));
}

static ssize_t threads_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	struct kcompressd_node *kn;
	unsigned int val, old;
	int nid, err = 0;

	if (kcompressd_parse(buf, "threads", 1, KCOMPRESSD_THREADS_MAX, &val))
		return -EINVAL;
	mutex_lock(&kcompressd_mutex);
	old = kcompressd_threads;
	for_each_node(nid) {
		kn = kcompressd_nodes[nid];
		if (kn && kn->open && !err)
			err = kcompressd_set_tasks(kn, val);
	}
	if (err) {
		/* as it was: what was started stops again */
		for_each_node(nid) {
			kn = kcompressd_nodes[nid];
			if (kn && kn->open && kn->nr_tasks > old)
				kcompressd_set_tasks(kn, old);
		}
		pr_warn("kcompressd: cannot start %u threads per node: %d\n",
			val, err);
	} else {
		WRITE_ONCE(kcompressd_threads, val);
	}
	mutex_unlock(&kcompressd_mutex);
	return err ? err : count;
}

static struct kobj_attribute threads_attr = __ATTR_RW(threads);

/* A knob read as it is set: @var, from @min to @max, taking effect at once */
#define KCOMPRESSD_KNOB(name, var, min, max)				\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(var));			\
}									\
									\
static ssize_t name##_store(struct kobject *kobj,			\
			    struct kobj_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	unsigned int val;						\
									\
	if (kcompressd_parse(buf, #name, min, max, &val))		\
		return -EINVAL;						\
	WRITE_ONCE(var, val);						\
	return count;							\
}									\
									\
static struct kobj_attribute name##_attr = __ATTR_RW(name)

KCOMPRESSD_KNOB(queue_depth, kcompressd_depth, 1, KCOMPRESSD_QUEUE_MAX);
KCOMPRESSD_KNOB(batch, kcompressd_batch, 1, KCOMPRESSD_BATCH_MAX);

static struct attribute *kcompressd_attrs[] = {
	&enabled_attr.attr,
	&threads_attr.attr,
	&queue_depth_attr.attr,
	&batch_attr.attr,
	NULL,
};

static const struct attribute_group kcompressd_attr_group = {
	.attrs = kcompressd_attrs,
	.name = "kcompressd",
};

static int __init kcompressd_init(void)
{
	/* a thread for every four CPUs of a node, at least one */
	kcompressd_threads = clamp_t(unsigned int,
				     num_online_cpus() / (4 * num_online_nodes()),
				     1, KCOMPRESSD_THREADS_MAX);
	return sysfs_create_group(mm_kobj, &kcompressd_attr_group);
}
late_initcall(kcompressd_init);
