# SPDX-License-Identifier: GPL-2.0
"""jain: how flows share a bottleneck, over time and over an interval.

  [[metric]]
  kind = "jain"
  name = "reno2"
  flows = ["a", "b"]
  window = "1s"             # throughput averaging window for the series
  from = "8s"               # the interval judged (default: from 5 s after
  to = "20s"                # the last flow started to the first end)

Throughputs come from each flow's acknowledged bytes (TCP_INFO).
Jain's index J = (sum x)^2 / (n sum x^2): 1 when all get the same, 1/n
when one takes everything.
Values (NAME.): jain (over the interval), share.FLOW (fraction of the
total), mbit.FLOW (average over the interval).
Table NAME: t, jain, and mbit_FLOW per flow, one row per window.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field


def jain(xs):
    s = sum(xs)
    q = sum(x * x for x in xs)
    return s * s / (len(xs) * q) if q > 0 else None


def _at(rows, t):
    """bytes_acked at time t, linear between samples; None outside."""
    if not rows or t < rows[0][0] or t > rows[-1][0]:
        return None
    lo, hi = 0, len(rows) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if rows[mid][0] <= t:
            lo = mid
        else:
            hi = mid
    (t0, b0), (t1, b1) = rows[lo], rows[hi]
    if t1 == t0:
        return b0
    return b0 + (b1 - b0) * (t - t0) / (t1 - t0)


@register('metric', 'jain')
class Jain(Metric):
    DOC = 'Jain\'s fairness index of flows over time and over an interval'
    PRODUCES = ('values NAME.jain, NAME.share.FLOW, NAME.mbit.FLOW; table '
                'NAME (t, jain, mbit_FLOW...)')
    KEYS = {
        'flows': Field('strlist', 'the flows compared (two or more)',
                       required=True),
        'window': Field('time', 'averaging window of the series',
                        default=1.0, minimum=0.1),
        'from': Field('time', 'start of the judged interval (after t0)'),
        'to': Field('time', 'end of the judged interval (after t0)'),
    }

    def check(self):
        names = {w.name: w for w in self.exp.workloads if w.kind == 'bulk'}
        fl = self.item['flows']
        if len(fl) < 2:
            self.fail('flows', 'needs two or more flows')
        for f in fl:
            if f not in names:
                self.fail('flows', 'no bulk flow named %r' % f)
        ws = [names[f] for f in fl]
        if self.item['from'] is None:
            self.item['from'] = max(w.item['start'] for w in ws) + 5
        if self.item['to'] is None:
            self.item['to'] = min(w.end_time() for w in ws)
        if self.item['to'] <= self.item['from']:
            self.fail('to', 'the interval %g..%g s is empty' %
                      (self.item['from'], self.item['to']))

    def outputs(self):
        fl = self.item['flows']
        vals = [self.name + '.jain'] + ['%s.share.%s' % (self.name, f) for f in fl] + \
            ['%s.mbit.%s' % (self.name, f) for f in fl]
        return Outputs(values=vals,
                       tables={self.name: ['t', 'jain'] + ['mbit_' + f for f in fl]})

    def compute(self, data):
        fl = self.item['flows']
        n = self.name
        series = {}
        for f in fl:
            t = data.tables.get('flow.' + f)
            if t is None or not len(t):
                data.note('%s: no samples of flow %s' % (n, f))
                return
            series[f] = [(a, b) for a, b in zip(t.col('t'), t.col('bytes_acked'))]
        lo = min(r[0][0] for r in series.values())
        hi = max(r[-1][0] for r in series.values())
        w = self.item['window']
        rows = []
        t = lo
        while t + w <= hi + 1e-9:
            rates = []
            for f in fl:
                a, b = _at(series[f], t), _at(series[f], t + w)
                rates.append(None if a is None or b is None else (b - a) * 8 / w / 1e6)
            live = [x for x in rates if x is not None]
            j = jain(live) if len(live) == len(fl) else None
            rows.append([round(t + w, 3), None if j is None else round(j, 4)] +
                        [None if x is None else round(x, 3) for x in rates])
            t += w
        data.add_table(n, ['t', 'jain'] + ['mbit_' + f for f in fl], rows)
        a, b = self.item['from'], self.item['to']
        mb = []
        for f in fl:
            x0, x1 = _at(series[f], a), _at(series[f], b)
            if x0 is None or x1 is None:
                data.note('%s: flow %s did not cover %g..%g s' % (n, f, a, b))
                return
            mb.append((x1 - x0) * 8 / (b - a) / 1e6)
        data.add_value(n + '.jain', jain(mb))
        tot = sum(mb)
        for f, x in zip(fl, mb):
            data.add_value('%s.mbit.%s' % (n, f), x)
            data.add_value('%s.share.%s' % (n, f), x / tot if tot else None)
