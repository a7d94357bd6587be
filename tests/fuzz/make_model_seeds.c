/*
 * make_model_seeds.c DIR - the seed corpus of fuzz_model.c: small valid
 * .hta files (docs/fuzzing.md). Chains of three random layers whose first
 * layer is each weight op in turn (tests/support/rand_layer.c, images up to
 * 6x6 and 12 channels so a file is a few KB), grouped CONV2D and POINTWISE
 * chains (format version 3), and random graphs using every
 * graph op and activation tables (tests/support/rand_graph.c). Seeded: the
 * same files every time. Built and run by `make fuzz-seeds`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hta_compile.h"
#include "hta_model.h"
#include "rand_graph.h"
#include "rand_layer.h"

static int save(const hta_model *m, const char *dir, const char *stem) {
  char path[512], err[300];
  snprintf(path, sizeof path, "%s/seed_%s.hta", dir, stem);
  if (hta_model_save(m, path, err, sizeof err) != 0) return fprintf(stderr, "%s\n", err), 1;
  return 0;
}

static int chain(const char *dir, int op, uint64_t seed, int grouped) {
  hta_hw_cfg hw;
  hta_hw_cfg_default(&hw);
  hta_rng g;
  hta_rng_seed(&g, seed);
  hta_model *m = hta_model_new("seed", "fuzz");
  hta_rand_layer rl[3];
  hta_rand_input in;
  char err[300], stem[64];
  int n = 0, bad = m == NULL;
  for (; !bad && n < 3; n++) {
    hta_rand_opts o;
    hta_rand_opts_default(&o, &hw);
    o.op = n == 0 ? op : -1;
    o.max_hw = 6;
    o.max_c = o.max_out_c = 12;
    o.max_r = 3;
    o.grouped = grouped;
    if (hta_rand_layer_make(&rl[n], &g, &o, n == 0 ? NULL : &in)) break;
    in = hta_rand_next_input(&rl[n].l);
    if (hta_model_add_layer(m, &rl[n].l, err, sizeof err)) bad = fprintf(stderr, "%s\n", err);
  }
  snprintf(stem, sizeof stem, "chain_op%d_%s%llu", op, grouped ? "grouped_" : "",
           (unsigned long long)seed);
  if (!bad) bad = save(m, dir, stem);
  for (int i = 0; i < n; i++) hta_rand_layer_free(&rl[i]);
  hta_model_free(m);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: make_model_seeds DIR\n"), 2;
  int bad = 0;
  for (int op = HTA_OP_CONV2D; op <= HTA_OP_GAP; op++)
    for (uint64_t seed = 1; seed <= 2; seed++) bad |= chain(argv[1], op, seed, 0);
  /* grouped convolutions (format version 3) */
  for (uint64_t seed = 1; seed <= 2; seed++) {
    bad |= chain(argv[1], HTA_OP_CONV2D, seed, 100);
    bad |= chain(argv[1], HTA_OP_POINTWISE, seed, 100);
  }
  for (uint64_t seed = 1; seed <= 3; seed++) {
    hta_rng g;
    hta_rng_seed(&g, seed);
    char err[300], stem[32];
    hta_model *m = hta_rand_graph(&g, err, sizeof err);
    if (m == NULL) return fprintf(stderr, "graph %llu: %s\n", (unsigned long long)seed, err), 1;
    snprintf(stem, sizeof stem, "graph_%llu", (unsigned long long)seed);
    bad |= save(m, argv[1], stem);
    hta_model_free(m);
  }
  return bad;
}
