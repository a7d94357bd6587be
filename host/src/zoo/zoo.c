/*
 * zoo.c - MobileNet-V1 with seeded synthetic weights and the quantization
 * plans of docs/zoo.md.
 *
 * Every filter's weights are drawn as real numbers (a Gaussian whose tails
 * vary from filter to filter, so some filters are much harder to ternarize
 * than others, as in trained networks), then quantized by the plan: INT8
 * (symmetric per filter), TWN, FGQ, or a strassenified block. Biases and
 * requantization are then calibrated analytically: each layer's input is
 * modelled as independent values with a known per-channel mean and a common
 * standard deviation, and each filter's bias/mult/shift are chosen from its
 * integer weights so its centred output has a chosen mean (60..120) and a
 * standard deviation of 40 (the FC logits: mean 0, deviation 30). Nothing
 * here needs libm: the library does not link it.
 */
#include "hta_zoo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_layer.h"
#include "hta_model.h"
#include "errmsg.h"

/* ---- small numerics without libm ---- */

static double zsqrt(double x) {
  if (!(x > 0)) return 0;
  double y = x > 1 ? x : 1;
  for (int i = 0; i < 60; i++) {
    const double ny = 0.5 * (y + x / y);
    if (ny >= y) break;
    y = ny;
  }
  return y;
}

static long long zround(double x) { return (long long)(x >= 0 ? x + 0.5 : x - 0.5); }
static double zabs(double x) { return x < 0 ? -x : x; }

/* ---- splitmix64 ---- */

typedef struct zrng {
  uint64_t s;
} zrng;

static uint64_t zr_u64(zrng *r) {
  uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}
static double zr_unit(zrng *r) { return (double)(zr_u64(r) >> 11) * (1.0 / 9007199254740992.0); }
/* Approximately standard normal (Irwin-Hall of 4, rescaled). */
static double zr_gauss(zrng *r) {
  double s = 0;
  for (int i = 0; i < 4; i++) s += zr_unit(r);
  return (s - 2.0) * 1.7320508075688772;
}

/* ---- plans ---- */

typedef enum { P_INT8, P_TWN, P_FGQ, P_STRASSEN, P_HYBRID } plan_kind;
typedef struct plan {
  plan_kind kind;
  int group;     /* FGQ */
  double frac;   /* HYBRID: fraction of INT8 filters in pointwise layers */
  double skk;    /* STRASSEN factor K (0: hybrid without strassen) */
} plan;

/* Parse a real number filling the whole of [s, end). */
static int parse_num(const char *s, size_t n, double *v) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.')) return -1;
  char *end;
  *v = strtod(buf, &end);
  return *end == '\0' ? 0 : -1;
}

static int parse_plan(const char *s, plan *p, char *err, size_t n) {
  memset(p, 0, sizeof *p);
  if (s == NULL) return hta_errf(err, n, "plan is NULL");
  if (!strcmp(s, "int8")) return p->kind = P_INT8, 0;
  if (!strcmp(s, "twn")) return p->kind = P_TWN, 0;
  double v;
  if (!strncmp(s, "fgq:", 4)) {
    if (parse_num(s + 4, strlen(s + 4), &v) || v != (double)(int)v || v < 4 || v > 1024)
      return hta_errf(err, n, "plan \"%s\": fgq:G needs an integer group size G in 4..1024", s);
    p->kind = P_FGQ;
    p->group = (int)v;
    return 0;
  }
  if (!strncmp(s, "strassen:", 9)) {
    if (parse_num(s + 9, strlen(s + 9), &v) || !(v > 0 && v <= 2))
      return hta_errf(err, n, "plan \"%s\": strassen:K needs a number K in (0, 2]", s);
    p->kind = P_STRASSEN;
    p->skk = v;
    return 0;
  }
  if (!strncmp(s, "hybrid:", 7)) {
    const char *f = s + 7, *c = strchr(f, ':');
    const size_t fl = c ? (size_t)(c - f) : strlen(f);
    if (parse_num(f, fl, &v) || !(v >= 0 && v <= 1))
      return hta_errf(err, n, "plan \"%s\": hybrid:F needs a fraction F in [0, 1]", s);
    p->kind = P_HYBRID;
    p->frac = v;
    if (c == NULL) return 0;
    if (strncmp(c, ":strassen:", 10) ||
        parse_num(c + 10, strlen(c + 10), &v) || !(v > 0 && v <= 2))
      return hta_errf(err, n, "plan \"%s\": expected hybrid:F:strassen:K with K in (0, 2]", s);
    p->skk = v;
    return 0;
  }
  return hta_errf(err, n, "plan \"%s\" is not one of int8, twn, fgq:G, strassen:K, hybrid:F, "
              "hybrid:F:strassen:K", s);
}

/* ---- quantizers ---- */

/* TWN over w[0..n): t in {-1,0,1}, returns alpha (real). */
static double twn(const double *w, int n, int8_t *t) {
  double mean = 0;
  for (int i = 0; i < n; i++) mean += zabs(w[i]);
  const double delta = 0.7 * mean / n;
  double sum = 0;
  int cnt = 0;
  for (int i = 0; i < n; i++) {
    const int big = zabs(w[i]) > delta;
    t[i] = (int8_t)(big ? (w[i] > 0 ? 1 : -1) : 0);
    if (big) sum += zabs(w[i]), cnt++;
  }
  return cnt ? sum / cnt : 0;
}

static int cmp_desc(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* FGQ threshold of one group: keep the n largest |w| maximising
 * (sum of kept |w|)^2 / n; alpha = their mean. tmp: n doubles. */
static double fgq_group(const double *w, int n, int8_t *t, double *tmp) {
  for (int i = 0; i < n; i++) tmp[i] = zabs(w[i]);
  qsort(tmp, (size_t)n, sizeof *tmp, cmp_desc);
  double best = -1, pre = 0, alpha = 0, thr = 0;
  for (int i = 0; i < n; i++) {
    pre += tmp[i];
    const double v = pre * pre / (i + 1);
    if (v > best) best = v, alpha = pre / (i + 1), thr = tmp[i];
  }
  for (int i = 0; i < n; i++)
    t[i] = (int8_t)(zabs(w[i]) >= thr && w[i] != 0 ? (w[i] > 0 ? 1 : -1) : 0);
  return alpha;
}

/* Relative TWN error of a filter: |w - alpha t|^2 / |w|^2. */
static double twn_error(const double *w, int n, int8_t *t) {
  const double a = twn(w, n, t);
  double e = 0, s = 0;
  for (int i = 0; i < n; i++) {
    const double d = w[i] - a * t[i];
    e += d * d;
    s += w[i] * w[i];
  }
  return s > 0 ? e / s : 0;
}

/* ---- requantization ---- */

/* Real multiplier M >= 0 -> (mult, shift) with M = mult * 2^-31 * 2^-shift. */
static void quant_mult(double M, int32_t *mult, uint8_t *shift) {
  int s = 0;
  if (!(M > 0)) {
    *mult = 0;
    *shift = 0;
    return;
  }
  while (M < 0.5 && s < 31) M *= 2, s++;
  long long q = zround(M * 2147483648.0);
  if (q > INT32_MAX) q = INT32_MAX;
  *mult = (int32_t)q;
  *shift = (uint8_t)s;
}

static int32_t clamp32(double v) {
  if (v > 2147483647.0) return INT32_MAX;
  if (v < -2147483648.0) return INT32_MIN;
  return (int32_t)zround(v);
}

/* ---- building ---- */

#define SIGMA_OUT 40.0 /* target deviation of a centred activation */

#define ZOO_MAX_TENSORS 256

typedef struct builder {
  zrng rng;
  plan p;
  double *mu;   /* [c] centred mean of each input channel */
  double sigma; /* common deviation of the input */
  hta_model *m;
  char *err;
  size_t errlen;
  /* Graphs: the channel means of every tensor so far (tensor 0 the input,
   * t = j + 1 the output of layer j), so a layer may read any of them. */
  double *tmu[ZOO_MAX_TENSORS];
  int tc[ZOO_MAX_TENSORS];
  int nt;
  int res; /* input resolution (the first layer of a graph) */
} builder;

/* Remember the current output's statistics as tensor nt (b->mu, c values). */
static int record(builder *b, int c) {
  if (b->nt >= ZOO_MAX_TENSORS) return hta_errf(b->err, b->errlen, "internal error: graph size");
  double *d = malloc((size_t)c * sizeof *d);
  if (d == NULL) return hta_errf(b->err, b->errlen, "out of memory");
  memcpy(d, b->mu, (size_t)c * sizeof *d);
  b->tmu[b->nt] = d;
  b->tc[b->nt++] = c;
  return 0;
}

/* The next layer reads tensor t: its statistics become the input's. */
static int use(builder *b, int t) {
  double *d = malloc((size_t)b->tc[t] * sizeof *d);
  if (d == NULL) return hta_errf(b->err, b->errlen, "out of memory");
  memcpy(d, b->tmu[t], (size_t)b->tc[t] * sizeof *d);
  free(b->mu);
  b->mu = d;
  b->sigma = t == 0 ? 74.0 : SIGMA_OUT;
  return 0;
}

static void builder_free(builder *b) {
  for (int t = 0; t < b->nt; t++) free(b->tmu[t]);
  free(b->mu);
  b->mu = NULL;
  b->nt = 0;
}

typedef struct arrays {
  uint8_t *kind;
  int8_t *w, *t, *wb, *wc;
  uint8_t *alpha, *shift, *hshift;
  int32_t *bias, *mult, *hmul;
  double *wf, *tmp, *mu_out;
} arrays;

static void arrays_free(arrays *a) {
  free(a->kind); free(a->w); free(a->t); free(a->wb); free(a->wc); free(a->alpha);
  free(a->shift); free(a->hshift); free(a->bias); free(a->mult); free(a->hmul);
  free(a->wf); free(a->tmp); free(a->mu_out);
  memset(a, 0, sizeof *a);
}

/* Draw the real weights of one filter: a Gaussian scaled by a per-filter
 * tail weight (heavier tails = larger ternarization error). */
static void draw_filter(zrng *r, double *w, int K) {
  const double tail = zr_unit(r);
  for (int k = 0; k < K; k++) {
    const double u = zr_unit(r);
    w[k] = zr_gauss(r) * (1.0 + 6.0 * tail * u * u * u * u);
  }
}

/* Mean and deviation of a filter's accumulator from its integer weights e
 * (the input channel of weight k: dw ? c : k % in_c). */
static void acc_stats(const builder *b, const hta_layer *l, int o, const double *e, int K,
                      double *mean, double *dev) {
  double m = 0, s2 = 0;
  for (int k = 0; k < K; k++) {
    const int ch = hta_layer_is_depthwise(l) ? o : k % l->in_c;
    m += e[k] * b->mu[ch];
    s2 += e[k] * e[k];
  }
  *mean = m;
  *dev = b->sigma * zsqrt(s2);
}

/* Output stage of filter o: centred output of mean target and deviation sd. */
static void calibrate(arrays *a, int o, double acc_mean, double acc_dev, double target,
                      double sd) {
  if (!(acc_dev > 1e-9)) acc_dev = 1;
  const double M = sd / acc_dev;
  quant_mult(M, &a->mult[o], &a->shift[o]);
  a->bias[o] = clamp32(target / M - acc_mean);
  a->mu_out[o] = target;
}

typedef enum { Q_INT8, Q_TWN, Q_FGQ } qmode;

/* Fill the layer's filters: kinds chosen, weights quantized, calibrated.
 * ptype: how this layer is treated (0 INT8 layer, 1 all-ternary layer,
 * 2 pointwise layer under a hybrid/strassen plan). */
static int build_weights(builder *b, hta_layer *l, arrays *a, int ptype, int last) {
  const int oc = l->out_c, K = hta_layer_k(l);
  if (oc < 1 || K < 1 || oc > 65535 || K > 65535)
    return hta_errf(b->err, b->errlen, "internal error: layer size %d x %d", oc, K);
  const int G = ptype == 1 && b->p.kind == P_FGQ ? b->p.group : 0;
  l->group = G;
  const int NG = hta_layer_ngroups(l);
  const size_t okz = (size_t)oc * (size_t)K;
  a->kind = calloc((size_t)oc, 1);
  a->w = calloc(okz, 1);
  a->t = calloc(okz, 1);
  a->alpha = calloc((size_t)oc * (size_t)NG, 1);
  a->bias = calloc((size_t)oc, 4);
  a->mult = calloc((size_t)oc, 4);
  a->shift = calloc((size_t)oc, 1);
  a->wf = malloc(okz * sizeof(double));
  a->tmp = malloc(((size_t)K + 1) * sizeof(double));
  a->mu_out = calloc((size_t)oc, sizeof(double));
  double *e = malloc(((size_t)K + 1) * sizeof(double));
  if (!a->kind || !a->w || !a->t || !a->alpha || !a->bias || !a->mult || !a->shift || !a->wf ||
      !a->tmp || !a->mu_out || !e) {
    free(e);
    return hta_errf(b->err, b->errlen, "out of memory");
  }
  for (int o = 0; o < oc; o++) draw_filter(&b->rng, a->wf + (size_t)o * K, K);
  /* Kinds. */
  int n_int8 = oc, n_str = 0;
  if (ptype == 1) {
    n_int8 = 0;
    memset(a->kind, HTA_KIND_TERNARY, (size_t)oc);
  } else if (ptype == 2) {
    const double frac = b->p.kind == P_STRASSEN ? 0.0 : b->p.frac;
    n_int8 = (int)zround(frac * oc);
    /* The precision-critical filters (largest TWN error) stay INT8. */
    double *err = malloc((size_t)oc * sizeof(double));
    int *idx = malloc((size_t)oc * sizeof(int));
    if (!err || !idx) {
      free(err); free(idx); free(e);
      return hta_errf(b->err, b->errlen, "out of memory");
    }
    for (int o = 0; o < oc; o++) {
      err[o] = twn_error(a->wf + (size_t)o * K, K, a->t + (size_t)o * K);
      idx[o] = o;
    }
    for (int i = 0; i < n_int8; i++) { /* partial selection sort: n_int8 largest */
      int best = i;
      for (int j = i + 1; j < oc; j++)
        if (err[idx[j]] > err[idx[best]]) best = j;
      const int tmpi = idx[i];
      idx[i] = idx[best];
      idx[best] = tmpi;
    }
    const hta_kind rest = b->p.skk > 0 ? HTA_KIND_STRASSEN : HTA_KIND_TERNARY;
    for (int i = 0; i < oc; i++) a->kind[idx[i]] = (uint8_t)(i < n_int8 ? HTA_KIND_INT8 : rest);
    if (rest == HTA_KIND_STRASSEN) n_str = oc - n_int8;
    free(err);
    free(idx);
    memset(a->t, 0, okz);
  }
  const double target_sd = last ? 30.0 : SIGMA_OUT;
  /* INT8 and ternary filters. */
  for (int o = 0; o < oc; o++) {
    const double *w = a->wf + (size_t)o * K;
    int8_t *t = a->t + (size_t)o * K;
    if (a->kind[o] == HTA_KIND_INT8) {
      double mx = 0;
      for (int k = 0; k < K; k++) mx = zabs(w[k]) > mx ? zabs(w[k]) : mx;
      for (int k = 0; k < K; k++) {
        const long long q = mx > 0 ? zround(127.0 * w[k] / mx) : 0;
        a->w[(size_t)o * K + k] = (int8_t)q;
        e[k] = (double)q;
      }
    } else if (a->kind[o] == HTA_KIND_TERNARY) {
      double al[1024 + 1];
      double amax = 0;
      if (G == 0) {
        al[0] = twn(w, K, t);
        amax = al[0];
      } else {
        for (int g = 0; g < NG; g++) {
          const int k0 = g * G, n = K - k0 < G ? K - k0 : G;
          al[g % 1024] = fgq_group(w + k0, n, t + k0, a->tmp);
          if (al[g % 1024] > amax) amax = al[g % 1024];
        }
      }
      for (int g = 0; g < NG; g++) {
        const long long q = amax > 0 ? zround(255.0 * al[g % 1024] / amax) : 0;
        a->alpha[(size_t)o * NG + g] = (uint8_t)q;
      }
      for (int k = 0; k < K; k++)
        e[k] = (double)a->alpha[(size_t)o * NG + (G ? k / G : 0)] * t[k];
    } else {
      continue;
    }
    double mean, dev;
    acc_stats(b, l, o, e, K, &mean, &dev);
    const double target = last ? 0.0 : 60.0 + 60.0 * zr_unit(&b->rng);
    calibrate(a, o, mean, dev, target, target_sd);
  }
  /* The strassenified block (pointwise layers only). */
  l->r = 0;
  if (n_str > 0) {
    long long r = zround(b->p.skk * oc * (b->p.kind == P_STRASSEN ? 1.0 : 1.0 - b->p.frac));
    if (r < 1) r = 1;
    l->r = (int)r;
    const size_t R = (size_t)r;
    a->wb = malloc(R * (size_t)K);
    a->wc = calloc((size_t)oc * R, 1);
    a->hmul = malloc(R * 4);
    a->hshift = malloc(R);
    double *hmean = malloc(R * sizeof(double)), *hvar = malloc(R * sizeof(double));
    if (!a->wb || !a->wc || !a->hmul || !a->hshift || !hmean || !hvar) {
      free(hmean); free(hvar); free(e);
      return hta_errf(b->err, b->errlen, "out of memory");
    }
    for (size_t j = 0; j < R; j++) {
      double m = 0, nnz = 0;
      for (int k = 0; k < K; k++) {
        const uint64_t u = zr_u64(&b->rng) % 3;
        const int8_t v = (int8_t)(u == 0 ? 0 : u == 1 ? 1 : -1);
        a->wb[j * (size_t)K + k] = v;
        m += v * b->mu[k % l->in_c];
        nnz += v != 0;
      }
      const double var = b->sigma * b->sigma * (nnz > 0 ? nnz : 1);
      const double M = SIGMA_OUT / zsqrt(m * m + var);
      quant_mult(M, &a->hmul[j], &a->hshift[j]);
      hmean[j] = M * m;
      hvar[j] = M * M * var;
    }
    for (int o = 0; o < oc; o++) {
      if (a->kind[o] != HTA_KIND_STRASSEN) continue;
      double m = 0, v = 0;
      for (size_t j = 0; j < R; j++) {
        const uint64_t u = zr_u64(&b->rng) % 3;
        const int8_t c = (int8_t)(u == 0 ? 0 : u == 1 ? 1 : -1);
        a->wc[(size_t)o * R + j] = c;
        m += c * hmean[j];
        v += c * c * hvar[j];
      }
      const double target = last ? 0.0 : 60.0 + 60.0 * zr_unit(&b->rng);
      calibrate(a, o, m, zsqrt(v), target, target_sd);
    }
    free(hmean);
    free(hvar);
  }
  free(e);
  l->kind = a->kind;
  l->w = n_int8 > 0 ? a->w : NULL;
  l->t = a->t;
  l->alpha = a->alpha;
  l->bias = a->bias;
  l->mult = a->mult;
  l->shift = a->shift;
  l->wb = a->wb;
  l->wc = a->wc;
  l->hmul = a->hmul;
  l->hshift = a->hshift;
  return 0;
}

/* TensorFlow "same" padding along one axis: odd pixel at the bottom/right. */
static void same_pad(int in, int k, int s, int *lo, int *hi) {
  const int out = (in + s - 1) / s;
  int total = (out - 1) * s + k - in;
  if (total < 0) total = 0;
  *lo = total / 2;
  *hi = total - *lo;
}

/* Add one layer (conv-like: the shape fields of l set by the caller). */
/* Add l (its output stage in a) to the model unless rc already failed; a's
 * output statistics become the next layer's input statistics, and a graph
 * builder records the new tensor. Frees a's arrays. */
static int commit(builder *b, hta_layer *l, arrays *a, int rc) {
  char msg[300];
  if (rc == 0 && hta_model_add_layer(b->m, l, msg, sizeof msg))
    rc = hta_errf(b->err, b->errlen, "internal error: %s", msg);
  if (rc == 0) {
    free(b->mu);
    b->mu = a->mu_out;
    a->mu_out = NULL;
    b->sigma = SIGMA_OUT;
    if (b->nt > 0) rc = record(b, l->out_c);
  }
  arrays_free(a);
  return rc;
}

/* The output-stage arrays of a weightless layer of c channels. */
static int stage_arrays(builder *b, arrays *a, int c) {
  memset(a, 0, sizeof *a);
  a->bias = calloc((size_t)c, 4);
  a->mult = calloc((size_t)c, 4);
  a->shift = calloc((size_t)c, 1);
  a->mu_out = calloc((size_t)c, sizeof(double));
  if (a->bias && a->mult && a->shift && a->mu_out) return 0;
  arrays_free(a);
  return hta_errf(b->err, b->errlen, "out of memory");
}

static int add(builder *b, hta_layer *l, int ptype, int last) {
  arrays a;
  memset(&a, 0, sizeof a);
  return commit(b, l, &a, build_weights(b, l, &a, ptype, last));
}

static int add_gap(builder *b, int hw, int c) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_GAP;
  l.in_h = l.in_w = hw;
  l.in_c = l.out_c = c;
  l.kh = l.kw = l.stride = 1;
  l.zp_in = -128;
  l.zp_out = -128;
  l.act_min = -128;
  l.act_max = 127;
  arrays a;
  if (stage_arrays(b, &a, c) != 0) return -1;
  const double n = (double)hw * hw;
  for (int ch = 0; ch < c; ch++) {
    /* acc = sum of n values: mean n*mu, deviation sigma*sqrt(n) if the
     * pixels were independent. They are not (neighbouring windows share
     * inputs): the measured deviation of the sum is about 2.5 times that
     * (test_zoo prints it). Map it to mean 90, deviation 40. */
    calibrate(&a, ch, n * b->mu[ch], 2.5 * b->sigma * zsqrt(n), 90.0, SIGMA_OUT);
  }
  l.bias = a.bias;
  l.mult = a.mult;
  l.shift = a.shift;
  return commit(b, &l, &a, 0);
}

hta_model *hta_zoo_mobilenet_v1(double width, int resolution, const char *plan_s, uint64_t seed,
                                char *err, size_t errlen) {
  static const double widths[] = {0.25, 0.5, 0.75, 1.0};
  int wi = -1;
  for (int i = 0; i < 4; i++)
    if (zabs(width - widths[i]) < 1e-9) wi = i;
  if (wi < 0) {
    hta_errf(err, errlen, "width %g is not one of 0.25, 0.5, 0.75, 1.0", width);
    return NULL;
  }
  if (resolution != 128 && resolution != 160 && resolution != 192 && resolution != 224) {
    hta_errf(err, errlen, "resolution %d is not one of 128, 160, 192, 224", resolution);
    return NULL;
  }
  builder b;
  memset(&b, 0, sizeof b);
  if (parse_plan(plan_s, &b.p, err, errlen)) return NULL;
  b.err = err;
  b.errlen = errlen;
  b.rng.s = seed ^ UINT64_C(0x6D6F62696C656E31); /* "mobilen1" */
  char name[64];
  snprintf(name, sizeof name, "mobilenet-v1-%.2f-%d", widths[wi], resolution);
  b.m = hta_model_new(name, plan_s);
  b.mu = calloc(3, sizeof(double));
  if (b.m == NULL || b.mu == NULL) {
    hta_errf(err, errlen, "out of memory");
    hta_model_free(b.m);
    free(b.mu);
    return NULL;
  }
  /* Input: real [-1, 1) as int8, zero point 0; an image's values spread
   * over the whole range (deviation ~74 for a uniform one). */
  b.sigma = 74.0;
  hta_model_set_io_quant(b.m, 1.0f / 128.0f, 0, 0.125f, 0);
  const int all_ternary = b.p.kind == P_TWN || b.p.kind == P_FGQ;
  const int pw_special = b.p.kind == P_STRASSEN || b.p.kind == P_HYBRID;
  static const int pw_out[13] = {64, 128, 128, 256, 256, 512, 512,
                                 512, 512, 512, 512, 1024, 1024};
  static const int dw_stride[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
  int h = resolution, c = 3, rc;
  /* conv 3x3 s2, 3 -> 32a, ReLU6 */
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_CONV2D;
  l.in_h = l.in_w = h;
  l.in_c = c;
  l.out_c = (int)(32 * width);
  l.kh = l.kw = 3;
  l.stride = 2;
  same_pad(h, 3, 2, &l.pad_t, &l.pad_b);
  same_pad(h, 3, 2, &l.pad_l, &l.pad_r);
  l.zp_in = 0;
  l.zp_out = -128;
  l.act_min = -128;
  l.act_max = 127;
  rc = add(&b, &l, all_ternary, 0);
  h = hta_layer_out_h(&l);
  c = l.out_c;
  for (int i = 0; rc == 0 && i < 13; i++) {
    memset(&l, 0, sizeof l);
    l.op = HTA_OP_DEPTHWISE;
    l.in_h = l.in_w = h;
    l.in_c = l.out_c = c;
    l.kh = l.kw = 3;
    l.stride = dw_stride[i];
    same_pad(h, 3, l.stride, &l.pad_t, &l.pad_b);
    same_pad(h, 3, l.stride, &l.pad_l, &l.pad_r);
    l.zp_in = l.zp_out = -128;
    l.act_min = -128;
    l.act_max = 127;
    rc = add(&b, &l, all_ternary, 0);
    if (rc) break;
    h = hta_layer_out_h(&l);
    memset(&l, 0, sizeof l);
    l.op = HTA_OP_POINTWISE;
    l.in_h = l.in_w = h;
    l.in_c = c;
    l.out_c = (int)(pw_out[i] * width);
    l.kh = l.kw = l.stride = 1;
    l.zp_in = l.zp_out = -128;
    l.act_min = -128;
    l.act_max = 127;
    rc = add(&b, &l, all_ternary ? 1 : pw_special ? 2 : 0, 0);
    c = l.out_c;
  }
  if (rc == 0) rc = add_gap(&b, h, c);
  if (rc == 0) {
    memset(&l, 0, sizeof l);
    l.op = HTA_OP_FC;
    l.in_h = l.in_w = 1;
    l.in_c = c;
    l.out_c = 1000;
    l.kh = l.kw = l.stride = 1;
    l.zp_in = -128;
    l.zp_out = 0;
    l.act_min = -128;
    l.act_max = 127;
    rc = add(&b, &l, all_ternary, 1);
  }
  free(b.mu);
  if (rc) {
    hta_model_free(b.m);
    return NULL;
  }
  return b.m;
}

/* ---- graphs: MobileNet-V2 and ResNet ---- */

/* Shape and zero point of tensor t of the model built so far. */
static void tshape(const builder *b, int t, int *h, int *w, int *c, int *zp) {
  const hta_layer *ls = hta_model_layers(b->m);
  if (t == 0) {
    *h = ls[0].in_h, *w = ls[0].in_w, *c = ls[0].in_c, *zp = ls[0].zp_in;
  } else {
    const hta_layer *l = &ls[t - 1];
    *h = hta_layer_out_h(l), *w = hta_layer_out_w(l), *c = l->out_c, *zp = l->zp_out;
  }
}

/* A weighted layer (op, k x k, stride, out_c) reading tensor t; "same"
 * padding. Returns the new tensor id or -1. */
static int conv(builder *b, int t, hta_op op, int k, int stride, int out_c, int ptype,
                int last) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = op;
  int zp = 0;
  if (b->nt == 0) { /* the first layer: the model input */
    l.in_h = l.in_w = b->res;
    l.in_c = 3;
  } else {
    tshape(b, t, &l.in_h, &l.in_w, &l.in_c, &zp);
  }
  l.n_src = 1;
  l.src[0] = t;
  l.out_c = op == HTA_OP_DEPTHWISE ? l.in_c : out_c;
  l.kh = l.kw = k;
  l.stride = stride;
  same_pad(l.in_h, k, stride, &l.pad_t, &l.pad_b);
  same_pad(l.in_w, k, stride, &l.pad_l, &l.pad_r);
  l.zp_in = zp;
  l.zp_out = last ? 0 : -128;
  l.act_min = -128;
  l.act_max = 127;
  if (b->nt == 0) {
    double *mu = calloc(3, sizeof(double));
    if (mu == NULL) return hta_errf(b->err, b->errlen, "out of memory");
    free(b->mu);
    b->mu = mu;
    b->sigma = 74.0;
    if (record(b, 3)) return -1;
  } else if (use(b, t)) {
    return -1;
  }
  return add(b, &l, ptype, last) ? -1 : b->nt - 1;
}

/* Residual ADD of tensors ta and tb (same shape): each input enters as
 * xc * 2^19 (in_mult 0.5, shift 0), the sum is calibrated like a filter's. */
static int residual(builder *b, int ta, int tb) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_ADD;
  tshape(b, ta, &l.in_h, &l.in_w, &l.in_c, &l.zp_in);
  tshape(b, tb, &l.in2_h, &l.in2_w, &l.in2_c, &l.zp_in2);
  l.n_src = 2;
  l.src[0] = ta;
  l.src[1] = tb;
  l.out_c = l.in_c;
  l.kh = l.kw = l.stride = 1;
  l.zp_out = -128;
  l.act_min = -128;
  l.act_max = 127;
  l.in_mult[0] = l.in_mult[1] = INT32_C(1) << 30;
  const int c = l.in_c;
  arrays a;
  if (stage_arrays(b, &a, c) != 0) return -1;
  const double unit = 524288.0; /* 2^19 */
  for (int ch = 0; ch < c; ch++)
    calibrate(&a, ch, unit * (b->tmu[ta][ch] + b->tmu[tb][ch]),
              unit * zsqrt(2.0) * SIGMA_OUT, 60.0 + 60.0 * zr_unit(&b->rng), SIGMA_OUT);
  l.bias = a.bias;
  l.mult = a.mult;
  l.shift = a.shift;
  return commit(b, &l, &a, 0) ? -1 : b->nt - 1;
}

/* MAXPOOL k x k / stride with "same" padding reading tensor t. */
static int maxpool(builder *b, int t, int k, int stride) {
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = HTA_OP_MAXPOOL;
  tshape(b, t, &l.in_h, &l.in_w, &l.in_c, &l.zp_in);
  l.n_src = 1;
  l.src[0] = t;
  l.out_c = l.in_c;
  l.kh = l.kw = k;
  l.stride = stride;
  same_pad(l.in_h, k, stride, &l.pad_t, &l.pad_b);
  same_pad(l.in_w, k, stride, &l.pad_l, &l.pad_r);
  l.zp_out = l.zp_in;
  l.act_min = -128;
  l.act_max = 127;
  char msg[300];
  if (use(b, t)) return -1;
  if (hta_model_add_layer(b->m, &l, msg, sizeof msg))
    return hta_errf(b->err, b->errlen, "internal error: %s", msg);
  /* the largest of k*k values lies about one deviation above their mean */
  for (int ch = 0; ch < l.in_c; ch++) b->mu[ch] += b->sigma;
  return record(b, l.in_c) ? -1 : b->nt - 1;
}

static int gap_fc(builder *b, int t, int all_ternary) {
  int h, w, c, zp;
  tshape(b, t, &h, &w, &c, &zp);
  if (use(b, t) || add_gap(b, h, c)) return -1;
  return conv(b, b->nt - 1, HTA_OP_FC, 1, 1, 1000, all_ternary, 1);
}

/* torchvision's _make_divisible: round to a multiple of 8, at least 8, not
 * below 90% of v. */
static int divisible8(double v) {
  int n = (int)(v + 4) / 8 * 8;
  if (n < 8) n = 8;
  if (n < 0.9 * v) n += 8;
  return n;
}

static builder *zoo_begin(builder *b, const char *name, const char *plan_s, uint64_t seed,
                          uint64_t salt, char *err, size_t errlen) {
  memset(b, 0, sizeof *b);
  if (parse_plan(plan_s, &b->p, err, errlen)) return NULL;
  b->err = err;
  b->errlen = errlen;
  b->rng.s = seed ^ salt;
  b->m = hta_model_new(name, plan_s);
  if (b->m == NULL) {
    hta_errf(err, errlen, "out of memory");
    return NULL;
  }
  hta_model_set_io_quant(b->m, 1.0f / 128.0f, 0, 0.125f, 0);
  return b;
}

static hta_model *zoo_end(builder *b, int rc) {
  builder_free(b);
  if (rc) {
    hta_model_free(b->m);
    return NULL;
  }
  return b->m;
}

static int graph_resolution(int resolution, char *err, size_t errlen) {
  if (resolution < 32 || resolution > 512 || resolution % 32 != 0)
    return hta_errf(err, errlen, "resolution %d is not a multiple of 32 in 32..512",
                    resolution);
  return 0;
}

hta_model *hta_zoo_mobilenet_v2(double width, int resolution, const char *plan_s, uint64_t seed,
                                char *err, size_t errlen) {
  static const double widths[] = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};
  int wi = -1;
  for (int i = 0; i < 6; i++)
    if (zabs(width - widths[i]) < 1e-9) wi = i;
  if (wi < 0) {
    hta_errf(err, errlen, "width %g is not one of 0.35, 0.5, 0.75, 1.0, 1.3, 1.4", width);
    return NULL;
  }
  if (graph_resolution(resolution, err, errlen)) return NULL;
  char name[64];
  snprintf(name, sizeof name, "mobilenet-v2-%.2f-%d", widths[wi], resolution);
  builder b;
  if (zoo_begin(&b, name, plan_s, seed, UINT64_C(0x6D6F62696C656E32), err, errlen) == NULL)
    return NULL;
  const int all_ternary = b.p.kind == P_TWN || b.p.kind == P_FGQ;
  const int pw = all_ternary ? 1 : b.p.kind == P_STRASSEN || b.p.kind == P_HYBRID ? 2 : 0;
  /* (expansion t, channels c, repeats n, stride s) of Sandler et al. 2018 */
  static const int cfg[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  b.res = resolution;
  int t = conv(&b, 0, HTA_OP_CONV2D, 3, 2, divisible8(32 * width), all_ternary, 0);
  for (int i = 0; t >= 0 && i < 7; i++) {
    const int c_out = divisible8(cfg[i][1] * width);
    for (int r = 0; t >= 0 && r < cfg[i][2]; r++) {
      const int stride = r == 0 ? cfg[i][3] : 1;
      int h, w, c_in, zp;
      tshape(&b, t, &h, &w, &c_in, &zp);
      const int block_in = t;
      int x = t;
      if (cfg[i][0] != 1) x = conv(&b, x, HTA_OP_POINTWISE, 1, 1, c_in * cfg[i][0], pw, 0);
      if (x >= 0) x = conv(&b, x, HTA_OP_DEPTHWISE, 3, stride, 0, all_ternary, 0);
      if (x >= 0) x = conv(&b, x, HTA_OP_POINTWISE, 1, 1, c_out, pw, 0);
      if (x >= 0 && stride == 1 && c_in == c_out) x = residual(&b, x, block_in);
      t = x;
    }
  }
  if (t >= 0)
    t = conv(&b, t, HTA_OP_POINTWISE, 1, 1, divisible8(1280 * (width > 1.0 ? width : 1.0)), pw,
             0);
  if (t >= 0) t = gap_fc(&b, t, all_ternary);
  return zoo_end(&b, t < 0);
}

hta_model *hta_zoo_resnet(int depth, int resolution, const char *plan_s, uint64_t seed,
                          char *err, size_t errlen) {
  static const int blocks[3][4] = {{2, 2, 2, 2}, {3, 4, 6, 3}, {3, 4, 6, 3}};
  const int di = depth == 18 ? 0 : depth == 34 ? 1 : depth == 50 ? 2 : -1;
  if (di < 0) {
    hta_errf(err, errlen, "depth %d is not one of 18, 34, 50", depth);
    return NULL;
  }
  if (graph_resolution(resolution, err, errlen)) return NULL;
  char name[64];
  snprintf(name, sizeof name, "resnet-%d-%d", depth, resolution);
  builder b;
  if (zoo_begin(&b, name, plan_s, seed, UINT64_C(0x7265736E65742D31), err, errlen) == NULL)
    return NULL;
  const int all_ternary = b.p.kind == P_TWN || b.p.kind == P_FGQ;
  /* hybrid and strassen plans apply to every convolution of the blocks */
  const int blk = all_ternary ? 1 : b.p.kind == P_STRASSEN || b.p.kind == P_HYBRID ? 2 : 0;
  const int bottleneck = depth >= 50, expansion = bottleneck ? 4 : 1;
  b.res = resolution;
  int t = conv(&b, 0, HTA_OP_CONV2D, 7, 2, 64, all_ternary, 0);
  if (t >= 0) t = maxpool(&b, t, 3, 2);
  for (int stage = 0; t >= 0 && stage < 4; stage++) {
    const int width = 64 << stage;
    for (int r = 0; t >= 0 && r < blocks[di][stage]; r++) {
      const int stride = r == 0 && stage > 0 ? 2 : 1;
      int h, w, c_in, zp;
      tshape(&b, t, &h, &w, &c_in, &zp);
      const int block_in = t;
      int x = t, sc = t;
      if (bottleneck) {
        x = conv(&b, x, HTA_OP_POINTWISE, 1, 1, width, blk, 0);
        if (x >= 0) x = conv(&b, x, HTA_OP_CONV2D, 3, stride, width, blk, 0);
        if (x >= 0) x = conv(&b, x, HTA_OP_POINTWISE, 1, 1, width * expansion, blk, 0);
      } else {
        x = conv(&b, x, HTA_OP_CONV2D, 3, stride, width, blk, 0);
        if (x >= 0) x = conv(&b, x, HTA_OP_CONV2D, 3, 1, width, blk, 0);
      }
      if (x >= 0 && (stride != 1 || c_in != width * expansion)) /* downsample */
        sc = conv(&b, block_in, stride == 1 ? HTA_OP_POINTWISE : HTA_OP_CONV2D, 1, stride,
                  width * expansion, blk, 0);
      if (x >= 0 && sc >= 0) x = residual(&b, x, sc);
      t = x < 0 || sc < 0 ? -1 : x;
    }
  }
  if (t >= 0) t = gap_fc(&b, t, all_ternary);
  return zoo_end(&b, t < 0);
}
