# SPDX-License-Identifier: GPL-2.0
"""stale_segment: one connection whose client closes first, so the
client holds TIME_WAIT; then, on schedule, an old duplicate of the
connection's last data segment arrives at it (replayed with scapy from
the server's side), and the client tries to open the same 4-tuple again.

  [[flow]]
  kind = "stale_segment"
  name = "stale"
  bytes = 1000                 # the server's data (its last data segment
                               # is the one replayed)
  replay_at = ["5s"]           # after TIME_WAIT began
  reconnect_at = ["3s", "66s"] # connect() again from the same local port
  duration = "70s"             # the flow lasts this long after it began

What happens, in order: the client connects, reads the server's data,
calls shutdown(SHUT_WR) (its FIN goes first), reads until the server's
FIN and closes: its socket is in TIME_WAIT from the moment the server's
FIN arrived. The server's agent captures its own segments (a packet
socket), so it knows the last data segment it sent and when the client
acknowledged its FIN, the start of TIME_WAIT. At each replay time it
sends that segment again, byte for byte (scapy recomputes only the
checksums), and records what came back within a second: an ACK (from
the TIME_WAIT socket: the segment is old, it is acknowledged and
dropped), a RST (no socket holds the 4-tuple: the server's listener
refuses it) or nothing. A RST the server's own stack would send to the
TIME_WAIT socket's ACK (its connection is closed) is dropped by a
firewall rule there: it carries exactly the sequence number TIME_WAIT
expects and would end it (RFC 1337's assassination; see rst_probe).

Values flow.NAME.tw_start_s; .replays, .replays_acked (answered by an
ACK of exactly the old connection's last sequence number), .replays_rst,
.replays_unanswered; per reconnect i (1-based) .reconnectI_ok (1 it
connected, 0 refused) and .reconnectI_s. Marks flow.NAME: each replay
and reconnect. The flow reports its socket and the replay times to a
tw_census measure on the client, which turns them into TIME_WAIT
lifetimes.
"""
import errno
import json
import socket
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from .. import units
from . import _common, _packets


def _times(v):
    return [units.time(x) for x in v]


@register('workload', 'stale_segment')
class StaleSegment(Workload):
    DOC = ('a connection the client closes first, then its last data '
           'segment replayed at the TIME_WAIT (scapy) and reconnects on the '
           'same 4-tuple')
    PRODUCES = ('values flow.NAME.tw_start_s, .replays, .replays_acked, '
                '.replays_rst, .replays_unanswered, .reconnectI_ok, '
                '.reconnectI_s; marks flow.NAME')
    REPORTS_TW = True
    KEYS = {
        'bytes': Field('int', 'data the server sends', default=1000,
                       minimum=1, maximum=60000),
        'replay_at': Field('strlist', 'times after TIME_WAIT began to replay '
                           'the old segment', default=[],
                           check=lambda v: _times(v) and None),
        'reconnect_at': Field('strlist', 'times after TIME_WAIT began to '
                              'connect from the same local port again',
                              default=[], check=lambda v: _times(v) and None),
        'duration': Field('time', 'the flow lasts this long after TIME_WAIT '
                          'began (default: 3 s after the last action)'),
        'port': Field('int', 'server port (default 6001 + the flow\'s index)',
                      minimum=1, maximum=65535),
    }

    def check(self):
        _common.assign_port(self)
        it = self.item
        self.replays = _times(it['replay_at'])
        self.reconnects = _times(it['reconnect_at'])
        last = max(self.replays + self.reconnects + [0.0])
        self.length = it['duration'] if it['duration'] is not None else last + 3
        if self.length < last + 1.5:
            self.fail('duration', 'ends before its last replay or reconnect '
                      '(%gs) is done' % last)

    def outputs(self):
        n = 'flow.' + self.name
        vals = [n + '.' + k for k in ('tw_start_s', 'replays', 'replays_acked',
                                      'replays_rst', 'replays_unanswered')]
        for i in range(len(self.reconnects)):
            vals += ['%s.reconnect%d_ok' % (n, i + 1),
                     '%s.reconnect%d_s' % (n, i + 1)]
        return Outputs(values=vals, marks=[n])

    def end_time(self):
        return self.item['start'] + 5 + self.length

    def prepare(self, ctx):
        it = self.item
        self.raw = ctx.raw_path('flow-%s' % self.name)
        _packets.drop_own_rsts(ctx, self.dst, [self.port], 'flow %s: RSTs the '
                               'server\'s stack would send to the TIME_WAIT '
                               'socket are dropped (crafted ones pass)' %
                               self.name)
        argv = ctx.agent('stale_segment') + [
            'server', '--port', str(self.port), '--bytes', str(it['bytes']),
            '--duration', str(self.length), '--out', self.raw + '.server.json']
        for r in self.replays:
            argv += ['--replay', str(r)]
        self.server = ctx.net.spawn(
            argv, self.dst, stdout=-1, stdin=-1, foreground=False,
            comment='flow %s: the server; it sends %d bytes, closes after the '
            'client, and replays its last data segment (scapy) at %s after '
            'TIME_WAIT began' % (self.name, it['bytes'], ', '.join(
                it['replay_at']) or 'no time'),
            display=argv[:-2], errfile=self.raw + '.server.err')
        ctx.wait_ready(self.server, 'flow %s: server' % self.name, timeout=60)
        argv = ctx.agent('stale_segment') + [
            'client', '--dst', self.exp.topology.address(self.dst),
            '--port', str(self.port), '--bytes', str(it['bytes']),
            '--out', self.raw + '.json']
        for r in self.reconnects:
            argv += ['--reconnect', str(r)]
        self.client = ctx.net.spawn(
            argv, self.src, stdout=-1, stdin=-1, foreground=True,
            comment='flow %s: the client; it closes first, then connects '
            'from the same port again at %s after TIME_WAIT began' % (
                self.name, ', '.join(it['reconnect_at']) or 'no time'),
            display=argv[:-2], errfile=self.raw + '.err')
        ctx.wait_ready(self.client, 'flow %s: client' % self.name)

    def start(self, ctx, t0):
        self.t0 = t0
        for p in (self.server, self.client):
            _common.send_start(p, t0 + self.item['start'])

    def finish(self, ctx, deadline):
        _common.wait_agent(ctx, self, self.client, deadline, 'client')
        _common.wait_agent(ctx, self, self.server, deadline, 'server')
        c = _common.load(self.raw + '.json')
        s = _common.load(self.raw + '.server.json')
        n = 'flow.' + self.name
        ctx.data.add_value(n + '.tw_start_s', round(c['t_tw'] - self.t0, 4))
        ans = [r['answer'] for r in s['replays']]
        ctx.data.add_value(n + '.replays', len(ans))
        ctx.data.add_value(n + '.replays_acked', sum(
            1 for r in s['replays'] if r['answer'] == 'ack' and r['ack_ok']))
        ctx.data.add_value(n + '.replays_rst', ans.count('rst'))
        ctx.data.add_value(n + '.replays_unanswered', ans.count('none'))
        for r in s['replays']:
            ctx.data.add_mark(n, r['t'] - self.t0, '%s: old segment replayed, '
                              'answer %s' % (self.name, r['answer']))
        for i, r in enumerate(c['reconnects'], 1):
            ctx.data.add_value('%s.reconnect%d_ok' % (n, i), r['ok'])
            ctx.data.add_value('%s.reconnect%d_s' % (n, i),
                               round(r['t'] - self.t0, 4))
            ctx.data.add_mark(n, r['t'] - self.t0, '%s: reconnect %s' % (
                self.name, 'connected' if r['ok'] else r['error']))
        for note in s.get('notes', []):
            ctx.data.note('flow %s: %s' % (self.name, note))
        # For tw_census on the client: the socket, when its TIME_WAIT
        # began, and when old segments reached it.
        self.tw_sockets = [{'local': c['local'], 'remote': c['remote'],
                            'begin': c['t_tw'],
                            'touched': [r['t'] for r in s['replays']]}]


# ---------------------------------------------------------------- agents

def client(a):
    if not _common.wait_start():
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(10)
    s.connect((a.dst, a.port))
    local = s.getsockname()
    got = 0
    while got < a.bytes:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    # The client's FIN first: it is the active closer, TIME_WAIT is its.
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    t_tw = time.monotonic()
    s.close()
    out = {'local': '%s:%d' % local, 'remote': '%s:%d' % (a.dst, a.port),
           't_tw': t_tw, 'bytes': got, 'reconnects': []}
    for at in a.reconnect:
        time.sleep(max(0.0, t_tw + at - time.monotonic()))
        r = {'at': at, 't': time.monotonic(), 'ok': 0, 'error': None}
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(3)
        try:
            s.bind(local)
            s.connect((a.dst, a.port))
            r['ok'] = 1
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError as e:
            if not r['ok']:
                r['error'] = errno.errorcode.get(e.errno, str(e)) \
                    if e.errno else 'timeout'
        finally:
            s.close()
        out['reconnects'].append(r)
    with open(a.out, 'w') as f:
        json.dump(out, f)


def server(a):
    _packets.load_scapy()
    sn = _packets.Sniffer(a.port)
    snd = _packets.Sender()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('0.0.0.0', a.port))
    ls.listen(16)
    if not _common.wait_start():
        return
    ls.settimeout(30)
    c, peer = ls.accept()
    c.sendall(b'd' * a.bytes)
    while c.recv(65536):
        pass
    c.close()
    notes = []
    # Later connections (reconnects) are taken and closed after the
    # client, in a thread, as the first one was.
    accepted = [0]

    def later():
        ls.settimeout(None)
        while True:
            try:
                x, _ = ls.accept()
            except OSError:
                return
            accepted[0] += 1
            x.settimeout(10)
            try:
                while x.recv(65536):
                    pass
            except OSError:
                pass
            x.close()
    threading.Thread(target=later, daemon=True).start()
    cport = peer[1]
    # The sniffer's thread may not have read our FIN yet (under TCG it
    # lagged behind close() in a full lab book): wait for it; the data
    # segments were captured before it.
    fin = sn.wait_for(lambda s: s.out and s.dport == cport and
                      s.flags & 0x01, 5.0)
    mine = [s for s in sn.since(0) if s.out and s.dport == cport]
    data = [s for s in mine if s.plen > 0]
    if not data or fin is None:
        raise SystemExit('did not capture the connection (%d segments)' %
                         len(mine))
    stale = data[-1]
    fin_end = fin.end_seq()
    ack = sn.wait_for(lambda s: not s.out and s.sport == cport and
                      s.ack == fin_end and not s.flags & 0x04, 5.0)
    if ack is None:
        raise SystemExit('the client never acknowledged our FIN')
    t_tw = ack.t
    replays = []
    for at in a.replay:
        time.sleep(max(0.0, t_tw + at - time.monotonic()))
        pos = sn.mark()
        t = snd.send(_packets.rebuild(stale.raw))
        ans = sn.wait_for(lambda s: not s.out and s.sport == cport, 1.0, pos)
        r = {'at': at, 't': t, 'answer': 'none', 'ack_ok': False}
        if ans is not None:
            if ans.flags & 0x04:
                r['answer'] = 'rst'
            elif ans.flags == 0x10 and ans.plen == 0:
                r['answer'] = 'ack'
                # TIME_WAIT acknowledges what it expects next: past our
                # FIN, not the replayed data.
                r['ack_ok'] = ans.ack == fin_end
            else:
                r['answer'] = 'other'
            r['seen'] = repr(ans)
        replays.append(r)
    time.sleep(max(0.0, t_tw + a.duration - time.monotonic()))
    sn.close()
    with open(a.out, 'w') as f:
        json.dump({'t_tw': t_tw, 'client_port': cport,
                   'stale': {'seq': stale.seq, 'len': stale.plen},
                   'fin_end': fin_end, 'replays': replays,
                   'accepted_later': accepted[0], 'notes': notes}, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(
        prog='python3 -m labbook.workloads.stale_segment')
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('client')
    c.add_argument('--dst', required=True)
    c.add_argument('--port', type=int, required=True)
    c.add_argument('--bytes', type=int, default=1000)
    c.add_argument('--reconnect', type=float, action='append', default=[])
    c.add_argument('--out', default='/dev/stdout')
    s = sub.add_parser('server')
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--bytes', type=int, default=1000)
    s.add_argument('--replay', type=float, action='append', default=[])
    s.add_argument('--duration', type=float, required=True)
    s.add_argument('--out', default='/dev/stdout')
    a = ap.parse_args(argv)
    (client if a.cmd == 'client' else server)(a)


if __name__ == '__main__':
    main(sys.argv[1:])
