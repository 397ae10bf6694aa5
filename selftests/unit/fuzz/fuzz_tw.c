// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the TIME_WAIT hook's timestamp reading: the option
 * parser (include/tcp_lab/tcp_opts.h) on an option block of any length and
 * content (copied to a buffer of exactly its size, so ASan sees any read
 * past it), and tw_math.h's tw_recycle and TIME_WAIT age decisions on any
 * clocks, where UBSan checks the wrapping arithmetic. Invariants:
 *   - a timestamp found is the bytes of a well-formed kind 8, length 10
 *     option inside the block
 *   - a SYN with a TSval at least the remembered one is never refused, and
 *     nothing is refused once the memory has expired
 *   - a socket is only cut short while its own timer still runs
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tcp_lab/tcp_opts.h>
#include <tcp_lab/tw_math.h>

#include "fuzz.h"

static int ts_in_block(const uint8_t *b, size_t len, uint32_t tsval,
		       uint32_t tsecr)
{
	size_t i;

	for (i = 0; i + 10 <= len; i++)
		if (b[i] == 8 && b[i + 1] == 10 &&
		    get_unaligned_be32(b + i + 2) == tsval &&
		    get_unaligned_be32(b + i + 6) == tsecr)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t remembered = fuzz_take(&data, &size, 4);
	uint32_t stamp = fuzz_take(&data, &size, 4);
	uint32_t now = fuzz_take(&data, &size, 4);
	uint32_t window = fuzz_take(&data, &size, 2);
	uint32_t tsval = fuzz_take(&data, &size, 4);
	unsigned long expires = fuzz_take(&data, &size, 4);
	unsigned long jnow = fuzz_take(&data, &size, 4);
	unsigned long len = fuzz_take(&data, &size, 4);
	unsigned long timeout = fuzz_take(&data, &size, 4);
	struct lab_tcp_opts o;
	uint8_t *opts;

	opts = fuzz_exact_copy(data, size);
	if (!opts)
		return 0;
	lab_tcp_parse_opts(opts, size, &o);
	if (o.has_ts && !ts_in_block(opts, size, o.tsval, o.tsecr))
		abort();
	free(opts);

	if ((int32_t)(tsval - remembered) >= 0 &&
	    lab_tw_recycle_reject(remembered, stamp, now, window, true, tsval))
		abort();
	if (now - stamp >= window &&
	    lab_tw_recycle_reject(remembered, stamp, now, window, false, 0))
		abort();
	if (lab_tw_cut_short(expires, jnow, len, timeout, 25) &&
	    (long)(expires - jnow) <= 25)
		abort();
	return 0;
}
