// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/cubic_math.h against double precision over
 * the whole operating range: cwnd 2 .. 1,000,000 segments, t up to 10 min.
 */
#include <math.h>
#include <stdint.h>
#include <tcp_lab/cubic_math.h>

#include "ktap.h"

static double worst;

static int close_to(double got, double want, double rel, double abs_tol)
{
	double err = fabs(got - want);
	double lim = fmax(rel * fabs(want), abs_tol);

	if (want != 0 && err / fabs(want) > worst && err > abs_tol)
		worst = err / fabs(want);
	return err <= lim;
}

/* cbrt64 is the exact floor: x^3 <= a < (x+1)^3. */
static int cbrt_exact(void)
{
	uint64_t a, x;
	int i;

	for (a = 0; a < 100000; a++) {
		x = lab_cbrt64(a);
		if (x * x * x > a || (x + 1) * (x + 1) * (x + 1) <= a)
			return 0;
	}
	for (i = 3; i < 63; i++) {
		uint64_t base = 1ULL << i;
		int64_t k;

		for (k = -3; k <= 3; k++) {
			a = base + k;
			x = lab_cbrt64(a);
			if (x * x * x > a || (x + 1) * (x + 1) * (x + 1) <= a)
				return 0;
		}
	}
	/* Perfect cubes and their neighbours up to the 2^63 input bound. */
	for (x = 2; x < (1ULL << 21); x += x / 3 + 1) {
		uint64_t c = x * x * x;

		if (lab_cbrt64(c) != x || lab_cbrt64(c - 1) != x - 1)
			return 0;
	}
	return lab_cbrt64(1ULL << 63) == 2097152;
}

/* K against cbrt((W_max - cwnd_epoch) / C) for W_max over 2 .. 10^6. */
static int k_matches(uint32_t c_q, uint32_t beta_q)
{
	double w;

	for (w = 2; w <= 1e6; w *= 1.07) {
		uint32_t wmax = (uint32_t)w;
		uint32_t epoch = (uint32_t)(((uint64_t)wmax * beta_q) >> 10);
		double want = cbrt((wmax - epoch) / (c_q / 1024.0)) * 1024.0;
		uint32_t k = lab_cubic_k_ticks(wmax, epoch, c_q);

		/* One tick absolute: floor of the root in 1/1024 s. */
		if (!close_to(k, want, 0.01, 1.0))
			return 0;
	}
	return 1;
}

/* W(t) against C * (t - K)^3 + W_max for t up to 10 minutes. */
static int w_matches(uint32_t c_q, uint32_t beta_q)
{
	double w, t;

	for (w = 2; w <= 1e6; w *= 1.19) {
		uint32_t wmax = (uint32_t)w;
		uint32_t epoch = (uint32_t)(((uint64_t)wmax * beta_q) >> 10);
		uint32_t k = lab_cubic_k_ticks(wmax, epoch, c_q);

		for (t = 0; t <= 600.0; t = t * 1.3 + 0.013) {
			uint32_t ticks = lab_us_to_ticks((uint64_t)(t * 1e6));
			double d = t - k / 1024.0;
			double want = c_q / 1024.0 * d * d * d + wmax;
			uint32_t got = lab_cubic_w(wmax, k, ticks, c_q);

			if (want > 4294967295.0)
				want = 4294967295.0;
			if (want < 0)
				want = 0;
			/*
			 * 1 % of the value, or one segment plus the error one
			 * tick of t makes on the curve's slope 3C(t-K)^2.
			 */
			if (!close_to(got, want, 0.01,
				      1.0 + 3 * c_q / 1024.0 * d * d / 1024.0 * 2)) {
				ktap_diag("W(%.3f s) wmax=%u k=%u: got %u want %.1f",
					  t, wmax, k, got, want);
				return 0;
			}
		}
	}
	return 1;
}

static int ticks_exact_enough(void)
{
	uint64_t us;

	for (us = 0; us <= 600000000ULL; us += 999983) {
		double want = us * 1024.0 / 1e6;

		if (fabs(lab_us_to_ticks(us) - want) > 1.0 + want * 1e-5)
			return 0;
	}
	return lab_us_to_ticks(1ULL << 36) == LAB_CUBIC_MAX_TICKS;
}

static int no_overflow_at_extremes(void)
{
	/* Largest inputs: saturate, never wrap. */
	return lab_cubic_w(0xffffffffU, 0, LAB_CUBIC_MAX_TICKS, LAB_CUBIC_C_MAX) == 0xffffffffU &&
	       lab_cubic_w(1000, LAB_CUBIC_MAX_TICKS, 0, LAB_CUBIC_C_MAX) == 0 &&
	       lab_cubic_k_ticks(0xffffffffU, 0, 1) == lab_cbrt64((uint64_t)LAB_CUBIC_MAX_DW << 40) &&
	       lab_cubic_k_ticks(10, 20, 410) == 0;
}

static int alpha_matches(void)
{
	uint32_t b;

	for (b = 1; b < 1024; b++) {
		double beta = b / 1024.0;
		double want = 3 * (1 - beta) / (1 + beta) * 1024;

		if (fabs(lab_cubic_alpha(b) - want) > 1.0)
			return 0;
	}
	/* RFC 9438: beta 0.7 gives alpha ~0.529. */
	return lab_cubic_alpha(717) == 541;
}

static int fast_convergence(void)
{
	/* cwnd below the old W_max: W_max = cwnd * (1 + beta) / 2. */
	return lab_cubic_w_max_after_loss(100, 200, 717, true) == 85 &&
	       lab_cubic_w_max_after_loss(100, 200, 717, false) == 100 &&
	       lab_cubic_w_max_after_loss(300, 200, 717, true) == 300;
}

static int hspp_thresh(void)
{
	return lab_hspp_rtt_thresh(1000) == 4000 &&
	       lab_hspp_rtt_thresh(80000) == 10000 &&
	       lab_hspp_rtt_thresh(400000) == 16000;
}

/*
 * The idle shift over any idle time a connection can have: 1 ms, an hour,
 * 36 minutes (past 2^31 us, where a signed 32-bit idle time goes
 * negative), 72 minutes (past 2^32 us, where a 32-bit clock wraps), a day.
 */
static int idle_shift_any_length(void)
{
	static const uint64_t idles[] = {
		1000ULL, 3600ULL * 1000000, 2147483648ULL + 5000000,
		4294967296ULL + 7000000, 86400ULL * 1000000,
	};
	const uint64_t epoch = 5000000, last_ack = 9000000;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(idles); i++) {
		uint64_t now = last_ack + idles[i];
		uint64_t got = lab_cubic_idle_shift(epoch, last_ack, now);

		if (got != epoch + idles[i]) {
			ktap_diag("idle %llu us: epoch %llu, want %llu",
				  (unsigned long long)idles[i],
				  (unsigned long long)got,
				  (unsigned long long)(epoch + idles[i]));
			return 0;
		}
	}
	/* No epoch yet, or nothing idle: unchanged; never past now. */
	return lab_cubic_idle_shift(0, last_ack, last_ack + 1000) == 0 &&
	       lab_cubic_idle_shift(epoch, last_ack, last_ack) == epoch &&
	       lab_cubic_idle_shift(last_ack - 10, last_ack - 20, last_ack) ==
	       last_ack;
}

int main(void)
{
	static const uint32_t cs[] = { 41, 410, 1024, 4096 };
	static const uint32_t betas[] = { 512, 717, 900 };
	int ok_k = 1, ok_w = 1;
	size_t i, j;

	ktap_plan(9);
	ktap_result(cbrt_exact(), "cbrt64_is_exact_floor");
	for (i = 0; i < ARRAY_SIZE(cs); i++)
		for (j = 0; j < ARRAY_SIZE(betas); j++) {
			ok_k &= k_matches(cs[i], betas[j]);
			ok_w &= w_matches(cs[i], betas[j]);
		}
	ktap_result(ok_k, "K_within_1pct_of_double_cwnd_2_to_1e6");
	ktap_result(ok_w, "W_t_within_1pct_of_double_t_to_10min");
	ktap_diag("worst relative error beyond the absolute tolerance: %.5f %%",
		  worst * 100);
	ktap_result(ticks_exact_enough(), "usec_to_ticks_within_10ppm");
	ktap_result(no_overflow_at_extremes(), "saturates_without_overflow");
	ktap_result(alpha_matches(), "alpha_is_3(1-beta)/(1+beta)");
	ktap_result(fast_convergence(), "fast_convergence_w_max");
	ktap_result(hspp_thresh(), "hystartpp_rtt_thresh_clamped_4_16ms");
	ktap_result(idle_shift_any_length(), "idle_shift_any_length");
	return ktap_finish();
}
