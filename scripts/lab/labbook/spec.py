# SPDX-License-Identifier: GPL-2.0
"""Experiment files: loading (TOML, or the resolved JSON the VM receives),
derivation (base + [override] + --set), sweeps ([matrix], reps) and
validation into Experiment objects.

A file is data. Nothing in it is evaluated: values are parsed by the
schema's parsers, names are looked up in the plug-in registries, and a
file with an unknown key, a bad value or an unknown sysctl is refused
with SpecError(file, key path, reason) before anything runs.

Key paths (in [override], [matrix], --set and error messages) are dotted:
"path.rate", "flow.0.algorithm" (0-based), "flow.reno.algorithm" (a
[[flow]] by its name), "sysctl.sender.net.tcp_lab.reno_beta".
"""
import copy
import itertools
import json
import os
import tomllib

from . import registry, sysctl, units
from .plugin import Outputs, has_value
from .schema import Field, SpecError, validate

TOP_KEYS = ('base', 'experiment', 'topology', 'path', 'sysctl', 'flow',
            'event', 'measure', 'metric', 'plot', 'verdict', 'matrix',
            'variants', 'override', 'quick', 'bench')

EXPERIMENT_KEYS = {
    'name': Field('str', 'short identifier (default: the file name without '
                  '.toml); names the results directory'),
    'title': Field('str', 'a heading for the page', required=True),
    'claim': Field('str', 'the claim tested, in one sentence', required=True),
    'source': Field('str', 'where the claim comes from: an RFC section or '
                    'a topic of the notes (paraphrased)', required=True),
    'kernels': Field('strlist', 'kernels it is meant for / was checked on',
                     default=[]),
    'notes': Field('str', 'anything else the reader should know', default=''),
    'timeout': Field('time', 'kill a run that lasts longer, counted from '
                     'its start plus 20 s of setup (default: the workloads\' '
                     'end + 60 s)'),
    'reps': Field('int', 'repetitions of every variant; verdicts judge the '
                  'median of each value', default=1, minimum=1, maximum=99),
    'expect': Field('str', 'the outcome this file expects (mutants: "not '
                    'held"); `run` exits non-zero when a verdict differs',
                    default='held', choices=('held', 'not held')),
    'tags': Field('strlist', 'free labels, e.g. "quick" for the short lab '
                  'book', default=[]),
    'order': Field('str', 'how repetitions run: "variant" (every repetition '
                   'of a variant, then the next variant) or "interleaved" '
                   '(one repetition of every variant, then the next, the '
                   'last dimension\'s values in a new order each time, so '
                   'that over n repetitions (2n for odd n) each runs in '
                   'every place and right after every other equally often; '
                   'for comparisons that must share the machine\'s slow and '
                   'fast moments)',
                   default='variant', choices=('variant', 'interleaved')),
    'settle': Field('time', 'before each run, wait up to this long for the '
                    'machine to go quiet (every CPU at least 85 % idle '
                    'in two successive 0.25 s windows), so that a run does '
                    'not share the CPUs with the teardown of the one before '
                    '(a deleted namespace is cleaned up in the background); '
                    'the wait is the run\'s settle_s in result.json',
                    default=0.0),
    'module': Field('str', 'the tcp_lab module during each run: "keep" it '
                    'as it is, or make sure it is "loaded" (insmod '
                    '$TCPLAB_KO) or "unloaded" (rmmod) before the run '
                    'starts; the state found is restored after the '
                    'experiment', default='keep',
                    choices=('keep', 'loaded', 'unloaded')),
}

DIRECTION_KEYS = {
    'rate': Field('rate', 'bottleneck rate of this direction, e.g. "10mbit" '
                  '(default: forward from path.rate, reverse unlimited)'),
    'delay': Field('time', 'one-way delay added in this direction'),
    'jitter': Field('time', 'delay variation (netem; reorders packets '
                    'unless reorder = false)'),
    'reorder': Field('bool', 'with jitter: false keeps packets in order '
                     '(netem also paces them at 10 Gbit/s, so none leaves '
                     'before the one ahead of it; the delay still varies)'),
    'loss': Field('percent', 'random loss, e.g. "0.5%"'),
    'buffer': Field('buffer', 'bottleneck queue: packets (integer) or '
                    '"N bdp"'),
    'qdisc': Field('str', 'queue discipline at the bottleneck',
                   choices=('tbf', 'fq_codel', 'codel', 'pie', 'fq')),
}

PATH_KEYS = {
    'rate': Field('rate', 'bottleneck rate, data direction (router -> '
                  'receiver)'),
    'rtt': Field('time', 'base round-trip time, half added in each '
                 'direction'),
    'delay': Field('time', 'one-way delay added in each direction (rtt = 2 '
                   'x delay); exclusive with rtt'),
    'jitter': Field('time', 'delay variation, data direction'),
    'reorder': Field('bool', 'with jitter: let netem reorder packets '
                     '(default) or, false, keep them in order',
                     default=True),
    'loss': Field('percent', 'random loss, data direction'),
    'buffer': Field('buffer', 'bottleneck queue, data direction: packets or '
                    '"N bdp"', default=(1.0, 'bdp')),
    'qdisc': DIRECTION_KEYS['qdisc'],
    'mtu': Field('int', 'MTU of every link', default=1500, minimum=576,
                 maximum=9000),
    'offload': Field('bool', 'keep TSO/GSO/GRO on (default off: one '
                     'packet per segment, as on a real path)', default=False),
    'sender_qdisc': Field('str', 'queue discipline on the sending host\'s '
                          'own interface (dumbbell: the sender\'s); fq '
                          'paces every TCP flow at its pacing rate; '
                          'default: the device\'s (none on a veth)',
                          choices=('fq', 'fq_codel', 'pfifo_fast')),
}

EVENT_KEYS = {
    'at': Field('time', 'when, after t0', required=True),
    'duration': Field('time', 'restore the path after this long (default: '
                      'never)'),
    'direction': Field('str', 'which direction changes', default='forward',
                       choices=('forward', 'reverse', 'both')),
    'loss': DIRECTION_KEYS['loss'],
    'delay': DIRECTION_KEYS['delay'],
    'jitter': DIRECTION_KEYS['jitter'],
    'rate': DIRECTION_KEYS['rate'],
}

VERDICT_KEYS = {
    'claim': Field('str', 'what this check shows, in words', required=True),
    'metric': Field('str', 'the value judged (a metric or measured value '
                    'name)', required=True),
    'min': Field('number', 'held if value >= min'),
    'max': Field('number', 'held if value <= max'),
    'below': Field('scalar', 'held if value < factor x this (a value name '
                   'or a number)'),
    'above': Field('scalar', 'held if value > factor x this (a value name '
                   'or a number)'),
    'factor': Field('number', 'multiplies below/above', default=1.0),
}

FLOW_COMMON = {
    'kind': Field('str', 'workload kind', default='bulk'),
    'name': Field('str', 'label for series and values (default flowN)'),
    'from': Field('str', 'client node (default: the topology\'s client)'),
    'to': Field('str', 'server node (default: the topology\'s server)'),
    'start': Field('time', 'start after t0', default=0.0),
}
MEASURE_COMMON = {
    'kind': Field('str', 'measurement kind', required=True),
    'optional': Field('bool', 'a missing source (no module...) is a note, '
                      'not an error', default=False),
}
METRIC_COMMON = {
    'kind': Field('str', 'analyzer kind', required=True),
    'name': Field('str', 'prefix of the values it produces (default: the '
                  'kind)'),
}
# Prefixes of what workloads and measures produce: no metric may be named so.
RESERVED = ('flow', 'trace', 'nstat', 'lab', 'ss')

PLOT_COMMON = {
    'kind': Field('str', 'plot kind', default='timeseries'),
}


# ---------------------------------------------------------------- loading

def _flatten(d, prefix='', quoted_leaf=False):
    """Nested tables -> dotted key paths. With quoted_leaf, a key that
    itself holds dots (written quoted: "flow.a.cc" = {...}) keeps its
    value whole, so a table there replaces a table."""
    out = {}
    for k, v in d.items():
        p = '%s.%s' % (prefix, k) if prefix else k
        if isinstance(v, dict) and not (quoted_leaf and '.' in k):
            out.update(_flatten(v, p, quoted_leaf))
        else:
            out[p] = v
    return out


def _normalize(doc, file):
    """Sysctl tables flat ("net.ipv4.x" whether written quoted or as dotted
    keys), [override] and [matrix] as key path -> value."""
    if 'sysctl' in doc:
        if not isinstance(doc['sysctl'], dict):
            raise SpecError('sysctl', 'must be tables [sysctl.NODE]', file)
        for node, t in doc['sysctl'].items():
            if not isinstance(t, dict):
                raise SpecError('sysctl.' + node, 'must be a table of sysctl '
                                'names and values', file)
            doc['sysctl'][node] = _flatten(t)
    for k in ('override', 'matrix', 'quick'):
        if k in doc:
            if not isinstance(doc[k], dict):
                raise SpecError(k, 'must be a table of key paths', file)
            doc[k] = _flatten(doc[k], quoted_leaf=True)
    if 'variants' in doc:
        _check_variants(doc['variants'], file)
    return doc


def _check_variants(v, file):
    """[variants.DIM] LABEL = { key.path = value, ... }: the shape only
    (the key paths are checked when each combination is built)."""
    if not isinstance(v, dict):
        raise SpecError('variants', 'must be tables [variants.NAME]', file)
    for dim, labels in v.items():
        if not isinstance(labels, dict) or not labels:
            raise SpecError('variants.' + dim, 'must be a table of named '
                            'variants, each a table of key paths and values',
                            file)
        for label, t in labels.items():
            if not isinstance(t, dict):
                raise SpecError('variants.%s.%s' % (dim, label), 'must be a '
                                'table of key paths and values ({} for none)',
                                file)


def dimensions(doc):
    """The sweep's dimensions in order: [matrix] key paths, then
    [variants.NAME] names; -> [(name, [values or labels])]."""
    out = [(k, v) for k, v in doc.get('matrix', {}).items()]
    out += [(k, list(v)) for k, v in doc.get('variants', {}).items()]
    return out


def restrict(doc, key, wanted, file=None):
    """Keep only the values `wanted` (texts) of the dimension `key`
    (a [matrix] key path or a [variants] name). -> False when the file
    has no such dimension."""
    where = '--only ' + key
    if key in doc.get('matrix', {}):
        vals = doc['matrix'][key]
        texts = [str(v) for v in vals] if isinstance(vals, list) else []
        for w in wanted:
            if w not in texts:
                raise SpecError(where, '%r is not one of its values (%s)' %
                                (w, ', '.join(texts)), file)
        doc['matrix'][key] = [v for v in vals if str(v) in wanted]
        return True
    if key in doc.get('variants', {}):
        labels = doc['variants'][key]
        for w in wanted:
            if w not in labels:
                raise SpecError(where, '%r is not one of its variants (%s)' %
                                (w, ', '.join(labels)), file)
        doc['variants'][key] = {k: v for k, v in labels.items() if k in wanted}
        return True
    return False


def parse_only(text):
    """--only KEY=V1,V2 -> (key, [texts])."""
    if '=' not in text:
        raise SpecError(None, '--only %r: expected KEY=VALUE[,VALUE...]' % text)
    k, v = text.split('=', 1)
    vals = [x.strip() for x in v.split(',') if x.strip()]
    if not k.strip() or not vals:
        raise SpecError(None, '--only %r: expected KEY=VALUE[,VALUE...]' % text)
    return k.strip(), vals


def _merge(base, over):
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def set_path(doc, path, value, file=None, where=None):
    """Set a key path in a raw document (see the module's docstring)."""
    where = where or path
    segs = path.split('.')
    node = doc
    trail = []
    i = 0
    while True:
        if isinstance(node, list):
            seg = segs[i]
            idx = None
            if seg.isdigit():
                idx = int(seg)
                if idx >= len(node):
                    raise SpecError(where, 'no entry %d (there are %d)' %
                                    (idx, len(node)), file)
            else:
                for j, e in enumerate(node):
                    if isinstance(e, dict) and e.get('name') == seg:
                        idx = j
                if idx is None:
                    raise SpecError(where, 'no entry named %r' % seg, file)
            trail.append(seg)
            i += 1
            if i == len(segs):
                node[idx] = value
                return
            node = node[idx]
            continue
        if not isinstance(node, dict):
            raise SpecError(where, '%s is a value, not a table' %
                            '.'.join(trail), file)
        if len(trail) == 2 and trail[0] == 'sysctl':
            node['.'.join(segs[i:])] = value
            return
        for j in range(len(segs), i, -1):
            k = '.'.join(segs[i:j])
            if k in node:
                break
        else:
            k, j = segs[i], i + 1
        if j == len(segs):
            node[k] = value
            return
        if k not in node:
            node[k] = {}
        node = node[k]
        trail.append(k)
        i = j


def parse_set(text):
    """--set KEY=VALUE: VALUE read as a TOML value (20, "x", [1, 2],
    true), or as a string if it is not one."""
    if '=' not in text:
        raise SpecError(None, '--set %r: expected KEY=VALUE' % text)
    k, v = text.split('=', 1)
    k = k.strip()
    try:
        value = tomllib.loads('v = ' + v)['v']
    except tomllib.TOMLDecodeError:
        value = v
    return k, value


def load_raw(path, sets=(), _seen=(), quick=False, only=()):
    """The file's document with base, [override], [quick] (if quick),
    `sets` and `only` (see restrict) applied."""
    path = os.path.abspath(path)
    if path in _seen:
        raise SpecError('base', 'base files loop: %s' %
                        ' -> '.join(_seen + (path,)), path)
    try:
        if path.endswith('.json'):
            with open(path) as f:
                wrapped = json.load(f)
            doc = wrapped['doc']
            origin = wrapped.get('file', path)
        else:
            with open(path, 'rb') as f:
                doc = tomllib.load(f)
            origin = path
    except FileNotFoundError:
        raise SpecError(None, 'no such file', path) from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(None, 'not valid TOML: %s' % e, path) from None
    except (ValueError, KeyError) as e:
        raise SpecError(None, 'not a resolved experiment: %s' % e, path) from None
    for k in doc:
        if k not in TOP_KEYS:
            raise SpecError(k, 'unknown key (known at the top: %s)' %
                            ', '.join(TOP_KEYS), path)
    doc = _normalize(doc, path)
    if 'base' in doc:
        b = doc.pop('base')
        if not isinstance(b, str):
            raise SpecError('base', 'must be a file name', path)
        bpath = os.path.join(os.path.dirname(path), b)
        based, _ = load_raw(bpath, (), _seen + (path,))
        based.get('experiment', {}).pop('name', None)
        based.pop('override', None)
        doc = _merge(based, doc)
    for k, v in doc.pop('override', {}).items():
        set_path(doc, k, v, path, 'override.' + k)
    if quick:
        for k, v in doc.pop('quick', {}).items():
            set_path(doc, k, v, path, 'quick.' + k)
    for k, v in sets:
        set_path(doc, k, v, path, '--set ' + k)
    for k, vals in only:
        restrict(doc, k, vals, path)
    if not doc.get('experiment', {}).get('name'):
        stem = os.path.splitext(os.path.basename(origin))[0]
        doc.setdefault('experiment', {})['name'] = stem
    return doc, origin


# ------------------------------------------------------------- validation

class Experiment:
    """One fully specified variant of an experiment file."""

    def __init__(self, file, params):
        self.file = file
        self.params = params      # the [matrix] values of this variant
        self.outputs = Outputs()


def _entries(doc, key, file):
    v = doc.get(key, [])
    if isinstance(v, dict):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
        raise SpecError(key, 'must be an array of tables [[%s]]' % key, file)
    return v


def _plugin(category, common, entry, key, exp, default_kind=None):
    kind = entry.get('kind', default_kind)
    if kind is None:
        raise SpecError(key + '.kind', 'missing (required; one of: %s)' %
                        ', '.join(sorted(registry.kinds(category))))
    cls = registry.get(category, kind)
    if cls is None:
        raise SpecError(key + '.kind', 'unknown %s kind %r (known: %s)' %
                        (category, kind, ', '.join(sorted(registry.kinds(category)))))
    fields = dict(common)
    fields.update(cls.KEYS)
    item = validate(entry, fields, key)
    if default_kind and item['kind'] is None:
        item['kind'] = default_kind
    return cls(item, exp, key)


def _direction(path, own, top, name):
    d = validate(own, DIRECTION_KEYS, 'path.' + name)
    out = {}
    for k in DIRECTION_KEYS:
        out[k] = d[k] if d[k] is not None else top.get(k)
    return out


def _build_path(doc):
    if not isinstance(doc.get('path', {}), dict):
        raise SpecError('path', 'must be a table [path]')
    raw = dict(doc.get('path', {}))
    fwd_raw = raw.pop('forward', {})
    rev_raw = raw.pop('reverse', {})
    for k, v in (('forward', fwd_raw), ('reverse', rev_raw)):
        if not isinstance(v, dict):
            raise SpecError('path.' + k, 'must be a table [path.%s]' % k)
    p = validate(raw, PATH_KEYS, 'path')
    if p['rtt'] is not None and p['delay'] is not None:
        raise SpecError('path.delay', 'give rtt or delay, not both')
    one_way = p['delay'] if p['delay'] is not None else (
        p['rtt'] / 2 if p['rtt'] is not None else 0.0)
    top_fwd = {'rate': p['rate'], 'delay': one_way, 'jitter': p['jitter'],
               'reorder': p['reorder'], 'loss': p['loss'],
               'buffer': p['buffer'], 'qdisc': p['qdisc']}
    top_rev = {'rate': None, 'delay': one_way, 'jitter': None,
               'reorder': p['reorder'], 'loss': None, 'buffer': None,
               'qdisc': None}
    fwd = _direction(p, fwd_raw, top_fwd, 'forward')
    rev = _direction(p, rev_raw, top_rev, 'reverse')
    for d in (fwd, rev):
        d['delay'] = d['delay'] or 0.0
        d['qdisc'] = d['qdisc'] or 'tbf'
        if d['reorder'] is None:
            d['reorder'] = True
    rtt = fwd['delay'] + rev['delay']
    explicit = {'forward': 'path.forward.buffer' if 'buffer' in fwd_raw else
                ('path.buffer' if 'buffer' in raw else None),
                'reverse': 'path.reverse.buffer' if 'buffer' in rev_raw else None}
    for name, d in (('forward', fwd), ('reverse', rev)):
        if d['buffer'] is None:
            d['buffer'] = (1.0, 'bdp')
        n, unit = d['buffer']
        if d['rate'] is None:
            if explicit[name]:
                raise SpecError(explicit[name], 'a buffer needs a rate (no '
                                'bottleneck, no queue)')
            d['buffer_packets'] = None
            continue
        if unit == 'bdp':
            if rtt <= 0:
                raise SpecError(explicit[name] or 'path.buffer', 'a buffer in '
                                'BDP needs a delay (path.rtt)')
            pkts = n * d['rate'] * rtt / 8 / (p['mtu'] + 14)
            d['buffer_packets'] = max(2, int(round(pkts)))
        else:
            d['buffer_packets'] = int(n)
    bdp = None
    if fwd['rate'] and rtt > 0:
        bdp = fwd['rate'] * rtt / 8 / (p['mtu'] + 14)
    return {'forward': fwd, 'reverse': rev, 'mtu': p['mtu'],
            'offload': p['offload'], 'rtt': rtt, 'bdp_packets': bdp,
            'sender_qdisc': p['sender_qdisc']}


def build(doc, file, params=None, mode='static'):
    """Validate one resolved document (no [matrix] left) into an
    Experiment. mode: 'static' or 'live' (see sysctl.check)."""
    try:
        return _build(doc, file, params or {}, mode)
    except SpecError as e:
        if e.file is None:
            e.file = file
        raise


def _build(doc, file, params, mode):
    registry.load_all()
    exp = Experiment(file, params)
    exp.raw = doc
    exp.meta = validate(doc.get('experiment', {}), EXPERIMENT_KEYS,
                        'experiment')
    exp.name = exp.meta['name']
    if not exp.name or '/' in exp.name or exp.name.startswith('.'):
        raise SpecError('experiment.name', 'must be a plain file-like name')

    topo = doc.get('topology')
    if not isinstance(topo, dict) or 'shape' not in topo:
        raise SpecError('topology.shape', 'missing (required; one of: %s)' %
                        ', '.join(sorted(registry.kinds('topology'))))
    cls = registry.get('topology', topo['shape'])
    if cls is None:
        raise SpecError('topology.shape', 'unknown shape %r (known: %s)' %
                        (topo['shape'], ', '.join(sorted(registry.kinds('topology')))))
    item = validate(topo, cls.KEYS, 'topology', extra_ok=('shape',))
    exp.topology = cls(item, exp, 'topology')
    nodes = exp.topology.nodes()

    exp.path = _build_path(doc)
    if exp.path['sender_qdisc'] and not getattr(cls, 'HAS_SENDER_QDISC', False):
        raise SpecError('path.sender_qdisc', 'the %s topology has no '
                        'sending host\'s interface for it' % cls.kind)

    exp.sysctl = {}
    for node, table in doc.get('sysctl', {}).items():
        if node not in nodes and node != 'all':
            raise SpecError('sysctl.' + node, 'no node %r in a %s (nodes: %s, '
                            'or all)' % (node, cls.kind, ', '.join(nodes)))
        for name, value in table.items():
            try:
                sysctl.check(name, value, mode)
            except ValueError as e:
                raise SpecError('sysctl.%s.%s' % (node, name), str(e)) from None
        exp.sysctl[node] = dict(table)

    exp.workloads = []
    names = set()
    for i, e in enumerate(_entries(doc, 'flow', file)):
        w = _plugin('workload', FLOW_COMMON, e, 'flow.%d' % i, exp, 'bulk')
        w.name = w.item['name'] or 'flow%d' % (i + 1)
        if w.name in names:
            raise SpecError('flow.%d.name' % i, 'two flows named %r' % w.name)
        names.add(w.name)
        w.src = w.item['from'] or exp.topology.client
        w.dst = w.item['to'] or exp.topology.server
        for k, n in (('from', w.src), ('to', w.dst)):
            if n not in nodes:
                raise SpecError('flow.%d.%s' % (i, k), 'no node %r (nodes: %s)'
                                % (n, ', '.join(nodes)))
        exp.workloads.append(w)

    exp.events = []
    for i, e in enumerate(_entries(doc, 'event', file)):
        ev = validate(e, EVENT_KEYS, 'event.%d' % i)
        change = {k: ev[k] for k in ('loss', 'delay', 'jitter', 'rate')
                  if ev[k] is not None}
        if not change:
            raise SpecError('event.%d' % i, 'changes nothing (give loss, '
                            'delay, jitter or rate)')
        ev['change'] = change
        exp.events.append(ev)

    exp.measures = [_plugin('measure', MEASURE_COMMON, e, 'measure.%d' % i, exp)
                    for i, e in enumerate(_entries(doc, 'measure', file))]
    exp.metrics = []
    mnames = set()
    for i, e in enumerate(_entries(doc, 'metric', file)):
        m = _plugin('metric', METRIC_COMMON, e, 'metric.%d' % i, exp)
        m.name = m.item['name'] or m.item['kind']
        if m.name in RESERVED:
            raise SpecError('metric.%d.name' % i, '%r is taken by the measured '
                            'values (%s)' % (m.name, ', '.join(RESERVED)))
        if m.name in mnames:
            raise SpecError('metric.%d.name' % i, 'two metrics named %r' % m.name)
        mnames.add(m.name)
        exp.metrics.append(m)
    exp.plots = [_plugin('plot', PLOT_COMMON, e, 'plot.%d' % i, exp, 'timeseries')
                 for i, e in enumerate(_entries(doc, 'plot', file))]

    exp.topology.check()
    for p in exp.workloads + exp.measures + exp.metrics:
        p.check()
        exp.outputs.merge(p.outputs())
    for p in exp.plots:
        p.check()

    exp.verdicts = []
    for i, e in enumerate(_entries(doc, 'verdict', file)):
        v = validate(e, VERDICT_KEYS, 'verdict.%d' % i)
        key = 'verdict.%d' % i
        if v['min'] is None and v['max'] is None and v['below'] is None \
           and v['above'] is None:
            raise SpecError(key, 'judges nothing: give min, max, below or above')
        if not has_value(exp.outputs, v['metric']):
            raise SpecError(key + '.metric', 'nothing produces %r (values: %s)'
                            % (v['metric'], ', '.join(exp.outputs.values) or 'none'))
        for k in ('below', 'above'):
            o = v[k]
            if o is None:
                continue
            if isinstance(o, bool) or not isinstance(o, (str, int, float)):
                raise SpecError('%s.%s' % (key, k), 'a value name or a number')
            if isinstance(o, str) and not has_value(exp.outputs, o):
                raise SpecError('%s.%s' % (key, k), 'nothing produces %r' % o)
        exp.verdicts.append(v)
    if not exp.verdicts:
        raise SpecError('verdict', 'an experiment needs at least one [[verdict]]')

    from . import bench
    exp.bench = bench.validate_bench(doc.get('bench'), exp, list(params))
    exp.timeout = exp.meta['timeout'] or (exp.end_time() + 60)
    return exp


def _end_time(self):
    t = 0.0
    for w in self.workloads:
        t = max(t, w.end_time())
    for e in self.events:
        t = max(t, e['at'] + (e['duration'] or 0))
    return t


Experiment.end_time = _end_time


class ExperimentSet:
    """A file: its variants (one per combination of the [matrix] values
    and [variants]) and reps."""

    def __init__(self, file, name, variants, reps, raw):
        self.file = file
        self.name = name
        self.variants = variants    # [Experiment]
        self.reps = reps
        self.raw = raw              # resolved document, [matrix] included
        self.dims = [k for k, _ in dimensions(raw)]


def expand(doc, file):
    """[(params, doc)] for every combination of the [matrix] values and
    the [variants] (the dimensions in order, the last varying fastest);
    params: key path -> value, variants name -> label."""
    matrix = doc.get('matrix', {})
    variants = doc.get('variants', {})
    base = {k: v for k, v in doc.items() if k not in ('matrix', 'variants')}
    if not matrix and not variants:
        return [({}, base)]
    for k in matrix:
        if not isinstance(matrix[k], list) or not matrix[k]:
            raise SpecError('matrix.' + k, 'must be a non-empty list of values',
                            file)
    dims = dimensions(doc)
    out = []
    for combo in itertools.product(*(vals for _, vals in dims)):
        d = copy.deepcopy(base)
        params = {}
        for (k, _), v in zip(dims, combo):
            if k in matrix:
                set_path(d, k, v, file, 'matrix.' + k)
            else:
                for kp, x in _flatten(variants[k][v], quoted_leaf=True).items():
                    set_path(d, kp, copy.deepcopy(x), file,
                             'variants.%s.%s.%s' % (k, v, kp))
            params[k] = v
        out.append((params, d))
    return out


def load(path, sets=(), mode='static', quick=False, only=()):
    doc, origin = load_raw(path, sets, quick=quick, only=only)
    variants = [build(d, origin, params, mode) for params, d in expand(doc, origin)]
    reps = variants[0].meta['reps']
    return ExperimentSet(origin, variants[0].name, variants, reps, doc)


def load_many(paths, sets=(), mode='static', quick=False, only=()):
    """Load every file; refuse two experiments with the same name. An
    `only` key must be a dimension of at least one of them."""
    out = []
    seen = {}
    for k, _ in only:
        if not any(k in [d for d, _ in dimensions(load_raw(p)[0])]
                   for p in paths):
            raise SpecError(None, '--only %s: no file here sweeps it (not a '
                            '[matrix] key or [variants] name)' % k)
    for p in paths:
        s = load(p, sets, mode, quick, only)
        if s.name in seen:
            raise SpecError('experiment.name', 'name %r is also used by %s' %
                            (s.name, seen[s.name]), s.file)
        seen[s.name] = s.file
        out.append(s)
    return out


def resolved_json(s):
    """The resolved document of an ExperimentSet, for the VM."""
    # Key order kept: [variants] and [bench.columns] are in the file's order.
    return json.dumps({'file': s.file, 'doc': s.raw}, indent=1)


def fmt_params(params):
    return ', '.join('%s=%s' % (k, v) for k, v in params.items())


def describe_path(p):
    """One line for the terminal and the page."""
    f, r = p['forward'], p['reverse']
    bits = []
    if f['rate']:
        bits.append(units.fmt_rate(f['rate']))
    bits.append('RTT %s' % units.fmt_time(p['rtt']))
    if f['buffer_packets']:
        b = '%d-packet buffer' % f['buffer_packets']
        if f['buffer'][1] == 'bdp':
            b += ' (%g BDP)' % f['buffer'][0]
        bits.append(b)
    if f['loss']:
        bits.append('%g%% loss' % f['loss'])
    if f['jitter']:
        bits.append('jitter %s%s' % (units.fmt_time(f['jitter']),
                                     '' if f['reorder'] else ' (in order)'))
    if f['qdisc'] != 'tbf':
        bits.append(f['qdisc'])
    if r['rate'] or r['loss'] or r['jitter']:
        bits.append('reverse: %s' % ', '.join(
            x for x in (units.fmt_rate(r['rate']) if r['rate'] else '',
                        '%g%% loss' % r['loss'] if r['loss'] else '',
                        'jitter ' + units.fmt_time(r['jitter']) if r['jitter'] else '')
            if x))
    if p['mtu'] != 1500:
        bits.append('MTU %d' % p['mtu'])
    if p.get('sender_qdisc'):
        bits.append('%s on the sender' % p['sender_qdisc'])
    return ', '.join(bits)
