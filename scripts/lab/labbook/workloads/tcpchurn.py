# SPDX-License-Identifier: GPL-2.0
"""tcp_churn: short connections as fast as the kernel lets one client
make them, with tcplab-churn (scripts/tools): one blocking loop of
connect, send, close, the client closing first so that it holds the
TIME_WAIT sockets. Nothing but the kernel sets its pace, so the rate
measures the kernel's connection path, and what a hook on it costs.

  [[flow]]
  kind = "tcp_churn"
  name = "churn"
  from = "client"
  to = "server"
  duration = "3s"
  port = 9000                  # the server listens on port .. port+ports-1
  ports = 32
  client_cpu = 1               # tcplab-churn -c
  server_cpu = 0
  bytes = 32                   # the request (-m)
  echo = false                 # have it echoed and read it back (-e)
  interval = "1s"              # completions per interval (-i)
  profile = false              # one more run under perf, not counted

The client cycles through the server's ports: each 4-tuple stays in
TIME_WAIT for 60 s, so the client's namespace needs enough of them
(net.ipv4.ip_local_port_range "1024 65535" x 32 ports) and a
net.ipv4.tcp_max_tw_buckets above rate x duration, or the kernel closes
sockets without TIME_WAIT (tw_overflow).

Values flow.NAME.completed, .failed, .eaddrnotavail, .conn_per_s,
.conn_per_run_s (completed over the time the client had a CPU: the
steadier rate on a shared machine), .runq_wait_s, .cpu_busy,
.max_conn_ms, .over_100ms (connections that took over 100 ms: a
retransmission), .connect_p50_us / .connect_p99_us (connect() alone),
.conn_p50_us / .conn_p99_us (a whole connection), .tw_overflow,
.server_accepted, .server_errors; table
flow.NAME (t, completed: per interval, total: so far).

Where the time goes: with `profile = true` the client runs once more
after the counted run, as long, while `perf record -g` samples the
client's and the server's CPUs (cpu-clock); table flow.NAME.profile as
flood_steps' (dso, symbol, children_pct, self_pct, busy_pct), the whole
report in the raw directory. The counted run is never profiled.
"""
import json
import os
import signal
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from . import _common, _perf

VALUES = ('completed', 'failed', 'eaddrnotavail', 'conn_per_s',
          'conn_per_run_s', 'runq_wait_s', 'cpu_busy', 'max_conn_ms',
          'over_100ms', 'connect_p50_us', 'connect_p99_us', 'conn_p50_us',
          'conn_p99_us', 'tw_overflow', 'server_accepted', 'server_errors')
COLUMNS = ['t', 'completed', 'total']


def tool():
    return _common.tree_tool('tcplab-churn')


@register('workload', 'tcp_churn')
class TcpChurn(Workload):
    DOC = ('connections as fast as one client makes them (tcplab-churn), '
           'the client closing first')
    PRODUCES = 'values flow.NAME.' + ', .'.join(VALUES) + '; table flow.NAME'
    KEYS = {
        'duration': Field('time', 'how long the client runs', required=True),
        'port': Field('int', 'first server port', default=9000, minimum=1,
                      maximum=65535),
        'ports': Field('int', 'server ports port .. port + ports - 1',
                       default=32, minimum=1, maximum=1024),
        'bytes': Field('int', 'request size (-m)', default=32, minimum=0,
                       maximum=65536),
        'echo': Field('bool', 'have the request echoed and read back',
                      default=False),
        'interval': Field('time', 'completions are counted per interval',
                          default=1.0),
        'timeout': Field('time', 'per-connection timeout', default=2.0),
        'client_cpu': Field('int', 'pin the client to this CPU', minimum=0),
        'server_cpu': Field('int', 'pin the server to this CPU', minimum=0),
        'profile': Field('bool', 'after the run, one more as long under perf '
                         '(the client\'s and server\'s CPUs)', default=False),
    }

    def check(self):
        it = self.item
        if it['duration'] <= 0:
            self.fail('duration', 'must be above zero')
        if it['port'] + it['ports'] - 1 > 65535:
            self.fail('ports', 'past port 65535')
        if it['echo'] and not it['bytes']:
            self.fail('echo', 'needs bytes > 0')
        if it['interval'] < 0.01:
            self.fail('interval', 'at least 10 ms')

    def outputs(self):
        n = 'flow.' + self.name
        tables = {n: COLUMNS}
        if self.item['profile']:
            tables[n + '.profile'] = _perf.COLUMNS
        return Outputs(values=['%s.%s' % (n, v) for v in VALUES],
                       tables=tables)

    def end_time(self):
        it = self.item
        extra = it['duration'] + 8.0 + _perf.REPORT_S if it['profile'] else 0
        return it['start'] + it['duration'] + 2.0 + extra

    def _ports(self):
        it = self.item
        return '%d-%d' % (it['port'], it['port'] + it['ports'] - 1)

    def prepare(self, ctx):
        it = self.item
        ncpu = os.cpu_count() or 1
        for k in ('client_cpu', 'server_cpu'):
            if it[k] is not None and it[k] >= ncpu:
                raise RuntimeError('flow %s: no CPU %d (this machine has %d)' %
                                   (self.name, it[k], ncpu))
        self.raw = ctx.raw_path('flow-%s' % self.name)
        srv = [tool(), '-l', '-a', self.exp.topology.address(self.dst),
               '-p', self._ports()]
        if it['server_cpu'] is not None:
            srv += ['-c', str(it['server_cpu'])]
        self.server = ctx.net.spawn(srv, self.dst, stdout=-1,
                                    comment='flow %s: the server' % self.name,
                                    errfile=self.raw + '.server.err')
        line = self.server.stdout.readline()
        try:
            ready = json.loads(line).get('event') == 'ready'
        except ValueError:
            ready = False
        if not ready:
            raise RuntimeError('flow %s: tcplab-churn server did not start: %s'
                               % (self.name, ctx.net.errors(self.server) or line))
        cli = [tool(), '-d', self.exp.topology.address(self.dst), '-p',
               self._ports(), '-t', '%g' % it['duration'], '-m',
               str(it['bytes']), '-i', str(int(round(it['interval'] * 1000))),
               '-T', str(int(round(it['timeout'] * 1000)))]
        if it['echo']:
            cli.append('-e')
        if it['client_cpu'] is not None:
            cli += ['-c', str(it['client_cpu'])]
        self.cli_argv = cli
        ctx.net.record(cli, self.src, 'flow %s: the client, at t0 + %gs; it '
                       'prints its counts as JSON' % (self.name, it['start']))

    def start(self, ctx, t0):
        self.t0 = t0
        self.at = t0 + self.item['start']
        # tcplab-churn starts in a few ms (C): launched at its time.
        self.client = None

    def _client(self, ctx, deadline, tag):
        """One run of tcplab-churn, to its end: its output."""
        p = ctx.net.spawn(self.cli_argv, self.src, stdout=-1, record=False,
                          errfile=self.raw + tag + '.err')
        try:
            out, _ = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except Exception:
            p.kill()
            p.wait()
            raise RuntimeError('flow %s: the client still ran at the deadline'
                               % self.name)
        if p.returncode != 0:
            raise RuntimeError('flow %s: tcplab-churn exit %d: %s' % (
                self.name, p.returncode, ctx.net.errors(p)))
        return out

    def _profile(self, ctx, deadline):
        """The client once more, while perf samples its CPU and the
        server's (every CPU if neither is pinned)."""
        it = self.item
        cpus = sorted({c for c in (it['client_cpu'], it['server_cpu'])
                       if c is not None}) or list(range(os.cpu_count() or 1))
        prof = _perf.Profile(ctx, self.raw, cpus, it['duration'] + 1.0,
                             'flow %s: the client once more, perf sampling '
                             'CPUs %s' % (self.name,
                                          ','.join(map(str, cpus))))
        self._client(ctx, deadline, '.profile')
        self.profile_rows = prof.rows()

    def finish(self, ctx, deadline):
        it = self.item
        left = self.at - time.monotonic()
        if left > 0:
            time.sleep(left)
        started = time.monotonic()
        out = self._client(ctx, deadline, '')
        with open(self.raw + '.json', 'w') as f:
            f.write(out)
        r = json.loads(out.strip().splitlines()[-1])
        if it['profile']:
            self._profile(ctx, deadline)
        # The server's last snapshot, on SIGTERM.
        srv = {}
        self.server.send_signal(signal.SIGTERM)
        try:
            rest, _ = self.server.communicate(timeout=10)
            for line in rest.splitlines():
                try:
                    srv = json.loads(line)
                except ValueError:
                    pass
        except Exception:
            self.server.kill()
        n = 'flow.' + self.name
        for k in ('completed', 'failed', 'conn_per_s', 'conn_per_run_s',
                  'runq_wait_s', 'cpu_busy', 'max_conn_ms', 'tw_overflow',
                  'over_100ms'):
            if k in r:
                ctx.data.add_value('%s.%s' % (n, k), r[k])
        for k in ('connect_us', 'conn_us'):
            for p in ('p50', 'p99'):
                if p in r.get(k, {}):
                    ctx.data.add_value('%s.%s_%s_us' % (n, k[:-3], p),
                                       r[k][p])
        ctx.data.add_value(n + '.eaddrnotavail',
                           r.get('failures', {}).get('EADDRNOTAVAIL', 0))
        if srv:
            ctx.data.add_value(n + '.server_accepted', srv.get('accepted'))
            ctx.data.add_value(n + '.server_errors', srv.get('errors'))
        iv = r.get('interval_ms', 0) / 1000.0
        rows = []
        total = 0
        off = started - self.t0
        for i, c in enumerate(r.get('intervals', [])):
            total += c
            rows.append([round(off + (i + 1) * iv, 3), c, total])
        ctx.data.add_table(n, COLUMNS, rows)
        if it['profile']:
            ctx.data.add_table(n + '.profile', _perf.COLUMNS,
                               self.profile_rows)
        if r.get('tw_overflow', 0) > 0:
            ctx.data.note('flow %s: %d sockets closed without TIME_WAIT '
                          '(tcp_max_tw_buckets)' % (self.name, r['tw_overflow']))
