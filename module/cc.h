/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Congestion control (cc_reno.c, cc_cubic.c): the namespace's settings,
 * what the algorithms tell the tcp_lab:lab_cc tracepoint, and their
 * registration.
 */
#ifndef _TCP_LAB_CC_H
#define _TCP_LAB_CC_H

#include <linux/inet_diag.h>
#include <linux/string.h>
#include <linux/types.h>
#include <tcp_lab/cc_info.h>

/*
 * net.tcp_lab.reno_* and cubic_*, read when a connection starts (its
 * snapshot of them is what it runs with).
 */
struct tcp_lab_cc_net {
	int reno_beta;		/* 1/1024 units */
	int init_ssthresh;	/* segments, 0 = kernel default */
	int cubic_beta;		/* 1/1024 units */
	int cubic_c;		/* 1/1024 units */
	int cubic_fast_convergence;
	int cubic_reno_friendly;
	int cubic_hystart;	/* enum lab_hystart_mode, initial slow start */
	/* HyStart++ (RFC 9406) constants */
	int cubic_hspp_min_rtt_thresh_us;
	int cubic_hspp_max_rtt_thresh_us;
	int cubic_hspp_rtt_divisor;
	int cubic_hspp_n_rtt_sample;
	int cubic_hspp_css_growth_divisor;
	int cubic_hspp_css_rounds;
};

/* What the algorithms tell the tcp_lab:lab_cc tracepoint (trace.h). */
enum lab_cc_event {
	LAB_EV_INIT,
	LAB_EV_ACK,
	LAB_EV_LOSS,
	LAB_EV_UNDO,
	LAB_EV_CSS_ENTER,
	LAB_EV_CSS_RETURN,
	LAB_EV_SS_EXIT,
	LAB_EV_IDLE,
};

struct lab_cc_trace {
	u8 algo;		/* enum tcp_lab_cc_algo */
	u8 event;		/* enum lab_cc_event */
	u8 phase;		/* enum tcp_lab_cc_phase */
	u8 ss_exit;		/* lab_cubic: enum tcp_lab_ss_exit */
	u32 w_max;
	u32 k_ms;
	u32 epoch_ms;
	u32 min_rtt_us;
	u32 w_est;		/* lab_cubic's Reno-friendly estimate */
};

/*
 * get_info(): both algorithms answer getsockopt(TCP_CC_INFO) and inet_diag's
 * VEGASINFO request with struct tcp_lab_cc_info; NULL when not asked.
 */
static inline struct tcp_lab_cc_info *
lab_cc_info_start(u32 ext, int *attr, union tcp_cc_info *info)
{
	struct tcp_lab_cc_info *li = (struct tcp_lab_cc_info *)info;

	BUILD_BUG_ON(sizeof(*li) > sizeof(*info));
	if (!(ext & (1 << (INET_DIAG_VEGASINFO - 1))))
		return NULL;
	memset(li, 0, sizeof(*li));
	*attr = INET_DIAG_VEGASINFO;
	return li;
}

int tcp_lab_reno_register(void);
void tcp_lab_reno_unregister(void);
int tcp_lab_cubic_register(void);
void tcp_lab_cubic_unregister(void);

#endif /* _TCP_LAB_CC_H */
