// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace test of the virtual swap slot table: mm/vswap.c compiled
 * against the stand-ins in linux/ and hammered by threads, to be run under
 * ThreadSanitizer and AddressSanitizer (see Makefile). A thread plays a
 * CPU; one more thread does lock-free lookups all along. RCU has real grace
 * periods (linux/rcupdate.h): dead clusters are freed while the threads
 * run, so a lookup that outlives its read-side section, or a cluster freed
 * without one, is a use-after-free. After the threads, every cluster's
 * bookkeeping is checked against its descriptors; then the clusters the
 * threads owned are handed back, and after the last grace period nothing
 * may be left allocated.
 *
 * The same run is then made with allocations failing (linux/kernel.h):
 * each failed vswap_alloc() must return -ENOMEM having changed nothing, and
 * the checks above must hold as before.
 *
 * Usage: vswap_test [THREADS [ROUNDS]]	(TAP output)
 *	ROUNDS per thread in the first run, half as many in the second;
 *	VT_FAIL_PCT=N in the environment: N% of the allocations fail in the
 *	second run (0 to 50, default 5; 0 skips what needs failures).
 *	A run still going after VT_TIMEOUT seconds is stuck, and fails.
 */
#include <signal.h>
#include "linux/kernel.h"
#include "../../../mm/vswap.c"
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

unsigned long vt_warnings;
unsigned long vt_events[NR_VM_EVENT_ITEMS];
unsigned int vt_nr_cpus = 8;
unsigned long vt_totalram_pages = 1UL << 18;	/* 1 GiB: 1024 clusters */
unsigned int vt_fail_pct, vt_fail_sites;
unsigned long vt_nr_failed[VT_NR_ALLOC_SITES];
long vt_nr_live[VT_NR_ALLOC_SITES];

/*
 * Device slots are played by numbers handed out once each; every one must
 * come back exactly once: from vswap_set_backend() to the caller that
 * replaced it, to vswap_release_backends() when vswap_set_backends()
 * replaced it, or to vswap_release() when its virtual slot is freed.
 */
#define VT_PHYS_MAX	(1UL << 22)
static unsigned long vt_phys_next;
static unsigned char vt_phys_back[VT_PHYS_MAX];
static unsigned long vt_phys_twice, vt_releases;

static unsigned long vt_phys_new(void)
{
	unsigned long n = __atomic_fetch_add(&vt_phys_next, 1, __ATOMIC_RELAXED);

	return vswap_phys_word(swp_entry(1, n % VT_PHYS_MAX));
}

/* The first of @n device slots in a row. */
static unsigned long vt_phys_run(unsigned int n)
{
	unsigned long first = __atomic_fetch_add(&vt_phys_next, n,
						 __ATOMIC_RELAXED);

	/* never past the end: check_hammer() fails the run then */
	if (first + n > VT_PHYS_MAX)
		first = 0;
	return vswap_phys_word(swp_entry(1, first));
}

static void vt_phys_return(unsigned long word)
{
	unsigned long n = swp_offset(vswap_word_slot(word));

	if (__atomic_fetch_add(&vt_phys_back[n], 1, __ATOMIC_RELAXED))
		__atomic_add_fetch(&vt_phys_twice, 1, __ATOMIC_RELAXED);
}

/* Stands in for mm/vswap_io.c: a freed slot's number is forgotten... */
static unsigned long vt_forgets, vt_forgot_late;

void vswap_forget(unsigned long vslot, unsigned int nr)
{
	for (; nr--; vslot++) {
		__atomic_add_fetch(&vt_forgets, 1, __ATOMIC_RELAXED);
		/* Still unallocatable: its count word has not gone to zero yet. */
		if (!vswap_read(vslot, count))
			__atomic_add_fetch(&vt_forgot_late, 1, __ATOMIC_RELAXED);
	}
}

/* ...and what it held goes back. */
static unsigned short vt_last_release_id;

void vswap_release(const struct vswap_held *held, unsigned int nr)
{
	for (; nr--; held++) {
		__atomic_add_fetch(&vt_releases, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&vt_last_release_id, held->memcg_id,
				 __ATOMIC_RELAXED);
		if ((held->backend & VSWAP_TAG_MASK) == VSWAP_PHYS)
			vt_phys_return(held->backend);
	}
}

/*
 * Replaced words: a device slot goes back, uncharged from the memcg its
 * still-claimed virtual slot names; zswap entries are counted.
 */
static unsigned long vt_zswap_released, vt_release_id_wrong;

void vswap_release_backends(const struct vswap_held *held, unsigned int nr)
{
	for (; nr--; held++) {
		if (held->memcg_id != vswap_memcg_id(held->vslot))
			__atomic_add_fetch(&vt_release_id_wrong, 1,
					   __ATOMIC_RELAXED);
		if ((held->backend & VSWAP_TAG_MASK) == VSWAP_PHYS)
			vt_phys_return(held->backend);
		else if ((held->backend & VSWAP_TAG_MASK) == VSWAP_ZSWAP)
			__atomic_add_fetch(&vt_zswap_released, 1,
					   __ATOMIC_RELAXED);
	}
}

#define NR_TESTS	31
static unsigned int nr_fail, nr_test;
static const char *phase = "";		/* prefix of the results' names */

static void check(bool ok, const char *what)
{
	nr_test++;
	if (!ok)
		nr_fail++;
	printf("%sok %u %s%s\n", ok ? "" : "not ", nr_test, phase, what);
	fflush(stdout);
}

static void skip(const char *what, const char *why)
{
	printf("ok %u %s%s # SKIP %s\n", ++nr_test, phase, what, why);
	fflush(stdout);
}

static unsigned int rounds = 40000;
static bool stop;
static unsigned long errors;

/* Something a thread saw that it should not have: counted, the first said. */
static void error(const char *what, unsigned long v)
{
	if (__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED) <= 10)
		fprintf(stderr, "error: %s (slot %#lx)\n", what, v);
}

/*
 * Which slots the threads hold, by their own account: vswap_alloc() must
 * never hand out a slot that is held, and the last reference to a slot
 * goes only after it is marked free here.
 */
static unsigned char vt_held[VT_IDA_SIZE << VSWAP_CLUSTER_SHIFT];

static void vt_hold(unsigned long v, unsigned int nr, bool held)
{
	for (; nr--; v++) {
		if (v >= ARRAY_SIZE(vt_held))
			error("slot out of range", v);
		else if (__atomic_exchange_n(&vt_held[v], held,
					     __ATOMIC_RELAXED) == held)
			error(held ? "slot handed out twice" : "slot not held", v);
	}
}

/* A failed vswap_alloc() returns -ENOMEM, and only when failures are made. */
#define VT_NO_SLOT	0x5a5a5a5aUL
static unsigned long alloc_failures;

static void alloc_failed(int err, unsigned long v)
{
	struct vswap_cluster *c = this_cpu_ptr(&vswap_pcp)->cluster;
	bool owned = true;

	if (c) {
		spin_lock(&c->lock);
		owned = c->state == VC_OWNED;
		spin_unlock(&c->lock);
	}
	if (err != -ENOMEM || !READ_ONCE(vt_fail_pct))
		error(err == -ENOMEM ? "vswap_alloc failed, no failure injected" :
		      "vswap_alloc failed, not with -ENOMEM", -err);
	else if (v != VT_NO_SLOT)
		error("failed vswap_alloc set a slot", v);
	else if (!owned)
		error("failed vswap_alloc left the CPU a cluster it does not own",
		      c->id);
	else
		__atomic_add_fetch(&alloc_failures, 1, __ATOMIC_RELAXED);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define LIVE	64
#define HANDOFF	256

/* Slots passed between threads, so that one CPU frees what another took. */
struct handoff {
	unsigned long v;	/* slot + 1; 0: empty cell */
	unsigned int order, refs;
};
static struct handoff handoff[HANDOFF];
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;

static bool handoff_swap(unsigned int cell, unsigned long *v,
			 unsigned int *order, unsigned int *refs)
{
	struct handoff *h = &handoff[cell % HANDOFF];
	bool done = false;

	pthread_mutex_lock(&handoff_lock);
	if (!h->v != !*v) {	/* give to an empty cell or take a full one */
		struct handoff mine = { *v, *order, *refs };

		*v = h->v;
		*order = h->order;
		*refs = h->refs;
		*h = mine;
		done = true;
	}
	pthread_mutex_unlock(&handoff_lock);
	return done;
}

/* The first slot + 1 of the last PMD-sized folio freed: its cluster dies. */
static unsigned long vt_dying;

/* The last references to a folio's slots go: the slots are freed. */
static void folio_free(unsigned long v, unsigned int order, unsigned int refs)
{
	unsigned int j;

	vt_hold(v, 1U << order, false);
	if (order == VSWAP_CLUSTER_SHIFT)
		__atomic_store_n(&vt_dying, v + 1, __ATOMIC_RELAXED);
	for (j = 0; j < refs; j++)
		vswap_put(v, 1U << order);
}

/*
 * What a per-CPU sum sees of a thread that has ended (linux/kernel.h): its
 * per-backend counts, folded into the data of CPU 1.
 */
struct vswap_pcp vt_cpus_gone;
static pthread_mutex_t vt_cpus_gone_lock = PTHREAD_MUTEX_INITIALIZER;

static void vt_cpu_gone(void)
{
	unsigned int t;

	pthread_mutex_lock(&vt_cpus_gone_lock);
	for (t = 0; t < VSWAP_NR_BACKENDS; t++)
		vt_cpus_gone.nr_backend[t] +=
			this_cpu_ptr(&vswap_pcp)->nr_backend[t];
	pthread_mutex_unlock(&vt_cpus_gone_lock);
}

/* The slots counted in backend @tag, unclamped: this thread's and the gone. */
static long vt_backend_count(unsigned int tag)
{
	return (long)(this_cpu_ptr(&vswap_pcp)->nr_backend[tag] +
		      vt_cpus_gone.nr_backend[tag]);
}

/* Fork, fault, reclaim and zap, as the swap paths will drive the table. */
static void *writer(void *arg)
{
	unsigned long live[LIVE] = { 0 }, v, w;
	unsigned int order[LIVE], refs[LIVE], id = (uintptr_t)arg, r, k, j;
	uint32_t rnd = id * 2654435761u + 1;
	bool run;
	int err;

	for (r = 0; r < rounds; r++) {
		if (!(r % 32))
			vt_rcu_poll();	/* between operations: a quiescent point */
		k = xorshift(&rnd) % LIVE;
		if (xorshift(&rnd) % 8 == 0) {
			handoff_swap(xorshift(&rnd), &live[k], &order[k],
				     &refs[k]);
			continue;
		}
		v = live[k] - 1;
		if (live[k] && refs[k] > 1 && xorshift(&rnd) % 2) {
			vswap_put(v, 1U << order[k]);	/* one PTE zapped */
			refs[k]--;
		} else if (live[k] && xorshift(&rnd) % 2) {
			/* swap-in and out again through the cache */
			if (vswap_cache_get(v, 1U << order[k]) ||
			    vswap_count(v) != refs[k] ||
			    !vswap_swapped(v, 1U << order[k]))
				error("count or claim not as left", v);
			run = false;
			switch (xorshift(&rnd) % 4) {
			case 0:
				w = VSWAP_ZERO;
				break;
			case 1:
				w = VSWAP_FOLIO;
				break;
			case 2:
				w = vt_phys_new();
				break;
			default:
				/* the whole folio to a run of device slots */
				vswap_set_backends(v, 1U << order[k],
						   vt_phys_run(1U << order[k]),
						   VSWAP_PHYS_STEP);
				run = true;
			}
			if (!run) {
				w = vswap_set_backend(v, w);
				if ((w & VSWAP_TAG_MASK) == VSWAP_PHYS)
					vt_phys_return(w);
			}
			vswap_cache_put(v, 1U << order[k]);
		} else if (live[k]) {
			folio_free(v, order[k], refs[k]);	/* process exits */
			live[k] = 0;
		} else {
			/*
			 * Mostly small folios; now and then a PMD-sized one,
			 * a whole cluster: the CPU gives up its cluster for a
			 * new one, which dies when the folio's slots go.
			 */
			order[k] = xorshift(&rnd) % 10 ? 0 : xorshift(&rnd) % 64 ?
				   xorshift(&rnd) % 5 : VSWAP_CLUSTER_SHIFT;
			v = VT_NO_SLOT;
			err = vswap_alloc(order[k], id, &v);
			if (err) {
				alloc_failed(err, v);
				continue;
			}
			vt_hold(v, 1U << order[k], true);
			refs[k] = order[k] == VSWAP_CLUSTER_SHIFT ? 1 :
				  1 + xorshift(&rnd) % 3;
			for (j = 0; j < 1U << order[k]; j++) {
				unsigned int n;

				for (n = 0; n < refs[k]; n++)
					if (vswap_dup(v + j))
						error("vswap_dup failed", v + j);
				if (vswap_memcg_id(v + j) != id)
					error("memcg id not as given", v + j);
			}
			vswap_cache_put(v, 1U << order[k]);
			live[k] = v + 1;
		}
	}
	for (k = 0; k < LIVE; k++)
		if (live[k])
			folio_free(live[k] - 1, order[k], refs[k]);
	if (vt_rcu_nesting)
		error("thread ends inside a read-side section", vt_rcu_nesting);
	vt_cpu_gone();
	return NULL;
}

/* After the writers: free what is left in the handoff cells. */
static void handoff_drain(void)
{
	unsigned int i;

	for (i = 0; i < HANDOFF; i++) {
		if (handoff[i].v)
			folio_free(handoff[i].v - 1, handoff[i].order,
				   handoff[i].refs);
		handoff[i].v = 0;
	}
}

/*
 * Lookups of slots the thread holds no reference to, as swap-in readahead
 * makes of a fault's neighbours, or a lock-free look at a page table entry
 * that is being zapped: lock-free ones, and locking ones (vswap_cache_only()
 * locks the cluster, which may be dying or dead). Every other one is of a
 * slot of the last PMD-sized folio freed, whose cluster may be dying under
 * it; and this thread is preempted in one lookup in two, so that clusters
 * do die under it, to be freed as soon as it leaves its read-side section.
 */
static void *reader(void *arg)
{
	unsigned long v = 0, w, span = 64UL * VSWAP_CLUSTER_SLOTS, n = 0, k = 0;

	(void)arg;
	vt_preempt_every = 2;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		w = __atomic_load_n(&vt_dying, __ATOMIC_RELAXED);
		w = w && n++ % 2 ? w - 1 + (n * 37) % VSWAP_CLUSTER_SLOTS : v;
		vswap_count(w);
		vswap_swapped(w, 1);
		vswap_backend(w);
		vswap_memcg_id(w);
		vswap_cache_only(w, 1);
		if (++k % 256 == 0)	/* a kworker making the spare, late */
			vt_run_work();
		v = (v + 97) % span;
	}
	return NULL;
}

/* Is @c on @list? */
static bool on_list(struct vswap_cluster *c, struct list_head *list)
{
	struct list_head *p;

	for (p = list->next; p != list; p = p->next)
		if (p == &c->list)
			return true;
	return false;
}

/*
 * Every cluster's nr_used agrees with its descriptors, and one nobody owns
 * has the state its use calls for and is on that state's list alone; the
 * slots counted per backend are those whose words carry its tag, and in
 * all are the slots in use. Only while no thread allocates, frees or
 * changes a slot (the reader may still make the spare: an empty cluster
 * nobody counts).
 */
static bool clusters_consistent(void)
{
	unsigned long id, tags[VSWAP_TAG_MASK + 1] = { 0 }, in_use = 0;
	struct vswap_cluster *c;
	bool ok = true;

	rcu_read_lock();
	vswap_for_each_cluster(id, c, 0) {
		bool partial = on_list(c, &vswap_partial);
		bool busy = on_list(c, &vswap_busy);
		unsigned int used = 0, i;

		for (i = 0; i < VSWAP_CLUSTER_SLOTS; i++) {
			struct vswap_desc *d = vswap_desc(c, i);

			if (!d->count)
				continue;
			used++;
			tags[d->backend & VSWAP_TAG_MASK]++;
		}
		in_use += used;
		if (used != c->nr_used || c->state == VC_DEAD || c->id != id ||
		    partial != (c->state == VC_PARTIAL) ||
		    busy != (c->state == VC_BUSY) ||
		    list_empty(&c->list) == (partial || busy) ||
		    (c->state != VC_OWNED && c->state != vswap_unowned_state(c))) {
			fprintf(stderr, "cluster %lu: state %u nr_used %u, %u in use, %s\n",
				id, c->state, c->nr_used, used,
				partial ? "partial" : busy ? "busy" : "on no list");
			ok = false;
		}
	}
	rcu_read_unlock();
	for (id = 0; id <= VSWAP_TAG_MASK; id++) {
		long counted = id < VSWAP_NR_BACKENDS ? vt_backend_count(id) : 0;

		if ((long)tags[id] != counted ||
		    (id < VSWAP_NR_BACKENDS && vswap_backend_slots(id) != tags[id])) {
			fprintf(stderr, "tag %lu: %lu slots carry it, %ld counted\n",
				id, tags[id], counted);
			ok = false;
		}
	}
	if (in_use != vswap_slots_in_use()) {
		fprintf(stderr, "%lu slots in use, %lu counted\n", in_use,
			vswap_slots_in_use());
		ok = false;
	}
	return ok;
}

/*
 * The CPUs are gone: hand back the clusters they owned (and this thread's),
 * then wait for the last grace period. Nothing may be left allocated.
 */
static bool all_freed_after_teardown(void)
{
	struct vswap_cluster *c;
	unsigned long id, left = 0;
	bool ok;

	this_cpu_ptr(&vswap_pcp)->cluster = NULL;
	/* the spare is one more OWNED cluster, and is made no more */
	__atomic_store_n(&vswap_spare_work.pending, 0, __ATOMIC_RELAXED);
	WRITE_ONCE(vswap_spare, NULL);
	rcu_read_lock();
	vswap_for_each_cluster(id, c, 0)
		if (c->state == VC_OWNED)
			vswap_cluster_disown(c);
	rcu_read_unlock();
	ok = vt_rcu_barrier();
	rcu_read_lock();
	vswap_for_each_cluster(id, c, 0)
		left++;
	rcu_read_unlock();
	ok &= !left && list_empty(&vswap_partial) && list_empty(&vswap_busy) &&
	      !atomic_read(&vswap_nr_clusters) &&
	      !vt_nr_live[VT_ALLOC_SLAB] && !vt_nr_live[VT_ALLOC_PAGES];
	if (!ok)
		fprintf(stderr, "left: %lu clusters (%d counted), %ld headers, %ld descriptor pages, %lu callbacks\n",
			left, atomic_read(&vswap_nr_clusters),
			vt_nr_live[VT_ALLOC_SLAB], vt_nr_live[VT_ALLOC_PAGES],
			vt_rcu_nr_waiting);
#ifdef __SANITIZE_ADDRESS__
	ok &= !__lsan_do_recoverable_leak_check();	/* if LSan is on */
#endif
	return ok;
}

/* A helper reader for rcu_waits_for_readers(), stepped by the main thread. */
static int rcu_step;
static bool rcu_probe_ran;

static void rcu_wait_step(int n)
{
	while (__atomic_load_n(&rcu_step, __ATOMIC_ACQUIRE) < n)
		sched_yield();
}

static void rcu_set_step(int n)
{
	__atomic_store_n(&rcu_step, n, __ATOMIC_RELEASE);
}

static void *rcu_helper(void *arg)
{
	(void)arg;
	rcu_read_lock();
	rcu_set_step(1);
	rcu_wait_step(2);
	rcu_read_unlock();
	rcu_set_step(3);
	return NULL;
}

static void rcu_probe(struct rcu_head *rcu)
{
	__atomic_store_n(&rcu_probe_ran, true, __ATOMIC_RELAXED);
}

/* The emulation itself: a callback waits for the readers inside, only. */
static bool rcu_waits_for_readers(void)
{
	static struct rcu_head head;
	pthread_t t;
	bool ok;

	pthread_create(&t, NULL, rcu_helper, NULL);
	rcu_wait_step(1);
	call_rcu(&head, rcu_probe);	/* with the helper inside */
	rcu_read_lock();		/* this thread enters after the call */
	vt_rcu_poll();
	ok = !__atomic_load_n(&rcu_probe_ran, __ATOMIC_RELAXED);
	rcu_set_step(2);
	rcu_wait_step(3);		/* the helper has left */
	vt_rcu_poll();
	ok &= __atomic_load_n(&rcu_probe_ran, __ATOMIC_RELAXED);
	rcu_read_unlock();
	pthread_join(t, NULL);
	return ok;
}

/* A cluster that dies under a reader stays readable until it leaves. */
static bool cluster_freed_after_grace_period(void)
{
	struct vswap_pcp *pcp = this_cpu_ptr(&vswap_pcp);
	struct vswap_cluster *c;
	unsigned long v, done;
	bool ok;

	if (vswap_alloc(0, 1, &v))
		return false;
	rcu_read_lock();
	c = vswap_cluster_get(v >> VSWAP_CLUSTER_SHIFT);
	pcp->cluster = NULL;		/* the CPU gives it up... */
	vswap_cluster_disown(c);
	done = __atomic_load_n(&vt_rcu_nr_done, __ATOMIC_RELAXED);
	vswap_cache_put(v, 1);		/* ...and its last slot goes */
	vt_rcu_poll();
	ok = !vswap_cluster_get(v >> VSWAP_CLUSTER_SHIFT) &&
	     __atomic_load_n(&vt_rcu_nr_done, __ATOMIC_RELAXED) == done &&
	     c->state == VC_DEAD && !vswap_desc(c, v)->count;	/* not freed */
	rcu_read_unlock();
	vt_rcu_poll();
	return ok && __atomic_load_n(&vt_rcu_nr_done, __ATOMIC_RELAXED) == done + 1;
}

/*
 * vswap_next_on_device() finds, in order, exactly the slots whose backend
 * is on the given device, across clusters and past a freed one.
 */
static bool next_on_device_finds_each(void)
{
	unsigned long v[3], want[6], vslot, word;
	unsigned int i, n = 0, found = 0;
	bool ok = true;

	for (i = 0; i < 3; i++)
		if (vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &v[i]))
			return false;
	for (i = 0; i < 3; i++) {
		/* device 1 at slots 0 and 300, device 2 at slot 7 */
		vswap_set_backend(v[i], vt_phys_new());
		vswap_set_backend(v[i] + 300, vt_phys_new());
		word = vswap_word_slot(vt_phys_new()).val;
		vswap_set_backend(v[i] + 7, vswap_phys_word(swp_entry(2, swp_offset((swp_entry_t){ word }))));
		if (i != 1) {
			want[n++] = v[i];
			want[n++] = v[i] + 300;
		}
	}
	vswap_cache_put(v[1], VSWAP_CLUSTER_SLOTS);	/* the middle one goes */
	for (vslot = 0; vswap_next_on_device(1, &vslot, &word); vslot++) {
		ok &= found < n && vslot == want[found] &&
		      word == vswap_backend(vslot);
		found++;
	}
	vslot = 0;
	ok &= found == n && !vswap_next_on_device(3, &vslot, &word);
	/* all slots of v[0] and v[2] have only their cache claim, but two */
	vswap_dup(v[0]);
	vswap_dup(v[2] + 5);
	vslot = 0;
	ok &= vswap_next_cache_only(&vslot) && vslot == v[0] + 1;
	vslot = v[2] + 5;
	ok &= vswap_next_cache_only(&vslot) && vslot == v[2] + 6;
	vswap_put(v[0], 1);
	vswap_put(v[2] + 5, 1);
	vswap_cache_put(v[0], VSWAP_CLUSTER_SLOTS);
	vswap_cache_put(v[2], VSWAP_CLUSTER_SLOTS);
	vslot = 0;
	return ok && !vswap_slots_in_use() && !vswap_next_cache_only(&vslot);
}

/*
 * vswap_set_backends() sets a run of device slots, step by step, under one
 * lock; vswap_backend_run() measures it; a word replaced gives its device
 * slot back once, as does the slot's freeing; the counts per backend follow.
 */
static bool set_backends_runs(void)
{
	static unsigned long zswap_entries[2] __attribute__((aligned(8)));
	unsigned long v, w0, w1, n0, n1, zswapped = vt_zswap_released;
	unsigned int i;
	bool ok = true;

	if (vswap_alloc(4, 1, &v))
		return false;
	w0 = vt_phys_run(16);
	n0 = swp_offset(vswap_word_slot(w0));
	vswap_set_backends(v, 16, w0, VSWAP_PHYS_STEP);
	for (i = 0; i < 16; i++)
		ok &= vswap_backend(v + i) == w0 + i * VSWAP_PHYS_STEP;
	vswap_set_memcg_id(v + 1, 2);
	ok &= vswap_backend_run(v, 16, VSWAP_PHYS_STEP) == 16 &&
	      vswap_backend_run(v + 3, 13, VSWAP_PHYS_STEP) == 13 &&
	      vswap_backend_run(v, 16, 0) == 1 &&
	      vswap_backend_slots(VSWAP_PHYS) == 16 &&
	      vswap_memcg_id_run(v, 16, 1) == 1 &&
	      vswap_memcg_id_run(v + 1, 15, 2) == 1 &&
	      vswap_memcg_id_run(v + 2, 14, 1) == 14;
	vswap_set_backends(v + 4, 4, VSWAP_ZERO, 0);
	ok &= vswap_backend_run(v, 16, VSWAP_PHYS_STEP) == 4 &&
	      vswap_backend_run(v + 4, 12, 0) == 4 &&
	      vswap_backend_slots(VSWAP_PHYS) == 12 &&
	      vswap_backend_slots(VSWAP_ZERO) == 4 &&
	      vswap_slots_in_use() == 16 && clusters_consistent();
	for (i = 0; i < 16; i++)
		ok &= vt_phys_back[n0 + i] == (i >= 4 && i < 8);
	/* the same words again: nothing given back */
	vswap_set_backends(v + 4, 4, VSWAP_ZERO, 0);
	/* a new run over all: 12 device slots back, more than one batch */
	w1 = vt_phys_run(16);
	n1 = swp_offset(vswap_word_slot(w1));
	vswap_set_backends(v, 16, w1, VSWAP_PHYS_STEP);
	for (i = 0; i < 16; i++)
		ok &= vt_phys_back[n0 + i] == 1 && !vt_phys_back[n1 + i];
	/* two pages to zswap, then back in the folio: both entries go */
	for (i = 0; i < 2; i++) {
		w0 = vswap_set_backend(v + i, (unsigned long)&zswap_entries[i] |
					      VSWAP_ZSWAP);
		ok &= w0 == w1 + i * VSWAP_PHYS_STEP;
		vt_phys_return(w0);
	}
	ok &= vswap_backend_slots(VSWAP_ZSWAP) == 2;
	vswap_set_backends(v, 2, VSWAP_FOLIO, 0);
	ok &= vt_zswap_released == zswapped + 2 &&
	      vswap_backend_slots(VSWAP_ZSWAP) == 0;
	vswap_cache_put(v, 16);
	for (i = 0; i < 16; i++)
		ok &= vt_phys_back[n1 + i] == 1;
	return ok && !vt_release_id_wrong && !vswap_slots_in_use() &&
	       !vswap_backend_run(v, 16, 0) &&
	       !vswap_backend_slots(VSWAP_PHYS) &&
	       !vswap_backend_slots(VSWAP_ZERO);
}

/* A CPU that goes away gives up its cluster, freed as it is empty. */
static bool offline_cpu_gives_up_cluster(void)
{
	unsigned long v;
	int clusters;

	if (vswap_alloc(0, 1, &v))
		return false;
	vswap_cache_put(v, 1);
	/* empty, but owned by this "CPU": it stays */
	clusters = atomic_read(&vswap_nr_clusters);
	if (!clusters || !this_cpu_ptr(&vswap_pcp)->cluster)
		return false;
	vt_cpu_dead(0);
	return !this_cpu_ptr(&vswap_pcp)->cluster &&
	       atomic_read(&vswap_nr_clusters) == clusters - 1;
}

/* A failing vswap_alloc(): @err, counted as such, nothing allocated or kept. */
static bool alloc_fails_cleanly(int err)
{
	unsigned long v = VT_NO_SLOT, used = vswap_slots_in_use();
	long slabs = vt_nr_live[VT_ALLOC_SLAB], pages = vt_nr_live[VT_ALLOC_PAGES];
	int clusters = atomic_read(&vswap_nr_clusters), ret;
	unsigned long allocs = vt_events[VSWAP_ALLOC];
	unsigned long fails = vt_events[VSWAP_ALLOC_FAIL];

	ret = vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &v);
	if (!ret) {		/* not to fail what follows as well */
		vswap_cache_put(v, VSWAP_CLUSTER_SLOTS);
		return false;
	}
	return ret == err && v == VT_NO_SLOT &&
	       vswap_slots_in_use() == used && vt_events[VSWAP_ALLOC] == allocs &&
	       vt_events[VSWAP_ALLOC_FAIL] == fails + 1 &&
	       atomic_read(&vswap_nr_clusters) == clusters &&
	       vt_nr_live[VT_ALLOC_SLAB] == slabs &&
	       vt_nr_live[VT_ALLOC_PAGES] == pages;
}

/*
 * Each allocation vswap_cluster_new() makes fails in turn, then the space
 * is made full: a whole-cluster request, which needs a new cluster, fails.
 */
static void new_cluster_failures(void)
{
	unsigned int site, max = vswap_max_clusters;
	unsigned long v, v2 = 0, failed, spares = vt_events[VSWAP_SPARE];
	bool ok, spare_ok;

	/* This CPU's cluster is made full, and no cluster is listed. */
	ok = !vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &v) &&
	     list_empty(&vswap_partial) && list_empty(&vswap_busy);
	/*
	 * Taking a new cluster queued the work that makes the spare. With
	 * every allocation failing, a whole-cluster request fails and leaves
	 * the spare (a large folio is split instead); the next new cluster
	 * for a single slot is the spare, and the work is queued again;
	 * until it runs there is none.
	 */
	vt_run_work();
	spare_ok = READ_ONCE(vswap_spare);
	vt_fail_sites = (1u << VT_NR_ALLOC_SITES) - 1;
	spare_ok &= vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &v2) == -ENOMEM &&
		    READ_ONCE(vswap_spare);
	v2 = 0;
	spare_ok &= !vswap_alloc(0, 1, &v2) &&
		    vt_events[VSWAP_SPARE] == spares + 1 && !READ_ONCE(vswap_spare) &&
		    vswap_spare_work.pending;
	for (site = 0; site < VT_NR_ALLOC_SITES; site++) {
		failed = vt_nr_failed[site];
		vt_fail_sites = 1u << site;
		ok &= alloc_fails_cleanly(-ENOMEM) && vt_nr_failed[site] == failed + 1;
	}
	vt_fail_sites = 0;
	check(ok, "each allocation of a new cluster failing, with no spare, gives -ENOMEM; nothing kept");
	WRITE_ONCE(vswap_max_clusters, atomic_read(&vswap_nr_clusters));
	ok = alloc_fails_cleanly(-ENOSPC);
	WRITE_ONCE(vswap_max_clusters, max);
	vswap_cache_put(v, VSWAP_CLUSTER_SLOTS);
	if (v2)
		vswap_cache_put(v2, 1);
	check(ok && !vswap_slots_in_use(),
	      "a full virtual space gives -ENOSPC; nothing kept");
	spare_ok &= vt_run_work() && READ_ONCE(vswap_spare);
	check(spare_ok,
	      "a cluster reclaim cannot allocate is the spare; the work makes the next");
}

/* @rounds of fork, fault, reclaim and zap on every CPU, lookups alongside. */
static bool consistent_with_handoff;

static void hammer(unsigned int threads, unsigned int nr_rounds)
{
	pthread_t t[64], rt;
	unsigned int i;

	rounds = nr_rounds;
	errors = alloc_failures = 0;
	vt_phys_next = vt_phys_twice = vt_releases = 0;
	vt_forgets = vt_forgot_late = 0;
	memset(vt_phys_back, 0, sizeof(vt_phys_back));
	memset(vt_events, 0, sizeof(vt_events));
	vt_rcu_nr_done = vt_rcu_nr_queued = vt_rcu_max_waiting = 0;
	stop = false;

	pthread_create(&rt, NULL, reader, NULL);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, writer, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	/* the handoff cells still hold slots, counted on the threads' CPUs */
	consistent_with_handoff = clusters_consistent();
	handoff_drain();
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	pthread_join(rt, NULL);
}

/* What must hold after hammer(), whether allocations failed or not. */
static void check_hammer(void)
{
	unsigned long n, back = 0, t, early = vt_rcu_nr_done;

	check(!errors && !vt_release_id_wrong,
	      "every count, claim and memcg id was as its owner left it");
	check(consistent_with_handoff,
	      "with the threads done and slots left in the handoff cells, cluster bookkeeping and the counts per backend match the descriptors");
	check(vswap_slots_in_use() == 0 && clusters_consistent(),
	      "all slots freed; cluster bookkeeping matches the descriptors");
	check(vt_events[VSWAP_ALLOC] > rounds &&
	      vt_events[VSWAP_ALLOC] == vt_events[VSWAP_FREE],
	      "vswap_alloc and vswap_free events balance");
	for (n = 0; n < vt_phys_next && n < VT_PHYS_MAX; n++)
		back += vt_phys_back[n] != 0;
	check(vt_phys_next > 0 && vt_phys_next < VT_PHYS_MAX &&
	      back == vt_phys_next && !vt_phys_twice &&
	      vt_releases == vt_events[VSWAP_FREE] &&
	      vt_forgets == vt_events[VSWAP_FREE] && !vt_forgot_late,
	      "device slots came back once each; freed slots forgotten before reuse, released");
	for (t = 0, n = 0; t < VSWAP_NR_BACKENDS; t++)
		n += vswap_backend_slots(t) || vt_backend_count(t);
	check(n == 0, "slots per backend all back to zero");
	check(all_freed_after_teardown(),
	      "after the last grace period every cluster and descriptor page is freed");
	printf("# %sRCU: %lu clusters freed, %lu of them while the threads ran; at most %lu callbacks waiting\n",
	       phase, vt_rcu_nr_queued, early, vt_rcu_max_waiting);
	check(early && early * 2 > vt_rcu_nr_queued,
	      "most dead clusters were freed while the threads ran");
}

/* A run takes seconds: one that takes a minute is stuck, and fails. */
#define VT_TIMEOUT	60

static void timed_out(int sig)
{
	static const char msg[] = "# timed out: a thread is stuck\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

/*
 * vswap_put() says when a slot is left to the swap cache alone (the free
 * path then looks for the cached folio, and only then); the memcg id set
 * under the cache claim is the one the freed slot releases.
 */
static bool put_tells_cache_only(void)
{
	unsigned long v;
	bool ok;

	if (vswap_alloc(0, 5, &v))
		return false;
	ok = !vswap_dup(v) && !vswap_dup(v);
	ok &= !vswap_put(v, 1);		/* a reference is left */
	ok &= vswap_put(v, 1);		/* the cache claim alone */
	ok &= vswap_set_memcg_id(v, 6) == 5 && vswap_memcg_id(v) == 6;
	ok &= !vswap_dup(v);
	vswap_cache_put(v, 1);
	ok &= !vswap_put(v, 1);		/* freed */
	return ok && vt_last_release_id == 6 && !vswap_slots_in_use();
}

/*
 * A cluster given up with more than VSWAP_PARTIAL_USED slots in use (busy)
 * is taken again only when no new cluster can be made, and before the
 * spare; one with at most that many (partial) is taken before a new one is
 * made.
 */
static bool busy_last_partial_first(void)
{
	unsigned long a, b, v = 0, w = 0, spares = vt_events[VSWAP_SPARE];
	int clusters;
	bool ok;

	/* two whole clusters: the first is given up full for the second */
	if (vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &a))
		return false;
	if (vswap_alloc(VSWAP_CLUSTER_SHIFT, 1, &b)) {
		vswap_cache_put(a, VSWAP_CLUSTER_SLOTS);
		return false;
	}
	vswap_cache_put(a, 1);
	ok = !list_empty(&vswap_busy) && list_empty(&vswap_partial);
	/* this CPU's cluster is b's, full: no new one can be made */
	vt_fail_sites = (1u << VT_NR_ALLOC_SITES) - 1;
	ok &= !vswap_alloc(0, 1, &v) && v == a &&
	      vt_events[VSWAP_SPARE] == spares;
	vt_fail_sites = 0;
	/* b's cluster, given up full, down to partial: taken first */
	vswap_cache_put(b, VSWAP_CLUSTER_SLOTS - VSWAP_PARTIAL_USED);
	ok &= list_empty(&vswap_busy) && !list_empty(&vswap_partial);
	clusters = atomic_read(&vswap_nr_clusters);
	ok &= !vswap_alloc(0, 1, &w) && w == b &&
	      atomic_read(&vswap_nr_clusters) == clusters;
	if (v)
		vswap_cache_put(v, 1);
	vswap_cache_put(a + 1, VSWAP_CLUSTER_SLOTS - 1);
	if (w)
		vswap_cache_put(w, 1);
	vswap_cache_put(b + VSWAP_CLUSTER_SLOTS - VSWAP_PARTIAL_USED,
			VSWAP_PARTIAL_USED);
	return ok && !vswap_slots_in_use();
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? atoi(argv[1]) : 8, fail_pct = 5;
	unsigned int nr_rounds;
	const char *env = getenv("VT_FAIL_PCT");
	static char fail_phase[64];
	unsigned long v, failed;
	bool bad_env;

	if (argc > 2)
		rounds = atoi(argv[2]);
	bad_env = env && (*env < '0' || *env > '9' || atoi(env) > 50);
	if (env && !bad_env)
		fail_pct = atoi(env);
	if (threads < 1 || threads > 64 || bad_env) {
		fprintf(stderr, "usage: %s [THREADS (1-64) [ROUNDS]]; VT_FAIL_PCT=0..50\n",
			argv[0]);
		return 2;
	}
	vt_nr_cpus = threads;
	signal(SIGALRM, timed_out);
	alarm(VT_TIMEOUT);
	printf("TAP version 13\n1..%u\n", NR_TESTS);
	assert(!vswap_table_init());

	check(!vswap_alloc(3, 9, &v) && !(v & 7) && vswap_memcg_id(v + 7) == 9 &&
	      vswap_memcg_id_run(v, 8, 9) == 8 && vswap_memcg_id_run(v, 8, 8) == 0 &&
	      vswap_cache_get(v, 8) == -EEXIST, "alloc gives aligned, claimed slots");
	vswap_cache_put(v, 8);
	check(vswap_slots_in_use() == 0 && vswap_dup(v) == -ENOENT,
	      "a slot with no reference and no cache claim is free");
	check(rcu_waits_for_readers(),
	      "an RCU callback waits for the readers inside when it is queued, not for later ones");
	check(cluster_freed_after_grace_period(),
	      "a cluster that dies is freed after a grace period, not before");
	check(next_on_device_finds_each(),
	      "the slots on a device, or held by the swap cache alone, are found in order, across clusters in use only");
	check(set_backends_runs(),
	      "a run of backends is set under one lock, measured, and what it replaced given back once");
	check(offline_cpu_gives_up_cluster(),
	      "a CPU gone offline gives up its cluster");
	check(busy_last_partial_first(),
	      "a busy cluster is taken only when no new one can be made, a partial one before a new one");
	check(put_tells_cache_only(),
	      "a put tells when only the swap cache holds a slot; the memcg id set is released");

	nr_rounds = rounds;
	hammer(threads, nr_rounds);
	check_hammer();
	check(!vt_warnings, "no warnings");
	printf("# %u threads x %u rounds\n", threads, rounds);

	new_cluster_failures();
	snprintf(fail_phase, sizeof(fail_phase), "with %u%% of allocations failing: ",
		 fail_pct);
	phase = fail_phase;
	failed = vt_nr_failed[VT_ALLOC_SLAB] + vt_nr_failed[VT_ALLOC_PAGES] +
		 vt_nr_failed[VT_ALLOC_IDA];
	vt_fail_pct = fail_pct;
	hammer(threads, nr_rounds / 2);
	vt_fail_pct = 0;
	failed = vt_nr_failed[VT_ALLOC_SLAB] + vt_nr_failed[VT_ALLOC_PAGES] +
		 vt_nr_failed[VT_ALLOC_IDA] - failed;
	printf("# %s%lu allocations failed, %lu vswap_alloc() calls with them, %lu clusters from the spare, %lu slots allocated\n",
	       phase, failed, alloc_failures, vt_events[VSWAP_SPARE],
	       vt_events[VSWAP_ALLOC]);
	if (fail_pct)
		check(alloc_failures && !errors,
		      "every failed vswap_alloc() returned -ENOMEM and set no slot");
	else
		skip("every failed vswap_alloc() returned -ENOMEM and set no slot",
		     "VT_FAIL_PCT=0");
	check_hammer();
	check(!vt_warnings, "no warnings");
	printf("# %u threads x %u rounds\n", threads, nr_rounds / 2);
	return nr_fail ? 1 : 0;
}
