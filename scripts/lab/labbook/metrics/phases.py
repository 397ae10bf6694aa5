# SPDX-License-Identifier: GPL-2.0
"""phases and ratio: numbers over named windows of a run, and one value
over another.

  [[metric]]
  kind = "phases"
  name = "p"
  phases = { none = ["1s", "7s"], cookies = ["9s", "15s"] }
  stats = ["flow.legit:ok:percent", "flow.legit:connect_ms:p99",
           "cpu:busy_1:mean", "counters.server:TcpOutRsts:rate"]

Each stat is TABLE:COLUMN:STAT, computed from the rows whose t lies in
the phase's window: mean, median (p50), p95, p99, min, max, sum, count (rows
with a value), percent (100 x the mean: of a 0/1 column, the share of
ones), delta (last minus first: the growth of a counter) and rate (delta
per second between those two rows). Values NAME.PHASE.COLUMN.STAT, e.g.
p.none.ok.percent; marks NAME: one span per phase.

  [[metric]]
  kind = "ratio"
  name = "cpu"
  num = "p.hook.busy_1.mean"
  den = "p.kernel.busy_1.mean"
  subtract = "p.idle.busy_1.mean"     # optional: a baseline taken off both

Value NAME.ratio = (num - subtract) / (den - subtract); left out when the
denominator is not above zero.
"""
from ..plugin import Metric, Outputs, check_column, has_value
from ..registry import register
from ..schema import Field
from .. import units

STATS = ('mean', 'median', 'p50', 'p95', 'p99', 'min', 'max', 'sum', 'count',
         'percent', 'delta', 'rate')
STYLES = ('rto', 'fr', 'ca', 'ss', 'epoch', 'css')


def nearest_rank(xs, p):
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


def stat(rows, how):
    """rows: [(t, value)] in the window, in time order (values may be
    None). -> the statistic, or None if there is nothing to compute."""
    xs = [v for _, v in rows if isinstance(v, (int, float))]
    if how == 'count':
        return len(xs)
    if not xs:
        return None
    if how in ('delta', 'rate'):
        pts = [(t, v) for t, v in rows if isinstance(v, (int, float))]
        if len(pts) < 2:
            return None
        (t0, a), (t1, b) = pts[0], pts[-1]
        if how == 'delta':
            return b - a
        return (b - a) / (t1 - t0) if t1 > t0 else None
    if how == 'mean':
        return sum(xs) / len(xs)
    if how == 'percent':
        return 100.0 * sum(xs) / len(xs)
    if how == 'sum':
        return sum(xs)
    if how == 'min':
        return min(xs)
    if how == 'max':
        return max(xs)
    if how in ('median', 'p50'):
        return nearest_rank(xs, 50)
    if how == 'p95':
        return nearest_rank(xs, 95)
    if how == 'p99':
        return nearest_rank(xs, 99)
    raise ValueError(how)


def parse_stat(ref):
    parts = ref.rsplit(':', 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError('%r: write TABLE:COLUMN:STAT' % ref)
    if parts[2] not in STATS:
        raise ValueError('%r: unknown statistic %r (%s)' % (
            ref, parts[2], ', '.join(STATS)))
    return parts


@register('metric', 'phases')
class Phases(Metric):
    DOC = 'statistics of table columns over named time windows'
    PRODUCES = 'values NAME.PHASE.COLUMN.STAT; marks NAME (a span per phase)'
    KEYS = {
        'phases': Field('table', 'phase name -> [from, to] (times after t0)',
                        required=True),
        'stats': Field('strlist', 'TABLE:COLUMN:STAT, STAT one of ' +
                       ', '.join(STATS), required=True),
    }

    def check(self):
        self.windows = {}
        for ph, w in self.item['phases'].items():
            if not isinstance(w, list) or len(w) != 2:
                self.fail('phases.' + ph, 'a list [from, to]')
            try:
                a, b = units.time(w[0]), units.time(w[1])
            except ValueError as e:
                self.fail('phases.' + ph, str(e))
            if b <= a:
                self.fail('phases.' + ph, 'the window %g..%g s is empty' % (a, b))
            self.windows[ph] = (a, b)
        if not self.windows:
            self.fail('phases', 'no phase')
        self.refs = []
        for ref in self.item['stats']:
            try:
                table, col, how = parse_stat(ref)
            except ValueError as e:
                self.fail('stats', str(e))
            check_column(self, 'stats', ref, table, col)
            self.refs.append((table, col, how))

    def outputs(self):
        return Outputs(values=['%s.%s.%s.%s' % (self.name, ph, c, h)
                               for ph in self.windows
                               for _, c, h in self.refs],
                       marks=[self.name])

    def compute(self, data):
        for i, (ph, (a, b)) in enumerate(self.windows.items()):
            data.add_mark(self.name, a, ph, t1=b, style=STYLES[i % len(STYLES)])
            for table, col, how in self.refs:
                t = data.tables.get(table)
                if t is None or not t.has(col) or not t.has('t'):
                    data.note('%s: no %s:%s in this run' % (self.name, table, col))
                    continue
                rows = [(x, y) for x, y in zip(t.col('t'), t.col(col))
                        if x is not None and a <= x <= b]
                v = stat(rows, how)
                if v is None:
                    data.note('%s: %s:%s: nothing to take the %s of in %s '
                              '(%g..%g s)' % (self.name, table, col, how, ph, a, b))
                    continue
                data.add_value('%s.%s.%s.%s' % (self.name, ph, col, how),
                               round(v, 6) if isinstance(v, float) else v)


@register('metric', 'ratio')
class Ratio(Metric):
    DOC = 'one value over another, optionally less a baseline'
    PRODUCES = 'value NAME.ratio'
    KEYS = {
        'num': Field('str', 'the numerator (a value name)', required=True),
        'den': Field('str', 'the denominator (a value name)', required=True),
        'subtract': Field('scalar', 'taken off both first: a value name or '
                          'a number'),
    }

    def check(self):
        for k in ('num', 'den'):
            if not has_value(self.exp.outputs, self.item[k]):
                self.fail(k, 'nothing produces %r' % self.item[k])
        s = self.item['subtract']
        if isinstance(s, str) and not has_value(self.exp.outputs, s):
            self.fail('subtract', 'nothing produces %r' % s)
        if s is not None and (isinstance(s, bool) or
                              not isinstance(s, (str, int, float))):
            self.fail('subtract', 'a value name or a number')

    def outputs(self):
        return Outputs(values=[self.name + '.ratio'])

    def compute(self, data):
        num = data.values.get(self.item['num'])
        den = data.values.get(self.item['den'])
        s = self.item['subtract']
        base = data.values.get(s) if isinstance(s, str) else (s or 0)
        if not all(isinstance(x, (int, float)) for x in (num, den, base)):
            data.note('%s: %s, %s or the baseline was not measured' % (
                self.name, self.item['num'], self.item['den']))
            return
        if den - base <= 0:
            data.note('%s: %s (%g) is not above the baseline (%g)' % (
                self.name, self.item['den'], den, base))
            return
        data.add_value(self.name + '.ratio', round((num - base) / (den - base), 4))
