/* SPDX-License-Identifier: GPL-2.0 */
/* What the libFuzzer targets share: reading values off the input. */
#ifndef _TCP_LAB_FUZZ_H
#define _TCP_LAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The next @bytes of the input, big-endian; fewer if it runs out. */
static inline uint64_t fuzz_take(const uint8_t **p, size_t *n, size_t bytes)
{
	uint64_t v = 0;

	while (bytes-- && *n) {
		v = (v << 8) | **p;
		(*p)++;
		(*n)--;
	}
	return v;
}

/*
 * The rest of the input in a heap buffer of exactly its size, so that
 * AddressSanitizer sees any read past it; NULL if out of memory.
 */
static inline uint8_t *fuzz_exact_copy(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);

	if (b)
		memcpy(b, data, size);
	return b;
}

#endif
