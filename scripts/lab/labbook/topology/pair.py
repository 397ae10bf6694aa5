# SPDX-License-Identifier: GPL-2.0
"""pair: a client and a server joined by one veth, nothing between them.

    client c0 10.0.1.1 ---------------- s0 10.0.1.2 server

For measuring what a feature costs the two ends themselves (connection
churn, a bulk transfer through a hook): no router forwards anything, so
every cycle spent is the client's or the server's. Forward (client to
server) is shaped on c0's egress, reverse on s0's: on an end host's own
interface, where TCP's small queues see the emulated queue (a router in
between is the dumbbell).

  [topology]
  shape = "pair"
  input_chain = false         # an empty nft chain on the input hook of
                              # both ends: what a firewall with no rules
                              # costs every segment, the yardstick for a
                              # netfilter hook of tcplab's
"""
from ..plugin import Topology
from ..registry import register
from .. import netns
from ..schema import Field
from . import _link

ADDR = {'client': '10.0.1.1', 'server': '10.0.1.2'}


@register('topology', 'pair')
class Pair(_link.Shaped, Topology):
    DOC = ('client -- server on one veth, no router: what a feature costs '
           'the two ends')
    KEYS = {
        'input_chain': Field('bool', 'an empty nft chain on the input hook '
                             'of both ends', default=False),
    }
    client = 'client'
    server = 'server'

    def nodes(self):
        return ['client', 'server']

    def address(self, node):
        return ADDR[node]

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        for n in self.nodes():
            net.add(n)
        _link.wire(net, p, [('client', 'c0', ADDR['client'] + '/24',
                             'server', 's0', ADDR['server'] + '/24')])
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        self.shaper.add('forward', 'client', 'c0', p['forward'])
        self.shaper.add('reverse', 'server', 's0', p['reverse'])
        if self.item['input_chain']:
            for n in self.nodes():
                net.run([netns.tool('nft'), '-f', '-'], n, input=(
                    'table inet lab_input {\n chain input {\n  type filter '
                    'hook input priority 0;\n }\n}\n'))

    def diagram(self):
        p = self.exp.path
        return ([('client', ADDR['client']), ('server', ADDR['server'])],
                [('client', 'server', 'forward: ' + _link.describe(p['forward']))])
