/*
 * test_hta_api.c - libhta's public API (hta.h) on the cpu and sim devices:
 * error codes and texts, bad arguments, unknown URIs, cpu vs sim bit-exact on
 * random layer chains (every layer's output), batches, the asynchronous
 * submit, timeouts with diagnostics (and the device working afterwards),
 * statistics.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta.h"
#include "hta_compile.h"
#include "hta_golden.h"
#include "hta_model.h"
#include "rand_graph.h"
#include "rand_layer.h"
#include "rng.h"

#define MAX_CHAIN 3

static void test_errors(void) {
  int distinct = 1, named = 1;
  for (int a = 0; a < HTA_ERROR_COUNT; a++) {
    const char *ta = hta_strerror(-a), *na = hta_error_name(-a);
    if (strcmp(ta, "unknown error code") == 0 || ta[0] == '\0') distinct = 0;
    if (strncmp(na, "HTA_", 4) != 0) named = 0;
    for (int b = 0; b < a; b++)
      if (strcmp(ta, hta_strerror(-b)) == 0 || strcmp(na, hta_error_name(-b)) == 0)
        distinct = 0;
  }
  check(distinct, "errors: every code has a distinct message and name", "duplicate or missing");
  check(named, "errors: names start with HTA_", "bad name");
  check(strcmp(hta_strerror(-HTA_ERROR_COUNT), "unknown error code") == 0 &&
            strcmp(hta_strerror(1), "unknown error code") == 0,
        "errors: codes outside the enum", "got '%s'", hta_strerror(-HTA_ERROR_COUNT));
  check(strcmp(hta_error_name(HTA_ERROR_TIMEOUT), "HTA_ERROR_TIMEOUT") == 0,
        "errors: name of TIMEOUT", "got %s", hta_error_name(HTA_ERROR_TIMEOUT));
  check(hta_version() && strcmp(hta_version(), HTA_VERSION_STRING) == 0, "version", "mismatch");
}

static void test_open(void) {
  hta_device *d = (hta_device *)1;
  check_int("open: NULL uri", hta_open(NULL, &d), HTA_ERROR_INVALID_PARAM);
  check(d == NULL, "open: handle cleared on failure", "not NULL");
  check_int("open: NULL handle", hta_open("cpu", NULL), HTA_ERROR_INVALID_PARAM);
  int rc = hta_open("pcie:7", &d);
  check_int("open: unknown scheme", rc, HTA_ERROR_NO_DEVICE);
  const char *m = hta_open_error();
  check(strstr(m, "pcie:7") && strstr(m, "cpu") && strstr(m, "sim"),
        "open: unknown scheme message names the URI and the schemes", "'%s'", m);
  check_int("open: cpu with options", hta_open("cpu:x=1", &d), HTA_ERROR_NO_DEVICE);
  check_int("open: sim bad option", hta_open("sim:bogus=1", &d), HTA_ERROR_NO_DEVICE);
  check(strstr(hta_open_error(), "bogus") != NULL, "open: bad option is named", "'%s'",
        hta_open_error());
  check_int("open: sim bad number", hta_open("sim:mem_mb=x", &d), HTA_ERROR_NO_DEVICE);
  check_int("open: cpu", hta_open("cpu", &d), HTA_SUCCESS);
  check(strcmp(hta_device_kind(d), "cpu") == 0 && !hta_device_has_cycles(d), "open: cpu kind",
        "%s", hta_device_kind(d));
  hta_close(d);
  hta_close(NULL);
  hta_unload(NULL);
}

static void test_bad_args(hta_device *dev, const hta_layer *l) {
  hta_net *net = (hta_net *)1;
  check_int("args: load NULL device", hta_load_layers(NULL, l, 1, &net), HTA_ERROR_INVALID_PARAM);
  check_int("args: load no layers", hta_load_layers(dev, l, 0, &net), HTA_ERROR_INVALID_PARAM);
  check(net == NULL, "args: net cleared on failure", "not NULL");
  hta_layer bad = *l;
  bad.in_c = 0;
  check_int("args: load invalid layer", hta_load_layers(dev, &bad, 1, &net),
            HTA_ERROR_INVALID_PARAM);
  check(strstr(hta_last_error(dev), "layer 0") != NULL, "args: invalid layer message", "'%s'",
        hta_last_error(dev));
  check_int("args: load", hta_load_layers(dev, l, 1, &net), HTA_SUCCESS);
  int8_t buf[16];
  check_int("args: run NULL net", hta_run(NULL, buf, buf, 1, 0, NULL), HTA_ERROR_INVALID_PARAM);
  check_int("args: run NULL input", hta_run(net, NULL, buf, 1, 0, NULL),
            HTA_ERROR_INVALID_PARAM);
  check_int("args: run batch 0", hta_run(net, buf, buf, 0, 0, NULL), HTA_ERROR_INVALID_PARAM);
  check_int("args: layer output before a run", hta_layer_output(net, 0, 0, buf, 1),
            HTA_ERROR_NOT_FOUND);
  hta_net_info info;
  check_int("args: info NULL", hta_net_get_info(net, NULL), HTA_ERROR_INVALID_PARAM);
  check_int("args: info", hta_net_get_info(net, &info), HTA_SUCCESS);
  hta_unload(net);
}

/* A conv layer big enough to take well over 8192 cycles on the engine. */
typedef struct big_layer {
  hta_layer l;
  int8_t w[64 * 288];
  int32_t bias[64], mult[64];
  uint8_t shift[64];
} big_layer;

static void make_big(big_layer *b) {
  memset(b, 0, sizeof *b);
  hta_rng g;
  hta_rng_seed(&g, 99);
  hta_layer *l = &b->l;
  l->op = HTA_OP_CONV2D;
  l->in_h = l->in_w = 14;
  l->in_c = 32;
  l->out_c = 64;
  l->kh = l->kw = 3;
  l->stride = 1;
  l->pad_t = l->pad_b = l->pad_l = l->pad_r = 1;
  l->act_min = -128;
  l->act_max = 127;
  for (size_t i = 0; i < sizeof b->w; i++) b->w[i] = (int8_t)hta_rng_range(&g, -128, 127);
  for (int o = 0; o < 64; o++) {
    b->bias[o] = (int32_t)hta_rng_range(&g, -1000, 1000);
    b->mult[o] = 1 << 30;
    b->shift[o] = 10;
  }
  l->w = b->w;
  l->bias = b->bias;
  l->mult = b->mult;
  l->shift = b->shift;
}

typedef struct cb_state {
  int calls, status, batch, busy_rc;
  hta_net *net;
  void *user_seen;
} cb_state;

static void on_done(hta_net *net, int status, const hta_stats *st, void *user) {
  cb_state *s = user;
  s->calls++;
  s->status = status;
  s->batch = st->batch;
  s->user_seen = user;
  int8_t x[4] = {0};
  s->busy_rc = hta_submit(net, x, x, 1, 0, NULL, NULL); /* still in flight */
}

/* cpu vs sim (and the golden model) on a random chain, batch of 2. */
static void test_chain(hta_device *cpu, hta_device *sim, uint64_t seed) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  hta_hw_cfg cfg;
  hta_hw_cfg_default(&cfg);
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &cfg);
  opts.max_hw = 7;
  opts.max_c = 24;
  const int n = (int)hta_rng_range(&g, 1, MAX_CHAIN);
  hta_rand_layer rl[MAX_CHAIN];
  hta_layer layers[MAX_CHAIN];
  int made = 0;
  char name[96];
  snprintf(name, sizeof name, "chain seed %" PRIu64 " (%d layers)", seed, n);
  for (; made < n; made++) {
    hta_rand_input in;
    if (made > 0) in = hta_rand_next_input(&layers[made - 1]);
    if (hta_rand_layer_make(&rl[made], &g, &opts, made ? &in : NULL) != 0) break;
    layers[made] = rl[made].l;
  }
  hta_net *nc = NULL, *ns = NULL;
  int8_t *in = NULL, *oc = NULL, *os = NULL, *gold[MAX_CHAIN] = {0}, *lc = NULL, *ls = NULL;
  if (made < n) {
    check(0, name, "out of memory");
    goto done;
  }
  int rc = hta_load_layers(cpu, layers, n, &nc);
  if (!check(rc == 0, "chain: cpu load", "%s: %s", name, hta_last_error(cpu)))
    goto done;
  rc = hta_load_layers(sim, layers, n, &ns);
  if (!check(rc == 0, "chain: sim load", "%s: %s", name, hta_last_error(sim)))
    goto done;
  const size_t ib = hta_layer_in_size(&layers[0]), ob = hta_layer_out_size(&layers[n - 1]);
  in = malloc(2 * ib);
  oc = malloc(2 * ob);
  os = malloc(2 * ob);
  for (int i = 0; i < n; i++) gold[i] = malloc(hta_layer_out_size(&layers[i]));
  if (!in || !oc || !os || !gold[n - 1]) goto done;
  hta_rand_fill(&g, in, 2 * ib);
  hta_stats sc;
  rc = hta_run(nc, in, oc, 2, 0, &sc);
  if (!check(rc == 0, "chain: cpu run", "%s: %s", name, hta_last_error(cpu)))
    goto done;
  cb_state cb = {0};
  rc = hta_submit(ns, in, os, 2, 0, on_done, &cb);
  if (!check(rc == 0, "chain: sim run", "%s: %s", name, hta_last_error(sim)))
    goto done;
  check(cb.calls == 1 && cb.status == 0 && cb.batch == 2 && cb.user_seen == &cb &&
            cb.busy_rc == HTA_ERROR_BUSY,
        "submit: callback ran once, synchronously, with user data; BUSY while in flight",
        "calls %d status %d batch %d busy_rc %d", cb.calls, cb.status, cb.batch, cb.busy_rc);
  int ok = 1;
  char detail[256] = "";
  for (int b = 0; b < 2 && ok; b++) {
    if (hta_golden_layers(layers, n, in + b * ib, gold) != 0) {
      ok = 0;
      snprintf(detail, sizeof detail, "golden failed");
      break;
    }
    for (int i = 0; i < n && ok; i++) {
      const size_t lb = hta_layer_out_size(&layers[i]);
      free(lc);
      free(ls);
      lc = malloc(lb);
      ls = malloc(lb);
      if (!lc || !ls || hta_layer_output(nc, b, i, lc, lb) || hta_layer_output(ns, b, i, ls, lb)) {
        ok = 0;
        snprintf(detail, sizeof detail, "layer_output failed: %s", hta_last_error(sim));
        break;
      }
      for (size_t k = 0; k < lb && ok; k++)
        if (lc[k] != gold[i][k] || ls[k] != gold[i][k]) {
          ok = 0;
          snprintf(detail, sizeof detail, "item %d layer %d byte %zu: golden %d cpu %d sim %d", b,
                   i, k, gold[i][k], lc[k], ls[k]);
        }
    }
    if (ok && (memcmp(oc + b * ob, gold[n - 1], ob) || memcmp(os + b * ob, gold[n - 1], ob))) {
      ok = 0;
      snprintf(detail, sizeof detail, "item %d: run output differs from golden", b);
    }
  }
  check(ok, name, "%s", detail);
  /* statistics */
  check(!sc.has_cycles && sc.total_cycles == 0 && sc.batch == 2 && sc.n_layers == n,
        "stats: cpu reports no cycles", "has %d total %" PRIu64, sc.has_cycles, sc.total_cycles);
done:
  free(lc);
  free(ls);
  free(in);
  free(oc);
  free(os);
  for (int i = 0; i < n; i++) free(gold[i]);
  hta_unload(nc);
  hta_unload(ns);
  for (int i = 0; i < made; i++) hta_rand_layer_free(&rl[i]);
}

static void test_stats_timeout(hta_device *sim, hta_device *cpu) {
  static big_layer b;
  make_big(&b);
  hta_net *ns = NULL, *nc = NULL;
  if (!check(hta_load_layers(sim, &b.l, 1, &ns) == 0 && hta_load_layers(cpu, &b.l, 1, &nc) == 0,
             "big: load", "%s", hta_last_error(sim)))
    return;
  const size_t ib = hta_layer_in_size(&b.l), ob = hta_layer_out_size(&b.l);
  int8_t *in = malloc(2 * ib), *os = malloc(2 * ob), *oc = malloc(2 * ob);
  hta_rng g;
  hta_rng_seed(&g, 5);
  hta_rand_fill(&g, in, 2 * ib);

  /* a 1 ms timeout: the layer needs tens of thousands of cycles */
  int rc = hta_run(ns, in, os, 1, 1, NULL);
  check_int("timeout: 1 ms on sim gives HTA_ERROR_TIMEOUT", rc, HTA_ERROR_TIMEOUT);
  const char *m = hta_last_error(sim);
  check(strstr(m, "timeout") && strstr(m, "STATUS") && strstr(m, "ERR_INFO") &&
            strstr(m, "layer"),
        "timeout: message has diagnostics", "'%s'", m);
  check_int("timeout: no layer output after a failed run", hta_layer_output(ns, 0, 0, os, ob),
            HTA_ERROR_NOT_FOUND);

  hta_stats s1, s2, sc;
  rc = hta_run(ns, in, os, 1, 0, &s1);
  check(rc == 0, "timeout: the device works afterwards", "%s", hta_last_error(sim));
  rc = hta_run(nc, in, oc, 1, 0, &sc);
  check(rc == 0 && memcmp(os, oc, ob) == 0, "timeout: result afterwards is bit-exact",
        "rc %d", rc);
  const uint64_t l1 = s1.layer_cycles ? s1.layer_cycles[0] : 0; /* valid until next run */
  /* the log counts a descriptor's cycles from its own start: within a few of the total */
  check(s1.has_cycles && s1.total_cycles > 8192 && s1.n_layers == 1 && l1 > 0 &&
            l1 <= s1.total_cycles + 4 && l1 + 2000 > s1.total_cycles,
        "stats: sim cycles and per-layer cycles", "total %" PRIu64 " layer %" PRIu64,
        s1.total_cycles, l1);
  /* all INT8 work: K=288 x 196 pixels x 64 filters = 3.6 M MAC ops */
  check(s1.mac_ops == UINT64_C(288) * 196 * 64 && s1.add_ops == 0,
        "stats: MAC ops count the work", "mac_ops %" PRIu64 " add_ops %" PRIu64, s1.mac_ops,
        s1.add_ops);
  check(s1.mac_busy > 0 && s1.mac_busy <= s1.total_cycles && s1.bytes_rd > 0 &&
            s1.bytes_wr >= ob && s1.wall_s > 0 && s1.sim_cycles >= s1.total_cycles,
        "stats: busy, traffic, wall time", "busy %" PRIu64 " rd %" PRIu64 " wr %" PRIu64,
        s1.mac_busy, s1.bytes_rd, s1.bytes_wr);
  rc = hta_run(ns, in, os, 2, 0, &s2);
  const uint64_t lo = 2 * s1.total_cycles - s1.total_cycles / 10;
  const uint64_t hi = 2 * s1.total_cycles + s1.total_cycles / 10;
  check(rc == 0 && s2.batch == 2 && s2.total_cycles >= lo && s2.total_cycles <= hi &&
            s2.layer_cycles[0] >= 2 * l1 - l1 / 10,
        "batch: two inputs take about twice the cycles", "%" PRIu64 " vs %" PRIu64,
        s2.total_cycles, s1.total_cycles);
  rc = hta_run(nc, in, oc, 2, 0, NULL);
  check(rc == 0 && memcmp(os, oc, 2 * ob) == 0, "batch: sim batch of 2 equals cpu", "rc %d",
        rc);
  check_int("layer_output: bad layer", hta_layer_output(ns, 0, 1, os, ob), HTA_ERROR_NOT_FOUND);
  check_int("layer_output: bad item", hta_layer_output(ns, 2, 0, os, ob), HTA_ERROR_NOT_FOUND);
  check_int("layer_output: bad length", hta_layer_output(ns, 0, 0, os, ob - 1), HTA_ERROR_SHAPE);
  hta_net_info info;
  hta_net_get_info(ns, &info);
  check(info.in_bytes == ib && info.out_bytes == ob && info.n_layers == 1 && info.out_h == 14 &&
            info.out_c == 64 && info.prog_bytes > 0 && info.data_bytes >= ib + ob,
        "info: shapes and sizes", "in %zu out %zu", info.in_bytes, info.out_bytes);
  free(in);
  free(os);
  free(oc);
  hta_unload(ns); /* nc is closed with its device */
}

static void test_small_mem(const hta_layer *l) {
  hta_device *d = NULL;
  int rc = hta_open("sim:mem_mb=1,rd_latency=60", &d);
  check_int("open: sim with options", rc, HTA_SUCCESS);
  hta_close(d);
  /* engine errors come back as HTA_ERROR_DEVICE with the registers */
  static const char *const faults[2] = {"sim:fault=rd", "sim:fault=wr"};
  static const char *const codes[2] = {"ERR_AXI_RD", "ERR_AXI_WR"};
  for (int f = 0; f < 2; f++) {
    if (!check(hta_open(faults[f], &d) == 0, "fault: open", "%s", hta_open_error())) continue;
    hta_net *net = NULL;
    const size_t ib = hta_layer_in_size(l), ob = hta_layer_out_size(l);
    int8_t *in = calloc(1, ib), *out = calloc(1, ob);
    rc = hta_load_layers(d, l, 1, &net);
    if (rc == 0) rc = hta_run(net, in, out, 1, 0, NULL);
    const char *m = hta_last_error(d);
    check(rc == HTA_ERROR_DEVICE && strstr(m, codes[f]) && strstr(m, "ERR_ADDR 0x4") &&
              strstr(m, "layer descriptor 0"),
          codes[f], "rc %d: '%s'", rc, m);
    free(in);
    free(out);
    hta_close(d);
  }
}

/* Graph models (format version 2): the cpu device runs them, every layer's
 * output equal to the golden model's; so does the v2 engine
 * (sim:cfg=v2small: jobs on the core, graph ops on its graph-op unit), or it
 * refuses the model naming a limit of the v2 core's lowering (STRASSEN
 * filters, a GAP over 7x7 pixels, ternary groups) - never a graph op (the v1
 * engine runs them too: test_engine_graph). */
/* A batch of 3 on the v2 device (one start of a batch program): item 0
 * the input `in`, two more drawn from g; every item's output and every
 * layer output equal to the golden model's; item 3 not found. */
static void graph_batch(hta_rng *g, hta_device *v2, hta_net *net, const hta_layer *ls, int n,
                        const int8_t *in, uint64_t seed) {
  enum { B = 3 };
  char name[120];
  snprintf(name, sizeof name, "graph seed %" PRIu64 ": v2 runs a batch of %d, every item's "
           "every layer as golden", seed, B);
  const size_t isz = hta_layer_in_size(&ls[0]), osz = hta_layer_out_size(&ls[n - 1]);
  int8_t *x = malloc(B * isz), *out = malloc(B * osz), **gold = calloc((size_t)n, sizeof *gold);
  int ok = x && out && gold;
  for (int i = 0; ok && i < n; i++) ok = (gold[i] = malloc(hta_layer_out_size(&ls[i]))) != NULL;
  if (ok) {
    memcpy(x, in, isz);
    hta_rand_fill(g, x + isz, (B - 1) * isz);
    ok = hta_run(net, x, out, B, 0, NULL) == 0;
  }
  for (int b = 0; ok && b < B; b++) {
    ok = hta_golden_layers(ls, n, x + b * isz, gold) == 0 &&
         !memcmp(out + b * osz, gold[n - 1], osz);
    for (int i = 0; ok && i < n; i++) {
      const size_t sz = hta_layer_out_size(&ls[i]);
      int8_t *y = malloc(sz);
      ok = y && hta_layer_output(net, b, i, y, sz) == 0 && !memcmp(y, gold[i], sz);
      free(y);
    }
  }
  int8_t one[1];
  ok = ok && hta_layer_output(net, B, 0, one, 1) == HTA_ERROR_NOT_FOUND;
  check(ok, name, "%s", hta_last_error(v2));
  for (int i = 0; gold && i < n; i++) free(gold[i]);
  free(gold);
  free(x);
  free(out);
}

/* Random graphs of filters the v2 core lowers (INT8, ternary, binary) on
 * the v2 device in batches of 3 (graph_batch): 4 that it lowers. */
static void test_v2_batches(hta_device *v2) {
  int done = 0;
  for (uint64_t seed = 1; done < 4 && seed < 80; seed++) {
    hta_rng g;
    hta_rng_seed(&g, 0xba7c400ull + seed);
    char err[400];
    hta_model *m = hta_rand_graph_engine_kinds(
        &g, 12, 1u << HTA_KIND_INT8 | 1u << HTA_KIND_TERNARY | 1u << HTA_KIND_BINARY, err,
        sizeof err);
    if (m == NULL) {
      check(0, "v2 batches: random graph", "%s", err);
      return;
    }
    hta_net *net = NULL;
    if (hta_load_model(v2, m, &net) == 0) { /* (else a limit of the core's lowering) */
      hta_model_info mi;
      hta_model_get_info(m, &mi);
      const hta_layer *ls = hta_model_layers(m);
      int8_t *in = malloc(hta_layer_in_size(&ls[0]));
      if (in != NULL) {
        hta_rand_fill(&g, in, hta_layer_in_size(&ls[0]));
        graph_batch(&g, v2, net, ls, mi.n_layers, in, 0xba7c400ull + seed);
        done++;
      }
      free(in);
      hta_unload(net);
    }
    hta_model_free(m);
  }
  check(done == 4, "v2 batches: 4 random graphs lowered and run", "%d", done);
}

static void test_graph(hta_device *cpu, hta_device *v2, uint64_t seed) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  char err[400] = "", name[120];
  hta_model *m = hta_rand_graph(&g, err, sizeof err);
  if (!check(m != NULL, "graph: make", "%s", err)) return;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  const int n = mi.n_layers;
  const size_t isz = hta_layer_in_size(&ls[0]);
  int8_t *in = malloc(isz), **gold = calloc((size_t)n, sizeof *gold);
  hta_rand_fill(&g, in, isz);
  for (int i = 0; i < n; i++) gold[i] = malloc(hta_layer_out_size(&ls[i]));
  const int gok = hta_golden_layers(ls, n, in, gold) == 0;
  for (int k = 0; k < 2; k++) {
    hta_device *d = k ? v2 : cpu;
    hta_net *net = NULL;
    int rc = hta_load_model(d, m, &net);
    const char *e = hta_last_error(d);
    if (k == 1 && rc != 0) {
      snprintf(name, sizeof name, "graph seed %" PRIu64 ": v2 refuses only a core limit", seed);
      check(rc == HTA_ERROR_UNSUPPORTED && net == NULL &&
                (strstr(e, "STRASSEN filters of a depthwise layer") ||
                 strstr(e, "(GAP is lowered to a depthwise kernel") ||
                 strstr(e, "are not lowered to engine v2: they need")),
            name, "rc %d: %s", rc, e);
      continue;
    }
    snprintf(name, sizeof name, "graph seed %" PRIu64 ": %s runs it, every layer as golden", seed,
             k ? "v2" : "cpu");
    if (!check(rc == 0, name, "load: %s", e)) continue;
    int8_t *out = malloc(hta_layer_out_size(&ls[n - 1]));
    int ok = gok && hta_run(net, in, out, 1, 0, NULL) == 0 &&
             !memcmp(out, gold[n - 1], hta_layer_out_size(&ls[n - 1]));
    for (int i = 0; ok && i < n; i++) {
      int8_t *y = malloc(hta_layer_out_size(&ls[i]));
      ok = hta_layer_output(net, 0, i, y, hta_layer_out_size(&ls[i])) == 0 &&
           !memcmp(y, gold[i], hta_layer_out_size(&ls[i]));
      free(y);
    }
    check(ok, name, "%s", hta_last_error(d));
    if (k == 1 && ok) graph_batch(&g, v2, net, ls, n, in, seed);
    hta_unload(net);
    free(out);
  }
  for (int i = 0; i < n; i++) free(gold[i]);
  free(gold);
  free(in);
  hta_model_free(m);
}

/* hta_uri_expand: "URI JOBS" -> the list joined by spaces, or the error's
 * code and a word its message must hold. */
static void test_uri_expand(void) {
  static const struct {
    const char *uri;
    int jobs;
    const char *want; /* joined list, or NULL: an error */
    const char *word; /* the error message holds it */
  } cases[] = {
      {"cpu", 0, "cpu", NULL},
      {"cpu", 3, "cpu cpu cpu", NULL},
      {"sim:cfg=tiny", 2, "sim:cfg=tiny sim:cfg=tiny", NULL},
      {"xrt:0,1", 0, "xrt:0 xrt:1", NULL},
      {"xrt:3,1,2:xclbin=/a/b.xclbin", 3,
       "xrt:3:xclbin=/a/b.xclbin xrt:1:xclbin=/a/b.xclbin xrt:2:xclbin=/a/b.xclbin", NULL},
      {"xrt:0", 1, "xrt:0", NULL},
      {"xrt:0,1", 3, NULL, "3 jobs"},
      {"xrt:0,0", 0, NULL, "twice"},
      {"xrt:0,x", 0, NULL, "indices"},
      {"xrt:0,", 0, NULL, "comma"},
      {"xrt:0", 2, NULL, "xrt:0,1"},
      {"usb", 2, NULL, "cannot be opened 2 times"},
      {"sim:trace=a.fst", 2, NULL, "trace="},
      {"cpu", HTA_MAX_JOBS + 1, NULL, "jobs"},
      {"cpu", -1, NULL, "jobs"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[400] = "", got[1000] = "", name[160];
    char **l = (char **)1;
    const int n = hta_uri_expand(cases[i].uri, cases[i].jobs, &l, err, sizeof err);
    snprintf(name, sizeof name, "uri_expand: %s x %d", cases[i].uri, cases[i].jobs);
    if (n > 0) {
      int k = 0;
      for (; l[k]; k++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? " " : "", l[k]);
      check(k == n, name, "%d URIs listed, %d returned", k, n);
    }
    if (cases[i].want)
      check(n > 0 && strcmp(got, cases[i].want) == 0, name, "got %d '%s' (%s), want '%s'", n,
            got, err, cases[i].want);
    else
      check(n == HTA_ERROR_INVALID_PARAM && l == NULL && strstr(err, cases[i].word), name,
            "got %d '%s', want an error naming '%s': '%s'", n, got, cases[i].word, err);
    hta_uri_list_free(n > 0 ? l : NULL);
  }
}

/* Graphs on the engine (the v1 graph-op unit runs every graph op, table
 * and graph input): the sim device through the whole driver, every layer's
 * output equal to cpu's; every_op: hta_rand_graph's graph of every op. */
static void test_engine_graph(hta_device *cpu, hta_device *sim, uint64_t seed, int every_op) {
  hta_rng g;
  hta_rng_seed(&g, seed);
  char err[400] = "", name[120];
  hta_model *m = every_op ? hta_rand_graph(&g, err, sizeof err)
                          : hta_rand_graph_engine(&g, 40, err, sizeof err);
  if (!check(m != NULL, "engine graph: make", "%s", err)) return;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  const int n = mi.n_layers;
  hta_net *ns = NULL, *nc = NULL;
  snprintf(name, sizeof name, "%s graph seed %" PRIu64 ": sim runs it, every layer as cpu",
           every_op ? "every-op" : "engine", seed);
  int ok = check(hta_load_model(sim, m, &ns) == 0, "engine graph: sim loads it", "%s",
                 hta_last_error(sim)) &&
           check(hta_load_model(cpu, m, &nc) == 0, "engine graph: cpu loads it", "%s",
                 hta_last_error(cpu));
  const size_t isz = hta_layer_in_size(&ls[0]), osz = hta_layer_out_size(&ls[n - 1]);
  int8_t *in = malloc(isz), *a = malloc(osz), *b = malloc(osz);
  if (ok && in && a && b) {
    hta_rand_fill(&g, in, isz);
    ok = hta_run(ns, in, a, 1, 0, NULL) == 0 && hta_run(nc, in, b, 1, 0, NULL) == 0 &&
         !memcmp(a, b, osz);
    for (int i = 0; ok && i < n; i++) {
      const size_t sz = hta_layer_out_size(&ls[i]);
      int8_t *y = malloc(sz), *z = malloc(sz);
      ok = y && z && hta_layer_output(ns, 0, i, y, sz) == 0 &&
           hta_layer_output(nc, 0, i, z, sz) == 0 && !memcmp(y, z, sz);
      if (!ok) snprintf(err, sizeof err, "layer %d (%s) differs", i, hta_op_name(ls[i].op));
      free(y);
      free(z);
    }
    check(ok, name, "%s %s", err, hta_last_error(sim));
  }
  free(in);
  free(a);
  free(b);
  hta_unload(ns);
  hta_unload(nc);
  hta_model_free(m);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  test_errors();
  test_open();
  test_uri_expand();
  hta_device *cpu = NULL, *sim = NULL;
  if (!check(hta_open("cpu", &cpu) == 0, "open cpu", "%s", hta_open_error()) ||
      !check(hta_open("sim", &sim) == 0, "open sim", "%s", hta_open_error()))
    return check_summary();
  check(hta_device_has_cycles(sim) && strcmp(hta_device_kind(sim), "sim") == 0, "open: sim kind",
        "%s", hta_device_kind(sim));
  static big_layer b;
  make_big(&b);
  test_bad_args(sim, &b.l);
  test_bad_args(cpu, &b.l);
  for (uint64_t seed = 1; seed <= 12; seed++) test_chain(cpu, sim, seed);
  test_stats_timeout(sim, cpu);
  hta_device *v2 = NULL;
  if (check(hta_open("sim:cfg=v2small", &v2) == 0, "open sim:cfg=v2small", "%s",
            hta_open_error()))
  {
    for (uint64_t seed = 1; seed <= 6; seed++) test_graph(cpu, v2, seed);
    test_v2_batches(v2);
  }
  hta_close(v2);
  for (uint64_t seed = 1; seed <= 6; seed++) test_engine_graph(cpu, sim, seed, 0);
  for (uint64_t seed = 1; seed <= 6; seed++) test_engine_graph(cpu, sim, seed, 1);
  hta_close(sim);
  hta_close(cpu);
  test_small_mem(&b.l);
  return check_summary();
}
