# SPDX-License-Identifier: GPL-2.0
"""bulk: one TCP connection sending as fast as the path lets it.

Both halves live here: the plug-in the engine drives, and the agent it
runs inside the namespaces (python3 -m labbook.workloads.bulk sink|send).
The sender samples its own socket's TCP_INFO every `sample` (default
50 ms), so every algorithm is measured the same way.

  [[flow]]
  name = "reno"
  algorithm = "reno"          # TCP_CONGESTION (default: the namespace's)
  cc = { reno_beta = 900 }    # per-algorithm knobs, set as the flow starts
  start = "0s"
  duration = "20s"            # or bytes = "10MB"

cc knobs: for lab_reno / lab_cubic, net.tcp_lab.* names without the
prefix, written in the sender's namespace just before it connects (the
module reads them when a connection starts); for the kernel's cubic, its
module parameters (/sys/module/tcp_cubic/parameters/*: global, restored
when the experiment ends).

Produces the table flow.NAME (t, cwnd, ssthresh, rtt_ms, ...) and the
values flow.NAME.goodput_mbit, .retrans, .ss_exit_s, .ss_retrans,
.rtt_p95_ms, .bytes_acked, .duration_s (and .completion_s with bytes).
"""
import json
import os
import socket
import struct
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from . import _common
from ..schema import Field
from .. import sysctl as lab_sysctl

TCP_INFO, TCP_CONGESTION = 11, 13
INFINITE_SSTHRESH = 0x7fffffff

# Knobs per algorithm: where they are written.
KERNEL_PARAMS = {
    'cubic': ('beta', 'bic_scale', 'fast_convergence', 'hystart',
              'hystart_detect', 'hystart_low_window', 'hystart_ack_delta_us',
              'initial_ssthresh', 'tcp_friendliness'),
}
LAB_PARAMS = {
    'lab_reno': ('reno_beta', 'init_ssthresh'),
    'lab_cubic': ('cubic_beta', 'cubic_c', 'cubic_fast_convergence',
                  'cubic_reno_friendly', 'cubic_hystart', 'init_ssthresh'),
}

COLUMNS = ['t', 'state', 'ca_state', 'cwnd', 'ssthresh', 'rtt_ms',
           'rttvar_ms', 'rto_ms', 'unacked', 'lost', 'retrans',
           'bytes_acked', 'delivery_mbit', 'rwnd_limited_ms', 'snd_wnd',
           'backoff']


def cc_path(algo, knob):
    if algo in LAB_PARAMS:
        return '/proc/sys/net/tcp_lab/' + knob
    return '/sys/module/tcp_%s/parameters/%s' % (algo, knob)


@register('workload', 'bulk')
class Bulk(_common.StdinStart, Workload):
    DOC = 'one bulk TCP transfer, measured from the sender\'s TCP_INFO'
    PRODUCES = ('values flow.NAME.goodput_mbit, .retrans, .ss_exit_s, '
                '.ss_retrans, .rtt_p95_ms, .bytes_acked, .duration_s, '
                '.completion_s (with bytes), .start_s; table flow.NAME')
    KEYS = {
        'algorithm': Field('str', 'congestion control (TCP_CONGESTION); '
                           'default: the namespace\'s'),
        'cc': Field('table', 'per-algorithm knobs set as the flow starts',
                    default={}),
        'duration': Field('time', 'send for this long'),
        'bytes': Field('size', 'send this many bytes, then close'),
        'max_duration': Field('time', 'with bytes: give up after this long',
                              default=120.0),
        'sample': Field('time', 'TCP_INFO sampling interval', default=0.05,
                        minimum=0.005),
        'port': Field('int', 'server port (default 5001 + the flow\'s index)',
                      minimum=1, maximum=65535),
        'sndbuf': Field('size', 'SO_SNDBUF of the sender'),
        'rcvbuf': Field('size', 'SO_RCVBUF of the receiver'),
        'read_rate': Field('rate', 'the receiver reads at most this fast '
                           '(flow control)'),
    }

    def check(self):
        it = self.item
        if (it['duration'] is None) == (it['bytes'] is None):
            self.fail('duration', 'give exactly one of duration or bytes')
        if it['duration'] is not None and it['duration'] <= 0:
            self.fail('duration', 'must be above zero')
        algo = it['algorithm']
        if algo is not None and not algo.replace('_', '').isalnum():
            self.fail('algorithm', '%r is not an algorithm name' % algo)
        for k, v in it['cc'].items():
            allowed = LAB_PARAMS.get(algo) or KERNEL_PARAMS.get(algo) or ()
            if k not in allowed:
                self.fail('cc.' + k, 'not a knob of %s (known: %s)' %
                          (algo, ', '.join(allowed) or 'none'))
            if isinstance(v, bool) or not isinstance(v, int):
                self.fail('cc.' + k, '%r: an integer' % (v,))
            if algo in LAB_PARAMS:
                lo, hi = lab_sysctl.LAB_SYSCTLS[k]
                if not lo <= v <= hi:
                    self.fail('cc.' + k, '%r outside %d..%d' % (v, lo, hi))
        _common.assign_port(self, 5001, per_dst=False)

    def outputs(self):
        n = 'flow.' + self.name
        vals = [n + '.' + k for k in ('goodput_mbit', 'retrans', 'ss_exit_s',
                                      'ss_retrans', 'rtt_p95_ms', 'bytes_acked',
                                      'duration_s', 'completion_s', 'start_s')]
        return Outputs(values=vals, tables={n: COLUMNS})

    def end_time(self):
        it = self.item
        return it['start'] + (it['duration'] if it['duration'] is not None
                              else it['max_duration'])

    # -------------------------------------------------------- engine side
    def prepare(self, ctx):
        it = self.item
        algo = it['algorithm']
        if algo:
            ctx.require_algorithm(algo)
        self.restore = []
        for k in it['cc']:
            p = cc_path(algo, k)
            if algo not in LAB_PARAMS:
                if not os.path.exists(p):
                    raise RuntimeError('%s: no %s on this kernel' % (algo, p))
                with open(p) as f:
                    self.restore.append((p, f.read().strip()))
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('bulk') + ['sink', '--port', str(self.port),
                                    '--out', self.raw + '.sink.json']
        if it['rcvbuf']:
            argv += ['--rcvbuf', str(it['rcvbuf'])]
        if it['read_rate']:
            argv += ['--read-rate', str(int(it['read_rate']))]
        self.sink = ctx.net.spawn(argv, self.dst, stdout=-1,
                                  comment='flow %s: the receiver' % self.name,
                                  display=argv[:6],
                                  errfile=self.raw + '.sink.err')
        ctx.wait_ready(self.sink, 'flow %s: receiver' % self.name)
        # The sender starts now and waits for its start time on stdin.
        argv = ctx.agent('bulk') + [
            'send', '--dst', self.exp.topology.address(self.dst),
            '--port', str(self.port), '--start-at', 'stdin',
            '--sample', str(it['sample']), '--out', self.raw + '.json']
        if algo:
            argv += ['--algo', algo]
        for k, v in it['cc'].items():
            argv += ['--param', '%s=%s' % (cc_path(algo, k), v)]
        if it['duration'] is not None:
            argv += ['--duration', str(it['duration'])]
        else:
            argv += ['--bytes', str(it['bytes']), '--duration',
                     str(it['max_duration'])]
        if it['sndbuf']:
            argv += ['--sndbuf', str(it['sndbuf'])]
        show = [a for i, a in enumerate(argv)
                if a not in ('--start-at', '--out') and
                argv[i - 1] not in ('--start-at', '--out')]
        self.proc = ctx.net.spawn(argv, self.src, stdout=-1, stdin=-1,
                                  comment='flow %s: the sender, at t0 + %gs; '
                                  'it prints its TCP_INFO samples as JSON' %
                                  (self.name, it['start']), display=show,
                                  foreground=True, errfile=self.raw + '.err')
        ctx.wait_ready(self.proc, 'flow %s: sender' % self.name)

    def finish(self, ctx, deadline):
        try:
            _common.wait_deadline(self, self.proc, deadline, 'sender')
        finally:
            for p, v in self.restore:
                with open(p, 'w') as f:
                    f.write(v)
        _common.check_exit(ctx, self, self.proc, 'sender')
        with open(self.raw + '.json') as f:
            r = json.load(f)
        n = 'flow.' + self.name
        rows = [[round(s[0] - self.t0, 4)] + s[1:] for s in r['samples']]
        ctx.data.add_table(n, COLUMNS, rows)
        for k, v in r['summary'].items():
            ctx.data.add_value('%s.%s' % (n, k), v)
        ctx.data.add_value(n + '.start_s', round(r['connected_at'] - self.t0, 4))
        # The connection's own 4-tuple: tracepoints fire for every
        # namespace on the machine, and only this tells ours apart.
        self.local, self.remote = r['local'], r['remote']


# ---------------------------------------------------------------- agent

_INFO = struct.Struct('<8B24I4Q6IQ3Q2I2Q2I2I')   # up to tcpi_snd_wnd


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, 512)
    raw = raw[:_INFO.size] + b'\0' * max(0, _INFO.size - len(raw))
    v = _INFO.unpack(raw)
    u = v[8:32]
    return {
        'state': v[0], 'ca_state': v[1], 'backoff': v[4],
        'rto': u[0], 'unacked': u[4], 'lost': u[6], 'rtt': u[15],
        'rttvar': u[16], 'ssthresh': u[17], 'cwnd': u[18],
        'total_retrans': u[23], 'bytes_acked': v[34],
        'delivery_rate': v[42], 'rwnd_limited': v[44],
        'snd_wnd': v[53],
    }


def _row(t, i):
    ss = i['ssthresh'] if i['ssthresh'] < INFINITE_SSTHRESH else 0
    return [round(t, 4), i['state'], i['ca_state'], i['cwnd'], ss,
            round(i['rtt'] / 1000, 3), round(i['rttvar'] / 1000, 3),
            round(i['rto'] / 1000, 1), i['unacked'], i['lost'],
            i['total_retrans'], i['bytes_acked'],
            round(i['delivery_rate'] * 8 / 1e6, 3),
            round(i['rwnd_limited'] / 1000, 1), i['snd_wnd'], i['backoff']]


def _sink(args):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    srv.bind(('0.0.0.0', args.port))
    srv.listen(16)
    print('ready', flush=True)
    c, peer = srv.accept()
    t0 = time.monotonic()
    total = 0
    buf = bytearray(1 << 18)
    rate = args.read_rate / 8 if args.read_rate else None
    try:
        while True:
            if rate:
                want = min(len(buf), max(1, int(rate * 0.01)))
                n = c.recv_into(memoryview(buf)[:want])
                total += n
                # Stay on the schedule total / rate.
                ahead = t0 + total / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            else:
                n = c.recv_into(buf)
                total += n
            if not n:
                break
    except OSError:
        pass
    with open(args.out, 'w') as f:
        json.dump({'bytes': total, 'seconds': time.monotonic() - t0,
                   'peer': '%s:%d' % peer}, f)


def _send(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if args.algo:
        s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, args.algo.encode())
    if args.sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, args.sndbuf)
    if not _common.sleep_until(args.start_at):
        return
    # The knobs now, not at launch: every sender is launched before t0,
    # and a later flow's values must not land before an earlier one
    # connects (the algorithm reads them when the connection starts).
    for p in args.param:
        path, v = p.split('=', 1)
        with open(path, 'w') as f:
            f.write(v)
    s.settimeout(10)
    s.connect((args.dst, args.port))
    s.settimeout(None)
    connected = time.monotonic()
    local = '%s:%d' % s.getsockname()
    total = args.bytes
    done = threading.Event()

    def pump():
        chunk = b'\0' * (1 << 16)
        sent = 0
        try:
            while not done.is_set():
                if total is not None:
                    left = total - sent
                    if left <= 0:
                        break
                    s.sendall(chunk[:min(left, len(chunk))])
                    sent += min(left, len(chunk))
                else:
                    s.sendall(chunk)
        except OSError:
            pass

    th = threading.Thread(target=pump, daemon=True)
    th.start()
    stop = connected + args.duration
    samples = []
    completed = None
    first = tcp_info(s)
    while True:
        now = time.monotonic()
        i = tcp_info(s)
        samples.append(_row(now, i))
        if total is not None and i['bytes_acked'] >= total:
            completed = now
            break
        if now >= stop:
            break
        time.sleep(max(0.0, min(args.sample, stop - time.monotonic())))
    end = time.monotonic()
    last = tcp_info(s)
    done.set()
    if completed is None:
        # Drop what is still queued: the flow ends now, not when its
        # socket buffer has drained into the next flow's measurement.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    th.join(2)
    s.close()

    # Slow start: until ssthresh is first set. Its cost: retransmissions
    # by the end of the recovery it ended in (0 if it ended without one).
    ss_exit = ss_retrans = None
    for row in samples:
        t, ca, ss, retr = row[0], row[2], row[4], row[10]
        if ss_exit is not None and not ss:
            # ssthresh unset again: the reduction was undone (spurious),
            # slow start goes on.
            ss_exit = ss_retrans = None
        if ss_exit is None and ss:
            ss_exit = t - connected
        if ss_exit is not None and ss_retrans is None and ca == 0:
            ss_retrans = retr
    rtts = sorted(r[5] for r in samples if r[0] - connected >= 1.0)
    el = end - connected
    summary = {
        'goodput_mbit': round((last['bytes_acked'] - first['bytes_acked']) * 8
                              / el / 1e6, 4) if el > 0 else None,
        'retrans': last['total_retrans'],
        'ss_exit_s': round(ss_exit, 4) if ss_exit is not None else None,
        'ss_retrans': ss_retrans if ss_retrans is not None else
        (last['total_retrans'] if ss_exit is not None else None),
        'rtt_p95_ms': rtts[int(len(rtts) * 0.95)] if rtts else None,
        'bytes_acked': last['bytes_acked'],
        'duration_s': round(el, 4),
    }
    if total is not None:
        summary['completion_s'] = round(completed - connected, 4) \
            if completed else None
    with open(args.out, 'w') as f:
        json.dump({'samples': samples, 'summary': summary,
                   'connected_at': connected, 'local': local,
                   'remote': '%s:%d' % (args.dst, args.port)}, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.bulk')
    sub = ap.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('sink')
    a.add_argument('--port', type=int, required=True)
    a.add_argument('--out', default='/dev/null')
    a.add_argument('--rcvbuf', type=int)
    a.add_argument('--read-rate', type=float)
    b = sub.add_parser('send')
    b.add_argument('--dst', required=True)
    b.add_argument('--port', type=int, required=True)
    b.add_argument('--algo')
    b.add_argument('--param', action='append', default=[])
    b.add_argument('--start-at', default='0',
                   help='time.monotonic() to start at, or "stdin": print '
                   '"ready" and read it from there')
    b.add_argument('--duration', type=float, required=True)
    b.add_argument('--bytes', type=int)
    b.add_argument('--sample', type=float, default=0.05)
    b.add_argument('--sndbuf', type=int)
    b.add_argument('--out', default='/dev/stdout')
    args = ap.parse_args(argv)
    if args.cmd == 'sink':
        _sink(args)
    else:
        _send(args)


if __name__ == '__main__':
    main(sys.argv[1:])
