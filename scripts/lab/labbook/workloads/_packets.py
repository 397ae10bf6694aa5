# SPDX-License-Identifier: GPL-2.0
"""TCP segments seen and sent by the crafting agents (stale_segment,
rst_probe), inside one namespace.

Seeing: a packet socket (AF_PACKET, SOCK_DGRAM: the IP packet without
its link header) on every interface of the namespace, read in a thread
(for every protocol, ETH_P_ALL: a socket for ETH_P_IP alone would not
see what the namespace sends);
each TCP/IPv4 segment becomes a Seg with the monotonic time it was seen
and whether it was going out or coming in. That is how an agent learns
the sequence numbers a socket expects (the kernel does not say) and what
a crafted segment drew in answer.

Sending: segments are built with scapy (only its inet layer is imported:
all of scapy takes seconds to load under TCG) and sent through a raw
IPv4 socket, so the kernel routes them and resolves the next hop. Each
carries the socket mark MARK, so that a firewall rule can drop what the
crafting node's own stack would answer (a RST to an ACK it knows nothing
of, which could end the very socket under test) and let the crafted
segments pass.
"""
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
MARK = 0x7ab
FLAGS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20}


class Seg:
    __slots__ = ('t', 'out', 'src', 'dst', 'sport', 'dport', 'seq', 'ack',
                 'flags', 'win', 'plen', 'tsval', 'tsecr', 'raw')

    def end_seq(self):
        """The sequence number after this segment."""
        n = self.plen + (1 if self.flags & 0x02 else 0) + \
            (1 if self.flags & 0x01 else 0)
        return (self.seq + n) & 0xffffffff

    def flagstr(self):
        return ''.join(k for k, v in FLAGS.items() if self.flags & v) or '.'

    def __repr__(self):
        return '%.3f %s %s:%d > %s:%d %s seq=%d ack=%d len=%d' % (
            self.t, 'out' if self.out else 'in', self.src, self.sport,
            self.dst, self.dport, self.flagstr(), self.seq, self.ack,
            self.plen)


def parse(raw, t=0.0, out=False):
    """An IPv4 packet -> Seg, or None if it is not TCP."""
    if len(raw) < 20 or raw[0] >> 4 != 4 or raw[9] != 6:
        return None
    ihl = (raw[0] & 0x0f) * 4
    total = struct.unpack('!H', raw[2:4])[0] or len(raw)
    tcp = raw[ihl:total]
    if len(tcp) < 20:
        return None
    s = Seg()
    s.t, s.out, s.raw = t, out, bytes(raw[:total])
    s.src = socket.inet_ntoa(raw[12:16])
    s.dst = socket.inet_ntoa(raw[16:20])
    (s.sport, s.dport, s.seq, s.ack, off, s.flags,
     s.win) = struct.unpack('!HHIIBBH', tcp[:16])
    doff = (off >> 4) * 4
    s.plen = max(0, len(tcp) - doff)
    s.tsval = s.tsecr = None
    opts = tcp[20:doff]
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        ln = opts[i + 1]
        if kind == 8 and ln == 10 and i + 10 <= len(opts):
            s.tsval, s.tsecr = struct.unpack('!II', opts[i + 2:i + 10])
        i += ln
    return s


class Sniffer:
    """Every TCP/IPv4 segment in and out of this namespace (optionally
    only those with `port` at either end), with the time it was seen."""

    def __init__(self, port=None):
        self.port = port
        self.segs = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                  socket.htons(ETH_P_ALL))
        self.sock.settimeout(0.2)
        self._stop = False
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self._stop:
            try:
                raw, a = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if a[0] == 'lo' or a[1] != ETH_P_IP:
                continue
            s = parse(raw, time.monotonic(), a[2] == PACKET_OUTGOING)
            if s is None:
                continue
            if self.port is not None and self.port not in (s.sport, s.dport):
                continue
            with self.cond:
                self.segs.append(s)
                self.cond.notify_all()

    def mark(self):
        """A position in the capture: segments after it are new."""
        with self.lock:
            return len(self.segs)

    def since(self, pos, pred=None):
        with self.lock:
            return [s for s in self.segs[pos:] if pred is None or pred(s)]

    def wait_for(self, pred, timeout, pos=0):
        """The first segment after `pos` for which pred holds, or None
        after `timeout` seconds."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for s in self.segs[pos:]:
                    if pred(s):
                        return s
                pos = len(self.segs)
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def close(self):
        self._stop = True
        self.th.join(2)
        self.sock.close()


def load_scapy():
    """Import scapy's inet layer now (seconds under TCG): before the
    agent says it is ready, not when a segment is due."""
    import importlib
    importlib.import_module('scapy.layers.inet')


def build(src, dst, sport, dport, flags, seq, ack=0, payload=b'',
          window=1024, tsval=None, tsecr=0):
    """A TCP/IPv4 segment as bytes (scapy computes the checksums)."""
    from scapy.layers.inet import IP, TCP
    opts = []
    if tsval is not None:
        opts = [('NOP', None), ('NOP', None), ('Timestamp', (tsval, tsecr))]
    p = IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags,
                                   seq=seq & 0xffffffff, ack=ack & 0xffffffff,
                                   window=window, options=opts)
    if payload:
        p = p / payload
    return bytes(p)


def rebuild(raw):
    """A captured segment, checksums computed again (one captured on its
    way out may carry only a partial checksum, left to the NIC)."""
    from scapy.layers.inet import IP, TCP
    p = IP(raw)
    del p[IP].chksum
    del p[TCP].chksum
    return bytes(p)


class Sender:
    """Sends IPv4 packets through a raw socket, marked MARK."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                  socket.IPPROTO_RAW)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)

    def send(self, raw):
        dst = socket.inet_ntoa(raw[16:20])
        self.sock.sendto(raw, (dst, 0))
        return time.monotonic()

    def close(self):
        self.sock.close()


def drop_own_rsts(ctx, node, ports, comment):
    """A firewall rule in NODE: RSTs its stack sends from or to `ports`
    are dropped, the crafted (marked) ones pass."""
    from .. import netns
    ps = ', '.join(str(p) for p in sorted(ports))
    rule = ('table inet lab_craft {\n chain out {\n  type filter hook output '
            'priority 0;\n  meta mark != 0x%x tcp sport { %s } tcp flags & rst '
            '== rst drop\n  meta mark != 0x%x tcp dport { %s } tcp flags & rst '
            '== rst drop\n }\n}\n' % (MARK, ps, MARK, ps))
    ctx.net.commands.append('# ' + comment)
    ctx.net.run([netns.tool('nft'), '-f', '-'], node, input=rule)
