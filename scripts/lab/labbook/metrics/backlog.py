# SPDX-License-Identifier: GPL-2.0
"""accept_pause: what became of the connections made while a server was
not calling accept().

  [[metric]]
  kind = "accept_pause"
  name = "pause"
  flow = "legit"          # a connect flow
  listener = "srv"        # the listener flow it talks to, with a pause

Of the connections started while the listener was not accepting:
NAME.attempts (how many), NAME.connected (how many completed their
handshake before accept() resumed: the ones the accept queue took),
NAME.replied (how many got their echo before it resumed: none can, no one
reads them), NAME.retried (how many needed their SYN sent again: it was
dropped), NAME.done_after_pct (the share, in percent, whose echo came
after accept() resumed), NAME.wait_after_s (the longest any of them still
waited once it had resumed). Marks NAME: the pause as a span.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field

VALUES = ('attempts', 'connected', 'replied', 'retried', 'done_after_pct',
          'wait_after_s')


@register('metric', 'accept_pause')
class AcceptPause(Metric):
    DOC = ('connections made while the server was not calling accept(): '
           'which waited in the accept queue, which were dropped, when they '
           'completed')
    PRODUCES = ('values NAME.attempts, .connected, .replied, .retried, '
                '.done_after_pct, .wait_after_s; marks NAME')
    KEYS = {
        'flow': Field('str', 'the connect flow', required=True),
        'listener': Field('str', 'the listener flow (with a pause)',
                          required=True),
    }

    def check(self):
        flows = {w.name: w for w in self.exp.workloads}
        f, lis = flows.get(self.item['flow']), flows.get(self.item['listener'])
        if f is None or f.kind != 'connect':
            self.fail('flow', 'no connect flow named %r' % self.item['flow'])
        if lis is None or lis.kind != 'listener':
            self.fail('listener', 'no listener flow named %r' %
                      self.item['listener'])
        if not lis.pause:
            self.fail('listener', 'flow %s never stops accepting (pause)' %
                      lis.name)
        self.window = (lis.pause[0], lis.pause[1] if len(lis.pause) > 1
                       else float('inf'))

    def outputs(self):
        return Outputs(values=['%s.%s' % (self.name, k) for k in VALUES],
                       marks=[self.name])

    def compute(self, data):
        a, b = self.window
        t = data.tables.get('flow.' + self.item['flow'])
        if t is None:
            data.note('%s: no table flow.%s' % (self.name, self.item['flow']))
            return
        if b != float('inf'):
            data.add_mark(self.name, a, 'accept() not called', t1=b, style='rto')
        else:
            data.add_mark(self.name, a, 'accept() stops')
        rows = [r for r in t.dicts() if a <= r['t'] < b]
        n = self.name
        data.add_value(n + '.attempts', len(rows))
        if not rows:
            return

        def at(r, col):
            return None if r[col] is None else r['t'] + r[col] / 1000.0

        data.add_value(n + '.connected', sum(
            1 for r in rows if at(r, 'connect_ms') is not None and
            at(r, 'connect_ms') < b))
        data.add_value(n + '.replied', sum(
            1 for r in rows if at(r, 'reply_ms') is not None and
            at(r, 'reply_ms') < b))
        data.add_value(n + '.retried', sum(1 for r in rows if r['syn_retrans']))
        after = [r for r in rows if at(r, 'reply_ms') is not None and
                 at(r, 'reply_ms') >= b]
        data.add_value(n + '.done_after_pct', round(100.0 * len(after) /
                                                    len(rows), 2))
        if after and b != float('inf'):
            data.add_value(n + '.wait_after_s', round(
                max(at(r, 'reply_ms') for r in after) - b, 3))
