# SPDX-License-Identifier: GPL-2.0
"""mss_pmtu: the MSS each end announces against its own MTU, and the size
of the segments the sender puts on the path, from captures at both ends.

  [[metric]]
  kind = "mss_pmtu"
  name = "pmtud"
  flow = "big"            # a conn flow whose client sends
  sender = "sender"       # capture on the client's node (default: the
  receiver = "receiver"   # flow's client) and on the server's (default:
                          # the flow's server)

Values (NAME.):
  syn_mss, synack_mss    the MSS option as each end sent it (its own
                         capture)
  syn_mss_minus_mtu      syn_mss - the client's route MTU (IP_MTU read on
  synack_mss_minus_mtu   its socket), and the same for the server: -40
                         for IPv4 (20 bytes of IP, 20 of TCP header)
  syn_mss_seen, synack_mss_seen  the option as the other end received it
                         (a router clamping the MSS changes it on the way)
  first_len              IP length of the first data segment sent
  max_len                the largest data segment sent
  icmp                   ICMP "fragmentation needed" the sender received
  icmp_mtu               the next-hop MTU the first of them reported
  after_len_max          the largest data segment sent after the last of
                         them (all of them when there was none)
  df_share               share of the sender's data segments with DF set
  fragments              IP fragments the receiver's node saw while the
                         flow ran (first ones and later ones)
  pmtu_end, snd_mss_end  TCP_INFO's path MTU and send MSS at the end
Tables NAME.sent (t, ip_len: the sender's data segments), NAME.received
(t, ip_len: what reached the receiver, fragments included). Marks NAME:
the ICMP errors.
"""
from ..plugin import Metric, Outputs
from ..registry import register
from ..schema import Field
from . import _pkt

VALUES = ('syn_mss', 'synack_mss', 'syn_mss_minus_mtu', 'synack_mss_minus_mtu',
          'syn_mss_seen', 'synack_mss_seen', 'first_len', 'max_len', 'icmp',
          'icmp_mtu', 'after_len_max', 'df_share', 'fragments', 'pmtu_end',
          'snd_mss_end')


def _syn(pkts, synack):
    for p in pkts:
        f = p['flags'] or ''
        if p['proto'] == 'tcp' and 'S' in f and (('A' in f) == synack):
            return p
    return None


@register('metric', 'mss_pmtu')
class MssPmtu(Metric):
    DOC = 'the MSS each end announces against its MTU; segment sizes, ' \
          'ICMP "fragmentation needed", fragments'
    PRODUCES = 'values NAME.syn_mss_minus_mtu, .synack_mss_minus_mtu, ' \
               '.icmp, .after_len_max, .fragments, ...; tables NAME.sent, ' \
               'NAME.received; marks NAME'
    KEYS = {
        'flow': Field('str', 'the conn flow (its client sends)',
                      required=True),
        'sender': Field('str', 'node of the capture on the client\'s side '
                        '(default: the flow\'s client node)'),
        'receiver': Field('str', 'node of the capture on the server\'s side '
                          '(default: the flow\'s server node)'),
    }

    def check(self):
        w = _pkt.check_flow(self)
        self.snode = self.item['sender'] or w.src
        self.rnode = self.item['receiver'] or w.dst
        _pkt.check_capture(self, 'sender', self.snode)
        _pkt.check_capture(self, 'receiver', self.rnode)

    def outputs(self):
        n = self.name
        return Outputs(values=[n + '.' + v for v in VALUES],
                       tables={n + '.sent': ['t', 'ip_len'],
                               n + '.received': ['t', 'ip_len']},
                       marks=[n])

    def compute(self, data):
        n, f = self.name, self.item['flow']
        v = data.values
        info = data.tables.get('flow.' + f)
        rows = [r for r in info.dicts() if r['state'] == 1] if info else []
        if rows:
            data.add_value(n + '.pmtu_end', rows[-1]['pmtu'])
            data.add_value(n + '.snd_mss_end', rows[-1]['snd_mss'])
        spk = _pkt.packets(data, self.snode, f)
        rpk = _pkt.packets(data, self.rnode, f)
        port = _pkt.server_port(spk) or _pkt.server_port(rpk)
        if port is None:
            return
        sc2s, ss2c = _pkt.split(spk, port)
        rc2s, rs2c = _pkt.split(rpk, port)
        for key, pk, synack in (('syn_mss', sc2s, False),
                                ('synack_mss', rs2c, True),
                                ('syn_mss_seen', rc2s, False),
                                ('synack_mss_seen', ss2c, True)):
            p = _syn(pk, synack)
            if p is not None and p['mss'] is not None:
                data.add_value(n + '.' + key, p['mss'])
        for key, mtu in (('syn_mss', 'mtu'), ('synack_mss', 'server_mtu')):
            a, b = data.values.get(n + '.' + key), v.get('flow.%s.%s' % (f, mtu))
            if a is not None and b is not None:
                data.add_value('%s.%s_minus_mtu' % (n, key), a - b)
        sent = [p for p in sc2s if p['len']]
        icmp = [p for p in spk if p['proto'] == 'icmp' and
                p['icmp_type'] == 3 and p['icmp_code'] == 4 and
                p['dport'] == port]
        data.add_value(n + '.icmp', len(icmp))
        if icmp:
            # One line: each segment in flight draws its own error, all
            # within a millisecond or so.
            data.add_mark(n, icmp[0]['t'], 'ICMP frag. needed, MTU %s%s' % (
                icmp[0]['icmp_mtu'], ' (x%d)' % len(icmp) if len(icmp) > 1
                else ''))
            data.add_value(n + '.icmp_mtu', icmp[0]['icmp_mtu'])
        if sent:
            data.add_table(n + '.sent', ['t', 'ip_len'],
                           [[p['t'], p['ip_len']] for p in sent])
            data.add_value(n + '.first_len', sent[0]['ip_len'])
            data.add_value(n + '.max_len', max(p['ip_len'] for p in sent))
            after = [p for p in sent if not icmp or p['t'] > icmp[-1]['t']]
            if after:
                data.add_value(n + '.after_len_max',
                               max(p['ip_len'] for p in after))
            data.add_value(n + '.df_share', round(
                sum(p['df'] for p in sent) / len(sent), 4))
        # Fragments carry the flow's ports only in the first one: count
        # every fragment the receiver's node saw while the flow ran.
        t = data.tables.get('pkt.' + self.rnode)
        if t is not None and rpk:
            lo, hi = rpk[0]['t'], rpk[-1]['t']
            allp = [r for r in t.dicts() if r['t'] is not None and
                    lo <= r['t'] <= hi]
            frags = [r for r in allp if r['mf'] or r['frag']]
            data.add_value(n + '.fragments', len(frags))
            recv = [r for r in allp if r['dst'] == (rc2s[0]['dst'] if rc2s
                                                    else None) and
                    (r['proto'] == 'frag' or (r['flow'] == f and r['len']))]
            data.add_table(n + '.received', ['t', 'ip_len'],
                           [[r['t'], r['ip_len']] for r in recv])
