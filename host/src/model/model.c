/*
 * model.c - the in-memory model: a chain of layers owning deep copies of
 * their arrays (hta_model.h). The file format lives in model_io.c.
 *
 * A copied layer is canonical: an array is allocated only if some filter's
 * kind needs it, and rows of filters of another kind are zero. So two models
 * holding the same arithmetic compare equal array by array.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_model.h"
#include "model_internal.h"
#include "errmsg.h"

static char *dup_str(const char *s) {
  if (s == NULL) s = "";
  size_t n = strlen(s);
  if (n > HTA_MODEL_MAX_NAME) n = HTA_MODEL_MAX_NAME;
  char *d = malloc(n + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

hta_model *hta_model_new(const char *name, const char *plan) {
  hta_model *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->name = dup_str(name);
  m->plan = dup_str(plan);
  m->in_scale = 1.0f;
  m->out_scale = 1.0f;
  if (m->name == NULL || m->plan == NULL) {
    hta_model_free(m);
    return NULL;
  }
  return m;
}

void hta_model_free_layer(hta_layer *l) {
  free((void *)l->kind);
  free((void *)l->w);
  free((void *)l->t);
  free((void *)l->alpha);
  free((void *)l->bias);
  free((void *)l->mult);
  free((void *)l->shift);
  free((void *)l->wb);
  free((void *)l->hmul);
  free((void *)l->hshift);
  free((void *)l->wc);
  free((void *)l->lut);
  memset(l, 0, sizeof *l);
}

void hta_model_free(hta_model *m) {
  if (m == NULL) return;
  for (int i = 0; i < m->n; i++) hta_model_free_layer(&m->layers[i]);
  free(m->layers);
  free(m->name);
  free(m->plan);
  free(m);
}

int hta_model_layer_limits(const hta_layer *l, char *err, size_t n) {
  if ((unsigned)l->op >= (unsigned)HTA_OP_COUNT)
    return hta_errf(err, n, "op = %d is not an operation", (int)l->op);
#define DIM(f, lo, hi)                                                          \
  if (l->f < (lo) || l->f > (hi))                                               \
    return hta_errf(err, n, #f " = %d is outside %d..%d", l->f, (int)(lo), (int)(hi));
  DIM(in_h, 1, HTA_MODEL_MAX_DIM)
  DIM(in_w, 1, HTA_MODEL_MAX_DIM)
  DIM(in_c, 1, HTA_MODEL_MAX_DIM)
  DIM(out_c, 1, HTA_MODEL_MAX_DIM)
  DIM(zp_in, -128, 127)
  DIM(zp_out, -128, 127)
  DIM(act_min, -128, 127)
  DIM(act_max, -128, 127)
  DIM(n_src, 0, 2)
  DIM(src[0], 0, HTA_MODEL_MAX_LAYERS)
  DIM(src[1], 0, HTA_MODEL_MAX_LAYERS)
  DIM(in2_h, 0, HTA_MODEL_MAX_DIM)
  DIM(in2_w, 0, HTA_MODEL_MAX_DIM)
  DIM(in2_c, 0, HTA_MODEL_MAX_DIM)
  DIM(zp_in2, -128, 127)
  DIM(in_shift[0], 0, 31)
  DIM(in_shift[1], 0, 31)
  DIM(cgroups, 0, HTA_MODEL_MAX_DIM)
  if (l->op != HTA_OP_GAP) {
    DIM(kh, 1, HTA_MODEL_MAX_KERNEL)
    DIM(kw, 1, HTA_MODEL_MAX_KERNEL)
    DIM(stride, 1, HTA_MODEL_MAX_KERNEL)
    DIM(pad_t, 0, HTA_MODEL_MAX_KERNEL)
    DIM(pad_b, 0, HTA_MODEL_MAX_KERNEL)
    DIM(pad_l, 0, HTA_MODEL_MAX_KERNEL)
    DIM(pad_r, 0, HTA_MODEL_MAX_KERNEL)
    DIM(group, 0, HTA_MODEL_MAX_DIM)
    DIM(r, 0, HTA_MODEL_MAX_DIM)
  }
#undef DIM
  /* (before any size follows from K = kh kw in_c / cgroups) */
  if (l->cgroups > 1 && ((l->op != HTA_OP_CONV2D && l->op != HTA_OP_POINTWISE) ||
                         l->in_c % l->cgroups != 0 || l->out_c % l->cgroups != 0))
    return hta_errf(err, n, "cgroups = %d: a grouped %s needs cgroups dividing in_c = %d and "
                    "out_c = %d (CONV2D, POINTWISE only)", l->cgroups, hta_op_name(l->op),
                    l->in_c, l->out_c);
  const long long in_bytes = (long long)l->in_h * l->in_w * l->in_c;
  if (in_bytes > HTA_MODEL_MAX_TENSOR)
    return hta_errf(err, n, "input tensor %dx%dx%d is larger than 2^31-1 bytes", l->in_h,
                l->in_w, l->in_c);
  if ((long long)l->in2_h * l->in2_w * l->in2_c > HTA_MODEL_MAX_TENSOR)
    return hta_errf(err, n, "second input tensor %dx%dx%d is larger than 2^31-1 bytes", l->in2_h,
                    l->in2_w, l->in2_c);
  long long K;
  if (l->op == HTA_OP_GAP) {
    K = (long long)l->in_h * l->in_w;
  } else {
    if (l->in_h + l->pad_t + l->pad_b < l->kh || l->in_w + l->pad_l + l->pad_r < l->kw)
      return hta_errf(err, n, "kernel %dx%d is larger than the padded input", l->kh, l->kw);
    K = (long long)l->kh * l->kw *
        (l->op == HTA_OP_CONV2D || l->op == HTA_OP_POINTWISE || l->op == HTA_OP_FC
             ? l->in_c / (l->cgroups > 1 ? l->cgroups : 1)
             : 1);
    long long oh = (l->in_h + l->pad_t + l->pad_b - l->kh) / l->stride + 1;
    long long ow = (l->in_w + l->pad_l + l->pad_r - l->kw) / l->stride + 1;
    if (l->op == HTA_OP_RESIZE) oh = 2LL * l->in_h, ow = 2LL * l->in_w;
    const long long oc = l->op == HTA_OP_CONCAT ? (long long)l->in_c + l->in2_c : l->out_c;
    if (oh * ow * oc > HTA_MODEL_MAX_TENSOR)
      return hta_errf(err, n, "output tensor %lldx%lldx%d is larger than 2^31-1 bytes", oh, ow,
                  l->out_c);
  }
  if (K > HTA_MODEL_MAX_K)
    return hta_errf(err, n, "reduction length K = %lld exceeds %d", K, HTA_MODEL_MAX_K);
  return 0;
}

void hta_model_kind_counts(const hta_layer *l, int counts[4]) {
  counts[0] = counts[1] = counts[2] = counts[3] = 0;
  if (!hta_op_has_weights(l->op)) return;
  for (int o = 0; o < l->out_c; o++) {
    const unsigned k = (unsigned)hta_layer_kind(l, o);
    if (k < 4) counts[k]++;
  }
}

uint64_t hta_model_layer_mem(const hta_layer *l) {
  const uint64_t oc = (uint64_t)l->out_c;
  uint64_t b = oc * 9 + (l->lut ? 256 : 0); /* bias, mult, shift; table */
  if (!hta_op_has_weights(l->op)) return b;
  int c[4];
  hta_model_kind_counts(l, c);
  const uint64_t K = (uint64_t)hta_layer_k(l), NG = (uint64_t)hta_layer_ngroups(l);
  b += oc;
  if (c[HTA_KIND_INT8]) b += oc * K;
  if (c[HTA_KIND_TERNARY] + c[HTA_KIND_BINARY]) b += oc * K + oc * NG;
  if (c[HTA_KIND_STRASSEN]) {
    const uint64_t r = (uint64_t)l->r, blocks = hta_layer_is_depthwise(l) ? oc : 1;
    b += blocks * r * K + blocks * r * 5 + oc * r;
  }
  return b;
}

int hta_model_push_owned(hta_model *m, const hta_layer *l) {
  if (m->n == m->cap) {
    const int cap = m->cap ? 2 * m->cap : 8;
    hta_layer *nl = realloc(m->layers, (size_t)cap * sizeof *nl);
    if (nl == NULL) return -1;
    m->layers = nl;
    m->cap = cap;
  }
  m->layers[m->n++] = *l;
  return 0;
}

/* calloc'd copy of n elements of size sz, or a zero array if src is NULL. */
static void *zalloc(size_t n, size_t sz) { return calloc(n ? n : 1, sz); }

/* Deep, canonical copy of a checked layer (layer i of its model) into *d.
 * 0 or -1 (OOM). */
static int copy_layer(hta_layer *d, const hta_layer *s, int i) {
  memset(d, 0, sizeof *d);
  *d = *s;
  d->kind = NULL; d->w = NULL; d->t = NULL; d->alpha = NULL; d->bias = NULL;
  d->mult = NULL; d->shift = NULL; d->wb = NULL; d->hmul = NULL; d->hshift = NULL;
  d->wc = NULL; d->lut = NULL;
  d->n_src = hta_op_inputs(s->op);
  d->src[0] = hta_layer_src(s, i, 0);
  d->src[1] = d->n_src > 1 ? s->src[1] : 0;
  d->cgroups = s->cgroups > 1 ? s->cgroups : 0; /* (1 and 0 both mean ungrouped) */
  if (s->lut) {
    int8_t *lut = malloc(256);
    if (!lut) return -1;
    memcpy(lut, s->lut, 256);
    d->lut = lut;
  }
  const size_t oc = (size_t)s->out_c;
  if (!hta_op_has_output_stage(s->op)) {
    d->group = d->r = 0;
    return 0;
  }
  int32_t *bias = zalloc(oc, 4), *mult = zalloc(oc, 4);
  uint8_t *shift = zalloc(oc, 1);
  d->bias = bias; d->mult = mult; d->shift = shift;
  if (!bias || !mult || !shift) goto oom;
  memcpy(bias, s->bias, oc * 4);
  memcpy(mult, s->mult, oc * 4);
  memcpy(shift, s->shift, oc);
  if (s->op == HTA_OP_GAP) {
    d->kh = d->kw = d->stride = 1;
    d->pad_t = d->pad_b = d->pad_l = d->pad_r = 0;
  }
  if (!hta_op_has_weights(s->op)) {
    d->group = 0;
    d->r = 0;
    return 0;
  }
  int c[4];
  hta_model_kind_counts(s, c);
  const size_t K = (size_t)hta_layer_k(s), NG = (size_t)hta_layer_ngroups(s);
  uint8_t *kind = zalloc(oc, 1);
  d->kind = kind;
  if (!kind) goto oom;
  for (size_t o = 0; o < oc; o++) kind[o] = (uint8_t)hta_layer_kind(s, (int)o);
  if (c[HTA_KIND_INT8]) {
    int8_t *w = zalloc(oc * K, 1);
    d->w = w;
    if (!w) goto oom;
    for (size_t o = 0; o < oc; o++)
      if (kind[o] == HTA_KIND_INT8) memcpy(w + o * K, s->w + o * K, K);
  }
  if (c[HTA_KIND_TERNARY] + c[HTA_KIND_BINARY]) {
    int8_t *t = zalloc(oc * K, 1);
    uint8_t *alpha = zalloc(oc * NG, 1);
    d->t = t; d->alpha = alpha;
    if (!t || !alpha) goto oom;
    for (size_t o = 0; o < oc; o++)
      if (kind[o] == HTA_KIND_TERNARY || kind[o] == HTA_KIND_BINARY) {
        memcpy(t + o * K, s->t + o * K, K);
        memcpy(alpha + o * NG, s->alpha + o * NG, NG);
      }
  }
  if (c[HTA_KIND_STRASSEN]) {
    const size_t r = (size_t)s->r, blocks = hta_layer_is_depthwise(s) ? oc : 1;
    int8_t *wb = zalloc(blocks * r * K, 1), *wc = zalloc(oc * r, 1);
    int32_t *hmul = zalloc(blocks * r, 4);
    uint8_t *hshift = zalloc(blocks * r, 1);
    d->wb = wb; d->wc = wc; d->hmul = hmul; d->hshift = hshift;
    if (!wb || !wc || !hmul || !hshift) goto oom;
    for (size_t b = 0; b < blocks; b++) {
      if (blocks > 1 && kind[b] != HTA_KIND_STRASSEN) continue;
      memcpy(wb + b * r * K, s->wb + b * r * K, r * K);
      memcpy(hmul + b * r, s->hmul + b * r, r * 4);
      memcpy(hshift + b * r, s->hshift + b * r, r);
    }
    for (size_t o = 0; o < oc; o++)
      if (kind[o] == HTA_KIND_STRASSEN) memcpy(wc + o * r, s->wc + o * r, r);
  } else {
    d->r = 0;
  }
  return 0;
oom:
  hta_model_free_layer(d);
  return -1;
}

int hta_model_add_layer(hta_model *m, const hta_layer *l, char *err, size_t errlen) {
  char msg[200];
  if (m == NULL || l == NULL) return hta_errf(err, errlen, "model or layer is NULL");
  if (m->n >= HTA_MODEL_MAX_LAYERS)
    return hta_errf(err, errlen, "layer %d: a model holds at most %d layers", m->n,
                HTA_MODEL_MAX_LAYERS);
  if (hta_model_layer_limits(l, msg, sizeof msg) || hta_layer_check(l, msg, sizeof msg))
    return hta_errf(err, errlen, "layer %d: %s", m->n, msg);
  hta_layer d;
  if (copy_layer(&d, l, m->n)) return hta_errf(err, errlen, "layer %d: out of memory", m->n);
  if (hta_model_push_owned(m, &d)) {
    hta_model_free_layer(&d);
    return hta_errf(err, errlen, "layer %d: out of memory", m->n);
  }
  if (hta_layer_links(m->layers, m->n - 1, msg, sizeof msg)) {
    m->n--;
    hta_model_free_layer(&m->layers[m->n]);
    return hta_errf(err, errlen, "layer %d: %s", m->n, msg);
  }
  return 0;
}

void hta_model_set_io_quant(hta_model *m, float in_scale, int in_zp, float out_scale,
                            int out_zp) {
  if (m == NULL) return;
  m->in_scale = in_scale;
  m->in_zp = in_zp;
  m->out_scale = out_scale;
  m->out_zp = out_zp;
}

void hta_model_get_info(const hta_model *m, hta_model_info *info) {
  memset(info, 0, sizeof *info);
  if (m == NULL) return;
  info->name = m->name;
  info->plan = m->plan;
  info->in_scale = m->in_scale;
  info->in_zp = m->in_zp;
  info->out_scale = m->out_scale;
  info->out_zp = m->out_zp;
  info->n_layers = m->n;
  if (m->n > 0) {
    const hta_layer *f = &m->layers[0], *l = &m->layers[m->n - 1];
    info->in_h = f->in_h;
    info->in_w = f->in_w;
    info->in_c = f->in_c;
    info->out_h = hta_layer_out_h(l);
    info->out_w = hta_layer_out_w(l);
    info->out_c = l->out_c;
  }
}

const hta_layer *hta_model_layers(const hta_model *m) {
  return m == NULL ? NULL : m->layers;
}
