/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP options (RFC 9293 3.1, RFC 7323, RFC 2018, RFC 2385, RFC 5925) as both
 * hooks read them, in the kernel's names (TCPOPT_*, TCPOLEN_*,
 * get_unaligned_be*()), compiled by the module and by the userspace unit
 * tests and fuzzers, which get the names from the shim below.
 *
 * lab_tcp_parse_opts() mirrors tcp_parse_options() (net/ipv4/tcp_input.c,
 * 6.1-6.18) for the options a SYN or a cookie ACK can carry. That function
 * is exported, but it reads a socket buffer whose transport header TCP has
 * set, and it neither says that a block is malformed (which the SYN-cookie
 * hook drops) nor that a signature option is present (which it leaves to
 * TCP).
 */
#ifndef _TCP_LAB_TCP_OPTS_H
#define _TCP_LAB_TCP_OPTS_H

#include "types.h"

#ifdef __KERNEL__
/* TCPOPT_*, TCPOLEN_*; get_unaligned_be*() come with module/compat.h. */
#include <net/tcp.h>
#else
#define TCPOPT_NOP		1
#define TCPOPT_EOL		0
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_TIMESTAMP	8
#define TCPOPT_MD5SIG		19
#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10
#define TCP_MAX_WSCALE		14U
#define MAX_TCP_OPTION_SPACE	40

static inline u16 get_unaligned_be16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] << 8 | b[1]);
}

static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static inline void put_unaligned_be16(u16 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 8;
	b[1] = v;
}

static inline void put_unaligned_be32(u32 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}
#endif

/* TCP-AO (RFC 5925) came to the kernel's names in 6.7. */
#ifndef TCPOPT_AO
#define TCPOPT_AO		29
#endif

/* What a segment's option block says; fields are zero when absent. */
struct lab_tcp_opts {
	u16 mss;		/* the last non-zero MSS option, 0: none */
	u8 wscale;		/* peer's shift, already capped at 14 */
	bool has_wscale;
	bool sack_perm;
	bool has_ts;
	bool is_signed;		/* TCP-MD5 or TCP-AO option present */
	u32 tsval;		/* the last timestamp option's */
	u32 tsecr;
};

/*
 * Parse @len bytes of TCP options, as TCP does: each known option of the
 * right length counts (the last of a kind wins; an MSS of 0 is ignored; a
 * shift above 14 is taken as 14), one of a known kind but a wrong length is
 * skipped, EOL ends the block. Returns 0, or -1 when the block is
 * malformed: a length below 2 or running past the end, where TCP silently
 * stops reading and keeps what it read before, as *o does.
 */
static inline int lab_tcp_parse_opts(const u8 *p, unsigned int len,
				     struct lab_tcp_opts *o)
{
	unsigned int i = 0;

	*o = (struct lab_tcp_opts){ 0 };
	while (i < len) {
		u8 kind = p[i], size;

		if (kind == TCPOPT_EOL)
			return 0;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -1;
		size = p[i + 1];
		if (size < 2 || size > len - i)
			return -1;
		switch (kind) {
		case TCPOPT_MSS:
			if (size == TCPOLEN_MSS && get_unaligned_be16(p + i + 2))
				o->mss = get_unaligned_be16(p + i + 2);
			break;
		case TCPOPT_WINDOW:
			if (size == TCPOLEN_WINDOW) {
				o->has_wscale = true;
				o->wscale = min_t(u8, p[i + 2], TCP_MAX_WSCALE);
			}
			break;
		case TCPOPT_SACK_PERM:
			if (size == TCPOLEN_SACK_PERM)
				o->sack_perm = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (size == TCPOLEN_TIMESTAMP) {
				o->has_ts = true;
				o->tsval = get_unaligned_be32(p + i + 2);
				o->tsecr = get_unaligned_be32(p + i + 6);
			}
			break;
		case TCPOPT_MD5SIG:
		case TCPOPT_AO:
			o->is_signed = true;
			break;
		}
		i += size;
	}
	return 0;
}

#endif /* _TCP_LAB_TCP_OPTS_H */
