#!/usr/bin/env python3
"""Where QEMU's soft TLB fills go: read the KERNEL-ROUND.pages.gz files of
'host-rounds.sh fills DIR' and print, per boot, the fills by MMU index and
kernel region, how concentrated they are, and the pages filled most, named
from the kernels' System.maps. The guest runs 5-level paging (x86_64
LA57 layout) without KASLR.

Usage: fill-sets.py DIR [TOP]"""
import bisect
import collections
import glob
import gzip
import os
import re
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
    for name, start in (('text', '_text'), ('rodata', '__start_rodata'),
                        ('data', '_sdata'), ('init', '_edata'),
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


def main():
    d = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    maps = {k: load_map(p) for k, p in MAPS.items() if os.path.exists(p)}
    boots = sorted(glob.glob(os.path.join(d, '*.pages.gz')),
                   key=lambda p: (re.sub(r'-\d+\.pages\.gz$', '', p),
                                  int(re.search(r'-(\d+)\.pages\.gz$', p).group(1))))
    for path in boots:
        kernel = os.path.basename(path).split('-')[0]
        fills = collections.Counter()
        for line in gzip.open(path, 'rt'):
            idx, page, n = line.split()
            fills[(int(idx), int(page, 16))] += int(n)
        total = sum(fills.values())
        by = collections.Counter()
        for (idx, page), n in fills.items():
            by['kernel ' + region(page) if idx == 0 else
               IDX.get(idx, 'index %d' % idx)] += n
        k0 = sorted(((n, page) for (idx, page), n in fills.items() if idx == 0),
                    reverse=True)
        k0total = sum(n for n, _ in k0)
        print('== %s: %d fills, %d of them (%.1f%%) on the %d kernel pages'
              ' filled most' % (os.path.basename(path), total,
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


if __name__ == '__main__':
    main()
