#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tcplab-trace2csv on trace text in both forms it is given: tracefs
# (event name alone) and perf script (system:event), lab_cc and tcp_probe
# events, the busiest connection chosen, --port, --source, the
# "infinite" initial ssthresh shown as 0, and --ss-exit on both sources.
conv_bin=$(cd "$(dirname "$0")/../.." && pwd)/scripts/tcplab-trace2csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../ktap.sh
source "$(dirname "$0")/../ktap.sh"
conv() { "$conv_bin" "$@" 2>&1; }

cat >"$tmp/tracefs" <<'T'
# tracer: nop
          <idle>-0       [001] ..s2.   100.500000: lab_cc: src=10.0.3.1:40000 dst=10.0.4.2:5001 algo=lab_cubic event=ack phase=ss cwnd=10 ssthresh=2147483647 srtt_us=80000 w_max=0 k_ms=0 epoch_ms=0 min_rtt_us=80000
          <idle>-0       [001] ..s2.   100.600000: lab_cc: src=10.0.3.1:40000 dst=10.0.4.2:5001 algo=lab_cubic event=loss phase=ca cwnd=20 ssthresh=14 srtt_us=81000 w_max=20 k_ms=10 epoch_ms=0 min_rtt_us=80000
         python3-99      [000] .....   100.650000: lab_cc: src=[fd00::1]:40001 dst=[fd00::2]:80 algo=lab_reno event=ack phase=ss cwnd=3 ssthresh=2147483647 srtt_us=100 w_max=0 k_ms=0 epoch_ms=0 min_rtt_us=100
T
cat >"$tmp/perf" <<'T'
         python3   612 [001]    53.250000: tcp:tcp_probe: family=AF_INET src=10.0.3.1:40002 dest=10.0.4.2:5001 mark=0x0 data_len=0 snd_nxt=0x1 snd_una=0x1 snd_cwnd=10 ssthresh=2147483647 snd_wnd=64256 srtt=80000 rcv_wnd=64256 sock_cookie=3
         python3   612 [001]    53.500000: tcp:tcp_probe: family=AF_INET src=10.0.3.1:40002 dest=10.0.4.2:5001 mark=0x0 data_len=0 snd_nxt=0x1 snd_una=0x1 snd_cwnd=12 ssthresh=7 snd_wnd=64256 srtt=90000 rcv_wnd=64256 sock_cookie=3
         python3   612 [001]    53.600000: tcp_lab:lab_cc: src=10.0.3.1:40003 dst=10.0.4.2:5002 algo=lab_reno event=ack phase=ca cwnd=5 ssthresh=4 srtt_us=1 w_max=0 k_ms=0 epoch_ms=0 min_rtt_us=1
         python3   612 [001]    53.700000: tcp:tcp_probe: family=AF_INET src=10.0.4.2:5001 dest=10.0.3.1:40002 mark=0x0 data_len=1448 snd_nxt=0x1 snd_una=0x1 snd_cwnd=10 ssthresh=2147483647 snd_wnd=64256 srtt=80000 rcv_wnd=64256 sock_cookie=4
         python3   612 [001]    53.800000: tcp:tcp_probe: family=AF_INET src=10.0.4.2:5001 dest=10.0.3.1:40002 mark=0x0 data_len=1448 snd_nxt=0x1 snd_una=0x1 snd_cwnd=10 ssthresh=2147483647 snd_wnd=64256 srtt=80000 rcv_wnd=64256 sock_cookie=4
         python3   612 [001]    53.900000: tcp:tcp_probe: family=AF_INET src=10.0.4.2:5001 dest=10.0.3.1:40002 mark=0x0 data_len=1448 snd_nxt=0x1 snd_una=0x1 snd_cwnd=10 ssthresh=2147483647 snd_wnd=64256 srtt=80000 rcv_wnd=64256 sock_cookie=4
T

# lab_cc with the ss_exit field (and a reason in it from the exit on).
cat >"$tmp/exit" <<'T'
          <idle>-0       [001] ..s2.   200.000000: lab_cc: src=10.0.3.1:40000 dst=10.0.4.2:5001 algo=lab_cubic event=ack phase=ss cwnd=70 ssthresh=2147483647 srtt_us=80000 w_max=0 k_ms=0 epoch_ms=0 min_rtt_us=80000 w_est=0 ss_exit=none
          <idle>-0       [001] ..s2.   200.010000: lab_cc: src=10.0.3.1:40000 dst=10.0.4.2:5001 algo=lab_cubic event=ss_exit phase=ca cwnd=71 ssthresh=71 srtt_us=81000 w_max=0 k_ms=0 epoch_ms=0 min_rtt_us=80000 w_est=0 ss_exit=ack_train
          <idle>-0       [001] ..s2.   200.020000: lab_cc: src=10.0.3.1:40000 dst=10.0.4.2:5001 algo=lab_cubic event=ack phase=ca cwnd=71 ssthresh=71 srtt_us=81000 w_max=71 k_ms=0 epoch_ms=0 min_rtt_us=80000 w_est=71 ss_exit=ack_train
T

ktap_plan 10
check_output tracefs_busiest_connection \
	"t_s,source,cwnd,ssthresh,srtt_us 0.000000,lab_cc,10,0,80000 0.100000,lab_cc,20,14,81000 " \
	conv "$tmp/tracefs"
check_output port_selects_ipv6 "t_s,source,cwnd,ssthresh,srtt_us 0.000000,lab_cc,3,0,100 " \
	conv --port 80 "$tmp/tracefs"
check_output perf_script_tcp_probe_sender_side \
	"t_s,source,cwnd,ssthresh,srtt_us 0.000000,tcp_probe,10,0,80000 0.250000,tcp_probe,12,7,90000 " \
	conv --dport 5001 "$tmp/perf"
check_output busiest_is_the_receiver_without_dport \
	"t_s,source,cwnd,ssthresh,srtt_us 0.000000,tcp_probe,10,0,80000 0.100000,tcp_probe,10,0,80000 0.200000,tcp_probe,10,0,80000 " \
	conv --source tcp_probe "$tmp/perf"
check_output perf_script_source_lab_cc "t_s,source,cwnd,ssthresh,srtt_us 0.000000,lab_cc,5,4,1 " \
	conv --source lab_cc - <"$tmp/perf"
check_output list_connections "10.0.4.2:5001 -> 10.0.3.1:40002: 3 events, 53.700000 .. 53.900000 10.0.3.1:40002 -> 10.0.4.2:5001: 2 events, 53.250000 .. 53.500000 10.0.3.1:40003 -> 10.0.4.2:5002: 1 events, 53.600000 .. 53.600000 " \
	conv --list "$tmp/perf"
check_output nothing_found_fails "tcplab-trace2csv: no lab_cc or tcp_probe events found " \
	conv --port 1 "$tmp/perf"
check_output ss_exit_lab_cc_reason "t_s,source,cwnd,ssthresh,reason 0.010000,lab_cc,71,71,ack_train " \
	conv --ss-exit "$tmp/exit"
check_output ss_exit_tcp_probe_cwnd_before "t_s,source,cwnd,ssthresh,reason 0.250000,tcp_probe,10,7,unknown " \
	conv --ss-exit --dport 5001 "$tmp/perf"
check_output ss_exit_none_yet "t_s,source,cwnd,ssthresh,reason " \
	conv --ss-exit --port 80 "$tmp/tracefs"
ktap_finished
