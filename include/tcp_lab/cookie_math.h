/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure cookie and option arithmetic of the SYN-cookie hook, shared by
 * the module and the unit tests: the MSS a SYN asks for, the option bits the
 * kernel keeps in the low bits of a cookie SYN-ACK's timestamp, the window
 * and window scale the kernel recomputes when a cookie ACK arrives, and the
 * SYN-ACK's option block.
 *
 * Nothing here touches a socket or a packet buffer: callers pass plain
 * values read from the namespace's sysctls and the listener.
 */
#ifndef _TCP_LAB_COOKIE_MATH_H
#define _TCP_LAB_COOKIE_MATH_H

#include "types.h"
#include "tcp_opts.h"

#ifdef __KERNEL__
#include <linux/bitops.h>
#endif

/* MSS + SACK_PERM + timestamps + NOP + window scale, as the kernel lays out */
#define LAB_SYNACK_MAX_OPTLEN	20

/*
 * The low bits of a cookie SYN-ACK's TSval, as the kernel's syncookies.c
 * reads them back: bits 0-3 the peer's window scale (0xf: none), bit 4 SACK,
 * bit 5 ECN. The remaining bits are the millisecond clock.
 */
#define LAB_COOKIE_TS_WSCALE_MASK	0xfU
#define LAB_COOKIE_TS_SACK		0x10U
#define LAB_COOKIE_TS_ECN		0x20U
#define LAB_COOKIE_TS_BITS		6

/*
 * The MSS a SYN asks for, as the kernel takes it: the option if present and
 * non-zero, lowered to the listener's TCP_MAXSEG; otherwise the family's
 * default (536 for IPv4, 1220 for IPv6), which TCP_MAXSEG does not lower.
 * Mirrors tcp_parse_options() and tcp_openreq_init() (tcp_input.c,
 * 6.1-6.18): they fill a request sock, which the hook never makes.
 */
static inline u16 lab_syn_mss(u16 opt_mss, u16 user_mss, u16 dflt)
{
	if (!opt_mss)
		return dflt;
	if (user_mss && user_mss < opt_mss)
		return user_mss;
	return opt_mss;
}

/* The namespace settings a cookie handshake depends on. */
struct lab_cookie_cfg {
	bool timestamps;	/* net.ipv4.tcp_timestamps != 0 */
	bool sack;		/* net.ipv4.tcp_sack */
	bool window_scaling;	/* net.ipv4.tcp_window_scaling */
};

/* What a cookie SYN-ACK offers, and so what the cookie must remember. */
struct lab_cookie_offer {
	bool ts;
	bool sack;
	bool wscale_ok;
	u8 snd_wscale;		/* the peer's shift, when wscale_ok */
	bool ecn;
};

/*
 * Without a timestamp there is nowhere to keep the options, so a cookie
 * handshake without timestamps carries the MSS only; with one, each option
 * is offered if the peer asked and the namespace allows it. @ecn_ok: the SYN
 * asked for ECN and the namespace (or the route) accepts it. Mirrors the
 * option choice of tcp_conn_request() and tcp_synack_options() (tcp_input.c,
 * tcp_output.c, 6.1-6.18) for a cookie: both work on a request sock.
 */
static inline struct lab_cookie_offer
lab_cookie_offer_of(const struct lab_tcp_opts *syn,
		    const struct lab_cookie_cfg *cfg, bool ecn_ok)
{
	struct lab_cookie_offer off = { 0 };

	if (!syn->has_ts || !cfg->timestamps)
		return off;
	off.ts = true;
	off.sack = syn->sack_perm && cfg->sack;
	off.wscale_ok = syn->has_wscale && cfg->window_scaling;
	off.snd_wscale = off.wscale_ok ? syn->wscale : 0;
	off.ecn = ecn_ok;
	return off;
}

static inline u32 lab_cookie_ts_bits(const struct lab_cookie_offer *off)
{
	u32 bits = off->wscale_ok ? off->snd_wscale : LAB_COOKIE_TS_WSCALE_MASK;

	if (off->sack)
		bits |= LAB_COOKIE_TS_SACK;
	if (off->ecn)
		bits |= LAB_COOKIE_TS_ECN;
	return bits;
}

/*
 * The SYN-ACK's TSval before the per-flow offset: the millisecond clock with
 * its low bits replaced by the options, never ahead of the clock, so the
 * connection's later timestamps (clock + offset) never run backwards.
 * Mirrors cookie_init_timestamp() (net/ipv4/syncookies.c, 6.1-6.18): it
 * reads a request sock and 6.12 does not export it.
 */
static inline u32 lab_cookie_tsval(u32 now_ms, u32 bits)
{
	u32 mask = (1U << LAB_COOKIE_TS_BITS) - 1;
	u32 ts = (now_ms & ~mask) | (bits & mask);

	if (ts > now_ms)
		ts -= 1U << LAB_COOKIE_TS_BITS;
	return ts;
}

/*
 * Would the kernel accept the options a cookie ACK echoes? @o is the ACK's
 * option block with only the timestamps the namespace parses (none when
 * net.ipv4.tcp_timestamps is 0) and @ts_off the flow's timestamp offset.
 * Mirrors cookie_timestamp_decode() (net/ipv4/syncookies.c, 6.1-6.18),
 * which 6.12 does not export: no timestamp means no options; an option the
 * namespace has since turned off makes the cookie useless.
 */
static inline bool lab_cookie_ts_acceptable(const struct lab_tcp_opts *o,
					    u32 ts_off,
					    const struct lab_cookie_cfg *cfg)
{
	u32 bits;

	if (!o->has_ts)
		return true;
	if (!cfg->timestamps)
		return false;
	bits = o->tsecr ? o->tsecr - ts_off : 0;
	if ((bits & LAB_COOKIE_TS_SACK) && !cfg->sack)
		return false;
	if ((bits & LAB_COOKIE_TS_WSCALE_MASK) == LAB_COOKIE_TS_WSCALE_MASK)
		return true;
	return cfg->window_scaling;
}

static inline int lab_ilog2_u32(u32 v)
{
#ifdef __KERNEL__
	return fls(v) - 1;
#else
	return v ? 31 - __builtin_clz(v) : -1;
#endif
}

/* Inputs of the kernel's initial receive window choice for a listener. */
struct lab_window_in {
	int full_space;		/* tcp_full_space(listener) */
	u32 mss;		/* the MSS the cookie encodes */
	u32 window_clamp;	/* listener's clamp or route's, 0: none */
	u32 init_rcv_wnd;	/* route's initrwnd in segments, 0: none */
	u32 rmem_max;		/* net.core.rmem_max */
	u32 tcp_rmem2;		/* net.ipv4.tcp_rmem[2] */
	bool signed_windows;	/* net.ipv4.tcp_workaround_signed_windows */
	bool wscale_ok;
};

struct lab_window_out {
	u16 window;		/* unscaled SYN-ACK window field */
	u8 rcv_wscale;		/* the shift to advertise */
};

/*
 * The initial window and our window scale, as the kernel chooses them for a
 * listener (and chooses again when it rebuilds a connection from a cookie):
 * space limited by the clamp (no clamp: the largest scaled window), rounded
 * down to whole segments, limited to 32767 with the signed-window workaround
 * and to initrwnd segments; the scale from the largest buffer the connection
 * may grow to, log2 minus 15, between 0 and 14. Mirrors
 * tcp_select_initial_window() (net/ipv4/tcp_output.c, 6.1-6.18), which 6.12
 * does not export.
 */
static inline struct lab_window_out
lab_initial_window(const struct lab_window_in *in)
{
	struct lab_window_out out = { 0 };
	u32 clamp = in->window_clamp;
	u32 space = in->full_space < 0 ? 0 : (u32)in->full_space;
	u32 wnd, top;
	int shift;

	if (!clamp)
		clamp = 65535U << TCP_MAX_WSCALE;
	space = min_t(u32, space, clamp);
	if (in->mss && space > in->mss)
		space -= space % in->mss;

	wnd = space;
	if (in->signed_windows)
		wnd = min_t(u32, wnd, 32767U);
	if (in->init_rcv_wnd)
		wnd = min_t(u32, wnd, in->init_rcv_wnd * in->mss);
	out.window = (u16)min_t(u32, wnd, 65535U);

	if (in->wscale_ok) {
		top = max_t(u32, space, in->tcp_rmem2);
		top = max_t(u32, top, in->rmem_max);
		top = min_t(u32, top, clamp);
		shift = lab_ilog2_u32(top) - 15;
		out.rcv_wscale = (u8)min_t(int, max_t(int, shift, 0),
					   TCP_MAX_WSCALE);
	}
	return out;
}

/*
 * Write a SYN-ACK's options into @buf (LAB_SYNACK_MAX_OPTLEN bytes) in the
 * kernel's layout: MSS; SACK_PERM folded into the timestamp's padding, or
 * padded alone; NOP + window scale. Returns the length, a multiple of 4.
 * Mirrors tcp_options_write() (net/ipv4/tcp_output.c, 6.1-6.18), which is
 * static and writes from a socket's state.
 */
static inline unsigned int
lab_synack_opts_write(u8 *buf, u16 mss, const struct lab_cookie_offer *off,
		      u32 tsval, u32 tsecr, u8 rcv_wscale)
{
	unsigned int n = 0;

	buf[n++] = TCPOPT_MSS;
	buf[n++] = TCPOLEN_MSS;
	put_unaligned_be16(mss, buf + n);
	n += 2;
	if (off->ts) {
		if (off->sack) {
			buf[n++] = TCPOPT_SACK_PERM;
			buf[n++] = TCPOLEN_SACK_PERM;
		} else {
			buf[n++] = TCPOPT_NOP;
			buf[n++] = TCPOPT_NOP;
		}
		buf[n++] = TCPOPT_TIMESTAMP;
		buf[n++] = TCPOLEN_TIMESTAMP;
		put_unaligned_be32(tsval, buf + n);
		put_unaligned_be32(tsecr, buf + n + 4);
		n += 8;
	} else if (off->sack) {
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_SACK_PERM;
		buf[n++] = TCPOLEN_SACK_PERM;
	}
	if (off->wscale_ok) {
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_WINDOW;
		buf[n++] = TCPOLEN_WINDOW;
		buf[n++] = rcv_wscale;
	}
	return n;
}

#endif /* _TCP_LAB_COOKIE_MATH_H */
