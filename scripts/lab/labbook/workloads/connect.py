# SPDX-License-Identifier: GPL-2.0
"""listener and connect: a server that may stop calling accept(), and
clients that open short connections at a steady pace and time them.

  [[flow]]
  kind = "listener"
  name = "srv"
  to = "server"                # where it listens
  port = 8080                  # or a list: [8000, 8001]
  backlog = 128                # listen(backlog); net.core.somaxconn caps it
  pause = ["3s", "9s"]         # stop calling accept() from t0 + 3 s to 9 s
                               # (one time: from then on; [] : never stops)

  [[flow]]
  kind = "connect"
  name = "legit"
  from = "client"
  to = "server"
  port = 8080                  # a list: each connection takes the next
  interval = "50ms"            # one new connection every 50 ms ...
  duration = "8s"              # ... for 8 s (or count = 100)
  timeout = "1s"               # each has this long to get its reply
  bytes = 16                   # sent, and read back echoed (0: connect only)

The listener echoes what it reads and closes when the client does; it
stays up until every other flow of the experiment has ended. The clients
are open-loop: each connection starts on schedule whatever became of the
ones before, so a server that stops answering does not slow the offered
load down. A connection succeeds when its echo is back within the timeout
(with bytes = 0: when connect() completes).

Listener: value flow.NAME.accepted; table flow.NAME (t,
accepted: the running count, one row per accept).
Connect: values flow.NAME.attempts, .ok, .failed, .success_pct,
.connect_p50_ms, .connect_p99_ms, .connect_max_ms, .reply_p50_ms,
.reply_p99_ms, .syn_retrans (connections that needed a SYN sent again);
table flow.NAME, one row per connection: t (its start), port, ok (1/0),
connect_ms, reply_ms (empty if it never came), syn_retrans (SYNs sent
again before it connected) and outcome (ok, timeout: no connection,
no_reply: connected but no echo in time, or the error's name); table
flow.NAME.per_s: t (the end of each second), attempts, ok, success_pct
of the connections started in that second.
"""
import errno
import json
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from .. import units
from . import _common
from ..measures import _agent

TCP_INFO = 11
CONNECT_COLUMNS = ['t', 'port', 'ok', 'connect_ms', 'reply_ms', 'syn_retrans',
                   'outcome']
PER_S_COLUMNS = ['t', 'attempts', 'ok', 'success_pct']
CONNECT_VALUES = ('attempts', 'ok', 'failed', 'success_pct', 'connect_p50_ms',
                  'connect_p99_ms', 'connect_max_ms', 'reply_p50_ms',
                  'reply_p99_ms', 'syn_retrans')


def percentile(xs, p):
    """Nearest-rank percentile of a list (None if empty)."""
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


def ports(plugin):
    """The entry's port key, an int or a list of them -> a list."""
    p = plugin.item['port']
    p = [p] if isinstance(p, int) and not isinstance(p, bool) else p
    if not isinstance(p, list) or not p or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 < x < 65536
            for x in p):
        plugin.fail('port', 'a port or a list of ports')
    if len(set(p)) != len(p):
        plugin.fail('port', 'a port given twice')
    return p


def _times(v):
    out = []
    for x in v:
        out.append(units.time(x))
    return out


@register('workload', 'listener')
class Listener(_common.StdinStart, Workload):
    DOC = ('a TCP server that echoes and may stop calling accept() for a '
           'while; up until every other flow has ended')
    PRODUCES = 'value flow.NAME.accepted; table flow.NAME (t, accepted)'
    KEYS = {
        'port': Field('any', 'port (or list of ports) to listen on',
                      required=True),
        'backlog': Field('int', 'listen() backlog (net.core.somaxconn caps '
                         'it)', default=128, minimum=0, maximum=1 << 20),
        'pause': Field('strlist', 'stop calling accept() from the first time '
                       'to the second (after t0); one time: from then on',
                       default=[]),
        'duration': Field('time', 'stop listening this long after start '
                          '(default: when every other flow has ended)'),
    }

    def check(self):
        self.ports = ports(self)
        try:
            self.pause = _times(self.item['pause'])
        except ValueError as e:
            self.fail('pause', str(e))
        if len(self.pause) > 2:
            self.fail('pause', 'one or two times: [from] or [from, to]')
        if len(self.pause) == 2 and self.pause[1] <= self.pause[0]:
            self.fail('pause', 'the second time must come after the first')
        for o in self.exp.workloads:
            if o is not self and o.kind == 'listener' and o.dst == self.dst \
               and set(getattr(o, 'ports', ())) & set(self.ports):
                self.fail('port', 'flow %s listens on %s there too' % (
                    o.name, self.dst))

    def outputs(self):
        n = 'flow.' + self.name
        return Outputs(values=[n + '.accepted'],
                       tables={n: ['t', 'accepted']})

    def end_time(self):
        if self.item['duration'] is not None:
            return self.item['start'] + self.item['duration']
        return self.item['start']

    def prepare(self, ctx):
        it = self.item
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('connect') + ['serve', '--port'] + [
            str(p) for p in self.ports] + ['--backlog', str(it['backlog'])]
        show = list(argv)
        if self.pause:
            argv += ['--pause'] + ['%g' % p for p in self.pause]
            show += ['--pause-after-start'] + ['%g' % p for p in self.pause]
        argv += ['--t0', 'stdin', '--out', self.raw + '.json']
        what = 'flow %s: a server on port %s, listen(%d)' % (
            self.name, ', '.join(map(str, self.ports)), it['backlog'])
        if len(self.pause) == 2:
            what += ', not accepting from t0 + %gs to %gs' % tuple(self.pause)
        elif self.pause:
            what += ', not accepting from t0 + %gs on' % self.pause[0]
        self.proc = ctx.net.spawn(argv, self.dst, stdout=-1, stdin=-1,
                                  comment=what, display=show,
                                  errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s: listener' % self.name)

    def finish(self, ctx, deadline):
        # Up until the others are done: their connections end here.
        for w in self.exp.workloads:
            if w is self or w.kind == 'listener':
                continue
            p = getattr(w, 'proc', None)
            if p is not None:
                try:
                    p.wait(max(0.1, deadline - time.monotonic()))
                except Exception:
                    pass
        if self.item['duration'] is not None:
            left = self.t0 + self.end_time() - time.monotonic()
            if left > 0:
                time.sleep(min(left, max(0.0, deadline - time.monotonic())))
        if not _agent.stop(self.proc, 10):
            raise RuntimeError('flow %s: the listener did not stop' % self.name)
        try:
            with open(self.raw + '.json') as f:
                r = json.load(f)
        except (OSError, ValueError):
            raise RuntimeError('flow %s: the listener left no result: %s' % (
                self.name, ctx.net.errors(self.proc))) from None
        n = 'flow.' + self.name
        rows = [[round(t - self.t0, 4), i + 1] for i, t in enumerate(r['accepts'])]
        ctx.data.add_table(n, ['t', 'accepted'], rows)
        ctx.data.add_value(n + '.accepted', len(r['accepts']))
        if r.get('errors'):
            ctx.data.note('flow %s: %d connection(s) ended in an error at the '
                          'server (%s)' % (self.name, len(r['errors']),
                                           ', '.join(sorted(set(r['errors'])))))


@register('workload', 'connect')
class Connect(_common.StdinStart, Workload):
    DOC = ('short connections at a steady pace, each timed: connect time, '
           'reply time, success within a timeout')
    PRODUCES = ('values flow.NAME.attempts, .ok, .failed, .success_pct, '
                '.connect_p50_ms, .connect_p99_ms, .connect_max_ms, '
                '.reply_p50_ms, .reply_p99_ms, .syn_retrans; table flow.NAME '
                '(t, ok, connect_ms, reply_ms, syn_retrans, outcome)')
    KEYS = {
        'port': Field('any', 'server port, or a list: each connection '
                      'takes the next', required=True),
        'interval': Field('time', 'a new connection this often',
                          default=0.05, minimum=0.001),
        'duration': Field('time', 'start connections for this long'),
        'count': Field('int', 'or: this many connections', minimum=1,
                       maximum=100000),
        'timeout': Field('time', 'each connection has this long to connect '
                         'and get its reply', default=1.0, minimum=0.01),
        'bytes': Field('int', 'bytes sent and read back echoed (0: connect '
                       'only)', default=16, minimum=0, maximum=1 << 20),
    }

    def check(self):
        it = self.item
        self.ports = ports(self)
        if (it['duration'] is None) == (it['count'] is None):
            self.fail('duration', 'give exactly one of duration or count')
        if it['duration'] is not None:
            self.count = max(1, int(it['duration'] / it['interval'] + 1e-9))
        else:
            self.count = it['count']

    def outputs(self):
        n = 'flow.' + self.name
        return Outputs(values=['%s.%s' % (n, k) for k in CONNECT_VALUES],
                       tables={n: CONNECT_COLUMNS, n + '.per_s': PER_S_COLUMNS})

    def end_time(self):
        it = self.item
        return it['start'] + (self.count - 1) * it['interval'] + it['timeout'] + 1

    def prepare(self, ctx):
        it = self.item
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('connect') + [
            'client', '--dst', self.exp.topology.address(self.dst),
            '--port'] + [str(p) for p in self.ports] + [
            '--interval', '%g' % it['interval'],
            '--count', str(self.count), '--timeout', '%g' % it['timeout'],
            '--bytes', str(it['bytes'])]
        show = list(argv)
        argv += ['--start-at', 'stdin', '--out', self.raw + '.json']
        self.proc = ctx.net.spawn(
            argv, self.src, stdout=-1, stdin=-1, foreground=True,
            comment='flow %s: %d connections, one every %s from t0 + %gs, '
            'each timed' % (self.name, self.count,
                            units.fmt_time(it['interval']), it['start']),
            display=show, errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s: clients' % self.name)

    def finish(self, ctx, deadline):
        _common.wait_deadline(self, self.proc, deadline, 'clients')
        _common.check_exit(ctx, self, self.proc, 'client')
        with open(self.raw + '.json') as f:
            r = json.load(f)
        n = 'flow.' + self.name
        rows = []
        for a in r['attempts']:
            rows.append([round(a['t'] - self.t0, 4), a['port'],
                         1 if a['ok'] else 0, a['connect_ms'], a['reply_ms'],
                         a['syn_retrans'], a['outcome']])
        ctx.data.add_table(n, CONNECT_COLUMNS, rows)
        ctx.data.add_table(n + '.per_s', PER_S_COLUMNS, per_second(
            [(r[0], r[2]) for r in rows], self.item['start']))
        for k, v in summarize(r['attempts']).items():
            ctx.data.add_value('%s.%s' % (n, k), v)


def per_second(rows, start):
    """[(t, ok)] -> rows of PER_S_COLUMNS, one per second from start."""
    bins = {}
    for t, ok in rows:
        k = int((t - start) // 1.0)
        n, o = bins.get(k, (0, 0))
        bins[k] = (n + 1, o + ok)
    return [[round(start + k + 1.0, 4), n, o, round(100.0 * o / n, 2)]
            for k, (n, o) in sorted(bins.items())]


def summarize(attempts):
    ok = [a for a in attempts if a['ok']]
    conn = [a['connect_ms'] for a in ok]
    reply = [a['reply_ms'] for a in ok if a['reply_ms'] is not None]
    n = len(attempts)
    return {
        'attempts': n, 'ok': len(ok), 'failed': n - len(ok),
        'success_pct': round(100.0 * len(ok) / n, 2) if n else None,
        'connect_p50_ms': percentile(conn, 50),
        'connect_p99_ms': percentile(conn, 99),
        'connect_max_ms': max(conn) if conn else None,
        'reply_p50_ms': percentile(reply, 50),
        'reply_p99_ms': percentile(reply, 99),
        'syn_retrans': sum(1 for a in attempts if a['syn_retrans']),
    }


# ---------------------------------------------------------------- agents

def _read_start(arg):
    if arg != 'stdin':
        return float(arg or 0)
    print('ready', flush=True)
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    return float(line)


def _serve(a):
    srvs = []
    for port in a.port:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(('0.0.0.0', port))
        srv.listen(a.backlog)
        srv.setblocking(False)
        srvs.append(srv)
    accepts, errors = [], []
    stop = threading.Event()

    def done(*_):
        stop.set()
    signal.signal(signal.SIGTERM, done)

    def echo(c):
        try:
            c.settimeout(30)
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        except OSError as e:
            errors.append(errno.errorcode.get(e.errno, str(e)))
        finally:
            c.close()

    t0 = _read_start(a.t0)
    pause = [t0 + p for p in a.pause]
    if len(pause) == 1:
        pause.append(float('inf'))
    while not stop.is_set():
        now = time.monotonic()
        if pause and pause[0] <= now < pause[1]:
            stop.wait(min(0.05, pause[1] - now))
            continue
        wait = 0.2
        if pause and now < pause[0]:
            wait = min(wait, pause[0] - now)
        try:
            ready, _, _ = select.select(srvs, [], [], wait)
        except InterruptedError:
            continue
        for srv in ready:
            while True:
                if pause and pause[0] <= time.monotonic() < pause[1]:
                    break
                try:
                    c, _ = srv.accept()
                except (BlockingIOError, InterruptedError):
                    break
                accepts.append(time.monotonic())
                c.setblocking(True)
                threading.Thread(target=echo, args=(c,), daemon=True).start()
    with open(a.out, 'w') as f:
        json.dump({'accepts': accepts, 'errors': errors}, f)


def _syn_retrans(s):
    """SYNs sent again before this socket connected: tcpi_total_retrans,
    read right after connect() completed."""
    try:
        raw = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 104)
    except OSError:
        return None
    if len(raw) < 104:
        return None
    return struct.unpack_from('<I', raw, 100)[0]


def _client(a):
    start = _read_start(a.start_at)
    sel = selectors.DefaultSelector()
    results = []
    live = {}       # socket -> record
    nxt = 0
    req = b'x' * a.bytes

    def end(s, rec, outcome, ok=False):
        rec['outcome'] = outcome
        rec['ok'] = ok
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()
        del live[s]
        results.append(rec)

    while nxt < a.count or live:
        now = time.monotonic()
        # Start every connection that is due (open loop).
        while nxt < a.count and start + nxt * a.interval <= now:
            t = start + nxt * a.interval
            nxt += 1
            port = a.port[(nxt - 1) % len(a.port)]
            rec = {'t': t, 'port': port, 'ok': False, 'connect_ms': None,
                   'reply_ms': None, 'syn_retrans': None, 'outcome': None,
                   'got': 0}
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rec['t'] = time.monotonic()
            err = s.connect_ex((a.dst, port))
            live[s] = rec
            if err not in (0, errno.EINPROGRESS):
                end(s, rec, errno.errorcode.get(err, str(err)))
                continue
            sel.register(s, selectors.EVENT_WRITE, 'connecting')
        # Time out what has waited too long.
        now = time.monotonic()
        for s, rec in list(live.items()):
            if now - rec['t'] >= a.timeout:
                end(s, rec, 'timeout' if rec['connect_ms'] is None
                    else 'no_reply')
        wake = [start + nxt * a.interval] if nxt < a.count else []
        wake += [rec['t'] + a.timeout for rec in live.values()]
        timeout = max(0.0, min(wake) - time.monotonic()) if wake else 0.1
        if not live:
            time.sleep(timeout)
            continue
        for key, ev in sel.select(timeout):
            s, state = key.fileobj, key.data
            rec = live.get(s)
            if rec is None:
                continue
            now = time.monotonic()
            if state == 'connecting':
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    end(s, rec, {errno.ECONNREFUSED: 'refused',
                                 errno.ECONNRESET: 'reset',
                                 errno.ETIMEDOUT: 'timeout'}.get(
                                     err, errno.errorcode.get(err, str(err))))
                    continue
                rec['connect_ms'] = round((now - rec['t']) * 1000, 3)
                rec['syn_retrans'] = _syn_retrans(s)
                if not req:
                    rec['reply_ms'] = rec['connect_ms']
                    end(s, rec, 'ok', True)
                    continue
                try:
                    s.send(req)
                except OSError as e:
                    end(s, rec, errno.errorcode.get(e.errno, str(e)))
                    continue
                sel.modify(s, selectors.EVENT_READ, 'reply')
            else:
                try:
                    b = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    end(s, rec, {errno.ECONNRESET: 'reset'}.get(
                        e.errno, errno.errorcode.get(e.errno, str(e))))
                    continue
                if not b:
                    end(s, rec, 'closed')
                    continue
                rec['got'] += len(b)
                if rec['got'] >= len(req):
                    rec['reply_ms'] = round((now - rec['t']) * 1000, 3)
                    end(s, rec, 'ok', True)
    results.sort(key=lambda r: r['t'])
    for r in results:
        del r['got']
    with open(a.out, 'w') as f:
        json.dump({'attempts': results}, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.connect')
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('serve', help='listen, accept (except while paused), '
                       'echo')
    s.add_argument('--port', type=int, nargs='+', required=True)
    s.add_argument('--backlog', type=int, default=128)
    s.add_argument('--pause', type=float, nargs='+', default=[],
                   help='stop accepting from t0 + FROM [to t0 + TO]')
    s.add_argument('--t0', default='stdin',
                   help='time.monotonic() of t0, or "stdin": print "ready" '
                   'once listening and read it from there')
    s.add_argument('--out', default='/dev/stdout')
    c = sub.add_parser('client', help='open-loop timed connections')
    c.add_argument('--dst', required=True)
    c.add_argument('--port', type=int, nargs='+', required=True)
    c.add_argument('--interval', type=float, default=0.05)
    c.add_argument('--count', type=int, required=True)
    c.add_argument('--timeout', type=float, default=1.0)
    c.add_argument('--bytes', type=int, default=16)
    c.add_argument('--start-at', default='0')
    c.add_argument('--out', default='/dev/stdout')
    a = ap.parse_args(argv)
    if a.cmd == 'serve':
        _serve(a)
    else:
        _client(a)


if __name__ == '__main__':
    main(sys.argv[1:])
