#!/usr/bin/env python3
"""Samples of QEMU's threads by what QEMU was doing, per kernel, median of
the rounds 'host-rounds.sh record' ran, with the bench's figures of each boot.

Usage: perf-categories.py OUTDIR
OUTDIR holds the KERNEL-ROUND.syms (or .syms.gz) of 'host-rounds.sh
record' and the guest's KERNEL-ROUND/results.log (or only its BENCH lines, in
KERNEL-ROUND.bench), as results/tcg-cost/rounds/ does.
"""
import collections
import glob
import gzip
import os
import re
import statistics
import subprocess
import sys

TLB = {'x86_cpu_tlb_fill', 'tlb_set_page_full', 'get_pg_mode'}
# One line of 'perf report --sort dso,sym -n -q': percentage, samples,
# DSO (which may hold spaces: "[JIT] tid 4445"), [.] or [k]..., symbol
LINE = re.compile(r'\s*[\d.]+%\s+(\d+)\s+(.+?)\s+\[(.)\]\s+(.*\S)')
# Code of Debian's stripped QEMU 7.2 binary, by address, named from what
# its disassembly calls and from the order of QEMU's sources
STRIPPED = {
    'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)': [
        # calls get_page_addr_code_hostp() and qht_lookup_custom()
        (0x7d7ee0, 0x7d80e0, 'block lookup in the hash table'),
        # after curr_cflags(); calls the above on a jump-cache miss
        (0x7d8550, 0x7d87c0, 'QEMU, stripped: helper_lookup_tb_ptr()'),
        # calls x86_ldq_phys() and x86_ldl_phys(): the page walk
        (0x656c82, 0x658300, 'soft TLB fill'),
    ],
}


def stripped_ranges(qemu='qemu-system-x86_64'):
    """The named address ranges of the installed QEMU, if it is the
    binary they were read from; else none (a warning)."""
    version = subprocess.run([qemu, '--version'], capture_output=True,
                             text=True).stdout.splitlines()[0]
    if version not in STRIPPED:
        print(f'# {version}: no stripped code named', file=sys.stderr)
    return STRIPPED.get(version, [])


RANGES = stripped_ranges()


def category(dso, sym):
    if dso.startswith('[JIT]'):
        return 'generated code'
    if dso == '[kernel.kallsyms]':
        return 'host kernel'
    if dso not in ('qemu-system-x86_64', 'accel-tcg-x86_64.so'):
        return 'libraries'
    if sym == 'qht_lookup_custom':
        return 'block lookup in the hash table'
    if sym == 'tcg_flush_jmp_cache':
        return 'jump cache flush'
    if sym in TLB:
        return 'soft TLB fill'
    if re.match(r'helper_(le|be|ret)_(ld|st)|cpu_(ld|st)', sym):
        return 'memory access slow path'
    if sym != 'tcg_tb_lookup' and re.match(
            r'(tcg_|tb_gen_code|gen_|translator_|disas_insn|i386_tr)', sym):
        return 'translation'
    if sym.startswith('0x'):
        for lo, hi, what in RANGES:
            if lo <= int(sym, 16) < hi:
                return what
        return 'QEMU, stripped: the rest'
    return 'QEMU, other'


def load(path):
    c = collections.Counter()
    for line in (gzip.open(path, 'rt') if path.endswith('.gz') else
                 open(path)):
        m = LINE.match(line)
        if not m:
            continue
        n = int(m.group(1))
        c[category(m.group(2), m.group(4))] += n
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
    for f in sorted(glob.glob(os.path.join(d, '*.syms')) +
                    glob.glob(os.path.join(d, '*.syms.gz'))):
        name = re.sub(r'\.syms(\.gz)?$', '', os.path.basename(f))
        if f.endswith('.gz') and os.path.exists(f[:-3]):
            continue		# the same boot's uncompressed file is read
        k, r = name.rsplit('-', 1)
        runs[k].append((int(r), load(f), bench(d, name)))
    if not runs.get('base') or not runs.get('patched'):
        sys.exit(f'{d}: no base and patched boots')
    # in round order, so that the i-th of each kernel ran side by side
    runs = {k: [(c, b) for _, c, b in sorted(v, key=lambda x: x[0])]
            for k, v in runs.items()}
    cats = sorted({c for k in runs for s, _ in runs[k] for c in s},
                  key=lambda c: -statistics.median(
                      s[c] for s, _ in runs['base']))
    n = len(runs['base'])
    print(f'# perf samples (999 Hz) of QEMU\'s threads, median of {n} '
          f'boots per kernel, and the bench figures of those boots')
    print(f'{"":40} {"base":>8} {"patched":>8} {"ratio":>6}  rounds '
          f'the patched kernel took more')
    for c in cats:
        b = statistics.median(s[c] for s, _ in runs['base'])
        p = statistics.median(s[c] for s, _ in runs['patched'])
        more = sum(x[0][c] > y[0][c]
                   for x, y in zip(runs['patched'], runs['base']))
        print(f'{c:40} {b:8.0f} {p:8.0f} '
              f'{p / b if b else float("nan"):6.3f}  {more} of '
              f'{min(len(runs["base"]), len(runs["patched"]))}')
    for m in ('throughput_mbs', 'sys_s', 'wall_s'):
        b = [x.get(m, 0) for _, x in runs['base']]
        p = [x.get(m, 0) for _, x in runs['patched']]
        print(f'{m:40} {statistics.median(b):8.2f} '
              f'{statistics.median(p):8.2f} '
              f'{statistics.median(p) / statistics.median(b):6.3f}   '
              f'base {b} patched {p}')


if __name__ == '__main__':
    main()
