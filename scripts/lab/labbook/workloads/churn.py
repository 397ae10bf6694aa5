# SPDX-License-Identifier: GPL-2.0
"""churn: short connections, one after another, the client closing
first (so the client's namespace holds their TIME_WAIT sockets).

  [[flow]]
  kind = "churn"
  name = "default"
  from = "client1"
  duration = "10s"
  rate = 300              # at most this many connections a second
  interval = "100ms"      # the series' resolution

Each connection: connect, close at once (the server, in drain mode,
closes when it reads the FIN). A connect() that fails with EADDRNOTAVAIL
(no local port free: every one is held by a TIME_WAIT socket towards
this server) is counted and tried again 10 ms later, as selftests/
tw_helper.py's churn does; other failures are counted apart. The local
port range is the client namespace's net.ipv4.ip_local_port_range.

Table flow.NAME: t, completed (so far), eaddrnotavail (so far), per_s
(completions a second in that interval). Values flow.NAME.completed,
.eaddrnotavail, .other_failures, .conn_per_s, .late_per_s (completions
a second over the second half of the run: does it go on?), .ports (local
ports the completed connections used), .start_s.

The agent is Python (python3 -m labbook.workloads.churn): it rests when
no port is free, where tcplab-churn (scripts/tools) spins, which on a
2-CPU guest would take the CPU from the settings it is compared with.
"""
import errno
import json
import socket
import sys
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from . import _common, _server

COLUMNS = ['t', 'completed', 'eaddrnotavail', 'per_s']
VALUES = ('completed', 'eaddrnotavail', 'other_failures', 'conn_per_s',
          'late_per_s', 'ports', 'start_s')


@register('workload', 'churn')
class Churn(_common.StdinStart, Workload):
    KEEP_STDIN = True           # its stdin is left open, as it always was
    DOC = ('short connections as fast as they go (or at a rate), the client '
           'closing first; counts EADDRNOTAVAIL')
    PRODUCES = ('values flow.NAME.' + ', .'.join(VALUES) + '; table flow.NAME')
    KEYS = {
        'duration': Field('time', 'how long to keep connecting',
                          required=True, minimum=0.5),
        'rate': Field('number', 'at most this many connections a second '
                      '(default: as fast as it goes)', minimum=1),
        'interval': Field('time', 'resolution of the series', default=0.1,
                          minimum=0.01),
        'timeout': Field('time', 'connect timeout', default=2.0, minimum=0.1),
        'port': Field('int', 'server port (default 6001 + the flow\'s index)',
                      minimum=1, maximum=65535),
    }

    def check(self):
        _common.assign_port(self)

    def outputs(self):
        n = 'flow.' + self.name
        return Outputs(values=['%s.%s' % (n, v) for v in VALUES],
                       tables={n: COLUMNS})

    def server_spec(self):
        return [(self.dst, {'port': self.port, 'mode': 'drain'})]

    def end_time(self):
        return self.item['start'] + self.item['duration'] + 2

    def prepare(self, ctx):
        _server.ensure(ctx)
        it = self.item
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('churn') + [
            '--dst', self.exp.topology.address(self.dst),
            '--port', str(self.port), '--duration', str(it['duration']),
            '--interval', str(it['interval']), '--timeout', str(it['timeout']),
            '--out', self.raw + '.json']
        if it['rate']:
            argv += ['--rate', str(it['rate'])]
        show = [a for i, a in enumerate(argv)
                if a != '--out' and argv[i - 1] != '--out']
        self.proc = ctx.net.spawn(argv, self.src, stdout=-1, stdin=-1,
                                  comment='flow %s: short connections from %s '
                                  'for %gs, at t0 + %gs' % (
                                      self.name, self.src, it['duration'],
                                      it['start']),
                                  display=show, foreground=True,
                                  errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s' % self.name)

    def finish(self, ctx, deadline):
        _common.wait_agent(ctx, self, self.proc, deadline)
        r = _common.load(self.raw + '.json')
        n = 'flow.' + self.name
        rows = [[round(t - self.t0, 4), c, e, p] for t, c, e, p in r['series']]
        ctx.data.add_table(n, COLUMNS, rows)
        for k in VALUES[:-1]:
            ctx.data.add_value('%s.%s' % (n, k), r[k])
        ctx.data.add_value(n + '.start_s', round(r['started'] - self.t0, 4))


# ---------------------------------------------------------------- agent

def run(args):
    if not _common.wait_start():
        return
    start = time.monotonic()
    end = start + args.duration
    gap = 1.0 / args.rate if args.rate else 0.0
    ok = noport = other = 0
    ports = {}
    series = []
    nxt_sample = start + args.interval
    last_ok = 0
    due = start
    while True:
        now = time.monotonic()
        while now >= nxt_sample:
            series.append((nxt_sample, ok, noport,
                           round((ok - last_ok) / args.interval, 1)))
            last_ok = ok
            nxt_sample += args.interval
        if now >= end:
            break
        if gap and now < due:
            time.sleep(min(due - now, end - now))
            continue
        due = max(due + gap, now - 1.0) if gap else now
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        try:
            s.connect((args.dst, args.port))
            ok += 1
            p = s.getsockname()[1]
            ports[p] = ports.get(p, 0) + 1
        except OSError as e:
            if e.errno == errno.EADDRNOTAVAIL:
                noport += 1
                time.sleep(0.01)
            else:
                other += 1
        finally:
            s.close()
    el = time.monotonic() - start
    half = [x for x in series if x[0] >= start + args.duration / 2]
    late = None
    if len(half) >= 2:
        late = (half[-1][1] - half[0][1]) / (half[-1][0] - half[0][0])
    with open(args.out, 'w') as f:
        json.dump({'completed': ok, 'eaddrnotavail': noport,
                   'other_failures': other,
                   'conn_per_s': round(ok / el, 1) if el > 0 else None,
                   'late_per_s': round(late, 1) if late is not None else None,
                   'ports': len(ports), 'started': start, 'series': series,
                   'twice': sorted(p for p, n in ports.items() if n > 1)[:20]},
                  f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.churn')
    ap.add_argument('--dst', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--duration', type=float, required=True)
    ap.add_argument('--interval', type=float, default=0.1)
    ap.add_argument('--rate', type=float)
    ap.add_argument('--timeout', type=float, default=2.0)
    ap.add_argument('--out', default='/dev/stdout')
    run(ap.parse_args(argv))


if __name__ == '__main__':
    main(sys.argv[1:])
