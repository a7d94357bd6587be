// test_pe: the v2 processing elements (hw/rtl/hta_pe_int8.sv, hta_pe_tern.sv)
// on their Verilator models against plain C dot products.
//
// One source, built once per PE model (tests/rtl/pe.mk): PE_INT8 selects
// hta_pe_int8 (two int8 dot products per vector), otherwise hta_pe_tern
// (one ternary dot product). PE_CI is the model's Ci parameter. PE_L = 8
// (hta_pe_int8 with chains of 8, past the full-range bound of 7) runs the
// bound cases instead: exact with weights in [-127, 127], and the
// -128 x -128 extremes must come out wrong (the test would see an overflow).
//
// The driver streams vectors with first/last flags, random bubbles (valid low)
// and back-to-back groups; when a group ends the reference sums are queued, and
// every valid_o pops and compares them. Cases: random groups, every input and
// weight at the int8 extremes (all sign combinations), all-negative inputs,
// long accumulations of extremes, single-vector groups, a bubble-free stream
// with group boundaries at every phase, one nonzero input at a time. Usage:
//   test_pe [--seed N]     (N: the random cases' seed, printed for replay)
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "verilated.h"

#include "Vpe.h"
#ifdef PE_INT8
#define NOUT 2
#else
#define NOUT 1
#endif

static const int Ci = PE_CI;

// splitmix64: small, seedable, the same everywhere.
static uint64_t rng_state;
static uint64_t rnd() {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); }

// One input vector: x[c], and per output either two int8 weight rows or one
// row of ternary codes (-1, 0, +1).
struct Vec {
  int x[64];
  int w[NOUT][64];
};

struct Tb {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vpe> dut;
  std::deque<std::vector<int64_t>> expect;  // finished groups' sums
  int64_t run[NOUT] = {0};                   // the open group's sums
  long checked = 0, bad = 0;
  char first_bad[200] = "";

  explicit Tb(int argc, char **argv) : ctx(new VerilatedContext) {
    ctx->commandArgs(argc, argv);
    dut.reset(new Vpe(ctx.get()));
    dut->clk_i = 0;
    dut->rst_i = 1;
    dut->valid_i = 0;
    dut->first_i = 0;
    dut->last_i = 0;
    for (int i = 0; i < 4; i++) tick();
    dut->rst_i = 0;
  }
  ~Tb() { dut->final(); }

  // Compare outputs, then one rising edge.
  void tick() {
    dut->eval();
    if (!dut->rst_i && dut->valid_o) check();
    dut->clk_i = 1;
    dut->eval();
    dut->clk_i = 0;
    dut->eval();
  }

  static int64_t sext(uint64_t v, int bits) {
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
  }
  void check() {
    int64_t got[NOUT];
#ifdef PE_INT8
    got[0] = sext(dut->acc_lo_o, 32);
    got[1] = sext(dut->acc_hi_o, 32);
#else
    got[0] = sext(dut->sum_o, 24);
#endif
    checked++;
    if (expect.empty()) {
      if (bad++ == 0) snprintf(first_bad, sizeof first_bad, "valid_o with no group pending");
      return;
    }
    std::vector<int64_t> want = expect.front();
    expect.pop_front();
    for (int o = 0; o < NOUT; o++)
      if (got[o] != want[o] && bad++ == 0)
        snprintf(first_bad, sizeof first_bad, "result %ld output %d: %" PRId64 ", want %" PRId64,
                 checked, o, got[o], want[o]);
  }

  static void set_bytes(uint32_t *words, int c, int v) {
    words[c / 4] = (words[c / 4] & ~(0xffu << (c % 4 * 8))) | ((uint32_t)(v & 0xff) << (c % 4 * 8));
  }
  // Drive one vector (valid) with its flags for one cycle.
  void push(const Vec &v, bool first, bool last) {
    uint32_t xw[(64 * 8 + 31) / 32] = {0};
    for (int c = 0; c < Ci; c++) set_bytes(xw, c, v.x[c]);
    memcpy(&dut->x_i, xw, sizeof dut->x_i);
#ifdef PE_INT8
    uint32_t lo[(64 * 8 + 31) / 32] = {0}, hi[(64 * 8 + 31) / 32] = {0};
    for (int c = 0; c < Ci; c++) {
      set_bytes(lo, c, v.w[0][c]);
      set_bytes(hi, c, v.w[1][c]);
    }
    memcpy(&dut->w_lo_i, lo, sizeof dut->w_lo_i);
    memcpy(&dut->w_hi_i, hi, sizeof dut->w_hi_i);
#else
    uint64_t t = 0;
    for (int c = 0; c < Ci; c++)
      t |= (uint64_t)(v.w[0][c] == 1 ? 1 : v.w[0][c] == -1 ? 3 : (rnd() & 1) * 2) << (2 * c);
    // (a 0 weight is sent as 00 or as the invalid 10, which must read as 0)
    memcpy(&dut->t_i, &t, sizeof dut->t_i);
#endif
    dut->valid_i = 1;
    dut->first_i = first;
    dut->last_i = last;
    // The reference: plain dot products.
    if (first)
      for (int o = 0; o < NOUT; o++) run[o] = 0;
    for (int o = 0; o < NOUT; o++)
      for (int c = 0; c < Ci; c++) run[o] += (int64_t)v.w[o][c] * v.x[c];
    if (last) expect.push_back(std::vector<int64_t>(run, run + NOUT));
    tick();
    dut->valid_i = 0;
    dut->first_i = 0;
    dut->last_i = 0;
  }
  // A bubble: valid low, garbage on the data inputs.
  void bubble() {
    uint32_t xw[(64 * 8 + 31) / 32] = {0};
    for (int c = 0; c < Ci; c++) set_bytes(xw, c, (int)rnd());
    memcpy(&dut->x_i, xw, sizeof dut->x_i);
    dut->first_i = rnd() & 1;
    dut->last_i = rnd() & 1;
    tick();
    dut->first_i = 0;
    dut->last_i = 0;
  }
  // Run until every queued group came out; true if all matched.
  bool drain() {
    for (int i = 0; i < 64; i++) tick();
    if (!expect.empty() && bad++ == 0)
      snprintf(first_bad, sizeof first_bad, "%zu groups never came out", expect.size());
    expect.clear();
    return bad == 0;
  }
};

static int passed, failed;
static void report(Tb &tb, const char *name) {
  bool ok = tb.drain();
  if (ok) {
    printf("PASS %s (%ld results)\n", name, tb.checked);
    passed++;
  } else {
    printf("FAIL %s: %ld of %ld wrong, first: %s\n", name, tb.bad, tb.checked, tb.first_bad);
    failed++;
  }
}

#ifdef PE_INT8
static const int WMIN = -128, WMAX = 127;
#else
static const int WMIN = -1, WMAX = 1;
#endif

// Groups of vectors made by gen(), lengths 1..maxlen, bubbles with prob. 1/gap.
template <class Gen>
static void groups(Tb &tb, int ngroups, int maxlen, int gap, Gen gen) {
  for (int g = 0; g < ngroups; g++) {
    int len = rnd_int(1, maxlen);
    for (int i = 0; i < len; i++) {
      Vec v;
      gen(v);
      tb.push(v, i == 0, i == len - 1);
      while (gap && rnd() % gap == 0) tb.bubble();
    }
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  uint64_t seed = 1;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 0);
  rng_state = seed;
  printf("test_pe: %s, Ci %d, seed %" PRIu64 " (--seed N replays)\n",
         NOUT == 2 ? "hta_pe_int8" : "hta_pe_tern", Ci, seed);

#if defined(PE_INT8) && defined(PE_L) && PE_L == 8
  {  // symmetric weights: 8 products of |w x| <= 127 x 128 fit the low field
    Tb tb(argc, argv);
    const int xs[2] = {-128, 127}, ws[2] = {-127, 127};
    groups(tb, 400, 8, 3, [&](Vec &v) {
      bool ext = rnd() % 2 == 0;
      for (int c = 0; c < Ci; c++) {
        v.x[c] = ext ? xs[rnd() & 1] : rnd_int(-128, 127);
        for (int o = 0; o < NOUT; o++) v.w[o][c] = ext ? ws[rnd() & 1] : rnd_int(-127, 127);
      }
    });
    for (int i = 0; i < 2000; i++) {  // the largest low-field sums, accumulated
      Vec v;
      for (int c = 0; c < Ci; c++) {
        v.x[c] = -128;
        v.w[0][c] = -127;
        v.w[1][c] = i % 2 ? 127 : -127;
      }
      tb.push(v, i == 0, i == 1999);
    }
    report(tb, "L8_symmetric_weights");
  }
  {  // full-range weights: 8 x (-128) x (-128) = 2^17 overflows the low field
    Tb tb(argc, argv);
    Vec v;
    for (int c = 0; c < Ci; c++) {
      v.x[c] = -128;
      v.w[0][c] = -128;
      v.w[1][c] = 0;
    }
    tb.push(v, true, true);
    bool ok = tb.drain();
    printf("%s L8_full_range_overflows (%s)\n", ok ? "FAIL" : "PASS",
           ok ? "came out right: the bound test would not see an overflow" : tb.first_bad);
    (ok ? failed : passed)++;
  }
#else
  {  // random values, random group lengths, bubbles
    Tb tb(argc, argv);
    groups(tb, 3000, 12, 4, [](Vec &v) {
      for (int c = 0; c < Ci; c++) {
        v.x[c] = rnd_int(-128, 127);
        for (int o = 0; o < NOUT; o++) v.w[o][c] = rnd_int(WMIN, WMAX);
      }
    });
    report(tb, "random");
  }
  {  // every input and weight at an extreme, all sign combinations
    Tb tb(argc, argv);
    const int xs[2] = {-128, 127};
    const int ws[2] = {WMIN, WMAX};
    for (int xi = 0; xi < 2; xi++)
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
          Vec v;
          for (int c = 0; c < Ci; c++) {
            v.x[c] = xs[xi];
            v.w[0][c] = ws[a];
            v.w[NOUT - 1][c] = ws[b];
          }
          tb.push(v, true, true);
        }
    // random mixtures of extremes
    groups(tb, 200, 4, 0, [&](Vec &v) {
      for (int c = 0; c < Ci; c++) {
        v.x[c] = xs[rnd() & 1];
        for (int o = 0; o < NOUT; o++) v.w[o][c] = ws[rnd() & 1];
      }
    });
    report(tb, "extremes");
  }
  {  // all-negative inputs with random weights, and with weights of one sign
    Tb tb(argc, argv);
    groups(tb, 100, 6, 3, [](Vec &v) {
      int wsign = rnd_int(0, 2);
      for (int c = 0; c < Ci; c++) {
        v.x[c] = rnd_int(-128, -1);
        for (int o = 0; o < NOUT; o++)
          v.w[o][c] = wsign == 0 ? rnd_int(WMIN, -1) : wsign == 1 ? rnd_int(1, WMAX)
                                                                  : rnd_int(WMIN, WMAX);
      }
    });
    report(tb, "all_negative");
  }
  {  // long accumulations: the largest positive and negative sums
    Tb tb(argc, argv);
    for (int sgn = 0; sgn < 2; sgn++) {
      int len = NOUT == 2 ? 4000 : 3000;
      for (int i = 0; i < len; i++) {
        Vec v;
        for (int c = 0; c < Ci; c++) {
          v.x[c] = -128;
          v.w[0][c] = sgn ? WMAX : WMIN;
          v.w[NOUT - 1][c] = sgn ? WMIN : WMAX;
        }
        tb.push(v, i == 0, i == len - 1);
      }
    }
    report(tb, "long_accumulation");
  }
  {  // single-vector groups back to back (first and last together), no bubbles
    Tb tb(argc, argv);
    groups(tb, 300, 1, 0, [](Vec &v) {
      for (int c = 0; c < Ci; c++) {
        v.x[c] = rnd_int(-128, 127);
        for (int o = 0; o < NOUT; o++) v.w[o][c] = rnd_int(WMIN, WMAX);
      }
    });
    report(tb, "single_vector_groups");
  }

  {  // a continuous stream (no bubbles) in which every pair of group lengths
     // 1..16 follows each other, so group boundaries fall at every phase of
     // the chains and of the control pipeline; values at the extremes one
     // time in four. A stage that took the wrong operand (Z = P instead of
     // PCIN, RND in a non-head stage, a P that keeps accumulating) fails.
    Tb tb(argc, argv);
    auto gen = [](Vec &v) {
      for (int c = 0; c < Ci; c++) {
        bool ext = rnd() % 4 == 0;
        v.x[c] = ext ? (rnd() & 1 ? 127 : -128) : rnd_int(-128, 127);
        for (int o = 0; o < NOUT; o++)
          v.w[o][c] = ext ? (rnd() & 1 ? WMAX : WMIN) : rnd_int(WMIN, WMAX);
      }
    };
    for (int a = 1; a <= 16; a++)
      for (int b = 1; b <= 16; b++)
        for (int len : {a, b})
          for (int i = 0; i < len; i++) {
            Vec v;
            gen(v);
            tb.push(v, i == 0, i == len - 1);
          }
    report(tb, "stream_every_boundary");
  }
  {  // one input at a time: only x[c] and its weights nonzero, c walking over
     // every input (so every stage of every chain, alone), in groups of 1..3
     // vectors with 0..8 bubbles between vectors
    Tb tb(argc, argv);
    for (int rep = 0; rep < 20; rep++)
      for (int c0 = 0; c0 < Ci; c0++) {
        int len = rnd_int(1, 3);
        for (int i = 0; i < len; i++) {
          Vec v;
          memset(&v, 0, sizeof v);
          int c = (c0 + i) % Ci;
          v.x[c] = rep == 0 ? -128 : rnd_int(-128, 127);
          for (int o = 0; o < NOUT; o++) v.w[o][c] = rep == 0 ? WMIN : rnd_int(WMIN, WMAX);
          tb.push(v, i == 0, i == len - 1);
          for (int g = rnd_int(0, 8); g > 0; g--) tb.bubble();
        }
      }
    report(tb, "one_input_at_a_time");
  }

#endif
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
