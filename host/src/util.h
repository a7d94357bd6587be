/*
 * util.h - the small things libhta needs in many places, written once
 * (internal): little-endian loads and stores, and the monotonic clock.
 */
#ifndef HTA_UTIL_H
#define HTA_UTIL_H

#include <stdint.h>
#include <time.h>

static inline void hta_st_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void hta_st_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void hta_st_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t hta_ld_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t hta_ld_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hta_ld_le64(const uint8_t *p) {
  return (uint64_t)hta_ld_le32(p) | (uint64_t)hta_ld_le32(p + 4) << 32;
}

/* Milliseconds and seconds of CLOCK_MONOTONIC (where the including file
 * asked for POSIX: _POSIX_C_SOURCE >= 199309L, as every user of time limits
 * does; the little-endian helpers need nothing). */
#ifdef CLOCK_MONOTONIC
static inline double hta_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}
static inline double hta_now_s(void) { return hta_now_ms() * 1e-3; }
#endif

#endif /* HTA_UTIL_H */
