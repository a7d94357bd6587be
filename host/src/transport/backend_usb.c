/*
 * backend_usb.c - the "usb" device: an HTA board on a USB cable, reached with
 * libusb-1.0 through a vendor-class interface with one bulk OUT and one bulk
 * IN endpoint, speaking the link protocol of docs/usb-protocol.md
 * (usb_link.c).
 *
 * URI: usb[:VID:PID[:SERIAL]][,option=value...], VID and PID in hex; plain
 * "usb" means the default 1209:0001 (pid.codes' test PID: a board for other
 * people's use needs a PID of its own). Options: resp_ms=N (response timeout
 * per try), retries=N, mem_base=ADDR and mem_mb=N (the board memory the
 * engine may use, default 0x400000000 and 64 MiB, as the sim device).
 *
 * Per inference the engine driver (engine.h) runs the program over this
 * transport: registers and memory through link requests, ap_start as START,
 * and the wait for ap_done as WAIT requests of a bounded cycle budget.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libusb.h>

#include "backend.h"
#include "dynlib.h"
#include "engine.h"
#include "hta_hw_config.h"
#include "hta_regs.h"
#include "usb_link.h"

#define DEFAULT_VID 0x1209u
#define DEFAULT_PID 0x0001u
#define UDEV_RULE "docs/udev/60-hta.rules"

/* libusb-1.0, loaded when the first device opens (dynlib.h): a program that never
 * opens one does not need it. */
#define USB_FUNCS(X) \
  X(libusb_bulk_transfer) X(libusb_claim_interface) X(libusb_close) \
  X(libusb_error_name) X(libusb_exit) X(libusb_free_config_descriptor) \
  X(libusb_free_device_list) X(libusb_get_active_config_descriptor) \
  X(libusb_get_bus_number) X(libusb_get_device_address) X(libusb_get_device_descriptor) \
  X(libusb_get_device_list) X(libusb_get_string_descriptor_ascii) X(libusb_init) \
  X(libusb_open) X(libusb_release_interface)
static struct {
  USB_FUNCS(HTA_DYN_PTR)
} usb;
static const char *const usb_names[] = {USB_FUNCS(HTA_DYN_NAME)};
static const char *const usb_sonames[] = {"libusb-1.0.so.0", NULL};

static int usb_load(hta_device *dev) {
  char err[400];
  if (hta_dynlib_load(usb_sonames, "libusb-1.0-0", usb_names, 0 USB_FUNCS(HTA_DYN_COUNT), &usb,
                      err, sizeof err))
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "usb: %s", err);
  return HTA_SUCCESS;
}

typedef struct usb_dev {
  libusb_context *ctx;
  libusb_device_handle *h;
  int iface;
  unsigned char ep_out, ep_in;
  char where[64]; /* "bus 1 device 2 (1209:0001)" for messages */
  int gone;       /* the device was unplugged: every later call fails at once */
  uint64_t mem_base, mem_bytes;
  uint64_t waited; /* device cycles waited for ap_done in this run */
  hta_link link;
} usb_dev;

/* ---- the transport: libusb bulk transfers ---- */

static int xport_code(int rc) {
  if (rc == LIBUSB_ERROR_TIMEOUT) return HTA_XPORT_TIMEOUT;
  if (rc == LIBUSB_ERROR_NO_DEVICE) return HTA_XPORT_NODEV;
  return HTA_XPORT_IO;
}

static int xp_send(void *ctx, const uint8_t *buf, size_t n, unsigned timeout_ms, char *err,
                   size_t errlen) {
  usb_dev *u = ctx;
  int done = 0;
  const int rc = usb.libusb_bulk_transfer(u->h, u->ep_out, (unsigned char *)buf, (int)n, &done,
                                      timeout_ms);
  if (rc == 0 && (size_t)done == n) return HTA_XPORT_OK;
  snprintf(err, errlen, "bulk OUT of %zu bytes to %s: %s (%d sent)", n, u->where,
           rc ? usb.libusb_error_name(rc) : "short transfer", done);
  if (rc == LIBUSB_ERROR_NO_DEVICE) u->gone = 1;
  return rc ? xport_code(rc) : HTA_XPORT_IO;
}

static int xp_recv(void *ctx, uint8_t *buf, size_t max, size_t *got, unsigned timeout_ms,
                   char *err, size_t errlen) {
  usb_dev *u = ctx;
  int done = 0;
  const int rc = usb.libusb_bulk_transfer(u->h, u->ep_in, buf, (int)max, &done, timeout_ms);
  *got = (size_t)done;
  if (rc == 0) return HTA_XPORT_OK;
  snprintf(err, errlen, "bulk IN from %s: %s", u->where, usb.libusb_error_name(rc));
  if (rc == LIBUSB_ERROR_NO_DEVICE) u->gone = 1;
  return xport_code(rc);
}

/* ---- errors ---- */

/* A link failure as a libhta error and its text, naming what was being done
 * (the transport's describe). */
static int describe(void *ctx, int rc, const char *doing, char *msg, size_t n) {
  usb_dev *u = ctx;
  const char *err = u->link.err;
  switch (rc) {
    case HTA_LINK_E_NODEV:
      u->gone = 1;
      snprintf(msg, n, "the device (%s) was disconnected while %s: %s", u->where, doing, err);
      return HTA_ERROR_NO_DEVICE;
    case HTA_LINK_E_TIMEOUT:
      snprintf(msg, n, "the device (%s) stopped answering while %s: %s", u->where, doing, err);
      return HTA_ERROR_TIMEOUT;
    case HTA_LINK_E_CRC:
      snprintf(msg, n, "corrupted frames on the link to %s while %s: %s", u->where, doing, err);
      return HTA_ERROR_IO;
    case HTA_LINK_E_STATUS:
      snprintf(msg, n, "%s while %s: %s", u->where, doing, err);
      return HTA_ERROR_DEVICE;
    case HTA_LINK_E_PROTO:
      snprintf(msg, n, "%s broke the link protocol while %s: %s", u->where, doing, err);
      return HTA_ERROR_PROTOCOL;
    default:
      snprintf(msg, n, "I/O error with %s while %s: %s", u->where, doing, err);
      return HTA_ERROR_IO;
  }
}

static int link_error(hta_device *dev, int rc, const char *doing) {
  char msg[800];
  const int code = describe(dev->priv, rc, doing, msg, sizeof msg);
  return hta_dev_error(dev, code, "usb: %s", msg);
}

/* ---- open ---- */

typedef struct usb_opts {
  unsigned vid, pid;
  char serial[128];
  unsigned resp_ms, retries;
  uint64_t mem_base, mem_mb;
} usb_opts;

static int parse_hex16(const char *s, size_t n, unsigned *out) {
  if (n == 0 || n > 4) return -1;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isxdigit((unsigned char)s[i])) return -1;
    const int c = tolower((unsigned char)s[i]);
    v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
  }
  *out = v;
  return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  if (!isdigit((unsigned char)s[0])) return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_opts(hta_device *dev, const char *opts, usb_opts *o) {
  memset(o, 0, sizeof *o);
  o->vid = DEFAULT_VID;
  o->pid = DEFAULT_PID;
  o->resp_ms = 1000;
  o->retries = 3;
  o->mem_base = UINT64_C(0x400000000);
  o->mem_mb = 64;
  const char *comma = strchr(opts, ',');
  const size_t idlen = comma ? (size_t)(comma - opts) : strlen(opts);
  if (idlen > 0) {
    const char *c1 = memchr(opts, ':', idlen);
    const char *c2 = c1 ? memchr(c1 + 1, ':', idlen - (size_t)(c1 + 1 - opts)) : NULL;
    const char *pid_end = c2 ? c2 : opts + idlen;
    const size_t serial_len = c2 ? (size_t)(opts + idlen - c2 - 1) : 0;
    if (c1 == NULL || parse_hex16(opts, (size_t)(c1 - opts), &o->vid) ||
        parse_hex16(c1 + 1, (size_t)(pid_end - c1 - 1), &o->pid) ||
        (c2 && (serial_len == 0 || serial_len >= sizeof o->serial)))
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "usb: bad device id '%.*s' (expected VID:PID or VID:PID:SERIAL, "
                           "VID and PID in hex, e.g. usb:1209:0001)", (int)idlen, opts);
    if (c2) memcpy(o->serial, c2 + 1, serial_len);
  }
  char buf[256];
  if (comma == NULL) return HTA_SUCCESS;
  if (strlen(comma + 1) >= sizeof buf)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "usb: options too long");
  strcpy(buf, comma + 1);
  for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    uint64_t v = 0;
    int ok = eq != NULL;
    if (ok) {
      *eq = '\0';
      const char *val = eq + 1;
      if (!strcmp(kv, "resp_ms") && !parse_u64(val, 600000, &v) && v >= 1)
        o->resp_ms = (unsigned)v;
      else if (!strcmp(kv, "retries") && !parse_u64(val, 100, &v)) o->retries = (unsigned)v;
      else if (!strcmp(kv, "mem_base") && !parse_u64(val, UINT64_MAX >> 1, &v)) o->mem_base = v;
      else if (!strcmp(kv, "mem_mb") && !parse_u64(val, 1 << 20, &v) && v >= 1) o->mem_mb = v;
      else ok = 0;
      if (!ok) *eq = '=';
    }
    if (!ok)
      return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                           "usb: bad option '%s' (known: resp_ms=N, retries=N, mem_base=ADDR, "
                           "mem_mb=N)", kv);
  }
  return HTA_SUCCESS;
}

static void append(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *dst, size_t cap, const char *fmt, ...) {
  const size_t len = strlen(dst);
  if (len + 1 >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst + len, cap - len, fmt, ap);
  va_end(ap);
}

/* The first bulk OUT and bulk IN endpoints of the first vendor-class
 * interface of the active configuration. */
static int find_endpoints(libusb_device *d, usb_dev *u) {
  struct libusb_config_descriptor *cfg;
  if (usb.libusb_get_active_config_descriptor(d, &cfg) != 0) return -1;
  int found = -1;
  for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++) {
    if (cfg->interface[i].num_altsetting < 1) continue;
    const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
    if (id->bInterfaceClass != LIBUSB_CLASS_VENDOR_SPEC) continue;
    unsigned char out = 0, in = 0;
    for (int e = 0; e < id->bNumEndpoints; e++) {
      const struct libusb_endpoint_descriptor *ep = &id->endpoint[e];
      if ((ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK) continue;
      if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
        if (!in) in = ep->bEndpointAddress;
      } else if (!out) {
        out = ep->bEndpointAddress;
      }
    }
    if (out && in) {
      u->iface = id->bInterfaceNumber;
      u->ep_out = out;
      u->ep_in = in;
      found = 0;
    }
  }
  usb.libusb_free_config_descriptor(cfg);
  return found;
}

/* Find and open the device; on failure say what was found instead. */
static int open_device(hta_device *dev, usb_dev *u, const usb_opts *o) {
  libusb_device **list = NULL;
  const ssize_t n = usb.libusb_get_device_list(u->ctx, &list);
  if (n < 0)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "usb: cannot list USB devices: %s",
                         usb.libusb_error_name((int)n));
  char found[600] = "", denied[200] = "";
  libusb_device *match = NULL;
  for (ssize_t i = 0; i < n && match == NULL; i++) {
    struct libusb_device_descriptor dd;
    if (usb.libusb_get_device_descriptor(list[i], &dd) != 0) continue;
    const int bus = usb.libusb_get_bus_number(list[i]), addr = usb.libusb_get_device_address(list[i]);
    append(found, sizeof found, "%s%04x:%04x (bus %d device %d)", found[0] ? ", " : "",
           dd.idVendor, dd.idProduct, bus, addr);
    if (dd.idVendor != o->vid || dd.idProduct != o->pid) continue;
    libusb_device_handle *h = NULL;
    const int rc = usb.libusb_open(list[i], &h);
    if (rc == LIBUSB_ERROR_ACCESS) {
      snprintf(denied, sizeof denied, "/dev/bus/usb/%03d/%03d", bus, addr);
      continue;
    }
    if (rc != 0) {
      append(found, sizeof found, " [cannot open: %s]", usb.libusb_error_name(rc));
      continue;
    }
    if (o->serial[0]) {
      char s[128] = "";
      const int k = dd.iSerialNumber ? usb.libusb_get_string_descriptor_ascii(
                                           h, dd.iSerialNumber, (unsigned char *)s, sizeof s)
                                     : LIBUSB_ERROR_NOT_FOUND;
      if (k < 0 || strcmp(s, o->serial) != 0) {
        append(found, sizeof found, " [serial %s]", k < 0 ? usb.libusb_error_name(k) : s);
        usb.libusb_close(h);
        continue;
      }
    }
    if (find_endpoints(list[i], u) != 0) {
      append(found, sizeof found, " [no vendor-class interface with bulk IN and OUT]");
      usb.libusb_close(h);
      continue;
    }
    u->h = h;
    match = list[i];
    snprintf(u->where, sizeof u->where, "%04x:%04x on bus %d device %d", o->vid, o->pid, bus,
             addr);
  }
  usb.libusb_free_device_list(list, 1);
  if (match) return HTA_SUCCESS;
  if (denied[0])
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "usb: permission denied opening %04x:%04x at %s: install the udev rule "
                         "(sudo cp " UDEV_RULE " /etc/udev/rules.d/ && sudo udevadm control "
                         "--reload && sudo udevadm trigger), then replug the board",
                         o->vid, o->pid, denied);
  return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                       "usb: no device %04x:%04x%s%s found; USB devices present: %s", o->vid,
                       o->pid, o->serial[0] ? " with serial " : "", o->serial,
                       found[0] ? found : "none");
}

static void usb_close(hta_device *dev) {
  usb_dev *u = dev->priv;
  if (u == NULL) return;
  if (u->h) {
    if (!u->gone) usb.libusb_release_interface(u->h, u->iface);
    usb.libusb_close(u->h);
  }
  if (u->ctx) usb.libusb_exit(u->ctx);
  free(u);
  dev->priv = NULL;
}

static int usb_open(hta_device *dev, const char *opts) {
  if (usb_load(dev) != HTA_SUCCESS) return HTA_ERROR_NO_DEVICE;
  usb_opts o;
  int rc = parse_opts(dev, opts, &o);
  if (rc != HTA_SUCCESS) return rc;
  usb_dev *u = calloc(1, sizeof *u);
  if (u == NULL) return hta_dev_error(dev, HTA_ERROR_NO_MEM, "usb: out of memory");
  dev->priv = u;
  u->mem_base = o.mem_base;
  u->mem_bytes = o.mem_mb << 20;
  rc = usb.libusb_init(&u->ctx);
  if (rc != 0) {
    u->ctx = NULL;
    usb_close(dev);
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "usb: libusb_init failed: %s",
                         usb.libusb_error_name(rc));
  }
  rc = open_device(dev, u, &o);
  if (rc != HTA_SUCCESS) {
    usb_close(dev);
    return rc;
  }
  rc = usb.libusb_claim_interface(u->h, u->iface);
  if (rc != 0) {
    const char *why = rc == LIBUSB_ERROR_BUSY ? " (another program is using the board)" : "";
    hta_dev_error(dev, HTA_ERROR_NO_DEVICE, "usb: cannot claim interface %d of %s: %s%s",
                  u->iface, u->where, usb.libusb_error_name(rc), why);
    u->gone = 1; /* nothing to release */
    usb_close(dev);
    return HTA_ERROR_NO_DEVICE;
  }
  const hta_link_transport xp = {u, xp_send, xp_recv};
  hta_link_init(&u->link, &xp, o.resp_ms, o.retries);
  rc = hta_link_hello(&u->link);
  uint32_t version = 0, sig = 0;
  if (rc == HTA_LINK_OK) rc = hta_link_reg_read(&u->link, HTA_REG_VERSION, &version);
  if (rc == HTA_LINK_OK) rc = hta_link_reg_read(&u->link, HTA_REG_CFG_SIG, &sig);
  if (rc != HTA_LINK_OK) {
    rc = link_error(dev, rc, "saying HELLO");
    usb_close(dev);
    return rc;
  }
  const char *bad = NULL;
  if (!(u->link.flags & 1)) bad = "the board's bitstream has no engine behind the link "
                                  "(a register-loopback build)";
  else if (version >> 16 != 0x4854) bad = "the VERSION register does not say HTA (0x4854)";
  else if (hta_hw_config_by_signature(sig) == NULL)
    bad = "the engine's configuration signature is none of this libhta's configurations "
          "(" HTA_HW_CONFIG_NAMES "; rebuild one or the other)";
  if (bad) {
    hta_dev_error(dev, HTA_ERROR_UNSUPPORTED, "usb: %s: %s (VERSION 0x%08x, CFG_SIG 0x%08x)",
                  u->where, bad, version, sig);
    usb_close(dev);
    return HTA_ERROR_UNSUPPORTED;
  }
  dev->hw = hta_hw_config_by_signature(sig);
  return HTA_SUCCESS;
}

/* ---- the transport under the engine driver (engine.h) ---- */

static int t_reg_read(void *u, uint32_t off, uint32_t *v) {
  return hta_link_reg_read(&((usb_dev *)u)->link, off, v);
}
static int t_reg_write(void *u, uint32_t off, uint32_t v) {
  return hta_link_reg_write(&((usb_dev *)u)->link, off, v);
}
static int t_mem_write(void *u, uint64_t addr, const uint8_t *buf, size_t n) {
  return hta_link_mem_write(&((usb_dev *)u)->link, addr, buf, n);
}
static int t_mem_read(void *u, uint64_t addr, uint8_t *buf, size_t n) {
  return hta_link_mem_read(&((usb_dev *)u)->link, addr, buf, n);
}
/* ap_start is a link request of its own (after the driver's arguments) */
static int t_start(void *ctx, uint64_t prog, uint64_t prog_size, uint64_t data,
                   uint64_t data_size) {
  (void)prog, (void)prog_size, (void)data, (void)data_size;
  usb_dev *u = ctx;
  u->waited = 0;
  return hta_link_start(&u->link);
}

/* One WAIT request of slice_ms of the device's clock: it consumes the
 * clear-on-read ap_done and brings it back. */
static int t_wait(void *ctx, unsigned slice_ms, uint64_t *progress) {
  usb_dev *u = ctx;
  const uint32_t budget = u->link.clock_hz ? u->link.clock_hz / 1000u * slice_ms : 1000u * slice_ms;
  int done = 0;
  uint32_t ctrl = 0;
  const int rc = hta_link_wait(&u->link, HTA_REG_CTRL, 0x2, budget, &done, &ctrl);
  if (rc) return rc;
  u->waited += budget;
  *progress = u->waited;
  return done ? HTA_WAIT_DONE : HTA_WAIT_NOT_YET;
}

static void t_recover(void *ctx, int timed_out, char *note, size_t n) {
  usb_dev *u = ctx;
  if (timed_out)
    snprintf(note, n, "; the engine of %s may still be running (power-cycle or reconfigure the "
             "board to stop it)", u->where);
}

static int usb_run(hta_device *dev, const hta_program *prog, const hta_layer *layers, int n,
                   uint8_t *data, unsigned timeout_ms, hta_backend_result *res) {
  (void)layers;
  (void)n;
  usb_dev *u = dev->priv;
  if (u->gone)
    return hta_dev_error(dev, HTA_ERROR_NO_DEVICE,
                         "usb: the device (%s) was disconnected; close and reopen it", u->where);
  const hta_transport t = {.name = "usb", .ctx = u, .mem_base = u->mem_base,
                           .mem_bytes = u->mem_bytes, .regs_readable = 1,
                           .reg_read = t_reg_read, .reg_write = t_reg_write,
                           .mem_write = t_mem_write, .mem_read = t_mem_read, .wait = t_wait,
                           .start = t_start, .recover = t_recover, .describe = describe};
  return hta_engine_run_device(dev, &t, prog, data, timeout_ms, res);
}

const hta_backend hta_backend_usb = {
    .scheme = "usb",
    .description = "an HTA board on USB through libusb (usb:VID:PID[:SERIAL], default "
                   "1209:0001; options ,resp_ms=N ,retries=N ,mem_base=ADDR ,mem_mb=N)",
    .has_cycles = 1,
    .open = usb_open,
    .close = usb_close,
    .run = usb_run,
};
