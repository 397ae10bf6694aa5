/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A few lines of KTAP output for the userspace unit tests, so their results
 * are counted the same way as the VM selftests, and their reproducible
 * random input.
 */
#ifndef _TCP_LAB_UNIT_KTAP_H
#define _TCP_LAB_UNIT_KTAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int ktap_n, ktap_failed;

static inline void ktap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
}

static inline void ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		ktap_failed++;
}

static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* xorshift32: reproducible input without libc's rand() quirks. */
static inline uint32_t ktap_rand(void)
{
	static uint32_t state = 0x2545f491;

	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static inline int ktap_finish(void)
{
	return ktap_failed ? 1 : 0;
}

#endif
