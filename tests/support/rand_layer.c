/*
 * rand_layer.c - see rand_layer.h.
 *
 * Scales are drawn so outputs mostly land inside int8 (shift ~ the
 * accumulator's bit width minus 6), with a share of saturating cases (biases
 * at the int32 edges, arbitrary multipliers, shift 0). Rows of filters of
 * another kind are filled with garbage: they must be ignored.
 */
#include "rand_layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void hta_rand_opts_default(hta_rand_opts *o, const hta_hw_cfg *hw) {
  memset(o, 0, sizeof *o);
  o->hw = *hw;
  o->op = -1;
  o->kinds = 0;
  o->max_hw = 9;
  o->max_c = 40;
  o->max_out_c = (int)(hw->mac_lanes + hw->add_lanes) + 8;
  o->max_r = 6;
  o->out_c = 0;
  o->n_int8 = -1;
}

hta_rand_input hta_rand_next_input(const hta_layer *l) {
  hta_rand_input in = {hta_layer_out_h(l), hta_layer_out_w(l), l->out_c, l->zp_out};
  return in;
}

static int rint_(hta_rng *g, int lo, int hi) { return (int)hta_rng_range(g, lo, hi); }

static int ilog2(long v) {
  int n = 0;
  while (v > 1) {
    v >>= 1;
    n++;
  }
  return n;
}

void hta_rand_fill(hta_rng *rng, int8_t *buf, size_t n) {
  const int style = rint_(rng, 0, 9);
  for (size_t i = 0; i < n; i++) {
    if (style == 0) /* extremes */
      buf[i] = hta_rng_chance(rng, 50) ? 127 : -128;
    else if (style == 1) /* small values */
      buf[i] = (int8_t)rint_(rng, -4, 4);
    else
      buf[i] = (int8_t)rint_(rng, -128, 127);
  }
}

static int8_t rand_ternary(hta_rng *g) { return (int8_t)rint_(g, -1, 1); }

/* Multiplier: mostly a Q31 value in [2^30, 2^31), sometimes anything. */
static int32_t rand_mult(hta_rng *g) {
  const int c = rint_(g, 0, 99);
  if (c < 75) return (int32_t)hta_rng_range(g, INT64_C(1) << 30, INT32_MAX);
  if (c < 85) return (int32_t)hta_rng_range(g, 0, INT32_MAX);
  if (c < 92) return (int32_t)hta_rng_range(g, INT32_MIN, -1);
  return c < 96 ? INT32_MIN : INT32_MAX;
}

/* Shift bringing an accumulator of about 2^bits down to about 2^6. */
static uint8_t rand_shift(hta_rng *g, int bits) {
  const int s = bits - 6 + rint_(g, -2, 1);
  return (uint8_t)MIN(31, MAX(0, s));
}

/* Bias: mostly within the accumulator's range, sometimes at the int32 edges
 * (the int32 saturation and the 32-bit output add). */
static int32_t rand_bias(hta_rng *g, int bits, int *extreme) {
  *extreme = hta_rng_chance(g, 6);
  if (*extreme)
    return hta_rng_chance(g, 50) ? INT32_MAX - (int32_t)rint_(g, 0, 1 << 20)
                                 : INT32_MIN + (int32_t)rint_(g, 0, 1 << 20);
  const int64_t span = INT64_C(1) << MIN(30, bits);
  return (int32_t)hta_rng_range(g, -span, span);
}

static int pick_group(hta_rng *g, int K, unsigned alpha_depth) {
  static const int sizes[] = {0, 4, 8, 16, 32, 64};
  for (int tries = 0; tries < 8; tries++) {
    int G;
    const int c = rint_(g, 0, 9);
    if (c < 6)
      G = sizes[c];
    else if (c < 8)
      G = rint_(g, 4, MAX(4, K));
    else
      G = K < 4 ? rint_(g, K, 3) : rint_(g, K, K + 5); /* one group, G >= K */
    const int ng = G == 0 ? 1 : (K + G - 1) / G;
    if ((unsigned)ng <= alpha_depth) return G;
  }
  return 0;
}

static void *take(hta_rand_layer *rl, int slot, size_t n) {
  rl->mem[slot] = calloc(n ? n : 1, 1);
  return rl->mem[slot];
}

void hta_rand_layer_free(hta_rand_layer *rl) {
  for (size_t i = 0; i < sizeof rl->mem / sizeof rl->mem[0]; i++) {
    free(rl->mem[i]);
    rl->mem[i] = NULL;
  }
}

/* Shape and op. */
static void draw_shape(hta_layer *l, hta_rng *g, const hta_rand_opts *o,
                       const hta_rand_input *in) {
  const hta_hw_cfg *hw = &o->hw;
  if (o->op >= 0) {
    l->op = (hta_op)o->op;
  } else {
    const int c = rint_(g, 0, 99);
    l->op = c < 32 ? HTA_OP_CONV2D : c < 57 ? HTA_OP_DEPTHWISE : c < 75 ? HTA_OP_POINTWISE
          : c < 88 ? HTA_OP_FC : HTA_OP_GAP;
  }
  if (in != NULL) {
    l->in_h = in->h;
    l->in_w = in->w;
    l->in_c = in->c;
    l->zp_in = in->zp;
    if (l->op == HTA_OP_FC && (in->h != 1 || in->w != 1)) l->op = HTA_OP_POINTWISE;
  } else {
    const int small = hta_rng_chance(g, 15); /* 1x1 spatial */
    l->in_h = small ? 1 : rint_(g, 1, o->max_hw);
    l->in_w = small ? 1 : rint_(g, 1, o->max_hw);
    l->in_c = rint_(g, 1, o->max_c);
    l->zp_in = hta_rng_chance(g, 25) ? 0 : rint_(g, -128, 127);
    if (l->op == HTA_OP_FC) {
      l->in_h = l->in_w = 1;
      l->in_c = rint_(g, 1, 3 * o->max_c);
    }
    if (l->op != HTA_OP_DEPTHWISE && l->op != HTA_OP_GAP)
      l->in_c = MIN(l->in_c, (int)hw->k_max);
  }
  l->kh = l->kw = l->stride = 1;
  switch (l->op) {
  case HTA_OP_CONV2D:
  case HTA_OP_DEPTHWISE: {
    const int kmax = l->op == HTA_OP_CONV2D ? 7 : (hta_rng_chance(g, 10) ? 12 : 7);
    const int square3 = hta_rng_chance(g, 40);
    l->kh = square3 ? 3 : rint_(g, 1, kmax);
    l->kw = square3 ? 3 : rint_(g, 1, kmax);
    const int per_pos = l->op == HTA_OP_CONV2D ? l->in_c : 1;
    while (l->kh * l->kw * per_pos > (int)hw->k_max && (l->kh > 1 || l->kw > 1)) {
      if (l->kh >= l->kw) l->kh--; else l->kw--;
    }
    l->stride = rint_(g, 1, 2);
    l->pad_t = rint_(g, 0, l->kh - 1);
    l->pad_b = rint_(g, 0, l->kh - 1);
    l->pad_l = rint_(g, 0, l->kw - 1);
    l->pad_r = rint_(g, 0, l->kw - 1);
    if (l->in_h + l->pad_t + l->pad_b < l->kh) l->pad_b = l->kh - l->in_h - l->pad_t;
    if (l->in_w + l->pad_l + l->pad_r < l->kw) l->pad_r = l->kw - l->in_w - l->pad_l;
    break;
  }
  case HTA_OP_GAP:
    while (l->in_h * l->in_w > (int)hw->k_max) {
      if (l->in_h >= l->in_w) l->in_h--; else l->in_w--;
    }
    break;
  default:
    break;
  }
  if (l->op == HTA_OP_DEPTHWISE || l->op == HTA_OP_GAP) {
    l->out_c = l->in_c;
  } else {
    const int big = hta_rng_chance(g, 12);
    l->out_c = rint_(g, 1, big ? o->max_out_c : o->max_c);
  }
  if (o->out_c > 0 && in == NULL) {
    if (l->op == HTA_OP_DEPTHWISE || l->op == HTA_OP_GAP) l->in_c = o->out_c;
    l->out_c = o->out_c;
  }
  /* ChanMax, and the staging of one pixel (CONV: at most out_c bytes) */
  l->out_c = MIN(l->out_c, (int)MIN(hw->chan_max, hw->stage_bytes));
}

int hta_rand_layer_make(hta_rand_layer *rl, hta_rng *g, const hta_rand_opts *o,
                        const hta_rand_input *in) {
  memset(rl, 0, sizeof *rl);
  hta_layer *l = &rl->l;
  const hta_hw_cfg *hw = &o->hw;
  draw_shape(l, g, o, in);
  if (in != NULL && in->c > (int)hw->k_max && l->op != HTA_OP_DEPTHWISE && l->op != HTA_OP_GAP)
    l->op = HTA_OP_DEPTHWISE, l->out_c = l->in_c; /* a CONV could not reduce it */
  if (o->grouped > 0 && (l->op == HTA_OP_CONV2D || l->op == HTA_OP_POINTWISE) && l->in_c >= 2 &&
      hta_rng_chance(g, o->grouped)) {
    /* a divisor g >= 2 of in_c; out_c a multiple of it (at least g) */
    int div[64], nd = 0;
    for (int d = 2; d <= l->in_c && nd < 64; d++)
      if (l->in_c % d == 0) div[nd++] = d;
    const int cg = div[rint_(g, 0, nd - 1)];
    const int cap = (int)MIN(hw->chan_max, hw->stage_bytes) / cg * cg;
    if (cap >= cg) {
      l->cgroups = cg;
      l->out_c = MIN(MAX(cg, l->out_c / cg * cg), cap);
    }
  }
  const int C = l->out_c, K = hta_layer_k(l), dw = l->op == HTA_OP_DEPTHWISE;
  const int npix = hta_layer_out_h(l) * hta_layer_out_w(l);

  l->zp_out = hta_rng_chance(g, 25) ? 0 : rint_(g, -128, 127);
  const int act = rint_(g, 0, 9);
  l->act_min = act < 7 ? -128 : act < 9 ? l->zp_out : rint_(g, -128, 127);
  l->act_max = act < 9 ? 127 : rint_(g, l->act_min, 127);
  l->group = l->op == HTA_OP_GAP ? 0 : pick_group(g, K, hw->alpha_depth);
  if (l->cgroups > 1 && l->group > 0 && l->group < K) {
    /* ternary groups the block-diagonal layer of the v1 engine has too (G
       dividing a group's channels) within AlphaDepth there: the largest
       divisor of in_c / cgroups not above the drawn G if it is >= 4 (the
       v1 engine's smallest), or one group */
    const int cpg = l->in_c / l->cgroups;
    int G = MIN(l->group, cpg);
    while (cpg % G != 0) G--;
    const long kx = (long)l->kh * l->kw * l->in_c;
    l->group = G >= 4 && (kx + G - 1) / G <= (long)hw->alpha_depth ? G : 0;
  }

  /* kinds */
  uint8_t *kind = take(rl, 0, (size_t)C);
  const unsigned allowed = o->kinds ? o->kinds : 0xf;
  int allowed_list[4], n_allowed = 0;
  for (int k = 0; k < 4; k++) {
    if (!(allowed & (1u << k))) continue;
    /* STRASSEN needs room for its hidden layers */
    if (k == HTA_KIND_STRASSEN && dw && npix > 65535) continue;
    if (k == HTA_KIND_STRASSEN && l->cgroups > 1) continue; /* (never grouped) */
    allowed_list[n_allowed++] = k;
  }
  if (n_allowed == 0) allowed_list[n_allowed++] = HTA_KIND_INT8;
  const int single = hta_rng_chance(g, 40) ? allowed_list[rint_(g, 0, n_allowed - 1)] : -1;
  int n_str = 0;
  for (int c = 0; c < C; c++) {
    kind[c] = (uint8_t)(single >= 0 ? single : allowed_list[rint_(g, 0, n_allowed - 1)]);
    n_str += kind[c] == HTA_KIND_STRASSEN;
  }
  if (o->n_int8 >= 0) {
    /* exactly n_int8 INT8 filters, then a shuffle */
    n_str = 0;
    for (int c = 0; c < C; c++)
      kind[c] = (uint8_t)(c < o->n_int8 ? HTA_KIND_INT8
                          : hta_rng_chance(g, 50) ? HTA_KIND_TERNARY : HTA_KIND_BINARY);
    for (int c = C - 1; c > 0; c--) {
      const int j = rint_(g, 0, c);
      const uint8_t tmp = kind[c];
      kind[c] = kind[j];
      kind[j] = tmp;
    }
  }
  if (l->op != HTA_OP_GAP) l->kind = kind;

  /* STRASSEN block size */
  if (n_str > 0 && l->op != HTA_OP_GAP) {
    int rmax = o->max_r;
    if (dw) rmax = MIN(rmax, MIN(255, (int)hw->k_max));
    else rmax = MIN(rmax, MIN((int)hw->k_max, (int)MIN(hw->chan_max, hw->stage_bytes)));
    l->r = rint_(g, 1, MAX(1, rmax));
  }
  const int r = l->r;
  const size_t nb = dw ? (size_t)C : 1; /* strassen blocks */

  int8_t *w = take(rl, 1, (size_t)C * K), *t = take(rl, 2, (size_t)C * K);
  const int ng = hta_layer_ngroups(l);
  uint8_t *alpha = take(rl, 3, (size_t)C * ng);
  int32_t *bias = take(rl, 4, sizeof(int32_t) * C), *mult = take(rl, 5, sizeof(int32_t) * C);
  uint8_t *shift = take(rl, 6, (size_t)C);
  int8_t *wb = take(rl, 7, nb * r * K), *wc = take(rl, 8, (size_t)C * r);
  int32_t *hmul = take(rl, 9, sizeof(int32_t) * nb * r);
  uint8_t *hshift = take(rl, 10, nb * r);
  for (int i = 0; i < 11; i++)
    if (rl->mem[i] == NULL) {
      hta_rand_layer_free(rl);
      return -1;
    }

  const int kbits = ilog2(K) / 2;
  int n_extreme = 0;
  for (int c = 0; c < C; c++) {
    const hta_kind k = hta_layer_kind(l, c);
    int8_t *wr = w + (size_t)c * K, *tr = t + (size_t)c * K;
    for (int i = 0; i < K; i++) {
      wr[i] = (int8_t)rint_(g, -128, 127); /* garbage unless INT8 */
      tr[i] = k == HTA_KIND_TERNARY ? rand_ternary(g)
            : k == HTA_KIND_BINARY ? (hta_rng_chance(g, 50) ? 1 : -1)
            : (int8_t)rint_(g, -128, 127); /* garbage */
    }
    for (int i = 0; i < ng; i++)
      alpha[(size_t)c * ng + i] = hta_rng_chance(g, 10) ? 0 : (uint8_t)rint_(g, 1, 255);
    int bits = 13 + kbits;
    if (l->op == HTA_OP_GAP) bits = 6 + ilog2(K);
    if (k == HTA_KIND_STRASSEN) bits = 7 + ilog2(r) / 2;
    int extreme;
    bias[c] = rand_bias(g, bits, &extreme);
    mult[c] = rand_mult(g);
    shift[c] = extreme && hta_rng_chance(g, 50) ? 0 : rand_shift(g, bits);
    n_extreme += extreme;
  }
  for (size_t b = 0; b < nb; b++) {
    const int used = !dw || kind[b] == HTA_KIND_STRASSEN;
    for (size_t i = 0; i < (size_t)r * K; i++)
      wb[b * r * K + i] = used ? rand_ternary(g) : (int8_t)rint_(g, -128, 127);
    for (int j = 0; j < r; j++) {
      hmul[b * r + j] = hta_rng_chance(g, 85)
                            ? (int32_t)hta_rng_range(g, INT64_C(1) << 30, INT32_MAX)
                            : rand_mult(g);
      hshift[b * r + j] = rand_shift(g, 7 + kbits);
    }
  }
  for (size_t i = 0; i < (size_t)C * r; i++) wc[i] = rand_ternary(g);
  if (r > 0) {
    l->wb = wb;
    l->wc = wc;
    l->hmul = hmul;
    l->hshift = hshift;
  }
  l->w = w;
  l->t = t;
  l->alpha = alpha;
  l->bias = bias;
  l->mult = mult;
  l->shift = shift;

  int nk[4] = {0, 0, 0, 0};
  for (int c = 0; c < C; c++) nk[hta_layer_kind(l, c)]++;
  char cgroups_desc[24] = "";
  if (l->cgroups > 1) snprintf(cgroups_desc, sizeof cgroups_desc, " cgroups%d", l->cgroups);
  snprintf(rl->desc, sizeof rl->desc,
           "%s %dx%dx%d->%d k%dx%d s%d pad(t%d b%d l%d r%d) zp(%d,%d) act[%d,%d] G%d "
           "I%d T%d B%d S%d r%d%s%s",
           hta_op_name(l->op), l->in_h, l->in_w, l->in_c, l->out_c, l->kh, l->kw, l->stride,
           l->pad_t, l->pad_b, l->pad_l, l->pad_r, l->zp_in, l->zp_out, l->act_min,
           l->act_max, l->group, nk[0], nk[1], nk[2], nk[3], r,
           n_extreme ? " sat" : "", cgroups_desc);
  return 0;
}
