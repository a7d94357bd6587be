// usb_sys_model.cpp - see usb_sys_model.hpp. One clock cycle follows the
// harness's contract (sim/src/axi_mem.hpp): drive inputs, settle, sample the
// DUT's outputs (handshakes seen now are transfers at this edge), clock the
// memory model, edge.
#include "vl_print.h"  // first: Verilator's headers keep a VL_PRINTF already defined

#include "usb_sys_model.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "Vhta_usb_sys.h"
#include "axi_mem.hpp"
#include "bits.hpp"
#include "protocol_log.hpp"
#include "tb.hpp"

namespace {

// $stop, $finish, $fatal and failed assertions of the RTL (the Verilated
// objects are built with VL_USER_STOP etc., as sim/'s are): recorded, so the
// device "dies" and the host sees a dead link, instead of exit().
std::string g_rtl_stop, g_last_print;
uint64_t g_cycle = 0;

void record_stop(const char *what, const char *file, int line) {
  if (!g_rtl_stop.empty()) return;
  char buf[256];
  std::snprintf(buf, sizeof buf, "cycle %llu: %s at %s:%d", (unsigned long long)g_cycle, what,
                file ? file : "?", line);
  g_rtl_stop = buf;
  if (!g_last_print.empty()) g_rtl_stop += ": " + g_last_print;
}

}  // namespace

void htasim_vl_printf(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::fputs(msg, stderr);
  g_last_print = msg;
  while (!g_last_print.empty() && g_last_print.back() == '\n') g_last_print.pop_back();
}
void vl_stop(const char *file, int line, const char *) {
  record_stop("$stop/assertion", file, line);
}
void vl_finish(const char *file, int line, const char *) { record_stop("$finish", file, line); }
void vl_fatal(const char *file, int line, const char *, const char *msg) {
  record_stop(msg && *msg ? msg : "fatal", file, line);
}

namespace htausb {

using Top = Vhta_usb_sys;

struct UsbSysModel::Impl {
  static constexpr unsigned kBusBits = htasim::port_bits<decltype(Top::m_axi_gmem_wdata)>();
  static constexpr unsigned kResetCycles = 16;

  htasim::ProtocolLog log;
  htasim::AxiMem mem;
  htasim::Testbench<Top> tb;
  htasim::AxiMasterSignals m;
  uint32_t wdata_tmp[2] = {0, 0}, wstrb_tmp[2] = {0, 0};
  std::deque<uint8_t> rx, tx;  // the OUT and IN endpoint FIFOs
  uint64_t cycles = 0;

  static htasim::AxiMemConfig mem_config() {
    htasim::AxiMemConfig c;  // hta_sim_default_config's values
    c.base = 0x400000000ull;
    c.bytes = 64ull << 20;
    c.bus_bytes = kBusBits / 8;
    c.rd_latency = 40;
    c.wr_latency = 20;
    const char *v = std::getenv("HTA_USB_AXI_VERBOSE");  // print every burst (debugging)
    c.verbose = v && *v && *v != '0';
    return c;
  }

  Impl(const char *trace, uint64_t seed) : mem(mem_config(), log), tb(trace != nullptr, seed) {
    if (trace) {
      std::string why;
      if (!tb.opentrace(trace, 99, &why)) throw std::runtime_error(why);
    }
    tb.set_reset(true);
    for (unsigned i = 0; i < kResetCycles; ++i) cycle(true);
    tb.set_reset(false);
    // A board runs long before the host's first request reaches it. (These
    // cycles also matter: hta_usb_sys registers its reset, and the bridge
    // takes a byte - rx_ready_o is high in SHunt0 - in the cycle after
    // ap_rst_n rises while it is still held in reset, so a byte offered then
    // would be lost; reported to hw/usb's author.)
    for (unsigned i = 0; i < kResetCycles; ++i) cycle();
  }

  void cycle(bool in_reset = false) {
    Top *t = tb.top();
    const htasim::AxiSlaveSignals &s = mem.outputs();
    t->m_axi_gmem_awready = s.awready;
    t->m_axi_gmem_wready = s.wready;
    t->m_axi_gmem_bvalid = s.bvalid;
    t->m_axi_gmem_bresp = s.bresp;
    t->m_axi_gmem_arready = s.arready;
    t->m_axi_gmem_rvalid = s.rvalid;
    htasim::set_words(t->m_axi_gmem_rdata, s.rdata);
    t->m_axi_gmem_rresp = s.rresp;
    t->m_axi_gmem_rlast = s.rlast;
    t->rx_valid_i = !in_reset && !rx.empty();
    t->rx_data_i = rx.empty() ? 0 : rx.front();
    t->tx_ready_i = !in_reset && tx.size() < kFifoBytes;
    g_cycle = cycles;
    tb.settle();
    m.awvalid = t->m_axi_gmem_awvalid;
    m.awaddr = t->m_axi_gmem_awaddr;
    m.awlen = t->m_axi_gmem_awlen;
    m.awsize = t->m_axi_gmem_awsize;
    m.awburst = t->m_axi_gmem_awburst;
    m.wvalid = t->m_axi_gmem_wvalid;
    m.wdata = htasim::words_of(t->m_axi_gmem_wdata, wdata_tmp);
    m.wstrb = htasim::words_of(t->m_axi_gmem_wstrb, wstrb_tmp);
    m.wlast = t->m_axi_gmem_wlast;
    m.bready = t->m_axi_gmem_bready;
    m.arvalid = t->m_axi_gmem_arvalid;
    m.araddr = t->m_axi_gmem_araddr;
    m.arlen = t->m_axi_gmem_arlen;
    m.arsize = t->m_axi_gmem_arsize;
    m.arburst = t->m_axi_gmem_arburst;
    m.rready = t->m_axi_gmem_rready;
    if (!in_reset) {
      if (t->rx_valid_i && t->rx_ready_o) rx.pop_front();
      if (t->tx_valid_o && t->tx_ready_i) tx.push_back(uint8_t(t->tx_data_o));
      mem.clock(m, cycles);
    }
    tb.edge();
    ++cycles;
  }
};

UsbSysModel::UsbSysModel(const char *trace_path, uint64_t seed)
    : p_(new Impl(trace_path, seed)) {}

UsbSysModel::~UsbSysModel() = default;

size_t UsbSysModel::out(const uint8_t *data, size_t n) {
  const size_t k = std::min(n, kFifoBytes - p_->rx.size());
  p_->rx.insert(p_->rx.end(), data, data + k);
  return k;
}

size_t UsbSysModel::in(uint8_t *data, size_t max) {
  const size_t n = std::min(max, p_->tx.size());
  std::copy(p_->tx.begin(), p_->tx.begin() + long(n), data);
  p_->tx.erase(p_->tx.begin(), p_->tx.begin() + long(n));
  return n;
}

// Stops early when a response has ended (IN bytes waiting and tx_valid low
// for a few cycles: one IN URB then carries a whole response), when the IN
// FIFO is full, or when the OUT FIFO ran empty (the host may have more).
bool UsbSysModel::advance(uint64_t n) {
  Impl &p = *p_;
  const bool had_rx = !p.rx.empty();
  unsigned quiet = 0;
  for (uint64_t i = 0; i < n; ++i) {
    p.cycle();
    if (!g_rtl_stop.empty() || p.log.count()) {
      p.tb.flushtrace();
      return false;
    }
    quiet = p.tb.top()->tx_valid_o ? 0 : quiet + 1;
    if (!p.tx.empty() && (quiet >= 8 || p.tx.size() >= kFifoBytes)) break;
    if (had_rx && p.rx.empty()) break;
  }
  return true;
}

std::string UsbSysModel::why() const {
  if (!g_rtl_stop.empty()) return "RTL: " + g_rtl_stop;
  if (p_->log.count()) return std::string("AXI protocol: ") + p_->log.first();
  return std::string();
}

uint64_t UsbSysModel::cycles() const { return p_->cycles; }

}  // namespace htausb
