// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for include/tcp_lab/cookie_math.h: the MSS a SYN asks for, the
 * timestamp option bits; the initial window and window scale against a
 * 64-bit reference; the SYN-ACK option block read back by the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/cookie_math.h>

#include "ktap.h"

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
		uint32_t off_ts = ktap_rand();
		struct lab_tcp_opts ack = {
			.has_ts = true,
			.tsecr = lab_cookie_tsval(ktap_rand() | 64, bits) + off_ts,
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
			.full_space = (int)(ktap_rand() >> (ktap_rand() % 32)) -
				      (int)(ktap_rand() % 3 == 0 ? 1000 : 0),
			.mss = ktap_rand() % 3 ? 536 + ktap_rand() % 9000 : 0,
			.window_clamp = ktap_rand() % 2 ? 0 : ktap_rand() >> (ktap_rand() % 32),
			.init_rcv_wnd = ktap_rand() % 4 ? 0 : ktap_rand() % 100,
			.rmem_max = ktap_rand() >> (ktap_rand() % 32),
			.tcp_rmem2 = ktap_rand() >> (ktap_rand() % 32),
			.signed_windows = ktap_rand() % 4 == 0,
			.wscale_ok = ktap_rand() % 4 != 0,
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
	ktap_plan(7);
	ktap_result(syn_mss_rules(), "syn_mss_default_and_user_mss");
	ktap_result(tsval_rules(), "cookie_tsval_keeps_bits_and_never_runs_ahead");
	ktap_result(ts_bits_roundtrip(), "cookie_ts_bits_roundtrip_and_sysctl_checks");
	ktap_result(offer_rules(), "cookie_offer_only_mss_without_timestamps");
	ktap_result(window_known_values(), "initial_window_known_values");
	ktap_result(window_matches_reference(500000), "initial_window_matches_reference");
	ktap_result(synack_opts_roundtrip(), "synack_opts_read_back");
	return ktap_finish();
}
