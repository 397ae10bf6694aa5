# SPDX-License-Identifier: GPL-2.0
"""A small SVG plotter: lines over a common x axis, with ticks, labels,
legend, vertical marks and shaded spans. Pure Python, no dependencies,
so the page can be made in the VM or on any host.

Each drawn series is a <path class="series" data-n="N"> (N points drawn)
and the whole plot an <svg class="plot" data-series="K">: the page's own
script and the browser check count them.
"""
import html
import math

PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b',
           '#e377c2', '#17becf', '#7f7f7f', '#bcbd22']
SPAN_COLORS = {'ss': '#4e79a7', 'ca': '#59a14f', 'fr': '#f28e2b',
               'rto': '#e15759', 'epoch': '#b07aa1', 'css': '#edc948',
               None: '#9c9c9c'}
DASHES = {'solid': '', 'dash': '6,4', 'dot': '2,3'}
_clip_n = 0


def _esc(s):
    return html.escape(str(s), quote=True)


def nice_ticks(lo, hi, n=6):
    if hi <= lo:
        hi = lo + 1
    span = hi - lo
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if span / step <= n:
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-6:
        ticks.append(round(v, 10))
        v += step
    return ticks, step


def _fmt(v, step):
    if step >= 1:
        return '%d' % round(v)
    digits = max(0, -int(math.floor(math.log10(step))))
    return '%.*f' % (digits, v)


def decimate(points, xlo, xhi, columns):
    """At most ~2 points per pixel column (its min and max), keeping
    gaps (y None): the shape survives, the file stays small."""
    if len(points) <= 2 * columns:
        return points
    out = []
    bucket = None
    cur = None
    width = (xhi - xlo) / columns if xhi > xlo else 1

    def flush():
        if bucket:
            lo = min(bucket, key=lambda p: p[1])
            hi = max(bucket, key=lambda p: p[1])
            out.extend(sorted({lo, hi}, key=lambda p: p[0]))

    for x, y in points:
        if y is None:
            flush()
            bucket, cur = None, None
            out.append((x, None))
            continue
        col = int((x - xlo) / width)
        if col != cur:
            flush()
            bucket, cur = [], col
        bucket.append((x, y))
    flush()
    return out


def line_plot(series, title='', x_label='', y_label='', marks=(),
              width=880, height=330, x_range=None, y_range=None):
    """series: [{'label', 'points': [(x, y|None)], 'color'?, 'dash'?,
    'step'?: bool}]. marks: [{'t', 'label'}] lines and
    [{'t', 't1', 'label', 'style'}] spans."""
    ml, mr, mt, mb = 64, 16, 30, 46
    pw, ph = width - ml - mr, height - mt - mb
    xs = [x for s in series for x, y in s['points'] if y is not None]
    ys = [y for s in series for x, y in s['points'] if y is not None]
    if x_range:
        xlo, xhi = x_range
    else:
        xlo, xhi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if y_range:
        ylo, yhi = y_range
    else:
        ylo, yhi = (min(0.0, min(ys)), max(ys)) if ys else (0.0, 1.0)
        if yhi <= ylo:
            yhi = ylo + 1
        yhi += (yhi - ylo) * 0.05
    if xhi <= xlo:
        xhi = xlo + 1
    xt, xstep = nice_ticks(xlo, xhi, 10)
    yt, ystep = nice_ticks(ylo, yhi, 6)

    def X(v):
        return ml + (v - xlo) / (xhi - xlo) * pw

    def Y(v):
        return mt + ph - (v - ylo) / (yhi - ylo) * ph

    o = ['<svg xmlns="http://www.w3.org/2000/svg" class="plot" '
         'viewBox="0 0 %d %d" width="%d" height="%d" data-series="%d" '
         'role="img" aria-label="%s">' % (width, height, width, height,
                                          len(series), _esc(title))]
    o.append('<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>' % (width, height))
    if title:
        o.append('<text x="%d" y="18" class="ptitle">%s</text>' % (ml, _esc(title)))
    global _clip_n
    _clip_n += 1
    clip = 'clip%d' % _clip_n
    o.append('<clipPath id="%s"><rect x="%d" y="%d" width="%d" height="%d"/>'
             '</clipPath>' % (clip, ml, mt, pw, ph))
    # spans first, under everything
    for m in marks:
        if m.get('t1') is None:
            continue
        a, b = max(m['t'], xlo), min(m['t1'], xhi)
        if b <= a:
            continue
        c = SPAN_COLORS.get(m.get('style'), SPAN_COLORS[None])
        o.append('<rect class="span" x="%.1f" y="%d" width="%.1f" height="%d" '
                 'fill="%s" fill-opacity="0.13"><title>%s</title></rect>' %
                 (X(a), mt, X(b) - X(a), ph, c, _esc(m['label'])))
        if X(b) - X(a) > 40:
            o.append('<text x="%.1f" y="%d" class="spanlabel" fill="%s">%s</text>'
                     % (X(a) + 3, mt + ph - 4, c, _esc(m['label'][:int((X(b) - X(a)) / 6)])))
    # grid and ticks
    for v in yt:
        if v < ylo or v > yhi:
            continue
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>' %
                 (ml, ml + pw, Y(v), Y(v)))
        o.append('<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>'
                 % (ml - 5, Y(v) + 4, _fmt(v, ystep)))
    for v in xt:
        if v < xlo or v > xhi:
            continue
        o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="grid"/>' %
                 (X(v), X(v), mt, mt + ph))
        o.append('<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>'
                 % (X(v), mt + ph + 15, _fmt(v, xstep)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>' %
             (ml, mt, pw, ph))
    o.append('<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>'
             % (ml + pw / 2, height - 18, _esc(x_label)))
    o.append('<text transform="translate(14,%.1f) rotate(-90)" class="axis" '
             'text-anchor="middle">%s</text>' % (mt + ph / 2, _esc(y_label)))
    # series
    o.append('<g clip-path="url(#%s)">' % clip)
    for i, s in enumerate(series):
        color = s.get('color') or PALETTE[i % len(PALETTE)]
        pts = decimate(s['points'], xlo, xhi, pw)
        d = []
        n = 0
        pen = False
        last_y = None
        for x, y in pts:
            if y is None:
                pen = False
                continue
            if s.get('step') and pen and last_y is not None:
                d.append('L%.1f %.1f' % (X(x), Y(last_y)))
            d.append('%s%.1f %.1f' % ('L' if pen else 'M', X(x), Y(y)))
            pen = True
            last_y = y
            n += 1
        o.append('<path class="series" data-n="%d" d="%s" fill="none" '
                 'stroke="%s" stroke-width="%s" stroke-dasharray="%s">'
                 '<title>%s</title></path>' %
                 (n, ' '.join(d), color, s.get('width', 1.6),
                  DASHES.get(s.get('dash') or 'solid', ''), _esc(s['label'])))
    o.append('</g>')
    # vertical marks, labels staggered so neighbours do not overlap
    lines = [m for m in marks if m.get('t1') is None and xlo <= m['t'] <= xhi]
    last_x = {}
    for m in lines:
        x = X(m['t'])
        o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="mark">'
                 '<title>%s</title></line>' % (x, x, mt, mt + ph, _esc(m['label'])))
        for row in range(4):
            if x - last_x.get(row, -1e9) > 7 * min(len(m['label']), 28) + 8:
                break
        else:
            continue
        last_x[row] = x
        o.append('<text x="%.1f" y="%d" class="marklabel">%s</text>' %
                 (x + 3, mt + 11 + 11 * row, _esc(m['label'][:28])))
    # legend under the plot
    lx = ml
    ly = height - 4
    for i, s in enumerate(series):
        color = s.get('color') or PALETTE[i % len(PALETTE)]
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" '
                 'stroke-width="2.5" stroke-dasharray="%s"/>' %
                 (lx, lx + 18, ly - 4, ly - 4, color,
                  DASHES.get(s.get('dash') or 'solid', '')))
        o.append('<text x="%d" y="%d" class="legend">%s</text>' %
                 (lx + 22, ly, _esc(s['label'])))
        lx += 34 + 7 * len(s['label'])
    o.append('</svg>')
    return '\n'.join(o)


def diagram(nodes, links, width=880):
    """Topology: boxes in a row (several left nodes stacked), links as
    lines with their path text."""
    left = [n for n in nodes[:-2]] if len(nodes) > 3 else nodes[:1]
    rest = nodes[len(left):]
    h = max(90, 50 * len(left) + 30)
    bw, bh = 130, 34
    pos = {}
    for i, (n, addr) in enumerate(left):
        pos[n] = (20, 20 + i * 50 + (h - 40 - 50 * (len(left) - 1)) / 2 - 15)
    step = (width - 40 - bw) / max(1, len(rest))
    for i, (n, addr) in enumerate(rest):
        pos[n] = (20 + step * (i + 1), h / 2 - bh / 2)
    o = ['<svg xmlns="http://www.w3.org/2000/svg" class="topo" viewBox="0 0 %d %d" '
         'width="%d" height="%d">' % (width, h + 40, width, h + 40)]
    names = [n for n, _ in nodes]
    # plain links: every left node to the first of the rest, then a chain
    chain = []
    for n, _ in left:
        chain.append((n, rest[0][0]))
    for a, b in zip(rest, rest[1:]):
        chain.append((a[0], b[0]))
    for a, b in chain:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        o.append('<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" class="link"/>' %
                 (x1 + bw, y1 + bh / 2, x2, y2 + bh / 2))
    ty = h + 8
    for a, b, text in links:
        if a in pos and b in pos:
            o.append('<text x="20" y="%d" class="linklabel">%s &#8594; %s: %s</text>' %
                     (ty, _esc(a), _esc(b), _esc(text)))
            ty += 15
    for n, addr in nodes:
        x, y = pos[n]
        o.append('<rect x="%.0f" y="%.0f" width="%d" height="%d" rx="5" class="node"/>'
                 % (x, y, bw, bh))
        o.append('<text x="%.0f" y="%.0f" text-anchor="middle" class="nodename">%s'
                 '</text>' % (x + bw / 2, y + 15, _esc(n)))
        if addr:
            o.append('<text x="%.0f" y="%.0f" text-anchor="middle" class="nodeaddr">'
                     '%s</text>' % (x + bw / 2, y + 28, _esc(addr)))
    o.append('</svg>')
    del names
    return '\n'.join(o)
