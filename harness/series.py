#!/usr/bin/env python3
"""The patch series: the overlay and patches/ cut into mailable patches.

Usage: harness/series.py export    'make series': build/series/, cover copy
       harness/series.py check     the cheap checks, as TAP (make check)
       harness/series.py bisect    'make series-check': every prefix built
                                   with the new options on and off, sparse

The cut is declared once, in series/series (its header says how): every
overlay file and every hunk of every patches/ diff goes to exactly one
patch, chosen by path and, within a file, by a regular expression over the
hunk's text. A hunk is a run of changed lines (a zero-context diff of the
base against the prepared file); a run of added lines is further cut where
one top-level item ends and the next begins, so two new functions in one
run may go to two patches. An overlay file the description cuts is grown
the same way, as a diff from an empty file, over the patches that claim
its segments. In a file the description cuts, an #if block whose #if,
#else and #endif lines fall in different segments may stay cut: those
segments are its frame, claimed whole by one patch, and the segments
between them go where they are claimed, those of one branch at most in
an earlier patch (code that the block makes conditional when it comes).
A run of added lines may also open with the #if that a later piece
closes (a new header's include guard, or a new #ifdef block), if its
braces balance. A run of added lines whose first piece closes something
opened before it (a brace, an #else of an #if above) is not cut at all.
A hunk no patch claims, or two claim, or a selector that claims nothing,
stops the export.

The patches are commits on branch 'series' of build/linux's repository,
built from the base with plumbing (no work tree is touched), then written
out with 'git format-patch'.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, 'build')
SRC = os.path.join(BUILD, 'linux')
DESC = os.path.join(TOP, 'series', 'series')
COVER_IN = os.path.join(TOP, 'series', 'cover.txt')
COVER_COPY = os.path.join(TOP, 'series', 'cover-letter.txt')
OUT = os.path.join(BUILD, 'series')
BENCH_REPORT = os.path.join(TOP, 'results', 'bench', 'report.md')


class SeriesError(Exception):
    pass


def scratch_index():
    """A private index file for plumbing, so that two runs do not collide."""
    fd, path = tempfile.mkstemp(prefix='series-index.', dir=BUILD)
    os.close(fd)
    os.unlink(path)
    return path


def git(*args, data=None, env=None, text=True):
    """git on build/linux's repository, deaf to the user's configuration."""
    e = dict(os.environ, GIT_CONFIG_GLOBAL='/dev/null', GIT_CONFIG_NOSYSTEM='1')
    if env:
        e.update(env)
    r = subprocess.run(['git', '-C', SRC, '-c', 'core.abbrev=12',
                        '-c', 'user.name=vtree', '-c', 'user.email=vtree@localhost']
                       + list(args), input=data, env=e, capture_output=True)
    if r.returncode:
        raise SeriesError('git %s: %s' % (' '.join(args[:3]),
                                          r.stderr.decode(errors='replace').strip()))
    return r.stdout.decode() if text else r.stdout


def lib_list(fn):
    """A list function of harness/lib.sh (overlay_files, patch_files)."""
    out = subprocess.run(['bash', '-c', '. "$1"; %s' % fn, 'x',
                          os.path.join(TOP, 'harness', 'lib.sh')],
                         capture_output=True, text=True, check=True).stdout
    return [l for l in out.splitlines() if l]


# ---------------------------------------------------------------- description

class Selector:
    def __init__(self, patch, path, regex, negate, lineno):
        self.patch, self.path, self.negate, self.lineno = patch, path, negate, lineno
        self.regex = re.compile(regex, re.M) if regex is not None else None
        self.used = 0

    def covers(self, path):
        if self.path.endswith('/'):
            return path.startswith(self.path)
        return path == self.path

    def matches(self, path, text):
        if not self.covers(path):
            return False
        if self.regex is None:
            return True
        return bool(self.regex.search(text)) != self.negate

    def __str__(self):
        s = self.path
        if self.regex is not None:
            s += ' %s/%s/' % ('!' if self.negate else '', self.regex.pattern)
        return 'series/series:%d: + %s' % (self.lineno, s)


class Allow:
    """A checkpatch finding a patch may keep: its type, and the flagged
    line's text if a regular expression is given."""

    def __init__(self, typ, regex, why, lineno):
        self.typ, self.why, self.lineno, self.used = typ, why, lineno, 0
        self.regex = re.compile(regex) if regex is not None else None

    def matches(self, typ, text):
        return typ == self.typ and (self.regex is None or bool(self.regex.search(text)))


class Patch:
    def __init__(self, subject):
        self.subject, self.body, self.selectors = subject, [], []
        self.allow = []


def parse_description():
    exclude, author, patches = [], None, []
    mail, prefix = [], 'PATCH'
    cuts = {}
    cur = None
    with open(DESC) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.startswith('== '):
                cur = Patch(line[3:].strip())
                patches.append(cur)
                continue
            if cur is None:
                if not line.strip() or line.startswith('#'):
                    continue
                word, _, rest = line.partition(' ')
                if word == 'exclude':
                    exclude.append(rest.strip())
                elif word == 'author':
                    author = rest.strip()
                elif word in ('to', 'cc'):
                    mail.append('--%s=%s' % (word, rest.strip()))
                elif word == 'prefix':
                    prefix = rest.strip()
                elif word == 'cut':
                    m = re.match(r'(\S+)\s+/(.*)/\s*$', rest)
                    if not m:
                        raise SeriesError('series/series:%d: cut PATH /REGEX/' % n)
                    cuts.setdefault(m.group(1), []).append(re.compile(m.group(2)))
                else:
                    raise SeriesError('series/series:%d: unknown line %r' % (n, line))
                continue
            if line.startswith('+ ') and not cur.body:
                m = re.match(r'\+ (\S+)(?:\s+(!?)/(.*)/)?\s*$', line)
                if not m:
                    raise SeriesError('series/series:%d: bad selector %r' % (n, line))
                cur.selectors.append(Selector(len(patches) - 1, m.group(1),
                                              m.group(3), m.group(2) == '!', n))
            elif line.startswith('allow ') and not cur.body:
                m = re.match(r'allow ([A-Z0-9_]+)(?:\s+/(.*?)/)?\s+(\S.*)$', line)
                if not m:
                    raise SeriesError('series/series:%d: allow TYPE [/REGEX/] WHY' % n)
                cur.allow.append(Allow(m.group(1), m.group(2), m.group(3), n))
            else:
                cur.body.append(line)
    if not patches:
        raise SeriesError('series/series names no patch')
    if not author:
        raise SeriesError('series/series: no author line')
    for p in patches:
        while p.body and not p.body[0].strip():
            p.body.pop(0)
        while p.body and not p.body[-1].strip():
            p.body.pop()
        if not p.body:
            raise SeriesError('patch %r has no body' % p.subject)
        if len(p.subject) > 75:
            raise SeriesError('subject longer than 75 characters: %r' % p.subject)
    return exclude, author, patches, cuts, (mail, prefix)


def excluded(path, exclude):
    return any(path == e or (e.endswith('/') and path.startswith(e)) for e in exclude)


# ------------------------------------------------------------------ the cut

TOP_END = re.compile(r'^(\}|\};|#endif\b.*|\S.*;)$')


def split_added(added, extra=(), lead=None):
    """Where a run of added lines may be cut: before a top-level item that
    follows a blank line after the end of another, before an #if that
    follows an #endif, and before a line the description's 'cut' names.
    Blank lines between two items stay with the one before, unless the run
    ends in a line that is not blank (@lead: it is followed by a blank
    line or the end of the file): then a cut the description names takes
    them along with the item after, so that no prefix leaves two blank
    lines in a row, or one at the end of a file. @lead defaults to what
    @added's own last line says."""
    cuts = [0]
    if lead is None:
        lead = bool(added) and added[-1] != ''
    for i in range(1, len(added)):
        cur, prev = added[i], added[i - 1]
        if any(r.search(cur) for r in extra):
            at = i
            while lead and cur and at - 1 > cuts[-1] and not added[at - 1]:
                at -= 1
            cuts.append(at)
        elif not cur or cur[0].isspace() or cur[0] in '{)':
            continue
        elif prev.startswith('#endif') and cur.startswith('#if'):
            cuts.append(i)
        elif i >= 2 and prev == '' and TOP_END.match(added[i - 2]):
            cuts.append(i)
    return [added[a:b] for a, b in zip(cuts, cuts[1:] + [len(added)])]


def _code(line, in_comment):
    """The line with comments, strings and character literals taken out;
    whether a block comment is still open at its end."""
    out, i = [], 0
    while i < len(line):
        if in_comment:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out), True
            i, in_comment = j + 2, False
        elif line.startswith('/*', i):
            i, in_comment = i + 2, True
        elif line.startswith('//', i):
            break
        elif line[i] in '"\'':
            q, i = line[i], i + 1
            while i < len(line) and line[i] != q:
                i += 2 if line[i] == '\\' else 1
            i += 1
        else:
            out.append(line[i])
            i += 1
    return ''.join(out), in_comment


def nesting(lines):
    """(net brace depth, net #if depth, lowest brace depth, lowest #if
    depth) over lines, comments and strings left out."""
    b = p = lowb = lowp = 0
    in_comment = False
    for line in lines:
        code, in_comment = _code(line, in_comment)
        t = code.strip()
        if t.startswith('#'):
            d = t[1:].strip()
            if d.startswith('if'):
                p += 1
            elif d.startswith('endif'):
                p -= 1
            lowp = min(lowp, p)
            continue
        for c in code:
            if c == '{':
                b += 1
            elif c == '}':
                b -= 1
                lowb = min(lowb, b)
    return b, p, lowb, lowp


def merged(segs, bad):
    """Merge each segment after the first that @bad says of into the one
    before it, until none is."""
    j = 1
    while j < len(segs):
        if bad(nesting(segs[j])):
            segs[j - 1].extend(segs.pop(j))
            j = max(1, j - 1)
        else:
            j += 1
    return segs


def outer_directives(lines):
    """The #if, #else/#elif and #endif lines of @lines that belong to a
    conditional opened before them or left open after them: one of
    ['open'], ['else'], ['close'], [] (none), or None (anything else)."""
    depth, out, in_comment = 0, [], False
    for line in lines:
        code, in_comment = _code(line, in_comment)
        t = code.strip()
        if not t.startswith('#'):
            continue
        d = t[1:].strip()
        if d.startswith('if'):
            depth += 1
        elif d.startswith('el') and depth == 0:
            out.append('else')
        elif d.startswith('endif'):
            depth -= 1
            if depth < 0:
                out.append('close')
                depth = 0
    out += ['open'] * depth
    return out if len(out) <= 1 else None


def if_frames(segs, start=1):
    """The #if blocks whose lines are cut apart: for each, the segments
    that hold its #if, #else and #endif lines, while every segment from
    @start on opens, continues or closes at most one block (the caller
    sees to their braces). None if they do not pair up so."""
    frames, stack = [], []
    for j in range(start, len(segs)):
        ev = outer_directives(segs[j])
        if ev is None:
            return None
        if ev == ['open']:
            stack.append([j])
        elif ev and not stack:
            return None
        elif ev == ['else']:
            stack[-1].append(j)
        elif ev == ['close']:
            frames.append(stack.pop() + [j])
    return None if stack else frames


def self_contained(lines):
    """Does @lines close nothing opened before it: no closing brace, #else,
    #elif or #endif of a block it does not open?"""
    lowb, lowp = nesting(lines)[2:]
    return lowb == 0 and lowp == 0 and outer_directives(lines) in ([], ['open'])


def balanced(segments, removed, frames=False):
    """Merge segments into the one before them until every segment after
    the first is balanced on its own (braces and #if blocks closed, never
    below where it starts) and the first is as balanced as the lines it
    replaces, so that any choice of segments leaves the nesting whole.
    With @frames, an #if block whose lines fall into several segments may
    stay cut, if the segments pair up (if_frames()): those holding its
    #if, #else and #endif lines are then one frame, which one patch must
    claim whole, and the segments between go where they are claimed;
    in added lines alone, the first segment may open such a block (a new
    header's include guard, a new #ifdef block) if its braces balance.
    Returns the segments and the frames (lists of segment indices)."""
    segs = [list(x) for x in segments]
    rb, rp = nesting(removed)[:2]
    found = []
    if frames:
        cand = merged([list(x) for x in segs], lambda n: n[0] or n[2])
        # added lines alone: the first segment may come after the others,
        # so it must close nothing opened before the run
        first_ok = bool(removed) or self_contained(cand[0])
        found = if_frames(cand)
        if found and nesting(cand[0])[:2] == (rb, rp) and first_ok:
            return cand, found
        # added lines whose first segment opens the #if a later one
        # closes (a new header's include guard, a new #ifdef block): the
        # first is then in a frame
        if not removed and nesting(cand[0])[0] == 0 and \
                self_contained(cand[0]) and \
                outer_directives(cand[0]) == ['open']:
            found = if_frames(cand, 0)
            if found:
                return cand, found
        found = []
    segs = merged(segs, any)
    if len(segs) > 1 and (nesting(segs[0])[:2] != (rb, rp) or
                          not (removed or self_contained(segs[0]))):
        segs = [sum(segs, [])]
    return segs, found


class Hunk:
    """A run of changed lines of one file, cut into segments: the first
    replaces the removed lines, the others are added after it."""

    def __init__(self, path, start, removed, added, ctx, header, cuts,
                 lead=None):
        self.path, self.start, self.removed, self.ctx = path, start, removed, ctx
        self.header = header
        self.segments, self.frames = \
            balanced(split_added(added, cuts, lead), removed, bool(cuts)) \
            if added else ([[]], [])
        self.owner = [None] * len(self.segments)
        self.tail = 0	# unchanged lines taken in at the end (hunks_of())

    def text(self, k):
        seg = self.segments[k]
        if k == 0:
            return '\n'.join([self.ctx] + self.removed + seg)
        return '\n'.join(seg)

    def where(self, k):
        first = next((l for l in self.segments[k] if l.strip()),
                     self.removed[0] if self.removed else '')
        return '%s %s segment %d (%r)' % (self.path, self.header, k + 1, first[:60])


def hunks_of(path, old, new, cuts=()):
    if old == new:
        return []
    diff = git('diff', '-U0', '--no-color', '--no-ext-diff', old, new)
    hunks, cur = [], None
    for line in diff.split('\n'):
        m = re.match(r'^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@ ?(.*)$', line)
        if m:
            a, b = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            start = a - 1 if b else a
            cur = [start, b, [], [], m.group(3), line.split(' @@')[0] + ' @@']
            hunks.append(cur)
        elif cur is None:
            continue
        elif line.startswith('-'):
            cur[2].append(line[1:])
        elif line.startswith('+'):
            cur[3].append(line[1:])
        elif line.startswith('\\'):
            raise SeriesError('%s: no newline at the end of the file' % path)
    # Where the diff pairs a line the change adds with an old one (the
    # closing brace of a new function taken for the old function's), the
    # run's segments do not balance; taking a few following unchanged
    # lines into the hunk (removed and added again) may let them.
    base = [l.rstrip('\n') for l in lines_of(blob_text(old))]
    out = []
    for i, (start, count, removed, added, ctx, header) in enumerate(hunks):
        assert count == len(removed)
        limit = hunks[i + 1][0] if i + 1 < len(hunks) else len(base)
        best = Hunk(path, start, removed, added, ctx, header, cuts)
        end = start + len(removed)
        for ext in range(1, 4):
            if not added or end + ext > limit or \
                    len(best.segments) == len(split_added(added, cuts)):
                break
            tail = base[end:end + ext]
            # (the run as the diff has it says how its blank lines go)
            h = Hunk(path, start, removed + tail, added + tail, ctx, header,
                     cuts, lead=added[-1] != '')
            h.tail = ext
            # the unchanged lines must end a segment that changes something
            if len(h.segments) > len(best.segments) and len(h.segments[-1]) > ext:
                best = h
        out.append(best)
    return out


def content_at(base_lines, hunks, k):
    """The file as patches 0..k leave it."""
    out, pos = [], 0
    for h in hunks:
        out.extend(base_lines[pos:h.start])
        pos = h.start + len(h.removed)
        if h.owner[0] <= k:
            out.extend(l + '\n' for l in h.segments[0])
        else:
            out.extend(base_lines[h.start:pos])
        for seg, owner in zip(h.segments[1:], h.owner[1:]):
            if owner <= k:
                out.extend(l + '\n' for l in seg)
    out.extend(base_lines[pos:])
    return ''.join(out)


def lines_of(text):
    """Lines with their newlines, split on newlines only (as diff counts)."""
    parts = text.split('\n')
    return [l + '\n' for l in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def blob_text(ref):
    return git('cat-file', 'blob', ref)


def hash_blob(data):
    return git('hash-object', '-w', '--stdin', data=data.encode()).strip()


def final_tree():
    """What 'make tree' prepares, with overlay files as their content."""
    index = scratch_index()
    env = {'GIT_INDEX_FILE': index}
    try:
        git('read-tree', 'base', env=env)
        for p in lib_list('patch_files'):
            git('apply', '--cached', '--binary', '--whitespace=nowarn',
                os.path.join(TOP, p), env=env)
        for f in lib_list('overlay_files'):
            blob = git('hash-object', '-w', os.path.join(TOP, f)).strip()
            mode = '100755' if os.access(os.path.join(TOP, f), os.X_OK) else '100644'
            git('update-index', '--add', '--cacheinfo', '%s,%s,%s' % (mode, blob, f),
                env=env)
        return git('write-tree', env=env).strip()
    finally:
        if os.path.exists(index):
            os.unlink(index)


def cut(patches, exclude, cuts):
    """Give every overlay file and hunk segment its patch. Returns
    (files: path -> patch, hunks: path -> [Hunk], final tree, the overlay
    files grown over patches, whose hunks are in hunks)."""
    errors = []
    tree = final_tree()
    overlay = [f for f in lib_list('overlay_files') if not excluded(f, exclude)]
    edited = [p[len('patches/'):-len('.patch')] for p in lib_list('patch_files')]
    edited = [f for f in edited if not excluded(f, exclude)]
    sels = [s for p in patches for s in p.selectors]

    def claim(path, text, what):
        owners = [s for s in sels if s.matches(path, text)]
        for s in owners:
            s.used += 1
        pats = sorted({s.patch for s in owners})
        if len(pats) != 1:
            errors.append('%s: %s' % (what, 'in no patch' if not pats else
                          'in patches %s (%s)' % (
                              ', '.join(str(p + 1) for p in pats),
                              '; '.join(str(s) for s in owners))))
            return len(patches)
        return pats[0]

    files = {}
    grown = [f for f in overlay if f in cuts]
    for f in overlay:
        if f not in cuts:
            files[f] = claim(f, '', f)
    for s in sels:
        if s.regex is not None and any(s.covers(f) for f in overlay
                                       if f not in cuts):
            errors.append('%s: a regular expression on an overlay file the '
                          'description does not cut' % s)
    hunks = {}
    empty = hash_blob('')	# the old side of a grown file
    for f in edited + grown:
        old = empty if f in grown else 'base:' + f
        hs = hunks_of(f, old, '%s:%s' % (tree, f), cuts.get(f, ()))
        if not hs:
            errors.append('%s: patches/ holds a diff that changes nothing' % f)
        for h in hs:
            framed = {k for fr in h.frames for k in fr}
            for k in range(len(h.segments)):
                if k not in framed:
                    h.owner[k] = claim(f, h.text(k), h.where(k))
            # an #if block's frame is claimed whole, by its lines together
            for fr in h.frames:
                o = claim(f, '\n'.join(h.text(k) for k in fr),
                          '%s, the #if block it opens' % h.where(fr[0]))
                for k in fr:
                    h.owner[k] = o
                # before its frame, a branch's code is compiled as it is:
                # one branch may come first (the code the block then
                # makes conditional), two would both be built
                early = [i for i in range(len(fr) - 1)
                         if any(h.owner[k] < o
                                for k in range(fr[i] + 1, fr[i + 1]))]
                if len(early) > 1:
                    errors.append('%s: segments of %d branches of the #if block '
                                  'come in patches before it' %
                                  (h.where(fr[0]), len(early)))
            # the lines kept while the first segment is not applied are
            # the removed ones, and a grown file starts with its first
            # (its header): the segments after it must not come first
            if (h.removed or f in grown) and \
                    any(o < h.owner[0] for o in h.owner[1:]):
                errors.append('%s: a later segment comes in a patch before the '
                              'first, which %s' % (h.where(0), 'starts the file'
                                                   if f in grown else
                                                   'replaces removed lines'))
            # the unchanged lines a widened hunk took in end its last
            # segment: it must come with the first, or they would go
            if h.tail and h.owner[-1] != h.owner[0]:
                errors.append('%s: its last segment holds unchanged lines and must '
                              'be in the patch of its first' % h.where(len(h.segments) - 1))
        hunks[f] = hs
    for f, rs in cuts.items():
        if f not in hunks or not any(len(h.segments) > 1 for h in hunks[f]):
            errors.append('cut %s: cuts nothing' % f)
    allpaths = lib_list('overlay_files') + [p[len('patches/'):-len('.patch')]
                                            for p in lib_list('patch_files')]
    for e in exclude:
        if not any(excluded(f, [e]) for f in allpaths):
            errors.append('exclude %s: excludes nothing' % e)
    for i, p in enumerate(patches):
        for m in re.finditer(r'@[A-Z_]+@', '\n'.join(p.body)):
            errors.append('patch %d: placeholder %s left in its body' % (i + 1, m.group(0)))
    for s in sels:
        if not s.used:
            errors.append('%s claims nothing' % s)
    for i, p in enumerate(patches):
        if not any(o == i for o in files.values()) and \
           not any(i in h.owner for hs in hunks.values() for h in hs):
            errors.append('patch %d (%s) changes nothing' % (i + 1, p.subject))
    if errors:
        raise SeriesError('the series description does not cut the tree cleanly:\n  '
                          + '\n  '.join(errors))
    return files, hunks, tree, set(grown)


# --------------------------------------------------------------- the commits

def signoff_env(author, when):
    m = re.match(r'(.*?)\s*<(.*)>$', author)
    if not m:
        raise SeriesError('author must read "Name <email>": %r' % author)
    name, mail = m.groups()
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': mail, 'GIT_AUTHOR_DATE': when,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': mail,
            'GIT_COMMITTER_DATE': when}


def series_date():
    """The date the patches carry: the repository's last commit's, so
    that the same repository gives the same series."""
    return subprocess.run(['git', '-C', TOP, 'log', '-1', '--format=%aD'],
                          capture_output=True, text=True).stdout.strip() or \
        'Thu, 1 Jan 2026 00:00:00 +0000'


def build_commits(patches, files, hunks, grown, author):
    env = signoff_env(author, series_date())
    index = scratch_index()
    ienv = {'GIT_INDEX_FILE': index}
    base_lines = {f: [] if f in grown else lines_of(blob_text('base:' + f))
                  for f in hunks}
    parent = git('rev-parse', 'base^{commit}').strip()
    commits = []
    try:
        git('read-tree', parent, env=ienv)
        for k, p in enumerate(patches):
            for f, owner in files.items():
                if owner == k:
                    path = os.path.join(TOP, f)
                    blob = git('hash-object', '-w', path).strip()
                    mode = '100755' if os.access(path, os.X_OK) else '100644'
                    git('update-index', '--add', '--cacheinfo',
                        '%s,%s,%s' % (mode, blob, f), env=ienv)
            for f, hs in hunks.items():
                if any(k in h.owner for h in hs):
                    blob = hash_blob(content_at(base_lines[f], hs, k))
                    if f in grown:
                        mode = '100755' if os.access(os.path.join(TOP, f),
                                                     os.X_OK) else '100644'
                    else:
                        mode = git('ls-files', '-s', f, env=ienv).split()[0]
                    git('update-index', '--add', '--cacheinfo',
                        '%s,%s,%s' % (mode, blob, f), env=ienv)
            tree = git('write-tree', env=ienv).strip()
            msg = '%s\n\n%s\n\nSigned-off-by: %s\n' % (p.subject, '\n'.join(p.body),
                                                       author)
            parent = git('commit-tree', tree, '-p', parent, data=msg.encode(),
                         env=env).strip()
            commits.append(parent)
    finally:
        if os.path.exists(index):
            os.unlink(index)
    git('update-ref', 'refs/heads/series', parent)
    return commits


# harness/lib.sh's is_dropping(): tool droppings, never part of the tree
DROPPING = re.compile(r'^(.*\.swp|.*~|.*\.orig|.*\.rej|\..*\.sw.|tags|TAGS|cscope\..*|'
                      r'\.checkpatch-camelcase\..*)$')


def prepared_tree(exclude):
    """build/linux's branch 'prepared' (what 'make tree' made), overlay
    links resolved to their files' content, excluded paths left out."""
    index = scratch_index()
    env = {'GIT_INDEX_FILE': index}
    try:
        git('read-tree', 'refs/heads/prepared', env=env)
        for line in git('ls-files', '-s', env=env).splitlines():
            meta, path = line.split('\t', 1)
            mode, blob = meta.split()[:2]
            if excluded(path, exclude) or DROPPING.match(os.path.basename(path)):
                git('update-index', '--force-remove', path, env=env)
            elif mode == '120000' and blob_text(blob).startswith(TOP + '/'):
                target = blob_text(blob)
                data = open(target, 'rb').read()
                nb = git('hash-object', '-w', '--stdin', data=data, text=True).strip()
                m = '100755' if os.access(target, os.X_OK) else '100644'
                git('update-index', '--cacheinfo', '%s,%s,%s' % (m, nb, path), env=env)
        return git('write-tree', env=env).strip()
    finally:
        if os.path.exists(index):
            os.unlink(index)


# ------------------------------------------------------------- cover letter

def bench_tables():
    """The judged rows of results/bench/report.md (those with a better
    direction), as plain text, with the report's header lines."""
    if not os.path.exists(BENCH_REPORT):
        return '(no results/bench/report.md)'
    head, rows = [], []
    for line in open(BENCH_REPORT):
        line = line.rstrip('\n')
        if line.startswith('- '):
            head.append(line)
        elif line.startswith('| ') and not line.startswith('| workload') and \
                line.count('|') >= 8:
            cells = [c.strip() for c in line.strip('|').split('|')]
            # wall time says again what throughput says
            if len(cells) >= 7 and cells[6] in ('↑', '↓') and \
                    not cells[1].startswith('wall_s'):
                rows.append((cells[0], cells[1], cells[2], cells[3], cells[4],
                             cells[5], 'higher' if cells[6] == '↑' else 'lower'))
        elif line.startswith('#') and rows:
            break
    hdr = ('workload', 'metric', 'base', 'patched', 'ratio', 'per-round', 'better')
    w = [max(len(r[i]) for r in rows + [hdr]) for i in range(len(hdr))]
    fmt = '  '.join('%%-%ds' % x for x in w)
    out = head + [''] + [fmt % hdr, fmt % tuple('-' * x for x in w)]
    out += [(fmt % r).rstrip() for r in rows]
    return '\n'.join(out)


def cover_text(patches):
    with open(COVER_IN) as f:
        lines = f.read().split('\n')
    subject = lines[0]
    body = '\n'.join(lines[1:]).strip('\n')
    body = body.replace('@BENCH@', bench_tables())
    body = body.replace('@PATCHES@', '\n'.join('  %2d. %s' % (i + 1, p.subject)
                                               for i, p in enumerate(patches)))
    left = re.findall(r'@[A-Z_]+@', subject + body)
    if left:
        raise SeriesError('series/cover.txt: placeholder %s left' % ', '.join(left))
    return subject, body


def export(check_copy=False):
    exclude, author, patches, cuts, (mail, prefix) = parse_description()
    if not os.path.exists(SRC):
        raise SeriesError('build/linux missing: run make tree')
    files, hunks, tree, grown = cut(patches, exclude, cuts)
    commits = build_commits(patches, files, hunks, grown, author)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    # the author's identity also names the Message-Ids
    git('format-patch', '-q', '--cover-letter', '--thread=shallow', '-o', OUT,
        '--subject-prefix=' + prefix, '--no-signature', *mail, 'base..' + commits[-1],
        env=signoff_env(author, series_date()))
    subject, body = cover_text(patches)
    cover = os.path.join(OUT, sorted(os.listdir(OUT))[0])
    txt = open(cover).read()
    txt = txt.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', body)
    open(cover, 'w').write(txt)
    copy = '\n'.join(l for l in txt.split('\n')
                     if not re.match(r'^(From [0-9a-f]{40} |Date: |Message-Id: )', l))
    stale = None
    if check_copy:
        old = open(COVER_COPY).read() if os.path.exists(COVER_COPY) else ''
        stale = old != copy
    else:
        open(COVER_COPY, 'w').write(copy)
    return dict(patches=patches, commits=commits, tree=tree, exclude=exclude,
                stale=stale, hunks=hunks, files=files, grown=grown)


# ------------------------------------------------------------------- checks

FINDING = re.compile(r'^[^:]+:(\d+): (?:WARNING|ERROR|CHECK):([A-Z0-9_]+): (.*)$')


def checkpatch(path, allows):
    """checkpatch.pl --strict on one patch: the findings no 'allow' of the
    patch covers, as lines, and the allows that covered none."""
    cmd = ['perl', os.path.join(SRC, 'scripts', 'checkpatch.pl'), '--strict',
           '--terse', '--show-types', '--no-summary', '--root=' + SRC]
    # spdxcheck.py needs python3-ply and python3-git, which Debian's python3 has
    env = dict(os.environ, PATH='/usr/bin:' + os.environ.get('PATH', ''))
    # run from build/: checkpatch leaves its CamelCase cache in the directory
    r = subprocess.run(cmd + [path], capture_output=True, text=True, cwd=BUILD, env=env)
    lines = open(path, errors='replace').read().split('\n')
    bad = []
    for out in (r.stdout + r.stderr).splitlines():
        m = FINDING.match(out)
        if not m:
            if out.strip():
                bad.append(out)
            continue
        text = lines[int(m.group(1)) - 1] if int(m.group(1)) <= len(lines) else ''
        a = next((a for a in allows if a.matches(m.group(2), text)), None)
        if a:
            a.used += 1
        else:
            bad.append('%s: %s' % (out.split(': ', 1)[-1], text.strip()))
    if r.returncode and not bad and not any(a.used for a in allows):
        bad.append('checkpatch.pl exited %d' % r.returncode)
    stale = ['series/series:%d: allow %s matches nothing' % (a.lineno, a.typ)
             for a in allows if not a.used]
    return bad, stale


def new_doc_files(files):
    return sorted(f for f in files if re.search(r'\.[ch]$', f) and
                  not f.startswith('tools/'))


def kernel_doc(path):
    r = subprocess.run(['perl', os.path.join(SRC, 'scripts', 'kernel-doc'), '-none',
                        '-Wall', path], capture_output=True, text=True, cwd=SRC)
    return r.returncode, (r.stdout + r.stderr).strip()


def apply_round_trip(pfiles):
    """The mailed patches applied in order to the base, as git am would:
    the tree they give, and what failed, if anything."""
    index = scratch_index()
    env = {'GIT_INDEX_FILE': index}
    try:
        git('read-tree', 'base', env=env)
        for p in pfiles:
            try:
                git('apply', '--cached', os.path.join(OUT, p), env=env)
            except SeriesError as e:
                return None, '%s does not apply: %s' % (p, e)
        return git('write-tree', env=env).strip(), None
    finally:
        if os.path.exists(index):
            os.unlink(index)


def cmd_check():
    print('TAP version 13')
    try:
        res = export(check_copy=True)
    except SeriesError as e:
        print('1..1')
        for l in str(e).splitlines():
            print('# ' + l)
        print('not ok 1 series_export')
        return 1
    pfiles = sorted(os.listdir(OUT))[1:]
    docs = new_doc_files(list(res['files']) + list(res['grown']))
    print('1..%d' % (4 + len(pfiles) + len(docs)))
    n = 1
    print('ok %d series_export # %d patches, every file and hunk in one'
          % (n, len(res['patches'])))
    n += 1
    want = prepared_tree(res['exclude'])
    have = git('rev-parse', 'refs/heads/series^{tree}').strip()
    if have != want:
        # the tip, less excluded paths, against what make tree prepared
        print('# ' + git('diff', '--stat', want, have).replace('\n', '\n# '))
    print('%sok %d series_final_equals_tree' % ('' if have == want else 'not ', n))
    n += 1
    applied, why = apply_round_trip(pfiles)
    if why:
        print('# ' + why)
    print('%sok %d series_applies_to_base # git apply of build/series/ gives branch series'
          % ('' if applied == have else 'not ', n))
    n += 1
    if res['stale']:
        print('# series/cover-letter.txt is not what make series writes now: '
              'run make series and commit it')
    print('%sok %d series_cover_letter_current' % ('not ' if res['stale'] else '', n))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as ex:
        found = list(ex.map(lambda kp: checkpatch(os.path.join(OUT, kp[1]),
                                                  res['patches'][kp[0]].allow),
                            enumerate(pfiles)))
    for p, (bad, stale) in zip(pfiles, found):
        n += 1
        for l in bad + stale:
            print('# ' + l)
        print('%sok %d checkpatch_%s' % ('not ' if bad or stale else '', n, p[:4]))
    for f in docs:
        n += 1
        rc, out = kernel_doc(os.path.join(TOP, f))
        for l in out.splitlines():
            print('# ' + l)
        print('%sok %d kernel_doc %s' % ('not ' if rc or out else '', n, f))
    return 0


def cmd_export():
    res = export()
    pfiles = sorted(os.listdir(OUT))
    print('%d patches and a cover letter in build/series/; copy of the cover '
          'letter in series/cover-letter.txt' % (len(pfiles) - 1))
    print('  ' + pfiles[0])
    for k, p in enumerate(pfiles[1:]):
        files = sum(1 for o in res['files'].values() if o == k) + \
            sum(1 for f in res['grown'] if min(res['hunks'][f][0].owner) == k)
        segs = sum(h.owner.count(k) for hs in res['hunks'].values() for h in hs)
        print('  %s: %d new files, %d hunk segments' % (p, files, segs))
    return 0


if __name__ == '__main__':
    cmds = {'export': cmd_export, 'check': cmd_check}
    if len(sys.argv) != 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    try:
        sys.exit(cmds[sys.argv[1]]())
    except SeriesError as e:
        sys.exit('error: %s' % e)
