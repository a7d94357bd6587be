// test_v2_core: the v2 compute core (hw/rtl/hta_v2_core.sv) on its Verilator
// model against a plain C convolution.
//
// For each random layer the test lays the input tile, the weights and the
// group scales out as the core expects (engine-v2.md, "The compute core as
// built"), with garbage in the channels beyond cin, runs the layer with
// random backpressure on the output, and checks every accumulator: the
// core's raw sum minus zp_in * sum_g alpha_g sum_{k in g} w (the compiler's
// bias correction; INT8 and one-group filters: alpha 1) must equal the true
// sum_g alpha_g sum_{k in g} w (x - zp_in) over the window, padding
// contributing nothing, and every (row, column, filter) must come out exactly
// once. Layers: 1x1, 3x3, 1x3, 3x1, 2x2 (and 5x5, 7x7, 1x7), strides 1 and 2,
// pads 0..3, odd widths, cin, INT8 and ternary filter counts not multiples of
// Ci / MacCo / AddCo, ternary groups of one per filter or G = Ci, 2 Ci, 3 Ci,
// zp_in at its extremes, output ready 100%, 50% or 10% of cycles; some
// convolutions with channel augmentation (the loader's layout, checked
// against the unaugmented convolution). Depthwise layers (mode 1: kernels
// 1..7, strides 1 and 2, pads 0..3, INT8 and ternary channels mixed in one
// layer, fine groups of taps) against a C depthwise convolution, and global
// sums (mode 2, GAP: windows up to 20 x 24) against sum (x - zp_in), as
// host/src/golden.c's GAP before its output stage. Then MobileNet-like shapes, whose cycle counts give the utilization figures of
// docs/engine-v2.md. Usage:
//   test_v2_core [--seed N] [--layers N] [--bench-only]
// Built per configuration by tests/rtl/v2.mk (V2_PIX, V2_CI, V2_MACCO, V2_ADDCO).
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "verilated.h"

#include "Vv2core.h"

static const int Pix = V2_PIX, Ci = V2_CI, MacCo = V2_MACCO, AddCo = V2_ADDCO;
static const bool Fine = V2_FINE;  // the model has group-scale units (FineGroups)
static const int NB = 2 * Pix;
static const int ActDepth = V2_ACTDEPTH, WDepth = V2_WDEPTH, ADepth = V2_ADEPTH;
static const int AWB = [] { int b = 0; while ((1 << b) < ActDepth) b++; return b; }();  // $clog2(ActDepth)

// splitmix64: small, seedable, the same everywhere.
static uint64_t rng_state;
static uint64_t rnd() {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); }

// mode 0: a convolution (n_mac INT8 and n_add ternary filters over all cin
// channels; g: ternary group in blocks of Ci, G = g Ci). mode 1: depthwise
// (cin = n_mac + n_add channels, n_mac of them INT8 and n_add ternary, at
// random positions; g: ternary group in window taps). mode 2: global sum
// (GAP) over the whole in_h x in_w input (kh, kw, s, pads: in_h, in_w, 1, 0),
// n_mac channels summed on the INT8 array and n_add on the ternary one.
// aug: a layout the loader writes (engine-v2.md), the core running core()
// instead of the layer. Convolutions with one ternary group (aug 1): channel
// augmentation, a kh x 1 convolution over kw cin channels per column,
// unpadded in x. Depthwise without fine groups (aug = Cg >= 1): tap
// augmentation, a kh x 1 depthwise layer whose column a holds, for Cg
// channels, Ka = Ci / Cg consecutive input columns from a J s - pad_l (lane
// c' Ka + k: channel c', column a J s + k - pad_l), where J = (Ka - kw) / s + 1
// output columns a J .. a J + J-1 are computed from it by J rows per channel.
struct Layer {
  int in_h, in_w, cin, kh, kw, s, pt, pb, pl, pr, n_mac, n_add, zp;
  int g;  // ternary group (see above); 0: one group per filter
  int mode;
  int aug;
  int ka() const { return mode == 1 && aug ? Ci / aug : 1; }             // depthwise
  int jn() const { return mode == 1 && aug ? (ka() - kw) / s + 1 : 1; }   // columns
  Layer core() const {
    if (!aug) return *this;
    Layer c = *this;
    if (mode == 0) {
      c.in_w = (out_w() - 1) * s + 1;
      c.cin = kw * cin;
    } else {  // depthwise: stride 2 reads the even columns (the odd ones unused)
      int na = (out_w() + jn() - 1) / jn();
      c.in_w = s == 1 ? na : 2 * na - 1;
      c.cin = (cin + aug - 1) / aug * Ci;
    }
    c.kw = 1;
    c.pl = c.pr = 0;
    c.aug = 0;
    return c;
  }
  int out_h() const { return (in_h + pt + pb - kh) / s + 1; }
  int out_w() const { return (in_w + pl + pr - kw) / s + 1; }
  int cb() const { return (cin + Ci - 1) / Ci; }
  int wb() const { return (in_w + NB - 1) / NB; }
  // most passes per channel block a depthwise or GAP layer can need
  int bp_max() const {
    int m = std::min(Ci, n_mac), a = std::min(Ci, n_add);
    return std::max(std::max((m + MacCo - 1) / MacCo, (a + AddCo - 1) / AddCo), 1);
  }
  int passes() const {
    if (mode) return cb() * bp_max();  // an upper bound (run_layer knows the layout)
    return std::max(std::max((n_mac + MacCo - 1) / MacCo, (n_add + AddCo - 1) / AddCo), 1);
  }
  int k() const { return mode == 2 ? 1 : mode == 1 ? kh * kw : kh * kw * cb(); }  // blocks
  int steps() const { return mode == 2 ? in_h * in_w : k(); }  // blocks per tile
  int groups() const { return g ? (k() + g - 1) / g : 1; }  // per filter
  bool fits() const {
    if (aug && mode == 1) {  // passes: Cg J rows of channels per block, at most
      if (aug > Ci || ka() < kw) return false;
      Layer c = core();
      int m = std::min(aug, n_mac) * jn(), a = std::min(aug, n_add) * jn();
      int bp = std::max(std::max((m + MacCo - 1) / MacCo, (a + AddCo - 1) / AddCo), 1);
      return g == 0 && aug <= Ci && ka() >= kw && out_h() >= 1 && out_w() >= 1 &&
             c.in_h * c.cb() * c.wb() <= ActDepth && c.cb() * bp * c.k() <= WDepth &&
             c.cb() * bp <= 255 &&
             cin == n_mac + n_add;
    }
    if (aug) return mode == 0 && g == 0 && out_h() >= 1 && out_w() >= 1 && core().fits();
    bool groups_ok = !g || (Fine && mode == 0 && cin % (g * Ci) == 0) || (Fine && mode == 1);
    return out_h() >= 1 && out_w() >= 1 && in_h * cb() * wb() <= ActDepth &&
           passes() * k() <= WDepth && passes() <= 255 && pl <= NB && groups_ok &&
           (!g || passes() * groups() <= ADepth) && (mode == 0 || cin == n_mac + n_add);
  }
};

// A bit vector the size of a port, set and read by bit offset.
struct Bits {
  std::vector<uint32_t> w;
  explicit Bits(size_t bits) : w((bits + 31) / 32 + 1, 0) {}
  void set(int off, int nbits, uint32_t v) {
    for (int i = 0; i < nbits; i++) {
      uint32_t b = (v >> i) & 1;
      int k = off + i;
      w[k / 32] = (w[k / 32] & ~(1u << (k % 32))) | (b << (k % 32));
    }
  }
  uint32_t get(int off, int nbits) const {
    uint32_t v = 0;
    for (int i = 0; i < nbits; i++) v |= ((w[(off + i) / 32] >> ((off + i) % 32)) & 1u) << i;
    return v;
  }
};
template <class T> static void put(T &port, const Bits &b) {
  memcpy(&port, b.w.data(), sizeof port);
}
template <class T> static void take(const T &port, Bits &b) {
  memcpy(b.w.data(), &port, sizeof port);
}

struct Tb {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vv2core> dut;
  explicit Tb(int argc, char **argv) : ctx(new VerilatedContext) {
    ctx->commandArgs(argc, argv);
    dut.reset(new Vv2core(ctx.get()));
    dut->clk_i = 0;
    dut->rst_i = 1;
    for (int i = 0; i < 4; i++) tick();
    dut->rst_i = 0;
  }
  ~Tb() { dut->final(); }
  void tick() {
    dut->eval();
    dut->clk_i = 1;
    dut->eval();
    dut->clk_i = 0;
    dut->eval();
  }
};

struct Result {
  bool ok;
  uint64_t cycles, busy, stall, scale_stall;
  char why[240];
};

// Run one layer (data made from the current random state); ready_pct: the
// probability in percent that out_ready_i is high in a cycle.
static Result run_layer(Tb &tb, const Layer &L, int ready_pct) {
  Result r = {true, 0, 0, 0, 0, ""};
  const Layer C = L.core();  // what the core runs (L itself unless augmented)
  const int oh = L.out_h(), ow = L.out_w(), CB = C.cb(), WB = C.wb();
  const int K = C.k();
  // data
  std::vector<int> x((size_t)L.in_h * L.in_w * L.cin);
  for (auto &v : x) v = rnd_int(-128, 127);
  if (rnd() % 8 == 0)  // sometimes inputs only at the extremes
    for (auto &v : x) v = (rnd() & 1) ? 127 : -128;
  auto X = [&](int y, int xx, int c) { return x[((size_t)y * L.in_w + xx) * L.cin + c]; };
  // Filters: conv: n_mac INT8 then n_add ternary filters of kh kw cin weights
  // (output index f); depthwise: one filter of kh kw taps per channel (output
  // index = channel), kind[c] 0 INT8, 1 ternary; GAP: channel c summed with
  // weight 1 on the array of kind[c].
  const int nf = L.mode ? L.cin : L.n_mac + L.n_add;
  const size_t fsz = L.mode == 1 ? (size_t)L.kh * L.kw : (size_t)L.kh * L.kw * L.cin;
  std::vector<int> kind(nf);
  for (int f = 0; f < nf; f++) kind[f] = f >= L.n_mac;
  if (L.mode)
    for (int c = nf - 1; c > 0; c--) std::swap(kind[c], kind[rnd() % (c + 1)]);
  std::vector<int> w((size_t)nf * fsz);
  const bool extremes = rnd() % 8 == 0;
  for (int f = 0; f < nf; f++)
    for (size_t i = 0; i < fsz; i++)
      w[f * fsz + i] = L.mode == 2 ? 1 : kind[f] ? rnd_int(-1, 1)
                       : extremes ? ((rnd() & 1) ? 127 : -128) : rnd_int(-128, 127);
  // group scales alpha[f][group] (fine groups only; one group: alpha 1); the
  // groups are G = g Ci consecutive inputs of the window (conv) or g taps (depthwise)
  const int NG = L.groups(), G = L.mode ? L.g : L.g * Ci;
  std::vector<int> alpha((size_t)nf * NG, 1);
  if (L.g)
    for (int f = 0; f < nf; f++)
      for (int gi = 0; gi < NG; gi++)
        if (kind[f]) alpha[(size_t)f * NG + gi] = rnd() % 4 ? rnd_int(0, 255) : 255;
  auto WI = [&](int f, int ky, int kx, int c) {  // c: the channel (conv) or 0
    return w[(size_t)f * fsz + ((size_t)ky * L.kw + kx) * (L.mode ? 1 : L.cin) + c];
  };
  auto AL = [&](int f, int ky, int kx, int c) {
    if (!L.g || !kind[f]) return 1;
    return alpha[(size_t)f * NG + ((ky * L.kw + kx) * (L.mode ? 1 : L.cin) + c) / G];
  };
  // the core's input and convolution weights: L's, or augmented: channel
  // kx cin + c of column a is input column a - pl + kx (zp_in outside), weight
  // (ky, 0, kx cin + c) is L's (ky, kx, c)
  const int Ka = L.ka(), J = L.jn();
  auto XC = [&](int y, int a, int ch) {
    if (!L.aug) return X(y, a, ch);
    if (L.mode == 1) {  // lane c' Ka + k of block cb: channel cb Cg + c'
      int lane = ch % Ci, cc = ch / Ci * L.aug + lane / Ka, k = lane % Ka;
      if (lane / Ka >= L.aug || cc >= L.cin || a % L.s) return (int)(rnd() % 256) - 128;
      int xx = a / L.s * J * L.s + k - L.pl;
      return xx >= 0 && xx < L.in_w ? X(y, xx, cc) : L.zp;
    }
    int xx = a - L.pl + ch / L.cin;
    return xx >= 0 && xx < L.in_w ? X(y, xx, ch % L.cin) : L.zp;
  };
  auto WC = [&](int f, int ky, int kx, int ch) {
    return L.aug ? WI(f, ky, ch / L.cin, ch % L.cin) : WI(f, ky, kx, ch);
  };

  // Passes: which output index each row of each array computes in pass n
  // (-1: none). Conv: INT8 filters n MacCo .., ternary filters n AddCo ...
  // Depthwise and GAP: pass n reads channel block n / BP; the block's INT8
  // channels go to the INT8 rows, its ternary channels to the ternary rows,
  // MacCo / AddCo of them per pass, BP passes per block (the most any block needs).
  int BP = 1, P;
  std::vector<int> macmap, addmap;
  if (!L.mode) {
    P = L.passes();
    macmap.assign((size_t)P * MacCo, -1);
    addmap.assign((size_t)P * AddCo, -1);
    for (int f = 0; f < L.n_mac; f++) macmap[f] = f;
    for (int f = 0; f < L.n_add; f++) addmap[f] = L.n_mac + f;
  } else {
    // (tap augmentation: blocks of Cg channels, J rows each; row code ch J + j)
    std::vector<std::vector<int>> im(CB), tm(CB);
    const int cg = L.mode == 1 && L.aug ? L.aug : Ci;
    for (int c = 0; c < L.cin; c++)
      for (int j = 0; j < J; j++) (kind[c] ? tm : im)[c / cg].push_back(c * J + j);
    for (int cb = 0; cb < CB; cb++)
      BP = std::max(BP, std::max(((int)im[cb].size() + MacCo - 1) / MacCo,
                                 ((int)tm[cb].size() + AddCo - 1) / AddCo));
    P = CB * BP;
    macmap.assign((size_t)P * MacCo, -1);
    addmap.assign((size_t)P * AddCo, -1);
    for (int cb = 0; cb < CB; cb++) {
      for (size_t i = 0; i < im[cb].size(); i++) macmap[(size_t)cb * BP * MacCo + i] = im[cb][i];
      for (size_t i = 0; i < tm[cb].size(); i++) addmap[(size_t)cb * BP * AddCo + i] = tm[cb][i];
    }
  }
  Vv2core *d = tb.dut.get();

  // activation buffer: column xx of block cb of row y in bank xx mod NB
  for (int y = 0; y < C.in_h; y++)
    for (int cb = 0; cb < CB; cb++)
      for (int xx = 0; xx < C.in_w; xx++) {
        Bits b(Ci * 8);
        for (int c = 0; c < Ci; c++) {
          int ch = cb * Ci + c;
          b.set(c * 8, 8, (uint32_t)(ch < C.cin ? XC(y, xx, ch) : (int)rnd()) & 0xff);
        }
        // (one bank's port of the per-bank write ports)
        Bits ba(NB * AWB), bd(NB * Ci * 8);
        ba.set((xx % NB) * AWB, AWB, (uint32_t)(y * CB * WB + cb * WB + xx / NB));
        for (int c = 0; c < Ci; c++) bd.set((xx % NB) * Ci * 8 + c * 8, 8, b.get(c * 8, 8));
        d->act_we_i = 1u << (xx % NB);
        put(d->act_addr_i, ba);
        put(d->act_data_i, bd);
        tb.tick();
      }
  d->act_we_i = 0;
  // weight buffer: block k of pass n at n K + k; conv: k = (ky kw + kx) CB + cb,
  // row o lane c the weight of channel cb Ci + c; depthwise: k = ky kw + kx,
  // row o only at the lane of its channel; GAP: one block (k = 0), weight 1
  auto wrow = [&](int f, int k, int c, int cbk) {  // f's weight at lane c of block k
    if (L.mode == 0) {
      int ch = cbk * Ci + c, pos = k / CB;
      return ch < C.cin ? WC(f, pos / C.kw, pos % C.kw, ch) : 0;
    }
    if (L.mode == 1 && L.aug) {  // row code f = ch J + j: taps at lanes c' Ka + j s + kx
      int ch = f / J, j = f % J, kx = c % Ka - j * L.s;
      if (c / Ka != ch % L.aug || kx < 0 || kx >= L.kw) return 0;
      return WI(ch, k, kx, 0);
    }
    if (f / Ci * Ci + c != f) return 0;  // another channel's lane
    return L.mode == 2 ? 1 : WI(f, k / L.kw, k % L.kw, 0);
  };
  // the job's blocks and group-scale rows from a base of its own, wrapping
  // around the buffers (the engine's halves: w_base_i, al_base_i), derived
  // from the sizes so the random stream is unchanged
  const unsigned wbase = (unsigned)(P * 37 + K * 11) % WDepth;
  const unsigned abase = (unsigned)(P * 13 + K * 5) % ADepth;
  d->w_base_i = wbase;
  d->al_base_i = abase;
  for (int n = 0; n < P; n++)
    for (int k = 0; k < K; k++) {
      Bits bm(MacCo * Ci * 8), bt(AddCo * Ci * 2);
      for (int c = 0; c < Ci; c++) {
        for (int o = 0; o < MacCo; o++) {
          int f = macmap[(size_t)n * MacCo + o];
          int v = f >= 0 ? wrow(f, k, c, k % CB) : 0;
          bm.set((o * Ci + c) * 8, 8, (uint32_t)v & 0xff);
        }
        for (int o = 0; o < AddCo; o++) {
          int f = addmap[(size_t)n * AddCo + o];
          int v = f >= 0 ? wrow(f, k, c, k % CB) : 0;
          // 0 is sent as 00 or as the unused 10, which must read as 0
          uint32_t code = v == 1 ? 1 : v == -1 ? 3 : (uint32_t)(rnd() & 1) * 2;
          bt.set((o * Ci + c) * 2, 2, code);
        }
      }
      d->wm_we_i = 1;
      d->wt_we_i = 1;
      d->w_addr_i = (wbase + (unsigned)(n * K + k)) % WDepth;
      put(d->wm_data_i, bm);
      put(d->wt_data_i, bt);
      tb.tick();
    }
  d->wm_we_i = 0;
  d->wt_we_i = 0;
  // group-scale buffer: group gi of pass n at n NG + gi
  if (L.g) {
    for (int n = 0; n < P; n++)
      for (int gi = 0; gi < NG; gi++) {
        Bits b(AddCo * 8);
        for (int o = 0; o < AddCo; o++) {
          int f = addmap[(size_t)n * AddCo + o];
          uint32_t a = f >= 0 ? (uint32_t)alpha[(size_t)f * NG + gi] : (uint32_t)rnd();
          b.set(o * 8, 8, a & 0xff);
        }
        d->al_we_i = 1;
        d->al_addr_i = (abase + (unsigned)(n * NG + gi)) % ADepth;
        put(d->al_data_i, b);
        tb.tick();
      }
    d->al_we_i = 0;
  }

  // reference: the true sums sum_g alpha_g sum_{k in g} w (x - zp) (INT8 and
  // one-group ternary filters: alpha 1; depthwise: channel f only; GAP: the
  // sum of x - zp), and per filter sum_g alpha_g sum w (the bias correction)
  auto ref = [&](int f, int oy, int ox) {
    int64_t acc = 0;
    for (int ky = 0; ky < L.kh; ky++)
      for (int kx = 0; kx < L.kw; kx++) {
        int y = oy * L.s + ky - L.pt, xx = ox * L.s + kx - L.pl;
        if (y < 0 || y >= L.in_h || xx < 0 || xx >= L.in_w) continue;
        if (L.mode == 2) acc += X(y, xx, f) - L.zp;
        else if (L.mode == 1) acc += (int64_t)AL(f, ky, kx, 0) * WI(f, ky, kx, 0) * (X(y, xx, f) - L.zp);
        else
          for (int c = 0; c < L.cin; c++)
            acc += (int64_t)AL(f, ky, kx, c) * WI(f, ky, kx, c) * (X(y, xx, c) - L.zp);
      }
    return acc;
  };
  std::vector<int64_t> sw(nf, 0);
  for (int f = 0; f < nf; f++)
    for (int ky = 0; ky < L.kh; ky++)
      for (int kx = 0; kx < L.kw; kx++)
        for (int c = 0; c < (L.mode ? 1 : L.cin); c++)
          sw[f] += L.mode == 2 ? 1 : (int64_t)AL(f, ky, kx, c) * WI(f, ky, kx, c);

  // run
  d->in_h_i = C.in_h;
  d->in_w_i = C.in_w;
  d->out_h_i = oh;
  d->out_w_i = C.out_w();
  d->cb_n_i = CB;
  d->kh_i = L.mode == 2 ? rnd() % 8 : C.kh;  // GAP: ignored
  d->kw_i = L.mode == 2 ? rnd() % 8 : C.kw;
  d->s2_i = L.s == 2;
  d->pad_t_i = C.pt;
  d->pad_l_i = C.pl;
  d->passes_i = P;
  d->row_words_i = CB * WB;
  d->blk_words_i = WB;
  d->zp_in_i = (uint8_t)L.zp;
  d->gblk_i = L.g;
  d->mode_i = L.mode;
  d->blk_passes_i = L.mode ? BP : rnd() % 256;  // conv: ignored
  const uint64_t blocks = (uint64_t)oh * P * ((C.out_w() + Pix - 1) / Pix) * C.steps();
  // A third of the layers (by block count, so the random stream is
  // unchanged): input rows and weight blocks released a few at a time while
  // the core runs, as the engine's loader does (the data is written already:
  // this checks that the waits lose, repeat and hang no block); the others:
  // everything there at start_i.
  const bool staged = blocks % 3 == 0;
  unsigned rows_rel = staged ? 0 : C.in_h, w_rel = staged ? 0 : V2_WDEPTH;
  d->rows_avail_i = rows_rel;
  d->w_avail_i = w_rel;
  d->start_i = 1;
  d->out_ready_i = 0;
  tb.tick();
  d->start_i = 0;
  std::vector<uint8_t> seen((size_t)oh * ow * nf, 0);
  long bad = 0;
  const int cw = C.out_w();  // the core's output columns (tap augmentation: of J each)
  uint64_t limit = blocks * 4 * (100 / std::max(ready_pct, 1)) + 10000;
  bool done = false;
  // With every weight block there at start_i (not staged), every row runs
  // pass-inner: a tile's P beats in pass order, then the next tile's.
  int ny = 0, nx = 0, nn = 0;
  Bits bm(Pix * MacCo * 32), ba(Pix * AddCo * 32);
  auto check = [&](const Bits &b, int off, int code, int oy, int cx, const char *arr) {
    int f = code / J, ox = cx * J + code % J;  // J = 1 but with tap augmentation
    if (ox >= ow) return;
    int64_t got = (int32_t)b.get(off, 32) - (int64_t)L.zp * sw[f];
    int64_t want = ref(f, oy, ox);
    seen[((size_t)oy * ow + ox) * nf + f]++;
    if (got != want && bad++ == 0)
      snprintf(r.why, sizeof r.why, "%s y %d x %d f %d: %" PRId64 ", want %" PRId64, arr, oy, ox,
               f, got, want);
  };
  for (uint64_t t = 0; t < limit && !done; t++) {
    if (staged) {
      if (t % 3 == 2 && rows_rel < (unsigned)C.in_h) d->rows_avail_i = ++rows_rel;
      if (w_rel < V2_WDEPTH) d->w_avail_i = ++w_rel;
    }
    d->out_ready_i = (int)(rnd() % 100) < ready_pct;
    d->eval();
    if (d->done_o) {
      done = true;
      r.cycles = d->cycles_o;
      r.busy = d->busy_cycles_o;
      r.stall = d->stall_cycles_o;
      r.scale_stall = d->scale_stall_cycles_o;
    }
    if (d->out_valid_o && d->out_ready_i) {
      int oy = d->out_y_o, x0 = d->out_x_o, n = d->out_pass_o;
      take(d->out_mac_o, bm);
      take(d->out_add_o, ba);
      if (!staged && (oy != ny || x0 != nx || n != nn) && bad++ == 0)
        snprintf(r.why, sizeof r.why, "beat y %d x %d pass %d, want y %d x %d pass %d (pass-inner)",
                 oy, x0, n, ny, nx, nn);
      if (++nn == P) {
        nn = 0;
        nx += Pix;
        if (nx >= cw) nx = 0, ny++;
      }
      if (oy >= oh || x0 >= cw || x0 % Pix || n >= P) {
        if (bad++ == 0) snprintf(r.why, sizeof r.why, "beat with y %d x %d pass %d", oy, x0, n);
      } else {
        for (int p = 0; p < Pix && x0 + p < cw; p++) {
          for (int o = 0; o < MacCo; o++) {
            int f = macmap[(size_t)n * MacCo + o];
            if (f >= 0) check(bm, (p * MacCo + o) * 32, f, oy, x0 + p, "int8");
          }
          for (int o = 0; o < AddCo; o++) {
            int f = addmap[(size_t)n * AddCo + o];
            if (f >= 0) check(ba, (p * AddCo + o) * 32, f, oy, x0 + p, "tern");
          }
        }
      }
    }
    tb.tick();
  }
  d->out_ready_i = 0;
  if (!done && bad++ == 0) snprintf(r.why, sizeof r.why, "no done_o in %" PRIu64 " cycles", limit);
  if (d->out_valid_o && bad++ == 0) snprintf(r.why, sizeof r.why, "output left after done_o");
  for (size_t i = 0; i < seen.size() && !bad; i++)
    if (seen[i] != 1) {
      bad++;
      snprintf(r.why, sizeof r.why, "output y %zu x %zu f %zu came out %d times",
               i / nf / ow, i / nf % ow, i % nf, seen[i]);
    }
  // every block of every tile is one busy cycle
  if (!bad && r.busy != blocks) {
    bad++;
    snprintf(r.why, sizeof r.why, "busy cycles %" PRIu64 ", blocks %" PRIu64, r.busy, blocks);
  }
  r.ok = bad == 0;
  return r;
}

static void describe(const Layer &L, char *buf, size_t n) {
  static const char *const modes[] = {"conv", "depthwise", "GAP"};
  snprintf(buf, n,
           "%s%s %dx%dx%d k%dx%d s%d pad t%d b%d l%d r%d -> %dx%d int8 %d tern %d G %d zp %d",
           modes[L.mode], !L.aug ? "" : L.mode ? " tap-augmented" : " augmented", L.in_h, L.in_w, L.cin, L.kh, L.kw, L.s, L.pt, L.pb, L.pl, L.pr,
           L.out_h(), L.out_w(), L.n_mac, L.n_add, L.mode ? L.g : L.g * Ci, L.zp);
}

static int random_zp() {
  int z = rnd_int(0, 5);
  return z == 0 ? -128 : z == 1 ? 127 : z == 2 ? 0 : rnd_int(-128, 127);
}

static Layer random_layer() {
  for (;;) {
    Layer L;
    static const int ks[][2] = {{1, 1}, {3, 3}, {1, 3}, {3, 1}, {2, 2}, {3, 3}, {1, 1},
                                {5, 5}, {7, 7}, {1, 7}};
    int ki = rnd() % 8 ? rnd_int(0, 6) : rnd_int(7, 9);
    L.kh = ks[ki][0];
    L.kw = ks[ki][1];
    L.s = rnd_int(1, 2);
    L.in_h = rnd_int(1, 9);
    L.in_w = rnd_int(1, 4 * Pix + 3);
    L.cin = rnd_int(1, 3 * Ci + 1);
    int pmax = std::min(3, L.kh - 1), pmaxw = std::min(3, L.kw - 1);
    L.pt = rnd_int(0, pmax);
    L.pb = rnd_int(0, pmax);
    L.pl = rnd_int(0, pmaxw);
    L.pr = rnd_int(0, pmaxw);
    if (rnd() % 3 == 0) {  // "same" padding
      L.pt = L.pb = (L.kh - 1) / 2;
      L.pl = L.pr = (L.kw - 1) / 2;
    }
    L.n_mac = rnd_int(0, 2 * MacCo + 1);
    L.n_add = rnd_int(0, 2 * AddCo + 1);
    if (L.n_mac + L.n_add == 0) L.n_mac = 1;
    L.zp = random_zp();
    L.g = 0;
    L.mode = 0;
    L.aug = 0;
    if (Fine && rnd() % 3 == 0) {  // fine ternary groups: G = g Ci, cin a multiple of G
      L.g = rnd_int(1, 3);
      L.cin = L.g * Ci * rnd_int(1, 2);
      if (L.n_add == 0) L.n_add = rnd_int(1, 2 * AddCo + 1);
    } else if (rnd() % 6 == 0) {  // channel augmentation, mostly few channels
      L.aug = 1;
      if (rnd() % 2) L.cin = rnd_int(1, 4);
    }
    if (L.fits()) return L;
  }
}

// Depthwise: kernels 1x1 .. 7x7 (mostly square, 3x3 most often), strides 1
// and 2, pads 0..3 (below the kernel), channels of both kinds at random
// positions (sometimes one kind only), fine ternary groups of 1 .. kh kw taps
// on a quarter of the layers.
static Layer random_depthwise() {
  for (;;) {
    Layer L;
    L.mode = 1;
    L.aug = 0;
    L.kh = rnd() % 3 ? 3 : rnd_int(1, 7);
    L.kw = rnd() % 4 ? L.kh : rnd_int(1, 7);
    L.s = rnd_int(1, 2);
    L.in_h = rnd_int(1, 10);
    L.in_w = rnd_int(1, 4 * Pix + 3);
    L.cin = rnd_int(1, 3 * Ci + 1);
    L.pt = rnd_int(0, std::min(3, L.kh - 1));
    L.pb = rnd_int(0, std::min(3, L.kh - 1));
    L.pl = rnd_int(0, std::min(3, L.kw - 1));
    L.pr = rnd_int(0, std::min(3, L.kw - 1));
    if (rnd() % 3 == 0) {  // "same" padding
      L.pt = L.pb = (L.kh - 1) / 2;
      L.pl = L.pr = (L.kw - 1) / 2;
    }
    int split = rnd_int(0, 5);
    L.n_mac = split == 0 ? 0 : split == 1 ? L.cin : rnd_int(0, L.cin);
    L.n_add = L.cin - L.n_mac;
    L.zp = random_zp();
    L.g = Fine && rnd() % 4 == 0 ? rnd_int(1, L.kh * L.kw) : 0;
    if (!L.g && rnd() % 3 == 0 && Ci / L.kw >= 1) L.aug = rnd_int(1, Ci / L.kw);  // taps in lanes
    if (L.fits()) return L;
  }
}

// GAP: the whole input, up to what the banks hold.
static Layer random_gap() {
  for (;;) {
    Layer L;
    L.mode = 2;
    L.aug = 0;
    L.in_h = rnd() % 2 ? rnd_int(1, 8) : rnd_int(8, 20);
    L.in_w = rnd() % 2 ? rnd_int(1, 8) : rnd_int(8, 24);
    L.kh = L.in_h;
    L.kw = L.in_w;
    L.s = 1;
    L.pt = L.pb = L.pl = L.pr = 0;
    L.cin = rnd_int(1, 3 * Ci + 1);
    int split = rnd_int(0, 3);
    L.n_mac = split == 0 ? 0 : split == 1 ? L.cin : rnd_int(0, L.cin);
    L.n_add = L.cin - L.n_mac;
    L.zp = random_zp();
    L.g = 0;
    if (L.fits()) return L;
  }
}

int main(int argc, char **argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  uint64_t seed = 1;
  int nlayers = 600;
  bool bench_only = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 0);
    else if (!strcmp(argv[i], "--layers") && i + 1 < argc) nlayers = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bench-only")) bench_only = true;
  }
  rng_state = seed;
  printf("test_v2_core: Pix %d, Ci %d, MacCo %d, AddCo %d, seed %" PRIu64 " (--seed N replays)\n",
         Pix, Ci, MacCo, AddCo, seed);
  Tb tb(argc, argv);
  int passed = 0, failed = 0;
  char desc[200];

  // Fixed corner layers first, then random ones.
  std::vector<Layer> layers = {
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0},            // one MAC
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 5},            // one ternary MAC
      {3, 3, 3, 3, 3, 1, 1, 1, 1, 1, MacCo, AddCo, -128}, // every output padded
      {5, 2 * Pix + 1, Ci + 1, 3, 3, 2, 1, 1, 1, 1, MacCo + 1, AddCo + 1, 127},
      {4, 4 * Pix, 2 * Ci, 1, 1, 1, 0, 0, 0, 0, 2 * MacCo, 2 * AddCo, 3},  // pointwise
      {3, 2 * Pix - 1, Ci, 1, 3, 1, 0, 0, 1, 1, MacCo - 1, 1, -7},           // 1x3
      {6, 2 * Pix + 3, 2, 3, 3, 2, 0, 0, 0, 0, 1, 2 * AddCo + 1, 0},         // stride 2, no pad
      {3, 2 * Pix + 1, Ci, 3, 3, 1, 1, 1, 1, 1, 1, AddCo + 1, -128, 1},      // groups of Ci
      {2, Pix + 1, 4 * Ci, 1, 1, 1, 0, 0, 0, 0, 0, 2 * AddCo, 9, 2},          // groups of 2 Ci
      // channel augmentation (conv1-like: 3 channels, 3x3 s2; 5x5 s1 same)
      {9, 2 * Pix + 5, 3, 3, 3, 2, 0, 1, 0, 1, MacCo + 1, 1, -128, 0, 0, 1},
      {6, 2 * Pix + 3, 2, 5, 5, 1, 2, 2, 2, 2, 1, AddCo, 127, 0, 0, 1},
  };
  // depthwise and GAP corners: one channel, every output padded, a 7x7 window,
  // stride 2 with the largest pads, both kinds in one block; GAP 7x7 and 14x14
  std::vector<Layer> dw_layers = {
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1},
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 5, 0, 1},
      {3, 3, 2 * Ci + 1, 3, 3, 1, 1, 1, 1, 1, Ci, Ci + 1, -128, 0, 1},
      {9, 3 * Pix + 2, Ci, 7, 7, 1, 3, 3, 3, 3, Ci / 2, Ci - Ci / 2, 127, 0, 1},
      {8, 4 * Pix + 1, Ci + 3, 7, 7, 2, 3, 3, 3, 3, Ci, 3, 17, 0, 1},
      {7, 2 * Pix + 1, 2 * Ci, 3, 3, 2, 0, 1, 0, 1, Ci, Ci, -3, 0, 1},
      {5, 2 * Pix + 3, Ci, 3, 3, 1, 1, 1, 1, 1, 1, Ci - 1, -128, 4, 1},  // groups of 4 taps
      {7, 7, 2 * Ci + 1, 7, 7, 1, 0, 0, 0, 0, Ci, Ci + 1, -128, 0, 2},
      {14, 14, Ci + 2, 14, 14, 1, 0, 0, 0, 0, Ci + 2, 0, 127, 0, 2},
      {1, 1, 3, 1, 1, 1, 0, 0, 0, 0, 1, 2, 0, 0, 2},
      // depthwise with taps in lanes (one and two channels per block)
      {7, 3 * Pix + 1, Ci + 2, 3, 3, 1, 1, 1, 1, 1, 2, Ci, -128, 0, 1, 1},
      {9, 4 * Pix + 3, Ci + 1, 3, 3, 2, 0, 1, 0, 1, Ci, 1, 127, 0, 1, 1},
      {6, 4 * Pix + 1, 2 * Ci, 1, 1, 2, 0, 0, 0, 0, Ci, Ci, 127, 0, 1, 2},
  };
  if (!bench_only) {
    layers.insert(layers.end(), dw_layers.begin(), dw_layers.end());
    for (int i = 0; i < nlayers; i++) {
      int m = rnd() % 10;  // 60% convolutions, 30% depthwise, 10% GAP
      layers.push_back(m < 6 ? random_layer() : m < 9 ? random_depthwise() : random_gap());
    }
  }
  if (bench_only) layers.clear();
  for (size_t i = 0; i < layers.size(); i++) {
    const Layer &L = layers[i];
    if (L.g && !Fine) continue;  // fine groups: not in this model
    if (!L.fits()) {
      describe(L, desc, sizeof desc);
      printf("FAIL layer %zu (%s): does not fit the buffers\n", i, desc);
      failed++;
      continue;
    }
    int ready = i % 3 == 0 ? 100 : i % 3 == 1 ? 50 : 10;
    Result r = run_layer(tb, L, ready);
    describe(L, desc, sizeof desc);
    if (r.ok) {
      passed++;
      if (i < 24)
        printf("PASS layer %zu (%s), ready %d%%: %" PRIu64 " cycles\n", i, desc, ready, r.cycles);
    } else {
      failed++;
      printf("FAIL layer %zu (%s), ready %d%%: %s\n", i, desc, ready, r.why);
    }
  }
  if (!bench_only) printf("(%zu layers in all)\n", layers.size());

  // Utilization of MobileNet-like shapes, output always ready: useful MACs /
  // (cycles x MACs of the array the filters use), and busy cycles / cycles.
  struct Shape {
    const char *name;
    Layer L;
  } shapes[] = {
      {"3x3 s1 32->32 int8, 16x16", {16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 32, 0, 0}},
      {"3x3 s2 32->64 int8, 16x16", {16, 16, 32, 3, 3, 2, 0, 1, 0, 1, 64, 0, 0}},
      {"1x1 64->64 int8, 16x16", {16, 16, 64, 1, 1, 1, 0, 0, 0, 0, 64, 0, 0}},
      {"1x1 64->64 tern, 16x16", {16, 16, 64, 1, 1, 1, 0, 0, 0, 0, 0, 64, 0}},
      {"1x1 64->64 hybrid 1:1, 16x16", {16, 16, 64, 1, 1, 1, 0, 0, 0, 0, 32, 32, 0}},
      {"1x1 128->128 int8, 8x8", {8, 8, 128, 1, 1, 1, 0, 0, 0, 0, 128, 0, 0}},
      // the shortest tiles: K = 1 and 2 blocks (output slots' round trip)
      {"1x1 Ci->64 int8, 16x16 (K 1)", {16, 16, Ci, 1, 1, 1, 0, 0, 0, 0, 64, 0, 0}},
      {"1x1 2Ci->64 int8, 16x16 (K 2)", {16, 16, 2 * Ci, 1, 1, 1, 0, 0, 0, 0, 64, 0, 0}},
      // fine ternary groups: G = Ci ends a group every block (scale stalls), 4 Ci
      {"1x1 4Ci->64 tern G Ci, 16x16", {16, 16, 4 * Ci, 1, 1, 1, 0, 0, 0, 0, 0, 64, 0, 1}},
      {"1x1 4Ci->64 tern G 4Ci, 16x16", {16, 16, 4 * Ci, 1, 1, 1, 0, 0, 0, 0, 0, 64, 0, 4}},
      // MobileNet-V1 1.0/224's first conv and pointwise layers (larger models only)
      {"mbv1 conv1 3x3 s2 3->32 224", {224, 224, 3, 3, 3, 2, 0, 1, 0, 1, 32, 0, 0}},
      {"mbv1 pw 112x112 32->64", {112, 112, 32, 1, 1, 1, 0, 0, 0, 0, 64, 0, 0}},
      {"mbv1 pw 28x28 256->256", {28, 28, 256, 1, 1, 1, 0, 0, 0, 0, 256, 0, 0}},
      {"mbv1 pw 14x14 512->512", {14, 14, 512, 1, 1, 1, 0, 0, 0, 0, 512, 0, 0}},
      {"mbv1 pw 14x14 512->512 1:3", {14, 14, 512, 1, 1, 1, 0, 0, 0, 0, 128, 384, 0}},
      {"mbv1 pw 7x7 1024->1024", {7, 7, 1024, 1, 1, 1, 0, 0, 0, 0, 1024, 0, 0}},
      // row-spanning tiles for 1x1 stride-1 layers: the caller describes the
      // layer as one row of h w pixels (engine-v2.md); channel augmentation of conv1
      {"mbv1 pw 14x14 512->512 as 1x196", {1, 196, 512, 1, 1, 1, 0, 0, 0, 0, 512, 0, 0}},
      {"mbv1 pw 14x14 1:3 as 1x196", {1, 196, 512, 1, 1, 1, 0, 0, 0, 0, 128, 384, 0}},
      {"mbv1 pw 7x7 1024->1024 as 1x49", {1, 49, 1024, 1, 1, 1, 0, 0, 0, 0, 1024, 0, 0}},
      {"mbv1 conv1 augmented (kw cin = 9)", {224, 224, 3, 3, 3, 2, 0, 1, 0, 1, 32, 0, 0, 0, 0, 1}},
      // depthwise and GAP (modes 1, 2): small shapes, then MobileNet-V1's
      {"dw 3x3 s1 32 int8, 16x16", {16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 32, 0, 0, 0, 1}},
      {"dw 3x3 s1 32 hybrid 1:3, 16x16", {16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 8, 24, 0, 0, 1}},
      {"GAP 7x7x64 int8", {7, 7, 64, 7, 7, 1, 0, 0, 0, 0, 64, 0, 0, 0, 2}},
      {"mbv1 dw 112x112x32 s1", {112, 112, 32, 3, 3, 1, 1, 1, 1, 1, 32, 0, 0, 0, 1}},
      {"mbv1 dw 112x112x64 s2", {112, 112, 64, 3, 3, 2, 0, 1, 0, 1, 64, 0, 0, 0, 1}},
      {"mbv1 dw 14x14x512 s1", {14, 14, 512, 3, 3, 1, 1, 1, 1, 1, 512, 0, 0, 0, 1}},
      {"mbv1 dw 14x14x512 s1 1:3", {14, 14, 512, 3, 3, 1, 1, 1, 1, 1, 128, 384, 0, 0, 1}},
      {"mbv1 dw 7x7x1024 s1", {7, 7, 1024, 3, 3, 1, 1, 1, 1, 1, 1024, 0, 0, 0, 1}},
      {"mbv1 GAP 7x7x1024", {7, 7, 1024, 7, 7, 1, 0, 0, 0, 0, 1024, 0, 0, 0, 2}},
      // depthwise with taps in lanes (Cg channels of Ci / Cg columns per word)
      {"mbv1 dw 112x112x32 s1 taps Cg 1", {112, 112, 32, 3, 3, 1, 1, 1, 1, 1, 32, 0, 0, 0, 1, 1}},
      {"mbv1 dw 112x112x64 s2 taps Cg 2", {112, 112, 64, 3, 3, 2, 0, 1, 0, 1, 64, 0, 0, 0, 1, 2}},
      {"mbv1 dw 14x14x512 s1 taps Cg 4", {14, 14, 512, 3, 3, 1, 1, 1, 1, 1, 512, 0, 0, 0, 1, 4}},
      {"mbv1 dw 14x14x512 1:3 taps Cg 4",
       {14, 14, 512, 3, 3, 1, 1, 1, 1, 1, 128, 384, 0, 0, 1, 4}},
  };
  for (auto &sh : shapes) {
    const Layer &L = sh.L;
    if (!L.fits()) {
      printf("util %-32s: does not fit this model's buffers\n", sh.name);
      continue;
    }
    Result r = run_layer(tb, L, 100);
    // a depthwise or GAP channel: kh kw MACs (adds) per output pixel
    double per = (double)L.out_h() * L.out_w() * L.kh * L.kw * (L.mode ? 1 : L.cin);
    double macs_m = per * L.n_mac, macs_t = per * L.n_add;
    double arr_m = (double)Pix * Ci * MacCo, arr_t = (double)Pix * Ci * AddCo;
    double util = (macs_m + macs_t) /
                  ((double)r.cycles * ((L.n_mac ? arr_m : 0) + (L.n_add ? arr_t : 0)));
    printf("util %-32s: %s, %" PRIu64 " cycles, busy %.1f%%, stall %" PRIu64 " (scale %" PRIu64
           "), MAC utilization %.1f%% (int8 array %.1f%%, ternary array %.1f%%)\n",
           sh.name, r.ok ? "ok" : "WRONG", r.cycles, 100.0 * r.busy / r.cycles, r.stall,
           r.scale_stall,
           100.0 * util, 100.0 * macs_m / (r.cycles * arr_m), 100.0 * macs_t / (r.cycles * arr_t));
    if (L.mode)  // the feeder's bound for these modes: Pix x Ci channel-taps per cycle
      printf("     %-32s  of Pix x Ci per cycle: %.1f%%\n", "",
             100.0 * (macs_m + macs_t) / ((double)r.cycles * Pix * Ci));
    if (r.ok) passed++;
    else {
      failed++;
      printf("FAIL %s: %s\n", sh.name, r.why);
    }
  }

  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
