# SPDX-License-Identifier: GPL-2.0
"""Crafted packets for the selftests (scapy): one way to build and send them.

Sender(iface, mac) puts frames on IFACE for the peer with MAC through one
AF_PACKET socket, so that a broken IP header reaches the peer as it was
built; Sender() sends through raw IP sockets (one per family) and lets the
kernel route, which needs no MAC but fills in IPv4's length and checksum.
Either way a run keeps one socket per family open: every scapy socket that
opens turns packet timestamps on, a static branch flipped in the receive
path (see lib.sh's pin_static_keys).
"""
import random

from scapy.config import conf
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6, L3RawSocket6
from scapy.layers.l2 import Ether
from scapy.supersocket import L3RawSocket

conf.verb = 0


def sport():
    """A random source port, away from the ones the tests listen on."""
    return random.randint(20000, 60000)


def l3(dst, src=None, **kw):
    """An IPv4 or IPv6 header for DST, as its address says."""
    if ":" in dst:
        return IPv6(dst=dst, src=src, **kw) if src else IPv6(dst=dst, **kw)
    return IP(dst=dst, src=src, **kw) if src else IP(dst=dst, **kw)


def seg(port, sp=None, **kw):
    """A TCP header to PORT: a SYN from a random port and sequence unless
    told otherwise."""
    kw.setdefault("sport", sp or sport())
    kw.setdefault("seq", random.getrandbits(32))
    kw.setdefault("flags", "S")
    return TCP(dport=port, **kw)


def seq_end(p):
    """The sequence number after segment P."""
    t = p[TCP]
    n = len(t.payload) + (1 if t.flags & 0x02 else 0) + \
        (1 if t.flags & 0x01 else 0)
    return (t.seq + n) & 0xffffffff


class Sender:
    def __init__(self, iface=None, mac=None):
        self.iface, self.mac = iface, mac
        self.socks = {}
        self.sent = 0

    def _sock(self, pkt):
        key = "l2" if self.iface else IPv6 in pkt
        if key not in self.socks:
            if self.iface:
                self.socks[key] = conf.L2socket(iface=self.iface)
            else:
                self.socks[key] = L3RawSocket6() if key else L3RawSocket()
        return self.socks[key]

    def _frame(self, pkt, etype=None):
        if not self.iface:
            return pkt
        eth = Ether(dst=self.mac) if etype is None else \
            Ether(dst=self.mac, type=etype)
        return eth / pkt

    def send(self, pkts, etype=None):
        """Send a packet or a list of them; ETYPE for an L3 header scapy
        cannot name (raw bytes)."""
        for p in pkts if isinstance(pkts, list) else [pkts]:
            self._sock(p).send(self._frame(p, etype))
            self.sent += 1

    def sr1(self, pkt, timeout):
        """Send PKT, return the first answer (None after TIMEOUT s)."""
        self.sent += 1
        return self._sock(pkt).sr1(self._frame(pkt), timeout=timeout)
