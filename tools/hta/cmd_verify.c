/*
 * cmd_verify.c - `hta verify`: a device against the golden model, layer by layer.
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
#include "hta_compile.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "npy.h"
#include "cli.h"

/* ---- hta verify ---- */

static const char verify_help[] =
    "usage: hta verify --model M.hta [--inputs N] [--seed S] [--device D]\n"
    "Run N seeded random inputs (default 2) on a device (default sim) and on cpu\n"
    "(the golden model), and compare every layer's output bit for bit. Prints a\n"
    "line per layer; on a mismatch, the first differing layer and element\n"
    "(input, layer, h, w, c, both values). Exit status 1 on any mismatch.\n";

int cmd_verify(int argc, char **argv) {
  opt o[] = {{"--model", 1, NULL}, {"--inputs", 1, NULL}, {"--seed", 1, NULL},
             {"--device", 1, NULL}, {"--timeout-ms", 1, NULL}};
  const int no = (int)(sizeof o / sizeof o[0]);
  const char *pos[1];
  int n_pos;
  int rc = parse_opts("verify", argc, argv, o, no, pos, 0, &n_pos);
  if (rc == 1) return fputs(verify_help, stdout), 0;
  if (rc < 0) return EXIT_USAGE;
  const char *mpath = optv(o, no, "--model");
  const char *uri = optv(o, no, "--device") ? optv(o, no, "--device") : "sim";
  if (!mpath) return usage_error("verify", "--model is required");
  long n = 2, timeout = 0;
  uint64_t seed = 1;
  if (optv(o, no, "--inputs") &&
      parse_long("verify", "--inputs", optv(o, no, "--inputs"), 1, 1024, &n))
    return EXIT_USAGE;
  if (optv(o, no, "--seed") && parse_u64("verify", "--seed", optv(o, no, "--seed"), &seed))
    return EXIT_USAGE;
  if (optv(o, no, "--timeout-ms") &&
      parse_long("verify", "--timeout-ms", optv(o, no, "--timeout-ms"), 1, 86400000L, &timeout))
    return EXIT_USAGE;
  hta_model *m = load_model("verify", mpath);
  if (m == NULL) return 1;
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const hta_layer *ls = hta_model_layers(m);
  hta_device *dref = open_device("verify", "cpu"), *dut = open_device("verify", uri);
  int8_t *in = NULL, *oref = NULL, *odut = NULL, *a = NULL, *b = NULL;
  rc = 1;
  if (!dref || !dut) goto out;
  hta_net *nref, *ndut;
  /* Each failure names the device that failed and shows its own message. */
  int lrc = hta_load_model(dref, m, &nref);
  if (lrc != 0) {
    fail("verify", "reference (cpu): %s (%s)", hta_last_error(dref), hta_error_name(lrc));
    goto out;
  }
  if ((lrc = hta_load_model(dut, m, &ndut)) != 0) {
    fail("verify", "%s: %s (%s)", uri, hta_last_error(dut), hta_error_name(lrc));
    goto out;
  }
  const size_t ib = (size_t)mi.in_h * mi.in_w * mi.in_c;
  const size_t ob = (size_t)mi.out_h * mi.out_w * mi.out_c;
  size_t maxl = 0;
  for (int i = 0; i < mi.n_layers; i++)
    if (hta_layer_out_size(&ls[i]) > maxl) maxl = hta_layer_out_size(&ls[i]);
  in = malloc(ib * (size_t)n);
  oref = malloc(ob * (size_t)n);
  odut = malloc(ob * (size_t)n);
  a = malloc(maxl);
  b = malloc(maxl);
  if (!in || !oref || !odut || !a || !b) {
    fail("verify", "out of memory");
    goto out;
  }
  fill_random(in, ib * (size_t)n, seed);
  printf("verify %s: %ld seeded input(s) (seed %" PRIu64 "), %s against cpu\n", mi.name, n,
         seed, uri);
  hta_stats st;
  if ((lrc = hta_run(nref, in, oref, (int)n, (unsigned)timeout, &st)) != 0) {
    fail("verify", "cpu: %s (%s)", hta_last_error(dref), hta_error_name(lrc));
    goto out;
  }
  progress pg;
  progress_start(dut, &pg, 0, (int)n);
  lrc = hta_run(ndut, in, odut, (int)n, (unsigned)timeout, &st);
  progress_end(dut, &pg);
  if (lrc != 0) {
    fail("verify", "%s: %s (%s)", uri, hta_last_error(dut), hta_error_name(lrc));
    goto out;
  }
  int first_bad = -1;
  for (int i = 0; i < mi.n_layers; i++) {
    const hta_layer *l = &ls[i];
    const size_t lb = hta_layer_out_size(l);
    long diffs = 0;
    int shown = 0;
    for (int k = 0; k < n; k++) {
      if (hta_layer_output(nref, k, i, a, lb) || hta_layer_output(ndut, k, i, b, lb)) {
        fail("verify", "reading layer %d: %s", i, hta_last_error(dut));
        goto out;
      }
      for (size_t e = 0; e < lb; e++) {
        if (a[e] == b[e]) continue;
        if (diffs++ == 0 && first_bad < 0 && !shown) {
          const size_t c = e % (size_t)l->out_c, px = e / (size_t)l->out_c;
          const size_t w = px % (size_t)hta_layer_out_w(l), h = px / (size_t)hta_layer_out_w(l);
          printf("  first difference: input %d, layer %d (%s), element %zu (h %zu, w %zu, "
                 "c %zu): cpu %d, %s %d\n",
                 k, i, hta_op_name(l->op), e, h, w, c, a[e], uri, b[e]);
          shown = 1;
        }
      }
    }
    if (diffs && first_bad < 0) first_bad = i;
    printf("  layer %3d %-9s %dx%dx%d: %s", i, hta_op_name(l->op), hta_layer_out_h(l),
           hta_layer_out_w(l), l->out_c, diffs ? "MISMATCH" : "bit-exact");
    if (diffs) printf(" (%ld of %zu bytes differ)", diffs, lb * (size_t)n);
    printf("\n");
  }
  if (memcmp(oref, odut, ob * (size_t)n) != 0 && first_bad < 0) first_bad = mi.n_layers - 1;
  if (first_bad >= 0) {
    printf("verify: FAILED: first differing layer %d\n", first_bad);
    goto out;
  }
  if (st.has_cycles)
    printf("verify: OK: %s is bit-exact with cpu on every layer (%" PRIu64
           " cycles, %.1f s wall)\n", uri, st.total_cycles, st.wall_s);
  else
    printf("verify: OK: %s is bit-exact with cpu on every layer\n", uri);
  rc = 0;
out:
  free(in);
  free(oref);
  free(odut);
  free(a);
  free(b);
  hta_close(dref);
  hta_close(dut);
  hta_model_free(m);
  return rc;
}
