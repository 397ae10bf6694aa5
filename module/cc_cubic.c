// SPDX-License-Identifier: GPL-2.0
/*
 * lab_cubic: CUBIC as RFC 9438 specifies it, with a choice of slow-start
 * exits: none, HyStart++ (RFC 9406) or the original HyStart.
 *
 * After a reduction, cwnd follows W_cubic(t) = C * (t - K)^3 + W_max: a
 * concave climb back towards the window where the last loss happened (W_max),
 * a plateau around it, then a convex probe beyond it. K is the time the
 * curve takes to climb from the reduced window back to W_max. Each ACK moves
 * cwnd towards W_cubic one smoothed RTT ahead, at most 1.5 times cwnd per
 * RTT. Where Reno would have grown faster (short RTTs, small windows) cwnd
 * follows an estimate of Reno's window instead, W_est, which grows by
 * alpha = 3(1 - beta)/(1 + beta) segments per RTT so that the average
 * windows of the two match under the same loss rate.
 *
 * Fast convergence: a flow whose window at loss is below the previous W_max
 * is likely losing to a newcomer, so it releases bandwidth by setting
 * W_max below that window.
 *
 * Slow start ends in one of three ways, chosen per namespace with
 * net.tcp_lab.cubic_hystart and applied to the initial slow start only
 * (later slow starts, after a timeout, run to ssthresh as RFC 5681 says,
 * which the discovered ssthresh makes safe: RFC 9406, 4.3):
 *
 * 0: plain slow start, to the first loss.
 *
 * 1: HyStart++ (RFC 9406). Once per round trip the minimum RTT of the round
 * is compared with the previous round's; a rise of more than
 * clamp(minRTT / 8, 4 ms, 16 ms) means a queue is building, and growth slows
 * to a quarter (Conservative Slow Start). If the RTT falls back, slow start
 * resumes (the rise was jitter); after five CSS rounds slow start ends at
 * the current cwnd, before a loss would have ended it. The constants are
 * the namespace's net.tcp_lab.cubic_hspp_* (RFC 9406's by default).
 *
 * 2: the original HyStart, as Linux's net/ipv4/tcp_cubic.c has it; this
 * mirrors the Debian 6.12.118 source, which carries the 2025 round-start
 * fix: a new round starts in the ACK-sample path (pkts_acked) whenever
 * snd_una has passed the snd_nxt of the round's start, not only on ACKs
 * that reach cong_avoid. From cwnd 16 on, slow start ends (ssthresh = cwnd)
 * at the first of two signs: an ACK train (ACKs no more than 2 ms apart)
 * lasting longer than half the minimum RTT (the whole of it plus a TSO/GRO
 * cushion when the socket is paced), or a round whose minimum RTT over 8
 * samples exceeds the connection's by clamp(minRTT / 8, 4 ms, 16 ms). RTT
 * samples from the first second of an avoidance epoch are ignored. Those
 * functions cannot be called from here: they are static to tcp_cubic.c (in
 * vmlinux or its own module, with no exported symbol), and their state is
 * tcp_cubic's struct bictcp, which would have to occupy the same
 * icsk_ca_priv as ours, so they are written again here from the algorithm.
 * Differences, all outside the first slow start's own course: tcp_cubic.c
 * runs HyStart again after a timeout (here: first slow start only, as for
 * HyStart++), keeps it watching during the fast recovery of a loss in slow
 * start and after an idle restart if it never fired (here a loss ends it),
 * and counts both detectors when both fire on one ACK (here that exit is
 * the ACK train's).
 *
 * Whatever ends the first slow start is counted (cubic_ss_exit_* in
 * /proc/net/tcp_lab), traced (event ss_exit, field ss_exit) and reported in
 * TCP_CC_INFO.
 *
 * Differences from the kernel's own cubic: by default HyStart++ instead of
 * the original HyStart, RFC 9438's smoothed RTT in the target instead of
 * the minimum RTT, and the Reno estimate switching to alpha = 1 once it
 * passes the window at the last reduction.
 *
 * Everything is fixed point (include/tcp_lab/cubic_math.h); time comes from
 * tp->tcp_mstamp in microseconds. The per-ACK divisions of W_cubic's target
 * are amortised: the ACK count per segment of growth is recomputed only when
 * cwnd changes or a millisecond has passed.
 *
 * Parameters come from the socket's namespace (net.tcp_lab.cubic_*) and are
 * copied when the connection starts.
 */
#include <linux/module.h>
#include <net/tcp.h>
#include <tcp_lab/tcp_lab.h>
#include <tcp_lab/cubic_math.h>
#include <tcp_lab/hystart.h>

#include "trace.h"

/* Recompute the growth rate at most this often while cwnd stands still. */
#define LAB_CUBIC_UPDATE_US	1000U

/* A "never" ACK count per segment of growth: the curve says stay. */
#define LAB_CUBIC_CNT_HOLD(cwnd)	(100U * (cwnd))

/*
 * ss_exit between ssthresh() and the set_state() that follows it: a loss
 * or a timeout, which only the new state tells apart.
 */
#define LAB_SS_EXIT_PENDING	7

/*
 * 104 bytes, all of ICSK_CA_PRIV_SIZE. Offsets on the left; one slow-start
 * exit runs per connection, so HyStart++ and HyStart share a union, and
 * the namespace's settings are kept in the bits and bytes their sysctl
 * ranges need (beta < 2^10, alpha <= 3066 < 2^12, C <= 4096 < 2^13).
 */
struct lab_cubic {
	u64	epoch_us;	/*   0: start of this avoidance epoch, 0 = none */
	u64	prior_epoch_us;	/*   8: saved for undo */
	u64	last_ack_us;	/*  16: for the idle-restart shift of the epoch */
	u32	w_max;		/*  24: window before the last reduction */
	u32	prior_w_max;	/*  28 */
	u32	cwnd_prior;	/*  32: cwnd when the last reduction began */
	u32	prior_cwnd_prior; /* 36 */
	u32	k;		/*  40: ticks (1/1024 s) from epoch to W_max */
	u32	prior_k;	/*  44 */
	u32	cnt;		/*  48: ACKed segments per +1 cwnd, from W_cubic */
	u32	last_cwnd;	/*  52: cwnd when cnt was computed */
	u32	last_update_us;	/*  56: low bits of tcp_mstamp then */
	u32	w_est;		/*  60: Reno-friendly estimate, segments */
	u32	est_acked;	/*  64: ACKed segments not yet in w_est */
	u32	min_rtt_us;	/*  68: lowest RTT sample; HyStart's delay_min */
	/* The round both HyStarts count RTTs in. */
	u32	round_end;	/*  72: snd_nxt when this round began */
	u32	cur_round_min;	/*  76: min RTT in this round, us */
	union {			/*  80 */
		struct {	/* HyStart++ */
			u32 last_round_min;	/* 80 */
			u32 css_baseline;	/* 84: cur_round_min at CSS */
		} pp;
		struct {	/* HyStart */
			u32 round_start;	/* 80: tcp_mstamp, low bits */
			u32 last_ack;		/* 84: last ACK of the train */
		} hs;
	};
	u32	beta:10,	/*  88: 1/1024, snapshot */
		alpha:12,	/* Reno-friendly increase, 1/1024 seg/RTT */
		phase:2,	/* enum tcp_lab_cc_phase */
		prior_phase:2,	/* saved for undo */
		hystart:2,	/* enum lab_hystart_mode of this connection */
		ss_exit:3,	/* enum tcp_lab_ss_exit, LAB_SS_EXIT_PENDING */
		prior_ss_open:1; /* the first slow start ran at the reduction */
	u16	c:13,		/*  92: 1/1024, snapshot */
		fast_convergence:1,
		reno_friendly:1,
		unused:1;
	/* Snapshots of net.tcp_lab.cubic_hspp_*, within their sysctl ranges */
	u16	hspp_min_thresh_us;	/*  94 */
	u16	hspp_max_thresh_us;	/*  96 */
	u8	hspp_rtt_divisor;	/*  98 */
	u8	hspp_n_rtt_sample;	/*  99 */
	u8	hspp_css_divisor;	/* 100 */
	u8	hspp_css_rounds;	/* 101 */
	u8	round_samples;	/* 102: RTT samples in this round, saturating */
	u8	css_rounds;	/* 103: HyStart++ CSS rounds done */
	/*
	 * CSS growth carries its fraction of a segment in tp->snd_cwnd_cnt,
	 * as the kernel's additive increase (tcp_cong_avoid_ai()) does.
	 */
};

/* The exit as userspace sees it: a loss while the kernel says which kind. */
static u8 lab_cubic_ss_exit_shown(const struct lab_cubic *ca)
{
	return ca->ss_exit == LAB_SS_EXIT_PENDING ? TCP_LAB_SS_EXIT_LOSS :
						    ca->ss_exit;
}

static void lab_cubic_trace(struct sock *sk, const struct lab_cubic *ca,
			    u8 event)
{
	struct lab_cc_trace t;

	if (!trace_lab_cc_enabled())
		return;
	t.algo = TCP_LAB_ALGO_CUBIC;
	t.event = event;
	t.phase = ca->phase;
	t.ss_exit = lab_cubic_ss_exit_shown(ca);
	t.w_max = ca->w_max;
	t.k_ms = lab_ticks_to_ms(ca->k);
	t.epoch_ms = ca->epoch_us ?
		     div_u64(tcp_sk(sk)->tcp_mstamp - ca->epoch_us,
			     USEC_PER_MSEC) : 0;
	t.min_rtt_us = ca->min_rtt_us;
	t.w_est = ca->w_est;
	trace_lab_cc(sk, &t);
}

/* The first slow start is over, for @reason: count it once, say so. */
static void lab_cubic_ss_end(struct sock *sk, struct lab_cubic *ca, u8 reason)
{
	ca->ss_exit = reason;
	tcp_lab_inc(sock_net(sk), TCP_LAB_CUBIC_SS_EXIT_LOSS +
				  (reason - TCP_LAB_SS_EXIT_LOSS));
	lab_cubic_trace(sk, ca, LAB_EV_SS_EXIT);
}

/* Is this kind of HyStart still watching the first slow start? */
static bool lab_cubic_watching(const struct lab_cubic *ca, u8 mode)
{
	return ca->hystart == mode && ca->ss_exit == TCP_LAB_SS_EXIT_NONE;
}

/* Out of CSS: its carried fraction of a segment goes (see lab_cubic_css). */
static void lab_cubic_set_phase(struct tcp_sock *tp, struct lab_cubic *ca,
				u8 phase)
{
	if (ca->phase == TCP_LAB_PHASE_CSS && phase != TCP_LAB_PHASE_CSS)
		tp->snd_cwnd_cnt = 0;
	ca->phase = phase;
}

static void lab_cubic_hspp_new_round(struct sock *sk, struct lab_cubic *ca)
{
	ca->round_end = tcp_sk(sk)->snd_nxt;
	ca->pp.last_round_min = ca->cur_round_min;
	ca->cur_round_min = U32_MAX;
	ca->round_samples = 0;
}

/* HyStart: tcp_cubic.c's bictcp_hystart_reset(). */
static void lab_cubic_hs_new_round(struct sock *sk, struct lab_cubic *ca)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	ca->hs.round_start = (u32)tp->tcp_mstamp;
	ca->hs.last_ack = ca->hs.round_start;
	ca->round_end = tp->snd_nxt;
	ca->cur_round_min = U32_MAX;
	ca->round_samples = 0;
}

static void lab_cubic_init(struct sock *sk)
{
	const struct tcp_lab_net *ln = tcp_lab_pernet(sock_net(sk));
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	memset(ca, 0, sizeof(*ca));
	/* Every value below is within its sysctl's range, so it fits. */
	ca->beta = READ_ONCE(ln->cc.cubic_beta);
	ca->c = READ_ONCE(ln->cc.cubic_c);
	ca->alpha = lab_cubic_alpha(ca->beta);
	ca->fast_convergence = !!READ_ONCE(ln->cc.cubic_fast_convergence);
	ca->reno_friendly = !!READ_ONCE(ln->cc.cubic_reno_friendly);
	ca->hspp_min_thresh_us = READ_ONCE(ln->cc.cubic_hspp_min_rtt_thresh_us);
	ca->hspp_max_thresh_us = READ_ONCE(ln->cc.cubic_hspp_max_rtt_thresh_us);
	ca->hspp_rtt_divisor = READ_ONCE(ln->cc.cubic_hspp_rtt_divisor);
	ca->hspp_n_rtt_sample = READ_ONCE(ln->cc.cubic_hspp_n_rtt_sample);
	ca->hspp_css_divisor = READ_ONCE(ln->cc.cubic_hspp_css_growth_divisor);
	ca->hspp_css_rounds = READ_ONCE(ln->cc.cubic_hspp_css_rounds);
	ca->min_rtt_us = U32_MAX;
	ca->cur_round_min = U32_MAX;
	ca->pp.last_round_min = U32_MAX;
	ca->pp.css_baseline = U32_MAX;

	tp->snd_ssthresh = lab_initial_ssthresh(READ_ONCE(ln->cc.init_ssthresh),
						tp->snd_ssthresh);
	/* HyStart, of either kind, is for the initial slow start only. */
	if (tcp_in_initial_slowstart(tp))
		ca->hystart = READ_ONCE(ln->cc.cubic_hystart);
	ca->phase = tcp_in_slow_start(tp) ? TCP_LAB_PHASE_SS : TCP_LAB_PHASE_CA;
	if (ca->hystart == LAB_HYSTART_HSPP)
		lab_cubic_hspp_new_round(sk, ca);
	else if (ca->hystart == LAB_HYSTART_HS)
		lab_cubic_hs_new_round(sk, ca);

	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_INIT);
	lab_cubic_trace(sk, ca, LAB_EV_INIT);
	/* At or above ssthresh from the start: no slow start at all. */
	if (ca->phase == TCP_LAB_PHASE_CA)
		lab_cubic_ss_end(sk, ca, TCP_LAB_SS_EXIT_SSTHRESH);
}

/* A new avoidance epoch begins at the first ACK after a reduction. */
static void lab_cubic_epoch_start(struct tcp_sock *tp, struct lab_cubic *ca)
{
	u32 cwnd = tcp_snd_cwnd(tp);

	ca->epoch_us = tp->tcp_mstamp ? : 1;
	if (ca->w_max > cwnd) {
		ca->k = lab_cubic_k_ticks(ca->w_max, cwnd, ca->c);
	} else {
		/* Above the last W_max (or none yet): the curve starts here. */
		ca->k = 0;
		ca->w_max = cwnd;
	}
	ca->w_est = cwnd;
	ca->est_acked = 0;
	ca->last_cwnd = 0;
}

/* Set ca->cnt: how many ACKed segments earn one more segment of cwnd. */
static void lab_cubic_update(struct tcp_sock *tp, struct lab_cubic *ca,
			     u32 acked)
{
	u32 cwnd = tcp_snd_cwnd(tp);
	u32 now = (u32)tp->tcp_mstamp;
	u32 t, target, alpha;
	u64 elapsed;

	if (!ca->epoch_us)
		lab_cubic_epoch_start(tp, ca);

	/* The Reno estimate grows alpha segments per cwnd of ACKs. */
	if (ca->reno_friendly) {
		alpha = ca->w_est >= ca->cwnd_prior ? LAB_BETA_SCALE : ca->alpha;
		ca->est_acked += acked;
		/* (est_acked * alpha / 1024) / cwnd segments, once per cwnd */
		while ((u64)ca->est_acked * alpha >=
		       (u64)cwnd << LAB_BETA_SCALE_SHIFT) {
			ca->est_acked -= DIV_ROUND_UP_ULL((u64)cwnd <<
							  LAB_BETA_SCALE_SHIFT,
							  alpha);
			ca->w_est++;
		}
	}

	if (ca->last_cwnd == cwnd &&
	    (s32)(now - ca->last_update_us) < (s32)LAB_CUBIC_UPDATE_US)
		return;
	ca->last_cwnd = cwnd;
	ca->last_update_us = now;

	/* Where the curve will be one smoothed RTT from now. */
	elapsed = tp->tcp_mstamp - ca->epoch_us + (tp->srtt_us >> 3);
	t = lab_us_to_ticks(elapsed);
	target = lab_cubic_w(ca->w_max, ca->k, t, ca->c);
	/* RFC 9438, 4.2: never shrink here, at most 1.5 cwnd per RTT. */
	target = clamp(target, cwnd, cwnd + cwnd / 2);

	if (ca->reno_friendly && ca->w_est > target)
		target = min(ca->w_est, cwnd + cwnd / 2);

	if (target > cwnd)
		ca->cnt = max(cwnd / (target - cwnd), 1U);
	else
		ca->cnt = LAB_CUBIC_CNT_HOLD(cwnd);
}

/*
 * HyStart (tcp_cubic.c's hystart_update()), for an RTT sample taken in the
 * first slow start. The round is counted here, on every ACK with a sample,
 * as the 2025 fix has it: cong_avoid() is not called for ACKs that find
 * the connection not cwnd-limited, and a round checked there could run on
 * for several round trips.
 */
static void lab_cubic_hs_update(struct sock *sk, struct lab_cubic *ca,
				u32 delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 now = (u32)tp->tcp_mstamp;
	u8 reason = TCP_LAB_SS_EXIT_NONE;

	if (after(tp->snd_una, ca->round_end))
		lab_cubic_hs_new_round(sk, ca);

	if (tcp_snd_cwnd(tp) < LAB_HS_LOW_WINDOW)
		return;

	/* ACK train: ACKs close together for longer than the threshold. */
	if ((s32)(now - ca->hs.last_ack) <= (s32)LAB_HS_ACK_DELTA_US) {
		ca->hs.last_ack = now;
		if (lab_hs_train_fires(now - ca->hs.round_start, ca->min_rtt_us,
				       READ_ONCE(sk->sk_pacing_rate),
				       sk->sk_gso_max_size,
				       sk->sk_pacing_status != SK_PACING_NONE))
			reason = TCP_LAB_SS_EXIT_ACK_TRAIN;
	}

	/* Delay: the round's minimum RTT, once it has enough samples. */
	if (delay < ca->cur_round_min)
		ca->cur_round_min = delay;
	if (ca->round_samples < LAB_HS_MIN_SAMPLES)
		ca->round_samples++;
	else if (!reason && lab_hs_delay_fires(ca->cur_round_min,
					       ca->min_rtt_us))
		reason = TCP_LAB_SS_EXIT_DELAY;

	if (!reason)
		return;
	/* Found, once: ssthresh = cwnd, and avoidance from the next ACK. */
	tp->snd_ssthresh = tcp_snd_cwnd(tp);
	ca->phase = TCP_LAB_PHASE_CA;
	lab_cubic_ss_end(sk, ca, reason);
}

/* HyStart: tcp_cubic.c's cubictcp_acked(). */
static void lab_cubic_hs_acked(struct sock *sk, struct lab_cubic *ca,
			       s32 rtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 delay;

	/* Duplicate ACKs carry no sample. */
	if (rtt_us < 0)
		return;
	/* Nor do the first HZ (1 s) of an epoch: recovery's RTTs are off. */
	if (lab_hs_epoch_holdoff(ca->epoch_us, tp->tcp_mstamp))
		return;
	delay = rtt_us ? rtt_us : 1;
	if (delay < ca->min_rtt_us)
		ca->min_rtt_us = delay;

	if (lab_cubic_watching(ca, LAB_HYSTART_HS) && tcp_in_slow_start(tp))
		lab_cubic_hs_update(sk, ca, delay);
}

/* One ACK's worth of RTT samples and round bookkeeping. */
static void lab_cubic_pkts_acked(struct sock *sk,
				 const struct ack_sample *sample)
{
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 rtt;

	ca->last_ack_us = tp->tcp_mstamp;
	if (ca->hystart == LAB_HYSTART_HS) {
		lab_cubic_hs_acked(sk, ca, sample->rtt_us);
		return;
	}
	if (sample->rtt_us <= 0)
		return;
	rtt = sample->rtt_us;
	if (rtt < ca->min_rtt_us)
		ca->min_rtt_us = rtt;

	/* HyStart++ (RFC 9406, 4.2) */
	if (!lab_cubic_watching(ca, LAB_HYSTART_HSPP) ||
	    ca->phase == TCP_LAB_PHASE_CA)
		return;

	if (after(tp->snd_una, ca->round_end)) {
		lab_cubic_hspp_new_round(sk, ca);
		if (ca->phase == TCP_LAB_PHASE_CSS &&
		    ++ca->css_rounds >= ca->hspp_css_rounds) {
			/* CSS_ROUNDS rounds of rising RTT: slow start is over. */
			tp->snd_ssthresh = tcp_snd_cwnd(tp);
			lab_cubic_set_phase(tp, ca, TCP_LAB_PHASE_CA);
			tcp_lab_inc(sock_net(sk), TCP_LAB_HSPP_SS_EXITS);
			lab_cubic_ss_end(sk, ca, TCP_LAB_SS_EXIT_CSS);
			return;
		}
	}

	if (rtt < ca->cur_round_min)
		ca->cur_round_min = rtt;
	if (ca->round_samples < U8_MAX)
		ca->round_samples++;
	if (ca->round_samples < ca->hspp_n_rtt_sample)
		return;

	if (ca->phase == TCP_LAB_PHASE_SS) {
		if (ca->pp.last_round_min == U32_MAX ||
		    !lab_hspp_rtt_rose(ca->pp.last_round_min, ca->cur_round_min,
				       ca->hspp_rtt_divisor,
				       ca->hspp_min_thresh_us,
				       ca->hspp_max_thresh_us))
			return;
		ca->pp.css_baseline = ca->cur_round_min;
		ca->css_rounds = 0;
		tp->snd_cwnd_cnt = 0;
		lab_cubic_set_phase(tp, ca, TCP_LAB_PHASE_CSS);
		tcp_lab_inc(sock_net(sk), TCP_LAB_HSPP_CSS_ENTRIES);
		lab_cubic_trace(sk, ca, LAB_EV_CSS_ENTER);
	} else if (ca->cur_round_min < ca->pp.css_baseline) {
		/* The RTT fell back: the rise was jitter, not a queue. */
		ca->pp.css_baseline = U32_MAX;
		lab_cubic_set_phase(tp, ca, TCP_LAB_PHASE_SS);
		tcp_lab_inc(sock_net(sk), TCP_LAB_HSPP_CSS_RETURNS);
		lab_cubic_trace(sk, ca, LAB_EV_CSS_RETURN);
	}
}

/*
 * Conservative Slow Start: slow start's growth divided by
 * CSS_GROWTH_DIVISOR. That is the kernel's additive increase with the
 * divisor as its window: the fraction of a segment waits in
 * tp->snd_cwnd_cnt, zeroed when CSS begins and ends.
 */
static u32 lab_cubic_css(struct tcp_sock *tp, struct lab_cubic *ca, u32 acked)
{
	tcp_cong_avoid_ai(tp, ca->hspp_css_divisor, acked);
	if (tcp_snd_cwnd(tp) > tp->snd_ssthresh)
		tcp_snd_cwnd_set(tp, tp->snd_ssthresh);
	return 0;
}

static void lab_cubic_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		if (ca->phase == TCP_LAB_PHASE_CSS)
			acked = lab_cubic_css(tp, ca, acked);
		else
			acked = tcp_slow_start(tp, acked);
		if (!acked) {
			lab_cubic_trace(sk, ca, LAB_EV_ACK);
			return;
		}
	}
	if (ca->phase != TCP_LAB_PHASE_CA) {
		/* Reached ssthresh (an earlier loss or init_ssthresh). */
		lab_cubic_set_phase(tp, ca, TCP_LAB_PHASE_CA);
		if (ca->ss_exit == TCP_LAB_SS_EXIT_NONE)
			lab_cubic_ss_end(sk, ca, TCP_LAB_SS_EXIT_SSTHRESH);
	}
	lab_cubic_update(tp, ca, acked);
	tcp_cong_avoid_ai(tp, ca->cnt, acked);
	lab_cubic_trace(sk, ca, LAB_EV_ACK);
}

static u32 lab_cubic_ssthresh(struct sock *sk)
{
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u32 cwnd = tcp_snd_cwnd(tp);

	/* The event shows the state the loss found; the next, what it left. */
	lab_cubic_trace(sk, ca, LAB_EV_LOSS);

	/* Kept for an undo (RFC 9438, 4.9). */
	ca->prior_w_max = ca->w_max;
	ca->prior_k = ca->k;
	ca->prior_epoch_us = ca->epoch_us;
	ca->prior_phase = ca->phase;
	ca->prior_ss_open = ca->ss_exit == TCP_LAB_SS_EXIT_NONE;
	ca->prior_cwnd_prior = ca->cwnd_prior;

	ca->cwnd_prior = cwnd;
	ca->w_max = lab_cubic_w_max_after_loss(cwnd, ca->w_max, ca->beta,
					       ca->fast_convergence);
	ca->epoch_us = 0;
	lab_cubic_set_phase(tp, ca, TCP_LAB_PHASE_CA);
	/* A loss or a timeout ends the first slow start: set_state() says. */
	if (ca->ss_exit == TCP_LAB_SS_EXIT_NONE)
		ca->ss_exit = LAB_SS_EXIT_PENDING;

	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_LOSS_REDUCTIONS);
	return lab_reno_ssthresh_of(cwnd, ca->beta);
}

static u32 lab_cubic_undo_cwnd(struct sock *sk)
{
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	/*
	 * The reduction never happened (RFC 9438, 4.9): the curve, the
	 * window it started from, and W_est, which no reduction touches
	 * (a new epoch starts it again), carry on where they were.
	 */
	ca->w_max = ca->prior_w_max;
	ca->k = ca->prior_k;
	ca->epoch_us = ca->prior_epoch_us;
	ca->cwnd_prior = ca->prior_cwnd_prior;
	ca->last_cwnd = 0;
	/*
	 * A spurious loss in slow start: slow start (and HyStart) go on,
	 * and what ends it later is counted as well.
	 */
	ca->phase = ca->prior_phase;
	if (ca->prior_ss_open)
		ca->ss_exit = TCP_LAB_SS_EXIT_NONE;

	tcp_lab_inc(sock_net(sk), TCP_LAB_CC_UNDOS);
	lab_cubic_trace(sk, ca, LAB_EV_UNDO);
	return max(tcp_snd_cwnd(tp), tp->prior_cwnd);
}

static void lab_cubic_set_state(struct sock *sk, u8 new_state)
{
	struct lab_cubic *ca = inet_csk_ca(sk);

	/*
	 * A timeout: the path may have changed entirely. Forget the epoch
	 * (the next one starts W_est afresh); W_max, set by ssthresh just
	 * before, is where it aims. An undo brings all of it back.
	 */
	if (new_state == TCP_CA_Loss) {
		ca->epoch_us = 0;
		lab_cubic_set_phase(tcp_sk(sk), ca, TCP_LAB_PHASE_SS);
		/* Also a timeout ssthresh() was not asked about (MTU). */
		if (ca->ss_exit == TCP_LAB_SS_EXIT_NONE ||
		    ca->ss_exit == LAB_SS_EXIT_PENDING)
			lab_cubic_ss_end(sk, ca, TCP_LAB_SS_EXIT_RTO);
	} else if (ca->ss_exit == LAB_SS_EXIT_PENDING) {
		/* Recovery or CWR: a loss, or ECN. */
		lab_cubic_ss_end(sk, ca, TCP_LAB_SS_EXIT_LOSS);
	}
}

static void lab_cubic_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	u64 epoch;

	if (event != CA_EVENT_TX_START || !ca->epoch_us)
		return;
	/*
	 * Sending again after an idle period with nothing in flight: the
	 * curve should not have advanced while the application was silent,
	 * so shift the epoch by the time since the last ACK.
	 */
	epoch = lab_cubic_idle_shift(ca->epoch_us, ca->last_ack_us,
				     tp->tcp_mstamp);
	if (epoch != ca->epoch_us) {
		ca->epoch_us = epoch;
		lab_cubic_trace(sk, ca, LAB_EV_IDLE);
	}
}

static size_t lab_cubic_get_info(struct sock *sk, u32 ext, int *attr,
				 union tcp_cc_info *info)
{
	const struct lab_cubic *ca = inet_csk_ca(sk);
	struct tcp_lab_cc_info *li = lab_cc_info_start(ext, attr, info);
	u32 rtt;

	if (!li)
		return 0;
	li->algo = TCP_LAB_ALGO_CUBIC;
	li->phase = ca->phase | (u32)ca->css_rounds << 8 |
		    (u32)lab_cubic_ss_exit_shown(ca) << 16 |
		    (u32)ca->hystart << 24;
	/* HyStart++: the last round's minimum; HyStart: this round's. */
	rtt = ca->hystart == LAB_HYSTART_HS ? ca->cur_round_min :
					      ca->pp.last_round_min;
	li->rtt_us = rtt == U32_MAX ? 0 : rtt;
	li->min_rtt_us = ca->min_rtt_us == U32_MAX ? 0 : ca->min_rtt_us;
	li->w_max = ca->w_max;
	return sizeof(*li);
}

static struct tcp_congestion_ops lab_cubic __read_mostly = {
	.init		= lab_cubic_init,
	.ssthresh	= lab_cubic_ssthresh,
	.cong_avoid	= lab_cubic_cong_avoid,
	.set_state	= lab_cubic_set_state,
	.undo_cwnd	= lab_cubic_undo_cwnd,
	.cwnd_event	= lab_cubic_cwnd_event,
	.pkts_acked	= lab_cubic_pkts_acked,
	.get_info	= lab_cubic_get_info,
	.flags		= TCP_CONG_NON_RESTRICTED,
	.owner		= THIS_MODULE,
	.name		= "lab_cubic",
};

int tcp_lab_cubic_register(void)
{
	BUILD_BUG_ON(sizeof(struct lab_cubic) > ICSK_CA_PRIV_SIZE);
	/* The bit fields hold every value the sysctls allow. */
	BUILD_BUG_ON(LAB_BETA_SCALE - 1 >= 1 << 10);
	BUILD_BUG_ON(3 * (LAB_BETA_SCALE - 1) * LAB_BETA_SCALE /
		     (LAB_BETA_SCALE + 1) >= 1 << 12);
	BUILD_BUG_ON(LAB_CUBIC_C_MAX >= 1 << 13);
	BUILD_BUG_ON(TCP_LAB_SS_EXIT_SSTHRESH >= LAB_SS_EXIT_PENDING);
	BUILD_BUG_ON(LAB_HSPP_THRESH_US_MAX > U16_MAX);
	BUILD_BUG_ON(LAB_HSPP_DIVISOR_MAX > U8_MAX);
	BUILD_BUG_ON(LAB_HSPP_N_RTT_SAMPLE_MAX > U8_MAX);
	BUILD_BUG_ON(LAB_HSPP_CSS_ROUNDS_MAX > U8_MAX);
	/* The exit counters are in enum tcp_lab_ss_exit order. */
	BUILD_BUG_ON(TCP_LAB_CUBIC_SS_EXIT_SSTHRESH - TCP_LAB_CUBIC_SS_EXIT_LOSS !=
		     TCP_LAB_SS_EXIT_SSTHRESH - TCP_LAB_SS_EXIT_LOSS);
	return tcp_register_congestion_control(&lab_cubic);
}

void tcp_lab_cubic_unregister(void)
{
	tcp_unregister_congestion_control(&lab_cubic);
}
