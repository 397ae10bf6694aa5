# SPDX-License-Identifier: GPL-2.0
"""One TCP server per node for the connection workloads (churn,
sessions, stale_segment, rst_probe): every port a flow asks for on that
node, each with its own behaviour, in one process with one event loop
(starting a Python process costs a second or more under TCG).

  python3 -m labbook.workloads._server --spec JSON --out FILE

spec: [{"port": 6001, "mode": MODE, "send": BYTES, "delay": SECONDS}]
Modes, for each accepted connection:
  drain   read until the peer's FIN, then close (the peer closed first)
  echo    send back what arrives; close after the peer's FIN
  close   close first: shutdown(SHUT_WR) `delay` seconds after accepting,
          then read until the peer's FIN and close
  at      the peer names the moment, in a first line "at MONOTONIC":
          shutdown(SHUT_WR) then (a simultaneous close when the peer
          does the same), read until its FIN, close
  never   read until the peer's FIN and never call close(): the socket
          stays in CLOSE_WAIT until this process ends
"send" bytes are written first, as soon as the connection is accepted.

Prints "ready" once listening; on SIGTERM writes per-port counts
(accepted, closed, resets, held, bytes_in) as JSON to --out and exits.

Engine side: ensure(ctx) starts one per node for every workload of the
experiment that has a server_spec() method, the first time any of them
prepares.
"""
import errno
import heapq
import json
import os
import selectors
import signal
import socket
import sys
import time

MODES = ('drain', 'echo', 'close', 'at', 'never')


def ensure(ctx):
    """Start the servers of every workload that needs one (once)."""
    if getattr(ctx, '_lab_servers', None) is not None:
        return
    ctx._lab_servers = {}
    by_node = {}
    for w in ctx.exp.workloads:
        fn = getattr(w, 'server_spec', None)
        if fn is None:
            continue
        for node, entry in fn():
            by_node.setdefault(node, []).append((w.name, entry))
    for node, entries in by_node.items():
        spec = [e for _, e in entries]
        out = ctx.raw_path('server-%s.json' % node)
        argv = ctx.agent('_server') + ['--spec', json.dumps(spec), '--out', out]
        desc = '; '.join('%s: port %d %s' % (n, e['port'], e['mode'])
                         for n, e in entries)
        p = ctx.net.spawn(argv, node, stdout=-1, errfile=out + '.err',
                          comment='the servers on %s (%s)' % (node, desc))
        ctx.wait_ready(p, 'servers on %s' % node)
        ctx._lab_servers[node] = (p, out)


class Conn:
    __slots__ = ('sock', 'port', 'mode', 'buf', 'eof', 'shut')

    def __init__(self, sock, port, mode):
        self.sock, self.port, self.mode = sock, port, mode
        self.buf = b''
        self.eof = False
        self.shut = False


def serve(spec, out):
    sel = selectors.DefaultSelector()
    stats = {}
    byport = {}
    timers = []     # (when, seq, fn)
    seq = [0]

    def later(when, fn):
        seq[0] += 1
        heapq.heappush(timers, (when, seq[0], fn))

    for e in spec:
        if e['mode'] not in MODES:
            raise SystemExit('unknown mode %r' % e['mode'])
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(('0.0.0.0', e['port']))
        ls.listen(1024)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, ('listen', e))
        byport[e['port']] = e
        stats[str(e['port'])] = {'accepted': 0, 'closed': 0, 'resets': 0,
                                 'held': 0, 'bytes_in': 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    print('ready', flush=True)

    def finish(c):
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        if c.mode == 'never':
            # The application "forgets" the socket: it stays open (in
            # CLOSE_WAIT once the peer has closed) until we exit.
            stats[str(c.port)]['held'] += 1
            held.append(c.sock)
            return
        c.sock.close()
        stats[str(c.port)]['closed'] += 1

    def shut(c):
        if c.shut or c.sock.fileno() < 0:
            return
        c.shut = True
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    held = []
    while not stop:
        # At most half a second: a SIGTERM is seen between selects.
        timeout = 0.5
        if timers:
            timeout = min(timeout, max(0.0, timers[0][0] - time.monotonic()))
        try:
            events = sel.select(timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            heapq.heappop(timers)[2]()
        for key, _ in events:
            what = key.data
            if what[0] == 'listen':
                e = what[1]
                while True:
                    try:
                        s, _ = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    stats[str(e['port'])]['accepted'] += 1
                    c = Conn(s, e['port'], e['mode'])
                    if e.get('send'):
                        try:
                            s.sendall(b'd' * e['send'])
                        except OSError:
                            pass
                    s.setblocking(False)
                    sel.register(s, selectors.EVENT_READ, ('conn', c))
                    if e['mode'] == 'close':
                        d = e.get('delay') or 0
                        if d > 0:
                            later(now + d, lambda c=c: shut(c))
                        else:
                            shut(c)
                continue
            c = what[1]
            try:
                data = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as ex:
                if ex.errno == errno.ECONNRESET:
                    stats[str(c.port)]['resets'] += 1
                c.mode = 'drain' if c.mode == 'never' else c.mode
                finish(c)
                continue
            if not data:
                finish(c)
                continue
            stats[str(c.port)]['bytes_in'] += len(data)
            if c.mode == 'echo':
                try:
                    c.sock.setblocking(True)
                    c.sock.sendall(data)
                    c.sock.setblocking(False)
                except OSError:
                    pass
            elif c.mode == 'at' and not c.shut:
                c.buf += data
                if b'\n' in c.buf:
                    line = c.buf.split(b'\n', 1)[0].split()
                    try:
                        when = float(line[1])
                    except (IndexError, ValueError):
                        when = now
                    c.shut = False
                    later(when, lambda c=c: shut(c))
                    c.mode = 'close'
    with open(out, 'w') as f:
        json.dump(stats, f)
    for s in held:
        s.close()


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads._server')
    ap.add_argument('--spec', required=True)
    ap.add_argument('--out', default=os.devnull)
    a = ap.parse_args(argv)
    serve(json.loads(a.spec), a.out)


if __name__ == '__main__':
    main(sys.argv[1:])
