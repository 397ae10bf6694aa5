# SPDX-License-Identifier: GPL-2.0
"""capture: the packets of the flows as one node's interfaces carry them
(tcpdump writes a pcap file; this plug-in reads it with the standard
library), one row per packet: when, which way, IP length and flags
(DF, MF, fragment offset), the TCP header (flags, seq, ack, window,
payload length, MSS and window-scale options) and ICMP errors (type,
code, the MTU of a "fragmentation needed").

  [[measure]]
  kind = "capture"
  node = "sender"
  dev = "any"            # an interface of the node, or any (default)
  ports = [5001]         # TCP ports kept (default: every flow's port)
  icmp = true            # ICMP too (default true), and IP fragments
  snaplen = 128          # bytes kept per packet: the headers

Table pkt.NODE: t, dir (out, in; none for a single interface), src, dst,
proto (tcp, icmp, frag), ip_len, ip_id, df, mf, frag (offset, bytes),
sport, dport, seq, ack, flags (S F R P A U E C), win (raw field), len
(TCP payload bytes), mss, wscale (options, SYNs only), icmp_type,
icmp_code, icmp_mtu, flow (the flow whose port it carries). Values
pkt.NODE.packets and pkt.NODE.dropped (what tcpdump says the kernel
dropped: a capture that missed packets says so).

Times are tcpdump's (CLOCK_REALTIME) moved onto the engine's monotonic
clock with the offset between the two read as the capture starts.
"""
import os
import re
import socket
import struct
import time

from ..plugin import Measure, Outputs
from ..registry import register
from ..schema import Field
from . import _agent

COLUMNS = ['t', 'dir', 'src', 'dst', 'proto', 'ip_len', 'ip_id', 'df', 'mf',
           'frag', 'sport', 'dport', 'seq', 'ack', 'flags', 'win', 'len',
           'mss', 'wscale', 'icmp_type', 'icmp_code', 'icmp_mtu', 'flow']
FLAGS = 'FSRPAUEC'          # bit 0 (FIN) .. bit 7 (CWR)
PKTTYPE = {0: 'in', 1: 'in', 2: 'in', 3: 'other', 4: 'out'}


def _ports(v):
    if not isinstance(v, list) or not v or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536
            for p in v):
        raise ValueError('%r: a list of TCP ports' % (v,))


def tcp_flags(b):
    return ''.join(c for i, c in enumerate(FLAGS) if b & (1 << i)) or '-'


def _tcp_options(opt):
    mss = ws = None
    i = 0
    while i < len(opt):
        kind = opt[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opt) or opt[i + 1] < 2:
            break
        ln = opt[i + 1]
        if kind == 2 and ln == 4 and i + 4 <= len(opt):
            mss = struct.unpack_from('!H', opt, i + 2)[0]
        elif kind == 3 and ln == 3 and i + 3 <= len(opt):
            ws = opt[i + 2]
        i += ln
    return mss, ws


def parse_ipv4(p):
    """One IPv4 packet (bytes, maybe cut at the snap length) -> dict of
    the table's columns (without t, dir, flow), or None."""
    if len(p) < 20 or p[0] >> 4 != 4:
        return None
    ihl = (p[0] & 15) * 4
    total, ipid, ff, ttl, proto = struct.unpack_from('!HHHBB', p, 2)
    r = dict.fromkeys(COLUMNS)
    r.update(src=socket.inet_ntoa(p[12:16]), dst=socket.inet_ntoa(p[16:20]),
             ip_len=total, ip_id=ipid, df=int(bool(ff & 0x4000)),
             mf=int(bool(ff & 0x2000)), frag=(ff & 0x1fff) * 8)
    if r['frag']:
        r['proto'] = 'frag'
        return r
    t = p[ihl:]
    if proto == 6 and len(t) >= 20:
        sport, dport, seq, ack, off, fl, win = struct.unpack_from('!HHIIBBH', t)
        doff = (off >> 4) * 4
        mss, ws = _tcp_options(t[20:doff]) if fl & 2 else (None, None)
        r.update(proto='tcp', sport=sport, dport=dport, seq=seq, ack=ack,
                 flags=tcp_flags(fl), win=win, len=max(0, total - ihl - doff),
                 mss=mss, wscale=ws)
    elif proto == 1 and len(t) >= 8:
        typ, code = t[0], t[1]
        r.update(proto='icmp', icmp_type=typ, icmp_code=code)
        if typ == 3 and code == 4:
            r['icmp_mtu'] = struct.unpack_from('!H', t, 6)[0]
        inner = t[8:]
        # The offending packet's header: whose flow the error is about.
        if len(inner) >= 20 and inner[0] >> 4 == 4 and inner[9] == 6:
            iihl = (inner[0] & 15) * 4
            if len(inner) >= iihl + 4:
                r['sport'], r['dport'] = struct.unpack_from('!HH', inner, iihl)
    else:
        r['proto'] = str(proto)
    return r


def read_pcap(path):
    """-> [(realtime seconds, pkttype or None, IPv4 bytes)] of a pcap file
    (Ethernet, Linux cooked v1 or v2 link types)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        raise ValueError('%s: not a pcap file' % path)
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack_from(e + 'I', data, 20)[0] & 0xffff
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack_from(e + 'IIII', data, off)
        off += 16
        pkt = data[off:off + incl]
        off += incl
        if len(pkt) < incl:
            break
        ts = sec + frac / (1e9 if nano else 1e6)
        ptype = None
        if linktype == 1:               # Ethernet
            proto, ip = struct.unpack_from('!H', pkt, 12)[0], pkt[14:]
        elif linktype == 113:           # Linux cooked v1
            ptype = struct.unpack_from('!H', pkt, 0)[0]
            proto, ip = struct.unpack_from('!H', pkt, 14)[0], pkt[16:]
        elif linktype == 276:           # Linux cooked v2
            proto = struct.unpack_from('!H', pkt, 0)[0]
            ptype, ip = pkt[10], pkt[20:]
        elif linktype in (101, 228):    # raw IP
            proto, ip = 0x0800, pkt
        else:
            raise ValueError('%s: link type %d not understood' % (path, linktype))
        if proto == 0x0800:
            out.append((ts, ptype, ip))
    return out


def packet_rows(packets, offset, t0, ports):
    """Table rows from read_pcap's list: times on the monotonic clock
    (realtime - offset) after t0; `ports`: port -> flow name."""
    rows = []
    for ts, ptype, ip in packets:
        r = parse_ipv4(ip)
        if r is None:
            continue
        r['t'] = round(ts - offset - t0, 6)
        r['dir'] = PKTTYPE.get(ptype) if ptype is not None else None
        r['flow'] = ports.get(r['sport']) or ports.get(r['dport'])
        rows.append([r[c] for c in COLUMNS])
    return rows


def clock_offset():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, read with the least spread."""
    best = None
    for _ in range(5):
        a = time.monotonic()
        r = time.time()
        b = time.monotonic()
        if best is None or b - a < best[0]:
            best = (b - a, r - (a + b) / 2)
    return best[1]


@register('measure', 'capture')
class Capture(Measure):
    DOC = 'the flows\' packets on one node (tcpdump, read here): sizes, ' \
          'flags, windows, options, ICMP errors, fragments'
    PRODUCES = 'table pkt.NODE; values pkt.NODE.packets, pkt.NODE.dropped'
    KEYS = {
        'node': Field('str', 'the namespace captured in', required=True),
        'dev': Field('str', 'interface (default any: all of the node\'s)',
                     default='any'),
        'ports': Field('any', 'a list of TCP ports: the packets kept '
                       '(default: every flow\'s port)', check=_ports),
        'icmp': Field('bool', 'keep ICMP and IP fragments too', default=True),
        'snaplen': Field('int', 'bytes kept of each packet', default=128,
                         minimum=68, maximum=65535),
    }

    def check(self):
        it = self.item
        if it['node'] not in self.exp.topology.nodes():
            self.fail('node', 'no node %r (nodes: %s)' % (
                it['node'], ', '.join(self.exp.topology.nodes())))
        if not re.fullmatch(r'[A-Za-z0-9_.\-]{1,15}', it['dev']):
            self.fail('dev', '%r is not an interface name' % it['dev'])
        for m in self.exp.measures[:self.exp.measures.index(self)]:
            if m.kind == self.kind and m.item['node'] == it['node']:
                self.fail('node', 'a second capture on %s' % it['node'])
        self.flows = {}
        for w in self.exp.workloads:
            p = getattr(w, 'port', None)
            if p:
                self.flows[p] = w.name
        if it['ports'] is None and not self.flows:
            self.fail('ports', 'no flow has a port: give the ports')

    def outputs(self):
        n = 'pkt.' + self.item['node']
        return Outputs(values=[n + '.packets', n + '.dropped'],
                       tables={n: COLUMNS})

    def _filter(self):
        ports = self.item['ports'] or sorted(self.flows)
        f = ' or '.join('tcp port %d' % p for p in ports)
        if self.item['icmp']:
            f += ' or icmp or (ip[6:2] & 0x1fff != 0)'
        return f

    def start(self, ctx):
        from .. import netns
        node = self.item['node']
        self.pcap = ctx.raw_path('capture-%s.pcap' % node)
        self.err = self.pcap + '.err'
        tcpdump = netns.tool('tcpdump')
        # -Z root: Debian's tcpdump would change to a user "tcpdump" the
        # guest does not have. --immediate-mode -U: each packet read and
        # written as it comes (in blocks, those still in the ring when
        # tcpdump is stopped would be lost).
        argv = [tcpdump, '-i', self.item['dev'], '-n', '-s',
                str(self.item['snaplen']), '--immediate-mode', '-U', '-B',
                '4096', '-Z', 'root', '-w', self.pcap, self._filter()]
        self.offset = clock_offset()
        self.proc = ctx.net.spawn(argv, node, errfile=self.err,
                                  comment='packets of the flows on %s' % node,
                                  display=argv[:-2] + ['capture.pcap',
                                                       argv[-1]])
        end = time.monotonic() + 20
        while time.monotonic() < end:
            if 'listening on' in self._stderr():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError('tcpdump did not start: %s' %
                           (self._stderr()[-300:] or 'no output in 20 s'))

    def _stderr(self):
        try:
            with open(self.err, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def stop(self, ctx):
        # Let it write what it has read: the file stops growing.
        size, end = -1, time.monotonic() + 5
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                now = os.path.getsize(self.pcap)
            except OSError:
                now = 0
            if now == size:
                break
            size = now
            time.sleep(0.2)
        _agent.stop(self.proc, 10)

    def collect(self, ctx):
        n = 'pkt.' + self.item['node']
        ports = dict(self.flows)
        for p in self.item['ports'] or ():
            ports.setdefault(p, None)
        rows = packet_rows(read_pcap(self.pcap) if os.path.exists(self.pcap)
                           else [], self.offset, ctx.t0, ports)
        ctx.data.add_table(n, COLUMNS, rows)
        ctx.data.add_value(n + '.packets', len(rows))
        m = re.search(r'(\d+) packets? dropped by kernel', self._stderr())
        dropped = int(m.group(1)) if m else None
        ctx.data.add_value(n + '.dropped', dropped)
        if dropped:
            ctx.data.note('capture on %s: the kernel dropped %d packets '
                          'before tcpdump read them' % (self.item['node'],
                                                        dropped))
