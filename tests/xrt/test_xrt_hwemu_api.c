/*
 * test_xrt_hwemu_api.c - libhta's xrt device under XRT's hardware emulation,
 * in one XRT session (each costs 10-20 s of XRT's fixed waits): a run with a
 * too short timeout fails with HTA_ERROR_TIMEOUT and a register dump; the
 * next run (which first waits for the timed-out one) gives every layer's
 * output bit-exact with cpu and the same per-layer cycles as sim.
 * argv[1]: an emulation xclbin (`hta xclbin --emu`).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hta.h"
#include "hta_model.h"
#include "hta_zoo.h"
#include "rng.h"

static int run_on(const char *label, const char *uri, const hta_model *m, const int8_t *in,
                  int8_t **layers, uint64_t *cycles, int n, unsigned short_timeout_first) {
  hta_device *d = NULL;
  hta_net *net = NULL;
  char name[96];
  snprintf(name, sizeof name, "%s: open", label);
  int rc = hta_open(uri, &d);
  if (!check(rc == HTA_SUCCESS, name, "open: %s", hta_open_error())) return -1;
  rc = hta_load_model(d, m, &net);
  snprintf(name, sizeof name, "%s: load", label);
  if (!check(rc == HTA_SUCCESS, name, "load: %s", hta_last_error(d))) {
    hta_close(d);
    return rc;
  }
  hta_net_info ni;
  hta_net_get_info(net, &ni);
  int8_t *out = malloc(ni.out_bytes);
  if (short_timeout_first) {
    rc = hta_run(net, in, out, 1, short_timeout_first, NULL);
    check(rc == HTA_ERROR_TIMEOUT && strstr(hta_last_error(d), "STATUS 0x") &&
              strstr(hta_last_error(d), "CYCLES"),
          "hw_emu: a too short timeout gives HTA_ERROR_TIMEOUT with a register dump", "%s '%s'",
          hta_error_name(rc), hta_last_error(d));
  }
  hta_stats st;
  rc = hta_run(net, in, out, 1, 0, &st);
  snprintf(name, sizeof name, "%s: run%s", label,
           short_timeout_first ? " after the timed-out one" : "");
  if (check(rc == HTA_SUCCESS, name,
            "%s '%s'", hta_error_name(rc), hta_last_error(d))) {
    const hta_layer *l = hta_model_layers(m);
    for (int i = 0; i < n; i++) {
      layers[i] = malloc(hta_layer_out_size(&l[i]));
      hta_layer_output(net, 0, i, layers[i], hta_layer_out_size(&l[i]));
      if (cycles) cycles[i] = st.has_cycles ? st.layer_cycles[i] : 0;
    }
  }
  free(out);
  hta_close(d);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: %s EMU.xclbin\n", argv[0]), 2;
  char err[256] = "", uri[600];
  snprintf(uri, sizeof uri, "xrt:0:xclbin=%s", argv[1]);
  hta_model *m = hta_zoo_mobilenet_v1(0.25, 128, "hybrid:0.5", 11, err, sizeof err);
  if (!check(m != NULL, "model mobilenet-v1 0.25/128 hybrid:0.5", "%s", err))
    return check_summary();
  hta_model_info mi;
  hta_model_get_info(m, &mi);
  const int n = mi.n_layers;
  const size_t in_bytes = (size_t)mi.in_h * (size_t)mi.in_w * (size_t)mi.in_c;
  int8_t *in = malloc(in_bytes);
  hta_rng g;
  hta_rng_seed(&g, 11);
  for (size_t i = 0; i < in_bytes; i++) in[i] = (int8_t)hta_rng_u64(&g);
  int8_t **lx = calloc((size_t)n, sizeof *lx), **lc = calloc((size_t)n, sizeof *lc),
         **ls = calloc((size_t)n, sizeof *ls);
  uint64_t *cx = calloc((size_t)n, sizeof *cx), *cs = calloc((size_t)n, sizeof *cs);
  const int ok = run_on("hw_emu", uri, m, in, lx, cx, n, 50) == HTA_SUCCESS &&
                 run_on("cpu", "cpu", m, in, lc, NULL, n, 0) == HTA_SUCCESS &&
                 run_on("sim", "sim", m, in, ls, cs, n, 0) == HTA_SUCCESS;
  if (ok) {
    const hta_layer *l = hta_model_layers(m);
    int same = 1, first = -1;
    for (int i = 0; i < n; i++)
      if (memcmp(lx[i], lc[i], hta_layer_out_size(&l[i])) != 0 && first < 0) first = i;
    check(first < 0, "hw_emu: every layer's output bit-exact with cpu", "layer %d differs", first);
    for (int i = 0; i < n; i++) same &= cx[i] == cs[i] && cx[i] > 0;
    check(same, "hw_emu: per-layer cycles equal sim's", "layer 0: %llu vs %llu",
          (unsigned long long)cx[0], (unsigned long long)cs[0]);
  }
  for (int i = 0; i < n; i++) {
    free(lx[i]);
    free(lc[i]);
    free(ls[i]);
  }
  free(lx);
  free(lc);
  free(ls);
  free(cx);
  free(cs);
  free(in);
  hta_model_free(m);
  return check_summary();
}
