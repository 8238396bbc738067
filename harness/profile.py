#!/usr/bin/env python3
"""Kernel functions by tick-profiler samples, per workload, side by side.

Usage: profile.py [--top N] LABEL=LOGDIR:SYSTEM_MAP...

Reads the "PROFILE NAME ..." lines harness/guest/lib.sh writes to the
guest's results.log (bucket i covers _stext + i * step), attributes each
bucket to the function of System.map containing its start, and prints for
each workload the functions with the most samples in any kernel: samples
and share of that kernel's total.
"""
import argparse
import bisect
import collections
import os
import sys


def load_map(path):
    addrs, names, stext = [], [], None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in 'tTwW':
                continue
            a = int(parts[0], 16)
            if parts[2] == '_stext':
                stext = a
            addrs.append(a)
            names.append(parts[2])
    order = sorted(range(len(addrs)), key=lambda i: addrs[i])
    return [addrs[i] for i in order], [names[i] for i in order], stext


def load_profile(logdir):
    runs = collections.defaultdict(dict)
    step = {}
    with open(os.path.join(logdir, 'results.log'), errors='replace') as f:
        for line in f:
            p = line.split()
            if len(p) != 4 or p[0] != 'PROFILE':
                continue
            if p[2] == 'step':
                step[p[1]] = int(p[3])
            else:
                runs[p[1]][int(p[2])] = int(p[3])
    return runs, step


def by_function(buckets, step, smap):
    addrs, names, stext = smap
    out = collections.Counter()
    for i, n in buckets.items():
        a = stext + i * step
        j = bisect.bisect_right(addrs, a) - 1
        out[names[j] if j >= 0 else '?'] += n
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--top', type=int, default=25)
    ap.add_argument('kernels', nargs='+', metavar='LABEL=LOGDIR:SYSTEM_MAP')
    a = ap.parse_args()
    kernels = []
    for k in a.kernels:
        label, rest = k.split('=', 1)
        logdir, smap = rest.rsplit(':', 1)
        runs, step = load_profile(logdir)
        kernels.append((label, runs, step, load_map(smap)))
    names = sorted({n for _, runs, _, _ in kernels for n in runs})
    if not names:
        sys.exit('no PROFILE lines: was the kernel booted with profile=?')
    for name in names:
        funcs, totals = [], []
        for label, runs, step, smap in kernels:
            f = by_function(runs.get(name, {}), step.get(name, 4), smap)
            funcs.append(f)
            totals.append(sum(f.values()) or 1)
        top = collections.Counter()
        for f, t in zip(funcs, totals):
            for fn, n in f.items():
                top[fn] = max(top[fn], n / t)
        print(f'## {name}: samples ' +
              ', '.join(f'{k[0]} {t}' for k, t in zip(kernels, totals)))
        print('%-40s' % 'function' +
              ''.join('%18s' % k[0] for k in kernels))
        for fn, _ in top.most_common(a.top):
            print('%-40s' % fn[:40] + ''.join(
                '%10d %6.2f%%' % (f[fn], 100 * f[fn] / t)
                for f, t in zip(funcs, totals)))
        print()


if __name__ == '__main__':
    main()
