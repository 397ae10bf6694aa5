# SPDX-License-Identifier: GPL-2.0
"""Unit tests of `tcplab-lab bench` (labbook/bench.py): the cells, their
medians and spread, the ratios of paired runs, the checks and the CSV
files, on synthetic results written the way the engine writes them.

    /usr/bin/python3 -m unittest discover -s scripts/lab/tests
"""
import argparse
import contextlib
import csv
import io
import json
import os
import sys
import tempfile
import textwrap
import unittest

from _util import BENCH_DIR
from labbook import bench, spec  # noqa: E402
from labbook.data import RunData  # noqa: E402
from labbook.schema import SpecError  # noqa: E402


# Two algorithms, three repetitions each; per-run values and a table.
FILE = textwrap.dedent('''
    [experiment]
    title = "synthetic"
    claim = "x"
    source = "none: a test"
    reps = 3
    [topology]
    shape = "dumbbell"
    [path]
    rate = "10mbit"
    rtt = "40ms"
    [[flow]]
    name = "f"
    algorithm = "cubic"
    duration = "2s"
    [matrix]
    "flow.f.algorithm" = ["cubic", "reno"]
    [[verdict]]
    claim = "x"
    metric = "flow.f.goodput_mbit"
    min = 1
    [bench]
    csv = "syn"
    params = { "flow.f.algorithm" = "algo" }
    [bench.columns]
    goodput = "flow.f.goodput_mbit"
    retrans_max = "max flow.f.retrans"
    retrans_all = "tally flow.f.retrans"
    [[bench.ratio]]
    name = "reno/cubic"
    column = "goodput"
    num = { algo = "reno" }
    den = { algo = "cubic" }
    [[bench.check]]
    claim = "goodput at least 8"
    column = "goodput"
    min = 8
    [[bench.check]]
    claim = "reno within 10 % of cubic"
    column = "goodput"
    where = { algo = "reno" }
    against = { algo = "cubic" }
    min = 0.9
    max = 1.1
    [[bench.check]]
    claim = "the ratio is below 1"
    ratio = "reno/cubic"
    max = 1.0
''')

# goodput and retrans of each (algorithm, rep): reps 1..3
RUNS = {
    'cubic': [(9.0, 2), (10.0, 0), (9.5, 2)],
    'reno': [(8.0, 5), (9.8, 1), (7.0, 5)],
}


def write_results(root, s, runs=RUNS, failed=()):
    """A results directory as engine.run_book leaves it: book.json, and
    per experiment result.json, experiment.json and vN.rM/ run data.
    `failed`: (algorithm, rep) pairs whose run ended in an error."""
    d = os.path.join(root, s.name)
    os.makedirs(d)
    res = {'name': s.name, 'variants': []}
    seq = 0
    for vi, e in enumerate(s.variants):
        algo = e.params['flow.f.algorithm']
        rl = []
        for r, (g, rt) in enumerate(runs[algo]):
            seq += 1
            rd = 'v%d.r%d' % (vi + 1, r + 1)
            rj = {'dir': rd, 'seq': seq, 'started_s': seq * 3.0,
                  'wall_s': 3.0, 'status': 'ok'}
            if (algo, r + 1) in failed:
                rj['status'] = 'error'
                os.makedirs(os.path.join(d, rd))
            else:
                data = RunData()
                data.add_value('flow.f.goodput_mbit', g)
                data.add_value('flow.f.retrans', rt)
                data.add_table('flow.f', ['t', 'cwnd'],
                               [(0.1 * i, 10 + i) for i in range(5)])
                data.save(os.path.join(d, rd))
            rl.append(rj)
        res['variants'].append({'params': e.params, 'runs': rl})
    with open(os.path.join(d, 'result.json'), 'w') as f:
        json.dump(res, f)
    with open(os.path.join(d, 'experiment.json'), 'w') as f:
        f.write(spec.resolved_json(s) + '\n')
    with open(os.path.join(root, 'book.json'), 'w') as f:
        json.dump({'kernel': '6.12.0-test', 'experiments': [s.name]}, f)
    return d, res


class BenchBase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        p = os.path.join(self.tmp, 'syn.toml')
        with open(p, 'w') as f:
            f.write(FILE)
        self.file = p
        self.s = spec.load(p)

    def collect(self, **kw):
        root = os.path.join(self.tmp, 'res')
        d, res = write_results(root, self.s, **kw)
        return bench.collect(d, '6.12.0-test', self.s, res)

    def cell(self, r, algo):
        [c] = [c for c in r.cells if c['algo'] == algo]
        return c


class Aggregation(BenchBase):
    def test_aggregates(self):
        self.assertEqual(bench.aggregate([3, 1, 2, None, ''], None), 2)
        self.assertEqual(bench.aggregate([1, 2, 3, 4], 'median'), 2.5)
        self.assertEqual(bench.aggregate([1, 2, 6], 'mean'), 3)
        self.assertEqual(bench.aggregate([1, 2, 6], 'sum'), 9)
        self.assertEqual(bench.aggregate(['loss', 'delay', 'loss'], None), 'loss')
        self.assertEqual(bench.aggregate(['loss', 'delay', 'loss'], 'tally'),
                         'loss:2 delay:1')
        self.assertIsNone(bench.aggregate([None, ''], 'median'))

    def test_cells_are_medians(self):
        r = self.collect()
        self.assertEqual([c['algo'] for c in r.cells], ['cubic', 'reno'])
        c, n = self.cell(r, 'cubic'), self.cell(r, 'reno')
        self.assertEqual(c['goodput'], 9.5)
        self.assertEqual(n['goodput'], 8.0)
        # Spread: the max and the tally of the repetitions, not the median.
        self.assertEqual(c['retrans_max'], 2)
        self.assertEqual(n['retrans_all'], '5:2 1:1')
        self.assertEqual(c['runs'], 3)
        self.assertEqual(len(r.runs), 6)
        self.assertEqual([x['seq'] for x in r.runs], [1, 2, 3, 4, 5, 6])

    def test_failed_run_is_listed_not_counted(self):
        r = self.collect(failed={('reno', 2)})
        n = self.cell(r, 'reno')
        self.assertEqual(n['runs'], 2)
        # median of 8.0 and 7.0, the 9.8 of the failed run left out
        self.assertEqual(n['goodput'], 7.5)
        bad = [x for x in r.runs if x['status'] != 'ok']
        self.assertEqual(len(bad), 1)
        self.assertNotIn('goodput', bad[0])

    def test_ratio_of_paired_runs(self):
        r = self.collect()
        [x] = r.ratios
        pairs = [8.0 / 9.0, 9.8 / 10.0, 7.0 / 9.5]
        self.assertEqual(x['n'], 3)
        self.assertAlmostEqual(x['median'], sorted(pairs)[1])
        self.assertLessEqual(x['ci_lo'], x['median'])
        self.assertGreaterEqual(x['ci_hi'], x['median'])
        self.assertGreaterEqual(x['ci_lo'], min(pairs) - 1e-12)
        self.assertLessEqual(x['ci_hi'], max(pairs) + 1e-12)

    def test_bootstrap_interval(self):
        m, lo, hi = bench.bootstrap_median([1.0] * 20)
        self.assertEqual((m, lo, hi), (1.0, 1.0, 1.0))
        xs = [0.9 + 0.01 * i for i in range(21)]
        m, lo, hi = bench.bootstrap_median(xs)
        self.assertAlmostEqual(m, 1.0)
        self.assertTrue(0.9 <= lo < m < hi <= 1.1, (lo, m, hi))
        self.assertEqual(bench.bootstrap_median([2.0]), (2.0, None, None))

    def test_checks_can_fail(self):
        r = self.collect()
        st = {c['claim']: c for c in r.checks}
        # cubic 9.5 holds, reno 8.0 holds: min 8
        self.assertEqual(st['goodput at least 8']['status'], 'held')
        # 8.0 / 9.5 = 0.84 < 0.9: not held, with the numbers
        c = st['reno within 10 % of cubic']
        self.assertEqual(c['status'], 'not held')
        self.assertIn('8 / 9.5', c['text'])
        self.assertEqual(st['the ratio is below 1']['status'], 'held')
        # The same file with reno as fast as cubic: held.
        fast = {'cubic': RUNS['cubic'], 'reno': RUNS['cubic']}
        root = os.path.join(self.tmp, 'fast')
        d, res = write_results(root, self.s, runs=fast)
        r = bench.collect(d, 'k', self.s, res)
        st = {c['claim']: c for c in r.checks}
        self.assertEqual(st['reno within 10 % of cubic']['status'], 'held')
        self.assertEqual(st['the ratio is below 1']['status'], 'held')

    def test_check_with_nothing_to_judge_is_an_error(self):
        r = self.collect()
        c = dict(self.s.variants[0].bench['checks'][0])
        c['where'] = {'algo': 'bbr'}
        self.assertEqual(bench.judge_check(r, c)['status'], 'error')

    def test_against_zero_is_judged(self):
        # Reference 0 (plain slow start lost nothing): 0 against 0 is
        # within any `max` ratio, 2 against 0 is not; no ERROR.
        c = dict(self.s.variants[0].bench['checks'][0])
        c.update(column='retrans_max', where={'algo': 'reno'},
                 against={'algo': 'cubic'}, min=None, max=0.01)
        for reno, want in ((0, 'held'), (2, 'not held')):
            runs = {'cubic': [(9.0, 0)] * 3, 'reno': [(9.0, reno)] * 3}
            root = os.path.join(self.tmp, 'z%d' % reno)
            d, res = write_results(root, self.s, runs=runs)
            r = bench.collect(d, 'k', self.s, res)
            j = bench.judge_check(r, c)
            self.assertEqual(j['status'], want, j['text'])
            self.assertIn('%d against 0' % reno, j['text'])

    def rows_file(self, name, extra):
        """FILE with a [bench] of one row per row of flow.f, keyed by
        t, and EXTRA; written as NAME.toml: (its path, its spec)."""
        p = os.path.join(self.tmp, name + '.toml')
        with open(p, 'w') as f:
            f.write(FILE.split('[bench]')[0] + textwrap.dedent('''
                [bench]
                rows = "flow.f"
                key = ["t"]
                params = { "flow.f.algorithm" = "algo" }
            ''') + textwrap.dedent(extra))
        return p, spec.load(p)

    def test_rows_table_one_row_per_table_row(self):
        p, s = self.rows_file('rows', '''
            [bench.columns]
            cwnd = "cwnd"
            cwnd_min = "min cwnd"
        ''')
        d, res = write_results(os.path.join(self.tmp, 'rr'), s)
        r = bench.collect(d, 'k', s, res)
        self.assertEqual(len(r.runs), 6 * 5)
        self.assertEqual(len(r.cells), 2 * 5)
        self.assertEqual(r.cells[-1]['cwnd'], 14)
        self.assertEqual(r.cells[-1]['runs'], 3)

    def test_relabel_two_configurations_of_one_run(self):
        """A row's own column names its configuration: the reno runs
        also ran a 'hook' configuration, row for row, at the same t."""
        p, s = self.rows_file('relabel', '''
            relabel = { algo = "state" }
            [bench.columns]
            cwnd = "cwnd"
            [[bench.check]]
            claim = "hook at most 0.6 of reno at every t from 1"
            column = "cwnd"
            filter = ["t >= 1"]
            where = { algo = "hook" }
            against = { algo = "reno" }
            max = 0.6
        ''')
        d, res = write_results(os.path.join(self.tmp, 'rl'), s)
        for rj in res['variants'][1]['runs']:
            data = RunData()
            data.add_table('flow.f', ['t', 'cwnd', 'state'],
                           [(i, 10 + i, '') for i in range(4)] +
                           [(i, 5 + i / 2, 'hook') for i in range(4)])
            data.save(os.path.join(d, rj['dir']))
        r = bench.collect(d, 'k', s, res)
        by = {}
        for c in r.cells:
            by.setdefault(c['algo'], []).append(c)
        self.assertEqual(sorted(by), ['cubic', 'hook', 'reno'])
        self.assertEqual([c['cwnd'] for c in by['hook']], [5, 5.5, 6, 6.5])
        self.assertEqual([c['cwnd'] for c in by['reno']], [10, 11, 12, 13])
        self.assertEqual(by['hook'][0]['runs'], 3)
        [j] = r.checks
        self.assertEqual(j['status'], 'held', j['text'])
        self.assertIn('3 of 3 held', j['text'])
        with open(p) as f:
            text = f.read().replace('algo = "state"', 'algo = "nope"')
        bad = os.path.join(self.tmp, 'bad.toml')
        with open(bad, 'w') as f:
            f.write(text)
        with self.assertRaises(SpecError) as cm:
            spec.load(bad)
        self.assertIn('bench.relabel.algo', str(cm.exception))


class Schema(unittest.TestCase):
    def refused(self, bench_text, key_part):
        d = tempfile.mkdtemp()
        p = os.path.join(d, 'x.toml')
        with open(p, 'w') as f:
            f.write(FILE.split('[bench]')[0] + bench_text)
        with self.assertRaises(SpecError) as cm:
            spec.load(p)
        self.assertIn(key_part, str(cm.exception))

    def test_refusals(self):
        self.refused('[bench]\n[bench.columns]\ng = "flow.f.nothing"\n',
                     'bench.columns.g')
        self.refused('[bench]\n[bench.columns]\ng = "average flow.f.retrans"\n',
                     'bench.columns.g')
        self.refused('[bench]\n[bench.columns]\nkernel = "flow.f.retrans"\n',
                     'reserved')
        self.refused('[bench]\n[bench.columns]\ng = "flow.f.retrans"\n'
                     '[[bench.check]]\nclaim = "c"\ncolumn = "nope"\nmin = 1\n',
                     'bench.check.0')
        self.refused('[bench]\n[bench.columns]\ng = "flow.f.retrans"\n'
                     '[[bench.check]]\nclaim = "c"\ncolumn = "g"\n',
                     'judges nothing')

    def test_bench_files_validate(self):
        files = sorted(os.path.join(BENCH_DIR, f) for f in os.listdir(BENCH_DIR)
                       if f.endswith('.toml'))
        self.assertGreaterEqual(len(files), 10)
        for quick in (False, True):
            for s in spec.load_many(files, quick=quick):
                self.assertIsNotNone(s.variants[0].bench, s.name)


class Output(BenchBase):
    def test_csv_and_page(self):
        root = os.path.join(self.tmp, 'res')
        write_results(root, self.s)
        out = os.path.join(self.tmp, 'out')
        args = argparse.Namespace(dirs=[root], out=out, strict=True)
        with contextlib.redirect_stdout(io.StringIO()) as so:
            rc = bench.main(args)
        # a check did not hold and --strict: exit 1
        self.assertEqual(rc, 1)
        self.assertIn('NOT-HELD', so.getvalue())
        with open(os.path.join(out, 'syn.csv')) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0]), ['kernel', 'algo', 'goodput',
                                         'retrans_max', 'retrans_all', 'runs'])
        self.assertEqual([(x['algo'], float(x['goodput']), x['runs'])
                          for x in rows], [('cubic', 9.5, '3'), ('reno', 8.0, '3')])
        with open(os.path.join(out, 'syn_runs.csv')) as f:
            runs = list(csv.DictReader(f))
        self.assertEqual(len(runs), 6)
        self.assertEqual(list(runs[0])[:6], ['kernel', 'algo', 'rep', 'seq',
                                             'status', 'goodput'])
        with open(os.path.join(out, 'syn_ratios.csv')) as f:
            ratios = list(csv.DictReader(f))
        self.assertEqual(ratios[0]['ratio'], 'reno/cubic')
        self.assertEqual(ratios[0]['n'], '3')
        for name in ('summary.txt', 'index.html'):
            self.assertGreater(os.path.getsize(os.path.join(out, name)), 100)


class Sweeps(unittest.TestCase):
    """The engine-side parts benchmarks lean on: [variants], [quick],
    --only and the interleaved run order."""

    def test_variants_quick_only(self):
        d = tempfile.mkdtemp()
        p = os.path.join(d, 'v.toml')
        with open(p, 'w') as f:
            f.write(FILE.split('[matrix]')[0] + textwrap.dedent('''
                [matrix]
                "path.rate" = ["10mbit", "20mbit"]
                [variants.cfg]
                plain = {}
                lossy = { "path.loss" = "1%", "flow.f.algorithm" = "reno" }
                [quick]
                "experiment.reps" = 1
                "matrix.path.rate" = ["20mbit"]
                [[verdict]]
                claim = "x"
                metric = "flow.f.goodput_mbit"
                min = 1
            '''))
        s = spec.load(p)
        self.assertEqual(s.reps, 3)
        self.assertEqual([v.params for v in s.variants], [
            {'path.rate': '10mbit', 'cfg': 'plain'},
            {'path.rate': '10mbit', 'cfg': 'lossy'},
            {'path.rate': '20mbit', 'cfg': 'plain'},
            {'path.rate': '20mbit', 'cfg': 'lossy'}])
        lossy = s.variants[1]
        self.assertEqual(lossy.path['forward']['loss'], 1.0)
        self.assertEqual(lossy.workloads[0].item['algorithm'], 'reno')
        self.assertFalse(s.variants[0].path['forward']['loss'])
        q = spec.load(p, quick=True)
        self.assertEqual((q.reps, len(q.variants)), (1, 2))
        o = spec.load(p, only=[spec.parse_only('cfg=lossy')])
        self.assertEqual([v.params['cfg'] for v in o.variants], ['lossy'] * 2)
        with self.assertRaises(SpecError):
            spec.load(p, only=[spec.parse_only('cfg=nosuch')])
        with self.assertRaises(SpecError):
            spec.load_many([p], only=[spec.parse_only('nodim=1')])

    def test_settle_waits_for_a_busy_machine(self):
        import subprocess
        from labbook import engine
        hogs = [subprocess.Popen([sys.executable, '-c', 'while True: pass'])
                for _ in range(os.cpu_count() or 1)]
        try:
            waited = engine.settle(1.0)
        finally:
            for h in hogs:
                h.kill()
                h.wait()
        self.assertGreaterEqual(waited, 1.0)

    def test_interleaved_order(self):
        from labbook import engine
        # Each repetition runs every variant once; over n repetitions (2n
        # for odd n) each variant runs in every position and right after
        # every other variant equally often (a Williams design).
        for n in range(2, 7):
            reps = n if n % 2 == 0 else 2 * n
            plan = engine.run_plan(n, reps, n, 'interleaved')
            self.assertEqual(sorted(plan),
                             [(v, r) for v in range(n) for r in range(reps)])
            rows = [[v for v, r in plan if r == k] for k in range(reps)]
            for pos in range(n):
                self.assertEqual(sorted(row[pos] for row in rows),
                                 sorted(list(range(n)) * (reps // n)))
            after = {}
            for row in rows:
                for a, b in zip(row, row[1:]):
                    after[a, b] = after.get((a, b), 0) + 1
            self.assertEqual(len(after), n * (n - 1), n)
            self.assertEqual(len(set(after.values())), 1, (n, after))
        # Three variants, three repetitions: the old plain rotation ran
        # variant 2 after variant 1 every time.
        plan = engine.run_plan(3, 3, 3, 'interleaved')
        self.assertEqual(plan, [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (0, 1),
                                (2, 2), (0, 2), (1, 2)])
        plan = engine.run_plan(3, 6, 3, 'interleaved')
        self.assertIn([(1, 3), (0, 3)], [plan[i:i + 2] for i in range(17)])
        self.assertEqual(engine.run_plan(2, 2, 2, 'variant'),
                         [(0, 0), (0, 1), (1, 0), (1, 1)])


if __name__ == '__main__':
    unittest.main()
