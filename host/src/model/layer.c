/*
 * layer.c - shapes, validation and model-file packing of hta_layer.
 */
#include "hta_layer.h"
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hta_op_name(hta_op op) {
  switch (op) {
  case HTA_OP_CONV2D: return "CONV2D";
  case HTA_OP_DEPTHWISE: return "DEPTHWISE";
  case HTA_OP_POINTWISE: return "POINTWISE";
  case HTA_OP_FC: return "FC";
  case HTA_OP_GAP: return "GAP";
  case HTA_OP_ADD: return "ADD";
  case HTA_OP_CONCAT: return "CONCAT";
  case HTA_OP_MUL: return "MUL";
  case HTA_OP_MAXPOOL: return "MAXPOOL";
  case HTA_OP_AVGPOOL: return "AVGPOOL";
  case HTA_OP_GMP: return "GMP";
  case HTA_OP_RESIZE: return "RESIZE";
  case HTA_OP_PAD: return "PAD";
  case HTA_OP_LAYERNORM: return "LAYERNORM";
  }
  return "?";
}

static int is_int8(int v) { return v >= -128 && v <= 127; }

int hta_op_inputs(hta_op op) {
  return op == HTA_OP_ADD || op == HTA_OP_CONCAT || op == HTA_OP_MUL ? 2 : 1;
}

int hta_op_has_weights(hta_op op) {
  return op == HTA_OP_CONV2D || op == HTA_OP_DEPTHWISE || op == HTA_OP_POINTWISE ||
         op == HTA_OP_FC;
}

int hta_op_has_output_stage(hta_op op) {
  return !(op == HTA_OP_MAXPOOL || op == HTA_OP_GMP || op == HTA_OP_RESIZE || op == HTA_OP_PAD);
}

static int is_pool(hta_op op) { return op == HTA_OP_MAXPOOL || op == HTA_OP_AVGPOOL; }
static int is_global(hta_op op) { return op == HTA_OP_GAP || op == HTA_OP_GMP; }
/* Ops with no kernel: kh = kw = stride = 1 (and no padding but for PAD). */
static int no_kernel(hta_op op) { return !hta_op_has_weights(op) && !is_pool(op); }

int hta_layer_src(const hta_layer *l, int i, int j) {
  if (l->n_src == 0) return j == 0 ? i : -1;
  return j < l->n_src && j < 2 ? l->src[j] : -1;
}

int hta_layer_is_v2(const hta_layer *l, int i) {
  return (unsigned)l->op > (unsigned)HTA_OP_GAP || l->lut != NULL || l->n_src > 1 ||
         hta_layer_src(l, i, 0) != i;
}

int hta_layer_is_v3(const hta_layer *l) { return l->cgroups > 1; }

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
  if (is_global(l->op)) return 1;
  if (l->op == HTA_OP_RESIZE) return 2 * l->in_h;
  if (l->op == HTA_OP_PAD) return l->in_h + l->pad_t + l->pad_b;
  if (no_kernel(l->op)) return l->in_h;
  return (l->in_h + l->pad_t + l->pad_b - l->kh) / l->stride + 1;
}

int hta_layer_out_w(const hta_layer *l) {
  if (is_global(l->op)) return 1;
  if (l->op == HTA_OP_RESIZE) return 2 * l->in_w;
  if (l->op == HTA_OP_PAD) return l->in_w + l->pad_l + l->pad_r;
  if (no_kernel(l->op)) return l->in_w;
  return (l->in_w + l->pad_l + l->pad_r - l->kw) / l->stride + 1;
}

int hta_layer_k(const hta_layer *l) {
  switch (l->op) {
  case HTA_OP_GAP: case HTA_OP_GMP: return l->in_h * l->in_w;
  case HTA_OP_DEPTHWISE: case HTA_OP_MAXPOOL: case HTA_OP_AVGPOOL: return l->kh * l->kw;
  case HTA_OP_CONV2D: case HTA_OP_POINTWISE: case HTA_OP_FC:
    return l->kh * l->kw * hta_layer_filter_c(l);
  default: return 1; /* element-wise: one value per output */
  }
}

int hta_layer_cgroups(const hta_layer *l) { return l->cgroups > 1 ? l->cgroups : 1; }

int hta_layer_filter_c(const hta_layer *l) {
  if (l->op == HTA_OP_DEPTHWISE) return 1;
  /* (hta_layer_check keeps cgroups a divisor of in_c) */
  return l->cgroups > 1 ? l->in_c / l->cgroups : l->in_c;
}

int hta_layer_ngroups(const hta_layer *l) {
  const int K = hta_layer_k(l);
  return l->group == 0 ? 1 : (K + l->group - 1) / l->group;
}

hta_kind hta_layer_kind(const hta_layer *l, int o) {
  if (!hta_op_has_weights(l->op) || l->kind == NULL) return HTA_KIND_INT8;
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

/* First index of v[0..n) outside [lo, hi] (and not 0 when no_zero), or -1. */
static long bad_value(const int8_t *v, size_t n, int lo, int hi, int no_zero) {
  for (size_t i = 0; i < n; i++)
    if (v[i] < lo || v[i] > hi || (no_zero && v[i] == 0)) return (long)i;
  return -1;
}

/* The version-2 fields: inputs, second input, rescales, canonical unused
 * fields (zero), kernel fields of ops without a kernel. */
static int check_graph_fields(const hta_layer *l, char *err, size_t n) {
  const int ni = hta_op_inputs(l->op);
  if (l->n_src != 0 && l->n_src != ni)
    return hta_errf(err, n, "n_src = %d: %s reads %d input%s", l->n_src, hta_op_name(l->op), ni,
                    ni > 1 ? "s" : "");
  if (ni == 2 && l->n_src != 2)
    return hta_errf(err, n, "%s needs n_src = 2 and its two inputs in src", hta_op_name(l->op));
  for (int j = 0; j < 2; j++) {
    if (j < l->n_src && l->src[j] < 0)
      return hta_errf(err, n, "src[%d] = %d is not a tensor id", j, l->src[j]);
    if (j >= l->n_src && l->src[j] != 0)
      return hta_errf(err, n, "src[%d] = %d but the layer has %d input%s", j, l->src[j],
                      l->n_src, l->n_src == 1 ? "" : "s");
  }
  if (ni == 2) {
    const int h2 = l->op == HTA_OP_MUL ? 1 : l->in_h, w2 = l->op == HTA_OP_MUL ? 1 : l->in_w;
    const int c2 = l->op == HTA_OP_CONCAT ? l->in2_c : l->in_c;
    if (l->in2_h != h2 || l->in2_w != w2 || l->in2_c != c2 || l->in2_c < 1)
      return hta_errf(err, n, "second input %dx%dx%d: %s needs %dx%dx%s", l->in2_h, l->in2_w,
                      l->in2_c, hta_op_name(l->op), h2, w2,
                      l->op == HTA_OP_CONCAT ? "C (C >= 1)" : "in_c");
    if (!is_int8(l->zp_in2)) return hta_errf(err, n, "zp_in2 = %d is not int8", l->zp_in2);
  } else if (l->in2_h || l->in2_w || l->in2_c || l->zp_in2) {
    return hta_errf(err, n, "in2_h/in2_w/in2_c/zp_in2 must be 0: %s has one input",
                    hta_op_name(l->op));
  }
  const int rescale = l->op == HTA_OP_ADD || l->op == HTA_OP_CONCAT;
  const int ln = l->op == HTA_OP_LAYERNORM;
  if (ln && l->in_mult[0] < 0)
    return hta_errf(err, n, "in_mult[0] = %d: LAYERNORM's epsilon term must be >= 0",
                    l->in_mult[0]);
  for (int j = 0; j < 2; j++) {
    if (rescale && (l->in_shift[j] < 0 || l->in_shift[j] > 31))
      return hta_errf(err, n, "in_shift[%d] = %d is outside 0..31", j, l->in_shift[j]);
    if (!rescale && ((l->in_mult[j] && !(ln && j == 0)) || l->in_shift[j]))
      return hta_errf(err, n, "in_mult/in_shift must be 0: only ADD and CONCAT rescale inputs"
                      " (and LAYERNORM's in_mult[0], its epsilon term)");
  }
  if (!hta_op_has_weights(l->op) && (l->group || l->r))
    return hta_errf(err, n, "group = %d, r = %d must be 0: %s has no weights", l->group, l->r,
                    hta_op_name(l->op));
  if (l->op != HTA_OP_GAP && no_kernel(l->op) &&
      (l->kh != 1 || l->kw != 1 || l->stride != 1 ||
       (l->op != HTA_OP_PAD && (l->pad_t || l->pad_b || l->pad_l || l->pad_r))))
    return hta_errf(err, n, "%s needs kh = kw = stride = 1%s", hta_op_name(l->op),
                    l->op == HTA_OP_PAD ? "" : " and no padding");
  if (is_pool(l->op) && (l->pad_t >= l->kh || l->pad_b >= l->kh || l->pad_l >= l->kw ||
                         l->pad_r >= l->kw))
    return hta_errf(err, n, "%s padding (%d, %d, %d, %d) must be smaller than the kernel %dx%d",
                    hta_op_name(l->op), l->pad_t, l->pad_b, l->pad_l, l->pad_r, l->kh, l->kw);
  if (!hta_op_has_output_stage(l->op) && l->zp_out != l->zp_in)
    return hta_errf(err, n, "zp_out = %d must equal zp_in = %d: %s keeps its input's "
                    "quantization", l->zp_out, l->zp_in, hta_op_name(l->op));
  return 0;
}

static int check_shape(const hta_layer *l, char *err, size_t n) {
  if (l->in_h < 1) return hta_errf(err, n, "in_h = %d must be >= 1", l->in_h);
  if (l->in_w < 1) return hta_errf(err, n, "in_w = %d must be >= 1", l->in_w);
  if (l->in_c < 1) return hta_errf(err, n, "in_c = %d must be >= 1", l->in_c);
  if (l->out_c < 1) return hta_errf(err, n, "out_c = %d must be >= 1", l->out_c);
  if (l->op == HTA_OP_CONCAT) {
    if ((long)l->out_c != (long)l->in_c + l->in2_c)
      return hta_errf(err, n, "out_c = %d must equal in_c + in2_c = %ld for CONCAT", l->out_c,
                      (long)l->in_c + l->in2_c);
  } else if (l->op != HTA_OP_CONV2D && l->op != HTA_OP_POINTWISE && l->op != HTA_OP_FC &&
             l->out_c != l->in_c) {
    return hta_errf(err, n, "out_c = %d must equal in_c = %d for %s", l->out_c,
                l->in_c, hta_op_name(l->op));
  }
  if (check_graph_fields(l, err, n)) return -1;
  if (l->cgroups < 0) return hta_errf(err, n, "cgroups = %d must be >= 0", l->cgroups);
  if (l->cgroups > 1) {
    if (l->op != HTA_OP_CONV2D && l->op != HTA_OP_POINTWISE)
      return hta_errf(err, n, "cgroups = %d: only CONV2D and POINTWISE are grouped (%s)",
                      l->cgroups, hta_op_name(l->op));
    if (l->in_c % l->cgroups != 0 || l->out_c % l->cgroups != 0)
      return hta_errf(err, n, "cgroups = %d must divide in_c = %d and out_c = %d", l->cgroups,
                      l->in_c, l->out_c);
  }
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
  if (!hta_op_has_output_stage(l->op)) return 0;
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
  if (n_strassen > 0 && l->cgroups > 1)
    return hta_errf(err, n, "STRASSEN filters in a grouped layer (cgroups = %d): a hidden unit "
                    "reads every input channel", l->cgroups);
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
  case HTA_OP_FC: case HTA_OP_GAP: case HTA_OP_ADD: case HTA_OP_CONCAT: case HTA_OP_MUL:
  case HTA_OP_MAXPOOL: case HTA_OP_AVGPOOL: case HTA_OP_GMP: case HTA_OP_RESIZE:
  case HTA_OP_PAD: case HTA_OP_LAYERNORM:
    break;
  default:
    return hta_errf(err, n, "op = %d is not an operation", (int)l->op);
  }
  if (check_shape(l, err, n) || check_quant(l, err, n)) return -1;
  if (!hta_op_has_weights(l->op)) return 0;
  return check_weights(l, err, n);
}

/* ---- grouped convolutions ---- */

int hta_layer_block_diag(const hta_layer *l, hta_layer *d, void **mem, char *err, size_t n) {
  *mem = NULL;
  if (hta_layer_check(l, err, n) != 0) return -1;
  if (l->cgroups < 2) return hta_errf(err, n, "not a grouped convolution (cgroups %d)", l->cgroups);
  const int g = l->cgroups, cpg = l->in_c / g, opg = l->out_c / g, taps = l->kh * l->kw;
  const size_t Kn = (size_t)taps * cpg, K = (size_t)taps * l->in_c, oc = (size_t)l->out_c;
  int tern = 0;
  for (int o = 0; o < l->out_c; o++) tern |= hta_layer_kind(l, o) != HTA_KIND_INT8;
  const int one = !tern || l->group == 0 || (size_t)l->group >= Kn;
  const int G = one ? 0 : l->group;
  if (G > 0 && cpg % G != 0)
    return hta_errf(err, n, "ternary groups of G = %d weights do not divide the %d input channels "
                    "of a group (cgroups %d): no block-diagonal layer has them", G, cpg, g);
  const size_t NG = G ? K / (size_t)G : 1, NGn = G ? Kn / (size_t)G : 1;
  uint8_t *p = calloc(2 * oc * K + oc * NG + oc, 1);
  if (p == NULL) return hta_errf(err, n, "out of memory");
  int8_t *w = (int8_t *)p, *t = (int8_t *)p + oc * K;
  uint8_t *alpha = p + 2 * oc * K, *kind = alpha + oc * NG;
  for (size_t o = 0; o < oc; o++) {
    const size_t c0 = (o / (size_t)opg) * (size_t)cpg;
    const hta_kind kd = hta_layer_kind(l, (int)o);
    /* a BINARY filter has no weight 0: its block-diagonal row is TERNARY
     * (the same values and scales, the same sums) */
    kind[o] = (uint8_t)(kd == HTA_KIND_BINARY ? HTA_KIND_TERNARY : kd);
    for (size_t k = 0; k < Kn; k++) {
      const size_t at = o * K + (k / (size_t)cpg) * (size_t)l->in_c + c0 + k % (size_t)cpg;
      if (kd == HTA_KIND_INT8) w[at] = l->w[o * Kn + k];
      else t[at] = l->t[o * Kn + k];
    }
    if (kd == HTA_KIND_INT8) continue;
    for (size_t j = 0; j < NG; j++) { /* expanded group j: G channels of one tap */
      const size_t first = j * (size_t)(G ? G : 0); /* (one group: j = 0, c0) */
      const size_t ch = G ? first % (size_t)l->in_c : c0, tap = first / (size_t)l->in_c;
      const size_t jn = G ? (tap * (size_t)cpg + ch - c0) / (size_t)G : 0;
      alpha[o * NG + j] = ch >= c0 && ch < c0 + (size_t)cpg ? l->alpha[o * NGn + jn] : 1;
    }
  }
  *d = *l;
  d->cgroups = 0;
  d->group = G;
  d->w = w;
  d->t = t;
  d->alpha = alpha;
  d->kind = kind;
  *mem = p;
  return 0;
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

/* ---- graphs ---- */

int hta_layer_links(const hta_layer *layers, int i, char *err, size_t n) {
  const hta_layer *l = &layers[i];
  const int ni = hta_op_inputs(l->op);
  for (int j = 0; j < ni; j++) {
    const int t = hta_layer_src(l, i, j);
    if (t < 0 || t > i)
      return hta_errf(err, n, "input %d reads tensor %d, which is not the model input (0) or "
                      "the output of an earlier layer (1..%d)", j, t, i);
    const hta_layer *p = t > 0 ? &layers[t - 1] : &layers[0];
    const int ph = t > 0 ? hta_layer_out_h(p) : p->in_h;
    const int pw = t > 0 ? hta_layer_out_w(p) : p->in_w;
    const int pc = t > 0 ? p->out_c : p->in_c;
    const int pzp = t > 0 ? p->zp_out : p->zp_in;
    const int h = j ? l->in2_h : l->in_h, w = j ? l->in2_w : l->in_w, c = j ? l->in2_c : l->in_c;
    const int zp = j ? l->zp_in2 : l->zp_in;
    if (t == 0 && i == 0) continue; /* layer 0 defines the model input */
    char what[80];
    if (t == i && j == 0)
      snprintf(what, sizeof what, "the previous layer's");
    else if (t == 0)
      snprintf(what, sizeof what, "input %d (the model input): its", j);
    else
      snprintf(what, sizeof what, "input %d (layer %d's output): its", j, t - 1);
    if (h != ph || w != pw || c != pc)
      return hta_errf(err, n, "input %dx%dx%d does not match %s output %dx%dx%d", h, w, c, what,
                      ph, pw, pc);
    if (zp != pzp)
      return hta_errf(err, n, "%s = %d differs from %s zp_out = %d", j ? "zp_in2" : "zp_in", zp,
                      what, pzp);
  }
  return 0;
}

int hta_layers_check(const hta_layer *layers, int n, char *err, size_t errlen) {
  char msg[400];
  if (layers == NULL || n < 1) return hta_errf(err, errlen, "no layers (n = %d)", n);
  for (int i = 0; i < n; i++)
    if (hta_layer_check(&layers[i], msg, sizeof msg) ||
        hta_layer_links(layers, i, msg, sizeof msg))
      return hta_errf(err, errlen, "layer %d: %s", i, msg);
  return 0;
}
