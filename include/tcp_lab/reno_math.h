/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure Reno arithmetic (RFC 5681), shared by the module and the unit tests.
 *
 * beta is a fraction in units of 1/1024: 512 is RFC 5681's halving.
 */
#ifndef _TCP_LAB_RENO_MATH_H
#define _TCP_LAB_RENO_MATH_H

#include "types.h"

#define LAB_BETA_SCALE_SHIFT	10
#define LAB_BETA_SCALE		(1U << LAB_BETA_SCALE_SHIFT)

/* RFC 5681 (4): ssthresh never drops below two segments. */
#define LAB_MIN_SSTHRESH	2U

/*
 * ssthresh after a loss: max(cwnd * beta, 2). The product is taken in 64
 * bits so any u32 cwnd with any beta below 1 is exact before the shift.
 */
static inline u32 lab_reno_ssthresh_of(u32 cwnd, u32 beta)
{
	u64 reduced = ((u64)cwnd * beta) >> LAB_BETA_SCALE_SHIFT;

	return max_t(u32, (u32)reduced, LAB_MIN_SSTHRESH);
}

/*
 * The ssthresh a new connection starts with: 0 keeps the caller's default
 * (the kernel's "infinite" value), anything else is floored at two segments.
 */
static inline u32 lab_initial_ssthresh(u32 configured, u32 dflt)
{
	if (!configured)
		return dflt;
	return max_t(u32, configured, LAB_MIN_SSTHRESH);
}

#endif /* _TCP_LAB_RENO_MATH_H */
