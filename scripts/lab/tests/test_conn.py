# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the conn workload, the capture measure, the chain
topology and the keepalive, flow-control, RTO and MSS analyzers: file
validation, pcap parsing, TCP_INFO layout, and each analyzer on a
synthetic capture. No root, no network:
python3 -m unittest discover -s scripts/lab/tests
"""
import os
import socket
import struct
import tempfile
import textwrap
import unittest

from _util import EXP, FileCase
from labbook import spec  # noqa: E402
from labbook.data import RunData  # noqa: E402
from labbook.measures import capture  # noqa: E402
from labbook.metrics.flowctl import FlowControl  # noqa: E402
from labbook.metrics.keepalive import Keepalive  # noqa: E402
from labbook.metrics.mss import MssPmtu  # noqa: E402
from labbook.metrics.rto import RtoBackoff  # noqa: E402
from labbook.schema import SpecError  # noqa: E402
from labbook.workloads import conn  # noqa: E402

MINE = ['keepalive.toml', 'flowcontrol.toml', 'rto.toml', 'mss.toml',
        'mutants/keepalive-usertimeout.toml',
        'mutants/flowcontrol-fastreader.toml', 'mutants/rto-rtomin.toml',
        'mutants/mss-nopmtud.toml']

BASE = textwrap.dedent('''
    [experiment]
    title = "t"
    claim = "c"
    source = "s"
    [topology]
    shape = "%s"
    [path]
    rate = "10mbit"
    rtt = "20ms"
    [[flow]]
    kind = "conn"
    name = "a"
    duration = "2s"
    %s
    [[measure]]
    kind = "capture"
    node = "sender"
    [[verdict]]
    claim = "x"
    metric = "flow.a.errno"
    max = 0
''')


class Files(FileCase):
    def load(self, flow='', shape='dumbbell', extra=''):
        return self.load_text(BASE % (shape, flow) + textwrap.dedent(extra))

    def refused(self, key, **kw):
        self.refusal(key, self.load, **kw)

    def test_mine_validate(self):
        for s in spec.load_many([os.path.join(EXP, f) for f in MINE]):
            self.assertTrue(s.variants[0].verdicts)
        s = spec.load(os.path.join(EXP, 'rto.toml'))
        self.assertEqual(len(s.variants), 2)

    def test_mutants_expect_not_held(self):
        for f in MINE:
            if f.startswith('mutants/'):
                s = spec.load(os.path.join(EXP, f))
                self.assertEqual(s.variants[0].meta['expect'], 'not held', f)

    def test_conn_keys(self):
        e = self.load('keepalive = { idle = "2s", intvl = "1s", count = 3 }\n'
                      'send = "none"').variants[0]
        self.assertEqual(e.workloads[0].keepalive,
                         {'idle': 2.0, 'intvl': 1.0, 'count': 3})
        self.assertEqual(e.workloads[0].port, 5001)
        self.refused('flow.0.keepalive.idle',
                     flow='keepalive = { idle = "1500ms" }')
        self.refused('flow.0.keepalive.probes',
                     flow='keepalive = { probes = 3 }')
        self.refused('flow.0.write_every', flow='send = "periodic"')
        self.refused('flow.0.write_every', flow='write_every = "1s"')
        self.refused('flow.0.read_size', flow='server_read = "paced"\n'
                     'read_pause = "1s"')
        self.refused('flow.0.read_size', flow='read_size = "1KB"')
        self.refused('flow.0.bytes', flow='send = "none"\nbytes = "1MB"')
        self.refused('flow.0.server_read', flow='server_read = "slowly"')

    def test_capture_keys(self):
        self.refused('measure.1.node', extra='''
            [[measure]]
            kind = "capture"
            node = "sender"
            dev = "s0"
        ''')
        self.refused('measure.1.node', extra='''
            [[measure]]
            kind = "capture"
            node = "nowhere"
        ''')
        self.refused('measure.1.ports', extra='''
            [[measure]]
            kind = "capture"
            node = "receiver"
            ports = [0]
        ''')

    def test_chain(self):
        e = self.load(shape='chain').variants[0]
        self.assertEqual(e.topology.mtus(), (1500, 1500, 1500))
        self.assertEqual(e.topology.nodes(),
                         ['sender', 'router1', 'router2', 'receiver'])
        with open(os.path.join(self.d, 'x.toml')) as f:
            text = f.read()
        p = os.path.join(self.d, 'y.toml')
        with open(p, 'w') as f:
            f.write(text.replace('shape = "chain"', 'shape = "chain"\n'
                                 'mss_clamp_ports = [5001]'))
        with self.assertRaises(SpecError) as cm:
            spec.load(p)
        self.assertEqual(cm.exception.key, 'topology.mss_clamp_ports')

    def test_metric_needs_conn_flow_and_capture(self):
        self.refused('metric.0.flow', extra='''
            [[metric]]
            kind = "keepalive"
            name = "ka"
            flow = "nope"
        ''')
        self.refused('metric.0.receiver', extra='''
            [[metric]]
            kind = "mss_pmtu"
            name = "m"
            flow = "a"
        ''')


class TcpInfoLayout(unittest.TestCase):
    def test_offsets(self):
        off = {n: o for n, _, o in conn._LAYOUT}
        # include/uapi/linux/tcp.h: these offsets are ABI.
        self.assertEqual(off['rto'], 8)
        self.assertEqual(off['snd_cwnd'], 80)
        self.assertEqual(off['bytes_acked'], 120)
        self.assertEqual(off['busy_time'], 168)
        self.assertEqual(off['rwnd_limited'], 176)
        self.assertEqual(off['snd_wnd'], 228)
        self.assertEqual(off['rcv_wnd'], 232)

    def test_short_struct(self):
        class Fake:
            def __init__(self, n):
                self.raw = bytes(range(256))[:n]

            def getsockopt(self, *a):
                return self.raw
        i = conn.tcp_info(Fake(232))          # 6.1: up to tcpi_snd_wnd
        self.assertIsNone(i['rcv_wnd'])
        self.assertIsNotNone(i['snd_wnd'])
        self.assertEqual(i['probes'], 3)
        self.assertEqual(i['rto'], struct.unpack('<I', bytes(range(8, 12)))[0])
        self.assertIsNotNone(conn.tcp_info(Fake(236))['rcv_wnd'])


# ------------------------------------------------------------- packets

def ipv4(src, dst, proto, payload, ident=1, df=True, mf=False, frag=0,
         total=None):
    ff = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag // 8)
    total = total or 20 + len(payload)
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, ident, ff, 64, proto,
                       0, socket.inet_aton(src), socket.inet_aton(dst)) + payload


def tcp(sport, dport, seq, ack, flags, win=1000, opts=b''):
    fl = sum(1 << capture.FLAGS.index(c) for c in flags)
    opts += b'\0' * (-len(opts) % 4)
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack,
                       (5 + len(opts) // 4) << 4, fl, win, 0, 0) + opts


def pcap(packets, linktype=276):
    out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for ts, ptype, ip in packets:
        if linktype == 276:
            hdr = struct.pack('!HHIHBB8s', 0x0800, 0, 2, 1, ptype, 6, b'')
        else:
            hdr = b'\0' * 12 + b'\x08\x00'
        pkt = hdr + ip
        sec = int(ts)
        out += struct.pack('<IIII', sec, round((ts - sec) * 1e6), len(pkt),
                           len(pkt)) + pkt
    return out


class Capture(unittest.TestCase):
    def test_pcap_parse(self):
        syn = ipv4('10.0.3.1', '10.0.4.2', 6, tcp(40000, 5001, 100, 0, 'S',
                   opts=b'\x02\x04\x05\xb4\x01\x03\x03\x07'))
        data = ipv4('10.0.3.1', '10.0.4.2', 6, tcp(40000, 5001, 101, 9, 'PA'),
                    total=1500)
        inner = ipv4('10.0.3.1', '10.0.4.2', 6, tcp(40000, 5001, 101, 9, 'A'))
        icmp = ipv4('10.0.3.2', '10.0.3.1', 1, struct.pack(
            '!BBHHH', 3, 4, 0, 0, 1280) + inner[:28], df=False)
        frag = ipv4('10.0.3.1', '10.0.4.2', 6, b'x' * 40, df=False, frag=1256)
        for lt in (276, 1):
            with tempfile.NamedTemporaryFile(suffix='.pcap') as f:
                f.write(pcap([(1000.5, 4, syn), (1000.6, 4, data),
                              (1000.7, 0, icmp), (1000.8, 0, frag)], lt))
                f.flush()
                pk = capture.read_pcap(f.name)
            rows = [dict(zip(capture.COLUMNS, r)) for r in
                    capture.packet_rows(pk, 990.0, 10.0, {5001: 'a'})]
            self.assertEqual(len(rows), 4)
            s, d, i, fr = rows
            self.assertAlmostEqual(s['t'], 0.5, places=5)
            self.assertEqual(s['dir'], 'out' if lt == 276 else None)
            self.assertEqual((s['flags'], s['mss'], s['wscale'], s['flow']),
                             ('S', 1460, 7, 'a'))
            self.assertEqual((d['len'], d['ip_len'], d['df'], d['flags']),
                             (1460, 1500, 1, 'PA'))
            self.assertEqual((i['proto'], i['icmp_mtu'], i['dport'], i['flow']),
                             ('icmp', 1280, 5001, 'a'))
            self.assertEqual((fr['proto'], fr['frag'], fr['flow']),
                             ('frag', 1256, None))

    def test_not_pcap(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b'x' * 40)
            f.flush()
            with self.assertRaises(ValueError):
                capture.read_pcap(f.name)


# ------------------------------------------------------------ analyzers

C, S = '10.0.3.1', '10.0.4.2'
INFO = conn.COLUMNS


def pkt(t, frm, flags='A', seq=0, ack=0, ln=0, win=1000, **kw):
    r = dict.fromkeys(capture.COLUMNS)
    cport, sport = 40000, 5001
    up = frm == 'c'
    r.update(t=t, proto='tcp', src=C if up else S, dst=S if up else C,
             sport=cport if up else sport, dport=sport if up else cport,
             seq=seq % (1 << 32), ack=ack % (1 << 32), flags=flags, len=ln,
             win=win, ip_len=40 + ln, df=1, mf=0, frag=0, flow='a')
    r.update(kw)
    return [r[c] for c in capture.COLUMNS]


def info(t, **kw):
    r = dict.fromkeys(INFO, 0)
    r.update(t=t, state=1, snd_mss=1448, rto_ms=220.0, rtt_ms=20.0,
             rttvar_ms=5.0)
    r.update(kw)
    return [r[c] for c in INFO]


def metric(cls, **item):
    m = cls(dict(kind=cls.kind, **item), None, 'metric.0')
    m.name = item['name']
    return m


ISN, SISN = 4294967000, 7000          # the client's wraps around


class KeepaliveAnalyzer(unittest.TestCase):
    def run_ka(self, probes, err, heard=(0.25, 0.5, 0.75, 1.0)):
        d = RunData()
        rows = [pkt(0.0, 'c', 'S', ISN), pkt(0.001, 's', 'SA', SISN, ISN + 1),
                pkt(0.002, 'c', 'A', ISN + 1, SISN + 1)]
        for i, t in enumerate(heard):
            rows.append(pkt(t, 's', 'PA', SISN + 1 + 100 * i, ISN + 1, ln=100))
            rows.append(pkt(t + 0.001, 'c', 'A', ISN + 1,
                            SISN + 1 + 100 * (i + 1)))
        for t in probes:
            rows.append(pkt(t, 'c', 'A', ISN, SISN + 1 + 100 * len(heard)))
        rows.append(pkt(err, 'c', 'RA', ISN + 1, 0))
        d.add_table('pkt.sender', capture.COLUMNS, rows)
        d.add_table('flow.a', INFO, [info(x / 10, probes=min(3, len(
            [p for p in probes if p < x / 10]))) for x in range(70)])
        d.values.update({'flow.a.keepidle_s': 2, 'flow.a.keepintvl_s': 1,
                         'flow.a.keepcnt': 3, 'flow.a.error_s': err,
                         'flow.a.errno': 110})
        m = metric(Keepalive, name='ka', flow='a')
        m.node = 'sender'
        m.compute(d)
        return d

    def test_formula(self):
        d = self.run_ka([3.0, 4.0, 5.0], 6.0)
        v = d.values
        self.assertEqual(v['ka.probes'], 3)
        self.assertAlmostEqual(v['ka.silent_s'], 1.0)
        self.assertAlmostEqual(v['ka.detect_s'], 5.0)
        self.assertAlmostEqual(v['ka.detect_ratio'], 1.0)
        self.assertAlmostEqual(v['ka.first_probe_ratio'], 1.0)
        self.assertAlmostEqual(v['ka.gap_ratio_min'], 1.0)
        self.assertEqual(v['ka.rst'], 1)
        self.assertEqual(v['ka.tcpi_probes_max'], 3)
        self.assertIn('ETIMEDOUT', [m['label'] for m in d.marks['ka']])

    def test_user_timeout_cuts_it_short(self):
        v = self.run_ka([3.0], 4.0).values
        self.assertEqual(v['ka.probes'], 1)
        self.assertAlmostEqual(v['ka.detect_ratio'], 0.6)


class FlowControlAnalyzer(unittest.TestCase):
    def test_zero_window(self):
        d = RunData()
        rows = [pkt(0.0, 'c', 'S', ISN, wscale=7),
                pkt(0.001, 's', 'SA', SISN, ISN + 1, wscale=2)]
        t, seq = 0.01, ISN + 1
        # Fill a 4000-byte window, which then closes; two probes; a
        # window update of 2000 and data into it; closed again.
        for _ in range(4):
            rows.append(pkt(t, 'c', 'PA', seq, SISN + 1, ln=1000))
            seq += 1000
            t += 0.001
        rows.append(pkt(0.05, 's', 'A', SISN + 1, seq, win=0))
        rows.append(pkt(0.3, 'c', 'A', seq - 1, SISN + 1))
        rows.append(pkt(0.301, 's', 'A', SISN + 1, seq, win=0))
        rows.append(pkt(0.8, 'c', 'A', seq - 1, SISN + 1))
        rows.append(pkt(0.801, 's', 'A', SISN + 1, seq, win=0))
        rows.append(pkt(1.0, 's', 'A', SISN + 1, seq, win=500))   # x4
        rows.append(pkt(1.001, 'c', 'PA', seq, SISN + 1, ln=1000))
        rows.append(pkt(1.002, 'c', 'PA', seq + 1000, SISN + 1, ln=1000))
        rows.append(pkt(1.05, 's', 'A', SISN + 1, seq + 2000, win=0))
        d.add_table('pkt.sender', capture.COLUMNS, rows)
        d.add_table('flow.a', INFO, [
            info(0.0, busy_ms=0, snd_wnd=4000, cwnd_bytes=14480, notsent=1),
            info(0.5, busy_ms=500, rwnd_limited_ms=450, snd_wnd=0,
                 cwnd_bytes=14480, notsent=1),
            info(1.1, busy_ms=1100, rwnd_limited_ms=1000, snd_wnd=0,
                 cwnd_bytes=14480, notsent=1, bytes_acked=6000)])
        d.add_table('flow.a.server', INFO, [info(0.9, app_bytes=0),
                                            info(1.0, app_bytes=2000)])
        m = metric(FlowControl, name='fc', flow='a')
        m.node = 'sender'
        m.compute(d)
        v = d.values
        self.assertEqual(v['fc.zero_adv'], 2)
        self.assertEqual(v['fc.probes'], 2)
        self.assertEqual(v['fc.sent_beyond'], 0)
        self.assertEqual(v['fc.sent_while_zero'], 0)
        self.assertEqual(v['fc.resumes'], 1)
        self.assertAlmostEqual(v['fc.resume_ms'], 1.0, places=3)
        self.assertAlmostEqual(v['fc.rwnd_share'], 1000 / 1100, places=3)
        self.assertAlmostEqual(v['fc.cwnd_share'], 100 / 1100, places=3)
        self.assertEqual(v['fc.zero_share'], 1.0)
        self.assertEqual(d.tables['fc.progress'].rows[-1][2], 2.0)

    def test_beyond_the_window(self):
        d = RunData()
        rows = [pkt(0.0, 'c', 'S', ISN), pkt(0.001, 's', 'SA', SISN, ISN + 1),
                pkt(0.002, 's', 'A', SISN + 1, ISN + 1, win=1000),
                pkt(0.003, 'c', 'PA', ISN + 1, SISN + 1, ln=1448)]
        d.add_table('pkt.sender', capture.COLUMNS, rows)
        m = metric(FlowControl, name='fc', flow='a')
        m.node = 'sender'
        m.compute(d)
        self.assertEqual(d.values['fc.sent_beyond'], 1)

    def test_stale_ack_moves_no_edge(self):
        # ACKs captured out of order: the older one (ack 1001) must not
        # pull the right edge back under a segment the newer one allowed.
        d = RunData()
        rows = [pkt(0.0, 'c', 'S', ISN), pkt(0.001, 's', 'SA', SISN, ISN + 1),
                pkt(0.002, 's', 'A', SISN + 1, ISN + 2001, win=3000),
                pkt(0.0021, 's', 'A', SISN + 1, ISN + 1001, win=3000),
                pkt(0.003, 'c', 'PA', ISN + 4001, SISN + 1, ln=1000)]
        d.add_table('pkt.sender', capture.COLUMNS, rows)
        m = metric(FlowControl, name='fc', flow='a')
        m.node = 'sender'
        m.compute(d)
        self.assertEqual(d.values['fc.sent_beyond'], 0)


class RtoAnalyzer(unittest.TestCase):
    def run_rto(self, first, factor, n=5, ack_late=0.0):
        d = RunData()
        rows = [pkt(0.0, 'c', 'S', ISN), pkt(0.001, 's', 'SA', SISN, ISN + 1)]
        seq = ISN + 1
        for i in range(10):
            t = 0.2 * i + 0.01
            rows.append(pkt(t, 'c', 'PA', seq, SISN + 1, ln=200))
            seq += 200
            if i < 9 or not ack_late:
                rows.append(pkt(t + 0.06, 's', 'A', SISN + 1, seq))
        lost = seq
        t0 = 2.01
        rows.append(pkt(t0, 'c', 'PA', lost, SISN + 1, ln=200))
        rows.append(pkt(t0 + 0.2, 'c', 'PA', lost + 200, SISN + 1, ln=200))
        if ack_late:
            # The last segment before the black hole is acknowledged only
            # after the lost one went out: the timer restarts there.
            rows.append(pkt(t0 + ack_late, 's', 'A', SISN + 1, lost))
        start = t0 + ack_late
        t, gap = start, first
        for k in range(n):
            t += gap
            rows.append(pkt(t, 'c', 'PA', lost, SISN + 1, ln=400))
            gap *= factor
        rows.sort(key=lambda r: r[0])
        d.add_table('pkt.sender', capture.COLUMNS, rows)
        d.add_table('flow.a', INFO, [info(x / 10, rtt_ms=60.0, rttvar_ms=10.0,
                                          rto_ms=260.0) for x in range(21)] +
                    [info(2.3, backoff=1, rto_ms=520.0)])
        m = metric(RtoBackoff, name='rto', flow='a')
        m.node = 'sender'
        m.compute(d)
        return d.values

    def test_doubling(self):
        v = self.run_rto(0.26, 2.0)
        self.assertEqual(v['rto.count'], 5)
        self.assertAlmostEqual(v['rto.first_ms'], 260, places=3)
        self.assertAlmostEqual(v['rto.formula_ms'], 260)
        self.assertAlmostEqual(v['rto.first_over_formula'], 1.0, places=3)
        self.assertAlmostEqual(v['rto.first_over_armed'], 1.0, places=3)
        self.assertAlmostEqual(v['rto.ratio_min'], 2.0, places=3)
        self.assertAlmostEqual(v['rto.ratio_max'], 2.0, places=3)
        self.assertEqual(v['rto.backoff_max'], 1)

    def test_ack_restarts_the_timer(self):
        v = self.run_rto(0.26, 2.0, ack_late=0.05)
        self.assertAlmostEqual(v['rto.first_ms'], 260, places=3)

    def test_linear_backoff_fails(self):
        v = self.run_rto(0.26, 1.0)
        self.assertAlmostEqual(v['rto.ratio_max'], 1.0, places=3)

    def test_var_term_falls_a_quarter_per_rtt(self):
        from labbook.metrics.rto import var_term
        rows = [dict(rttvar_ms=150.0, bytes_acked=1),
                dict(rttvar_ms=100.0, bytes_acked=1),     # no new ACK
                dict(rttvar_ms=100.0, bytes_acked=201),   # 600 -> 550
                dict(rttvar_ms=100.0, bytes_acked=401),   # -> 512.5
                dict(rttvar_ms=200.0, bytes_acked=601)]   # up at once
        self.assertAlmostEqual(var_term(rows[:2]), 600.0)
        self.assertAlmostEqual(var_term(rows[:3]), 550.0)
        self.assertAlmostEqual(var_term(rows[:4]), 512.5)
        self.assertAlmostEqual(var_term(rows), 800.0)
        # Small variation: the 200 ms floor.
        self.assertAlmostEqual(var_term([dict(rttvar_ms=5.0, bytes_acked=1)]),
                               200.0)


class MssAnalyzer(unittest.TestCase):
    def run_mss(self, pmtud=True):
        d = RunData()
        snd = [pkt(0.0, 'c', 'S', ISN, mss=1460, ip_len=60),
               pkt(0.002, 's', 'SA', SISN, ISN + 1, mss=8960, ip_len=60)]
        rcv = [pkt(0.001, 'c', 'S', ISN, mss=1460, ip_len=60),
               pkt(0.0015, 's', 'SA', SISN, ISN + 1, mss=8960, ip_len=60)]
        seq = ISN + 1
        for i in range(3):
            snd.append(pkt(0.01 + i / 1000, 'c', 'A', seq + 1448 * i,
                           SISN + 1, ln=1448, ip_len=1500, df=int(pmtud)))
        if pmtud:
            r = dict.fromkeys(capture.COLUMNS)
            r.update(t=0.02, proto='icmp', icmp_type=3, icmp_code=4,
                     icmp_mtu=1280, sport=40000, dport=5001, flow='a',
                     ip_len=576, mf=0, frag=0)
            snd.append([r[c] for c in capture.COLUMNS])
            for i in range(5):
                snd.append(pkt(0.03 + i / 1000, 'c', 'A', seq + 1228 * i,
                               SISN + 1, ln=1228, ip_len=1280))
                rcv.append(pkt(0.031 + i / 1000, 'c', 'A', seq + 1228 * i,
                               SISN + 1, ln=1228, ip_len=1280))
        else:
            for i in range(3):
                rcv.append(pkt(0.011 + i / 1000, 'c', 'A', seq + 1448 * i,
                               SISN + 1, ln=1228, ip_len=1280, mf=1, df=0))
                rcv.append(pkt(0.0111 + i / 1000, 'c', 'A', 0, 0,
                               ip_len=240, frag=1256, proto='frag',
                               flow=None, sport=None, dport=None))
        rcv.append(pkt(0.1, 's', 'FA', SISN + 1, seq))
        d.add_table('pkt.sender', capture.COLUMNS, sorted(snd))
        d.add_table('pkt.receiver', capture.COLUMNS, sorted(rcv))
        d.add_table('flow.a', INFO, [info(0.0, pmtu=1500, snd_mss=1448),
                                     info(0.1, pmtu=1280 if pmtud else 1500,
                                          snd_mss=1228)])
        d.values.update({'flow.a.mtu': 1500, 'flow.a.server_mtu': 9000})
        m = metric(MssPmtu, name='m', flow='a')
        m.snode, m.rnode = 'sender', 'receiver'
        m.compute(d)
        return d.values

    def test_pmtud(self):
        v = self.run_mss()
        self.assertEqual(v['m.syn_mss_minus_mtu'], -40)
        self.assertEqual(v['m.synack_mss_minus_mtu'], -40)
        self.assertEqual((v['m.first_len'], v['m.max_len']), (1500, 1500))
        self.assertEqual((v['m.icmp'], v['m.icmp_mtu']), (1, 1280))
        self.assertEqual(v['m.after_len_max'], 1280)
        self.assertEqual(v['m.fragments'], 0)
        self.assertEqual(v['m.df_share'], 1.0)
        self.assertEqual(v['m.pmtu_end'], 1280)

    def test_fragmented(self):
        v = self.run_mss(pmtud=False)
        self.assertEqual(v['m.icmp'], 0)
        self.assertEqual(v['m.after_len_max'], 1500)
        self.assertEqual(v['m.fragments'], 6)
        self.assertEqual(v['m.df_share'], 0.0)


if __name__ == '__main__':
    unittest.main()
