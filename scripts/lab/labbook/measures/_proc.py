# SPDX-License-Identifier: GPL-2.0
"""Reading a node's /proc/net files from the engine itself, and sampling
them in a thread: the measures of TIME_WAIT and of socket states.

/proc/PID/net shows the network namespace of process PID, so one idle
process per node (`sleep`, started in the namespace) lets the engine
read that namespace's /proc/net/tcp without forking anything per sample
(which costs tens of milliseconds under TCG).

/proc/net/tcp lists full sockets, request socks (state SYN_RECV) and
timewait sockets; a timewait socket shows its substate (FIN_WAIT2 or
TIME_WAIT), timer type 3 and the time left on its timer in USER_HZ
(1/100 s) ticks.
"""
import threading
import time

from .. import netns

# /proc/net/tcp's st column, 1-based (include/net/tcp_states.h)
STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2',
          'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING',
          'NEW_SYN_RECV']
USER_HZ = 100
TIMER_TIMEWAIT = 3


def addr(hexaddr):
    """'0100000A:1F90' -> '10.0.0.1:8080' (IPv6: '[...]:port')."""
    a, p = hexaddr.split(':')
    port = int(p, 16)
    if len(a) == 8:
        b = bytes.fromhex(a)[::-1]
        return '%d.%d.%d.%d:%d' % (b[0], b[1], b[2], b[3], port)
    words = [bytes.fromhex(a[i:i + 8])[::-1].hex() for i in range(0, 32, 8)]
    h = ''.join(words)
    return '[%s]:%d' % (':'.join(h[i:i + 4] for i in range(0, 32, 4)), port)


def port_of(a):
    return int(a.rsplit(':', 1)[1])


def parse_tcp(text):
    """Rows of /proc/net/tcp(6) text -> [(state, local, remote, timer,
    left_s)]: timer is the tr column (3: timewait), left_s the time left
    on it in seconds."""
    out = []
    for line in text.splitlines()[1:]:
        p = line.split()
        if len(p) < 6 or ':' not in p[5]:
            continue
        try:
            st = STATES[int(p[3], 16) - 1]
            tr, when = p[5].split(':')
            out.append((st, addr(p[1]), addr(p[2]), int(tr, 16),
                        int(when, 16) / USER_HZ))
        except (ValueError, IndexError):
            continue
    return out


def parse_lab(text):
    out = {}
    for line in text.splitlines():
        p = line.split()
        if len(p) == 2:
            try:
                out[p[0]] = int(p[1])
            except ValueError:
                pass
    return out


class NodeProc:
    """/proc/net of one node, through an idle process in its namespace."""

    def __init__(self, ctx, node):
        self.node = node
        argv = [netns.busybox_ok('sleep'), '86400']
        self.proc = ctx.net.spawn(argv, node, record=False)
        self.base = '/proc/%d/net/' % self.proc.pid
        # `ip netns exec` enters the namespace, then execs sleep: until
        # it has, /proc/PID/net is still the engine's own.
        want = _netns_id(ctx.net.nsname(node))
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if _pid_netns(self.proc.pid) == want and want is not None:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError('no process in namespace %s to read /proc/net '
                           'from' % node)

    def read(self, name):
        try:
            with open(self.base + name) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def tcp(self):
        rows = []
        for n in ('tcp', 'tcp6'):
            t = self.read(n)
            if t:
                rows += parse_tcp(t)
        return rows

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _netns_id(name):
    import os
    try:
        return os.stat('/run/netns/' + name).st_ino
    except OSError:
        return None


def _pid_netns(pid):
    import os
    try:
        return os.stat('/proc/%d/ns/net' % pid).st_ino
    except OSError:
        return None


class Sampler:
    """Call fn(now) every `interval` seconds in a thread until stop()."""

    def __init__(self, fn, interval):
        self.fn = fn
        self.interval = interval
        self.error = None
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._th.start()

    def _run(self):
        nxt = time.monotonic()
        while not self._stop.is_set():
            try:
                self.fn(time.monotonic())
            except Exception as e:      # reported by the measure
                self.error = '%s: %s' % (e.__class__.__name__, e)
                return
            nxt += self.interval
            left = nxt - time.monotonic()
            if left < 0:
                nxt = time.monotonic()
                left = 0
            self._stop.wait(left)

    def stop(self):
        self._stop.set()
        self._th.join(10)
