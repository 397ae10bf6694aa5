# SPDX-License-Identifier: GPL-2.0
"""reno_phases: Reno's phases read off one flow's cwnd series.

  [[metric]]
  kind = "reno_phases"
  name = "reno"
  flow = "reno"
  series = "trace.reno"     # default trace.FLOW; or flow.FLOW (TCP_INFO)

Values (NAME.):
  ss_growth      median cwnd(t + srtt) / cwnd(t) in the initial slow start
  ca_growth      median cwnd(t + srtt) - cwnd(t) in congestion avoidance
                 (segments per RTT)
  fr_count       fast recoveries (ssthresh lowered, cwnd never below 3)
  fr_beta        median ssthresh / cwnd before, over fast recoveries
  fr_floor       median lowest cwnd in a fast recovery / cwnd before it
  rto_count      timeouts (ssthresh lowered and cwnd down to 1-2)
  rto_cwnd       lowest cwnd after the timeout (of those seen, the one
                 followed by the longest slow start)
  rto_beta       ssthresh / cwnd before, at that timeout
  rto_ss_growth  growth per RTT in the slow start after it (none when a
                 stretch ACK took cwnd to ssthresh at once: an ACK for
                 segments the receiver held grows cwnd by all of them)
  rto_ss_rtts    round trips (smoothed RTT) from cwnd's low after the
                 timeout back up to ssthresh: about log2(ssthresh) in slow
                 start, ssthresh of them in avoidance
  rto_ss_exit_ratio  cwnd where that slow start ended / the ssthresh it
                 ran to (1 = it stopped at ssthresh)
  regain_s       median time from a fast recovery's start until cwnd is
                 back at 95 % of where it was before
Marks NAME: the phases as spans (from the flow's TCP_INFO ca_state when
it has one: Recovery, Loss, else slow start or avoidance by cwnd against
ssthresh), each loss response as a line.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field
from . import _cwnd

VALUES = ('ss_growth', 'ca_growth', 'fr_count', 'fr_beta', 'fr_floor',
          'rto_count', 'rto_cwnd', 'rto_beta', 'rto_ss_growth', 'rto_ss_rtts',
          'rto_ss_exit_ratio', 'regain_s')


def flow_series_check(metric):
    flows = {w.name for w in metric.exp.workloads}
    if metric.item['flow'] not in flows:
        metric.fail('flow', 'no flow named %r (flows: %s)' %
                    (metric.item['flow'], ', '.join(sorted(flows))))
    metric.series = metric.item['series'] or 'trace.' + metric.item['flow']
    from ..plugin import has_table
    if not has_table(metric.exp.outputs, metric.series):
        metric.fail('series', 'nothing produces the table %r (add a [[measure]] '
                    'kind = "cwnd" for the flow, or use flow.%s)' %
                    (metric.series, metric.item['flow']))


def state_spans(data, name, flow, s):
    """Phase spans from the sender's own TCP_INFO (ca_state every 50 ms):
    Recovery, Loss (after a timeout), and in Open/Disorder slow start or
    avoidance by cwnd against ssthresh. None without the table."""
    t = data.tables.get('flow.' + flow)
    if t is None or not len(t) or not t.has('ca_state'):
        return False
    rows = [(r['t'], r['ca_state'], r['cwnd'], r['ssthresh']) for r in t.dicts()
            if r['t'] is not None and r['ca_state'] is not None]
    if not rows:
        return False

    def phase(ca, cwnd, ss):
        if ca == 3:
            return ('fast recovery', 'fr')
        if ca == 4:
            return ('timeout: loss recovery', 'rto')
        if ss == 0 or cwnd < ss:
            return ('slow start', 'ss')
        return ('avoidance', 'ca')
    cur, start = None, None
    for tt, ca, cw, ss in rows:
        p = phase(ca, cw, ss)
        if p != cur:
            if cur:
                data.add_mark(name, start, cur[0], tt, cur[1])
            cur, start = p, tt
    data.add_mark(name, start, cur[0], rows[-1][0], cur[1])
    return True


def mark_phases(data, name, s, reds, flow=None):
    """Spans for slow start, recoveries, timeouts and avoidance (from
    TCP_INFO's ca_state when the flow has it, else from the series), and
    a line at each loss response."""
    for r in reds:
        if r.kind == 'timeout':
            data.add_mark(name, r.t, 'timeout')
        elif r.kind == 'exit':
            data.add_mark(name, r.t, 'slow start ends (delay)')
        else:
            data.add_mark(name, r.t, 'loss: fast retransmit')
    if flow and state_spans(data, name, flow, s):
        return
    first = reds[0].i if reds else len(s)
    data.add_mark(name, s[0][0], 'slow start', s[first - 1][0], 'ss')
    for k, r in enumerate(reds):
        end = r.t_end if r.t_end is not None else (r.next_t or s[-1][0])
        if r.kind == 'timeout':
            data.add_mark(name, r.t, 'timeout: cwnd 1, slow start to '
                          'ssthresh %d' % r.ssthresh, end, 'rto')
        elif r.kind != 'exit':
            data.add_mark(name, r.t, 'fast recovery', end, 'fr')
        nxt = reds[k + 1].t if k + 1 < len(reds) else s[-1][0]
        if r.t_end is not None and nxt > r.t_end:
            data.add_mark(name, r.t_end, 'avoidance', nxt, 'ca')


@register('metric', 'reno_phases')
class RenoPhases(Metric):
    DOC = 'slow start, avoidance, fast recovery and timeouts of one flow'
    PRODUCES = ('values NAME.' + ', NAME.'.join(VALUES) + '; marks NAME')
    KEYS = {
        'flow': Field('str', 'the flow analysed', required=True),
        'series': Field('str', 'table to read (default trace.FLOW)'),
    }

    def check(self):
        flow_series_check(self)

    def outputs(self):
        return Outputs(values=['%s.%s' % (self.name, v) for v in VALUES],
                       marks=[self.name])

    def compute(self, data):
        s = _cwnd.series(data, self.series)
        if not s:
            data.note('%s: no samples in %s' % (self.name, self.series))
            return
        reds = _cwnd.reductions(s)
        n = self.name
        first = reds[0].i if reds else len(s)
        data.add_value(n + '.ss_growth', _cwnd.growth_per_rtt(s, 0, first))
        ca = [_cwnd.growth_per_rtt(s, lo, hi, ratio=False)
              for lo, hi in _cwnd.avoidance_runs(s, reds)]
        data.add_value(n + '.ca_growth', _cwnd.median(ca))
        fr = [r for r in reds if r.kind == 'fast']
        data.add_value(n + '.fr_count', len(fr))
        data.add_value(n + '.fr_beta', _cwnd.median(r.beta for r in fr))
        data.add_value(n + '.fr_floor', _cwnd.median(
            r.cwnd_min / r.cwnd_before for r in fr if r.cwnd_before))
        data.add_value(n + '.regain_s', _cwnd.median(_cwnd.regain(s, r) for r in fr))
        rto = [r for r in reds if r.kind == 'timeout']
        data.add_value(n + '.rto_count', len(rto))
        if rto:
            # The timeout whose slow start is the longest shows it best
            # (a stretch ACK can end another's at once).
            r = max(rto, key=lambda x: (x.end_i if x.end_i is not None
                                        else len(s)) - x.i)
            data.add_value(n + '.rto_cwnd', r.cwnd_min)
            data.add_value(n + '.rto_beta', r.beta)
            lo = r.i
            while lo < len(s) and s[lo][1] > (r.cwnd_min or 1):
                lo += 1
            hi = r.end_i if r.end_i is not None else len(s)
            data.add_value(n + '.rto_ss_growth',
                           _cwnd.growth_per_rtt(s, lo, hi, min_cwnd=2))
            if r.end_i is not None:
                data.add_value(n + '.rto_ss_exit_ratio', r.cwnd_end / r.ssthresh)
                if lo < len(s) and s[lo][3] > 0:
                    data.add_value(n + '.rto_ss_rtts',
                                   (s[r.end_i][0] - s[lo][0]) / s[lo][3])
        mark_phases(data, n, s, reds, self.item['flow'])
