# SPDX-License-Identifier: GPL-2.0
"""conn: one TCP connection between two small applications whose socket
options, writes and reads the file sets: keepalive, a user timeout, a
receiver that reads a little and then sleeps, periodic small writes, a
transfer of a given size, a route's rto_min.

Both halves live here: the plug-in the engine drives, and the agent it
runs inside the namespaces (python3 -m labbook.workloads.conn
server|client). Each side samples its own socket's TCP_INFO every
`sample` and notes what its application saw (connected, EOF, an error
such as ETIMEDOUT, and when).

  [[flow]]
  kind = "conn"
  name = "app"
  duration = "12s"            # the client keeps the connection at most
                              # this long; it ends sooner on an error or
                              # once `bytes` are acknowledged
  keepalive = { idle = "2s", intvl = "1s", count = 3 }   # client socket;
                              # keepalive = {} uses the namespace's sysctls
  send = "none"               # client: none, bulk, periodic
  server_send = "periodic"    # server: none, bulk, periodic
  server_write_size = "100B"
  server_write_every = "250ms"
  server_read = "paced"       # server: all, none, paced (read_size bytes,
  read_size = "16KB"          # then sleep read_pause; the first read
  read_pause = "1s"           # read_start after the connection)

Tables: flow.NAME (the client's TCP_INFO samples), flow.NAME.server (the
server's), flow.NAME.events (t, side, event, detail: connected, eof,
error). Values flow.NAME.*: connected_s, error_s, errno (0 = none),
server_errno, bytes_sent, bytes_read (server), bytes_acked, goodput_mbit,
duration_s, completion_s (with bytes), keepidle_s, keepintvl_s, keepcnt
(the socket's effective values, read back), user_timeout_s, mtu (the
client's route MTU, IP_MTU), server_mtu.
"""
import errno as errno_mod
import json
import signal
import socket
import struct
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from . import _common
from ..measures import _agent
from ..schema import Field, SpecError, validate

TCP_INFO, TCP_CONGESTION, TCP_USER_TIMEOUT = 11, 13, 18
TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 4, 5, 6
TCP_MAXSEG, TCP_NODELAY = 2, 1
IP_MTU = 14
INFINITE_SSTHRESH = 0x7fffffff

KEEPALIVE_KEYS = {
    'idle': Field('time', 'TCP_KEEPIDLE: idle time before the first probe '
                  '(whole seconds; default: net.ipv4.tcp_keepalive_time)'),
    'intvl': Field('time', 'TCP_KEEPINTVL: time between probes (whole '
                   'seconds; default: net.ipv4.tcp_keepalive_intvl)'),
    'count': Field('int', 'TCP_KEEPCNT: unanswered probes before the '
                   'connection is dropped (default: '
                   'net.ipv4.tcp_keepalive_probes)', minimum=1, maximum=127),
}

SIDE = ('none', 'bulk', 'periodic')

# struct tcp_info (include/uapi/linux/tcp.h), field by field; a kernel
# returns as much of it as it knows (6.1 stops after tcpi_snd_wnd, 6.12
# goes on with tcpi_rcv_wnd and the RTO totals).
_FIELDS = (
    [('state', 'B'), ('ca_state', 'B'), ('retransmits', 'B'), ('probes', 'B'),
     ('backoff', 'B'), ('options', 'B'), ('wscale', 'B'), ('flags8', 'B')] +
    [(n, 'I') for n in (
        'rto', 'ato', 'snd_mss', 'rcv_mss', 'unacked', 'sacked', 'lost',
        'retrans', 'fackets', 'last_data_sent', 'last_ack_sent',
        'last_data_recv', 'last_ack_recv', 'pmtu', 'rcv_ssthresh', 'rtt',
        'rttvar', 'snd_ssthresh', 'snd_cwnd', 'advmss', 'reordering',
        'rcv_rtt', 'rcv_space', 'total_retrans')] +
    [(n, 'Q') for n in ('pacing_rate', 'max_pacing_rate', 'bytes_acked',
                        'bytes_received')] +
    [(n, 'I') for n in ('segs_out', 'segs_in', 'notsent_bytes', 'min_rtt',
                        'data_segs_in', 'data_segs_out')] +
    [('delivery_rate', 'Q'), ('busy_time', 'Q'), ('rwnd_limited', 'Q'),
     ('sndbuf_limited', 'Q'), ('delivered', 'I'), ('delivered_ce', 'I'),
     ('bytes_sent', 'Q'), ('bytes_retrans', 'Q'), ('dsack_dups', 'I'),
     ('reord_seen', 'I'), ('rcv_ooopack', 'I'), ('snd_wnd', 'I'),
     ('rcv_wnd', 'I')])


def _offsets():
    out, off = [], 0
    for name, fmt in _FIELDS:
        size = struct.calcsize(fmt)
        off = (off + size - 1) // size * size      # natural alignment
        out.append((name, fmt, off))
        off += size
    return out, off


_LAYOUT, _INFO_SIZE = _offsets()

COLUMNS = ['t', 'state', 'ca_state', 'retransmits', 'probes', 'backoff',
           'rto_ms', 'rtt_ms', 'rttvar_ms', 'snd_mss', 'rcv_mss', 'advmss',
           'pmtu', 'cwnd', 'ssthresh', 'cwnd_bytes', 'unacked', 'lost',
           'total_retrans', 'bytes_acked', 'bytes_received', 'notsent',
           'busy_ms', 'rwnd_limited_ms', 'sndbuf_limited_ms', 'snd_wnd',
           'rcv_wnd', 'last_data_recv_ms', 'last_ack_recv_ms', 'app_bytes']
EVENT_COLUMNS = ['t', 'side', 'event', 'detail']
VALUES = ('connected_s', 'error_s', 'errno', 'server_errno', 'bytes_sent',
          'bytes_read', 'bytes_acked', 'goodput_mbit', 'duration_s',
          'completion_s', 'keepidle_s', 'keepintvl_s', 'keepcnt',
          'user_timeout_s', 'mtu', 'server_mtu')


def tcp_info(s):
    """The socket's TCP_INFO as a dict; fields the kernel did not return
    are None."""
    raw = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, _INFO_SIZE)
    out = {}
    for name, fmt, off in _LAYOUT:
        size = struct.calcsize(fmt)
        out[name] = struct.unpack_from('<' + fmt, raw, off)[0] \
            if off + size <= len(raw) else None
    return out


def info_row(t, i, app_bytes):
    def ms(us):
        return None if us is None else round(us / 1000, 3)
    ss = i['snd_ssthresh']
    return [round(t, 6), i['state'], i['ca_state'], i['retransmits'],
            i['probes'], i['backoff'], ms(i['rto']), ms(i['rtt']),
            ms(i['rttvar']), i['snd_mss'], i['rcv_mss'], i['advmss'],
            i['pmtu'], i['snd_cwnd'], 0 if ss >= INFINITE_SSTHRESH else ss,
            i['snd_cwnd'] * i['snd_mss'], i['unacked'], i['lost'],
            i['total_retrans'], i['bytes_acked'], i['bytes_received'],
            i['notsent_bytes'], ms(i['busy_time']), ms(i['rwnd_limited']),
            ms(i['sndbuf_limited']), i['snd_wnd'], i['rcv_wnd'],
            i['last_data_recv'], i['last_ack_recv'], app_bytes]


@register('workload', 'conn')
class Conn(_common.StdinStart, Workload):
    DOC = ('one TCP connection between two small applications: socket '
           'options (keepalive, user timeout, buffers), how each side '
           'writes and how the server reads; TCP_INFO of both ends')
    PRODUCES = ('tables flow.NAME (client TCP_INFO), flow.NAME.server, '
                'flow.NAME.events; values flow.NAME.connected_s, .error_s, '
                '.errno, .server_errno, .bytes_sent, .bytes_read, '
                '.bytes_acked, .goodput_mbit, .duration_s, .completion_s, '
                '.keepidle_s, .keepintvl_s, .keepcnt, .user_timeout_s, '
                '.mtu, .server_mtu')
    KEYS = {
        'duration': Field('time', 'the client keeps the connection at most '
                          'this long (it ends sooner on an error, or once '
                          '`bytes` are acknowledged)', required=True),
        'algorithm': Field('str', 'the client\'s congestion control '
                           '(TCP_CONGESTION)'),
        'keepalive': Field('table', 'client: SO_KEEPALIVE with { idle, '
                           'intvl, count } (TCP_KEEPIDLE, TCP_KEEPINTVL, '
                           'TCP_KEEPCNT); {} keeps the namespace\'s sysctls'),
        'user_timeout': Field('time', 'client: TCP_USER_TIMEOUT'),
        'nodelay': Field('bool', 'client: TCP_NODELAY', default=False),
        'maxseg': Field('int', 'client: TCP_MAXSEG before connecting',
                        minimum=88, maximum=65495),
        'sndbuf': Field('size', 'client: SO_SNDBUF'),
        'rcvbuf': Field('size', 'client: SO_RCVBUF'),
        'send': Field('str', 'what the client writes: none, bulk (as fast '
                      'as it can), periodic (write_size every write_every)',
                      default='bulk', choices=SIDE),
        'write_size': Field('size', 'client: bytes per write (default 64 '
                            'KB for bulk, 100 B periodic)', minimum=1),
        'write_every': Field('time', 'client, periodic: time between '
                             'writes', minimum=0.001),
        'bytes': Field('size', 'client, bulk: send this many bytes; the '
                       'flow ends once they are acknowledged', minimum=1),
        'server_send': Field('str', 'what the server writes: none, bulk, '
                             'periodic', default='none', choices=SIDE),
        'server_write_size': Field('size', 'server: bytes per write',
                                   minimum=1),
        'server_write_every': Field('time', 'server, periodic: time between '
                                    'writes', minimum=0.001),
        'server_read': Field('str', 'how the server reads: all (as it '
                             'comes), none (never), paced (read_size bytes, '
                             'then sleep read_pause)', default='all',
                             choices=('all', 'none', 'paced')),
        'read_size': Field('size', 'server, paced: bytes per read',
                           minimum=1),
        'read_pause': Field('time', 'server, paced: sleep after each read'),
        'read_start': Field('time', 'server, paced: first read this long '
                            'after the connection is accepted', default=0.0),
        'server_sndbuf': Field('size', 'server: SO_SNDBUF'),
        'server_rcvbuf': Field('size', 'server: SO_RCVBUF (set on the '
                               'listener, so the window scale follows it)'),
        'rto_min': Field('time', 'the client\'s route to the server gets '
                         'this rto_min (ip route ... rto_min; locked)',
                         minimum=0.001),
        'sample': Field('time', 'TCP_INFO sampling interval', default=0.05,
                        minimum=0.005),
        'port': Field('int', 'server port (default 5001 + the flow\'s '
                      'index)', minimum=1, maximum=65535),
    }

    def check(self):
        it = self.item
        if it['duration'] <= 0:
            self.fail('duration', 'must be above zero')
        algo = it['algorithm']
        if algo is not None and not algo.replace('_', '').isalnum():
            self.fail('algorithm', '%r is not an algorithm name' % algo)
        if it['keepalive'] is not None:
            try:
                self.keepalive = validate(it['keepalive'], KEEPALIVE_KEYS,
                                          self.key + '.keepalive')
            except SpecError as e:
                raise SpecError(e.key, e.reason) from None
            for k in ('idle', 'intvl'):
                v = self.keepalive[k]
                if v is not None and (v < 1 or v != int(v)):
                    self.fail('keepalive.' + k, 'the socket option takes '
                              'whole seconds, at least 1 s')
        else:
            self.keepalive = None
        for side, send, every in (('', 'send', 'write_every'),
                                  ('server_', 'server_send',
                                   'server_write_every')):
            if it[send] == 'periodic' and it[every] is None:
                self.fail(every, '%s = "periodic" needs %s' % (send, every))
            if it[send] != 'periodic' and it[every] is not None:
                self.fail(every, 'only with %s = "periodic"' % send)
        if it['bytes'] is not None and it['send'] != 'bulk':
            self.fail('bytes', 'only with send = "bulk"')
        if it['server_read'] == 'paced':
            for k in ('read_size', 'read_pause'):
                if it[k] is None:
                    self.fail(k, 'server_read = "paced" needs %s' % k)
        else:
            for k in ('read_size', 'read_pause'):
                if it[k] is not None:
                    self.fail(k, 'only with server_read = "paced"')
        if it['user_timeout'] is not None and it['user_timeout'] < 0.001:
            self.fail('user_timeout', 'at least 1 ms')
        _common.assign_port(self, 5001, per_dst=False)

    def outputs(self):
        n = 'flow.' + self.name
        return Outputs(values=['%s.%s' % (n, k) for k in VALUES],
                       tables={n: COLUMNS, n + '.server': COLUMNS,
                               n + '.events': EVENT_COLUMNS})

    def end_time(self):
        return self.item['start'] + self.item['duration']

    # -------------------------------------------------------- engine side
    def _route_rto_min(self, ctx, addr):
        net = ctx.net
        p = net.run([net.ip, '-o', 'route', 'get', addr], self.src,
                    record=False)
        words = p.stdout.split()
        argv = [net.ip, 'route', 'replace', addr + '/32']
        for k in ('via', 'dev'):
            if k in words:
                argv += [k, words[words.index(k) + 1]]
        argv += ['rto_min', '%dms' % round(self.item['rto_min'] * 1000)]
        net.run(argv, self.src)

    def prepare(self, ctx):
        it = self.item
        if it['algorithm']:
            ctx.require_algorithm(it['algorithm'])
        addr = self.exp.topology.address(self.dst)
        if it['rto_min'] is not None:
            self._route_rto_min(ctx, addr)
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('conn') + ['server', '--port', str(self.port),
                                    '--sample', str(it['sample'])]
        for k in ('server_sndbuf', 'server_rcvbuf', 'server_write_size',
                  'read_size'):
            if it[k] is not None:
                argv += ['--' + k.replace('server_', '').replace('_', '-'),
                         str(int(it[k]))]
        argv += ['--send', it['server_send'], '--read', it['server_read']]
        for k in ('server_write_every', 'read_pause', 'read_start'):
            if it[k]:
                argv += ['--' + k.replace('server_', '').replace('_', '-'),
                         str(it[k])]
        show = list(argv)
        argv += ['--out', self.raw + '.server.json']
        self.server = ctx.net.spawn(argv, self.dst, stdout=-1,
                                    comment='flow %s: the server' % self.name,
                                    display=show,
                                    errfile=self.raw + '.server.err')
        ctx.wait_ready(self.server, 'flow %s: server' % self.name)

        argv = ctx.agent('conn') + ['client', '--dst', addr, '--port',
                                    str(self.port), '--duration',
                                    str(it['duration']), '--sample',
                                    str(it['sample']), '--send', it['send']]
        if it['algorithm']:
            argv += ['--algo', it['algorithm']]
        if self.keepalive is not None:
            argv.append('--keepalive')
            for k, opt in (('idle', '--keepidle'), ('intvl', '--keepintvl')):
                if self.keepalive[k] is not None:
                    argv += [opt, str(int(self.keepalive[k]))]
            if self.keepalive['count'] is not None:
                argv += ['--keepcnt', str(self.keepalive['count'])]
        if it['user_timeout'] is not None:
            argv += ['--user-timeout-ms', str(round(it['user_timeout'] * 1000))]
        if it['nodelay']:
            argv.append('--nodelay')
        for k in ('maxseg', 'sndbuf', 'rcvbuf', 'write_size', 'bytes'):
            if it[k] is not None:
                argv += ['--' + k.replace('_', '-'), str(int(it[k]))]
        if it['write_every']:
            argv += ['--write-every', str(it['write_every'])]
        show = list(argv)
        argv += ['--start-at', 'stdin', '--out', self.raw + '.json']
        self.proc = ctx.net.spawn(argv, self.src, stdout=-1, stdin=-1,
                                  comment='flow %s: the client, at t0 + %gs; '
                                  'it prints its TCP_INFO samples as JSON' %
                                  (self.name, it['start']), display=show,
                                  foreground=True, errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s: client' % self.name)

    def finish(self, ctx, deadline):
        _common.wait_deadline(self, self.proc, deadline, 'client')
        # The server has no end of its own (it may be reading slowly, or
        # talking into a black hole): stop it now, it writes its samples.
        _agent.stop(self.server, 10)
        _common.check_exit(ctx, self, self.proc, 'client')
        with open(self.raw + '.json') as f:
            c = json.load(f)
        try:
            with open(self.raw + '.server.json') as f:
                s = json.load(f)
        except (OSError, ValueError):
            raise RuntimeError('flow %s: the server wrote no results: %s' % (
                self.name, ctx.net.errors(self.server))) from None
        n = 'flow.' + self.name

        def rel(rows):
            return [[round(r[0] - self.t0, 4)] + r[1:] for r in rows]
        ctx.data.add_table(n, COLUMNS, rel(c['samples']))
        ctx.data.add_table(n + '.server', COLUMNS, rel(s['samples']))
        ev = [[round(e[0] - self.t0, 4), 'client'] + e[1:] for e in c['events']]
        ev += [[round(e[0] - self.t0, 4), 'server'] + e[1:] for e in s['events']]
        ctx.data.add_table(n + '.events', EVENT_COLUMNS,
                           sorted(ev, key=lambda e: e[0]))
        for k, v in c['values'].items():
            if k.endswith('_at'):
                k, v = k[:-3] + '_s', (None if v is None else
                                       round(v - self.t0, 4))
            ctx.data.add_value('%s.%s' % (n, k), v)
        ctx.data.add_value(n + '.server_errno', s['values']['errno'])
        ctx.data.add_value(n + '.bytes_read', s['values']['bytes_read'])
        ctx.data.add_value(n + '.server_mtu', s['values']['mtu'])
        if c['values'].get('errno'):
            ctx.data.note('flow %s: the client\'s socket failed with %s' % (
                self.name, errno_mod.errorcode.get(c['values']['errno'], '?')))
        self.local, self.remote = c['local'], c['remote']


# ---------------------------------------------------------------- agent

class _Side:
    """What one end's application did, with times (time.monotonic())."""

    def __init__(self):
        self.events = []
        self.errno = 0
        self.error_at = None
        self.app_bytes = 0       # written (client) or read (server)
        self.read_bytes = 0
        self.dead = threading.Event()
        self.lock = threading.Lock()

    def event(self, what, detail=''):
        with self.lock:
            self.events.append([time.monotonic(), what, detail])

    def failed(self, e):
        if self.errno:
            return
        self.errno = e.errno or 0
        self.error_at = time.monotonic()
        self.event('error', errno_mod.errorcode.get(self.errno, str(e)))
        self.dead.set()


def _reader(s, side, mode='all', size=None, pause=None, start=0.0):
    buf = bytearray(1 << 16)
    try:
        if mode == 'none':
            side.dead.wait()
            return
        if mode == 'paced':
            time.sleep(start)
        while not side.dead.is_set():
            if mode == 'paced':
                want = size
                while want > 0:
                    n = s.recv_into(memoryview(buf)[:min(want, len(buf))])
                    if not n:
                        break
                    want -= n
                    side.read_bytes += n
                    side.app_bytes = side.read_bytes
                if want > 0:
                    n = 0
                else:
                    side.event('read', str(size))
                    time.sleep(pause)
                    continue
            else:
                n = s.recv_into(buf)
                side.read_bytes += n
            if not n:
                if not side.dead.is_set():      # not our own shutdown
                    side.event('eof')
                return
    except OSError as e:
        if not side.dead.is_set():
            side.failed(e)


def _writer(s, side, mode, size, every, total=None):
    if mode == 'none':
        return
    chunk = b'\0' * size
    nxt = time.monotonic()
    try:
        while not side.dead.is_set():
            if total is not None:
                left = total - side.app_bytes
                if left <= 0:
                    return
                s.sendall(chunk[:min(left, size)])
                side.app_bytes += min(left, size)
            else:
                s.sendall(chunk)
                side.app_bytes += size
            if mode == 'periodic':
                nxt += every
                d = nxt - time.monotonic()
                if d > 0:
                    side.dead.wait(d)
    except OSError as e:
        if not side.dead.is_set():
            side.failed(e)


def _route_mtu(s):
    try:
        return s.getsockopt(socket.IPPROTO_IP, IP_MTU)
    except OSError:
        return None


def _server(a):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *x: stop.set())
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    if a.sndbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
    srv.bind(('0.0.0.0', a.port))
    srv.listen(4)
    srv.settimeout(0.2)
    print('ready', flush=True)
    side = _Side()
    samples = []
    c = None
    mtu = None
    while not stop.is_set():
        try:
            c, peer = srv.accept()
            break
        except socket.timeout:
            continue
    if c is not None:
        c.settimeout(None)
        side.event('accepted', '%s:%d' % peer)
        mtu = _route_mtu(c)
        size = a.write_size or (100 if a.send == 'periodic' else 1 << 16)
        threads = [threading.Thread(target=_reader, daemon=True, args=(
                       c, side, a.read, a.read_size, a.read_pause,
                       a.read_start)),
                   threading.Thread(target=_writer, daemon=True, args=(
                       c, side, a.send, size, a.write_every))]
        for th in threads:
            th.start()
        while not stop.is_set():
            now = time.monotonic()
            try:
                i = tcp_info(c)
            except OSError:
                break
            samples.append(info_row(now, i, side.read_bytes))
            if i['state'] == 7 and side.dead.is_set():      # TCP_CLOSE
                break
            stop.wait(a.sample)
        side.dead.set()
        try:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
            c.close()
        except OSError:
            pass
    with open(a.out, 'w') as f:
        json.dump({'samples': samples, 'events': side.events,
                   'values': {'errno': side.errno,
                              'bytes_read': side.read_bytes, 'mtu': mtu}}, f)


def _client(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.algo:
        s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, a.algo.encode())
    if a.sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
    if a.rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    if a.maxseg:
        s.setsockopt(socket.IPPROTO_TCP, TCP_MAXSEG, a.maxseg)
    if a.nodelay:
        s.setsockopt(socket.IPPROTO_TCP, TCP_NODELAY, 1)
    if a.keepalive:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for opt, v in ((TCP_KEEPIDLE, a.keepidle), (TCP_KEEPINTVL, a.keepintvl),
                       (TCP_KEEPCNT, a.keepcnt)):
            if v:
                s.setsockopt(socket.IPPROTO_TCP, opt, v)
    if a.user_timeout_ms is not None:
        s.setsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, a.user_timeout_ms)
    if not _common.sleep_until(a.start_at):
        return
    side = _Side()
    s.settimeout(10)
    s.connect((a.dst, a.port))
    s.settimeout(None)
    connected = time.monotonic()
    side.event('connected')
    values = {'connected_at': connected, 'mtu': _route_mtu(s)}
    if a.keepalive:
        # What the socket will really use: its own value or the sysctl.
        values['keepidle_s'] = s.getsockopt(socket.IPPROTO_TCP, TCP_KEEPIDLE)
        values['keepintvl_s'] = s.getsockopt(socket.IPPROTO_TCP, TCP_KEEPINTVL)
        values['keepcnt'] = s.getsockopt(socket.IPPROTO_TCP, TCP_KEEPCNT)
    if a.user_timeout_ms is not None:
        values['user_timeout_s'] = s.getsockopt(
            socket.IPPROTO_TCP, TCP_USER_TIMEOUT) / 1000
    local = '%s:%d' % s.getsockname()
    size = a.write_size or (100 if a.send == 'periodic' else 1 << 16)
    threads = [threading.Thread(target=_reader, args=(s, side), daemon=True),
               threading.Thread(target=_writer, daemon=True, args=(
                   s, side, a.send, size, a.write_every, a.bytes))]
    for th in threads:
        th.start()
    stop = connected + a.duration
    samples = []
    completed = None
    first = tcp_info(s)
    last = first
    while True:
        now = time.monotonic()
        i = tcp_info(s)
        last = i
        samples.append(info_row(now, i, side.app_bytes))
        if a.bytes is not None and i['bytes_acked'] >= a.bytes:
            completed = now
            side.event('acked', str(a.bytes))
            break
        if side.dead.is_set() or now >= stop:
            break
        side.dead.wait(max(0.0, min(a.sample, stop - time.monotonic())))
    end = time.monotonic()
    side.dead.set()
    try:
        if completed is None:
            # Drop what is still queued: the flow ends now.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    for th in threads:
        th.join(2)
    s.close()
    el = end - connected
    values.update({
        'error_at': side.error_at, 'errno': side.errno,
        'bytes_sent': side.app_bytes, 'bytes_acked': last['bytes_acked'],
        'goodput_mbit': round((last['bytes_acked'] - first['bytes_acked']) * 8
                              / el / 1e6, 4) if el > 0 else None,
        'duration_s': round(el, 4),
    })
    if a.bytes is not None:
        values['completion_s'] = round(completed - connected, 4) \
            if completed else None
    with open(a.out, 'w') as f:
        json.dump({'samples': samples, 'events': side.events,
                   'values': values, 'local': local,
                   'remote': '%s:%d' % (a.dst, a.port)}, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.conn')
    sub = ap.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('server')
    a.add_argument('--port', type=int, required=True)
    a.add_argument('--out', default='/dev/stdout')
    a.add_argument('--sample', type=float, default=0.05)
    a.add_argument('--rcvbuf', type=int)
    a.add_argument('--sndbuf', type=int)
    a.add_argument('--send', choices=SIDE, default='none')
    a.add_argument('--write-size', type=int)
    a.add_argument('--write-every', type=float)
    a.add_argument('--read', choices=('all', 'none', 'paced'), default='all')
    a.add_argument('--read-size', type=int)
    a.add_argument('--read-pause', type=float)
    a.add_argument('--read-start', type=float, default=0.0)
    b = sub.add_parser('client')
    b.add_argument('--dst', required=True)
    b.add_argument('--port', type=int, required=True)
    b.add_argument('--duration', type=float, required=True)
    b.add_argument('--sample', type=float, default=0.05)
    b.add_argument('--algo')
    b.add_argument('--keepalive', action='store_true')
    b.add_argument('--keepidle', type=int)
    b.add_argument('--keepintvl', type=int)
    b.add_argument('--keepcnt', type=int)
    b.add_argument('--user-timeout-ms', type=int)
    b.add_argument('--nodelay', action='store_true')
    b.add_argument('--maxseg', type=int)
    b.add_argument('--sndbuf', type=int)
    b.add_argument('--rcvbuf', type=int)
    b.add_argument('--send', choices=SIDE, default='bulk')
    b.add_argument('--write-size', type=int)
    b.add_argument('--write-every', type=float)
    b.add_argument('--bytes', type=int)
    b.add_argument('--start-at', default='0',
                   help='time.monotonic() to start at, or "stdin": print '
                   '"ready" and read it from there')
    b.add_argument('--out', default='/dev/stdout')
    args = ap.parse_args(argv)
    if args.cmd == 'server':
        _server(args)
    else:
        _client(args)


if __name__ == '__main__':
    main(sys.argv[1:])
