/*
 * test_model_format.c - the .hta model file (docs/model-format.md):
 *
 *   round trip: write, read, every layer array and the golden output equal,
 *     for random layers of every op x every kind mix and random chains;
 *   corrupt files: truncation at every section boundary and sampled bytes,
 *     seeded byte flips, absurd fields (with the CRCs recomputed so the
 *     reader's field checks, not the CRCs, must catch them), a file that
 *     would make a reader allocate far more than its size, wrong
 *     magic/version; each must give an error naming what is wrong;
 *   hta_model_save / hta_model_load through a temporary file, missing file.
 *
 *   test_model_format [--cases N] [--flips N] [--seed S] [-v]
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hta_golden.h"
#include "hta_model.h"
#include "rand_graph.h"
#include "rand_layer.h"
#include "util.h"

static int verbose;

/* Format constants the test patches (docs/model-format.md). */
#define HDR 32u
#define ENTRY 32u
#define NSEC 3u
#define TABLE_END (HDR + NSEC * ENTRY)
#define INFO_FIXED 48u
#define REC 280u

static uint32_t crc32_ref(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1u ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}
static uint64_t sec_off(const uint8_t *b, int s) { return hta_ld_le64(b + HDR + s * ENTRY + 8); }
static uint64_t sec_len(const uint8_t *b, int s) { return hta_ld_le64(b + HDR + s * ENTRY + 16); }

/* Recompute every CRC (as far as the table lets us) after a patch. */
static void refresh_crcs(uint8_t *b, size_t len) {
  for (unsigned s = 0; s < NSEC; s++) {
    const uint64_t o = sec_off(b, (int)s), l = sec_len(b, (int)s);
    if (o <= len && l <= len - o) hta_st_le32(b + HDR + s * ENTRY + 24, crc32_ref(b + o, (size_t)l));
  }
  hta_st_le32(b + 24, 0);
  hta_st_le32(b + 24, crc32_ref(b, TABLE_END));
}

/* ---- comparing layers ---- */

static int layers_equal(const hta_layer *a, const hta_layer *b, char *why, size_t n) {
#define F(f)                                                                     \
  if (a->f != b->f) {                                                            \
    snprintf(why, n, #f " %d != %d", (int)a->f, (int)b->f);                      \
    return 0;                                                                    \
  }
  F(op) F(in_h) F(in_w) F(in_c) F(out_c) F(zp_in) F(zp_out) F(act_min) F(act_max)
  F(in2_h) F(in2_w) F(in2_c) F(zp_in2) F(in_mult[0]) F(in_mult[1]) F(in_shift[0])
  F(in_shift[1]) F(cgroups)
  for (int j = 0; j < 2; j++)
    if (hta_layer_src(a, 0, j) != hta_layer_src(b, 0, j) && a->n_src && b->n_src) {
      snprintf(why, n, "src[%d] %d != %d", j, a->src[j], b->src[j]);
      return 0;
    }
  if ((a->lut == NULL) != (b->lut == NULL) || (a->lut && memcmp(a->lut, b->lut, 256))) {
    snprintf(why, n, "lut");
    return 0;
  }
  if (!hta_op_has_output_stage(a->op)) {
    F(kh) F(kw) F(stride) F(pad_t) F(pad_b) F(pad_l) F(pad_r)
    return 1;
  }
  for (int o = 0; o < a->out_c; o++) {
    if (a->bias[o] != b->bias[o] || a->mult[o] != b->mult[o] || a->shift[o] != b->shift[o]) {
      snprintf(why, n, "bias/mult/shift[%d]", o);
      return 0;
    }
  }
  if (!hta_op_has_weights(a->op)) return 1;
  F(kh) F(kw) F(stride) F(pad_t) F(pad_b) F(pad_l) F(pad_r) F(group)
  const size_t K = (size_t)hta_layer_k(a), NG = (size_t)hta_layer_ngroups(a);
  int ns = 0;
  for (int o = 0; o < a->out_c; o++) {
    const hta_kind k = hta_layer_kind(a, o);
    if (k != hta_layer_kind(b, o)) {
      snprintf(why, n, "kind[%d]", o);
      return 0;
    }
    if (k == HTA_KIND_INT8 && memcmp(a->w + o * K, b->w + o * K, K)) {
      snprintf(why, n, "w[%d]", o);
      return 0;
    }
    if ((k == HTA_KIND_TERNARY || k == HTA_KIND_BINARY) &&
        (memcmp(a->t + o * K, b->t + o * K, K) || memcmp(a->alpha + o * NG, b->alpha + o * NG, NG))) {
      snprintf(why, n, "t/alpha[%d]", o);
      return 0;
    }
    if (k == HTA_KIND_STRASSEN) ns++;
  }
  if (ns == 0) return 1;
  F(r)
  const size_t r = (size_t)a->r;
  const int dw = hta_layer_is_depthwise(a);
  for (int o = 0; o < a->out_c; o++) {
    if (hta_layer_kind(a, o) != HTA_KIND_STRASSEN) continue;
    if (memcmp(a->wc + o * r, b->wc + o * r, r)) {
      snprintf(why, n, "wc[%d]", o);
      return 0;
    }
    if (dw || o == 0) {
      const size_t bk = dw ? (size_t)o : 0;
      if (memcmp(a->wb + bk * r * K, b->wb + bk * r * K, r * K) ||
          memcmp(a->hmul + bk * r, b->hmul + bk * r, r * 4) ||
          memcmp(a->hshift + bk * r, b->hshift + bk * r, r)) {
        snprintf(why, n, "wb/hmul/hshift[%zu]", bk);
        return 0;
      }
    }
  }
  if (!dw && ns > 0 && hta_layer_kind(a, 0) != HTA_KIND_STRASSEN &&
      (memcmp(a->wb, b->wb, r * K) || memcmp(a->hmul, b->hmul, r * 4) ||
       memcmp(a->hshift, b->hshift, r))) {
    snprintf(why, n, "wb/hmul/hshift");
    return 0;
  }
#undef F
  return 1;
}

/* Golden output of a chain of layers on input in (malloc'd, out_size bytes). */
static int8_t *run_golden(const hta_layer *ls, int n, const int8_t *in) {
  int8_t **outs = calloc((size_t)n, sizeof *outs);
  int ok = outs != NULL;
  for (int i = 0; ok && i < n; i++) ok = (outs[i] = malloc(hta_layer_out_size(&ls[i]))) != NULL;
  if (ok) ok = hta_golden_layers(ls, n, in, outs) == 0;
  int8_t *res = ok ? outs[n - 1] : NULL;
  for (int i = 0; outs && i < n; i++)
    if (outs[i] != res) free(outs[i]);
  free(outs);
  return res;
}

/* ---- random models ---- */

#define MAX_CHAIN 4
typedef struct rmodel {
  hta_rand_layer rl[MAX_CHAIN];
  hta_layer ls[MAX_CHAIN];
  int n;
  hta_model *m;
} rmodel;

static void rmodel_free(rmodel *r) {
  for (int i = 0; i < r->n; i++) hta_rand_layer_free(&r->rl[i]);
  hta_model_free(r->m);
  memset(r, 0, sizeof *r);
}

/* A chain of n random layers (op/kinds from the options for the first;
 * grouped: percent of CONV2D / POINTWISE layers grouped). */
static int rmodel_make_g(rmodel *r, uint64_t seed, int n, int op, unsigned kinds, int grouped) {
  memset(r, 0, sizeof *r);
  hta_hw_cfg hw;
  hta_hw_cfg_default(&hw);
  hta_rng g;
  hta_rng_seed(&g, seed);
  r->m = hta_model_new("rand", "test");
  if (r->m == NULL) return -1;
  hta_model_set_io_quant(r->m, 0.5f, -3, 0.25f, 7);
  hta_rand_input in;
  for (int i = 0; i < n; i++) {
    hta_rand_opts o;
    hta_rand_opts_default(&o, &hw);
    o.op = i == 0 ? op : -1;
    o.kinds = i == 0 ? kinds : 0;
    o.grouped = grouped;
    if (hta_rand_layer_make(&r->rl[i], &g, &o, i == 0 ? NULL : &in)) return -1;
    r->n = i + 1;
    r->ls[i] = r->rl[i].l;
    in = hta_rand_next_input(&r->ls[i]);
    char err[256];
    if (hta_model_add_layer(r->m, &r->ls[i], err, sizeof err)) {
      fprintf(stderr, "add_layer (seed %" PRIu64 "): %s\n", seed, err);
      return -1;
    }
  }
  return 0;
}

static int rmodel_make(rmodel *r, uint64_t seed, int n, int op, unsigned kinds) {
  return rmodel_make_g(r, seed, n, op, kinds, 0);
}

/* Write, read back, compare layers and golden outputs. */
static int round_trip(const rmodel *r, uint64_t seed, const char *tag) {
  uint8_t *buf;
  size_t len;
  char name[160], err[300], why[120] = "";
  snprintf(name, sizeof name, "roundtrip %s seed %" PRIu64, tag, seed);
  if (hta_model_write_mem(r->m, &buf, &len)) return check(0, name, "write_mem failed");
  hta_model *b = hta_model_read_mem(buf, len, err, sizeof err);
  free(buf);
  if (b == NULL) return check(0, name, "read: %s", err);
  hta_model_info ia, ib;
  hta_model_get_info(r->m, &ia);
  hta_model_get_info(b, &ib);
  int ok = ia.n_layers == ib.n_layers && ib.n_layers == r->n && !strcmp(ia.name, ib.name) &&
           !strcmp(ia.plan, ib.plan) && ia.in_scale == ib.in_scale && ia.in_zp == ib.in_zp &&
           ia.out_scale == ib.out_scale && ia.out_zp == ib.out_zp && ia.in_h == ib.in_h &&
           ia.out_c == ib.out_c;
  if (!ok) snprintf(why, sizeof why, "info differs");
  const hta_layer *lb = hta_model_layers(b);
  for (int i = 0; ok && i < r->n; i++) {
    char w2[100];
    if (!layers_equal(&r->ls[i], &lb[i], w2, sizeof w2)) {
      snprintf(why, sizeof why, "layer %d: %s", i, w2);
      ok = 0;
    }
  }
  if (ok) {
    hta_rng g;
    hta_rng_seed(&g, seed ^ 0x5eed);
    const size_t isz = hta_layer_in_size(&r->ls[0]);
    int8_t *in = malloc(isz);
    hta_rand_fill(&g, in, isz);
    int8_t *ya = run_golden(r->ls, r->n, in), *yb = run_golden(lb, r->n, in);
    ok = ya && yb && !memcmp(ya, yb, hta_layer_out_size(&r->ls[r->n - 1]));
    if (!ok) snprintf(why, sizeof why, "golden outputs differ");
    free(in);
    free(ya);
    free(yb);
  }
  hta_model_free(b);
  if (verbose || !ok) return check(ok, name, "%s", why);
  return ok;
}

/* ---- corrupt files ---- */

static int expect_error(const char *name, const uint8_t *buf, size_t len, const char *needle) {
  char err[300] = "";
  hta_model *m = hta_model_read_mem(buf, len, err, sizeof err);
  if (m != NULL) {
    hta_model_free(m);
    return check(0, name, "accepted (expected an error containing \"%s\")", needle);
  }
  const int ok = err[0] != '\0' && (needle == NULL || strstr(err, needle) != NULL);
  if (verbose) printf("  %s -> %s\n", name, err);
  return check(ok, name, "error \"%s\" lacks \"%s\"", err, needle ? needle : "");
}

/* Patch a 32-bit field at off (with CRCs refreshed), expect an error. */
static void patch32(const char *name, const uint8_t *good, size_t len, size_t off, uint32_t v,
                    const char *needle) {
  uint8_t *b = malloc(len);
  memcpy(b, good, len);
  hta_st_le32(b + off, v);
  refresh_crcs(b, len);
  expect_error(name, b, len, needle);
  free(b);
}

static void patch64(const char *name, const uint8_t *good, size_t len, size_t off, uint64_t v,
                    const char *needle) {
  uint8_t *b = malloc(len);
  memcpy(b, good, len);
  hta_st_le64(b + off, v);
  refresh_crcs(b, len);
  expect_error(name, b, len, needle);
  free(b);
}

static void test_corrupt(uint64_t seed, int n_flips) {
  /* A model with every tensor kind: a chain over several seeds, pick the
   * first that has INT8, ternary, binary and STRASSEN filters. */
  rmodel r;
  uint64_t s = seed;
  for (;; s++) {
    if (rmodel_make(&r, s, MAX_CHAIN, HTA_OP_POINTWISE, 0)) {
      rmodel_free(&r);
      continue;
    }
    unsigned have = 0;
    for (int i = 0; i < r.n; i++)
      for (int o = 0; r.ls[i].op != HTA_OP_GAP && o < r.ls[i].out_c; o++)
        have |= 1u << hta_layer_kind(&r.ls[i], o);
    if (have == 15u && r.ls[1].op != HTA_OP_GAP) break;
    rmodel_free(&r);
  }
  uint8_t *good;
  size_t len;
  if (hta_model_write_mem(r.m, &good, &len)) {
    check(0, "corrupt: write", "failed");
    rmodel_free(&r);
    return;
  }
  printf("corrupt suite on a %d-layer model of %zu bytes (seed %" PRIu64 ")\n", r.n, len, s);
  char name[160];
  /* Truncation: every boundary of the header, table, sections and layer
   * records, and a sample of other positions. */
  size_t cuts[64 + 2 * REC];
  int nc = 0;
  cuts[nc++] = 0;
  cuts[nc++] = 4;
  cuts[nc++] = HDR - 1;
  cuts[nc++] = HDR;
  cuts[nc++] = TABLE_END;
  for (int sct = 0; sct < (int)NSEC; sct++) {
    cuts[nc++] = (size_t)sec_off(good, sct) + 1;
    cuts[nc++] = (size_t)(sec_off(good, sct) + sec_len(good, sct));
  }
  for (int i = 0; i <= r.n; i++) cuts[nc++] = (size_t)sec_off(good, 1) + (size_t)i * REC;
  for (int i = 1; i <= 32; i++) cuts[nc++] = len * (size_t)i / 33;
  cuts[nc++] = len - 1;
  int trunc_ok = 0, n_cut = 0;
  for (int i = 0; i < nc; i++) {
    if (cuts[i] >= len) continue;
    n_cut++;
    char err[300] = "";
    hta_model *m = hta_model_read_mem(good, cuts[i], err, sizeof err);
    const int ok = m == NULL && (cuts[i] < HDR ? strstr(err, "truncated") != NULL
                                               : strstr(err, "truncated at byte") != NULL);
    hta_model_free(m);
    snprintf(name, sizeof name, "truncate at byte %zu of %zu", cuts[i], len);
    if (!ok || verbose) check(ok, name, "got \"%s\"", err);
    trunc_ok += ok;
  }
  check(trunc_ok == n_cut, "truncation at every section boundary and sampled bytes",
        "%d of %d rejected", trunc_ok, n_cut);
  /* Random byte flips: CRC-32 catches every error burst of <= 32 bits, so
   * every single-byte flip must be an error (the format has no ignored
   * bytes). */
  hta_rng g;
  hta_rng_seed(&g, seed ^ 0xF11F);
  uint8_t *b = malloc(len);
  int flip_err = 0, crc_named = 0;
  for (int i = 0; i < n_flips; i++) {
    memcpy(b, good, len);
    const size_t pos = (size_t)hta_rng_range(&g, 0, (int64_t)len - 1);
    b[pos] ^= (uint8_t)hta_rng_range(&g, 1, 255);
    char err[300] = "";
    hta_model *m = hta_model_read_mem(b, len, err, sizeof err);
    if (m == NULL && err[0]) flip_err++;
    if (strstr(err, "CRC") || strstr(err, "magic") || strstr(err, "version") ||
        strstr(err, "header") || strstr(err, "truncated"))
      crc_named++;
    if (m != NULL) {
      snprintf(name, sizeof name, "flip byte %zu", pos);
      check(0, name, "a flipped file was accepted");
    }
    hta_model_free(m);
  }
  check(flip_err == n_flips, "random byte flips all rejected", "%d of %d", flip_err, n_flips);
  printf("  %d flips: %d rejected, %d by the header/CRC checks\n", n_flips, flip_err, crc_named);

  /* The same flips with the CRCs recomputed, so the field checks must
   * catch them: each gives a clean error or a valid model, and a valid one
   * writes back to exactly the flipped bytes (the format has no ignored
   * byte; one to three bytes flipped per file). */
  int fz_err = 0, fz_valid = 0, fz_bad = 0;
  for (int i = 0; i < n_flips; i++) {
    memcpy(b, good, len);
    const int nflip = (int)hta_rng_range(&g, 1, 3);
    for (int f = 0; f < nflip; f++) {
      /* Mostly the INFO and LAYERS sections, where the fields are. */
      const size_t lo = hta_rng_chance(&g, 70) ? (size_t)sec_off(good, 0) : 0;
      const size_t hi = hta_rng_chance(&g, 70) ? (size_t)sec_off(good, 2) : len;
      const size_t pos = (size_t)hta_rng_range(&g, (int64_t)lo, (int64_t)hi - 1);
      b[pos] ^= (uint8_t)hta_rng_range(&g, 1, 255);
    }
    refresh_crcs(b, len);
    char err[300] = "";
    hta_model *m = hta_model_read_mem(b, len, err, sizeof err);
    if (m == NULL) {
      fz_err += err[0] != '\0';
      fz_bad += err[0] == '\0';
    } else {
      uint8_t *w2 = NULL;
      size_t l2 = 0;
      if (!hta_model_write_mem(m, &w2, &l2) && l2 == len && !memcmp(w2, b, len))
        fz_valid++;
      else
        fz_bad++;
      free(w2);
      hta_model_free(m);
    }
  }
  snprintf(name, sizeof name, "%d flips with CRCs recomputed: %d clean errors, %d valid models "
           "that write back byte for byte", n_flips, fz_err, fz_valid);
  check(fz_bad == 0 && fz_err + fz_valid == n_flips, name, "%d bad", fz_bad);

  /* Absurd fields, CRCs recomputed. Layer 1's record (a weighted layer). */
  const size_t info = (size_t)sec_off(good, 0), lrec = (size_t)sec_off(good, 1) + REC;
  const size_t rec0 = (size_t)sec_off(good, 1);
  patch32("wrong magic", good, len, 0, 0x4D415449u, "magic");
  patch32("version 4", good, len, 4, 4, "version");
  check(hta_ld_le32(good + 4) == 1, "a chain of version-1 layers is written as version 1",
        "version %u", hta_ld_le32(good + 4));
  patch32("version 0", good, len, 4, 0, "version");
  patch32("header_bytes 31", good, len, 8, 31, "header_bytes");
  patch32("n_sections 4", good, len, 12, 4, "n_sections");
  patch64("file_bytes huge", good, len, 16, UINT64_MAX, "truncated");
  patch64("file_bytes short", good, len, 16, len - 1, "file_bytes");
  patch32("section kind swapped", good, len, HDR + ENTRY, 3, "kind");
  patch64("section offset past end", good, len, HDR + 2 * ENTRY + 8, (uint64_t)len + 100,
          "TENSORS");
  patch64("sections overlap", good, len, HDR + ENTRY + 8, sec_off(good, 0), "LAYERS");
  patch64("section length huge", good, len, HDR + 2 * ENTRY + 16, UINT64_MAX - 3, "TENSORS");
  patch64("section length 2^63", good, len, HDR + ENTRY + 16, UINT64_C(1) << 63, "LAYERS");
  {
    uint8_t *c = malloc(len);
    memcpy(c, good, len);
    c[len - 1] ^= 0x55; /* last tensor byte, table CRC left stale */
    expect_error("tensor data CRC", c, len, "CRC");
    free(c);
  }
  patch32("n_layers 2^31", good, len, info, 0x80000000u, "n_layers");
  patch32("n_layers +1", good, len, info, (uint32_t)r.n + 1, "LAYERS");
  patch32("INFO in_h wrong", good, len, info + 4, 12345, "in_h");
  patch32("INFO out_c wrong", good, len, info + 32, 1, "out_c");
  patch32("INFO in_zp 300", good, len, info + 16, 300, "in_zp");
  patch32("INFO in_scale NaN", good, len, info + 20, 0x7fc00000u, "scale");
  patch32("INFO in_scale -1", good, len, info + 20, 0xbf800000u, "scale");
  patch32("INFO name_len huge", good, len, info + 44, 0xffffu | (hta_ld_le32(good + info + 44) & 0xffff0000u),
          "INFO");
  static const char *const fname[18] = {
      "op", "in_h", "in_w", "in_c", "out_c", "kh", "kw", "stride", "pad_t", "pad_b",
      "pad_l", "pad_r", "zp_in", "zp_out", "act_min", "act_max", "group", "r"};
  /* Values that are wrong for every field, and must be named. */
  static const uint32_t bad_any[] = {0x80000000u, 0x7fffffffu, 0xffffffffu /* -1 */,
                                     65536u * 2u};
  for (int f = 1; f < 18; f++) { /* op handled below; GAP-only fields too */
    for (size_t v = 0; v < sizeof bad_any / sizeof bad_any[0]; v++) {
      if (f >= 8 && f <= 11 && bad_any[v] == 0xffffffffu) {
        /* a padding of -1 */
      }
      snprintf(name, sizeof name, "layer 1 %s = %d", fname[f], (int32_t)bad_any[v]);
      uint8_t *c = malloc(len);
      memcpy(c, good, len);
      hta_st_le32(c + lrec + 4 * f, bad_any[v]);
      refresh_crcs(c, len);
      char err[300] = "";
      hta_model *m = hta_model_read_mem(c, len, err, sizeof err);
      /* -1 is legal for the int8 fields (zero points, clamps): then the file
       * may be valid, or fail in the next layer's chaining. */
      const int may_pass = bad_any[v] == 0xffffffffu && f >= 12 && f <= 15;
      const int ok = (m == NULL && strstr(err, may_pass ? "layer " : "layer 1") != NULL) ||
                     (m != NULL && may_pass);
      check(ok, name, "%s", m ? "accepted" : err);
      if (verbose) printf("  %s -> %s\n", name, err);
      hta_model_free(m);
      free(c);
    }
  }
  patch32("layer 1 op 7", good, len, lrec, 7, "op");
  patch32("layer 1 op -1", good, len, lrec, 0xffffffffu, "op");
  patch32("layer 1 in_h 0", good, len, lrec + 4, 0, "in_h");
  patch32("layer 1 out_c 0", good, len, lrec + 16, 0, "out_c");
  patch32("layer 1 kh 0", good, len, lrec + 20, 0, "kh");
  patch32("layer 1 stride 0", good, len, lrec + 28, 0, "stride");
  patch32("layer 1 r huge", good, len, lrec + 68, 1u << 30, "r =");
  patch32("layer 0 n_int8 +1", good, len, rec0 + 72, hta_ld_le32(good + rec0 + 72) + 1, "n_int8");
  patch32("layer 0 n_strassen 2^31", good, len, rec0 + 84, 0x80000000u, "n_strassen");
  /* Tensor references of layer 0: bias (index 5) always present. */
  const size_t tref = rec0 + 88 + 16 * 5;
  patch64("layer 0 bias offset past end", good, len, tref, (uint64_t)len * 4, "bias");
  patch64("layer 0 bias offset overlaps kind", good, len, tref, hta_ld_le64(good + rec0 + 88),
          "bias");
  patch64("layer 0 bias length huge", good, len, tref + 8, UINT64_MAX / 2, "bias");
  patch64("layer 0 bias length 0", good, len, tref + 8, 0, "bias");
  patch64("layer 0 kind offset wrap", good, len, rec0 + 88, UINT64_MAX - 1, "kind");
  /* A kind map byte of 9 (in TENSORS). */
  {
    uint8_t *c = malloc(len);
    memcpy(c, good, len);
    c[sec_off(good, 2) + hta_ld_le64(good + rec0 + 88)] = 9;
    refresh_crcs(c, len);
    expect_error("layer 0 kind[0] = 9", c, len, "kind[0]");
    free(c);
  }
  /* A shift of 40 (> 31) is rejected by hta_layer_check. */
  {
    uint8_t *c = malloc(len);
    memcpy(c, good, len);
    c[sec_off(good, 2) + hta_ld_le64(good + rec0 + 88 + 16 * 7)] = 40;
    refresh_crcs(c, len);
    expect_error("layer 0 shift[0] = 40", c, len, "shift");
    free(c);
  }
  /* Trailing garbage. */
  {
    uint8_t *c = calloc(len + 7, 1);
    memcpy(c, good, len);
    expect_error("trailing bytes", c, len + 7, "file_bytes");
    free(c);
  }
  free(b);
  free(good);
  rmodel_free(&r);
}

/* A file that is valid in every field but would make the reader allocate
 * far more than its size: an FC layer of 65535 x 65535 with one INT8 and
 * one ternary filter and the rest STRASSEN with r = 1 stores ~0.3 MB but
 * needs 8.6 GB unpacked. */
static void test_hostile_alloc(void) {
  const uint32_t oc = 65535, K = 65535;
  const uint64_t len_kind = oc, len_w = K, len_t = (K + 3) / 4, len_alpha = 1;
  const uint64_t len_bias = 4ull * oc, len_mult = 4ull * oc, len_shift = oc;
  const uint64_t len_wb = (K + 3) / 4, len_hmul = 4, len_hshift = 1, len_wc = (oc - 2 + 3) / 4;
  const uint64_t lens[12] = {len_kind, len_w, len_t, 0, len_alpha, len_bias, len_mult,
                             len_shift, len_wb, len_hmul, len_hshift, len_wc};
  uint64_t ten = 0;
  for (int i = 0; i < 12; i++) ten += lens[i];
  const size_t info_len = INFO_FIXED, total = TABLE_END + info_len + REC + (size_t)ten;
  uint8_t *b = calloc(total, 1);
  memcpy(b, "HTAM", 4);
  hta_st_le32(b + 4, 1);
  hta_st_le32(b + 8, HDR);
  hta_st_le32(b + 12, NSEC);
  hta_st_le64(b + 16, total);
  const uint64_t so[3] = {TABLE_END, TABLE_END + info_len, TABLE_END + info_len + REC};
  const uint64_t sl[3] = {info_len, REC, ten};
  for (int s = 0; s < 3; s++) {
    hta_st_le32(b + HDR + s * ENTRY, (uint32_t)s + 1);
    hta_st_le64(b + HDR + s * ENTRY + 8, so[s]);
    hta_st_le64(b + HDR + s * ENTRY + 16, sl[s]);
  }
  uint8_t *in = b + so[0];
  const uint32_t inf[11] = {1, 1, 1, K, 0, 0x3f800000u, 1, 1, oc, 0, 0x3f800000u};
  for (int i = 0; i < 11; i++) hta_st_le32(in + 4 * i, inf[i]);
  uint8_t *rec = b + so[1];
  const int32_t f[18] = {HTA_OP_FC, 1, 1, (int32_t)K, (int32_t)oc, 1, 1, 1, 0, 0, 0, 0,
                         0, 0, -128, 127, 0, 1};
  for (int i = 0; i < 18; i++) hta_st_le32(rec + 4 * i, (uint32_t)f[i]);
  const uint32_t cnt[4] = {1, 1, 0, oc - 2};
  for (int i = 0; i < 4; i++) hta_st_le32(rec + 72 + 4 * i, cnt[i]);
  uint64_t pos = 0;
  for (int i = 0; i < 12; i++) {
    hta_st_le64(rec + 88 + 16 * i, lens[i] ? pos : 0);
    hta_st_le64(rec + 96 + 16 * i, lens[i]);
    pos += lens[i];
  }
  uint8_t *kind = b + so[2];
  kind[0] = HTA_KIND_INT8;
  kind[1] = HTA_KIND_TERNARY;
  for (uint32_t o = 2; o < oc; o++) kind[o] = HTA_KIND_STRASSEN;
  refresh_crcs(b, total);
  expect_error("hostile allocation (8.6 GB from 0.6 MB) refused", b, total, "memory");
  free(b);
}

static void test_files(uint64_t seed) {
  rmodel r;
  if (rmodel_make(&r, seed, 3, -1, 0)) {
    check(0, "save/load: make model", "failed");
    rmodel_free(&r);
    return;
  }
  char path[] = "/tmp/hta_model_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    check(0, "save/load: mkstemp", "failed");
    rmodel_free(&r);
    return;
  }
  close(fd);
  char err[300] = "";
  int ok = hta_model_save(r.m, path, err, sizeof err) == 0;
  check(ok, "hta_model_save to a temporary file", "%s", err);
  hta_model *b = hta_model_load(path, err, sizeof err);
  check(b != NULL, "hta_model_load of it", "%s", err);
  if (b != NULL) {
    char why[120] = "";
    hta_model_info ib;
    hta_model_get_info(b, &ib);
    ok = ib.n_layers == r.n;
    for (int i = 0; ok && i < r.n; i++) ok = layers_equal(&r.ls[i], &hta_model_layers(b)[i], why, sizeof why);
    check(ok, "save/load round trip equal", "%s", why);
  }
  hta_model_free(b);
  unlink(path);
  b = hta_model_load(path, err, sizeof err);
  check(b == NULL && strstr(err, path) != NULL && strstr(err, "cannot open") != NULL,
        "missing file names the path", "got \"%s\"", err);
  hta_model_free(b);
  b = hta_model_load("/tmp", err, sizeof err);
  check(b == NULL && strstr(err, "/tmp") != NULL, "a directory is refused with its path",
        "got \"%s\"", err);
  hta_model_free(b);
  /* never read a device that does not end, nor wait on a FIFO nobody writes
   * (the open itself must not block); both refused before a byte is read */
  b = hta_model_load("/dev/zero", err, sizeof err);
  check(b == NULL && strstr(err, "is a device") != NULL, "/dev/zero is refused, not read",
        "got \"%s\"", err);
  hta_model_free(b);
  char fdir[] = "/tmp/hta_model_fifo_XXXXXX";
  if (mkdtemp(fdir) != NULL) {
    char fp[64];
    snprintf(fp, sizeof fp, "%s/m.hta", fdir);
    const int made = mkfifo(fp, 0600) == 0;
    b = made ? hta_model_load(fp, err, sizeof err) : NULL;
    check(made && b == NULL && strstr(err, "is a FIFO") != NULL,
          "a FIFO is refused without blocking", "got \"%s\"", err);
    hta_model_free(b);
    unlink(fp);
    rmdir(fdir);
  }
  /* a sparse file over the model size limit: refused by its size, unread */
  char big[] = "/tmp/hta_model_big_XXXXXX";
  const int bfd = mkstemp(big);
  if (bfd >= 0) {
    const int sized = ftruncate(bfd, (off_t)(UINT64_C(1) << 31) + 1) == 0;
    close(bfd);
    b = sized ? hta_model_load(big, err, sizeof err) : NULL;
    check(sized && b == NULL && strstr(err, "larger than the model size limit") != NULL,
          "a file over 2 GiB is refused by its size", "got \"%s\"", err);
    hta_model_free(b);
    unlink(big);
  }
  rmodel_free(&r);
}

/* ---- graphs (format version 2) ---- */

static hta_model *graph_model(uint64_t seed) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  char err[400] = "";
  hta_model *m = hta_rand_graph(&g, err, sizeof err);
  if (m == NULL) check(0, "graph: make", "seed %" PRIu64 ": %s", seed, err);
  return m;
}

/* Write, check the version, read back, compare layers and every layer's
 * golden output, write again byte for byte. */
static int graph_round_trip(uint64_t seed) {
  hta_model *a = graph_model(seed);
  if (a == NULL) return 0;
  uint8_t *buf = NULL, *buf2 = NULL;
  size_t len = 0, len2 = 0;
  char err[300] = "", why[160] = "";
  int ok = hta_model_write_mem(a, &buf, &len) == 0 && hta_ld_le32(buf + 4) == 2;
  if (!ok) snprintf(why, sizeof why, "write, or version %u != 2", buf ? hta_ld_le32(buf + 4) : 0);
  hta_model *b = ok ? hta_model_read_mem(buf, len, err, sizeof err) : NULL;
  if (ok && b == NULL) snprintf(why, sizeof why, "read: %s", err), ok = 0;
  hta_model_info ia, ib;
  hta_model_get_info(a, &ia);
  hta_model_get_info(b, &ib);
  if (ok && (ia.n_layers != ib.n_layers || ia.out_c != ib.out_c))
    snprintf(why, sizeof why, "info differs"), ok = 0;
  const hta_layer *la = hta_model_layers(a), *lb = hta_model_layers(b);
  for (int i = 0; ok && i < ia.n_layers; i++) {
    char w2[100];
    if (!layers_equal(&la[i], &lb[i], w2, sizeof w2))
      snprintf(why, sizeof why, "layer %d (%s): %s", i, hta_op_name(la[i].op), w2), ok = 0;
  }
  if (ok) {
    hta_rng g;
    hta_rng_seed(&g, seed ^ 0x5eed);
    const size_t isz = hta_layer_in_size(&la[0]);
    int8_t *in = malloc(isz);
    hta_rand_fill(&g, in, isz);
    int8_t *ya = run_golden(la, ia.n_layers, in), *yb = run_golden(lb, ia.n_layers, in);
    ok = ya && yb && !memcmp(ya, yb, hta_layer_out_size(&la[ia.n_layers - 1]));
    if (!ok) snprintf(why, sizeof why, "golden outputs differ (or the golden model failed)");
    free(in);
    free(ya);
    free(yb);
  }
  if (ok && (hta_model_write_mem(b, &buf2, &len2) || len2 != len || memcmp(buf, buf2, len)))
    snprintf(why, sizeof why, "the read model does not write back byte for byte"), ok = 0;
  free(buf);
  free(buf2);
  hta_model_free(a);
  hta_model_free(b);
  if (!ok || verbose) {
    char name[80];
    snprintf(name, sizeof name, "graph round trip seed %" PRIu64, seed);
    check(ok, name, "%s", why);
  }
  return ok;
}

/* The corruption suite of a version-2 file: truncation, byte flips (all
 * rejected), flips with the CRCs recomputed (a clean error, or a valid model
 * that writes back to exactly those bytes), and absurd graph fields. */
static void test_graph_corrupt(uint64_t seed, int n_flips) {
  hta_model *a = graph_model(seed);
  uint8_t *good = NULL;
  size_t len = 0;
  if (a == NULL || hta_model_write_mem(a, &good, &len)) {
    check(0, "graph corrupt: write", "failed");
    hta_model_free(a);
    return;
  }
  hta_model_info mi;
  hta_model_get_info(a, &mi);
  const hta_layer *ls = hta_model_layers(a);
  int trunc_ok = 0, n_cut = 0;
  for (size_t cut = 0; cut < len; cut += 1 + len / 97) {
    char err[300] = "";
    hta_model *m = hta_model_read_mem(good, cut, err, sizeof err);
    trunc_ok += m == NULL && strstr(err, "truncated") != NULL;
    n_cut++;
    hta_model_free(m);
  }
  check(trunc_ok == n_cut, "graph: truncations rejected", "%d of %d", trunc_ok, n_cut);
  hta_rng g;
  hta_rng_seed(&g, seed ^ 0x96A9);
  uint8_t *b = malloc(len);
  int flip_err = 0, fz_err = 0, fz_valid = 0, fz_bad = 0;
  for (int i = 0; i < n_flips; i++) {
    memcpy(b, good, len);
    const size_t pos = (size_t)hta_rng_range(&g, 0, (int64_t)len - 1);
    b[pos] ^= (uint8_t)hta_rng_range(&g, 1, 255);
    char err[300] = "";
    hta_model *m = hta_model_read_mem(b, len, err, sizeof err);
    flip_err += m == NULL && err[0];
    hta_model_free(m);
    memcpy(b, good, len);
    const int nflip = (int)hta_rng_range(&g, 1, 3);
    for (int f = 0; f < nflip; f++) {
      const size_t lo = hta_rng_chance(&g, 80) ? (size_t)sec_off(good, 0) : 0;
      const size_t hi = hta_rng_chance(&g, 80) ? (size_t)sec_off(good, 2) : len;
      const size_t p2 = (size_t)hta_rng_range(&g, (int64_t)lo, (int64_t)hi - 1);
      b[p2] ^= (uint8_t)hta_rng_range(&g, 1, 255);
    }
    refresh_crcs(b, len);
    m = hta_model_read_mem(b, len, err, sizeof err);
    if (m == NULL) {
      fz_err += err[0] != '\0';
      fz_bad += err[0] == '\0';
    } else {
      uint8_t *w2 = NULL;
      size_t l2 = 0;
      if (!hta_model_write_mem(m, &w2, &l2) && l2 == len && !memcmp(w2, b, len))
        fz_valid++;
      else
        fz_bad++;
      free(w2);
      hta_model_free(m);
    }
  }
  free(b);
  check(flip_err == n_flips, "graph: random byte flips all rejected", "%d of %d", flip_err,
        n_flips);
  char name[200];
  snprintf(name, sizeof name, "graph: %d flips with CRCs recomputed: %d clean errors, %d valid "
           "models that write back byte for byte", n_flips, fz_err, fz_valid);
  check(fz_bad == 0 && fz_err + fz_valid == n_flips, name, "%d bad", fz_bad);
  /* Absurd graph fields. The graph fields of record i start at
   * rec + i * 340 + 88 + 13 * 16: n_src, src0, src1, in2_h, in2_w, in2_c,
   * zp_in2, in_mult0, in_mult1, in_shift0, in_shift1. */
  const size_t rec = (size_t)sec_off(good, 1);
  int add = -1, lut = -1;
  for (int i = 0; i < mi.n_layers; i++) {
    if (ls[i].op == HTA_OP_ADD && add < 0) add = i;
    if (ls[i].lut && lut < 0) lut = i;
  }
  const size_t gadd = rec + (size_t)add * 340 + 88 + 13 * 16;
  patch32("graph: version 1 with version-2 records", good, len, 4, 1, "LAYERS");
  patch32("graph: n_src 1 for ADD", good, len, gadd, 1, "n_src");
  patch32("graph: src reads a later layer", good, len, gadd + 4, (uint32_t)add + 2, "tensor");
  patch32("graph: src reads a tensor of another shape", good, len, gadd + 8, 0, "input 1");
  patch32("graph: in_shift 32", good, len, gadd + 36, 32, "in_shift");
  patch32("graph: op 14 (past LAYERNORM)", good, len, rec + (size_t)add * 340, 14, "op");
  patch32("graph: op MUL with ADD's second input", good, len, rec + (size_t)add * 340,
          HTA_OP_MUL, "second input");
  if (lut >= 0) /* the table's length field: tensor 12 of the record */
    patch64("graph: table of 255 bytes", good, len, rec + (size_t)lut * 340 + 96 + 16 * 12, 255,
            "lut");
  free(good);
  hta_model_free(a);
}

/* Grouped convolutions (format version 3): random chains round-trip, are
 * written as version 3 exactly when a layer is grouped, and a bad cgroups
 * field (1, negative, not dividing the channels) or a version-3 file read
 * as version 2 is refused naming it. */
static void test_grouped(uint64_t seed, int cases) {
  int n_ok = 0, n_v3 = 0;
  uint8_t *good = NULL;
  size_t good_len = 0;
  int good_layer = -1;
  for (int i = 0; i < cases; i++) {
    const uint64_t s = hta_rng_case_seed(seed ^ 0x6C0F, (uint64_t)i);
    rmodel r;
    if (rmodel_make_g(&r, s, 1 + (int)(s % MAX_CHAIN), i % 2 ? HTA_OP_CONV2D : HTA_OP_POINTWISE,
                      0, 100)) {
      check(0, "grouped: make", "seed %" PRIu64, s);
      rmodel_free(&r);
      continue;
    }
    int grouped = -1;
    for (int k = 0; k < r.n && grouped < 0; k++)
      if (r.ls[k].cgroups > 1) grouped = k;
    uint8_t *buf;
    size_t len;
    if (hta_model_write_mem(r.m, &buf, &len) == 0) {
      const uint32_t v = hta_ld_le32(buf + 4);
      if ((grouped >= 0) != (v == 3))
        check(0, "grouped: version", "seed %" PRIu64 ": version %u, grouped layer %d", s, v,
              grouped);
      n_v3 += v == 3;
      if (v == 3 && good == NULL && r.ls[grouped].in_c % 7 != 0) {
        good = buf, good_len = len, good_layer = grouped;
        buf = NULL;
      }
      free(buf);
    }
    n_ok += round_trip(&r, s, "grouped");
    rmodel_free(&r);
  }
  check(n_ok == cases && n_v3 > cases / 2, "round trip: grouped convolutions (version 3)",
        "%d of %d, %d of version 3", n_ok, cases, n_v3);
  if (good == NULL) {
    check(0, "grouped: a version-3 file to corrupt", "none of %d cases", cases);
    return;
  }
  const size_t rec = (size_t)sec_off(good, 1) + (size_t)good_layer * 344u;
  patch32("grouped: cgroups 1", good, good_len, rec + 340, 1, "cgroups = 1");
  patch32("grouped: cgroups -2", good, good_len, rec + 340, (uint32_t)-2, "cgroups = -2");
  patch32("grouped: cgroups 7", good, good_len, rec + 340, 7, "cgroups");
  patch32("grouped: read as version 2", good, good_len, 4, 2, "section LAYERS");
  free(good);
}

int main(int argc, char **argv) {
  int cases = 300, flips = 2000;
  uint64_t seed = 20261122;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--cases") && i + 1 < argc) cases = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--flips") && i + 1 < argc) flips = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else {
      fprintf(stderr, "usage: %s [--cases N] [--flips N] [--seed S] [-v]\n", argv[0]);
      return 2;
    }
  }
  /* Sweep: every op x every kind mask, single layers. */
  int n_sweep = 0, sweep_ok = 0;
  for (int op = 0; op <= HTA_OP_GAP; op++)
    for (unsigned mask = 1; mask < 16; mask++) {
      if (op == HTA_OP_GAP && mask != 1) continue;
      for (int rep = 0; rep < 3; rep++) {
        const uint64_t s = hta_rng_case_seed(seed, (uint64_t)(op * 100 + (int)mask * 5 + rep));
        rmodel r;
        if (rmodel_make(&r, s, 1, op, mask)) {
          check(0, "sweep: make", "seed %" PRIu64, s);
          rmodel_free(&r);
          continue;
        }
        char tag[40];
        snprintf(tag, sizeof tag, "%s mask %u", hta_op_name((hta_op)op), mask);
        n_sweep++;
        sweep_ok += round_trip(&r, s, tag);
        rmodel_free(&r);
      }
    }
  check(sweep_ok == n_sweep, "round trip: every op x every kind mask", "%d of %d", sweep_ok,
        n_sweep);
  int n_ok = 0;
  for (int i = 0; i < cases; i++) {
    const uint64_t s = hta_rng_case_seed(seed ^ 0xC4A1, (uint64_t)i);
    rmodel r;
    if (rmodel_make(&r, s, 1 + (int)(s % MAX_CHAIN), -1, 0)) {
      check(0, "chain: make", "seed %" PRIu64, s);
      rmodel_free(&r);
      continue;
    }
    n_ok += round_trip(&r, s, "chain");
    rmodel_free(&r);
  }
  check(n_ok == cases, "round trip: random chains of 1-4 layers", "%d of %d", n_ok, cases);
  int g_ok = 0, g_n = cases / 3 + 1;
  for (int i = 0; i < g_n; i++) g_ok += graph_round_trip(hta_rng_case_seed(seed ^ 0x96A9, i));
  check(g_ok == g_n, "round trip: random graphs with every graph op and tables (version 2)",
        "%d of %d", g_ok, g_n);
  test_grouped(seed, cases / 3 + 1);
  test_corrupt(seed, flips);
  test_graph_corrupt(seed, flips);
  test_hostile_alloc();
  test_files(seed);
  return check_summary();
}
