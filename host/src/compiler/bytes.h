/* A growing byte buffer: what both compilers (compile.c for v1, compile_v2.c
 * for v2) emit programs into. Out of memory is sticky (oom), so emission goes
 * on without checks and the caller tests once at the end. */
#ifndef HTA_COMPILER_BYTES_H
#define HTA_COMPILER_BYTES_H

#include "hta_compile.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct bytes {
  uint8_t *p;
  size_t n, cap;
  int oom;
  char bad[200]; /* the first structure that did not pack: the field and value */
} bytes;

/* Appends n bytes of src, or n zero bytes when src is NULL. */
static inline void bytes_put(bytes *b, const void *src, size_t n) {
  if (b->oom || n == 0) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  if (src != NULL)
    memcpy(b->p + b->n, src, n);
  else
    memset(b->p + b->n, 0, n);
  b->n += n;
}

static inline void bytes_put32(bytes *b, uint32_t v) {
  uint8_t le[4];
  hta_st_le32(le, v);
  bytes_put(b, le, 4);
}

/* Zero bytes up to the next HTA_ALIGN boundary (every block starts on one). */
static inline void bytes_align16(bytes *b) {
  bytes_put(b, NULL, (HTA_ALIGN - b->n % HTA_ALIGN) % HTA_ALIGN);
}

#endif
