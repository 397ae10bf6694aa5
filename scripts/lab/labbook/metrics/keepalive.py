# SPDX-License-Identifier: GPL-2.0
"""keepalive: how long a keepalive socket takes to find out that its peer
went silent, against idle + count x intvl, from the prober's capture and
its application's error.

  [[metric]]
  kind = "keepalive"
  name = "ka"
  flow = "app"           # a conn flow whose client has keepalive on
  capture = "sender"     # the capture on the client's node (default:
                         # the flow's client node)

The peer went silent at its last packet the client's node saw; the
keepalive idle time counts from there (the kernel counts from the last
segment received). Probes: the client's segments after that with no
data and the sequence number one below its next (snd_nxt - 1: the peer
must answer such a segment with an ACK).

Values (NAME.): silent_s (last packet from the peer, after t0),
detect_s (the application's error - silent_s), expected_s (idle + count
x intvl, the socket's own values read back), detect_ratio, probes,
first_probe_s (after silent_s), first_probe_ratio (/ idle), gap_ratio_min,
gap_ratio_max (gaps from probe to probe and from the last probe to the
error, / intvl), rst (1 if the client reset the connection as it gave
up), tcpi_probes_max (TCP_INFO's unanswered-probe count, highest).
Table NAME.timeline: t, idle_s (since the client last heard from its
peer, TCP_INFO), probes_out. Marks NAME: the silence and every probe.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from . import _pkt

VALUES = ('silent_s', 'detect_s', 'expected_s', 'detect_ratio', 'probes',
          'first_probe_s', 'first_probe_ratio', 'gap_ratio_min',
          'gap_ratio_max', 'rst', 'tcpi_probes_max')


@register('metric', 'keepalive')
class Keepalive(Metric):
    DOC = 'keepalive: detection time of a silent peer against idle + ' \
          'count x intvl, probes from a capture'
    PRODUCES = 'values NAME.detect_s, .expected_s, .detect_ratio, ' \
               '.probes, ...; table NAME.timeline; marks NAME'
    KEYS = _pkt.flow_capture_keys('the conn flow (its client probes)', 'client')

    def check(self):
        _pkt.check_flow_capture(self)

    def outputs(self):
        return Outputs(values=[self.name + '.' + v for v in VALUES],
                       tables={self.name + '.timeline':
                               ['t', 'idle_s', 'probes_out']},
                       marks=[self.name])

    def compute(self, data):
        f = self.item['flow']
        n = self.name
        v = data.values
        info = data.tables.get('flow.' + f)
        rows = info.dicts() if info is not None else []
        if rows:
            # Samples after the connection died stay, empty: the plot
            # then reaches the moment the application saw the error.
            data.add_table(n + '.timeline', ['t', 'idle_s', 'probes_out'], [
                [r['t'], round(min(r['last_ack_recv_ms'], r['last_data_recv_ms'])
                               / 1000, 3), r['probes']] if r['state'] == 1
                else [r['t'], None, None] for r in rows])
            data.add_value(n + '.tcpi_probes_max',
                           max(r['probes'] or 0 for r in rows))
        idle, intvl, cnt = (v.get('flow.%s.%s' % (f, k)) for k in
                            ('keepidle_s', 'keepintvl_s', 'keepcnt'))
        if None not in (idle, intvl, cnt):
            data.add_value(n + '.expected_s', idle + cnt * intvl)
        pkts = _pkt.packets(data, self.node, f)
        port = _pkt.server_port(pkts)
        if port is None:
            return
        c2s, s2c = _pkt.split(pkts, port)
        err = v.get('flow.%s.error_s' % f)
        end = err if err is not None else (max(p['t'] for p in pkts) + 1)
        heard = [p['t'] for p in s2c if p['t'] <= end]
        if not heard:
            return
        silent = heard[-1]
        data.add_value(n + '.silent_s', silent)
        # The client's next sequence number, from what it sent before.
        nxt = None
        for p in c2s:
            if p['t'] > silent:
                break
            e = (p['seq'] + _pkt.seq_space(p)) % _pkt.MOD
            if nxt is None or _pkt.rel(e, nxt) < 1 << 31:
                nxt = e
        if nxt is None:
            return
        # A probe carries no data and a sequence number one behind, so
        # that the peer must answer it; the client's ACK of the peer's
        # last segment (seq = snd_nxt) is not one.
        probes = [p for p in c2s if silent < p['t'] <= end + 0.05 and
                  _pkt.is_pure_ack(p) and p['seq'] == (nxt - 1) % _pkt.MOD]
        data.add_value(n + '.probes', len(probes))
        data.add_value(n + '.rst', int(any('R' in (p['flags'] or '')
                                           for p in c2s if p['t'] > silent)))
        for i, p in enumerate(probes):
            data.add_mark(n, p['t'], 'probe %d' % (i + 1))
        if err is not None:
            name = v.get('flow.%s.errno' % f)
            import errno as errno_mod
            data.add_mark(n, err, errno_mod.errorcode.get(name, 'error'))
            data.add_mark(n, silent, 'peer silent: %.2f s' % (err - silent),
                          t1=err, style='rto')
            data.add_value(n + '.detect_s', round(err - silent, 4))
            exp = data.values.get(n + '.expected_s')
            if exp:
                data.add_value(n + '.detect_ratio',
                               round((err - silent) / exp, 4))
        if probes and idle:
            first = probes[0]['t'] - silent
            data.add_value(n + '.first_probe_s', round(first, 4))
            data.add_value(n + '.first_probe_ratio', round(first / idle, 4))
        if probes and intvl:
            ts = [p['t'] for p in probes] + ([err] if err is not None else [])
            gaps = [(b - a) / intvl for a, b in zip(ts, ts[1:])]
            if gaps:
                data.add_value(n + '.gap_ratio_min', round(min(gaps), 4))
                data.add_value(n + '.gap_ratio_max', round(max(gaps), 4))
