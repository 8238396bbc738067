// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace test of the virtual swap slot table: mm/vswap.c compiled
 * against the stand-ins in linux/ and hammered by threads, to be run under
 * ThreadSanitizer and AddressSanitizer (see Makefile). A thread plays a
 * CPU; one more thread does lock-free lookups all along. At the end every
 * cluster's bookkeeping is checked against its descriptors.
 *
 * Usage: vswap_test [THREADS [ROUNDS]]	(TAP output)
 */
#include "linux/kernel.h"
#include "../../../mm/vswap.c"

unsigned long vt_warnings;
unsigned long vt_events[NR_VM_EVENT_ITEMS];
unsigned int vt_nr_cpus = 8;
unsigned long vt_totalram_pages = 1UL << 18;	/* 1 GiB: 1024 clusters */

/*
 * Device slots are played by numbers handed out once each; every one must
 * come back exactly once: from vswap_set_backend() to the caller that
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

static void vt_phys_return(unsigned long word)
{
	unsigned long n = swp_offset(vswap_word_slot(word));

	if (__atomic_fetch_add(&vt_phys_back[n], 1, __ATOMIC_RELAXED))
		__atomic_add_fetch(&vt_phys_twice, 1, __ATOMIC_RELAXED);
}

/* Stands in for mm/vswap_io.c: a freed slot's number is forgotten... */
static unsigned long vt_forgets, vt_forgot_late;

void vswap_forget(unsigned long vslot)
{
	__atomic_add_fetch(&vt_forgets, 1, __ATOMIC_RELAXED);
	/* Still unallocatable: its count word has not gone to zero yet. */
	if (!vswap_read(vslot, count))
		__atomic_add_fetch(&vt_forgot_late, 1, __ATOMIC_RELAXED);
}

/* ...and what it held goes back. */
void vswap_release(unsigned long vslot, unsigned long backend,
		   unsigned short memcg_id)
{
	__atomic_add_fetch(&vt_releases, 1, __ATOMIC_RELAXED);
	if ((backend & VSWAP_TAG_MASK) == VSWAP_PHYS)
		vt_phys_return(backend);
}

static pthread_mutex_t vt_rcu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *vt_rcu_pending;

/* Freed at exit only: no lock-free reader can outlive an object. */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	pthread_mutex_lock(&vt_rcu_lock);
	head->func = func;
	head->next = vt_rcu_pending;
	vt_rcu_pending = head;
	pthread_mutex_unlock(&vt_rcu_lock);
}

static void vt_rcu_barrier(void)
{
	while (vt_rcu_pending) {
		struct rcu_head *h = vt_rcu_pending;

		vt_rcu_pending = h->next;
		h->func(h);
	}
}

static unsigned int nr_fail, nr_test;

static void check(bool ok, const char *what)
{
	nr_test++;
	if (!ok)
		nr_fail++;
	printf("%sok %u %s\n", ok ? "" : "not ", nr_test, what);
}

static unsigned int rounds = 100000;
static bool stop;
static unsigned long errors;

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

/* Fork, fault, reclaim and zap, as the swap paths will drive the table. */
static void *writer(void *arg)
{
	unsigned long live[LIVE] = { 0 }, v, w;
	unsigned int order[LIVE], refs[LIVE], id = (uintptr_t)arg, r, k, j;
	uint32_t rnd = id * 2654435761u + 1;

	for (r = 0; r < rounds; r++) {
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
			    vswap_count(v) != refs[k])
				__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
			switch (xorshift(&rnd) % 3) {
			case 0:
				w = VSWAP_ZERO;
				break;
			case 1:
				w = VSWAP_FOLIO;
				break;
			default:
				w = vt_phys_new();
			}
			w = vswap_set_backend(v, w);
			if ((w & VSWAP_TAG_MASK) == VSWAP_PHYS)
				vt_phys_return(w);
			vswap_cache_put(v, 1U << order[k]);
		} else if (live[k]) {
			for (j = 0; j < refs[k]; j++)	/* process exits */
				vswap_put(v, 1U << order[k]);
			live[k] = 0;
		} else {
			order[k] = xorshift(&rnd) % 10 ? 0 : xorshift(&rnd) % 5;
			if (vswap_alloc(order[k], id, &v)) {
				__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
				continue;
			}
			refs[k] = 1 + xorshift(&rnd) % 3;
			for (j = 0; j < 1U << order[k]; j++) {
				unsigned int n;

				for (n = 0; n < refs[k]; n++)
					if (vswap_dup(v + j))
						__atomic_add_fetch(&errors, 1,
								   __ATOMIC_RELAXED);
				if (vswap_memcg_id(v + j) != id)
					__atomic_add_fetch(&errors, 1,
							   __ATOMIC_RELAXED);
			}
			vswap_cache_put(v, 1U << order[k]);
			live[k] = v + 1;
		}
	}
	for (k = 0; k < LIVE; k++)
		for (j = 0; live[k] && j < refs[k]; j++)
			vswap_put(live[k] - 1, 1U << order[k]);
	return NULL;
}

/* After the writers: free what is left in the handoff cells. */
static void handoff_drain(void)
{
	unsigned int i, j;

	for (i = 0; i < HANDOFF; i++)
		for (j = 0; handoff[i].v && j < handoff[i].refs; j++)
			vswap_put(handoff[i].v - 1, 1U << handoff[i].order);
}

static void *reader(void *arg)
{
	unsigned long v = 0, span = 64UL * VSWAP_CLUSTER_SLOTS;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		vswap_count(v);
		vswap_backend(v);
		vswap_memcg_id(v);
		v = (v + 97) % span;
	}
	return NULL;
}

/* Every cluster's nr_used and list state agree with its descriptors. */
static bool clusters_consistent(void)
{
	struct vswap_cluster *c, *p;
	unsigned long id;
	bool ok = true;
	void *entry;

	xa_for_each(&vswap_clusters, id, entry) {
		unsigned int used = 0, i;
		bool listed = false;

		c = entry;
		for (i = 0; i < VSWAP_CLUSTER_SLOTS; i++)
			used += !!c->desc[i].count;
		for (p = list_first_entry_or_null(&vswap_partial,
						  struct vswap_cluster, list);
		     p && &p->list != &vswap_partial;
		     p = container_of(p->list.next, struct vswap_cluster, list))
			listed |= p == c;
		if (used != c->nr_used || c->state == VC_DEAD || c->id != id ||
		    listed != (c->state == VC_PARTIAL) ||
		    (c->state == VC_PARTIAL && !used)) {
			fprintf(stderr, "cluster %lu: state %u nr_used %u, %u in use, %slisted\n",
				id, c->state, c->nr_used, used, listed ? "" : "not ");
			ok = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? atoi(argv[1]) : 8, i;
	pthread_t t[64], rt;
	unsigned long v;

	if (argc > 2)
		rounds = atoi(argv[2]);
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "usage: %s [THREADS (1-64) [ROUNDS]]\n", argv[0]);
		return 2;
	}
	vt_nr_cpus = threads;
	printf("TAP version 13\n1..8\n");
	vswap_table_init();

	check(!vswap_alloc(3, 9, &v) && !(v & 7) && vswap_memcg_id(v + 7) == 9 &&
	      vswap_cache_get(v, 8) == -EEXIST, "alloc gives aligned, claimed slots");
	vswap_cache_put(v, 8);
	check(vswap_slots_in_use() == 0 && vswap_dup(v) == -ENOENT,
	      "a slot with no reference and no cache claim is free");

	pthread_create(&rt, NULL, reader, NULL);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, writer, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	handoff_drain();
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	pthread_join(rt, NULL);

	check(!errors, "every count, claim and memcg id was as its owner left it");
	check(vswap_slots_in_use() == 0 && clusters_consistent(),
	      "all slots freed; cluster bookkeeping matches the descriptors");
	check(vt_events[VSWAP_ALLOC] > rounds &&
	      vt_events[VSWAP_ALLOC] == vt_events[VSWAP_FREE],
	      "vswap_alloc and vswap_free events balance");
	{
		unsigned long n, back = 0, t;

		for (n = 0; n < vt_phys_next && n < VT_PHYS_MAX; n++)
			back += vt_phys_back[n] != 0;
		check(vt_phys_next > 0 && vt_phys_next < VT_PHYS_MAX &&
		      back == vt_phys_next && !vt_phys_twice &&
		      vt_releases == vt_events[VSWAP_FREE] &&
		      vt_forgets == vt_events[VSWAP_FREE] && !vt_forgot_late,
		      "device slots came back once each; freed slots forgotten before reuse, released");
		for (t = 0, n = 0; t < VSWAP_NR_BACKENDS; t++)
			n += vswap_backend_slots(t);
		check(n == 0, "slots per backend all back to zero");
	}
	check(!vt_warnings, "no warnings");
	vt_rcu_barrier();
	printf("# %u threads x %u rounds\n", threads, rounds);
	return nr_fail ? 1 : 0;
}
