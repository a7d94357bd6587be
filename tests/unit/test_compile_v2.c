/*
 * test_compile_v2.c - the engine-v2 compiler against the golden model,
 * through the v2 program interpreter:
 *
 *   golden(layers, input) == unpack(interp_v2(compile_v2(layers), pack(input)))
 *
 * byte for byte, for seeded random layers and chains (CONV2D, POINTWISE, FC,
 * DEPTHWISE, GAP; INT8, ternary and binary filters mixed; strides, padding,
 * odd channel counts, one-group and fine ternary groups; grouped CONV2D and
 * POINTWISE layers, cgroups of any width) on two v2 sizes
 * whose Pix / Ci / MacCo / AddCo do not divide common layer sizes, with
 * banks and weight buffers small enough that layers split into bands and
 * pass ranges; and nothing written in the data window outside the output
 * tensors' channels. A layer the v2 lowering cannot express must be refused
 * with an error naming it, exactly when the test's own rule says so.
 * A quarter as many cases again run on a MAC-only size (AddCo 0), where
 * ternary and binary filters run on the INT8 array (one group: t, alpha from
 * the record; fine groups: INT8 weights alpha x t): most with every group
 * scale capped to <= 127, the others refused if they have fine groups.
 *
 *   test_compile_v2 [--cases N] [--master SEED] [--seed CASE_SEED [--mac] [--rgb]] [-v]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "batch_interp.h"
#include "check_outputs.h"
#include "hta_compile_v2.h"
#include "hta_golden.h"
#include "prog_interp_v2.h"
#include "rand_layer.h"
#include "v2_job_edits.h"

#define MAX_CHAIN 3

static int verbose;
static int n_augmented; /* random programs whose first convolution ran as 1x1 */

/* Tiny: 3 pixels, 4 channels, 6 / 5 filters; 6 banks of 96 words (bands of
 * a few rows), 100 weight blocks (pass ranges). Small: 4 x 8 x 8 / 12. */
static const hta_v2_cfg V2_TINY = {"v2tiny", 3, 4, 6, 5, 96, 100, 24, 1, 0x7e57c2a1u, 55, 512, 16};
/* (records: 5 passes of 11 lanes per job) */
static const hta_v2_cfg V2_SMALL = {"v2small", 4, 8, 8, 12, 512, 400, 64, 1, 0x7e57c2a2u, 320, 4096,
                                    16};
/* Wide: Ci 8 over MacCo 2 / AddCo 3, so a depthwise or GAP channel block
 * takes several passes (blk_passes up to 4) and GAP uses the ternary rows. */
static const hta_v2_cfg V2_WIDE = {"v2wide", 2, 8, 2, 3, 256, 120, 40, 1, 0x7e57c2a3u, 60, 512, 16};
/* MAC-only: 3 pixels, 4 channels, 10 INT8 filters, no ternary array */
static const hta_v2_cfg V2_MAC = {"v2tinymac", 3, 4, 10, 0, 96, 100, 24, 1, 0x7e57c2a4u, 50, 512,
                                  16};
/* v2tiny on a 512-bit bus: blocks (48 bytes) and group-scale rows padded
 * to 64-byte beats, blocks, records and scales starting on one */
static const hta_v2_cfg V2_TINY512 = {"v2tiny512", 3, 4, 6, 5, 96, 100, 24, 1, 0x7e57c2a5u, 55, 512,
                                      64};

static int kcnt(const hta_layer *l, hta_kind k) {
  int n = 0;
  for (int o = 0; o < l->out_c; o++) n += hta_layer_kind(l, o) == k;
  return n;
}

static int cdiv(int a, int b) { return (a + b - 1) / b; }

/* Passes per channel block of a depthwise or GAP layer (the core's modes 1
 * and 2): a block's INT8 channels on MacCo rows, its ternary ones on AddCo
 * rows per pass (GAP: MacCo INT8 then AddCo ternary rows of each pass). */
static int blk_passes(const hta_v2_cfg *c, const hta_layer *l) {
  const int ci = (int)c->ci, M = (int)c->mac_co, A = (int)c->add_co;
  if (l->op == HTA_OP_GAP) {
    const int tern_ok = (long)l->in_h * l->in_w * 128 < (1L << 23);
    return cdiv(l->in_c < ci ? l->in_c : ci, M + (tern_ok ? A : 0));
  }
  int bp = 1;
  for (int c0 = 0; c0 < l->out_c; c0 += ci) {
    int n8 = 0, nt = 0;
    for (int ch = c0; ch < l->out_c && ch < c0 + ci; ch++)
      hta_layer_kind(l, ch) == HTA_KIND_INT8 ? n8++ : nt++;
    if (A == 0) n8 += nt, nt = 0; /* MAC-only: every channel on the INT8 rows */
    if (cdiv(n8, M) > bp) bp = cdiv(n8, M);
    if (A > 0 && cdiv(nt, A) > bp) bp = cdiv(nt, A);
  }
  return bp;
}

/* Why the v2 lowering must refuse layer l (docs/engine-v2.md), or NULL. */
/* A MAC-only core runs fine-group filters as INT8 weights alpha_g t: a
 * scale above 127 is refused (one group: alpha in the record, any scale). */
static int mac_only_scale(const hta_layer *l) {
  const int K = hta_layer_k(l), ng = hta_layer_ngroups(l);
  for (int o = 0; l->group != 0 && l->group < K && o < l->out_c; o++)
    for (int i = 0; hta_layer_kind(l, o) != HTA_KIND_INT8 && i < ng; i++)
      if (l->alpha[(size_t)o * ng + i] > 127) return 1;
  return 0;
}

static const char *refusal(const hta_v2_cfg *c, const hta_layer *l) {
  const int gap = l->op == HTA_OP_GAP, dw = l->op == HTA_OP_DEPTHWISE;
  const int kh = gap ? 1 : l->kh, kw = gap ? 1 : l->kw;
  const int in_c = gap || dw ? (l->in_c < (int)c->ci ? l->in_c : (int)c->ci) : l->in_c;
  const int cb_n = cdiv(in_c, (int)c->ci), K = hta_layer_k(l);
  const int tern = l->out_c - kcnt(l, HTA_KIND_INT8);
  if (gap || dw) { /* modes 1 and 2: one channel block must fit */
    const int bp = blk_passes(c, l), rows = gap ? l->in_h : kh;
    if (kh > 7 || kw > 7) return "kernel";
    if (dw && (l->pad_t > 7 || l->pad_l > 7 || l->pad_l > 2 * (int)c->pix)) return "padding";
    if (dw && tern > 0 && c->add_co == 0 && mac_only_scale(l)) return "MAC-only";
    const int gblk =
        dw && tern > 0 && c->add_co > 0 && l->group != 0 && l->group < K ? l->group : 0;
    if (gblk && !c->fine_groups) return "ternary groups";
    if (gblk && bp * cdiv(K, gblk) > (int)c->a_depth) return "group-scale buffer";
    if (bp * kh * kw > (int)c->w_depth) return "weight buffer";
    if (bp * (int)(c->mac_co + c->add_co) > (int)c->rec_depth) return "lane records";
    if (rows * cdiv(l->in_w, 2 * (int)c->pix) > (int)c->act_depth) return "activation banks";
    return NULL;
  }
  if (l->cgroups > 1) { /* runs of b groups on a Ci boundary (fine ternary groups: b = 1) */
    const int cg = l->cgroups, cpg = l->in_c / cg, ci = (int)c->ci;
    int b = ci, gg = cpg;
    for (int x = ci; x != 0;) { /* b = ci / gcd(cpg, ci) */
      const int r = gg % x;
      gg = x;
      x = r;
    }
    b = ci / gg < cg ? ci / gg : cg;
    if (kh > 7 || kw > 7) return "kernel";
    if (l->pad_t > 7 || l->pad_l > 7 || l->pad_l > 2 * (int)c->pix) return "padding";
    if (tern > 0 && c->add_co == 0) {
      if (mac_only_scale(l)) return "MAC-only";
    } else if (tern > 0 && l->group != 0 && l->group < K) {
      if (l->group % ci != 0 || cpg % l->group != 0) return "ternary groups";
      if (kh * kw * cpg / l->group > (int)c->a_depth) return "group-scale buffer";
      b = 1;
    }
    const int cbr = cdiv(b * cpg, ci);
    if (cbr > 255) return "channel blocks";
    if (kh * kw * cbr > (int)c->w_depth) return "weight buffer";
    if (kh * cbr * cdiv(l->in_w, 2 * (int)c->pix) > (int)c->act_depth) return "activation banks";
    return NULL;
  }
  if (kh > 7 || kw > 7) return "kernel";
  if (!gap && (l->pad_t > 7 || l->pad_l > 7 || l->pad_l > 2 * (int)c->pix)) return "padding";
  if (!gap && tern > 0 && c->add_co == 0) {
    if (mac_only_scale(l)) return "MAC-only";
  } else if (tern > 0 && l->group != 0 && l->group < K) {
    if (l->group % (int)c->ci != 0 || l->in_c % l->group != 0) return "ternary groups";
    const int ngr = kh * kw * cb_n * (int)c->ci / l->group;
    if (ngr > (int)c->a_depth) return "group-scale buffer";
  }
  if (kh * kw * cb_n > (int)c->w_depth) return "weight buffer";
  if (kh * cb_n * cdiv(l->in_w, 2 * (int)c->pix) > (int)c->act_depth) return "activation banks";
  return NULL;
}

/* Layer 0 as the compiler runs it: a first convolution that channel
 * augmentation turns into a 1x1 one over its im2col windows (the rule of
 * compile_v2.c's augment_first, restated): the only reader of the model
 * input, not grouped, kh kw >= 2, no fine ternary groups on a hybrid core,
 * at least half the blocks per output pixel and at most twice the bytes. */
static hta_layer first_as_run(const hta_v2_cfg *c, const hta_layer *layers, int n) {
  hta_layer a = layers[0];
  const int ci = (int)c->ci, K = hta_layer_k(&a);
  const int oh = hta_layer_out_h(&a), ow = hta_layer_out_w(&a);
  int other = 0;
  for (int i = 1; i < n; i++)
    for (int j = 0; j < hta_op_inputs(layers[i].op); j++)
      other |= hta_layer_src(&layers[i], i, j) == 0;
  const int fine = a.group != 0 && c->add_co > 0 && kcnt(&a, HTA_KIND_INT8) < a.out_c;
  if (a.op != HTA_OP_CONV2D || a.cgroups > 1 || fine || a.kh * a.kw < 2 || other ||
      2 * cdiv(K, ci) > a.kh * a.kw * cdiv(a.in_c, ci) ||
      (long)oh * ow * (long)hta_pix_stride(K) > 2L * a.in_h * a.in_w * (long)hta_pix_stride(a.in_c))
    return a;
  a.in_h = oh;
  a.in_w = ow;
  a.in_c = K;
  a.kh = a.kw = a.stride = 1;
  a.pad_t = a.pad_b = a.pad_l = a.pad_r = 0;
  return a;
}

/* Most convolutions get a ternary group size the core can scale (the next
 * larger G the v2 lowering accepts: fewer groups, so the layer's alphas
 * suffice); the others keep theirs and test the refusal. Depthwise layers
 * keep any G (mode 1 counts taps, the last group shorter). */
static void align_group(const hta_v2_cfg *c, hta_layer *l) {
  const int K = hta_layer_k(l);
  if (l->group == 0 || l->group >= K || l->op == HTA_OP_DEPTHWISE) return;
  int G = 0;
  for (int g = l->group; g < K && G == 0; g++) {
    if (g % (int)c->ci == 0 && hta_layer_filter_c(l) % g == 0) G = g;
  }
  l->group = G;
}

/* MAC-only cases: the group scales of a layer halved where above 127 (its
 * own buffer: hta_rand_layer_make allocated it) */
static void cap_alpha(hta_layer *l) {
  if (l->alpha == NULL) return;
  uint8_t *a = (uint8_t *)(uintptr_t)l->alpha;
  for (size_t i = 0; i < (size_t)l->out_c * hta_layer_ngroups(l); i++)
    if (a[i] > 127) a[i] >>= 1;
}

/* mac: on the MAC-only configuration; rgb: convolutions of 1..3 channels
 * (first layers that take channel augmentation). */
/* A third of the cases also as a batch program of 2 or 3 items (their own
 * inputs, drawn from a generator of their own so the cases above keep their
 * draws): every item's outputs against the golden model. 1 if all is well
 * (or no batch leg), else 0 with detail; name gets the batch. */
static int batch_leg(const hta_v2_cfg *cfg, const hta_layer *layers, int n, uint64_t seed,
                     char *name, char *detail, size_t len) {
  hta_rng g;
  hta_rng_seed(&g, seed ^ 0xba7c4ull);
  if (!hta_rng_chance(&g, 33)) return 1;
  const int nb = (int)hta_rng_range(&g, 2, 3);
  const size_t at = strlen(name);
  snprintf(name + at, 800 - at, " + batch program of %d", nb);
  char err[400];
  hta_program *p = hta_compile_v2_batch(cfg, layers, n, nb, err, sizeof err);
  if (p == NULL) {
    snprintf(detail, len, "batch of %d: compile failed: %s", nb, err);
    return 0;
  }
  char who[40];
  snprintf(who, sizeof who, "batch program of %d", nb);
  const int ok = batch_interp_check(cfg, p, layers, n, &g, who, detail, len);
  hta_program_free(p);
  return ok;
}

static int run_case(uint64_t seed, const char *argv0, int mac, int rgb) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  const unsigned pick = (unsigned)hta_rng_range(&g, 0, 9);
  const hta_v2_cfg *cfg = pick == 3  ? &V2_TINY512
                          : pick < 4 ? &V2_TINY
                          : pick < 8 ? &V2_SMALL
                                     : &V2_WIDE;
  if (mac) cfg = &V2_MAC;
  hta_hw_cfg lim;
  hta_hw_cfg_default(&lim);
  lim.k_max = 400;
  lim.alpha_depth = 64;
  lim.mac_lanes = 8;
  lim.add_lanes = 24;
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &lim);
  opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY;
  opts.max_hw = hta_rng_chance(&g, 20) ? 20 : 9;
  opts.grouped = 35;
  if (rgb) {
    opts.op = HTA_OP_CONV2D;
    opts.max_c = 3;
    opts.grouped = 0;
  }
  const int n = hta_rng_chance(&g, 20) ? (int)hta_rng_range(&g, 2, MAX_CHAIN) : 1;

  hta_rand_layer rl[MAX_CHAIN];
  hta_layer layers[MAX_CHAIN];
  int8_t *golden[MAX_CHAIN] = {0}, *input = NULL;
  uint8_t *data = NULL, *before = NULL;
  hta_program *prog = NULL;
  int made = 0, ok = 0;
  char name[800], detail[800] = "", err[400] = "", desc[600] = "";
  size_t at = 0;
  for (; made < n; made++) {
    hta_rand_input in;
    if (made > 0) in = hta_rand_next_input(&layers[made - 1]);
    if (hta_rand_layer_make(&rl[made], &g, &opts, made ? &in : NULL) != 0) {
      snprintf(detail, sizeof detail, "out of memory");
      goto done;
    }
    layers[made] = rl[made].l;
    if (hta_rng_chance(&g, 85)) align_group(cfg, &layers[made]);
    if (mac && hta_rng_chance(&g, 70)) cap_alpha(&layers[made]);
    at += (size_t)snprintf(desc + at, sizeof desc - at, "%s%s", made ? " | " : " ",
                           rl[made].desc);
    if (at >= sizeof desc) at = sizeof desc - 1;
  }
  const char *why = NULL;
  int bad = -1;
  const hta_layer first = first_as_run(cfg, layers, n);
  for (int i = 0; i < n && why == NULL; i++)
    if ((why = refusal(cfg, i == 0 ? &first : &layers[i])) != NULL) bad = i;

  prog = hta_compile_v2(cfg, layers, n, err, sizeof err);
  if (why != NULL) {
    char want[40];
    snprintf(want, sizeof want, "layer %d", bad);
    snprintf(name, sizeof name, "seed=0x%016" PRIx64 " cfg=%s refuses (%s)%s", seed, cfg->name,
             why, desc);
    if (prog != NULL)
      snprintf(detail, sizeof detail, "compiled a layer the v2 lowering cannot express (%s)", why);
    else if (strstr(err, want) == NULL)
      snprintf(detail, sizeof detail, "error does not name %s: %s", want, err);
    else
      ok = 1;
    goto done;
  }
  snprintf(name, sizeof name, "seed=0x%016" PRIx64 " cfg=%s%s", seed, cfg->name, desc);
  if (prog == NULL) {
    snprintf(detail, sizeof detail, "compile failed: %s", err);
    goto done;
  }
  input = malloc(hta_layer_in_size(&layers[0]));
  for (int i = 0; i < n; i++) golden[i] = malloc(hta_layer_out_size(&layers[i]));
  data = malloc(prog->data_size);
  before = malloc(prog->data_size);
  if (!input || !golden[n - 1] || !data || !before) {
    snprintf(detail, sizeof detail, "out of memory");
    goto done;
  }
  hta_rand_fill(&g, input, hta_layer_in_size(&layers[0]));
  if (hta_golden_layers(layers, n, input, golden) != 0) {
    snprintf(detail, sizeof detail, "golden model refused the layers");
    goto done;
  }
  for (size_t i = 0; i < prog->data_size; i++) data[i] = (uint8_t)hta_rng_u64(&g);
  hta_tensor_pack(&prog->input, input, data);
  n_augmented += prog->input.im2col.kh > 0;
  memcpy(before, data, prog->data_size);
  hta_interp_status st;
  if (hta_interp_v2_run(cfg, prog->bytes, prog->size, data, prog->data_size, NULL, &st) != 0) {
    snprintf(detail, sizeof detail, "interpreter: code %d at job %d (layer %d) info 0x%x: %s",
             st.code, st.layer, st.layer >= 0 ? prog->desc_layer[st.layer] : -1, st.info, st.msg);
    goto done;
  }
  if (st.layers_done != prog->n_desc) {
    snprintf(detail, sizeof detail, "interpreter ran %d of %d jobs", st.layers_done,
             prog->n_desc);
    goto done;
  }
  ok = check_program_outputs(prog, layers, n, golden, data, before, "v2 program", detail,
                             sizeof detail);
  if (ok) ok = batch_leg(cfg, layers, n, seed, name, detail, sizeof detail);
done:
  if (ok)
    check(1, name, " ");
  else
    check(0, name, "%s\n  replay: %s --seed 0x%016" PRIx64 "%s%s", detail, argv0, seed,
          mac ? " --mac" : "", rgb ? " --rgb" : "");
  if (ok && verbose && prog != NULL)
    printf("  program %zu bytes, %d jobs, data window %zu bytes\n", prog->size, prog->n_desc,
           prog->data_size);
  for (int i = 0; i < made; i++) hta_rand_layer_free(&rl[i]);
  for (int i = 0; i < n; i++) free(golden[i]);
  free(input);
  free(data);
  free(before);
  hta_program_free(prog);
  return ok;
}

/* A k x k CONV2D over h x w x c, no padding, no clamp; the arrays hold
 * out_c filters and output stages. */
static hta_layer conv_layer(int h, int w, int c, int out_c, int k, int stride,
                            const int8_t *wts, const int32_t *bias, const int32_t *mult,
                            const uint8_t *shift) {
  hta_layer l = {0};
  l.op = HTA_OP_CONV2D;
  l.in_h = h;
  l.in_w = w;
  l.in_c = c;
  l.out_c = out_c;
  l.kh = l.kw = k;
  l.stride = stride;
  l.act_min = -128;
  l.act_max = 127;
  l.w = wts;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  return l;
}

/* Channel augmentation (compile_v2.c, augment_first): a 3x3 stride-2
 * convolution over RGB runs as 1x1 over its 27-channel windows, which
 * hta_tensor_pack writes with zp_in in the padding; over 16 channels, or
 * when a later layer also reads the model input, it stays as it is. */
static void augmentation(void) {
  int8_t w[2 * 27], in[5 * 6 * 3];
  int32_t bias[2] = {0, 0}, mult[2] = {1 << 30, 1 << 30};
  uint8_t shift[2] = {0, 0};
  for (int i = 0; i < 54; i++) w[i] = (int8_t)(i % 7 - 3);
  for (int i = 0; i < 90; i++) in[i] = (int8_t)(i * 5 - 100);
  hta_layer l = conv_layer(5, 6, 3, 2, 3, 2, w, bias, mult, shift);
  l.pad_t = l.pad_l = l.pad_b = l.pad_r = 1;
  l.zp_in = -7;
  char err[400];
  hta_program *p = hta_compile_v2(&V2_SMALL, &l, 1, err, sizeof err);
  const hta_tensor *t = p ? &p->input : NULL;
  check(t != NULL && t->im2col.kh == 3 && t->h == 3 && t->w == 3 && t->c == 27 &&
            t->pix_stride == 32 && t->im2col.fill == -7,
        "first conv 3x3 s2 over 5x6x3 runs as 1x1 over 3x3x27 windows", "%s",
        p ? "other geometry" : err);
  if (t != NULL && t->im2col.kh == 3) {
    uint8_t *data = calloc(1, p->data_size);
    hta_tensor_pack(t, in, data);
    /* output pixel (1, 2) reads rows 1..3, columns 3..5; (0, 0) starts in the padding */
    const uint8_t *px = data + t->off + (1 * 3 + 2) * t->pix_stride;
    int same = 1;
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++)
        for (int c = 0; c < 3; c++)
          same &= (int8_t)px[(ky * 3 + kx) * 3 + c] == in[((1 + ky) * 6 + 3 + kx) * 3 + c];
    same &= (int8_t)data[t->off] == -7 && (int8_t)data[t->off + 4 * 3] == in[0] &&
            data[t->off + 27] == 0;
    check(same, "im2col windows packed (taps, zp_in padding, zeroed channel padding)", " ");
    free(data);
  }
  hta_program_free(p);
  /* a second reader of the model input (a 1x1 convolution of it) */
  hta_layer two[2] = {l, l};
  two[0].stride = 1;
  two[1].kh = two[1].kw = two[1].stride = 1;
  two[1].pad_t = two[1].pad_l = two[1].pad_b = two[1].pad_r = 0;
  two[1].n_src = 1;
  two[1].src[0] = 0;
  p = hta_compile_v2(&V2_SMALL, &two[0], 1, err, sizeof err);
  const int alone = p != NULL && p->input.im2col.kh == 3;
  hta_program_free(p);
  p = hta_compile_v2(&V2_SMALL, two, 2, err, sizeof err);
  check(alone && p != NULL && p->input.im2col.kh == 0 && p->input.c == 3,
        "first conv (stride 1) augmented alone, not when layer 1 reads the input too", "%s",
        p ? "augmented" : err);
  hta_program_free(p);
  l.in_c = 16;
  int8_t w16[2 * 9 * 16] = {0};
  l.w = w16;
  p = hta_compile_v2(&V2_SMALL, &l, 1, err, sizeof err);
  check(p != NULL && p->input.im2col.kh == 0 && p->input.c == 16,
        "first conv over 16 channels is not augmented", "%s", p ? "augmented" : err);
  hta_program_free(p);
}

/* A fixed layer whose jobs cross every split: bands (rows of 20 columns in
 * 6 banks of 96 words), pass ranges, hybrid channels interleaved. */
static void fixed_errors(void) {
  char err[400];
  /* a bad configuration is named */
  hta_v2_cfg bad = V2_TINY;
  bad.ci = 3;
  int8_t w[9] = {0};
  int32_t bias[1] = {0}, mult[1] = {1 << 30};
  uint8_t shift[1] = {0};
  hta_layer l = conv_layer(4, 4, 1, 1, 3, 1, w, bias, mult, shift);
  hta_program *p = hta_compile_v2(&bad, &l, 1, err, sizeof err);
  check(p == NULL && strstr(err, "Ci 3") != NULL, "bad v2 configuration refused", "%s", err);
  hta_program_free(p);
  /* GAP over an image whose rows do not fit the banks (100 rows of a word
     in 96-word banks) is refused naming the layer; 8x8 (no longer a 7x7
     kernel's limit: the core's global-sum mode) compiles */
  hta_layer gap = l;
  gap.op = HTA_OP_GAP;
  gap.in_h = 100;
  gap.in_w = 6;
  p = hta_compile_v2(&V2_TINY, &gap, 1, err, sizeof err);
  check(p == NULL && strstr(err, "layer 0 (GAP)") != NULL && strstr(err, "banks") != NULL,
        "GAP over 100x6 refused (banks of 96 words)", "%s", err);
  hta_program_free(p);
  gap.in_h = gap.in_w = 8;
  p = hta_compile_v2(&V2_TINY, &gap, 1, err, sizeof err);
  check(p != NULL, "GAP over 8x8 compiles", "%s", err);
  hta_program_free(p);
  /* a MAC-only configuration refuses a ternary filter whose scale is > 127,
     naming the layer and the configuration; with 127 it compiles */
  {
    hta_layer t = l;
    int8_t tw[9] = {1, -1, 0, 1, 1, 0, -1, 0, 1};
    uint8_t kind[1] = {HTA_KIND_TERNARY}, alpha[3] = {5, 200, 7};
    t.t = tw;
    t.alpha = alpha;
    t.kind = kind;
    t.w = NULL;
    t.group = 3;
    p = hta_compile_v2(&V2_MAC, &t, 1, err, sizeof err);
    check(p == NULL && strstr(err, "layer 0") != NULL && strstr(err, "v2tinymac") != NULL &&
              strstr(err, "MAC-only") != NULL,
          "MAC-only configuration refuses a fine-group ternary scale of 200", "%s", err);
    hta_program_free(p);
    alpha[1] = 127;
    p = hta_compile_v2(&V2_MAC, &t, 1, err, sizeof err);
    check(p != NULL, "MAC-only configuration compiles fine-group scales <= 127", "%s", err);
    hta_program_free(p);
    t.group = 0;
    alpha[0] = 255;
    p = hta_compile_v2(&V2_MAC, &t, 1, err, sizeof err);
    check(p != NULL, "MAC-only configuration compiles one group of scale 255", "%s", err);
    hta_program_free(p);
  }
  /* the interpreter refuses a v1 program */
  p = hta_compile_v2(&V2_TINY, &l, 1, err, sizeof err);
  if (check(p != NULL, "3x3 conv compiles", "%s", err)) {
    p->bytes[4] = 1; /* version */
    uint8_t *data = calloc(1, p->data_size);
    hta_interp_status st;
    check(hta_interp_v2_run(&V2_TINY, p->bytes, p->size, data, p->data_size, NULL, &st) ==
              HTA_INTERP_ERR_PROG && st.info == HTA_PROG_HEADER_W_VERSION,
          "interpreter refuses version 1", "code %d info %u", st.code, st.info);
    free(data);
  }
  hta_program_free(p);
}

/* A depthwise layer then a GAP (seeded; the first pair the lowering takes),
 * compiled for cfg: a program with a mode-1 and a mode-2 job. */
static hta_program *dw_gap_program(const hta_v2_cfg *cfg, hta_rand_layer *rl) {
  hta_hw_cfg lim;
  hta_hw_cfg_default(&lim);
  lim.k_max = 400;
  lim.alpha_depth = 64;
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &lim);
  opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY;
  char err[400];
  for (uint64_t seed = 1; seed < 200; seed++) {
    hta_rng g;
    hta_rng_seed(&g, seed);
    opts.op = HTA_OP_DEPTHWISE;
    if (hta_rand_layer_make(&rl[0], &g, &opts, NULL) != 0) return NULL;
    hta_rand_input in = hta_rand_next_input(&rl[0].l);
    opts.op = HTA_OP_GAP;
    if (hta_rand_layer_make(&rl[1], &g, &opts, &in) != 0) {
      hta_rand_layer_free(&rl[0]);
      return NULL;
    }
    const hta_layer layers[2] = {rl[0].l, rl[1].l};
    hta_program *p = hta_compile_v2(cfg, layers, 2, err, sizeof err);
    if (p != NULL) return p;
    hta_rand_layer_free(&rl[0]);
    hta_rand_layer_free(&rl[1]);
  }
  return NULL;
}

/* Each edit of V2_JOB_EDITS refused by the interpreter with ERR_DESC naming
 * the word, at the edited job. */
static void bad_modes(const hta_v2_cfg *cfg) {
  hta_rand_layer rl[2];
  hta_program *p = dw_gap_program(cfg, rl);
  if (!check(p != NULL, "a depthwise layer and a GAP compile", "no seed compiled")) return;
  uint8_t *bytes = malloc(p->size), *data = calloc(1, p->data_size);
  for (unsigned e = 0; bytes && data && e < V2_JOB_N_EDITS; e++) {
    const v2_job_edit *ed = &V2_JOB_EDITS[e];
    const int at = v2_job_of_mode(p->bytes, p->n_desc, ed->mode);
    char name[200], why[200];
    snprintf(name, sizeof name, "interpreter refuses %s: ERR_DESC, word %u (%s)", ed->what,
             ed->word, cfg->name);
    if (at < 0) {
      check(0, name, "no job of mode %u", ed->mode);
      continue;
    }
    memcpy(bytes, p->bytes, p->size);
    uint8_t *jb = bytes + HTA_PROG_HEADER_BYTES + (size_t)at * HTA_V2_JOB_BYTES;
    hta_v2_job j;
    hta_v2_job_unpack(jb, &j);
    v2_job_edit_apply(e, &j);
    if (hta_v2_job_pack(&j, jb, why, sizeof why) != 0) {
      check(0, name, "pack: %s", why);
      continue;
    }
    hta_interp_status st;
    const int rc = hta_interp_v2_run(cfg, bytes, p->size, data, p->data_size, NULL, &st);
    check(rc == HTA_INTERP_ERR_DESC && st.info == ed->word && st.layer == at, name,
          "code %d info %u at job %d (edited %d): %s", rc, st.info, st.layer, at, st.msg);
  }
  free(bytes);
  free(data);
  hta_program_free(p);
  hta_rand_layer_free(&rl[0]);
  hta_rand_layer_free(&rl[1]);
}

int main(int argc, char **argv) {
  int cases = 600;
  uint64_t master = 0x2e57c0de2ull, one = 0;
  int have_one = 0, mac = 0, rgb = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc)
      cases = atoi(argv[++i]);
    else if (strcmp(argv[i], "--master") == 0 && i + 1 < argc)
      master = strtoull(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      one = strtoull(argv[++i], NULL, 0), have_one = 1;
    else if (strcmp(argv[i], "--mac") == 0)
      mac = 1;
    else if (strcmp(argv[i], "--rgb") == 0)
      rgb = 1;
    else if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
    else {
      fprintf(stderr, "usage: %s [--cases N] [--master SEED] [--seed CASE_SEED [--mac] [--rgb]] [-v]\n",
              argv[0]);
      return 2;
    }
  }
  if (have_one) {
    run_case(one, argv[0], mac, rgb);
    return check_summary();
  }
  fixed_errors();
  augmentation();
  bad_modes(&V2_TINY);
  bad_modes(&V2_WIDE);
  for (int i = 0; i < cases; i++) run_case(hta_rng_case_seed(master, (uint64_t)i), argv[0], 0, 0);
  /* MAC-only: seeds of their own (the cases above keep theirs) */
  for (int i = 0; i < cases / 4; i++)
    run_case(hta_rng_case_seed(master ^ 0x3ac0ull, (uint64_t)i), argv[0], 1, 0);
  /* first convolutions of few channels (and chains after them) */
  for (int i = 0; i < cases / 6; i++)
    run_case(hta_rng_case_seed(master ^ 0x3c6bull, (uint64_t)i), argv[0], i % 4 == 3, 1);
  /* the random first layers take channel augmentation too (cases of few
     input channels): the interpreter's outputs above are its test */
  check(cases < 100 || n_augmented > 0, "channel augmentation taken by random programs",
        "%d of %d", n_augmented, cases + cases / 4 + cases / 6);
  printf("channel augmentation: %d of %d random programs\n", n_augmented,
         cases + cases / 4 + cases / 6);
  return check_summary();
}
