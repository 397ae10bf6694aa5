# SPDX-License-Identifier: GPL-2.0
"""star: several clients and several servers around one router, no NAT.

    client1 c0 10.1.1.2 -- rc1 10.1.1.1 \\          / rs1 10.2.1.1 -- s0 10.2.1.2 server1
    client2 c0 10.1.2.2 -- rc2 10.1.2.1  router  -- rs2 10.2.2.1 -- s0 10.2.2.2 server2
    ...                                          \\  ...

Every node is a namespace of its own, so each can have its own sysctls
([sysctl.client2] net.ipv4.tcp_tw_reuse = 1, [sysctl.server3]
net.ipv4.tcp_rfc1337 = 1): one run compares settings side by side.
Forward (towards the servers) is shaped on each rsN's egress, reverse on
each rcN's: every client-server pair sees the path, but the links are not
one shared bottleneck (use the dumbbell for that).
"""
from ..plugin import Topology
from ..registry import register
from ..schema import Field
from . import _link


@register('topology', 'star')
class Star(_link.Shaped, Topology):
    DOC = ('clients client1..N and servers server1..M around one router (no '
           'NAT): a namespace, and sysctls, per client and per server')
    KEYS = {
        'clients': Field('int', 'client namespaces, client1..clientN',
                         default=1, minimum=1, maximum=16),
        'servers': Field('int', 'server namespaces, server1..serverM',
                         default=1, minimum=1, maximum=16),
    }
    client = 'client1'
    server = 'server1'

    def _clients(self):
        return ['client%d' % i for i in range(1, self.item['clients'] + 1)]

    def _servers(self):
        return ['server%d' % i for i in range(1, self.item['servers'] + 1)]

    def nodes(self):
        return self._clients() + ['router'] + self._servers()

    def address(self, node):
        if node == 'router':
            return '10.1.1.1'
        if node.startswith('client'):
            return '10.1.%d.2' % int(node[len('client'):])
        return '10.2.%d.2' % int(node[len('server'):])

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        for n in self.nodes():
            net.add(n)
        self.shaper = _link.Shaper(net, p['mtu'], self.exp.events)
        for side, names, dev in (('1', self._clients(), 'rc'),
                                 ('2', self._servers(), 'rs')):
            for i, n in enumerate(names, 1):
                own = 'c0' if side == '1' else 's0'
                rdev = '%s%d' % (dev, i)
                _link.wire(net, p, [(n, own, '10.%s.%d.2/24' % (side, i),
                                     'router', rdev,
                                     '10.%s.%d.1/24' % (side, i))])
                _link.default_routes(net, [(n, '10.%s.%d.1' % (side, i))])
                self.shaper.add('reverse' if side == '1' else 'forward',
                                'router', rdev,
                                p['reverse'] if side == '1' else p['forward'])
        net.sysctl('router', 'net.ipv4.ip_forward', '1')

    def diagram(self):
        p = self.exp.path
        cs = [(c, self.address(c)) for c in self._clients()]
        ss = [(s, self.address(s)) for s in self._servers()]
        # The page draws the first nodes stacked on the left, then the
        # last two in a row: the side with more namespaces goes left.
        if len(ss) > len(cs):
            cs, ss = ss, cs
        nodes = cs + [('router', '')] + ss
        return (nodes, [('router', self.server, 'forward: ' +
                         _link.describe(p['forward'])),
                        ('router', self.client, 'reverse: ' +
                         _link.describe(p['reverse']))])
