// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/reno_math.h: the fixed-point Reno numbers
 * against an exact integer reference over the whole u32 cwnd range.
 */
#include <stdint.h>
#include <tcp_lab/reno_math.h>

#include "ktap.h"

/* Reference: floor(cwnd * beta / 1024), at least 2, by long division. */
static uint32_t ref_ssthresh(uint32_t cwnd, uint32_t beta)
{
	unsigned __int128 p = (unsigned __int128)cwnd * beta;
	uint64_t q = (uint64_t)(p / 1024);

	return q < 2 ? 2 : (uint32_t)q;
}

static int check_range(uint32_t beta)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 4, 5, 10, 1023, 1024, 1025, 65535, 65536,
		1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};
	uint64_t cwnd;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		if (lab_reno_ssthresh_of(edges[i], beta) !=
		    ref_ssthresh(edges[i], beta))
			return 0;
	/* Every cwnd up to 2^20, then a geometric walk to the top. */
	for (cwnd = 0; cwnd <= (1U << 20); cwnd++)
		if (lab_reno_ssthresh_of(cwnd, beta) != ref_ssthresh(cwnd, beta))
			return 0;
	for (cwnd = 1U << 20; cwnd <= 0xffffffffULL; cwnd += cwnd / 7 + 1)
		if (lab_reno_ssthresh_of(cwnd, beta) != ref_ssthresh(cwnd, beta))
			return 0;
	return 1;
}

int main(void)
{
	static const uint32_t betas[] = { 1, 512, 717, 1023 };
	size_t i;

	ktap_plan(8);

	for (i = 0; i < ARRAY_SIZE(betas); i++)
		ktap_result(check_range(betas[i]),
			    "reno_ssthresh_beta_%u_matches_reference", betas[i]);

	ktap_result(lab_reno_ssthresh_of(10, 512) == 5,
		    "reno_halves_cwnd_10_to_5");
	ktap_result(lab_reno_ssthresh_of(3, 512) == 2 &&
		    lab_reno_ssthresh_of(0, 1023) == 2,
		    "reno_ssthresh_floor_is_2");
	ktap_result(lab_initial_ssthresh(0, 0x7fffffff) == 0x7fffffff,
		    "initial_ssthresh_0_keeps_default");
	ktap_result(lab_initial_ssthresh(1, 0x7fffffff) == 2 &&
		    lab_initial_ssthresh(20, 0x7fffffff) == 20,
		    "initial_ssthresh_floored_at_2");

	return ktap_finish();
}
