/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slow-start exits of lab_cubic, shared by the module and the userspace
 * unit tests: HyStart++ (RFC 9406) with its constants as parameters, and the
 * original HyStart as Linux's tcp_cubic.c has it (Ha and Rhee, "Taming the
 * elephants: New TCP slow start", 2011: an ACK-train and a delay detector).
 *
 * Every helper here runs on the per-ACK path, so none divides: a comparison
 * against a quotient is turned into a comparison of products, exactly (the
 * unit tests check each one against the plain division).
 *
 * Units: times and RTTs in microseconds (u32, from tp->tcp_mstamp), windows
 * in segments.
 */
#ifndef _TCP_LAB_HYSTART_H
#define _TCP_LAB_HYSTART_H

#include "types.h"

/* net.tcp_lab.cubic_hystart: which exit a connection's slow start has. */
enum lab_hystart_mode {
	LAB_HYSTART_OFF		= 0,	/* plain slow start to the first loss */
	LAB_HYSTART_HSPP	= 1,	/* HyStart++, RFC 9406 */
	LAB_HYSTART_HS		= 2,	/* the original HyStart, as tcp_cubic.c */
};

/*
 * Bounds of the HyStart++ sysctls (net.tcp_lab.cubic_hspp_*). A connection
 * keeps its snapshot of them in u16 (thresholds) and u8 (the rest), so these
 * are also the largest values the snapshots hold. RFC 9406's values are the
 * defaults (LAB_HSPP_* in cubic_math.h).
 */
#define LAB_HSPP_THRESH_US_MAX		65535U	/* 65.5 ms, 4x RFC 9406's max */
#define LAB_HSPP_DIVISOR_MAX		255U	/* RTT and CSS growth divisors */
#define LAB_HSPP_N_RTT_SAMPLE_MAX	255U
#define LAB_HSPP_CSS_ROUNDS_MAX		255U

/*
 * HyStart++ (RFC 9406, 4.2): has the RTT risen enough to enter Conservative
 * Slow Start? True when
 *
 *	cur_min >= last_min + clamp(last_min / divisor, lo, hi)
 *
 * with cur_min the minimum RTT of this round and last_min that of the
 * previous one. Should lo exceed hi, lo wins: the threshold is lo.
 *
 * Without the division: with r = cur_min - last_min, r >= lo is needed and
 * r >= hi suffices; in between, r >= floor(last_min / divisor) exactly when
 * (r + 1) * divisor > last_min. divisor 0 is taken as 1.
 */
static inline bool lab_hspp_rtt_rose(u32 last_min, u32 cur_min, u32 divisor,
				     u32 lo, u32 hi)
{
	u32 r;

	if (cur_min < last_min)
		return false;
	r = cur_min - last_min;
	if (r < lo)
		return false;
	if (r >= hi)
		return true;	/* lo <= r < hi, so lo <= hi here */
	if (!divisor)
		divisor = 1;
	return ((u64)r + 1) * divisor > last_min;
}

/*
 * The original HyStart: constants as tcp_cubic.c has them (module
 * parameters hystart_low_window, hystart_ack_delta_us there, fixed here).
 */
#define LAB_HS_LOW_WINDOW	16U	/* no detection below this cwnd */
#define LAB_HS_ACK_DELTA_US	2000U	/* ACKs this close form a train */
#define LAB_HS_MIN_SAMPLES	8U	/* RTT samples per round for delay */
#define LAB_HS_DELAY_MIN_US	4000U	/* delay threshold clamp */
#define LAB_HS_DELAY_MAX_US	16000U
#define LAB_HS_ACK_DELAY_MAX_US	1000U	/* TSO/GRO cushion cap */
/* tcp_cubic.c ignores samples for HZ jiffies after an epoch starts: 1 s. */
#define LAB_HS_EPOCH_HOLDOFF_US	1000000U

/*
 * Delay detector: the round's minimum RTT (over at least
 * LAB_HS_MIN_SAMPLES samples) exceeds the connection's minimum by
 * clamp(delay_min / 8, 4 ms, 16 ms). delay_min + 16 ms is taken in 64 bits.
 */
static inline bool lab_hs_delay_fires(u32 round_min, u32 delay_min)
{
	u32 t = delay_min >> 3;

	if (t < LAB_HS_DELAY_MIN_US)
		t = LAB_HS_DELAY_MIN_US;
	else if (t > LAB_HS_DELAY_MAX_US)
		t = LAB_HS_DELAY_MAX_US;
	return round_min > (u64)delay_min + t;
}

/*
 * ACK-train detector: called for an ACK that came within
 * LAB_HS_ACK_DELTA_US of the previous one of the train, @train_us after the
 * round began. tcp_cubic.c fires when
 *
 *	train_us > threshold, threshold = delay_min + ack_delay,
 *	ack_delay = pacing_rate ? min(1 ms, gso_max_size * 4 s / pacing_rate) : 0
 *
 * halving the threshold when the socket is not paced (an unpaced slow start
 * sends its window in a burst, so its ACK train reaches delay_min / 2 when
 * cwnd reaches the BDP). ack_delay is a cushion for TSO/GRO aggregation.
 *
 * The same, with its integer rounding, without a division: for integers,
 * t > floor(s / 2) exactly when 2t > s, and with R = (paced ? t : 2t) -
 * delay_min > 0, R > min(1000, floor(X / rate)) exactly when R > 1000 or
 * R * rate > X (X = gso_max_size * 4 * 10^6 < 2^54). The product is only
 * formed for R <= 1000 < 2^10 and rate <= X, so it stays below 2^64.
 */
static inline bool lab_hs_train_fires(u32 train_us, u32 delay_min,
				      u64 pacing_rate, u32 gso_max_size,
				      bool paced)
{
	u64 e = paced ? (u64)train_us : 2ULL * train_us;
	u64 x, r;

	if (e <= delay_min)
		return false;
	r = e - delay_min;
	if (!pacing_rate || r > LAB_HS_ACK_DELAY_MAX_US)
		return true;
	x = (u64)gso_max_size * 4 * 1000000;
	if (pacing_rate > x)
		return true;	/* ack_delay rounds down to 0, and r >= 1 */
	return r * pacing_rate > x;
}

/*
 * "Discard delay samples right after fast recovery": tcp_cubic.c ignores
 * RTT samples for HZ jiffies (one second) after an avoidance epoch starts.
 * An epoch of 0 is none. An epoch ahead of @now_us (never, as lab_cubic
 * caps its idle shift at now) counts as just started, as the kernel's
 * signed jiffies difference would.
 */
static inline bool lab_hs_epoch_holdoff(u64 epoch_us, u64 now_us)
{
	if (!epoch_us)
		return false;
	return now_us < epoch_us || now_us - epoch_us < LAB_HS_EPOCH_HOLDOFF_US;
}

#endif /* _TCP_LAB_HYSTART_H */
