// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin counting the guest instructions executed
 * at each kernel address, for 'make profile' with PROFILE_INSN=1.
 *
 * Every translation block starting at a kernel address (the top half of
 * the address space) gets a counter of its own, keyed by its start address,
 * to which each execution of the block adds its instruction count (an
 * inline add: no call out of the generated code). Blocks in user space
 * share one counter. A block that faults part way is counted whole.
 *
 * QEMU (7.2, Debian 12's) ends a block after each iteration of a
 * REP-prefixed string instruction and starts the next at that instruction
 * again: a block
 * starting with one is counted apart, in iterations (clear_page_erms()
 * counts 4096 per page cleared, a rep movsb its byte count).
 *
 * With dispatch=1 it also counts, for each kernel block, how often it was
 * entered by a lookup rather than a chained jump, and how often that
 * lookup missed QEMU's jump cache. QEMU 7.2 chains a block to the next
 * only by a direct jump to the page the block starts in, and never into a
 * block that spans two pages; otherwise (after a return, an indirect call
 * or jump, a jump to another page, or into a spanning block) it looks the
 * next block up: first in a per-vCPU cache of 4096 blocks indexed by a
 * hash of the address (tb_jmp_cache_hash_func()), then in a hash table of
 * all blocks. A loop that crosses a page boundary pays a lookup on every
 * iteration, so where the link puts a hot loop weighs on the time, and on
 * no instruction count (results/tcg-layout/).
 *
 * A block counts as entered by a lookup when the block before it ended in
 * a return, an indirect jump or call, SYSRET or IRET, or in an instruction
 * after which QEMU returns to its main loop (STI, POPF, a control-register
 * or MSR write, INVLPG), or started on another page, or when it spans two
 * pages itself; interrupts and exceptions count the same way, and so does
 * a conditional branch to another page. The cache is emptied, as QEMU
 * empties it with its whole TLB, when the kernel writes CR3 (QEMU 7.2
 * flushes its TLB on every CR3 write: it does not keep PCIDs apart) or
 * CR4 (the kernel's global flush toggles CR4.PGE, which QEMU flushes for;
 * a CR4 write that changes no such bit is counted too, wrongly); those
 * flushes are counted. INVLPGs are counted, not modelled: QEMU clears the
 * entries hashed from the flushed page's address and the page before it,
 * and a plugin does not see the address. Nor are other instructions that
 * end a block with a return to QEMU's main loop, the one-instruction block
 * QEMU runs after STI (its own return to the main loop is not counted, nor
 * its second translation of that address, with other flags, sharing the
 * cache slot), or the clears of a block invalidated; so the misses are
 * not a bound either way, but a model.
 * User space's blocks take
 * part (they share the cache), counted together and approximately: QEMU
 * shares a translation between the addresses mapping one physical page,
 * and the plugin keeps the first. This costs a call out of the generated
 * code for every block executed.
 *
 * With mem=1 it also counts, for each kernel block, the guest memory
 * accesses its instructions made (an inline add per access), the atomic
 * instructions it executed (LOCK-prefixed, or XCHG with memory) and its
 * STI and POPF instructions. Under TCG every access goes through the soft
 * TLB, and QEMU 7.2 ends a block after STI or POPF (the flags they set
 * change what may run next) with a return to its main loop, so two paths
 * of the same instruction count can differ in both. The atomic count
 * describes the code more than its cost here: with one vCPU, which this
 * plugin needs, QEMU runs an atomic instruction inline as a load and a
 * store (a helper call only with two or more, under multi-threaded TCG
 * as harness/vm.py runs it), and a kernel booted with
 * one CPU has the LOCK prefixes of its SMP alternatives patched out (a
 * hard-coded LOCK, as in the sync_* bit operations, stays).
 *
 * With tlb=BITS it also simulates, for the kernel's data accesses, QEMU
 * 7.2's soft TLB at a fixed size of 2^BITS entries (QEMU starts at 2^8 and
 * resizes it at flushes, by use, between 2^6 and 2^22): direct-mapped by
 * 4 KiB page, with the 8-entry victim TLB that takes each evicted entry
 * and swaps back on a hit; emptied with the whole TLB (CR3 and CR4
 * writes). It counts, per kernel block, the accesses that miss both, each
 * of which QEMU fills by walking the guest's page tables. With dispatch=1
 * as well, each simulated jump-cache miss of a kernel block probes the
 * block's code page in the same table, as QEMU's hash-table lookup does
 * (on x86 its code and data accesses share a table), counted apart. Not
 * modelled: INVLPG (the address is not seen); the separate table QEMU
 * keeps for accesses with SMAP's AC flag set; accesses that cross a page;
 * the code probes of translation; what QEMU accesses itself (interrupt
 * and exception frames). This calls out of the generated code for every
 * kernel memory access.
 *
 * Arguments:
 *   out=FILE   where snapshots are written (required)
 *   start=ADDR a kernel address (hex) whose execution writes a snapshot
 *              and arms the end address
 *   end=ADDR   a kernel address whose first execution after start writes
 *              a snapshot
 *   dispatch=0|1 count lookups, jump-cache misses, whole-TLB flushes and
 *              INVLPGs too (default 0)
 *   mem=0|1    count memory accesses, atomic instructions and STI/POPF
 *              too (default 0)
 *   tlb=BITS   simulate a soft TLB of 2^BITS entries, 1 to 22 (default:
 *              none)
 * A snapshot is "SNAP SEQ start|end", one "ADDR INSNS REPS LOOKUPS MISSES
 * MEMS ATOMICS EXITS FLUSHES INVLPGS TLBMISSES TLBCODEMISSES" line per
 * kernel block executed so far, "user INSNS LOOKUPS MISSES", then
 * "END"; counts only grow, so a run's counts are the difference of its two
 * snapshots.
 *
 * One vCPU only: the inline adds are not atomic, and two vCPUs executing
 * the same block would lose counts.
 *
 * Written against the plugin API of QEMU 7.2 (version 1); QEMU 9.0 changed
 * qemu_plugin_insn_data()'s signature.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define TABLE_BITS	20
#define TABLE_SIZE	(1UL << TABLE_BITS)

struct block {
	uint64_t addr;		/* 0: free slot */
	uint64_t insns;
	uint64_t reps;		/* REP string iterations */
	uint64_t lookups;	/* entered by a lookup (dispatch=1) */
	uint64_t misses;	/* ... that missed the jump cache */
	uint64_t mems;		/* memory accesses (mem=1) */
	uint64_t atomics;	/* atomic instructions (mem=1) */
	uint64_t exits;		/* STI and POPF (mem=1) */
	uint64_t flushes;	/* whole-TLB flushes (dispatch=1, tlb=) */
	uint64_t invlpgs;	/* INVLPG (dispatch=1) */
	uint64_t tlb_misses;	/* simulated soft-TLB misses (tlb=BITS) */
	uint64_t tlb_code_misses; /* ... of code probes (tlb=, dispatch=1) */
};

/* What dispatch=1 knows of a translated block. */
struct dispatch {
	uint64_t addr;
	int indirect;		/* ends in a jump QEMU looks up */
	int spans;		/* its code crosses into a second page */
	struct block *counts;	/* the kernel block's, or &user_counts */
};

/* never resized: generated code holds pointers to the counters */
static struct block *table;
static unsigned long used;
static uint64_t user_insns;
static struct block user_counts;
static int dispatch;
static int mem;
static unsigned int tlb_bits;
static uint64_t *tlb;		/* page number + 1 per entry, 0: empty */
static uint64_t victim[8];	/* the same, filled round robin */
static unsigned int victim_next;
static const struct dispatch *prev;	/* the block executed last */
static uint64_t jmp_cache[4096];	/* block addresses, 0: empty */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static uint64_t start_addr, end_addr;
static int armed;
static unsigned int seq;

static struct block *lookup(uint64_t addr)
{
	unsigned long i = (addr * 0x9e3779b97f4a7c15ULL) >> (64 - TABLE_BITS);

	while (table[i].addr && table[i].addr != addr)
		i = (i + 1) & (TABLE_SIZE - 1);
	if (!table[i].addr) {
		if (++used > TABLE_SIZE / 2) {
			fprintf(stderr, "insncount: more than %lu blocks\n",
				TABLE_SIZE / 2);
			abort();
		}
		table[i].addr = addr;
	}
	return &table[i];
}

static void snapshot(const char *what)
{
	unsigned long i;

	fprintf(out, "SNAP %u %s\n", seq++, what);
	for (i = 0; i < TABLE_SIZE; i++)
		if (table[i].insns || table[i].reps)
			fprintf(out, "%" PRIx64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 "\n", table[i].addr, table[i].insns,
				table[i].reps, table[i].lookups, table[i].misses,
				table[i].mems, table[i].atomics,
				table[i].exits, table[i].flushes,
				table[i].invlpgs, table[i].tlb_misses,
				table[i].tlb_code_misses);
	fprintf(out, "user %" PRIu64 " %" PRIu64 " %" PRIu64 "\nEND\n",
		user_insns, user_counts.lookups, user_counts.misses);
	fflush(out);
}

static void on_start(unsigned int vcpu, void *udata)
{
	pthread_mutex_lock(&lock);
	snapshot("start");
	armed = 1;
	pthread_mutex_unlock(&lock);
}

static void on_end(unsigned int vcpu, void *udata)
{
	pthread_mutex_lock(&lock);
	if (armed) {
		snapshot("end");
		armed = 0;
	}
	pthread_mutex_unlock(&lock);
}

/* Is @insn a string instruction with a REP prefix? */
static int rep_string(const struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn), i;
	int rep = 0;

	for (i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b == 0xf2 || b == 0xf3)
			rep = 1;
		else if (b == 0x66 || b == 0x67 || (b & 0xf0) == 0x40 ||
			 b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36 ||
			 b == 0x64 || b == 0x65)
			continue;	/* other prefixes, REX */
		else
			return rep && ((b >= 0xa4 && b <= 0xa7) ||
				       (b >= 0xaa && b <= 0xaf) ||
				       (b >= 0x6c && b <= 0x6f));
	}
	return 0;
}

/* QEMU 7.2's tb_jmp_cache_hash_func() for 4 KiB pages and 4096 entries */
static unsigned int jmp_cache_hash(uint64_t pc)
{
	uint64_t tmp = pc ^ (pc >> 6);

	return ((tmp >> 6) & 0xfc0) | (tmp & 0x3f);
}

/* Does @insn end its block in a jump QEMU must look up whatever its target? */
static int indirect_jump(const struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn), i = 0;

	while (i < n && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 ||
			 p[i] == 0xf3 || p[i] == 0x2e || p[i] == 0x3e ||
			 p[i] == 0x26 || p[i] == 0x36 || p[i] == 0x64 ||
			 p[i] == 0x65 || (p[i] & 0xf0) == 0x40))
		i++;			/* prefixes, REX */
	if (i >= n)
		return 0;
	switch (p[i]) {
	case 0xc2: case 0xc3:		/* ret */
	case 0xca: case 0xcb:		/* lret */
	case 0xcf:			/* iret */
		return 1;
	case 0x0f:			/* sysret, sysexit */
		return i + 1 < n && (p[i + 1] == 0x07 || p[i + 1] == 0x35);
	case 0xff:			/* call, jmp through a register or memory */
		if (i + 1 < n) {
			int reg = (p[i + 1] >> 3) & 7;

			return reg >= 2 && reg <= 5;
		}
	}
	return 0;
}

/*
 * Is @insn atomic: LOCK-prefixed, or XCHG with a memory operand (locked
 * without the prefix)?
 */
static int atomic_insn(const struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn), i;

	for (i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b == 0xf0)
			return 1;
		if (b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 ||
		    (b & 0xf0) == 0x40 || b == 0x2e || b == 0x3e ||
		    b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65)
			continue;	/* other prefixes, REX */
		return (b == 0x86 || b == 0x87) && i + 1 < n &&
		       (p[i + 1] >> 6) != 3;
	}
	return 0;
}

/* The instructions after which QEMU 7.2 returns to its main loop */
enum sys_kind { SYS_NONE, SYS_FLAGS, SYS_EXIT, SYS_FLUSH, SYS_INVLPG };

/*
 * SYS_FLAGS for STI and POPF; SYS_FLUSH if @insn makes QEMU flush its
 * whole TLB, and with it the jump cache (MOV to CR3 or CR4); SYS_INVLPG
 * for INVLPG; SYS_EXIT for MOV to another control register and WRMSR;
 * else SYS_NONE.
 */
static enum sys_kind sys_kind(const struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn), i = 0;
	int rex = 0;

	while (i < n && (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf2 ||
			 p[i] == 0xf3 || p[i] == 0x2e || p[i] == 0x3e ||
			 p[i] == 0x26 || p[i] == 0x36 || p[i] == 0x64 ||
			 p[i] == 0x65 || (p[i] & 0xf0) == 0x40)) {
		rex = (p[i] & 0xf0) == 0x40 ? p[i] : 0;	/* REX comes last */
		i++;
	}
	if (i >= n)
		return SYS_NONE;
	if (p[i] == 0xfb || p[i] == 0x9d)		/* sti, popf */
		return SYS_FLAGS;
	if (p[i] != 0x0f || i + 1 >= n)
		return SYS_NONE;
	if (p[i + 1] == 0x30)				/* wrmsr */
		return SYS_EXIT;
	if (i + 2 >= n)
		return SYS_NONE;
	if (p[i + 1] == 0x22) {				/* mov to CRn */
		int reg = ((p[i + 2] >> 3) & 7) | (rex & 4 ? 8 : 0);

		return reg == 3 || reg == 4 ? SYS_FLUSH : SYS_EXIT;
	}
	if (p[i + 1] == 0x01 && ((p[i + 2] >> 3) & 7) == 7 &&
	    (p[i + 2] >> 6) != 3)			/* invlpg m */
		return SYS_INVLPG;
	return SYS_NONE;
}

static void on_flush(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	b->flushes++;
	memset(jmp_cache, 0, sizeof(jmp_cache));
	if (tlb) {
		memset(tlb, 0, sizeof(*tlb) << tlb_bits);
		memset(victim, 0, sizeof(victim));
		victim_next = 0;
	}
}

/*
 * An access to @vaddr through the simulated soft TLB; true if it missed
 * both the TLB and its victim TLB (QEMU would fill the entry from the
 * guest's page tables). As QEMU 7.2's tlb_set_page_full(), a fill moves
 * the entry it replaces, if any, into the victim TLB, round robin.
 */
static bool tlb_access(uint64_t vaddr)
{
	uint64_t page = (vaddr >> 12) + 1, t;
	uint64_t *e = &tlb[(vaddr >> 12) & ((1ULL << tlb_bits) - 1)];
	unsigned int v;

	if (*e == page)
		return false;
	for (v = 0; v < 8; v++) {
		if (victim[v] == page) {
			t = *e;
			*e = page;
			victim[v] = t;
			return false;
		}
	}
	if (*e)
		victim[victim_next++ % 8] = *e;
	*e = page;
	return true;
}

/* A kernel block's memory access */
static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info,
		   uint64_t vaddr, void *udata)
{
	struct block *b = udata;

	if (tlb_access(vaddr))
		b->tlb_misses++;
}

static void on_exec(unsigned int vcpu, void *udata)
{
	const struct dispatch *d = udata;

	if (!prev || prev->indirect || d->spans ||
	    (prev->addr >> 12) != (d->addr >> 12)) {
		unsigned int h = jmp_cache_hash(d->addr);

		d->counts->lookups++;
		if (jmp_cache[h] != d->addr) {
			d->counts->misses++;
			jmp_cache[h] = d->addr;
			/* QEMU probes the code page on a hash-table lookup */
			if (tlb && d->counts != &user_counts &&
			    tlb_access(d->addr))
				d->counts->tlb_code_misses++;
		}
	}
	prev = d;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t addr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t *counter = &user_insns;
	struct block *b = &user_counts;

	if (addr >> 63) {
		pthread_mutex_lock(&lock);
		b = lookup(addr);
		pthread_mutex_unlock(&lock);
		counter = rep_string(qemu_plugin_tb_get_insn(tb, 0)) ?
			  &b->reps : &b->insns;
		for (i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
			uint64_t a = qemu_plugin_insn_vaddr(insn);
			enum sys_kind sys;

			if (a == start_addr)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
			else if (a == end_addr)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
			sys = sys_kind(insn);
			if ((dispatch || tlb) && sys == SYS_FLUSH)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					on_flush, QEMU_PLUGIN_CB_NO_REGS, b);
			if (dispatch && sys == SYS_INVLPG)
				qemu_plugin_register_vcpu_insn_exec_inline(insn,
					QEMU_PLUGIN_INLINE_ADD_U64,
					&b->invlpgs, 1);
			if (tlb)
				qemu_plugin_register_vcpu_mem_cb(insn, on_mem,
					QEMU_PLUGIN_CB_NO_REGS,
					QEMU_PLUGIN_MEM_RW, b);
			if (!mem)
				continue;
			qemu_plugin_register_vcpu_mem_inline(insn,
				QEMU_PLUGIN_MEM_RW, QEMU_PLUGIN_INLINE_ADD_U64,
				&b->mems, 1);
			if (atomic_insn(insn))
				qemu_plugin_register_vcpu_insn_exec_inline(insn,
					QEMU_PLUGIN_INLINE_ADD_U64,
					&b->atomics, 1);
			if (sys == SYS_FLAGS)
				qemu_plugin_register_vcpu_insn_exec_inline(insn,
					QEMU_PLUGIN_INLINE_ADD_U64,
					&b->exits, 1);
		}
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 counter, n);
	if (dispatch && n) {
		/* one per translation, kept: the generated code points at it */
		struct dispatch *d = malloc(sizeof(*d));
		struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);

		if (!d) {
			perror("insncount");
			abort();
		}
		d->addr = addr;
		d->indirect = indirect_jump(last) ||
			      sys_kind(last) != SYS_NONE;
		d->spans = (qemu_plugin_insn_vaddr(last) +
			    qemu_plugin_insn_size(last) - 1) >> 12 != addr >> 12;
		d->counts = b;
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec,
						     QEMU_PLUGIN_CB_NO_REGS, d);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	pthread_mutex_lock(&lock);
	snapshot("exit");
	pthread_mutex_unlock(&lock);
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "start=", 6))
			start_addr = strtoull(argv[i] + 6, NULL, 16);
		else if (!strncmp(argv[i], "end=", 4))
			end_addr = strtoull(argv[i] + 4, NULL, 16);
		else if (!strcmp(argv[i], "dispatch=0") ||
			 !strcmp(argv[i], "dispatch=1"))
			dispatch = argv[i][9] == '1';
		else if (!strcmp(argv[i], "mem=0") || !strcmp(argv[i], "mem=1"))
			mem = argv[i][4] == '1';
		else if (!strncmp(argv[i], "tlb=", 4)) {
			char *end;
			unsigned long v = strtoul(argv[i] + 4, &end, 10);

			tlb_bits = v;
			if (end == argv[i] + 4 || *end || v < 1 || v > 22) {
				fprintf(stderr, "insncount: tlb=BITS, 1 to 22\n");
				return -1;
			}
		}
		else {
			fprintf(stderr, "insncount: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	if (!path || !info->system_emulation || info->system.smp_vcpus != 1) {
		fprintf(stderr, "insncount: needs out=FILE and one vCPU of a whole system\n");
		return -1;
	}
	out = fopen(path, "w");
	table = calloc(TABLE_SIZE, sizeof(*table));
	if (tlb_bits)
		tlb = calloc(1UL << tlb_bits, sizeof(*tlb));
	if (!out || !table || (tlb_bits && !tlb)) {
		perror("insncount");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
