// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for include/tcp_lab/cookie_math.h: a SYN's option block
 * of any length and content, namespace settings and clocks from the input.
 * Nothing may read outside the block (ASan: it is copied to a buffer of
 * exactly its size) or overflow (UBSan), and the cookie path must round-trip:
 *   - the parsed window scale is capped at 14
 *   - the cookie TSval is less than 64 ms behind the (wrapping) clock and
 *     carries the option bits in its low 6 bits
 *   - an ACK echoing that TSval (plus the per-flow offset) is acceptable
 *     under the same settings
 *   - the SYN-ACK option block is at most 20 bytes, a multiple of 4, and
 *     parses back to the MSS, window scale, SACK and timestamps it offered
 *   - the initial window fits the 16-bit field and its scale is 14 or less
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/cookie_math.h>

#include "fuzz.h"

static void check_synack(const struct lab_cookie_offer *off, uint16_t mss,
			 uint32_t tsval, uint32_t tsecr, uint8_t wscale)
{
	uint8_t buf[LAB_SYNACK_MAX_OPTLEN];
	struct lab_tcp_opts back;
	unsigned int n;

	n = lab_synack_opts_write(buf, mss, off, tsval, tsecr, wscale);
	if (n > sizeof(buf) || n % 4)
		abort();
	if (lab_tcp_parse_opts(buf, n, &back))
		abort();
	if (back.mss != mss || back.has_ts != off->ts ||
	    back.sack_perm != off->sack || back.has_wscale != off->wscale_ok)
		abort();
	if (off->ts && (back.tsval != tsval || back.tsecr != tsecr))
		abort();
	if (off->wscale_ok && back.wscale != (wscale > 14 ? 14 : wscale))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t flags = fuzz_take(&data, &size, 1);
	uint32_t now_ms = fuzz_take(&data, &size, 4);
	uint32_t ts_off = fuzz_take(&data, &size, 4);
	uint16_t mss = fuzz_take(&data, &size, 2);
	struct lab_cookie_cfg cfg = {
		.timestamps = flags & 1,
		.sack = flags & 2,
		.window_scaling = flags & 4,
	};
	struct lab_window_in win = {
		.full_space = (int)fuzz_take(&data, &size, 4),
		.mss = mss,
		.window_clamp = fuzz_take(&data, &size, 4),
		.init_rcv_wnd = fuzz_take(&data, &size, 2),
		.rmem_max = fuzz_take(&data, &size, 4),
		.tcp_rmem2 = fuzz_take(&data, &size, 4),
		.signed_windows = flags & 16,
		.wscale_ok = flags & 32,
	};
	struct lab_cookie_offer off;
	struct lab_window_out wout;
	struct lab_tcp_opts syn, ack = { 0 };
	uint32_t bits, tsval;
	uint8_t *opts;

	/* The rest is the SYN's option block, at any length. */
	opts = fuzz_exact_copy(data, size);
	if (!opts)
		return 0;
	lab_tcp_parse_opts(opts, size, &syn);
	free(opts);
	if (syn.has_wscale && syn.wscale > TCP_MAX_WSCALE)
		abort();

	off = lab_cookie_offer_of(&syn, &cfg, flags & 8);
	bits = lab_cookie_ts_bits(&off);
	tsval = lab_cookie_tsval(now_ms, bits);
	/* The millisecond clock wraps: behind it, modulo 2^32. */
	if ((uint32_t)(now_ms - tsval) >= 1U << LAB_COOKIE_TS_BITS)
		abort();
	if ((tsval & ((1U << LAB_COOKIE_TS_BITS) - 1)) !=
	    (bits & ((1U << LAB_COOKIE_TS_BITS) - 1)))
		abort();

	/* The client's ACK echoes our TSval, shifted by the per-flow offset. */
	if (off.ts) {
		ack.has_ts = true;
		ack.tsecr = tsval + ts_off;
		if (ack.tsecr && !lab_cookie_ts_acceptable(&ack, ts_off, &cfg))
			abort();
	}

	wout = lab_initial_window(&win);
	if (wout.rcv_wscale > TCP_MAX_WSCALE)
		abort();
	check_synack(&off, mss, tsval + ts_off, syn.tsval, wout.rcv_wscale);
	return 0;
}
