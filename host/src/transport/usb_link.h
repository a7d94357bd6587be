/*
 * usb_link.h - the host side of the HTA link protocol (docs/usb-protocol.md)
 * over any byte-stream transport (internal to libhta).
 *
 * Framing, the two CRCs, sequence numbers and the retry rule live here; the
 * transport (libusb bulk endpoints in backend_usb.c) only moves bytes. One
 * request is outstanding at a time; every call is bounded by the link's
 * response timeout times (1 + retries), plus the idle waits between tries.
 */
#ifndef HTA_USB_LINK_H
#define HTA_USB_LINK_H

#include <stddef.h>
#include <stdint.h>

/* Commands and status codes of docs/usb-protocol.md. */
enum {
  HTA_LINK_HELLO = 0x01, HTA_LINK_REG_WRITE = 0x02, HTA_LINK_REG_READ = 0x03,
  HTA_LINK_MEM_WRITE = 0x04, HTA_LINK_MEM_READ = 0x05, HTA_LINK_START = 0x06,
  HTA_LINK_WAIT = 0x07
};
enum {
  HTA_LINK_ST_OK = 0, HTA_LINK_ST_BAD_CRC = 1, HTA_LINK_ST_BAD_CMD = 2, HTA_LINK_ST_BAD_LEN = 3,
  HTA_LINK_ST_BAD_ADDR = 4, HTA_LINK_ST_AXI_SLVERR = 5, HTA_LINK_ST_AXI_DECERR = 6,
  HTA_LINK_ST_TIMEOUT = 7
};

/* What a link call returns. */
enum {
  HTA_LINK_OK = 0,
  HTA_LINK_E_TIMEOUT = -1, /* no valid response after every retry */
  HTA_LINK_E_CRC = -2,     /* responses kept failing their CRC (or the device said BAD_CRC) */
  HTA_LINK_E_STATUS = -3,  /* the device answered with a final error status */
  HTA_LINK_E_NODEV = -4,   /* the transport lost the device (unplugged) */
  HTA_LINK_E_IO = -5,      /* another transport error */
  HTA_LINK_E_PROTO = -6    /* the device broke the protocol (bad HELLO, ...) */
};

/* Transport result codes (what the callbacks below return). */
enum { HTA_XPORT_OK = 0, HTA_XPORT_TIMEOUT = -1, HTA_XPORT_NODEV = -2, HTA_XPORT_IO = -3 };

typedef struct hta_link_transport {
  void *ctx;
  /* Send all n bytes within timeout_ms. */
  int (*send)(void *ctx, const uint8_t *buf, size_t n, unsigned timeout_ms, char *err,
              size_t errlen);
  /* Receive 1..max bytes (whatever arrives first) within timeout_ms; max is
   * a multiple of 512. HTA_XPORT_TIMEOUT with *got = 0 if nothing came. */
  int (*recv)(void *ctx, uint8_t *buf, size_t max, size_t *got, unsigned timeout_ms, char *err,
              size_t errlen);
} hta_link_transport;

#define HTA_LINK_RX_CAP 8192u

typedef struct hta_link {
  hta_link_transport xp;
  unsigned resp_timeout_ms; /* per try, on top of a WAIT's own budget */
  unsigned retries;         /* extra tries after a lost or corrupted exchange */
  uint8_t seq;
  /* from HELLO */
  unsigned max_payload, bus_bytes, flags;
  uint32_t rx_idle_cycles, clock_hz;
  /* statistics, for tests and error messages */
  unsigned long long requests, retried, crc_errors, timeouts;
  /* received bytes not yet parsed */
  uint8_t rx[HTA_LINK_RX_CAP];
  size_t rx_len;
  char err[512];
} hta_link;

/* CRC-16/CCITT-FALSE (docs/usb-protocol.md). */
uint16_t hta_link_crc16(const uint8_t *p, size_t n);

/* Set up (no I/O) and say HELLO: checks magic and version, records the
 * device's limits. */
void hta_link_init(hta_link *l, const hta_link_transport *xp, unsigned resp_timeout_ms,
                   unsigned retries);
int hta_link_hello(hta_link *l);

int hta_link_reg_write(hta_link *l, uint32_t off, uint32_t value);
int hta_link_reg_read(hta_link *l, uint32_t off, uint32_t *value);
int hta_link_start(hta_link *l);
/* Any length: split into MaxPayload requests. */
int hta_link_mem_write(hta_link *l, uint64_t addr, const uint8_t *buf, size_t n);
int hta_link_mem_read(hta_link *l, uint64_t addr, uint8_t *buf, size_t n);
/* WAIT: *done = 1 if (reg & mask) != 0 within `budget` bridge cycles (the
 * device's TIMEOUT status gives *done = 0); *value = last value read. */
int hta_link_wait(hta_link *l, uint32_t off, uint32_t mask, uint32_t budget, int *done,
                  uint32_t *value);

/* Milliseconds a WAIT of `cycles` bridge cycles may take (the clock HELLO
 * reported; an assumed slow 1 MHz when it reported 0, as a simulation does). */
unsigned hta_link_cycles_ms(const hta_link *l, uint64_t cycles);

const char *hta_link_status_name(unsigned status);

#endif /* HTA_USB_LINK_H */
