/*
 * bench_rtl.c - cycles, array utilization and simulation speed of the RTL on
 * MobileNet-like layers (make bench). Not a test: it checks bit-exactness
 * against the golden model only so a wrong result is never benchmarked.
 *
 *   utilization = ideal cycles / cycles, with
 *   ideal       = max(MAC work / MacLanes, adder work / AddLanes)
 *   (work = filters of that array x K x output pixels; memory traffic and
 *   every other overhead are inside "cycles").
 *
 *   simulation speed = simulated cycles (or array operations: MACs plus
 *   adder-lane weight operations) per second of CPU time.
 *
 *   bench_rtl [--json] [--markdown]
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hta_hw_config.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_sim.h"
#include "rng.h"
#include "rtl_run.h"

typedef struct bench_layer {
  const char *name;
  hta_op op;
  int hw, c_in, c_out, k, stride;
  int int8_filters; /* the rest are ternary (groups of 16) */
} bench_layer;

static const bench_layer layers[] = {
  {"pointwise 14x14x256->256 int8", HTA_OP_POINTWISE, 14, 256, 256, 1, 1, 256},
  {"pointwise 14x14x256->256 hybrid 1/3 int8", HTA_OP_POINTWISE, 14, 256, 256, 1, 1, 85},
  {"pointwise 14x14x256->192 hybrid 64+128", HTA_OP_POINTWISE, 14, 256, 192, 1, 1, 64},
  {"pointwise 28x28x128->128 hybrid 1/2 int8", HTA_OP_POINTWISE, 28, 128, 128, 1, 1, 64},
  {"pointwise 7x7x512->512 int8", HTA_OP_POINTWISE, 7, 512, 512, 1, 1, 512},
  {"depthwise 3x3 14x14x256 int8", HTA_OP_DEPTHWISE, 14, 256, 256, 3, 1, 256},
  {"depthwise 3x3 s2 28x28x128 int8", HTA_OP_DEPTHWISE, 28, 128, 128, 3, 2, 128},
};

typedef struct bench_out {
  uint64_t cycles, ideal, mac_ops, add_ops, mem_stall, drain_stall;
  double wall_s;
  int exact;
} bench_out;

/* Simulation speed is measured in CPU time of this (single-threaded)
 * process, so other work on the machine does not distort it. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run_one(hta_sim *sim, const bench_layer *b, bench_out *o) {
  const int dw = b->op == HTA_OP_DEPTHWISE;
  const int K = dw ? b->k * b->k : b->k * b->k * b->c_in;
  const int C = b->c_out, pad = b->k / 2;
  hta_rng g;
  hta_rng_seed(&g, 7);
  int8_t *w = malloc((size_t)C * K), *t = malloc((size_t)C * K);
  const int ng = (K + 15) / 16;
  uint8_t *alpha = malloc((size_t)C * ng), *kind = malloc((size_t)C), *shift = malloc((size_t)C);
  int32_t *bias = malloc(sizeof(int32_t) * C), *mult = malloc(sizeof(int32_t) * C);
  for (int i = 0; i < C * K; i++) {
    w[i] = (int8_t)hta_rng_range(&g, -128, 127);
    t[i] = (int8_t)hta_rng_range(&g, -1, 1);
  }
  for (int i = 0; i < C * ng; i++) alpha[i] = (uint8_t)hta_rng_range(&g, 1, 255);
  /* INT8 filters spread over the channels, as a hybrid layer has them */
  for (int o2 = 0; o2 < C; o2++) {
    kind[o2] = (uint8_t)((long)o2 * b->int8_filters / C != (long)(o2 + 1) * b->int8_filters / C
                             ? HTA_KIND_INT8 : HTA_KIND_TERNARY);
    bias[o2] = (int32_t)hta_rng_range(&g, -1000, 1000);
    mult[o2] = (int32_t)hta_rng_range(&g, 1 << 30, INT32_MAX);
    shift[o2] = (uint8_t)(dw ? 8 : 12);
  }
  hta_layer l;
  memset(&l, 0, sizeof l);
  l.op = b->op;
  l.in_h = l.in_w = b->hw;
  l.in_c = b->c_in;
  l.out_c = C;
  l.kh = l.kw = b->k;
  l.stride = b->stride;
  l.pad_t = l.pad_l = pad;
  l.pad_b = l.pad_r = b->stride == 2 ? pad - 1 + (b->hw % 2) : pad;
  if (l.pad_b < 0) l.pad_b = l.pad_r = 0;
  l.zp_in = 3;
  l.zp_out = -5;
  l.act_min = -5;
  l.act_max = 127;
  l.group = 16;
  l.kind = kind;
  l.w = w;
  l.t = t;
  l.alpha = alpha;
  l.bias = bias;
  l.mult = mult;
  l.shift = shift;

  char err[300];
  int rc = -1;
  hta_program *p = hta_compile(rtl_config(), &l, 1, err, sizeof err);
  if (p == NULL) {
    fprintf(stderr, "bench_rtl: %s: %s\n", b->name, err);
    goto out;
  }
  const size_t in_n = hta_layer_in_size(&l), out_n = hta_layer_out_size(&l);
  int8_t *in = malloc(in_n), *want = malloc(out_n), *got = malloc(out_n);
  uint8_t *data = calloc(1, p->data_size);
  for (size_t i = 0; i < in_n; i++) in[i] = (int8_t)hta_rng_range(&g, -128, 127);
  hta_golden_layer(&l, in, want);
  hta_tensor_pack(&p->input, in, data);

  rtl_result res;
  char msg[600];
  const double t0 = now_s();
  rc = rtl_run(sim, p->bytes, p->size, data, p->data_size, UINT64_C(500000000), &res, msg,
               sizeof msg);
  o->wall_s = now_s() - t0;
  if (rc != 0 || (res.status & 0xff) != 0) {
    fprintf(stderr, "bench_rtl: %s: %s status 0x%x\n", b->name, msg, res.status);
    rc = -1;
  } else {
    hta_tensor_unpack(&p->output, data, got);
    o->exact = memcmp(got, want, out_n) == 0;
    const uint64_t pix = (uint64_t)hta_layer_out_h(&l) * hta_layer_out_w(&l);
    const uint64_t mac_work = (uint64_t)b->int8_filters * K * pix;
    const uint64_t add_work = (uint64_t)(C - b->int8_filters) * K * pix;
    const uint64_t im = (mac_work + rtl_config()->mac_lanes - 1) / rtl_config()->mac_lanes;
    const uint64_t ia = (add_work + rtl_config()->add_lanes - 1) / rtl_config()->add_lanes;
    o->ideal = im > ia ? im : ia;
    o->cycles = res.cycles;
    o->mac_ops = res.mac_ops;
    o->add_ops = res.add_ops;
    o->mem_stall = res.mem_stall;
    o->drain_stall = res.drain_stall;
  }
  free(in);
  free(want);
  free(got);
  free(data);
out:
  hta_program_free(p);
  free(w);
  free(t);
  free(alpha);
  free(kind);
  free(shift);
  free(bias);
  free(mult);
  return rc;
}

int main(int argc, char **argv) {
  int json = 0, markdown = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--markdown")) markdown = 1;
    else {
      printf("usage: %s [--json | --markdown]\n", argv[0]);
      return strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  char err[256];
  hta_sim *sim = hta_sim_create(NULL, err, sizeof err);
  if (sim == NULL) {
    fprintf(stderr, "bench_rtl: %s\n", err);
    return 1;
  }
  const int n = (int)(sizeof layers / sizeof layers[0]);
  int failed = 0;
  if (json) printf("{\"config\":{\"mac_lanes\":%d,\"add_lanes\":%d,\"bus_bits\":%d},\"layers\":[",
                   rtl_config()->mac_lanes, rtl_config()->add_lanes, rtl_config()->bus_bits);
  else if (markdown)
    printf("| layer | cycles | ideal | utilization | memory stalls | drain stalls | "
           "sim cycles/CPU s | sim MACs/CPU s |\n|---|---|---|---|---|---|---|---|\n");
  else
    printf("%-42s %10s %10s %6s %9s %9s %12s %12s\n", "layer", "cycles", "ideal", "util",
           "mem-stall", "drain-stl", "sim cyc/s", "sim MAC/s");
  for (int i = 0; i < n; i++) {
    bench_out o;
    memset(&o, 0, sizeof o);
    if (run_one(sim, &layers[i], &o) != 0 || !o.exact) {
      fprintf(stderr, "bench_rtl: %s: %s\n", layers[i].name,
              o.cycles ? "result differs from the golden model" : "run failed");
      failed = 1;
      continue;
    }
    const double util = (double)o.ideal / (double)o.cycles;
    const double cps = (double)o.cycles / o.wall_s;
    const double ops = (double)(o.mac_ops + o.add_ops) / o.wall_s;
    if (json)
      printf("%s{\"name\":\"%s\",\"cycles\":%" PRIu64 ",\"ideal_cycles\":%" PRIu64
             ",\"utilization\":%.4f,\"mem_stall\":%" PRIu64 ",\"drain_stall\":%" PRIu64
             ",\"mac_ops\":%" PRIu64 ",\"add_ops\":%" PRIu64
             ",\"cpu_s\":%.3f,\"sim_cycles_per_s\":%.0f,\"sim_macs_per_s\":%.0f}",
             i ? "," : "", layers[i].name, o.cycles, o.ideal, util, o.mem_stall, o.drain_stall,
             o.mac_ops, o.add_ops, o.wall_s, cps, ops);
    else if (markdown)
      printf("| %s | %" PRIu64 " | %" PRIu64 " | %.1f%% | %" PRIu64 " | %" PRIu64
             " | %.0f k | %.1f M |\n", layers[i].name, o.cycles, o.ideal, 100 * util,
             o.mem_stall, o.drain_stall, cps / 1e3, ops / 1e6);
    else
      printf("%-42s %10" PRIu64 " %10" PRIu64 " %5.1f%% %9" PRIu64 " %9" PRIu64
             " %11.0fk %11.1fM\n", layers[i].name, o.cycles, o.ideal, 100 * util, o.mem_stall,
             o.drain_stall, cps / 1e3, ops / 1e6);
    fflush(stdout);
  }
  if (json) printf("]}\n");
  hta_sim_destroy(sim);
  return failed;
}
