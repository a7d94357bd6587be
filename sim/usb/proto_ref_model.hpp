// proto_ref_model.hpp - a C++ REFERENCE of the device side of the link
// protocol (docs/usb-protocol.md) in front of the Verilator model of the
// engine (hta_sim.h). It is NOT the bridge RTL (hw/usb/): registers go through
// the simulated AXI4-Lite bus, but memory is reached through the memory
// model's backdoor. It exists to test the host's link layer on its own and
// to cross-check the RTL bridge (usb_launcher --model ref); the end-to-end
// tests use the RTL (--model rtl, usb_sys_model.hpp).
#ifndef HTA_SIM_USB_PROTO_REF_MODEL_HPP
#define HTA_SIM_USB_PROTO_REF_MODEL_HPP

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "hta_sim.h"
#include "link_model.hpp"

namespace htausb {

class ProtoRefModel : public LinkModel {
 public:
  static constexpr unsigned kMaxPayload = 1024;
  static constexpr uint32_t kRxIdleCycles = 4096;

  explicit ProtoRefModel(hta_sim *sim) : sim_(sim) {}
  size_t out(const uint8_t *data, size_t n) override;
  size_t in(uint8_t *data, size_t max) override;
  bool advance(uint64_t cycles) override;
  std::string why() const override { return why_; }
  uint64_t cycles() const override { return hta_sim_cycles(sim_); }

 private:
  void receive();
  void execute(const uint8_t *h, const uint8_t *payload, size_t len);
  void respond(uint8_t cmd, uint8_t seq, uint8_t status, uint32_t value,
               const std::vector<uint8_t> &payload, bool remember);

  hta_sim *sim_;
  std::deque<uint8_t> rx_, tx_;
  uint64_t last_rx_cycle_ = 0;
  // the remembered request and its response (retransmissions)
  bool have_last_ = false;
  uint8_t last_cmd_ = 0, last_seq_ = 0;
  std::vector<uint8_t> last_resp_;
  // a WAIT in progress
  bool waiting_ = false;
  uint8_t wait_cmd_ = 0, wait_seq_ = 0;
  uint32_t wait_off_ = 0, wait_mask_ = 0, wait_last_ = 0;
  uint64_t wait_end_ = 0;
  std::string why_;
};

}  // namespace htausb

#endif  // HTA_SIM_USB_PROTO_REF_MODEL_HPP
