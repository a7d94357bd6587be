/* prog_case.c - see prog_case.h. */
#include "prog_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hta_golden.h"

int prog_case_make(prog_case *c, hta_rng *g, const hta_rand_opts *opts, const hta_hw_cfg *cfg,
                   int n, char *detail, size_t len) {
  char err[300];
  memset(c, 0, sizeof *c);
  c->n = n;
  if (n < 1 || n > PROG_CASE_MAX) {
    snprintf(detail, len, "chain of %d layers (1..%d)", n, PROG_CASE_MAX);
    return -1;
  }
  for (; c->made < n; c->made++) {
    hta_rand_input in;
    if (c->made > 0) in = hta_rand_next_input(&c->layers[c->made - 1]);
    if (hta_rand_layer_make(&c->rl[c->made], g, opts, c->made ? &in : NULL) != 0) {
      snprintf(detail, len, "out of memory");
      return -1;
    }
    c->layers[c->made] = c->rl[c->made].l;
  }
  size_t at = 0;
  for (int i = 0; i < n && at < sizeof c->desc; i++)
    at += (size_t)snprintf(c->desc + at, sizeof c->desc - at, "%s%s", i ? " | " : " ",
                           c->rl[i].desc);
  for (int i = 0; i < n; i++) {
    if (hta_layer_check(&c->layers[i], err, sizeof err) != 0) {
      snprintf(detail, len, "generator made an invalid layer %d: %s", i, err);
      return -1;
    }
  }
  c->prog = hta_compile_cfg(cfg, c->layers, n, err, sizeof err);
  if (c->prog == NULL) {
    snprintf(detail, len, "compile failed: %s", err);
    return -1;
  }
  c->input = malloc(hta_layer_in_size(&c->layers[0]));
  for (int i = 0; i < n; i++) c->golden[i] = malloc(hta_layer_out_size(&c->layers[i]));
  c->data = malloc(c->prog->data_size);
  c->before = malloc(c->prog->data_size);
  if (!c->input || !c->golden[n - 1] || !c->data || !c->before) {
    snprintf(detail, len, "out of memory");
    return -1;
  }
  hta_rand_fill(g, c->input, hta_layer_in_size(&c->layers[0]));
  if (hta_golden_layers(c->layers, n, c->input, c->golden) != 0) {
    snprintf(detail, len, "golden model refused the layers");
    return -1;
  }
  for (size_t i = 0; i < c->prog->data_size; i++) c->data[i] = (uint8_t)hta_rng_u64(g);
  hta_tensor_pack(&c->prog->input, c->input, c->data);
  memcpy(c->before, c->data, c->prog->data_size);
  return 0;
}

void prog_case_free(prog_case *c) {
  for (int i = 0; i < c->made; i++) hta_rand_layer_free(&c->rl[i]);
  for (int i = 0; i < c->n && i < PROG_CASE_MAX; i++) free(c->golden[i]);
  free(c->input);
  free(c->data);
  free(c->before);
  hta_program_free(c->prog);
  memset(c, 0, sizeof *c);
}
