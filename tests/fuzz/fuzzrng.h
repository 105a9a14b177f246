/* SPDX-License-Identifier: GPL-2.0 */
/* fuzzrng.h - the frame fuzzers' random numbers (fuzz_frames.c, fuzz_decap.c): xorshift64*,
 * fast and the same sequence for the same seed everywhere, so that a failure replays from its
 * seed. One state per program: set rng_state from the seed before the first draw. */
#ifndef XLB_FUZZRNG_H
#define XLB_FUZZRNG_H

#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A number in 0..n-1 (0 when n is 0). */
static inline uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rng() % n) : 0;
}

#endif /* XLB_FUZZRNG_H */
