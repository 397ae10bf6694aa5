# SPDX-License-Identifier: GPL-2.0
"""flood: an attacker and a client share a router in front of a server.

    attacker a0 10.0.1.2 -- ra 10.0.1.1 \
                                         router 10.0.4.1 r1 -- d0 10.0.4.2 server
    client   c0 10.0.2.2 -- rc 10.0.2.1 /

Forward (towards the server) is shaped on r1's egress, reverse on ra's and
rc's. The router forwards any source address (rp_filter off), so spoofed
SYNs reach the server and its answers go nowhere.
"""
from ..plugin import Topology
from ..registry import register
from . import _link

ADDR = {'attacker': '10.0.1.2', 'client': '10.0.2.2', 'router': '10.0.4.1',
        'server': '10.0.4.2'}


@register('topology', 'flood')
class Flood(_link.Shaped, Topology):
    DOC = ('attacker + client -> router -> server, for floods; the path is '
           'emulated on the router')
    KEYS = {}
    client = 'client'
    server = 'server'

    def nodes(self):
        return ['attacker', 'client', 'router', 'server']

    def address(self, node):
        return ADDR[node]

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        for n in self.nodes():
            net.add(n)
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        _link.wire(net, p, [
            ('attacker', 'a0', '10.0.1.2/24', 'router', 'ra', '10.0.1.1/24'),
            ('client', 'c0', '10.0.2.2/24', 'router', 'rc', '10.0.2.1/24'),
            ('router', 'r1', '10.0.4.1/24', 'server', 'd0', '10.0.4.2/24')])
        _link.default_routes(net, [('attacker', '10.0.1.1'),
                                   ('client', '10.0.2.1'),
                                   ('server', '10.0.4.1')])
        net.sysctl('router', 'net.ipv4.ip_forward', '1')
        for k in ('all', 'default', 'ra', 'rc', 'r1'):
            net.sysctl('router', 'net.ipv4.conf.%s.rp_filter' % k, '0')
        self.shaper.add('forward', 'router', 'r1', p['forward'])
        self.shaper.add('reverse', 'router', 'ra', p['reverse'])
        self.shaper.add('reverse', 'router', 'rc', p['reverse'])

    def diagram(self):
        p = self.exp.path
        return ([('attacker', ADDR['attacker']), ('client', ADDR['client']),
                 ('router', ''), ('server', ADDR['server'])],
                [('router', 'server', 'forward: ' + _link.describe(p['forward'])),
                 ('router', 'client', 'reverse: ' + _link.describe(p['reverse']))])
