#!/usr/bin/env python3
"""Guest instructions per workload and kernel function, base against patched.

Usage: insncount.py [--top N] LABEL=SNAPSHOTS:RESULTS_LOG:SYSTEM_MAP...

SNAPSHOTS is what harness/insncount.c wrote in one boot: a "start"
snapshot where each workload began (harness/guest/lib.sh resets
/proc/profile) and an "end" one where it ended (its first read of
/proc/profile). A workload's instructions are the difference of the two.
RESULTS_LOG (the guest's results.log) names the workloads in the same
order and gives their vmstat deltas (BENCH lines), by which the counts
are divided: instructions per page written to or read from a swap device
(pswpout + pswpin; for loads over zswap, which the bench suite's vmstat
lines do not count, that is not per page swapped).

For each workload it prints the kernel's and user space's instructions
per page in each kernel, then the kernel functions whose instructions
per page differ most between the first kernel and each other one, and
those whose iterations of REP string instructions (page clearing, copies,
on-stack arrays zeroed by CONFIG_INIT_STACK_ALL_ZERO) differ most: QEMU
runs each iteration as a block of its own, so they are counted apart.
With the plugin's dispatch=1 (PROFILE_DISPATCH=1) it also prints the
blocks entered by a lookup and the simulated jump-cache misses per page,
the whole-TLB flushes and INVLPGs, and the kernel functions whose
counts of each differ most: the cost TCG adds to an instruction count
when a hot loop crosses a page boundary, or when its block lookups miss.
With the plugin's mem=1 (PROFILE_MEM=1) it prints the kernel's memory
accesses, atomic instructions and STI/POPF per page, and the functions
whose counts of them differ most: under TCG each access goes through the
soft TLB and each STI or POPF back to QEMU's main loop, costs an
instruction count does not show (atomics, with the one vCPU the plugin
needs, run inline). With the plugin's tlb=BITS (PROFILE_TLB=BITS) it
prints the kernel's data accesses missing a simulated soft TLB per page
(and, with dispatch=1, its code probes missing it), and the functions
whose misses differ most. Functions are System.map's text
symbols, compiler clone suffixes (.isra.N, .constprop.N, .part.N, .cold)
stripped; a block is counted in the function containing its first
instruction, so inlined code counts in its caller, and a difference in
inlining between the kernels moves counts between functions.
"""
import argparse
import bisect
import collections
import re
import sys


MARKER = re.compile(r'^(_stext|_etext|_text|_sinittext|_einittext|'
                    r'__\w*text_(start|end)|__indirect_thunk_(start|end))$')
CLONE = re.compile(r'(\.(isra|constprop|part|cold|llvm)(\.\d+)?)+$')


def load_map(path):
    """Sorted (addresses, names) of the kernel's functions; addresses from
    _etext to the next text symbol fall in '[other]'. At an address with
    several names, the first that is not a section marker."""
    syms, seen, etext = [], set(), None
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or p[1] not in 'tTwW':
                continue
            a = int(p[0], 16)
            if p[2] == '_etext':
                etext = a
            if MARKER.match(p[2]) or a in seen:
                continue
            seen.add(a)
            syms.append((a, CLONE.sub('', p[2])))
    if etext is not None:
        syms.append((etext, '[other]'))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load_snapshots(path):
    """[(kind, {addr or 'user': (insns, reps, lookups, misses, mems,
    atomics, exits, flushes, invlpgs, tlb misses, tlb code misses)})] in
    the order written; lookups, misses and invlpgs are 0 without
    dispatch=1, mems, atomics and exits without mem=1, flushes without
    either dispatch=1 or tlb=, tlb misses without tlb=, tlb code misses
    without both."""
    snaps, cur = [], None
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            if p[0] == 'SNAP':
                cur = {}
                snaps.append((p[2], cur))
            elif p[0] == 'END':
                cur = None
            elif cur is not None and p[0] == 'user':
                v = [int(x) for x in p[1:]] + [0, 0]
                cur['user'] = (v[0], 0, v[1], v[2]) + (0,) * 7
            elif cur is not None:
                v = [int(x) for x in p[1:]] + [0] * 9
                cur[int(p[0], 16)] = tuple(v[:11])
    return snaps


def load_runs(path):
    """[(name, {vmstat counter: delta})] of the runs that dumped a profile;
    a name met again gets '#2', '#3'..."""
    runs, current, stats, seen = [], None, {}, collections.Counter()
    with open(path, errors='replace') as f:
        for line in f:
            m = re.match(r'# vtest begin (\S+)', line)
            if m:
                current, stats = m.group(1), {}
                continue
            p = line.split()
            if len(p) == 4 and p[0] == 'BENCH':
                try:
                    stats[p[2]] = float(p[3])
                except ValueError:
                    pass
            elif len(p) == 4 and p[0] == 'PROFILE' and p[2] == 'step':
                seen[p[1]] += 1
                n = seen[p[1]]
                runs.append((p[1] + (f'#{n}' if n > 1 else ''), stats))
    return runs


def per_run(label, snaps, runs, smap):
    """{run name: ((user insns, lookups, misses), Counter of kernel insns
    by function, Counter of REP string iterations by function, stats,
    Counter of kernel lookups by function, Counter of kernel jump-cache
    misses by function, Counter of kernel memory accesses by function,
    Counter of kernel atomic instructions by function, Counter of kernel
    STI/POPF by function, Counter of whole-TLB flushes by function,
    Counter of INVLPGs by function, Counter of simulated soft-TLB misses
    by function, Counter of simulated code-probe misses by function)}"""
    pairs, start = [], None
    for kind, counts in snaps:
        if kind == 'start':
            start = counts
        elif kind == 'end' and start is not None:
            pairs.append((start, counts))
            start = None
    if len(pairs) != len(runs):
        sys.exit(f'{label}: {len(pairs)} start/end snapshot pairs, '
                 f'but {len(runs)} runs dumped a profile')
    addrs, names = smap
    out = {}
    for (name, stats), (a, b) in zip(runs, pairs):
        funcs, reps = collections.Counter(), collections.Counter()
        looks, misses = collections.Counter(), collections.Counter()
        mems, atomics = collections.Counter(), collections.Counter()
        exits, flushes = collections.Counter(), collections.Counter()
        invlpgs, tlbm = collections.Counter(), collections.Counter()
        tlbc = collections.Counter()
        user = (0, 0, 0)
        for key, (n, r, lk, m, me, at, ex, fl, il, tm, tc) in b.items():
            (n0, r0, lk0, m0, me0, at0, ex0, fl0, il0, tm0,
             tc0) = a.get(key, (0,) * 11)
            if key == 'user':
                user = (n - n0, lk - lk0, m - m0)
                continue
            if n == n0 and r == r0:
                continue
            i = bisect.bisect_right(addrs, key) - 1
            f = names[i] if i >= 0 else '[other]'
            funcs[f] += n - n0
            reps[f] += r - r0
            looks[f] += lk - lk0
            misses[f] += m - m0
            mems[f] += me - me0
            atomics[f] += at - at0
            exits[f] += ex - ex0
            flushes[f] += fl - fl0
            invlpgs[f] += il - il0
            tlbm[f] += tm - tm0
            tlbc[f] += tc - tc0
        out[name] = (user, funcs, reps, stats, looks, misses, mems, atomics,
                     exits, flushes, invlpgs, tlbm, tlbc)
    return out


def table(what, base, base_pages, other, other_pages, base_label, label,
          top, digits=1):
    """The @top functions whose counts of @what per page differ most,
    with @digits decimals; functions whose counts round to zero in both
    kernels are left out."""
    diff = {f: other.get(f, 0) / other_pages - base.get(f, 0) / base_pages
            for f in set(base) | set(other)}
    diff = {f: d for f, d in diff.items()
            if round(base.get(f, 0) / base_pages, digits) or
            round(other.get(f, 0) / other_pages, digits)}
    print(f'{"function":<40} {base_label:>10} {label:>10} '
          f'{"diff":>8}   ({what} per page)')
    for f in sorted(diff, key=lambda f: -abs(diff[f]))[:top]:
        print(f'{f[:40]:<40} {base.get(f, 0) / base_pages:10.{digits}f} '
              f'{other.get(f, 0) / other_pages:10.{digits}f} '
              f'{diff[f]:+8.{digits}f}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--top', type=int, default=30)
    ap.add_argument('kernels', nargs='+', metavar='LABEL=SNAP:LOG:MAP')
    a = ap.parse_args()
    data = []
    for spec in a.kernels:
        label, rest = spec.split('=', 1)
        snap, log, smap = rest.split(':')
        data.append((label, per_run(label, load_snapshots(snap),
                                    load_runs(log), load_map(smap))))
    names = [n for n in data[0][1] if all(n in d for _, d in data[1:])]
    if not names:
        sys.exit('no workload ran in every kernel')
    for name in names:
        print(f'== {name}')
        pages = {}
        for label, d in data:
            (user, funcs, reps, stats, looks, misses, mems, atomics,
             exits, flushes, invlpgs, tlbm, tlbc) = d[name]
            pages[label] = stats.get('pswpout', 0) + stats.get('pswpin', 0)
            if not pages[label]:
                sys.exit(f'{label}: {name} swapped no page to a device')
            kern = sum(funcs.values())
            print(f'{label:>10}: pages {pages[label]:.0f} (pswpout '
                  f'{stats.get("pswpout", 0):.0f} pswpin '
                  f'{stats.get("pswpin", 0):.0f}); kernel '
                  f'{kern / 1e6:.1f} M insns, {kern / pages[label]:.0f} '
                  f'per page, and {sum(reps.values()) / pages[label]:.0f} '
                  f'REP iterations per page; user {user[0] / 1e6:.1f} M')
            if sum(looks.values()) or user[1]:
                print(f'{"":>10}  kernel blocks entered by a lookup '
                      f'{sum(looks.values()) / pages[label]:.0f} per page, '
                      f'jump-cache misses '
                      f'{sum(misses.values()) / pages[label]:.0f} per page '
                      f'(user space, approximate: '
                      f'{user[1] / pages[label]:.0f} and '
                      f'{user[2] / pages[label]:.0f}); whole-TLB flushes '
                      f'{sum(flushes.values()) / pages[label]:.3f} and '
                      f'INVLPGs {sum(invlpgs.values()) / pages[label]:.2f} '
                      f'per page')
            if sum(tlbm.values()):
                print(f'{"":>10}  kernel data accesses missing the '
                      f'simulated soft TLB '
                      f'{sum(tlbm.values()) / pages[label]:.1f} per page, '
                      f'code probes {sum(tlbc.values()) / pages[label]:.1f}'
                      f', whole-TLB flushes '
                      f'{sum(flushes.values()) / pages[label]:.3f}')
            if sum(mems.values()):
                print(f'{"":>10}  kernel memory accesses '
                      f'{sum(mems.values()) / pages[label]:.0f} per page, '
                      f'atomic instructions '
                      f'{sum(atomics.values()) / pages[label]:.1f}, '
                      f'STI/POPF {sum(exits.values()) / pages[label]:.1f}')
        base_label, base = data[0][0], data[0][1][name][1]
        for label, d in data[1:]:
            funcs = d[name][1]
            kb = sum(base.values()) / pages[base_label]
            kp = sum(funcs.values()) / pages[label]
            print(f'{label} against {base_label}: kernel insns per page '
                  f'{kp:.0f} against {kb:.0f} ({kp / kb:.3f}x, '
                  f'{kp - kb:+.0f})')
            table('instructions', base, pages[base_label], funcs,
                  pages[label], base_label, label, a.top)
            table('REP iterations', data[0][1][name][2], pages[base_label],
                  d[name][2], pages[label], base_label, label, 5)
            # the plugin's optional counts: a table each, where counted
            for what, i, top, digits in (
                    ('lookups', 4, 10, 1),
                    ('jump-cache misses', 5, 10, 1),
                    ('whole-TLB flushes', 9, 10, 3),
                    ('INVLPGs', 10, 10, 2),
                    ('memory accesses', 6, a.top, 1),
                    ('atomic instructions', 7, 10, 2),
                    ('STI/POPF', 8, 10, 2),
                    ('simulated soft-TLB misses', 11, a.top, 2),
                    ('simulated code-probe misses', 12, a.top, 2)):
                if any(sum(x[name][i].values()) for _, x in data):
                    table(what, data[0][1][name][i], pages[base_label],
                          d[name][i], pages[label], base_label, label, top,
                          digits)
        print()


if __name__ == '__main__':
    main()
