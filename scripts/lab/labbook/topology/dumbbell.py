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
class Dumbbell(_link.Shaped, Topology):
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
        _link.wire(net, p, [
            ('sender', 's0', '10.0.3.1/24', 'router', 'r0', '10.0.3.2/24'),
            ('router', 'r1', '10.0.4.1/24', 'receiver', 'd0', '10.0.4.2/24')])
        _link.default_routes(net, [('sender', '10.0.3.2'),
                                   ('receiver', '10.0.4.1')])
        net.sysctl('router', 'net.ipv4.ip_forward', '1')
        if p.get('sender_qdisc'):
            net.run([net.tc, 'qdisc', 'replace', 'dev', 's0', 'root',
                     p['sender_qdisc']], 'sender')
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        self.shaper.add('forward', 'router', 'r1', p['forward'])
        self.shaper.add('reverse', 'router', 'r0', p['reverse'])

    def diagram(self):
        p = self.exp.path
        return ([('sender', ADDR['sender']), ('router', ''),
                 ('receiver', ADDR['receiver'])],
                [('router', 'receiver', 'forward: ' + _link.describe(p['forward'])),
                 ('router', 'sender', 'reverse: ' + _link.describe(p['reverse']))])
