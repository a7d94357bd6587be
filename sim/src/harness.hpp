// harness.hpp - one simulated HTA card: the Verilator model of a Vitis-style
// top, the AXI4 memory on m_axi_gmem and the AXI4-Lite master on
// s_axi_control, clocked together. hta_sim.cpp wraps it in the C API.
//
// Generic over the Verilator top class: any top with hta_top's port names
// works (the real hta_top and sim/selftest's DUT). The data width comes from
// the C++ type of m_axi_gmem_wdata (see bits.hpp).
#ifndef HTA_SIM_HARNESS_HPP
#define HTA_SIM_HARNESS_HPP

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "axi_mem.hpp"
#include "axil_master.hpp"
#include "bits.hpp"
#include "hta_sim.h"
#include "protocol_log.hpp"
#include "tb.hpp"

namespace htasim {

// $stop, $finish, $fatal and failed assertions of the RTL. Verilator reports
// them through global hooks (vl_stop etc., defined in hta_sim.cpp) that cannot
// say which model they came from, so the harness points this thread-local at
// its own log around every evaluation.
struct RtlStopLog {
  uint64_t count = 0;
  std::string first;
  std::string last_print;  // Verilator prints an assertion's message just before stopping
  void report(const char *what, const char *file, int line, uint64_t cycle) {
    if (count++ == 0) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "cycle %" PRIu64 ": %s at %s:%d", cycle, what,
                    file ? file : "?", line);
      first = buf;
      if (!last_print.empty()) first += ": " + last_print;
    }
  }
};
inline thread_local RtlStopLog *tl_rtl_stop_log = nullptr;
inline thread_local uint64_t tl_rtl_stop_cycle = 0;

// Control register bits used by run() (ap_ctrl_hs, hw/config/regmap.cfg).
constexpr uint32_t kCtrlApDone = 1u << 1;

struct HarnessConfig {
  AxiMemConfig mem;  // bus_bytes is set by the harness from the top's port width
  const char *trace_path = nullptr;
  int trace_depth = 99;  // hierarchy levels in the trace (1 = top ports)
  bool verbose = false;
  uint64_t seed = 1;
  uint32_t ctrl_addr = 0x00;  // register polled by run() for ap_done
};

template <class VTop> class Harness {
 public:
  static constexpr unsigned kBusBits = port_bits<decltype(VTop::m_axi_gmem_wdata)>();
  static constexpr unsigned kResetCycles = 16;   // Vitis asks for ap_rst_n low >= 16 cycles
  static constexpr unsigned kLiteTimeout = 4096; // cycles for one AXI-Lite access
  static constexpr unsigned kPollGap = 32;       // cycles between ap_done polls in run()

  // Throws std::runtime_error (trace cannot be opened) or std::bad_alloc.
  explicit Harness(const HarnessConfig &cfg)
      : cfg_(cfg), log_(cfg.verbose), mem_(mem_config(cfg), log_), lite_(log_),
        tb_(cfg.trace_path != nullptr, cfg.seed) {
    if (cfg.trace_path) {
      std::string why;
      if (!tb_.opentrace(cfg.trace_path, cfg.trace_depth, &why)) throw std::runtime_error(why);
    }
    cfg_.trace_path = nullptr;  // the caller's string need not outlive the constructor
    reset();
  }

  // Apply ap_rst_n for kResetCycles; in-flight bus state is dropped.
  void reset() {
    mem_.reset();
    lite_.reset();
    lite_wedged_ = false;
    in_reset_ = true;
    tb_.set_reset(true);
    for (unsigned i = 0; i < kResetCycles; ++i) cycle();
    tb_.set_reset(false);
    in_reset_ = false;
  }

  // One clock cycle with both bus models.
  void cycle() {
    drive();
    tl_rtl_stop_log = &stops_;
    tl_rtl_stop_cycle = cycles_;
    tb_.settle();
    sample();
    if (in_reset_) {
      // The DUT's registers are reset by the first edge; from then on its
      // VALIDs must be low.
      if (reset_edges_++ > 0) {
        mem_.check_reset(m_, cycles_);
        lite_.check_reset(l_, cycles_);
      }
    } else {
      reset_edges_ = 0;
      mem_.clock(m_, cycles_);
      lite_.clock(l_, cycles_);
    }
    tb_.edge();
    tl_rtl_stop_log = nullptr;
    ++cycles_;
  }

  void step(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) cycle();
  }

  // One AXI-Lite access. HTA_SIM_ERR_BUS if the DUT does not answer within
  // kLiteTimeout cycles (the master then stays stuck: its VALID cannot be
  // withdrawn, so every later access fails too) or answers SLVERR/DECERR.
  int reg_write(uint32_t addr, uint32_t value) {
    if (lite_wedged_) return HTA_SIM_ERR_BUS;
    lite_.start_write(addr, value);
    const int rc = finish_lite();
    if (cfg_.verbose)
      std::fprintf(stderr, "hta_sim: [%" PRIu64 "] reg W 0x%03x = 0x%08x%s\n", cycles_, addr, value,
                   rc ? " (no OKAY)" : "");
    return rc;
  }
  int reg_read(uint32_t addr, uint32_t *value) {
    if (lite_wedged_) return HTA_SIM_ERR_BUS;
    lite_.start_read(addr);
    const int rc = finish_lite();
    *value = lite_.rdata();
    if (cfg_.verbose)
      std::fprintf(stderr, "hta_sim: [%" PRIu64 "] reg R 0x%03x = 0x%08x%s\n", cycles_, addr, *value,
                   rc ? " (no OKAY)" : "");
    return rc;
  }

  // See hta_sim_run in hta_sim.h. ap_done is looked for in two ways: a rising
  // edge of `interrupt` (free, if the caller enabled it) and a read of CTRL
  // every kPollGap cycles (works with interrupts off; note that the read
  // clears ap_done, as a host's poll would).
  int run(uint64_t max_cycles, hta_sim_progress_fn progress, void *user) {
    if (int rc = fault()) return rc;
    if (lite_wedged_) return HTA_SIM_ERR_BUS;
    const uint64_t start = cycles_;
    uint64_t next_poll = cycles_ + kPollGap;
    uint64_t next_progress = uint64_t(1) << 20;
    bool irq_prev = irq();
    bool polling = false;
    uint64_t poll_started = 0;
    while (cycles_ - start < max_cycles) {
      if (!polling && cycles_ >= next_poll) {
        lite_.start_read(cfg_.ctrl_addr);
        polling = true;
        poll_started = cycles_;
      }
      cycle();
      if (int rc = fault()) {
        if (polling) finish_lite();
        tb_.flushtrace();
        return rc;
      }
      if (polling && !lite_.busy()) {
        polling = false;
        next_poll = cycles_ + kPollGap;
        if (lite_.resp() != kRespOkay) return HTA_SIM_ERR_BUS;
        if (lite_.rdata() & kCtrlApDone) return HTA_SIM_OK;
      } else if (polling && cycles_ - poll_started >= kLiteTimeout) {
        lite_wedged_ = true;
        return HTA_SIM_ERR_BUS;
      }
      const bool irq_now = irq();
      if (irq_now && !irq_prev) {
        if (polling) finish_lite();
        return HTA_SIM_OK;
      }
      irq_prev = irq_now;
      if (progress && cycles_ - start >= next_progress) {
        progress(user, cycles_ - start);
        next_progress += uint64_t(1) << 20;
      }
    }
    // Out of cycles; an access cannot be abandoned halfway, so finish the poll.
    if (polling && finish_lite() == HTA_SIM_OK && (lite_.rdata() & kCtrlApDone)) return HTA_SIM_OK;
    tb_.flushtrace();
    return HTA_SIM_ERR_TIMEOUT;
  }

  // First RTL stop/assertion, then first protocol violation, else 0.
  int fault() const {
    if (stops_.count) return HTA_SIM_ERR_ASSERT;
    if (log_.count()) return HTA_SIM_ERR_PROTOCOL;
    return HTA_SIM_OK;
  }

  bool irq() const { return interrupt_of(tb_.top(), 0); }
  uint64_t cycles() const { return cycles_; }
  AxiMem &mem() { return mem_; }
  const AxiMem &mem() const { return mem_; }
  ProtocolLog &protocol() { return log_; }
  const ProtocolLog &protocol() const { return log_; }
  RtlStopLog &rtl_stops() { return stops_; }
  const RtlStopLog &rtl_stops() const { return stops_; }
  Testbench<VTop> &tb() { return tb_; }

 private:
  static AxiMemConfig mem_config(const HarnessConfig &cfg) {
    AxiMemConfig m = cfg.mem;
    m.bus_bytes = kBusBits / 8;
    m.verbose = cfg.verbose;
    return m;
  }

  int finish_lite() {
    for (unsigned i = 0; lite_.busy(); ++i) {
      if (i == kLiteTimeout) {
        lite_wedged_ = true;
        return HTA_SIM_ERR_BUS;
      }
      cycle();
    }
    return lite_.resp() == kRespOkay ? HTA_SIM_OK : HTA_SIM_ERR_BUS;
  }

  // Model outputs -> DUT inputs, before the cycle settles.
  void drive() {
    VTop *t = tb_.top();
    const AxiSlaveSignals &s = mem_.outputs();
    t->m_axi_gmem_awready = s.awready;
    t->m_axi_gmem_wready = s.wready;
    t->m_axi_gmem_bvalid = s.bvalid;
    t->m_axi_gmem_bresp = s.bresp;
    t->m_axi_gmem_arready = s.arready;
    t->m_axi_gmem_rvalid = s.rvalid;
    set_words(t->m_axi_gmem_rdata, s.rdata);
    t->m_axi_gmem_rresp = s.rresp;
    t->m_axi_gmem_rlast = s.rlast;

    const AxiLiteMasterSignals &l = lite_.outputs();
    t->s_axi_control_awvalid = l.awvalid;
    t->s_axi_control_awaddr = l.awaddr;
    t->s_axi_control_wvalid = l.wvalid;
    t->s_axi_control_wdata = l.wdata;
    t->s_axi_control_wstrb = l.wstrb;
    t->s_axi_control_bready = l.bready;
    t->s_axi_control_arvalid = l.arvalid;
    t->s_axi_control_araddr = l.araddr;
    t->s_axi_control_rready = l.rready;
  }

  // Settled DUT outputs -> the models' view of them.
  void sample() {
    const VTop *t = tb_.top();
    m_.awvalid = t->m_axi_gmem_awvalid;
    m_.awaddr = t->m_axi_gmem_awaddr;
    m_.awlen = t->m_axi_gmem_awlen;
    m_.awsize = t->m_axi_gmem_awsize;
    m_.awburst = t->m_axi_gmem_awburst;
    m_.wvalid = t->m_axi_gmem_wvalid;
    m_.wdata = words_of(t->m_axi_gmem_wdata, wdata_tmp_);
    m_.wstrb = words_of(t->m_axi_gmem_wstrb, wstrb_tmp_);
    m_.wlast = t->m_axi_gmem_wlast;
    m_.bready = t->m_axi_gmem_bready;
    m_.arvalid = t->m_axi_gmem_arvalid;
    m_.araddr = t->m_axi_gmem_araddr;
    m_.arlen = t->m_axi_gmem_arlen;
    m_.arsize = t->m_axi_gmem_arsize;
    m_.arburst = t->m_axi_gmem_arburst;
    m_.rready = t->m_axi_gmem_rready;

    l_.awready = t->s_axi_control_awready;
    l_.wready = t->s_axi_control_wready;
    l_.bvalid = t->s_axi_control_bvalid;
    l_.bresp = t->s_axi_control_bresp;
    l_.arready = t->s_axi_control_arready;
    l_.rvalid = t->s_axi_control_rvalid;
    l_.rdata = t->s_axi_control_rdata;
    l_.rresp = t->s_axi_control_rresp;
  }

  HarnessConfig cfg_;
  ProtocolLog log_;
  RtlStopLog stops_;
  AxiMem mem_;
  AxiLiteMaster lite_;
  Testbench<VTop> tb_;  // last: destroyed first, while the logs it may report to still exist

  AxiMasterSignals m_;
  AxiLiteSlaveSignals l_;
  uint32_t wdata_tmp_[2] = {0, 0}, wstrb_tmp_[2] = {0, 0};
  uint64_t cycles_ = 0;
  unsigned reset_edges_ = 0;
  bool in_reset_ = false;
  bool lite_wedged_ = false;
};

}  // namespace htasim

#endif  // HTA_SIM_HARNESS_HPP
