# SPDX-License-Identifier: GPL-2.0
"""state_timeline: TCP state against time, one line per socket, from a
sock_states table. The y axis is the state machine, top to bottom in the
order a connection goes through it; each socket steps from state to
state, and a dot marks each state it entered.

  [[plot]]
  kind = "state_timeline"
  title = "client side"
  table = "state.sender"
  flows = ["normal", "simultaneous"]    # default: every flow in it
  x_from = "0s"                          # optional x range
  x_to = "10s"
  caption = "..."
"""
import html

from ..plugin import Plot, has_table
from ..registry import register
from ..schema import Field
from .. import svg

ORDER = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED',
         'FIN_WAIT1', 'FIN_WAIT2', 'CLOSING', 'TIME_WAIT', 'CLOSE_WAIT',
         'LAST_ACK']


def _esc(s):
    return html.escape(str(s), quote=True)


def lanes(table, flows=None):
    """[(label, flow, [(t, state, source)])] per socket, in order of its
    first state."""
    by = {}
    for r in table.dicts():
        if flows and r['flow'] not in flows:
            continue
        by.setdefault((r['flow'], r['socket']), []).append(
            (r['t'], r['state'], r['source']))
    out = []
    for (flow, sock), tl in by.items():
        tl.sort(key=lambda x: x[0])
        out.append(('%s %s' % (flow, sock.split('>')[0].rsplit(':', 1)[-1]),
                    flow, tl))
    out.sort(key=lambda x: x[2][0][0])
    return out


def render(ls, title, x_range=None, width=880):
    """The SVG of lanes `ls` (see lanes())."""
    states = [s for s in ORDER if any(st == s for _, _, tl in ls
                                      for _, st, _ in tl)]
    for _, _, tl in ls:
        for _, st, _ in tl:
            if st not in states:
                states.append(st)
    if not states:
        states = ['CLOSED']
    ml, mr, mt, mb = 122, 16, 30, 46
    row = 24
    ph = row * len(states)
    height = mt + ph + mb
    pw = width - ml - mr
    xs = [t for _, _, tl in ls for t, _, _ in tl]
    if x_range:
        xlo, xhi = x_range
    else:
        xlo, xhi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if xhi <= xlo:
        xhi = xlo + 1
    xt, xstep = svg.nice_ticks(xlo, xhi, 10)

    def X(v):
        return ml + (min(max(v, xlo), xhi) - xlo) / (xhi - xlo) * pw

    def Y(st, k=0):
        i = states.index(st)
        # Sockets in one state side by side, a few pixels apart.
        off = ((k % 5) - 2) * 2.5
        return mt + row * i + row / 2 + off

    o = ['<svg xmlns="http://www.w3.org/2000/svg" class="plot" '
         'viewBox="0 0 %d %d" width="%d" height="%d" data-series="%d" '
         'role="img" aria-label="%s">' % (width, height, width, height,
                                          len(ls), _esc(title))]
    o.append('<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>' %
             (width, height))
    if title:
        o.append('<text x="%d" y="18" class="ptitle">%s</text>' %
                 (ml, _esc(title)))
    for st in states:
        y = Y(st)
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>' %
                 (ml, ml + pw, y, y))
        o.append('<text x="%d" y="%.1f" class="tick" text-anchor="end">%s'
                 '</text>' % (ml - 6, y + 4, _esc(st)))
    for v in xt:
        if xlo <= v <= xhi:
            o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="grid"/>'
                     % (X(v), X(v), mt, mt + ph))
            o.append('<text x="%.1f" y="%d" class="tick" text-anchor="middle">'
                     '%s</text>' % (X(v), mt + ph + 15, svg._fmt(v, xstep)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>' %
             (ml, mt, pw, ph))
    o.append('<text x="%.1f" y="%d" class="axis" text-anchor="middle">time (s)'
             '</text>' % (ml + pw / 2, height - 18))
    colors = {}
    for k, (label, flow, tl) in enumerate(ls):
        color = colors.setdefault(flow, svg.PALETTE[len(colors) %
                                                    len(svg.PALETTE)])
        d = []
        dots = []
        for i, (t, st, src) in enumerate(tl):
            x, y = X(t), Y(st, k)
            if i == 0:
                d.append('M%.1f %.1f' % (x, y))
            else:
                d.append('L%.1f %.1f' % (x, Y(tl[i - 1][1], k)))
                d.append('L%.1f %.1f' % (x, y))
            if src != 'end':
                dots.append('<circle cx="%.1f" cy="%.1f" r="2.6" fill="%s">'
                            '<title>%s: %s at %.6f s (%s)</title></circle>' %
                            (x, y, color, _esc(label), _esc(st), t, src))
        o.append('<path class="series" data-n="%d" d="%s" fill="none" '
                 'stroke="%s" stroke-width="1.6"><title>%s</title></path>' %
                 (len(tl), ' '.join(d), color, _esc(label)))
        o.extend(dots)
    lx, ly = ml, height - 4
    for flow, color in colors.items():
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" '
                 'stroke-width="2.5"/>' % (lx, lx + 18, ly - 4, ly - 4, color))
        o.append('<text x="%d" y="%d" class="legend">%s</text>' %
                 (lx + 22, ly, _esc(flow)))
        lx += 34 + 7 * len(flow)
    o.append('</svg>')
    return '\n'.join(o)


@register('plot', 'state_timeline')
class StateTimeline(Plot):
    DOC = 'TCP state against time, one line per socket (sock_states table)'
    KEYS = {
        'title': Field('str', 'plot title', required=True),
        'table': Field('str', 'a sock_states table, state.NODE',
                       required=True),
        'flows': Field('strlist', 'only these flows\' sockets'),
        'x_from': Field('time', 'x axis start'),
        'x_to': Field('time', 'x axis end'),
        'caption': Field('str', 'a sentence under the plot', default=''),
    }

    def check(self):
        if not has_table(self.exp.outputs, self.item['table']):
            self.fail('table', 'nothing produces table %r (tables: %s)' % (
                self.item['table'], ', '.join(sorted(self.exp.outputs.tables))
                or 'none'))
        names = {w.name for w in self.exp.workloads}
        for f in self.item['flows'] or ():
            if f not in names:
                self.fail('flows', 'no flow named %r' % f)

    def _lanes(self, data):
        t = data.tables.get(self.item['table'])
        return lanes(t, self.item['flows']) if t is not None else []

    def has_data(self, data):
        return bool(self._lanes(data))

    def render(self, data):
        it = self.item
        ls = self._lanes(data)
        xr = None
        if it['x_from'] is not None or it['x_to'] is not None:
            xs = [t for _, _, tl in ls for t, _, _ in tl] or [0, 1]
            xr = (it['x_from'] if it['x_from'] is not None else min(xs),
                  it['x_to'] if it['x_to'] is not None else max(xs))
        return render(ls, it['title'], xr)
