// axi_mem.hpp - AXI4 slave memory model for the DUT's m_axi_gmem port.
//
// A flat, byte-accurate memory with a fixed read latency, a fixed write
// response latency, per-channel beat gaps (to model bandwidth below one beat
// per cycle) and a bound on outstanding reads. It also checks the master's side
// of the protocol and records violations in a ProtocolLog.
//
// Timing contract with the harness (one call of clock() per clock edge):
//   1. the harness drives outputs() into the DUT,
//   2. lets the DUT settle and samples its outputs into an AxiMasterSignals,
//   3. calls clock(): every valid && ready pair seen in step 2 is a transfer at
//      this edge; clock() then computes outputs() for the next cycle.
// Outputs depend only on the model's state, never combinationally on the DUT
// in the same cycle (like a slave with registered outputs); that keeps one
// settle per cycle and never creates a combinational loop through the model.
//
// Per-cycle work is O(1) except for copying one beat of data; bursts are
// processed once when accepted.
#ifndef HTA_SIM_AXI_MEM_HPP
#define HTA_SIM_AXI_MEM_HPP

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#include "protocol_log.hpp"

namespace htasim {

enum : unsigned { kRespOkay = 0, kRespExOkay = 1, kRespSlvErr = 2, kRespDecErr = 3 };

struct AxiMemConfig {
  uint64_t base = 0;       // device address of byte 0
  uint64_t bytes = 0;      // memory size
  unsigned bus_bytes = 16; // data bus width in bytes (power of two)
  unsigned rd_latency = 40;  // AR handshake -> first R beat, cycles (min 1)
  unsigned wr_latency = 20;  // last W beat -> BVALID, cycles (min 1)
  unsigned rd_gap = 0;       // idle cycles after each R beat
  unsigned wr_gap = 0;       // cycles WREADY stays low after each W beat
  unsigned max_rd_outstanding = 16;  // read bursts accepted and not finished
  unsigned max_wr_outstanding = 16;  // write bursts accepted and not answered
  bool verbose = false;      // print each burst to stderr
};

// Signals the DUT (the master) drives; sampled after the cycle's inputs
// settled. Data and strobes are little-endian 32-bit words (lane i of the
// strobe is bit i).
struct AxiMasterSignals {
  bool awvalid = false;
  uint64_t awaddr = 0;
  unsigned awlen = 0, awsize = 0, awburst = 0;
  bool wvalid = false;
  const uint32_t *wdata = nullptr;
  const uint32_t *wstrb = nullptr;
  bool wlast = false;
  bool bready = false;
  bool arvalid = false;
  uint64_t araddr = 0;
  unsigned arlen = 0, arsize = 0, arburst = 0;
  bool rready = false;
};

// Signals the memory drives, constant for one cycle.
struct AxiSlaveSignals {
  bool awready = false, wready = false;
  bool bvalid = false;
  unsigned bresp = 0;
  bool arready = false;
  bool rvalid = false;
  unsigned rresp = 0;
  bool rlast = false;
  const uint32_t *rdata = nullptr;  // owned by the model
};

struct AxiMemStats {
  uint64_t rd_bursts = 0, rd_beats = 0, wr_bursts = 0, wr_beats = 0;
  uint64_t max_rd_outstanding_seen = 0;
  uint64_t w_before_aw = 0;      // W beats accepted before their AW (legal)
  uint64_t rd_error_bursts = 0;  // read bursts answered SLVERR/DECERR
  uint64_t wr_error_bursts = 0;
};

class AxiMem {
 public:
  // Throws std::bad_alloc if the memory cannot be allocated.
  AxiMem(const AxiMemConfig &cfg, ProtocolLog &log);

  // Drop everything in flight (the DUT is being reset); memory is kept.
  void reset();

  const AxiSlaveSignals &outputs() const { return out_; }

  // One clock edge: transfers, checks, next outputs (see the contract above).
  void clock(const AxiMasterSignals &in, uint64_t cycle);

  // During reset (after its first edge) every master VALID must be low.
  void check_reset(const AxiMasterSignals &in, uint64_t cycle);

  // Backdoor access (no clock, no checks).
  bool contains(uint64_t addr, uint64_t n) const {
    return addr >= cfg_.base && n <= cfg_.bytes && addr - cfg_.base <= cfg_.bytes - n;
  }
  uint8_t *backdoor(uint64_t addr) { return mem_.get() + (addr - cfg_.base); }

  // Answer `resp` to every read (or write) burst touching [lo, hi).
  void inject(bool is_write, uint64_t lo, uint64_t hi, unsigned resp);
  void clear_injections() { faults_.clear(); }

  const AxiMemStats &stats() const { return stats_; }
  const AxiMemConfig &config() const { return cfg_; }
  bool idle() const { return rq_.empty() && wq_.empty() && bq_.empty() && wbuf_count_ == 0; }

 private:
  struct Burst {
    uint64_t addr;   // as requested
    uint64_t base;   // addr rounded down to the bus width: beat i is base + i * bus
    unsigned len;    // AxLEN (beats - 1)
    unsigned beat;   // next beat
    unsigned resp;   // answer for every beat
    uint64_t due;    // reads: first cycle the first beat may be valid
  };
  struct WrResp {
    uint64_t due;
    unsigned resp;
    uint64_t addr;
  };
  struct Fault {
    bool is_write;
    uint64_t lo, hi;
    unsigned resp;
  };
  struct AddrHold {  // a VALID seen without READY, and what it carried
    bool active = false;
    uint64_t addr = 0;
    unsigned len = 0, size = 0, burst = 0;
  };

  unsigned check_burst(const char *ch, bool is_write, uint64_t addr, unsigned len,
                       unsigned size, unsigned burst, uint64_t cycle);
  void check_stable(const AxiMasterSignals &in, uint64_t cycle);
  void accept_w(const AxiMasterSignals &in, uint64_t cycle);
  void match_w(uint64_t cycle);
  void load_r_beat();

  AxiMemConfig cfg_;
  ProtocolLog &log_;
  // calloc rather than std::vector: the vector zero-fills every page up front,
  // which cost 250 ms per 64 MiB simulation here; calloc'd pages come zeroed
  // from the kernel on first touch, so a simulation pays for what it uses.
  struct Free {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], Free> mem_;
  unsigned data_words_, strb_words_, size_log2_;
  std::vector<uint32_t> full_strb_;  // all lanes enabled

  AxiSlaveSignals out_;
  std::vector<uint32_t> rdata_;
  std::deque<Burst> rq_;   // read bursts accepted, in order; front is returning data
  std::deque<Burst> wq_;   // write bursts accepted, waiting for (more) W beats
  std::deque<WrResp> bq_;  // write responses waiting for their due cycle / BREADY
  uint64_t r_ok_ = 0;      // first cycle the next R beat may be valid (rd_gap)
  uint64_t w_ok_ = 0;      // first cycle WREADY may be high again (wr_gap)

  // W beats accepted but not yet matched to an AW (W may lead AW in AXI4).
  static constexpr unsigned kWBufBeats = 64;
  std::vector<uint32_t> wbuf_data_, wbuf_strb_;
  std::vector<uint8_t> wbuf_last_;
  unsigned wbuf_head_ = 0, wbuf_count_ = 0;
  unsigned beats_since_wlast_ = 0;

  AddrHold ar_hold_, aw_hold_;
  bool w_hold_ = false;
  std::vector<uint32_t> w_hold_data_, w_hold_strb_;
  bool w_hold_last_ = false;

  std::vector<Fault> faults_;
  AxiMemStats stats_;
};

}  // namespace htasim

#endif  // HTA_SIM_AXI_MEM_HPP
