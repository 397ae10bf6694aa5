// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/tw_math.h: the segment kinds; the
 * tw_recycle decisions across wrap-around; the TIME_WAIT age test across
 * jiffies wrap-around. (The timestamp option: test_tcp_opts.c.)
 */
#include <stdint.h>
#include <tcp_lab/tw_math.h>

#include "ktap.h"

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
	ktap_plan(7);
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
	return ktap_finish();
}
