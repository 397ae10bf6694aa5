# SPDX-License-Identifier: GPL-2.0
"""cwnd: every congestion-window decision of the traced flows, from
tracefs: tcp:tcp_probe (each ACK a sender takes in, any algorithm) and
tcp_lab:lab_cc (each decision of lab_reno / lab_cubic, with the phase,
W_max and K; needs the module).

  [[measure]]
  kind = "cwnd"
  flows = ["reno"]        # default: every bulk flow
  source = "auto"         # lab_cc for lab_* flows when the module is
                          # loaded, else tcp_probe; or force one; "both":
                          # every ACK (tcp_probe) and the algorithm's own
                          # events (lab_cc: phases, W_max, K) in one table
  thin = "10ms"           # keep an unchanged cwnd at most every 10 ms

Produces table trace.FLOW: t, source, cwnd, ssthresh (0 = not set yet),
srtt_ms, and for lab_cc: event, phase, w_max, k_ms, epoch_ms.

tcp_probe reports tcp_current_ssthresh(), which outside a cwnd reduction
is max(ssthresh, 3/4 cwnd); where it shows the 3/4 cwnd, the table holds
the last ssthresh the event showed, so ssthresh is the one TCP set.
"""
import re

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field

COLUMNS = ['t', 'source', 'cwnd', 'ssthresh', 'srtt_ms', 'event', 'phase',
           'w_max', 'k_ms', 'epoch_ms']
INFINITE = 0x7fffffff
TIME = r'(\d+\.\d+):\s+(?:\S+:)?\s*'
LAB_CC = re.compile(TIME + r'lab_cc: src=(\S+) dst=(\S+) algo=\S+ event=(\S+) '
                    r'phase=(\S+) cwnd=(\d+) ssthresh=(\d+) srtt_us=(\d+) '
                    r'w_max=(\d+) k_ms=(\d+) epoch_ms=(\d+)')
PROBE = re.compile(TIME + r'tcp_probe: .*?\bsrc=(\S+) dest=(\S+) .*?'
                   r'\bsnd_cwnd=(\d+) ssthresh=(\d+) .*?\bsrtt=(\d+)')


@register('measure', 'cwnd')
class Cwnd(Measure):
    DOC = 'cwnd/ssthresh/srtt of flows from tcp:tcp_probe and tcp_lab:lab_cc'
    PRODUCES = 'table trace.FLOW per traced flow'
    KEYS = {
        'flows': Field('strlist', 'flows to trace (default: every bulk flow)'),
        'source': Field('str', 'event source', default='auto',
                        choices=('auto', 'tcp_probe', 'lab_cc', 'both')),
        'thin': Field('time', 'keep an unchanged cwnd at most this often',
                      default=0.01),
    }

    def _flows(self):
        ws = [w for w in self.exp.workloads if w.kind == 'bulk']
        if self.item['flows'] is None:
            return ws
        by = {w.name: w for w in ws}
        return [by[n] for n in self.item['flows']]

    def check(self):
        names = {w.name for w in self.exp.workloads if w.kind == 'bulk'}
        for n in self.item['flows'] or []:
            if n not in names:
                self.fail('flows', 'no bulk flow named %r (flows: %s)' %
                          (n, ', '.join(sorted(names)) or 'none'))

    def outputs(self):
        return Outputs(tables={'trace.' + w.name: COLUMNS for w in self._flows()})

    @staticmethod
    def trace_events():
        return ['tcp/tcp_probe', 'tcp_lab/lab_cc']

    def _src(self, w, ctx):
        s = self.item['source']
        lab = (w.item.get('algorithm') or '').startswith('lab_')
        have = lab and ctx.tracer_has('tcp_lab/lab_cc')
        if s == 'auto':
            s = 'lab_cc' if have else 'tcp_probe'
        elif s == 'both' and not have:
            s = 'tcp_probe'     # only lab_* flows have lab_cc events
        return s

    def start(self, ctx):
        if not ctx.tracer_has('tcp/tcp_probe'):
            raise RuntimeError('no tcp:tcp_probe event in tracefs')
        flows = self._flows()
        self.src = {w.name: self._src(w, ctx) for w in flows}
        for n, s in self.src.items():
            if s == 'lab_cc' and not ctx.tracer_has('tcp_lab/lab_cc'):
                raise RuntimeError('source lab_cc: the tcp_lab module is not '
                                   'loaded')
        ports = [w.port for w in flows]
        ctx.trace_filter('tcp/tcp_probe',
                         ' || '.join('dport == %d' % p for p in ports))
        ctx.trace_start()

    def collect(self, ctx):
        flows = self._flows()
        # Tracepoints see every namespace of the machine: a flow is its
        # exact 4-tuple (the sender reports its local address and port).
        bytuple = {(w.local, w.remote): w for w in flows
                   if getattr(w, 'local', None)}
        rows = {w.name: [] for w in flows}
        last = {}
        true_ss = {}
        thin = self.item['thin']
        t0 = ctx.t0
        with open(ctx.trace_file(), errors='replace') as f:
            for line in f:
                if 'lab_cc:' in line:
                    m = LAB_CC.search(line)
                    if not m:
                        continue
                    (t, src, dst, ev, ph, cwnd, ss, srtt, wmax, k,
                     ep) = m.groups()
                    source = 'lab_cc'
                else:
                    m = PROBE.search(line)
                    if not m:
                        continue
                    t, src, dst, cwnd, ss, srtt = m.groups()
                    ev = ph = wmax = k = ep = None
                    source = 'tcp_probe'
                w = bytuple.get((src, dst))
                if w is None or self.src[w.name] not in (source, 'both'):
                    continue
                t = float(t) - t0
                cwnd, ss = int(cwnd), int(ss)
                if ss >= INFINITE:
                    ss = 0
                if source == 'tcp_probe':
                    # tcp_probe shows tcp_current_ssthresh(): outside a
                    # reduction max(ssthresh, 3/4 cwnd). Where it shows
                    # the 3/4 cwnd, the real one is the last it showed.
                    known = true_ss.get(w.name)
                    if known is not None and ss > known and \
                       ss == (cwnd >> 1) + (cwnd >> 2):
                        ss = known
                    else:
                        true_ss[w.name] = ss
                prev = last.get(w.name)
                if prev and (cwnd, ss) == prev[1:] and t - prev[0] < thin and \
                   ev in (None, 'ack'):
                    continue
                last[w.name] = (t, cwnd, ss)
                srtt_ms = round(int(srtt) / 1000, 3)
                # tcp_probe's srtt is tp->srtt_us >> 3 in 6.1 and 6.12:
                # microseconds, as lab_cc's srtt_us.
                rows[w.name].append([round(t, 6), source, cwnd, ss, srtt_ms, ev, ph,
                                     None if wmax is None else int(wmax),
                                     None if k is None else int(k),
                                     None if ep is None else int(ep)])
        for w in flows:
            ctx.data.add_table('trace.' + w.name, COLUMNS, rows[w.name])
            if not rows[w.name]:
                ctx.data.note('trace: no %s events for flow %s' %
                              (self.src[w.name], w.name))
        lost = ctx.trace_lost()
        if lost:
            ctx.data.note('trace: the ring buffer dropped %d events' % lost)
