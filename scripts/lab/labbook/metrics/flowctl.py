# SPDX-License-Identifier: GPL-2.0
"""flow_control: a sender held back by its receiver's advertised window,
from the sender's TCP_INFO and a capture on the sender's node.

  [[metric]]
  kind = "flow_control"
  name = "fc"
  flow = "app"           # a conn flow: the client sends, the server reads
  capture = "sender"     # default: the flow's client node

From the capture (the receiver's window is its ACKs' window field, scaled
by the shift its SYN-ACK announced):
  zero_adv       times the advertised window went to zero
  probes         zero-window probes: zero-length segments with seq =
                 snd_una - 1 while the window is zero
  sent_beyond    data segments reaching past the advertised right edge
                 (ack + window): flow control forbids it, so 0
  sent_while_zero  new data bytes sent while the window was zero (0)
  resumes        window openings followed by new data (within 1 s)
  resume_ms      median time from the opening ACK to the next new data
From the sender's TCP_INFO:
  rwnd_share     tcpi_rwnd_limited / tcpi_busy_time at the end: the
                 share of the sending time stalled by the receive window
  cwnd_share     (busy - rwnd_limited - sndbuf_limited) / busy: the share
                 the congestion window (or nothing) set the pace
  zero_share     samples with tcpi_snd_wnd = 0, from the first on
  wnd_below_cwnd samples, while data waits to be sent, where the peer's
                 window (tcpi_snd_wnd) is below cwnd x MSS
Tables NAME.windows (t, snd_wnd_kb, cwnd_kb, inflight_kb), NAME.adv (t,
adv_kb: each window the receiver advertised), NAME.progress (t, acked_kb,
read_kb). Marks NAME: zero-window spans, probes.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from . import _pkt

VALUES = ('zero_adv', 'probes', 'sent_beyond', 'sent_while_zero', 'resumes',
          'resume_ms', 'rwnd_share', 'cwnd_share', 'zero_share',
          'wnd_below_cwnd')


@register('metric', 'flow_control')
class FlowControl(Metric):
    DOC = 'flow control: zero windows, zero-window probes, resumption, ' \
          'receive-window- against congestion-window-limited time'
    PRODUCES = 'values NAME.zero_adv, .probes, .rwnd_share, .cwnd_share, ' \
               '...; tables NAME.windows, NAME.adv, NAME.progress; marks NAME'
    KEYS = _pkt.flow_capture_keys('the conn flow (client sends, server reads)', 'sender')

    def check(self):
        _pkt.check_flow_capture(self)

    def outputs(self):
        n = self.name
        return Outputs(values=[n + '.' + v for v in VALUES],
                       tables={n + '.windows': ['t', 'snd_wnd_kb', 'cwnd_kb',
                                                'inflight_kb'],
                               n + '.adv': ['t', 'adv_kb'],
                               n + '.progress': ['t', 'acked_kb', 'read_kb']},
                       marks=[n])

    def _tcpinfo(self, data):
        f, n = self.item['flow'], self.name
        t = data.tables.get('flow.' + f)
        if t is None or not len(t):
            return
        rows = [r for r in t.dicts() if r['state'] == 1]
        data.add_table(n + '.windows', ['t', 'snd_wnd_kb', 'cwnd_kb',
                                        'inflight_kb'],
                       [[r['t'], r['snd_wnd'] / 1000, r['cwnd_bytes'] / 1000,
                         r['unacked'] * r['snd_mss'] / 1000] for r in rows])
        # The server's samples come at other times: each client sample
        # gets the last count the server had sampled by then.
        st = data.tables.get('flow.%s.server' % f)
        reads = [(r['t'], r['app_bytes']) for r in st.dicts()
                 if r['app_bytes'] is not None] if st is not None else []
        prog, j, read = [], 0, None
        for r in rows:
            while j < len(reads) and reads[j][0] <= r['t']:
                read = reads[j][1]
                j += 1
            prog.append([r['t'], r['bytes_acked'] / 1000,
                         None if read is None else read / 1000])
        data.add_table(n + '.progress', ['t', 'acked_kb', 'read_kb'], prog)
        if not rows:
            return
        last = rows[-1]
        busy = last['busy_ms']
        if busy:
            rw, sb = last['rwnd_limited_ms'] or 0, last['sndbuf_limited_ms'] or 0
            data.add_value(n + '.rwnd_share', round(rw / busy, 4))
            data.add_value(n + '.cwnd_share', round(max(0, busy - rw - sb) /
                                                    busy, 4))
        first0 = next((i for i, r in enumerate(rows) if r['snd_wnd'] == 0), None)
        if first0 is not None:
            after = rows[first0:]
            data.add_value(n + '.zero_share', round(
                sum(1 for r in after if r['snd_wnd'] == 0) / len(after), 4))
        waiting = [r for r in rows if r['notsent']]
        if waiting:
            data.add_value(n + '.wnd_below_cwnd', round(
                sum(1 for r in waiting if r['snd_wnd'] < r['cwnd_bytes']) /
                len(waiting), 4))

    def compute(self, data):
        self._tcpinfo(data)
        n = self.name
        pkts = _pkt.packets(data, self.node, self.item['flow'])
        port = _pkt.server_port(pkts)
        if port is None:
            return
        c2s, s2c = _pkt.split(pkts, port)
        syn = next(p for p in c2s if 'S' in p['flags'])
        synack = next((p for p in s2c if 'S' in p['flags']), None)
        if synack is None:
            return
        ws = synack['wscale'] if syn['wscale'] is not None and \
            synack['wscale'] is not None else 0
        isn = syn['seq']
        una = wnd = None
        snd_max = 1                 # relative to isn: after the SYN
        zero_since = None
        open_at = None
        zero_adv = probes = beyond = while_zero = 0
        delays = []
        adv = []
        for p in sorted(c2s + s2c, key=lambda p: p['t']):
            if p['sport'] == port:              # from the receiver
                if 'S' in p['flags'] or 'A' not in p['flags']:
                    continue
                ack = _pkt.rel(p['ack'], isn)
                if una is not None and ack < una:
                    # An older ACK the capture saw after a newer one:
                    # the sender's TCP ignores it, window and all.
                    continue
                una, wnd = ack, p['win'] << ws
                adv.append([p['t'], wnd / 1000])
                if wnd == 0 and zero_since is None:
                    zero_since = p['t']
                    zero_adv += 1
                    open_at = None
                elif wnd > 0 and zero_since is not None:
                    data.add_mark(n, zero_since, 'window 0', t1=p['t'],
                                  style='rto')
                    zero_since = None
                    open_at = p['t']
                continue
            s = _pkt.rel(p['seq'], isn)
            if p['len']:
                end = s + p['len']
                if una is not None and end > una + wnd:
                    beyond += 1
                if end > snd_max:
                    if zero_since is not None:
                        while_zero += end - max(s, snd_max)
                    if open_at is not None:
                        if p['t'] - open_at <= 1.0:
                            delays.append(p['t'] - open_at)
                        open_at = None
                    snd_max = end
            elif _pkt.is_pure_ack(p) and zero_since is not None and \
                    una is not None and s == (una - 1) % _pkt.MOD:
                probes += 1
                data.add_mark(n, p['t'], 'probe')
        if zero_since is not None:
            data.add_mark(n, zero_since, 'window 0', t1=pkts[-1]['t'],
                          style='rto')
        data.add_table(n + '.adv', ['t', 'adv_kb'], adv)
        for k, x in (('zero_adv', zero_adv), ('probes', probes),
                     ('sent_beyond', beyond), ('sent_while_zero', while_zero),
                     ('resumes', len(delays))):
            data.add_value('%s.%s' % (n, k), x)
        if delays:
            data.add_value(n + '.resume_ms', round(_pkt.median(delays) * 1000, 3))
