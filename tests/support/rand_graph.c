/* rand_graph.c - see rand_graph.h. */
#include "rand_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rand_layer.h"

typedef struct gb {
  hta_rng *g;
  hta_model *m;
  int8_t lut[256];
  int32_t bias[256], mult[256];
  uint8_t shift[256];
  char *err;
  size_t errlen;
  int failed;
  int pass_c; /* > 0: the next CONCAT passes its first pass_c channels exactly */
} gb;

/* A builder of an empty model named name with the tests' input and output
 * quantization; 0 when out of memory. */
static int gb_start(gb *b, hta_rng *rng, const char *name, char *err, size_t errlen) {
  memset(b, 0, sizeof *b);
  b->g = rng;
  b->err = err;
  b->errlen = errlen;
  b->m = hta_model_new(name, "test");
  if (b->m == NULL) return 0;
  hta_model_set_io_quant(b->m, 0.5f, 3, 0.25f, -7);
  return 1;
}

/* Shape and zero point of tensor t of the model built so far. */
static void shape(const gb *b, int t, int *h, int *w, int *c, int *zp) {
  const hta_layer *ls = hta_model_layers(b->m);
  if (t == 0) {
    *h = ls[0].in_h, *w = ls[0].in_w, *c = ls[0].in_c, *zp = ls[0].zp_in;
  } else {
    const hta_layer *l = &ls[t - 1];
    *h = hta_layer_out_h(l), *w = hta_layer_out_w(l), *c = l->out_c, *zp = l->zp_out;
  }
}

static int n_tensors(const gb *b) {
  hta_model_info mi;
  hta_model_get_info(b->m, &mi);
  return mi.n_layers + 1;
}

/* A graph layer reading tensor t0 (and t1): shapes from the graph, random
 * quantization and padding (0..pads per side; -pads on every side if pads
 * < 0), a table one time in three. Returns its tensor id. */
static int add(gb *b, hta_op op, int t0, int t1, int k, int stride, int pads) {
  if (b->failed) return 0;
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = op;
  shape(b, t0, &l.in_h, &l.in_w, &l.in_c, &l.zp_in);
  l.n_src = hta_op_inputs(op);
  l.src[0] = t0;
  if (l.n_src == 2) {
    l.src[1] = t1;
    shape(b, t1, &l.in2_h, &l.in2_w, &l.in2_c, &l.zp_in2);
  }
  l.out_c = op == HTA_OP_CONCAT ? l.in_c + l.in2_c : l.in_c;
  l.kh = l.kw = k;
  l.stride = stride;
  if (pads < 0) { /* every side -pads */
    l.pad_t = l.pad_b = l.pad_l = l.pad_r = -pads;
  } else if (op == HTA_OP_PAD || op == HTA_OP_MAXPOOL || op == HTA_OP_AVGPOOL) {
    l.pad_t = (int)hta_rng_range(b->g, 0, pads);
    l.pad_b = (int)hta_rng_range(b->g, 0, pads);
    l.pad_l = (int)hta_rng_range(b->g, 0, pads);
    l.pad_r = (int)hta_rng_range(b->g, 0, pads);
  }
  if (l.in_h + l.pad_t + l.pad_b < k) l.pad_t = l.pad_b = k - 1; /* a small input */
  if (l.in_w + l.pad_l + l.pad_r < k) l.pad_l = l.pad_r = k - 1;
  l.zp_out = hta_op_has_output_stage(op) ? (int)hta_rng_range(b->g, -128, 127) : l.zp_in;
  l.act_min = hta_rng_chance(b->g, 30) ? (int)hta_rng_range(b->g, -128, 0) : -128;
  l.act_max = hta_rng_chance(b->g, 30) ? (int)hta_rng_range(b->g, 0, 127) : 127;
  for (int j = 0; j < 2 && (op == HTA_OP_ADD || op == HTA_OP_CONCAT); j++) {
    l.in_mult[j] = (int32_t)hta_rng_range(b->g, INT32_C(1) << 30, INT32_MAX);
    l.in_shift[j] = (int)hta_rng_range(b->g, 0, 3);
  }
  if (op == HTA_OP_LAYERNORM) /* the epsilon term: 0 (a constant pixel gives acc 0) or not */
    l.in_mult[0] = hta_rng_chance(b->g, 30) ? 0 : (int32_t)hta_rng_range(b->g, 1, 100000);
  for (int o = 0; o < l.out_c && o < 256; o++) {
    b->bias[o] = (int32_t)hta_rng_range(b->g, -2000, 2000);
    b->mult[o] = (int32_t)hta_rng_range(b->g, INT32_C(1) << 30, INT32_MAX);
    /* ADD, CONCAT values carry 2^20 (ADD: two of them); MUL a product;
     * LAYERNORM 2^16 per standard deviation */
    b->shift[o] = (uint8_t)(op == HTA_OP_ADD || op == HTA_OP_CONCAT ? 18 + hta_rng_range(b->g, 0, 3)
                            : op == HTA_OP_MUL                      ? hta_rng_range(b->g, 5, 8)
                            : op == HTA_OP_LAYERNORM                ? hta_rng_range(b->g, 12, 15)
                                                                     : hta_rng_range(b->g, 0, 2));
  }
  const int passing = op == HTA_OP_CONCAT && b->pass_c > 0;
  if (passing) {
    /* a later link of an N-input Concat as hta import chains it: the previous
     * link's values come through unchanged (docs/numerics.md, CONCAT) */
    l.in_mult[0] = INT32_C(1) << 30;
    l.in_shift[0] = 0;
    l.zp_out = l.zp_in;
    l.act_min = -128;
    l.act_max = 127;
    for (int o = 0; o < b->pass_c && o < 256; o++) {
      b->bias[o] = 0;
      b->mult[o] = INT32_MAX;
      b->shift[o] = 19;
    }
    b->pass_c = 0;
  }
  if (hta_op_has_output_stage(op)) {
    l.bias = b->bias;
    l.mult = b->mult;
    l.shift = b->shift;
  }
  if (hta_rng_chance(b->g, 35) && !passing) {
    for (int i = 0; i < 256; i++) b->lut[i] = (int8_t)hta_rng_range(b->g, -128, 127);
    l.lut = b->lut;
  }
  char msg[300];
  if (l.out_c > 256 || hta_model_add_layer(b->m, &l, msg, sizeof msg)) {
    snprintf(b->err, b->errlen, "%s: %s", hta_op_name(op), l.out_c > 256 ? "too wide" : msg);
    b->failed = 1;
    return 0;
  }
  return n_tensors(b) - 1;
}

/* A random weighted layer (rand_layer) of op reading tensor t; table 1: a
 * fixed activation table, 2: a random one. max_c bounds its channels, kinds
 * (a mask of 1 << hta_kind, 0: all) its filters' kinds. */
static int add_weighted_k(gb *b, int op, int t, int table, int max_c, unsigned kinds);
static int add_weighted_c(gb *b, int op, int t, int table, int max_c) {
  return add_weighted_k(b, op, t, table, max_c, 0);
}

static int add_weighted_g(gb *b, int op, int t, int table, int max_c, unsigned kinds,
                          int groups);
static int add_weighted_k(gb *b, int op, int t, int table, int max_c, unsigned kinds) {
  return add_weighted_g(b, op, t, table, max_c, kinds, 1);
}

/* groups > 1: a grouped convolution (cgroups, as hta import writes it since
 * format version 3; INT8 and TERNARY filters): filter o reads the in_c /
 * groups channels of group o / (out_c / groups). Its rows are the first K /
 * groups weights of the drawn ones (nothing more is drawn, so the graphs of
 * a seed are those of the block-diagonal layers this made before); ternary
 * groups that do not divide a group's channels become one group (the v1
 * engine runs the layer block-diagonal: hta_layer_block_diag). */
static int add_weighted_g(gb *b, int op, int t, int table, int max_c, unsigned kinds,
                          int groups) {
  if (b->failed) return 0;
  hta_hw_cfg hw;
  hta_hw_cfg_default(&hw);
  hta_rand_opts o;
  hta_rand_opts_default(&o, &hw);
  o.op = op;
  o.kinds = kinds;
  o.max_c = max_c;
  o.max_out_c = max_c;
  if (groups > 1) {
    o.kinds = (kinds ? kinds : ~0u) & (1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY);
    /* a CONV2D's kernel within every configuration's KMax (tiny: 576) */
    if (o.hw.k_max > 288) o.hw.k_max = 288;
  }
  hta_rand_input in;
  int zp = 0;
  if (n_tensors(b) > 1 || t > 0) {
    shape(b, t, &in.h, &in.w, &in.c, &zp);
    in.zp = zp;
  } else {
    in.h = (int)hta_rng_range(b->g, 3, 7);
    in.w = (int)hta_rng_range(b->g, 3, 7);
    in.c = (int)hta_rng_range(b->g, 1, 6);
    in.zp = (int)hta_rng_range(b->g, -20, 20);
  }
  hta_rand_layer rl;
  if (hta_rand_layer_make(&rl, b->g, &o, &in)) {
    snprintf(b->err, b->errlen, "out of memory");
    b->failed = 1;
    return 0;
  }
  rl.l.n_src = 1;
  rl.l.src[0] = t;
  /* out_c is drawn (and a too wide CONV becomes DEPTHWISE): the most groups
   * up to the asked number that divide both channel counts */
  while (groups > 1 && (rl.l.in_c % groups || rl.l.out_c % groups)) groups--;
  if (groups > 1 && rl.l.op != HTA_OP_DEPTHWISE) {
    const int ipg = rl.l.in_c / groups, K = hta_layer_k(&rl.l);
    rl.l.cgroups = groups; /* (K shrinks: the arrays drawn for the full K hold it) */
    const int Kn = hta_layer_k(&rl.l);
    int8_t *w = (int8_t *)rl.l.w, *tw = (int8_t *)rl.l.t; /* rl's own arrays */
    for (int f = 1; f < rl.l.out_c; f++) { /* row f: the first Kn weights of its own */
      if (w != NULL) memmove(w + (size_t)f * Kn, w + (size_t)f * K, (size_t)Kn);
      if (tw != NULL) memmove(tw + (size_t)f * Kn, tw + (size_t)f * K, (size_t)Kn);
    }
    if (rl.l.group > 0 && rl.l.group < hta_layer_k(&rl.l) && ipg % rl.l.group != 0)
      rl.l.group = 0;
    snprintf(rl.desc + strlen(rl.desc), sizeof rl.desc - strlen(rl.desc), " cgroups=%d", groups);
  }
  if (table == 1)
    for (int i = 0; i < 256; i++) b->lut[i] = (int8_t)(i - 128 > 0 ? (i - 128) / 2 : i - 128);
  if (table == 2)
    for (int i = 0; i < 256; i++) b->lut[i] = (int8_t)hta_rng_range(b->g, -128, 127);
  if (table) rl.l.lut = b->lut;
  char msg[300];
  if (hta_model_add_layer(b->m, &rl.l, msg, sizeof msg)) {
    snprintf(b->err, b->errlen, "%s: %s", rl.desc, msg);
    b->failed = 1;
  }
  hta_rand_layer_free(&rl);
  return b->failed ? 0 : n_tensors(b) - 1;
}

static int add_weighted(gb *b, int op, int t, int table) {
  return add_weighted_c(b, op, t, table, 12);
}

hta_model *hta_rand_graph(hta_rng *rng, char *err, size_t errlen) {
  gb b;
  if (!gb_start(&b, rng, "rand-graph", err, errlen)) return NULL;
  /* the first layer keeps the image size (POINTWISE) so CONCAT with the
   * model input works */
  const int t1 = add_weighted(&b, HTA_OP_POINTWISE, 0, 0);
  const int t2 = add(&b, HTA_OP_MAXPOOL, t1, 0, 3, 1, -1); /* same size */
  const int t3 = add(&b, HTA_OP_ADD, t1, t2, 1, 1, 0);
  const int t4 = add(&b, HTA_OP_CONCAT, t3, 0, 1, 1, 0);
  const int t4n = add(&b, HTA_OP_LAYERNORM, t4, 0, 1, 1, 0);
  const int t5 = add_weighted(&b, HTA_OP_DEPTHWISE, t4n, 1);
  const int t6 = add(&b, HTA_OP_AVGPOOL, t5, 0, 2, (int)hta_rng_range(rng, 1, 2), 1);
  const int t7 = add(&b, HTA_OP_RESIZE, t6, 0, 1, 1, 0);
  const int t8 = add(&b, HTA_OP_PAD, t7, 0, 1, 1, 2);
  const int t9 = add(&b, HTA_OP_GMP, t8, 0, 1, 1, 0);
  const int t10 = add(&b, HTA_OP_MUL, t8, t9, 1, 1, 0);
  const int t11 = add(&b, HTA_OP_GAP, t10, 0, 1, 1, 0);
  (void)add_weighted(&b, HTA_OP_FC, t11, 0);
  if (b.failed) {
    hta_model_free(b.m);
    return NULL;
  }
  return b.m;
}

/* Tensors of the model so far with tensor a's height and width (and its
 * channel count too if same_c): one of them at random (a itself at worst). */
static int pick_like(gb *b, int a, int same_c) {
  int ha, wa, ca, zp, cand[64], n = 0;
  shape(b, a, &ha, &wa, &ca, &zp);
  for (int t = 0; t < n_tensors(b) && n < 64; t++) {
    int h, w, c;
    shape(b, t, &h, &w, &c, &zp);
    if (h == ha && w == wa && (!same_c || c == ca)) cand[n++] = t;
  }
  return cand[hta_rng_range(b->g, 0, n - 1)];
}

hta_model *hta_rand_graph_engine(hta_rng *rng, int max_c, char *err, size_t errlen) {
  return hta_rand_graph_engine_kinds(rng, max_c, 0, err, errlen);
}

hta_model *hta_rand_graph_engine_kinds(hta_rng *rng, int max_c, unsigned kinds, char *err,
                                       size_t errlen) {
  gb b;
  memset(&b, 0, sizeof b);
  b.g = rng;
  b.err = err;
  b.errlen = errlen;
  b.m = hta_model_new("rand-graph-engine", "test");
  if (b.m == NULL) return NULL;
  hta_model_set_io_quant(b.m, 0.5f, 3, 0.25f, -7);
  add_weighted_k(&b, HTA_OP_POINTWISE, 0, hta_rng_chance(rng, 30) ? 2 : 0, max_c, kinds);
  const int steps = (int)hta_rng_range(rng, 3, 7);
  for (int s = 0; s < steps && !b.failed; s++) {
    const int a = (int)hta_rng_range(rng, 0, n_tensors(&b) - 1);
    int h, w, c, zp;
    shape(&b, a, &h, &w, &c, &zp);
    switch (hta_rng_range(rng, 0, 12)) {
    case 12: add(&b, HTA_OP_LAYERNORM, a, 0, 1, 1, 0); break;
    case 9: /* an average pool: kernel 2..3, stride 1..2, padding below the kernel */
      add(&b, HTA_OP_AVGPOOL, a, 0, (int)hta_rng_range(rng, 2, 3),
          (int)hta_rng_range(rng, 1, 2), 1);
      break;
    case 7: /* a max pool: kernel 2..3, stride 1..2, padding below the kernel */
      add(&b, HTA_OP_MAXPOOL, a, 0, (int)hta_rng_range(rng, 2, 3),
          (int)hta_rng_range(rng, 1, 2), 1);
      break;
    case 8: { /* x * GMP(x) */
      const int gm = add(&b, HTA_OP_GMP, a, 0, 1, 1, 0);
      add(&b, HTA_OP_MUL, a, gm, 1, 1, 0);
      break;
    }
    case 5: /* RESIZE x2 of a small image, else PAD of up to 2 per side */
      if (h <= 6 && w <= 6) add(&b, HTA_OP_RESIZE, a, 0, 1, 1, 0);
      else add(&b, HTA_OP_PAD, a, 0, 1, 1, 2);
      break;
    case 6: add(&b, HTA_OP_PAD, a, 0, 1, 1, 2); break;
    case 0: add(&b, HTA_OP_ADD, a, pick_like(&b, a, 1), 1, 1, 0); break;
    case 1: {
      const int t = pick_like(&b, a, 0);
      int h2, w2, c2;
      shape(&b, t, &h2, &w2, &c2, &zp);
      if (c + c2 <= 256) add(&b, HTA_OP_CONCAT, a, t, 1, 1, 0);
      break;
    }
    case 2: { /* squeeze-excite: x * GAP(x) */
      const int g = add(&b, HTA_OP_GAP, a, 0, 1, 1, 0);
      add(&b, HTA_OP_MUL, a, g, 1, 1, 0);
      break;
    }
    case 3: add_weighted_k(&b, HTA_OP_DEPTHWISE, a, hta_rng_chance(rng, 50) ? 2 : 0, max_c, kinds); break;
    case 10: { /* a grouped convolution (1x1 or kxk): groups a divisor of in_c */
      int g = 1;
      for (int d = 2; d <= c && d <= max_c / 2; d++)
        if (c % d == 0 && (g == 1 || hta_rng_chance(rng, 50))) g = d;
      add_weighted_g(&b, g > 1 && hta_rng_chance(rng, 50) ? HTA_OP_CONV2D : HTA_OP_POINTWISE, a,
                     hta_rng_chance(rng, 30) ? 2 : 0, max_c, kinds, g);
      break;
    }
    case 11: { /* a Concat of 3 or 4 tensors as hta import lowers it: a chain */
      int t = a, tc = c;
      const int links = (int)hta_rng_range(rng, 2, 3);
      for (int j = 0; j < links && !b.failed; j++) {
        const int u = pick_like(&b, a, 0);
        int h2, w2, c2;
        shape(&b, u, &h2, &w2, &c2, &zp);
        if (tc + c2 > 256) break;
        b.pass_c = j > 0 ? tc : 0;
        t = add(&b, HTA_OP_CONCAT, t, u, 1, 1, 0);
        tc += c2;
      }
      b.pass_c = 0;
      break;
    }
    default: add_weighted_k(&b, HTA_OP_POINTWISE, a, hta_rng_chance(rng, 50) ? 2 : 0, max_c, kinds); break;
    }
  }
  if (b.failed) {
    hta_model_free(b.m);
    return NULL;
  }
  return b.m;
}

/* A random channel count up to max_c, often a multiple of 16 or one off it
 * (the edges of the graph-op unit's 16-channel records). */
static int pool_chans(hta_rng *g, int max_c) {
  int c = (int)hta_rng_range(g, 1, max_c);
  if (hta_rng_chance(g, 50) && max_c >= 16) {
    c = 16 * (int)hta_rng_range(g, 1, max_c / 16) + (int)hta_rng_range(g, -1, 1);
    if (c > max_c) c = max_c;
  }
  return c;
}

hta_model *hta_rand_pool_graph(hta_rng *rng, int max_c, char *err, size_t errlen) {
  gb b;
  if (!gb_start(&b, rng, "rand-pool-graph", err, errlen)) return NULL;
  /* the first pool reads the model input: any size, kernel, stride and
   * padding below the kernel (GMP: the whole image) */
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = hta_rng_chance(rng, 20) ? HTA_OP_GMP : HTA_OP_MAXPOOL;
  l.in_h = (int)hta_rng_range(rng, 1, hta_rng_chance(rng, 30) ? 40 : 12);
  l.in_w = (int)hta_rng_range(rng, 1, hta_rng_chance(rng, 30) ? 40 : 12);
  l.in_c = pool_chans(rng, max_c);
  l.out_c = l.in_c;
  l.zp_in = (int)hta_rng_range(rng, -128, 127);
  l.zp_out = l.zp_in;
  l.n_src = 1;
  l.src[0] = 0;
  l.kh = l.kw = l.stride = 1;
  if (l.op == HTA_OP_MAXPOOL) {
    l.kh = (int)hta_rng_range(rng, 1, 7);
    l.kw = hta_rng_chance(rng, 70) ? l.kh : (int)hta_rng_range(rng, 1, 7);
    l.stride = (int)hta_rng_range(rng, 1, 3);
    l.pad_t = (int)hta_rng_range(rng, 0, l.kh - 1);
    l.pad_b = (int)hta_rng_range(rng, 0, l.kh - 1);
    l.pad_l = (int)hta_rng_range(rng, 0, l.kw - 1);
    l.pad_r = (int)hta_rng_range(rng, 0, l.kw - 1);
    if (l.in_h + l.pad_t + l.pad_b < l.kh) l.pad_t = l.pad_b = l.kh - 1;
    if (l.in_w + l.pad_l + l.pad_r < l.kw) l.pad_l = l.pad_r = l.kw - 1;
  }
  l.act_min = hta_rng_chance(rng, 30) ? (int)hta_rng_range(rng, -128, 0) : -128;
  l.act_max = hta_rng_chance(rng, 30) ? (int)hta_rng_range(rng, 0, 127) : 127;
  if (hta_rng_chance(rng, 20)) {
    for (int i = 0; i < 256; i++) b.lut[i] = (int8_t)hta_rng_range(rng, -128, 127);
    l.lut = b.lut;
  }
  char msg[300];
  if (hta_model_add_layer(b.m, &l, msg, sizeof msg)) {
    snprintf(err, errlen, "%s: %s", hta_op_name(l.op), msg);
    hta_model_free(b.m);
    return NULL;
  }
  /* then pools, residual ADDs and GMPs of what came before */
  const int steps = (int)hta_rng_range(rng, 0, 3);
  for (int s = 0; s < steps && !b.failed; s++) {
    const int a = (int)hta_rng_range(rng, 0, n_tensors(&b) - 1);
    int h, w, c, zp;
    shape(&b, a, &h, &w, &c, &zp);
    if (c > 256) continue; /* add()'s parameter arrays */
    switch (hta_rng_range(rng, 0, 3)) {
    case 0: add(&b, HTA_OP_GMP, a, 0, 1, 1, 0); break;
    case 1: add(&b, HTA_OP_ADD, a, pick_like(&b, a, 1), 1, 1, 0); break;
    default: {
      const int k = (int)hta_rng_range(rng, 1, 5);
      add(&b, HTA_OP_MAXPOOL, a, 0, k, (int)hta_rng_range(rng, 1, 3), k - 1);
      break;
    }
    }
  }
  if (b.failed) {
    hta_model_free(b.m);
    return NULL;
  }
  return b.m;
}
