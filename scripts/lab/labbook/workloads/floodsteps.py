# SPDX-License-Identifier: GPL-2.0
"""flood_steps: a SYN or bogus-ACK flood at fixed rates, one step after
the other, against a listener, with legitimate clients during each step
and the server's CPU time per packet: a benchmark of the defences, not
of the load generator.

  [[flow]]
  kind = "flood_steps"
  name = "flood"
  from = "attacker"            # default: the topology's attacker, if any
  to = "server"
  client = "client"            # where the legitimate clients run
  port = 8000
  packet = "syn"               # or "ack": random seq/ack, no cookie matches
  steps = [0, 2000, 4000, 8000]    # packets/s; 0: no flood (the baseline)
  step = "4s"                  # each step's flood
  gap = "1s"                   # between steps: the last clients finish
  quiet = "0s"                 # the CPU is read over this much of each
                               # step's start, before the clients begin
  clients = 20                 # legitimate connections per second
  timeout = "1s"               # each has this long to get its echo back
  backlog = 128                # the listener's
  server_cpu = 0
  other_cpu = 1
  synproxy = false             # nft SYNPROXY in front of the port
  profile = 8000               # one more step at this rate under perf
  wakeups = 4000               # the generator wakes at most this often a second
  alternate = { "net.tcp_lab.syncookie_mode" = 2 }   # a second configuration
  labels = ["kernel", "hook"]  # the two configurations' names

The generator is tcplab-flood (scripts/tools): a token bucket on
CLOCK_MONOTONIC, so the rate is the one asked for, and it says when it
fell behind. Each step runs it once, pinned to `other_cpu`.

Cost where it is spent: a veth hands a packet to the receiver on the
sender's CPU, so without help the server's work would land on the
generator's CPU. Every interface of the server's namespace gets RPS to
`server_cpu` only, every other namespace's interfaces RPS to `other_cpu`,
the listener runs on `server_cpu`, the generator, the clients and this
engine on `other_cpu`. The server's CPU time is then `server_cpu`'s time
out of its idle loop over the step (from the flood's start until 0.3 s
after its end, so the backlog is drained): the step's length less
/proc/stat's idle and iowait, which the kernel measures at each entry to
and exit from idle. Its user, system and softirq columns are the tick's
samples (these kernels account no irq time apart), and miss part of a
light flood's short softirq bursts: in 8 runs at 4000 SYN/s (6.12, TCG)
the tick saw 0.01-0.21 less busy time than the idle time left (0.33-0.59
busy); saturated, within 0.001. The first step with rate 0
is the baseline (the clients, timers, the machine's own noise): its
busy rate is subtracted from the later steps for the cost per packet.

The legitimate clients' connections cost the server's CPU too (its
echo server is Python: ~0.19 of the CPU at 50 connections a second on
6.12 under TCG), and they are most of what moves its busy share from
one window to the next: from 0.19 to 0.21 in one run without a flood,
against 0.007-0.015 with no clients (the same VM, 6.12). With `quiet`
set, the CPU is read over the first `quiet` seconds of each flood only,
and the clients start after it: the cost per packet is then the
flood's alone, the baseline the machine at rest. The packets and
answers are still counted over the whole step.

The generator sends through a pfifo qdisc on its interface (`qdisc =
false`: straight to the driver): when the server's backlog is full the
veth refuses frames, and without a qdisc each refusal ends the
generator's sendmmsg() batch, a system call or two per refused frame
on the CPU that has to keep the rate.

What reached the server: the packets its interface took
(`rx_packets`) plus those the backlog of `server_cpu` refused
(/proc/net/softnet_stat's drops: the queue was full, the CPU behind),
minus what the clients sent. What it answered: what its interfaces sent,
minus what the clients received, minus the SYN-ACKs it retransmitted
(TcpExtTCPSynRetrans: request socks the kernel queued retransmit to the
spoofed sources a second and three seconds later; counted apart as
synack_retrans). The answers to spoofed sources leave the server by
a dummy interface (its transmit counter is counted with the other's):
they cost the server what any answer does and nothing after it.

Table flow.NAME, one row per step (and configuration): step, config
(with `alternate`, else empty), rate (asked), t, window_s,
sent (by the generator), offered_pps, kept_up, gen_runq_wait_s,
reached_pps, reached_ratio (reached / asked), taken_pps (into the
server's backlog), backlog_drop_pps, answered_pps, answered_share
(answered / reached), cpu_util (server CPU busy share), cpu_softirq,
other_cpu_util, net_rx_per_pkt (see below), cpu_us_per_pkt (net of the
baseline, per packet taken),
cpu_us_per_answer (per packet answered), cpu_us_per_pkt_fit (the
configuration's fit, see below), legit_conns, legit_ok,
success_pct, connect_p50_ms, connect_p99_ms, syncookies_sent,
syncookies_failed, listen_drops, out_rsts, hook_synack, hook_ack_invalid,
hook_ack_dropped (the counters' deltas over the step; hook_* need the
module), synack_retrans.

How the server's CPU takes the packets: net_rx_per_pkt is the NET_RX
softirqs `server_cpu` ran over the step (/proc/softirqs) per packet it
took. A packet steered there by RPS finds that CPU's backlog idle or
already scheduled; only the first kind costs an interrupt (an IPI) and
a softirq run, often a wakeup from idle too. Near 1, every packet paid
that on its own; far below, packets shared it, as they do once the
CPU's work per packet outlasts the gap between them. A cheaper path per
packet can so raise the CPU per packet's share of this fixed cost.

Two configurations in one run: with `alternate` (server sysctls, as in
[sysctl.NODE]) each flooding step runs twice, one step after the other:
once with the server as the run set it up, once with these sysctls
written, the order swapped from one rate to the next (A B, B A, A B ...)
and the values restored after the last. A run's cost per packet drifts
more from one run to the next than between two steps of one run, so
two configurations compared step by step in one run differ by what
they cost, not by when they ran. The baseline step runs once, for
both. Rows name their configuration in `config` (`labels`), and each
configuration gets its own fit (the column cpu_us_per_pkt_fit).

Where the time goes: with `profile = RATE` one more step floods at
RATE after the others, with `perf record -g` sampling `server_cpu`
(the guest's perf, cpu-clock); it is not one of the table's rows, so
perf's own interrupts change none of their numbers. Table
flow.NAME.profile: dso, symbol, children_pct (share of the samples in
the function and what it called), self_pct, busy_pct (children_pct as a
share of the CPU's busy samples: the idle loop's halt left out, none
for the frames around it); the
functions above 0.5 % inclusive, the whole report in the raw directory.

Values flow.NAME.max_answered_pps (the highest answered rate of any
step), .min_reached_ratio, .max_reached_ratio (over the flooding steps),
.min_success_pct, .cpu_us_per_pkt_fit: the slope of the server CPU's
busy share against the packets per second it took, fitted over every
step below saturation (busy < 0.9), the baseline included: microseconds
of CPU per packet from all the steps at once, steadier than any one
step's cpu_us_per_pkt (with `alternate`: the first configuration's; the
rows carry each one's). With `profile` and `alternate`, the second
configuration's profile is table flow.NAME.profile_alt.
"""
import ipaddress
import json
import os
import selectors
import socket
import statistics
import struct
import sys
import threading
import time

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from .. import netns
from . import _common, _perf, sysctl as wsysctl
from ._common import route_get
from ..measures import cpu
from .. import sysctl as lab_sysctl

COLUMNS = ['step', 'config', 'rate', 't', 'window_s', 'sent', 'offered_pps',
           'kept_up', 'gen_runq_wait_s', 'reached_pps', 'reached_ratio',
           'taken_pps', 'backlog_drop_pps', 'answered_pps', 'answered_share',
           'cpu_util', 'cpu_softirq', 'other_cpu_util', 'net_rx_per_pkt',
           'cpu_us_per_pkt', 'cpu_us_per_answer', 'cpu_us_per_pkt_fit',
           'legit_conns', 'legit_ok', 'success_pct', 'connect_p50_ms',
           'connect_p99_ms', 'syncookies_sent', 'syncookies_failed',
           'listen_drops', 'out_rsts', 'hook_synack', 'hook_ack_invalid',
           'hook_ack_dropped', 'synack_retrans']
VALUES = ('max_answered_pps', 'min_reached_ratio', 'max_reached_ratio',
          'min_success_pct', 'cpu_us_per_pkt_fit')
SATURATED = 0.9     # a CPU this busy is saturated
DRAIN = 0.3         # seconds after a flood ends before the step's counters
STARTUP = 0.5       # tcplab-flood's start: exec, the MAC, the first packet
CLIENTS_MIN = 1.0   # seconds of a step the clients get after `quiet`
QUIET_GAP = 0.2     # between the quiet window's end and the first client
SINK = 'lab_sink'   # the server's dummy interface for the answers
SINK_GW = '192.0.2.1'   # its gateway (TEST-NET-1): one neighbour for all
# The SYNPROXY rules of the kernel's nft_synproxy.sh selftest, on the input
# hook since the server is local.
SYNPROXY = """table inet lab_synproxy {
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		tcp dport %(port)d tcp flags syn notrack
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ct state established accept
		tcp dport %(port)d ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
		ct state invalid drop
	}
}
"""


def generator():
    """tcplab-flood: the VM's /usr/bin, or built in the tree."""
    return _common.tree_tool('tcplab-flood')


# ------------------------------------------------------- counter reading

def read_stat():
    """/proc/stat: cpu index -> (softirq, idle) in clock ticks. Softirq
    is the tick's samples (these kernels account time by sampling, one
    tick at a time); idle is the nohz idle accounting, the time the CPU
    spent in its idle loop, measured."""
    return {c: (v[4], v[2]) for c, v in cpu.read_stat().items()}


def read_softnet():
    """/proc/net/softnet_stat: cpu -> (processed, dropped)."""
    out = {}
    with open('/proc/net/softnet_stat') as f:
        for i, line in enumerate(f):
            p = line.split()
            # Since 5.10 the 13th column is the CPU's number.
            cpu = int(p[12], 16) if len(p) > 12 else i
            out[cpu] = (int(p[0], 16), int(p[1], 16))
    return out


def read_net_rx():
    """/proc/softirqs: cpu -> NET_RX softirqs run there."""
    with open('/proc/softirqs') as f:
        for line in f:
            p = line.split()
            if p and p[0] == 'NET_RX:':
                return {i: int(v) for i, v in enumerate(p[1:])}
    return {}


def read_dev(pid, *devs):
    """(rx_packets, tx_packets) of each of DEVS in the namespace of
    process PID, from one read; (0, 0) for one it does not have."""
    out = dict.fromkeys(devs, (0, 0))
    with open('/proc/%d/net/dev' % pid) as f:
        for line in f:
            name, _, rest = line.partition(':')
            if name.strip() in out:
                v = rest.split()
                out[name.strip()] = (int(v[1]), int(v[9]))
    return [out[d] for d in devs]


def read_snmp(pid):
    out = {}
    for fn in ('snmp', 'netstat'):
        try:
            with open('/proc/%d/net/%s' % (pid, fn)) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for a, b in zip(lines[::2], lines[1::2]):
            ka, _, names = a.partition(':')
            kb, _, vals = b.partition(':')
            if ka == kb:
                for n, v in zip(names.split(), vals.split()):
                    try:
                        out[ka + n] = int(v)
                    except ValueError:
                        pass
    try:
        with open('/proc/%d/net/tcp_lab' % pid) as f:
            for line in f:
                p = line.split()
                if len(p) == 2 and p[1].lstrip('-').isdigit():
                    out['lab.' + p[0]] = int(p[1])
    except OSError:
        pass
    return out


def fit_cost(points):
    """Least-squares slope of the CPU's busy share against the packets
    per second it took, over (taken_pps, busy_share) points: seconds of
    CPU per packet, from every step at once rather than one step's
    difference from the baseline. None with fewer than 3 points."""
    if len(points) < 3:
        return None
    try:
        return statistics.linear_regression(*zip(*points)).slope
    except statistics.StatisticsError:     # every x the same
        return None


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


@register('workload', 'flood_steps')
class FloodSteps(Workload):
    DOC = ('a SYN or ACK flood at fixed rates in steps (tcplab-flood), '
           'legitimate clients during each, the server\'s CPU per packet '
           '(RPS-steered to one CPU)')
    PRODUCES = ('table flow.NAME (one row per step); values flow.NAME.'
                + ', .'.join(VALUES))
    KEYS = {
        'packet': Field('str', 'syn, or ack (random sequence and '
                        'acknowledgment numbers: no cookie matches)',
                        default='syn', choices=('syn', 'ack')),
        'port': Field('int', 'the listener\'s port', required=True,
                      minimum=1, maximum=65535),
        'steps': Field('any', 'flood rates, packets/s, in order (0: no '
                       'flood)', required=True),
        'step': Field('time', 'length of each step\'s flood', default=4.0),
        'gap': Field('time', 'pause between steps', default=1.0),
        'quiet': Field('time', 'read the server\'s CPU over the first QUIET '
                       'seconds of each step\'s flood, before the '
                       'legitimate clients start (0: over the whole step, '
                       'clients included)', default=0.0),
        'sources': Field('str', 'random source addresses from this prefix',
                         default='10.200.0.0/16'),
        'options': Field('str', 'TCP options of the flood: linux or none',
                         default='linux', choices=('linux', 'none')),
        'client': Field('str', 'node of the legitimate clients (default: '
                        'the topology\'s client)'),
        'clients': Field('number', 'legitimate connections per second '
                         '(0: none)', default=20.0, minimum=0, maximum=500),
        'timeout': Field('time', 'a client\'s time to connect and get its '
                         'echo', default=1.0),
        'backlog': Field('int', 'listen() backlog', default=128, minimum=1),
        'server_cpu': Field('int', 'CPU of the server\'s receive processing',
                            default=0, minimum=0),
        'other_cpu': Field('int', 'CPU of everything else', default=1,
                           minimum=0),
        'steer': Field('bool', 'RPS and CPU pinning as above (false: leave '
                       'the machine as it is)', default=True),
        'synproxy': Field('bool', 'put nft SYNPROXY in front of the port',
                          default=False),
        'qdisc': Field('bool', 'send through a qdisc on the generator\'s '
                       'interface (pfifo if it has none)', default=True),
        'wakeups': Field('int', 'the generator wakes at most this often a '
                         'second, sending rate/wakeups packets back to back '
                         'above it (tcplab-flood -w)', default=4000,
                         minimum=1, maximum=1_000_000),
        'profile': Field('number', 'after the steps, one more at this rate '
                         'with perf sampling the server\'s CPU (0: none)',
                         default=0, minimum=0, maximum=10_000_000),
        'alternate': Field('table', 'server sysctls of a second '
                           'configuration: each flooding step runs twice in '
                           'a row, as configured and with these set, which '
                           'first in turn (ABBA); the rows\' config says '
                           'which', default={}),
        'labels': Field('strlist', 'with alternate: the two '
                        'configurations\' names in the column config',
                        default=['base', 'alternate']),
    }

    def check(self):
        it = self.item
        st = it['steps']
        if not isinstance(st, list) or not st or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and
                0 <= x <= 10_000_000 for x in st):
            self.fail('steps', 'a list of rates in packets/s (0 .. 1e7)')
        if it['step'] <= 0 or it['gap'] < 0:
            self.fail('step', 'must be above zero')
        if it['quiet'] < 0 or it['quiet'] > it['step'] - CLIENTS_MIN:
            self.fail('quiet', 'from 0 to the step less %gs (the clients\' '
                      'time)' % CLIENTS_MIN)
        if it['server_cpu'] == it['other_cpu']:
            self.fail('other_cpu', 'must differ from server_cpu')
        self.alt = wsysctl.flat(it['alternate'])
        for name, value in self.alt.items():
            try:
                lab_sysctl.check(name, value, 'static')
            except ValueError as e:
                self.fail('alternate.' + name, str(e))
        if len(it['labels']) != 2 or len(set(it['labels'])) != 2 or \
           not all(it['labels']):
            self.fail('labels', 'two different names')
        nodes = self.exp.topology.nodes()
        if it['from'] is None and 'attacker' in nodes:
            self.src = 'attacker'
        self.cnode = it['client'] or self.exp.topology.client
        if self.cnode not in nodes:
            self.fail('client', 'no node %r (nodes: %s)' % (self.cnode,
                                                            ', '.join(nodes)))
        if len({self.src, self.dst, self.cnode}) < 3:
            self.fail('from', 'attacker, server and clients need three nodes')
        try:
            self.prefix = ipaddress.ip_network(it['sources'], strict=False)
        except ValueError as e:
            self.fail('sources', str(e))
        if self.prefix.version != 4 or self.prefix.num_addresses < 2 or \
           not self.prefix.is_private:
            self.fail('sources', 'a private IPv4 prefix of several addresses')

    def outputs(self):
        n = 'flow.' + self.name
        tables = {n: COLUMNS}
        if self.item['profile']:
            tables[n + '.profile'] = _perf.COLUMNS
            if self.alt:
                tables[n + '.profile_alt'] = _perf.COLUMNS
        return Outputs(values=['%s.%s' % (n, v) for v in VALUES],
                       tables=tables)

    def end_time(self):
        it = self.item
        profiles = (2 if self.alt else 1) if it['profile'] else 0
        n = len(self._schedule(0.0)) + profiles
        # perf report's symbol resolution after the last step.
        return it['start'] + n * self._period() + profiles * _perf.REPORT_S

    def _period(self):
        it = self.item
        return STARTUP + it['step'] + DRAIN + it['gap']

    # -------------------------------------------------------- engine side
    def _steer(self, ctx):
        it = self.item
        net = ctx.net
        for node in self.exp.topology.nodes():
            mask = 1 << (it['server_cpu'] if node == self.dst else it['other_cpu'])
            out = net.run([net.ip, '-o', 'link', 'show'], node,
                          record=False).stdout
            devs = [ln.split(':')[1].strip().split('@')[0]
                    for ln in out.splitlines() if ':' in ln]
            for dev in devs:
                if dev == 'lo':
                    continue
                net.run(['sh', '-c', 'for q in /sys/class/net/%s/queues/rx-*; '
                         'do echo %x > "$q/rps_cpus"; done' % (dev, mask)],
                        node)

    def _sink(self, net):
        """Route the spoofed prefix, in the server, out of a dummy
        interface: the answers are built, routed and handed to a device
        as any answer is, and end there. Sent to the gateway they would
        be received by a second CPU - under RPS, the one the generator
        shares with the router and the clients: about 6 us of it per
        answer under TCG, enough to make the generator fall behind once
        the server's CPU saturated. Via one (made-up) gateway, as a
        server's answers go to its router: routed on-link, every
        spoofed address got a neighbour entry of its own, and creating
        and collecting them took a fifth of the server's CPU (perf,
        both kernels, every defence alike)."""
        net.commands.append('# flow %s: answers to the spoofed sources '
                            'leave by a dummy interface' % self.name)
        net.run([net.ip, 'link', 'add', SINK, 'type', 'dummy'], self.dst)
        net.run([net.ip, 'link', 'set', SINK, 'up'], self.dst)
        net.run([net.ip, 'route', 'replace', str(self.prefix), 'via',
                 SINK_GW, 'dev', SINK, 'onlink'], self.dst)
        # The flood arrives on another interface than its answers leave.
        for k in ('all', 'default', self.server_dev):
            net.sysctl(self.dst, 'net.ipv4.conf.%s.rp_filter' % k, '0')

    def _qdisc(self, net):
        """A pfifo on the generator's interface if it has no qdisc (a
        veth's noqueue): once the server's backlog is full the veth
        refuses frames, and sent straight to the driver each refusal
        ends the generator's sendmmsg() - a system call or two per
        refused frame, on the CPU that must keep the rate. Through a
        qdisc the refusal ends there."""
        out = net.run([net.tc, 'qdisc', 'show', 'dev', self.dev], self.src,
                      record=False).stdout
        if 'noqueue' in out or not out.strip():
            net.run([net.tc, 'qdisc', 'replace', 'dev', self.dev, 'root',
                     'pfifo'], self.src)

    def prepare(self, ctx):
        it = self.item
        for name, value in self.alt.items():
            try:
                lab_sysctl.check(name, value, 'live')
            except ValueError as e:
                raise RuntimeError('flow %s: alternate.%s: %s' % (
                    self.name, name, e))
        ncpu = os.cpu_count() or 1
        for k in ('server_cpu', 'other_cpu'):
            if it['steer'] and it[k] >= ncpu:
                raise RuntimeError('flow %s: no CPU %d (this machine has %d)' %
                                   (self.name, it[k], ncpu))
        net = ctx.net
        topo = self.exp.topology
        dst = topo.address(self.dst)
        self.dev = _common.out_dev(self, net, dst)
        probe = str(next(self.prefix.hosts()))
        # The interface the flood comes in on; the answers to it are
        # routed out of the sink, so the route may be via a neighbour
        # or on-link.
        back = route_get(net, self.dst, probe)
        if back is None or back[1] is None:
            raise RuntimeError('flow %s: %s has no route to %s' %
                               (self.name, self.dst, self.prefix))
        self.server_dev = back[1]
        self._sink(net)
        c = route_get(net, self.cnode, dst)
        if c is None or c[1] is None:
            raise RuntimeError('flow %s: %s has no route to %s' %
                               (self.name, self.cnode, dst))
        self.client_dev = c[1]
        if it['synproxy']:
            net.run([netns.tool('nft'), '-f', '-'], self.dst,
                    input=SYNPROXY % {'port': it['port']})
            net.sysctl(self.dst, 'net.netfilter.nf_conntrack_tcp_loose', '0')
        if it['steer']:
            self._steer(ctx)
            os.sched_setaffinity(0, {it['other_cpu']})
        self.raw = ctx.raw_path('flow-%s' % self.name)
        argv = ctx.agent('floodsteps') + [
            'server', '--port', str(it['port']), '--backlog', str(it['backlog'])]
        if it['steer']:
            argv += ['--cpu', str(it['server_cpu'])]
        self.server = net.spawn(argv, self.dst, stdout=-1,
                                comment='flow %s: the listener (echoes)' %
                                self.name, errfile=self.raw + '.server.err')
        ctx.wait_ready(self.server, 'flow %s: listener' % self.name)
        argv = ctx.agent('floodsteps') + [
            'clients', '--dst', dst, '--port', str(it['port']),
            '--out', self.raw + '.clients.json']
        if it['steer']:
            argv += ['--cpu', str(it['other_cpu'])]
        self.clients = net.spawn(argv, self.cnode, stdout=-1, stdin=-1,
                                 comment='flow %s: legitimate clients, %g a '
                                 'second during each step' % (
                                     self.name, it['clients']),
                                 errfile=self.raw + '.clients.err')
        ctx.wait_ready(self.clients, 'flow %s: clients' % self.name)
        # A process that outlives the clients, for reading their
        # namespace's counters (/proc/PID/net/dev) after the last step.
        self.cwatch = net.spawn([netns.busybox_ok('sleep'), '100000'],
                                self.cnode, record=False)
        self.flood_argv = [generator(), '-i', self.dev, '-d', dst, '-p',
                           str(it['port']), '-s', str(self.prefix), '-k',
                           it['packet'], '-o', it['options'],
                           '-t', '%g' % it['step'], '-w', str(it['wakeups'])]
        if it['steer']:
            self.flood_argv += ['-c', str(it['other_cpu'])]
        if it['qdisc']:
            self._qdisc(net)
            self.flood_argv.append('-q')
        net.record(self.flood_argv + ['-r', 'RATE'], self.src,
                   'flow %s: each step: %s at RATE/s for %gs (rates %s)' % (
                       self.name, it['packet'].upper(), it['step'],
                       ', '.join('%g' % x for x in it['steps'])))

    def _schedule(self, t0):
        """[(step, alt, rate, t)]: with `alternate` each flooding step
        twice, the two configurations in turn first (ABBA), so that a
        drift over the run weighs on both alike."""
        it = self.item
        out = []
        t = t0 + it['start']
        k = 0
        for i, rate in enumerate(it['steps']):
            alts = [0]
            if self.alt and rate:
                alts = [k % 2, 1 - k % 2]
                k += 1
            for a in alts:
                out.append((i, a, rate, t))
                t += self._period()
        return out

    def start(self, ctx, t0):
        it = self.item
        self.t0 = t0
        self.plan = self._schedule(t0)
        self.clients.stdin.write(json.dumps({
            'windows': self._client_windows(), 'rate': it['clients'],
            'timeout': it['timeout']}) + '\n')
        self.clients.stdin.close()
        self.rows = []
        self.error = None
        self.samples = []
        self.profile_rows = {}
        self.sampling_done = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        self.thread = threading.Thread(target=self._run, args=(ctx,),
                                       daemon=True)
        self.thread.start()

    def _client_windows(self):
        """[[slot, from, to]]: the clients' windows (slot: the place in
        the plan), inside each flood,
        after its quiet part if any, leaving `timeout` for the last
        connection to finish before the step's counters."""
        it = self.item
        lead = min(0.5, it['step'] / 4)
        if it['quiet']:
            lead = max(lead, it['quiet'] + QUIET_GAP)
        return [[p, t + STARTUP + lead,
                 t + STARTUP + it['step'] - min(0.3, it['step'] / 8)]
                for p, (i, alt, rate, t) in enumerate(self.plan)]

    def cpu_window(self, start, end):
        """The seconds the server's CPU is read over, for a step read
        from START to END: its quiet part if it has one, else all."""
        if self.item['quiet']:
            return (start, start + self.item['quiet'])
        return (start, end)

    def _sample(self):
        """/proc/stat every 50 ms while the steps run: the CPU time of
        exactly the flood's seconds is read off these samples."""
        while not self.sampling_done.is_set():
            self.samples.append((time.monotonic(), read_stat()))
            time.sleep(0.05)

    def _cpu(self, cpu, t1, t2):
        """(busy, softirq, total) seconds of CPU `cpu` between t1 and t2,
        interpolated between the samples around them. Busy is the
        time not idle (see the top): the tick's samples once gave a
        CPU flooded at 4000 SYN/s less busy time than the same CPU
        without a flood."""
        hz = os.sysconf('SC_CLK_TCK')
        sm = [(t, st[cpu]) for t, st in self.samples if cpu in st]

        def at(t):
            prev = sm[0]
            for x in sm:
                if x[0] >= t:
                    if x[0] == prev[0]:
                        return x[1]
                    f = (t - prev[0]) / (x[0] - prev[0])
                    return tuple(a + f * (b - a) for a, b in zip(prev[1], x[1]))
                prev = x
            return sm[-1][1]
        a, b = at(t1), at(t2)
        soft, idle = ((y - x) / hz for x, y in zip(a, b))
        total = t2 - t1
        return (min(total, max(0.0, total - idle)), soft, total)

    def _snap(self):
        srv, sink = read_dev(self.server.pid, self.server_dev, SINK)
        return {'softnet': read_softnet(), 'net_rx': read_net_rx(),
                'srv': srv, 'sink': sink,
                'cli': read_dev(self.cwatch.pid, self.client_dev)[0],
                'snmp': read_snmp(self.server.pid), 'mono': time.monotonic()}

    def _run(self, ctx):
        it = self.item
        try:
            self.alt_now = 0
            self.alt_base = {name: ctx.net.read(self.dst, lab_sysctl.proc_path(
                name)).strip() for name in self.alt}
            for p, (i, alt, rate, t) in enumerate(self.plan):
                self._configure(ctx, alt)
                left = t - time.monotonic()
                if left > 0:
                    time.sleep(left)
                a = self._snap()
                res = {}
                if rate > 0:
                    res = self._flood(ctx, rate, 'flood%d' % i)
                    end = time.monotonic()
                    dur = res.get('duration_s') or it['step']
                    # The drain after it: the backlog's last packets.
                    win = self.cpu_window(end - dur, end + DRAIN)
                else:
                    # As long as a flood step lasts, start-up included.
                    time.sleep(it['step'] + STARTUP)
                    end = time.monotonic()
                    dur = it['step']
                    win = self.cpu_window(end - dur, end)
                time.sleep(DRAIN)
                b = self._snap()
                cpu = {c: self._cpu(c, *win) for c in
                       (it['server_cpu'], it['other_cpu'])}
                row = self._row(i, rate, t, a, b, res, dur, cpu)
                row.update({'_slot': p, '_alt': alt,
                            'config': it['labels'][alt] if self.alt else None})
                self.rows.append(row)
            if it['profile']:
                # The configuration in place first: one switch fewer.
                first = self.alt_now
                for alt in ([first, 1 - first] if self.alt else [0]):
                    self._profile(ctx, '_alt' if alt else '', alt)
            self._configure(ctx, 0)
        except Exception as e:      # reported by finish()
            self.error = '%s: %s' % (type(e).__name__, e)
        finally:
            self.sampling_done.set()

    def _flood(self, ctx, rate, tag):
        """One run of the generator at `rate`/s, to its end: its JSON
        result, kept as RAW.TAG.json; raises if it failed."""
        p = ctx.net.spawn(self.flood_argv + ['-r', '%g' % rate], self.src,
                          stdout=-1, record=False,
                          errfile='%s.%s.err' % (self.raw, tag))
        out, _ = p.communicate(timeout=self.item['step'] + 30)
        if p.returncode != 0:
            raise RuntimeError('tcplab-flood exit %d: %s' % (
                p.returncode, ctx.net.errors(p)))
        with open('%s.%s.json' % (self.raw, tag), 'w') as f:
            f.write(out)
        return json.loads(out.strip().splitlines()[-1])

    def _configure(self, ctx, alt):
        """The server's sysctls of configuration ALT (1: `alternate`,
        0: as they were before the first step)."""
        if not self.alt or alt == self.alt_now:
            return
        ctx.net.commands.append('# flow %s: the %s configuration' % (
            self.name, self.item['labels'][alt]))
        for name, value in self.alt.items():
            ctx.net.sysctl(self.dst, name, lab_sysctl.value_text(value)
                           if alt else self.alt_base[name])
        self.alt_now = alt

    def _profile(self, ctx, suffix, alt):
        """The extra step: the flood at `profile`/s while perf samples
        the server's CPU with call graphs; then perf report. SUFFIX:
        of the table, ALT: the configuration."""
        it = self.item
        self._configure(ctx, alt)
        time.sleep(it['gap'])
        prof = _perf.Profile(ctx, self.raw + suffix, [it['server_cpu']],
                             it['step'] + STARTUP,
                             'flow %s: the profile step: perf samples CPU %d '
                             'during a flood at %g/s' % (
                                 self.name, it['server_cpu'], it['profile']))
        self._flood(ctx, it['profile'], 'profile-flood' + suffix)
        self.profile_rows[suffix] = prof.rows()

    def _row(self, i, rate, t, a, b, res, dur, cpu):
        """One step: packet counts over the whole step (snapshots a, b),
        rates over the flood's own duration, CPU over the flood's
        seconds and the drain after them."""
        it = self.item
        sc, oc = it['server_cpu'], it['other_cpu']
        busy, soft, total = cpu[sc]
        obusy, _, ototal = cpu[oc]
        drops = b['softnet'].get(sc, (0, 0))[1] - a['softnet'].get(sc, (0, 0))[1]
        net_rx = b['net_rx'].get(sc, 0) - a['net_rx'].get(sc, 0)
        srx = b['srv'][0] - a['srv'][0]
        stx = b['srv'][1] - a['srv'][1]
        ctx_ = b['cli'][1] - a['cli'][1]
        crx = b['cli'][0] - a['cli'][0]
        taken = max(0, srx - ctx_)
        reached = taken + drops
        # First answers only: a request sock the kernel queued (no
        # defence, hook mode 1 below half a queue) retransmits its
        # SYN-ACK to the spoofed source 1 s and 3 s later.
        synretrans = b['snmp'].get('TcpExtTCPSynRetrans', 0) - \
            a['snmp'].get('TcpExtTCPSynRetrans', 0)
        answered = max(0, stx - crx + b['sink'][1] - a['sink'][1] -
                       synretrans)
        d = {k: b['snmp'].get(k, 0) - a['snmp'].get(k, 0) for k in b['snmp']}
        asked = res.get('asked')
        row = {'step': i, 'rate': rate, 't': round(t - self.t0, 3),
               'window_s': round(dur, 3), 'sent': res.get('sent'),
               'offered_pps': res.get('offered_pps'),
               'kept_up': (1 if res.get('kept_up') else 0) if res else None,
               'gen_runq_wait_s': res.get('runq_wait_s'),
               'reached_pps': round(reached / dur, 1),
               'reached_ratio': round(reached / asked, 4) if asked else None,
               'taken_pps': round(taken / dur, 1),
               'backlog_drop_pps': round(drops / dur, 1),
               'answered_pps': round(answered / dur, 1),
               'answered_share': round(answered / reached, 4) if reached else None,
               'cpu_util': round(min(1.0, busy / total), 4) if total else None,
               'cpu_softirq': round(soft / total, 4) if total else None,
               'other_cpu_util': round(min(1.0, obusy / ototal), 4) if ototal else None,
               'net_rx_per_pkt': round(net_rx / taken, 3) if rate and taken else None,
               'syncookies_sent': d.get('TcpExtSyncookiesSent'),
               'syncookies_failed': d.get('TcpExtSyncookiesFailed'),
               'listen_drops': d.get('TcpExtListenDrops'),
               'out_rsts': d.get('TcpOutRsts'),
               'synack_retrans': synretrans,
               'hook_synack': d.get('lab.syncookie_synack_sent'),
               'hook_ack_invalid': d.get('lab.syncookie_ack_invalid'),
               'hook_ack_dropped': d.get('lab.syncookie_ack_invalid_dropped'),
               '_busy': busy, '_window': total}
        # The packets of the CPU's window: all of the step's, or over
        # the quiet part those of its share of the (fixed-rate) flood.
        share = total / dur if it['quiet'] else 1.0
        row['_taken'] = taken * share
        row['_answered'] = answered * share
        return row

    def finish(self, ctx, deadline):
        self.thread.join(max(1.0, deadline - time.monotonic()))
        if self.thread.is_alive():
            raise RuntimeError('flow %s: the steps still ran at the deadline'
                               % self.name)
        if self.error:
            raise RuntimeError('flow %s: %s' % (self.name, self.error))
        try:
            self.clients.wait(max(1.0, deadline - time.monotonic()))
        except Exception:
            self.clients.kill()
            raise RuntimeError('flow %s: the clients still ran' % self.name)
        with open(self.raw + '.clients.json') as f:
            conns = json.load(f)
        by = {}
        for c in conns:
            by.setdefault(c[0], []).append(c)
        # The baseline: the first step without a flood.
        base = next((r for r in self.rows if not r['rate']), None)
        brate = base['_busy'] / base['_window'] if base else 0.0
        # Below saturation: a full CPU no longer tells the cost. One fit
        # per configuration, the steps without a flood in both.
        fits = {}
        for alt in (0, 1):
            slope = fit_cost([(r['taken_pps'], r['_busy'] / r['_window'])
                              for r in self.rows if r['_window'] and
                              (r['_alt'] == alt or not r['rate']) and
                              r['_busy'] / r['_window'] < SATURATED])
            fits[alt] = round(1e6 * slope, 2) if slope is not None else None
        rows = []
        for r in self.rows:
            r['cpu_us_per_pkt_fit'] = fits[r['_alt']] if r['rate'] else None
            cs = by.get(r['_slot'], [])
            ok = [c for c in cs if c[2]]
            times = [c[3] for c in ok]
            r['legit_conns'] = len(cs)
            r['legit_ok'] = len(ok)
            r['success_pct'] = round(100.0 * len(ok) / len(cs), 2) if cs else None
            r['connect_p50_ms'] = pct(times, 50)
            r['connect_p99_ms'] = pct(times, 99)
            net_busy = max(0.0, r['_busy'] - brate * r['_window']) if r['rate'] \
                else None
            r['cpu_us_per_pkt'] = round(1e6 * net_busy / r['_taken'], 2) \
                if net_busy is not None and r['_taken'] else None
            r['cpu_us_per_answer'] = round(1e6 * net_busy / r['_answered'], 2) \
                if net_busy is not None and r['_answered'] else None
            rows.append([r.get(c) for c in COLUMNS])
            if self.alt and not r['rate']:
                # One baseline for both: a row under each name.
                rows.append([self.item['labels'][1] if c == 'config' else
                             r.get(c) for c in COLUMNS])
        n = 'flow.' + self.name
        ctx.data.add_table(n, COLUMNS, rows)
        fl = [r for r in self.rows if r['rate']]
        if fl:
            ctx.data.add_value(n + '.max_answered_pps',
                               max(r['answered_pps'] for r in fl))
            ctx.data.add_value(n + '.min_reached_ratio',
                               min(r['reached_ratio'] for r in fl))
            ctx.data.add_value(n + '.max_reached_ratio',
                               max(r['reached_ratio'] for r in fl))
        for suffix, prow in self.profile_rows.items():
            ctx.data.add_table(n + '.profile' + suffix, _perf.COLUMNS, prow)
        if fits[0] is not None:
            ctx.data.add_value(n + '.cpu_us_per_pkt_fit', fits[0])
        sp = [r['success_pct'] for r in self.rows if r['success_pct'] is not None]
        if sp:
            ctx.data.add_value(n + '.min_success_pct', min(sp))
        for r in fl:
            if not r['kept_up']:
                ctx.data.note('flow %s: step %d: the generator fell behind '
                              '(offered %s of %g/s)' % (self.name, r['step'],
                                                        r['offered_pps'],
                                                        r['rate']))


# ---------------------------------------------------------------- agents

def _pin(cpu):
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def _server(a):
    _pin(a.cpu)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('0.0.0.0', a.port))
    srv.listen(a.backlog)
    srv.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    print('ready', flush=True)
    while True:
        for key, _ in sel.select(1.0):
            s = key.fileobj
            if s is srv:
                while True:
                    try:
                        c, _ = srv.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b''
            if data:
                try:
                    s.send(data)
                except OSError:
                    pass
                continue
            sel.unregister(s)
            s.close()


def _clients(a):
    """Open-loop legitimate clients: a connection every 1/rate s inside
    each window, each with `timeout` to connect, send 16 bytes and read
    them back. Writes [[step, t, ok, connect_ms, reply_ms, outcome]]."""
    _pin(a.cpu)
    # tcplab-flood runs at nice -20 on the same CPU: behind it these
    # clients timed their own wait for the CPU (connect p50 15-135 ms
    # at 8000-24000 SYN/s, against 1.5-3 ms at nice 0 beside a generator
    # at nice 0). At its priority they wake as promptly as before.
    if a.cpu is not None:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, -20)
        except OSError:
            pass
    print('ready', flush=True)
    plan = json.loads(sys.stdin.readline())
    rate, timeout = plan['rate'], plan['timeout']
    starts = []
    if rate > 0:
        for i, ta, tb in plan['windows']:
            t = ta
            while t < tb:
                starts.append((t, i))
                t += 1.0 / rate
    sel = selectors.DefaultSelector()
    live = {}       # sock -> state
    out = []
    payload = b'x' * 16
    k = 0

    def done(s, ok, outcome):
        st = live.pop(s)
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        # RST on close: no TIME_WAIT piling up in the client.
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
        except OSError:
            pass
        s.close()
        out.append([st['step'], round(st['t'], 4), 1 if ok else 0,
                    st.get('conn_ms'), st.get('reply_ms'), outcome])

    while k < len(starts) or live:
        now = time.monotonic()
        while k < len(starts) and starts[k][0] <= now:
            t, i = starts[k]
            k += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            e = s.connect_ex((a.dst, a.port))
            live[s] = {'step': i, 't': now, 'got': b''}
            if e not in (0, 115):      # EINPROGRESS
                done(s, False, 'errno%d' % e)
                continue
            sel.register(s, selectors.EVENT_WRITE)
        for s in [s for s, st in live.items() if now - st['t'] > timeout]:
            done(s, False, 'timeout' if 'conn_ms' not in live[s] else 'no_reply')
        nxt = starts[k][0] if k < len(starts) else now + 0.05
        wait = max(0.0, min(0.05, nxt - time.monotonic()))
        for key, ev in sel.select(wait):
            s = key.fileobj
            st = live.get(s)
            if st is None:
                continue
            now = time.monotonic()
            if 'conn_ms' not in st:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    done(s, False, 'errno%d' % err)
                    continue
                st['conn_ms'] = round((now - st['t']) * 1000, 3)
                try:
                    s.send(payload)
                except OSError:
                    done(s, False, 'send')
                    continue
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                d = s.recv(64)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b''
            if not d:
                done(s, False, 'closed')
                continue
            st['got'] += d
            if len(st['got']) >= len(payload):
                st['reply_ms'] = round((now - st['t']) * 1000, 3)
                done(s, True, 'ok')
    with open(a.out, 'w') as f:
        json.dump(out, f)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.floodsteps')
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('server')
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--backlog', type=int, default=128)
    s.add_argument('--cpu', type=int)
    c = sub.add_parser('clients')
    c.add_argument('--dst', required=True)
    c.add_argument('--port', type=int, required=True)
    c.add_argument('--out', required=True)
    c.add_argument('--cpu', type=int)
    a = ap.parse_args(argv)
    if a.cmd == 'server':
        _server(a)
    else:
        _clients(a)


if __name__ == '__main__':
    main(sys.argv[1:])
