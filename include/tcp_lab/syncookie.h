/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure helpers of the SYN-cookie hook, shared by the module and the unit
 * tests: TCP option parsing, the option bits the kernel keeps in the low bits
 * of a cookie SYN-ACK's timestamp, the window and window scale the kernel
 * recomputes when a cookie ACK arrives, and the SYN-ACK's option block.
 *
 * Nothing here touches a socket or a packet buffer: callers pass plain
 * values read from the namespace's sysctls and the listener.
 */
#ifndef _TCP_LAB_SYNCOOKIE_H
#define _TCP_LAB_SYNCOOKIE_H

#include "types.h"

#ifdef __KERNEL__
#include <linux/bitops.h>
#endif

/* Option kinds (RFC 9293, RFC 7323, RFC 2018, RFC 2385, RFC 5925). */
#define LAB_TCPOPT_EOL		0
#define LAB_TCPOPT_NOP		1
#define LAB_TCPOPT_MSS		2
#define LAB_TCPOPT_WINDOW	3
#define LAB_TCPOPT_SACK_PERM	4
#define LAB_TCPOPT_TIMESTAMP	8
#define LAB_TCPOPT_MD5SIG	19
#define LAB_TCPOPT_AO		29

#define LAB_TCP_MAX_WSCALE	14
#define LAB_TCP_MAX_OPTLEN	40
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

/* What a segment's option block says; fields are zero when absent. */
struct lab_tcp_opts {
	u16 mss;		/* the last non-zero MSS option, 0: none */
	u8 wscale;		/* peer's shift, already capped at 14 */
	bool has_wscale;
	bool sack_perm;
	bool has_ts;
	bool is_signed;		/* TCP-MD5 or TCP-AO option present */
	u32 tsval;
	u32 tsecr;
};

/* 16 and 32 bit big-endian loads from unaligned option bytes. */
static inline u16 lab_get_be16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 lab_get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static inline void lab_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void lab_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/*
 * Parse @len bytes of TCP options. Options of a known kind but the wrong
 * length are skipped, as the kernel skips them. Returns 0, or -1 when the
 * block is malformed: an option length below 2 or running past the end of
 * the header, where the kernel silently stops reading.
 */
static inline int lab_tcp_parse_opts(const u8 *p, unsigned int len,
				     struct lab_tcp_opts *o)
{
	unsigned int i = 0;

	*o = (struct lab_tcp_opts){ 0 };
	while (i < len) {
		u8 kind = p[i], size;

		if (kind == LAB_TCPOPT_EOL)
			return 0;
		if (kind == LAB_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -1;
		size = p[i + 1];
		if (size < 2 || size > len - i)
			return -1;
		switch (kind) {
		case LAB_TCPOPT_MSS:
			/* As TCP: an MSS of 0 is ignored, not taken. */
			if (size == 4 && lab_get_be16(p + i + 2))
				o->mss = lab_get_be16(p + i + 2);
			break;
		case LAB_TCPOPT_WINDOW:
			if (size == 3) {
				o->has_wscale = true;
				o->wscale = min_t(u8, p[i + 2], LAB_TCP_MAX_WSCALE);
			}
			break;
		case LAB_TCPOPT_SACK_PERM:
			if (size == 2)
				o->sack_perm = true;
			break;
		case LAB_TCPOPT_TIMESTAMP:
			if (size == 10) {
				o->has_ts = true;
				o->tsval = lab_get_be32(p + i + 2);
				o->tsecr = lab_get_be32(p + i + 6);
			}
			break;
		case LAB_TCPOPT_MD5SIG:
		case LAB_TCPOPT_AO:
			o->is_signed = true;
			break;
		}
		i += size;
	}
	return 0;
}

/*
 * The MSS a SYN asks for, as the kernel takes it: the option if present and
 * non-zero, lowered to the listener's TCP_MAXSEG; otherwise the family's
 * default (536 for IPv4, 1220 for IPv6), which TCP_MAXSEG does not lower.
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
 * asked for ECN and the namespace (or the route) accepts it.
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
 * Mirrors the kernel's rules: no timestamp means no options; an option the
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
 * may grow to, log2 minus 15, between 0 and 14.
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
		clamp = 65535U << LAB_TCP_MAX_WSCALE;
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
		if (shift < 0)
			shift = 0;
		if (shift > LAB_TCP_MAX_WSCALE)
			shift = LAB_TCP_MAX_WSCALE;
		out.rcv_wscale = (u8)shift;
	}
	return out;
}

/*
 * Write a SYN-ACK's options into @buf (LAB_SYNACK_MAX_OPTLEN bytes) in the
 * kernel's layout: MSS; SACK_PERM folded into the timestamp's padding, or
 * padded alone; NOP + window scale. Returns the length, a multiple of 4.
 */
static inline unsigned int
lab_synack_opts_write(u8 *buf, u16 mss, const struct lab_cookie_offer *off,
		      u32 tsval, u32 tsecr, u8 rcv_wscale)
{
	unsigned int n = 0;

	buf[n++] = LAB_TCPOPT_MSS;
	buf[n++] = 4;
	lab_put_be16(buf + n, mss);
	n += 2;
	if (off->ts) {
		if (off->sack) {
			buf[n++] = LAB_TCPOPT_SACK_PERM;
			buf[n++] = 2;
		} else {
			buf[n++] = LAB_TCPOPT_NOP;
			buf[n++] = LAB_TCPOPT_NOP;
		}
		buf[n++] = LAB_TCPOPT_TIMESTAMP;
		buf[n++] = 10;
		lab_put_be32(buf + n, tsval);
		lab_put_be32(buf + n + 4, tsecr);
		n += 8;
	} else if (off->sack) {
		buf[n++] = LAB_TCPOPT_NOP;
		buf[n++] = LAB_TCPOPT_NOP;
		buf[n++] = LAB_TCPOPT_SACK_PERM;
		buf[n++] = 2;
	}
	if (off->wscale_ok) {
		buf[n++] = LAB_TCPOPT_NOP;
		buf[n++] = LAB_TCPOPT_WINDOW;
		buf[n++] = 3;
		buf[n++] = rcv_wscale;
	}
	return n;
}

#endif /* _TCP_LAB_SYNCOOKIE_H */
