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

struct tcp_lab_cc_info {
	__u32	algo;		/* enum tcp_lab_cc_algo; non-zero (tcpv_enabled) */
	__u32	phase;		/* enum tcp_lab_cc_phase in bits 0-7,
				 * CSS rounds done in bits 8-15
				 */
	__u32	rtt_us;		/* min RTT of the last round (tcpv_rtt) */
	__u32	min_rtt_us;	/* min RTT of the connection (tcpv_minrtt) */
	__u32	w_max;		/* lab_cubic: W_max, segments; lab_reno: cwnd
				 * before the last reduction
				 */
};

#endif /* _TCP_LAB_CC_INFO_H */
