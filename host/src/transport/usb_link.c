/*
 * usb_link.c - see usb_link.h. The frame layouts and the retry rule are
 * docs/usb-protocol.md's; the comments here say only how the host applies
 * them.
 */
#define _POSIX_C_SOURCE 200809L
#include "usb_link.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define REQ_HDR 20u
#define RSP_HDR 14u
#define MAX_PAYLOAD_LIMIT 4096u /* the protocol's largest MaxPayload */
#define RECV_CHUNK 4096u        /* bulk IN read size: a multiple of 512 */

static const char *const cmd_names[] = {"?", "HELLO", "REG_WRITE", "REG_READ", "MEM_WRITE",
                                        "MEM_READ", "START", "WAIT"};

static const char *cmd_name(uint8_t cmd) { return cmd < 8 ? cmd_names[cmd] : "?"; }

const char *hta_link_status_name(unsigned status) {
  static const char *const names[] = {"OK", "BAD_CRC", "BAD_CMD", "BAD_LEN", "BAD_ADDR",
                                      "AXI_SLVERR", "AXI_DECERR", "TIMEOUT"};
  return status < 8 ? names[status] : "unknown status";
}

uint16_t hta_link_crc16(const uint8_t *p, size_t n) {
  uint16_t c = 0xFFFF;
  while (n--) {
    c ^= (uint16_t)(*p++ << 8);
    for (int i = 0; i < 8; i++)
      c = (c & 0x8000) ? (uint16_t)(c << 1 ^ 0x1021) : (uint16_t)(c << 1);
  }
  return c;
}


void hta_link_init(hta_link *l, const hta_link_transport *xp, unsigned resp_timeout_ms,
                   unsigned retries) {
  memset(l, 0, sizeof *l);
  l->xp = *xp;
  l->resp_timeout_ms = resp_timeout_ms;
  l->retries = retries;
  l->max_payload = 16; /* until HELLO says more: the smallest the protocol allows */
  /* Start anywhere (the spec allows it): a device that still remembers a
   * request of an earlier session is then unlikely to match the first seq.
   * Through an integer: a double outside 0..255 cast to uint8_t is undefined. */
  l->seq = (uint8_t)(uint64_t)hta_now_ms();
}

unsigned hta_link_cycles_ms(const hta_link *l, uint64_t cycles) {
  const uint64_t hz = l->clock_hz ? l->clock_hz : 1000000u;
  const uint64_t ms = (cycles * 1000u + hz - 1) / hz;
  return ms > 3600000u ? 3600000u : (unsigned)ms;
}

/* ---- receiving ---- */

typedef struct response {
  uint8_t status;
  uint32_t value;
  size_t len;
} response;

static void rx_drop(hta_link *l, size_t n) {
  memmove(l->rx, l->rx + n, l->rx_len - n);
  l->rx_len -= n;
}

/* Look for the response to (cmd, seq) in the bytes received so far.
 * 1: found (payload copied to out); 0: need more bytes; -1: a corrupted
 * frame was seen (and dropped). Responses to other requests are stale
 * (answers to an earlier try) and are skipped. */
static int rx_parse(hta_link *l, uint8_t cmd, uint8_t seq, response *r, uint8_t *out,
                    size_t out_max) {
  for (;;) {
    size_t i = 0;
    while (i + 1 < l->rx_len && !(l->rx[i] == 0x5A && l->rx[i + 1] == 0xA5)) i++;
    rx_drop(l, i); /* keeps a trailing 5A: it may start a sync */
    if (l->rx_len < RSP_HDR) return 0;
    const uint8_t *h = l->rx;
    const size_t len = hta_ld_le16(h + 6);
    if (hta_link_crc16(h + 2, 10) != hta_ld_le16(h + 12) || len > MAX_PAYLOAD_LIMIT) {
      rx_drop(l, 1); /* the length cannot be trusted: hunt again from the next byte */
      return -1;
    }
    const size_t total = RSP_HDR + (len ? len + 2 : 0);
    if (l->rx_len < total) return 0;
    if (len && hta_link_crc16(h + RSP_HDR, len) != hta_ld_le16(h + RSP_HDR + len)) {
      rx_drop(l, total);
      return -1;
    }
    if (h[2] != cmd || h[3] != seq) {
      rx_drop(l, total);
      continue;
    }
    r->status = h[4];
    r->value = hta_ld_le32(h + 8);
    r->len = len;
    if (len > out_max) {
      rx_drop(l, total);
      return -2; /* more data than asked for: a protocol violation */
    }
    if (len) memcpy(out, h + RSP_HDR, len);
    rx_drop(l, total);
    return 1;
  }
}

/* Read until the response arrives, a corrupted frame shows up, or the
 * deadline passes. Returns an HTA_LINK_* code; 1 means "corrupted". */
static int rx_response(hta_link *l, uint8_t cmd, uint8_t seq, double deadline, response *r,
                       uint8_t *out, size_t out_max) {
  for (;;) {
    const int p = rx_parse(l, cmd, seq, r, out, out_max);
    if (p == 1) return HTA_LINK_OK;
    if (p == -1) return 1;
    if (p == -2) {
      snprintf(l->err, sizeof l->err, "%s: the response carries %zu bytes, %zu expected",
               cmd_name(cmd), r->len, out_max);
      return HTA_LINK_E_PROTO;
    }
    if (l->rx_len + RECV_CHUNK > HTA_LINK_RX_CAP) rx_drop(l, l->rx_len + RECV_CHUNK -
                                                             HTA_LINK_RX_CAP);
    const double left = deadline - hta_now_ms();
    if (left <= 0) return HTA_LINK_E_TIMEOUT;
    size_t got = 0;
    char err[256] = "";
    const int rc = l->xp.recv(l->xp.ctx, l->rx + l->rx_len, RECV_CHUNK, &got,
                              (unsigned)left + 1u, err, sizeof err);
    l->rx_len += got;
    if (rc == HTA_XPORT_TIMEOUT) continue; /* the deadline check above ends it */
    if (rc != HTA_XPORT_OK) {
      snprintf(l->err, sizeof l->err, "%s", err);
      return rc == HTA_XPORT_NODEV ? HTA_LINK_E_NODEV : HTA_LINK_E_IO;
    }
  }
}

/* Before a retry: let the device's receiver fall back to hunting (it drops a
 * partial frame after RxIdleCycles without bytes), and throw away whatever
 * is still arriving. Reading meanwhile keeps the transport busy, which is
 * also what lets an emulated device's clock run. */
static int rx_settle(hta_link *l) {
  const double deadline = hta_now_ms() + hta_link_cycles_ms(l, l->rx_idle_cycles) + 1.0;
  uint8_t junk[RECV_CHUNK];
  for (;;) {
    const double left = deadline - hta_now_ms();
    if (left <= 0) break;
    size_t got = 0;
    char err[256] = "";
    const int rc = l->xp.recv(l->xp.ctx, junk, sizeof junk, &got, (unsigned)left + 1u, err,
                              sizeof err);
    if (rc == HTA_XPORT_NODEV || rc == HTA_XPORT_IO) {
      snprintf(l->err, sizeof l->err, "%s", err);
      return rc == HTA_XPORT_NODEV ? HTA_LINK_E_NODEV : HTA_LINK_E_IO;
    }
  }
  l->rx_len = 0;
  return HTA_LINK_OK;
}

/* ---- one request ---- */

/* Send a request and get its response, retrying by the protocol's rule.
 * extra_ms: how long the device may legitimately take (a WAIT's budget). */
static int transact(hta_link *l, uint8_t cmd, uint64_t addr, uint32_t arg, const uint8_t *payload,
                    size_t len, unsigned extra_ms, response *r, uint8_t *out, size_t out_max) {
  uint8_t f[REQ_HDR + MAX_PAYLOAD_LIMIT + 2];
  const uint8_t seq = l->seq++;
  f[0] = 0xA5;
  f[1] = 0x5A;
  f[2] = cmd;
  f[3] = seq;
  hta_st_le16(f + 4, (uint16_t)len);
  hta_st_le32(f + 6, (uint32_t)addr);
  hta_st_le32(f + 10, (uint32_t)(addr >> 32));
  hta_st_le32(f + 14, arg);
  hta_st_le16(f + 18, hta_link_crc16(f + 2, 16));
  size_t n = REQ_HDR;
  if (len) {
    memcpy(f + REQ_HDR, payload, len);
    hta_st_le16(f + REQ_HDR + len, hta_link_crc16(payload, len));
    n += len + 2;
  }
  l->requests++;
  int last = HTA_LINK_E_TIMEOUT;
  const unsigned timeout_ms = l->resp_timeout_ms + extra_ms;
  for (unsigned attempt = 0; attempt <= l->retries; attempt++) {
    if (attempt > 0) {
      l->retried++;
      const int rc = rx_settle(l);
      if (rc != HTA_LINK_OK) return rc;
    }
    char err[256] = "";
    int rc = l->xp.send(l->xp.ctx, f, n, timeout_ms, err, sizeof err);
    if (rc == HTA_XPORT_NODEV || rc == HTA_XPORT_IO) {
      snprintf(l->err, sizeof l->err, "%s (seq %u): %s", cmd_name(cmd), seq, err);
      return rc == HTA_XPORT_NODEV ? HTA_LINK_E_NODEV : HTA_LINK_E_IO;
    }
    if (rc == HTA_XPORT_TIMEOUT) {
      l->timeouts++;
      last = HTA_LINK_E_TIMEOUT;
      continue;
    }
    rc = rx_response(l, cmd, seq, hta_now_ms() + timeout_ms, r, out, out_max);
    if (rc == 1 || (rc == HTA_LINK_OK && r->status == HTA_LINK_ST_BAD_CRC)) {
      l->crc_errors++;
      last = HTA_LINK_E_CRC;
      continue;
    }
    if (rc == HTA_LINK_E_TIMEOUT) {
      l->timeouts++;
      last = rc;
      continue;
    }
    if (rc != HTA_LINK_OK) {
      char tmp[sizeof l->err];
      snprintf(tmp, sizeof tmp, "%s (seq %u): %.480s", cmd_name(cmd), seq, l->err);
      memcpy(l->err, tmp, sizeof tmp);
      return rc;
    }
    if (r->status != HTA_LINK_ST_OK && !(cmd == HTA_LINK_WAIT &&
                                         r->status == HTA_LINK_ST_TIMEOUT)) {
      snprintf(l->err, sizeof l->err,
               "%s at 0x%" PRIx64 " (seq %u): the device answered %s (0x%02x), value 0x%x",
               cmd_name(cmd), addr, seq, hta_link_status_name(r->status), r->status, r->value);
      return HTA_LINK_E_STATUS;
    }
    return HTA_LINK_OK;
  }
  if (last == HTA_LINK_E_CRC)
    snprintf(l->err, sizeof l->err,
             "%s at 0x%" PRIx64 " (seq %u): CRC errors on every one of %u tries (%llu CRC "
             "errors on this link so far)", cmd_name(cmd), addr, seq, l->retries + 1,
             l->crc_errors);
  else
    snprintf(l->err, sizeof l->err,
             "%s at 0x%" PRIx64 " (seq %u): no valid response within %u ms, %u tries",
             cmd_name(cmd), addr, seq, timeout_ms, l->retries + 1);
  return last;
}

/* ---- commands ---- */

int hta_link_hello(hta_link *l) {
  response r;
  uint8_t p[20];
  l->rx_idle_cycles = 1u << 20; /* the protocol's default, until HELLO says */
  int rc = transact(l, HTA_LINK_HELLO, 0, 0, NULL, 0, 0, &r, p, sizeof p);
  if (rc != HTA_LINK_OK) return rc;
  if (r.len != 20 || memcmp(p, "HTAU", 4) != 0 || hta_ld_le16(p + 4) != 1 || r.value != 1) {
    snprintf(l->err, sizeof l->err,
             "HELLO: not an HTA link of protocol version 1 (%zu payload bytes, magic "
             "%02x%02x%02x%02x, version %u)", r.len, p[0], p[1], p[2], p[3],
             r.len >= 6 ? hta_ld_le16(p + 4) : 0);
    return HTA_LINK_E_PROTO;
  }
  const unsigned mp = hta_ld_le16(p + 6);
  if (mp < 16 || mp > MAX_PAYLOAD_LIMIT || (mp & (mp - 1))) {
    snprintf(l->err, sizeof l->err, "HELLO: MaxPayload %u is not a power of two in 16..4096",
             mp);
    return HTA_LINK_E_PROTO;
  }
  l->max_payload = mp;
  l->bus_bytes = hta_ld_le16(p + 8);
  l->flags = hta_ld_le16(p + 10);
  l->rx_idle_cycles = hta_ld_le32(p + 12);
  l->clock_hz = hta_ld_le32(p + 16);
  return HTA_LINK_OK;
}

int hta_link_reg_write(hta_link *l, uint32_t off, uint32_t value) {
  response r;
  return transact(l, HTA_LINK_REG_WRITE, off, value, NULL, 0, 0, &r, NULL, 0);
}

int hta_link_reg_read(hta_link *l, uint32_t off, uint32_t *value) {
  response r;
  const int rc = transact(l, HTA_LINK_REG_READ, off, 0, NULL, 0, 0, &r, NULL, 0);
  *value = rc == HTA_LINK_OK ? r.value : 0;
  return rc;
}

int hta_link_start(hta_link *l) {
  response r;
  return transact(l, HTA_LINK_START, 0, 0, NULL, 0, 0, &r, NULL, 0);
}

int hta_link_mem_write(hta_link *l, uint64_t addr, const uint8_t *buf, size_t n) {
  for (size_t off = 0; off < n; off += l->max_payload) {
    const size_t k = n - off < l->max_payload ? n - off : l->max_payload;
    response r;
    const int rc = transact(l, HTA_LINK_MEM_WRITE, addr + off, 0, buf + off, k, 0, &r, NULL, 0);
    if (rc != HTA_LINK_OK) return rc;
  }
  return HTA_LINK_OK;
}

int hta_link_mem_read(hta_link *l, uint64_t addr, uint8_t *buf, size_t n) {
  for (size_t off = 0; off < n; off += l->max_payload) {
    const size_t k = n - off < l->max_payload ? n - off : l->max_payload;
    response r;
    const int rc = transact(l, HTA_LINK_MEM_READ, addr + off, (uint32_t)k, NULL, 0, 0, &r,
                            buf + off, k);
    if (rc != HTA_LINK_OK) return rc;
    if (r.len != k) {
      snprintf(l->err, sizeof l->err, "MEM_READ at 0x%" PRIx64 ": %zu bytes back, %zu asked",
               addr + off, r.len, k);
      return HTA_LINK_E_PROTO;
    }
  }
  return HTA_LINK_OK;
}

int hta_link_wait(hta_link *l, uint32_t off, uint32_t mask, uint32_t budget, int *done,
                  uint32_t *value) {
  response r;
  const uint64_t addr = (uint64_t)mask << 32 | (off & 0xfffu);
  const int rc = transact(l, HTA_LINK_WAIT, addr, budget, NULL, 0,
                          hta_link_cycles_ms(l, budget), &r, NULL, 0);
  *done = rc == HTA_LINK_OK && r.status == HTA_LINK_ST_OK;
  *value = rc == HTA_LINK_OK ? r.value : 0;
  return rc;
}
