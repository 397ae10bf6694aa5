# SPDX-License-Identifier: GPL-2.0
"""state_sequence: did a flow's sockets on one node go through the
expected TCP states, in that order?

  [[metric]]
  kind = "state_sequence"
  name = "normal_client"
  table = "state.sender"          # from a sock_states measure
  flow = "normal"
  expect = ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT"]

A socket matches when the expected states appear in its timeline in
that order (other states may come between: a FIN_WAIT2 can last a few
microseconds, or none at all when the peer's FIN carried the ACK).

Values (NAME.):
  sockets     the flow's sockets on that node
  in_order    the share of them that went through every expected state
              in order (1 = all)
  matched     how many expected states the first socket went through in
              order (of len(expect))
  final       sockets whose last state seen was the last expected one
  final_s     the shortest time one of those stayed in it until the
              measurement stopped or the socket closed
  seen        the first socket's states, "SYN_SENT > ESTABLISHED > ..."
"""
from ..plugin import Metric, Outputs, has_table
from ..registry import register
from ..schema import Field

VALUES = ('sockets', 'in_order', 'matched', 'final', 'final_s', 'seen')


def matched(seq, expect):
    """How many of `expect`, in order, occur as a subsequence of seq."""
    i = 0
    for s in seq:
        if i < len(expect) and s == expect[i]:
            i += 1
    return i


def timelines(table, flow):
    """{socket: [(t, state, source)]} of one flow's rows."""
    out = {}
    for r in table.dicts():
        if r['flow'] != flow:
            continue
        out.setdefault(r['socket'], []).append((r['t'], r['state'],
                                                r['source']))
    for v in out.values():
        v.sort(key=lambda x: x[0])
    return out


@register('metric', 'state_sequence')
class StateSequence(Metric):
    DOC = ('whether a flow\'s sockets on one node went through the expected '
           'TCP states in order')
    PRODUCES = 'values NAME.' + ', NAME.'.join(VALUES)
    KEYS = {
        'table': Field('str', 'a sock_states table, state.NODE',
                       required=True),
        'flow': Field('str', 'the flow whose sockets are judged',
                      required=True),
        'expect': Field('strlist', 'TCP states, in the order expected',
                        required=True),
    }

    def check(self):
        if not has_table(self.exp.outputs, self.item['table']):
            self.fail('table', 'nothing produces table %r (add a sock_states '
                      'measure)' % self.item['table'])
        if self.item['flow'] not in {w.name for w in self.exp.workloads}:
            self.fail('flow', 'no flow named %r' % self.item['flow'])
        if not self.item['expect']:
            self.fail('expect', 'empty')

    def outputs(self):
        return Outputs(values=['%s.%s' % (self.name, v) for v in VALUES])

    def compute(self, data):
        n = self.name
        t = data.tables.get(self.item['table'])
        if t is None:
            data.note('%s: no table %s' % (n, self.item['table']))
            return
        exp = self.item['expect']
        tls = timelines(t, self.item['flow'])
        data.add_value(n + '.sockets', len(tls))
        if not tls:
            data.note('%s: no socket of flow %s in %s' % (
                n, self.item['flow'], self.item['table']))
            return
        ok = 0
        final = []
        first = None
        for sock in sorted(tls, key=lambda s: tls[s][0][0]):
            tl = tls[sock]
            seq = [st for _, st, src in tl if src != 'end']
            if first is None:
                first = seq
            if matched(seq, exp) == len(exp):
                ok += 1
            if seq and seq[-1] == exp[-1]:
                final.append(tl[-1][0] - tl[len(seq) - 1][0])
        data.add_value(n + '.in_order', round(ok / len(tls), 4))
        data.add_value(n + '.matched', matched(first, exp))
        data.add_value(n + '.final', len(final))
        if final:
            data.add_value(n + '.final_s', round(min(final), 3))
        data.add_value(n + '.seen', ' > '.join(first))
