# SPDX-License-Identifier: GPL-2.0
"""timeseries: columns of tables against time, with marks.

  [[plot]]
  title = "cwnd of the Reno flow"
  series = ["trace.reno:cwnd", "trace.reno:ssthresh"]   # TABLE:COLUMN
  labels = ["cwnd", "ssthresh"]       # default: the series names
  styles = ["solid", "dash"]          # solid, dash, dot (default solid)
  marks = ["reno"]                    # mark sets from analyzers
  y_label = "segments"                # x is always time (s) after t0
  x_from = "0s"                       # optional x range
  x_to = "20s"
  y_max = 200                         # optional
  hide_zero = true                    # 0 is "not set" (ssthresh): gap
  step = false                        # draw as steps

A series whose table is missing or empty in the run is drawn as nothing
and the plot says so in its legend ("(no data)").
"""
from ..plugin import Plot, check_column, has_mark
from ..registry import register
from ..schema import Field
from .. import svg


def gaps(pts):
    """Break the line where samples stop for a while (no ACK came: a
    tracepoint that fires per ACK says nothing in between), rather than
    draw a slope nobody measured."""
    xs = [x for x, y in pts if y is not None]
    if len(xs) < 10:
        return pts
    dts = sorted(b - a for a, b in zip(xs, xs[1:]))
    limit = max(0.25, 20 * dts[len(dts) // 2])
    out = []
    last = None
    for x, y in pts:
        if y is not None and last is not None and x - last > limit:
            out.append((x, None))
        if y is not None:
            last = x
        out.append((x, y))
    return out


def parse_ref(ref):
    table, _, col = ref.rpartition(':')
    return table, col


@register('plot', 'timeseries')
class TimeSeries(Plot):
    DOC = 'table columns over time, with the analyzers\' marks'
    KEYS = {
        'title': Field('str', 'plot title', required=True),
        'series': Field('strlist', 'TABLE:COLUMN references', required=True),
        'labels': Field('strlist', 'legend labels, one per series'),
        'styles': Field('strlist', 'solid, dash or dot, one per series'),
        'marks': Field('strlist', 'mark sets to draw', default=[]),
        'y_label': Field('str', 'y axis label', default=''),
        'x_label': Field('str', 'x axis label', default='time (s)'),
        'x_from': Field('time', 'x axis start'),
        'x_to': Field('time', 'x axis end'),
        'y_max': Field('number', 'y axis top'),
        'y_min': Field('number', 'y axis bottom'),
        'hide_zero': Field('bool', 'draw zeros as gaps', default=False),
        'step': Field('bool', 'draw steps', default=False),
        'caption': Field('str', 'a sentence under the plot', default=''),
    }

    def check(self):
        it = self.item
        outs = self.exp.outputs
        for i, ref in enumerate(it['series']):
            table, col = parse_ref(ref)
            if not table or not col:
                self.fail('series', '%r: write TABLE:COLUMN' % ref)
            check_column(self, 'series', ref, table, col)
        for k in ('labels', 'styles'):
            if it[k] is not None and len(it[k]) != len(it['series']):
                self.fail(k, 'one per series (%d)' % len(it['series']))
        for s in it['styles'] or ():
            if s not in svg.DASHES:
                self.fail('styles', '%r: solid, dash or dot' % s)
        for m in it['marks']:
            if not has_mark(outs, m):
                self.fail('marks', 'nothing produces marks %r (marks: %s)' %
                          (m, ', '.join(outs.marks) or 'none'))

    def _series(self, data):
        it = self.item
        out = []
        for i, ref in enumerate(it['series']):
            table, col = parse_ref(ref)
            label = it['labels'][i] if it['labels'] else ref
            t = data.tables.get(table)
            pts = []
            if t is not None and t.has(col) and t.has('t'):
                for x, y in zip(t.col('t'), t.col(col)):
                    if x is None:
                        continue
                    if y is None or (it['hide_zero'] and y == 0) or \
                       isinstance(y, str):
                        pts.append((x, None))
                    else:
                        pts.append((x, y))
            if not any(y is not None for _, y in pts):
                label += ' (no data)'
            pts = gaps(pts)
            out.append({'label': label, 'points': pts, 'step': it['step'],
                        'dash': it['styles'][i] if it['styles'] else 'solid'})
        return out

    def has_data(self, data):
        return any(any(y is not None for _, y in s['points'])
                   for s in self._series(data))

    def render(self, data):
        it = self.item
        series = self._series(data)
        marks = []
        for m in it['marks']:
            marks += data.marks.get(m, [])
        xr = None
        if it['x_from'] is not None or it['x_to'] is not None:
            xs = [x for s in series for x, y in s['points'] if y is not None] or [0, 1]
            xr = (it['x_from'] if it['x_from'] is not None else min(xs),
                  it['x_to'] if it['x_to'] is not None else max(xs))
        yr = None
        if it['y_max'] is not None or it['y_min'] is not None:
            ys = [y for s in series for x, y in s['points'] if y is not None] or [0, 1]
            yr = (it['y_min'] if it['y_min'] is not None else min(0, min(ys)),
                  it['y_max'] if it['y_max'] is not None else max(ys) * 1.05)
        return svg.line_plot(series, it['title'], it['x_label'], it['y_label'],
                             marks, x_range=xr, y_range=yr)
