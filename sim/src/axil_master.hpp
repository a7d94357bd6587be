// axil_master.hpp - AXI4-Lite master for the DUT's s_axi_control port.
//
// One access at a time, like a host doing MMIO. A write drives AW and W
// together (the usual case for CPU stores and the one Vitis control slaves are
// built for); each channel drops its VALID after its own handshake. The
// harness clocks it with the same contract as the memory model (outputs depend
// only on state; clock() sees the settled DUT outputs) and bounds every wait.
#ifndef HTA_SIM_AXIL_MASTER_HPP
#define HTA_SIM_AXIL_MASTER_HPP

#include <cinttypes>
#include <cstdint>

#include "protocol_log.hpp"

namespace htasim {

struct AxiLiteMasterSignals {  // what this master drives
  bool awvalid = false;
  uint32_t awaddr = 0;
  bool wvalid = false;
  uint32_t wdata = 0;
  unsigned wstrb = 0;
  bool bready = false;
  bool arvalid = false;
  uint32_t araddr = 0;
  bool rready = false;
};

struct AxiLiteSlaveSignals {  // what the DUT drives back
  bool awready = false, wready = false;
  bool bvalid = false;
  unsigned bresp = 0;
  bool arready = false;
  bool rvalid = false;
  uint32_t rdata = 0;
  unsigned rresp = 0;
};

class AxiLiteMaster {
 public:
  explicit AxiLiteMaster(ProtocolLog &log) : log_(log) {}

  void reset() {
    out_ = AxiLiteMasterSignals();
    op_ = Op::kIdle;
    done_ = false;
  }

  bool busy() const { return op_ != Op::kIdle; }
  // Result of the last finished access.
  bool done() const { return done_; }
  unsigned resp() const { return resp_; }
  uint32_t rdata() const { return rdata_; }

  void start_write(uint32_t addr, uint32_t data) {
    out_ = AxiLiteMasterSignals();
    out_.awvalid = out_.wvalid = true;
    out_.awaddr = addr;
    out_.wdata = data;
    out_.wstrb = 0xF;
    op_ = Op::kWrite;
    done_ = false;
  }
  void start_read(uint32_t addr) {
    out_ = AxiLiteMasterSignals();
    out_.arvalid = true;
    out_.araddr = addr;
    op_ = Op::kRead;
    done_ = false;
  }

  const AxiLiteMasterSignals &outputs() const { return out_; }

  void clock(const AxiLiteSlaveSignals &in, uint64_t cycle) {
    // A response nobody asked for would be matched to the wrong access later.
    if (in.bvalid && !(op_ == Op::kWrite && out_.bready))
      log_.report(cycle, "s_axi_control BVALID with no write waiting for a response");
    if (in.rvalid && !(op_ == Op::kRead && out_.rready))
      log_.report(cycle, "s_axi_control RVALID with no read waiting for data");

    switch (op_) {
      case Op::kWrite:
        if (out_.bready && in.bvalid) {
          resp_ = in.bresp;
          finish();
          break;
        }
        if (out_.awvalid && in.awready) out_.awvalid = false;
        if (out_.wvalid && in.wready) out_.wvalid = false;
        // BREADY only once both channels went through: the response belongs to them.
        out_.bready = !out_.awvalid && !out_.wvalid;
        break;
      case Op::kRead:
        if (out_.rready && in.rvalid) {
          resp_ = in.rresp;
          rdata_ = in.rdata;
          finish();
          break;
        }
        if (out_.arvalid && in.arready) out_.arvalid = false;
        out_.rready = !out_.arvalid;
        break;
      case Op::kIdle:
        break;
    }
  }

  // During reset (after its first edge) the slave's VALIDs must be low.
  void check_reset(const AxiLiteSlaveSignals &in, uint64_t cycle) {
    if (in.bvalid || in.rvalid) log_.report(cycle, "s_axi_control BVALID/RVALID high during reset");
  }

 private:
  enum class Op { kIdle, kWrite, kRead };
  void finish() {
    out_ = AxiLiteMasterSignals();
    op_ = Op::kIdle;
    done_ = true;
  }

  ProtocolLog &log_;
  AxiLiteMasterSignals out_;
  Op op_ = Op::kIdle;
  bool done_ = false;
  unsigned resp_ = 0;
  uint32_t rdata_ = 0;
};

}  // namespace htasim

#endif  // HTA_SIM_AXIL_MASTER_HPP
