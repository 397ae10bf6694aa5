/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types for the pure helpers in include/tcp_lab/, so the same
 * header compiles in the module and in the userspace unit tests and fuzzers.
 * Also the kernel's 64-bit divisions: a plain u64 '/' or '%' makes a 32-bit
 * kernel's module import libgcc's __udivdi3 or __umoddi3, which the kernel
 * does not provide, so the helpers divide with div_u64() and div64_u64().
 */
#ifndef _TCP_LAB_TYPES_H
#define _TCP_LAB_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#else
#include <stdint.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef max_t
#define max_t(type, a, b) ((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#endif

/* <linux/math64.h>'s, where a 64-bit division is native. */
static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

static inline u64 div64_u64(u64 dividend, u64 divisor)
{
	return dividend / divisor;
}
#endif

#endif /* _TCP_LAB_TYPES_H */
