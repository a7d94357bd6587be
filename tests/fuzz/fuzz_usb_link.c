/*
 * fuzz_usb_link.c - libFuzzer harness: what a device sends back -> the host
 * side of the USB link protocol (host/src/usb_link.c, docs/usb-protocol.md),
 * docs/fuzzing.md.
 *
 * The input is a script of what the transport's receive calls return, one
 * record per call: a control byte, then (if it is below 0xF0) that many
 * bytes received in one piece; 0xF0 is a receive timeout, 0xF1 an unplugged
 * device, 0xF2 an I/O error, 0xF3 silence until the host's next request
 * (receive calls time out meanwhile: what a retry after a corrupted answer
 * meets), above 0xF3 an empty read. When the script ends the device is
 * unplugged, so every call ends. A fixed session runs on it: HELLO,
 * REG_WRITE, REG_READ, MEM_WRITE and MEM_READ of 100 bytes, WAIT, START.
 * Time is virtual: fuzz.mk renames usb_link.o's clock_gettime to
 * fuzz_clock_gettime below, whose clock a receive timeout moves on by its
 * whole timeout (as a blocking read would), so the link's waits and retries
 * cost nothing and an input replays exactly. It starts at 10^6 s of uptime.
 * Properties checked on top of the sanitizers: every request the host sends
 * is well formed (sync, both CRCs, a length within the device's MaxPayload);
 * a failed call leaves a message; the receive buffer stays within its cap.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usb_link.h"

typedef struct script {
  const uint8_t *p;
  size_t left;
  const hta_link *link;
} script;

static uint64_t now_ns;

int fuzz_clock_gettime(clockid_t id, struct timespec *ts);
int fuzz_clock_gettime(clockid_t id, struct timespec *ts) {
  (void)id;
  ts->tv_sec = (time_t)(now_ns / 1000000000u);
  ts->tv_nsec = (long)(now_ns % 1000000000u);
  return 0;
}

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_usb_link: %s (%s)\n", what, detail);
  abort();
}

static int send_check(void *ctx, const uint8_t *f, size_t n, unsigned timeout_ms, char *err,
                      size_t errlen) {
  script *s = ctx;
  (void)timeout_ms, (void)err, (void)errlen;
  if (s->left > 0 && *s->p == 0xF3) s->p++, s->left--; /* the device hears a request */
  if (n < 20 || f[0] != 0xA5 || f[1] != 0x5A) fail("request without its sync", "");
  if (hta_link_crc16(f + 2, 16) != (f[18] | f[19] << 8)) fail("request header CRC", "");
  const size_t len = (size_t)(f[4] | f[5] << 8);
  if (len > s->link->max_payload) fail("request payload above MaxPayload", "");
  if (n != (len ? 22 + len : 20)) fail("request length does not match its len field", "");
  if (len && hta_link_crc16(f + 20, len) != (f[20 + len] | f[21 + len] << 8))
    fail("request payload CRC", "");
  return HTA_XPORT_OK;
}

static int recv_script(void *ctx, uint8_t *buf, size_t max, size_t *got, unsigned timeout_ms,
                       char *err, size_t errlen) {
  script *s = ctx;
  *got = 0;
  now_ns += 1000; /* a microsecond per call: time always moves */
  if (s->left == 0) return snprintf(err, errlen, "script ended: unplugged"), HTA_XPORT_NODEV;
  if (*s->p == 0xF3) return now_ns += timeout_ms * 1000000ull, HTA_XPORT_TIMEOUT;
  const uint8_t c = *s->p++;
  s->left--;
  if (c == 0xF0) return now_ns += timeout_ms * 1000000ull, HTA_XPORT_TIMEOUT;
  if (c == 0xF1) return snprintf(err, errlen, "unplugged"), HTA_XPORT_NODEV;
  if (c == 0xF2) return snprintf(err, errlen, "I/O error"), HTA_XPORT_IO;
  if (c > 0xF3) return HTA_XPORT_OK; /* an empty read */
  size_t n = c < s->left ? c : s->left;
  if (n > max) n = max;
  memcpy(buf, s->p, n);
  s->p += n;
  s->left -= n;
  *got = n;
  return HTA_XPORT_OK;
}

static void after(const hta_link *l, int rc, const char *call) {
  if (rc != HTA_LINK_OK && l->err[0] == '\0') fail("failed without a message", call);
  if (rc > 0 || rc < HTA_LINK_E_PROTO) fail("unknown return code", call);
  if (l->rx_len > HTA_LINK_RX_CAP) fail("receive buffer past its cap", call);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hta_link l; /* 8 KiB of receive buffer: not on the stack */
  script s = {data, size, &l};
  const hta_link_transport xp = {&s, send_check, recv_script};
  now_ns = 1000000000000000ull;
  hta_link_init(&l, &xp, 1000, 2); /* the usb device's default resp_ms; 2 retries */
  int rc = hta_link_hello(&l);
  after(&l, rc, "HELLO");
  if (rc != HTA_LINK_OK) return 0;
  uint8_t buf[100] = {1, 2, 3};
  uint32_t v = 0;
  int done = 0;
  l.err[0] = '\0';
  after(&l, hta_link_reg_write(&l, 0x10, 0x1234), "REG_WRITE");
  l.err[0] = '\0';
  after(&l, hta_link_reg_read(&l, 0x10, &v), "REG_READ");
  l.err[0] = '\0';
  after(&l, hta_link_mem_write(&l, 0x1000, buf, sizeof buf), "MEM_WRITE");
  l.err[0] = '\0';
  after(&l, hta_link_mem_read(&l, 0x1000, buf, sizeof buf), "MEM_READ");
  l.err[0] = '\0';
  const uint32_t budget = l.clock_hz ? l.clock_hz / 1000u * 50u : 50000u; /* as backend_usb */
  after(&l, hta_link_wait(&l, 0x0, 0x2, budget, &done, &v), "WAIT");
  l.err[0] = '\0';
  after(&l, hta_link_start(&l), "START");
  return 0;
}
