// SPDX-License-Identifier: GPL-2.0
/*
 * An emulated compression offload device, for systems without one.
 *
 * It behaves to the kernel as an accelerator in the style of Intel's IAA:
 * an asynchronous acomp algorithm ("lz4-offload-emu") served by engines,
 * each with a descriptor queue of fixed depth. A request is cut into units
 * (see acomp_request_set_unit_size()), each unit becomes a descriptor on
 * an engine's queue, and the submitter then polls for the descriptors'
 * completion records, or, in the callback mode, the engine completing the
 * last descriptor of a request completes it, where a device would raise an
 * interrupt. The engines are kernel threads running lz4, so on an
 * otherwise idle machine a batch is compressed on several CPUs at once;
 * the output is plain lz4, which lz4-scomp decompresses and vice versa.
 *
 * Failures are real paths: a full queue, an engine error (injected, or a
 * verification that fails) and a caller that may not sleep are handled by
 * running the unit in software on the submitter, or on the completing
 * engine in the callback mode; with fail_to_caller set, an engine error on
 * compression is reported in the unit instead. Nothing is lost.
 *
 * Requests come from process context, as scomp's do.
 *
 * Locking: an engine's ring is a spinlock-protected queue of descriptors
 * (copied in by value), filled by any submitter and emptied by its engine,
 * which keeps a slot until the descriptor is done. A request's units and
 * its count of outstanding descriptors live in the request context; an
 * engine writes a unit's status, then decrements the count, and touches
 * the request no more unless it took the count to zero in the callback
 * mode. The submitter holds one count of its own while it submits, so the
 * request cannot complete under it. Software fallbacks on the submitter
 * use a per-CPU lz4 workspace under its spinlock, as scomp does.
 */

#include <crypto/internal/acompress.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

/* Units a request context holds; a larger request is run in chunks. */
#define EMU_MAX_UNITS	32

enum emu_mode {
	EMU_SYNC,		/* one descriptor at a time, polled */
	EMU_ASYNC,		/* a chunk of descriptors, polled */
	EMU_ASYNC_IRQ,		/* a chunk, completed by the last engine */
};

static const char * const emu_mode_names[] = {
	[EMU_SYNC] = "sync",
	[EMU_ASYNC] = "async",
	[EMU_ASYNC_IRQ] = "async_irq",
};

static unsigned int emu_engines = 2;
static unsigned int emu_queue_depth = 32;
static unsigned int emu_batch_size = 8;
static int emu_mode = EMU_ASYNC;
static bool emu_verify;
static bool emu_fail_to_caller;
static unsigned int emu_inject_engine_error;
static unsigned int emu_inject_queue_full;
static unsigned int emu_inject_verify_fail;

static int emu_param_range(const char *val, const struct kernel_param *kp,
			   unsigned int min, unsigned int max, bool pow2)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err || n < min || n > max || (pow2 && !is_power_of_2(n))) {
		pr_err("acomp_offload_emu: %s must be %s%u..%u, not '%s'\n",
		       kp->name, pow2 ? "a power of 2 in " : "", min, max, val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static int emu_set_engines(const char *val, const struct kernel_param *kp)
{
	return emu_param_range(val, kp, 1, 64, false);
}

static int emu_set_queue_depth(const char *val, const struct kernel_param *kp)
{
	return emu_param_range(val, kp, 1, 4096, true);
}

static int emu_set_batch_size(const char *val, const struct kernel_param *kp)
{
	return emu_param_range(val, kp, 1, EMU_MAX_UNITS, false);
}

static const struct kernel_param_ops emu_engines_ops = {
	.set = emu_set_engines,
	.get = param_get_uint,
};

static const struct kernel_param_ops emu_queue_depth_ops = {
	.set = emu_set_queue_depth,
	.get = param_get_uint,
};

static const struct kernel_param_ops emu_batch_size_ops = {
	.set = emu_set_batch_size,
	.get = param_get_uint,
};

static int emu_set_mode(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(emu_mode_names, val);

	if (i < 0) {
		pr_err("acomp_offload_emu: mode must be sync, async or async_irq, not '%s'\n",
		       val);
		return -EINVAL;
	}
	WRITE_ONCE(emu_mode, i);
	return 0;
}

static int emu_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", emu_mode_names[READ_ONCE(emu_mode)]);
}

static const struct kernel_param_ops emu_mode_ops = {
	.set = emu_set_mode,
	.get = emu_get_mode,
};

/* Set at boot (or module load): the engines and their queues are made once. */
module_param_cb(engines, &emu_engines_ops, &emu_engines, 0444);
MODULE_PARM_DESC(engines, "Engines (kernel threads), 1..64 (default 2)");
module_param_cb(queue_depth, &emu_queue_depth_ops, &emu_queue_depth, 0444);
MODULE_PARM_DESC(queue_depth, "Descriptors per engine queue, a power of 2 up to 4096 (default 32)");
module_param_cb(batch_size, &emu_batch_size_ops, &emu_batch_size, 0444);
MODULE_PARM_DESC(batch_size, "Units the driver asks for per request, 1..32 (default 8)");

/* May change at any time; a request reads each once. */
module_param_cb(mode, &emu_mode_ops, &emu_mode, 0644);
MODULE_PARM_DESC(mode, "sync, async (polled) or async_irq (completion callback)");
module_param_named(verify, emu_verify, bool, 0644);
MODULE_PARM_DESC(verify, "Decompress each compressed unit and compare it");
module_param_named(fail_to_caller, emu_fail_to_caller, bool, 0644);
MODULE_PARM_DESC(fail_to_caller, "Report an engine's compression error in the unit, not retry in software");
module_param_named(inject_engine_error, emu_inject_engine_error, uint, 0644);
MODULE_PARM_DESC(inject_engine_error, "Fail every Nth descriptor an engine runs (0: never)");
module_param_named(inject_queue_full, emu_inject_queue_full, uint, 0644);
MODULE_PARM_DESC(inject_queue_full, "Find the queue full at every Nth submission (0: never)");
module_param_named(inject_verify_fail, emu_inject_verify_fail, uint, 0644);
MODULE_PARM_DESC(inject_verify_fail, "Fail every Nth verification (0: never)");

/* Events, in debugfs. */
enum emu_stat {
	EMU_SUBMITTED,		/* descriptors queued on an engine */
	EMU_COMPLETED,		/* descriptors an engine finished */
	EMU_ENGINE_ERROR,	/* descriptors an engine failed */
	EMU_VERIFY_FAIL,	/* verifications that failed */
	EMU_SW_QUEUE_FULL,	/* units run in software: queue full */
	EMU_SW_ENGINE_ERROR,	/* units run in software: engine error */
	EMU_SW_NOSLEEP,		/* units run in software: caller may not sleep */
	EMU_FAILED_TO_CALLER,	/* engine errors reported to the caller */
	EMU_NR_STATS
};

static const char * const emu_stat_names[] = {
	"submitted", "completed", "engine_error", "verify_fail",
	"sw_queue_full", "sw_engine_error", "sw_nosleep", "failed_to_caller",
};

static atomic64_t emu_stats[EMU_NR_STATS];
static atomic_t emu_engine_runs, emu_submits, emu_verifies;
static atomic_t emu_next_engine;

static void emu_count(enum emu_stat stat)
{
	atomic64_inc(&emu_stats[stat]);
}

/* Is this the Nth event counted by @counter, for injection every @every? */
static bool emu_inject(atomic_t *counter, unsigned int every)
{
	return every && (unsigned int)atomic_inc_return(counter) % every == 0;
}

/* One unit of a request, as the engines see it. */
struct emu_unit {
	struct scatterlist *result;	/* the unit's entry in req->dst */
	struct page *spage;
	struct page *dpage;
	unsigned int soff;
	unsigned int slen;
	unsigned int doff;
	unsigned int dcap;
	int status;			/* bytes produced, or -errno */
};

/* The request context. */
struct emu_req {
	struct acomp_req *req;
	struct acomp_unit_iter iter;	/* units not yet in a chunk */
	unsigned int left;		/* how many */
	unsigned int nr;		/* units in the current chunk */
	atomic_t pending;		/* its descriptors not yet done, +1 */
	int err;			/* first failed unit's error */
	bool compress;
	bool units;			/* a request with a unit size */
	enum emu_mode mode;
	struct emu_unit unit[EMU_MAX_UNITS];
};

struct emu_desc {
	struct emu_req *er;
	unsigned int i;			/* which unit of er */
};

struct emu_engine {
	spinlock_t lock;		/* protects head and tail */
	unsigned int head;		/* next descriptor to run */
	unsigned int tail;		/* next free slot */
	struct emu_desc *ring;
	wait_queue_head_t wait;
	struct task_struct *task;
	void *wrkmem;			/* lz4 workspace */
	void *bounce;			/* a page for verification */
};

static struct emu_engine *emu_engine;
static unsigned int emu_nr_engines;	/* as made at init */

/* Software fallback on a submitter. */
struct emu_sw {
	spinlock_t lock;		/* protects wrkmem */
	void *wrkmem;
};

static DEFINE_PER_CPU(struct emu_sw, emu_sw);

static struct dentry *emu_debugfs;

/*
 * Map @len bytes at @off in @page: units within one page go through
 * kmap_local_page(), longer ones must be in the linear map.
 */
static void *emu_map(struct page *page, unsigned int off, unsigned int len,
		     bool *kmapped)
{
	*kmapped = off + len <= PAGE_SIZE;
	if (*kmapped)
		return kmap_local_page(page) + off;
	return page_address(page) + off;
}

static void emu_unmap(void *addr, bool kmapped)
{
	if (kmapped)
		kunmap_local(addr);
}

/*
 * Run one unit: what an engine does with a descriptor, and what the
 * software fallback does. Return: bytes produced, or -errno; -EIO for a
 * failed verification.
 */
static int emu_run_unit(struct emu_unit *u, bool compress, void *wrkmem,
			void *bounce)
{
	bool smapped, dmapped;
	void *src, *dst;
	int n;

	src = emu_map(u->spage, u->soff, u->slen, &smapped);
	dst = emu_map(u->dpage, u->doff, u->dcap, &dmapped);
	if (compress) {
		n = LZ4_compress_default(src, dst, u->slen, u->dcap, wrkmem);
		if (!n) {
			n = -ENOSPC;
		} else if (bounce && READ_ONCE(emu_verify)) {
			if (LZ4_decompress_safe(dst, bounce, n, PAGE_SIZE) != u->slen ||
			    memcmp(bounce, src, u->slen) ||
			    emu_inject(&emu_verifies, READ_ONCE(emu_inject_verify_fail))) {
				emu_count(EMU_VERIFY_FAIL);
				n = -EIO;
			}
		}
	} else {
		n = LZ4_decompress_safe(src, dst, u->slen, u->dcap);
		if (n < 0)
			n = -EINVAL;
	}
	emu_unmap(dst, dmapped);
	emu_unmap(src, smapped);
	if (n > 0) {
		unsigned int i, pages = DIV_ROUND_UP(u->doff + n, PAGE_SIZE);

		for (i = 0; i < pages; i++)
			flush_dcache_page(nth_page(u->dpage, i));
	}
	return n;
}

/* Run a unit in software on this CPU (verification is the engines'). */
static int emu_run_sw(struct emu_unit *u, bool compress)
{
	struct emu_sw *sw = raw_cpu_ptr(&emu_sw);
	int n;

	spin_lock(&sw->lock);
	n = emu_run_unit(u, compress, sw->wrkmem, NULL);
	spin_unlock(&sw->lock);
	return n;
}

static void emu_desc_done(struct emu_req *er);

static int emu_engine_fn(void *arg)
{
	struct emu_engine *e = arg;
	struct emu_desc d;
	struct emu_unit *u;

	while (!kthread_should_stop()) {
		wait_event_interruptible(e->wait, READ_ONCE(e->head) !=
					 READ_ONCE(e->tail) ||
					 kthread_should_stop());
		for (;;) {
			spin_lock(&e->lock);
			if (e->head == e->tail) {
				spin_unlock(&e->lock);
				break;
			}
			d = e->ring[e->head & (emu_queue_depth - 1)];
			spin_unlock(&e->lock);

			u = &d.er->unit[d.i];
			if (emu_inject(&emu_engine_runs,
				       READ_ONCE(emu_inject_engine_error)))
				u->status = -EIO;
			else
				u->status = emu_run_unit(u, d.er->compress,
							 e->wrkmem, e->bounce);
			if (u->status == -EIO)
				emu_count(EMU_ENGINE_ERROR);
			emu_count(EMU_COMPLETED);

			spin_lock(&e->lock);
			e->head++;
			spin_unlock(&e->lock);
			emu_desc_done(d.er);
			cond_resched();
		}
	}
	return 0;
}

/* Queue unit @i of @er on engine @e; false if its queue is full. */
static bool emu_submit(struct emu_engine *e, struct emu_req *er,
		       unsigned int i)
{
	bool queued = false;

	if (emu_inject(&emu_submits, READ_ONCE(emu_inject_queue_full)))
		return false;
	spin_lock(&e->lock);
	if (e->tail - e->head < emu_queue_depth) {
		e->ring[e->tail & (emu_queue_depth - 1)] =
			(struct emu_desc){ .er = er, .i = i };
		e->tail++;
		queued = true;
	}
	spin_unlock(&e->lock);
	return queued;
}

/* Describe unit @i from one-entry lists @src and @dst. */
static int emu_unit_set(struct emu_unit *u, struct scatterlist *src,
			struct scatterlist *dst, struct scatterlist *result)
{
	unsigned int soff = src->offset, doff = dst->offset;

	u->result = result;
	u->spage = nth_page(sg_page(src), soff >> PAGE_SHIFT);
	u->soff = offset_in_page(soff);
	u->slen = src->length;
	u->dpage = nth_page(sg_page(dst), doff >> PAGE_SHIFT);
	u->doff = offset_in_page(doff);
	u->dcap = min_t(unsigned int, dst->length, PAGE_SIZE);
	u->status = 0;

	/* The engines take pages: a unit's input is at most one. */
	if (!u->slen || u->slen > PAGE_SIZE || !u->dcap)
		return -EINVAL;
	if ((u->soff + u->slen > PAGE_SIZE && PageHighMem(u->spage)) ||
	    (u->doff + u->dcap > PAGE_SIZE && PageHighMem(u->dpage)))
		return -EINVAL;
	return 0;
}

/*
 * Take the next chunk of units and send them to the engines, round robin,
 * one wakeup per engine; units that find a queue full, and all of them if
 * the request may not wait for engines, run in software here once the
 * engines are woken. Returns with the submitter's own count still in
 * er->pending.
 */
static void emu_submit_chunk(struct emu_req *er, bool software)
{
	unsigned int max = er->mode == EMU_SYNC ? 1 : EMU_MAX_UNITS;
	unsigned long woken = 0, local = 0;
	struct scatterlist src, dst, *result;
	unsigned int i, e;
	struct emu_unit *u;

	BUILD_BUG_ON(EMU_MAX_UNITS > BITS_PER_LONG);

	er->nr = min(er->left, max);
	er->left -= er->nr;
	atomic_set(&er->pending, er->nr + 1);
	e = atomic_add_return(er->nr, &emu_next_engine) - er->nr;

	for (i = 0; i < er->nr; i++, e++) {
		u = &er->unit[i];
		if (er->units) {
			result = acomp_unit_next(&er->iter, &src, &dst);
		} else {
			result = er->req->dst;
			src = *er->req->src;
			dst = *er->req->dst;
			src.length = er->req->slen;
			dst.length = er->req->dlen;
		}
		if (emu_unit_set(u, &src, &dst, result)) {
			u->status = -EINVAL;
			atomic_dec(&er->pending);
			continue;
		}
		if (software) {
			emu_count(EMU_SW_NOSLEEP);
		} else {
			e %= emu_nr_engines;
			if (emu_submit(&emu_engine[e], er, i)) {
				emu_count(EMU_SUBMITTED);
				if (e < BITS_PER_LONG)
					woken |= BIT(e);
				else
					wake_up(&emu_engine[e].wait);
				continue;
			}
			emu_count(EMU_SW_QUEUE_FULL);
		}
		local |= BIT(i);
	}

	for_each_set_bit(e, &woken, BITS_PER_LONG)
		wake_up(&emu_engine[e].wait);
	for_each_set_bit(i, &local, EMU_MAX_UNITS) {
		u = &er->unit[i];
		u->status = emu_run_sw(u, er->compress);
		atomic_dec(&er->pending);
	}
}

/* All of the chunk's descriptors are done: handle engine errors, record. */
static void emu_finish_chunk(struct emu_req *er)
{
	struct emu_unit *u;
	unsigned int i;

	for (i = 0; i < er->nr; i++) {
		u = &er->unit[i];
		if (u->status == -EIO) {
			if (er->compress && READ_ONCE(emu_fail_to_caller)) {
				emu_count(EMU_FAILED_TO_CALLER);
			} else {
				emu_count(EMU_SW_ENGINE_ERROR);
				u->status = emu_run_sw(u, er->compress);
			}
		}
		if (u->status < 0 && !er->err)
			er->err = u->status;
		if (er->units)
			acomp_unit_set_result(u->result, u->status);
		else if (u->status >= 0)
			er->req->dlen = u->status;
	}
}

/*
 * Run chunks until one is left to the engines to complete (-EINPROGRESS),
 * or all are done (the request's result).
 */
static int emu_run_chunks(struct emu_req *er, bool software)
{
	/* Once the count is dropped, an engine may complete and free @er. */
	bool irq = er->mode == EMU_ASYNC_IRQ;

	while (er->left) {
		emu_submit_chunk(er, software);
		if (!atomic_dec_and_test(&er->pending)) {
			if (irq)
				return -EINPROGRESS;
			while (atomic_read_acquire(&er->pending)) {
				cond_resched();
				cpu_relax();
			}
		}
		emu_finish_chunk(er);
	}
	return er->err;
}

/*
 * An engine finished a descriptor of @er. In the polled modes the submitter
 * sees the count fall and @er may be gone right after; in the callback mode
 * the engine that takes it to zero goes on with the request, as an
 * interrupt handler would.
 */
static void emu_desc_done(struct emu_req *er)
{
	bool irq = er->mode == EMU_ASYNC_IRQ;
	int err;

	if (!atomic_dec_and_test(&er->pending) || !irq)
		return;
	emu_finish_chunk(er);
	err = emu_run_chunks(er, false);
	if (err != -EINPROGRESS)
		acomp_request_complete(er->req, err);
}

static int emu_start(struct acomp_req *req, bool compress)
{
	struct emu_req *er = acomp_request_ctx(req);
	bool may_sleep = req->base.flags & CRYPTO_TFM_REQ_MAY_SLEEP;
	struct scatterlist *sg;
	int nr;

	er->req = req;
	er->compress = compress;
	er->err = 0;
	er->mode = READ_ONCE(emu_mode);
	er->units = req->unit_size;
	if (er->units) {
		nr = acomp_units_start(req, compress, &er->iter);
		if (nr < 0) {
			for (sg = req->dst; sg; sg = sg_next(sg))
				acomp_unit_set_result(sg, nr);
			return nr;
		}
		er->left = nr;
	} else {
		/* One unit: the request's lists must each be one entry. */
		if (!req->src || !req->dst || !sg_is_last(req->src) ||
		    !sg_is_last(req->dst) || req->slen > req->src->length ||
		    req->dlen > req->dst->length)
			return -EINVAL;
		er->left = 1;
	}

	/*
	 * Polling needs the engines to run: on a kernel without preemption an
	 * engine queued on this CPU runs only when the submitter yields, which
	 * a caller that may not sleep cannot. Such a request runs here, in
	 * software (so does one sent from an engine's completion of another).
	 */
	return emu_run_chunks(er, er->mode != EMU_ASYNC_IRQ && !may_sleep);
}

static int emu_compress(struct acomp_req *req)
{
	return emu_start(req, true);
}

static int emu_decompress(struct acomp_req *req)
{
	return emu_start(req, false);
}

static struct acomp_alg emu_alg = {
	.compress	= emu_compress,
	.decompress	= emu_decompress,
	.reqsize	= sizeof(struct emu_req),
	.base = {
		.cra_name	 = "lz4-offload-emu",
		.cra_driver_name = "lz4-offload-emu",
		.cra_flags	 = CRYPTO_ALG_ASYNC,
		.cra_module	 = THIS_MODULE,
	},
};

static int emu_stat_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < EMU_NR_STATS; i++)
		seq_printf(m, "%s %lld\n", emu_stat_names[i],
			   atomic64_read(&emu_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(emu_stat);

static void emu_free(void)
{
	unsigned int i;
	int cpu;

	for (i = 0; emu_engine && i < emu_nr_engines; i++) {
		if (!IS_ERR_OR_NULL(emu_engine[i].task))
			kthread_stop(emu_engine[i].task);
		kvfree(emu_engine[i].ring);
		vfree(emu_engine[i].wrkmem);
		free_page((unsigned long)emu_engine[i].bounce);
	}
	kfree(emu_engine);
	emu_engine = NULL;
	for_each_possible_cpu(cpu)
		vfree(per_cpu(emu_sw, cpu).wrkmem);
}

static int __init emu_init(void)
{
	struct emu_engine *e;
	unsigned int i;
	int cpu, err;

	BUILD_BUG_ON(ARRAY_SIZE(emu_stat_names) != EMU_NR_STATS);
	for_each_possible_cpu(cpu) {
		struct emu_sw *sw = per_cpu_ptr(&emu_sw, cpu);

		spin_lock_init(&sw->lock);
		sw->wrkmem = vmalloc(LZ4_MEM_COMPRESS);
		if (!sw->wrkmem)
			goto nomem;
	}

	emu_nr_engines = emu_engines;
	emu_engine = kcalloc(emu_nr_engines, sizeof(*emu_engine), GFP_KERNEL);
	if (!emu_engine)
		goto nomem;
	for (i = 0; i < emu_nr_engines; i++) {
		e = &emu_engine[i];
		spin_lock_init(&e->lock);
		init_waitqueue_head(&e->wait);
		e->ring = kvcalloc(emu_queue_depth, sizeof(*e->ring), GFP_KERNEL);
		e->wrkmem = vmalloc(LZ4_MEM_COMPRESS);
		e->bounce = (void *)__get_free_page(GFP_KERNEL);
		if (!e->ring || !e->wrkmem || !e->bounce)
			goto nomem;
		e->task = kthread_run(emu_engine_fn, e, "acomp_emu/%u", i);
		if (IS_ERR(e->task)) {
			err = PTR_ERR(e->task);
			goto fail;
		}
	}

	emu_alg.batch_size = emu_batch_size;
	err = crypto_register_acomp(&emu_alg);
	if (err)
		goto fail;

	emu_debugfs = debugfs_create_dir("acomp_offload_emu", NULL);
	debugfs_create_file("stats", 0444, emu_debugfs, NULL, &emu_stat_fops);
	pr_info("acomp_offload_emu: %u engines, queues of %u, batches of %u\n",
		emu_nr_engines, emu_queue_depth, emu_batch_size);
	return 0;

nomem:
	err = -ENOMEM;
fail:
	emu_free();
	return err;
}

static void __exit emu_exit(void)
{
	debugfs_remove(emu_debugfs);
	crypto_unregister_acomp(&emu_alg);
	emu_free();
}

module_init(emu_init);
module_exit(emu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated compression offload device (lz4 on engine threads)");
MODULE_ALIAS_CRYPTO("lz4-offload-emu");

#if IS_ENABLED(CONFIG_CRYPTO_DEV_ACOMP_OFFLOAD_EMU_KUNIT_TEST)
#include "acomp_offload_emu_kunit.c"
#endif
