# SPDX-License-Identifier: GPL-2.0
"""Counter deltas over the run, read in one node's namespace before the
workloads start and after they end.

  [[measure]]
  kind = "nstat"                 # /proc/net/snmp + /proc/net/netstat,
  node = "sender"                # named as nstat names them (TcpRetransSegs,
  counters = ["TcpExtTCPTimeouts"]   # TcpExtTCPTimeouts...); default: all

  [[measure]]
  kind = "lab_counters"          # /proc/net/tcp_lab (needs the module)
  node = "sender"

Values: nstat.NODE.NAME and lab.NODE.NAME (the delta; the gauges of
/proc/net/tcp_lab, tw_count and tw_recycle_peers, are their final value).
Only counters that moved are kept when no list is given.
"""
from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from ._proc import parse_lab

LAB_GAUGES = ('tw_count', 'tw_recycle_peers')


def parse_snmp(text):
    """nstat-style names -> values from /proc/net/snmp or netstat text."""
    out = {}
    lines = text.splitlines()
    for a, b in zip(lines[::2], lines[1::2]):
        ka, _, names = a.partition(':')
        kb, _, vals = b.partition(':')
        if ka != kb:
            continue
        for n, v in zip(names.split(), vals.split()):
            try:
                out[ka + n] = int(v)
            except ValueError:
                pass
    return out


class _Delta(Measure):
    KEYS = {
        'node': Field('str', 'the namespace read', required=True),
        'counters': Field('strlist', 'only these (default: all that moved)'),
    }
    PREFIX = None

    def check(self):
        if self.item['node'] not in self.exp.topology.nodes():
            self.fail('node', 'no node %r (nodes: %s)' % (
                self.item['node'], ', '.join(self.exp.topology.nodes())))

    def outputs(self):
        base = '%s.%s.' % (self.PREFIX, self.item['node'])
        if self.item['counters']:
            return Outputs(values=[base + c for c in self.item['counters']])
        return Outputs(values=[base + '*'])

    def read(self, ctx):
        raise NotImplementedError

    def start(self, ctx):
        self.before = self.read(ctx)

    def stop(self, ctx):
        self.after = self.read(ctx)

    def collect(self, ctx):
        base = '%s.%s.' % (self.PREFIX, self.item['node'])
        want = self.item['counters']
        for k in sorted(self.after):
            if want is not None and k not in want:
                continue
            d = self.after[k] if k in LAB_GAUGES and self.PREFIX == 'lab' \
                else self.after[k] - self.before.get(k, 0)
            if want is None and d == 0:
                continue
            ctx.data.add_value(base + k, d)
        for k in want or ():
            if k not in self.after:
                ctx.data.note('%s: no counter %s on this kernel' %
                              (self.kind, k))


@register('measure', 'nstat')
class Nstat(_Delta):
    DOC = 'deltas of the namespace\'s SNMP/netstat counters (nstat names)'
    PRODUCES = 'values nstat.NODE.COUNTER (e.g. TcpExtTCPTimeouts)'
    PREFIX = 'nstat'

    def read(self, ctx):
        n = self.item['node']
        return {**parse_snmp(ctx.net.read(n, '/proc/net/snmp')),
                **parse_snmp(ctx.net.read(n, '/proc/net/netstat'))}


@register('measure', 'lab_counters')
class LabCounters(_Delta):
    DOC = 'deltas of the namespace\'s /proc/net/tcp_lab counters (module)'
    PRODUCES = 'values lab.NODE.COUNTER'
    PREFIX = 'lab'

    def read(self, ctx):
        return parse_lab(ctx.net.read(self.item['node'], '/proc/net/tcp_lab'))

    def start(self, ctx):
        if not ctx.module_loaded:
            raise RuntimeError('/proc/net/tcp_lab: the tcp_lab module is not '
                               'loaded')
        super().start(ctx)
