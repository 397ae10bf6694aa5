# SPDX-License-Identifier: GPL-2.0
"""tw_census: a node's TIME_WAIT sockets over time, with their timers, as
`ss -tan state time-wait -o` would list them, sampled from the node's
/proc/net/tcp by the engine (no process per sample).

  [[measure]]
  kind = "tw_census"
  node = "sender"
  interval = "250ms"
  flows = ["quiet"]       # only these flows' ports (default: every socket)

Table tw.NODE: t, time_wait (sockets in TIME_WAIT), fin_wait2 (timewait
sockets still in the FIN_WAIT2 substate: orphaned active closers waiting
for the peer's FIN), close_wait, established, tw_count (tcp_lab's gauge,
TIME_WAIT and FIN_WAIT2 timewait sockets, when the module is loaded)
and, with `flows`, left_FLOW per flow: the time left on the timer of
that flow's newest timewait socket (empty when it has none).
Table tw.NODE.sockets: one row per timewait 4-tuple and stretch of
presence: local, remote, first_s, last_s, timer_s (time left on its
timer when first seen).

Values tw.NODE.peak (most TIME_WAIT sockets in one reading of
/proc/net/tcp: a reading is not atomic, so under churn it may hold one
that was gone before another appeared), tw.NODE.peak_count (the highest
tw_count: exact, counted by the kernel; with the module), tw.NODE.last
(at the end), and for a flow that reports its connections' TIME_WAIT start
(kind stale_segment), per flow:
  tw.NODE.FLOW.lifetime_s      from the start of TIME_WAIT until the
                               socket was gone (sampling midpoint)
  tw.NODE.FLOW.timer_s         start-to-first-sight plus the timer left
                               then: the length the kernel set
  tw.NODE.FLOW.since_touch_s   from the last segment that reached it (a
                               replayed one) until it was gone
  tw.NODE.FLOW.seen_after_touch  1 if it was still there after that
"""
from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _proc

COLUMNS = ['t', 'time_wait', 'fin_wait2', 'close_wait', 'established',
           'tw_count']
SOCKET_COLUMNS = ['local', 'remote', 'state', 'first_s', 'last_s', 'timer_s']
FLOW_VALUES = ('lifetime_s', 'timer_s', 'since_touch_s', 'seen_after_touch')


def stretches(samples, interval):
    """samples: [(t, {(local, remote): (state, left_s)})] in time order ->
    [{local, remote, first, last, timer, states}]: one per 4-tuple and
    unbroken run of samples it was seen in (a socket gone for a sample
    and back is a new one)."""
    open_ = {}
    done = []
    for t, socks in samples:
        for k in list(open_):
            if k not in socks:
                done.append(open_.pop(k))
        for k, (st, left) in socks.items():
            s = open_.get(k)
            if s is None:
                s = open_[k] = {'local': k[0], 'remote': k[1], 'first': t,
                                'last': t, 'timer': left, 'states': [st]}
            s['last'] = t
            if s['states'][-1] != st:
                s['states'].append(st)
    for s in open_.values():
        s['open'] = True
        done.append(s)
    return done


def flow_values(sts, sock, interval):
    """The census values of one connection a flow reported: sock has
    local, remote, begin (monotonic start of TIME_WAIT) and touched
    (monotonic times segments were sent at it)."""
    key = {(sock['local'], sock['remote']), (sock['remote'], sock['local'])}
    cand = [s for s in sts if (s['local'], s['remote']) in key and
            s['last'] >= sock['begin'] - interval]
    if not cand:
        return {}
    s = min(cand, key=lambda x: x['first'])
    out = {'timer_s': round(s['timer'] + (s['first'] - sock['begin']), 3)}
    if not s.get('open'):
        # Gone between its last sample and the next one.
        end = s['last'] + interval / 2
        out['lifetime_s'] = round(end - sock['begin'], 3)
        touched = [x for x in sock.get('touched', ()) if x >= sock['begin']]
        if touched:
            out['since_touch_s'] = round(end - max(touched), 3)
    touched = [x for x in sock.get('touched', ()) if x >= sock['begin']]
    if touched:
        out['seen_after_touch'] = 1 if s['last'] > max(touched) else 0
    return out


@register('measure', 'tw_census')
class TwCensus(Measure):
    DOC = ('TIME_WAIT sockets of a node over time, with their timers, from '
           'its /proc/net/tcp (and tcp_lab\'s tw_count)')
    PRODUCES = ('tables tw.NODE, tw.NODE.sockets; values tw.NODE.peak, '
                'tw.NODE.peak_count, tw.NODE.last, tw.NODE.FLOW.lifetime_s, .timer_s, '
                '.since_touch_s, .seen_after_touch')
    KEYS = {
        'node': Field('str', 'the namespace counted', required=True),
        'interval': Field('time', 'sampling interval', default=0.25,
                          minimum=0.02),
        'flows': Field('strlist', 'only sockets on these flows\' server '
                       'ports (default: every socket)'),
    }

    def check(self):
        it = self.item
        if it['node'] not in self.exp.topology.nodes():
            self.fail('node', 'no node %r (nodes: %s)' % (
                it['node'], ', '.join(self.exp.topology.nodes())))
        names = {w.name: w for w in self.exp.workloads}
        for n in it['flows'] or ():
            if n not in names:
                self.fail('flows', 'no flow named %r' % n)
            if getattr(names[n], 'port', None) is None:
                self.fail('flows', 'flow %r has no server port' % n)

    def _flows(self):
        names = self.item['flows']
        return [w for w in self.exp.workloads
                if (names is None or w.name in names)]

    def outputs(self):
        n = 'tw.' + self.item['node']
        vals = [n + '.peak', n + '.peak_count', n + '.last']
        for w in self._flows():
            if getattr(w, 'REPORTS_TW', False):
                vals += ['%s.%s.%s' % (n, w.name, v) for v in FLOW_VALUES]
        return Outputs(values=vals, tables={n: self._columns(),
                                            n + '.sockets': SOCKET_COLUMNS})

    def _columns(self):
        if self.item['flows'] is None:
            return COLUMNS
        return COLUMNS + ['left_' + w.name for w in self._flows()]

    def start(self, ctx):
        it = self.item
        self.ports = None
        self.flow_ports = []
        if it['flows'] is not None:
            self.ports = {w.port for w in self._flows()}
            self.flow_ports = [w.port for w in self._flows()]
        self.np = _proc.NodeProc(ctx, it['node'])
        self.samples = []       # (t, counts..., {tuple: (state, left)})
        self.lab = ctx.module_loaded
        ctx.net.commands.append('# TIME_WAIT sockets of %s, every %gs: ip '
                                'netns exec %s ss -tan state time-wait -o' %
                                (it['node'], it['interval'],
                                 ctx.net.nsname(it['node'])))
        self.sampler = _proc.Sampler(self._sample, it['interval'])
        self._sample(None)      # fail here, not in the thread
        self.samples = []
        self.sampler.start()

    def _sample(self, now):
        import time
        rows = self.np.tcp()
        counts = {'TIME_WAIT': 0, 'FIN_WAIT2': 0, 'CLOSE_WAIT': 0,
                  'ESTABLISHED': 0}
        tw = {}
        for st, loc, rem, tr, left in rows:
            if self.ports is not None and \
               _proc.port_of(loc) not in self.ports and \
               _proc.port_of(rem) not in self.ports:
                continue
            if tr == _proc.TIMER_TIMEWAIT and st in ('TIME_WAIT', 'FIN_WAIT2'):
                tw[(loc, rem)] = (st, left)
                counts[st] += 1
            elif st in ('CLOSE_WAIT', 'ESTABLISHED'):
                counts[st] += 1
        gauge = None
        if self.lab:
            g = _proc.parse_lab(self.np.read('tcp_lab') or '')
            gauge = g.get('tw_count')
        self.samples.append((now if now is not None else time.monotonic(),
                             counts, gauge, tw))

    def stop(self, ctx):
        self.sampler.stop()
        self.np.close()
        if self.sampler.error:
            raise RuntimeError('tw_census %s: %s' % (self.item['node'],
                                                      self.sampler.error))

    def collect(self, ctx):
        it = self.item
        n = 'tw.' + it['node']
        t0 = ctx.t0
        rows = []
        for t, c, g, tw in self.samples:
            row = [round(t - t0, 4), c['TIME_WAIT'], c['FIN_WAIT2'],
                   c['CLOSE_WAIT'], c['ESTABLISHED'], g]
            for p in self.flow_ports:
                lefts = [left for (loc, rem), (_, left) in tw.items()
                         if p in (_proc.port_of(loc), _proc.port_of(rem))]
                row.append(max(lefts) if lefts else None)
            rows.append(row)
        ctx.data.add_table(n, self._columns(), rows)
        sts = stretches([(t, tw) for t, _, _, tw in self.samples],
                        it['interval'])
        ctx.data.add_table(n + '.sockets', SOCKET_COLUMNS, [
            [s['local'], s['remote'], '>'.join(s['states']),
             round(s['first'] - t0, 4), round(s['last'] - t0, 4),
             round(s['timer'], 2)] for s in sts])
        tws = [c['TIME_WAIT'] for _, c, _, _ in self.samples]
        if tws:
            ctx.data.add_value(n + '.peak', max(tws))
            ctx.data.add_value(n + '.last', tws[-1])
        gs = [g for _, _, g, _ in self.samples if g is not None]
        if gs:
            ctx.data.add_value(n + '.peak_count', max(gs))
        for w in self._flows():
            for sock in getattr(w, 'tw_sockets', ()) or ():
                for k, v in flow_values(sts, sock, it['interval']).items():
                    ctx.data.add_value('%s.%s.%s' % (n, w.name, k), v)
