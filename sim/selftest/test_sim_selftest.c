/*
 * test_sim_selftest.c - proves the simulation harness (sim/include/hta_sim.h)
 * on sim/selftest/hta_selftest_top.sv, a register file plus DMA with hta_top's
 * ports, before the real engine exists.
 *
 * Prints `PASS name` or `FAIL name: reason` per check and ends with
 * `N passed, M failed`; exits non-zero if anything failed. Timing information
 * goes to stderr as `# ...` lines. An optional argument names a directory for
 * the trace file (default: the program's own directory).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hta_sim.h"

/* Selftest DUT registers (see the comment at the top of hta_selftest_top.sv). */
enum {
  REG_CTRL = 0x00, REG_GIE = 0x04, REG_IER = 0x08, REG_ISR = 0x0C,
  REG_SRC_LO = 0x10, REG_SRC_HI = 0x14, REG_DST_LO = 0x18, REG_DST_HI = 0x1C,
  REG_LEN = 0x20, REG_BURST = 0x24, REG_MODE = 0x28, REG_SCRATCH = 0x2C,
  REG_VERSION = 0x40, REG_CFG_BUS = 0x4C, REG_STATUS = 0x50,
  REG_ERR_ADDR_LO = 0x58, REG_ERR_ADDR_HI = 0x5C, REG_CYCLES_LO = 0x60
};
enum { CTRL_START = 1, CTRL_DONE = 2, CTRL_IDLE = 4 };
enum {
  MODE_DROP_ARVALID = 1, MODE_NO_4K_SPLIT = 2, MODE_EARLY_WLAST = 4, MODE_ASSERT = 8,
  MODE_NARROW_SIZE = 16
};
enum { ERR_ARG = 2, ERR_AXI_RD = 4, ERR_AXI_WR = 5 };

static const uint64_t kBase = 0x400000000ull; /* the default mem_base */
static int g_pass, g_fail;
static char g_trace_dir[512] = ".";

/* ---- reporting ----------------------------------------------------------- */

static void pass(const char *name) {
  printf("PASS %s\n", name);
  g_pass++;
}

static void fail(const char *name, const char *fmt, ...) {
  va_list ap;
  printf("FAIL %s: ", name);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  g_fail++;
}

/* Inside a check function: report the first failed condition and return. */
#define CHECK(cond, ...)        \
  do {                          \
    if (!(cond)) {              \
      fail(name, __VA_ARGS__);  \
      return;                   \
    }                           \
  } while (0)

#define CHECK_RC(expr)                                                   \
  do {                                                                   \
    int rc_ = (expr);                                                    \
    if (rc_ != HTA_SIM_OK) {                                             \
      fail(name, "%s returned %d (%s)", #expr, rc_, why(sim));           \
      return;                                                            \
    }                                                                    \
  } while (0)

static const char *why(const hta_sim *sim) {
  const char *p = sim ? hta_sim_protocol_error(sim) : NULL;
  const char *a = sim ? hta_sim_assert_error(sim) : NULL;
  return a ? a : p ? p : "no protocol error or assertion recorded";
}

/* ---- helpers ------------------------------------------------------------- */

static hta_sim *make_sim(const hta_sim_config *cfg, const char *name) {
  char err[256] = "";
  hta_sim *sim = hta_sim_create(cfg, err, sizeof err);
  if (!sim) fail(name, "hta_sim_create: %s", err);
  return sim;
}

/* Deterministic bytes that differ at every offset of a copy. */
static void pattern(uint8_t *p, size_t n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (uint8_t)x;
  }
}

typedef struct copy_args {
  uint64_t src, dst;
  uint32_t len, burst, mode;
  int use_irq;
} copy_args;

/* Programs the DMA, starts it and runs to completion. Returns the run code. */
static int start_copy(hta_sim *sim, const copy_args *a, uint64_t max_cycles) {
  int rc = 0;
  rc |= hta_sim_reg_write(sim, REG_SRC_LO, (uint32_t)a->src);
  rc |= hta_sim_reg_write(sim, REG_SRC_HI, (uint32_t)(a->src >> 32));
  rc |= hta_sim_reg_write(sim, REG_DST_LO, (uint32_t)a->dst);
  rc |= hta_sim_reg_write(sim, REG_DST_HI, (uint32_t)(a->dst >> 32));
  rc |= hta_sim_reg_write(sim, REG_LEN, a->len);
  rc |= hta_sim_reg_write(sim, REG_BURST, a->burst);
  rc |= hta_sim_reg_write(sim, REG_MODE, a->mode);
  rc |= hta_sim_reg_write(sim, REG_GIE, a->use_irq ? 1 : 0);
  rc |= hta_sim_reg_write(sim, REG_IER, a->use_irq ? 1 : 0);
  rc |= hta_sim_reg_write(sim, REG_CTRL, CTRL_START);
  if (rc) return HTA_SIM_ERR_BUS;
  return hta_sim_run(sim, max_cycles, NULL, NULL);
}

/* Copy with guard bytes around the destination; checks data, guards, status,
 * beat counts and the absence of protocol errors. Returns DUT cycles or 0. */
static uint64_t checked_copy(const char *name, const hta_sim_config *cfg, const copy_args *a) {
  hta_sim *sim = make_sim(cfg, name);
  if (!sim) return 0;
  const unsigned bb = hta_sim_bus_bits(sim) / 8;
  const size_t guard = 64;
  uint8_t *src = malloc(a->len), *got = malloc(a->len + 2 * guard);
  uint64_t cycles = 0;
  uint32_t status = 0, lo = 0;
  hta_sim_stats st;
  pattern(src, a->len, (uint32_t)a->src ^ a->len);
  hta_sim_mem_write(sim, a->src, src, a->len);
  hta_sim_mem_fill(sim, a->dst - guard, 0xCC, a->len + 2 * guard);

  int rc = start_copy(sim, a, 50u * 1000 * 1000);
  if (rc != HTA_SIM_OK) {
    fail(name, "hta_sim_run returned %d (%s)", rc, why(sim));
    goto out;
  }
  hta_sim_reg_read(sim, REG_STATUS, &status);
  hta_sim_reg_read(sim, REG_CYCLES_LO, &lo);
  hta_sim_mem_read(sim, a->dst - guard, got, a->len + 2 * guard);
  hta_sim_get_stats(sim, &st);
  if (status != 0) {
    fail(name, "STATUS 0x%x", status);
    goto out;
  }
  if (memcmp(got + guard, src, a->len) != 0) {
    size_t i = 0;
    while (got[guard + i] == src[i]) i++;
    fail(name, "data differs at byte %zu: 0x%02x, want 0x%02x", i, got[guard + i], src[i]);
    goto out;
  }
  for (size_t i = 0; i < guard; i++) {
    if (got[i] != 0xCC || got[guard + a->len + i] != 0xCC) {
      fail(name, "write outside the destination (guard byte %zu)", i);
      goto out;
    }
  }
  if (st.rd_beats != a->len / bb || st.wr_beats != a->len / bb) {
    fail(name, "beats rd %" PRIu64 " wr %" PRIu64 ", want %u", st.rd_beats, st.wr_beats,
         a->len / bb);
    goto out;
  }
  if (hta_sim_protocol_error(sim)) {
    fail(name, "protocol: %s", hta_sim_protocol_error(sim));
    goto out;
  }
  cycles = lo ? lo : 1;
out:
  free(src);
  free(got);
  hta_sim_destroy(sim);
  return cycles;
}

/* ---- checks -------------------------------------------------------------- */

static void test_registers(void) {
  const char *name = "registers";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t v = 0, bus = 0;
  CHECK_RC(hta_sim_reg_read(sim, REG_VERSION, &v));
  CHECK(v == 0x53540001u, "VERSION 0x%08x", v);
  CHECK_RC(hta_sim_reg_read(sim, REG_CFG_BUS, &bus));
  CHECK(bus == hta_sim_bus_bits(sim), "CFG_BUS %u but the harness sees %u bits", bus,
        hta_sim_bus_bits(sim));
  CHECK_RC(hta_sim_reg_write(sim, REG_SCRATCH, 0xA5C3F00Du));
  CHECK_RC(hta_sim_reg_write(sim, REG_SRC_HI, 0x12345678u));
  CHECK_RC(hta_sim_reg_read(sim, REG_SCRATCH, &v));
  CHECK(v == 0xA5C3F00Du, "SCRATCH read 0x%08x", v);
  CHECK_RC(hta_sim_reg_read(sim, REG_SRC_HI, &v));
  CHECK(v == 0x12345678u, "SRC_HI read 0x%08x", v);
  CHECK_RC(hta_sim_reg_read(sim, REG_CTRL, &v));
  CHECK(v == CTRL_IDLE, "CTRL after reset 0x%x, want ap_idle only", v);
  /* ISR toggles on write. */
  CHECK_RC(hta_sim_reg_write(sim, REG_ISR, 1));
  CHECK_RC(hta_sim_reg_read(sim, REG_ISR, &v));
  CHECK(v == 1, "ISR after toggle %u", v);
  pass(name);
  hta_sim_destroy(sim);
}

static void test_register_slverr(void) {
  const char *name = "register_slverr_is_bus_error";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t v = 0;
  int rc = hta_sim_reg_read(sim, 0x800, &v);
  CHECK(rc == HTA_SIM_ERR_BUS, "read of 0x800 returned %d, want HTA_SIM_ERR_BUS", rc);
  rc = hta_sim_reg_write(sim, 0x800, 1);
  CHECK(rc == HTA_SIM_ERR_BUS, "write of 0x800 returned %d, want HTA_SIM_ERR_BUS", rc);
  CHECK_RC(hta_sim_reg_read(sim, REG_VERSION, &v)); /* the bus still works */
  pass(name);
  hta_sim_destroy(sim);
}

static void test_bad_arguments(void) {
  const char *name = "bad_arguments";
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  char err[128] = "";
  uint8_t b[4] = {0};
  cfg.mem_bytes = 0;
  CHECK(hta_sim_create(&cfg, err, sizeof err) == NULL && err[0], "mem_bytes 0 accepted");
  hta_sim_default_config(&cfg);
  cfg.trace_path = "/nonexistent-dir/x.fst";
  err[0] = 0;
  CHECK(hta_sim_create(&cfg, err, sizeof err) == NULL && err[0], "unwritable trace accepted");
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  CHECK(hta_sim_mem_write(sim, kBase - 1, b, 4) == HTA_SIM_ERR_RANGE, "write below memory");
  CHECK(hta_sim_mem_read(sim, kBase + (64u << 20) - 2, b, 4) == HTA_SIM_ERR_RANGE,
        "read past the end");
  CHECK(hta_sim_mem_fill(sim, kBase + (64u << 20), 0, 1) == HTA_SIM_ERR_RANGE, "fill past end");
  CHECK(hta_sim_mem_write(sim, kBase, NULL, 4) == HTA_SIM_ERR_ARG, "NULL source");
  CHECK(hta_sim_inject_error(sim, 0, 0, 16, 1) == HTA_SIM_ERR_ARG, "resp 1 accepted");
  CHECK(hta_sim_inject_error(sim, 0, 16, 16, 2) == HTA_SIM_ERR_ARG, "empty range accepted");
  CHECK(hta_sim_reg_read(sim, 0, NULL) == HTA_SIM_ERR_ARG, "NULL value");
  CHECK(hta_sim_run(NULL, 1, NULL, NULL) == HTA_SIM_ERR_ARG, "NULL sim");
  CHECK(hta_sim_cycles(sim) > 0, "reset took no cycles");
  pass(name);
  hta_sim_destroy(sim);
}

/* Copies under several memory timings; each must be exact and protocol-clean. */
static void test_copies(void) {
  static const struct {
    const char *name;
    unsigned rd_lat, wr_lat, rd_gap, wr_gap, outstanding;
    uint32_t len, burst, src_off, dst_off;
  } cases[] = {
      {"copy_fast_memory", 1, 1, 0, 0, 16, 8192, 16, 0x0000, 0x100000},
      {"copy_default_timing", 40, 20, 0, 0, 16, 8192, 16, 0x0000, 0x100000},
      {"copy_slow_narrow", 100, 50, 3, 2, 2, 4096, 4, 0x1240, 0x200580},
      {"copy_single_beats", 7, 3, 1, 0, 1, 1024, 1, 0x0080, 0x300100},
      {"copy_crossing_4k", 13, 9, 0, 1, 4, 12288, 16, 0x0FC0, 0x400F80},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hta_sim_config cfg;
    hta_sim_default_config(&cfg);
    cfg.rd_latency = cases[i].rd_lat;
    cfg.wr_latency = cases[i].wr_lat;
    cfg.rd_gap = cases[i].rd_gap;
    cfg.wr_gap = cases[i].wr_gap;
    cfg.max_rd_outstanding = cases[i].outstanding;
    copy_args a = {kBase + cases[i].src_off, kBase + cases[i].dst_off, cases[i].len,
                   cases[i].burst, 0, 0};
    uint64_t c = checked_copy(cases[i].name, &cfg, &a);
    if (c) {
      pass(cases[i].name);
      fprintf(stderr, "# %s: %u bytes in %" PRIu64 " DUT cycles\n", cases[i].name, a.len, c);
    }
  }
}

/* Latency, gaps and the outstanding limit must show in the timing as a
 * memory system would show them. */
static void test_timing_knobs(void) {
  const char *name = "timing_knobs";
  hta_sim_config cfg;
  copy_args a = {kBase, kBase + 0x100000, 16384, 16, 0, 0};
  hta_sim_default_config(&cfg);
  cfg.rd_latency = 1;
  cfg.wr_latency = 1;
  uint64_t fast = checked_copy(name, &cfg, &a);
  cfg.rd_gap = 1;
  uint64_t gap1 = checked_copy(name, &cfg, &a);
  cfg.rd_gap = 0;
  cfg.rd_latency = 200;
  cfg.max_rd_outstanding = 1;
  uint64_t serial = checked_copy(name, &cfg, &a);
  cfg.max_rd_outstanding = 4;
  uint64_t overlap = checked_copy(name, &cfg, &a);
  if (!fast || !gap1 || !serial || !overlap) return; /* already reported */
  fprintf(stderr, "# timing: fast %" PRIu64 ", rd_gap=1 %" PRIu64 ", lat 200 x1 %" PRIu64
          ", lat 200 x4 %" PRIu64 " cycles\n", fast, gap1, serial, overlap);
  CHECK(gap1 > fast + fast / 2, "rd_gap=1 should nearly halve read bandwidth (%" PRIu64
        " vs %" PRIu64 " cycles)", gap1, fast);
  CHECK(serial > 2 * overlap, "4 outstanding reads should hide latency (%" PRIu64 " vs %" PRIu64 ")",
        serial, overlap);

  /* The outstanding limit is respected and reached. */
  hta_sim *sim = make_sim(&cfg, name);
  if (!sim) return;
  hta_sim_stats st;
  a.burst = 4; /* four bursts of 4 fill the 64-beat FIFO's credit: 4+ in flight */
  int rc = start_copy(sim, &a, 10u * 1000 * 1000);
  hta_sim_get_stats(sim, &st);
  hta_sim_destroy(sim);
  CHECK(rc == HTA_SIM_OK, "run returned %d", rc);
  CHECK(st.max_rd_outstanding_seen == 4, "max outstanding reads seen %" PRIu64 ", limit 4",
        st.max_rd_outstanding_seen);
  pass(name);
}

static void test_read_slverr(void) {
  const char *name = "read_slverr_latched";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t status = 0, lo = 0, hi = 0;
  copy_args a = {kBase + 0x10000, kBase + 0x20000, 4096, 16, 0, 0};
  const uint64_t bad = kBase + 0x10000 + 0x500;
  CHECK_RC(hta_sim_inject_error(sim, 0, bad, bad + 1, 2));
  int rc = start_copy(sim, &a, 1000000);
  CHECK(rc == HTA_SIM_OK, "run returned %d (%s)", rc, why(sim));
  CHECK_RC(hta_sim_reg_read(sim, REG_STATUS, &status));
  CHECK_RC(hta_sim_reg_read(sim, REG_ERR_ADDR_LO, &lo));
  CHECK_RC(hta_sim_reg_read(sim, REG_ERR_ADDR_HI, &hi));
  const uint64_t ea = ((uint64_t)hi << 32) | lo;
  CHECK((status & 0xFF) == ERR_AXI_RD, "STATUS 0x%x, want error %d", status, ERR_AXI_RD);
  /* The first beat of the failing burst: bursts of 16 beats x 16 bytes from 0x10000. */
  const unsigned bb = hta_sim_bus_bits(sim) / 8;
  const uint64_t burst_start = a.src + ((bad - a.src) / (16 * bb)) * (16 * bb);
  CHECK(ea == burst_start, "ERR_ADDR 0x%" PRIx64 ", want 0x%" PRIx64, ea, burst_start);
  CHECK(hta_sim_protocol_error(sim) == NULL, "protocol: %s", hta_sim_protocol_error(sim));
  hta_sim_stats_ex sx;
  hta_sim_get_stats_ex(sim, &sx);
  CHECK(sx.rd_error_bursts == 1, "%" PRIu64 " read bursts answered with an error", sx.rd_error_bursts);
  /* resp 0 removes the injection: the same copy now succeeds. */
  CHECK_RC(hta_sim_inject_error(sim, 0, 0, 0, 0));
  rc = start_copy(sim, &a, 1000000);
  CHECK(rc == HTA_SIM_OK, "second run returned %d", rc);
  CHECK_RC(hta_sim_reg_read(sim, REG_STATUS, &status));
  CHECK(status == 0, "STATUS 0x%x after removing the error", status);
  pass(name);
  hta_sim_destroy(sim);
}

static void test_write_decerr(void) {
  const char *name = "write_decerr_latched_nothing_written";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t status = 0, lo = 0;
  uint8_t buf[256];
  copy_args a = {kBase, kBase + 0x8000, 4096, 16, 0, 0};
  hta_sim_mem_fill(sim, a.src, 0x5A, a.len);
  hta_sim_mem_fill(sim, a.dst, 0x00, a.len);
  CHECK_RC(hta_sim_inject_error(sim, 1, a.dst + 0x100, a.dst + 0x200, 3));
  int rc = start_copy(sim, &a, 1000000);
  CHECK(rc == HTA_SIM_OK, "run returned %d (%s)", rc, why(sim));
  CHECK_RC(hta_sim_reg_read(sim, REG_STATUS, &status));
  CHECK_RC(hta_sim_reg_read(sim, REG_ERR_ADDR_LO, &lo));
  CHECK((status & 0xFF) == ERR_AXI_WR, "STATUS 0x%x, want error %d", status, ERR_AXI_WR);
  const unsigned burst_bytes = 16 * (hta_sim_bus_bits(sim) / 8);
  const uint32_t want = (uint32_t)(a.dst + (0x100 / burst_bytes) * burst_bytes);
  CHECK(lo == want, "ERR_ADDR 0x%x, want 0x%x", lo, want);
  hta_sim_mem_read(sim, a.dst + 0x100, buf, sizeof buf);
  for (size_t i = 0; i < sizeof buf; i++)
    CHECK(buf[i] == 0, "a burst answered DECERR wrote memory (byte %zu)", i);
  pass(name);
  hta_sim_destroy(sim);
}

/* Each MODE bit breaks one rule; the harness must name it. */
static void test_protocol_checks(void) {
  static const struct {
    const char *name;
    uint32_t mode;
    int near_4k; /* start two beats below a 4 KiB boundary */
    unsigned outstanding;
    const char *expect;
  } cases[] = {
      {"protocol_arvalid_dropped", MODE_DROP_ARVALID, 0, 1, "ARVALID dropped"},
      {"protocol_4k_crossing", MODE_NO_4K_SPLIT, 1, 16, "4 KiB"},
      {"protocol_wlast_early", MODE_EARLY_WLAST, 0, 16, "WLAST set"},
      {"protocol_narrow_size", MODE_NARROW_SIZE, 0, 16, "not the bus width"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *name = cases[i].name;
    hta_sim_config cfg;
    hta_sim_default_config(&cfg);
    cfg.max_rd_outstanding = cases[i].outstanding;
    hta_sim *sim = make_sim(&cfg, name);
    if (!sim) continue;
    const unsigned bb = hta_sim_bus_bits(sim) / 8;
    copy_args a = {kBase + 0x8000 - (cases[i].near_4k ? 2 * bb : 0), kBase + 0x10000, 64 * bb, 16,
                   cases[i].mode, 0};
    int rc = start_copy(sim, &a, 1000000);
    const char *p = hta_sim_protocol_error(sim);
    if (rc != HTA_SIM_ERR_PROTOCOL)
      fail(name, "run returned %d, want HTA_SIM_ERR_PROTOCOL", rc);
    else if (!p || !strstr(p, cases[i].expect))
      fail(name, "message \"%s\" does not mention \"%s\"", p ? p : "(none)", cases[i].expect);
    else if (hta_sim_run(sim, 100, NULL, NULL) != HTA_SIM_ERR_PROTOCOL)
      fail(name, "the violation was not sticky");
    else {
      /* Cleared, the run goes on to ap_done (checks keep firing: stop at each). */
      int n = 0;
      hta_sim_clear_protocol_error(sim);
      while ((rc = hta_sim_run(sim, 1000000, NULL, NULL)) == HTA_SIM_ERR_PROTOCOL && n++ < 1000)
        hta_sim_clear_protocol_error(sim);
      if (rc != HTA_SIM_OK)
        fail(name, "after clearing, run returned %d", rc);
      else
        pass(name);
    }
    hta_sim_destroy(sim);
  }
}

static void test_outside_memory(void) {
  const char *name = "outside_memory_decerr";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t status = 0;
  copy_args a = {kBase, kBase - 0x1000, 1024, 16, 0, 0}; /* destination below memory */
  int rc = start_copy(sim, &a, 1000000);
  const char *p = hta_sim_protocol_error(sim);
  CHECK(rc == HTA_SIM_ERR_PROTOCOL, "run returned %d", rc);
  CHECK(p && strstr(p, "outside memory") && strstr(p, "AW"), "message: %s", p ? p : "(none)");
  hta_sim_clear_protocol_error(sim);
  while ((rc = hta_sim_run(sim, 1000000, NULL, NULL)) == HTA_SIM_ERR_PROTOCOL)
    hta_sim_clear_protocol_error(sim);
  CHECK(rc == HTA_SIM_OK, "after clearing, run returned %d", rc);
  CHECK_RC(hta_sim_reg_read(sim, REG_STATUS, &status));
  CHECK((status & 0xFF) == ERR_AXI_WR, "the DUT saw no DECERR: STATUS 0x%x", status);
  pass(name);
  hta_sim_destroy(sim);
}

static void test_rtl_assertion(void) {
  const char *name = "rtl_assertion_surfaces";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  copy_args a = {kBase, kBase + 0x10000, 1024, 16, MODE_ASSERT, 0};
  int rc = start_copy(sim, &a, 100000);
  const char *m = hta_sim_assert_error(sim);
  CHECK(rc == HTA_SIM_ERR_ASSERT, "run returned %d, want HTA_SIM_ERR_ASSERT", rc);
  CHECK(m && strstr(m, "hta_selftest_top.sv") && strstr(m, "Assertion failed"), "message: %s",
        m ? m : "(none)");
  pass(name);
  hta_sim_destroy(sim);
}

static void progress_count(void *user, uint64_t cycles) {
  (void)cycles;
  ++*(int *)user;
}

static void test_timeout(void) {
  const char *name = "run_timeout";
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  cfg.rd_gap = 31; /* 32 cycles per beat: 128 Ki beats need more than 3 Mi cycles */
  hta_sim *sim = make_sim(&cfg, name);
  if (!sim) return;
  uint32_t v = 0;
  int calls = 0;
  const uint32_t len = 131072u * (hta_sim_bus_bits(sim) / 8);
  copy_args a = {kBase, kBase + len, len, 16, 0, 0};
  CHECK(start_copy(sim, &a, 500) == HTA_SIM_ERR_TIMEOUT, "500 cycles were enough for the copy?");
  const uint64_t before = hta_sim_cycles(sim);
  CHECK(hta_sim_run(sim, (3u << 20) + 5, progress_count, &calls) == HTA_SIM_ERR_TIMEOUT,
        "second run did not time out");
  const uint64_t ran = hta_sim_cycles(sim) - before;
  CHECK(ran >= (3u << 20) + 5 && ran < (3u << 20) + 100, "ran %" PRIu64 " cycles", ran);
  CHECK(calls == 3, "progress called %d times in 3 Mi cycles", calls);
  /* The bus is still usable after a timeout, and the DUT is still busy. */
  CHECK_RC(hta_sim_reg_read(sim, REG_STATUS, &v));
  CHECK(v & 0x100, "STATUS 0x%x: not busy", v);
  pass(name);
  hta_sim_destroy(sim);
}

static void test_interrupt(void) {
  const char *name = "interrupt_ends_run";
  hta_sim *sim = make_sim(NULL, name);
  if (!sim) return;
  uint32_t v = 0;
  copy_args a = {kBase, kBase + 0x10000, 2048, 16, 0, 1};
  CHECK_RC(start_copy(sim, &a, 1000000));
  CHECK(hta_sim_interrupt(sim) == 1, "interrupt low after the run");
  /* Ended by the interrupt, the run left ap_done for the host to read. */
  CHECK_RC(hta_sim_reg_read(sim, REG_CTRL, &v));
  CHECK(v & CTRL_DONE, "CTRL 0x%x: ap_done not set", v);
  CHECK_RC(hta_sim_reg_read(sim, REG_CTRL, &v));
  CHECK(!(v & CTRL_DONE), "ap_done not cleared by the read");
  CHECK_RC(hta_sim_reg_write(sim, REG_ISR, 1));
  hta_sim_step(sim, 2);
  CHECK(hta_sim_interrupt(sim) == 0, "interrupt still high after clearing ISR");
  pass(name);
  hta_sim_destroy(sim);
}

static void test_deterministic(void) {
  const char *name = "deterministic";
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  cfg.rd_gap = 1;
  cfg.max_rd_outstanding = 3;
  copy_args a = {kBase + 0x40, kBase + 0x9000, 8192, 7, 0, 0};
  uint64_t c1 = checked_copy(name, &cfg, &a), c2 = checked_copy(name, &cfg, &a);
  if (!c1 || !c2) return;
  CHECK(c1 == c2, "two identical runs took %" PRIu64 " and %" PRIu64 " cycles", c1, c2);
  pass(name);
}

static void test_trace(void) {
  const char *name = "trace_written";
  char path[600];
  struct stat sb;
  unsigned char head[1] = {0xFF};
  snprintf(path, sizeof path, "%s/test_sim_selftest.fst", g_trace_dir);
  remove(path);
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  cfg.trace_path = path;
  char err[256] = "";
  hta_sim *sim = hta_sim_create(&cfg, err, sizeof err);
  if (!sim && strstr(err, "without trace support")) {
    /* A library built without tracing must say so instead of failing quietly. */
    printf("PASS %s (library built without trace support; TRACE=1 builds it)\n", name);
    g_pass++;
    return;
  }
  CHECK(sim, "hta_sim_create: %s", err);
  copy_args a = {kBase, kBase + 0x10000, 1024, 16, 0, 0};
  int rc = start_copy(sim, &a, 100000);
  hta_sim_destroy(sim); /* closes the trace */
  CHECK(rc == HTA_SIM_OK, "run returned %d", rc);
  CHECK(stat(path, &sb) == 0 && sb.st_size > 1000, "%s missing or tiny", path);
  FILE *f = fopen(path, "rb");
  CHECK(f && fread(head, 1, 1, f) == 1, "cannot read %s", path);
  fclose(f);
  CHECK(head[0] == 0, "%s does not start with an FST header block", path); /* FST_BL_HDR */
  pass(name);
}

static void test_speed(void) {
  const char *name = "speed";
  hta_sim_config cfg;
  hta_sim_default_config(&cfg);
  hta_sim *sim = make_sim(&cfg, name);
  if (!sim) return;
  copy_args a = {kBase, kBase + 0x1000000, 16u << 20, 16, 0, 0};
  struct timespec t0, t1;
  /* Touch both buffers first: the model's memory is calloc'd, and first-touch
   * page faults would otherwise be timed as simulation. */
  hta_sim_mem_fill(sim, a.src, 0x11, a.len);
  hta_sim_mem_fill(sim, a.dst, 0x22, a.len);
  const uint64_t c0 = hta_sim_cycles(sim);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = start_copy(sim, &a, 100u * 1000 * 1000);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const uint64_t cycles = hta_sim_cycles(sim) - c0;
  hta_sim_destroy(sim);
  CHECK(rc == HTA_SIM_OK, "run returned %d", rc);
  const double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  fprintf(stderr, "# speed: %" PRIu64 " cycles in %.3f s = %.2f Mcycles/s (16 MiB copy)\n", cycles,
          s, cycles / s / 1e6);
  pass(name);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep PASS/FAIL lines in order with stderr */
  const char *dir = argc > 1 ? argv[1] : argv[0];
  snprintf(g_trace_dir, sizeof g_trace_dir, "%s", dir);
  if (argc <= 1) { /* strip the program name */
    char *slash = strrchr(g_trace_dir, '/');
    if (slash) *slash = 0; else strcpy(g_trace_dir, ".");
  }
  test_registers();
  test_register_slverr();
  test_bad_arguments();
  test_copies();
  test_timing_knobs();
  test_read_slverr();
  test_write_decerr();
  test_protocol_checks();
  test_outside_memory();
  test_rtl_assertion();
  test_timeout();
  test_interrupt();
  test_deterministic();
  test_trace();
  test_speed();
  printf("%d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
