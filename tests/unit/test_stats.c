/*
 * test_stats.c - the cost model (hta_stats.h) against hand-computed values
 * on small hand-built layers of every kind and op (the arithmetic of each
 * expected value is in the comment above it), the exact sizes against the
 * section sizes of the written .hta files, energy tables, options,
 * normalisation, and the per-array work of hta info / hta bench.
 * Never against the paper's totals: those are what the model is compared to.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta_hw_config.h"
#include "hta_model.h"
#include "hta_stats.h"
#include "hta_zoo.h"
#include "util.h"

/* Output-stage arrays shared by every test layer (values do not matter). */
static const int32_t zeros32[16];
static const uint8_t zeros8[16];

static hta_layer base_layer(hta_op op, int h, int w, int in_c, int out_c, int k, int stride,
                            int pad) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = op;
  l.in_h = h, l.in_w = w, l.in_c = in_c, l.out_c = out_c;
  l.kh = l.kw = k, l.stride = stride;
  l.pad_t = l.pad_b = l.pad_l = l.pad_r = pad;
  l.act_min = -128, l.act_max = 127;
  l.bias = zeros32, l.mult = zeros32, l.shift = zeros8;
  return l;
}

static hta_stats_opts opts(hta_accounting a, int fp_bits, hta_energy_table e, double r) {
  hta_stats_opts o = {a, fp_bits, e, r};
  return o;
}

static void check_near(const char *name, double got, double want) {
  check(fabs(got - want) <= 1e-9 * (fabs(want) + 1), name, "got %.10g, want %.10g", got, want);
}

/* The integer figures of c against the hand-computed ones. */
static void check_counts(const char *what, const hta_cost *c, uint64_t params, uint64_t bits,
                         uint64_t mults, uint64_t adds, uint64_t nz) {
  char n[160];
  snprintf(n, sizeof n, "%s: params", what);
  check_int(n, (int64_t)c->params, (int64_t)params);
  snprintf(n, sizeof n, "%s: size bits", what);
  check_int(n, (int64_t)c->size_bits, (int64_t)bits);
  snprintf(n, sizeof n, "%s: mults", what);
  check_int(n, (int64_t)c->mults, (int64_t)mults);
  snprintf(n, sizeof n, "%s: adds", what);
  check_int(n, (int64_t)c->adds, (int64_t)adds);
  snprintf(n, sizeof n, "%s: adds over nonzero weights", what);
  check_int(n, (int64_t)c->adds_nonzero, (int64_t)nz);
}

static int stats(const hta_layer *l, hta_stats_opts o, hta_cost *c) {
  char err[200] = "";
  const int rc = hta_stats_layer(l, &o, c, err, sizeof err);
  if (rc) check(0, "hta_stats_layer", "%s", err);
  return rc;
}

/* ---- CONV2D 4x4x2 -> 3, 3x3, pad 1: one INT8, one TERNARY, one BINARY ---- */
static int8_t c_w[3 * 18], c_t[3 * 18];
static const uint8_t c_kind[3] = {HTA_KIND_INT8, HTA_KIND_TERNARY, HTA_KIND_BINARY};
static const uint8_t c_alpha[3] = {0, 7, 9};

static hta_layer conv_layer(void) {
  hta_layer l = base_layer(HTA_OP_CONV2D, 4, 4, 2, 3, 3, 1, 1);
  for (int k = 0; k < 18; k++) {
    c_w[k] = (int8_t)(k % 3 == 0 ? 0 : k + 1);                    /* 12 nonzero */
    c_t[18 + k] = (int8_t)(k % 2 == 0 ? 0 : k % 4 == 1 ? 1 : -1); /* 9 nonzero */
    c_t[36 + k] = (int8_t)(k % 5 == 0 ? -1 : 1);                  /* binary: 18 */
  }
  l.kind = c_kind, l.w = c_w, l.t = c_t, l.alpha = c_alpha;
  return l;
}

static void test_conv(void) {
  hta_layer l = conv_layer();
  hta_cost c;
  /* K = 18, 16 output pixels. params 3 x (18 + 1) = 57. Bits at 16: INT8
   * 19 x 16 = 304, TERNARY 19 x 2 = 38, BINARY 19 x 1 = 19: 361. Mults: INT8
   * 18 x 16 = 288, one scale each for TERNARY and BINARY 2 x 16: 320. Adds:
   * 3 x 18 x 16 = 864. Nonzero: (12 + 9 + 18) x 16 = 624. */
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("conv2d paper", &c, 57, 361, 320, 864, 624);
  check_int("conv2d: kinds", c.n_kind[0] * 100 + c.n_kind[1] * 10 + c.n_kind[2], 111);
  /* 320 x 3.7 + 864 x 0.9 */
  check_near("conv2d: energy fp32", c.energy_pj, 1961.6);
  /* 320 + (864 - 320) / 2 */
  check_near("conv2d: cost R=2", c.cost, 592);
  /* Traffic, 4-byte activations: weights 361/8 = 45.125 B; SRAM 16 x (18 x 4
   * + 45.125) = 1874; DRAM 45.125 + (32 + 48) x 4 = 365.125; energy
   * 1961.6 + 1874/4 x 5 + 365.125/4 x 640 = 62724.1. */
  check_near("conv2d: SRAM bytes", c.sram_bytes, 1874);
  check_near("conv2d: DRAM bytes", c.dram_bytes, 365.125);
  check_near("conv2d: energy with memory", c.energy_mem_pj, 62724.1);
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP16, 2), &c)) return;
  check_near("conv2d: energy fp16 (320 x 1.1 + 864 x 0.4)", c.energy_pj, 697.6);
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_INT8, 4), &c)) return;
  check_near("conv2d: energy int8 (320 x 0.2 + 864 x 0.1)", c.energy_pj, 150.4);
  check_near("conv2d: cost R=4 (320 + 544 / 4)", c.cost, 456);
  /* SRAM with 1-byte activations: 16 x (18 + 45.125) */
  check_near("conv2d: SRAM bytes, int8 activations", c.sram_bytes, 1010);
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 32, HTA_ENERGY_FP32, 2), &c)) return;
  check_int("conv2d: bits at fp32 (19 x 32 + 38 + 19)", (int64_t)c.size_bits, 665);
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 8, HTA_ENERGY_FP32, 2), &c)) return;
  check_int("conv2d: bits at fp8 (19 x 8 + 38 + 19)", (int64_t)c.size_bits, 209);
  /* EXACT: + 3 x 16 bias adds and requantization mults; file bytes: record
   * 280 + kind 3 + w 18 + ternary ceil(18/4) 5 + binary ceil(18/8) 3 +
   * alpha 2 + bias 12 + mult 12 + shift 3 = 338. */
  if (stats(&l, opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("conv2d exact", &c, 57, 338 * 8, 368, 912, 672);
}

/* ---- POINTWISE 2x2x8 -> 2, ternary in groups of 4 ---- */
static void test_groups(void) {
  static int8_t t[16];
  static const uint8_t kind[2] = {HTA_KIND_TERNARY, HTA_KIND_TERNARY};
  static const uint8_t alpha[4] = {1, 2, 3, 4};
  for (int k = 0; k < 8; k++) t[k] = 1; /* 8 nonzero */
  t[8] = 1, t[15] = -1;                 /* 2 nonzero */
  hta_layer l = base_layer(HTA_OP_POINTWISE, 2, 2, 8, 2, 1, 1, 0);
  l.kind = kind, l.t = t, l.alpha = alpha, l.group = 4;
  hta_cost c;
  /* K = 8, NG = 2, 4 pixels. params 2 x 9; bits 18 x 2. Mults: 2 filters x 2
   * scales x 4 = 16. Adds: 2 x (8 + 2 - 1) x 4 = 72. Nonzero: (8 + 1) x 4 +
   * (2 + 1) x 4 = 48. fp16 energy 16 x 1.1 + 72 x 0.4 = 46.4. */
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP16, 2), &c)) return;
  check_counts("groups of 4 paper", &c, 18, 36, 16, 72, 48);
  check_near("groups of 4: energy fp16", c.energy_pj, 46.4);
  /* file: 280 + kind 2 + ternary 16/4 = 4 + alpha 2 x 2 + bias 8 + mult 8 +
   * shift 2 = 308 */
  if (stats(&l, opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP16, 2), &c)) return;
  check_counts("groups of 4 exact", &c, 18, 308 * 8, 16 + 8, 72 + 8, 48 + 8);
}

/* ---- POINTWISE 3x3x4 -> 5: one INT8 filter, four STRASSEN with r = 3 ---- */
static const int8_t s_w[5 * 4] = {1, 2, 0, 3};                              /* 3 nonzero */
static const int8_t s_wb[3 * 4] = {1, 0, -1, 1, 0, 0, 1, 0, -1, -1, -1, -1}; /* 8 */
static const int8_t s_wc[5 * 3] = {0, 0, 0, 1, 0, -1, 0, 0, 1, 1, 1, 1, -1, 0, 0}; /* 7 */
static const int32_t s_hmul[3] = {1 << 30, 1 << 30, 1 << 30};
static const uint8_t s_hshift[3] = {1, 2, 3};
static const uint8_t s_kind[5] = {HTA_KIND_INT8, HTA_KIND_STRASSEN, HTA_KIND_STRASSEN,
                                  HTA_KIND_STRASSEN, HTA_KIND_STRASSEN};

static void test_strassen_pointwise(void) {
  hta_layer l = base_layer(HTA_OP_POINTWISE, 3, 3, 4, 5, 1, 1, 0);
  l.kind = s_kind, l.w = s_w, l.r = 3, l.wb = s_wb, l.wc = s_wc, l.hmul = s_hmul,
  l.hshift = s_hshift;
  hta_cost c;
  /* K = 4, 9 pixels, r = 3. params: INT8 4 + 1; STRASSEN filters 4 x (3 + 1);
   * block W_b 3 x 4 + a^ 3: 36. Bits: 5 x 16 + 16 x 2 + 12 x 2 + 3 x 16 = 184.
   * Mults: INT8 4 x 9 + a^ 3 x 9 = 63. Adds: INT8 36 + W_c 4 x 3 x 9 + W_b
   * 3 x 4 x 9 = 252 (the strassen part is r (c_in + c_out) = 24 per pixel).
   * Nonzero: 3 x 9 + 7 x 9 + 8 x 9 = 162. */
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("strassen pointwise paper", &c, 36, 184, 63, 252, 162);
  check_int("strassen pointwise: kinds", c.n_kind[0] * 10 + c.n_kind[3], 14);
  /* file: 280 + kind 5 + w 4 + bias 20 + mult 20 + shift 5 + wb ceil(12/4) 3 +
   * hmul 12 + hshift 3 + wc ceil(12/4) 3 = 355; + 5 x 9 requant and bias */
  if (stats(&l, opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("strassen pointwise exact", &c, 36, 355 * 8, 108, 297, 207);
}

/* ---- DEPTHWISE 3x3x2, 3x3 valid: channel 0 STRASSEN (r = 2), 1 INT8 ---- */
static void test_strassen_depthwise(void) {
  static int8_t wb[2 * 2 * 9], w[2 * 9];
  static const int8_t wc[2 * 2] = {1, -1, 0, 0};
  static const int32_t hmul[4] = {1 << 30, 1 << 30, 0, 0};
  static const uint8_t hshift[4] = {0, 0, 0, 0};
  static const uint8_t kind[2] = {HTA_KIND_STRASSEN, HTA_KIND_INT8};
  for (int k = 0; k < 18; k++) wb[k] = (int8_t)(k < 2 ? 0 : 1); /* channel 0: 16 nonzero */
  for (int k = 0; k < 9; k++) w[9 + k] = 1;                      /* channel 1: 9 nonzero */
  hta_layer l = base_layer(HTA_OP_DEPTHWISE, 3, 3, 2, 2, 3, 1, 0);
  l.kind = kind, l.w = w, l.r = 2, l.wb = wb, l.wc = wc, l.hmul = hmul, l.hshift = hshift;
  hta_cost c;
  /* K = 9, 1 pixel, r = 2 per STRASSEN channel. params: INT8 10; STRASSEN
   * filter 2 + 1; its block 2 x 9 + 2: 33. Bits: 160 + 6 + 36 + 32 = 234.
   * Mults: 9 + 2 = 11. Adds: 9 + W_c 2 + W_b 18 = 29. Nonzero 9 + 2 + 16. */
  if (stats(&l, opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("strassen depthwise paper", &c, 33, 234, 11, 29, 27);
  /* window of a depthwise pixel: 3 x 3 x 2 values; SRAM 1 x (18 x 4 +
   * 234/8) = 101.25 */
  check_near("strassen depthwise: SRAM bytes", c.sram_bytes, 101.25);
  /* file: 280 + kind 2 + w 9 + bias 8 + mult 8 + shift 2 + wb ceil(18/4) 5 +
   * hmul 8 + hshift 2 + wc ceil(2/4) 1 = 325 */
  if (stats(&l, opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2), &c)) return;
  check_counts("strassen depthwise exact", &c, 33, 325 * 8, 13, 31, 29);
}

/* ---- GAP 2x2x3, then FC 3 -> 2 (one BINARY, one INT8): also a model ---- */
static const int8_t f_t[2 * 3] = {1, -1, 1, 0, 0, 0};
static const int8_t f_w[2 * 3] = {0, 0, 0, 0, 5, -5}; /* 2 nonzero */
static const uint8_t f_kind[2] = {HTA_KIND_BINARY, HTA_KIND_INT8};
static const uint8_t f_alpha[2] = {3, 0};

static void gap_fc(hta_layer *gap, hta_layer *fc) {
  *gap = base_layer(HTA_OP_GAP, 2, 2, 3, 3, 1, 1, 0);
  *fc = base_layer(HTA_OP_FC, 1, 1, 3, 2, 1, 1, 0);
  fc->kind = f_kind, fc->t = f_t, fc->w = f_w, fc->alpha = f_alpha;
}

static void test_gap_fc(void) {
  hta_layer ls[2];
  gap_fc(&ls[0], &ls[1]);
  hta_cost c[2], tot;
  /* GAP: K = 4 adds per channel, 1 scaling mult; no parameters. */
  if (stats(&ls[0], opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2), &c[0])) return;
  check_counts("gap paper", &c[0], 0, 0, 3, 12, 12);
  /* EXACT: the requantization multiply is the scaling (still 3), + 3 bias
   * adds; file 280 + bias 12 + mult 12 + shift 3 = 307 */
  if (stats(&ls[0], opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2), &c[0])) return;
  check_counts("gap exact", &c[0], 0, 307 * 8, 3, 15, 15);
  /* FC: K = 3. params 2 x 4; bits 4 x 1 + 4 x 16 = 68; mults: scale 1 +
   * INT8 3 = 4; adds 3 + 3; nonzero 3 + 2 */
  if (stats(&ls[1], opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2), &c[1])) return;
  check_counts("fc paper", &c[1], 8, 68, 4, 6, 5);
  /* file: 280 + kind 2 + w 3 + binary ceil(3/8) 1 + alpha 1 + 8 + 8 + 2 = 305 */
  if (stats(&ls[1], opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2), &c[1])) return;
  check_counts("fc exact", &c[1], 8, 305 * 8, 6, 8, 7);

  char err[200] = "";
  hta_stats_opts o = opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2);
  hta_cost pl[2];
  if (!check(hta_stats_layers(ls, 2, &o, pl, &tot, err, sizeof err) == 0, "layers: gap + fc",
             "%s", err))
    return;
  check_counts("layers: total is the sum", &tot, 8, 68, 7, 18, 17);
  check_near("layers: energy total", tot.energy_pj, 7 * 3.7 + 18 * 0.9);
  check_near("layers: cost total", tot.cost, pl[0].cost + pl[1].cost);
}

/* ---- exact sizes are the file's sections ---- */


/* Per-layer exact sizes against the LAYERS + TENSORS sections of the file m
 * writes, and the model total against the file length. */
static void check_file_sizes(const char *what, const hta_model *m) {
  char name[160], err[200] = "";
  uint8_t *buf = NULL;
  size_t len = 0;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  hta_cost *pl = calloc((size_t)mi.n_layers, sizeof *pl), tot;
  hta_stats_opts o = opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2);
  snprintf(name, sizeof name, "%s: written and counted", what);
  if (!check(pl && hta_model_write_mem(m, &buf, &len) == 0 &&
                 hta_stats_model(m, &o, pl, &tot, err, sizeof err) == 0,
             name, "%s", err)) {
    free(pl);
    free(buf);
    return;
  }
  uint64_t sum = 0;
  for (int i = 0; i < mi.n_layers; i++) sum += pl[i].size_bits / 8;
  /* section table entry s at 32 + 32 s: u64 length at +16 (model-format.md) */
  const uint64_t info = hta_ld_le64(buf + 32 + 16), layers = hta_ld_le64(buf + 64 + 16),
                 tensors = hta_ld_le64(buf + 96 + 16);
  snprintf(name, sizeof name, "%s: layers' exact sizes = LAYERS + TENSORS sections", what);
  check_int(name, (int64_t)sum, (int64_t)(layers + tensors));
  snprintf(name, sizeof name, "%s: model exact size = file size", what);
  check_int(name, (int64_t)(tot.size_bits / 8), (int64_t)len);
  snprintf(name, sizeof name, "%s: the rest is header, table and INFO", what);
  check_int(name, (int64_t)(tot.size_bits / 8 - sum), (int64_t)(128 + info));
  free(pl);
  free(buf);
}

static void test_file_sizes(void) {
  hta_layer ls[2];
  gap_fc(&ls[0], &ls[1]);
  char err[200] = "";
  hta_model *m = hta_model_new("gap-fc", "hand");
  if (check(m && hta_model_add_layer(m, &ls[0], err, sizeof err) == 0 &&
                hta_model_add_layer(m, &ls[1], err, sizeof err) == 0,
            "hand-built model gap + fc", "%s", err))
    check_file_sizes("gap + fc", m);
  hta_model_free(m);
  static const char *const plans[] = {"int8", "twn", "fgq:4", "strassen:1",
                                      "hybrid:0.5", "hybrid:0.25:strassen:2"};
  for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
    char what[80];
    snprintf(what, sizeof what, "mobilenet-v1 0.25/128 %s", plans[i]);
    m = hta_zoo_mobilenet_v1(0.25, 128, plans[i], 2, err, sizeof err);
    if (check(m != NULL, what, "%s", err)) check_file_sizes(what, m);
    hta_model_free(m);
  }
}

/* ---- graph ops (hand-computed; stats.c's comment gives the rules) ---- */
static void test_graph_ops(void) {
  hta_stats_opts paper = opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2);
  hta_stats_opts exact = opts(HTA_ACCOUNT_EXACT, 16, HTA_ENERGY_FP32, 2);
  hta_cost c;
  /* ADD 2x2x3: 12 values. PAPER: 12 adds. EXACT: + 2 x 12 input rescales and
   * 12 stage multiplies, + 12 bias adds: 36 mults, 24 adds; bytes: 340-byte
   * record + 9 x 3 (bias, mult, shift) = 367. */
  hta_layer l = base_layer(HTA_OP_ADD, 2, 2, 3, 3, 1, 1, 0);
  l.n_src = 2, l.src[0] = 0, l.src[1] = 0, l.in2_h = 2, l.in2_w = 2, l.in2_c = 3;
  if (!stats(&l, paper, &c)) check_counts("ADD paper", &c, 0, 0, 0, 12, 12);
  if (!stats(&l, exact, &c)) check_counts("ADD exact", &c, 0, 8 * 367, 36, 24, 24);
  /* MAXPOOL 4x4x2, 2x2 stride 2: 2x2x2 = 8 values, 3 comparisons each (adds):
   * 24; no output stage, no arrays: 340 bytes. */
  l = base_layer(HTA_OP_MAXPOOL, 4, 4, 2, 2, 2, 2, 0);
  l.bias = NULL, l.mult = NULL, l.shift = NULL;
  if (!stats(&l, paper, &c)) check_counts("MAXPOOL paper", &c, 0, 0, 0, 24, 24);
  if (!stats(&l, exact, &c)) check_counts("MAXPOOL exact", &c, 0, 8 * 340, 0, 24, 24);
  /* AVGPOOL the same: 24 adds and 8 mults (the 1/n); EXACT: the stage's 8
   * mults instead, + 8 bias adds; 340 + 18 bytes. */
  l.op = HTA_OP_AVGPOOL;
  l.bias = zeros32, l.mult = zeros32, l.shift = zeros8;
  if (!stats(&l, paper, &c)) check_counts("AVGPOOL paper", &c, 0, 0, 8, 24, 24);
  if (!stats(&l, exact, &c)) check_counts("AVGPOOL exact", &c, 0, 8 * 358, 8, 32, 32);
  /* MUL 2x2x3 by 1x1x3: 12 mults; EXACT + 12 stage mults and 12 bias adds. */
  l = base_layer(HTA_OP_MUL, 2, 2, 3, 3, 1, 1, 0);
  l.n_src = 2, l.src[0] = 0, l.src[1] = 0, l.in2_h = 1, l.in2_w = 1, l.in2_c = 3;
  if (!stats(&l, paper, &c)) check_counts("MUL paper", &c, 0, 0, 12, 0, 0);
  if (!stats(&l, exact, &c)) check_counts("MUL exact", &c, 0, 8 * 367, 24, 12, 12);
  /* RESIZE 2x2x3 -> 4x4x3 with a table: no arithmetic; 340 + 256 bytes. */
  static const int8_t lut[256];
  l = base_layer(HTA_OP_RESIZE, 2, 2, 3, 3, 1, 1, 0);
  l.bias = NULL, l.mult = NULL, l.shift = NULL, l.lut = lut;
  if (!stats(&l, exact, &c)) check_counts("RESIZE + table exact", &c, 0, 8 * 596, 0, 0, 0);
  /* Whole graph models: the exact size is the file size. */
  static const char *const plans[] = {"int8", "hybrid:0.5:strassen:1"};
  for (size_t i = 0; i < 2; i++) {
    char what[80], err[200] = "";
    snprintf(what, sizeof what, "resnet-18/32 %s", plans[i]);
    hta_model *m = hta_zoo_resnet(18, 32, plans[i], 2, err, sizeof err);
    if (check(m != NULL, what, "%s", err)) check_file_sizes(what, m);
    hta_model_free(m);
    snprintf(what, sizeof what, "mobilenet-v2 0.35/32 %s", plans[i]);
    m = hta_zoo_mobilenet_v2(0.35, 32, plans[i], 2, err, sizeof err);
    if (check(m != NULL, what, "%s", err)) check_file_sizes(what, m);
    hta_model_free(m);
  }
}

/* ---- properties on a whole network (relations, not totals) ---- */
static void test_network_relations(void) {
  char err[200] = "";
  hta_model *a = hta_zoo_mobilenet_v1(0.25, 128, "int8", 1, err, sizeof err);
  hta_model *t = hta_zoo_mobilenet_v1(0.25, 128, "twn", 1, err, sizeof err);
  if (!check(a && t, "zoo int8 and twn 0.25/128", "%s", err)) goto out;
  hta_stats_opts o = opts(HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 2);
  hta_cost ca, ct;
  hta_cost_norm n;
  if (hta_stats_model(a, &o, NULL, &ca, err, sizeof err) ||
      hta_stats_model(t, &o, NULL, &ct, err, sizeof err)) {
    check(0, "stats of the zoo models", "%s", err);
    goto out;
  }
  /* every parameter: 16 bits in int8, 2 bits in twn */
  check_int("twn: same parameters as int8", (int64_t)ct.params, (int64_t)ca.params);
  check_int("twn: paper size x 8 = int8's", (int64_t)ct.size_bits * 8, (int64_t)ca.size_bits);
  /* int8: one add per mult, plus the pool's sums */
  hta_model_info mi;
  hta_model_get_info(a, &mi);
  const hta_layer *gap = &hta_model_layers(a)[27];
  check_int("int8: adds = mults - pool scalings + pool sums", (int64_t)ca.adds,
            (int64_t)(ca.mults - (uint64_t)gap->out_c +
                      (uint64_t)gap->in_h * gap->in_w * gap->in_c));
  check_int("twn: as many adds as int8", (int64_t)ct.adds, (int64_t)ca.adds);
  hta_stats_normalise(&ct, &ca, &n);
  check_near("normalise: size", n.size, 0.125);
  check_near("normalise: adds", n.adds, 1.0);
  check_near("normalise: throughput = cost ratio", n.throughput, ca.cost / ct.cost);
  check_near("normalise: energy", n.energy, ct.energy_pj / ca.energy_pj);
  hta_stats_normalise(&ca, &ca, &n);
  check(n.params == 1 && n.size == 1 && n.mults == 1 && n.adds == 1 && n.adds_nonzero == 1 &&
            n.energy == 1 && n.energy_mem == 1 && n.throughput == 1,
        "normalise: a model against itself is 1 everywhere", "not all 1");
  hta_cost z;
  memset(&z, 0, sizeof z);
  hta_stats_normalise(&ca, &z, &n);
  check(isnan(n.params) && isnan(n.size), "normalise: a zero baseline figure gives NaN",
        "params %g size %g", n.params, n.size);
out:
  hta_model_free(a);
  hta_model_free(t);
}

/* ---- options and errors ---- */
static void test_errors(void) {
  char err[200];
  hta_stats_opts o;
  hta_stats_default_opts(&o);
  check(o.accounting == HTA_ACCOUNT_PAPER && o.fp_bits == 16 && o.energy == HTA_ENERGY_FP32 &&
            o.adders_per_mac == 2.0,
        "default options: paper, 16 bits, fp32, R = 2", "other defaults");
  check(hta_stats_check_opts(&o, err, sizeof err) == 0, "default options are valid", "%s", err);
  struct {
    hta_stats_opts o;
    const char *want;
  } bad[] = {
      {{HTA_ACCOUNT_PAPER, 12, HTA_ENERGY_FP32, 2}, "fp_bits = 12"},
      {{(hta_accounting)5, 16, HTA_ENERGY_FP32, 2}, "accounting = 5"},
      {{HTA_ACCOUNT_PAPER, 16, (hta_energy_table)7, 2}, "energy = 7"},
      {{HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, 0}, "adders_per_mac = 0"},
      {{HTA_ACCOUNT_PAPER, 16, HTA_ENERGY_FP32, NAN}, "adders_per_mac = nan"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    char name[80];
    snprintf(name, sizeof name, "bad option rejected: %s", bad[i].want);
    const int rc = hta_stats_check_opts(&bad[i].o, err, sizeof err);
    check(rc == -1 && strstr(err, bad[i].want) != NULL, name, "rc %d, '%s'", rc, err);
  }
  hta_layer ls[2];
  gap_fc(&ls[0], &ls[1]);
  ls[1].out_c = 0;
  hta_cost c, tot;
  err[0] = '\0';
  int rc = hta_stats_layers(ls, 2, &o, NULL, &tot, err, sizeof err);
  check(rc == -1 && strstr(err, "layer 1: out_c = 0") != NULL,
        "an invalid layer is named with its field", "rc %d, '%s'", rc, err);
  hta_stats_opts b = o;
  b.fp_bits = 7;
  err[0] = '\0';
  rc = hta_stats_layer(&ls[0], &b, &c, err, sizeof err);
  check(rc == -1 && strstr(err, "fp_bits") != NULL, "hta_stats_layer checks its options",
        "rc %d, '%s'", rc, err);
  double em, ea;
  int ab;
  check(hta_stats_energy_costs(HTA_ENERGY_INT8, &em, &ea, &ab) == 0 && em == 0.2 && ea == 0.1 &&
            ab == 1 && hta_stats_energy_costs((hta_energy_table)3, &em, &ea, &ab) == -1,
        "energy table int8: 0.2 pJ mult, 0.1 pJ add, 1-byte activations; bad table -1",
        "%g %g %d", em, ea, ab);
}

/* ---- the per-array work of hta info / hta bench ---- */
static void test_array_work(void) {
  hta_layer l = base_layer(HTA_OP_POINTWISE, 3, 3, 4, 5, 1, 1, 0);
  l.kind = s_kind, l.w = s_w, l.r = 3, l.wb = s_wb, l.wc = s_wc, l.hmul = s_hmul,
  l.hshift = s_hshift;
  hta_array_work w;
  hta_array_work_of(NULL, &l, &w);
  /* MAC: 4 x 9; adder: W_c 4 x 3 x 9 + W_b 3 x 4 x 9; ideal max(ceil(36 /
   * MacLanes), ceil(216 / AddLanes)) (2 for 64 / 128 lanes). params 4 + 12 +
   * 12; bytes 5 x 9 + 4 + 4 x ceil(3/4) + 3 x (ceil(4/4) + 5) = 71. */
  const hta_hw_config *hw = hta_hw_config_default();
  const int64_t im = (36 + hw->mac_lanes - 1) / hw->mac_lanes;
  const int64_t ia = (216 + hw->add_lanes - 1) / hw->add_lanes;
  check_int("array work: MAC", (int64_t)w.mac, 36);
  check_int("array work: adder", (int64_t)w.add, 216);
  check_int("array work: ideal cycles", (int64_t)w.ideal, im > ia ? im : ia);
  hta_array_work wt;
  /* tiny: 16 MAC / 64 adder lanes: max(ceil(36 / 16), ceil(216 / 64)) */
  hta_array_work_of(hta_hw_config_find("tiny"), &l, &wt);
  check_int("array work: ideal cycles on tiny", (int64_t)wt.ideal, 4);
  check_int("array work: params", (int64_t)w.params, 28);
  check_int("array work: bytes", (int64_t)w.bytes, 71);
  hta_layer gap, fc;
  gap_fc(&gap, &fc);
  hta_array_work_of(NULL, &gap, &w);
  check_int("array work: GAP runs on the MAC array (3 x 4)", (int64_t)w.mac, 12);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_conv();
  test_groups();
  test_strassen_pointwise();
  test_strassen_depthwise();
  test_gap_fc();
  test_file_sizes();
  test_graph_ops();
  test_network_relations();
  test_errors();
  test_array_work();
  return check_summary();
}
