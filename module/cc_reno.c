// SPDX-License-Identifier: GPL-2.0
/*
 * lab_reno: Reno congestion control as RFC 5681 describes it.
 *
 * Slow start grows cwnd by the number of segments each ACK covers
 * (appropriate byte counting) up to ssthresh; congestion avoidance adds one
 * segment per cwnd's worth of ACKed segments, i.e. one per RTT. A loss sets
 * ssthresh to max(cwnd * beta, 2). Loss recovery itself (fast retransmit,
 * PRR, RACK) stays the kernel's: it calls back here for the numbers.
 *
 * beta and the initial ssthresh come from the socket's namespace and are
 * copied when the connection starts, so a sysctl write affects only new
 * connections and a running experiment keeps its parameters.
 */
#include <linux/module.h>
#include <net/tcp.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/reno_math.h>

#include "trace.h"

struct lab_reno {
	u32 beta;	/* snapshot of net.tcp_lab.reno_beta */
	u32 loss_cwnd;	/* cwnd when the last reduction began */
};

static void lab_reno_trace(struct sock *sk, u8 event)
{
	const struct lab_reno *ca = inet_csk_ca(sk);
	struct lab_cc_trace t = {
		.algo = TCP_LAB_ALGO_RENO,
		.event = event,
		.w_max = ca->loss_cwnd,
	};

	t.phase = tcp_in_slow_start(tcp_sk(sk)) ? TCP_LAB_PHASE_SS :
						   TCP_LAB_PHASE_CA;
	trace_lab_cc(sk, &t);
}

static void lab_reno_init(struct sock *sk)
{
	const struct tcp_lab_net *ln = tcp_lab_pernet(sock_net(sk));
	struct lab_reno *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	ca->beta = READ_ONCE(ln->cc.reno_beta);
	ca->loss_cwnd = 0;
	tp->snd_ssthresh = lab_initial_ssthresh(READ_ONCE(ln->cc.init_ssthresh),
						tp->snd_ssthresh);
	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_INIT);
	if (trace_lab_cc_enabled())
		lab_reno_trace(sk, LAB_EV_INIT);
}

static void lab_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		/* What slow start does not use carries into avoidance. */
		acked = tcp_slow_start(tp, acked);
	}
	if (acked)
		tcp_cong_avoid_ai(tp, tcp_snd_cwnd(tp), acked);
	if (trace_lab_cc_enabled())
		lab_reno_trace(sk, LAB_EV_ACK);
}

static u32 lab_reno_ssthresh(struct sock *sk)
{
	struct lab_reno *ca = inet_csk_ca(sk);
	u32 cwnd = tcp_snd_cwnd(tcp_sk(sk));

	/* The event shows the state the loss found; the next, what it left. */
	if (trace_lab_cc_enabled())
		lab_reno_trace(sk, LAB_EV_LOSS);
	ca->loss_cwnd = cwnd;
	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_LOSS_REDUCTIONS);
	return lab_reno_ssthresh_of(cwnd, ca->beta);
}

static u32 lab_reno_undo_cwnd(struct sock *sk)
{
	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_UNDOS);
	if (trace_lab_cc_enabled())
		lab_reno_trace(sk, LAB_EV_UNDO);
	/* prior_cwnd is the cwnd the kernel saved when the reduction began. */
	return max(tcp_snd_cwnd(tcp_sk(sk)), tcp_sk(sk)->prior_cwnd);
}

static size_t lab_reno_get_info(struct sock *sk, u32 ext, int *attr,
				union tcp_cc_info *info)
{
	const struct lab_reno *ca = inet_csk_ca(sk);
	struct tcp_lab_cc_info *li = lab_cc_info_start(ext, attr, info);
	const struct tcp_sock *tp = tcp_sk(sk);

	if (!li)
		return 0;
	li->algo = TCP_LAB_ALGO_RENO;
	li->phase = tcp_in_slow_start(tp) ? TCP_LAB_PHASE_SS : TCP_LAB_PHASE_CA;
	li->rtt_us = tp->srtt_us >> 3;
	li->min_rtt_us = tcp_min_rtt(tp) == ~0U ? 0 : tcp_min_rtt(tp);
	li->w_max = ca->loss_cwnd;
	return sizeof(*li);
}

static struct tcp_congestion_ops lab_reno __read_mostly = {
	.init		= lab_reno_init,
	.ssthresh	= lab_reno_ssthresh,
	.cong_avoid	= lab_reno_cong_avoid,
	.undo_cwnd	= lab_reno_undo_cwnd,
	.get_info	= lab_reno_get_info,
	.flags		= TCP_CONG_NON_RESTRICTED,
	.owner		= THIS_MODULE,
	.name		= "lab_reno",
};

int tcp_lab_reno_register(void)
{
	BUILD_BUG_ON(sizeof(struct lab_reno) > ICSK_CA_PRIV_SIZE);
	return tcp_register_congestion_control(&lab_reno);
}

void tcp_lab_reno_unregister(void)
{
	tcp_unregister_congestion_control(&lab_reno);
}
