# SPDX-License-Identifier: GPL-2.0
"""Links and path emulation shared by the topology plug-ins.

One direction of a path is shaped on one egress interface:

    root netem (handle 1:)      delay, jitter, random loss; there when the
                                direction has any, or an [[event]] changes
                                it (then it is changed in place)
      tbf (handle 2:)           the bottleneck rate, its queue = buffer
        QDISC (handle 3:)       with qdisc != "tbf": fq_codel, codel, pie
                                or fq instead of tbf's drop-tail FIFO

netem ahead of the bottleneck delays and drops before the queue, so the
queue the sender fills is the buffer the file asks for.
"""
from .. import netns


def veth(net, a, adev, b, bdev, mtu):
    net.run([net.ip, 'link', 'add', adev, 'netns', net.nsname(a), 'type',
             'veth', 'peer', 'name', bdev, 'netns', net.nsname(b)])
    for node, dev in ((a, adev), (b, bdev)):
        if mtu != 1500:
            net.run([net.ip, 'link', 'set', dev, 'mtu', str(mtu)], node)


def up(net, node, dev, addr, offload):
    net.run([net.ip, 'addr', 'add', addr, 'dev', dev], node)
    if not offload:
        try:
            ethtool = netns.tool('ethtool')
            net.run([ethtool, '-K', dev, 'tso', 'off', 'gso', 'off', 'gro',
                     'off'], node, check=False)
        except netns.ToolMissing:
            pass
    net.run([net.ip, 'link', 'set', dev, 'up'], node)


def wire(net, p, links):
    """The veth pairs `links`, [(a, adev, a_cidr, b, bdev, b_cidr)], with
    the path's MTU: first every pair, then each pair's a end and b end
    get their address (offload as the path says) and go up."""
    for a, adev, _, b, bdev, _ in links:
        veth(net, a, adev, b, bdev, p['mtu'])
    for a, adev, a_cidr, b, bdev, b_cidr in links:
        up(net, a, adev, a_cidr, p['offload'])
        up(net, b, bdev, b_cidr, p['offload'])


def default_routes(net, gateways):
    """A default route on each node: gateways = [(node, gateway)]."""
    for node, gw in gateways:
        net.run([net.ip, 'route', 'add', 'default', 'via', gw], node)


class Shaped:
    """Mix-in for a topology whose build() set self.shaper (a Shaper):
    [[event]] path changes go to it."""

    def path_change(self, ctx, direction, change):
        self.shaper.path_change(direction, change)


def _ms(s):
    return '%gms' % round(s * 1000, 3)


def netem_args(d):
    a = ['netem', 'limit', '100000']
    if d.get('delay'):
        a += ['delay', _ms(d['delay'])]
        if d.get('jitter'):
            a.append(_ms(d['jitter']))
    elif d.get('jitter'):
        a += ['delay', '0ms', _ms(d['jitter'])]
    if d.get('loss'):
        a += ['loss', '%g%%' % d['loss']]
    if d.get('jitter') and d.get('reorder') is False:
        # With a rate netem sends each packet no earlier than the one
        # ahead of it (its time is counted from the last one queued), so
        # the delay still varies but the order holds; 10 Gbit/s adds
        # 1.2 us a packet, far below any bottleneck here.
        a += ['rate', '10gbit']
    return a


def tbf_args(d, mtu):
    rate = d['rate']
    # At least two packets, or 2 ms at the rate: a burst smaller than a
    # packet never sends; a large one lets bursts through at veth speed.
    burst = max(10000, int(rate / 8 * 0.002), 2 * (mtu + 14))
    limit = (d['buffer_packets'] or 1000) * (mtu + 14)
    return ['tbf', 'rate', '%dbit' % int(rate), 'burst', str(burst),
            'limit', str(limit)]


def needs_netem(d):
    return bool(d.get('delay') or d.get('jitter') or d.get('loss'))


def shape(net, node, dev, d, mtu, netem=None):
    """Install the qdiscs of direction `d` (a parsed path direction).
    netem: force the netem root (an [[event]] will change this direction)
    or leave it out when nothing needs it (kernels without sch_netem)."""
    tc = net.tc
    if netem is None:
        netem = needs_netem(d)
    parent = ['root']
    if netem:
        net.run([tc, 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:'] +
                netem_args(d), node)
        parent = ['parent', '1:1']
    if d.get('rate'):
        net.run([tc, 'qdisc', 'add', 'dev', dev] + parent + ['handle', '2:'] +
                tbf_args(d, mtu), node)
        q = d.get('qdisc') or 'tbf'
        if q != 'tbf':
            net.run([tc, 'qdisc', 'add', 'dev', dev, 'parent', '2:1', 'handle',
                     '3:', q, 'limit', str(d['buffer_packets'])], node)
    return netem


def change(net, node, dev, d, mtu, rate_changed, netem):
    """Change a shaped direction in place (for [[event]])."""
    tc = net.tc
    if netem:
        net.run([tc, 'qdisc', 'change', 'dev', dev, 'root', 'handle', '1:'] +
                netem_args(d), node)
    elif needs_netem(d):
        raise netns.CommandFailed('no netem on %s to change' % dev)
    if rate_changed and d.get('rate'):
        net.run([tc, 'qdisc', 'change', 'dev', dev] +
                (['parent', '1:1'] if netem else ['root']) + ['handle', '2:'] +
                tbf_args(d, mtu), node)


def describe(d):
    """Short text of one direction for the topology diagram."""
    from .. import units
    bits = []
    if d.get('rate'):
        bits.append(units.fmt_rate(d['rate']))
    if d.get('delay'):
        bits.append(units.fmt_time(d['delay']))
    if d.get('jitter'):
        bits.append('±' + units.fmt_time(d['jitter']) +
                    ('' if d.get('reorder', True) else ' in order'))
    if d.get('loss'):
        bits.append('%g%% loss' % d['loss'])
    if d.get('rate') and d.get('buffer_packets'):
        q = d.get('qdisc') or 'tbf'
        bits.append('%d pkts%s' % (d['buffer_packets'],
                                    '' if q == 'tbf' else ' ' + q))
    return ', '.join(bits) or 'unshaped'


class Shaper:
    """Remembers what each direction holds now, for events. A direction
    may be shaped on several interfaces (one per client of a NAT)."""

    def __init__(self, net, mtu, events=()):
        self.net = net
        self.mtu = mtu
        # Directions an [[event]] changes get a netem root even if the
        # path itself needs none.
        self.evented = set()
        for e in events:
            self.evented.update(('forward', 'reverse') if e['direction'] == 'both'
                                else (e['direction'],))
        self.netem = {}
        self.where = {}     # direction -> [(node, dev)]
        self.base = {}      # direction -> params as built
        self.now = {}

    def add(self, direction, node, dev, d):
        self.where.setdefault(direction, []).append((node, dev))
        self.base[direction] = dict(d)
        self.now[direction] = dict(d)
        self.netem[direction] = shape(self.net, node, dev, d, self.mtu,
                                      True if direction in self.evented else None)

    def apply(self, direction, ch):
        """ch: dict of changes, or None to restore what was built."""
        new = dict(self.base[direction]) if ch is None else dict(self.now[direction])
        if ch:
            new.update(ch)
        if new.get('rate') and not self.base[direction].get('rate'):
            raise netns.CommandFailed('an event cannot give a rate to a '
                                      'direction without one')
        rate_changed = new.get('rate') != self.now[direction].get('rate')
        for node, dev in self.where[direction]:
            change(self.net, node, dev, new, self.mtu, rate_changed,
                   self.netem[direction])
        self.now[direction] = new

    def path_change(self, direction, ch):
        for d in (('forward', 'reverse') if direction == 'both' else (direction,)):
            self.apply(d, ch)
