# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the lab book engine's pure parts: parsing, validation,
derivation, verdicts and the analyzers on synthetic series. No root, no
network: python3 -m unittest discover -s scripts/lab/tests
"""
import math
import os
import textwrap
import unittest

from _util import EXP, FileCase, write
from labbook import spec, units, verdict  # noqa: E402
from labbook.data import RunData  # noqa: E402
from labbook.metrics import _cwnd  # noqa: E402
from labbook.metrics.cubic import CubicEpochs  # noqa: E402
from labbook.metrics.reno import RenoPhases  # noqa: E402
from labbook.metrics.sharing import jain  # noqa: E402
from labbook.metrics.ssexit import SsExit  # noqa: E402
from labbook import svg  # noqa: E402


MINIMAL = textwrap.dedent('''
    [experiment]
    title = "t"
    claim = "c"
    source = "s"
    [topology]
    shape = "dumbbell"
    [path]
    rate = "10mbit"
    rtt = "40ms"
    [[flow]]
    name = "a"
    algorithm = "reno"
    duration = "2s"
    [[verdict]]
    claim = "x"
    metric = "flow.a.goodput_mbit"
    min = 1
''')


class Units(unittest.TestCase):
    def test_rate(self):
        self.assertEqual(units.rate('10mbit'), 10e6)
        self.assertEqual(units.rate('1.5 Gbit'), 1.5e9)
        for bad in ('10', '10mbps', 'fast', -1, '0mbit', True):
            with self.assertRaises(ValueError):
                units.rate(bad)

    def test_time(self):
        self.assertAlmostEqual(units.time('40ms'), 0.04)
        self.assertEqual(units.time('2s'), 2.0)
        for bad in (40, '-5ms', '3 parsecs'):
            with self.assertRaises(ValueError):
                units.time(bad)

    def test_buffer_percent_size(self):
        self.assertEqual(units.buffer(100), (100.0, 'packets'))
        self.assertEqual(units.buffer('2 bdp'), (2.0, 'bdp'))
        self.assertEqual(units.percent('0.5%'), 0.5)
        self.assertEqual(units.size('10MB'), 10_000_000)
        with self.assertRaises(ValueError):
            units.percent(1)
        with self.assertRaises(ValueError):
            units.buffer(0)


class Spec(FileCase):
    def refused(self, text, key):
        e = super().refused(text, key)
        self.assertIn('x.toml', str(e))

    def test_builtin_files_validate(self):
        names = [f for f in os.listdir(EXP) if f.endswith('.toml')]
        self.assertGreaterEqual(len(names), 4)
        for s in spec.load_many([os.path.join(EXP, f) for f in names] +
                                [os.path.join(EXP, 'mutants', f)
                                 for f in os.listdir(os.path.join(EXP, 'mutants'))]):
            self.assertTrue(s.variants[0].verdicts)

    def test_minimal(self):
        s = spec.load(write(self.d, 'm.toml', MINIMAL))
        e = s.variants[0]
        self.assertEqual(e.name, 'm')
        self.assertEqual(e.path['forward']['buffer_packets'], 33)
        self.assertAlmostEqual(e.path['rtt'], 0.04)

    def test_refusals(self):
        self.refused(MINIMAL + '[path.forward]\ncolour = 1\n', 'path.forward.colour')
        self.refused(MINIMAL.replace('"10mbit"', '"10mbps"'), 'path.rate')
        self.refused(MINIMAL.replace('"40ms"', '-40'), 'path.rtt')
        self.refused(MINIMAL + '[sysctl.sender]\n"kernel.panic" = 1\n',
                     'sysctl.sender.kernel.panic')
        self.refused(MINIMAL + '[sysctl.sender]\nnet.tcp_lab.nosuch = 1\n',
                     'sysctl.sender.net.tcp_lab.nosuch')
        self.refused(MINIMAL + '[sysctl.sender]\nnet.tcp_lab.reno_beta = 5000\n',
                     'sysctl.sender.net.tcp_lab.reno_beta')
        self.refused(MINIMAL + '[sysctl.moon]\nnet.ipv4.tcp_sack = 0\n', 'sysctl.moon')
        self.refused(MINIMAL.replace('metric = "flow.a.goodput_mbit"',
                                     'metric = "flow.a.nothing"'), 'verdict.0.metric')
        self.refused(MINIMAL + '[[plot]]\ntitle = "p"\nseries = ["flow.a:nocol"]\n',
                     'plot.0.series')
        self.refused(MINIMAL + 'oops = 1\n', 'verdict.0.oops')
        self.refused(MINIMAL.replace('duration = "2s"', 'durration = "2s"'),
                     'flow.0.durration')
        self.refused(MINIMAL + '[[measure]]\nkind = "telepathy"\n', 'measure.0.kind')

    def test_base_override_set_matrix(self):
        write(self.d, 'base.toml', MINIMAL)
        p = write(self.d, 'derived.toml', textwrap.dedent('''
            base = "base.toml"
            [experiment]
            title = "derived"
            reps = 2
            [override]
            path.rate = "20mbit"
            "flow.a.algorithm" = "cubic"
            "flow.a.cc" = { hystart = 0 }
            [matrix]
            path.buffer = [10, "2bdp"]
        '''))
        s = spec.load(p, [spec.parse_set('path.rtt=80ms')])
        self.assertEqual(s.name, 'derived')
        self.assertEqual(s.reps, 2)
        self.assertEqual(len(s.variants), 2)
        a, b = s.variants
        self.assertEqual(a.path['forward']['rate'], 20e6)
        self.assertAlmostEqual(a.path['rtt'], 0.08)
        self.assertEqual(a.workloads[0].item['algorithm'], 'cubic')
        self.assertEqual(a.workloads[0].item['cc'], {'hystart': 0})
        self.assertEqual(a.path['forward']['buffer_packets'], 10)
        self.assertEqual(b.path['forward']['buffer_packets'], 264)
        self.assertEqual(a.params, {'path.buffer': 10})

    def test_resolved_json_roundtrip(self):
        s = spec.load(os.path.join(EXP, 'mutants', 'reno-beta900.toml'))
        p = write(self.d, 'r.json', spec.resolved_json(s))
        t = spec.load(p)
        self.assertEqual(t.name, 'reno-beta900')
        self.assertEqual(t.variants[0].sysctl['sender']['net.tcp_lab.reno_beta'], 900)
        self.assertEqual(t.variants[0].meta['expect'], 'not held')


class Verdicts(unittest.TestCase):
    def test_bounds_and_comparisons(self):
        v = {'claim': 'c', 'metric': 'x', 'min': 0.45, 'max': 0.55}
        self.assertEqual(verdict.judge(v, {'x': 0.5})['status'], verdict.HELD)
        self.assertEqual(verdict.judge(v, {'x': 0.88})['status'], verdict.NOT_HELD)
        self.assertEqual(verdict.judge(v, {})['status'], verdict.ERROR)
        c = {'claim': 'c', 'metric': 'x', 'below': 'y', 'factor': 0.5}
        self.assertEqual(verdict.judge(c, {'x': 1, 'y': 4})['status'], verdict.HELD)
        self.assertEqual(verdict.judge(c, {'x': 3, 'y': 4})['status'], verdict.NOT_HELD)
        self.assertEqual(verdict.judge(c, {'x': 3})['status'], verdict.ERROR)

    def test_median(self):
        self.assertEqual(verdict.aggregate([{'a': 1}, {'a': 5}, {'a': 2}])['a'], 2)


def reno_series(rtt=0.05, loss_at=60, beta=0.5, rto_at=None):
    """A synthetic Reno flow, one sample per ACK, one round trip at a
    time (a round's ACKs are the cwnd it started with): slow start from
    10, reduction to beta at loss_at, +1 per RTT, an optional timeout."""
    s, t, cwnd, ss = [], 0.0, 10, 0
    rto_done = False
    while t < 20:
        if rto_at and not rto_done and t >= rto_at:
            rto_done = True
            ss, cwnd = max(int(cwnd * 0.5), 2), 1
            t += 0.5
        n = cwnd
        for i in range(n):
            s.append((round(t, 4), int(cwnd), ss, rtt))
            if ss == 0 or cwnd < ss:
                cwnd += 1
            elif i == n - 1:
                cwnd += 1
            if cwnd >= loss_at:
                ss = int(cwnd * beta)
                cwnd = ss
            t += rtt / n
    return s


class Analyzers(unittest.TestCase):
    def data(self, series):
        d = RunData()
        d.add_table('trace.f', ['t', 'cwnd', 'ssthresh', 'srtt_ms'],
                    [[t, c, ss, r * 1000] for t, c, ss, r in series])
        return d

    def reno(self, series):
        m = RenoPhases({'kind': 'reno_phases', 'name': 'r', 'flow': 'f',
                        'series': 'trace.f'}, None, 'metric.0')
        m.name, m.series = 'r', 'trace.f'
        d = self.data(series)
        m.compute(d)
        return d.values

    def test_reno_phases(self):
        v = self.reno(reno_series(rto_at=12.0))
        self.assertAlmostEqual(v['r.ss_growth'], 2.0, delta=0.25)
        self.assertAlmostEqual(v['r.ca_growth'], 1.0, delta=0.2)
        self.assertAlmostEqual(v['r.fr_beta'], 0.5, delta=0.02)
        self.assertEqual(v['r.rto_count'], 1)
        self.assertEqual(v['r.rto_cwnd'], 1)
        self.assertAlmostEqual(v['r.rto_ss_growth'], 2.0, delta=0.3)

    def test_reno_mutant_beta(self):
        v = self.reno(reno_series(beta=0.88))
        self.assertAlmostEqual(v['r.fr_beta'], 0.88, delta=0.02)

    def test_cubic_on_its_own_curve(self):
        C, beta, rtt = 0.4, 0.7, 0.05
        s, t, ss = [(0.0, 10, 0, rtt)], 0.1, 0
        for wmax in (100, 140, 90):
            s.append((t, wmax, ss, rtt))            # the loss finds cwnd = W
            ss = int(wmax * beta)
            t += 0.01
            start = ss
            K = ((wmax - start) / C) ** (1 / 3)
            x = 0.0
            while x < K * 1.3:
                c = max(start, C * (x + rtt - K) ** 3 + wmax)
                s.append((round(t + x, 4), int(round(c)), ss, rtt))
                x += 0.01
            t += x
        m = CubicEpochs({'kind': 'cubic_epochs', 'name': 'c', 'flow': 'f',
                         'series': 'trace.f', 'c': C, 'beta': beta,
                         'fast_convergence': False}, None, 'metric.0')
        m.name, m.series = 'c', 'trace.f'
        d = self.data(s)
        m.compute(d)
        v = d.values
        self.assertEqual(v['c.epochs'], 3)
        self.assertLess(v['c.fit_err'], 0.02)
        self.assertLess(v['c.k_err'], 0.05)
        self.assertAlmostEqual(v['c.beta'], 0.7, delta=0.02)

    def ss_exit(self, rows, **counters):
        m = SsExit({'kind': 'ss_exit', 'name': 'x', 'flow': 'f'}, None,
                   'metric.0')
        m.name, m.node = 'x', 'sender'
        d = RunData()
        d.add_table('flow.f', ['t', 'cwnd', 'ssthresh', 'ca_state'], rows)
        for k, v in counters.items():
            d.add_value('lab.sender.cubic_ss_exit_' + k, v)
        m.compute(d)
        return d.values

    def test_ss_exit_cwnd(self):
        grow = [[0.1 * i, 10 * 2 ** i, 0, 0] for i in range(5)]
        # A HyStart exit sets ssthresh to the cwnd it stops at.
        v = self.ss_exit(grow + [[0.5, 170, 170, 0]], delay=1)
        self.assertEqual((v['x.reason'], v['x.exit_cwnd']), ('delay', 170))
        # A loss: ssthresh = cwnd x 717/1024.
        v = self.ss_exit(grow + [[0.5, 119, 119, 3]], loss=1)
        self.assertEqual((v['x.reason'], v['x.exit_cwnd']), ('loss', 170))
        # CSS ended with the flow's last ACKs, after the last sample:
        # that sample's cwnd, not nothing.
        v = self.ss_exit(grow, css=1)
        self.assertEqual((v['x.reason'], v['x.exit_cwnd']), ('css', 160))
        self.assertAlmostEqual(v['x.exit_s'], 0.4)

    def test_jain(self):
        self.assertAlmostEqual(jain([5, 5]), 1.0)
        self.assertAlmostEqual(jain([10, 0]), 0.5)

    def test_reductions_undo_is_not_a_loss(self):
        s = [(0, 10, 0, .05), (1, 40, 0, .05), (1.1, 40, 20, .05),
             (1.2, 20, 20, .05), (1.3, 40, 40, .05), (2, 41, 40, .05)]
        self.assertEqual(_cwnd.reductions(s), [])
        r = _cwnd.reductions(s, undone=True)
        self.assertEqual(len(r), 1)
        self.assertTrue(r[0].undone)

    def test_undo_back_to_slow_start(self):
        # a spurious loss early in slow start, undone: ssthresh unset again
        s = [(0, 10, 0, .05), (0.1, 28, 0, .05), (0.11, 22, 19, .05),
             (0.12, 30, 0, .05), (0.5, 300, 0, .05), (0.6, 300, 150, .05),
             (0.7, 150, 150, .05)]
        r = _cwnd.reductions(s)
        self.assertEqual([(x.t, x.cwnd_before) for x in r], [(0.6, 300)])

    def test_timeout_during_recovery(self):
        # an RTO in Recovery does not set ssthresh again; cwnd collapses
        s = [(0, 40, 0, .05), (0.1, 40, 20, .05), (0.2, 30, 20, .05),
             (0.8, 1, 20, .05), (0.9, 2, 20, .05), (1.0, 4, 20, .05),
             (1.1, 8, 20, .05), (1.2, 16, 20, .05), (1.3, 20, 20, .05)]
        r = _cwnd.reductions(s)
        self.assertEqual([x.kind for x in r], ['fast', 'timeout'])
        self.assertEqual(r[1].cwnd_min, 1)

    def test_loss_with_the_same_ssthresh(self):
        # 0.7 x 126 and 0.7 x 127 are both 88: ssthresh does not move
        s = [(0, 88, 88, .1), (1, 120, 88, .1), (2, 126, 88, .1),
             (2.1, 93, 88, .1), (2.2, 88, 88, .1), (3, 100, 88, .1)]
        r = _cwnd.reductions(s)
        self.assertEqual(len(r), 1)
        self.assertEqual(r[0].cwnd_before, 126)


class Plotter(unittest.TestCase):
    def test_line_plot(self):
        out = svg.line_plot([{'label': 'a', 'points': [(0, 1), (1, 2), (2, None),
                                                         (3, 1)]}],
                            'title', 'x', 'y', [{'t': 1, 'label': 'm'},
                                                {'t': 0, 't1': 2, 'label': 's',
                                                 'style': 'ss'}])
        self.assertIn('class="series" data-n="3"', out)
        self.assertIn('<title>m</title>', out)
        self.assertTrue(out.startswith('<svg'))

    def test_decimate_keeps_extremes(self):
        pts = [(i / 1000, math.sin(i / 50)) for i in range(20000)]
        d = svg.decimate(pts, 0, 20, 500)
        self.assertLess(len(d), 1100)
        self.assertAlmostEqual(max(y for _, y in d), 1.0, delta=0.01)


if __name__ == '__main__':
    unittest.main()
