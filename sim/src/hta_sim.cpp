// hta_sim.cpp - the C API of sim/include/hta_sim.h over Harness<Top>.
//
// Compiled once per simulated design: the build passes the Verilator class
// and its header, e.g. -DHTA_SIM_TOP=Vhta_top -DHTA_SIM_TOP_HEADER='"Vhta_top.h"'
// (sim/sim.mk does this for hw/rtl's hta_top and for sim/selftest's DUT).
#include "vl_print.h"  // first: Verilator's headers keep a VL_PRINTF already defined

#include <atomic>
#include <cerrno>  // program_invocation_short_name (glibc)
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "harness.hpp"
#include "hta_sim.h"

#ifndef HTA_SIM_TOP
#define HTA_SIM_TOP Vhta_top
#define HTA_SIM_TOP_HEADER "Vhta_top.h"
#endif
#include HTA_SIM_TOP_HEADER

// The generated register header, when it exists, is the source of CTRL's
// offset; otherwise the value from hw/config/regmap.cfg.
#if defined(__has_include)
#if __has_include("hta_regs.h")
#include "hta_regs.h"
#endif
#endif
#ifndef HTA_REG_CTRL
#define HTA_REG_CTRL 0x00
#endif

using Top = HTA_SIM_TOP;
using SimHarness = htasim::Harness<Top>;

// The thread a simulation owns. Verilator 5.006 binds a model to the thread
// that built it: a model constructed on one thread, evaluated on a second and
// destroyed from a third hung in its destructor (VerilatedScope's erase
// waiting on a context mutex), and --threads models keep per-thread state of
// their own. So every call that builds, clocks or destroys the model runs
// here, one at a time, and the C API works from any thread: the caller waits
// for its call (each one bounded by its own cycle limits). Calls that only
// read or write the simulated memory's backdoor or counters stay on the
// caller's thread; hta_sim.h's rule (one call at a time per hta_sim) orders
// them with the rest.
class OwnerThread {
 public:
  OwnerThread() : thread_([this] { loop(); }) {}
  ~OwnerThread() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  OwnerThread(const OwnerThread &) = delete;
  OwnerThread &operator=(const OwnerThread &) = delete;

  // Run fn on the owner thread and return when it has; an exception fn
  // throws is thrown again here.
  void call(const std::function<void()> &fn) {
    std::unique_lock<std::mutex> lock(m_);
    job_ = &fn;
    error_ = nullptr;
    cv_.notify_all();
    cv_.wait(lock, [this] { return job_ == nullptr; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || job_ != nullptr; });
      if (job_ == nullptr) return;  // stop_, with no call pending
      lock.unlock();
      std::exception_ptr err;
      try {
        (*job_)();
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      error_ = err;
      job_ = nullptr;
      cv_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  const std::function<void()> *job_ = nullptr;
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

struct hta_sim {
  OwnerThread owner;              // declared first: destroyed last
  std::unique_ptr<SimHarness> h;  // built and destroyed on owner's thread

  // fn(harness) on the owner thread, returning fn's result.
  template <class F> auto on_owner(F fn) -> decltype(fn(*h)) {
    using R = decltype(fn(*h));
    R r{};
    owner.call([&] { r = fn(*h); });
    return r;
  }
};

// ---- Verilator's user hooks -------------------------------------------------
// The library's verilated.cpp is compiled with VL_USER_STOP, VL_USER_FINISH and
// VL_USER_FATAL, so these replace Verilator's versions, which would exit() or
// abort() the host program. They record the event in the evaluating harness's
// log; hta_sim_run then returns HTA_SIM_ERR_ASSERT.
namespace {
void record_rtl_stop(const char *what, const char *file, int line) {
  if (htasim::tl_rtl_stop_log)
    htasim::tl_rtl_stop_log->report(what, file, line, htasim::tl_rtl_stop_cycle);
  else
    std::fprintf(stderr, "hta_sim: %s at %s:%d outside a simulation cycle\n", what,
                 file ? file : "?", line);
}
}  // namespace

// Every Verilator print (see vl_print.h): to stderr, and remembered.
void htasim_vl_printf(const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  const int n = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  std::string msg(n > 0 ? size_t(n) : 0, '\0');
  if (n > 0) std::vsnprintf(&msg[0], msg.size() + 1, fmt, ap2);
  va_end(ap2);
  std::fputs(msg.c_str(), stderr);
  if (htasim::tl_rtl_stop_log) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    htasim::tl_rtl_stop_log->last_print = msg;
  }
}

void vl_stop(const char *filename, int linenum, const char * /*hier*/) {
  record_rtl_stop("assertion failed or $stop", filename, linenum);
}

void vl_finish(const char *filename, int linenum, const char * /*hier*/) {
  record_rtl_stop("$finish", filename, linenum);
}

void vl_fatal(const char *filename, int linenum, const char * /*hier*/, const char *msg) {
  std::fprintf(stderr, "hta_sim: Verilator fatal: %s:%d: %s\n", filename ? filename : "?", linenum,
               msg ? msg : "");
  record_rtl_stop(msg && *msg ? msg : "fatal error", filename, linenum);
}

// ---- C API ----------------------------------------------------------------

namespace {
void set_err(char *errbuf, size_t errlen, const char *msg) {
  if (errbuf && errlen) std::snprintf(errbuf, errlen, "%s", msg);
}

// The trace file HTA_SIM_TRACE asks for (sim.mk sets it for TRACE=1), so any
// program gets waveforms without code of its own: %p becomes the program's
// name, and the n-th simulation of a process (n > 1) adds .n before the
// extension, so several simulations do not overwrite one file.
std::string env_trace_path() {
  static std::atomic<unsigned> created{0};
  const char *env = std::getenv("HTA_SIM_TRACE");
  if (!env || !*env) return std::string();
  std::string path(env);
  for (size_t at; (at = path.find("%p")) != std::string::npos;)
    path.replace(at, 2, program_invocation_short_name);
  const unsigned n = ++created;
  if (n > 1) {
    const size_t slash = path.rfind('/'), dot = path.rfind('.');
    const size_t at = (dot != std::string::npos && (slash == std::string::npos || dot > slash))
                          ? dot : path.size();
    path.insert(at, "." + std::to_string(n));
  }
  return path;
}
}  // namespace

extern "C" {

void hta_sim_default_config(hta_sim_config *cfg) {
  if (!cfg) return;
  std::memset(cfg, 0, sizeof *cfg);
  cfg->mem_base = 0x400000000ull;
  cfg->mem_bytes = 64ull << 20;
  cfg->rd_latency = 40;
  cfg->wr_latency = 20;
  cfg->rd_gap = 0;
  cfg->wr_gap = 0;
  cfg->max_rd_outstanding = 16;
  cfg->trace_path = nullptr;
  cfg->verbose = 0;
}

hta_sim *hta_sim_create(const hta_sim_config *user_cfg, char *errbuf, size_t errlen) {
  hta_sim_config c;
  hta_sim_default_config(&c);
  if (user_cfg) c = *user_cfg;

  const unsigned bus_bytes = SimHarness::kBusBits / 8;
  if (c.mem_bytes == 0 || c.mem_base + c.mem_bytes < c.mem_base) {
    set_err(errbuf, errlen, "hta_sim: mem_bytes is 0 or mem_base + mem_bytes overflows");
    return nullptr;
  }
  if (c.mem_base % bus_bytes != 0) {
    set_err(errbuf, errlen, "hta_sim: mem_base is not a multiple of the bus width");
    return nullptr;
  }
  if (c.mem_bytes > SIZE_MAX) {
    set_err(errbuf, errlen, "hta_sim: mem_bytes does not fit in this address space");
    return nullptr;
  }

  htasim::HarnessConfig hc;
  hc.mem.base = c.mem_base;
  hc.mem.bytes = c.mem_bytes;
  hc.mem.rd_latency = c.rd_latency;
  hc.mem.wr_latency = c.wr_latency;
  hc.mem.rd_gap = c.rd_gap;
  hc.mem.wr_gap = c.wr_gap;
  hc.mem.max_rd_outstanding = c.max_rd_outstanding ? c.max_rd_outstanding : 16;
  const std::string env_trace = c.trace_path ? std::string() : env_trace_path();
  hc.trace_path = c.trace_path ? c.trace_path : env_trace.empty() ? nullptr : env_trace.c_str();
  hc.verbose = c.verbose != 0;
  // A full trace of hta_top is ~900 bytes per cycle; fewer levels keep it small.
  if (const char *d = std::getenv("HTA_SIM_TRACE_DEPTH"))
    if (std::atoi(d) > 0) hc.trace_depth = std::atoi(d);
  hc.ctrl_addr = HTA_REG_CTRL;
  // Seed of the random initial values of unreset state (--x-initial unique).
  // Fixed by default so runs repeat; HTA_SIM_SEED varies it to hunt reset bugs.
  if (const char *s = std::getenv("HTA_SIM_SEED")) hc.seed = std::strtoull(s, nullptr, 0);
  if (hc.seed == 0) hc.seed = 1;  // 0 would make Verilator pick a random seed

  hta_sim *sim = nullptr;
  try {
    sim = new hta_sim;
    sim->owner.call([&] { sim->h.reset(new SimHarness(hc)); });
    return sim;
  } catch (const std::bad_alloc &) {
    set_err(errbuf, errlen, "hta_sim: out of memory (mem_bytes too large?)");
  } catch (const std::exception &e) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "hta_sim: %s", e.what());
    set_err(errbuf, errlen, buf);
  }
  delete sim;  // h is empty: nothing of Verilator's to destroy
  return nullptr;
}

void hta_sim_destroy(hta_sim *sim) {
  if (!sim) return;
  sim->owner.call([sim] { sim->h.reset(); });
  delete sim;
}

int hta_sim_reg_write(hta_sim *sim, uint32_t addr, uint32_t value) {
  if (!sim) return HTA_SIM_ERR_ARG;
  return sim->on_owner([=](SimHarness &h) { return h.reg_write(addr, value); });
}

int hta_sim_reg_read(hta_sim *sim, uint32_t addr, uint32_t *value) {
  if (!sim || !value) return HTA_SIM_ERR_ARG;
  return sim->on_owner([=](SimHarness &h) { return h.reg_read(addr, value); });
}

int hta_sim_mem_write(hta_sim *sim, uint64_t addr, const void *src, size_t n) {
  if (!sim || (!src && n)) return HTA_SIM_ERR_ARG;
  if (!sim->h->mem().contains(addr, n)) return HTA_SIM_ERR_RANGE;
  if (n) std::memcpy(sim->h->mem().backdoor(addr), src, n);
  return HTA_SIM_OK;
}

int hta_sim_mem_read(hta_sim *sim, uint64_t addr, void *dst, size_t n) {
  if (!sim || (!dst && n)) return HTA_SIM_ERR_ARG;
  if (!sim->h->mem().contains(addr, n)) return HTA_SIM_ERR_RANGE;
  if (n) std::memcpy(dst, sim->h->mem().backdoor(addr), n);
  return HTA_SIM_OK;
}

int hta_sim_mem_fill(hta_sim *sim, uint64_t addr, uint8_t value, size_t n) {
  if (!sim) return HTA_SIM_ERR_ARG;
  if (!sim->h->mem().contains(addr, n)) return HTA_SIM_ERR_RANGE;
  if (n) std::memset(sim->h->mem().backdoor(addr), value, n);
  return HTA_SIM_OK;
}

int hta_sim_run(hta_sim *sim, uint64_t max_cycles, hta_sim_progress_fn progress, void *user) {
  if (!sim) return HTA_SIM_ERR_ARG;
  return sim->on_owner([=](SimHarness &h) { return h.run(max_cycles, progress, user); });
}

void hta_sim_step(hta_sim *sim, uint64_t n) {
  if (sim) sim->owner.call([=] { sim->h->step(n); });
}

uint64_t hta_sim_cycles(const hta_sim *sim) { return sim ? sim->h->cycles() : 0; }

int hta_sim_inject_error(hta_sim *sim, int is_write, uint64_t lo, uint64_t hi, unsigned resp) {
  if (!sim) return HTA_SIM_ERR_ARG;
  if (resp == 0) {
    sim->h->mem().clear_injections();
    return HTA_SIM_OK;
  }
  if ((resp != 2 && resp != 3) || lo >= hi) return HTA_SIM_ERR_ARG;
  sim->h->mem().inject(is_write != 0, lo, hi, resp);
  return HTA_SIM_OK;
}

const char *hta_sim_protocol_error(const hta_sim *sim) {
  return sim ? sim->h->protocol().first() : nullptr;
}

void hta_sim_get_stats(const hta_sim *sim, hta_sim_stats *stats) {
  if (!sim || !stats) return;
  const htasim::AxiMemStats &s = sim->h->mem().stats();
  stats->rd_bursts = s.rd_bursts;
  stats->rd_beats = s.rd_beats;
  stats->wr_bursts = s.wr_bursts;
  stats->wr_beats = s.wr_beats;
  stats->max_rd_outstanding_seen = s.max_rd_outstanding_seen;
}

void hta_sim_clear_protocol_error(hta_sim *sim) {
  if (!sim) return;
  sim->h->protocol().clear();
  sim->h->rtl_stops() = htasim::RtlStopLog();
}

const char *hta_sim_assert_error(const hta_sim *sim) {
  if (!sim || sim->h->rtl_stops().count == 0) return nullptr;
  return sim->h->rtl_stops().first.c_str();
}

int hta_sim_interrupt(const hta_sim *sim) { return sim && sim->h->irq() ? 1 : 0; }

unsigned hta_sim_bus_bits(const hta_sim *sim) { return sim ? SimHarness::kBusBits : 0; }

void hta_sim_reset(hta_sim *sim) {
  if (sim) sim->owner.call([=] { sim->h->reset(); });
}

void hta_sim_get_stats_ex(const hta_sim *sim, hta_sim_stats_ex *stats) {
  if (!sim || !stats) return;
  hta_sim_get_stats(sim, &stats->base);
  const htasim::AxiMemStats &s = sim->h->mem().stats();
  stats->w_before_aw = s.w_before_aw;
  stats->rd_error_bursts = s.rd_error_bursts;
  stats->wr_error_bursts = s.wr_error_bursts;
  stats->protocol_violations = sim->h->protocol().count();
}

// HTA_SIM_CFG_NAME: the hardware configuration the model was built from
// (sim/sim.mk passes hw/config/<name>.cfg's name; "" for other tops).
#ifndef HTA_SIM_CFG_NAME
#define HTA_SIM_CFG_NAME ""
#endif
const char *hta_sim_config_name(void) { return HTA_SIM_CFG_NAME; }

}  // extern "C"
