# SPDX-License-Identifier: GPL-2.0
"""chain: sender -- router1 -- router2 -- receiver, each link with its own
MTU, so the path can be narrower in the middle than at either end (a
tunnel, a PPPoE or VPN hop): the ends announce an MSS from their own
link, and only path MTU discovery (or a router clamping the MSS) tells
the sender about the narrow link.

    sender s0 10.0.3.1 -- r0 10.0.3.2 router1 10.0.5.1 r1 -- q0 10.0.5.2
        router2 10.0.4.1 q1 -- d0 10.0.4.2 receiver

  [topology]
  shape = "chain"
  mtu_sender = 1500           # sender -- router1 (default: path.mtu)
  mtu_inner = 1280            # router1 -- router2
  mtu_receiver = 9000         # router2 -- receiver
  mss_clamp = false           # router1 rewrites the MSS option of SYNs it
  mss_clamp_ports = [5002]    # forwards (both ways) to fit the path's
                              # narrowest known MTU (nft: tcp option
                              # maxseg size set rt mtu); only these ports

The path (rate, delay, loss, events) is emulated as on the dumbbell:
forward on router2's egress to the receiver, reverse on router1's egress
to the sender.
"""
from ..plugin import Topology
from ..registry import register
from ..schema import Field
from . import _link

ADDR = {'sender': '10.0.3.1', 'router1': '10.0.5.1', 'router2': '10.0.4.1',
        'receiver': '10.0.4.2'}


def _ports(v):
    if not isinstance(v, list) or not v or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536
            for p in v):
        raise ValueError('%r: a list of TCP ports' % (v,))


def _mtu(doc):
    return Field('int', doc, minimum=576, maximum=9000)


@register('topology', 'chain')
class Chain(_link.Shaped, Topology):
    DOC = ('sender -- router1 -- router2 -- receiver, an MTU per link (a '
           'narrow middle for path MTU discovery), optional MSS clamping '
           'on router1; the path is emulated as on the dumbbell')
    KEYS = {
        'mtu_sender': _mtu('MTU of the sender -- router1 link (default: '
                           'path.mtu)'),
        'mtu_inner': _mtu('MTU of the router1 -- router2 link (default: '
                          'path.mtu)'),
        'mtu_receiver': _mtu('MTU of the router2 -- receiver link '
                             '(default: path.mtu)'),
        'mss_clamp': Field('bool', 'router1 clamps the MSS option of the '
                           'SYNs it forwards to the route\'s MTU', default=False),
        'mss_clamp_ports': Field('any', 'a list of ports: clamp only '
                                 'connections to or from these (default: '
                                 'all)', check=_ports),
    }
    client = 'sender'
    server = 'receiver'

    def check(self):
        if self.item['mss_clamp_ports'] is not None and not self.item['mss_clamp']:
            self.fail('mss_clamp_ports', 'only with mss_clamp = true')

    def nodes(self):
        return ['sender', 'router1', 'router2', 'receiver']

    def address(self, node):
        return ADDR[node]

    def mtus(self):
        m = self.exp.path['mtu']
        it = self.item
        return tuple(it[k] if it[k] is not None else m
                     for k in ('mtu_sender', 'mtu_inner', 'mtu_receiver'))

    def build(self, ctx):
        net, p = ctx.net, self.exp.path
        ms, mi, mr = self.mtus()
        for n in self.nodes():
            net.add(n)
        _link.veth(net, 'sender', 's0', 'router1', 'r0', ms)
        _link.veth(net, 'router1', 'r1', 'router2', 'q0', mi)
        _link.veth(net, 'router2', 'q1', 'receiver', 'd0', mr)
        for node, dev, addr in (('sender', 's0', '10.0.3.1/24'),
                                ('router1', 'r0', '10.0.3.2/24'),
                                ('router1', 'r1', '10.0.5.1/24'),
                                ('router2', 'q0', '10.0.5.2/24'),
                                ('router2', 'q1', '10.0.4.1/24'),
                                ('receiver', 'd0', '10.0.4.2/24')):
            _link.up(net, node, dev, addr, p['offload'])
        net.run([net.ip, 'route', 'add', 'default', 'via', '10.0.3.2'], 'sender')
        net.run([net.ip, 'route', 'add', 'default', 'via', '10.0.4.1'], 'receiver')
        net.run([net.ip, 'route', 'add', '10.0.4.0/24', 'via', '10.0.5.2'], 'router1')
        net.run([net.ip, 'route', 'add', '10.0.3.0/24', 'via', '10.0.5.1'], 'router2')
        for r in ('router1', 'router2'):
            net.sysctl(r, 'net.ipv4.ip_forward', '1')
        if self.item['mss_clamp']:
            self._clamp(net)
        # tbf's burst must hold the largest packet any link carries.
        self.shaper = _link.Shaper(net, max(ms, mi, mr), self.exp.events)
        self.shaper.add('forward', 'router2', 'q1', p['forward'])
        self.shaper.add('reverse', 'router1', 'r0', p['reverse'])

    def _clamp(self, net):
        from .. import netns
        ports = self.item['mss_clamp_ports']
        rule = 'tcp flags syn tcp option maxseg size set rt mtu'
        if ports:
            s = '{ %s }' % ', '.join(str(x) for x in ports)
            rules = ['tcp dport %s %s' % (s, rule), 'tcp sport %s %s' % (s, rule)]
        else:
            rules = [rule]
        text = ('table inet lab_clamp {\n chain clamp {\n  type filter hook '
                'forward priority mangle;\n%s }\n}\n' %
                ''.join('  %s\n' % r for r in rules))
        net.run([netns.tool('nft'), '-f', '-'], 'router1', input=text)

    def diagram(self):
        # The page draws three boxes in a row well; the two routers share
        # the middle one, labelled with the narrow link between them.
        p = self.exp.path
        ms, mi, mr = self.mtus()
        mid = 'router1-router2'
        return ([('sender', '%s, MTU %d' % (ADDR['sender'], ms)),
                 (mid, 'inner MTU %d%s' % (mi, ', clamp' if
                                           self.item['mss_clamp'] else '')),
                 ('receiver', '%s, MTU %d' % (ADDR['receiver'], mr))],
                [(mid, 'receiver', 'forward: ' + _link.describe(p['forward'])),
                 (mid, 'sender', 'reverse: ' + _link.describe(p['reverse']))])
