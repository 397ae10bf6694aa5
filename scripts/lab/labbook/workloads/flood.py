# SPDX-License-Identifier: GPL-2.0
"""flood: SYNs or bogus ACKs at a fixed rate from spoofed sources, sent by
the project's generator tcplab-flood (scripts/tools/README.md).

  [[flow]]
  kind = "flood"
  name = "syn"
  from = "attacker"            # default: the topology's attacker, if any
  to = "server"
  port = 8080
  packet = "syn"               # or "ack": random sequence and ack numbers
  rate = 2000                  # packets/s; 0: as fast as it can
  duration = "8s"
  sources = "10.200.0.0/16"    # random source addresses from this prefix
  cpu = 0                      # pin the generator to this CPU

The generator paces itself on a token bucket and says whether it kept up:
the values give the rate asked for, the rate it offered (what it tried to
send) and the rate it achieved (what its interface took), and what reached
the target's interface meanwhile.

Routes: the target must send its answers (SYN-ACKs, RSTs) for the spoofed
prefix to one neighbour, not resolve every address on a link: the flow is
refused at run time otherwise. That neighbour gets a blackhole route for
the prefix (unless it routes it somewhere already), so the answers die
there without coming back as ICMP errors, which would make the target drop
the request socks a SYN flood is meant to fill.

Values flow.NAME.rate, .asked, .sent, .xmit_drops, .lost_tokens,
.offered_pps, .achieved_pps, .kept_up (1 or 0), .duration_s, .max_late_us,
.cpu_s, .runq_wait_s, .start_s, .target_rx_packets, .target_rx_pps.
"""
import ipaddress
import json
import os
import sys
import time
import threading

from ..plugin import Outputs, Workload
from ..registry import register
from ..schema import Field
from . import _common
from ._common import route_get

VALUES = ('rate', 'asked', 'sent', 'xmit_drops', 'lost_tokens', 'offered_pps',
          'achieved_pps', 'kept_up', 'duration_s', 'max_late_us', 'cpu_s',
          'runq_wait_s', 'start_s', 'target_rx_packets', 'target_rx_pps')


def generator():
    """tcplab-flood: installed (the VM's /usr/bin), or built in the tree
    (make -C scripts/tools) for runs on a development host."""
    return _common.tree_tool('tcplab-flood', explain=True)


def rx_packets(net, node, dev):
    for line in net.read(node, '/proc/net/dev').splitlines():
        name, _, rest = line.partition(':')
        if name.strip() == dev:
            return int(rest.split()[1])
    return None


@register('workload', 'flood')
class Flood(_common.StdinStart, Workload):
    DOC = ('SYNs or bogus ACKs at a fixed rate from random spoofed sources '
           '(tcplab-flood)')
    PRODUCES = ('values flow.NAME.rate, .asked, .sent, .offered_pps, '
                '.achieved_pps, .kept_up, .xmit_drops, .lost_tokens, '
                '.duration_s, .max_late_us, .cpu_s, .runq_wait_s, .start_s, '
                '.target_rx_packets, .target_rx_pps')
    KEYS = {
        'packet': Field('str', 'what to send: syn, or ack (random sequence '
                        'and acknowledgment numbers: no cookie matches)',
                        default='syn', choices=('syn', 'ack')),
        'rate': Field('number', 'packets per second (0: as fast as the '
                      'generator can)', required=True, minimum=0),
        'duration': Field('time', 'flood for this long', required=True),
        'port': Field('int', 'destination port', required=True, minimum=1,
                      maximum=65535),
        'sources': Field('str', 'random source addresses are drawn from this '
                         'prefix', default='10.200.0.0/16'),
        'options': Field('str', 'TCP options: linux (SYNs as Linux sends them:'
                         ' MSS, SACK_PERM, timestamps, window scale; ACKs '
                         'with a timestamp) or none', default='linux',
                         choices=('linux', 'none')),
        'cpu': Field('int', 'pin the generator to this CPU', minimum=0),
        'burst': Field('int', 'token bucket depth in packets (default: 100 ms '
                       'at the rate)', minimum=1),
        'seed': Field('int', 'random seed: the same seed sends the same '
                      'packets', minimum=0),
    }

    def check(self):
        it = self.item
        if it['duration'] <= 0:
            self.fail('duration', 'must be above zero')
        nodes = self.exp.topology.nodes()
        if it['from'] is None and 'attacker' in nodes:
            self.src = 'attacker'
        if self.src == self.dst:
            self.fail('to', 'the flood needs a target other than its sender')
        try:
            self.prefix = ipaddress.ip_network(it['sources'], strict=False)
        except ValueError as e:
            self.fail('sources', str(e))
        if self.prefix.num_addresses < 2:
            self.fail('sources', 'a prefix of one address: give a range')
        if not self.prefix.is_private and not self.prefix.is_reserved:
            self.fail('sources', '%s is public address space: take a private '
                      'prefix' % self.prefix)
        if self.prefix.version != 4:
            self.fail('sources', 'only IPv4 (the topologies are IPv4)')

    def outputs(self):
        return Outputs(values=['flow.%s.%s' % (self.name, k) for k in VALUES])

    def end_time(self):
        # The generator looks up the target's MAC before it starts.
        return self.item['start'] + self.item['duration'] + 2.0

    # -------------------------------------------------------- engine side
    def _routes(self, ctx):
        """The interface to send on, and the answers' way back."""
        net = ctx.net
        dst = self.exp.topology.address(self.dst)
        self.dev = _common.out_dev(self, net, dst)
        probe = str(next(self.prefix.hosts()))
        back = route_get(net, self.dst, probe)
        if back is None:
            raise RuntimeError('flow %s: %s has no route back to %s: its '
                               'answers would fail' % (self.name, self.dst,
                                                       self.prefix))
        if back[0] is None:
            raise RuntimeError('flow %s: %s reaches %s on-link (dev %s): it '
                               'would resolve every spoofed address; give it '
                               'a route via one neighbour' % (
                                   self.name, self.dst, self.prefix, back[1]))
        self.target_dev = back[1]
        # The neighbour: whichever node holds the gateway's address.
        n = _common.node_with_addr(net, self.exp.topology.nodes(), back[0],
                                   skip=self.dst)
        if n is not None and route_get(net, n, probe) is None and \
           not net.run([net.ip, 'route', 'show', 'exact', str(self.prefix)],
                       n, record=False).stdout.strip():
            net.commands.append('# flow %s: answers to the spoofed '
                                'sources end at %s' % (self.name, n))
            net.run([net.ip, 'route', 'add', 'blackhole',
                     str(self.prefix)], n)

    def prepare(self, ctx):
        it = self.item
        if it['cpu'] is not None and it['cpu'] >= (os.cpu_count() or 1):
            raise RuntimeError('flow %s: no CPU %d (this machine has %d)' % (
                self.name, it['cpu'], os.cpu_count() or 1))
        self._routes(ctx)
        self.raw = ctx.raw_path('flow-%s' % self.name)
        tool = [generator(), '-i', self.dev,
                '-d', self.exp.topology.address(self.dst),
                '-p', str(it['port']), '-s', str(self.prefix),
                '-k', it['packet'], '-r', '%g' % it['rate'],
                '-t', '%g' % it['duration'], '-o', it['options']]
        if it['cpu'] is not None:
            tool += ['-c', str(it['cpu'])]
        if it['burst'] is not None:
            tool += ['-b', str(it['burst'])]
        if it['seed'] is not None:
            tool += ['-S', str(it['seed'])]
        argv = ctx.agent('flood') + ['--start-at', 'stdin', '--out',
                                     self.raw + '.json', '--'] + tool
        self.proc = ctx.net.spawn(
            argv, self.src, stdout=-1, stdin=-1, foreground=True,
            display=tool, errfile=self.raw + '.err',
            comment='flow %s: %s %s/s at port %d, from t0 + %gs for %gs; it '
            'prints what it sent as JSON' % (
                self.name, it['packet'].upper(), '%g' % it['rate'] if it['rate']
                else 'as many as it can', it['port'], it['start'],
                it['duration']))
        ctx.wait_ready(self.proc, 'flow %s: flood' % self.name)

    def start(self, ctx, t0):
        super().start(ctx, t0)
        # What reaches the target's interface: read as the flood starts.
        self.rx = {}
        self.rx_thread = threading.Thread(target=self._rx_start, args=(ctx,),
                                          daemon=True)
        self.rx_thread.start()

    def _rx_start(self, ctx):
        left = self.t0 + self.item['start'] - time.monotonic()
        if left > 0:
            time.sleep(left)
        try:
            self.rx['start'] = (time.monotonic(),
                                rx_packets(ctx.net, self.dst, self.target_dev))
        except Exception as e:      # reported as a missing value
            self.rx['error'] = str(e)

    def finish(self, ctx, deadline):
        _common.wait_deadline(self, self.proc, deadline,
                              late='the flood still ran at the deadline')
        end = time.monotonic()
        rx_end = rx_packets(ctx.net, self.dst, self.target_dev)
        self.rx_thread.join(5)
        if self.proc.returncode != 0:
            raise RuntimeError('flow %s: tcplab-flood exit %d: %s' % (
                self.name, self.proc.returncode, ctx.net.errors(self.proc)))
        started, r = None, None
        with open(self.raw + '.json') as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                if 'started_at' in d:
                    started = d['started_at']
                else:
                    r = d
        if r is None:
            raise RuntimeError('flow %s: tcplab-flood printed no result: %s' %
                               (self.name, ctx.net.errors(self.proc)))
        n = 'flow.' + self.name
        for k in ('rate', 'asked', 'sent', 'xmit_drops', 'lost_tokens',
                  'offered_pps', 'achieved_pps', 'duration_s', 'max_late_us',
                  'runq_wait_s'):
            if k in r:
                ctx.data.add_value('%s.%s' % (n, k), r[k])
        ctx.data.add_value(n + '.kept_up', 1 if r.get('kept_up') else 0)
        if 'cpu_user_s' in r:
            ctx.data.add_value(n + '.cpu_s', round(r['cpu_user_s'] +
                                                   r.get('cpu_sys_s', 0), 4))
        if started is not None:
            ctx.data.add_value(n + '.start_s', round(started - self.t0, 4))
        if not r.get('kept_up'):
            ctx.data.note('flow %s: the generator fell behind: offered %s of '
                          '%s packets/s' % (self.name, r.get('offered_pps'),
                                            r.get('rate')))
        if 'start' in self.rx and rx_end is not None and self.rx['start'][1] \
           is not None:
            t, a = self.rx['start']
            ctx.data.add_value(n + '.target_rx_packets', rx_end - a)
            if end > t:
                ctx.data.add_value(n + '.target_rx_pps',
                                   round((rx_end - a) / (end - t), 1))


# ---------------------------------------------------------------- agent

def main(argv):
    """Wait for the start time, then become tcplab-flood (exec), its
    stdout appended to --out after a line saying when it started."""
    import argparse
    ap = argparse.ArgumentParser(prog='python3 -m labbook.workloads.flood')
    ap.add_argument('--start-at', default='0',
                    help='time.monotonic() to start at, or "stdin": print '
                    '"ready" and read it from there')
    ap.add_argument('--out', required=True)
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ['--'] else a.cmd
    if not cmd:
        ap.error('no command after --')
    if not _common.sleep_until(a.start_at):
        return 1
    fd = os.open(a.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, (json.dumps({'started_at': time.monotonic()}) + '\n').encode())
    os.dup2(fd, 1)
    os.close(fd)
    os.execv(cmd[0], cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
