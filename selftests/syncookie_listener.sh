#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SYN-cookie hook answers only SYNs TCP itself would take. A client
# one hop away (TTL 64) against listeners that TCP protects before its SYN
# queue: IP_MINTTL=255, IPV6_MINHOPCOUNT=255, an inbound IPsec policy the
# SYN does not meet, a TCP-MD5 key for the client, a socket filter that
# drops everything. With the hook in mode 2 each connect() must time out as
# it does without the hook, with no SYN-ACK sent and the SYN counted under
# its reason; a plain listener beside them still gets its cookie handshake.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/syncookie_lib.sh"

require_root
require_cmd ip python3
require_module
sc_pin_static_keys

LISTENER=$LAB_TMP/listener.py
cat >"$LISTENER" <<'EOF'
import socket, struct, sys, time
family, addr, port, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if family == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if kind == "minttl":
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, 21, 255)		# IP_MINTTL
    else:
        s.setsockopt(socket.IPPROTO_IPV6, 73, 255)		# IPV6_MINHOPCOUNT
elif kind == "filter":
    import ctypes
    prog = (ctypes.c_uint8 * 8)(*struct.pack("HBBI", 0x06, 0, 0, 0))	# ret #0
    fprog = struct.pack("HL", 1, ctypes.addressof(prog))
    s.setsockopt(socket.SOL_SOCKET, 26, fprog)		# SO_ATTACH_FILTER
elif kind == "md5":
    peer = sys.argv[5]
    key = b"tcplab-md5-key"
    if fam == socket.AF_INET:
        sa = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 0) + \
             socket.inet_aton(peer)
    else:
        sa = struct.pack("=H", socket.AF_INET6) + struct.pack("!HI", 0, 0) + \
             socket.inet_pton(socket.AF_INET6, peer) + struct.pack("I", 0)
    sa = sa.ljust(128, b"\0")
    s.setsockopt(socket.IPPROTO_TCP, 14,			# TCP_MD5SIG
                 sa + struct.pack("=BBHi", 0, 0, len(key), 0) + key.ljust(80, b"\0"))
s.bind((addr, port))
s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.close()
EOF

# connects NS ADDR PORT: 0 if a connection is established within 2 s.
connects() {
	ip netns exec "$1" python3 -c '
import socket, sys
a, p = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.settimeout(2)
try:
    s.connect((a, p))
except OSError:
    sys.exit(1)' "$2" "$3"
}

ns_create CLI SRV
veth_pair "$CLI" "10.0.1.1/24 fd00:1::1/64" "$SRV" "10.0.1.2/24 fd00:1::2/64"
lab_set "$SRV" syncookie_ports "8000-8099"
ns_write "$SRV" /proc/sys/net/ipv4/tcp_syncookies 1
lab_set "$SRV" syncookie_mode 2

# listener NAME FAMILY ADDR PORT KIND [PEER]
listener() {
	local out=$LAB_TMP/l.$4
	bg_in "$SRV" python3 "$LISTENER" "$2" "$3" "$4" "$5" "${6:-}" >"$out" 2>&1
	wait_for 10 grep -q listening "$out" || { diag "$1: $(cat "$out")"; return 1; }
}

# refused NAME ADDR PORT COUNTER: no connection, no SYN-ACK, counted.
refused() {
	local got sent why
	counters_snap "$SRV"
	if connects "$CLI" "$2" "$3"; then got=connected; else got="timed out"; fi
	sent=$(counter_delta "$SRV" syncookie_synack_sent)
	why=$(counter_delta "$SRV" "$4")
	diag "$1: $got, SYN-ACKs from the hook +$sent, $4 +$why"
	[ "$got" = "timed out" ] && [ "$sent" = 0 ] && [ "$why" -ge 1 ]
}

ok=1
listener minttl4 4 10.0.1.2 8001 minttl || ok=0
listener minttl6 6 fd00:1::2 8002 minttl || ok=0
listener filter 4 10.0.1.2 8003 filter || ok=0
listener md5 4 10.0.1.2 8004 md5 10.0.1.1 || ok=0
listener ipsec 4 10.0.1.2 8005 plain || ok=0
listener plain 4 10.0.1.2 8006 plain || ok=0
[ $ok = 1 ] || skip_all "a listener could not be set up here"

# Inbound TCP to 8005 must come through ESP; the client sends it plain.
have_xfrm=1
ip -n "$SRV" xfrm policy add dir in src 10.0.1.1/32 dst 10.0.1.2/32 \
	proto tcp dport 8005 tmpl proto esp mode transport level required 2>/dev/null ||
	have_xfrm=0

ktap_plan 7
dmesg_mark
check "ip_minttl_listener_not_answered" \
	refused "IP_MINTTL 255" 10.0.1.2 8001 syncookie_syn_pass_minttl
check "ipv6_minhopcount_listener_not_answered" \
	refused "IPV6_MINHOPCOUNT 255" fd00:1::2 8002 syncookie_syn_pass_minttl
check "filtering_listener_not_answered" \
	refused "socket filter dropping all" 10.0.1.2 8003 syncookie_syn_pass_filter
check "md5_listener_not_answered" \
	refused "TCP-MD5 key for the client" 10.0.1.2 8004 syncookie_syn_pass_keyed
if [ $have_xfrm = 1 ]; then
	check "ipsec_policy_not_met_not_answered" \
		refused "inbound policy requiring ESP" 10.0.1.2 8005 syncookie_syn_pass_ipsec
else
	ktap_skip "ipsec_policy_not_met_not_answered" "ip xfrm policy not available (xfrm_user?)"
fi
counters_snap "$SRV"
connects "$CLI" 10.0.1.2 8006
rc=$?
diag "plain listener: connect rc $rc, SYN-ACKs from the hook +$(counter_delta "$SRV" syncookie_synack_sent)"
check "plain_listener_still_answered" \
	test "$rc" = 0 -a "$(counter_delta "$SRV" syncookie_synack_sent)" -ge 1
check "no_kernel_warnings" no_kernel_warnings
ktap_finished
