/*
 * fuzz_model.c - libFuzzer harness: bytes -> .hta reader -> writer -> compiler
 * -> one inference on the cpu device (docs/fuzzing.md).
 *
 * Every byte of a .hta file is under a CRC-32 (docs/model-format.md), so
 * almost every mutation would stop at the CRC check. The reader first gets
 * the bytes as they are (the CRC and bounds checks), then a copy whose four
 * CRCs are recomputed, which reaches the field checks, the compiler and the
 * golden model. Properties checked on top of the sanitizers:
 *   - a refused file has a message;
 *   - an accepted file is the writer's only encoding of its model (the
 *     format has one valid value per field): write(read(x)) == x;
 *   - a failed load or run leaves a message in hta_last_error.
 * The cost of a run is bounded by the library's own limits: the cpu device
 * opened with mem_mb=FUZZ_MEM_MB and a run timeout of FUZZ_TIMEOUT_MS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta.h"
#include "hta_model.h"

#define FUZZ_MEM_MB 16
#define FUZZ_TIMEOUT_MS 200

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_model: %s (%s)\n", what, detail);
  abort();
}

static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i);
}

/* The section CRCs (where the table's offset and length lie inside the
 * buffer), then the header CRC over bytes 0..127 with its own field 0. */
static void fix_crcs(uint8_t *b, size_t n) {
  if (n < 128) return;
  for (int i = 0; i < 3; i++) {
    uint8_t *e = b + 32 + 32 * i;
    const uint64_t off = get64(e + 8), len = get64(e + 16);
    if (off <= n && len <= n - off) put32(e + 24, crc32(b + off, (size_t)len));
  }
  put32(b + 24, 0);
  put32(b + 24, crc32(b, 128));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024] = "";
  hta_model *m = hta_model_read_mem(data, size, err, sizeof err);
  if (m == NULL && err[0] == '\0') fail("raw bytes refused without a message", "");
  hta_model_free(m);

  uint8_t *b = malloc(size ? size : 1);
  if (b == NULL) return 0;
  memcpy(b, data, size);
  fix_crcs(b, size);
  err[0] = '\0';
  m = hta_model_read_mem(b, size, err, sizeof err);
  if (m == NULL) {
    if (err[0] == '\0') fail("refused without a message", "");
    free(b);
    return 0;
  }
  uint8_t *w = NULL;
  size_t wlen = 0;
  if (hta_model_write_mem(m, &w, &wlen) == 0 && (wlen != size || memcmp(w, b, size) != 0))
    fail("write(read(x)) != x", "a second valid encoding of one model");
  free(w);
  free(b);

  hta_device *dev = NULL;
  char uri[64];
  snprintf(uri, sizeof uri, "cpu:mem_mb=%d", FUZZ_MEM_MB);
  if (hta_open(uri, &dev) != HTA_SUCCESS) fail("cannot open the cpu device", hta_open_error());
  hta_net *net = NULL;
  int rc = hta_load_model(dev, m, &net);
  hta_net_info info;
  if (rc == HTA_SUCCESS && hta_net_get_info(net, &info) == HTA_SUCCESS &&
      info.in_bytes + info.out_bytes <= (size_t)FUZZ_MEM_MB << 20) {
    /* our own buffers: a caller sizes them from the net's info */
    int8_t *in = malloc(info.in_bytes), *out = malloc(info.out_bytes);
    if (in && out) {
      for (size_t i = 0; i < info.in_bytes; i++) in[i] = (int8_t)(i * 37u + 11u);
      rc = hta_run(net, in, out, 1, FUZZ_TIMEOUT_MS, NULL);
    }
    free(in);
    free(out);
  }
  if (rc != HTA_SUCCESS && hta_last_error(dev)[0] == '\0')
    fail("failed without a message", hta_error_name(rc));
  hta_close(dev);
  hta_model_free(m);
  return 0;
}
