# SPDX-License-Identifier: GPL-2.0
"""ss: the TCP sockets of one node over time, as `ss -tan` would list them,
sampled by an agent inside the namespace (it reads /proc/net/tcp and
/proc/net/tcp6: no fork per sample, which matters under TCG).

  [[measure]]
  kind = "ss"
  node = "receiver"
  interval = "100ms"
  port = 5001          # optional: only sockets with this local or remote port

Tables: ss.NODE (t, state, local, remote, tx_queue, rx_queue: one row per
socket per sample) and ss.NODE.states (t and one column per TCP state:
how many sockets were in it).
"""
import json
import os
import sys
import time

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _agent
from ._proc import STATES, addr

ROW = ['t', 'state', 'local', 'remote', 'tx_queue', 'rx_queue']


def snapshot(port=None):
    out = []
    for fn in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(fn) as f:
                next(f)
                for line in f:
                    p = line.split()
                    st = STATES[int(p[3], 16) - 1]
                    loc, rem = addr(p[1]), addr(p[2])
                    if port is not None and \
                       port not in (int(p[1].split(':')[1], 16),
                                    int(p[2].split(':')[1], 16)):
                        continue
                    tx, rx = (int(x, 16) for x in p[4].split(':'))
                    out.append([st, loc, rem, tx, rx])
        except FileNotFoundError:
            pass
    return out


@register('measure', 'ss')
class Sockets(Measure):
    DOC = 'socket states of a node over time (like ss -tan, sampled)'
    PRODUCES = 'tables ss.NODE and ss.NODE.states'
    KEYS = {
        'node': Field('str', 'the namespace sampled', required=True),
        'interval': Field('time', 'sampling interval', default=0.1,
                          minimum=0.01),
        'port': Field('int', 'only sockets with this local or remote port',
                      minimum=1, maximum=65535),
    }

    def check(self):
        if self.item['node'] not in self.exp.topology.nodes():
            self.fail('node', 'no node %r' % self.item['node'])

    def outputs(self):
        n = 'ss.' + self.item['node']
        return Outputs(tables={n: ROW, n + '.states': ['t'] + STATES})

    def start(self, ctx):
        self.raw = ctx.raw_path('ss-' + self.item['node']) + '.jsonl'
        argv = ctx.agent('ss', 'measures') + ['--interval',
                                              str(self.item['interval']),
                                              '--out', self.raw]
        if self.item['port']:
            argv += ['--port', str(self.item['port'])]
        self.proc = ctx.net.spawn(argv, self.item['node'], stdout=-1,
                                  errfile=self.raw + '.err',
                                  comment='socket states of %s' % self.item['node'],
                                  display=argv[:3] + ['--interval', str(self.item['interval']),
                                                      '--out', '/dev/stdout'])
        ctx.wait_ready(self.proc, 'ss sampler')

    def stop(self, ctx):
        _agent.stop(self.proc)

    def collect(self, ctx):
        rows, counts = [], []
        n = 'ss.' + self.item['node']
        if os.path.exists(self.raw):
            with open(self.raw) as f:
                for line in f:
                    try:
                        t, socks = json.loads(line)
                    except ValueError:
                        continue
                    t = round(t - ctx.t0, 4)
                    c = dict.fromkeys(STATES, 0)
                    for s in socks:
                        rows.append([t] + s)
                        c[s[0]] += 1
                    counts.append([t] + [c[s] for s in STATES])
        ctx.data.add_table(n, ROW, rows)
        ctx.data.add_table(n + '.states', ['t'] + STATES, counts)


def main(argv):
    import argparse
    import signal
    ap = argparse.ArgumentParser(prog='python3 -m labbook.measures.ss')
    ap.add_argument('--interval', type=float, default=0.1)
    ap.add_argument('--out', required=True)
    ap.add_argument('--port', type=int)
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(0))
    with open(a.out, 'w') as f:
        print('ready', flush=True)
        while True:
            f.write(json.dumps([time.monotonic(), snapshot(a.port)]) + '\n')
            f.flush()
            time.sleep(a.interval)


if __name__ == '__main__':
    main(sys.argv[1:])
