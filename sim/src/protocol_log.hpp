// protocol_log.hpp - where the bus models report rules the DUT broke.
//
// Only the first violation is kept in full: later ones are usually knock-on
// effects of it, and the first one is what a waveform should be opened at.
#ifndef HTA_SIM_PROTOCOL_LOG_HPP
#define HTA_SIM_PROTOCOL_LOG_HPP

#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

namespace htasim {

class ProtocolLog {
 public:
  explicit ProtocolLog(bool verbose = false) : verbose_(verbose) {}

  // printf-style message; `cycle` is the clock cycle the rule was broken in.
  __attribute__((format(printf, 3, 4))) void report(uint64_t cycle, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char line[320];
    std::snprintf(line, sizeof line, "cycle %" PRIu64 ": %s", cycle, msg);
    if (count_ == 0) first_ = line;
    ++count_;
    if (verbose_) std::fprintf(stderr, "hta_sim: protocol: %s\n", line);
  }

  uint64_t count() const { return count_; }
  const char *first() const { return count_ ? first_.c_str() : nullptr; }
  void clear() {
    count_ = 0;
    first_.clear();
  }

 private:
  bool verbose_;
  uint64_t count_ = 0;
  std::string first_;
};

}  // namespace htasim

#endif  // HTA_SIM_PROTOCOL_LOG_HPP
