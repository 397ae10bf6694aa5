# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the flood, listen-queue and cookie plug-ins: their file
checks, their parsers (sock_diag messages, /proc/stat) and their
analyzers on synthetic data. No root, no network:
python3 -m unittest discover -s scripts/lab/tests
"""
import os
import struct
import tempfile
import textwrap
import time
import unittest

from _util import EXP, FileCase, write
from labbook import spec  # noqa: E402
from labbook.data import RunData  # noqa: E402
from labbook.measures import cpu, sampled  # noqa: E402
from labbook.metrics import phases  # noqa: E402
from labbook.workloads import connect, sysctl as wsysctl  # noqa: E402


# Every file here: an experiment on the flood topology.
HEAD = textwrap.dedent('''
    [experiment]
    title = "t"
    claim = "c"
    source = "s"
    [topology]
    shape = "flood"
''')

FLOOD = HEAD + textwrap.dedent('''
    [[flow]]
    kind = "listener"
    name = "srv"
    port = 8080
    pause = ["2s", "5s"]
    [[flow]]
    kind = "connect"
    name = "c"
    port = 8080
    duration = "6s"
    interval = "100ms"
    [[flow]]
    kind = "flood"
    name = "f"
    port = 8080
    rate = 1000
    duration = "3s"
    [[flow]]
    kind = "sysctl"
    name = "on"
    start = "1s"
    set = { "net.ipv4.tcp_syncookies" = 2 }
    [[measure]]
    kind = "listen"
    node = "server"
    ports = 8080
    counters = ["TcpExtListenOverflows"]
    [[metric]]
    kind = "accept_pause"
    name = "pause"
    flow = "c"
    listener = "srv"
    [[metric]]
    kind = "phases"
    name = "p"
    phases = { a = ["0s", "2s"], b = ["2s", "5s"] }
    stats = ["flow.c:ok:percent", "listen.server.8080:syn_queue:max"]
    [[verdict]]
    claim = "x"
    metric = "p.a.ok.percent"
    min = 99
''')


class Files(FileCase):
    def load(self, text):
        return self.load_text(text).variants[0]

    def test_flood_file(self):
        e = self.load(FLOOD)
        f = [w for w in e.workloads if w.kind == 'flood'][0]
        # from defaults to the flood topology's attacker
        self.assertEqual((f.src, f.dst), ('attacker', 'server'))
        self.assertEqual(str(f.prefix), '10.200.0.0/16')
        self.assertEqual(f.end_time(), 5.0)
        c = [w for w in e.workloads if w.kind == 'connect'][0]
        self.assertEqual(c.count, 60)
        self.assertEqual(c.ports, [8080])
        s = [w for w in e.workloads if w.kind == 'sysctl'][0]
        self.assertEqual(s.values, {'net.ipv4.tcp_syncookies': 2})
        self.assertIn('pause.done_after_pct', e.outputs.values)
        self.assertIn('listen.server.8080', e.outputs.tables)

    def test_refusals(self):
        self.refused(FLOOD.replace('rate = 1000', 'rate = -5'), 'flow.2.rate')
        self.refused(FLOOD.replace('name = "f"', 'name = "f"\nsources = "8.8.0.0/16"'),
                     'flow.2.sources')
        self.refused(FLOOD.replace('name = "f"', 'name = "f"\npacket = "fin"'),
                     'flow.2.packet')
        self.refused(FLOOD.replace('pause = ["2s", "5s"]', 'pause = ["5s", "2s"]'),
                     'flow.0.pause')
        self.refused(FLOOD.replace('"net.ipv4.tcp_syncookies" = 2',
                                   '"net.tcp_lab.syncookie_mode" = 7'),
                     'flow.3.set.net.tcp_lab.syncookie_mode')
        self.refused(FLOOD.replace('duration = "6s"\n', ''), 'flow.1.duration')
        self.refused(FLOOD.replace('port = 8080\nduration', 'port = [8080, "x"]\nduration'),
                     'flow.1.port')
        self.refused(FLOOD.replace('a = ["0s", "2s"]', 'a = ["2s", "1s"]'),
                     'metric.1.phases.a')
        self.refused(FLOOD.replace('"flow.c:ok:percent"', '"flow.c:ok:mode"'),
                     'metric.1.stats')
        self.refused(FLOOD.replace('listener = "srv"', 'listener = "c"'),
                     'metric.0.listener')

    def test_builtin_and_mutant(self):
        for f in ('backlog', 'synflood', 'cookie_price', 'ackflood'):
            e = spec.load(os.path.join(EXP, f + '.toml')).variants[0]
            self.assertTrue(e.verdicts)
        m = spec.load(os.path.join(EXP, 'mutants', 'synflood-nocookies.toml'))
        e = m.variants[0]
        self.assertEqual(e.meta['expect'], 'not held')
        self.assertEqual(e.sysctl['server']['net.ipv4.tcp_syncookies'], 0)
        self.assertEqual(e.sysctl['server']['net.tcp_lab.syncookie_mode'], 0)
        k = [w for w in e.workloads if w.name == 'kernel_cookies'][0]
        self.assertEqual(k.values, {'net.ipv4.tcp_syncookies': 0})


STEPS = HEAD + textwrap.dedent('''
    [[flow]]
    kind = "flood_steps"
    name = "fl"
    from = "router"
    port = 8000
    steps = [0, 4000, 8000]
    step = "5s"
    quiet = "2s"
    [[verdict]]
    claim = "x"
    metric = "flow.fl.min_reached_ratio"
    min = 0.9
''')


class QuietWindow(FileCase):
    """flood_steps' `quiet`: the server CPU is read over the start of
    each flood, the legitimate clients only after it."""

    def flow(self, text):
        e = self.load_text(text).variants[0]
        return [w for w in e.workloads if w.kind == 'flood_steps'][0]

    def test_clients_start_after_the_cpu_window(self):
        from labbook.workloads import floodsteps as fs
        w = self.flow(STEPS)
        w.plan = w._schedule(100.0)
        for p, ((i, alt, rate, t), (j, a, b)) in enumerate(
                zip(w.plan, w._client_windows())):
            self.assertEqual((p, alt), (j, 0))
            start = t + fs.STARTUP      # when the step's flood begins
            lo, hi = w.cpu_window(start, start + 5.0)
            self.assertEqual((lo, hi), (start, start + 2.0))
            self.assertGreaterEqual(a, hi + fs.QUIET_GAP - 1e-9)
            self.assertGreaterEqual(b - a, fs.CLIENTS_MIN - fs.QUIET_GAP - 0.3)
        # Without it: the whole window, clients from 0.5 s.
        w = self.flow(STEPS.replace('quiet = "2s"\n', ''))
        w.plan = w._schedule(100.0)
        self.assertEqual(w.cpu_window(10.0, 15.0), (10.0, 15.0))
        t = w.plan[1][3]
        self.assertAlmostEqual(w._client_windows()[1][1], t + fs.STARTUP + 0.5)

    def test_refused(self):
        self.refused(STEPS.replace('quiet = "2s"', 'quiet = "4.5s"'),
                     'flow.0.quiet')


PAIRED = STEPS.replace('quiet = "2s"\n', textwrap.dedent('''\
    quiet = "2s"
    profile = 4000
    labels = ["kernel", "hook"]
    alternate = { "net.tcp_lab.syncookie_mode" = 2, "net.ipv4.tcp_syncookies" = 1 }
    '''))


class FakeNet:
    def __init__(self):
        self.commands = []
        self.writes = []

    def sysctl(self, node, name, text):
        self.writes.append((node, name, text))


class FakeData:
    def __init__(self):
        self.tables, self.values = {}, {}

    def add_table(self, name, cols, rows):
        self.tables[name] = [dict(zip(cols, r)) for r in rows]

    def add_value(self, name, v):
        self.values[name] = v

    def note(self, text):
        pass


class Alternate(FileCase):
    """flood_steps' `alternate`: each flooding step twice, the server's
    sysctls switched between the twins, ABBA, a row and a fit each."""

    def flow(self, text):
        e = self.load_text(text).variants[0]
        return [w for w in e.workloads if w.kind == 'flood_steps'][0]

    def test_plan_abba(self):
        w = self.flow(PAIRED.replace('[0, 4000, 8000]', '[0, 4000, 8000, 16000]'))
        w.plan = w._schedule(100.0)
        self.assertEqual([(i, a, r) for i, a, r, t in w.plan],
                         [(0, 0, 0), (1, 0, 4000), (1, 1, 4000), (2, 1, 8000),
                          (2, 0, 8000), (3, 0, 16000), (3, 1, 16000)])
        ts = [t for i, a, r, t in w.plan]
        self.assertEqual(ts, sorted(ts))
        self.assertAlmostEqual(ts[1] - ts[0], w._period())
        # One window of clients per slot, each inside its own twin.
        self.assertEqual([x[0] for x in w._client_windows()], list(range(7)))
        # 7 steps and two profiles, each with its report.
        from labbook.workloads import _perf
        self.assertAlmostEqual(w.end_time(), 9 * w._period() + 2 * _perf.REPORT_S)
        self.assertIn('flow.fl.profile_alt', w.outputs().tables)
        plain = self.flow(STEPS)
        self.assertEqual(len(plain._schedule(0.0)), 3)
        self.assertNotIn('flow.fl.profile_alt', plain.outputs().tables)

    def test_switch_and_restore(self):
        w = self.flow(PAIRED)
        ctx = type('Ctx', (), {})()
        ctx.net = FakeNet()
        w.alt_now = 0
        w.alt_base = {'net.tcp_lab.syncookie_mode': '0',
                      'net.ipv4.tcp_syncookies': '2'}
        w._configure(ctx, 0)
        self.assertEqual(ctx.net.writes, [])
        w._configure(ctx, 1)
        w._configure(ctx, 1)
        w._configure(ctx, 0)
        self.assertEqual(ctx.net.writes, [
            ('server', 'net.tcp_lab.syncookie_mode', '2'),
            ('server', 'net.ipv4.tcp_syncookies', '1'),
            ('server', 'net.tcp_lab.syncookie_mode', '0'),
            ('server', 'net.ipv4.tcp_syncookies', '2')])

    def test_rows_and_fits_per_configuration(self):
        import threading
        w = self.flow(PAIRED)
        w.plan = w._schedule(0.0)
        cost = {0: 20e-6, 1: 10e-6}       # seconds of CPU per packet
        w.rows = []
        for p, (i, alt, rate, t) in enumerate(w.plan):
            busy = 2.0 * (0.05 + cost[alt] * rate)
            w.rows.append({
                'step': i, 'rate': rate, '_slot': p, '_alt': alt,
                'config': w.item['labels'][alt], 'taken_pps': rate,
                'answered_pps': rate, 'reached_ratio': 1.0 if rate else None,
                'kept_up': 1, '_busy': busy, '_window': 2.0,
                '_taken': 2.0 * rate, '_answered': 2.0 * rate})
        d = tempfile.mkdtemp()
        w.raw = os.path.join(d, 'flow-fl')
        # Slot 2 (the hook at 4000/s) lost its only client.
        write(d, 'flow-fl.clients.json',
              '[[1, 0, 1, 2.0, 3.0, "ok"], [2, 0, 0, null, null, "timeout"]]')
        w.thread = threading.Thread(target=lambda: None)
        w.thread.start()
        w.error = None
        w.clients = type('P', (), {'wait': lambda self, t: 0})()
        w.profile_rows = {'': [], '_alt': []}
        ctx = type('Ctx', (), {})()
        ctx.data = FakeData()
        w.finish(ctx, time.monotonic() + 10)
        rows = ctx.data.tables['flow.fl']
        # The one baseline, under both names.
        self.assertEqual([(r['step'], r['config']) for r in rows],
                         [(0, 'kernel'), (0, 'hook'), (1, 'kernel'),
                          (1, 'hook'), (2, 'hook'), (2, 'kernel')])
        self.assertEqual(rows[0]['cpu_util'], rows[1]['cpu_util'])
        fit = {r['config']: r['cpu_us_per_pkt_fit'] for r in rows if r['rate']}
        self.assertEqual(fit, {'kernel': 20.0, 'hook': 10.0})
        self.assertEqual(ctx.data.values['flow.fl.cpu_us_per_pkt_fit'], 20.0)
        per = {(r['step'], r['config']): r['cpu_us_per_pkt'] for r in rows}
        self.assertAlmostEqual(per[(2, 'hook')], 10.0)
        self.assertAlmostEqual(per[(2, 'kernel')], 20.0)
        ok = {(r['step'], r['config']): r['success_pct'] for r in rows}
        self.assertEqual((ok[(1, 'kernel')], ok[(1, 'hook')]), (100.0, 0.0))
        self.assertIn('flow.fl.profile_alt', ctx.data.tables)

    def test_refused(self):
        self.refused(PAIRED.replace('"net.tcp_lab.syncookie_mode" = 2',
                                    '"net.tcp_lab.syncookie_mode" = 7'),
                     'flow.0.alternate.net.tcp_lab.syncookie_mode')
        self.refused(PAIRED.replace('"net.ipv4.tcp_syncookies"',
                                    '"kernel.panic"'),
                     'flow.0.alternate.kernel.panic')
        self.refused(PAIRED.replace('["kernel", "hook"]', '["k", "k"]'),
                     'flow.0.labels')
        self.refused(PAIRED.replace('["kernel", "hook"]', '["k"]'),
                     'flow.0.labels')


class Parsers(unittest.TestCase):
    def test_sock_diag(self):
        """Listeners and request socks counted by port from a dump."""
        def msg(state, sport, rq=0, wq=0, attrs=b''):
            body = struct.pack('=BBBB', 2, state, 0, 0) + \
                struct.pack('>HH', sport, 40000) + b'\0' * 44 + \
                struct.pack('=IIIII', 0, rq, wq, 0, 0) + attrs
            return struct.pack('=IHHII', 16 + len(body), 20, 2, 1, 0) + body
        done = struct.pack('=IHHII', 20, sampled.NLMSG_DONE, 2, 1, 0) + b'\0' * 4

        class Sock:
            def __init__(self, chunks):
                self.chunks = list(chunks)

            def send(self, b):
                pass

            def recv(self, n):
                return self.chunks.pop(0)

        d = sampled.Diag.__new__(sampled.Diag)
        d.req = d.req_info = b''
        d.s = Sock([msg(10, 8080, 9, 8) + msg(3, 8080) + msg(3, 8080),
                    msg(3, 9999) + msg(10, 8081, 0, 128) + done])
        self.assertEqual(d.sample([8080, 8081]), {8080: [2, 9, 8],
                                                  8081: [0, 0, 128]})
        # TCP_INFO: options TS|SACK, no WSCALE; mss 1460
        info = bytes([1, 0, 0, 0, 0, 3, 0x77, 0]) + struct.pack('=4I', 0, 0,
                                                                1460, 0)
        attr = struct.pack('=HH', 4 + len(info), sampled.INET_DIAG_INFO) + info
        d.s = Sock([msg(1, 5001, attrs=attr) + done])
        self.assertEqual(d.options({5001}), [[5001, 1, 1, -1, -1, 1460]])
        info = bytes([1, 0, 0, 0, 0, 7, 0x97, 0]) + struct.pack('=4I', 0, 0,
                                                                1448, 0)
        attr = struct.pack('=HH', 4 + len(info), sampled.INET_DIAG_INFO) + info
        d.s = Sock([msg(1, 5001, attrs=attr) + done])
        self.assertEqual(d.options({5001}), [[5001, 1, 1, 7, 9, 1448]])

    def test_cpu_fractions(self):
        a = (100, 50, 800, 0, 50, 0)
        b = (130, 60, 880, 0, 80, 0)      # 30 user, 10 sys, 80 idle, 30 si
        f = cpu.fractions(a, b)
        self.assertEqual(f, [round(70 / 150, 4), 0.2, round(10 / 150, 4), 0.2, 0.0])
        self.assertIsNone(cpu.fractions(a, a))

    def test_sysctl_flat(self):
        self.assertEqual(wsysctl.flat({'net': {'ipv4': {'tcp_sack': 0}},
                                       'net.core.somaxconn': 8}),
                         {'net.ipv4.tcp_sack': 0, 'net.core.somaxconn': 8})


class Analyzers(unittest.TestCase):
    def test_percentiles_and_bins(self):
        self.assertEqual(connect.percentile([5, 1, 3, 2, 4], 50), 3)
        self.assertEqual(connect.percentile(list(range(1, 101)), 99), 99)
        self.assertIsNone(connect.percentile([], 50))
        rows = [(0.1, 1), (0.6, 0), (1.2, 1), (1.7, 1)]
        self.assertEqual(connect.per_second(rows, 0.0),
                         [[1.0, 2, 1, 50.0], [2.0, 2, 2, 100.0]])
        s = connect.summarize([
            {'ok': True, 'connect_ms': 1.0, 'reply_ms': 2.0, 'syn_retrans': 0},
            {'ok': False, 'connect_ms': None, 'reply_ms': None, 'syn_retrans': 1},
        ])
        self.assertEqual((s['attempts'], s['ok'], s['success_pct'],
                          s['syn_retrans']), (2, 1, 50.0, 1))

    def test_stats(self):
        rows = [(0, 10), (1, None), (2, 30), (3, 40)]
        self.assertEqual(phases.stat(rows, 'count'), 3)
        self.assertAlmostEqual(phases.stat(rows, 'mean'), 80 / 3)
        self.assertEqual(phases.stat(rows, 'delta'), 30)
        self.assertEqual(phases.stat(rows, 'rate'), 10)
        self.assertEqual(phases.stat(rows, 'max'), 40)
        self.assertEqual(phases.stat([(0, 1), (1, 0)], 'percent'), 50)
        self.assertIsNone(phases.stat([(0, None)], 'mean'))
        self.assertIsNone(phases.stat([(0, 5)], 'rate'))

    def _run(self, text, data):
        e = spec.load(write(tempfile.mkdtemp(), 'x.toml', text)).variants[0]
        for m in e.metrics:
            m.compute(data)
        return data

    def test_accept_pause_and_phases(self):
        d = RunData()
        # pause 2..5 s: two queued (connected at once, echo after 5 s),
        # one retried (connects after 5 s), one before the pause.
        d.add_table('flow.c', connect.CONNECT_COLUMNS, [
            [1.0, 8080, 1, 0.2, 0.5, 0, 'ok'],
            [2.2, 8080, 1, 0.2, 2900.0, 0, 'ok'],
            [2.4, 8080, 1, 0.2, 2700.0, 0, 'ok'],
            [3.0, 8080, 1, 3000.0, 3000.5, 2, 'ok'],
            [4.0, 8080, 0, None, None, None, 'timeout'],
        ])
        d.add_table('listen.server.8080', ['t', 'syn_queue', 'accept_queue',
                                           'backlog'],
                    [[0.5, 0, 0, 8], [3.0, 4, 2, 8], [6.0, 1, 0, 8]])
        self._run(FLOOD, d)
        v = d.values
        self.assertEqual((v['pause.attempts'], v['pause.connected'],
                          v['pause.replied'], v['pause.retried']), (4, 2, 0, 1))
        self.assertEqual(v['pause.done_after_pct'], 75.0)
        self.assertAlmostEqual(v['pause.wait_after_s'], 1.0, places=2)
        self.assertEqual(v['p.a.ok.percent'], 100.0)
        self.assertEqual(v['p.b.ok.percent'], 75.0)
        self.assertEqual(v['p.b.syn_queue.max'], 4)
        self.assertEqual([m['label'] for m in d.marks['p']], ['a', 'b'])

    def test_ratio(self):
        text = FLOOD + textwrap.dedent('''
            [[metric]]
            kind = "ratio"
            name = "r"
            num = "p.b.ok.percent"
            den = "p.a.ok.percent"
            subtract = 50
        ''')
        d = RunData()
        d.add_table('flow.c', connect.CONNECT_COLUMNS,
                    [[1.0, 8080, 1, 1, 1, 0, 'ok'], [3.0, 8080, 1, 1, 1, 0, 'ok'],
                     [4.0, 8080, 0, None, None, None, 'timeout']])
        self._run(text, d)
        self.assertEqual(d.values['r.ratio'], 0.0)   # (50 - 50) / (100 - 50)


if __name__ == '__main__':
    unittest.main()


class PerfReport(unittest.TestCase):
    # The shape of `perf report --children --sort dso,sym -g none`.
    TEXT = textwrap.dedent('''\
        # Children      Self  Shared Object      Symbol
        # ........  ........  .................  ......
        #
            75.00%     0.00%  [kernel.kallsyms]  [k] do_idle
            60.00%    60.00%  [kernel.kallsyms]  [k] pv_native_safe_halt
            30.00%     1.00%  [kernel.kallsyms]  [k] handle_softirqs
            12.00%     2.00%  [tcp_lab]          [k] lab_sc_hook_v4
             4.00%     4.00%  [kernel.kallsyms]  [k] siphash_4u32
    ''')

    def test_rows_and_busy_share(self):
        from labbook.workloads._perf import parse_report as parse_perf_report
        rows = {r[1]: r for r in parse_perf_report(self.TEXT)}
        # The halt is the idle time: gone, and 40 % of samples are busy.
        self.assertNotIn('pv_native_safe_halt', rows)
        self.assertEqual(rows['lab_sc_hook_v4'],
                         ['tcp_lab', 'lab_sc_hook_v4', 12.0, 2.0, 30.0])
        self.assertEqual(rows['handle_softirqs'][4], 75.0)
        self.assertEqual(rows['siphash_4u32'][4], 10.0)
        # do_idle encloses the halt: no busy share.
        self.assertIsNone(rows['do_idle'][4])


class CostFit(unittest.TestCase):
    def test_slope_over_steps(self):
        from labbook.workloads.floodsteps import fit_cost
        # 8 % busy at rest, 20 us per packet: 0.28 at 10000/s.
        pts = [(r, 0.08 + 20e-6 * r) for r in (0, 2000, 4000, 10000)]
        self.assertAlmostEqual(fit_cost(pts) * 1e6, 20.0)
        # Noise on one step moves the fit less than that step's own
        # difference from the baseline.
        noisy = pts[:1] + [(2000, 0.08 + 0.08)] + pts[2:]
        one = (noisy[1][1] - 0.08) / 2000 * 1e6
        self.assertLess(abs(fit_cost(noisy) * 1e6 - 20), abs(one - 20))
        self.assertIsNone(fit_cost(pts[:2]))
        self.assertIsNone(fit_cost([(5, 0.1)] * 3))


class DevCounters(unittest.TestCase):
    def test_several_devices_in_one_read(self):
        from labbook.workloads.floodsteps import read_dev
        lo, none = read_dev(os.getpid(), 'lo', 'lab_no_such_dev')
        self.assertEqual(none, (0, 0))
        self.assertTrue(all(isinstance(x, int) and x >= 0 for x in lo))
        self.assertGreaterEqual(read_dev(os.getpid(), 'lo')[0][0], lo[0])
