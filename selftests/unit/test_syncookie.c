// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/syncookie.h: option parsing against a
 * second, independently written parser on random input; the timestamp
 * option bits; the initial window and window scale against a 64-bit
 * reference; the SYN-ACK option block read back by the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/syncookie.h>

#include "ktap.h"

/* xorshift32: reproducible input without libc's rand() quirks. */
static uint32_t rng_state = 0x2545f491;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

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
	uint8_t buf[LAB_TCP_MAX_OPTLEN];
	unsigned int r, i, len;

	for (r = 0; r < rounds; r++) {
		struct lab_tcp_opts a, b;
		uint8_t *p;
		int ra, rb;

		len = rnd() % (LAB_TCP_MAX_OPTLEN + 1);
		for (i = 0; i < len; i++) {
			uint32_t x = rnd();

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
		if (ra != rb || (ra == 0 && !same_opts(&a, &b))) {
			ktap_diag("round %u: len %u rc %d/%d", r, len, ra, rb);
			return 0;
		}
	}
	return 1;
}

static int syn_mss_rules(void)
{
	return lab_syn_mss(0, 0, 536) == 536 &&
	       lab_syn_mss(0, 1000, 536) == 536 &&
	       lab_syn_mss(1460, 0, 536) == 1460 &&
	       lab_syn_mss(1460, 1300, 536) == 1300 &&
	       lab_syn_mss(1200, 1300, 1220) == 1200;
}

static int tsval_rules(void)
{
	static const uint32_t nows[] = {
		64, 65, 127, 128, 1000, 123456789, 0x7fffffff,
		0xffffffc0, 0xffffffff,
	};
	unsigned int i, b;

	for (i = 0; i < ARRAY_SIZE(nows); i++) {
		for (b = 0; b < 64; b++) {
			uint32_t ts = lab_cookie_tsval(nows[i], b);

			if ((ts & 63) != b || ts > nows[i] || nows[i] - ts >= 64)
				return 0;
		}
	}
	return 1;
}

/* Every offer survives the trip through the TSval and back, with offsets. */
static int ts_bits_roundtrip(void)
{
	const struct lab_cookie_cfg all = { true, true, true };
	unsigned int i;

	/* every (window scale or none, SACK, ECN) combination */
	for (i = 0; i < 16 * 2 * 2; i++) {
		unsigned int ws = i % 16, sack = i / 16 % 2, ecn = i / 32;
		unsigned int wok = ws < 15;
		struct lab_cookie_offer off = {
			.ts = true, .sack = sack, .wscale_ok = wok,
			.snd_wscale = wok ? ws : 0, .ecn = ecn,
		};
		uint32_t bits = lab_cookie_ts_bits(&off);
		uint32_t off_ts = rnd();
		struct lab_tcp_opts ack = {
			.has_ts = true,
			.tsecr = lab_cookie_tsval(rnd() | 64, bits) + off_ts,
		};
		struct lab_cookie_cfg no_sack = all, no_ws = all;
		uint32_t got = ack.tsecr - off_ts;

		no_sack.sack = false;
		no_ws.window_scaling = false;
		if (!ack.tsecr)
			continue;
		if ((got & 0xf) != (wok ? ws : 0xf) ||
		    !!(got & LAB_COOKIE_TS_SACK) != sack ||
		    !!(got & LAB_COOKIE_TS_ECN) != ecn)
			return 0;
		if (!lab_cookie_ts_acceptable(&ack, off_ts, &all))
			return 0;
		if (lab_cookie_ts_acceptable(&ack, off_ts, &no_sack) != !sack)
			return 0;
		if (lab_cookie_ts_acceptable(&ack, off_ts, &no_ws) != !wok)
			return 0;
	}
	return 1;
}

static int offer_rules(void)
{
	const struct lab_cookie_cfg all = { true, true, true };
	const struct lab_cookie_cfg no_ts = { false, true, true };
	struct lab_tcp_opts syn = {
		.mss = 1460, .has_ts = true, .sack_perm = true,
		.has_wscale = true, .wscale = 9,
	};
	struct lab_cookie_offer o;

	o = lab_cookie_offer_of(&syn, &all, true);
	if (!o.ts || !o.sack || !o.wscale_ok || o.snd_wscale != 9 || !o.ecn)
		return 0;
	/* Only the MSS survives without timestamps, on either side. */
	o = lab_cookie_offer_of(&syn, &no_ts, true);
	if (o.ts || o.sack || o.wscale_ok || o.ecn)
		return 0;
	syn.has_ts = false;
	o = lab_cookie_offer_of(&syn, &all, true);
	return !o.ts && !o.sack && !o.wscale_ok && !o.ecn;
}

/* Reference window choice with 64-bit arithmetic and a shifting loop. */
static struct lab_window_out ref_window(const struct lab_window_in *in)
{
	struct lab_window_out out = { 0 };
	uint64_t clamp = in->window_clamp ? in->window_clamp : 65535ULL << 14;
	uint64_t space = in->full_space > 0 ? (uint64_t)in->full_space : 0;
	uint64_t wnd, top;
	int lg = -1;

	if (space > clamp)
		space = clamp;
	if (in->mss && space > in->mss)
		space = space / in->mss * in->mss;
	wnd = space;
	if (in->signed_windows && wnd > 32767)
		wnd = 32767;
	if (in->init_rcv_wnd && wnd > (uint64_t)(uint32_t)(in->init_rcv_wnd * in->mss))
		wnd = (uint32_t)(in->init_rcv_wnd * in->mss);
	out.window = wnd > 65535 ? 65535 : (uint16_t)wnd;
	if (in->wscale_ok) {
		top = space;
		if (top < in->tcp_rmem2)
			top = in->tcp_rmem2;
		if (top < in->rmem_max)
			top = in->rmem_max;
		if (top > clamp)
			top = clamp;
		while (top >> (lg + 1))
			lg++;
		lg -= 15;
		out.rcv_wscale = lg < 0 ? 0 : lg > 14 ? 14 : lg;
	}
	return out;
}

static int window_known_values(void)
{
	/* Debian defaults: 6 MiB tcp_rmem[2] gives the familiar shift 7. */
	struct lab_window_in in = {
		.full_space = 65483, .mss = 1460, .rmem_max = 212992,
		.tcp_rmem2 = 6291456, .wscale_ok = true,
	};
	struct lab_window_out o = lab_initial_window(&in);

	if (o.rcv_wscale != 7 || o.window != 65483 / 1460 * 1460)
		return 0;
	in.signed_windows = true;
	if (lab_initial_window(&in).window != 32767)
		return 0;
	in.signed_windows = false;
	in.init_rcv_wnd = 10;
	if (lab_initial_window(&in).window != 14600)
		return 0;
	in.init_rcv_wnd = 0;
	in.window_clamp = 40000;	/* a small clamp bounds the scale too */
	o = lab_initial_window(&in);
	if (o.rcv_wscale != 0 || o.window != 40000 / 1460 * 1460)
		return 0;
	in.wscale_ok = false;
	in.window_clamp = 0;
	return lab_initial_window(&in).rcv_wscale == 0;
}

static int window_matches_reference(unsigned int rounds)
{
	unsigned int r;

	for (r = 0; r < rounds; r++) {
		struct lab_window_in in = {
			.full_space = (int)(rnd() >> (rnd() % 32)) -
				      (int)(rnd() % 3 == 0 ? 1000 : 0),
			.mss = rnd() % 3 ? 536 + rnd() % 9000 : 0,
			.window_clamp = rnd() % 2 ? 0 : rnd() >> (rnd() % 32),
			.init_rcv_wnd = rnd() % 4 ? 0 : rnd() % 100,
			.rmem_max = rnd() >> (rnd() % 32),
			.tcp_rmem2 = rnd() >> (rnd() % 32),
			.signed_windows = rnd() % 4 == 0,
			.wscale_ok = rnd() % 4 != 0,
		};
		struct lab_window_out a = lab_initial_window(&in);
		struct lab_window_out b = ref_window(&in);

		if (a.window != b.window || a.rcv_wscale != b.rcv_wscale) {
			ktap_diag("round %u: space %d mss %u clamp %u: %u/%u vs %u/%u",
				  r, in.full_space, in.mss, in.window_clamp,
				  a.window, a.rcv_wscale, b.window, b.rcv_wscale);
			return 0;
		}
	}
	return 1;
}

/* What we write, the parser (and so the peer) reads back. */
static int synack_opts_roundtrip(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		unsigned int ts = i & 1, sack = i >> 1 & 1, ws = i >> 2;
		struct lab_cookie_offer off = {
			.ts = ts, .sack = sack, .wscale_ok = ws,
		};
		uint8_t buf[LAB_SYNACK_MAX_OPTLEN];
		struct lab_tcp_opts o;
		unsigned int n;

		n = lab_synack_opts_write(buf, 1300, &off, 0xdeadbeef,
					  0x01020304, 9);
		if (n % 4 || n > sizeof(buf))
			return 0;
		if (lab_tcp_parse_opts(buf, n, &o) || o.mss != 1300 ||
		    o.has_ts != ts || o.sack_perm != sack ||
		    o.has_wscale != ws || (ws && o.wscale != 9) ||
		    (ts && (o.tsval != 0xdeadbeef || o.tsecr != 0x01020304)))
			return 0;
	}
	return 1;
}

int main(void)
{
	ktap_plan(9);
	ktap_result(parse_known_blocks(), "opts_parse_known_blocks");
	ktap_result(parse_matches_reference(200000), "opts_parse_matches_reference_on_random_blocks");
	ktap_result(syn_mss_rules(), "syn_mss_default_and_user_mss");
	ktap_result(tsval_rules(), "cookie_tsval_keeps_bits_and_never_runs_ahead");
	ktap_result(ts_bits_roundtrip(), "cookie_ts_bits_roundtrip_and_sysctl_checks");
	ktap_result(offer_rules(), "cookie_offer_only_mss_without_timestamps");
	ktap_result(window_known_values(), "initial_window_known_values");
	ktap_result(window_matches_reference(500000), "initial_window_matches_reference");
	ktap_result(synack_opts_roundtrip(), "synack_opts_read_back");
	return ktap_finish();
}
