// link_model.hpp - what sits behind the two bulk endpoints of the emulated
// USB device: a byte stream in each direction.
//
// The usbdevfs emulation (usbdevfs_emu.hpp) knows nothing about HTA: it hands
// the bytes of bulk OUT URBs to a LinkModel and fills bulk IN URBs from it,
// and lets it run (advance the clock) while URBs are pending.
#ifndef HTA_SIM_USB_LINK_MODEL_HPP
#define HTA_SIM_USB_LINK_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <string>

namespace htausb {

class LinkModel {
 public:
  virtual ~LinkModel() = default;
  // Offer host->device bytes; returns how many the device took (it may
  // push back, like a FIFO that is full).
  virtual size_t out(const uint8_t *data, size_t n) = 0;
  // Take up to max device->host bytes that are ready.
  virtual size_t in(uint8_t *data, size_t max) = 0;
  // Run the device for at most `cycles` clock cycles; it may stop early
  // once it has device->host bytes ready. Returns false if the model failed
  // (an RTL assertion, a bus protocol violation); why() then says what.
  virtual bool advance(uint64_t cycles) = 0;
  virtual std::string why() const = 0;
  virtual uint64_t cycles() const = 0;
};

}  // namespace htausb

#endif  // HTA_SIM_USB_LINK_MODEL_HPP
