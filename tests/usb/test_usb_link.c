/*
 * test_usb_link.c - the host's link layer (host/src/usb_link.c) on its own:
 * the CRC and the request frames against docs/usb-protocol.md's examples,
 * and the retry rule (a corrupted response, a stale one, silence) through a
 * scripted byte transport that answers as the spec says a device would.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "usb_link.h"
#include "util.h"

/* ---- a scripted transport: records requests, answers from a script ---- */

typedef struct script {
  uint8_t sent[4096];
  size_t sent_len;
  int requests;
  /* per request number (0-based): what to do with the answer */
  int corrupt[8], silent[8], stale_first[8];
  uint32_t value;
  uint8_t pending[4096];
  size_t pending_len;
} script;


static size_t response(uint8_t *f, uint8_t cmd, uint8_t seq, uint8_t status, uint32_t value,
                       const uint8_t *payload, size_t len) {
  f[0] = 0x5A;
  f[1] = 0xA5;
  f[2] = cmd;
  f[3] = seq;
  f[4] = status;
  f[5] = 0;
  hta_st_le16(f + 6, (uint16_t)len);
  hta_st_le16(f + 8, (uint16_t)value);
  hta_st_le16(f + 10, (uint16_t)(value >> 16));
  hta_st_le16(f + 12, hta_link_crc16(f + 2, 10));
  if (len == 0) return 14;
  memcpy(f + 14, payload, len);
  hta_st_le16(f + 14 + len, hta_link_crc16(payload, len));
  return 16 + len;
}

static int s_send(void *ctx, const uint8_t *buf, size_t n, unsigned timeout_ms, char *err,
                  size_t errlen) {
  (void)timeout_ms, (void)err, (void)errlen;
  script *s = ctx;
  memcpy(s->sent, buf, n);
  s->sent_len = n;
  const int k = s->requests++ < 8 ? s->requests - 1 : 7;
  if (s->silent[k]) return HTA_XPORT_OK;
  uint8_t payload[20] = {'H', 'T', 'A', 'U', 1, 0, 0x00, 0x04, 16, 0, 1, 0, 0x00, 0x10, 0, 0};
  const int hello = buf[2] == HTA_LINK_HELLO;
  if (s->stale_first[k]) /* an answer to an older request comes first */
    s->pending_len += response(s->pending + s->pending_len, buf[2], (uint8_t)(buf[3] - 1), 0, 99,
                               NULL, 0);
  uint8_t *f = s->pending + s->pending_len;
  const size_t len = response(f, buf[2], buf[3], 0, hello ? 1 : s->value, hello ? payload : NULL,
                              hello ? 20 : 0);
  if (s->corrupt[k]) f[9] ^= 0x40; /* in the header: its CRC fails */
  s->pending_len += len;
  return HTA_XPORT_OK;
}

static int s_recv(void *ctx, uint8_t *buf, size_t max, size_t *got, unsigned timeout_ms,
                  char *err, size_t errlen) {
  (void)err, (void)errlen;
  script *s = ctx;
  if (s->pending_len == 0) {
    struct timespec ts = {0, (long)(timeout_ms < 5 ? timeout_ms : 5) * 1000000L};
    nanosleep(&ts, NULL);
    *got = 0;
    return HTA_XPORT_TIMEOUT;
  }
  const size_t n = s->pending_len < max ? s->pending_len : max;
  memcpy(buf, s->pending, n);
  memmove(s->pending, s->pending + n, s->pending_len - n);
  s->pending_len -= n;
  *got = n;
  return HTA_XPORT_OK;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int sent_is(const script *s, const char *hex) {
  uint8_t want[64];
  size_t n = 0;
  for (const char *p = hex; *p; p += (p[2] ? 3 : 2)) {
    unsigned b;
    if (sscanf(p, "%2x", &b) != 1) return 0;
    want[n++] = (uint8_t)b;
  }
  return n == s->sent_len && memcmp(want, s->sent, n) == 0;
}

static hta_link link_;

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  check(hta_link_crc16((const uint8_t *)"123456789", 9) == 0x29B1, "CRC-16 test vector 0x29B1",
        "got 0x%04x", hta_link_crc16((const uint8_t *)"123456789", 9));

  script s;
  memset(&s, 0, sizeof s);
  const hta_link_transport xp = {&s, s_send, s_recv};
  hta_link *l = &link_;
  hta_link_init(l, &xp, 50, 3);

  /* The spec's three example requests, byte for byte. */
  l->seq = 0;
  int rc = hta_link_hello(l);
  check(rc == HTA_LINK_OK && sent_is(&s, "A5 5A 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
                                         "2E C2"),
        "HELLO seq 0 is the spec's example", "rc %d: %s", rc, l->err);
  check(l->max_payload == 1024 && l->bus_bytes == 16 && l->flags == 1 &&
            l->rx_idle_cycles == 4096 && l->clock_hz == 0,
        "HELLO's payload is read", "max_payload %u bus %u flags %u idle %u clock %u",
        l->max_payload, l->bus_bytes, l->flags, l->rx_idle_cycles, l->clock_hz);
  l->seq = 7;
  rc = hta_link_reg_write(l, 0x010, 0x12345678);
  check(rc == HTA_LINK_OK && sent_is(&s, "A5 5A 02 07 00 00 10 00 00 00 00 00 00 00 78 56 34 12 "
                                         "5E B5"),
        "REG_WRITE seq 7 is the spec's example", "rc %d: %s", rc, l->err);
  l->seq = 8;
  const uint8_t four[4] = {1, 2, 3, 4};
  rc = hta_link_mem_write(l, UINT64_C(0x400000000), four, 4);
  check(rc == HTA_LINK_OK && sent_is(&s, "A5 5A 04 08 04 00 00 00 00 00 04 00 00 00 00 00 00 00 "
                                         "55 3F 01 02 03 04 C3 89"),
        "MEM_WRITE seq 8 is the spec's example", "rc %d: %s", rc, l->err);

  /* A corrupted response: retried with the same seq, then accepted. */
  memset(&s, 0, sizeof s);
  s.corrupt[0] = 1;
  s.value = 0xCAFE;
  uint32_t v = 0;
  const unsigned long long crc0 = l->crc_errors, retried0 = l->retried;
  rc = hta_link_reg_read(l, 0x50, &v);
  check(rc == HTA_LINK_OK && v == 0xCAFE && l->crc_errors == crc0 + 1 &&
            l->retried == retried0 + 1 && s.requests == 2,
        "a corrupted response is retried and recovered", "rc %d v 0x%x crc %llu tries %d: %s",
        rc, v, l->crc_errors - crc0, s.requests, l->err);

  /* A stale response (older seq) is skipped, not taken as the answer. */
  memset(&s, 0, sizeof s);
  s.stale_first[0] = 1;
  s.value = 0x1234;
  rc = hta_link_reg_read(l, 0x50, &v);
  check(rc == HTA_LINK_OK && v == 0x1234 && s.requests == 1, "a stale response is skipped",
        "rc %d v 0x%x tries %d", rc, v, s.requests);

  /* Every response corrupted: CRC error after 1 + retries tries. */
  memset(&s, 0, sizeof s);
  for (int i = 0; i < 8; i++) s.corrupt[i] = 1;
  rc = hta_link_reg_read(l, 0x50, &v);
  check(rc == HTA_LINK_E_CRC && s.requests == 4 && strstr(l->err, "CRC") != NULL,
        "persistent corruption ends in a CRC error after 4 tries", "rc %d tries %d: %s", rc,
        s.requests, l->err);

  /* Silence: timeout after 4 tries of 50 ms (+ idle waits of ~5 ms). */
  memset(&s, 0, sizeof s);
  for (int i = 0; i < 8; i++) s.silent[i] = 1;
  const double t0 = now_ms();
  rc = hta_link_reg_read(l, 0x50, &v);
  const double dt = now_ms() - t0;
  check(rc == HTA_LINK_E_TIMEOUT && s.requests == 4 && dt >= 200 && dt < 400,
        "silence ends in a timeout after 4 tries of 50 ms", "rc %d tries %d after %.0f ms: %s",
        rc, s.requests, dt, l->err);
  printf("# timeout after %.0f ms: %s\n", dt, l->err);

  /* A WAIT's timeout includes its cycle budget: 1 M cycles at the assumed
   * 1 MHz of a device that reports no clock is 1000 ms. */
  check(hta_link_cycles_ms(l, 1000000) == 1000, "cycles_ms assumes 1 MHz for an unknown clock",
        "%u", hta_link_cycles_ms(l, 1000000));
  return check_summary();
}
