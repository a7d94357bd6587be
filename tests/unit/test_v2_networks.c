/*
 * test_v2_networks.c - whole networks through the engine-v2 compiler and the
 * v2 program interpreter, every layer's output against the golden model
 * byte for byte: the Fashion-MNIST model of models/ (INT8) and MobileNet-V1
 * 0.25/128 from the zoo (int8, hybrid:0.5, twn), on two v2 sizes, and
 * hybrid:0.5 and twn on a MAC-only size (AddCo 0: ternary filters on the
 * INT8 array), with seeded random inputs; graphs: MobileNet-V2 0.35/96
 * (int8, hybrid:0.5; residual ADDs on the graph-op unit), ResNet-18/32 (int8,
 * hybrid:0.5) on hw/config's v2small (WDepth 1024) and its refusal where
 * WDepth is 512, STRASSEN filters (the zoo's strassen plans of MobileNet-V1,
 * random layers of every kind), and 20 random DAGs (hta_rand_graph_engine)
 * per size. Batch
 * programs (hta_compile_v2_batch: B inputs in one program, each weight
 * block loaded once) of the same networks, every item checked. Also
 * reports the jobs each network became.
 *
 *   test_v2_networks [--seed N]
 *   test_v2_networks --cycles   (not a test) cycles per layer kind from the
 *       compiled jobs (see cycles_model() below): MobileNet-V1 0.25/128 on
 *       v2small (to compare with the simulation) and 1.0/224 on zcu104;
 *       ResNet-18 and -50 at 224 (int8, hybrid:0.5) on v2small and zcu104.
 * Run from the repository root (it reads models/fmnist_float_int8.hta).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_interp.h"
#include "check.h"
#include "check_outputs.h"
#include "hta_compile.h"
#include "hta_compile_v2.h"
#include "hta_golden.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "prog_interp_v2.h"
#include "rand_graph.h"
#include "rand_layer.h"

/* The sizes of test_compile_v2 ("v2tiny" with banks large enough for a
 * 128-pixel-wide row of 16 channels) and a mid size. */
static const hta_v2_cfg V2_TINY = {"v2tiny", 3, 4, 6, 5, 2048, 600, 64, 1, 0x7e57c2a1u, 55, 512,
                                   16};
static const hta_v2_cfg V2_SMALL = {"v2small", 4, 8, 8, 24, 2048, 512, 64, 1, 0x7e57c2a2u, 320,
                                    4096, 16};
static const hta_v2_cfg V2_MAC = {"v2smallmac", 4, 8, 24, 0, 2048, 512, 64, 1, 0x7e57c2a3u, 512,
                                   4096, 16};

/* The rows of cycles(): a layer's op, convolutions by their kernel (ResNet's
 * 3x3 and 1x1 layers apart). */
enum { ROW_CONV7, ROW_CONV3, ROW_CONV1, ROW_CONV, ROW_PW, ROW_DW, ROW_FC, ROW_GAP, ROW_GOP,
       ROW_COUNT };
static const char *const ROW_NAME[ROW_COUNT] = {"conv 7x7", "conv 3x3", "conv 1x1", "conv",
                                                "pointwise", "depthwise", "FC", "GAP",
                                                "graph ops"};

static int row_of(const hta_layer *l) {
  switch (l->op) {
  case HTA_OP_CONV2D:
    return l->kh == 7 ? ROW_CONV7 : l->kh == 3 ? ROW_CONV3 : l->kh == 1 ? ROW_CONV1 : ROW_CONV;
  case HTA_OP_POINTWISE: return ROW_PW;
  case HTA_OP_DEPTHWISE: return ROW_DW;
  case HTA_OP_FC: return ROW_FC;
  case HTA_OP_GAP: return ROW_GAP;
  default: return ROW_GOP;
  }
}

/* Cycles of a network's jobs by kind of layer, on a v2 configuration of
 * hw/config: "core" = the core alone (one block per cycle: tiles x K), and
 * "engine" = a model of hta_v2_engine as first built (serial: descriptor
 * fetch, loads at one beat per cycle, the pixels' bank words one per cycle,
 * then the core with the drain of one (pixel, lane with a filter) per cycle,
 * whichever is slower, overlapped; the engine now drains Pix pixels per
 * cycle and loads while the core runs: docs/engine-v2.md, "Where the cycles
 * go", has the measured counts), and the beats each kind of data takes on the
 * read port (the bound the overlapped engine approaches). Graph ops (ADD,
 * pools) run on the graph-op unit, not the core: counted as descriptors, no
 * cycles (the simulation has them). */
static void cycles_model(const char *cfg_name, const char *what, const hta_model *m) {
  char err[400];
  const hta_hw_config *hw = hta_hw_config_find(cfg_name);
  if (hw == NULL) {
    printf("no configuration %s\n", cfg_name);
    return;
  }
  hta_v2_cfg cv;
  hta_v2_cfg_from_hw(hw, &cv);
  const hta_v2_cfg *c = &cv;
  const hta_layer *layers = hta_model_layers(m);
  hta_model_info info;
  hta_model_get_info(m, &info);
  hta_program *prog = hta_compile_v2(c, layers, info.n_layers, err, sizeof err);
  if (prog == NULL) {
    printf("%s on %s: compile: %s\n", what, cfg_name, err);
    return;
  }
  double core[ROW_COUNT] = {0}, eng[ROW_COUNT] = {0};
  int jobs[ROW_COUNT] = {0};
  double rd_w = 0, rd_r = 0, rd_x = 0; /* beats read: weights, records + group scales, inputs */
  for (int i = 0; i < prog->n_desc; i++) {
    const uint8_t *dp = prog->bytes + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_V2_JOB_BYTES;
    const int row = row_of(&layers[prog->desc_layer[i]]);
    hta_v2_job j;
    hta_v2_job_unpack(dp, &j);
    if (j.op != HTA_DESC_OP_V2_JOB) { /* a graph op (or a layer's activation table) */
      jobs[ROW_GOP]++;
      continue;
    }
    const unsigned tw = (j.out_w + c->pix - 1) / c->pix;
    const double tiles = (double)j.out_h * j.passes * tw;
    const unsigned last_p = j.out_w - (tw - 1) * c->pix; /* pixels of the last tile */
    double drain = 0; /* per pass: (pixels x lanes with a filter) + 1 per tile */
    const unsigned rpp = j.rec_mac + j.rec_add; /* records per pass */
    for (unsigned n = 0; n < j.passes; n++) {
      unsigned v = 0;
      for (unsigned l = 0; l < rpp; l++) {
        hta_v2_lane rec;
        hta_v2_lane_unpack(prog->bytes + j.rec_off + ((size_t)n * rpp + l) * HTA_V2_LANE_BYTES,
                           &rec);
        v += rec.valid;
      }
      drain += ((double)(tw - 1) * (c->pix * v + 1) + last_p * v + 1) * j.out_h;
    }
    /* mode 2 (GAP): one tile per pass, the whole input its window */
    const double blocks = j.mode == 2 ? (double)j.passes * j.in_h * j.in_w : tiles * j.k_blocks;
    const unsigned bpp = ((j.in_off % 16) + j.cb_n * c->ci + 15) / 16;
    /* a job with reuse set loads no weights, records or scales */
    const double wts = j.reuse ? 0 : j.wts_bytes / 16.0;
    const double recs = j.reuse ? 0
                        : (double)j.passes * rpp +
                              (j.gblk ? (double)j.passes * ((j.k_blocks + j.gblk - 1) / j.gblk) *
                                            ((c->add_co + 15) / 16) : 0);
    const double load = wts + recs + (double)j.in_h * j.in_w * bpp * (16 / c->ci);
    rd_w += wts;
    rd_r += recs;
    rd_x += (double)j.in_h * j.in_w * bpp;
    core[row] += blocks + 12;
    eng[row] += 40 + load + (blocks > drain ? blocks : drain) + 20;
    jobs[row]++;
  }
  double tc = 0, te = 0;
  printf("%s on %s (Pix %u Ci %u MacCo %u AddCo %u WDepth %u), batch 1:\n", what, c->name,
         c->pix, c->ci, c->mac_co, c->add_co, c->w_depth);
  printf("  %-10s %6s %12s %14s\n", "kind", "descs", "core cyc", "serial cyc");
  for (int r = 0; r < ROW_COUNT; r++) {
    if (jobs[r] == 0) continue;
    if (r == ROW_GOP) {
      printf("  %-10s %6d %12s %14s\n", ROW_NAME[r], jobs[r], "-", "-");
      continue;
    }
    printf("  %-10s %6d %12.0f %14.0f\n", ROW_NAME[r], jobs[r], core[r], eng[r]);
    tc += core[r];
    te += eng[r];
  }
  printf("  total (jobs): core %.0f cycles (%.1f inf/s at an assumed 300 MHz), serial engine "
         "%.0f (%.1f inf/s)\n", tc, 300e6 / tc, te, 300e6 / te);
  printf("  beats read: weights %.0f, records and group scales %.0f, inputs %.0f (%d "
         "descriptors)\n", rd_w, rd_r, rd_x, prog->n_desc);
  hta_program_free(prog);
}

/* cycles_model of a zoo model m (NULL: the zoo's error err), then frees m. */
static void cycles_zoo(const char *cfg_name, const char *what, hta_model *m, const char *err) {
  if (m == NULL) {
    printf("zoo: %s\n", err);
    return;
  }
  cycles_model(cfg_name, what, m);
  hta_model_free(m);
}

static void cycles(const char *cfg_name, double width, int res, const char *plan) {
  char err[400], what[80];
  snprintf(what, sizeof what, "MobileNet-V1 %.2f/%d %s", width, res, plan);
  cycles_zoo(cfg_name, what, hta_zoo_mobilenet_v1(width, res, plan, 1, err, sizeof err), err);
}

static void cycles_resnet(const char *cfg_name, int depth, int res, const char *plan) {
  char err[400], what[80];
  snprintf(what, sizeof what, "ResNet-%d/%d %s", depth, res, plan);
  cycles_zoo(cfg_name, what, hta_zoo_resnet(depth, res, plan, 1, err, sizeof err), err);
}

/* The network on the interpreter, `batch` seeded random inputs in one
 * program (hta_compile_v2_batch; batch 1: hta_compile_v2), every item's
 * every layer against the golden model. */
static void run_net_batch(const char *what, const hta_model *m, const hta_v2_cfg *cfg,
                          uint64_t seed, int batch) {
  char name[200], err[400] = "", detail[400] = "";
  hta_model_info info;
  hta_model_get_info(m, &info);
  const hta_layer *layers = hta_model_layers(m);
  const int n = info.n_layers;
  snprintf(name, sizeof name, "%s on %s (%d layers)", what, cfg->name, n);
  if (batch > 1) {
    const size_t at = strlen(name);
    snprintf(name + at, sizeof name - at, ", batch program of %d", batch);
  }
  hta_program *prog = batch > 1 ? hta_compile_v2_batch(cfg, layers, n, batch, err, sizeof err)
                                : hta_compile_v2(cfg, layers, n, err, sizeof err);
  int ok = 0;
  if (prog == NULL) {
    snprintf(detail, sizeof detail, "compile: %s", err);
  } else {
    hta_rng g;
    hta_rng_seed(&g, seed);
    ok = batch_interp_check(cfg, prog, layers, n, &g, "v2 program", detail, sizeof detail);
    if (ok) printf("  %s: %d jobs, program %zu bytes\n", name, prog->n_desc, prog->size);
  }
  check(ok, name, "%s (seed %" PRIu64 ")", detail, seed);
  hta_program_free(prog);
}

static int kcount(const hta_layer *l, hta_kind k) {
  int n = 0;
  for (int o = 0; o < l->out_c; o++) n += hta_layer_kind(l, o) == k;
  return n;
}

static void run_net(const char *what, const hta_model *m, const hta_v2_cfg *cfg, uint64_t seed) {
  run_net_batch(what, m, cfg, seed, 1);
}

int main(int argc, char **argv) {
  uint64_t seed = 11;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cycles") == 0) {
      cycles("v2small", 0.25, 128, "int8");
      cycles("v2small", 0.25, 128, "hybrid:0.5");
      cycles("zcu104", 0.25, 128, "int8");
      cycles("zcu104", 1.0, 224, "int8");
      cycles("zcu104", 1.0, 224, "hybrid:0.5");
      const char *rplans[] = {"int8", "hybrid:0.5"};
      for (int k = 0; k < 2; k++)
        for (int p = 0; p < 2; p++)
          for (int d = 18; d <= 50; d += 32)
            cycles_resnet(k ? "zcu104" : "v2small", d, 224, rplans[p]);
      return 0;
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 0);
    } else {
      fprintf(stderr, "usage: %s [--seed N | --cycles]\n", argv[0]);
      return 2;
    }
  }
  char err[400];
  hta_model *m = hta_model_load("models/fmnist_float_int8.hta", err, sizeof err);
  if (check(m != NULL, "load models/fmnist_float_int8.hta", "%s", err)) {
    run_net("fmnist_float_int8", m, &V2_TINY, seed);
    run_net("fmnist_float_int8", m, &V2_SMALL, seed + 1);
    run_net_batch("fmnist_float_int8", m, &V2_TINY, seed + 1, HTA_BATCH_PROG_MAX);
  }
  hta_model_free(m);
  const char *plans[] = {"int8", "hybrid:0.5", "twn"};
  for (int p = 0; p < 3; p++) {
    m = hta_zoo_mobilenet_v1(0.25, 128, plans[p], 1, err, sizeof err);
    char what[80];
    snprintf(what, sizeof what, "mobilenet-v1-0.25-128 %s", plans[p]);
    if (check(m != NULL, what, "zoo: %s", err)) {
      run_net(what, m, p == 1 ? &V2_TINY : &V2_SMALL, seed + 2 + (uint64_t)p);
      if (p > 0) run_net(what, m, &V2_MAC, seed + 5 + (uint64_t)p);
      run_net_batch(what, m, p == 1 ? &V2_SMALL : &V2_TINY, seed + 12 + (uint64_t)p, 2 + p);
    }
    hta_model_free(m);
  }
  for (int p = 0; p < 2; p++) {
    const char *gplans[] = {"int8", "hybrid:0.5"};
    m = hta_zoo_mobilenet_v2(0.35, 96, gplans[p], 1, err, sizeof err);
    char what[80];
    snprintf(what, sizeof what, "mobilenet-v2-0.35-96 %s", gplans[p]);
    if (check(m != NULL, what, "zoo: %s", err)) {
      run_net(what, m, &V2_SMALL, seed + 5 + (uint64_t)p);
      run_net_batch(what, m, p ? &V2_TINY : &V2_SMALL, seed + 15 + (uint64_t)p, 3);
    }
    hta_model_free(m);
  }
  /* ResNet-18/32 on hw/config's v2small (WDepth 1024: its 3x3x512 layers
   * are K = 576 blocks of Ci 8); the test's own v2small sizes (WDepth 512)
   * refuse it, naming the layer, K and WDepth */
  hta_v2_cfg v2small_hw;
  hta_v2_cfg_from_hw(hta_hw_config_find("v2small"), &v2small_hw);
  for (int p = 0; p < 2; p++) {
    const char *rplans[] = {"int8", "hybrid:0.5"};
    m = hta_zoo_resnet(18, 32, rplans[p], 1, err, sizeof err);
    char what[80];
    snprintf(what, sizeof what, "resnet-18-32 %s", rplans[p]);
    if (check(m != NULL, what, "zoo: %s", err)) {
      run_net(what, m, &v2small_hw, seed + 7 + (uint64_t)p);
      run_net_batch(what, m, &v2small_hw, seed + 17 + (uint64_t)p, 2);
      if (p == 0) {
        hta_model_info mi;
        hta_model_get_info(m, &mi);
        hta_program *pr = hta_compile_v2(&V2_SMALL, hta_model_layers(m), mi.n_layers, err,
                                         sizeof err);
        check(pr == NULL && strstr(err, "layer 23: K = 576 blocks") != NULL &&
                  strstr(err, "(WDepth 512 blocks of v2small)") != NULL,
              "resnet-18-32 refused where K exceeds WDepth, naming layer, K and WDepth", "%s",
              pr ? "compiled" : err);
        hta_program_free(pr);
      }
    }
    hta_model_free(m);
  }
  /* ResNet-50/32 int8 on v2small: its 1x1 layers of 2048 channels (256
   * blocks of Ci 8, over the descriptor's 255) as half-pixels under a 1x2
   * kernel; and such a layer on 10x9 pixels, two runs of the banks (64) */
  m = hta_zoo_resnet(50, 32, "int8", 1, err, sizeof err);
  if (check(m != NULL, "resnet-50-32 int8", "zoo: %s", err))
    run_net_batch("resnet-50-32 int8", m, &v2small_hw, seed + 9, 2);
  hta_model_free(m);
  {
    hta_hw_cfg lim;
    hta_hw_cfg_default(&lim);
    lim.k_max = 4096;
    hta_rand_opts opts;
    hta_rand_opts_default(&opts, &lim);
    opts.op = HTA_OP_POINTWISE;
    opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY;
    opts.out_c = 40;
    hta_rng g;
    hta_rng_seed(&g, seed + 10);
    const hta_rand_input in = {10, 9, 2048, -3};
    hta_rand_layer rl;
    m = hta_model_new("pw2048", "mixed");
    if (check(m != NULL && hta_rand_layer_make(&rl, &g, &opts, &in) == 0, "pointwise 10x9x2048",
              "out of memory")) {
      if (check(hta_model_add_layer(m, &rl.l, err, sizeof err) == 0, "pointwise 10x9x2048 model",
                "%s", err)) {
        run_net("pointwise 10x9x2048 -> 40", m, &v2small_hw, seed + 10);
        run_net_batch("pointwise 10x9x2048 -> 40", m, &v2small_hw, seed + 20, 3);
      }
      hta_rand_layer_free(&rl);
    }
    hta_model_free(m);
  }
  /* STRASSEN filters (lower_strassen: hidden units into the scratch region,
   * then a 1x1 convolution over them): the zoo's strassen plans, and random
   * CONV2D / POINTWISE / FC layers mixing every kind, on each size (MAC-only
   * too) and as batch programs */
  {
    const char *splans[] = {"hybrid:0.5:strassen:1", "strassen:0.5"};
    for (int p = 0; p < 2; p++) {
      m = hta_zoo_mobilenet_v1(0.25, 128, splans[p], 1, err, sizeof err);
      char what[80];
      snprintf(what, sizeof what, "mobilenet-v1-0.25-128 %s", splans[p]);
      if (check(m != NULL, what, "zoo: %s", err)) {
        run_net(what, m, p ? &V2_TINY : &V2_SMALL, seed + 30 + (uint64_t)p);
        run_net(what, m, &V2_MAC, seed + 32 + (uint64_t)p);
        run_net_batch(what, m, &V2_SMALL, seed + 34 + (uint64_t)p, 3);
      }
      hta_model_free(m);
    }
    hta_hw_cfg lim;
    hta_hw_cfg_default(&lim);
    lim.k_max = 400;
    hta_rand_opts opts;
    hta_rand_opts_default(&opts, &lim);
    opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY |
                 1u << HTA_KIND_STRASSEN;
    opts.grouped = 0;
    opts.max_hw = 12;
    const hta_op ops[3] = {HTA_OP_CONV2D, HTA_OP_POINTWISE, HTA_OP_FC};
    const hta_v2_cfg *cfgs[3] = {&V2_TINY, &V2_SMALL, &V2_MAC};
    int ran = 0;
    for (uint64_t k = 0; k < 60; k++) {
      hta_rng g;
      hta_rng_seed(&g, seed * 7000 + k);
      opts.op = ops[k % 3];
      hta_rand_layer rl;
      if (hta_rand_layer_make(&rl, &g, &opts, NULL) != 0) {
        check(0, "random STRASSEN layer", "out of memory");
        break;
      }
      char what[120];
      snprintf(what, sizeof what, "random %s layer %" PRIu64 " (%d STRASSEN filters, r %d)",
               hta_op_name(rl.l.op), seed * 7000 + k, kcount(&rl.l, HTA_KIND_STRASSEN), rl.l.r);
      m = hta_model_new("strassen", "mixed");
      if (m != NULL && hta_model_add_layer(m, &rl.l, err, sizeof err) == 0) {
        hta_model_info mi;
        hta_model_get_info(m, &mi);
        hta_program *pr = hta_compile_v2(cfgs[k % 3], hta_model_layers(m), mi.n_layers,
                                         err, sizeof err);
        /* (a draw beyond a limit of the core: the cases above test those) */
        if (pr != NULL) {
          run_net_batch(what, m, cfgs[k % 3], k, 1 + (int)(k % 2));
          ran += rl.l.r > 0;
        }
        hta_program_free(pr);
      }
      hta_model_free(m);
      hta_rand_layer_free(&rl);
    }
    check(ran >= 15, "random layers: 15 with STRASSEN filters within the core's limits", "%d",
          ran);
  }
  /* random DAGs (filters INT8, ternary, binary: their STRASSEN layers
   * are above); a draw the compiler refuses for a limit of the lowering (a
   * GAP over more than 7x7 pixels, ternary groups not whole Ci blocks, a
   * kernel or padding over the core's 7) is skipped */
  for (int k = 0; k < 2; k++) {
    const hta_v2_cfg *c = k ? &V2_SMALL : &V2_TINY;
    int done = 0;
    for (uint64_t gs = 1; done < 20 && gs < 200; gs++) {
      hta_rng g;
      hta_rng_seed(&g, seed * 1000 + gs);
      m = hta_rand_graph_engine_kinds(&g, hta_rng_chance(&g, 50) ? 40 : 12,
                                      1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY |
                                          1u << HTA_KIND_BINARY,
                                      err, sizeof err);
      if (m == NULL) {
        check(0, "random graph", "%s", err);
        break;
      }
      hta_model_info mi;
      hta_model_get_info(m, &mi);
      hta_program *pr = hta_compile_v2(c, hta_model_layers(m), mi.n_layers, err, sizeof err);
      const int gap = pr == NULL && (strstr(err, "(GAP): a ") != NULL ||
                                     strstr(err, "are not lowered to engine v2: they need") ||
                                     strstr(err, "exceeds the v2 core's"));
      hta_program_free(pr);
      if (!gap) {
        char what[80];
        snprintf(what, sizeof what, "random graph %" PRIu64, seed * 1000 + gs);
        /* (every third as a batch program of 2 or 3) */
        run_net_batch(what, m, c, gs, done % 3 == 2 ? 2 + (int)(gs % 2) : 1);
        done++;
      }
      hta_model_free(m);
    }
  }
  return check_summary();
}
