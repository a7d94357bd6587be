/*
 * test_rtl_layers.c - the RTL against the golden model, bit for bit.
 *
 * Every case is a random layer (or a short chain of layers) drawn from one
 * seed: compiled for hw/config/hta.cfg, run on the cycle-accurate Verilator
 * model through sim/'s C API, and compared byte for byte with the golden
 * model. A sweep first covers every op x weight kind; random cases follow
 * (mixed kinds, strides, padding, odd channel counts, 1x1 images, large
 * biases that saturate). Each case also checks that no byte outside the
 * outputs changed, inside or outside the data window.
 *
 *   test_rtl_layers [--count N] [--master S] [--seed S] [--trace F.fst] [-v]
 *
 * A failing case prints its seed and the command that replays it alone with
 * a waveform.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_outputs.h"
#include "prog_case.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_sim.h"
#include "rand_layer.h"
#include "rng.h"
#include "rtl_run.h"

#define MAX_CHAIN 3 /* <= PROG_CASE_MAX */
#define RTL_OTHER_COUNT 120 /* random cases on configurations other than tiny */
#define SWEEP_FLAG (UINT64_C(1) << 63)
#define BIG_FLAG (UINT64_C(1) << 62)
#define EDGE_FLAG (UINT64_C(1) << 61) /* with SWEEP_FLAG: an entry of edge_case() */

static int verbose;
static uint64_t max_cycles = UINT64_C(50000000);
static uint64_t total_cycles, total_ops, total_cases;

/* A sweep seed carries the op and the kind mask it asks for. */
static uint64_t sweep_seed(int op, unsigned kinds, int i) {
  const uint64_t h = hta_rng_case_seed(0x5eedu, (uint64_t)(op * 64 + (int)kinds * 4 + i));
  return SWEEP_FLAG | (h & ~UINT64_C(0xfff) & ~SWEEP_FLAG & ~BIG_FLAG) | (uint64_t)op << 8 | kinds;
}

/* Lane-count edges of the linked configuration (M MAC, A adder lanes):
 * filter counts of each kind one below, at and one above a whole array (and
 * two arrays), alone and together, on each CONV-like op; depthwise layers of
 * M - 1 .. 2M + 1 channels (DW passes are M channels wide). Sets op, out_c
 * and n_int8 of o for entry i; 0 past the last entry. */
#define EDGE_CONV 10
#define EDGE_DW 5
static int edge_case(int i, hta_rand_opts *o) {
  const int M = (int)o->hw.mac_lanes, A = (int)o->hw.add_lanes;
  const int conv[EDGE_CONV][2] = {{M - 1, 0}, {M, 0},         {M + 1, 0},     {0, A - 1},
                                  {0, A},     {0, A + 1},     {M, A},         {M + 1, A - 1},
                                  {M - 1, A + 1}, {2 * M + 1, A + 1}};
  const int dw[EDGE_DW] = {M - 1, M, M + 1, 2 * M, 2 * M + 1};
  const int ops[3] = {HTA_OP_POINTWISE, HTA_OP_CONV2D, HTA_OP_FC};
  if (i < 3 * EDGE_CONV) {
    o->op = ops[i / EDGE_CONV];
    o->n_int8 = conv[i % EDGE_CONV][0];
    o->out_c = conv[i % EDGE_CONV][0] + conv[i % EDGE_CONV][1];
    return 1;
  }
  i -= 3 * EDGE_CONV;
  if (i < EDGE_DW) {
    o->op = HTA_OP_DEPTHWISE;
    o->out_c = dw[i];
    o->n_int8 = dw[i] / 2;
    return 1;
  }
  return 0;
}

static int run_case(hta_sim *sim, uint64_t seed, const char *argv0) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  hta_hw_cfg cfg = *rtl_config();
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &cfg);
  int n = hta_rng_chance(&g, 12) ? (int)hta_rng_range(&g, 2, MAX_CHAIN) : 1;
  if ((seed & SWEEP_FLAG) && (seed & EDGE_FLAG)) {
    n = 1;
    opts.max_hw = 5; /* the channel counts are the point; keep them quick */
    if (!edge_case((int)(seed & 0xff), &opts)) {
      check(0, "edge case", "seed 0x%016" PRIx64 " names no edge case", seed);
      return 0;
    }
  } else if (seed & SWEEP_FLAG) {
    opts.op = (int)(seed >> 8 & 0xf);
    opts.kinds = (unsigned)(seed & 0xf);
    n = 1;
    if (seed & BIG_FLAG) {
      /* up to 12x12 images and 1000 filters: several tiles and passes */
      opts.max_hw = 12;
      opts.max_out_c = 1000;
      opts.max_c = 300;
    }
  }

  prog_case pc;
  char name[700], detail[900] = "";
  int ok = 0;
  rtl_result res;
  const int made = prog_case_make(&pc, &g, &opts, &cfg, n, detail, sizeof detail) == 0;
  snprintf(name, sizeof name, "rtl seed=0x%016" PRIx64 "%s", seed, pc.desc);
  if (!made) goto done;
  const hta_program *prog = pc.prog;
  uint8_t *data = pc.data;

  if (!rtl_run_clean(sim, prog->bytes, prog->size, data, prog->data_size, prog->n_desc,
                     "descriptor", max_cycles, &res, detail, sizeof detail))
    goto done;
  if (!check_program_outputs(prog, pc.layers, n, pc.golden, data, pc.before, "rtl", detail,
                             sizeof detail))
    goto done;
  ok = 1;
  total_cycles += res.cycles;
  total_ops += res.mac_ops + res.add_ops;
  total_cases++;

done:
  if (ok) {
    check(1, name, " ");
    if (verbose)
      printf("  %" PRIu64 " cycles, %" PRIu64 " MAC ops, %" PRIu64 " adder ops, "
             "%" PRIu64 " memory stalls, %" PRIu64 " drain stalls\n",
             res.cycles, res.mac_ops, res.add_ops, res.mem_stall, res.drain_stall);
  } else {
    check(0, name, "%s\n  replay with a waveform: %s --seed 0x%016" PRIx64 " --trace fail.fst",
          detail, argv0, seed);
  }
  prog_case_free(&pc);
  return ok;
}

static void usage(const char *argv0) {
  printf("usage: %s [--count N] [--master S] [--seed S]... [--trace F.fst] [--max-cycles N] [-v]\n"
         "  --count N   random cases after the op x kind sweep (default 470 on\n"
         "              tiny, 120 on others)\n"
         "  --master S  master seed of the random cases (default 1)\n"
         "  --seed S    run only the case with this seed (as printed on failure);\n"
         "              repeat to run several cases in order on one simulation\n"
         "  --trace F   write an FST waveform of the whole run to F\n"
         "  --max-cycles N  cycles before a run counts as hung (default 50000000)\n"
         "  -v          print cycles and stalls of every case\n", argv0);
}

int main(int argc, char **argv) {
  long count = -1; /* default: 470 on tiny, RTL_OTHER_COUNT elsewhere */
  uint64_t master = 1, only[16];
  int have_only = 0;
  const char *trace = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtol(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--master") && i + 1 < argc) master = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc && have_only < 16) {
      only[have_only++] = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--trace") && i + 1 < argc) trace = argv[++i];
    else if (!strcmp(argv[i], "--max-cycles") && i + 1 < argc)
      max_cycles = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else {
      usage(argv[0]);
      return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 2 : 0;
    }
  }

  char err[300];
  hta_sim *sim = rtl_open(0, trace, err, sizeof err);
  if (!check(sim != NULL, "open the simulation of the linked configuration", "%s", err))
    return check_summary();
  /* tiny is cheap and hits the lane-count edges: the full randomized sweep
   * runs there; larger configurations take a subset in make test. */
  if (count < 0) count = strcmp(rtl_config()->name, "tiny") == 0 ? 470 : RTL_OTHER_COUNT;

  if (have_only) {
    for (int i = 0; i < have_only; i++) run_case(sim, only[i], argv[0]);
  } else {
    for (int op = HTA_OP_CONV2D; op <= HTA_OP_GAP; op++) {
      const unsigned masks[] = {1u << HTA_KIND_INT8, 1u << HTA_KIND_TERNARY,
                                1u << HTA_KIND_BINARY, 1u << HTA_KIND_STRASSEN, 0xfu};
      for (int m = 0; m < 5; m++) {
        if (op == HTA_OP_GAP && m > 0) break; /* GAP has no weight kinds */
        for (int i = 0; i < 2; i++) run_case(sim, sweep_seed(op, masks[m], i), argv[0]);
      }
    }
    /* lane-count edges of this configuration */
    hta_rand_opts eo;
    hta_rand_opts_default(&eo, rtl_config());
    for (int i = 0; edge_case(i, &eo); i++)
      run_case(sim, SWEEP_FLAG | EDGE_FLAG |
                        (hta_rng_case_seed(0xed6eu, (uint64_t)i) & ~UINT64_C(0xff) &
                         ~(SWEEP_FLAG | BIG_FLAG | EDGE_FLAG)) | (uint64_t)i,
               argv[0]);
    /* large layers: several tiles and passes per layer */
    for (int op = HTA_OP_CONV2D; op <= HTA_OP_POINTWISE; op++)
      for (int i = 0; i < 4; i++) run_case(sim, sweep_seed(op, 0xfu, 8 + i) | BIG_FLAG, argv[0]);
    for (long i = 0; i < count; i++)
      run_case(sim, hta_rng_case_seed(master, (uint64_t)i) & ~SWEEP_FLAG, argv[0]);
  }
  printf("simulated %" PRIu64 " cases, %" PRIu64 " cycles, %" PRIu64 " array operations\n",
         total_cases, total_cycles, total_ops);
  hta_sim_destroy(sim);
  return check_summary();
}
