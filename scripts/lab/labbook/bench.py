# SPDX-License-Identifier: GPL-2.0
"""Benchmarks: CSV files, charts, ratios and checks from the results of
experiment files that carry a [bench] table. `make bench` runs such
files (scripts/lab/bench/) in the VM like any experiment, then
`tcplab-lab bench DIR... --out OUTDIR` turns the results directories
(one per kernel) into:

    OUTDIR/NAME_runs.csv     one row per run (or per row of the table
                             `rows` of each run): kernel, the sweep's
                             dimensions, rep, seq (the order it ran in),
                             status, then the columns
    OUTDIR/NAME.csv          one row per cell (a variant, and with `rows`
                             each value of `key`): each column
                             aggregated over the cell's repetitions
                             (median unless the column says otherwise),
                             `runs` = how many went into it
    OUTDIR/NAME_ratios.csv   per [[bench.ratio]]: the median of the
                             per-pair ratios and its bootstrap 95 % interval
    OUTDIR/NAME_series.csv   the tables named in `series`, every run
    OUTDIR/NAME-CHART-KERNEL.svg   the charts, one per kernel
    OUTDIR/summary.txt       every cell table, ratio and check as text
    OUTDIR/index.html        the same with the charts, one page

The table, as a file writes it:

    [bench]
    csv = "syncookie"                  # default: the experiment's name
    rows = "flow.flood"                # optional: one row per table row
    key = ["step"]                     # with rows: what names a row
    params = { "path.buffer" = "buffer" }   # dimension column names
    relabel = { defence = "config" }   # a row's own name for its variant
    [bench.columns]
    asked_pps = "rate"                 # a column of `rows`, or
    fct_s = "flow.x.completion_s"      # a value of the run, or
    by_delay = "mean ssx.by_delay"     # either, aggregated otherwise
    [[bench.chart]]   [[bench.ratio]]   [[bench.check]]   (see the KEYS)

`relabel`: a run that measures two configurations (flood_steps'
`alternate`) names each row's in a column of `rows`; where that column
is set it replaces the row's value of the dimension, so the two become
cells of their own, compared like any two variants.

Column sources: a name without a dot is a column of the `rows` table;
with a dot, a value of the run (values.json) or run.wall_s, run.seq,
run.started_s. Aggregates: median (default for numbers), mean, min,
max, sum, mode (the most common: default for text), tally ("a 3, b 2"),
first.

Checks compare cells (or runs) of one kernel: `where` picks rows, the
optional `against` picks the rows they are compared with (each row's
partner agrees with it on every dimension and key `against` does not
name), `filter` drops rows either
side ("cpu_util < 0.9"), `reduce` or `at_max` collapse them to one.
With `against`, min/max bound the ratio value / its value (`same`:
equal); without, the value itself. A check with no row to judge is an
error, never held.
"""
import csv
import html
import json
import math
import os
import random
import re
import statistics

from . import svg, verdict as V
from .data import RunData, _cell
from .plugin import has_table, has_value
from .schema import Field, SpecError, validate

AGGS = ('median', 'mean', 'min', 'max', 'sum', 'mode', 'tally', 'first')
RESERVED = ('kernel', 'rep', 'seq', 'status', 'runs')
RUN_FIELDS = ('run.wall_s', 'run.seq', 'run.started_s')
RATIO_COLUMNS = ('ratio', 'column', 'n', 'median', 'ci_lo', 'ci_hi', 'pairs')
OPS = {'<': lambda a, b: a < b, '<=': lambda a, b: a <= b,
       '>': lambda a, b: a > b, '>=': lambda a, b: a >= b,
       '==': lambda a, b: a == b, '!=': lambda a, b: a != b}
FILTER = re.compile(r'^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$')
BOOTSTRAP = 10000

BENCH_KEYS = {
    'csv': Field('str', 'base name of the CSV files (default: the '
                 'experiment\'s name)'),
    'title': Field('str', 'heading in the summary (default: the '
                   'experiment\'s title)'),
    'rows': Field('str', 'a table of the run: one CSV row per row of it '
                  '(default: one row per run)'),
    'key': Field('strlist', 'with rows: the table\'s columns that name a '
                 'row within a run (a cell is a variant and these)',
                 default=[]),
    'params': Field('table', 'column names of the sweep\'s dimensions, '
                    '{"path.rate" = "rate"} (default: a key path\'s last '
                    'part, a [variants] name as it is)', default={}),
    'columns': Field('table', 'NAME = "SOURCE" or "AGGREGATE SOURCE", in '
                     'order (see above)', required=True),
    'relabel': Field('table', 'with rows: {DIMENSION = "COLUMN"}, a row '
                     'whose COLUMN is set takes it as its value of that '
                     'dimension (two configurations in one run, as '
                     'flood_steps\' alternate makes)', default={}),
    'series': Field('strlist', 'tables exported whole, every run, into '
                    'NAME_series.csv', default=[]),
    'chart': Field('any', 'charts: [[bench.chart]]', default=[]),
    'ratio': Field('any', 'ratios of paired runs: [[bench.ratio]]',
                   default=[]),
    'check': Field('any', 'checks on the cells: [[bench.check]]', default=[]),
}

CHART_KEYS = {
    'name': Field('str', 'file name part (default chartN)'),
    'title': Field('str', 'chart title', required=True),
    'kind': Field('str', 'line: y against a numeric x; points: one marker '
                  'per category of x, with lo/hi as an interval',
                  default='line', choices=('line', 'points')),
    'source': Field('str', 'the rows drawn: the cells, every run, the '
                    'ratios, or the rows of the `series` tables (pick one '
                    'with where = {table = "NAME"})', default='cells',
                    choices=('cells', 'runs', 'ratios', 'series')),
    'x': Field('str', 'column on the x axis', required=True),
    'y': Field('strlist', 'columns on the y axis', required=True),
    'by': Field('str', 'one line (or marker colour) per value of this '
                'column'),
    'lo': Field('str', 'points: column of the interval\'s lower end'),
    'hi': Field('str', 'points: column of the interval\'s upper end'),
    'where': Field('table', 'only rows with these column values', default={}),
    'ref': Field('number', 'a dashed horizontal line at this y'),
    'x_label': Field('str', 'x axis label (default: x)'),
    'y_label': Field('str', 'y axis label', default=''),
    'caption': Field('str', 'how to read it', default=''),
}

RATIO_KEYS = {
    'name': Field('str', 'what the ratio is called', required=True),
    'column': Field('str', 'the column compared', required=True),
    'num': Field('table', 'the numerator runs: {dimension = value}',
                 required=True),
    'den': Field('table', 'the denominator runs', required=True),
}

CHECK_KEYS = {
    'claim': Field('str', 'what it checks, in words', required=True),
    'column': Field('str', 'the column judged'),
    'ratio': Field('str', 'or: the median of this [[bench.ratio]]'),
    'on': Field('str', 'judge the cells (medians) or every run', default='cells',
                choices=('cells', 'runs')),
    'where': Field('table', 'the rows judged: {column = value or [values]}',
                   default={}),
    'against': Field('table', 'compared with these rows, matched on every '
                     'other dimension and key', default={}),
    'filter': Field('strlist', 'drop rows (either side) unless "COLUMN OP '
                    'NUMBER" holds, OP one of < <= > >= == !=', default=[]),
    'reduce': Field('str', 'collapse each side to one value',
                    choices=('max', 'min', 'median')),
    'at_max': Field('str', 'keep only the row (each side) with the largest '
                    'value of this column'),
    'min': Field('number', 'held if value (or ratio to `against`) >= min'),
    'max': Field('number', 'held if value (or ratio to `against`) <= max'),
    'same': Field('bool', 'held if value equals against\'s', default=False),
}


# ------------------------------------------------------------ the schema

def _columns(raw, where):
    out = []
    for name, src in raw.items():
        if not isinstance(src, str) or not src.strip():
            raise SpecError('%s.%s' % (where, name), 'a source: "NAME" or '
                            '"AGGREGATE NAME"')
        parts = src.split()
        if len(parts) == 2 and parts[0] in AGGS:
            agg, s = parts
        elif len(parts) == 1:
            agg, s = None, parts[0]
        else:
            raise SpecError('%s.%s' % (where, name), '%r: "NAME" or "AGGREGATE '
                            'NAME", AGGREGATE one of %s' % (src, ', '.join(AGGS)))
        out.append((name, agg, s))
    return out


def param_name(key, names):
    return names.get(key) or key.split('.')[-1]


def parse_filter(text, where):
    m = FILTER.match(text)
    if not m:
        raise SpecError(where, '%r: "COLUMN OP VALUE", OP one of %s' %
                        (text, ' '.join(OPS)))
    col, op, v = m.groups()
    try:
        v = float(v)
    except ValueError:
        pass
    return col, op, v


def validate_bench(raw, exp, dims):
    """The [bench] table of an experiment, parsed and cross-checked
    against what its plug-ins produce. -> dict, or None without one."""
    if raw is None:
        return None
    b = validate(raw, BENCH_KEYS, 'bench')
    out = dict(b)
    out['csv'] = b['csv'] or exp.name
    if not re.match(r'^[\w.-]+$', out['csv']):
        raise SpecError('bench.csv', 'a plain file name part')
    names = {}
    for k, v in b['params'].items():
        if k not in dims:
            raise SpecError('bench.params.' + k, 'not a dimension of the sweep '
                            '(%s)' % (', '.join(dims) or 'none'))
        if not isinstance(v, str):
            raise SpecError('bench.params.' + k, 'a column name')
        names[k] = v
    out['param_cols'] = [(d, param_name(d, names)) for d in dims]
    cols = _columns(b['columns'], 'bench.columns')
    out['cols'] = cols
    if b['rows'] is not None:
        if not has_table(exp.outputs, b['rows']):
            raise SpecError('bench.rows', 'nothing produces a table %r' % b['rows'])
    elif b['key']:
        raise SpecError('bench.key', 'only with rows')
    tcols = exp.outputs.tables.get(b['rows']) if b['rows'] else None
    for k in b['key']:
        if tcols is not None and k not in tcols:
            raise SpecError('bench.key', '%r is not a column of %s' % (k, b['rows']))
    pcols = [c for _, c in out['param_cols']]
    for k, v in b['relabel'].items():
        w = 'bench.relabel.' + k
        if k not in pcols:
            raise SpecError(w, 'not a dimension column (%s)' %
                            (', '.join(pcols) or 'none'))
        if b['rows'] is None:
            raise SpecError(w, 'only with rows')
        if not isinstance(v, str) or (tcols is not None and v not in tcols):
            raise SpecError(w, 'a column of %s' % b['rows'])
    for name, agg, src in cols:
        where = 'bench.columns.' + name
        if '.' in src:
            if src not in RUN_FIELDS and not has_value(exp.outputs, src):
                raise SpecError(where, 'nothing produces a value %r' % src)
        else:
            if b['rows'] is None:
                raise SpecError(where, '%r: a column of `rows` (no rows '
                                'table given) or a value name' % src)
            if tcols is not None and src not in tcols:
                raise SpecError(where, '%r is not a column of %s (%s)' %
                                (src, b['rows'], ', '.join(tcols)))
    allc = [c for _, c in out['param_cols']] + list(b['key']) + \
        [c[0] for c in cols]
    for c in allc:
        if c in RESERVED:
            raise SpecError('bench', 'column %r is reserved (%s): rename it' %
                            (c, ', '.join(RESERVED)))
    dup = {c for c in allc if allc.count(c) > 1}
    if dup:
        raise SpecError('bench', 'two columns named %s: name the dimensions '
                        'with [bench.params]' % ', '.join(sorted(dup)))
    known = set(allc) | set(RESERVED)
    for t in b['series']:
        if not has_table(exp.outputs, t):
            raise SpecError('bench.series', 'nothing produces a table %r' % t)

    def entries(key, fields):
        v = b[key]
        if isinstance(v, dict):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
            raise SpecError('bench.' + key, 'must be an array of tables '
                            '[[bench.%s]]' % key)
        return [validate(e, fields, 'bench.%s.%d' % (key, i))
                for i, e in enumerate(v)]

    def known_cols(cols_, where, extra=()):
        for c in cols_:
            if c is not None and c not in known and c not in extra:
                raise SpecError(where, 'no column %r (columns: %s)' %
                                (c, ', '.join(allc)))

    out['ratios'] = entries('ratio', RATIO_KEYS)
    rnames = set()
    for i, r in enumerate(out['ratios']):
        w = 'bench.ratio.%d' % i
        known_cols([r['column']], w + '.column')
        known_cols(list(r['num']) + list(r['den']), w)
        if r['name'] in rnames:
            raise SpecError(w + '.name', 'two ratios named %r' % r['name'])
        rnames.add(r['name'])
    out['charts'] = entries('chart', CHART_KEYS)
    for i, c in enumerate(out['charts']):
        w = 'bench.chart.%d' % i
        c['name'] = c['name'] or 'chart%d' % (i + 1)
        if not re.match(r'^[\w.-]+$', c['name']):
            raise SpecError(w + '.name', 'a plain file name part')
        extra = RATIO_COLUMNS if c['source'] == 'ratios' else ()
        if c['source'] == 'ratios' and not out['ratios']:
            raise SpecError(w + '.source', 'no [[bench.ratio]] to draw')
        if c['source'] == 'series':
            # Columns of tables are known only when they are measured.
            if not out['series']:
                raise SpecError(w + '.source', 'no `series` tables to draw')
        else:
            known_cols([c['x'], c['by'], c['lo'], c['hi']] + c['y'] +
                       list(c['where']), w, extra)
        if c['kind'] == 'line' and (c['lo'] or c['hi']):
            raise SpecError(w + '.lo', 'intervals are drawn by kind = "points"')
    out['checks'] = entries('check', CHECK_KEYS)
    for i, c in enumerate(out['checks']):
        w = 'bench.check.%d' % i
        if (c['column'] is None) == (c['ratio'] is None):
            raise SpecError(w, 'give column or ratio')
        if c['ratio'] is not None:
            if c['ratio'] not in rnames:
                raise SpecError(w + '.ratio', 'no ratio named %r' % c['ratio'])
            if c['min'] is None and c['max'] is None:
                raise SpecError(w, 'judges nothing: give min or max')
            continue
        known_cols([c['column'], c['at_max']] + list(c['where']) +
                   list(c['against']), w)
        c['filters'] = [parse_filter(f, w + '.filter') for f in c['filter']]
        known_cols([f[0] for f in c['filters']], w + '.filter')
        if c['min'] is None and c['max'] is None and not c['same']:
            raise SpecError(w, 'judges nothing: give min, max or same')
        if c['same'] and not c['against']:
            raise SpecError(w + '.same', 'needs against')
        if c['reduce'] and c['at_max']:
            raise SpecError(w + '.at_max', 'give reduce or at_max, not both')
    return out


# ------------------------------------------------------- the numbers

def _isnum(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and \
        not (isinstance(x, float) and math.isnan(x))


def aggregate(xs, agg):
    xs = [x for x in xs if x is not None and x != '']
    if not xs:
        return None
    nums = [x for x in xs if _isnum(x)]
    if agg is None:
        agg = 'median' if len(nums) == len(xs) else 'mode'
    if agg == 'first':
        return xs[0]
    if agg in ('mode', 'tally'):
        counts = {}
        for x in xs:
            counts[str(x)] = counts.get(str(x), 0) + 1
        order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if agg == 'mode':
            return order[0][0]
        return ' '.join('%s:%d' % kv for kv in order)
    if not nums:
        return None
    if agg == 'median':
        return statistics.median(nums)
    if agg == 'mean':
        return statistics.fmean(nums)
    if agg == 'min':
        return min(nums)
    if agg == 'max':
        return max(nums)
    return sum(nums)


def bootstrap_median(xs, n=BOOTSTRAP, seed=1, level=0.95):
    """The median of xs and a percentile bootstrap interval of it."""
    if not xs:
        return None, None, None
    m = statistics.median(xs)
    if len(xs) < 2:
        return m, None, None
    rnd = random.Random(seed)
    k = len(xs)
    meds = sorted(statistics.median(rnd.choices(xs, k=k)) for _ in range(n))
    lo = meds[int((1 - level) / 2 * n)]
    hi = meds[min(n - 1, int((1 + level) / 2 * n))]
    return m, lo, hi


def _fmt_param(v):
    if isinstance(v, float) and v.is_integer():
        return '%d' % v
    return str(v)


def _matches(row, want):
    for k, v in want.items():
        x = row.get(k)
        opts = v if isinstance(v, list) else [v]
        if not any(_same(x, o) for o in opts):
            return False
    return True


def _same(a, b):
    if _isnum(a) and _isnum(b):
        return float(a) == float(b)
    return str(a) == str(b)


def _passes(row, filters):
    for col, op, v in filters:
        x = row.get(col)
        if _isnum(v):
            if not _isnum(x) or not OPS[op](float(x), v):
                return False
        elif not OPS[op](str(x), str(v)):
            return False
    return True


class Result:
    """One experiment's bench output for one kernel."""

    def __init__(self, kernel, name, title, claim, b):
        self.kernel = kernel
        self.name = name
        self.title = title
        self.claim = claim
        self.b = b
        self.runs = []      # dicts
        self.cells = []
        self.ratios = []
        self.series = []
        self.checks = []
        self.notes = []

    @property
    def dims(self):
        return [c for _, c in self.b['param_cols']]

    def columns(self, what):
        b = self.b
        key = list(b['key'])
        vals = [c[0] for c in b['cols']]
        if what == 'runs':
            return ['kernel'] + self.dims + ['rep', 'seq', 'status'] + key + vals
        if what == 'cells':
            return ['kernel'] + self.dims + key + vals + ['runs']
        return ['kernel'] + ['ratio'] + self._ratio_groups() + \
            ['column', 'n', 'median', 'ci_lo', 'ci_hi', 'pairs']

    def _ratio_groups(self):
        return [c for c in self.dims + list(self.b['key'])
                if all(c not in r['num'] and c not in r['den']
                       for r in self.b['ratios'])]


def collect(d, kernel, s, res):
    """Runs of one experiment's results directory d -> Result."""
    e0 = s.variants[0]
    b = e0.bench
    r = Result(kernel, s.name, b['title'] or e0.meta['title'],
               e0.meta['claim'], b)
    key = list(b['key'])
    for vi, (e, v) in enumerate(zip(s.variants, res['variants'])):
        params = {col: _fmt_param(v['params'].get(dim))
                  for dim, col in b['param_cols']}
        for rj in v['runs']:
            if rj is None:
                continue
            rep = int(rj['dir'].rsplit('.r', 1)[1])
            base = {'kernel': kernel, **params, 'rep': rep,
                    'seq': rj.get('seq'), 'status': rj['status'],
                    '_variant': vi}
            rd = os.path.join(d, rj['dir'])
            data = RunData.load(rd) if os.path.isdir(rd) else RunData()
            runv = {'run.wall_s': rj.get('wall_s'), 'run.seq': rj.get('seq'),
                    'run.started_s': rj.get('started_s')}

            def value(src, trow=None):
                if '.' not in src:
                    return trow.get(src) if trow is not None else None
                if src in runv:
                    return runv[src]
                return data.values.get(src)
            if rj['status'] != 'ok':
                r.runs.append(dict(base))
                continue
            for t in b['series']:
                tab = data.tables.get(t)
                if tab is None:
                    continue
                for tr in tab.dicts():
                    r.series.append({'kernel': kernel, **params, 'rep': rep,
                                     'table': t, **tr})
            if b['rows'] is None:
                row = dict(base)
                for name, agg, src in b['cols']:
                    row[name] = value(src)
                r.runs.append(row)
                continue
            tab = data.tables.get(b['rows'])
            if tab is None or not len(tab):
                r.notes.append('%s rep %d: no rows in %s' % (
                    ', '.join('%s=%s' % kv for kv in params.items()), rep,
                    b['rows']))
                continue
            for tr in tab.dicts():
                row = dict(base)
                for dim, col in b['relabel'].items():
                    if tr.get(col) not in (None, ''):
                        row[dim] = tr[col]
                for k in key:
                    row[k] = tr.get(k)
                for name, agg, src in b['cols']:
                    row[name] = value(src, tr)
                r.runs.append(row)
    # Cells: in the order of the variants, then of the key's values.
    groups = {}
    for row in r.runs:
        if row['status'] != 'ok':
            continue
        g = (row['_variant'],) + tuple(str(row.get(c)) for c in b['relabel']) \
            + tuple(str(row.get(k)) for k in key)
        groups.setdefault(g, []).append(row)
    for g in sorted(groups, key=lambda g: (g[0],) + tuple(
            _sortkey(x) for x in g[1:])):
        rows = groups[g]
        cell = {'kernel': kernel}
        for c in r.dims:
            cell[c] = rows[0][c]
        for k in key:
            cell[k] = rows[0][k]
        for name, agg, src in b['cols']:
            cell[name] = aggregate([x.get(name) for x in rows], agg)
        cell['runs'] = len(rows)
        r.cells.append(cell)
    for rs in b['ratios']:
        r.ratios += _ratio(r, rs)
    for c in b['checks']:
        r.checks.append(judge_check(r, c))
    return r


def _sortkey(x):
    try:
        return (0, float(x), '')
    except (TypeError, ValueError):
        return (1, 0.0, str(x))


def _ratio(r, rs):
    """Pairs of runs (same rep, same everything else) -> ratio rows."""
    col = rs['column']
    groups = r._ratio_groups()
    ident = [c for c in r.dims + list(r.b['key']) + ['rep']
             if c not in rs['num'] and c not in rs['den']]
    ok = [x for x in r.runs if x['status'] == 'ok']
    dens = {}
    for x in ok:
        if _matches(x, rs['den']):
            dens[tuple(str(x.get(c)) for c in ident)] = x
    per = {}
    for x in ok:
        if not _matches(x, rs['num']):
            continue
        y = dens.get(tuple(str(x.get(c)) for c in ident))
        if y is None or not _isnum(x.get(col)) or not _isnum(y.get(col)) \
           or not y[col]:
            continue
        g = tuple(str(x.get(c)) for c in groups)
        per.setdefault(g, []).append(x[col] / y[col])
    out = []
    for g, xs in per.items():
        m, lo, hi = bootstrap_median(xs)
        row = {'kernel': r.kernel, 'ratio': rs['name'], 'column': col,
               'n': len(xs), 'median': m, 'ci_lo': lo, 'ci_hi': hi,
               'pairs': ' '.join('%.4f' % x for x in xs)}
        row.update(dict(zip(groups, g)))
        out.append(row)
    if not out:
        r.notes.append('ratio %s: no pairs of runs' % rs['name'])
    return out


def _fmt(x):
    return V.fmt(x) if _isnum(x) else str(x)


def judge_check(r, c):
    out = {'claim': c['claim'], 'kernel': r.kernel}
    if c['ratio'] is not None:
        rows = [x for x in r.ratios if x['ratio'] == c['ratio']]
        if not rows:
            out.update(status=V.ERROR, text='ratio %s: no pairs' % c['ratio'])
            return out
        ok = True
        bits = []
        for x in rows:
            m = x['median']
            good = (c['min'] is None or m >= c['min']) and \
                (c['max'] is None or m <= c['max'])
            ok &= good
            bits.append('%s = %s (95%% interval %s..%s, %d pairs)%s' % (
                c['ratio'], _fmt(m), _fmt(x['ci_lo']), _fmt(x['ci_hi']),
                x['n'], '' if good else ' <- outside'))
        out.update(status=V.HELD if ok else V.NOT_HELD,
                   text='; '.join(bits) + ', wanted ' + _bounds(c))
        return out
    col = c['column']
    rows = r.cells if c['on'] == 'cells' else \
        [x for x in r.runs if x['status'] == 'ok']
    filt = c['filters']
    A = [x for x in rows if _matches(x, c['where']) and _passes(x, filt)]
    B = [x for x in rows if _matches(x, c['against']) and _passes(x, filt)] \
        if c['against'] else None
    pairs = []      # (label, value, reference or None)

    def label(x):
        keys = [k for k in r.dims + list(r.b['key']) +
                (['rep'] if c['on'] == 'runs' else [])
                if k not in c['against'] and not (
                    k in c['where'] and not isinstance(c['where'][k], list))]
        return ', '.join('%s=%s' % (k, x.get(k)) for k in keys) or 'all'

    def pick(xs):
        if c['at_max']:
            xs = [x for x in xs if _isnum(x.get(c['at_max']))]
            return [max(xs, key=lambda x: x[c['at_max']])] if xs else []
        return xs
    A = pick(A)
    if B is not None:
        B = pick(B)
    if c['reduce']:
        fn = {'max': max, 'min': min, 'median': statistics.median}[c['reduce']]
        va = [x[col] for x in A if _isnum(x.get(col))]
        a = fn(va) if va else None
        if B is None:
            pairs.append(('%s of %d' % (c['reduce'], len(va)), a, None))
        else:
            vb = [x[col] for x in B if _isnum(x.get(col))]
            pairs.append(('%s of %d against %s of %d' % (
                c['reduce'], len(va), c['reduce'], len(vb)), a,
                fn(vb) if vb else None))
    elif B is None:
        pairs = [(label(x), x.get(col), None) for x in A]
    elif c['at_max']:
        if A and B:
            pairs.append(('at the largest %s: %s against %s' % (
                c['at_max'], _fmt(A[0][c['at_max']]), _fmt(B[0][c['at_max']])),
                A[0].get(col), B[0].get(col)))
    else:
        # A row's partner agrees on everything but what `against` names
        # (a dimension `where` fixes and `against` leaves free must match).
        ident = [k for k in r.dims + list(r.b['key']) +
                 (['rep'] if c['on'] == 'runs' else [])
                 if k not in c['against']]
        bi = {tuple(str(x.get(k)) for k in ident): x for x in B}
        for x in A:
            y = bi.get(tuple(str(x.get(k)) for k in ident))
            if y is not None:
                pairs.append((label(x), x.get(col), y.get(col)))
    judged = []
    for lab, a, ref in pairs:
        if c['against']:
            if c['same']:
                good = a is not None and ref is not None and _same(a, ref)
                judged.append((lab, good, '%s against %s' % (_fmt(a), _fmt(ref))))
                continue
            if not _isnum(a) or not _isnum(ref):
                judged.append((lab, None, '%s against %s' % (_fmt(a), _fmt(ref))))
                continue
            if ref == 0:
                # No ratio, but a <= max x 0 and a >= min x 0 still say
                # something: 0 retransmissions against 0 is within 1 %.
                good = (c['min'] is None or a >= 0) and \
                    (c['max'] is None or a <= 0)
                judged.append((lab, good, '%s against %s' % (_fmt(a), _fmt(ref))))
                continue
            q = a / ref
            good = (c['min'] is None or q >= c['min']) and \
                (c['max'] is None or q <= c['max'])
            judged.append((lab, good, '%s / %s = %s' % (_fmt(a), _fmt(ref),
                                                         _fmt(q))))
        else:
            if not _isnum(a):
                judged.append((lab, None, _fmt(a)))
                continue
            good = (c['min'] is None or a >= c['min']) and \
                (c['max'] is None or a <= c['max'])
            judged.append((lab, good, _fmt(a)))
    measured = [j for j in judged if j[1] is not None]
    if not measured:
        out.update(status=V.ERROR, text='%s: nothing to judge (%d row(s) '
                   'selected, no value)' % (col, len(A)))
        out['rows'] = judged
        return out
    bad = [j for j in measured if not j[1]]
    status = V.HELD if not bad else V.NOT_HELD
    show = bad or measured
    text = '%s%s: %d of %d held; %s%s' % (
        col, ' / against' if c['against'] and not c['same'] else '',
        len(measured) - len(bad), len(measured),
        '; '.join('%s: %s' % (lab, t) for lab, _, t in show[:8]),
        ' ...' if len(show) > 8 else '')
    out.update(status=status, text=text + ', wanted ' + _bounds(c))
    out['rows'] = judged
    return out


def _bounds(c):
    parts = []
    if c.get('same'):
        parts.append('the same')
    if c.get('min') is not None:
        parts.append('>= %s' % V.fmt(c['min']))
    if c.get('max') is not None:
        parts.append('<= %s' % V.fmt(c['max']))
    return ' and '.join(parts)


# ------------------------------------------------------------- output

def write_csv(path, columns, rows):
    with open(path, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])


def text_table(columns, rows):
    def show(v):
        if v is None:
            return '-'
        if _isnum(v):
            return V.fmt(v)
        return str(v)
    cells = [[show(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(x[i]) for x in cells])
              for i, c in enumerate(columns)]
    lines = ['  '.join(c.rjust(w) for c, w in zip(columns, widths))]
    for x in cells:
        lines.append('  '.join(v.rjust(w) for v, w in zip(x, widths)))
    return lines


def _chart_rows(r, ch):
    rows = {'cells': r.cells, 'runs': [x for x in r.runs if x['status'] == 'ok'],
            'ratios': r.ratios, 'series': r.series}[ch['source']]
    if ch['source'] == 'series':
        # A series is drawn from one repetition, the first: several would
        # be one zigzag line.
        first = min((x['rep'] for x in rows), default=1)
        rows = [x for x in rows if x['rep'] == first]
    return [x for x in rows if _matches(x, ch['where'])]


def render_chart(r, ch):
    """SVG text of one chart for one kernel, or None with nothing to draw."""
    rows = _chart_rows(r, ch)
    groups = {}
    for x in rows:
        groups.setdefault(str(x.get(ch['by'])) if ch['by'] else '', []).append(x)
    title = '%s (%s)' % (ch['title'], r.kernel)
    if ch['kind'] == 'line':
        series = []
        for g, xs in groups.items():
            for y in ch['y']:
                pts = sorted((float(x[ch['x']]), float(x[y])) for x in xs
                             if _isnum(x.get(ch['x'])) and _isnum(x.get(y)))
                if not pts:
                    continue
                lab = ' '.join(p for p in (g, y if len(ch['y']) > 1 else '') if p)
                series.append({'label': lab or y, 'points': pts})
        if not series:
            return None
        if ch['ref'] is not None:
            xs = [p[0] for s in series for p in s['points']]
            series.append({'label': 'y = %s' % V.fmt(ch['ref']), 'dash': 'dash',
                           'color': '#777', 'width': 1,
                           'points': [(min(xs), ch['ref']), (max(xs), ch['ref'])]})
        return svg.line_plot(series, title, ch['x_label'] or ch['x'],
                             ch['y_label'])
    return points_plot(groups, ch, title)


def points_plot(groups, ch, title, width=880, height=330):
    """One marker per category of x and group, with an interval."""
    cats = []
    for xs in groups.values():
        for x in xs:
            c = str(x.get(ch['x']))
            if c not in cats:
                cats.append(c)
    marks = []
    for gi, (g, xs) in enumerate(groups.items()):
        for yi, y in enumerate(ch['y']):
            for x in xs:
                if not _isnum(x.get(y)):
                    continue
                lo = x.get(ch['lo']) if ch['lo'] else None
                hi = x.get(ch['hi']) if ch['hi'] else None
                marks.append((cats.index(str(x.get(ch['x']))), gi * len(ch['y']) + yi,
                              float(x[y]), lo if _isnum(lo) else None,
                              hi if _isnum(hi) else None))
    if not marks:
        return None
    nser = len(groups) * len(ch['y'])
    labels = []
    for g in groups:
        for y in ch['y']:
            labels.append(' '.join(p for p in (g, y if len(ch['y']) > 1 else '')
                                   if p) or y)
    ys = [m[2] for m in marks] + [m[3] for m in marks if m[3] is not None] + \
        [m[4] for m in marks if m[4] is not None]
    if ch['ref'] is not None:
        ys.append(ch['ref'])
    ylo, yhi = min(ys), max(ys)
    pad = (yhi - ylo) * 0.08 or abs(yhi) * 0.05 or 1
    ylo, yhi = ylo - pad, yhi + pad
    ml, mr, mt, mb = 64, 16, 30, 64
    pw, ph = width - ml - mr, height - mt - mb
    yt, ystep = svg.nice_ticks(ylo, yhi, 6)
    slot = pw / max(1, len(cats))

    def X(ci, si):
        return ml + slot * (ci + (si + 1) / (nser + 1))

    def Y(v):
        return mt + ph - (v - ylo) / (yhi - ylo) * ph
    e = svg._esc
    o = ['<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 %d %d" '
         'width="%d" height="%d" data-series="%d" role="img" aria-label="%s">' %
         (width, height, width, height, nser, e(title)),
         '<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>' % (width, height),
         '<text x="%d" y="18" class="ptitle">%s</text>' % (ml, e(title))]
    for v in yt:
        if ylo <= v <= yhi:
            o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>' %
                     (ml, ml + pw, Y(v), Y(v)))
            o.append('<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>'
                     % (ml - 5, Y(v) + 4, svg._fmt(v, ystep)))
    for ci, c in enumerate(cats):
        o.append('<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>'
                 % (ml + slot * (ci + 0.5), mt + ph + 15, e(c[:int(slot / 6.5) or 1])))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>' %
             (ml, mt, pw, ph))
    if ch['ref'] is not None:
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#777" '
                 'stroke-dasharray="6,4"/>' % (ml, ml + pw, Y(ch['ref']),
                                               Y(ch['ref'])))
    o.append('<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>'
             % (ml + pw / 2, mt + ph + 32, e(ch['x_label'] or ch['x'])))
    o.append('<text transform="translate(14,%.1f) rotate(-90)" class="axis" '
             'text-anchor="middle">%s</text>' % (mt + ph / 2, e(ch['y_label'])))
    for si in range(nser):
        color = svg.PALETTE[si % len(svg.PALETTE)]
        mine = [m for m in marks if m[1] == si]
        d = []
        for ci, _, y, lo, hi in mine:
            x = X(ci, si)
            if lo is not None and hi is not None:
                d.append('M%.1f %.1f L%.1f %.1f M%.1f %.1f L%.1f %.1f M%.1f %.1f '
                         'L%.1f %.1f' % (x, Y(lo), x, Y(hi), x - 5, Y(lo), x + 5,
                                         Y(lo), x - 5, Y(hi), x + 5, Y(hi)))
            d.append('M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z' % (
                x - 5, Y(y), x, Y(y) - 5, x + 5, Y(y), x, Y(y) + 5))
        o.append('<path class="series" data-n="%d" d="%s" fill="%s" stroke="%s" '
                 'stroke-width="1.6"><title>%s</title></path>' % (
                     max(2, len(mine)) if mine else 0, ' '.join(d), color, color,
                     e(labels[si])))
    lx, ly = ml, height - 6
    for si in range(nser):
        color = svg.PALETTE[si % len(svg.PALETTE)]
        o.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' %
                 (lx, ly - 9, color))
        o.append('<text x="%d" y="%d" class="legend">%s</text>' %
                 (lx + 14, ly, e(labels[si])))
        lx += 30 + 7 * len(labels[si])
    o.append('</svg>')
    return '\n'.join(o)


def _kshort(k):
    return re.sub(r'[^\w.+-]', '_', k)


def main(args):
    from . import page, spec
    results = []
    for d in args.dirs:
        with open(os.path.join(d, 'book.json')) as f:
            book = json.load(f)
        for name in book['experiments']:
            ed = os.path.join(d, name)
            ej = os.path.join(ed, 'experiment.json')
            rj = os.path.join(ed, 'result.json')
            if not (os.path.exists(ej) and os.path.exists(rj)):
                continue
            s = spec.load(ej)
            if s.variants[0].bench is None:
                continue
            with open(rj) as f:
                res = json.load(f)
            results.append(collect(ed, book['kernel'], s, res))
    if not results:
        print('tcplab-lab bench: no experiment with a [bench] table in %s' %
              ' '.join(args.dirs))
        return 1
    os.makedirs(args.out, exist_ok=True)
    by_csv = {}
    for r in results:
        by_csv.setdefault(r.b['csv'], []).append(r)
    summary = []
    ok = True
    files = []
    for csvname, rs in by_csv.items():
        r0 = rs[0]
        for what, suffix in (('runs', '_runs'), ('cells', '')):
            p = os.path.join(args.out, csvname + suffix + '.csv')
            write_csv(p, r0.columns(what), [x for r in rs for x in
                                            (r.runs if what == 'runs' else r.cells)])
            files.append(p)
        if r0.b['ratios']:
            p = os.path.join(args.out, csvname + '_ratios.csv')
            write_csv(p, r0.columns('ratios'), [x for r in rs for x in r.ratios])
            files.append(p)
        if r0.b['series']:
            cols = ['kernel'] + r0.dims + ['rep', 'table']
            for r in rs:
                for x in r.series:
                    for k in x:
                        if k not in cols:
                            cols.append(k)
            p = os.path.join(args.out, csvname + '_series.csv')
            write_csv(p, cols, [x for r in rs for x in r.series])
            files.append(p)
        for r in rs:
            r.svgs = []
            for ch in r.b['charts']:
                text = render_chart(r, ch)
                if text is None:
                    r.notes.append('chart %s: nothing to draw' % ch['name'])
                    continue
                p = os.path.join(args.out, '%s-%s-%s.svg' % (
                    csvname, ch['name'], _kshort(r.kernel)))
                with open(p, 'w') as f:
                    f.write(text + '\n')
                files.append(p)
                r.svgs.append((ch, text))
            summary += _summary_lines(r)
            ok &= all(c['status'] == V.HELD for c in r.checks)
    with open(os.path.join(args.out, 'summary.txt'), 'w') as f:
        f.write('\n'.join(summary) + '\n')
    html_path = os.path.join(args.out, 'index.html')
    with open(html_path, 'w') as f:
        f.write(render_page(results, page.CSS))
    for line in summary:
        if line.startswith(('==', '  check', '  HELD', '  NOT', '  ERROR')):
            print(line)
    print('bench: %d file(s) in %s; summary.txt, index.html' %
          (len(files) + 2, args.out))
    return 0 if ok or not args.strict else 1


def _summary_lines(r):
    cols = r.columns('cells')[1:]
    out = ['', '== %s: %s (%s)' % (r.name, r.title, r.kernel)]
    out += ['  ' + x for x in text_table(cols, r.cells)]
    if r.ratios:
        out.append('')
        rc = r.columns('ratios')[1:-1]
        out += ['  ' + x for x in text_table(rc, r.ratios)]
    for c in r.checks:
        out.append('  %-9s %s: %s' % (c['status'].upper().replace(' ', '-'),
                                      c['claim'], c['text']))
    for n in r.notes:
        out.append('  note: %s' % n)
    return out


def render_page(results, css):
    e = html.escape
    h = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
         '<title>tcplab benchmarks</title>', '<style>%s\n'
         'body { max-width: 1200px; } td, th { font-size: 12.5px; }</style>'
         '</head><body>' % css, '<h1>tcplab benchmarks</h1>',
         '<p class="meta">%s</p>' % e(', '.join(sorted({r.kernel for r in results})))]
    h.append('<table class="summary"><tr><th>benchmark</th><th>kernel</th>'
             '<th>checks</th></tr>')
    for i, r in enumerate(results):
        st = [c['status'] for c in r.checks]
        h.append('<tr><td><a href="#b%d">%s</a></td><td>%s</td><td>%s</td></tr>'
                 % (i, e(r.name), e(r.kernel), ' '.join(
                     '<span class="status s-%s">%s</span>' % (
                         s.replace(' ', '-'), e(s)) for s in st) or '-'))
    h.append('</table>')
    for i, r in enumerate(results):
        h.append('<section class="experiment" id="b%d"><h2>%s</h2>' % (i, e(r.title)))
        h.append('<p class="meta">%s &middot; Linux %s</p>' % (e(r.name), e(r.kernel)))
        h.append('<div class="claim">%s</div>' % e(r.claim))
        if r.checks:
            h.append('<h3>Checks</h3><table><tr><th>claim</th><th>measured</th>'
                     '<th></th></tr>')
            for c in r.checks:
                h.append('<tr><td>%s</td><td>%s</td><td><span class="status s-%s">'
                         '%s</span></td></tr>' % (e(c['claim']), e(c['text']),
                                                  c['status'].replace(' ', '-'),
                                                  e(c['status'])))
            h.append('</table>')
        for ch, text in getattr(r, 'svgs', []):
            h.append('<figure class="plot">%s<figcaption>%s</figcaption></figure>'
                     % (text, e(ch['caption'])))
        for what, rows in (('cells', r.cells), ('ratios', r.ratios)):
            if not rows:
                continue
            cols = r.columns(what)[1:]
            if what == 'ratios':
                cols = cols[:-1]
            h.append('<h3>%s</h3><table><tr>%s</tr>' % (
                'Cells (medians over the repetitions unless the column says '
                'otherwise)' if what == 'cells' else 'Ratios of paired runs',
                ''.join('<th>%s</th>' % e(c) for c in cols)))
            for x in rows:
                h.append('<tr>%s</tr>' % ''.join(
                    '<td class="num">%s</td>' % e(V.fmt(x.get(c)) if _isnum(x.get(c))
                                                  else str(x.get(c, '')))
                    for c in cols))
            h.append('</table>')
        for n in r.notes:
            h.append('<p class="note">%s</p>' % e(n))
        h.append('</section>')
    h.append('</body></html>')
    return '\n'.join(h)
