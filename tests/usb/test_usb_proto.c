/*
 * test_usb_proto.c - the link protocol end to end through libusb and the
 * emulated device (run under the launcher): HELLO, registers, memory writes
 * and reads of seeded random lengths and alignments read back equal, the
 * device's error statuses (BAD_ADDR, BAD_LEN, BAD_CMD), and a
 * retransmission (same seq) answered from the device's memory, not run twice.
 *   usb_launcher -- test_usb_proto [ROUNDS [SEED]]
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include "check.h"
#include "hta_regs.h"
#include "rng.h"
#include "usb_link.h"

#define MEM_BASE UINT64_C(0x400000000)

static libusb_device_handle *h;

static int x_send(void *ctx, const uint8_t *buf, size_t n, unsigned t, char *err, size_t el) {
  (void)ctx;
  int done = 0;
  const int rc = libusb_bulk_transfer(h, 0x01, (unsigned char *)buf, (int)n, &done, t);
  if (rc) snprintf(err, el, "OUT: %s", libusb_error_name(rc));
  return rc == 0 ? HTA_XPORT_OK : rc == LIBUSB_ERROR_TIMEOUT ? HTA_XPORT_TIMEOUT : HTA_XPORT_IO;
}

static int x_recv(void *ctx, uint8_t *buf, size_t max, size_t *got, unsigned t, char *err,
                  size_t el) {
  (void)ctx;
  int done = 0;
  const int rc = libusb_bulk_transfer(h, 0x81, buf, (int)max, &done, t);
  *got = (size_t)done;
  if (rc) snprintf(err, el, "IN: %s", libusb_error_name(rc));
  return rc == 0 ? HTA_XPORT_OK : rc == LIBUSB_ERROR_TIMEOUT ? HTA_XPORT_TIMEOUT : HTA_XPORT_IO;
}

static hta_link L;

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const int rounds = argc > 1 ? atoi(argv[1]) : 20;
  hta_rng g;
  hta_rng_seed(&g, argc > 2 ? strtoull(argv[2], NULL, 0) : 1);
  libusb_context *ctx = NULL;
  if (!check(libusb_init(&ctx) == 0, "libusb_init", "failed")) return check_summary();
  h = libusb_open_device_with_vid_pid(ctx, 0x1209, 0x0001);
  if (!check(h != NULL && libusb_claim_interface(h, 0) == 0, "open and claim 1209:0001",
             "failed")) {
    libusb_exit(ctx);
    return check_summary();
  }
  const hta_link_transport xp = {NULL, x_send, x_recv};
  hta_link_init(&L, &xp, 2000, 0);
  int rc = hta_link_hello(&L);
  check(rc == 0 && L.max_payload >= 16 && (L.flags & 1), "HELLO", "rc %d: %s", rc, L.err);
  printf("# HELLO: MaxPayload %u, BusBytes %u, flags %u, RxIdleCycles %u, clock %u Hz\n",
         L.max_payload, L.bus_bytes, L.flags, L.rx_idle_cycles, L.clock_hz);
  uint32_t v = 0;
  rc = hta_link_reg_read(&L, HTA_REG_VERSION, &v);
  check(rc == 0 && v >> 16 == 0x4854, "REG_READ VERSION", "rc %d value 0x%08x: %s", rc, v, L.err);
  rc = hta_link_reg_write(&L, HTA_REG_LOG_SEL, 3);
  if (rc == 0) rc = hta_link_reg_read(&L, HTA_REG_LOG_SEL, &v);
  check(rc == 0 && v == 3, "REG_WRITE then REG_READ LOG_SEL", "rc %d value %u: %s", rc, v, L.err);
  rc = hta_link_reg_read(&L, 0x002, &v);
  check(rc == HTA_LINK_E_STATUS && strstr(L.err, "BAD_ADDR"), "unaligned register: BAD_ADDR",
        "rc %d: %s", rc, L.err);

  /* memory: random offsets and lengths (within and across MaxPayload) */
  static uint8_t wr[5000], rd[5000];
  int mem_ok = 1;
  char detail[200] = "";
  for (int r = 0; r < rounds && mem_ok; r++) {
    const uint64_t off = (uint64_t)hta_rng_range(&g, 0, 8191);
    const size_t n = (size_t)hta_rng_range(&g, 1, r % 4 == 3 ? 4500 : 80);
    for (size_t i = 0; i < n; i++) wr[i] = (uint8_t)hta_rng_u64(&g);
    memset(rd, 0xEE, n);
    rc = hta_link_mem_write(&L, MEM_BASE + off, wr, n);
    if (rc == 0) rc = hta_link_mem_read(&L, MEM_BASE + off, rd, n);
    if (rc != 0) {
      mem_ok = 0;
      snprintf(detail, sizeof detail, "round %d (offset %" PRIu64 ", %zu bytes): rc %d: %.100s", r,
               off, n, rc, L.err);
    }
    for (size_t i = 0; mem_ok && i < n; i++)
      if (wr[i] != rd[i]) {
        mem_ok = 0;
        snprintf(detail, sizeof detail,
                 "round %d (offset %" PRIu64 ", %zu bytes): byte %zu wrote 0x%02x read 0x%02x", r,
                 off, n, i, wr[i], rd[i]);
      }
  }
  check(mem_ok, "MEM_WRITE then MEM_READ: random offsets and lengths", "%s", detail);
  /* a write next to a read region leaves the neighbours alone */
  uint8_t around[48];
  memset(wr, 0x11, 48);
  rc = hta_link_mem_write(&L, MEM_BASE + 0x3000, wr, 48);
  memset(wr, 0x77, 5);
  if (rc == 0) rc = hta_link_mem_write(&L, MEM_BASE + 0x3000 + 13, wr, 5);
  if (rc == 0) rc = hta_link_mem_read(&L, MEM_BASE + 0x3000, around, 48);
  int strobes = rc == 0;
  for (int i = 0; i < 48 && strobes; i++)
    strobes = around[i] == ((i >= 13 && i < 18) ? 0x77 : 0x11);
  check(strobes, "a 5-byte write at offset 13 changes those 5 bytes only", "rc %d", rc);
  /* MEM_READ of more than MaxPayload in one request: BAD_LEN */
  const unsigned mp = L.max_payload;
  L.max_payload = 4096; /* make the link send one oversized request */
  rc = hta_link_mem_read(&L, MEM_BASE, rd, mp + 1);
  L.max_payload = mp;
  check(rc == HTA_LINK_E_STATUS && strstr(L.err, "BAD_LEN"), "MEM_READ above MaxPayload: BAD_LEN",
        "rc %d: %s", rc, L.err);

  /* A retransmission (same cmd and seq) is answered from the device's memory
   * and not executed again. ISR is toggle-on-write, so a second execution
   * would show: write 1 to ISR (seq s), send that frame again, read ISR. */
  uint32_t isr0 = 0, isr1 = 0;
  rc = hta_link_reg_read(&L, HTA_REG_ISR, &isr0);
  const uint8_t s0 = L.seq;
  if (rc == 0) rc = hta_link_reg_write(&L, HTA_REG_ISR, 1);
  L.seq = s0; /* the same request frame again */
  if (rc == 0) rc = hta_link_reg_write(&L, HTA_REG_ISR, 1);
  if (rc == 0) rc = hta_link_reg_read(&L, HTA_REG_ISR, &isr1);
  check(rc == 0 && (isr1 & 1) == ((isr0 & 1) ^ 1u),
        "a retransmitted REG_WRITE (same seq) is not executed twice",
        "rc %d: ISR 0x%x before, 0x%x after", rc, isr0, isr1);
  if (rc == 0 && (isr1 & 1) != (isr0 & 1)) hta_link_reg_write(&L, HTA_REG_ISR, 1);
  printf("# link: %llu requests, %llu retried, %llu CRC errors, %llu timeouts\n", L.requests,
         L.retried, L.crc_errors, L.timeouts);
  check(L.retried == 0 && L.crc_errors == 0 && L.timeouts == 0, "no retries on a clean link",
        "%llu retried", L.retried);
  libusb_release_interface(h, 0);
  libusb_close(h);
  libusb_exit(ctx);
  return check_summary();
}
