# SPDX-License-Identifier: GPL-2.0
"""nat: clients behind a NAT router, and a server.

    client1 c0 192.168.1.2 -- lan1 192.168.1.1 \
    client2 c0 192.168.2.2 -- lan2 192.168.2.1  nat  10.0.4.1 wan0 -- d0 10.0.4.2 server
    ...

The router masquerades everything leaving wan0 (nft), so the server sees
every client at 10.0.4.1. Forward (clients -> server) is shaped on wan0's
egress, reverse on each lanN's egress.
"""
from ..plugin import Topology
from ..registry import register
from ..schema import Field
from .. import netns
from . import _link


@register('topology', 'nat')
class Nat(_link.Shaped, Topology):
    DOC = ('clients behind a NAT router (masquerade) and one server; the '
           'path is emulated on the router')
    KEYS = {'clients': Field('int', 'number of client namespaces, named '
                             'client1..clientN', default=2, minimum=1,
                             maximum=16)}
    client = 'client1'
    server = 'server'

    def nodes(self):
        return ['client%d' % i for i in range(1, self.item['clients'] + 1)] + \
               ['nat', 'server']

    def address(self, node):
        if node == 'server':
            return '10.0.4.2'
        if node == 'nat':
            return '10.0.4.1'
        return '192.168.%d.2' % int(node[len('client'):])

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        for n in self.nodes():
            net.add(n)
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        _link.wire(net, p, [('nat', 'wan0', '10.0.4.1/24',
                             'server', 'd0', '10.0.4.2/24')])
        _link.default_routes(net, [('server', '10.0.4.1')])
        for i in range(1, self.item['clients'] + 1):
            c = 'client%d' % i
            _link.wire(net, p, [(c, 'c0', '192.168.%d.2/24' % i,
                                 'nat', 'lan%d' % i, '192.168.%d.1/24' % i)])
            _link.default_routes(net, [(c, '192.168.%d.1' % i)])
            self.shaper.add('reverse', 'nat', 'lan%d' % i, p['reverse'])
        net.sysctl('nat', 'net.ipv4.ip_forward', '1')
        net.run([netns.tool('nft'), '-f', '-'], 'nat', input=
                'table ip lab_nat {\n'
                ' chain post { type nat hook postrouting priority 100; '
                'oifname "wan0" masquerade; }\n}\n')
        self.shaper.add('forward', 'nat', 'wan0', p['forward'])

    def diagram(self):
        p = self.exp.path
        nodes = [(c, self.address(c)) for c in self.nodes() if c.startswith('client')]
        nodes += [('nat', '10.0.4.1'), ('server', '10.0.4.2')]
        return (nodes, [('nat', 'server', 'forward: ' + _link.describe(p['forward'])),
                        ('nat', 'client1', 'reverse: ' + _link.describe(p['reverse']))])
