/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of the TIME_WAIT experiments, shared by the module and the
 * userspace unit tests: the kind of a segment, the tw_recycle decisions and
 * the age of a TIME_WAIT timer. (Options: tcp_opts.h.)
 */
#ifndef _TCP_LAB_TW_MATH_H
#define _TCP_LAB_TW_MATH_H

#include "types.h"

/* RFC 7323 5.3: a timestamp one tick older than the last one is still fine. */
#define LAB_PAWS_WINDOW		1

/*
 * What a segment that reaches a TIME_WAIT socket is, for the counters: each
 * segment is exactly one kind, the first that applies in this order.
 */
enum lab_tw_kind {
	LAB_TW_SYN,
	LAB_TW_RST,
	LAB_TW_FIN,
	LAB_TW_ACK,	/* none of the above and no payload: a pure ACK */
	LAB_TW_DATA,	/* none of the above, with payload */
	LAB_TW_NKINDS
};

static inline enum lab_tw_kind lab_tw_classify(bool syn, bool rst, bool fin,
					       u32 payload)
{
	if (syn)
		return LAB_TW_SYN;
	if (rst)
		return LAB_TW_RST;
	if (fin)
		return LAB_TW_FIN;
	return payload ? LAB_TW_DATA : LAB_TW_ACK;
}

/*
 * tw_recycle, as Linux had it before 4.12 (tcp_conn_request() and
 * tcp_peer_is_proven(), net/ipv4/tcp_input.c and tcp_metrics.c, 4.11; the
 * code is gone): once a connection to a peer has
 * gone through TIME_WAIT with timestamps, a SYN from that address (any
 * port) is refused for @window seconds unless its TSval is at least the
 * remembered one (less LAB_PAWS_WINDOW); a SYN without timestamps is refused
 * too. @now and @stamp are in seconds. Hosts behind one NAT have unrelated
 * clocks, which is how this broke them.
 */
static inline bool lab_tw_recycle_reject(u32 remembered, u32 stamp, u32 now,
					 u32 window, bool saw_ts, u32 tsval)
{
	if (now - stamp >= window)
		return false;
	if (!saw_ts)
		return true;
	return (s32)(remembered - tsval) > LAB_PAWS_WINDOW;
}

/*
 * Whether TCP will take a FIN with sequence number @seq and timestamp
 * @tsval as the peer's close, so that tw_recycle may learn @tsval: it must
 * be exactly the next sequence number TCP expects (@rcv_nxt; a blind
 * spoofer would have to guess it) and pass PAWS against the last timestamp
 * TCP accepted on the connection, when there is one (@ts_recent_stamp
 * non-zero; RFC 7323 5.3). Mirrors, for this one case, the checks of
 * tcp_validate_incoming() and tcp_timewait_state_process() (tcp_input.c,
 * tcp_minisocks.c, 6.1-6.18), which run on the socket only after the hook.
 */
static inline bool lab_tw_fin_acceptable(u32 seq, u32 rcv_nxt, u32 tsval,
					 u32 ts_recent, int ts_recent_stamp)
{
	if (seq != rcv_nxt)
		return false;
	return !ts_recent_stamp ||
	       (s32)(ts_recent - tsval) <= LAB_PAWS_WINDOW;
}

/* Whether @tsval seen @now replaces the remembered one: newer, or it expired. */
static inline bool lab_tw_recycle_newer(u32 remembered, u32 stamp, u32 now,
					u32 window, u32 tsval)
{
	return (s32)(tsval - remembered) > 0 || now - stamp >= window;
}

/*
 * A TIME_WAIT timer is always (re)armed for the full TIME_WAIT length @len,
 * so a socket whose timer fires at @expires has waited len - (expires - now)
 * since then. It is cut short once that reaches @timeout, as long as its
 * own timer is more than @margin away (closer than that, the kernel ends
 * it anyway, and ending it here could race with the timer). All times in
 * one wrapping tick unit (jiffies in the module).
 */
static inline bool lab_tw_cut_short(unsigned long expires, unsigned long now,
				    unsigned long len, unsigned long timeout,
				    unsigned long margin)
{
	long left = (long)(expires - now);

	return left > 0 && (unsigned long)left > margin && timeout <= len &&
	       (unsigned long)left <= len - timeout;
}

#endif /* _TCP_LAB_TW_MATH_H */
