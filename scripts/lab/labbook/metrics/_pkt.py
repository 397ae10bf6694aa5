# SPDX-License-Identifier: GPL-2.0
"""Helpers for the analyzers that read a capture (measures/capture.py's
pkt.NODE table) and a conn flow's TCP_INFO table."""
from ..plugin import has_table
from ..schema import Field

MOD = 1 << 32


def check_flow(metric, kinds=('conn',)):
    """The metric's `flow` names a flow of one of `kinds`; -> the flow."""
    flows = {w.name: w for w in metric.exp.workloads}
    w = flows.get(metric.item['flow'])
    if w is None:
        metric.fail('flow', 'no flow named %r (flows: %s)' %
                    (metric.item['flow'], ', '.join(sorted(flows)) or 'none'))
    if w.kind not in kinds:
        metric.fail('flow', 'flow %r is a %s flow; this analyzer reads a %s '
                    'flow\'s tables' % (w.name, w.kind, ' or '.join(kinds)))
    return w


def check_capture(metric, key, node):
    """A [[measure]] kind = "capture" on `node` must exist."""
    if not has_table(metric.exp.outputs, 'pkt.' + node):
        metric.fail(key, 'no capture on %r: add a [[measure]] kind = '
                    '"capture", node = "%s"' % (node, node))


def flow_capture_keys(flow_doc, side):
    """KEYS of a metric on one conn flow and one capture on `side`'s node."""
    return {
        'flow': Field('str', flow_doc, required=True),
        'capture': Field('str', 'node of the capture on the %s\'s side '
                         '(default: the flow\'s client node)' % side),
    }


def check_flow_capture(metric):
    """check() for flow_capture_keys(): the flow, and metric.node (the
    `capture` key, default the flow's client node) has a capture."""
    w = check_flow(metric)
    metric.node = metric.item['capture'] or w.src
    check_capture(metric, 'capture', metric.node)
    return w


def packets(data, node, flow):
    """The flow's rows of pkt.NODE as dicts, in time order ([] if none)."""
    t = data.tables.get('pkt.' + node)
    if t is None:
        return []
    rows = [r for r in t.dicts() if r['flow'] == flow and r['t'] is not None]
    rows.sort(key=lambda r: r['t'])
    return rows


def server_port(pkts):
    """The port the client connected to: its SYN's destination port."""
    for p in pkts:
        if p['proto'] == 'tcp' and p['flags'] and 'S' in p['flags'] and \
           'A' not in p['flags']:
            return p['dport']
    return None


def split(pkts, port):
    """(client -> server, server -> client) TCP segments; an ICMP error
    is about the client's packet when its inner destination is `port`."""
    c2s, s2c = [], []
    for p in pkts:
        if p['proto'] != 'tcp':
            continue
        if p['dport'] == port:
            c2s.append(p)
        elif p['sport'] == port:
            s2c.append(p)
    return c2s, s2c


def seq_space(p):
    """Sequence numbers a segment occupies (SYN and FIN count one)."""
    f = p['flags'] or ''
    return (p['len'] or 0) + ('S' in f) + ('F' in f)


def rel(x, base):
    return (x - base) % MOD


def is_pure_ack(p):
    f = p['flags'] or ''
    return not p['len'] and not any(c in f for c in 'SFR')


def sample_before(rows, t):
    """The last row of a TCP_INFO table (dicts) taken at or before t."""
    best = None
    for r in rows:
        if r['t'] is not None and r['t'] <= t:
            best = r
    return best


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
