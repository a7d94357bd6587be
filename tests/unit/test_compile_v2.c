/*
 * test_compile_v2.c - the engine-v2 compiler against the golden model,
 * through the v2 program interpreter:
 *
 *   golden(layers, input) == unpack(interp_v2(compile_v2(layers), pack(input)))
 *
 * byte for byte, for seeded random layers and chains (CONV2D, POINTWISE, FC,
 * DEPTHWISE, GAP; INT8, ternary and binary filters mixed; strides, padding,
 * odd channel counts, one-group and fine ternary groups) on two v2 sizes
 * whose Pix / Ci / MacCo / AddCo do not divide common layer sizes, with
 * banks and weight buffers small enough that layers split into bands and
 * pass ranges; and nothing written in the data window outside the output
 * tensors' channels. A layer the v2 lowering cannot express must be refused
 * with an error naming it, exactly when the test's own rule says so.
 *
 *   test_compile_v2 [--cases N] [--master SEED] [--seed CASE_SEED] [-v]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_outputs.h"
#include "hta_compile_v2.h"
#include "hta_golden.h"
#include "prog_interp_v2.h"
#include "rand_layer.h"

#define MAX_CHAIN 3

static int verbose;

/* Tiny: 3 pixels, 4 channels, 6 / 5 filters; 6 banks of 96 words (bands of
 * a few rows), 100 weight blocks (pass ranges). Small: 4 x 8 x 8 / 12. */
static const hta_v2_cfg V2_TINY = {"v2tiny", 3, 4, 6, 5, 96, 100, 24, 1, 0x7e57c2a1u, 55, 512};
/* (records: 5 passes of 11 lanes per job) */
static const hta_v2_cfg V2_SMALL = {"v2small", 4, 8, 8, 12, 512, 400, 64, 1, 0x7e57c2a2u, 320, 4096};

static int kcnt(const hta_layer *l, hta_kind k) {
  int n = 0;
  for (int o = 0; o < l->out_c; o++) n += hta_layer_kind(l, o) == k;
  return n;
}

static int cdiv(int a, int b) { return (a + b - 1) / b; }

/* Why the v2 lowering must refuse layer l (docs/engine-v2.md), or NULL. */
static const char *refusal(const hta_v2_cfg *c, const hta_layer *l) {
  const int gap = l->op == HTA_OP_GAP, dw = l->op == HTA_OP_DEPTHWISE;
  const int kh = gap ? l->in_h : l->kh, kw = gap ? l->in_w : l->kw;
  const int in_c = gap || dw ? (l->in_c < (int)c->ci ? l->in_c : (int)c->ci) : l->in_c;
  const int cb_n = cdiv(in_c, (int)c->ci), K = hta_layer_k(l);
  const int tern = l->out_c - kcnt(l, HTA_KIND_INT8);
  if (kh > 7 || kw > 7) return "kernel";
  if (!gap && (l->pad_t > 7 || l->pad_l > 7 || l->pad_l > 2 * (int)c->pix)) return "padding";
  if (!gap && tern > 0 && l->group != 0 && l->group < K) {
    if (dw ? (kh * kw) % l->group != 0
           : l->group % (int)c->ci != 0 || l->in_c % l->group != 0)
      return "ternary groups";
    const int ngr = dw ? kh * kw / l->group : kh * kw * cb_n * (int)c->ci / l->group;
    if (ngr > (int)c->a_depth) return "group-scale buffer";
  }
  if (kh * kw * cb_n > (int)c->w_depth) return "weight buffer";
  if (kh * cb_n * cdiv(l->in_w, 2 * (int)c->pix) > (int)c->act_depth) return "activation banks";
  return NULL;
}

/* Most layers get a ternary group size the core can scale (the next larger
 * G the v2 lowering accepts: fewer groups, so the layer's alphas suffice);
 * the others keep theirs and test the refusal. */
static void align_group(const hta_v2_cfg *c, hta_layer *l) {
  const int K = hta_layer_k(l);
  if (l->group == 0 || l->group >= K) return;
  int G = 0;
  for (int g = l->group; g < K && G == 0; g++) {
    if (l->op == HTA_OP_DEPTHWISE ? K % g == 0 : g % (int)c->ci == 0 && l->in_c % g == 0)
      G = g;
  }
  l->group = G;
}

static int run_case(uint64_t seed, const char *argv0) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  const hta_v2_cfg *cfg = hta_rng_chance(&g, 50) ? &V2_TINY : &V2_SMALL;
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
    at += (size_t)snprintf(desc + at, sizeof desc - at, "%s%s", made ? " | " : " ",
                           rl[made].desc);
    if (at >= sizeof desc) at = sizeof desc - 1;
  }
  const char *why = NULL;
  int bad = -1;
  for (int i = 0; i < n && why == NULL; i++)
    if ((why = refusal(cfg, &layers[i])) != NULL) bad = i;

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
done:
  if (ok)
    check(1, name, " ");
  else
    check(0, name, "%s\n  replay: %s --seed 0x%016" PRIx64, detail, argv0, seed);
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
  hta_layer l = {0};
  l.op = HTA_OP_CONV2D;
  l.in_h = l.in_w = 4;
  l.in_c = l.out_c = 1;
  l.kh = l.kw = 3;
  l.stride = 1;
  l.act_min = -128;
  l.act_max = 127;
  l.w = w;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;
  hta_program *p = hta_compile_v2(&bad, &l, 1, err, sizeof err);
  check(p == NULL && strstr(err, "Ci 3") != NULL, "bad v2 configuration refused", "%s", err);
  hta_program_free(p);
  /* GAP over 8x8 is refused naming the layer */
  hta_layer gap = l;
  gap.op = HTA_OP_GAP;
  gap.in_h = gap.in_w = 8;
  p = hta_compile_v2(&V2_TINY, &gap, 1, err, sizeof err);
  check(p == NULL && strstr(err, "layer 0 (GAP)") != NULL, "GAP over 8x8 refused", "%s", err);
  hta_program_free(p);
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

int main(int argc, char **argv) {
  int cases = 600;
  uint64_t master = 0x2e57c0de2ull, one = 0;
  int have_one = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc)
      cases = atoi(argv[++i]);
    else if (strcmp(argv[i], "--master") == 0 && i + 1 < argc)
      master = strtoull(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      one = strtoull(argv[++i], NULL, 0), have_one = 1;
    else if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
    else {
      fprintf(stderr, "usage: %s [--cases N] [--master SEED] [--seed CASE_SEED] [-v]\n", argv[0]);
      return 2;
    }
  }
  if (have_one) {
    run_case(one, argv[0]);
    return check_summary();
  }
  fixed_errors();
  for (int i = 0; i < cases; i++) run_case(hta_rng_case_seed(master, (uint64_t)i), argv[0]);
  return check_summary();
}
