/*
 * test_usb_e2e.c - libhta's usb device against cpu and sim on seeded random
 * layer chains: every layer's output bit-exact with the golden model (cpu),
 * and the engine's total and per-layer cycles equal to the sim device's.
 * Run under the launcher (tests/usb/test_usb.sh does):
 *   usb_launcher -- test_usb_e2e URI [CHAINS [SEED]]
 * and, to give the CLI tests a small model, without it:
 *   test_usb_e2e --save FILE.hta SEED    (the chain of that seed, as a model)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta.h"
#include "hta_compile.h"
#include "hta_model.h"
#include "rand_layer.h"
#include "rng.h"

#define MAX_CHAIN 3
#define BATCH 2

typedef struct dev_run {
  hta_device *dev;
  hta_net *net;
  int8_t *out;
  hta_stats st;
  uint64_t layer_cycles[MAX_CHAIN];
} dev_run;

static int run_on(dev_run *r, const hta_layer *layers, int n, const int8_t *in, size_t ob) {
  r->out = malloc(BATCH * ob);
  if (r->out == NULL) return HTA_ERROR_NO_MEM;
  int rc = hta_load_layers(r->dev, layers, n, &r->net);
  if (rc == 0) rc = hta_run(r->net, in, r->out, BATCH, 60000, &r->st);
  for (int i = 0; rc == 0 && i < n; i++) r->layer_cycles[i] = r->st.layer_cycles[i];
  return rc;
}

/* The random chain of a seed: n layers (returned), `made` of them built. */
static int make_chain(hta_rng *g, uint64_t seed, hta_rand_layer *rl, hta_layer *layers,
                      int *made) {
  hta_rng_seed(g, seed);
  hta_hw_cfg cfg;
  hta_hw_cfg_default(&cfg);
  hta_rand_opts opts;
  hta_rand_opts_default(&opts, &cfg);
  opts.max_hw = 7;
  opts.max_c = 24;
  const int n = (int)hta_rng_range(g, 1, MAX_CHAIN);
  for (*made = 0; *made < n; (*made)++) {
    hta_rand_input in;
    if (*made > 0) in = hta_rand_next_input(&layers[*made - 1]);
    if (hta_rand_layer_make(&rl[*made], g, &opts, *made ? &in : NULL) != 0) break;
    layers[*made] = rl[*made].l;
  }
  return n;
}

static int save_chain(const char *path, uint64_t seed) {
  hta_rng g;
  hta_rand_layer rl[MAX_CHAIN];
  hta_layer layers[MAX_CHAIN];
  int made = 0;
  const int n = make_chain(&g, seed, rl, layers, &made);
  hta_model *m = made == n ? hta_model_new("usb-test-chain", "random") : NULL;
  char err[256] = "out of memory";
  int rc = m ? 0 : -1;
  for (int i = 0; rc == 0 && i < n; i++) rc = hta_model_add_layer(m, &layers[i], err, sizeof err);
  if (rc == 0) rc = hta_model_save(m, path, err, sizeof err);
  if (rc != 0) fprintf(stderr, "test_usb_e2e: cannot save %s: %s\n", path, err);
  hta_model_free(m);
  for (int i = 0; i < made; i++) hta_rand_layer_free(&rl[i]);
  return rc == 0 ? 0 : 1;
}

static void chain(hta_device *devs[3], uint64_t seed) {
  hta_rng g;
  hta_rand_layer rl[MAX_CHAIN];
  hta_layer layers[MAX_CHAIN];
  int made = 0;
  const int n = make_chain(&g, seed, rl, layers, &made);
  char name[64];
  snprintf(name, sizeof name, "chain seed %" PRIu64 " (%d layers)", seed, n);
  dev_run r[3];
  memset(r, 0, sizeof r);
  int8_t *in = NULL, *a = NULL, *b = NULL;
  if (made < n) {
    check(0, name, "out of memory");
    goto done;
  }
  const size_t ib = hta_layer_in_size(&layers[0]), ob = hta_layer_out_size(&layers[n - 1]);
  in = malloc(BATCH * ib);
  if (in == NULL) goto done;
  hta_rand_fill(&g, in, BATCH * ib);
  static const char *const kind[3] = {"cpu", "sim", "usb"};
  for (int d = 0; d < 3; d++) {
    r[d].dev = devs[d];
    const int rc = run_on(&r[d], layers, n, in, ob);
    char what[96];
    snprintf(what, sizeof what, "%s: runs on %s", name, kind[d]);
    if (!check(rc == 0, what, "%s", hta_last_error(devs[d]))) goto done;
  }
  /* every layer of every item: usb == cpu (the golden model) */
  int ok = 1;
  char detail[200] = "";
  for (int item = 0; item < BATCH && ok; item++)
    for (int i = 0; i < n && ok; i++) {
      const size_t lb = hta_layer_out_size(&layers[i]);
      free(a);
      free(b);
      a = malloc(lb);
      b = malloc(lb);
      if (!a || !b || hta_layer_output(r[0].net, item, i, a, lb) ||
          hta_layer_output(r[2].net, item, i, b, lb)) {
        ok = 0;
        snprintf(detail, sizeof detail, "layer_output failed");
      }
      for (size_t k = 0; ok && k < lb; k++)
        if (a[k] != b[k]) {
          ok = 0;
          snprintf(detail, sizeof detail, "item %d layer %d byte %zu: cpu %d usb %d", item, i, k,
                   a[k], b[k]);
        }
    }
  if (ok && memcmp(r[0].out, r[2].out, BATCH * ob) != 0) {
    ok = 0;
    snprintf(detail, sizeof detail, "run outputs differ");
  }
  char what[96];
  snprintf(what, sizeof what, "%s: every layer usb == cpu", name);
  check(ok, what, "%s", detail);
  int same = r[1].st.total_cycles == r[2].st.total_cycles && r[2].st.total_cycles > 0;
  for (int i = 0; i < n; i++) same = same && r[1].layer_cycles[i] == r[2].layer_cycles[i];
  snprintf(what, sizeof what, "%s: cycles usb == sim (%" PRIu64 ")", name,
           r[1].st.total_cycles);
  check(same, what, "sim %" PRIu64 " usb %" PRIu64, r[1].st.total_cycles, r[2].st.total_cycles);
done:
  for (int d = 0; d < 3; d++) {
    hta_unload(r[d].net);
    free(r[d].out);
  }
  free(in);
  free(a);
  free(b);
  for (int i = 0; i < made; i++) hta_rand_layer_free(&rl[i]);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 4 && strcmp(argv[1], "--save") == 0)
    return save_chain(argv[2], strtoull(argv[3], NULL, 0));
  if (argc < 2) {
    fprintf(stderr, "usage: test_usb_e2e USB_URI [CHAINS [SEED]] | --save FILE.hta SEED\n");
    return 2;
  }
  const int chains = argc > 2 ? atoi(argv[2]) : 4;
  const uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
  hta_device *devs[3] = {NULL, NULL, NULL};
  const char *uris[3] = {"cpu", "sim", argv[1]};
  for (int d = 0; d < 3; d++) {
    char what[300];
    snprintf(what, sizeof what, "open %s", uris[d]);
    if (!check(hta_open(uris[d], &devs[d]) == 0, what, "%s", hta_open_error())) goto out;
  }
  check(hta_device_has_cycles(devs[2]) && strcmp(hta_device_kind(devs[2]), "usb") == 0,
        "usb device kind, counts cycles", "%s", hta_device_kind(devs[2]));
  for (int c = 0; c < chains; c++) chain(devs, seed * 1000 + (uint64_t)c);
out:
  for (int d = 0; d < 3; d++) hta_close(devs[d]);
  return check_summary();
}
