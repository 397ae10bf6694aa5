// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/hystart.h: each division-free comparison
 * against the plain arithmetic it replaces (the kernel's tcp_cubic.c
 * formulas and RFC 9406's), over edges and a few million random inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <tcp_lab/cubic_math.h>
#include <tcp_lab/hystart.h>

#include "ktap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: reproducible, no libc state. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint64_t n)
{
	return (uint32_t)(rnd() % n);
}

/* RFC 9406's test with the division, the minimum winning over the max. */
static int ref_rtt_rose(uint32_t last, uint32_t cur, uint32_t div,
			uint32_t lo, uint32_t hi)
{
	uint64_t t = last / (div ? div : 1);

	if (hi < lo)
		hi = lo;
	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	return (uint64_t)cur >= (uint64_t)last + t;
}

/* With RFC 9406's constants it is the test lab_cubic always made. */
static int rtt_rose_rfc_defaults(void)
{
	uint32_t last, d;

	for (last = 1; last < 2000000; last += 1 + last / 64) {
		uint32_t thr = lab_hspp_rtt_thresh(last);

		for (d = 0; d < 3; d++) {
			uint32_t at = last + thr - 1 + d;

			if (lab_hspp_rtt_rose(last, at, LAB_HSPP_MIN_RTT_DIVISOR,
					      LAB_HSPP_MIN_RTT_THRESH_US,
					      LAB_HSPP_MAX_RTT_THRESH_US) !=
			    (at >= last + thr)) {
				ktap_diag("last %u cur %u", last, at);
				return 0;
			}
		}
	}
	return 1;
}

static int rtt_rose_any_knobs(void)
{
	int i;

	for (i = 0; i < 4000000; i++) {
		uint32_t div = 1 + rnd_below(LAB_HSPP_DIVISOR_MAX);
		uint32_t lo = rnd_below(LAB_HSPP_THRESH_US_MAX + 1);
		uint32_t hi = rnd_below(LAB_HSPP_THRESH_US_MAX + 1);
		uint32_t last = (i & 1) ? rnd_below(4000000) : (uint32_t)rnd();
		uint32_t step = last / div;
		uint32_t cur;

		/* Near the three places the answer can change, or anywhere. */
		switch (i % 4) {
		case 0:
			cur = last + step - 2 + rnd_below(5);
			break;
		case 1:
			cur = last + lo - 2 + rnd_below(5);
			break;
		case 2:
			cur = last + hi - 2 + rnd_below(5);
			break;
		default:
			cur = (uint32_t)rnd();
		}
		if (cur < last && i % 4 != 3)
			continue;	/* wrapped past 2^32: not an RTT */
		if (lab_hspp_rtt_rose(last, cur, div, lo, hi) !=
		    ref_rtt_rose(last, cur, div, lo, hi)) {
			ktap_diag("last %u cur %u div %u lo %u hi %u",
				  last, cur, div, lo, hi);
			return 0;
		}
	}
	return 1;
}

/* min > max: the minimum is the threshold, whatever the divisor says. */
static int rtt_rose_min_wins(void)
{
	return !lab_hspp_rtt_rose(80000, 80000 + 8999, 8, 9000, 2000) &&
	       lab_hspp_rtt_rose(80000, 80000 + 9000, 8, 9000, 2000) &&
	       lab_hspp_rtt_rose(80000, 80000 + 9000, 1, 9000, 2000) &&
	       /* a threshold of 0: any round not faster than the last */
	       lab_hspp_rtt_rose(80000, 80000, 8, 0, 0) &&
	       !lab_hspp_rtt_rose(80000, 79999, 8, 0, 0);
}

/* tcp_cubic.c: curr_rtt > delay_min + clamp(delay_min >> 3, 4 ms, 16 ms) */
static int delay_matches_kernel(void)
{
	uint32_t dm, d;

	for (dm = 1; dm < 3000000; dm += 1 + dm / 256) {
		uint32_t t = dm >> 3;

		t = t < 4000 ? 4000 : t > 16000 ? 16000 : t;
		for (d = 0; d < 3; d++) {
			uint32_t r = dm + t - 1 + d;

			if (lab_hs_delay_fires(r, dm) != (r > dm + t)) {
				ktap_diag("delay_min %u rtt %u", dm, r);
				return 0;
			}
		}
	}
	/* 80 ms: 10 ms; 10 ms: the 4 ms floor; 400 ms: the 16 ms cap */
	return !lab_hs_delay_fires(90000, 80000) &&
	       lab_hs_delay_fires(90001, 80000) &&
	       lab_hs_delay_fires(14001, 10000) &&
	       !lab_hs_delay_fires(416000, 400000);
}

/*
 * tcp_cubic.c's ACK-train test with its division: threshold =
 * delay_min + hystart_ack_delay(), halved when not paced, compared as u32.
 */
static int ref_train(uint32_t train, uint32_t dm, uint64_t rate, uint32_t gso,
		     int paced)
{
	uint64_t ad = 0, thr;

	if (rate) {
		ad = (uint64_t)gso * 4 * 1000000 / rate;
		if (ad > 1000)
			ad = 1000;
	}
	thr = (uint64_t)dm + ad;
	if (!paced)
		thr >>= 1;
	return train > thr;
}

static int train_matches_kernel(void)
{
	static const uint32_t gsos[] = {
		0, 1, 1448, 65536, 524288, 0xffffffffU,
	};
	int i;

	for (i = 0; i < 4000000; i++) {
		uint32_t gso = gsos[rnd_below(ARRAY_SIZE(gsos))];
		uint32_t dm = 1 + rnd_below(i & 1 ? 500000 : 0x7fffffff);
		int paced = i & 2;
		uint64_t x = (uint64_t)gso * 4 * 1000000, rate;
		uint32_t base, train;

		switch (rnd_below(6)) {
		case 0:
			rate = 0;
			break;
		case 1:	/* around ack_delay = 1000 us and its steps */
			rate = x / (1 + rnd_below(1100)) + rnd_below(3);
			break;
		case 2:
			rate = x + rnd_below(3) - 1;
			break;
		case 3:
			rate = ~0ULL - rnd_below(3);
			break;
		default:	/* 1 kB/s .. 100 GB/s */
			rate = 1000 + rnd() % 100000000000ULL;
		}
		base = dm + (uint32_t)(rate ? (x / rate > 1000 ? 1000 : x / rate) : 0);
		if (!paced)
			base /= 2;
		train = base - 3 + rnd_below(7);
		if (i % 5 == 0)
			train = (uint32_t)rnd();
		if (lab_hs_train_fires(train, dm, rate, gso, paced) !=
		    ref_train(train, dm, rate, gso, paced)) {
			ktap_diag("train %u delay_min %u rate %llu gso %u paced %d",
				  train, dm, (unsigned long long)rate, gso,
				  paced);
			return 0;
		}
	}
	return 1;
}

/*
 * 80 ms path, unpaced: the train must outlast 40 ms; paced at 1.25 MB/s
 * with 64 KiB GSO: 80 ms plus the 1 ms cap.
 */
static int train_examples(void)
{
	return !lab_hs_train_fires(40000, 80000, 0, 65536, 0) &&
	       lab_hs_train_fires(40001, 80000, 0, 65536, 0) &&
	       !lab_hs_train_fires(81000, 80000, 1250000, 65536, 1) &&
	       lab_hs_train_fires(81001, 80000, 1250000, 65536, 1);
}

/* Samples are ignored for one second after an epoch starts, none without. */
static int epoch_holdoff(void)
{
	const uint64_t e = 5000000000ULL;

	return !lab_hs_epoch_holdoff(0, e) &&
	       lab_hs_epoch_holdoff(e, e) &&
	       lab_hs_epoch_holdoff(e, e + 999999) &&
	       !lab_hs_epoch_holdoff(e, e + 1000000) &&
	       lab_hs_epoch_holdoff(e, e - 1) &&
	       !lab_hs_epoch_holdoff(e, e + (1ULL << 33));
}

int main(void)
{
	ktap_plan(7);
	ktap_result(rtt_rose_rfc_defaults(), "hspp_rtt_rose_rfc_defaults_as_before");
	ktap_result(rtt_rose_any_knobs(), "hspp_rtt_rose_equals_division_any_knobs");
	ktap_result(rtt_rose_min_wins(), "hspp_rtt_rose_min_thresh_wins_over_max");
	ktap_result(delay_matches_kernel(), "hystart_delay_threshold_as_tcp_cubic");
	ktap_result(train_matches_kernel(), "hystart_ack_train_equals_division");
	ktap_result(train_examples(), "hystart_ack_train_paced_and_unpaced");
	ktap_result(epoch_holdoff(), "hystart_epoch_holdoff_one_second");
	return ktap_finish();
}
