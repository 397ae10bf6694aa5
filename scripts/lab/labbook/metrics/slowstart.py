# SPDX-License-Identifier: GPL-2.0
"""slowstart: how one flow's initial slow start ended.

  [[metric]]
  kind = "slowstart"
  name = "plain"
  flow = "plain"

Read from the flow's TCP_INFO samples (flow.FLOW), and from its trace
(trace.FLOW, if measured) for the exact exit point and lab_cc's HyStart++
events. Values (NAME.):
  exit_s        time from the flow's start until ssthresh was first set
  exit_cwnd     cwnd when slow start ended (before any reduction)
  by_loss       1 if a loss ended it, 0 if the algorithm did (HyStart)
  losses        segments retransmitted by the end of the recovery that
                ended it (0 when no loss ended it)
  queue_ms      smoothed RTT above the minimum when it ended: the queue
                slow start had built
Marks NAME: the exit, and lab_cc's CSS rounds (HyStart++) as a span.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field
from . import _cwnd

VALUES = ('exit_s', 'exit_cwnd', 'by_loss', 'losses', 'queue_ms')


@register('metric', 'slowstart')
class SlowStart(Metric):
    DOC = 'where and why the initial slow start ended, and what it cost'
    PRODUCES = 'values NAME.' + ', NAME.'.join(VALUES) + '; marks NAME'
    KEYS = {'flow': Field('str', 'the flow analysed', required=True)}

    def check(self):
        flows = {w.name: w for w in self.exp.workloads}
        if self.item['flow'] not in flows or flows[self.item['flow']].kind != 'bulk':
            self.fail('flow', 'no bulk flow named %r' % self.item['flow'])

    def outputs(self):
        return Outputs(values=['%s.%s' % (self.name, v) for v in VALUES],
                       marks=[self.name])

    def compute(self, data):
        f = self.item['flow']
        n = self.name
        info = data.tables.get('flow.' + f)
        if info is None or not len(info):
            data.note('%s: no TCP_INFO samples of flow %s' % (n, f))
            return
        start = data.values.get('flow.%s.start_s' % f) or 0.0
        rows = info.dicts()
        exit_row = next((r for r in rows if r['ssthresh']), None)
        if exit_row is None:
            data.note('%s: slow start never ended' % n)
            return
        exit_t = exit_row['t']
        exit_cwnd = None
        by_loss = None
        tr = _cwnd.series(data, 'trace.' + f) if 'trace.' + f in data.tables else None
        if tr:
            reds = _cwnd.reductions(tr)
            if reds:
                exit_t = reds[0].t
                exit_cwnd = reds[0].cwnd_before
                by_loss = 0 if reds[0].kind == 'exit' else 1
            # lab_cc: HyStart++'s conservative slow start, when it ran.
            t = data.tables['trace.' + f]
            if t.has('event'):
                css = [r['t'] for r in t.dicts() if r['event'] == 'css_enter']
                ex = [r['t'] for r in t.dicts() if r['event'] == 'ss_exit']
                if css:
                    data.add_mark(n, css[0], 'HyStart++: RTT rose, conservative '
                                  'slow start', ex[0] if ex else css[0] + 0.01, 'css')
        if by_loss is None:
            by_loss = 1 if exit_row['ca_state'] in (1, 2, 3, 4) or \
                exit_row['retrans'] else 0
        losses = 0
        if by_loss:
            # Retransmitted by the end of the recovery that ended slow
            # start: from the exit, into Recovery/Loss and back to Open.
            after = [r for r in rows if r['t'] >= exit_t - 0.1]
            k = next((i for i, r in enumerate(after) if r['ca_state'] >= 2), None)
            if k is not None:
                done = next((r for r in after[k:] if r['ca_state'] == 0), after[-1])
                losses = done['retrans']
            elif after:
                losses = after[-1]['retrans']
        if exit_cwnd is None:
            prev = [r for r in rows if r['t'] < exit_row['t']]
            exit_cwnd = prev[-1]['cwnd'] if prev else exit_row['cwnd']
        rtts = [r['rtt_ms'] for r in rows if r['rtt_ms']]
        before = [r for r in rows if r['t'] <= exit_t]
        q = (before[-1]['rtt_ms'] - min(rtts)) if before and rtts else None
        data.add_value(n + '.exit_s', round(exit_t - start, 4))
        data.add_value(n + '.exit_cwnd', exit_cwnd)
        data.add_value(n + '.by_loss', by_loss)
        data.add_value(n + '.losses', losses)
        data.add_value(n + '.queue_ms', q)
        data.add_mark(n, exit_t, 'slow start ends at cwnd %d (%s)' % (
            exit_cwnd, 'loss: %d retransmitted' % losses if by_loss else
            'no loss: delay signal'))
