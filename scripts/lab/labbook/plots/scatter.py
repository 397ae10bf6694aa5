# SPDX-License-Identifier: GPL-2.0
"""scatter: one dot per row instead of a line, for things that happen
once each (a connection's connect time against when it started).

  [[plot]]
  kind = "scatter"
  title = "connect time of each connection"
  series = ["flow.legit:connect_ms", "flow.legit:reply_ms"]
  labels = ["connected", "echo back"]
  y_label = "ms"
  marks = ["pause"]

The keys are those of timeseries (x is the table's t); rows without a
value (a connection that never connected) draw no dot.
"""
import re

from ..registry import register
from ..schema import Field
from .. import svg
from .timeseries import TimeSeries


@register('plot', 'scatter')
class Scatter(TimeSeries):
    DOC = 'table columns against time as dots, one per row'
    KEYS = dict(TimeSeries.KEYS)
    KEYS['dot'] = Field('number', 'dot diameter (px)', default=4.5,
                        minimum=1, maximum=20)
    del KEYS['step']

    def __init__(self, item, exp, key):
        super().__init__(item, exp, key)
        self.item.setdefault('step', False)

    def render(self, data):
        it = self.item
        series = self._series(data)
        xs = [x for s in series for x, y in s['points'] if y is not None]
        span = (max(xs) - min(xs)) if xs else 1.0
        eps = (span or 1.0) * 2e-5
        for s in series:
            pts = []
            for x, y in s['points']:
                if y is None:
                    continue
                # A dot: a segment too short to see, with round caps.
                pts += [(x, y), (x + eps, y), (x + eps, None)]
            s['points'] = pts
            s['width'] = it['dot']
            s['dash'] = 'solid'
        marks = []
        for m in it['marks']:
            marks += data.marks.get(m, [])
        xr = yr = None
        if it['x_from'] is not None or it['x_to'] is not None:
            xr = (it['x_from'] if it['x_from'] is not None else min(xs or [0]),
                  it['x_to'] if it['x_to'] is not None else max(xs or [1]))
        if it['y_max'] is not None or it['y_min'] is not None:
            ys = [y for s in series for _, y in s['points'] if y is not None] \
                or [0, 1]
            yr = (it['y_min'] if it['y_min'] is not None else min(0, min(ys)),
                  it['y_max'] if it['y_max'] is not None else max(ys) * 1.05)
        out = svg.line_plot(series, it['title'], it['x_label'], it['y_label'],
                            marks, x_range=xr, y_range=yr)
        return re.sub(r'(<path class="series"[^>]*?) fill="none"',
                      r'\1 fill="none" stroke-linecap="round"', out)
