# SPDX-License-Identifier: GPL-2.0
"""Listen queues and counters of one node, sampled over time by an agent
inside its namespace (no fork per sample: the queues come from the
kernel's sock_diag netlink interface, as `ss` reads them; the counters
from /proc).

  [[measure]]
  kind = "listen"
  node = "server"
  ports = [8080, 8081]       # the listeners watched
  interval = "100ms"
  counters = ["TcpExtListenOverflows", "TcpExtListenDrops"]   # optional
  lab = ["syncookie_synack_sent"]      # optional: /proc/net/tcp_lab

  [[measure]]
  kind = "counter_series"
  node = "server"
  counters = ["TcpOutRsts", "TcpExtSyncookiesFailed"]   # nstat names
  lab = ["syncookie_ack_invalid"]      # /proc/net/tcp_lab (the module)
  interfaces = ["d0"]                  # rx/tx packets of these devices
  interval = "250ms"

  [[measure]]
  kind = "tcp_options"
  node = "sender"
  flows = ["a", "b"]                   # bulk flows (default: all)

listen: per port, the table listen.NODE.PORT (t, syn_queue, accept_queue,
backlog): the request socks waiting for the handshake's last ACK (the
SYN queue: `ss -tn state syn-recv`), the connections waiting for accept()
(the accept queue: the listener's Recv-Q in `ss -ltn`) and the
listener's backlog, listen()'s argument as the kernel capped it (its
Send-Q). Values listen.NODE.PORT.max_syn_queue, .max_accept_queue,
.backlog (as last seen). With counters (or lab), also the table
listen.NODE (t and one column per counter, counted from the first
sample) and the values listen.NODE.COUNTER (the growth over the run).

counter_series: the table counters.NODE (t, then per counter its growth
since the first sample; per interface DEV.rx_packets and DEV.tx_packets)
and the values counters.NODE.NAME (the growth over the run).

tcp_options: what each bulk flow's connection negotiated, as `ss -ti`
shows it (ts, sack, wscale:SND,RCV, mss), read from the node's side of
the connection (its TCP_INFO through sock_diag) when it is first seen
established: values opts.FLOW.ts, .sack (1 or 0), .wscale and
.rcv_wscale (the shift each way, -1 without window scaling), .mss; table
opts.NODE (t, flow, ts, sack, wscale, rcv_wscale, mss: the first sample
of each connection).
"""
import json
import os
import socket
import struct
import sys
import time

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _agent
from .counters import parse_lab, parse_snmp

# sock_diag (linux/sock_diag.h, linux/inet_diag.h)
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_ESTABLISHED, TCP_SYN_RECV, TCP_LISTEN = 1, 3, 10
INET_DIAG_INFO = 2
TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE = 1, 2, 4


def _req(states, ext=0):
    """A dump request (inet_diag_req_v2) for IPv4 TCP sockets in STATES,
    with the attributes in the EXT bit mask."""
    body = struct.pack('=BBBBI', socket.AF_INET, socket.IPPROTO_TCP, ext, 0,
                       states) + b'\0' * 48
    hdr = struct.pack('=IHHII', 16 + len(body), SOCK_DIAG_BY_FAMILY,
                      NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    return hdr + body


class Diag:
    """Listeners and request socks of this namespace, by local port."""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                               NETLINK_SOCK_DIAG)
        self.req = _req((1 << TCP_LISTEN) | (1 << TCP_SYN_RECV))
        self.req_info = _req(1 << TCP_ESTABLISHED, 1 << (INET_DIAG_INFO - 1))

    def dump(self, req):
        """Yield (inet_diag_msg bytes, {attribute type: payload})."""
        self.s.send(req)
        while True:
            data = self.s.recv(1 << 17)
            if not data:
                return
            off = 0
            while off + 16 <= len(data):
                ln, typ = struct.unpack_from('=IH', data, off)
                if typ == NLMSG_DONE:
                    return
                if typ == NLMSG_ERROR:
                    err = struct.unpack_from('=i', data, off + 16)[0]
                    raise OSError(-err, 'sock_diag: %s' % os.strerror(-err))
                msg = data[off + 16:off + 16 + 72]    # struct inet_diag_msg
                attrs = {}
                a = off + 16 + 72
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from('=HH', data, a)
                    if alen < 4:
                        break
                    attrs[atyp] = data[a + 4:a + alen]
                    a += (alen + 3) & ~3
                yield msg, attrs
                off += (ln + 3) & ~3

    def sample(self, ports):
        """{port: [syn_queue, accept_queue, backlog or None]}"""
        out = {p: [0, 0, None] for p in ports}
        for msg, _ in self.dump(self.req):
            state = msg[1]
            sport = struct.unpack_from('>H', msg, 4)[0]
            rq, wq = struct.unpack_from('=II', msg, 56)
            if sport in out:
                if state == TCP_LISTEN:
                    out[sport][1] = rq
                    out[sport][2] = wq
                elif state == TCP_SYN_RECV:
                    out[sport][0] += 1
        return out

    def options(self, ports):
        """Established connections with a local or remote port in PORTS:
        [[port, ts, sack, wscale, rcv_wscale, mss]] (wscales -1 if off)."""
        out = []
        for msg, attrs in self.dump(self.req_info):
            sport, dport = struct.unpack_from('>HH', msg, 4)
            port = dport if dport in ports else sport if sport in ports else None
            info = attrs.get(INET_DIAG_INFO)
            if port is None or info is None or len(info) < 20:
                continue
            opt, ws = info[5], info[6]
            scaled = bool(opt & TCPI_OPT_WSCALE)
            out.append([port, int(bool(opt & TCPI_OPT_TIMESTAMPS)),
                        int(bool(opt & TCPI_OPT_SACK)),
                        ws & 0xf if scaled else -1,
                        ws >> 4 if scaled else -1,
                        struct.unpack_from('=I', info, 16)[0]])
        return out


def read_counters(names, lab, ifaces):
    """{name: value} for the nstat names, tcp_lab names and interfaces."""
    out = {}
    if names:
        c = {}
        for fn in ('/proc/net/snmp', '/proc/net/netstat'):
            with open(fn) as f:
                c.update(parse_snmp(f.read()))
        for n in names:
            out[n] = c.get(n)
    if lab:
        try:
            with open('/proc/net/tcp_lab') as f:
                c = parse_lab(f.read())
        except OSError:
            c = {}
        for n in lab:
            out[n] = c.get(n)
    if ifaces:
        with open('/proc/net/dev') as f:
            dev = {}
            for line in f:
                name, sep, rest = line.partition(':')
                if sep:
                    w = rest.split()
                    dev[name.strip()] = (int(w[1]), int(w[9]))
        for i in ifaces:
            rx, tx = dev.get(i, (None, None))
            out[i + '.rx_packets'] = rx
            out[i + '.tx_packets'] = tx
    return out


def _counter_columns(it):
    cols = list(it.get('counters') or []) + list(it.get('lab') or [])
    for i in it.get('interfaces') or []:
        cols += [i + '.rx_packets', i + '.tx_packets']
    return cols


class _Sampler(Measure):
    PREFIX = None

    def check(self):
        if self.item['node'] not in self.exp.topology.nodes():
            self.fail('node', 'no node %r (nodes: %s)' % (
                self.item['node'], ', '.join(self.exp.topology.nodes())))

    def agent_args(self):
        it = self.item
        a = ['--interval', '%g' % it['interval']]
        for k in ('counters', 'lab', 'interfaces', 'info_ports'):
            if it.get(k):
                a += ['--' + k.replace('_', '-')] + list(it[k])
        return a

    def start(self, ctx):
        if self.item.get('lab') and not ctx.module_loaded:
            raise RuntimeError('/proc/net/tcp_lab: the tcp_lab module is not '
                               'loaded')
        self.raw = ctx.raw_path('%s-%s' % (self.kind, self.item['node'])) + \
            '.jsonl'
        argv = ctx.agent('sampled', 'measures') + self.agent_args()
        self.proc = ctx.net.spawn(argv + ['--out', self.raw],
                                  self.item['node'], stdout=-1,
                                  errfile=self.raw + '.err',
                                  comment=self.comment(),
                                  display=argv + ['--out', '/dev/stdout'])
        ctx.wait_ready(self.proc, '%s sampler' % self.kind)

    def stop(self, ctx):
        _agent.stop(self.proc)

    def samples(self, ctx):
        out = []
        if os.path.exists(self.raw):
            with open(self.raw) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        continue
        if not out:
            raise RuntimeError('%s: no samples (%s)' % (
                self.kind, ctx.net.errors(self.proc) or 'the sampler wrote '
                'nothing'))
        return out

    def counter_table(self, ctx, name, samples, cols):
        """Counters as growth since the first sample; values: the total."""
        first = {}
        rows = []
        for s in samples:
            c = s['c']
            for k in cols:
                if k not in first and c.get(k) is not None:
                    first[k] = c[k]
            rows.append([round(s['t'] - ctx.t0, 4)] +
                        [None if c.get(k) is None or k not in first
                         else c[k] - first[k] for k in cols])
        ctx.data.add_table(name, ['t'] + cols, rows)
        last = samples[-1]['c']
        for k in cols:
            if last.get(k) is None:
                ctx.data.note('%s: no counter %s on this kernel' % (self.kind, k))
                continue
            ctx.data.add_value('%s.%s' % (name, k), last[k] - first[k])


@register('measure', 'listen')
class Listen(_Sampler):
    DOC = ('listen queues over time: SYN queue, accept queue and backlog '
           'of listeners (sock_diag, as ss reads them), and counters')
    PRODUCES = ('tables listen.NODE.PORT (t, syn_queue, accept_queue, '
                'backlog), listen.NODE (counters); values '
                'listen.NODE.PORT.max_syn_queue, .max_accept_queue, .backlog, '
                'listen.NODE.COUNTER')
    KEYS = {
        'node': Field('str', 'the namespace sampled', required=True),
        'ports': Field('any', 'listening port(s) watched', required=True),
        'interval': Field('time', 'sampling interval', default=0.1,
                          minimum=0.01),
        'counters': Field('strlist', 'nstat counters sampled with them '
                          '(e.g. TcpExtListenOverflows)', default=[]),
        'lab': Field('strlist', '/proc/net/tcp_lab counters sampled with '
                     'them (the module)', default=[]),
    }

    def check(self):
        super().check()
        p = self.item['ports']
        p = [p] if isinstance(p, int) and not isinstance(p, bool) else p
        if not isinstance(p, list) or not p or not all(
                isinstance(x, int) and not isinstance(x, bool) and
                0 < x < 65536 for x in p):
            self.fail('ports', 'a port or a list of ports')
        self.ports = p

    def outputs(self):
        n = 'listen.' + self.item['node']
        o = Outputs()
        for p in self.ports:
            o.tables['%s.%d' % (n, p)] = ['t', 'syn_queue', 'accept_queue',
                                          'backlog']
            o.values += ['%s.%d.%s' % (n, p, k) for k in
                         ('max_syn_queue', 'max_accept_queue', 'backlog')]
        cols = self.item['counters'] + self.item['lab']
        if cols:
            o.tables[n] = ['t'] + cols
            o.values += ['%s.%s' % (n, c) for c in cols]
        return o

    def agent_args(self):
        return super().agent_args() + ['--ports'] + [str(p) for p in self.ports]

    def comment(self):
        return 'listen queues of ports %s in %s (like ss -ltn and ss -tn ' \
            'state syn-recv, sampled)' % (
                ', '.join(map(str, self.ports)), self.item['node'])

    def collect(self, ctx):
        samples = self.samples(ctx)
        n = 'listen.' + self.item['node']
        for p in self.ports:
            rows = []
            for s in samples:
                q = s['q'].get(str(p))
                if q is not None:
                    rows.append([round(s['t'] - ctx.t0, 4)] + q)
            ctx.data.add_table('%s.%d' % (n, p), ['t', 'syn_queue',
                                                  'accept_queue', 'backlog'],
                               rows)
            seen = [r for r in rows if r[3] is not None]
            if not seen:
                ctx.data.note('listen: nothing listened on %s:%d' % (
                    self.item['node'], p))
                continue
            ctx.data.add_value('%s.%d.max_syn_queue' % (n, p),
                               max(r[1] for r in rows))
            ctx.data.add_value('%s.%d.max_accept_queue' % (n, p),
                               max(r[2] for r in seen))
            ctx.data.add_value('%s.%d.backlog' % (n, p), seen[-1][3])
        cols = self.item['counters'] + self.item['lab']
        if cols:
            self.counter_table(ctx, n, samples, cols)


@register('measure', 'counter_series')
class CounterSeries(_Sampler):
    DOC = ('counters of one node over time: nstat names, /proc/net/tcp_lab, '
           'interface packets')
    PRODUCES = 'table counters.NODE; values counters.NODE.NAME (growth)'
    KEYS = {
        'node': Field('str', 'the namespace sampled', required=True),
        'interval': Field('time', 'sampling interval', default=0.25,
                          minimum=0.01),
        'counters': Field('strlist', 'nstat names (/proc/net/snmp, netstat)',
                          default=[]),
        'lab': Field('strlist', '/proc/net/tcp_lab counters (the module)',
                     default=[]),
        'interfaces': Field('strlist', 'devices whose rx/tx packets are '
                            'sampled', default=[]),
    }

    def check(self):
        super().check()
        if not _counter_columns(self.item):
            self.fail('counters', 'samples nothing: give counters, lab or '
                      'interfaces')

    def outputs(self):
        n = 'counters.' + self.item['node']
        cols = _counter_columns(self.item)
        return Outputs(tables={n: ['t'] + cols},
                       values=['%s.%s' % (n, c) for c in cols])

    def comment(self):
        return 'counters of %s, sampled' % self.item['node']

    def collect(self, ctx):
        self.counter_table(ctx, 'counters.' + self.item['node'],
                           self.samples(ctx), _counter_columns(self.item))


@register('measure', 'tcp_options')
class TcpOptions(_Sampler):
    DOC = ('the options each bulk flow\'s connection negotiated (ts, sack, '
           'wscale, mss), as ss -ti shows them')
    PRODUCES = ('values opts.FLOW.ts, .sack, .wscale, .rcv_wscale, .mss; '
                'table opts.NODE')
    COLUMNS = ['t', 'flow', 'ts', 'sack', 'wscale', 'rcv_wscale', 'mss']
    KEYS = {
        'node': Field('str', 'whose side of the connections is read '
                      '(default: the topology\'s client)'),
        'flows': Field('strlist', 'bulk flows (default: all)'),
        'interval': Field('time', 'sampling interval', default=0.5,
                          minimum=0.01),
    }

    def check(self):
        if self.item['node'] is None:
            self.item['node'] = self.exp.topology.client
        super().check()
        bulk = {w.name: w for w in self.exp.workloads if w.kind == 'bulk'}
        names = self.item['flows'] or list(bulk)
        for f in names:
            if f not in bulk:
                self.fail('flows', 'no bulk flow named %r' % f)
        if not names:
            self.fail('flows', 'no bulk flow to read')
        self.flows = names

    def outputs(self):
        return Outputs(tables={'opts.' + self.item['node']: self.COLUMNS},
                       values=['opts.%s.%s' % (f, k) for f in self.flows
                               for k in ('ts', 'sack', 'wscale', 'rcv_wscale',
                                         'mss')])

    def by_port(self):
        flows = {w.name: w for w in self.exp.workloads}
        return {flows[f].port: f for f in self.flows}

    def agent_args(self):
        self.item['info_ports'] = [str(p) for p in sorted(self.by_port())]
        return super().agent_args()

    def comment(self):
        return 'the options of the connections of %s (like ss -tin state ' \
            'established, sampled)' % self.item['node']

    def collect(self, ctx):
        names = self.by_port()
        rows = []
        seen = set()
        for s in self.samples(ctx):
            for port, ts, sack, ws, rws, mss in s.get('o', []):
                if port in seen or port not in names:
                    continue
                seen.add(port)
                f = names[port]
                rows.append([round(s['t'] - ctx.t0, 4), f, ts, sack, ws, rws,
                             mss])
                for k, v in zip(('ts', 'sack', 'wscale', 'rcv_wscale', 'mss'),
                                (ts, sack, ws, rws, mss)):
                    ctx.data.add_value('opts.%s.%s' % (f, k), v)
        ctx.data.add_table('opts.' + self.item['node'], self.COLUMNS, rows)
        for p, f in names.items():
            if p not in seen:
                ctx.data.note('tcp_options: flow %s was never seen '
                              'established' % f)


# ---------------------------------------------------------------- agent

def main(argv):
    import argparse
    import signal
    ap = argparse.ArgumentParser(prog='python3 -m labbook.measures.sampled')
    ap.add_argument('--interval', type=float, default=0.1)
    ap.add_argument('--ports', type=int, nargs='+', default=[])
    ap.add_argument('--counters', nargs='+', default=[])
    ap.add_argument('--lab', nargs='+', default=[])
    ap.add_argument('--interfaces', nargs='+', default=[])
    ap.add_argument('--info-ports', type=int, nargs='+', default=[])
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(0))
    diag = Diag() if a.ports or a.info_ports else None
    with open(a.out, 'w') as f:
        print('ready', flush=True)
        nxt = time.monotonic()
        while True:
            t = time.monotonic()
            rec = {'t': t, 'c': read_counters(a.counters, a.lab, a.interfaces)}
            if a.ports:
                rec['q'] = {str(k): v for k, v in diag.sample(a.ports).items()}
            if a.info_ports:
                rec['o'] = diag.options(set(a.info_ports))
            f.write(json.dumps(rec) + '\n')
            f.flush()
            nxt += a.interval
            time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == '__main__':
    main(sys.argv[1:])
