/*
 * cmd_bench.c - `hta bench`: cycles, utilization and throughput of a model.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hta.h"
#include "hta_hw_config.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"
#include "cli.h"
#include "jobs.h"

/* ---- hta bench ---- */


static const char bench_help[] =
    "usage: hta bench --model M.hta [--device D] [--batch N] [--clock-mhz F]\n"
    "                 [--seed S] [--jobs N] [--progress] [--json]\n"
    "Run N seeded random inputs (default 1) on a device (default sim) and report:\n"
    "per-layer cycles; MAC-array, adder-array and overall utilization, where the\n"
    "ideal cycles of a layer are max(INT8 work / MacLanes, adder work / AddLanes)\n"
    "(engine-v2 configurations: Pix x Ci x MacCo and Pix x Ci x AddCo MACs per cycle)\n"
    "(work = filters x K x output pixels) and utilization = ideal / actual cycles;\n"
    "total cycles; inferences/s at the clock (default 300 MHz); host wall time;\n"
    "simulation speed (simulated cycles per wall second; the sim device only).\n"
    "The cpu device counts no cycles: its cycle columns are 0.\n"
    "  --jobs N     N devices in parallel (each opened from D; xrt:0,1,... is one\n"
    "               device per index), each running a contiguous slice of the batch:\n"
    "               every figure but the wall time (and so the simulation speed,\n"
    "               here of all devices together) is that of one job\n"
    "  --progress   the progress line on stderr even when it is not a terminal\n"
    "  --json   exactly one JSON object on stdout: total_cycles, utilization,\n"
    "           mac_utilization, adder_utilization, inferences_per_s, wall_s,\n"
    "           sim_cycles_per_s, clock_mhz, batch, device, has_cycles, layers[]\n";


/* The job threads' inputs: slices of the seeded batch. */
typedef struct bench_input {
  const int8_t *in;
  size_t ib;
} bench_input;

static int input_item(void *user, int i, int8_t *x, char *err, size_t errlen) {
  (void)err, (void)errlen;
  const bench_input *b = user;
  memcpy(x, b->in + b->ib * (size_t)i, b->ib);
  return 0;
}

int cmd_bench(int argc, char **argv) {
  opt o[] = {{"--device", 1, NULL}, {"--model", 1, NULL}, {"--batch", 1, NULL},
             {"--clock-mhz", 1, NULL}, {"--json", 0, NULL}, {"--seed", 1, NULL},
             {"--timeout-ms", 1, NULL}, {"--jobs", 1, NULL}, {"--progress", 0, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("bench", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(bench_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *uri = optv(o, no, "--device") ? optv(o, no, "--device") : "sim";
  const char *mpath = optv(o, no, "--model");
  if (!mpath) return usage_error("bench", "--model is required");
  long batch = 1, timeout = 0;
  double mhz = 300;
  uint64_t seed = 1;
  if (optv(o, no, "--batch") &&
      parse_long("bench", "--batch", optv(o, no, "--batch"), 1, 4096, &batch))
    return EXIT_USAGE;
  if (optv(o, no, "--clock-mhz") &&
      parse_double("bench", "--clock-mhz", optv(o, no, "--clock-mhz"), 1e-3, 1e5, &mhz))
    return EXIT_USAGE;
  if (optv(o, no, "--seed") && parse_u64("bench", "--seed", optv(o, no, "--seed"), &seed))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("bench", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  int n_jobs = 0;
  char **uris = jobs_uris("bench", uri, optv(o, no, "--jobs"), &n_jobs);
  if (uris == NULL) return EXIT_USAGE;
  const int json = optv(o, no, "--json") != NULL;
  if (json) stdout_divert();
  hta_model *m = load_model("bench", mpath);
  if (m == NULL) return stdout_undivert(), hta_uri_list_free(uris), 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  int8_t *in = NULL, *out = NULL;
  hta_array_work *lw = NULL;
  jobs_result jr = {0};
  rc = 1;
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  in = malloc(ib * (size_t)batch);
  out = malloc(ob * (size_t)batch);
  lw = calloc((size_t)mi.n_layers, sizeof *lw);
  if (!in || !out || !lw) {
    fail("bench", "out of memory");
    goto out;
  }
  fill_random(in, ib * (size_t)batch, seed);
  bench_input bi = {in, ib};
  jobs_spec js = {.cmd = "bench", .uris = uris, .n_jobs = n_jobs, .model = m, .first = 0,
                  .n = (int)batch, .batch = (int)batch, .timeout_ms = (unsigned)timeout,
                  .in_bytes = ib, .out_bytes = ob, .input = input_item, .user = &bi,
                  .out = out, .progress = isatty(2) || optv(o, no, "--progress")};
  if (jobs_run(&js, &jr)) goto out;
  const hta_stats st = jr.total;
  const hta_hw_config *hw = jr.hw;
  const char *kind = jr.kind;
  /* MACs per cycle of each array: v1 lanes, or the v2 core's Pix x Ci x Co */
  const unsigned mac_lanes = hw->engine == 2 ? hw->pix * hw->ci * hw->mac_co : hw->mac_lanes;
  const unsigned add_lanes = hw->engine == 2 ? hw->pix * hw->ci * hw->add_co : hw->add_lanes;
  uint64_t ideal = 0, mac_work = 0, add_work = 0;
  for (int i = 0; i < mi.n_layers; i++) {
    hta_array_work_of(hw, &ls[i], &lw[i]);
    ideal += lw[i].ideal;
    mac_work += lw[i].mac;
    add_work += lw[i].add;
  }
  const double cyc_per_inf = (double)st.total_cycles / (double)batch;
  const double util = st.total_cycles ? (double)ideal * batch / (double)st.total_cycles : 0;
  const double mac_util =
      st.total_cycles ? (double)mac_work / mac_lanes * batch / (double)st.total_cycles
                      : 0;
  const double add_util = st.total_cycles && add_lanes
                              ? (double)add_work / add_lanes * batch / (double)st.total_cycles
                              : 0; /* a MAC-only core has no adder array */
  const double ips = cyc_per_inf > 0 ? mhz * 1e6 / cyc_per_inf : 0;
  const double sim_speed = st.wall_s > 0 ? (double)st.sim_cycles / st.wall_s : 0;
  if (json) {
    stdout_undivert();
    printf("{\"model\":");
    json_str(mi.name);
    printf(",\"device\":");
    json_str(kind);
    printf(",\"has_cycles\":%s,\"batch\":%ld,"
           "\"clock_mhz\":%g,\"total_cycles\":%" PRIu64 ",\"cycles_per_inference\":%.1f,"
           "\"ideal_cycles\":%" PRIu64 ",\"utilization\":%.6f,\"mac_utilization\":%.6f,"
           "\"adder_utilization\":%.6f,\"inferences_per_s\":%.3f,\"wall_s\":%.6f,"
           "\"sim_cycles_per_s\":%.1f,\"mac_ops\":%" PRIu64 ",\"add_ops\":%" PRIu64
           ",\"mem_stall\":%" PRIu64 ",\"drain_stall\":%" PRIu64 ",\"bytes_rd\":%" PRIu64
           ",\"bytes_wr\":%" PRIu64 ",",
           st.has_cycles ? "true" : "false", batch, mhz,
           st.total_cycles, cyc_per_inf, ideal * (uint64_t)batch, util, mac_util, add_util, ips,
           st.wall_s, sim_speed, st.mac_ops, st.add_ops, st.mem_stall, st.drain_stall,
           st.bytes_rd, st.bytes_wr);
    /* every performance counter of the register map, by name */
    printf("\"counters\":{");
    int first = 1;
#define JSON_COUNTER(name, off, bits)                                           \
  printf("%s\"%s\":%" PRIu64, first ? "" : ",", #name, (uint64_t)st.counters.name); \
  first = 0;
    HTA_COUNTERS(JSON_COUNTER)
#undef JSON_COUNTER
    printf("},\"layers\":[");
    for (int i = 0; i < mi.n_layers; i++) {
      const uint64_t c = st.layer_cycles[i];
      const double b = (double)batch;
      printf("%s{\"index\":%d,\"op\":\"%s\",\"cgroups\":%d,\"cycles\":%" PRIu64
             ",\"ideal_cycles\":%" PRIu64
             ",\"utilization\":%.6f,\"mac_utilization\":%.6f,\"adder_utilization\":%.6f}",
             i ? "," : "", i, hta_op_name(ls[i].op), hta_layer_cgroups(&ls[i]), c, lw[i].ideal,
             c ? lw[i].ideal * b / c : 0.0,
             c ? (double)lw[i].mac / mac_lanes * b / c : 0.0,
             c && add_lanes ? (double)lw[i].add / add_lanes * b / c : 0.0);
    }
    printf("]}\n");
    stdout_divert(); /* what the device prints at close goes to stderr too */
  } else {
    printf("model %s on %s, batch %ld, MacLanes %d, AddLanes %d%s\n", mi.name,
           kind, batch, mac_lanes, add_lanes,
           st.has_cycles ? "" : "\n(device cpu is the golden model: it counts no cycles, "
                                "so every cycle figure below is 0)");
    printf("\n%3s %-9s %-13s %12s %12s %7s %7s %7s\n", "#", "op", "output", "cycles", "ideal",
           "util", "MAC", "adder");
    for (int i = 0; i < mi.n_layers; i++) {
      const hta_layer *l = &ls[i];
      const uint64_t c = st.layer_cycles[i];
      const double b = (double)batch;
      char shp[32];
      snprintf(shp, sizeof shp, "%dx%dx%d", hta_layer_out_h(l), hta_layer_out_w(l), l->out_c);
      char op[32]; /* a grouped convolution: CONV2D/g32 */
      snprintf(op, sizeof op, "%s", hta_op_name(l->op));
      if (l->cgroups > 1) snprintf(op, sizeof op, "%s/g%d", hta_op_name(l->op), l->cgroups);
      printf("%3d %-9s %-13s %12" PRIu64 " %12" PRIu64 " %6.1f%% %6.1f%% %6.1f%%\n", i, op,
             shp, c, lw[i].ideal * (uint64_t)batch,
             c ? 100.0 * lw[i].ideal * b / c : 0.0,
             c ? 100.0 * lw[i].mac / mac_lanes * b / c : 0.0,
             c && add_lanes ? 100.0 * lw[i].add / add_lanes * b / c : 0.0);
    }
    printf("%3s %-9s %-13s %12" PRIu64 " %12" PRIu64 " %6.1f%% %6.1f%% %6.1f%%\n", "", "total",
           "", st.total_cycles, ideal * (uint64_t)batch, 100 * util, 100 * mac_util,
           100 * add_util);
    printf("\ncycles per inference   %.0f\n", cyc_per_inf);
    printf("inferences/s           %.1f at %g MHz\n", ips, mhz);
    printf("memory                 %.2f MB read, %.2f MB written; stalls: memory %" PRIu64
           ", drain %" PRIu64 " cycles\n",
           st.bytes_rd / 1e6, st.bytes_wr / 1e6, st.mem_stall, st.drain_stall);
    if (hw->engine == 2 && st.has_cycles) {
      const hta_counters *k = &st.counters;
      const double t = st.total_cycles ? 100.0 / (double)st.total_cycles : 0;
      printf("engine v2 phases       fetch %" PRIu64 " (%.1f%%), weights %" PRIu64
             " (%.1f%%), inputs %" PRIu64 " (%.1f%%), core %" PRIu64 " (%.1f%%), tail %" PRIu64
             " (%.1f%%) cycles\n",
             k->v2_fetch, t * (double)k->v2_fetch, k->v2_wload, t * (double)k->v2_wload,
             k->v2_xload, t * (double)k->v2_xload, k->v2_run, t * (double)k->v2_run, k->v2_tail,
             t * (double)k->v2_tail);
    }
    printf("host wall time         %.3f s\n", st.wall_s);
    /* only a simulation in this process counts its cycles (sim); a card or
     * XRT's emulation does not, and its speed would read 0 */
    if (st.sim_cycles > 0) printf("simulation speed       %.0f kcycles/s\n", sim_speed / 1e3);
  }
  rc = 0;
out:
  free(in);
  free(out);
  free(lw);
  jobs_result_free(&jr);
  hta_model_free(m);
  hta_uri_list_free(uris);
  stdout_undivert();
  return rc;
}
