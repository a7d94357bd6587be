// proto_ref_model.cpp - see proto_ref_model.hpp. The receiver follows
// docs/usb-protocol.md's "Receiver, resynchronisation" steps in order.
#include "proto_ref_model.hpp"

#include <algorithm>
#include <cstring>

namespace htausb {

namespace {

uint16_t crc16(const uint8_t *p, size_t n) {
  uint16_t c = 0xFFFF;
  while (n--) {
    c ^= uint16_t(*p++ << 8);
    for (int i = 0; i < 8; i++) c = (c & 0x8000) ? uint16_t(c << 1 ^ 0x1021) : uint16_t(c << 1);
  }
  return c;
}
uint16_t get16(const uint8_t *p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t get32(const uint8_t *p) { return get16(p) | uint32_t(get16(p + 2)) << 16; }
uint64_t get64(const uint8_t *p) { return get32(p) | uint64_t(get32(p + 4)) << 32; }
void put16(std::vector<uint8_t> &v, uint16_t x) {
  v.push_back(uint8_t(x));
  v.push_back(uint8_t(x >> 8));
}
void put32(std::vector<uint8_t> &v, uint32_t x) {
  put16(v, uint16_t(x));
  put16(v, uint16_t(x >> 16));
}

enum : uint8_t { kOk = 0, kBadCrc = 1, kBadCmd = 2, kBadLen = 3, kBadAddr = 4, kSlvErr = 5,
                 kTimeout = 7 };

}  // namespace

size_t ProtoRefModel::out(const uint8_t *data, size_t n) {
  rx_.insert(rx_.end(), data, data + n);
  last_rx_cycle_ = hta_sim_cycles(sim_);
  return n;
}

size_t ProtoRefModel::in(uint8_t *data, size_t max) {
  const size_t n = std::min(max, tx_.size());
  std::copy(tx_.begin(), tx_.begin() + long(n), data);
  tx_.erase(tx_.begin(), tx_.begin() + long(n));
  return n;
}

bool ProtoRefModel::advance(uint64_t cycles) {
  const uint64_t end = hta_sim_cycles(sim_) + cycles;
  while (hta_sim_cycles(sim_) < end) {
    if (waiting_) {
      if (hta_sim_reg_read(sim_, wait_off_, &wait_last_) != HTA_SIM_OK) {
        why_ = "AXI-Lite read failed during WAIT";
        return false;
      }
      if ((wait_last_ & wait_mask_) || hta_sim_cycles(sim_) >= wait_end_) {
        waiting_ = false;
        respond(wait_cmd_, wait_seq_, (wait_last_ & wait_mask_) ? kOk : kTimeout, wait_last_,
                {}, true);
        return true;
      }
      continue;
    }
    receive();
    if (!why_.empty()) return false;
    if (!tx_.empty()) return true;
    if (waiting_) continue;
    // Idle timeout: a started frame with no byte for kRxIdleCycles is dropped.
    if (!rx_.empty() && hta_sim_cycles(sim_) - last_rx_cycle_ >= kRxIdleCycles) rx_.clear();
    hta_sim_step(sim_, std::min<uint64_t>(256, end - hta_sim_cycles(sim_)));
    if (!tx_.empty()) return true;
  }
  return true;
}

// Parse as many whole requests as the received bytes hold.
void ProtoRefModel::receive() {
  while (!waiting_) {
    while (rx_.size() >= 2 && !(rx_[0] == 0xA5 && rx_[1] == 0x5A)) rx_.pop_front();
    if (rx_.size() < 20) return;
    uint8_t h[20];
    std::copy(rx_.begin(), rx_.begin() + 20, h);
    if (crc16(h + 2, 16) != get16(h + 18)) {  // silence; hunt again from the next byte
      rx_.pop_front();
      continue;
    }
    const size_t len = get16(h + 4);
    const size_t total = 20 + (len ? len + 2 : 0);
    if (rx_.size() < total) return;
    std::vector<uint8_t> payload(rx_.begin() + 20, rx_.begin() + long(20 + len));
    const bool pcrc_ok = len == 0 || crc16(payload.data(), len) ==
                                         uint16_t(rx_[20 + len] | rx_[21 + len] << 8);
    rx_.erase(rx_.begin(), rx_.begin() + long(total));
    const uint8_t cmd = h[2], seq = h[3];
    if (!pcrc_ok) {
      respond(cmd, seq, kBadCrc, 0, {}, false);
      continue;
    }
    execute(h, payload.data(), len);
  }
}

void ProtoRefModel::execute(const uint8_t *h, const uint8_t *payload, size_t len) {
  const uint8_t cmd = h[2], seq = h[3];
  const uint64_t addr = get64(h + 6);
  const uint32_t arg = get32(h + 14);
  if (cmd < 1 || cmd > 7) return respond(cmd, seq, kBadCmd, 0, {}, false);
  if ((cmd == 4 && (len == 0 || len > kMaxPayload)) || (cmd != 4 && len != 0) ||
      (cmd == 5 && (arg == 0 || arg > kMaxPayload)))
    return respond(cmd, seq, kBadLen, 0, {}, false);
  if ((cmd == 2 || cmd == 3) && (addr % 4 || addr > 0xFFC))
    return respond(cmd, seq, kBadAddr, 0, {}, false);
  if (have_last_ && cmd == last_cmd_ && seq == last_seq_) {  // a retransmission
    tx_.insert(tx_.end(), last_resp_.begin(), last_resp_.end());
    return;
  }
  uint32_t value = 0;
  std::vector<uint8_t> data;
  int rc = HTA_SIM_OK;
  switch (cmd) {
    case 1:  // HELLO
      data = {'H', 'T', 'A', 'U'};
      put16(data, 1);
      put16(data, kMaxPayload);
      put16(data, uint16_t(hta_sim_bus_bits(sim_) / 8));
      put16(data, 1);  // an engine sits behind s_axi_control
      put32(data, kRxIdleCycles);
      put32(data, 0);  // clock unknown (simulation)
      value = 1;
      break;
    case 2: rc = hta_sim_reg_write(sim_, uint32_t(addr), arg); break;
    case 3: rc = hta_sim_reg_read(sim_, uint32_t(addr), &value); break;
    case 4: rc = hta_sim_mem_write(sim_, addr, payload, len); break;
    case 5:
      data.resize(arg);
      rc = hta_sim_mem_read(sim_, addr, data.data(), arg);
      break;
    case 6: rc = hta_sim_reg_write(sim_, 0, 1); break;
    case 7:
      waiting_ = true;
      wait_cmd_ = cmd;
      wait_seq_ = seq;
      wait_off_ = uint32_t(addr & 0xFFF);
      wait_mask_ = uint32_t(addr >> 32);
      wait_end_ = hta_sim_cycles(sim_) + arg;
      return;
  }
  if (rc != HTA_SIM_OK) return respond(cmd, seq, kSlvErr, 0, {}, true);
  respond(cmd, seq, kOk, value, data, true);
}

void ProtoRefModel::respond(uint8_t cmd, uint8_t seq, uint8_t status, uint32_t value,
                            const std::vector<uint8_t> &payload, bool remember) {
  std::vector<uint8_t> f = {0x5A, 0xA5, cmd, seq, status, 0};
  put16(f, uint16_t(payload.size()));
  put32(f, value);
  put16(f, crc16(f.data() + 2, 10));
  if (!payload.empty()) {
    f.insert(f.end(), payload.begin(), payload.end());
    put16(f, crc16(payload.data(), payload.size()));
  }
  tx_.insert(tx_.end(), f.begin(), f.end());
  if (remember) {
    have_last_ = true;
    last_cmd_ = cmd;
    last_seq_ = seq;
    last_resp_ = f;
  }
}

}  // namespace htausb
