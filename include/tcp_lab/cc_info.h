/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * What getsockopt(TCP_CC_INFO) and inet_diag return for a connection using
 * lab_reno or lab_cubic. Includable from userspace.
 *
 * The kernel hands a congestion-control module a 20-byte buffer (union
 * tcp_cc_info), so the struct is five 32-bit words. inet_diag reports it as
 * the INET_DIAG_VEGASINFO attribute, a struct tcpvegas_info, so words 1, 3
 * and 4 keep that struct's meaning (tcpv_enabled, tcpv_rtt, tcpv_minrtt:
 * what ss(8) reads to show an RTT). Word 2, tcpv_rttcnt there (a count of
 * RTT samples), is our phase instead, and word 5 is beyond that struct:
 * a reader that takes the attribute for Vegas's sees the phase as rttcnt.
 */
#ifndef _TCP_LAB_CC_INFO_H
#define _TCP_LAB_CC_INFO_H

#include <linux/types.h>

enum tcp_lab_cc_algo {
	TCP_LAB_ALGO_RENO	= 1,
	TCP_LAB_ALGO_CUBIC	= 2,
};

enum tcp_lab_cc_phase {
	TCP_LAB_PHASE_SS	= 0,	/* slow start */
	TCP_LAB_PHASE_CSS	= 1,	/* HyStart++ conservative slow start */
	TCP_LAB_PHASE_CA	= 2,	/* congestion avoidance */
};

/*
 * lab_cubic: what ended the connection's first slow start (bits 16-23 of
 * the phase word). Counted in /proc/net/tcp_lab as cubic_ss_exit_*.
 */
enum tcp_lab_ss_exit {
	TCP_LAB_SS_EXIT_NONE	  = 0,	/* still in it */
	TCP_LAB_SS_EXIT_LOSS	  = 1,	/* a loss or ECN: fast recovery, CWR */
	TCP_LAB_SS_EXIT_RTO	  = 2,	/* a retransmission timeout */
	TCP_LAB_SS_EXIT_ACK_TRAIN = 3,	/* HyStart's ACK-train detector */
	TCP_LAB_SS_EXIT_DELAY	  = 4,	/* HyStart's delay detector */
	TCP_LAB_SS_EXIT_CSS	  = 5,	/* HyStart++'s CSS rounds done */
	TCP_LAB_SS_EXIT_SSTHRESH  = 6,	/* cwnd reached ssthresh (init_ssthresh,
					 * or the route's), or started there
					 */
};

struct tcp_lab_cc_info {
	__u32	algo;		/* enum tcp_lab_cc_algo; non-zero (tcpv_enabled) */
	__u32	phase;		/* enum tcp_lab_cc_phase in bits 0-7,
				 * CSS rounds done in bits 8-15;
				 * lab_cubic: enum tcp_lab_ss_exit in
				 * bits 16-23, the slow-start exit in use
				 * (net.tcp_lab.cubic_hystart: 0 none,
				 * 1 HyStart++, 2 HyStart) in bits 24-31
				 */
	__u32	rtt_us;		/* min RTT of the last round (tcpv_rtt);
				 * with HyStart, of this round
				 */
	__u32	min_rtt_us;	/* min RTT of the connection (tcpv_minrtt);
				 * with HyStart, as tcp_cubic.c's delay_min:
				 * none from the first second of an
				 * avoidance epoch
				 */
	__u32	w_max;		/* lab_cubic: W_max, segments; lab_reno: cwnd
				 * before the last reduction
				 */
};

#endif /* _TCP_LAB_CC_INFO_H */
