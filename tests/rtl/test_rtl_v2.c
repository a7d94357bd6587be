/*
 * test_rtl_v2.c - the v2 engine (hta_top with Engine 2: hta_v2_engine around
 * hta_v2_core) on its Verilator model against the golden model: seeded
 * random layers and chains (CONV2D, POINTWISE, FC, DEPTHWISE, GAP; INT8,
 * ternary and binary filters mixed; fine ternary groups where the v2 lowering
 * takes them), compiled by hta_compile_cfg for the linked configuration,
 * every output byte bit-exact, no byte outside the output channels or the
 * windows written (MAC-only configurations: scales capped, see cap_alpha);
 * then whole networks layer by layer: the Fashion-MNIST model of models/ and, on configurations larger than v2tiny, MobileNet-V1
 * 0.25/128 int8 and hybrid:0.5 from the zoo. Built per v2 configuration (tests/rtl/rtl.mk).
 *
 *   test_rtl_v2 [--count N] [--master S] [--seed S] [--no-net] [-v]
 * Run from the repository root (it reads models/fmnist_float_int8.hta).
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
#include "hta_zoo.h"
#include "rand_layer.h"
#include "rtl_run.h"
#include "v2_job_edits.h"

#define MAX_CHAIN 3

static int verbose;
static uint64_t max_cycles = UINT64_C(200000000);

/* A ternary group size the v2 lowering takes (convolutions: the next larger
 * G that is whole blocks: fewer groups, so the layer's alphas suffice, else
 * 0; depthwise: any, the core's mode 1 counts taps). */
static void align_group(const hta_hw_cfg *c, hta_layer *l) {
  const int K = hta_layer_k(l);
  if (l->group == 0 || l->group >= K || l->op == HTA_OP_DEPTHWISE) return;
  int G = 0;
  for (int g = l->group; g < K && G == 0; g++)
    if (g % (int)c->ci == 0 && l->in_c % g == 0) G = g;
  l->group = G;
}

/* A MAC-only configuration (AddCo 0) runs ternary and binary filters of
 * fine groups as INT8 weights alpha x t, which needs every group scale <=
 * 127 (else the compiler refuses: test_compile_v2): the layer's scales
 * above 127 halved (its own buffer: hta_rand_layer_make allocated it). One
 * group per filter keeps any scale (alpha from the record); halving them
 * too is harmless. */
static void cap_alpha(hta_layer *l) {
  if (l->alpha == NULL) return;
  uint8_t *a = (uint8_t *)(uintptr_t)l->alpha;
  for (size_t i = 0; i < (size_t)l->out_c * hta_layer_ngroups(l); i++)
    if (a[i] > 127) a[i] >>= 1;
}

/* Runs prog on the model; 1 if every layer's output matches golden, the
 * engine's phase counters give every cycle to exactly one phase and the
 * adder array is busy with the MAC array (never on a MAC-only core). */
static int run_prog(hta_sim *sim, const hta_program *prog, const hta_layer *layers, int n,
                    int8_t *const *golden, uint8_t *data, const uint8_t *before, char *detail,
                    size_t len, uint64_t *cycles, rtl_result *out) {
  rtl_result res;
  if (!rtl_run_clean(sim, prog->bytes, prog->size, data, prog->data_size, prog->n_desc, "job",
                     max_cycles, &res, detail, len))
    return 0;
  if (out != NULL) *out = res;
  const uint64_t phases = res.v2_fetch + res.v2_wload + res.v2_xload + res.v2_run + res.v2_tail;
  if (phases != res.cycles) {
    snprintf(detail, len,
             "phase counters sum to %" PRIu64 " (fetch %" PRIu64 " weights %" PRIu64
             " inputs %" PRIu64 " core %" PRIu64 " tail %" PRIu64 "), CYCLES %" PRIu64,
             phases, res.v2_fetch, res.v2_wload, res.v2_xload, res.v2_run, res.v2_tail,
             res.cycles);
    return 0;
  }
  const uint64_t add_busy = rtl_config()->add_co > 0 ? res.mac_busy : 0;
  if (res.add_busy != add_busy) {
    snprintf(detail, len, "adder busy %" PRIu64 ", expected %" PRIu64 " (MAC busy %" PRIu64
             ", AddCo %u)", res.add_busy, add_busy, res.mac_busy, rtl_config()->add_co);
    return 0;
  }
  *cycles = res.cycles;
  return check_program_outputs(prog, layers, n, golden, data, before, "rtl", detail, len);
}

/* The header checks (hta_prog_fetch, shared with v1's engine, accepting
 * ProgVersionV2 here): each edit of a good program's header is refused with
 * ERR_PROG naming the word, before any job runs. */
static void bad_headers(hta_sim *sim, const hta_program *prog, const uint8_t *data0) {
  static const struct {
    const char *what;
    unsigned word;
    uint32_t value; /* 0: the good word + 1 (desc_off: + 16) */
  } edits[] = {
      {"bad magic", HTA_PROG_HEADER_W_MAGIC, 0},
      {"a v1 program (version 1)", HTA_PROG_HEADER_W_VERSION, HTA_PROG_VERSION},
      {"a program for another configuration", HTA_PROG_HEADER_W_CFG_SIG, 0},
      {"descriptor table misaligned", HTA_PROG_HEADER_W_DESC_OFF, 0},
  };
  uint8_t *bytes = malloc(prog->size), *data = malloc(prog->data_size);
  for (size_t e = 0; bytes && data && e < sizeof edits / sizeof edits[0]; e++) {
    memcpy(bytes, prog->bytes, prog->size);
    memcpy(data, data0, prog->data_size);
    uint8_t *w = bytes + 4 * edits[e].word;
    const uint32_t good = (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 |
                          (uint32_t)w[3] << 24;
    /* desc_off + 16: still inside the program, no longer a multiple of 64 */
    const uint32_t step = edits[e].word == HTA_PROG_HEADER_W_DESC_OFF ? 16u : 1u;
    const uint32_t v = edits[e].value ? edits[e].value : good + step;
    for (int b = 0; b < 4; b++) w[b] = (uint8_t)(v >> (8 * b));
    rtl_result res;
    char msg[600], name[160];
    const int rc = rtl_run(sim, bytes, prog->size, data, prog->data_size, max_cycles, &res, msg,
                           sizeof msg);
    snprintf(name, sizeof name, "%s is refused: ERR_PROG, ERR_INFO %u (%s)", edits[e].what,
             edits[e].word, rtl_config()->name);
    check(rc == HTA_SIM_OK && (res.status & 0xff) == HTA_ENGINE_ERR_PROG &&
              res.err_info == edits[e].word && res.layers_done == 0,
          name, "harness %d, STATUS 0x%08x, ERR_INFO %u, %u jobs done", rc, res.status,
          res.err_info, res.layers_done);
  }
  free(bytes);
  free(data);
}

/* A job may say its weights, records and scales are already in the core's
 * buffers (reuse) only when the previous job of the run loaded exactly those
 * blocks: the flag set on the first job (nothing loaded yet) and on the
 * first job of the second layer (the buffers hold the first layer's blocks)
 * is refused with ERR_DESC, ERR_INFO 0, before that job runs. */
static void bad_reuse(hta_sim *sim, const hta_program *prog, const uint8_t *data0) {
  int second = 0; /* the first job of another layer than job 0's */
  while (second < prog->n_desc && prog->desc_layer[second] == prog->desc_layer[0]) second++;
  const int jobs[2] = {0, second};
  uint8_t *bytes = malloc(prog->size), *data = malloc(prog->data_size);
  for (int e = 0; bytes && data && e < 2 && jobs[e] < prog->n_desc; e++) {
    memcpy(bytes, prog->bytes, prog->size);
    memcpy(data, data0, prog->data_size);
    uint8_t *j = bytes + HTA_PROG_HEADER_BYTES + (size_t)jobs[e] * HTA_V2_JOB_BYTES;
    hta_v2_job job;
    hta_v2_job_unpack(j, &job);
    job.reuse = 1;
    char why[200], msg[600], name[200];
    if (hta_v2_job_pack(&job, j, why, sizeof why) != 0) break;
    rtl_result res;
    const int rc = rtl_run(sim, bytes, prog->size, data, prog->data_size, max_cycles, &res, msg,
                           sizeof msg);
    snprintf(name, sizeof name, "reuse on job %d (nothing of its own loaded) is refused: "
             "ERR_DESC, ERR_INFO 0 (%s)", jobs[e], rtl_config()->name);
    check(rc == HTA_SIM_OK && (res.status & 0xff) == HTA_ENGINE_ERR_DESC && res.err_info == 0 &&
              res.layers_done == (uint32_t)jobs[e],
          name, "harness %d, STATUS 0x%08x, ERR_INFO %u, %u jobs done", rc, res.status,
          res.err_info, res.layers_done);
  }
  free(bytes);
  free(data);
}

/* The limits and options of the random layers: the linked configuration
 * with short reductions and 8 / 24 filters per layer at most. */
static void case_opts(hta_hw_cfg *lim, hta_rand_opts *opts) {
  *lim = *rtl_config();
  lim->k_max = 300;
  lim->mac_lanes = 8;
  lim->add_lanes = 24;
  hta_rand_opts_default(opts, lim);
}

/* The engine's checks of a job's mode (v2_job_edits.h, the table the
 * interpreter is held to in test_compile_v2): a depthwise layer then a GAP
 * (the first seeded pair the lowering takes), each edit of its mode-1 or
 * mode-2 job refused with ERR_DESC naming the word, before that job runs. */
static void bad_modes(hta_sim *sim) {
  const hta_hw_cfg *cfg = rtl_config();
  hta_hw_cfg lim;
  hta_rand_opts opts;
  case_opts(&lim, &opts);
  opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY;
  hta_rand_layer rl[2];
  hta_program *p = NULL;
  char err[400];
  for (uint64_t seed = 1; seed < 200 && p == NULL; seed++) {
    hta_rng g;
    hta_rng_seed(&g, seed);
    opts.op = HTA_OP_DEPTHWISE;
    if (hta_rand_layer_make(&rl[0], &g, &opts, NULL) != 0) break;
    hta_rand_input in = hta_rand_next_input(&rl[0].l);
    opts.op = HTA_OP_GAP;
    if (hta_rand_layer_make(&rl[1], &g, &opts, &in) != 0) {
      hta_rand_layer_free(&rl[0]);
      break;
    }
    const hta_layer layers[2] = {rl[0].l, rl[1].l};
    p = hta_compile_cfg(cfg, layers, 2, err, sizeof err);
    if (p == NULL) {
      hta_rand_layer_free(&rl[0]);
      hta_rand_layer_free(&rl[1]);
    }
  }
  if (!check(p != NULL, "a depthwise layer and a GAP compile", "no seed compiled")) return;
  uint8_t *bytes = malloc(p->size), *data = calloc(1, p->data_size);
  for (unsigned e = 0; bytes && data && e < V2_JOB_N_EDITS; e++) {
    const v2_job_edit *ed = &V2_JOB_EDITS[e];
    const int at = v2_job_of_mode(p->bytes, p->n_desc, ed->mode);
    char name[200], why[200], msg[600];
    snprintf(name, sizeof name, "engine refuses %s: ERR_DESC, ERR_INFO %u (%s)", ed->what,
             ed->word, cfg->name);
    memcpy(bytes, p->bytes, p->size);
    uint8_t *jb = bytes + HTA_PROG_HEADER_BYTES + (size_t)(at < 0 ? 0 : at) * HTA_V2_JOB_BYTES;
    hta_v2_job j;
    hta_v2_job_unpack(jb, &j);
    v2_job_edit_apply(e, &j);
    if (at < 0 || hta_v2_job_pack(&j, jb, why, sizeof why) != 0) {
      check(0, name, "no job of mode %u, or the edit does not pack", ed->mode);
      continue;
    }
    memset(data, 0, p->data_size);
    rtl_result res;
    const int rc = rtl_run(sim, bytes, p->size, data, p->data_size, max_cycles, &res, msg,
                           sizeof msg);
    check(rc == HTA_SIM_OK && (res.status & 0xff) == HTA_ENGINE_ERR_DESC &&
              res.err_info == ed->word && res.layers_done == (uint32_t)at,
          name, "harness %d, STATUS 0x%08x, ERR_INFO %u, %u jobs done (edited job %d)", rc,
          res.status, res.err_info, res.layers_done, at);
  }
  free(bytes);
  free(data);
  hta_program_free(p);
  hta_rand_layer_free(&rl[0]);
  hta_rand_layer_free(&rl[1]);
}

/* Whether the engine prefetches every job of prog after the first (records,
 * group scales and weights loaded into the other half of each buffer while
 * the previous job's core runs, docs/engine-v2.md "The next job's loads
 * overlap the run"): no graph ops, every job fitting half of each buffer. */
static int all_prefetched(const hta_program *prog) {
  const hta_hw_cfg *c = rtl_config();
  if (prog->n_desc < 2) return 0;
  for (int i = 0; i < prog->n_desc; i++) {
    const uint8_t *b = prog->bytes + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_V2_JOB_BYTES;
    if (b[0] != HTA_DESC_OP_V2_JOB) return 0;
    hta_v2_job j;
    hta_v2_job_unpack(b, &j);
    const unsigned groups = j.gblk ? j.passes * ((j.k_blocks + j.gblk - 1u) / j.gblk) : 0u;
    if ((unsigned)j.passes * j.k_blocks > c->w_depth / 2 ||
        (unsigned)j.passes * (c->mac_co + c->add_co) > c->rec_depth / 2 || groups > c->a_depth / 2)
      return 0;
  }
  return 1;
}

/* The overlap, proven by the phase counters: run alone (the header's n_desc
 * cut to 1), the first job spends the same cycles loading weights, records
 * and scales (v2_wload: its own loads, the core waiting for weights) as the
 * whole program does; every later job was loaded while its predecessor ran,
 * and its descriptor fetched then: v2_fetch grows by the two check cycles
 * per job only. A serial engine fails both (each job's records take cycles
 * before its core starts, and each fetch is a 4-beat read). Then a bad last
 * job, prefetched, is refused exactly as a serial engine refuses it. */
static int check_overlap(hta_sim *sim, const hta_program *prog, uint8_t *data,
                         const rtl_result *all, char *detail, size_t len) {
  uint8_t *bytes = malloc(prog->size);
  if (bytes == NULL) return 0;
  memcpy(bytes, prog->bytes, prog->size);
  uint8_t *w = bytes + 4 * HTA_PROG_HEADER_W_N_DESC;
  w[0] = 1;
  w[1] = w[2] = w[3] = 0;
  rtl_result one;
  char msg[600];
  const int rc = rtl_run(sim, bytes, prog->size, data, prog->data_size, max_cycles, &one, msg,
                         sizeof msg);
  free(bytes);
  const uint64_t n = (uint64_t)prog->n_desc;
  if (rc != HTA_SIM_OK || (one.status & 0xff) != HTA_ENGINE_OK || one.layers_done != 1) {
    snprintf(detail, len, "the first job alone: harness %d, STATUS 0x%08x (%s)", rc, one.status,
             msg);
    return 0;
  }
  if (all->v2_wload != one.v2_wload || all->v2_fetch != one.v2_fetch + 2 * (n - 1)) {
    snprintf(detail, len,
             "no overlap: %" PRIu64 " jobs, weights phase %" PRIu64 " (the first job alone %" PRIu64
             "), fetch phase %" PRIu64 " (the first job alone %" PRIu64 " + 2 per later job)",
             n, all->v2_wload, one.v2_wload, all->v2_fetch, one.v2_fetch);
    return 0;
  }
  /* An error in a prefetched job: the last job's out_pix_stride off by 16
     (the prefetch does not look at it, so its loads go ahead) must still be
     refused when its turn comes, ERR_DESC naming the word, every job before
     it done. */
  uint8_t *bad = malloc(prog->size);
  if (bad == NULL) return 0;
  memcpy(bad, prog->bytes, prog->size);
  uint8_t *jb = bad + HTA_PROG_HEADER_BYTES + (size_t)(n - 1) * HTA_V2_JOB_BYTES;
  hta_v2_job j;
  hta_v2_job_unpack(jb, &j);
  j.out_pix_stride += 16;
  char why[200];
  int ok = hta_v2_job_pack(&j, jb, why, sizeof why) == 0;
  rtl_result e;
  const int rc2 = ok ? rtl_run(sim, bad, prog->size, data, prog->data_size, max_cycles, &e, msg,
                               sizeof msg)
                     : -1;
  free(bad);
  if (!ok || rc2 != HTA_SIM_OK || (e.status & 0xff) != HTA_ENGINE_ERR_DESC ||
      e.err_info != HTA_V2_JOB_W_OUT_PIX_STRIDE || e.layers_done != n - 1) {
    snprintf(detail, len,
             "the last job's out_pix_stride + 16: harness %d, STATUS 0x%08x, ERR_INFO %u, %u "
             "jobs done (want ERR_DESC, ERR_INFO %u, %" PRIu64 " done)",
             rc2, ok ? e.status : 0u, ok ? e.err_info : 0u, ok ? e.layers_done : 0u,
             HTA_V2_JOB_W_OUT_PIX_STRIDE, n - 1);
    return 0;
  }
  return 1;
}

/* A bus error in a random part of a random region the run touches: a job's
 * weights, records or group scales (program window), a row of its input
 * band (data window, read) or the last layer's output (written). The run ends with
 * ERR_AXI_RD / ERR_AXI_WR, ERR_ADDR inside the failing range's 4 KiB
 * pages, nothing outside the windows changed; the next clean run is
 * bit-exact again. 1 if so, else 0 with the reason in detail. */
static int bus_error(hta_sim *sim, hta_rng *g, const hta_program *prog, const hta_layer *layers,
                     int n, int8_t *const *golden, uint8_t *data, const uint8_t *before,
                     char *detail, size_t len) {
  const uint64_t pa = RTL_PROG_ADDR, da = rtl_data_addr(prog->size);
  hta_v2_job job;
  const int jn = (int)hta_rng_range(g, 0, prog->n_desc - 1);
  hta_v2_job_unpack(prog->bytes + HTA_PROG_HEADER_BYTES + (size_t)jn * HTA_V2_JOB_BYTES, &job);
  const hta_tensor *out = &prog->layer_out[n - 1];
  uint64_t lo = 0, size = 0;
  int is_write = 0;
  const char *what = "";
  switch (hta_rng_range(g, 0, 4)) {
  case 0: lo = pa + job.wts_off; size = job.wts_bytes; what = "weights"; break;
  case 1:
    lo = pa + job.rec_off;
    size = (uint64_t)job.passes * (job.rec_mac + job.rec_add) * HTA_V2_LANE_BYTES;
    what = "records";
    break;
  case 2:
    if (job.gblk != 0) {
      lo = pa + job.alpha_off;
      size = 16;
      what = "group scales";
      break;
    }
    /* fall through */
  case 3: /* a random row of the job's band (its bytes are read, whatever the
           * layer: on a wide bus the row's beats go through the bank
           * writer's window, which an abort must leave clean) */
    if (job.in_h == 0) return 1;
    lo = da + job.in_off +
         hta_rng_range(g, 0, job.in_h - 1) * (uint64_t)job.in_w * job.in_pix_stride;
    size = (uint64_t)job.in_w * job.in_pix_stride;
    what = "input";
    break;
  default: lo = da + out->off; size = out->bytes; is_write = 1; what = "output"; break;
  }
  if (size == 0 || job.op != HTA_DESC_OP_V2_JOB || job.reuse) return 1; /* (nothing read) */
  /* 1 .. 64 bytes somewhere in the region */
  const uint64_t at = hta_rng_range(g, 0, size - 1);
  const uint64_t hi = lo + at + hta_rng_range(g, 1, 64);
  lo += at;
  const unsigned resp = hta_rng_chance(g, 50) ? 2 : 3;
  const unsigned code = is_write ? HTA_ENGINE_ERR_AXI_WR : HTA_ENGINE_ERR_AXI_RD;
  memcpy(data, before, prog->data_size);
  hta_sim_inject_error(sim, is_write, lo, hi, resp);
  rtl_result res;
  char msg[300];
  const int rc = rtl_run(sim, prog->bytes, prog->size, data, prog->data_size, max_cycles, &res,
                         msg, sizeof msg);
  hta_sim_inject_error(sim, 0, 0, 0, 0);
  if (rc != HTA_SIM_OK || (res.status & 0xff) != code || res.err_addr < (lo & ~UINT64_C(4095)) ||
      res.err_addr >= hi || !res.guard_ok) {
    snprintf(detail, len,
             "bus error (resp %u) in the %s of job %d at [0x%" PRIx64 ", 0x%" PRIx64 "): "
             "harness %d (%s), STATUS 0x%08x (want code %u), ERR_ADDR 0x%" PRIx64 ", guard %d",
             resp, what, jn, lo, hi, rc, msg, res.status, code, res.err_addr, res.guard_ok);
    return 0;
  }
  memcpy(data, before, prog->data_size);
  uint64_t cycles;
  if (!run_prog(sim, prog, layers, n, golden, data, before, detail, len, &cycles, NULL)) {
    size_t k = strlen(detail);
    snprintf(detail + k, len - k, " (the run after a bus error in the %s)", what);
    return 0;
  }
  return 1;
}

static int run_case(hta_sim *sim, uint64_t seed, const char *argv0, int *skipped,
                    int *overlapped) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  const hta_hw_cfg *cfg = rtl_config();
  hta_hw_cfg lim;
  hta_rand_opts opts;
  case_opts(&lim, &opts);
  opts.kinds = 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY;
  opts.max_hw = hta_rng_chance(&g, 15) ? 16 : 8;
  const int n = hta_rng_chance(&g, 15) ? (int)hta_rng_range(&g, 2, MAX_CHAIN) : 1;
  hta_rand_layer rl[MAX_CHAIN];
  hta_layer layers[MAX_CHAIN];
  int8_t *golden[MAX_CHAIN] = {0}, *input = NULL;
  uint8_t *data = NULL, *before = NULL;
  hta_program *prog = NULL;
  int made = 0, ok = 0;
  char name[800], detail[900] = "", err[400] = "", desc[600] = "";
  size_t at = 0;
  uint64_t cycles = 0;
  for (; made < n; made++) {
    hta_rand_input in;
    if (made > 0) in = hta_rand_next_input(&layers[made - 1]);
    if (hta_rand_layer_make(&rl[made], &g, &opts, made ? &in : NULL) != 0) goto done;
    layers[made] = rl[made].l;
    align_group(cfg, &layers[made]);
    if (cfg->add_co == 0) cap_alpha(&layers[made]);
    at += (size_t)snprintf(desc + at, sizeof desc - at, "%s%s", made ? " | " : " ",
                           rl[made].desc);
    if (at >= sizeof desc) at = sizeof desc - 1;
  }
  snprintf(name, sizeof name, "rtl %s seed=0x%016" PRIx64 "%s", cfg->name, seed, desc);
  prog = hta_compile_cfg(cfg, layers, n, err, sizeof err);
  if (prog == NULL) {
    /* limits of the v2 lowering (test_compile_v2 checks each refusal) */
    if (strstr(err, "v2") != NULL) {
      (*skipped)++;
      ok = -1;
    } else {
      snprintf(detail, sizeof detail, "compile failed: %s", err);
    }
    goto done;
  }
  input = malloc(hta_layer_in_size(&layers[0]));
  for (int i = 0; i < n; i++) golden[i] = malloc(hta_layer_out_size(&layers[i]));
  data = malloc(prog->data_size);
  before = malloc(prog->data_size);
  if (!input || !golden[n - 1] || !data || !before) goto done;
  hta_rand_fill(&g, input, hta_layer_in_size(&layers[0]));
  if (hta_golden_layers(layers, n, input, golden) != 0) {
    snprintf(detail, sizeof detail, "golden model refused the layers");
    goto done;
  }
  for (size_t i = 0; i < prog->data_size; i++) data[i] = (uint8_t)hta_rng_u64(&g);
  hta_tensor_pack(&prog->input, input, data);
  memcpy(before, data, prog->data_size);
  rtl_result res;
  ok = run_prog(sim, prog, layers, n, golden, data, before, detail, sizeof detail, &cycles, &res);
  if (ok && all_prefetched(prog)) {
    (*overlapped)++;
    memcpy(data, before, prog->data_size);
    ok = check_overlap(sim, prog, data, &res, detail, sizeof detail);
  }
  /* a quarter of the cases: a bus error, then a clean run */
  if (ok > 0 && hta_rng_chance(&g, 25))
    ok = bus_error(sim, &g, prog, layers, n, golden, data, before, detail, sizeof detail);
done:
  if (ok >= 0) {
    check(ok, name, "%s\n  replay with a waveform: %s --seed 0x%016" PRIx64 " --trace f.fst",
          detail, argv0, seed);
    if (ok && verbose) printf("  %" PRIu64 " cycles, %d jobs\n", cycles, prog->n_desc);
  }
  for (int i = 0; i < made; i++) hta_rand_layer_free(&rl[i]);
  for (int i = 0; i < n; i++) free(golden[i]);
  free(input);
  free(data);
  free(before);
  hta_program_free(prog);
  return ok;
}

/* A whole network, every layer against golden. */
static void run_net(hta_sim *sim, const char *what, const hta_model *m) {
  char err[400], detail[900] = "", name[200];
  hta_model_info info;
  hta_model_get_info(m, &info);
  const hta_layer *layers = hta_model_layers(m);
  const int n = info.n_layers;
  hta_program *prog = hta_compile_cfg(rtl_config(), layers, n, err, sizeof err);
  int8_t **golden = calloc((size_t)n, sizeof *golden);
  int8_t *input = malloc(hta_layer_in_size(&layers[0]));
  uint8_t *data = prog ? malloc(prog->data_size) : NULL, *before = prog ? malloc(prog->data_size) : NULL;
  int ok = 0;
  uint64_t cycles = 0;
  if (prog == NULL) {
    snprintf(detail, sizeof detail, "compile: %s", err);
  } else if (golden && input && data && before) {
    for (int i = 0; i < n; i++) golden[i] = malloc(hta_layer_out_size(&layers[i]));
    hta_rng g;
    hta_rng_seed(&g, 5);
    hta_rand_fill(&g, input, hta_layer_in_size(&layers[0]));
    if (golden[n - 1] && hta_golden_layers(layers, n, input, golden) == 0) {
      for (size_t i = 0; i < prog->data_size; i++) data[i] = (uint8_t)hta_rng_u64(&g);
      hta_tensor_pack(&prog->input, input, data);
      memcpy(before, data, prog->data_size);
      ok = run_prog(sim, prog, layers, n, golden, data, before, detail, sizeof detail, &cycles,
                    NULL);
    }
  }
  snprintf(name, sizeof name, "%s on the v2 engine (%s), every layer", what, rtl_config()->name);
  check(ok, name, "%s", detail);
  int reuse = 0;
  for (int i = 0; ok && i < prog->n_desc; i++) {
    hta_v2_job j;
    hta_v2_job_unpack(prog->bytes + HTA_PROG_HEADER_BYTES + (size_t)i * HTA_V2_JOB_BYTES, &j);
    reuse += (int)j.reuse;
  }
  if (ok)
    printf("  %s: %d jobs (%d reusing the buffers' weights), %" PRIu64 " cycles\n", what,
           prog->n_desc, reuse, cycles);
  if (ok && strcmp(what, "fmnist_float_int8") == 0) {
    bad_headers(sim, prog, before);
    bad_reuse(sim, prog, before);
  }
  for (int i = 0; golden && i < n; i++) free(golden[i]);
  free(golden);
  free(input);
  free(data);
  free(before);
  hta_program_free(prog);
}

int main(int argc, char **argv) {
  long count = 120;
  uint64_t master = 1, only = 0;
  int have_only = 0, net = 1;
  const char *trace = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--count") && i + 1 < argc) count = strtol(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--master") && i + 1 < argc) master = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      only = strtoull(argv[++i], NULL, 0);
      have_only = 1;
    } else if (!strcmp(argv[i], "--trace") && i + 1 < argc) trace = argv[++i];
    else if (!strcmp(argv[i], "--max-cycles") && i + 1 < argc)
      max_cycles = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--no-net")) net = 0;
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else {
      printf("usage: %s [--count N] [--master S] [--seed S] [--trace F.fst] [--max-cycles N]\n"
             "       [--no-net] [-v]\n",
             argv[0]);
      return 2;
    }
  }
  char err[300];
  hta_sim *sim = rtl_open(2, trace, err, sizeof err);
  if (!check(sim != NULL, "open the simulation of the linked v2 configuration", "%s", err))
    return check_summary();
  int skipped = 0, overlapped = 0;
  if (have_only) {
    run_case(sim, only, argv[0], &skipped, &overlapped);
  } else {
    for (long i = 0; i < count; i++)
      run_case(sim, hta_rng_case_seed(master, (uint64_t)i), argv[0], &skipped, &overlapped);
    printf("%d cases beyond the v2 lowering's limits skipped\n", skipped);
    /* the chains whose jobs all fit half the buffers: the overlap checked */
    check(overlapped >= (count >= 60 ? 3 : 0), "the next job's loads overlap the run",
          "only %d cases with every job prefetched", overlapped);
    printf("%d chains with every job prefetched: overlap and a bad prefetched job checked\n",
           overlapped);
    bad_modes(sim);
    if (net) {
      hta_model *m = hta_model_load("models/fmnist_float_int8.hta", err, sizeof err);
      if (check(m != NULL, "load models/fmnist_float_int8.hta", "%s", err))
        run_net(sim, "fmnist_float_int8", m);
      hta_model_free(m);
    }
    /* MobileNet-V1 0.25/128 (the zoo) on the larger v2 configurations (not
     * on v2tiny and v2tiny512: minutes there) */
    for (int p = 0; net && p < 2 && strncmp(rtl_config()->name, "v2tiny", 6) != 0; p++) {
      const char *plan = p ? "hybrid:0.5" : "int8";
      hta_model *m = hta_zoo_mobilenet_v1(0.25, 128, plan, 1, err, sizeof err);
      char what[80];
      snprintf(what, sizeof what, "mobilenet-v1-0.25-128 %s", plan);
      if (check(m != NULL, what, "zoo: %s", err)) run_net(sim, what, m);
      hta_model_free(m);
    }
  }
  hta_sim_destroy(sim);
  return check_summary();
}
