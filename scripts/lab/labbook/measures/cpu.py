# SPDX-License-Identifier: GPL-2.0
"""cpu: where the machine's CPU time goes, per CPU, from /proc/stat,
sampled over time; optionally with each node's receive processing
steered to a CPU of its own (RPS), so that a CPU's time is one node's.

  [[measure]]
  kind = "cpu"
  cpus = [1]                   # default: every CPU
  interval = "250ms"
  rps = { server = 1 }         # the server's packets are processed on CPU 1
  pin = 0                      # the sampler itself runs on CPU 0

Without RPS a veth delivers a packet on the CPU that sent it: a flood's
packets would be processed, router and server alike, on the generator's
CPU. With `rps = { NODE = CPU }` every interface of NODE hands what it
receives to that CPU's backlog, and the kernel's work for it (softirq)
is counted there. Pin the traffic generators elsewhere (flood: cpu = 0).
The steering lasts the run (the namespaces go with it); the supervisor
keeps RPS's static key switched on for the whole run, so steering a
node flips no code at run time.

Table cpu (t, then per CPU N: busy_N, user_N, system_N, softirq_N, irq_N:
fractions of each interval) and values cpu.busy_N, cpu.softirq_N,
cpu.system_N (means over the run from t0). Judge them over a window with
kind = "window", and as ratios measured in the same run: the sampling
step is the kernel's tick (USER_HZ, 10 ms).
"""
import os
import sys
import time

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _agent

KINDS = ('busy', 'user', 'system', 'softirq', 'irq')


def read_stat():
    """{cpu: (user+nice, system, idle+iowait, irq, softirq, steal)} ticks."""
    out = {}
    with open('/proc/stat') as f:
        for line in f:
            if not line.startswith('cpu') or line.startswith('cpu '):
                continue
            w = line.split()
            v = [int(x) for x in w[1:9]] + [0] * max(0, 9 - len(w))
            user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
            out[int(w[0][3:])] = (user + nice, system, idle + iowait, irq,
                                  softirq, steal)
    return out


def fractions(a, b):
    """busy, user, system, softirq, irq between two read_stat() entries."""
    d = [y - x for x, y in zip(a, b)]
    total = sum(d)
    if total <= 0:
        return None
    user, system, idle, irq, softirq, steal = d
    return [round((total - idle) / total, 4), round(user / total, 4),
            round(system / total, 4), round(softirq / total, 4),
            round(irq / total, 4)]


@register('measure', 'cpu')
class Cpu(Measure):
    DOC = ('CPU time per CPU over time (/proc/stat), optionally with nodes\' '
           'receive processing steered to chosen CPUs (RPS)')
    PRODUCES = ('table cpu (t, busy_N, user_N, system_N, softirq_N, irq_N); '
                'values cpu.busy_N, cpu.softirq_N, cpu.system_N')
    KEYS = {
        'cpus': Field('any', 'the CPUs recorded (default: all)'),
        'interval': Field('time', 'sampling interval', default=0.25,
                          minimum=0.05),
        'rps': Field('table', 'node -> CPU: steer every interface of the '
                     'node to process what it receives on that CPU',
                     default={}),
        'pin': Field('int', 'run the sampler on this CPU', minimum=0),
    }

    def _cpus(self):
        c = self.item['cpus']
        if c is None:
            return list(range(os.cpu_count() or 1))
        return [c] if isinstance(c, int) else list(c)

    def check(self):
        c = self.item['cpus']
        if c is not None:
            c = [c] if isinstance(c, int) and not isinstance(c, bool) else c
            if not isinstance(c, list) or not c or not all(
                    isinstance(x, int) and not isinstance(x, bool) and
                    0 <= x < 1024 for x in c):
                self.fail('cpus', 'a CPU number or a list of them')
        nodes = self.exp.topology.nodes()
        for n, v in self.item['rps'].items():
            if n not in nodes:
                self.fail('rps.' + n, 'no node %r (nodes: %s)' % (
                    n, ', '.join(nodes)))
            if isinstance(v, bool) or not isinstance(v, int) or not \
               0 <= v < 1024:
                self.fail('rps.' + n, '%r: a CPU number' % (v,))

    def outputs(self):
        if self.item['cpus'] is None:
            # Columns for every CPU of the machine it will run on.
            return Outputs(tables={'cpu': None}, values=['cpu.*'])
        cols = ['t']
        vals = []
        for c in self._cpus():
            cols += ['%s_%d' % (k, c) for k in KINDS]
            vals += ['cpu.%s_%d' % (k, c) for k in ('busy', 'softirq',
                                                     'system')]
        return Outputs(tables={'cpu': cols}, values=vals)

    def start(self, ctx):
        ncpu = os.cpu_count() or 1
        for c in self._cpus() + list(self.item['rps'].values()) + (
                [self.item['pin']] if self.item['pin'] is not None else []):
            if c >= ncpu:
                raise RuntimeError('cpu: no CPU %d (this machine has %d)' %
                                   (c, ncpu))
        for node, c in self.item['rps'].items():
            mask = '%x' % (1 << c)
            script = ('for q in /sys/class/net/*/queues/rx-*; do '
                      'case $q in /sys/class/net/lo/*) continue;; esac; '
                      'echo %s > $q/rps_cpus || exit 1; done' % mask)
            ctx.net.commands.append('# %s processes what it receives on '
                                    'CPU %d (RPS)' % (node, c))
            ctx.net.run(['sh', '-c', script], node)
        self.raw = ctx.raw_path('cpu') + '.jsonl'
        argv = ctx.agent('cpu', 'measures') + ['--interval', '%g' %
                                               self.item['interval']]
        if self.item['pin'] is not None:
            argv += ['--pin', str(self.item['pin'])]
        self.proc = ctx.net.spawn(argv + ['--out', self.raw], None,
                                  stdout=-1, errfile=self.raw + '.err',
                                  comment='CPU time per CPU (/proc/stat), '
                                  'sampled',
                                  display=argv + ['--out', '/dev/stdout'])
        ctx.wait_ready(self.proc, 'cpu sampler')

    def stop(self, ctx):
        _agent.stop(self.proc)

    def collect(self, ctx):
        import json
        samples = []
        with open(self.raw) as f:
            for line in f:
                try:
                    t, st = json.loads(line)
                except ValueError:
                    continue
                samples.append((t, {int(k): v for k, v in st.items()}))
        if len(samples) < 2:
            raise RuntimeError('cpu: fewer than two samples (%s)' %
                               ctx.net.errors(self.proc))
        cpus = self._cpus()
        cols = ['t']
        for c in cpus:
            cols += ['%s_%d' % (k, c) for k in KINDS]
        rows = []
        for (ta, a), (tb, b) in zip(samples, samples[1:]):
            row = [round(tb - ctx.t0, 4)]
            for c in cpus:
                f = fractions(a[c], b[c]) if c in a and c in b else None
                row += f if f else [None] * len(KINDS)
            rows.append(row)
        ctx.data.add_table('cpu', cols, rows)
        run = [r for r in rows if r[0] > 0]
        for c in cpus:
            for k in ('busy', 'softirq', 'system'):
                i = cols.index('%s_%d' % (k, c))
                xs = [r[i] for r in run if r[i] is not None]
                if xs:
                    ctx.data.add_value('cpu.%s_%d' % (k, c),
                                       round(sum(xs) / len(xs), 4))


def main(argv):
    import argparse
    import json
    import signal
    ap = argparse.ArgumentParser(prog='python3 -m labbook.measures.cpu')
    ap.add_argument('--interval', type=float, default=0.25)
    ap.add_argument('--pin', type=int)
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(0))
    if a.pin is not None:
        os.sched_setaffinity(0, {a.pin})
    with open(a.out, 'w') as f:
        print('ready', flush=True)
        nxt = time.monotonic()
        while True:
            f.write(json.dumps([time.monotonic(), read_stat()]) + '\n')
            f.flush()
            nxt += a.interval
            time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == '__main__':
    main(sys.argv[1:])
