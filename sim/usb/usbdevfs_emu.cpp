// usbdevfs_emu.cpp - see usbdevfs_emu.hpp.
#include "usbdevfs_emu.hpp"

#include <linux/usb/ch9.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

namespace htausb {

namespace {

void dump(const char *what, const uint8_t *b, size_t n) {
  std::fprintf(stderr, "usbdevfs_emu: %s %zu bytes:", what, n);
  for (size_t i = 0; i < n && i < 48; ++i) std::fprintf(stderr, " %02x", b[i]);
  std::fprintf(stderr, "%s\n", n > 48 ? " ..." : "");
}

// Descriptors of a high-speed vendor-class device with one interface and two
// bulk endpoints of 512 bytes; strings 1..3 are manufacturer, product, serial.
std::vector<uint8_t> descriptors(const EmuConfig &cfg) {
  std::vector<uint8_t> d = {
      18, USB_DT_DEVICE, 0x00, 0x02, 0x00, 0x00, 0x00, 64,  // USB 2.0, EP0 64 bytes
      uint8_t(cfg.vid), uint8_t(cfg.vid >> 8), uint8_t(cfg.pid), uint8_t(cfg.pid >> 8),
      0x00, 0x01, 1, 2, 3, 1,                                 // bcdDevice 1.00, strings, 1 config
      9, USB_DT_CONFIG, 32, 0, 1, 1, 0, 0x80, 50,             // 32 bytes, 1 interface, 100 mA
      9, USB_DT_INTERFACE, 0, 0, 2, 0xff, 0x00, 0x00, 0,      // vendor class, 2 endpoints
      7, USB_DT_ENDPOINT, cfg.ep_out, USB_ENDPOINT_XFER_BULK, 0x00, 0x02, 0,
      7, USB_DT_ENDPOINT, cfg.ep_in, USB_ENDPOINT_XFER_BULK, 0x00, 0x02, 0,
  };
  return d;
}

std::vector<uint8_t> string_descriptor(const std::string &s) {
  std::vector<uint8_t> d = {uint8_t(2 + 2 * s.size()), USB_DT_STRING};
  for (char c : s) {
    d.push_back(uint8_t(c));
    d.push_back(0);
  }
  return d;
}

}  // namespace

std::string UsbdevfsEmu::sysfs_description(const EmuConfig &cfg, const char *devnode, int bus,
                                           int dev) {
  char head[512];
  std::snprintf(head, sizeof head,
                "P: /devices/pci0000:00/usb%d/%d-1\nN: %s\nE: SUBSYSTEM=usb\nE: DRIVER=usb\n"
                "E: BUSNUM=%03d\nE: DEVNUM=%03d\nE: DEVNAME=/dev/%s\nE: DEVTYPE=usb_device\n"
                "A: busnum=%d\\n\nA: devnum=%d\\n\nA: bConfigurationValue=1\\n\n"
                "A: speed=480\\n\nA: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
                "A: serial=%s\\n\nH: descriptors=",
                bus, bus, devnode + 5, bus, dev, devnode + 5, bus, dev, cfg.vid, cfg.pid,
                cfg.serial.c_str());
  std::string s(head);
  for (uint8_t b : descriptors(cfg)) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    s += hex;
  }
  return s + "\n";
}

UsbdevfsEmu::~UsbdevfsEmu() {
  for (auto *q : {&out_q_, &in_q_, &done_q_})
    for (Urb *u : *q) {
      g_object_unref(u->data);
      delete u;
    }
}

gboolean UsbdevfsEmu::on_ioctl(UMockdevIoctlBase *, UMockdevIoctlClient *client, gpointer self) {
  return static_cast<UsbdevfsEmu *>(self)->handle(client);
}

void UsbdevfsEmu::shut_down() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_ = true;
}

EmuStats UsbdevfsEmu::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_;
}

std::string UsbdevfsEmu::model_error() {
  std::lock_guard<std::mutex> lock(mu_);
  return model_err_;
}

gboolean UsbdevfsEmu::handle(UMockdevIoctlClient *client) {
  std::lock_guard<std::mutex> lock(mu_);
  const unsigned long req = umockdev_ioctl_client_get_request(client);
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
  // After an unplug the kernel answers ENODEV to everything but reaping the
  // URBs that were still queued (USBDEVFS_CAP_REAP_AFTER_DISCONNECT).
  const bool gone = shut_ || st_.vanished;
  int err = 0;
  switch (req) {
    case USBDEVFS_GET_CAPABILITIES: {
      if (gone) {
        err = ENODEV;
        break;
      }
      GError *e = nullptr;
      UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), &e);
      if (d == nullptr) {
        g_clear_error(&e);
        err = EFAULT;
        break;
      }
      const uint32_t caps = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                            USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
      std::memcpy(d->data, &caps, sizeof caps);
      g_object_unref(d);
      break;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_SETINTERFACE:
      err = gone ? ENODEV : 0;
      break;
    case USBDEVFS_GETDRIVER:
      err = gone ? ENODEV : ENODATA;  // no kernel driver is bound to the interface
      break;
    case USBDEVFS_SUBMITURB:
      err = gone ? ENODEV : submit(arg);
      break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      err = shut_ ? ENODEV : reap(arg);
      break;
    case USBDEVFS_DISCARDURB: {
      unsigned long addr = 0;
      std::memcpy(&addr, arg->data, sizeof addr);
      err = shut_ ? ENODEV : discard(addr);
      break;
    }
    default:
      if (cfg_.verbose) std::fprintf(stderr, "usbdevfs_emu: ioctl 0x%lx not emulated\n", req);
      err = ENOTTY;
  }
  umockdev_ioctl_client_complete(client, err ? -1 : 0, err);
  return TRUE;
}

int UsbdevfsEmu::submit(UMockdevIoctlData *arg) {
  GError *e = nullptr;
  UMockdevIoctlData *data = umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), &e);
  if (data == nullptr) {
    g_clear_error(&e);
    return EFAULT;
  }
  auto *u = reinterpret_cast<usbdevfs_urb *>(data->data);
  if (u->buffer_length > 0) {
    UMockdevIoctlData *buf = umockdev_ioctl_data_resolve(data, offsetof(usbdevfs_urb, buffer),
                                                         size_t(u->buffer_length), &e);
    if (buf == nullptr) {
      g_clear_error(&e);
      g_object_unref(data);
      return EFAULT;
    }
    g_object_unref(buf);  // `data` keeps it; u->buffer now points at the local copy
  }
  u->actual_length = 0;
  u->status = 0;
  Urb *urb = new Urb{data, u};
  if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
    ++st_.ctrl_urbs;
    control(urb);
    return 0;
  }
  if (u->type != USBDEVFS_URB_TYPE_BULK || (u->endpoint != cfg_.ep_out &&
                                            u->endpoint != cfg_.ep_in)) {
    delete urb;
    g_object_unref(data);
    return EINVAL;
  }
  if (u->endpoint == cfg_.ep_in) {
    ++st_.in_urbs;
    in_q_.push_back(urb);
  } else {
    ++st_.out_urbs;
    // Corrupted on the way to the device only: the client's buffer must stay
    // intact (umockdev writes changed buffers back, the kernel never does
    // for OUT), or a resend of the same buffer would arrive "repaired".
    urb->corrupt = u->buffer_length > 0 &&
                   (st_.out_urbs == cfg_.faults.corrupt_out ||
                    (cfg_.faults.corrupt_out_all && cfg_.faults.corrupt_out &&
                     st_.out_urbs >= cfg_.faults.corrupt_out));
    if (urb->corrupt) ++st_.corrupted;
    out_q_.push_back(urb);
  }
  return 0;
}

// Standard GET_DESCRIPTOR requests (libusb reads strings this way); anything
// else stalls, as a device without vendor requests would.
void UsbdevfsEmu::control(Urb *urb) {
  auto *b = static_cast<uint8_t *>(urb->u->buffer);
  if (urb->u->buffer_length < 8) {
    finish(urb, -EPIPE);
    return;
  }
  const unsigned type = b[0], req = b[1], value = b[2] | b[3] << 8;
  const unsigned length = b[6] | b[7] << 8;
  std::vector<uint8_t> reply;
  if (type == 0x80 && req == USB_REQ_GET_DESCRIPTOR) {
    const unsigned dt = value >> 8, idx = value & 0xff;
    const std::vector<uint8_t> all = descriptors(cfg_);
    if (dt == USB_DT_DEVICE) {
      reply.assign(all.begin(), all.begin() + 18);
    } else if (dt == USB_DT_CONFIG && idx == 0) {
      reply.assign(all.begin() + 18, all.end());
    } else if (dt == USB_DT_STRING) {
      if (idx == 0) reply = {4, USB_DT_STRING, 0x09, 0x04};  // English (US)
      if (idx == 1) reply = string_descriptor(cfg_.manufacturer);
      if (idx == 2) reply = string_descriptor(cfg_.product);
      if (idx == 3) reply = string_descriptor(cfg_.serial);
    }
  } else if (type == 0x80 && req == USB_REQ_GET_STATUS) {
    reply = {0, 0};
  }
  if (reply.empty()) {
    finish(urb, -EPIPE);
    return;
  }
  const size_t n = std::min({reply.size(), size_t(length), size_t(urb->u->buffer_length) - 8});
  std::memcpy(b + 8, reply.data(), n);
  urb->done = n;
  finish(urb, 0);
}

int UsbdevfsEmu::reap(UMockdevIoctlData *arg) {
  if (done_q_.empty()) pump();
  if (done_q_.empty()) {
    ++st_.reap_empty;
    return st_.vanished ? ENODEV : EAGAIN;
  }
  GError *e = nullptr;
  UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &e);
  if (ptr == nullptr) {
    g_clear_error(&e);
    return EFAULT;
  }
  Urb *urb = done_q_.front();
  done_q_.pop_front();
  umockdev_ioctl_data_set_ptr(ptr, 0, urb->data);  // flushed back to the client on complete
  g_object_unref(ptr);
  g_object_unref(urb->data);
  delete urb;
  return 0;
}

int UsbdevfsEmu::discard(unsigned long client_addr) {
  for (auto *q : {&out_q_, &in_q_}) {
    for (auto it = q->begin(); it != q->end(); ++it) {
      if ((*it)->data->client_addr != client_addr) continue;
      Urb *urb = *it;
      q->erase(it);
      ++st_.discarded;
      finish(urb, -ENOENT);
      return 0;
    }
  }
  return EINVAL;  // already finished (the kernel says the same)
}

void UsbdevfsEmu::finish(Urb *urb, int status) {
  urb->u->actual_length = int(urb->done);
  urb->u->status = status;
  done_q_.push_back(urb);
}

// Move bytes until some URB has finished, running the device's clock for a
// slice when nothing moved.
void UsbdevfsEmu::pump() {
  if (st_.vanished || st_.model_failed || (out_q_.empty() && in_q_.empty())) return;
  bool moved = move_out();
  moved = fill_in() || moved;
  if (moved || st_.vanished) return;
  if (!model_.advance(cfg_.slice_cycles)) {
    st_.model_failed = true;
    model_err_ = model_.why();
    std::fprintf(stderr, "usbdevfs_emu: the device model failed: %s\n", model_err_.c_str());
    return;  // the device is dead: URBs stay pending, the host times out
  }
  move_out();
  fill_in();
}

bool UsbdevfsEmu::move_out() {
  bool moved = false;
  while (!out_q_.empty()) {
    Urb *urb = out_q_.front();
    const auto *b = static_cast<const uint8_t *>(urb->u->buffer);
    size_t want = size_t(urb->u->buffer_length) - urb->done;
    const uint64_t left = cfg_.faults.vanish_after - std::min(cfg_.faults.vanish_after,
                                                              st_.out_bytes);
    want = size_t(std::min<uint64_t>(want, left));
    const uint8_t *src = b + urb->done;
    std::vector<uint8_t> copy;
    const size_t mid = size_t(urb->u->buffer_length) / 2;
    if (urb->corrupt && mid >= urb->done && mid < urb->done + want) {
      copy.assign(src, src + want);
      copy[mid - urb->done] ^= 0x20;
      src = copy.data();
    }
    const size_t n = want ? model_.out(src, want) : 0;
    if (cfg_.verbose && n) dump("OUT", src, n);
    urb->done += n;
    st_.out_bytes += n;
    moved = moved || n > 0;
    if (st_.out_bytes >= cfg_.faults.vanish_after) {
      vanish();
      return true;
    }
    if (urb->done < size_t(urb->u->buffer_length)) break;  // the device pushes back
    out_q_.pop_front();
    finish(urb, 0);
  }
  return moved;
}

bool UsbdevfsEmu::fill_in() {
  if (st_.out_bytes >= cfg_.faults.mute_after) st_.muted = true;
  if (st_.muted || in_q_.empty()) return false;
  Urb *urb = in_q_.front();
  auto *b = static_cast<uint8_t *>(urb->u->buffer);
  const size_t n = model_.in(b, size_t(urb->u->buffer_length));
  if (n == 0) return false;
  urb->done = n;
  st_.in_bytes += n;
  if (cfg_.verbose) dump("IN", b, n);
  const uint64_t k = st_.in_urbs - in_q_.size() + 1;  // this URB's number
  if (k == cfg_.faults.corrupt_in ||
      (cfg_.faults.corrupt_in_all && cfg_.faults.corrupt_in && k >= cfg_.faults.corrupt_in))
    flip(b, n);
  in_q_.pop_front();
  finish(urb, 0);
  return true;
}

// The cable is pulled: queued URBs end with -ENODEV, later ioctls fail.
void UsbdevfsEmu::vanish() {
  st_.vanished = true;
  for (auto *q : {&out_q_, &in_q_}) {
    while (!q->empty()) {
      finish(q->front(), -ENODEV);
      q->pop_front();
    }
  }
}

void UsbdevfsEmu::flip(uint8_t *buf, size_t n) {
  if (n == 0) return;
  buf[n / 2] ^= 0x20;
  ++st_.corrupted;
}

}  // namespace htausb
