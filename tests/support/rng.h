/*
 * rng.h - a small seeded PRNG for reproducible randomized tests (splitmix64:
 * every seed, including 0, gives a good stream; a case is replayed from its
 * seed alone).
 */
#ifndef HTA_TEST_RNG_H
#define HTA_TEST_RNG_H

#include <stdint.h>

typedef struct hta_rng {
  uint64_t s;
} hta_rng;

static inline void hta_rng_seed(hta_rng *r, uint64_t seed) { r->s = seed; }

static inline uint64_t hta_rng_u64(hta_rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive; hi >= lo, hi - lo < 2^32). */
static inline int64_t hta_rng_range(hta_rng *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)(hta_rng_u64(r) % (uint64_t)(hi - lo + 1));
}

/* 1 with probability percent/100. */
static inline int hta_rng_chance(hta_rng *r, int percent) {
  return (int)(hta_rng_u64(r) % 100) < percent;
}

/* The seed of case i of a run with the given master seed. */
static inline uint64_t hta_rng_case_seed(uint64_t master, uint64_t i) {
  hta_rng r = {master ^ (i * UINT64_C(0xD1B54A32D192ED03))};
  return hta_rng_u64(&r);
}

#endif /* HTA_TEST_RNG_H */
