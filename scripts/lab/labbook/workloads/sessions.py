# SPDX-License-Identifier: GPL-2.0
"""sessions: connections one at a time, each closed in a set way, from
one client or several in turn (behind a NAT, say).

  [[flow]]
  kind = "sessions"
  name = "nat"
  clients = ["client1", "client2"]   # in turn (default: the flow's from)
  rounds = 12                         # connections in all
  close = "server"                    # who calls close() first
  hold = "200ms"                      # established this long before it
  timeout = "1500ms"                  # a connect() not answered by then
                                      # counts as refused
  after = "other"                     # start when flow "other" is done
  server_sysctl = { "net.tcp_lab.tw_recycle" = 0 }
                          # written in the server's namespace before
                          # the first connection

close:
  client  the client calls shutdown(SHUT_WR) after `hold`, reads until the
          server's FIN, then close(): FIN_WAIT1, FIN_WAIT2, TIME_WAIT on
          the client; CLOSE_WAIT, LAST_ACK on the server
  server  the server does so first (the client closes when it reads EOF)
  both    both call shutdown(SHUT_WR) at the same moment, `hold` after
          connecting (the client names it to the server; the clock is
          shared by the namespaces): with a delay on the path both FINs
          are in flight together, a simultaneous close (CLOSING)
  never   the client closes after `hold`; the server application never
          calls close(): its socket stays in CLOSE_WAIT until the
          experiment ends

Table flow.NAME: one row per connection (t, client, ok, connect_ms,
local, error; connected and refused: so far). Values flow.NAME.attempts,
.connected, .refused (connect failed or timed out), .start_s. The engine drives the clients (one agent
per client node, python3 -m labbook.workloads.sessions) from a thread, so
flows run side by side.
"""
import json
import socket
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from .. import sysctl as lab_sysctl
from . import _common, _server

COLUMNS = ['t', 'client', 'ok', 'connect_ms', 'local', 'error', 'connected',
           'refused']
SERVER_MODE = {'client': 'drain', 'server': 'close', 'both': 'at',
               'never': 'never'}


@register('workload', 'sessions')
class Sessions(Workload):
    DOC = ('connections one at a time, each closed a set way (client, '
           'server, both at once, or never by the server)')
    PRODUCES = ('values flow.NAME.attempts, .connected, .refused, .start_s; '
                'table flow.NAME (one row per connection)')
    KEYS = {
        'clients': Field('strlist', 'client nodes, used in turn (default: '
                         'the flow\'s from)'),
        'rounds': Field('int', 'connections in all', default=1, minimum=1,
                        maximum=1000),
        'close': Field('str', 'who closes first', default='client',
                       choices=tuple(SERVER_MODE)),
        'hold': Field('time', 'time established before the close',
                      default=0.2),
        'pause': Field('time', 'time between connections', default=0.0),
        'timeout': Field('time', 'connect timeout: a connection not '
                         'established by then is refused', default=1.5,
                         minimum=0.1),
        'tail': Field('time', 'keep the flow going this long after its last '
                      'connection (what it left behind stays in view)',
                      default=0.0),
        'after': Field('str', 'start when this sessions flow is done '
                       '(instead of at start)'),
        'server_sysctl': Field('table', 'sysctls written in the server\'s '
                               'namespace just before the first connection',
                               default={}),
        'port': Field('int', 'server port (default 6001 + the flow\'s index)',
                      minimum=1, maximum=65535),
    }

    def check(self):
        it = self.item
        _common.assign_port(self)
        nodes = self.exp.topology.nodes()
        self.clients = it['clients'] or [self.src]
        for c in self.clients:
            if c not in nodes:
                self.fail('clients', 'no node %r (nodes: %s)' %
                          (c, ', '.join(nodes)))
        if it['after'] is not None:
            names = {w.name: w for w in self.exp.workloads}
            o = names.get(it['after'])
            if o is None or o.kind != 'sessions' or o is self:
                self.fail('after', 'no other sessions flow named %r' %
                          it['after'])
        for k, v in it['server_sysctl'].items():
            try:
                lab_sysctl.check(k, v, 'static')
            except ValueError as e:
                self.fail('server_sysctl.' + k, str(e))

    def outputs(self):
        n = 'flow.' + self.name
        return Outputs(values=[n + '.' + v for v in
                               ('attempts', 'connected', 'refused', 'start_s')],
                       tables={n: COLUMNS})

    def server_spec(self):
        it = self.item
        return [(self.dst, {'port': self.port, 'mode': SERVER_MODE[it['close']],
                            'delay': it['hold'] if it['close'] == 'server'
                            else 0})]

    def _own_time(self):
        it = self.item
        per = it['timeout'] + it['hold'] + it['pause'] + 1.0
        return per * it['rounds'] + it['tail']

    def end_time(self):
        it = self.item
        t = it['start']
        if it['after'] is not None:
            o = next(w for w in self.exp.workloads if w.name == it['after'])
            t = max(t, o.end_time())
        return t + self._own_time() + 5

    def prepare(self, ctx):
        _server.ensure(ctx)
        for k, v in self.item['server_sysctl'].items():
            try:
                lab_sysctl.check(k, v, 'live')
            except ValueError as e:
                raise RuntimeError('flow %s: server_sysctl.%s: %s' %
                                   (self.name, k, e)) from None
        self.raw = ctx.raw_path('flow-%s' % self.name)
        self.agents = {}
        dst = self.exp.topology.address(self.dst)
        for c in dict.fromkeys(self.clients):
            argv = ctx.agent('sessions') + ['--dst', dst, '--port',
                                            str(self.port)]
            p = ctx.net.spawn(argv, c, stdout=-1, stdin=-1,
                              comment='flow %s: a client on %s; one line on '
                              'its stdin per connection, e.g. "go %s %g %g"'
                              % (self.name, c, self.item['close'],
                                 self.item['hold'], self.item['timeout']),
                              errfile='%s.%s.err' % (self.raw, c))
            ctx.wait_ready(p, 'flow %s: client on %s' % (self.name, c))
            self.agents[c] = p
        self.done = threading.Event()
        self.results = []
        self.error = None

    def start(self, ctx, t0):
        self.t0 = t0
        self.ctx = ctx
        self.th = threading.Thread(target=self._drive, daemon=True)
        self.th.start()

    def _drive(self):
        it = self.item
        try:
            if it['after'] is not None:
                o = next(w for w in self.exp.workloads if w.name == it['after'])
                o.done.wait(o.end_time() + 60)
            else:
                left = self.t0 + it['start'] - time.monotonic()
                if left > 0:
                    time.sleep(left)
            self.started = time.monotonic()
            for k, v in it['server_sysctl'].items():
                self.ctx.net.commands.append('# flow %s: before its first '
                                             'connection' % self.name)
                self.ctx.net.sysctl(self.dst, k, lab_sysctl.value_text(v))
            for i in range(it['rounds']):
                c = self.clients[i % len(self.clients)]
                p = self.agents[c]
                p.stdin.write('go %s %r %r\n' % (it['close'], it['hold'],
                                                 it['timeout']))
                p.stdin.flush()
                line = p.stdout.readline()
                if not line:
                    raise RuntimeError('client on %s ended: %s' %
                                       (c, self.ctx.net.errors(p)))
                r = json.loads(line)
                r['client'] = c
                self.results.append(r)
                if it['pause']:
                    time.sleep(it['pause'])
            if it['tail']:
                time.sleep(it['tail'])
        except Exception as e:
            self.error = str(e)
        finally:
            self.done.set()

    def finish(self, ctx, deadline):
        self.done.wait(max(1.0, deadline - time.monotonic()))
        for p in self.agents.values():
            try:
                p.stdin.close()
            except OSError:
                pass
        if not self.done.is_set():
            raise RuntimeError('flow %s: still running at the deadline' %
                               self.name)
        if self.error:
            raise RuntimeError('flow %s: %s' % (self.name, self.error))
        n = 'flow.' + self.name
        rows = []
        ok = bad = 0
        for r in self.results:
            ok += r['ok']
            bad += 1 - r['ok']
            rows.append([round(r['t'] - self.t0, 4), r['client'], r['ok'],
                         r['connect_ms'], r['local'], r['error'], ok, bad])
        ctx.data.add_table(n, COLUMNS, rows)
        ok = sum(r['ok'] for r in self.results)
        ctx.data.add_value(n + '.attempts', len(self.results))
        ctx.data.add_value(n + '.connected', ok)
        ctx.data.add_value(n + '.refused', len(self.results) - ok)
        ctx.data.add_value(n + '.start_s', round(self.started - self.t0, 4))
        # For measures that follow the flow's sockets (sock_states).
        self.locals = [r['local'] for r in self.results if r['local']]


# ---------------------------------------------------------------- agent

def _read_to_eof(s, until):
    while True:
        s.settimeout(max(0.05, until - time.monotonic()))
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            return False
        except OSError:
            return True


def one(dst, port, close, hold, timeout):
    r = {'t': time.monotonic(), 'ok': 0, 'connect_ms': None, 'local': None,
         'error': None}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((dst, port))
    except OSError as e:
        r['error'] = 'timeout' if isinstance(e, socket.timeout) else \
            (e.strerror or str(e))
        s.close()
        return r
    r['ok'] = 1
    r['connect_ms'] = round((time.monotonic() - r['t']) * 1000, 2)
    r['local'] = '%s:%d' % s.getsockname()
    limit = hold + 10
    if close == 'both':
        at = time.monotonic() + hold
        s.sendall(b'at %.6f\n' % at)
        time.sleep(max(0.0, at - time.monotonic()))
        s.shutdown(socket.SHUT_WR)
        _read_to_eof(s, at + limit)
    elif close == 'client':
        time.sleep(hold)
        s.shutdown(socket.SHUT_WR)
        _read_to_eof(s, time.monotonic() + limit)
    elif close == 'server':
        _read_to_eof(s, time.monotonic() + limit)
    else:                           # never: the server keeps its socket
        time.sleep(hold)
    s.close()
    return r


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.sessions')
    ap.add_argument('--dst', required=True)
    ap.add_argument('--port', type=int, required=True)
    a = ap.parse_args(argv)
    print('ready', flush=True)
    for line in sys.stdin:
        w = line.split()
        if not w or w[0] != 'go':
            continue
        r = one(a.dst, a.port, w[1], float(w[2]), float(w[3]))
        print(json.dumps(r), flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
