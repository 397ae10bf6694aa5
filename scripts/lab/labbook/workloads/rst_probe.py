# SPDX-License-Identifier: GPL-2.0
"""rst_probe: crafted RSTs (scapy) at a server's socket, in TIME_WAIT or
established, with a sequence number that is exact, in the window, or out
of it, and whether the socket survived.

  [[flow]]
  kind = "rst_probe"
  name = "tw"
  to = "server1"
  target = "time_wait"          # or "established"
  offsets = ["exact", "out_of_window"]

One connection per offset, one after the other, from the flow's client
(its agent both talks and crafts; it sees every segment through a packet
socket, which is how it learns the sequence numbers the server's socket
expects next: the kernel does not tell).

time_wait: the server closes first (it will hold TIME_WAIT), the client
closes when it reads the server's FIN, and once the server has
acknowledged the client's FIN its socket is in TIME_WAIT, expecting
sequence number rcv_nxt (the client's FIN + 1). The RST goes out with
seq = rcv_nxt + offset. Then a probe, one byte of data at rcv_nxt: a
TIME_WAIT socket answers it with an ACK; if the RST ended it, the
server's listener answers with a RST. The client's own stack is kept
from answering the TIME_WAIT socket's ACKs with RSTs of its own (they
would carry exactly rcv_nxt): a firewall rule drops its RSTs on this
port, the crafted (marked) ones pass.

established: the server echoes. The client sends "hello", reads it back,
and sends the RST with seq = the server's rcv_nxt + offset. What the RST
drew within half a second is recorded (RFC 5961: a RST that is in the
window but not exact is answered with a "challenge ACK"), then "ping"
goes through the real socket: echoed, the connection survived; reset,
the RST ended it.

Offsets: exact 0, in_window +1000 bytes (inside any receive window the
server advertises here), out_of_window +2^30.

Values, per offset: flow.NAME.OFFSET.ended (1 the socket was ended,
0 it survived), flow.NAME.OFFSET.acks (pure ACKs the server sent in the
half second after the RST). Marks flow.NAME: each RST.
"""
import json
import socket
import sys
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from . import _common, _packets, _server

OFFSETS = {'exact': 0, 'in_window': 1000, 'out_of_window': 1 << 30}


@register('workload', 'rst_probe')
class RstProbe(_common.StdinStart, Workload):
    KEEP_STDIN = True           # its stdin is left open, as it always was
    DOC = ('crafted RSTs (scapy) at a TIME_WAIT or established socket, '
           'exact, in window or out of it; did it survive?')
    PRODUCES = ('values flow.NAME.OFFSET.ended, flow.NAME.OFFSET.acks; '
                'marks flow.NAME')
    KEYS = {
        'target': Field('str', 'the server socket aimed at', required=True,
                        choices=('time_wait', 'established')),
        'offsets': Field('strlist', 'RST sequence numbers, one connection '
                         'each: exact, in_window, out_of_window',
                         default=list(OFFSETS)),
        'port': Field('int', 'server port (default 6001 + the flow\'s index)',
                      minimum=1, maximum=65535),
    }

    def check(self):
        _common.assign_port(self)
        for o in self.item['offsets']:
            if o not in OFFSETS:
                self.fail('offsets', '%r is not one of %s' %
                          (o, ', '.join(OFFSETS)))
        if len(set(self.item['offsets'])) != len(self.item['offsets']):
            self.fail('offsets', 'an offset given twice')

    def outputs(self):
        n = 'flow.' + self.name
        vals = []
        for o in self.item['offsets']:
            vals += ['%s.%s.ended' % (n, o), '%s.%s.acks' % (n, o)]
        return Outputs(values=vals, marks=[n])

    def server_spec(self):
        mode = 'close' if self.item['target'] == 'time_wait' else 'echo'
        return [(self.dst, {'port': self.port, 'mode': mode})]

    def end_time(self):
        return self.item['start'] + 6 * len(self.item['offsets']) + 5

    def prepare(self, ctx):
        _server.ensure(ctx)
        self.raw = ctx.raw_path('flow-%s' % self.name)
        if self.item['target'] == 'time_wait':
            _packets.drop_own_rsts(ctx, self.src, [self.port], 'flow %s: RSTs '
                                   'the client\'s stack would send to the '
                                   'TIME_WAIT socket are dropped (crafted ones '
                                   'pass)' % self.name)
        argv = ctx.agent('rst_probe') + [
            '--dst', self.exp.topology.address(self.dst), '--port',
            str(self.port), '--target', self.item['target'],
            '--out', self.raw + '.json']
        for o in self.item['offsets']:
            argv += ['--offset', o]
        self.proc = ctx.net.spawn(
            argv, self.src, stdout=-1, stdin=-1, foreground=True,
            comment='flow %s: RSTs at %s sockets of %s (scapy), at t0 + %gs'
            % (self.name, self.item['target'], self.dst, self.item['start']),
            display=argv[:-2], errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s' % self.name, timeout=60)

    def finish(self, ctx, deadline):
        _common.wait_agent(ctx, self, self.proc, deadline)
        r = _common.load(self.raw + '.json')
        n = 'flow.' + self.name
        for c in r['cases']:
            o = c['offset']
            if c.get('error'):
                ctx.data.note('flow %s, %s: %s' % (self.name, o, c['error']))
                continue
            ctx.data.add_value('%s.%s.ended' % (n, o), c['ended'])
            ctx.data.add_value('%s.%s.acks' % (n, o), c['acks'])
            ctx.data.add_mark(n, c['t_rst'] - self.t0, '%s: %s RST, %s' % (
                self.name, o, 'ended it' if c['ended'] else 'survived'))


# ---------------------------------------------------------------- agent

def _last(segs, pred):
    m = [s for s in segs if pred(s)]
    return m[-1] if m else None


def _connect(a, sn):
    """Mark the sniffer, then connect to the server: -> (the sniffer's
    mark, the socket, its address and port)."""
    pos = sn.mark()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((a.dst, a.port))
    src, sport = s.getsockname()
    return pos, s, src, sport


def _time_wait(a, sn, snd, off):
    pos, s, src, sport = _connect(a, sn)
    while s.recv(65536):        # the server's FIN: it closes first
        pass
    s.close()                   # our FIN takes it to TIME_WAIT
    mine = lambda x: x.out and x.sport == sport
    our_fin = sn.wait_for(lambda x: mine(x) and x.flags & 0x01, 3.0, pos)
    if our_fin is None:
        return {'error': 'our FIN was not captured'}
    rcv_nxt = our_fin.end_seq()
    acked = sn.wait_for(lambda x: not x.out and x.dport == sport and
                        x.ack == rcv_nxt and not x.flags & 0x04, 3.0, pos)
    if acked is None:
        return {'error': 'the server never acknowledged our FIN'}
    theirs = _last(sn.since(pos), lambda x: not x.out and x.dport == sport
                   and x.flags & 0x01)
    snd_nxt = theirs.end_seq() if theirs else acked.seq
    time.sleep(0.3)
    r = {'rcv_nxt': rcv_nxt, 'seq': (rcv_nxt + off) & 0xffffffff}
    pos = sn.mark()
    r['t_rst'] = snd.send(_packets.build(src, a.dst, sport, a.port, 'R',
                                         rcv_nxt + off))
    time.sleep(0.5)
    from_srv = lambda x: not x.out and x.dport == sport
    r['acks'] = len(sn.since(pos, lambda x: from_srv(x) and x.flags == 0x10))
    # Is the TIME_WAIT socket still there? One byte at rcv_nxt: it
    # answers with an ACK of rcv_nxt; the listener answers with a RST.
    pos = sn.mark()
    snd.send(_packets.build(src, a.dst, sport, a.port, 'PA', rcv_nxt,
                            snd_nxt, b'x'))
    ans = sn.wait_for(from_srv, 1.5, pos)
    if ans is None:
        r['probe'] = 'none'
        r['error'] = 'no answer to the probe after the RST'
    elif ans.flags & 0x04:
        r['probe'] = 'rst'
    elif ans.ack == rcv_nxt:
        r['probe'] = 'ack'
    else:
        r['probe'] = repr(ans)
        r['error'] = 'unexpected answer to the probe: %r' % ans
    r['ended'] = 1 if r['probe'] == 'rst' else 0
    return r


def _established(a, sn, snd, off):
    pos, s, src, sport = _connect(a, sn)
    s.sendall(b'hello')
    got = b''
    while len(got) < 5:
        b = s.recv(64)
        if not b:
            break
        got += b
    time.sleep(0.3)             # our ACK of the echo is out
    last = _last(sn.since(pos), lambda x: x.out and x.sport == sport)
    if last is None:
        return {'error': 'the connection was not captured'}
    rcv_nxt = last.end_seq()    # what the server expects from us next
    r = {'rcv_nxt': rcv_nxt, 'seq': (rcv_nxt + off) & 0xffffffff}
    pos = sn.mark()
    r['t_rst'] = snd.send(_packets.build(src, a.dst, sport, a.port, 'R',
                                         rcv_nxt + off))
    time.sleep(0.5)
    r['acks'] = len(sn.since(pos, lambda x: not x.out and x.dport == sport
                             and x.flags == 0x10 and x.plen == 0))
    s.settimeout(1.5)
    try:
        s.sendall(b'ping')
        back = s.recv(64)
        r['probe'] = 'echo' if back else 'eof'
    except socket.timeout:
        r['probe'] = 'timeout'
        r['error'] = 'no echo and no reset after the RST'
    except OSError as e:
        r['probe'] = e.strerror or str(e)
    r['ended'] = 0 if r['probe'] == 'echo' else 1
    s.close()
    return r


def run(a):
    _packets.load_scapy()
    sn = _packets.Sniffer(a.port)
    snd = _packets.Sender()
    if not _common.wait_start():
        return
    cases = []
    for o in a.offset:
        fn = _time_wait if a.target == 'time_wait' else _established
        try:
            c = fn(a, sn, snd, OFFSETS[o])
        except OSError as e:
            c = {'error': str(e)}
        c['offset'] = o
        cases.append(c)
        time.sleep(0.2)
    sn.close()
    with open(a.out, 'w') as f:
        json.dump({'cases': cases}, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.rst_probe')
    ap.add_argument('--dst', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--target', choices=('time_wait', 'established'),
                    required=True)
    ap.add_argument('--offset', action='append', default=[],
                    choices=list(OFFSETS))
    ap.add_argument('--out', default='/dev/stdout')
    run(ap.parse_args(argv))


if __name__ == '__main__':
    main(sys.argv[1:])
