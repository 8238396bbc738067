#!/usr/bin/env python3
"""Samples of QEMU's threads by what QEMU was doing, per kernel, median of
the rounds perf-rounds.sh ran, with the bench's figures of each boot.

Usage: perf-categories.py OUTDIR
OUTDIR holds perf-rounds.sh's KERNEL-ROUND.syms (or .syms.gz) and the
guest's KERNEL-ROUND/results.log (or only its BENCH lines, in
KERNEL-ROUND.bench), as results/tcg-cost/rounds/ does.
"""
import collections
import glob
import gzip
import os
import re
import statistics
import sys

TLB = {'x86_cpu_tlb_fill', 'tlb_set_page_full', 'get_pg_mode',
       'mmu_translate', 'get_physical_address', 'ptw_ldq', 'ptw_ldl',
       'tlb_fill', 'victim_tlb_hit', 'tlb_flush_page_locked'}


def category(dso, sym):
    if dso.startswith('[JIT]'):
        return 'generated code'
    if dso == '[kernel.kallsyms]':
        return 'host kernel'
    if dso != 'qemu-system-x86_64':
        return 'libraries'
    if sym == 'qht_lookup_custom':
        return 'block lookup in the hash table'
    if sym == 'tcg_flush_jmp_cache':
        return 'jump cache flush'
    if sym in TLB:
        return 'soft TLB fill'
    if re.match(r'helper_(le|be|ret)_(ld|st)|cpu_(ld|st)', sym):
        return 'memory access slow path'
    if re.match(r'(tcg_|tb_gen_code|gen_|translator_|disas_insn|i386_tr)',
                sym):
        return 'translation'
    if sym.startswith('0x'):
        return 'QEMU, symbol stripped'
    return 'QEMU, other'


def load(path):
    c = collections.Counter()
    for line in (gzip.open(path, 'rt') if path.endswith('.gz') else
                 open(path)):
        p = line.split()
        if len(p) < 4 or not p[1].isdigit():
            continue
        n = int(p[1])
        i = p.index('[.]') if '[.]' in p else p.index('[k]')
        c[category(' '.join(p[2:i]), p[i + 1])] += n
        c['all'] += n
    return c


def bench(d, name):
    path = os.path.join(d, name, 'results.log')
    if not os.path.exists(path):
        path = os.path.join(d, name + '.bench')
    out = {}
    for line in open(path, errors='replace'):
        p = line.split()
        if len(p) == 4 and p[0] == 'BENCH':
            out[p[2]] = float(p[3])
    return out


def main():
    d = sys.argv[1]
    runs = collections.defaultdict(list)
    for f in sorted(glob.glob(os.path.join(d, '*.syms*'))):
        name = re.sub(r'\.syms(\.gz)?$', '', os.path.basename(f))
        k = name.rsplit('-', 1)[0]
        runs[k].append((load(f), bench(d, name)))
    cats = sorted({c for k in runs for s, _ in runs[k] for c in s},
                  key=lambda c: -statistics.median(
                      s[c] for s, _ in runs['base']))
    n = len(runs['base'])
    print(f'# perf samples (999 Hz) of QEMU\'s threads, median of {n} '
          f'boots per kernel, and the bench figures of those boots')
    print(f'{"":34} {"base":>8} {"patched":>8} {"ratio":>6}')
    for c in cats:
        b = statistics.median(s[c] for s, _ in runs['base'])
        p = statistics.median(s[c] for s, _ in runs['patched'])
        print(f'{c:34} {b:8.0f} {p:8.0f} {p / b if b else float("nan"):6.3f}')
    for m in ('throughput_mbs', 'sys_s', 'wall_s'):
        b = [x.get(m, 0) for _, x in runs['base']]
        p = [x.get(m, 0) for _, x in runs['patched']]
        print(f'{m:34} {statistics.median(b):8.2f} '
              f'{statistics.median(p):8.2f} '
              f'{statistics.median(p) / statistics.median(b):6.3f}   '
              f'base {b} patched {p}')


if __name__ == '__main__':
    main()
