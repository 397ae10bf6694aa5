#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP peers for the SYN-cookie selftests.

Every exchange is the same: the client sends bytes and shuts down its side,
the server answers with the SHA-256 of what arrived, the client compares it
with the digest of what it sent. So a connection only counts as working when
data went through it end to end.

  server ADDR PORT [--backlog N]
      Serve until SIGTERM, then print "served=N".
  send ADDR PORT [--bytes N] [--mss M] [--hold S] [--timeout S]
      One connection; --hold keeps it idle S seconds before sending, so
      its state can be read with ss. Exit 0 when the digests match.
  burst ADDR PORT [--count N] [--interval S] [--timeout S]
      Open loop: connection i starts at i * interval, sends one byte and
      must have the right digest back within the timeout. Prints
      "ok=K total=N p50_ms=X p99_ms=Y" (connect times of the successes).
"""
import argparse
import hashlib
import os
import selectors
import signal
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(args):
    lsk = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    lsk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsk.bind((args.addr, args.port))
    lsk.listen(args.backlog)
    lsk.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsk, selectors.EVENT_READ)
    served = 0
    running = True

    def stop(_sig, _frm):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while running:
        for key, _ in sel.select(0.2):
            if key.fileobj is lsk:
                while True:
                    try:
                        csk, _ = lsk.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    csk.setblocking(False)
                    sel.register(csk, selectors.EVENT_READ, hashlib.sha256())
                continue
            csk, digest = key.fileobj, key.data
            try:
                data = csk.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = None
            if data:
                digest.update(data)
                continue
            sel.unregister(csk)
            if data is not None:
                try:
                    csk.setblocking(True)
                    csk.settimeout(2)
                    csk.sendall(digest.hexdigest().encode() + b"\n")
                    served += 1
                except OSError:
                    pass
            csk.close()
    print(f"served={served}", flush=True)
    return 0


def send(args):
    payload = os.urandom(args.bytes)
    sk = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    if args.mss:
        sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, args.mss)
    sk.settimeout(args.timeout)
    try:
        sk.connect((args.addr, args.port))
        time.sleep(args.hold)
        sk.sendall(payload)
        sk.shutdown(socket.SHUT_WR)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sk.recv(128)
            if not chunk:
                break
            reply += chunk
    except OSError as e:
        print(f"send: {e}", file=sys.stderr)
        return 1
    finally:
        sk.close()
    want = hashlib.sha256(payload).hexdigest()
    got = reply.decode(errors="replace").strip()
    print(f"sent={args.bytes} sha256={want} server_sha256={got}")
    return 0 if got == want else 1


class Conn:
    def __init__(self, sk, start):
        self.sk = sk
        self.start = start
        self.connect_ms = None
        self.reply = b""


def burst(args):
    fam = family_of(args.addr)
    want = hashlib.sha256(b"x").hexdigest().encode() + b"\n"
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    started = 0
    live = {}
    ok_ms = []

    def finish(conn, success):
        sel.unregister(conn.sk)
        conn.sk.close()
        del live[conn.sk]
        if success:
            ok_ms.append(conn.connect_ms)

    while started < args.count or live:
        now = time.monotonic()
        while started < args.count and t0 + started * args.interval <= now:
            sk = socket.socket(fam, socket.SOCK_STREAM)
            sk.setblocking(False)
            sk.connect_ex((args.addr, args.port))
            conn = Conn(sk, time.monotonic())
            live[sk] = conn
            sel.register(sk, selectors.EVENT_WRITE, conn)
            started += 1
        for conn in list(live.values()):
            if now - conn.start > args.timeout:
                finish(conn, False)
        wake = [c.start + args.timeout for c in live.values()]
        if started < args.count:
            wake.append(t0 + started * args.interval)
        delay = max(0.0, min(wake) - time.monotonic()) if wake else 0
        for key, _ in sel.select(delay):
            conn = key.data
            if conn.connect_ms is None:
                if conn.sk.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    finish(conn, False)
                    continue
                conn.connect_ms = (time.monotonic() - conn.start) * 1000
                try:
                    conn.sk.send(b"x")
                    conn.sk.shutdown(socket.SHUT_WR)
                except OSError:
                    finish(conn, False)
                    continue
                sel.modify(conn.sk, selectors.EVENT_READ, conn)
                continue
            try:
                chunk = conn.sk.recv(128)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            conn.reply += chunk
            if not chunk or conn.reply.endswith(b"\n"):
                finish(conn, conn.reply == want)
    ok_ms.sort()

    def pct(p):
        if not ok_ms:
            return -1
        return ok_ms[min(len(ok_ms) - 1, int(len(ok_ms) * p / 100))]

    print(f"ok={len(ok_ms)} total={args.count} "
          f"p50_ms={pct(50):.1f} p99_ms={pct(99):.1f}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    srv = sub.add_parser("server")
    snd = sub.add_parser("send")
    bst = sub.add_parser("burst")
    for p in (srv, snd, bst):
        p.add_argument("addr")
        p.add_argument("port", type=int)
    srv.add_argument("--backlog", type=int, default=128)
    snd.add_argument("--bytes", type=int, default=1 << 20)
    snd.add_argument("--mss", type=int, default=0)
    snd.add_argument("--hold", type=float, default=0)
    snd.add_argument("--timeout", type=float, default=10)
    bst.add_argument("--count", type=int, default=200)
    bst.add_argument("--interval", type=float, default=0.01)
    bst.add_argument("--timeout", type=float, default=1)
    args = ap.parse_args()
    return {"server": serve, "send": send, "burst": burst}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
