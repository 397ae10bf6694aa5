#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crafted segments for the SYN-cookie selftests (scapy).

  malformed DST PORT
      One of each: SYN with doff 4, SYN whose option runs past the header,
      SYN with a bad checksum, SYN+FIN, SYN+RST, ACK with doff 4, ACK with
      a bad checksum, a TCP header cut short; then a SYN in fragments (tiny
      8-byte ones for IPv4; for IPv6 one whose first fragment holds the
      whole header, and one whose first fragment does not).
  forged DST PORT [--count N]
      N ACKs with random ports, sequence and acknowledgment numbers.
  handshake DST PORT
      A SYN offering MSS 1300, SACK, timestamps and window scale 3; checks
      the cookie SYN-ACK echoes them; then an ACK whose cookie carries
      another minute's counter (the top 8 bits), then the right one.
      (Off by one would not do: the low bits hold the MSS index, and the
      kernel takes cookie + 1 as the next MSS in its table.) Prints
      "synack ..." and exits 0 when the SYN-ACK was right.
"""
import argparse
import random
import sys

from scapy.config import conf
from scapy.layers.inet import IP, TCP, fragment
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrFragment, L3RawSocket6,
                                fragment6)
from scapy.packet import Raw
from scapy.supersocket import L3RawSocket

conf.verb = 0

# One raw socket for the whole run: every scapy socket opened turns packet
# timestamps on (a static branch flipped in the receive path), and the
# kernel routes what it sends, so no ARP or promiscuous mode either.
_socks = {}


def sock(dst):
    v6 = ":" in dst
    if v6 not in _socks:
        _socks[v6] = L3RawSocket6() if v6 else L3RawSocket()
    return _socks[v6]


def send(pkts, dst):
    s = sock(dst)
    for p in (pkts if isinstance(pkts, list) else [pkts]):
        s.send(p)


def l3(dst):
    return IPv6(dst=dst) if ":" in dst else IP(dst=dst)


def sport():
    return random.randint(20000, 60000)


def malformed(args):
    d, p = args.dst, args.port
    pkts = [
        ("syn_doff_4", l3(d) / TCP(sport=sport(), dport=p, flags="S",
                                    dataofs=4)),
        # doff 6 holds 4 option bytes; the MSS option claims 8
        ("syn_option_overrun", l3(d) / TCP(sport=sport(), dport=p, flags="S",
                                            dataofs=6) /
         Raw(b"\x02\x08\x05\xb4")),
        ("syn_bad_checksum", l3(d) / TCP(sport=sport(), dport=p, flags="S",
                                          chksum=0xdead)),
        ("syn_fin", l3(d) / TCP(sport=sport(), dport=p, flags="SF")),
        ("syn_rst", l3(d) / TCP(sport=sport(), dport=p, flags="SR")),
        ("ack_doff_4", l3(d) / TCP(sport=sport(), dport=p, flags="A",
                                    dataofs=4, ack=random.getrandbits(32))),
        ("ack_bad_checksum", l3(d) / TCP(sport=sport(), dport=p, flags="A",
                                          ack=random.getrandbits(32),
                                          chksum=0xdead)),
    ]
    short = bytes(TCP(sport=sport(), dport=p, flags="S"))[:10]
    if ":" in d:
        pkts.append(("tcp_header_cut_short", IPv6(dst=d, nh=6) / Raw(short)))
    else:
        pkts.append(("tcp_header_cut_short", IP(dst=d, proto=6) / Raw(short)))
    for name, pkt in pkts:
        send(pkt, d)
        print(name)

    syn = TCP(sport=sport(), dport=p, flags="S") / Raw(b"A" * 64)
    if ":" in d:
        frags = fragment6(IPv6(dst=d) / IPv6ExtHdrFragment() / syn, 80)
        send(frags, d)
        print(f"syn_in_{len(frags)}_fragments_first_holds_header")
        syn = TCP(sport=sport(), dport=p, flags="S") / Raw(b"A" * 64)
        frags = fragment6(IPv6(dst=d) / IPv6ExtHdrFragment() / syn, 56)
        send(frags, d)
        print(f"syn_in_{len(frags)}_fragments_first_cut_short")
    else:
        frags = fragment(IP(dst=d) / syn, fragsize=8)
        send(frags, d)
        print(f"syn_in_{len(frags)}_fragments")
    return 0


def forged(args):
    for _ in range(args.count):
        send(l3(args.dst) / TCP(sport=sport(), dport=args.port, flags="A",
                                seq=random.getrandbits(32),
                                ack=random.getrandbits(32)), args.dst)
    print(f"forged={args.count}")
    return 0


def handshake(args):
    sp, isn, tsval = sport(), random.getrandbits(32), 123456
    syn = l3(args.dst) / TCP(sport=sp, dport=args.port, flags="S", seq=isn,
                             options=[("MSS", 1300), ("SAckOK", b""),
                                      ("Timestamp", (tsval, 0)),
                                      ("NOP", None), ("WScale", 3)])
    ans = sock(args.dst).sr1(syn, timeout=5)
    if ans is None or TCP not in ans or ans[TCP].flags != "SA":
        print("synack none")
        return 1
    t = ans[TCP]
    opts = dict((k, v) for k, v in t.options if k != "NOP")
    ok = (t.ack == (isn + 1) & 0xffffffff and "MSS" in opts and
          "SAckOK" in opts and "WScale" in opts and
          opts.get("Timestamp", (0, -1))[1] == tsval)
    print(f"synack seq={t.seq} mss={opts.get('MSS')} "
          f"wscale={opts.get('WScale')} sack={'SAckOK' in opts} "
          f"ts={opts.get('Timestamp')} window={t.window} ok={ok}")
    tsopt = [("NOP", None), ("NOP", None),
             ("Timestamp", (tsval + 1, opts.get("Timestamp", (0, 0))[0]))]
    cookie = t.seq
    for ack in ((cookie + 1 + (1 << 31)) & 0xffffffff,
                (cookie + 1) & 0xffffffff):
        send(l3(args.dst) / TCP(sport=sp, dport=args.port, flags="A",
                                seq=isn + 1, ack=ack, options=tsopt), args.dst)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("malformed", "forged", "handshake"):
        p = sub.add_parser(name)
        p.add_argument("dst")
        p.add_argument("port", type=int)
    sub.choices["forged"].add_argument("--count", type=int, default=100)
    args = ap.parse_args()
    return {"malformed": malformed, "forged": forged,
            "handshake": handshake}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
