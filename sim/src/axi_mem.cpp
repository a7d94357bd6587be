// axi_mem.cpp - see axi_mem.hpp for the model and its timing contract.
#include "axi_mem.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>

// Beats are moved between the bus words and memory with memcpy, which is the
// AXI byte-lane order (lane i = bits 8i+7:8i) only on a little-endian host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the memory model assumes a little-endian host");

namespace htasim {

namespace {
const char *resp_name(unsigned r) {
  static const char *const names[4] = {"OKAY", "EXOKAY", "SLVERR", "DECERR"};
  return names[r & 3];
}
}  // namespace

AxiMem::AxiMem(const AxiMemConfig &cfg, ProtocolLog &log)
    : cfg_(cfg), log_(log), mem_(static_cast<uint8_t *>(std::calloc(cfg.bytes, 1))) {
  if (!mem_) throw std::bad_alloc();
  cfg_.rd_latency = std::max(1u, cfg_.rd_latency);
  cfg_.wr_latency = std::max(1u, cfg_.wr_latency);
  cfg_.max_rd_outstanding = std::max(1u, cfg_.max_rd_outstanding);
  cfg_.max_wr_outstanding = std::max(1u, cfg_.max_wr_outstanding);
  // At least two words, so narrow ports can be read as 64-bit values.
  data_words_ = std::max(2u, (cfg_.bus_bytes + 3) / 4);
  strb_words_ = std::max(2u, (cfg_.bus_bytes + 31) / 32);
  size_log2_ = 0;
  while ((1u << size_log2_) < cfg_.bus_bytes) ++size_log2_;
  full_strb_.assign(strb_words_, 0);
  for (unsigned i = 0; i < cfg_.bus_bytes; ++i) full_strb_[i / 32] |= 1u << (i % 32);
  rdata_.assign(data_words_, 0);
  wbuf_data_.assign(size_t(kWBufBeats) * data_words_, 0);
  wbuf_strb_.assign(size_t(kWBufBeats) * strb_words_, 0);
  wbuf_last_.assign(kWBufBeats, 0);
  w_hold_data_.assign(data_words_, 0);
  w_hold_strb_.assign(strb_words_, 0);
  reset();
}

void AxiMem::reset() {
  out_ = AxiSlaveSignals();
  out_.rdata = rdata_.data();
  rq_.clear();
  wq_.clear();
  bq_.clear();
  r_ok_ = w_ok_ = 0;
  wbuf_head_ = wbuf_count_ = 0;
  beats_since_wlast_ = 0;
  ar_hold_ = AddrHold();
  aw_hold_ = AddrHold();
  w_hold_ = false;
}

void AxiMem::inject(bool is_write, uint64_t lo, uint64_t hi, unsigned resp) {
  faults_.push_back(Fault{is_write, lo, hi, resp});
}

void AxiMem::check_reset(const AxiMasterSignals &in, uint64_t cycle) {
  if (in.arvalid || in.awvalid || in.wvalid)
    log_.report(cycle, "%s%s%s high during reset", in.arvalid ? "ARVALID " : "",
                in.awvalid ? "AWVALID " : "", in.wvalid ? "WVALID " : "");
}

// Checks one AR or AW request and decides the response for all its beats.
// Violations are reported but the burst is still served as a full-width INCR
// burst, so the simulation goes on and later checks stay meaningful.
unsigned AxiMem::check_burst(const char *ch, bool is_write, uint64_t addr, unsigned len,
                             unsigned size, unsigned burst, uint64_t cycle) {
  const uint64_t bb = cfg_.bus_bytes;
  const uint64_t base = addr & ~(bb - 1);
  const uint64_t span = uint64_t(len + 1) * bb;
  if (burst != 1)
    log_.report(cycle, "%s burst type %u at 0x%" PRIx64 " is not INCR", ch, burst, addr);
  if (size != size_log2_)
    log_.report(cycle, "%s size %u (%u bytes) at 0x%" PRIx64 " is not the bus width (%u bytes)",
                ch, size, 1u << size, addr, cfg_.bus_bytes);
  if ((base >> 12) != ((base + span - 1) >> 12))
    log_.report(cycle, "%s burst at 0x%" PRIx64 " of %u beats crosses a 4 KiB boundary", ch, addr,
                len + 1);
  unsigned resp = kRespOkay;
  if (base + span < base || !contains(base, span)) {
    log_.report(cycle,
                "%s burst at 0x%" PRIx64 " of %u beats is outside memory [0x%" PRIx64
                ", 0x%" PRIx64 "), answered DECERR",
                ch, addr, len + 1, cfg_.base, cfg_.base + cfg_.bytes);
    resp = kRespDecErr;
  } else {
    for (const Fault &f : faults_) {
      if (f.is_write == is_write && base < f.hi && f.lo < base + span) {
        resp = f.resp;
        break;
      }
    }
  }
  if (resp != kRespOkay) ++(is_write ? stats_.wr_error_bursts : stats_.rd_error_bursts);
  if (cfg_.verbose)
    std::fprintf(stderr, "hta_sim: [%" PRIu64 "] %s 0x%" PRIx64 " beats %u%s%s\n", cycle, ch, addr,
                 len + 1, resp ? " -> " : "", resp ? resp_name(resp) : "");
  return resp;
}

// AXI4 A3.2.1: once VALID is high it stays high, with the same payload, until
// the handshake. Compared against what was seen in the previous cycle.
void AxiMem::check_stable(const AxiMasterSignals &in, uint64_t cycle) {
  if (ar_hold_.active) {
    if (!in.arvalid)
      log_.report(cycle, "ARVALID dropped before ARREADY (AR 0x%" PRIx64 ")", ar_hold_.addr);
    else if (in.araddr != ar_hold_.addr || in.arlen != ar_hold_.len ||
             in.arsize != ar_hold_.size || in.arburst != ar_hold_.burst)
      log_.report(cycle, "AR payload changed while ARVALID && !ARREADY (0x%" PRIx64 " -> 0x%" PRIx64 ")",
                  ar_hold_.addr, in.araddr);
  }
  ar_hold_ = AddrHold{in.arvalid && !out_.arready, in.araddr, in.arlen, in.arsize, in.arburst};

  if (aw_hold_.active) {
    if (!in.awvalid)
      log_.report(cycle, "AWVALID dropped before AWREADY (AW 0x%" PRIx64 ")", aw_hold_.addr);
    else if (in.awaddr != aw_hold_.addr || in.awlen != aw_hold_.len ||
             in.awsize != aw_hold_.size || in.awburst != aw_hold_.burst)
      log_.report(cycle, "AW payload changed while AWVALID && !AWREADY (0x%" PRIx64 " -> 0x%" PRIx64 ")",
                  aw_hold_.addr, in.awaddr);
  }
  aw_hold_ = AddrHold{in.awvalid && !out_.awready, in.awaddr, in.awlen, in.awsize, in.awburst};

  const size_t dbytes = size_t(data_words_) * 4, sbytes = size_t(strb_words_) * 4;
  if (w_hold_) {
    if (!in.wvalid)
      log_.report(cycle, "WVALID dropped before WREADY");
    else if (in.wlast != w_hold_last_ || std::memcmp(in.wdata, w_hold_data_.data(), dbytes) != 0 ||
             std::memcmp(in.wstrb, w_hold_strb_.data(), sbytes) != 0)
      log_.report(cycle, "W payload changed while WVALID && !WREADY");
  }
  w_hold_ = in.wvalid && !out_.wready;
  if (w_hold_) {  // copy only while stalled: keeps the common case cheap
    std::memcpy(w_hold_data_.data(), in.wdata, dbytes);
    std::memcpy(w_hold_strb_.data(), in.wstrb, sbytes);
    w_hold_last_ = in.wlast;
  }
}

void AxiMem::clock(const AxiMasterSignals &in, uint64_t cycle) {
  check_stable(in, cycle);

  // Read address: the burst's first beat is due rd_latency cycles later.
  if (in.arvalid && out_.arready) {
    const unsigned resp =
        check_burst("AR", false, in.araddr, in.arlen, in.arsize, in.arburst, cycle);
    rq_.push_back(Burst{in.araddr, in.araddr & ~uint64_t(cfg_.bus_bytes - 1), in.arlen, 0, resp,
                        cycle + cfg_.rd_latency});
    ++stats_.rd_bursts;
    stats_.max_rd_outstanding_seen = std::max<uint64_t>(stats_.max_rd_outstanding_seen, rq_.size());
  }

  // Read data: the beat on the bus was taken.
  if (out_.rvalid && in.rready) {
    ++stats_.rd_beats;
    out_.rvalid = false;
    r_ok_ = cycle + 1 + cfg_.rd_gap;
    Burst &b = rq_.front();
    if (++b.beat > b.len) {
      if (cfg_.verbose)
        std::fprintf(stderr, "hta_sim: [%" PRIu64 "] R  0x%" PRIx64 " done\n", cycle, b.addr);
      rq_.pop_front();
    }
  }

  if (in.awvalid && out_.awready) {
    const unsigned resp =
        check_burst("AW", true, in.awaddr, in.awlen, in.awsize, in.awburst, cycle);
    wq_.push_back(Burst{in.awaddr, in.awaddr & ~uint64_t(cfg_.bus_bytes - 1), in.awlen, 0, resp, 0});
    ++stats_.wr_bursts;
  }

  if (in.wvalid && out_.wready) accept_w(in, cycle);
  match_w(cycle);

  if (out_.bvalid && in.bready) {
    if (cfg_.verbose)
      std::fprintf(stderr, "hta_sim: [%" PRIu64 "] B  0x%" PRIx64 " %s\n", cycle, bq_.front().addr,
                   resp_name(bq_.front().resp));
    bq_.pop_front();
  }

  // Outputs for the next cycle.
  const uint64_t next = cycle + 1;
  out_.arready = rq_.size() < cfg_.max_rd_outstanding;
  if (!out_.rvalid && !rq_.empty() && rq_.front().due <= next && r_ok_ <= next) load_r_beat();
  out_.awready = wq_.size() + bq_.size() < cfg_.max_wr_outstanding;
  out_.wready = wbuf_count_ < kWBufBeats && w_ok_ <= next;
  out_.bvalid = !bq_.empty() && bq_.front().due <= next;
  out_.bresp = out_.bvalid ? bq_.front().resp : 0;
}

// Puts the next beat of the front read burst on the bus. Data is read from
// memory now, when the beat becomes valid, and then held until RREADY.
void AxiMem::load_r_beat() {
  const Burst &b = rq_.front();
  if (b.resp == kRespOkay)
    std::memcpy(rdata_.data(), backdoor(b.base + uint64_t(b.beat) * cfg_.bus_bytes), cfg_.bus_bytes);
  else  // erroring bursts return zeros rather than memory contents
    std::memset(rdata_.data(), 0, cfg_.bus_bytes);
  out_.rvalid = true;
  out_.rresp = b.resp;
  out_.rlast = b.beat == b.len;
}

void AxiMem::accept_w(const AxiMasterSignals &in, uint64_t cycle) {
  ++stats_.wr_beats;
  w_ok_ = cycle + 1 + cfg_.wr_gap;
  if (wq_.empty()) ++stats_.w_before_aw;  // no AW waiting for data: this beat leads its AW
  if (in.wlast) {
    beats_since_wlast_ = 0;
  } else if (++beats_since_wlast_ == 256) {
    log_.report(cycle, "more than 256 W beats without WLAST");
  }
  const unsigned slot = (wbuf_head_ + wbuf_count_) % kWBufBeats;
  std::memcpy(&wbuf_data_[size_t(slot) * data_words_], in.wdata, size_t(data_words_) * 4);
  std::memcpy(&wbuf_strb_[size_t(slot) * strb_words_], in.wstrb, size_t(strb_words_) * 4);
  wbuf_last_[slot] = in.wlast;
  ++wbuf_count_;
}

// Gives buffered W beats to the write bursts they belong to, in order. Beats
// are counted against AWLEN; WLAST is only checked, so a wrong WLAST is reported
// without losing track of which beat belongs to which burst.
void AxiMem::match_w(uint64_t cycle) {
  const unsigned bb = cfg_.bus_bytes;
  while (!wq_.empty() && wbuf_count_ != 0) {
    Burst &b = wq_.front();
    const uint8_t *data = reinterpret_cast<const uint8_t *>(&wbuf_data_[size_t(wbuf_head_) * data_words_]);
    const uint32_t *strb = &wbuf_strb_[size_t(wbuf_head_) * strb_words_];
    const bool last = wbuf_last_[wbuf_head_] != 0;
    wbuf_head_ = (wbuf_head_ + 1) % kWBufBeats;
    --wbuf_count_;

    // An unaligned burst's first beat may only strobe bytes at or above the address.
    if (b.beat == 0 && b.addr != b.base) {
      const unsigned skip = unsigned(b.addr - b.base);
      for (unsigned i = 0; i < skip; ++i)
        if ((strb[i / 32] >> (i % 32)) & 1) {
          log_.report(cycle, "WSTRB lane %u set below the start of unaligned AW 0x%" PRIx64, i, b.addr);
          break;
        }
    }
    if (b.resp == kRespOkay) {  // erroring bursts write nothing
      uint8_t *dst = backdoor(b.base + uint64_t(b.beat) * bb);
      if (std::equal(full_strb_.begin(), full_strb_.end(), strb)) {
        std::memcpy(dst, data, bb);
      } else {
        for (unsigned i = 0; i < bb; ++i)
          if ((strb[i / 32] >> (i % 32)) & 1) dst[i] = data[i];
      }
    }
    const bool want_last = b.beat == b.len;
    if (last != want_last)
      log_.report(cycle, "WLAST %s on beat %u of AW 0x%" PRIx64 " (%u beats)",
                  last ? "set" : "missing", b.beat, b.addr, b.len + 1);
    if (++b.beat > b.len) {
      bq_.push_back(WrResp{cycle + cfg_.wr_latency, b.resp, b.addr});
      wq_.pop_front();
    }
  }
}

}  // namespace htasim
