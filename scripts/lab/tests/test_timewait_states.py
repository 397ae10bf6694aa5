# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the TIME_WAIT and state-machine plug-ins' pure parts:
/proc/net/tcp and tracepoint parsing, TIME_WAIT lifetimes, the merged
state timelines, the state_sequence metric, the timeline plot, segment
parsing, and the experiment files that use them. No root, no network:
python3 -m unittest discover -s scripts/lab/tests
"""
import os
import socket
import struct
import tempfile
import textwrap
import unittest

from _util import EXP
from labbook import spec  # noqa: E402
from labbook.data import RunData  # noqa: E402
from labbook.measures import _proc, sock_states, tw_census  # noqa: E402
from labbook.metrics.state_sequence import StateSequence, matched  # noqa: E402
from labbook.plots import state_timeline  # noqa: E402
from labbook.schema import SpecError  # noqa: E402
from labbook.workloads import _packets  # noqa: E402


HEAD = ('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when '
        'retrnsmt   uid  timeout inode')
PROC_TCP = '\n'.join([HEAD] + [
    '   %d: %s %s %s 00000000:00000000 %s 00000000     0        0 0 1 0' %
    ((i,) + r) for i, r in enumerate([
        ('00000000:1771', '00000000:0000', '0A', '00:00000000'),
        ('0103000A:9C40', '0204000A:1771', '06', '03:000016F4'),
        ('0103000A:9C41', '0204000A:1771', '05', '03:00000BB8'),
        ('0103000A:9C42', '0204000A:1771', '01', '00:00000000')])]) + '\n'


def _ev(t, sport, dport, sa, da, old, new, proto='TCP'):
    return (' <...>-1 [001] ..... %s: inet_sock_set_state: family=AF_INET '
            'protocol=IPPROTO_%s sport=%d dport=%d saddr=%s daddr=%s '
            'saddrv6=::ffff:%s daddrv6=::ffff:%s oldstate=TCP_%s '
            'newstate=TCP_%s' % (t, proto, sport, dport, sa, da, sa, da, old,
                                 new))


C, S = '10.0.3.1', '10.0.4.2'
TRACE = [
    _ev('100.000100', 0, 6001, C, S, 'CLOSE', 'SYN_SENT'),
    _ev('100.050200', 6001, 40000, S, C, 'LISTEN', 'SYN_RECV'),
    _ev('100.000300', 40000, 6001, C, S, 'SYN_SENT', 'ESTABLISHED'),
    _ev('100.000050', 6001, 0, '0.0.0.0', '0.0.0.0', 'CLOSE', 'LISTEN'),
    _ev('100.000060', 53, 53, C, C, 'CLOSE', 'ESTABLISHED', 'UDP'),
]


def tcp_packet(src, dst, sport, dport, seq, ack, flags, payload=b'',
               tsval=None):
    """An IPv4/TCP packet by hand (checksums left zero: parse() does not
    look at them)."""
    opts = b''
    if tsval is not None:
        opts = b'\x01\x01\x08\x0a' + struct.pack('!II', tsval, 7)
    doff = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, doff << 4, flags,
                      512, 0, 0) + opts + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp


class ProcTcp(unittest.TestCase):
    def test_parse(self):
        rows = _proc.parse_tcp(PROC_TCP)
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[0][:3], ('LISTEN', '0.0.0.0:6001', '0.0.0.0:0'))
        st, loc, rem, tr, left = rows[1]
        self.assertEqual((st, loc, rem, tr), ('TIME_WAIT', '10.0.3.1:40000',
                                              '10.0.4.2:6001', 3))
        self.assertAlmostEqual(left, 58.76)
        self.assertEqual(rows[2][0], 'FIN_WAIT2')
        self.assertEqual(_proc.port_of('[::1]:80'), 80)

    def test_ipv6_address(self):
        a = _proc.addr('00000000000000000000000001000000:0050')
        self.assertEqual(a, '[0000:0000:0000:0000:0000:0000:0000:0001]:80')


class Census(unittest.TestCase):
    def test_stretches_and_lifetime(self):
        k = ('10.0.3.1:40000', '10.0.4.2:6001')
        samples = [(t, {k: ('TIME_WAIT', 60 - (t - 10))})
                   for t in [10 + 0.25 * i for i in range(241)]]
        samples += [(70.25, {}), (70.5, {})]
        sts = tw_census.stretches(samples, 0.25)
        self.assertEqual(len(sts), 1)
        v = tw_census.flow_values(sts, {'local': k[0], 'remote': k[1],
                                        'begin': 9.9, 'touched': []}, 0.25)
        self.assertAlmostEqual(v['lifetime_s'], 70.125 - 9.9)
        self.assertAlmostEqual(v['timer_s'], 60.1)
        self.assertNotIn('since_touch_s', v)

    def test_touched_and_reappearing(self):
        k = ('10.0.3.1:40000', '10.0.4.2:6001')
        samples = [(1.0, {k: ('TIME_WAIT', 59.0)}), (2.0, {k: ('TIME_WAIT', 58)}),
                   (3.0, {}), (4.0, {k: ('TIME_WAIT', 60.0)}), (5.0, {})]
        sts = tw_census.stretches(samples, 1.0)
        self.assertEqual(len(sts), 2)
        # the flow reports it from the other side: (remote, local)
        v = tw_census.flow_values(sts, {'local': k[1], 'remote': k[0],
                                        'begin': 0.5, 'touched': [1.5]}, 1.0)
        self.assertEqual(v['seen_after_touch'], 1)
        self.assertAlmostEqual(v['lifetime_s'], 2.0)
        self.assertAlmostEqual(v['since_touch_s'], 1.0)
        v = tw_census.flow_values(sts, {'local': 'x:1', 'remote': 'y:2',
                                        'begin': 0.5}, 1.0)
        self.assertEqual(v, {})


class Trace(unittest.TestCase):
    def test_parse_and_syn_sent(self):
        tr = sock_states.parse_trace(TRACE)
        # the listener (dport 0) and the non-TCP line are left out
        self.assertEqual(len(tr), 3)
        tr = sock_states.attach_syn_sent(tr)
        client = [e for e in tr if e[1] == '10.0.3.1:40000']
        self.assertEqual([e[4] for e in client], ['SYN_SENT', 'ESTABLISHED'])
        self.assertEqual(sock_states.state_name('TCP_CLOSE'), 'CLOSED')

    def test_merge_time_wait_handover(self):
        trans = [(1.0, 'CLOSED', 'SYN_SENT'), (1.1, 'SYN_SENT', 'ESTABLISHED'),
                 (2.0, 'ESTABLISHED', 'FIN_WAIT1'),
                 (2.1, 'FIN_WAIT1', 'FIN_WAIT2'), (2.2, 'FIN_WAIT2', 'CLOSED')]
        proc = [(2.25, 'TIME_WAIT', 3), (2.30, 'TIME_WAIT', 3)]
        tl = sock_states.merge(trans, proc, 0.05, 5.0)
        self.assertEqual([s for _, s, _ in tl],
                         ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2',
                          'TIME_WAIT', 'CLOSED'])
        # TIME_WAIT from the tracepoint's hand-over moment
        self.assertEqual(tl[4][:2], (2.2, 'TIME_WAIT'))
        self.assertAlmostEqual(tl[5][0], 2.325)

    def test_merge_request_sock_and_end(self):
        trans = [(1.2, 'LISTEN', 'SYN_RECV'), (1.2, 'SYN_RECV', 'ESTABLISHED'),
                 (2.0, 'ESTABLISHED', 'CLOSE_WAIT')]
        proc = [(1.15, 'SYN_RECV', 1), (1.5, 'ESTABLISHED', 0)]
        tl = sock_states.merge(trans, proc, 0.05, 4.0)
        self.assertEqual([(round(t, 2), s, src) for t, s, src in tl],
                         [(1.15, 'SYN_RECV', 'proc'),
                          (1.2, 'ESTABLISHED', 'trace'),
                          (2.0, 'CLOSE_WAIT', 'trace'),
                          (4.0, 'CLOSE_WAIT', 'end')])

    def test_merge_orphan_fin_wait2(self):
        trans = [(2.0, 'ESTABLISHED', 'FIN_WAIT1'),
                 (2.1, 'FIN_WAIT1', 'FIN_WAIT2'), (2.1, 'FIN_WAIT2', 'CLOSED')]
        proc = [(2.12, 'FIN_WAIT2', 3), (3.0, 'TIME_WAIT', 3)]
        tl = sock_states.merge(trans, proc, 0.05, 3.0)
        self.assertEqual([s for _, s, _ in tl],
                         ['FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT'])


def _state_table():
    d = RunData()
    rows = []
    for sock, start in (('a:1>b:6001', 0.0), ('a:2>b:6001', 1.0)):
        for dt, st, src in ((0, 'SYN_SENT', 'trace'),
                            (0.1, 'ESTABLISHED', 'trace'),
                            (0.5, 'FIN_WAIT1', 'trace'),
                            (0.6, 'FIN_WAIT2', 'trace'),
                            (0.7, 'TIME_WAIT', 'trace'), (5, 'TIME_WAIT', 'end')):
            rows.append([start + dt, sock, 'f', st, src])
    rows.append([0.2, 'a:9>b:7000', 'g', 'SYN_SENT', 'trace'])
    d.add_table('state.sender', sock_states.COLUMNS, rows)
    return d


class Sequence(unittest.TestCase):
    def metric(self, expect):
        m = StateSequence({'kind': 'state_sequence', 'name': 's',
                           'table': 'state.sender', 'flow': 'f',
                           'expect': expect}, None, 'metric.0')
        m.name = 's'
        return m

    def test_matched(self):
        self.assertEqual(matched(['A', 'B', 'X', 'C'], ['A', 'B', 'C']), 3)
        self.assertEqual(matched(['A', 'C', 'B'], ['A', 'B', 'C']), 2)

    def test_in_order(self):
        d = _state_table()
        self.metric(['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2',
                     'TIME_WAIT']).compute(d)
        self.assertEqual(d.values['s.sockets'], 2)
        self.assertEqual(d.values['s.in_order'], 1.0)
        self.assertEqual(d.values['s.final'], 2)
        self.assertAlmostEqual(d.values['s.final_s'], 4.3)
        self.assertTrue(d.values['s.seen'].startswith('SYN_SENT > '))

    def test_not_in_order(self):
        d = _state_table()
        self.metric(['SYN_SENT', 'FIN_WAIT1', 'CLOSING', 'TIME_WAIT']).compute(d)
        self.assertEqual(d.values['s.in_order'], 0.0)
        self.assertEqual(d.values['s.matched'], 2)
        self.assertEqual(d.values['s.final'], 2)


class Timeline(unittest.TestCase):
    def test_render(self):
        d = _state_table()
        ls = state_timeline.lanes(d.tables['state.sender'], ['f'])
        self.assertEqual(len(ls), 2)
        out = state_timeline.render(ls, 'client')
        self.assertEqual(out.count('class="series" data-n="6"'), 2)
        self.assertIn('>TIME_WAIT</text>', out)
        self.assertNotIn('>CLOSING</text>', out)
        self.assertTrue(out.startswith('<svg'))


class Packets(unittest.TestCase):
    def test_parse(self):
        raw = tcp_packet('10.0.4.2', '10.0.3.1', 6001, 40000, 1000, 77, 0x18,
                         b'abc', tsval=123)
        s = _packets.parse(raw, 1.5, True)
        self.assertEqual((s.src, s.dst, s.sport, s.dport), ('10.0.4.2',
                                                            '10.0.3.1', 6001,
                                                            40000))
        self.assertEqual((s.seq, s.ack, s.plen, s.tsval), (1000, 77, 3, 123))
        self.assertEqual(s.end_seq(), 1003)
        self.assertEqual(s.flagstr(), 'PA')
        fin = _packets.parse(tcp_packet('a' and '1.2.3.4', '5.6.7.8', 1, 2,
                                        0xffffffff, 0, 0x11))
        self.assertEqual(fin.end_seq(), 0)
        self.assertIsNone(_packets.parse(b'\x45' + b'\0' * 30))


class Files(unittest.TestCase):
    NAMES = ('timewait', 'portexhaust', 'recycle', 'rst', 'states')

    def test_files_validate(self):
        for n in self.NAMES:
            s = spec.load(os.path.join(EXP, n + '.toml'))
            e = s.variants[0]
            self.assertTrue(e.verdicts, n)
        for n in ('recycle-off', 'rst-rfc1337'):
            s = spec.load(os.path.join(EXP, 'mutants', n + '.toml'))
            self.assertEqual(s.variants[0].meta['expect'], 'not held')
            self.assertIn('quick', s.variants[0].meta['tags'])

    def test_quick_ones(self):
        # make check runs the quick ones: the mutants' bases, never the
        # 60 s TIME_WAIT one
        for n in self.NAMES:
            e = spec.load(os.path.join(EXP, n + '.toml')).variants[0]
            quick = 'quick' in e.meta['tags']
            self.assertEqual(quick, n in ('recycle', 'rst'), n)

    def test_star(self):
        e = spec.load(os.path.join(EXP, 'rst.toml')).variants[0]
        t = e.topology
        self.assertEqual(t.nodes(), ['client1', 'router', 'server1', 'server2',
                                     'server3'])
        self.assertEqual(t.address('server3'), '10.2.3.2')
        self.assertEqual(t.address('client1'), '10.1.1.2')
        nodes, _ = t.diagram()
        # the side with more namespaces is drawn stacked on the left
        self.assertEqual([n for n, _ in nodes][-2:], ['router', 'client1'])

    def test_refusals(self):
        d = tempfile.mkdtemp()
        base = textwrap.dedent('''
            [experiment]
            title = "t"
            claim = "c"
            source = "s"
            [topology]
            shape = "star"
            servers = 2
            [[flow]]
            name = "a"
            kind = "%s"
            to = "server2"
            %s
            [[verdict]]
            claim = "x"
            metric = "flow.a.%s"
            min = 1
        ''')
        cases = [
            (('rst_probe', 'target = "time_wait"\noffsets = ["nearly"]',
              'exact.ended'), 'flow.0.offsets'),
            (('stale_segment', 'replay_at = ["5 parsecs"]', 'replays'),
             'flow.0.replay_at'),
            (('stale_segment', 'replay_at = ["50s"]\nduration = "10s"',
              'replays'), 'flow.0.duration'),
            (('sessions', 'close = "maybe"', 'refused'), 'flow.0.close'),
            (('sessions', 'after = "nobody"', 'refused'), 'flow.0.after'),
            (('sessions', 'server_sysctl = { "net.tcp_lab.nosuch" = 1 }',
              'refused'), 'flow.0.server_sysctl.net.tcp_lab.nosuch'),
            (('churn', 'duration = "1s"', 'nothing'), 'verdict.0.metric'),
        ]
        for args, key in cases:
            p = os.path.join(d, 'x.toml')
            with open(p, 'w') as f:
                f.write(base % args)
            with self.assertRaises(SpecError, msg=key) as cm:
                spec.load(p)
            self.assertEqual(cm.exception.key, key, str(cm.exception))


if __name__ == '__main__':
    unittest.main()
