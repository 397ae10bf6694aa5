# SPDX-License-Identifier: GPL-2.0
"""The lab book page: one self-contained HTML file from a results
directory (what `tcplab-lab run --out DIR` wrote). No network, no
external file: styles, plots (SVG from svg.py) and the page's own check
script are inline.

The script at the end counts what the page holds (plots with data,
sections with a verdict) into <div id="labcheck" data-...>, which the
browser check (browser.py) reads back from Chromium's DOM.
"""
import html
import json
import os

from . import registry
from . import verdict as V
from .data import RunData
from .svg import diagram

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif;
       margin: 0 auto; max-width: 960px; padding: 0 18px 60px; color: #222; }
h1 { margin: 24px 0 4px; } h2 { margin-top: 44px; border-top: 2px solid #ddd;
       padding-top: 16px; } h3 { margin: 22px 0 6px; font-size: 16px; }
.meta { color: #666; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13.5px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.claim { font-size: 16px; border-left: 4px solid #4e79a7; margin: 10px 0;
         padding: 4px 12px; background: #f4f7fb; }
.status { font-weight: 600; padding: 1px 8px; border-radius: 3px;
          white-space: nowrap; }
.s-held { background: #dff3e2; color: #17692a; }
.s-not-held { background: #fde2e1; color: #a3201a; }
.s-error { background: #fff0c2; color: #7a5a00; }
figure { margin: 14px 0; } figcaption { font-size: 13px; color: #555; }
pre { background: #f6f6f6; padding: 8px 10px; overflow-x: auto;
      font-size: 12.5px; line-height: 1.35; }
details summary { cursor: pointer; color: #335; }
.note { color: #7a5a00; font-size: 13px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .ptitle { font-size: 13px; font-weight: 600; }
svg .axis { font-size: 12px; } svg .tick { fill: #555; }
svg .grid { stroke: #e7e7e7; stroke-width: 1; }
svg .frame { fill: none; stroke: #999; }
svg .mark { stroke: #555; stroke-width: 1; stroke-dasharray: 3,3; }
svg .marklabel { font-size: 10.5px; fill: #333; }
svg .spanlabel { font-size: 10.5px; font-weight: 600; }
svg .legend { font-size: 12px; }
svg .node { fill: #eef3fa; stroke: #4e79a7; }
svg .nodename { font-weight: 600; font-size: 12.5px; }
svg .nodeaddr { fill: #555; font-size: 11px; }
svg .link { stroke: #4e79a7; stroke-width: 2; }
svg .linklabel { font-size: 12px; fill: #333; }
#labcheck { display: none; }
"""

CHECK_JS = """
(function () {
  var out = {plots: 0, empty: 0, missing: 0, noverdict: 0, sections: 0,
             problems: []};
  var secs = document.querySelectorAll('section.experiment');
  for (var i = 0; i < secs.length; i++) {
    var s = secs[i];
    out.sections++;
    var v = s.querySelector('.verdict-status[data-status]');
    if (!v || ['held', 'not held', 'error'].indexOf(v.dataset.status) < 0) {
      out.noverdict++;
      out.problems.push(s.id + ': no verdict');
    }
    var figs = s.querySelectorAll('figure.plot');
    var want = parseInt(s.dataset.plots || '0', 10);
    if (figs.length < want) {
      out.missing += want - figs.length;
      out.problems.push(s.id + ': ' + (want - figs.length) + ' plot(s) missing');
    }
    for (var j = 0; j < figs.length; j++) {
      var f = figs[j];
      var svg = f.querySelector('svg.plot');
      if (!svg) {
        out.missing++;
        out.problems.push(s.id + ': ' + (f.dataset.title || 'a plot') + ' has no svg');
        continue;
      }
      var drawn = 0;
      var paths = svg.querySelectorAll('path.series');
      for (var k = 0; k < paths.length; k++) {
        var n = parseInt(paths[k].dataset.n || '0', 10);
        var box = paths[k].getBBox();
        if (n >= 2 && (box.width > 0 || box.height > 0)) drawn++;
      }
      var r = svg.getBoundingClientRect();
      if (drawn === 0 || r.width < 10 || r.height < 10) {
        if (f.dataset.allowEmpty === '1') continue;
        out.empty++;
        out.problems.push(s.id + ': ' + (f.dataset.title || 'a plot') + ' is empty');
      } else {
        out.plots++;
      }
    }
  }
  var m = document.getElementById('labcheck');
  m.setAttribute('data-plots', out.plots);
  m.setAttribute('data-empty', out.empty);
  m.setAttribute('data-missing', out.missing);
  m.setAttribute('data-noverdict', out.noverdict);
  m.setAttribute('data-sections', out.sections);
  m.setAttribute('data-problems', out.problems.join(' | '));
  m.setAttribute('data-errors', window.__labErrors || 0);
  m.setAttribute('data-height', document.documentElement.scrollHeight);
  m.setAttribute('data-done', '1');
  if (out.problems.length) console.warn('labcheck: ' + out.problems.join(' | '));
})();
"""


def _e(s):
    return html.escape(str(s), quote=True)


def _status(st):
    label = {'not held': 'did not hold'}.get(st, st)
    return '<span class="status s-%s">%s</span>' % (st.replace(' ', '-'), _e(label))


def _num(x):
    return V.fmt(x) if isinstance(x, (int, float)) and not isinstance(x, bool) \
        else _e('' if x is None else x)


def _plot_obj(kind, item):
    cls = registry.get('plot', kind)
    if cls is None:
        return None
    return cls(item, None, 'plot')


def _values_table(values, verdicts, metric_prefixes):
    judged = [v['metric'] for v in verdicts]
    rows = []
    seen = set()
    for k in judged:
        if k in values and k not in seen:
            rows.append(k)
            seen.add(k)
    main = [k for k in values if k not in seen and
            (k.split('.')[0] in metric_prefixes or k.startswith('flow.'))]
    other = [k for k in values if k not in seen and k not in main]
    h = ['<table class="values"><tr><th>value</th><th>measured</th></tr>']
    for k in rows + main:
        h.append('<tr><td>%s%s</td><td class="num">%s</td></tr>' %
                 (_e(k), ' (judged)' if k in judged else '', _num(values[k])))
    h.append('</table>')
    if other:
        h.append('<details><summary>%d more counters</summary><table>' % len(other))
        for k in other:
            h.append('<tr><td>%s</td><td class="num">%s</td></tr>' %
                     (_e(k), _num(values[k])))
        h.append('</table></details>')
    return '\n'.join(h)


def _setup(setup, res):
    h = ['<table class="setup">']
    h.append('<tr><th>topology</th><td>%s</td></tr>' % _e(res['shape']))
    h.append('<tr><th>path</th><td>%s</td></tr>' % _e(setup['path']))
    for node, t in setup['sysctl'].items():
        h.append('<tr><th>sysctl %s</th><td>%s</td></tr>' % (
            _e(node), '<br>'.join('%s = %s' % (_e(k), _e(v)) for k, v in t.items())))
    for f in setup['flows']:
        it = ', '.join('%s = %s' % (k, _e(json.dumps(v) if isinstance(v, dict) else v))
                       for k, v in f['item'].items()) or 'defaults'
        h.append('<tr><th>flow %s</th><td>%s: %s &#8594; %s; %s</td></tr>' % (
            _e(f['name']), _e(f['kind']), _e(f['from']), _e(f['to']), it))
    for ev in setup['events']:
        ch = ', '.join('%s = %s' % (k, _e(v)) for k, v in ev.items()
                       if k not in ('at', 'duration', 'direction'))
        h.append('<tr><th>event</th><td>at %s: %s on the %s path%s</td></tr>' % (
            _e(ev.get('at')), ch, _e(ev.get('direction', 'forward')),
            ' for %s' % _e(ev['duration']) if ev.get('duration') else ''))
    h.append('</table>')
    return '\n'.join(h)


def _section(res, d):
    name = res['name']
    n_plots = sum(len(v['plots']) for v in res['variants'])
    h = ['<section class="experiment" id="%s" data-plots="%d">' % (_e(name), n_plots)]
    h.append('<h2>%s</h2>' % _e(res['title']))
    h.append('<p class="meta">%s &middot; %s &middot; %s s%s</p>' % (
        _e(name), _e(os.path.basename(res['file'])), _num(res['wall_s']),
        ' &middot; %d repetitions (medians)' % res['reps'] if res['reps'] > 1 else ''))
    h.append('<div class="claim">%s</div>' % _e(res['claim']))
    h.append('<p class="meta">Source: %s</p>' % _e(res['source']))
    if res['notes']:
        h.append('<p>%s</p>' % _e(res['notes']))
    if res['expect'] != V.HELD:
        h.append('<p class="note">This file expects the claim <b>not</b> to hold '
                 '(a mutant: something in it was changed so that it must '
                 'fail).</p>')
    h.append('<p>Verdict: <span class="verdict-status" data-status="%s">%s</span>'
             '</p>' % (_e(res['status']), _status(res['status'])))
    first = res['variants'][0]
    h.append('<h3>Setup</h3>')
    nodes, links = first['setup']['diagram']
    h.append(diagram([tuple(x) for x in nodes], [tuple(x) for x in links]))
    h.append(_setup(first['setup'], res))
    for vi, v in enumerate(res['variants']):
        if v['params']:
            h.append('<h3>Variant %d: %s %s</h3>' % (
                vi + 1, _e(', '.join('%s = %s' % kv for kv in v['params'].items())),
                _status(v['status'])))
        rdir = os.path.join(d, v['runs'][0]['dir'])
        data = RunData.load(rdir) if os.path.isdir(rdir) else RunData()
        failed = v['runs'][0]['status'] != 'ok'
        for item, kind in zip(v['plots'], v['plot_kinds']):
            p = _plot_obj(kind, item)
            title = item.get('title', kind)
            h.append('<figure class="plot" data-title="%s"%s>' % (
                _e(title), ' data-allow-empty="1"' if failed else ''))
            if p is None:
                h.append('<p class="note">unknown plot kind %s</p>' % _e(kind))
            else:
                h.append(p.render(data))
            cap = item.get('caption')
            if failed:
                cap = 'No data: the run failed (%s).' % v['runs'][0]['error']
            if cap:
                h.append('<figcaption>%s</figcaption>' % _e(cap))
            h.append('</figure>')
        h.append('<h3>Verdict</h3><table class="verdicts"><tr><th>claim</th>'
                 '<th>judged on</th><th></th></tr>')
        for j in v['verdicts']:
            h.append('<tr><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                _e(j['claim']), _e(j['text']), _status(j['status'])))
        h.append('</table>')
        h.append('<h3>Measured</h3>')
        prefixes = {m.split('.')[0] for m in (j['metric'] for j in v['verdicts'])}
        h.append(_values_table(v['values'], v['verdicts'], prefixes))
        if len(v['runs']) > 1:
            h.append('<details><summary>every repetition</summary><table>'
                     '<tr><th>value</th>%s</tr>' % ''.join(
                         '<th>rep %d</th>' % (i + 1) for i in range(len(v['runs']))))
            for j in v['verdicts']:
                h.append('<tr><td>%s</td>%s</tr>' % (_e(j['metric']), ''.join(
                    '<td class="num">%s</td>' % _num(rv.get(j['metric']))
                    for rv in v['values_reps'])))
            h.append('</table></details>')
        for rj in v['runs']:
            if rj['status'] != 'ok':
                h.append('<p class="note">run %s: %s</p>' % (_e(rj['dir']), _e(rj['error'])))
        for note in data.notes:
            h.append('<p class="note">note: %s</p>' % _e(note))
        cmds = os.path.join(rdir, 'commands.txt')
        if os.path.exists(cmds):
            with open(cmds) as f:
                text = f.read()
            h.append('<details><summary>Reproduce by hand (in <code>make shell</code>'
                     ')</summary><p class="meta">The commands the engine ran, in '
                     'order (namespaces named after this run; %s).</p><pre>%s</pre>'
                     '</details>' % ('path events happen at the times shown',
                                     _e(text)))
    h.append('</section>')
    return '\n'.join(h)


def render(d, title='tcplab lab book'):
    """HTML text of the page for results directory d."""
    with open(os.path.join(d, 'book.json')) as f:
        book = json.load(f)
    results = []
    for name in book['experiments']:
        p = os.path.join(d, name, 'result.json')
        if os.path.exists(p):
            with open(p) as f:
                results.append(json.load(f))
    h = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         '<title>%s</title>' % _e(title), '<style>%s</style>' % CSS,
         '<script>window.__labErrors = 0; window.addEventListener("error", '
         'function () { window.__labErrors++; });</script></head><body>']
    h.append('<h1>%s</h1>' % _e(title))
    h.append('<p class="meta">Linux %s on %s, %s; tcp_lab module %s; %s s in all.</p>' % (
        _e(book['kernel']), _e(book['host']), _e(book['started']),
        'loaded' if book['module'] else 'not loaded', _num(book.get('wall_s'))))
    h.append('<p>Each section below is one experiment file: the claim it tests, '
             'the path and settings, what was measured, and the verdict: '
             '<b>held</b> when every check on the measured numbers passed, '
             '<b>did not hold</b> when one failed, <b>error</b> when something '
             'could not be measured.</p>')
    h.append('<table class="summary"><tr><th>experiment</th><th>claim</th>'
             '<th>verdict</th><th>time</th></tr>')
    for r in results:
        exp = '' if r['expect'] == V.HELD else ' <span class="meta">(expected: %s)</span>' % _e(r['expect'])
        h.append('<tr><td><a href="#%s">%s</a></td><td>%s</td><td>%s%s</td>'
                 '<td class="num">%s s</td></tr>' % (
                     _e(r['name']), _e(r['name']), _e(r['claim']),
                     _status(r['status']), exp, _num(r['wall_s'])))
    h.append('</table>')
    for r in results:
        h.append(_section(r, os.path.join(d, r['name'])))
    h.append('<div id="labcheck"></div>')
    h.append('<script>%s</script>' % CHECK_JS)
    h.append('</body></html>')
    return '\n'.join(h)


def write(d, out, title='tcplab lab book'):
    text = render(d, title)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(text)
    return out
