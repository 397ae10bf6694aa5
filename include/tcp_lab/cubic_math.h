/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-point arithmetic of CUBIC (RFC 9438) and HyStart++ (RFC 9406),
 * shared by the module and the userspace unit tests.
 *
 * Units:
 *   windows         segments (u32)
 *   time            "ticks" of 1/1024 s, so that (t - K) cubed stays exact
 *                   in 64 bits for any t up to LAB_CUBIC_MAX_TICKS
 *   C, beta, alpha  fractions in units of 1/1024 (LAB_BETA_SCALE)
 *
 * W_cubic(t) = C * (t - K)^3 + W_max, with t and K in seconds, becomes
 *   W_max +/- (C_q * d^3) >> 40, where d = |t - K| in ticks,
 * because C = C_q / 2^10 and d^3 = (seconds * 2^10)^3 = seconds^3 * 2^30.
 */
#ifndef _TCP_LAB_CUBIC_MATH_H
#define _TCP_LAB_CUBIC_MATH_H

#include "types.h"
#include "reno_math.h"

#define LAB_CUBIC_TICK_SHIFT	10		/* 1 tick = 1/1024 s */

/*
 * |t - K| is capped at 2^21 ticks (2048 s, past any experiment's epoch and
 * the largest K below), so d^3 <= 2^63 fits in 64 bits.
 */
#define LAB_CUBIC_MAX_TICKS	(1U << 21)
#define LAB_CUBIC_C_MAX		4096U		/* C = 4.0 */

/*
 * W_max - cwnd_epoch is capped so that dW << 40 fits in 64 bits; then K is
 * at most cbrt(2^63) = 2^21 ticks, within LAB_CUBIC_MAX_TICKS.
 */
#define LAB_CUBIC_MAX_DW	(1U << 23)

/* RFC 9406 constants. */
#define LAB_HSPP_MIN_RTT_THRESH_US	4000U
#define LAB_HSPP_MAX_RTT_THRESH_US	16000U
#define LAB_HSPP_MIN_RTT_DIVISOR	8U
#define LAB_HSPP_N_RTT_SAMPLE		8U
#define LAB_HSPP_CSS_GROWTH_DIVISOR	4U
#define LAB_HSPP_CSS_ROUNDS		5U

/*
 * usec -> ticks without a division: ticks = us * 1024 / 10^6, and
 * 1024 / 10^6 = 68719.4767 / 2^26 to 7 parts per million. The u64 product
 * cannot overflow for any us below 2^47 (4 years); the result is capped.
 */
static inline u32 lab_us_to_ticks(u64 us)
{
	u64 t;

	if (us >= 1ULL << 47)
		return LAB_CUBIC_MAX_TICKS;
	t = (us * 68719ULL) >> 26;

	return t > LAB_CUBIC_MAX_TICKS ? LAB_CUBIC_MAX_TICKS : (u32)t;
}

static inline u32 lab_ticks_to_ms(u32 ticks)
{
	return (u32)(((u64)ticks * 1000) >> LAB_CUBIC_TICK_SHIFT);
}

/* Floor of the cube root of a 64-bit value, exact. */
static inline u32 lab_cbrt64(u64 a)
{
	u64 x, y;
	int s;

	if (a < 8)
		return a ? 1 : 0;

	/* Start above the root: 2^ceil(bits/3) >= cbrt(a). */
	s = 64;
	while (s > 0 && !(a >> (s - 1)))
		s--;
	x = 1ULL << ((s + 2) / 3);

	/*
	 * Newton's iteration x' = (2x + a / x^2) / 3 decreases monotonically
	 * from above to floor(cbrt(a)); stop when it no longer decreases.
	 */
	for (;;) {
		y = div_u64(2 * x + div64_u64(a, x * x), 3);
		if (y >= x)
			break;
		x = y;
	}
	/* Guard the floor against rounding at the last step. */
	while (x * x * x > a)
		x--;
	while ((x + 1) * (x + 1) * (x + 1) <= a)
		x++;
	return (u32)x;
}

/*
 * K in ticks: the time W_cubic takes to climb from cwnd_epoch back to W_max,
 * K = cbrt((W_max - cwnd_epoch) / C). Computed once per epoch, so the
 * division is fine here.
 */
static inline u32 lab_cubic_k_ticks(u32 w_max, u32 cwnd_epoch, u32 c_q)
{
	u64 dw;

	if (w_max <= cwnd_epoch || !c_q)
		return 0;
	dw = w_max - cwnd_epoch;
	if (dw > LAB_CUBIC_MAX_DW)
		dw = LAB_CUBIC_MAX_DW;
	/* (dW / (C_q / 2^10)) * 2^30 = dW * 2^40 / C_q */
	return lab_cbrt64(div_u64(dw << 40, c_q));
}

/*
 * W_cubic at t ticks into the epoch, in segments, saturated to [0, U32_MAX].
 */
static inline u32 lab_cubic_w(u32 w_max, u32 k, u32 t, u32 c_q)
{
	u64 d, d3, delta;

	d = t > k ? t - k : k - t;
	if (d > LAB_CUBIC_MAX_TICKS)
		d = LAB_CUBIC_MAX_TICKS;
	d3 = d * d * d;
	/*
	 * (d^3 * C_q) >> 40 without a 128-bit product: split d^3 at bit 20.
	 * Exact, as the floor of a floor divided by 2^20 is the floor.
	 */
	delta = ((d3 >> 20) * c_q + (((d3 & ((1U << 20) - 1)) * c_q) >> 20)) >> 20;

	if (t >= k)
		return delta > 0xffffffffULL - w_max ? 0xffffffffU :
						       (u32)(w_max + delta);
	return delta >= w_max ? 0 : (u32)(w_max - delta);
}

/*
 * alpha_cubic = 3 * (1 - beta) / (1 + beta), the additive increase that
 * makes CUBIC's average window equal Reno's (RFC 9438, 4.3), in 1/1024.
 */
static inline u32 lab_cubic_alpha(u32 beta_q)
{
	return (3 * (LAB_BETA_SCALE - beta_q) * LAB_BETA_SCALE) /
	       (LAB_BETA_SCALE + beta_q);
}

/* W_max after a loss at cwnd, with fast convergence (RFC 9438, 4.7). */
static inline u32 lab_cubic_w_max_after_loss(u32 cwnd, u32 w_max, u32 beta_q,
					     bool fast_convergence)
{
	if (fast_convergence && cwnd < w_max)
		return (u32)(((u64)cwnd * (LAB_BETA_SCALE + beta_q)) >>
			     (LAB_BETA_SCALE_SHIFT + 1));
	return cwnd;
}

/*
 * HyStart++ (RFC 9406, 4.2): the RTT increase that ends slow start,
 * clamp(last_round_min_rtt / 8, 4 ms, 16 ms).
 */
static inline u32 lab_hspp_rtt_thresh(u32 last_round_min_rtt_us)
{
	u32 t = last_round_min_rtt_us / LAB_HSPP_MIN_RTT_DIVISOR;

	if (t < LAB_HSPP_MIN_RTT_THRESH_US)
		return LAB_HSPP_MIN_RTT_THRESH_US;
	if (t > LAB_HSPP_MAX_RTT_THRESH_US)
		return LAB_HSPP_MAX_RTT_THRESH_US;
	return t;
}

/*
 * Idle restart: when sending starts again after an idle period, the epoch
 * moves forward by the time since the last ACK, so W_cubic does not count
 * the silence; never past @now_us. All in microseconds of tcp_mstamp.
 */
static inline u64 lab_cubic_idle_shift(u64 epoch_us, u64 last_ack_us,
				       u64 now_us)
{
	if (!epoch_us || now_us <= last_ack_us)
		return epoch_us;
	epoch_us += now_us - last_ack_us;
	return epoch_us > now_us ? now_us : epoch_us;
}

#endif /* _TCP_LAB_CUBIC_MATH_H */
