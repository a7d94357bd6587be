// usbdevfs_emu.hpp - the kernel's usbdevfs ioctls, as libusb's Linux backend
// issues them, answered for one emulated vendor-class device under umockdev.
//
// umockdev's preload library forwards every ioctl of the client process on
// /dev/bus/usb/BBB/DDD to a socket; the testbed's worker thread emits the
// handler's "handle-ioctl" signal, and handle() answers it. URBs work as in
// the kernel: SUBMITURB queues, REAPURBNDELAY returns finished URBs (or
// EAGAIN), DISCARDURB cancels one (it is then reaped with -ENOENT). The bulk
// OUT bytes go to a LinkModel and bulk IN URBs are filled from it; the model's
// clock runs only while URBs are pending, one slice per reap attempt (libusb's
// event loop polls the socket, which is always writable, so it keeps reaping
// while it waits for a transfer).
//
// Not modelled: packets (babble, zero-length packets, stalls on bulk
// endpoints), USB timing, isochronous and interrupt transfers. An IN URB
// completes with whatever bytes the device has ready, like a short packet.
#ifndef HTA_SIM_USB_USBDEVFS_EMU_HPP
#define HTA_SIM_USB_USBDEVFS_EMU_HPP

#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "link_model.hpp"

namespace htausb {

// Faults injected at the USB level. Byte counts are of bulk OUT data the
// device accepted; URB numbers count bulk URBs of one direction from 1.
struct EmuFaults {
  uint64_t vanish_after = UINT64_MAX;  // unplug once this many OUT bytes went in
  uint64_t mute_after = UINT64_MAX;    // after this many OUT bytes, IN URBs never complete
  uint64_t corrupt_out = 0;            // flip a byte of this OUT URB (0: none)
  bool corrupt_out_all = false;        // ... and of every later one
  uint64_t corrupt_in = 0;             // the same for IN URBs
  bool corrupt_in_all = false;
};

struct EmuConfig {
  uint16_t vid = 0x1209, pid = 0x0001;
  std::string manufacturer = "HTA project", product = "HTA USB bridge (emulated)";
  std::string serial = "HTA0001";
  uint8_t ep_out = 0x01, ep_in = 0x81;
  uint64_t slice_cycles = 4096;  // clock cycles per reap attempt while URBs wait
  EmuFaults faults;
  bool verbose = false;
};

struct EmuStats {
  uint64_t out_urbs = 0, in_urbs = 0, ctrl_urbs = 0, out_bytes = 0, in_bytes = 0;
  uint64_t discarded = 0, reap_empty = 0, corrupted = 0;
  bool vanished = false, muted = false, model_failed = false;
};

class UsbdevfsEmu {
 public:
  UsbdevfsEmu(LinkModel &model, const EmuConfig &cfg) : model_(model), cfg_(cfg) {}
  ~UsbdevfsEmu();

  // The "handle-ioctl" signal handler (user data: this object).
  static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer self);

  // After this, every ioctl fails with ENODEV and the model is not touched
  // again (the launcher calls it before destroying the model).
  void shut_down();

  EmuStats stats();
  std::string model_error();

  // The sysfs description of the device for umockdev_testbed_add_from_string.
  static std::string sysfs_description(const EmuConfig &cfg, const char *devnode, int bus,
                                       int dev);

 private:
  struct Urb {
    UMockdevIoctlData *data;  // the client's struct usbdevfs_urb (+ its buffer)
    usbdevfs_urb *u;          // data->data
    size_t done = 0;          // bytes moved so far
    bool corrupt = false;     // OUT: the device gets the middle byte flipped
  };

  gboolean handle(UMockdevIoctlClient *client);
  int submit(UMockdevIoctlData *arg);
  int reap(UMockdevIoctlData *arg);
  int discard(unsigned long client_addr);
  void control(Urb *urb);
  void pump();
  bool move_out();
  bool fill_in();
  void finish(Urb *urb, int status);
  void vanish();
  void flip(uint8_t *buf, size_t n);

  LinkModel &model_;
  EmuConfig cfg_;
  std::mutex mu_;  // the worker thread vs. the launcher's shut_down()
  bool shut_ = false;
  std::deque<Urb *> out_q_, in_q_, done_q_;
  EmuStats st_;
  std::string model_err_;
};

}  // namespace htausb

#endif  // HTA_SIM_USB_USBDEVFS_EMU_HPP
