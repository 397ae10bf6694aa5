// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/tw_math.h: the timestamp option parser
 * against hand-made option lists and, on random bytes, against a second,
 * independent reading of RFC 9293's option rules (every buffer on the heap
 * at its exact size, so AddressSanitizer catches a read past the end); the
 * segment kinds; the tw_recycle decision across wrap-around; the TIME_WAIT
 * age test across jiffies wrap-around.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/tw_math.h>

#include "ktap.h"

static int parse(const uint8_t *bytes, unsigned int len, uint32_t *tsval,
		 uint32_t *tsecr)
{
	uint8_t *copy = malloc(len ? len : 1);
	int found;

	if (len)
		memcpy(copy, bytes, len);
	found = lab_tcp_find_ts(copy, len, tsval, tsecr);
	free(copy);
	return found;
}

/* Well-formed lists: the timestamp is found wherever it sits. */
static int ts_found_in_common_layouts(void)
{
	static const uint8_t syn[] = {		/* Linux SYN: MSS SACKOK TS NOP WS */
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34,
		0, 0, 0, 0, 1, 3, 3, 7,
	};
	static const uint8_t ack[] = {		/* NOP NOP TS */
		1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
	};
	uint32_t v, e;

	return parse(syn, sizeof(syn), &v, &e) && v == 0x1234 && e == 0 &&
	       parse(ack, sizeof(ack), &v, &e) && v == 0xdeadbeef &&
	       e == 0x01020304;
}

/* Two timestamp options: TCP's parser keeps the last, and so must we. */
static int ts_last_one_wins(void)
{
	static const uint8_t two[] = {
		8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
		8, 10, 0, 0, 0, 3, 0, 0, 0, 4,
	};
	uint32_t v, e;

	return parse(two, sizeof(two), &v, &e) && v == 3 && e == 4;
}

/*
 * TCP stops reading at a malformed option but keeps what it read before
 * it; a timestamp after it is never seen.
 */
static int ts_before_malformed_kept(void)
{
	static const uint8_t ts_then_bad[] = {
		8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 3, 0,
	};
	static const uint8_t ts_then_past_end[] = {
		8, 10, 0, 0, 0, 7, 0, 0, 0, 8, 1, 8, 10, 0, 0,
	};
	uint32_t v, e;

	return parse(ts_then_bad, sizeof(ts_then_bad), &v, &e) && v == 5 &&
	       parse(ts_then_past_end, sizeof(ts_then_past_end), &v, &e) &&
	       v == 7 && e == 8;
}

static int ts_not_found_when_malformed(void)
{
	static const uint8_t eol_first[] = { 0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t truncated[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0 };
	static const uint8_t bad_len[] = { 8, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 };
	static const uint8_t zero_len[] = { 3, 0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t one_len[] = { 3, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t no_len[] = { 1, 1, 1, 8 };
	static const uint8_t only_nops[] = { 1, 1, 1, 1 };
	uint32_t v, e;

	return !parse(eol_first, sizeof(eol_first), &v, &e) &&
	       !parse(truncated, sizeof(truncated), &v, &e) &&
	       !parse(bad_len, sizeof(bad_len), &v, &e) &&
	       !parse(zero_len, sizeof(zero_len), &v, &e) &&
	       !parse(one_len, sizeof(one_len), &v, &e) &&
	       !parse(no_len, sizeof(no_len), &v, &e) &&
	       !parse(only_nops, sizeof(only_nops), &v, &e) &&
	       !parse(NULL, 0, &v, &e);
}

/*
 * The reference: the same rules read differently, as a recursive descent
 * over (kind, rest), to compare with on random option bytes. What it found
 * so far travels in *tsval and the return value.
 */
static int ref_find_ts(const uint8_t *p, unsigned int len, uint32_t *tsval,
		       int found)
{
	if (!len || p[0] == 0)
		return found;
	if (p[0] == 1)
		return ref_find_ts(p + 1, len - 1, tsval, found);
	if (len < 2 || p[1] < 2 || p[1] > len)
		return found;
	if (p[0] == 8 && p[1] == 10) {
		*tsval = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
			 (uint32_t)p[4] << 8 | p[5];
		found = 1;
	}
	return ref_find_ts(p + p[1], len - p[1], tsval, found);
}

static int ts_matches_reference_on_random_bytes(void)
{
	unsigned int i, j, len, found = 0;
	uint8_t buf[40];

	srand(5);
	for (i = 0; i < 2000000; i++) {
		uint32_t v = 0, e = 0, rv = 0;
		int got, want;

		len = rand() % 41;
		/* Biased to NOPs, kind 8 and length 10, so lists parse far. */
		for (j = 0; j < len; j++) {
			static const uint8_t likely[] = { 1, 1, 8, 10, 2, 4 };
			unsigned int r = rand() % 10;

			buf[j] = r < ARRAY_SIZE(likely) ? likely[r] :
				 r < 8 ? rand() % 12 : rand() % 256;
		}
		got = parse(buf, len, &v, &e);
		want = ref_find_ts(buf, len, &rv, 0);
		if (got != want || (got && v != rv)) {
			ktap_diag("mismatch at iteration %u, len %u", i, len);
			return 0;
		}
		found += got;
	}
	/* The generator must reach the interesting case often enough. */
	ktap_diag("%u of %u random lists held a timestamp", found, i);
	return found > i / 100;
}

static int classify_is_one_kind_in_priority_order(void)
{
	return lab_tw_classify(1, 1, 1, 5) == LAB_TW_SYN &&
	       lab_tw_classify(0, 1, 1, 5) == LAB_TW_RST &&
	       lab_tw_classify(0, 0, 1, 5) == LAB_TW_FIN &&
	       lab_tw_classify(0, 0, 0, 5) == LAB_TW_DATA &&
	       lab_tw_classify(0, 0, 0, 0) == LAB_TW_ACK;
}

static int recycle_rejects_older_tsval_within_window(void)
{
	/* Remembered 1000 at t=100, window 60. */
	return lab_tw_recycle_reject(1000, 100, 130, 60, 1, 500) &&
	       lab_tw_recycle_reject(1000, 100, 159, 60, 1, 998) &&
	       /* within LAB_PAWS_WINDOW, equal and newer pass */
	       !lab_tw_recycle_reject(1000, 100, 130, 60, 1, 999) &&
	       !lab_tw_recycle_reject(1000, 100, 130, 60, 1, 1000) &&
	       !lab_tw_recycle_reject(1000, 100, 130, 60, 1, 5000) &&
	       /* no timestamp at all is refused while remembered */
	       lab_tw_recycle_reject(1000, 100, 130, 60, 0, 0) &&
	       /* after the window anything passes */
	       !lab_tw_recycle_reject(1000, 100, 160, 60, 1, 500) &&
	       !lab_tw_recycle_reject(1000, 100, 160, 60, 0, 0);
}

static int recycle_compares_across_wraparound(void)
{
	/* TSvals and seconds both wrap: serial number arithmetic. */
	return lab_tw_recycle_reject(5, 0xfffffff0u, 0x10, 60, 1,
				     0xfffffff0u) &&
	       !lab_tw_recycle_reject(0xfffffff0u, 10, 20, 60, 1, 5) &&
	       lab_tw_recycle_newer(0xfffffff0u, 10, 20, 60, 5) &&
	       !lab_tw_recycle_newer(5, 10, 20, 60, 0xfffffff0u) &&
	       lab_tw_recycle_newer(5, 10, 70, 60, 0xfffffff0u);
}

static int cut_short_by_age(void)
{
	const unsigned long len = 15000, timeout = 250, margin = 250;
	unsigned long now = 1000000;

	/* Armed just now: expires at now + len. */
	return !lab_tw_cut_short(now + len, now, len, timeout, margin) &&
	       !lab_tw_cut_short(now + len - timeout + 1, now, len, timeout,
				 margin) &&
	       lab_tw_cut_short(now + len - timeout, now, len, timeout, margin) &&
	       lab_tw_cut_short(now + margin + 1, now, len, timeout, margin) &&
	       /* its own timer ran out: the kernel ends it, not us */
	       !lab_tw_cut_short(now, now, len, timeout, margin) &&
	       !lab_tw_cut_short(now - 5, now, len, timeout, margin) &&
	       /* a timeout as long as TIME_WAIT itself cuts nothing */
	       !lab_tw_cut_short(now + 1, now, len, len + 1, margin);
}

/*
 * A socket whose own timer is about to fire is left to it: ending it here
 * could race with the timer, and tw_timeout_killed would count a socket
 * the kernel ended.
 */
static int cut_short_leaves_timer_margin(void)
{
	const unsigned long len = 15000, timeout = 250, margin = 250;
	unsigned long now = 1000000;

	return !lab_tw_cut_short(now + 1, now, len, timeout, margin) &&
	       !lab_tw_cut_short(now + margin, now, len, timeout, margin) &&
	       lab_tw_cut_short(now + margin + 1, now, len, timeout, margin) &&
	       /* a timeout that leaves less than the margin cuts nothing */
	       !lab_tw_cut_short(now + 100, now, len, len - 100, margin);
}

static int cut_short_across_jiffies_wrap(void)
{
	const unsigned long len = 15000, timeout = 250, margin = 10;
	unsigned long now = (unsigned long)-100;

	return lab_tw_cut_short(now + len - timeout, now, len, timeout,
				margin) &&
	       !lab_tw_cut_short(now + len, now, len, timeout, margin) &&
	       lab_tw_cut_short(now + 50, now + 10, len, timeout, margin);
}

/*
 * tw_recycle learns from a FIN only what TCP will take: exactly the next
 * sequence number, and a timestamp PAWS lets through.
 */
static int fin_acceptable_only_in_sequence_and_paws_sane(void)
{
	return lab_tw_fin_acceptable(1000, 1000, 500, 400, 1) &&
	       /* no timestamp seen on the connection yet: sequence only */
	       lab_tw_fin_acceptable(1000, 1000, 5, 400, 0) &&
	       /* a spoofer's guesses */
	       !lab_tw_fin_acceptable(999, 1000, 500, 400, 1) &&
	       !lab_tw_fin_acceptable(1001, 1000, 500, 400, 1) &&
	       !lab_tw_fin_acceptable(0x80001000u, 1000, 500, 400, 1) &&
	       /* PAWS: one tick back is fine, two are not; across the wrap */
	       lab_tw_fin_acceptable(1000, 1000, 399, 400, 1) &&
	       !lab_tw_fin_acceptable(1000, 1000, 398, 400, 1) &&
	       lab_tw_fin_acceptable(7, 7, 3, 0xfffffff0u, 1);
}

int main(void)
{
	ktap_plan(13);
	ktap_result(ts_found_in_common_layouts(), "ts_found_in_common_layouts");
	ktap_result(ts_last_one_wins(), "ts_last_one_wins");
	ktap_result(ts_before_malformed_kept(), "ts_before_malformed_kept");
	ktap_result(ts_not_found_when_malformed(), "ts_not_found_when_malformed");
	ktap_result(ts_matches_reference_on_random_bytes(),
		    "ts_matches_reference_on_2M_random_option_lists");
	ktap_result(classify_is_one_kind_in_priority_order(),
		    "classify_is_one_kind_in_priority_order");
	ktap_result(recycle_rejects_older_tsval_within_window(),
		    "recycle_rejects_older_tsval_within_window");
	ktap_result(recycle_compares_across_wraparound(),
		    "recycle_compares_across_wraparound");
	ktap_result(cut_short_by_age(), "cut_short_by_age");
	ktap_result(cut_short_leaves_timer_margin(),
		    "cut_short_leaves_timer_margin");
	ktap_result(fin_acceptable_only_in_sequence_and_paws_sane(),
		    "fin_acceptable_only_in_sequence_and_paws_sane");
	ktap_result(cut_short_across_jiffies_wrap(),
		    "cut_short_across_jiffies_wrap");
	ktap_result(lab_get_be32((const uint8_t[]){ 1, 2, 3, 4 }) == 0x01020304,
		    "get_be32_is_big_endian");
	return ktap_finish();
}
