# SPDX-License-Identifier: GPL-2.0
"""tcplab-lab: the lab book's one entry point.

  tcplab-lab check FILE... [--set KEY=VALUE]... [--live] [--resolve DIR]
                   [--names] [--estimate] [--quick] [--only KEY=V1,V2]...
      validate experiment files (nothing runs); --live checks sysctls
      against this kernel's /proc/sys instead of the static tables;
      --resolve writes each file resolved (base, override, --set) as
      DIR/NAME.json, the form the VM receives
  tcplab-lab run FILE... --out DIR [--set KEY=VALUE]... [--page HTML]
                 [--quick] [--only KEY=V1,V2]...
      run them (as root); one line per experiment; results in DIR;
      --quick applies each file's [quick] settings, --only keeps some
      values of a [matrix] key or [variants] name
  tcplab-lab bench DIR... --out OUTDIR [--strict]
      from results directories (one per kernel) of files with a [bench]
      table: per-run and per-cell CSVs, charts (SVG), ratios with
      bootstrap intervals, checks, summary.txt and index.html
  tcplab-lab rejudge DIR [FILE...]
      compute the metrics and verdicts of results again from their saved
      tables, with the current analyzers (and FILEs' verdicts, by name)
  tcplab-lab page DIR --out HTML [--title TEXT]
      the self-contained HTML page of a results directory
  tcplab-lab browser-check HTML [--screenshot PNG] [--negative]
      load the page in headless Chromium and check it
  tcplab-lab keys [--markdown]
      every key an experiment file may hold, by plug-in
  tcplab-lab list [FILE|DIR...] [--tag TAG] [--paths]
      name, title and claim of experiment files (default: the built-in
      ones), or only their paths; --tag keeps those tagged TAG

Exit status: 0 when everything went as the files expect; 1 when a file
was refused, a run failed or a verdict differed from its file's
`expect`; 2 for usage errors.
"""
import argparse
import glob
import json
import os
import sys

from . import registry, schema, spec
from .schema import SpecError

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(args):
    out = []
    for f in args:
        if os.path.isdir(f):
            out += sorted(glob.glob(os.path.join(f, '*.toml')) +
                          glob.glob(os.path.join(f, '*.json')))
        else:
            out.append(f)
    return out


def _sets(args):
    return [spec.parse_set(s) for s in args.set or ()]


def _load(args, mode):
    """The files of args, with --set, --quick and --only applied."""
    only = [spec.parse_only(o) for o in getattr(args, 'only', None) or ()]
    return spec.load_many(_files(args.files), _sets(args), mode,
                          quick=getattr(args, 'quick', False), only=only)


# Seconds a run takes beyond its flows' end times under TCG: namespaces,
# links, agents starting, collection. The end times carry slack of their
# own; measured over whole benchmark sessions (6.12, boot included): 1317 s
# of VM for 42 flood runs planned at 1406 s, 864 s for 154 churn runs
# planned at 798 s. It was 8, and the bench announced 30 and 34 minutes
# for sessions of 22 and 14.
RUN_OVERHEAD = 1


def cmd_check(args):
    try:
        sets = _load(args, 'live' if args.live else 'static')
    except SpecError as e:
        print('refused: %s' % e, file=sys.stderr)
        return 1
    total = 0
    for s in sets:
        t = sum(v.end_time() for v in s.variants) * s.reps
        # A quiet machine settles in two windows (0.5 s); the limit is
        # for the one that does not.
        wait = min(s.variants[0].meta['settle'], 0.5)
        total += t + (RUN_OVERHEAD + wait) * len(s.variants) * s.reps
        if args.names:
            print(s.name)
            continue
        if args.estimate:
            continue
        e = s.variants[0]
        print('ok %-22s %d variant(s) x %d rep(s), about %.0f s of traffic: %s' %
              (s.name, len(s.variants), s.reps, t, e.meta['title']))
    if args.estimate:
        print('%.0f' % total)
    if args.resolve:
        os.makedirs(args.resolve, exist_ok=True)
        # NN-NAME.json: the guest runs DIR/*.json, so the files run in
        # the order given here (make bench puts module switches first).
        for i, s in enumerate(sets):
            with open(os.path.join(args.resolve, '%02d-%s.json' % (i + 1, s.name)),
                      'w') as f:
                f.write(spec.resolved_json(s))
    return 0


def _stream(out, rel, prefix):
    """Print files under out/rel in vm.sh's TCPLAB-FILE format (raw/
    left out): how the VM ships results as each experiment ends, so a
    guest that dies later still leaves the finished ones."""
    base = os.path.join(out, rel)
    paths = [base] if os.path.isfile(base) else sorted(
        os.path.join(dp, f) for dp, dns, fs in os.walk(base)
        for f in fs if '/raw' not in dp[len(base):] + '/')
    for p in paths:
        with open(p, errors='replace') as f:
            text = f.read()
        sys.stdout.write('TCPLAB-FILE %s/%s\n%s%sTCPLAB-EOF\n' % (
            prefix, os.path.relpath(p, out), text,
            '' if text.endswith('\n') or not text else '\n'))
    sys.stdout.flush()


def cmd_run(args):
    from . import engine, page
    if os.geteuid() != 0:
        print('tcplab-lab run: needs root (namespaces, tc, tracefs)', file=sys.stderr)
        return 1
    try:
        sets = _load(args, 'live')
    except SpecError as e:
        print('refused: %s' % e, file=sys.stderr)
        return 1
    print('# %d experiment(s) on Linux %s, results in %s' %
          (len(sets), os.uname().release, args.out), flush=True)
    try:
        done = None
        if args.stream:
            def done(name):
                _stream(args.out, name, args.stream)
                _stream(args.out, 'book.json', args.stream)
        results, ok = engine.run_book(sets, args.out,
                                      log=lambda s: print(s, flush=True),
                                      keep_raw=not args.no_raw, on_done=done)
    except KeyboardInterrupt:
        print('tcplab-lab run: interrupted; namespaces and processes cleaned up',
              file=sys.stderr)
        return 130
    if args.page:
        page.write(args.out, args.page, args.title)
        print('page: %s' % os.path.abspath(args.page))
    return 0 if ok else 1


def cmd_page(args):
    from . import engine, page
    try:
        page.write(args.dir, args.out, args.title)
    except FileNotFoundError as e:
        print('tcplab-lab page: %s' % e, file=sys.stderr)
        return 1
    with open(os.path.join(args.dir, 'book.json')) as f:
        book = json.load(f)
    ok = True
    n = 0
    for name in book['experiments']:
        p = os.path.join(args.dir, name, 'result.json')
        if not os.path.exists(p):
            print('%-9s %s: no result' % ('MISSING', name))
            ok = False
            continue
        with open(p) as f:
            r = json.load(f)
        n += 1
        ok &= r['outcome_ok']
        if not args.quiet:
            print(engine.line(r))
    print('page: %s (%d experiments, Linux %s)' % (os.path.abspath(args.out), n,
                                                  book['kernel']))
    return 0 if ok or not args.strict else 1


def cmd_rejudge(args):
    from . import engine
    try:
        sets = spec.load_many(_files(args.files), _sets(args)) if args.files else []
        results = engine.rejudge(args.dir, sets)
    except SpecError as e:
        print('refused: %s' % e, file=sys.stderr)
        return 1
    for r in results:
        print(engine.line(r))
    return 0 if all(r['outcome_ok'] for r in results) else 1


def cmd_bench(args):
    from . import bench
    try:
        return bench.main(args)
    except SpecError as e:
        print('refused: %s' % e, file=sys.stderr)
        return 1


def cmd_browser(args):
    from . import browser
    return browser.main(args)


def _kind_name(f):
    return {'str': 'string', 'strlist': 'string or list', 'number': 'number',
            'int': 'integer', 'bool': 'true/false', 'scalar': 'name or number',
            'table': 'table', 'rate': 'rate ("10mbit")', 'time': 'time ("40ms")',
            'size': 'size ("10MB")', 'percent': 'percent ("1%")',
            'buffer': 'packets or "N bdp"', 'any': 'any'}[f.kind]


def cmd_keys(args):
    sections = [
        ('[experiment]', spec.EXPERIMENT_KEYS), ('[path]', spec.PATH_KEYS),
        ('[path.forward], [path.reverse]', spec.DIRECTION_KEYS),
        ('[[event]]', spec.EVENT_KEYS), ('[[verdict]]', spec.VERDICT_KEYS),
        ('[[flow]], every kind', spec.FLOW_COMMON),
        ('[[measure]], every kind', spec.MEASURE_COMMON),
        ('[[metric]], every kind', spec.METRIC_COMMON),
        ('[[plot]], every kind', spec.PLOT_COMMON),
    ]
    for cat, table in (('topology', '[topology] shape'), ('workload', '[[flow]] kind'),
                       ('measure', '[[measure]] kind'), ('metric', '[[metric]] kind'),
                       ('plot', '[[plot]] kind')):
        for kind, cls in sorted(registry.kinds(cat).items()):
            sections.append(('%s = "%s"' % (table, kind), cls.KEYS,
                             cls.DOC + ('. Produces ' + cls.PRODUCES
                                        if cls.PRODUCES else '')))
    for sec in sections:
        title, fields = sec[0], sec[1]
        doc = sec[2] if len(sec) > 2 else ''
        if args.markdown:
            print('**`%s`**%s\n' % (title, ': ' + doc if doc else ''))
            if fields:
                print('| key | value | meaning |\n| --- | --- | --- |')
                for k, f in fields.items():
                    extra = ''
                    if f.choices:
                        extra = ' One of %s.' % ', '.join('`%s`' % c for c in f.choices)
                    if f.required:
                        extra += ' Required.'
                    elif f.default not in (None, [], {}, '', False):
                        d = f.default
                        if isinstance(d, tuple):
                            d = '%g %s' % d
                        extra += ' Default %s.' % d
                    print('| `%s` | %s | %s.%s |' % (k, _kind_name(f), f.doc, extra))
                print()
            else:
                print('(no keys of its own)\n')
        else:
            print(title + (': ' + doc if doc else ''))
            for line in schema.describe(fields):
                print('  ' + line)
    return 0


def cmd_list(args):
    files = _files(args.files or [os.path.join(HERE, 'experiments')])
    rc = 0
    for f in files:
        try:
            s = spec.load(f)
        except SpecError as e:
            print('refused: %s' % e, file=sys.stderr)
            rc = 1
            continue
        m = s.variants[0].meta
        if args.tag and args.tag not in m['tags']:
            continue
        if args.paths:
            print(f)
        else:
            print('%-22s %s\n%22s %s' % (s.name, m['title'], '', m['claim']))
    return rc


def _sweep_args(p):
    p.add_argument('--quick', action='store_true',
                   help='apply each file\'s [quick] settings (a short run)')
    p.add_argument('--only', action='append', metavar='KEY=V1,V2',
                   help='run only these values of a [matrix] key path or '
                   '[variants] name (a file without it is unaffected)')


def main(argv=None):
    if sys.version_info < (3, 11):
        print('tcplab-lab needs Python 3.11 or newer (tomllib)', file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog='tcplab-lab', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check', help='validate experiment files')
    c.add_argument('files', nargs='+')
    c.add_argument('--set', action='append', metavar='KEY=VALUE')
    c.add_argument('--live', action='store_true')
    c.add_argument('--resolve', metavar='DIR')
    c.add_argument('--names', action='store_true',
                   help='print only the experiments\' names')
    c.add_argument('--estimate', action='store_true',
                   help='print only the seconds all runs should take')
    _sweep_args(c)
    c.set_defaults(fn=cmd_check)
    r = sub.add_parser('run', help='run experiment files')
    r.add_argument('files', nargs='+')
    r.add_argument('--out', required=True)
    r.add_argument('--set', action='append', metavar='KEY=VALUE')
    r.add_argument('--page', metavar='HTML')
    r.add_argument('--title', default='tcplab lab book')
    r.add_argument('--no-raw', action='store_true',
                   help='delete raw agent output and traces after each run')
    r.add_argument('--stream', metavar='PREFIX',
                   help='print each finished experiment\'s files to stdout '
                   'as "TCPLAB-FILE PREFIX/path" blocks (the VM\'s channel)')
    _sweep_args(r)
    r.set_defaults(fn=cmd_run)
    p = sub.add_parser('page', help='render a results directory')
    p.add_argument('dir')
    p.add_argument('--out', required=True)
    p.add_argument('--title', default='tcplab lab book')
    p.add_argument('--quiet', action='store_true')
    p.add_argument('--strict', action='store_true',
                   help='exit 1 unless every experiment ended as expected')
    p.set_defaults(fn=cmd_page)
    j = sub.add_parser('rejudge', help='recompute metrics and verdicts of '
                       'a results directory from its saved data')
    j.add_argument('dir')
    j.add_argument('files', nargs='*', help='experiment files to use instead '
                   'of the ones saved with the results (matched by name)')
    j.add_argument('--set', action='append', metavar='KEY=VALUE')
    j.set_defaults(fn=cmd_rejudge)
    b = sub.add_parser('browser-check', help='check a page in headless Chromium')
    b.add_argument('page')
    b.add_argument('--screenshot', metavar='PNG')
    b.add_argument('--negative', action='store_true',
                   help='also check that a copy with one plot removed fails')
    b.add_argument('--chromium', default=None)
    b.set_defaults(fn=cmd_browser)
    bn = sub.add_parser('bench', help='benchmark CSVs, charts and checks '
                        'from results directories')
    bn.add_argument('dirs', nargs='+', help='results directories (one per '
                    'kernel: tcplab-lab run --out DIR)')
    bn.add_argument('--out', required=True, help='directory for the CSVs, '
                    'charts, summary.txt and index.html')
    bn.add_argument('--strict', action='store_true',
                    help='exit 1 when a check did not hold')
    bn.set_defaults(fn=cmd_bench)
    k = sub.add_parser('keys', help='the key reference')
    k.add_argument('--markdown', action='store_true')
    k.set_defaults(fn=cmd_keys)
    li = sub.add_parser('list', help='list experiments')
    li.add_argument('files', nargs='*')
    li.add_argument('--tag', help='only experiments with this tag')
    li.add_argument('--paths', action='store_true', help='print file paths only')
    li.set_defaults(fn=cmd_list)
    args = ap.parse_args(argv)
    return args.fn(args)
