#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the BENCH lines of alternating base/patched boots into a report:
medians per kernel, the patched/base ratio of the medians, and the ratio's
spread over rounds; report.md, ratios.png and data.json in --out."""

import argparse
import datetime
import glob
import json
import os
import re
import statistics

# For each metric: is a larger value better?
HIGHER_IS_BETTER = {'throughput_mbs': True, 'bogo_ops_s': True,
                    'sys_s': False, 'wall_s': False, 'swapoff_s': False,
                    'bytes_per_page': False, 'stored_pages': None,
                    'completed': None, 'device_kb': None,
                    'vswap_bytes_per_page': None, 'munmap_ms': False,
                    'exit_ms': False, 'swapped_mib': None,
                    'swapped_pages': None, 'meta_bytes_per_page': False,
                    'meta_slab_bpp': None, 'swapcached_mib': None,
                    'out_mbs': True, 'in_mbs': True, 'swpout': None,
                    'swpout_fallback': None, 'swpin': None,
                    'zswpout': None, 'zswpin': None, 'mthp_zswpout': None,
                    'mthp_swpout': None, 'mthp_swpout_fallback': None,
                    'pswpin': None, 'pswpout': None, 'pgmajfault': None,
                    'swap_ra': None, 'swap_ra_hit': None,
                    'swap_read_ios': None, 'swap_write_ios': None,
                    'vswap_scattered': None, 'pgscan_anon': None,
                    'pgsteal_anon': None, 'workingset_refault_anon': None,
                    'pgscan_kswapd': None, 'pgscan_direct': None,
                    'pgsteal_kswapd': None, 'pgsteal_direct': None,
                    'allocstall_normal': None, 'allocstall_movable': None,
                    'vswap_alloc': None, 'vswap_alloc_fail': None,
                    'vswap_spare': None, 'vswap_no_room': None,
                    'zswap_ratio': True, 'zswap_saved_mib': None}
UNITS = {'throughput_mbs': 'MiB/s', 'bogo_ops_s': 'ops/s', 'sys_s': 's',
         'wall_s': 's', 'swapoff_s': 's', 'bytes_per_page': 'B',
         'stored_pages': 'pages', 'completed': 'runs', 'device_kb': 'KiB',
         'vswap_bytes_per_page': 'B', 'munmap_ms': 'ms', 'exit_ms': 'ms',
         'swapped_mib': 'MiB', 'swapped_pages': 'pages',
         'meta_bytes_per_page': 'B', 'meta_slab_bpp': 'B',
         'swapcached_mib': 'MiB', 'out_mbs': 'MiB/s', 'in_mbs': 'MiB/s',
         'swpout': 'folios', 'swpout_fallback': 'folios', 'swpin': 'folios',
         'zswpout': 'folios', 'zswpin': 'folios', 'mthp_zswpout': 'folios',
         'mthp_swpout': 'folios', 'mthp_swpout_fallback': 'folios',
         'pswpin': 'pages', 'pswpout': 'pages', 'pgmajfault': 'faults',
         'swap_ra': 'pages', 'swap_ra_hit': 'pages',
         'swap_read_ios': 'requests', 'swap_write_ios': 'requests',
         'vswap_scattered': 'folios', 'pgscan_anon': 'pages',
         'pgsteal_anon': 'pages', 'pgsteal_anon_s': 'pages/s',
         'workingset_refault_anon': 'pages',
         'pgscan_kswapd': 'pages', 'pgscan_direct': 'pages',
         'pgsteal_kswapd': 'pages', 'pgsteal_direct': 'pages',
         'allocstall_normal': 'stalls', 'allocstall_movable': 'stalls',
         'vswap_alloc': 'slots', 'vswap_alloc_fail': 'events',
         'vswap_spare': 'clusters', 'vswap_no_room': 'events',
         'zswap_ratio': ':1', 'zswap_saved_mib': 'MiB'}
# Workloads compared with each other on the patched kernel: (A, B) gives
# median(A) / median(B) per metric both report that has a better direction
# (HIGHER_IS_BETTER, or PAIR_METRICS: reclaim rates and stalls, which say
# how a reclaim change did but are no speed of the kernel's own), with the
# per-round ratios.
PAIR_METRICS = {'pgsteal_anon_s': True, 'allocstall_normal': False,
                'allocstall_movable': False}


def pair_better(m):
    return PAIR_METRICS[m] if m in PAIR_METRICS else HIGHER_IS_BETTER.get(m)


PAIRS = [('offload64k_b8', 'offload64k_b1'),
         ('global_zswap_kcd', 'global_zswap'),
         ('global_offload_kcd', 'global_offload'),
         ('global_offload_kcd', 'global_offload_kcd_b1'),
         ('global_zswap_kcd_1cpu', 'global_zswap_1cpu')]


def collect(logs, rounds):
    data = {}   # (workload, metric) -> kernel -> {round: value}
    accel = set()
    for k in ('base', 'patched'):
        for r in range(1, rounds + 1):
            # one boot per vCPU count: k-r (2 vCPUs), k-r-1cpu, ...
            dirs = sorted(glob.glob(os.path.join(logs, f'{k}-{r}')) +
                          glob.glob(os.path.join(logs, f'{k}-{r}-*cpu')))
            for d in dirs:
                with open(os.path.join(d, 'summary.json')) as f:
                    accel.add(json.load(f)['accel'])
                for line in open(os.path.join(d, 'results.log')):
                    m = re.match(r'^BENCH (\S+) (\S+) (\S+)', line)
                    if m:
                        key = (m.group(1), m.group(2))
                        data.setdefault(key, {}).setdefault(k, {})[r] = \
                            float(m.group(3))
    # anon pages reclaimed per second of the load's wall time
    for (w, m), per in list(data.items()):
        if m != 'pgsteal_anon' or (w, 'wall_s') not in data:
            continue
        wall = data[(w, 'wall_s')]
        for k, v in per.items():
            rate = {r: v[r] / wall[k][r] for r in v
                    if r in wall.get(k, {}) and wall[k][r]}
            if rate:
                data.setdefault((w, 'pgsteal_anon_s'), {})[k] = rate
    return data, sorted(accel)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--logs', required=True)
    p.add_argument('--rounds', type=int, required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--base-version', required=True)
    p.add_argument('--command', required=True)
    p.add_argument('--aa', action='store_true',
                   help='the two kernels are built from the same source')
    a = p.parse_args()
    data, accel = collect(a.logs, a.rounds)

    rows, only = [], []
    for (w, m), per in sorted(data.items()):
        b, pt = per.get('base', {}), per.get('patched', {})
        if not b or not pt:
            # Measured on one kernel only (e.g. vswap's own counters).
            for k, v in per.items():
                only.append({'workload': w, 'metric': m, 'kernel': k,
                             'unit': UNITS.get(m, ''),
                             'values': [v[r] for r in sorted(v)],
                             'median': statistics.median(v.values())})
            continue
        mb = statistics.median(b.values())
        mp = statistics.median(pt.values())
        ratio = mp / mb if mb else float('nan')
        pair = [pt[r] / b[r] for r in sorted(b) if r in pt and b[r]]
        rows.append({'workload': w, 'metric': m, 'unit': UNITS.get(m, ''),
                     'base': [b[r] for r in sorted(b)],
                     'patched': [pt[r] for r in sorted(pt)], 'median_base': mb,
                     'median_patched': mp, 'ratio': ratio,
                     'ratio_min': min(pair) if pair else ratio,
                     'ratio_max': max(pair) if pair else ratio})

    pairs = []
    for wa, wb in PAIRS:
        for (w, m), per in sorted(data.items()):
            pa, pb = per.get('patched', {}), data.get((wb, m), {}).get('patched', {})
            if w != wa or not pa or not pb or \
                    pair_better(m) is None:
                continue
            ma, mb = statistics.median(pa.values()), statistics.median(pb.values())
            pr = [pa[r] / pb[r] for r in sorted(pa) if r in pb and pb[r]]
            pairs.append({'a': wa, 'b': wb, 'metric': m, 'median_a': ma,
                          'median_b': mb, 'ratio': ma / mb if mb else float('nan'),
                          'ratio_min': min(pr) if pr else float('nan'),
                          'ratio_max': max(pr) if pr else float('nan')})

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'data.json'), 'w') as f:
        json.dump({'base_version': a.base_version, 'rounds': a.rounds,
                   'accel': accel, 'rows': rows, 'one_kernel': only,
                   'pairs': pairs}, f,
                  indent=1)

    fmt = lambda v: f'{v:.3g}' if abs(v) < 1000 else f'{v:.0f}'
    lines = [
        '# Benchmark: patched tree vs pristine base',
        '',
        f'- Base: Debian linux-source-6.12 {a.base_version}',
        f'- Date: {datetime.date.today().isoformat()}; accelerator: '
        f'{", ".join(accel).upper()}; guest: 2 vCPUs (rows ending _Ncpu: N vCPUs), 1 GiB, 512 MiB swap disk',
        f'- Command: `{a.command}` (kernels alternate base, patched, base, ...;'
        f' {a.rounds} rounds)',
        '- Ratio = median(patched) / median(base); the spread is the range of'
        ' the per-round ratios. Better direction: ↑ larger is better,'
        ' ↓ smaller is better.',
        '',
        '| workload | metric | base median | patched median | ratio | per-round ratios | better |',
        '|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        hib = HIGHER_IS_BETTER.get(r['metric'])
        arrow = {True: '↑', False: '↓', None: ''}[hib]
        lines.append(
            f"| {r['workload']} | {r['metric']} ({r['unit']}) | "
            f"{fmt(r['median_base'])} | {fmt(r['median_patched'])} | "
            f"{r['ratio']:.3f} | {r['ratio_min']:.3f}–{r['ratio_max']:.3f} | "
            f"{arrow} |")
    if only:
        lines += ['', 'Measured on one kernel only:', '',
                  '| workload | metric | kernel | median | per round |',
                  '|---|---|---|---|---|']
        for r in only:
            lines.append(f"| {r['workload']} | {r['metric']} ({r['unit']}) | "
                         f"{r['kernel']} | {fmt(r['median'])} | "
                         f"{', '.join(fmt(v) for v in r['values'])} |")
    if pairs:
        lines += ['', 'Compared on the patched kernel (A / B):', '',
                  '| A | B | metric | A median | B median | ratio | per-round ratios | better |',
                  '|---|---|---|---|---|---|---|---|']
        for r in pairs:
            arrow = {True: '↑', False: '↓'}[pair_better(r['metric'])]
            lines.append(f"| {r['a']} | {r['b']} | {r['metric']} "
                         f"({UNITS.get(r['metric'], '')}) | {fmt(r['median_a'])} | "
                         f"{fmt(r['median_b'])} | {r['ratio']:.3f} | "
                         f"{r['ratio_min']:.3f}–{r['ratio_max']:.3f} | {arrow} |")
    timed = [r for r in rows if HIGHER_IS_BETTER.get(r['metric']) is not None]
    if a.aa and timed:
        worst = max(timed, key=lambda r: abs(r['ratio'] - 1))
        spread = max(max(abs(r['ratio_min'] - 1), abs(r['ratio_max'] - 1))
                     for r in timed)
        lines += ['', '**A/A run: both kernels are built from the same source.**'
                  ' Every difference above is noise. Largest deviation of a'
                  f" median ratio from 1: {abs(worst['ratio'] - 1) * 100:.1f}%"
                  f" ({worst['workload']} {worst['metric']}); of a single"
                  f' round: {spread * 100:.1f}%. A later change needs more'
                  ' than that (or more rounds) before its ratio means'
                  ' anything.']
    lines += ['', '![ratios](ratios.png)', '']
    with open(os.path.join(a.out, 'report.md'), 'w') as f:
        f.write('\n'.join(lines))

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(timed) + 1.5))
    y = range(len(timed))
    ax.errorbar([r['ratio'] for r in timed], y, fmt='o', color='tab:blue',
                ecolor='black', capsize=3,
                xerr=[[r['ratio'] - r['ratio_min'] for r in timed],
                      [r['ratio_max'] - r['ratio'] for r in timed]])
    ax.axvline(1.0, color='red', linewidth=1)
    ax.grid(axis='x', alpha=0.3)
    ax.set_yticks(list(y))
    ax.set_yticklabels([f"{r['workload']} {r['metric']}" for r in timed])
    ax.set_xlabel('patched / base: median (dot) and per-round range (bar)')
    ax.set_title(f'Linux {a.base_version}: patched vs base, '
                 f'{a.rounds} rounds, {", ".join(accel).upper()}')
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, 'ratios.png'), dpi=100)
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
