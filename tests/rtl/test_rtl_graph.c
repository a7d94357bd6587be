/*
 * test_rtl_graph.c - graphs on the RTL: the graph-op unit (hw/rtl/hta_gop.sv)
 * and the compiler's DAG programs against the golden model, bit for bit.
 *
 * Every case is a random DAG drawn from one seed (hta_rand_graph_engine:
 * residual ADD, CONCAT, squeeze-excite MUL by a GAP, LAYERNORM, pointwise and depthwise
 * layers reading any earlier tensor, random activation tables, scales, zero
 * points and clamps; channel counts up to 12 or up to 40, so pixels span
 * several bus beats). It is compiled for the linked configuration, run on
 * the Verilator model and on the test interpreter of programs
 * (tests/support/prog_interp), and every layer's output is compared with the
 * golden model; no byte outside the outputs may change, and the RTL's data
 * window must equal the interpreter's byte for byte. First, corrupted
 * graph-op descriptors must stop the RTL with the interpreter's ERR_DESC
 * word index (the random graphs that follow show the engine recovers).
 * On a v2 configuration (Engine 2) the program is the v2 compiler's (jobs on
 * the core, graph ops on the same unit) and the interpreter
 * tests/support/prog_interp_v2, the filters INT8, ternary or binary (v2 does
 * not lower STRASSEN filters); a graph the v2 compiler refuses for a limit
 * of the core or its lowering (a GAP over more than 7x7 pixels, ternary
 * groups that are not whole blocks of Ci channels, a kernel or padding over
 * 7) is redrawn from the same generator, and the redraws are counted.
 *
 *   test_rtl_graph [--count N] [--master S] [--seed S] [--trace F.fst] [-v]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_outputs.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_model.h"
#include "hta_sim.h"
#include "hta_compile_v2.h"
#include "prog_interp.h"
#include "prog_interp_v2.h"
#include "rand_graph.h"
#include "rng.h"
#include "rtl_run.h"

/* engine v2's filter kinds (no STRASSEN) */
#define V2_KINDS (1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY)

static int verbose;
static uint64_t total_cycles, total_cases, total_gops, total_redrawn, total_grouped;
/* per graph-op descriptor kind: descriptors, cycles, output bytes */
#define GOP_KINDS 10
static uint64_t kind_n[GOP_KINDS], kind_cycles[GOP_KINDS], kind_bytes[GOP_KINDS];
static const char *const kind_name[GOP_KINDS] = {"ADD",    "CONCAT",  "MUL", "TABLE",  "RESIZE",
                                                 "PAD",    "MAXPOOL", "GMP", "AVGPOOL",
                                                 "LAYERNORM"};

/* The interpreter of the linked configuration's engine. */
static int interp(const hta_hw_cfg *cfg, const uint8_t *prog, size_t size, uint8_t *data,
                  size_t data_size, hta_interp_status *st) {
  if (cfg->engine == 2) {
    hta_v2_cfg v2;
    hta_v2_cfg_from_hw(cfg, &v2);
    return hta_interp_v2_run(&v2, prog, size, data, data_size, NULL, st);
  }
  return hta_interp_run(cfg, prog, size, data, data_size, NULL, st);
}

/* A v2 compiler's refusal of a layer beyond the core or its lowering: a
 * GAP over more than 7x7 pixels, ternary groups that are not whole blocks,
 * kernels or padding past the core's 7. */
static int v2_refusal(const hta_hw_cfg *cfg, const char *err) {
  return cfg->engine == 2 && ((strstr(err, "(GAP): a ") && strstr(err, "kernel (GAP is lowered")) ||
                              strstr(err, "are not lowered to engine v2: they need") ||
                              strstr(err, "exceeds the v2 core's"));
}

/* pool: a graph of hta_rand_pool_graph (MAXPOOL, GMP and ADD edges) with
 * channels up to pool_c; bus_err: then a read error injected in the middle
 * of its first pool's input must stop it with ERR_AXI_RD, and the graph must
 * run bit-exact again after. */
static int run_case_at(hta_sim *sim, uint64_t seed, const char *argv0, int pool, int pool_c,
                       int bus_err, const char *where);
static int run_case(hta_sim *sim, uint64_t seed, const char *argv0) {
  return run_case_at(sim, seed, argv0, 0, 0, 0, "");
}

static int run_case_at(hta_sim *sim, uint64_t seed, const char *argv0, int pool, int pool_c,
                       int bus_err, const char *where) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  const hta_hw_cfg *cfg = rtl_config();
  char name[200], detail[900] = "", err[400] = "";
  int ok = 0, n = 0;
  hta_program *prog = NULL;
  int8_t **outs = NULL, *in = NULL;
  uint8_t *data = NULL, *before = NULL, *idata = NULL;
  rtl_result res;

  const int max_c = pool ? pool_c : hta_rng_chance(&g, 50) ? 40 : 12;
  hta_model *m = NULL;
  const hta_layer *ls = NULL;
  snprintf(name, sizeof name, "rtl %sgraph%s seed=0x%016" PRIx64, pool ? "pool " : "", where,
           seed);
  for (int draw = 0; draw < 20; draw++) {
    hta_model_free(m);
    hta_program_free(prog);
    prog = NULL;
    m = pool ? hta_rand_pool_graph(&g, max_c, err, sizeof err)
             : hta_rand_graph_engine_kinds(&g, max_c, cfg->engine == 2 ? V2_KINDS : 0, err,
                                           sizeof err);
    if (m == NULL) {
      snprintf(detail, sizeof detail, "make the graph: %s", err);
      goto done;
    }
    hta_model_info mi;
    hta_model_get_info(m, &mi);
    ls = hta_model_layers(m);
    n = mi.n_layers;
    prog = hta_compile(cfg, ls, n, err, sizeof err);
    if (prog != NULL || !v2_refusal(cfg, err)) break;
    total_redrawn++;
  }
  snprintf(name, sizeof name, "rtl %sgraph%s seed=0x%016" PRIx64 " (%d layers:",
           pool ? "pool " : "", where, seed, n);
  for (int i = 0; i < n; i++) {
    const size_t at = strlen(name);
    snprintf(name + at, sizeof name - at, " %s%s", hta_op_name(ls[i].op), ls[i].lut ? "+lut" : "");
  }
  strncat(name, ")", sizeof name - strlen(name) - 1);

  if (prog == NULL) {
    snprintf(detail, sizeof detail, "compile: %s", err);
    goto done;
  }
  const size_t isz = (size_t)ls[0].in_h * ls[0].in_w * ls[0].in_c;
  in = malloc(isz);
  outs = calloc((size_t)n, sizeof *outs);
  data = malloc(prog->data_size);
  before = malloc(prog->data_size);
  idata = malloc(prog->data_size);
  if (!in || !outs || !data || !before || !idata) {
    snprintf(detail, sizeof detail, "out of memory");
    goto done;
  }
  for (int i = 0; i < n; i++)
    if ((outs[i] = malloc(hta_layer_out_size(&ls[i]))) == NULL) {
      snprintf(detail, sizeof detail, "out of memory");
      goto done;
    }
  for (size_t i = 0; i < isz; i++) in[i] = (int8_t)hta_rng_range(&g, -128, 127);
  if (hta_golden_layers(ls, n, in, outs) != 0) {
    snprintf(detail, sizeof detail, "golden model refused the graph");
    goto done;
  }
  /* random bytes around the tensors, so stray writes show */
  for (size_t i = 0; i < prog->data_size; i++) data[i] = (uint8_t)hta_rng_u64(&g);
  hta_tensor_pack(&prog->input, in, data);
  memcpy(before, data, prog->data_size);
  memcpy(idata, data, prog->data_size);

  /* the interpreter of programs: the compiler and the format, without RTL */
  hta_interp_status st;
  if (interp(cfg, prog->bytes, prog->size, idata, prog->data_size, &st) != 0) {
    snprintf(detail, sizeof detail, "interpreter: descriptor %d: %s", st.layer, st.msg);
    goto done;
  }
  if (!check_program_outputs(prog, ls, n, outs, idata, before, "interpreter", detail,
                             sizeof detail))
    goto done;

  if (bus_err) {
    /* DECERR on the last window position the first pool reads: its last
     * output pixel's, after every other read of the op */
    uint8_t *bdata = malloc(prog->data_size);
    if (bdata == NULL) {
      snprintf(detail, sizeof detail, "out of memory");
      goto done;
    }
    memcpy(bdata, before, prog->data_size);
    const hta_layer *p0 = &ls[0];
    int ly = p0->in_h - 1, lx = p0->in_w - 1;
    if (p0->op == HTA_OP_MAXPOOL) {
      const int sy = (hta_layer_out_h(p0) - 1) * p0->stride - p0->pad_t + p0->kh;
      const int sx = (hta_layer_out_w(p0) - 1) * p0->stride - p0->pad_l + p0->kw;
      ly = (sy < p0->in_h ? sy : p0->in_h) - 1;
      lx = (sx < p0->in_w ? sx : p0->in_w) - 1;
    }
    const uint64_t at = rtl_data_addr(prog->size) + prog->input.off +
                        ((uint64_t)ly * p0->in_w + (uint64_t)lx) * prog->input.pix_stride;
    hta_sim_inject_error(sim, 0, at, at + 1, 3);
    rtl_result bres;
    char bmsg[300] = "";
    const int brc = rtl_run(sim, prog->bytes, prog->size, bdata, prog->data_size,
                            UINT64_C(20000000), &bres, bmsg, sizeof bmsg);
    hta_sim_inject_error(sim, 0, 0, 0, 0);
    free(bdata);
    if (brc != HTA_SIM_OK || (bres.status & 0xff) != HTA_ENGINE_ERR_AXI_RD ||
        bres.err_addr > at || bres.err_addr + 4096 <= at) {
      snprintf(detail, sizeof detail,
               "read error at 0x%" PRIx64 ": harness %d (%s), status 0x%x, err_addr 0x%" PRIx64
               " (want ERR_AXI_RD near it)", at, brc, bmsg, bres.status, bres.err_addr);
      goto done;
    }
  }
  if (!rtl_run_clean(sim, prog->bytes, prog->size, data, prog->data_size, prog->n_desc,
                     "descriptor", UINT64_C(20000000), &res, detail, sizeof detail))
    goto done;
  if (!check_program_outputs(prog, ls, n, outs, data, before, "rtl", detail, sizeof detail))
    goto done;
  for (size_t i = 0; i < prog->data_size; i++)
    if (data[i] != idata[i]) {
      snprintf(detail, sizeof detail, "data window byte 0x%zx: rtl 0x%02x, interpreter 0x%02x",
               i, data[i], idata[i]);
      goto done;
    }
  /* cycles of every graph-op descriptor, from the per-layer log */
  uint32_t *cyc = calloc((size_t)prog->n_desc, sizeof *cyc);
  if (cyc && rtl_read_log(sim, prog->n_desc, cyc) == 0)
    for (int d = 0; d < prog->n_desc; d++) {
      const uint8_t *at = prog->bytes + HTA_PROG_HEADER_BYTES + (size_t)d * HTA_DESC_BYTES;
      if (at[0] != HTA_DESC_OP_GOP) continue;
      hta_gop_desc gd;
      hta_gop_desc_unpack(at, &gd);
      if (gd.kind >= GOP_KINDS) continue;
      kind_n[gd.kind]++;
      kind_cycles[gd.kind] += cyc[d];
      kind_bytes[gd.kind] += (uint64_t)gd.h * gd.w * gd.out_c;
    }
  free(cyc);
  ok = 1;
  total_cycles += res.cycles;
  total_cases++;
  for (int i = 0; i < n; i++) {
    total_gops += hta_op_inputs(ls[i].op) == 2 || ls[i].lut != NULL;
    total_grouped += ls[i].cgroups > 1;
  }

done:
  if (ok) {
    check(1, name, " ");
    if (verbose) printf("  %" PRIu64 " cycles, %d descriptors\n", res.cycles, prog->n_desc);
  } else {
    check(0, name, "%s\n  replay with a waveform: %s --seed 0x%016" PRIx64 " --trace fail.fst",
          detail, argv0, seed);
  }
  for (int i = 0; outs && i < n; i++) free(outs[i]);
  free(outs);
  free(in);
  free(data);
  free(before);
  free(idata);
  hta_program_free(prog);
  hta_model_free(m);
  return ok;
}

/* Bad graph-op descriptors: each corruption stops the RTL with ERR_DESC
 * and the word index of the field, as the interpreter reports it, at that
 * descriptor; the good program then runs again bit-exact. */
static void run_bad_descs(hta_sim *sim) {
  const hta_hw_cfg *cfg = rtl_config();
  hta_rng g;
  char err[400] = "";
  hta_program *prog = NULL;
  hta_model *m = NULL;
  /* the first graph with a graph-op descriptor */
  int at = -1;
  for (uint64_t seed = 1; seed < 50 && at < 0; seed++) {
    hta_program_free(prog);
    hta_model_free(m);
    hta_rng_seed(&g, seed);
    m = hta_rand_graph_engine_kinds(&g, 12, cfg->engine == 2 ? V2_KINDS : 0, err, sizeof err);
    hta_model_info mi;
    if (m) hta_model_get_info(m, &mi);
    prog = m ? hta_compile(cfg, hta_model_layers(m), mi.n_layers, err, sizeof err) : NULL;
    for (int d = 0; prog && d < prog->n_desc && at < 0; d++)
      if (prog->bytes[HTA_PROG_HEADER_BYTES + (size_t)d * HTA_DESC_BYTES] == HTA_DESC_OP_GOP)
        at = d;
  }
  if (!check(at >= 0, "bad gop descriptors: a program with a graph op", "%s", err)) goto out;
  uint8_t *data = calloc(1, prog->data_size), *bytes = malloc(prog->size);
  const size_t off = HTA_PROG_HEADER_BYTES + (size_t)at * HTA_DESC_BYTES;
  static const char *what[] = {"kind 7", "act_min > act_max", "h 0", "in_pix_stride + 16",
                               "out_c + 1", "x past the window", "output unaligned",
                               "par_off unaligned", "par_bytes - 16", "kind 10",
                               "LAYERNORM epsilon term < 0"};
  for (int k = 0; data && bytes && k < (int)(sizeof what / sizeof *what); k++) {
    hta_gop_desc d;
    hta_gop_desc_unpack(prog->bytes + off, &d);
    switch (k) {
    case 0: d.kind = 7; break;
    case 1: d.act_min = 5, d.act_max = 4; break;
    case 2: d.h = 0; break;
    case 3: d.in_pix_stride += 16; break;
    case 4: d.out_c += 1; break;
    case 5: d.in_off = (uint32_t)prog->data_size; break;
    case 6: d.out_off += 8; break;
    case 7: d.par_off += 8; break;
    case 8: d.par_bytes -= 16; break;
    case 9: d.kind = HTA_GOP_LAYERNORM + 1; break;
    default: d.kind = HTA_GOP_LAYERNORM, d.in_mult0 = -5; break;
    }
    memcpy(bytes, prog->bytes, prog->size);
    char why[200], name[160], msg[600];
    snprintf(name, sizeof name, "bad gop descriptor %d (%s): ERR_DESC as the interpreter", at,
             what[k]);
    if (hta_gop_desc_pack(&d, bytes + off, why, sizeof why) != 0) {
      check(0, name, "pack: %s", why);
      continue;
    }
    hta_interp_status st;
    interp(cfg, bytes, prog->size, data, prog->data_size, &st);
    rtl_result res;
    const int rc = rtl_run(sim, bytes, prog->size, data, prog->data_size, UINT64_C(2000000),
                           &res, msg, sizeof msg);
    check(rc == HTA_SIM_OK && st.code == HTA_INTERP_ERR_DESC &&
              (res.status & 0xff) == HTA_ENGINE_ERR_DESC && res.err_info == st.info &&
              (int)(res.status >> 16) == at && st.layer == at,
          name, "rtl rc %d status 0x%x info %u; interpreter code %d info %u at %d (%s)", rc,
          res.status, res.err_info, st.code, st.info, st.layer, st.msg);
  }
  free(data);
  free(bytes);
out:
  hta_program_free(prog);
  hta_model_free(m);
}

static void usage(const char *argv0) {
  printf("usage: %s [--count N] [--pool N] [--master S] [--seed S]... [--pool-seed S]...\n"
         "       [--trace F.fst] [-v]\n"
         "  --count N   random graphs (default 40 on tiny, 12 on others)\n"
         "  --pool N    random pool graphs (MAXPOOL, GMP, ADD edges; default 48 on tiny,\n"
         "              24 on others): every other one on a memory with gaps between\n"
         "              beats and one read in flight, every fourth with a read error\n"
         "  --pool-seed S  run only the pool graph with this seed (as printed)\n"
         "  --master S  master seed of the random graphs (default 1)\n"
         "  --seed S    run only the graph with this seed (as printed on failure)\n"
         "  --trace F   write an FST waveform of the whole run to F\n"
         "  -v          print the cycles of every graph\n", argv0);
}

int main(int argc, char **argv) {
  long count = -1, pools = -1;
  uint64_t only_pool[16];
  int have_pool = 0;
  uint64_t master = 1, only[16];
  int have_only = 0;
  const char *trace = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtol(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--pool") && i + 1 < argc) pools = strtol(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--pool-seed") && i + 1 < argc && have_pool < 16)
      only_pool[have_pool++] = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--master") && i + 1 < argc) master = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc && have_only < 16)
      only[have_only++] = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--trace") && i + 1 < argc) trace = argv[++i];
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
  const int tiny = !strcmp(rtl_config()->name, "tiny") || !strcmp(rtl_config()->name, "v2tiny");
  if (count < 0) count = tiny ? 40 : 12;
  if (pools < 0) pools = tiny ? 48 : 24;
  /* back-pressure: a memory with gaps between beats, slow responses and one
   * read burst in flight */
  hta_sim_config sc;
  hta_sim_default_config(&sc);
  sc.rd_latency = 97;
  sc.wr_latency = 61;
  sc.rd_gap = 2;
  sc.wr_gap = 3;
  sc.max_rd_outstanding = 1;
  hta_sim *slow = hta_sim_create(&sc, err, sizeof err);
  if (!check(slow != NULL, "open a slow memory simulation", "%s", err)) {
    hta_sim_destroy(sim);
    return check_summary();
  }
  /* pool graphs: channels past a few records (on tiny's 512-channel unit
   * also one pixel per segment), else up to 70 */
  const int wide_c = (int)(rtl_config()->chan_max < 1100 ? rtl_config()->chan_max * 6 / 10 : 1100);
  if (have_only || have_pool) {
    for (int i = 0; i < have_only; i++) run_case(sim, only[i], argv[0]);
    for (int i = 0; i < have_pool; i++) {
      hta_rng g;
      hta_rng_seed(&g, only_pool[i] ^ UINT64_C(0x9001));
      run_case_at(hta_rng_chance(&g, 50) ? slow : sim, only_pool[i], argv[0], 1,
                  hta_rng_chance(&g, 25) ? wide_c : 70, hta_rng_chance(&g, 25), "");
    }
  } else {
    run_bad_descs(sim);
    for (long i = 0; i < count; i++)
      run_case(sim, hta_rng_case_seed(master ^ UINT64_C(0x67a9), (uint64_t)i), argv[0]);
    for (long i = 0; i < pools; i++) {
      const uint64_t seed = hta_rng_case_seed(master ^ UINT64_C(0x9001), (uint64_t)i);
      hta_rng g;
      hta_rng_seed(&g, seed ^ UINT64_C(0x9001));
      const int on_slow = hta_rng_chance(&g, 50);
      const int c = hta_rng_chance(&g, 25) ? wide_c : 70;
      const int bus_err = hta_rng_chance(&g, 25);
      char where[80];
      snprintf(where, sizeof where, "%s%s", on_slow ? " (slow memory)" : "",
               bus_err ? " (read error first)" : "");
      run_case_at(on_slow ? slow : sim, seed, argv[0], 1, c, bus_err, where);
    }
  }
  printf("simulated %" PRIu64 " graphs (%" PRIu64 " layers with graph ops or tables), %" PRIu64
         " cycles\n", total_cases, total_gops, total_cycles);
  printf("  %" PRIu64 " grouped convolutions (cgroups) among their layers\n", total_grouped);
  if (count >= 50 && !have_only)
    check(total_grouped > 0, "grouped convolutions ran", "none in %ld graphs", count);
  if (total_redrawn)
    printf("  %" PRIu64 " graphs redrawn: a GAP over more than 7x7 pixels or ternary groups "
           "not whole Ci blocks, a kernel or padding over 7 (the v2 core's and lowering's "
           "limits)\n", total_redrawn);
  for (int k = 0; k < GOP_KINDS; k++)
    if (kind_n[k])
      printf("  %-8s %4" PRIu64 " descriptors, %8" PRIu64 " cycles, %7" PRIu64
             " output bytes: %.2f cycles per output byte\n", kind_name[k], kind_n[k],
             kind_cycles[k], kind_bytes[k], (double)kind_cycles[k] / (double)kind_bytes[k]);
  hta_sim_destroy(slow);
  hta_sim_destroy(sim);
  return check_summary();
}
