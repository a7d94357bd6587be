/*
 * golden.c - the golden model of HTA: docs/numerics.md, line by line.
 *
 * Sums are exact (64-bit); saturation happens once, in the output stage.
 * Nothing here knows about the hardware (lanes, passes, tiles).
 */
#include "hta_golden.h"

#include <stdlib.h>

static int32_t clamp32(int32_t lo, int32_t hi, int32_t v) {
  return v < lo ? lo : v > hi ? hi : v;
}

int32_t hta_sat32(int64_t v) {
  return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* SRDHM(a, b) = a == b == INT32_MIN ? INT32_MAX
 *             : (a*b + (a*b >= 0 ? 2^30 : 1 - 2^30)) / 2^31, truncating. */
int32_t hta_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * b;
  int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* RDBPOT(x, e): mask = 2^e - 1, rem = x & mask, thr = (mask >> 1) + (x < 0),
 * (x >> e) + (rem > thr), arithmetic shift. */
int32_t hta_rdbpot(int32_t x, int e) {
  const int32_t mask = (int32_t)((UINT32_C(1) << e) - 1);
  const int32_t rem = x & mask;
  const int32_t thr = (mask >> 1) + (x < 0);
  return (x >> e) + (rem > thr);
}

int8_t hta_requant(int64_t acc, int32_t bias, int32_t mult, int shift,
                   int zp_out, int act_min, int act_max) {
  const int32_t acc32 = hta_sat32((int64_t)bias + acc);
  const int32_t scaled = hta_rdbpot(hta_srdhm(acc32, mult), shift);
  /* y is exact: at the int32 extremes zp_out + scaled needs 33 bits, and the
   * clamp applies to that value, never to a wrapped or truncated one. */
  const int64_t y = (int64_t)zp_out + scaled;
  return (int8_t)(y < act_min ? act_min : y > act_max ? act_max : y);
}

/* ---- dot products of one filter over a window of centred inputs xc[K] ---- */

static int64_t dot_int8(const int8_t *w, const int32_t *xc, int n) {
  int64_t s = 0;
  for (int k = 0; k < n; k++) s += (int64_t)w[k] * xc[k];
  return s;
}

/* sum_g alpha[g] * sum_{k in g} t[k] * xc[k]: group g holds k = g*G ..
 * g*G + G-1 (the last one may be shorter); G = 0 means one group. */
static int64_t dot_ternary(const int8_t *t, const uint8_t *alpha, int G,
                           const int32_t *xc, int K) {
  const int size = G > 0 ? G : K;
  int64_t s = 0;
  for (int g = 0; g * size < K; g++) {
    const int k0 = g * size, n = K - k0 < size ? K - k0 : size;
    s += alpha[g] * dot_int8(t + k0, xc + k0, n);
  }
  return s;
}

/* h[j] = clamp(-128, 127, RDBPOT(SRDHM(sat32(wb_j . xc), hmul[j]), hshift[j])) */
static void strassen_hidden(const int8_t *wb, const int32_t *hmul,
                            const uint8_t *hshift, int r, const int32_t *xc,
                            int K, int32_t *h) {
  for (int j = 0; j < r; j++) {
    const int32_t hid = hta_sat32(dot_int8(wb + (size_t)j * K, xc, K));
    h[j] = clamp32(-128, 127, hta_rdbpot(hta_srdhm(hid, hmul[j]), hshift[j]));
  }
}

/* acc of filter o (row o of the layer's arrays) given its window xc[K] and,
 * for STRASSEN, the hidden units h[r] of its block and its wc row. */
static int64_t filter_acc(const hta_layer *l, int o, const int32_t *xc, int K,
                          const int32_t *h, const int8_t *wc_row) {
  const int ng = hta_layer_ngroups(l);
  switch (hta_layer_kind(l, o)) {
  case HTA_KIND_INT8:
    return dot_int8(l->w + (size_t)o * K, xc, K);
  case HTA_KIND_TERNARY:
  case HTA_KIND_BINARY:
    return dot_ternary(l->t + (size_t)o * K, l->alpha + (size_t)o * ng,
                       l->group, xc, K);
  case HTA_KIND_STRASSEN: {
    int64_t s = 0;
    for (int j = 0; j < l->r; j++) s += (int64_t)wc_row[j] * h[j];
    return s;
  }
  }
  return 0;
}

/* Centred window of output pixel (oy, ox) over channels c0 .. c0+nc-1:
 * xc[(ky*kw + kx)*nc + ci] = x - zp_in inside the image, 0 in the padding. */
static void window(const hta_layer *l, const int8_t *in, int oy, int ox,
                   int c0, int nc, int32_t *xc) {
  for (int ky = 0; ky < l->kh; ky++) {
    for (int kx = 0; kx < l->kw; kx++) {
      const int iy = oy * l->stride - l->pad_t + ky;
      const int ix = ox * l->stride - l->pad_l + kx;
      const int inside = iy >= 0 && iy < l->in_h && ix >= 0 && ix < l->in_w;
      for (int ci = 0; ci < nc; ci++) {
        const size_t at = ((size_t)iy * l->in_w + ix) * l->in_c + c0 + ci;
        xc[(ky * l->kw + kx) * nc + ci] = inside ? in[at] - l->zp_in : 0;
      }
    }
  }
}

static int8_t output_stage(const hta_layer *l, int o, int64_t acc) {
  return hta_requant(acc, l->bias[o], l->mult[o], l->shift[o], l->zp_out,
                     l->act_min, l->act_max);
}

/* Asked once per output row by the layers that loop over rows: nonzero
 * stops the layer (hta_golden_layer2_stop). */
typedef struct stop_fn {
  int (*fn)(void *);
  void *user;
} stop_fn;
#define STOP(s) ((s)->fn != NULL && (s)->fn((s)->user))

/* conv2d, pointwise, fully connected: every filter reads all channels, or
 * (cgroups g > 1) the in_c / g channels of its group, filters
 * [gi out_c / g, (gi + 1) out_c / g) reading channels [gi in_c / g, ..). */
static int run_conv(const hta_layer *l, const int8_t *in, int8_t *out,
                    int32_t *xc, int32_t *h, const stop_fn *s) {
  const int K = hta_layer_k(l), oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
  const int ng = hta_layer_cgroups(l), cpg = l->in_c / ng, opg = l->out_c / ng;
  for (int oy = 0; oy < oh; oy++) {
    if (STOP(s)) return 1;
    for (int ox = 0; ox < ow; ox++) {
      int8_t *px = out + ((size_t)oy * ow + ox) * l->out_c;
      for (int gi = 0; gi < ng; gi++) {
        window(l, in, oy, ox, gi * cpg, cpg, xc);
        /* (STRASSEN filters are never grouped: hta_layer_check) */
        if (l->r > 0) strassen_hidden(l->wb, l->hmul, l->hshift, l->r, xc, K, h);
        for (int o = gi * opg; o < (gi + 1) * opg; o++) {
          const int8_t *wc_row = l->wc ? l->wc + (size_t)o * l->r : NULL;
          px[o] = output_stage(l, o, filter_acc(l, o, xc, K, h, wc_row));
        }
      }
    }
  }
  return 0;
}

/* depthwise: filter c reads only channel c (its own strassen block too). */
static int run_depthwise(const hta_layer *l, const int8_t *in, int8_t *out,
                         int32_t *xc, int32_t *h, const stop_fn *s) {
  const int K = hta_layer_k(l), oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
  const int r = l->r;
  for (int oy = 0; oy < oh; oy++) {
    if (STOP(s)) return 1;
    for (int ox = 0; ox < ow; ox++) {
      int8_t *px = out + ((size_t)oy * ow + ox) * l->out_c;
      for (int c = 0; c < l->out_c; c++) {
        window(l, in, oy, ox, c, 1, xc);
        const int8_t *wc_row = NULL;
        if (hta_layer_kind(l, c) == HTA_KIND_STRASSEN) {
          strassen_hidden(l->wb + (size_t)c * r * K, l->hmul + (size_t)c * r,
                          l->hshift + (size_t)c * r, r, xc, K, h);
          wc_row = l->wc + (size_t)c * r;
        }
        px[c] = output_stage(l, c, filter_acc(l, c, xc, K, h, wc_row));
      }
    }
  }
  return 0;
}

/* global average pool: acc[c] = sum_{y,x} xc[y][x][c]. */
static void run_gap(const hta_layer *l, const int8_t *in, int8_t *out) {
  for (int c = 0; c < l->in_c; c++) {
    int64_t acc = 0;
    for (size_t p = 0; p < (size_t)l->in_h * l->in_w; p++)
      acc += in[p * l->in_c + c] - l->zp_in;
    out[c] = output_stage(l, c, acc);
  }
}

/* ---- format-version-2 ops (docs/numerics.md "Graph ops") ---- */

/* Input rescale of ADD and CONCAT: RDBPOT(SRDHM((x - zp) * 2^20, m), s). */
static int32_t rescale_in(int x, int zp, int32_t m, int s) {
  return hta_rdbpot(hta_srdhm((x - zp) * (INT32_C(1) << 20), m), s);
}

static int8_t clamp_act(const hta_layer *l, int v) {
  return (int8_t)(v < l->act_min ? l->act_min : v > l->act_max ? l->act_max : v);
}

static void run_add(const hta_layer *l, const int8_t *a, const int8_t *b, int8_t *out) {
  const size_t pix = (size_t)l->in_h * l->in_w;
  for (size_t p = 0; p < pix; p++)
    for (int c = 0; c < l->out_c; c++) {
      const size_t at = p * l->in_c + c;
      const int64_t acc = (int64_t)rescale_in(a[at], l->zp_in, l->in_mult[0], l->in_shift[0]) +
                          rescale_in(b[at], l->zp_in2, l->in_mult[1], l->in_shift[1]);
      out[at] = output_stage(l, c, acc);
    }
}

static void run_concat(const hta_layer *l, const int8_t *a, const int8_t *b, int8_t *out) {
  const size_t pix = (size_t)l->in_h * l->in_w;
  for (size_t p = 0; p < pix; p++)
    for (int o = 0; o < l->out_c; o++) {
      const int32_t v =
          o < l->in_c ? rescale_in(a[p * l->in_c + o], l->zp_in, l->in_mult[0], l->in_shift[0])
                      : rescale_in(b[p * l->in2_c + (o - l->in_c)], l->zp_in2, l->in_mult[1],
                                   l->in_shift[1]);
      out[p * l->out_c + o] = output_stage(l, o, v);
    }
}

static void run_mul(const hta_layer *l, const int8_t *a, const int8_t *b, int8_t *out) {
  const size_t pix = (size_t)l->in_h * l->in_w;
  for (size_t p = 0; p < pix; p++)
    for (int c = 0; c < l->out_c; c++) {
      const size_t at = p * l->in_c + c;
      out[at] = output_stage(l, c, (int64_t)(a[at] - l->zp_in) * (b[c] - l->zp_in2));
    }
}

/* MAXPOOL: the largest in-image value of the window; AVGPOOL: the mean of
 * the in-image centred values, rounded half away from zero, then the output
 * stage. Padding positions are not counted (ONNX count_include_pad = 0). */
static int run_pool(const hta_layer *l, const int8_t *in, int8_t *out, const stop_fn *s) {
  const int oh = hta_layer_out_h(l), ow = hta_layer_out_w(l);
  for (int oy = 0; oy < oh; oy++) {
    if (STOP(s)) return 1;
    for (int ox = 0; ox < ow; ox++)
      for (int c = 0; c < l->in_c; c++) {
        int mx = -128;
        int64_t sum = 0, n = 0;
        for (int ky = 0; ky < l->kh; ky++)
          for (int kx = 0; kx < l->kw; kx++) {
            const int iy = oy * l->stride - l->pad_t + ky, ix = ox * l->stride - l->pad_l + kx;
            if (iy < 0 || iy >= l->in_h || ix < 0 || ix >= l->in_w) continue;
            const int v = in[((size_t)iy * l->in_w + ix) * l->in_c + c];
            mx = v > mx ? v : mx;
            sum += v - l->zp_in;
            n++;
          }
        int8_t *o = &out[((size_t)oy * ow + ox) * l->out_c + c];
        if (l->op == HTA_OP_MAXPOOL) {
          *o = clamp_act(l, mx);
        } else { /* n >= 1: hta_layer_check keeps padding below the kernel */
          const int64_t q = ((sum < 0 ? -sum : sum) * 2 + n) / (2 * n);
          *o = output_stage(l, c, sum < 0 ? -q : q);
        }
      }
  }
  return 0;
}

static void run_gmp(const hta_layer *l, const int8_t *in, int8_t *out) {
  for (int c = 0; c < l->in_c; c++) {
    int mx = -128;
    for (size_t p = 0; p < (size_t)l->in_h * l->in_w; p++)
      mx = in[p * l->in_c + c] > mx ? in[p * l->in_c + c] : mx;
    out[c] = clamp_act(l, mx);
  }
}

/* RESIZE (nearest, x2): out[y][x] = in[y/2][x/2]; PAD: the input, surrounded
 * by zp_in (the real value 0). */
static void run_move(const hta_layer *l, const int8_t *in, int8_t *out) {
  const int oh = hta_layer_out_h(l), ow = hta_layer_out_w(l), C = l->in_c;
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++)
      for (int c = 0; c < C; c++) {
        int v;
        if (l->op == HTA_OP_RESIZE) {
          v = in[((size_t)(y / 2) * l->in_w + x / 2) * C + c];
        } else {
          const int iy = y - l->pad_t, ix = x - l->pad_l;
          v = iy >= 0 && iy < l->in_h && ix >= 0 && ix < l->in_w
                  ? in[((size_t)iy * l->in_w + ix) * C + c]
                  : l->zp_in;
        }
        out[((size_t)y * ow + x) * C + c] = clamp_act(l, v);
      }
}

/* floor(sqrt(v)), the bitwise method: one result bit per step, from the top. */
uint64_t hta_isqrt64(uint64_t v) {
  uint64_t r = 0, bit = UINT64_C(1) << 62;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

/* LAYERNORM, per pixel over its C channels (docs/numerics.md, LAYERNORM):
 * d = x - zp_in, S = sum d, Q = sum d^2, V = C Q - S^2 + E (E = in_mult[0]),
 * R = isqrt(V * 2^14), inv = R ? floor(2^47 / R) : 0, and channel c's
 * accumulator acc = RHAZ((C d_c - S) * inv, 24) = (x - mean) / sqrt(var + eps)
 * in units of 2^-16, then the output stage of channel c. */
void hta_layernorm_acc(const int8_t *x, int C, int zp_in, int32_t E, int64_t *acc) {
  int64_t s = 0, q = 0;
  for (int c = 0; c < C; c++) {
    const int64_t d = x[c] - zp_in;
    s += d;
    q += d * d;
  }
  const uint64_t v = (uint64_t)(C * q - s * s) + (uint64_t)E;
  const uint64_t r = hta_isqrt64(v << 14);
  const int64_t inv = r ? (int64_t)((UINT64_C(1) << 47) / r) : 0;
  for (int c = 0; c < C; c++) {
    const int64_t prod = ((int64_t)C * (x[c] - zp_in) - s) * inv;
    const int64_t mag = ((prod < 0 ? -prod : prod) + (INT64_C(1) << 23)) >> 24;
    acc[c] = prod < 0 ? -mag : mag;
  }
}

static int run_layernorm(const hta_layer *l, const int8_t *in, int8_t *out) {
  const size_t pix = (size_t)l->in_h * l->in_w;
  const int C = l->in_c;
  int64_t *acc = malloc((size_t)C * sizeof *acc);
  if (acc == NULL) return -1;
  for (size_t p = 0; p < pix; p++) {
    hta_layernorm_acc(in + p * C, C, l->zp_in, l->in_mult[0], acc);
    for (int c = 0; c < C; c++) out[p * C + c] = output_stage(l, c, acc[c]);
  }
  free(acc);
  return 0;
}

int hta_golden_layer2_stop(const hta_layer *l, const int8_t *in, const int8_t *in2, int8_t *out,
                           int (*stop)(void *), void *user) {
  if (hta_layer_check(l, NULL, 0) != 0) return -1;
  if (hta_op_inputs(l->op) == 2 && in2 == NULL) return -1;
  const stop_fn s = {stop, user};
  int stopped = 0;
  switch (l->op) {
  case HTA_OP_GAP: run_gap(l, in, out); break;
  case HTA_OP_ADD: run_add(l, in, in2, out); break;
  case HTA_OP_CONCAT: run_concat(l, in, in2, out); break;
  case HTA_OP_MUL: run_mul(l, in, in2, out); break;
  case HTA_OP_MAXPOOL: case HTA_OP_AVGPOOL: stopped = run_pool(l, in, out, &s); break;
  case HTA_OP_GMP: run_gmp(l, in, out); break;
  case HTA_OP_RESIZE: case HTA_OP_PAD: run_move(l, in, out); break;
  case HTA_OP_LAYERNORM:
    if (run_layernorm(l, in, out) != 0) return -1;
    break;
  default: {
    int32_t *xc = malloc((size_t)hta_layer_k(l) * sizeof *xc);
    int32_t *h = malloc((size_t)(l->r > 0 ? l->r : 1) * sizeof *h);
    if (xc == NULL || h == NULL) {
      free(xc);
      free(h);
      return -1;
    }
    stopped = hta_layer_is_depthwise(l) ? run_depthwise(l, in, out, xc, h, &s)
                                         : run_conv(l, in, out, xc, h, &s);
    free(xc);
    free(h);
  }
  }
  if (stopped) return 1;
  if (l->lut != NULL) { /* the activation table, applied last */
    const size_t n = hta_layer_out_size(l);
    for (size_t i = 0; i < n; i++) out[i] = l->lut[out[i] + 128];
  }
  return 0;
}

int hta_golden_layer2(const hta_layer *l, const int8_t *in, const int8_t *in2, int8_t *out) {
  return hta_golden_layer2_stop(l, in, in2, out, NULL, NULL);
}

int hta_golden_layer(const hta_layer *l, const int8_t *in, int8_t *out) {
  return hta_golden_layer2(l, in, NULL, out);
}

int hta_golden_layers(const hta_layer *layers, int n, const int8_t *in,
                      int8_t *const *outs) {
  if (hta_layers_check(layers, n, NULL, 0) != 0) return -1;
  for (int i = 0; i < n; i++) {
    const int t0 = hta_layer_src(&layers[i], i, 0), t1 = hta_layer_src(&layers[i], i, 1);
    const int8_t *a = t0 == 0 ? in : outs[t0 - 1];
    const int8_t *b = t1 < 0 ? NULL : t1 == 0 ? in : outs[t1 - 1];
    if (hta_golden_layer2(&layers[i], a, b, outs[i]) != 0) return -1;
  }
  return 0;
}
