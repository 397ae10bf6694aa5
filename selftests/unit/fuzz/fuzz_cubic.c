// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for include/tcp_lab/cubic_math.h: any inputs, no
 * overflow or undefined behaviour (UBSan), and the invariants the module
 * relies on hold:
 *   - lab_cbrt64() is the exact floor of the cube root below 2^63
 *   - W_cubic(K) == W_max, and W_cubic never decreases with t
 *   - W_cubic(0) is within a few segments above cwnd_epoch (K is a floor)
 *   - usec -> ticks is monotonic and capped
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/cubic_math.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t a = fuzz_take(&data, &size, 8) >> 1;	/* below 2^63 */
	uint32_t w_max = fuzz_take(&data, &size, 4);
	uint32_t epoch = fuzz_take(&data, &size, 4);
	uint32_t c = fuzz_take(&data, &size, 2) % LAB_CUBIC_C_MAX + 1;
	uint32_t t = fuzz_take(&data, &size, 4);
	uint32_t beta = fuzz_take(&data, &size, 2) % (LAB_BETA_SCALE - 1) + 1;
	uint64_t us = fuzz_take(&data, &size, 8);
	uint64_t x;
	uint32_t k, w0, w1;

	x = lab_cbrt64(a);
	if (x * x * x > a || (x + 1) * (x + 1) * (x + 1) <= a)
		abort();

	k = lab_cubic_k_ticks(w_max, epoch, c);
	if (lab_cubic_w(w_max, k, k, c) != w_max)
		abort();
	w0 = lab_cubic_w(w_max, k, t, c);
	w1 = lab_cubic_w(w_max, k, t + (t < UINT32_MAX), c);
	if (w1 < w0)
		abort();
	/* Start of the epoch: K rounds down, so W(0) may sit a little above. */
	if (epoch < w_max && w_max - epoch <= LAB_CUBIC_MAX_DW) {
		uint64_t start = lab_cubic_w(w_max, k, 0, c);
		uint64_t slack = 4 + (w_max - epoch) / 100;

		if (start + 1 < epoch || start > epoch + slack)
			abort();
	}

	if (lab_us_to_ticks(us) > lab_us_to_ticks(us + (us < UINT64_MAX)) ||
	    lab_us_to_ticks(us) > LAB_CUBIC_MAX_TICKS)
		abort();

	if (lab_cubic_alpha(beta) > 3 * LAB_BETA_SCALE)
		abort();
	if (lab_cubic_w_max_after_loss(w_max, epoch, beta, true) > w_max)
		abort();
	if (lab_reno_ssthresh_of(w_max, beta) < LAB_MIN_SSTHRESH)
		abort();
	return 0;
}
