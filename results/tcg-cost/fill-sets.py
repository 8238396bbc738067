#!/usr/bin/env python3
"""Where QEMU's soft TLB fills go: read the KERNEL-ROUND.pages.gz files of
'host-rounds.sh fills DIR' and print, per boot, the fills by MMU index and
kernel region, how concentrated they are, and the pages filled most, named
from the kernels' System.maps; then, with boots of both kernels, the
patched kernel against the base: the medians over boots of the totals by
region, and the pages whose median fills differ most. The guest runs
5-level paging (x86_64 LA57 layout) without KASLR.

Usage: fill-sets.py [-n TOP] DIR...   (the boots of all DIRs pooled)"""
import bisect
import collections
import glob
import gzip
import os
import re
import statistics
import sys

MAPS = {'base': 'build/base/obj/profile/System.map',
        'patched': 'build/obj/profile/System.map'}
# The MMU indexes of Debian's QEMU 7.2.22 for x86, named by the addresses
# filled under them in these boots (the source was not at hand)
IDX = {2: 'user', 4: 'kernel with AC set', 6: 'physical (page walks)'}


def region(page):
    va = page << 12
    if va < 1 << 47:
        return 'user/physical'
    for lo, hi, name in ((0xff11000000000000, 0xff91000000000000, 'direct map'),
                         (0xffa0000000000000, 0xffd2000000000000, 'vmalloc'),
                         (0xffd4000000000000, 0xffd6000000000000, 'vmemmap'),
                         (0xfffffe0000000000, 0xffffff0000000000, 'cpu_entry_area'),
                         (0xffffffff80000000, 1 << 64, 'kernel image')):
        if lo <= va < hi:
            return name
    return 'other'


def load_map(path):
    syms, sect = [], {}
    for line in open(path):
        a, t, n = line.split()[:3]
        a = int(a, 16)
        if a >= 0xffffffff80000000:
            syms.append((a, n))
            sect[n] = a
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms], sect


def image_part(sect, va):
    part = 'before text'
    for name, start in (('text', '_text'), ('rodata', '__start_rodata'),
                        ('data', '_sdata'), ('init', '__init_begin'),
                        ('bss', '__bss_start'), ('brk', '__bss_stop')):
        if va >= sect[start]:
            part = name
    return part


def name(m, page):
    """The image section of @page, and the symbols at its start and last
    starting in it."""
    addrs, names, sect = m
    va = page << 12
    first = bisect.bisect_right(addrs, va) - 1
    last = bisect.bisect_right(addrs, va + 4095) - 1
    if first < 0:
        return '?'
    return '%s: %s%s' % (image_part(sect, va), names[first],
                         ' .. ' + names[last] if last != first else '')


def read_boot(path):
    fills = collections.Counter()
    for line in gzip.open(path, 'rt'):
        idx, page, n = line.split()
        fills[(int(idx), int(page, 16))] += int(n)
    return fills


def by_region(fills):
    by = collections.Counter()
    for (idx, page), n in fills.items():
        by['kernel ' + region(page) if idx == 0 else
           IDX.get(idx, 'index %d' % idx)] += n
    return by


def compare(runs, maps, top):
    """The patched kernel's boots against the base's, by medians."""
    base, patched = runs['base'], runs['patched']
    med = statistics.median
    tb, tp = med(sum(f.values()) for f in base), med(sum(f.values()) for f in patched)
    print('== patched against base, medians over %d and %d boots' %
          (len(base), len(patched)))
    print('   all fills: %d against %d (%+d)' % (tp, tb, tp - tb))
    regions = collections.defaultdict(lambda: ([], []))
    for i, boots in enumerate((base, patched)):
        for f in boots:
            for r, n in by_region(f).items():
                regions[r][i].append(n)
    rows = []
    for r, (b, p) in regions.items():
        b += [0] * (len(base) - len(b))
        p += [0] * (len(patched) - len(p))
        rows.append((med(p) - med(b), r, med(b), med(p)))
    for d, r, b, p in sorted(rows, reverse=True):
        print('   %-28s %9d against %9d (%+d)' % (r, p, b, d))
    pages = set()
    for f in base + patched:
        pages.update(f)
    diff = sorted(((med(f.get(k, 0) for f in patched) -
                    med(f.get(k, 0) for f in base), k) for k in pages),
                  reverse=True)
    up = sum(d for d, _ in diff if d > 0)
    down = sum(d for d, _ in diff if d < 0)
    print('   page by page (median fills of each page): %+d on pages filled'
          ' more, %+d on pages filled less, net %+d' % (up, down, up + down))
    print('   the %d pages whose fills rose most (patched, base):' % top)
    for d, (idx, page) in diff[:top]:
        where = region(page) if idx == 0 else IDX.get(idx, 'index %d' % idx)
        if idx == 0 and where == 'kernel image':
            where = 'patched %s; base %s' % (name(maps['patched'], page),
                                             name(maps['base'], page))
        print('   %+8d  %#x  set %#05x  %s' % (d, page << 12, page & 0xfff,
                                               where))
    print('   their sum: %+d (%.0f%% of the net)' %
          (sum(d for d, _ in diff[:top]), 100.0 * sum(d for d, _ in diff[:top]) /
           (up + down)))


def main():
    args = sys.argv[1:]
    top = 8
    if args[:1] == ['-n']:
        top, args = int(args[1]), args[2:]
    maps = {k: load_map(p) for k, p in MAPS.items() if os.path.exists(p)}
    boots = sorted((p for d in args
                    for p in glob.glob(os.path.join(d, '*.pages.gz'))),
                   key=lambda p: (os.path.basename(p).split('-')[0], p))
    runs = collections.defaultdict(list)
    for path in boots:
        kernel = os.path.basename(path).split('-')[0]
        fills = read_boot(path)
        runs[kernel].append(fills)
        total = sum(fills.values())
        by = by_region(fills)
        k0 = sorted(((n, page) for (idx, page), n in fills.items() if idx == 0),
                    reverse=True)
        k0total = sum(n for n, _ in k0)
        print('== %s: %d fills, %d of them (%.1f%%) on the %d kernel pages'
              ' filled most' % (path, total,
                                sum(n for n, _ in k0[:top]),
                                100.0 * sum(n for n, _ in k0[:top]) / k0total,
                                top))
        print('   ' + ', '.join('%s %d' % kv for kv in by.most_common()))
        for n, page in k0[:top]:
            where = region(page)
            if where == 'kernel image' and kernel in maps:
                where = name(maps[kernel], page)
            print('   %8d  %#x  set %#05x  %s' % (n, page << 12, page & 0xfff,
                                                 where))
    if runs.get('base') and runs.get('patched') and len(maps) == 2:
        compare(runs, maps, top)


if __name__ == '__main__':
    main()
