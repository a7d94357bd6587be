// test_drain_unit: the v2 drain unit (hw/rtl/hta_drain_unit.sv, with its
// DSP48E2s' behavioural models) on its Verilator model against the golden
// output stage, hta_requant (host/src/golden/golden.c):
//
//   q = hta_requant((mac ? 1 : alpha) * sum + bias, 0, mult, shift, zp_out,
//                   act_min, act_max)
//
// with bias the record's 40-bit signed value. The driver streams one value
// per cycle with random bubbles (valid low) and checks every valid_o against
// a queue of expected bytes. Cases: every combination of edge values (sum,
// alpha, bias, mult at and next to their extremes and 0, +-1, +-2^k
// neighbours; shifts 0, 1, 2, 15, 30, 31; mac 0/1), random outputs
// constants; then seeded random values, drawn from wide and narrow ranges and
// near the rounding ties of SRDHM and RDBPOT. Usage:
//   test_drain_unit [--seed N] [--random N]
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "verilated.h"

#include "Vdrain.h"
#include "hta_golden.h"

static uint64_t rng_state;
static uint64_t rnd() {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct In {
  int mac;
  int32_t sum;
  uint8_t alpha;
  int64_t bias;  // 40-bit signed
  int32_t mult;
  int shift;
  int zp, amin, amax;
};

static int8_t expect_q(const In &v) {
  const int64_t acc = (int64_t)(v.mac ? 1 : v.alpha) * v.sum + v.bias;
  return hta_requant(acc, 0, v.mult, v.shift, v.zp, v.amin, v.amax);
}

struct Tb {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vdrain> dut;
  std::deque<std::pair<In, int8_t>> expect;
  long checked = 0, bad = 0;
  Tb() : ctx(new VerilatedContext), dut(new Vdrain(ctx.get())) {}
  void tick() {
    dut->clk_i = 0;
    dut->eval();
    dut->clk_i = 1;
    dut->eval();
    if (dut->valid_o) {
      if (expect.empty()) {
        if (bad++ < 10) std::printf("FAIL: valid_o with nothing expected\n");
        return;
      }
      const In v = expect.front().first;
      const int8_t e = expect.front().second;
      expect.pop_front();
      checked++;
      const int8_t got = (int8_t)dut->q_o;
      if (got != e && bad++ < 10)
        std::printf("FAIL: mac %d sum %" PRId32 " alpha %u bias %" PRId64 " mult %" PRId32
                    " shift %d zp %d [%d, %d]: q %d, expected %d\n",
                    v.mac, v.sum, v.alpha, v.bias, v.mult, v.shift, v.zp, v.amin, v.amax, got, e);
    }
  }
  void idle() {
    dut->valid_i = 0;
    tick();
  }
  // The output constants are the job's: they change only between jobs, so the
  // stream drains before a value with other constants goes in.
  int zp = 0, amin = -128, amax = 127;
  void push(const In &v) {
    if (v.zp != zp || v.amin != amin || v.amax != amax) {
      drain();
      zp = v.zp;
      amin = v.amin;
      amax = v.amax;
    }
    if (rnd() % 4 == 0) idle();
    dut->valid_i = 1;
    dut->sum_i = (uint32_t)v.sum;
    dut->alpha_i = v.mac ? 1 : v.alpha;   // the engine's alpha_d
    dut->bias_i = (uint64_t)v.bias & ((UINT64_C(1) << 40) - 1);
    dut->mult_i = (uint32_t)v.mult;
    dut->shift_i = (uint8_t)v.shift;
    dut->zp_out_i = (uint8_t)v.zp;
    dut->act_min_i = (uint8_t)v.amin;
    dut->act_max_i = (uint8_t)v.amax;
    expect.emplace_back(v, expect_q(v));
    tick();
  }
  void drain() {
    for (int i = 0; i < 8; i++) idle();
    if (!expect.empty() && bad++ < 10)
      std::printf("FAIL: %zu values without valid_o\n", expect.size());
    expect.clear();
  }
};

static const int64_t B40_MAX = (INT64_C(1) << 39) - 1, B40_MIN = -(INT64_C(1) << 39);

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long nrand = 2000000;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    else if (!std::strcmp(argv[i], "--random") && i + 1 < argc) nrand = std::strtol(argv[++i], nullptr, 0);
    else {
      std::fprintf(stderr, "usage: test_drain_unit [--seed N] [--random N]\n");
      return 2;
    }
  }
  std::printf("test_drain_unit: seed %" PRIu64 "\n", seed);
  rng_state = seed;
  Tb tb;
  tb.dut->rst_i = 1;
  tb.idle();
  tb.idle();
  tb.dut->rst_i = 0;

  // ---- edges: every combination ----
  const std::vector<int32_t> sums = {INT32_MIN, INT32_MIN + 1, -(1 << 26) - 1, -(1 << 26),
                                     -(1 << 25), -2, -1, 0, 1, 2, (1 << 25) - 1, 1 << 26,
                                     (1 << 26) - 1, INT32_MAX - 1, INT32_MAX, 12345678,
                                     -87654321};
  const std::vector<int> alphas = {0, 1, 2, 127, 128, 254, 255};
  const std::vector<int64_t> biases = {B40_MIN, B40_MIN + 1, (int64_t)INT32_MIN - 1, INT32_MIN,
                                       -(INT64_C(1) << 30), -1, 0, 1, INT64_C(1) << 30,
                                       INT32_MAX, (int64_t)INT32_MAX + 1, B40_MAX - 1, B40_MAX};
  const std::vector<int32_t> mults = {INT32_MIN, INT32_MIN + 1, -(1 << 30), -1, 0, 1,
                                      1 << 17, (1 << 17) - 1, 1 << 26, (1 << 26) - 1, 1 << 30,
                                      1518500250, INT32_MAX};
  const std::vector<int> shifts = {0, 1, 2, 15, 30, 31};
  const int outc[3][3] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}};
  long edges = 0;
  for (int mac = 0; mac < 2; mac++)
    for (int32_t s : sums)
      for (int al : alphas) {
        if (mac && al != alphas[0]) continue;  // alpha does not matter
        for (int64_t b : biases)
          for (int32_t m : mults)
            for (int sh : shifts) {
              const int *o = outc[(edges / 7) % 3];
              tb.push(In{mac, s, (uint8_t)al, b, m, sh, o[0], o[1], o[2]});
              edges++;
            }
      }
  // acc32 = INT32_MIN exactly with mult = INT32_MIN (SRDHM's saturation) at every shift
  for (int sh = 0; sh < 32; sh++)
    for (int zp = -128; zp <= 127; zp += 255) {
      tb.push(In{1, INT32_MIN, 0, 0, INT32_MIN, sh, zp, -128, 127});
      tb.push(In{0, -(1 << 30), 2, 0, INT32_MIN, sh, zp, -128, 127});
      tb.push(In{1, 0, 0, INT32_MIN, INT32_MIN, sh, zp, -128, 127});
      tb.push(In{1, INT32_MAX, 0, 0, INT32_MIN, sh, zp, -128, 127});
      edges += 4;
    }
  tb.drain();
  const long bad_edges = tb.bad;
  std::printf("edges: %ld values%s\n", edges, bad_edges ? " FAILED" : "");

  // ---- random ----
  for (long i = 0; i < nrand; i++) {
    In v;
    v.mac = rnd() % 4 == 0;
    const int kind = (int)(rnd() % 6);
    switch (kind) {
      case 0: v.sum = (int32_t)(uint32_t)rnd(); break;
      case 1: v.sum = (int32_t)(rnd() % (1u << 25)) - (1 << 24); break;   // ternary-sized
      default: v.sum = (int32_t)(rnd() % 200001) - 100000; break;
    }
    v.alpha = (uint8_t)rnd();
    switch ((int)(rnd() % 4)) {
      case 0: v.bias = (int64_t)(rnd() & ((UINT64_C(1) << 40) - 1)) - (INT64_C(1) << 39); break;
      case 1: v.bias = (int32_t)(uint32_t)rnd(); break;
      default: v.bias = (int64_t)(rnd() % 2000001) - 1000000; break;
    }
    switch ((int)(rnd() % 4)) {
      case 0: v.mult = (int32_t)(uint32_t)rnd(); break;
      default: v.mult = (int32_t)((1u << 30) + (uint32_t)(rnd() % (1u << 30))); break;   // Q31
    }
    v.shift = (int)(rnd() % 32);
    if (rnd() % 2) v.shift = (int)(rnd() % 12);
    // outputs constants: change now and then, always act_min <= act_max
    if (i % 5000 == 0) {
      v.zp = (int)(rnd() % 256) - 128;
      int a = (int)(rnd() % 256) - 128, b = (int)(rnd() % 256) - 128;
      v.amin = a < b ? a : b;
      v.amax = a < b ? b : a;
      if (rnd() % 2) { v.amin = -128; v.amax = 127; }
    } else {
      v.zp = tb.zp;
      v.amin = tb.amin;
      v.amax = tb.amax;
    }
    // near the roundings: results of a few units (y within the clamp range)
    if (kind == 5) {
      v.mac = 1;
      v.bias = 0;
      v.shift = (int)(rnd() % 8);
      v.mult = 1 << 30;   // SRDHM(a, 2^30) = a/2 rounded: ties at odd a
      v.sum = (int32_t)(rnd() % 2048) - 1024;
    }
    tb.push(v);
  }
  tb.drain();
  std::printf("random: %ld values\n", nrand);
  // tests/run.sh reads the last "N passed, N failed" line: two cases, the
  // edge combinations and the random values
  const long bad_random = tb.bad - bad_edges;
  if (tb.bad)
    std::printf("test_drain_unit: %ld of %ld values FAILED\n", tb.bad, tb.checked);
  const int failed = (bad_edges != 0) + (bad_random != 0);
  std::printf("%d passed, %d failed\n", 2 - failed, failed);
  return tb.bad ? 1 : 0;
}
