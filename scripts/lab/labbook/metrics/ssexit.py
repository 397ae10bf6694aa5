# SPDX-License-Identifier: GPL-2.0
"""ss_exit: why and at what cwnd one flow's initial slow start ended, for
lab_cubic (its per-namespace counters cubic_ss_exit_*) and for the
kernel's cubic (nstat's TcpExtTCPHystartTrainDetect and
TcpExtTCPHystartDelayDetect) alike.

  [[measure]]
  kind = "lab_counters"
  node = "sender"
  counters = ["cubic_ss_exit_loss", "cubic_ss_exit_rto", ...]
  [[measure]]
  kind = "nstat"
  node = "sender"
  counters = ["TcpExtTCPHystartTrainDetect", "TcpExtTCPHystartDelayDetect"]
  [[metric]]
  kind = "ss_exit"
  name = "ssx"
  flow = "f"
  node = "sender"              # whose counters (default: the flow's sender)

Give the flow its own namespace (one flow per run): the counters are the
namespace's. Reason: the lab counter that moved (loss, rto, ack_train,
delay, css, ssthresh), else the kernel's HyStart counter that moved
(ack_train, delay), else, if ssthresh was set, a loss (rto when the
sample that first shows it is in the Loss state), else none.

Exit cwnd: a HyStart exit (ack_train, delay, css, ssthresh) sets
ssthresh to the cwnd it stops at, so the first ssthresh the TCP_INFO
samples show is that cwnd exactly; when the exit comes after the last
sample (a short flow), that sample's cwnd. A loss sets ssthresh to cwnd x beta
(both cubics: 717/1024), so the cwnd it found is ssthresh x 1024 / 717.

Values NAME.reason (text), NAME.exit_cwnd, NAME.exit_s (from the flow's
start), NAME.by_loss, .by_rto, .by_ack_train, .by_delay, .by_css,
.by_ssthresh (1 for the reason, 0 for the others: their means over
repetitions are shares).
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field

REASONS = ('loss', 'rto', 'ack_train', 'delay', 'css', 'ssthresh')
KERNEL = {'TcpExtTCPHystartTrainDetect': 'ack_train',
          'TcpExtTCPHystartDelayDetect': 'delay'}
BETA = 717 / 1024


@register('metric', 'ss_exit')
class SsExit(Metric):
    DOC = ('why and at what cwnd a flow\'s initial slow start ended (lab '
           'counters or the kernel\'s HyStart counters, TCP_INFO)')
    PRODUCES = ('values NAME.reason, NAME.exit_cwnd, NAME.exit_s, '
                'NAME.by_REASON (loss, rto, ack_train, delay, css, ssthresh)')
    KEYS = {
        'flow': Field('str', 'the bulk flow analysed', required=True),
        'node': Field('str', 'whose counters (default: the flow\'s sender)'),
    }

    def check(self):
        flows = {w.name: w for w in self.exp.workloads}
        w = flows.get(self.item['flow'])
        if w is None or w.kind != 'bulk':
            self.fail('flow', 'no bulk flow named %r' % self.item['flow'])
        self.node = self.item['node'] or w.src
        if self.node not in self.exp.topology.nodes():
            self.fail('node', 'no node %r' % self.node)

    def outputs(self):
        n = self.name
        return Outputs(values=['%s.%s' % (n, v) for v in
                               ('reason', 'exit_cwnd', 'exit_s')] +
                       ['%s.by_%s' % (n, r) for r in REASONS])

    def compute(self, data):
        n, f, node = self.name, self.item['flow'], self.node
        reason = None
        for r in REASONS:
            if (data.values.get('lab.%s.cubic_ss_exit_%s' % (node, r)) or 0) > 0:
                reason = r
                break
        if reason is None:
            for c, r in KERNEL.items():
                if (data.values.get('nstat.%s.%s' % (node, c)) or 0) > 0:
                    reason = r
                    break
        t = data.tables.get('flow.' + f)
        rows = t.dicts() if t is not None else []
        first = next((r for r in rows if r['ssthresh']), None)
        if reason is None:
            if first is None:
                reason = 'none'
            else:
                reason = 'rto' if first['ca_state'] == 4 else 'loss'
        data.add_value(n + '.reason', reason)
        for r in REASONS:
            data.add_value('%s.by_%s' % (n, r), 1 if r == reason else 0)
        if first is None:
            if reason in ('loss', 'rto', 'none') or not rows:
                return
            # The exit came with the flow's last ACKs, after its last
            # TCP_INFO sample (a short flow leaving CSS): that sample's
            # cwnd, which CSS grows by a quarter of slow start's pace.
            first = dict(rows[-1], ssthresh=rows[-1]['cwnd'])
            data.note('%s: slow start ended (%s) after the last TCP_INFO '
                      'sample; exit cwnd is that sample\'s cwnd' % (n, reason))
        start = data.values.get('flow.%s.start_s' % f) or 0.0
        data.add_value(n + '.exit_s', round(first['t'] - start, 4))
        if reason in ('loss', 'rto'):
            data.add_value(n + '.exit_cwnd', round(first['ssthresh'] / BETA))
        else:
            data.add_value(n + '.exit_cwnd', first['ssthresh'])
