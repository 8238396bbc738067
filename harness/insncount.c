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
 * Arguments:
 *   out=FILE   where snapshots are written (required)
 *   start=ADDR a kernel address (hex) whose execution writes a snapshot
 *              and arms the end address
 *   end=ADDR   a kernel address whose first execution after start writes
 *              a snapshot
 * A snapshot is "SNAP SEQ start|end", one "ADDR INSNS REPS" line per
 * kernel block executed so far, "user INSNS", then "END"; counts only grow, so
 * a run's instructions are the difference of its two snapshots.
 *
 * One vCPU only: the inline adds are not atomic, and two vCPUs executing
 * the same block would lose counts.
 *
 * Written against the plugin API of QEMU 7.2 (version 1); QEMU 9.0 changed
 * qemu_plugin_insn_data()'s signature.
 */
#include <inttypes.h>
#include <pthread.h>
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
};

/* never resized: generated code holds pointers to the counters */
static struct block *table;
static unsigned long used;
static uint64_t user_insns;
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
			fprintf(out, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				table[i].addr, table[i].insns, table[i].reps);
	fprintf(out, "user %" PRIu64 "\nEND\n", user_insns);
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

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t addr = qemu_plugin_tb_vaddr(tb);
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t *counter = &user_insns;

	if (addr >> 63) {
		struct block *b;

		pthread_mutex_lock(&lock);
		b = lookup(addr);
		pthread_mutex_unlock(&lock);
		counter = rep_string(qemu_plugin_tb_get_insn(tb, 0)) ?
			  &b->reps : &b->insns;
		for (i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
			uint64_t a = qemu_plugin_insn_vaddr(insn);

			if (a == start_addr)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
			else if (a == end_addr)
				qemu_plugin_register_vcpu_insn_exec_cb(insn,
					on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
		}
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 counter, n);
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
	if (!out || !table) {
		perror("insncount");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
