#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP endpoints for the TIME_WAIT selftests, experiments and benchmark.

  server  ADDR PORT [--close-first | --shutdown-first] [--once]
      accept connections; close each one first (the server then holds
      TIME_WAIT), or only shut down its sending side first (the socket
      stays the server's in FIN_WAIT2 until the client's FIN), or wait for
      the client's FIN (the client holds TIME_WAIT)
  connect ADDR PORT [--src ADDR[,ADDR...]] [--sport PORT] [--timeout S]
          [--wait-eof]
      one connection (one from each --src, in turn); exit 0 if all were
      established, 1 if not
  churn   ADDR PORT SECONDS [--samples FILE]
      connect and close at once, again and again, for SECONDS; print
      "ok=N failed=N other=N" (failed: EADDRNOTAVAIL, no local port left)
      and sample this namespace's tw_count and the connections so far
      into FILE every 100 ms as "t_ms,tw_count,conns_ok"
  syn     ADDR PORT [--tsval N | --tsval-ahead MS | --no-ts] [--timeout S]
      send one SYN (scapy) with a forged TSval (or the CLOCK_MONOTONIC
      milliseconds Linux uses with tcp_timestamps=2, plus MS), or none;
      exit 0 if a SYN-ACK came back, 1 if not
  spoof-fin ADDR PORT [--tsval-ahead MS] [--hold S]
      connect, wait for the server's FIN, then send a FIN from our own
      address and port (scapy, so our stack never sees it) with a random
      sequence number, as an off-path spoofer would, and a TSval MS ahead
      of our clock (tcp_timestamps=2); print "spoofed", wait S seconds,
      then close for real
  loopback PORT [--hold]
      one connection over 127.0.0.1:PORT (0: any free port) that this side
      closes first; the peer closes too (this side holds TIME_WAIT), or
      with --hold it never does: print "fw2" and wait, this side's socket
      in FIN_WAIT2 until killed
  craft   IFACE SRC DST DPORT DST_MAC --mode tw|fw2
      make DST hold a timewait socket for one connection from SRC (tw:
      TIME_WAIT, fw2: FIN_WAIT2), print "ready", then send crafted segments
      at it as told on stdin, one per line:
          KIND [OFFSET [badsum]]
      KIND is syn, rst, fin, ack or data; OFFSET moves the sequence number
      away from what the timewait socket expects next. Prints "sent".
"""
import argparse
import errno
import os
import socket
import sys
import time


def server(args):
    ls = socket.socket(socket.AF_INET6 if ':' in args.addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, args.port))
    ls.listen(128)
    while True:
        c, _ = ls.accept()
        if args.once:
            ls.close()
        if not args.close_first:
            # shutdown_first: our FIN goes before we read the peer's.
            if args.shutdown_first:
                c.shutdown(socket.SHUT_WR)
            try:
                while c.recv(4096):
                    pass
            except OSError:
                pass
        c.close()
        if args.once:
            # Keep running, so the caller's cleanup finds us as it expects.
            while True:
                time.sleep(3600)


def connect_one(args, src):
    fam = socket.AF_INET6 if ':' in args.addr else socket.AF_INET
    s = socket.socket(fam)
    s.settimeout(args.timeout)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        if src or args.sport:
            s.bind((src or '', args.sport))
        s.connect((args.addr, args.port))
        if args.wait_eof:
            while s.recv(4096):
                pass
    except OSError as e:
        print(f"connect from {src or 'any'}: {e}", file=sys.stderr)
        return 1
    finally:
        s.close()
    return 0


def connect(args):
    """One connection, or one from each of a comma-separated --src list."""
    srcs = args.src.split(',') if args.src else [None]
    return 1 if sum(connect_one(args, src) for src in srcs) else 0


def tw_count():
    """This namespace's timewait sockets (tcp_lab's gauge), -1 if unknown."""
    try:
        with open('/proc/net/tcp_lab') as f:
            for line in f:
                name, val = line.split()
                if name == 'tw_count':
                    return int(val)
    except OSError:
        pass
    return -1


def churn(args):
    ok = failed = other = 0
    start = time.monotonic()
    end = start + args.seconds
    next_sample = start
    samples = open(args.samples, 'w') if args.samples else None
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if samples and now >= next_sample:
            samples.write(f"{int((now - start) * 1000)},{tw_count()},{ok}\n")
            next_sample += 0.1
        s = socket.socket()
        # A SYN dropped (tw_recycle) would otherwise block for minutes of
        # SYN retransmissions; such a connection counts as "other".
        s.settimeout(2.0)
        try:
            s.connect((args.addr, args.port))
            ok += 1
        except OSError as e:
            if e.errno == errno.EADDRNOTAVAIL:
                failed += 1
                # No port left: wait a little rather than spin.
                time.sleep(0.01)
            else:
                other += 1
        finally:
            s.close()
    if samples:
        samples.close()
    print(f"ok={ok} failed={failed} other={other}")
    return 0


def loopback(args):
    ls = socket.socket()
    ls.bind(('127.0.0.1', args.port))
    ls.listen(8)
    c = socket.create_connection(ls.getsockname())
    s, _ = ls.accept()
    c.close()
    if not args.hold:
        s.close()
        return 0
    print("fw2", flush=True)
    time.sleep(3600)
    return 0


def craft(args):
    # scapy only here: importing it takes long under TCG.
    from labpkt import IP, TCP, Sender, seq_end
    from scapy.sendrecv import AsyncSniffer

    lfilter = (lambda p: IP in p and TCP in p and
               args.dport in (p[TCP].sport, p[TCP].dport))
    sniffer = AsyncSniffer(iface=args.iface, lfilter=lfilter, store=True)
    sniffer.start()
    time.sleep(0.5)

    s = socket.socket()
    s.settimeout(10)
    s.bind((args.src, 0))
    s.connect((args.dst, args.dport))
    sport = s.getsockname()[1]
    # The server closes first: wait for its FIN.
    while s.recv(4096):
        pass
    if args.mode == 'tw':
        s.close()		# our FIN takes the server to TIME_WAIT
    time.sleep(0.5)
    pkts = sniffer.stop()

    mine = [p for p in pkts if p[IP].src == args.src and p[TCP].sport == sport]
    theirs = [p for p in pkts if p[IP].src == args.dst and p[TCP].dport == sport]
    if not mine or not theirs:
        print("error: handshake not captured", flush=True)
        return 1
    rcv_nxt = seq_end(mine[-1])	# what the timewait socket expects
    snd_nxt = seq_end(theirs[-1])
    print(f"ready sport={sport} rcv_nxt={rcv_nxt} snd_nxt={snd_nxt}", flush=True)

    wire = Sender(args.iface, args.dst_mac)
    flags = {'syn': 'S', 'rst': 'R', 'fin': 'FA', 'ack': 'A', 'data': 'PA'}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        kind = words[0]
        off = int(words[1]) if len(words) > 1 else 0
        seq = (rcv_nxt + off) & 0xffffffff
        tcp = TCP(sport=sport, dport=args.dport, flags=flags[kind], seq=seq,
                  ack=snd_nxt if kind != 'syn' else 0, window=1024)
        if len(words) > 2 and words[2] == 'badsum':
            tcp.chksum = 0xbad
        pkt = IP(src=args.src, dst=args.dst) / tcp
        if kind == 'data':
            pkt = pkt / b'x'
        wire.send(pkt)
        print("sent", flush=True)
    s.close()
    return 0


def spoof_fin(args):
    from labpkt import IP, TCP, Sender

    s = socket.socket()
    s.settimeout(5)
    s.connect((args.addr, args.port))
    src, sport = s.getsockname()
    while s.recv(4096):		# the server's FIN
        pass
    tsval = (int(time.monotonic() * 1000) + args.tsval_ahead) & 0xffffffff
    # An off-path spoofer knows addresses and ports, not the sequence.
    seq = int.from_bytes(os.urandom(4), 'big')
    Sender().send(IP(src=src, dst=args.addr) /
                  TCP(sport=sport, dport=args.port, flags='FA', seq=seq,
                      ack=int.from_bytes(os.urandom(4), 'big'), window=1024,
                      options=[('NOP', None), ('NOP', None),
                               ('Timestamp', (tsval, 0))]))
    time.sleep(0.3)
    print("spoofed", flush=True)
    time.sleep(args.hold)
    s.close()
    return 0


def syn(args):
    from labpkt import IP, TCP, Sender, sport

    opts = []
    if not args.no_ts:
        tsval = args.tsval
        if tsval is None:
            tsval = int(time.monotonic() * 1000) + args.tsval_ahead
        opts = [('Timestamp', (tsval & 0xffffffff, 0))]
    pkt = IP(dst=args.addr) / TCP(sport=sport(), dport=args.port,
                                  flags='S', seq=1000, options=opts)
    ans = Sender().sr1(pkt, args.timeout)
    got = ans is not None and TCP in ans and (ans[TCP].flags & 0x12) == 0x12
    print("syn-ack" if got else "no answer")
    return 0 if got else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('server')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('--close-first', action='store_true')
    p.add_argument('--shutdown-first', action='store_true')
    p.add_argument('--once', action='store_true')
    p = sub.add_parser('connect')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('--src')
    p.add_argument('--sport', type=int, default=0)
    p.add_argument('--timeout', type=float, default=3)
    p.add_argument('--wait-eof', action='store_true')
    p = sub.add_parser('churn')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('seconds', type=float)
    p.add_argument('--samples')
    p = sub.add_parser('syn')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('--tsval', type=int)
    p.add_argument('--tsval-ahead', type=int, default=0)
    p.add_argument('--no-ts', action='store_true')
    p.add_argument('--timeout', type=float, default=1.5)
    p = sub.add_parser('spoof-fin')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('--tsval-ahead', type=int, default=10**9)
    p.add_argument('--hold', type=float, default=1.0)
    p = sub.add_parser('loopback')
    p.add_argument('port', type=int)
    p.add_argument('--hold', action='store_true')
    p = sub.add_parser('craft')
    p.add_argument('iface')
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument('dport', type=int)
    p.add_argument('dst_mac')
    p.add_argument('--mode', choices=('tw', 'fw2'), default='tw')
    args = ap.parse_args()
    return {'server': server, 'connect': connect, 'churn': churn,
            'syn': syn, 'spoof-fin': spoof_fin, 'loopback': loopback,
            'craft': craft}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
