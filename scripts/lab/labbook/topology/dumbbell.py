# SPDX-License-Identifier: GPL-2.0
"""dumbbell: sender -- router -- receiver, the path on the router.

    sender s0 10.0.3.1 ---- r0 10.0.3.2  router  10.0.4.1 r1 ---- d0 10.0.4.2 receiver

Forward (data, sender -> receiver) is shaped on r1's egress, reverse
(ACKs) on r0's egress: both on the router, so neither end's own queue
(TCP small queues, pacing) sees the emulation. The addresses are those of
selftests/lib.sh's dumbbell, so commands carry over.
"""
from ..plugin import Topology
from ..registry import register
from . import _link

ADDR = {'sender': '10.0.3.1', 'router': '10.0.4.1', 'receiver': '10.0.4.2'}


@register('topology', 'dumbbell')
class Dumbbell(Topology):
    DOC = ('sender -- router -- receiver; the path (rate, delay, loss, '
           'buffer) is emulated on the router, forward = sender to receiver')
    KEYS = {}
    client = 'sender'
    server = 'receiver'
    HAS_SENDER_QDISC = True     # path.sender_qdisc goes on s0

    def nodes(self):
        return ['sender', 'router', 'receiver']

    def address(self, node):
        return ADDR[node]

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        for n in self.nodes():
            net.add(n)
        _link.veth(net, 'sender', 's0', 'router', 'r0', p['mtu'])
        _link.veth(net, 'router', 'r1', 'receiver', 'd0', p['mtu'])
        _link.up(net, 'sender', 's0', '10.0.3.1/24', p['offload'])
        _link.up(net, 'router', 'r0', '10.0.3.2/24', p['offload'])
        _link.up(net, 'router', 'r1', '10.0.4.1/24', p['offload'])
        _link.up(net, 'receiver', 'd0', '10.0.4.2/24', p['offload'])
        net.run([net.ip, 'route', 'add', 'default', 'via', '10.0.3.2'], 'sender')
        net.run([net.ip, 'route', 'add', 'default', 'via', '10.0.4.1'], 'receiver')
        net.sysctl('router', 'net.ipv4.ip_forward', '1')
        if p.get('sender_qdisc'):
            net.run([net.tc, 'qdisc', 'replace', 'dev', 's0', 'root',
                     p['sender_qdisc']], 'sender')
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        self.shaper.add('forward', 'router', 'r1', p['forward'])
        self.shaper.add('reverse', 'router', 'r0', p['reverse'])

    def path_change(self, ctx, direction, change):
        self.shaper.path_change(direction, change)

    def diagram(self):
        p = self.exp.path
        return ([('sender', ADDR['sender']), ('router', ''),
                 ('receiver', ADDR['receiver'])],
                [('router', 'receiver', 'forward: ' + _link.describe(p['forward'])),
                 ('router', 'sender', 'reverse: ' + _link.describe(p['reverse']))])
