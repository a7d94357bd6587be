/* zipw.c - see zipw.h. Layout: PKWARE APPNOTE 6.3, sections 4.3.7 (local
 * header), 4.3.12 (central directory) and 4.3.16 (end record). */
#include "zipw.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

uint32_t zipw_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

/* Little-endian fields at a cursor (libhta's util.h). */
static uint8_t *put16(uint8_t *d, unsigned v) {
  hta_st_le16(d, (uint16_t)v);
  return d + 2;
}
static uint8_t *put32(uint8_t *d, uint32_t v) {
  hta_st_le32(d, v);
  return d + 4;
}

#define LOCAL_HDR 30u
#define CENTRAL_HDR 46u
#define END_REC 22u
#define DOS_DATE ((1u << 5) | 1u) /* 1980-01-01: a fixed date keeps output reproducible */

int zipw_build(const zipw_entry *e, int n, uint8_t **out, size_t *out_size) {
  *out = NULL;
  *out_size = 0;
  size_t total = END_REC;
  for (int i = 0; i < n; i++) {
    if (e[i].size >= 0xffffffffu || strlen(e[i].name) > 0xffffu) return -1;
    total += LOCAL_HDR + CENTRAL_HDR + 2 * strlen(e[i].name) + e[i].size;
  }
  if (total >= 0xffffffffu) return -1;
  uint8_t *buf = malloc(total);
  uint32_t *offs = malloc(sizeof *offs * (size_t)(n > 0 ? n : 1));
  uint32_t *crcs = malloc(sizeof *crcs * (size_t)(n > 0 ? n : 1));
  if (buf == NULL || offs == NULL || crcs == NULL) {
    free(buf);
    free(offs);
    free(crcs);
    return -1;
  }
  uint8_t *d = buf;
  for (int i = 0; i < n; i++) {
    const size_t nl = strlen(e[i].name);
    offs[i] = (uint32_t)(d - buf);
    crcs[i] = zipw_crc32(e[i].data, e[i].size);
    d = put32(d, 0x04034b50u);
    d = put16(d, 10);       /* version needed: 1.0 (stored) */
    d = put16(d, 0);        /* flags */
    d = put16(d, 0);        /* method: stored */
    d = put16(d, 0);        /* time */
    d = put16(d, DOS_DATE);
    d = put32(d, crcs[i]);
    d = put32(d, (uint32_t)e[i].size);
    d = put32(d, (uint32_t)e[i].size);
    d = put16(d, (unsigned)nl);
    d = put16(d, 0); /* extra field */
    memcpy(d, e[i].name, nl);
    d += nl;
    if (e[i].size) memcpy(d, e[i].data, e[i].size);
    d += e[i].size;
  }
  const uint32_t cd_off = (uint32_t)(d - buf);
  for (int i = 0; i < n; i++) {
    const size_t nl = strlen(e[i].name);
    d = put32(d, 0x02014b50u);
    d = put16(d, 3u << 8 | 30u); /* made by Unix, spec 3.0: external attrs are a mode */
    d = put16(d, 10);
    d = put16(d, 0);
    d = put16(d, 0);
    d = put16(d, 0);
    d = put16(d, DOS_DATE);
    d = put32(d, crcs[i]);
    d = put32(d, (uint32_t)e[i].size);
    d = put32(d, (uint32_t)e[i].size);
    d = put16(d, (unsigned)nl);
    d = put16(d, 0); /* extra */
    d = put16(d, 0); /* comment */
    d = put16(d, 0); /* disk */
    d = put16(d, 0); /* internal attributes */
    d = put32(d, (uint32_t)(0100000u | (e[i].mode & 07777u)) << 16); /* regular file */
    d = put32(d, offs[i]);
    memcpy(d, e[i].name, nl);
    d += nl;
  }
  const uint32_t cd_size = (uint32_t)(d - buf) - cd_off;
  d = put32(d, 0x06054b50u);
  d = put16(d, 0);
  d = put16(d, 0);
  d = put16(d, (unsigned)n);
  d = put16(d, (unsigned)n);
  d = put32(d, cd_size);
  d = put32(d, cd_off);
  d = put16(d, 0);
  free(offs);
  free(crcs);
  *out = buf;
  *out_size = (size_t)(d - buf);
  return 0;
}
