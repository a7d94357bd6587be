// tb.hpp - owns one Verilator model: its context, clock, reset and waveform.
//
// A TESTB-style class (after ZipCPU's testb.h) for a Vitis-style top with
// ap_clk and ap_rst_n. One clock cycle is split in two so bus models can sit
// in between:
//   settle() - inputs for this cycle have been set: evaluate, dump at time t;
//   edge()   - rising edge: evaluate, dump at t + half a period; clock low.
// tick() does both, for callers with no bus models. Nothing here exits the
// process: errors come back as return values and destructors close the trace.
#ifndef HTA_SIM_TB_HPP
#define HTA_SIM_TB_HPP

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "verilated.h"
// 1 when the model was verilated with --trace-fst (sim.mk always does).
#ifndef HTA_SIM_HAVE_TRACE
#define HTA_SIM_HAVE_TRACE 1
#endif
#if HTA_SIM_HAVE_TRACE
#include "verilated_fst_c.h"
#endif

namespace htasim {

template <class VTop> class Testbench {
 public:
  // want_trace: set up the context so opentrace() can work (costs a little
  // speed, so only when a trace will be opened). seed: for --x-initial unique.
  Testbench(bool want_trace, uint64_t seed) : ctx_(new VerilatedContext) {
    ctx_->randReset(2);  // randomise state that is not reset (needs --x-initial unique)
    ctx_->randSeed(static_cast<int>(seed));
    ctx_->fatalOnError(false);
    if (want_trace) ctx_->traceEverOn(true);
    top_.reset(new VTop(ctx_.get(), "TOP"));
    // Clock period in the context's time precision, as 10 ns (a 100 MHz
    // display in the viewer; the value has no other meaning).
    half_period_ = 5;
    for (int p = -9; p > ctx_->timeprecision(); --p) half_period_ *= 10;
    top_->ap_clk = 0;
    top_->ap_rst_n = 0;
  }

  ~Testbench() {
    top_->final();
    closetrace();
  }

  Testbench(const Testbench &) = delete;
  Testbench &operator=(const Testbench &) = delete;

  VTop *top() { return top_.get(); }
  const VTop *top() const { return top_.get(); }
  VerilatedContext *context() { return ctx_.get(); }

  // Returns false (with a reason) if the trace cannot be written. depth:
  // levels of hierarchy recorded (1 = the top's ports only).
  bool opentrace(const char *path, int depth, std::string *why) {
#if HTA_SIM_HAVE_TRACE
    // Probe first: the FST writer cannot report a failed open without aborting.
    if (std::FILE *f = std::fopen(path, "wb")) {
      std::fclose(f);
    } else {
      *why = std::string("cannot write trace file ") + path;
      return false;
    }
    ctx_->traceEverOn(true);
    trace_.reset(new VerilatedFstC);
    top_->trace(trace_.get(), depth);
    trace_->open(path);
    return true;
#else
    (void)path;
    (void)depth;
    *why = "this simulation library was built without trace support (verilator --trace-fst)";
    return false;
#endif
  }

  void closetrace() {
#if HTA_SIM_HAVE_TRACE
    if (trace_) {
      trace_->close();
      trace_.reset();
    }
#endif
  }

  // Push buffered waveform data to the file, e.g. right after a failure.
  void flushtrace() {
#if HTA_SIM_HAVE_TRACE
    if (trace_) trace_->flush();
#endif
  }

  void set_reset(bool asserted) { top_->ap_rst_n = asserted ? 0 : 1; }

  void settle() {
    top_->eval();
    dump();
  }

  void edge() {
    ctx_->timeInc(half_period_);
    top_->ap_clk = 1;
    top_->eval();
    dump();
    ctx_->timeInc(half_period_);
    top_->ap_clk = 0;  // evaluated by the next settle(), with the next inputs
  }

  void tick() {
    settle();
    edge();
  }

  // Synchronous reset for `cycles` edges (for callers without bus models).
  void reset(unsigned cycles = 16) {
    set_reset(true);
    for (unsigned i = 0; i < cycles; ++i) tick();
    set_reset(false);
  }

 private:
  void dump() {
#if HTA_SIM_HAVE_TRACE
    if (trace_) trace_->dump(ctx_->time());
#endif
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<VTop> top_;
#if HTA_SIM_HAVE_TRACE
  std::unique_ptr<VerilatedFstC> trace_;
#endif
  uint64_t half_period_;
};

}  // namespace htasim

#endif  // HTA_SIM_TB_HPP
