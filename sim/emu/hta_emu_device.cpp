// hta_emu_device.cpp - the device process of XRT 2.13's hardware emulation
// (hw_emu), backed by the Verilator model of our RTL (sim/include/hta_sim.h).
//
// XRT's hw_emu shim unpacks the xclbin's BITSTREAM zip, starts
// behav_waveform/xsim/launch_hw_emu.sh (written by `hta xclbin --emu`), which
// starts this program. XRT listens on the unix socket /tmp/$USER/
// $EMULATION_SOCKETID; we connect and serve its remote calls until xclClose.
// Each call is a 14-byte header {fixed64 size = 1, fixed32 xcl_api = 2} and a
// protobuf body of `size` bytes (rpc_messages.proto of XRT 2.13, proto2);
// each reply is a 9-byte header {fixed64 size = 1} and a body. Field numbers
// of the messages served are in the table below (emu_proto.hpp encodes and
// decodes).
//
// Time: the model's clock runs while the kernel is busy, in slices: when no
// call waits and before each register read, so XRT's polls of CTRL see
// ap_done as they would on a card. The
// cycle registers count from ap_start to ap_done, so they equal the sim
// device's. Every wait is bounded: a dead socket or a stalled call ends the
// process; so does a long silence.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "emu_proto.hpp"
#include "hta_regs.h"
#include "hta_sim.h"

namespace {

// xcl_api numbers (XRT 2.13 em_defines / xcl_macros.h)
enum Api : uint32_t {
  kClose = 1,
  kAllocDeviceBuffer = 4,
  kFreeDeviceBuffer = 5,
  kCopyHost2Device = 6,
  kCopyDevice2Host = 7,
  kWriteDeviceRam = 8,
  kWriteKernelCtrl = 9,
  kReadDeviceRam = 10,
  kReadKernelCtrl = 11,
  kGetDeviceTimestamp = 17,
  kReadBusStatus = 18,
  kGetDebugMessages = 19,
  kSetEnvironment = 20,
};

constexpr unsigned kCtrlMask = 0xfffu;       // s_axi_control has 12 address bits
constexpr uint64_t kSlice = 4096;            // cycles between two looks at the socket
constexpr uint64_t kPollSlice = 16384;       // cycles per register read while running
constexpr int kCallTimeoutMs = 60 * 1000;    // a started message must arrive by then
constexpr int kIdleLimitS = 30 * 60;         // no call at all for this long: give up
constexpr size_t kMaxMessage = 64u << 20;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fputs("hta_emu_device: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

// Read exactly n bytes; false on EOF, error or a stall of kCallTimeoutMs.
bool read_full(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    int r = poll(&pfd, 1, kCallTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t got = read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool write_full(int fd, const void *data, size_t n) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  while (n > 0) {
    pollfd pfd{fd, POLLOUT, 0};
    int r = poll(&pfd, 1, kCallTimeoutMs);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t put = send(fd, p, n, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

// Connect to XRT's socket; it may not listen yet, so retry for a minute.
int connect_xrt(std::string &path) {
  const char *id = std::getenv("EMULATION_SOCKETID");
  const char *user = std::getenv("USER");
  if (id == nullptr || *id == '\0') {
    log_msg("EMULATION_SOCKETID is not set: XRT's hw_emu shim starts this program");
    return -1;
  }
  path = user && *user ? std::string("/tmp/") + user + "/" + id : std::string("/tmp/xcl_sock");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    log_msg("socket path too long: %s", path.c_str());
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  for (int attempt = 0; attempt < 1200; attempt++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) return fd;
    close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log_msg("cannot connect to XRT at %s within 60 s", path.c_str());
  return -1;
}

struct Device {
  hta_sim *sim = nullptr;
  uint64_t mem_base = 0, mem_size = 0;
  bool running = false;  // ap_start written, ap_done/idle not yet seen by XRT
  bool trace = false;    // log register values (HTA_EMU_LOG)

  bool in_mem(uint64_t addr, uint64_t n) const {
    return addr >= mem_base && n <= mem_size && addr - mem_base <= mem_size - n;
  }

  void mem_write(uint64_t addr, const uint8_t *p, size_t n) {
    if (!in_mem(addr, n) || hta_sim_mem_write(sim, addr, p, n) != 0)
      log_msg("write of %zu bytes at 0x%llx outside the memory bank: dropped", n,
              static_cast<unsigned long long>(addr));
  }

  std::string mem_read(uint64_t addr, size_t n) {
    std::string out(n, '\0');
    if (!in_mem(addr, n) ||
        hta_sim_mem_read(sim, addr, reinterpret_cast<uint8_t *>(&out[0]), n) != 0)
      log_msg("read of %zu bytes at 0x%llx outside the memory bank: zeros", n,
              static_cast<unsigned long long>(addr));
    return out;
  }

  bool ctrl_write(uint64_t addr, const std::string &data) {
    bool ok = true;
    for (size_t i = 0; i + 4 <= data.size(); i += 4) {
      uint32_t v;
      std::memcpy(&v, data.data() + i, 4);
      const uint32_t off = static_cast<uint32_t>((addr + i) & kCtrlMask);
      ok &= hta_sim_reg_write(sim, off, v) == 0;
      if (off == HTA_REG_CTRL && (v & 1u)) running = true;
    }
    return ok;
  }

  bool ctrl_read(uint64_t addr, uint32_t size, std::string &out) {
    bool ok = true;
    out.assign(size, '\0');
    for (uint32_t i = 0; i + 4 <= size; i += 4) {
      uint32_t v = 0;
      const uint32_t off = static_cast<uint32_t>((addr + i) & kCtrlMask);
      ok &= hta_sim_reg_read(sim, off, &v) == 0;
      if (off == HTA_REG_CTRL && (v & 6u)) running = false;  // ap_done or ap_idle
      if (trace) log_msg("  read 0x%03x = 0x%08x", off, v);
      std::memcpy(&out[i], &v, 4);
    }
    return ok;
  }

  // One call: decode, act, encode the reply. Returns false after xclClose.
  bool serve(uint32_t api, const Fields &c, Writer &r) {
    switch (api) {
      case kSetEnvironment:
      case kAllocDeviceBuffer:
      case kFreeDeviceBuffer:
        r.boolean(1, true);  // ack
        return true;
      case kCopyHost2Device: {
        const std::string &src = c.bytes(4);
        mem_write(c.u64(3), reinterpret_cast<const uint8_t *>(src.data()), src.size());
        r.u64(1, src.size());
        return true;
      }
      case kCopyDevice2Host: {
        const size_t n = static_cast<size_t>(c.u64(5));
        r.u64(1, n);
        r.bytes(2, mem_read(c.u64(4), n));
        return true;
      }
      case kWriteDeviceRam: {
        const std::string &d = c.bytes(4);
        mem_write(c.u64(2), reinterpret_cast<const uint8_t *>(d.data()), d.size());
        r.boolean(1, true);
        return true;
      }
      case kReadDeviceRam:
        r.boolean(1, true);
        r.bytes(2, mem_read(c.u64(2), static_cast<size_t>(c.u64(3))));
        return true;
      case kWriteKernelCtrl:
        r.boolean(1, ctrl_write(c.u64(2), c.bytes(4)));
        return true;
      case kReadKernelCtrl: {
        // XRT polls CTRL back to back while a run is in flight, so the clock
        // also advances here, not only while the socket is quiet
        if (running) hta_sim_step(sim, kPollSlice);
        std::string out;
        const bool ok = ctrl_read(c.u64(2), static_cast<uint32_t>(c.u64(3)), out);
        r.boolean(1, ok);
        r.bytes(2, out);
        return true;
      }
      case kGetDeviceTimestamp:
        r.u64(1, hta_sim_cycles(sim));
        return true;
      case kReadBusStatus:
      case kGetDebugMessages:
        return true;  // all fields optional: nothing to report
      case kClose:
        r.boolean(1, true);  // valid
        return false;
      default:
        log_msg("call %u is not served; answering field 1 = true", api);
        r.boolean(1, true);
        return true;
    }
  }
};

bool parse_u64_arg(const char *s, uint64_t &out) {
  char *end;
  errno = 0;
  out = std::strtoull(s, &end, 0);
  return errno == 0 && *end == '\0' && end != s;
}

}  // namespace

int main(int argc, char **argv) {
  // XRT sends our stdout to /dev/null; HTA_EMU_LOG=FILE keeps a log of every call
  const char *log_path = std::getenv("HTA_EMU_LOG");
  const bool verbose = log_path && *log_path && std::freopen(log_path, "a", stderr);
  if (verbose) setvbuf(stderr, nullptr, _IOLBF, 0);
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  cfg.mem_bytes = 256ull << 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    uint64_t v;
    if (!parse_u64_arg(argv[i + 1], v)) return log_msg("bad number '%s'", argv[i + 1]), 2;
    if (!std::strcmp(argv[i], "--mem-base")) cfg.mem_base = v;
    else if (!std::strcmp(argv[i], "--mem-size")) cfg.mem_bytes = v;
    else return log_msg("unknown option '%s' (known: --mem-base, --mem-size)", argv[i]), 2;
  }
  std::string path;
  const int fd = connect_xrt(path);
  if (fd < 0) return 1;
  if (verbose) log_msg("connected to %s", path.c_str());
  char err[256] = "";
  Device dev;
  dev.mem_base = cfg.mem_base;
  dev.mem_size = cfg.mem_bytes;
  dev.trace = verbose;
  dev.sim = hta_sim_create(&cfg, err, sizeof err);
  if (dev.sim == nullptr) {
    log_msg("cannot create the simulation: %s", err);
    close(fd);
    return 1;
  }
  int rc = 1, idle_ms = 0;
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = poll(&pfd, 1, dev.running ? 0 : 1000);
    if (r < 0 && errno != EINTR) break;
    if (r == 0) {
      if (dev.running) {
        hta_sim_step(dev.sim, kSlice);
        idle_ms = 0;
      } else if ((idle_ms += 1000) >= kIdleLimitS * 1000) {
        log_msg("no call from XRT for %d s: exiting", kIdleLimitS);
        break;
      }
      continue;
    }
    if (r < 0) continue;
    idle_ms = 0;
    uint8_t hdr[14];
    if (!read_full(fd, hdr, sizeof hdr)) {
      log_msg("XRT closed the socket (or stalled) without xclClose: exiting");
      break;
    }
    Fields h;
    if (!h.parse(hdr, sizeof hdr) || h.u64(1) > kMaxMessage) {
      log_msg("malformed call header: exiting");
      break;
    }
    std::vector<uint8_t> body(static_cast<size_t>(h.u64(1)));
    Fields c;
    if (!read_full(fd, body.data(), body.size()) || !c.parse(body.data(), body.size())) {
      log_msg("malformed or truncated call %u: exiting", static_cast<unsigned>(h.u64(2)));
      break;
    }
    if (verbose)
      log_msg("call %u, %zu bytes, addr 0x%llx, size %llu, cycle %llu",
              static_cast<unsigned>(h.u64(2)), body.size(),
              static_cast<unsigned long long>(c.u64(2)), static_cast<unsigned long long>(c.u64(3)),
              static_cast<unsigned long long>(hta_sim_cycles(dev.sim)));
    Writer reply, rh;
    const bool more = dev.serve(static_cast<uint32_t>(h.u64(2)), c, reply);
    rh.fixed64(1, reply.data().size());
    if (!write_full(fd, rh.data().data(), rh.data().size()) ||
        !write_full(fd, reply.data().data(), reply.data().size())) {
      log_msg("cannot answer XRT: exiting");
      break;
    }
    if (!more) {
      rc = 0;
      break;
    }
  }
  close(fd);
  hta_sim_destroy(dev.sim);
  return rc;
}
