# SPDX-License-Identifier: GPL-2.0
"""rto_backoff: the retransmission timeout of one connection whose path
went black, from a capture on the sender's node and the sender's TCP_INFO.

  [[metric]]
  kind = "rto_backoff"
  name = "rto"
  flow = "app"           # a conn flow whose client sends
  capture = "sender"     # default: the flow's client node

The first segment sent again is the head of what was lost; its
retransmissions are the timeouts. The timer it waited for was armed when
that segment was first sent, or restarted by the last ACK of new data
after that (RFC 6298, 5.3): the first gap is measured from the later of
the two, each next one from the retransmission before.

Values (NAME.): count (retransmissions of the head), first_ms (the first
gap), armed_ms (tcpi_rto of the last sample before the timeout fired:
the timer the kernel armed), srtt_ms, rttvar_ms (tcpi_rtt, tcpi_rttvar
then), var_term_ms, formula_ms (srtt + the variance term: Linux's RTO,
see below), first_over_armed, first_over_formula, armed_over_formula (the
kernel's RTO against the formula), ratio_min, ratio_max, ratio_median (each gap over the
one before: 2 for exponential backoff), backoff_max (TCP_INFO's
icsk_backoff), last_gap_ms, tcpi_ratio_min, tcpi_ratio_max (the ratios
of the RTO TCP_INFO shows after each timeout, consecutive timeouts only:
the kernel's own doubling, before the timer wheel rounds the expiry up,
by up to an eighth for timers of 256 ms and more at HZ=250).
The variance term is RFC 6298's 4 x RTTVAR with Linux's two changes: a
200 ms floor (TCP_RTO_MIN) on the term, not on the whole RTO, and a slow
fall: each round trip raises the term at once to max(4 x rttvar, 200 ms)
if that is larger, and otherwise lets it fall only a quarter of the way
to it (tcp_rtt_estimator's mdev_max_us / rttvar_us). It is replayed here
from the TCP_INFO samples: one step per sample in which bytes_acked
moved (one round trip each, as long as one segment is in flight at a
time: the conn workload's small paced writes). On a path whose RTT the
estimator is still learning, 4 x tcpi_rttvar alone is below the RTO.

Tables NAME.timeouts (t, gap_s: the gap ending at each retransmission,
doubling_s: the first gap doubled k times) and NAME.rto (t, rto_s: the
TCP_INFO RTO). Marks NAME: the retransmissions, the wait.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from . import _pkt

VALUES = ('count', 'first_ms', 'armed_ms', 'srtt_ms', 'rttvar_ms',
          'var_term_ms', 'formula_ms', 'first_over_armed',
          'first_over_formula', 'armed_over_formula', 'ratio_min',
          'ratio_max', 'ratio_median', 'backoff_max', 'last_gap_ms',
          'tcpi_ratio_min', 'tcpi_ratio_max')
RTO_MIN_MS = 200.0


@register('metric', 'rto_backoff')
class RtoBackoff(Metric):
    DOC = 'retransmission timeouts of a black-holed connection: the first ' \
          'against srtt + max(4 rttvar, 200 ms) (the term replayed as ' \
          'Linux lets it fall), then the backoff ratios'
    PRODUCES = 'values NAME.count, .first_ms, .formula_ms, ' \
               '.armed_over_formula, ' \
               '.first_over_formula, .ratio_min, .ratio_max, ...; tables ' \
               'NAME.timeouts, NAME.rto; marks NAME'
    KEYS = _pkt.flow_capture_keys('the conn flow (its client sends)', 'sender')

    def check(self):
        _pkt.check_flow_capture(self)

    def outputs(self):
        n = self.name
        return Outputs(values=[n + '.' + v for v in VALUES],
                       tables={n + '.timeouts': ['t', 'gap_s', 'doubling_s'],
                               n + '.rto': ['t', 'rto_s', 'backoff']},
                       marks=[n])

    def compute(self, data):
        n, f = self.name, self.item['flow']
        info = data.tables.get('flow.' + f)
        rows = [r for r in info.dicts() if r['state'] == 1] if info else []
        if rows:
            data.add_table(n + '.rto', ['t', 'rto_s', 'backoff'],
                           [[r['t'], r['rto_ms'] / 1000, r['backoff']]
                            for r in rows])
            data.add_value(n + '.backoff_max', max(r['backoff'] for r in rows))
            # The RTO the kernel holds after each timeout: exact doubling
            # in its own arithmetic, before the timer wheel's rounding.
            steps = []
            for r in rows:
                if r['backoff'] and (not steps or r['backoff'] != steps[-1][0]):
                    steps.append((r['backoff'], r['rto_ms']))
            base = [r for r in rows if not r['backoff']]
            if steps and base and steps[0][0] == 1:
                seq = [base[-1]['rto_ms']] + [x for _, x in steps]
                ratios = [b / a for a, b in zip(seq, seq[1:]) if a]
                if ratios:
                    data.add_value(n + '.tcpi_ratio_min', round(min(ratios), 4))
                    data.add_value(n + '.tcpi_ratio_max', round(max(ratios), 4))
        pkts = _pkt.packets(data, self.node, f)
        port = _pkt.server_port(pkts)
        if port is None:
            return
        c2s, s2c = _pkt.split(pkts, port)
        isn = c2s[0]['seq']
        snd_max = 1
        first_sent = {}          # relative seq -> first transmission time
        head = None
        rtx = []
        for p in c2s:
            if not p['len']:
                continue
            s = _pkt.rel(p['seq'], isn)
            end = s + p['len']
            if end <= snd_max:              # nothing new in it: sent again
                if head is None:
                    head = s
                if s == head:
                    rtx.append(p['t'])
            else:
                first_sent.setdefault(s, p['t'])
                snd_max = end
        data.add_value(n + '.count', len(rtx))
        if head is None:
            return
        orig = max((t for s, t in first_sent.items() if s <= head), default=None)
        # The last ACK that moved snd_una before the first timeout.
        last_ack, una = None, None
        for p in s2c:
            if p['t'] >= rtx[0]:
                break
            a = _pkt.rel(p['ack'], isn)
            if 'A' in p['flags'] and (una is None or a > una):
                una, last_ack = a, p['t']
        start = max(x for x in (orig, last_ack) if x is not None)
        times = [start] + rtx
        gaps = [b - a for a, b in zip(times, times[1:])]
        first = gaps[0]
        data.add_value(n + '.first_ms', round(first * 1000, 3))
        data.add_value(n + '.last_gap_ms', round(gaps[-1] * 1000, 3))
        data.add_mark(n, start, 'waiting for an ACK', t1=rtx[-1], style='rto')
        for i, t in enumerate(rtx):
            data.add_mark(n, t, 'rtx %d' % (i + 1))
        data.add_table(n + '.timeouts', ['t', 'gap_s', 'doubling_s'],
                       [[round(t, 6), round(g, 6), round(first * 2 ** i, 6)]
                        for i, (t, g) in enumerate(zip(rtx, gaps))])
        ratios = [b / a for a, b in zip(gaps, gaps[1:]) if a > 0]
        if ratios:
            data.add_value(n + '.ratio_min', round(min(ratios), 4))
            data.add_value(n + '.ratio_max', round(max(ratios), 4))
            data.add_value(n + '.ratio_median', round(_pkt.median(ratios), 4))
        # The timer as armed: TCP_INFO before the first timeout fired.
        before = [r for r in rows if r['t'] < rtx[0] and not r['backoff']]
        if before:
            b = before[-1]
            data.add_value(n + '.armed_ms', b['rto_ms'])
            data.add_value(n + '.srtt_ms', b['rtt_ms'])
            data.add_value(n + '.rttvar_ms', b['rttvar_ms'])
            term = var_term(before)
            formula = b['rtt_ms'] + term
            data.add_value(n + '.var_term_ms', round(term, 3))
            data.add_value(n + '.formula_ms', round(formula, 3))
            data.add_value(n + '.first_over_formula',
                           round(first * 1000 / formula, 4))
            if b['rto_ms']:
                data.add_value(n + '.first_over_armed',
                               round(first * 1000 / b['rto_ms'], 4))
                data.add_value(n + '.armed_over_formula',
                               round(b['rto_ms'] / formula, 4))


def var_term(rows):
    """The RTO's variance term (ms) after the TCP_INFO samples rows,
    replaying Linux's estimator: per round trip (a sample where
    bytes_acked moved), up at once to max(4 x rttvar, TCP_RTO_MIN), or
    down a quarter of the way there."""
    term, acked = None, None
    for r in rows:
        m = max(4 * r['rttvar_ms'], RTO_MIN_MS)
        if term is None:
            term = m
        elif r['bytes_acked'] != acked:
            term = m if m > term else term - (term - m) / 4
        acked = r['bytes_acked']
    return term
