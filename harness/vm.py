#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a test kernel in QEMU, run one guest suite, and judge the run.

The guest writes TAP results to its second serial port and kernel messages
to the first. A run fails on any 'not ok', on a program that exits non-zero
or prints no result, on a suite that does not finish (timeout, crash), and
on any kernel oops, BUG, WARN, lockdep, KASAN/KFENCE report, hung task, soft
lockup or panic in the console log, on a program that outruns its own time
limit (from its begin marker), and on a skip that is not declared as
expected for the kernel under test. Kernel reports are attributed to the
guest program that was running, from the markers the guest writes to
/dev/kmsg; KUnit suites, which run at boot, are read from the console log.

usage: vm.py run --kernel BZIMAGE --initrd CPIO --suite NAME --out DIR
                 [--mem SIZE] [--disk SIZE] [--preallocate] [--timeout SEC]
                 [--expect-fail REGEX] [--show] [--verbose]
                 [--expected-skips FILE --kernel-kind KIND]
                 [--timeout-scale N] [--append KERNEL-ARGS]
                 [--plugin SO,ARGS]   (a TCG plugin: forces TCG)
       vm.py summary DIR...   (count the results of earlier runs)
       vm.py host --name NAME --out DIR -- CMD...   (a host-side TAP program)
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

ACCEL_CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           '..', 'build', 'accel')

# Kernel reports that fail a run. OOM kills are not here: tests provoke them.
KERNEL_BAD = re.compile(
    r'(------------\[ cut here \]|WARNING:|BUG:|kernel BUG at|Oops|'
    r'Kernel panic|general protection fault|Unable to handle|'
    r'INFO: task .* blocked for more than|soft lockup|hard LOCKUP|'
    r'rcu_sched self-detected stall|rcu: INFO: .* stall|'
    r'possible recursive locking|possible circular locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'KASAN:|KFENCE:|UBSAN:|list_add corruption|list_del corruption|'
    r'trying to register non-static key|'
    r'Bad swap (file|offset) entry|Unused swap offset entry|'
    r'(Read|Write)-error on swap-device|Decompression failed)')
TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
TAP = re.compile(r'^(not )?ok\b\s*\d*\s*(?:- )?(.*?)\s*$')
SKIP = re.compile(r'#\s*SKIP\b\s*(.*)$', re.I)


def accel_args(kind, tcg_cpu='max'):
    if kind == 'kvm':
        return ['-accel', 'kvm', '-cpu', 'host']
    return ['-accel', 'tcg,thread=multi', '-cpu', tcg_cpu]


def qemu_cmd(a, accel, outdir):
    disk = os.path.join(outdir, 'disk.img')
    with open(disk, 'wb') as f:
        if a.preallocate:
            # Every block written once: a sparse image costs the guest's
            # first write to each block a host allocation, which would
            # favour the kernel whose earlier workloads wrote the disk.
            chunk = bytes(4 << 20)
            for _ in range(a.disk_bytes // len(chunk)):
                f.write(chunk)
            f.write(bytes(a.disk_bytes % len(chunk)))
            # on the host's disk before the guest starts, not written
            # back under its first workloads
            f.flush()
            os.fsync(f.fileno())
        else:
            f.truncate(a.disk_bytes)
    # Under TCG a busy host can starve a vCPU for seconds: give the RCU
    # stall and soft-lockup detectors room, so that they report hangs, not
    # emulation speed.
    slow = ' rcupdate.rcu_cpu_stall_timeout=120 watchdog_thresh=30' \
        if accel == 'tcg' else ''
    # rootfstype=ramfs: the initramfs stays in memory, unswappable, so
    # that swap in use is the tests' own (the guest checks that it is gone).
    append = ('console=ttyS0,115200 panic=-1 mitigations=off rootfstype=ramfs'
              f'{slow} vtest.suite={a.suite}'
              + (f' vtest.kind={a.kernel_kind}' if a.kernel_kind else '')
              + f' {a.append}').strip()
    return ['qemu-system-x86_64', '-nodefaults', '-display', 'none',
            '-no-reboot', '-machine', 'q35', *accel_args(accel, a.tcg_cpu),
            '-smp', str(a.smp), '-m', a.mem,
            '-kernel', a.kernel, '-initrd', a.initrd, '-append', append,
            '-serial', 'file:' + os.path.join(outdir, 'console.log'),
            '-serial', 'stdio',
            '-drive', f'file={disk},if=virtio,format=raw,cache=unsafe',
            *(['-plugin', a.plugin] if a.plugin else [])]


BEGIN = re.compile(r'# vtest begin (\S+)(?: timeout=(\d+))?')
END = re.compile(r'# vtest end (\S+) rc=')


def boot(a, accel, outdir, show=False):
    """Run QEMU to completion or timeout; return (timeout, seconds), where
    timeout is None, the suite's name, or the name of the program that
    outran its own limit (with the limit), as (name, seconds)."""
    os.makedirs(outdir, exist_ok=True)
    cmd = qemu_cmd(a, accel, outdir)
    disk = os.path.join(outdir, 'disk.img')
    with open(os.path.join(outdir, 'qemu.cmd'), 'w') as f:
        f.write(' '.join(cmd) + '\n')
    start = time.time()
    results = open(os.path.join(outdir, 'results.log'), 'w')
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    running = {}	# the program in its frame: name, limit, deadline

    def pump():
        for raw in proc.stdout:
            line = raw.decode('utf-8', 'replace').replace('\r', '')
            results.write(line)
            results.flush()
            m = BEGIN.search(line)
            if m and m.group(2):
                limit = int(m.group(2)) * a.timeout_scale
                running.update(name=m.group(1), limit=limit,
                               deadline=time.time() + limit)
            elif END.search(line):
                running.clear()
            if show:
                sys.stdout.write(line)
                sys.stdout.flush()
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    timed_out = None
    try:
        while proc.poll() is None:
            now = time.time()
            prog = dict(running)
            if prog and now > prog['deadline']:
                timed_out = (prog['name'], prog['limit'])
                break
            if now - start > a.timeout:
                timed_out = (f'suite {a.suite}', a.timeout)
                break
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        t.join(5)
        results.close()
        os.unlink(disk)
    return timed_out, time.time() - start


def choose_accel(a):
    """KVM when a probe boot shows it works here, else TCG; cached."""
    if a.plugin:
        return 'tcg'
    if os.environ.get('VTEST_ACCEL') in ('kvm', 'tcg'):
        return os.environ['VTEST_ACCEL']
    try:
        with open(ACCEL_CACHE) as f:
            return f.read().strip()
    except OSError:
        pass
    kind = 'tcg'
    if os.access('/dev/kvm', os.R_OK | os.W_OK):
        probe = argparse.Namespace(**vars(a))
        probe.suite, probe.timeout, probe.append = 'probe', 60, ''
        outdir = os.path.join(a.out, 'kvm-probe')
        timed_out, _ = boot(probe, 'kvm', outdir)
        with open(os.path.join(outdir, 'results.log')) as f:
            ok = 'ok 1 probe' in f.read()
        kind = 'kvm' if ok and not timed_out else 'tcg'
        print(f'# KVM probe boot {"succeeded" if kind == "kvm" else "failed"}:'
              f' using {kind.upper()}', file=sys.stderr)
    os.makedirs(os.path.dirname(ACCEL_CACHE), exist_ok=True)
    with open(ACCEL_CACHE, 'w') as f:
        f.write(kind + '\n')
    return kind


KSFT_SKIP = 4	# kselftest's exit code for "skipped as a whole"
FAIL_LINES = 40	# a failure's diagnostic lines printed, at most


def parse_results(path, timed_out=None):
    """Results from the TAP channel: list of (name, status, detail), whether
    the suite finished, and seconds per program. A failure's detail is the
    program's last diagnostic lines before it; a program that outran its
    time limit (timed_out: name, seconds) is failed as such."""
    res, secs, finished = [], {}, False
    current = None
    diag = []		# the running program's recent '# ' lines

    def end(rc):
        # Close the program's frame: it must have said something, kept to
        # its plan, and exited 0 unless it reported a failure already.
        if not current['seen']:
            if rc == KSFT_SKIP:		# judged: a skip must say why
                res.append((current['name'], 'skip', current['why']))
            else:
                res.append((current['name'], 'fail', 'printed no result'
                            + (f', exit status {rc}' if rc else '')))
            return
        if current['plan'] is not None and current['plan'] != current['seen']:
            res.append((current['name'], 'fail',
                        f"planned {current['plan']} results, printed "
                        f"{current['seen']}"))
        if rc != 0 and not current['failed']:
            res.append((current['name'], 'fail', f'exit status {rc}'))

    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError:
        lines = []
    def unfinished(name):
        if timed_out and timed_out[0] == name:
            return (name, 'fail', f'timed out after {timed_out[1]} s')
        return (name, 'fail', 'did not finish')

    for line in lines:
        m = BEGIN.search(line)
        if m:
            if current:
                res.append(unfinished(current['name']))
            current = {'name': m.group(1), 'seen': 0, 'plan': None,
                       'failed': False, 'why': ''}
            diag = []
            continue
        m = re.search(r'# vtest end (\S+) rc=(\d+)(?: secs=(\d+))?', line)
        if m and current:
            if m.group(3):
                secs[current['name']] = int(m.group(3))
            end(int(m.group(2)))
            current = None
            continue
        if line.startswith('# vtest: suite done'):
            finished = True
            continue
        m = re.match(r'^1\.\.(\d+)(?:\s*#\s*SKIP\s*(.*))?', line, re.I)
        if m and current and current['plan'] is None:
            current['plan'] = int(m.group(1))
            current['why'] = (m.group(2) or '').strip()	# 1..0 # SKIP why
            continue
        m = TAP.match(line)
        if not m:
            if line.startswith('# ') and line.strip() != '#':
                diag.append(line[2:].strip())
            continue
        desc = m.group(2)
        sk = SKIP.search(desc)
        status = 'fail' if m.group(1) else ('skip' if sk else 'pass')
        # a result with no name of its own (mm/cow's skips) is named by
        # the test its program announced last
        run = [d[6:] for d in diag if d.startswith('[RUN] ')]
        desc = SKIP.sub('', desc).strip() or (run[-1] if run else '') or \
            (sk.group(1) if sk else '')
        name = f"{current['name']}: {desc}" if current else desc
        detail = sk.group(1).strip() if sk else (
            ' | '.join(diag) if status == 'fail' else '')
        res.append((name, status, detail))
        diag = []
        if current:
            current['seen'] += 1
            current['failed'] |= status == 'fail'
    if current:
        res.append(unfinished(current['name']))
    return res, finished, secs


def kunit_result(m):
    desc = m.group(2)
    st = 'fail' if m.group(1) else ('skip' if SKIP.search(desc) else 'pass')
    return SKIP.sub('', desc).strip(), st


def parse_console(path):
    """KUnit results (one per test case) and kernel reports from the
    console log."""
    kunit, bad, current = [], [], 'boot'
    in_kunit, suite, case_failed = False, None, False
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError:
        lines = []
    allow = None	# what the running program provokes on purpose
    for raw in lines:
        line = TS.sub('', raw.replace('\r', ''))
        m = re.search(r'vtest: (begin|end) (\S+)(?: allow=(.*))?$', line)
        if not m and KERNEL_BAD.search(line) and \
                not (allow and allow.search(line)):
            bad.append((current, line.strip()))
        if m:
            current = m.group(2) if m.group(1) == 'begin' else 'between tests'
            allow = re.compile(m.group(3)) if m.group(3) else None
            continue
        if line.startswith('KTAP version'):
            in_kunit = True
        if not in_kunit:
            continue
        m = re.match(r'^    # Subtest: (\S+)', line)
        if m:
            suite, case_failed = m.group(1), False
            continue
        m = TAP.match(line[4:]) if line.startswith('    ') and \
            not line.startswith('     ') else None
        if m and suite:		# a test case of the current suite
            name, st = kunit_result(m)
            kunit.append((f'kunit: {suite}: {name}', st, ''))
            case_failed |= st == 'fail'
            continue
        m = TAP.match(line)
        if m:			# a suite; counted itself only if it failed
            name, st = kunit_result(m)	# without a failed case (init)
            if st == 'fail' and not case_failed:
                kunit.append((f'kunit: {name}', 'fail', 'suite failed'))
            suite = None
    return kunit, bad


def judge(a, outdir, timed_out):
    results, finished, secs = parse_results(
        os.path.join(outdir, 'results.log'), timed_out)
    kunit, bad = parse_console(os.path.join(outdir, 'console.log'))
    results = kunit + results
    per_test = {}
    for where, line in bad:	# one failure per program; the log has all
        per_test.setdefault(where, []).append(line)
    for where, lines in per_test.items():
        more = f' (+{len(lines) - 1} more lines)' if len(lines) > 1 else ''
        results.append((f'{where}: kernel report', 'fail', lines[0] + more))
    # A program that outran its limit is failed by parse_results() when its
    # frame is open; the guest may have closed it just before the kill.
    said = any(r[1] == 'fail' and r[2].startswith('timed out')
               for r in results)
    if timed_out and not said:
        results.append((timed_out[0], 'fail',
                        f'timed out after {timed_out[1]} s'))
    elif not finished and not timed_out:
        results.append((f'suite {a.suite}', 'fail',
                        'guest stopped before the suite finished'))
    return results, [line for _, line in bad], secs


def print_results(results, secs, verbose):
    """Every failure, with its diagnostics (a long story on lines of its
    own); passes and skips one line a program (all of them with
    --verbose)."""
    groups = {}
    for name, st, detail in results:
        prog = name.split(': ', 1)[0]
        g = groups.setdefault(prog, {'pass': 0, 'skip': 0, 'fail': 0})
        g[st] += 1
        if st == 'fail' or verbose:
            word = 'not ok' if st == 'fail' else 'ok'
            lines = detail.split(' | ')
            if st == 'fail' and len(detail) > 400 and len(lines) > 1:
                # the failing check's message is among the last lines
                shown = lines[-FAIL_LINES:]
                left = len(lines) - len(shown)
                print(f'{word} - {name} # {len(lines)} diagnostic lines'
                      + (f', the last {len(shown)}:' if left else ':'))
                for line in shown:
                    print('#   ' + (line if len(line) <= 300
                                    else '...' + line[-300:]))
                continue
            if len(detail) > 400:	# its end says the most
                detail = '...' + detail[-400:]
            extra = ' # SKIP ' + detail if st == 'skip' else (
                ' # ' + detail if detail else '')
            print(f'{word} - {name}{extra}')
    if verbose:
        return
    for prog, g in groups.items():
        if g['fail'] == 0:
            skips = f", {g['skip']} skipped" if g['skip'] else ''
            took = f', {secs[prog]} s' if prog in secs else ''
            print(f"ok - {prog} ({g['pass']} passed{skips}{took})")


def load_expected_skips(path, kind):
    """Patterns of the skips declared as expected on kernel @kind: lines
    'KIND[,KIND...] REGEX  # why' of @path."""
    pats = []
    with open(path) as f:
        for line in f:
            line = line.split(' #', 1)[0].strip()
            if not line or line.startswith('#'):
                continue
            kinds, regex = line.split(None, 1)
            if kind in kinds.split(','):
                pats.append(re.compile(regex))
    return pats


def judge_skips(results, pats):
    """A skip must say why, and be declared as expected for this kernel;
    any other skip is a failure."""
    out = []
    for name, st, detail in results:
        if st == 'skip' and not detail:
            st, detail = 'fail', 'skipped without saying why'
        elif st == 'skip' and not any(p.search(name) for p in pats):
            st, detail = 'fail', 'unexpected skip: ' + detail
        out.append((name, st, detail))
    return out


def cmd_run(a):
    accel = choose_accel(a)
    outdir = os.path.abspath(a.out)
    timed_out, secs = boot(a, accel, outdir, a.show)
    results, bad, durations = judge(a, outdir, timed_out)
    if a.expected_skips:
        results = judge_skips(results, load_expected_skips(
            a.expected_skips, a.kernel_kind))
    print(f'# suite {a.suite}: {accel.upper()}, {secs:.0f} s, logs in {outdir}')
    if a.expect_fail:
        # Harness self-test: the run must have failed, for the right reason.
        hit = [r for r in results if r[1] == 'fail' and
               re.search(a.expect_fail, r[0] + ' ' + r[2])]
        hit += [('kernel log:', 'fail', line) for line in bad
                if re.search(a.expect_fail, 'kernel report ' + line)]
        name = f'harness: {a.suite} is caught'
        results = [(name, 'pass' if hit else 'fail',
                    ('caught: ' + hit[0][0] + ' ' + hit[0][2]) if hit else
                    f'no failure matching /{a.expect_fail}/')]
    print_results(results, durations, a.verbose or bool(a.expect_fail))
    with open(os.path.join(outdir, 'summary.json'), 'w') as f:
        json.dump({'suite': a.suite, 'accel': accel, 'seconds': secs,
                   'results': results}, f, indent=1)
    failed = sum(r[1] == 'fail' for r in results)
    if failed:
        print(f'# suite {a.suite} FAILED: see {outdir}/console.log and '
              'results.log', file=sys.stderr)
    return 1 if failed else 0


def kind_of(name):
    """Which count a result goes to: KUnit suites other than this series'
    (vswap, acomp_batch, acomp_offload_emu) test the rest of the kernel; the
    harness self-tests test the harness."""
    if name.startswith('kunit: ') and not name.startswith(
            ('kunit: vswap', 'kunit: acomp_batch', 'kunit: acomp_offload_emu')):
        return 'unrelated KUnit suites'
    if name.startswith('harness: '):
        return 'harness self-tests'
    return 'swap tests'


def cmd_summary(dirs):
    """Print failures, skips with their reasons and the closing count over
    several runs: swap tests apart from the others, then all of them."""
    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    kinds = {}
    skips = []
    for d in dirs:
        try:
            with open(os.path.join(d, 'summary.json')) as f:
                data = json.load(f)
            results = data['results']
        except (OSError, ValueError, KeyError):
            data, results = {}, [(f'run {d}', 'fail', 'left no summary')]
        # A suite run twice (two kernels) is told apart by its run name.
        run = os.path.basename(d.rstrip('/'))
        tag = '' if data.get('suite') in (None, run, 'host/' + run) else run + ': '
        for name, st, detail in results:
            counts[st] += 1
            k = kinds.setdefault(kind_of(name),
                                 {'pass': 0, 'fail': 0, 'skip': 0})
            k[st] += 1
            if st == 'fail':
                print(f'FAILED: {tag}{name} {detail}'.rstrip())
            elif st == 'skip':
                skips.append(f'skipped (expected): {tag}{name}: {detail}')
    for line in skips:
        print(line)
    for kind, k in kinds.items():
        print(f"{kind}: {k['pass']} passed, {k['fail']} failed, "
              f"{k['skip']} skipped")
    print(f"{counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['skip']} skipped")
    return 1 if counts['fail'] else 0


def cmd_host(a, cmd):
    """Run a host-side TAP program as if it were a guest program."""
    os.makedirs(a.out, exist_ok=True)
    start = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL)
    secs = time.time() - start
    out = p.stdout.decode('utf-8', 'replace')
    with open(os.path.join(a.out, 'results.log'), 'w') as f:
        f.write(f'# vtest begin host/{a.name}\n{out}\n'
                f'# vtest end host/{a.name} rc={p.returncode} '
                f'secs={secs:.0f}\n# vtest: suite done\n')
    results, _, durations = parse_results(os.path.join(a.out, 'results.log'))
    results = judge_skips(results, [])		# none expected here
    with open(os.path.join(a.out, 'summary.json'), 'w') as f:
        json.dump({'suite': 'host/' + a.name, 'accel': 'host',
                   'seconds': secs, 'results': results}, f, indent=1)
    print_results(results, durations, False)
    if any(r[1] == 'fail' for r in results):
        print(out[-3000:], file=sys.stderr)
        return 1
    return 0


def size_bytes(s):
    units = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    return int(s[:-1]) * units[s[-1].upper()] if s[-1].isalpha() else int(s)


def main():
    if sys.argv[1:2] == ['summary']:
        return cmd_summary(sys.argv[2:])
    if sys.argv[1:2] == ['host'] and '--' in sys.argv:
        i = sys.argv.index('--')
        h = argparse.ArgumentParser()
        h.add_argument('--name', required=True)
        h.add_argument('--out', required=True)
        return cmd_host(h.parse_args(sys.argv[2:i]), sys.argv[i + 1:])
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('command', choices=['run'])
    p.add_argument('--kernel', required=True)
    p.add_argument('--initrd', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--suite', default='probe')
    p.add_argument('--mem', default='1G')
    p.add_argument('--smp', type=int, default=2)
    p.add_argument('--disk', default='1G')
    p.add_argument('--preallocate', action='store_true',
                   help='write the whole disk image first (benchmarks)')
    p.add_argument('--timeout', type=int, default=1200)
    p.add_argument('--append', default='')
    p.add_argument('--tcg-cpu', default='max',
                   help="QEMU's -cpu under TCG (KVM uses the host's)")
    p.add_argument('--expect-fail', default='')
    p.add_argument('--plugin', default='',
                   help='a QEMU TCG plugin and its arguments (forces TCG)')
    p.add_argument('--timeout-scale', type=int, default=1,
                   help="multiply each program's time limit (slow kernels)")
    p.add_argument('--expected-skips', default='',
                   help='file of skips declared as expected, by kernel kind')
    p.add_argument('--kernel-kind', default='',
                   help='vswap, novswap or base: which skips are expected')
    p.add_argument('--show', action='store_true',
                   help='copy the guest output to this terminal')
    p.add_argument('--verbose', action='store_true',
                   help='list every result, not one line a program')
    a = p.parse_args()
    a.disk_bytes = size_bytes(a.disk)
    return cmd_run(a)


if __name__ == '__main__':
    sys.exit(main())
