#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# One transfer of a fixed size, for slow-start tests: how long it took and
# how slow start ended, from the sender's own socket.
#
#   ssflow.py sink PORT
#       read every connection to PORT to its end, then close it
#   ssflow.py send DST PORT ALGO BYTES [SYSCTL VALUE]
#       send BYTES with congestion control ALGO; when SYSCTL is given,
#       write VALUE into it once connected (a setting the connection must
#       not see: they are copied when it starts). Prints one JSON line:
#         fct_s          connect() to the last byte acknowledged
#         ss_ssthresh    the first ssthresh TCP_INFO showed below
#                        "infinity", the cwnd at the exit when a detector
#                        ended slow start (0: never left it)
#         ss_t           when that was seen, seconds from connect()
#         retrans        segments retransmitted in all
#         ss_retrans     retransmitted by the end of the first recovery
#                        after slow start (what overshooting cost)
#         cc_info        lab_* only: TCP_CC_INFO's words, the phase word
#                        split into phase, css_rounds, ss_exit, hystart
#
# TCP_INFO is sampled every 2 ms while the data is in flight.
import json
import socket
import struct
import sys
import threading
import time

TCP_INFO, TCP_CONGESTION, TCP_CC_INFO = 11, 13, 26
INFO = struct.Struct('<8B24I4Q')
INFINITE_SSTHRESH = 0x7fffffff


def tcp_info(s):
    v = INFO.unpack(s.getsockopt(socket.IPPROTO_TCP, TCP_INFO, INFO.size))
    u32 = v[8:32]
    return {'ca_state': v[1], 'unacked': u32[4], 'ssthresh': u32[17],
            'cwnd': u32[18], 'total_retrans': u32[23],
            'bytes_acked': v[34]}


def cc_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, TCP_CC_INFO, 64)
    if len(raw) < 20:
        return None
    algo, phase, rtt, min_rtt, w_max = struct.unpack('5I', raw[:20])
    if algo not in (1, 2):
        return None
    return {'algo': algo, 'phase': phase & 0xff,
            'css_rounds': (phase >> 8) & 0xff,
            'ss_exit': (phase >> 16) & 0xff, 'hystart': phase >> 24,
            'rtt_us': rtt, 'min_rtt_us': min_rtt, 'w_max': w_max}


def sink(port):
    srv = socket.socket()
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


def send(dst, port, algo, nbytes, sysctl=None, value=None):
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, algo.encode())
    t0 = time.monotonic()
    s.connect((dst, port))
    if sysctl:
        with open(sysctl, 'w') as f:
            f.write(value)

    def pump():
        chunk = b'\0' * (1 << 16)
        left = nbytes
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    ss_ssthresh, ss_t, ss_retrans = 0, None, None
    while True:
        i = tcp_info(s)
        now = time.monotonic() - t0
        if ss_t is None and i['ssthresh'] < INFINITE_SSTHRESH:
            ss_ssthresh, ss_t = i['ssthresh'], now
        if ss_t is not None and ss_retrans is None and i['ca_state'] == 0:
            ss_retrans = i['total_retrans']
        if i['bytes_acked'] >= nbytes:
            fct = now
            break
        time.sleep(0.002)
    t.join()
    info = cc_info(s)
    last = tcp_info(s)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
    print(json.dumps({
        'algo': algo, 'bytes': nbytes, 'fct_s': round(fct, 4),
        'ss_ssthresh': ss_ssthresh,
        'ss_t': round(ss_t, 4) if ss_t is not None else None,
        'retrans': last['total_retrans'],
        'ss_retrans': ss_retrans if ss_retrans is not None else
                      last['total_retrans'],
        'cc_info': info,
    }))


if __name__ == '__main__':
    if sys.argv[1] == 'sink':
        sink(int(sys.argv[2]))
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
             *sys.argv[6:8])
