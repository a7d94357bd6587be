// usb_sys_model.hpp - the Verilator model of hw/usb/hta_usb_sys.sv (link
// bridge + engine + AXI arbiter) as the device behind the emulated USB
// endpoints, with sim/'s AXI4 memory model on its one memory port.
//
// Between the endpoints and the RTL's byte streams sit two FIFOs of
// kFifoBytes each, like a USB device controller's endpoint buffers: bulk OUT
// data waits in the host's URB while the OUT FIFO is full, and the RTL's
// tx_ready drops while the IN FIFO is full. The memory has the sim device's
// size, base and latencies (hta_sim.h defaults), so a program runs at the
// same addresses and for the same engine cycles as on `--device sim`.
#ifndef HTA_SIM_USB_USB_SYS_MODEL_HPP
#define HTA_SIM_USB_USB_SYS_MODEL_HPP

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "link_model.hpp"

namespace htausb {

class UsbSysModel : public LinkModel {
 public:
  static constexpr size_t kFifoBytes = 4096;

  // trace_path: FST waveform of the whole run, or nullptr. Throws
  // std::runtime_error or std::bad_alloc.
  explicit UsbSysModel(const char *trace_path = nullptr, uint64_t seed = 1);
  ~UsbSysModel() override;

  size_t out(const uint8_t *data, size_t n) override;
  size_t in(uint8_t *data, size_t max) override;
  bool advance(uint64_t cycles) override;
  std::string why() const override;
  uint64_t cycles() const override;

 private:
  struct Impl;  // keeps Verilator's headers out of the launcher
  std::unique_ptr<Impl> p_;
};

}  // namespace htausb

#endif  // HTA_SIM_USB_USB_SYS_MODEL_HPP
