/*
 * layer.c - shapes, validation and model-file packing of hta_layer.
 */
#include "hta_layer.h"
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

const char *hta_op_name(hta_op op) {
  switch (op) {
  case HTA_OP_CONV2D: return "CONV2D";
  case HTA_OP_DEPTHWISE: return "DEPTHWISE";
  case HTA_OP_POINTWISE: return "POINTWISE";
  case HTA_OP_FC: return "FC";
  case HTA_OP_GAP: return "GAP";
  }
  return "?";
}

const char *hta_kind_name(hta_kind k) {
  switch (k) {
  case HTA_KIND_INT8: return "INT8";
  case HTA_KIND_TERNARY: return "TERNARY";
  case HTA_KIND_BINARY: return "BINARY";
  case HTA_KIND_STRASSEN: return "STRASSEN";
  }
  return "?";
}

int hta_layer_out_h(const hta_layer *l) {
  if (l->op == HTA_OP_GAP) return 1;
  return (l->in_h + l->pad_t + l->pad_b - l->kh) / l->stride + 1;
}

int hta_layer_out_w(const hta_layer *l) {
  if (l->op == HTA_OP_GAP) return 1;
  return (l->in_w + l->pad_l + l->pad_r - l->kw) / l->stride + 1;
}

int hta_layer_k(const hta_layer *l) {
  switch (l->op) {
  case HTA_OP_GAP: return l->in_h * l->in_w;
  case HTA_OP_DEPTHWISE: return l->kh * l->kw;
  default: return l->kh * l->kw * l->in_c;
  }
}

int hta_layer_ngroups(const hta_layer *l) {
  const int K = hta_layer_k(l);
  return l->group == 0 ? 1 : (K + l->group - 1) / l->group;
}

hta_kind hta_layer_kind(const hta_layer *l, int o) {
  if (l->op == HTA_OP_GAP || l->kind == NULL) return HTA_KIND_INT8;
  return (hta_kind)l->kind[o];
}

int hta_layer_is_depthwise(const hta_layer *l) {
  return l->op == HTA_OP_DEPTHWISE;
}

size_t hta_layer_in_size(const hta_layer *l) {
  return (size_t)l->in_h * l->in_w * l->in_c;
}

size_t hta_layer_out_size(const hta_layer *l) {
  return (size_t)hta_layer_out_h(l) * hta_layer_out_w(l) * l->out_c;
}

/* ---- validation ---- */

static int is_int8(int v) { return v >= -128 && v <= 127; }

/* First index of v[0..n) outside [lo, hi] (and not 0 when no_zero), or -1. */
static long bad_value(const int8_t *v, size_t n, int lo, int hi, int no_zero) {
  for (size_t i = 0; i < n; i++)
    if (v[i] < lo || v[i] > hi || (no_zero && v[i] == 0)) return (long)i;
  return -1;
}

static int check_shape(const hta_layer *l, char *err, size_t n) {
  if (l->in_h < 1) return hta_errf(err, n, "in_h = %d must be >= 1", l->in_h);
  if (l->in_w < 1) return hta_errf(err, n, "in_w = %d must be >= 1", l->in_w);
  if (l->in_c < 1) return hta_errf(err, n, "in_c = %d must be >= 1", l->in_c);
  if (l->out_c < 1) return hta_errf(err, n, "out_c = %d must be >= 1", l->out_c);
  if ((l->op == HTA_OP_DEPTHWISE || l->op == HTA_OP_GAP) && l->out_c != l->in_c)
    return hta_errf(err, n, "out_c = %d must equal in_c = %d for %s", l->out_c,
                l->in_c, hta_op_name(l->op));
  if (l->op == HTA_OP_GAP) return 0;
  if (l->kh < 1) return hta_errf(err, n, "kh = %d must be >= 1", l->kh);
  if (l->kw < 1) return hta_errf(err, n, "kw = %d must be >= 1", l->kw);
  if (l->stride < 1) return hta_errf(err, n, "stride = %d must be >= 1", l->stride);
  if (l->pad_t < 0 || l->pad_b < 0 || l->pad_l < 0 || l->pad_r < 0)
    return hta_errf(err, n, "padding (pad_t %d, pad_b %d, pad_l %d, pad_r %d) must be >= 0",
                l->pad_t, l->pad_b, l->pad_l, l->pad_r);
  if (l->op == HTA_OP_POINTWISE || l->op == HTA_OP_FC) {
    if (l->kh != 1 || l->kw != 1 || l->stride != 1 || l->pad_t || l->pad_b ||
        l->pad_l || l->pad_r)
      return hta_errf(err, n, "%s needs kh = kw = stride = 1 and no padding",
                  hta_op_name(l->op));
    if (l->op == HTA_OP_FC && (l->in_h != 1 || l->in_w != 1))
      return hta_errf(err, n, "FC needs in_h = in_w = 1 (got %dx%d)", l->in_h, l->in_w);
  }
  if (l->in_h + l->pad_t + l->pad_b < l->kh)
    return hta_errf(err, n, "kh = %d exceeds in_h + pad_t + pad_b = %d", l->kh,
                l->in_h + l->pad_t + l->pad_b);
  if (l->in_w + l->pad_l + l->pad_r < l->kw)
    return hta_errf(err, n, "kw = %d exceeds in_w + pad_l + pad_r = %d", l->kw,
                l->in_w + l->pad_l + l->pad_r);
  return 0;
}

static int check_quant(const hta_layer *l, char *err, size_t n) {
  if (!is_int8(l->zp_in)) return hta_errf(err, n, "zp_in = %d is not int8", l->zp_in);
  if (!is_int8(l->zp_out)) return hta_errf(err, n, "zp_out = %d is not int8", l->zp_out);
  if (!is_int8(l->act_min)) return hta_errf(err, n, "act_min = %d is not int8", l->act_min);
  if (!is_int8(l->act_max)) return hta_errf(err, n, "act_max = %d is not int8", l->act_max);
  if (l->act_min > l->act_max)
    return hta_errf(err, n, "act_min = %d > act_max = %d", l->act_min, l->act_max);
  if (l->bias == NULL) return hta_errf(err, n, "bias is NULL");
  if (l->mult == NULL) return hta_errf(err, n, "mult is NULL");
  if (l->shift == NULL) return hta_errf(err, n, "shift is NULL");
  for (int o = 0; o < l->out_c; o++)
    if (l->shift[o] > 31) return hta_errf(err, n, "shift[%d] = %d > 31", o, l->shift[o]);
  return 0;
}

static int check_weights(const hta_layer *l, char *err, size_t n) {
  const size_t K = (size_t)hta_layer_k(l);
  int n_strassen = 0;
  if (l->group < 0) return hta_errf(err, n, "group = %d must be >= 0", l->group);
  for (int o = 0; o < l->out_c; o++) {
    const hta_kind k = hta_layer_kind(l, o);
    long i;
    switch (k) {
    case HTA_KIND_INT8:
      if (l->w == NULL) return hta_errf(err, n, "w is NULL but filter %d is INT8", o);
      break;
    case HTA_KIND_TERNARY:
    case HTA_KIND_BINARY:
      if (l->t == NULL) return hta_errf(err, n, "t is NULL but filter %d is %s", o, hta_kind_name(k));
      if (l->alpha == NULL)
        return hta_errf(err, n, "alpha is NULL but filter %d is %s", o, hta_kind_name(k));
      i = k == HTA_KIND_TERNARY ? bad_value(l->t + o * K, K, -1, 1, 0)
                                : bad_value(l->t + o * K, K, -1, 1, 1);
      if (i >= 0)
        return hta_errf(err, n, "t[%d][%ld] = %d is not a %s weight (%s)", o, i,
                    l->t[o * K + (size_t)i], hta_kind_name(k),
                    k == HTA_KIND_TERNARY ? "-1, 0, 1" : "-1, 1");
      break;
    case HTA_KIND_STRASSEN:
      n_strassen++;
      break;
    default:
      return hta_errf(err, n, "kind[%d] = %d is not a weight kind", o, (int)k);
    }
  }
  if (n_strassen == 0) {
    if (l->r != 0) return hta_errf(err, n, "r = %d but no filter is STRASSEN", l->r);
    return 0;
  }
  if (l->r < 1) return hta_errf(err, n, "r = %d must be >= 1 with STRASSEN filters", l->r);
  if (l->wb == NULL) return hta_errf(err, n, "wb is NULL with STRASSEN filters");
  if (l->wc == NULL) return hta_errf(err, n, "wc is NULL with STRASSEN filters");
  if (l->hmul == NULL) return hta_errf(err, n, "hmul is NULL with STRASSEN filters");
  if (l->hshift == NULL) return hta_errf(err, n, "hshift is NULL with STRASSEN filters");
  const size_t r = (size_t)l->r;
  const size_t blocks = hta_layer_is_depthwise(l) ? (size_t)l->out_c : 1;
  for (size_t b = 0; b < blocks; b++) {
    if (blocks > 1 && hta_layer_kind(l, (int)b) != HTA_KIND_STRASSEN) continue;
    long i = bad_value(l->wb + b * r * K, r * K, -1, 1, 0);
    if (i >= 0)
      return hta_errf(err, n, "wb[%zu][%ld][%ld] = %d is not ternary", b, i / (long)K,
                  i % (long)K, l->wb[b * r * K + (size_t)i]);
    for (size_t j = 0; j < r; j++)
      if (l->hshift[b * r + j] > 31)
        return hta_errf(err, n, "hshift[%zu][%zu] = %d > 31", b, j, l->hshift[b * r + j]);
  }
  for (int o = 0; o < l->out_c; o++) {
    if (hta_layer_kind(l, o) != HTA_KIND_STRASSEN) continue;
    long i = bad_value(l->wc + (size_t)o * r, r, -1, 1, 0);
    if (i >= 0)
      return hta_errf(err, n, "wc[%d][%ld] = %d is not ternary", o, i, l->wc[(size_t)o * r + (size_t)i]);
  }
  return 0;
}

int hta_layer_check(const hta_layer *l, char *err, size_t n) {
  if (l == NULL) return hta_errf(err, n, "layer is NULL");
  switch (l->op) {
  case HTA_OP_CONV2D: case HTA_OP_DEPTHWISE: case HTA_OP_POINTWISE:
  case HTA_OP_FC: case HTA_OP_GAP:
    break;
  default:
    return hta_errf(err, n, "op = %d is not an operation", (int)l->op);
  }
  if (check_shape(l, err, n) || check_quant(l, err, n)) return -1;
  if (l->op == HTA_OP_GAP) return 0;
  return check_weights(l, err, n);
}

/* ---- model-file packing ---- */

size_t hta_ternary_packed_bytes(size_t n) { return (n + 3) / 4; }
size_t hta_binary_packed_bytes(size_t n) { return (n + 7) / 8; }

int hta_pack_ternary(const int8_t *t, size_t n, uint8_t *out) {
  for (size_t i = 0; i < hta_ternary_packed_bytes(n); i++) out[i] = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned code = t[i] == 0 ? 0u : t[i] == 1 ? 1u : t[i] == -1 ? 3u : 4u;
    if (code > 3) return -1;
    out[i / 4] |= (uint8_t)(code << (2 * (i % 4)));
  }
  return 0;
}

int hta_unpack_ternary(const uint8_t *in, size_t n, int8_t *t) {
  static const int8_t value[4] = {0, 1, 0, -1};
  for (size_t i = 0; i < n; i++) {
    unsigned code = (in[i / 4] >> (2 * (i % 4))) & 3u;
    if (code == 2) return -1;
    t[i] = value[code];
  }
  return 0;
}

int hta_pack_binary(const int8_t *t, size_t n, uint8_t *out) {
  for (size_t i = 0; i < hta_binary_packed_bytes(n); i++) out[i] = 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i] != 1 && t[i] != -1) return -1;
    if (t[i] == -1) out[i / 8] |= (uint8_t)(1u << (i % 8));
  }
  return 0;
}

int hta_unpack_binary(const uint8_t *in, size_t n, int8_t *t) {
  for (size_t i = 0; i < n; i++) t[i] = (in[i / 8] >> (i % 8)) & 1u ? -1 : 1;
  return 0;
}
