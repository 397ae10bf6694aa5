#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crafted and malformed segments (scapy, through labpkt) for malformed.sh
and syncookie_flood.sh. The first two are sent on the wire (AF_PACKET), so
that broken IP headers reach the peer as built; the others through raw IP
sockets.

  all IFACE DST_MAC SRC DST PORT[,PORT...] [--tw SPORT:DPORT]
      Every variant, to every PORT (and, for the TCP-level ones, on the
      4-tuple of a TIME_WAIT socket: our SPORT, its DPORT): TCP doff below
      5 and past the end, option lengths 0, 1 and overrunning for many
      kinds, MSS, window scale and timestamp options of wrong length,
      window scale above 14, cut-short TCP and IP headers, IP options, IPv4
      fragments (first only, later only, overlapping, whole), bad checksums,
      SYN+FIN, SYN+RST, unsolicited SYN+ACK and other flag mixes; for IPv6
      hop-by-hop, routing and destination options headers, AH, fragments
      and v4-mapped addresses. Prints one line per kind and "sent N".
  exthdr IFACE DST_MAC SRC DST PORT
      Four IPv6 SYNs whose extension headers the stack acts on after
      netfilter's LOCAL_IN: a type 0 routing header with a segment left, a
      segment routing header with a segment left, a destination option
      whose type says discard, and AH with no SA. Prints "sent 4".
  counted DST PORT
      One of each, each counted where README.md says: SYN with doff 4, SYN
      whose option runs past the header, SYN with a bad checksum, SYN+FIN,
      SYN+RST, ACK with doff 4, ACK with a bad checksum, a TCP header cut
      short; then a SYN in fragments (tiny 8-byte ones for IPv4; for IPv6
      one whose first fragment holds the whole header, and one whose first
      fragment does not).
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
import socket
import struct
import sys

from labpkt import IP, TCP, IPv6, Sender, l3, seg, sport
from scapy.layers.inet import fragment
from scapy.layers.inet6 import (IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                IPv6ExtHdrSegmentRouting, HBHOptUnknown,
                                PadN, fragment6)
from scapy.layers.ipsec import AH
from scapy.packet import Raw


def ip4_raw(src, dst, opts, payload):
    """An IPv4 header with option bytes as given, checksum right."""
    opts += b"\x00" * (-len(opts) % 4)
    ihl = 5 + len(opts) // 4
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0,
                                ihl * 4 + len(payload), random.getrandbits(16),
                                0, 64, 6, 0, socket.inet_aton(src),
                                socket.inet_aton(dst)) + opts)
    csum = sum(struct.unpack(f"!{len(hdr) // 2}H", bytes(hdr)))
    while csum >> 16:
        csum = (csum & 0xffff) + (csum >> 16)
    struct.pack_into("!H", hdr, 10, ~csum & 0xffff)
    return Raw(bytes(hdr) + payload)


def tcp_variants(port, sp=None):
    """(name, TCP header + payload as bytes or scapy) for one port."""
    def t(**kw):
        return seg(port, sp, **kw)

    out = []
    for flags in ("S", "A"):
        for doff in range(0, 5):
            out.append((f"{flags}_doff_{doff}", t(flags=flags, dataofs=doff)))
        for doff in (6, 8, 11, 15):
            out.append((f"{flags}_doff_{doff}_past_end",
                        t(flags=flags, dataofs=doff)))
    # option kind with length 0, 1, and one running past the header
    for kind in (2, 3, 4, 5, 8, 19, 29, 30, 34, 254, 99):
        for ln in (0, 1, 40):
            raw = bytes([kind, ln]) + b"\x00\x00"
            out.append((f"opt_{kind}_len_{ln}", t(dataofs=6) / Raw(raw)))
    # a lone kind byte at the very end, no room for its length
    out.append(("opt_kind_at_end", t(dataofs=6) / Raw(b"\x01\x01\x01\x02")))
    for ln in (2, 3, 5, 6):		# MSS is 4
        raw = (bytes([2, ln]) + b"\x05\xb4\x00\x00")[:max(ln, 2)]
        raw += b"\x01" * (-len(raw) % 4)
        out.append((f"mss_len_{ln}", t(dataofs=5 + len(raw) // 4) / Raw(raw)))
    for mss in (0, 1, 65535):
        out.append((f"mss_{mss}", t(options=[("MSS", mss)])))
    for ln in (2, 4, 5):		# window scale is 3
        raw = (bytes([3, ln]) + b"\x07\x00\x00")[:ln]
        raw += b"\x01" * (-len(raw) % 4)
        out.append((f"wscale_len_{ln}", t(dataofs=5 + len(raw) // 4) / Raw(raw)))
    for ws in (14, 15, 31, 255):
        out.append((f"wscale_{ws}", t(options=[("WScale", ws), ("NOP", None)])))
    for ln in (2, 6, 9, 11, 12):	# timestamp is 10
        raw = (bytes([8, ln]) + bytes(range(1, 11)))[:ln]
        raw += b"\x01" * (-len(raw) % 4)
        out.append((f"ts_len_{ln}", t(dataofs=5 + len(raw) // 4) / Raw(raw)))
    out.append(("ts_zero_with_ack", t(flags="A", ack=1,
                                      options=[("Timestamp", (0, 0))])))
    out.append(("opts_all_eol", t(dataofs=15) / Raw(b"\x00" * 40)))
    out.append(("opts_all_nop", t(dataofs=15) / Raw(b"\x01" * 40)))
    out.append(("opts_sack_blocks", t(dataofs=15) /
                Raw(b"\x01\x01\x05\x22" + bytes(range(36)))))
    out.append(("syn_with_payload", t() / Raw(b"x" * 100)))
    for cut in (0, 1, 2, 4, 8, 12, 19):
        out.append((f"tcp_cut_to_{cut}", Raw(bytes(t())[:cut])))
    for flags in ("S", "A", "SA", "R", "F", "PA"):
        out.append((f"{flags}_bad_checksum", t(flags=flags, chksum=0xdead)))
    for flags in ("SF", "SR", "SFR", "SA", "SAF", "SAR", "FPU", "", "FSRPAUEC",
                  "SEC", "SU", "R", "RA", "F", "A"):
        out.append((f"flags_{flags or 'none'}",
                    t(flags=flags, ack=random.getrandbits(32))))
    return out


def send_tcp(w, hdr, variants):
    for name, tcp in variants:
        w.send(hdr() / tcp)
        print(name)


def v4_only(w, src, dst, port):
    def syn():
        return seg(port)
    # cut-short and inconsistent IP headers: the stack drops most itself
    for name, pkt in (
        ("ip_totlen_past_end", IP(src=src, dst=dst, len=1000) / syn()),
        ("ip_totlen_below_ihl", IP(src=src, dst=dst, len=12) / syn()),
        ("ip_totlen_cuts_tcp", IP(src=src, dst=dst, len=30) / syn()),
        ("ip_ihl_4", IP(src=src, dst=dst, ihl=4) / syn()),
        ("ip_ihl_15_short", IP(src=src, dst=dst, ihl=15) / syn()),
        ("ip_only_12_bytes", ip4_raw(src, dst, b"", b"")),
        ("ip_bad_checksum", IP(src=src, dst=dst, chksum=0xbeef) / syn()),
        ("ip_version_6_in_v4", IP(src=src, dst=dst, version=6) / syn()),
    ):
        w.send(pkt, etype=0x0800)
        print(name)
    d4 = socket.inet_aton(dst)
    opts = {
        "nop": b"\x01\x01\x01\x01",
        "rr": b"\x07\x07\x04" + b"\x00" * 4 + b"\x01",
        "ts": b"\x44\x08\x05\x00" + b"\x00" * 4,
        "lsrr": b"\x83\x07\x04" + d4 + b"\x01",
        "ssrr": b"\x89\x07\x04" + d4 + b"\x01",
        "router_alert": b"\x94\x04\x00\x00",
        "unknown": b"\x99\x04\x00\x00",
        "len_0": b"\x07\x00\x00\x00",
        "len_1": b"\x07\x01\x00\x00",
        "len_past_end": b"\x07\x28\x04\x00",
    }
    for name, o in opts.items():
        # the TCP checksum covers the pseudo-header, not the IP options
        tcp = bytes(IP(src=src, dst=dst) / syn())[20:]
        w.send(ip4_raw(src, dst, o, tcp), etype=0x0800)
        print(f"ip_options_{name}")
    payload = syn() / Raw(b"A" * 64)
    frags = fragment(IP(src=src, dst=dst) / payload, fragsize=16)
    w.send(frags[0])
    print("ip_first_fragment_only")
    w.send(frags[1:])
    print("ip_later_fragments_only")
    w.send(fragment(IP(src=src, dst=dst) / syn() / Raw(b"B" * 64), fragsize=8))
    print("ip_syn_in_tiny_fragments")
    # two first fragments that disagree: overlapping data
    s1 = syn()
    a = IP(src=src, dst=dst, id=4242, flags="MF", frag=0, proto=6) / \
        Raw(bytes(s1)[:16])
    b = IP(src=src, dst=dst, id=4242, flags="MF", frag=1, proto=6) / \
        Raw(b"\xff" * 16)
    c = IP(src=src, dst=dst, id=4242, flags=0, frag=2, proto=6) / \
        Raw(bytes(s1)[16:] + b"\x00" * 12)
    w.send([a, b, c])
    print("ip_overlapping_fragments")


def v6_only(w, src, dst, port):
    def syn():
        return seg(port)
    for name, pkt in (
        ("v6_hbh_padn", IPv6(src=src, dst=dst) / IPv6ExtHdrHopByHop(
            options=[PadN(optdata=b"\x00" * 4)]) / syn()),
        ("v6_hbh_unknown_skip", IPv6(src=src, dst=dst) / IPv6ExtHdrHopByHop(
            options=[HBHOptUnknown(otype=0x1e, optdata=b"\x00" * 4)]) / syn()),
        ("v6_hbh_unknown_discard", IPv6(src=src, dst=dst) / IPv6ExtHdrHopByHop(
            options=[HBHOptUnknown(otype=0x5e, optdata=b"\x00" * 4)]) / syn()),
        ("v6_rh0_no_segments_left", IPv6(src=src, dst=dst) /
         IPv6ExtHdrRouting(type=0, segleft=0, addresses=[src]) / syn()),
        ("v6_dstopt_padn", IPv6(src=src, dst=dst) / IPv6ExtHdrDestOpt(
            options=[PadN(optdata=b"\x00" * 4)]) / syn()),
        ("v6_chain_hbh_dst_rh", IPv6(src=src, dst=dst) / IPv6ExtHdrHopByHop() /
         IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(type=0, segleft=0) / syn()),
        ("v6_exthdr_len_past_end", IPv6(src=src, dst=dst, nh=60) /
         Raw(b"\x06\x20" + b"\x00" * 6)),
        ("v6_no_next_header", IPv6(src=src, dst=dst, nh=59) / Raw(bytes(syn()))),
        ("v6_payload_len_past_end", IPv6(src=src, dst=dst, plen=400) / syn()),
        ("v6_payload_len_cuts_tcp", IPv6(src=src, dst=dst, plen=10) / syn()),
        ("v6_src_v4_mapped", IPv6(src="::ffff:10.0.1.1", dst=dst) / syn()),
        ("v6_dst_v4_mapped", IPv6(src=src, dst="::ffff:10.0.1.2") / syn()),
        ("v6_atomic_fragment", IPv6(src=src, dst=dst) /
         IPv6ExtHdrFragment(m=0, offset=0, id=7) / syn()),
    ):
        w.send(pkt)
        print(name)
    whole = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=99) / \
        syn() / Raw(b"A" * 64)
    frags = fragment6(whole, 64)
    w.send(frags[0])
    print("v6_first_fragment_only")
    w.send(frags[1:])
    print("v6_later_fragments_only")
    w.send(fragment6(IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=100) /
                     syn() / Raw(b"C" * 64), 56))
    print("v6_syn_in_fragments")


def late_exthdrs(w, src, dst, port):
    def syn():
        return seg(port, options=[("MSS", 1400)])
    for name, pkt in (
        ("v6_rh0_segment_left", IPv6(src=src, dst=dst) /
         IPv6ExtHdrRouting(type=0, segleft=1, addresses=[src]) / syn()),
        ("v6_srh_segment_left", IPv6(src=src, dst=dst) /
         IPv6ExtHdrSegmentRouting(addresses=[dst, src], segleft=1) / syn()),
        ("v6_dstopt_discard", IPv6(src=src, dst=dst) / IPv6ExtHdrDestOpt(
            options=[HBHOptUnknown(otype=0x5e, optdata=b"\x00" * 4)]) / syn()),
        ("v6_ah_without_sa", IPv6(src=src, dst=dst) /
         AH(spi=0x1234, seq=1, payloadlen=4, icv=b"\x00" * 12, nh=6) / syn()),
    ):
        w.send(pkt)
        print(name)


def counted(args):
    w, d, p = Sender(), args.dst, args.port
    pkts = [
        ("syn_doff_4", l3(d) / seg(p, dataofs=4)),
        # doff 6 holds 4 option bytes; the MSS option claims 8
        ("syn_option_overrun", l3(d) / seg(p, dataofs=6) /
         Raw(b"\x02\x08\x05\xb4")),
        ("syn_bad_checksum", l3(d) / seg(p, chksum=0xdead)),
        ("syn_fin", l3(d) / seg(p, flags="SF")),
        ("syn_rst", l3(d) / seg(p, flags="SR")),
        ("ack_doff_4", l3(d) / seg(p, flags="A", dataofs=4,
                                   ack=random.getrandbits(32))),
        ("ack_bad_checksum", l3(d) / seg(p, flags="A", chksum=0xdead,
                                         ack=random.getrandbits(32))),
        ("tcp_header_cut_short", (l3(d, nh=6) if ":" in d else
                                  l3(d, proto=6)) / Raw(bytes(seg(p))[:10])),
    ]
    for name, pkt in pkts:
        w.send(pkt)
        print(name)

    if ":" in d:
        for name, size in (("first_holds_header", 80), ("first_cut_short", 56)):
            frags = fragment6(IPv6(dst=d) / IPv6ExtHdrFragment() / seg(p) /
                              Raw(b"A" * 64), size)
            w.send(frags)
            print(f"syn_in_{len(frags)}_fragments_{name}")
    else:
        frags = fragment(IP(dst=d) / seg(p) / Raw(b"A" * 64), fragsize=8)
        w.send(frags)
        print(f"syn_in_{len(frags)}_fragments")
    return 0


def forged(args):
    w = Sender()
    for _ in range(args.count):
        w.send(l3(args.dst) / seg(args.port, flags="A",
                                  ack=random.getrandbits(32)))
    print(f"forged={args.count}")
    return 0


def handshake(args):
    w = Sender()
    sp, isn, tsval = sport(), random.getrandbits(32), 123456
    syn = l3(args.dst) / seg(args.port, sp, seq=isn,
                             options=[("MSS", 1300), ("SAckOK", b""),
                                      ("Timestamp", (tsval, 0)),
                                      ("NOP", None), ("WScale", 3)])
    ans = w.sr1(syn, 5)
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
        w.send(l3(args.dst) / seg(args.port, sp, flags="A", seq=isn + 1,
                                  ack=ack, options=tsopt))
    return 0 if ok else 1


def on_wire(a):
    """all and exthdr: every variant on the wire."""
    w = Sender(a.iface, a.mac)
    v6 = ":" in a.dst
    ports = [int(p) for p in a.ports.split(",")]
    if a.cmd == "exthdr":
        late_exthdrs(w, a.src, a.dst, ports[0])
        print(f"sent {w.sent}")
        return 0

    def hdr():
        return l3(a.dst, a.src, nh=6) if v6 else l3(a.dst, a.src, proto=6)
    for port in ports:
        send_tcp(w, hdr, tcp_variants(port))
        (v6_only if v6 else v4_only)(w, a.src, a.dst, port)
    if a.tw:
        sp, dp = (int(x) for x in a.tw.split(":"))
        send_tcp(w, hdr, tcp_variants(dp, sp))
    print(f"sent {w.sent}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("all", "exthdr"):
        p = sub.add_parser(name)
        p.add_argument("iface")
        p.add_argument("mac")
        p.add_argument("src")
        p.add_argument("dst")
        p.add_argument("ports")
        p.add_argument("--tw", help="SPORT:DPORT of a TIME_WAIT socket")
    for name in ("counted", "forged", "handshake"):
        p = sub.add_parser(name)
        p.add_argument("dst")
        p.add_argument("port", type=int)
    sub.choices["forged"].add_argument("--count", type=int, default=100)
    a = ap.parse_args()
    return {"all": on_wire, "exthdr": on_wire, "counted": counted,
            "forged": forged, "handshake": handshake}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
