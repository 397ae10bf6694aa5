#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Bulk TCP flows for the congestion-control benchmark, measured from the
# sender's TCP_INFO, so every algorithm is measured the same way.
#
#   ccflow.py sink PORT
#       discard everything sent to PORT (run in the receiver's namespace)
#   ccflow.py send DST PORT ALGO SECONDS [START_DELAY [WINDOW_FROM]]
#       one flow; prints a JSON line: goodput, retransmissions, slow-start
#       retransmissions, RTT p95 and a (t, cwnd, ssthresh) series;
#       window_mbit is the goodput from WINDOW_FROM seconds into the flow
#       (default: half way) to its end, to compare overlapping flows
#
# Slow-start retransmissions: the retransmissions counted by the time the
# first recovery after slow start is over (ca_state back to Open), i.e. what
# overshooting the path cost. Zero when slow start ended without a loss.
import json
import socket
import struct
import sys
import threading
import time

TCP_INFO, TCP_CONGESTION = 11, 13
INFO = struct.Struct('<8B24I4Q')
INFINITE_SSTHRESH = 0x7fffffff


def tcp_info(s):
    v = INFO.unpack(s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, INFO.size))
    u32 = v[8:32]
    return {'ca_state': v[1], 'rtt_us': u32[15], 'ssthresh': u32[17],
            'cwnd': u32[18], 'total_retrans': u32[23],
            'bytes_acked': v[34]}


def sink(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('0.0.0.0', port))
    srv.listen(16)

    def drain(c):
        buf = bytearray(1 << 18)
        while c.recv_into(buf):
            pass
        c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def send(dst, port, algo, seconds, delay=0.0, window_from=None):
    time.sleep(delay)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, algo.encode())
    s.connect((dst, port))
    stop = time.monotonic() + seconds
    done = threading.Event()

    def pump():
        chunk = b'\0' * (1 << 16)
        try:
            while not done.is_set():
                s.sendall(chunk)
        except OSError:
            pass

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    t0 = time.monotonic()
    series, rtts = [], []
    ss_exit = ss_retrans = None
    first = tcp_info(s)
    mid_bytes = None
    while True:
        now = time.monotonic()
        if now >= stop:
            break
        i = tcp_info(s)
        el = now - t0
        series.append((round(el, 3), i['cwnd'], i['ssthresh']
                       if i['ssthresh'] < INFINITE_SSTHRESH else 0))
        if el >= 1.0:
            rtts.append(i['rtt_us'])
        if ss_exit is None and i['ssthresh'] < INFINITE_SSTHRESH:
            ss_exit = el
        if ss_exit is not None and ss_retrans is None and i['ca_state'] == 0:
            ss_retrans = i['total_retrans']
        if mid_bytes is None and el >= (seconds / 2 if window_from is None
                                        else window_from):
            mid_bytes = (el, i['bytes_acked'])
        time.sleep(0.05)
    last = tcp_info(s)
    el = time.monotonic() - t0
    done.set()
    s.close()
    rtts.sort()
    out = {
        'algo': algo,
        'goodput_mbit': (last['bytes_acked'] - first['bytes_acked']) * 8 / el / 1e6,
        'window_mbit': ((last['bytes_acked'] - mid_bytes[1]) * 8 /
                          (el - mid_bytes[0]) / 1e6) if mid_bytes else 0.0,
        'retrans_segs': last['total_retrans'],
        'ss_retrans_segs': ss_retrans if ss_retrans is not None else
                           last['total_retrans'],
        'ss_exit_s': ss_exit,
        'rtt_p95_ms': rtts[int(len(rtts) * 0.95)] / 1000 if rtts else 0.0,
        'series': series,
    }
    print(json.dumps(out))


if __name__ == '__main__':
    if sys.argv[1] == 'sink':
        sink(int(sys.argv[2]))
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]),
             float(sys.argv[6]) if len(sys.argv) > 6 else 0.0,
             float(sys.argv[7]) if len(sys.argv) > 7 else None)
