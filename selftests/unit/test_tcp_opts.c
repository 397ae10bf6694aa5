// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/tcp_opts.h, the one TCP option parser both
 * hooks use: hand-made blocks with TCP's rules (the last option of a kind
 * wins, an MSS of 0 is ignored, what came before a malformed option is
 * kept), and a second, independently written parser on random blocks, each
 * on the heap at its exact size so AddressSanitizer sees any overread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/tcp_opts.h>

#include "ktap.h"

/*
 * Reference parser: walks the block by kinds with explicit bounds, the way
 * RFC 9293 3.2 describes it, and reports the same fields.
 */
static int ref_parse(const uint8_t *p, unsigned int len, struct lab_tcp_opts *o)
{
	const uint8_t *end = p + len;

	memset(o, 0, sizeof(*o));
	while (p < end) {
		unsigned int l;

		if (*p == 0)
			return 0;
		if (*p == 1) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return -1;
		l = p[1];
		if (*p == 2 && l == 4 && (p[2] || p[3]))
			o->mss = (uint16_t)(p[2] * 256 + p[3]);
		else if (*p == 3 && l == 3) {
			o->has_wscale = true;
			o->wscale = p[2] > 14 ? 14 : p[2];
		} else if (*p == 4 && l == 2) {
			o->sack_perm = true;
		} else if (*p == 8 && l == 10) {
			o->has_ts = true;
			o->tsval = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
				   (uint32_t)p[4] << 8 | p[5];
			o->tsecr = (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 |
				   (uint32_t)p[8] << 8 | p[9];
		} else if (*p == 19 || *p == 29) {
			o->is_signed = true;
		}
		p += l;
	}
	return 0;
}

static int same_opts(const struct lab_tcp_opts *a, const struct lab_tcp_opts *b)
{
	return a->mss == b->mss && a->wscale == b->wscale &&
	       a->has_wscale == b->has_wscale && a->sack_perm == b->sack_perm &&
	       a->has_ts == b->has_ts && a->is_signed == b->is_signed &&
	       a->tsval == b->tsval && a->tsecr == b->tsecr;
}

static int parse_known_blocks(void)
{
	/* Linux's SYN: MSS 1460, SACK_PERM, TS, NOP, WS 7 */
	static const uint8_t linux_syn[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34,
		0, 0, 0, 0, 1, 3, 3, 7,
	};
	static const uint8_t overrun[] = { 2, 4, 0x05, 0xb4, 8, 10, 1, 2 };
	static const uint8_t zero_len[] = { 1, 1, 5, 0, 1, 1 };
	static const uint8_t lone_kind[] = { 1, 1, 1, 3 };
	static const uint8_t eol_stops[] = { 0, 2, 99, 1, 1 };
	static const uint8_t big_ws[] = { 3, 3, 15, 2, 3, 1, 1, 1 };
	static const uint8_t md5[] = { 19, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 1, 1 };
	/* TCP ignores an MSS of 0: an earlier real one stands */
	static const uint8_t mss_then_zero[] = { 2, 4, 0x05, 0xb4, 2, 4, 0, 0 };
	static const uint8_t mss_then_mss[] = { 2, 4, 0x05, 0xb4, 2, 4, 2, 0 };
	struct lab_tcp_opts o;

	if (lab_tcp_parse_opts(linux_syn, sizeof(linux_syn), &o) ||
	    o.mss != 1460 || !o.sack_perm || !o.has_ts || o.tsval != 0x1234 ||
	    o.tsecr || !o.has_wscale || o.wscale != 7 || o.is_signed)
		return 0;
	if (lab_tcp_parse_opts(overrun, sizeof(overrun), &o) != -1)
		return 0;
	if (lab_tcp_parse_opts(zero_len, sizeof(zero_len), &o) != -1)
		return 0;
	if (lab_tcp_parse_opts(lone_kind, sizeof(lone_kind), &o) != -1)
		return 0;
	if (lab_tcp_parse_opts(eol_stops, sizeof(eol_stops), &o) || o.mss)
		return 0;
	/* wrong-length MSS skipped, oversized shift capped at 14 */
	if (lab_tcp_parse_opts(big_ws, sizeof(big_ws), &o) || o.mss ||
	    !o.has_wscale || o.wscale != 14)
		return 0;
	if (lab_tcp_parse_opts(md5, sizeof(md5), &o) || !o.is_signed)
		return 0;
	if (lab_tcp_parse_opts(mss_then_zero, sizeof(mss_then_zero), &o) ||
	    o.mss != 1460)
		return 0;
	if (lab_tcp_parse_opts(mss_then_mss, sizeof(mss_then_mss), &o) ||
	    o.mss != 512)
		return 0;
	return lab_tcp_parse_opts(NULL, 0, &o) == 0 && !o.has_ts;
}

/* Random blocks, biased towards real option kinds and lengths. */
static int parse_matches_reference(unsigned int rounds)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 8, 19, 29, 30, 254 };
	static const uint8_t sizes[] = { 0, 1, 2, 3, 4, 10, 18, 40, 255 };
	uint8_t buf[MAX_TCP_OPTION_SPACE];
	unsigned int r, i, len;

	for (r = 0; r < rounds; r++) {
		struct lab_tcp_opts a, b;
		uint8_t *p;
		int ra, rb;

		len = ktap_rand() % (MAX_TCP_OPTION_SPACE + 1);
		for (i = 0; i < len; i++) {
			uint32_t x = ktap_rand();

			buf[i] = (x & 3) == 0 ? kinds[(x >> 2) % sizeof(kinds)] :
				 (x & 3) == 1 ? sizes[(x >> 2) % sizeof(sizes)] :
				 (uint8_t)(x >> 8);
		}
		/* Exactly len bytes on the heap, so ASan sees any overread. */
		p = malloc(len ? len : 1);
		if (!p)
			return 0;
		memcpy(p, buf, len);
		ra = lab_tcp_parse_opts(p, len, &a);
		rb = ref_parse(p, len, &b);
		free(p);
		/* Fields read before a malformed option count too. */
		if (ra != rb || !same_opts(&a, &b)) {
			ktap_diag("round %u: len %u rc %d/%d", r, len, ra, rb);
			return 0;
		}
	}
	return 1;
}


/* Two timestamp options: TCP's parser keeps the last, and so must we. */
static int ts_last_one_wins(void)
{
	static const uint8_t two[] = {
		8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
		8, 10, 0, 0, 0, 3, 0, 0, 0, 4,
	};
	struct lab_tcp_opts o;

	return !lab_tcp_parse_opts(two, sizeof(two), &o) && o.has_ts &&
	       o.tsval == 3 && o.tsecr == 4;
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
	static const uint8_t bad_then_ts[] = {
		3, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
	};
	static const uint8_t eol_then_ts[] = {
		0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
	};
	struct lab_tcp_opts o;

	return lab_tcp_parse_opts(ts_then_bad, sizeof(ts_then_bad), &o) == -1 &&
	       o.has_ts && o.tsval == 5 &&
	       lab_tcp_parse_opts(ts_then_past_end, sizeof(ts_then_past_end),
				  &o) == -1 &&
	       o.has_ts && o.tsval == 7 && o.tsecr == 8 &&
	       lab_tcp_parse_opts(bad_then_ts, sizeof(bad_then_ts), &o) == -1 &&
	       !o.has_ts &&
	       !lab_tcp_parse_opts(eol_then_ts, sizeof(eol_then_ts), &o) &&
	       !o.has_ts;
}

static int get_unaligned_is_big_endian(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4 };
	uint8_t out[4];

	put_unaligned_be32(0x0a0b0c0d, out);
	return get_unaligned_be16(b) == 0x0102 &&
	       get_unaligned_be32(b) == 0x01020304 &&
	       out[0] == 10 && out[3] == 13;
}

int main(void)
{
	ktap_plan(5);
	ktap_result(parse_known_blocks(), "opts_parse_known_blocks");
	ktap_result(ts_last_one_wins(), "ts_last_one_wins");
	ktap_result(ts_before_malformed_kept(), "ts_before_malformed_kept");
	ktap_result(parse_matches_reference(2000000),
		    "opts_parse_matches_reference_on_2M_random_blocks");
	ktap_result(get_unaligned_is_big_endian(), "get_unaligned_is_big_endian");
	return ktap_finish();
}
