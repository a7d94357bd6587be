/*
 * test_zoo.c - the MobileNet-V1 zoo (docs/zoo.md): layer shapes, the
 * fraction of INT8 filters per pointwise layer per plan, reproducibility from
 * the seed, activation spread through the golden model, compilation for the
 * default hardware of every width x resolution x plan, .hta sizes, and the
 * errors for bad arguments.
 *
 *   test_zoo [--quick] [-v]     --quick: compile only the 0.5 models
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "rng.h"

static int verbose;

static const double widths[4] = {0.25, 0.5, 0.75, 1.0};
static const int resolutions[4] = {128, 160, 192, 224};
static const char *const plans[] = {"int8",      "twn",          "fgq:4",
                                    "fgq:64",    "strassen:1",   "strassen:2",
                                    "hybrid:0.5", "hybrid:0.25", "hybrid:0.5:strassen:1",
                                    "hybrid:1",  "hybrid:0"};
#define N_PLANS (int)(sizeof plans / sizeof plans[0])

static const int pw_out[13] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
static const int dw_stride[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Shapes of every layer against the paper's table. */
static void test_shapes(double w, int res) {
  char err[256], name[120];
  hta_model *m = hta_zoo_mobilenet_v1(w, res, "int8", 1, err, sizeof err);
  snprintf(name, sizeof name, "shapes %.2f %d", w, res);
  if (!check(m != NULL, name, "%s", err)) return;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *l = hta_model_layers(m);
  int ok = mi.n_layers == 29 && mi.in_h == res && mi.in_w == res && mi.in_c == 3 &&
           mi.out_h == 1 && mi.out_w == 1 && mi.out_c == 1000;
  char why[200] = "";
  if (!ok) snprintf(why, sizeof why, "info: %d layers, in %dx%dx%d, out %dx%dx%d", mi.n_layers,
                    mi.in_h, mi.in_w, mi.in_c, mi.out_h, mi.out_w, mi.out_c);
  int h = (res + 1) / 2, c = (int)(32 * w);
  if (ok && !(l[0].op == HTA_OP_CONV2D && l[0].kh == 3 && l[0].stride == 2 &&
              l[0].out_c == c && hta_layer_out_h(&l[0]) == h && l[0].pad_t == 0 &&
              l[0].pad_b == 1 && l[0].pad_l == 0 && l[0].pad_r == 1)) {
    ok = 0;
    snprintf(why, sizeof why, "layer 0");
  }
  for (int i = 0; ok && i < 13; i++) {
    const hta_layer *d = &l[1 + 2 * i], *p = &l[2 + 2 * i];
    const int oh = (h + dw_stride[i] - 1) / dw_stride[i];
    if (d->op != HTA_OP_DEPTHWISE || d->in_h != h || d->in_c != c || d->stride != dw_stride[i] ||
        hta_layer_out_h(d) != oh || d->kh != 3) {
      ok = 0;
      snprintf(why, sizeof why, "block %d depthwise", i);
    }
    h = oh;
    if (ok && (p->op != HTA_OP_POINTWISE || p->in_h != h || p->in_c != c ||
               p->out_c != (int)(pw_out[i] * w))) {
      ok = 0;
      snprintf(why, sizeof why, "block %d pointwise", i);
    }
    c = (int)(pw_out[i] * w);
  }
  if (ok && !(l[27].op == HTA_OP_GAP && l[27].in_h == (res + 31) / 32 && l[27].in_c == c &&
              l[28].op == HTA_OP_FC && l[28].in_c == c && l[28].out_c == 1000)) {
    ok = 0;
    snprintf(why, sizeof why, "GAP/FC");
  }
  check(ok, name, "%s", why);
  hta_model_free(m);
}

/* Per-plan kinds: fraction of INT8 filters in each pointwise layer, and the
 * kinds of the other layers. */
static void test_kinds(void) {
  static const struct {
    const char *plan;
    double frac;  /* INT8 fraction in pointwise layers */
    int rest;     /* kind of the other pointwise filters */
    int others;   /* kind of conv/depthwise/FC filters */
  } cases[] = {
      {"int8", 1.0, HTA_KIND_INT8, HTA_KIND_INT8},
      {"twn", 0.0, HTA_KIND_TERNARY, HTA_KIND_TERNARY},
      {"fgq:16", 0.0, HTA_KIND_TERNARY, HTA_KIND_TERNARY},
      {"strassen:1", 0.0, HTA_KIND_STRASSEN, HTA_KIND_INT8},
      {"hybrid:0.5", 0.5, HTA_KIND_TERNARY, HTA_KIND_INT8},
      {"hybrid:0.3", 0.3, HTA_KIND_TERNARY, HTA_KIND_INT8},
      {"hybrid:0.5:strassen:1", 0.5, HTA_KIND_STRASSEN, HTA_KIND_INT8},
      {"hybrid:0.25:strassen:0.5", 0.25, HTA_KIND_STRASSEN, HTA_KIND_INT8},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    char err[256], name[120], why[200] = "";
    hta_model *m = hta_zoo_mobilenet_v1(0.25, 128, cases[ci].plan, 7, err, sizeof err);
    snprintf(name, sizeof name, "kinds of plan %s", cases[ci].plan);
    if (!check(m != NULL, name, "%s", err)) continue;
    const hta_layer *l = hta_model_layers(m);
    int ok = 1;
    printf("plan %-26s INT8 fraction per pointwise layer:", cases[ci].plan);
    for (int i = 0; ok && i < 29; i++) {
      if (l[i].op == HTA_OP_GAP) continue;
      int n8 = 0, nrest = 0, nother = 0;
      for (int o = 0; o < l[i].out_c; o++) {
        const int k = hta_layer_kind(&l[i], o);
        n8 += k == HTA_KIND_INT8;
        nrest += k == cases[ci].rest;
        nother += k == cases[ci].others;
      }
      if (l[i].op == HTA_OP_POINTWISE) {
        const int want8 = (int)(cases[ci].frac * l[i].out_c + 0.5);
        printf(" %.3f", (double)n8 / l[i].out_c);
        if (n8 != want8 || (cases[ci].rest != HTA_KIND_INT8 && n8 + nrest != l[i].out_c)) {
          ok = 0;
          snprintf(why, sizeof why, "layer %d: %d INT8 (want %d), %d of the rest kind", i, n8,
                   want8, nrest);
        }
        const int nstr = cases[ci].rest == HTA_KIND_STRASSEN ? l[i].out_c - n8 : 0;
        const double kk = strstr(cases[ci].plan, "strassen:0.5") ? 0.5 : 1.0;
        const int want_r = nstr ? (int)(kk * l[i].out_c * (1.0 - cases[ci].frac) + 0.5) : 0;
        if (ok && l[i].r != want_r) {
          ok = 0;
          snprintf(why, sizeof why, "layer %d: r = %d, want %d", i, l[i].r, want_r);
        }
      } else if (nother != l[i].out_c) {
        ok = 0;
        snprintf(why, sizeof why, "layer %d (%s): %d of %d filters are %s", i,
                 hta_op_name(l[i].op), nother, l[i].out_c, hta_kind_name(cases[ci].others));
      }
      if (ok && !strncmp(cases[ci].plan, "fgq:", 4) && l[i].group != 16) {
        ok = 0;
        snprintf(why, sizeof why, "layer %d: group %d", i, l[i].group);
      }
    }
    printf("\n");
    check(ok, name, "%s", why);
    hta_model_free(m);
  }
}

/* The INT8 filters of a hybrid layer are the hardest to ternarize: check
 * that the same model under "int8" has, for the filters the hybrid plan kept
 * INT8, the same weights (the choice does not change the weights). */
static void test_seed(void) {
  char err[256];
  uint8_t *a = NULL, *b = NULL, *c = NULL;
  size_t la = 0, lb = 0, lc = 0;
  hta_model *m1 = hta_zoo_mobilenet_v1(0.25, 160, "hybrid:0.5:strassen:1", 42, err, sizeof err);
  hta_model *m2 = hta_zoo_mobilenet_v1(0.25, 160, "hybrid:0.5:strassen:1", 42, err, sizeof err);
  hta_model *m3 = hta_zoo_mobilenet_v1(0.25, 160, "hybrid:0.5:strassen:1", 43, err, sizeof err);
  int ok = m1 && m2 && m3 && !hta_model_write_mem(m1, &a, &la) &&
           !hta_model_write_mem(m2, &b, &lb) && !hta_model_write_mem(m3, &c, &lc);
  check(ok && la == lb && !memcmp(a, b, la), "same seed gives the same model file", "%s", err);
  check(ok && (la != lc || memcmp(a, c, la)), "another seed gives another model", "%s", err);
  free(a);
  free(b);
  free(c);
  hta_model_free(m1);
  hta_model_free(m2);
  hta_model_free(m3);
}

/* Relative TWN error of a row (delta = 0.7 mean|w|). */
static double twn_err(const int8_t *w, int n) {
  double mean = 0, s = 0, cnt = 0, e = 0, tot = 0;
  for (int i = 0; i < n; i++) mean += fabs((double)w[i]);
  const double delta = 0.7 * mean / n;
  for (int i = 0; i < n; i++)
    if (fabs((double)w[i]) > delta) s += fabs((double)w[i]), cnt++;
  const double a = cnt ? s / cnt : 0;
  for (int i = 0; i < n; i++) {
    const double t = fabs((double)w[i]) > delta ? (w[i] > 0 ? a : -a) : 0;
    e += (w[i] - t) * (w[i] - t);
    tot += (double)w[i] * w[i];
  }
  return tot > 0 ? e / tot : 0;
}

/* int8 and hybrid:F draw the same real weights: the hybrid model's INT8
 * filters are the int8 model's filters, and they are the precision-critical
 * ones (a larger TWN error than the ternary filters, measured here on the
 * int8-rounded weights). */
static void test_hybrid_choice(void) {
  char err[256], why[200] = "";
  hta_model *a = hta_zoo_mobilenet_v1(0.25, 128, "int8", 11, err, sizeof err);
  hta_model *h = hta_zoo_mobilenet_v1(0.25, 128, "hybrid:0.5", 11, err, sizeof err);
  int ok = a && h, layers = 0;
  for (int i = 0; ok && i < 29; i++) {
    const hta_layer *la = &hta_model_layers(a)[i], *lh = &hta_model_layers(h)[i];
    if (la->op != HTA_OP_POINTWISE) continue;
    const int K = hta_layer_k(la);
    double *e8 = malloc((size_t)la->out_c * sizeof(double));
    double *et = malloc((size_t)la->out_c * sizeof(double));
    int n8 = 0, nt = 0;
    for (int o = 0; o < la->out_c; o++) {
      const double e = twn_err(la->w + (size_t)o * K, K);
      if (hta_layer_kind(lh, o) == HTA_KIND_INT8) {
        if (memcmp(la->w + (size_t)o * K, lh->w + (size_t)o * K, (size_t)K)) {
          ok = 0;
          snprintf(why, sizeof why, "layer %d filter %d: INT8 weights differ", i, o);
        }
        e8[n8++] = e;
      } else {
        et[nt++] = e;
      }
    }
    /* Pairs (INT8 filter, ternary filter) where the INT8 one has the larger
     * error: all of them for the real weights; allow 3% inversions from
     * measuring on int8-rounded weights. */
    long good = 0;
    for (int x = 0; x < n8; x++)
      for (int y = 0; y < nt; y++) good += e8[x] >= et[y];
    const double share = n8 && nt ? (double)good / ((double)n8 * nt) : 1.0;
    if (ok && share < 0.97) {
      ok = 0;
      snprintf(why, sizeof why, "layer %d: only %.1f%% of (INT8, ternary) pairs ordered", i,
               100 * share);
    }
    if (verbose) printf("  layer %d: %.2f%% of pairs ordered\n", i, 100 * share);
    free(e8);
    free(et);
    layers++;
  }
  check(ok && layers == 13, "hybrid keeps the filters with the largest TWN error INT8", "%s%s",
        why, a && h ? "" : err);
  hta_model_free(a);
  hta_model_free(h);
}

/* A zoo model survives the file format: write, read, write gives the same
 * bytes, and the golden model's logits agree. */
static void test_file_round_trip(void) {
  char err[256] = "";
  hta_model *m = hta_zoo_mobilenet_v1(0.25, 128, "hybrid:0.5:strassen:1", 9, err, sizeof err);
  uint8_t *a = NULL, *b = NULL;
  size_t la = 0, lb = 0;
  hta_model *r = NULL;
  if (m && !hta_model_write_mem(m, &a, &la)) r = hta_model_read_mem(a, la, err, sizeof err);
  int ok = r && !hta_model_write_mem(r, &b, &lb) && la == lb && !memcmp(a, b, la);
  check(ok, "zoo model: write, read, write gives the same bytes", "%s", err);
  if (ok) {
    hta_model_info mi;
    hta_model_get_info(m, &mi);
    const size_t isz = (size_t)mi.in_h * mi.in_w * mi.in_c;
    int8_t *in = malloc(isz), **oa = calloc((size_t)mi.n_layers, sizeof *oa),
           **ob = calloc((size_t)mi.n_layers, sizeof *ob);
    hta_rng g;
    hta_rng_seed(&g, 5);
    for (size_t i = 0; i < isz; i++) in[i] = (int8_t)hta_rng_range(&g, -128, 127);
    for (int i = 0; i < mi.n_layers; i++) {
      oa[i] = malloc(hta_layer_out_size(&hta_model_layers(m)[i]));
      ob[i] = malloc(hta_layer_out_size(&hta_model_layers(m)[i]));
    }
    ok = !hta_golden_layers(hta_model_layers(m), mi.n_layers, in, oa) &&
         !hta_golden_layers(hta_model_layers(r), mi.n_layers, in, ob) &&
         !memcmp(oa[mi.n_layers - 1], ob[mi.n_layers - 1], 1000);
    check(ok, "zoo model read back gives the same logits", "differ");
    for (int i = 0; i < mi.n_layers; i++) free(oa[i]), free(ob[i]);
    free(oa);
    free(ob);
    free(in);
  }
  free(a);
  free(b);
  hta_model_free(m);
  hta_model_free(r);
}

/* Run the golden model; per layer, the deviation of the output and the
 * share of outputs at the clamps. */
static void test_spread(double w, int res, const char *plan) {
  char err[256], name[160];
  hta_model *m = hta_zoo_mobilenet_v1(w, res, plan, 3, err, sizeof err);
  char tag[80];
  snprintf(tag, sizeof tag, "%.2f %d %s", w, res, plan);
  snprintf(name, sizeof name, "%s: build", tag);
  if (!check(m != NULL, name, "%s", err)) return;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *l = hta_model_layers(m);
  int8_t **outs = calloc((size_t)mi.n_layers, sizeof *outs);
  const size_t isz = (size_t)res * res * 3;
  int8_t *in = malloc(isz), *in2 = malloc(isz);
  hta_rng g;
  hta_rng_seed(&g, 99);
  for (size_t i = 0; i < isz; i++) {
    in[i] = (int8_t)hta_rng_range(&g, -128, 127);
    in2[i] = (int8_t)hta_rng_range(&g, -128, 127);
  }
  for (int i = 0; i < mi.n_layers; i++) outs[i] = malloc(hta_layer_out_size(&l[i]));
  const double t0 = now();
  const int rc = hta_golden_layers(l, mi.n_layers, in, outs);
  const double dt = now() - t0;
  snprintf(name, sizeof name, "%s: golden model runs (%.1f s)", tag, dt);
  check(rc == 0, name, "rc %d", rc);
  if (rc == 0) {
    double min_sd = 1e9, max_sat = 0;
    int worst_sd = 0, worst_sat = 0;
    if (verbose) printf("%s: per-layer output deviation / share at clamp max / min\n", tag);
    for (int i = 0; i < mi.n_layers; i++) {
      const size_t n = hta_layer_out_size(&l[i]);
      double s = 0, s2 = 0;
      size_t at_max = 0, at_min = 0;
      for (size_t k = 0; k < n; k++) {
        s += outs[i][k];
        s2 += (double)outs[i][k] * outs[i][k];
        at_max += outs[i][k] == l[i].act_max;
        at_min += outs[i][k] == l[i].act_min;
      }
      const double mean = s / (double)n, var = s2 / (double)n - mean * mean;
      const double sd = var > 0 ? sqrt(var) : 0;
      const double sat = (double)at_max / (double)n, zero = (double)at_min / (double)n;
      if (verbose)
        printf("  layer %2d %-9s sd %5.1f mean %6.1f  max %.3f min %.3f\n", i,
               hta_op_name(l[i].op), sd, mean, sat, zero);
      if (sd < min_sd) min_sd = sd, worst_sd = i;
      const double bad = sat > zero ? sat : zero;
      if (bad > max_sat) max_sat = bad, worst_sat = i;
    }
    snprintf(name, sizeof name, "%s: every layer's output deviation >= 10 (min %.1f, "
             "layer %d)", tag, min_sd, worst_sd);
    check(min_sd >= 10, name, "collapsed");
    snprintf(name, sizeof name, "%s: no layer has > 25%% of outputs at a clamp "
             "(max %.3f, layer %d)", tag, max_sat, worst_sat);
    check(max_sat <= 0.25, name, "saturated");
    /* The output depends on the input. */
    const size_t n_last = hta_layer_out_size(&l[mi.n_layers - 1]);
    int8_t *first = malloc(n_last);
    memcpy(first, outs[mi.n_layers - 1], n_last);
    if (hta_golden_layers(l, mi.n_layers, in2, outs) == 0) {
      size_t diff = 0;
      for (size_t k = 0; k < n_last; k++) diff += first[k] != outs[mi.n_layers - 1][k];
      snprintf(name, sizeof name, "%s: logits depend on the input (%zu of %zu differ)",
               tag, diff, n_last);
      check(diff > n_last / 2, name, "too few differ");
    }
    free(first);
  }
  for (int i = 0; i < mi.n_layers; i++) free(outs[i]);
  free(outs);
  free(in);
  free(in2);
  hta_model_free(m);
}

static void test_compile_all(int quick) {
  int n = 0, n_ok = 0;
  const double t0 = now();
  for (int wi = 0; wi < 4; wi++)
    for (int ri = 0; ri < 4; ri++)
      for (int p = 0; p < N_PLANS; p++) {
        if (quick && widths[wi] != 0.5) continue;
#ifdef __SANITIZE_ADDRESS__
        /* The sanitizer build looks for memory errors, not coverage: the
         * code paths of 0.5 and 0.75 are those of 0.25 and 1.0; halve its
         * 40 s. */
        if (widths[wi] == 0.5 || widths[wi] == 0.75) continue;
#endif
        char err[256] = "", name[160];
        hta_model *m = hta_zoo_mobilenet_v1(widths[wi], resolutions[ri], plans[p], 5, err,
                                            sizeof err);
        hta_program *prog = NULL;
        if (m != NULL) {
          hta_model_info mi;
          hta_model_get_info(m, &mi);
          prog = hta_compile(hta_hw_config_default(), hta_model_layers(m), mi.n_layers, err,
                             sizeof err);
        }
        n++;
        n_ok += prog != NULL;
        snprintf(name, sizeof name, "compile %.2f %d %s", widths[wi], resolutions[ri], plans[p]);
        if (prog == NULL || verbose) check(prog != NULL, name, "%s", err);
        hta_program_free(prog);
        hta_model_free(m);
      }
  char name[160];
  snprintf(name, sizeof name, "every width x resolution x plan compiles for hta.cfg "
           "(%d models, %.1f s)", n, now() - t0);
  check(n_ok == n, name, "%d of %d", n_ok, n);
}

static void report_sizes(void) {
  printf("MobileNet-V1 0.5 224, .hta file size per plan:\n");
  for (int p = 0; p < N_PLANS; p++) {
    char err[256] = "";
    hta_model *m = hta_zoo_mobilenet_v1(0.5, 224, plans[p], 1, err, sizeof err);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (m && !hta_model_write_mem(m, &buf, &len))
      printf("  %-24s %9zu bytes (%7.1f KB)\n", plans[p], len, (double)len / 1024.0);
    char name[120];
    snprintf(name, sizeof name, "size of 0.5 224 %s", plans[p]);
    check(m != NULL && buf != NULL, name, "%s", err);
    free(buf);
    hta_model_free(m);
  }
}

static void test_errors(void) {
  static const struct {
    double w;
    int res;
    const char *plan;
    const char *needle;
  } cases[] = {
      {0.3, 224, "int8", "width"},         {0, 224, "int8", "width"},
      {-1, 224, "int8", "width"},          {1.0, 100, "int8", "resolution"},
      {1.0, 0, "int8", "resolution"},      {1.0, 224, "int4", "plan"},
      {1.0, 224, "", "plan"},              {1.0, 224, NULL, "plan"},
      {1.0, 224, "fgq:", "fgq"},           {1.0, 224, "fgq:2", "fgq"},
      {1.0, 224, "fgq:8x", "fgq"},         {1.0, 224, "strassen:0", "strassen"},
      {1.0, 224, "strassen:-1", "strassen"}, {1.0, 224, "hybrid:1.5", "hybrid"},
      {1.0, 224, "hybrid:nan", "hybrid"},  {1.0, 224, "hybrid:0.5:strassen", "strassen"},
      {1.0, 224, "hybrid:0.5:twn", "hybrid"}, {1.0, 224, "hybrid:", "hybrid"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[256] = "", name[160];
    hta_model *m = hta_zoo_mobilenet_v1(cases[i].w, cases[i].res, cases[i].plan, 1, err,
                                        sizeof err);
    snprintf(name, sizeof name, "error: width %g resolution %d plan %s", cases[i].w,
             cases[i].res, cases[i].plan ? cases[i].plan : "NULL");
    check(m == NULL && strstr(err, cases[i].needle) != NULL, name, "got \"%s\"", err);
    if (verbose) printf("  -> %s\n", err);
    hta_model_free(m);
  }
}

/* ---- graphs: MobileNet-V2 and ResNet ---- */

static int count_op(const hta_model *m, hta_op op) {
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  int n = 0;
  for (int i = 0; i < mi.n_layers; i++) n += hta_model_layers(m)[i].op == op;
  return n;
}

/* Shapes and layer counts of every width (V2) and depth (ResNet). */
static void test_graph_shapes(void) {
  static const double w2[6] = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};
  /* last pointwise: 1280, or 1280 * width rounded to 8 above 1.0 */
  static const int last[6] = {1280, 1280, 1280, 1280, 1664, 1792};
  for (int i = 0; i < 6; i++) {
    char err[256] = "", name[96];
    hta_model *m = hta_zoo_mobilenet_v2(w2[i], 64, "int8", 1, err, sizeof err);
    hta_model_info mi;
    hta_model_get_info(m, &mi);
    const hta_layer *l = hta_model_layers(m);
    snprintf(name, sizeof name, "mobilenet-v2 %.2f/64: 64 layers, 10 residual ADDs, %d-wide head",
             w2[i], last[i]);
    check(m && mi.n_layers == 64 && count_op(m, HTA_OP_ADD) == 10 && mi.out_c == 1000 &&
              l[61].out_c == last[i] && hta_layer_out_h(&l[61]) == 2,
          name, "%s: %d layers, %d ADDs, head %d", err, mi.n_layers, m ? count_op(m, HTA_OP_ADD) : 0,
          m ? l[61].out_c : 0);
    hta_model_free(m);
  }
  static const int depth[3] = {18, 34, 50}, layers[3] = {31, 55, 72}, adds[3] = {8, 16, 16};
  for (int i = 0; i < 3; i++) {
    char err[256] = "", name[96];
    hta_model *m = hta_zoo_resnet(depth[i], 64, "int8", 1, err, sizeof err);
    hta_model_info mi;
    hta_model_get_info(m, &mi);
    snprintf(name, sizeof name, "resnet-%d/64: %d layers, %d residual ADDs, a max pool", depth[i],
             layers[i], adds[i]);
    check(m && mi.n_layers == layers[i] && count_op(m, HTA_OP_ADD) == adds[i] &&
              count_op(m, HTA_OP_MAXPOOL) == 1 && mi.out_c == 1000 &&
              hta_model_layers(m)[mi.n_layers - 3].in_h == 2,
          name, "%s: %d layers", err, mi.n_layers);
    hta_model_free(m);
  }
}

/* One graph model under one plan: the golden model runs it, it survives the
 * file, keeps a healthy spread to the logits, and both compilers compile it
 * or name a hardware limit, never a graph op (the devices run it: tests/cli
 * and test_hta_api; this test does not link the device backends). */
static void test_graph_model(const char *what, hta_model *m, const char *err) {
  char name[160];
  snprintf(name, sizeof name, "%s: builds", what);
  if (!check(m != NULL, name, "%s", err)) return;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *l = hta_model_layers(m);
  const int n = mi.n_layers;
  const size_t isz = hta_layer_in_size(&l[0]), osz = hta_layer_out_size(&l[n - 1]);
  int8_t *in = malloc(isz), *y = malloc(osz), *z = malloc(osz);
  int8_t **outs = calloc((size_t)n, sizeof *outs);
  uint64_t s = 99;
  for (size_t i = 0; i < isz; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    in[i] = (int8_t)(s >> 56);
  }
  for (int i = 0; i < n; i++) outs[i] = malloc(hta_layer_out_size(&l[i]));
  int ok = hta_golden_layers(l, n, in, outs) == 0;
  snprintf(name, sizeof name, "%s: the golden model runs it", what);
  check(ok, name, "failed");
  /* the file */
  uint8_t *buf = NULL;
  size_t len = 0;
  char e2[300] = "";
  hta_model *r = hta_model_write_mem(m, &buf, &len) ? NULL : hta_model_read_mem(buf, len, e2,
                                                                                sizeof e2);
  int8_t **o2 = calloc((size_t)n, sizeof *o2);
  for (int i = 0; i < n; i++) o2[i] = malloc(hta_layer_out_size(&l[i]));
  ok = r && buf[4] == 2 && !hta_golden_layers(hta_model_layers(r), n, in, o2) &&
       !memcmp(o2[n - 1], outs[n - 1], osz);
  snprintf(name, sizeof name, "%s: version-2 file round trip", what);
  check(ok, name, "%s", e2);
  /* spread: no layer saturates much (tiny resolutions leave late layers
   * with few pixels), the logits spread */
  double worst = 0;
  int worst_i = 0;
  for (int i = 0; i < n; i++) {
    const size_t k = hta_layer_out_size(&l[i]);
    size_t sat = 0;
    for (size_t j = 0; j < k; j++) sat += outs[i][j] == 127 || outs[i][j] == -128;
    if ((double)sat / (double)k > worst) worst = (double)sat / (double)k, worst_i = i;
  }
  double m1 = 0, m2 = 0;
  for (size_t j = 0; j < osz; j++) m1 += outs[n - 1][j], m2 += outs[n - 1][j] * outs[n - 1][j];
  m1 /= (double)osz;
  const double sd = sqrt(m2 / (double)osz - m1 * m1);
  /* the bound of test_spread (there per end, here both ends together) */
  snprintf(name, sizeof name, "%s: every layer <= 25%% saturated, logits sd %.1f", what, sd);
  check(worst <= 0.25 && sd > 10, name, "layer %d saturates %.1f%%", worst_i, 100 * worst);
  /* the compilers: both engines run every graph op on their graph-op unit,
   * so the model compiles or stops at a hardware limit - v1: a 3x3 conv of
   * 512 channels, a strassen W_c wider than KMax; v2: STRASSEN filters
   * of a depthwise layer, ternary groups that are not whole Ci blocks, a K over the weight
   * buffer - never at a graph op */
  char ce[1000] = "";
  hta_program *p = hta_compile(hta_hw_config_find("v2small"), l, n, ce, sizeof ce);
  snprintf(name, sizeof name, "%s: the v2 compiler compiles it (or names a core limit)", what);
  check((p != NULL && p->n_desc >= n) ||
            (p == NULL && (strstr(ce, "STRASSEN filters of a depthwise layer") ||
                           strstr(ce, "are not lowered to engine v2: they need") ||
                           strstr(ce, "exceed the weight buffer"))),
        name, "%s", ce);
  hta_program_free(p);
  ce[0] = '\0';
  p = hta_compile(hta_hw_config_default(), l, n, ce, sizeof ce);
  snprintf(name, sizeof name, "%s: the v1 compiler compiles it", what);
  check((p != NULL && p->n_desc >= n) || (p == NULL && strstr(ce, "exceeds KMax")), name, "%s",
        ce);
  hta_program_free(p);
  for (int i = 0; i < n; i++) free(outs[i]), free(o2[i]);
  free(outs);
  free(o2);
  free(buf);
  free(in);
  free(y);
  free(z);
  hta_model_free(r);
}

static void test_graph_plans(void) {
  for (int p = 0; p < N_PLANS; p++) {
    char err[256] = "", what[96];
    snprintf(what, sizeof what, "mobilenet-v2 0.5/64 %s", plans[p]);
    hta_model *m = hta_zoo_mobilenet_v2(0.5, 64, plans[p], 1, err, sizeof err);
    test_graph_model(what, m, err);
    hta_model_free(m);
    snprintf(what, sizeof what, "resnet-18/32 %s", plans[p]);
    m = hta_zoo_resnet(18, 32, plans[p], 1, err, sizeof err);
    test_graph_model(what, m, err);
    hta_model_free(m);
    /* ResNet-50 (25 M weights, about a second to build) on the plans
     * that differ most; it shares every code path with ResNet-18 */
    if (strcmp(plans[p], "int8") && strcmp(plans[p], "fgq:4") &&
        strcmp(plans[p], "hybrid:0.5:strassen:1"))
      continue;
    snprintf(what, sizeof what, "resnet-50/32 %s", plans[p]);
    m = hta_zoo_resnet(50, 32, plans[p], 1, err, sizeof err);
    test_graph_model(what, m, err);
    hta_model_free(m);
  }
  static const struct {
    int v2;
    double w;
    int res;
    const char *needle;
  } bad[] = {{1, 0.25, 64, "width"}, {1, 1.0, 100, "resolution"}, {1, 1.0, 0, "resolution"},
             {0, 18, 544, "resolution"}, {0, 19, 64, "depth"}, {0, 101, 64, "depth"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[256] = "", name[96];
    hta_model *m = bad[i].v2 ? hta_zoo_mobilenet_v2(bad[i].w, bad[i].res, "int8", 1, err,
                                                    sizeof err)
                             : hta_zoo_resnet((int)bad[i].w, bad[i].res, "int8", 1, err,
                                              sizeof err);
    snprintf(name, sizeof name, "error: %s %g resolution %d", bad[i].v2 ? "mobilenet-v2" : "resnet",
             bad[i].w, bad[i].res);
    check(m == NULL && strstr(err, bad[i].needle), name, "got \"%s\"", err);
    hta_model_free(m);
  }
}

int main(int argc, char **argv) {
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else {
      fprintf(stderr, "usage: %s [--quick] [-v]\n", argv[0]);
      return 2;
    }
  }
  for (int wi = 0; wi < 4; wi++)
    for (int ri = 0; ri < 4; ri++) test_shapes(widths[wi], resolutions[ri]);
  test_kinds();
  test_seed();
  test_hybrid_choice();
  test_file_round_trip();
  test_errors();
  test_spread(0.5, 224, "int8");
  test_spread(0.5, 224, "hybrid:0.5");
  test_spread(0.5, 224, "twn");
  test_spread(0.5, 224, "fgq:8");
  test_spread(0.5, 224, "strassen:1");
  test_spread(0.5, 224, "hybrid:0.5:strassen:1");
  test_spread(0.25, 128, "int8");
  test_spread(0.25, 128, "hybrid:0.5:strassen:1");
  test_spread(1.0, 224, "hybrid:0.5");
  report_sizes();
  test_graph_shapes();
  test_graph_plans();
  test_compile_all(quick);
  return check_summary();
}
