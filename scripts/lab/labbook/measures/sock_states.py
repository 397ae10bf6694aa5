# SPDX-License-Identifier: GPL-2.0
"""sock_states: every TCP state each socket of the traced flows went
through, on every node, with the time it entered it.

  [[measure]]
  kind = "sock_states"
  flows = ["normal", "simultaneous"]   # default: every flow with a port
  interval = "50ms"                    # /proc/net/tcp sampling

Two sources, one timeline per socket:

- the sock:inet_sock_set_state tracepoint (tracefs): every state change
  of a full socket, to the microsecond: SYN_SENT, ESTABLISHED, FIN_WAIT1,
  FIN_WAIT2, CLOSING, CLOSE_WAIT, LAST_ACK, CLOSE... On the server, the
  socket is born in SYN_RECV when the handshake's last ACK arrives (the
  SYN itself only made a request sock).
- the node's /proc/net/tcp, sampled every `interval`: what the
  tracepoint does not report. When a connection enters TIME_WAIT the
  kernel hands it to a small timewait socket and closes the full one, so
  the tracepoint shows FIN_WAIT2 (or CLOSING) -> CLOSE at that moment;
  /proc/net/tcp shows the timewait socket (TIME_WAIT, or FIN_WAIT2 while
  an orphaned closer waits for the peer's FIN) until it is gone. Request
  socks (SYN_RECV before the handshake completes) are seen there too.
  Such a CLOSE is shown as the timewait state it handed over to.

Table state.NODE for every node some flow's socket lives on: t, socket
(local>remote as seen from NODE), flow, state (entered at t; CLOSED at
the end), source (trace, proc, or end: the socket was still in that
state when the measurement stopped). Values state.NODE.sockets and
state.NODE.transitions (tracepoint events seen on NODE).
"""
import re

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _proc

EVENT = 'sock/inet_sock_set_state'
COLUMNS = ['t', 'socket', 'flow', 'state', 'source']
LINE = re.compile(r'(\d+\.\d+):\s+inet_sock_set_state: family=(\S+) '
                  r'protocol=(\S+) sport=(\d+) dport=(\d+) saddr=(\S+) '
                  r'daddr=(\S+) saddrv6=(\S+) daddrv6=(\S+) '
                  r'oldstate=(\S+) newstate=(\S+)')


def state_name(s):
    s = s[4:] if s.startswith('TCP_') else s
    return 'CLOSED' if s == 'CLOSE' else s


def parse_trace(lines):
    """-> [(t, local, remote, old, new)] of TCP/IPv4 sockets that have a
    peer (listeners, with dport 0, are left out)."""
    out = []
    for line in lines:
        if 'inet_sock_set_state' not in line:
            continue
        m = LINE.search(line)
        if not m:
            continue
        (t, fam, proto, sport, dport, sa, da, _, _, old, new) = m.groups()
        if proto != 'IPPROTO_TCP' or fam != 'AF_INET' or dport == '0':
            continue
        out.append((float(t), '%s:%s' % (sa, sport), '%s:%s' % (da, dport),
                    state_name(old), state_name(new)))
    return out


def attach_syn_sent(trans):
    """connect() sets SYN_SENT before it picks the local port, so that
    event carries port 0: give it the port of the next event of the same
    addresses that leaves SYN_SENT."""
    out = []
    pending = {}        # (local address, remote) -> [index in out]
    # By time only: events of one microsecond stay in the trace's order.
    for e in sorted(trans, key=lambda x: x[0]):
        t, loc, rem, old, new = e
        ip, port = loc.rsplit(':', 1)
        if port == '0' and new == 'SYN_SENT':
            pending.setdefault((ip, rem), []).append(len(out))
            out.append(e)
            continue
        if old == 'SYN_SENT' and pending.get((ip, rem)):
            i = pending[(ip, rem)].pop(0)
            out[i] = (out[i][0], loc) + out[i][2:]
        out.append(e)
    return [e for e in out if not e[1].endswith(':0')]


def merge(trans, proc, interval, t_end):
    """One socket's timeline. trans: [(t, old, new)] from the tracepoint;
    proc: [(t, state, timer)] samples of its 4-tuple in /proc/net/tcp;
    t_end: when observation stopped. -> [(t, state, source)]."""
    trans = sorted(trans, key=lambda x: x[0])
    proc = sorted(proc, key=lambda x: x[0])
    tl = [(t, new, 'trace') for t, _, new in trans]
    # Request sock: the server's SYN_RECV before the full socket exists.
    first_t = tl[0][0] if tl else None
    syn = [t for t, st, tr in proc if st == 'SYN_RECV' and tr != 3 and
           (first_t is None or t < first_t)]
    if syn:
        tl.insert(0, (syn[0], 'SYN_RECV', 'proc'))
    # Timewait socket: its substates after the full socket closed.
    tw = [(t, st) for t, st, tr in proc if tr == _proc.TIMER_TIMEWAIT]
    if tw:
        t_first = tw[0][0]
        close = [i for i, (t, st, _) in enumerate(tl)
                 if st == 'CLOSED' and t <= t_first + interval]
        if close:
            i = close[-1]
            # The hand-over moment, to the tracepoint's microsecond.
            tl[i] = (tl[i][0], tw[0][1], 'trace')
        else:
            tl.append((t_first, tw[0][1], 'proc'))
        for t, st in tw[1:]:
            tl.append((t, st, 'proc'))
        t_last = tw[-1][0]
        if t_last + interval < t_end - interval / 2:
            tl.append((t_last + interval / 2, 'CLOSED', 'proc'))
    tl.sort(key=lambda x: x[0])
    out = []
    for e in tl:
        if out and out[-1][1] == e[1]:
            continue
        out.append(e)
    if out and out[-1][1] != 'CLOSED' and t_end > out[-1][0]:
        out.append((t_end, out[-1][1], 'end'))
    return out


@register('measure', 'sock_states')
class SockStates(Measure):
    DOC = ('every TCP state of the flows\' sockets on both sides, from '
           'sock:inet_sock_set_state and /proc/net/tcp (TIME_WAIT)')
    PRODUCES = 'tables state.NODE; values state.NODE.sockets, .transitions'
    KEYS = {
        'flows': Field('strlist', 'flows whose sockets are followed '
                       '(default: every flow with a server port)'),
        'interval': Field('time', '/proc/net/tcp sampling interval',
                          default=0.05, minimum=0.01),
    }

    @staticmethod
    def trace_events():
        return [EVENT]

    def _flows(self):
        ws = [w for w in self.exp.workloads if getattr(w, 'port', None)]
        if self.item['flows'] is None:
            return ws
        return [w for w in ws if w.name in self.item['flows']]

    def _nodes(self):
        out = []
        for w in self._flows():
            for n in getattr(w, 'clients', None) or [w.src]:
                if n not in out:
                    out.append(n)
            if w.dst not in out:
                out.append(w.dst)
        return out

    def check(self):
        ports = {w.name for w in self.exp.workloads if getattr(w, 'port', None)}
        for n in self.item['flows'] or ():
            if n not in ports:
                self.fail('flows', 'no flow named %r with a server port '
                          '(flows: %s)' % (n, ', '.join(sorted(ports)) or
                                           'none'))
        if not self._flows():
            self.fail('flows', 'no flow to follow')

    def outputs(self):
        vals = []
        tables = {}
        for n in self._nodes():
            tables['state.' + n] = COLUMNS
            vals += ['state.%s.sockets' % n, 'state.%s.transitions' % n]
        return Outputs(values=vals, tables=tables)

    def start(self, ctx):
        if not ctx.tracer_has(EVENT):
            raise RuntimeError('no %s event in tracefs' % EVENT)
        self.ports = {w.port: w.name for w in self._flows()}
        ctx.trace_filter(EVENT, ' || '.join(
            'sport == %d || dport == %d' % (p, p) for p in sorted(self.ports)))
        ctx.trace_start()
        self.procs = {n: _proc.NodeProc(ctx, n) for n in self._nodes()}
        self.samples = {n: [] for n in self.procs}
        self.sampler = _proc.Sampler(self._sample, self.item['interval'])
        self.sampler.start()

    def _sample(self, now):
        for n, np in self.procs.items():
            rows = [(now, st, loc, rem, tr) for st, loc, rem, tr, _ in np.tcp()
                    if _proc.port_of(loc) in self.ports or
                    _proc.port_of(rem) in self.ports]
            self.samples[n].extend(rows)

    def stop(self, ctx):
        import time
        self.sampler.stop()
        self.t_end = time.monotonic()
        for np in self.procs.values():
            np.close()
        if self.sampler.error:
            raise RuntimeError('sock_states: %s' % self.sampler.error)

    def _flow_of(self, local, remote):
        for a in (local, remote):
            f = self.ports.get(_proc.port_of(a))
            if f:
                return f
        return ''

    def collect(self, ctx):
        topo = self.exp.topology
        addr = {}
        for n in self.procs:
            addr[topo.address(n)] = n
        with open(ctx.trace_file(), errors='replace') as f:
            trans = parse_trace(f)
        per = {}        # (node, local, remote) -> {'trace': [], 'proc': []}
        count = {n: 0 for n in self.procs}
        for t, loc, rem, old, new in attach_syn_sent(trans):
            p = _proc.port_of(loc), _proc.port_of(rem)
            if p[0] not in self.ports and p[1] not in self.ports:
                continue
            node = addr.get(loc.rsplit(':', 1)[0])
            if node is None:
                continue
            count[node] += 1
            per.setdefault((node, loc, rem), {'trace': [], 'proc': []})[
                'trace'].append((t, old, new))
        for n, rows in self.samples.items():
            for t, st, loc, rem, tr in rows:
                per.setdefault((n, loc, rem), {'trace': [], 'proc': []})[
                    'proc'].append((t, st, tr))
        t0 = ctx.t0
        tables = {n: [] for n in self.procs}
        socks = {n: 0 for n in self.procs}
        for (n, loc, rem), src in sorted(per.items()):
            tl = merge(src['trace'], src['proc'], self.item['interval'],
                       self.t_end)
            if not tl:
                continue
            socks[n] += 1
            flow = self._flow_of(loc, rem)
            for t, st, how in tl:
                tables[n].append([round(t - t0, 6), '%s>%s' % (loc, rem), flow,
                                  st, how])
        for n in self.procs:
            rows = sorted(tables[n], key=lambda r: (r[1], r[0]))
            ctx.data.add_table('state.' + n, COLUMNS, rows)
            ctx.data.add_value('state.%s.sockets' % n, socks[n])
            ctx.data.add_value('state.%s.transitions' % n, count[n])
        lost = ctx.trace_lost()
        if lost:
            ctx.data.note('trace: the ring buffer dropped %d events' % lost)
